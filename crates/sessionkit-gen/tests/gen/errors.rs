//! Malformed input: every error is one line, names the file (and the module or item), and
//! leaves no output file behind.

use crate::common;

use std::path::{Path, PathBuf};

use sessionkit_gen::{Error, Generator};

/// A temporary directory with input files and an (initially absent) output directory.
struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Self {
        Case {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn file(&self, name: &str, content: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    /// Runs `generator` into the case's output directory and returns its error, checking the
    /// common properties: one line, mentions every `needles`, no output written.
    fn fails(&self, generator: Generator, needles: &[&str]) -> Error {
        let err = generator
            .out_dir(self.out())
            .generate()
            .expect_err("generation should fail");
        let message = err.to_string();
        assert!(!message.contains('\n'), "not one line: {message}");
        for needle in needles {
            assert!(
                message.contains(needle),
                "`{message}` does not mention `{needle}`"
            );
        }
        assert!(no_files(&self.out()), "output written despite {message}");
        err
    }
}

fn no_files(dir: &Path) -> bool {
    std::fs::read_dir(dir).map_or(true, |mut entries| entries.next().is_none())
}

fn account() -> Generator {
    Generator::new().account_abi(common::session_account())
}

#[test]
fn missing_file() {
    let case = Case::new();
    let missing = case.dir.path().join("missing.abi.json");
    let err = case.fails(
        Generator::new().account_abi(&missing),
        &["missing.abi.json", "cannot read"],
    );
    assert!(matches!(err, Error::Read { .. }));
    let err = case.fails(account().target("erc20", &missing), &["missing.abi.json"]);
    assert!(matches!(err, Error::Read { .. }));
}

#[test]
fn not_json() {
    let case = Case::new();
    let path = case.file("broken.json", "[{\"type\": \"function\",\n  oops");
    let err = case.fails(
        account().target("erc20", &path),
        &["broken.json", "not JSON"],
    );
    assert!(matches!(err, Error::NotJson { .. }));
}

#[test]
fn json_that_is_not_an_abi() {
    let case = Case::new();
    for (name, content) in [
        ("numbers.json", "[1, 2, 3]"),
        ("string.json", "\"hello\""),
        (
            "bad-item.json",
            r#"[{"type": "function", "name": "f", "inputs": "nope"}]"#,
        ),
        (
            "bad-type.json",
            r#"[{"type": "function", "name": "f", "inputs": [{"name": "a", "type": "uint7"}]}]"#,
        ),
        ("abi-not-array.json", r#"{"abi": {"type": "function"}}"#),
    ] {
        let path = case.file(name, content);
        let err = case.fails(account().target("erc20", &path), &[name, "not an ABI"]);
        assert!(matches!(err, Error::NotAbi { .. }), "{name}: {err:?}");
    }
}

#[test]
fn artifact_without_abi() {
    let case = Case::new();
    let path = case.file(
        "Token.json",
        r#"{"bytecode": {"object": "0x00"}, "metadata": {}}"#,
    );
    let err = case.fails(account().target("erc20", &path), &["Token.json", "\"abi\""]);
    assert!(matches!(err, Error::ArtifactWithoutAbi { .. }));
}

#[test]
fn foundry_artifact_with_abi_is_read() {
    let case = Case::new();
    let abi = std::fs::read_to_string(common::fixture("ERC20.abi.json")).unwrap();
    let path = case.file(
        "ERC20.json",
        &format!(r#"{{"abi": {abi}, "bytecode": {{"object": "0x00"}}}}"#),
    );
    let files = account().target("erc20", &path).render().unwrap();
    let plain = account()
        .target("erc20", common::fixture("ERC20.abi.json"))
        .render()
        .unwrap();
    // Same interface name (`ERC20` from both file names) and bindings; the artifact's carry its
    // bytecode, so the contract can be deployed from Rust.
    assert_eq!(
        files["erc20.rs"].replace("#[sol(rpc, bytecode = \"0x00\")]", "#[sol(rpc)]"),
        plain["erc20.rs"]
    );
    assert!(files["erc20.rs"].contains("#[sol(rpc, bytecode = \"0x00\")]"));
    // Unlinked library placeholders: no bytecode (it could not be deployed as it is).
    let unlinked = case.file(
        "Linked.json",
        &format!(r#"{{"abi": {abi}, "bytecode": {{"object": "0x6080__$abc$__00"}}}}"#),
    );
    let files = account().target("linked", &unlinked).render().unwrap();
    assert!(!files["linked.rs"].contains("bytecode"));
}

#[test]
fn duplicate_module_names() {
    let case = Case::new();
    let erc20 = common::fixture("ERC20.abi.json");
    let err = case.fails(
        account()
            .target("erc20", &erc20)
            .target("erc20", common::fixture("ERC721.abi.json")),
        &["ERC721.abi.json", "`erc20`", "ERC20.abi.json"],
    );
    assert!(matches!(err, Error::DuplicateModule { .. }));
    let err = case.fails(
        account().target("account", &erc20),
        &["ERC20.abi.json", "`account`", "SessionAccount.json"],
    );
    assert!(matches!(err, Error::DuplicateModule { .. }));
}

#[test]
fn target_without_functions() {
    let case = Case::new();
    let path = case.file(
        "Events.json",
        r#"[{"type": "event", "name": "E", "anonymous": false, "inputs": []}, {"type": "error", "name": "X", "inputs": []}]"#,
    );
    let err = case.fails(
        account().target("events", &path),
        &["Events.json", "`events`", "no functions"],
    );
    assert!(matches!(err, Error::NoFunctions { .. }));
}

#[test]
fn invalid_module_names() {
    let case = Case::new();
    let erc20 = common::fixture("ERC20.abi.json");
    for module in ["erc-20", "2x", "type", "self", "", "a b", "é"] {
        let err = case.fails(
            account().target(module, &erc20),
            &["ERC20.abi.json", "not a valid Rust identifier"],
        );
        assert!(
            matches!(err, Error::InvalidModuleName { .. }),
            "{module}: {err:?}"
        );
    }
    let err = case.fails(
        account().account_module("mod"),
        &["SessionAccount.json", "`mod`"],
    );
    assert!(matches!(err, Error::InvalidModuleName { .. }));
}

#[test]
fn unsupported_items_name_the_item() {
    let case = Case::new();
    let dollar = case.file(
        "Dollar.json",
        r#"[{"type": "function", "name": "pay$", "inputs": [], "outputs": [], "stateMutability": "nonpayable"}]"#,
    );
    let err = case.fails(
        account().target("dollar", &dollar),
        &["Dollar.json", "`dollar`", "function pay$"],
    );
    assert!(matches!(err, Error::UnsupportedAbi { .. }));
    // alloy would name overload 0 of `f` `f_0`, which the ABI already uses.
    let clash = case.file(
        "Clash.json",
        r#"[
          {"type": "function", "name": "f", "inputs": [], "outputs": [], "stateMutability": "nonpayable"},
          {"type": "function", "name": "f", "inputs": [{"name": "a", "type": "uint256"}], "outputs": [], "stateMutability": "nonpayable"},
          {"type": "function", "name": "f_0", "inputs": [], "outputs": [], "stateMutability": "nonpayable"}
        ]"#,
    );
    let err = case.fails(
        account().target("clash", &clash),
        &["Clash.json", "function f", "f_0"],
    );
    assert!(matches!(err, Error::UnsupportedAbi { .. }));
}

#[test]
fn an_account_abi_without_the_interface_is_named_with_what_it_lacks() {
    let case = Case::new();
    let err = case.fails(
        Generator::new()
            .account_abi(common::fixture("ERC20.abi.json"))
            .target("erc721", common::fixture("ERC721.abi.json")),
        &[
            "ERC20.abi.json",
            "not a session-key account",
            "function createSessionWithSig(",
        ],
    );
    assert!(matches!(err, Error::NotAnAccount { .. }));
    // One missing item is named exactly.
    let text = std::fs::read_to_string(common::minimal_account()).unwrap();
    let mut items: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    items.retain(|i| i["name"] != "executeWithSig" && i["name"] != "SessionExpired");
    let partial = case.file("Partial.json", &serde_json::to_string(&items).unwrap());
    case.fails(
        Generator::new().account_abi(&partial),
        &[
            "Partial.json",
            "function executeWithSig(((address,uint256,bytes)[],bytes32),bytes), error SessionExpired()",
        ],
    );
    // Without an account, targets alone work: a user who only wants call policies.
    let dir = tempfile::tempdir().unwrap();
    Generator::new()
        .target("erc20", common::fixture("ERC20.abi.json"))
        .out_dir(dir.path())
        .generate()
        .unwrap();
}

#[test]
fn configuration_errors() {
    let case = Case::new();
    let err = case.fails(account().contract_name("erc20", "Token"), &["`erc20`"]);
    assert!(matches!(err, Error::UnknownModule { .. }));
    let err = case.fails(
        account().contract_name("account", "not valid"),
        &["SessionAccount.json", "`not valid`"],
    );
    assert!(matches!(err, Error::InvalidContractName { .. }));
    // This test binary has no build script, so cargo does not set OUT_DIR when running it.
    assert!(std::env::var_os("OUT_DIR").is_none());
    let err = account().generate().unwrap_err();
    assert!(matches!(err, Error::NoOutDir), "{err}");
}
