// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {Call, SessionLib} from "../../types/Types.sol";
import {AccountStorage} from "../../libraries/AccountStorage.sol";
import {PolicyEngine} from "../../libraries/PolicyEngine.sol";
import {SessionCodec} from "../../libraries/SessionCodec.sol";

/// @notice Runs the account's policy engine (PolicyEngine.enforce, the very function the
///         account's paths call) over a session encoding held in memory rather than in a data
///         contract, with this contract's own AccountStorage namespace for the usage counters.
///         `header` is a session header (AccountStorage.packHeader): its expiry and wildcard bit
///         apply as in the account; its pointer bits are the usage id.
contract EngineHarness {
    /// @notice Checks `calls` against the encoding of `spec` (SessionCodec.creationCode, as a
    ///         grant writes it) and charges this contract's counters.
    function enforceSpec(SessionLib.SessionSpec calldata spec, uint256 header, Call[] calldata calls) external {
        (bytes memory code,) = SessionCodec.creationCode(spec);
        uint256 base;
        assembly ("memory-safe") {
            base := add(code, 42) // after the length word and the 10-byte creation prefix
        }
        PolicyEngine.enforce(AccountStorage.get(), header, base, calls);
    }

    /// @notice Checks `calls` against the raw encoding `encoding` (SessionCodec layout).
    function enforceEncoding(bytes memory encoding, uint256 header, Call[] calldata calls) external {
        uint256 base;
        assembly ("memory-safe") {
            base := add(encoding, 32)
        }
        PolicyEngine.enforce(AccountStorage.get(), header, base, calls);
    }

    /// @notice Sets the usage counter and window of the limit at `offset` of usage id `id`.
    function setUsage(address id, uint256 offset, uint256 used, uint256 window) external {
        bytes32 key = bytes32((uint256(uint160(id)) << 96) | offset);
        AccountStorage.Layout storage $ = AccountStorage.get();
        ($.usage[key], $.windows[key]) = (used, window);
    }

    /// @notice The usage counter and window of the limit at `offset` of usage id `id`.
    function usageOf(address id, uint256 offset) external view returns (uint256 used, uint256 window) {
        bytes32 key = bytes32((uint256(uint160(id)) << 96) | offset);
        AccountStorage.Layout storage $ = AccountStorage.get();
        return ($.usage[key], $.windows[key]);
    }
}
