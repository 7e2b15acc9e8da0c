// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {vm} from "./utils/Vm.sol";
import {UserOpBase} from "./utils/UserOpBase.sol";
import {Call, SessionLib} from "../types/Types.sol";
import {IMinimalAccount} from "../interfaces/IMinimalAccount.sol";
import {SessionAccount} from "../SessionAccount.sol";

/// @notice Revocation and outstanding grants, written once and run on both deployments.
///         A grant is a SessionSpec the owner signed; anyone may submit it, whenever they like,
///         and nothing signed carries a time (the spec and its EIP-712 domain are fixed by the
///         interface).
abstract contract RevocationScenarios is UserOpBase {
    uint256 internal constant LIMIT = 1_500 ether;

    /// @dev The key may transfer tokens to `other`, at most 1,500 in the session's life.
    function _limitedSpec() internal returns (SessionLib.SessionSpec memory spec) {
        spec = _spec();
        SessionLib.CallSpec memory c = _addCall(spec, address(token), token.transfer.selector, 0, _unlimited());
        _addConstraint(c, _constraint(SessionLib.Condition.Equal, 0, bytes32(uint256(uint160(other)))));
        _addConstraint(c, _constraint(SessionLib.Condition.LessOrEqual, 1, bytes32(uint256(LIMIT)), _lifetime(LIMIT)));
    }

    function _submit(SessionLib.SessionSpec memory spec, bytes memory sig) internal {
        vm.prank(sessionSigner);
        account.createSessionWithSig(spec, sig);
    }

    function _useAll() internal {
        _execSession(_one(address(token), 0, _transferData(other, LIMIT)));
    }

    function _revoke() internal {
        vm.prank(ownerAddr);
        account.revokeSession(sessionSigner);
    }

    function _expectRevoked(address signer) internal {
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.SignerRevoked.selector, signer));
    }

    /// @dev Formerly: the owner signed two grants for the key and submitted one; the key spent
    ///      its limit, was revoked, submitted the outstanding grant and was back with fresh
    ///      counters (3,000 tokens under a 1,500 limit). Now a revoked signer is burned on the
    ///      account: the outstanding grant fails with SignerRevoked.
    function test_outstandingGrant_revivesRevokedKey_refused() public {
        SessionLib.SessionSpec memory g1 = _limitedSpec();
        SessionLib.SessionSpec memory g2 = _limitedSpec();
        bytes memory sig2 = _signSpec(OWNER_PK, g2);
        _grant(g1);
        _useAll();
        _revoke();
        vm.assertTrue(account.isSignerRevoked(sessionSigner), "burned");
        _expectRevoked(sessionSigner);
        _submit(g2, sig2);
        vm.assertEq(token.balanceOf(other), LIMIT, "1,500 moved, no more");
        // Not even the owner can re-grant the key: a new key is the remedy.
        SessionLib.SessionSpec memory g3 = _limitedSpec();
        bytes memory sig3 = _signSpec(OWNER_PK, g3);
        _expectRevoked(sessionSigner);
        vm.prank(ownerAddr);
        account.createSessionWithSig(g3, sig3);
    }

    /// @dev Without a revocation, an outstanding grant is still a reset of the counters that the
    ///      key can use when it likes (the owner signed it): the owner cancels its uid first.
    function test_outstandingGrant_resetsCounters_cancelledByInvalidateUid() public {
        SessionLib.SessionSpec memory g1 = _limitedSpec();
        SessionLib.SessionSpec memory g2 = _limitedSpec();
        bytes memory sig2 = _signSpec(OWNER_PK, g2);
        _grant(g1);
        _useAll();
        vm.expectEmit(true, true, true, true, _acc());
        emit IMinimalAccount.UidInvalidated(g2.uid);
        vm.prank(ownerAddr);
        account.invalidateUid(g2.uid);
        vm.expectRevert(IMinimalAccount.UIDAlreadyProcessed.selector);
        _submit(g2, sig2);
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.LifetimeUsageExceeded.selector, LIMIT, LIMIT));
        _execSession(_one(address(token), 0, _transferData(other, 1)));
        vm.assertEq(token.balanceOf(other), LIMIT, "the limit held");
    }

    /// @dev The reset itself, when the owner neither revokes nor cancels: by design (the owner
    ///      signed both grants), documented.
    function test_outstandingGrant_notCancelled_resetsCounters() public {
        SessionLib.SessionSpec memory g1 = _limitedSpec();
        SessionLib.SessionSpec memory g2 = _limitedSpec();
        bytes memory sig2 = _signSpec(OWNER_PK, g2);
        _grant(g1);
        _useAll();
        _submit(g2, sig2);
        _useAll();
        vm.assertEq(token.balanceOf(other), 2 * LIMIT, "a second grant is a second allowance");
    }

    function test_invalidateUid_usedUid_UIDAlreadyProcessed() public {
        SessionLib.SessionSpec memory g = _limitedSpec();
        _grant(g);
        vm.expectRevert(IMinimalAccount.UIDAlreadyProcessed.selector);
        vm.prank(ownerAddr);
        account.invalidateUid(g.uid);
    }

    /// @dev Only the owner revokes or cancels: not a stranger, not a session key (not even a
    ///      wildcard one, which can never call the account).
    function test_ownerOnly() public {
        _grant(_wildcardSpec());
        address[2] memory callers = [stranger, sessionSigner];
        address[] memory signers = new address[](1);
        signers[0] = sessionSigner;
        for (uint256 i; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.OnlyAccount.selector, callers[i]));
            vm.prank(callers[i]);
            account.revokeSessions(signers);
            vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.OnlyAccount.selector, callers[i]));
            vm.prank(callers[i]);
            account.invalidateUid(bytes32(uint256(1)));
        }
        vm.expectRevert(IMinimalAccount.SessionSelfCallForbidden.selector);
        _execSession(_one(_acc(), 0, abi.encodeCall(SessionAccount.revokeSessions, (signers))));
        vm.assertTrue(account.isWildcardSigner(sessionSigner), "still granted");
    }

    /// @dev Revoke every session at once: one call burns each signer, whether it has a live
    ///      session, an expired one, or none yet (a key whose signed grant was never submitted),
    ///      and emits SessionRevoked for each.
    function test_revokeSessions_batch() public {
        address[] memory signers = new address[](4);
        signers[0] = sessionSigner;
        signers[1] = vm.addr(0xA1);
        signers[2] = vm.addr(0xA2);
        signers[3] = vm.addr(0xA3);
        _grant(_limitedSpec());
        SessionLib.SessionSpec memory w = _wildcardSpec();
        w.signer = signers[1];
        _grant(w);
        SessionLib.SessionSpec memory shortLived = _limitedSpec();
        shortLived.signer = signers[2];
        shortLived.expiresAt = block.timestamp + 1;
        _grant(shortLived);
        SessionLib.SessionSpec memory pending = _wildcardSpec();
        pending.signer = signers[3];
        bytes memory pendingSig = _signSpec(OWNER_PK, pending);
        vm.warp(block.timestamp + 10);

        for (uint256 i; i < signers.length; ++i) {
            vm.expectEmit(true, true, true, true, _acc());
            emit IMinimalAccount.SessionRevoked(signers[i]);
        }
        vm.prank(ownerAddr);
        account.revokeSessions(signers);

        for (uint256 i; i < signers.length; ++i) {
            vm.assertTrue(account.isSignerRevoked(signers[i]), "burned");
            vm.assertEq(account.getSessionExpirationForSigner(signers[i]), 0, "no session");
            vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.InvalidSignature.selector, signers[i], _acc()));
            vm.prank(signers[i]);
            account.execute(_one(address(counter), 0, _inc()));
        }
        _expectRevoked(signers[3]);
        account.createSessionWithSig(pending, pendingSig);
        // Idempotent: revoking again changes nothing and does not revert.
        vm.prank(ownerAddr);
        account.revokeSessions(signers);
    }

    /// @dev Re-granting a live (never revoked) signer still replaces its session.
    function test_regrantLiveSigner_replaces() public {
        _grant(_limitedSpec());
        _grant(_wildcardSpec());
        vm.assertTrue(account.isWildcardSigner(sessionSigner), "replaced");
        vm.assertFalse(account.isSignerRevoked(sessionSigner), "not burned");
    }
}

contract Revocation7702Test is RevocationScenarios {}

contract RevocationStandaloneTest is RevocationScenarios {
    function setUp() public override {
        super.setUp();
        _useStandaloneAccount();
    }
}
