//! Mutated ABIs and random module names never make the generator panic, and never produce a
//! "generator bug": either an input error or output that parses.

use crate::common;

use proptest::prelude::*;
use serde_json::Value;
use sessionkit_gen::{Error, Generator};

/// Values a mutation writes into the ABI.
fn replacement(choice: u32) -> Value {
    const STRINGS: &[&str] = &[
        "",
        "x",
        "tuple",
        "tuple[]",
        "tuple[2]",
        "uint7",
        "uint",
        "int24",
        "uint256[0]",
        "uint256[2][]",
        "bytes33",
        "bytes1",
        "bytes",
        "string[3]",
        "address[18446744073709551615]",
        "function",
        "type",
        "self",
        "build",
        "a$b",
        "$",
        "_",
        "1abc",
        "fn",
        "super",
        "value_limit",
        "struct SessionLib.CallSpec",
        "struct A.B.C",
        "enum E",
        "contract IERC20",
        "struct X[]",
        "function",
        "event",
        "error",
        "constructor",
        "fallback",
        "receive",
        "payable",
        "view",
        "struct SessionLib.UsageLimit",
        "struct Constraint",
        "SessionLib",
        "limit",
        "index",
        "uint64",
        "uint8",
        "address",
        "bool",
        "bytes4",
        "bytes32",
        "int256",
        "tuple[3][]",
        "transfer",
        "transfer_0",
        "Transfer",
        "ERC20",
        "Any",
        "eq",
        "crate",
        "match",
    ];
    match choice % 8 {
        0 => Value::Null,
        1 => Value::Bool(choice.is_multiple_of(3)),
        2 => Value::from(i64::from(choice % 7) - 3),
        3 => Value::Array(Vec::new()),
        4 => Value::Object(serde_json::Map::new()),
        _ => Value::String(STRINGS[(choice / 8) as usize % STRINGS.len()].to_string()),
    }
}

/// The number of nodes of `v`.
fn count(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count).sum(),
        Value::Object(o) => o.values().map(count).sum(),
        _ => 0,
    }
}

const FIELDS: &[&str] = &["name", "type", "internalType", "stateMutability"];

/// The number of fields that shape the generated code: names, types, internal types.
fn count_fields(v: &Value) -> usize {
    match v {
        Value::Array(a) => a.iter().map(count_fields).sum(),
        Value::Object(o) => o
            .iter()
            .map(|(k, v)| usize::from(FIELDS.contains(&k.as_str())) + count_fields(v))
            .sum(),
        _ => 0,
    }
}

/// Replaces field number `target` (pre-order) with `new`.
fn replace_field(v: &mut Value, target: &mut usize, new: &Value) -> bool {
    match v {
        Value::Array(a) => a.iter_mut().any(|e| replace_field(e, target, new)),
        Value::Object(o) => o.iter_mut().any(|(k, value)| {
            if FIELDS.contains(&k.as_str()) {
                if *target == 0 {
                    *value = new.clone();
                    return true;
                }
                *target -= 1;
            }
            replace_field(value, target, new)
        }),
        _ => false,
    }
}

/// Applies a structural mutation `kind` to node number `target` (pre-order) of `v`.
fn mutate_node(v: &mut Value, target: &mut usize, kind: u32, choice: u32) -> bool {
    if *target == 0 {
        match (kind % 3, &mut *v) {
            (0, Value::Array(a)) if !a.is_empty() => {
                let i = choice as usize % a.len();
                let e = a[i].clone();
                a.insert(i, e);
            }
            (1, Value::Array(a)) if !a.is_empty() => {
                a.remove(choice as usize % a.len());
            }
            (_, Value::Object(o)) if !o.is_empty() && kind % 3 == 1 => {
                let key = o.keys().nth(choice as usize % o.len()).unwrap().clone();
                o.remove(&key);
            }
            _ => *v = replacement(choice),
        }
        return true;
    }
    *target -= 1;
    match v {
        Value::Array(a) => a.iter_mut().any(|e| mutate_node(e, target, kind, choice)),
        Value::Object(o) => o.values_mut().any(|e| mutate_node(e, target, kind, choice)),
        _ => false,
    }
}

/// Mostly replaces names and types (so the ABI often stays an ABI and reaches the model),
/// sometimes duplicates, removes or replaces any node.
fn mutate(v: &mut Value, at: u32, kind: u32, choice: u32) {
    if !kind.is_multiple_of(4) {
        let mut target = at as usize % count_fields(v).max(1);
        replace_field(v, &mut target, &replacement(5 + 8 * (choice / 8)));
    } else {
        let mut target = at as usize % count(v);
        mutate_node(v, &mut target, kind / 4, choice);
    }
}

fn mutated(path: &std::path::Path, mutations: &[(u32, u32, u32)]) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let mut value: Value = serde_json::from_str(&text).unwrap();
    // An artifact: mutate its ABI.
    if let Some(abi) = value.get("abi") {
        value = abi.clone();
    }
    for &(at, kind, choice) in mutations {
        mutate(&mut value, at, kind, choice);
    }
    value.to_string()
}

fn check(
    result: Result<std::collections::BTreeMap<String, String>, Error>,
) -> Result<(), TestCaseError> {
    match result {
        Err(e @ Error::GeneratorBug { .. }) => Err(TestCaseError::fail(e.to_string())),
        Err(e) => {
            let message = e.to_string();
            prop_assert!(!message.contains('\n'), "multi-line error: {message}");
            Ok(())
        }
        Ok(files) => {
            for (name, content) in files {
                prop_assert!(syn::parse_file(&content).is_ok(), "{name} does not parse");
            }
            Ok(())
        }
    }
}

const TARGETS: &[&str] = &[
    "EdgeCases.abi.json",
    "ERC20.abi.json",
    "NonfungiblePositionManager.abi.json",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn mutated_target_abis_never_panic(
        which in 0..TARGETS.len(),
        mutations in prop::collection::vec((any::<u32>(), any::<u32>(), any::<u32>()), 1..6),
        module in prop_oneof![
            8 => "[a-z][a-z0-9_]{0,6}",
            1 => "[ -~]{0,6}",
            1 => Just("type".to_string()),
            1 => Just("account".to_string()),
        ],
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Target.json");
        std::fs::write(&path, mutated(&common::fixture(TARGETS[which]), &mutations)).unwrap();
        let generator = Generator::new()
            .account_abi(common::session_account())
            .target(module, &path);
        check(generator.render())?;
    }

    #[test]
    fn mutated_account_abis_never_panic(
        mutations in prop::collection::vec((any::<u32>(), any::<u32>(), any::<u32>()), 1..6),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Account.json");
        std::fs::write(&path, mutated(&common::session_account(), &mutations)).unwrap();
        let generator = Generator::new()
            .account_abi(&path)
            .target("erc20", common::fixture("ERC20.abi.json"));
        check(generator.render())?;
    }
}
