// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Token
/// @notice A minimal ERC-20 of the example protocol, with custom errors and one minter.
contract Token {
    /// @notice The token's name.
    string public name;
    /// @notice The token's symbol.
    string public symbol;
    /// @notice The address allowed to mint.
    address public immutable minter;
    /// @notice The total supply.
    uint256 public totalSupply;
    /// @notice Balances by holder.
    mapping(address => uint256) public balanceOf;
    /// @notice Allowances by holder and spender.
    mapping(address => mapping(address => uint256)) public allowance;

    /// @notice `value` tokens moved from `from` to `to`.
    event Transfer(address indexed from, address indexed to, uint256 value);
    /// @notice `owner` let `spender` move `value` of its tokens.
    event Approval(address indexed owner, address indexed spender, uint256 value);

    /// @notice `holder` has `available`, less than the `needed` it tried to move.
    error InsufficientBalance(address holder, uint256 available, uint256 needed);
    /// @notice `spender` may move `allowed` of `holder`'s tokens, less than `needed`.
    error InsufficientAllowance(address holder, address spender, uint256 allowed, uint256 needed);
    /// @notice Only the minter mints.
    error NotMinter(address caller);

    /// @param name_ The token's name.
    /// @param symbol_ The token's symbol.
    /// @param minter_ The address allowed to mint.
    constructor(string memory name_, string memory symbol_, address minter_) {
        name = name_;
        symbol = symbol_;
        minter = minter_;
    }

    /// @notice Token amounts have 18 decimals.
    function decimals() external pure returns (uint8) {
        return 18;
    }

    /// @notice Mints `amount` to `to`; only the minter.
    function mint(address to, uint256 amount) external {
        if (msg.sender != minter) revert NotMinter(msg.sender);
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    /// @notice Moves `amount` of the caller's tokens to `to`.
    function transfer(address to, uint256 amount) external returns (bool) {
        _move(msg.sender, to, amount);
        return true;
    }

    /// @notice Lets `spender` move up to `amount` of the caller's tokens.
    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    /// @notice Moves `amount` of `from`'s tokens to `to`, within the caller's allowance.
    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed < amount) revert InsufficientAllowance(from, msg.sender, allowed, amount);
        if (allowed != type(uint256).max) allowance[from][msg.sender] = allowed - amount;
        _move(from, to, amount);
        return true;
    }

    function _move(address from, address to, uint256 amount) private {
        uint256 available = balanceOf[from];
        if (available < amount) revert InsufficientBalance(from, available, amount);
        balanceOf[from] = available - amount;
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
    }
}
