//! Helpers of the tests that run on a local chain: a harness, and the fixture calls they use.

#![allow(dead_code)]

use alloy::primitives::U256;
use sessionkit_testkit::fixtures::Counter;
use sessionkit_testkit::Harness;

pub use sessionkit_testkit::fixtures::{set_number, transfer};

/// A harness with the default toolchain, or a panic saying why there is none.
pub async fn harness() -> Harness {
    Harness::builder()
        .try_spawn()
        .await
        .unwrap_or_else(|e| panic!("cannot start the test chain: {e}"))
}

/// The Counter's number.
pub async fn number(h: &Harness) -> U256 {
    Counter::new(h.counter, h.provider())
        .number()
        .call()
        .await
        .unwrap()
}
