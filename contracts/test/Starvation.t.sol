// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {vm} from "./utils/Vm.sol";
import {Base} from "./utils/Base.sol";
import {Call, WrappedCalls} from "../types/Types.sol";
import {IMinimalAccount} from "../interfaces/IMinimalAccount.sol";
import {BestEffortJob} from "../fixtures/BestEffortJob.sol";

/// @notice Starved inner calls: `Call` has no gas field (the interface fixes it), so the relayer
///         of `executeWithSig` chooses how much gas the inner calls get.
contract StarvationTest is Base {
    BestEffortJob internal job;
    uint256 internal constant ROUNDS = 1500;
    uint256 internal constant RELAY_GAS = 250_000;

    function setUp() public override {
        super.setUp();
        job = new BestEffortJob();
    }

    function _signed() internal returns (WrappedCalls memory w, bytes memory sig) {
        w = _wrapped(_one(address(job), 0, abi.encodeCall(BestEffortJob.run, (ROUNDS))), _uid());
        sig = _signCalls(OWNER_PK, w);
    }

    /// @dev Formerly: the relayer picked 250,000 gas (the job needs about 380,000); the job and
    ///      its fallback were starved, the batch succeeded anyway and its uid was used up. Now
    ///      the inner call came back with less than 1/64 of the gas before it: CallStarved, the
    ///      batch reverts, the uid stays usable, and relayed with enough gas the job runs.
    function test_relayerStarvesInnerCall_refused() public {
        (WrappedCalls memory w, bytes memory sig) = _signed();
        vm.prank(other);
        try account.executeWithSig{gas: RELAY_GAS}(w, sig) {
            vm.assertTrue(false, "the starved batch succeeded");
        } catch (bytes memory e) {
            vm.assertEq(bytes4(e), IMinimalAccount.CallStarved.selector, "CallStarved");
            (uint256 index, uint256 gasBefore, uint256 gasLeft) = abi.decode(_args(e), (uint256, uint256, uint256));
            vm.assertEq(index, 0, "the first call");
            vm.assertLt(gasLeft, gasBefore / 64, "less than 1/64 left");
        }
        vm.assertEq(job.done() + job.fallbacks(), 0, "nothing ran");
        vm.prank(other);
        account.executeWithSig{gas: 1_000_000}(w, sig);
        vm.assertEq(job.done(), 1, "the same signed batch, relayed with enough gas");
    }

    /// @dev Whatever gas the relayer picks, the batch either does the job (or its fallback) or
    ///      reverts: it never succeeds having done nothing (this fixture: its attempts use up
    ///      its gas). The same holds for the owner's and a session's `execute`.
    function test_everyGasLimit_neverStarvedSuccess() public {
        for (uint256 g = 150_000; g <= 450_000; g += 5_000) {
            (WrappedCalls memory w, bytes memory sig) = _signed();
            uint256 snap = vm.snapshotState();
            vm.prank(other);
            try account.executeWithSig{gas: g}(w, sig) {
                vm.assertGt(job.done() + job.fallbacks(), 0, "succeeded: did the job");
            } catch {}
            vm.revertToState(snap);
        }
        Call[] memory calls = _one(address(job), 0, abi.encodeCall(BestEffortJob.run, (ROUNDS)));
        vm.expectPartialRevert(IMinimalAccount.CallStarved.selector);
        vm.prank(ownerAddr);
        account.execute{gas: RELAY_GAS}(calls);
        _grant(_wildcardSpec());
        vm.expectPartialRevert(IMinimalAccount.CallStarved.selector);
        vm.prank(sessionSigner);
        account.execute{gas: RELAY_GAS}(calls);
    }

    /// @dev Not detected (documented in SessionAccount._run): a callee that makes one attempt
    ///      with all its gas keeps 1/64 of it back (EIP-150) and returns success with it, so the
    ///      account sees a call that left gas: the starved batch succeeds.
    function test_calleeWithOneAttempt_starvationNotDetected() public {
        WrappedCalls memory w = _wrapped(_one(address(job), 0, abi.encodeCall(BestEffortJob.tryOnce, (ROUNDS))), _uid());
        bytes memory sig = _signCalls(OWNER_PK, w);
        vm.prank(other);
        account.executeWithSig{gas: RELAY_GAS}(w, sig);
        vm.assertEq(job.done(), 0, "starved, not detected");
    }

    function _args(bytes memory e) internal pure returns (bytes memory out) {
        out = new bytes(e.length - 4);
        for (uint256 i; i < out.length; ++i) {
            out[i] = e[i + 4];
        }
    }

    /// @dev With enough gas the same batch does the job.
    function test_enoughGas_jobRuns() public {
        (WrappedCalls memory w, bytes memory sig) = _signed();
        vm.prank(other);
        account.executeWithSig{gas: 1_000_000}(w, sig);
        vm.assertEq(job.done(), 1, "the job ran");
    }
}
