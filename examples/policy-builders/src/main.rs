//! A session whose key may only send up to 1,000 tokens in total to one recipient, 100 at a
//! time, built with the policy builders `build.rs` generated from the account's and the
//! token's ABIs.

mod bindings {
    include!(concat!(env!("OUT_DIR"), "/mod.rs"));
}

use alloy::hex;
use alloy::primitives::address;
use alloy::sol_types::SolValue;
use bindings::account::{eq, lte, MissingField, SessionSpec};
use bindings::erc20;

fn main() -> Result<(), MissingField> {
    let token = address!("0x3333333333333333333333333333333333333333");
    let bob = address!("0x4444444444444444444444444444444444444444");
    let session_key = address!("0x2222222222222222222222222222222222222222");

    let spec = SessionSpec::builder()
        .signer(session_key)
        .expires_at(1_900_000_000u64)
        .call_policy(
            // transfer(address to, uint256 value): word 0 must be bob, word 1 at most 100,
            // and the values transferred at most 1,000 over the session's life.
            erc20::transfer()
                .to(eq(bob))
                .value(lte(100u64).lifetime(1_000u64))
                .build(token),
        )
        .build()?;

    println!("{spec:#?}");
    println!("ABI-encoded: 0x{}", hex::encode(spec.abi_encode()));
    Ok(())
}
