// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

/// @notice One call of a batch: `target.call{value: value}(data)`.
struct Call {
    address target;
    uint256 value;
    bytes data;
}

/// @notice A batch of calls signed off-chain (EIP-712 `WrappedCalls`), relayed through
///         `executeWithSig`. `uid` is single-use.
struct WrappedCalls {
    Call[] calls;
    bytes32 uid;
}

/// @title SessionLib
/// @notice The session-key types of the MinimalAccount interface, in its exact field order.
/// @dev Enums are `uint8` in the ABI and in EIP-712.
library SessionLib {
    /// @notice How a usage limit accumulates.
    enum LimitType {
        Unlimited,
        Lifetime,
        Allowance
    }

    /// @notice How a constraint compares a calldata word with its reference value (unsigned).
    enum Condition {
        Unconstrained,
        Equal,
        Greater,
        Less,
        GreaterOrEqual,
        LessOrEqual,
        NotEqual
    }

    /// @notice A limit on a value: none, cumulative, or cumulative within fixed windows of
    ///         `period` seconds (`block.timestamp / period`).
    struct UsageLimit {
        LimitType limitType;
        uint256 limit;
        uint256 period;
    }

    /// @notice A condition on the 32-byte calldata word at `4 + 32 * index`, and a limit on
    ///         the sum of that word's values.
    struct Constraint {
        Condition condition;
        uint64 index;
        bytes32 refValue;
        UsageLimit limit;
    }

    /// @notice Permission to call `selector` on `target`.
    struct CallSpec {
        address target;
        bytes4 selector;
        uint256 maxValuePerUse;
        UsageLimit valueLimit;
        Constraint[] constraints;
    }

    /// @notice Permission to send native value to `target` with calldata shorter than 4 bytes.
    struct TransferSpec {
        address target;
        uint256 maxValuePerUse;
        UsageLimit valueLimit;
    }

    /// @notice Everything a session key may do, signed by the account's owner.
    struct SessionSpec {
        address signer;
        bool isWildcard;
        uint256 expiresAt;
        CallSpec[] callPolicies;
        TransferSpec[] transferPolicies;
        bytes32 uid;
    }

    /// @notice What is left of one limit.
    struct LimitState {
        uint256 remaining;
        address target;
        bytes4 selector;
        uint256 index;
    }

    /// @notice What is left of every limit of a session.
    struct SessionState {
        LimitState[] transferValue;
        LimitState[] callValue;
        LimitState[] callParams;
    }
}
