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

    /// @dev The attack: the owner signed two grants for the key (one kept back, or a copy the
    ///      key was sent) and submitted one. The key spends its limit, the owner revokes it, and
    ///      the key submits the outstanding grant: it is back, with fresh counters.
    function test_outstandingGrant_revivesRevokedKey() public {
        SessionLib.SessionSpec memory g1 = _limitedSpec();
        SessionLib.SessionSpec memory g2 = _limitedSpec();
        bytes memory sig2 = _signSpec(OWNER_PK, g2);
        _grant(g1);
        _useAll();
        _revoke();
        _submit(g2, sig2);
        _useAll();
        vm.assertEq(token.balanceOf(other), 2 * LIMIT, "3,000 tokens moved under a 1,500 lifetime limit");
    }

    /// @dev Without a revocation, an outstanding grant is a reset of the counters that the key
    ///      can use when it likes.
    function test_outstandingGrant_resetsCounters() public {
        SessionLib.SessionSpec memory g1 = _limitedSpec();
        SessionLib.SessionSpec memory g2 = _limitedSpec();
        bytes memory sig2 = _signSpec(OWNER_PK, g2);
        _grant(g1);
        _useAll();
        _submit(g2, sig2);
        _useAll();
        vm.assertEq(token.balanceOf(other), 2 * LIMIT, "the key reset its own limit");
    }
}

contract Revocation7702Test is RevocationScenarios {}

contract RevocationStandaloneTest is RevocationScenarios {
    function setUp() public override {
        super.setUp();
        _useStandaloneAccount();
    }
}
