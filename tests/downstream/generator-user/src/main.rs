//! Generated bindings in a user's crate: the ERC-20 transfer policy builder, yielding the
//! runtime's policy, checked by its session builder.

mod bindings {
    include!(concat!(env!("OUT_DIR"), "/mod.rs"));
}

use alloy::primitives::address;
use bindings::erc20;
use sessionkit::policy::SessionSpec;
use sessionkit::typed::{eq, lte};

fn main() {
    let bob = address!("0x4444444444444444444444444444444444444444");
    let token = address!("0x3333333333333333333333333333333333333333");
    let policy = erc20::transfer()
        .to(eq(bob))
        .value(lte(100u64).lifetime(1_000u64))
        .build(token);
    let spec = SessionSpec::builder(address!("0x2222222222222222222222222222222222222222"))
        .expires_at(1_900_000_000)
        .call(policy)
        .build_at(1_800_000_000)
        .expect("a valid spec");
    let policy = &spec.call_policies[0];
    println!("policy for selector {} with {} constraints", policy.selector, policy.constraints.len());
}
