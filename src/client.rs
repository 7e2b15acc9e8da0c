//! A client for one smart EOA: upgrade it with EIP-7702, grant and revoke session keys, read
//! their state, and execute as the owner, as a session key, or through a gas sponsor.
//!
//! The client holds no keys: each operation takes the key that signs it, any alloy signer
//! ([`AnySigner`]: a local key, a keystore, a KMS or hardware signer that answers
//! asynchronously), and builds, signs and sends its own transaction over any alloy provider (no
//! wallet filler needed; nonces are read fresh for every transaction). Before sending, it
//! estimates the transaction, so a call the account would refuse fails with the typed
//! [`Error`] (decoded from the revert data, with the policy involved when the simulator can
//! tell) instead of a mined failure; an account that is not delegated is detected from its code
//! before anything is sent.
//!
//! ```no_run
//! # async fn demo(provider: alloy::providers::DynProvider, implementation: alloy::primitives::Address) -> Result<(), sessionkit::Error> {
//! use std::time::Duration;
//! use alloy::primitives::{address, U256};
//! use alloy::signers::local::PrivateKeySigner;
//! use sessionkit::client::SmartEoa;
//! use sessionkit::policy::{SessionSpec, TransferPolicy};
//! use sessionkit::Call;
//!
//! let owner = PrivateKeySigner::random();
//! let session_key = PrivateKeySigner::random();
//! let bob = address!("0x4444444444444444444444444444444444444444");
//!
//! let eoa = SmartEoa::new(provider, owner.address(), implementation).await?;
//! eoa.upgrade(&owner).await?; // the EOA's own type-4 transaction
//! let spec = SessionSpec::builder(session_key.address())
//!     .expires_in(Duration::from_secs(3600))
//!     .transfer(TransferPolicy::new(bob).max_value_per_use(U256::from(1_000)))
//!     .build_at(eoa.timestamp().await?)?;
//! eoa.grant(&owner, &spec, &owner).await?;
//! // On the server, with only the session key:
//! eoa.execute_as_session(&session_key, &[Call::transfer(bob, U256::from(500))]).await?;
//! # Ok(()) }
//! ```

use std::time::{Duration, Instant};

use alloy::eips::eip2718::Encodable2718;
use alloy::eips::eip7702::SignedAuthorization;
use alloy::eips::{BlockId, BlockNumberOrTag};
use alloy::network::{TransactionBuilder, TransactionBuilder7702};
use alloy::primitives::{Address, Bytes, B256, U256};
use alloy::providers::Provider;
use alloy::rpc::types::{TransactionReceipt, TransactionRequest};
use alloy::sol_types::SolCall;
use alloy::transports::TransportError;

use crate::abi::{self, execute_call, wrapped_calls};
use crate::call::Call;
use crate::contracts::{SessionAccount, SessionLib};
use crate::error::{Error, RevertContext};
use crate::policy::SessionSpec;
use crate::rotation::{self, AllowanceCarry, Rotation};
use crate::signing::{self, AnySigner};
use crate::simulator::{self, SessionState, Usage};

/// The code prefix of an EIP-7702 delegation (`0xef0100 ‖ implementation`).
pub const DELEGATION_PREFIX: [u8; 3] = [0xef, 0x01, 0x00];

/// How long the client waits for a receipt unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// What an address's code says about its delegation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delegation {
    /// No code: a plain EOA.
    None,
    /// Delegated to this implementation.
    To(Address),
    /// Contract code of its own (a deployed account, not a delegation).
    Contract,
}

impl Delegation {
    /// Reads a delegation from an address's code.
    pub fn from_code(code: &[u8]) -> Self {
        if code.is_empty() {
            Delegation::None
        } else if code.len() == DELEGATION_PREFIX.len() + Address::len_bytes()
            && code[..DELEGATION_PREFIX.len()] == DELEGATION_PREFIX
        {
            Delegation::To(Address::from_slice(&code[DELEGATION_PREFIX.len()..]))
        } else {
            Delegation::Contract
        }
    }
}

/// A mined transaction.
#[derive(Debug, Clone)]
pub struct Sent {
    /// The transaction hash.
    pub hash: B256,
    /// The gas it used.
    pub gas_used: u64,
    /// The block it was mined in.
    pub block_number: u64,
    /// The full receipt.
    pub receipt: TransactionReceipt,
    /// Something the caller should know although the transaction succeeded (one line), e.g.
    /// that an upgrade found the account's storage namespace written by other code.
    pub warning: Option<String>,
}

/// The storage slot of the account's namespace marker (`AccountStorage.MARKER_SLOT`: member 5
/// of the ERC-7201 namespace `sessionkit.account.v1`).
pub const NAMESPACE_MARKER_SLOT: B256 =
    alloy::primitives::b256!("b27e924cb1bb5f04eacce32bcf6a8c700fa4b3571c675fa78b94dcfd4fec6f05");

/// The value our account writes there: the ASCII of `sessionkit.account.v1`, left-aligned.
pub const NAMESPACE_MARKER: B256 =
    alloy::primitives::b256!("73657373696f6e6b69742e6163636f756e742e76310000000000000000000000");

/// Who wrote the account's storage namespace, from its marker slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Namespace {
    /// Nothing wrote the marker (no session was granted, revoked or cancelled by our code).
    Unmarked,
    /// Our account's code wrote it.
    Ours,
    /// Something else wrote this value there: sessions found in the namespace may not be ours.
    Foreign(B256),
}

/// A session as the account reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// The session's spec as stored (uid is not stored: zero; function signatures are not
    /// stored: `None`).
    pub spec: SessionSpec,
    /// What is left of each limit now.
    pub state: SessionState,
}

/// One smart EOA (or factory-deployed account) on one chain, driven through `provider`.
#[derive(Debug, Clone)]
pub struct SmartEoa<P> {
    provider: P,
    account: Address,
    implementation: Address,
    chain_id: u64,
    timeout: Duration,
}

impl<P: Provider + Clone> SmartEoa<P> {
    /// A client for `account`, expected to be delegated to `implementation` (the deployed
    /// session account). Reads the chain id.
    pub async fn new(
        provider: P,
        account: Address,
        implementation: Address,
    ) -> Result<Self, Error> {
        let chain_id = provider
            .get_chain_id()
            .await
            .map_err(rpc("reading the chain id"))?;
        Ok(SmartEoa {
            provider,
            account,
            implementation,
            chain_id,
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// How long to wait for a receipt (default [`DEFAULT_TIMEOUT`]).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The account's address.
    pub fn address(&self) -> Address {
        self.account
    }

    /// The implementation the account should be delegated to.
    pub fn implementation(&self) -> Address {
        self.implementation
    }

    /// The chain id.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// The provider.
    pub fn provider(&self) -> &P {
        &self.provider
    }

    /// The latest block's timestamp (the time the chain checks expiries against).
    pub async fn timestamp(&self) -> Result<u64, Error> {
        latest_timestamp(&self.provider).await
    }

    /// The account's delegation, from `eth_getCode`.
    pub async fn delegation(&self) -> Result<Delegation, Error> {
        let code = self
            .provider
            .get_code_at(self.account)
            .await
            .map_err(rpc("reading the account's code"))?;
        Ok(Delegation::from_code(&code))
    }

    /// Fails with [`Error::NotDelegated`] or [`Error::DelegatedElsewhere`] unless the account
    /// runs the expected implementation (a deployed account's own code is accepted).
    pub async fn ensure_delegated(&self) -> Result<(), Error> {
        match self.delegation().await? {
            Delegation::None => Err(Error::NotDelegated {
                account: self.account,
            }),
            Delegation::To(delegate) if delegate != self.implementation => {
                Err(Error::DelegatedElsewhere {
                    account: self.account,
                    delegate,
                    expected: self.implementation,
                })
            }
            _ => Ok(()),
        }
    }

    /// Signs an EIP-7702 authorization delegating `owner`'s EOA to the implementation, valid
    /// at the EOA's nonce `nonce`.
    pub async fn authorization(
        &self,
        owner: &(impl AnySigner + ?Sized),
        nonce: u64,
    ) -> Result<SignedAuthorization, Error> {
        signing::sign_authorization(owner, self.chain_id, self.implementation, nonce)
            .await
            .map_err(sign("signing the 7702 authorization"))
    }

    /// Who wrote the account's storage namespace, from its marker slot. A previous 7702
    /// delegate that wrote sessions into our namespace would have them trusted as found:
    /// [`SmartEoa::upgrade`] warns in [`Sent::warning`] when the marker is not ours, and
    /// [`SmartEoa::revoke_many`] of every signer the old code granted is the remedy.
    pub async fn namespace(&self) -> Result<Namespace, Error> {
        let word = self
            .provider
            .get_storage_at(self.account, NAMESPACE_MARKER_SLOT.into())
            .await
            .map_err(rpc("reading the namespace marker"))?;
        let word = B256::from(word);
        Ok(if word.is_zero() {
            Namespace::Unmarked
        } else if word == NAMESPACE_MARKER {
            Namespace::Ours
        } else {
            Namespace::Foreign(word)
        })
    }

    /// Delegates the EOA to the implementation with its own type-4 transaction (the
    /// authorization's nonce is the transaction's nonce + 1). When the account's namespace
    /// marker was written by other code, the result carries a warning.
    pub async fn upgrade(&self, owner: &(impl AnySigner + ?Sized)) -> Result<Sent, Error> {
        self.check_owner_key(owner, "upgrading the account")?;
        let eoa_nonce = self.nonce(self.account).await?;
        let auth = self.authorization(owner, eoa_nonce + 1).await?;
        self.send_authorization(owner, auth).await
    }

    /// Delegates the EOA to the implementation with a type-4 transaction of `sponsor`, who pays
    /// the gas (the authorization's nonce is the EOA's current nonce).
    pub async fn upgrade_sponsored(
        &self,
        owner: &(impl AnySigner + ?Sized),
        sponsor: &(impl AnySigner + ?Sized),
    ) -> Result<Sent, Error> {
        self.check_owner_key(owner, "upgrading the account")?;
        let eoa_nonce = self.nonce(self.account).await?;
        let auth = self.authorization(owner, eoa_nonce).await?;
        self.send_authorization(sponsor, auth).await
    }

    fn check_owner_key(
        &self,
        owner: &(impl AnySigner + ?Sized),
        action: &str,
    ) -> Result<(), Error> {
        if owner.signer_address() != self.account {
            return Err(Error::WrongKey {
                action: action.to_owned(),
                account: self.account,
                given: owner.signer_address(),
            });
        }
        Ok(())
    }

    async fn send_authorization(
        &self,
        sender: &(impl AnySigner + ?Sized),
        auth: SignedAuthorization,
    ) -> Result<Sent, Error> {
        let tx = TransactionRequest::default()
            .with_to(self.account)
            .with_authorization_list(vec![auth]);
        let sent = self
            .send(
                sender,
                tx,
                "upgrading the account",
                RevertContext::default(),
            )
            .await?;
        match self.delegation().await? {
            Delegation::To(d) if d == self.implementation => {
                let mut sent = sent;
                if let Namespace::Foreign(word) = self.namespace().await? {
                    sent.warning = Some(format!(
                        "the storage namespace of {} holds the marker {word}, written by other code: \
                         sessions found there are trusted as they are; revoke every signer it granted \
                         (SmartEoa::revoke_many, `sessionkit revoke --all`)",
                        self.account
                    ));
                }
                Ok(sent)
            }
            Delegation::To(delegate) => Err(Error::DelegatedElsewhere {
                account: self.account,
                delegate,
                expected: self.implementation,
            }),
            _ => Err(Error::NotDelegated {
                account: self.account,
            }),
        }
    }

    /// Grants `spec` on the account: `owner` signs it (EIP-712) and `sender` (anyone, e.g. the
    /// owner or a sponsor) submits `createSessionWithSig`. The spec is validated against the
    /// chain's time first.
    pub async fn grant(
        &self,
        owner: &(impl AnySigner + ?Sized),
        spec: &SessionSpec,
        sender: &(impl AnySigner + ?Sized),
    ) -> Result<Sent, Error> {
        self.ensure_delegated().await?;
        spec.validate(self.timestamp().await?)?;
        let signature = signing::sign_session(owner, spec, self.chain_id, self.account)
            .await
            .map_err(sign("signing the session"))?;
        let call = SessionAccount::createSessionWithSigCall {
            sessionSpec: spec.into(),
            signature,
        };
        let ctx = RevertContext {
            account: self.account,
            expected_signer: Some(self.account),
            ..Default::default()
        };
        self.send_call(sender, &call, "granting the session", ctx)
            .await
    }

    /// Revokes `signer`'s session at once (the owner's own transaction to the account) and
    /// burns the signer on this account: no grant, signed before or after, revives it.
    pub async fn revoke(
        &self,
        owner: &(impl AnySigner + ?Sized),
        signer: Address,
    ) -> Result<Sent, Error> {
        self.owner_call(
            owner,
            &SessionAccount::revokeSessionCall { signer },
            "revoking the session",
        )
        .await
    }

    /// Revokes and burns every signer of `signers` in one transaction (`revokeSessions`),
    /// whether or not it has a session: a key with a signed grant that was never submitted is
    /// burned before it can be. A burned key cannot be granted again on this account.
    pub async fn revoke_many(
        &self,
        owner: &(impl AnySigner + ?Sized),
        signers: &[Address],
    ) -> Result<Sent, Error> {
        self.owner_call(
            owner,
            &SessionAccount::revokeSessionsCall {
                signers: signers.to_vec(),
            },
            "revoking sessions",
        )
        .await
    }

    /// Revokes every live session of the account at once: finds the signers from the
    /// account's `SessionCreated` and `SessionRevoked` events ([`SmartEoa::live_signers`]),
    /// then burns them in one `revokeSessions`. Returns the signers and the transaction (`None`
    /// when there was no live session).
    pub async fn revoke_all(
        &self,
        owner: &(impl AnySigner + ?Sized),
    ) -> Result<(Vec<Address>, Option<Sent>), Error> {
        let signers = self.live_signers().await?;
        if signers.is_empty() {
            return Ok((signers, None));
        }
        let sent = self.revoke_many(owner, &signers).await?;
        Ok((signers, Some(sent)))
    }

    /// The signers with a live session (granted, not revoked, not expired), from the
    /// account's `SessionCreated` and `SessionRevoked` events and its views.
    pub async fn live_signers(&self) -> Result<Vec<Address>, Error> {
        use alloy::rpc::types::Filter;
        use alloy::sol_types::SolEvent;
        self.ensure_delegated().await?;
        let filter = Filter::new()
            .address(self.account)
            .event_signature(vec![
                SessionAccount::SessionCreated::SIGNATURE_HASH,
                SessionAccount::SessionRevoked::SIGNATURE_HASH,
            ])
            .from_block(0u64);
        let logs = self
            .provider
            .get_logs(&filter)
            .await
            .map_err(rpc("reading the session events"))?;
        let mut signers: Vec<Address> = Vec::new();
        for log in &logs {
            if let Some(signer) = log.topics().get(1).map(|t| Address::from_word(*t)) {
                if !signers.contains(&signer) {
                    signers.push(signer);
                }
            }
        }
        let now = self.timestamp().await?;
        let mut live = Vec::new();
        for signer in signers {
            if self.expires_at_unchecked(signer).await? > now {
                live.push(signer);
            }
        }
        Ok(live)
    }

    /// Whether the owner revoked (burned) `signer` on this account: no grant can revive it.
    pub async fn is_revoked(&self, signer: Address) -> Result<bool, Error> {
        self.ensure_delegated().await?;
        self.view_unchecked(SessionAccount::isSignerRevokedCall { signer })
            .await
    }

    /// Cancels the SessionSpec uid `uid` (`invalidateUid`): a grant the owner signed with it
    /// and never submitted can no longer be submitted.
    pub async fn invalidate_uid(
        &self,
        owner: &(impl AnySigner + ?Sized),
        uid: B256,
    ) -> Result<Sent, Error> {
        self.owner_call(
            owner,
            &SessionAccount::invalidateUidCall { uid },
            "cancelling the grant uid",
        )
        .await
    }

    /// Allows `paymaster` to pay for the user operations of `signer`'s scoped session, each
    /// costing at most `max_cost_per_op` wei (`None`: no cap). A scoped session's operations
    /// validate only through a paymaster so allowed: a paymaster may charge the account (an
    /// ERC-20 paymaster the owner approved takes its tokens), which the session's limits do not
    /// cover. A re-grant of the signer starts with none allowed.
    pub async fn allow_session_paymaster(
        &self,
        owner: &(impl AnySigner + ?Sized),
        signer: Address,
        paymaster: Address,
        max_cost_per_op: Option<U256>,
    ) -> Result<Sent, Error> {
        self.owner_call(
            owner,
            &SessionAccount::allowSessionPaymasterCall {
                signer,
                paymaster,
                maxCostPerOp: max_cost_per_op.unwrap_or(U256::MAX),
            },
            "allowing the session paymaster",
        )
        .await
    }

    /// No longer allows `paymaster` for `signer`'s session.
    pub async fn disallow_session_paymaster(
        &self,
        owner: &(impl AnySigner + ?Sized),
        signer: Address,
        paymaster: Address,
    ) -> Result<Sent, Error> {
        self.owner_call(
            owner,
            &SessionAccount::disallowSessionPaymasterCall { signer, paymaster },
            "disallowing the session paymaster",
        )
        .await
    }

    /// The paymasters allowed for `signer`'s session, each with its maximum cost per operation
    /// (`U256::MAX`: no cap); empty without a session or for a wildcard one.
    pub async fn session_paymasters(&self, signer: Address) -> Result<Vec<(Address, U256)>, Error> {
        self.ensure_delegated().await?;
        let r = self
            .view_unchecked(SessionAccount::getSessionPaymastersCall { signer })
            .await?;
        Ok(r.paymasters.into_iter().zip(r.maxCostsPerOp).collect())
    }

    /// Plans the rotation of `old`'s session to the key `new_signer` without sending anything:
    /// the new key's spec is the old one with a fresh uid and every counted limit lowered to
    /// what the old key has left ([`rotation::carry_over`], allowances as `allowances` says),
    /// and the old session's paymasters are allowed for it. Change the plan, or make one with
    /// [`Rotation::fresh`], and send it with [`rotate_with`](Self::rotate_with).
    pub async fn rotation(
        &self,
        old: Address,
        new_signer: Address,
        allowances: AllowanceCarry,
    ) -> Result<Rotation, Error> {
        let info = self.session(old).await?.ok_or_else(|| {
            self.rotation_error(
                old,
                format!("{old} has no session to rotate: grant the new key a session instead"),
            )
        })?;
        let now = self.timestamp().await?;
        if info.spec.expires_at <= now {
            return Err(self.rotation_error(
                old,
                format!(
                    "its session expired at unix time {} and a rotation keeps the expiry: grant the new key a session instead",
                    info.spec.expires_at
                ),
            ));
        }
        let mut plan = rotation::carry_over(&info.spec, &info.state, now, new_signer, allowances);
        plan.paymasters = self.session_paymasters(old).await?;
        Ok(plan)
    }

    /// Replaces the session key `old` with `new_signer` in one owner transaction: grants the new
    /// key the old session's policies and expiry, with every Lifetime limit set to what the old
    /// key had left and every allowance to what it had left in the current window
    /// ([`AllowanceCarry::WindowRemaining`]), allows it the old session's paymasters, and revokes
    /// (burns) the old key. There is never a moment with both keys or with neither. Returns the
    /// plan that was sent (its [`changes`](Rotation::changes) list the lowered limits) and the
    /// transaction.
    pub async fn rotate(
        &self,
        owner: &(impl AnySigner + ?Sized),
        old: Address,
        new_signer: Address,
    ) -> Result<(Rotation, Sent), Error> {
        let plan = self
            .rotation(old, new_signer, AllowanceCarry::default())
            .await?;
        let sent = self.rotate_with(owner, &plan).await?;
        Ok((plan, sent))
    }

    /// Sends `rotation` as one owner batch (`execute` to the account itself):
    /// `createSessionWithSig` of the new key's spec (signed by `owner`), `allowSessionPaymaster`
    /// for each of its paymasters, and `revokeSession` of the old key; all of it or nothing.
    /// Checked first: the old key has a session, the new key is another key, was never revoked
    /// here and has no session (a grant would replace it), and the spec is valid now.
    ///
    /// For a carried-over plan, the old key's limits are read again at the block before the
    /// rotation: if the old key spent after the plan was made, [`Sent::warning`] says which of
    /// the new key's limits exceed what the old key had left, and by how much. Calls of the old
    /// key mined in the rotation's own block, before it, are not seen by that check.
    pub async fn rotate_with(
        &self,
        owner: &(impl AnySigner + ?Sized),
        rotation: &Rotation,
    ) -> Result<Sent, Error> {
        self.ensure_delegated().await?;
        let (old, new) = (rotation.old, rotation.spec.signer);
        if old == new {
            return Err(
                self.rotation_error(old, "the new key is the old key: give another key".into())
            );
        }
        if self.expires_at_unchecked(old).await? == 0 {
            return Err(self.rotation_error(
                old,
                format!("{old} has no session to rotate: grant the new key a session instead"),
            ));
        }
        if self
            .view_unchecked(SessionAccount::isSignerRevokedCall { signer: new })
            .await?
        {
            return Err(self.rotation_error(
                old,
                format!("the new key {new} was revoked on this account, and a revoked key is burned: rotate to a key never used here"),
            ));
        }
        if self.expires_at_unchecked(new).await? != 0 {
            return Err(self.rotation_error(
                old,
                format!("the new key {new} already has a session, which the grant would replace: rotate to a fresh key"),
            ));
        }
        if rotation.spec.wildcard && !rotation.paymasters.is_empty() {
            return Err(self.rotation_error(
                old,
                "a wildcard session has no paymaster list: remove the paymasters from the rotation"
                    .into(),
            ));
        }
        rotation.spec.validate(self.timestamp().await?)?;
        let signature = signing::sign_session(owner, &rotation.spec, self.chain_id, self.account)
            .await
            .map_err(sign("signing the new session"))?;
        let mut calls = vec![Call::contract(
            self.account,
            &SessionAccount::createSessionWithSigCall {
                sessionSpec: (&rotation.spec).into(),
                signature,
            },
        )];
        for (paymaster, cap) in &rotation.paymasters {
            calls.push(Call::contract(
                self.account,
                &SessionAccount::allowSessionPaymasterCall {
                    signer: new,
                    paymaster: *paymaster,
                    maxCostPerOp: *cap,
                },
            ));
        }
        calls.push(Call::contract(
            self.account,
            &SessionAccount::revokeSessionCall { signer: old },
        ));
        let ctx = RevertContext {
            account: self.account,
            expected_signer: Some(self.account),
            ..Default::default()
        };
        let mut sent = self
            .send_call(owner, &execute_call(&calls), "rotating the session key", ctx)
            .await
            .map_err(|e| match e {
                Error::Account {
                    error: crate::AccountError::CallReverted,
                    ..
                } => self.rotation_error(
                    old,
                    "the account refused the batch (its grant, a paymaster or the revocation reverted): grant the new spec alone to see why".into(),
                ),
                e => e,
            })?;
        if rotation.carried.is_some() {
            if let Some(before) = sent.block_number.checked_sub(1) {
                let block = BlockId::number(before);
                let state = self.remaining_at(old, block).await?;
                let at = self.block_timestamp(before).await?;
                let excess = rotation::excess(rotation, &state, at);
                if !excess.is_empty() {
                    let list: Vec<String> = excess
                        .iter()
                        .map(|(id, amount)| {
                            format!("{id} by {}", crate::units::display_amount(*amount))
                        })
                        .collect();
                    sent.warning = Some(format!(
                        "{old} spent after the rotation was planned, so the new key {new} may spend more than {old} had left: {}; rotate {new} again to lower its limits",
                        list.join(", ")
                    ));
                }
            }
        }
        Ok(sent)
    }

    fn rotation_error(&self, old: Address, reason: String) -> Error {
        Error::Rotation {
            account: self.account,
            old,
            reason,
        }
    }

    async fn block_timestamp(&self, number: u64) -> Result<u64, Error> {
        let action = "reading a block";
        let block = self
            .provider
            .get_block_by_number(BlockNumberOrTag::Number(number))
            .await
            .map_err(rpc(action))?
            .ok_or_else(|| Error::Unexpected {
                action: action.into(),
                message: format!("the node has no block {number}"),
            })?;
        Ok(block.header.timestamp)
    }

    /// Sends `call` to the account as the owner's own transaction.
    async fn owner_call(
        &self,
        owner: &(impl AnySigner + ?Sized),
        call: &impl SolCall,
        action: &str,
    ) -> Result<Sent, Error> {
        self.ensure_delegated().await?;
        let ctx = RevertContext {
            account: self.account,
            expected_signer: Some(self.account),
            ..Default::default()
        };
        self.send_call(owner, call, action, ctx).await
    }

    /// Runs `calls` as the owner (the EOA's own transaction to itself).
    pub async fn execute_as_owner(
        &self,
        owner: &(impl AnySigner + ?Sized),
        calls: &[Call],
    ) -> Result<Sent, Error> {
        self.ensure_delegated().await?;
        let ctx = RevertContext {
            account: self.account,
            expected_signer: Some(self.account),
            ..Default::default()
        };
        self.send_call(owner, &execute_call(calls), "executing as owner", ctx)
            .await
    }

    /// Runs `calls` as the session key `session_key`: its own transaction calling `execute` on
    /// the account, as a server holding the key would.
    pub async fn execute_as_session(
        &self,
        session_key: &(impl AnySigner + ?Sized),
        calls: &[Call],
    ) -> Result<Sent, Error> {
        self.ensure_delegated().await?;
        let call = execute_call(calls);
        let tx = self.tx_for(&call);
        let from = session_key.signer_address();
        match self.estimate(from, &tx).await {
            Ok(gas) => {
                self.sign_and_send(session_key, tx, gas, "executing as session key")
                    .await
            }
            Err(EstimateError::Revert(data)) => Err(self.session_error(&data, from, calls).await),
            Err(EstimateError::Other(e)) => Err(rpc("executing as session key")(e)),
        }
    }

    /// Runs `calls` through `executeWithSig`: `signer` (the owner, or a session key whose
    /// policies then apply) signs them with `uid` (random when `None`), and `sponsor` sends and
    /// pays for the transaction. With `authorization` (see [`authorization`](Self::authorization))
    /// the same transaction also delegates a not-yet-delegated EOA.
    pub async fn execute_with_sig(
        &self,
        signer: &(impl AnySigner + ?Sized),
        sponsor: &(impl AnySigner + ?Sized),
        calls: &[Call],
        uid: Option<B256>,
        authorization: Option<SignedAuthorization>,
    ) -> Result<Sent, Error> {
        if authorization.is_none() {
            self.ensure_delegated().await?;
        }
        let uid = uid.unwrap_or_else(B256::random);
        let signature =
            signing::sign_wrapped_calls(signer, calls, uid, self.chain_id, self.account)
                .await
                .map_err(sign("signing the wrapped calls"))?;
        let call = SessionAccount::executeWithSigCall {
            wrappedCalls: wrapped_calls(calls, uid),
            signature,
        };
        let mut tx = self.tx_for(&call);
        if let Some(auth) = authorization {
            tx = tx.with_authorization_list(vec![auth]);
        }
        match self.estimate(sponsor.signer_address(), &tx).await {
            Ok(gas) => {
                self.sign_and_send(sponsor, tx, gas, "executing with signature")
                    .await
            }
            Err(EstimateError::Revert(data)) => {
                let signer = signer.signer_address();
                if signer == self.account {
                    Err(Error::from_revert(
                        &data,
                        &RevertContext {
                            account: self.account,
                            expected_signer: Some(signer),
                            ..Default::default()
                        },
                    ))
                } else {
                    Err(self.session_error(&data, signer, calls).await)
                }
            }
            Err(EstimateError::Other(e)) => Err(rpc("executing with signature")(e)),
        }
    }

    /// `signer`'s session (spec as stored and remaining limits), or `None` if it has none.
    pub async fn session(&self, signer: Address) -> Result<Option<SessionInfo>, Error> {
        self.ensure_delegated().await?;
        let expires_at = self.expires_at_unchecked(signer).await?;
        if expires_at == 0 {
            return Ok(None);
        }
        let wildcard = self
            .view_unchecked(SessionAccount::isWildcardSignerCall { signer })
            .await?;
        let calls = self
            .view_unchecked(SessionAccount::getCallPoliciesForSignerCall { signer })
            .await?;
        let transfers = self
            .view_unchecked(SessionAccount::getTransferPoliciesForSignerCall { signer })
            .await?;
        let state = self.remaining_unchecked(signer).await?;
        Ok(Some(SessionInfo {
            spec: SessionSpec {
                signer,
                wildcard,
                expires_at,
                call_policies: calls
                    .iter()
                    .enumerate()
                    .map(|(i, p)| abi::call_policy_from_abi(p, i))
                    .collect::<Result<_, _>>()?,
                transfer_policies: transfers
                    .iter()
                    .enumerate()
                    .map(|(i, p)| abi::transfer_policy_from_abi(p, i))
                    .collect::<Result<_, _>>()?,
                uid: B256::ZERO,
            },
            state,
        }))
    }

    /// `signer`'s expiry (0 when it has no session).
    pub async fn expires_at(&self, signer: Address) -> Result<u64, Error> {
        self.ensure_delegated().await?;
        self.expires_at_unchecked(signer).await
    }

    async fn expires_at_unchecked(&self, signer: Address) -> Result<u64, Error> {
        let v = self
            .view_unchecked(SessionAccount::getSessionExpirationForSignerCall { signer })
            .await?;
        Ok(u64::try_from(v).unwrap_or(u64::MAX))
    }

    /// Whether `signer` has a wildcard session.
    pub async fn is_wildcard(&self, signer: Address) -> Result<bool, Error> {
        self.ensure_delegated().await?;
        self.view_unchecked(SessionAccount::isWildcardSignerCall { signer })
            .await
    }

    /// What is left of each limit of `signer`'s session now.
    pub async fn remaining(&self, signer: Address) -> Result<SessionState, Error> {
        self.ensure_delegated().await?;
        self.remaining_unchecked(signer).await
    }

    async fn remaining_unchecked(&self, signer: Address) -> Result<SessionState, Error> {
        self.remaining_at(signer, BlockId::latest()).await
    }

    /// What was left of each limit of `signer`'s session at `block`.
    async fn remaining_at(&self, signer: Address, block: BlockId) -> Result<SessionState, Error> {
        let s = self
            .view_at(
                SessionAccount::getSessionStateForSignerCall { signer },
                block,
            )
            .await?;
        let convert = |v: &[SessionLib::LimitState]| {
            v.iter()
                .map(|l| simulator::LimitState {
                    remaining: l.remaining,
                    target: l.target,
                    selector: l.selector,
                    index: u64::try_from(l.index).unwrap_or(u64::MAX),
                })
                .collect()
        };
        Ok(SessionState {
            transfer_value: convert(&s.transferValue),
            call_value: convert(&s.callValue),
            call_params: convert(&s.callParams),
        })
    }

    /// The usage counters of `signer`'s session as far as the views show them (used = limit -
    /// remaining, in the current window for allowances): enough for the simulator to predict the
    /// next call.
    pub async fn usage(&self, spec: &SessionSpec) -> Result<Usage, Error> {
        let state = self.remaining(spec.signer).await?;
        let now = self.timestamp().await?;
        Ok(simulator::usage_from_state(spec, &state, now))
    }

    /// Runs a view of the account (the caller has checked that it is delegated).
    async fn view_unchecked<C: SolCall>(&self, call: C) -> Result<C::Return, Error> {
        self.view_at(call, BlockId::latest()).await
    }

    /// Runs a view of the account at `block`.
    async fn view_at<C: SolCall>(&self, call: C, block: BlockId) -> Result<C::Return, Error> {
        let action = || format!("reading {}", C::SIGNATURE);
        let data = self
            .provider
            .call(self.tx_for(&call))
            .block(block)
            .await
            .map_err(|source| Error::Rpc {
                action: action(),
                source,
            })?;
        C::abi_decode_returns(&data).map_err(|e| Error::Unexpected {
            action: action(),
            message: format!("unexpected return data: {e}"),
        })
    }

    /// The typed error for a session key's revert, with the simulator's account of which
    /// policy, constraint and limit refused it when the simulator agrees with the chain: one
    /// read of the session, then the simulator.
    async fn session_error(&self, data: &[u8], signer: Address, calls: &[Call]) -> Error {
        let mut ctx = RevertContext {
            account: self.account,
            expected_signer: Some(signer),
            session_signer: Some(signer),
            ..Default::default()
        };
        if let Ok(Some(info)) = self.session(signer).await {
            ctx.expires_at = Some(info.spec.expires_at);
            if let Ok(now) = self.timestamp().await {
                let usage = simulator::usage_from_state(&info.spec, &info.state, now);
                // The estimate ran in a pending block whose time is not known here: the latest
                // block's time or (usually) one second later.
                for t in [now + 1, now] {
                    if let Some(denied) =
                        simulator::simulate(&info.spec, &usage, self.account, calls, t).denial()
                    {
                        ctx.allowance_period = denied
                            .limit
                            .and_then(|id| simulator::limit_of(&info.spec, id))
                            .map(|l| l.period());
                        ctx.denied = Some(denied.clone());
                        break;
                    }
                }
            }
        }
        Error::from_revert(data, &ctx)
    }

    fn tx_for(&self, call: &impl SolCall) -> TransactionRequest {
        TransactionRequest::default()
            .with_to(self.account)
            .with_input(call.abi_encode())
    }

    async fn nonce(&self, address: Address) -> Result<u64, Error> {
        self.provider
            .get_transaction_count(address)
            .pending()
            .await
            .map_err(rpc("reading a nonce"))
    }

    async fn estimate(&self, from: Address, tx: &TransactionRequest) -> Result<u64, EstimateError> {
        let tx = tx.clone().with_from(from);
        match self.provider.estimate_gas(tx).await {
            Ok(gas) => Ok(gas),
            Err(e) => match e.as_error_resp().and_then(|r| r.as_revert_data()) {
                Some(data) => Err(EstimateError::Revert(data)),
                None => Err(EstimateError::Other(e)),
            },
        }
    }

    async fn send_call(
        &self,
        sender: &(impl AnySigner + ?Sized),
        call: &impl SolCall,
        action: &str,
        ctx: RevertContext,
    ) -> Result<Sent, Error> {
        self.send(sender, self.tx_for(call), action, ctx).await
    }

    async fn send(
        &self,
        sender: &(impl AnySigner + ?Sized),
        tx: TransactionRequest,
        action: &str,
        ctx: RevertContext,
    ) -> Result<Sent, Error> {
        let gas = match self.estimate(sender.signer_address(), &tx).await {
            Ok(gas) => gas,
            Err(EstimateError::Revert(data)) => {
                return Err(Error::from_revert(
                    &data,
                    &RevertContext {
                        account: self.account,
                        ..ctx
                    },
                ))
            }
            Err(EstimateError::Other(e)) => return Err(rpc(action)(e)),
        };
        self.sign_and_send(sender, tx, gas, action).await
    }

    async fn sign_and_send(
        &self,
        sender: &(impl AnySigner + ?Sized),
        tx: TransactionRequest,
        gas: u64,
        action: &str,
    ) -> Result<Sent, Error> {
        send_signed(
            &self.provider,
            sender,
            tx,
            gas,
            self.chain_id,
            self.timeout,
            action,
        )
        .await
    }
}

enum EstimateError {
    Revert(Bytes),
    Other(TransportError),
}

/// The latest block's timestamp.
pub async fn latest_timestamp(provider: &impl Provider) -> Result<u64, Error> {
    let action = "reading the latest block";
    let block = provider
        .get_block_by_number(BlockNumberOrTag::Latest)
        .await
        .map_err(rpc(action))?
        .ok_or_else(|| Error::Unexpected {
            action: action.into(),
            message: "the node has no latest block".into(),
        })?;
    Ok(block.header.timestamp)
}

/// Deploys the bundled session account implementation from `deployer`; returns its address.
pub async fn deploy_implementation(
    provider: &impl Provider,
    deployer: &(impl AnySigner + ?Sized),
) -> Result<Address, Error> {
    deploy(
        provider,
        deployer,
        crate::contracts::session_account::bytecode()
            .to_vec()
            .into(),
        "deploying the session account",
    )
    .await
}

/// Deploys `bytecode` (creation code with constructor arguments) from `deployer`.
pub async fn deploy(
    provider: &impl Provider,
    deployer: &(impl AnySigner + ?Sized),
    bytecode: Bytes,
    action: &str,
) -> Result<Address, Error> {
    let chain_id = provider
        .get_chain_id()
        .await
        .map_err(rpc("reading the chain id"))?;
    let tx = TransactionRequest::default().with_deploy_code(bytecode);
    let gas = provider
        .estimate_gas(tx.clone().with_from(deployer.signer_address()))
        .await
        .map_err(rpc(action))?;
    let sent = send_signed(
        provider,
        deployer,
        tx,
        gas,
        chain_id,
        DEFAULT_TIMEOUT,
        action,
    )
    .await?;
    sent.receipt
        .contract_address
        .ok_or_else(|| Error::Unexpected {
            action: action.to_owned(),
            message: "the receipt has no contract address".into(),
        })
}

/// Fills nonce, fees and chain id, signs with `sender` (any alloy transaction signer), sends,
/// and waits for the receipt.
pub async fn send_signed(
    provider: &impl Provider,
    sender: &(impl AnySigner + ?Sized),
    tx: TransactionRequest,
    gas: u64,
    chain_id: u64,
    timeout: Duration,
    action: &str,
) -> Result<Sent, Error> {
    let from = sender.signer_address();
    let nonce = provider
        .get_transaction_count(from)
        .pending()
        .await
        .map_err(rpc(action))?;
    let fees = provider
        .estimate_eip1559_fees()
        .await
        .map_err(rpc(action))?;
    let tx = tx
        .with_from(from)
        .with_nonce(nonce)
        .with_chain_id(chain_id)
        // Room for the difference between the estimate and the mined block.
        .with_gas_limit(gas + gas / 5 + 10_000)
        .with_max_fee_per_gas(fees.max_fee_per_gas)
        .with_max_priority_fee_per_gas(fees.max_priority_fee_per_gas);
    let mut typed = tx.build_typed_tx().map_err(|tx| Error::Unexpected {
        action: action.to_owned(),
        message: format!("the transaction is incomplete and cannot be signed: {tx:?}"),
    })?;
    let signature = sender
        .sign_transaction(&mut typed)
        .await
        .map_err(sign(action))?;
    let envelope = typed.into_envelope(signature);
    let hash = *provider
        .send_raw_transaction(&envelope.encoded_2718())
        .await
        .map_err(rpc(action))?
        .tx_hash();
    let receipt = wait_receipt(provider, hash, timeout, action).await?;
    if !receipt.status() {
        return Err(Error::Failed {
            action: action.to_owned(),
            tx: hash,
        });
    }
    Ok(Sent {
        hash,
        gas_used: receipt.gas_used,
        block_number: receipt.block_number.unwrap_or_default(),
        receipt,
        warning: None,
    })
}

/// Polls for `hash`'s receipt: at once, then with a growing interval, until `timeout`.
pub async fn wait_receipt(
    provider: &impl Provider,
    hash: B256,
    timeout: Duration,
    action: &str,
) -> Result<TransactionReceipt, Error> {
    let start = Instant::now();
    let mut interval = Duration::from_millis(2);
    loop {
        if let Some(receipt) = provider
            .get_transaction_receipt(hash)
            .await
            .map_err(rpc(action))?
        {
            return Ok(receipt);
        }
        if start.elapsed() >= timeout {
            return Err(Error::Timeout {
                action: action.to_owned(),
                secs: timeout.as_secs(),
            });
        }
        tokio::time::sleep(interval).await;
        interval = (interval * 2).min(Duration::from_millis(500));
    }
}

/// An [`Error::Rpc`] for `action`, keeping the transport's error as its source.
pub(crate) fn rpc(action: &str) -> impl Fn(TransportError) -> Error + '_ {
    move |source| Error::Rpc {
        action: action.to_owned(),
        source,
    }
}

/// An [`Error::Sign`] for `action`, keeping the signer's error as its source.
pub(crate) fn sign(action: &str) -> impl Fn(alloy::signers::Error) -> Error + '_ {
    move |source| Error::Sign {
        action: action.to_owned(),
        source,
    }
}
