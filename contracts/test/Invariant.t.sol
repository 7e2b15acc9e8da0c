// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {Base} from "./utils/Base.sol";
import {vm} from "./utils/Vm.sol";
import {Call, WrappedCalls, SessionLib} from "../types/Types.sol";
import {SessionAccount} from "../SessionAccount.sol";
import {Counter} from "../fixtures/Counter.sol";
import {TestToken} from "../fixtures/TestToken.sol";
import {EthReceiver} from "../fixtures/EthReceiver.sol";

/// @dev forge reads this shape from `targetSelectors()`.
struct FuzzSelector {
    address addr;
    bytes4[] selectors;
}

/// @notice Drives one session signer through random grants, calls, time and revocations, keeps
///         a model of what the account must allow, and counts every disagreement.
/// @dev Inherits Base only for its spec/signing helpers; its state (account, fixtures, keys) is
///      set by the constructor, Base.setUp is never run here.
contract SessionHandler is Base {
    uint256 internal constant CANARY_PK = 0xCA9A;
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    /// @dev Model of one limit. kind: 1 = Lifetime, 2 = Allowance.
    struct GLimit {
        uint8 kind;
        uint256 limit;
        uint256 period;
        uint256 used;
        uint256 window;
    }

    /// @dev Why the model denies a batch.
    uint8 internal constant OK = 0;
    uint8 internal constant DEAD = 1; // no session, revoked or expired
    uint8 internal constant SELF = 2; // a call to the account itself
    uint8 internal constant POLICY = 3; // no policy, value above maxValuePerUse, condition failed, bad calldata
    uint8 internal constant LIMIT = 4; // a usage limit would be passed

    // ---- the spec in force ----
    bool public gExists;
    bool public gWildcard; // a wildcard session (no policies apply, but never the account itself)
    bool public gSelfPolicies; // the owner (mistakenly) granted policies that name the account itself
    uint256 public gExpiresAt;
    uint256 public gRef; // setNumber(x) needs x <= gRef
    uint256 public gTransferMax; // transfer maxValuePerUse
    GLimit internal gParam;
    GLimit internal gTransfer;

    // ---- independent observation of what actually went through, per window ----
    uint256 internal obsParamUsed;
    uint256 internal obsParamWindow;
    uint256 internal obsTransferUsed;
    uint256 internal obsTransferWindow;

    // ---- the session key: revoking burns it, so the next grant goes to a new key ----
    uint256 public sessionPk;
    address public burnedSigner;
    uint256 internal burnedPk;

    // ---- owner-only state the session must never change ----
    address public canary;
    uint256 public canaryExpiresAt;
    address public attacker;
    uint256 public tokenBalance;

    // ---- violation counters ----
    uint256 public usageViolations;
    uint256 public afterDeathViolations;
    uint256 public strangerViolations;
    uint256 public ownerPathViolations;
    uint256 public policyViolations;
    uint256 public unexpectedDenials;
    bytes public lastUnexpectedDenial;

    // ---- coverage ----
    uint256 public sessionSuccesses;
    uint256 public sessionDenials;
    uint256 public grants;
    uint256 public revocations;

    constructor(SessionAccount account_, Counter counter_, TestToken token_, EthReceiver receiver_) {
        account = account_;
        counter = counter_;
        token = token_;
        receiver = receiver_;
        ownerAddr = address(account_);
        sessionPk = SESSION_PK;
        sessionSigner = vm.addr(SESSION_PK);
        other = vm.addr(OTHER_PK);
        canary = vm.addr(CANARY_PK);
        attacker = address(uint160(uint256(keccak256("attacker"))));
        tokenBalance = token_.balanceOf(address(account_));

        // A second, wildcard session that only the owner can change.
        SessionLib.SessionSpec memory spec = _spec();
        spec.signer = canary;
        spec.isWildcard = true;
        spec.expiresAt = block.timestamp + 3650 days;
        canaryExpiresAt = spec.expiresAt;
        _grant(spec);
    }

    // ------------------------------------------------------------------
    //  Model
    // ------------------------------------------------------------------

    function _bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        if (hi <= lo) return lo;
        return lo + x % (hi - lo + 1);
    }

    function _usedNow(GLimit memory l) internal view returns (uint256) {
        if (l.kind == 2 && l.window != block.timestamp / l.period) return 0;
        return l.used;
    }

    function _charge(GLimit memory l, uint256 amount) internal view returns (bool) {
        uint256 used = _usedNow(l);
        if (amount > l.limit - used) return false;
        l.used = used + amount;
        if (l.kind == 2) l.window = block.timestamp / l.period;
        return true;
    }

    function live() public view returns (bool) {
        return gExists && block.timestamp < gExpiresAt;
    }

    /// @notice What the account must report as remaining of the setNumber parameter limit.
    function expectedParamRemaining() external view returns (uint256) {
        return gParam.limit - _usedNow(gParam);
    }

    /// @notice What the account must report as remaining of the transfer value limit.
    function expectedTransferRemaining() external view returns (uint256) {
        return gTransfer.limit - _usedNow(gTransfer);
    }

    /// @dev The model's verdict on `calls` by the session signer; on OK, the limits after it.
    function _predict(Call[] memory calls) internal view returns (uint8, GLimit memory p, GLimit memory t) {
        p = gParam;
        t = gTransfer;
        if (!live()) return (DEAD, p, t);
        for (uint256 i; i < calls.length; ++i) {
            if (calls[i].target == address(account)) return (SELF, p, t);
        }
        for (uint256 i; i < calls.length; ++i) {
            Call memory c = calls[i];
            if (gWildcard) {
                // No policies; only a setNumber without its argument reverts in the counter.
                if (c.target == address(counter) && c.data.length == 4 && bytes4(c.data) == Counter.setNumber.selector)
                {
                    return (POLICY, p, t);
                }
                continue;
            }
            if (c.data.length >= 4) {
                if (c.target != address(counter) || bytes4(c.data) != Counter.setNumber.selector) {
                    return (POLICY, p, t);
                }
                if (c.value > 0) return (POLICY, p, t);
                if (c.data.length < 36) return (POLICY, p, t);
                uint256 x = abi.decode(_tail(c.data), (uint256));
                if (x > gRef) return (POLICY, p, t);
                if (!_charge(p, x)) return (LIMIT, p, t);
            } else {
                if (c.target != address(receiver)) return (POLICY, p, t);
                if (c.value > gTransferMax) return (POLICY, p, t);
                if (!_charge(t, c.value)) return (LIMIT, p, t);
            }
        }
        return (OK, p, t);
    }

    function _tail(bytes memory data) internal pure returns (bytes memory out) {
        out = new bytes(data.length - 4);
        for (uint256 i; i < out.length; ++i) {
            out[i] = data[i + 4];
        }
    }

    /// @dev Records what a successful session batch did, independently of the model's verdict.
    function _observe(Call[] memory calls, uint256 receivedBefore) internal {
        if (gWildcard) return; // no limits apply
        uint256 now_ = block.timestamp;
        if (gParam.kind == 2 && obsParamWindow != now_ / gParam.period) {
            obsParamUsed = 0;
            obsParamWindow = now_ / gParam.period;
        }
        if (gTransfer.kind == 2 && obsTransferWindow != now_ / gTransfer.period) {
            obsTransferUsed = 0;
            obsTransferWindow = now_ / gTransfer.period;
        }
        for (uint256 i; i < calls.length; ++i) {
            Call memory c = calls[i];
            if (c.target == address(counter) && c.data.length >= 36 && bytes4(c.data) == Counter.setNumber.selector) {
                obsParamUsed += abi.decode(_tail(c.data), (uint256));
            }
        }
        obsTransferUsed += receiver.received() - receivedBefore;
        if (obsParamUsed > gParam.limit || obsTransferUsed > gTransfer.limit) ++usageViolations;
    }

    // ------------------------------------------------------------------
    //  Actions
    // ------------------------------------------------------------------

    /// @notice The current session signer (a new key after each revocation).
    function signer() external view returns (address) {
        return sessionSigner;
    }

    /// @notice The owner grants (or re-grants) the session with random policies. Sometimes it
    ///         first tries to re-grant the burned (revoked) key, which must fail.
    function grant(uint256 seed) external {
        seed = _mix(seed);
        if (burnedSigner != address(0) && (seed >> 8) % 4 == 0) {
            SessionLib.SessionSpec memory again = _wildcardSpec();
            again.signer = burnedSigner;
            bytes memory againSig = _signSpec(OWNER_PK, again);
            vm.prank(_stranger(seed));
            try account.createSessionWithSig(again, againSig) {
                ++afterDeathViolations;
            } catch {}
        }
        uint256 r = uint256(keccak256(abi.encode(seed)));
        SessionLib.SessionSpec memory spec = _spec();
        spec.expiresAt = block.timestamp + _bound(r, 1, 5 days);
        uint256 ref = _bound(r >> 32, 1, 1000);
        GLimit memory p = _randLimit(r >> 64);
        GLimit memory t = _randLimit(r >> 128);
        uint256 tMax = _bound(r >> 192, 0, 1000);

        bool wildcard = (seed >> 250) % 4 == 0;
        bool selfPolicies = !wildcard && (seed >> 252) % 3 == 0;
        if (wildcard) {
            spec.isWildcard = true; // header only: no policies, no limits
        } else {
            SessionLib.CallSpec memory c = _addCall(spec, address(counter), Counter.setNumber.selector, 0, _unlimited());
            _addConstraint(c, _constraint(SessionLib.Condition.LessOrEqual, 0, bytes32(ref), _limitOf(p)));
            _addTransfer(spec, address(receiver), tMax, _limitOf(t));
            if (selfPolicies) {
                // Policies naming the account: the engine must still refuse every self-call.
                _addCall(spec, address(account), SessionAccount.execute.selector, 1, _unlimited());
                _addCall(spec, address(account), SessionAccount.revokeSession.selector, 0, _unlimited());
                _addTransfer(spec, address(account), 1, _unlimited());
            }
        }

        bytes memory sig = _signSpec(OWNER_PK, spec);
        vm.prank(_stranger(seed));
        account.createSessionWithSig(spec, sig);

        gExists = true;
        gWildcard = wildcard;
        gSelfPolicies = selfPolicies;
        gExpiresAt = spec.expiresAt;
        gRef = ref;
        gTransferMax = tMax;
        gParam = p;
        gTransfer = t;
        obsParamUsed = 0;
        obsParamWindow = 0;
        obsTransferUsed = 0;
        obsTransferWindow = 0;
        ++grants;
    }

    function _randLimit(uint256 r) internal pure returns (GLimit memory l) {
        l.kind = uint8(1 + r % 2);
        l.limit = _bound(r >> 8, 0, 3000);
        if (l.kind == 2) l.period = _bound(r >> 40, 1 hours, 2 days);
    }

    function _limitOf(GLimit memory l) internal pure returns (SessionLib.UsageLimit memory) {
        return l.kind == 1 ? _lifetime(l.limit) : _allowance(l.limit, l.period);
    }

    /// @notice The owner revokes the session (expected to fail only when there is none); acts
    ///         on one call in three so that sessions live long enough to be used.
    function revoke(uint256 seed) external {
        if (_mix(seed) % 3 != 0) return;
        vm.prank(address(account));
        try account.revokeSession(sessionSigner) {
            if (!gExists) ++unexpectedDenials; // (an unexpected success, counted with the mismatches)
            gExists = false;
            ++revocations;
            // The revoked key is burned: later grants go to a new key.
            (burnedSigner, burnedPk) = (sessionSigner, sessionPk);
            sessionPk = SESSION_PK + revocations;
            sessionSigner = vm.addr(sessionPk);
        } catch {
            if (gExists) {
                ++unexpectedDenials;
            }
        }
    }

    /// @notice Moves time forward: usually a little, sometimes past the session's expiry.
    function warp(uint256 seed) external {
        seed = _mix(seed);
        uint256 dt = seed % 4 == 0 ? _bound(seed >> 2, 1 days, 6 days) : _bound(seed >> 2, 0, 12 hours);
        vm.warp(block.timestamp + dt);
    }

    /// @notice The session signer runs a random batch of 1-2 calls, directly or through a relayer.
    function execSession(uint256 seed) external {
        _execSession(seed);
    }

    /// @notice The same as execSession (a second selector doubles its share of the calls).
    function execSessionAgain(uint256 seed) external {
        _execSession(seed);
    }

    function _execSession(uint256 seed) internal {
        seed = _mix(seed);
        Call[] memory calls = _randCalls(seed);
        if (burnedSigner != address(0) && (seed >> 240) % 8 == 0) {
            // The burned key tries again: always refused.
            vm.prank(burnedSigner);
            try account.execute(calls) {
                ++afterDeathViolations;
            } catch {}
            WrappedCalls memory wb = WrappedCalls(calls, _uid());
            bytes memory sigb = _signCalls(burnedPk, wb);
            try account.executeWithSig(wb, sigb) {
                ++afterDeathViolations;
            } catch {}
        }
        (uint8 verdict, GLimit memory p, GLimit memory t) = _predict(calls);
        uint256 receivedBefore = receiver.received();
        bool ok;
        bytes memory err;
        if ((seed >> 250) % 2 == 0) {
            vm.prank(sessionSigner);
            try account.execute(calls) {
                ok = true;
            } catch (bytes memory e) {
                err = e;
            }
        } else {
            WrappedCalls memory w = WrappedCalls(calls, _uid());
            bytes memory sig = _signCalls(sessionPk, w);
            vm.prank(_stranger(seed));
            try account.executeWithSig(w, sig) {
                ok = true;
            } catch (bytes memory e) {
                err = e;
            }
        }
        if (ok) {
            ++sessionSuccesses;
            _observe(calls, receivedBefore);
            if (verdict == OK) {
                gParam = p;
                gTransfer = t;
                tokenBalance -= _tokenTransfers(calls); // a wildcard session may move the account's tokens
            } else if (verdict == DEAD) {
                ++afterDeathViolations;
            } else if (verdict == SELF) {
                ++ownerPathViolations;
            } else if (verdict == POLICY) {
                ++policyViolations;
            } else {
                ++usageViolations;
            }
        } else {
            ++sessionDenials;
            if (verdict == OK) {
                ++unexpectedDenials;
                lastUnexpectedDenial = err;
            }
        }
    }

    /// @notice Someone with no session tries to execute, directly or with its own signature.
    function execStranger(uint256 seed) external {
        seed = _mix(seed);
        Call[] memory calls = _randCalls(seed);
        uint256 pk = _strangerKey(seed);
        address who = vm.addr(pk);
        if ((seed >> 250) % 2 == 0) {
            vm.prank(who);
            try account.execute(calls) {
                ++strangerViolations;
            } catch {}
        } else {
            WrappedCalls memory w = WrappedCalls(calls, _uid());
            bytes memory sig = _signCalls(pk, w);
            vm.prank(who);
            try account.executeWithSig(w, sig) {
                ++strangerViolations;
            } catch {}
        }
        vm.prank(who);
        try account.revokeSession(canary) {
            ++strangerViolations;
        } catch {}
    }

    /// @notice A session created without the owner's signature (signed by the session key or a
    ///         stranger, for the attacker or as a wildcard for the session key) must be rejected.
    function forgeGrant(uint256 seed) external {
        seed = _mix(seed);
        SessionLib.SessionSpec memory spec = _wildcardSpec();
        spec.expiresAt = block.timestamp + 365 days;
        if (seed % 2 == 0) spec.signer = attacker;
        uint256 pk = (seed >> 1) % 2 == 0 ? sessionPk : _strangerKey(seed);
        bytes memory sig = _signSpec(pk, spec);
        vm.prank(_stranger(seed >> 8));
        try account.createSessionWithSig(spec, sig) {
            ++ownerPathViolations;
        } catch {}
    }

    // ------------------------------------------------------------------
    //  Random calls
    // ------------------------------------------------------------------

    function _randCalls(uint256 seed) internal view returns (Call[] memory calls) {
        uint256 n = 1 + (seed >> 248) % 2;
        calls = new Call[](n);
        for (uint256 i; i < n; ++i) {
            calls[i] = _randCall(uint256(keccak256(abi.encode(seed, i))));
        }
    }

    function _randCall(uint256 r) internal view returns (Call memory) {
        uint256 kind = r % 16;
        uint256 x = r >> 8;
        // Amounts around the policy's bounds: mostly under the per-call reference, sometimes over.
        uint256 amount = x % 8 == 0 ? _bound(x >> 3, 0, 5000) : _bound(x >> 3, 0, gRef == 0 ? 1000 : gRef);
        if (kind < 6) {
            return Call(address(counter), (x >> 200) % 16 == 0 ? 1 : 0, abi.encodeCall(Counter.setNumber, (amount)));
        }
        if (kind < 10) {
            uint256 v = x % 8 == 0 ? _bound(x >> 3, 0, 5000) : _bound(x >> 3, 0, gTransferMax);
            return Call(address(receiver), v, "");
        }
        if (kind == 10) return Call(address(counter), 0, abi.encodeCall(Counter.increment, ()));
        if (kind == 11) return Call(address(token), 0, abi.encodeCall(token.transfer, (attacker, 1)));
        if (kind == 12) return Call(attacker, x % 3, "");
        if (kind == 13) return Call(address(counter), 0, abi.encodePacked(Counter.setNumber.selector)); // short
        if (kind == 14) {
            // Self-calls: the owner path.
            uint256 which = x % 4;
            if (which == 0) return Call(address(account), 0, abi.encodeCall(account.revokeSession, (canary)));
            if (which == 1) {
                Call[] memory inner = new Call[](1);
                inner[0] = Call(address(token), 0, abi.encodeCall(token.transfer, (attacker, 1)));
                return Call(address(account), 0, abi.encodeCall(account.execute, (inner)));
            }
            if (which == 2) return Call(address(account), x % 2, "");
            return Call(address(account), 0, abi.encodeCall(account.revokeSession, (sessionSigner)));
        }
        return Call(address(counter), 0, abi.encodeCall(Counter.add, (amount, 1)));
    }

    /// @dev The fuzzer favours small and repeated values; hashing spreads them over every branch.
    function _mix(uint256 seed) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(seed, "mix")));
    }

    function _tokenTransfers(Call[] memory calls) internal view returns (uint256 n) {
        for (uint256 i; i < calls.length; ++i) {
            if (calls[i].target == address(token)) ++n;
        }
    }

    function _strangerKey(uint256 seed) internal pure returns (uint256 pk) {
        pk = 1 + uint256(keccak256(abi.encode(seed, "stranger"))) % (SECP256K1_N - 1);
        if (pk == OWNER_PK || pk == SESSION_PK || pk == CANARY_PK) pk = 0x57A4;
    }

    function _stranger(uint256 seed) internal pure returns (address) {
        return address(uint160(uint256(keccak256(abi.encode(seed, "relayer")))));
    }
}

/// @notice Invariants of the session account under the random actions of SessionHandler.
contract InvariantTest is Base {
    SessionHandler internal handler;

    function setUp() public override {
        super.setUp();
        handler = new SessionHandler(account, counter, token, receiver);
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory selectors) {
        bytes4[] memory s = new bytes4[](7);
        s[0] = SessionHandler.grant.selector;
        s[1] = SessionHandler.revoke.selector;
        s[2] = SessionHandler.warp.selector;
        s[3] = SessionHandler.execSession.selector;
        s[4] = SessionHandler.execSessionAgain.selector;
        s[5] = SessionHandler.execStranger.selector;
        s[6] = SessionHandler.forgeGrant.selector;
        selectors = new FuzzSelector[](1);
        selectors[0] = FuzzSelector(address(handler), s);
    }

    function invariant_usageWithinLimits() public view {
        vm.assertEq(handler.usageViolations(), 0, "usage beyond a limit");
        vm.assertEq(handler.policyViolations(), 0, "a call outside the policies succeeded");
    }

    function invariant_nothingAfterExpiryOrRevocation() public view {
        vm.assertEq(handler.afterDeathViolations(), 0, "a call after expiry or revocation succeeded");
    }

    function invariant_strangersNeverExecute() public view {
        vm.assertEq(handler.strangerViolations(), 0, "a stranger executed");
    }

    function invariant_sessionNeverReachesOwnerPath() public view {
        vm.assertEq(handler.ownerPathViolations(), 0, "a session reached the owner path");
        address canary = handler.canary();
        vm.assertTrue(account.isWildcardSigner(canary), "canary session intact");
        vm.assertEq(account.getSessionExpirationForSigner(canary), handler.canaryExpiresAt(), "canary expiry");
        vm.assertEq(account.getSessionExpirationForSigner(handler.attacker()), 0, "attacker has no session");
        vm.assertEq(
            account.isWildcardSigner(handler.signer()),
            handler.gExists() && handler.gWildcard(),
            "wildcard only when the owner granted it"
        );
        vm.assertEq(token.balanceOf(address(account)), handler.tokenBalance(), "account tokens untouched");
    }

    /// @dev The model predicted success for everything the account denied.
    function invariant_modelAgrees() public view {
        vm.assertEq(handler.unexpectedDenials(), 0, "the account denied what the model allows");
    }

    /// @dev getSessionStateForSigner matches the model's remaining amounts.
    function invariant_stateMatchesModel() public view {
        address sessionSigner = handler.signer();
        SessionLib.SessionState memory st = account.getSessionStateForSigner(sessionSigner);
        if (!handler.gExists()) {
            vm.assertEq(st.callValue.length + st.callParams.length + st.transferValue.length, 0, "no state");
            vm.assertEq(account.getSessionExpirationForSigner(sessionSigner), 0, "no expiry");
            return;
        }
        vm.assertEq(account.getSessionExpirationForSigner(sessionSigner), handler.gExpiresAt(), "expiry");
        if (handler.gWildcard()) {
            vm.assertEq(st.callValue.length + st.callParams.length + st.transferValue.length, 0, "wildcard: no limits");
            return;
        }
        uint256 extra = handler.gSelfPolicies() ? 1 : 0;
        vm.assertEq(st.callValue.length, 1 + 2 * extra, "call policies");
        vm.assertEq(st.callValue[0].remaining, type(uint256).max, "call value unlimited");
        vm.assertEq(st.callParams.length, 1, "one limited parameter");
        vm.assertEq(st.callParams[0].remaining, handler.expectedParamRemaining(), "parameter remaining");
        vm.assertEq(st.transferValue.length, 1 + extra, "transfer policies");
        vm.assertEq(st.transferValue[0].remaining, handler.expectedTransferRemaining(), "transfer remaining");
    }

    /// @dev The handler's actions reach every path (a deterministic walk, not a fuzz run).
    function test_handlerCoversPaths() public {
        for (uint256 i; i < 120; ++i) {
            uint256 seed = uint256(keccak256(abi.encode(i)));
            if (i % 20 == 0) handler.grant(seed);
            if (i % 11 == 10) handler.revoke(seed);
            if (i % 9 == 8) handler.warp(seed);
            handler.execSession(seed);
            if (i % 5 == 0) handler.execStranger(seed);
            if (i % 7 == 0) handler.forgeGrant(seed);
        }
        vm.assertGt(handler.sessionSuccesses(), 10, "some session calls succeed");
        vm.assertGt(handler.sessionDenials(), 10, "some are denied");
        vm.assertGt(handler.revocations(), 0, "revoked");
        vm.assertTrue(handler.burnedSigner() != address(0), "a key was burned");
        vm.assertTrue(account.isSignerRevoked(handler.burnedSigner()), "burned on the account");
        invariant_usageWithinLimits();
        invariant_nothingAfterExpiryOrRevocation();
        invariant_strangersNeverExecute();
        invariant_sessionNeverReachesOwnerPath();
        invariant_modelAgrees();
        invariant_stateMatchesModel();
    }
}
