//! A local chain for end-to-end tests: anvil (Prague) with the session account, the fixtures
//! and EntryPoint v0.8 (at its canonical address) deployed, funded EOAs upgraded with real type-4 transactions, time travel, and
//! snapshots.
//!
//! ```no_run
//! # async fn demo() -> Result<(), sessionkit::harness::HarnessError> {
//! use sessionkit::harness::Harness;
//!
//! let h = Harness::builder().try_spawn().await?;
//! let (owner, eoa) = h.smart_eoa().await?; // funded, delegated to the session account
//! h.warp_by(3600).await?;
//! # Ok(()) }
//! ```
//!
//! The harness owns its anvil process: dropping the harness (also while a test panics) kills it.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use alloy::network::TransactionBuilder;
use alloy::node_bindings::{Anvil, AnvilInstance};
use alloy::primitives::{Address, Bytes, U256};
use alloy::providers::ext::AnvilApi;
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::rpc::types::TransactionRequest;
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::SolCall;

mod session;

pub use session::{Actor, ChainRefusal, Mismatch, Outcome, Route, SessionProbe};

use crate::client::{self, SmartEoa};
use crate::contracts;
use crate::toolchain::{Tool, Toolchain, ToolchainError};

/// Why the harness could not start or act.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// anvil could not be found.
    #[error(transparent)]
    Toolchain(#[from] ToolchainError),
    /// anvil did not start.
    #[error("anvil at {path} did not start: {message}")]
    Spawn {
        /// The anvil binary.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// An operation on the chain failed.
    #[error(transparent)]
    Chain(#[from] crate::Error),
    /// The chain and the simulator (or an expectation) disagree.
    #[error("{0}")]
    Mismatch(String),
    /// An anvil RPC failed (the node may have died).
    #[error("anvil: {action}: {message}")]
    Rpc {
        /// What was being done.
        action: String,
        /// The node's answer.
        message: String,
    },
}

/// Configures a [`Harness`].
#[derive(Debug, Clone)]
#[must_use]
pub struct HarnessBuilder {
    root: PathBuf,
    anvil: Option<PathBuf>,
    implementation: Option<Bytes>,
    port: Option<u16>,
}

impl HarnessBuilder {
    /// Uses the anvil at `path` instead of resolving it.
    pub fn anvil(mut self, path: impl Into<PathBuf>) -> Self {
        self.anvil = Some(path.into());
        self
    }

    /// Resolves tools from the project at `root` (default: this crate's directory).
    pub fn root(mut self, root: impl Into<PathBuf>) -> Self {
        self.root = root.into();
        self
    }

    /// Deploys this creation bytecode as the account implementation instead of the bundled
    /// session account.
    pub fn implementation(mut self, bytecode: impl Into<Bytes>) -> Self {
        self.implementation = Some(bytecode.into());
        self
    }

    /// Listens on `port` instead of a free port the system picks.
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Spawns anvil and deploys the account and the fixtures.
    pub async fn try_spawn(self) -> Result<Harness, HarnessError> {
        let path = match self.anvil {
            Some(p) => p,
            None => Toolchain::from_env(&self.root).resolve(Tool::Anvil)?.path,
        };
        if !path.is_file() {
            return Err(HarnessError::Spawn {
                path,
                message: "no such file: set SESSIONKIT_ANVIL to an anvil binary, or run `npm ci`"
                    .into(),
            });
        }
        if let Some(port) = self.port {
            if std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
                return Err(HarnessError::Spawn {
                    path,
                    message: format!("port {port} is in use: pick another port, or leave it out to get a free one"),
                });
            }
        }
        let started = Instant::now();
        let anvil =
            spawn_anvil(&self.root, &path, self.port).map_err(|message| HarnessError::Spawn {
                path: path.clone(),
                message,
            })?;
        let ready = started.elapsed();
        let provider = ProviderBuilder::new()
            .disable_recommended_fillers()
            .connect_http(anvil.endpoint_url())
            .erased();
        let deployer = PrivateKeySigner::from(anvil.keys()[0].clone());
        let bundled = self
            .implementation
            .as_ref()
            .is_none_or(|code| code.as_ref() == contracts::session_account::BYTECODE);
        let bytecode = self
            .implementation
            .unwrap_or_else(|| contracts::session_account::BYTECODE.to_vec().into());
        let implementation =
            client::deploy(&provider, &deployer, bytecode, "deploying the account").await?;
        let deploy = |code: &'static [u8], action: &'static str| {
            client::deploy(&provider, &deployer, code.to_vec().into(), action)
        };
        let counter = deploy(contracts::counter::BYTECODE, "deploying Counter").await?;
        let token = deploy(contracts::test_token::BYTECODE, "deploying TestToken").await?;
        let receiver = deploy(contracts::eth_receiver::BYTECODE, "deploying EthReceiver").await?;
        let reverter = deploy(contracts::reverter::BYTECODE, "deploying Reverter").await?;
        crate::userop::deploy_entry_point(&provider, &deployer).await?;
        // The factory clones the bundled account only: its owner convention is the bundled
        // account's.
        let factory = if bundled {
            let mut code = contracts::session_account_factory::BYTECODE.to_vec();
            code.extend_from_slice(&implementation.into_word().0);
            Some(client::deploy(&provider, &deployer, code.into(), "deploying the factory").await?)
        } else {
            None
        };
        let paymaster = deploy(
            contracts::test_paymaster::BYTECODE,
            "deploying TestPaymaster",
        )
        .await?;
        let deposit = TransactionRequest::default()
            .with_to(paymaster)
            .with_value(U256::from(10u64).pow(U256::from(20)))
            .with_input(contracts::TestPaymaster::depositCall {}.abi_encode());
        client::send_signed(
            &provider,
            &deployer,
            deposit,
            200_000,
            anvil.chain_id(),
            Duration::from_secs(10),
            "funding TestPaymaster",
        )
        .await?;
        let chain_id = anvil.chain_id();
        Ok(Harness {
            anvil: std::sync::Mutex::new(Some(anvil)),
            provider,
            deployer,
            chain_id,
            implementation,
            counter,
            token,
            receiver,
            reverter,
            factory,
            paymaster,
            ready,
        })
    }
}

/// A running anvil with the session account and fixtures deployed.
#[derive(Debug)]
pub struct Harness {
    anvil: std::sync::Mutex<Option<AnvilInstance>>,
    provider: DynProvider,
    deployer: PrivateKeySigner,
    chain_id: u64,
    /// The session account implementation.
    pub implementation: Address,
    /// The Counter fixture (`setNumber`, `increment`, `add`).
    pub counter: Address,
    /// The TestToken fixture (an ERC-20 with open `mint`).
    pub token: Address,
    /// The EthReceiver fixture.
    pub receiver: Address,
    /// The Reverter fixture (`fail()` always reverts).
    pub reverter: Address,
    /// The factory of standalone accounts (bundled account only).
    factory: Option<Address>,
    /// A paymaster that sponsors every user operation (funded with an EntryPoint deposit).
    pub paymaster: Address,
    ready: Duration,
}

impl Harness {
    /// A builder with the defaults: anvil from the toolchain, the bundled account.
    pub fn builder() -> HarnessBuilder {
        HarnessBuilder {
            root: PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            anvil: None,
            implementation: None,
            port: None,
        }
    }

    /// The provider (HTTP, no fillers: the client signs its own transactions).
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    /// The chain id.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// How long anvil took to be ready.
    pub fn ready_time(&self) -> Duration {
        self.ready
    }

    /// The funded deployer account (anvil's first key).
    pub fn deployer(&self) -> &PrivateKeySigner {
        &self.deployer
    }

    /// A fresh EOA with 100 ether.
    pub async fn funded_eoa(&self) -> Result<PrivateKeySigner, HarnessError> {
        let key = PrivateKeySigner::random();
        self.set_balance(
            key.address(),
            U256::from(100u64) * U256::from(10u64).pow(U256::from(18)),
        )
        .await?;
        Ok(key)
    }

    /// Sets `address`'s balance.
    pub async fn set_balance(&self, address: Address, balance: U256) -> Result<(), HarnessError> {
        self.provider
            .anvil_set_balance(address, balance)
            .await
            .map_err(rpc("setting a balance"))
    }

    /// A client for `owner`'s EOA (not upgraded).
    pub async fn client(
        &self,
        owner: &PrivateKeySigner,
    ) -> Result<SmartEoa<DynProvider>, HarnessError> {
        Ok(SmartEoa::new(self.provider.clone(), owner.address(), self.implementation).await?)
    }

    /// The factory of standalone accounts, or why there is none.
    pub fn factory(&self) -> Result<Address, String> {
        self.factory.ok_or_else(|| {
            "there is no factory: the standalone deployment belongs to the bundled account"
                .to_owned()
        })
    }

    /// Where the factory deploys `owner`'s account with `salt`.
    pub async fn predict_factory_account(
        &self,
        owner: Address,
        salt: alloy::primitives::B256,
    ) -> Result<Address, String> {
        let factory = self.factory()?;
        crate::userop::ISessionAccountFactory::new(factory, &self.provider)
            .getAddress(owner, salt)
            .call()
            .await
            .map_err(|e| format!("factory.getAddress: {e}"))
    }

    /// A standalone account of `owner` deployed by the factory with `salt`, or why there is
    /// none (the factory is part of the bundled account; a foreign artifact has none).
    pub async fn factory_account(
        &self,
        owner: &PrivateKeySigner,
        salt: alloy::primitives::B256,
    ) -> Result<Address, String> {
        let factory = self.factory()?;
        let account = self.predict_factory_account(owner.address(), salt).await?;
        let data = crate::userop::ISessionAccountFactory::createAccountCall {
            owner: owner.address(),
            salt,
        }
        .abi_encode();
        let tx = TransactionRequest::default()
            .with_to(factory)
            .with_input(data);
        client::send_signed(
            &self.provider,
            &self.deployer,
            tx,
            1_000_000,
            self.chain_id,
            Duration::from_secs(10),
            "deploying a factory account",
        )
        .await
        .map_err(|e| e.to_string())?;
        Ok(account)
    }

    /// A client for the account at `account`.
    pub async fn client_for(
        &self,
        account: Address,
    ) -> Result<SmartEoa<DynProvider>, HarnessError> {
        Ok(SmartEoa::new(self.provider.clone(), account, self.implementation).await?)
    }

    /// A funded EOA upgraded to the session account with its own type-4 transaction.
    pub async fn smart_eoa(
        &self,
    ) -> Result<(PrivateKeySigner, SmartEoa<DynProvider>), HarnessError> {
        let owner = self.funded_eoa().await?;
        let eoa = self.client(&owner).await?;
        eoa.upgrade(&owner, None).await?;
        Ok((owner, eoa))
    }

    /// The latest block's timestamp.
    pub async fn timestamp(&self) -> Result<u64, HarnessError> {
        Ok(client::latest_timestamp(&self.provider).await?)
    }

    /// Mines a block at exactly `timestamp` (later than the latest block).
    pub async fn warp_to(&self, timestamp: u64) -> Result<(), HarnessError> {
        self.provider
            .evm_mine(Some(alloy::rpc::types::anvil::MineOptions::Timestamp(
                Some(timestamp),
            )))
            .await
            .map_err(rpc("mining at a timestamp"))?;
        Ok(())
    }

    /// Mines a block `seconds` after the latest one.
    pub async fn warp_by(&self, seconds: u64) -> Result<(), HarnessError> {
        let now = self.timestamp().await?;
        self.warp_to(now + seconds).await
    }

    /// Makes the next block's timestamp `timestamp` without mining.
    pub async fn set_next_timestamp(&self, timestamp: u64) -> Result<(), HarnessError> {
        self.provider
            .anvil_set_next_block_timestamp(timestamp)
            .await
            .map_err(rpc("setting the next timestamp"))
    }

    /// Mines `blocks` blocks.
    pub async fn mine(&self, blocks: u64) -> Result<(), HarnessError> {
        self.provider
            .anvil_mine(Some(blocks), None)
            .await
            .map_err(rpc("mining"))
    }

    /// Takes a snapshot of the chain; [`revert`](Self::revert) returns to it.
    pub async fn snapshot(&self) -> Result<U256, HarnessError> {
        self.provider
            .anvil_snapshot()
            .await
            .map_err(rpc("taking a snapshot"))
    }

    /// Returns the chain to `snapshot` (each snapshot can be reverted to once).
    pub async fn revert(&self, snapshot: U256) -> Result<(), HarnessError> {
        let ok = self
            .provider
            .anvil_revert(snapshot)
            .await
            .map_err(rpc("reverting"))?;
        if ok {
            Ok(())
        } else {
            Err(HarnessError::Rpc {
                action: "reverting".into(),
                message: format!("snapshot {snapshot} does not exist"),
            })
        }
    }

    /// The process id of anvil.
    pub fn anvil_pid(&self) -> Option<u32> {
        self.anvil.lock().ok()?.as_ref().map(|a| a.child().id())
    }

    /// The RPC endpoint.
    pub fn endpoint(&self) -> String {
        self.anvil
            .lock()
            .ok()
            .and_then(|a| a.as_ref().map(|a| a.endpoint()))
            .unwrap_or_default()
    }

    /// `Some(status)` when anvil has exited (crashed or killed): RPC errors after that are
    /// its consequence.
    pub fn anvil_exit(&self) -> Option<String> {
        let mut guard = self.anvil.lock().ok()?;
        let anvil = guard.as_mut()?;
        match anvil.child_mut().try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            _ => None,
        }
    }

    /// Turns an RPC failure into an error that says when anvil has died.
    pub fn diagnose(&self, error: HarnessError) -> HarnessError {
        match self.anvil_exit() {
            Some(status) => HarnessError::Rpc {
                action: "anvil exited".into(),
                message: format!("{status} ({error})"),
            },
            None => error,
        }
    }

    /// The chain's answer to `tx` if it ran in a block at `timestamp`: `Ok(())`, or the revert
    /// data (an `eth_call` with the block time overridden: nothing is mined).
    pub async fn call_at(
        &self,
        tx: &TransactionRequest,
        timestamp: u64,
    ) -> Result<Result<(), Bytes>, HarnessError> {
        let overrides = alloy::rpc::types::BlockOverrides {
            time: Some(timestamp),
            ..Default::default()
        };
        match self
            .provider
            .call(tx.clone())
            .with_block_overrides(overrides)
            .await
        {
            Ok(_) => Ok(Ok(())),
            Err(e) => match e.as_error_resp().and_then(|r| r.as_revert_data()) {
                Some(data) => Ok(Err(data)),
                None => Err(self.diagnose(rpc("eth_call")(e))),
            },
        }
    }

    /// Sends `tx` from `sender` in a block mined at exactly `timestamp`.
    pub async fn send_at(
        &self,
        sender: &PrivateKeySigner,
        tx: TransactionRequest,
        timestamp: u64,
    ) -> Result<client::Sent, HarnessError> {
        self.set_next_timestamp(timestamp).await?;
        client::send_signed(
            &self.provider,
            sender,
            tx,
            3_000_000,
            self.chain_id,
            Duration::from_secs(10),
            "sending a transaction",
        )
        .await
        .map_err(|e| self.diagnose(e.into()))
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        let anvil = self.anvil.get_mut().ok().and_then(|a| a.take());
        if let Some(mut anvil) = anvil {
            // AnvilInstance's own Drop waits at least 100 ms; kill and reap the child first.
            let child = anvil.child_mut();
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Spawns anvil (Prague, two funded accounts), through `tools/anvil-guard` when `setpriv` is
/// available so that anvil dies with this process even when it is killed.
fn spawn_anvil(
    root: &std::path::Path,
    anvil: &std::path::Path,
    port: Option<u16>,
) -> Result<AnvilInstance, String> {
    let guard = root.join("tools").join("anvil-guard");
    let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"]
        .into_iter()
        .any(|p| std::path::Path::new(p).is_file());
    let mut builder = if cfg!(target_os = "linux") && setpriv && guard.is_file() {
        Anvil::at(&guard).env("SESSIONKIT_ANVIL_BIN", anvil)
    } else {
        Anvil::at(anvil)
    };
    if let Some(port) = port {
        builder = builder.port(port);
    }
    builder
        .arg("--hardfork")
        .arg("prague")
        .arg("--accounts")
        .arg("2")
        .try_spawn()
        .map_err(|e| e.to_string())
}

fn rpc(action: &str) -> impl Fn(alloy::transports::TransportError) -> HarnessError + '_ {
    move |e| HarnessError::Rpc {
        action: action.to_owned(),
        message: e.to_string(),
    }
}
