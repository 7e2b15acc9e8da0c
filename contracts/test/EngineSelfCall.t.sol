// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {vm} from "./utils/Vm.sol";
import {Base} from "./utils/Base.sol";
import {Call, SessionLib} from "../types/Types.sol";
import {IMinimalAccount} from "../interfaces/IMinimalAccount.sol";
import {AccountStorage} from "../libraries/AccountStorage.sol";
import {SessionAccount} from "../SessionAccount.sol";
import {EngineHarness} from "./harness/EngineHarness.sol";
import {PolicyEngine as PolicyEngineConstants} from "../libraries/PolicyEngine.sol";

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

    /// @dev Formerly: with dirty bits at the top of the word, the engine's self-call check (a
    ///      comparison of the whole word) missed the account, and the policy lookup (which shifts
    ///      the word left) found the CallSpec naming the account: the engine accepted, and only
    ///      the ABI decoder in the account's `_run` stopped such a call. Now the engine refuses
    ///      it by name, for every dirty pattern, scoped or wildcard.
    function test_dirtyTargetNamingTheAccount_engineRefuses() public {
        uint256 account_ = uint256(uint160(address(harness)));
        uint256[4] memory dirt = [uint256(1) << 255, uint256(1) << 160, type(uint256).max << 160, uint256(1) << 224];
        SessionLib.SessionSpec memory wildcard = _wildcardSpec();
        for (uint256 i; i < dirt.length; ++i) {
            bytes32 word = bytes32(account_ | dirt[i]);
            (bool ok, bytes memory ret) = _callWithTargetWord(_selfPolicySpec(), word);
            vm.assertFalse(ok, "scoped: refused");
            vm.assertEq(
                ret, abi.encodeWithSelector(IMinimalAccount.SessionSelfCallForbidden.selector), "scoped: by name"
            );
            (ok, ret) = _callWithTargetWord(wildcard, word);
            vm.assertFalse(ok, "wildcard: refused");
            vm.assertEq(
                ret, abi.encodeWithSelector(IMinimalAccount.SessionSelfCallForbidden.selector), "wildcard: by name"
            );
        }
        (bool okClean, bytes memory retClean) = _callWithTargetWord(_selfPolicySpec(), bytes32(account_));
        vm.assertFalse(okClean, "clean: refused");
        vm.assertEq(
            retClean, abi.encodeWithSelector(IMinimalAccount.SessionSelfCallForbidden.selector), "clean: by name"
        );
    }

    function test_selfCallForbiddenSelector() public pure {
        vm.assertEq(
            bytes32(uint256(PolicyEngineConstants.SELF_CALL_FORBIDDEN)),
            bytes32(uint256(uint32(IMinimalAccount.SessionSelfCallForbidden.selector))),
            "selector literal"
        );
    }
}
