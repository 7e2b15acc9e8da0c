// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {EIP712} from "solady/utils/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

import {Call, WrappedCalls, SessionLib} from "./types/Types.sol";
import {IMinimalAccount} from "./interfaces/IMinimalAccount.sol";
import {AccountStorage} from "./libraries/AccountStorage.sol";
import {SessionCodec} from "./libraries/SessionCodec.sol";
import {SessionHashes} from "./libraries/SessionHashes.sol";
import {SessionViews} from "./libraries/SessionViews.sol";
import {PolicyEngine} from "./libraries/PolicyEngine.sol";

/// @title SessionAccount
/// @notice A session-key account for ERC-7702 smart EOAs, wire-compatible with thirdweb's
///         MinimalAccount interface. An EOA delegates to this code; the EOA's own key is the
///         owner (the account's address). The owner grants session keys that may call only
///         named targets and functions, with per-call and cumulative value caps, conditions
///         and limits on call parameters, until an expiry.
/// @dev All state lives in the ERC-7201 namespace of AccountStorage. A session's policies are
///      stored as the code of a data contract (SessionCodec), read with one EXTCODECOPY.
contract SessionAccount is IMinimalAccount, EIP712 {
    /// @dev ERC-1271 magic value.
    bytes4 private constant ERC1271_MAGIC = 0x1626ba7e;

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
    function execute(Call[] calldata calls) external payable {
        if (msg.sender != address(this)) {
            AccountStorage.Layout storage $ = AccountStorage.get();
            uint256 header = $.sessions[msg.sender];
            if (header == 0) revert InvalidSignature(msg.sender, address(this));
            if (calls.length == 0) revert NoCallsToExecute();
            PolicyEngine.enforce($, header, calls);
        } else if (calls.length == 0) {
            revert NoCallsToExecute();
        }
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
        if (header != 0) PolicyEngine.enforce($, header, wrappedCalls.calls);
        _run(wrappedCalls.calls);
    }

    /// @dev Runs every call; any failure reverts the batch (and every usage charged for it).
    function _run(Call[] calldata calls) internal {
        uint256 n = calls.length;
        for (uint256 i; i < n; ++i) {
            Call calldata c = calls[i];
            (bool ok,) = c.target.call{value: c.value}(c.data);
            if (!ok) revert CallReverted();
            emit Executed(c.target, c.value, c.data);
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
        if (sessionSpec.expiresAt <= block.timestamp) revert SessionExpiresTooSoon();
        _checkAllowancePeriods(sessionSpec);
        $.sessions[sessionSpec.signer] = _store(sessionSpec);
        emit SessionCreated(sessionSpec.signer, sessionSpec);
    }

    /// @inheritdoc IMinimalAccount
    function revokeSession(address signer) external {
        if (msg.sender != address(this)) revert OnlyAccount(msg.sender);
        AccountStorage.Layout storage $ = AccountStorage.get();
        if ($.sessions[signer] == 0) revert SessionNotFound(signer);
        delete $.sessions[signer];
        emit SessionRevoked(signer);
    }

    /// @dev Stores the spec's policies (when there is anything to store) and returns the header.
    function _store(SessionLib.SessionSpec calldata spec) private returns (uint256) {
        uint256 expires = spec.expiresAt;
        bool needsData = !spec.isWildcard || spec.callPolicies.length != 0 || spec.transferPolicies.length != 0
            || expires >= AccountStorage.EXPIRES_IN_DATA;
        if (expires > AccountStorage.EXPIRES_IN_DATA) expires = AccountStorage.EXPIRES_IN_DATA;
        if (!needsData) return AccountStorage.packHeader(address(0), expires, 0, true);

        (bytes memory code, uint256 length) = SessionCodec.creationCode(spec);
        if (length > SessionCodec.MAX_CODE_SIZE) revert SessionSpecTooLarge(length, SessionCodec.MAX_CODE_SIZE);
        address pointer;
        assembly ("memory-safe") {
            pointer := create(0, add(code, 32), mload(code))
        }
        if (pointer == address(0)) revert SessionStorageFailed(length);
        return AccountStorage.packHeader(pointer, expires, length, spec.isWildcard);
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

    function _load(uint256 header) private view returns (uint256) {
        return SessionCodec.load(AccountStorage.pointerOf(header), AccountStorage.lengthOf(header));
    }

    // ------------------------------------------------------------------
    //  Signatures
    // ------------------------------------------------------------------

    /// @notice ERC-1271: whether `signature` is the owner's ECDSA signature of `hash`.
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        return _recover(hash, signature) == _owner() ? ERC1271_MAGIC : bytes4(0xffffffff);
    }

    /// @dev The owner: the account's own address (a 7702 smart EOA), or the owner a factory
    ///      fixed at deployment.
    function _owner() internal view virtual returns (address) {
        address owner = AccountStorage.get().owner;
        return owner == address(0) ? address(this) : owner;
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
