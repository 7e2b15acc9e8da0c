//! Property: for random specs and call sequences, the offline simulator and the contract on
//! anvil make the same decision (allowed, or denied with the same error and arguments) and
//! report the same remaining limits.
//!
//! 200 cases by default; set `SESSIONKIT_PROPTEST_CASES` for more.

use std::time::Duration;

use alloy::network::TransactionBuilder;
use alloy::primitives::{Address, Bytes, FixedBytes, B256, U256};
use alloy::providers::{DynProvider, Provider};
use alloy::rpc::types::{BlockOverrides, TransactionRequest};
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::SolCall;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use sessionkit::abi::execute_call;
use sessionkit::client::{self, SmartEoa};
use sessionkit::contracts::SessionAccount;
use sessionkit::policy::{CallPolicy, Condition, Constraint, Limit, SessionSpec, TransferPolicy};
use sessionkit::simulator::{self, Decision, Usage};
use sessionkit::{signing, AccountError, Call};
use sessionkit_testkit::fixtures::{Counter, TestToken};
use sessionkit_testkit::Harness;

/// The world a case runs in.
struct World {
    tally: std::sync::Mutex<std::collections::BTreeMap<String, u32>>,
    h: Harness,
    owner: PrivateKeySigner,
    eoa: SmartEoa<DynProvider>,
    key: PrivateKeySigner,
    sponsor: PrivateKeySigner,
    bob: Address,
    carol: Address,
}

#[derive(Debug, Clone, Copy)]
enum Target {
    Counter,
    Token,
    Receiver,
    Bob,
    Carol,
    Account,
}

#[derive(Debug, Clone)]
enum CallKind {
    SetNumber(u64),
    Add(u64, u64),
    Increment,
    TokenTransfer(bool, u64),
    Short(Target, u8),
    Value(Target, u64),
    Truncated(u8),
}

#[derive(Debug, Clone)]
struct Step {
    warp: u64,
    sponsored: bool,
    calls: Vec<(CallKind, u64)>,
}

#[derive(Debug, Clone)]
struct PolicyGen {
    which: u8,
    max_value: u64,
    value_limit: Limit,
    constraints: Vec<(u64, Condition, u64, Limit)>,
}

#[derive(Debug, Clone)]
struct Case {
    wildcard: bool,
    lifetime: u64,
    calls: Vec<PolicyGen>,
    transfers: Vec<(bool, u64, Limit)>,
    steps: Vec<Step>,
}

fn limit() -> impl Strategy<Value = Limit> {
    prop_oneof![
        2 => Just(Limit::Unlimited),
        3 => (0u64..30).prop_map(Limit::lifetime),
        3 => (0u64..30, prop_oneof![Just(10u64), Just(60), Just(1000)]).prop_map(|(l, p)| Limit::allowance(l, p)),
    ]
}

fn condition() -> impl Strategy<Value = Condition> {
    prop_oneof![
        3 => Just(Condition::Unconstrained),
        3 => Just(Condition::LessOrEqual),
        2 => Just(Condition::Less),
        1 => Just(Condition::GreaterOrEqual),
        1 => Just(Condition::Greater),
        1 => Just(Condition::Equal),
        1 => Just(Condition::NotEqual),
    ]
}

fn policy() -> impl Strategy<Value = PolicyGen> {
    (
        0u8..4,
        prop_oneof![Just(0u64), Just(5), Just(100)],
        limit(),
        prop::collection::vec(
            (
                prop_oneof![9 => 0u64..2, 1 => Just(2u64)],
                condition(),
                0u64..12,
                limit(),
            ),
            0..3,
        ),
    )
        .prop_map(|(which, max_value, value_limit, constraints)| PolicyGen {
            which,
            max_value,
            value_limit,
            constraints,
        })
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        Just(Target::Counter),
        Just(Target::Token),
        Just(Target::Receiver),
        Just(Target::Bob),
        Just(Target::Carol),
        Just(Target::Account)
    ]
}

fn call_kind() -> impl Strategy<Value = CallKind> {
    prop_oneof![
        3 => (0u64..12).prop_map(CallKind::SetNumber),
        2 => (0u64..8, 0u64..8).prop_map(|(a, b)| CallKind::Add(a, b)),
        1 => Just(CallKind::Increment),
        4 => (prop::bool::weighted(0.8), 0u64..10).prop_map(|(b, a)| CallKind::TokenTransfer(b, a)),
        1 => (target(), 1u8..4).prop_map(|(t, n)| CallKind::Short(t, n)),
        3 => (prop_oneof![3 => Just(Target::Receiver), 3 => Just(Target::Bob), 1 => target()], 0u64..8).prop_map(|(t, v)| CallKind::Value(t, v)),
        1 => (4u8..68).prop_map(CallKind::Truncated),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    (
        prop_oneof![3 => Just(0u64), 3 => 1u64..30, 1 => 30u64..600],
        prop::bool::weighted(0.3),
        prop_oneof![
            1 => Just(Vec::new()),
            30 => prop::collection::vec((call_kind(), prop_oneof![3 => Just(0u64), 1 => 0u64..6]), 1..3),
        ],
    )
        .prop_map(|(warp, sponsored, calls)| Step { warp, sponsored, calls })
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::bool::weighted(0.1),
        100u64..700,
        [
            prop::option::weighted(0.75, policy()),
            prop::option::weighted(0.75, policy()),
            prop::option::weighted(0.75, policy()),
            prop::option::weighted(0.75, policy()),
        ],
        prop::collection::vec(
            (
                any::<bool>(),
                prop_oneof![Just(0u64), Just(5), Just(20)],
                limit(),
            ),
            0..3,
        ),
        prop::collection::vec(step(), 1..9),
    )
        .prop_map(|(wildcard, lifetime, calls, transfers, steps)| Case {
            wildcard,
            lifetime,
            calls: calls
                .into_iter()
                .enumerate()
                .filter_map(|(i, p)| {
                    p.map(|p| PolicyGen {
                        which: i as u8,
                        ..p
                    })
                })
                .collect(),
            transfers,
            steps,
        })
}

impl World {
    fn address(&self, t: Target) -> Address {
        match t {
            Target::Counter => self.h.counter,
            Target::Token => self.h.token,
            Target::Receiver => self.h.receiver,
            Target::Bob => self.bob,
            Target::Carol => self.carol,
            Target::Account => self.eoa.address(),
        }
    }

    fn selector_of(&self, which: u8) -> (Address, FixedBytes<4>) {
        match which {
            0 => (self.h.counter, Counter::setNumberCall::SELECTOR.into()),
            1 => (self.h.counter, Counter::addCall::SELECTOR.into()),
            2 => (self.h.counter, Counter::incrementCall::SELECTOR.into()),
            _ => (self.h.token, TestToken::transferCall::SELECTOR.into()),
        }
    }

    fn call(&self, kind: &CallKind, value: u64) -> Call {
        let c = match kind {
            CallKind::SetNumber(n) => Call::contract(
                self.h.counter,
                &Counter::setNumberCall {
                    newNumber: U256::from(*n),
                },
            ),
            CallKind::Add(a, b) => Call::contract(
                self.h.counter,
                &Counter::addCall {
                    a: U256::from(*a),
                    b: U256::from(*b),
                },
            ),
            CallKind::Increment => Call::contract(self.h.counter, &Counter::incrementCall {}),
            CallKind::TokenTransfer(to_bob, amount) => Call::contract(
                self.h.token,
                &TestToken::transferCall {
                    to: if *to_bob { self.bob } else { self.carol },
                    value: U256::from(*amount),
                },
            ),
            CallKind::Short(t, n) => Call::raw(self.address(*t), vec![0xab; usize::from(*n)]),
            CallKind::Value(t, v) => return Call::transfer(self.address(*t), *v),
            CallKind::Truncated(len) => {
                let full = TestToken::transferCall {
                    to: self.bob,
                    value: U256::from(3),
                }
                .abi_encode();
                Call::raw(
                    self.h.token,
                    Bytes::copy_from_slice(&full[..usize::from(*len)]),
                )
            }
        };
        c.with_value(value)
    }

    fn spec(&self, case: &Case, now: u64) -> SessionSpec {
        let mut builder = SessionSpec::builder(self.key.address()).expires_at(now + case.lifetime);
        if case.wildcard {
            builder = builder.wildcard();
        } else {
            let mut seen = Vec::new();
            for p in &case.calls {
                let (target, selector) = self.selector_of(p.which);
                if seen.contains(&p.which) {
                    continue;
                }
                seen.push(p.which);
                let mut policy = CallPolicy::new(target, selector)
                    .max_value_per_use(p.max_value)
                    .value_limit(p.value_limit);
                for (index, condition, value, limit) in &p.constraints {
                    // Small values as numbers; index 0 of a token transfer compares addresses.
                    let word = if p.which == 3 && *index == 0 && *value % 2 == 0 {
                        if *value % 4 == 0 {
                            self.bob.into_word()
                        } else {
                            self.carol.into_word()
                        }
                    } else {
                        B256::from(U256::from(*value))
                    };
                    // An address summed as an amount exceeds any small limit: meter amounts only.
                    let limit = if p.which == 3 && *index == 0 {
                        Limit::Unlimited
                    } else {
                        *limit
                    };
                    policy = policy
                        .with_constraint(Constraint::new(*index, *condition, word).limit(limit));
                }
                builder = builder.call(policy);
            }
            let mut seen = Vec::new();
            for (to_receiver, max, limit) in &case.transfers {
                let target = if *to_receiver {
                    self.h.receiver
                } else {
                    self.bob
                };
                if seen.contains(&target) {
                    continue;
                }
                seen.push(target);
                builder = builder.transfer(
                    TransferPolicy::new(target)
                        .max_value_per_use(*max)
                        .value_limit(*limit),
                );
            }
        }
        builder.build_at(now).expect("generated specs are valid")
    }
}

/// The chain's decision for `calls` at `timestamp`: Ok(()) when it would run, else its error.
async fn chain_decision(
    w: &World,
    calls: &[Call],
    sponsored: bool,
    uid: B256,
    timestamp: u64,
) -> Result<TransactionRequest, AccountError> {
    let (from, input) = if sponsored {
        let signature =
            signing::sign_wrapped_calls_sync(&w.key, calls, uid, w.eoa.chain_id(), w.eoa.address())
                .unwrap();
        let call = SessionAccount::executeWithSigCall {
            wrappedCalls: sessionkit::abi::wrapped_calls(calls, uid),
            signature,
        };
        (w.sponsor.address(), call.abi_encode())
    } else {
        (w.key.address(), execute_call(calls).abi_encode())
    };
    let tx = TransactionRequest::default()
        .with_from(from)
        .with_to(w.eoa.address())
        .with_input(input);
    let overrides = BlockOverrides {
        time: Some(timestamp),
        ..Default::default()
    };
    match w
        .h
        .provider()
        .call(tx.clone())
        .with_block_overrides(overrides)
        .await
    {
        Ok(_) => Ok(tx),
        Err(e) => {
            let data = e
                .as_error_resp()
                .and_then(|r| r.as_revert_data())
                .unwrap_or_else(|| panic!("eth_call failed without revert data: {e}"));
            Err(AccountError::decode(&data).unwrap_or_else(|| panic!("undecodable revert {data}")))
        }
    }
}

async fn run_case(w: &World, case: &Case) -> Result<(), TestCaseError> {
    let snapshot = w.h.snapshot().await.unwrap();
    let result = run_case_inner(w, case).await;
    w.h.revert(snapshot).await.unwrap();
    result
}

async fn run_case_inner(w: &World, case: &Case) -> Result<(), TestCaseError> {
    let now = w.h.timestamp().await.unwrap();
    let spec = w.spec(case, now);
    w.eoa.grant(&w.owner, &spec, &w.sponsor).await.unwrap();
    let mut usage = Usage::default();
    let mut time = w.h.timestamp().await.unwrap();
    for (n, step) in case.steps.iter().enumerate() {
        let t = time + 1 + step.warp;
        let calls: Vec<Call> = step.calls.iter().map(|(k, v)| w.call(k, *v)).collect();
        let uid = B256::random();
        let chain = chain_decision(w, &calls, step.sponsored, uid, t).await;
        let sim = simulator::simulate(&spec, &usage, w.eoa.address(), &calls, t);
        let outcome = match &chain {
            Ok(_) => "allowed".to_owned(),
            Err(e) => e.name().to_owned(),
        };
        *w.tally.lock().unwrap().entry(outcome).or_default() += 1;
        match (&chain, &sim) {
            (Ok(tx), Decision::Allowed { usage: after }) => {
                w.h.set_next_timestamp(t).await.unwrap();
                let sent = client::send_signed(
                    w.h.provider(),
                    if step.sponsored { &w.sponsor } else { &w.key },
                    tx.clone(),
                    2_000_000,
                    w.eoa.chain_id(),
                    Duration::from_secs(10),
                    "step",
                )
                .await;
                prop_assert!(
                    sent.is_ok(),
                    "step {n}: eth_call allowed it but the transaction failed: {:?}",
                    sent.err()
                );
                usage = after.clone();
                time = t;
            }
            (Err(AccountError::CallReverted), Decision::Allowed { .. }) => {}
            (Err(chain_err), Decision::Denied(d)) => {
                prop_assert_eq!(
                    chain_err,
                    &d.error,
                    "step {}: the chain and the simulator disagree on the error",
                    n
                );
            }
            (chain, sim) => {
                prop_assert!(
                    false,
                    "step {n} at {t}: chain {chain:?} but simulator {sim:?} for {calls:?}"
                );
            }
        }
        let latest = w.h.timestamp().await.unwrap();
        let on_chain = w.eoa.remaining(w.key.address()).await.unwrap();
        prop_assert_eq!(
            on_chain,
            simulator::remaining(&spec, &usage, latest),
            "step {}: remaining limits differ",
            n
        );
    }
    Ok(())
}

#[test]
fn simulator_and_chain_agree() {
    let cases: u32 = std::env::var("SESSIONKIT_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let world = rt.block_on(async {
        let h = Harness::builder()
            .try_spawn()
            .await
            .unwrap_or_else(|e| panic!("cannot start the test chain: {e}"));
        let (owner, eoa) = h.smart_eoa().await.unwrap();
        let key = h.funded_eoa().await.unwrap();
        let sponsor = h.funded_eoa().await.unwrap();
        h.set_balance(eoa.address(), U256::from(10u64).pow(U256::from(18)))
            .await
            .unwrap();
        let mint = Call::contract(
            h.token,
            &TestToken::mintCall {
                to: eoa.address(),
                amount: U256::from(1_000_000),
            },
        );
        eoa.execute_as_owner(&owner, &[mint]).await.unwrap();
        World {
            tally: Default::default(),
            h,
            owner,
            eoa,
            key,
            sponsor,
            bob: Address::repeat_byte(0xb0),
            carol: Address::repeat_byte(0xca),
        }
    });
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&case(), |case| rt.block_on(run_case(&world, &case)));
    if let Err(e) = result {
        panic!("{e}");
    }
    let tally = world.tally.lock().unwrap().clone();
    eprintln!("outcomes over {cases} cases: {tally:?}");
    // The generator must reach both sides of the policies, or agreement proves little.
    if cases >= 200 {
        assert!(
            tally.get("allowed").copied().unwrap_or(0) >= 50,
            "too few allowed steps: {tally:?}"
        );
        let denials = tally.keys().filter(|k| *k != "allowed").count();
        assert!(denials >= 10, "too few kinds of denial: {tally:?}");
    }
}
