//! The offline simulator on hand-written cases, one per rule of the contract.

use alloy::primitives::{address, Address, Bytes, FixedBytes, B256, U256};
use alloy::sol;
use alloy::sol_types::SolCall;
use sessionkit::policy::{CallPolicy, Condition, Limit, SessionSpec, TransferPolicy};
use sessionkit::simulator::{remaining, simulate, Counter, Decision, LimitId, PolicyRef, Usage};
use sessionkit::{AccountError, Call};

sol! {
    function transfer(address to, uint256 amount);
    function approve(address spender, uint256 amount);
}

const ACCOUNT: Address = address!("0x1111111111111111111111111111111111111111");
const KEY: Address = address!("0x2222222222222222222222222222222222222222");
const TOKEN: Address = address!("0x3333333333333333333333333333333333333333");
const BOB: Address = address!("0x4444444444444444444444444444444444444444");
const CAROL: Address = address!("0x5555555555555555555555555555555555555555");
const T: u64 = 1_000_000;

fn spec() -> SessionSpec {
    SessionSpec::builder(KEY)
        .expires_at(T + 1000)
        .call(
            CallPolicy::function(TOKEN, "transfer(address,uint256)")
                .unwrap()
                .max_value_per_use(5u64)
                .value_limit(Limit::lifetime(8u64))
                .constraint(0, Condition::Equal, BOB)
                .constraint_limited(
                    1,
                    Condition::LessOrEqual,
                    100u64,
                    Limit::allowance(150u64, 100),
                ),
        )
        .transfer(TransferPolicy::new(CAROL).max_value_per_use(10u64))
        .build_at(T)
        .unwrap()
}

fn xfer(to: Address, amount: u64) -> Call {
    Call::contract(
        TOKEN,
        &transferCall {
            to,
            amount: U256::from(amount),
        },
    )
}

fn denied(d: Decision) -> sessionkit::simulator::Denied {
    match d {
        Decision::Denied(d) => d,
        Decision::Allowed { usage } => panic!("expected a denial, allowed with {usage:?}"),
    }
}

fn allowed(d: Decision) -> Usage {
    match d {
        Decision::Allowed { usage } => usage,
        Decision::Denied(d) => panic!("expected allowed, denied: {d}"),
    }
}

#[test]
fn allowed_calls_charge_their_limits() {
    let usage = allowed(simulate(
        &spec(),
        &Usage::default(),
        ACCOUNT,
        &[xfer(BOB, 60), xfer(BOB, 40).with_value(3u64)],
        T,
    ));
    assert_eq!(
        usage.counter(LimitId::Constraint(0, 1)),
        Counter {
            used: U256::from(100),
            window: T / 100
        }
    );
    assert_eq!(usage.counter(LimitId::CallValue(0)).used, U256::from(3));
    assert_eq!(
        usage.counter(LimitId::Constraint(0, 0)),
        Counter::default(),
        "unlimited: no counter"
    );
    let state = remaining(&spec(), &usage, T);
    assert_eq!(state.call_value[0].remaining, U256::from(5));
    assert_eq!(
        state.call_params.len(),
        1,
        "only limited constraints are reported"
    );
    assert_eq!(state.call_params[0].remaining, U256::from(50));
    assert_eq!(state.call_params[0].index, 1);
    assert_eq!(state.transfer_value[0].remaining, U256::MAX);
}

#[test]
fn empty_batch_and_expiry_refuse_the_whole_batch() {
    let d = denied(simulate(&spec(), &Usage::default(), ACCOUNT, &[], T));
    assert_eq!((d.call, d.error), (None, AccountError::NoCallsToExecute));
    let d = denied(simulate(
        &spec(),
        &Usage::default(),
        ACCOUNT,
        &[xfer(BOB, 1)],
        T + 1000,
    ));
    assert_eq!((d.call, d.error), (None, AccountError::SessionExpired));
    allowed(simulate(
        &spec(),
        &Usage::default(),
        ACCOUNT,
        &[xfer(BOB, 1)],
        T + 999,
    ));
}

#[test]
fn no_session_may_call_the_account_itself() {
    let wildcard = SessionSpec::builder(KEY)
        .wildcard()
        .expires_at(T + 1)
        .build_at(T)
        .unwrap();
    for s in [spec(), wildcard] {
        let d = denied(simulate(
            &s,
            &Usage::default(),
            ACCOUNT,
            &[xfer(BOB, 1), Call::raw(ACCOUNT, vec![0; 4])],
            T,
        ));
        assert_eq!(
            (d.call, d.error),
            (Some(1), AccountError::SessionSelfCallForbidden)
        );
    }
}

#[test]
fn wildcard_skips_policies() {
    let s = SessionSpec::builder(KEY)
        .wildcard()
        .expires_at(T + 1)
        .build_at(T)
        .unwrap();
    let usage = allowed(simulate(
        &s,
        &Usage::default(),
        ACCOUNT,
        &[Call::transfer(BOB, U256::MAX), xfer(CAROL, 1)],
        T,
    ));
    assert_eq!(usage, Usage::default());
}

#[test]
fn policy_lookup_by_target_and_selector() {
    let approve = Call::contract(
        TOKEN,
        &approveCall {
            spender: BOB,
            amount: U256::from(1),
        },
    );
    let d = denied(simulate(&spec(), &Usage::default(), ACCOUNT, &[approve], T));
    assert_eq!(
        d.error,
        AccountError::CallPolicyViolated {
            target: TOKEN,
            selector: approveCall::SELECTOR.into()
        }
    );
    let d = denied(simulate(
        &spec(),
        &Usage::default(),
        ACCOUNT,
        &[Call::raw(CAROL, transferCall::SELECTOR.to_vec())],
        T,
    ));
    assert_eq!(
        d.error,
        AccountError::CallPolicyViolated {
            target: CAROL,
            selector: FixedBytes(transferCall::SELECTOR)
        }
    );
    // Under 4 bytes of calldata is a transfer, even with some bytes.
    let d = denied(simulate(
        &spec(),
        &Usage::default(),
        ACCOUNT,
        &[Call::raw(BOB, vec![1, 2, 3])],
        T,
    ));
    assert_eq!(
        d.error,
        AccountError::TransferPolicyViolated { target: BOB }
    );
    allowed(simulate(
        &spec(),
        &Usage::default(),
        ACCOUNT,
        &[Call::raw(CAROL, vec![1, 2, 3]).with_value(10u64)],
        T,
    ));
}

#[test]
fn the_first_matching_policy_wins() {
    // Built by hand: the builder rejects shadowed policies, the contract takes the first.
    let mut s = spec();
    s.call_policies
        .push(CallPolicy::new(TOKEN, transferCall::SELECTOR));
    let d = denied(simulate(
        &s,
        &Usage::default(),
        ACCOUNT,
        &[xfer(CAROL, 1)],
        T,
    ));
    assert_eq!(d.policy, Some(PolicyRef::Call(0)));
}

#[test]
fn value_checks_come_before_constraints() {
    let d = denied(simulate(
        &spec(),
        &Usage::default(),
        ACCOUNT,
        &[xfer(CAROL, 1000).with_value(6u64)],
        T,
    ));
    assert_eq!(
        d.error,
        AccountError::MaxValueExceeded {
            value: U256::from(6),
            max_value_per_use: U256::from(5)
        }
    );
    let usage = allowed(simulate(
        &spec(),
        &Usage::default(),
        ACCOUNT,
        &[xfer(BOB, 1).with_value(5u64)],
        T,
    ));
    let d = denied(simulate(
        &spec(),
        &usage,
        ACCOUNT,
        &[xfer(CAROL, 1).with_value(4u64)],
        T,
    ));
    assert_eq!(
        d.error,
        AccountError::LifetimeUsageExceeded {
            lifetime_usage: U256::from(5),
            limit: U256::from(8)
        }
    );
    assert_eq!(d.limit, Some(LimitId::CallValue(0)));
}

#[test]
fn constraints_in_order_with_their_arguments() {
    let d = denied(simulate(
        &spec(),
        &Usage::default(),
        ACCOUNT,
        &[xfer(CAROL, 1000)],
        T,
    ));
    assert_eq!(
        d.error,
        AccountError::ConditionFailed {
            param: CAROL.into_word(),
            ref_value: BOB.into_word(),
            condition: 1
        }
    );
    assert_eq!(
        (d.constraint, d.policy),
        (Some(0), Some(PolicyRef::Call(0)))
    );
    let d = denied(simulate(
        &spec(),
        &Usage::default(),
        ACCOUNT,
        &[xfer(BOB, 101)],
        T,
    ));
    assert_eq!(
        d.error,
        AccountError::ConditionFailed {
            param: B256::from(U256::from(101)),
            ref_value: B256::from(U256::from(100)),
            condition: 5
        }
    );
    // Calldata that ends before the second parameter.
    let short: Bytes = xfer(BOB, 1).data.slice(..40);
    let d = denied(simulate(
        &spec(),
        &Usage::default(),
        ACCOUNT,
        &[Call::raw(TOKEN, short)],
        T,
    ));
    assert_eq!(
        d.error,
        AccountError::InvalidDataLength {
            actual_length: U256::from(40),
            expected_length: U256::from(68)
        }
    );
}

#[test]
fn allowance_counts_per_window_and_resets_at_the_boundary() {
    let window_end = (T / 100 + 1) * 100;
    let usage = allowed(simulate(
        &spec(),
        &Usage::default(),
        ACCOUNT,
        &[xfer(BOB, 100)],
        window_end - 1,
    ));
    let d = denied(simulate(
        &spec(),
        &usage,
        ACCOUNT,
        &[xfer(BOB, 51)],
        window_end - 1,
    ));
    assert_eq!(
        d.error,
        AccountError::AllowanceExceeded {
            allowance_usage: U256::from(100),
            limit: U256::from(150),
            window: T / 100
        }
    );
    allowed(simulate(
        &spec(),
        &usage,
        ACCOUNT,
        &[xfer(BOB, 50)],
        window_end - 1,
    ));
    // The next window starts from zero.
    let after = allowed(simulate(
        &spec(),
        &usage,
        ACCOUNT,
        &[xfer(BOB, 100)],
        window_end,
    ));
    assert_eq!(
        after.counter(LimitId::Constraint(0, 1)),
        Counter {
            used: U256::from(100),
            window: T / 100 + 1
        }
    );
    assert_eq!(
        remaining(&spec(), &usage, window_end).call_params[0].remaining,
        U256::from(150)
    );
}

#[test]
fn a_batch_is_charged_cumulatively_and_a_denial_charges_nothing() {
    let d = denied(simulate(
        &spec(),
        &Usage::default(),
        ACCOUNT,
        &[xfer(BOB, 100), xfer(BOB, 60)],
        T,
    ));
    assert_eq!(d.call, Some(1));
    assert_eq!(
        d.error,
        AccountError::AllowanceExceeded {
            allowance_usage: U256::from(100),
            limit: U256::from(150),
            window: T / 100
        }
    );
}

#[test]
fn zero_amounts_charge_nothing() {
    let usage = allowed(simulate(
        &spec(),
        &Usage::default(),
        ACCOUNT,
        &[xfer(BOB, 0)],
        T,
    ));
    assert_eq!(usage, Usage::default());
}

#[test]
fn usage_json_round_trip_and_errors() {
    let usage = allowed(simulate(
        &spec(),
        &Usage::default(),
        ACCOUNT,
        &[xfer(BOB, 100).with_value(2u64)],
        T,
    ));
    let json = serde_json::to_string(&usage).unwrap();
    assert!(
        json.contains("call_policies[0].constraints[1].limit"),
        "{json}"
    );
    assert_eq!(Usage::from_json(&json).unwrap(), usage);
    let err = Usage::from_json(r#"{"call_policies[x].value_limit": {"used": "1"}}"#).unwrap_err();
    assert!(err.contains("is not a limit"), "{err}");
    let err =
        Usage::from_json(r#"{"transfer_policies[0].value_limit": {"used": "lots"}}"#).unwrap_err();
    assert!(err.contains("transfer_policies[0].value_limit"), "{err}");
}
