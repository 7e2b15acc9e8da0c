// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {vm, Vm} from "./Vm.sol";
import {Base} from "./Base.sol";
import {Call, SessionLib} from "../../types/Types.sol";
import {SessionAccount} from "../../SessionAccount.sol";
import {SessionAccountFactory} from "../../SessionAccountFactory.sol";
import {TestPaymaster} from "../../fixtures/TestPaymaster.sol";
import {IEntryPoint} from "@account-abstraction/contracts/interfaces/IEntryPoint.sol";
import {IAccountExecute} from "@account-abstraction/contracts/interfaces/IAccountExecute.sol";
import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";

/// @notice Shared set-up for ERC-4337 tests: the published EntryPoint v0.8 build deployed at its
///         canonical address the way it is deployed on chain (through the deterministic
///         deployment proxy with the published salt), the account factory, a TestPaymaster with
///         a deposit (the account never pays gas for a scoped session key: such ops must name a
///         paymaster), and helpers to build, sign and submit user operations and to read their
///         outcome from the logs.
abstract contract UserOpBase is Base {
    IEntryPoint internal constant ENTRY_POINT = IEntryPoint(0x4337084D9E255Ff0702461CF8895CE9E3b5Ff108);
    /// @dev Arachnid's deterministic deployment proxy and its runtime code.
    address internal constant DETERMINISTIC_DEPLOYER = 0x4e59b44847b379578588920cA78FbF26c0B4956C;
    bytes internal constant DETERMINISTIC_DEPLOYER_CODE =
        hex"7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe03601600081602082378035828234f58015156039578182fd5b8082525050506014600cf3";
    /// @dev The salt EntryPoint v0.8 was deployed with.
    bytes32 internal constant ENTRY_POINT_SALT = 0x0a59dbff790c23c976a548690c27297883cc66b4c67024f9117b0238995e35e9;
    string internal constant ENTRY_POINT_ARTIFACT =
        "node_modules/@account-abstraction/contracts/artifacts/EntryPoint.json";

    /// @dev The initCode of a 7702 sender (EntryPoint v0.8 `INITCODE_EIP7702_MARKER`, padded to
    ///      20 bytes): the userOpHash then commits to the sender's delegate.
    bytes20 internal constant INITCODE_EIP7702_MARKER = bytes20(bytes2(0x7702));

    bytes32 internal constant PACKED_USEROP_TYPEHASH = keccak256(
        "PackedUserOperation(address sender,uint256 nonce,bytes initCode,bytes callData,bytes32 accountGasLimits,uint256 preVerificationGas,bytes32 gasFees,bytes paymasterAndData)"
    );

    uint256 internal constant STRANGER_PK = 0x5742A4E;
    uint256 internal constant VERIFICATION_GAS = 300_000;
    uint256 internal constant CALL_GAS = 300_000;
    uint256 internal constant PRE_VERIFICATION_GAS = 50_000;
    uint256 internal constant MAX_FEE = 1 gwei;
    /// @dev paymasterAndData gas limits for the TestPaymaster: its validation uses a few
    ///      thousand gas; it returns an empty context, so postOp is never called.
    uint256 internal constant PAYMASTER_VERIFICATION_GAS = 50_000;
    uint256 internal constant PAYMASTER_POST_OP_GAS = 0;
    uint256 internal constant PAYMASTER_DEPOSIT = 10 ether;

    bytes32 internal constant SALT = keccak256("sessionkit salt");

    address payable internal beneficiary = payable(address(0xBE4EF));
    address internal stranger;
    SessionAccountFactory internal factory;
    TestPaymaster internal paymaster;

    /// @dev The outcome of one user operation, from the EntryPoint's logs.
    struct Outcome {
        bytes32 userOpHash;
        bool success;
        uint256 actualGasCost;
        uint256 actualGasUsed;
        bool hasRevertReason;
        bytes revertReason;
    }

    function setUp() public virtual override {
        super.setUp();
        stranger = vm.addr(STRANGER_PK);
        _deployEntryPoint();
        factory = new SessionAccountFactory(address(implementation));
        paymaster = new TestPaymaster();
        paymaster.deposit{value: PAYMASTER_DEPOSIT}();
        vm.label(address(ENTRY_POINT), "EntryPoint");
        vm.label(address(factory), "SessionAccountFactory");
        vm.label(address(paymaster), "TestPaymaster");
    }

    /// @dev Deploys the published EntryPoint v0.8 init code through the deterministic deployer.
    function _deployEntryPoint() internal {
        if (address(ENTRY_POINT).code.length != 0) return;
        vm.etch(DETERMINISTIC_DEPLOYER, DETERMINISTIC_DEPLOYER_CODE);
        bytes memory initCode = vm.parseJsonBytes(vm.readFile(ENTRY_POINT_ARTIFACT), ".bytecode");
        (bool ok, bytes memory ret) = DETERMINISTIC_DEPLOYER.call(abi.encodePacked(ENTRY_POINT_SALT, initCode));
        vm.assertTrue(ok, "EntryPoint deployment");
        vm.assertEq(address(bytes20(ret)), address(ENTRY_POINT), "EntryPoint at its canonical address");
        vm.assertTrue(address(ENTRY_POINT).code.length != 0, "EntryPoint has code");
    }

    /// @dev Makes `account` the standalone account of the owner (factory clone), funded like
    ///      the 7702 account of Base.
    function _useStandaloneAccount() internal {
        account = SessionAccount(payable(factory.createAccount(ownerAddr, SALT)));
        vm.label(address(account), "standalone account");
        token.mint(address(account), 1_000_000 ether);
        vm.deal(address(account), 100 ether);
    }

    // ------------------------------------------------------------------
    //  Building and signing
    // ------------------------------------------------------------------

    /// @dev `executeUserOp.selector ‖ abi.encode(calls)`.
    function _batch(Call[] memory calls) internal pure returns (bytes memory) {
        return abi.encodePacked(IAccountExecute.executeUserOp.selector, abi.encode(calls));
    }

    /// @dev An unsigned user operation of `sender` running `calls`, at its next nonce (key 0).
    function _op(address sender, Call[] memory calls) internal view returns (PackedUserOperation memory op) {
        op.sender = sender;
        op.nonce = ENTRY_POINT.getNonce(sender, 0);
        op.callData = _batch(calls);
        op.accountGasLimits = bytes32((VERIFICATION_GAS << 128) | CALL_GAS);
        op.preVerificationGas = PRE_VERIFICATION_GAS;
        op.gasFees = bytes32((MAX_FEE << 128) | MAX_FEE);
    }

    /// @dev The nonce key the signer of `pk` uses on the account: 0 for the owner, the signer's
    ///      address for a session key (the account requires it of session operations).
    function _nonceKey(uint256 pk) internal pure returns (uint192) {
        return pk == OWNER_PK ? 0 : uint192(uint160(vm.addr(pk)));
    }

    /// @dev An unsigned user operation of the account running `calls`, at the next nonce of the
    ///      nonce key of `pk`'s signer.
    function _opBy(uint256 pk, Call[] memory calls) internal view returns (PackedUserOperation memory op) {
        op = _op(address(account), calls);
        op.nonce = ENTRY_POINT.getNonce(address(account), _nonceKey(pk));
    }

    /// @dev A user operation of the account running `calls`, signed with `pk` (at its nonce key).
    function _signedOp(uint256 pk, Call[] memory calls) internal view returns (PackedUserOperation memory op) {
        op = _opBy(pk, calls);
        _sign(pk, op);
    }

    /// @dev The TestPaymaster's paymasterAndData (v0.8): paymaster ‖ uint128 verification gas
    ///      limit ‖ uint128 postOp gas limit, no paymaster data.
    function _paymasterAndData() internal view returns (bytes memory) {
        return abi.encodePacked(address(paymaster), uint128(PAYMASTER_VERIFICATION_GAS), uint128(PAYMASTER_POST_OP_GAS));
    }

    /// @dev A user operation of the account running `calls`, paid for by the TestPaymaster and
    ///      signed with `pk` (a scoped session key's ops must be so).
    function _sponsoredOp(uint256 pk, Call[] memory calls) internal view returns (PackedUserOperation memory op) {
        op = _opBy(pk, calls);
        op.paymasterAndData = _paymasterAndData();
        _sign(pk, op);
    }

    function _sign(uint256 pk, PackedUserOperation memory op) internal view {
        op.signature = _signDigest(pk, ENTRY_POINT.getUserOpHash(op));
    }

    /// @dev EntryPoint v0.8's userOpHash, computed independently: the EIP-712 digest of
    ///      PackedUserOperation under the domain ("ERC4337", "1", chainId, EntryPoint), with
    ///      `initCodeHash` in place of keccak256(initCode) (for a 7702 sender: keccak256 of the
    ///      delegate address).
    function _userOpHash(PackedUserOperation memory op, bytes32 initCodeHash) internal view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(
                PACKED_USEROP_TYPEHASH,
                op.sender,
                op.nonce,
                initCodeHash,
                keccak256(op.callData),
                op.accountGasLimits,
                op.preVerificationGas,
                op.gasFees,
                keccak256(op.paymasterAndData)
            )
        );
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("ERC4337"),
                keccak256("1"),
                block.chainid,
                address(ENTRY_POINT)
            )
        );
        return keccak256(abi.encodePacked(hex"1901", domain, structHash));
    }

    // ------------------------------------------------------------------
    //  Submitting
    // ------------------------------------------------------------------

    function _ops(PackedUserOperation memory op) internal pure returns (PackedUserOperation[] memory ops) {
        ops = new PackedUserOperation[](1);
        ops[0] = op;
    }

    /// @dev Grants `spec` and, for a scoped session, has the owner allow the TestPaymaster for
    ///      it (uncapped), as an owner does for the sponsor its session keys use: a scoped
    ///      session's op validates only with a paymaster the owner allowed for it.
    function _grant(SessionLib.SessionSpec memory spec) internal virtual override {
        super._grant(spec);
        if (!spec.isWildcard) _allowPaymaster(spec.signer, address(paymaster), type(uint256).max);
    }

    /// @dev The owner allows `pm` for `signer`'s session at `maxCostPerOp`.
    function _allowPaymaster(address signer, address pm, uint256 maxCostPerOp) internal {
        vm.prank(ownerAddr);
        account.allowSessionPaymaster(signer, pm, maxCostPerOp);
    }

    /// @dev Submits `op` alone (the bundler is an unrelated address) and returns its outcome.
    function _handle(PackedUserOperation memory op) internal returns (Outcome memory) {
        return _handleAll(_ops(op))[0];
    }

    /// @dev Submits `ops` as one bundle and returns each one's outcome.
    function _handleAll(PackedUserOperation[] memory ops) internal returns (Outcome[] memory out) {
        out = new Outcome[](ops.length);
        for (uint256 i; i < ops.length; ++i) {
            out[i].userOpHash = ENTRY_POINT.getUserOpHash(ops[i]);
        }
        vm.recordLogs();
        vm.prank(beneficiary, beneficiary);
        ENTRY_POINT.handleOps(ops, beneficiary);
        _readOutcomes(out);
    }

    /// @dev Fills `out` from the recorded EntryPoint logs.
    function _readOutcomes(Outcome[] memory out) internal {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            Vm.Log memory l = logs[i];
            if (l.emitter != address(ENTRY_POINT) || l.topics.length < 2) continue;
            for (uint256 j; j < out.length; ++j) {
                if (l.topics[1] != out[j].userOpHash) continue;
                if (l.topics[0] == IEntryPoint.UserOperationEvent.selector) {
                    (, out[j].success, out[j].actualGasCost, out[j].actualGasUsed) =
                        abi.decode(l.data, (uint256, bool, uint256, uint256));
                } else if (l.topics[0] == IEntryPoint.UserOperationRevertReason.selector) {
                    (, out[j].revertReason) = abi.decode(l.data, (uint256, bytes));
                    out[j].hasRevertReason = true;
                }
            }
        }
    }

    /// @dev Submits `op` and requires it to succeed.
    function _handleOk(PackedUserOperation memory op) internal returns (Outcome memory o) {
        o = _handle(op);
        vm.assertTrue(o.success, "user operation succeeded");
        vm.assertFalse(o.hasRevertReason, "no revert reason");
    }

    /// @dev Submits `op` and requires its execution to revert with exactly `reason`.
    function _handleReverts(PackedUserOperation memory op, bytes memory reason) internal returns (Outcome memory o) {
        o = _handle(op);
        vm.assertFalse(o.success, "user operation reverted in execution");
        vm.assertTrue(o.hasRevertReason, "UserOperationRevertReason emitted");
        vm.assertEq(o.revertReason, reason, "revert reason");
    }

    /// @dev Requires the EntryPoint to reject `op` (bundle reverts) with FailedOp(0, reason).
    function _expectFailedOp(PackedUserOperation memory op, string memory reason) internal {
        vm.expectRevert(abi.encodeWithSelector(IEntryPoint.FailedOp.selector, 0, reason));
        vm.prank(beneficiary, beneficiary);
        ENTRY_POINT.handleOps(_ops(op), beneficiary);
    }

    // ------------------------------------------------------------------
    //  Sessions used by the 4337 tests
    // ------------------------------------------------------------------

    /// @dev The README's session: token.transfer to `other` only, at most 1,000 tokens per call
    ///      and 1,500 in the session's life; native value to `receiver` up to 1 ether per call.
    function _transferSession() internal returns (SessionLib.SessionSpec memory spec) {
        spec = _spec();
        SessionLib.CallSpec memory c = _addCall(spec, address(token), token.transfer.selector, 0, _unlimited());
        _addConstraint(c, _constraint(SessionLib.Condition.Equal, 0, bytes32(uint256(uint160(other)))));
        _addConstraint(
            c, _constraint(SessionLib.Condition.LessOrEqual, 1, bytes32(uint256(1000 ether)), _lifetime(1500 ether))
        );
        _addTransfer(spec, address(receiver), 1 ether, _lifetime(10 ether));
    }

    /// @dev Hash of the session's remaining limits (to assert that a denial charged nothing).
    function _stateHash(address signer) internal view returns (bytes32) {
        return keccak256(abi.encode(account.getSessionStateForSigner(signer)));
    }
}
