//! The owner's and the key holder's commands: `keygen`, `grant`, `revoke`.

use std::path::Path;
use std::process::ExitCode;

use alloy::primitives::Address;
use alloy::signers::local::PrivateKeySigner;
use sessionkit::policy::SessionSpec;

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

/// Revokes `signer`'s session on `account` with the owner's key.
pub fn revoke(
    rpc: &str,
    account: Address,
    signer: Address,
    owner: &KeyArgs,
) -> Result<ExitCode, String> {
    let owner = owner.load("the owner's key")?;
    runtime()?.block_on(async {
        let eoa = keys::client(keys::provider(rpc)?, account).await?;
        let sent = eoa
            .revoke(&owner, signer)
            .await
            .map_err(|e| e.to_string())?;
        println!(
            "revoked the session of {signer} on {account} in transaction {} (gas {})",
            sent.hash, sent.gas_used
        );
        Ok(ExitCode::SUCCESS)
    })
}
