//! The account contract and the test fixtures, compiled by the build script from `contracts/`:
//! their ABI, bytecode and alloy bindings (`sol!` over the compiled ABI).
//!
//! The bindings are alloy's: `SessionAccount::executeCall`, `SessionAccount::SessionAccountErrors`,
//! `SessionAccount::new(address, provider)` and so on. The structs of the interface live in
//! the `SessionLib` module, named as in Solidity.

// The bindings are alloy's `sol!` expansion; their items carry the ABI's names, not docs.
#![allow(missing_docs)]

include!(concat!(env!("OUT_DIR"), "/contracts.rs"));
