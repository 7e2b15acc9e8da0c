//! A backend's first use of sessionkit: build a session, check it, sign it as the owner (with
//! the async signer API and the sync one), all offline.

use alloy::primitives::{address, U256};
use alloy::signers::local::PrivateKeySigner;
use sessionkit::policy::{CallPolicy, Condition, Limit, SessionSpec};
use sessionkit::signing;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let owner: PrivateKeySigner =
        "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d".parse().unwrap();
    let key = address!("0x2222222222222222222222222222222222222222");
    let token = address!("0x3333333333333333333333333333333333333333");
    let bob = address!("0x4444444444444444444444444444444444444444");
    let spec = SessionSpec::builder(key)
        .expires_at(1_900_000_000)
        .call(
            CallPolicy::function(token, "transfer(address,uint256)")
                .unwrap()
                .constraint(0, Condition::Equal, bob)
                .constraint_limited(1, Condition::LessOrEqual, U256::from(100), Limit::lifetime(U256::from(1_000))),
        )
        .build_at(1_800_000_000)
        .unwrap();
    let account = owner.address();
    let signature = signing::sign_session(&owner, &spec, 1, account).await.unwrap();
    assert_eq!(signature, signing::sign_session_sync(&owner, &spec, 1, account).unwrap());
    println!("digest {}", signing::session_digest(&spec, 1, account));
    println!("signature {signature} ({} bytes)", signature.len());
}
