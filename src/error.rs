//! Everything a sessionkit operation on a chain can fail with, decoded and explained.
//!
//! [`Error`] is what the client returns: it maps the guide's troubleshooting list (account not
//! delegated, invalid signature, permission denied, limit exhausted, session expired) to
//! variants that carry what went wrong, wraps the account's decoded
//! [`AccountError`](crate::AccountError), keeps the transport's and the signer's errors as its
//! sources, and every message ends with the next step.

use alloy::primitives::{Address, Bytes, B256, U256};

use alloy::transports::TransportError;

use crate::abi::AbiError;
use crate::account_error::AccountError;
use crate::policy::SpecError;
use crate::simulator::{Denied, LimitId, PolicyRef};

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
    /// A view of the account returned what the model cannot represent (an unknown code).
    #[error(transparent)]
    Abi(#[from] AbiError),
    /// The node refused or failed a request.
    #[error("{action}: {source}")]
    Rpc {
        /// What was being done.
        action: String,
        /// The transport's error.
        #[source]
        source: TransportError,
    },
    /// The node answered, but not as the protocol says it must (undecodable return data, a
    /// receipt without the contract address of a deployment, no latest block).
    #[error("{action}: {message}")]
    Unexpected {
        /// What was being done.
        action: String,
        /// What was wrong with the answer.
        message: String,
    },
    /// A signer could not sign (a KMS or hardware wallet refused, a keystore is locked, …).
    #[error("{action}: the signer failed: {source}")]
    Sign {
        /// What was being signed.
        action: String,
        /// The signer's error.
        #[source]
        source: alloy::signers::Error,
    },
    /// The key given for an operation is not the one the account needs (checked before signing).
    #[error(
        "{action}: the key {given} is not the owner of {account}: sign with the account's own key"
    )]
    WrongKey {
        /// What was being done.
        action: String,
        /// The account.
        account: Address,
        /// The key's address.
        given: Address,
    },
    /// A key rotation that cannot be done as asked (checked before anything is signed).
    #[error("rotating {old} on {account}: {reason}")]
    Rotation {
        /// The account.
        account: Address,
        /// The key being rotated out.
        old: Address,
        /// What is wrong and what to do.
        reason: String,
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
    /// The length in seconds of the exhausted allowance's windows, when known.
    pub allowance_period: Option<u64>,
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
                window,
            } => Error::LimitExhausted {
                account,
                exhausted: Exhausted::Allowance {
                    used: *allowance_usage,
                    limit: *limit,
                    window: *window,
                    resets_at: ctx
                        .allowance_period
                        .and_then(|p| window.checked_add(1).and_then(|w| w.checked_mul(p))),
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
