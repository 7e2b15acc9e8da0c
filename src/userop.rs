//! ERC-4337 user operations through EntryPoint v0.8: build, estimate, sign (as the owner or as
//! a session key), submit with `handleOps` from a bundler wallet, and decode what went wrong
//! into the same typed [`Error`]s as the direct path.
//!
//! The account validates the signature (owner or live session key) and reports a session's
//! expiry as `validUntil`; the session's policies are enforced when the EntryPoint calls
//! `executeUserOp`, with the account's own errors. A batch is
//! `executeUserOp.selector ‖ abi.encode(Call[])`.
//!
//! The operation type is the account's own binding, [`PackedUserOperation`] (EntryPoint v0.8's
//! struct as the account's ABI declares it); the EntryPoint's calls are encoded over it.

use alloy::eips::eip7702::SignedAuthorization;
use alloy::network::TransactionBuilder;
use alloy::primitives::{address, b256, Address, Bytes, FixedBytes, Uint, B256, U256};
use alloy::providers::Provider;
use alloy::rpc::types::state::{AccountOverride, StateOverride};
use alloy::rpc::types::TransactionRequest;
use alloy::sol;
use alloy::sol_types::{SolCall, SolEvent, SolInterface, SolValue};

use crate::account_error::AccountError;
use crate::call::Call;
use crate::client::{self, rpc, sign, Sent, DEFAULT_TIMEOUT};
use crate::contracts::{SessionAccount, SessionAccountFactory};
use crate::error::{Error, RevertContext};
use crate::policy::SessionSpec;
use crate::signing::{signature_bytes, AnySigner};
use crate::simulator;

/// A v0.8 user operation, packed: the account's own binding of EntryPoint v0.8's struct.
pub use crate::contracts::SessionAccount::PackedUserOperation;

/// EntryPoint v0.8's canonical address.
pub const ENTRY_POINT: Address = address!("0x4337084D9E255Ff0702461CF8895CE9E3b5Ff108");
/// The deterministic deployment proxy that puts the EntryPoint at its canonical address.
pub const DEPLOYER: Address = address!("0x4e59b44847b379578588920ca78fbf26c0b4956c");
/// The salt of EntryPoint v0.8's canonical deployment.
pub const ENTRY_POINT_SALT: B256 =
    b256!("0x0a59dbff790c23c976a548690c27297883cc66b4c67024f9117b0238995e35e9");
/// `initCode` of a 7702 sender's user operation: the EntryPoint reads the delegate from code.
pub const EIP7702_MARKER: [u8; 20] = {
    let mut m = [0u8; 20];
    m[0] = 0x77;
    m[1] = 0x02;
    m
};

sol! {
    /// The parts of EntryPoint v0.8 this module uses. Calls that take a user operation are
    /// encoded over the account's [`PackedUserOperation`] with these selectors.
    interface IEntryPoint {
        struct PackedUserOperation {
            address sender;
            uint256 nonce;
            bytes initCode;
            bytes callData;
            bytes32 accountGasLimits;
            uint256 preVerificationGas;
            bytes32 gasFees;
            bytes paymasterAndData;
            bytes signature;
        }
        function handleOps(PackedUserOperation[] calldata ops, address payable beneficiary) external;
        function getUserOpHash(PackedUserOperation calldata userOp) external view returns (bytes32);
        function getNonce(address sender, uint192 key) external view returns (uint256 nonce);
        function depositTo(address account) external payable;
        function balanceOf(address account) external view returns (uint256);
        error FailedOp(uint256 opIndex, string reason);
        error FailedOpWithRevert(uint256 opIndex, string reason, bytes inner);
        event UserOperationEvent(bytes32 indexed userOpHash, address indexed sender, address indexed paymaster, uint256 nonce, bool success, uint256 actualGasCost, uint256 actualGasUsed);
        event UserOperationRevertReason(bytes32 indexed userOpHash, address indexed sender, uint256 nonce, bytes revertReason);
    }
}

/// The calldata of `handleOps(ops, beneficiary)`.
pub fn handle_ops_data(ops: &[PackedUserOperation], beneficiary: Address) -> Bytes {
    let mut data = IEntryPoint::handleOpsCall::SELECTOR.to_vec();
    data.extend_from_slice(&(ops.to_vec(), beneficiary).abi_encode_params());
    data.into()
}

/// The calldata of `getUserOpHash(op)`.
pub fn get_user_op_hash_data(op: &PackedUserOperation) -> Bytes {
    let mut data = IEntryPoint::getUserOpHashCall::SELECTOR.to_vec();
    data.extend_from_slice(&(op.clone(),).abi_encode_params());
    data.into()
}

/// Gas for a paymaster's validation (the test paymaster needs a few thousand).
pub const PAYMASTER_VERIFICATION_GAS: u128 = 50_000;

/// `paymasterAndData` in v0.8's layout: the paymaster, its validation and postOp gas limits
/// (16 bytes each), no data.
pub fn paymaster_and_data(paymaster: Address, verification_gas: u128, post_op_gas: u128) -> Bytes {
    let mut data = paymaster.to_vec();
    data.extend_from_slice(&verification_gas.to_be_bytes());
    data.extend_from_slice(&post_op_gas.to_be_bytes());
    data.into()
}

/// The callData of a user operation that runs `calls`.
pub fn batch_call_data(calls: &[Call]) -> Bytes {
    let calls: Vec<SessionAccount::Call> = calls.iter().map(SessionAccount::Call::from).collect();
    let mut data = SessionAccount::executeUserOpCall::SELECTOR.to_vec();
    data.extend_from_slice(&calls.abi_encode());
    data.into()
}

/// `initCode` that deploys a standalone account through `factory`.
pub fn factory_init_code(factory: Address, owner: Address, salt: B256) -> Bytes {
    let mut code = factory.to_vec();
    code.extend_from_slice(&SessionAccountFactory::createAccountCall { owner, salt }.abi_encode());
    code.into()
}

fn pack(high: u128, low: u128) -> B256 {
    let mut word = [0u8; 32];
    word[..16].copy_from_slice(&high.to_be_bytes());
    word[16..].copy_from_slice(&low.to_be_bytes());
    B256::from(word)
}

/// What the EntryPoint did with a submitted user operation.
#[derive(Debug, Clone)]
pub struct OpReceipt {
    /// The bundle transaction.
    pub sent: Sent,
    /// The operation's hash.
    pub user_op_hash: B256,
    /// Gas the EntryPoint charged the operation for (`actualGasUsed`).
    pub actual_gas_used: u64,
}

/// Builds, signs and submits user operations for one sender.
#[derive(Debug, Clone)]
pub struct UserOps<P> {
    provider: P,
    chain_id: u64,
    sender: Address,
    /// `initCode` for the next operation (7702 marker, or the factory call of an undeployed
    /// standalone account).
    init_code: Bytes,
    /// The 7702 delegate to assume when hashing a first 7702 operation.
    delegate: Option<Address>,
    /// The paymaster that pays for the operations, if any.
    paymaster: Option<Address>,
    /// The owner, when known (a smart EOA's own address, or a standalone account's owner):
    /// its operations use nonce key 0.
    owner: Option<Address>,
}

impl<P: Provider + Clone> UserOps<P> {
    /// Operations for `sender`, already deployed or delegated.
    pub async fn new(provider: P, sender: Address) -> Result<Self, Error> {
        let chain_id = provider
            .get_chain_id()
            .await
            .map_err(rpc("reading the chain id"))?;
        Ok(UserOps {
            provider,
            chain_id,
            sender,
            init_code: Bytes::new(),
            delegate: None,
            paymaster: None,
            owner: None,
        })
    }

    /// The owner of a standalone account, so that its operations use nonce key 0 (without it
    /// they use the key of the owner's address, which the account accepts as well).
    pub fn owner(mut self, owner: Address) -> Self {
        self.owner = Some(owner);
        self
    }

    /// The nonce key an operation signed by `signer` uses: 0 for the owner (a smart EOA signs
    /// as its own address), the signer's address for a session key. The account requires it
    /// (`uint192(nonce >> 64) == uint160(signer)`), so a session key cannot use up, or
    /// front-run, the owner's nonces; each key has a sequence of its own.
    pub fn nonce_key(&self, signer: Address) -> Uint<192, 3> {
        if signer == self.sender || Some(signer) == self.owner {
            Uint::ZERO
        } else {
            Uint::from_be_slice(signer.as_slice())
        }
    }

    /// Has `paymaster` pay for the operations. The account never pays gas for a scoped
    /// session key (it could be drained through fees), so a scoped session's operations need a
    /// paymaster the owner allowed for that session (`SmartEoa::allow_session_paymaster`); the
    /// owner's and a wildcard session's may go without.
    pub fn paymaster(mut self, paymaster: Address) -> Self {
        self.paymaster = Some(paymaster);
        self
    }

    /// The first operation of a 7702 sender that is not delegated yet: it carries the 7702
    /// marker, and its bundle carries the authorization delegating to `delegate`.
    pub fn first_7702(mut self, delegate: Address) -> Self {
        self.init_code = EIP7702_MARKER.to_vec().into();
        self.delegate = Some(delegate);
        self
    }

    /// The first operation of a standalone account: deploys it through `factory`.
    pub fn first_standalone(mut self, factory: Address, owner: Address, salt: B256) -> Self {
        self.init_code = factory_init_code(factory, owner, salt);
        self.owner = Some(owner);
        self
    }

    /// The sender.
    pub fn sender(&self) -> Address {
        self.sender
    }

    /// Builds and signs an operation running `calls`, signed by `signer` (the owner or a
    /// session key). Gas limits come from estimates of the validation and the execution.
    pub async fn build(
        &self,
        signer: &(impl AnySigner + ?Sized),
        calls: &[Call],
    ) -> Result<PackedUserOperation, Error> {
        let nonce = self.nonce(self.nonce_key(signer.signer_address())).await?;
        let fees = self
            .provider
            .estimate_eip1559_fees()
            .await
            .map_err(rpc("estimating fees"))?;
        let mut op = PackedUserOperation {
            sender: self.sender,
            nonce,
            initCode: self.init_code.clone(),
            callData: batch_call_data(calls),
            accountGasLimits: pack(500_000, 2_000_000),
            preVerificationGas: U256::ZERO,
            gasFees: pack(fees.max_priority_fee_per_gas, fees.max_fee_per_gas),
            paymasterAndData: self
                .paymaster
                .map(|p| paymaster_and_data(p, PAYMASTER_VERIFICATION_GAS, 0))
                .unwrap_or_default(),
            signature: Bytes::new(),
        };
        self.sign(signer, &mut op).await?;
        // Estimates run against the signed operation (the account recovers the signer).
        let (verification, call) = self.estimate(&op).await;
        op.accountGasLimits = pack(u128::from(verification), u128::from(call));
        op.preVerificationGas = U256::from(pre_verification_gas(&op));
        self.sign(signer, &mut op).await?;
        Ok(op)
    }

    /// The EntryPoint's nonce of the sender under `key`.
    pub async fn nonce(&self, key: Uint<192, 3>) -> Result<U256, Error> {
        let action = "reading the EntryPoint nonce";
        let data = IEntryPoint::getNonceCall {
            sender: self.sender,
            key,
        }
        .abi_encode();
        let tx = TransactionRequest::default()
            .with_to(ENTRY_POINT)
            .with_input(data);
        let out = self.provider.call(tx).await.map_err(rpc(action))?;
        U256::abi_decode(&out).map_err(|e| Error::Unexpected {
            action: action.into(),
            message: format!("unexpected return data: {e}"),
        })
    }

    /// Signs `op` in place with any alloy signer: the 65-byte signature over the EntryPoint's
    /// `userOpHash`.
    pub async fn sign(
        &self,
        signer: &(impl AnySigner + ?Sized),
        op: &mut PackedUserOperation,
    ) -> Result<B256, Error> {
        op.signature = Bytes::new();
        let hash = self.hash(op).await?;
        let signature = signer
            .sign_hash(&hash)
            .await
            .map_err(sign("signing the user operation"))?;
        op.signature = signature_bytes(&signature);
        Ok(hash)
    }

    /// The EntryPoint's hash of `op` (with the 7702 delegate in place when not yet delegated).
    pub async fn hash(&self, op: &PackedUserOperation) -> Result<B256, Error> {
        let tx = TransactionRequest::default()
            .with_to(ENTRY_POINT)
            .with_input(get_user_op_hash_data(op));
        let mut call = self.provider.call(tx);
        if let Some(delegate) = self.delegate {
            let mut code = client::DELEGATION_PREFIX.to_vec();
            code.extend_from_slice(delegate.as_slice());
            let mut overrides = StateOverride::default();
            overrides.insert(
                self.sender,
                AccountOverride {
                    code: Some(code.into()),
                    ..Default::default()
                },
            );
            call = call.overrides(overrides);
        }
        let out = call.await.map_err(rpc("hashing the user operation"))?;
        B256::abi_decode(&out).map_err(|e| Error::Unexpected {
            action: "hashing the user operation".into(),
            message: format!("unexpected return data: {e}"),
        })
    }

    /// Gas for validation and execution, from `eth_estimateGas` as the EntryPoint would call
    /// the account, with room for the EntryPoint's own work; generous defaults where the
    /// account cannot be called yet (not deployed or not delegated).
    async fn estimate(&self, op: &PackedUserOperation) -> (u64, u64) {
        let hash = self.hash(op).await.unwrap_or_default();
        let as_entry_point = |data: Vec<u8>| {
            TransactionRequest::default()
                .with_from(ENTRY_POINT)
                .with_to(self.sender)
                .with_input(data)
        };
        let ready = self.init_code.is_empty();
        let verification = if ready {
            // With a prefund to pay, as the EntryPoint asks when the deposit is short; the
            // EntryPoint's own checks around the call (and the 7702 delegate lookup) need room.
            let data = SessionAccount::validateUserOpCall {
                userOp: op.clone(),
                userOpHash: hash,
                missingAccountFunds: U256::from(1),
            }
            .abi_encode();
            self.provider
                .estimate_gas(as_entry_point(data))
                .await
                .map(|g| g.saturating_sub(21_000) * 3 / 2 + 50_000)
                .unwrap_or(300_000)
        } else {
            400_000
        };
        let call = if ready {
            let data = SessionAccount::executeUserOpCall {
                userOp: op.clone(),
                userOpHash: hash,
            }
            .abi_encode();
            // Below the EntryPoint's 40,000 penalty threshold for unused execution gas.
            self.provider
                .estimate_gas(as_entry_point(data))
                .await
                .map(|g| g.saturating_sub(21_000) + 20_000)
                .unwrap_or(1_000_000)
        } else {
            1_000_000
        };
        (verification, call)
    }

    /// Why validation refused a session key's operation (AA24), from the simulator's model of
    /// the account's validation rules over the session as the account reports it: no paymaster,
    /// one the owner did not allow, a cost above its cap, or the wrong nonce key. Otherwise (or
    /// when the session cannot be read) the signature error it is.
    async fn session_validation_error(
        &self,
        account: Address,
        signer: Address,
        facts: &simulator::UserOpFacts,
    ) -> Error {
        use simulator::UserOpValidation as V;
        let invalid = Error::InvalidSignature {
            account,
            expected: Some(signer),
            recovered: signer,
        };
        let (Some(expires_at), Some(wildcard), Some(allowed)) = (
            self.view(SessionAccount::getSessionExpirationForSignerCall { signer })
                .await,
            self.view(SessionAccount::isWildcardSignerCall { signer })
                .await,
            self.view(SessionAccount::getSessionPaymastersCall { signer })
                .await,
        ) else {
            return invalid;
        };
        if expires_at.is_zero() {
            return invalid;
        }
        let session = SessionSpec {
            signer,
            wildcard,
            expires_at: expires_at.saturating_to(),
            call_policies: Vec::new(),
            transfer_policies: Vec::new(),
            uid: B256::ZERO,
        };
        let allowed: Vec<(Address, U256)> = allowed
            .paymasters
            .into_iter()
            .zip(allowed.maxCostsPerOp)
            .collect();
        let reason = match simulator::validate_user_op(&session, &allowed, facts) {
            V::Valid => return invalid,
            V::WrongNonceKey => format!(
                "AA24 signature error: a session key's operation must use the nonce key of its address ({signer}), \
                 not key {}; build it with UserOps::build",
                facts.nonce >> 64
            ),
            V::NeedsPaymaster => "AA24 signature error: a scoped session key's operation needs a paymaster the owner \
                 allowed for the session (the account never pays gas for it; SmartEoa::allow_session_paymaster)"
                .to_owned(),
            V::PaymasterNotAllowed => {
                return Error::Account {
                    account,
                    error: AccountError::SessionPaymasterNotAllowed {
                        signer,
                        paymaster: facts.paymaster.unwrap_or_default(),
                    },
                }
            }
            V::CostAboveCap => {
                let paymaster = facts.paymaster.unwrap_or_default();
                let cap = allowed
                    .iter()
                    .find(|(p, _)| *p == paymaster)
                    .map(|(_, c)| *c)
                    .unwrap_or_default();
                format!(
                    "AA24 signature error: the operation may cost {} wei, above the {} wei the owner allowed per operation \
                     through paymaster {paymaster} for {signer}'s session; lower its gas limits or fees, or raise the cap",
                    facts.max_cost, cap
                )
            }
        };
        Error::EntryPoint { account, reason }
    }

    /// A view of the sender, `None` when it cannot be read.
    async fn view<C: SolCall>(&self, call: C) -> Option<C::Return> {
        let tx = TransactionRequest::default()
            .with_to(self.sender)
            .with_input(call.abi_encode());
        let out = self.provider.call(tx).await.ok()?;
        C::abi_decode_returns(&out).ok()
    }

    /// Submits `ops` in one `handleOps` transaction from `bundler` (with `authorization` for a
    /// 7702 sender's first operation), and returns the receipt of the first operation, or its
    /// failure as a typed error.
    pub async fn submit(
        &self,
        bundler: &(impl AnySigner + ?Sized),
        op: PackedUserOperation,
        authorization: Option<SignedAuthorization>,
        ctx: &RevertContext,
    ) -> Result<OpReceipt, Error> {
        let user_op_hash = self.hash(&op).await?;
        let facts = simulator::UserOpFacts::of(&op);
        let mut tx = TransactionRequest::default()
            .with_to(ENTRY_POINT)
            .with_input(handle_ops_data(&[op], bundler.signer_address()));
        if let Some(auth) = authorization {
            use alloy::network::TransactionBuilder7702;
            tx = tx.with_authorization_list(vec![auth]);
        }
        let gas = match self
            .provider
            .estimate_gas(tx.clone().with_from(bundler.signer_address()))
            .await
        {
            Ok(gas) => gas,
            Err(e) => {
                return Err(match e.as_error_resp().and_then(|r| r.as_revert_data()) {
                    Some(data) => match (entry_point_error(&data, ctx), ctx.session_signer) {
                        // A scoped session key's operation without an allowed paymaster fails
                        // validation like a bad signature: say which it is.
                        (Error::InvalidSignature { account, .. }, Some(signer))
                            if signer != self.sender =>
                        {
                            self.session_validation_error(account, signer, &facts).await
                        }
                        (other, _) => other,
                    },
                    None => rpc("submitting the user operation")(e),
                });
            }
        };
        let sent = client::send_signed(
            &self.provider,
            bundler,
            tx,
            gas,
            self.chain_id,
            DEFAULT_TIMEOUT,
            "submitting the user operation",
        )
        .await?;
        let mut actual_gas_used = 0;
        for log in sent.receipt.inner.logs() {
            if log.address() != ENTRY_POINT {
                continue;
            }
            if let Ok(event) = IEntryPoint::UserOperationRevertReason::decode_log_data(log.data()) {
                if event.userOpHash == user_op_hash {
                    return Err(Error::from_revert(&event.revertReason, ctx));
                }
            }
            if let Ok(event) = IEntryPoint::UserOperationEvent::decode_log_data(log.data()) {
                if event.userOpHash == user_op_hash {
                    actual_gas_used = u64::try_from(event.actualGasUsed).unwrap_or(u64::MAX);
                    if !event.success {
                        return Err(Error::Failed {
                            action: "the user operation".into(),
                            tx: sent.hash,
                        });
                    }
                }
            }
        }
        Ok(OpReceipt {
            sent,
            user_op_hash,
            actual_gas_used,
        })
    }
}

/// A cost for the bundler's share that the EntryPoint does not measure: the transaction's
/// base cost and the operation's calldata.
pub fn pre_verification_gas(op: &PackedUserOperation) -> u64 {
    let encoded = op.abi_encode();
    let calldata: u64 = encoded.iter().map(|b| if *b == 0 { 4 } else { 16 }).sum();
    21_000 + calldata + 10_000
}

/// Turns a `handleOps` revert into a typed error: the EntryPoint's `FailedOp` codes map to the
/// direct path's errors (AA24 → invalid signature, AA22 → expired); anything else names the
/// code and what to do.
pub fn entry_point_error(data: &[u8], ctx: &RevertContext) -> Error {
    match IEntryPoint::IEntryPointErrors::abi_decode(data) {
        Ok(IEntryPoint::IEntryPointErrors::FailedOp(e)) => failed_op(&e.reason, None, ctx),
        Ok(IEntryPoint::IEntryPointErrors::FailedOpWithRevert(e)) => {
            failed_op(&e.reason, Some(&e.inner), ctx)
        }
        Err(_) => Error::from_revert(data, ctx),
    }
}

fn failed_op(reason: &str, inner: Option<&Bytes>, ctx: &RevertContext) -> Error {
    let account = ctx.account;
    if reason.starts_with("AA24") {
        let signer = ctx.expected_signer.unwrap_or_default();
        return Error::InvalidSignature {
            account,
            expected: ctx.expected_signer,
            recovered: signer,
        };
    }
    if reason.starts_with("AA22") {
        return Error::SessionExpired {
            account,
            signer: ctx.session_signer,
            expired_at: ctx.expires_at,
        };
    }
    if let Some(inner) = inner {
        if let Some(error) = AccountError::decode(inner) {
            return Error::Account { account, error };
        }
    }
    Error::EntryPoint {
        account,
        reason: reason.to_owned(),
    }
}

/// The selector of `executeUserOp`.
pub const EXECUTE_USER_OP: FixedBytes<4> = FixedBytes(SessionAccount::executeUserOpCall::SELECTOR);
