// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {Base} from "./utils/Base.sol";
import {vm} from "./utils/Vm.sol";
import {AccountStorage} from "../libraries/AccountStorage.sol";
import {PolicyEngine} from "../libraries/PolicyEngine.sol";
import {SessionCodec} from "../libraries/SessionCodec.sol";

/// @notice ERC-7201: the namespace slot follows the formula, and sessions live under it.
contract StorageTest is Base {
    function test_namespaceSlotFollowsErc7201() public pure {
        bytes32 expected =
            keccak256(abi.encode(uint256(keccak256("sessionkit.account.v1")) - 1)) & ~bytes32(uint256(0xff));
        vm.assertEq(AccountStorage.SLOT, expected, "ERC-7201 slot");
    }

    function test_sessionHeaderLivesInNamespace() public {
        _grant(_wildcardSpec());
        // sessions is the first member: mapping slot = keccak(signer, SLOT).
        bytes32 slot = keccak256(abi.encode(sessionSigner, AccountStorage.SLOT));
        uint256 header = uint256(vm.load(address(account), slot));
        vm.assertTrue(header != 0, "header stored under the namespace");
        vm.assertEq(header >> 160 & type(uint64).max, block.timestamp + 1 days, "expiry in header");
        vm.assertEq(uint256(vm.load(address(account), bytes32(0))), 0, "slot 0 untouched");
    }

    function test_foreignStorageIsIgnored() public {
        // A previous delegate's storage at low slots must not be read as sessions.
        vm.assertFalse(account.isWildcardSigner(sessionSigner), "no session");
        vm.assertEq(account.getSessionExpirationForSigner(sessionSigner), 0, "no expiry");
    }

    /// @dev The constants that assembly repeats as literals agree with their definitions.
    function test_assemblyConstantsAgree() public pure {
        vm.assertEq(PolicyEngine.HAS_TRAILER, SessionCodec.HAS_TRAILER, "HAS_TRAILER");
        vm.assertEq(SessionCodec.PAYMASTER_ENTRY, 52, "paymaster entry (SessionAccount validation)");
        vm.assertEq(SessionCodec.TRAILER_END, 21, "trailer end (SessionAccount validation)");
    }
}
