//! Gas per operation, measured live on the harness's anvil: each operation is its own
//! transaction, so the figures are transaction gas (the 21,000 base and calldata included).

use alloy::primitives::{Address, U256};
use alloy::signers::local::PrivateKeySigner;
use serde::Serialize;

use crate::fixtures::bindings::test_token;
use crate::fixtures::{transfer, TestToken};
use crate::harness::{Harness, HarnessError};
use alloy::providers::Provider;
use sessionkit::policy::{Limit, SessionSpec, TransferPolicy};
use sessionkit::typed::{eq, lte};
use sessionkit::userop::UserOps;
use sessionkit::Call;

/// One measured operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GasRow {
    /// A stable key (`session_erc20_steady`, …).
    pub key: &'static str,
    /// What was measured.
    pub operation: &'static str,
    /// Transaction gas.
    pub gas: u64,
}

/// Measures the operations of the gas table on `h` (its account implementation is the one
/// measured): ERC-20 and native transfers by the owner and by a session key, grants, and
/// sponsored `executeWithSig`.
pub async fn measure(h: &Harness) -> Result<Vec<GasRow>, HarnessError> {
    let (owner, eoa) = h.smart_eoa().await?;
    let sponsor = h.funded_eoa().await?;
    let key = h.funded_eoa().await?;
    let bob = Address::repeat_byte(0xb0);
    h.set_balance(eoa.address(), U256::from(10u64).pow(U256::from(18)))
        .await?;
    let mint = Call::contract(
        h.token,
        &TestToken::mintCall {
            to: eoa.address(),
            amount: U256::from(1_000_000u64),
        },
    );
    eoa.execute_as_owner(&owner, &[mint]).await?;
    let now = h.timestamp().await?;
    let spec = SessionSpec::builder(key.address())
        .expires_at(now + 30 * 86_400)
        .call(
            test_token::transfer()
                .to(eq(bob))
                .value(lte(1_000u64).lifetime(1_000_000u64))
                .build(h.token),
        )
        .transfer(
            TransferPolicy::new(bob)
                .max_value_per_use(1_000u64)
                .value_limit(Limit::lifetime(1_000_000u64)),
        )
        .build_at(now)
        .map_err(sessionkit::Error::from)?;
    let mut rows = Vec::new();
    let mut row = |key, operation, gas| {
        rows.push(GasRow {
            key,
            operation,
            gas,
        })
    };

    let grant = eoa.grant(&owner, &spec, &sponsor).await?.gas_used;
    row(
        "grant_policies",
        "createSessionWithSig: 1 CallSpec (2 constraints) + 1 TransferSpec",
        grant,
    );
    let wildcard_key = PrivateKeySigner::random();
    let wildcard = SessionSpec::builder(wildcard_key.address())
        .wildcard()
        .expires_at(now + 86_400)
        .build_at(now)
        .map_err(sessionkit::Error::from)?;
    row(
        "grant_wildcard",
        "createSessionWithSig: wildcard",
        eoa.grant(&owner, &wildcard, &sponsor).await?.gas_used,
    );

    // Bob already holds tokens and ether, as in a steady state: no row pays for a first write.
    eoa.execute_as_owner(
        &owner,
        &[transfer(h.token, bob, 1), Call::transfer(bob, 1u64)],
    )
    .await?;
    let owner_erc20 = eoa
        .execute_as_owner(&owner, &[transfer(h.token, bob, 100)])
        .await?
        .gas_used;
    let first = eoa
        .execute_as_session(&key, &[transfer(h.token, bob, 100)])
        .await?
        .gas_used;
    let steady = eoa
        .execute_as_session(&key, &[transfer(h.token, bob, 100)])
        .await?
        .gas_used;
    row(
        "owner_erc20",
        "owner: ERC-20 transfer through execute",
        owner_erc20,
    );
    row(
        "session_erc20_first",
        "session key: the same under 1 CallSpec + 2 constraints, first use",
        first,
    );
    row(
        "session_erc20_steady",
        "session key: the same, steady state",
        steady,
    );
    row(
        "session_overhead",
        "session overhead, steady state (session - owner)",
        steady.saturating_sub(owner_erc20),
    );

    let owner_native = eoa
        .execute_as_owner(&owner, &[Call::transfer(bob, 100u64)])
        .await?
        .gas_used;
    eoa.execute_as_session(&key, &[Call::transfer(bob, 100u64)])
        .await?;
    let session_native = eoa
        .execute_as_session(&key, &[Call::transfer(bob, 100u64)])
        .await?
        .gas_used;
    row(
        "owner_native",
        "owner: native transfer through execute",
        owner_native,
    );
    row(
        "session_native_steady",
        "session key: native transfer under a TransferSpec, steady state",
        session_native,
    );

    let sig_owner = eoa
        .execute_with_sig(&owner, &sponsor, &[transfer(h.token, bob, 100)], None, None)
        .await?
        .gas_used;
    let sig_session = eoa
        .execute_with_sig(&key, &sponsor, &[transfer(h.token, bob, 100)], None, None)
        .await?
        .gas_used;
    row(
        "sig_owner_erc20",
        "executeWithSig by the owner, ERC-20 transfer",
        sig_owner,
    );
    row(
        "sig_session_erc20",
        "executeWithSig by a session key, ERC-20 transfer, steady state",
        sig_session,
    );
    // ERC-4337, when the account has it: the same transfer as a user operation, the bundle
    // transaction's gas (one operation per bundle).
    let code = h
        .provider()
        .get_code_at(h.implementation)
        .await
        .map_err(|e| h.rpc_failed("reading the implementation's code", e))?;
    let selector = sessionkit::userop::EXECUTE_USER_OP;
    if code.windows(4).any(|w| w == selector.as_slice()) {
        let bundler = h.funded_eoa().await?;
        let ctx = |account, signer| sessionkit::error::RevertContext {
            account,
            expected_signer: Some(signer),
            ..Default::default()
        };
        // The owner's operation with and without a paymaster; a scoped session key's always has
        // one (the account never pays gas for it), so the overhead compares it with the
        // owner's sponsored operation.
        let (owner_ref, key_ref, bundler_ref, spec_ref) = (&owner, &key, &bundler, &spec);
        let measure_ops = |account: Address| async move {
            let (owner, key, bundler) = (owner_ref, key_ref, bundler_ref);
            let plain = UserOps::new(h.provider().clone(), account).await?;
            let sponsored = UserOps::new(h.provider().clone(), account)
                .await?
                .paymaster(h.paymaster);
            // Warm-up: the account's first operation also opens its EntryPoint deposit.
            let op = plain.build(owner, &[transfer(h.token, bob, 1)]).await?;
            plain
                .submit(bundler, op, None, &ctx(account, owner.address()))
                .await?;
            // A fresh grant, so the session's first operation is a first use.
            let mut fresh = spec_ref.clone();
            fresh.uid = alloy::primitives::B256::random();
            let client =
                sessionkit::client::SmartEoa::new(h.provider().clone(), account, h.implementation)
                    .await?;
            client.grant(owner, &fresh, bundler).await?;
            client
                .allow_session_paymaster(owner, key.address(), h.paymaster, None)
                .await?;
            let op = plain.build(owner, &[transfer(h.token, bob, 100)]).await?;
            let owner_plain = plain
                .submit(bundler, op, None, &ctx(account, owner.address()))
                .await?;
            let op = sponsored
                .build(owner, &[transfer(h.token, bob, 100)])
                .await?;
            let owner_sponsored = sponsored
                .submit(bundler, op, None, &ctx(account, owner.address()))
                .await?;
            let op = sponsored.build(key, &[transfer(h.token, bob, 100)]).await?;
            let first = sponsored
                .submit(bundler, op, None, &ctx(account, key.address()))
                .await?;
            let op = sponsored.build(key, &[transfer(h.token, bob, 100)]).await?;
            let steady = sponsored
                .submit(bundler, op, None, &ctx(account, key.address()))
                .await?;
            Ok::<_, sessionkit::Error>([
                owner_plain.sent.gas_used,
                owner_sponsored.sent.gas_used,
                first.sent.gas_used,
                steady.sent.gas_used,
            ])
        };
        let [plain, sponsored, first, steady] = measure_ops(eoa.address()).await?;
        row(
            "userop_owner_7702",
            "user op, owner, ERC-20 transfer, 7702 smart EOA",
            plain,
        );
        row(
            "userop_owner_paymaster_7702",
            "user op, owner with a paymaster, the same",
            sponsored,
        );
        row(
            "userop_session_first_7702",
            "user op, session key (1 CallSpec + 2 constraints, paymaster), first use",
            first,
        );
        row(
            "userop_session_7702",
            "user op, session key, steady state",
            steady,
        );
        row(
            "userop_overhead_7702",
            "user op session overhead, steady (vs the owner with a paymaster)",
            steady.saturating_sub(sponsored),
        );
        if h.factory().is_ok() {
            let account = h
                .factory_account(&owner, alloy::primitives::B256::ZERO)
                .await
                .map_err(|message| HarnessError::Refused {
                    action: "deploying a factory account".into(),
                    message,
                })?;
            h.set_balance(account, U256::from(10u64).pow(U256::from(18)))
                .await?;
            let standalone = h.client_for(account).await?;
            let mint = Call::contract(
                h.token,
                &TestToken::mintCall {
                    to: account,
                    amount: U256::from(1_000u64),
                },
            );
            standalone
                .execute_as_owner(&owner, &[mint, transfer(h.token, bob, 1)])
                .await?;
            let [plain, sponsored, first, steady] = measure_ops(account).await?;
            row(
                "userop_owner_factory",
                "user op, owner, ERC-20 transfer, factory account",
                plain,
            );
            row(
                "userop_owner_paymaster_factory",
                "user op, owner with a paymaster, the same",
                sponsored,
            );
            row(
                "userop_session_first_factory",
                "user op, session key (paymaster), first use, factory account",
                first,
            );
            row(
                "userop_session_factory",
                "user op, session key, steady state, factory account",
                steady,
            );
            row(
                "userop_overhead_factory",
                "user op session overhead, steady, factory account",
                steady.saturating_sub(sponsored),
            );
        }
    }
    Ok(rows)
}
