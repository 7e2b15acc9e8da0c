//! sessionkit: session keys for ERC-7702 smart EOAs.
//!
//! The Solidity account lives in `contracts/`; this crate is the Rust side. So far it holds
//! [`toolchain`], which finds the external tools (anvil, forge, cast, solc) that everything
//! else runs.

pub mod toolchain;
