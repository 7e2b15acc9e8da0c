//! Deploying a user's own contracts: from a Foundry artifact with constructor arguments, and from
//! alloy bindings that carry bytecode; then a session against the deployed contract.

use std::path::{Path, PathBuf};
use std::time::Duration;

use alloy::dyn_abi::DynSolValue;
use alloy::network::TransactionBuilder;
use alloy::primitives::{Address, U256};
use alloy::providers::Provider;
use alloy::rpc::types::TransactionRequest;
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::SolCall;
use sessionkit::contracts::SessionAccountFactory;
use sessionkit::policy::{CallPolicy, Condition, SessionSpec};
use sessionkit::AccountError;
use sessionkit_testkit::fixtures::{mint, transfer};
use sessionkit_testkit::HarnessError;

use crate::chain;

fn artifact(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

async fn implementation_of(h: &sessionkit_testkit::Harness, factory: Address) -> Address {
    let tx = TransactionRequest::default()
        .with_to(factory)
        .with_input(SessionAccountFactory::implementationCall {}.abi_encode());
    let out = h.provider().call(tx).await.unwrap();
    SessionAccountFactory::implementationCall::abi_decode_returns(&out).unwrap()
}

#[tokio::test]
async fn an_artifact_deploys_with_its_constructor_arguments() {
    let h = chain().await;
    let factory = h
        .deploy_artifact(
            artifact("../../artifacts/SessionAccountFactory.json"),
            &[DynSolValue::Address(h.implementation)],
        )
        .await
        .unwrap();
    assert_eq!(implementation_of(&h, factory).await, h.implementation);
    // The same from alloy bindings with bytecode.
    let factory = h
        .deploy_with(
            &SessionAccountFactory::BYTECODE,
            &SessionAccountFactory::constructorCall {
                implementation_: h.counter,
            },
        )
        .await
        .unwrap();
    assert_eq!(implementation_of(&h, factory).await, h.counter);
}

#[tokio::test]
async fn bad_artifacts_and_arguments_are_one_line_errors_naming_the_file() {
    let h = chain().await;
    let path = artifact("../../artifacts/SessionAccountFactory.json");
    let err = h.deploy_artifact(&path, &[]).await.unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, HarnessError::Deploy { .. }), "{message}");
    assert!(message.contains("SessionAccountFactory.json"), "{message}");
    assert!(
        message.contains("takes 1 argument(s) (address), 0 given"),
        "{message}"
    );
    let err = h
        .deploy_artifact(&path, &[DynSolValue::Uint(U256::from(1), 256)])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("do not fit"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    for (file, text, expected) in [
        ("not-json.json", "{", "not JSON"),
        ("no-abi.json", "{\"bytecode\": \"0x00\"}", "no \"abi\""),
        (
            "interface.json",
            "{\"abi\": [], \"bytecode\": {\"object\": \"0x\"}}",
            "no bytecode",
        ),
    ] {
        let path = dir.path().join(file);
        std::fs::write(&path, text).unwrap();
        let message = h.deploy_artifact(&path, &[]).await.unwrap_err().to_string();
        assert!(
            message.contains(file) && message.contains(expected),
            "{message}"
        );
        assert!(!message.contains('\n'), "{message}");
    }
    let message = h
        .deploy_artifact(dir.path().join("missing.json"), &[])
        .await
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("missing.json") && message.contains("cannot read"),
        "{message}"
    );
}

#[tokio::test]
async fn a_session_runs_against_a_contract_deployed_from_its_artifact() {
    let h = chain().await;
    let token = h
        .deploy_artifact(artifact("artifacts/TestToken.json"), &[])
        .await
        .unwrap();
    let (owner, eoa) = h.smart_eoa().await.unwrap();
    eoa.execute_as_owner(&owner, &[mint(token, eoa.address(), 1_000)])
        .await
        .unwrap();
    let key = h.funded_eoa().await.unwrap();
    let bob = Address::repeat_byte(0xb0);
    let spec = SessionSpec::builder(key.address())
        .expires_in(Duration::from_secs(600))
        .call(
            CallPolicy::function(token, "transfer(address,uint256)")
                .unwrap()
                .constraint(0, Condition::Equal, bob),
        )
        .build_at(h.timestamp().await.unwrap())
        .unwrap();
    eoa.grant(&owner, &spec, &owner).await.unwrap();
    eoa.execute_as_session(&key, &[transfer(token, bob, 10)])
        .await
        .unwrap();
    let carol = PrivateKeySigner::random().address();
    let err = eoa
        .execute_as_session(&key, &[transfer(token, carol, 10)])
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.account_error(),
            Some(AccountError::ConditionFailed { .. })
        ),
        "{err}"
    );
}
