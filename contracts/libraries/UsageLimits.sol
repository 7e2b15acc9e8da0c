// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {SessionLib} from "../types/Types.sol";
import {AccountStorage} from "./AccountStorage.sol";

/// @title UsageLimits
/// @notice Reading Unlimited / Lifetime / Allowance limits (PolicyEngine charges them, in
///         assembly, on the same keys and mappings).
/// @dev Lifetime: one counter for the session's whole life. Allowance: a counter that counts
///      within the fixed window `block.timestamp / period` and restarts from zero in a new one.
library UsageLimits {
    /// @notice What is left of the limit keyed `limitKey` now (`type(uint256).max` for Unlimited).
    function remaining(
        AccountStorage.Layout storage $,
        bytes32 limitKey,
        uint256 limitType,
        uint256 limit,
        uint256 period
    ) internal view returns (uint256) {
        if (limitType == uint256(SessionLib.LimitType.Lifetime)) return limit - $.usage[limitKey];
        if (limitType == uint256(SessionLib.LimitType.Allowance)) {
            if ($.windows[limitKey] != block.timestamp / period) return limit;
            return limit - $.usage[limitKey];
        }
        return type(uint256).max;
    }

    /// @notice The usage key of the limit at byte `offset` of the session data at `pointer`.
    function key(address pointer, uint256 offset) internal pure returns (bytes32) {
        return bytes32((uint256(uint160(pointer)) << 96) | offset);
    }
}
