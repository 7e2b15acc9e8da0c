//! The call-policy builders the test kit's build script generates for its fixtures, end to end: a session
//! built with them is granted on anvil, and the calls it allows and refuses are exactly what
//! the same policy built by hand allows and refuses.

use std::time::Duration;

use alloy::primitives::{Address, U256};
use alloy::signers::local::PrivateKeySigner;
use sessionkit::policy::{CallPolicy, Condition, Limit, SessionSpec};
use sessionkit::typed::{eq, lt, lte};
use sessionkit::{AccountError, Call, Error};
use sessionkit_testkit::fixtures::bindings::{counter, test_token};
use sessionkit_testkit::fixtures::{Counter, TestToken};
use sessionkit_testkit::Harness;

#[test]
fn a_generated_call_policy_is_the_runtimes_own() {
    let token = Address::repeat_byte(0x70);
    let bob = Address::repeat_byte(0xb0);
    let generated = test_token::transfer()
        .to(eq(bob))
        .value(lte(100u64).lifetime(150u64))
        .build(token);
    let mut by_hand = CallPolicy::function(token, "transfer(address,uint256)")
        .unwrap()
        .constraint(0, Condition::Equal, bob)
        .constraint_limited(1, Condition::LessOrEqual, 100u64, Limit::lifetime(150u64));
    by_hand.constraints[0].param = Some("to".into());
    by_hand.constraints[1].param = Some("value".into());
    assert_eq!(generated, by_hand);
}

#[tokio::test]
async fn generated_policies_are_enforced_on_chain() {
    let h = Harness::builder()
        .try_spawn()
        .await
        .unwrap_or_else(|e| panic!("cannot start the test chain: {e}"));
    let (owner, eoa) = h.smart_eoa().await.unwrap();
    let key = PrivateKeySigner::random();
    h.set_balance(key.address(), U256::from(10u64).pow(U256::from(18)))
        .await
        .unwrap();
    let bob = Address::repeat_byte(0xb0);
    let mint = Call::contract(
        h.token,
        &TestToken::mintCall {
            to: eoa.address(),
            amount: U256::from(1_000u64),
        },
    );
    eoa.execute_as_owner(&owner, &[mint]).await.unwrap();

    // No conversion: the builders yield the runtime's policies.
    let spec = SessionSpec::builder(key.address())
        .expires_in(Duration::from_secs(600))
        .call(
            test_token::transfer()
                .to(eq(bob))
                .value(lte(100u64).lifetime(150u64))
                .build(h.token),
        )
        .call(counter::set_number().new_number(lt(10u64)).build(h.counter))
        .build_at(h.timestamp().await.unwrap())
        .unwrap();
    eoa.grant(&owner, &spec, &owner).await.unwrap();

    let pay = |to, amount: u64| {
        Call::contract(
            h.token,
            &TestToken::transferCall {
                to,
                value: U256::from(amount),
            },
        )
    };
    eoa.execute_as_session(&key, &[pay(bob, 100)])
        .await
        .unwrap();
    eoa.execute_as_session(
        &key,
        &[Call::contract(
            h.counter,
            &Counter::setNumberCall {
                newNumber: U256::from(9),
            },
        )],
    )
    .await
    .unwrap();
    let err = eoa
        .execute_as_session(&key, &[pay(Address::repeat_byte(0xca), 1)])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::PermissionDenied { denied, .. } if matches!(denied.error, AccountError::ConditionFailed { condition: 1, .. })),
        "{err}"
    );
    let err = eoa
        .execute_as_session(&key, &[pay(bob, 51)])
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::LimitExhausted { .. }), "{err}");
    let err = eoa
        .execute_as_session(
            &key,
            &[Call::contract(
                h.counter,
                &Counter::setNumberCall {
                    newNumber: U256::from(10),
                },
            )],
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::PermissionDenied { denied, .. } if matches!(denied.error, AccountError::ConditionFailed { condition: 3, .. })),
        "{err}"
    );
}
