//! ERC-4337 through EntryPoint v0.8 on anvil: a 7702 smart EOA and a factory-deployed account,
//! user operations signed by the owner or a session key, failures decoded into the direct
//! path's typed errors, and validation traced for opcodes ERC-7562 bans.

use std::time::Duration;

use alloy::network::TransactionBuilder;
use alloy::primitives::{Address, B256, U256};
use alloy::providers::ext::DebugApi;
use alloy::providers::Provider;
use alloy::rpc::types::trace::geth::{
    GethDebugTracingCallOptions, GethDebugTracingOptions, GethDefaultTracingOptions, GethTrace,
};
use alloy::rpc::types::TransactionRequest;
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::SolCall;
use sessionkit::contracts::SessionAccount;
use sessionkit::error::RevertContext;
use sessionkit::policy::{CallPolicy, Condition, Limit, SessionSpec};
use sessionkit::userop::{UserOps, ENTRY_POINT};
use sessionkit::{AccountError, Call, Error};
use sessionkit_testkit::fixtures::TestToken;
use sessionkit_testkit::Harness;

use crate::common::{harness, number, set_number, transfer};

fn ctx(account: Address, signer: Address) -> RevertContext {
    RevertContext {
        account,
        expected_signer: Some(signer),
        session_signer: Some(signer),
        ..Default::default()
    }
}

fn token_spec(h: &Harness, key: Address, bob: Address, now: u64) -> SessionSpec {
    SessionSpec::builder(key)
        .expires_in(Duration::from_secs(3600))
        .call(
            CallPolicy::function(h.token, "transfer(address,uint256)")
                .unwrap()
                .constraint(0, Condition::Equal, bob)
                .constraint_limited(1, Condition::LessOrEqual, 100u64, Limit::lifetime(150u64)),
        )
        .build_at(now)
        .unwrap()
}

#[tokio::test]
async fn a_7702_eoa_is_delegated_and_runs_its_first_user_op_in_one_bundle() {
    let h = harness().await;
    let owner = PrivateKeySigner::random();
    h.set_balance(owner.address(), U256::from(10u64).pow(U256::from(18)))
        .await
        .unwrap();
    let bundler = h.funded_eoa().await.unwrap();
    let eoa = h.client(&owner).await.unwrap();
    // The bundler sends the authorization: it is valid at the EOA's current nonce.
    let auth = eoa.authorization(&owner, 0).await.unwrap();
    let ops = UserOps::new(h.provider().clone(), owner.address())
        .await
        .unwrap()
        .first_7702(h.implementation);
    let op = ops
        .build(&owner, &[set_number(h.counter, 42)])
        .await
        .unwrap();
    let receipt = ops
        .submit(
            &bundler,
            op,
            Some(auth),
            &ctx(owner.address(), owner.address()),
        )
        .await
        .unwrap();
    assert!(receipt.actual_gas_used > 0);
    assert_eq!(number(&h).await, U256::from(42));
    // Later operations need no marker.
    let ops = UserOps::new(h.provider().clone(), owner.address())
        .await
        .unwrap();
    let op = ops
        .build(&owner, &[set_number(h.counter, 43)])
        .await
        .unwrap();
    ops.submit(&bundler, op, None, &ctx(owner.address(), owner.address()))
        .await
        .unwrap();
    assert_eq!(number(&h).await, U256::from(43));
}

#[tokio::test]
async fn session_key_user_ops_obey_the_policies_with_the_direct_paths_errors() {
    let h = harness().await;
    let (owner, eoa) = h.smart_eoa().await.unwrap();
    let bundler = h.funded_eoa().await.unwrap();
    let key = PrivateKeySigner::random();
    let bob = Address::repeat_byte(0xb0);
    let carol = Address::repeat_byte(0xca);
    let mint = Call::contract(
        h.token,
        &TestToken::mintCall {
            to: eoa.address(),
            amount: U256::from(1_000u64),
        },
    );
    eoa.execute_as_owner(&owner, &[mint]).await.unwrap();
    let spec = token_spec(&h, key.address(), bob, h.timestamp().await.unwrap());
    eoa.grant(&owner, &spec, &bundler).await.unwrap();
    // The account never pays gas for a scoped session key: a paymaster the owner allowed for
    // the session does.
    let ops = UserOps::new(h.provider().clone(), eoa.address())
        .await
        .unwrap()
        .paymaster(h.paymaster);
    let c = ctx(eoa.address(), key.address());
    let op = ops
        .build(&key, &[transfer(h.token, bob, 100)])
        .await
        .unwrap();
    // The simulator predicts the refusal the chain gives.
    let facts = sessionkit::simulator::UserOpFacts::of(&op);
    assert_eq!(
        sessionkit::simulator::validate_user_op(&spec, &[], &facts),
        sessionkit::simulator::UserOpValidation::PaymasterNotAllowed
    );
    let err = ops.submit(&bundler, op, None, &c).await.unwrap_err();
    assert!(
        matches!(
            err.account_error(),
            Some(AccountError::SessionPaymasterNotAllowed { paymaster, .. }) if paymaster == h.paymaster
        ),
        "{err}"
    );
    // A cap below the operation's maximum cost refuses it too; without a cap it validates.
    let op = ops
        .build(&key, &[transfer(h.token, bob, 100)])
        .await
        .unwrap();
    let facts = sessionkit::simulator::UserOpFacts::of(&op);
    let cap = facts.max_cost - U256::from(1);
    assert_eq!(
        sessionkit::simulator::validate_user_op(&spec, &[(h.paymaster, cap)], &facts),
        sessionkit::simulator::UserOpValidation::CostAboveCap
    );
    eoa.allow_session_paymaster(&owner, key.address(), h.paymaster, Some(cap))
        .await
        .unwrap();
    let err = ops.submit(&bundler, op, None, &c).await.unwrap_err();
    assert!(
        matches!(&err, Error::EntryPoint { reason, .. } if reason.contains("above the") && reason.contains("raise the cap")),
        "{err}"
    );
    eoa.allow_session_paymaster(&owner, key.address(), h.paymaster, None)
        .await
        .unwrap();
    assert_eq!(
        eoa.session_paymasters(key.address()).await.unwrap(),
        vec![(h.paymaster, U256::MAX)]
    );
    let balance = h.provider().get_balance(eoa.address()).await.unwrap();
    // The session's operations use the nonce key of its signer, not the owner's key 0.
    assert_eq!(
        ops.nonce_key(key.address()),
        alloy::primitives::Uint::from_be_slice(key.address().as_slice())
    );
    let owner_nonce = ops.nonce(alloy::primitives::Uint::ZERO).await.unwrap();

    let op = ops
        .build(&key, &[transfer(h.token, bob, 100)])
        .await
        .unwrap();
    ops.submit(&bundler, op, None, &c).await.unwrap();
    assert_eq!(
        eoa.remaining(key.address()).await.unwrap().call_params[0].remaining,
        U256::from(50)
    );
    assert_eq!(
        ops.nonce(alloy::primitives::Uint::ZERO).await.unwrap(),
        owner_nonce,
        "the session's operation used the owner's nonce key"
    );
    assert_eq!(
        ops.nonce(ops.nonce_key(key.address())).await.unwrap(),
        U256::from(1) | (U256::from_be_slice(key.address().as_slice()) << 64)
    );

    // Denied in execution: the account's own error, from UserOperationRevertReason.
    let op = ops
        .build(&key, &[transfer(h.token, carol, 1)])
        .await
        .unwrap();
    let err = ops.submit(&bundler, op, None, &c).await.unwrap_err();
    assert!(
        matches!(&err, Error::PermissionDenied { denied, .. } if matches!(denied.error, AccountError::ConditionFailed { condition: 1, .. })),
        "{err}"
    );
    let op = ops
        .build(&key, &[transfer(h.token, bob, 60)])
        .await
        .unwrap();
    let err = ops.submit(&bundler, op, None, &c).await.unwrap_err();
    assert!(
        matches!(&err, Error::LimitExhausted { denied, .. } if denied.error == AccountError::LifetimeUsageExceeded { lifetime_usage: U256::from(100), limit: U256::from(150) }),
        "{err}"
    );
    let op = ops.build(&key, &[set_number(h.counter, 1)]).await.unwrap();
    let err = ops.submit(&bundler, op, None, &c).await.unwrap_err();
    assert!(
        matches!(&err, Error::PermissionDenied { denied, .. } if matches!(denied.error, AccountError::CallPolicyViolated { .. })),
        "{err}"
    );
    // Nothing was charged by the refused operations, and the account paid no gas.
    assert_eq!(
        eoa.remaining(key.address()).await.unwrap().call_params[0].remaining,
        U256::from(50)
    );
    assert_eq!(
        h.provider().get_balance(eoa.address()).await.unwrap(),
        balance
    );

    // Without a paymaster the account would pay: validation refuses it (AA24).
    let unpaid = UserOps::new(h.provider().clone(), eoa.address())
        .await
        .unwrap();
    let op = unpaid
        .build(&key, &[transfer(h.token, bob, 1)])
        .await
        .unwrap();
    let err = unpaid.submit(&bundler, op, None, &c).await.unwrap_err();
    assert!(
        matches!(&err, Error::EntryPoint { reason, .. } if reason.contains("needs a paymaster")),
        "{err}"
    );

    // A stranger's signature fails validation (AA24) and reads as the direct path's error.
    let stranger = PrivateKeySigner::random();
    let op = ops
        .build(&stranger, &[set_number(h.counter, 1)])
        .await
        .unwrap();
    let err = ops
        .submit(&bundler, op, None, &ctx(eoa.address(), stranger.address()))
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::InvalidSignature { .. }), "{err}");

    // After expiry the EntryPoint refuses it (AA22: validUntil passed) as SessionExpired.
    h.warp_to(spec.expires_at).await.unwrap();
    let op = ops.build(&key, &[transfer(h.token, bob, 1)]).await.unwrap();
    let err = ops.submit(&bundler, op, None, &c).await.unwrap_err();
    assert!(matches!(&err, Error::SessionExpired { .. }), "{err}");
}

#[tokio::test]
async fn a_factory_account_is_deployed_by_its_first_user_op_at_the_counterfactual_address() {
    let h = harness().await;
    let owner = PrivateKeySigner::random();
    let bundler = h.funded_eoa().await.unwrap();
    let salt = B256::repeat_byte(7);
    let factory = h.factory().unwrap_or_else(|e| panic!("{e}"));
    let account = h
        .predict_factory_account(owner.address(), salt)
        .await
        .unwrap();
    assert!(h.provider().get_code_at(account).await.unwrap().is_empty());
    h.set_balance(account, U256::from(10u64).pow(U256::from(18)))
        .await
        .unwrap();
    let ops = UserOps::new(h.provider().clone(), account)
        .await
        .unwrap()
        .first_standalone(factory, owner.address(), salt);
    let op = ops
        .build(&owner, &[set_number(h.counter, 9)])
        .await
        .unwrap();
    ops.submit(&bundler, op, None, &ctx(account, owner.address()))
        .await
        .unwrap();
    assert!(!h.provider().get_code_at(account).await.unwrap().is_empty());
    assert_eq!(number(&h).await, U256::from(9));

    // A session granted on it works through user operations.
    let eoa = h.client_for(account).await.unwrap();
    let key = PrivateKeySigner::random();
    let spec = SessionSpec::builder(key.address())
        .expires_in(Duration::from_secs(600))
        .call(
            CallPolicy::function(h.counter, "setNumber(uint256)")
                .unwrap()
                .constraint(0, Condition::Less, 10u64),
        )
        .build_at(h.timestamp().await.unwrap())
        .unwrap();
    eoa.grant(&owner, &spec, &bundler).await.unwrap();
    h.set_balance(owner.address(), U256::from(10u64).pow(U256::from(18)))
        .await
        .unwrap();
    eoa.allow_session_paymaster(&owner, key.address(), h.paymaster, None)
        .await
        .unwrap();
    let ops = UserOps::new(h.provider().clone(), account)
        .await
        .unwrap()
        .paymaster(h.paymaster);
    let op = ops.build(&key, &[set_number(h.counter, 5)]).await.unwrap();
    ops.submit(&bundler, op, None, &ctx(account, key.address()))
        .await
        .unwrap();
    assert_eq!(number(&h).await, U256::from(5));
    let op = ops.build(&key, &[set_number(h.counter, 50)]).await.unwrap();
    let err = ops
        .submit(&bundler, op, None, &ctx(account, key.address()))
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::PermissionDenied { .. }), "{err}");
}

/// Opcodes ERC-7562 bans in an account's validation (OP-011, OP-012 GAS unless before a call,
/// OP-013 and the rest of the opcode rules).
const BANNED: [&str; 17] = [
    "GASPRICE",
    "GASLIMIT",
    "DIFFICULTY",
    "PREVRANDAO",
    "TIMESTAMP",
    "BASEFEE",
    "BLOCKHASH",
    "NUMBER",
    "SELFBALANCE",
    "BALANCE",
    "ORIGIN",
    "CREATE",
    "CREATE2",
    "COINBASE",
    "SELFDESTRUCT",
    "BLOBHASH",
    "BLOBBASEFEE",
];

/// Traces `validateUserOp` as the EntryPoint calls it and returns the opcodes that break the
/// rules, with the storage slots read or written outside the account's own frame.
async fn validation_violations(
    h: &Harness,
    account: Address,
    signer: &PrivateKeySigner,
    calls: &[Call],
) -> Vec<String> {
    let ops = UserOps::new(h.provider().clone(), account)
        .await
        .unwrap()
        .paymaster(h.paymaster);
    let op = ops.build(signer, calls).await.unwrap();
    let hash = ops.hash(&op).await.unwrap();
    let data = SessionAccount::validateUserOpCall {
        userOp: op,
        userOpHash: hash,
        missingAccountFunds: U256::from(1),
    }
    .abi_encode();
    let tx = TransactionRequest::default()
        .with_from(ENTRY_POINT)
        .with_to(account)
        .with_input(data);
    trace_violations(h, tx).await
}

/// The rule violations in the opcode trace of `tx`.
async fn trace_violations(h: &Harness, tx: TransactionRequest) -> Vec<String> {
    // The default (opcode) logger: no tracer set.
    let options =
        GethDebugTracingCallOptions::default().with_tracing_options(GethDebugTracingOptions {
            config: GethDefaultTracingOptions::default().disable_storage(),
            ..Default::default()
        });
    let trace = h
        .provider()
        .debug_trace_call(tx, alloy::eips::BlockId::latest(), options)
        .await
        .unwrap();
    let GethTrace::Default(frame) = trace else {
        panic!("expected the opcode logger's trace")
    };
    assert!(!frame.failed, "validateUserOp reverted");
    let logs = frame.struct_logs;
    assert!(
        logs.len() > 50,
        "the trace has the validation's opcodes ({} steps)",
        logs.len()
    );
    let mut violations = Vec::new();
    // Frames of calls into the EntryPoint (paying the prefund) are the EntryPoint's own code,
    // which the rules do not restrict: skip them.
    let mut skip_below: Option<u64> = None;
    for (i, step) in logs.iter().enumerate() {
        if let Some(depth) = skip_below {
            if step.depth > depth {
                continue;
            }
            skip_below = None;
        }
        if step.op == "CALL" {
            let stack = step.stack.as_deref().unwrap_or_default();
            let target = stack
                .len()
                .checked_sub(2)
                .map(|i| Address::from_word(stack[i].into()));
            if target == Some(ENTRY_POINT) {
                skip_below = Some(step.depth);
            }
        }
        if BANNED.contains(&step.op.as_ref()) {
            violations.push(format!(
                "{} at pc {} depth {}",
                step.op, step.pc, step.depth
            ));
        }
        if step.op == "GAS" {
            let next = logs
                .get(i + 1)
                .map(|s| s.op.to_string())
                .unwrap_or_default();
            if !["CALL", "DELEGATECALL", "STATICCALL", "CALLCODE"].contains(&next.as_str()) {
                violations.push(format!(
                    "GAS not followed by a call at pc {} depth {}",
                    step.pc, step.depth
                ));
            }
        }
        // Storage is only touched in the account's own frame (depth 1 here is the account).
        if (step.op == "SLOAD" || step.op == "SSTORE") && step.depth != 1 {
            violations.push(format!(
                "{} outside the account at depth {}",
                step.op, step.depth
            ));
        }
    }
    violations
}

#[tokio::test]
async fn validation_uses_no_opcode_erc_7562_bans() {
    let h = harness().await;
    let (owner, eoa) = h.smart_eoa().await.unwrap();
    let key = PrivateKeySigner::random();
    let bob = Address::repeat_byte(0xb0);
    let spec = token_spec(&h, key.address(), bob, h.timestamp().await.unwrap());
    eoa.grant(&owner, &spec, &owner).await.unwrap();
    eoa.allow_session_paymaster(
        &owner,
        key.address(),
        h.paymaster,
        Some(U256::from(10u64).pow(U256::from(18))),
    )
    .await
    .unwrap();
    let stranger = PrivateKeySigner::random();
    for signer in [&owner, &key, &stranger] {
        let violations =
            validation_violations(&h, eoa.address(), signer, &[transfer(h.token, bob, 1)]).await;
        assert!(
            violations.is_empty(),
            "validation by {} breaks ERC-7562: {violations:?}",
            signer.address()
        );
    }
    // The check can fail: code that reads the clock (TIMESTAMP; then returns it) is caught.
    let clock = Address::repeat_byte(0xc1);
    use alloy::providers::ext::AnvilApi;
    h.provider()
        .anvil_set_code(clock, alloy::primitives::bytes!("4260005260206000f3"))
        .await
        .unwrap();
    let mut filler = vec![0x5b; 60]; // JUMPDESTs so the trace is long enough to be a real one
    filler.extend_from_slice(&[0x42, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3]);
    h.provider()
        .anvil_set_code(clock, filler.into())
        .await
        .unwrap();
    let tx = TransactionRequest::default()
        .with_from(ENTRY_POINT)
        .with_to(clock);
    let violations = trace_violations(&h, tx).await;
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert!(violations[0].starts_with("TIMESTAMP"), "{violations:?}");
}
