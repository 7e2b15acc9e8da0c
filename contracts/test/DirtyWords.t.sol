// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {vm} from "./utils/Vm.sol";
import {Base} from "./utils/Base.sol";
import {Call, SessionLib} from "../types/Types.sol";
import {IMinimalAccount} from "../interfaces/IMinimalAccount.sol";
import {MaskingToken} from "../fixtures/MaskingToken.sol";

/// @notice Constraints compare whole 32-byte words. A NotEqual (also Greater, GreaterOrEqual)
///         constraint on an `address`, `uintN < 256` or `bool` parameter is passed by a word
///         with dirty upper bits, which a target that masks the word (pre-0.8 tokens such as
///         USDT) reads as the forbidden value. The remedy needs no contract change: a range
///         constraint on the same word, `LessOrEqual 2^bits - 1` with an Unlimited limit,
///         which the Rust builders add automatically. Two constraints on one index work.
contract DirtyWordsTest is Base {
    bytes4 internal constant TRANSFER = 0xa9059cbb;
    MaskingToken internal usdt;
    address internal forbidden;

    function setUp() public override {
        super.setUp();
        usdt = new MaskingToken();
        usdt.mint(ownerAddr, 1_000 ether);
        forbidden = vm.addr(0xF0B1D);
    }

    /// @dev transfer(to, amount) to anyone but `forbidden`; with `range`, word 0 must also be
    ///      a clean address (at most 2^160 - 1).
    function _spec(bool range) internal returns (SessionLib.SessionSpec memory spec) {
        spec = _spec();
        SessionLib.CallSpec memory c = _addCall(spec, address(usdt), TRANSFER, 0, _unlimited());
        _addConstraint(c, _constraint(SessionLib.Condition.NotEqual, 0, bytes32(uint256(uint160(forbidden)))));
        if (range) {
            _addConstraint(c, _constraint(SessionLib.Condition.LessOrEqual, 0, bytes32(uint256(type(uint160).max))));
        }
    }

    /// @dev transfer(forbidden | 1 << 200, amount), hand-encoded (the ABI encoder writes clean words).
    function _dirtyTransfer(uint256 amount) internal view returns (Call[] memory) {
        bytes32 word = bytes32(uint256(uint160(forbidden)) | (uint256(1) << 200));
        return _one(address(usdt), 0, abi.encodePacked(TRANSFER, word, amount));
    }

    /// @dev The attack: NotEqual alone is passed by the dirty word, and the token pays the
    ///      forbidden address.
    function test_notEqualAlone_dirtyWordPaysForbiddenAddress() public {
        _grant(_spec(false));
        _execSession(_dirtyTransfer(100 ether));
        vm.assertEq(usdt.balanceOf(forbidden), 100 ether, "the forbidden address was paid");
    }

    /// @dev The remedy: the range constraint on the same index refuses the dirty word.
    function test_rangeConstraintOnSameIndex_refusesDirtyWord() public {
        _grant(_spec(true));
        bytes32 word = bytes32(uint256(uint160(forbidden)) | (uint256(1) << 200));
        vm.expectRevert(
            abi.encodeWithSelector(
                IMinimalAccount.ConditionFailed.selector,
                word,
                bytes32(uint256(type(uint160).max)),
                uint8(SessionLib.Condition.LessOrEqual)
            )
        );
        _execSession(_dirtyTransfer(100 ether));
        vm.assertEq(usdt.balanceOf(forbidden), 0, "nothing paid");
    }

    /// @dev A spec with two constraints on the same index keeps working: clean transfers to
    ///      anyone else pass both, the forbidden address is still refused by NotEqual.
    function test_twoConstraintsOnSameIndex_work() public {
        _grant(_spec(true));
        _execSession(_one(address(usdt), 0, _transferData(other, 10 ether)));
        vm.assertEq(usdt.balanceOf(other), 10 ether, "clean transfer");
        vm.expectRevert(
            abi.encodeWithSelector(
                IMinimalAccount.ConditionFailed.selector,
                bytes32(uint256(uint160(forbidden))),
                bytes32(uint256(uint160(forbidden))),
                uint8(SessionLib.Condition.NotEqual)
            )
        );
        _execSession(_one(address(usdt), 0, _transferData(forbidden, 10 ether)));
        vm.assertEq(account.getCallPoliciesForSigner(sessionSigner)[0].constraints.length, 2, "both stored");
    }
}
