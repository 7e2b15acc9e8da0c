//! The session model ([`policy`](crate::policy)) to and from the account's ABI structs
//! ([`SessionLib`]): what is signed and sent, and what the account's views return.
//!
//! Reading is strict: a condition or limit code the model does not know is an error, never
//! "any value" or "unlimited" (for a permissions tool, an unknown restriction read as no
//! restriction is the worst default).

use alloy::primitives::U256;

use crate::contracts::{SessionAccount, SessionLib};
use crate::policy::{CallPolicy, Condition, Constraint, Limit, SessionSpec, TransferPolicy};
use crate::Call;

/// A struct read from the account that the model cannot represent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AbiError {
    /// A condition code outside `Condition` (0 Unconstrained … 6 NotEqual).
    #[error("{field}: unknown condition code {code} (known: 0..=6): the account speaks a newer interface than this sessionkit; upgrade sessionkit")]
    UnknownCondition {
        /// Where it was read (`call_policies[0].constraints[1].condition`).
        field: String,
        /// The code.
        code: u8,
    },
    /// A limit type outside `LimitType` (0 Unlimited, 1 Lifetime, 2 Allowance).
    #[error("{field}: unknown limit type {code} (known: 0..=2): the account speaks a newer interface than this sessionkit; upgrade sessionkit")]
    UnknownLimitType {
        /// Where it was read (`call_policies[0].value_limit`).
        field: String,
        /// The code.
        code: u8,
    },
}

impl From<&Limit> for SessionLib::UsageLimit {
    fn from(limit: &Limit) -> Self {
        SessionLib::UsageLimit {
            limitType: limit.type_id(),
            limit: limit.amount(),
            period: U256::from(limit.period()),
        }
    }
}

impl From<&Constraint> for SessionLib::Constraint {
    fn from(c: &Constraint) -> Self {
        SessionLib::Constraint {
            condition: c.condition.id(),
            index: c.index,
            refValue: c.value,
            limit: (&c.limit).into(),
        }
    }
}

impl From<&CallPolicy> for SessionLib::CallSpec {
    fn from(p: &CallPolicy) -> Self {
        SessionLib::CallSpec {
            target: p.target,
            selector: p.selector,
            maxValuePerUse: p.max_value_per_use,
            valueLimit: (&p.value_limit).into(),
            constraints: p.constraints.iter().map(Into::into).collect(),
        }
    }
}

impl From<&TransferPolicy> for SessionLib::TransferSpec {
    fn from(p: &TransferPolicy) -> Self {
        SessionLib::TransferSpec {
            target: p.target,
            maxValuePerUse: p.max_value_per_use,
            valueLimit: (&p.value_limit).into(),
        }
    }
}

impl From<&SessionSpec> for SessionLib::SessionSpec {
    fn from(s: &SessionSpec) -> Self {
        SessionLib::SessionSpec {
            signer: s.signer,
            isWildcard: s.wildcard,
            expiresAt: U256::from(s.expires_at),
            callPolicies: s.call_policies.iter().map(Into::into).collect(),
            transferPolicies: s.transfer_policies.iter().map(Into::into).collect(),
            uid: s.uid,
        }
    }
}

impl From<&Call> for SessionAccount::Call {
    fn from(call: &Call) -> Self {
        SessionAccount::Call {
            target: call.target,
            value: call.value,
            data: call.data.clone(),
        }
    }
}

impl From<SessionAccount::Call> for Call {
    fn from(call: SessionAccount::Call) -> Self {
        Call {
            target: call.target,
            value: call.value,
            data: call.data,
        }
    }
}

/// Reads a limit from the ABI struct (as the account's views return it); `field` names it in
/// an error.
pub fn limit_from_abi(l: &SessionLib::UsageLimit, field: &str) -> Result<Limit, AbiError> {
    match l.limitType {
        0 => Ok(Limit::Unlimited),
        1 => Ok(Limit::Lifetime(l.limit)),
        2 => Ok(Limit::Allowance {
            limit: l.limit,
            period: u64::try_from(l.period).unwrap_or(u64::MAX),
        }),
        code => Err(AbiError::UnknownLimitType {
            field: field.to_owned(),
            code,
        }),
    }
}

/// Reads call policy `i` from the ABI struct (its function signature is not stored: `None`).
pub fn call_policy_from_abi(p: &SessionLib::CallSpec, i: usize) -> Result<CallPolicy, AbiError> {
    let at = format!("call_policies[{i}]");
    let constraints = p
        .constraints
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let cat = format!("{at}.constraints[{k}]");
            Ok(Constraint {
                index: c.index,
                param: None,
                condition: Condition::from_id(c.condition).ok_or_else(|| {
                    AbiError::UnknownCondition {
                        field: format!("{cat}.condition"),
                        code: c.condition,
                    }
                })?,
                value: c.refValue,
                limit: limit_from_abi(&c.limit, &format!("{cat}.limit"))?,
            })
        })
        .collect::<Result<Vec<_>, AbiError>>()?;
    Ok(CallPolicy {
        target: p.target,
        selector: p.selector,
        function: None,
        max_value_per_use: p.maxValuePerUse,
        value_limit: limit_from_abi(&p.valueLimit, &format!("{at}.value_limit"))?,
        constraints,
    })
}

/// Reads transfer policy `i` from the ABI struct.
pub fn transfer_policy_from_abi(
    p: &SessionLib::TransferSpec,
    i: usize,
) -> Result<TransferPolicy, AbiError> {
    Ok(TransferPolicy {
        target: p.target,
        max_value_per_use: p.maxValuePerUse,
        value_limit: limit_from_abi(
            &p.valueLimit,
            &format!("transfer_policies[{i}].value_limit"),
        )?,
    })
}

/// The `execute(calls)` call.
pub fn execute_call(calls: &[Call]) -> SessionAccount::executeCall {
    SessionAccount::executeCall {
        calls: calls.iter().map(SessionAccount::Call::from).collect(),
    }
}

/// The ABI struct of a batch with its uid, as `executeWithSig` takes and signs it.
pub fn wrapped_calls(calls: &[Call], uid: alloy::primitives::B256) -> SessionAccount::WrappedCalls {
    SessionAccount::WrappedCalls {
        calls: calls.iter().map(SessionAccount::Call::from).collect(),
        uid,
    }
}
