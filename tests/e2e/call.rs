//! `Call::from_json` and `Call::function`: calls written by hand, by function signature and
//! arguments, and the errors that name the bad field.

use alloy::primitives::{address, Address, U256};
use alloy::sol;
use alloy::sol_types::SolCall;
use sessionkit::Call;

sol! {
    function transfer(address to, uint256 value);
    struct Pool { address token; uint24 fee; }
    function swap(Pool pool, uint256[2] amounts, bool exact);
}

const TOKEN: Address = address!("0x3333333333333333333333333333333333333333");
const BOB: Address = address!("0x4444444444444444444444444444444444444444");

#[test]
fn a_function_call_encodes_its_arguments_with_units() {
    let call = Call::from_json(&format!(
        r#"{{"target": "{TOKEN}", "function": "transfer(address,uint256)", "args": ["{BOB}", "0.5 ether"], "value": "1 gwei"}}"#
    ))
    .unwrap();
    let expected = transferCall {
        to: BOB,
        value: U256::from(500_000_000_000_000_000u64),
    };
    assert_eq!(call.target, TOKEN);
    assert_eq!(call.value, U256::from(1_000_000_000u64));
    assert_eq!(call.data.as_ref(), expected.abi_encode().as_slice());
    // The same through the Rust constructor, and JSON numbers and booleans as written.
    let same = Call::function(
        TOKEN,
        "transfer(address,uint256)",
        &[&BOB.to_string(), "0.5 ether"],
    )
    .unwrap();
    assert_eq!(same.data, call.data);
    let tuple = Call::from_json(&format!(
        r#"{{"target": "{TOKEN}", "function": "swap((address,uint24),uint256[2],bool)", "args": ["({BOB},3000)", "[1,2]", true]}}"#
    ))
    .unwrap();
    let expected = swapCall {
        pool: Pool {
            token: BOB,
            fee: alloy::primitives::Uint::from(3000),
        },
        amounts: [U256::from(1), U256::from(2)],
        exact: true,
    };
    assert_eq!(tuple.data.as_ref(), expected.abi_encode().as_slice());
}

#[test]
fn raw_data_and_plain_transfers_read_as_written() {
    let calls = Call::list_from_json(&format!(
        r#"[{{"target": "{TOKEN}", "data": "0xa9059cbb"}}, {{"target": "{BOB}", "value": "0.01 ether"}}]"#
    ))
    .unwrap();
    assert_eq!(calls[0].selector(), Some([0xa9, 0x05, 0x9c, 0xbb]));
    assert_eq!(calls[1], Call::transfer(BOB, 10_000_000_000_000_000u64));
}

#[test]
fn each_mistake_is_one_line_naming_the_field() {
    let cases = [
        (
            format!(
                r#"[{{"target": "{TOKEN}", "function": "transfer(address,uint256)", "args": ["{BOB}"]}}]"#
            ),
            "[0].args: transfer(address,uint256) takes 2 arguments, 1 given",
        ),
        (
            format!(
                r#"[{{"target": "{TOKEN}"}}, {{"target": "{TOKEN}", "function": "transfer(address,uint256)", "args": ["bob", "1"]}}]"#
            ),
            "[1].args[0]: \"bob\" is not a valid address",
        ),
        (
            format!(r#"[{{"target": "{TOKEN}", "function": "transfer(address,", "args": []}}]"#),
            "[0].function: \"transfer(address,\" is not a function signature",
        ),
        (
            format!(r#"[{{"target": "{TOKEN}", "data": "0x", "function": "f()"}}]"#),
            "[0]: give either \"data\" or \"function\"",
        ),
        (
            format!(r#"[{{"target": "{TOKEN}", "args": ["1"]}}]"#),
            "[0].args: \"args\" needs \"function\"",
        ),
        (
            format!(r#"[{{"target": "{TOKEN}", "value": "1.5 wei"}}]"#),
            "[0].value: \"1.5 wei\" is not a whole number of wei",
        ),
        (r#"[{"target": "0x12"}]"#.to_owned(), "[0].target"),
        (
            format!(r#"[{{"target": "{TOKEN}", "gas": 1}}]"#),
            "unknown field `gas`",
        ),
    ];
    for (json, expected) in cases {
        let message = Call::list_from_json(&json).unwrap_err().to_string();
        assert!(
            message.starts_with(expected) || message.contains(expected),
            "{message:?} does not say {expected:?}"
        );
        assert!(!message.contains('\n'), "{message:?}");
    }
}
