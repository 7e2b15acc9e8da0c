//! The `Generator` builder: inputs, settings, in-memory rendering and writing.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use alloy::json_abi::JsonAbi;
use alloy::primitives::keccak256;

use crate::codegen::account;
use crate::codegen::analysis::Analyzed;
use crate::codegen::error::{Error, Result, Source};
use crate::codegen::input::AbiInput;
use crate::codegen::render::{render, render_module, TEMPLATES};
use crate::codegen::target::{self, AccountModel, IndexModel, IndexModule, Options};
use crate::params;

/// The name of the index file that includes every module file.
pub const INDEX_FILE: &str = "mod.rs";

/// The default name of the account module.
pub const DEFAULT_ACCOUNT_MODULE: &str = "account";

/// The file in the output directory that records what the output was generated from: when the
/// inputs, the settings and the generator are unchanged, `generate()` writes nothing.
pub const STAMP_FILE: &str = ".sessionkit-gen.stamp";

/// Generates bindings and call-policy builders from ABIs.
///
/// ```no_run
/// // build.rs
/// sessionkit::codegen::Generator::new()
///     .account_abi("abi/SessionAccount.json")
///     .target("erc20", "abi/ERC20.json")
///     .generate()?; // into OUT_DIR
/// # Ok::<(), sessionkit::codegen::Error>(())
/// ```
///
/// Output: one file per module (`account.rs`, `erc20.rs`) and [`INDEX_FILE`] (`mod.rs`), which
/// declares the modules and `include!`s their files; include that one file:
///
/// ```ignore
/// mod bindings {
///     include!(concat!(env!("OUT_DIR"), "/mod.rs"));
/// }
/// use bindings::erc20;
/// use sessionkit::typed::{eq, lte};
/// let policy = erc20::transfer().to(eq(bob)).value(lte(100u64)).build(token);
/// ```
///
/// Written into a source directory (the CLI's `--out src/bindings`), `mod bindings;` loads
/// `mod.rs` directly.
#[derive(Debug, Clone)]
#[must_use = "a generator does nothing until `generate()` or `render()`"]
pub struct Generator {
    account: Option<AbiInput>,
    account_module: String,
    targets: Vec<(String, AbiInput)>,
    contract_names: BTreeMap<String, String>,
    out_dir: Option<PathBuf>,
    rpc: bool,
    views: bool,
    runtime_path: String,
    rerun_if_changed: Option<bool>,
}

impl Default for Generator {
    fn default() -> Self {
        Self::new()
    }
}

/// A file [`Generator::generate`] wrote or left alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenFile {
    /// The file's path.
    pub path: PathBuf,
    /// Whether its content changed (unchanged files are not rewritten).
    pub changed: bool,
}

impl Generator {
    /// A generator with no inputs, the account module named `account`, `#[sol(rpc)]` bindings,
    /// builders for state-changing functions only, the runtime at `::sessionkit`, and output
    /// into `OUT_DIR`.
    pub fn new() -> Self {
        Generator {
            account: None,
            account_module: DEFAULT_ACCOUNT_MODULE.to_string(),
            targets: Vec::new(),
            contract_names: BTreeMap::new(),
            out_dir: None,
            rpc: true,
            views: false,
            runtime_path: "::sessionkit".to_string(),
            rerun_if_changed: None,
        }
    }

    /// The account ABI (optional): a JSON ABI array or a compiler artifact with an `abi` key
    /// (Foundry, Hardhat). It must have the session-key interface (`docs/interface.md`); its
    /// module holds its bindings. Relative paths are relative to the current directory (in a
    /// build script: the package's directory).
    pub fn account_abi(mut self, path: impl Into<PathBuf>) -> Self {
        self.account = Some(AbiInput::Path(path.into()));
        self
    }

    /// The account ABI, in memory.
    pub fn account_abi_json(mut self, abi: JsonAbi) -> Self {
        self.account = Some(AbiInput::Json(Box::new(abi)));
        self
    }

    /// The account ABI of sessionkit's own account, from the artifact this crate ships
    /// ([`contracts::session_account::ARTIFACT`](crate::contracts::session_account::ARTIFACT)):
    /// no file to copy into the project, and the bindings carry its bytecode.
    pub fn bundled_account(mut self) -> Self {
        self.account = Some(AbiInput::Bundled);
        self
    }

    /// The account module's name (default `account`).
    pub fn account_module(mut self, name: impl Into<String>) -> Self {
        self.account_module = name.into();
        self
    }

    /// A target contract's ABI (a file: a JSON ABI, or an artifact whose bytecode the bindings
    /// then carry), generated as module `module`.
    pub fn target(mut self, module: impl Into<String>, path: impl Into<PathBuf>) -> Self {
        self.targets
            .push((module.into(), AbiInput::Path(path.into())));
        self
    }

    /// A target contract's ABI (in memory), generated as module `module`.
    pub fn target_abi_json(mut self, module: impl Into<String>, abi: JsonAbi) -> Self {
        self.targets
            .push((module.into(), AbiInput::Json(Box::new(abi))));
        self
    }

    /// The `sol!` interface name of module `module`'s bindings. By default it is the file's
    /// name up to the first `.` (`ERC20.json` → `ERC20`), in UpperCamelCase if that is not an
    /// identifier (`session-account.abi.json` → `SessionAccount`), or the module's name in
    /// UpperCamelCase for in-memory ABIs (`erc20` → `Erc20`).
    pub fn contract_name(mut self, module: impl Into<String>, name: impl Into<String>) -> Self {
        self.contract_names.insert(module.into(), name.into());
        self
    }

    /// Whether the bindings carry `#[sol(rpc)]` (default `true`): contract instances for calls
    /// through a provider, which need alloy's `contract` feature downstream. Without it the
    /// generated code needs only `alloy`'s `sol-types`.
    pub fn rpc(mut self, yes: bool) -> Self {
        self.rpc = yes;
        self
    }

    /// Whether `view` and `pure` functions get call-policy builders too (default `false`: a
    /// session has no reason to `execute` a view).
    pub fn views(mut self, yes: bool) -> Self {
        self.views = yes;
        self
    }

    /// The path generated code uses for the runtime's support code (default `::sessionkit`), as
    /// prost-build's `prost_path`: set it when the runtime is re-exported or renamed.
    pub fn runtime_path(mut self, path: impl Into<String>) -> Self {
        self.runtime_path = path.into();
        self
    }

    /// The directory [`generate`](Self::generate) writes into (created if missing). Default:
    /// `OUT_DIR`.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Whether [`generate`](Self::generate) prints `cargo:rerun-if-changed=<path>` for every
    /// input file. By default it does when it runs in a build script (`OUT_DIR`, `TARGET` and
    /// `HOST` are set).
    pub fn emit_rerun_if_changed(mut self, yes: bool) -> Self {
        self.rerun_if_changed = Some(yes);
        self
    }

    /// The input files (account first), for `rerun-if-changed` or a CLI's report.
    pub fn input_files(&self) -> Vec<&Path> {
        self.account
            .iter()
            .chain(self.targets.iter().map(|(_, input)| input))
            .filter_map(AbiInput::path)
            .collect()
    }

    /// Renders every file in memory: file name (`mod.rs`, `account.rs`, `erc20.rs`) to content.
    /// Nothing is written.
    pub fn render(&self) -> Result<BTreeMap<String, String>> {
        let mut modules: BTreeMap<&str, Source> = BTreeMap::new();
        let all = self
            .account
            .iter()
            .map(|input| (self.account_module.as_str(), input))
            .chain(self.targets.iter().map(|(m, input)| (m.as_str(), input)));
        for (module, input) in all {
            let source = input.source(module);
            if !params::is_plain_ident(module) {
                return Err(Error::InvalidModuleName {
                    input: source,
                    module: module.to_string(),
                });
            }
            if let Some(first) = modules.get(module) {
                return Err(Error::DuplicateModule {
                    module: module.to_string(),
                    first: first.clone(),
                    second: source,
                });
            }
            modules.insert(module, source);
        }
        if let Some(module) = self
            .contract_names
            .keys()
            .find(|m| !modules.contains_key(m.as_str()))
        {
            return Err(Error::UnknownModule {
                module: module.clone(),
            });
        }
        let options = Options {
            runtime: self.runtime_path.clone(),
            rpc: self.rpc,
            views: self.views,
        };
        let mut files = BTreeMap::new();
        let mut index = IndexModel {
            modules: Vec::new(),
        };
        if let Some(input) = &self.account {
            let loaded = input.load(
                &self.account_module,
                self.contract_name_of(&self.account_module),
            )?;
            let analyzed = Analyzed::new(&loaded)?;
            account::check_interface(&loaded, &analyzed)?;
            let model = AccountModel {
                module: loaded.module.clone(),
                source: target::doc_safe(&loaded.source.doc_label()),
                contract: loaded.contract.clone(),
                sol: target::sol_block(&loaded, &analyzed, self.rpc, loaded.bytecode())?,
            };
            let file = format!("{}.rs", model.module);
            let content =
                render_module::<(), ()>(&model.sol, &model.module, None, "call_policy", &[])?;
            files.insert(file.clone(), content);
            index.modules.push(IndexModule {
                module: model.module.clone(),
                file,
                docs: vec![
                    format!("Bindings of the account `{}` (from `{}`): its calls, events, errors and structs as alloy types.", model.contract, model.source),
                    String::new(),
                    "The session model itself is the runtime's (`sessionkit::policy`); this module is for calling the account's own functions.".into(),
                ],
            });
        }
        for (module, input) in &self.targets {
            let loaded = input.load(module, self.contract_name_of(module))?;
            let analyzed = Analyzed::new(&loaded)?;
            let model = target::target_model(&loaded, &analyzed, loaded.bytecode(), &options)?;
            let file = format!("{}.rs", model.module);
            let content = render_module(
                &model.sol,
                &model.module,
                Some(("target", &model)),
                "call_policy",
                &model.functions,
            )?;
            files.insert(file.clone(), content);
            let mut docs = vec![format!(
                "Bindings of `{}` (from `{}`) and a call-policy builder per {}function: {}.",
                model.contract,
                model.source,
                if self.views { "" } else { "state-changing " },
                if model.summary.is_empty() {
                    "none".to_owned()
                } else {
                    model
                        .summary
                        .iter()
                        .map(|s| format!("`{}()` (`{}`)", s.func, s.signature))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            )];
            docs.push(String::new());
            docs.push("Each constructor returns the module's `CallPolicyBuilder`, with one method per parameter word; `build(target)` yields a `sessionkit::policy::CallPolicy`.".into());
            if model.skipped_views > 0 {
                docs.push(String::new());
                docs.push(format!(
                    "{} `view`/`pure` function(s) have bindings but no builder (`Generator::views(true)` adds them).",
                    model.skipped_views
                ));
            }
            index.modules.push(IndexModule {
                module: model.module.clone(),
                file,
                docs,
            });
        }
        files.insert(INDEX_FILE.to_string(), render("index", "(index)", &index)?);
        Ok(files)
    }

    /// Renders every file and writes those whose content changed into the output directory,
    /// all or nothing: each is written to a temporary file first and renamed into place only
    /// when all are written. Nothing is written if any input is malformed, and nothing at all
    /// (no file is even rendered) when the inputs, the settings and the generator are those
    /// the directory's stamp records.
    pub fn generate(&self) -> Result<Vec<WrittenFile>> {
        if self.rerun_if_changed.unwrap_or_else(in_build_script) {
            for path in self.input_files() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or(Error::NoOutDir)?,
        };
        let stamp = self.stamp()?;
        let stamp_path = out_dir.join(STAMP_FILE);
        // The stamp: the inputs' hash, then `<hash of the file> <file>` per output. A match on
        // every line means the output is what these inputs give: nothing to do.
        if let Ok(previous) = std::fs::read_to_string(&stamp_path) {
            let mut lines = previous.lines();
            if lines.next() == Some(stamp.as_str()) {
                let mut unchanged = Vec::new();
                let all_there = lines.all(|line| {
                    let Some((hash, name)) = line.split_once(' ') else {
                        return false;
                    };
                    let path = out_dir.join(name);
                    let same =
                        std::fs::read(&path).is_ok_and(|b| keccak256(&b).to_string() == hash);
                    unchanged.push(WrittenFile {
                        path,
                        changed: false,
                    });
                    same
                });
                if all_there && !unchanged.is_empty() {
                    return Ok(unchanged);
                }
            }
        }
        let files = self.render()?;
        std::fs::create_dir_all(&out_dir).map_err(|e| Error::Write {
            path: out_dir.clone(),
            source: e,
        })?;
        let written = write_all(&out_dir, &files)?;
        let mut record = stamp;
        for (name, content) in &files {
            record.push_str(&format!("\n{} {name}", keccak256(content.as_bytes())));
        }
        write_all(
            &out_dir,
            &BTreeMap::from([(STAMP_FILE.to_string(), record)]),
        )?;
        Ok(written)
    }

    /// A hash of everything the output depends on: the inputs' bytes, the settings, the
    /// generator's version and its templates.
    fn stamp(&self) -> Result<String> {
        let mut data = Vec::new();
        let mut add = |bytes: &[u8]| {
            data.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
            data.extend_from_slice(bytes);
        };
        add(env!("CARGO_PKG_VERSION").as_bytes());
        for (name, text) in TEMPLATES {
            add(name.as_bytes());
            add(text.as_bytes());
        }
        add(format!(
            "{}|{}|{}|{}|{:?}",
            self.account_module, self.rpc, self.views, self.runtime_path, self.contract_names
        )
        .as_bytes());
        let inputs = self
            .account
            .iter()
            .map(|i| (self.account_module.as_str(), i))
            .chain(self.targets.iter().map(|(m, i)| (m.as_str(), i)));
        for (module, input) in inputs {
            add(module.as_bytes());
            match input {
                AbiInput::Path(path) => {
                    add(b"file");
                    add(&std::fs::read(path).map_err(|e| Error::Read {
                        path: path.clone(),
                        source: e,
                    })?);
                }
                AbiInput::Json(abi) => {
                    add(b"json");
                    add(serde_json::to_string(abi).unwrap_or_default().as_bytes());
                }
                AbiInput::Bundled => {
                    add(b"bundled");
                    add(crate::contracts::session_account::ARTIFACT.as_bytes());
                }
            }
        }
        Ok(keccak256(&data).to_string())
    }

    fn contract_name_of(&self, module: &str) -> Option<&str> {
        self.contract_names.get(module).map(String::as_str)
    }
}

fn in_build_script() -> bool {
    ["OUT_DIR", "TARGET", "HOST"]
        .iter()
        .all(|v| std::env::var_os(v).is_some())
}

/// Writes every file of `files` whose content changed into `dir`, all or nothing: first each to
/// a temporary file beside it, then (only when every one was written) each renamed into place.
fn write_all(dir: &Path, files: &BTreeMap<String, String>) -> Result<Vec<WrittenFile>> {
    let mut pending: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut out = Vec::with_capacity(files.len());
    let cleanup = |pending: &[(PathBuf, PathBuf)]| {
        for (tmp, _) in pending {
            let _ = std::fs::remove_file(tmp);
        }
    };
    // The index last: it is what includes the others.
    let mut ordered: Vec<(&String, &String)> = files
        .iter()
        .filter(|(n, _)| n.as_str() != INDEX_FILE)
        .collect();
    ordered.extend(files.get_key_value(INDEX_FILE));
    for (name, content) in ordered {
        let path = dir.join(name);
        if path.is_dir() {
            cleanup(&pending);
            return Err(Error::Write {
                path,
                source: std::io::Error::other("a directory is in the way"),
            });
        }
        if std::fs::read(&path).is_ok_and(|existing| existing == content.as_bytes()) {
            out.push(WrittenFile {
                path,
                changed: false,
            });
            continue;
        }
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let written = std::fs::File::create(&tmp)
            .and_then(|mut f| f.write_all(content.as_bytes()).and_then(|()| f.sync_all()));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            cleanup(&pending);
            return Err(Error::Write { path, source: e });
        }
        pending.push((tmp, path.clone()));
        out.push(WrittenFile {
            path,
            changed: true,
        });
    }
    for (k, (tmp, path)) in pending.iter().enumerate() {
        if let Err(e) = std::fs::rename(tmp, path) {
            cleanup(&pending[k..]);
            return Err(Error::Write {
                path: path.clone(),
                source: e,
            });
        }
    }
    Ok(out)
}
