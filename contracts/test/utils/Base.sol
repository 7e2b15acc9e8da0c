// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {vm, Vm} from "./Vm.sol";
import {Call, WrappedCalls, SessionLib} from "../../types/Types.sol";
import {IMinimalAccount} from "../../interfaces/IMinimalAccount.sol";
import {SessionAccount} from "../../SessionAccount.sol";
import {Counter} from "../../fixtures/Counter.sol";
import {TestToken} from "../../fixtures/TestToken.sol";
import {EthReceiver} from "../../fixtures/EthReceiver.sol";
import {Reverter} from "../../fixtures/Reverter.sol";

/// @notice Shared set-up: an EOA delegated to SessionAccount with a real EIP-7702 authorization
///         (`signAndAttachDelegation`), fixtures, and helpers to build, sign and grant sessions.
///         The EIP-712 hashing here is written independently of the contract's, over memory
///         structs, so the two check each other (and docs/interface.md's vectors pin both).
abstract contract Base {
    using SessionHelpers for *;

    /// @dev ds-test style log events: forge prints them with -vv.
    event log_named_uint(string key, uint256 val);

    uint256 internal constant OWNER_PK = 0xA11CE;
    uint256 internal constant SESSION_PK = 0x5E55;
    uint256 internal constant OTHER_PK = 0xB0B;
    uint256 internal constant START = 1_750_000_000;

    SessionAccount internal implementation;
    /// @dev The delegated EOA, seen through the account's interface.
    SessionAccount internal account;
    address internal ownerAddr;
    address internal sessionSigner;
    address internal other;

    Counter internal counter;
    TestToken internal token;
    EthReceiver internal receiver;
    Reverter internal reverter;

    bytes4 internal constant SET_NUMBER = Counter.setNumber.selector;
    bytes4 internal constant ADD = Counter.add.selector;
    bytes4 internal constant INCREMENT = Counter.increment.selector;

    bytes32 private _uidSeed;

    function setUp() public virtual {
        vm.warp(START);
        implementation = new SessionAccount();
        ownerAddr = vm.addr(OWNER_PK);
        sessionSigner = vm.addr(SESSION_PK);
        other = vm.addr(OTHER_PK);
        account = SessionAccount(payable(ownerAddr));
        _delegate(OWNER_PK);

        counter = new Counter();
        token = new TestToken();
        receiver = new EthReceiver();
        reverter = new Reverter();
        token.mint(ownerAddr, 1_000_000 ether);
        vm.deal(ownerAddr, 100 ether);
    }

    /// @dev Delegates the EOA of `pk` to the implementation with a signed 7702 authorization
    ///      attached to the next call (here: a call to the EOA itself).
    function _delegate(uint256 pk) internal {
        vm.signAndAttachDelegation(address(implementation), pk);
        // The attached delegation is applied by the next call.
        (bool ok,) = vm.addr(pk).call("");
        vm.assertTrue(ok, "delegation call");
        vm.assertEq(
            keccak256(vm.addr(pk).code),
            keccak256(abi.encodePacked(hex"ef0100", address(implementation))),
            "EOA not delegated"
        );
    }

    // ------------------------------------------------------------------
    //  Building specs
    // ------------------------------------------------------------------

    function _uid() internal returns (bytes32) {
        _uidSeed = keccak256(abi.encode(_uidSeed, "uid"));
        return _uidSeed;
    }

    function _unlimited() internal pure returns (SessionLib.UsageLimit memory) {
        return SessionLib.UsageLimit(SessionLib.LimitType.Unlimited, 0, 0);
    }

    function _lifetime(uint256 limit) internal pure returns (SessionLib.UsageLimit memory) {
        return SessionLib.UsageLimit(SessionLib.LimitType.Lifetime, limit, 0);
    }

    function _allowance(uint256 limit, uint256 period) internal pure returns (SessionLib.UsageLimit memory) {
        return SessionLib.UsageLimit(SessionLib.LimitType.Allowance, limit, period);
    }

    function _constraint(SessionLib.Condition condition, uint64 index, bytes32 refValue)
        internal
        pure
        returns (SessionLib.Constraint memory)
    {
        return SessionLib.Constraint(condition, index, refValue, _unlimited());
    }

    function _constraint(
        SessionLib.Condition condition,
        uint64 index,
        bytes32 refValue,
        SessionLib.UsageLimit memory limit
    ) internal pure returns (SessionLib.Constraint memory) {
        return SessionLib.Constraint(condition, index, refValue, limit);
    }

    /// @dev A session for `sessionSigner` expiring in one day, without policies.
    function _spec() internal returns (SessionLib.SessionSpec memory spec) {
        spec.signer = sessionSigner;
        spec.expiresAt = block.timestamp + 1 days;
        spec.uid = _uid();
    }

    function _wildcardSpec() internal returns (SessionLib.SessionSpec memory spec) {
        spec = _spec();
        spec.isWildcard = true;
    }

    function _addCall(
        SessionLib.SessionSpec memory spec,
        address target,
        bytes4 selector,
        uint256 maxValuePerUse,
        SessionLib.UsageLimit memory valueLimit
    ) internal pure returns (SessionLib.CallSpec memory c) {
        c.target = target;
        c.selector = selector;
        c.maxValuePerUse = maxValuePerUse;
        c.valueLimit = valueLimit;
        SessionLib.CallSpec[] memory grown = new SessionLib.CallSpec[](spec.callPolicies.length + 1);
        for (uint256 i; i < spec.callPolicies.length; ++i) {
            grown[i] = spec.callPolicies[i];
        }
        grown[spec.callPolicies.length] = c;
        spec.callPolicies = grown;
    }

    function _addConstraint(SessionLib.CallSpec memory c, SessionLib.Constraint memory k) internal pure {
        SessionLib.Constraint[] memory grown = new SessionLib.Constraint[](c.constraints.length + 1);
        for (uint256 i; i < c.constraints.length; ++i) {
            grown[i] = c.constraints[i];
        }
        grown[c.constraints.length] = k;
        c.constraints = grown;
    }

    function _addTransfer(
        SessionLib.SessionSpec memory spec,
        address target,
        uint256 maxValuePerUse,
        SessionLib.UsageLimit memory valueLimit
    ) internal pure {
        SessionLib.TransferSpec[] memory grown = new SessionLib.TransferSpec[](spec.transferPolicies.length + 1);
        for (uint256 i; i < spec.transferPolicies.length; ++i) {
            grown[i] = spec.transferPolicies[i];
        }
        grown[spec.transferPolicies.length] = SessionLib.TransferSpec(target, maxValuePerUse, valueLimit);
        spec.transferPolicies = grown;
    }

    // ------------------------------------------------------------------
    //  Signing and granting
    // ------------------------------------------------------------------

    function _signDigest(uint256 pk, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, digest);
        return abi.encodePacked(r, s, v);
    }

    function _signSpec(uint256 pk, SessionLib.SessionSpec memory spec) internal view returns (bytes memory) {
        return _signDigest(pk, SessionHelpers.digest(address(account), block.chainid, spec.hash()));
    }

    function _signCalls(uint256 pk, WrappedCalls memory w) internal view returns (bytes memory) {
        return _signDigest(pk, SessionHelpers.digest(address(account), block.chainid, w.hash()));
    }

    /// @dev ERC-7739 `PersonalSign` signature by `pk` of the message hash `hash` for account
    ///      `acct`: `r ‖ s ‖ v` over acct's typed-data digest of `PersonalSign{prefixed: hash}`.
    function _personalSign(uint256 pk, address acct, bytes32 hash) internal view returns (bytes memory) {
        bytes32 structHash = keccak256(abi.encode(keccak256("PersonalSign(bytes prefixed)"), hash));
        return _signDigest(pk, SessionHelpers.digest(acct, block.chainid, structHash));
    }

    /// @dev ERC-7739 `TypedDataSign` signature by `pk`, for account `acct`, of the EIP-712
    ///      request `contents` (a struct hash of type `contentsType`, whose name starts it) under
    ///      the application's domain separator `appDomain` (implicit mode).
    function _typedDataSign(
        uint256 pk,
        address acct,
        bytes32 appDomain,
        bytes32 contents,
        string memory contentsName,
        string memory contentsType
    ) internal view returns (bytes memory) {
        bytes32 typeHash = keccak256(
            abi.encodePacked(
                "TypedDataSign(",
                contentsName,
                " contents,string name,string version,uint256 chainId,address verifyingContract,bytes32 salt)",
                contentsType
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(typeHash, contents, keccak256("MinimalAccount"), keccak256("1"), block.chainid, acct, bytes32(0))
        );
        bytes32 d = keccak256(abi.encodePacked(hex"1901", appDomain, structHash));
        return
            abi.encodePacked(_signDigest(pk, d), appDomain, contents, contentsType, uint16(bytes(contentsType).length));
    }

    /// @dev Grants `spec`, signed by the owner, submitted by an unrelated relayer.
    function _grant(SessionLib.SessionSpec memory spec) internal virtual {
        bytes memory sig = _signSpec(OWNER_PK, spec);
        vm.prank(other);
        account.createSessionWithSig(spec, sig);
    }

    // ------------------------------------------------------------------
    //  Calls
    // ------------------------------------------------------------------

    function _one(address target, uint256 value, bytes memory data) internal pure returns (Call[] memory calls) {
        calls = new Call[](1);
        calls[0] = Call(target, value, data);
    }

    function _two(Call memory a, Call memory b) internal pure returns (Call[] memory calls) {
        calls = new Call[](2);
        calls[0] = a;
        calls[1] = b;
    }

    /// @dev `execute(calls)` sent by `sender`.
    function _execAs(address sender, Call[] memory calls) internal {
        vm.prank(sender);
        account.execute(calls);
    }

    /// @dev `execute(calls)` sent by the session signer.
    function _execSession(Call[] memory calls) internal {
        _execAs(sessionSigner, calls);
    }

    /// @dev `execute(calls)` sent by the owner (the account itself).
    function _execOwner(Call[] memory calls) internal {
        _execAs(ownerAddr, calls);
    }

    function _acc() internal view returns (address) {
        return address(account);
    }

    function _setNumber(uint256 n) internal pure returns (bytes memory) {
        return abi.encodeCall(Counter.setNumber, (n));
    }

    function _inc() internal pure returns (bytes memory) {
        return abi.encodeCall(Counter.increment, ());
    }

    function _wrapped(Call[] memory calls, bytes32 uid) internal pure returns (WrappedCalls memory w) {
        w.calls = calls;
        w.uid = uid;
    }

    function _transferData(address to, uint256 amount) internal pure returns (bytes memory) {
        return abi.encodeWithSignature("transfer(address,uint256)", to, amount);
    }
}

/// @notice Reference EIP-712 hashing of the session types over memory structs.
library SessionHelpers {
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant USAGE_LIMIT = keccak256("UsageLimit(uint8 limitType,uint256 limit,uint256 period)");
    bytes32 internal constant CONSTRAINT = keccak256(
        "Constraint(uint8 condition,uint64 index,bytes32 refValue,UsageLimit limit)UsageLimit(uint8 limitType,uint256 limit,uint256 period)"
    );
    bytes32 internal constant CALL_SPEC = keccak256(
        "CallSpec(address target,bytes4 selector,uint256 maxValuePerUse,UsageLimit valueLimit,Constraint[] constraints)Constraint(uint8 condition,uint64 index,bytes32 refValue,UsageLimit limit)UsageLimit(uint8 limitType,uint256 limit,uint256 period)"
    );
    bytes32 internal constant TRANSFER_SPEC = keccak256(
        "TransferSpec(address target,uint256 maxValuePerUse,UsageLimit valueLimit)UsageLimit(uint8 limitType,uint256 limit,uint256 period)"
    );
    bytes32 internal constant SESSION_SPEC = keccak256(
        "SessionSpec(address signer,bool isWildcard,uint256 expiresAt,CallSpec[] callPolicies,TransferSpec[] transferPolicies,bytes32 uid)CallSpec(address target,bytes4 selector,uint256 maxValuePerUse,UsageLimit valueLimit,Constraint[] constraints)Constraint(uint8 condition,uint64 index,bytes32 refValue,UsageLimit limit)TransferSpec(address target,uint256 maxValuePerUse,UsageLimit valueLimit)UsageLimit(uint8 limitType,uint256 limit,uint256 period)"
    );
    bytes32 internal constant CALL = keccak256("Call(address target,uint256 value,bytes data)");
    bytes32 internal constant WRAPPED_CALLS =
        keccak256("WrappedCalls(Call[] calls,bytes32 uid)Call(address target,uint256 value,bytes data)");

    function domainSeparator(address verifyingContract, uint256 chainId) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(DOMAIN_TYPEHASH, keccak256("MinimalAccount"), keccak256("1"), chainId, verifyingContract)
            );
    }

    function digest(address verifyingContract, uint256 chainId, bytes32 structHash) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(hex"1901", domainSeparator(verifyingContract, chainId), structHash));
    }

    function hash(SessionLib.UsageLimit memory l) internal pure returns (bytes32) {
        return keccak256(abi.encode(USAGE_LIMIT, uint8(l.limitType), l.limit, l.period));
    }

    function hash(SessionLib.Constraint memory k) internal pure returns (bytes32) {
        return keccak256(abi.encode(CONSTRAINT, uint8(k.condition), k.index, k.refValue, hash(k.limit)));
    }

    function hash(SessionLib.CallSpec memory c) internal pure returns (bytes32) {
        bytes memory packed;
        for (uint256 i; i < c.constraints.length; ++i) {
            packed = abi.encodePacked(packed, hash(c.constraints[i]));
        }
        return
            keccak256(
                abi.encode(CALL_SPEC, c.target, c.selector, c.maxValuePerUse, hash(c.valueLimit), keccak256(packed))
            );
    }

    function hash(SessionLib.TransferSpec memory t) internal pure returns (bytes32) {
        return keccak256(abi.encode(TRANSFER_SPEC, t.target, t.maxValuePerUse, hash(t.valueLimit)));
    }

    function hash(SessionLib.SessionSpec memory s) internal pure returns (bytes32) {
        bytes memory calls;
        for (uint256 i; i < s.callPolicies.length; ++i) {
            calls = abi.encodePacked(calls, hash(s.callPolicies[i]));
        }
        bytes memory transfers;
        for (uint256 i; i < s.transferPolicies.length; ++i) {
            transfers = abi.encodePacked(transfers, hash(s.transferPolicies[i]));
        }
        return keccak256(
            abi.encode(SESSION_SPEC, s.signer, s.isWildcard, s.expiresAt, keccak256(calls), keccak256(transfers), s.uid)
        );
    }

    function hash(WrappedCalls memory w) internal pure returns (bytes32) {
        bytes memory calls;
        for (uint256 i; i < w.calls.length; ++i) {
            Call memory c = w.calls[i];
            calls = abi.encodePacked(calls, keccak256(abi.encode(CALL, c.target, c.value, keccak256(c.data))));
        }
        return keccak256(abi.encode(WRAPPED_CALLS, keccak256(calls), w.uid));
    }
}
