// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {Call} from "../types/Types.sol";
import {IMinimalAccount} from "../interfaces/IMinimalAccount.sol";
import {AccountStorage} from "./AccountStorage.sol";
import {SessionCodec} from "./SessionCodec.sol";
import {UsageLimits} from "./UsageLimits.sol";
import {Constraints} from "./Constraints.sol";

/// @title PolicyEngine
/// @notice Decides whether a session may run a batch of calls, and charges its usage limits.
///         Every execution path of a session signer (direct `execute`, `executeWithSig`, and
///         user operations) goes through `enforce`, so they all apply the same rules with the
///         same errors.
/// @dev Per call, in this order: the account itself is never a session's target (not even a
///      wildcard one's); wildcard sessions skip the policies; calldata of 4 or more bytes needs
///      the first CallSpec matching (target, selector), shorter calldata the TransferSpec of
///      target; the value must be within maxValuePerUse and then within the value limit; each
///      constraint's word must exist, satisfy its condition, and fit its own limit.
library PolicyEngine {
    /// @notice Checks `calls` against the session whose header is `header` and charges its
    ///         limits. Reverts with the interface's error for the first call that is denied.
    function enforce(AccountStorage.Layout storage $, uint256 header, Call[] calldata calls) internal {
        if (block.timestamp >= AccountStorage.expiresOf(header)) revert IMinimalAccount.SessionExpired();
        uint256 n = calls.length;
        if (AccountStorage.isWildcard(header)) {
            for (uint256 i; i < n; ++i) {
                if (calls[i].target == address(this)) revert IMinimalAccount.SessionSelfCallForbidden();
            }
            return;
        }
        address pointer = AccountStorage.pointerOf(header);
        uint256 base = SessionCodec.load(pointer, AccountStorage.lengthOf(header));
        for (uint256 i; i < n; ++i) {
            Call calldata c = calls[i];
            _enforceCall($, pointer, base, c.target, c.value, c.data);
        }
    }

    function _enforceCall(
        AccountStorage.Layout storage $,
        address pointer,
        uint256 base,
        address target,
        uint256 value,
        bytes calldata data
    ) private {
        if (target == address(this)) revert IMinimalAccount.SessionSelfCallForbidden();
        if (data.length >= 4) {
            uint256 p = _findCallPolicy(base, target, bytes4(data[:4]));
            p = _checkValue($, pointer, base, p, value);
            _enforceConstraints($, pointer, base, p, data);
        } else {
            _checkValue($, pointer, base, _findTransferPolicy(base, target), value);
        }
    }

    /// @dev The record of the first call policy matching (target, selector), or CallPolicyViolated.
    function _findCallPolicy(uint256 base, address target, bytes4 selector) private pure returns (uint256) {
        (uint256 nCall,) = SessionCodec.counts(base);
        uint256 index = SessionCodec.callIndex(base);
        uint256 wanted = (uint256(uint160(target)) << 32) | uint32(selector);
        for (uint256 j; j < nCall; ++j) {
            uint256 entry;
            assembly ("memory-safe") {
                entry := mload(add(index, mul(j, 26)))
            }
            if (entry >> 64 == wanted) return base + ((entry >> 48) & 0xffff);
        }
        revert IMinimalAccount.CallPolicyViolated(target, selector);
    }

    /// @dev The record of the transfer policy of `target`, or TransferPolicyViolated.
    function _findTransferPolicy(uint256 base, address target) private pure returns (uint256) {
        (uint256 nCall, uint256 nTransfer) = SessionCodec.counts(base);
        uint256 index = SessionCodec.callIndex(base) + nCall * SessionCodec.CALL_ENTRY;
        for (uint256 j; j < nTransfer; ++j) {
            uint256 entry;
            assembly ("memory-safe") {
                entry := mload(add(index, mul(j, 22)))
            }
            if (entry >> 96 == uint256(uint160(target))) return base + ((entry >> 80) & 0xffff);
        }
        revert IMinimalAccount.TransferPolicyViolated(target);
    }

    /// @dev Checks and charges the constraints starting at `p` (their count) against `data`.
    function _enforceConstraints(
        AccountStorage.Layout storage $,
        address pointer,
        uint256 base,
        uint256 p,
        bytes calldata data
    ) private {
        uint256 n = SessionCodec.readU16(p);
        p += 2;
        for (uint256 k; k < n; ++k) {
            uint256 condition = SessionCodec.readU8(p);
            (uint256 paramIndex, uint256 q) = SessionCodec.readVarUint(p + 1);
            uint256 refValue;
            (refValue, q) = SessionCodec.readVarUint(q);
            bytes32 word = Constraints.param(data, paramIndex);
            Constraints.check(condition, word, bytes32(refValue));
            p = _charge($, pointer, base, q, uint256(word));
        }
    }

    /// @dev Checks `value` against the maxValuePerUse at `p` and charges the value limit after
    ///      it; returns the position after the limit.
    function _checkValue(AccountStorage.Layout storage $, address pointer, uint256 base, uint256 p, uint256 value)
        private
        returns (uint256)
    {
        uint256 maxValuePerUse;
        (maxValuePerUse, p) = SessionCodec.readVarUint(p);
        if (value > maxValuePerUse) revert IMinimalAccount.MaxValueExceeded(value, maxValuePerUse);
        return _charge($, pointer, base, p, value);
    }

    /// @dev Charges `amount` to the limit at `p`; returns the position after it.
    function _charge(AccountStorage.Layout storage $, address pointer, uint256 base, uint256 p, uint256 amount)
        private
        returns (uint256 next)
    {
        uint256 limitType;
        uint256 limit;
        uint256 period;
        (limitType, limit, period, next) = SessionCodec.readLimit(p);
        if (limitType != 0) {
            UsageLimits.charge($, UsageLimits.key(pointer, p - base), limitType, limit, period, amount);
        }
    }
}
