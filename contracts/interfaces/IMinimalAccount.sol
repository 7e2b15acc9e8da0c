// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {Call, WrappedCalls, SessionLib} from "../types/Types.sol";

/// @title IMinimalAccount
/// @notice The session-key interface of thirdweb's ERC-7702 MinimalAccount, which sessionkit's
///         account is wire-compatible with (selectors, structs, events, errors), plus the
///         additions sessionkit makes: session revocation and errors for the cases the original
///         interface leaves open.
///         Gas: the account never pays gas for a scoped session key, in any asset. Through
///         `execute` and `executeWithSig` the caller or relayer pays; an ERC-4337 user operation
///         of a session that is not wildcard validates only with a paymaster the owner allowed
///         for that session (allowSessionPaymaster; SessionAccount.validateUserOp), because the
///         account's prefund, and what a paymaster charges the account, are outside the
///         session's limits. Wildcard sessions and the owner may have the account pay.
interface IMinimalAccount {
    // ------------------------------------------------------------------
    //  Events
    // ------------------------------------------------------------------

    /// @notice One call of a batch ran.
    event Executed(address indexed to, uint256 value, bytes data);

    /// @notice A session was granted (or re-granted, replacing the signer's previous one).
    event SessionCreated(address indexed signer, SessionLib.SessionSpec sessionSpec);

    /// @notice The account received native value.
    event ValueReceived(address indexed from, uint256 value);

    /// @notice The owner revoked `signer`: its session (if any) is gone and the signer is burned
    ///         on this account, no grant can revive it. (sessionkit addition.)
    event SessionRevoked(address indexed signer);

    /// @notice The owner allowed `paymaster` to pay for (and charge the account for) the user
    ///         operations of `signer`'s scoped session, each costing at most `maxCostPerOp` wei
    ///         (the op's required prefund). (sessionkit addition.)
    event SessionPaymasterAllowed(address indexed signer, address indexed paymaster, uint256 maxCostPerOp);

    /// @notice The owner no longer allows `paymaster` for `signer`'s session. (sessionkit addition.)
    event SessionPaymasterDisallowed(address indexed signer, address indexed paymaster);

    /// @notice The owner cancelled the SessionSpec uid `uid` before any grant used it: a grant
    ///         signed with it can no longer be submitted. (sessionkit addition.)
    event UidInvalidated(bytes32 indexed uid);

    // ------------------------------------------------------------------
    //  Errors of the interface
    // ------------------------------------------------------------------

    /// @notice A SessionSpec uid, or a WrappedCalls uid of the same signer, was used before.
    error UIDAlreadyProcessed();
    /// @notice The signature is not by an authorised key, or `execute` was called by neither the
    ///         account nor a session signer. `msgSender` is the caller, or the recovered signer
    ///         for signed entry points (zero if nothing could be recovered).
    error InvalidSignature(address msgSender, address thisAddress);
    /// @notice `sessionSpec.signer` is the zero address.
    error SessionZeroSigner();
    /// @notice `sessionSpec.expiresAt` is not in the future.
    error SessionExpiresTooSoon();
    /// @notice The session signer acted at or after its `expiresAt`.
    error SessionExpired();
    /// @notice The batch is empty.
    error NoCallsToExecute();
    /// @notice An inner call reverted; the whole batch and its usage were rolled back.
    error CallReverted();
    /// @notice No CallSpec of the session matches `(target, selector)`.
    error CallPolicyViolated(address target, bytes4 selector);
    /// @notice Calldata shorter than 4 bytes and no TransferSpec for `target`.
    error TransferPolicyViolated(address target);
    /// @notice The call's value is above the policy's `maxValuePerUse`.
    error MaxValueExceeded(uint256 value, uint256 maxValuePerUse);
    /// @notice A Lifetime limit would be exceeded; `lifetimeUsage` is the usage so far.
    error LifetimeUsageExceeded(uint256 lifetimeUsage, uint256 limit);
    /// @notice An Allowance limit would be exceeded in window `period`
    ///         (`block.timestamp / limit.period`); `allowanceUsage` is that window's usage so far.
    error AllowanceExceeded(uint256 allowanceUsage, uint256 limit, uint64 period);
    /// @notice A constraint's word lies outside the calldata: `actualLength` bytes given,
    ///         `expectedLength` (= 4 + 32 * (index + 1)) needed.
    error InvalidDataLength(uint256 actualLength, uint256 expectedLength);
    /// @notice A constraint's comparison failed: `param` compared with `refValue` under `condition`.
    error ConditionFailed(bytes32 param, bytes32 refValue, uint8 condition);

    // ------------------------------------------------------------------
    //  Errors added by sessionkit
    // ------------------------------------------------------------------

    /// @notice A session signer tried to call the account itself (that is the owner's path).
    error SessionSelfCallForbidden();
    /// @notice An Allowance limit with period 0 in a new session. `policy` is the index of the
    ///         call policy (or transfer policy when `transfer`), `constraint` the index of the
    ///         constraint within it, or `type(uint256).max` for the policy's own value limit.
    error AllowanceWithoutPeriod(bool transfer, uint256 policy, uint256 constraint);
    /// @notice The session's policies encode to more bytes than one contract's code can hold.
    error SessionSpecTooLarge(uint256 encodedSize, uint256 maxSize);
    /// @notice The owner tried to revoke a signer that has no session.
    error SessionNotFound(address signer);
    /// @notice Deploying the data contract of a new session failed (out of gas).
    error SessionStorageFailed(uint256 encodedSize);
    /// @notice Only the owner (the account itself, or a standalone account's owner) may call
    ///         this function.
    error OnlyAccount(address msgSender);
    /// @notice Only the ERC-4337 EntryPoint may call `validateUserOp` and `executeUserOp`.
    error OnlyEntryPoint(address msgSender);
    /// @notice `signer`'s session is a wildcard one: its operations may use any paymaster (or the
    ///         account's own funds), there is no paymaster to allow or disallow.
    error SessionIsWildcard(address signer);
    /// @notice `paymaster` is not allowed for `signer`'s session (nothing to disallow).
    error SessionPaymasterNotAllowed(address signer, address paymaster);
    /// @notice `signer`'s session already allows `max` paymasters.
    error TooManySessionPaymasters(address signer, uint256 max);
    /// @notice Inner call `index` came back with `gasLeft` gas, less than 1/64 of the
    ///         `gasBefore` the account had before it: it used up all the gas it was given and
    ///         may have been starved by whoever chose the transaction's gas. The batch reverts
    ///         (its uid is not used); resend it with more gas.
    error CallStarved(uint256 index, uint256 gasBefore, uint256 gasLeft);
    /// @notice A grant for `signer`, which the owner revoked on this account: a revoked signer is
    ///         burned (no grant revives it); grant a new key instead.
    error SignerRevoked(address signer);

    // ------------------------------------------------------------------
    //  Functions
    // ------------------------------------------------------------------

    /// @notice Runs `calls` in order as the owner (msg.sender is the account) or as a session
    ///         signer under its SessionSpec. Any failing call reverts the whole batch.
    function execute(Call[] calldata calls) external payable;

    /// @notice Runs `wrappedCalls` signed (EIP-712) by the owner or by a live session signer,
    ///         whose policies then apply. Anyone may relay it and pay the gas.
    function executeWithSig(WrappedCalls calldata wrappedCalls, bytes calldata signature) external payable;

    /// @notice Grants `sessionSpec` to `sessionSpec.signer`, replacing any session it had and
    ///         starting its usage from zero. `signature`: the owner's EIP-712 signature. A signer
    ///         the owner revoked on this account is refused (SignerRevoked).
    function createSessionWithSig(SessionLib.SessionSpec calldata sessionSpec, bytes calldata signature) external;

    /// @notice Revokes `signer`'s session at once and burns the signer on this account: no grant,
    ///         signed before or after, can revive it (SignerRevoked); a new key is the remedy.
    ///         Reverts with SessionNotFound if `signer` has no session. Only the owner: the
    ///         account itself, or the owner of a standalone account. (sessionkit addition.)
    function revokeSession(address signer) external;

    /// @notice Revokes and burns every signer of `signers`, whether or not it has a session (a
    ///         key with a signed grant that was never submitted can be burned before it is), and
    ///         emits SessionRevoked for each: "revoke every session at once". Never reverts for a
    ///         signer without a session. Only the owner. (sessionkit addition.)
    function revokeSessions(address[] calldata signers) external;

    /// @notice Cancels the SessionSpec uid `uid`, so that a grant the owner signed with it and
    ///         never submitted can no longer be submitted (UIDAlreadyProcessed). Reverts with
    ///         UIDAlreadyProcessed if the uid was used already (by a submitted grant: revoke
    ///         that session instead). Only the owner. (sessionkit addition.)
    function invalidateUid(bytes32 uid) external;

    /// @notice Allows `paymaster` to pay for the ERC-4337 user operations of `signer`'s scoped
    ///         session, each with a maximum cost (its required prefund: the sum of its five gas
    ///         limits times maxFeePerGas) of at most `maxCostPerOp` wei (`type(uint256).max`: no
    ///         cap); replaces the cap if it was allowed already. A scoped session's op validates
    ///         only with a paymaster so allowed: a paymaster may charge the account for what it
    ///         pays (an ERC-20 paymaster the owner approved takes the account's tokens), which
    ///         the session's limits do not cover. The cap is per operation (validation cannot
    ///         read the time, so there is no window). Kept with the session's policies (a new
    ///         data contract, same usage counters); a re-grant of the signer starts with none.
    ///         SessionNotFound without a session, SessionIsWildcard for a wildcard one. Only the
    ///         owner. (sessionkit addition.)
    function allowSessionPaymaster(address signer, address paymaster, uint256 maxCostPerOp) external;

    /// @notice No longer allows `paymaster` for `signer`'s session (SessionPaymasterNotAllowed if
    ///         it was not). Only the owner. (sessionkit addition.)
    function disallowSessionPaymaster(address signer, address paymaster) external;

    /// @notice The paymasters allowed for `signer`'s session and the maxCostPerOp of each (empty
    ///         for no session or a wildcard one). (sessionkit addition.)
    function getSessionPaymasters(address signer)
        external
        view
        returns (address[] memory paymasters, uint256[] memory maxCostsPerOp);

    /// @notice Whether the owner revoked (burned) `signer` on this account. (sessionkit addition.)
    function isSignerRevoked(address signer) external view returns (bool);

    /// @notice The `expiresAt` of `signer`'s session, 0 if it has none.
    function getSessionExpirationForSigner(address signer) external view returns (uint256);

    /// @notice What is left of each limit of `signer`'s session at the current time.
    function getSessionStateForSigner(address signer) external view returns (SessionLib.SessionState memory);

    /// @notice The call policies of `signer`'s session.
    function getCallPoliciesForSigner(address signer) external view returns (SessionLib.CallSpec[] memory);

    /// @notice The transfer policies of `signer`'s session.
    function getTransferPoliciesForSigner(address signer) external view returns (SessionLib.TransferSpec[] memory);

    /// @notice Whether `signer`'s session is a wildcard one (no policies apply; its user
    ///         operations may also be paid by the account rather than a paymaster).
    function isWildcardSigner(address signer) external view returns (bool);
}
