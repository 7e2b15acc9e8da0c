//! What a refusal means, in the scenario's own words: the error decoded with its arguments,
//! the constraint or limit it belongs to named from the spec (`ConditionFailed on amount
//! (<= 100): got 101`), addresses by the names the file uses.

use alloy::dyn_abi::{DynSolType, DynSolValue, JsonAbiExt};
use alloy::json_abi::{Function, JsonAbi};
use alloy::primitives::{Address, B256, U256};
use sessionkit::params::{self, WordType};
use sessionkit::policy::{Condition, Limit, SessionSpec};
use sessionkit::simulator::{Decision, Denied, LimitId, PolicyRef};
use sessionkit::units::display_amount;
use sessionkit::{AccountError, Call};

use super::{Expect, ExpectedArgs, Names};
use crate::harness::ChainRefusal;

/// A refusal decoded against the ABIs a scenario knows.
#[derive(Debug, Clone)]
pub(crate) struct Refusal {
    /// The error's name (`ConditionFailed`), or `revert` for data no ABI explains.
    pub name: String,
    /// Its arguments with their Solidity names.
    pub args: Vec<(String, DynSolValue)>,
    /// The account's error, when it is one of ours.
    pub typed: Option<AccountError>,
    /// Raw revert data no ABI explains.
    pub raw: Option<alloy::primitives::Bytes>,
}

/// Where in a spec a denial arose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Spot {
    /// The call of the batch.
    call: Option<usize>,
    /// The policy.
    policy: PolicyRef,
    /// The constraint of a call policy, or `None` for the policy's value limit.
    constraint: Option<usize>,
}

/// Explains outcomes for one run: the names of its addresses, the ABIs of its contracts and the
/// account, the spec in force.
pub(crate) struct Explainer<'a> {
    pub names: &'a Names,
    /// The account's ABI, then each deployed contract's.
    pub abis: Vec<&'a JsonAbi>,
    /// The key's spec as granted, when it has one.
    pub spec: Option<&'a SessionSpec>,
}

impl Explainer<'_> {
    /// Decodes a chain refusal.
    pub fn decode(&self, refusal: &ChainRefusal) -> Refusal {
        match refusal {
            ChainRefusal::Account(e) => {
                let args = self
                    .abis
                    .iter()
                    .flat_map(|abi| abi.errors())
                    .find(|x| x.name == e.name())
                    .map(|x| x.inputs.iter().map(|p| p.name.clone()).collect::<Vec<_>>())
                    .unwrap_or_default();
                let values = account_error_values(e);
                Refusal {
                    name: e.name().to_owned(),
                    args: values
                        .into_iter()
                        .enumerate()
                        .map(|(i, v)| {
                            (args.get(i).cloned().unwrap_or_else(|| format!("arg{i}")), v)
                        })
                        .collect(),
                    typed: Some(e.clone()),
                    raw: None,
                }
            }
            ChainRefusal::Other(data) => {
                let found = data.get(..4).and_then(|selector| {
                    self.abis
                        .iter()
                        .flat_map(|abi| abi.errors())
                        .find(|x| x.selector().as_slice() == selector)
                });
                match found.and_then(|x| Some((x, x.abi_decode_input(&data[4..]).ok()?))) {
                    Some((x, values)) => Refusal {
                        name: x.name.clone(),
                        args: x
                            .inputs
                            .iter()
                            .map(|p| p.name.clone())
                            .zip(values)
                            .collect(),
                        typed: AccountError::decode(data),
                        raw: None,
                    },
                    None => Refusal {
                        name: "revert".into(),
                        args: Vec::new(),
                        typed: None,
                        raw: Some(data.clone()),
                    },
                }
            }
        }
    }

    /// Where the denial `e` of `calls` arose: the simulator's answer when it gave the same
    /// error, else the constraint or limit whose values the error carries.
    fn locate(
        &self,
        e: &AccountError,
        calls: &[Call],
        predicted: Option<&Decision>,
    ) -> Option<Spot> {
        let spec = self.spec?;
        if let Some(Decision::Denied(d)) = predicted {
            if &d.error == e {
                if let Some(spot) = spot_of(d) {
                    return Some(spot);
                }
            }
        }
        let policy_of = |call: &Call| -> Option<usize> {
            let selector = call.selector()?;
            spec.call_policies
                .iter()
                .position(|p| p.target == call.target && p.selector.0 == selector)
        };
        for (ci, call) in calls.iter().enumerate() {
            if call.data.len() < 4 {
                if let AccountError::LifetimeUsageExceeded { limit, .. }
                | AccountError::AllowanceExceeded { limit, .. } = e
                {
                    if let Some(i) = spec
                        .transfer_policies
                        .iter()
                        .position(|p| p.target == call.target && p.value_limit.amount() == *limit)
                    {
                        return Some(Spot {
                            call: Some(ci),
                            policy: PolicyRef::Transfer(i),
                            constraint: None,
                        });
                    }
                }
                continue;
            }
            let Some(i) = policy_of(call) else { continue };
            let policy = &spec.call_policies[i];
            for (k, c) in policy.constraints.iter().enumerate() {
                let word = word_at(call, c.index);
                let hit = match e {
                    AccountError::ConditionFailed {
                        param,
                        ref_value,
                        condition,
                    } => {
                        *condition == c.condition.id()
                            && *ref_value == c.value
                            && word == Some(*param)
                    }
                    AccountError::LifetimeUsageExceeded { limit, .. } => {
                        matches!(c.limit, Limit::Lifetime(l) if l == *limit)
                    }
                    AccountError::AllowanceExceeded { limit, .. } => {
                        matches!(c.limit, Limit::Allowance { limit: l, .. } if l == *limit)
                    }
                    AccountError::InvalidDataLength { .. } => word.is_none(),
                    _ => false,
                };
                if hit {
                    return Some(Spot {
                        call: Some(ci),
                        policy: PolicyRef::Call(i),
                        constraint: Some(k),
                    });
                }
            }
            let value_hit = match e {
                AccountError::LifetimeUsageExceeded { limit, .. }
                | AccountError::AllowanceExceeded { limit, .. } => {
                    policy.value_limit.amount() == *limit && !policy.value_limit.is_unlimited()
                }
                _ => false,
            };
            if value_hit {
                return Some(Spot {
                    call: Some(ci),
                    policy: PolicyRef::Call(i),
                    constraint: None,
                });
            }
        }
        None
    }

    /// The parameter name of the constraint a denial is about, when it is about one.
    fn param_of(
        &self,
        e: &AccountError,
        calls: &[Call],
        predicted: Option<&Decision>,
    ) -> Option<String> {
        let spot = self.locate(e, calls, predicted)?;
        let (PolicyRef::Call(i), Some(k)) = (spot.policy, spot.constraint) else {
            return None;
        };
        let c = &self.spec?.call_policies[i].constraints[k];
        Some(
            c.param
                .clone()
                .unwrap_or_else(|| format!("word {}", c.index)),
        )
    }

    /// A refusal as the author reads it.
    pub fn describe(&self, r: &Refusal, calls: &[Call], predicted: Option<&Decision>) -> String {
        if let Some(raw) = &r.raw {
            return if raw.is_empty() {
                "a revert without data".into()
            } else {
                format!("a revert no ABI explains ({raw})")
            };
        }
        if let Some(e) = &r.typed {
            if let Some(text) = self.describe_typed(e, calls, predicted) {
                return text;
            }
        }
        self.generic(r)
    }

    /// `Name(arg: value, …)`.
    fn generic(&self, r: &Refusal) -> String {
        if r.args.is_empty() {
            return r.name.clone();
        }
        let args: Vec<String> = r
            .args
            .iter()
            .map(|(name, v)| format!("{name}: {}", show_dyn(v, Some(self.names))))
            .collect();
        format!("{}({})", r.name, args.join(", "))
    }

    fn describe_typed(
        &self,
        e: &AccountError,
        calls: &[Call],
        predicted: Option<&Decision>,
    ) -> Option<String> {
        let spot = self.locate(e, calls, predicted);
        let spec = self.spec;
        let constraint = spot.and_then(|s| match (s.policy, s.constraint) {
            (PolicyRef::Call(i), Some(k)) => Some((s, i, k)),
            _ => None,
        });
        Some(match e {
            AccountError::ConditionFailed { param, ref_value, condition } => {
                let symbol = Condition::from_id(*condition).map(|c| c.symbol()).unwrap_or("?");
                match constraint {
                    Some((_, i, k)) => {
                        let (name, ty) = self.param_name_and_type(i, k)?;
                        format!(
                            "ConditionFailed on {name} ({symbol} {}): got {}",
                            self.show_word(ref_value, ty),
                            self.show_word(param, ty)
                        )
                    }
                    None => format!(
                        "ConditionFailed: got {}, not {symbol} {}",
                        self.show_word(param, None),
                        self.show_word(ref_value, None)
                    ),
                }
            }
            AccountError::LifetimeUsageExceeded { lifetime_usage, limit } => {
                let (on, got) = self.limit_subject(spot, calls)?;
                format!(
                    "LifetimeUsageExceeded on {on} ({} in total): {} used, got {got}",
                    self.amount_for(spot, *limit),
                    self.amount_for(spot, *lifetime_usage)
                )
            }
            AccountError::AllowanceExceeded { allowance_usage, limit, window } => {
                let (on, got) = self.limit_subject(spot, calls)?;
                let period = spot
                    .and_then(|s| limit_of(spec?, s))
                    .map(|l| l.period())
                    .unwrap_or_default();
                format!(
                    "AllowanceExceeded on {on} ({} per {}): {} used in window {window}, got {got}",
                    self.amount_for(spot, *limit),
                    sessionkit::units::format_duration(period),
                    self.amount_for(spot, *allowance_usage)
                )
            }
            AccountError::MaxValueExceeded { value, max_value_per_use } => {
                let on = match spot.map(|s| s.call) {
                    Some(Some(c)) => calls.get(c).map(|c| format!(" (a call to {})", self.names.label(c.target))),
                    _ => None,
                }
                .unwrap_or_default();
                format!(
                    "MaxValueExceeded: the value {} is over the cap of {} per call{on}",
                    display_amount(*value),
                    display_amount(*max_value_per_use)
                )
            }
            AccountError::InvalidDataLength { actual_length, expected_length } => match constraint {
                Some((_, i, k)) => {
                    let (name, _) = self.param_name_and_type(i, k)?;
                    format!("InvalidDataLength on {name}: the calldata has {actual_length} bytes, the constraint reads up to byte {expected_length}")
                }
                None => format!("InvalidDataLength: the calldata has {actual_length} bytes, a constraint reads up to byte {expected_length}"),
            },
            AccountError::CallPolicyViolated { target, selector } => {
                let function = self
                    .abis
                    .iter()
                    .flat_map(|abi| abi.functions())
                    .find(|f| f.selector() == *selector)
                    .map(|f| f.signature())
                    .unwrap_or_else(|| selector.to_string());
                format!(
                    "CallPolicyViolated: the session has no policy for {}.{function}",
                    self.names.label(*target)
                )
            }
            AccountError::TransferPolicyViolated { target } => format!(
                "TransferPolicyViolated: the session has no transfer policy for {}",
                self.names.label(*target)
            ),
            _ => return None,
        })
    }

    /// What a limit denial is about, and the amount the call added.
    fn limit_subject(&self, spot: Option<Spot>, calls: &[Call]) -> Option<(String, String)> {
        let spot = spot?;
        let spec = self.spec?;
        let call = spot.call.and_then(|c| calls.get(c));
        match (spot.policy, spot.constraint) {
            (PolicyRef::Call(i), Some(k)) => {
                let (name, ty) = self.param_name_and_type(i, k)?;
                let c = &spec.call_policies[i].constraints[k];
                let got = call
                    .and_then(|call| word_at(call, c.index))
                    .map(|w| self.show_word(&w, ty))
                    .unwrap_or_else(|| "?".into());
                Some((name, got))
            }
            (PolicyRef::Call(i), None) => {
                let policy = &spec.call_policies[i];
                let function = policy
                    .function
                    .clone()
                    .unwrap_or_else(|| policy.selector.to_string());
                let got = call
                    .map(|c| display_amount(c.value))
                    .unwrap_or_else(|| "?".into());
                Some((
                    format!(
                        "the value of {}.{function}",
                        self.names.label(policy.target)
                    ),
                    got,
                ))
            }
            (PolicyRef::Transfer(i), _) => {
                let target = spec.transfer_policies[i].target;
                let got = call
                    .map(|c| display_amount(c.value))
                    .unwrap_or_else(|| "?".into());
                Some((
                    format!("the value sent to {}", self.names.label(target)),
                    got,
                ))
            }
        }
    }

    /// An amount of a limit: ether for value limits, a plain number for a parameter's.
    fn amount_for(&self, spot: Option<Spot>, v: U256) -> String {
        match spot.map(|s| s.constraint) {
            Some(Some(_)) => v.to_string(),
            _ => display_amount(v),
        }
    }

    /// The name and type of constraint `k` of call policy `i`.
    fn param_name_and_type(&self, i: usize, k: usize) -> Option<(String, Option<WordType>)> {
        let policy = self.spec?.call_policies.get(i)?;
        let c = policy.constraints.get(k)?;
        let ty = policy
            .function
            .as_deref()
            .and_then(|f| Function::parse(f).ok())
            .and_then(|f| params::layout(&f, &[]).ok())
            .and_then(|l| l.at(c.index).map(|w| w.ty));
        Some((
            c.param
                .clone()
                .unwrap_or_else(|| format!("word {}", c.index)),
            ty,
        ))
    }

    /// A word as its type reads: an address by name, a number in decimal.
    fn show_word(&self, w: &B256, ty: Option<WordType>) -> String {
        let v = U256::from_be_bytes(w.0);
        match ty {
            Some(WordType::Address) if w.0[..12].iter().all(|b| *b == 0) => {
                self.names.label(Address::from_word(*w))
            }
            Some(WordType::Bool) if v <= U256::from(1) => (v == U256::from(1)).to_string(),
            Some(WordType::Uint(_)) => v.to_string(),
            Some(WordType::Int(bits)) => DynSolType::Int(bits as usize)
                .abi_decode(w.as_slice())
                .map(|d| show_dyn(&d, None))
                .unwrap_or_else(|_| w.to_string()),
            _ => {
                if v < U256::from(1u128 << 100) {
                    v.to_string()
                } else if w.0[..12].iter().all(|b| *b == 0) {
                    self.names.label(Address::from_word(*w))
                } else {
                    w.to_string()
                }
            }
        }
    }

    /// Whether `r` is what `expect` says, or why not (empty when it is another error
    /// altogether: the two names say it).
    pub fn matches(
        &self,
        expect: &Expect,
        r: &Refusal,
        calls: &[Call],
        predicted: Option<&Decision>,
    ) -> Result<(), String> {
        let Expect::Error(want) = expect else {
            return Err(String::new());
        };
        if r.name != want.error.name {
            return Err(String::new());
        }
        let values: Vec<&DynSolValue> = r.args.iter().map(|(_, v)| v).collect();
        let check = |i: usize, expected: &super::Value| -> Result<(), String> {
            let want_v = expected.resolve(self.names)?;
            match values.get(i) {
                Some(got) if **got == want_v => Ok(()),
                Some(got) => Err(format!(
                    "its argument {} is {}, not {}",
                    r.args[i].0,
                    show_dyn(got, Some(self.names)),
                    show_dyn(&want_v, Some(self.names))
                )),
                None => Err(format!("it has no argument {i}")),
            }
        };
        match &want.args {
            ExpectedArgs::Any => {}
            ExpectedArgs::All(vs) => {
                for (i, v) in vs.iter().enumerate() {
                    check(i, v)?;
                }
            }
            ExpectedArgs::Some(vs) => {
                for (i, v) in vs {
                    check(*i, v)?;
                }
            }
        }
        if let Some(p) = &want.param {
            let got = r
                .typed
                .as_ref()
                .and_then(|e| self.param_of(e, calls, predicted));
            match got {
                Some(name) if &name == p => {}
                Some(name) => return Err(format!("it is about {name}, not {p}")),
                None => return Err(format!("it is not about a constraint on {p}")),
            }
        }
        Ok(())
    }

    /// A batch as a person reads it: `token.transfer(bob, 101)`, `bob with 0.01 ether`.
    pub fn describe_calls(&self, calls: &[Call]) -> String {
        let one = |c: &Call| {
            let target = self.names.label(c.target);
            let mut text = match c.selector() {
                None if c.data.is_empty() => target,
                None => format!("{target} with {} bytes of data", c.data.len()),
                Some(selector) => {
                    let function = self
                        .abis
                        .iter()
                        .flat_map(|abi| abi.functions())
                        .find(|f| f.selector().0 == selector);
                    match function {
                        Some(f) => match f.abi_decode_input(&c.data[4..]) {
                            Ok(args) => format!(
                                "{target}.{}({})",
                                f.name,
                                args.iter()
                                    .map(|a| show_dyn(a, Some(self.names)))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                            Err(_) => format!(
                                "{target}.{} with {} bytes of calldata",
                                f.name,
                                c.data.len()
                            ),
                        },
                        None => format!(
                            "{target} with selector {}",
                            alloy::hex::encode_prefixed(selector)
                        ),
                    }
                }
            };
            if !c.value.is_zero() {
                text.push_str(&format!(" with {}", display_amount(c.value)));
            }
            text
        };
        calls.iter().map(one).collect::<Vec<_>>().join(", ")
    }

    /// How the chain answered: `allowed`, or the refusal described.
    pub fn describe_outcome(
        &self,
        chain: &Result<u64, ChainRefusal>,
        calls: &[Call],
        predicted: Option<&Decision>,
    ) -> String {
        match chain {
            Ok(_) => "allowed".into(),
            Err(refusal) => {
                let r = self.decode(refusal);
                self.describe(&r, calls, predicted)
            }
        }
    }

    /// The simulator's decision as the author reads it.
    pub fn describe_decision(&self, d: &Decision, calls: &[Call]) -> String {
        match d {
            Decision::Allowed { .. } => "allowed".into(),
            Decision::Denied(denied) => {
                let r = self.decode(&ChainRefusal::Account(denied.error.clone()));
                self.describe(&r, calls, Some(d))
            }
        }
    }
}

/// The spot a simulator denial names.
fn spot_of(d: &Denied) -> Option<Spot> {
    let policy = d.policy?;
    let constraint = match d.limit {
        Some(LimitId::Constraint(_, k)) => Some(k),
        Some(LimitId::CallValue(_)) | Some(LimitId::TransferValue(_)) => None,
        None => d.constraint,
    };
    Some(Spot {
        call: d.call,
        policy,
        constraint,
    })
}

fn limit_of(spec: &SessionSpec, spot: Spot) -> Option<Limit> {
    match (spot.policy, spot.constraint) {
        (PolicyRef::Call(i), Some(k)) => spec
            .call_policies
            .get(i)?
            .constraints
            .get(k)
            .map(|c| c.limit),
        (PolicyRef::Call(i), None) => spec.call_policies.get(i).map(|p| p.value_limit),
        (PolicyRef::Transfer(i), _) => spec.transfer_policies.get(i).map(|p| p.value_limit),
    }
}

/// The calldata word `index` of `call` (after the selector), if the calldata has it.
fn word_at(call: &Call, index: u64) -> Option<B256> {
    let start = 4usize.checked_add(usize::try_from(index).ok()?.checked_mul(32)?)?;
    call.data
        .get(start..start.checked_add(32)?)
        .map(B256::from_slice)
}

/// The arguments of one of our errors, in the order of its Solidity declaration.
fn account_error_values(e: &AccountError) -> Vec<DynSolValue> {
    let addr = |a: &Address| DynSolValue::Address(*a);
    let uint = |v: &U256| DynSolValue::Uint(*v, 256);
    match e {
        AccountError::InvalidSignature {
            msg_sender,
            this_address,
        } => vec![addr(msg_sender), addr(this_address)],
        AccountError::CallPolicyViolated { target, selector } => {
            vec![
                addr(target),
                DynSolValue::FixedBytes(B256::right_padding_from(selector.as_slice()), 4),
            ]
        }
        AccountError::TransferPolicyViolated { target } => vec![addr(target)],
        AccountError::MaxValueExceeded {
            value,
            max_value_per_use,
        } => vec![uint(value), uint(max_value_per_use)],
        AccountError::LifetimeUsageExceeded {
            lifetime_usage,
            limit,
        } => vec![uint(lifetime_usage), uint(limit)],
        AccountError::AllowanceExceeded {
            allowance_usage,
            limit,
            window,
        } => {
            vec![
                uint(allowance_usage),
                uint(limit),
                uint(&U256::from(*window)),
            ]
        }
        AccountError::InvalidDataLength {
            actual_length,
            expected_length,
        } => vec![uint(actual_length), uint(expected_length)],
        AccountError::ConditionFailed {
            param,
            ref_value,
            condition,
        } => vec![
            DynSolValue::FixedBytes(*param, 32),
            DynSolValue::FixedBytes(*ref_value, 32),
            DynSolValue::Uint(U256::from(*condition), 8),
        ],
        AccountError::AllowanceWithoutPeriod {
            transfer,
            policy,
            constraint,
        } => {
            vec![DynSolValue::Bool(*transfer), uint(policy), uint(constraint)]
        }
        AccountError::SessionSpecTooLarge {
            encoded_size,
            max_size,
        } => vec![uint(encoded_size), uint(max_size)],
        AccountError::SessionNotFound { signer } => vec![addr(signer)],
        AccountError::SessionStorageFailed { encoded_size } => vec![uint(encoded_size)],
        AccountError::OnlyAccount { msg_sender } | AccountError::OnlyEntryPoint { msg_sender } => {
            vec![addr(msg_sender)]
        }
        AccountError::SessionIsWildcard { signer } | AccountError::SignerRevoked { signer } => {
            vec![addr(signer)]
        }
        AccountError::SessionPaymasterNotAllowed { signer, paymaster } => {
            vec![addr(signer), addr(paymaster)]
        }
        AccountError::TooManySessionPaymasters { signer, max } => vec![addr(signer), uint(max)],
        AccountError::CallStarved {
            index,
            gas_before,
            gas_left,
        } => vec![
            uint(&U256::from(*index)),
            uint(&U256::from(*gas_before)),
            uint(&U256::from(*gas_left)),
        ],
        AccountError::UidAlreadyProcessed
        | AccountError::SessionZeroSigner
        | AccountError::SessionExpiresTooSoon
        | AccountError::SessionExpired
        | AccountError::NoCallsToExecute
        | AccountError::CallReverted
        | AccountError::SessionSelfCallForbidden => Vec::new(),
    }
}

/// A dynamic value as a person reads it: addresses by name (when `names` are given), numbers in
/// decimal, strings quoted.
pub(crate) fn show_dyn(v: &DynSolValue, names: Option<&Names>) -> String {
    match v {
        DynSolValue::Address(a) => match names {
            Some(n) => n.label(*a),
            None => a.to_string(),
        },
        DynSolValue::Uint(u, _) => u.to_string(),
        DynSolValue::Int(i, _) => i.to_string(),
        DynSolValue::Bool(b) => b.to_string(),
        DynSolValue::String(s) => format!("{s:?}"),
        DynSolValue::FixedBytes(w, n) => alloy::hex::encode_prefixed(&w[..*n]),
        DynSolValue::Bytes(b) => alloy::hex::encode_prefixed(b),
        DynSolValue::Array(vs) | DynSolValue::FixedArray(vs) => {
            format!(
                "[{}]",
                vs.iter()
                    .map(|v| show_dyn(v, names))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        DynSolValue::Tuple(vs) => format!(
            "({})",
            vs.iter()
                .map(|v| show_dyn(v, names))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => format!("{other:?}"),
    }
}
