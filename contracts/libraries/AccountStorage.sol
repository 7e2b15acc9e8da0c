// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

/// @title AccountStorage
/// @notice The account's whole state, in one ERC-7201 namespace, so that an EOA which delegated
///         to another implementation before cannot have its old storage read as ours.
/// @dev A session lives in one packed header word per signer plus, where it has policies, its
///      encoded SessionSpec stored as the code of a data contract (see SessionCodec). Usage
///      counters are keyed by that data contract's address, so re-granting a live signer (a new
///      data contract) starts its counters from zero and revocation needs no clean-up.
///      Members are only ever appended (never reordered): an account keeps its storage across
///      upgrades of its code.
library AccountStorage {
    /// @custom:storage-location erc7201:sessionkit.account.v1
    struct Layout {
        /// Packed session header per signer (see the HEADER_* constants); 0 = no session.
        mapping(address signer => uint256 header) sessions;
        /// uids of SessionSpecs and WrappedCalls that were used.
        mapping(bytes32 uid => bool used) usedUids;
        /// Usage so far per limit: key = data contract address << 96 | the limit's offset in it.
        mapping(bytes32 key => uint256 used) usage;
        /// For Allowance limits: the window (`block.timestamp / period`) that `usage` counts.
        mapping(bytes32 key => uint256 window) windows;
        /// Signers the owner revoked: burned on this account, no grant can revive them. Read
        /// only when a session is granted, never on a session's call path.
        mapping(address signer => bool revoked) revokedSigners;
        /// NAMESPACE_MARKER once this code first wrote the namespace (the first grant, or an
        /// owner's revocation or uid cancellation), never overwritten: a client checks it when
        /// an EOA delegates here, to warn when the namespace holds data that something else
        /// wrote (a non-zero value other than NAMESPACE_MARKER, or sessions without it).
        /// Slot SLOT + 5 = MARKER_SLOT.
        bytes32 marker;
    }

    /// @dev keccak256(abi.encode(uint256(keccak256("sessionkit.account.v1")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant SLOT = 0xb27e924cb1bb5f04eacce32bcf6a8c700fa4b3571c675fa78b94dcfd4fec6f00;

    /// @dev Where `marker` lives: SLOT + 5 (member 5 of the layout).
    bytes32 internal constant MARKER_SLOT = 0xb27e924cb1bb5f04eacce32bcf6a8c700fa4b3571c675fa78b94dcfd4fec6f05;
    /// @dev The marker's value: the ASCII of "sessionkit.account.v1", left-aligned.
    bytes32 internal constant NAMESPACE_MARKER = "sessionkit.account.v1";

    /// @dev Header bits 0..159: the session's data contract (0: none, a wildcard session
    ///      without policies whose expiry fits the header).
    uint256 internal constant HEADER_POINTER_MASK = (1 << 160) - 1;
    /// @dev Header bits 160..223: expiresAt, or EXPIRES_IN_DATA when it does not fit in 64 bits.
    uint256 internal constant HEADER_EXPIRES_SHIFT = 160;
    /// @dev Header bits 224..239: the byte length of the data contract's code.
    uint256 internal constant HEADER_LENGTH_SHIFT = 224;
    /// @dev The length field of a header.
    uint256 internal constant HEADER_LENGTH_MASK = uint256(0xffff) << HEADER_LENGTH_SHIFT;
    /// @dev Header bit 240: the session is a wildcard one.
    uint256 internal constant HEADER_WILDCARD_BIT = 1 << 240;
    /// @dev The header's expiry when the exact value (>= 2^64 - 1) is kept in the data contract.
    ///      No block reaches this timestamp, so the hot path can compare against it unchanged.
    uint256 internal constant EXPIRES_IN_DATA = type(uint64).max;

    /// @notice The account's storage.
    function get() internal pure returns (Layout storage $) {
        assembly ("memory-safe") {
            $.slot := SLOT
        }
    }

    /// @notice Writes NAMESPACE_MARKER unless the marker slot holds a value already (ours, or
    ///         another writer's, which is kept as evidence).
    function mark(Layout storage $) internal {
        if ($.marker == 0) $.marker = NAMESPACE_MARKER;
    }

    /// @notice Packs a session header.
    function packHeader(address pointer, uint256 expires, uint256 length, bool wildcard)
        internal
        pure
        returns (uint256 header)
    {
        header = uint256(uint160(pointer)) | (expires << HEADER_EXPIRES_SHIFT) | (length << HEADER_LENGTH_SHIFT);
        if (wildcard) header |= HEADER_WILDCARD_BIT;
    }

    /// @notice The data contract of a header (zero if none).
    function pointerOf(uint256 header) internal pure returns (address) {
        return address(uint160(header & HEADER_POINTER_MASK));
    }

    /// @notice The header's expiry (EXPIRES_IN_DATA: read the exact value from the data).
    function expiresOf(uint256 header) internal pure returns (uint256) {
        return uint64(header >> HEADER_EXPIRES_SHIFT);
    }

    /// @notice The code length of the header's data contract.
    function lengthOf(uint256 header) internal pure returns (uint256) {
        return uint16(header >> HEADER_LENGTH_SHIFT);
    }

    /// @notice Whether the header's session is a wildcard one.
    function isWildcard(uint256 header) internal pure returns (bool) {
        return header & HEADER_WILDCARD_BIT != 0;
    }
}
