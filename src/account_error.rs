//! The account's custom errors, decoded from revert data: one [`AccountError`] variant per error
//! of the interface (`docs/interface.md`) and of sessionkit's additions, each with its
//! arguments and a message that ends with the next step.
//!
//! This is the wire layer: the simulator predicts these errors offline and the client's
//! [`Error`](crate::Error) wraps them with what the caller knows.

use std::fmt;

use alloy::primitives::{Address, FixedBytes, B256, U256};
use alloy::sol_types::SolInterface;

use crate::contracts::SessionAccount::SessionAccountErrors as Raw;
use crate::policy::Condition;
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
    /// `AllowanceExceeded(allowanceUsage, limit, period)`. The Solidity argument named `period`
    /// is the window number (`block.timestamp / limit.period`), called `window` here.
    AllowanceExceeded {
        /// Used so far in this window.
        allowance_usage: U256,
        /// The cap per window.
        limit: U256,
        /// The window number (the Solidity argument `period`).
        window: u64,
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
    /// `SessionIsWildcard(signer)`: a wildcard session has no paymasters to allow or disallow.
    SessionIsWildcard {
        /// The signer.
        signer: Address,
    },
    /// `SessionPaymasterNotAllowed(signer, paymaster)`: a scoped session's user operation named
    /// a paymaster the owner did not allow for it (or none, or its cost was above the cap), or
    /// disallowing a paymaster that was not allowed.
    SessionPaymasterNotAllowed {
        /// The session's signer.
        signer: Address,
        /// The paymaster.
        paymaster: Address,
    },
    /// `TooManySessionPaymasters(signer, max)`: the session allows the most paymasters it can.
    TooManySessionPaymasters {
        /// The session's signer.
        signer: Address,
        /// The most paymasters one session can allow.
        max: U256,
    },
    /// `CallStarved(index, gasBefore, gasLeft)`: inner call `index` came back with less than
    /// 1/64 of the gas before it (it may have been starved); the batch reverted, its uid unused.
    CallStarved {
        /// The call's index in the batch.
        index: u64,
        /// The gas the account had before the call.
        gas_before: u64,
        /// The gas left after it.
        gas_left: u64,
    },
    /// `SignerRevoked(signer)`: a grant for a signer the owner revoked on this account. A
    /// revoked signer is burned: no grant revives it.
    SignerRevoked {
        /// The signer.
        signer: Address,
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
                window: e.period,
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
            Raw::SessionIsWildcard(e) => AccountError::SessionIsWildcard { signer: e.signer },
            Raw::SessionPaymasterNotAllowed(e) => AccountError::SessionPaymasterNotAllowed {
                signer: e.signer,
                paymaster: e.paymaster,
            },
            Raw::TooManySessionPaymasters(e) => AccountError::TooManySessionPaymasters {
                signer: e.signer,
                max: e.max,
            },
            Raw::CallStarved(e) => AccountError::CallStarved {
                index: e.index.saturating_to(),
                gas_before: e.gasBefore.saturating_to(),
                gas_left: e.gasLeft.saturating_to(),
            },
            Raw::SignerRevoked(e) => AccountError::SignerRevoked { signer: e.signer },
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
            AccountError::SessionIsWildcard { .. } => "SessionIsWildcard",
            AccountError::SessionPaymasterNotAllowed { .. } => "SessionPaymasterNotAllowed",
            AccountError::TooManySessionPaymasters { .. } => "TooManySessionPaymasters",
            AccountError::CallStarved { .. } => "CallStarved",
            AccountError::SignerRevoked { .. } => "SignerRevoked",
        }
    }
}

/// Words below this are shown as numbers: a token amount or an index, not an address (the
/// smallest address word that is not mostly zeros is far above it).
const SMALL_NUMBER: u128 = 1 << 100;

/// A word as a person reads it: a number when small, an address when it is one, else hex.
pub(crate) fn word(w: &B256) -> String {
    let v = U256::from_be_bytes(w.0);
    if v < U256::from(SMALL_NUMBER) {
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
            AccountError::AllowanceExceeded { allowance_usage, limit, window } => write!(
                f,
                "AllowanceExceeded: {allowance_usage} of the allowance {limit} is used in window {window}, {} is left; \
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
            AccountError::SessionIsWildcard { signer } => write!(
                f,
                "SessionIsWildcard: {signer}'s session is a wildcard one, which may use any paymaster; \
                 there is no paymaster to allow or disallow"
            ),
            AccountError::SessionPaymasterNotAllowed { signer, paymaster } => write!(
                f,
                "SessionPaymasterNotAllowed: paymaster {paymaster} is not allowed for {signer}'s session (or the operation \
                 costs more than its cap); the owner allows it with allowSessionPaymaster (`sessionkit paymaster allow`)"
            ),
            AccountError::TooManySessionPaymasters { signer, max } => write!(
                f,
                "TooManySessionPaymasters: {signer}'s session already allows {max} paymasters; disallow one first"
            ),
            AccountError::CallStarved { index, gas_before, gas_left } => write!(
                f,
                "CallStarved: call {index} of the batch came back with {gas_left} gas, less than 1/64 of the {gas_before} \
                 before it, so it may have been starved; the batch reverted and its uid is unused: resend it with more gas"
            ),
            AccountError::SignerRevoked { signer } => write!(
                f,
                "SignerRevoked: the owner revoked {signer} on this account and a revoked key is burned: no grant revives it; \
                 generate a new session key (`sessionkit keygen`) and grant that"
            ),
        }
    }
}
