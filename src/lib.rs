//! sessionkit: session keys for ERC-7702 smart EOAs.
//!
//! The Solidity account lives in `contracts/`; this crate is the Rust side.
#![warn(missing_docs)]

pub mod contracts;
pub mod toolchain;
