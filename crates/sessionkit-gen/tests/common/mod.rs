//! Inputs shared by the tests: the fixtures and the golden sets.

#![allow(dead_code)]

use std::path::PathBuf;

use sessionkit_gen::Generator;

/// A fixture file.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
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
            Generator::new().account_abi(fixture("minimal-account.abi.json")),
        ),
        (
            "session_account",
            Generator::new()
                .account_abi(fixture("session-account.abi.json"))
                .target("erc20", fixture("ERC20.abi.json"))
                .target("erc721", fixture("ERC721.abi.json"))
                .target("erc1155", fixture("ERC1155.abi.json"))
                .target("entry_point", fixture("EntryPoint.abi.json"))
                .target(
                    "position_manager",
                    fixture("NonfungiblePositionManager.abi.json"),
                )
                .target("swap_router", fixture("SwapRouter.abi.json"))
                .target("edge_cases", fixture("EdgeCases.abi.json")),
        ),
        (
            "bindings_only",
            Generator::new()
                .account_abi(fixture("ERC20.abi.json"))
                .account_module("token")
                .rpc(false),
        ),
    ]
}
