// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {vm} from "./utils/Vm.sol";
import {UserOpBase} from "./utils/UserOpBase.sol";
import {IEntryPoint} from "@account-abstraction/contracts/interfaces/IEntryPoint.sol";
import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";

interface VmLastCallGas {
    struct Gas {
        uint64 gasLimit;
        uint64 gasTotalUsed;
        uint64 gasMemoryUsed;
        int64 gasRefunded;
        uint64 gasRemaining;
    }

    function lastCallGas() external view returns (Gas memory gas);
}

/// @notice Gas of ERC-4337 user operations through EntryPoint v0.8: an ERC-20 transfer by the
///         owner (without and with a paymaster) and by a session key under one CallSpec with
///         two constraints, on both deployments. A scoped session's op must be paid for by a
///         paymaster (the account never pays gas for a scoped session key), so the session
///         figures carry the TestPaymaster, and the session overhead is measured against the
///         owner's op WITH the same paymaster (apples to apples: the paymaster's own cost, its
///         validation call, deposit update and the 52 bytes of paymasterAndData, is in both).
///         Run in isolation so that each handleOps is its own transaction with cold storage, as
///         on chain: `forge test --match-path contracts/test/UserOpGas.t.sol --isolate -vv`.
///         Figures: the bundle transaction's gas for one op (21,000 and calldata included, as
///         forge reports an isolated call), and the op's `actualGasUsed` from UserOperationEvent
///         with preVerificationGas 0 (validation + execution as the EntryPoint accounts them).
///         callGasLimit is set so that no unused-gas penalty applies (checked); the
///         TestPaymaster returns no context, so its postOp gas limit (0) carries no penalty.
///         Also reported: the smallest paymasterVerificationGasLimit the TestPaymaster needs.
///         Published anchor: Alchemy Modular Account v2, session-key ERC-20 transfer user op
///         197,295 gas, owner 182,665.
contract UserOpGasTest is UserOpBase {
    /// @dev callGasLimits close to each op's execution gas (no unused-gas penalty).
    uint256 internal constant OWNER_CALL_GAS = 60_000;
    uint256 internal constant SESSION_CALL_GAS = 70_000;
    uint256 internal constant SESSION_FIRST_CALL_GAS = 90_000;

    /// @dev ds-test style signed log event (forge prints it with -vv).
    event log_named_int(string key, int256 val);

    function _report(string memory what, uint256 gas) internal {
        emit log_named_uint(what, gas);
    }

    /// @dev Reports `a - b`, which may be negative (always so for some figures without --isolate,
    ///      where accesses are warm after the first).
    function _reportDelta(string memory what, uint256 a, uint256 b) internal {
        emit log_named_int(what, int256(a) - int256(b));
    }

    function _lastTxGas() internal view returns (uint256) {
        return VmLastCallGas(address(vm)).lastCallGas().gasTotalUsed;
    }

    /// @dev The transfer op of `pk`; `sponsored`: paid for by the TestPaymaster.
    function _gasOp(uint256 pk, uint256 callGas, bool sponsored) internal view returns (PackedUserOperation memory op) {
        op = _opBy(pk, _one(address(token), 0, _transferData(other, 100 ether)));
        op.preVerificationGas = 0;
        op.accountGasLimits = bytes32((uint256(150_000) << 128) | callGas);
        if (sponsored) op.paymasterAndData = _paymasterAndData();
        _sign(pk, op);
    }

    /// @dev One measured user operation.
    struct Gas {
        /// The bundle transaction's gas.
        uint256 txGas;
        /// The op's actualGasUsed (UserOperationEvent).
        uint256 used;
        /// The unused-gas penalty step (see _measure).
        uint256 penalty;
    }

    /// @dev Submits the op of `pk` with `callGas` as its own bundle; returns the transaction gas,
    ///      the op's actualGasUsed and the unused-gas penalty included in it, found by running
    ///      the same op with 1,000 less callGasLimit first (100 = penalised, 0 = none). A
    ///      sponsored op must leave the account's balance and deposit unchanged (checked).
    function _measure(uint256 pk, uint256 callGas, bool sponsored) internal returns (Gas memory g) {
        // Read first, so that without --isolate both runs below see the same warm accesses.
        (uint256 balance, uint256 deposit) = (_acc().balance, ENTRY_POINT.balanceOf(_acc()));
        uint256 snap = vm.snapshotState();
        uint256 tighter = _handleOk(_gasOp(pk, callGas - 1000, sponsored)).actualGasUsed;
        vm.revertToState(snap);

        PackedUserOperation memory op = _gasOp(pk, callGas, sponsored);
        Outcome[] memory out = new Outcome[](1);
        out[0].userOpHash = ENTRY_POINT.getUserOpHash(op);
        vm.recordLogs();
        vm.prank(beneficiary, beneficiary);
        ENTRY_POINT.handleOps(_ops(op), beneficiary);
        g.txGas = _lastTxGas();
        _readOutcomes(out);
        vm.assertTrue(out[0].success, "op succeeded");
        g.used = out[0].actualGasUsed;
        g.penalty = g.used - tighter;
        if (sponsored) {
            vm.assertEq(_acc().balance, balance, "sponsored: account balance unchanged");
            vm.assertEq(ENTRY_POINT.balanceOf(_acc()), deposit, "sponsored: account deposit unchanged");
        }
    }

    /// @dev The smallest paymasterVerificationGasLimit with which the owner's sponsored op goes
    ///      through (the EntryPoint counts the paymaster's deposit update, the call and its
    ///      validation against it: AA36 / AA33 below), by bisection.
    function _minPaymasterVerificationGas() internal returns (uint256 lo) {
        uint256 hi = PAYMASTER_VERIFICATION_GAS;
        while (lo + 1 < hi) {
            uint256 mid = (lo + hi) / 2;
            PackedUserOperation memory op = _op(_acc(), _one(address(token), 0, _transferData(other, 1)));
            op.paymasterAndData = abi.encodePacked(address(paymaster), uint128(mid), uint128(0));
            _sign(OWNER_PK, op);
            uint256 snap = vm.snapshotState();
            vm.prank(beneficiary, beneficiary);
            try ENTRY_POINT.handleOps(_ops(op), beneficiary) {
                hi = mid;
            } catch {
                lo = mid;
            }
            vm.revertToState(snap);
        }
        lo = hi;
    }

    function _run(string memory d) internal {
        _grant(_transferSession());
        // The recipient already holds tokens, so every transfer writes a non-zero balance, and
        // the account's nonce and EntryPoint deposit and the paymaster's deposit are non-zero
        // (steady state).
        token.mint(other, 1);
        _measure(OWNER_PK, OWNER_CALL_GAS, false);
        Gas memory owner = _measure(OWNER_PK, OWNER_CALL_GAS, false);
        Gas memory ownerPm = _measure(OWNER_PK, OWNER_CALL_GAS, true);
        Gas memory first = _measure(SESSION_PK, SESSION_FIRST_CALL_GAS, true);
        Gas memory steady = _measure(SESSION_PK, SESSION_CALL_GAS, true);
        uint256 minPmGas = _minPaymasterVerificationGas();

        _report(string.concat(d, " owner user op, ERC-20 transfer, no paymaster: handleOps tx"), owner.txGas);
        _report(string.concat(d, " owner user op, no paymaster: actualGasUsed"), owner.used);
        _report(string.concat(d, " owner user op, ERC-20 transfer, TestPaymaster: handleOps tx"), ownerPm.txGas);
        _report(string.concat(d, " owner user op, TestPaymaster: actualGasUsed"), ownerPm.used);
        // Negative (with --isolate): the paymaster's deposit update is cheaper than the account's prefund payment
        // (a value call to the EntryPoint, which credits the account's deposit).
        _reportDelta(string.concat(d, " owner with paymaster minus without (handleOps tx)"), ownerPm.txGas, owner.txGas);
        _reportDelta(string.concat(d, " owner with paymaster minus without (actualGasUsed)"), ownerPm.used, owner.used);
        _report(
            string.concat(d, " session user op, 1 CallSpec + 2 constraints, TestPaymaster, first use: handleOps tx"),
            first.txGas
        );
        _report(string.concat(d, " session user op, first use: actualGasUsed"), first.used);
        _report(
            string.concat(d, " session user op, 1 CallSpec + 2 constraints, TestPaymaster, steady: handleOps tx"),
            steady.txGas
        );
        _report(string.concat(d, " session user op, steady: actualGasUsed"), steady.used);
        _reportDelta(
            string.concat(d, " session overhead per user op, steady, vs owner with paymaster (handleOps tx)"),
            steady.txGas,
            ownerPm.txGas
        );
        _reportDelta(
            string.concat(d, " session overhead per user op, steady, vs owner with paymaster (actualGasUsed)"),
            steady.used,
            ownerPm.used
        );
        _report(
            string.concat(d, " unused-gas penalty in actualGasUsed (0 = none; 100 = some, not --isolate)"),
            owner.penalty + ownerPm.penalty + first.penalty + steady.penalty
        );
        _report(string.concat(d, " smallest paymasterVerificationGasLimit for the TestPaymaster"), minPmGas);
        _report("anchor: Alchemy MAv2 session-key ERC-20 transfer user op", 197_295);
        _report("anchor: Alchemy MAv2 owner ERC-20 transfer user op", 182_665);
        // Regression ceiling on the session overhead. A scoped session's op can no longer go
        // without a paymaster, so the overhead is measured against the owner's op with the same
        // paymaster (like for like). Against the owner's unsponsored op it would come out about
        // 2,800 lower, since the paymaster's deposit update is cheaper than the account's
        // prefund payment, and that would hide a regression of the same size. The ceiling
        // was the anchor's 14,630 (MAv2's session-key minus owner op, same payment path). A
        // scoped session's op now validates only with a paymaster the owner allowed for that
        // session, read from the session's data contract in validation: the contract's cold
        // access moves from execution to validation (validation +3,300, execution -2,170), about
        // +1,130 net, plus about 50 for 1,000 optimizer runs: measured 15,063 (7702) and 15,075
        // (factory). An account-wide storage allowlist measured +2,607 (a cold SLOAD added).
        // Written without a subtraction: without --isolate every access after the first is warm,
        // the figures are not comparable and the difference may be negative.
        vm.assertLe(steady.txGas, ownerPm.txGas + 15_100, "user-op session overhead regressed");
    }

    function test_gas_userOp_7702() public {
        _run("7702:");
    }

    function test_gas_userOp_standalone() public {
        _useStandaloneAccount();
        _run("standalone:");
    }
}
