//! EIP-712 signatures the account checks, with any alloy signer: a [`SessionSpec`] for
//! `createSessionWithSig`, `WrappedCalls` for `executeWithSig`, user operations and EIP-7702
//! authorizations.
//!
//! The domain is `MinimalAccount` / `1` / chain id / the account's address (for a smart EOA: the
//! EOA), as `docs/interface.md` fixes it. The hashing is alloy's `SolStruct` over the account's
//! own ABI structs, so the type strings come from the compiled contract.
//!
//! Every signing function has an async form that takes any [`alloy::signers::Signer`] (a local
//! key, an encrypted keystore, or a key held by a KMS, an HSM or a hardware wallet, which only
//! answers asynchronously) and a `_sync` form for local keys ([`SignerSync`]). The client's
//! operations take an [`AnySigner`]: a signer of hashes that also signs transactions.
//!
//! ```
//! # async fn demo() -> Result<(), alloy::signers::Error> {
//! use alloy::primitives::address;
//! use alloy::signers::local::PrivateKeySigner;
//! use sessionkit::policy::SessionSpec;
//! use sessionkit::signing;
//!
//! let owner = PrivateKeySigner::random();
//! let spec = SessionSpec::builder(address!("0x2222222222222222222222222222222222222222"))
//!     .wildcard()
//!     .expires_at(1_900_000_000)
//!     .build_at(1_800_000_000)
//!     .expect("a valid spec");
//! let account = owner.address(); // a smart EOA's domain is its own address
//! let signature = signing::sign_session(&owner, &spec, 1, account).await?;
//! assert_eq!(signature, signing::sign_session_sync(&owner, &spec, 1, account)?);
//! # Ok(()) }
//! ```

use alloy::eips::eip7702::{Authorization, SignedAuthorization};
use alloy::network::TxSigner;
use alloy::primitives::{Address, Bytes, B256, U256};
use alloy::signers::{Signature, Signer, SignerSync};
use alloy::sol_types::{eip712_domain, Eip712Domain, SolStruct};

use crate::abi::wrapped_calls;
use crate::call::Call;
use crate::contracts::SessionLib;
use crate::policy::SessionSpec;

/// A key sessionkit can act with: any alloy signer that signs hashes ([`Signer`]) and
/// transactions ([`TxSigner`]), such as `PrivateKeySigner`, a keystore's signer, or alloy's
/// AWS, GCP, Turnkey, Ledger, Trezor and YubiHSM signers (crate features `aws-kms`, `gcp-kms`,
/// `turnkey`, `ledger`, `trezor`, `yubihsm`, `keystore`). Implemented for every such type.
pub trait AnySigner: Signer<Signature> + TxSigner<Signature> + Send + Sync {
    /// The signer's address (both traits name it `address`; this one is unambiguous).
    fn signer_address(&self) -> Address {
        Signer::address(self)
    }
}

impl<T: Signer<Signature> + TxSigner<Signature> + Send + Sync + ?Sized> AnySigner for T {}

/// The account's EIP-712 domain on `chain_id` at `account` (for a smart EOA: the EOA).
pub fn domain(chain_id: u64, account: Address) -> Eip712Domain {
    eip712_domain! {
        name: "MinimalAccount",
        version: "1",
        chain_id: chain_id,
        verifying_contract: account,
    }
}

/// The digest the owner signs to grant `spec` on `account`.
pub fn session_digest(spec: &SessionSpec, chain_id: u64, account: Address) -> B256 {
    SessionLib::SessionSpec::from(spec).eip712_signing_hash(&domain(chain_id, account))
}

/// The digest signed to run `calls` with single-use `uid` through `executeWithSig`.
pub fn wrapped_calls_digest(calls: &[Call], uid: B256, chain_id: u64, account: Address) -> B256 {
    wrapped_calls(calls, uid).eip712_signing_hash(&domain(chain_id, account))
}

/// The 65-byte `r ‖ s ‖ v` form of a signature, as the account accepts it.
pub fn signature_bytes(signature: &Signature) -> Bytes {
    Bytes::from(signature.as_bytes().to_vec())
}

/// Signs `digest` with `signer` (any alloy signer, answering asynchronously).
pub async fn sign_digest<S: Signer + ?Sized + Sync>(
    signer: &S,
    digest: B256,
) -> alloy::signers::Result<Bytes> {
    Ok(signature_bytes(&signer.sign_hash(&digest).await?))
}

/// Signs `digest` with a local key.
pub fn sign_digest_sync(signer: &impl SignerSync, digest: B256) -> alloy::signers::Result<Bytes> {
    Ok(signature_bytes(&signer.sign_hash_sync(&digest)?))
}

/// The owner's signature granting `spec` on `account`.
pub async fn sign_session<S: Signer + ?Sized + Sync>(
    owner: &S,
    spec: &SessionSpec,
    chain_id: u64,
    account: Address,
) -> alloy::signers::Result<Bytes> {
    sign_digest(owner, session_digest(spec, chain_id, account)).await
}

/// [`sign_session`] with a local key.
pub fn sign_session_sync(
    owner: &impl SignerSync,
    spec: &SessionSpec,
    chain_id: u64,
    account: Address,
) -> alloy::signers::Result<Bytes> {
    sign_digest_sync(owner, session_digest(spec, chain_id, account))
}

/// A signature over `calls` and `uid` for `executeWithSig` (by the owner, or by a session key
/// whose policies then apply).
pub async fn sign_wrapped_calls<S: Signer + ?Sized + Sync>(
    signer: &S,
    calls: &[Call],
    uid: B256,
    chain_id: u64,
    account: Address,
) -> alloy::signers::Result<Bytes> {
    sign_digest(signer, wrapped_calls_digest(calls, uid, chain_id, account)).await
}

/// [`sign_wrapped_calls`] with a local key.
pub fn sign_wrapped_calls_sync(
    signer: &impl SignerSync,
    calls: &[Call],
    uid: B256,
    chain_id: u64,
    account: Address,
) -> alloy::signers::Result<Bytes> {
    sign_digest_sync(signer, wrapped_calls_digest(calls, uid, chain_id, account))
}

/// An EIP-7702 authorization by `signer`'s EOA delegating to `implementation` on `chain_id`,
/// valid at the EOA's nonce `nonce`.
pub async fn sign_authorization<S: Signer + ?Sized + Sync>(
    signer: &S,
    chain_id: u64,
    implementation: Address,
    nonce: u64,
) -> alloy::signers::Result<SignedAuthorization> {
    let auth = authorization(chain_id, implementation, nonce);
    let signature = signer.sign_hash(&auth.signature_hash()).await?;
    Ok(auth.into_signed(signature))
}

/// [`sign_authorization`] with a local key.
pub fn sign_authorization_sync(
    signer: &impl SignerSync,
    chain_id: u64,
    implementation: Address,
    nonce: u64,
) -> alloy::signers::Result<SignedAuthorization> {
    let auth = authorization(chain_id, implementation, nonce);
    let signature = signer.sign_hash_sync(&auth.signature_hash())?;
    Ok(auth.into_signed(signature))
}

fn authorization(chain_id: u64, implementation: Address, nonce: u64) -> Authorization {
    Authorization {
        chain_id: U256::from(chain_id),
        address: implementation,
        nonce,
    }
}
