// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {Call} from "../types/Types.sol";
import {IMinimalAccount} from "../interfaces/IMinimalAccount.sol";
import {AccountStorage} from "./AccountStorage.sol";
import {SessionCodec} from "./SessionCodec.sol";

/// @title PolicyEngine
/// @notice Decides whether a session may run a batch of calls, and charges its usage limits.
///         Every execution path of a session signer (direct `execute`, `executeWithSig`, and
///         user operations) goes through `enforce`, so they all apply the same rules with the
///         same errors.
/// @dev Per call, in this order: the account itself is never a session's target (not even a
///      wildcard one's; the target word's upper 96 bits are ignored for that check); wildcard sessions skip the policies; calldata of 4 or more bytes needs
///      the first CallSpec matching (target, selector), shorter calldata the TransferSpec of
///      target; the value must be within maxValuePerUse and then within the value limit; each
///      constraint's word (at 4 + 32 * index) must exist, satisfy its condition (compared
///      unsigned), and fit its own limit.
///
///      The per-call check runs on every session call, so it is written in assembly over the
///      SessionCodec encoding (see there for the layout). Usage counters live in the `usage`
///      and `windows` mappings of AccountStorage (members 2 and 3 of the layout), keyed by
///      UsageLimits.key(usage id, offset of the limit in the encoding), the same key the views
///      read through UsageLimits.remaining (the usage id: SessionCodec.usageId).
library PolicyEngine {
    /// @dev SessionCodec.HAS_TRAILER, for the assembly below (checked equal in SessionCodec's
    ///      tests: inline assembly takes only number literals).
    uint256 internal constant HAS_TRAILER = 2;
    /// @dev The low 160 bits of a word: an address.
    uint256 private constant ADDRESS_MASK = 0x00ffffffffffffffffffffffffffffffffffffffff;
    /// @dev IMinimalAccount.SessionSelfCallForbidden.selector.
    uint256 internal constant SELF_CALL_FORBIDDEN = 0x943fd3c4;

    /// @notice Checks `calls` against the session whose header is `header` and charges its
    ///         limits. Reverts with the interface's error for the first call that is denied; a
    ///         denied batch reverts whole, so it charges nothing.
    ///         `encoding`: 0 on the account's paths, which read the session's encoding from its
    ///         data contract (the header's pointer) and key usage by the session's usage id
    ///         (SessionCodec.usageId); otherwise the memory address of an encoding (SessionCodec
    ///         layout) to check instead, with usage keyed by the header's pointer bits: so the
    ///         symbolic-test harness runs this very code over an encoding it builds in memory.
    ///         One function, not two: a nested internal call costs the hot path about 40 gas.
    function enforce(AccountStorage.Layout storage $, uint256 header, uint256 encoding, Call[] calldata calls)
        internal
    {
        if (block.timestamp >= AccountStorage.expiresOf(header)) revert IMinimalAccount.SessionExpired();
        uint256 n = calls.length;
        if (AccountStorage.isWildcard(header)) {
            // The target word of each call, its upper 96 bits ignored: a word that names the
            // account with dirty upper bits is refused here too, not only by the ABI decoder.
            assembly ("memory-safe") {
                for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                    let target := calldataload(add(calls.offset, calldataload(add(calls.offset, shl(5, i)))))
                    if eq(and(target, ADDRESS_MASK), address()) {
                        mstore(0x00, shl(224, SELF_CALL_FORBIDDEN))
                        revert(0x00, 0x04)
                    }
                }
            }
            return;
        }
        address usageId = AccountStorage.pointerOf(header);
        uint256 base = encoding;
        if (base == 0) {
            uint256 length = AccountStorage.lengthOf(header);
            base = SessionCodec.load(usageId, length);
            // SessionCodec.usageId, inline (this is the hot path).
            assembly ("memory-safe") {
                if and(byte(0, mload(add(base, 1))), HAS_TRAILER) {
                    usageId := shr(96, mload(add(base, sub(length, 20))))
                }
            }
        }
        assembly ("memory-safe") {
            // ---- encoding readers -----------------------------------------------------------
            function varuint(p) -> v, next {
                let len := byte(0, mload(p))
                v := shr(sub(256, shl(3, len)), mload(add(p, 1)))
                next := add(add(p, 1), len)
            }

            // ---- reverts (data written at the free memory pointer) --------------------------
            function fail1(sel, a) {
                let m := mload(0x40)
                mstore(m, shl(224, sel))
                mstore(add(m, 0x04), a)
                revert(m, 0x24)
            }
            function fail2(sel, a, b) {
                let m := mload(0x40)
                mstore(m, shl(224, sel))
                mstore(add(m, 0x04), a)
                mstore(add(m, 0x24), b)
                revert(m, 0x44)
            }
            function fail3(sel, a, b, c) {
                let m := mload(0x40)
                mstore(m, shl(224, sel))
                mstore(add(m, 0x04), a)
                mstore(add(m, 0x24), b)
                mstore(add(m, 0x44), c)
                revert(m, 0x64)
            }

            // ---- limits ---------------------------------------------------------------------
            // Charges `amount` to the limit at `p` (type byte first); returns the position after
            // the limit. LifetimeUsageExceeded / AllowanceExceeded carry the usage before it.
            function charge(p, b, ptr, uMap, amount) -> next {
                let typeByte := byte(0, mload(p))
                next := add(p, 1)
                // 0: Unlimited, nothing follows. Otherwise a limit follows, and a period for an
                // Allowance or a limit written in full (SessionCodec.FULL_LIMIT, 0x80).
                let limitType := and(typeByte, 0x7f)
                let limit := 0
                let period := 0
                if typeByte {
                    limit, next := varuint(next)
                    if or(eq(limitType, 2), and(typeByte, 0x80)) { period, next := varuint(next) }
                }
                if limitType {
                    mstore(0x00, or(shl(96, ptr), sub(p, b)))
                    mstore(0x20, uMap)
                    let usageSlot := keccak256(0x00, 0x40)
                    switch limitType
                    case 1 {
                        let used := sload(usageSlot)
                        // LifetimeUsageExceeded(uint256,uint256)
                        if gt(amount, sub(limit, used)) { fail2(0x5dd55ff1, used, limit) }
                        if amount { sstore(usageSlot, add(used, amount)) }
                    }
                    default {
                        let window := div(timestamp(), period)
                        mstore(0x20, add(uMap, 1))
                        let windowSlot := keccak256(0x00, 0x40)
                        let used := 0
                        if eq(sload(windowSlot), window) { used := sload(usageSlot) }
                        // AllowanceExceeded(uint256,uint256,uint64)
                        if gt(amount, sub(limit, used)) {
                            fail3(0xa494695a, used, limit, and(window, 0xffffffffffffffff))
                        }
                        if amount {
                            sstore(usageSlot, add(used, amount))
                            sstore(windowSlot, window)
                        }
                    }
                }
            }

            // Checks `amount` against the maxValuePerUse at `p`, then charges the value limit.
            function checkValue(p, b, ptr, uMap, amount) -> next {
                let maxValuePerUse
                maxValuePerUse, next := varuint(p)
                // MaxValueExceeded(uint256,uint256)
                if gt(amount, maxValuePerUse) { fail2(0x3fd65609, amount, maxValuePerUse) }
                next := charge(next, b, ptr, uMap, amount)
            }

            // Checks the constraints at `p` (their count first) against the calldata at `dOff`
            // (`dLen` bytes) and charges their limits.
            function checkConstraints(p, b, ptr, uMap, dOff, dLen) {
                let nConstraints := shr(240, mload(p))
                p := add(p, 2)
                for { let k := 0 } lt(k, nConstraints) { k := add(k, 1) } {
                    let condition := byte(0, mload(p))
                    let paramIndex, q := varuint(add(p, 1))
                    let refValue
                    refValue, q := varuint(q)
                    let end := add(4, shl(5, add(paramIndex, 1)))
                    // InvalidDataLength(uint256,uint256)
                    if lt(dLen, end) { fail2(0x78ef8024, dLen, end) }
                    let word := calldataload(add(dOff, sub(end, 32)))
                    let ok := 1
                    switch condition
                    case 1 { ok := eq(word, refValue) }
                    case 2 { ok := gt(word, refValue) }
                    case 3 { ok := lt(word, refValue) }
                    case 4 { ok := iszero(lt(word, refValue)) }
                    case 5 { ok := iszero(gt(word, refValue)) }
                    case 6 { ok := iszero(eq(word, refValue)) }
                    // ConditionFailed(bytes32,bytes32,uint8)
                    if iszero(ok) { fail3(0xa5765694, word, refValue, condition) }
                    p := charge(q, b, ptr, uMap, word)
                }
            }

            // ---- policy lookup --------------------------------------------------------------
            // The record of the first call policy matching (target, selector).
            function findCall(b, index, nCall, target, selector) -> record {
                let wanted := or(shl(32, target), selector)
                for { let j := 0 } lt(j, nCall) { j := add(j, 1) } {
                    let entry := mload(add(index, mul(j, 26)))
                    if eq(shr(64, entry), wanted) {
                        record := add(b, and(shr(48, entry), 0xffff))
                        break
                    }
                }
                // CallPolicyViolated(address,bytes4)
                if iszero(record) { fail2(0x31430d1c, target, shl(224, selector)) }
            }

            // The record of the transfer policy of `target`.
            function findTransfer(b, index, nTransfer, target) -> record {
                for { let j := 0 } lt(j, nTransfer) { j := add(j, 1) } {
                    let entry := mload(add(index, mul(j, 22)))
                    if eq(shr(96, entry), target) {
                        record := add(b, and(shr(80, entry), 0xffff))
                        break
                    }
                }
                // TransferPolicyViolated(address)
                if iszero(record) { fail1(0x18ee80e7, target) }
            }

            // ---- one call --------------------------------------------------------------------
            // Checks the Call encoded at calldata `c`, read at the positions the ABI decoder uses
            // (the batch is decoded again, with full validation, when it runs, so malformed
            // calldata reverts there).
            function checkCall(c, b, ptr, uMap, callIndex) {
                let target := calldataload(c)
                let d := add(c, calldataload(add(c, 0x40)))
                let dataLength := calldataload(d)
                // SessionSelfCallForbidden(): the account, whatever the word's upper 96 bits
                // (a dirty word matches no policy below either, but the account is refused
                // first and by name).
                if eq(and(target, ADDRESS_MASK), address()) {
                    mstore(0x00, shl(224, SELF_CALL_FORBIDDEN))
                    revert(0x00, 0x04)
                }
                let nCall := shr(240, mload(add(b, 2)))
                switch lt(dataLength, 4)
                case 0 {
                    let record := findCall(b, callIndex, nCall, target, shr(224, calldataload(add(d, 0x20))))
                    let p := checkValue(record, b, ptr, uMap, calldataload(add(c, 0x20)))
                    checkConstraints(p, b, ptr, uMap, add(d, 0x20), dataLength)
                }
                default {
                    let record := findTransfer(b, add(callIndex, mul(nCall, 26)), shr(240, mload(add(b, 4))), target)
                    pop(checkValue(record, b, ptr, uMap, calldataload(add(c, 0x20))))
                }
            }

            // ---- the batch ------------------------------------------------------------------
            let usageMap := add($.slot, 2)
            let callIndex := add(add(base, 7), byte(0, mload(add(base, 6))))
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                checkCall(
                    add(calls.offset, calldataload(add(calls.offset, shl(5, i)))),
                    base,
                    usageId,
                    usageMap,
                    callIndex
                )
            }
        }
    }
}
