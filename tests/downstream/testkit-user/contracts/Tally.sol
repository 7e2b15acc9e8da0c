// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

/// @notice A contract of the downstream trial's own: a running total that anyone may add to.
contract Tally {
    uint256 public total;

    constructor(uint256 start) {
        total = start;
    }

    function add(uint256 amount) external {
        total += amount;
    }
}
