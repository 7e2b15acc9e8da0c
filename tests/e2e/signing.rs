//! The EIP-712 test vectors of `docs/interface.md`, reproduced with the crate's signing module, and
//! signatures that recover to their signer.

use alloy::primitives::{address, b256, bytes, Address, B256, U256};
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::SolStruct;
use sessionkit::contracts::SessionLib;
use sessionkit::policy::{CallPolicy, Condition, Limit, SessionSpec, TransferPolicy};
use sessionkit::signing;
use sessionkit::Call;

const CHAIN: u64 = 84532;
const ACCOUNT: Address = address!("0x1111111111111111111111111111111111111111");
const SIGNER: Address = address!("0x2222222222222222222222222222222222222222");

fn granular() -> SessionSpec {
    SessionSpec::builder(SIGNER)
        .expires_at(1_900_000_000)
        .uid(B256::repeat_byte(0xcd))
        .call(
            CallPolicy::new(
                address!("0x3333333333333333333333333333333333333333"),
                [0xa9, 0x05, 0x9c, 0xbb],
            )
            .constraint(
                0,
                Condition::Equal,
                address!("0x4444444444444444444444444444444444444444"),
            )
            .constraint_limited(
                1,
                Condition::LessOrEqual,
                1000u64,
                Limit::allowance(U256::from(10_000), 86_400),
            ),
        )
        .transfer(
            TransferPolicy::new(address!("0x5555555555555555555555555555555555555555"))
                .max_value_per_use(U256::from(100_000))
                .value_limit(Limit::lifetime(U256::from(1_000_000))),
        )
        .build_at(1_800_000_000)
        .expect("valid spec")
}

#[test]
fn domain_separator_matches_compat() {
    assert_eq!(
        signing::domain(CHAIN, ACCOUNT).separator(),
        b256!("0x7c0b59f38838520bfc3aaeed0bf4bd2fd2ab8b6db90aeefecf0f5694648e8d5d")
    );
}

#[test]
fn type_hashes_match_compat() {
    let spec = SessionLib::SessionSpec::from(&granular());
    assert_eq!(
        spec.eip712_type_hash(),
        b256!("0xe014c215fe0b860400c9c55087003164c18c99bddae3538b4610a45c433ff34e")
    );
    assert_eq!(
        spec.callPolicies[0].eip712_type_hash(),
        b256!("0xabb738f37788320dd37396304c35cb7cbbc189eefbffacc59a8e19581ec7dfbd")
    );
    assert_eq!(
        spec.callPolicies[0].constraints[0].eip712_type_hash(),
        b256!("0xbed6105fe3c95f2f7a3dccbdba4d83bd69040335c027650ae6fdc2a6dfac9cf1")
    );
    assert_eq!(
        spec.transferPolicies[0].eip712_type_hash(),
        b256!("0xbc4c7957f263301c84467ca7a699a581f027456f66e231e731df95c896ffdfd3")
    );
    assert_eq!(
        spec.transferPolicies[0].valueLimit.eip712_type_hash(),
        b256!("0x9002aff0f2d06ba21e02e850feaa8f18ce65b5485f8af0dc74f3d1fdac410447")
    );
    let wrapped = sessionkit::abi::wrapped_calls(&[Call::raw(ACCOUNT, bytes!("01"))], B256::ZERO);
    assert_eq!(
        wrapped.eip712_type_hash(),
        b256!("0x246c01ee07e2e2b6bd5c0a1021609c72f01a6001f1c6261a7822caa0fc4889ea")
    );
    assert_eq!(
        wrapped.calls[0].eip712_type_hash(),
        b256!("0x84fa2cf05cd88e992eae77e851af68a4ee278dcff6ef504e487a55b3baadfbe5")
    );
}

#[test]
fn usage_limit_hashes_match_compat() {
    let allowance = SessionLib::UsageLimit::from(&Limit::allowance(U256::from(10_000), 86_400));
    assert_eq!(
        allowance.eip712_hash_struct(),
        b256!("0xc2319beae1e87d86c8e82a973262623afe5456e1d0304f3af99b31fbeaed747b")
    );
    assert_eq!(
        SessionLib::UsageLimit::from(&Limit::Unlimited).eip712_hash_struct(),
        b256!("0x2e88a1fc98daf77705501fe76cad9cfbc54f7ea383a39b97e1611976ec717be7")
    );
}

#[test]
fn wildcard_session_digest_matches_compat() {
    let spec = SessionSpec::builder(SIGNER)
        .wildcard()
        .expires_at(1_900_000_000)
        .uid(B256::repeat_byte(0xab))
        .build_at(1_800_000_000)
        .unwrap();
    assert_eq!(
        signing::session_digest(&spec, CHAIN, ACCOUNT),
        b256!("0x403e957c210a6850b4bd1573a5d6453153967b35b9b2f401790e6aaa261ad031")
    );
}

#[test]
fn granular_session_digest_matches_compat() {
    assert_eq!(
        signing::session_digest(&granular(), CHAIN, ACCOUNT),
        b256!("0x7a01bd2bdbbbd2e5efff4c2f9e54ec2dce9ce0748e5222b368de9e2e3f4b1a70")
    );
}

#[test]
fn wrapped_calls_digest_matches_compat() {
    let calls = [
        Call::raw(
            address!("0x3333333333333333333333333333333333333333"),
            bytes!("a9059cbb"),
        ),
        Call::transfer(
            address!("0x5555555555555555555555555555555555555555"),
            U256::from(1),
        ),
    ];
    assert_eq!(
        signing::wrapped_calls_digest(&calls, B256::repeat_byte(0xef), CHAIN, ACCOUNT),
        b256!("0x8d379a3f1cd2a6d6d519b27033e0a5553f8dffb1b3b10444e419f92da109b25a")
    );
}

#[test]
fn a_changed_field_changes_the_digest() {
    let base = signing::session_digest(&granular(), CHAIN, ACCOUNT);
    let mut other = granular();
    other.call_policies[0].constraints[1].limit = Limit::allowance(U256::from(10_001), 86_400);
    assert_ne!(signing::session_digest(&other, CHAIN, ACCOUNT), base);
    assert_ne!(
        signing::session_digest(&granular(), CHAIN + 1, ACCOUNT),
        base
    );
    assert_ne!(signing::session_digest(&granular(), CHAIN, SIGNER), base);
}

#[test]
fn signatures_are_65_bytes_and_recover_to_the_signer() {
    let key = PrivateKeySigner::random();
    let digest = signing::session_digest(&granular(), CHAIN, ACCOUNT);
    let sig = signing::sign_session_sync(&key, &granular(), CHAIN, ACCOUNT).unwrap();
    assert_eq!(sig.len(), 65);
    assert!(
        sig[64] == 27 || sig[64] == 28,
        "v is 27 or 28, got {}",
        sig[64]
    );
    let parsed = alloy::primitives::Signature::try_from(sig.as_ref()).unwrap();
    assert_eq!(
        parsed.recover_address_from_prehash(&digest).unwrap(),
        key.address()
    );
}

#[test]
fn uid_is_random_unless_given() {
    let a = SessionSpec::builder(SIGNER)
        .wildcard()
        .expires_at(10)
        .build_at(1)
        .unwrap();
    let b = SessionSpec::builder(SIGNER)
        .wildcard()
        .expires_at(10)
        .build_at(1)
        .unwrap();
    assert_ne!(a.uid, b.uid);
    assert_ne!(a.uid, B256::ZERO);
}
