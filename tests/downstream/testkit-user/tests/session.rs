//! A session against the crate's own contract, deployed from its Foundry artifact.

use std::time::Duration;

use alloy::dyn_abi::DynSolValue;
use alloy::network::TransactionBuilder;
use alloy::primitives::{Address, U256};
use alloy::providers::Provider;
use alloy::rpc::types::TransactionRequest;
use alloy::sol_types::SolCall;
use sessionkit::policy::{CallPolicy, Condition, SessionSpec};
use sessionkit::{AccountError, Call};
use sessionkit_testkit::Harness;

alloy::sol! {
    function add(uint256 amount);
    function total() view returns (uint256);
}

async fn total(h: &Harness, tally: Address) -> U256 {
    let tx = TransactionRequest::default()
        .with_to(tally)
        .with_input(totalCall {}.abi_encode());
    totalCall::abi_decode_returns(&h.provider().call(tx).await.unwrap()).unwrap()
}

#[tokio::test]
async fn a_session_key_adds_within_its_bound_and_no_more() {
    let h = Harness::builder()
        .try_spawn()
        .await
        .unwrap_or_else(|e| panic!("no harness: {e}"));
    let tally = h
        .deploy_artifact("out/Tally.sol/Tally.json", &[DynSolValue::Uint(U256::from(7), 256)])
        .await
        .unwrap();
    assert_eq!(total(&h, tally).await, U256::from(7));
    let (owner, eoa) = h.smart_eoa().await.unwrap();
    let key = h.funded_eoa().await.unwrap();
    let spec = SessionSpec::builder(key.address())
        .expires_in(Duration::from_secs(600))
        .call(
            CallPolicy::function(tally, "add(uint256)")
                .unwrap()
                .constraint(0, Condition::LessOrEqual, 10u64),
        )
        .build_at(h.timestamp().await.unwrap())
        .unwrap();
    eoa.grant(&owner, &spec, &owner).await.unwrap();
    let add = |n: u64| Call::contract(tally, &addCall { amount: U256::from(n) });
    eoa.execute_as_session(&key, &[add(5)]).await.unwrap();
    assert_eq!(total(&h, tally).await, U256::from(12));
    let err = eoa.execute_as_session(&key, &[add(50)]).await.unwrap_err();
    assert!(
        matches!(err.account_error(), Some(AccountError::ConditionFailed { .. })),
        "{err}"
    );
    assert_eq!(total(&h, tally).await, U256::from(12));
}
