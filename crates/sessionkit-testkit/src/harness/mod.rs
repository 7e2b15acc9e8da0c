//! A local chain for end-to-end tests: anvil (Prague) with the session account, the fixtures,
//! EntryPoint v0.8 (at its canonical address), the factory and a paymaster deployed; funded
//! EOAs upgraded with real type-4 transactions; your own contracts deployed from Foundry
//! artifacts or alloy bindings; time travel and snapshots.
//!
//! ```no_run
//! # async fn demo() -> Result<(), sessionkit_testkit::harness::HarnessError> {
//! use alloy::dyn_abi::DynSolValue;
//! use sessionkit_testkit::harness::Harness;
//!
//! let h = Harness::builder().try_spawn().await?;
//! let (owner, eoa) = h.smart_eoa().await?; // funded, delegated to the session account
//! let vault = h
//!     .deploy_artifact("out/Vault.sol/Vault.json", &[DynSolValue::Address(h.token)])
//!     .await?;
//! h.warp_by(3600).await?;
//! # Ok(()) }
//! ```
//!
//! The harness owns its anvil process: dropping the harness (also while a test panics) kills
//! it, and on Linux anvil also dies with the test process however it ends (see
//! [`process`](crate::process)). Setup transactions are signed by anvil itself (its unlocked
//! development accounts), so a harness starts as fast in a debug build as in a release build.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use alloy::dyn_abi::{DynSolValue, FunctionExt, JsonAbiExt};
use alloy::json_abi::JsonAbi;
use alloy::network::TransactionBuilder;
use alloy::primitives::{address, b256, Address, Bytes, B256, U256};
use alloy::providers::ext::AnvilApi;
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::rpc::types::TransactionRequest;
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::{SolCall, SolConstructor};

mod session;

pub use session::{Actor, ChainRefusal, Mismatch, Outcome, Route, SessionProbe};

use crate::fixtures;
use crate::toolchain::{Tool, Toolchain, ToolchainError};
use sessionkit::client::{self, SmartEoa};
use sessionkit::contracts::{session_account, session_account_factory, SessionAccountFactory};
use sessionkit::userop::ENTRY_POINT;

/// anvil's first development account (default mnemonic, index 0): funded and unlocked, it
/// deploys the harness's contracts. Its key is public knowledge: never use it on a real chain.
pub const DEV_ACCOUNT: Address = address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
/// The private key of [`DEV_ACCOUNT`].
pub const DEV_KEY: B256 =
    b256!("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");

/// The deterministic deployment proxy (on anvil from the start) that puts EntryPoint v0.8 at
/// its canonical address.
pub const DEPLOYER: Address = address!("0x4e59b44847b379578588920ca78fbf26c0b4956c");
/// The salt of EntryPoint v0.8's canonical deployment.
pub const ENTRY_POINT_SALT: B256 =
    b256!("0x0a59dbff790c23c976a548690c27297883cc66b4c67024f9117b0238995e35e9");

/// How long anvil may take to print that it listens.
const READY_TIMEOUT: Duration = Duration::from_secs(20);
/// How long setup transactions may take to be mined.
const SETUP_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the harness could not start or act.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// anvil (or the EntryPoint's artifact) could not be found.
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
    /// anvil exited while the harness used it.
    #[error("anvil died ({status}) while {action}: it was killed or crashed; rerun, and check memory and ports")]
    AnvilDied {
        /// Its exit status.
        status: String,
        /// What the harness was doing.
        action: String,
    },
    /// An operation on the chain failed.
    #[error(transparent)]
    Chain(#[from] sessionkit::Error),
    /// A contract could not be deployed from its artifact or bytecode.
    #[error("{what}: {message}")]
    Deploy {
        /// The artifact's path or the contract.
        what: String,
        /// What went wrong and what to do.
        message: String,
    },
    /// The chain and the simulator (or an expectation) disagree.
    #[error("{0}")]
    Mismatch(String),
    /// An anvil RPC failed.
    #[error("anvil: {action}: {source}")]
    Rpc {
        /// What was being done.
        action: String,
        /// The transport's error.
        #[source]
        source: alloy::transports::TransportError,
    },
    /// A request to anvil was refused for a reason of the harness's own.
    #[error("anvil: {action}: {message}")]
    Refused {
        /// What was being done.
        action: String,
        /// Why.
        message: String,
    },
}

/// A constructor argument of a [`Factory`].
#[derive(Debug, Clone, PartialEq)]
pub enum FactoryArg {
    /// The address of the deployed account implementation.
    Implementation,
    /// A fixed value.
    Value(DynSolValue),
}

/// A factory of standalone accounts for an account implementation other than the bundled one
/// (whose own factory the harness deploys): its creation code, constructor arguments, and the
/// function that creates an account for an owner and a salt (`createAccount(address owner,
/// bytes32 salt) returns (address)`: each `address` input gets the owner, each `bytes32` or
/// `uint` input the salt, and the function returns the account).
#[derive(Debug, Clone)]
pub struct Factory {
    bytecode: Bytes,
    constructor: Option<alloy::json_abi::Constructor>,
    args: Vec<FactoryArg>,
    create: alloy::json_abi::Function,
}

impl Factory {
    /// A factory of `bytecode` built with `args` for `constructor`, creating accounts with
    /// `create`. Fails when the arguments do not match the constructor, or `create` takes
    /// something other than the owner and a salt or does not return the account's address.
    pub fn new(
        bytecode: impl Into<Bytes>,
        constructor: Option<alloy::json_abi::Constructor>,
        args: Vec<FactoryArg>,
        create: alloy::json_abi::Function,
    ) -> Result<Self, String> {
        let takes = constructor.as_ref().map_or(0, |c| c.inputs.len());
        if takes != args.len() {
            return Err(format!(
                "the factory's constructor takes {takes} argument(s), {} given",
                args.len()
            ));
        }
        let mut owner = false;
        for p in &create.inputs {
            match p.ty.as_str() {
                "address" => owner = true,
                "bytes32" => {}
                t if t.starts_with("uint") => {}
                other => {
                    return Err(format!(
                        "{}: the parameter {} ({other}) is neither the owner (address) nor a salt (bytes32 or uint)",
                        create.signature(),
                        p.name
                    ))
                }
            }
        }
        if !owner {
            return Err(format!(
                "{} takes no owner (an address parameter)",
                create.signature()
            ));
        }
        if create.outputs.first().is_none_or(|o| o.ty != "address") {
            return Err(format!(
                "{} does not return the account's address",
                create.signature()
            ));
        }
        Ok(Factory {
            bytecode: bytecode.into(),
            constructor,
            args,
            create,
        })
    }

    /// The function that creates accounts.
    pub fn create_function(&self) -> &alloy::json_abi::Function {
        &self.create
    }

    fn create_call(&self, owner: Address, salt: B256) -> Result<Vec<u8>, String> {
        let args: Vec<DynSolValue> = self
            .create
            .inputs
            .iter()
            .map(|p| match p.ty.as_str() {
                "address" => DynSolValue::Address(owner),
                "bytes32" => DynSolValue::FixedBytes(salt, 32),
                t => DynSolValue::Uint(
                    U256::from_be_bytes(salt.0),
                    t.trim_start_matches("uint").parse().unwrap_or(256),
                ),
            })
            .collect();
        self.create
            .abi_encode_input(&args)
            .map_err(|e| format!("{}: {e}", self.create.signature()))
    }
}

/// Configures a [`Harness`].
#[derive(Debug, Clone)]
#[must_use]
pub struct HarnessBuilder {
    toolchain: Option<Toolchain>,
    anvil: Option<PathBuf>,
    implementation: Option<Bytes>,
    factory: Option<Factory>,
    port: Option<u16>,
}

impl HarnessBuilder {
    /// Uses the anvil at `path` instead of resolving it.
    pub fn anvil(mut self, path: impl Into<PathBuf>) -> Self {
        self.anvil = Some(path.into());
        self
    }

    /// Resolves anvil and the EntryPoint with `toolchain` (default: [`Toolchain::from_env`]).
    pub fn toolchain(mut self, toolchain: Toolchain) -> Self {
        self.toolchain = Some(toolchain);
        self
    }

    /// Deploys this creation bytecode as the account implementation instead of the bundled
    /// session account.
    pub fn implementation(mut self, bytecode: impl Into<Bytes>) -> Self {
        self.implementation = Some(bytecode.into());
        self
    }

    /// Deploys `factory` for the implementation given with
    /// [`implementation`](Self::implementation) (the bundled account has its own factory):
    /// [`Harness::factory_account`] then deploys standalone accounts with it.
    pub fn factory(mut self, factory: Factory) -> Self {
        self.factory = Some(factory);
        self
    }

    /// Listens on `port` instead of a free port the system picks.
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Spawns anvil and deploys the account and the fixtures.
    pub async fn try_spawn(self) -> Result<Harness, HarnessError> {
        let toolchain = self.toolchain.unwrap_or_else(Toolchain::from_env);
        let path = match self.anvil {
            Some(p) => p,
            None => toolchain.resolve(Tool::Anvil)?.path,
        };
        if !path.is_file() {
            return Err(HarnessError::Spawn {
                path,
                message: "no such file: set SESSIONKIT_ANVIL to an anvil binary, or unset it"
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
        let entry_point = toolchain.entry_point_artifact()?;
        let started = Instant::now();
        let (child, port) = spawn_anvil(&path, self.port)?;
        let ready = started.elapsed();
        let endpoint = format!("http://127.0.0.1:{port}");
        let url = endpoint.parse().map_err(|e| HarnessError::Spawn {
            path: path.clone(),
            message: format!("bad endpoint {endpoint}: {e}"),
        })?;
        let provider = ProviderBuilder::new()
            .disable_recommended_fillers()
            .connect_http(url)
            .erased();
        let mut h = Harness {
            anvil: Mutex::new(Some(child)),
            provider,
            endpoint,
            deployer: OnceLock::new(),
            chain_id: 0,
            implementation: Address::ZERO,
            counter: Address::ZERO,
            token: Address::ZERO,
            receiver: Address::ZERO,
            reverter: Address::ZERO,
            factory: None,
            factory_create: None,
            paymaster: Address::ZERO,
            ready,
        };
        h.chain_id = h
            .provider
            .get_chain_id()
            .await
            .map_err(|e| h.rpc_failed("reading the chain id", e))?;
        let bundled = self
            .implementation
            .as_ref()
            .is_none_or(|code| code.as_ref() == session_account::bytecode());
        let implementation = self
            .implementation
            .unwrap_or_else(|| session_account::bytecode().to_vec().into());
        // Sent back to back (anvil mines each at once), then the receipts.
        let mut pending = Vec::new();
        for code in [
            implementation,
            fixtures::counter().bytecode.clone(),
            fixtures::test_token().bytecode.clone(),
            fixtures::eth_receiver().bytecode.clone(),
            fixtures::reverter().bytecode.clone(),
            fixtures::test_paymaster().bytecode.clone(),
        ] {
            pending.push(
                h.send_dev(
                    TransactionRequest::default().with_deploy_code(code),
                    "deploying the harness's contracts",
                )
                .await?,
            );
        }
        let mut addresses = Vec::new();
        for hash in pending {
            addresses.push(
                h.deployed_at(hash, "deploying the harness's contracts")
                    .await?,
            );
        }
        h.implementation = addresses[0];
        h.counter = addresses[1];
        h.token = addresses[2];
        h.receiver = addresses[3];
        h.reverter = addresses[4];
        h.paymaster = addresses[5];
        h.deploy_entry_point(&entry_point).await?;
        // The factory clones the bundled account only: its owner convention is the bundled
        // account's.
        if bundled {
            let mut code = session_account_factory::bytecode().to_vec();
            code.extend_from_slice(&h.implementation.into_word().0);
            h.factory = Some(h.deploy(code, Bytes::new()).await?);
        } else if let Some(factory) = self.factory {
            let args: Vec<DynSolValue> = factory
                .args
                .iter()
                .map(|a| match a {
                    FactoryArg::Implementation => DynSolValue::Address(h.implementation),
                    FactoryArg::Value(v) => v.clone(),
                })
                .collect();
            let encoded = match &factory.constructor {
                Some(c) => c
                    .abi_encode_input(&args)
                    .map_err(|e| HarnessError::Deploy {
                        what: "the factory".into(),
                        message: format!("the constructor arguments do not fit ({e})"),
                    })?,
                None => Vec::new(),
            };
            h.factory = Some(h.deploy(factory.bytecode.clone(), encoded).await?);
            h.factory_create = Some(factory);
        }
        let deposit = TransactionRequest::default()
            .with_to(h.paymaster)
            .with_value(U256::from(10u64).pow(U256::from(20)))
            .with_input(fixtures::TestPaymaster::depositCall {}.abi_encode());
        let hash = h.send_dev(deposit, "funding the paymaster").await?;
        h.mined(hash, "funding the paymaster").await?;
        Ok(h)
    }
}

/// A running anvil with the session account and fixtures deployed.
#[derive(Debug)]
pub struct Harness {
    anvil: Mutex<Option<Child>>,
    provider: DynProvider,
    endpoint: String,
    deployer: OnceLock<PrivateKeySigner>,
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
    /// The factory of standalone accounts (the bundled account's, or the one given).
    factory: Option<Address>,
    /// The given factory, when it is not the bundled account's.
    factory_create: Option<Factory>,
    /// A paymaster that sponsors every user operation (funded with an EntryPoint deposit).
    pub paymaster: Address,
    ready: Duration,
}

impl Harness {
    /// A builder with the defaults: anvil and the EntryPoint from the toolchain, the bundled
    /// account.
    pub fn builder() -> HarnessBuilder {
        HarnessBuilder {
            toolchain: None,
            anvil: None,
            implementation: None,
            factory: None,
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

    /// How long anvil took to listen, from the spawn.
    pub fn ready_time(&self) -> Duration {
        self.ready
    }

    /// The funded deployer account (anvil's first development key, [`DEV_KEY`]).
    pub fn deployer(&self) -> &PrivateKeySigner {
        self.deployer
            .get_or_init(|| PrivateKeySigner::from_bytes(&DEV_KEY).expect("a valid key"))
    }

    /// A fresh EOA with 100 ether.
    pub async fn funded_eoa(&self) -> Result<PrivateKeySigner, HarnessError> {
        let key = PrivateKeySigner::random();
        self.fund(key.address()).await?;
        Ok(key)
    }

    /// An EOA of the fixed key `key` with 100 ether: its address is the same in every run.
    pub async fn funded_key(&self, key: B256) -> Result<PrivateKeySigner, HarnessError> {
        let key = PrivateKeySigner::from_bytes(&key).map_err(|e| HarnessError::Refused {
            action: "making a key".into(),
            message: format!("{key} is not a private key: {e}"),
        })?;
        self.fund(key.address()).await?;
        Ok(key)
    }

    async fn fund(&self, address: Address) -> Result<(), HarnessError> {
        self.set_balance(
            address,
            U256::from(100u64) * U256::from(10u64).pow(U256::from(18)),
        )
        .await
    }

    /// Sets `address`'s balance.
    pub async fn set_balance(&self, address: Address, balance: U256) -> Result<(), HarnessError> {
        self.provider
            .anvil_set_balance(address, balance)
            .await
            .map_err(|e| self.rpc_failed("setting a balance", e))
    }

    /// A client for `owner`'s EOA (not upgraded).
    pub async fn client(
        &self,
        owner: &PrivateKeySigner,
    ) -> Result<SmartEoa<DynProvider>, HarnessError> {
        self.client_for(owner.address()).await
    }

    /// The factory of standalone accounts, or why there is none.
    pub fn factory(&self) -> Result<Address, String> {
        self.factory.ok_or_else(|| {
            "there is no factory: name the account's factory in sessionkit.toml ([factory]) to run the factory-account route"
                .to_owned()
        })
    }

    /// Where the factory deploys `owner`'s account with `salt`.
    pub async fn predict_factory_account(
        &self,
        owner: Address,
        salt: B256,
    ) -> Result<Address, String> {
        let factory = self.factory()?;
        if let Some(given) = &self.factory_create {
            // The create function returns the account: ask it without sending.
            let tx = TransactionRequest::default()
                .with_from(DEV_ACCOUNT)
                .with_to(factory)
                .with_input(given.create_call(owner, salt)?);
            let out = self
                .provider
                .call(tx)
                .await
                .map_err(|e| format!("factory.{}: {e}", given.create.name))?;
            let values = given
                .create
                .abi_decode_output(&out)
                .map_err(|e| format!("factory.{}: {e}", given.create.name))?;
            return match values.first() {
                Some(DynSolValue::Address(a)) => Ok(*a),
                _ => Err(format!(
                    "factory.{} did not return an address",
                    given.create.name
                )),
            };
        }
        let tx = TransactionRequest::default()
            .with_to(factory)
            .with_input(SessionAccountFactory::getAddressCall { owner, salt }.abi_encode());
        let out = self
            .provider
            .call(tx)
            .await
            .map_err(|e| format!("factory.getAddress: {e}"))?;
        SessionAccountFactory::getAddressCall::abi_decode_returns(&out)
            .map_err(|e| format!("factory.getAddress: {e}"))
    }

    /// A standalone account of `owner` deployed by the factory with `salt`, or why there is
    /// none (the factory is part of the bundled account; a foreign artifact has none).
    pub async fn factory_account(
        &self,
        owner: &PrivateKeySigner,
        salt: B256,
    ) -> Result<Address, String> {
        let factory = self.factory()?;
        let account = self.predict_factory_account(owner.address(), salt).await?;
        let data = match &self.factory_create {
            Some(given) => given.create_call(owner.address(), salt)?,
            None => SessionAccountFactory::createAccountCall {
                owner: owner.address(),
                salt,
            }
            .abi_encode(),
        };
        let tx = TransactionRequest::default()
            .with_to(factory)
            .with_input(data);
        let hash = self
            .send_dev(tx, "deploying a factory account")
            .await
            .map_err(|e| e.to_string())?;
        self.mined(hash, "deploying a factory account")
            .await
            .map_err(|e| e.to_string())?;
        let code = self
            .provider
            .get_code_at(account)
            .await
            .map_err(|e| format!("reading the factory account's code: {e}"))?;
        if code.is_empty() {
            return Err(format!(
                "the factory said it deploys the account at {account}, but there is no code there"
            ));
        }
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
        eoa.upgrade(&owner).await?;
        Ok((owner, eoa))
    }

    /// Deploys `creation` code followed by `constructor_args` (ABI-encoded) from the
    /// development account; returns the new contract's address.
    pub async fn deploy(
        &self,
        creation: impl Into<Bytes>,
        constructor_args: impl Into<Bytes>,
    ) -> Result<Address, HarnessError> {
        let mut code = creation.into().to_vec();
        code.extend_from_slice(&constructor_args.into());
        let hash = self
            .send_dev(
                TransactionRequest::default().with_deploy_code(code),
                "deploying a contract",
            )
            .await?;
        self.deployed_at(hash, "deploying a contract").await
    }

    /// Deploys a contract of alloy bindings that carry its bytecode (`sol!` with an artifact,
    /// or sessionkit's generator over one): `h.deploy_with(&Vault::BYTECODE,
    /// &Vault::constructorCall { token })`.
    pub async fn deploy_with<C: SolConstructor>(
        &self,
        bytecode: &[u8],
        constructor: &C,
    ) -> Result<Address, HarnessError> {
        self.deploy(bytecode.to_vec(), constructor.abi_encode())
            .await
    }

    /// Deploys the contract of a Foundry (or Hardhat) artifact at `path` (`abi` and
    /// `bytecode`), encoding `args` for its constructor. Errors name the file and what is wrong
    /// (no bytecode, unlinked libraries, arguments that do not fit the constructor).
    pub async fn deploy_artifact(
        &self,
        path: impl AsRef<Path>,
        args: &[DynSolValue],
    ) -> Result<Address, HarnessError> {
        let path = path.as_ref();
        let what = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| HarnessError::Deploy {
            what: what.clone(),
            message: format!("cannot read the artifact: {e}"),
        })?;
        let artifact =
            fixtures::Artifact::parse(&what, &text).map_err(|message| HarnessError::Deploy {
                what: what.clone(),
                message,
            })?;
        let encoded =
            encode_constructor(&artifact.abi, args).map_err(|message| HarnessError::Deploy {
                what: what.clone(),
                message,
            })?;
        self.deploy(artifact.bytecode, encoded).await
    }

    /// The latest block's timestamp.
    pub async fn timestamp(&self) -> Result<u64, HarnessError> {
        client::latest_timestamp(&self.provider)
            .await
            .map_err(|e| self.chain_failed("reading the latest block", e))
    }

    /// Mines a block at exactly `timestamp` (later than the latest block).
    pub async fn warp_to(&self, timestamp: u64) -> Result<(), HarnessError> {
        self.provider
            .evm_mine(Some(alloy::rpc::types::anvil::MineOptions::Timestamp(
                Some(timestamp),
            )))
            .await
            .map_err(|e| self.rpc_failed("mining at a timestamp", e))?;
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
            .map_err(|e| self.rpc_failed("setting the next timestamp", e))
    }

    /// Mines `blocks` blocks.
    pub async fn mine(&self, blocks: u64) -> Result<(), HarnessError> {
        self.provider
            .anvil_mine(Some(blocks), None)
            .await
            .map_err(|e| self.rpc_failed("mining", e))
    }

    /// Takes a snapshot of the chain; [`revert`](Self::revert) returns to it.
    pub async fn snapshot(&self) -> Result<U256, HarnessError> {
        self.provider
            .anvil_snapshot()
            .await
            .map_err(|e| self.rpc_failed("taking a snapshot", e))
    }

    /// Returns the chain to `snapshot` (each snapshot can be reverted to once).
    pub async fn revert(&self, snapshot: U256) -> Result<(), HarnessError> {
        let ok = self
            .provider
            .anvil_revert(snapshot)
            .await
            .map_err(|e| self.rpc_failed("reverting", e))?;
        if ok {
            Ok(())
        } else {
            Err(HarnessError::Refused {
                action: "reverting".into(),
                message: format!("snapshot {snapshot} does not exist"),
            })
        }
    }

    /// The process id of anvil.
    pub fn anvil_pid(&self) -> Option<u32> {
        self.anvil.lock().ok()?.as_ref().map(Child::id)
    }

    /// The RPC endpoint (`http://127.0.0.1:PORT`).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// `Some(status)` when anvil has exited (crashed or killed): RPC errors after that are
    /// its consequence.
    pub fn anvil_exit(&self) -> Option<String> {
        let mut guard = self.anvil.lock().ok()?;
        let child = guard.as_mut()?;
        match child.try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            _ => None,
        }
    }

    /// Turns an error into [`HarnessError::AnvilDied`] when anvil has exited: RPC errors are
    /// then its consequence, and "error sending request" would hide the cause.
    pub fn diagnose(&self, error: HarnessError) -> HarnessError {
        match (self.anvil_exit(), &error) {
            (_, HarnessError::AnvilDied { .. }) => error,
            (Some(status), _) => HarnessError::AnvilDied {
                status,
                action: error.to_string(),
            },
            (None, _) => error,
        }
    }

    /// An RPC failure of `action`, or anvil's death if that is what it was.
    pub fn rpc_failed(
        &self,
        action: &str,
        source: alloy::transports::TransportError,
    ) -> HarnessError {
        self.diagnose(HarnessError::Rpc {
            action: action.to_owned(),
            source,
        })
    }

    fn chain_failed(&self, _action: &str, error: sessionkit::Error) -> HarnessError {
        self.diagnose(HarnessError::Chain(error))
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
                None => Err(self.rpc_failed("eth_call", e)),
            },
        }
    }

    /// What `tx` returns if it ran in a block at `timestamp`: `Ok(output)`, or the revert data
    /// (an `eth_call`: nothing is mined). For reading views.
    pub async fn call_output_at(
        &self,
        tx: &TransactionRequest,
        timestamp: u64,
    ) -> Result<Result<Bytes, Bytes>, HarnessError> {
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
            Ok(out) => Ok(Ok(out)),
            Err(e) => match e.as_error_resp().and_then(|r| r.as_revert_data()) {
                Some(data) => Ok(Err(data)),
                None => Err(self.rpc_failed("eth_call", e)),
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
            SETUP_TIMEOUT,
            "sending a transaction",
        )
        .await
        .map_err(|e| self.diagnose(e.into()))
    }

    /// Sends `tx` from the development account, signed by anvil (no key in this process).
    async fn send_dev(&self, tx: TransactionRequest, action: &str) -> Result<B256, HarnessError> {
        let tx = tx.with_from(DEV_ACCOUNT).with_gas_limit(10_000_000);
        let pending = self
            .provider
            .send_transaction(tx)
            .await
            .map_err(|e| self.rpc_failed(action, e))?;
        Ok(*pending.tx_hash())
    }

    /// The receipt of `hash`, which must have succeeded.
    async fn mined(
        &self,
        hash: B256,
        action: &str,
    ) -> Result<alloy::rpc::types::TransactionReceipt, HarnessError> {
        let receipt = client::wait_receipt(&self.provider, hash, SETUP_TIMEOUT, action)
            .await
            .map_err(|e| self.diagnose(e.into()))?;
        if !receipt.status() {
            return Err(HarnessError::Refused {
                action: action.to_owned(),
                message: format!("transaction {hash} reverted"),
            });
        }
        Ok(receipt)
    }

    async fn deployed_at(&self, hash: B256, action: &str) -> Result<Address, HarnessError> {
        let receipt = self.mined(hash, action).await?;
        receipt
            .contract_address
            .ok_or_else(|| HarnessError::Refused {
                action: action.to_owned(),
                message: format!("transaction {hash} deployed nothing"),
            })
    }

    /// Deploys EntryPoint v0.8 from its published artifact at its canonical address through
    /// the deterministic deployment proxy, unless it is there already.
    async fn deploy_entry_point(&self, artifact: &Path) -> Result<(), HarnessError> {
        let action = "deploying EntryPoint v0.8";
        let code = self
            .provider
            .get_code_at(ENTRY_POINT)
            .await
            .map_err(|e| self.rpc_failed(action, e))?;
        if !code.is_empty() {
            return Ok(());
        }
        let init_code =
            fixtures::entry_point_init_code(artifact).map_err(|message| HarnessError::Deploy {
                what: artifact.display().to_string(),
                message,
            })?;
        let mut data = ENTRY_POINT_SALT.to_vec();
        data.extend_from_slice(&init_code);
        let tx = TransactionRequest::default()
            .with_to(DEPLOYER)
            .with_input(data);
        let hash = self.send_dev(tx, action).await?;
        self.mined(hash, action).await?;
        let code = self
            .provider
            .get_code_at(ENTRY_POINT)
            .await
            .map_err(|e| self.rpc_failed(action, e))?;
        if code.is_empty() {
            return Err(HarnessError::Deploy {
                what: artifact.display().to_string(),
                message: format!("nothing was deployed at {ENTRY_POINT}: this is not EntryPoint v0.8's published build, or the deterministic deployer {DEPLOYER} is missing"),
            });
        }
        Ok(())
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(mut child) = self.anvil.get_mut().ok().and_then(Option::take) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The constructor arguments `args` encoded for `abi`'s constructor.
fn encode_constructor(abi: &JsonAbi, args: &[DynSolValue]) -> Result<Vec<u8>, String> {
    match &abi.constructor {
        None if args.is_empty() => Ok(Vec::new()),
        None => Err(format!(
            "the contract has no constructor, but {} argument(s) were given",
            args.len()
        )),
        Some(c) => {
            if c.inputs.len() != args.len() {
                let types: Vec<String> = c.inputs.iter().map(|p| p.ty.clone()).collect();
                return Err(format!(
                    "the constructor takes {} argument(s) ({}), {} given",
                    c.inputs.len(),
                    types.join(", "),
                    args.len()
                ));
            }
            c.abi_encode_input(args)
                .map_err(|e| format!("the constructor arguments do not fit ({e})"))
        }
    }
}

/// Spawns anvil (Prague, two funded accounts) so that it dies with this process, and waits
/// until it listens; returns the child and its port.
fn spawn_anvil(anvil: &Path, port: Option<u16>) -> Result<(Child, u16), HarnessError> {
    let spawn_error = |message: String| HarnessError::Spawn {
        path: anvil.to_owned(),
        message,
    };
    let mut command = Command::new(anvil);
    command
        .args(["--hardfork", "prague", "--accounts", "2", "--port"])
        .arg(port.unwrap_or(0).to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        // An inherited stderr would keep a caller's pipe open as long as anvil lives.
        .stderr(Stdio::null());
    let mut child =
        crate::process::spawn_guarded(command).map_err(|e| spawn_error(e.to_string()))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| spawn_error("no stdout".into()))?;
    // Read on a thread of its own: the wait has a deadline, and anvil's later output is
    // drained there until it exits.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = std::io::BufReader::new(stdout);
        let mut line = String::new();
        let mut tx = Some(tx);
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    if let Some(addr) = line.trim().strip_prefix("Listening on") {
                        if let Some(tx) = tx.take() {
                            let _ = tx.send(addr.trim().to_owned());
                        }
                    }
                }
            }
        }
    });
    match rx.recv_timeout(READY_TIMEOUT) {
        Ok(addr) => {
            let port = addr
                .rsplit(':')
                .next()
                .and_then(|p| p.parse::<u16>().ok())
                .ok_or_else(|| spawn_error(format!("cannot read the port from {addr:?}")))?;
            Ok((child, port))
        }
        Err(_) => {
            let status = child.try_wait().ok().flatten();
            let _ = child.kill();
            let _ = child.wait();
            Err(spawn_error(match status {
                Some(status) => {
                    format!("it exited ({status}) before listening: run it by hand to see why")
                }
                None => format!("it did not listen within {} s", READY_TIMEOUT.as_secs()),
            }))
        }
    }
}
