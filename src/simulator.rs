//! The offline policy simulator: would the account let a session run these calls?
//!
//! [`simulate`] applies the contract's rules (the semantics of `docs/interface.md` and the README's table, in
//! the contract's order) to a [`SessionSpec`], the [`Usage`] so far, a batch of calls and a timestamp, and
//! answers [`Decision::Allowed`] with the usage after the batch, or [`Decision::Denied`] with
//! the error the contract would revert with. It is the reference the harness compares the chain
//! against, so it mirrors the contract exactly: the same check order, the same error arguments,
//! the same counters (one per limit; an allowance restarts in each window
//! `timestamp / period`; a zero amount charges nothing).
//!
//! ```
//! use alloy::primitives::{address, U256};
//! use sessionkit::policy::{Limit, SessionSpec, TransferPolicy};
//! use sessionkit::simulator::{simulate, Decision, Usage};
//! use sessionkit::{AccountError, Call};
//!
//! let account = address!("0x1111111111111111111111111111111111111111");
//! let bob = address!("0x4444444444444444444444444444444444444444");
//! let spec = SessionSpec::builder(address!("0x2222222222222222222222222222222222222222"))
//!     .expires_at(2_000)
//!     .transfer(TransferPolicy::new(bob).max_value_per_use(U256::from(10)).value_limit(Limit::lifetime(U256::from(15))))
//!     .build_at(1_000)?;
//! let first = simulate(&spec, &Usage::default(), account, &[Call::transfer(bob, U256::from(10))], 1_500);
//! let Decision::Allowed { usage } = first else { panic!("denied") };
//! let second = simulate(&spec, &usage, account, &[Call::transfer(bob, U256::from(10))], 1_500);
//! assert_eq!(
//!     second.denial().map(|d| &d.error),
//!     Some(&AccountError::LifetimeUsageExceeded { lifetime_usage: U256::from(10), limit: U256::from(15) })
//! );
//! # Ok::<(), sessionkit::policy::SpecError>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use alloy::primitives::{Address, FixedBytes, B256, U256};
use serde::{Deserialize, Serialize};

use crate::account_error::AccountError;
use crate::call::Call;
use crate::policy::{Limit, SessionSpec};
use crate::units;

/// Bytes of a selector, then of each ABI word of the calldata.
const SELECTOR: usize = 4;
const WORD: usize = 32;

/// Which limit of a session a counter belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LimitId {
    /// The value limit of call policy `i`.
    CallValue(usize),
    /// The limit of constraint `k` of call policy `i`.
    Constraint(usize, usize),
    /// The value limit of transfer policy `i`.
    TransferValue(usize),
}

impl fmt::Display for LimitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LimitId::CallValue(i) => write!(f, "call_policies[{i}].value_limit"),
            LimitId::Constraint(i, k) => write!(f, "call_policies[{i}].constraints[{k}].limit"),
            LimitId::TransferValue(i) => write!(f, "transfer_policies[{i}].value_limit"),
        }
    }
}

impl LimitId {
    /// Whether the limit counts wei (a value limit) rather than a call parameter's amount (a
    /// constraint's limit, in the parameter's own units, e.g. a token's smallest unit).
    pub fn counts_wei(self) -> bool {
        !matches!(self, LimitId::Constraint(..))
    }

    /// `amount` as this limit counts it: `0.01 ether` for a value limit, `250` for a
    /// constraint's.
    pub fn show_amount(self, amount: U256) -> String {
        if self.counts_wei() {
            units::display_amount(amount)
        } else {
            amount.to_string()
        }
    }

    /// `limit` as this limit counts it: `0.02 ether per 1d`, `250 in total`.
    pub fn show_limit(self, limit: &Limit) -> String {
        match limit {
            Limit::Unlimited => "unlimited".to_owned(),
            Limit::Lifetime(amount) => format!("{} in total", self.show_amount(*amount)),
            Limit::Allowance { limit, period } => format!(
                "{} per {}",
                self.show_amount(*limit),
                units::format_duration(*period)
            ),
        }
    }
}

impl FromStr for LimitId {
    type Err = String;

    /// Parses the [`Display`](fmt::Display) form, e.g. `call_policies[0].constraints[1].limit`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            format!(
                "{s:?} is not a limit: expected call_policies[I].value_limit, \
                 call_policies[I].constraints[K].limit or transfer_policies[I].value_limit"
            )
        };
        let index = |part: &str, prefix: &str| -> Option<usize> {
            part.strip_prefix(prefix)?.strip_suffix(']')?.parse().ok()
        };
        let parts: Vec<&str> = s.split('.').collect();
        match parts.as_slice() {
            [p, "value_limit"] if p.starts_with("call_policies[") => index(p, "call_policies[")
                .map(LimitId::CallValue)
                .ok_or_else(bad),
            [p, "value_limit"] if p.starts_with("transfer_policies[") => {
                index(p, "transfer_policies[")
                    .map(LimitId::TransferValue)
                    .ok_or_else(bad)
            }
            [p, c, "limit"] => match (index(p, "call_policies["), index(c, "constraints[")) {
                (Some(i), Some(k)) => Ok(LimitId::Constraint(i, k)),
                _ => Err(bad()),
            },
            _ => Err(bad()),
        }
    }
}

/// The counter of one limit, as the contract stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counter {
    /// The amount used (for an allowance: in `window`).
    #[serde(with = "units::amount")]
    pub used: U256,
    /// For an allowance, the window (`timestamp / period`) that `used` counts in.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub window: u64,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

/// The usage counters of one session (a limit with no entry has used nothing).
///
/// JSON form: `{"call_policies[0].constraints[1].limit": {"used": "1000", "window": 20000}}`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Usage {
    counters: BTreeMap<LimitId, Counter>,
}

impl Usage {
    /// The counter of `id`.
    pub fn counter(&self, id: LimitId) -> Counter {
        self.counters.get(&id).copied().unwrap_or_default()
    }

    /// Sets the counter of `id`.
    pub fn set(&mut self, id: LimitId, counter: Counter) {
        if counter == Counter::default() {
            self.counters.remove(&id);
        } else {
            self.counters.insert(id, counter);
        }
    }

    /// Every counter that has been used.
    pub fn iter(&self) -> impl Iterator<Item = (LimitId, Counter)> + '_ {
        self.counters.iter().map(|(id, c)| (*id, *c))
    }

    /// What is left of `limit` (the limit `id`) at `timestamp`: `U256::MAX` for Unlimited; for an
    /// allowance, the whole limit in a window that has not been used.
    pub fn remaining(&self, id: LimitId, limit: &Limit, timestamp: u64) -> U256 {
        let counter = self.counter(id);
        match limit {
            Limit::Unlimited => U256::MAX,
            Limit::Lifetime(limit) => limit.saturating_sub(counter.used),
            Limit::Allowance { limit, period } => {
                if *period == 0 || counter.window != timestamp / period {
                    *limit
                } else {
                    limit.saturating_sub(counter.used)
                }
            }
        }
    }

    /// Charges `amount` to limit `id` at `timestamp`, as the contract does, or returns the
    /// error the contract reverts with.
    fn charge(
        &mut self,
        id: LimitId,
        limit: &Limit,
        amount: U256,
        timestamp: u64,
    ) -> Result<(), AccountError> {
        match limit {
            Limit::Unlimited => Ok(()),
            Limit::Lifetime(limit) => {
                let used = self.counter(id).used;
                if amount > limit.saturating_sub(used) {
                    return Err(AccountError::LifetimeUsageExceeded {
                        lifetime_usage: used,
                        limit: *limit,
                    });
                }
                if !amount.is_zero() {
                    let window = self.counter(id).window;
                    self.set(
                        id,
                        Counter {
                            used: used + amount,
                            window,
                        },
                    );
                }
                Ok(())
            }
            Limit::Allowance { limit, period } => {
                // A period of 0 cannot be granted (AllowanceWithoutPeriod); treat it as one
                // window rather than dividing by zero.
                let window = timestamp.checked_div(*period).unwrap_or(0);
                let counter = self.counter(id);
                let used = if counter.window == window {
                    counter.used
                } else {
                    U256::ZERO
                };
                if amount > limit.saturating_sub(used) {
                    return Err(AccountError::AllowanceExceeded {
                        allowance_usage: used,
                        limit: *limit,
                        window,
                    });
                }
                if !amount.is_zero() {
                    self.set(
                        id,
                        Counter {
                            used: used + amount,
                            window,
                        },
                    );
                }
                Ok(())
            }
        }
    }

    /// Parses the JSON form; errors name the bad entry.
    pub fn from_json(json: &str) -> Result<Self, String> {
        let de = &mut serde_json::Deserializer::from_str(json);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            if path == "." {
                e.into_inner().to_string()
            } else {
                format!("{path}: {}", e.into_inner())
            }
        })
    }
}

impl Serialize for Usage {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.counters.iter().map(|(id, c)| (id.to_string(), c)))
    }
}

impl<'de> Deserialize<'de> for Usage {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = BTreeMap::<String, Counter>::deserialize(deserializer)?;
        let mut usage = Usage::default();
        for (key, counter) in raw {
            let id = key.parse::<LimitId>().map_err(serde::de::Error::custom)?;
            usage.set(id, counter);
        }
        Ok(usage)
    }
}

/// Which policy decided a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyRef {
    /// Call policy `i` of the spec.
    Call(usize),
    /// Transfer policy `i` of the spec.
    Transfer(usize),
}

impl fmt::Display for PolicyRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyRef::Call(i) => write!(f, "call_policies[{i}]"),
            PolicyRef::Transfer(i) => write!(f, "transfer_policies[{i}]"),
        }
    }
}

/// A denied batch: the error the contract reverts with, and where it arose.
///
/// Its JSON form: `{"call": 4, "policy": "call_policies[0]", "constraint": 1, "limit":
/// "call_policies[0].constraints[1].limit", "error": "AllowanceExceeded", "reason": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied {
    /// The index of the call in the batch (None when the whole batch is refused: expired or
    /// empty).
    pub call: Option<usize>,
    /// The policy that matched the call, when one did.
    pub policy: Option<PolicyRef>,
    /// The constraint (index in the policy) that failed, when one did.
    pub constraint: Option<usize>,
    /// The limit that would be exceeded, when one would be.
    pub limit: Option<LimitId>,
    /// The contract's error.
    pub error: AccountError,
}

impl Denied {
    /// Where in the spec the denial arose, as a field path: the limit
    /// (`call_policies[0].constraints[1].limit`), else the constraint
    /// (`call_policies[0].constraints[1]`), else the policy; `None` when no policy matched.
    pub fn location(&self) -> Option<String> {
        match (self.limit, self.policy, self.constraint) {
            (Some(limit), _, _) => Some(limit.to_string()),
            (None, Some(policy), Some(k)) => Some(format!("{policy}.constraints[{k}]")),
            (None, Some(policy), None) => Some(policy.to_string()),
            _ => None,
        }
    }
}

impl fmt::Display for Denied {
    /// `call 1 (call_policies[0].constraints[1].limit): LifetimeUsageExceeded: …`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(call) = self.call {
            write!(f, "call {call}")?;
            if let Some(location) = self.location() {
                write!(f, " ({location})")?;
            }
            f.write_str(": ")?;
        }
        write!(f, "{}", self.error)
    }
}

impl Serialize for Denied {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("call", &self.call)?;
        map.serialize_entry("policy", &self.policy.map(|p| p.to_string()))?;
        map.serialize_entry("constraint", &self.constraint)?;
        map.serialize_entry("limit", &self.limit.map(|l| l.to_string()))?;
        map.serialize_entry("error", self.error.name())?;
        map.serialize_entry("reason", &self.to_string())?;
        map.end()
    }
}

/// The simulator's answer.
///
/// Its JSON form: `{"decision": "allowed", "usage": {…}}` or `{"decision": "denied", …}` with
/// the fields of [`Denied`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The batch passes the policies; `usage` is the usage after it.
    Allowed {
        /// The counters after charging the batch.
        usage: Usage,
    },
    /// The batch is refused.
    Denied(Denied),
}

impl Serialize for Decision {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            Decision::Allowed { usage } => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("decision", "allowed")?;
                map.serialize_entry("usage", usage)?;
                map.end()
            }
            Decision::Denied(d) => {
                let mut map = serializer.serialize_map(None)?;
                map.serialize_entry("decision", "denied")?;
                map.serialize_entry("call", &d.call)?;
                map.serialize_entry("policy", &d.policy.map(|p| p.to_string()))?;
                map.serialize_entry("constraint", &d.constraint)?;
                map.serialize_entry("limit", &d.limit.map(|l| l.to_string()))?;
                map.serialize_entry("error", d.error.name())?;
                map.serialize_entry("reason", &d.to_string())?;
                map.end()
            }
        }
    }
}

impl Decision {
    /// Whether the batch is allowed.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allowed { .. })
    }

    /// The denial, if the batch is refused.
    pub fn denial(&self) -> Option<&Denied> {
        match self {
            Decision::Denied(d) => Some(d),
            Decision::Allowed { .. } => None,
        }
    }
}

/// Decides whether `spec`'s signer may run `calls` on `account` at `timestamp` with `usage`
/// so far, exactly as the contract's session path does (see the [module docs](self)).
///
/// A call that passes the policies may still revert when it runs (`CallReverted`); the
/// simulator does not run calls.
pub fn simulate(
    spec: &SessionSpec,
    usage: &Usage,
    account: Address,
    calls: &[Call],
    timestamp: u64,
) -> Decision {
    let whole = |error| {
        Decision::Denied(Denied {
            call: None,
            policy: None,
            constraint: None,
            limit: None,
            error,
        })
    };
    if calls.is_empty() {
        return whole(AccountError::NoCallsToExecute);
    }
    if timestamp >= spec.expires_at {
        return whole(AccountError::SessionExpired);
    }
    let mut usage = usage.clone();
    for (i, call) in calls.iter().enumerate() {
        if let Err(mut denied) = check_call(spec, &mut usage, account, call, timestamp) {
            denied.call = Some(i);
            return Decision::Denied(denied);
        }
    }
    Decision::Allowed { usage }
}

/// A policy's value rules: the per-call cap, then the value limit.
struct ValueCheck<'a> {
    max_value_per_use: U256,
    limit: &'a Limit,
    id: LimitId,
}

impl ValueCheck<'_> {
    /// Checks `value` against the cap and charges it to the limit; on refusal, the limit
    /// involved (none for the cap) and the contract's error.
    fn charge(
        &self,
        usage: &mut Usage,
        value: U256,
        timestamp: u64,
    ) -> Result<(), (Option<LimitId>, AccountError)> {
        if value > self.max_value_per_use {
            return Err((
                None,
                AccountError::MaxValueExceeded {
                    value,
                    max_value_per_use: self.max_value_per_use,
                },
            ));
        }
        usage
            .charge(self.id, self.limit, value, timestamp)
            .map_err(|e| (Some(self.id), e))
    }
}

// The denial is built once per refused batch; boxing it would cost every allowed call.
#[allow(clippy::result_large_err)]
fn check_call(
    spec: &SessionSpec,
    usage: &mut Usage,
    account: Address,
    call: &Call,
    timestamp: u64,
) -> Result<(), Denied> {
    let mut denied = Denied {
        call: None,
        policy: None,
        constraint: None,
        limit: None,
        error: AccountError::SessionSelfCallForbidden,
    };
    if call.target == account {
        return Err(denied);
    }
    if spec.wildcard {
        return Ok(());
    }
    let fail = |mut denied: Denied, error| {
        denied.error = error;
        Err(denied)
    };
    match call.selector() {
        Some(selector) => {
            let selector = FixedBytes::from(selector);
            let Some(i) = spec
                .call_policies
                .iter()
                .position(|p| p.target == call.target && p.selector == selector)
            else {
                return fail(
                    denied,
                    AccountError::CallPolicyViolated {
                        target: call.target,
                        selector,
                    },
                );
            };
            let policy = &spec.call_policies[i];
            denied.policy = Some(PolicyRef::Call(i));
            let value_check = ValueCheck {
                max_value_per_use: policy.max_value_per_use,
                limit: &policy.value_limit,
                id: LimitId::CallValue(i),
            };
            if let Err((limit, error)) = value_check.charge(usage, call.value, timestamp) {
                denied.limit = limit;
                return fail(denied, error);
            }
            for (k, constraint) in policy.constraints.iter().enumerate() {
                denied.constraint = Some(k);
                // The word at SELECTOR + WORD * index must lie wholly inside the calldata.
                let end =
                    U256::from(constraint.index) * U256::from(WORD) + U256::from(SELECTOR + WORD);
                let length = U256::from(call.data.len());
                if length < end {
                    return fail(
                        denied,
                        AccountError::InvalidDataLength {
                            actual_length: length,
                            expected_length: end,
                        },
                    );
                }
                let start = SELECTOR + WORD * constraint.index as usize;
                let param = B256::from_slice(&call.data[start..start + WORD]);
                if !constraint.condition.holds(param, constraint.value) {
                    return fail(
                        denied,
                        AccountError::ConditionFailed {
                            param,
                            ref_value: constraint.value,
                            condition: constraint.condition.id(),
                        },
                    );
                }
                let id = LimitId::Constraint(i, k);
                if let Err(error) = usage.charge(
                    id,
                    &constraint.limit,
                    U256::from_be_bytes(param.0),
                    timestamp,
                ) {
                    denied.limit = Some(id);
                    return fail(denied, error);
                }
            }
            Ok(())
        }
        None => {
            let Some(i) = spec
                .transfer_policies
                .iter()
                .position(|p| p.target == call.target)
            else {
                return fail(
                    denied,
                    AccountError::TransferPolicyViolated {
                        target: call.target,
                    },
                );
            };
            let policy = &spec.transfer_policies[i];
            denied.policy = Some(PolicyRef::Transfer(i));
            let value_check = ValueCheck {
                max_value_per_use: policy.max_value_per_use,
                limit: &policy.value_limit,
                id: LimitId::TransferValue(i),
            };
            if let Err((limit, error)) = value_check.charge(usage, call.value, timestamp) {
                denied.limit = limit;
                return fail(denied, error);
            }
            Ok(())
        }
    }
}

/// What is left of one limit, in the layout of the contract's `getSessionStateForSigner`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LimitState {
    /// The amount left (`U256::MAX` for Unlimited).
    #[serde(with = "units::amount")]
    pub remaining: U256,
    /// The policy's target.
    pub target: Address,
    /// The policy's selector (zero for a transfer policy).
    pub selector: FixedBytes<4>,
    /// The constraint's parameter index (zero for a value limit).
    pub index: u64,
}

/// What is left of every limit of a session, in the layout of the contract's
/// `getSessionStateForSigner`: one entry per transfer policy, one per call policy, and one per
/// constraint whose limit is not Unlimited.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct SessionState {
    /// The value limit of each transfer policy.
    pub transfer_value: Vec<LimitState>,
    /// The value limit of each call policy.
    pub call_value: Vec<LimitState>,
    /// The limit of each constraint that has one.
    pub call_params: Vec<LimitState>,
}

/// The remaining limits of `spec` with `usage` at `timestamp`, as the contract reports them.
pub fn remaining(spec: &SessionSpec, usage: &Usage, timestamp: u64) -> SessionState {
    let mut state = SessionState::default();
    if spec.wildcard && spec.call_policies.is_empty() && spec.transfer_policies.is_empty() {
        return state;
    }
    for (i, p) in spec.call_policies.iter().enumerate() {
        state.call_value.push(LimitState {
            remaining: usage.remaining(LimitId::CallValue(i), &p.value_limit, timestamp),
            target: p.target,
            selector: p.selector,
            index: 0,
        });
        for (k, c) in p.constraints.iter().enumerate() {
            if !c.limit.is_unlimited() {
                state.call_params.push(LimitState {
                    remaining: usage.remaining(LimitId::Constraint(i, k), &c.limit, timestamp),
                    target: p.target,
                    selector: p.selector,
                    index: c.index,
                });
            }
        }
    }
    for (i, p) in spec.transfer_policies.iter().enumerate() {
        state.transfer_value.push(LimitState {
            remaining: usage.remaining(LimitId::TransferValue(i), &p.value_limit, timestamp),
            target: p.target,
            selector: FixedBytes::ZERO,
            index: 0,
        });
    }
    state
}

/// The limit `id` of `spec`, if the spec has it.
pub fn limit_of(spec: &SessionSpec, id: LimitId) -> Option<&Limit> {
    match id {
        LimitId::CallValue(i) => spec.call_policies.get(i).map(|p| &p.value_limit),
        LimitId::Constraint(i, k) => spec
            .call_policies
            .get(i)
            .and_then(|p| p.constraints.get(k))
            .map(|c| &c.limit),
        LimitId::TransferValue(i) => spec.transfer_policies.get(i).map(|p| &p.value_limit),
    }
}

/// The usage counters that explain `state` (what the account reports is left of each limit of
/// `spec` at `now`): used = limit - remaining, in the current window for allowances. Enough to
/// predict the next batch.
pub fn usage_from_state(spec: &SessionSpec, state: &SessionState, now: u64) -> Usage {
    let mut usage = Usage::default();
    let mut set = |id: LimitId, limit: &Limit, remaining: U256| match limit {
        Limit::Unlimited => {}
        Limit::Lifetime(l) => usage.set(
            id,
            Counter {
                used: l.saturating_sub(remaining),
                window: 0,
            },
        ),
        Limit::Allowance { limit, period } => usage.set(
            id,
            Counter {
                used: limit.saturating_sub(remaining),
                window: now.checked_div(*period).unwrap_or(0),
            },
        ),
    };
    for (i, p) in spec.transfer_policies.iter().enumerate() {
        if let Some(s) = state.transfer_value.get(i) {
            set(LimitId::TransferValue(i), &p.value_limit, s.remaining);
        }
    }
    let mut params = state.call_params.iter();
    for (i, p) in spec.call_policies.iter().enumerate() {
        if let Some(s) = state.call_value.get(i) {
            set(LimitId::CallValue(i), &p.value_limit, s.remaining);
        }
        for (k, c) in p.constraints.iter().enumerate() {
            if !c.limit.is_unlimited() {
                if let Some(s) = params.next() {
                    set(LimitId::Constraint(i, k), &c.limit, s.remaining);
                }
            }
        }
    }
    usage
}

/// What the account's `validateUserOp` decides for a session key's user operation, before
/// any call runs: the rules the account checks in validation (ERC-7562 lets it read only the
/// operation and its own storage), in the contract's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserOpValidation {
    /// Valid until the session's expiry (the EntryPoint refuses it at or after, AA22).
    Valid,
    /// The nonce's key (`nonce >> 64`) is not the signer's address: a session's operations
    /// use their own key, so a session key cannot use up the owner's nonces.
    WrongNonceKey,
    /// A scoped session's operation without a paymaster: the account never pays gas for it.
    NeedsPaymaster,
    /// A paymaster the owner did not allow for the session.
    PaymasterNotAllowed,
    /// The operation's maximum cost (its prefund: the five gas limits times `maxFeePerGas`)
    /// is above the paymaster's `maxCostPerOp` for the session.
    CostAboveCap,
}

impl UserOpValidation {
    /// Whether the account accepts the operation (the EntryPoint reports anything else as
    /// `AA24 signature error`).
    pub fn is_valid(self) -> bool {
        self == UserOpValidation::Valid
    }
}

/// The facts of a user operation that the account's validation reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserOpFacts {
    /// The full ERC-4337 nonce (key << 64 | sequence).
    pub nonce: U256,
    /// The paymaster of `paymasterAndData`, if any.
    pub paymaster: Option<Address>,
    /// The operation's maximum cost in wei: (verificationGasLimit + callGasLimit +
    /// preVerificationGas + paymasterVerificationGasLimit + paymasterPostOpGasLimit) ×
    /// maxFeePerGas.
    pub max_cost: U256,
}

/// Predicts `validateUserOp` for an operation signed by `spec.signer`'s live session, given
/// the paymasters the owner allowed for it (each with its `maxCostPerOp`).
pub fn validate_user_op(
    spec: &SessionSpec,
    allowed_paymasters: &[(Address, U256)],
    op: &UserOpFacts,
) -> UserOpValidation {
    if op.nonce >> 64 != U256::from_be_slice(spec.signer.as_slice()) {
        return UserOpValidation::WrongNonceKey;
    }
    if spec.wildcard {
        return UserOpValidation::Valid;
    }
    let Some(paymaster) = op.paymaster else {
        return UserOpValidation::NeedsPaymaster;
    };
    match allowed_paymasters.iter().find(|(p, _)| *p == paymaster) {
        None => UserOpValidation::PaymasterNotAllowed,
        Some((_, cap)) if op.max_cost > *cap => UserOpValidation::CostAboveCap,
        Some(_) => UserOpValidation::Valid,
    }
}

impl UserOpFacts {
    /// The facts of a packed user operation.
    pub fn of(op: &crate::contracts::SessionAccount::PackedUserOperation) -> Self {
        let low = |w: &B256| U256::from_be_slice(&w.0[16..]);
        let high = |w: &B256| U256::from_be_slice(&w.0[..16]);
        let pmd = &op.paymasterAndData;
        let (paymaster, pm_gas) = if pmd.len() >= 52 {
            let word = B256::from_slice(&pmd[20..52]);
            (
                Some(Address::from_slice(&pmd[..20])),
                high(&word) + low(&word),
            )
        } else {
            (None, U256::ZERO)
        };
        let gas =
            high(&op.accountGasLimits) + low(&op.accountGasLimits) + op.preVerificationGas + pm_gas;
        UserOpFacts {
            nonce: op.nonce,
            paymaster,
            max_cost: gas.saturating_mul(low(&op.gasFees)),
        }
    }
}

#[cfg(test)]
mod user_op_tests {
    use super::*;
    use crate::policy::CallPolicy;

    fn spec(wildcard: bool) -> SessionSpec {
        let b = SessionSpec::builder(Address::repeat_byte(0x22)).expires_at(2_000);
        let b = if wildcard {
            b.wildcard()
        } else {
            b.call(CallPolicy::function(Address::repeat_byte(0x33), "f()").unwrap())
        };
        b.build_at(1_000).unwrap()
    }

    fn facts(key: Address, paymaster: Option<Address>, max_cost: u64) -> UserOpFacts {
        UserOpFacts {
            nonce: (U256::from_be_slice(key.as_slice()) << 64) | U256::from(3),
            paymaster,
            max_cost: U256::from(max_cost),
        }
    }

    #[test]
    fn validation_follows_the_nonce_key_and_paymaster_rules() {
        let (key, pm, other) = (
            Address::repeat_byte(0x22),
            Address::repeat_byte(0x99),
            Address::repeat_byte(0x98),
        );
        let scoped = spec(false);
        let allowed = [(pm, U256::from(1_000))];
        let v = |s: &SessionSpec, f: UserOpFacts| validate_user_op(s, &allowed, &f);
        assert_eq!(
            v(&scoped, facts(key, Some(pm), 1_000)),
            UserOpValidation::Valid
        );
        assert_eq!(
            v(&scoped, facts(key, Some(pm), 1_001)),
            UserOpValidation::CostAboveCap
        );
        assert_eq!(
            v(&scoped, facts(key, Some(other), 1)),
            UserOpValidation::PaymasterNotAllowed
        );
        assert_eq!(
            v(&scoped, facts(key, None, 1)),
            UserOpValidation::NeedsPaymaster
        );
        // The owner's key 0 (or any other key) is refused for a session.
        assert_eq!(
            v(&scoped, facts(Address::ZERO, Some(pm), 1)),
            UserOpValidation::WrongNonceKey
        );
        // A wildcard session may go without a paymaster, but not on another key.
        let wildcard = spec(true);
        assert!(v(&wildcard, facts(key, None, u64::MAX)).is_valid());
        assert_eq!(
            v(&wildcard, facts(other, None, 1)),
            UserOpValidation::WrongNonceKey
        );
    }
}
