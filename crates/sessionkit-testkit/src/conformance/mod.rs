//! The conformance suite: scenarios that define correct session-key behaviour, as data, and a
//! small runner that plays them on anvil against the bundled account or any account artifact.
//!
//! Each [`Scenario`] is named for the behaviour it pins ("allowance resets at the window
//! boundary"), says who acts (owner, session key, stranger) and through which [`Route`]s
//! (their own transaction, or `executeWithSig` relayed by a sponsor), grants its session, and
//! lists [`Step`]s with their exact expected outcome. For session keys every chain result is
//! also checked against the simulator's prediction.
//!
//! Scenarios share one anvil per job: each run starts from the same snapshot (account
//! delegated, funded, tokens minted) and the chain is reverted after it.

mod scenarios;

use std::collections::{BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alloy::json_abi::JsonAbi;
use alloy::network::TransactionBuilder;
use alloy::primitives::{Address, Bytes, B256, U256};
use alloy::rpc::types::TransactionRequest;
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::SolCall;

use crate::fixtures::{Counter, Reverter, TestToken};
use crate::harness::{Actor, Factory, Harness, HarnessError, Route, SessionProbe};
use crate::scenario::ScenarioFile;
use crate::toolchain::Toolchain;
use sessionkit::abi::wrapped_calls;
use sessionkit::contracts::SessionAccount;
use sessionkit::policy::SessionSpec;
use sessionkit::signing;
use sessionkit::simulator::LimitId;
use sessionkit::{AccountError, Call};

pub use scenarios::all as scenarios;

/// The addresses and keys a scenario refers to; one per job.
#[derive(Debug, Clone)]
pub struct Env {
    /// The smart EOA under test.
    pub account: Address,
    /// The Counter fixture.
    pub counter: Address,
    /// The TestToken fixture (the account holds 1,000,000).
    pub token: Address,
    /// The EthReceiver fixture.
    pub receiver: Address,
    /// The Reverter fixture.
    pub reverter: Address,
    /// A plain address that receives tokens and value.
    pub bob: Address,
    /// Another plain address.
    pub carol: Address,
    /// The account's own key.
    pub owner: PrivateKeySigner,
    /// The session key.
    pub key: PrivateKeySigner,
    /// A key with no rights.
    pub stranger: PrivateKeySigner,
    /// The wallet that relays sponsored calls.
    pub sponsor: PrivateKeySigner,
}

impl Env {
    /// An environment with fixed placeholder addresses, for resolving expectations offline.
    pub fn placeholder() -> Self {
        let key = |b: u8| PrivateKeySigner::from_bytes(&B256::repeat_byte(b)).expect("valid key");
        Env {
            account: Address::repeat_byte(0xa0),
            counter: Address::repeat_byte(0xc0),
            token: Address::repeat_byte(0x70),
            receiver: Address::repeat_byte(0xe0),
            reverter: Address::repeat_byte(0xf0),
            bob: Address::repeat_byte(0xb0),
            carol: Address::repeat_byte(0xca),
            owner: key(1),
            key: key(2),
            stranger: key(3),
            sponsor: key(4),
        }
    }

    fn address(&self, s: Sym) -> Address {
        match s {
            Sym::Account => self.account,
            Sym::Counter => self.counter,
            Sym::Token => self.token,
            Sym::Receiver => self.receiver,
            Sym::Reverter => self.reverter,
            Sym::Bob => self.bob,
            Sym::Carol => self.carol,
            Sym::Key => self.key.address(),
            Sym::Stranger => self.stranger.address(),
        }
    }
}

/// A symbolic address, resolved in each job's [`Env`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sym {
    /// The account under test.
    Account,
    /// The Counter fixture.
    Counter,
    /// The TestToken fixture.
    Token,
    /// The EthReceiver fixture.
    Receiver,
    /// The Reverter fixture.
    Reverter,
    /// bob.
    Bob,
    /// carol.
    Carol,
    /// The session key's address.
    Key,
    /// The stranger's address.
    Stranger,
}

/// What a call does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Data {
    /// No calldata (a plain transfer).
    Empty,
    /// `Counter.setNumber(n)`.
    SetNumber(u64),
    /// `Counter.setNumber(word)` with a raw 32-byte argument.
    SetNumberWord(B256),
    /// `Counter.increment()`.
    Increment,
    /// `Counter.add(a, b)`.
    Add(u64, u64),
    /// `TestToken.transfer(to, amount)`.
    Transfer(Sym, u64),
    /// The first `n` bytes of `TestToken.transfer(bob, 1)`.
    TruncatedTransfer(usize),
    /// `Reverter.fail()`.
    Fail,
    /// `revokeSession(signer)` on the account.
    Revoke(Sym),
    /// Raw calldata.
    Raw(Vec<u8>),
}

/// One call of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallT {
    /// The target.
    pub target: Sym,
    /// The calldata.
    pub data: Data,
    /// The value in wei.
    pub value: u64,
}

impl CallT {
    fn resolve(&self, env: &Env) -> Call {
        let data: Bytes = match &self.data {
            Data::Empty => Bytes::new(),
            Data::SetNumber(n) => Counter::setNumberCall {
                newNumber: U256::from(*n),
            }
            .abi_encode()
            .into(),
            Data::SetNumberWord(w) => Counter::setNumberCall {
                newNumber: U256::from_be_bytes(w.0),
            }
            .abi_encode()
            .into(),
            Data::Increment => Counter::incrementCall {}.abi_encode().into(),
            Data::Add(a, b) => Counter::addCall {
                a: U256::from(*a),
                b: U256::from(*b),
            }
            .abi_encode()
            .into(),
            Data::Transfer(to, amount) => TestToken::transferCall {
                to: env.address(*to),
                value: U256::from(*amount),
            }
            .abi_encode()
            .into(),
            Data::TruncatedTransfer(n) => {
                let full = TestToken::transferCall {
                    to: env.bob,
                    value: U256::from(1),
                }
                .abi_encode();
                Bytes::copy_from_slice(&full[..(*n).min(full.len())])
            }
            Data::Fail => Reverter::failCall {}.abi_encode().into(),
            Data::Revoke(who) => SessionAccount::revokeSessionCall {
                signer: env.address(*who),
            }
            .abi_encode()
            .into(),
            Data::Raw(bytes) => Bytes::copy_from_slice(bytes),
        };
        Call {
            target: env.address(self.target),
            value: U256::from(self.value),
            data,
        }
    }
}

/// The expected outcome of a step. A denial is computed from the environment and the block
/// time the step ran at (allowance errors carry the window number).
#[derive(Clone, Copy)]
pub enum Expect {
    /// The batch runs (the grant succeeds).
    Allowed,
    /// Refused with exactly this error.
    Denied(fn(&Env, u64) -> AccountError),
}

impl std::fmt::Debug for Expect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expect::Allowed => f.write_str("Allowed"),
            Expect::Denied(e) => write!(f, "Denied({})", e(&Env::placeholder(), 0).name()),
        }
    }
}

/// A point in time relative to the session.
#[derive(Debug, Clone, Copy)]
pub enum When {
    /// `expiresAt + offset`.
    Expiry(i64),
    /// The start of the next window of `period` seconds after now, plus `offset` (the window
    /// after that when the offset would not be after the latest block).
    NextWindow(u64, i64),
}

/// Who signs a grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signer {
    /// The account's owner.
    Owner,
    /// A stranger.
    Stranger,
}

/// A session spec built from the environment and the chain's time (not validated: scenarios
/// also grant what the builders would reject).
pub type SpecFn = fn(&Env, u64) -> SessionSpec;

/// One step of a scenario.
#[derive(Debug, Clone)]
pub enum Step {
    /// Runs a batch in the next block.
    Run(Vec<CallT>, Expect),
    /// Runs a batch in a block at a given time.
    RunAt(When, Vec<CallT>, Expect),
    /// Mines a block this many seconds later.
    Warp(u64),
    /// Grants a spec to the session key (signed by `Signer`, sent by the route's sender),
    /// replacing the actor's spec when it succeeds.
    Grant(Signer, SpecFn, Expect),
    /// Grants the same spec (same uid) once more.
    GrantAgain(Expect),
    /// What is left of a limit (checked against the simulator too).
    Remaining(LimitId, u64),
    /// The Counter's number.
    CounterIs(u64),
    /// `revokeSession(signer)` sent directly by the owner or the stranger.
    Revoke(Signer, Sym, Expect),
    /// `executeWithSig` twice with the same uid: the second is refused.
    ReplayWrapped(Vec<CallT>),
    /// The session's stored expiry, wildcard flag and policy counts.
    StoredSession {
        /// Whether it is a wildcard session.
        wildcard: bool,
        /// How many call policies.
        calls: usize,
        /// How many transfer policies.
        transfers: usize,
    },
}

/// Who acts in a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The account's own key.
    Owner,
    /// The session key, under the scenario's spec.
    Session,
    /// A key with no rights.
    Stranger,
}

/// A behaviour of the account, pinned by steps with exact outcomes.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// What it pins, in words.
    pub name: &'static str,
    /// Who acts.
    pub role: Role,
    /// The routes it runs through (each a separate run).
    pub routes: &'static [Route],
    /// The session granted before the steps (signed by the owner).
    pub spec: Option<SpecFn>,
    /// The steps.
    pub steps: Vec<Step>,
}

/// Both routes.
pub const BOTH: &[Route] = &[Route::Direct, Route::Sponsored];
/// Only the actor's own transaction.
pub const DIRECT: &[Route] = &[Route::Direct];
/// Only the sponsored route.
pub const SPONSORED: &[Route] = &[Route::Sponsored];

impl Scenario {
    /// The account errors this scenario expects somewhere (the checks it pins).
    pub fn pins(&self) -> BTreeSet<&'static str> {
        let env = Env::placeholder();
        let mut out = BTreeSet::new();
        let mut add = |e: &Expect| {
            if let Expect::Denied(f) = e {
                out.insert(f(&env, 0).name());
            }
        };
        for step in &self.steps {
            match step {
                Step::Run(_, e)
                | Step::RunAt(_, _, e)
                | Step::Grant(_, _, e)
                | Step::GrantAgain(e)
                | Step::Revoke(_, _, e) => add(e),
                Step::ReplayWrapped(_) => {
                    add(&Expect::Denied(|_, _| AccountError::UidAlreadyProcessed))
                }
                _ => {}
            }
        }
        out
    }

    /// The account functions this scenario needs, by name.
    pub fn needs(&self, route: Route) -> BTreeSet<&'static str> {
        let mut out = BTreeSet::from(["execute", "createSessionWithSig"]);
        if route == Route::Sponsored {
            out.insert("executeWithSig");
        }
        if route == Route::UserOp {
            out.extend(["validateUserOp", "executeUserOp"]);
        }
        for step in &self.steps {
            match step {
                Step::Revoke(..) => {
                    out.insert("revokeSession");
                }
                Step::Remaining(..) => {
                    out.insert("getSessionStateForSigner");
                }
                Step::ReplayWrapped(_) => {
                    out.insert("executeWithSig");
                }
                Step::StoredSession { .. } => {
                    out.extend([
                        "getSessionExpirationForSigner",
                        "isWildcardSigner",
                        "getCallPoliciesForSigner",
                        "getTransferPoliciesForSigner",
                    ]);
                }
                Step::Run(calls, _) | Step::RunAt(_, calls, _)
                    if calls.iter().any(|c| matches!(c.data, Data::Revoke(_))) =>
                {
                    out.insert("revokeSession");
                }
                _ => {}
            }
        }
        out
    }

    /// How a run of this scenario is labelled: "session key", "owner, sponsored",
    /// "session key, user op (factory account)", ….
    pub fn path_label(&self, deployment: Deployment, route: Route) -> String {
        let who = match self.role {
            Role::Owner => "owner",
            Role::Session => "session key",
            Role::Stranger => "stranger",
        };
        match (route, deployment) {
            (Route::Direct, _) => who.to_owned(),
            (Route::Sponsored, _) => format!("{who}, sponsored"),
            (Route::UserOp, Deployment::Eip7702) => format!("{who}, user op (7702)"),
            (Route::UserOp, Deployment::Standalone) => format!("{who}, user op (factory account)"),
        }
    }
}

/// An account implementation to test: a Foundry artifact (ABI and bytecode).
#[derive(Debug, Clone)]
pub struct Artifact {
    /// Where it came from.
    pub path: PathBuf,
    /// Its creation bytecode.
    pub bytecode: Bytes,
    /// The names of its functions.
    pub functions: BTreeSet<String>,
    /// Its ABI (errors and functions, for the author's scenarios).
    pub abi: JsonAbi,
}

/// The functions without which no scenario can run.
pub const REQUIRED: [&str; 2] = ["execute", "createSessionWithSig"];

impl Artifact {
    /// The bundled session account.
    pub fn bundled() -> Self {
        Self::parse(
            Path::new("(bundled SessionAccount)"),
            sessionkit::contracts::session_account::ARTIFACT,
        )
        .expect("the bundled artifact is valid")
    }

    /// Reads a Foundry artifact JSON (`abi` and `bytecode.object`, or `bytecode` as a string).
    pub fn from_file(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        Self::parse(path, &text)
    }

    /// Parses a Foundry artifact's JSON text.
    pub fn parse(path: &Path, text: &str) -> Result<Self, String> {
        let p = path.display();
        let crate::fixtures::Artifact { abi, bytecode } =
            crate::fixtures::Artifact::parse(&p.to_string(), text)?;
        let functions: BTreeSet<String> = abi.functions().map(|f| f.name.clone()).collect();
        let missing: Vec<&str> = REQUIRED
            .iter()
            .copied()
            .filter(|f| !functions.contains(*f))
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "{p}: the ABI lacks the session functions {}: not a session-key account",
                missing.join(", ")
            ));
        }
        Ok(Artifact {
            path: path.to_owned(),
            bytecode,
            functions,
            abi,
        })
    }

    /// Whether this is sessionkit's bundled account (the same creation code).
    pub fn is_bundled(&self) -> bool {
        self.bytecode.as_ref() == sessionkit::contracts::session_account::bytecode()
    }
}

/// How one run went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Every step held.
    Passed,
    /// A step did not hold.
    Failed(String),
    /// The account lacks a function the scenario needs.
    NotApplicable(String),
}

/// The result of one scenario on one route.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// The scenario's name.
    pub scenario: String,
    /// Where an author's scenario is written (`sessions/vault.toml:12:1`); `None` for the
    /// built-in suite.
    pub source: Option<String>,
    /// Disagreements between the simulator and the chain that did not fail the run (for an
    /// account other than the bundled one, unless the simulator is strict).
    pub notes: Vec<String>,
    /// The deployment.
    pub deployment: Deployment,
    /// The route.
    pub route: Route,
    /// "session key", "owner, sponsored", "session key, user op (7702)", ….
    pub path: String,
    /// How it went.
    pub status: Status,
    /// Gas of the transactions it mined.
    pub gas: u64,
    /// Wall time.
    pub time: Duration,
}

/// What to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// The account under test.
    pub artifact: Artifact,
    /// Only scenarios whose name (or, for an author's scenario, file) contains this
    /// (case-insensitive).
    pub filter: Option<String>,
    /// Parallel jobs, each with its own anvil.
    pub jobs: usize,
    /// Where anvil and the EntryPoint come from.
    pub toolchain: Toolchain,
    /// Whether the built-in suite runs (an author may run only their own scenarios).
    pub suite: bool,
    /// The author's scenario files, run after the built-in suite.
    pub files: Vec<Arc<ScenarioFile>>,
    /// Whether a disagreement between the simulator and the chain fails a run; `None`: only
    /// for the bundled account (for another account it is a note on the run).
    pub strict_simulator: Option<bool>,
    /// The factory of standalone accounts for an account other than the bundled one (which
    /// has its own): enables the factory-account route.
    pub factory: Option<Factory>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            artifact: Artifact::bundled(),
            filter: None,
            jobs: 1,
            toolchain: Toolchain::from_env(),
            suite: true,
            files: Vec::new(),
            strict_simulator: None,
            factory: None,
        }
    }
}

impl Config {
    /// Whether simulator disagreements fail runs.
    pub fn strict(&self) -> bool {
        self.strict_simulator
            .unwrap_or_else(|| self.artifact.is_bundled())
    }

    /// Why `subject` cannot run on `route` against this account, when the account lacks a
    /// function it needs ("the account has no executeWithSig").
    pub fn missing(&self, subject: &Subject, route: Route) -> Option<String> {
        let missing: Vec<&str> = subject
            .needs(route)
            .into_iter()
            .filter(|f| !self.artifact.functions.contains(*f))
            .collect();
        (!missing.is_empty()).then(|| format!("the account has no {}", missing.join(", ")))
    }

    /// Why a run cannot be played, as far as it can be told without a chain: a missing
    /// function, or the factory-account route without a factory.
    pub fn not_applicable(&self, run: &Run) -> Option<String> {
        if let Some(why) = self.missing(&run.subject, run.route) {
            return Some(why);
        }
        (run.deployment == Deployment::Standalone
            && !self.artifact.is_bundled()
            && self.factory.is_none())
        .then(|| {
            "there is no factory: name the account's factory in sessionkit.toml ([factory]) to run the factory-account route".to_owned()
        })
    }

    /// The runs selected: the built-in suite (when [`suite`](Self::suite) is on), then each
    /// author's scenario on each route it names, filtered by [`filter`](Self::filter).
    pub fn runs(&self) -> Vec<Run> {
        let mut runs = if self.suite {
            selected(self.filter.as_deref())
        } else {
            Vec::new()
        };
        let filter = self.filter.as_ref().map(|f| f.to_lowercase());
        for file in &self.files {
            for (index, s) in file.scenarios.iter().enumerate() {
                let shown = file.path.to_string_lossy().to_lowercase();
                if let Some(f) = &filter {
                    if !(s.name.to_lowercase().contains(f) || shown.contains(f)) {
                        continue;
                    }
                }
                for route in &s.routes {
                    let (deployment, r) = route.path();
                    runs.push(Run {
                        subject: Subject::File {
                            file: file.clone(),
                            index,
                        },
                        deployment,
                        route: r,
                    });
                }
            }
        }
        runs
    }
}

/// How the account under test is deployed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Deployment {
    /// An EOA delegated to the account with EIP-7702.
    Eip7702,
    /// A standalone account deployed by the factory (ERC-4337 only here).
    Standalone,
}

/// What a run plays.
#[derive(Debug, Clone)]
pub enum Subject {
    /// A scenario of the built-in suite.
    Builtin(Scenario),
    /// Scenario `index` of an author's file.
    File {
        /// The file.
        file: Arc<ScenarioFile>,
        /// Which of its scenarios.
        index: usize,
    },
}

impl Subject {
    /// The scenario's name.
    pub fn name(&self) -> &str {
        match self {
            Subject::Builtin(s) => s.name,
            Subject::File { file, index } => &file.scenarios[*index].name,
        }
    }

    /// Where an author's scenario is written.
    pub fn source(&self) -> Option<String> {
        match self {
            Subject::Builtin(_) => None,
            Subject::File { file, index } => Some(file.scenarios[*index].at.to_string()),
        }
    }

    /// The account functions it needs on `route`.
    pub fn needs(&self, route: Route) -> BTreeSet<&'static str> {
        match self {
            Subject::Builtin(s) => s.needs(route),
            Subject::File { file, index } => file.scenarios[*index].needs(route),
        }
    }

    /// The errors it expects somewhere (the checks it pins).
    pub fn pins(&self) -> BTreeSet<String> {
        match self {
            Subject::Builtin(s) => s.pins().into_iter().map(str::to_owned).collect(),
            Subject::File { file, index } => file.scenarios[*index].pins(),
        }
    }

    /// How a run of it is labelled.
    pub fn path_label(&self, deployment: Deployment, route: Route) -> String {
        match self {
            Subject::Builtin(s) => s.path_label(deployment, route),
            Subject::File { .. } => match (route, deployment) {
                (Route::Direct, _) => "direct".into(),
                (Route::Sponsored, _) => "sponsored".into(),
                (Route::UserOp, Deployment::Eip7702) => "user op (7702)".into(),
                (Route::UserOp, Deployment::Standalone) => "user op (factory account)".into(),
            },
        }
    }
}

/// One run: a scenario on one deployment through one route.
#[derive(Debug, Clone)]
pub struct Run {
    /// What it plays.
    pub subject: Subject,
    /// The deployment.
    pub deployment: Deployment,
    /// The route.
    pub route: Route,
}

/// The built-in runs selected by `filter`: each scenario through the routes it names on the 7702 smart
/// EOA and, when it names both direct routes (it is about the policies, not about one entry
/// point), also as a user operation on the 7702 smart EOA and on a factory-deployed account.
pub fn selected(filter: Option<&str>) -> Vec<Run> {
    let filter = filter.map(str::to_lowercase);
    let mut runs = Vec::new();
    for s in scenarios().into_iter().filter(|s| {
        filter
            .as_ref()
            .is_none_or(|f| s.name.to_lowercase().contains(f))
    }) {
        for route in s.routes {
            runs.push(Run {
                subject: Subject::Builtin(s.clone()),
                deployment: Deployment::Eip7702,
                route: *route,
            });
        }
        if s.routes == BOTH {
            for deployment in [Deployment::Eip7702, Deployment::Standalone] {
                runs.push(Run {
                    subject: Subject::Builtin(s.clone()),
                    deployment,
                    route: Route::UserOp,
                });
            }
        }
    }
    runs
}

/// Runs the selected scenarios; `on_result` sees each result as it comes. Results are returned
/// in the suite's order.
pub async fn run(
    config: &Config,
    on_result: impl Fn(&RunResult) + Send + Sync + 'static,
) -> Result<Vec<RunResult>, HarnessError> {
    let runs = config.runs();
    let strict = config.strict();
    let queue = Arc::new(Mutex::new(
        runs.into_iter().enumerate().collect::<VecDeque<_>>(),
    ));
    let results = Arc::new(Mutex::new(Vec::new()));
    let on_result = Arc::new(on_result);
    let mut jobs = Vec::new();
    for _ in 0..config.jobs.max(1) {
        let queue = queue.clone();
        let results = results.clone();
        let on_result = on_result.clone();
        let config = config.clone();
        jobs.push(tokio::spawn(async move {
            let (h, env, standalone) = setup(&config).await?;
            let mut snapshot = h.snapshot().await?;
            loop {
                let next = queue.lock().expect("queue lock").pop_front();
                let Some((
                    i,
                    Run {
                        subject,
                        deployment,
                        route,
                    },
                )) = next
                else {
                    break;
                };
                let started = Instant::now();
                let env = match deployment {
                    Deployment::Eip7702 => Ok(&env),
                    Deployment::Standalone => standalone.as_ref(),
                };
                let not_applicable = match (config.missing(&subject, route), env) {
                    (Some(why), _) => Some(why),
                    (None, Err(why)) => Some(String::clone(why)),
                    (None, Ok(_)) => None,
                };
                let (status, gas, notes) = if let Some(why) = not_applicable {
                    (Status::NotApplicable(why), 0, Vec::new())
                } else {
                    let env = env.expect("checked above");
                    let outcome = match &subject {
                        Subject::Builtin(scenario) => {
                            play(&h, env, scenario, route, strict, &config.artifact.abi).await
                        }
                        Subject::File { file, index } => {
                            let accounts = crate::scenario::Accounts {
                                account: env.account,
                                owner: &env.owner,
                                abi: &config.artifact.abi,
                            };
                            crate::scenario::play(
                                &h,
                                &accounts,
                                file,
                                &file.scenarios[*index],
                                route,
                                strict,
                            )
                            .await
                            .map(|p| (p.gas, p.notes))
                            .map_err(|e| match e {
                                crate::scenario::PlayError::Failed(m) => StepFailure::Mismatch(m),
                                crate::scenario::PlayError::Harness(e) => StepFailure::Harness(e),
                            })
                        }
                    };
                    h.revert(snapshot).await.map_err(|e| h.diagnose(e))?;
                    snapshot = h.snapshot().await.map_err(|e| h.diagnose(e))?;
                    match outcome {
                        Ok((gas, notes)) => (Status::Passed, gas, notes),
                        Err(StepFailure::Mismatch(m)) => (Status::Failed(m), 0, Vec::new()),
                        Err(StepFailure::Harness(e)) => return Err(h.diagnose(e)),
                    }
                };
                let result = RunResult {
                    scenario: subject.name().to_owned(),
                    source: subject.source(),
                    notes,
                    deployment,
                    route,
                    path: subject.path_label(deployment, route),
                    status,
                    gas,
                    time: started.elapsed(),
                };
                on_result(&result);
                results.lock().expect("results lock").push((i, result));
            }
            Ok::<(), HarnessError>(())
        }));
    }
    for job in jobs {
        job.await.map_err(|e| HarnessError::Refused {
            action: "running a job".into(),
            message: e.to_string(),
        })??;
    }
    let mut results = std::mem::take(&mut *results.lock().expect("results lock"));
    results.sort_by_key(|(i, _)| *i);
    Ok(results.into_iter().map(|(_, r)| r).collect())
}

/// Spawns a harness with the artifact as the implementation and prepares the accounts: the
/// 7702 smart EOA, and a factory-deployed account with the same owner (or why there is none).
pub async fn setup(config: &Config) -> Result<(Harness, Env, Result<Env, String>), HarnessError> {
    let mut builder = Harness::builder()
        .toolchain(config.toolchain.clone())
        .implementation(config.artifact.bytecode.clone());
    if let Some(factory) = &config.factory {
        builder = builder.factory(factory.clone());
    }
    let h = builder.try_spawn().await?;
    match prepare(&h).await {
        Ok((env, standalone)) => Ok((h, env, standalone)),
        Err(e) => Err(h.diagnose(e)),
    }
}

/// The accounts of a job on `h`: see [`setup`]. The actors have their fixed keys
/// ([`actors`](crate::actors)), so every address is the same in every run.
async fn prepare(h: &Harness) -> Result<(Env, Result<Env, String>), HarnessError> {
    use crate::actors::Actor as A;
    let owner = h.funded_key(A::Owner.private_key()).await?;
    let eoa = h.client(&owner).await?;
    eoa.upgrade(&owner).await?;
    let env = Env {
        account: eoa.address(),
        counter: h.counter,
        token: h.token,
        receiver: h.receiver,
        reverter: h.reverter,
        bob: h.funded_key(A::Bob.private_key()).await?.address(),
        carol: h.funded_key(A::Carol.private_key()).await?.address(),
        owner,
        key: h.funded_key(A::Key.private_key()).await?,
        stranger: h.funded_key(A::Stranger.private_key()).await?,
        sponsor: h.funded_key(A::Sponsor.private_key()).await?,
    };
    h.set_balance(env.account, U256::from(10u64).pow(U256::from(19)))
        .await?;
    let mint = Call::contract(
        h.token,
        &TestToken::mintCall {
            to: env.account,
            amount: U256::from(1_000_000u64),
        },
    );
    eoa.execute_as_owner(&env.owner, &[mint]).await?;
    let standalone = match h.factory_account(&env.owner, B256::ZERO).await {
        Ok(account) => {
            h.set_balance(account, U256::from(10u64).pow(U256::from(19)))
                .await?;
            let mint = Call::contract(
                h.token,
                &TestToken::mintCall {
                    to: account,
                    amount: U256::from(1_000_000u64),
                },
            );
            eoa.execute_as_owner(&env.owner, &[mint]).await?;
            Ok(Env {
                account,
                ..env.clone()
            })
        }
        Err(why) => Err(why),
    };
    Ok((env, standalone))
}

/// The names of the built-in suite's addresses, for its messages.
fn builtin_names(env: &Env) -> crate::scenario::Names {
    let mut names = crate::scenario::Names::new(env.account);
    names.owner = env.owner.address();
    for (alias, address) in [
        ("token", env.token),
        ("counter", env.counter),
        ("receiver", env.receiver),
        ("reverter", env.reverter),
    ] {
        names.contracts.insert(alias.to_owned(), address);
    }
    names
}

/// The account's ABI, then the fixtures'.
fn builtin_abis(account: &JsonAbi) -> Vec<&JsonAbi> {
    vec![
        account,
        &crate::fixtures::test_token().abi,
        &crate::fixtures::counter().abi,
        &crate::fixtures::eth_receiver().abi,
        &crate::fixtures::reverter().abi,
    ]
}

/// Why a run stopped.
enum StepFailure {
    Mismatch(String),
    Harness(HarnessError),
}

impl From<HarnessError> for StepFailure {
    fn from(e: HarnessError) -> Self {
        match e {
            HarnessError::Mismatch(m) => StepFailure::Mismatch(m),
            other => StepFailure::Harness(other),
        }
    }
}

impl From<crate::harness::Mismatch> for StepFailure {
    fn from(m: crate::harness::Mismatch) -> Self {
        StepFailure::Mismatch(m.0)
    }
}

fn fail<T>(message: String) -> Result<T, StepFailure> {
    Err(StepFailure::Mismatch(message))
}

/// Sends `createSessionWithSig(spec, sig by signer)` from `sender`, without validating the spec.
/// On the user-operation route, the owner then allows the harness's paymaster for a scoped
/// session (its operations validate through no other).
async fn grant(
    h: &Harness,
    env: &Env,
    spec: &SessionSpec,
    signer: Signer,
    sender: &PrivateKeySigner,
    route: Route,
) -> Result<Result<u64, AccountError>, StepFailure> {
    let key = match signer {
        Signer::Owner => &env.owner,
        Signer::Stranger => &env.stranger,
    };
    let signature =
        signing::sign_session_sync(key, spec, h.chain_id(), env.account).expect("local keys sign");
    let call = SessionAccount::createSessionWithSigCall {
        sessionSpec: spec.into(),
        signature,
    };
    let tx = TransactionRequest::default()
        .with_from(sender.address())
        .with_to(env.account)
        .with_input(call.abi_encode());
    let t = h.timestamp().await? + 1;
    let gas = match h.call_at(&tx, t).await? {
        Ok(()) => h.send_at(sender, tx, t).await?.gas_used,
        Err(data) => {
            return match AccountError::decode(&data) {
                Some(e) => Ok(Err(e)),
                None => fail(format!(
                    "the grant reverted with {data}, not an account error"
                )),
            }
        }
    };
    if route == Route::UserOp && !spec.wildcard {
        let allow = SessionAccount::allowSessionPaymasterCall {
            signer: spec.signer,
            paymaster: h.paymaster,
            maxCostPerOp: U256::MAX,
        };
        let tx = TransactionRequest::default()
            .with_from(env.owner.address())
            .with_to(env.account)
            .with_input(allow.abi_encode());
        // An account without the paymaster allowlist (another implementation of the
        // interface) refuses the call: its user operations need no allowance.
        if h.call_at(&tx, t + 1).await?.is_ok() {
            h.send_at(&env.owner, tx, t + 1).await?;
        }
    }
    Ok(Ok(gas))
}

fn check_grant(
    result: Result<u64, AccountError>,
    expect: &Expect,
    env: &Env,
    t: u64,
    what: &str,
) -> Result<u64, StepFailure> {
    match (result, expect) {
        (Ok(gas), Expect::Allowed) => Ok(gas),
        (Err(e), Expect::Allowed) => fail(format!(
            "{what}: expected it to succeed, but the account refused it with {e:?}"
        )),
        (Ok(_), Expect::Denied(f)) => fail(format!(
            "{what}: expected {:?}, but it succeeded",
            f(env, t)
        )),
        (Err(e), Expect::Denied(f)) => {
            let want = f(env, t);
            if e == want {
                Ok(0)
            } else {
                fail(format!("{what}: expected {want:?}, got {e:?}"))
            }
        }
    }
}

/// Plays one scenario on one route; returns the gas of the transactions it mined and the
/// simulator's disagreements with the chain (which fail the run when `strict`).
async fn play(
    h: &Harness,
    env: &Env,
    scenario: &Scenario,
    route: Route,
    strict: bool,
    abi: &JsonAbi,
) -> Result<(u64, Vec<String>), StepFailure> {
    let mut notes = Vec::new();
    let sender = match route {
        Route::Direct => env.owner.clone(),
        Route::Sponsored | Route::UserOp => env.sponsor.clone(),
    };
    let now = h.timestamp().await?;
    let mut gas = 0;
    let mut spec = scenario.spec.map(|f| f(env, now));
    if let Some(s) = &spec {
        gas += check_grant(
            grant(h, env, s, Signer::Owner, &sender, route).await?,
            &Expect::Allowed,
            env,
            now + 1,
            "granting the scenario's session",
        )?;
    }
    let actor = match scenario.role {
        Role::Owner => Actor::Owner(env.owner.clone()),
        Role::Stranger => Actor::Stranger(env.stranger.clone()),
        Role::Session => Actor::Session {
            key: env.key.clone(),
            spec: spec.clone().unwrap_or_else(|| SessionSpec {
                signer: env.key.address(),
                wildcard: false,
                expires_at: 0,
                call_policies: Vec::new(),
                transfer_policies: Vec::new(),
                uid: B256::ZERO,
            }),
        },
    };
    let mut probe = SessionProbe::new(h, env.account, actor, route, env.sponsor.clone());
    for (n, step) in scenario.steps.iter().enumerate() {
        let at = |m: String| StepFailure::Mismatch(format!("step {}: {m}", n + 1));
        match step {
            Step::Run(calls, expect) | Step::RunAt(_, calls, expect) => {
                let calls: Vec<Call> = calls.iter().map(|c| c.resolve(env)).collect();
                let outcome = match step {
                    Step::RunAt(when, ..) => {
                        let t = match when {
                            When::Expiry(offset) => {
                                let expiry =
                                    spec.as_ref().map(|s| s.expires_at).unwrap_or_default();
                                expiry.saturating_add_signed(*offset)
                            }
                            When::NextWindow(period, offset) => {
                                // The first window boundary that leaves room for the offset
                                // after the latest block (a negative offset could land on or
                                // before it when the chain is just before a boundary).
                                let now = h.timestamp().await?;
                                let mut boundary = (now / period + 1) * period;
                                while boundary.saturating_add_signed(*offset) <= now {
                                    boundary += period;
                                }
                                boundary.saturating_add_signed(*offset)
                            }
                        };
                        let latest = h.timestamp().await?;
                        if t <= latest {
                            return Err(at(format!(
                                "time {t} is not after the latest block ({latest})"
                            )));
                        }
                        probe.run_at(&calls, t).await?
                    }
                    _ => probe.run(&calls).await?,
                };
                let held = match expect {
                    Expect::Allowed => outcome.allowed_on_chain().map(|g| gas += g).is_ok(),
                    Expect::Denied(f) => {
                        outcome.denied_on_chain(&f(env, outcome.timestamp)).is_ok()
                    }
                };
                let disagreement = outcome.disagreement();
                if !held || (strict && disagreement.is_some()) {
                    // Said in the scenario's terms: the calls and the errors decoded, the
                    // constraint they belong to named from the spec.
                    let names = builtin_names(env);
                    let key_spec = match probe.actor() {
                        Actor::Session { spec, .. } => Some(spec),
                        _ => None,
                    };
                    let explainer = crate::scenario::Explainer {
                        names: &names,
                        abis: builtin_abis(abi),
                        spec: key_spec,
                    };
                    let what = explainer.describe_calls(&calls);
                    let expected = match expect {
                        Expect::Allowed => "allowed".to_owned(),
                        Expect::Denied(f) => explainer.describe_outcome(
                            &Err(crate::harness::ChainRefusal::Account(f(
                                env,
                                outcome.timestamp,
                            ))),
                            &calls,
                            None,
                        ),
                    };
                    let actual = explainer.describe_outcome(
                        &outcome.chain,
                        &calls,
                        outcome.predicted.as_ref(),
                    );
                    let mut message = if held {
                        format!("{what}: the chain said {actual}")
                    } else {
                        format!("{what}: expected {expected}, got {actual}")
                    };
                    if let (Some(_), Some(p)) = (&disagreement, &outcome.predicted) {
                        message.push_str(&format!(
                            "; the simulator predicted {}",
                            explainer.describe_decision(p, &calls)
                        ));
                    }
                    return Err(at(message));
                }
                if let Some(m) = disagreement {
                    notes.push(format!("step {}: {}", n + 1, m.0));
                }
            }
            Step::Warp(secs) => h.warp_by(*secs).await?,
            Step::Grant(signer, f, expect) => {
                let now = h.timestamp().await?;
                let new = f(env, now);
                let result = grant(h, env, &new, *signer, &sender, route).await?;
                let ok = result.is_ok();
                gas += check_grant(
                    result,
                    expect,
                    env,
                    now + 1,
                    &format!("step {}: the grant", n + 1),
                )?;
                if ok {
                    probe.regranted(new.clone());
                    spec = Some(new);
                }
            }
            Step::GrantAgain(expect) => {
                let Some(s) = &spec else {
                    return Err(at("no spec was granted".into()));
                };
                let t = h.timestamp().await? + 1;
                let result = grant(h, env, s, Signer::Owner, &sender, route).await?;
                gas += check_grant(
                    result,
                    expect,
                    env,
                    t,
                    &format!("step {}: the second grant", n + 1),
                )?;
            }
            Step::Remaining(id, want) => {
                let got = probe.remaining(*id).await?;
                if got != U256::from(*want) {
                    return Err(at(format!(
                        "{id}: expected {want} left, the account reports {got}"
                    )));
                }
            }
            Step::CounterIs(want) => {
                let got = Counter::new(env.counter, h.provider())
                    .number()
                    .call()
                    .await
                    .map_err(|e| at(format!("reading the counter: {e}")))?;
                if got != U256::from(*want) {
                    return Err(at(format!("expected the counter at {want}, it is {got}")));
                }
            }
            Step::Revoke(signer, who, expect) => {
                let key = match signer {
                    Signer::Owner => &env.owner,
                    Signer::Stranger => &env.stranger,
                };
                let call = SessionAccount::revokeSessionCall {
                    signer: env.address(*who),
                };
                let tx = TransactionRequest::default()
                    .with_from(key.address())
                    .with_to(env.account)
                    .with_input(call.abi_encode());
                let t = h.timestamp().await? + 1;
                let result = match h.call_at(&tx, t).await? {
                    Ok(()) => Ok(h.send_at(key, tx, t).await?.gas_used),
                    Err(data) => Err(AccountError::decode(&data)
                        .ok_or_else(|| at(format!("revoke reverted with {data}")))?),
                };
                let revoked = result.is_ok() && *who == Sym::Key;
                gas += check_grant(result, expect, env, t, &format!("step {}: revoke", n + 1))?;
                if revoked {
                    probe.revoked();
                }
            }
            Step::ReplayWrapped(calls) => {
                let calls: Vec<Call> = calls.iter().map(|c| c.resolve(env)).collect();
                let uid = B256::random();
                let signature = signing::sign_wrapped_calls_sync(
                    probe.actor().key(),
                    &calls,
                    uid,
                    h.chain_id(),
                    env.account,
                )
                .expect("local keys sign");
                let call = SessionAccount::executeWithSigCall {
                    wrappedCalls: wrapped_calls(&calls, uid),
                    signature,
                };
                let tx = TransactionRequest::default()
                    .with_from(env.sponsor.address())
                    .with_to(env.account)
                    .with_input(call.abi_encode());
                let t = h.timestamp().await? + 1;
                match h.call_at(&tx, t).await? {
                    Ok(()) => gas += h.send_at(&env.sponsor, tx.clone(), t).await?.gas_used,
                    Err(data) => {
                        return Err(at(format!(
                            "the first executeWithSig was refused: {:?}",
                            AccountError::decode(&data)
                        )))
                    }
                }
                match h.call_at(&tx, t + 1).await? {
                    Ok(()) => return Err(at("the same uid ran twice".into())),
                    Err(data) => {
                        if AccountError::decode(&data) != Some(AccountError::UidAlreadyProcessed) {
                            return Err(at(format!(
                                "expected UIDAlreadyProcessed, got {:?}",
                                AccountError::decode(&data)
                            )));
                        }
                    }
                }
            }
            Step::StoredSession {
                wildcard,
                calls,
                transfers,
            } => {
                let eoa = h.client_for(env.account).await?;
                let Some(info) = eoa
                    .session(env.key.address())
                    .await
                    .map_err(HarnessError::from)?
                else {
                    return Err(at("the account reports no session".into()));
                };
                let want = spec.as_ref().map(|s| s.expires_at).unwrap_or_default();
                if info.spec.expires_at != want
                    || info.spec.wildcard != *wildcard
                    || info.spec.call_policies.len() != *calls
                    || info.spec.transfer_policies.len() != *transfers
                {
                    return Err(at(format!(
                        "stored session: expiry {} wildcard {} {} call and {} transfer policies; expected {want}, {wildcard}, {calls}, {transfers}",
                        info.spec.expires_at,
                        info.spec.wildcard,
                        info.spec.call_policies.len(),
                        info.spec.transfer_policies.len()
                    )));
                }
                if let Some(s) = &spec {
                    let stored: Vec<_> = info
                        .spec
                        .call_policies
                        .iter()
                        .map(|p| (p.target, p.selector, p.constraints.len()))
                        .collect();
                    let granted: Vec<_> = s
                        .call_policies
                        .iter()
                        .map(|p| (p.target, p.selector, p.constraints.len()))
                        .collect();
                    if stored != granted {
                        return Err(at(format!(
                            "stored call policies {stored:?} differ from the granted {granted:?}"
                        )));
                    }
                }
            }
        }
    }
    Ok((gas, notes))
}

/// The results as a JUnit XML report: the built-in suite as the test suite "sessionkit
/// conformance", the author's scenarios as "sessionkit scenarios" (class name: the file); one
/// test case per run, not-applicable runs as skipped cases, notes as the case's output.
pub fn junit_xml(results: &[RunResult], wall: Duration) -> Result<String, String> {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut builtin = TestSuite::new("sessionkit conformance");
    let mut authored = TestSuite::new("sessionkit scenarios");
    for r in results {
        let status = match &r.status {
            Status::Passed => TestCaseStatus::success(),
            Status::Failed(m) => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(m.clone());
                s
            }
            Status::NotApplicable(m) => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(m.clone());
                s
            }
        };
        let mut case = TestCase::new(format!("{} [{}]", r.scenario, r.path), status);
        case.set_time(r.time);
        if !r.notes.is_empty() {
            case.set_system_out(r.notes.join("\n"));
        }
        match &r.source {
            None => {
                case.set_classname("sessionkit.conformance");
                builtin.add_test_case(case);
            }
            Some(source) => {
                let file = source.split(':').next().unwrap_or(source);
                case.set_classname(file.to_owned());
                authored.add_test_case(case);
            }
        }
    }
    let mut report = Report::new("sessionkit");
    report.set_time(wall);
    if !builtin.test_cases.is_empty() || authored.test_cases.is_empty() {
        report.add_test_suite(builtin);
    }
    if !authored.test_cases.is_empty() {
        report.add_test_suite(authored);
    }
    report
        .to_string()
        .map_err(|e| format!("cannot render JUnit XML: {e}"))
}

/// Writes [`junit_xml`] to `path` whole or not at all (through a temporary file and a rename).
pub fn write_junit(path: &Path, results: &[RunResult], wall: Duration) -> Result<(), String> {
    let xml = junit_xml(results, wall)?;
    let tmp = path.with_extension("xml.tmp");
    std::fs::write(&tmp, xml).map_err(|e| format!("{}: {e}", path.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("{}: {e}", path.display())
    })
}
