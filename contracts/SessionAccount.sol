// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {ERC1271} from "solady/accounts/ERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IAccount} from "@account-abstraction/contracts/interfaces/IAccount.sol";
import {IAccountExecute} from "@account-abstraction/contracts/interfaces/IAccountExecute.sol";
import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {_packValidationData, SIG_VALIDATION_FAILED} from "@account-abstraction/contracts/core/Helpers.sol";

import {Call, WrappedCalls, SessionLib} from "./types/Types.sol";
import {IMinimalAccount} from "./interfaces/IMinimalAccount.sol";
import {AccountStorage} from "./libraries/AccountStorage.sol";
import {SessionCodec} from "./libraries/SessionCodec.sol";
import {SessionHashes} from "./libraries/SessionHashes.sol";
import {SessionViews} from "./libraries/SessionViews.sol";
import {PolicyEngine} from "./libraries/PolicyEngine.sol";

/// @title SessionAccount
/// @notice A session-key account, wire-compatible with thirdweb's MinimalAccount interface,
///         and an ERC-4337 account for EntryPoint v0.8. One engine, two deployments:
///         - an ERC-7702 smart EOA: the EOA delegates to this code and its own key is the owner
///           (the account's address);
///         - a standalone account: an ERC-1167 clone of this code deployed by
///           SessionAccountFactory with the owner appended to the clone's code as an immutable
///           argument, so the owner is fixed at deployment and there is no initializer.
///         The owner grants session keys that may call only named targets and functions, with
///         per-call and cumulative value caps, conditions and limits on call parameters, until
///         an expiry. The account never pays gas for a scoped session key, in any asset: a
///         user operation of a session that is not wildcard must be paid for by a paymaster the
///         owner allowed for that session (see validateUserOp, allowSessionPaymaster).
/// @dev All state lives in the ERC-7201 namespace of AccountStorage. A session's policies are
///      stored as the code of a data contract (SessionCodec), read with one EXTCODECOPY.
contract SessionAccount is IMinimalAccount, IAccount, IAccountExecute, ERC1271 {
    /// @dev The canonical ERC-4337 EntryPoint v0.8.
    address internal constant ENTRY_POINT = 0x4337084D9E255Ff0702461CF8895CE9E3b5Ff108;

    /// @dev Runtime size of a solady LibClone ERC-1167 clone with immutable args (45 bytes)
    ///      plus the 20-byte owner: the code of a factory-deployed account.
    uint256 private constant CLONE_CODE_SIZE = 65;
    /// @dev Where the owner starts in that code (after the 45-byte clone runtime).
    uint256 private constant CLONE_ARGS_OFFSET = 45;

    // ------------------------------------------------------------------
    //  Receiving
    // ------------------------------------------------------------------

    /// @notice Accepts native value and emits ValueReceived.
    receive() external payable {
        emit ValueReceived(msg.sender, msg.value);
    }

    /// @notice ERC-721 receiver hook: accepts every token.
    function onERC721Received(address, address, uint256, bytes calldata) external returns (bytes4) {
        return this.onERC721Received.selector;
    }

    /// @notice ERC-1155 receiver hook: accepts every token.
    function onERC1155Received(address, address, uint256, uint256, bytes calldata) external returns (bytes4) {
        return this.onERC1155Received.selector;
    }

    /// @notice ERC-1155 batch receiver hook: accepts every token.
    function onERC1155BatchReceived(address, address, uint256[] calldata, uint256[] calldata, bytes calldata)
        external
        returns (bytes4)
    {
        return this.onERC1155BatchReceived.selector;
    }

    /// @notice ERC-165: ERC-165 itself, the ERC-721 and ERC-1155 receivers, and ERC-1271.
    function supportsInterface(bytes4 interfaceId) external view returns (bool) {
        return interfaceId == 0x01ffc9a7 // ERC-165
            || interfaceId == 0x150b7a02 // ERC-721 receiver
            || interfaceId == 0x4e2312e0 // ERC-1155 receiver
            || interfaceId == 0x1626ba7e; // ERC-1271
    }

    // ------------------------------------------------------------------
    //  Execution
    // ------------------------------------------------------------------

    /// @inheritdoc IMinimalAccount
    /// @dev Order of checks, cheapest first for the hot paths: the 7702 owner (the account
    ///      calling itself), then the caller's session header, and only when the caller has no
    ///      session the standalone owner (`_owner()`, read from the account's code).
    function execute(Call[] calldata calls) external payable {
        if (msg.sender != address(this)) {
            AccountStorage.Layout storage $ = AccountStorage.get();
            uint256 header = $.sessions[msg.sender];
            if (header != 0) {
                if (calls.length == 0) revert NoCallsToExecute();
                PolicyEngine.enforce($, header, 0, calls);
                _run(calls);
                return;
            }
            if (msg.sender != _owner()) revert InvalidSignature(msg.sender, address(this));
        }
        if (calls.length == 0) revert NoCallsToExecute();
        _run(calls);
    }

    /// @inheritdoc IMinimalAccount
    function executeWithSig(WrappedCalls calldata wrappedCalls, bytes calldata signature) external payable {
        address signer = _recover(_hashTypedData(SessionHashes.hash(wrappedCalls)), signature);
        AccountStorage.Layout storage $ = AccountStorage.get();
        uint256 header;
        if (signer != _owner()) {
            header = $.sessions[signer];
            if (header == 0) revert InvalidSignature(signer, address(this));
        }
        // Keyed by signer: no signer can use up a uid that another one signed.
        _useUid($, keccak256(abi.encode(signer, wrappedCalls.uid)));
        if (wrappedCalls.calls.length == 0) revert NoCallsToExecute();
        if (header != 0) PolicyEngine.enforce($, header, 0, wrappedCalls.calls);
        _run(wrappedCalls.calls);
    }

    /// @dev Runs every call; any failure reverts the batch (and every usage charged for it).
    ///      Every path that runs a batch (execute, executeWithSig, executeUserOp) runs it here.
    ///      `Call` has no gas field (the interface fixes it), so whoever pays for the transaction
    ///      (a relayer of executeWithSig, a bundler) chooses the gas the calls get. A call that
    ///      comes back with less than 1/64 of the gas the account had before it used up all it
    ///      was given (EIP-150 keeps 1/64 back): it may have been starved, so the batch reverts
    ///      with CallStarved (the rule the EntryPoint and Safe apply to their inner calls), and
    ///      a signed batch or its uid is never spent on a starved call.
    ///      False positive: a call that legitimately uses nearly all the gas it was given is
    ///      refused too: give the transaction more gas. Not detected: a callee that catches a
    ///      starved call of its own keeps 1/64 of its gas back and returns with it, so a
    ///      starvation deeper down is seen only when the callee spends that reserve too.
    function _run(Call[] calldata calls) internal {
        uint256 n = calls.length;
        for (uint256 i; i < n; ++i) {
            Call calldata c = calls[i];
            uint256 gasBefore = gasleft();
            (bool ok,) = c.target.call{value: c.value}(c.data);
            if (gasleft() < gasBefore / 64) revert CallStarved(i, gasBefore, gasleft());
            if (!ok) revert CallReverted();
            emit Executed(c.target, c.value, c.data);
        }
    }

    // ------------------------------------------------------------------
    //  ERC-4337 (EntryPoint v0.8)
    // ------------------------------------------------------------------

    /// @notice The ERC-4337 EntryPoint this account accepts user operations from (v0.8, at its
    ///         canonical address).
    function entryPoint() external pure returns (address) {
        return ENTRY_POINT;
    }

    /// @notice ERC-4337 validation. `userOp.signature` is a 65-byte ECDSA signature of
    ///         `userOpHash` itself (EntryPoint v0.8's hash is already an EIP-712 digest).
    ///         The owner's signature validates with no time range, at any nonce key. A live
    ///         session signer's validates only for `callData` that starts with `executeUserOp`'s
    ///         selector (so a session can never reach another function as the account), only at
    ///         the nonce key equal to the signer's address (`uint192(nonce >> 64) ==
    ///         uint160(signer)`, so a session cannot use up the owner's nonces), with
    ///         `validUntil = expiresAt - 1`; its policies are enforced in `executeUserOp`.
    ///         The account never pays gas for a scoped session key, in any asset: an op signed
    ///         by the signer of a session that is not wildcard validates only if
    ///         `paymasterAndData` (at least its 52-byte static part) names a paymaster the owner
    ///         allowed for that session (allowSessionPaymaster) and the op's maximum cost (its
    ///         required prefund) is within that paymaster's maxCostPerOp. The account's prefund
    ///         and deposit, and whatever a paymaster charges the account (an ERC-20 paymaster the
    ///         owner approved takes its tokens), are outside the session's limits: a session key
    ///         acting as its own bundler and beneficiary could otherwise turn the account's ETH
    ///         or tokens into gas fees paid to itself. A wildcard session, which may move all the
    ///         ETH and tokens anyway, and the owner may have the account or any paymaster pay.
    ///         Anything else returns SIG_VALIDATION_FAILED (a malformed signature never
    ///         reverts). Pays `missingAccountFunds` to the EntryPoint (zero when a paymaster
    ///         pays; when validation fails the EntryPoint rejects the whole bundle, payment
    ///         included).
    /// @dev ERC-7562: reads no environment opcode (no TIMESTAMP, NUMBER, ...), and touches no
    ///      storage but, for a session signer, its own header slot `sessions[signer]` in this
    ///      account's namespace. The nonce-key and wildcard checks read only that header and
    ///      calldata; the paymaster check of a scoped session also reads the code of the
    ///      session's data contract (EXTCODECOPY of a contract that has code, immutable), which
    ///      execution reads anyway. The owner of a standalone account is read from this
    ///      account's own code.
    ///      The paymaster is a separate entity: its own validation is not the account's.
    function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash, uint256 missingAccountFunds)
        external
        returns (uint256 validationData)
    {
        if (msg.sender != ENTRY_POINT) revert OnlyEntryPoint(msg.sender);
        validationData = _validateUserOpSignature(userOp, userOpHash);
        assembly ("memory-safe") {
            // Ignore failure: the EntryPoint then rejects the op for the missing prefund.
            if missingAccountFunds {
                pop(call(gas(), caller(), missingAccountFunds, codesize(), 0x00, codesize(), 0x00))
            }
        }
    }

    /// @notice ERC-4337 execution of a validated user operation whose `callData` is
    ///         `executeUserOp.selector ‖ abi.encode(Call[] calls)`. The signer is recovered
    ///         again from `userOp.signature`: the owner runs the calls; a session signer runs
    ///         them under its SessionSpec exactly as through `execute` (same errors, same usage
    ///         counters), so a denied batch reverts here with the account's own error.
    function executeUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash) external {
        if (msg.sender != ENTRY_POINT) revert OnlyEntryPoint(msg.sender);
        Call[] calldata calls = _userOpCalls(userOp.callData);
        address signer = _recover(userOpHash, userOp.signature);
        if (signer != _owner()) {
            AccountStorage.Layout storage $ = AccountStorage.get();
            uint256 header = $.sessions[signer];
            // The session may have been revoked or replaced since validation (by an earlier
            // operation of the same bundle): it is checked again here.
            if (header == 0) revert InvalidSignature(signer, address(this));
            if (calls.length == 0) revert NoCallsToExecute();
            PolicyEngine.enforce($, header, 0, calls);
        } else if (calls.length == 0) {
            revert NoCallsToExecute();
        }
        _run(calls);
    }

    /// @dev The validation data for `userOp` signed over `userOpHash` (see validateUserOp).
    function _validateUserOpSignature(PackedUserOperation calldata userOp, bytes32 userOpHash)
        private
        view
        returns (uint256)
    {
        address signer = _recover(userOpHash, userOp.signature);
        if (signer == _owner()) return 0;
        uint256 header = AccountStorage.get().sessions[signer];
        if (header == 0) return SIG_VALIDATION_FAILED;
        bytes calldata callData = userOp.callData;
        bytes4 selector;
        assembly ("memory-safe") {
            if gt(callData.length, 3) { selector := calldataload(callData.offset) }
        }
        if (selector != this.executeUserOp.selector) return SIG_VALIDATION_FAILED;
        // A session's operations use its own nonce key, the signer's address (ERC-4337 nonce =
        // key (192 bits) << 64 | sequence): a session key can never use up a sequence number of
        // the owner's keys (key 0 is the owner's) or of another session.
        if (userOp.nonce >> 64 != uint160(signer)) return SIG_VALIDATION_FAILED;
        // The account never pays gas for a scoped session key, in any asset: a paymaster the
        // owner allowed for the session must (the session's value limits cover neither the
        // prefund nor what a paymaster charges the account, e.g. in tokens).
        if (!AccountStorage.isWildcard(header) && !_sessionPaymasterAllowed(userOp, header)) {
            return SIG_VALIDATION_FAILED;
        }
        // The session works while block.timestamp < expiresAt; the EntryPoint accepts while
        // block.timestamp <= validUntil. An expiry kept in the data contract (EXPIRES_IN_DATA)
        // is at least 2^64 - 1, so like any validUntil above 48 bits it means no expiry (0).
        uint256 validUntil = AccountStorage.expiresOf(header) - 1;
        if (validUntil > type(uint48).max) validUntil = 0;
        else if (validUntil == 0) return SIG_VALIDATION_FAILED; // expired since timestamp 1
        return _packValidationData(false, uint48(validUntil), 0);
    }

    /// @dev Whether `userOp` (of the scoped session whose header is `header`) names a paymaster
    ///      the owner allowed for that session, with a maximum cost (the EntryPoint's required
    ///      prefund: the sum of the five gas limits times maxFeePerGas) within that paymaster's
    ///      maxCostPerOp. Reads the session's data contract (code, not storage): execution reads
    ///      it again, warm, so validation moves the cold access rather than adding one.
    function _sessionPaymasterAllowed(PackedUserOperation calldata userOp, uint256 header)
        private
        view
        returns (bool ok)
    {
        bytes calldata pmd = userOp.paymasterAndData;
        address pointer = AccountStorage.pointerOf(header);
        uint256 length = AccountStorage.lengthOf(header);
        assembly ("memory-safe") {
            // The paymaster and its two gas limits (the EntryPoint's minimum for a paymaster).
            if gt(pmd.length, 51) {
                // The session's encoding, in temporary memory past the free memory pointer.
                let m := mload(0x40)
                extcodecopy(pointer, m, 0, length)
                // Its paymaster trailer (SessionCodec: flags bit 1; entries of 52 bytes, the
                // count, the origin): the entry of the op's paymaster.
                let found := 0
                let maxCost := 0
                if and(byte(0, mload(add(m, 1))), 2) {
                    let end := add(m, sub(length, 21))
                    let paymaster := shr(96, calldataload(pmd.offset))
                    for { let e := sub(end, mul(byte(0, mload(end)), 52)) } lt(e, end) { e := add(e, 52) } {
                        if eq(shr(96, mload(e)), paymaster) {
                            found := 1
                            maxCost := mload(add(e, 20))
                            break
                        }
                    }
                }
                let low := 0xffffffffffffffffffffffffffffffff
                // The static fields of PackedUserOperation, at their fixed places in its tuple.
                let accountGasLimits := calldataload(add(userOp, 0x80))
                let preVerificationGas := calldataload(add(userOp, 0xa0))
                let gasFees := calldataload(add(userOp, 0xc0))
                let pmGasLimits := calldataload(add(pmd.offset, 20))
                // Four 128-bit limits: no overflow; preVerificationGas may be anything.
                let limits :=
                    add(
                        add(shr(128, accountGasLimits), and(accountGasLimits, low)),
                        add(shr(128, pmGasLimits), and(pmGasLimits, low))
                    )
                let gas_ := add(limits, preVerificationGas)
                let maxFeePerGas := and(gasFees, low)
                // gas_ * maxFeePerGas <= maxCost, without the product.
                ok := and(
                    and(found, iszero(lt(gas_, limits))),
                    or(iszero(maxFeePerGas), iszero(gt(gas_, div(maxCost, maxFeePerGas))))
                )
            }
        }
    }

    /// @dev The `Call[]` ABI-encoded after the selector in `callData`, as a calldata array.
    ///      The array's head (offset and length words) must lie inside `callData`, else the
    ///      call reverts without data, as the ABI decoder does; its elements are validated by
    ///      the ABI decoder where they are read.
    function _userOpCalls(bytes calldata callData) private pure returns (Call[] calldata calls) {
        assembly ("memory-safe") {
            // callData.length >= 4: the EntryPoint calls executeUserOp only for that selector.
            if lt(callData.length, 0x24) { revert(0x00, 0x00) }
            let args := add(callData.offset, 4)
            let size := sub(callData.length, 4)
            let head := calldataload(args)
            // head + 32 <= size, then 32 * length <= size - head - 32 (written without overflow).
            if gt(head, sub(size, 0x20)) { revert(0x00, 0x00) }
            let n := calldataload(add(args, head))
            if gt(n, shr(5, sub(sub(size, head), 0x20))) { revert(0x00, 0x00) }
            calls.offset := add(add(args, head), 0x20)
            calls.length := n
        }
    }

    // ------------------------------------------------------------------
    //  Sessions
    // ------------------------------------------------------------------

    /// @inheritdoc IMinimalAccount
    function createSessionWithSig(SessionLib.SessionSpec calldata sessionSpec, bytes calldata signature) external {
        address signer = _recover(_hashTypedData(SessionHashes.hash(sessionSpec)), signature);
        if (signer != _owner()) revert InvalidSignature(signer, address(this));
        AccountStorage.Layout storage $ = AccountStorage.get();
        _useUid($, sessionSpec.uid);
        if (sessionSpec.signer == address(0)) revert SessionZeroSigner();
        if ($.revokedSigners[sessionSpec.signer]) revert SignerRevoked(sessionSpec.signer);
        AccountStorage.mark($);
        if (sessionSpec.expiresAt <= block.timestamp) revert SessionExpiresTooSoon();
        _checkAllowancePeriods(sessionSpec);
        $.sessions[sessionSpec.signer] = _store(sessionSpec);
        emit SessionCreated(sessionSpec.signer, sessionSpec);
    }

    /// @inheritdoc IMinimalAccount
    /// @dev The account itself (the 7702 owner, or any owner's batch or user operation), or the
    ///      owner of a standalone account calling directly. The burn is read only by
    ///      createSessionWithSig, never on a session's call path (a revoked signer has no header).
    function revokeSession(address signer) external {
        _onlyOwner();
        AccountStorage.Layout storage $ = AccountStorage.get();
        if ($.sessions[signer] == 0) revert SessionNotFound(signer);
        _revoke($, signer);
    }

    /// @inheritdoc IMinimalAccount
    function revokeSessions(address[] calldata signers) external {
        _onlyOwner();
        AccountStorage.Layout storage $ = AccountStorage.get();
        uint256 n = signers.length;
        for (uint256 i; i < n; ++i) {
            _revoke($, signers[i]);
        }
    }

    /// @inheritdoc IMinimalAccount
    function invalidateUid(bytes32 uid) external {
        _onlyOwner();
        AccountStorage.Layout storage $ = AccountStorage.get();
        AccountStorage.mark($);
        _useUid($, uid);
        emit UidInvalidated(uid);
    }

    /// @inheritdoc IMinimalAccount
    function allowSessionPaymaster(address signer, address paymaster, uint256 maxCostPerOp) external {
        _onlyOwner();
        _setSessionPaymaster(signer, paymaster, maxCostPerOp, true);
        emit SessionPaymasterAllowed(signer, paymaster, maxCostPerOp);
    }

    /// @inheritdoc IMinimalAccount
    function disallowSessionPaymaster(address signer, address paymaster) external {
        _onlyOwner();
        _setSessionPaymaster(signer, paymaster, 0, false);
        emit SessionPaymasterDisallowed(signer, paymaster);
    }

    /// @dev Replaces the data contract of `signer`'s scoped session with one whose paymaster
    ///      trailer allows `paymaster` at `maxCostPerOp` (`allow`) or no longer lists it. The
    ///      policies are copied unchanged and the usage id is kept: counters carry over.
    function _setSessionPaymaster(address signer, address paymaster, uint256 maxCostPerOp, bool allow) private {
        AccountStorage.Layout storage $ = AccountStorage.get();
        uint256 header = $.sessions[signer];
        if (header == 0) revert SessionNotFound(signer);
        if (AccountStorage.isWildcard(header)) revert SessionIsWildcard(signer);
        (address pointer, uint256 length) = _redeployWithPaymaster(signer, header, paymaster, maxCostPerOp, allow);
        $.sessions[signer] = (header & ~(AccountStorage.HEADER_POINTER_MASK | AccountStorage.HEADER_LENGTH_MASK))
            | uint256(uint160(pointer)) | (length << AccountStorage.HEADER_LENGTH_SHIFT);
    }

    /// @dev Deploys the new data contract of _setSessionPaymaster; returns it and its length.
    function _redeployWithPaymaster(address signer, uint256 header, address paymaster, uint256 maxCostPerOp, bool allow)
        private
        returns (address, uint256)
    {
        address pointer = AccountStorage.pointerOf(header);
        uint256 length = AccountStorage.lengthOf(header);
        uint256 base = SessionCodec.load(pointer, length);
        (bool found,,) = SessionCodec.findPaymaster(base, length, paymaster);
        if (!allow && !found) revert SessionPaymasterNotAllowed(signer, paymaster);
        (, uint256 count,) = SessionCodec.trailer(base, length);
        if (allow && !found && count == SessionCodec.MAX_PAYMASTERS) {
            revert TooManySessionPaymasters(signer, SessionCodec.MAX_PAYMASTERS);
        }
        (bytes memory code, uint256 newLength) =
            SessionCodec.withPaymaster(base, length, pointer, paymaster, maxCostPerOp, allow);
        return (_deploy(code, newLength), newLength);
    }

    /// @dev Deletes `signer`'s session (if any) and burns the signer.
    function _revoke(AccountStorage.Layout storage $, address signer) private {
        AccountStorage.mark($);
        delete $.sessions[signer];
        $.revokedSigners[signer] = true;
        emit SessionRevoked(signer);
    }

    /// @dev Reverts with OnlyAccount unless the caller is the owner: the account itself (a 7702
    ///      EOA's own transaction, or any owner batch or user operation), or the owner of a
    ///      standalone account calling directly.
    function _onlyOwner() private view {
        if (msg.sender != address(this) && msg.sender != _owner()) revert OnlyAccount(msg.sender);
    }

    /// @dev Stores the spec's policies (when there is anything to store) and returns the header.
    function _store(SessionLib.SessionSpec calldata spec) private returns (uint256) {
        uint256 expires = spec.expiresAt;
        bool needsData = !spec.isWildcard || spec.callPolicies.length != 0 || spec.transferPolicies.length != 0
            || expires >= AccountStorage.EXPIRES_IN_DATA;
        if (expires > AccountStorage.EXPIRES_IN_DATA) expires = AccountStorage.EXPIRES_IN_DATA;
        if (!needsData) return AccountStorage.packHeader(address(0), expires, 0, true);

        (bytes memory code, uint256 length) = SessionCodec.creationCode(spec);
        return AccountStorage.packHeader(_deploy(code, length), expires, length, spec.isWildcard);
    }

    /// @dev Deploys the data contract whose creation code is `code` (deploying `length` bytes).
    function _deploy(bytes memory code, uint256 length) private returns (address pointer) {
        if (length > SessionCodec.MAX_CODE_SIZE) revert SessionSpecTooLarge(length, SessionCodec.MAX_CODE_SIZE);
        assembly ("memory-safe") {
            pointer := create(0, add(code, 32), mload(code))
        }
        if (pointer == address(0)) revert SessionStorageFailed(length);
    }

    /// @dev Rejects Allowance limits with period 0: they would divide by zero on first use.
    function _checkAllowancePeriods(SessionLib.SessionSpec calldata spec) private pure {
        uint256 nCall = spec.callPolicies.length;
        for (uint256 i; i < nCall; ++i) {
            SessionLib.CallSpec calldata c = spec.callPolicies[i];
            if (_zeroPeriod(c.valueLimit)) revert AllowanceWithoutPeriod(false, i, type(uint256).max);
            uint256 n = c.constraints.length;
            for (uint256 j; j < n; ++j) {
                if (_zeroPeriod(c.constraints[j].limit)) revert AllowanceWithoutPeriod(false, i, j);
            }
        }
        uint256 nTransfer = spec.transferPolicies.length;
        for (uint256 i; i < nTransfer; ++i) {
            if (_zeroPeriod(spec.transferPolicies[i].valueLimit)) {
                revert AllowanceWithoutPeriod(true, i, type(uint256).max);
            }
        }
    }

    function _zeroPeriod(SessionLib.UsageLimit calldata l) private pure returns (bool) {
        return l.limitType == SessionLib.LimitType.Allowance && l.period == 0;
    }

    // ------------------------------------------------------------------
    //  Views
    // ------------------------------------------------------------------

    /// @inheritdoc IMinimalAccount
    function getSessionExpirationForSigner(address signer) external view returns (uint256) {
        uint256 header = AccountStorage.get().sessions[signer];
        uint256 expires = AccountStorage.expiresOf(header);
        if (expires != AccountStorage.EXPIRES_IN_DATA) return expires;
        (, uint256 expiresAt,,) = SessionCodec.decode(_load(header));
        return expiresAt;
    }

    /// @inheritdoc IMinimalAccount
    function getSessionStateForSigner(address signer) external view returns (SessionLib.SessionState memory) {
        AccountStorage.Layout storage $ = AccountStorage.get();
        uint256 header = $.sessions[signer];
        address pointer = AccountStorage.pointerOf(header);
        SessionLib.SessionState memory empty;
        if (pointer == address(0)) return empty;
        return SessionViews.state($, pointer, AccountStorage.lengthOf(header));
    }

    /// @inheritdoc IMinimalAccount
    function getCallPoliciesForSigner(address signer) external view returns (SessionLib.CallSpec[] memory) {
        uint256 header = AccountStorage.get().sessions[signer];
        SessionLib.CallSpec[] memory calls;
        if (AccountStorage.pointerOf(header) != address(0)) (,, calls,) = SessionCodec.decode(_load(header));
        return calls;
    }

    /// @inheritdoc IMinimalAccount
    function getTransferPoliciesForSigner(address signer) external view returns (SessionLib.TransferSpec[] memory) {
        uint256 header = AccountStorage.get().sessions[signer];
        SessionLib.TransferSpec[] memory transfers;
        if (AccountStorage.pointerOf(header) != address(0)) (,,, transfers) = SessionCodec.decode(_load(header));
        return transfers;
    }

    /// @inheritdoc IMinimalAccount
    function isWildcardSigner(address signer) external view returns (bool) {
        return AccountStorage.isWildcard(AccountStorage.get().sessions[signer]);
    }

    /// @inheritdoc IMinimalAccount
    function getSessionPaymasters(address signer)
        external
        view
        returns (address[] memory paymasters, uint256[] memory maxCostsPerOp)
    {
        uint256 header = AccountStorage.get().sessions[signer];
        uint256 length = AccountStorage.lengthOf(header);
        uint256 count;
        uint256 entries;
        if (AccountStorage.pointerOf(header) != address(0)) {
            (entries, count,) = SessionCodec.trailer(_load(header), length);
        }
        paymasters = new address[](count);
        maxCostsPerOp = new uint256[](count);
        for (uint256 i; i < count; ++i) {
            uint256 e = entries + i * SessionCodec.PAYMASTER_ENTRY;
            address a;
            uint256 m;
            assembly ("memory-safe") {
                a := shr(96, mload(e))
                m := mload(add(e, 20))
            }
            (paymasters[i], maxCostsPerOp[i]) = (a, m);
        }
    }

    /// @inheritdoc IMinimalAccount
    function isSignerRevoked(address signer) external view returns (bool) {
        return AccountStorage.get().revokedSigners[signer];
    }

    function _load(uint256 header) private view returns (uint256) {
        return SessionCodec.load(AccountStorage.pointerOf(header), AccountStorage.lengthOf(header));
    }

    // ------------------------------------------------------------------
    //  Signatures
    // ------------------------------------------------------------------

    // `isValidSignature(bytes32 hash, bytes signature)` (ERC-1271) is solady's ERC1271: it answers
    // the ERC-7739 detection request (`hash` = 0x7739…7739, empty signature: 0x77390001), unwraps
    // an ERC-6492 wrapper, and calls `_erc1271IsValidSignature` below.

    /// @dev ERC-1271, so that a signature is valid for exactly one account:
    ///      - every account accepts the owner's ERC-7739 nested typed data bound to this
    ///        account's own EIP-712 domain ("MinimalAccount", "1", chain id, this address):
    ///        `TypedDataSign` for an EIP-712 request (signature = `r ‖ s ‖ v ‖
    ///        APP_DOMAIN_SEPARATOR ‖ contents ‖ contentsDescription ‖ uint16(length)`), and
    ///        `PersonalSign(bytes prefixed)` for a message hash (signature = `r ‖ s ‖ v` over
    ///        this account's typed-data digest of `PersonalSign{prefixed: hash}`);
    ///      - a 7702 smart EOA (owner = the account's own address) also accepts the raw ECDSA
    ///        signature of `hash` by its own key: that is the EOA's own signature, so ordinary
    ///        wallets and Permit2 keep working for it. A factory account never accepts a raw
    ///        signature of its owner's key, which would be just as valid for the owner's EOA and
    ///        for every other account of that key (one permit spent on each of them).
    ///      No safe-caller shortcut and no off-chain (gas price 0) shortcut: both would accept
    ///      a signature that is not bound to this account. Session keys never sign for the
    ///      account.
    function _erc1271IsValidSignature(bytes32 hash, bytes calldata signature) internal view override returns (bool) {
        address owner = _owner();
        if (owner == address(this) && _recover(hash, signature) == owner) return true;
        return _erc1271IsValidSignatureViaNestedEIP712(hash, signature);
    }

    /// @dev The key ERC-1271 signatures are checked against: the owner.
    function _erc1271Signer() internal view override returns (address) {
        return _owner();
    }

    /// @dev Plain ECDSA against the owner (low-s, 65 bytes), as everywhere else in the account;
    ///      never an ERC-1271 call to the owner (for a 7702 EOA that would be this account).
    function _erc1271IsValidSignatureNowCalldata(bytes32 hash, bytes calldata signature)
        internal
        view
        override
        returns (bool)
    {
        return _recover(hash, signature) == _owner();
    }

    /// @dev The owner: the 20-byte owner appended to this account's code when the account is a
    ///      factory-deployed clone (45-byte ERC-1167 runtime with immutable args ‖ owner, see
    ///      SessionAccountFactory), else the account's own address (a 7702 smart EOA, whose code
    ///      is `0xef0100 ‖ implementation`). Read from code, so no storage write can change it.
    function _owner() internal view virtual returns (address owner) {
        assembly ("memory-safe") {
            owner := address()
            if eq(extcodesize(owner), CLONE_CODE_SIZE) {
                // The 20 owner bytes, then zeros past the end of the code.
                extcodecopy(owner, 0x00, CLONE_ARGS_OFFSET, 0x20)
                let appended := shr(96, mload(0x00))
                // A zero owner (not deployable through the factory) would accept the zero
                // address that a failed recovery returns: fall back to the account itself.
                if appended { owner := appended }
            }
        }
    }

    /// @dev The signer of `hash`, or zero for a malformed, high-s or otherwise invalid signature.
    function _recover(bytes32 hash, bytes calldata signature) internal pure returns (address signer) {
        ECDSA.RecoverError err;
        (signer, err,) = ECDSA.tryRecoverCalldata(hash, signature);
        if (err != ECDSA.RecoverError.NoError) signer = address(0);
    }

    /// @dev Marks `uid` used, or reverts with UIDAlreadyProcessed.
    function _useUid(AccountStorage.Layout storage $, bytes32 uid) private {
        if ($.usedUids[uid]) revert UIDAlreadyProcessed();
        $.usedUids[uid] = true;
    }

    /// @dev EIP-712 domain: name "MinimalAccount", version "1".
    function _domainNameAndVersion() internal pure override returns (string memory, string memory) {
        return ("MinimalAccount", "1");
    }
}
