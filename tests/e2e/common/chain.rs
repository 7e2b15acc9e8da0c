//! Helpers of the tests that run on a local chain: a harness, and the fixture calls they use.

use alloy::primitives::{Address, U256};
use sessionkit::contracts::{Counter, TestToken};
use sessionkit::harness::Harness;
use sessionkit::Call;

/// A harness with the default toolchain, or a panic saying why there is none.
pub async fn harness() -> Harness {
    Harness::builder()
        .try_spawn()
        .await
        .unwrap_or_else(|e| panic!("cannot start the test chain: {e}"))
}

/// `Counter.setNumber(n)`.
pub fn set_number(counter: Address, n: u64) -> Call {
    Call::contract(
        counter,
        &Counter::setNumberCall {
            newNumber: U256::from(n),
        },
    )
}

/// `TestToken.transfer(to, amount)`.
pub fn transfer(token: Address, to: Address, amount: u64) -> Call {
    Call::contract(
        token,
        &TestToken::transferCall {
            to,
            value: U256::from(amount),
        },
    )
}

/// The Counter's number.
pub async fn number(h: &Harness) -> U256 {
    Counter::new(h.counter, h.provider())
        .number()
        .call()
        .await
        .unwrap()
}
