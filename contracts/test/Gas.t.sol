// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {Base} from "./utils/Base.sol";
import {vm} from "./utils/Vm.sol";
import {Call, WrappedCalls, SessionLib} from "../types/Types.sol";

interface VmGas {
    struct Gas {
        uint64 gasLimit;
        uint64 gasTotalUsed;
        uint64 gasMemoryUsed;
        int64 gasRefunded;
        uint64 gasRemaining;
    }

    function lastCallGas() external view returns (Gas memory gas);
}

/// @notice Gas per operation, printed for the README. Run in isolation so that every measured
///         call is its own transaction with cold storage, as on chain:
///         `forge test --match-path contracts/test/Gas.t.sol --isolate -vv`.
///         Each figure is the transaction's gas (21,000 base and calldata included, as forge
///         reports an isolated call); the grant is also shown without them. Session overhead is
///         the difference between two transactions with the same calldata.
contract GasTest is Base {
    SessionLib.SessionSpec internal spec;

    function setUp() public override {
        super.setUp();
        SessionLib.SessionSpec memory s = _spec();
        SessionLib.CallSpec memory c = _addCall(s, address(token), token.transfer.selector, 0, _unlimited());
        _addConstraint(c, _constraint(SessionLib.Condition.Equal, 0, bytes32(uint256(uint160(other)))));
        _addConstraint(
            c, _constraint(SessionLib.Condition.LessOrEqual, 1, bytes32(uint256(1000 ether)), _lifetime(1e24))
        );
        _addTransfer(s, address(receiver), 1 ether, _lifetime(10 ether));
        _store(s);
        // The recipient already holds tokens, so every transfer writes a non-zero balance.
        token.mint(other, 1);
    }

    function _store(SessionLib.SessionSpec memory s) internal {
        delete spec;
        spec.signer = s.signer;
        spec.isWildcard = s.isWildcard;
        spec.expiresAt = s.expiresAt;
        spec.uid = s.uid;
        for (uint256 i; i < s.callPolicies.length; ++i) {
            SessionLib.CallSpec storage c = spec.callPolicies.push();
            c.target = s.callPolicies[i].target;
            c.selector = s.callPolicies[i].selector;
            c.maxValuePerUse = s.callPolicies[i].maxValuePerUse;
            c.valueLimit = s.callPolicies[i].valueLimit;
            for (uint256 j; j < s.callPolicies[i].constraints.length; ++j) {
                c.constraints.push(s.callPolicies[i].constraints[j]);
            }
        }
        for (uint256 i; i < s.transferPolicies.length; ++i) {
            spec.transferPolicies.push(s.transferPolicies[i]);
        }
    }

    function _used() internal view returns (uint256) {
        return VmGas(address(vm)).lastCallGas().gasTotalUsed;
    }

    function _report(string memory what, uint256 gas) internal {
        emit log_named_uint(what, gas);
    }

    function _grantMeasured() internal returns (uint256) {
        SessionLib.SessionSpec memory s = spec;
        bytes memory sig = _signSpec(OWNER_PK, s);
        vm.prank(other);
        account.createSessionWithSig(s, sig);
        return _used();
    }

    /// @dev 21,000 plus calldata gas (EIP-2028) of a transaction carrying `data`.
    function _intrinsic(bytes memory data) internal pure returns (uint256 gas) {
        gas = 21_000;
        for (uint256 i; i < data.length; ++i) {
            gas += data[i] == 0 ? 4 : 16;
        }
    }

    function test_gas_erc20TransferOwnerVsSession() public {
        _grantMeasured();
        Call[] memory calls = _one(address(token), 0, _transferData(other, 100 ether));

        _execOwner(calls);
        _execOwner(calls);
        uint256 owner = _used();

        _execSession(calls);
        uint256 firstUse = _used();
        _execSession(calls);
        uint256 steady = _used();

        _report("owner: ERC-20 transfer via execute", owner);
        _report("session: ERC-20 transfer, 1 CallSpec + 2 constraints, first use", firstUse);
        _report("session: ERC-20 transfer, 1 CallSpec + 2 constraints, steady state", steady);
        _report("session overhead, steady state", steady - owner);
        _report("session overhead, first use", firstUse - owner);
        // Regression ceiling just above the measured figure (target 9,500; the README's Figures):
        // 12,475 at 1,000,000 optimizer runs before the session paymasters; 12,551 after (the
        // session's usage id, read from its encoding) and 12,604 at the 1,000 runs foundry.toml
        // now uses (the account no longer fits EIP-170 at 1,000,000).
        vm.assertLe(steady - owner, 12_650, "steady-state session overhead regressed");
    }

    function test_gas_nativeTransfer() public {
        _grantMeasured();
        Call[] memory calls = _one(address(receiver), 0.1 ether, "");
        _execOwner(calls);
        _execOwner(calls);
        uint256 owner = _used();
        _execSession(calls);
        _execSession(calls);
        uint256 steady = _used();
        _report("owner: native transfer via execute", owner);
        _report("session: native transfer under a TransferSpec (Lifetime), steady state", steady);
    }

    function test_gas_grant() public {
        SessionLib.SessionSpec memory s = spec;
        bytes memory data = abi.encodeCall(account.createSessionWithSig, (s, _signSpec(OWNER_PK, s)));
        uint256 grant = _grantMeasured();
        _report("createSessionWithSig: 1 CallSpec + 2 constraints + 1 TransferSpec (tx)", grant);
        _report("createSessionWithSig: same, without 21,000 and calldata", grant - _intrinsic(data));
        // The account's first grant also writes the namespace's version marker (22,100); the
        // burn flag of the signer is read (2,100). Ceiling at the measured figure.
        vm.assertLe(grant - _intrinsic(data), 173_000, "first grant execution regressed");

        // A later grant (another signer, same policies): the marker is only read.
        SessionLib.SessionSpec memory again = spec;
        again.signer = other;
        again.uid = _uid();
        bytes memory againSig = _signSpec(OWNER_PK, again);
        bytes memory againData = abi.encodeCall(account.createSessionWithSig, (again, againSig));
        account.createSessionWithSig(again, againSig);
        uint256 later = _used();
        _report("createSessionWithSig: a later grant, without 21,000 and calldata", later - _intrinsic(againData));
        vm.assertLe(later - _intrinsic(againData), 153_000, "later grant execution regressed");

        SessionLib.SessionSpec memory w = _wildcardSpec();
        bytes memory sig = _signSpec(OWNER_PK, w);
        vm.prank(other);
        account.createSessionWithSig(w, sig);
        _report("createSessionWithSig: wildcard (tx)", _used());
    }

    function test_gas_executeWithSig() public {
        _grantMeasured();
        Call[] memory calls = _one(address(token), 0, _transferData(other, 100 ether));
        _execOwner(calls);

        WrappedCalls memory w = WrappedCalls(calls, _uid());
        bytes memory sig = _signCalls(OWNER_PK, w);
        vm.prank(other);
        account.executeWithSig(w, sig);
        _report("executeWithSig by the owner: ERC-20 transfer", _used());

        _execSession(calls);
        w = WrappedCalls(calls, _uid());
        sig = _signCalls(SESSION_PK, w);
        vm.prank(other);
        account.executeWithSig(w, sig);
        _report("executeWithSig by a session key: ERC-20 transfer, steady state", _used());
    }
}
