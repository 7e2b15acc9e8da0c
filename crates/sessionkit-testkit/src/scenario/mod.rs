//! A contract author's own scenarios: their protocol's contracts deployed from Foundry
//! artifacts, a session written with function names and parameter names, and steps with the
//! exact outcome each must have. Read from TOML files (`sessions/*.toml` of a Foundry project,
//! the format is `docs/scenarios.md`) or built in Rust; played by the conformance runner
//! ([`conformance::run`](crate::conformance::run)) next to the built-in suite, with the same
//! routes, snapshot isolation, simulator cross-check, table and JUnit.
//!
//! A file is read in two stages, both before anything runs: the TOML is parsed with the span of
//! every value kept, then resolved against the project's artifacts (a [`Catalog`]) and the
//! account's ABI: contract and function names, parameter names (named exactly as the generator
//! names them, [`sessionkit::params`]), actors, argument types and error names. Every mistake
//! is a [`ScenarioError`] naming the file, line and column.
//!
//! ```
//! use sessionkit_testkit::scenario::{Catalog, Context, ScenarioFile};
//!
//! let text = r#"
//! [session]
//! expires_in = "1h"
//! [[session.transfer]]
//! target = "bob"
//! max_value_per_use = "0.01 ether"
//!
//! [[scenario]]
//! name = "a small payment to bob"
//! steps = [
//!   { call = "bob", value = "0.01 ether", expect = "allowed" },
//!   { call = "bob", value = "0.02 ether", expect = "MaxValueExceeded" },
//!   { call = "carol", value = "1 wei", expect = "TransferPolicyViolated" },
//! ]
//! "#;
//! let catalog = Catalog::new();
//! let account = sessionkit_testkit::conformance::Artifact::bundled().abi;
//! let file = ScenarioFile::parse("sessions/pay.toml", text, &Context::new(&catalog, &account))?;
//! assert_eq!(file.scenarios[0].name, "a small payment to bob");
//! assert_eq!(file.scenarios[0].steps.len(), 3);
//! assert_eq!(file.scenarios[0].steps[2].at.to_string(), "sessions/pay.toml:13:3");
//! # Ok::<(), sessionkit_testkit::scenario::ScenarioError>(())
//! ```

mod explain;
mod parse;
pub(crate) mod reader;
mod run;
pub(crate) mod values;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use alloy::dyn_abi::{DynSolType, DynSolValue, JsonAbiExt, Specifier};
use alloy::json_abi::{Function, JsonAbi};
use alloy::primitives::{Address, Bytes, B256, U256};
use sessionkit::params::ParamWord;
use sessionkit::policy::{CallPolicy, Condition, Constraint, Limit, SessionSpec, TransferPolicy};
use sessionkit::Call;

pub use crate::actors::Actor;
use crate::conformance::Deployment;
use crate::harness::Route;
pub use values::Input;

pub(crate) use explain::Explainer;
pub(crate) use run::{play, Accounts, PlayError};

/// Where something is written: file, line and column (both from 1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    /// The file as it was named (relative to the project when read from one).
    pub file: Arc<str>,
    /// The line.
    pub line: usize,
    /// The column, in characters.
    pub column: usize,
}

impl Location {
    /// A location for something built in code (`file` names it, line and column 0).
    pub fn code(what: &str) -> Self {
        Location {
            file: what.into(),
            line: 0,
            column: 0,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.file)
        } else {
            write!(f, "{}:{}:{}", self.file, self.line, self.column)
        }
    }
}

/// A mistake in a scenario file: where, and what was expected there. Its `Display` is one
/// line: `sessions/vault.toml:12:9: …`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct ScenarioError {
    /// Where.
    pub location: Location,
    /// What is wrong and what was expected.
    pub message: String,
}

// ---- the project's contracts ---------------------------------------------------------------

/// A compiled contract of the project: what a scenario deploys and calls by name.
#[derive(Debug, Clone)]
pub struct ContractArtifact {
    /// The contract's name (`Vault`).
    pub name: String,
    /// Its source file as the compiler named it (`src/Vault.sol`), when known.
    pub source: Option<String>,
    /// The artifact file.
    pub path: PathBuf,
    /// Its ABI.
    pub abi: JsonAbi,
    /// Its creation bytecode (empty for interfaces and abstract contracts).
    pub bytecode: Bytes,
}

impl ContractArtifact {
    /// Reads a Foundry (or Hardhat) artifact: `abi`, `bytecode` (`{"object": …}` or a string)
    /// and, when there, `metadata.settings.compilationTarget` (or Hardhat's `sourceName` and
    /// `contractName`) for the source and name. `name` is the file's stem unless the artifact
    /// names the contract.
    pub fn from_file(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        Self::parse(path, &text)
    }

    /// Parses an artifact's JSON text (see [`from_file`](Self::from_file)).
    pub fn parse(path: &Path, text: &str) -> Result<Self, String> {
        let p = path.display();
        let json: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("{p}: not JSON: {e}"))?;
        let abi = json
            .get("abi")
            .ok_or_else(|| format!("{p}: no \"abi\": not a Foundry artifact"))?;
        let abi: JsonAbi = serde_json::from_value(abi.clone())
            .map_err(|e| format!("{p}: \"abi\" is not a contract ABI: {e}"))?;
        let hex = match json.get("bytecode") {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(v) => v
                .get("object")
                .and_then(|o| o.as_str())
                .map(str::to_owned)
                .unwrap_or_default(),
            None => String::new(),
        };
        let hex = hex.trim_start_matches("0x");
        let bytecode: Bytes = if hex.contains("__$") {
            // Unlinked libraries: not deployable as is; kept empty and said so when deployed.
            Bytes::new()
        } else {
            alloy::hex::decode(hex)
                .map_err(|e| format!("{p}: bytecode.object is not hex: {e}"))?
                .into()
        };
        let target = json
            .pointer("/metadata/settings/compilationTarget")
            .and_then(|t| t.as_object())
            .and_then(|t| t.iter().next())
            .and_then(|(source, name)| Some((source.clone(), name.as_str()?.to_owned())))
            .or_else(|| {
                // Hardhat's form (and sessionkit's committed artifacts).
                let name = json.get("contractName")?.as_str()?.to_owned();
                let source = json.get("sourceName")?.as_str()?.to_owned();
                Some((source, name))
            });
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .map(|s| s.split('.').next().unwrap_or(s).to_owned())
            .unwrap_or_default();
        let (source, name) = match target {
            Some((source, name)) => (Some(source), name),
            None => (None, stem),
        };
        Ok(ContractArtifact {
            name,
            source,
            path: path.to_owned(),
            abi,
            bytecode,
        })
    }

    /// `Vault (src/Vault.sol)`.
    pub fn label(&self) -> String {
        match &self.source {
            Some(s) => format!("{} ({s})", self.name),
            None => self.name.clone(),
        }
    }
}

/// The contracts a scenario may deploy, by name: a Foundry project's `out/`, or artifacts
/// added in code.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    contracts: Vec<Arc<ContractArtifact>>,
}

impl Catalog {
    /// An empty catalog.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a contract.
    pub fn insert(&mut self, artifact: ContractArtifact) {
        self.contracts.push(Arc::new(artifact));
    }

    /// Reads every artifact of a Foundry output directory (`out/<File>.sol/<Contract>.json`;
    /// `build-info` is skipped), sorted by source and name.
    pub fn read_out_dir(out: &Path) -> Result<Self, String> {
        let entries = std::fs::read_dir(out).map_err(|e| {
            format!(
                "{}: cannot read the build output: {e} (did the build run?)",
                out.display()
            )
        })?;
        let mut catalog = Catalog::new();
        let mut dirs: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        dirs.sort();
        for dir in dirs {
            if !dir.is_dir() || dir.file_name().is_some_and(|n| n == "build-info") {
                continue;
            }
            let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
                .map_err(|e| format!("{}: {e}", dir.display()))?
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect();
            files.sort();
            for file in files {
                catalog.insert(ContractArtifact::from_file(&file)?);
            }
        }
        Ok(catalog)
    }

    /// Every contract.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<ContractArtifact>> {
        self.contracts.iter()
    }

    /// The contract named `name`: `Vault`, or `Vault.sol:Vault` / `src/Vault.sol:Vault` when
    /// two contracts share a name. The error lists what there is.
    pub fn find(&self, name: &str) -> Result<Arc<ContractArtifact>, String> {
        let (file, contract) = match name.rsplit_once(':') {
            Some((file, contract)) => (Some(file), contract),
            None => (None, name),
        };
        let matches: Vec<&Arc<ContractArtifact>> = self
            .contracts
            .iter()
            .filter(|c| c.name == contract)
            .filter(|c| match (file, &c.source) {
                (None, _) => true,
                (Some(f), Some(source)) => {
                    source == f
                        || source.ends_with(&format!("/{f}"))
                        || f.ends_with(source.as_str())
                }
                (Some(f), None) => c.path.to_string_lossy().contains(f),
            })
            .collect();
        match matches.as_slice() {
            [one] => Ok(Arc::clone(one)),
            [] => {
                let mut names: Vec<&str> = self.contracts.iter().map(|c| c.name.as_str()).collect();
                names.sort();
                names.dedup();
                Err(if names.is_empty() {
                    format!("there is no contract {name:?}: the project has no compiled contracts")
                } else {
                    format!(
                        "there is no contract {name:?}: the project's contracts are {}",
                        names.join(", ")
                    )
                })
            }
            several => {
                let sources: Vec<String> = several
                    .iter()
                    .map(|c| format!("{}:{}", c.source.as_deref().unwrap_or("?"), c.name))
                    .collect();
                Err(format!(
                    "{name:?} names several contracts: write one of {}",
                    sources.join(", ")
                ))
            }
        }
    }
}

/// What a scenario file is resolved against: the project's contracts and the account's ABI (for
/// its error names and for calls to the account itself).
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The contracts that can be deployed by name.
    pub catalog: &'a Catalog,
    /// The ABI of the account under test.
    pub account: &'a JsonAbi,
}

impl<'a> Context<'a> {
    /// A context of `catalog` and the account ABI `account`.
    pub fn new(catalog: &'a Catalog, account: &'a JsonAbi) -> Self {
        Context { catalog, account }
    }
}

// ---- values ----------------------------------------------------------------------------------

/// Something a scenario names that is an address in each run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Name {
    /// One of the actors.
    Actor(Actor),
    /// The account under test (the 7702 smart EOA, or the factory account).
    Account,
    /// A contract the file deploys, by its alias.
    Contract(String),
    /// A literal address.
    Address(Address),
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Name::Actor(a) => write!(f, "{a}"),
            Name::Account => f.write_str("account"),
            Name::Contract(c) => f.write_str(c),
            Name::Address(a) => write!(f, "{a}"),
        }
    }
}

/// An ABI value whose addresses may be [`Name`]s, resolved in each run.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A value that needs no resolution.
    Fixed(DynSolValue),
    /// An address by name.
    Address(Name),
    /// A dynamic array.
    Array(Vec<Value>),
    /// A fixed array.
    FixedArray(Vec<Value>),
    /// A tuple (or struct).
    Tuple(Vec<Value>),
}

impl Value {
    /// A `uint256`.
    pub fn uint(v: impl Into<U256>) -> Self {
        Value::Fixed(DynSolValue::Uint(v.into(), 256))
    }

    /// An address by name.
    pub fn name(name: Name) -> Self {
        Value::Address(name)
    }

    /// The value with names replaced by their addresses.
    pub fn resolve(&self, names: &Names) -> Result<DynSolValue, String> {
        Ok(match self {
            Value::Fixed(v) => v.clone(),
            Value::Address(n) => DynSolValue::Address(names.address(n)?),
            Value::Array(vs) => DynSolValue::Array(
                vs.iter()
                    .map(|v| v.resolve(names))
                    .collect::<Result<_, _>>()?,
            ),
            Value::FixedArray(vs) => DynSolValue::FixedArray(
                vs.iter()
                    .map(|v| v.resolve(names))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Tuple(vs) => DynSolValue::Tuple(
                vs.iter()
                    .map(|v| v.resolve(names))
                    .collect::<Result<_, _>>()?,
            ),
        })
    }

    /// The 32-byte word of a single static value (an address left-padded, an `int`
    /// sign-extended, `bytesN` right-padded).
    pub fn word(&self, names: &Names) -> Result<B256, String> {
        let v = self.resolve(names)?;
        let encoded = v.abi_encode();
        if encoded.len() != 32 {
            return Err(format!("{v:?} is not a single word"));
        }
        Ok(B256::from_slice(&encoded))
    }
}

/// The addresses of a run: the account, the actors and the deployed contracts.
#[derive(Debug, Clone)]
pub struct Names {
    /// The account under test.
    pub account: Address,
    /// The owner's address (the account itself for a 7702 smart EOA).
    pub owner: Address,
    /// The deployed contracts by alias.
    pub contracts: BTreeMap<String, Address>,
}

impl Names {
    /// Names for the account at `account` owned by the `owner` actor, with no contracts yet.
    pub fn new(account: Address) -> Self {
        Names {
            account,
            owner: Actor::Owner.address(),
            contracts: BTreeMap::new(),
        }
    }

    /// The address of `name`.
    pub fn address(&self, name: &Name) -> Result<Address, String> {
        Ok(match name {
            Name::Actor(Actor::Owner) => self.owner,
            Name::Actor(a) => a.address(),
            Name::Account => self.account,
            Name::Address(a) => *a,
            Name::Contract(c) => *self
                .contracts
                .get(c)
                .ok_or_else(|| format!("{c} is not deployed (yet)"))?,
        })
    }

    /// How a person reads `address` here: `vault`, `bob`, `account`, or the hex address.
    pub fn label(&self, address: Address) -> String {
        if address == self.account {
            return "account".into();
        }
        if let Some((alias, _)) = self.contracts.iter().find(|(_, a)| **a == address) {
            return alias.clone();
        }
        if address == self.owner {
            return "owner".into();
        }
        Actor::ALL
            .into_iter()
            .find(|a| a.address() == address)
            .map(|a| a.name().to_owned())
            .unwrap_or_else(|| address.to_string())
    }
}

// ---- the model -------------------------------------------------------------------------------

/// A contract a file deploys before each of its scenarios (from the deployer account, in the
/// order written).
#[derive(Debug, Clone)]
pub struct ContractDeployment {
    /// The name the file calls it by (`vault`).
    pub alias: String,
    /// Its artifact.
    pub artifact: Arc<ContractArtifact>,
    /// The constructor's arguments.
    pub args: Vec<Value>,
    /// Where it is declared.
    pub at: Location,
}

/// One call of a batch, with names for addresses.
#[derive(Debug, Clone)]
pub struct CallTemplate {
    /// Who is called.
    pub target: Name,
    /// The function (`None`: a plain value transfer, or raw `data`).
    pub function: Option<Function>,
    /// The arguments.
    pub args: Vec<Value>,
    /// Raw calldata instead of a function.
    pub data: Option<Bytes>,
    /// The value sent.
    pub value: U256,
    /// The call as written, for reports (`vault.withdraw(100, bob)`).
    pub text: String,
}

impl CallTemplate {
    /// A call of `function` on `target` with `args`.
    pub fn function(target: Name, function: Function, args: Vec<Value>) -> Self {
        let text = format!("{target}.{}(…)", function.name);
        CallTemplate {
            target,
            function: Some(function),
            args,
            data: None,
            value: U256::ZERO,
            text,
        }
    }

    /// A plain transfer of `value` to `target`.
    pub fn transfer(target: Name, value: U256) -> Self {
        let text = target.to_string();
        CallTemplate {
            target,
            function: None,
            args: Vec::new(),
            data: None,
            value,
            text,
        }
    }

    /// The call in this run.
    pub fn resolve(&self, names: &Names) -> Result<Call, String> {
        let target = names.address(&self.target)?;
        let data: Bytes = match (&self.function, &self.data) {
            (Some(f), _) => {
                let args: Vec<DynSolValue> = self
                    .args
                    .iter()
                    .map(|a| a.resolve(names))
                    .collect::<Result<_, _>>()?;
                f.abi_encode_input(&args)
                    .map_err(|e| format!("{}: {e}", self.text))?
                    .into()
            }
            (None, Some(data)) => data.clone(),
            (None, None) => Bytes::new(),
        };
        Ok(Call {
            target,
            value: self.value,
            data,
        })
    }
}

/// An error a step expects.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectedError {
    /// The error, from the account's ABI (or a deployed contract's).
    pub error: alloy::json_abi::Error,
    /// Its arguments, when given.
    pub args: ExpectedArgs,
    /// The parameter whose constraint it must be about (`amount`), when given.
    pub param: Option<String>,
}

/// The arguments an expected error must have.
#[derive(Debug, Clone, PartialEq)]
pub enum ExpectedArgs {
    /// Any.
    Any,
    /// These, by position (all of them).
    All(Vec<Value>),
    /// These arguments (by their index in the error's inputs), the others any.
    Some(Vec<(usize, Value)>),
}

/// The outcome a step must have.
#[derive(Debug, Clone, PartialEq)]
pub enum Expect {
    /// The account runs the batch (a grant or revoke succeeds).
    Allowed,
    /// The account refuses it with this error.
    Error(ExpectedError),
}

impl Expect {
    /// The error `name` of `abi` (the account's, or a contract's), with any arguments; `None`
    /// when the ABI has no such error.
    pub fn error(abi: &JsonAbi, name: &str) -> Option<Self> {
        abi.errors().find(|e| e.name == name).map(|e| {
            Expect::Error(ExpectedError {
                error: e.clone(),
                args: ExpectedArgs::Any,
                param: None,
            })
        })
    }

    /// The expected error's name, if one is expected.
    pub fn error_name(&self) -> Option<&str> {
        match self {
            Expect::Allowed => None,
            Expect::Error(e) => Some(&e.error.name),
        }
    }
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expect::Allowed => f.write_str("allowed"),
            Expect::Error(e) => {
                f.write_str(&e.error.name)?;
                if let Some(p) = &e.param {
                    write!(f, " on {p}")?;
                }
                match &e.args {
                    ExpectedArgs::Any => Ok(()),
                    ExpectedArgs::All(vs) => {
                        let shown: Vec<String> = vs.iter().map(show_value).collect();
                        write!(f, "({})", shown.join(", "))
                    }
                    ExpectedArgs::Some(vs) => {
                        let shown: Vec<String> = vs
                            .iter()
                            .map(|(i, v)| {
                                let name = e
                                    .error
                                    .inputs
                                    .get(*i)
                                    .map(|p| p.name.clone())
                                    .unwrap_or_else(|| i.to_string());
                                format!("{name}: {}", show_value(v))
                            })
                            .collect();
                        write!(f, "({})", shown.join(", "))
                    }
                }
            }
        }
    }
}

/// A value as written: names by name, numbers in decimal.
fn show_value(v: &Value) -> String {
    match v {
        Value::Fixed(v) => explain::show_dyn(v, None),
        Value::Address(n) => n.to_string(),
        Value::Array(vs) | Value::FixedArray(vs) => {
            format!(
                "[{}]",
                vs.iter().map(show_value).collect::<Vec<_>>().join(", ")
            )
        }
        Value::Tuple(vs) => {
            format!(
                "({})",
                vs.iter().map(show_value).collect::<Vec<_>>().join(", ")
            )
        }
    }
}

/// When a call step runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Time {
    /// In the next block (one second after the latest).
    Next,
    /// At the session's expiry plus this many seconds (negative: before it).
    Expiry(i64),
    /// At the start of the next window of `period` seconds plus `offset` (the window after
    /// that when the time would not be after the latest block).
    NextWindow {
        /// The window length.
        period: u64,
        /// Seconds after (or, negative, before) the window's start.
        offset: i64,
    },
}

/// What a step does.
#[derive(Debug, Clone)]
pub enum StepKind {
    /// A batch sent by `who` through the run's route (`key` under its session, `owner` as the
    /// owner, anyone else as a key without rights).
    Call {
        /// The batch.
        calls: Vec<CallTemplate>,
        /// Who signs it.
        who: Actor,
        /// When it runs.
        time: Time,
        /// Its outcome.
        expect: Expect,
    },
    /// Mines a block this many seconds after the latest.
    Warp(u64),
    /// Grants a session of the file to `key` again (a fresh uid), signed by `signed_by` and
    /// sent by the route's sender; when it succeeds, it replaces the key's session and usage.
    Grant {
        /// The session's name (`default` for `[session]`).
        session: String,
        /// Who signs the grant (the owner, or someone without the right to).
        signed_by: Actor,
        /// Its outcome.
        expect: Expect,
    },
    /// `revokeSession(signer)` sent by `who` (the owner, or someone without the right to).
    Revoke {
        /// The revoked signer.
        signer: Name,
        /// Who sends it.
        who: Actor,
        /// Its outcome.
        expect: Expect,
    },
    /// Reads a view function and compares its result.
    Read {
        /// The call (a view).
        call: CallTemplate,
        /// The result it must return (its outputs, a tuple when there are several).
        equals: Value,
    },
}

/// One step of a scenario.
#[derive(Debug, Clone)]
pub struct Step {
    /// What it does.
    pub kind: StepKind,
    /// Where it is written.
    pub at: Location,
}

/// What a setup step does (before the session is granted; each must succeed).
#[derive(Debug, Clone)]
pub enum SetupKind {
    /// A call by the owner through the account (`by: None`), or an actor's own transaction.
    Call {
        /// The call.
        call: CallTemplate,
        /// The actor sending it from its own address; `None`: the account, run by its owner.
        by: Option<Actor>,
    },
    /// Sets the balance of `who` to `balance` wei.
    Fund {
        /// Whose balance.
        who: Name,
        /// The new balance.
        balance: U256,
    },
}

/// One setup step.
#[derive(Debug, Clone)]
pub struct SetupStep {
    /// What it does.
    pub kind: SetupKind,
    /// Where it is written.
    pub at: Location,
}

/// A constraint on one parameter word, by name.
#[derive(Debug, Clone)]
pub struct ParamTemplate {
    /// The word, as [`sessionkit::params::layout`] names it.
    pub word: ParamWord,
    /// The comparison.
    pub condition: Condition,
    /// The reference value (one word; an address may be a name).
    pub value: Value,
    /// The cap on the sum of the word's values.
    pub limit: Limit,
}

/// A call policy with names for its target and parameters.
#[derive(Debug, Clone)]
pub struct CallPolicyTemplate {
    /// The contract called.
    pub target: Name,
    /// The function, from the target's ABI (with its parameter names).
    pub function: Function,
    /// The most value one call may send.
    pub max_value_per_use: U256,
    /// The cap on the total value sent.
    pub value_limit: Limit,
    /// The constraints, in the order written.
    pub params: Vec<ParamTemplate>,
}

/// A transfer policy with a name for its recipient.
#[derive(Debug, Clone)]
pub struct TransferPolicyTemplate {
    /// The recipient.
    pub target: Name,
    /// The most value one transfer may send.
    pub max_value_per_use: U256,
    /// The cap on the total value sent.
    pub value_limit: Limit,
}

/// A session of a file, granted to `key` in each run.
#[derive(Debug, Clone)]
pub struct SessionTemplate {
    /// Its name (`default` for `[session]`).
    pub name: String,
    /// How long after the block it is granted in it expires.
    pub expires_in: u64,
    /// Whether it is a wildcard session.
    pub wildcard: bool,
    /// Its call policies.
    pub calls: Vec<CallPolicyTemplate>,
    /// Its transfer policies.
    pub transfers: Vec<TransferPolicyTemplate>,
    /// Where it is written.
    pub at: Location,
}

impl SessionTemplate {
    /// The spec for `signer` granted in a block at `now` (random uid), with every name
    /// resolved; a range constraint is added beside `ne`/`gt`/`gte` on a narrow word, as the
    /// typed builders and the JSON form do ([`sessionkit::typed::range_guard`]).
    pub fn build(&self, names: &Names, signer: Address, now: u64) -> Result<SessionSpec, String> {
        let mut builder =
            SessionSpec::builder(signer).expires_at(now.saturating_add(self.expires_in));
        if self.wildcard {
            builder = builder.wildcard();
        }
        for policy in &self.calls {
            let target = names.address(&policy.target)?;
            let mut p = CallPolicy::new(target, policy.function.selector())
                .max_value_per_use(policy.max_value_per_use)
                .value_limit(policy.value_limit);
            p.function = Some(policy.function.signature());
            for param in &policy.params {
                let mut c =
                    Constraint::new(param.word.index, param.condition, param.value.word(names)?)
                        .limit(param.limit);
                c.param = Some(param.word.name.clone());
                p = p.with_constraint(c);
                if let Some(guard) = sessionkit::typed::range_guard(
                    param.condition,
                    param.word.ty,
                    param.word.index,
                    Some(&param.word.name),
                ) {
                    p = p.with_constraint(guard);
                }
            }
            builder = builder.call(p);
        }
        for policy in &self.transfers {
            builder = builder.transfer(
                TransferPolicy::new(names.address(&policy.target)?)
                    .max_value_per_use(policy.max_value_per_use)
                    .value_limit(policy.value_limit),
            );
        }
        builder
            .uid(B256::random())
            .build_at(now)
            .map_err(|e| format!("the session {} is not valid: {e}", self.name))
    }

    /// Whether a constraint of this session is on the parameter word `name` (or Solidity path).
    pub fn constrains(&self, name: &str) -> bool {
        self.calls
            .iter()
            .flat_map(|p| &p.params)
            .any(|p| p.word.name == name || p.word.sol_path == name)
    }
}

/// The paths a scenario runs on: a route on a deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RouteName {
    /// The actor's own transaction to the 7702 smart EOA (`direct`).
    Direct,
    /// `executeWithSig` on the 7702 smart EOA, relayed by the sponsor (`sponsored`).
    Sponsored,
    /// A user operation on the 7702 smart EOA (`user-op`).
    UserOp,
    /// A user operation on an account deployed by the factory (`factory`).
    Factory,
}

impl RouteName {
    /// Every path, in the table's order.
    pub const ALL: [RouteName; 4] = [
        RouteName::Direct,
        RouteName::Sponsored,
        RouteName::UserOp,
        RouteName::Factory,
    ];

    /// The name files use.
    pub fn name(self) -> &'static str {
        match self {
            RouteName::Direct => "direct",
            RouteName::Sponsored => "sponsored",
            RouteName::UserOp => "user-op",
            RouteName::Factory => "factory",
        }
    }

    /// The deployment and route of this path.
    pub fn path(self) -> (Deployment, Route) {
        match self {
            RouteName::Direct => (Deployment::Eip7702, Route::Direct),
            RouteName::Sponsored => (Deployment::Eip7702, Route::Sponsored),
            RouteName::UserOp => (Deployment::Eip7702, Route::UserOp),
            RouteName::Factory => (Deployment::Standalone, Route::UserOp),
        }
    }
}

impl std::str::FromStr for RouteName {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RouteName::ALL
            .into_iter()
            .find(|r| r.name() == s)
            .ok_or_else(|| {
                format!(
                    "{s:?} is not a route: the routes are direct, sponsored, user-op and factory"
                )
            })
    }
}

/// One scenario of a file.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// What it pins, in words (unique in its file).
    pub name: String,
    /// Where it is written.
    pub at: Location,
    /// The paths it runs on (each that applies to the account).
    pub routes: Vec<RouteName>,
    /// The session granted to `key` before the steps (`None`: no session).
    pub session: Option<String>,
    /// The steps.
    pub steps: Vec<Step>,
}

impl Scenario {
    /// The errors its steps expect (the checks it pins).
    pub fn pins(&self) -> std::collections::BTreeSet<String> {
        self.steps
            .iter()
            .filter_map(|s| match &s.kind {
                StepKind::Call { expect, .. }
                | StepKind::Grant { expect, .. }
                | StepKind::Revoke { expect, .. } => expect.error_name().map(str::to_owned),
                _ => None,
            })
            .collect()
    }

    /// The account functions it needs on `route`.
    pub fn needs(&self, route: Route) -> std::collections::BTreeSet<&'static str> {
        let mut out = std::collections::BTreeSet::from(["execute"]);
        if self.session.is_some()
            || self
                .steps
                .iter()
                .any(|s| matches!(s.kind, StepKind::Grant { .. }))
        {
            out.insert("createSessionWithSig");
        }
        match route {
            Route::Direct => {}
            Route::Sponsored => {
                out.insert("executeWithSig");
            }
            Route::UserOp => {
                out.extend(["validateUserOp", "executeUserOp"]);
            }
        }
        if self
            .steps
            .iter()
            .any(|s| matches!(s.kind, StepKind::Revoke { .. }))
        {
            out.insert("revokeSession");
        }
        out
    }
}

/// A scenario file, resolved.
#[derive(Debug, Clone)]
pub struct ScenarioFile {
    /// The file as named in reports.
    pub path: PathBuf,
    /// The contracts deployed before each scenario, in order.
    pub contracts: Vec<ContractDeployment>,
    /// The setup steps, after the deployments.
    pub setup: Vec<SetupStep>,
    /// The sessions, by name.
    pub sessions: Vec<SessionTemplate>,
    /// The scenarios.
    pub scenarios: Vec<Scenario>,
    /// The `sessionkit lint` rules silenced for this file's sessions (`[lint] allow`).
    pub lint_allow: Vec<String>,
}

impl ScenarioFile {
    /// Reads and resolves the file at `path`, reported as `shown` (e.g. relative to the
    /// project).
    pub fn load(path: &Path, shown: &str, cx: &Context<'_>) -> Result<Self, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
            location: Location::code(shown),
            message: format!("cannot read: {e}"),
        })?;
        Self::parse(shown, &text, cx)
    }

    /// Parses and resolves the text of a file named `shown`.
    pub fn parse(shown: &str, text: &str, cx: &Context<'_>) -> Result<Self, ScenarioError> {
        parse::file(shown, text, cx)
    }

    /// The session named `name`.
    pub fn session(&self, name: &str) -> Option<&SessionTemplate> {
        self.sessions.iter().find(|s| s.name == name)
    }

    /// The policy review ([`sessionkit::lint`]) of each of this file's sessions as granted at
    /// `now`, by session name. The rules of `[lint] allow` and of `allow` are silenced. The
    /// account and the contracts the file deploys stand at fixed placeholder addresses, so a
    /// policy on `account` is `policy-on-account` and a transfer policy to a deployed contract is
    /// `transfer-to-contract`.
    pub fn lint(
        &self,
        now: u64,
        allow: &std::collections::BTreeSet<String>,
    ) -> Result<Vec<(String, Vec<sessionkit::lint::Finding>)>, ScenarioError> {
        let placeholder = |what: &str| {
            Address::from_word(alloy::primitives::keccak256(format!(
                "sessionkit lint {what}"
            )))
        };
        let mut names = Names::new(placeholder("account"));
        for c in &self.contracts {
            names
                .contracts
                .insert(c.alias.clone(), placeholder(&c.alias));
        }
        let context = sessionkit::lint::Context {
            now,
            account: Some(names.account),
            contracts: Some(names.contracts.values().copied().collect()),
            allow: allow
                .iter()
                .cloned()
                .chain(self.lint_allow.iter().cloned())
                .collect(),
        };
        self.sessions
            .iter()
            .map(|session| {
                let spec = session
                    .build(&names, Actor::Key.address(), now)
                    .map_err(|message| ScenarioError {
                        location: session.at.clone(),
                        message,
                    })?;
                Ok((session.name.clone(), spec.lint(&context)))
            })
            .collect()
    }
}

/// Reads every `*.toml` file of `dir` (sorted by name), each reported as `<shown>/<file>`; all
/// files are read before returning, and the errors of all of them are returned together.
pub fn load_dir(
    dir: &Path,
    shown: &str,
    cx: &Context<'_>,
) -> Result<Vec<ScenarioFile>, Vec<ScenarioError>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            return Err(vec![ScenarioError {
                location: Location::code(shown),
                message: format!("cannot read the scenario directory: {e}"),
            }])
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let shown = if shown.is_empty() {
            name
        } else {
            format!("{}/{name}", shown.trim_end_matches('/'))
        };
        match ScenarioFile::load(&path, &shown, cx) {
            Ok(f) => files.push(f),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(errors)
    }
}

/// The Solidity type of a word, for parsing and showing values.
pub(crate) fn word_type(ty: sessionkit::params::WordType) -> DynSolType {
    use sessionkit::params::WordType;
    match ty {
        WordType::Address => DynSolType::Address,
        WordType::Bool => DynSolType::Bool,
        WordType::Uint(b) => DynSolType::Uint(b as usize),
        WordType::Int(b) => DynSolType::Int(b as usize),
        WordType::FixedBytes(n) => DynSolType::FixedBytes(n as usize),
    }
}

/// The resolved types of a function's inputs.
pub(crate) fn input_types(f: &Function) -> Result<Vec<DynSolType>, String> {
    f.inputs
        .iter()
        .map(|p| p.resolve().map_err(|e| format!("{}: {e}", f.signature())))
        .collect()
}
