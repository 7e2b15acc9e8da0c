//! The golden outputs compile (progenitor's approach) and behave: each golden set is included
//! as a module, and the generated builders yield the runtime's policies, checked against
//! values built by hand.

#![allow(clippy::unreadable_literal)]

/// `tests/output/session_account`: the account and all target modules.
mod session_account {
    include!("output/session_account/mod.rs");
}

/// `tests/output/minimal_account`: the interface's ABI as the account.
mod minimal_account {
    include!("output/minimal_account/mod.rs");
}

/// `tests/output/bindings_only`: a target with view builders and no `#[sol(rpc)]`.
mod bindings_only {
    include!("output/bindings_only/mod.rs");
}

use alloy::primitives::{address, b256, fixed_bytes, Address, FixedBytes, B256, U256};
use alloy::sol_types::SolCall;
use session_account::{
    edge_cases, erc1155, erc20, erc721, position_manager, regressions, swap_router,
};
use sessionkit::policy::{CallPolicy, Condition, Constraint, Limit, SessionSpec, SpecError};
use sessionkit::typed::{any, eq, gt, gte, lt, lte, ne};

const TOKEN: Address = address!("0x3333333333333333333333333333333333333333");
const BOB: Address = address!("0x4444444444444444444444444444444444444444");
const KEY: Address = address!("0x2222222222222222222222222222222222222222");

fn word(n: u64) -> B256 {
    B256::from(U256::from(n))
}

fn named(index: u64, condition: Condition, value: B256, name: &str) -> Constraint {
    Constraint {
        index,
        param: Some(name.to_owned()),
        condition,
        value,
        limit: Limit::Unlimited,
    }
}

#[test]
fn the_flagship_line_yields_the_runtimes_call_policy() {
    let policy = erc20::transfer()
        .to(eq(BOB))
        .value(lte(100u64).lifetime(1_000u64))
        .build(TOKEN);
    let mut value = named(1, Condition::LessOrEqual, word(100), "value");
    value.limit = Limit::lifetime(1_000u64);
    assert_eq!(
        policy,
        CallPolicy {
            target: TOKEN,
            selector: fixed_bytes!("a9059cbb"),
            function: Some("transfer(address,uint256)".into()),
            max_value_per_use: U256::ZERO,
            value_limit: Limit::Unlimited,
            constraints: vec![
                named(
                    0,
                    Condition::Equal,
                    b256!("0x0000000000000000000000004444444444444444444444444444444444444444"),
                    "to"
                ),
                value,
            ],
        }
    );
    // The session builder takes it as it is, and validates it like any other policy.
    let spec = SessionSpec::builder(KEY)
        .expires_at(1_900_000_000)
        .call(policy.clone())
        .build_at(1_800_000_000)
        .unwrap();
    assert_eq!(spec.call_policies, vec![policy.clone()]);
    let shadowed = SessionSpec::builder(KEY)
        .expires_at(1_900_000_000)
        .call(policy.clone())
        .call(erc20::transfer().build(TOKEN))
        .build_at(1_800_000_000)
        .unwrap_err();
    assert!(
        matches!(&shadowed, SpecError::Invalid { field, .. } if field == "call_policies[1]"),
        "{shadowed}"
    );
    // Value caps.
    let policy = erc20::approve()
        .max_value_per_use(5u64)
        .value_limit(Limit::allowance(10u64, 3600))
        .build(TOKEN);
    assert_eq!(policy.max_value_per_use, U256::from(5));
    assert_eq!(policy.value_limit, Limit::allowance(10u64, 3600));
}

#[test]
fn a_forbidden_address_or_narrow_integer_gets_a_range_guard() {
    // An address word with dirty upper bits would pass `!= carol` and be read as carol by a
    // target that masks it: the builder adds `<= 2^160 - 1` on the same word.
    let carol = address!("0x5555555555555555555555555555555555555555");
    let policy = erc20::transfer().to(ne(carol)).build(TOKEN);
    let max160 = B256::from((U256::from(1) << 160) - U256::from(1));
    assert_eq!(
        policy.constraints,
        vec![
            named(0, Condition::NotEqual, carol.into_word(), "to"),
            named(0, Condition::LessOrEqual, max160, "to"),
        ]
    );
    // Greater and GreaterOrEqual too; Less, LessOrEqual and Equal need none.
    for (c, guarded) in [
        (gt(BOB), true),
        (gte(BOB), true),
        (lt(BOB), false),
        (lte(BOB), false),
        (eq(BOB), false),
    ] {
        let policy = erc20::transfer().to(c).build(TOKEN);
        assert_eq!(policy.constraints.len(), if guarded { 2 } else { 1 });
    }
    // A uint256 has no spare bits; a uint24 has, and bool has 255.
    assert_eq!(
        erc20::transfer()
            .value(ne(5u64))
            .build(TOKEN)
            .constraints
            .len(),
        1
    );
    let fee = position_manager::mint()
        .params_fee(ne(3000u64))
        .build(TOKEN);
    assert_eq!(fee.constraints[1].value, word((1 << 24) - 1));
    let flag = edge_cases::many().flag(ne(true)).build(TOKEN);
    assert_eq!(flag.constraints[1].value, word(1));
    // The runtime accepts a constraint and its guard on one word.
    SessionSpec::builder(KEY)
        .expires_at(1_900_000_000)
        .call(policy_with_guard())
        .build_at(1_800_000_000)
        .unwrap();
}

fn policy_with_guard() -> CallPolicy {
    erc20::transfer().to(ne(BOB)).value(ne(7u64)).build(TOKEN)
}

#[test]
fn selectors_and_signatures_match_alloys_bindings_including_overloads() {
    use erc721::ERC721;
    let cases: Vec<(CallPolicy, [u8; 4], &str)> = vec![
        (
            erc20::transfer().build(TOKEN),
            erc20::ERC20::transferCall::SELECTOR,
            erc20::ERC20::transferCall::SIGNATURE,
        ),
        (
            erc721::safe_transfer_from_0().build(TOKEN),
            ERC721::safeTransferFrom_0Call::SELECTOR,
            ERC721::safeTransferFrom_0Call::SIGNATURE,
        ),
        (
            erc721::safe_transfer_from_1().build(TOKEN),
            ERC721::safeTransferFrom_1Call::SELECTOR,
            ERC721::safeTransferFrom_1Call::SIGNATURE,
        ),
        (
            position_manager::mint().build(TOKEN),
            position_manager::NonfungiblePositionManager::mintCall::SELECTOR,
            position_manager::NonfungiblePositionManager::mintCall::SIGNATURE,
        ),
        (
            erc1155::safe_batch_transfer_from().build(TOKEN),
            erc1155::ERC1155::safeBatchTransferFromCall::SELECTOR,
            erc1155::ERC1155::safeBatchTransferFromCall::SIGNATURE,
        ),
        (
            swap_router::exact_input().build(TOKEN),
            swap_router::SwapRouter::exactInputCall::SELECTOR,
            swap_router::SwapRouter::exactInputCall::SIGNATURE,
        ),
        (
            edge_cases::swap_0().build(TOKEN),
            edge_cases::EdgeCases::swap_0Call::SELECTOR,
            edge_cases::EdgeCases::swap_0Call::SIGNATURE,
        ),
        (
            edge_cases::swap_1().build(TOKEN),
            edge_cases::EdgeCases::swap_1Call::SELECTOR,
            edge_cases::EdgeCases::swap_1Call::SIGNATURE,
        ),
    ];
    for (policy, selector, signature) in cases {
        assert_eq!(policy.selector, FixedBytes(selector), "{signature}");
        assert_eq!(policy.function.as_deref(), Some(signature));
    }
}

#[test]
fn static_tuples_flatten_and_dynamic_params_take_one_word() {
    // mint((address,address,uint24,int24,int24,uint256,uint256,uint256,uint256,address,uint256))
    let policy = position_manager::mint()
        .params_token0(eq(TOKEN))
        .params_recipient(eq(BOB))
        .params_deadline(lte(99u64))
        .build(TOKEN);
    let indexes: Vec<u64> = policy.constraints.iter().map(|c| c.index).collect();
    assert_eq!(indexes, [0, 9, 10]);
    // fill(order (maker, (amount, deadline)), bytes32[2] salts, int24 tick, int256 delta)
    let policy = edge_cases::fill()
        .o_maker(eq(BOB))
        .salts_1(eq([7u8; 32]))
        .tick(eq(-1i32))
        .build(TOKEN);
    let indexes: Vec<u64> = policy.constraints.iter().map(|c| c.index).collect();
    assert_eq!(indexes[0], 0);
    assert_eq!(
        policy.constraints[2].value,
        B256::repeat_byte(0xff),
        "int24 -1 is sign-extended"
    );
    // many(uint256[] ids, address[3] addrs, string memo, bool flag): ids and memo are offsets.
    let policy = edge_cases::many()
        .addrs_2(eq(BOB))
        .flag(eq(true))
        .build(TOKEN);
    let indexes: Vec<u64> = policy.constraints.iter().map(|c| c.index).collect();
    assert_eq!(indexes, [3, 5]);
    assert_eq!(
        edge_cases::grid().who(eq(BOB)).build(TOKEN).constraints[0].index,
        100
    );
    assert_eq!(
        edge_cases::strings().n(eq(1u8)).build(TOKEN).constraints[0].index,
        1
    );
    // `any()` only meters.
    let metered = erc20::transfer().value(any().lifetime(50u64)).build(TOKEN);
    assert_eq!(metered.constraints[0].condition, Condition::Unconstrained);
    assert_eq!(metered.constraints[0].limit, Limit::lifetime(50u64));
}

#[test]
fn names_are_escaped_and_deduplicated() {
    let policy = edge_cases::r#move()
        .r#ref(eq(BOB))
        .r#mut(eq(1u64))
        .self_(eq(true))
        .build(TOKEN);
    assert_eq!(policy.constraints.len(), 3);
    // Parameters named like the builder's methods get `_`.
    let policy = edge_cases::configure()
        .build_(eq(1u64))
        .value_limit_(eq(2u64))
        .new_(eq(BOB))
        .max_value_per_use_(eq(3u64))
        .build(TOKEN);
    let names: Vec<&str> = policy
        .constraints
        .iter()
        .filter_map(|c| c.param.as_deref())
        .collect();
    assert_eq!(
        names,
        ["build_", "value_limit_", "new_", "max_value_per_use_"]
    );
    // `token_a` is snake_case already and keeps its name; `tokenA` gets `token_a_`.
    let policy = edge_cases::pair()
        .token_a(eq(2u64))
        .token_a_(eq(1u64))
        .build(TOKEN);
    let indexes: Vec<u64> = policy.constraints.iter().map(|c| c.index).collect();
    assert_eq!(indexes, [1, 0]);
    let _ = edge_cases::unnamed().arg0(eq(BOB)).arg1(eq(1u64));
    let _ = edge_cases::dollar().a_b(eq(1u64));
    let _ = edge_cases::tiny()
        .b1(eq([1u8]))
        .i8(eq(-1i8))
        .u24(eq(1u32))
        .u160(eq(1u64));
    let _ = edge_cases::raw().pair_0(eq(1u64)).pair_1(eq(BOB));
    let _ = edge_cases::deposit().max_value_per_use(1u64);
    // `do_thing` (snake_case) keeps its name; `doThing` is `do_thing_`.
    assert_eq!(
        edge_cases::do_thing().build(TOKEN).function.as_deref(),
        Some("do_thing(address)")
    );
    assert_eq!(
        edge_cases::do_thing_().build(TOKEN).function.as_deref(),
        Some("doThing(uint256)")
    );
}

#[test]
fn the_bugs_found_on_real_abis_stay_fixed() {
    // 1. `self`, `Self` and `self_` get three methods.
    let policy = regressions::r#move()
        .self_(eq(true))
        .self__(eq(false))
        .self___(eq(7u64))
        .build(TOKEN);
    let names: Vec<&str> = policy
        .constraints
        .iter()
        .filter_map(|c| c.param.as_deref())
        .collect();
    assert_eq!(names, ["self_", "self__", "self___"]);
    let indexes: Vec<u64> = policy.constraints.iter().map(|c| c.index).collect();
    assert_eq!(indexes, [0, 1, 2]);
    // 2. Balancer's `mint_for` keeps its name; `mintFor` is `mint_for_`.
    assert_eq!(
        regressions::mint_for().build(TOKEN).function.as_deref(),
        Some("mint_for(address,address)")
    );
    assert_eq!(
        regressions::mint_for_().build(TOKEN).function.as_deref(),
        Some("mintFor(address,address)")
    );
    // 3. A function named like an event or error: alloy's numbered call type.
    assert_eq!(
        regressions::paused_1().build(TOKEN).selector,
        FixedBytes(regressions::Regressions::Paused_1Call::SELECTOR)
    );
    assert_eq!(
        regressions::unpaused_1().build(TOKEN).selector,
        FixedBytes(regressions::Regressions::Unpaused_1Call::SELECTOR)
    );
    // 4. Parameters `sol!` cannot take are renamed in the bindings; the methods keep the names.
    let policy = regressions::weird()
        .arg0(eq(1u64))
        .super_(eq(BOB))
        .crate_(eq(BOB))
        .r#type(eq(1u8))
        .r#for(eq(true))
        .r#in(eq(2u64))
        .build(TOKEN);
    let names: Vec<&str> = policy
        .constraints
        .iter()
        .filter_map(|c| c.param.as_deref())
        .collect();
    assert_eq!(names, ["arg0", "super_", "crate_", "type", "for", "in"]);
    let call = regressions::Regressions::weirdCall {
        __: U256::from(1),
        super_: BOB,
        crate_: BOB,
        type_: 1,
        for_: true,
        in_: U256::from(2),
    };
    assert_eq!(
        &call.abi_encode()[..4],
        regressions::weird().build(TOKEN).selector.as_slice()
    );
    let _ = regressions::nested().cfg_type(eq(1u8)).cfg_in(eq(BOB));
}

#[test]
fn the_account_module_is_bindings_with_the_artifacts_bytecode() {
    use session_account::account::SessionAccount;
    assert!(!SessionAccount::BYTECODE.is_empty());
    let _ = SessionAccount::executeCall { calls: Vec::new() };
    let _ = minimal_account::account::MinimalAccount::executeCall { calls: Vec::new() };
}

#[test]
fn views_get_builders_when_asked_and_bindings_can_go_without_rpc() {
    let policy = bindings_only::token::balance_of()
        .account(eq(BOB))
        .build(TOKEN);
    assert_eq!(policy.function.as_deref(), Some("balanceOf(address)"));
}
