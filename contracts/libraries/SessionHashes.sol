// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {Call, WrappedCalls, SessionLib} from "../types/Types.sol";

/// @title SessionHashes
/// @notice EIP-712 struct hashes of SessionSpec and WrappedCalls (domain "MinimalAccount" / "1").
///         Enums are encoded as uint8; arrays of structs hash as the keccak of their elements'
///         concatenated struct hashes; bytes as the keccak of their contents.
library SessionHashes {
    /// @notice keccak256 of the SessionSpec type string with its referenced types.
    bytes32 internal constant SESSION_SPEC_TYPEHASH = keccak256(
        "SessionSpec(address signer,bool isWildcard,uint256 expiresAt,CallSpec[] callPolicies,TransferSpec[] transferPolicies,bytes32 uid)CallSpec(address target,bytes4 selector,uint256 maxValuePerUse,UsageLimit valueLimit,Constraint[] constraints)Constraint(uint8 condition,uint64 index,bytes32 refValue,UsageLimit limit)TransferSpec(address target,uint256 maxValuePerUse,UsageLimit valueLimit)UsageLimit(uint8 limitType,uint256 limit,uint256 period)"
    );
    /// @notice keccak256 of the CallSpec type string with its referenced types.
    bytes32 internal constant CALL_SPEC_TYPEHASH = keccak256(
        "CallSpec(address target,bytes4 selector,uint256 maxValuePerUse,UsageLimit valueLimit,Constraint[] constraints)Constraint(uint8 condition,uint64 index,bytes32 refValue,UsageLimit limit)UsageLimit(uint8 limitType,uint256 limit,uint256 period)"
    );
    /// @notice keccak256 of the Constraint type string with its referenced types.
    bytes32 internal constant CONSTRAINT_TYPEHASH = keccak256(
        "Constraint(uint8 condition,uint64 index,bytes32 refValue,UsageLimit limit)UsageLimit(uint8 limitType,uint256 limit,uint256 period)"
    );
    /// @notice keccak256 of the TransferSpec type string with its referenced types.
    bytes32 internal constant TRANSFER_SPEC_TYPEHASH = keccak256(
        "TransferSpec(address target,uint256 maxValuePerUse,UsageLimit valueLimit)UsageLimit(uint8 limitType,uint256 limit,uint256 period)"
    );
    /// @notice keccak256 of the UsageLimit type string.
    bytes32 internal constant USAGE_LIMIT_TYPEHASH =
        keccak256("UsageLimit(uint8 limitType,uint256 limit,uint256 period)");
    /// @notice keccak256 of the WrappedCalls type string with its referenced types.
    bytes32 internal constant WRAPPED_CALLS_TYPEHASH =
        keccak256("WrappedCalls(Call[] calls,bytes32 uid)Call(address target,uint256 value,bytes data)");
    /// @notice keccak256 of the Call type string.
    bytes32 internal constant CALL_TYPEHASH = keccak256("Call(address target,uint256 value,bytes data)");

    /// @notice hashStruct(SessionSpec).
    function hash(SessionLib.SessionSpec calldata spec) internal pure returns (bytes32) {
        uint256 n = spec.callPolicies.length;
        bytes32[] memory callHashes = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            callHashes[i] = hash(spec.callPolicies[i]);
        }
        n = spec.transferPolicies.length;
        bytes32[] memory transferHashes = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            transferHashes[i] = hash(spec.transferPolicies[i]);
        }
        return keccak256(
            abi.encode(
                SESSION_SPEC_TYPEHASH,
                spec.signer,
                spec.isWildcard,
                spec.expiresAt,
                keccak256(abi.encodePacked(callHashes)),
                keccak256(abi.encodePacked(transferHashes)),
                spec.uid
            )
        );
    }

    /// @notice hashStruct(CallSpec).
    function hash(SessionLib.CallSpec calldata c) internal pure returns (bytes32) {
        uint256 n = c.constraints.length;
        bytes32[] memory constraintHashes = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            SessionLib.Constraint calldata k = c.constraints[i];
            constraintHashes[i] =
                keccak256(abi.encode(CONSTRAINT_TYPEHASH, uint8(k.condition), k.index, k.refValue, hash(k.limit)));
        }
        return keccak256(
            abi.encode(
                CALL_SPEC_TYPEHASH,
                c.target,
                c.selector,
                c.maxValuePerUse,
                hash(c.valueLimit),
                keccak256(abi.encodePacked(constraintHashes))
            )
        );
    }

    /// @notice hashStruct(TransferSpec).
    function hash(SessionLib.TransferSpec calldata t) internal pure returns (bytes32) {
        return keccak256(abi.encode(TRANSFER_SPEC_TYPEHASH, t.target, t.maxValuePerUse, hash(t.valueLimit)));
    }

    /// @notice hashStruct(UsageLimit).
    function hash(SessionLib.UsageLimit calldata l) internal pure returns (bytes32) {
        return keccak256(abi.encode(USAGE_LIMIT_TYPEHASH, uint8(l.limitType), l.limit, l.period));
    }

    /// @notice hashStruct(WrappedCalls).
    function hash(WrappedCalls calldata w) internal pure returns (bytes32) {
        uint256 n = w.calls.length;
        bytes32[] memory callHashes = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            Call calldata c = w.calls[i];
            callHashes[i] = keccak256(abi.encode(CALL_TYPEHASH, c.target, c.value, keccak256(c.data)));
        }
        return keccak256(abi.encode(WRAPPED_CALLS_TYPEHASH, keccak256(abi.encodePacked(callHashes)), w.uid));
    }
}
