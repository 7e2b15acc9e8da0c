//! The generator's tests, one module per subject, in one test binary.
//!
//! Run one subject with `cargo test -p sessionkit-gen --test gen <module>::`.

mod common;

mod errors;
mod generate;
mod golden;
mod mutations;
mod regressions;
