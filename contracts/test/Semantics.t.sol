// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {Base, SessionHelpers} from "./utils/Base.sol";
import {vm} from "./utils/Vm.sol";
import {Call, WrappedCalls, SessionLib} from "../types/Types.sol";
import {IMinimalAccount} from "../interfaces/IMinimalAccount.sol";
import {Counter} from "../fixtures/Counter.sol";
import {Reverter} from "../fixtures/Reverter.sol";

/// @dev Cheatcodes not declared in Vm.sol.
interface VmExtra {
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData, address emitter) external;
}

VmExtra constant vmx = VmExtra(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

/// @notice One test per rule of the account's semantics (README, "The account"; 7702 path).
contract SemanticsTest is Base {
    using SessionHelpers for *;

    // ------------------------------------------------------------------
    //  Helpers
    // ------------------------------------------------------------------

    function _add(uint256 a, uint256 b) internal pure returns (bytes memory) {
        return abi.encodeCall(Counter.add, (a, b));
    }

    function _noCalls() internal pure returns (Call[] memory calls) {
        calls = new Call[](0);
    }

    function _stateHash(address signer) internal view returns (bytes32) {
        return keccak256(abi.encode(account.getSessionStateForSigner(signer)));
    }

    /// @dev A session whose only policy is setNumber on counter with one constraint on word 0.
    function _grantCondition(SessionLib.Condition cond, bytes32 ref) internal {
        SessionLib.SessionSpec memory spec = _spec();
        SessionLib.CallSpec memory c = _addCall(spec, address(counter), SET_NUMBER, 0, _unlimited());
        _addConstraint(c, _constraint(cond, 0, ref));
        _grant(spec);
    }

    function _expectConditionFailed(uint256 word, uint256 ref, SessionLib.Condition cond) internal {
        vm.expectRevert(
            abi.encodeWithSelector(IMinimalAccount.ConditionFailed.selector, bytes32(word), bytes32(ref), uint8(cond))
        );
    }

    function _nextBoundary(uint256 period) internal view returns (uint256) {
        return (block.timestamp / period + 1) * period;
    }

    // ------------------------------------------------------------------
    //  execute: owner, stranger, empty batch, failing call
    // ------------------------------------------------------------------

    function test_ownerRunsAnythingIncludingValue() public {
        Call[] memory calls = new Call[](4);
        calls[0] = Call(address(counter), 1 ether, _setNumber(42));
        calls[1] = Call(address(receiver), 2 ether, "");
        calls[2] = Call(address(token), 0, _transferData(other, 5 ether));
        calls[3] = Call(address(receiver), 0, hex"01");
        uint256 before = ownerAddr.balance;
        _execOwner(calls);
        vm.assertEq(counter.number(), 42, "number");
        vm.assertEq(counter.lastCaller(), _acc(), "caller is the account");
        vm.assertEq(address(counter).balance, 1 ether, "value to function");
        vm.assertEq(receiver.received(), 2 ether, "value transfer");
        vm.assertEq(token.balanceOf(other), 5 ether, "token");
        vm.assertEq(ownerAddr.balance, before - 3 ether, "paid by the account");
    }

    function test_ownerAttachedValueIsUsable() public {
        vm.deal(ownerAddr, 1 ether);
        vm.prank(ownerAddr);
        account.execute{value: 1 ether}(_one(address(receiver), 1 ether, ""));
        vm.assertEq(receiver.received(), 1 ether, "received");
    }

    function test_strangerExecute_InvalidSignature() public {
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.InvalidSignature.selector, other, _acc()));
        _execAs(other, _one(address(counter), 0, _inc()));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.InvalidSignature.selector, other, _acc()));
        _execAs(other, _noCalls());
    }

    function test_emptyBatch_owner_NoCallsToExecute() public {
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.NoCallsToExecute.selector));
        _execOwner(_noCalls());
    }

    function test_emptyBatch_session_NoCallsToExecute() public {
        _grant(_wildcardSpec());
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.NoCallsToExecute.selector));
        _execSession(_noCalls());
        // granular too
        SessionLib.SessionSpec memory spec = _spec();
        _addCall(spec, address(counter), INCREMENT, 0, _unlimited());
        _grant(spec);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.NoCallsToExecute.selector));
        _execSession(_noCalls());
    }

    function test_failingInnerCall_owner_CallReverted() public {
        Call[] memory calls = _two(Call(address(counter), 0, _inc()), Call(address(reverter), 0, hex""));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.CallReverted.selector));
        _execOwner(calls);
        vm.assertEq(counter.number(), 0, "first call rolled back");
    }

    function test_failingInnerCall_session_rollsBackUsage() public {
        SessionLib.SessionSpec memory spec = _spec();
        SessionLib.CallSpec memory c = _addCall(spec, address(counter), SET_NUMBER, 1 ether, _lifetime(3 ether));
        _addConstraint(
            c, _constraint(SessionLib.Condition.LessOrEqual, 0, bytes32(uint256(1000)), _allowance(1000, 1 days))
        );
        _addCall(spec, address(reverter), Reverter.fail.selector, 0, _unlimited());
        _addTransfer(spec, address(receiver), 1 ether, _lifetime(2 ether));
        _grant(spec);

        bytes32 before = _stateHash(sessionSigner);
        Call[] memory calls = new Call[](3);
        calls[0] = Call(address(counter), 1 ether, _setNumber(700));
        calls[1] = Call(address(receiver), 1 ether, "");
        calls[2] = Call(address(reverter), 0, abi.encodeCall(Reverter.fail, ()));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.CallReverted.selector));
        _execSession(calls);
        vm.assertEq(_stateHash(sessionSigner), before, "usage rolled back");
        SessionLib.SessionState memory st = account.getSessionStateForSigner(sessionSigner);
        vm.assertEq(st.callValue[0].remaining, 3 ether, "call value");
        vm.assertEq(st.callParams[0].remaining, 1000, "param");
        vm.assertEq(st.transferValue[0].remaining, 2 ether, "transfer value");
        // The full allowance is still usable.
        _execSession(_one(address(counter), 1 ether, _setNumber(1000)));
        vm.assertEq(counter.number(), 1000, "ran");
    }

    // ------------------------------------------------------------------
    //  Expiry, self-calls, wildcard
    // ------------------------------------------------------------------

    function test_expiry_oneSecondBeforeOk_atExpiresAtExpired() public {
        SessionLib.SessionSpec memory spec = _wildcardSpec();
        _grant(spec);
        vm.warp(spec.expiresAt - 1);
        _execSession(_one(address(counter), 0, _inc()));
        vm.assertEq(counter.number(), 1, "ran before expiry");
        vm.warp(spec.expiresAt);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.SessionExpired.selector));
        _execSession(_one(address(counter), 0, _inc()));
        vm.warp(spec.expiresAt + 1000);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.SessionExpired.selector));
        _execSession(_one(address(counter), 0, _inc()));
    }

    function test_expiry_granular_atExpiresAtExpired() public {
        SessionLib.SessionSpec memory spec = _spec();
        _addCall(spec, address(counter), INCREMENT, 0, _unlimited());
        _grant(spec);
        vm.warp(spec.expiresAt - 1);
        _execSession(_one(address(counter), 0, _inc()));
        vm.warp(spec.expiresAt);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.SessionExpired.selector));
        _execSession(_one(address(counter), 0, _inc()));
    }

    function test_selfCall_wildcard_SessionSelfCallForbidden() public {
        _grant(_wildcardSpec());
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.SessionSelfCallForbidden.selector));
        _execSession(_one(_acc(), 0, abi.encodeCall(IMinimalAccount.revokeSession, (sessionSigner))));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.SessionSelfCallForbidden.selector));
        _execSession(_one(_acc(), 1, ""));
    }

    function test_selfCall_granular_SessionSelfCallForbidden() public {
        SessionLib.SessionSpec memory spec = _spec();
        // Even an explicit policy for the account itself does not allow it.
        _addCall(spec, _acc(), IMinimalAccount.revokeSession.selector, 0, _unlimited());
        _addTransfer(spec, _acc(), 1 ether, _unlimited());
        _grant(spec);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.SessionSelfCallForbidden.selector));
        _execSession(_one(_acc(), 0, abi.encodeCall(IMinimalAccount.revokeSession, (sessionSigner))));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.SessionSelfCallForbidden.selector));
        _execSession(_one(_acc(), 1, ""));
        vm.assertEq(account.getSessionExpirationForSigner(sessionSigner), spec.expiresAt, "still granted");
    }

    function test_wildcard_skipsPolicies() public {
        SessionLib.SessionSpec memory spec = _wildcardSpec();
        // Policies present but ignored for a wildcard session.
        SessionLib.CallSpec memory c = _addCall(spec, address(counter), SET_NUMBER, 0, _lifetime(0));
        _addConstraint(c, _constraint(SessionLib.Condition.Equal, 0, bytes32(uint256(1)), _lifetime(1)));
        _addTransfer(spec, address(receiver), 0, _lifetime(0));
        _grant(spec);
        Call[] memory calls = new Call[](4);
        calls[0] = Call(address(counter), 3 ether, _setNumber(99));
        calls[1] = Call(address(receiver), 5 ether, "");
        calls[2] = Call(address(token), 0, _transferData(other, 7));
        calls[3] = Call(address(counter), 0, _add(1, 2));
        _execSession(calls);
        vm.assertEq(counter.number(), 102, "number");
        vm.assertEq(receiver.received(), 5 ether, "transfer");
        vm.assertEq(token.balanceOf(other), 7, "token");
        vm.assertEq(counter.lastCaller(), _acc(), "caller");
    }

    // ------------------------------------------------------------------
    //  Matching
    // ------------------------------------------------------------------

    function test_callSpec_firstMatchWins() public {
        SessionLib.SessionSpec memory spec = _spec();
        SessionLib.CallSpec memory first = _addCall(spec, address(counter), SET_NUMBER, 0, _lifetime(0));
        _addConstraint(first, _constraint(SessionLib.Condition.LessOrEqual, 0, bytes32(uint256(10))));
        // The second would allow anything with value; it is never used.
        _addCall(spec, address(counter), SET_NUMBER, 10 ether, _unlimited());
        _grant(spec);
        _execSession(_one(address(counter), 0, _setNumber(10)));
        _expectConditionFailed(11, 10, SessionLib.Condition.LessOrEqual);
        _execSession(_one(address(counter), 0, _setNumber(11)));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.MaxValueExceeded.selector, 1, 0));
        _execSession(_one(address(counter), 1, _setNumber(1)));
        vm.assertEq(counter.number(), 10, "number");
    }

    function test_noMatchingCallSpec_CallPolicyViolated() public {
        SessionLib.SessionSpec memory spec = _spec();
        _addCall(spec, address(counter), SET_NUMBER, 0, _unlimited());
        _grant(spec);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.CallPolicyViolated.selector, address(counter), ADD));
        _execSession(_one(address(counter), 0, _add(1, 1)));
        vm.expectRevert(
            abi.encodeWithSelector(IMinimalAccount.CallPolicyViolated.selector, address(receiver), SET_NUMBER)
        );
        _execSession(_one(address(receiver), 0, _setNumber(1)));
        // exactly 4 bytes is a function call
        vm.expectRevert(
            abi.encodeWithSelector(IMinimalAccount.CallPolicyViolated.selector, address(counter), INCREMENT)
        );
        _execSession(_one(address(counter), 0, _inc()));
    }

    function test_shortCalldata_usesTransferSpec() public {
        SessionLib.SessionSpec memory spec = _spec();
        _addTransfer(spec, address(receiver), 1 ether, _unlimited());
        _grant(spec);
        _execSession(_one(address(receiver), 1, ""));
        _execSession(_one(address(receiver), 2, hex"aa"));
        _execSession(_one(address(receiver), 3, hex"aabb"));
        _execSession(_one(address(receiver), 4, hex"aabbcc"));
        vm.assertEq(receiver.received(), 10, "received");
    }

    function test_shortCalldata_noTransferSpec_TransferPolicyViolated() public {
        SessionLib.SessionSpec memory spec = _spec();
        _addTransfer(spec, address(receiver), 1 ether, _unlimited());
        // a CallSpec on `other` does not authorise transfers to it
        _addCall(spec, other, bytes4(0xaabbccdd), 1 ether, _unlimited());
        _grant(spec);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.TransferPolicyViolated.selector, other));
        _execSession(_one(other, 1, ""));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.TransferPolicyViolated.selector, other));
        _execSession(_one(other, 0, hex"aabbcc"));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.TransferPolicyViolated.selector, address(counter)));
        _execSession(_one(address(counter), 0, hex"01"));
    }

    // ------------------------------------------------------------------
    //  Value
    // ------------------------------------------------------------------

    function test_maxValueExceeded_call() public {
        SessionLib.SessionSpec memory spec = _spec();
        _addCall(spec, address(counter), SET_NUMBER, 1 ether, _unlimited());
        _grant(spec);
        _execSession(_one(address(counter), 1 ether, _setNumber(1)));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.MaxValueExceeded.selector, 1 ether + 1, 1 ether));
        _execSession(_one(address(counter), 1 ether + 1, _setNumber(1)));
    }

    function test_maxValueExceeded_transfer() public {
        SessionLib.SessionSpec memory spec = _spec();
        _addTransfer(spec, address(receiver), 0.5 ether, _unlimited());
        _grant(spec);
        _execSession(_one(address(receiver), 0.5 ether, ""));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.MaxValueExceeded.selector, 0.5 ether + 1, 0.5 ether));
        _execSession(_one(address(receiver), 0.5 ether + 1, ""));
    }

    function test_callValue_lifetime() public {
        SessionLib.SessionSpec memory spec = _spec();
        _addCall(spec, address(counter), SET_NUMBER, 10 ether, _lifetime(1 ether));
        _grant(spec);
        _execSession(_one(address(counter), 0.6 ether, _setNumber(1)));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.LifetimeUsageExceeded.selector, 0.6 ether, 1 ether));
        _execSession(_one(address(counter), 0.4 ether + 1, _setNumber(1)));
        _execSession(_one(address(counter), 0.4 ether, _setNumber(1)));
        vm.warp(block.timestamp + 12 hours);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.LifetimeUsageExceeded.selector, 1 ether, 1 ether));
        _execSession(_one(address(counter), 1, _setNumber(1)));
        _execSession(_one(address(counter), 0, _setNumber(1))); // zero value still fine
    }

    function test_callValue_allowance() public {
        uint256 period = 1 hours;
        SessionLib.SessionSpec memory spec = _spec();
        _addCall(spec, address(counter), SET_NUMBER, 10 ether, _allowance(1 ether, period));
        _grant(spec);
        uint64 w = uint64(block.timestamp / period);
        _execSession(_one(address(counter), 0.6 ether, _setNumber(1)));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.AllowanceExceeded.selector, 0.6 ether, 1 ether, w));
        _execSession(_one(address(counter), 0.5 ether, _setNumber(1)));
        uint256 boundary = _nextBoundary(period);
        vm.warp(boundary - 1);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.AllowanceExceeded.selector, 0.6 ether, 1 ether, w));
        _execSession(_one(address(counter), 0.5 ether, _setNumber(1)));
        vm.warp(boundary);
        _execSession(_one(address(counter), 0.5 ether, _setNumber(1)));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.AllowanceExceeded.selector, 0.5 ether, 1 ether, w + 1));
        _execSession(_one(address(counter), 0.5 ether + 1, _setNumber(1)));
    }

    function test_transferValue_lifetime() public {
        SessionLib.SessionSpec memory spec = _spec();
        _addTransfer(spec, address(receiver), 10 ether, _lifetime(1 ether));
        _grant(spec);
        _execSession(_one(address(receiver), 0.7 ether, ""));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.LifetimeUsageExceeded.selector, 0.7 ether, 1 ether));
        _execSession(_one(address(receiver), 0.3 ether + 1, ""));
        _execSession(_one(address(receiver), 0.3 ether, ""));
        vm.assertEq(receiver.received(), 1 ether, "received");
    }

    function test_transferValue_allowance() public {
        uint256 period = 1 days;
        SessionLib.SessionSpec memory spec = _spec();
        spec.expiresAt = block.timestamp + 10 days;
        _addTransfer(spec, address(receiver), 10 ether, _allowance(1 ether, period));
        _grant(spec);
        uint64 w = uint64(block.timestamp / period);
        _execSession(_one(address(receiver), 1 ether, ""));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.AllowanceExceeded.selector, 1 ether, 1 ether, w));
        _execSession(_one(address(receiver), 1, ""));
        vm.warp(_nextBoundary(period));
        _execSession(_one(address(receiver), 1 ether, ""));
        vm.assertEq(receiver.received(), 2 ether, "received");
    }

    // ------------------------------------------------------------------
    //  Constraints
    // ------------------------------------------------------------------

    function test_condition_Equal() public {
        _grantCondition(SessionLib.Condition.Equal, bytes32(uint256(10)));
        _execSession(_one(address(counter), 0, _setNumber(10)));
        _expectConditionFailed(11, 10, SessionLib.Condition.Equal);
        _execSession(_one(address(counter), 0, _setNumber(11)));
        _expectConditionFailed(9, 10, SessionLib.Condition.Equal);
        _execSession(_one(address(counter), 0, _setNumber(9)));
    }

    function test_condition_Greater() public {
        _grantCondition(SessionLib.Condition.Greater, bytes32(uint256(10)));
        _execSession(_one(address(counter), 0, _setNumber(11)));
        _expectConditionFailed(10, 10, SessionLib.Condition.Greater);
        _execSession(_one(address(counter), 0, _setNumber(10)));
        _expectConditionFailed(9, 10, SessionLib.Condition.Greater);
        _execSession(_one(address(counter), 0, _setNumber(9)));
    }

    function test_condition_Less() public {
        _grantCondition(SessionLib.Condition.Less, bytes32(uint256(10)));
        _execSession(_one(address(counter), 0, _setNumber(9)));
        _expectConditionFailed(10, 10, SessionLib.Condition.Less);
        _execSession(_one(address(counter), 0, _setNumber(10)));
        // unsigned: the all-ones word (-1 signed) is not less than 10
        _expectConditionFailed(type(uint256).max, 10, SessionLib.Condition.Less);
        _execSession(_one(address(counter), 0, _setNumber(type(uint256).max)));
    }

    function test_condition_GreaterOrEqual() public {
        _grantCondition(SessionLib.Condition.GreaterOrEqual, bytes32(uint256(10)));
        _execSession(_one(address(counter), 0, _setNumber(10)));
        _execSession(_one(address(counter), 0, _setNumber(type(uint256).max)));
        _expectConditionFailed(9, 10, SessionLib.Condition.GreaterOrEqual);
        _execSession(_one(address(counter), 0, _setNumber(9)));
    }

    function test_condition_LessOrEqual() public {
        _grantCondition(SessionLib.Condition.LessOrEqual, bytes32(uint256(10)));
        _execSession(_one(address(counter), 0, _setNumber(10)));
        _execSession(_one(address(counter), 0, _setNumber(0)));
        _expectConditionFailed(11, 10, SessionLib.Condition.LessOrEqual);
        _execSession(_one(address(counter), 0, _setNumber(11)));
    }

    function test_condition_NotEqual() public {
        _grantCondition(SessionLib.Condition.NotEqual, bytes32(uint256(10)));
        _execSession(_one(address(counter), 0, _setNumber(11)));
        _execSession(_one(address(counter), 0, _setNumber(9)));
        _expectConditionFailed(10, 10, SessionLib.Condition.NotEqual);
        _execSession(_one(address(counter), 0, _setNumber(10)));
    }

    function test_condition_Unconstrained() public {
        _grantCondition(SessionLib.Condition.Unconstrained, bytes32(uint256(10)));
        _execSession(_one(address(counter), 0, _setNumber(0)));
        _execSession(_one(address(counter), 0, _setNumber(10)));
        _execSession(_one(address(counter), 0, _setNumber(type(uint256).max)));
        vm.assertEq(counter.number(), type(uint256).max, "ran");
    }

    function test_condition_secondParameterAndAddress() public {
        SessionLib.SessionSpec memory spec = _spec();
        SessionLib.CallSpec memory c = _addCall(spec, address(token), token.transfer.selector, 0, _unlimited());
        _addConstraint(c, _constraint(SessionLib.Condition.Equal, 0, bytes32(uint256(uint160(other)))));
        SessionLib.CallSpec memory a = _addCall(spec, address(counter), ADD, 0, _unlimited());
        _addConstraint(a, _constraint(SessionLib.Condition.Less, 1, bytes32(uint256(5))));
        _grant(spec);
        _execSession(_one(address(token), 0, _transferData(other, 1)));
        vm.expectRevert(
            abi.encodeWithSelector(
                IMinimalAccount.ConditionFailed.selector,
                bytes32(uint256(uint160(receiverAddr()))),
                bytes32(uint256(uint160(other))),
                uint8(SessionLib.Condition.Equal)
            )
        );
        _execSession(_one(address(token), 0, _transferData(receiverAddr(), 1)));
        _execSession(_one(address(counter), 0, _add(100, 4)));
        _expectConditionFailed(5, 5, SessionLib.Condition.Less);
        _execSession(_one(address(counter), 0, _add(0, 5)));
    }

    function receiverAddr() internal view returns (address) {
        return address(receiver);
    }

    function test_constraint_InvalidDataLength() public {
        SessionLib.SessionSpec memory spec = _spec();
        SessionLib.CallSpec memory c = _addCall(spec, address(counter), SET_NUMBER, 0, _unlimited());
        _addConstraint(c, _constraint(SessionLib.Condition.Unconstrained, 1, bytes32(0)));
        SessionLib.CallSpec memory i = _addCall(spec, address(counter), INCREMENT, 0, _unlimited());
        _addConstraint(i, _constraint(SessionLib.Condition.Unconstrained, 0, bytes32(0)));
        _grant(spec);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.InvalidDataLength.selector, 36, 68));
        _execSession(_one(address(counter), 0, _setNumber(1)));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.InvalidDataLength.selector, 4, 36));
        _execSession(_one(address(counter), 0, _inc()));
        // One byte short of the word.
        bytes memory shortData = abi.encodePacked(INCREMENT, bytes31(0));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.InvalidDataLength.selector, 35, 36));
        _execSession(_one(address(counter), 0, shortData));
    }

    function test_paramLimit_lifetime() public {
        SessionLib.SessionSpec memory spec = _spec();
        SessionLib.CallSpec memory c = _addCall(spec, address(counter), SET_NUMBER, 0, _unlimited());
        _addConstraint(c, _constraint(SessionLib.Condition.LessOrEqual, 0, bytes32(uint256(1000)), _lifetime(100)));
        _grant(spec);
        _execSession(_one(address(counter), 0, _setNumber(60)));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.LifetimeUsageExceeded.selector, 60, 100));
        _execSession(_one(address(counter), 0, _setNumber(41)));
        _execSession(_one(address(counter), 0, _setNumber(40)));
        vm.warp(block.timestamp + 20 hours);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.LifetimeUsageExceeded.selector, 100, 100));
        _execSession(_one(address(counter), 0, _setNumber(1)));
        vm.assertEq(account.getSessionStateForSigner(sessionSigner).callParams[0].remaining, 0, "remaining");
    }

    function test_paramLimit_allowance_resetsAtWindowBoundary() public {
        uint256 period = 1 hours;
        SessionLib.SessionSpec memory spec = _spec();
        SessionLib.CallSpec memory c = _addCall(spec, address(counter), SET_NUMBER, 0, _unlimited());
        _addConstraint(
            c, _constraint(SessionLib.Condition.LessOrEqual, 0, bytes32(uint256(1000)), _allowance(100, period))
        );
        _grant(spec);
        uint64 w = uint64(block.timestamp / period);
        _execSession(_one(address(counter), 0, _setNumber(60)));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.AllowanceExceeded.selector, 60, 100, w));
        _execSession(_one(address(counter), 0, _setNumber(41)));
        uint256 boundary = _nextBoundary(period);
        vm.warp(boundary - 1);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.AllowanceExceeded.selector, 60, 100, w));
        _execSession(_one(address(counter), 0, _setNumber(41)));
        vm.warp(boundary);
        _execSession(_one(address(counter), 0, _setNumber(41)));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.AllowanceExceeded.selector, 41, 100, w + 1));
        _execSession(_one(address(counter), 0, _setNumber(60)));
        _execSession(_one(address(counter), 0, _setNumber(59)));
        vm.assertEq(account.getSessionStateForSigner(sessionSigner).callParams[0].remaining, 0, "remaining");
    }

    function test_paramLimit_unlimited() public {
        SessionLib.SessionSpec memory spec = _spec();
        SessionLib.CallSpec memory c = _addCall(spec, address(counter), SET_NUMBER, 0, _unlimited());
        _addConstraint(c, _constraint(SessionLib.Condition.Unconstrained, 0, bytes32(0), _unlimited()));
        _grant(spec);
        for (uint256 i; i < 3; ++i) {
            _execSession(_one(address(counter), 0, _setNumber(type(uint256).max)));
        }
        SessionLib.SessionState memory st = account.getSessionStateForSigner(sessionSigner);
        vm.assertEq(st.callParams.length, 0, "unlimited constraint not listed");
        vm.assertEq(st.callValue[0].remaining, type(uint256).max, "unlimited value");
    }

    // ------------------------------------------------------------------
    //  Re-grant, revoke, uids
    // ------------------------------------------------------------------

    function test_regrant_replacesSpecAndResetsCounters() public {
        SessionLib.SessionSpec memory spec = _spec();
        SessionLib.CallSpec memory c = _addCall(spec, address(counter), SET_NUMBER, 0, _unlimited());
        _addConstraint(c, _constraint(SessionLib.Condition.LessOrEqual, 0, bytes32(uint256(1000)), _lifetime(100)));
        _grant(spec);
        _execSession(_one(address(counter), 0, _setNumber(100)));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.LifetimeUsageExceeded.selector, 100, 100));
        _execSession(_one(address(counter), 0, _setNumber(1)));

        // The same policies again under a new uid: counters start from zero.
        spec.uid = _uid();
        _grant(spec);
        vm.assertEq(account.getSessionStateForSigner(sessionSigner).callParams[0].remaining, 100, "fresh");
        _execSession(_one(address(counter), 0, _setNumber(100)));

        // A different spec replaces the old one entirely.
        SessionLib.SessionSpec memory next = _spec();
        next.expiresAt = block.timestamp + 2 days;
        _addCall(next, address(counter), ADD, 0, _unlimited());
        _grant(next);
        vm.expectRevert(
            abi.encodeWithSelector(IMinimalAccount.CallPolicyViolated.selector, address(counter), SET_NUMBER)
        );
        _execSession(_one(address(counter), 0, _setNumber(1)));
        _execSession(_one(address(counter), 0, _add(1, 1)));
        vm.assertEq(account.getSessionExpirationForSigner(sessionSigner), next.expiresAt, "expiry replaced");
        vm.assertEq(account.getCallPoliciesForSigner(sessionSigner).length, 1, "one policy");
        vm.assertEq(account.getCallPoliciesForSigner(sessionSigner)[0].selector, ADD, "add policy");
    }

    function test_revoke_onlyAccount() public {
        _grant(_wildcardSpec());
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.OnlyAccount.selector, other));
        vm.prank(other);
        account.revokeSession(sessionSigner);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.OnlyAccount.selector, sessionSigner));
        vm.prank(sessionSigner);
        account.revokeSession(sessionSigner);
        vm.assertTrue(account.isWildcardSigner(sessionSigner), "still granted");
    }

    function test_revoke_unknownSigner_SessionNotFound() public {
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.SessionNotFound.selector, other));
        vm.prank(ownerAddr);
        account.revokeSession(other);
    }

    function test_revoke_emitsAndSignerLosesAccess() public {
        SessionLib.SessionSpec memory spec = _spec();
        _addCall(spec, address(counter), INCREMENT, 0, _unlimited());
        _grant(spec);
        _execSession(_one(address(counter), 0, _inc()));
        vmx.expectEmit(true, true, true, true, _acc());
        emit IMinimalAccount.SessionRevoked(sessionSigner);
        vm.prank(ownerAddr);
        account.revokeSession(sessionSigner);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.InvalidSignature.selector, sessionSigner, _acc()));
        _execSession(_one(address(counter), 0, _inc()));
        vm.assertEq(account.getSessionExpirationForSigner(sessionSigner), 0, "no expiry");
        vm.assertEq(account.getCallPoliciesForSigner(sessionSigner).length, 0, "no policies");
        // revoking twice
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.SessionNotFound.selector, sessionSigner));
        vm.prank(ownerAddr);
        account.revokeSession(sessionSigner);
    }

    function test_revoke_throughOwnerBatch() public {
        _grant(_wildcardSpec());
        vmx.expectEmit(true, true, true, true, _acc());
        emit IMinimalAccount.SessionRevoked(sessionSigner);
        _execOwner(_one(_acc(), 0, abi.encodeCall(IMinimalAccount.revokeSession, (sessionSigner))));
        vm.assertFalse(account.isWildcardSigner(sessionSigner), "revoked");
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.InvalidSignature.selector, sessionSigner, _acc()));
        _execSession(_one(address(counter), 0, _inc()));
    }

    function test_uid_session_singleUse() public {
        SessionLib.SessionSpec memory spec = _wildcardSpec();
        bytes memory sig = _signSpec(OWNER_PK, spec);
        account.createSessionWithSig(spec, sig);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.UIDAlreadyProcessed.selector));
        account.createSessionWithSig(spec, sig);
        // A different spec with the same uid.
        SessionLib.SessionSpec memory again = _wildcardSpec();
        again.signer = other;
        again.uid = spec.uid;
        bytes memory sig2 = _signSpec(OWNER_PK, again);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.UIDAlreadyProcessed.selector));
        account.createSessionWithSig(again, sig2);
    }

    function test_uid_wrappedCalls_singleUse() public {
        WrappedCalls memory w = _wrapped(_one(address(counter), 0, _inc()), _uid());
        bytes memory sig = _signCalls(OWNER_PK, w);
        account.executeWithSig(w, sig);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.UIDAlreadyProcessed.selector));
        account.executeWithSig(w, sig);
        vm.assertEq(counter.number(), 1, "ran once");
    }

    // ------------------------------------------------------------------
    //  Creation checks
    // ------------------------------------------------------------------

    function _expectCreateRevert(SessionLib.SessionSpec memory spec, bytes memory err) internal {
        bytes memory sig = _signSpec(OWNER_PK, spec);
        vm.expectRevert(err);
        account.createSessionWithSig(spec, sig);
    }

    function test_create_zeroSigner_SessionZeroSigner() public {
        SessionLib.SessionSpec memory spec = _wildcardSpec();
        spec.signer = address(0);
        _expectCreateRevert(spec, abi.encodeWithSelector(IMinimalAccount.SessionZeroSigner.selector));
    }

    function test_create_expiresNow_SessionExpiresTooSoon() public {
        SessionLib.SessionSpec memory spec = _wildcardSpec();
        spec.expiresAt = block.timestamp;
        _expectCreateRevert(spec, abi.encodeWithSelector(IMinimalAccount.SessionExpiresTooSoon.selector));
    }

    function test_create_expiresInPast_SessionExpiresTooSoon() public {
        SessionLib.SessionSpec memory spec = _spec();
        spec.expiresAt = block.timestamp - 1;
        _addCall(spec, address(counter), INCREMENT, 0, _unlimited());
        _expectCreateRevert(spec, abi.encodeWithSelector(IMinimalAccount.SessionExpiresTooSoon.selector));
        spec.expiresAt = 0;
        _expectCreateRevert(spec, abi.encodeWithSelector(IMinimalAccount.SessionExpiresTooSoon.selector));
        // one second in the future is fine
        spec.expiresAt = block.timestamp + 1;
        _grant(spec);
        vm.assertEq(account.getSessionExpirationForSigner(sessionSigner), block.timestamp + 1, "granted");
    }

    function test_create_allowancePeriodZero_callValue() public {
        SessionLib.SessionSpec memory spec = _spec();
        _addCall(spec, address(counter), INCREMENT, 0, _allowance(1, 1));
        _addCall(spec, address(counter), SET_NUMBER, 0, _allowance(1, 0));
        _expectCreateRevert(
            spec, abi.encodeWithSelector(IMinimalAccount.AllowanceWithoutPeriod.selector, false, 1, type(uint256).max)
        );
    }

    function test_create_allowancePeriodZero_constraint() public {
        SessionLib.SessionSpec memory spec = _spec();
        SessionLib.CallSpec memory c = _addCall(spec, address(counter), ADD, 0, _unlimited());
        _addConstraint(c, _constraint(SessionLib.Condition.Unconstrained, 0, bytes32(0), _allowance(5, 10)));
        _addConstraint(c, _constraint(SessionLib.Condition.Unconstrained, 1, bytes32(0), _allowance(5, 0)));
        _expectCreateRevert(spec, abi.encodeWithSelector(IMinimalAccount.AllowanceWithoutPeriod.selector, false, 0, 1));
    }

    function test_create_allowancePeriodZero_transferValue() public {
        SessionLib.SessionSpec memory spec = _spec();
        _addTransfer(spec, address(receiver), 1, _allowance(1, 1));
        _addTransfer(spec, other, 1, _allowance(1, 0));
        _expectCreateRevert(
            spec, abi.encodeWithSelector(IMinimalAccount.AllowanceWithoutPeriod.selector, true, 1, type(uint256).max)
        );
    }

    function test_createSessionWithSig_nonOwner_InvalidSignature() public {
        SessionLib.SessionSpec memory spec = _wildcardSpec();
        bytes memory sig = _signSpec(OTHER_PK, spec);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.InvalidSignature.selector, other, _acc()));
        account.createSessionWithSig(spec, sig);
        // The session key cannot grant itself either.
        sig = _signSpec(SESSION_PK, spec);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.InvalidSignature.selector, sessionSigner, _acc()));
        account.createSessionWithSig(spec, sig);
    }

    // ------------------------------------------------------------------
    //  executeWithSig
    // ------------------------------------------------------------------

    function test_executeWithSig_owner_relayedAndPaidByThirdParty() public {
        Call[] memory calls = _two(Call(address(counter), 0, _setNumber(5)), Call(address(receiver), 1 ether, ""));
        WrappedCalls memory w = _wrapped(calls, _uid());
        bytes memory sig = _signCalls(OWNER_PK, w);
        address relayer = address(0xBEEF);
        vm.deal(relayer, 1 ether);
        uint256 accountBefore = ownerAddr.balance;
        vm.prank(relayer);
        account.executeWithSig{value: 1 ether}(w, sig);
        vm.assertEq(counter.number(), 5, "ran");
        vm.assertEq(counter.lastCaller(), _acc(), "as the account");
        vm.assertEq(receiver.received(), 1 ether, "transfer");
        vm.assertEq(relayer.balance, 0, "relayer paid");
        vm.assertEq(ownerAddr.balance, accountBefore, "account balance unchanged");
    }

    function test_executeWithSig_session_policiesApply() public {
        SessionLib.SessionSpec memory spec = _spec();
        SessionLib.CallSpec memory c = _addCall(spec, address(counter), SET_NUMBER, 0, _unlimited());
        _addConstraint(c, _constraint(SessionLib.Condition.LessOrEqual, 0, bytes32(uint256(10)), _lifetime(15)));
        _grant(spec);

        WrappedCalls memory ok = _wrapped(_one(address(counter), 0, _setNumber(10)), _uid());
        bytes memory sig = _signCalls(SESSION_PK, ok);
        vm.prank(other);
        account.executeWithSig(ok, sig);
        vm.assertEq(counter.number(), 10, "ran");

        WrappedCalls memory denied = _wrapped(_one(address(counter), 0, _add(1, 2)), _uid());
        sig = _signCalls(SESSION_PK, denied);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.CallPolicyViolated.selector, address(counter), ADD));
        vm.prank(other);
        account.executeWithSig(denied, sig);

        WrappedCalls memory cond = _wrapped(_one(address(counter), 0, _setNumber(11)), _uid());
        sig = _signCalls(SESSION_PK, cond);
        _expectConditionFailed(11, 10, SessionLib.Condition.LessOrEqual);
        account.executeWithSig(cond, sig);

        WrappedCalls memory over = _wrapped(_one(address(counter), 0, _setNumber(6)), _uid());
        sig = _signCalls(SESSION_PK, over);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.LifetimeUsageExceeded.selector, 10, 15));
        account.executeWithSig(over, sig);

        // usage is shared with direct execute
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.LifetimeUsageExceeded.selector, 10, 15));
        _execSession(_one(address(counter), 0, _setNumber(6)));
    }

    function test_executeWithSig_expiredSession_SessionExpired() public {
        SessionLib.SessionSpec memory spec = _wildcardSpec();
        _grant(spec);
        WrappedCalls memory w = _wrapped(_one(address(counter), 0, _inc()), _uid());
        bytes memory sig = _signCalls(SESSION_PK, w);
        vm.warp(spec.expiresAt);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.SessionExpired.selector));
        account.executeWithSig(w, sig);
    }

    function test_executeWithSig_revokedOrUnknownSigner_InvalidSignature() public {
        WrappedCalls memory w = _wrapped(_one(address(counter), 0, _inc()), _uid());
        bytes memory sig = _signCalls(SESSION_PK, w);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.InvalidSignature.selector, sessionSigner, _acc()));
        account.executeWithSig(w, sig);

        _grant(_wildcardSpec());
        vm.prank(ownerAddr);
        account.revokeSession(sessionSigner);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.InvalidSignature.selector, sessionSigner, _acc()));
        account.executeWithSig(w, sig);

        bytes memory otherSig = _signCalls(OTHER_PK, w);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.InvalidSignature.selector, other, _acc()));
        account.executeWithSig(w, otherSig);
    }

    function test_executeWithSig_emptyBatch_NoCallsToExecute() public {
        WrappedCalls memory w = _wrapped(_noCalls(), _uid());
        bytes memory sig = _signCalls(OWNER_PK, w);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.NoCallsToExecute.selector));
        account.executeWithSig(w, sig);
    }

    // ------------------------------------------------------------------
    //  Views
    // ------------------------------------------------------------------

    function test_views_expiration() public {
        vm.assertEq(account.getSessionExpirationForSigner(sessionSigner), 0, "none");
        SessionLib.SessionSpec memory spec = _wildcardSpec();
        _grant(spec);
        vm.assertEq(account.getSessionExpirationForSigner(sessionSigner), spec.expiresAt, "wildcard");

        uint256[4] memory values =
            [type(uint256).max, uint256(type(uint64).max), uint256(type(uint64).max) - 1, uint256(1) << 200];
        for (uint256 i; i < values.length; ++i) {
            SessionLib.SessionSpec memory s = _wildcardSpec();
            s.expiresAt = values[i];
            _grant(s);
            vm.assertEq(account.getSessionExpirationForSigner(sessionSigner), values[i], "wildcard far expiry");
            SessionLib.SessionSpec memory g = _spec();
            g.expiresAt = values[i];
            _addCall(g, address(counter), INCREMENT, 0, _unlimited());
            _grant(g);
            vm.assertEq(account.getSessionExpirationForSigner(sessionSigner), values[i], "granular far expiry");
            _execSession(_one(address(counter), 0, _inc()));
        }
        SessionLib.SessionSpec memory w2 = _wildcardSpec();
        w2.expiresAt = type(uint256).max;
        _grant(w2);
        vm.warp(type(uint64).max - 1);
        _execSession(_one(address(counter), 0, _inc()));
        vm.assertEq(counter.number(), 5, "far expiry usable");
    }

    function test_views_isWildcardSigner() public {
        vm.assertFalse(account.isWildcardSigner(sessionSigner), "none");
        _grant(_wildcardSpec());
        vm.assertTrue(account.isWildcardSigner(sessionSigner), "wildcard");
        SessionLib.SessionSpec memory spec = _spec();
        _addCall(spec, address(counter), INCREMENT, 0, _unlimited());
        _grant(spec);
        vm.assertFalse(account.isWildcardSigner(sessionSigner), "granular");
        SessionLib.SessionSpec memory w = _wildcardSpec();
        _addCall(w, address(counter), INCREMENT, 0, _unlimited());
        _grant(w);
        vm.assertTrue(account.isWildcardSigner(sessionSigner), "wildcard with policies");
    }

    function _bigSpec() internal returns (SessionLib.SessionSpec memory spec) {
        spec = _spec();
        SessionLib.CallSpec memory c = _addCall(
            spec, address(counter), SET_NUMBER, type(uint256).max, _allowance(type(uint256).max, type(uint256).max)
        );
        _addConstraint(
            c,
            _constraint(
                SessionLib.Condition.NotEqual,
                type(uint64).max,
                bytes32(0xff00000000000000000000000000000000000000000000000000000000000001),
                _lifetime(type(uint256).max)
            )
        );
        _addConstraint(c, _constraint(SessionLib.Condition.Unconstrained, 0, bytes32(0)));
        _addConstraint(c, _constraint(SessionLib.Condition.Greater, 7, bytes32(type(uint256).max), _allowance(1, 1)));
        _addCall(spec, address(type(uint160).max), bytes4(0xffffffff), 0, _lifetime(0));
        SessionLib.CallSpec memory z = _addCall(spec, address(1), bytes4(0), 1, _lifetime(1));
        _addConstraint(z, _constraint(SessionLib.Condition.LessOrEqual, 1, bytes32(uint256(0x80)), _allowance(2, 3)));
        _addTransfer(spec, address(receiver), type(uint256).max, _allowance(type(uint256).max, 1));
        _addTransfer(spec, address(type(uint160).max), 0, _unlimited());
        _addTransfer(spec, address(1), 1, _lifetime(type(uint256).max));
    }

    function test_views_policiesRoundTrip() public {
        SessionLib.SessionSpec memory spec = _bigSpec();
        _grant(spec);
        SessionLib.CallSpec[] memory calls = account.getCallPoliciesForSigner(sessionSigner);
        SessionLib.TransferSpec[] memory transfers = account.getTransferPoliciesForSigner(sessionSigner);
        vm.assertEq(calls.length, 3, "call count");
        vm.assertEq(transfers.length, 3, "transfer count");
        vm.assertEq(calls[0].maxValuePerUse, type(uint256).max, "maxValuePerUse");
        vm.assertEq(calls[0].valueLimit.period, type(uint256).max, "period");
        vm.assertEq(calls[0].constraints[0].index, type(uint64).max, "index");
        vm.assertEq(
            calls[0].constraints[0].refValue,
            bytes32(0xff00000000000000000000000000000000000000000000000000000000000001),
            "refValue"
        );
        vm.assertEq(uint256(calls[0].constraints[2].condition), uint256(SessionLib.Condition.Greater), "condition");
        vm.assertEq(calls[1].target, address(type(uint160).max), "target");
        vm.assertEq(calls[1].selector, bytes4(0xffffffff), "selector");
        vm.assertEq(calls[2].selector, bytes4(0), "zero selector");
        for (uint256 i; i < calls.length; ++i) {
            vm.assertEq(keccak256(abi.encode(calls[i])), keccak256(abi.encode(spec.callPolicies[i])), "call spec");
            vm.assertEq(calls[i].hash(), spec.callPolicies[i].hash(), "call spec hash");
        }
        for (uint256 i; i < transfers.length; ++i) {
            vm.assertEq(
                keccak256(abi.encode(transfers[i])), keccak256(abi.encode(spec.transferPolicies[i])), "transfer spec"
            );
        }
    }

    /// @dev Limit fields the limit type does not use (Unlimited's limit/period, Lifetime's period)
    ///      are part of the signed spec; the views should return them as granted.
    function test_views_roundTripIgnoredLimitFields() public {
        SessionLib.SessionSpec memory spec = _spec();
        _addCall(spec, address(counter), SET_NUMBER, 0, SessionLib.UsageLimit(SessionLib.LimitType.Unlimited, 5, 6));
        _addTransfer(spec, address(receiver), 0, SessionLib.UsageLimit(SessionLib.LimitType.Lifetime, 5, 6));
        _grant(spec);
        SessionLib.CallSpec[] memory calls = account.getCallPoliciesForSigner(sessionSigner);
        SessionLib.TransferSpec[] memory transfers = account.getTransferPoliciesForSigner(sessionSigner);
        vm.assertEq(calls[0].valueLimit.limit, 5, "unlimited limit field");
        vm.assertEq(calls[0].valueLimit.period, 6, "unlimited period field");
        vm.assertEq(transfers[0].valueLimit.period, 6, "lifetime period field");
    }

    function test_views_policiesEmptyForWildcardAndUnknown() public {
        vm.assertEq(account.getCallPoliciesForSigner(other).length, 0, "unknown calls");
        vm.assertEq(account.getTransferPoliciesForSigner(other).length, 0, "unknown transfers");
        _grant(_wildcardSpec());
        vm.assertEq(account.getCallPoliciesForSigner(sessionSigner).length, 0, "wildcard calls");
        vm.assertEq(account.getTransferPoliciesForSigner(sessionSigner).length, 0, "wildcard transfers");
        SessionLib.SessionState memory st = account.getSessionStateForSigner(sessionSigner);
        vm.assertEq(st.callValue.length + st.callParams.length + st.transferValue.length, 0, "empty state");
    }

    function test_views_sessionState() public {
        SessionLib.SessionSpec memory spec = _spec();
        SessionLib.CallSpec memory c0 = _addCall(spec, address(counter), SET_NUMBER, 1 ether, _lifetime(5 ether));
        _addConstraint(c0, _constraint(SessionLib.Condition.Unconstrained, 0, bytes32(0)));
        _addConstraint(c0, _constraint(SessionLib.Condition.LessOrEqual, 0, bytes32(uint256(1000)), _lifetime(500)));
        SessionLib.CallSpec memory c1 = _addCall(spec, address(counter), ADD, 0, _unlimited());
        _addConstraint(c1, _constraint(SessionLib.Condition.Unconstrained, 1, bytes32(0), _allowance(300, 1 hours)));
        _addConstraint(c1, _constraint(SessionLib.Condition.GreaterOrEqual, 0, bytes32(0)));
        _addTransfer(spec, address(receiver), 1 ether, _allowance(2 ether, 1 days));
        _addTransfer(spec, other, 1 ether, _unlimited());
        _grant(spec);

        SessionLib.SessionState memory st = account.getSessionStateForSigner(sessionSigner);
        vm.assertEq(st.callValue.length, 2, "callValue length");
        vm.assertEq(st.callParams.length, 2, "only limited constraints");
        vm.assertEq(st.transferValue.length, 2, "transferValue length");
        _assertLimit(st.callValue[0], 5 ether, address(counter), SET_NUMBER, 0);
        _assertLimit(st.callValue[1], type(uint256).max, address(counter), ADD, 0);
        _assertLimit(st.callParams[0], 500, address(counter), SET_NUMBER, 0);
        _assertLimit(st.callParams[1], 300, address(counter), ADD, 1);
        _assertLimit(st.transferValue[0], 2 ether, address(receiver), bytes4(0), 0);
        _assertLimit(st.transferValue[1], type(uint256).max, other, bytes4(0), 0);

        Call[] memory calls = new Call[](3);
        calls[0] = Call(address(counter), 1 ether, _setNumber(100));
        calls[1] = Call(address(counter), 0, _add(5, 200));
        calls[2] = Call(address(receiver), 0.5 ether, "");
        _execSession(calls);
        st = account.getSessionStateForSigner(sessionSigner);
        _assertLimit(st.callValue[0], 4 ether, address(counter), SET_NUMBER, 0);
        _assertLimit(st.callValue[1], type(uint256).max, address(counter), ADD, 0);
        _assertLimit(st.callParams[0], 400, address(counter), SET_NUMBER, 0);
        _assertLimit(st.callParams[1], 100, address(counter), ADD, 1);
        _assertLimit(st.transferValue[0], 1.5 ether, address(receiver), bytes4(0), 0);

        // Allowance remaining restores in a new window.
        vm.warp(_nextBoundary(1 hours));
        st = account.getSessionStateForSigner(sessionSigner);
        vm.assertEq(st.callParams[1].remaining, 300, "hourly allowance restored");
        vm.assertEq(st.callParams[0].remaining, 400, "lifetime kept");
        vm.assertEq(st.transferValue[0].remaining, 1.5 ether, "daily allowance kept");
        vm.warp(_nextBoundary(1 days));
        st = account.getSessionStateForSigner(sessionSigner);
        vm.assertEq(st.transferValue[0].remaining, 2 ether, "daily allowance restored");
        vm.assertEq(st.callValue[0].remaining, 4 ether, "lifetime value kept");
    }

    function _assertLimit(
        SessionLib.LimitState memory l,
        uint256 remaining,
        address target,
        bytes4 selector,
        uint256 index
    ) internal pure {
        vm.assertEq(l.remaining, remaining, "remaining");
        vm.assertEq(l.target, target, "target");
        vm.assertEq(l.selector, selector, "selector");
        vm.assertEq(l.index, index, "index");
    }

    // ------------------------------------------------------------------
    //  Receiving, ERC-165, ERC-1271, events
    // ------------------------------------------------------------------

    function test_receive_emitsValueReceived() public {
        vm.deal(other, 1 ether);
        vmx.expectEmit(true, true, true, true, _acc());
        emit IMinimalAccount.ValueReceived(other, 1 ether);
        vm.prank(other);
        (bool ok,) = _acc().call{value: 1 ether}("");
        vm.assertTrue(ok, "received");
        vm.assertEq(ownerAddr.balance, 101 ether, "balance");
    }

    function test_tokenReceiverHooks() public {
        vm.assertEq(account.onERC721Received(other, other, 1, ""), bytes4(0x150b7a02), "erc721");
        vm.assertEq(account.onERC1155Received(other, other, 1, 2, ""), bytes4(0xf23a6e61), "erc1155");
        uint256[] memory ids = new uint256[](2);
        vm.assertEq(account.onERC1155BatchReceived(other, other, ids, ids, ""), bytes4(0xbc197c81), "erc1155 batch");
    }

    function test_supportsInterface() public view {
        vm.assertTrue(account.supportsInterface(0x01ffc9a7), "erc165");
        vm.assertTrue(account.supportsInterface(0x150b7a02), "erc721 receiver");
        vm.assertTrue(account.supportsInterface(0x4e2312e0), "erc1155 receiver");
        vm.assertTrue(account.supportsInterface(0x1626ba7e), "erc1271");
        vm.assertFalse(account.supportsInterface(0xffffffff), "0xffffffff");
    }

    function test_isValidSignature() public view {
        bytes32 h = keccak256("message");
        vm.assertEq(account.isValidSignature(h, _signDigest(OWNER_PK, h)), bytes4(0x1626ba7e), "owner");
        vm.assertEq(account.isValidSignature(h, _signDigest(OTHER_PK, h)), bytes4(0xffffffff), "other key");
        vm.assertEq(account.isValidSignature(h, _signDigest(SESSION_PK, h)), bytes4(0xffffffff), "session key");
        vm.assertEq(account.isValidSignature(h, ""), bytes4(0xffffffff), "empty");
    }

    function test_events_SessionCreated() public {
        SessionLib.SessionSpec memory spec = _bigSpec();
        bytes memory sig = _signSpec(OWNER_PK, spec);
        vmx.expectEmit(true, true, true, true, _acc());
        emit IMinimalAccount.SessionCreated(sessionSigner, spec);
        account.createSessionWithSig(spec, sig);
    }

    function test_events_Executed() public {
        _grant(_wildcardSpec());
        Call[] memory calls = _two(Call(address(counter), 0, _setNumber(3)), Call(address(receiver), 7, hex"01"));
        vmx.expectEmit(true, true, true, true, _acc());
        emit IMinimalAccount.Executed(address(counter), 0, _setNumber(3));
        vmx.expectEmit(true, true, true, true, _acc());
        emit IMinimalAccount.Executed(address(receiver), 7, hex"01");
        _execSession(calls);
    }
}
