// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {Base, SessionHelpers} from "./utils/Base.sol";
import {vm} from "./utils/Vm.sol";
import {Call, WrappedCalls, SessionLib} from "../types/Types.sol";
import {IMinimalAccount} from "../interfaces/IMinimalAccount.sol";
import {SessionAccount} from "../SessionAccount.sol";
import {Counter} from "../fixtures/Counter.sol";
import {Reverter} from "../fixtures/Reverter.sol";

/// @notice Attacks on the session-key account: escalation, replay, signature tricks, policy
///         confusion, limit bypasses.
contract AdversarialTest is Base {
    using SessionHelpers for *;

    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    bytes4 internal constant EXECUTE = IMinimalAccount.execute.selector;

    // ------------------------------------------------------------------
    //  Helpers
    // ------------------------------------------------------------------

    function _invalidSig(address signer, address acct) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IMinimalAccount.InvalidSignature.selector, signer, acct);
    }

    /// @dev The (r, s, v) of a 65-byte signature.
    function _split(bytes memory sig) internal pure returns (bytes32 r, bytes32 s, uint8 v) {
        assembly {
            r := mload(add(sig, 32))
            s := mload(add(sig, 64))
            v := byte(0, mload(add(sig, 96)))
        }
    }

    /// @dev The address ecrecover yields for `sig` over `digest` (as the contract will see it).
    function _recover(bytes32 digest, bytes memory sig) internal pure returns (address) {
        (bytes32 r, bytes32 s, uint8 v) = _split(sig);
        return ecrecover(digest, v, r, s);
    }

    /// @dev The malleable twin of a 65-byte signature: s' = n - s, v flipped.
    function _highS(bytes memory sig) internal pure returns (bytes memory) {
        (bytes32 r, bytes32 s, uint8 v) = _split(sig);
        return abi.encodePacked(r, bytes32(SECP256K1_N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
    }

    function _lifetimeParamSpec(uint256 limit) internal returns (SessionLib.SessionSpec memory spec) {
        spec = _spec();
        SessionLib.CallSpec memory c = _addCall(spec, address(counter), SET_NUMBER, 0, _unlimited());
        _addConstraint(
            c, _constraint(SessionLib.Condition.LessOrEqual, 0, bytes32(type(uint256).max), _lifetime(limit))
        );
        _addCall(spec, address(reverter), Reverter.fail.selector, 0, _unlimited());
    }

    // ------------------------------------------------------------------
    //  Self-calls (privilege escalation to the owner path)
    // ------------------------------------------------------------------

    function _grantGranularWithSelfPolicies() internal {
        SessionLib.SessionSpec memory spec = _spec();
        _addCall(spec, address(counter), INCREMENT, 0, _unlimited());
        _addCall(spec, _acc(), EXECUTE, 0, _unlimited());
        _addCall(spec, _acc(), IMinimalAccount.revokeSession.selector, 0, _unlimited());
        _addTransfer(spec, _acc(), 1 ether, _unlimited());
        _grant(spec);
    }

    /// @dev A call that, run as the account, would do anything the owner can.
    function _ownerPathCall() internal view returns (Call memory) {
        return
            Call(_acc(), 0, abi.encodeCall(IMinimalAccount.execute, (_one(address(token), 0, _transferData(other, 1)))));
    }

    function test_selfCall_direct_wildcard() public {
        _grant(_wildcardSpec());
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.SessionSelfCallForbidden.selector));
        _execSession(_one(_acc(), 0, _ownerPathCall().data));
        vm.assertEq(token.balanceOf(other), 0, "no escalation");
    }

    function test_selfCall_direct_granular() public {
        _grantGranularWithSelfPolicies();
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.SessionSelfCallForbidden.selector));
        _execSession(_one(_acc(), 0, _ownerPathCall().data));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.SessionSelfCallForbidden.selector));
        _execSession(_one(_acc(), 1, ""));
        vm.assertEq(token.balanceOf(other), 0, "no escalation");
    }

    function test_selfCall_nestedSecond_wildcard() public {
        _grant(_wildcardSpec());
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.SessionSelfCallForbidden.selector));
        _execSession(_two(Call(address(counter), 0, _inc()), _ownerPathCall()));
        vm.assertEq(counter.number(), 0, "first call not run");
        vm.assertEq(token.balanceOf(other), 0, "no escalation");
    }

    function test_selfCall_nestedSecond_granular() public {
        _grantGranularWithSelfPolicies();
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.SessionSelfCallForbidden.selector));
        _execSession(_two(Call(address(counter), 0, _inc()), _ownerPathCall()));
        vm.assertEq(counter.number(), 0, "first call not run");
        vm.assertEq(token.balanceOf(other), 0, "no escalation");
    }

    function test_selfCall_throughExecuteWithSig() public {
        _grant(_wildcardSpec());
        WrappedCalls memory w = _wrapped(_two(Call(address(counter), 0, _inc()), _ownerPathCall()), _uid());
        bytes memory sig = _signCalls(SESSION_PK, w);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.SessionSelfCallForbidden.selector));
        vm.prank(other);
        account.executeWithSig(w, sig);
        vm.assertEq(token.balanceOf(other), 0, "no escalation");
    }

    // ------------------------------------------------------------------
    //  Replay
    // ------------------------------------------------------------------

    function test_uidReplay_session() public {
        SessionLib.SessionSpec memory spec = _wildcardSpec();
        bytes memory sig = _signSpec(OWNER_PK, spec);
        account.createSessionWithSig(spec, sig);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.UIDAlreadyProcessed.selector));
        vm.prank(other);
        account.createSessionWithSig(spec, sig);
        // After a revocation, the old grant cannot be replayed to restore the session.
        vm.prank(ownerAddr);
        account.revokeSession(sessionSigner);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.UIDAlreadyProcessed.selector));
        vm.prank(other);
        account.createSessionWithSig(spec, sig);
        vm.assertFalse(account.isWildcardSigner(sessionSigner), "still revoked");
    }

    function test_uidReplay_wrappedCalls() public {
        WrappedCalls memory w = _wrapped(_one(address(counter), 0, _inc()), _uid());
        bytes memory sig = _signCalls(OWNER_PK, w);
        vm.prank(other);
        account.executeWithSig(w, sig);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.UIDAlreadyProcessed.selector));
        vm.prank(address(0xBEEF));
        account.executeWithSig(w, sig);
        // A session signer's wrapped calls too.
        _grant(_wildcardSpec());
        WrappedCalls memory ws = _wrapped(_one(address(counter), 0, _inc()), _uid());
        bytes memory ssig = _signCalls(SESSION_PK, ws);
        account.executeWithSig(ws, ssig);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.UIDAlreadyProcessed.selector));
        account.executeWithSig(ws, ssig);
        vm.assertEq(counter.number(), 2, "each ran once");
    }

    /// @dev SessionSpec uids and WrappedCalls uids share one namespace: a uid used by either
    ///      cannot be used by the other.
    /// @dev Session uids and wrapped-call uids are separate, and wrapped-call uids are per
    ///      signer: a uid used in one place does not block it in another.
    function test_uidNamespace_separateForSessionsAndPerSigner() public {
        SessionLib.SessionSpec memory spec = _wildcardSpec();
        _grant(spec);
        // The session's uid is still free for the owner's wrapped calls...
        WrappedCalls memory w = _wrapped(_one(address(counter), 0, _inc()), spec.uid);
        account.executeWithSig(w, _signCalls(OWNER_PK, w));
        // ...and once per signer: the session key may use the same uid once too.
        account.executeWithSig(w, _signCalls(SESSION_PK, w));
        vm.assertEq(counter.number(), 2, "both ran");
        // A second use by the same signer is a replay.
        bytes memory again = _signCalls(OWNER_PK, w);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.UIDAlreadyProcessed.selector));
        account.executeWithSig(w, again);
        // A wrapped-call uid does not block a grant with the same uid.
        bytes32 uid = _uid();
        WrappedCalls memory w2 = _wrapped(_one(address(counter), 0, _inc()), uid);
        account.executeWithSig(w2, _signCalls(OWNER_PK, w2));
        SessionLib.SessionSpec memory spec2 = _wildcardSpec();
        spec2.signer = other;
        spec2.uid = uid;
        account.createSessionWithSig(spec2, _signSpec(OWNER_PK, spec2));
        vm.assertTrue(account.isWildcardSigner(other), "granted");
    }

    /// @dev A session signer that sees an owner's pending grant cannot burn its uid with a
    ///      wrapped call of its own, nor an owner's pending wrapped calls.
    function test_uidNamespace_sessionSignerCannotBurnOthersUids() public {
        _grant(_wildcardSpec());
        SessionLib.SessionSpec memory pending = _wildcardSpec();
        pending.signer = other;
        bytes memory grantSig = _signSpec(OWNER_PK, pending);
        WrappedCalls memory w = _wrapped(_one(address(counter), 0, _inc()), pending.uid);
        account.executeWithSig(w, _signCalls(SESSION_PK, w));
        account.createSessionWithSig(pending, grantSig);
        vm.assertTrue(account.isWildcardSigner(other), "pending grant still lands");
        // The owner's pending wrapped calls with the same uid still run.
        account.executeWithSig(w, _signCalls(OWNER_PK, w));
        vm.assertEq(counter.number(), 2, "owner's batch ran");
    }

    // ------------------------------------------------------------------
    //  Signature domain and form
    // ------------------------------------------------------------------

    function test_sessionSig_otherChainId_InvalidSignature() public {
        SessionLib.SessionSpec memory spec = _wildcardSpec();
        bytes memory sig = _signDigest(OWNER_PK, SessionHelpers.digest(_acc(), block.chainid + 1, spec.hash()));
        address recovered = _recover(SessionHelpers.digest(_acc(), block.chainid, spec.hash()), sig);
        vm.assertTrue(recovered != ownerAddr, "recovers someone else");
        vm.expectRevert(_invalidSig(recovered, _acc()));
        account.createSessionWithSig(spec, sig);

        WrappedCalls memory w = _wrapped(_one(address(counter), 0, _inc()), _uid());
        bytes memory wsig = _signDigest(OWNER_PK, SessionHelpers.digest(_acc(), 1, w.hash()));
        address wrec = _recover(SessionHelpers.digest(_acc(), block.chainid, w.hash()), wsig);
        vm.expectRevert(_invalidSig(wrec, _acc()));
        account.executeWithSig(w, wsig);
    }

    function test_sessionSig_otherAccount_InvalidSignature() public {
        _delegate(OTHER_PK);
        SessionAccount accountB = SessionAccount(payable(other));
        SessionLib.SessionSpec memory spec = _wildcardSpec();
        // B's own owner signs, but for account A's domain; submitted to B.
        bytes memory sig = _signDigest(OTHER_PK, SessionHelpers.digest(_acc(), block.chainid, spec.hash()));
        address recovered = _recover(SessionHelpers.digest(other, block.chainid, spec.hash()), sig);
        vm.expectRevert(_invalidSig(recovered, other));
        accountB.createSessionWithSig(spec, sig);
        // A's owner's grant for A, submitted to B.
        bytes memory sigA = _signSpec(OWNER_PK, spec);
        address recoveredA = _recover(SessionHelpers.digest(other, block.chainid, spec.hash()), sigA);
        vm.expectRevert(_invalidSig(recoveredA, other));
        accountB.createSessionWithSig(spec, sigA);
        // and the grant still works where it belongs
        account.createSessionWithSig(spec, sigA);
        vm.assertTrue(account.isWildcardSigner(sessionSigner), "granted on A");
        vm.assertFalse(accountB.isWildcardSigner(sessionSigner), "not on B");
        // A session of A is nobody on B.
        vm.expectRevert(_invalidSig(sessionSigner, other));
        vm.prank(sessionSigner);
        accountB.execute(_one(address(counter), 0, _inc()));
        // A's owner-signed wrapped calls, submitted to B.
        WrappedCalls memory w = _wrapped(_one(address(counter), 0, _inc()), _uid());
        bytes memory wsig = _signCalls(OWNER_PK, w);
        address wrec = _recover(SessionHelpers.digest(other, block.chainid, w.hash()), wsig);
        vm.expectRevert(_invalidSig(wrec, other));
        accountB.executeWithSig(w, wsig);
    }

    function test_malleableHighS_rejected() public {
        SessionLib.SessionSpec memory spec = _wildcardSpec();
        bytes memory sig = _signSpec(OWNER_PK, spec);
        bytes memory twin = _highS(sig);
        // The twin is a valid ecrecover signature by the owner...
        vm.assertEq(_recover(SessionHelpers.digest(_acc(), block.chainid, spec.hash()), twin), ownerAddr, "twin");
        // ...but rejected.
        vm.expectRevert(_invalidSig(address(0), _acc()));
        account.createSessionWithSig(spec, twin);

        WrappedCalls memory w = _wrapped(_one(address(counter), 0, _inc()), _uid());
        bytes memory wtwin = _highS(_signCalls(OWNER_PK, w));
        vm.expectRevert(_invalidSig(address(0), _acc()));
        account.executeWithSig(w, wtwin);

        bytes32 h = keccak256("hello");
        vm.assertEq(account.isValidSignature(h, _highS(_signDigest(OWNER_PK, h))), bytes4(0xffffffff), "1271");
        // The low-s original still works (the failed attempts consumed nothing).
        account.createSessionWithSig(spec, sig);
        vm.assertTrue(account.isWildcardSigner(sessionSigner), "granted");
    }

    function test_wrongLengthSignature_rejected() public {
        SessionLib.SessionSpec memory spec = _wildcardSpec();
        bytes memory sig = _signSpec(OWNER_PK, spec);
        bytes32 r;
        bytes32 s;
        assembly {
            r := mload(add(sig, 32))
            s := mload(add(sig, 64))
        }
        bytes[4] memory bad = [abi.encodePacked(r, s), abi.encodePacked(sig, uint8(0)), bytes(""), abi.encodePacked(r)];
        for (uint256 i; i < bad.length; ++i) {
            vm.expectRevert(_invalidSig(address(0), _acc()));
            account.createSessionWithSig(spec, bad[i]);
        }
        // EIP-2098 compact form (r, vs) is not accepted either.
        uint8 v = uint8(sig[64]);
        bytes32 vs = bytes32(uint256(s) | (uint256(v - 27) << 255));
        vm.expectRevert(_invalidSig(address(0), _acc()));
        account.createSessionWithSig(spec, abi.encodePacked(r, vs));
        // v of 0/1 instead of 27/28
        bytes memory v01 = abi.encodePacked(r, s, uint8(v - 27));
        vm.expectRevert(_invalidSig(address(0), _acc()));
        account.createSessionWithSig(spec, v01);

        WrappedCalls memory w = _wrapped(_one(address(counter), 0, _inc()), _uid());
        bytes memory wsig = _signCalls(OWNER_PK, w);
        vm.expectRevert(_invalidSig(address(0), _acc()));
        account.executeWithSig(w, abi.encodePacked(wsig, uint8(0)));
        vm.expectRevert(_invalidSig(address(0), _acc()));
        account.executeWithSig(w, "");
    }

    function test_tamperedWrappedCalls_InvalidSignature() public {
        WrappedCalls memory w = _wrapped(_one(address(token), 0, _transferData(other, 1)), _uid());
        bytes memory sig = _signCalls(OWNER_PK, w);
        w.calls[0].data = _transferData(other, 1_000_000 ether);
        address recovered = _recover(SessionHelpers.digest(_acc(), block.chainid, w.hash()), sig);
        vm.expectRevert(_invalidSig(recovered, _acc()));
        account.executeWithSig(w, sig);
        vm.assertEq(token.balanceOf(other), 0, "nothing moved");
    }

    // ------------------------------------------------------------------
    //  Policy confusion
    // ------------------------------------------------------------------

    function test_constraintIndexPastCalldata() public {
        SessionLib.SessionSpec memory spec = _spec();
        SessionLib.CallSpec memory c = _addCall(spec, address(counter), ADD, 0, _unlimited());
        _addConstraint(c, _constraint(SessionLib.Condition.Equal, 2, bytes32(0)));
        SessionLib.CallSpec memory s = _addCall(spec, address(counter), SET_NUMBER, 0, _unlimited());
        _addConstraint(s, _constraint(SessionLib.Condition.Unconstrained, type(uint64).max, bytes32(0)));
        _grant(spec);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.InvalidDataLength.selector, 68, 100));
        _execSession(_one(address(counter), 0, abi.encodeCall(Counter.add, (1, 2))));
        vm.expectRevert(
            abi.encodeWithSelector(
                IMinimalAccount.InvalidDataLength.selector, 36, 4 + 32 * (uint256(type(uint64).max) + 1)
            )
        );
        _execSession(_one(address(counter), 0, _setNumber(1)));
        // Calldata padded to reach the word is read as such (the word must satisfy the condition).
        _execSession(_one(address(counter), 0, abi.encodePacked(abi.encodeCall(Counter.add, (1, 2)), bytes32(0))));
        vm.expectRevert(
            abi.encodeWithSelector(
                IMinimalAccount.ConditionFailed.selector,
                bytes32(uint256(5)),
                bytes32(0),
                uint8(SessionLib.Condition.Equal)
            )
        );
        _execSession(
            _one(address(counter), 0, abi.encodePacked(abi.encodeCall(Counter.add, (1, 2)), bytes32(uint256(5))))
        );
    }

    function test_valueWithFunctionCall_needsCallSpecMaxValue() public {
        SessionLib.SessionSpec memory spec = _spec();
        _addCall(spec, address(counter), SET_NUMBER, 0, _unlimited());
        // A generous TransferSpec for the same target does not cover function calls.
        _addTransfer(spec, address(counter), 10 ether, _unlimited());
        _grant(spec);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.MaxValueExceeded.selector, 1, 0));
        _execSession(_one(address(counter), 1, _setNumber(1)));
        _execSession(_one(address(counter), 0, _setNumber(1)));

        spec = _spec();
        _addCall(spec, address(counter), SET_NUMBER, 1 ether, _unlimited());
        _grant(spec);
        _execSession(_one(address(counter), 1 ether, _setNumber(2)));
        vm.assertEq(address(counter).balance, 1 ether, "value with call");
    }

    function test_callSpecDoesNotAuthoriseTransfer() public {
        SessionLib.SessionSpec memory spec = _spec();
        _addCall(spec, address(receiver), bytes4(0xdeadbeef), 10 ether, _unlimited());
        _grant(spec);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.TransferPolicyViolated.selector, address(receiver)));
        _execSession(_one(address(receiver), 1 ether, ""));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.TransferPolicyViolated.selector, address(receiver)));
        _execSession(_one(address(receiver), 1 ether, hex"deadbe"));
        _execSession(_one(address(receiver), 1 ether, hex"deadbeef"));
        vm.assertEq(receiver.received(), 1 ether, "only the call");
    }

    function test_transferSpecDoesNotAuthoriseCall() public {
        SessionLib.SessionSpec memory spec = _spec();
        _addTransfer(spec, address(receiver), 10 ether, _unlimited());
        _grant(spec);
        vm.expectRevert(
            abi.encodeWithSelector(IMinimalAccount.CallPolicyViolated.selector, address(receiver), bytes4(0xdeadbeef))
        );
        _execSession(_one(address(receiver), 1 ether, hex"deadbeef"));
        vm.expectRevert(
            abi.encodeWithSelector(IMinimalAccount.CallPolicyViolated.selector, address(receiver), bytes4(0))
        );
        _execSession(_one(address(receiver), 1 ether, hex"00000000"));
        _execSession(_one(address(receiver), 1 ether, ""));
        vm.assertEq(receiver.received(), 1 ether, "only the transfer");
    }

    function test_callAndTransferValueLimitsAreSeparate() public {
        SessionLib.SessionSpec memory spec = _spec();
        _addCall(spec, address(receiver), bytes4(0xdeadbeef), 1 ether, _lifetime(1 ether));
        _addTransfer(spec, address(receiver), 1 ether, _lifetime(1 ether));
        _grant(spec);
        _execSession(_one(address(receiver), 1 ether, hex"deadbeef"));
        _execSession(_one(address(receiver), 1 ether, ""));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.LifetimeUsageExceeded.selector, 1 ether, 1 ether));
        _execSession(_one(address(receiver), 1, hex"deadbeef"));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.LifetimeUsageExceeded.selector, 1 ether, 1 ether));
        _execSession(_one(address(receiver), 1, ""));
    }

    // ------------------------------------------------------------------
    //  Limits
    // ------------------------------------------------------------------

    function test_revertingInnerCall_rollsBackLifetimeParam() public {
        _grant(_lifetimeParamSpec(100));
        Call[] memory calls = _two(
            Call(address(counter), 0, _setNumber(80)), Call(address(reverter), 0, abi.encodeCall(Reverter.fail, ()))
        );
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.CallReverted.selector));
        _execSession(calls);
        vm.assertEq(account.getSessionStateForSigner(sessionSigner).callParams[0].remaining, 100, "unchanged");
        _execSession(_one(address(counter), 0, _setNumber(100)));
        vm.assertEq(account.getSessionStateForSigner(sessionSigner).callParams[0].remaining, 0, "used");
    }

    function test_cumulativeWithinBatch_lifetime() public {
        _grant(_lifetimeParamSpec(100));
        Call[] memory calls = _two(Call(address(counter), 0, _setNumber(60)), Call(address(counter), 0, _setNumber(50)));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.LifetimeUsageExceeded.selector, 60, 100));
        _execSession(calls);
        vm.assertEq(account.getSessionStateForSigner(sessionSigner).callParams[0].remaining, 100, "rolled back");
        _execSession(_two(Call(address(counter), 0, _setNumber(60)), Call(address(counter), 0, _setNumber(40))));
        vm.assertEq(counter.number(), 40, "ran");
    }

    function test_cumulativeWithinBatch_allowanceTransferValue() public {
        SessionLib.SessionSpec memory spec = _spec();
        _addTransfer(spec, address(receiver), 1 ether, _allowance(1 ether, 1 days));
        _grant(spec);
        uint64 w = uint64(block.timestamp / 1 days);
        Call[] memory calls = _two(Call(address(receiver), 0.6 ether, ""), Call(address(receiver), 0.5 ether, ""));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.AllowanceExceeded.selector, 0.6 ether, 1 ether, w));
        _execSession(calls);
        vm.assertEq(receiver.received(), 0, "nothing sent");
    }

    function test_cumulativeWithinBatch_sameLimitTwoCalls_callValue() public {
        SessionLib.SessionSpec memory spec = _spec();
        _addCall(spec, address(counter), SET_NUMBER, 1 ether, _lifetime(1 ether));
        _grant(spec);
        Call[] memory calls = new Call[](3);
        calls[0] = Call(address(counter), 0.4 ether, _setNumber(1));
        calls[1] = Call(address(counter), 0.4 ether, _setNumber(2));
        calls[2] = Call(address(counter), 0.4 ether, _setNumber(3));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.LifetimeUsageExceeded.selector, 0.8 ether, 1 ether));
        _execSession(calls);
    }

    // ------------------------------------------------------------------
    //  Identity
    // ------------------------------------------------------------------

    function test_secondSigner_doesNotInheritPermissions() public {
        SessionLib.SessionSpec memory a = _spec();
        SessionLib.CallSpec memory ca = _addCall(a, address(counter), SET_NUMBER, 0, _unlimited());
        _addConstraint(ca, _constraint(SessionLib.Condition.LessOrEqual, 0, bytes32(uint256(100)), _lifetime(100)));
        _grant(a);
        SessionLib.SessionSpec memory b = _spec();
        b.signer = other;
        SessionLib.CallSpec memory cb = _addCall(b, address(counter), SET_NUMBER, 0, _unlimited());
        _addConstraint(cb, _constraint(SessionLib.Condition.LessOrEqual, 0, bytes32(uint256(100)), _lifetime(100)));
        _addCall(b, address(token), token.transfer.selector, 0, _unlimited());
        _grant(b);

        // sessionSigner cannot use other's token policy
        vm.expectRevert(
            abi.encodeWithSelector(IMinimalAccount.CallPolicyViolated.selector, address(token), token.transfer.selector)
        );
        _execSession(_one(address(token), 0, _transferData(sessionSigner, 1)));
        // counters are per signer, even for identical policies
        _execSession(_one(address(counter), 0, _setNumber(100)));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.LifetimeUsageExceeded.selector, 100, 100));
        _execSession(_one(address(counter), 0, _setNumber(1)));
        _execAs(other, _one(address(counter), 0, _setNumber(100)));
        vm.assertEq(account.getSessionStateForSigner(other).callParams[0].remaining, 0, "b used");
        // revoking one leaves the other
        vm.prank(ownerAddr);
        account.revokeSession(other);
        vm.expectRevert(_invalidSig(other, _acc()));
        _execAs(other, _one(address(token), 0, _transferData(other, 1)));
        vm.assertEq(account.getSessionExpirationForSigner(sessionSigner), a.expiresAt, "a still granted");
    }

    /// @dev A session key that is itself a delegated smart account stays a session signer when its
    ///      own account calls ours: it does not reach the owner path.
    function test_sessionKeyThatIsAnAccount_staysUnderItsSpec() public {
        _delegate(OTHER_PK);
        SessionAccount keyAccount = SessionAccount(payable(other));
        SessionLib.SessionSpec memory spec = _spec();
        spec.signer = other;
        _addCall(spec, address(counter), INCREMENT, 0, _unlimited());
        _grant(spec);

        Call[] memory allowed = _one(address(counter), 0, _inc());
        Call[] memory denied = _one(address(token), 0, _transferData(other, 1));
        // other's account, on its owner path, calls our execute: allowed call runs
        vm.prank(other);
        keyAccount.execute(_one(_acc(), 0, abi.encodeCall(IMinimalAccount.execute, (allowed))));
        vm.assertEq(counter.number(), 1, "allowed ran");
        vm.assertEq(counter.lastCaller(), _acc(), "as our account");
        // the denied call fails inside and the outer batch reverts
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.CallReverted.selector));
        vm.prank(other);
        keyAccount.execute(_one(_acc(), 0, abi.encodeCall(IMinimalAccount.execute, (denied))));
        // Relayed through the key's own account (executeWithSig signed by the key).
        WrappedCalls memory w = _wrapped(_one(_acc(), 0, abi.encodeCall(IMinimalAccount.execute, (denied))), _uid());
        bytes memory sig = _signDigest(OTHER_PK, SessionHelpers.digest(other, block.chainid, w.hash()));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.CallReverted.selector));
        vm.prank(address(0xBEEF));
        keyAccount.executeWithSig(w, sig);
        // directly: the policy error
        vm.expectRevert(
            abi.encodeWithSelector(IMinimalAccount.CallPolicyViolated.selector, address(token), token.transfer.selector)
        );
        _execAs(other, denied);
        vm.assertEq(token.balanceOf(other), 0, "nothing moved");
    }

    function test_strangerCannotRevoke() public {
        _grant(_wildcardSpec());
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.OnlyAccount.selector, other));
        vm.prank(other);
        account.revokeSession(sessionSigner);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.OnlyAccount.selector, sessionSigner));
        vm.prank(sessionSigner);
        account.revokeSession(sessionSigner);
        // nor through the session's own batch
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.SessionSelfCallForbidden.selector));
        _execSession(_one(_acc(), 0, abi.encodeCall(IMinimalAccount.revokeSession, (sessionSigner))));
        // nor for an unknown signer
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.OnlyAccount.selector, other));
        vm.prank(other);
        account.revokeSession(address(0x1234));
        vm.assertTrue(account.isWildcardSigner(sessionSigner), "still granted");
    }

    function test_regrantNarrower_deniesOldPermissions() public {
        SessionLib.SessionSpec memory wide = _spec();
        SessionLib.CallSpec memory c = _addCall(wide, address(counter), SET_NUMBER, 1 ether, _unlimited());
        _addConstraint(c, _constraint(SessionLib.Condition.LessOrEqual, 0, bytes32(uint256(1000))));
        _addCall(wide, address(counter), ADD, 0, _unlimited());
        _addTransfer(wide, address(receiver), 1 ether, _unlimited());
        bytes memory wideSig = _signSpec(OWNER_PK, wide);
        account.createSessionWithSig(wide, wideSig);
        _execSession(_one(address(counter), 1 ether, _setNumber(1000)));

        SessionLib.SessionSpec memory narrow = _spec();
        SessionLib.CallSpec memory n = _addCall(narrow, address(counter), SET_NUMBER, 0, _unlimited());
        _addConstraint(n, _constraint(SessionLib.Condition.LessOrEqual, 0, bytes32(uint256(10))));
        _grant(narrow);

        _execSession(_one(address(counter), 0, _setNumber(10)));
        vm.expectRevert(
            abi.encodeWithSelector(
                IMinimalAccount.ConditionFailed.selector,
                bytes32(uint256(11)),
                bytes32(uint256(10)),
                uint8(SessionLib.Condition.LessOrEqual)
            )
        );
        _execSession(_one(address(counter), 0, _setNumber(11)));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.MaxValueExceeded.selector, 1, 0));
        _execSession(_one(address(counter), 1, _setNumber(1)));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.CallPolicyViolated.selector, address(counter), ADD));
        _execSession(_one(address(counter), 0, abi.encodeCall(Counter.add, (1, 1))));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.TransferPolicyViolated.selector, address(receiver)));
        _execSession(_one(address(receiver), 1, ""));
        // the wide grant cannot be replayed to widen it again
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.UIDAlreadyProcessed.selector));
        vm.prank(sessionSigner);
        account.createSessionWithSig(wide, wideSig);
    }
}
