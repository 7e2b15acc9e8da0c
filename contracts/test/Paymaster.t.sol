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

    /// @dev What the account lost in tokens and the key gained in ETH by bundling `op` itself.
    function _attempt(PackedUserOperation memory op) internal returns (uint256 lost, uint256 gained) {
        uint256 tokens = token.balanceOf(_acc());
        uint256 keyEth = sessionSigner.balance;
        _bundleAsKey(op);
        lost = tokens - token.balanceOf(_acc());
        gained = sessionSigner.balance - keyEth;
    }

    function _refusedCall() internal view returns (Call[] memory) {
        return _one(address(token), 0, _transferData(attacker, 1 ether));
    }

    /// @dev Formerly: the scoped key signed an op with huge fees naming the owner's ERC-20
    ///      paymaster and bundled it itself; the paymaster charged the account's tokens and the
    ///      key, as beneficiary, received the fees in ETH (about 5e18 token units per op, even
    ///      for an op whose call the policy refuses). Now a scoped session's op validates only
    ///      with a paymaster the owner allowed for that session: refused (AA24), nothing lost.
    function test_erc20Paymaster_scopedKeyTurnsTokensIntoGasFees_refused() public {
        _grant(_transferSession()); // allows the TestPaymaster only (UserOpBase._grant)
        _ownerApprovesPaymaster();
        uint256 tokens = token.balanceOf(_acc());
        _expectFailedOp(_feeOp(_refusedCall()), "AA24 signature error");
        vm.assertEq(token.balanceOf(_acc()), tokens, "no token lost");
    }

    /// @dev The owner may allow the ERC-20 paymaster for a session, with a cap on each op's
    ///      maximum cost (its required prefund): an op within the cap validates and pays in
    ///      tokens; the huge-fee op is refused.
    function test_erc20Paymaster_allowedWithCap() public {
        _grant(_transferSession());
        _ownerApprovesPaymaster();
        uint256 cap = 0.01 ether;
        _allowPaymaster(sessionSigner, address(tokenPaymaster), cap);
        _expectFailedOp(_feeOp(_refusedCall()), "AA24 signature error");

        PackedUserOperation memory op = _opBy(SESSION_PK, _one(address(token), 0, _transferData(other, 1 ether)));
        op.paymasterAndData = _tokenPaymasterAndData();
        _sign(SESSION_PK, op);
        (uint256 lost,) = _attempt(op);
        vm.assertEq(token.balanceOf(other), 1 ether, "ran");
        vm.assertGt(lost - 1 ether, 0, "paid in tokens");
        vm.assertLe(lost - 1 ether, cap, "at most the cap");
    }

    /// @dev The cap is exact: an op whose maximum cost equals it validates; one wei more does not.
    function test_paymasterCap_boundary() public {
        _grant(_transferSession());
        PackedUserOperation memory op = _opBy(SESSION_PK, _one(address(token), 0, _transferData(other, 1 ether)));
        op.paymasterAndData = _tokenPaymasterAndData();
        uint256 gas_ = VERIFICATION_GAS + CALL_GAS + PRE_VERIFICATION_GAS + PM_VERIFICATION_GAS + PM_POST_OP_GAS;
        uint256 maxCost = gas_ * MAX_FEE;
        bytes32 hash = ENTRY_POINT.getUserOpHash(op);
        op.signature = _signDigest(SESSION_PK, hash);
        uint256 valid = (block.timestamp + 1 days - 1) << 160;
        _allowPaymaster(sessionSigner, address(tokenPaymaster), maxCost);
        vm.prank(address(ENTRY_POINT));
        vm.assertEq(account.validateUserOp(op, hash, 0), valid, "cost == cap");
        _allowPaymaster(sessionSigner, address(tokenPaymaster), maxCost - 1);
        vm.prank(address(ENTRY_POINT));
        vm.assertEq(account.validateUserOp(op, hash, 0), 1, "cost == cap + 1");
        // A preVerificationGas that would overflow the sum is refused, never a revert.
        op.preVerificationGas = type(uint256).max;
        hash = ENTRY_POINT.getUserOpHash(op);
        op.signature = _signDigest(SESSION_PK, hash);
        _allowPaymaster(sessionSigner, address(tokenPaymaster), type(uint256).max);
        vm.prank(address(ENTRY_POINT));
        vm.assertEq(account.validateUserOp(op, hash, 0), 1, "overflowing gas");
    }

    /// @dev Allow, disallow, the view and the events; the session's usage carries over (the
    ///      usage id stays the first data contract's); a re-grant starts without paymasters.
    function test_allowDisallow_viewEventsAndCounters() public {
        _grant(_transferSession());
        _execSession(_one(address(token), 0, _transferData(other, 400 ether)));
        bytes32 state = _stateHash(sessionSigner);
        bytes memory policies = abi.encode(
            account.getCallPoliciesForSigner(sessionSigner),
            account.getTransferPoliciesForSigner(sessionSigner),
            account.getSessionExpirationForSigner(sessionSigner)
        );

        vm.expectEmit(true, true, true, true, _acc());
        emit IMinimalAccount.SessionPaymasterAllowed(sessionSigner, address(tokenPaymaster), 5);
        _allowPaymaster(sessionSigner, address(tokenPaymaster), 5);
        (address[] memory pms, uint256[] memory caps) = account.getSessionPaymasters(sessionSigner);
        vm.assertEq(pms.length, 2, "two paymasters");
        vm.assertEq(pms[0], address(paymaster), "TestPaymaster");
        vm.assertEq(caps[0], type(uint256).max, "uncapped");
        vm.assertEq(pms[1], address(tokenPaymaster), "TokenPaymaster");
        vm.assertEq(caps[1], 5, "cap");
        vm.assertEq(_stateHash(sessionSigner), state, "usage carried over");
        vm.assertEq(
            abi.encode(
                account.getCallPoliciesForSigner(sessionSigner),
                account.getTransferPoliciesForSigner(sessionSigner),
                account.getSessionExpirationForSigner(sessionSigner)
            ),
            policies,
            "policies and expiry unchanged"
        );

        // Usage keeps counting against the same limit: 400 + 1,000 + 200 would pass the 1,500.
        _execSession(_one(address(token), 0, _transferData(other, 1000 ether)));
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.LifetimeUsageExceeded.selector, 1400 ether, 1500 ether));
        _execSession(_one(address(token), 0, _transferData(other, 200 ether)));

        vm.expectEmit(true, true, true, true, _acc());
        emit IMinimalAccount.SessionPaymasterDisallowed(sessionSigner, address(paymaster));
        vm.prank(ownerAddr);
        account.disallowSessionPaymaster(sessionSigner, address(paymaster));
        (pms, caps) = account.getSessionPaymasters(sessionSigner);
        vm.assertEq(pms.length, 1, "one left");
        vm.assertEq(pms[0], address(tokenPaymaster), "the token paymaster");
        _expectFailedOp(_sponsoredOp(SESSION_PK, _one(address(counter), 0, _inc())), "AA24 signature error");

        vm.expectRevert(
            abi.encodeWithSelector(
                IMinimalAccount.SessionPaymasterNotAllowed.selector, sessionSigner, address(paymaster)
            )
        );
        vm.prank(ownerAddr);
        account.disallowSessionPaymaster(sessionSigner, address(paymaster));

        // A re-grant is a new session: no paymaster allowed, fresh counters.
        Base_grantOnly(_transferSession());
        (pms,) = account.getSessionPaymasters(sessionSigner);
        vm.assertEq(pms.length, 0, "none after a re-grant");
    }

    function Base_grantOnly(SessionLib.SessionSpec memory spec) internal {
        bytes memory sig = _signSpec(OWNER_PK, spec);
        vm.prank(other);
        account.createSessionWithSig(spec, sig);
    }

    function test_allowPaymaster_errors() public {
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.SessionNotFound.selector, sessionSigner));
        _allowPaymaster(sessionSigner, address(tokenPaymaster), 1);
        _grant(_wildcardSpec());
        vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.SessionIsWildcard.selector, sessionSigner));
        _allowPaymaster(sessionSigner, address(tokenPaymaster), 1);
        _grant(_transferSession());
        address[2] memory callers = [stranger, sessionSigner];
        for (uint256 i; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.OnlyAccount.selector, callers[i]));
            vm.prank(callers[i]);
            account.allowSessionPaymaster(sessionSigner, callers[i], 1);
            vm.expectRevert(abi.encodeWithSelector(IMinimalAccount.OnlyAccount.selector, callers[i]));
            vm.prank(callers[i]);
            account.disallowSessionPaymaster(sessionSigner, address(paymaster));
        }
    }

    /// @dev A wildcard session (which may move every token anyway) may use any paymaster: by
    ///      design, as it may have the account pay.
    function test_wildcardSession_anyPaymaster() public {
        _grant(_wildcardSpec());
        _ownerApprovesPaymaster();
        PackedUserOperation memory op = _opBy(SESSION_PK, _one(address(counter), 0, _inc()));
        op.paymasterAndData = _tokenPaymasterAndData();
        _sign(SESSION_PK, op);
        (uint256 lost,) = _attempt(op);
        vm.assertEq(counter.number(), 1, "ran");
        vm.assertGt(lost, 0, "paid in tokens");
    }
}

contract Paymaster7702Test is PaymasterScenarios {}

contract PaymasterStandaloneTest is PaymasterScenarios {
    function setUp() public override {
        super.setUp();
        _useStandaloneAccount();
    }
}
