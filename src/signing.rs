//! EIP-712 signatures the account checks: a [`SessionSpec`] for `createSessionWithSig`, and
//! `WrappedCalls` for `executeWithSig`, under the domain `MinimalAccount` / `1` / chain id /
//! the account's address (COMPAT.md).
//!
//! The hashing is alloy's `SolStruct` over the account's own ABI structs, so the type strings
//! come from the compiled contract.

use alloy::primitives::{Address, Bytes, B256, U256};
use alloy::signers::SignerSync;
use alloy::sol_types::{eip712_domain, Eip712Domain, SolStruct};

use crate::call::Call;
use crate::contracts::{SessionAccount, SessionLib};
use crate::policy::{CallPolicy, Condition, Constraint, Limit, SessionSpec, TransferPolicy};

/// The account's EIP-712 domain on `chain_id` at `account` (for a smart EOA: the EOA).
pub fn domain(chain_id: u64, account: Address) -> Eip712Domain {
    eip712_domain! {
        name: "MinimalAccount",
        version: "1",
        chain_id: chain_id,
        verifying_contract: account,
    }
}

/// The digest the owner signs to grant `spec` on `account`.
pub fn session_digest(spec: &SessionSpec, chain_id: u64, account: Address) -> B256 {
    SessionLib::SessionSpec::from(spec).eip712_signing_hash(&domain(chain_id, account))
}

/// The digest signed to run `calls` with single-use `uid` through `executeWithSig`.
pub fn wrapped_calls_digest(calls: &[Call], uid: B256, chain_id: u64, account: Address) -> B256 {
    wrapped_calls(calls, uid).eip712_signing_hash(&domain(chain_id, account))
}

/// The ABI struct of a batch with its uid.
pub fn wrapped_calls(calls: &[Call], uid: B256) -> SessionAccount::WrappedCalls {
    SessionAccount::WrappedCalls {
        calls: calls.iter().map(SessionAccount::Call::from).collect(),
        uid,
    }
}

/// Signs `digest` with `signer`: the 65-byte `r ‖ s ‖ v` form the account accepts.
pub fn sign_digest(signer: &impl SignerSync, digest: B256) -> alloy::signers::Result<Bytes> {
    let signature = signer.sign_hash_sync(&digest)?;
    Ok(Bytes::from(signature.as_bytes().to_vec()))
}

/// The owner's signature granting `spec` on `account`.
pub fn sign_session(
    owner: &impl SignerSync,
    spec: &SessionSpec,
    chain_id: u64,
    account: Address,
) -> alloy::signers::Result<Bytes> {
    sign_digest(owner, session_digest(spec, chain_id, account))
}

/// A signature over `calls` and `uid` (by the owner, or by a session key whose policies then
/// apply).
pub fn sign_wrapped_calls(
    signer: &impl SignerSync,
    calls: &[Call],
    uid: B256,
    chain_id: u64,
    account: Address,
) -> alloy::signers::Result<Bytes> {
    sign_digest(signer, wrapped_calls_digest(calls, uid, chain_id, account))
}

// ---- model <-> ABI structs -------------------------------------------------------------------

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

/// Reads a limit from the ABI struct (as the account's views return it).
pub fn limit_from_abi(l: &SessionLib::UsageLimit) -> Limit {
    match l.limitType {
        1 => Limit::Lifetime(l.limit),
        2 => Limit::Allowance {
            limit: l.limit,
            period: u64::try_from(l.period).unwrap_or(u64::MAX),
        },
        _ => Limit::Unlimited,
    }
}

/// Reads a call policy from the ABI struct.
pub fn call_policy_from_abi(p: &SessionLib::CallSpec) -> CallPolicy {
    CallPolicy {
        target: p.target,
        selector: p.selector,
        function: None,
        max_value_per_use: p.maxValuePerUse,
        value_limit: limit_from_abi(&p.valueLimit),
        constraints: p
            .constraints
            .iter()
            .map(|c| Constraint {
                index: c.index,
                condition: Condition::from_id(c.condition).unwrap_or(Condition::Unconstrained),
                value: c.refValue,
                limit: limit_from_abi(&c.limit),
            })
            .collect(),
    }
}

/// Reads a transfer policy from the ABI struct.
pub fn transfer_policy_from_abi(p: &SessionLib::TransferSpec) -> TransferPolicy {
    TransferPolicy {
        target: p.target,
        max_value_per_use: p.maxValuePerUse,
        value_limit: limit_from_abi(&p.valueLimit),
    }
}
