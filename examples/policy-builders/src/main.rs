//! A session whose key may only send up to 1,000 tokens in total to one recipient, 100 at a
//! time, built with the call-policy builder `build.rs` generated from the token's ABI, and
//! signed as the account's owner would grant it.

mod bindings {
    include!(concat!(env!("OUT_DIR"), "/mod.rs"));
}

use alloy::primitives::address;
use alloy::signers::local::PrivateKeySigner;
use bindings::erc20;
use sessionkit::policy::{SessionSpec, SpecError};
use sessionkit::typed::{eq, lte};

fn main() -> Result<(), SpecError> {
    let token = address!("0x3333333333333333333333333333333333333333");
    let bob = address!("0x4444444444444444444444444444444444444444");
    let session_key = address!("0x2222222222222222222222222222222222222222");

    let spec = SessionSpec::builder(session_key)
        .expires_at(1_900_000_000)
        .call(
            // transfer(address to, uint256 value): `to` must be bob, `value` at most 100, and
            // the values transferred at most 1,000 over the session's life.
            erc20::transfer()
                .to(eq(bob))
                .value(lte(100u64).lifetime(1_000u64))
                .build(token),
        )
        .build_at(1_800_000_000)?;
    println!("{}", spec.to_json());

    let owner = PrivateKeySigner::random();
    let signature = sessionkit::signing::sign_session_sync(&owner, &spec, 1, owner.address())
        .expect("a local key signs");
    println!("grant signature: {signature}");
    Ok(())
}
