//! Gas per operation, measured live on the harness's anvil: each operation is its own
//! transaction, so the figures are transaction gas (the 21,000 base and calldata included).

use alloy::primitives::{Address, U256};
use alloy::signers::local::PrivateKeySigner;
use serde::Serialize;

use crate::call::Call;
use crate::contracts::TestToken;
use crate::harness::{Harness, HarnessError};
use crate::policy::{CallPolicy, Condition, Limit, SessionSpec, TransferPolicy};

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

fn transfer(token: Address, to: Address, amount: u64) -> Call {
    Call::contract(
        token,
        &TestToken::transferCall {
            to,
            value: U256::from(amount),
        },
    )
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
            CallPolicy::function(h.token, "transfer(address,uint256)")
                .map_err(crate::Error::from)?
                .constraint(0, Condition::Equal, bob)
                .constraint_limited(
                    1,
                    Condition::LessOrEqual,
                    1_000u64,
                    Limit::lifetime(1_000_000u64),
                ),
        )
        .transfer(
            TransferPolicy::new(bob)
                .max_value_per_use(1_000u64)
                .value_limit(Limit::lifetime(1_000_000u64)),
        )
        .build_at(now)
        .map_err(crate::Error::from)?;
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
        .map_err(crate::Error::from)?;
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
    Ok(rows)
}
