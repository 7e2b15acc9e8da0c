//! A local chain for end-to-end tests: anvil (Prague) with the session account and the
//! fixtures deployed, funded EOAs upgraded with real type-4 transactions, time travel, and
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

use alloy::node_bindings::{Anvil, AnvilInstance};
use alloy::primitives::{Address, Bytes, U256};
use alloy::providers::ext::AnvilApi;
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;

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

    /// Spawns anvil and deploys the account and the fixtures.
    pub async fn try_spawn(self) -> Result<Harness, HarnessError> {
        let path = match self.anvil {
            Some(p) => p,
            None => Toolchain::from_env(&self.root).resolve(Tool::Anvil)?.path,
        };
        let started = Instant::now();
        let anvil = Anvil::at(&path)
            .arg("--hardfork")
            .arg("prague")
            .arg("--accounts")
            .arg("2")
            .try_spawn()
            .map_err(|e| HarnessError::Spawn {
                path: path.clone(),
                message: e.to_string(),
            })?;
        let ready = started.elapsed();
        let provider = ProviderBuilder::new()
            .disable_recommended_fillers()
            .connect_http(anvil.endpoint_url())
            .erased();
        let deployer = PrivateKeySigner::from(anvil.keys()[0].clone());
        let bytecode = self
            .implementation
            .unwrap_or_else(|| contracts::session_account::BYTECODE.to_vec().into());
        let implementation =
            client::deploy(&provider, &deployer, bytecode, "deploying the account").await?;
        let counter = client::deploy(
            &provider,
            &deployer,
            contracts::counter::BYTECODE.to_vec().into(),
            "deploying Counter",
        )
        .await?;
        let token = client::deploy(
            &provider,
            &deployer,
            contracts::test_token::BYTECODE.to_vec().into(),
            "deploying TestToken",
        )
        .await?;
        let receiver = client::deploy(
            &provider,
            &deployer,
            contracts::eth_receiver::BYTECODE.to_vec().into(),
            "deploying EthReceiver",
        )
        .await?;
        let reverter = client::deploy(
            &provider,
            &deployer,
            contracts::reverter::BYTECODE.to_vec().into(),
            "deploying Reverter",
        )
        .await?;
        let chain_id = anvil.chain_id();
        Ok(Harness {
            anvil: Some(anvil),
            provider,
            deployer,
            chain_id,
            implementation,
            counter,
            token,
            receiver,
            reverter,
            ready,
        })
    }
}

/// A running anvil with the session account and fixtures deployed.
#[derive(Debug)]
pub struct Harness {
    anvil: Option<AnvilInstance>,
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
    ready: Duration,
}

impl Harness {
    /// A builder with the defaults: anvil from the toolchain, the bundled account.
    pub fn builder() -> HarnessBuilder {
        HarnessBuilder {
            root: PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            anvil: None,
            implementation: None,
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
        self.anvil.as_ref().map(|a| a.child().id())
    }

    /// The RPC endpoint.
    pub fn endpoint(&self) -> String {
        self.anvil
            .as_ref()
            .map(|a| a.endpoint())
            .unwrap_or_default()
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(mut anvil) = self.anvil.take() {
            // AnvilInstance's own Drop waits at least 100 ms; kill and reap the child first.
            let child = anvil.child_mut();
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn rpc(action: &str) -> impl Fn(alloy::transports::TransportError) -> HarnessError + '_ {
    move |e| HarnessError::Rpc {
        action: action.to_owned(),
        message: e.to_string(),
    }
}
