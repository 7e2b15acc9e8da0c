//! Key rotation on a real chain: the new key is granted and the old one burned in one owner
//! transaction, and the new key can never spend more than the old one had left.

use std::time::Duration;

use alloy::primitives::{Address, U256};
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::SolEvent;
use sessionkit::client::SmartEoa;
use sessionkit::contracts::SessionAccount;
use sessionkit::policy::{CallPolicy, Condition, Limit, SessionSpec, TransferPolicy};
use sessionkit::rotation::{AllowanceCarry, Rotation};
use sessionkit::simulator::LimitId;
use sessionkit::{Call, Error};
use sessionkit_testkit::fixtures::TestToken;
use sessionkit_testkit::Harness;

use crate::common::{harness, transfer};

type Eoa = SmartEoa<alloy::providers::DynProvider>;

/// A smart EOA with a session for a fresh key: token transfers to `bob` of at most 1000 each,
/// 1500 in total; 10 wei per transfer to the receiver, 15 per hour. The chain's clock is put at
/// the start of an hour so that the allowance's window does not turn during the test.
async fn setup(h: &Harness) -> (PrivateKeySigner, Eoa, PrivateKeySigner, Address) {
    let now = h.timestamp().await.unwrap();
    h.warp_to((now / 3600 + 1) * 3600 + 1).await.unwrap();
    let (owner, eoa) = h.smart_eoa().await.unwrap();
    let key = PrivateKeySigner::random();
    h.set_balance(key.address(), U256::from(10u64).pow(U256::from(18)))
        .await
        .unwrap();
    let bob = Address::repeat_byte(0xb0);
    let spec = SessionSpec::builder(key.address())
        .expires_in(Duration::from_secs(3 * 3600))
        .call(
            CallPolicy::function(h.token, "transfer(address,uint256)")
                .unwrap()
                .constraint(0, Condition::Equal, bob)
                .constraint_limited(1, Condition::LessOrEqual, 1000u64, Limit::lifetime(1500u64)),
        )
        .transfer(
            TransferPolicy::new(h.receiver)
                .max_value_per_use(10u64)
                .value_limit(Limit::allowance(15u64, 3600)),
        )
        .build_at(h.timestamp().await.unwrap())
        .unwrap();
    eoa.grant(&owner, &spec, &owner).await.unwrap();
    let mint = Call::contract(
        h.token,
        &TestToken::mintCall {
            to: eoa.address(),
            amount: U256::from(1_000_000),
        },
    );
    eoa.execute_as_owner(&owner, &[mint]).await.unwrap();
    h.set_balance(eoa.address(), U256::from(10u64).pow(U256::from(18)))
        .await
        .unwrap();
    (owner, eoa, key, bob)
}

async fn funded_key(h: &Harness) -> PrivateKeySigner {
    let key = PrivateKeySigner::random();
    h.set_balance(key.address(), U256::from(10u64).pow(U256::from(18)))
        .await
        .unwrap();
    key
}

#[tokio::test]
async fn rotation_carries_what_is_left_in_one_transaction() {
    let h = harness().await;
    let (owner, eoa, old, bob) = setup(&h).await;
    eoa.execute_as_session(&old, &[transfer(h.token, bob, 1000)])
        .await
        .unwrap();
    eoa.execute_as_session(&old, &[Call::transfer(h.receiver, 10u64)])
        .await
        .unwrap();
    eoa.allow_session_paymaster(&owner, old.address(), h.paymaster, Some(U256::from(12345)))
        .await
        .unwrap();
    let expires_at = eoa.expires_at(old.address()).await.unwrap();

    let new = funded_key(&h).await;
    let (plan, sent) = eoa
        .rotate(&owner, old.address(), new.address())
        .await
        .unwrap();
    assert_eq!(sent.warning, None);
    let changed: Vec<(LimitId, Limit)> = plan.changes.iter().map(|c| (c.limit, c.after)).collect();
    assert_eq!(
        changed,
        vec![
            (LimitId::Constraint(0, 1), Limit::lifetime(500u64)),
            (LimitId::TransferValue(0), Limit::allowance(5u64, 3600)),
        ]
    );

    // One transaction created the new session and revoked the old one.
    let logs = sent.receipt.inner.logs();
    let created = logs
        .iter()
        .filter_map(|l| SessionAccount::SessionCreated::decode_log(&l.inner).ok())
        .map(|e| e.signer)
        .collect::<Vec<_>>();
    let revoked = logs
        .iter()
        .filter_map(|l| SessionAccount::SessionRevoked::decode_log(&l.inner).ok())
        .map(|e| e.signer)
        .collect::<Vec<_>>();
    assert_eq!(created, vec![new.address()]);
    assert_eq!(revoked, vec![old.address()]);
    assert!(eoa.is_revoked(old.address()).await.unwrap());
    assert!(eoa.session(old.address()).await.unwrap().is_none());

    // The new key has the old session's policies, expiry and paymasters, and what was left.
    let info = eoa.session(new.address()).await.unwrap().unwrap();
    assert_eq!(info.spec.expires_at, expires_at);
    assert_eq!(
        info.spec.call_policies[0].constraints[1].limit,
        Limit::lifetime(500u64)
    );
    assert_eq!(
        eoa.session_paymasters(new.address()).await.unwrap(),
        vec![(h.paymaster, U256::from(12345))]
    );
    let err = eoa
        .execute_as_session(&new, &[transfer(h.token, bob, 501)])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::LimitExhausted { .. }), "{err}");
    let err = eoa
        .execute_as_session(&new, &[Call::transfer(h.receiver, 6u64)])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::LimitExhausted { .. }), "{err}");
    eoa.execute_as_session(&new, &[transfer(h.token, bob, 500)])
        .await
        .unwrap();
    eoa.execute_as_session(&new, &[Call::transfer(h.receiver, 5u64)])
        .await
        .unwrap();
    // The old key is refused.
    let err = eoa
        .execute_as_session(&old, &[Call::transfer(h.receiver, 1u64)])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidSignature { .. }), "{err}");
}

#[tokio::test]
async fn a_full_limit_allowance_and_a_fresh_spec_are_the_owners_choice() {
    let h = harness().await;
    let (owner, eoa, old, _) = setup(&h).await;
    eoa.execute_as_session(&old, &[Call::transfer(h.receiver, 10u64)])
        .await
        .unwrap();
    let new = funded_key(&h).await;
    let plan = eoa
        .rotation(old.address(), new.address(), AllowanceCarry::FullLimit)
        .await
        .unwrap();
    assert!(plan.changes.is_empty(), "{:?}", plan.changes);
    eoa.rotate_with(&owner, &plan).await.unwrap();
    // The window starts over for the new key: the owner asked for it.
    eoa.execute_as_session(&new, &[Call::transfer(h.receiver, 10u64)])
        .await
        .unwrap();

    // A fresh spec replaces the policies entirely.
    let third = funded_key(&h).await;
    let spec = SessionSpec::builder(third.address())
        .expires_in(Duration::from_secs(600))
        .call(CallPolicy::function(h.counter, "setNumber(uint256)").unwrap())
        .build_at(eoa.timestamp().await.unwrap())
        .unwrap();
    eoa.rotate_with(&owner, &Rotation::fresh(new.address(), spec.clone()))
        .await
        .unwrap();
    let info = eoa.session(third.address()).await.unwrap().unwrap();
    assert_eq!(info.spec.expires_at, spec.expires_at);
    assert!(info.spec.transfer_policies.is_empty());
    assert!(eoa.is_revoked(new.address()).await.unwrap());
}

#[tokio::test]
async fn spending_between_plan_and_rotation_is_reported() {
    let h = harness().await;
    let (owner, eoa, old, bob) = setup(&h).await;
    let new = funded_key(&h).await;
    let plan = eoa
        .rotation(old.address(), new.address(), AllowanceCarry::default())
        .await
        .unwrap();
    eoa.execute_as_session(&old, &[transfer(h.token, bob, 700)])
        .await
        .unwrap();
    let sent = eoa.rotate_with(&owner, &plan).await.unwrap();
    let warning = sent.warning.expect("a warning");
    assert!(
        warning.contains("call_policies[0].constraints[1].limit by 700"),
        "{warning}"
    );
}

#[tokio::test]
async fn rotations_that_cannot_be_done_are_refused_before_signing() {
    let h = harness().await;
    let (owner, eoa, old, _) = setup(&h).await;
    let burned = funded_key(&h).await;
    eoa.revoke_many(&owner, &[burned.address()]).await.unwrap();
    let other = funded_key(&h).await;
    let spec = SessionSpec::builder(other.address())
        .expires_in(Duration::from_secs(600))
        .call(CallPolicy::function(h.counter, "setNumber(uint256)").unwrap())
        .build_at(eoa.timestamp().await.unwrap())
        .unwrap();
    eoa.grant(&owner, &spec, &owner).await.unwrap();
    let nobody = Address::repeat_byte(0x99);
    let cases = [
        (old.address(), old.address(), "the new key is the old key"),
        (
            old.address(),
            burned.address(),
            "was revoked on this account",
        ),
        (old.address(), other.address(), "already has a session"),
        (
            nobody,
            Address::repeat_byte(0x98),
            "has no session to rotate",
        ),
    ];
    for (from, to, expected) in cases {
        let err = eoa.rotate(&owner, from, to).await.unwrap_err();
        assert!(matches!(err, Error::Rotation { .. }), "{err}");
        assert!(err.to_string().contains(expected), "{err}");
    }
    // Nothing changed.
    assert!(eoa.session(old.address()).await.unwrap().is_some());
    assert!(!eoa.is_revoked(old.address()).await.unwrap());
    // An expired session cannot be rotated (a rotation keeps the expiry).
    h.warp_by(4 * 3600).await.unwrap();
    let err = eoa
        .rotate(&owner, old.address(), Address::repeat_byte(0x97))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("expired"), "{err}");
}
