// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {SessionLib} from "../types/Types.sol";
import {AccountStorage} from "./AccountStorage.sol";
import {SessionCodec} from "./SessionCodec.sol";
import {UsageLimits} from "./UsageLimits.sol";

/// @title SessionViews
/// @notice What is left of a session's limits, read from its encoded spec and usage counters.
library SessionViews {
    /// @notice The remaining amount of every limit of the session stored at `pointer`:
    ///         one entry per transfer policy, one per call policy, and one per constraint whose
    ///         limit is not Unlimited (`index` = the constraint's parameter index).
    function state(AccountStorage.Layout storage $, address pointer, uint256 length)
        internal
        view
        returns (SessionLib.SessionState memory s)
    {
        uint256 base = SessionCodec.load(pointer, length);
        // Usage is keyed by the session's usage id (its first data contract).
        pointer = SessionCodec.usageId(base, length, pointer);
        (uint256 nCall, uint256 nTransfer) = SessionCodec.counts(base);
        uint256 index = SessionCodec.callIndex(base);

        s.callValue = new SessionLib.LimitState[](nCall);
        s.callParams = new SessionLib.LimitState[](_countLimitedConstraints(base, index, nCall));
        uint256 params;
        for (uint256 i; i < nCall; ++i) {
            uint256 entry;
            assembly ("memory-safe") {
                entry := mload(add(index, mul(i, 26)))
            }
            params = _callState($, pointer, base, entry, s, i, params);
        }

        index += nCall * SessionCodec.CALL_ENTRY;
        s.transferValue = new SessionLib.LimitState[](nTransfer);
        for (uint256 i; i < nTransfer; ++i) {
            uint256 entry;
            assembly ("memory-safe") {
                entry := mload(add(index, mul(i, 22)))
            }
            uint256 p = base + ((entry >> 80) & 0xffff);
            (, p) = SessionCodec.readVarUint(p);
            (uint256 remaining,) = _remaining($, pointer, base, p);
            s.transferValue[i] = SessionLib.LimitState(remaining, address(uint160(entry >> 96)), bytes4(0), 0);
        }
    }

    /// @dev Where a state read is: the session's data in memory and the next free callParams slot.
    struct Cursor {
        address pointer;
        uint256 base;
        uint256 params;
    }

    /// @dev Fills `s.callValue[i]` and the limited constraints of call policy `entry` into
    ///      `s.callParams` from position `params`; returns the next position.
    function _callState(
        AccountStorage.Layout storage $,
        address pointer,
        uint256 base,
        uint256 entry,
        SessionLib.SessionState memory s,
        uint256 i,
        uint256 params
    ) private view returns (uint256) {
        Cursor memory c = Cursor(pointer, base, params);
        uint256 p = base + ((entry >> 48) & 0xffff);
        (, p) = SessionCodec.readVarUint(p);
        uint256 remaining;
        (remaining, p) = _remaining($, pointer, base, p);
        s.callValue[i] = SessionLib.LimitState(remaining, address(uint160(entry >> 96)), bytes4(uint32(entry >> 64)), 0);
        uint256 n = SessionCodec.readU16(p);
        p += 2;
        for (uint256 k; k < n; ++k) {
            p = _constraintState($, c, p, s, i);
        }
        return c.params;
    }

    /// @dev Records the constraint at `p` of call policy `i` if its limit is not Unlimited.
    function _constraintState(
        AccountStorage.Layout storage $,
        Cursor memory c,
        uint256 p,
        SessionLib.SessionState memory s,
        uint256 i
    ) private view returns (uint256) {
        (uint256 paramIndex, uint256 q) = SessionCodec.readVarUint(p + 1);
        (, q) = SessionCodec.readVarUint(q);
        if (SessionCodec.readU8(q) & ~SessionCodec.FULL_LIMIT == uint256(SessionLib.LimitType.Unlimited)) {
            (,,, q) = SessionCodec.readLimit(q);
            return q;
        }
        uint256 remaining;
        (remaining, q) = _remaining($, c.pointer, c.base, q);
        SessionLib.LimitState memory policy = s.callValue[i];
        s.callParams[c.params++] = SessionLib.LimitState(remaining, policy.target, policy.selector, paramIndex);
        return q;
    }

    function _countLimitedConstraints(uint256 base, uint256 index, uint256 nCall) private pure returns (uint256 count) {
        for (uint256 i; i < nCall; ++i) {
            uint256 entry;
            assembly ("memory-safe") {
                entry := mload(add(index, mul(i, 26)))
            }
            uint256 p = base + ((entry >> 48) & 0xffff);
            (, p) = SessionCodec.readVarUint(p);
            (,,, p) = SessionCodec.readLimit(p);
            uint256 n = SessionCodec.readU16(p);
            p += 2;
            for (uint256 k; k < n; ++k) {
                (, p) = SessionCodec.readVarUint(p + 1);
                (, p) = SessionCodec.readVarUint(p);
                if (SessionCodec.readU8(p) & ~SessionCodec.FULL_LIMIT != uint256(SessionLib.LimitType.Unlimited)) {
                    ++count;
                }
                (,,, p) = SessionCodec.readLimit(p);
            }
        }
    }

    function _remaining(AccountStorage.Layout storage $, address pointer, uint256 base, uint256 p)
        private
        view
        returns (uint256 remaining, uint256 next)
    {
        uint256 limitType;
        uint256 limit;
        uint256 period;
        (limitType, limit, period, next) = SessionCodec.readLimit(p);
        remaining = UsageLimits.remaining($, UsageLimits.key(pointer, p - base), limitType, limit, period);
    }
}
