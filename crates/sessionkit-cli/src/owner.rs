//! The owner's and the key holder's commands: `keygen`, `grant`, `revoke`, `rotate`,
//! `cancel-grant`, `paymaster`.

use std::path::Path;
use std::process::ExitCode;

use alloy::primitives::{Address, B256, U256};
use alloy::signers::local::PrivateKeySigner;
use sessionkit::policy::SessionSpec;
use sessionkit::rotation::{AllowanceCarry, Rotation};
use sessionkit::units::{display_amount, parse_amount};

use crate::keys::{self, KeyArgs};
use crate::runtime;

/// Writes a new key to an encrypted keystore `dir/name` and prints its address.
pub fn keygen(
    dir: &Path,
    name: Option<&str>,
    password_file: Option<&Path>,
) -> Result<ExitCode, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("--dir {}: {e}", dir.display()))?;
    if let Some(name) = name {
        let path = dir.join(name);
        if path.exists() {
            return Err(format!("{} exists: pick another --name", path.display()));
        }
    }
    let password = keys::password(
        password_file,
        &dir.join(name.unwrap_or("(new keystore)")),
        true,
    )?;
    let (key, uuid) =
        PrivateKeySigner::new_keystore(dir, &mut rand::thread_rng(), password.as_bytes(), name)
            .map_err(|e| format!("cannot write a keystore in {}: {e}", dir.display()))?;
    let file = dir.join(name.unwrap_or(&uuid));
    println!("address {}", key.address());
    println!("keystore {}", file.display());
    Ok(ExitCode::SUCCESS)
}

/// Grants the session of `spec` on `account`, signed by the owner's key, which also sends it.
pub fn grant(
    rpc: &str,
    account: Address,
    spec: &Path,
    owner: &KeyArgs,
) -> Result<ExitCode, String> {
    let text =
        std::fs::read_to_string(spec).map_err(|e| format!("--spec {}: {e}", spec.display()))?;
    let spec_value =
        SessionSpec::from_json(&text).map_err(|e| format!("{}: {e}", spec.display()))?;
    let owner = owner.load("the owner's key")?;
    runtime()?.block_on(async {
        let eoa = keys::client(keys::provider(rpc)?, account).await?;
        let sent = eoa
            .grant(&owner, &spec_value, &owner)
            .await
            .map_err(|e| e.to_string())?;
        println!(
            "granted a session to {} on {account} until unix time {} in transaction {} (gas {})",
            spec_value.signer, spec_value.expires_at, sent.hash, sent.gas_used
        );
        Ok(ExitCode::SUCCESS)
    })
}

/// Revokes `signers` (one: `revokeSession`; several: `revokeSessions`) or, with `all`, every
/// live session of `account`, with the owner's key.
pub fn revoke(
    rpc: &str,
    account: Address,
    signers: &[Address],
    all: bool,
    owner: &KeyArgs,
) -> Result<ExitCode, String> {
    let owner = owner.load("the owner's key")?;
    runtime()?.block_on(async {
        let eoa = keys::client(keys::provider(rpc)?, account).await?;
        let e = |e: sessionkit::Error| e.to_string();
        let (signers, sent) = match (all, signers) {
            (true, _) => eoa.revoke_all(&owner).await.map_err(e)?,
            (false, [one]) => (vec![*one], Some(eoa.revoke(&owner, *one).await.map_err(e)?)),
            (false, many) => (
                many.to_vec(),
                Some(eoa.revoke_many(&owner, many).await.map_err(e)?),
            ),
        };
        match sent {
            None => println!("{account} has no live session: nothing to revoke"),
            Some(sent) => {
                for signer in &signers {
                    println!("revoked and burned {signer} on {account}");
                }
                println!("in transaction {} (gas {})", sent.hash, sent.gas_used);
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// What `rotate` is asked to do.
pub struct RotateArgs<'a> {
    /// The chain's RPC URL.
    pub rpc: &'a str,
    /// The account.
    pub account: Address,
    /// The key rotated out.
    pub old: Address,
    /// The new key, unless a spec names it.
    pub new: Option<Address>,
    /// A fresh spec for the new key instead of the carried-over one.
    pub spec: Option<&'a Path>,
    /// How allowances are carried over.
    pub allowances: AllowanceCarry,
    /// Print the plan and send nothing.
    pub dry_run: bool,
    /// The owner's key.
    pub owner: &'a KeyArgs,
}

/// Rotates `old` to a new key on `account` in one owner transaction: the carried-over spec
/// (what the old key had left), or a fresh one from `spec`.
pub fn rotate(args: RotateArgs<'_>) -> Result<ExitCode, String> {
    let fresh = match args.spec {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("--spec {}: {e}", path.display()))?;
            let spec =
                SessionSpec::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            if let Some(new) = args.new.filter(|new| *new != spec.signer) {
                return Err(format!(
                    "{}: signer {} is not the --new key {new}: give one of them",
                    path.display(),
                    spec.signer
                ));
            }
            Some(spec)
        }
        None => None,
    };
    let owner = if args.dry_run {
        None
    } else {
        Some(args.owner.load("the owner's key")?)
    };
    let account = args.account;
    runtime()?.block_on(async {
        let eoa = keys::client(keys::provider(args.rpc)?, account).await?;
        let e = |e: sessionkit::Error| e.to_string();
        let plan = match fresh {
            Some(spec) => Rotation::fresh(args.old, spec),
            None => {
                let new = args
                    .new
                    .ok_or("give the new key as --new ADDRESS or a spec as --spec FILE")?;
                eoa.rotation(args.old, new, args.allowances)
                    .await
                    .map_err(e)?
            }
        };
        let new = plan.new_signer();
        println!("rotating {} to {new} on {account}", args.old);
        if plan.carried.is_some() && plan.changes.is_empty() {
            println!("  every limit is carried unchanged");
        }
        for change in &plan.changes {
            println!("  {change}");
        }
        if plan.carried.is_none() {
            println!("  a fresh spec: no limit or paymaster is carried over");
        }
        for (paymaster, cap) in &plan.paymasters {
            if *cap == U256::MAX {
                println!("  paymaster {paymaster} (no cap) carried over");
            } else {
                println!(
                    "  paymaster {paymaster} (at most {} per operation) carried over",
                    display_amount(*cap)
                );
            }
        }
        let Some(owner) = owner else {
            println!("the new key's spec (not sent: --dry-run):");
            println!("{}", plan.spec.to_json());
            return Ok(ExitCode::SUCCESS);
        };
        let sent = eoa.rotate_with(&owner, &plan).await.map_err(e)?;
        println!(
            "granted {new} and revoked and burned {} in transaction {} (gas {})",
            args.old, sent.hash, sent.gas_used
        );
        if let Some(warning) = &sent.warning {
            eprintln!("warning: {warning}");
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Cancels the uid `uid` (or the uid of the spec in `spec`) on `account`.
pub fn cancel_grant(
    rpc: &str,
    account: Address,
    uid: Option<B256>,
    spec: Option<&Path>,
    owner: &KeyArgs,
) -> Result<ExitCode, String> {
    let uid = match (uid, spec) {
        (Some(uid), _) => uid,
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("--spec {}: {e}", path.display()))?;
            let spec =
                SessionSpec::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            if spec.uid.is_zero() {
                return Err(format!(
                    "{}: the spec has no uid, so no signed grant of it can be cancelled; give --uid",
                    path.display()
                ));
            }
            spec.uid
        }
        (None, None) => return Err("give --uid HEX or --spec FILE".into()),
    };
    let owner = owner.load("the owner's key")?;
    runtime()?.block_on(async {
        let eoa = keys::client(keys::provider(rpc)?, account).await?;
        let sent = eoa
            .invalidate_uid(&owner, uid)
            .await
            .map_err(|e| e.to_string())?;
        println!(
            "cancelled the grant uid {uid} on {account} in transaction {} (gas {})",
            sent.hash, sent.gas_used
        );
        Ok(ExitCode::SUCCESS)
    })
}

/// Allows `paymaster` for `signer`'s session on `account`.
pub fn paymaster_allow(
    rpc: &str,
    account: Address,
    signer: Address,
    paymaster: Address,
    max_cost: Option<&str>,
    owner: &KeyArgs,
) -> Result<ExitCode, String> {
    let cap = max_cost
        .map(|s| parse_amount(s).map_err(|e| format!("--max-cost {s}: {e}")))
        .transpose()?;
    let owner = owner.load("the owner's key")?;
    runtime()?.block_on(async {
        let eoa = keys::client(keys::provider(rpc)?, account).await?;
        let sent = eoa
            .allow_session_paymaster(&owner, signer, paymaster, cap)
            .await
            .map_err(|e| e.to_string())?;
        let cap = cap.map_or_else(|| "no cap".to_owned(), |c| format!("at most {} per operation", display_amount(c)));
        println!(
            "allowed paymaster {paymaster} for {signer}'s session on {account} ({cap}) in transaction {} (gas {})",
            sent.hash, sent.gas_used
        );
        Ok(ExitCode::SUCCESS)
    })
}

/// Disallows `paymaster` for `signer`'s session on `account`.
pub fn paymaster_disallow(
    rpc: &str,
    account: Address,
    signer: Address,
    paymaster: Address,
    owner: &KeyArgs,
) -> Result<ExitCode, String> {
    let owner = owner.load("the owner's key")?;
    runtime()?.block_on(async {
        let eoa = keys::client(keys::provider(rpc)?, account).await?;
        let sent = eoa
            .disallow_session_paymaster(&owner, signer, paymaster)
            .await
            .map_err(|e| e.to_string())?;
        println!(
            "disallowed paymaster {paymaster} for {signer}'s session on {account} in transaction {} (gas {})",
            sent.hash, sent.gas_used
        );
        Ok(ExitCode::SUCCESS)
    })
}

/// Lists the paymasters allowed for `signer`'s session on `account`.
pub fn paymaster_list(rpc: &str, account: Address, signer: Address) -> Result<ExitCode, String> {
    runtime()?.block_on(async {
        let eoa = keys::client(keys::provider(rpc)?, account).await?;
        let list = eoa
            .session_paymasters(signer)
            .await
            .map_err(|e| e.to_string())?;
        if list.is_empty() {
            println!("no paymaster is allowed for {signer}'s session on {account}");
        }
        for (paymaster, cap) in list {
            if cap == U256::MAX {
                println!("{paymaster} no cap");
            } else {
                println!("{paymaster} at most {} per operation", display_amount(cap));
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
