//! Inputs shared by the tests: the fixtures and the golden sets.

#![allow(dead_code)]

use std::path::PathBuf;

use sessionkit_gen::Generator;

/// A fixture file of this crate.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The committed artifact of our account (ABI and bytecode).
pub fn session_account() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../artifacts/SessionAccount.json")
}

/// The interface's ABI.
pub fn minimal_account() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/minimal-account.abi.json")
}

/// The golden output directory of a set.
pub fn output_dir(set: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/output")
        .join(set)
}

/// The golden sets: a name (its directory under `tests/output/`) and the generator.
pub fn golden_sets() -> Vec<(&'static str, Generator)> {
    vec![
        (
            "minimal_account",
            Generator::new().account_abi(minimal_account()),
        ),
        (
            "session_account",
            Generator::new()
                .account_abi(session_account())
                .target("erc20", fixture("ERC20.abi.json"))
                .target("erc721", fixture("ERC721.abi.json"))
                .target("erc1155", fixture("ERC1155.abi.json"))
                .target("entry_point", fixture("EntryPoint.abi.json"))
                .target(
                    "position_manager",
                    fixture("NonfungiblePositionManager.abi.json"),
                )
                .target("swap_router", fixture("SwapRouter.abi.json"))
                .target("edge_cases", fixture("EdgeCases.abi.json"))
                .target("regressions", fixture("Regressions.abi.json")),
        ),
        (
            "bindings_only",
            Generator::new()
                .target("token", fixture("ERC20.abi.json"))
                .views(true)
                .rpc(false),
        ),
    ]
}
