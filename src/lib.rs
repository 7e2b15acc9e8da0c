//! sessionkit: session keys for ERC-7702 smart EOAs.
//!
//! The Solidity account lives in `contracts/`; this crate is the Rust side:
//!
//! - [`policy`]: the session model ([`SessionSpec`](policy::SessionSpec) and its policies) with
//!   validating builders and a hand-writable JSON form;
//! - [`signing`]: EIP-712 signatures of sessions and wrapped calls, as the account checks them;
//! - [`client`]: a smart-EOA client over an alloy provider: upgrade with EIP-7702, grant, revoke,
//!   read, and execute as owner, as session key, or through a gas sponsor;
//! - [`error`]: every failure as one typed [`Error`], with the next step in its message;
//! - [`simulator`]: the offline decision the contract would make;
//! - [`contracts`]: the compiled account and fixtures, with alloy bindings;
//! - [`harness`]: anvil with the account and fixtures deployed, for end-to-end tests;
//! - [`toolchain`]: finding anvil, forge, cast and solc.
#![warn(missing_docs)]

pub mod call;
pub mod client;
pub mod conformance;
pub mod contracts;
pub mod error;
pub mod gas;
pub mod harness;
pub mod policy;
pub mod signing;
pub mod simulator;
pub mod toolchain;
pub mod units;
pub mod userop;

pub use call::Call;
pub use error::{AccountError, Error};

/// The README's Rust examples, compiled as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
