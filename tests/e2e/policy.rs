//! Session builders, validation and the JSON form.

use std::time::Duration;

use alloy::primitives::{address, b256, Address, B256, U256};
use sessionkit::policy::{
    CallPolicy, Condition, Constraint, Limit, SessionSpec, SpecError, TransferPolicy,
};

const KEY: Address = address!("0x2222222222222222222222222222222222222222");
const TOKEN: Address = address!("0x3333333333333333333333333333333333333333");
const BOB: Address = address!("0x4444444444444444444444444444444444444444");
const NOW: u64 = 1_800_000_000;

fn field(err: SpecError) -> (String, String) {
    match err {
        SpecError::Invalid { field, reason } => (field, reason),
        other => panic!("expected SpecError::Invalid, got {other}"),
    }
}

fn transfer_policy() -> CallPolicy {
    CallPolicy::function(TOKEN, "transfer(address,uint256)").unwrap()
}

#[test]
fn builder_computes_selector_expiry_and_keeps_order() {
    let spec = SessionSpec::builder(KEY)
        .expires_in(Duration::from_secs(3600))
        .call(transfer_policy().constraint(0, Condition::Equal, BOB))
        .call(CallPolicy::function(TOKEN, "approve(address,uint256)").unwrap())
        .transfer(TransferPolicy::new(BOB).max_value_per_use(U256::from(5)))
        .build_at(NOW)
        .unwrap();
    assert_eq!(spec.expires_at, NOW + 3600);
    assert_eq!(spec.call_policies[0].selector.0, [0xa9, 0x05, 0x9c, 0xbb]);
    assert_eq!(spec.call_policies[1].selector.0, [0x09, 0x5e, 0xa7, 0xb3]);
    assert_eq!(spec.call_policies[0].constraints[0].value, BOB.into_word());
    assert!(!spec.wildcard);
}

#[test]
fn expiry_must_be_in_the_future() {
    let (f, reason) = field(
        SessionSpec::builder(KEY)
            .wildcard()
            .expires_at(NOW)
            .build_at(NOW)
            .unwrap_err(),
    );
    assert_eq!(f, "expires_at");
    assert!(reason.contains("is not after now"), "{reason}");
    assert!(SessionSpec::builder(KEY)
        .wildcard()
        .expires_at(NOW + 1)
        .build_at(NOW)
        .is_ok());
    let (f, _) = field(
        SessionSpec::builder(KEY)
            .wildcard()
            .build_at(NOW)
            .unwrap_err(),
    );
    assert_eq!(f, "expires_at", "no expiry given at all");
}

#[test]
fn zero_signer_is_rejected() {
    let (f, _) = field(
        SessionSpec::builder(Address::ZERO)
            .wildcard()
            .expires_at(NOW + 1)
            .build_at(NOW)
            .unwrap_err(),
    );
    assert_eq!(f, "signer");
}

#[test]
fn allowance_without_period_names_the_limit() {
    let cases = [
        (
            SessionSpec::builder(KEY)
                .call(transfer_policy().value_limit(Limit::allowance(1u64, 0))),
            "call_policies[0].value_limit",
        ),
        (
            SessionSpec::builder(KEY).call(transfer_policy().constraint_limited(
                1,
                Condition::Unconstrained,
                0u64,
                Limit::allowance(1u64, 0),
            )),
            "call_policies[0].constraints[0].limit",
        ),
        (
            SessionSpec::builder(KEY)
                .transfer(TransferPolicy::new(BOB))
                .transfer(TransferPolicy::new(TOKEN).value_limit(Limit::allowance(1u64, 0))),
            "transfer_policies[1].value_limit",
        ),
    ];
    for (builder, want) in cases {
        let (f, reason) = field(builder.expires_at(NOW + 1).build_at(NOW).unwrap_err());
        assert_eq!(f, want);
        assert!(reason.contains("period"), "{reason}");
    }
}

#[test]
fn shadowed_policies_are_rejected() {
    let (f, reason) = field(
        SessionSpec::builder(KEY)
            .call(transfer_policy())
            .call(CallPolicy::function(TOKEN, "approve(address,uint256)").unwrap())
            .call(transfer_policy().max_value_per_use(1u64))
            .expires_at(NOW + 1)
            .build_at(NOW)
            .unwrap_err(),
    );
    assert_eq!(f, "call_policies[2]");
    assert!(
        reason.contains("call_policies[0]") && reason.contains("first match wins"),
        "{reason}"
    );

    let (f, _) = field(
        SessionSpec::builder(KEY)
            .transfer(TransferPolicy::new(BOB))
            .transfer(TransferPolicy::new(BOB))
            .expires_at(NOW + 1)
            .build_at(NOW)
            .unwrap_err(),
    );
    assert_eq!(f, "transfer_policies[1]");
    // Same target, different selectors: fine.
    assert!(SessionSpec::builder(KEY)
        .call(transfer_policy())
        .call(CallPolicy::new(TOKEN, [1, 2, 3, 4]))
        .expires_at(NOW + 1)
        .build_at(NOW)
        .is_ok());
}

#[test]
fn wildcard_with_policies_is_rejected() {
    let (f, reason) = field(
        SessionSpec::builder(KEY)
            .wildcard()
            .transfer(TransferPolicy::new(BOB))
            .expires_at(NOW + 1)
            .build_at(NOW)
            .unwrap_err(),
    );
    assert_eq!(f, "wildcard");
    assert!(reason.contains("ignores its policies"), "{reason}");
}

#[test]
fn constraint_index_is_checked_against_the_function() {
    let (f, reason) = field(
        SessionSpec::builder(KEY)
            .call(transfer_policy().constraint(2, Condition::Equal, 1u64))
            .expires_at(NOW + 1)
            .build_at(NOW)
            .unwrap_err(),
    );
    assert_eq!(f, "call_policies[0].constraints[0].index");
    assert!(
        reason.contains("transfer(address,uint256)") && reason.contains("2 word"),
        "{reason}"
    );

    // A dynamic parameter's head word is an offset, not a value.
    let (f, reason) = field(
        SessionSpec::builder(KEY)
            .call(
                CallPolicy::function(TOKEN, "f(uint256,bytes,address)")
                    .unwrap()
                    .constraint(1, Condition::Equal, 1u64),
            )
            .expires_at(NOW + 1)
            .build_at(NOW)
            .unwrap_err(),
    );
    assert_eq!(f, "call_policies[0].constraints[0].index");
    assert!(reason.contains("dynamic"), "{reason}");

    // Static tuples and fixed arrays flatten: (uint256,address)[2] + uint8 = 5 words.
    let policy = CallPolicy::function(TOKEN, "g((uint256,address)[2],uint8)").unwrap();
    assert!(SessionSpec::builder(KEY)
        .call(policy.clone().constraint(4, Condition::Less, 3u64))
        .expires_at(NOW + 1)
        .build_at(NOW)
        .is_ok());
    assert!(SessionSpec::builder(KEY)
        .call(policy.constraint(5, Condition::Less, 3u64))
        .expires_at(NOW + 1)
        .build_at(NOW)
        .is_err());
    // Without a known function, any index is accepted (the chain checks the calldata length).
    assert!(SessionSpec::builder(KEY)
        .call(CallPolicy::new(TOKEN, [0xa9, 0x05, 0x9c, 0xbb]).constraint(
            9,
            Condition::Equal,
            1u64
        ))
        .expires_at(NOW + 1)
        .build_at(NOW)
        .is_ok());
}

#[test]
fn a_bad_function_signature_is_an_error() {
    let err = CallPolicy::function(TOKEN, "transfer(address,").unwrap_err();
    assert!(
        err.to_string()
            .contains("not a Solidity function signature"),
        "{err}"
    );
}

#[test]
fn conditions_compare_unsigned_words() {
    let w = |v: u64| B256::from(U256::from(v));
    let max = B256::repeat_byte(0xff);
    assert!(
        Condition::Greater.holds(max, w(1)),
        "-1 as int256 is the largest uint256"
    );
    assert!(Condition::LessOrEqual.holds(w(5), w(5)));
    assert!(!Condition::Less.holds(w(5), w(5)));
    assert!(Condition::GreaterOrEqual.holds(w(5), w(5)));
    assert!(Condition::NotEqual.holds(w(4), w(5)));
    assert!(!Condition::Equal.holds(w(4), w(5)));
    assert!(Condition::Unconstrained.holds(w(4), w(5)));
    for c in Condition::ALL {
        assert_eq!(Condition::from_id(c.id()), Some(c));
    }
    assert_eq!(Condition::from_id(7), None);
}

#[test]
fn json_round_trip_is_exact() {
    let spec = SessionSpec::builder(KEY)
        .expires_at(NOW + 10)
        .call(
            transfer_policy()
                .max_value_per_use(U256::from(10u64).pow(U256::from(18)))
                .value_limit(Limit::lifetime(U256::from(7)))
                .constraint(0, Condition::Equal, BOB)
                .constraint_limited(
                    1,
                    Condition::LessOrEqual,
                    1000u64,
                    Limit::allowance(10_000u64, 86_400),
                ),
        )
        .transfer(TransferPolicy::new(BOB).max_value_per_use(U256::MAX))
        .build_at(NOW)
        .unwrap();
    let json = spec.to_json();
    assert_eq!(SessionSpec::from_json(&json).unwrap(), spec);
    assert!(json.contains("\"period\": \"1d\""), "{json}");
}

#[test]
fn hand_written_json_with_units_durations_and_dates() {
    let json = r#"{
        "signer": "0x2222222222222222222222222222222222222222",
        "expires_at": "2030-01-01T00:00:00Z",
        "call_policies": [{
            "target": "0x3333333333333333333333333333333333333333",
            "function": "transfer(address,uint256)",
            "max_value_per_use": "0.5 ether",
            "value_limit": {"allowance": "1 ether", "period": "1h"},
            "constraints": [
                {"index": 0, "condition": "==", "value": "0x4444444444444444444444444444444444444444"},
                {"index": 1, "condition": "less_or_equal", "value": "1000", "limit": {"lifetime": "5000"}}
            ]
        }],
        "transfer_policies": [{"target": "0x4444444444444444444444444444444444444444", "max_value_per_use": "20 gwei"}]
    }"#;
    let spec = SessionSpec::from_json(json).unwrap();
    assert_eq!(spec.expires_at, 1_893_456_000);
    let call = &spec.call_policies[0];
    assert_eq!(call.selector.0, [0xa9, 0x05, 0x9c, 0xbb]);
    assert_eq!(
        call.max_value_per_use,
        U256::from(500_000_000_000_000_000u64)
    );
    assert_eq!(
        call.value_limit,
        Limit::allowance(U256::from(10u64).pow(U256::from(18)), 3600)
    );
    assert_eq!(
        call.constraints[0],
        Constraint::new(
            0,
            Condition::Equal,
            b256!("0x0000000000000000000000004444444444444444444444444444444444444444")
        )
    );
    assert_eq!(call.constraints[1].limit, Limit::lifetime(5000u64));
    assert_eq!(
        spec.transfer_policies[0].max_value_per_use,
        U256::from(20_000_000_000u64)
    );
    assert_ne!(spec.uid, B256::ZERO, "a missing uid is random");
    spec.validate(NOW).unwrap();
}

#[test]
fn json_errors_name_the_field() {
    let cases = [
        (r#"{"signer": "0x12", "expires_at": 1}"#, "signer"),
        (
            r#"{"signer": "0x2222222222222222222222222222222222222222", "expires_at": 1,
               "call_policies": [{"target": "0x3333333333333333333333333333333333333333", "selector": "0xa9059cbb",
               "max_value_per_use": "1.5.3"}]}"#,
            "call_policies[0].max_value_per_use",
        ),
        (
            r#"{"signer": "0x2222222222222222222222222222222222222222", "expires_at": 1,
               "transfer_policies": [{"target": "0x3333333333333333333333333333333333333333",
               "max_value_per_use": "115792089237316195423570985008687907853269984665640564039457584007913129639936"}]}"#,
            "transfer_policies[0].max_value_per_use",
        ),
        (
            r#"{"signer": "0x2222222222222222222222222222222222222222", "expires_at": "soon"}"#,
            "expires_at",
        ),
        (
            r#"{"signer": "0x2222222222222222222222222222222222222222", "expires_at": 1,
               "transfer_policies": [{"target": "0x3333333333333333333333333333333333333333", "value_limit": {"allowance": "1"}}]}"#,
            "transfer_policies[0].value_limit",
        ),
        (
            r#"{"signer": "0x2222222222222222222222222222222222222222", "expires_at": 1,
               "call_policies": [{"target": "0x3333333333333333333333333333333333333333", "selector": "0xa9059cbb",
               "constraints": [{"index": 0, "condition": "almost", "value": 1}]}]}"#,
            "call_policies[0].constraints[0].condition",
        ),
        (
            r#"{"signer": "0x2222222222222222222222222222222222222222", "expires_at": 1, "colour": "red"}"#,
            "colour",
        ),
        (
            r#"{"signer": "0x2222222222222222222222222222222222222222", "expires_at": 1,
               "call_policies": [{"target": "0x3333333333333333333333333333333333333333"}]}"#,
            "call_policies[0]",
        ),
        (
            r#"{"signer": "0x2222222222222222222222222222222222222222", "expires_at": 1,
               "call_policies": [{"target": "0x3333333333333333333333333333333333333333", "selector": "0x12345678",
               "function": "transfer(address,uint256)"}]}"#,
            "call_policies[0].selector",
        ),
    ];
    for (json, path) in cases {
        let err = SessionSpec::from_json(json).unwrap_err();
        let text = err.to_string();
        assert!(!text.contains('\n'), "one line: {text}");
        match err {
            SpecError::Json { path: p, .. } => assert_eq!(p, path, "{text}"),
            SpecError::Invalid { field, .. } => assert_eq!(field, path, "{text}"),
        }
    }
}

#[test]
fn limits_display_for_people() {
    assert_eq!(Limit::Unlimited.to_string(), "unlimited");
    assert_eq!(
        Limit::allowance(
            U256::from(5u64) * U256::from(10u64).pow(U256::from(17)),
            86_400
        )
        .to_string(),
        "0.5 ether per 1d"
    );
}

#[test]
fn json_constraints_can_name_their_parameter() {
    let json = r#"{
      "signer": "0x2222222222222222222222222222222222222222",
      "expires_at": 1900000000,
      "call_policies": [{
        "target": "0x3333333333333333333333333333333333333333",
        "function": "transfer(address to, uint256 amount)",
        "constraints": [
          {"param": "amount", "condition": "lte", "value": "100", "limit": {"lifetime": "1000"}},
          {"param": "to", "condition": "ne", "value": "0x5555555555555555555555555555555555555555"}
        ]
      }]
    }"#;
    let spec = SessionSpec::from_json(json).unwrap();
    let policy = &spec.call_policies[0];
    assert_eq!(
        policy.function.as_deref(),
        Some("transfer(address,uint256)")
    );
    let got: Vec<(u64, Condition, Option<&str>)> = policy
        .constraints
        .iter()
        .map(|c| (c.index, c.condition, c.param.as_deref()))
        .collect();
    // `to != carol` brings its range guard (`to <= 2^160 - 1`) on the same word.
    assert_eq!(
        got,
        [
            (1, Condition::LessOrEqual, Some("amount")),
            (0, Condition::NotEqual, Some("to")),
            (0, Condition::LessOrEqual, Some("to")),
        ]
    );
    // Written back and read again: the guard is not doubled.
    let again = SessionSpec::from_json(&spec.to_json()).unwrap();
    assert_eq!(again.call_policies[0].constraints.len(), 3);
    spec.validate(1_800_000_000).unwrap();
}

#[test]
fn json_constraint_names_are_checked() {
    let spec = |function: &str, constraint: &str| {
        format!(
            r#"{{"signer": "0x2222222222222222222222222222222222222222", "expires_at": 1900000000,
               "call_policies": [{{"target": "0x3333333333333333333333333333333333333333", {function} "constraints": [{constraint}]}}]}}"#
        )
    };
    let cases = [
        (
            spec(r#""function": "transfer(address to, uint256 amount)","#, r#"{"param": "value", "condition": "eq", "value": "1"}"#),
            "call_policies[0].constraints[0].param: transfer(address,uint256) has no parameter word \"value\": its words are to, amount",
        ),
        (
            spec(r#""selector": "0xa9059cbb","#, r#"{"param": "amount", "condition": "eq", "value": "1"}"#),
            "call_policies[0].constraints[0].param: a constraint by \"param\" needs the policy's \"function\"",
        ),
        (
            spec(r#""function": "transfer(address to, uint256 amount)","#, r#"{"condition": "eq", "value": "1"}"#),
            "call_policies[0].constraints[0]: give the parameter's \"index\"",
        ),
        (
            spec(r#""function": "transfer(address to, uint256 amount)","#, r#"{"index": 0, "param": "amount", "condition": "eq", "value": "1"}"#),
            "call_policies[0].constraints[0].index: 0 is not the word of param \"amount\", which is 1",
        ),
    ];
    for (json, expected) in cases {
        let message = SessionSpec::from_json(&json).unwrap_err().to_string();
        assert!(
            message.contains(expected),
            "{message:?} does not say {expected:?}"
        );
        assert!(!message.contains('\n'), "{message:?}");
    }
    // Unnamed parameters are arg0, arg1…; the Solidity path works too.
    let by_position = spec(
        r#""function": "transfer(address,uint256)","#,
        r#"{"param": "arg1", "condition": "lte", "value": "5"}"#,
    );
    assert_eq!(
        SessionSpec::from_json(&by_position).unwrap().call_policies[0].constraints[0].index,
        1
    );
    // A signature names no tuple members: they go by position, as a path or a name.
    for param in ["order.1", "order_1"] {
        let by_path = spec(
            r#""function": "fill((address,uint256) order)","#,
            &format!(r#"{{"param": "{param}", "condition": "lte", "value": "5"}}"#),
        );
        let parsed = SessionSpec::from_json(&by_path).unwrap();
        assert_eq!(parsed.call_policies[0].constraints[0].index, 1);
        assert_eq!(
            parsed.call_policies[0].constraints[0].param.as_deref(),
            Some("order_1")
        );
    }
}
