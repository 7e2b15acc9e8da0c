//! sessionkit: session keys for ERC-7702 smart EOAs and ERC-4337 accounts.
//!
//! The Solidity account lives in `contracts/` of the repository; this crate is the Rust side a
//! backend adds. It builds with no Node.js, npm, solc or network: the account's compiled
//! artifacts are part of the crate.
//!
//! Always available (no tokio, no provider):
//!
//! - [`policy`]: the session model ([`SessionSpec`](policy::SessionSpec) and its policies) with
//!   validating builders and a hand-writable JSON form;
//! - [`units`]: the hand-written forms of amounts, durations, words and timestamps;
//! - [`call`]: one call of a batch, also from JSON by function signature and arguments;
//! - [`typed`]: typed constraints (`eq`, `lte(100u64).lifetime(1_000u64)`, …), the support code
//!   of the generated call-policy builders; [`params`]: how parameter words are named;
//! - [`simulator`]: the offline decision the contract would make;
//! - [`lint`]: the review of a spec against the guide's policy-design advice, as findings with
//!   stable rule ids and severities;
//! - [`rotation`]: the spec a new key gets when it replaces an old one, never allowed to spend
//!   more than the old key had left;
//! - [`AccountError`]: the account's custom errors, decoded;
//! - [`abi`]: the model to and from the account's ABI structs;
//! - [`contracts`]: the committed artifacts of the account and its factory, with alloy bindings.
//!
//! With the default feature `runtime`:
//!
//! - [`signing`]: EIP-712 signatures of sessions, wrapped calls, user operations and EIP-7702
//!   authorizations, with any alloy signer (local, keystore, KMS, hardware);
//! - [`client`]: a smart-EOA client over an alloy provider: upgrade with EIP-7702, grant, revoke,
//!   read, and execute as owner, as session key, or through a gas sponsor;
//! - [`userop`]: ERC-4337 user operations through EntryPoint v0.8;
//! - [`monitor`]: an account's sessions and who made each call, from its events;
//! - [`Error`]: every failure as one typed error, with the next step in its message.
//!
//! With the feature `codegen` (for build scripts, usually with `default-features = false`):
//! [`codegen`], the generator of typed bindings and policy builders from ABIs.
#![warn(missing_docs)]

pub mod abi;
mod account_error;
pub mod call;
pub mod contracts;
pub mod lint;
pub mod params;
pub mod policy;
pub mod rotation;
pub mod simulator;
pub mod typed;
pub mod units;

#[cfg(feature = "runtime")]
pub mod client;
#[cfg(feature = "runtime")]
pub mod error;
#[cfg(feature = "runtime")]
pub mod monitor;
#[cfg(feature = "runtime")]
pub mod signing;
#[cfg(feature = "runtime")]
pub mod userop;

#[cfg(feature = "codegen")]
pub mod codegen;

pub use account_error::AccountError;
pub use call::Call;
#[cfg(feature = "runtime")]
pub use error::Error;
#[cfg(feature = "runtime")]
pub use signing::AnySigner;

/// Paths the macros of this crate expand to (not part of the API).
#[doc(hidden)]
pub mod __private {
    pub use alloy::primitives::Address;
    pub use alloy::sol_types::SolCall;
}

/// The README's Rust examples, compiled as doctests so they stay true.
#[cfg(all(doctest, feature = "runtime"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
