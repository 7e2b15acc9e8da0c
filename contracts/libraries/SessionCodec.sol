// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {SessionLib} from "../types/Types.sol";

/// @title SessionCodec
/// @notice A compact byte encoding of a SessionSpec's policies, stored as the code of a data
///         contract (SSTORE2 style) so that a session call reads its whole spec with one
///         EXTCODECOPY instead of a cold SLOAD per field.
/// @dev Layout (offsets from the start of the code):
///
///      [0]            0x00 (STOP, so the data contract cannot be called)
///      [1]            flags: bit 0 = isWildcard
///      [2..3]         number of call policies, big-endian
///      [4..5]         number of transfer policies, big-endian
///      [6..]          expiresAt (varuint)
///      call index     per call policy:     target (20) | selector (4) | record offset (2)
///      transfer index per transfer policy: target (20) | record offset (2)
///      records        call:     maxValuePerUse (varuint) | limit | constraint count (2) | constraints
///                     constraint: condition (1) | index (varuint) | refValue (varuint) | limit
///                     transfer: maxValuePerUse (varuint) | limit
///      limit          type (1) [| limit (varuint) [| period (varuint)]] (Unlimited: type only;
///                     Lifetime: type and limit; Allowance: all three). A limit whose unused
///                     fields are not zero (an Unlimited limit with a limit, a Lifetime with a
///                     period) is written in full, with FULL_LIMIT set in its type byte, so the
///                     views return exactly the signed spec.
///      varuint        a length byte L (0..32), then L big-endian bytes
///
///      The offset of a limit's type byte identifies that limit within the session: it keys the
///      limit's usage counter, together with the session's usage id (see `usageId`).
///
///      Paymaster trailer (flags bit 1, HAS_TRAILER): the paymasters the owner allowed for the
///      session's user operations, appended after the records when the owner allows one
///      (`SessionAccount.allowSessionPaymaster` deploys a new data contract: the records are
///      copied unchanged, so every limit keeps its offset):
///
///      entries        per paymaster: address (20) | maxCostPerOp (32)
///      count          number of entries (1)
///      origin         the first data contract of the session (20): its usage id
library SessionCodec {
    /// @notice The largest code a contract may have (EIP-170).
    uint256 internal constant MAX_CODE_SIZE = 24_576;
    /// @notice Size of one call index entry.
    uint256 internal constant CALL_ENTRY = 26;
    /// @notice Size of one transfer index entry.
    uint256 internal constant TRANSFER_ENTRY = 22;
    /// @notice Flag in a limit's type byte: limit and period both follow.
    uint256 internal constant FULL_LIMIT = 0x80;
    /// @notice Flag in the flags byte: the encoding ends with a paymaster trailer.
    uint256 internal constant HAS_TRAILER = 2;
    /// @notice Size of one paymaster entry of the trailer.
    uint256 internal constant PAYMASTER_ENTRY = 52;
    /// @notice Size of the trailer's fixed end: count (1) and origin (20).
    uint256 internal constant TRAILER_END = 21;
    /// @notice Most paymasters one session may allow (the trailer's count is one byte).
    uint256 internal constant MAX_PAYMASTERS = 255;
    /// @dev Bytes of the creation prefix that returns the rest as code.
    uint256 private constant PREFIX = 10;

    // ------------------------------------------------------------------
    //  Encoding (grant time)
    // ------------------------------------------------------------------

    /// @notice The creation code of a data contract holding `spec`'s encoding, and the length
    ///         of the code it deploys.
    function creationCode(SessionLib.SessionSpec calldata spec)
        internal
        pure
        returns (bytes memory code, uint256 length)
    {
        uint256 nCall = spec.callPolicies.length;
        uint256 nTransfer = spec.transferPolicies.length;
        // Worst case: every varuint at 33 bytes, every limit an Allowance (67 bytes).
        uint256 capacity = PREFIX + 6 + 33 + nCall * (CALL_ENTRY + 33 + 67 + 2) + nTransfer * (TRANSFER_ENTRY + 33 + 67);
        for (uint256 i; i < nCall; ++i) {
            capacity += spec.callPolicies[i].constraints.length * (1 + 33 + 33 + 67);
        }
        code = new bytes(capacity + 32);
        uint256 base;
        assembly ("memory-safe") {
            base := add(code, add(32, PREFIX))
            mstore8(base, 0) // STOP
            mstore8(add(base, 1), calldataload(add(spec, 0x20))) // isWildcard
            mstore8(add(base, 2), shr(8, nCall))
            mstore8(add(base, 3), nCall)
            mstore8(add(base, 4), shr(8, nTransfer))
            mstore8(add(base, 5), nTransfer)
        }
        uint256 p = _writeVarUint(base + 6, spec.expiresAt);
        uint256 callEntries = p;
        uint256 transferEntries = callEntries + nCall * CALL_ENTRY;
        p = transferEntries + nTransfer * TRANSFER_ENTRY;

        for (uint256 i; i < nCall; ++i) {
            SessionLib.CallSpec calldata c = spec.callPolicies[i];
            _writeCallEntry(callEntries + i * CALL_ENTRY, c.target, c.selector, p - base);
            p = _writeVarUint(p, c.maxValuePerUse);
            p = _writeLimit(p, c.valueLimit);
            uint256 nConstraints = c.constraints.length;
            assembly ("memory-safe") {
                mstore8(p, shr(8, nConstraints))
                mstore8(add(p, 1), nConstraints)
            }
            p += 2;
            for (uint256 j; j < nConstraints; ++j) {
                SessionLib.Constraint calldata k = c.constraints[j];
                uint256 condition = uint256(k.condition);
                assembly ("memory-safe") {
                    mstore8(p, condition)
                }
                p = _writeVarUint(p + 1, k.index);
                p = _writeVarUint(p, uint256(k.refValue));
                p = _writeLimit(p, k.limit);
            }
        }
        for (uint256 i; i < nTransfer; ++i) {
            SessionLib.TransferSpec calldata t = spec.transferPolicies[i];
            _writeTransferEntry(transferEntries + i * TRANSFER_ENTRY, t.target, p - base);
            p = _writeVarUint(p, t.maxValuePerUse);
            p = _writeLimit(p, t.valueLimit);
        }

        length = p - base;
        _writePrefix(code, length);
    }

    /// @dev Writes the creation prefix of a data contract of `length` bytes into `code`
    ///      (PUSH2 length, DUP1, PUSH1 0x0a, RETURNDATASIZE, CODECOPY, RETURNDATASIZE, RETURN:
    ///      returns the `length` bytes after it as the code) and sets `code`'s length.
    function _writePrefix(bytes memory code, uint256 length) private pure {
        assembly ("memory-safe") {
            mstore(code, add(length, PREFIX))
            let w := add(code, 32)
            mstore8(w, 0x61)
            mstore8(add(w, 1), shr(8, length))
            mstore8(add(w, 2), length)
            mstore8(add(w, 3), 0x80)
            mstore8(add(w, 4), 0x60)
            mstore8(add(w, 5), 0x0a)
            mstore8(add(w, 6), 0x3d)
            mstore8(add(w, 7), 0x39)
            mstore8(add(w, 8), 0x3d)
            mstore8(add(w, 9), 0xf3)
        }
    }

    // ------------------------------------------------------------------
    //  Paymaster trailer
    // ------------------------------------------------------------------

    /// @notice The usage id of the session whose encoding (`length` bytes, from data contract
    ///         `pointer`) is at `base`: the origin of its trailer if it has one, else `pointer`.
    ///         Usage counters are keyed by it, so a session keeps its counters when the owner
    ///         changes its paymasters (a new data contract) and starts from zero when re-granted.
    function usageId(uint256 base, uint256 length, address pointer) internal pure returns (address id) {
        assembly ("memory-safe") {
            id := pointer
            if and(byte(0, mload(add(base, 1))), HAS_TRAILER) {
                id := shr(96, mload(add(base, sub(length, 20))))
            }
        }
    }

    /// @notice The paymaster entries of the encoding at `base` (`length` bytes): where they
    ///         start, how many there are, and the length of the encoding without its trailer.
    function trailer(uint256 base, uint256 length)
        internal
        pure
        returns (uint256 entries, uint256 count, uint256 bodyLength)
    {
        bodyLength = length;
        if (readU8(base + 1) & HAS_TRAILER != 0) {
            count = readU8(base + length - TRAILER_END);
            bodyLength = length - TRAILER_END - count * PAYMASTER_ENTRY;
        }
        entries = base + bodyLength;
    }

    /// @notice Whether `paymaster` is in the trailer of the encoding at `base` (`length` bytes),
    ///         its maxCostPerOp, and the index of its entry.
    function findPaymaster(uint256 base, uint256 length, address paymaster)
        internal
        pure
        returns (bool found, uint256 maxCostPerOp, uint256 index)
    {
        (uint256 entries, uint256 count,) = trailer(base, length);
        for (; index < count; ++index) {
            uint256 e = entries + index * PAYMASTER_ENTRY;
            address a;
            assembly ("memory-safe") {
                a := shr(96, mload(e))
                maxCostPerOp := mload(add(e, 20))
            }
            if (a == paymaster) return (true, maxCostPerOp, index);
        }
    }

    /// @notice The creation code of the data contract of the session whose encoding is at
    ///         `base` (`length` bytes, data contract `pointer`), with `paymaster` allowed at
    ///         `maxCostPerOp` (`allow`; replacing its entry if it had one) or removed (not
    ///         `allow`; it must have one), and the length of the code it deploys. The records
    ///         are copied unchanged and the origin is kept, so the usage counters carry over.
    function withPaymaster(
        uint256 base,
        uint256 length,
        address pointer,
        address paymaster,
        uint256 maxCostPerOp,
        bool allow
    ) internal pure returns (bytes memory code, uint256 newLength) {
        (, uint256 count, uint256 bodyLength) = trailer(base, length);
        (bool found,, uint256 at) = findPaymaster(base, length, paymaster);
        uint256 newCount = count;
        if (allow && !found) ++newCount;
        if (!allow) --newCount; // the caller checked that it is there
        newLength = bodyLength + newCount * PAYMASTER_ENTRY + TRAILER_END;
        code = new bytes(PREFIX + newLength + 32);
        uint256 q = _copyKept(code, base, length, found ? at : type(uint256).max);
        address first = usageId(base, length, pointer);
        assembly ("memory-safe") {
            if allow {
                mstore(q, shl(96, paymaster))
                mstore(add(q, 20), maxCostPerOp)
                q := add(q, PAYMASTER_ENTRY)
            }
            mstore8(q, newCount)
            mstore(add(q, 1), shl(96, first))
            // The flags byte: the trailer is there.
            let flags := add(code, add(33, PREFIX))
            mstore8(flags, or(byte(0, mload(flags)), HAS_TRAILER))
        }
        _writePrefix(code, newLength);
    }

    /// @dev Copies the records of the encoding at `base` and its paymaster entries but entry
    ///      `skip` into `code` (after the creation prefix); returns where the copy ends.
    function _copyKept(bytes memory code, uint256 base, uint256 length, uint256 skip) private pure returns (uint256 q) {
        (uint256 entries, uint256 count, uint256 bodyLength) = trailer(base, length);
        assembly ("memory-safe") {
            q := add(code, add(32, PREFIX))
        }
        _copy(q, base, bodyLength);
        q += bodyLength;
        for (uint256 i; i < count; ++i) {
            if (i == skip) continue; // replaced after, or removed
            _copy(q, entries + i * PAYMASTER_ENTRY, PAYMASTER_ENTRY);
            q += PAYMASTER_ENTRY;
        }
    }

    function _copy(uint256 dst, uint256 src, uint256 n) private pure {
        assembly ("memory-safe") {
            mcopy(dst, src, n)
        }
    }

    function _writeCallEntry(uint256 p, address target, bytes4 selector, uint256 offset) private pure {
        assembly ("memory-safe") {
            let w := or(shl(96, target), or(shr(160, selector), shl(48, offset)))
            mstore(p, or(w, and(mload(p), 0xffffffffffff)))
        }
    }

    function _writeTransferEntry(uint256 p, address target, uint256 offset) private pure {
        assembly ("memory-safe") {
            let w := or(shl(96, target), shl(80, offset))
            mstore(p, or(w, and(mload(p), 0xffffffffffffffffffff)))
        }
    }

    function _writeLimit(uint256 p, SessionLib.UsageLimit calldata limit) private pure returns (uint256) {
        uint256 limitType = uint256(limit.limitType);
        bool full = (limitType == uint256(SessionLib.LimitType.Unlimited) && (limit.limit | limit.period) != 0)
            || (limitType == uint256(SessionLib.LimitType.Lifetime) && limit.period != 0);
        uint256 typeByte = full ? limitType | FULL_LIMIT : limitType;
        assembly ("memory-safe") {
            mstore8(p, typeByte)
        }
        p += 1;
        if (!full && limitType == uint256(SessionLib.LimitType.Unlimited)) return p;
        p = _writeVarUint(p, limit.limit);
        if (!full && limitType == uint256(SessionLib.LimitType.Lifetime)) return p;
        return _writeVarUint(p, limit.period);
    }

    function _writeVarUint(uint256 p, uint256 v) private pure returns (uint256 next) {
        assembly ("memory-safe") {
            // Byte length of v by binary search.
            let x := v
            let len := 0
            if shr(128, x) {
                x := shr(128, x)
                len := 16
            }
            if shr(64, x) {
                x := shr(64, x)
                len := add(len, 8)
            }
            if shr(32, x) {
                x := shr(32, x)
                len := add(len, 4)
            }
            if shr(16, x) {
                x := shr(16, x)
                len := add(len, 2)
            }
            if shr(8, x) {
                x := shr(8, x)
                len := add(len, 1)
            }
            if x { len := add(len, 1) }
            mstore8(p, len)
            mstore(add(p, 1), shl(sub(256, mul(8, len)), v))
            next := add(add(p, 1), len)
        }
    }

    // ------------------------------------------------------------------
    //  Reading (hot path and views)
    // ------------------------------------------------------------------

    /// @notice Copies the code of `pointer` (`length` bytes) into fresh memory; returns its address.
    function load(address pointer, uint256 length) internal view returns (uint256 base) {
        assembly ("memory-safe") {
            base := mload(0x40)
            extcodecopy(pointer, base, 0, length)
            mstore(0x40, add(base, and(add(length, 63), not(31))))
        }
    }

    /// @notice Reads the varuint at `p`.
    function readVarUint(uint256 p) internal pure returns (uint256 v, uint256 next) {
        assembly ("memory-safe") {
            let len := byte(0, mload(p))
            v := shr(sub(256, mul(8, len)), mload(add(p, 1)))
            next := add(add(p, 1), len)
        }
    }

    /// @notice Reads the byte at `p`.
    function readU8(uint256 p) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := byte(0, mload(p))
        }
    }

    /// @notice Reads the big-endian 16-bit number at `p`.
    function readU16(uint256 p) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := shr(240, mload(p))
        }
    }

    /// @notice Reads the limit at `p`.
    function readLimit(uint256 p)
        internal
        pure
        returns (uint256 limitType, uint256 limit, uint256 period, uint256 next)
    {
        uint256 typeByte = readU8(p);
        limitType = typeByte & ~FULL_LIMIT;
        next = p + 1;
        if (typeByte & FULL_LIMIT != 0) {
            (limit, next) = readVarUint(next);
            (period, next) = readVarUint(next);
        } else if (limitType != uint256(SessionLib.LimitType.Unlimited)) {
            (limit, next) = readVarUint(next);
            if (limitType == uint256(SessionLib.LimitType.Allowance)) (period, next) = readVarUint(next);
        }
    }

    /// @notice The start of the call index of the encoding at `base`.
    function callIndex(uint256 base) internal pure returns (uint256) {
        return base + 7 + readU8(base + 6);
    }

    /// @notice Number of call and transfer policies of the encoding at `base`.
    function counts(uint256 base) internal pure returns (uint256 nCall, uint256 nTransfer) {
        nCall = readU16(base + 2);
        nTransfer = readU16(base + 4);
    }

    /// @notice Decodes the encoding at `base` back into the spec's fields.
    function decode(uint256 base)
        internal
        pure
        returns (
            bool isWildcard,
            uint256 expiresAt,
            SessionLib.CallSpec[] memory calls,
            SessionLib.TransferSpec[] memory transfers
        )
    {
        isWildcard = readU8(base + 1) & 1 != 0;
        (expiresAt,) = readVarUint(base + 6);
        (uint256 nCall, uint256 nTransfer) = counts(base);
        uint256 index = callIndex(base);
        calls = new SessionLib.CallSpec[](nCall);
        for (uint256 i; i < nCall; ++i) {
            calls[i] = _decodeCall(base, index + i * CALL_ENTRY);
        }
        index += nCall * CALL_ENTRY;
        transfers = new SessionLib.TransferSpec[](nTransfer);
        for (uint256 i; i < nTransfer; ++i) {
            SessionLib.TransferSpec memory t = transfers[i];
            uint256 entry;
            assembly ("memory-safe") {
                entry := mload(add(index, mul(i, TRANSFER_ENTRY)))
            }
            t.target = address(uint160(entry >> 96));
            uint256 p = base + ((entry >> 80) & 0xffff);
            (t.maxValuePerUse, p) = readVarUint(p);
            (t.valueLimit,) = _decodeLimit(p);
        }
    }

    function _decodeCall(uint256 base, uint256 entryPtr) private pure returns (SessionLib.CallSpec memory c) {
        uint256 entry;
        assembly ("memory-safe") {
            entry := mload(entryPtr)
        }
        c.target = address(uint160(entry >> 96));
        c.selector = bytes4(uint32(entry >> 64));
        uint256 p = base + ((entry >> 48) & 0xffff);
        (c.maxValuePerUse, p) = readVarUint(p);
        (c.valueLimit, p) = _decodeLimit(p);
        uint256 n = readU16(p);
        p += 2;
        c.constraints = new SessionLib.Constraint[](n);
        for (uint256 j; j < n; ++j) {
            SessionLib.Constraint memory k = c.constraints[j];
            k.condition = SessionLib.Condition(readU8(p));
            uint256 v;
            (v, p) = readVarUint(p + 1);
            k.index = uint64(v);
            (v, p) = readVarUint(p);
            k.refValue = bytes32(v);
            (k.limit, p) = _decodeLimit(p);
        }
    }

    function _decodeLimit(uint256 p) private pure returns (SessionLib.UsageLimit memory l, uint256 next) {
        uint256 limitType;
        (limitType, l.limit, l.period, next) = readLimit(p);
        l.limitType = SessionLib.LimitType(limitType);
    }
}
