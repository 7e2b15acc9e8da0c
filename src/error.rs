//! Everything a call to a session account can fail with, decoded and explained.
//!
//! [`AccountError`] is one variant per custom error of the account (COMPAT.md's table plus
//! sessionkit's additions), decoded from raw revert bytes by [`AccountError::decode`]. [`Error`]
//! is what the client returns: it maps the guide's troubleshooting list (account not delegated,
//! invalid signature, permission denied, limit exhausted, session expired) to variants that
//! carry what went wrong, and every message ends with the next step.

use std::fmt;

use alloy::primitives::{Address, Bytes, FixedBytes, B256, U256};
use alloy::sol_types::SolInterface;

use crate::contracts::SessionAccount::SessionAccountErrors as Raw;
use crate::policy::{Condition, SpecError};
use crate::simulator::{Denied, LimitId, PolicyRef};
use crate::units::display_amount;

/// A custom error of the account contract, with its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountError {
    /// `UIDAlreadyProcessed()`: the grant's or the wrapped calls' uid was used before.
    UidAlreadyProcessed,
    /// `InvalidSignature(msgSender, thisAddress)`: not signed by an authorised key, or `execute`
    /// called by neither the account nor a session signer.
    InvalidSignature {
        /// The caller, or the recovered signer for signed entry points.
        msg_sender: Address,
        /// The account.
        this_address: Address,
    },
    /// `SessionZeroSigner()`.
    SessionZeroSigner,
    /// `SessionExpiresTooSoon()`: a grant whose expiry is not in the future.
    SessionExpiresTooSoon,
    /// `SessionExpired()`: the session signer acted at or after its expiry.
    SessionExpired,
    /// `NoCallsToExecute()`.
    NoCallsToExecute,
    /// `CallReverted()`: a call of the batch reverted; the whole batch was rolled back.
    CallReverted,
    /// `CallPolicyViolated(target, selector)`: no call policy for this target and function.
    CallPolicyViolated {
        /// The call's target.
        target: Address,
        /// The call's selector.
        selector: FixedBytes<4>,
    },
    /// `TransferPolicyViolated(target)`: no transfer policy for this recipient.
    TransferPolicyViolated {
        /// The recipient.
        target: Address,
    },
    /// `MaxValueExceeded(value, maxValuePerUse)`.
    MaxValueExceeded {
        /// The call's value.
        value: U256,
        /// The policy's per-call cap.
        max_value_per_use: U256,
    },
    /// `LifetimeUsageExceeded(lifetimeUsage, limit)`: `lifetime_usage` is the usage before the call.
    LifetimeUsageExceeded {
        /// Used so far.
        lifetime_usage: U256,
        /// The cap.
        limit: U256,
    },
    /// `AllowanceExceeded(allowanceUsage, limit, period)`: `period` is the window number
    /// (`block.timestamp / limit.period`).
    AllowanceExceeded {
        /// Used so far in this window.
        allowance_usage: U256,
        /// The cap per window.
        limit: U256,
        /// The window number.
        period: u64,
    },
    /// `InvalidDataLength(actualLength, expectedLength)`: a constrained parameter lies past the
    /// calldata.
    InvalidDataLength {
        /// The calldata's length.
        actual_length: U256,
        /// The length the constraint needs (`4 + 32 * (index + 1)`).
        expected_length: U256,
    },
    /// `ConditionFailed(param, refValue, condition)`.
    ConditionFailed {
        /// The call's parameter word.
        param: B256,
        /// The constraint's reference word.
        ref_value: B256,
        /// The condition (0 Unconstrained … 6 NotEqual).
        condition: u8,
    },
    /// `SessionSelfCallForbidden()`: a session may not call the account itself.
    SessionSelfCallForbidden,
    /// `AllowanceWithoutPeriod(transfer, policy, constraint)`: an allowance with period 0.
    AllowanceWithoutPeriod {
        /// Whether `policy` indexes the transfer policies.
        transfer: bool,
        /// The policy's index.
        policy: U256,
        /// The constraint's index, or `U256::MAX` for the policy's value limit.
        constraint: U256,
    },
    /// `SessionSpecTooLarge(encodedSize, maxSize)`.
    SessionSpecTooLarge {
        /// The encoded size of the policies.
        encoded_size: U256,
        /// The most one data contract can hold.
        max_size: U256,
    },
    /// `SessionNotFound(signer)`: revoking a signer that has no session.
    SessionNotFound {
        /// The signer.
        signer: Address,
    },
    /// `SessionStorageFailed(encodedSize)`: storing the policies ran out of gas.
    SessionStorageFailed {
        /// The encoded size of the policies.
        encoded_size: U256,
    },
    /// `OnlyAccount(msgSender)`: only the account itself may call this.
    OnlyAccount {
        /// The caller.
        msg_sender: Address,
    },
    /// `OnlyEntryPoint(msgSender)`: only EntryPoint v0.8 may call the ERC-4337 entry points.
    OnlyEntryPoint {
        /// The caller.
        msg_sender: Address,
    },
}

impl AccountError {
    /// Decodes revert data of the account; `None` when it is not one of its errors.
    pub fn decode(data: &[u8]) -> Option<Self> {
        let raw = Raw::abi_decode(data).ok()?;
        Some(match raw {
            Raw::UIDAlreadyProcessed(_) => AccountError::UidAlreadyProcessed,
            Raw::InvalidSignature(e) => AccountError::InvalidSignature {
                msg_sender: e.msgSender,
                this_address: e.thisAddress,
            },
            Raw::SessionZeroSigner(_) => AccountError::SessionZeroSigner,
            Raw::SessionExpiresTooSoon(_) => AccountError::SessionExpiresTooSoon,
            Raw::SessionExpired(_) => AccountError::SessionExpired,
            Raw::NoCallsToExecute(_) => AccountError::NoCallsToExecute,
            Raw::CallReverted(_) => AccountError::CallReverted,
            Raw::CallPolicyViolated(e) => AccountError::CallPolicyViolated {
                target: e.target,
                selector: e.selector,
            },
            Raw::TransferPolicyViolated(e) => {
                AccountError::TransferPolicyViolated { target: e.target }
            }
            Raw::MaxValueExceeded(e) => AccountError::MaxValueExceeded {
                value: e.value,
                max_value_per_use: e.maxValuePerUse,
            },
            Raw::LifetimeUsageExceeded(e) => AccountError::LifetimeUsageExceeded {
                lifetime_usage: e.lifetimeUsage,
                limit: e.limit,
            },
            Raw::AllowanceExceeded(e) => AccountError::AllowanceExceeded {
                allowance_usage: e.allowanceUsage,
                limit: e.limit,
                period: e.period,
            },
            Raw::InvalidDataLength(e) => AccountError::InvalidDataLength {
                actual_length: e.actualLength,
                expected_length: e.expectedLength,
            },
            Raw::ConditionFailed(e) => AccountError::ConditionFailed {
                param: e.param,
                ref_value: e.refValue,
                condition: e.condition,
            },
            Raw::SessionSelfCallForbidden(_) => AccountError::SessionSelfCallForbidden,
            Raw::AllowanceWithoutPeriod(e) => AccountError::AllowanceWithoutPeriod {
                transfer: e.transfer,
                policy: e.policy,
                constraint: e.constraint,
            },
            Raw::SessionSpecTooLarge(e) => AccountError::SessionSpecTooLarge {
                encoded_size: e.encodedSize,
                max_size: e.maxSize,
            },
            Raw::SessionNotFound(e) => AccountError::SessionNotFound { signer: e.signer },
            Raw::SessionStorageFailed(e) => AccountError::SessionStorageFailed {
                encoded_size: e.encodedSize,
            },
            Raw::OnlyAccount(e) => AccountError::OnlyAccount {
                msg_sender: e.msgSender,
            },
            Raw::OnlyEntryPoint(e) => AccountError::OnlyEntryPoint {
                msg_sender: e.msgSender,
            },
        })
    }

    /// The Solidity name of the error.
    pub fn name(&self) -> &'static str {
        match self {
            AccountError::UidAlreadyProcessed => "UIDAlreadyProcessed",
            AccountError::InvalidSignature { .. } => "InvalidSignature",
            AccountError::SessionZeroSigner => "SessionZeroSigner",
            AccountError::SessionExpiresTooSoon => "SessionExpiresTooSoon",
            AccountError::SessionExpired => "SessionExpired",
            AccountError::NoCallsToExecute => "NoCallsToExecute",
            AccountError::CallReverted => "CallReverted",
            AccountError::CallPolicyViolated { .. } => "CallPolicyViolated",
            AccountError::TransferPolicyViolated { .. } => "TransferPolicyViolated",
            AccountError::MaxValueExceeded { .. } => "MaxValueExceeded",
            AccountError::LifetimeUsageExceeded { .. } => "LifetimeUsageExceeded",
            AccountError::AllowanceExceeded { .. } => "AllowanceExceeded",
            AccountError::InvalidDataLength { .. } => "InvalidDataLength",
            AccountError::ConditionFailed { .. } => "ConditionFailed",
            AccountError::SessionSelfCallForbidden => "SessionSelfCallForbidden",
            AccountError::AllowanceWithoutPeriod { .. } => "AllowanceWithoutPeriod",
            AccountError::SessionSpecTooLarge { .. } => "SessionSpecTooLarge",
            AccountError::SessionNotFound { .. } => "SessionNotFound",
            AccountError::SessionStorageFailed { .. } => "SessionStorageFailed",
            AccountError::OnlyAccount { .. } => "OnlyAccount",
            AccountError::OnlyEntryPoint { .. } => "OnlyEntryPoint",
        }
    }
}

fn word(w: &B256) -> String {
    let v = U256::from_be_bytes(w.0);
    if v < U256::from(1u128 << 100) {
        v.to_string()
    } else if w.0[..12].iter().all(|b| *b == 0) {
        Address::from_word(*w).to_string()
    } else {
        w.to_string()
    }
}

impl fmt::Display for AccountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccountError::UidAlreadyProcessed => f.write_str(
                "UIDAlreadyProcessed: this uid was used before; sign again with a fresh uid (leave it out to get a random one)",
            ),
            AccountError::InvalidSignature { msg_sender, this_address } => write!(
                f,
                "InvalidSignature: {msg_sender} is neither the owner of {this_address} nor one of its live session keys; \
                 sign with the owner's key or grant {msg_sender} a session first"
            ),
            AccountError::SessionZeroSigner => {
                f.write_str("SessionZeroSigner: the session's signer is the zero address; give the session key's address")
            }
            AccountError::SessionExpiresTooSoon => f.write_str(
                "SessionExpiresTooSoon: the session's expiry is not in the future (chain time); give a later expires_at",
            ),
            AccountError::SessionExpired => {
                f.write_str("SessionExpired: the session has expired; ask the owner to grant a new one")
            }
            AccountError::NoCallsToExecute => f.write_str("NoCallsToExecute: the batch is empty; add at least one call"),
            AccountError::CallReverted => f.write_str(
                "CallReverted: a call of the batch reverted and the whole batch was rolled back; \
                 check the target call on its own (e.g. with eth_call from the account)",
            ),
            AccountError::CallPolicyViolated { target, selector } => write!(
                f,
                "CallPolicyViolated: the session has no call policy for function {selector} on {target}; \
                 grant a session with a CallPolicy for that target and selector"
            ),
            AccountError::TransferPolicyViolated { target } => write!(
                f,
                "TransferPolicyViolated: the session has no transfer policy for {target}; \
                 grant a session with a TransferPolicy for that recipient"
            ),
            AccountError::MaxValueExceeded { value, max_value_per_use } => write!(
                f,
                "MaxValueExceeded: the call sends {} but the policy allows at most {} per call; send less or raise max_value_per_use",
                display_amount(*value),
                display_amount(*max_value_per_use)
            ),
            // A limit meters either native value or a parameter (token amounts…): plain numbers.
            AccountError::LifetimeUsageExceeded { lifetime_usage, limit } => write!(
                f,
                "LifetimeUsageExceeded: {lifetime_usage} of the lifetime limit {limit} is used, {} is left; \
                 stay within it or grant a new session",
                limit.saturating_sub(*lifetime_usage)
            ),
            AccountError::AllowanceExceeded { allowance_usage, limit, period } => write!(
                f,
                "AllowanceExceeded: {allowance_usage} of the allowance {limit} is used in window {period}, {} is left; \
                 wait for the next window or stay within it",
                limit.saturating_sub(*allowance_usage)
            ),
            AccountError::InvalidDataLength { actual_length, expected_length } => write!(
                f,
                "InvalidDataLength: a constrained parameter needs {expected_length} bytes of calldata but the call has \
                 {actual_length}; pass every parameter of the function"
            ),
            AccountError::ConditionFailed { param, ref_value, condition } => {
                let op = Condition::from_id(*condition).map(Condition::symbol).unwrap_or("?");
                write!(
                    f,
                    "ConditionFailed: parameter {} is not {op} {}; change the argument or the session's constraint",
                    word(param),
                    word(ref_value)
                )
            }
            AccountError::SessionSelfCallForbidden => f.write_str(
                "SessionSelfCallForbidden: a session key may not call the account itself; \
                 do this as the owner (execute from the account, or executeWithSig signed by the owner)",
            ),
            AccountError::AllowanceWithoutPeriod { transfer, policy, constraint } => {
                let kind = if *transfer { "transfer_policies" } else { "call_policies" };
                if *constraint == U256::MAX {
                    write!(
                        f,
                        "AllowanceWithoutPeriod: {kind}[{policy}].value_limit is an allowance with period 0; give it a period"
                    )
                } else {
                    write!(
                        f,
                        "AllowanceWithoutPeriod: {kind}[{policy}].constraints[{constraint}].limit is an allowance with period 0; give it a period"
                    )
                }
            }
            AccountError::SessionSpecTooLarge { encoded_size, max_size } => write!(
                f,
                "SessionSpecTooLarge: the policies encode to {encoded_size} bytes, more than {max_size}; split them over several session keys"
            ),
            AccountError::SessionNotFound { signer } => {
                write!(f, "SessionNotFound: {signer} has no session to revoke; check the signer's address")
            }
            AccountError::SessionStorageFailed { encoded_size } => write!(
                f,
                "SessionStorageFailed: storing {encoded_size} bytes of policies ran out of gas; send the grant with more gas"
            ),
            AccountError::OnlyEntryPoint { msg_sender } => write!(
                f,
                "OnlyEntryPoint: {msg_sender} is not EntryPoint v0.8; submit the user operation through handleOps"
            ),
            AccountError::OnlyAccount { msg_sender } => write!(
                f,
                "OnlyAccount: {msg_sender} is not the account; only the owner may do this, from the account itself"
            ),
        }
    }
}

/// Why a limit is exhausted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exhausted {
    /// A lifetime limit.
    Lifetime {
        /// Used so far.
        used: U256,
        /// The cap.
        limit: U256,
    },
    /// An allowance in its current window.
    Allowance {
        /// Used in this window.
        used: U256,
        /// The cap per window.
        limit: U256,
        /// The window number.
        window: u64,
        /// When the next window starts (unix seconds), when the period is known.
        resets_at: Option<u64>,
    },
}

impl Exhausted {
    /// What is left of the limit.
    pub fn remaining(&self) -> U256 {
        match self {
            Exhausted::Lifetime { used, limit } | Exhausted::Allowance { used, limit, .. } => {
                limit.saturating_sub(*used)
            }
        }
    }
}

/// Everything a sessionkit operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The account has no code: the EOA was never delegated (calls to it "succeed" doing
    /// nothing, so this is checked before sending).
    #[error("account {account} is not delegated (it has no code): upgrade it first with SmartEoa::upgrade")]
    NotDelegated {
        /// The account.
        account: Address,
    },
    /// The account is delegated to another implementation.
    #[error(
        "account {account} is delegated to {delegate}, not to the session account {expected}: upgrade it again to {expected}"
    )]
    DelegatedElsewhere {
        /// The account.
        account: Address,
        /// Its current implementation.
        delegate: Address,
        /// The implementation expected.
        expected: Address,
    },
    /// A signature or caller the account does not accept.
    #[error("invalid signature on {account}: {}", invalid_signature(*expected, *recovered))]
    InvalidSignature {
        /// The account.
        account: Address,
        /// Who should have signed (or called), when the client knows.
        expected: Option<Address>,
        /// Who did sign (or call), as the account saw it.
        recovered: Address,
    },
    /// A session's policies refuse the call.
    #[error("permission denied on {account}: {denied}")]
    PermissionDenied {
        /// The account.
        account: Address,
        /// The call, policy and constraint, with the contract's error.
        denied: Box<Denied>,
    },
    /// A session's limit would be exceeded.
    #[error("limit exhausted on {account}: {denied}{}", resets(exhausted))]
    LimitExhausted {
        /// The account.
        account: Address,
        /// What the limit is, how much is used and left.
        exhausted: Exhausted,
        /// The call and limit, with the contract's error.
        denied: Box<Denied>,
    },
    /// The session key's session has expired.
    #[error("session expired on {account}{}: ask the owner to grant a new session", expired(*signer, *expired_at))]
    SessionExpired {
        /// The account.
        account: Address,
        /// The session key, when known.
        signer: Option<Address>,
        /// When it expired, when known.
        expired_at: Option<u64>,
    },
    /// Any other error of the account.
    #[error("{account} reverted: {error}")]
    Account {
        /// The account.
        account: Address,
        /// The decoded error.
        error: AccountError,
    },
    /// A revert the account's ABI does not explain.
    #[error("{account} reverted{}: check the calls with eth_call", reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_else(|| " without a reason".into()))]
    Reverted {
        /// The account.
        account: Address,
        /// The raw revert data.
        data: Bytes,
        /// A decoded `Error(string)` or `Panic(uint256)`, if the data is one.
        reason: Option<String>,
    },
    /// The EntryPoint refused a user operation for a reason of its own (an `AAxx` code).
    #[error(
        "the EntryPoint rejected the user operation of {account}: {reason}; {}",
        entry_point_hint(reason)
    )]
    EntryPoint {
        /// The sender.
        account: Address,
        /// The EntryPoint's reason (`AA21 didn't pay prefund`, …).
        reason: String,
    },
    /// The session spec was rejected before signing.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// The node refused or failed a request.
    #[error("{action}: {message}")]
    Rpc {
        /// What was being done.
        action: String,
        /// The node's answer.
        message: String,
    },
    /// A transaction was not mined in time.
    #[error("{action}: no receipt after {secs} s; check that the node is mining")]
    Timeout {
        /// What was being done.
        action: String,
        /// How long it waited.
        secs: u64,
    },
    /// A transaction was mined but failed without revert data.
    #[error(
        "{action}: transaction {tx} failed on chain (status 0); replay it with eth_call to see why"
    )]
    Failed {
        /// What was being done.
        action: String,
        /// The transaction hash.
        tx: B256,
    },
}

fn invalid_signature(expected: Option<Address>, recovered: Address) -> String {
    match expected {
        Some(expected) if expected != recovered => format!(
            "expected {expected}, recovered {recovered}; sign with {expected}'s key (or check the chain id and account address in the EIP-712 domain)"
        ),
        Some(expected) => format!(
            "{expected} has no live session on this account and is not its owner; grant it a session first"
        ),
        None => format!(
            "{recovered} is neither the owner nor a live session key; sign with the owner's key or grant {recovered} a session"
        ),
    }
}

fn entry_point_hint(reason: &str) -> &'static str {
    match reason.get(..4) {
        Some("AA10") => "the account exists already: send the operation without initCode",
        Some("AA13") | Some("AA14") | Some("AA15") => "check the factory address, owner and salt of initCode",
        Some("AA20") => "the sender has no code: give initCode (factory) or the 7702 authorization",
        Some("AA21") => "fund the account or its EntryPoint deposit",
        Some("AA24") => "give the operation a paymaster (userop::UserOps::paymaster), or grant the key a session",
        Some("AA25") => "use the EntryPoint's current nonce for the sender",
        Some("AA26") | Some("AA40") | Some("AA41") => "raise verificationGasLimit",
        Some("AA95") => "give the bundle transaction more gas",
        _ => "see the ERC-4337 error codes",
    }
}

fn resets(exhausted: &Exhausted) -> String {
    match exhausted {
        Exhausted::Allowance {
            resets_at: Some(t), ..
        } => format!("; the window resets at unix time {t}"),
        _ => String::new(),
    }
}

fn expired(signer: Option<Address>, at: Option<u64>) -> String {
    match (signer, at) {
        (Some(s), Some(t)) => format!(" (session key {s} expired at unix time {t})"),
        (Some(s), None) => format!(" (session key {s})"),
        (None, Some(t)) => format!(" (expired at unix time {t})"),
        (None, None) => String::new(),
    }
}

/// What the caller knows that the revert data does not say.
#[derive(Debug, Clone, Default)]
pub struct RevertContext {
    /// The account called.
    pub account: Address,
    /// The key that should have signed (or called).
    pub expected_signer: Option<Address>,
    /// The session key acting, when it is a session call.
    pub session_signer: Option<Address>,
    /// The session's expiry, when known.
    pub expires_at: Option<u64>,
    /// The simulator's account of the denial, when it agrees with the chain.
    pub denied: Option<Denied>,
    /// The period of the exhausted allowance, when known.
    pub period: Option<u64>,
}

impl Error {
    /// Turns revert data from `ctx.account` into the typed error.
    pub fn from_revert(data: &[u8], ctx: &RevertContext) -> Self {
        let account = ctx.account;
        let Some(error) = AccountError::decode(data) else {
            return Error::Reverted {
                account,
                data: Bytes::copy_from_slice(data),
                reason: alloy::sol_types::decode_revert_reason(data),
            };
        };
        let denied = || {
            Box::new(
                ctx.denied
                    .clone()
                    .filter(|d| d.error == error)
                    .unwrap_or(Denied {
                        call: None,
                        policy: None,
                        constraint: None,
                        limit: None,
                        error: error.clone(),
                    }),
            )
        };
        match &error {
            AccountError::InvalidSignature { msg_sender, .. } => Error::InvalidSignature {
                account,
                expected: ctx.expected_signer,
                recovered: *msg_sender,
            },
            AccountError::SessionExpired => Error::SessionExpired {
                account,
                signer: ctx.session_signer,
                expired_at: ctx.expires_at,
            },
            AccountError::LifetimeUsageExceeded {
                lifetime_usage,
                limit,
            } => Error::LimitExhausted {
                account,
                exhausted: Exhausted::Lifetime {
                    used: *lifetime_usage,
                    limit: *limit,
                },
                denied: denied(),
            },
            AccountError::AllowanceExceeded {
                allowance_usage,
                limit,
                period,
            } => Error::LimitExhausted {
                account,
                exhausted: Exhausted::Allowance {
                    used: *allowance_usage,
                    limit: *limit,
                    window: *period,
                    resets_at: ctx
                        .period
                        .and_then(|p| period.checked_add(1).and_then(|w| w.checked_mul(p))),
                },
                denied: denied(),
            },
            AccountError::CallPolicyViolated { .. }
            | AccountError::TransferPolicyViolated { .. }
            | AccountError::MaxValueExceeded { .. }
            | AccountError::InvalidDataLength { .. }
            | AccountError::ConditionFailed { .. }
            | AccountError::SessionSelfCallForbidden => Error::PermissionDenied {
                account,
                denied: denied(),
            },
            _ => Error::Account { account, error },
        }
    }

    /// The account's decoded error behind this one, if there is one.
    pub fn account_error(&self) -> Option<AccountError> {
        match self {
            Error::InvalidSignature {
                account, recovered, ..
            } => Some(AccountError::InvalidSignature {
                msg_sender: *recovered,
                this_address: *account,
            }),
            Error::SessionExpired { .. } => Some(AccountError::SessionExpired),
            Error::PermissionDenied { denied, .. } | Error::LimitExhausted { denied, .. } => {
                Some(denied.error.clone())
            }
            Error::Account { error, .. } => Some(error.clone()),
            _ => None,
        }
    }

    /// The policy involved, when the simulator could tell.
    pub fn policy(&self) -> Option<PolicyRef> {
        match self {
            Error::PermissionDenied { denied, .. } | Error::LimitExhausted { denied, .. } => {
                denied.policy
            }
            _ => None,
        }
    }

    /// The limit involved, when the simulator could tell.
    pub fn limit(&self) -> Option<LimitId> {
        match self {
            Error::LimitExhausted { denied, .. } => denied.limit,
            _ => None,
        }
    }
}
