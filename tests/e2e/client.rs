//! The smart-EOA client against a real anvil (Prague), spawned through the toolchain: upgrade,
//! grant, revoke, reads, every execution path, and the typed errors.

use std::time::Duration;

use alloy::primitives::{Address, B256, U256};
use alloy::providers::Provider;
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::SolCall;
use sessionkit::client::{Delegation, SmartEoa};
use sessionkit::error::Exhausted;
use sessionkit::policy::{CallPolicy, Condition, Limit, SessionSpec, TransferPolicy};
use sessionkit::simulator::{LimitId, PolicyRef};
use sessionkit::{AccountError, Call, Error};
use sessionkit_testkit::fixtures::{Counter, TestToken};
use sessionkit_testkit::Harness;

use crate::common::{harness, number, set_number, transfer};

async fn token_balance(h: &Harness, who: Address) -> U256 {
    TestToken::new(h.token, h.provider())
        .balanceOf(who)
        .call()
        .await
        .unwrap()
}

/// A granted session for a fresh key: transfers of the token to `bob` of at most 1000 each,
/// 1500 in total; setNumber with number < 100; 10 wei per transfer to the receiver.
async fn granted(
    h: &Harness,
) -> (
    PrivateKeySigner,
    SmartEoa<alloy::providers::DynProvider>,
    PrivateKeySigner,
    Address,
) {
    let (owner, eoa) = h.smart_eoa().await.unwrap();
    let key = PrivateKeySigner::random();
    h.set_balance(key.address(), U256::from(10u64).pow(U256::from(18)))
        .await
        .unwrap();
    let bob = Address::repeat_byte(0xb0);
    let spec = SessionSpec::builder(key.address())
        .expires_in(Duration::from_secs(3600))
        .call(
            CallPolicy::function(h.token, "transfer(address,uint256)")
                .unwrap()
                .constraint(0, Condition::Equal, bob)
                .constraint_limited(
                    1,
                    Condition::LessOrEqual,
                    1000u64,
                    Limit::lifetime(U256::from(1500)),
                ),
        )
        .call(
            CallPolicy::function(h.counter, "setNumber(uint256)")
                .unwrap()
                .constraint(0, Condition::Less, 100u64),
        )
        .transfer(
            TransferPolicy::new(h.receiver)
                .max_value_per_use(U256::from(10))
                .value_limit(Limit::allowance(U256::from(15), 3600)),
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

#[tokio::test]
async fn upgrade_by_the_eoa_itself_delegates_it() {
    let h = harness().await;
    let owner = h.funded_eoa().await.unwrap();
    let eoa = h.client(&owner).await.unwrap();
    assert_eq!(eoa.delegation().await.unwrap(), Delegation::None);
    let sent = eoa.upgrade(&owner).await.unwrap();
    assert!(sent.gas_used > 21_000);
    assert_eq!(
        eoa.delegation().await.unwrap(),
        Delegation::To(h.implementation)
    );
    eoa.execute_as_owner(&owner, &[set_number(h.counter, 7)])
        .await
        .unwrap();
    assert_eq!(number(&h).await, U256::from(7));
}

#[tokio::test]
async fn upgrade_by_a_sponsor_leaves_the_eoa_balance_alone() {
    let h = harness().await;
    let owner = PrivateKeySigner::random(); // no ether at all
    let sponsor = h.funded_eoa().await.unwrap();
    let eoa = h.client(&owner).await.unwrap();
    eoa.upgrade_sponsored(&owner, &sponsor).await.unwrap();
    assert_eq!(
        eoa.delegation().await.unwrap(),
        Delegation::To(h.implementation)
    );
    assert_eq!(
        h.provider().get_balance(owner.address()).await.unwrap(),
        U256::ZERO
    );
    // The owner can still act without ether, through a sponsor.
    eoa.execute_with_sig(&owner, &sponsor, &[set_number(h.counter, 9)], None, None)
        .await
        .unwrap();
    assert_eq!(number(&h).await, U256::from(9));
}

#[tokio::test]
async fn an_undelegated_account_is_detected_before_sending() {
    let h = harness().await;
    let owner = h.funded_eoa().await.unwrap();
    let eoa = h.client(&owner).await.unwrap();
    let spec = SessionSpec::builder(Address::repeat_byte(1))
        .wildcard()
        .expires_in(Duration::from_secs(60))
        .build_at(h.timestamp().await.unwrap())
        .unwrap();
    let nonce = h
        .provider()
        .get_transaction_count(owner.address())
        .await
        .unwrap();
    for err in [
        eoa.grant(&owner, &spec, &owner).await.unwrap_err(),
        eoa.execute_as_owner(&owner, &[set_number(h.counter, 1)])
            .await
            .unwrap_err(),
        eoa.session(Address::repeat_byte(1)).await.unwrap_err(),
    ] {
        assert!(
            matches!(err, Error::NotDelegated { account } if account == owner.address()),
            "{err}"
        );
        assert!(err.to_string().contains("upgrade it first"), "{err}");
    }
    // Nothing was sent.
    assert_eq!(
        h.provider()
            .get_transaction_count(owner.address())
            .await
            .unwrap(),
        nonce
    );
}

#[tokio::test]
async fn an_account_delegated_elsewhere_is_detected() {
    let h = harness().await;
    let (owner, eoa) = h.smart_eoa().await.unwrap();
    let other = SmartEoa::new(h.provider().clone(), owner.address(), h.receiver)
        .await
        .unwrap();
    let err = other
        .execute_as_owner(&owner, &[set_number(h.counter, 1)])
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::DelegatedElsewhere { delegate, expected, .. } if delegate == h.implementation && expected == h.receiver),
        "{err}"
    );
    // Re-delegating to another implementation is seen the same way by the first client.
    other.upgrade(&owner).await.unwrap();
    let err = eoa
        .execute_as_owner(&owner, &[set_number(h.counter, 1)])
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::DelegatedElsewhere { delegate, .. } if delegate == h.receiver),
        "{err}"
    );
}

#[tokio::test]
async fn grant_reads_back_and_the_session_key_acts_within_it() {
    let h = harness().await;
    let (_owner, eoa, key, bob) = granted(&h).await;
    let info = eoa
        .session(key.address())
        .await
        .unwrap()
        .expect("a session");
    assert!(!info.spec.wildcard);
    assert_eq!(info.spec.call_policies.len(), 2);
    assert_eq!(
        info.spec.call_policies[0].selector,
        TestToken::transferCall::SELECTOR
    );
    assert_eq!(
        info.spec.transfer_policies[0].value_limit,
        Limit::allowance(U256::from(15), 3600)
    );
    assert_eq!(info.state.call_params[0].remaining, U256::from(1500));
    assert!(!eoa.is_wildcard(key.address()).await.unwrap());

    eoa.execute_as_session(
        &key,
        &[transfer(h.token, bob, 600), set_number(h.counter, 42)],
    )
    .await
    .unwrap();
    assert_eq!(token_balance(&h, bob).await, U256::from(600));
    assert_eq!(number(&h).await, U256::from(42));
    assert_eq!(
        eoa.remaining(key.address()).await.unwrap().call_params[0].remaining,
        U256::from(900)
    );
    eoa.execute_as_session(&key, &[Call::transfer(h.receiver, 10u64)])
        .await
        .unwrap();
    assert_eq!(
        eoa.remaining(key.address()).await.unwrap().transfer_value[0].remaining,
        U256::from(5)
    );
}

#[tokio::test]
async fn each_denial_is_a_typed_error_naming_policy_and_bound() {
    let h = harness().await;
    let (_owner, eoa, key, bob) = granted(&h).await;
    let carol = Address::repeat_byte(0xca);

    // Wrong function on an allowed target.
    let err = eoa
        .execute_as_session(
            &key,
            &[Call::contract(h.counter, &Counter::incrementCall {})],
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::PermissionDenied { denied, .. }
            if denied.error == AccountError::CallPolicyViolated { target: h.counter, selector: Counter::incrementCall::SELECTOR.into() }),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("grant a session with a CallPolicy"),
        "{err}"
    );

    // Constraint failed: recipient is not bob.
    let err = eoa
        .execute_as_session(&key, &[transfer(h.token, carol, 1)])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::PermissionDenied { denied, .. }
        if denied.call == Some(0) && denied.policy == Some(PolicyRef::Call(0)) && denied.constraint == Some(0)
            && matches!(denied.error, AccountError::ConditionFailed { condition: 1, .. })),
        "{err}"
    );

    // Over the per-call bound of the amount.
    let err = eoa
        .execute_as_session(&key, &[transfer(h.token, bob, 1001)])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::PermissionDenied { denied, .. }
        if denied.constraint == Some(1)
            && denied.error == AccountError::ConditionFailed { param: U256::from(1001).into(), ref_value: U256::from(1000).into(), condition: 5 }),
        "{err}"
    );

    // Lifetime limit: 1000 used, 500 left, 600 asked (the second call of the batch).
    eoa.execute_as_session(&key, &[transfer(h.token, bob, 1000)])
        .await
        .unwrap();
    let err = eoa
        .execute_as_session(
            &key,
            &[set_number(h.counter, 1), transfer(h.token, bob, 600)],
        )
        .await
        .unwrap_err();
    match &err {
        Error::LimitExhausted {
            exhausted, denied, ..
        } => {
            assert_eq!(
                exhausted,
                &Exhausted::Lifetime {
                    used: U256::from(1000),
                    limit: U256::from(1500)
                }
            );
            assert_eq!(exhausted.remaining(), U256::from(500));
            assert_eq!(denied.call, Some(1));
            assert_eq!(denied.limit, Some(LimitId::Constraint(0, 1)));
        }
        other => panic!("expected LimitExhausted, got {other}"),
    }
    assert!(err.to_string().contains("500 is left"), "{err}");

    // Transfer to a recipient without a policy; over the per-use value; allowance window.
    let err = eoa
        .execute_as_session(&key, &[Call::transfer(carol, 1u64)])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::PermissionDenied { denied, .. } if denied.error == AccountError::TransferPolicyViolated { target: carol }),
        "{err}"
    );
    let err = eoa
        .execute_as_session(&key, &[Call::transfer(h.receiver, 11u64)])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::PermissionDenied { denied, .. }
        if denied.error == AccountError::MaxValueExceeded { value: U256::from(11), max_value_per_use: U256::from(10) }),
        "{err}"
    );
    eoa.execute_as_session(&key, &[Call::transfer(h.receiver, 10u64)])
        .await
        .unwrap();
    let err = eoa
        .execute_as_session(&key, &[Call::transfer(h.receiver, 10u64)])
        .await
        .unwrap_err();
    match &err {
        Error::LimitExhausted {
            exhausted:
                Exhausted::Allowance {
                    used,
                    limit,
                    window,
                    resets_at,
                },
            ..
        } => {
            assert_eq!((*used, *limit), (U256::from(10), U256::from(15)));
            assert_eq!(*resets_at, Some((window + 1) * 3600));
        }
        other => panic!("expected an allowance LimitExhausted, got {other}"),
    }
    assert!(err.to_string().contains("resets at"), "{err}");

    // Calling the account itself, and calldata too short for a constraint.
    let err = eoa
        .execute_as_session(&key, &[Call::raw(eoa.address(), vec![1, 2, 3, 4])])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::PermissionDenied { denied, .. } if denied.error == AccountError::SessionSelfCallForbidden),
        "{err}"
    );
    let short = Call::raw(h.token, TestToken::transferCall::SELECTOR.to_vec());
    let err = eoa.execute_as_session(&key, &[short]).await.unwrap_err();
    assert!(
        matches!(&err, Error::PermissionDenied { denied, .. }
        if denied.error == AccountError::InvalidDataLength { actual_length: U256::from(4), expected_length: U256::from(36) }),
        "{err}"
    );

    // An empty batch.
    let err = eoa.execute_as_session(&key, &[]).await.unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Account {
                error: AccountError::NoCallsToExecute,
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn expiry_and_revocation_stop_the_key() {
    let h = harness().await;
    let (owner, eoa, key, _bob) = granted(&h).await;
    let expires_at = eoa.expires_at(key.address()).await.unwrap();
    h.warp_to(expires_at).await.unwrap();
    let err = eoa
        .execute_as_session(&key, &[set_number(h.counter, 1)])
        .await
        .unwrap_err();
    match &err {
        Error::SessionExpired {
            signer, expired_at, ..
        } => {
            assert_eq!(*signer, Some(key.address()));
            assert_eq!(*expired_at, Some(expires_at));
        }
        other => panic!("expected SessionExpired, got {other}"),
    }
    assert!(err.to_string().contains("grant a new session"), "{err}");

    // A fresh grant to the same key, then revoked.
    let spec = SessionSpec::builder(key.address())
        .wildcard()
        .expires_in(Duration::from_secs(60))
        .build_at(h.timestamp().await.unwrap())
        .unwrap();
    eoa.grant(&owner, &spec, &owner).await.unwrap();
    eoa.execute_as_session(&key, &[set_number(h.counter, 5)])
        .await
        .unwrap();
    eoa.revoke(&owner, key.address()).await.unwrap();
    assert!(eoa.session(key.address()).await.unwrap().is_none());
    let err = eoa
        .execute_as_session(&key, &[set_number(h.counter, 6)])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidSignature { recovered, .. } if *recovered == key.address()),
        "{err}"
    );
    assert!(
        err.to_string().contains("grant it a session first"),
        "{err}"
    );
    let err = eoa.revoke(&owner, key.address()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Account { error: AccountError::SessionNotFound { signer }, .. } if *signer == key.address()),
        "{err}"
    );
}

#[tokio::test]
async fn sponsored_execute_with_sig_for_owner_and_session_key() {
    let h = harness().await;
    let (owner, eoa, key, bob) = granted(&h).await;
    let sponsor = h.funded_eoa().await.unwrap();
    let key_balance = h.provider().get_balance(key.address()).await.unwrap();

    // Signed by the owner: anything goes.
    eoa.execute_with_sig(&owner, &sponsor, &[set_number(h.counter, 500)], None, None)
        .await
        .unwrap();
    assert_eq!(number(&h).await, U256::from(500));

    // Signed by the session key: its policies apply; the key pays nothing.
    let uid = B256::repeat_byte(7);
    eoa.execute_with_sig(
        &key,
        &sponsor,
        &[transfer(h.token, bob, 100)],
        Some(uid),
        None,
    )
    .await
    .unwrap();
    assert_eq!(token_balance(&h, bob).await, U256::from(100));
    assert_eq!(
        h.provider().get_balance(key.address()).await.unwrap(),
        key_balance
    );
    let err = eoa
        .execute_with_sig(&key, &sponsor, &[set_number(h.counter, 500)], None, None)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::PermissionDenied { denied, .. } if matches!(denied.error, AccountError::ConditionFailed { .. })),
        "{err}"
    );

    // The same uid again: replay.
    let err = eoa
        .execute_with_sig(
            &key,
            &sponsor,
            &[transfer(h.token, bob, 100)],
            Some(uid),
            None,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Account {
                error: AccountError::UidAlreadyProcessed,
                ..
            }
        ),
        "{err}"
    );

    // A stranger's signature.
    let stranger = PrivateKeySigner::random();
    let err = eoa
        .execute_with_sig(&stranger, &sponsor, &[set_number(h.counter, 1)], None, None)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidSignature { expected: Some(e), recovered, .. }
        if *e == stranger.address() && *recovered == stranger.address()),
        "{err}"
    );
}

#[tokio::test]
async fn a_sponsor_can_delegate_and_execute_in_one_transaction() {
    let h = harness().await;
    let owner = PrivateKeySigner::random();
    let sponsor = h.funded_eoa().await.unwrap();
    let eoa = h.client(&owner).await.unwrap();
    let auth = eoa.authorization(&owner, 0).await.unwrap();
    eoa.execute_with_sig(
        &owner,
        &sponsor,
        &[set_number(h.counter, 77)],
        None,
        Some(auth),
    )
    .await
    .unwrap();
    assert_eq!(
        eoa.delegation().await.unwrap(),
        Delegation::To(h.implementation)
    );
    assert_eq!(number(&h).await, U256::from(77));
}

#[tokio::test]
async fn grants_the_chain_would_refuse_are_refused_with_typed_errors() {
    let h = harness().await;
    let (owner, eoa) = h.smart_eoa().await.unwrap();
    let now = h.timestamp().await.unwrap();
    // Validation before signing: past expiry.
    let mut spec = SessionSpec::builder(Address::repeat_byte(1))
        .wildcard()
        .expires_at(now + 100)
        .build_at(now)
        .unwrap();
    spec.expires_at = now;
    let err = eoa.grant(&owner, &spec, &owner).await.unwrap_err();
    assert!(matches!(&err, Error::Spec(_)), "{err}");
    assert!(err.to_string().contains("expires_at"), "{err}");

    // Signed by someone other than the owner: the chain refuses with InvalidSignature.
    spec.expires_at = now + 100;
    let stranger = h.funded_eoa().await.unwrap();
    let err = eoa.grant(&stranger, &spec, &stranger).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidSignature { expected: Some(e), recovered, .. }
        if *e == owner.address() && *recovered == stranger.address()),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains(&format!("expected {}", owner.address())),
        "{err}"
    );

    // The same uid twice.
    eoa.grant(&owner, &spec, &owner).await.unwrap();
    let err = eoa.grant(&owner, &spec, &owner).await.unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Account {
                error: AccountError::UidAlreadyProcessed,
                ..
            }
        ),
        "{err}"
    );

    // Only the owner may revoke.
    let err = eoa
        .revoke(&stranger, Address::repeat_byte(1))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Account { error: AccountError::OnlyAccount { msg_sender }, .. } if *msg_sender == stranger.address()),
        "{err}"
    );
}

#[tokio::test]
async fn a_failing_inner_call_is_call_reverted() {
    let h = harness().await;
    let (owner, eoa) = h.smart_eoa().await.unwrap();
    let fail = Call::raw(
        h.reverter,
        sessionkit_testkit::fixtures::Reverter::failCall {}.abi_encode(),
    );
    let err = eoa
        .execute_as_owner(&owner, &[set_number(h.counter, 3), fail])
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Account {
                error: AccountError::CallReverted,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(number(&h).await, U256::ZERO, "the batch was rolled back");
}
