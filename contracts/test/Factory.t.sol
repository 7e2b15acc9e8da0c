// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {vm} from "./utils/Vm.sol";
import {UserOpBase} from "./utils/UserOpBase.sol";
import {Call, WrappedCalls, SessionLib} from "../types/Types.sol";
import {IMinimalAccount} from "../interfaces/IMinimalAccount.sol";
import {SessionAccount} from "../SessionAccount.sol";
import {SessionAccountFactory} from "../SessionAccountFactory.sol";
import {AccountStorage} from "../libraries/AccountStorage.sol";
import {LibClone} from "solady/utils/LibClone.sol";
import {IEntryPoint} from "@account-abstraction/contracts/interfaces/IEntryPoint.sol";
import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";

/// @notice The standalone deployment: SessionAccountFactory's counterfactual accounts, their
///         deployment through a user operation's initCode, and an owner that nobody can change.
contract FactoryTest is UserOpBase {
    bytes4 internal constant ERC1271_MAGIC = 0x1626ba7e;

    function _transfer(address to, uint256 amount) internal view returns (Call[] memory) {
        return _one(address(token), 0, _transferData(to, amount));
    }

    function _initCode(address owner, bytes32 salt) internal view returns (bytes memory) {
        return abi.encodePacked(address(factory), abi.encodeCall(SessionAccountFactory.createAccount, (owner, salt)));
    }

    /// @dev The expected runtime code: solady's ERC-1167 clone with immutable args ‖ owner.
    function _cloneCode(address owner) internal view returns (bytes memory) {
        return abi.encodePacked(
            hex"363d3d373d3d3d363d73", address(implementation), hex"5af43d82803e903d91602b57fd5bf3", owner
        );
    }

    // ------------------------------------------------------------------
    //  Addresses
    // ------------------------------------------------------------------

    function test_getAddress_isTheCreatedAccount() public {
        address predicted = factory.getAddress(ownerAddr, SALT);
        vm.assertEq(predicted.code.length, 0, "counterfactual: no code yet");
        address created = factory.createAccount(ownerAddr, SALT);
        vm.assertEq(created, predicted, "created at the predicted address");
        vm.assertEq(keccak256(created.code), keccak256(_cloneCode(ownerAddr)), "clone code with the owner");
        vm.assertEq(LibClone.argsOnClone(created), abi.encodePacked(ownerAddr), "args = owner");
        vm.assertEq(factory.implementation(), address(implementation), "implementation");
    }

    function test_createAccount_isIdempotent() public {
        address first = factory.createAccount(ownerAddr, SALT);
        vm.prank(stranger);
        address second = factory.createAccount(ownerAddr, SALT);
        vm.assertEq(second, first, "same account");
        vm.assertEq(keccak256(first.code), keccak256(_cloneCode(ownerAddr)), "unchanged");
    }

    function test_differentOwnerOrSalt_differentAddress() public view {
        address a = factory.getAddress(ownerAddr, SALT);
        vm.assertTrue(factory.getAddress(stranger, SALT) != a, "other owner");
        vm.assertTrue(factory.getAddress(ownerAddr, bytes32(uint256(SALT) + 1)) != a, "other salt");
    }

    function test_createAccount_zeroOwner_ZeroOwner() public {
        vm.expectRevert(SessionAccountFactory.ZeroOwner.selector);
        factory.createAccount(address(0), SALT);
    }

    function testFuzz_getAddress_matchesCreateAccount(address owner, bytes32 salt) public {
        vm.assume(owner != address(0));
        address predicted = factory.getAddress(owner, salt);
        vm.assertEq(factory.createAccount(owner, salt), predicted, "predicted");
        vm.assertEq(LibClone.argsOnClone(predicted), abi.encodePacked(owner), "owner");
    }

    // ------------------------------------------------------------------
    //  Deployment through a user operation
    // ------------------------------------------------------------------

    function test_firstUserOp_deploysThroughInitCode() public {
        address predicted = factory.getAddress(ownerAddr, SALT);
        vm.deal(predicted, 1 ether);
        token.mint(predicted, 100 ether);
        account = SessionAccount(payable(predicted));

        PackedUserOperation memory op = _op(predicted, _transfer(other, 10 ether));
        op.initCode = _initCode(ownerAddr, SALT);
        _sign(OWNER_PK, op);
        bytes32 hash = ENTRY_POINT.getUserOpHash(op);

        vm.expectEmit(address(ENTRY_POINT));
        emit IEntryPoint.AccountDeployed(hash, predicted, address(factory), address(0));
        _handleOk(op);
        vm.assertEq(keccak256(predicted.code), keccak256(_cloneCode(ownerAddr)), "deployed");
        vm.assertEq(token.balanceOf(other), 10 ether, "the first op's calls ran");

        // Later ops: empty initCode.
        _handleOk(_signedOp(OWNER_PK, _transfer(other, 1 ether)));
        vm.assertEq(token.balanceOf(other), 11 ether, "second op");
    }

    /// @dev Anyone may deploy the owner's account first: it is the same account with the same
    ///      owner; the owner's op then simply goes without initCode.
    function test_frontRunDeployment_gainsNothing() public {
        address predicted = factory.getAddress(ownerAddr, SALT);
        vm.deal(predicted, 1 ether);
        token.mint(predicted, 100 ether);
        account = SessionAccount(payable(predicted));
        PackedUserOperation memory op = _op(predicted, _transfer(other, 10 ether));
        op.initCode = _initCode(ownerAddr, SALT);
        _sign(OWNER_PK, op);

        vm.prank(stranger);
        vm.assertEq(factory.createAccount(ownerAddr, SALT), predicted, "same address");
        vm.assertEq(LibClone.argsOnClone(predicted), abi.encodePacked(ownerAddr), "same owner");

        _expectFailedOp(op, "AA10 sender already constructed");
        _handleOk(_signedOp(OWNER_PK, _transfer(other, 10 ether)));
        vm.assertEq(token.balanceOf(other), 10 ether, "the owner's op ran");

        // The front-runner has no power over the account.
        _assertStrangerPowerless();
    }

    // ------------------------------------------------------------------
    //  The owner is fixed
    // ------------------------------------------------------------------

    function _assertStrangerPowerless() internal {
        bytes32 digest = keccak256("anything");
        vm.assertEq(
            account.isValidSignature(digest, _personalSign(OWNER_PK, _acc(), digest)),
            ERC1271_MAGIC,
            "owner's signature (ERC-7739 PersonalSign)"
        );
        vm.assertEq(
            account.isValidSignature(digest, _personalSign(STRANGER_PK, _acc(), digest)),
            bytes4(0xffffffff),
            "stranger's"
        );

        Call[] memory calls = _transfer(stranger, 1);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.InvalidSignature.selector, stranger, _acc()));
        vm.prank(stranger);
        account.execute(calls);

        WrappedCalls memory w = _wrapped(calls, _uid());
        bytes memory sig = _signCalls(STRANGER_PK, w);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.InvalidSignature.selector, stranger, _acc()));
        account.executeWithSig(w, sig);

        SessionLib.SessionSpec memory spec = _wildcardSpec();
        spec.signer = stranger;
        sig = _signSpec(STRANGER_PK, spec);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.InvalidSignature.selector, stranger, _acc()));
        account.createSessionWithSig(spec, sig);

        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.OnlyAccount.selector, stranger));
        vm.prank(stranger);
        account.revokeSession(sessionSigner);

        _expectFailedOp(_signedOp(STRANGER_PK, calls), "AA24 signature error");
    }

    /// @dev The owner lives in the account's code: no storage write (a former owner slot, any
    ///      slot of the namespace) and no call changes it.
    function test_ownerCannotBeChanged() public {
        _useStandaloneAccount();
        _assertStrangerPowerless();

        // The slot the removed `owner` field used to occupy (member 4 of the namespace), and
        // slot 0, written with the stranger's address.
        bytes32 strangerWord = bytes32(uint256(uint160(stranger)));
        vm.store(_acc(), bytes32(uint256(AccountStorage.SLOT) + 4), strangerWord);
        vm.store(_acc(), bytes32(0), strangerWord);
        _assertStrangerPowerless();

        // The owner's own activity changes nothing either.
        _grant(_wildcardSpec());
        _execOwner(_one(_acc(), 0, abi.encodeCall(SessionAccount.revokeSession, (sessionSigner))));
        _assertStrangerPowerless();
        vm.assertEq(keccak256(_acc().code), keccak256(_cloneCode(ownerAddr)), "code unchanged");
    }

    function test_eip712Domain_isTheClone() public {
        _useStandaloneAccount();
        (, string memory name, string memory version, uint256 chainId, address verifying,,) = account.eip712Domain();
        vm.assertEq(name, "MinimalAccount", "name");
        vm.assertEq(version, "1", "version");
        vm.assertEq(chainId, block.chainid, "chain");
        vm.assertEq(verifying, _acc(), "verifyingContract = the account");
    }

    /// @dev The implementation itself is nobody's account: its owner is itself.
    function test_implementationHasNoUsableOwner() public {
        bytes32 digest = keccak256("anything");
        vm.assertEq(
            implementation.isValidSignature(digest, _signDigest(OWNER_PK, digest)), bytes4(0xffffffff), "no owner"
        );
        vm.assertEq(implementation.isValidSignature(digest, new bytes(65)), bytes4(0xffffffff), "no zero owner");
        vm.expectRevert(
            abi.encodeWithSelector(IMinimalAccount.InvalidSignature.selector, stranger, address(implementation))
        );
        vm.prank(stranger);
        implementation.execute(_transfer(other, 1));
    }

    /// @dev A clone with a zero owner (not deployable through the factory) falls back to the
    ///      account itself as owner, so the zero address of a failed recovery is never the owner.
    function test_zeroOwnerClone_isNotOwnedByZero() public {
        address clone = LibClone.clone(address(implementation), abi.encodePacked(address(0)));
        bytes32 digest = keccak256("anything");
        vm.assertEq(
            SessionAccount(payable(clone)).isValidSignature(digest, new bytes(65)), bytes4(0xffffffff), "no zero owner"
        );
    }

    // ------------------------------------------------------------------
    //  The standalone owner and sessions
    // ------------------------------------------------------------------

    function test_standaloneOwner_executesAndRevokesDirectly() public {
        _useStandaloneAccount();
        _execOwner(_one(address(counter), 0, _setNumber(5)));
        vm.assertEq(counter.number(), 5, "ran");
        vm.assertEq(counter.lastCaller(), _acc(), "as the account");

        _grant(_wildcardSpec());
        vm.prank(ownerAddr);
        account.revokeSession(sessionSigner);
        vm.assertFalse(account.isWildcardSigner(sessionSigner), "revoked");
    }

    function test_standaloneSession_viaExecuteAndUserOp() public {
        _useStandaloneAccount();
        _grant(_transferSession());
        _execSession(_transfer(other, 100 ether));
        _handleOk(_sponsoredOp(SESSION_PK, _transfer(other, 200 ether)));
        vm.assertEq(token.balanceOf(other), 300 ether, "both paths");
        vm.assertEq(account.getSessionStateForSigner(sessionSigner).callParams[0].remaining, 1200 ether, "one counter");
        vm.expectRevert(
            abi.encodeWithSelector(
                IMinimalAccount.ConditionFailed.selector,
                bytes32(uint256(uint160(stranger))),
                bytes32(uint256(uint160(other))),
                uint8(SessionLib.Condition.Equal)
            )
        );
        _execSession(_transfer(stranger, 1));
    }

    /// @dev A stranger's session signature, on the standalone account, is nobody's.
    function test_standalone_strangerCannotGrant() public {
        _useStandaloneAccount();
        SessionLib.SessionSpec memory spec = _wildcardSpec();
        bytes memory sig = _signSpec(STRANGER_PK, spec);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.InvalidSignature.selector, stranger, _acc()));
        account.createSessionWithSig(spec, sig);
    }

    /// @dev Two accounts of the same implementation share nothing.
    function test_accountsAreIsolated() public {
        _useStandaloneAccount();
        SessionAccount first = account;
        _grant(_wildcardSpec());
        account = SessionAccount(payable(factory.createAccount(stranger, SALT)));
        vm.assertFalse(account.isWildcardSigner(sessionSigner), "no session on the other account");
        vm.assertTrue(first.isWildcardSigner(sessionSigner), "still on the first");
        // The first owner's grant is not valid on the stranger's account (its domain and owner).
        SessionLib.SessionSpec memory spec = _wildcardSpec();
        bytes memory sig = _signSpec(OWNER_PK, spec);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.InvalidSignature.selector, ownerAddr, _acc()));
        account.createSessionWithSig(spec, sig);
    }
}
