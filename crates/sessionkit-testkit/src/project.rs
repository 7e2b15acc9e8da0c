//! A contract author's Foundry project: its `sessionkit.toml`, its build (the project's own
//! settings and remappings through forge, with the solc of the resolved toolchain), its
//! artifacts, the account it tests and its scenario files.
//!
//! ```no_run
//! use sessionkit_testkit::project::Project;
//! use sessionkit_testkit::toolchain::Toolchain;
//!
//! let toolchain = Toolchain::from_env();
//! let project = Project::open("path/to/project".as_ref())?;
//! let catalog = project.build(&toolchain)?;          // forge build; then out/ read
//! let account = project.account(&catalog)?;         // sessionkit.toml, else the one that fits
//! println!("testing {}", account.describe());
//! # Ok::<(), sessionkit_testkit::project::ProjectError>(())
//! ```
//!
//! `sessionkit.toml` (every key optional; the format is in `docs/scenarios.md`):
//!
//! ```toml
//! [account]
//! contract = "VaultAccount"        # the account under test
//!
//! [factory]                        # enables the factory-account route
//! contract = "VaultAccountFactory"
//! create = "createAccount"         # (address owner, bytes32 salt) returns (address)
//! args = ["implementation"]        # constructor arguments
//!
//! [scenarios]
//! dir = "sessions"
//!
//! [check]
//! strict_simulator = false         # true: a disagreement with the simulator fails the run
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use alloy::json_abi::{Function, JsonAbi};

use crate::conformance::{Artifact, REQUIRED};
use crate::harness::{Factory, FactoryArg};
use crate::scenario::reader::{Source, Table};
use crate::scenario::values::{self, Input, Scope};
use crate::scenario::{
    self, Catalog, Context, ContractArtifact, Location, ScenarioError, ScenarioFile,
};
use crate::toolchain::{Tool, Toolchain, ToolchainError};

/// The configuration file's name, next to `foundry.toml`.
pub const CONFIG_FILE: &str = "sessionkit.toml";
/// Where scenario files are unless the configuration says otherwise.
pub const DEFAULT_SCENARIOS: &str = "sessions";

/// Why a project could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// The directory has no `foundry.toml`.
    #[error(
        "{0}: no foundry.toml: not a Foundry project (run `forge init`, or point --project at one)"
    )]
    NotAProject(PathBuf),
    /// `sessionkit.toml` (or a scenario file) is wrong.
    #[error(transparent)]
    Config(#[from] ScenarioError),
    /// forge could not be found.
    #[error(transparent)]
    Toolchain(#[from] ToolchainError),
    /// forge failed.
    #[error("{message}")]
    Build {
        /// What went wrong, on one line.
        message: String,
        /// forge's own output.
        output: String,
    },
    /// The build output could not be read.
    #[error("{0}")]
    Artifacts(String),
    /// The account to test is ambiguous or unfit.
    #[error("{0}")]
    Account(String),
}

/// What `sessionkit.toml` says.
#[derive(Debug, Clone, Default)]
pub struct ProjectConfig {
    /// `[account] contract`: the account under test, and where it is written.
    pub account: Option<(String, Location)>,
    /// `[factory]`.
    pub factory: Option<FactoryConfig>,
    /// `[scenarios] dir`, relative to the project.
    pub scenarios: Option<(PathBuf, Location)>,
    /// `[check] strict_simulator`.
    pub strict_simulator: Option<bool>,
}

/// `[factory]` of `sessionkit.toml`.
#[derive(Debug, Clone)]
pub struct FactoryConfig {
    /// The factory contract.
    pub contract: String,
    /// The function that creates an account (a name or a signature).
    pub create: String,
    /// The constructor arguments as written (`implementation` is the account implementation);
    /// `None`: `["implementation"]` when the constructor takes one address, else nothing.
    pub args: Option<Vec<(Input, Location)>>,
    /// Where `[factory]` is written.
    pub at: Location,
}

/// The account a project's check tests.
#[derive(Debug, Clone)]
pub enum AccountChoice {
    /// Named in `sessionkit.toml`.
    Configured(Arc<ContractArtifact>),
    /// The one contract of the project that implements the session-key interface.
    Found(Arc<ContractArtifact>),
    /// The project has none: sessionkit's bundled account.
    Bundled,
}

impl AccountChoice {
    /// The account as the runner takes it: the project's artifact, or the bundled account (also
    /// when the project's contract has exactly the bundled account's code, up to solc's
    /// metadata hash).
    pub fn artifact(&self) -> Result<Artifact, ProjectError> {
        match self {
            AccountChoice::Bundled => Ok(Artifact::bundled()),
            AccountChoice::Configured(c) | AccountChoice::Found(c) => {
                if same_code(
                    &c.bytecode,
                    sessionkit::contracts::session_account::bytecode(),
                ) {
                    return Ok(Artifact::bundled());
                }
                let text = std::fs::read_to_string(&c.path)
                    .map_err(|e| ProjectError::Artifacts(format!("{}: {e}", c.path.display())))?;
                Artifact::parse(&c.path, &text).map_err(ProjectError::Account)
            }
        }
    }

    /// One line for the report: `VaultAccount (src/VaultAccount.sol), named in
    /// sessionkit.toml`.
    pub fn describe(&self) -> String {
        match self {
            AccountChoice::Bundled => {
                "sessionkit's bundled SessionAccount (the project has no contract that implements the session-key interface)".into()
            }
            AccountChoice::Configured(c) | AccountChoice::Found(c) => {
                let how = if matches!(self, AccountChoice::Configured(_)) {
                    "named in sessionkit.toml"
                } else {
                    "the project's one contract that implements the session-key interface"
                };
                let same = if same_code(&c.bytecode, sessionkit::contracts::session_account::bytecode()) {
                    "; the same code as sessionkit's bundled account"
                } else {
                    ""
                };
                format!("{}, {how}{same}", c.label())
            }
        }
    }
}

/// Whether two creation codes are the same up to solc's metadata hash (which hashes file paths
/// and settings): the 34-byte IPFS hash after `a2 64 'ipfs' 58 22` is ignored.
pub fn same_code(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && without_metadata_hash(a) == without_metadata_hash(b)
}

fn without_metadata_hash(code: &[u8]) -> Vec<u8> {
    const MARKER: [u8; 8] = [0xa2, 0x64, b'i', b'p', b'f', b's', 0x58, 0x22];
    let mut out = code.to_vec();
    let mut i = 0;
    while i + MARKER.len() + 34 <= out.len() {
        if out[i..i + MARKER.len()] == MARKER {
            for b in &mut out[i + MARKER.len()..i + MARKER.len() + 34] {
                *b = 0;
            }
            i += MARKER.len() + 34;
        } else {
            i += 1;
        }
    }
    out
}

/// A Foundry project.
#[derive(Debug, Clone)]
pub struct Project {
    /// Its root (where `foundry.toml` is).
    pub root: PathBuf,
    /// Its `sessionkit.toml`, or the defaults.
    pub config: ProjectConfig,
    /// Whether `sessionkit.toml` exists.
    pub has_config: bool,
}

impl Project {
    /// Whether `dir` is a Foundry project (has `foundry.toml`).
    pub fn is_project(dir: &Path) -> bool {
        dir.join("foundry.toml").is_file()
    }

    /// Opens the project at `dir` and reads its `sessionkit.toml`, if any.
    pub fn open(dir: &Path) -> Result<Self, ProjectError> {
        if !Self::is_project(dir) {
            return Err(ProjectError::NotAProject(dir.to_owned()));
        }
        let path = dir.join(CONFIG_FILE);
        let (config, has_config) = if path.is_file() {
            let text = std::fs::read_to_string(&path).map_err(|e| ScenarioError {
                location: Location::code(CONFIG_FILE),
                message: format!("cannot read: {e}"),
            })?;
            (read_config(&text)?, true)
        } else {
            (ProjectConfig::default(), false)
        };
        Ok(Project {
            root: dir.to_owned(),
            config,
            has_config,
        })
    }

    /// The project's settings as forge resolves them (`forge config --json`).
    fn forge_config(&self, forge: &Path) -> Result<serde_json::Value, ProjectError> {
        let out = Command::new(forge)
            .args(["config", "--json", "--root"])
            .arg(&self.root)
            .output()
            .map_err(|e| ProjectError::Build {
                message: format!("cannot run {}: {e}", forge.display()),
                output: String::new(),
            })?;
        if !out.status.success() {
            let output = String::from_utf8_lossy(&out.stderr).into_owned();
            return Err(ProjectError::Build {
                message: format!(
                    "forge cannot read {}: {}",
                    self.root.join("foundry.toml").display(),
                    first_error(&output)
                ),
                output,
            });
        }
        serde_json::from_slice(&out.stdout).map_err(|e| ProjectError::Build {
            message: format!("`forge config --json` printed something that is not JSON: {e}"),
            output: String::new(),
        })
    }

    /// Builds the project with forge (its own settings and remappings; tests and scripts are
    /// skipped) and reads its artifacts. forge gets the solc of `toolchain` (`--use`) unless
    /// `foundry.toml` names a solc file that exists; it never downloads a compiler.
    pub fn build(&self, toolchain: &Toolchain) -> Result<Catalog, ProjectError> {
        let forge = toolchain.resolve(Tool::Forge)?.path;
        let config = self.forge_config(&forge)?;
        let mut command = Command::new(&forge);
        command.args(["build", "--root"]).arg(&self.root).args([
            "--offline",
            "--skip",
            "test",
            "--skip",
            "script",
        ]);
        let own_solc = config
            .get("solc")
            .and_then(|s| s.as_str())
            .map(|s| self.root.join(s))
            .filter(|p| p.is_file());
        if own_solc.is_none() {
            let solc = toolchain.resolve(Tool::Solc)?.path;
            command.arg("--use").arg(solc);
        }
        let out = command.output().map_err(|e| ProjectError::Build {
            message: format!("cannot run {}: {e}", forge.display()),
            output: String::new(),
        })?;
        if !out.status.success() {
            let output = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            return Err(ProjectError::Build {
                message: format!(
                    "forge build failed in {} ({}): {}",
                    self.root.display(),
                    out.status,
                    first_error(&output)
                ),
                output,
            });
        }
        let out_dir = config.get("out").and_then(|s| s.as_str()).unwrap_or("out");
        let out_dir = self.root.join(out_dir);
        if !out_dir.exists() {
            // A project without sources compiles nothing.
            return Ok(Catalog::new());
        }
        let all = Catalog::read_out_dir(&out_dir).map_err(ProjectError::Artifacts)?;
        // out/ may also hold what an earlier `forge build` made of tests and scripts (skipped
        // here), and of sources deleted since: only what this build compiled counts.
        let dirs: Vec<String> = ["test", "script"]
            .iter()
            .filter_map(|k| config.get(*k).and_then(|v| v.as_str()))
            .map(|d| format!("{}/", d.trim_end_matches('/')))
            .collect();
        let mut catalog = Catalog::new();
        for c in all.iter() {
            let keep = match &c.source {
                Some(source) => {
                    !source.ends_with(".t.sol")
                        && !source.ends_with(".s.sol")
                        && !dirs.iter().any(|d| source.starts_with(d.as_str()))
                        && self.root.join(source).is_file()
                }
                None => true,
            };
            if keep {
                catalog.insert(ContractArtifact::clone(c));
            }
        }
        Ok(catalog)
    }

    /// The account to test: the one `sessionkit.toml` names, else the one contract that
    /// implements the session-key interface, else (none) the bundled account. Several and none
    /// named is an error listing them.
    pub fn account(&self, catalog: &Catalog) -> Result<AccountChoice, ProjectError> {
        if let Some((name, at)) = &self.config.account {
            let c = catalog.find(name).map_err(|e| ScenarioError {
                location: at.clone(),
                message: format!("[account] contract: {e}"),
            })?;
            if c.bytecode.is_empty() {
                return Err(ScenarioError {
                    location: at.clone(),
                    message: format!("[account] contract: {} has no bytecode: an interface or abstract contract cannot be deployed", c.label()),
                }
                .into());
            }
            if let Some(missing) = missing_interface(&c.abi) {
                return Err(ScenarioError {
                    location: at.clone(),
                    message: format!("[account] contract: {} lacks {missing}: it does not implement the session-key interface", c.label()),
                }
                .into());
            }
            return Ok(AccountChoice::Configured(c));
        }
        let candidates: Vec<&Arc<ContractArtifact>> = catalog
            .iter()
            .filter(|c| !c.bytecode.is_empty() && missing_interface(&c.abi).is_none())
            .collect();
        match candidates.as_slice() {
            [] => Ok(AccountChoice::Bundled),
            [one] => Ok(AccountChoice::Found(Arc::clone(one))),
            several => Err(ProjectError::Account(format!(
                "several contracts implement the session-key interface: {}; name the one to test in {CONFIG_FILE} ([account] contract = \"{}\")",
                several.iter().map(|c| c.label()).collect::<Vec<_>>().join(", "),
                several[0].name
            ))),
        }
    }

    /// The factory `sessionkit.toml` names, ready for the harness (`None` without `[factory]`).
    pub fn factory(&self, catalog: &Catalog) -> Result<Option<Factory>, ProjectError> {
        let Some(f) = &self.config.factory else {
            return Ok(None);
        };
        let at = |message: String| {
            ProjectError::Config(ScenarioError {
                location: f.at.clone(),
                message,
            })
        };
        let c = catalog
            .find(&f.contract)
            .map_err(|e| at(format!("[factory] contract: {e}")))?;
        if c.bytecode.is_empty() {
            return Err(at(format!(
                "[factory] contract: {} has no bytecode",
                c.label()
            )));
        }
        let create =
            function_of(&c.abi, &f.create).map_err(|e| at(format!("[factory] create: {e}")))?;
        let constructor = c.abi.constructor.clone();
        let inputs = constructor
            .as_ref()
            .map(|k| k.inputs.clone())
            .unwrap_or_default();
        let args = match &f.args {
            Some(args) => {
                let scope = Scope { contracts: &[] };
                let mut out = Vec::new();
                for (i, (input, loc)) in args.iter().enumerate() {
                    let arg_error = |message: String| ProjectError::Config(ScenarioError { location: loc.clone(), message });
                    if matches!(input, Input::Text(t) if t == "implementation") {
                        out.push(FactoryArg::Implementation);
                        continue;
                    }
                    let Some(param) = inputs.get(i) else {
                        return Err(arg_error(format!("{}'s constructor takes {} argument(s), {} given", c.name, inputs.len(), args.len())));
                    };
                    let ty = alloy::dyn_abi::Specifier::resolve(param).map_err(|e| arg_error(e.to_string()))?;
                    let v = values::value(&ty, input, &scope).map_err(|e| arg_error(format!("[factory] args: argument {i}: {e}")))?;
                    let names = scenario::Names::new(alloy::primitives::Address::ZERO);
                    out.push(FactoryArg::Value(v.resolve(&names).map_err(arg_error)?));
                }
                out
            }
            None => match inputs.as_slice() {
                [] => Vec::new(),
                [p] if p.ty == "address" => vec![FactoryArg::Implementation],
                _ => {
                    return Err(at(format!(
                        "[factory]: {}'s constructor takes {} argument(s): give them with `args` (\"implementation\" is the account implementation)",
                        c.name,
                        inputs.len()
                    )))
                }
            },
        };
        Factory::new(c.bytecode.clone(), constructor, args, create)
            .map(Some)
            .map_err(|e| at(format!("[factory]: {e}")))
    }

    /// The scenario directory, as written (relative to the project), and whether it was
    /// configured.
    pub fn scenario_dir(&self) -> (PathBuf, bool) {
        match &self.config.scenarios {
            Some((dir, _)) => (dir.clone(), true),
            None => (PathBuf::from(DEFAULT_SCENARIOS), false),
        }
    }

    /// Reads every scenario file against the project's artifacts and the account's ABI; all
    /// files are read, and all their errors returned. No directory (when none is configured)
    /// means no scenarios.
    pub fn scenarios(
        &self,
        catalog: &Catalog,
        account: &JsonAbi,
    ) -> Result<Vec<ScenarioFile>, Vec<ScenarioError>> {
        let (dir, configured) = self.scenario_dir();
        let full = self.root.join(&dir);
        if !full.is_dir() {
            if configured {
                let at = self
                    .config
                    .scenarios
                    .as_ref()
                    .map(|(_, l)| l.clone())
                    .unwrap_or_else(|| Location::code(CONFIG_FILE));
                return Err(vec![ScenarioError {
                    location: at,
                    message: format!("[scenarios] dir: {} is not a directory", full.display()),
                }]);
            }
            return Ok(Vec::new());
        }
        scenario::load_dir(
            &full,
            &dir.to_string_lossy(),
            &Context::new(catalog, account),
        )
    }
}

/// The first of the interface's required functions that `abi` lacks (by selector), if any.
pub fn missing_interface(abi: &JsonAbi) -> Option<String> {
    let bundled: JsonAbi = Artifact::bundled().abi;
    for name in REQUIRED {
        let Some(f) = bundled.functions().find(|f| f.name == name) else {
            continue;
        };
        if !abi.functions().any(|g| g.selector() == f.selector()) {
            return Some(f.signature());
        }
    }
    None
}

/// The function `spec` (a name, or a signature) of `abi`.
fn function_of(abi: &JsonAbi, spec: &str) -> Result<Function, String> {
    let found: Vec<&Function> = if spec.contains('(') {
        let parsed = Function::parse(spec)
            .map_err(|e| format!("{spec:?} is not a function signature: {e}"))?;
        abi.functions()
            .filter(|f| f.selector() == parsed.selector())
            .collect()
    } else {
        abi.functions().filter(|f| f.name == spec).collect()
    };
    match found.as_slice() {
        [one] => Ok((*one).clone()),
        [] => {
            let mut names: Vec<&str> = abi.functions().map(|f| f.name.as_str()).collect();
            names.dedup();
            Err(format!(
                "no function {spec}: its functions are {}",
                names.join(", ")
            ))
        }
        several => Err(format!(
            "{spec} is overloaded: write its signature, one of {}",
            several
                .iter()
                .map(|f| f.signature())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The first line of forge's output that reports an error, with the line after it (the
/// `--> file:line` of a compiler error) when there is one.
fn first_error(output: &str) -> String {
    let lines: Vec<&str> = output
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    // A compiler error (`Error (7576): …`) says more than forge's own "Compiler run failed".
    let Some(i) = lines
        .iter()
        .position(|l| l.starts_with("Error ("))
        .or_else(|| {
            lines
                .iter()
                .position(|l| l.starts_with("Error") || l.contains("error"))
        })
    else {
        return lines.last().copied().unwrap_or("no output").to_owned();
    };
    match lines.get(i + 1).filter(|l| l.starts_with("-->")) {
        Some(at) => format!("{} {at}", lines[i]),
        None => lines[i].to_owned(),
    }
}

/// Parses `sessionkit.toml`.
pub fn read_config(text: &str) -> Result<ProjectConfig, ScenarioError> {
    let src = Source {
        file: CONFIG_FILE.into(),
        text,
    };
    let doc = src.parse()?;
    let root = Table::new(&src, doc.get_ref(), doc.span(), CONFIG_FILE);
    let mut config = ProjectConfig::default();
    if let Some(t) = root.table("account", "[account]")? {
        let (name, span) = t.req_str("contract", "\"MyAccount\"")?;
        config.account = Some((name.to_owned(), src.location(span.start)));
        t.finish(&["contract"])?;
    }
    if let Some(t) = root.table("factory", "[factory]")? {
        let (contract, _) = t.req_str("contract", "\"MyAccountFactory\"")?;
        let create = t
            .str("create")?
            .map(|(s, _)| s.to_owned())
            .unwrap_or_else(|| "createAccount".into());
        let args = match t.array("args")? {
            None => None,
            Some((items, _)) => Some(
                items
                    .iter()
                    .map(|i| {
                        Input::from_toml(i.get_ref())
                            .map(|input| (input, src.location(i.span().start)))
                            .map_err(|e| src.error(&i.span(), format!("[factory] args: {e}")))
                    })
                    .collect::<Result<_, _>>()?,
            ),
        };
        t.finish(&["contract", "create", "args"])?;
        config.factory = Some(FactoryConfig {
            contract: contract.to_owned(),
            create,
            args,
            at: src.location(t.span.start),
        });
    }
    if let Some(t) = root.table("scenarios", "[scenarios]")? {
        if let Some((dir, span)) = t.str("dir")? {
            if dir.trim().is_empty() {
                return Err(src.error(&span, "[scenarios] dir is empty"));
            }
            config.scenarios = Some((PathBuf::from(dir), src.location(span.start)));
        }
        t.finish(&["dir"])?;
    }
    if let Some(t) = root.table("check", "[check]")? {
        config.strict_simulator = t.bool("strict_simulator")?;
        t.finish(&["strict_simulator"])?;
    }
    root.finish(&["account", "factory", "scenarios", "check"])?;
    Ok(config)
}

/// What `sessionkit init` writes: `sessionkit.toml` (naming `account` when one is known) and a
/// first scenario file that runs in any project (a small payment under a transfer policy),
/// with the contract calls of the format shown in comments.
pub fn init_files(account: Option<&str>) -> [(PathBuf, String); 2] {
    let account_section = match account {
        Some(name) => format!("[account]\ncontract = \"{name}\"\n"),
        None => "# [account]\n# contract = \"MyAccount\"   # when the project has several accounts; with none, the bundled one is tested\n".into(),
    };
    let config = format!(
        "# sessionkit check: the conformance suite and these scenarios against the project's account.\n\
         # Every key is optional; see docs/scenarios.md of sessionkit.\n\
         {account_section}\n\
         # [factory]                       # enables the factory-account route for your account\n\
         # contract = \"MyAccountFactory\"\n\
         # create = \"createAccount\"        # (address owner, bytes32 salt) returns (address)\n\
         # args = [\"implementation\"]\n\
         \n\
         [scenarios]\n\
         dir = \"{DEFAULT_SCENARIOS}\"\n\
         \n\
         [check]\n\
         strict_simulator = false          # true: a disagreement with sessionkit's simulator fails the run\n"
    );
    let scenario = "\
# A first scenario: a session key that may pay bob a little ether, and nothing else.
# Deploy your own contracts and call them by name:
#
#   [contracts]
#   token = { artifact = \"MyToken\", args = [\"My Token\", \"MTK\"] }
#   vault = { artifact = \"Vault\", args = [\"token\"] }
#
#   [[setup]]
#   call = \"token.mint(account, 1000)\"      # by the owner, through the account
#
#   [[session.call]]
#   target = \"vault\"
#   function = \"withdraw\"
#   params.amount = { lte = \"100\", lifetime = \"250\" }
#   params.to = { eq = \"bob\" }

[session]
expires_in = \"1h\"

[[session.transfer]]
target = \"bob\"
max_value_per_use = \"0.01 ether\"
value_limit = { lifetime = \"0.03 ether\" }

[[setup]]
fund = \"account\"
balance = \"1 ether\"

[[scenario]]
name = \"the session key pays bob within its caps\"
steps = [
  { call = \"bob\", value = \"0.01 ether\", expect = \"allowed\" },
  { call = \"bob\", value = \"0.02 ether\", expect = \"MaxValueExceeded\" },
  { call = \"carol\", value = \"0.01 ether\", expect = \"TransferPolicyViolated\" },
  { calls = [{ target = \"bob\", value = \"0.01 ether\" }, { target = \"bob\", value = \"0.01 ether\" }], expect = \"allowed\" },
  { call = \"bob\", value = \"0.01 ether\", expect = \"LifetimeUsageExceeded\" },
]

[[scenario]]
name = \"the session key stops at its expiry\"
steps = [
  { call = \"bob\", value = \"1 wei\", at = \"expiry - 1s\", expect = \"allowed\" },
  { call = \"bob\", value = \"1 wei\", at = \"expiry\", expect = \"expired\" },
]
"
    .to_owned();
    [
        (PathBuf::from(CONFIG_FILE), config),
        (
            PathBuf::from(DEFAULT_SCENARIOS).join("first.toml"),
            scenario,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contract(name: &str, source: &str, abi: &JsonAbi, code: &[u8]) -> ContractArtifact {
        ContractArtifact {
            name: name.into(),
            source: Some(source.into()),
            path: PathBuf::from(format!("out/{name}.json")),
            abi: abi.clone(),
            bytecode: code.to_vec().into(),
        }
    }

    fn project(config: ProjectConfig) -> Project {
        Project {
            root: PathBuf::from("."),
            config,
            has_config: true,
        }
    }

    #[test]
    fn the_account_is_the_configured_one_else_the_one_that_fits_else_the_bundled_one() {
        let bundled = Artifact::bundled();
        let token =
            JsonAbi::parse(["function transfer(address to, uint256 amount) returns (bool)"])
                .unwrap();
        let mut catalog = Catalog::new();
        catalog.insert(contract("Token", "src/Token.sol", &token, &[0x60, 0x00]));
        assert!(matches!(
            project(ProjectConfig::default()).account(&catalog),
            Ok(AccountChoice::Bundled)
        ));

        let mut mine = bundled.bytecode.to_vec();
        *mine.last_mut().unwrap() ^= 1; // not the bundled code
        catalog.insert(contract(
            "MyAccount",
            "src/MyAccount.sol",
            &bundled.abi,
            &mine,
        ));
        let found = project(ProjectConfig::default()).account(&catalog).unwrap();
        assert!(matches!(&found, AccountChoice::Found(c) if c.name == "MyAccount"));
        assert_eq!(
            found.describe(),
            "MyAccount (src/MyAccount.sol), the project's one contract that implements the session-key interface"
        );

        catalog.insert(contract("Other", "src/Other.sol", &bundled.abi, &mine));
        let e = project(ProjectConfig::default())
            .account(&catalog)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "several contracts implement the session-key interface: MyAccount (src/MyAccount.sol), Other (src/Other.sol); name the one to test in sessionkit.toml ([account] contract = \"MyAccount\")"
        );
        let named = ProjectConfig {
            account: Some(("Other".into(), Location::code(CONFIG_FILE))),
            ..ProjectConfig::default()
        };
        assert!(
            matches!(project(named).account(&catalog), Ok(AccountChoice::Configured(c)) if c.name == "Other")
        );
        let wrong = ProjectConfig {
            account: Some(("Token".into(), Location::code(CONFIG_FILE))),
            ..ProjectConfig::default()
        };
        let e = project(wrong).account(&catalog).unwrap_err().to_string();
        assert!(
            e.contains("Token (src/Token.sol) lacks execute((address,uint256,bytes)[])"),
            "{e}"
        );
    }

    #[test]
    fn the_bundled_code_is_recognised_up_to_the_metadata_hash() {
        let code = sessionkit::contracts::session_account::bytecode().to_vec();
        let marker = [0xa2, 0x64, b'i', b'p', b'f', b's', 0x58, 0x22];
        let at = code
            .windows(8)
            .rposition(|w| w == marker)
            .expect("solc's metadata");
        let mut rebuilt = code.clone();
        rebuilt[at + 8] ^= 0xff; // another metadata hash
        assert!(same_code(&code, &rebuilt));
        let mut changed = code.clone();
        changed[10] ^= 0xff;
        assert!(!same_code(&code, &changed));
        let choice = AccountChoice::Found(Arc::new(contract(
            "SessionAccount",
            "contracts/SessionAccount.sol",
            &Artifact::bundled().abi,
            &rebuilt,
        )));
        assert!(choice.artifact().unwrap().is_bundled());
        assert!(choice
            .describe()
            .ends_with("; the same code as sessionkit's bundled account"));
    }

    #[test]
    fn sessionkit_toml_reads_every_key_and_names_the_line_of_a_mistake() {
        let config = read_config(
            "[account]\ncontract = \"A\"\n[factory]\ncontract = \"F\"\ncreate = \"make(address,uint256)\"\nargs = [\"implementation\", 7]\n[scenarios]\ndir = \"scenarios\"\n[check]\nstrict_simulator = true\n",
        )
        .unwrap();
        assert_eq!(config.account.as_ref().unwrap().0, "A");
        assert_eq!(
            config.account.as_ref().unwrap().1.to_string(),
            "sessionkit.toml:2:12"
        );
        let factory = config.factory.unwrap();
        assert_eq!(
            (factory.contract.as_str(), factory.create.as_str()),
            ("F", "make(address,uint256)")
        );
        assert_eq!(factory.args.unwrap().len(), 2);
        assert_eq!(config.scenarios.unwrap().0, PathBuf::from("scenarios"));
        assert_eq!(config.strict_simulator, Some(true));
        assert_eq!(
            read_config("[check]\nstrict = true\n")
                .unwrap_err()
                .to_string(),
            "sessionkit.toml:2:1: unknown key `strict` in [check]: expected `strict_simulator`"
        );
        assert_eq!(
            read_config("[account]\n").unwrap_err().to_string(),
            "sessionkit.toml:1:1: [account] needs `contract` (e.g. contract = \"MyAccount\")"
        );
        assert!(read_config("[check]\nstrict_simulator = \"yes\"\n")
            .unwrap_err()
            .to_string()
            .starts_with(
                "sessionkit.toml:2:20: [check] `strict_simulator`: expected true or false"
            ));
    }

    #[test]
    fn the_init_files_read_back() {
        let [(config_path, config), (scenario_path, scenario)] = init_files(Some("MyAccount"));
        assert_eq!(config_path, PathBuf::from("sessionkit.toml"));
        assert_eq!(
            read_config(&config).unwrap().account.unwrap().0,
            "MyAccount"
        );
        assert!(read_config(&init_files(None)[0].1)
            .unwrap()
            .account
            .is_none());
        let catalog = Catalog::new();
        let abi = Artifact::bundled().abi;
        let file = ScenarioFile::parse(
            &scenario_path.to_string_lossy(),
            &scenario,
            &Context::new(&catalog, &abi),
        )
        .unwrap();
        assert_eq!(file.scenarios.len(), 2);
    }
}
