// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {Base} from "./utils/Base.sol";
import {vm} from "./utils/Vm.sol";
import {SessionLib} from "../types/Types.sol";
import {IMinimalAccount} from "../interfaces/IMinimalAccount.sol";

/// @notice Property tests of the session policy engine against reference models written here:
///         constraint comparisons, Allowance windows, Lifetime accumulation, and the codec's
///         round trip through the view functions.
contract FuzzTest is Base {
    /// @dev Usage model of one limit: `used` counts within `window` (Allowance) or forever (Lifetime).
    struct Model {
        uint256 limit;
        uint256 period;
        uint256 used;
        uint256 window;
        bool allowance;
    }

    // ------------------------------------------------------------------
    //  Helpers
    // ------------------------------------------------------------------

    /// @dev forge-std style bound: values already in range stay, the edges map to the edges.
    function _bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        if (hi <= lo) return lo;
        if (x >= lo && x <= hi) return x;
        uint256 size = hi - lo;
        if (size == type(uint256).max) return x;
        ++size;
        if (x < 3 && size > x) return lo + x;
        if (x > type(uint256).max - 3 && size > type(uint256).max - x) return hi - (type(uint256).max - x);
        return lo + x % size;
    }

    /// @dev Reference: `word` against `ref` under `cond`, unsigned.
    function _holds(uint8 cond, bytes32 word, bytes32 ref) internal pure returns (bool) {
        uint256 w = uint256(word);
        uint256 r = uint256(ref);
        if (cond == 1) return w == r;
        if (cond == 2) return w > r;
        if (cond == 3) return w < r;
        if (cond == 4) return w >= r;
        if (cond == 5) return w <= r;
        if (cond == 6) return w != r;
        return true;
    }

    /// @dev Grants a session with one CallSpec on counter.setNumber and one constraint on word 0.
    function _grantSetNumber(SessionLib.Condition cond, bytes32 ref, SessionLib.UsageLimit memory limit, uint256 expiry)
        internal
    {
        SessionLib.SessionSpec memory spec = _spec();
        spec.expiresAt = expiry;
        SessionLib.CallSpec memory c = _addCall(spec, address(counter), counter.setNumber.selector, 0, _unlimited());
        _addConstraint(c, _constraint(cond, 0, ref, limit));
        _grant(spec);
    }

    /// @dev Usage of `m` in the window of the current block.
    function _usedNow(Model memory m) internal view returns (uint256) {
        if (!m.allowance) return m.used;
        return m.window == block.timestamp / m.period ? m.used : 0;
    }

    /// @dev The limit's remaining amount as the account reports it.
    function _remainingOnChain(bool onTransfer) internal view returns (uint256) {
        SessionLib.SessionState memory st = account.getSessionStateForSigner(sessionSigner);
        return onTransfer ? st.transferValue[0].remaining : st.callParams[0].remaining;
    }

    /// @dev Spends `amount` under the limit (setNumber's parameter or a transfer's value) and
    ///      checks the outcome and the remaining amount against the model.
    function _spendAndCheck(Model memory m, bool onTransfer, uint256 amount) internal {
        uint256 used = _usedNow(m);
        bool allowed = amount <= m.limit - used;
        uint256 receivedBefore = receiver.received();
        if (!allowed) {
            if (m.allowance) {
                vm.expectRevert(
                    abi.encodeWithSelector(
                        IMinimalAccount.AllowanceExceeded.selector, used, m.limit, uint64(block.timestamp / m.period)
                    )
                );
            } else {
                vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.LifetimeUsageExceeded.selector, used, m.limit));
            }
        }
        if (onTransfer) {
            _execSession(_one(address(receiver), amount, ""));
        } else {
            _execSession(_one(address(counter), 0, _setNumber(amount)));
        }
        if (allowed) {
            m.used = used + amount;
            if (m.allowance) m.window = block.timestamp / m.period;
            if (onTransfer) vm.assertEq(receiver.received() - receivedBefore, amount, "transferred");
            else vm.assertEq(counter.number(), amount, "number set");
        } else if (onTransfer) {
            vm.assertEq(receiver.received(), receivedBefore, "nothing transferred");
        }
        vm.assertEq(_remainingOnChain(onTransfer), m.limit - _usedNow(m), "remaining after spend");
    }

    // ------------------------------------------------------------------
    //  Constraint comparisons
    // ------------------------------------------------------------------

    function _checkComparison(uint8 cond, bytes32 word, bytes32 ref) internal {
        _grantSetNumber(SessionLib.Condition(cond), ref, _unlimited(), block.timestamp + 1 days);
        bool allowed = _holds(cond, word, ref);
        if (!allowed) {
            vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.ConditionFailed.selector, word, ref, cond));
        }
        _execSession(_one(address(counter), 0, _setNumber(uint256(word))));
        if (allowed) {
            vm.assertEq(counter.number(), uint256(word), "number set");
            vm.assertEq(counter.lastCaller(), address(account), "called by the account");
        }
    }

    function testFuzz_constraintComparison(uint8 cond, bytes32 word, bytes32 ref) public {
        _checkComparison(uint8(_bound(cond, 0, 6)), word, ref);
    }

    /// @dev Biased to the boundary: word = ref + delta (wrapping), delta in -2..2.
    function testFuzz_constraintComparisonNearEqual(uint8 cond, bytes32 ref, int8 delta) public {
        int256 d = int256(_bound(uint256(uint8(delta)), 0, 4)) - 2;
        bytes32 word;
        unchecked {
            word = bytes32(uint256(ref) + uint256(d));
        }
        _checkComparison(uint8(_bound(cond, 0, 6)), word, ref);
    }

    // ------------------------------------------------------------------
    //  Allowance windows
    // ------------------------------------------------------------------

    function _allowanceCase(
        bool onTransfer,
        uint256 period,
        uint256 limit,
        uint256 a,
        uint256 b,
        uint256 t0,
        uint256 dt
    ) internal {
        period = _bound(period, 1, 365 days);
        limit = onTransfer ? _bound(limit, 0, 30 ether) : _bound(limit, 0, type(uint128).max);
        a = _bound(a, 0, 2 * limit + 1);
        b = _bound(b, 0, 2 * limit + 1);
        t0 = _bound(t0, START, START + 3 * 365 days);
        // dt often lands on the next window's first second, or the last one of this window.
        uint256 toNext = period - t0 % period;
        uint256 mode = dt % 4;
        if (mode == 0) dt = toNext;
        else if (mode == 1) dt = toNext - 1;
        else dt = _bound(dt >> 2, 0, 3 * period);

        SessionLib.UsageLimit memory l = _allowance(limit, period);
        uint256 expiry = t0 + dt + 1;
        if (onTransfer) {
            SessionLib.SessionSpec memory spec = _spec();
            spec.expiresAt = expiry;
            _addTransfer(spec, address(receiver), type(uint256).max, l);
            _grant(spec);
        } else {
            _grantSetNumber(SessionLib.Condition.Unconstrained, bytes32(0), l, expiry);
        }

        Model memory m = Model(limit, period, 0, 0, true);
        vm.assertEq(_remainingOnChain(onTransfer), limit, "fresh");
        vm.warp(t0);
        _spendAndCheck(m, onTransfer, a);
        vm.warp(t0 + dt);
        vm.assertEq(_remainingOnChain(onTransfer), limit - _usedNow(m), "remaining before second spend");
        _spendAndCheck(m, onTransfer, b);
    }

    function testFuzz_allowanceWindows(uint256 period, uint256 limit, uint256 a, uint256 b, uint256 t0, uint256 dt)
        public
    {
        _allowanceCase(false, period, limit, a, b, t0, dt);
    }

    function testFuzz_allowanceWindowsTransferValue(
        uint256 period,
        uint256 limit,
        uint256 a,
        uint256 b,
        uint256 t0,
        uint256 dt
    ) public {
        _allowanceCase(true, period, limit, a, b, t0, dt);
    }

    /// @dev Spends in window W, then at (W+1)*period - 1 (same window) and at (W+1)*period (next).
    function testFuzz_allowanceWindowBoundary(uint256 period, uint256 limit, uint256 a, uint256 b, uint256 t0) public {
        period = _bound(period, 1, 365 days);
        limit = _bound(limit, 0, type(uint128).max);
        a = _bound(a, 0, limit);
        b = _bound(b, 0, 2 * limit + 1);
        t0 = _bound(t0, START, START + 3 * 365 days);
        uint256 window = t0 / period;
        uint256 edge = (window + 1) * period;
        _grantSetNumber(SessionLib.Condition.Unconstrained, bytes32(0), _allowance(limit, period), edge + 1);

        Model memory m = Model(limit, period, 0, 0, true);
        vm.warp(t0);
        _spendAndCheck(m, false, a);
        vm.warp(edge - 1);
        vm.assertEq(block.timestamp / period, window, "still the same window");
        vm.assertEq(_remainingOnChain(false), limit - a, "last second of the window");
        _spendAndCheck(m, false, b);
        vm.warp(edge);
        vm.assertEq(_remainingOnChain(false), limit, "first second of the next window");
        _spendAndCheck(m, false, b);
    }

    // ------------------------------------------------------------------
    //  Lifetime
    // ------------------------------------------------------------------

    function testFuzz_lifetime(uint256 limit, uint256[5] memory amounts, uint8 count, uint256 gap) public {
        limit = _bound(limit, 0, type(uint128).max);
        uint256 n = _bound(count, 3, 5);
        gap = _bound(gap, 0, 400 days);
        _grantSetNumber(SessionLib.Condition.Unconstrained, bytes32(0), _lifetime(limit), block.timestamp + 5 * gap + 1);
        Model memory m = Model(limit, 0, 0, 0, false);
        for (uint256 i; i < n; ++i) {
            // Mostly within what is left, sometimes beyond it.
            uint256 amount = _bound(amounts[i], 0, limit / 2 + 2);
            _spendAndCheck(m, false, amount);
            vm.warp(block.timestamp + gap); // time never restores a Lifetime limit
        }
        vm.assertEq(_remainingOnChain(false), limit - m.used, "remaining at the end");
    }

    // ------------------------------------------------------------------
    //  Codec round trip
    // ------------------------------------------------------------------

    function _rand(uint256 seed, uint256 tag) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(seed, tag)));
    }

    /// @dev A value of random byte length (0..32 bytes), so every varuint length is exercised.
    function _val(uint256 seed, uint256 tag) internal pure returns (uint256) {
        return _rand(seed, tag + 1) >> (_rand(seed, tag) % 257);
    }

    /// @dev A random limit (Allowance: period > 0). One in four also carries values in the
    ///      fields its type does not use (Unlimited's limit and period, Lifetime's period): they
    ///      are signed too and must come back unchanged.
    function _randLimit(uint256 seed, uint256 tag) internal pure returns (SessionLib.UsageLimit memory l) {
        uint256 kind = _rand(seed, tag) % 3;
        bool junk = _rand(seed, tag + 30) % 4 == 0;
        l.limitType = SessionLib.LimitType(kind);
        if (kind >= 1 || junk) l.limit = _val(seed, tag + 10);
        if (kind == 2) l.period = _bound(_val(seed, tag + 20), 1, type(uint256).max);
        else if (junk) l.period = _val(seed, tag + 20);
    }

    function _randSpec(uint256 seed) internal returns (SessionLib.SessionSpec memory spec) {
        spec = _spec();
        spec.isWildcard = _rand(seed, 1) % 2 == 0;
        uint256 ttl = _val(seed, 2);
        spec.expiresAt = ttl > type(uint256).max - block.timestamp - 1 ? type(uint256).max : block.timestamp + 1 + ttl;
        if (spec.isWildcard && _rand(seed, 3) % 2 == 0) return spec; // header-only wildcard
        uint256 nCall = 1 + _rand(seed, 4) % 3;
        uint256 nTransfer = _rand(seed, 5) % 3;
        for (uint256 i; i < nCall; ++i) {
            uint256 s = _rand(seed, 100 + i);
            SessionLib.CallSpec memory c = _addCall(
                spec,
                address(uint160(_rand(s, 1))),
                bytes4(uint32(i << 24) | uint32(_rand(s, 2) & 0xffffff)), // distinct selectors
                _val(s, 3),
                _randLimit(s, 100)
            );
            uint256 nK = _rand(s, 5) % 4;
            for (uint256 k; k < nK; ++k) {
                uint256 t = _rand(s, 1000 + k);
                _addConstraint(
                    c,
                    SessionLib.Constraint(
                        SessionLib.Condition(_rand(t, 1) % 7),
                        uint64(_val(t, 2)),
                        bytes32(_val(t, 4)),
                        _randLimit(t, 100)
                    )
                );
            }
        }
        for (uint256 i; i < nTransfer; ++i) {
            uint256 s = _rand(seed, 200 + i);
            _addTransfer(spec, address(uint160(_rand(s, 1))), _val(s, 3), _randLimit(s, 100));
        }
    }

    function _assertLimit(SessionLib.UsageLimit memory got, SessionLib.UsageLimit memory want, string memory what)
        internal
        pure
    {
        vm.assertEq(uint256(got.limitType), uint256(want.limitType), what);
        vm.assertEq(got.limit, want.limit, what);
        vm.assertEq(got.period, want.period, what);
    }

    function _fresh(SessionLib.UsageLimit memory l) internal pure returns (uint256) {
        return l.limitType == SessionLib.LimitType.Unlimited ? type(uint256).max : l.limit;
    }

    function _assertCalls(SessionLib.CallSpec[] memory got, SessionLib.CallSpec[] memory want) internal pure {
        vm.assertEq(got.length, want.length, "call policy count");
        for (uint256 i; i < want.length; ++i) {
            vm.assertEq(got[i].target, want[i].target, "call target");
            vm.assertEq(bytes32(got[i].selector), bytes32(want[i].selector), "call selector");
            vm.assertEq(got[i].maxValuePerUse, want[i].maxValuePerUse, "call maxValuePerUse");
            _assertLimit(got[i].valueLimit, want[i].valueLimit, "call valueLimit");
            vm.assertEq(got[i].constraints.length, want[i].constraints.length, "constraint count");
            for (uint256 k; k < want[i].constraints.length; ++k) {
                SessionLib.Constraint memory g = got[i].constraints[k];
                SessionLib.Constraint memory w = want[i].constraints[k];
                vm.assertEq(uint256(g.condition), uint256(w.condition), "condition");
                vm.assertEq(uint256(g.index), uint256(w.index), "index");
                vm.assertEq(g.refValue, w.refValue, "refValue");
                _assertLimit(g.limit, w.limit, "constraint limit");
            }
        }
    }

    function _assertTransfers(SessionLib.TransferSpec[] memory got, SessionLib.TransferSpec[] memory want)
        internal
        pure
    {
        vm.assertEq(got.length, want.length, "transfer policy count");
        for (uint256 i; i < want.length; ++i) {
            vm.assertEq(got[i].target, want[i].target, "transfer target");
            vm.assertEq(got[i].maxValuePerUse, want[i].maxValuePerUse, "transfer maxValuePerUse");
            _assertLimit(got[i].valueLimit, want[i].valueLimit, "transfer valueLimit");
        }
    }

    /// @dev A fresh session reports every limit whole: one callValue per call policy, one
    ///      transferValue per transfer policy, one callParams per limited constraint.
    function _assertFreshState(SessionLib.SessionSpec memory spec) internal view {
        SessionLib.SessionState memory st = account.getSessionStateForSigner(sessionSigner);
        vm.assertEq(st.callValue.length, spec.callPolicies.length, "callValue entries");
        vm.assertEq(st.transferValue.length, spec.transferPolicies.length, "transferValue entries");
        uint256 p;
        for (uint256 i; i < spec.callPolicies.length; ++i) {
            SessionLib.CallSpec memory c = spec.callPolicies[i];
            vm.assertEq(st.callValue[i].remaining, _fresh(c.valueLimit), "callValue remaining");
            vm.assertEq(st.callValue[i].target, c.target, "callValue target");
            for (uint256 k; k < c.constraints.length; ++k) {
                if (c.constraints[k].limit.limitType == SessionLib.LimitType.Unlimited) continue;
                vm.assertEq(st.callParams[p].remaining, _fresh(c.constraints[k].limit), "callParams remaining");
                vm.assertEq(st.callParams[p].index, c.constraints[k].index, "callParams index");
                vm.assertEq(bytes32(st.callParams[p].selector), bytes32(c.selector), "callParams selector");
                ++p;
            }
        }
        vm.assertEq(st.callParams.length, p, "callParams entries");
        for (uint256 i; i < spec.transferPolicies.length; ++i) {
            vm.assertEq(st.transferValue[i].remaining, _fresh(spec.transferPolicies[i].valueLimit), "transfer rem");
            vm.assertEq(st.transferValue[i].target, spec.transferPolicies[i].target, "transfer state target");
        }
    }

    function testFuzz_codecRoundTrip(uint256 seed) public {
        SessionLib.SessionSpec memory spec = _randSpec(seed);
        _grant(spec);
        vm.assertEq(account.getSessionExpirationForSigner(sessionSigner), spec.expiresAt, "expiresAt");
        vm.assertEq(account.isWildcardSigner(sessionSigner), spec.isWildcard, "isWildcard");
        _assertCalls(account.getCallPoliciesForSigner(sessionSigner), spec.callPolicies);
        _assertTransfers(account.getTransferPoliciesForSigner(sessionSigner), spec.transferPolicies);
        _assertFreshState(spec);
    }

    /// @dev The interface returns the granted CallSpec/TransferSpec structs; a client re-hashing
    ///      them (EIP-712) must get the signed spec back. Fields a limit type does not use
    ///      (Unlimited's limit and period, Lifetime's period) are part of the signed struct too.
    ///      The limits still behave as their type says: Unlimited charges nothing, Lifetime
    ///      never restarts after `period`.
    function testFuzz_codecRoundTripUnusedLimitFields(uint256 limit, uint256 period, uint256 a) public {
        limit = _bound(limit, 1, type(uint128).max);
        period = _bound(period, 1, 365 days);
        a = _bound(a, 0, limit);
        SessionLib.SessionSpec memory spec = _spec();
        spec.expiresAt = block.timestamp + period + 1;
        SessionLib.CallSpec memory c = _addCall(
            spec,
            address(counter),
            counter.setNumber.selector,
            0,
            SessionLib.UsageLimit(SessionLib.LimitType.Unlimited, limit, period)
        );
        _addConstraint(
            c,
            SessionLib.Constraint(
                SessionLib.Condition.Unconstrained,
                0,
                bytes32(0),
                SessionLib.UsageLimit(SessionLib.LimitType.Lifetime, limit, period)
            )
        );
        _addTransfer(spec, address(receiver), 0, SessionLib.UsageLimit(SessionLib.LimitType.Unlimited, limit, 0));
        _grant(spec);
        _assertCalls(account.getCallPoliciesForSigner(sessionSigner), spec.callPolicies);
        _assertTransfers(account.getTransferPoliciesForSigner(sessionSigner), spec.transferPolicies);
        _assertFreshState(spec);

        Model memory m = Model(limit, 0, 0, 0, false);
        _spendAndCheck(m, false, a);
        vm.warp(block.timestamp + period); // a Lifetime limit ignores its period
        _spendAndCheck(m, false, limit - a + 1);
        _spendAndCheck(m, false, limit - a);
        _execSession(_one(address(receiver), 0, "")); // Unlimited transfer limit: nothing charged
        vm.assertEq(account.getSessionStateForSigner(sessionSigner).transferValue[0].remaining, type(uint256).max, "");
    }
}
