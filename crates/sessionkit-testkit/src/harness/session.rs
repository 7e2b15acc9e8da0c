//! Driving one actor against one account, with the simulator's prediction checked against
//! every chain result, and assertions that read as the guide does.
//!
//! ```no_run
//! # async fn demo(h: &sessionkit_testkit::Harness, owner: alloy::signers::local::PrivateKeySigner,
//! #               key: alloy::signers::local::PrivateKeySigner, sponsor: alloy::signers::local::PrivateKeySigner,
//! #               spec: sessionkit::policy::SessionSpec, calls: Vec<sessionkit::Call>) -> Result<(), Box<dyn std::error::Error>> {
//! use sessionkit_testkit::harness::{Actor, Route, SessionProbe};
//! use sessionkit::AccountError;
//!
//! let mut probe = SessionProbe::new(h, owner.address(), Actor::Session { key, spec }, Route::Direct, sponsor);
//! probe.run(&calls).await?.allowed()?;
//! probe.run(&calls).await?.denied(&AccountError::SessionExpired)?;
//! # Ok(()) }
//! ```

use std::fmt;

use alloy::network::TransactionBuilder;
use alloy::primitives::{Address, B256};
use alloy::rpc::types::TransactionRequest;
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::SolCall;

use super::{Harness, HarnessError};
use sessionkit::abi::{execute_call, wrapped_calls};
use sessionkit::contracts::SessionAccount;
use sessionkit::policy::SessionSpec;
use sessionkit::signing;
use sessionkit::simulator::{self, Decision, LimitId, Usage};
use sessionkit::{AccountError, Call};

/// How a batch reaches the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Route {
    /// The actor's own transaction calling `execute`.
    Direct,
    /// `executeWithSig` signed by the actor, sent and paid for by a sponsor.
    Sponsored,
    /// An ERC-4337 user operation signed by the actor, submitted by a bundler (the sponsor)
    /// through EntryPoint v0.8's `handleOps`.
    UserOp,
}

/// Who acts on the account.
#[derive(Debug, Clone)]
pub enum Actor {
    /// The account's own key.
    Owner(PrivateKeySigner),
    /// A session key with the spec it was granted (the simulator predicts its calls).
    Session {
        /// The session key.
        key: PrivateKeySigner,
        /// Its spec as granted.
        spec: SessionSpec,
    },
    /// A key with no rights on the account.
    Stranger(PrivateKeySigner),
}

impl Actor {
    /// The acting key.
    pub fn key(&self) -> &PrivateKeySigner {
        match self {
            Actor::Owner(k) | Actor::Stranger(k) | Actor::Session { key: k, .. } => k,
        }
    }
}

/// What happened to one batch, and what the simulator predicted.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The block time the batch was decided at.
    pub timestamp: u64,
    /// The chain: the gas used when it ran, or the account's error.
    pub chain: Result<u64, ChainRefusal>,
    /// The simulator's prediction, for session keys.
    pub predicted: Option<Decision>,
}

/// Why the chain refused a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainRefusal {
    /// One of the account's errors.
    Account(AccountError),
    /// Revert data the account's ABI does not explain.
    Other(alloy::primitives::Bytes),
}

impl fmt::Display for ChainRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChainRefusal::Account(e) => write!(f, "{}", e.name()),
            ChainRefusal::Other(data) => write!(f, "revert {data}"),
        }
    }
}

/// An assertion about an outcome that did not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Mismatch(pub String);

impl Outcome {
    /// How the simulator's prediction differs from the chain's answer, when it does (for a
    /// session key; an owner's or a stranger's batch has no prediction).
    pub fn disagreement(&self) -> Option<Mismatch> {
        let predicted = self.predicted.as_ref()?;
        match (&self.chain, predicted) {
            (Ok(_), Decision::Allowed { .. }) => None,
            // The policies allowed it; a call failed when it ran.
            (Err(ChainRefusal::Account(AccountError::CallReverted)), Decision::Allowed { .. }) => {
                None
            }
            (Err(ChainRefusal::Account(e)), Decision::Denied(d)) if *e == d.error => None,
            (chain, predicted) => Some(Mismatch(format!(
                "the simulator predicted {} but the chain {}",
                describe_decision(predicted),
                describe_chain(chain)
            ))),
        }
    }

    fn check_prediction(&self) -> Result<(), Mismatch> {
        match self.disagreement() {
            Some(m) => Err(m),
            None => Ok(()),
        }
    }

    /// Asserts the batch ran, whatever the simulator predicted; returns its gas.
    pub fn allowed_on_chain(&self) -> Result<u64, Mismatch> {
        match &self.chain {
            Ok(gas) => Ok(*gas),
            Err(e) => Err(Mismatch(format!(
                "expected the batch to run, but the chain refused it: {e}"
            ))),
        }
    }

    /// Asserts the batch was refused with exactly `expected`, whatever the simulator
    /// predicted.
    pub fn denied_on_chain(&self, expected: &AccountError) -> Result<(), Mismatch> {
        match &self.chain {
            Err(ChainRefusal::Account(e)) if e == expected => Ok(()),
            other => Err(Mismatch(format!(
                "expected {} ({expected:?}), but the chain {}",
                expected.name(),
                describe_chain(other)
            ))),
        }
    }

    /// Asserts the batch ran (and that the simulator agreed); returns its gas.
    pub fn allowed(&self) -> Result<u64, Mismatch> {
        let gas = self.allowed_on_chain()?;
        self.check_prediction()?;
        Ok(gas)
    }

    /// Asserts the batch was refused with exactly `expected` (and that the simulator agreed).
    pub fn denied(&self, expected: &AccountError) -> Result<(), Mismatch> {
        self.denied_on_chain(expected)?;
        self.check_prediction()
    }

    /// Asserts the session had expired.
    pub fn expired(&self) -> Result<(), Mismatch> {
        self.denied(&AccountError::SessionExpired)
    }
}

fn describe_decision(d: &Decision) -> String {
    match d {
        Decision::Allowed { .. } => "allowed".into(),
        Decision::Denied(d) => format!("{:?}", d.error),
    }
}

fn describe_chain(c: &Result<u64, ChainRefusal>) -> String {
    match c {
        Ok(_) => "ran it".into(),
        Err(ChainRefusal::Account(e)) => format!("refused it with {e:?}"),
        Err(ChainRefusal::Other(data)) => format!("reverted with {data}"),
    }
}

/// One actor acting on one account through one route; tracks the usage the simulator expects.
#[derive(Debug)]
pub struct SessionProbe<'h> {
    h: &'h Harness,
    account: Address,
    actor: Actor,
    route: Route,
    sponsor: PrivateKeySigner,
    usage: Usage,
    /// The gas of every batch that ran.
    pub gas: Vec<u64>,
}

impl<'h> SessionProbe<'h> {
    /// A probe for `actor` on `account` through `route` (`sponsor` sends sponsored batches).
    pub fn new(
        h: &'h Harness,
        account: Address,
        actor: Actor,
        route: Route,
        sponsor: PrivateKeySigner,
    ) -> Self {
        SessionProbe {
            h,
            account,
            actor,
            route,
            sponsor,
            usage: Usage::default(),
            gas: Vec::new(),
        }
    }

    /// The actor.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The usage the simulator expects now.
    pub fn usage(&self) -> &Usage {
        &self.usage
    }

    /// Replaces the actor's spec (after a re-grant), starting usage from zero.
    pub fn regranted(&mut self, spec: SessionSpec) {
        if let Actor::Session { spec: s, .. } = &mut self.actor {
            *s = spec;
        }
        self.usage = Usage::default();
    }

    /// The actor's session was revoked: from now on it acts as a key without a session.
    pub fn revoked(&mut self) {
        let key = self.actor.key().clone();
        if matches!(self.actor, Actor::Session { .. }) {
            self.actor = Actor::Stranger(key);
        }
        self.usage = Usage::default();
    }

    /// The transaction for `calls` and who sends it.
    fn transaction(&self, calls: &[Call]) -> (PrivateKeySigner, TransactionRequest) {
        let input = match self.route {
            Route::Direct | Route::UserOp => execute_call(calls).abi_encode(),
            Route::Sponsored => {
                let uid = B256::random();
                let signature = signing::sign_wrapped_calls_sync(
                    self.actor.key(),
                    calls,
                    uid,
                    self.h.chain_id(),
                    self.account,
                )
                .expect("local keys sign");
                SessionAccount::executeWithSigCall {
                    wrappedCalls: wrapped_calls(calls, uid),
                    signature,
                }
                .abi_encode()
            }
        };
        let sender = match self.route {
            Route::Direct => self.actor.key().clone(),
            Route::Sponsored | Route::UserOp => self.sponsor.clone(),
        };
        let tx = TransactionRequest::default()
            .with_from(sender.address())
            .with_to(self.account)
            .with_input(input);
        (sender, tx)
    }

    /// Runs `calls` in the next block (one second after the latest).
    pub async fn run(&mut self, calls: &[Call]) -> Result<Outcome, HarnessError> {
        let t = self.h.timestamp().await? + 1;
        self.run_at(calls, t).await
    }

    /// Runs `calls` in a block at exactly `timestamp`: asks the chain first (nothing is mined
    /// when it refuses), predicts with the simulator, and mines the batch when it runs.
    pub async fn run_at(
        &mut self,
        calls: &[Call],
        timestamp: u64,
    ) -> Result<Outcome, HarnessError> {
        let predicted = match &self.actor {
            Actor::Session { spec, .. } => Some(simulator::simulate(
                spec,
                &self.usage,
                self.account,
                calls,
                timestamp,
            )),
            _ => None,
        };
        let chain = if self.route == Route::UserOp {
            self.run_user_op(calls, timestamp).await?
        } else {
            let (sender, tx) = self.transaction(calls);
            match self.h.call_at(&tx, timestamp).await? {
                Ok(()) => Ok(self.h.send_at(&sender, tx, timestamp).await?.gas_used),
                Err(data) => Err(match AccountError::decode(&data) {
                    Some(e) => ChainRefusal::Account(e),
                    None => ChainRefusal::Other(data),
                }),
            }
        };
        if let Ok(gas) = chain {
            self.gas.push(gas);
            if let Some(Decision::Allowed { usage }) = &predicted {
                self.usage = usage.clone();
            }
        }
        Ok(Outcome {
            timestamp,
            chain,
            predicted,
        })
    }

    /// Builds and signs a user operation for `calls`, asks the EntryPoint (an `eth_call` of
    /// `handleOps` at `timestamp`) and, when it accepts, mines the bundle at `timestamp`. A
    /// refusal in validation (`FailedOp` AA24 / AA22) becomes the direct path's error
    /// (InvalidSignature / SessionExpired); a refusal in execution is the account's error from
    /// the EntryPoint's `UserOperationRevertReason` (the operation is mined, the batch is not).
    async fn run_user_op(
        &mut self,
        calls: &[Call],
        timestamp: u64,
    ) -> Result<Result<u64, ChainRefusal>, HarnessError> {
        use alloy::sol_types::{SolEvent, SolInterface};
        use sessionkit::userop::{handle_ops_data, IEntryPoint, UserOps, ENTRY_POINT};
        let mut ops = UserOps::new(self.h.provider().clone(), self.account).await?;
        // The account never pays gas for a scoped session key: a paymaster does.
        if !matches!(self.actor, Actor::Owner(_)) {
            ops = ops.paymaster(self.h.paymaster);
        }
        let op = ops.build(self.actor.key(), calls).await?;
        let hash = ops.hash(&op).await?;
        let tx = TransactionRequest::default()
            .with_from(self.sponsor.address())
            .with_to(ENTRY_POINT)
            .with_input(handle_ops_data(&[op], self.sponsor.address()));
        if let Err(data) = self.h.call_at(&tx, timestamp).await? {
            let refusal = match IEntryPoint::IEntryPointErrors::abi_decode(&data) {
                Ok(IEntryPoint::IEntryPointErrors::FailedOp(e)) if e.reason.starts_with("AA24") => {
                    ChainRefusal::Account(AccountError::InvalidSignature {
                        msg_sender: self.actor.key().address(),
                        this_address: self.account,
                    })
                }
                Ok(IEntryPoint::IEntryPointErrors::FailedOp(e)) if e.reason.starts_with("AA22") => {
                    ChainRefusal::Account(AccountError::SessionExpired)
                }
                _ => ChainRefusal::Other(data),
            };
            return Ok(Err(refusal));
        }
        let sent = self.h.send_at(&self.sponsor.clone(), tx, timestamp).await?;
        for log in sent.receipt.inner.logs() {
            if log.address() != ENTRY_POINT {
                continue;
            }
            if let Ok(event) = IEntryPoint::UserOperationRevertReason::decode_log_data(log.data()) {
                if event.userOpHash == hash {
                    return Ok(Err(match AccountError::decode(&event.revertReason) {
                        Some(e) => ChainRefusal::Account(e),
                        None => ChainRefusal::Other(event.revertReason),
                    }));
                }
            }
        }
        Ok(Ok(sent.gas_used))
    }

    /// What the account reports is left of limit `id`, checked against the simulator.
    pub async fn remaining(&self, id: LimitId) -> Result<alloy::primitives::U256, HarnessError> {
        let Actor::Session { key, spec } = &self.actor else {
            return Err(HarnessError::Refused {
                action: "reading remaining limits".into(),
                message: "only a session key has limits".into(),
            });
        };
        let eoa = self.h.client_for(self.account).await?;
        let state = eoa.remaining(key.address()).await?;
        let now = self.h.timestamp().await?;
        let predicted = simulator::remaining(spec, &self.usage, now);
        if state != predicted {
            return Err(HarnessError::Mismatch(format!(
                "remaining limits: the chain reports {state:?}, the simulator {predicted:?}"
            )));
        }
        let entry = match id {
            LimitId::CallValue(i) => state.call_value.get(i),
            LimitId::TransferValue(i) => state.transfer_value.get(i),
            LimitId::Constraint(i, k) => {
                // callParams lists the limited constraints in order.
                let before: usize = spec.call_policies[..i.min(spec.call_policies.len())]
                    .iter()
                    .map(|p| {
                        p.constraints
                            .iter()
                            .filter(|c| !c.limit.is_unlimited())
                            .count()
                    })
                    .sum();
                let within = spec
                    .call_policies
                    .get(i)
                    .map(|p| {
                        p.constraints[..k.min(p.constraints.len())]
                            .iter()
                            .filter(|c| !c.limit.is_unlimited())
                            .count()
                    })
                    .unwrap_or(0);
                state.call_params.get(before + within)
            }
        };
        entry.map(|e| e.remaining).ok_or_else(|| {
            HarnessError::Mismatch(format!("{id} has no entry in the session state"))
        })
    }
}
