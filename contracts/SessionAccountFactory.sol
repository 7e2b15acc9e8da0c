// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {LibClone} from "solady/utils/LibClone.sol";

/// @title SessionAccountFactory
/// @notice Deploys standalone SessionAccounts (ERC-4337 accounts at counterfactual addresses):
///         for each (owner, salt), a CREATE2 ERC-1167 clone of the one SessionAccount
///         implementation with the owner appended to the clone's code as an immutable argument.
///         The owner is fixed at deployment by the code itself: there is no initializer, so
///         nothing to front-run. Anyone may deploy anyone's account: the result is the same
///         account with the same owner.
/// @dev ERC-7562: called from an EntryPoint's SenderCreator through a user operation's
///      initCode (`factory ‖ createAccount(owner, salt)`), it reads no storage (the
///      implementation is an immutable) and creates only the sender with CREATE2.
contract SessionAccountFactory {
    /// @notice `createAccount` was asked for an account without an owner.
    error ZeroOwner();

    /// @notice The SessionAccount implementation every account delegates to.
    address public immutable implementation;

    /// @param implementation_ The SessionAccount implementation the accounts are clones of.
    constructor(address implementation_) {
        implementation = implementation_;
    }

    /// @notice Deploys the account of `owner` for `salt`, or returns it if it already exists
    ///         (idempotent, so a user operation's initCode never fails on a front-run deployment).
    /// @return account The account's address, equal to `getAddress(owner, salt)`.
    function createAccount(address owner, bytes32 salt) external returns (address account) {
        if (owner == address(0)) revert ZeroOwner();
        (, account) = LibClone.createDeterministicClone(implementation, abi.encodePacked(owner), salt);
    }

    /// @notice The address at which `createAccount(owner, salt)` deploys (or deployed) the account.
    function getAddress(address owner, bytes32 salt) external view returns (address) {
        return LibClone.predictDeterministicAddress(implementation, abi.encodePacked(owner), salt, address(this));
    }
}
