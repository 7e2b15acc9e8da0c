// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {vm} from "./utils/Vm.sol";
import {UserOpBase} from "./utils/UserOpBase.sol";
import {Call, SessionLib} from "../types/Types.sol";
import {IMinimalAccount} from "../interfaces/IMinimalAccount.sol";
import {SessionAccount} from "../SessionAccount.sol";
import {Reverter} from "../fixtures/Reverter.sol";
import {TestPaymaster} from "../fixtures/TestPaymaster.sol";
import {IEntryPoint} from "@account-abstraction/contracts/interfaces/IEntryPoint.sol";
import {IPaymaster} from "@account-abstraction/contracts/interfaces/IPaymaster.sol";
import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";

/// @notice ERC-4337 user operations through the real EntryPoint v0.8, written once and run
///         against both deployments of the account (UserOp7702Test, UserOpStandaloneTest):
///         owner and session-key operations, each policy denial surfacing as the op's revert
///         reason with no usage charged, the validation failures the EntryPoint reports, and
///         gas payment: the account never pays gas for a scoped session key (its ops are
///         sponsored by the TestPaymaster; without a paymaster they are refused).
abstract contract UserOpScenarios is UserOpBase {
    // ------------------------------------------------------------------
    //  Helpers
    // ------------------------------------------------------------------

    function _transfer(address to, uint256 amount) internal view returns (Call[] memory) {
        return _one(address(token), 0, _transferData(to, amount));
    }

    function _noCalls() internal pure returns (Call[] memory calls) {
        calls = new Call[](0);
    }

    function _err(bytes4 selector) internal pure returns (bytes memory) {
        return abi.encodePacked(selector);
    }

    // ------------------------------------------------------------------
    //  Owner
    // ------------------------------------------------------------------

    function test_owner_runsCalls() public {
        Call[] memory calls = new Call[](3);
        calls[0] = Call(address(counter), 0, _setNumber(7));
        calls[1] = Call(address(token), 0, _transferData(other, 5 ether));
        calls[2] = Call(address(receiver), 2 ether, "");
        PackedUserOperation memory op = _signedOp(OWNER_PK, calls);
        Outcome memory o = _handleOk(op);
        vm.assertEq(counter.number(), 7, "number");
        vm.assertEq(counter.lastCaller(), _acc(), "the account called");
        vm.assertEq(token.balanceOf(other), 5 ether, "token moved");
        vm.assertEq(receiver.received(), 2 ether, "value moved");
        vm.assertEq(ENTRY_POINT.getNonce(_acc(), 0), 1, "nonce used");
        vm.assertGt(o.actualGasCost, 0, "the account paid for gas");
        vm.assertGt(beneficiary.balance, 0, "the bundler was paid");
    }

    function test_owner_emptyBatch_NoCallsToExecute() public {
        _handleReverts(_signedOp(OWNER_PK, _noCalls()), _err(IMinimalAccount.NoCallsToExecute.selector));
    }

    function test_owner_failingCall_CallReverted() public {
        Call[] memory calls = _two(
            Call(address(counter), 0, _setNumber(1)), Call(address(reverter), 0, abi.encodeCall(Reverter.fail, ()))
        );
        _handleReverts(_signedOp(OWNER_PK, calls), _err(IMinimalAccount.CallReverted.selector));
        vm.assertEq(counter.number(), 0, "whole batch rolled back");
    }

    function test_owner_revokesSessionThroughUserOp() public {
        _grant(_wildcardSpec());
        _handleOk(_signedOp(OWNER_PK, _one(_acc(), 0, abi.encodeCall(SessionAccount.revokeSession, (sessionSigner)))));
        vm.assertEq(account.getSessionExpirationForSigner(sessionSigner), 0, "revoked");
    }

    /// @dev `execute` reached through the EntryPoint is called by the EntryPoint, which is
    ///      neither the owner nor a session: the owner's batch must use executeUserOp.
    function test_owner_callDataExecute_isNotTheOwnerPath() public {
        Call[] memory calls = _one(address(counter), 0, _inc());
        PackedUserOperation memory op = _op(_acc(), calls);
        op.callData = abi.encodeCall(SessionAccount.execute, (calls));
        _sign(OWNER_PK, op);
        _handleReverts(
            op, abi.encodeWithSelector(IMinimalAccount.InvalidSignature.selector, address(ENTRY_POINT), _acc())
        );
        vm.assertEq(counter.number(), 0, "nothing ran");
    }

    /// @dev A batch whose ABI head lies outside callData reverts without data, as the ABI
    ///      decoder does (no UserOperationRevertReason: the EntryPoint logs only non-empty data).
    function test_owner_malformedBatch_revertsWithoutData() public {
        bytes4 sel = SessionAccount.executeUserOp.selector;
        bytes[3] memory bad = [
            abi.encodePacked(sel),
            abi.encodePacked(sel, uint256(0x20)),
            abi.encodePacked(sel, uint256(0x20), uint256(1))
        ];
        for (uint256 i; i < bad.length; ++i) {
            PackedUserOperation memory op = _op(_acc(), _noCalls());
            op.callData = bad[i];
            _sign(OWNER_PK, op);
            Outcome memory o = _handle(op);
            vm.assertFalse(o.success, "reverted");
            vm.assertFalse(o.hasRevertReason, "without data");
        }
    }

    // ------------------------------------------------------------------
    //  Session keys: allowed
    // ------------------------------------------------------------------

    function test_session_runsUnderCallSpecWithConstraints() public {
        _grant(_transferSession());
        _handleOk(_sponsoredOp(SESSION_PK, _transfer(other, 600 ether)));
        vm.assertEq(token.balanceOf(other), 600 ether, "transferred");
        SessionLib.SessionState memory st = account.getSessionStateForSigner(sessionSigner);
        vm.assertEq(st.callParams[0].remaining, 900 ether, "usage charged by the user op");

        // The same counters as the direct path: 600 + 900 = the lifetime limit.
        _execSession(_transfer(other, 900 ether));
        _handleReverts(
            _sponsoredOp(SESSION_PK, _transfer(other, 1)),
            abi.encodeWithSelector(IMinimalAccount.LifetimeUsageExceeded.selector, 1500 ether, 1500 ether)
        );
    }

    function test_session_nativeTransferUnderTransferSpec() public {
        _grant(_transferSession());
        _handleOk(_sponsoredOp(SESSION_PK, _one(address(receiver), 1 ether, "")));
        vm.assertEq(receiver.received(), 1 ether, "received");
        vm.assertEq(account.getSessionStateForSigner(sessionSigner).transferValue[0].remaining, 9 ether, "charged");
    }

    function test_session_wildcardRunsAnythingButTheAccount() public {
        _grant(_wildcardSpec());
        _handleOk(_signedOp(SESSION_PK, _one(address(counter), 0, _setNumber(99))));
        vm.assertEq(counter.number(), 99, "ran");
        _handleReverts(
            _signedOp(SESSION_PK, _one(_acc(), 0, abi.encodeCall(SessionAccount.revokeSession, (sessionSigner)))),
            _err(IMinimalAccount.SessionSelfCallForbidden.selector)
        );
    }

    /// @dev An expiry too large for the header lives in the data contract; it is also beyond
    ///      48 bits, so the op validates without a time range.
    function test_session_expiryInDataContract() public {
        SessionLib.SessionSpec memory spec = _transferSession();
        spec.expiresAt = type(uint256).max;
        _grant(spec);
        PackedUserOperation memory op = _sponsoredOp(SESSION_PK, _transfer(other, 1 ether));
        bytes32 hash = ENTRY_POINT.getUserOpHash(op);
        vm.prank(address(ENTRY_POINT));
        vm.assertEq(account.validateUserOp(op, hash, 0), 0, "no expiry");
        _handleOk(op);
        vm.assertEq(token.balanceOf(other), 1 ether, "transferred");
    }

    // ------------------------------------------------------------------
    //  Session keys: each denial reverts the op with the account's error, charges nothing
    // ------------------------------------------------------------------

    /// @dev Submits the session's `calls`, requires `reason`, and that no usage was charged.
    function _denied(Call[] memory calls, bytes memory reason) internal {
        bytes32 before = _stateHash(sessionSigner);
        uint256 balance = token.balanceOf(other);
        _handleReverts(_sponsoredOp(SESSION_PK, calls), reason);
        vm.assertEq(_stateHash(sessionSigner), before, "no usage charged");
        vm.assertEq(token.balanceOf(other), balance, "nothing moved");
    }

    function test_denial_CallPolicyViolated() public {
        _grant(_transferSession());
        _denied(
            _one(address(counter), 0, _inc()),
            abi.encodeWithSelector(IMinimalAccount.CallPolicyViolated.selector, address(counter), INCREMENT)
        );
    }

    function test_denial_ConditionFailed() public {
        _grant(_transferSession());
        _denied(
            _transfer(stranger, 1 ether),
            abi.encodeWithSelector(
                IMinimalAccount.ConditionFailed.selector,
                bytes32(uint256(uint160(stranger))),
                bytes32(uint256(uint160(other))),
                uint8(SessionLib.Condition.Equal)
            )
        );
        _denied(
            _transfer(other, 1001 ether),
            abi.encodeWithSelector(
                IMinimalAccount.ConditionFailed.selector,
                bytes32(uint256(1001 ether)),
                bytes32(uint256(1000 ether)),
                uint8(SessionLib.Condition.LessOrEqual)
            )
        );
    }

    function test_denial_LifetimeUsageExceeded() public {
        _grant(_transferSession());
        _handleOk(_sponsoredOp(SESSION_PK, _transfer(other, 1000 ether)));
        _denied(
            _transfer(other, 600 ether),
            abi.encodeWithSelector(IMinimalAccount.LifetimeUsageExceeded.selector, 1000 ether, 1500 ether)
        );
        vm.assertEq(account.getSessionStateForSigner(sessionSigner).callParams[0].remaining, 500 ether, "unchanged");
    }

    function test_denial_AllowanceExceeded() public {
        SessionLib.SessionSpec memory spec = _spec();
        SessionLib.CallSpec memory c = _addCall(spec, address(counter), SET_NUMBER, 0, _unlimited());
        _addConstraint(
            c, _constraint(SessionLib.Condition.LessOrEqual, 0, bytes32(uint256(100)), _allowance(150, 1 days))
        );
        _grant(spec);
        _handleOk(_sponsoredOp(SESSION_PK, _one(address(counter), 0, _setNumber(100))));
        _denied(
            _one(address(counter), 0, _setNumber(60)),
            abi.encodeWithSelector(
                IMinimalAccount.AllowanceExceeded.selector, 100, 150, uint64(block.timestamp / 1 days)
            )
        );
    }

    function test_denial_MaxValueExceeded() public {
        _grant(_transferSession());
        _denied(
            _one(address(receiver), 2 ether, ""),
            abi.encodeWithSelector(IMinimalAccount.MaxValueExceeded.selector, 2 ether, 1 ether)
        );
    }

    function test_denial_TransferPolicyViolated() public {
        _grant(_transferSession());
        _denied(
            _one(stranger, 1, ""), abi.encodeWithSelector(IMinimalAccount.TransferPolicyViolated.selector, stranger)
        );
    }

    function test_denial_InvalidDataLength() public {
        _grant(_transferSession());
        bytes memory short = abi.encodePacked(token.transfer.selector, bytes32(uint256(uint160(other))));
        _denied(
            _one(address(token), 0, short), abi.encodeWithSelector(IMinimalAccount.InvalidDataLength.selector, 36, 68)
        );
    }

    function test_denial_SessionSelfCallForbidden() public {
        _grant(_transferSession());
        _denied(
            _one(_acc(), 0, abi.encodeCall(SessionAccount.revokeSession, (sessionSigner))),
            _err(IMinimalAccount.SessionSelfCallForbidden.selector)
        );
    }

    function test_denial_NoCallsToExecute() public {
        _grant(_transferSession());
        _denied(_noCalls(), _err(IMinimalAccount.NoCallsToExecute.selector));
    }

    /// @dev A batch whose first call is allowed and second denied charges nothing.
    function test_denial_laterCallOfBatch_chargesNothing() public {
        _grant(_transferSession());
        _denied(
            _two(Call(address(token), 0, _transferData(other, 100 ether)), Call(address(counter), 0, _inc())),
            abi.encodeWithSelector(IMinimalAccount.CallPolicyViolated.selector, address(counter), INCREMENT)
        );
    }

    /// @dev An allowed batch whose call fails rolls back the usage charged for it.
    function test_denial_CallReverted_rollsBackUsage() public {
        SessionLib.SessionSpec memory spec = _transferSession();
        _addCall(spec, address(reverter), Reverter.fail.selector, 0, _unlimited());
        _grant(spec);
        _denied(
            _two(
                Call(address(token), 0, _transferData(other, 100 ether)),
                Call(address(reverter), 0, abi.encodeCall(Reverter.fail, ()))
            ),
            _err(IMinimalAccount.CallReverted.selector)
        );
    }

    /// @dev Validation of every op of a bundle runs before any execution: a session revoked by
    ///      an earlier op of the same bundle validated, but is checked again in execution.
    function test_denial_revokedEarlierInTheBundle_InvalidSignature() public {
        _grant(_transferSession());
        PackedUserOperation[] memory ops = new PackedUserOperation[](2);
        ops[0] = _signedOp(OWNER_PK, _one(_acc(), 0, abi.encodeCall(SessionAccount.revokeSession, (sessionSigner))));
        ops[1] = _opBy(SESSION_PK, _transfer(other, 1 ether));
        ops[1].paymasterAndData = _paymasterAndData();
        _sign(SESSION_PK, ops[1]);
        Outcome[] memory out = _handleAll(ops);
        vm.assertTrue(out[0].success, "revocation ran");
        vm.assertFalse(out[1].success, "session op reverted");
        vm.assertEq(
            out[1].revertReason,
            abi.encodeWithSelector(IMinimalAccount.InvalidSignature.selector, sessionSigner, _acc()),
            "revert reason"
        );
        vm.assertEq(token.balanceOf(other), 0, "nothing moved");
    }

    // ------------------------------------------------------------------
    //  Nonces
    // ------------------------------------------------------------------

    /// @dev Formerly: session user operations shared the owner's nonce key 0, so a scoped session
    ///      key that saw the owner's pending op (key 0, sequence n) submitted its own op at the
    ///      same nonce first, and the owner's op was dead (AA25). Now a session's op validates
    ///      only at the nonce key of its signer: at key 0 it is refused (AA24) and the owner's
    ///      op goes through.
    function test_nonceGriefing_sessionBurnsOwnersPendingOp_refused() public {
        _grant(_transferSession());
        PackedUserOperation memory ownerOp = _signedOp(OWNER_PK, _transfer(other, 5 ether));
        PackedUserOperation memory grief = _op(_acc(), _transfer(other, 1 ether));
        grief.paymasterAndData = _paymasterAndData();
        _sign(SESSION_PK, grief);
        vm.assertEq(grief.nonce, ownerOp.nonce, "same nonce");
        _expectFailedOp(grief, "AA24 signature error");
        _handleOk(ownerOp);
        vm.assertEq(token.balanceOf(other), 5 ether, "the owner's op ran");
    }

    /// @dev A session's ops run at its own key (the signer's address), independently of the
    ///      owner's sequence; another key (another session's, or a random one) is refused.
    function test_sessionNonceKey_isTheSigner() public {
        _grant(_transferSession());
        uint192 key = uint192(uint160(sessionSigner));
        _handleOk(_sponsoredOp(SESSION_PK, _transfer(other, 1 ether)));
        _handleOk(_sponsoredOp(SESSION_PK, _transfer(other, 1 ether)));
        vm.assertEq(ENTRY_POINT.getNonce(_acc(), key), (uint256(key) << 64) | 2, "the session's key: sequence 2");
        vm.assertEq(ENTRY_POINT.getNonce(_acc(), 0), 0, "the owner's key untouched");
        uint192[3] memory wrong = [uint192(uint160(other)), key + 1, key | (uint192(1) << 160)];
        for (uint256 i; i < wrong.length; ++i) {
            PackedUserOperation memory op = _op(_acc(), _transfer(other, 1 ether));
            op.nonce = ENTRY_POINT.getNonce(_acc(), wrong[i]);
            op.paymasterAndData = _paymasterAndData();
            _sign(SESSION_PK, op);
            _expectFailedOp(op, "AA24 signature error");
        }
        // The owner may use any key, the session's included.
        PackedUserOperation memory ownerOp = _op(_acc(), _transfer(other, 1 ether));
        ownerOp.nonce = ENTRY_POINT.getNonce(_acc(), key);
        _sign(OWNER_PK, ownerOp);
        _handleOk(ownerOp);
        vm.assertEq(token.balanceOf(other), 3 ether, "three ops ran");
    }

    // ------------------------------------------------------------------
    //  Validation failures (the EntryPoint rejects the op: the bundle reverts)
    // ------------------------------------------------------------------

    function test_expiredSession_AA22() public {
        SessionLib.SessionSpec memory spec = _transferSession();
        _grant(spec);
        PackedUserOperation memory op = _sponsoredOp(SESSION_PK, _transfer(other, 1 ether));
        uint256 snap = vm.snapshotState();
        vm.warp(spec.expiresAt - 1);
        _handleOk(op);
        vm.revertToState(snap);
        vm.warp(spec.expiresAt);
        _expectFailedOp(op, "AA22 expired or not due");
    }

    function test_strangerSignature_AA24() public {
        _grant(_transferSession());
        _expectFailedOp(_signedOp(STRANGER_PK, _transfer(other, 1 ether)), "AA24 signature error");
    }

    /// @dev Malformed and invalid signatures return SIG_VALIDATION_FAILED: never a revert (AA23).
    function test_malformedSignatures_AA24() public {
        PackedUserOperation memory op = _signedOp(OWNER_PK, _transfer(other, 1 ether));
        bytes memory good = op.signature;
        (bytes32 r, bytes32 s) = abi.decode(good, (bytes32, bytes32));
        uint8 v = uint8(good[64]);
        // secp256k1n - s: the high-s twin of a valid signature.
        bytes32 highS = bytes32(0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141 - uint256(s));
        bytes[6] memory bad = [
            bytes(""),
            abi.encodePacked(r, s),
            abi.encodePacked(r, s, v, uint8(0)),
            new bytes(65),
            abi.encodePacked(r, s, uint8(29)),
            abi.encodePacked(r, highS, v == 27 ? uint8(28) : uint8(27))
        ];
        bytes32 hash = ENTRY_POINT.getUserOpHash(op);
        for (uint256 i; i < bad.length; ++i) {
            op.signature = bad[i];
            _expectFailedOp(op, "AA24 signature error");
            vm.prank(address(ENTRY_POINT));
            vm.assertEq(account.validateUserOp(op, hash, 0), 1, "SIG_VALIDATION_FAILED");
        }
    }

    /// @dev A session may only reach executeUserOp: with any other callData it would act through
    ///      the EntryPoint as the account.
    function test_sessionCallDataNotExecuteUserOp_AA24() public {
        _grant(_wildcardSpec());
        Call[] memory calls = _one(address(counter), 0, _inc());
        bytes[4] memory callDatas = [
            abi.encodeCall(SessionAccount.execute, (calls)),
            abi.encodeCall(SessionAccount.revokeSession, (sessionSigner)),
            bytes(""),
            abi.encodePacked(bytes3(SessionAccount.executeUserOp.selector))
        ];
        for (uint256 i; i < callDatas.length; ++i) {
            PackedUserOperation memory op = _opBy(SESSION_PK, calls);
            op.callData = callDatas[i];
            _sign(SESSION_PK, op);
            _expectFailedOp(op, "AA24 signature error");
        }
    }

    function test_revokedSession_AA24() public {
        _grant(_transferSession());
        _execOwnerRevoke();
        _expectFailedOp(_sponsoredOp(SESSION_PK, _transfer(other, 1 ether)), "AA24 signature error");
    }

    function _execOwnerRevoke() internal {
        _execOwner(_one(_acc(), 0, abi.encodeCall(SessionAccount.revokeSession, (sessionSigner))));
    }

    // ------------------------------------------------------------------
    //  Gas: the account never pays gas for a scoped session key
    // ------------------------------------------------------------------

    /// @dev What the account has to pay gas with: its balance plus its EntryPoint deposit.
    function _funds() internal view returns (uint256 balance, uint256 deposit) {
        return (_acc().balance, ENTRY_POINT.balanceOf(_acc()));
    }

    /// @dev A scoped session's op without a paymaster is refused in validation: AA24, nothing
    ///      paid, nothing run, no nonce used.
    function test_scopedSession_withoutPaymaster_AA24() public {
        _grant(_transferSession());
        PackedUserOperation memory op = _signedOp(SESSION_PK, _transfer(other, 1 ether));
        (uint256 balance, uint256 deposit) = _funds();
        _expectFailedOp(op, "AA24 signature error");
        (uint256 balanceAfter, uint256 depositAfter) = _funds();
        vm.assertEq(balanceAfter, balance, "balance unchanged");
        vm.assertEq(depositAfter, deposit, "deposit unchanged");
        vm.assertEq(token.balanceOf(other), 0, "nothing ran");
        vm.assertEq(ENTRY_POINT.getNonce(_acc(), 0), 0, "no nonce used");

        // The same op with the paymaster goes through.
        _handleOk(_sponsoredOp(SESSION_PK, _transfer(other, 1 ether)));
        vm.assertEq(token.balanceOf(other), 1 ether, "sponsored op ran");
    }

    /// @dev The account reads the paymaster and its two gas limits (the 52-byte static part the
    ///      EntryPoint itself requires, AA93): anything shorter is refused.
    function test_scopedSession_paymasterAndDataLength_boundary() public {
        SessionLib.SessionSpec memory spec = _transferSession();
        _grant(spec);
        bytes memory full = _paymasterAndData();
        uint256[4] memory lengths = [uint256(0), 20, 51, 52];
        uint256[4] memory expected = [uint256(1), 1, 1, (spec.expiresAt - 1) << 160];
        for (uint256 i; i < lengths.length; ++i) {
            PackedUserOperation memory op = _opBy(SESSION_PK, _transfer(other, 1 ether));
            bytes memory pad = new bytes(lengths[i]);
            for (uint256 j; j < pad.length; ++j) {
                pad[j] = full[j];
            }
            op.paymasterAndData = pad;
            bytes32 hash = ENTRY_POINT.getUserOpHash(op);
            op.signature = _signDigest(SESSION_PK, hash);
            vm.prank(address(ENTRY_POINT));
            vm.assertEq(account.validateUserOp(op, hash, 0), expected[i], "validationData");
        }
    }

    /// @dev The attack the check stops: the session key signs an op with a huge
    ///      preVerificationGas and fees worth the account's whole balance, submits handleOps
    ///      itself and names itself beneficiary, to collect the account's ETH as gas fees
    ///      outside its session's value limits. Refused (AA24); nothing moves.
    function test_drain_sessionAsItsOwnBundler_refused() public {
        _grant(_transferSession());
        // The account also holds a deposit at the EntryPoint (as after earlier owner ops).
        ENTRY_POINT.depositTo{value: 1 ether}(_acc());
        (uint256 balance, uint256 deposit) = _funds();
        uint256 keyBalance = sessionSigner.balance;
        PackedUserOperation memory op = _drainOp();

        vm.expectRevert(abi.encodeWithSelector(IEntryPoint.FailedOp.selector, 0, "AA24 signature error"));
        vm.prank(sessionSigner, sessionSigner);
        ENTRY_POINT.handleOps(_ops(op), payable(sessionSigner));

        (uint256 balanceAfter, uint256 depositAfter) = _funds();
        vm.assertEq(balanceAfter, balance, "account balance unchanged");
        vm.assertEq(depositAfter, deposit, "account deposit unchanged");
        vm.assertEq(sessionSigner.balance, keyBalance, "the session key gained nothing");
        vm.assertEq(ENTRY_POINT.getNonce(_acc(), 0), 0, "no nonce used");
    }

    /// @dev The session key's op with fees worth the account's balance and deposit, no paymaster.
    function _drainOp() internal view returns (PackedUserOperation memory op) {
        (uint256 balance, uint256 deposit) = _funds();
        uint256 fee = 10_000 gwei;
        op = _opBy(SESSION_PK, _one(address(counter), 0, _inc()));
        op.preVerificationGas = (balance + deposit) / fee - VERIFICATION_GAS - CALL_GAS;
        op.gasFees = bytes32((fee << 128) | fee);
        _sign(SESSION_PK, op);
        vm.assertGe(
            (op.preVerificationGas + VERIFICATION_GAS + CALL_GAS) * fee, balance, "the prefund would take the balance"
        );
    }

    /// @dev The same op by a wildcard session (exempt by design: it may move all the ETH anyway)
    ///      goes through and pays the session key, as bundler, nearly all the account's ETH: the
    ///      attack is real, and the check is what stops it for a scoped session.
    function test_drain_wildcardSession_isByDesign() public {
        _grant(_wildcardSpec());
        ENTRY_POINT.depositTo{value: 1 ether}(_acc());
        (uint256 balance, uint256 deposit) = _funds();
        uint256 keyBalance = sessionSigner.balance;
        PackedUserOperation memory op = _drainOp();
        vm.prank(sessionSigner, sessionSigner);
        ENTRY_POINT.handleOps(_ops(op), payable(sessionSigner));
        vm.assertEq(counter.number(), 1, "ran");
        (uint256 balanceAfter, uint256 depositAfter) = _funds();
        uint256 gained = sessionSigner.balance - keyBalance;
        vm.assertEq(balance + deposit - balanceAfter - depositAfter, gained, "the account paid the session key");
        vm.assertGt(gained, (balance + deposit) * 9 / 10, "nearly all of it");
    }

    /// @dev Naming the account itself as the paymaster, to pay from the account's deposit,
    ///      fails too: the account is no paymaster (validatePaymasterUserOp reverts, AA33).
    function test_drain_accountAsPaymaster_refused() public {
        _grant(_transferSession());
        ENTRY_POINT.depositTo{value: 1 ether}(_acc());
        (uint256 balance, uint256 deposit) = _funds();
        PackedUserOperation memory op = _opBy(SESSION_PK, _one(address(counter), 0, _inc()));
        op.paymasterAndData =
            abi.encodePacked(_acc(), uint128(PAYMASTER_VERIFICATION_GAS), uint128(PAYMASTER_POST_OP_GAS));
        _sign(SESSION_PK, op);
        vm.expectRevert(abi.encodeWithSelector(IEntryPoint.FailedOpWithRevert.selector, 0, "AA33 reverted", ""));
        vm.prank(sessionSigner, sessionSigner);
        ENTRY_POINT.handleOps(_ops(op), payable(sessionSigner));
        (uint256 balanceAfter, uint256 depositAfter) = _funds();
        vm.assertEq(balanceAfter, balance, "account balance unchanged");
        vm.assertEq(depositAfter, deposit, "account deposit unchanged");
    }

    /// @dev With the paymaster, a session op changes neither the account's balance nor its
    ///      deposit (beyond the value its policies allow it to move): the paymaster pays,
    ///      even when the session key is its own bundler.
    function test_session_paymasterPays_accountUntouched() public {
        _grant(_transferSession());
        ENTRY_POINT.depositTo{value: 1 ether}(_acc());
        (uint256 balance, uint256 deposit) = _funds();
        uint256 sponsor = ENTRY_POINT.balanceOf(address(paymaster));

        Outcome memory o = _handleOk(_sponsoredOp(SESSION_PK, _transfer(other, 10 ether)));
        vm.assertEq(token.balanceOf(other), 10 ether, "ran");
        (uint256 balanceAfter, uint256 depositAfter) = _funds();
        vm.assertEq(balanceAfter, balance, "account balance unchanged");
        vm.assertEq(depositAfter, deposit, "account deposit unchanged");
        vm.assertGt(o.actualGasCost, 0, "gas was paid");
        vm.assertEq(ENTRY_POINT.balanceOf(address(paymaster)), sponsor - o.actualGasCost, "by the paymaster");

        // A native transfer moves exactly its (policy-limited) value.
        _handleOk(_sponsoredOp(SESSION_PK, _one(address(receiver), 1 ether, "")));
        (balanceAfter, depositAfter) = _funds();
        vm.assertEq(balanceAfter, balance - 1 ether, "only the transferred value");
        vm.assertEq(depositAfter, deposit, "deposit unchanged");

        // The session key as its own bundler, with high fees: still only the paymaster pays.
        PackedUserOperation memory op = _opBy(SESSION_PK, _transfer(other, 1 ether));
        op.gasFees = bytes32((uint256(1000 gwei) << 128) | 1000 gwei);
        op.paymasterAndData = _paymasterAndData();
        _sign(SESSION_PK, op);
        uint256 keyBalance = sessionSigner.balance;
        vm.prank(sessionSigner, sessionSigner);
        ENTRY_POINT.handleOps(_ops(op), payable(sessionSigner));
        vm.assertEq(token.balanceOf(other), 11 ether, "ran");
        vm.assertGt(sessionSigner.balance, keyBalance, "the bundler was paid");
        (uint256 b, uint256 d) = _funds();
        vm.assertEq(b, balance - 1 ether, "account balance unchanged");
        vm.assertEq(d, deposit, "account deposit unchanged");
    }

    /// @dev A wildcard session (which may move all the ETH anyway) may still have the account
    ///      pay: its op without a paymaster runs, paid from the account.
    function test_wildcardSession_withoutPaymaster_accountPays() public {
        _grant(_wildcardSpec());
        (uint256 balance, uint256 deposit) = _funds();
        Outcome memory o = _handleOk(_signedOp(SESSION_PK, _one(address(counter), 0, _setNumber(42))));
        vm.assertEq(counter.number(), 42, "ran");
        (uint256 balanceAfter, uint256 depositAfter) = _funds();
        vm.assertGt(o.actualGasCost, 0, "gas was paid");
        vm.assertEq(balance + deposit - balanceAfter - depositAfter, o.actualGasCost, "by the account");

        // With the paymaster it works too, and the account pays nothing.
        _handleOk(_sponsoredOp(SESSION_PK, _one(address(counter), 0, _setNumber(43))));
        vm.assertEq(counter.number(), 43, "ran");
        (uint256 b, uint256 d) = _funds();
        vm.assertEq(b + d, balanceAfter + depositAfter, "paid by the paymaster");
    }

    /// @dev The owner's ops work either way: paid by the account, or by a paymaster.
    function test_owner_withPaymaster_accountUntouched() public {
        (uint256 balance, uint256 deposit) = _funds();
        Outcome memory o = _handleOk(_sponsoredOp(OWNER_PK, _one(address(counter), 0, _setNumber(5))));
        vm.assertEq(counter.number(), 5, "ran");
        (uint256 balanceAfter, uint256 depositAfter) = _funds();
        vm.assertEq(balanceAfter, balance, "balance unchanged");
        vm.assertEq(depositAfter, deposit, "deposit unchanged");
        vm.assertGt(o.actualGasCost, 0, "the paymaster paid");
        vm.assertEq(ENTRY_POINT.balanceOf(address(paymaster)), PAYMASTER_DEPOSIT - o.actualGasCost, "from its deposit");
    }

    // ------------------------------------------------------------------
    //  Direct calls
    // ------------------------------------------------------------------

    function test_onlyEntryPoint_validateUserOp() public {
        PackedUserOperation memory op = _signedOp(OWNER_PK, _transfer(other, 1 ether));
        bytes32 hash = ENTRY_POINT.getUserOpHash(op);
        // For the 7702 account the owner is the account itself.
        address[3] memory callers = [stranger, ownerAddr, _acc()];
        for (uint256 i; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.OnlyEntryPoint.selector, callers[i]));
            vm.prank(callers[i]);
            account.validateUserOp(op, hash, 0);
        }
    }

    function test_onlyEntryPoint_executeUserOp() public {
        PackedUserOperation memory op = _signedOp(OWNER_PK, _transfer(other, 1 ether));
        bytes32 hash = ENTRY_POINT.getUserOpHash(op);
        address[3] memory callers = [stranger, ownerAddr, _acc()];
        for (uint256 i; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.OnlyEntryPoint.selector, callers[i]));
            vm.prank(callers[i]);
            account.executeUserOp(op, hash);
        }
        vm.assertEq(token.balanceOf(other), 0, "nothing moved");
    }

    function test_entryPoint_isCanonical() public view {
        vm.assertEq(account.entryPoint(), address(ENTRY_POINT), "entryPoint()");
    }

    /// @dev The validationData for each kind of signer, read directly (as the EntryPoint), with
    ///      and without a paymaster.
    function test_validationData_values() public {
        SessionLib.SessionSpec memory spec = _transferSession();
        _grant(spec);
        Call[] memory calls = _transfer(other, 1 ether);
        PackedUserOperation memory op = _op(_acc(), calls);
        op.paymasterAndData = _paymasterAndData();
        bytes32 hash = ENTRY_POINT.getUserOpHash(op);
        PackedUserOperation memory unpaid = _op(_acc(), calls);
        bytes32 unpaidHash = ENTRY_POINT.getUserOpHash(unpaid);
        PackedUserOperation memory sop = _opBy(SESSION_PK, calls);
        sop.paymasterAndData = _paymasterAndData();
        bytes32 sHash = ENTRY_POINT.getUserOpHash(sop);
        PackedUserOperation memory sUnpaid = _opBy(SESSION_PK, calls);
        bytes32 sUnpaidHash = ENTRY_POINT.getUserOpHash(sUnpaid);

        vm.startPrank(address(ENTRY_POINT));
        op.signature = _signDigest(OWNER_PK, hash);
        vm.assertEq(account.validateUserOp(op, hash, 0), 0, "owner: valid, no time range");
        unpaid.signature = _signDigest(OWNER_PK, unpaidHash);
        vm.assertEq(account.validateUserOp(unpaid, unpaidHash, 0), 0, "owner without paymaster: valid");
        sop.signature = _signDigest(SESSION_PK, sHash);
        vm.assertEq(account.validateUserOp(sop, sHash, 0), (spec.expiresAt - 1) << 160, "session: validUntil");
        sUnpaid.signature = _signDigest(SESSION_PK, sUnpaidHash);
        vm.assertEq(
            account.validateUserOp(sUnpaid, sUnpaidHash, 0), 1, "session without paymaster: SIG_VALIDATION_FAILED"
        );
        op.signature = _signDigest(SESSION_PK, hash);
        vm.assertEq(account.validateUserOp(op, hash, 0), 1, "session at the owner's nonce key: SIG_VALIDATION_FAILED");
        op.signature = _signDigest(STRANGER_PK, hash);
        vm.assertEq(account.validateUserOp(op, hash, 0), 1, "stranger: SIG_VALIDATION_FAILED");
        vm.stopPrank();
    }

    /// @dev validUntil = expiresAt - 1 when it fits in 48 bits, else 0 (no expiry).
    function test_validationData_uint48Cap() public {
        uint256[4] memory expiries = [uint256(1 << 48), (1 << 48) + 1, type(uint64).max, type(uint256).max];
        uint256[4] memory expected = [uint256(((1 << 48) - 1) << 160), 0, 0, 0];
        for (uint256 i; i < expiries.length; ++i) {
            SessionLib.SessionSpec memory spec = _transferSession();
            spec.expiresAt = expiries[i];
            _grant(spec);
            PackedUserOperation memory op = _opBy(SESSION_PK, _transfer(other, 1 ether));
            op.paymasterAndData = _paymasterAndData();
            bytes32 hash = ENTRY_POINT.getUserOpHash(op);
            op.signature = _signDigest(SESSION_PK, hash);
            vm.prank(address(ENTRY_POINT));
            vm.assertEq(account.validateUserOp(op, hash, 0), expected[i], "validationData");
        }
    }

    function test_validation_paysMissingFunds() public {
        PackedUserOperation memory op = _signedOp(OWNER_PK, _transfer(other, 1 ether));
        bytes32 hash = ENTRY_POINT.getUserOpHash(op);
        uint256 balance = _acc().balance;
        vm.prank(address(ENTRY_POINT));
        account.validateUserOp(op, hash, 0.5 ether);
        vm.assertEq(ENTRY_POINT.balanceOf(_acc()), 0.5 ether, "deposited at the EntryPoint");
        vm.assertEq(_acc().balance, balance - 0.5 ether, "paid by the account");
    }

    /// @dev A payment that fails is ignored (the EntryPoint then rejects the op for its prefund).
    function test_validation_failedPaymentIsIgnored() public {
        PackedUserOperation memory op = _signedOp(OWNER_PK, _transfer(other, 1 ether));
        bytes32 hash = ENTRY_POINT.getUserOpHash(op);
        vm.deal(_acc(), 0);
        vm.prank(address(ENTRY_POINT));
        vm.assertEq(account.validateUserOp(op, hash, 1 ether), 0, "validated");
        _expectFailedOp(op, "AA21 didn't pay prefund");
    }

    function test_nonce_replayRejected() public {
        PackedUserOperation memory op = _signedOp(OWNER_PK, _one(address(counter), 0, _inc()));
        _handleOk(op);
        _expectFailedOp(op, "AA25 invalid account nonce");
        vm.assertEq(counter.number(), 1, "ran once");
    }
}

/// @notice The scenarios on a 7702 smart EOA: the EOA is the user operation's sender.
contract UserOp7702Test is UserOpScenarios {}

/// @notice The scenarios on a standalone account deployed by SessionAccountFactory.
contract UserOpStandaloneTest is UserOpScenarios {
    function setUp() public override {
        super.setUp();
        _useStandaloneAccount();
    }
}

/// @notice Onboarding a plain EOA through a user operation: the first op carries the 7702
///         initCode marker and the bundler attaches the EOA's delegation to its transaction.
contract UserOp7702OnboardingTest is UserOpBase {
    uint256 internal constant NEW_PK = 0x7702AB;

    function test_firstOpWithMarkerAndDelegation_thenWithoutInitCode() public {
        address eoa = vm.addr(NEW_PK);
        vm.deal(eoa, 1 ether);
        token.mint(eoa, 100 ether);
        vm.assertEq(eoa.code.length, 0, "a plain EOA");
        account = SessionAccount(payable(eoa));

        // First op: initCode = the marker; the userOpHash commits to the delegate.
        PackedUserOperation memory op = _op(eoa, _transfer(other, 10 ether));
        op.initCode = abi.encodePacked(INITCODE_EIP7702_MARKER);
        bytes32 hash = _userOpHash(op, keccak256(abi.encodePacked(address(implementation))));
        op.signature = _signDigest(NEW_PK, hash);

        // The bundler's transaction carries the EOA's authorization.
        vm.signAndAttachDelegation(address(implementation), NEW_PK);
        Outcome[] memory out = new Outcome[](1);
        out[0].userOpHash = hash;
        vm.recordLogs();
        vm.prank(beneficiary, beneficiary);
        ENTRY_POINT.handleOps(_ops(op), beneficiary);
        _readOutcomes(out);
        vm.assertTrue(out[0].success, "first op ran");
        vm.assertEq(keccak256(eoa.code), keccak256(abi.encodePacked(hex"ef0100", address(implementation))), "delegated");
        vm.assertEq(token.balanceOf(other), 10 ether, "transferred");
        vm.assertEq(ENTRY_POINT.getUserOpHash(op), hash, "the EntryPoint computes the same hash");

        // Later ops: no initCode.
        _handleOk(_signedOp(NEW_PK, _transfer(other, 5 ether)));
        vm.assertEq(token.balanceOf(other), 15 ether, "second op");
    }

    function _transfer(address to, uint256 amount) internal view returns (Call[] memory) {
        return _one(address(token), 0, _transferData(to, amount));
    }

    /// @dev Without the delegation the marker op is not even hashable: the bundle reverts.
    function test_markerWithoutDelegation_rejected() public {
        address eoa = vm.addr(NEW_PK);
        vm.deal(eoa, 1 ether);
        PackedUserOperation memory op = _op(eoa, _transfer(other, 0));
        op.initCode = abi.encodePacked(INITCODE_EIP7702_MARKER);
        op.signature = _signDigest(NEW_PK, _userOpHash(op, keccak256(abi.encodePacked(address(implementation)))));
        vm.expectRevert(bytes("sender has no code"));
        vm.prank(beneficiary, beneficiary);
        ENTRY_POINT.handleOps(_ops(op), beneficiary);
    }

    /// @dev The userOpHash of an op without initCode, computed independently, matches the
    ///      EntryPoint's (the Rust side signs the same digest).
    function test_userOpHash_matchesReference() public view {
        PackedUserOperation memory op = _op(ownerAddr, _transfer(other, 1));
        vm.assertEq(ENTRY_POINT.getUserOpHash(op), _userOpHash(op, keccak256("")), "hash");
    }
}

/// @notice The TestPaymaster fixture: only the EntryPoint may call its hooks; it sponsors any
///         operation from its deposit.
contract TestPaymasterTest is UserOpBase {
    function test_onlyEntryPoint() public {
        PackedUserOperation memory op = _op(_acc(), _one(address(counter), 0, _inc()));
        address[3] memory callers = [stranger, ownerAddr, address(this)];
        for (uint256 i; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(TestPaymaster.OnlyEntryPoint.selector, callers[i]));
            vm.prank(callers[i]);
            paymaster.validatePaymasterUserOp(op, bytes32(0), 1 ether);
            vm.expectRevert(abi.encodeWithSelector(TestPaymaster.OnlyEntryPoint.selector, callers[i]));
            vm.prank(callers[i]);
            paymaster.postOp(IPaymaster.PostOpMode.opSucceeded, "", 0, 0);
        }
    }

    function test_sponsorsAnything_emptyContext() public {
        PackedUserOperation memory op = _op(stranger, _one(address(counter), 0, _inc()));
        vm.prank(address(ENTRY_POINT));
        (bytes memory context, uint256 validationData) =
            paymaster.validatePaymasterUserOp(op, keccak256("any"), type(uint256).max);
        vm.assertEq(context.length, 0, "no postOp");
        vm.assertEq(validationData, 0, "valid, no time range");
        vm.prank(address(ENTRY_POINT));
        paymaster.postOp(IPaymaster.PostOpMode.opReverted, "", 1, 1);
    }

    function test_deposit() public {
        vm.assertEq(ENTRY_POINT.balanceOf(address(paymaster)), PAYMASTER_DEPOSIT, "set-up deposit");
        vm.deal(stranger, 3 ether);
        vm.prank(stranger);
        paymaster.deposit{value: 3 ether}();
        vm.assertEq(ENTRY_POINT.balanceOf(address(paymaster)), PAYMASTER_DEPOSIT + 3 ether, "deposited");
        vm.assertEq(address(paymaster).balance, 0, "held by the EntryPoint");
        vm.assertEq(paymaster.ENTRY_POINT(), address(ENTRY_POINT), "canonical EntryPoint");
    }
}
