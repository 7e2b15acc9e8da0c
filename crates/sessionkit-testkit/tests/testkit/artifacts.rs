//! The committed artifacts (`artifacts/` of the sessionkit crate, `artifacts/` of the test
//! kit) are exactly what `contracts/` compiles to with the pinned toolchain and `foundry.toml`'s
//! settings, up to the metadata hash that solc appends to the bytecode (it hashes file paths
//! and remappings, which differ between machines).
//!
//! Refresh them after changing a contract:
//! `SESSIONKIT_BLESS=1 cargo test -p sessionkit-testkit --test testkit artifacts::`
//! (needs the repository's `npm ci`, for the Solidity libraries the remappings point at).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};
use sessionkit_testkit::toolchain::{Tool, Toolchain};

/// (contract, source under the repository, the directory its artifact is committed in).
const CONTRACTS: &[(&str, &str, &str)] = &[
    (
        "SessionAccount",
        "contracts/SessionAccount.sol",
        "artifacts",
    ),
    (
        "SessionAccountFactory",
        "contracts/SessionAccountFactory.sol",
        "artifacts",
    ),
    (
        "Counter",
        "contracts/fixtures/Counter.sol",
        "crates/sessionkit-testkit/artifacts",
    ),
    (
        "TestToken",
        "contracts/fixtures/TestToken.sol",
        "crates/sessionkit-testkit/artifacts",
    ),
    (
        "EthReceiver",
        "contracts/fixtures/EthReceiver.sol",
        "crates/sessionkit-testkit/artifacts",
    ),
    (
        "Reverter",
        "contracts/fixtures/Reverter.sol",
        "crates/sessionkit-testkit/artifacts",
    ),
    (
        "TestPaymaster",
        "contracts/fixtures/TestPaymaster.sol",
        "crates/sessionkit-testkit/artifacts",
    ),
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The committed form of forge's artifact of `name` from `source`.
fn committed_form(name: &str, source: &str, forge: &Value) -> Value {
    let settings = &forge["metadata"]["settings"];
    json!({
        "contractName": name,
        "sourceName": source,
        "compiler": forge["metadata"]["compiler"],
        "settings": {
            "evmVersion": settings["evmVersion"],
            "optimizer": settings["optimizer"],
            "viaIR": settings.get("viaIR").cloned().unwrap_or(Value::Bool(false)),
            "metadata": settings["metadata"],
        },
        "abi": forge["abi"],
        "bytecode": { "object": forge["bytecode"]["object"] },
        "deployedBytecode": { "object": forge["deployedBytecode"]["object"] },
    })
}

/// Zeroes the 34-byte IPFS hash of solc's CBOR metadata (`a2 64 'ipfs' 58 22 <hash>`) wherever
/// it appears in a hex string.
fn without_metadata_hash(hex: &str) -> String {
    let marker = "a264697066735822";
    let mut out = hex.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = out[from..].find(marker) {
        let start = from + i + marker.len();
        let end = (start + 68).min(out.len());
        out.replace_range(start..end, &"0".repeat(end - start));
        from = end;
    }
    out
}

fn comparable(mut artifact: Value) -> Value {
    for key in ["bytecode", "deployedBytecode"] {
        if let Some(object) = artifact[key]["object"].as_str() {
            artifact[key]["object"] = without_metadata_hash(object).into();
        }
    }
    artifact
}

#[test]
fn the_metadata_hash_is_all_that_is_masked() {
    let code =
        "6080aa".to_owned() + "a264697066735822" + &"ab".repeat(34) + "64736f6c63430008250033";
    let masked = without_metadata_hash(&code);
    assert_eq!(masked.len(), code.len());
    assert!(masked.starts_with("6080aaa264697066735822"));
    assert!(masked.ends_with("64736f6c63430008250033"));
    assert_ne!(masked, code);
    // A change anywhere else still shows.
    let other = code.replacen("6080aa", "6080ab", 1);
    assert_ne!(without_metadata_hash(&other), masked);
}

#[test]
fn committed_artifacts_match_a_fresh_build() {
    let repo = repo();
    let bless = std::env::var_os("SESSIONKIT_BLESS").is_some_and(|v| v != "0");
    assert!(
        repo.join("node_modules/solady").is_dir(),
        "the repository's Solidity libraries are missing: run `npm ci` in {}",
        repo.display()
    );
    let forge = Toolchain::from_env()
        .resolve(Tool::Forge)
        .unwrap_or_else(|e| panic!("forge is needed to rebuild the contracts: {e}"))
        .path;
    let tmp = tempfile::tempdir().unwrap();
    // forge reads foundry.toml's paths (solc = "tools/solc") from the working directory.
    let out = Command::new(&forge)
        .current_dir(&repo)
        .arg("build")
        .args(CONTRACTS.iter().map(|(_, source, _)| source))
        .arg("--root")
        .arg(&repo)
        .arg("--out")
        .arg(tmp.path().join("out"))
        .arg("--cache-path")
        .arg(tmp.path().join("cache"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "forge build failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut stale = Vec::new();
    for (name, source, dir) in CONTRACTS {
        let file = Path::new(source)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let built: Value = serde_json::from_str(
            &std::fs::read_to_string(
                tmp.path()
                    .join("out")
                    .join(&file)
                    .join(format!("{name}.json")),
            )
            .unwrap(),
        )
        .unwrap();
        let fresh = committed_form(name, source, &built);
        let path = repo.join(dir).join(format!("{name}.json"));
        if bless {
            let text = serde_json::to_string_pretty(&fresh).unwrap() + "\n";
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                std::fs::write(&path, text).unwrap();
            }
            continue;
        }
        let committed: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_default())
                .unwrap_or(Value::Null);
        if comparable(committed) != comparable(fresh) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "these committed artifacts differ from a fresh build of contracts/: {}\nrefresh them with \
         `SESSIONKIT_BLESS=1 cargo test -p sessionkit-testkit --test testkit artifacts::` and commit them",
        stale.join(", ")
    );
}
