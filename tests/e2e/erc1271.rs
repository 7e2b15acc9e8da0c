//! The owner's ERC-1271 signatures for applications, as the runtime signs them, checked by the
//! account's `isValidSignature` on anvil: each ERC-7739 form is valid on exactly one account of
//! the key, and a smart EOA also accepts its key's raw signature.

use alloy::network::TransactionBuilder;
use alloy::primitives::{address, keccak256, Address, FixedBytes, B256, U256};
use alloy::providers::Provider;
use alloy::rpc::types::TransactionRequest;
use alloy::sol_types::{eip712_domain, SolCall};
use sessionkit::contracts::SessionAccount;
use sessionkit::signing::{self, TypedRequest};
use sessionkit_testkit::Harness;

use crate::common::harness;

alloy::sol! {
    struct Permit {
        address token;
        uint256 amount;
        uint256 nonce;
        address spender;
    }
}

const MAGIC: [u8; 4] = [0x16, 0x26, 0xba, 0x7e];

async fn is_valid(h: &Harness, account: Address, hash: B256, signature: &[u8]) -> bool {
    let call = SessionAccount::isValidSignatureCall {
        hash,
        signature: signature.to_vec().into(),
    };
    let tx = TransactionRequest::default()
        .with_to(account)
        .with_input(call.abi_encode());
    let out = h.provider().call(tx).await.unwrap();
    let got = SessionAccount::isValidSignatureCall::abi_decode_returns(&out).unwrap();
    got == FixedBytes(MAGIC)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_erc7739_signature_is_valid_on_exactly_one_account_of_the_key() {
    let h = harness().await;
    let (owner, eoa) = h.smart_eoa().await.unwrap();
    let clone_1 = h
        .factory_account(&owner, B256::repeat_byte(1))
        .await
        .unwrap();
    let clone_2 = h
        .factory_account(&owner, B256::repeat_byte(2))
        .await
        .unwrap();
    let accounts = [eoa.address(), clone_1, clone_2];
    let chain = h.chain_id();

    // An application's EIP-712 request (a Permit2-style permit).
    let app = eip712_domain! {
        name: "PermitVerifier",
        version: "1",
        chain_id: chain,
        verifying_contract: address!("0x00000000000000000000000000000000000a77e5"),
    };
    let permit = Permit {
        token: Address::repeat_byte(0x70),
        amount: U256::from(100),
        nonce: U256::ZERO,
        spender: Address::repeat_byte(0x5e),
    };
    let request = TypedRequest::new(&permit, &app);
    assert_eq!(request.app_digest(), {
        use alloy::sol_types::SolStruct;
        permit.eip712_signing_hash(&app)
    });
    for (i, signed_for) in accounts.iter().enumerate() {
        let sig = signing::sign_erc1271_typed_data(&owner, &request, chain, *signed_for)
            .await
            .unwrap();
        assert_eq!(
            sig,
            signing::sign_erc1271_typed_data_sync(&owner, &request, chain, *signed_for).unwrap()
        );
        for (j, account) in accounts.iter().enumerate() {
            assert_eq!(
                is_valid(&h, *account, request.app_digest(), &sig).await,
                i == j,
                "TypedDataSign for account {i} checked on account {j}"
            );
        }
    }

    // A message hash, as PersonalSign.
    let hash = keccak256("Sign in to example.org");
    for (i, signed_for) in accounts.iter().enumerate() {
        let sig = signing::sign_erc1271_personal(&owner, hash, chain, *signed_for)
            .await
            .unwrap();
        for (j, account) in accounts.iter().enumerate() {
            assert_eq!(
                is_valid(&h, *account, hash, &sig).await,
                i == j,
                "PersonalSign for account {i} checked on account {j}"
            );
        }
    }

    // The key's raw signature is the smart EOA's own; the factory accounts refuse it.
    let raw = signing::sign_digest(&owner, hash).await.unwrap();
    assert!(is_valid(&h, eoa.address(), hash, &raw).await);
    assert!(!is_valid(&h, clone_1, hash, &raw).await);
    assert!(!is_valid(&h, clone_2, hash, &raw).await);
}
