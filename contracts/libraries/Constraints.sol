// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {SessionLib} from "../types/Types.sol";
import {IMinimalAccount} from "../interfaces/IMinimalAccount.sol";

/// @title Constraints
/// @notice Reading a calldata parameter word and comparing it with a constraint's reference.
library Constraints {
    /// @notice The 32-byte word at `4 + 32 * index` of `data`, or InvalidDataLength when the
    ///         calldata is too short to hold it.
    function param(bytes calldata data, uint256 index) internal pure returns (bytes32 word) {
        uint256 end = 4 + 32 * (index + 1);
        if (data.length < end) revert IMinimalAccount.InvalidDataLength(data.length, end);
        assembly ("memory-safe") {
            word := calldataload(add(data.offset, sub(end, 32)))
        }
    }

    /// @notice Whether `word` satisfies `condition` against `refValue`, compared unsigned.
    ///         Unconstrained (and any unknown condition code, which the ABI decoder rejects
    ///         before it can be stored) passes.
    function holds(uint256 condition, bytes32 word, bytes32 refValue) internal pure returns (bool) {
        if (condition == uint256(SessionLib.Condition.Equal)) return word == refValue;
        if (condition == uint256(SessionLib.Condition.Greater)) return word > refValue;
        if (condition == uint256(SessionLib.Condition.Less)) return word < refValue;
        if (condition == uint256(SessionLib.Condition.GreaterOrEqual)) return word >= refValue;
        if (condition == uint256(SessionLib.Condition.LessOrEqual)) return word <= refValue;
        if (condition == uint256(SessionLib.Condition.NotEqual)) return word != refValue;
        return true;
    }

    /// @notice Reverts with ConditionFailed unless `word` satisfies `condition` against `refValue`.
    function check(uint256 condition, bytes32 word, bytes32 refValue) internal pure {
        if (!holds(condition, word, refValue)) {
            revert IMinimalAccount.ConditionFailed(word, refValue, uint8(condition));
        }
    }
}
