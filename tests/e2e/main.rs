//! The crate's integration tests, one module per subject, linked into one test binary (each
//! binary links alloy: fifteen of them took minutes of linking and gigabytes of disk).
//!
//! Run one subject with `cargo test --test e2e <module>::`, e.g. `cargo test --test e2e policy::`.

mod common;

mod check_cli;
mod cli;
mod client;
mod conformance;
mod errors;
mod generated_builders;
mod harness;
mod policy;
mod signing;
mod simulator;
mod simulator_vs_chain;
mod toolchain;
mod userop;
