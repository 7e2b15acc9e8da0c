//! EIP-712 signatures the account checks, with any alloy signer: a [`SessionSpec`] for
//! `createSessionWithSig`, `WrappedCalls` for `executeWithSig`, user operations, EIP-7702
//! authorizations, and the owner's ERC-1271 signatures for applications
//! ([`sign_erc1271_typed_data`], [`sign_erc1271_personal`]: ERC-7739 nested forms, valid on
//! exactly one account of the key).
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
use alloy::primitives::{keccak256, Address, Bytes, B256, U256};
use alloy::signers::{Signature, Signer, SignerSync};
use alloy::sol_types::{eip712_domain, Eip712Domain, SolStruct, SolValue};

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

/// The ERC-7739 `PersonalSign` digest the owner signs so that `account` accepts `hash` (a
/// message hash an application checks with `isValidSignature`, e.g. an EIP-191 hash of a
/// sign-in message) through ERC-1271: bound to that one account, so the signature is valid on
/// no other account of the same key.
pub fn erc1271_personal_digest(hash: B256, chain_id: u64, account: Address) -> B256 {
    let type_hash = keccak256("PersonalSign(bytes prefixed)");
    let struct_hash = keccak256((type_hash, hash).abi_encode());
    eip712_digest(domain(chain_id, account).separator(), struct_hash)
}

/// The owner's ERC-7739 `PersonalSign` signature of `hash` for `account` (see
/// [`erc1271_personal_digest`]): what `isValidSignature(hash, signature)` accepts on that
/// account only. A smart EOA also accepts the raw signature of its own key
/// ([`sign_digest`]); a standalone (factory) account accepts only the ERC-7739 forms.
pub async fn sign_erc1271_personal<S: Signer + ?Sized + Sync>(
    owner: &S,
    hash: B256,
    chain_id: u64,
    account: Address,
) -> alloy::signers::Result<Bytes> {
    sign_digest(owner, erc1271_personal_digest(hash, chain_id, account)).await
}

/// [`sign_erc1271_personal`] with a local key.
pub fn sign_erc1271_personal_sync(
    owner: &impl SignerSync,
    hash: B256,
    chain_id: u64,
    account: Address,
) -> alloy::signers::Result<Bytes> {
    sign_digest_sync(owner, erc1271_personal_digest(hash, chain_id, account))
}

/// An application's EIP-712 request as ERC-7739 `TypedDataSign` nests it: the struct's hash
/// (`contents`), its type string (`Permit(address token,uint256 amount,…)`, its own type
/// first) and the application's domain separator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypedRequest {
    /// The application's EIP-712 domain separator.
    pub app_domain_separator: B256,
    /// `hashStruct` of the request.
    pub contents: B256,
    /// The EIP-712 type of the request, its primary type first, then the types it refers to.
    pub contents_type: String,
}

impl TypedRequest {
    /// The request `value` under the application's domain `app_domain`.
    pub fn new<T: SolStruct>(value: &T, app_domain: &Eip712Domain) -> Self {
        TypedRequest {
            app_domain_separator: app_domain.separator(),
            contents: value.eip712_hash_struct(),
            contents_type: T::eip712_encode_type().into_owned(),
        }
    }

    /// The digest the application passes to `isValidSignature`: the request's plain EIP-712
    /// signing hash.
    pub fn app_digest(&self) -> B256 {
        eip712_digest(self.app_domain_separator, self.contents)
    }

    /// The request's primary type: the name its type string starts with.
    fn contents_name(&self) -> &str {
        self.contents_type
            .split('(')
            .next()
            .unwrap_or(&self.contents_type)
    }
}

/// The digest the owner signs so that `account` accepts `request` through ERC-1271 (ERC-7739
/// `TypedDataSign`, bound to that account: valid on no other account of the same key).
pub fn erc1271_typed_data_digest(request: &TypedRequest, chain_id: u64, account: Address) -> B256 {
    let type_hash = keccak256(format!(
        "TypedDataSign({} contents,string name,string version,uint256 chainId,address verifyingContract,bytes32 salt){}",
        request.contents_name(),
        request.contents_type
    ));
    let struct_hash = keccak256(
        (
            type_hash,
            request.contents,
            keccak256("MinimalAccount"),
            keccak256("1"),
            U256::from(chain_id),
            account,
            B256::ZERO,
        )
            .abi_encode(),
    );
    eip712_digest(request.app_domain_separator, struct_hash)
}

/// The owner's ERC-7739 `TypedDataSign` signature of `request` for `account`: the signature
/// followed by the application's domain separator, the contents hash, the contents type and
/// its length (two bytes), as `isValidSignature(request.app_digest(), signature)` takes it.
pub async fn sign_erc1271_typed_data<S: Signer + ?Sized + Sync>(
    owner: &S,
    request: &TypedRequest,
    chain_id: u64,
    account: Address,
) -> alloy::signers::Result<Bytes> {
    let signature =
        sign_digest(owner, erc1271_typed_data_digest(request, chain_id, account)).await?;
    nested_signature(&signature, request)
}

/// [`sign_erc1271_typed_data`] with a local key.
pub fn sign_erc1271_typed_data_sync(
    owner: &impl SignerSync,
    request: &TypedRequest,
    chain_id: u64,
    account: Address,
) -> alloy::signers::Result<Bytes> {
    let signature = sign_digest_sync(owner, erc1271_typed_data_digest(request, chain_id, account))?;
    nested_signature(&signature, request)
}

fn nested_signature(signature: &[u8], request: &TypedRequest) -> alloy::signers::Result<Bytes> {
    let len = u16::try_from(request.contents_type.len()).map_err(|_| {
        alloy::signers::Error::other(format!(
            "the request's type string is {} bytes; ERC-7739 carries at most 65,535",
            request.contents_type.len()
        ))
    })?;
    let mut out = signature.to_vec();
    out.extend_from_slice(request.app_domain_separator.as_slice());
    out.extend_from_slice(request.contents.as_slice());
    out.extend_from_slice(request.contents_type.as_bytes());
    out.extend_from_slice(&len.to_be_bytes());
    Ok(out.into())
}

fn eip712_digest(domain_separator: B256, struct_hash: B256) -> B256 {
    let mut data = [0u8; 66];
    data[..2].copy_from_slice(&[0x19, 0x01]);
    data[2..34].copy_from_slice(domain_separator.as_slice());
    data[34..].copy_from_slice(struct_hash.as_slice());
    keccak256(data)
}
