// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {vm} from "./utils/Vm.sol";
import {UserOpBase} from "./utils/UserOpBase.sol";
import {Call, SessionLib} from "../types/Types.sol";
import {IMinimalAccount} from "../interfaces/IMinimalAccount.sol";
import {AccountStorage} from "../libraries/AccountStorage.sol";
import {SessionAccount} from "../SessionAccount.sol";
import {Counter} from "../fixtures/Counter.sol";
import {DataRecorder} from "../fixtures/DataRecorder.sol";

/// @notice Behaviour that is intended or inherent, each pinned by a test whose name states it.
contract DocumentedBehaviourTest is UserOpBase {
    /// @dev Allowance windows are fixed (`block.timestamp / period`), not sliding: a key may use
    ///      the whole allowance in the last second of a window and again in the first second of
    ///      the next, twice the limit within one second. Intended (a sliding window needs a
    ///      history); a client that wants less per second halves the period and the limit.
    function test_allowance_usedTwiceWithinOneSecondAcrossWindowEdge_intended() public {
        uint256 period = 1 days;
        SessionLib.SessionSpec memory spec = _spec();
        spec.expiresAt = block.timestamp + 10 days;
        SessionLib.CallSpec memory c = _addCall(spec, address(counter), SET_NUMBER, 0, _unlimited());
        _addConstraint(
            c, _constraint(SessionLib.Condition.LessOrEqual, 0, bytes32(uint256(100)), _allowance(100, period))
        );
        _grant(spec);
        uint256 edge = (block.timestamp / period + 1) * period;
        vm.warp(edge - 1);
        _execSession(_one(address(counter), 0, _setNumber(100)));
        vm.warp(edge);
        _execSession(_one(address(counter), 0, _setNumber(100)));
        vm.assertEq(counter.number(), 100, "both ran: 200 within one second under a 100-per-day allowance");
        vm.expectRevert(
            abi.encodeWithSelector(IMinimalAccount.AllowanceExceeded.selector, 100, 100, uint64(edge / period))
        );
        _execSession(_one(address(counter), 0, _setNumber(1)));
    }

    /// @dev A TransferSpec covers every call with calldata shorter than 4 bytes: it lets the
    ///      key run the target's fallback (or receive) with up to 3 bytes of data, not only send
    ///      value. 4 bytes need a CallSpec.
    function test_transferSpec_runsFallbackWithUpToThreeBytes() public {
        DataRecorder recorder = new DataRecorder();
        SessionLib.SessionSpec memory spec = _spec();
        _addTransfer(spec, address(recorder), 1 ether, _lifetime(10 ether));
        _grant(spec);
        _execSession(_one(address(recorder), 0.5 ether, hex"010203"));
        vm.assertEq(recorder.lastData(), hex"010203", "the fallback ran with 3 bytes");
        _execSession(_one(address(recorder), 0, hex"ff"));
        vm.assertEq(recorder.calls(), 2, "and with 1 byte, no value");
        vm.expectRevert(
            abi.encodeWithSelector(IMinimalAccount.CallPolicyViolated.selector, address(recorder), bytes4(0x01020304))
        );
        _execSession(_one(address(recorder), 0, hex"01020304"));
    }

    /// @dev A wildcard session on the 7702 EOA controls every factory account that EOA owns: the
    ///      EOA is their owner, and the session acts as the EOA (a factory account's owner calls
    ///      it directly). Inherent; grant scoped sessions, or grant on the factory account.
    function test_wildcardSessionOnEoa_controlsFactoryAccountsTheEoaOwns() public {
        SessionAccount owned = SessionAccount(payable(factory.createAccount(ownerAddr, SALT)));
        token.mint(address(owned), 1_000 ether);
        _grant(_wildcardSpec());
        address thief = vm.addr(0x7E1F);
        Call[] memory inner = _one(address(token), 0, _transferData(thief, 1_000 ether));
        _execSession(_one(address(owned), 0, abi.encodeCall(SessionAccount.execute, (inner))));
        vm.assertEq(token.balanceOf(thief), 1_000 ether, "the EOA's wildcard key emptied the factory account");
        // And the factory account's owner-only functions: the key can burn its sessions too.
        address[] memory signers = new address[](1);
        signers[0] = other;
        _execSession(_one(address(owned), 0, abi.encodeCall(SessionAccount.revokeSessions, (signers))));
        vm.assertTrue(owned.isSignerRevoked(other), "an owner action on the factory account");
    }

    /// @dev A narrowing re-grant can be front-run: the key sees it pending and spends its old,
    ///      wider limits first; the re-grant then starts the new (narrower) counters from zero.
    ///      Inherent (the key acts before the owner's transaction lands); to cut a key down at
    ///      once, revoke it (burned) and grant a new key.
    function test_narrowingRegrant_frontRunByTheKey() public {
        SessionLib.SessionSpec memory wide = _transferSession(); // 1,500 tokens in its life
        _grant(wide);
        SessionLib.SessionSpec memory narrow = _spec();
        SessionLib.CallSpec memory c = _addCall(narrow, address(token), token.transfer.selector, 0, _unlimited());
        _addConstraint(c, _constraint(SessionLib.Condition.Equal, 0, bytes32(uint256(uint160(other)))));
        _addConstraint(
            c, _constraint(SessionLib.Condition.LessOrEqual, 1, bytes32(uint256(100 ether)), _lifetime(100 ether))
        );
        bytes memory narrowSig = _signSpec(OWNER_PK, narrow);
        // The key front-runs the pending re-grant.
        _execSession(_one(address(token), 0, _transferData(other, 1_000 ether)));
        _execSession(_one(address(token), 0, _transferData(other, 500 ether)));
        vm.prank(other);
        account.createSessionWithSig(narrow, narrowSig);
        _execSession(_one(address(token), 0, _transferData(other, 100 ether)));
        vm.assertEq(token.balanceOf(other), 1_600 ether, "the old limit and then the new one");
    }

    /// @dev Sessions that a previous 7702 delegate wrote into this namespace (same slot
    ///      formula) are trusted as found: the account cannot tell who wrote a header. The
    ///      version marker tells a client: here the namespace has a session but no marker, so the
    ///      client warns at upgrade time; the remedy is the batch revoke.
    function test_foreignSessionsInNamespace_trustedAsFound_batchRevokeIsTheRemedy() public {
        address foreignKey = vm.addr(0xF0E1);
        bytes32 headerSlot = keccak256(abi.encode(foreignKey, AccountStorage.SLOT));
        uint256 header = AccountStorage.packHeader(address(0), block.timestamp + 365 days, 0, true);
        vm.store(_acc(), headerSlot, bytes32(header));
        vm.assertEq(vm.load(_acc(), AccountStorage.MARKER_SLOT), bytes32(0), "no marker: the client warns");
        vm.assertTrue(account.isWildcardSigner(foreignKey), "the foreign session is seen");
        vm.prank(foreignKey);
        account.execute(_one(address(counter), 0, _setNumber(7)));
        vm.assertEq(counter.number(), 7, "and trusted");

        address[] memory all = new address[](1);
        all[0] = foreignKey;
        vm.prank(ownerAddr);
        account.revokeSessions(all);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.InvalidSignature.selector, foreignKey, _acc()));
        vm.prank(foreignKey);
        account.execute(_one(address(counter), 0, _setNumber(8)));
        vm.assertEq(vm.load(_acc(), AccountStorage.MARKER_SLOT), AccountStorage.NAMESPACE_MARKER, "now marked");
    }
}
