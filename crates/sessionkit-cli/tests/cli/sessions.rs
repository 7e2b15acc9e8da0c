//! `sessionkit sessions`: the sessions of an account and who made each call, from its events
//! over several `eth_getLogs` pages, every call attributed by decoding its transaction.

use alloy::primitives::{Address, U256};
use alloy::signers::local::PrivateKeySigner;
use sessionkit::error::RevertContext;
use sessionkit::policy::{CallPolicy, Limit, SessionSpec, TransferPolicy};
use sessionkit::userop::UserOps;
use sessionkit::Call;
use sessionkit_testkit::fixtures::set_number;
use sessionkit_testkit::Harness;

use crate::{bin, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_lists_keys_limits_and_attributed_calls_over_pages() {
    let h = Harness::builder()
        .try_spawn()
        .await
        .unwrap_or_else(|e| panic!("cannot start the test chain: {e}"));
    let first_block = alloy::providers::Provider::get_block_number(h.provider())
        .await
        .unwrap();
    let (owner, eoa) = h.smart_eoa().await.unwrap();
    h.set_balance(eoa.address(), U256::from(10u64).pow(U256::from(18)))
        .await
        .unwrap();
    let now = h.timestamp().await.unwrap();
    let (scoped, wild, gone) = (
        PrivateKeySigner::random(),
        PrivateKeySigner::random(),
        PrivateKeySigner::random(),
    );
    h.set_balance(scoped.address(), U256::from(10u64).pow(U256::from(18)))
        .await
        .unwrap();
    let spec = SessionSpec::builder(scoped.address())
        .expires_at(now + 3600)
        .call(CallPolicy::function(h.counter, "setNumber(uint256)").unwrap())
        .transfer(
            TransferPolicy::new(h.receiver)
                .max_value_per_use(10u64)
                .value_limit(Limit::allowance(15u64, 600)),
        )
        .build_at(now)
        .unwrap();
    eoa.grant(&owner, &spec, &owner).await.unwrap();
    let wildcard = SessionSpec::builder(wild.address())
        .wildcard()
        .expires_at(now + 7200)
        .build_at(now)
        .unwrap();
    eoa.grant(&owner, &wildcard, &owner).await.unwrap();
    let short = SessionSpec::builder(gone.address())
        .wildcard()
        .expires_at(now + 60)
        .build_at(now)
        .unwrap();
    eoa.grant(&owner, &short, &owner).await.unwrap();
    eoa.revoke(&owner, gone.address()).await.unwrap();

    // One call per route: the scoped key's own transaction, the wildcard key's signature
    // relayed by a sponsor, the wildcard key's user operation, and the owner's own call.
    eoa.execute_as_session(&scoped, &[Call::transfer(h.receiver, 10u64)])
        .await
        .unwrap();
    let sponsor = h.funded_eoa().await.unwrap();
    eoa.execute_with_sig(&wild, &sponsor, &[set_number(h.counter, 3)], None, None)
        .await
        .unwrap();
    let ops = UserOps::new(h.provider().clone(), eoa.address())
        .await
        .unwrap();
    let op = ops.build(&wild, &[set_number(h.counter, 4)]).await.unwrap();
    let ctx = RevertContext {
        account: eoa.address(),
        ..Default::default()
    };
    ops.submit(&sponsor, op, None, &ctx).await.unwrap();
    eoa.execute_as_owner(&owner, &[set_number(h.counter, 5)])
        .await
        .unwrap();

    let account = eoa.address().to_string();
    let from = first_block.to_string();
    let out = run(bin().args([
        "sessions",
        "--rpc",
        h.endpoint(),
        "--account",
        &account,
        "--from-block",
        &from,
        "--page-size",
        "2",
        "--json",
    ]));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["version"], 1);
    assert!(doc["pages"].as_u64().unwrap() > 3, "{}", doc["pages"]);
    let sessions = doc["sessions"].as_array().unwrap();
    let find = |key: Address| {
        sessions
            .iter()
            .find(|s| s["signer"] == serde_json::json!(key))
            .unwrap_or_else(|| panic!("{key} listed: {stdout}"))
    };
    let s = find(scoped.address());
    assert_eq!(s["status"], "live");
    assert_eq!(s["expires_at"], now + 3600);
    assert_eq!(s["call_count"], 1);
    assert_eq!(s["recent_calls"][0]["route"], "execute");
    assert_eq!(
        s["recent_calls"][0]["target"],
        serde_json::json!(h.receiver)
    );
    let limit = &s["limits"][0];
    assert_eq!(limit["limit"], "transfer_policies[0].value_limit");
    assert_eq!(limit["remaining"], "5");
    let resets = limit["resets_at"].as_u64().unwrap();
    assert!(resets % 600 == 0 && resets > now, "{resets}");

    let w = find(wild.address());
    assert_eq!(w["status"], "live");
    assert_eq!(w["wildcard"], true);
    assert_eq!(w["call_count"], 2);
    let routes: Vec<&str> = w["recent_calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["route"].as_str().unwrap())
        .collect();
    assert_eq!(routes, ["execute_with_sig", "user_op"]);

    let g = find(gone.address());
    assert_eq!(g["status"], "revoked");
    let kinds: Vec<&str> = g["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["created", "revoked"]);
    assert_eq!(doc["owner_calls"].as_array().unwrap().len(), 1);
    assert!(doc["unattributed_calls"].as_array().unwrap().is_empty());

    // One page holds the same history.
    let out = run(bin().args([
        "sessions",
        "--rpc",
        h.endpoint(),
        "--account",
        &account,
        "--from-block",
        &from,
        "--json",
    ]));
    let one: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(one["pages"], 1);
    assert_eq!(one["sessions"], doc["sessions"]);

    // The text form names each key, status and limit.
    let out = run(bin().args(["sessions", "--rpc", h.endpoint(), "--account", &account]));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("session {}: live", scoped.address())),
        "{text}"
    );
    assert!(
        text.contains("transfer_policies[0].value_limit: 5 wei left of 15 wei per 10m"),
        "{text}"
    );
    assert!(
        text.contains(&format!("session {}: revoked", gone.address())),
        "{text}"
    );
    // A page size of 0 is refused in one line.
    let out = run(bin().args([
        "sessions",
        "--rpc",
        h.endpoint(),
        "--account",
        &account,
        "--page-size",
        "0",
    ]));
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr)
            .trim_end()
            .lines()
            .count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_follows_calls_refusals_and_warns() {
    use alloy::providers::Provider;
    let h = Harness::builder()
        .try_spawn()
        .await
        .unwrap_or_else(|e| panic!("cannot start the test chain: {e}"));
    // At the start of an allowance window, so it does not turn during the test.
    let now = h.timestamp().await.unwrap();
    h.warp_to((now / 3600 + 1) * 3600 + 1).await.unwrap();
    let (owner, eoa) = h.smart_eoa().await.unwrap();
    h.set_balance(eoa.address(), U256::from(10u64).pow(U256::from(18)))
        .await
        .unwrap();
    let now = h.timestamp().await.unwrap();
    let (scoped, wild) = (PrivateKeySigner::random(), PrivateKeySigner::random());
    h.set_balance(scoped.address(), U256::from(10u64).pow(U256::from(18)))
        .await
        .unwrap();
    let spec = SessionSpec::builder(scoped.address())
        .expires_at(now + 3000)
        .transfer(
            TransferPolicy::new(h.receiver)
                .max_value_per_use(10u64)
                .value_limit(Limit::allowance(15u64, 3600)),
        )
        .build_at(now)
        .unwrap();
    eoa.grant(&owner, &spec, &owner).await.unwrap();
    let wildcard = SessionSpec::builder(wild.address())
        .wildcard()
        .expires_at(now + 7200)
        .build_at(now)
        .unwrap();
    eoa.grant(&owner, &wildcard, &owner).await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let stdout_path = dir.path().join("stdout");
    let stdout = std::fs::File::create(&stdout_path).unwrap();
    const BLOCKS: u64 = 6;
    let mut child = bin()
        .args([
            "sessions",
            "--rpc",
            h.endpoint(),
            "--account",
            &eoa.address().to_string(),
            "--watch",
            "--interval",
            "1s",
            "--warn-expiry",
            "1h",
            "--blocks",
            &BLOCKS.to_string(),
        ])
        .stdout(std::process::Stdio::from(stdout))
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !std::fs::read_to_string(&stdout_path)
        .unwrap()
        .contains("watching")
    {
        assert!(std::time::Instant::now() < deadline, "watch did not start");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let start = h.provider().get_block_number().await.unwrap();

    // A session call, then one that brings its allowance to 1 of 15 (below 10 %).
    eoa.execute_as_session(&scoped, &[Call::transfer(h.receiver, 10u64)])
        .await
        .unwrap();
    eoa.execute_as_session(&scoped, &[Call::transfer(h.receiver, 4u64)])
        .await
        .unwrap();
    // A transaction the account refuses, mined anyway (sent without an estimate).
    let denied = sessionkit::abi::execute_call(&[Call::transfer(h.receiver, 11u64)]);
    let tx = alloy::rpc::types::TransactionRequest::default()
        .to(eoa.address())
        .input(alloy::sol_types::SolCall::abi_encode(&denied).into());
    let err = sessionkit::client::send_signed(
        h.provider(),
        &scoped,
        tx,
        500_000,
        h.chain_id(),
        std::time::Duration::from_secs(30),
        "a refused call",
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("status 0"), "{err}");
    // A user operation that validates and reverts in execution (the account has no tokens).
    let ops = UserOps::new(h.provider().clone(), eoa.address())
        .await
        .unwrap();
    let pull = sessionkit_testkit::fixtures::transfer(h.token, Address::repeat_byte(0xb0), 1);
    let op = ops.build(&wild, &[pull]).await.unwrap();
    let ctx = RevertContext {
        account: eoa.address(),
        ..Default::default()
    };
    let bundler = h.funded_eoa().await.unwrap();
    assert!(ops.submit(&bundler, op, None, &ctx).await.is_err());
    let mined = h.provider().get_block_number().await.unwrap() - start;
    assert!(mined <= BLOCKS, "{mined}");
    h.mine(BLOCKS - mined).await.unwrap();

    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!(
                "watch did not stop: {}",
                std::fs::read_to_string(&stdout_path).unwrap()
            );
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let out = std::fs::read_to_string(&stdout_path).unwrap();
    assert!(status.success(), "{out}");
    let key = scoped.address();
    let calls = out
        .lines()
        .filter(|l| {
            l.contains(&format!(
                "call by session {key} (execute) to {}",
                h.receiver
            ))
        })
        .count();
    assert_eq!(calls, 2, "{out}");
    // In block order: the refused transaction (block 3 of the watch) before the user operation.
    let refused = out
        .find("to the account reverted: MaxValueExceeded")
        .expect(&out);
    let op = out.find("was refused in execution").expect(&out);
    assert!(refused < op, "{out}");
    assert!(
        out.contains(&format!(
            "warning: session {key}: transfer_policies[0].value_limit is down to 1 wei of 15 wei per 1h"
        )),
        "{out}"
    );
    assert_eq!(out.matches("is down to").count(), 1, "warned once: {out}");
    assert!(
        out.contains(&format!("warning: session {key} expires in")),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "a transaction from {key} to the account reverted: "
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "a user operation of session {} was refused in execution: CallReverted",
            wild.address()
        )),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_factory_accounts_owner_is_read_from_its_code() {
    let h = Harness::builder()
        .try_spawn()
        .await
        .unwrap_or_else(|e| panic!("cannot start the test chain: {e}"));
    let owner = h.funded_eoa().await.unwrap();
    let account = h
        .factory_account(&owner, alloy::primitives::B256::repeat_byte(7))
        .await
        .unwrap();
    let client = h.client_for(account).await.unwrap();
    client
        .execute_as_owner(&owner, &[set_number(h.counter, 9)])
        .await
        .unwrap();
    let out = run(bin().args([
        "sessions",
        "--rpc",
        h.endpoint(),
        "--account",
        &account.to_string(),
        "--json",
    ]));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    assert_eq!(doc["owner"], serde_json::json!(owner.address()));
    assert_eq!(doc["owner_calls"].as_array().unwrap().len(), 1, "{doc}");
    assert_eq!(
        doc["owner_calls"][0]["signer"],
        serde_json::json!(owner.address())
    );
}
