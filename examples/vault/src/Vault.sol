// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Token} from "./Token.sol";

/// @title Vault
/// @notice Holds deposits of one token per depositor; a depositor withdraws to any address.
contract Vault {
    /// @notice The token the vault holds.
    Token public immutable token;
    /// @notice Deposits by depositor.
    mapping(address => uint256) public balanceOf;

    /// @notice `depositor` deposited `amount`.
    event Deposited(address indexed depositor, uint256 amount);
    /// @notice `depositor` withdrew `amount` to `to`.
    event Withdrawn(address indexed depositor, address indexed to, uint256 amount);

    /// @notice `depositor` has `available` deposited, less than the `requested` withdrawal.
    error InsufficientDeposit(address depositor, uint256 available, uint256 requested);
    /// @notice The token refused to move `amount`.
    error TransferFailed(uint256 amount);

    /// @param token_ The token the vault holds.
    constructor(Token token_) {
        token = token_;
    }

    /// @notice Deposits `amount` of the caller's tokens (approve the vault first).
    function deposit(uint256 amount) external {
        balanceOf[msg.sender] += amount;
        if (!token.transferFrom(msg.sender, address(this), amount)) revert TransferFailed(amount);
        emit Deposited(msg.sender, amount);
    }

    /// @notice Withdraws `amount` of the caller's deposit to `to`.
    function withdraw(uint256 amount, address to) external {
        uint256 available = balanceOf[msg.sender];
        if (available < amount) revert InsufficientDeposit(msg.sender, available, amount);
        balanceOf[msg.sender] = available - amount;
        if (!token.transfer(to, amount)) revert TransferFailed(amount);
        emit Withdrawn(msg.sender, to, amount);
    }
}
