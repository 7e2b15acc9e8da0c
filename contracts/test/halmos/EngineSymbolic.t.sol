// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {vm} from "../utils/Vm.sol";
import {Call} from "../../types/Types.sol";
import {AccountStorage} from "../../libraries/AccountStorage.sol";
import {EngineHarness} from "../harness/EngineHarness.sol";

/// @notice Symbolic checks (halmos, `tools/analyze`) of the policy engine's limit accounting:
///         PolicyEngine.enforce, the function every session path of the account runs, over a
///         session encoding held in memory (EngineHarness), against a plain-Solidity reference
///         model of the semantics written here.
///
///         Bounds: one session with 2 call policies (no transfer policies), 2 constraints each
///         (on parameter words 0 and 1), every limit written in full (SessionCodec.FULL_LIMIT)
///         so that offsets are concrete; a batch of 1 call (2 by hand), each with 68 bytes of
///         calldata (selector and two words) and a value; periods concrete (100 s for call
///         values, 1,000 s for parameters); the policies' targets and selectors, the block
///         time (one per check) and the session's expiry concrete. Symbolic: the policies'
///         maxValuePerUse, limits and reference values, each call's target, selector, words and
///         value, and every counter's usage and window before the batch (so a stored window is
///         the current one or any other: both Allowance cases).
///         Conditions and limit kinds are concrete per check (symbolic ones multiply the paths
///         past the time budget), chosen so that together the checks cover every condition and
///         every limit kind: `check_oneCall_a` and `check_oneCall_b` (one call each, run by
///         tools/analyze); `check_twoCalls` (two calls accumulating on one policy) is over the
///         time budget and run by hand.
///
///         Proven for every input within the bounds (each check asserts all three):
///         1. a batch the engine accepts leaves every Lifetime usage, and every Allowance usage
///            of the current window, at most its limit (given that it was before);
///         2. a batch the engine refuses changes no usage counter or window;
///         3. the engine accepts exactly when the model does, and then leaves exactly the
///            counters and windows the model computes.
///         Not covered here (unit and fuzz tests cover them): the codec (minimal varuints),
///         transfer policies, short calldata, out-of-range parameter indices, expiry and
///         wildcard sessions, the revert data of each refusal.
contract EngineSymbolicTest {
    EngineHarness internal harness;
    address internal constant USAGE_ID = address(0xDA7A);
    uint256 internal constant VALUE_PERIOD = 100;
    /// @dev The policies' targets and selectors (concrete; each call's are symbolic).
    address internal constant TARGET0 = address(0xA0);
    address internal constant TARGET1 = address(0xB0);
    bytes4 internal constant SELECTOR0 = 0x11111111;
    bytes4 internal constant SELECTOR1 = 0x22222222;
    /// @dev The session's expiry (the header's) and the block times of the checks.
    uint256 internal constant EXPIRY = 2_000_000_000;
    uint256 internal constant TIME = 1_750_000_000;
    uint256 internal constant PARAM_PERIOD = 1000;

    // Layout of the encoding (SessionCodec) built below: header 7 bytes, 2 call index entries
    // of 26 bytes, then the records; a varuint is 33 bytes, a full limit 67, a constraint 134.
    uint256 internal constant RECORDS = 7 + 2 * 26;
    uint256 internal constant RECORD = 33 + 67 + 2 + 2 * 134;

    struct Limit {
        uint8 kind; // 0 Unlimited, 1 Lifetime, 2 Allowance
        uint256 limit;
        uint256 period;
        uint256 used; // counter before the batch
        uint256 window; // window before the batch
    }

    struct Policy {
        address target;
        bytes4 selector;
        uint256 maxValue;
        Limit value;
        uint8[2] condition;
        uint256[2] ref;
        Limit[2] param;
    }

    struct Batch {
        address[3] target;
        bytes4[3] selector;
        uint256[3] value;
        uint256[3] w0;
        uint256[3] w1;
        uint256 n;
    }

    function setUp() public {
        harness = new EngineHarness();
    }

    // ------------------------------------------------------------------
    //  The encoding
    // ------------------------------------------------------------------

    /// @dev Writes a 32-byte varuint (length byte 32, then the word) at `at`; words are written
    ///      whole (mstore) so that the symbolic terms stay simple.
    function _varuint(uint256 b, uint256 at, uint256 v) internal pure returns (uint256) {
        assembly ("memory-safe") {
            mstore8(add(b, at), 32)
            mstore(add(add(b, at), 1), v)
        }
        return at + 33;
    }

    function _limit(uint256 b, uint256 at, Limit memory l) internal pure returns (uint256) {
        uint256 typeByte = l.kind | 0x80; // FULL_LIMIT: limit and period follow, whatever the kind
        assembly ("memory-safe") {
            mstore8(add(b, at), typeByte)
        }
        at = _varuint(b, at + 1, l.limit);
        return _varuint(b, at, l.period);
    }

    function _encode(Policy[2] memory p) internal pure returns (bytes memory encoding) {
        encoding = new bytes(RECORDS + 2 * RECORD + 64);
        uint256 b;
        assembly ("memory-safe") {
            b := add(encoding, 32)
            mstore8(add(b, 3), 2) // two call policies, no transfer policies; flags 0, expiry 0
        }
        // The index entries first (each word spills into what follows, written after).
        for (uint256 i; i < 2; ++i) {
            uint256 entry = (uint256(uint160(p[i].target)) << 96) | (uint256(uint32(p[i].selector)) << 64)
                | ((RECORDS + i * RECORD) << 48);
            assembly ("memory-safe") {
                mstore(add(b, add(7, mul(i, 26))), entry)
            }
        }
        for (uint256 i; i < 2; ++i) {
            uint256 at = _varuint(b, RECORDS + i * RECORD, p[i].maxValue);
            at = _limit(b, at, p[i].value);
            assembly ("memory-safe") {
                mstore8(add(b, at), 0)
                mstore8(add(b, add(at, 1)), 2) // two constraints
            }
            at += 2;
            for (uint256 k; k < 2; ++k) {
                uint256 condition = p[i].condition[k];
                assembly ("memory-safe") {
                    mstore8(add(b, at), condition)
                }
                at = _varuint(b, at + 1, k); // parameter index k
                at = _varuint(b, at, p[i].ref[k]);
                at = _limit(b, at, p[i].param[k]);
            }
        }
        assembly ("memory-safe") {
            mstore(encoding, sub(mload(encoding), 64))
        }
    }

    /// @dev The offset (usage key) of policy `i`'s value limit, and of its constraint `k`'s.
    function _valueOffset(uint256 i) internal pure returns (uint256) {
        return RECORDS + i * RECORD + 33;
    }

    function _paramOffset(uint256 i, uint256 k) internal pure returns (uint256) {
        return RECORDS + i * RECORD + 33 + 67 + 2 + k * 134 + 1 + 33 + 33;
    }

    // ------------------------------------------------------------------
    //  The reference model
    // ------------------------------------------------------------------

    function _holds(uint8 c, uint256 w, uint256 r) internal pure returns (bool) {
        if (c == 1) return w == r;
        if (c == 2) return w > r;
        if (c == 3) return w < r;
        if (c == 4) return w >= r;
        if (c == 5) return w <= r;
        if (c == 6) return w != r;
        return true;
    }

    /// @dev Charges `amount` to `l` at time `t` as the semantics say; false if it would pass
    ///      the limit. (Counters are written only for a non-zero amount.)
    function _charge(Limit memory l, uint256 amount, uint256 t) internal pure returns (bool) {
        if (l.kind == 0) return true;
        unchecked {
            if (l.kind == 1) {
                if (amount > l.limit - l.used) return false;
                if (amount != 0) l.used += amount;
                return true;
            }
            uint256 window = t / l.period;
            uint256 used = l.window == window ? l.used : 0;
            if (amount > l.limit - used) return false;
            if (amount != 0) (l.used, l.window) = (used + amount, window);
            return true;
        }
    }

    function _model(Policy[2] memory p, Batch memory b, uint256 t) internal view returns (bool) {
        if (t >= EXPIRY) return false;
        for (uint256 i; i < b.n; ++i) {
            if (b.target[i] == address(harness)) return false; // the account itself
        }
        for (uint256 i; i < b.n; ++i) {
            uint256 j = 2;
            if (b.target[i] == p[0].target && b.selector[i] == p[0].selector) j = 0;
            else if (b.target[i] == p[1].target && b.selector[i] == p[1].selector) j = 1;
            if (j == 2) return false;
            Policy memory q = p[j];
            if (b.value[i] > q.maxValue) return false;
            if (!_charge(q.value, b.value[i], t)) return false;
            uint256[2] memory w = [b.w0[i], b.w1[i]];
            for (uint256 k; k < 2; ++k) {
                if (!_holds(q.condition[k], w[k], q.ref[k])) return false;
                if (!_charge(q.param[k], w[k], t)) return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------
    //  The check
    // ------------------------------------------------------------------

    function _calls(Batch memory b) internal pure returns (Call[] memory calls) {
        calls = new Call[](b.n);
        for (uint256 i; i < b.n; ++i) {
            calls[i] = Call(b.target[i], b.value[i], abi.encodePacked(b.selector[i], b.w0[i], b.w1[i]));
        }
    }

    function _store(Limit memory l, uint256 offset) internal {
        harness.setUsage(USAGE_ID, offset, l.used, l.window);
    }

    /// @dev Whether the counter at `offset` is what it must be: after an accepted batch, the
    ///      model's counter (3), within its limit (1); after a refused one, unchanged (2).
    function _stateOk(Limit memory l, uint256 offset, uint256 t, bool accepted, Limit memory before)
        internal
        view
        returns (bool)
    {
        (uint256 used, uint256 window) = harness.usageOf(USAGE_ID, offset);
        if (!accepted) return used == before.used && window == before.window;
        bool within = l.kind == 0 || (l.kind == 1 && used <= l.limit)
            || (l.kind == 2 && (window != t / l.period || used <= l.limit));
        return used == l.used && window == l.window && within;
    }

    function _check(Policy[2] memory p, Batch memory b, uint256 t) internal {
        // Counters valid before the batch: within the limit (in the current window).
        Limit[6] memory before;
        for (uint256 i; i < 2; ++i) {
            before[3 * i] = _copy(p[i].value);
            before[3 * i + 1] = _copy(p[i].param[0]);
            before[3 * i + 2] = _copy(p[i].param[1]);
            _store(p[i].value, _valueOffset(i));
            _store(p[i].param[0], _paramOffset(i, 0));
            _store(p[i].param[1], _paramOffset(i, 1));
        }
        for (uint256 i; i < 6; ++i) {
            Limit memory l = before[i];
            if (l.kind == 1 || (l.kind == 2 && l.window == t / l.period)) vm.assume(l.used <= l.limit);
        }
        vm.warp(t);
        bytes memory encoding = _encode(p);
        uint256 header = AccountStorage.packHeader(USAGE_ID, EXPIRY, 0, false);
        bool accepted;
        try harness.enforceEncoding(encoding, header, _calls(b)) {
            accepted = true;
        } catch {}
        bool modelAccepts = _model(p, b, t);
        // One assertion per path (one solver query): the decision and every counter.
        bool ok = accepted == modelAccepts;
        for (uint256 i; i < 2; ++i) {
            ok = ok && _stateOk(p[i].value, _valueOffset(i), t, accepted, before[3 * i]);
            ok = ok && _stateOk(p[i].param[0], _paramOffset(i, 0), t, accepted, before[3 * i + 1]);
            ok = ok && _stateOk(p[i].param[1], _paramOffset(i, 1), t, accepted, before[3 * i + 2]);
        }
        assert(ok);
    }

    function _copy(Limit memory l) internal pure returns (Limit memory) {
        return Limit(l.kind, l.limit, l.period, l.used, l.window);
    }

    // ------------------------------------------------------------------
    //  Entry points
    // ------------------------------------------------------------------

    function _u(string memory name) internal returns (uint256) {
        return svm.createUint256(name);
    }

    /// @dev A policy with symbolic target, selector, maxValuePerUse, limits, usage, windows and
    ///      reference values, and the given kinds and conditions.
    function _symPolicy(uint256 i, uint8[3] memory kinds, uint8[2] memory conditions)
        internal
        returns (Policy memory p)
    {
        string memory n = i == 0 ? "p0." : "p1.";
        (p.target, p.selector) = i == 0 ? (TARGET0, SELECTOR0) : (TARGET1, SELECTOR1);
        p.maxValue = _u(string.concat(n, "maxValue"));
        p.value = Limit(
            kinds[0],
            _u(string.concat(n, "v.limit")),
            VALUE_PERIOD,
            _u(string.concat(n, "v.used")),
            _u(string.concat(n, "v.window"))
        );
        p.param[0] = Limit(
            kinds[1],
            _u(string.concat(n, "k0.limit")),
            PARAM_PERIOD,
            _u(string.concat(n, "k0.used")),
            _u(string.concat(n, "k0.window"))
        );
        p.param[1] = Limit(
            kinds[2],
            _u(string.concat(n, "k1.limit")),
            PARAM_PERIOD,
            _u(string.concat(n, "k1.used")),
            _u(string.concat(n, "k1.window"))
        );
        p.condition = conditions;
        p.ref = [_u(string.concat(n, "k0.ref")), _u(string.concat(n, "k1.ref"))];
    }

    function _symBatch(uint256 n) internal returns (Batch memory b) {
        b.n = n;
        for (uint256 i; i < n; ++i) {
            string memory c = i == 0 ? "call0." : i == 1 ? "call1." : "call2.";
            b.target[i] = svm.createAddress(string.concat(c, "target"));
            b.selector[i] = svm.createBytes4(string.concat(c, "selector"));
            b.value[i] = _u(string.concat(c, "value"));
            b.w0[i] = _u(string.concat(c, "w0"));
            b.w1[i] = _u(string.concat(c, "w1"));
        }
    }

    /// @notice One call, conditions Equal, Greater (policy 0) and Less, GreaterOrEqual (policy
    ///         1); limits Lifetime, Allowance, Unlimited (policy 0: value, word 0, word 1) and
    ///         Allowance, Lifetime, Lifetime (policy 1).
    function check_oneCall_a() public {
        Policy[2] memory p;
        p[0] = _symPolicy(0, [uint8(1), 2, 0], [uint8(1), 2]);
        p[1] = _symPolicy(1, [uint8(2), 1, 1], [uint8(3), 4]);
        _check(p, _symBatch(1), TIME);
    }

    /// @notice One call, conditions LessOrEqual, NotEqual (policy 0) and Unconstrained, Equal
    ///         (policy 1); limits Unlimited, Lifetime, Allowance and Lifetime, Unlimited, Allowance.
    function check_oneCall_b() public {
        Policy[2] memory p;
        p[0] = _symPolicy(0, [uint8(0), 1, 2], [uint8(5), 6]);
        p[1] = _symPolicy(1, [uint8(1), 0, 2], [uint8(0), 1]);
        _check(p, _symBatch(1), TIME);
    }

    /// @dev `n` calls to policy 0 (selector and target of its CallSpec); words and values
    ///      symbolic.
    function _symBatchToPolicy0(uint256 n) internal returns (Batch memory b) {
        b = _symBatch(n);
        for (uint256 i; i < n; ++i) {
            (b.target[i], b.selector[i]) = (TARGET0, SELECTOR0);
        }
    }

    /// @notice Two calls to the same policy: LessOrEqual on both words; a Lifetime value
    ///         limit, an Allowance on word 0, a Lifetime on word 1: usage accumulated across the
    ///         calls of a batch, against each kind that charges. Not in tools/analyze: on this
    ///         2-core machine it runs past the 5-minute budget by itself (over 200 s, on top of
    ///         the one-call checks' 200 s). Run it by hand:
    ///         `halmos --contract EngineSymbolicTest --function check_twoCalls --loop 8`.
    function check_twoCalls() public {
        Policy[2] memory p;
        p[0] = _symPolicy(0, [uint8(1), 2, 1], [uint8(5), 5]);
        p[1] = _symPolicy(1, [uint8(0), 0, 0], [uint8(0), 0]);
        _check(p, _symBatchToPolicy0(2), TIME + 12_345);
    }

    /// @notice The same check, concretely, so that `forge test` runs the harness and the model
    ///         (a smoke test of the symbolic setup, not a proof).
    function test_concreteSmoke() public {
        Policy[2] memory p;
        for (uint256 i; i < 2; ++i) {
            (p[i].target, p[i].selector) = i == 0 ? (TARGET0, SELECTOR0) : (TARGET1, SELECTOR1);
            p[i].maxValue = 5;
            p[i].value = Limit(uint8(1 + i), 10, VALUE_PERIOD, 0, 0);
            p[i].param[0] = Limit(uint8(2 - i), 100, PARAM_PERIOD, 0, 0);
            p[i].param[1] = Limit(uint8(1 + i), 100, PARAM_PERIOD, 0, 0);
        }
        p[0].condition = [uint8(5), 4];
        p[0].ref = [uint256(50), 40];
        p[1].condition = [uint8(6), 3];
        p[1].ref = [uint256(7), 60];
        Batch memory b;
        b.n = 3;
        b.target = [TARGET0, TARGET1, TARGET0];
        b.selector = [bytes4(0x11111111), bytes4(0x22222222), bytes4(0x11111111)];
        b.value = [uint256(1), 2, 3];
        b.w0 = [uint256(20), 1, 30];
        b.w1 = [uint256(45), 50, 41];
        _check(p, b, 5000);
        (uint256 used,) = harness.usageOf(USAGE_ID, _paramOffset(0, 0));
        assert(used == 50); // 20 + 30 under policy 0's first constraint
        // Over the limit: refused, nothing charged.
        b.w0 = [uint256(50), 1, 50];
        p[0].param[0].used = 50;
        p[0].param[0].window = 5;
        _check(p, b, 5000);
    }
}

/// @dev halmos' cheatcodes (at address(uint160(uint256(keccak256("svm cheat code"))))).
interface SVM {
    function createUint256(string memory name) external returns (uint256);
    function createUint(uint256 bits, string memory name) external returns (uint256);
    function createAddress(string memory name) external returns (address);
    function createBytes4(string memory name) external returns (bytes4);
}

SVM constant svm = SVM(0xF3993A62377BCd56AE39D773740A5390411E8BC9);
