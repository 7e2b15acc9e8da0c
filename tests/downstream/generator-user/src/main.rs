//! Generated bindings in a user's crate: the ERC-20 transfer policy builder.

mod bindings {
    include!(concat!(env!("OUT_DIR"), "/mod.rs"));
}

use alloy::primitives::address;
use bindings::account::{eq, lte};
use bindings::erc20;

fn main() {
    let bob = address!("0x4444444444444444444444444444444444444444");
    let token = address!("0x3333333333333333333333333333333333333333");
    let policy = erc20::transfer()
        .to(eq(bob))
        .value(lte(100u64).lifetime(1_000u64))
        .build(token);
    println!("policy for selector {} with {} constraints", policy.selector, policy.constraints.len());
}
