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

    /// @dev The attack: the relayer picks 250,000 gas (the job needs about 380,000); the job and
    ///      its fallback are starved, the batch succeeds anyway and its uid is used up, so the
    ///      owner's signed batch is spent doing nothing.
    function test_relayerStarvesInnerCall_batchSucceedsUidUsed() public {
        (WrappedCalls memory w, bytes memory sig) = _signed();
        vm.prank(other);
        account.executeWithSig{gas: RELAY_GAS}(w, sig);
        vm.assertEq(job.done(), 0, "the job did not run");
        vm.assertEq(job.fallbacks(), 0, "nor its fallback");
        vm.expectRevert(IMinimalAccount.UIDAlreadyProcessed.selector);
        account.executeWithSig(w, sig);
    }

    /// @dev With enough gas the same batch does the job.
    function test_enoughGas_jobRuns() public {
        (WrappedCalls memory w, bytes memory sig) = _signed();
        vm.prank(other);
        account.executeWithSig{gas: 1_000_000}(w, sig);
        vm.assertEq(job.done(), 1, "the job ran");
    }
}
