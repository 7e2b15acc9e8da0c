//! The scenarios: one per behaviour of the account's semantics (the README's table) and per
//! error of the interface (`docs/interface.md`), each with its exact expected outcomes.

use alloy::primitives::{Address, FixedBytes, B256, U256};
use alloy::sol_types::SolCall;

use super::{
    CallT, Data, Env, Expect, Role, Scenario, Signer, Step, Sym, When, BOTH, DIRECT, SPONSORED,
};
use crate::fixtures::bindings::{counter, reverter, test_token};
use crate::fixtures::{Counter, TestToken};
use sessionkit::contracts::SessionAccount;
use sessionkit::policy::{
    CallPolicy, Condition, Constraint, Limit, SessionBuilder, SessionSpec, TransferPolicy,
};
use sessionkit::simulator::LimitId;
use sessionkit::typed::{any, eq, lt, lte, ParamConstraint};
use sessionkit::AccountError as E;

const HOUR: u64 = 3600;
const OK: Expect = Expect::Allowed;

fn sel<C: SolCall>() -> FixedBytes<4> {
    C::SELECTOR.into()
}

fn c(target: Sym, data: Data) -> CallT {
    CallT {
        target,
        data,
        value: 0,
    }
}

fn cv(target: Sym, data: Data, value: u64) -> CallT {
    CallT {
        target,
        data,
        value,
    }
}

fn v(target: Sym, value: u64) -> CallT {
    CallT {
        target,
        data: Data::Empty,
        value,
    }
}

fn run(calls: Vec<CallT>, expect: Expect) -> Step {
    Step::Run(calls, expect)
}

fn u(n: u64) -> U256 {
    U256::from(n)
}

fn w(n: u64) -> B256 {
    B256::from(U256::from(n))
}

fn session(name: &'static str, spec: super::SpecFn, steps: Vec<Step>) -> Scenario {
    Scenario {
        name,
        role: Role::Session,
        routes: BOTH,
        spec: Some(spec),
        steps,
    }
}

fn owner(name: &'static str, spec: Option<super::SpecFn>, steps: Vec<Step>) -> Scenario {
    Scenario {
        name,
        role: Role::Owner,
        routes: BOTH,
        spec,
        steps,
    }
}

fn key(e: &Env, now: u64) -> SessionBuilder {
    SessionSpec::builder(e.key.address()).expires_at(now + HOUR)
}

fn build(b: SessionBuilder, now: u64) -> SessionSpec {
    b.build_at(now).expect("scenario specs are valid")
}

fn set_number(e: &Env) -> CallPolicy {
    counter::set_number().build(e.counter)
}

fn token_transfer(e: &Env) -> CallPolicy {
    test_token::transfer().build(e.token)
}

// ---- specs ---------------------------------------------------------------------------------

fn counter_spec(e: &Env, now: u64) -> SessionSpec {
    build(key(e, now).call(set_number(e)), now)
}

fn counter_and_increment(e: &Env, now: u64) -> SessionSpec {
    build(
        key(e, now)
            .call(set_number(e))
            .call(counter::increment().build(e.counter)),
        now,
    )
}

fn first_match(e: &Env, now: u64) -> SessionSpec {
    let mut spec = build(
        key(e, now).call(counter::set_number().new_number(eq(1u64)).build(e.counter)),
        now,
    );
    // The builders refuse a shadowed policy; the contract must still take the first.
    spec.call_policies.push(set_number(e));
    spec
}

fn bob_transfers(e: &Env, now: u64) -> SessionSpec {
    build(
        key(e, now)
            .call(set_number(e))
            .transfer(TransferPolicy::new(e.bob).max_value_per_use(10u64)),
        now,
    )
}

fn call_value_cap(e: &Env, now: u64) -> SessionSpec {
    build(key(e, now).call(set_number(e).max_value_per_use(5u64)), now)
}

fn bob_lifetime_15(e: &Env, now: u64) -> SessionSpec {
    build(
        key(e, now).transfer(
            TransferPolicy::new(e.bob)
                .max_value_per_use(10u64)
                .value_limit(Limit::lifetime(15u64)),
        ),
        now,
    )
}

fn bob_lifetime_20(e: &Env, now: u64) -> SessionSpec {
    build(
        key(e, now).transfer(
            TransferPolicy::new(e.bob)
                .max_value_per_use(20u64)
                .value_limit(Limit::lifetime(20u64)),
        ),
        now,
    )
}

fn call_value_lifetime(e: &Env, now: u64) -> SessionSpec {
    build(
        key(e, now).call(
            set_number(e)
                .max_value_per_use(10u64)
                .value_limit(Limit::lifetime(12u64)),
        ),
        now,
    )
}

fn bob_allowance_15(e: &Env, now: u64) -> SessionSpec {
    build(
        key(e, now).transfer(
            TransferPolicy::new(e.bob)
                .max_value_per_use(10u64)
                .value_limit(Limit::allowance(15u64, HOUR)),
        ),
        now,
    )
}

fn bob_allowance_10_per_1000(e: &Env, now: u64) -> SessionSpec {
    build(
        key(e, now).transfer(
            TransferPolicy::new(e.bob)
                .max_value_per_use(10u64)
                .value_limit(Limit::allowance(10u64, 1000)),
        ),
        now,
    )
}

fn bob_and_reverter(e: &Env, now: u64) -> SessionSpec {
    build(
        key(e, now)
            .call(reverter::fail().build(e.reverter))
            .transfer(
                TransferPolicy::new(e.bob)
                    .max_value_per_use(10u64)
                    .value_limit(Limit::lifetime(15u64)),
            ),
        now,
    )
}

fn zero_value_lifetime(e: &Env, now: u64) -> SessionSpec {
    build(
        key(e, now).call(
            set_number(e)
                .max_value_per_use(5u64)
                .value_limit(Limit::lifetime(5u64)),
        ),
        now,
    )
}

fn condition_spec(e: &Env, now: u64, condition: Condition) -> SessionSpec {
    build(
        key(e, now).call(
            counter::set_number()
                .new_number(ParamConstraint::new(condition, 7u64))
                .build(e.counter),
        ),
        now,
    )
}

fn equal_7(e: &Env, now: u64) -> SessionSpec {
    condition_spec(e, now, Condition::Equal)
}
fn not_equal_7(e: &Env, now: u64) -> SessionSpec {
    condition_spec(e, now, Condition::NotEqual)
}
fn greater_7(e: &Env, now: u64) -> SessionSpec {
    condition_spec(e, now, Condition::Greater)
}
fn less_7(e: &Env, now: u64) -> SessionSpec {
    condition_spec(e, now, Condition::Less)
}
fn greater_or_equal_7(e: &Env, now: u64) -> SessionSpec {
    condition_spec(e, now, Condition::GreaterOrEqual)
}
fn less_or_equal_7(e: &Env, now: u64) -> SessionSpec {
    condition_spec(e, now, Condition::LessOrEqual)
}

fn metered_unconstrained(e: &Env, now: u64) -> SessionSpec {
    build(
        key(e, now).call(
            counter::set_number()
                .new_number(any().lifetime(10u64))
                .build(e.counter),
        ),
        now,
    )
}

fn less_100(e: &Env, now: u64) -> SessionSpec {
    build(
        key(e, now).call(
            counter::set_number()
                .new_number(lt(100u64))
                .build(e.counter),
        ),
        now,
    )
}

fn to_bob_only(e: &Env, now: u64) -> SessionSpec {
    build(
        key(e, now).call(test_token::transfer().to(eq(e.bob)).build(e.token)),
        now,
    )
}

fn to_bob_lifetime_150(e: &Env, now: u64) -> SessionSpec {
    build(
        key(e, now).call(
            test_token::transfer()
                .to(eq(e.bob))
                .value(lte(100u64).lifetime(150u64))
                .build(e.token),
        ),
        now,
    )
}

fn to_bob_allowance(e: &Env, now: u64) -> SessionSpec {
    build(
        key(e, now).call(
            test_token::transfer()
                .value(lte(100u64).allowance(100u64, 1000))
                .build(e.token),
        ),
        now,
    )
}

fn increment_with_constraint(e: &Env, now: u64) -> SessionSpec {
    // The raw constraint API on purpose: `increment()` has no parameter, so no typed builder
    // can name word 0; the account must refuse the call that lacks it (InvalidDataLength).
    build(
        key(e, now).call(
            CallPolicy::new(e.counter, sel::<Counter::incrementCall>())
                .with_constraint(Constraint::new(0, Condition::Equal, 0u64)),
        ),
        now,
    )
}

fn amount_constrained(e: &Env, now: u64) -> SessionSpec {
    build(
        key(e, now).call(test_token::transfer().value(lte(100u64)).build(e.token)),
        now,
    )
}

fn add_second_param(e: &Env, now: u64) -> SessionSpec {
    build(
        key(e, now).call(counter::add().b(lt(5u64)).build(e.counter)),
        now,
    )
}

fn both_limits(e: &Env, now: u64) -> SessionSpec {
    build(
        key(e, now).call(
            counter::set_number()
                .max_value_per_use(10u64)
                .value_limit(Limit::lifetime(10u64))
                .new_number(any().lifetime(20u64))
                .build(e.counter),
        ),
        now,
    )
}

fn wildcard(e: &Env, now: u64) -> SessionSpec {
    build(key(e, now).wildcard(), now)
}

fn policies_for_the_account(e: &Env, now: u64) -> SessionSpec {
    build(
        key(e, now)
            .call(CallPolicy::new(
                e.account,
                sel::<SessionAccount::revokeSessionCall>(),
            ))
            .transfer(TransferPolicy::new(e.account).max_value_per_use(10u64)),
        now,
    )
}

fn many_limits(e: &Env, now: u64) -> SessionSpec {
    build(
        key(e, now)
            .call(
                test_token::transfer()
                    .max_value_per_use(10u64)
                    .value_limit(Limit::lifetime(12u64))
                    .to(eq(e.bob))
                    .value(lte(100u64).lifetime(150u64))
                    .build(e.token),
            )
            .call(set_number(e))
            .transfer(
                TransferPolicy::new(e.bob)
                    .max_value_per_use(10u64)
                    .value_limit(Limit::allowance(15u64, HOUR)),
            ),
        now,
    )
}

fn receiver_transfers(e: &Env, now: u64) -> SessionSpec {
    build(
        key(e, now).transfer(TransferPolicy::new(e.receiver).max_value_per_use(10u64)),
        now,
    )
}

fn token_spec(e: &Env, now: u64) -> SessionSpec {
    build(key(e, now).call(token_transfer(e)), now)
}

fn zero_signer(e: &Env, now: u64) -> SessionSpec {
    let mut s = counter_spec(e, now);
    s.signer = Address::ZERO;
    s
}

fn expires_at_grant(e: &Env, now: u64) -> SessionSpec {
    let mut s = counter_spec(e, now);
    s.expires_at = now + 1; // the grant's own block time
    s
}

fn expired_before_grant(e: &Env, now: u64) -> SessionSpec {
    let mut s = counter_spec(e, now);
    s.expires_at = now.saturating_sub(10);
    s
}

fn call_allowance_no_period(e: &Env, now: u64) -> SessionSpec {
    let mut s = counter_spec(e, now);
    s.call_policies[0].value_limit = Limit::Allowance {
        limit: u(1),
        period: 0,
    };
    s
}

fn constraint_allowance_no_period(e: &Env, now: u64) -> SessionSpec {
    let mut s = build(
        key(e, now).call(
            test_token::transfer()
                .to(eq(e.bob))
                .value(lte(100u64).allowance(100u64, 1))
                .build(e.token),
        ),
        now,
    );
    // The builders refuse a period of 0; the account must too.
    s.call_policies[0].constraints[1].limit = Limit::Allowance {
        limit: u(100),
        period: 0,
    };
    s
}

fn transfer_allowance_no_period(e: &Env, now: u64) -> SessionSpec {
    let mut s = bob_transfers(e, now);
    s.transfer_policies
        .push(TransferPolicy::new(e.carol).value_limit(Limit::Allowance {
            limit: u(1),
            period: 0,
        }));
    s
}

// ---- the table -----------------------------------------------------------------------------

/// Every scenario of the suite, in a fixed order.
pub fn all() -> Vec<Scenario> {
    vec![
        // -- call policies
        session(
            "a call inside a call policy runs",
            counter_spec,
            vec![
                run(vec![c(Sym::Counter, Data::SetNumber(7))], OK),
                Step::CounterIs(7),
            ],
        ),
        session(
            "a function without a call policy is refused",
            counter_spec,
            vec![run(
                vec![c(Sym::Counter, Data::Increment)],
                Expect::Denied(|e, _| E::CallPolicyViolated {
                    target: e.counter,
                    selector: sel::<Counter::incrementCall>(),
                }),
            )],
        ),
        session(
            "a target without a call policy is refused",
            counter_spec,
            vec![run(
                vec![c(Sym::Token, Data::Transfer(Sym::Bob, 1))],
                Expect::Denied(|e, _| E::CallPolicyViolated {
                    target: e.token,
                    selector: sel::<TestToken::transferCall>(),
                }),
            )],
        ),
        session(
            "the first matching call policy wins",
            first_match,
            vec![
                run(
                    vec![c(Sym::Counter, Data::SetNumber(2))],
                    Expect::Denied(|_, _| E::ConditionFailed {
                        param: w(2),
                        ref_value: w(1),
                        condition: 1,
                    }),
                ),
                run(vec![c(Sym::Counter, Data::SetNumber(1))], OK),
            ],
        ),
        session(
            "a batch runs its calls in order",
            counter_and_increment,
            vec![
                run(
                    vec![
                        c(Sym::Counter, Data::SetNumber(5)),
                        c(Sym::Counter, Data::Increment),
                    ],
                    OK,
                ),
                Step::CounterIs(6),
            ],
        ),
        // -- transfer policies
        session(
            "a value transfer needs a transfer policy for its target",
            bob_transfers,
            vec![
                run(
                    vec![v(Sym::Carol, 1)],
                    Expect::Denied(|e, _| E::TransferPolicyViolated { target: e.carol }),
                ),
                run(vec![v(Sym::Bob, 1)], OK),
            ],
        ),
        session(
            "calldata shorter than four bytes is a transfer",
            bob_transfers,
            vec![
                run(vec![cv(Sym::Bob, Data::Raw(vec![1, 2, 3]), 1)], OK),
                run(
                    vec![c(Sym::Counter, Data::Raw(vec![1, 2, 3]))],
                    Expect::Denied(|e, _| E::TransferPolicyViolated { target: e.counter }),
                ),
            ],
        ),
        session(
            "a transfer policy may name a contract",
            receiver_transfers,
            vec![run(vec![v(Sym::Receiver, 5)], OK)],
        ),
        // -- value caps
        session(
            "value above a transfer policy's maxValuePerUse is refused",
            bob_transfers,
            vec![
                run(
                    vec![v(Sym::Bob, 11)],
                    Expect::Denied(|_, _| E::MaxValueExceeded {
                        value: u(11),
                        max_value_per_use: u(10),
                    }),
                ),
                run(vec![v(Sym::Bob, 10)], OK),
            ],
        ),
        session(
            "value above a call policy's maxValuePerUse is refused",
            call_value_cap,
            vec![
                run(
                    vec![cv(Sym::Counter, Data::SetNumber(1), 6)],
                    Expect::Denied(|_, _| E::MaxValueExceeded {
                        value: u(6),
                        max_value_per_use: u(5),
                    }),
                ),
                run(vec![cv(Sym::Counter, Data::SetNumber(1), 5)], OK),
            ],
        ),
        // -- lifetime limits
        session(
            "a lifetime value limit is cumulative across batches",
            bob_lifetime_15,
            vec![
                run(vec![v(Sym::Bob, 10)], OK),
                Step::Remaining(LimitId::TransferValue(0), 5),
                run(
                    vec![v(Sym::Bob, 6)],
                    Expect::Denied(|_, _| E::LifetimeUsageExceeded {
                        lifetime_usage: u(10),
                        limit: u(15),
                    }),
                ),
                run(vec![v(Sym::Bob, 5)], OK),
                Step::Remaining(LimitId::TransferValue(0), 0),
            ],
        ),
        session(
            "a lifetime limit can be used up exactly",
            bob_lifetime_20,
            vec![
                run(vec![v(Sym::Bob, 20)], OK),
                run(
                    vec![v(Sym::Bob, 1)],
                    Expect::Denied(|_, _| E::LifetimeUsageExceeded {
                        lifetime_usage: u(20),
                        limit: u(20),
                    }),
                ),
            ],
        ),
        session(
            "a call policy's lifetime value limit is cumulative",
            call_value_lifetime,
            vec![
                run(vec![cv(Sym::Counter, Data::SetNumber(1), 8)], OK),
                run(
                    vec![cv(Sym::Counter, Data::SetNumber(1), 5)],
                    Expect::Denied(|_, _| E::LifetimeUsageExceeded {
                        lifetime_usage: u(8),
                        limit: u(12),
                    }),
                ),
            ],
        ),
        session(
            "a zero value charges nothing",
            zero_value_lifetime,
            vec![
                run(vec![c(Sym::Counter, Data::SetNumber(1))], OK),
                Step::Remaining(LimitId::CallValue(0), 5),
            ],
        ),
        // -- allowances
        session(
            "an allowance is cumulative within its window",
            bob_allowance_15,
            vec![
                run(vec![v(Sym::Bob, 10)], OK),
                run(
                    vec![v(Sym::Bob, 6)],
                    Expect::Denied(|_, t| E::AllowanceExceeded {
                        allowance_usage: u(10),
                        limit: u(15),
                        window: t / HOUR,
                    }),
                ),
            ],
        ),
        session(
            "allowance resets at the window boundary",
            bob_allowance_10_per_1000,
            vec![
                Step::RunAt(When::NextWindow(1000, -2), vec![v(Sym::Bob, 10)], OK),
                Step::RunAt(
                    When::NextWindow(1000, -1),
                    vec![v(Sym::Bob, 1)],
                    Expect::Denied(|_, t| E::AllowanceExceeded {
                        allowance_usage: u(10),
                        limit: u(10),
                        window: t / 1000,
                    }),
                ),
                Step::RunAt(When::NextWindow(1000, 0), vec![v(Sym::Bob, 10)], OK),
                Step::Remaining(LimitId::TransferValue(0), 0),
            ],
        ),
        session(
            "an allowance counts every call of a batch",
            bob_allowance_15,
            vec![run(
                vec![v(Sym::Bob, 10), v(Sym::Bob, 10)],
                Expect::Denied(|_, t| E::AllowanceExceeded {
                    allowance_usage: u(10),
                    limit: u(15),
                    window: t / HOUR,
                }),
            )],
        ),
        session(
            "an allowance shows its whole limit in a new window",
            bob_allowance_10_per_1000,
            vec![
                Step::RunAt(When::NextWindow(1000, -2), vec![v(Sym::Bob, 7)], OK),
                Step::Remaining(LimitId::TransferValue(0), 3),
                Step::Warp(3),
                Step::Remaining(LimitId::TransferValue(0), 10),
            ],
        ),
        // -- batches
        session(
            "a refused batch charges nothing",
            bob_lifetime_15,
            vec![
                run(
                    vec![v(Sym::Bob, 5), v(Sym::Carol, 1)],
                    Expect::Denied(|e, _| E::TransferPolicyViolated { target: e.carol }),
                ),
                Step::Remaining(LimitId::TransferValue(0), 15),
            ],
        ),
        session(
            "a reverted call rolls back the batch and its usage",
            bob_and_reverter,
            vec![
                run(
                    vec![v(Sym::Bob, 5), c(Sym::Reverter, Data::Fail)],
                    Expect::Denied(|_, _| E::CallReverted),
                ),
                Step::Remaining(LimitId::TransferValue(0), 15),
            ],
        ),
        session(
            "an empty batch is refused",
            counter_spec,
            vec![run(vec![], Expect::Denied(|_, _| E::NoCallsToExecute))],
        ),
        // -- conditions
        session(
            "an Equal constraint",
            equal_7,
            vec![
                run(
                    vec![c(Sym::Counter, Data::SetNumber(8))],
                    Expect::Denied(|_, _| E::ConditionFailed {
                        param: w(8),
                        ref_value: w(7),
                        condition: 1,
                    }),
                ),
                run(vec![c(Sym::Counter, Data::SetNumber(7))], OK),
            ],
        ),
        session(
            "a NotEqual constraint",
            not_equal_7,
            vec![
                run(
                    vec![c(Sym::Counter, Data::SetNumber(7))],
                    Expect::Denied(|_, _| E::ConditionFailed {
                        param: w(7),
                        ref_value: w(7),
                        condition: 6,
                    }),
                ),
                run(vec![c(Sym::Counter, Data::SetNumber(8))], OK),
            ],
        ),
        session(
            "a Greater constraint",
            greater_7,
            vec![
                run(
                    vec![c(Sym::Counter, Data::SetNumber(7))],
                    Expect::Denied(|_, _| E::ConditionFailed {
                        param: w(7),
                        ref_value: w(7),
                        condition: 2,
                    }),
                ),
                run(vec![c(Sym::Counter, Data::SetNumber(8))], OK),
            ],
        ),
        session(
            "a Less constraint",
            less_7,
            vec![
                run(
                    vec![c(Sym::Counter, Data::SetNumber(7))],
                    Expect::Denied(|_, _| E::ConditionFailed {
                        param: w(7),
                        ref_value: w(7),
                        condition: 3,
                    }),
                ),
                run(vec![c(Sym::Counter, Data::SetNumber(6))], OK),
            ],
        ),
        session(
            "a GreaterOrEqual constraint",
            greater_or_equal_7,
            vec![
                run(
                    vec![c(Sym::Counter, Data::SetNumber(6))],
                    Expect::Denied(|_, _| E::ConditionFailed {
                        param: w(6),
                        ref_value: w(7),
                        condition: 4,
                    }),
                ),
                run(vec![c(Sym::Counter, Data::SetNumber(7))], OK),
            ],
        ),
        session(
            "a LessOrEqual constraint",
            less_or_equal_7,
            vec![
                run(
                    vec![c(Sym::Counter, Data::SetNumber(8))],
                    Expect::Denied(|_, _| E::ConditionFailed {
                        param: w(8),
                        ref_value: w(7),
                        condition: 5,
                    }),
                ),
                run(vec![c(Sym::Counter, Data::SetNumber(7))], OK),
            ],
        ),
        session(
            "constraints compare unsigned words",
            less_100,
            vec![run(
                vec![c(
                    Sym::Counter,
                    Data::SetNumberWord(B256::repeat_byte(0xff)),
                )],
                Expect::Denied(|_, _| E::ConditionFailed {
                    param: B256::repeat_byte(0xff),
                    ref_value: w(100),
                    condition: 3,
                }),
            )],
        ),
        session(
            "an address parameter is constrained by its word",
            to_bob_only,
            vec![
                run(
                    vec![c(Sym::Token, Data::Transfer(Sym::Carol, 1))],
                    Expect::Denied(|e, _| E::ConditionFailed {
                        param: e.carol.into_word(),
                        ref_value: e.bob.into_word(),
                        condition: 1,
                    }),
                ),
                run(vec![c(Sym::Token, Data::Transfer(Sym::Bob, 1))], OK),
            ],
        ),
        session(
            "the second parameter of a function is word 1",
            add_second_param,
            vec![
                run(vec![c(Sym::Counter, Data::Add(100, 4))], OK),
                run(
                    vec![c(Sym::Counter, Data::Add(1, 5))],
                    Expect::Denied(|_, _| E::ConditionFailed {
                        param: w(5),
                        ref_value: w(5),
                        condition: 3,
                    }),
                ),
            ],
        ),
        session(
            "every constraint must hold and the first failure is reported",
            to_bob_lifetime_150,
            vec![run(
                vec![c(Sym::Token, Data::Transfer(Sym::Carol, 500))],
                Expect::Denied(|e, _| E::ConditionFailed {
                    param: e.carol.into_word(),
                    ref_value: e.bob.into_word(),
                    condition: 1,
                }),
            )],
        ),
        session(
            "a constraint past the calldata is InvalidDataLength",
            increment_with_constraint,
            vec![run(
                vec![c(Sym::Counter, Data::Increment)],
                Expect::Denied(|_, _| E::InvalidDataLength {
                    actual_length: u(4),
                    expected_length: u(36),
                }),
            )],
        ),
        session(
            "truncated calldata is InvalidDataLength",
            amount_constrained,
            vec![run(
                vec![c(Sym::Token, Data::TruncatedTransfer(40))],
                Expect::Denied(|_, _| E::InvalidDataLength {
                    actual_length: u(40),
                    expected_length: u(68),
                }),
            )],
        ),
        // -- parameter limits
        session(
            "an unconstrained parameter is still metered",
            metered_unconstrained,
            vec![
                run(vec![c(Sym::Counter, Data::SetNumber(6))], OK),
                run(
                    vec![c(Sym::Counter, Data::SetNumber(5))],
                    Expect::Denied(|_, _| E::LifetimeUsageExceeded {
                        lifetime_usage: u(6),
                        limit: u(10),
                    }),
                ),
                run(vec![c(Sym::Counter, Data::SetNumber(4))], OK),
                Step::Remaining(LimitId::Constraint(0, 0), 0),
            ],
        ),
        session(
            "a parameter's lifetime limit sums its values",
            to_bob_lifetime_150,
            vec![
                run(vec![c(Sym::Token, Data::Transfer(Sym::Bob, 100))], OK),
                run(
                    vec![c(Sym::Token, Data::Transfer(Sym::Bob, 60))],
                    Expect::Denied(|_, _| E::LifetimeUsageExceeded {
                        lifetime_usage: u(100),
                        limit: u(150),
                    }),
                ),
                run(vec![c(Sym::Token, Data::Transfer(Sym::Bob, 50))], OK),
                Step::Remaining(LimitId::Constraint(0, 1), 0),
            ],
        ),
        session(
            "a parameter's allowance resets at the window boundary",
            to_bob_allowance,
            vec![
                Step::RunAt(
                    When::NextWindow(1000, -2),
                    vec![c(Sym::Token, Data::Transfer(Sym::Bob, 100))],
                    OK,
                ),
                Step::RunAt(
                    When::NextWindow(1000, -1),
                    vec![c(Sym::Token, Data::Transfer(Sym::Bob, 1))],
                    Expect::Denied(|_, t| E::AllowanceExceeded {
                        allowance_usage: u(100),
                        limit: u(100),
                        window: t / 1000,
                    }),
                ),
                Step::RunAt(
                    When::NextWindow(1000, 0),
                    vec![c(Sym::Token, Data::Transfer(Sym::Bob, 100))],
                    OK,
                ),
            ],
        ),
        session(
            "a call's value limit and parameter limit are both charged",
            both_limits,
            vec![
                run(vec![cv(Sym::Counter, Data::SetNumber(15), 6)], OK),
                Step::Remaining(LimitId::CallValue(0), 4),
                Step::Remaining(LimitId::Constraint(0, 0), 5),
            ],
        ),
        session(
            "remaining limits start full",
            many_limits,
            vec![
                Step::Remaining(LimitId::TransferValue(0), 15),
                Step::Remaining(LimitId::CallValue(0), 12),
                Step::Remaining(LimitId::Constraint(0, 1), 150),
            ],
        ),
        // -- expiry
        session(
            "a session works until just before it expires",
            counter_spec,
            vec![Step::RunAt(
                When::Expiry(-1),
                vec![c(Sym::Counter, Data::SetNumber(1))],
                OK,
            )],
        ),
        session(
            "a session is refused at its expiry",
            counter_spec,
            vec![Step::RunAt(
                When::Expiry(0),
                vec![c(Sym::Counter, Data::SetNumber(1))],
                Expect::Denied(|_, _| E::SessionExpired),
            )],
        ),
        session(
            "a session is refused after its expiry",
            counter_spec,
            vec![Step::RunAt(
                When::Expiry(100),
                vec![c(Sym::Counter, Data::SetNumber(1))],
                Expect::Denied(|_, _| E::SessionExpired),
            )],
        ),
        // -- wildcard and the account itself
        session(
            "a wildcard key may call anything",
            wildcard,
            vec![
                run(
                    vec![
                        c(Sym::Counter, Data::Increment),
                        c(Sym::Token, Data::Transfer(Sym::Carol, 5)),
                        v(Sym::Carol, 3),
                    ],
                    OK,
                ),
                Step::CounterIs(1),
            ],
        ),
        session(
            "wildcard key expires",
            wildcard,
            vec![Step::RunAt(
                When::Expiry(0),
                vec![c(Sym::Counter, Data::Increment)],
                Expect::Denied(|_, _| E::SessionExpired),
            )],
        ),
        session(
            "a wildcard session cannot call the account itself",
            wildcard,
            vec![run(
                vec![c(Sym::Account, Data::Revoke(Sym::Key))],
                Expect::Denied(|_, _| E::SessionSelfCallForbidden),
            )],
        ),
        session(
            "session cannot call the account itself, even with a policy for it",
            policies_for_the_account,
            vec![
                run(
                    vec![c(Sym::Account, Data::Revoke(Sym::Key))],
                    Expect::Denied(|_, _| E::SessionSelfCallForbidden),
                ),
                run(
                    vec![v(Sym::Account, 1)],
                    Expect::Denied(|_, _| E::SessionSelfCallForbidden),
                ),
            ],
        ),
        // -- grants, re-grants, revocation
        session(
            "re-granting replaces the spec",
            counter_spec,
            vec![
                Step::Grant(Signer::Owner, token_spec, OK),
                run(
                    vec![c(Sym::Counter, Data::SetNumber(1))],
                    Expect::Denied(|e, _| E::CallPolicyViolated {
                        target: e.counter,
                        selector: sel::<Counter::setNumberCall>(),
                    }),
                ),
                run(vec![c(Sym::Token, Data::Transfer(Sym::Bob, 1))], OK),
            ],
        ),
        session(
            "re-granting resets usage",
            bob_lifetime_15,
            vec![
                run(vec![v(Sym::Bob, 10)], OK),
                run(
                    vec![v(Sym::Bob, 10)],
                    Expect::Denied(|_, _| E::LifetimeUsageExceeded {
                        lifetime_usage: u(10),
                        limit: u(15),
                    }),
                ),
                Step::Grant(Signer::Owner, bob_lifetime_15, OK),
                run(vec![v(Sym::Bob, 10)], OK),
            ],
        ),
        session(
            "a revoked key is refused",
            counter_spec,
            vec![
                run(vec![c(Sym::Counter, Data::SetNumber(1))], OK),
                Step::Revoke(Signer::Owner, Sym::Key, OK),
                run(
                    vec![c(Sym::Counter, Data::SetNumber(2))],
                    Expect::Denied(|e, _| E::InvalidSignature {
                        msg_sender: e.key.address(),
                        this_address: e.account,
                    }),
                ),
            ],
        ),
        session(
            "a revoked key is burned: no grant revives it",
            counter_spec,
            vec![
                run(vec![c(Sym::Counter, Data::SetNumber(1))], OK),
                Step::Revoke(Signer::Owner, Sym::Key, OK),
                Step::Grant(
                    Signer::Owner,
                    counter_spec,
                    Expect::Denied(|e, _| E::SignerRevoked {
                        signer: e.key.address(),
                    }),
                ),
                run(
                    vec![c(Sym::Counter, Data::SetNumber(2))],
                    Expect::Denied(|e, _| E::InvalidSignature {
                        msg_sender: e.key.address(),
                        this_address: e.account,
                    }),
                ),
            ],
        ),
        session(
            "a session reads back as granted",
            many_limits,
            vec![Step::StoredSession {
                wildcard: false,
                calls: 2,
                transfers: 1,
            }],
        ),
        session(
            "a wildcard session reads back as wildcard",
            wildcard,
            vec![Step::StoredSession {
                wildcard: true,
                calls: 0,
                transfers: 0,
            }],
        ),
        Scenario {
            name: "a sponsored call's uid is single-use",
            role: Role::Session,
            routes: SPONSORED,
            spec: Some(counter_spec),
            steps: vec![Step::ReplayWrapped(vec![c(
                Sym::Counter,
                Data::SetNumber(1),
            )])],
        },
        Scenario {
            name: "a key without a session is refused",
            role: Role::Stranger,
            routes: BOTH,
            spec: None,
            steps: vec![run(
                vec![c(Sym::Counter, Data::SetNumber(1))],
                Expect::Denied(|e, _| E::InvalidSignature {
                    msg_sender: e.stranger.address(),
                    this_address: e.account,
                }),
            )],
        },
        owner(
            "a grant with a zero signer is refused",
            None,
            vec![Step::Grant(
                Signer::Owner,
                zero_signer,
                Expect::Denied(|_, _| E::SessionZeroSigner),
            )],
        ),
        owner(
            "a grant that expires in its own block is refused",
            None,
            vec![Step::Grant(
                Signer::Owner,
                expires_at_grant,
                Expect::Denied(|_, _| E::SessionExpiresTooSoon),
            )],
        ),
        owner(
            "a grant whose expiry has passed is refused",
            None,
            vec![Step::Grant(
                Signer::Owner,
                expired_before_grant,
                Expect::Denied(|_, _| E::SessionExpiresTooSoon),
            )],
        ),
        owner(
            "an allowance without a period is refused at grant (call value)",
            None,
            vec![Step::Grant(
                Signer::Owner,
                call_allowance_no_period,
                Expect::Denied(|_, _| E::AllowanceWithoutPeriod {
                    transfer: false,
                    policy: u(0),
                    constraint: U256::MAX,
                }),
            )],
        ),
        owner(
            "an allowance without a period is refused at grant (parameter)",
            None,
            vec![Step::Grant(
                Signer::Owner,
                constraint_allowance_no_period,
                Expect::Denied(|_, _| E::AllowanceWithoutPeriod {
                    transfer: false,
                    policy: u(0),
                    constraint: u(1),
                }),
            )],
        ),
        owner(
            "an allowance without a period is refused at grant (transfer)",
            None,
            vec![Step::Grant(
                Signer::Owner,
                transfer_allowance_no_period,
                Expect::Denied(|_, _| E::AllowanceWithoutPeriod {
                    transfer: true,
                    policy: u(1),
                    constraint: U256::MAX,
                }),
            )],
        ),
        owner(
            "a grant signed by a stranger is refused",
            None,
            vec![Step::Grant(
                Signer::Stranger,
                counter_spec,
                Expect::Denied(|e, _| E::InvalidSignature {
                    msg_sender: e.stranger.address(),
                    this_address: e.account,
                }),
            )],
        ),
        owner(
            "a grant's uid is single-use",
            None,
            vec![
                Step::Grant(Signer::Owner, counter_spec, OK),
                Step::GrantAgain(Expect::Denied(|_, _| E::UidAlreadyProcessed)),
            ],
        ),
        Scenario {
            name: "only the owner may revoke",
            role: Role::Owner,
            routes: DIRECT,
            spec: Some(counter_spec),
            steps: vec![Step::Revoke(
                Signer::Stranger,
                Sym::Key,
                Expect::Denied(|e, _| E::OnlyAccount {
                    msg_sender: e.stranger.address(),
                }),
            )],
        },
        Scenario {
            name: "revoking a signer without a session is refused",
            role: Role::Owner,
            routes: DIRECT,
            spec: None,
            steps: vec![Step::Revoke(
                Signer::Owner,
                Sym::Carol,
                Expect::Denied(|e, _| E::SessionNotFound { signer: e.carol }),
            )],
        },
        // -- the owner
        owner(
            "the owner may call anything",
            None,
            vec![
                run(
                    vec![
                        c(Sym::Counter, Data::Increment),
                        c(Sym::Token, Data::Transfer(Sym::Carol, 5)),
                        v(Sym::Carol, 1),
                    ],
                    OK,
                ),
                Step::CounterIs(1),
            ],
        ),
        owner(
            "the owner's empty batch is refused",
            None,
            vec![run(vec![], Expect::Denied(|_, _| E::NoCallsToExecute))],
        ),
        owner(
            "the owner's failing call reverts the whole batch",
            None,
            vec![
                run(
                    vec![
                        c(Sym::Counter, Data::SetNumber(5)),
                        c(Sym::Reverter, Data::Fail),
                    ],
                    Expect::Denied(|_, _| E::CallReverted),
                ),
                Step::CounterIs(0),
            ],
        ),
        owner(
            "the owner may call the account itself",
            Some(counter_spec),
            vec![
                run(vec![c(Sym::Account, Data::Revoke(Sym::Key))], OK),
                Step::Revoke(
                    Signer::Owner,
                    Sym::Key,
                    Expect::Denied(|e, _| E::SessionNotFound {
                        signer: e.key.address(),
                    }),
                ),
            ],
        ),
        owner(
            "the owner is not bound by a session's policies",
            Some(counter_spec),
            vec![
                run(vec![c(Sym::Counter, Data::Increment), v(Sym::Bob, 100)], OK),
                Step::CounterIs(1),
            ],
        ),
    ]
}
