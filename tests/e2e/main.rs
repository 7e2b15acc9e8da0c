//! The runtime's integration tests, one module per subject, linked into one test binary (each
//! binary links alloy: fifteen of them took minutes of linking and gigabytes of disk). The
//! chain tests run on the test kit's harness.
//!
//! Run one subject with `cargo test -p sessionkit --test e2e <module>::`, e.g. `policy::`.

mod common;

mod call;
mod client;
mod erc1271;
mod errors;
mod policy;
mod rotation;
mod signers;
mod signing;
mod simulator;
mod simulator_vs_chain;
mod userop;
