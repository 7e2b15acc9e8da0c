// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {Base} from "./utils/Base.sol";
import {vm} from "./utils/Vm.sol";
import {SessionLib} from "../types/Types.sol";

contract SmokeTest is Base {
    function test_grantAndUse() public {
        SessionLib.SessionSpec memory spec = _spec();
        SessionLib.CallSpec memory c = _addCall(spec, address(token), token.transfer.selector, 0, _unlimited());
        _addConstraint(c, _constraint(SessionLib.Condition.Equal, 0, bytes32(uint256(uint160(other)))));
        _addConstraint(c, _constraint(SessionLib.Condition.LessOrEqual, 1, bytes32(uint256(100)), _lifetime(1000)));
        _addTransfer(spec, address(receiver), 1 ether, _lifetime(2 ether));
        _grant(spec);
        _execSession(_one(address(token), 0, _transferData(other, 100)));
        vm.assertEq(token.balanceOf(other), 100, "transferred");
        SessionLib.CallSpec[] memory calls = account.getCallPoliciesForSigner(sessionSigner);
        vm.assertEq(calls.length, 1, "one call policy");
        vm.assertEq(calls[0].constraints[1].refValue, bytes32(uint256(100)), "ref");
        SessionLib.SessionState memory st = account.getSessionStateForSigner(sessionSigner);
        vm.assertEq(st.callParams.length, 1, "one limited param");
        vm.assertEq(st.callParams[0].remaining, 900, "remaining");
        vm.assertEq(st.transferValue[0].remaining, 2 ether, "transfer remaining");
    }
}
