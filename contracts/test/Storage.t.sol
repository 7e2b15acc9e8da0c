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

    /// @dev The version marker: slot SLOT + 5, value "sessionkit.account.v1" (ASCII,
    ///      left-aligned), written by the first grant, never overwritten.
    function test_versionMarker_slotAndValue() public {
        bytes32 slot = bytes32(uint256(AccountStorage.SLOT) + 5);
        vm.assertEq(AccountStorage.MARKER_SLOT, slot, "MARKER_SLOT = SLOT + 5");
        vm.assertEq(slot, 0xb27e924cb1bb5f04eacce32bcf6a8c700fa4b3571c675fa78b94dcfd4fec6f05, "the slot number");
        vm.assertEq(
            AccountStorage.NAMESPACE_MARKER,
            0x73657373696f6e6b69742e6163636f756e742e76310000000000000000000000,
            "the value"
        );
        vm.assertEq(vm.load(address(account), slot), bytes32(0), "unwritten before the first grant");
        _grant(_wildcardSpec());
        vm.assertEq(vm.load(address(account), slot), AccountStorage.NAMESPACE_MARKER, "written by the first grant");
        _grant(_wildcardSpec());
        vm.assertEq(vm.load(address(account), slot), AccountStorage.NAMESPACE_MARKER, "unchanged by later grants");
    }

    /// @dev A value something else wrote there is kept (the client's evidence).
    function test_versionMarker_foreignValueKept() public {
        bytes32 slot = AccountStorage.MARKER_SLOT;
        vm.store(address(account), slot, bytes32(uint256(0xF0F0)));
        _grant(_wildcardSpec());
        vm.assertEq(vm.load(address(account), slot), bytes32(uint256(0xF0F0)), "foreign marker kept");
    }

    /// @dev The owner's other first writes mark the namespace too.
    function test_versionMarker_writtenByOwnerActions() public {
        vm.prank(ownerAddr);
        account.invalidateUid(bytes32(uint256(1)));
        vm.assertEq(vm.load(address(account), AccountStorage.MARKER_SLOT), AccountStorage.NAMESPACE_MARKER, "uid");
    }
}
