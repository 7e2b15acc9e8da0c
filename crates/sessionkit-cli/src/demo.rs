//! `sessionkit demo`: the guide's complete example, live on a local anvil.

use std::time::{Duration, Instant};

use alloy::primitives::{Address, U256};
use alloy::signers::local::PrivateKeySigner;
use sessionkit::client::Sent;
use sessionkit::policy::{Limit, SessionSpec, TransferPolicy};
use sessionkit::typed::{eq, lte};
use sessionkit::{Call, Error};
use sessionkit_testkit::fixtures::bindings::test_token;
use sessionkit_testkit::fixtures::{transfer, TestToken};
use sessionkit_testkit::Harness;

/// Prints each step as a line of text or of JSON.
struct Out {
    json: bool,
    started: Instant,
}

impl Out {
    fn step(&self, step: &str, text: &str, sent: Option<&Sent>) {
        if self.json {
            let mut line = serde_json::json!({ "step": step, "message": text });
            if let Some(s) = sent {
                line["gas"] = s.gas_used.into();
                line["tx"] = s.hash.to_string().into();
            }
            println!("{line}");
        } else {
            match sent {
                Some(s) => println!("{text} (gas {})", s.gas_used),
                None => println!("{text}"),
            }
        }
    }

    fn denied(&self, step: &str, what: &str, err: &Error) {
        if self.json {
            let error = err.account_error().map(|e| e.name()).unwrap_or("other");
            println!(
                "{}",
                serde_json::json!({ "step": step, "message": what, "denied": error, "reason": err.to_string() })
            );
        } else {
            println!("{what}: refused\n    {err}");
        }
    }

    fn done(&self) {
        let secs = self.started.elapsed().as_secs_f64();
        if self.json {
            println!("{}", serde_json::json!({ "step": "done", "seconds": secs }));
        } else {
            println!("done in {secs:.2} s");
        }
    }
}

/// Expects `result` to be refused; an allowed call is a failure of the demo.
fn expect_denied(
    out: &Out,
    step: &str,
    what: &str,
    result: Result<Sent, Error>,
) -> Result<(), String> {
    match result {
        Err(e) => {
            out.denied(step, what, &e);
            Ok(())
        }
        Ok(_) => Err(format!("{what}: the account allowed it, which it must not")),
    }
}

/// Runs the demo.
pub async fn run(json: bool) -> Result<(), String> {
    let out = Out {
        json,
        started: Instant::now(),
    };
    let e = |e: Error| e.to_string();
    let h = Harness::builder()
        .try_spawn()
        .await
        .map_err(|e| e.to_string())?;
    out.step(
        "anvil",
        &format!(
            "anvil (Prague) ready in {:.0} ms; session account deployed at {}",
            h.ready_time().as_secs_f64() * 1e3,
            h.implementation
        ),
        None,
    );

    let owner = h.funded_eoa().await.map_err(|e| e.to_string())?;
    let eoa = h.client(&owner).await.map_err(|e| e.to_string())?;
    out.step(
        "eoa",
        &format!("created EOA {} with 100 ETH", owner.address()),
        None,
    );
    let sent = eoa.upgrade(&owner).await.map_err(e)?;
    out.step(
        "upgrade",
        &format!("upgraded it with an EIP-7702 authorization in its own type-4 transaction: code = 0xef0100 ‖ {}", h.implementation),
        Some(&sent),
    );
    let mint = Call::contract(
        h.token,
        &TestToken::mintCall {
            to: eoa.address(),
            amount: U256::from(1_000u64),
        },
    );
    let sent = eoa.execute_as_owner(&owner, &[mint]).await.map_err(e)?;
    out.step(
        "mint",
        "the owner minted 1,000 test tokens to the account (owner path: anything goes)",
        Some(&sent),
    );

    let server_key = PrivateKeySigner::random();
    h.set_balance(server_key.address(), U256::from(10u64).pow(U256::from(18)))
        .await
        .map_err(|e| e.to_string())?;
    let bob = Address::repeat_byte(0xb0);
    let carol = Address::repeat_byte(0xca);
    let now = eoa.timestamp().await.map_err(e)?;
    let spec = SessionSpec::builder(server_key.address())
        .expires_in(Duration::from_secs(3600))
        .call(
            test_token::transfer()
                .to(eq(bob))
                .value(lte(100u64).lifetime(250u64))
                .build(h.token),
        )
        .transfer(
            TransferPolicy::new(bob)
                .max_value_per_use(10_000_000_000_000_000u64)
                .value_limit(Limit::allowance(20_000_000_000_000_000u64, 86_400)),
        )
        .build_at(now)
        .map_err(|e| e.to_string())?;
    let findings = spec.lint(&sessionkit::lint::Context {
        account: Some(eoa.address()),
        ..sessionkit::lint::Context::at(now)
    });
    let review = if findings.is_empty() {
        "no findings".to_owned()
    } else {
        findings
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    };
    out.step(
        "review",
        &format!("reviewed the session before signing it (sessionkit lint): {review}"),
        None,
    );
    let sent = eoa.grant(&owner, &spec, &owner).await.map_err(e)?;
    out.step(
        "grant",
        &format!(
            "granted session key {} for 1h: TestToken.transfer to bob only, at most 100 per call and 250 in total; \
             at most 0.01 ETH per transfer to bob, 0.02 ETH a day",
            server_key.address()
        ),
        Some(&sent),
    );

    let sent = eoa
        .execute_as_session(&server_key, &[transfer(h.token, bob, 100)])
        .await
        .map_err(e)?;
    out.step(
        "use",
        "server (session key): transferred 100 tokens to bob",
        Some(&sent),
    );
    let sent = eoa
        .execute_as_session(
            &server_key,
            &[
                transfer(h.token, bob, 100),
                Call::transfer(bob, 10_000_000_000_000_000u64),
            ],
        )
        .await
        .map_err(e)?;
    out.step(
        "use",
        "server: one batch of 100 more tokens and 0.01 ETH to bob",
        Some(&sent),
    );

    let approve = Call::contract(
        h.token,
        &TestToken::approveCall {
            spender: carol,
            value: U256::from(1u64),
        },
    );
    expect_denied(
        &out,
        "wrong_selector",
        "server: approve(carol, 1)",
        eoa.execute_as_session(&server_key, &[approve]).await,
    )?;
    expect_denied(
        &out,
        "constraint",
        "server: transfer 10 tokens to carol",
        eoa.execute_as_session(&server_key, &[transfer(h.token, carol, 10)])
            .await,
    )?;
    expect_denied(
        &out,
        "limit",
        "server: transfer 100 more tokens to bob (200 of 250 used)",
        eoa.execute_as_session(&server_key, &[transfer(h.token, bob, 100)])
            .await,
    )?;
    expect_denied(
        &out,
        "max_value",
        "server: send 0.02 ETH to bob in one transfer",
        eoa.execute_as_session(
            &server_key,
            &[Call::transfer(bob, 20_000_000_000_000_000u64)],
        )
        .await,
    )?;

    // Rotation: a new key in the old one's place, with what the old key had left.
    let new_key = PrivateKeySigner::random();
    h.set_balance(new_key.address(), U256::from(10u64).pow(U256::from(18)))
        .await
        .map_err(|e| e.to_string())?;
    let (rotation, sent) = eoa
        .rotate(&owner, server_key.address(), new_key.address())
        .await
        .map_err(e)?;
    let changes: Vec<String> = rotation.changes.iter().map(ToString::to_string).collect();
    out.step(
        "rotate",
        &format!(
            "rotated the session to key {}: granted and the old key burned in one owner batch; {}",
            new_key.address(),
            changes.join("; ")
        ),
        Some(&sent),
    );
    expect_denied(
        &out,
        "rotated",
        "old key: transfer 10 tokens to bob",
        eoa.execute_as_session(&server_key, &[transfer(h.token, bob, 10)])
            .await,
    )?;
    let sent = eoa
        .execute_as_session(&new_key, &[transfer(h.token, bob, 50)])
        .await
        .map_err(e)?;
    out.step(
        "use",
        "new key: transferred the 50 tokens the old key had left",
        Some(&sent),
    );
    expect_denied(
        &out,
        "limit",
        "new key: transfer 1 more token to bob",
        eoa.execute_as_session(&new_key, &[transfer(h.token, bob, 1)])
            .await,
    )?;

    h.warp_by(3600).await.map_err(|e| e.to_string())?;
    out.step("time", "an hour passes", None);
    expect_denied(
        &out,
        "expired",
        "new key: transfer 10 tokens to bob",
        eoa.execute_as_session(&new_key, &[transfer(h.token, bob, 10)])
            .await,
    )?;
    let sent = eoa.revoke(&owner, new_key.address()).await.map_err(e)?;
    out.step("revoke", "the owner revoked the new key", Some(&sent));
    expect_denied(
        &out,
        "revoked",
        "new key: transfer 10 tokens to bob",
        eoa.execute_as_session(&new_key, &[transfer(h.token, bob, 10)])
            .await,
    )?;

    let sponsor = h.funded_eoa().await.map_err(|e| e.to_string())?;
    let balance_before = eoa_balance(&h, eoa.address()).await?;
    let sent = eoa
        .execute_with_sig(&owner, &sponsor, &[transfer(h.token, carol, 5)], None, None)
        .await
        .map_err(e)?;
    let balance_after = eoa_balance(&h, eoa.address()).await?;
    out.step(
        "sponsored",
        &format!(
            "sponsor {} relayed 5 tokens to carol signed by the owner (executeWithSig); the EOA's ETH balance {}",
            sponsor.address(),
            if balance_before == balance_after { "did not change" } else { "changed" }
        ),
        Some(&sent),
    );

    // Monitoring: the account's sessions and who made which call, from its events.
    out.step(
        "monitor",
        &format!(
            "sessionkit sessions --rpc {} --account {}",
            h.endpoint(),
            eoa.address()
        ),
        None,
    );
    if !out.json {
        crate::sessions::list(crate::sessions::Args {
            rpc: h.endpoint(),
            account: eoa.address(),
            from_block: 0,
            to_block: None,
            page_size: sessionkit::monitor::DEFAULT_PAGE,
            calls: 0,
            json: false,
            watch: None,
        })
        .await?;
    }
    out.done();
    Ok(())
}

async fn eoa_balance(h: &Harness, who: Address) -> Result<U256, String> {
    use alloy::providers::Provider;
    h.provider()
        .get_balance(who)
        .await
        .map_err(|e| e.to_string())
}
