//! The session policy model: what a session key may do, built and validated in Rust.
//!
//! A [`SessionSpec`] names a signer, an expiry, and either `wildcard` (any call but to the account
//! itself) or a list of [`CallPolicy`]s (target + selector, with value caps and [`Constraint`]s on
//! the call's parameters) and [`TransferPolicy`]s (plain value transfers to a target). Every
//! amount can be capped by a [`Limit`]: unlimited, a lifetime total, or an allowance per time
//! window.
//!
//! Builders validate once, at `build()`, and say which field is wrong and why:
//!
//! ```
//! use alloy::primitives::{address, U256};
//! use sessionkit::policy::{CallPolicy, Condition, Limit, SessionSpec, TransferPolicy};
//!
//! let token = address!("0x3333333333333333333333333333333333333333");
//! let bob = address!("0x4444444444444444444444444444444444444444");
//! let spec = SessionSpec::builder(address!("0x2222222222222222222222222222222222222222"))
//!     .expires_at(1_900_000_000)
//!     .call(
//!         CallPolicy::function(token, "transfer(address,uint256)")?
//!             .constraint(0, Condition::Equal, bob)
//!             .constraint_limited(1, Condition::LessOrEqual, U256::from(1000), Limit::allowance(U256::from(10_000), 86_400)),
//!     )
//!     .transfer(TransferPolicy::new(bob).max_value_per_use(U256::from(100_000)))
//!     .build_at(1_800_000_000)?;
//! assert_eq!(spec.call_policies[0].selector.to_string(), "0xa9059cbb");
//! # Ok::<(), sessionkit::policy::SpecError>(())
//! ```
//!
//! The serde form is JSON a person can write by hand: addresses as hex, amounts as decimal
//! strings or with units (`"0.5 ether"`), periods as durations (`"1d"`), expiries as unix seconds
//! or RFC 3339 dates, words as numbers, addresses or 32-byte hex. [`SessionSpec::from_json`]
//! reports errors with the path of the bad field.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use alloy::json_abi::Function;
use alloy::primitives::{Address, FixedBytes, B256, U256};
use serde::{Deserialize, Serialize};

use crate::params;
use crate::typed;
use crate::units;

/// An amount: a `U256` or any unsigned integer.
pub trait Amount {
    /// The amount as a `U256`.
    fn into_u256(self) -> U256;
}

impl Amount for U256 {
    fn into_u256(self) -> U256 {
        self
    }
}

macro_rules! amount_uint {
    ($($t:ty),*) => {$(
        impl Amount for $t {
            fn into_u256(self) -> U256 {
                U256::from(self)
            }
        }
    )*};
}
amount_uint!(u8, u16, u32, u64, u128, usize);

/// How much a limit lets through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Limit {
    /// No cap.
    #[default]
    Unlimited,
    /// A cap on the total over the session's life.
    Lifetime(U256),
    /// A cap on the total within each window of `period` seconds (windows are
    /// `block.timestamp / period`, so they start at multiples of `period`).
    Allowance {
        /// The cap per window.
        limit: U256,
        /// The window length in seconds (must be at least 1).
        period: u64,
    },
}

impl Limit {
    /// A lifetime cap of `limit`.
    pub fn lifetime(limit: impl Amount) -> Self {
        Limit::Lifetime(limit.into_u256())
    }

    /// An allowance of `limit` per `period` seconds.
    pub fn allowance(limit: impl Amount, period: u64) -> Self {
        Limit::Allowance {
            limit: limit.into_u256(),
            period,
        }
    }

    /// The limit type as the contract encodes it (0 Unlimited, 1 Lifetime, 2 Allowance).
    pub fn type_id(&self) -> u8 {
        match self {
            Limit::Unlimited => 0,
            Limit::Lifetime(_) => 1,
            Limit::Allowance { .. } => 2,
        }
    }

    /// The cap (0 for Unlimited, as the contract's struct holds it).
    pub fn amount(&self) -> U256 {
        match self {
            Limit::Unlimited => U256::ZERO,
            Limit::Lifetime(limit) | Limit::Allowance { limit, .. } => *limit,
        }
    }

    /// The window length (0 unless Allowance).
    pub fn period(&self) -> u64 {
        match self {
            Limit::Allowance { period, .. } => *period,
            _ => 0,
        }
    }

    /// Whether the limit counts usage at all.
    pub fn is_unlimited(&self) -> bool {
        matches!(self, Limit::Unlimited)
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::Unlimited => f.write_str("unlimited"),
            Limit::Lifetime(limit) => write!(f, "{} in total", units::display_amount(*limit)),
            Limit::Allowance { limit, period } => write!(
                f,
                "{} per {}",
                units::display_amount(*limit),
                units::format_duration(*period)
            ),
        }
    }
}

/// How a constraint compares a call parameter (as an unsigned 256-bit word) with its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// Any value (the constraint only meters the parameter against its limit).
    #[serde(alias = "any", alias = "*")]
    Unconstrained,
    /// `param == value`.
    #[serde(alias = "eq", alias = "==")]
    Equal,
    /// `param > value`.
    #[serde(alias = "gt", alias = ">")]
    Greater,
    /// `param < value`.
    #[serde(alias = "lt", alias = "<")]
    Less,
    /// `param >= value`.
    #[serde(alias = "gte", alias = ">=")]
    GreaterOrEqual,
    /// `param <= value`.
    #[serde(alias = "lte", alias = "<=")]
    LessOrEqual,
    /// `param != value`.
    #[serde(alias = "ne", alias = "!=")]
    NotEqual,
}

impl Condition {
    /// Every condition, in the order of the contract's enum.
    pub const ALL: [Condition; 7] = [
        Condition::Unconstrained,
        Condition::Equal,
        Condition::Greater,
        Condition::Less,
        Condition::GreaterOrEqual,
        Condition::LessOrEqual,
        Condition::NotEqual,
    ];

    /// The contract's encoding (0 Unconstrained … 6 NotEqual).
    pub fn id(self) -> u8 {
        self as u8
    }

    /// The condition encoded as `id`, if there is one.
    pub fn from_id(id: u8) -> Option<Self> {
        Self::ALL.get(usize::from(id)).copied()
    }

    /// Whether `param` satisfies the condition against `value` (unsigned comparison).
    pub fn holds(self, param: B256, value: B256) -> bool {
        let (p, v) = (U256::from_be_bytes(param.0), U256::from_be_bytes(value.0));
        match self {
            Condition::Unconstrained => true,
            Condition::Equal => p == v,
            Condition::Greater => p > v,
            Condition::Less => p < v,
            Condition::GreaterOrEqual => p >= v,
            Condition::LessOrEqual => p <= v,
            Condition::NotEqual => p != v,
        }
    }

    /// The comparison as an operator (`==`, `<=`, …; `any` for Unconstrained).
    pub fn symbol(self) -> &'static str {
        match self {
            Condition::Unconstrained => "any",
            Condition::Equal => "==",
            Condition::Greater => ">",
            Condition::Less => "<",
            Condition::GreaterOrEqual => ">=",
            Condition::LessOrEqual => "<=",
            Condition::NotEqual => "!=",
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// A condition on one parameter of a call: the 32-byte word at `4 + 32 * index` of the
/// calldata, compared with `value`, and charged to `limit` as an amount.
///
/// In JSON, a constraint names its word by `"index"` or, when its policy gives a `"function"`
/// signature with parameter names (`"transfer(address to, uint256 amount)"`), by `"param"`
/// (`"amount"`, as [`params`](crate::params) names words; a signature names no tuple members, so
/// those go by position: `"order.1"` or `"order_1"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constraint {
    /// The parameter's word index in the calldata after the selector.
    #[serde(default = "Constraint::unresolved")]
    pub index: u64,
    /// The parameter's name, when the constraint was written by name (typed builders, the JSON
    /// form's `"param"`): for messages only; the account sees the index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
    /// The comparison.
    pub condition: Condition,
    /// The reference value (a number, an address left-padded, or a raw word).
    #[serde(with = "units::word", default)]
    pub value: B256,
    /// The cap on the sum of this parameter's values (e.g. the amounts transferred).
    #[serde(default, skip_serializing_if = "Limit::is_unlimited")]
    pub limit: Limit,
}

impl Constraint {
    /// A constraint on parameter word `index`, without a limit.
    pub fn new(index: u64, condition: Condition, value: impl IntoWord) -> Self {
        Constraint {
            index,
            param: None,
            condition,
            value: value.into_word(),
            limit: Limit::Unlimited,
        }
    }

    /// The index of a JSON constraint that gave neither `"index"` nor `"param"` (yet).
    const UNRESOLVED: u64 = u64::MAX;

    fn unresolved() -> u64 {
        Self::UNRESOLVED
    }

    /// Caps the sum of the parameter's values.
    pub fn limit(mut self, limit: Limit) -> Self {
        self.limit = limit;
        self
    }
}

/// A value that can be a constraint's 32-byte reference word.
pub trait IntoWord {
    /// The ABI word for this value.
    fn into_word(self) -> B256;
}

impl IntoWord for B256 {
    fn into_word(self) -> B256 {
        self
    }
}

impl IntoWord for Address {
    fn into_word(self) -> B256 {
        Address::into_word(&self)
    }
}

impl IntoWord for U256 {
    fn into_word(self) -> B256 {
        B256::from(self)
    }
}

impl IntoWord for bool {
    fn into_word(self) -> B256 {
        B256::from(U256::from(u8::from(self)))
    }
}

macro_rules! into_word_uint {
    ($($t:ty),*) => {$(
        impl IntoWord for $t {
            fn into_word(self) -> B256 {
                B256::from(U256::from(self))
            }
        }
    )*};
}
into_word_uint!(u8, u16, u32, u64, u128);

/// What a session may call: one (target, selector) pair, with value caps and parameter
/// constraints. The first policy matching a call's target and selector applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallPolicy {
    /// The contract called.
    pub target: Address,
    /// The function selector. In JSON it may be left out when `"function"` is given.
    #[serde(default)]
    pub selector: FixedBytes<4>,
    /// The function's Solidity signature, when known (`transfer(address,uint256)`): lets
    /// validation check constraint indexes. In JSON, `"function"` may replace `"selector"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    /// The most value one call may send.
    #[serde(with = "units::amount", default)]
    pub max_value_per_use: U256,
    /// The cap on the total value sent through this policy.
    #[serde(default, skip_serializing_if = "Limit::is_unlimited")]
    pub value_limit: Limit,
    /// Conditions on the call's parameters, all of which must hold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<Constraint>,
}

impl CallPolicy {
    /// A policy for `selector` on `target` (no value, no constraints).
    pub fn new(target: Address, selector: impl Into<FixedBytes<4>>) -> Self {
        CallPolicy {
            target,
            selector: selector.into(),
            function: None,
            max_value_per_use: U256::ZERO,
            value_limit: Limit::Unlimited,
            constraints: Vec::new(),
        }
    }

    /// A policy for the function with Solidity signature `signature` (e.g.
    /// `"transfer(address,uint256)"`) on `target`: the selector is computed, and `build()` can
    /// check that constraints name real, word-sized parameters.
    pub fn function(target: Address, signature: &str) -> Result<Self, SpecError> {
        let parsed = parse_function(signature)?;
        let mut policy = CallPolicy::new(target, parsed.selector());
        policy.function = Some(parsed.signature());
        Ok(policy)
    }

    /// The most value one call may send.
    pub fn max_value_per_use(mut self, value: impl Amount) -> Self {
        self.max_value_per_use = value.into_u256();
        self
    }

    /// Caps the total value sent through this policy.
    pub fn value_limit(mut self, limit: Limit) -> Self {
        self.value_limit = limit;
        self
    }

    /// Adds a constraint on parameter word `index`.
    pub fn constraint(self, index: u64, condition: Condition, value: impl IntoWord) -> Self {
        self.with_constraint(Constraint::new(index, condition, value))
    }

    /// Adds a constraint on parameter word `index` whose values are also capped by `limit`.
    pub fn constraint_limited(
        self,
        index: u64,
        condition: Condition,
        value: impl IntoWord,
        limit: Limit,
    ) -> Self {
        self.with_constraint(Constraint::new(index, condition, value).limit(limit))
    }

    /// Adds a constraint.
    pub fn with_constraint(mut self, constraint: Constraint) -> Self {
        self.constraints.push(constraint);
        self
    }
}

/// What a session may send as plain value (calldata shorter than 4 bytes) to one target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferPolicy {
    /// The recipient.
    pub target: Address,
    /// The most value one transfer may send.
    #[serde(with = "units::amount", default)]
    pub max_value_per_use: U256,
    /// The cap on the total sent to this target.
    #[serde(default, skip_serializing_if = "Limit::is_unlimited")]
    pub value_limit: Limit,
}

impl TransferPolicy {
    /// A transfer policy for `target` (per-use cap 0 until set).
    pub fn new(target: Address) -> Self {
        TransferPolicy {
            target,
            max_value_per_use: U256::ZERO,
            value_limit: Limit::Unlimited,
        }
    }

    /// The most value one transfer may send.
    pub fn max_value_per_use(mut self, value: impl Amount) -> Self {
        self.max_value_per_use = value.into_u256();
        self
    }

    /// Caps the total sent to this target.
    pub fn value_limit(mut self, limit: Limit) -> Self {
        self.value_limit = limit;
        self
    }
}

/// A session: what `signer` may do on the account until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionSpec {
    /// The session key's address.
    pub signer: Address,
    /// Any call but to the account itself, without policies.
    #[serde(default)]
    pub wildcard: bool,
    /// Unix time at which the session stops working (it works while `now < expires_at`).
    #[serde(with = "units::timestamp")]
    pub expires_at: u64,
    /// Allowed calls; the first policy matching (target, selector) applies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub call_policies: Vec<CallPolicy>,
    /// Allowed plain value transfers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transfer_policies: Vec<TransferPolicy>,
    /// Single-use id of this grant (random unless given).
    #[serde(default = "random_uid")]
    pub uid: B256,
}

fn random_uid() -> B256 {
    B256::random()
}

impl SessionSpec {
    /// Starts a session for `signer`. Give an expiry, then policies (or `wildcard()`).
    pub fn builder(signer: Address) -> SessionBuilder {
        SessionBuilder {
            spec: SessionSpec {
                signer,
                wildcard: false,
                expires_at: 0,
                call_policies: Vec::new(),
                transfer_policies: Vec::new(),
                uid: B256::ZERO,
            },
            expires_in: None,
            uid_given: false,
        }
    }

    /// Parses the JSON form; errors name the path of the bad field
    /// (`call_policies[0].max_value_per_use: …`). Does not validate: call [`validate`](Self::validate).
    ///
    /// A top-level `"lint"` member (the rules the spec's own review silences, read by
    /// [`lint::allowed_in_json`](crate::lint::allowed_in_json)) is ignored.
    pub fn from_json(json: &str) -> Result<Self, SpecError> {
        let without_lint;
        let json = match serde_json::from_str::<serde_json::Value>(json) {
            Ok(serde_json::Value::Object(mut members)) if members.contains_key("lint") => {
                members.remove("lint");
                without_lint = serde_json::Value::Object(members).to_string();
                without_lint.as_str()
            }
            _ => json,
        };
        let de = &mut serde_json::Deserializer::from_str(json);
        let spec: SessionSpec = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            SpecError::Json {
                path: if path == "." { String::new() } else { path },
                message: e.into_inner().to_string(),
            }
        })?;
        for (i, policy) in spec.call_policies.iter().enumerate() {
            if policy.function.is_none() && policy.selector == FixedBytes::ZERO {
                return Err(SpecError::Json {
                    path: format!("call_policies[{i}]"),
                    message: "give \"selector\" (\"0xa9059cbb\") or \"function\" (\"transfer(address,uint256)\")".into(),
                });
            }
        }
        spec.resolve_functions()
    }

    /// Reviews the spec for what the guide's policy design warns about (a wildcard, a far
    /// expiry, unbounded approvals, …): advice, never an error; see [`lint`](crate::lint).
    pub fn lint(&self, context: &crate::lint::Context) -> Vec<crate::lint::Finding> {
        crate::lint::lint(self, context)
    }

    /// The JSON form (pretty-printed).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a SessionSpec always serializes")
    }

    /// Fills selectors from `function` signatures and checks that both agree.
    fn resolve_functions(mut self) -> Result<Self, SpecError> {
        for (i, policy) in self.call_policies.iter_mut().enumerate() {
            let at = format!("call_policies[{i}]");
            let Some(signature) = &policy.function else {
                for (k, c) in policy.constraints.iter().enumerate() {
                    if c.param.is_some() && c.index == Constraint::UNRESOLVED {
                        return Err(SpecError::Invalid {
                            field: format!("{at}.constraints[{k}].param"),
                            reason: "a constraint by \"param\" needs the policy's \"function\", with parameter names (\"transfer(address to, uint256 amount)\")".into(),
                        });
                    }
                }
                continue;
            };
            let parsed = parse_function(signature).map_err(|e| e.at(format!("{at}.function")))?;
            if policy.selector != FixedBytes::ZERO && policy.selector != parsed.selector() {
                return Err(SpecError::Invalid {
                    field: format!("{at}.selector"),
                    reason: format!(
                        "{} does not match function {} (selector {})",
                        policy.selector,
                        parsed.signature(),
                        parsed.selector()
                    ),
                });
            }
            let layout = params::layout(&parsed, params::BUILDER_METHODS).map_err(|reason| {
                SpecError::Invalid {
                    field: format!("{at}.function"),
                    reason,
                }
            })?;
            let mut resolved: Vec<Constraint> = Vec::with_capacity(policy.constraints.len());
            for (k, mut c) in std::mem::take(&mut policy.constraints)
                .into_iter()
                .enumerate()
            {
                let cat = format!("{at}.constraints[{k}]");
                let Some(name) = c.param.clone() else {
                    if c.index == Constraint::UNRESOLVED {
                        return Err(SpecError::Invalid {
                            field: cat,
                            reason: "give the parameter's \"index\" (its word after the selector) or its \"param\" name".into(),
                        });
                    }
                    resolved.push(c);
                    continue;
                };
                if c.index != Constraint::UNRESOLVED {
                    // Written with its index (as the typed builders do): the name is a label,
                    // checked only when the signature names that word.
                    if let Some(word) = layout.word(&name).filter(|w| w.index != c.index) {
                        return Err(SpecError::Invalid {
                            field: format!("{cat}.index"),
                            reason: format!(
                                "{} is not the word of param {name:?}, which is {}: give one of them",
                                c.index, word.index
                            ),
                        });
                    }
                    resolved.push(c);
                    continue;
                }
                let Some(word) = layout.word(&name) else {
                    let names: Vec<&str> = layout.words.iter().map(|w| w.name.as_str()).collect();
                    return Err(SpecError::Invalid {
                        field: format!("{cat}.param"),
                        reason: format!(
                            "{} has no parameter word {name:?}: its words are {}",
                            parsed.signature(),
                            if names.is_empty() {
                                "none".to_owned()
                            } else {
                                names.join(", ")
                            }
                        ),
                    });
                };
                c.index = word.index;
                c.param = Some(word.name.clone());
                let guard = typed::range_guard(c.condition, word.ty, word.index, Some(&word.name));
                resolved.push(c);
                if let Some(guard) = guard {
                    resolved.push(guard);
                }
            }
            // A guard written out already (a spec read back from its own JSON) is kept once.
            let mut deduped: Vec<Constraint> = Vec::with_capacity(resolved.len());
            for c in resolved {
                let is_guard = c.condition == Condition::LessOrEqual && c.limit.is_unlimited();
                if is_guard && deduped.contains(&c) {
                    continue;
                }
                deduped.push(c);
            }
            policy.constraints = deduped;
            policy.selector = parsed.selector();
            policy.function = Some(parsed.signature());
        }
        Ok(self)
    }

    /// Checks the spec as the builders do, with `now` as the current unix time.
    pub fn validate(&self, now: u64) -> Result<(), SpecError> {
        let invalid = |field: String, reason: String| Err(SpecError::Invalid { field, reason });
        if self.signer == Address::ZERO {
            return invalid(
                "signer".into(),
                "is the zero address: give the session key's address".into(),
            );
        }
        if self.expires_at <= now {
            return invalid(
                "expires_at".into(),
                format!(
                    "{} is not after now ({now}): give a time in the future, e.g. expires_in(Duration::from_secs(3600))",
                    self.expires_at
                ),
            );
        }
        if self.wildcard && !(self.call_policies.is_empty() && self.transfer_policies.is_empty()) {
            return invalid(
                "wildcard".into(),
                "a wildcard session ignores its policies: remove the policies, or drop wildcard to enforce them".into(),
            );
        }
        for (i, policy) in self.call_policies.iter().enumerate() {
            let at = format!("call_policies[{i}]");
            if let Some(j) = self.call_policies[..i]
                .iter()
                .position(|p| p.target == policy.target && p.selector == policy.selector)
            {
                return invalid(
                    at,
                    format!(
                        "has the same target and selector as call_policies[{j}] ({} {}): the first match wins, so it would never apply; merge them",
                        policy.target, policy.selector
                    ),
                );
            }
            check_limit(&policy.value_limit, &format!("{at}.value_limit"))?;
            let layout = match &policy.function {
                Some(signature) => Some(
                    parse_function(signature)
                        .and_then(|f| {
                            params::layout(&f, params::BUILDER_METHODS).map_err(|reason| {
                                SpecError::Invalid {
                                    field: "function".into(),
                                    reason,
                                }
                            })
                        })
                        .map_err(|e| e.at(format!("{at}.function")))?,
                ),
                None => None,
            };
            for (k, constraint) in policy.constraints.iter().enumerate() {
                let cat = format!("{at}.constraints[{k}]");
                check_limit(&constraint.limit, &format!("{cat}.limit"))?;
                let Some(layout) = &layout else { continue };
                let function = policy.function.as_deref().unwrap_or_default();
                if constraint.index >= layout.head_words {
                    return invalid(
                        format!("{cat}.index"),
                        format!(
                            "{} is past the parameters of {function}, which has {} word(s) (indexes 0..{})",
                            constraint.index,
                            layout.head_words,
                            layout.head_words.saturating_sub(1)
                        ),
                    );
                }
                if let Some(param) = layout.param_at(constraint.index).filter(|p| p.dynamic) {
                    return invalid(
                        format!("{cat}.index"),
                        format!(
                            "{} is the offset of the dynamic parameter {} ({}) of {function}: a 32-byte word cannot constrain bytes, strings or dynamic arrays",
                            constraint.index, param.name, param.sol_ty
                        ),
                    );
                }
            }
        }
        for (i, policy) in self.transfer_policies.iter().enumerate() {
            let at = format!("transfer_policies[{i}]");
            if let Some(j) = self.transfer_policies[..i]
                .iter()
                .position(|p| p.target == policy.target)
            {
                return invalid(
                    at,
                    format!(
                        "has the same target as transfer_policies[{j}] ({}): the first match wins, so it would never apply; merge them",
                        policy.target
                    ),
                );
            }
            check_limit(&policy.value_limit, &format!("{at}.value_limit"))?;
        }
        Ok(())
    }
}

fn check_limit(limit: &Limit, field: &str) -> Result<(), SpecError> {
    if let Limit::Allowance { period: 0, .. } = limit {
        return Err(SpecError::Invalid {
            field: field.to_owned(),
            reason: "an allowance needs a period of at least 1 second, e.g. \"1d\"".into(),
        });
    }
    Ok(())
}

fn parse_function(signature: &str) -> Result<Function, SpecError> {
    Function::parse(signature).map_err(|e| SpecError::Invalid {
        field: "function".into(),
        reason: format!(
            "{signature:?} is not a Solidity function signature: {}",
            parser_message(&e)
        ),
    })
}

/// The gist of a signature parser's error on one line: it prints the input with a caret under
/// the bad character on lines of their own, then what it expected.
pub(crate) fn parser_message(e: &impl fmt::Display) -> String {
    let text = e.to_string();
    text.lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.chars().all(|c| c == '^'))
        .unwrap_or("parser error")
        .to_owned()
}

/// Builds a [`SessionSpec`]; see the [module docs](self).
#[derive(Debug, Clone)]
#[must_use]
pub struct SessionBuilder {
    spec: SessionSpec,
    expires_in: Option<u64>,
    uid_given: bool,
}

impl SessionBuilder {
    /// The session ends at unix time `timestamp`.
    pub fn expires_at(mut self, timestamp: u64) -> Self {
        self.spec.expires_at = timestamp;
        self.expires_in = None;
        self
    }

    /// The session ends `duration` after the time given to `build_at` (or now, for `build`).
    pub fn expires_in(mut self, duration: std::time::Duration) -> Self {
        self.expires_in = Some(duration.as_secs());
        self
    }

    /// Any call but to the account itself (no policies apply).
    pub fn wildcard(mut self) -> Self {
        self.spec.wildcard = true;
        self
    }

    /// Allows a call policy: a [`CallPolicy`], or a generated builder's `build(target)`.
    pub fn call(mut self, policy: impl Into<CallPolicy>) -> Self {
        self.spec.call_policies.push(policy.into());
        self
    }

    /// Allows a transfer policy.
    pub fn transfer(mut self, policy: TransferPolicy) -> Self {
        self.spec.transfer_policies.push(policy);
        self
    }

    /// Uses `uid` as the grant's single-use id instead of 32 random bytes.
    pub fn uid(mut self, uid: B256) -> Self {
        self.spec.uid = uid;
        self.uid_given = true;
        self
    }

    /// Validates against the system clock and returns the spec.
    pub fn build(self) -> Result<SessionSpec, SpecError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        self.build_at(now)
    }

    /// Validates with `now` as the current unix time (use the chain's time when it differs
    /// from the clock, as on a test chain) and returns the spec.
    pub fn build_at(mut self, now: u64) -> Result<SessionSpec, SpecError> {
        if let Some(secs) = self.expires_in {
            self.spec.expires_at = now.saturating_add(secs);
        }
        if !self.uid_given {
            self.spec.uid = random_uid();
        }
        self.spec = self.spec.resolve_functions()?;
        self.spec.validate(now)?;
        Ok(self.spec)
    }
}

impl SessionBuilder {
    /// Like [`build_at`](Self::build_at), and also returns the spec's review at `now`
    /// ([`SessionSpec::lint`]): warnings to show, which never fail the build.
    pub fn build_with_warnings_at(
        self,
        now: u64,
    ) -> Result<(SessionSpec, Vec<crate::lint::Finding>), SpecError> {
        let spec = self.build_at(now)?;
        let findings = spec.lint(&crate::lint::Context::at(now));
        Ok((spec, findings))
    }
}

/// Why a session spec was rejected before anything was signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// A field's value breaks a rule.
    #[error("session spec: {field}: {reason}")]
    Invalid {
        /// The field's path, as in the JSON form (`call_policies[0].constraints[1].index`).
        field: String,
        /// What is wrong and what to do.
        reason: String,
    },
    /// The JSON form could not be read.
    #[error("session spec JSON: {}{message}", if path.is_empty() { String::new() } else { format!("{path}: ") })]
    Json {
        /// The path of the bad field (empty for the document itself).
        path: String,
        /// What is wrong.
        message: String,
    },
}

impl SpecError {
    fn at(self, field: String) -> Self {
        match self {
            SpecError::Invalid { reason, .. } => SpecError::Invalid { field, reason },
            other => other,
        }
    }
}

// ---- serde of Limit --------------------------------------------------------------------------

/// `"unlimited"`, `{"lifetime": AMOUNT}` or `{"allowance": AMOUNT, "period": DURATION}`.
impl Serialize for Limit {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            Limit::Unlimited => serializer.serialize_str("unlimited"),
            Limit::Lifetime(limit) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("lifetime", &units::format_amount(*limit))?;
                map.end()
            }
            Limit::Allowance { limit, period } => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("allowance", &units::format_amount(*limit))?;
                map.serialize_entry("period", &units::format_duration(*period))?;
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Limit {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Form {
            #[serde(default, with = "opt_amount")]
            lifetime: Option<U256>,
            #[serde(default, with = "opt_amount")]
            allowance: Option<U256>,
            #[serde(default, with = "opt_duration")]
            period: Option<u64>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Name(String),
            Form(Form),
        }
        let expected = "expected \"unlimited\", {\"lifetime\": AMOUNT} or {\"allowance\": AMOUNT, \"period\": DURATION}";
        let raw = serde_json::Value::deserialize(deserializer)?;
        match serde_json::from_value::<Raw>(raw.clone()) {
            Ok(Raw::Name(name)) if name == "unlimited" => Ok(Limit::Unlimited),
            Ok(Raw::Form(Form {
                lifetime: Some(limit),
                allowance: None,
                period: None,
            })) => Ok(Limit::Lifetime(limit)),
            Ok(Raw::Form(Form {
                lifetime: None,
                allowance: Some(limit),
                period,
            })) => Ok(Limit::Allowance {
                limit,
                period: period.ok_or_else(|| {
                    serde::de::Error::custom("an allowance needs a \"period\", e.g. \"1d\"")
                })?,
            }),
            _ => {
                // Re-read as the map form to surface the field's own error when there is one.
                if raw.is_object() {
                    if let Err(e) = serde_json::from_value::<Form>(raw) {
                        return Err(serde::de::Error::custom(format!("{e}; {expected}")));
                    }
                }
                Err(serde::de::Error::custom(expected))
            }
        }
    }
}

mod opt_amount {
    use alloy::primitives::U256;
    use serde::Deserializer;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<U256>, D::Error> {
        crate::units::amount::deserialize(d).map(Some)
    }
}

mod opt_duration {
    use serde::Deserializer;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        crate::units::duration::deserialize(d).map(Some)
    }
}
