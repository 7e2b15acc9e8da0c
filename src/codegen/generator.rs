//! The `Generator` builder: inputs, settings, in-memory rendering and writing.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use alloy::json_abi::JsonAbi;

use crate::codegen::error::{Error, Result, Source};
use crate::codegen::input::AbiInput;
use crate::codegen::model::{self, IndexModel, IndexModule};
use crate::codegen::names;
use crate::codegen::render::{render, render_module};

/// The name of the index file that includes every module file.
pub const INDEX_FILE: &str = "mod.rs";

/// The default name of the account module.
pub const DEFAULT_ACCOUNT_MODULE: &str = "account";

/// Generates bindings and policy builders from an account ABI and target ABIs.
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
/// Output: one file per module (`account.rs`, `erc20.rs`, each holding `pub mod <name> { … }`)
/// and [`INDEX_FILE`] (`mod.rs`), which `include!`s them all; include that one file:
///
/// ```ignore
/// mod bindings {
///     include!(concat!(env!("OUT_DIR"), "/mod.rs"));
/// }
/// use bindings::{account::{eq, lte}, erc20};
/// ```
///
/// Target modules refer to the account module as `super::<account module>`, so the modules
/// must be included side by side (as `mod.rs` does). Written into a source directory (the CLI's
/// `--out src/bindings`), `mod bindings;` loads `mod.rs` directly.
#[derive(Debug, Clone)]
#[must_use = "a generator does nothing until `generate()` or `render()`"]
pub struct Generator {
    account: Option<AbiInput>,
    account_module: String,
    targets: Vec<(String, AbiInput)>,
    contract_names: BTreeMap<String, String>,
    out_dir: Option<PathBuf>,
    rpc: bool,
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
    /// and output into `OUT_DIR`.
    pub fn new() -> Self {
        Generator {
            account: None,
            account_module: DEFAULT_ACCOUNT_MODULE.to_string(),
            targets: Vec::new(),
            contract_names: BTreeMap::new(),
            out_dir: None,
            rpc: true,
            rerun_if_changed: None,
        }
    }

    /// The account ABI: a JSON ABI array or a compiler artifact with an `abi` key (Foundry,
    /// Hardhat). Relative paths are relative to the current directory (in a build script: the
    /// package's directory).
    pub fn account_abi(mut self, path: impl Into<PathBuf>) -> Self {
        self.account = Some(AbiInput::Path(path.into()));
        self
    }

    /// The account ABI, in memory.
    pub fn account_abi_json(mut self, abi: JsonAbi) -> Self {
        self.account = Some(AbiInput::Json(Box::new(abi)));
        self
    }

    /// The account module's name (default `account`).
    pub fn account_module(mut self, name: impl Into<String>) -> Self {
        self.account_module = name.into();
        self
    }

    /// A target contract's ABI (file), generated as module `module`.
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

    /// The directory [`generate`](Self::generate) writes into (created if missing). Default:
    /// `OUT_DIR`.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Whether [`generate`](Self::generate) prints `cargo:rerun-if-changed=<path>` for every
    /// input file. By default it does when it runs in a build script (`OUT_DIR`, `TARGET` and
    /// `HOST` are set). The templates are compiled into the generator, so a change to them
    /// rebuilds it and reruns the build script anyway.
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
        let account = self.account.as_ref().ok_or(Error::NoAccount)?;
        let account_source = account.source(&self.account_module);
        check_module_name(&self.account_module, &account_source)?;
        let mut modules: BTreeMap<&str, Source> = BTreeMap::new();
        modules.insert(&self.account_module, account_source);
        for (module, input) in &self.targets {
            let source = input.source(module);
            check_module_name(module, &source)?;
            if let Some(first) = modules.get(module.as_str()) {
                return Err(Error::DuplicateModule {
                    module: module.clone(),
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

        let loaded = account.load(
            &self.account_module,
            self.contract_name_of(&self.account_module),
        )?;
        let (account_model, account_info) = model::account_model(&loaded, self.rpc)?;
        let mut targets = Vec::with_capacity(self.targets.len());
        for (module, input) in &self.targets {
            let loaded = input.load(module, self.contract_name_of(module))?;
            targets.push(model::target_model(&loaded, &account_info, self.rpc)?);
        }

        let mut files = BTreeMap::new();
        let mut index = IndexModel {
            modules: Vec::new(),
        };
        let file = format!("{}.rs", self.account_module);
        let content = render_module(
            &account_model.sol,
            "account",
            &self.account_module,
            std::slice::from_ref(&account_model),
        )?;
        files.insert(file.clone(), content);
        index.modules.push(IndexModule {
            module: self.account_module.clone(),
            file,
            account: Some(&account_model),
            target: None,
        });
        for target in &targets {
            let file = format!("{}.rs", target.module);
            files.insert(
                file.clone(),
                render_module(&target.sol, "call_policy", &target.module, &target.policies)?,
            );
            index.modules.push(IndexModule {
                module: target.module.clone(),
                file,
                account: None,
                target: Some(target),
            });
        }
        files.insert(INDEX_FILE.to_string(), render("index", "(index)", &index)?);
        Ok(files)
    }

    /// Renders every file and writes those whose content changed into the output directory
    /// (each through a temporary file and a rename, so no file is ever half-written). Nothing
    /// is written if any input is malformed.
    pub fn generate(&self) -> Result<Vec<WrittenFile>> {
        if self.rerun_if_changed.unwrap_or_else(in_build_script) {
            for path in self.input_files() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
        let files = self.render()?;
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or(Error::NoOutDir)?,
        };
        std::fs::create_dir_all(&out_dir).map_err(|e| Error::Write {
            path: out_dir.clone(),
            source: e,
        })?;
        files
            .iter()
            .map(|(name, content)| {
                let path = out_dir.join(name);
                let changed = write_if_changed(&path, content.as_bytes())?;
                Ok(WrittenFile { path, changed })
            })
            .collect()
    }

    fn contract_name_of(&self, module: &str) -> Option<&str> {
        self.contract_names.get(module).map(String::as_str)
    }
}

fn check_module_name(module: &str, source: &Source) -> Result<()> {
    if names::is_plain_rust_ident(module) {
        Ok(())
    } else {
        Err(Error::InvalidModuleName {
            input: source.clone(),
            module: module.to_string(),
        })
    }
}

fn in_build_script() -> bool {
    ["OUT_DIR", "TARGET", "HOST"]
        .iter()
        .all(|v| std::env::var_os(v).is_some())
}

/// Writes `content` to `path` unless it already holds it; returns whether it wrote.
fn write_if_changed(path: &Path, content: &[u8]) -> Result<bool> {
    if std::fs::read(path).is_ok_and(|existing| existing == content) {
        return Ok(false);
    }
    let err = |e| Error::Write {
        path: path.to_path_buf(),
        source: e,
    };
    let file_name = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{file_name}.{}.tmp", std::process::id()));
    let written = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(content).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(err(e));
    }
    Ok(true)
}
