// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {vm} from "./utils/Vm.sol";
import {Base} from "./utils/Base.sol";
import {Call, SessionLib} from "../types/Types.sol";
import {IMinimalAccount} from "../interfaces/IMinimalAccount.sol";
import {AccountStorage} from "../libraries/AccountStorage.sol";
import {SessionAccount} from "../SessionAccount.sol";
import {EngineHarness} from "./harness/EngineHarness.sol";

/// @notice The policy engine on its own (EngineHarness runs PolicyEngine.enforce, whose
///         `address(this)` is then the harness): a session call whose target word names the
///         account with dirty upper bits.
contract EngineSelfCallTest is Base {
    EngineHarness internal harness;

    function setUp() public override {
        super.setUp();
        harness = new EngineHarness();
    }

    /// @dev A scoped spec that (by the owner's mistake) has a CallSpec on the account itself.
    function _selfPolicySpec() internal returns (SessionLib.SessionSpec memory spec) {
        spec = _spec();
        _addCall(spec, address(harness), SessionAccount.execute.selector, 0, _unlimited());
    }

    function _header(SessionLib.SessionSpec memory spec) internal pure returns (uint256) {
        return AccountStorage.packHeader(address(0xDA7A), spec.expiresAt, 0, spec.isWildcard);
    }

    /// @dev `enforceSpec(spec, header, [Call(target, 0, execute([]))])` with the target word
    ///      replaced by `targetWord` (the ABI encoder never writes dirty address words).
    function _callWithTargetWord(SessionLib.SessionSpec memory spec, bytes32 targetWord)
        internal
        returns (bool ok, bytes memory ret)
    {
        Call[] memory calls = _one(address(harness), 0, abi.encodeCall(SessionAccount.execute, (new Call[](0))));
        bytes memory data = abi.encodeCall(EngineHarness.enforceSpec, (spec, _header(spec), calls));
        bytes32 clean = bytes32(uint256(uint160(address(harness))));
        uint256 at = _find(data, clean, 4 + 3 * 32);
        assembly ("memory-safe") {
            mstore(add(add(data, 32), at), targetWord)
        }
        (ok, ret) = address(harness).call(data);
    }

    /// @dev The position of the last word equal to `word` at or after `from` (the call's target).
    function _find(bytes memory data, bytes32 word, uint256 from) internal pure returns (uint256 at) {
        for (uint256 i = from; i + 32 <= data.length; i += 32) {
            bytes32 w;
            assembly ("memory-safe") {
                w := mload(add(add(data, 32), i))
            }
            if (w == word) at = i;
        }
        require(at != 0, "target word not found");
    }

    /// @dev The gap: with dirty bits at the top of the word, the engine's self-call check (a
    ///      comparison of the whole word) misses the account, and the policy lookup (which
    ///      shifts the word left) finds the CallSpec naming the account: the engine accepts.
    ///      Only the ABI decoder in the account's `_run` stops such a call.
    function test_dirtyTargetNamingTheAccount_engineAccepts() public {
        bytes32 dirty = bytes32(uint256(uint160(address(harness))) | (uint256(1) << 255));
        (bool ok,) = _callWithTargetWord(_selfPolicySpec(), dirty);
        vm.assertTrue(ok, "the engine accepted a self-call");
        // The clean word is refused.
        (ok,) = _callWithTargetWord(_selfPolicySpec(), bytes32(uint256(uint160(address(harness)))));
        vm.assertFalse(ok, "clean self-call refused");
    }
}
