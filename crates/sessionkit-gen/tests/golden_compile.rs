//! The golden outputs compile (progenitor's approach) and behave: each golden set is included
//! as a module, and the generated builders are checked against values built by hand.

#![allow(clippy::unreadable_literal)]

/// `tests/output/session_account`: the account and all target modules.
mod session_account {
    include!("output/session_account/mod.rs");
}

/// `tests/output/minimal_account`: the minimal account ABI alone.
mod minimal_account {
    include!("output/minimal_account/mod.rs");
}

/// `tests/output/bindings_only`: an account ABI without policy structs.
mod bindings_only {
    include!("output/bindings_only/mod.rs");
}

use alloy::primitives::{address, b256, fixed_bytes, Address, FixedBytes, B256, I256, U256};
use alloy::sol_types::{SolCall, SolValue};
use session_account::account::{
    self, allowance, any, eq, gt, gte, lifetime, lt, lte, ne, unlimited, CallSpec, Constraint,
    MissingField, SessionSpec, TransferSpec, UsageLimit,
};
use session_account::{edge_cases, erc1155, erc20, erc721, position_manager, swap_router};

const TOKEN: Address = address!("0x3333333333333333333333333333333333333333");
const BOB: Address = address!("0x4444444444444444444444444444444444444444");
const KEY: Address = address!("0x2222222222222222222222222222222222222222");

fn word(n: u64) -> B256 {
    B256::from(U256::from(n))
}

#[test]
fn erc20_transfer_round_trips_to_a_hand_built_call_spec() {
    let generated = erc20::transfer()
        .to(eq(BOB))
        .value(lte(100u64).lifetime(1_000u64))
        .build(TOKEN);
    let by_hand = CallSpec {
        target: TOKEN,
        selector: fixed_bytes!("a9059cbb"),
        maxValuePerUse: U256::ZERO,
        valueLimit: UsageLimit {
            limitType: 0,
            limit: U256::ZERO,
            period: U256::ZERO,
        },
        constraints: vec![
            Constraint {
                condition: 1,
                index: 0,
                refValue: b256!(
                    "0x0000000000000000000000004444444444444444444444444444444444444444"
                ),
                limit: UsageLimit {
                    limitType: 0,
                    limit: U256::ZERO,
                    period: U256::ZERO,
                },
            },
            Constraint {
                condition: 5,
                index: 1,
                refValue: word(100),
                limit: UsageLimit {
                    limitType: 1,
                    limit: U256::from(1_000),
                    period: U256::ZERO,
                },
            },
        ],
    };
    assert_eq!(generated, by_hand);
    assert_eq!(generated.abi_encode(), by_hand.abi_encode());
    assert_eq!(
        erc20::TransferPolicy::SELECTOR,
        erc20::ERC20::transferCall::SELECTOR
    );
    assert_eq!(
        erc20::TransferPolicy::SIGNATURE,
        "transfer(address,uint256)"
    );
}

#[test]
fn selectors_match_alloy_bindings_including_overloads() {
    use erc721::ERC721;
    use position_manager::NonfungiblePositionManager as Npm;
    assert_eq!(
        erc721::SafeTransferFrom0Policy::SELECTOR,
        ERC721::safeTransferFrom_0Call::SELECTOR
    );
    assert_eq!(
        erc721::SafeTransferFrom1Policy::SELECTOR,
        ERC721::safeTransferFrom_1Call::SELECTOR
    );
    assert_eq!(
        erc721::SafeTransferFrom1Policy::SIGNATURE,
        "safeTransferFrom(address,address,uint256,bytes)"
    );
    assert_eq!(
        position_manager::MintPolicy::SELECTOR,
        Npm::mintCall::SELECTOR
    );
    assert_eq!(
        erc1155::SafeBatchTransferFromPolicy::SELECTOR,
        erc1155::ERC1155::safeBatchTransferFromCall::SELECTOR
    );
    assert_eq!(
        swap_router::ExactInputPolicy::SELECTOR,
        swap_router::SwapRouter::exactInputCall::SELECTOR
    );
    assert_eq!(
        edge_cases::Swap0Policy::SELECTOR,
        edge_cases::EdgeCases::swap_0Call::SELECTOR
    );
    assert_eq!(
        edge_cases::Swap1Policy::SELECTOR,
        edge_cases::EdgeCases::swap_1Call::SELECTOR
    );
    assert_eq!(
        edge_cases::MovePolicy::SELECTOR,
        edge_cases::EdgeCases::moveCall::SELECTOR
    );
    assert_eq!(
        edge_cases::FillPolicy::SELECTOR,
        edge_cases::EdgeCases::fillCall::SELECTOR
    );
}

#[test]
fn static_tuples_flatten_and_dynamic_params_take_one_word() {
    // mint((address,address,uint24,int24,int24,uint256,uint256,uint256,uint256,address,uint256))
    let spec = position_manager::mint()
        .params_token0(eq(TOKEN))
        .params_fee(eq(3_000u32))
        .params_tick_lower(gte(-887_220i32))
        .params_recipient(eq(BOB))
        .params_deadline(lte(1_900_000_000u64))
        .build(BOB);
    let indexes: Vec<u64> = spec.constraints.iter().map(|c| c.index).collect();
    assert_eq!(indexes, [0, 2, 3, 9, 10]);
    // int24 is sign-extended.
    assert_eq!(
        spec.constraints[2].refValue,
        B256::from(I256::try_from(-887_220i64).unwrap().into_raw())
    );

    // fill((address,(uint256,uint64),bytes4) o, bytes32[2] salts, int24 tick, int256 delta)
    let spec = edge_cases::fill()
        .o_maker(eq(BOB))
        .o_terms_amount(lt(5u64))
        .o_terms_deadline(gt(7u64))
        .o_tag(eq([0xde, 0xad, 0xbe, 0xef]))
        .salts_1(ne(B256::repeat_byte(1)))
        .tick(eq(-1i32))
        .delta(eq(I256::MINUS_ONE))
        .build(TOKEN);
    let indexes: Vec<u64> = spec.constraints.iter().map(|c| c.index).collect();
    assert_eq!(indexes, [0, 1, 2, 3, 5, 6, 7]);
    assert_eq!(
        spec.constraints[3].refValue,
        b256!("0xdeadbeef00000000000000000000000000000000000000000000000000000000")
    );
    assert_eq!(spec.constraints[5].refValue, B256::repeat_byte(0xff));
    assert_eq!(spec.constraints[6].refValue, B256::repeat_byte(0xff));

    // many(uint256[] ids, address[3] addrs, string memo, bool flag): ids and memo are offsets.
    let spec = edge_cases::many()
        .addrs_2(eq(BOB))
        .flag(eq(true))
        .build(TOKEN);
    let indexes: Vec<u64> = spec.constraints.iter().map(|c| c.index).collect();
    assert_eq!(indexes, [3, 5]);
    assert_eq!(spec.constraints[1].refValue, word(1));

    // batch((address,bytes) call, uint256 after): the tuple is dynamic, one word.
    let spec = edge_cases::batch().after(eq(1u8)).build(TOKEN);
    assert_eq!(spec.constraints[0].index, 1);

    // grid(uint8[100] cells, address who): too many words for methods, still counted.
    let spec = edge_cases::grid().who(eq(BOB)).build(TOKEN);
    assert_eq!(spec.constraints[0].index, 100);

    // strings(string[2] names, uint8 n): a fixed array of a dynamic type is dynamic.
    assert_eq!(
        edge_cases::strings().n(eq(1u8)).build(TOKEN).constraints[0].index,
        1
    );
}

#[test]
fn names_are_escaped_and_deduplicated() {
    // Keywords, builder-method clashes, snake-case clashes, unnamed parameters.
    let spec = edge_cases::r#move()
        .r#ref(eq(BOB))
        .r#mut(eq(1u64))
        .self_(eq(true))
        .build(TOKEN);
    assert_eq!(spec.constraints.len(), 3);
    let spec = edge_cases::configure()
        .build_(eq(1u64))
        .value_limit_(eq(2u64))
        .new_(eq(BOB))
        .max_value_per_use_(eq(3u64))
        .max_value_per_use(10u64)
        .value_limit(lifetime(20u64))
        .build(TOKEN);
    assert_eq!(
        spec.constraints.iter().map(|c| c.index).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    assert_eq!(spec.maxValuePerUse, U256::from(10));
    assert_eq!(spec.valueLimit, lifetime(20u64));
    let spec = edge_cases::pair()
        .token_a(eq(1u64))
        .token_a_(eq(2u64))
        .build(TOKEN);
    assert_eq!(spec.constraints[1].index, 1);
    let spec = edge_cases::unnamed()
        .arg0(eq(BOB))
        .arg1(any().lifetime(5u64))
        .build(TOKEN);
    assert_eq!(
        spec.constraints[1].condition,
        account::condition::UNCONSTRAINED
    );
    assert_eq!(spec.constraints[1].refValue, B256::ZERO);
    let _ = (
        edge_cases::do_thing().x(eq(1u64)),
        edge_cases::do_thing_().y(eq(BOB)),
    );
    let _ = edge_cases::dollar().a_b(eq(1u64));
    let _ = edge_cases::tiny()
        .b1(eq(FixedBytes::<1>::repeat_byte(1)))
        .i8(eq(-1i8))
        .u24(eq(1u32))
        .u160(eq(U256::from(1)));
    let _ = edge_cases::raw().pair_0(eq(1u64)).pair_1(eq(BOB));
    let _ = edge_cases::deposit().max_value_per_use(1u64);
}

#[test]
fn session_spec_builder_mirrors_the_struct_and_reports_missing_fields() {
    let call = erc20::transfer().to(eq(BOB)).build(TOKEN);
    let spec = SessionSpec::builder()
        .signer(KEY)
        .expires_at(1_900_000_000u64)
        .call_policy(call.clone())
        .transfer_policy(
            TransferSpec::builder()
                .target(BOB)
                .max_value_per_use(5u64)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    assert_eq!(spec.signer, KEY);
    assert!(!spec.isWildcard);
    assert_eq!(spec.expiresAt, U256::from(1_900_000_000u64));
    assert_eq!(spec.callPolicies, vec![call]);
    assert_eq!(spec.transferPolicies[0].valueLimit, unlimited());
    assert_eq!(
        SessionSpec::builder().expires_at(1u64).build(),
        Err(MissingField {
            structure: "SessionLib.SessionSpec",
            field: "signer"
        })
    );
    assert_eq!(
        MissingField {
            structure: "SessionLib.SessionSpec",
            field: "signer"
        }
        .to_string(),
        "`SessionLib.SessionSpec.signer` is not set: call its setter before `build()`"
    );
    assert_eq!(allowance(10u64, 60).period, U256::from(60));
    let limit = account::UsageLimit::builder()
        .limit_type(2)
        .limit(3u64)
        .period(4u64)
        .build()
        .unwrap();
    assert_eq!(limit, allowance(3u64, 4));
}

#[test]
fn minimal_and_bindings_only_sets_compile() {
    let _ = minimal_account::account::SessionSpec::builder();
    let _ = minimal_account::account::eq(BOB);
    let _ = bindings_only::token::ERC20::transferCall {
        to: BOB,
        value: U256::from(1),
    }
    .abi_encode();
}
