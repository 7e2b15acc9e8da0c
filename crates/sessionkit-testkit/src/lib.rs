//! The sessionkit test kit: what a contract author or a Rust team needs to test session keys
//! end to end on a local chain.
//!
//! - [`harness`]: anvil (Prague) with the session account, EntryPoint v0.8, the factory, a
//!   paymaster and fixtures deployed; funded EOAs upgraded with real EIP-7702 transactions;
//!   your own contracts deployed from Foundry artifacts or alloy bindings; time travel and
//!   snapshots; [`SessionProbe`](harness::SessionProbe) to assert allowed, denied and expired
//!   with the simulator's prediction checked on every result;
//! - [`scenario`]: a contract author's own scenarios (TOML files or Rust), resolved against
//!   a Foundry project's artifacts and played by the conformance runner;
//! - [`project`]: a Foundry project: its build, its artifacts, its `sessionkit.toml`;
//! - [`actors`]: the fixed keys of owner, key, bob, carol, stranger and sponsor;
//! - [`conformance`]: the suite of scenarios that define correct session-key behaviour, and
//!   its runner (snapshot isolation, parallel jobs, JUnit);
//! - [`toolchain`]: finding anvil, forge, cast and solc (an environment variable, then `PATH`,
//!   then a per-user cache of the pinned npm tools, installed on first use);
//! - [`gas`]: gas per operation, measured live;
//! - [`fixtures`]: the fixture contracts and reading Foundry artifacts;
//! - [`process`]: child processes that die with this one.
#![warn(missing_docs)]

pub mod actors;
pub mod conformance;
pub mod fixtures;
pub mod gas;
pub mod harness;
pub mod process;
pub mod project;
pub mod scenario;
pub mod toolchain;

pub use harness::{Harness, HarnessError};
