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

    /// @dev The owner key's ERC-7739 TypedDataSign signature of the permit for account `acct`.
    function _nestedPermit(address acct, uint256 nonce) internal view returns (bytes memory) {
        return _typedDataSign(
            OWNER_PK,
            acct,
            verifier.domainSeparator(),
            verifier.permitHash(address(token), AMOUNT, nonce, spender),
            "Permit",
            "Permit(address token,uint256 amount,uint256 nonce,address spender)"
        );
    }

    function _expectPullRefused(address from, uint256 nonce, bytes memory sig) internal {
        vm.expectRevert(abi.encodeWithSelector(PermitVerifier.InvalidPermitSignature.selector, from));
        vm.prank(spender);
        verifier.pull(from, address(token), AMOUNT, nonce, sig);
    }

    // ------------------------------------------------------------------
    //  The replay, refused
    // ------------------------------------------------------------------

    /// @dev Formerly: one 100-token permit, signed once by the key, was pulled from the EOA and
    ///      from each factory account of the same key (300 tokens). Now the raw signature is the
    ///      EOA's own and only the EOA accepts it: 100 tokens.
    function test_replay_onePermitPulledFromEveryAccountOfTheKey_refused() public {
        bytes memory sig = _rawPermit(0);
        vm.assertTrue(_pull(ownerAddr, 0, sig), "the EOA's own permit");
        _expectPullRefused(address(clone1), 0, sig);
        _expectPullRefused(address(clone2), 0, sig);
        vm.assertEq(token.balanceOf(spender), AMOUNT, "one permit, one pull");
    }

    /// @dev Formerly: a plain permit the EOA signed drained its factory account.
    function test_replay_plainEoaPermitDrainsItsFactoryAccount_refused() public {
        _expectPullRefused(address(clone1), 7, _rawPermit(7));
        vm.assertEq(token.balanceOf(spender), 0, "nothing pulled");
    }

    // ------------------------------------------------------------------
    //  ERC-7739: nested typed data bound to one account
    // ------------------------------------------------------------------

    /// @dev A factory account's permit is signed as TypedDataSign bound to that account: it is
    ///      pulled there, and refused by the owner's other factory account and by the EOA.
    function test_typedDataSign_validForExactlyOneFactoryAccount() public {
        bytes memory sig = _nestedPermit(address(clone1), 1);
        _expectPullRefused(address(clone2), 1, sig);
        _expectPullRefused(ownerAddr, 1, sig);
        vm.assertTrue(_pull(address(clone1), 1, sig), "clone 1");
        vm.assertEq(token.balanceOf(spender), AMOUNT, "once");
    }

    /// @dev The EOA accepts the ERC-7739 form bound to itself too; its factory accounts refuse it.
    function test_typedDataSign_onTheEoa() public {
        bytes memory sig = _nestedPermit(ownerAddr, 2);
        _expectPullRefused(address(clone1), 2, sig);
        _expectPullRefused(address(clone2), 2, sig);
        vm.assertTrue(_pull(ownerAddr, 2, sig), "EOA");
    }

    /// @dev A message hash signed as PersonalSign for one account is valid there only.
    function test_personalSign_validForExactlyOneAccount() public view {
        bytes32 h = keccak256("Sign in to example.org");
        SessionAccount[3] memory accts = [account, clone1, clone2];
        for (uint256 i; i < 3; ++i) {
            bytes memory sig = _personalSign(OWNER_PK, address(accts[i]), h);
            for (uint256 j; j < 3; ++j) {
                vm.assertEq(
                    accts[j].isValidSignature(h, sig),
                    i == j ? bytes4(0x1626ba7e) : bytes4(0xffffffff),
                    "PersonalSign bound to its account"
                );
            }
        }
        // The raw signature: the EOA's own, refused by the factory accounts.
        bytes memory raw = _signDigest(OWNER_PK, h);
        vm.assertEq(account.isValidSignature(h, raw), bytes4(0x1626ba7e), "raw: EOA");
        vm.assertEq(clone1.isValidSignature(h, raw), bytes4(0xffffffff), "raw: clone 1");
        vm.assertEq(clone2.isValidSignature(h, raw), bytes4(0xffffffff), "raw: clone 2");
    }

    /// @dev The ERC-7739 detection request is answered on both deployments.
    function test_erc7739Detection() public view {
        bytes32 probe = 0x7739773977397739773977397739773977397739773977397739773977397739;
        vm.assertEq(account.isValidSignature(probe, ""), bytes4(0x77390001), "EOA");
        vm.assertEq(clone1.isValidSignature(probe, ""), bytes4(0x77390001), "factory account");
    }

    /// @dev Session keys never sign for the account, in any form, even a wildcard one.
    function test_sessionKeysDoNotSign() public {
        _grant(_wildcardSpec());
        bytes32 h = keccak256("message");
        vm.assertEq(account.isValidSignature(h, _signDigest(SESSION_PK, h)), bytes4(0xffffffff), "raw");
        vm.assertEq(account.isValidSignature(h, _personalSign(SESSION_PK, ownerAddr, h)), bytes4(0xffffffff), "7739");
        bytes memory sig = _typedDataSign(
            SESSION_PK,
            ownerAddr,
            verifier.domainSeparator(),
            verifier.permitHash(address(token), AMOUNT, 3, spender),
            "Permit",
            "Permit(address token,uint256 amount,uint256 nonce,address spender)"
        );
        _expectPullRefused(ownerAddr, 3, sig);
    }

    /// @dev Tampered appended data (another contents hash, another app domain) fails.
    function test_typedDataSign_tampered() public view {
        bytes32 h = verifier.digest(address(token), AMOUNT, 4, spender);
        bytes memory sig = _nestedPermit(address(clone1), 4);
        vm.assertEq(clone1.isValidSignature(h, sig), bytes4(0x1626ba7e), "valid");
        bytes memory bad = bytes.concat(sig);
        bad[65 + 40] ^= 0x01; // a byte of contents
        vm.assertEq(clone1.isValidSignature(h, bad), bytes4(0xffffffff), "contents tampered");
        bad = bytes.concat(sig);
        bad[65 + 3] ^= 0x01; // a byte of the app domain separator
        vm.assertEq(clone1.isValidSignature(h, bad), bytes4(0xffffffff), "domain tampered");
    }
}
