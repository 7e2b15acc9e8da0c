// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {vm} from "./utils/Vm.sol";
import {SessionHelpers} from "./utils/Base.sol";
import {Call, WrappedCalls, SessionLib} from "../types/Types.sol";
import {SessionAccount} from "../SessionAccount.sol";
import {SessionHashes} from "../libraries/SessionHashes.sol";

interface VmEtch {
    function etch(address target, bytes calldata code) external;
}

/// @dev Exposes the account's EIP-712 digests (its own domain) for the vectors.
contract HashHarness is SessionAccount {
    function specDigest(SessionLib.SessionSpec calldata spec) external view returns (bytes32) {
        return _hashTypedData(SessionHashes.hash(spec));
    }

    function callsDigest(WrappedCalls calldata w) external view returns (bytes32) {
        return _hashTypedData(SessionHashes.hash(w));
    }

    function usageLimitHash(SessionLib.UsageLimit calldata l) external pure returns (bytes32) {
        return SessionHashes.hash(l);
    }

    function domainSeparator() external view returns (bytes32) {
        return _domainSeparator();
    }
}

/// @notice Pins every EIP-712 type hash and every test vector of docs/interface.md, for the contract's
///         hashing and for the tests' independent reference hashing.
contract Eip712Test {
    address constant VERIFYING = 0x1111111111111111111111111111111111111111;
    uint256 constant CHAIN = 84532;
    HashHarness harness;

    function setUp() public {
        HashHarness h = new HashHarness();
        VmEtch(address(vm)).etch(VERIFYING, address(h).code);
        vm.chainId(CHAIN);
        harness = HashHarness(payable(VERIFYING));
    }

    function test_typeHashes() public pure {
        vm.assertEq(
            SessionHashes.SESSION_SPEC_TYPEHASH,
            0xe014c215fe0b860400c9c55087003164c18c99bddae3538b4610a45c433ff34e,
            "SessionSpec"
        );
        vm.assertEq(
            SessionHashes.CALL_SPEC_TYPEHASH,
            0xabb738f37788320dd37396304c35cb7cbbc189eefbffacc59a8e19581ec7dfbd,
            "CallSpec"
        );
        vm.assertEq(
            SessionHashes.CONSTRAINT_TYPEHASH,
            0xbed6105fe3c95f2f7a3dccbdba4d83bd69040335c027650ae6fdc2a6dfac9cf1,
            "Constraint"
        );
        vm.assertEq(
            SessionHashes.TRANSFER_SPEC_TYPEHASH,
            0xbc4c7957f263301c84467ca7a699a581f027456f66e231e731df95c896ffdfd3,
            "TransferSpec"
        );
        vm.assertEq(
            SessionHashes.USAGE_LIMIT_TYPEHASH,
            0x9002aff0f2d06ba21e02e850feaa8f18ce65b5485f8af0dc74f3d1fdac410447,
            "UsageLimit"
        );
        vm.assertEq(
            SessionHashes.WRAPPED_CALLS_TYPEHASH,
            0x246c01ee07e2e2b6bd5c0a1021609c72f01a6001f1c6261a7822caa0fc4889ea,
            "WrappedCalls"
        );
        vm.assertEq(
            SessionHashes.CALL_TYPEHASH, 0x84fa2cf05cd88e992eae77e851af68a4ee278dcff6ef504e487a55b3baadfbe5, "Call"
        );
        vm.assertEq(SessionHelpers.SESSION_SPEC, SessionHashes.SESSION_SPEC_TYPEHASH, "reference SessionSpec");
        vm.assertEq(SessionHelpers.CALL_SPEC, SessionHashes.CALL_SPEC_TYPEHASH, "reference CallSpec");
        vm.assertEq(SessionHelpers.CONSTRAINT, SessionHashes.CONSTRAINT_TYPEHASH, "reference Constraint");
        vm.assertEq(SessionHelpers.TRANSFER_SPEC, SessionHashes.TRANSFER_SPEC_TYPEHASH, "reference TransferSpec");
        vm.assertEq(SessionHelpers.USAGE_LIMIT, SessionHashes.USAGE_LIMIT_TYPEHASH, "reference UsageLimit");
        vm.assertEq(SessionHelpers.WRAPPED_CALLS, SessionHashes.WRAPPED_CALLS_TYPEHASH, "reference WrappedCalls");
        vm.assertEq(SessionHelpers.CALL, SessionHashes.CALL_TYPEHASH, "reference Call");
    }

    function test_domainSeparator() public view {
        bytes32 expected = 0x7c0b59f38838520bfc3aaeed0bf4bd2fd2ab8b6db90aeefecf0f5694648e8d5d;
        vm.assertEq(harness.domainSeparator(), expected, "contract");
        vm.assertEq(SessionHelpers.domainSeparator(VERIFYING, CHAIN), expected, "reference");
        (bytes1 fields, string memory name, string memory version, uint256 chainId, address verifying, bytes32 salt,) =
            harness.eip712Domain();
        vm.assertEq(uint256(uint8(fields)), 0x0f, "fields");
        vm.assertEq(name, "MinimalAccount", "name");
        vm.assertEq(version, "1", "version");
        vm.assertEq(chainId, CHAIN, "chainId");
        vm.assertEq(verifying, VERIFYING, "verifyingContract");
        vm.assertEq(salt, bytes32(0), "salt");
    }

    function test_usageLimitHashes() public view {
        SessionLib.UsageLimit memory allowance = SessionLib.UsageLimit(SessionLib.LimitType.Allowance, 10000, 86400);
        SessionLib.UsageLimit memory unlimited = SessionLib.UsageLimit(SessionLib.LimitType.Unlimited, 0, 0);
        bytes32 a = 0xc2319beae1e87d86c8e82a973262623afe5456e1d0304f3af99b31fbeaed747b;
        bytes32 u = 0x2e88a1fc98daf77705501fe76cad9cfbc54f7ea383a39b97e1611976ec717be7;
        vm.assertEq(harness.usageLimitHash(allowance), a, "allowance");
        vm.assertEq(harness.usageLimitHash(unlimited), u, "unlimited");
        vm.assertEq(SessionHelpers.hash(allowance), a, "reference allowance");
        vm.assertEq(SessionHelpers.hash(unlimited), u, "reference unlimited");
    }

    function test_wildcardSpecVector() public view {
        SessionLib.SessionSpec memory spec;
        spec.signer = 0x2222222222222222222222222222222222222222;
        spec.isWildcard = true;
        spec.expiresAt = 1900000000;
        spec.uid = bytes32(type(uint256).max / 0xff * 0xab);
        bytes32 expected = 0x403e957c210a6850b4bd1573a5d6453153967b35b9b2f401790e6aaa261ad031;
        vm.assertEq(harness.specDigest(spec), expected, "contract");
        vm.assertEq(SessionHelpers.digest(VERIFYING, CHAIN, SessionHelpers.hash(spec)), expected, "reference");
    }

    function test_granularSpecVector() public view {
        SessionLib.SessionSpec memory spec;
        spec.signer = 0x2222222222222222222222222222222222222222;
        spec.expiresAt = 1900000000;
        spec.uid = bytes32(type(uint256).max / 0xff * 0xcd);
        spec.callPolicies = new SessionLib.CallSpec[](1);
        SessionLib.CallSpec memory c = spec.callPolicies[0];
        c.target = 0x3333333333333333333333333333333333333333;
        c.selector = 0xa9059cbb;
        c.constraints = new SessionLib.Constraint[](2);
        c.constraints[0].condition = SessionLib.Condition.Equal;
        c.constraints[0].refValue = bytes32(uint256(uint160(0x4444444444444444444444444444444444444444)));
        c.constraints[1] = SessionLib.Constraint(
            SessionLib.Condition.LessOrEqual,
            1,
            bytes32(uint256(1000)),
            SessionLib.UsageLimit(SessionLib.LimitType.Allowance, 10000, 86400)
        );
        spec.transferPolicies = new SessionLib.TransferSpec[](1);
        spec.transferPolicies[0] = SessionLib.TransferSpec(
            0x5555555555555555555555555555555555555555,
            100000,
            SessionLib.UsageLimit(SessionLib.LimitType.Lifetime, 1000000, 0)
        );
        bytes32 expected = 0x7a01bd2bdbbbd2e5efff4c2f9e54ec2dce9ce0748e5222b368de9e2e3f4b1a70;
        vm.assertEq(harness.specDigest(spec), expected, "contract");
        vm.assertEq(SessionHelpers.digest(VERIFYING, CHAIN, SessionHelpers.hash(spec)), expected, "reference");
    }

    function test_wrappedCallsVector() public view {
        WrappedCalls memory w;
        w.calls = new Call[](2);
        w.calls[0] = Call(0x3333333333333333333333333333333333333333, 0, hex"a9059cbb");
        w.calls[1] = Call(0x5555555555555555555555555555555555555555, 1, "");
        w.uid = bytes32(type(uint256).max / 0xff * 0xef);
        bytes32 expected = 0x8d379a3f1cd2a6d6d519b27033e0a5553f8dffb1b3b10444e419f92da109b25a;
        vm.assertEq(harness.callsDigest(w), expected, "contract");
        vm.assertEq(SessionHelpers.digest(VERIFYING, CHAIN, SessionHelpers.hash(w)), expected, "reference");
    }
}
