// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {vm, Vm} from "./utils/Vm.sol";
import {UserOpBase} from "./utils/UserOpBase.sol";
import {SessionLib} from "../types/Types.sol";
import {SessionAccount} from "../SessionAccount.sol";
import {AccountStorage} from "../libraries/AccountStorage.sol";
import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";

/// @notice ERC-7562 validation rules for the account's `validateUserOp` (both deployments) and
///         for the factory's `createAccount` as the EntryPoint's SenderCreator calls it.
///
///         Two checks:
///         1. Structural, always run: validation under two very different environments (time,
///            block number, base fee, prevrandao, coinbase, gas price; the second one after every
///            session's expiry) returns the same validationData and makes the same storage
///            accesses, and the only storage it touches is the signer's session header in the
///            account's own namespace (nothing for the owner).
///         2. Opcode-level, run when forge has its tracer on (`-vvv` or more; skipped otherwise):
///            every EVM step of validation recorded with `startDebugTraceRecording` is checked
///            against the banned opcodes (OP-011), GAS only before a call (OP-012), no out of
///            gas (OP-020), code-bearing targets for EXTCODE* and calls (OP-041, OP-062), the
///            EntryPoint only called with empty calldata (OP-053/054), storage only the
///            account's own expected slots (STO-010), and for the factory one CREATE2 that
///            creates the sender (OP-031) and no storage at all.
///         The cases cover ops with and without the TestPaymaster in paymasterAndData (a scoped
///         session's op validates only with a paymaster the owner allowed for it: the account
///         reads paymasterAndData from calldata and the allowed paymasters from the session's
///         data contract, whose code EXTCODECOPY reads; no storage but the header). The
///         paymaster is a separate entity: its own validation is not the account's and is not
///         scanned here.
///         `SESSIONKIT_OPCODE_SCAN=1 forge test --match-path contracts/test/Erc7562.t.sol -vvv`
///         (tools/test runs it so); a plain `forge test` reports the two scans as skipped.
contract Erc7562Test is UserOpBase {
    uint256 internal constant WILDCARD_PK = 0x3C11D;
    uint256 internal constant FAR_PK = 0xFA2;

    struct Case {
        string name;
        SessionAccount account;
        PackedUserOperation op;
        bytes32 hash;
        /// Whether validation succeeds (no signature failure in validationData).
        bool valid;
        /// The storage slots of the account validation must read (and nothing else).
        bytes32[] slots;
    }

    struct Env {
        uint256 timestamp;
        uint256 blockNumber;
        uint256 basefee;
        bytes32 prevrandao;
        address coinbase;
        uint256 gasPrice;
    }

    /// @dev The session header slot of `signer`: `sessions[signer]`, member 0 of the namespace.
    function _headerSlot(address signer) internal pure returns (bytes32) {
        return keccak256(abi.encode(signer, AccountStorage.SLOT));
    }

    function _one(bytes32 slot) internal pure returns (bytes32[] memory slots) {
        slots = new bytes32[](1);
        slots[0] = slot;
    }

    /// @dev Grants, on the current `account`, a granular session (the README's), a wildcard
    ///      session, and a session whose expiry lives in its data contract.
    function _grantAll() internal {
        _grant(_transferSession());
        SessionLib.SessionSpec memory w = _wildcardSpec();
        w.signer = vm.addr(WILDCARD_PK);
        _grant(w);
        SessionLib.SessionSpec memory far = _transferSession();
        far.signer = vm.addr(FAR_PK);
        far.expiresAt = type(uint256).max;
        _grant(far);
    }

    /// @dev `sponsored`: the op names the TestPaymaster (as a scoped session's op must). The
    ///      paymaster is a separate entity: its own validation is not the account's, and the
    ///      account's only reads paymasterAndData from calldata.
    function _case(
        string memory name,
        bool valid,
        uint256 pk,
        bytes memory callData,
        bool sponsored,
        bytes32[] memory slots
    ) internal view returns (Case memory c) {
        c.name = name;
        c.valid = valid;
        c.account = account;
        c.op = _op(_acc(), _one(address(token), 0, _transferData(other, 1 ether)));
        if (pk != 0) c.op.nonce = ENTRY_POINT.getNonce(_acc(), _nonceKey(pk));
        if (callData.length != 0) c.op.callData = callData;
        if (sponsored) c.op.paymasterAndData = _paymasterAndData();
        c.hash = ENTRY_POINT.getUserOpHash(c.op);
        c.op.signature = pk == 0 ? new bytes(64) : _signDigest(pk, c.hash);
        c.slots = slots;
    }

    /// @dev The cases of the current `account`.
    function _casesOf(Case[] memory cs, uint256 at) internal returns (uint256) {
        _grantAll();
        bytes32[] memory none = new bytes32[](0);
        bytes memory executeCall =
            abi.encodeCall(SessionAccount.execute, (_one(address(counter), 0, abi.encodeWithSignature("increment()"))));
        bytes32[] memory session = _one(_headerSlot(sessionSigner));
        bytes32[] memory wildcard = _one(_headerSlot(vm.addr(WILDCARD_PK)));
        cs[at++] = _case("owner", true, OWNER_PK, "", false, none);
        cs[at++] = _case("owner, paymaster", true, OWNER_PK, "", true, none);
        cs[at++] = _case("session", true, SESSION_PK, "", true, session);
        cs[at++] = _case("session, no paymaster", false, SESSION_PK, "", false, session);
        cs[at++] = _case("wildcard session", true, WILDCARD_PK, "", false, wildcard);
        cs[at++] = _case("wildcard session, paymaster", true, WILDCARD_PK, "", true, wildcard);
        cs[at++] = _case("session, expiry in data", true, FAR_PK, "", true, _one(_headerSlot(vm.addr(FAR_PK))));
        cs[at++] = _case("session, execute callData", false, SESSION_PK, executeCall, true, session);
        Case memory k = _case("session, owner's nonce key", false, SESSION_PK, "", true, session);
        k.op.nonce = 0;
        k.hash = ENTRY_POINT.getUserOpHash(k.op);
        k.op.signature = _signDigest(SESSION_PK, k.hash);
        cs[at++] = k;
        Case memory np = _case("session, paymaster not allowed", false, SESSION_PK, "", true, session);
        np.op.paymasterAndData = abi.encodePacked(address(token), uint128(PAYMASTER_VERIFICATION_GAS), uint128(0));
        np.hash = ENTRY_POINT.getUserOpHash(np.op);
        np.op.signature = _signDigest(SESSION_PK, np.hash);
        cs[at++] = np;
        cs[at++] = _case("stranger", false, STRANGER_PK, "", true, _one(_headerSlot(stranger)));
        cs[at++] = _case("malformed signature", false, 0, "", false, _one(_headerSlot(address(0))));
        return at;
    }

    /// @dev Every case on the 7702 account and on a standalone account.
    function _cases() internal returns (Case[] memory cs) {
        cs = new Case[](24);
        uint256 n = _casesOf(cs, 0);
        _useStandaloneAccount();
        n = _casesOf(cs, n);
        vm.assertEq(n, cs.length, "case count");
    }

    function _envs() internal pure returns (Env[2] memory) {
        return [
            Env(START, 1, 0, bytes32(uint256(1)), address(0xC0), 0),
            Env(START + 3650 days, 50_000_000, 500 gwei, keccak256("x"), address(0xBEEF), 1000 gwei)
        ];
    }

    function _enter(Env memory e) internal {
        vm.warp(e.timestamp);
        vm.roll(e.blockNumber);
        vm.fee(e.basefee);
        vm.prevrandao(e.prevrandao);
        vm.coinbase(e.coinbase);
        vm.txGasPrice(e.gasPrice);
    }

    // ------------------------------------------------------------------
    //  1. Structural
    // ------------------------------------------------------------------

    /// @dev Validates `c` in `e` (as the EntryPoint, with `missing` to pay) under vm.record.
    function _validateIn(Case memory c, Env memory e, uint256 missing)
        internal
        returns (uint256 validationData, bytes32[] memory reads, bytes32[] memory writes)
    {
        uint256 snap = vm.snapshotState();
        _enter(e);
        vm.record();
        vm.prank(address(ENTRY_POINT));
        validationData = c.account.validateUserOp(c.op, c.hash, missing);
        (reads, writes) = vm.accesses(address(c.account));
        // Nothing else of ours is touched (the implementation, the factory, the fixtures).
        address[5] memory others = [address(implementation), address(factory), address(token), address(counter), other];
        for (uint256 i; i < others.length; ++i) {
            (bytes32[] memory r, bytes32[] memory w) = vm.accesses(others[i]);
            vm.assertEq(r.length + w.length, 0, string.concat(c.name, ": storage of another contract"));
        }
        vm.revertToState(snap);
    }

    function test_validation_environmentIndependent_ownStorageOnly() public {
        Case[] memory cs = _cases();
        Env[2] memory envs = _envs();
        for (uint256 i; i < cs.length; ++i) {
            Case memory c = cs[i];
            (uint256 vd0, bytes32[] memory r0, bytes32[] memory w0) = _validateIn(c, envs[0], 0);
            (uint256 vd1, bytes32[] memory r1, bytes32[] memory w1) = _validateIn(c, envs[1], 0);
            vm.assertEq(vd0, vd1, string.concat(c.name, ": validationData depends on the environment"));
            vm.assertEq(uint160(vd0) == 0, c.valid, string.concat(c.name, ": validity"));
            vm.assertEq(abi.encode(r0), abi.encode(r1), string.concat(c.name, ": reads depend on the environment"));
            vm.assertEq(abi.encode(r0), abi.encode(c.slots), string.concat(c.name, ": storage read"));
            vm.assertEq(w0.length + w1.length, 0, string.concat(c.name, ": storage written"));

            // Paying the prefund touches only the EntryPoint's deposit of the account.
            (uint256 vd2, bytes32[] memory r2, bytes32[] memory w2) = _validateIn(c, envs[1], 1 gwei);
            vm.assertEq(vd2, vd0, string.concat(c.name, ": validationData with a payment"));
            vm.assertEq(abi.encode(r2), abi.encode(c.slots), string.concat(c.name, ": reads with a payment"));
            vm.assertEq(w2.length, 0, string.concat(c.name, ": writes with a payment"));
        }
    }

    // ------------------------------------------------------------------
    //  2. Opcode-level
    // ------------------------------------------------------------------

    /// @dev Whether forge's tracer is on (it is with -vvv): the recording cheatcode fails
    ///      otherwise. With SESSIONKIT_OPCODE_SCAN=1 (as tools/test runs this file) a missing
    ///      tracer is a failure, not a skip.
    function _tracing() internal returns (bool ok) {
        (ok,) = address(vm).call(abi.encodeCall(Vm.startDebugTraceRecording, ()));
        if (ok) vm.stopAndReturnDebugTraceRecording();
        else vm.assertFalse(vm.envOr("SESSIONKIT_OPCODE_SCAN", false), "SESSIONKIT_OPCODE_SCAN=1 needs -vvv");
    }

    function _isCall(uint8 op) internal pure returns (bool) {
        return op == 0xF1 || op == 0xF2 || op == 0xF4 || op == 0xFA;
    }

    /// @dev OP-011 (plus CREATE/CREATE2, which only a factory may use, OP-031/032).
    function _banned(uint8 op) internal pure returns (bool) {
        return op == 0x31 // BALANCE
            || op == 0x32 // ORIGIN
            || op == 0x3A // GASPRICE
            || (op >= 0x40 && op <= 0x45) // BLOCKHASH COINBASE TIMESTAMP NUMBER PREVRANDAO GASLIMIT
            || op == 0x47 // SELFBALANCE
            || op == 0x48 // BASEFEE
            || op == 0x49 // BLOBHASH
            || op == 0x4A // BLOBBASEFEE
            || op == 0xF0 // CREATE
            || op == 0xF5 // CREATE2
            || op == 0xFE // INVALID
            || op == 0xFF; // SELFDESTRUCT
    }

    function _codeOrPrecompile(address target) internal view returns (bool) {
        return uint160(target) >= 1 && uint160(target) <= 0x11 || target.code.length != 0;
    }

    /// @dev Checks the recorded steps of one entity's validation frames (the test contract's own
    ///      frame and the EntryPoint's, which ERC-7562 does not restrict, are skipped).
    ///      `sender`: the account (storage owner of `slots`); `allowCreate2`: a factory frame.
    ///      Returns the number of CREATE2 steps.
    function _scan(
        string memory name,
        Vm.DebugStep[] memory steps,
        address sender,
        bytes32[] memory slots,
        bool allowCreate2
    ) internal view returns (uint256 create2s) {
        uint256 storageOps;
        for (uint256 i; i < steps.length; ++i) {
            Vm.DebugStep memory s = steps[i];
            if (s.contractAddr == address(this) || s.contractAddr == address(ENTRY_POINT)) continue;
            uint8 op = s.opcode;
            vm.assertFalse(s.isOutOfGas, string.concat(name, ": out of gas (OP-020)"));
            if (op == 0xF5 && allowCreate2) {
                ++create2s;
            } else {
                vm.assertFalse(_banned(op), string.concat(name, ": banned opcode (OP-011) ", vm.toString(op)));
            }
            if (op == 0x5A) {
                vm.assertTrue(
                    i + 1 < steps.length && _isCall(steps[i + 1].opcode),
                    string.concat(name, ": GAS not followed by a call (OP-012)")
                );
            }
            if (op == 0x3B || op == 0x3C || op == 0x3F) {
                address target = address(uint160(s.stack[0]));
                vm.assertTrue(
                    target == sender || target.code.length != 0, string.concat(name, ": EXTCODE* of an empty address")
                );
            }
            if (_isCall(op)) {
                address target = address(uint160(s.stack[1]));
                vm.assertTrue(_codeOrPrecompile(target), string.concat(name, ": call to an empty address (OP-041)"));
                if (target == address(ENTRY_POINT)) {
                    vm.assertTrue(
                        op == 0xF1 && s.memoryInput.length == 0,
                        string.concat(name, ": EntryPoint called other than to pay it (OP-053/054)")
                    );
                }
            }
            if (op == 0x54 || op == 0x55 || op == 0x5C || op == 0x5D) {
                ++storageOps;
                vm.assertTrue(op == 0x54, string.concat(name, ": storage written or transient storage used"));
                vm.assertEq(s.contractAddr, sender, string.concat(name, ": storage of another contract (STO-010)"));
                bool expected;
                for (uint256 k; k < slots.length; ++k) {
                    if (bytes32(s.stack[0]) == slots[k]) expected = true;
                }
                vm.assertTrue(expected, string.concat(name, ": unexpected storage slot"));
            }
        }
        vm.assertEq(storageOps, slots.length, string.concat(name, ": number of storage reads"));
    }

    function test_validation_opcodeScan() public {
        if (!_tracing()) {
            vm.skip(true, "the opcode scan needs forge's tracer: run with -vvv");
            return;
        }
        Case[] memory cs = _cases();
        for (uint256 i; i < cs.length; ++i) {
            // One external call per case: the recorded steps' memory is freed after each.
            this.scanCase(cs[i]);
        }
    }

    /// @dev Records and scans the validation of one case (called by test_validation_opcodeScan).
    function scanCase(Case memory c) external {
        vm.startDebugTraceRecording();
        vm.prank(address(ENTRY_POINT));
        c.account.validateUserOp(c.op, c.hash, 1 gwei);
        Vm.DebugStep[] memory steps = vm.stopAndReturnDebugTraceRecording();
        vm.assertGt(steps.length, 100, "recorded");
        _scan(c.name, steps, address(c.account), c.slots, false);
    }

    function test_factory_opcodeScan() public {
        if (!_tracing()) {
            vm.skip(true, "the opcode scan needs forge's tracer: run with -vvv");
            return;
        }
        address predicted = factory.getAddress(stranger, SALT);
        address senderCreator = address(ENTRY_POINT.senderCreator());
        vm.startDebugTraceRecording();
        vm.prank(senderCreator);
        address created = factory.createAccount(stranger, SALT);
        Vm.DebugStep[] memory steps = vm.stopAndReturnDebugTraceRecording();
        vm.assertEq(created, predicted, "created the sender");
        vm.assertEq(_scan("factory", steps, predicted, new bytes32[](0), true), 1, "one CREATE2 (OP-031)");
    }
}
