//! The account contract and its factory, as compiled from `contracts/` with the pinned
//! toolchain: their committed artifacts (`artifacts/*.json`: ABI, creation and runtime bytecode,
//! compiler settings) and alloy `sol!` bindings over them.
//!
//! Nothing is compiled when this crate builds: the artifacts are files of the repository, and a
//! test of the test kit (`sessionkit-testkit`, `artifacts::tests`) recompiles `contracts/` and
//! fails when they differ from a fresh build (run `SESSIONKIT_BLESS=1 cargo test -p
//! sessionkit-testkit --test testkit artifacts::` to refresh them).
//!
//! The bindings are alloy's: [`SessionAccount::executeCall`], the account's errors
//! [`SessionAccount::SessionAccountErrors`], the policy structs in [`SessionLib`], the user
//! operation [`SessionAccount::PackedUserOperation`], and [`SessionAccountFactory`]'s calls.

#![allow(missing_docs, clippy::too_many_arguments)]

alloy::sol!(
    #[derive(Debug, PartialEq, Eq)]
    SessionAccount,
    "artifacts/SessionAccount.json"
);

alloy::sol!(
    #[derive(Debug, PartialEq, Eq)]
    SessionAccountFactory,
    "artifacts/SessionAccountFactory.json"
);

/// The session account (`contracts/SessionAccount.sol`).
pub mod session_account {
    /// Its artifact as committed: `abi`, `bytecode.object`, `deployedBytecode.object`,
    /// `compiler`, `settings` (a Foundry-style artifact).
    pub const ARTIFACT: &str = include_str!("../artifacts/SessionAccount.json");

    /// The creation bytecode.
    pub fn bytecode() -> &'static [u8] {
        &super::SessionAccount::BYTECODE
    }

    /// The runtime bytecode (immutables zeroed, as the compiler leaves them).
    pub fn deployed_bytecode() -> &'static [u8] {
        &super::SessionAccount::DEPLOYED_BYTECODE
    }
}

/// The factory of standalone accounts (`contracts/SessionAccountFactory.sol`): CREATE2 clones
/// of one implementation with the owner in their code.
pub mod session_account_factory {
    /// Its artifact as committed.
    pub const ARTIFACT: &str = include_str!("../artifacts/SessionAccountFactory.json");

    /// The creation bytecode, without the constructor argument (the implementation's address,
    /// one ABI word, goes after it).
    pub fn bytecode() -> &'static [u8] {
        &super::SessionAccountFactory::BYTECODE
    }
}
