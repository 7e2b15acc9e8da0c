//! The test kit's integration tests, one module per subject, linked into one test binary.
//!
//! Run one subject with `cargo test -p sessionkit-testkit --test testkit <module>::`.

mod artifacts;
mod conformance;
mod deploy;
mod generated_builders;
mod harness;
mod scenarios;
mod toolchain;

use sessionkit_testkit::Harness;

/// A harness with the default toolchain, or a panic saying why there is none.
pub async fn chain() -> Harness {
    Harness::builder()
        .try_spawn()
        .await
        .unwrap_or_else(|e| panic!("cannot start the test chain: {e}"))
}
