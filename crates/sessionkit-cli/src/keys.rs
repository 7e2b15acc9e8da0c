//! Keys and chains for the owner's commands: a key from an encrypted keystore (password from a
//! file or a prompt) or from an environment variable, never from a plain argument that `ps`
//! would show; and a provider for any RPC URL (https through rustls).

use std::path::{Path, PathBuf};

use alloy::primitives::Address;
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;
use sessionkit::client::{Delegation, SmartEoa};

/// Where a key comes from.
#[derive(clap::Args, Debug, Clone)]
pub struct KeyArgs {
    /// An encrypted JSON keystore (as `sessionkit keygen`, geth or cast write it).
    #[arg(long, value_name = "FILE", conflicts_with = "key_env")]
    pub key_file: Option<PathBuf>,
    /// A file whose first line is the keystore's password (else it is asked for on the terminal).
    #[arg(long, value_name = "FILE", requires = "key_file")]
    pub password_file: Option<PathBuf>,
    /// The name of an environment variable that holds the private key in hex.
    #[arg(long, value_name = "VAR")]
    pub key_env: Option<String>,
}

impl KeyArgs {
    /// Loads the key; `role` names it in messages ("the owner's key").
    pub fn load(&self, role: &str) -> Result<PrivateKeySigner, String> {
        match (&self.key_file, &self.key_env) {
            (Some(file), None) => {
                let password = password(self.password_file.as_deref(), file, false)?;
                PrivateKeySigner::decrypt_keystore(file, password.as_bytes()).map_err(|e| {
                    format!("{}: cannot decrypt the keystore ({e}): check the password", file.display())
                })
            }
            (None, Some(var)) => {
                let value = std::env::var(var)
                    .map_err(|_| format!("--key-env {var}: the variable is not set"))?;
                value.trim().parse::<PrivateKeySigner>().map_err(|_| {
                    format!("--key-env {var}: the variable does not hold a private key (32 bytes in hex)")
                })
            }
            _ => Err(format!(
                "give {role} as --key-file FILE (a keystore) or --key-env VAR (a variable holding it)"
            )),
        }
    }
}

/// The password of `keystore`: the first line of `file`, or asked for on the terminal
/// (twice when `confirm`).
pub fn password(file: Option<&Path>, keystore: &Path, confirm: bool) -> Result<String, String> {
    if let Some(file) = file {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("--password-file {}: {e}", file.display()))?;
        return Ok(text.lines().next().unwrap_or_default().to_owned());
    }
    let prompt = format!("password for {}: ", keystore.display());
    let first = rpassword::prompt_password(&prompt).map_err(|e| {
        format!(
            "cannot ask for the password ({e}): give --password-file FILE when not on a terminal"
        )
    })?;
    if confirm {
        let again = rpassword::prompt_password("again: ")
            .map_err(|e| format!("cannot ask for the password ({e})"))?;
        if again != first {
            return Err("the two passwords differ".into());
        }
    }
    Ok(first)
}

/// A provider for `url` (http or https) that signs nothing itself: the client signs.
pub fn provider(url: &str) -> Result<DynProvider, String> {
    let parsed = url
        .parse()
        .map_err(|e| format!("--rpc {url:?} is not a URL: {e}"))?;
    Ok(ProviderBuilder::new()
        .disable_recommended_fillers()
        .connect_http(parsed)
        .erased())
}

/// A client for `account`: its implementation is what it is delegated to (or the standalone
/// account's own code).
pub async fn client(
    provider: DynProvider,
    account: Address,
) -> Result<SmartEoa<DynProvider>, String> {
    let code = provider
        .get_code_at(account)
        .await
        .map_err(|e| format!("reading the code of {account}: {e}"))?;
    let implementation = match Delegation::from_code(&code) {
        Delegation::To(implementation) => implementation,
        Delegation::Contract => account,
        Delegation::None => {
            return Err(format!(
                "account {account} is not delegated (it has no code): upgrade it first"
            ))
        }
    };
    SmartEoa::new(provider, account, implementation)
        .await
        .map_err(|e| e.to_string())
}
