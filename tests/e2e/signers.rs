//! Any alloy signer drives the runtime: a signer that answers only asynchronously and holds no
//! key in the caller's memory (a test double standing in for a cloud KMS or an HSM), an
//! encrypted keystore file, and a local key, through every signing path: the 7702
//! authorization, transactions, grants, `executeWithSig` and user operations.

use std::time::Duration;

use alloy::consensus::SignableTransaction;
use alloy::network::TxSigner;
use alloy::primitives::{Address, ChainId, B256, U256};
use alloy::signers::local::PrivateKeySigner;
use alloy::signers::{Signature, Signer};
use sessionkit::error::RevertContext;
use sessionkit::policy::{CallPolicy, Condition, SessionSpec};
use sessionkit::userop::UserOps;
use sessionkit::{AccountError, AnySigner};
use tokio::sync::{mpsc, oneshot};

use crate::common::{harness, number, set_number};

/// A signer whose key lives in a separate task, as a KMS's lives in another machine: it knows
/// only its address and a channel, and every signature is an asynchronous round trip. It does
/// not implement `SignerSync`.
#[derive(Clone, Debug)]
struct RemoteSigner {
    address: Address,
    chain_id: Option<ChainId>,
    requests: mpsc::Sender<(B256, oneshot::Sender<Signature>)>,
}

impl RemoteSigner {
    /// Starts the "KMS" task for a fresh key and returns the handle to it.
    fn spawn() -> Self {
        let key = PrivateKeySigner::random();
        let address = key.address();
        let (requests, mut incoming) = mpsc::channel::<(B256, oneshot::Sender<Signature>)>(8);
        tokio::spawn(async move {
            while let Some((hash, reply)) = incoming.recv().await {
                // A remote service takes its time.
                tokio::time::sleep(Duration::from_millis(1)).await;
                let signature = key.sign_hash(&hash).await.expect("the key signs");
                let _ = reply.send(signature);
            }
        });
        RemoteSigner {
            address,
            chain_id: None,
            requests,
        }
    }

    async fn remote(&self, hash: B256) -> alloy::signers::Result<Signature> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send((hash, reply))
            .await
            .map_err(alloy::signers::Error::other)?;
        answer.await.map_err(alloy::signers::Error::other)
    }
}

#[async_trait::async_trait]
impl Signer for RemoteSigner {
    async fn sign_hash(&self, hash: &B256) -> alloy::signers::Result<Signature> {
        self.remote(*hash).await
    }

    fn address(&self) -> Address {
        self.address
    }

    fn chain_id(&self) -> Option<ChainId> {
        self.chain_id
    }

    fn set_chain_id(&mut self, chain_id: Option<ChainId>) {
        self.chain_id = chain_id;
    }
}

#[async_trait::async_trait]
impl TxSigner<Signature> for RemoteSigner {
    fn address(&self) -> Address {
        self.address
    }

    async fn sign_transaction(
        &self,
        tx: &mut dyn SignableTransaction<Signature>,
    ) -> alloy::signers::Result<Signature> {
        self.remote(tx.signature_hash()).await
    }
}

/// Runs the owner's and the session key's paths with the two signers given.
async fn every_path(owner: &(impl AnySigner + ?Sized), key: &(impl AnySigner + ?Sized)) {
    let h = harness().await;
    let eth = U256::from(10u64).pow(U256::from(18));
    h.set_balance(owner.signer_address(), eth).await.unwrap();
    h.set_balance(key.signer_address(), eth).await.unwrap();
    let eoa = h.client_for(owner.signer_address()).await.unwrap();
    // The authorization and the type-4 transaction.
    eoa.upgrade(owner).await.unwrap();
    let spec = SessionSpec::builder(key.signer_address())
        .expires_in(Duration::from_secs(600))
        .call(
            CallPolicy::function(h.counter, "setNumber(uint256)")
                .unwrap()
                .constraint(0, Condition::Less, 100u64),
        )
        .build_at(h.timestamp().await.unwrap())
        .unwrap();
    // The grant's EIP-712 signature, and the owner's transaction sending it.
    eoa.grant(owner, &spec, owner).await.unwrap();
    eoa.execute_as_owner(owner, &[set_number(h.counter, 1_000)])
        .await
        .unwrap();
    assert_eq!(number(&h).await, U256::from(1_000));
    // The session key's own transaction.
    eoa.execute_as_session(key, &[set_number(h.counter, 7)])
        .await
        .unwrap();
    assert_eq!(number(&h).await, U256::from(7));
    let err = eoa
        .execute_as_session(key, &[set_number(h.counter, 700)])
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.account_error(),
            Some(AccountError::ConditionFailed { .. })
        ),
        "{err}"
    );
    // WrappedCalls signed by the key, relayed by a sponsor.
    let sponsor = h.funded_eoa().await.unwrap();
    eoa.execute_with_sig(key, &sponsor, &[set_number(h.counter, 8)], None, None)
        .await
        .unwrap();
    assert_eq!(number(&h).await, U256::from(8));
    // A user operation signed by the key, paid for by a paymaster the owner allowed.
    eoa.allow_session_paymaster(owner, key.signer_address(), h.paymaster, None)
        .await
        .unwrap();
    let ops = UserOps::new(h.provider().clone(), eoa.address())
        .await
        .unwrap()
        .paymaster(h.paymaster);
    let op = ops.build(key, &[set_number(h.counter, 9)]).await.unwrap();
    let ctx = RevertContext {
        account: eoa.address(),
        expected_signer: Some(key.signer_address()),
        session_signer: Some(key.signer_address()),
        ..Default::default()
    };
    ops.submit(&sponsor, op, None, &ctx).await.unwrap();
    assert_eq!(number(&h).await, U256::from(9));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signer_that_answers_only_asynchronously_signs_everything() {
    let owner = RemoteSigner::spawn();
    let key = RemoteSigner::spawn();
    every_path(&owner, &key).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_encrypted_keystore_file_signs_as_the_session_key() {
    // Written with scrypt n = 16 (cheap on purpose; real keystores use 2^13 or more).
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/keystore-cheap-scrypt.json"
    );
    let key = PrivateKeySigner::decrypt_keystore(path, "correct horse battery staple").unwrap();
    assert_eq!(
        key.address(),
        "0xd8291E50E2e68fb2c70d77cCDc707D291a89f209"
            .parse::<Address>()
            .unwrap()
    );
    let wrong = PrivateKeySigner::decrypt_keystore(path, "wrong password");
    assert!(wrong.is_err());
    let owner = PrivateKeySigner::random();
    every_path(&owner, &key).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dyn_signer_works_where_the_type_is_chosen_at_run_time() {
    let owner: Box<dyn AnySigner> = Box::new(RemoteSigner::spawn());
    let key: Box<dyn AnySigner> = Box::new(PrivateKeySigner::random());
    every_path(owner.as_ref(), key.as_ref()).await;
}
