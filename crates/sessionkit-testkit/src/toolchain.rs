//! Finding anvil, forge, cast and solc, and the EntryPoint's published build.
//!
//! Each tool is resolved in this order:
//!
//! 1. an explicit environment variable (`SESSIONKIT_ANVIL`, `SESSIONKIT_FORGE`,
//!    `SESSIONKIT_CAST`, `SESSIONKIT_SOLC`), which must name an existing file;
//! 2. the user's own install on `PATH` (a Foundry user has native anvil, forge and solc); npm's
//!    `node_modules/.bin` launchers are skipped (they are Node.js scripts that start the real
//!    tool as a child, which would outlive the launcher when it is stopped);
//! 3. the per-user [`Cache`]: the pinned npm packages of `toolchain/package-lock.json`
//!    (embedded in this crate), installed with `npm ci` on first use, with a message on
//!    standard error. The cache is `SESSIONKIT_CACHE_DIR`, else `$XDG_CACHE_HOME/sessionkit`,
//!    else `~/.cache/sessionkit`, one directory per version of the lock file; a lock file
//!    serialises two processes installing at once. Nothing is ever written next to the
//!    sources or into the user's project.
//!
//! A tool that cannot be found is a one-line error that names the variable to set and what to
//! install.
//!
//! ```no_run
//! use sessionkit_testkit::toolchain::{Tool, Toolchain};
//!
//! let toolchain = Toolchain::from_env();
//! let anvil = toolchain.resolve(Tool::Anvil)?;
//! println!("anvil: {} (from {})", anvil.path.display(), anvil.source);
//! # Ok::<(), sessionkit_testkit::toolchain::ToolchainError>(())
//! ```

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The npm project of the pinned toolchain, installed into the cache.
pub const PACKAGE_JSON: &str = include_str!("../toolchain/package.json");
/// Its lock file: the exact versions (and the cache's version).
pub const PACKAGE_LOCK: &str = include_str!("../toolchain/package-lock.json");
/// The solc-js wrapper that forge and foundry-compilers call as their solc (see the script).
pub const SOLC_WRAPPER: &str = include_str!("../toolchain/solc");

/// The environment variable that names the cache directory.
pub const CACHE_DIR_VAR: &str = "SESSIONKIT_CACHE_DIR";
/// The environment variable that names EntryPoint v0.8's artifact (JSON with `bytecode`)
/// instead of the cached npm package's.
pub const ENTRY_POINT_VAR: &str = "SESSIONKIT_ENTRY_POINT_ARTIFACT";
/// Where the EntryPoint's artifact lies in an npm install.
const ENTRY_POINT_IN_NPM: &str =
    "node_modules/@account-abstraction/contracts/artifacts/EntryPoint.json";

/// An external tool sessionkit runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tool {
    /// The local Ethereum node the harness spawns.
    Anvil,
    /// Foundry's build and test tool.
    Forge,
    /// Foundry's command-line client.
    Cast,
    /// The Solidity compiler (native solc, or solc-js through the wrapper).
    Solc,
}

impl Tool {
    /// Every tool, in a fixed order.
    pub const ALL: [Tool; 4] = [Tool::Anvil, Tool::Forge, Tool::Cast, Tool::Solc];

    /// The executable's name on `PATH`.
    pub fn binary(self) -> &'static str {
        match self {
            Tool::Anvil => "anvil",
            Tool::Forge => "forge",
            Tool::Cast => "cast",
            Tool::Solc => "solc",
        }
    }

    /// The environment variable that names the tool's path explicitly.
    pub fn env_var(self) -> &'static str {
        match self {
            Tool::Anvil => "SESSIONKIT_ANVIL",
            Tool::Forge => "SESSIONKIT_FORGE",
            Tool::Cast => "SESSIONKIT_CAST",
            Tool::Solc => "SESSIONKIT_SOLC",
        }
    }

    /// The npm package that pins the tool.
    pub fn npm_package(self) -> &'static str {
        match self {
            Tool::Anvil => "@foundry-rs/anvil",
            Tool::Forge => "@foundry-rs/forge",
            Tool::Cast => "@foundry-rs/cast",
            Tool::Solc => "solc",
        }
    }

    /// Where an npm install of the pinned packages in `dir` puts the tool (`None` on a platform
    /// the npm packages do not cover): the native binary inside `@foundry-rs/<tool>-<platform>`,
    /// or for solc the wrapper script `tools/solc` over solc-js.
    pub fn npm_path(self, dir: &Path) -> Option<PathBuf> {
        match self {
            Tool::Solc => Some(dir.join("tools").join("solc")),
            _ => {
                let platform = npm_platform()?;
                let package = format!("{}-{platform}", self.binary());
                let exe = if cfg!(windows) {
                    format!("{}.exe", self.binary())
                } else {
                    self.binary().to_owned()
                };
                Some(
                    dir.join("node_modules")
                        .join("@foundry-rs")
                        .join(package)
                        .join("bin")
                        .join(exe),
                )
            }
        }
    }
}

impl fmt::Display for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.binary())
    }
}

/// The platform suffix of the `@foundry-rs/<tool>-<platform>` npm packages.
fn npm_platform() -> Option<&'static str> {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => Some("linux-amd64"),
        ("linux", "aarch64") => Some("linux-arm64"),
        ("macos", "x86_64") => Some("darwin-amd64"),
        ("macos", "aarch64") => Some("darwin-arm64"),
        ("windows", "x86_64") => Some("win32-amd64"),
        _ => None,
    }
}

/// Where a resolved tool came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The tool's `SESSIONKIT_*` environment variable.
    EnvVar,
    /// A directory on `PATH`.
    Path,
    /// The per-user cache of the pinned npm packages.
    Cache,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::EnvVar => "environment variable",
            Source::Path => "PATH",
            Source::Cache => "sessionkit's cache",
        })
    }
}

/// A tool and the file that runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The tool.
    pub tool: Tool,
    /// The executable to run.
    pub path: PathBuf,
    /// Where it was found.
    pub source: Source,
}

/// Why a tool could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum ToolchainError {
    /// The tool's environment variable names a file that does not exist.
    #[error("{var} is set to {path}, which does not exist: point it at the {tool} executable or unset it")]
    EnvPathMissing {
        /// The tool (or `EntryPoint artifact`).
        tool: String,
        /// The variable.
        var: &'static str,
        /// What it was set to.
        path: PathBuf,
    },
    /// The tool is nowhere and the cache cannot be installed.
    #[error("{tool} not found: set {var}, put {tool} on PATH, or install Node.js and npm so that sessionkit can install the pinned {package} into its cache ({reason})")]
    NotFound {
        /// The tool.
        tool: String,
        /// Its environment variable.
        var: &'static str,
        /// Its npm package.
        package: &'static str,
        /// Why the cache did not work.
        reason: String,
    },
    /// No cache directory could be chosen.
    #[error("no cache directory: set {CACHE_DIR_VAR} (or HOME or XDG_CACHE_HOME)")]
    NoCacheDir,
    /// The cache could not be written.
    #[error("cache {path}: {source}: check its permissions, or set {CACHE_DIR_VAR} to a writable directory")]
    CacheIo {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// `npm ci` ran and failed.
    #[error("cannot install the pinned toolchain into {dir}: `npm ci` failed ({status}){offline}: {detail} (npm's log: {log})")]
    NpmFailed {
        /// The cache directory being installed.
        dir: PathBuf,
        /// npm's exit status.
        status: String,
        /// ", apparently offline (the registry is unreachable)", or nothing.
        offline: &'static str,
        /// npm's own error line.
        detail: String,
        /// The full log.
        log: PathBuf,
    },
    /// `npm ci` succeeded but a tool is still missing.
    #[error("{tool} is still missing at {path} after `npm ci`: the pinned {package} has no build for this platform; set {var}")]
    MissingAfterInstall {
        /// The tool.
        tool: String,
        /// Where it should be.
        path: PathBuf,
        /// Its npm package.
        package: &'static str,
        /// Its environment variable.
        var: &'static str,
    },
}

/// Resolves tools from a snapshot of the environment.
#[derive(Debug, Clone)]
pub struct Toolchain {
    vars: BTreeMap<String, OsString>,
    install: bool,
}

/// The variables a toolchain reads.
const VARS: &[&str] = &[
    "SESSIONKIT_ANVIL",
    "SESSIONKIT_FORGE",
    "SESSIONKIT_CAST",
    "SESSIONKIT_SOLC",
    ENTRY_POINT_VAR,
    CACHE_DIR_VAR,
    "XDG_CACHE_HOME",
    "HOME",
    "PATH",
];

impl Default for Toolchain {
    fn default() -> Self {
        Self::from_env()
    }
}

impl Toolchain {
    /// A toolchain that reads the process's environment (`SESSIONKIT_*`, the cache variables
    /// and `PATH`) now.
    pub fn from_env() -> Self {
        let mut toolchain = Self::isolated();
        for name in VARS {
            if let Some(value) = std::env::var_os(name) {
                toolchain.vars.insert((*name).to_owned(), value);
            }
        }
        toolchain
    }

    /// A toolchain that sees no environment at all; add variables with [`Toolchain::var`].
    pub fn isolated() -> Self {
        Toolchain {
            vars: BTreeMap::new(),
            install: true,
        }
    }

    /// Sets an environment variable as this toolchain sees it.
    pub fn var(mut self, name: &str, value: impl Into<OsString>) -> Self {
        self.vars.insert(name.to_owned(), value.into());
        self
    }

    /// Whether a missing cache may be installed with `npm ci` (default: yes).
    pub fn install(mut self, allow: bool) -> Self {
        self.install = allow;
        self
    }

    fn get(&self, name: &str) -> Option<&OsString> {
        self.vars.get(name).filter(|v| !v.is_empty())
    }

    /// The cache this toolchain installs into.
    pub fn cache(&self) -> Result<Cache, ToolchainError> {
        let root = if let Some(dir) = self.get(CACHE_DIR_VAR) {
            PathBuf::from(dir)
        } else if let Some(xdg) = self.get("XDG_CACHE_HOME") {
            PathBuf::from(xdg).join("sessionkit")
        } else if let Some(home) = self.get("HOME") {
            PathBuf::from(home).join(".cache").join("sessionkit")
        } else {
            return Err(ToolchainError::NoCacheDir);
        };
        Ok(Cache::at(root))
    }

    /// Finds `tool`: environment variable, then `PATH`, then the cache (installing it when
    /// allowed and needed).
    pub fn resolve(&self, tool: Tool) -> Result<Resolved, ToolchainError> {
        if let Some(value) = self.get(tool.env_var()) {
            let path = PathBuf::from(value);
            if !path.is_file() {
                return Err(ToolchainError::EnvPathMissing {
                    tool: tool.to_string(),
                    var: tool.env_var(),
                    path,
                });
            }
            return Ok(Resolved {
                tool,
                path,
                source: Source::EnvVar,
            });
        }
        if let Some(path) = self.find_tool_on_path(tool.binary()) {
            return Ok(Resolved {
                tool,
                path,
                source: Source::Path,
            });
        }
        let not_found = |reason: String| ToolchainError::NotFound {
            tool: tool.to_string(),
            var: tool.env_var(),
            package: tool.npm_package(),
            reason,
        };
        let Some(relative) = tool.npm_path(Path::new("")) else {
            return Err(not_found(format!(
                "the npm packages have no build for {}-{}",
                std::env::consts::OS,
                std::env::consts::ARCH
            )));
        };
        let dir = self.installed_cache(not_found)?;
        let path = dir.join(relative);
        if !path.is_file() {
            return Err(ToolchainError::MissingAfterInstall {
                tool: tool.to_string(),
                path,
                package: tool.npm_package(),
                var: tool.env_var(),
            });
        }
        Ok(Resolved {
            tool,
            path,
            source: Source::Cache,
        })
    }

    /// EntryPoint v0.8's published artifact (`bytecode`: its creation code): the file named by
    /// `SESSIONKIT_ENTRY_POINT_ARTIFACT`, else `@account-abstraction/contracts` in the cache.
    /// It is GPL-3.0 code: sessionkit loads it at run time and does not embed it.
    pub fn entry_point_artifact(&self) -> Result<PathBuf, ToolchainError> {
        if let Some(value) = self.get(ENTRY_POINT_VAR) {
            let path = PathBuf::from(value);
            if !path.is_file() {
                return Err(ToolchainError::EnvPathMissing {
                    tool: "the EntryPoint artifact".into(),
                    var: ENTRY_POINT_VAR,
                    path,
                });
            }
            return Ok(path);
        }
        let not_found = |reason: String| ToolchainError::NotFound {
            tool: "EntryPoint v0.8".into(),
            var: ENTRY_POINT_VAR,
            package: "@account-abstraction/contracts",
            reason,
        };
        let dir = self.installed_cache(not_found)?;
        Ok(dir.join(ENTRY_POINT_IN_NPM))
    }

    /// The cache's directory for the pinned lock file, installed.
    fn installed_cache(
        &self,
        not_found: impl Fn(String) -> ToolchainError,
    ) -> Result<PathBuf, ToolchainError> {
        let cache = self.cache()?;
        if cache.is_installed() {
            return Ok(cache.dir());
        }
        if !self.install {
            return Err(not_found(format!(
                "the cache {} is not installed and installing is off",
                cache.dir().display()
            )));
        }
        let npm = self
            .find_on_path(if cfg!(windows) { "npm.cmd" } else { "npm" })
            .ok_or_else(|| not_found("npm is not on PATH".to_owned()))?;
        cache.install(&npm, self.get("PATH").map(OsString::as_os_str))
    }

    /// A tool on `PATH`, skipping npm's `node_modules/.bin` launchers: those are Node.js
    /// scripts that start the native binary as their child, so they cost a Node start-up, and
    /// stopping the launcher leaves the real process running (an anvil would outlive its
    /// harness). `npm test` puts them on `PATH`.
    fn find_tool_on_path(&self, name: &str) -> Option<PathBuf> {
        let path_var = self.get("PATH")?;
        std::env::split_paths(path_var)
            .filter(|dir| {
                !(dir.ends_with(".bin")
                    && dir.parent().is_some_and(|p| p.ends_with("node_modules")))
            })
            .map(|dir| dir.join(name))
            .find(|candidate| is_executable(candidate))
    }

    fn find_on_path(&self, name: &str) -> Option<PathBuf> {
        let path_var = self.get("PATH")?;
        std::env::split_paths(path_var)
            .map(|dir| dir.join(name))
            .find(|candidate| is_executable(candidate))
    }
}

/// The per-user cache of the pinned npm toolchain.
///
/// Layout: `<root>/toolchain-<version>/` holds `package.json`, `package-lock.json`,
/// `node_modules/` and `tools/solc`, complete once `.installed` exists; `<root>/toolchain-<version>.lock`
/// is the lock held while installing. An install goes to a temporary directory renamed into
/// place at the end, so a failed or interrupted one never looks complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cache {
    root: PathBuf,
}

/// One toolchain version in the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheEntry {
    /// Its directory.
    pub path: PathBuf,
    /// Its version (a hash of its lock file).
    pub version: String,
    /// Whether it is the version this build of sessionkit uses.
    pub current: bool,
    /// Whether its install completed.
    pub installed: bool,
    /// Its size on disk in bytes.
    pub bytes: u64,
}

impl Cache {
    /// The cache rooted at `root`.
    pub fn at(root: impl Into<PathBuf>) -> Self {
        Cache { root: root.into() }
    }

    /// The cache's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The version of the pinned toolchain: the first 12 hex digits of the lock file's keccak.
    pub fn version() -> String {
        let hash = alloy::primitives::keccak256(PACKAGE_LOCK.as_bytes());
        alloy::hex::encode(&hash[..6])
    }

    /// The directory of the pinned toolchain.
    pub fn dir(&self) -> PathBuf {
        self.root.join(format!("toolchain-{}", Self::version()))
    }

    /// Whether the pinned toolchain is installed.
    pub fn is_installed(&self) -> bool {
        self.dir().join(".installed").is_file()
    }

    /// Installs the pinned toolchain with `npm ci` (the `npm` at `npm`, with `path` as `PATH`),
    /// unless another process did it first, and returns its directory. Prints one line on
    /// standard error before installing.
    pub fn install(
        &self,
        npm: &Path,
        path: Option<&std::ffi::OsStr>,
    ) -> Result<PathBuf, ToolchainError> {
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| ToolchainError::CacheIo { path, source }
        };
        fs::create_dir_all(&self.root).map_err(io(&self.root))?;
        let dir = self.dir();
        let lock_path = self
            .root
            .join(format!("toolchain-{}.lock", Self::version()));
        let lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io(&lock_path))?;
        lock.lock().map_err(io(&lock_path))?;
        if self.is_installed() {
            return Ok(dir);
        }
        eprintln!(
            "sessionkit: installing the pinned toolchain (anvil, forge and cast 1.7.1, solc-js 0.8.37, EntryPoint v0.8) into {} with `npm ci`; this happens once per version",
            dir.display()
        );
        let tmp = self.root.join(format!(
            "toolchain-{}.tmp-{}",
            Self::version(),
            std::process::id()
        ));
        if tmp.exists() {
            fs::remove_dir_all(&tmp).map_err(io(&tmp))?;
        }
        fs::create_dir_all(tmp.join("tools")).map_err(io(&tmp))?;
        fs::write(tmp.join("package.json"), PACKAGE_JSON).map_err(io(&tmp))?;
        fs::write(tmp.join("package-lock.json"), PACKAGE_LOCK).map_err(io(&tmp))?;
        let wrapper = tmp.join("tools").join("solc");
        fs::write(&wrapper, SOLC_WRAPPER).map_err(io(&wrapper))?;
        make_executable(&wrapper).map_err(io(&wrapper))?;
        let log_path = self
            .root
            .join(format!("toolchain-{}.npm.log", Self::version()));
        let log = fs::File::create(&log_path).map_err(io(&log_path))?;
        let mut command = Command::new(npm);
        command
            .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
            .current_dir(&tmp)
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(io(&log_path))?)
            .stderr(log);
        if let Some(path) = path {
            command.env("PATH", path);
        }
        let status = command.status().map_err(io(npm))?;
        if !status.success() {
            let text = fs::read_to_string(&log_path).unwrap_or_default();
            let _ = fs::remove_dir_all(&tmp);
            let offline = [
                "ENOTFOUND",
                "ECONNREFUSED",
                "EAI_AGAIN",
                "ETIMEDOUT",
                "ECONNRESET",
                "ENETUNREACH",
                "network",
            ]
            .iter()
            .any(|m| text.contains(m));
            let detail = text
                .lines()
                .find(|l| l.contains("npm error") && !l.trim_end().ends_with("npm error"))
                .or_else(|| text.lines().rev().find(|l| !l.trim().is_empty()))
                .unwrap_or("no output")
                .trim()
                .to_owned();
            return Err(ToolchainError::NpmFailed {
                dir,
                status: status.to_string(),
                offline: if offline {
                    ", apparently offline (the npm registry is unreachable)"
                } else {
                    ""
                },
                detail,
                log: log_path,
            });
        }
        let mut marker = fs::File::create(tmp.join(".installed")).map_err(io(&tmp))?;
        let _ = writeln!(marker, "{}", Self::version());
        if dir.exists() {
            // A partial directory from an older sessionkit: replace it.
            fs::remove_dir_all(&dir).map_err(io(&dir))?;
        }
        fs::rename(&tmp, &dir).map_err(io(&dir))?;
        let _ = fs::remove_file(&log_path);
        Ok(dir)
    }

    /// The toolchain versions in the cache, the current one first.
    pub fn entries(&self) -> Vec<CacheEntry> {
        let current = format!("toolchain-{}", Self::version());
        let mut entries: Vec<CacheEntry> = fs::read_dir(&self.root)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let version = name.strip_prefix("toolchain-")?;
                if !e.path().is_dir() || version.contains('.') {
                    return None;
                }
                Some(CacheEntry {
                    path: e.path(),
                    version: version.to_owned(),
                    current: name == current,
                    installed: e.path().join(".installed").is_file(),
                    bytes: dir_size(&e.path()),
                })
            })
            .collect();
        entries.sort_by(|a, b| b.current.cmp(&a.current).then(a.version.cmp(&b.version)));
        entries
    }

    /// Removes the cached toolchains (all of them, or all but the current one) and any
    /// leftovers of interrupted installs; returns what it removed.
    pub fn clean(&self, keep_current: bool) -> Result<Vec<PathBuf>, ToolchainError> {
        let current = format!("toolchain-{}", Self::version());
        let mut removed = Vec::new();
        for entry in fs::read_dir(&self.root).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.starts_with("toolchain-") {
                continue;
            }
            let is_current = name == current || name == format!("{current}.lock");
            if keep_current && is_current {
                continue;
            }
            let path = entry.path();
            let result = if path.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
            result.map_err(|source| ToolchainError::CacheIo {
                path: path.clone(),
                source,
            })?;
            removed.push(path);
        }
        removed.sort();
        Ok(removed)
    }
}

fn dir_size(path: &Path) -> u64 {
    let Ok(meta) = fs::symlink_metadata(path) else {
        return 0;
    };
    if meta.is_dir() {
        fs::read_dir(path)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| dir_size(&e.path()))
            .sum()
    } else {
        meta.len()
    }
}

#[cfg(unix)]
fn make_executable(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755))
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn executable(dir: &Path, name: &str) -> PathBuf {
        fs::create_dir_all(dir).unwrap();
        let path = dir.join(name);
        fs::write(&path, "#!/bin/sh\necho fake\n").unwrap();
        make_executable(&path).unwrap();
        path
    }

    /// A cache at `root` that looks installed, with a fake anvil.
    fn fake_installed_cache(root: &Path) -> PathBuf {
        let cache = Cache::at(root);
        let dir = cache.dir();
        let anvil = Tool::Anvil.npm_path(&dir).unwrap();
        executable(anvil.parent().unwrap(), "anvil");
        fs::write(dir.join(".installed"), "").unwrap();
        anvil
    }

    #[test]
    fn npm_launchers_on_path_are_skipped_for_the_cache() {
        let tmp = tempfile::tempdir().unwrap();
        let launchers = tmp.path().join("project/node_modules/.bin");
        executable(&launchers, "anvil");
        let cached = fake_installed_cache(&tmp.path().join("cache"));
        let resolved = Toolchain::isolated()
            .var("PATH", &launchers)
            .var(CACHE_DIR_VAR, tmp.path().join("cache"))
            .install(false)
            .resolve(Tool::Anvil)
            .unwrap();
        assert_eq!(resolved.path, cached);
        assert_eq!(resolved.source, Source::Cache);
        // Any other directory on PATH is still the user's own install.
        let own = tmp.path().join("bin");
        let theirs = executable(&own, "anvil");
        let resolved = Toolchain::isolated()
            .var("PATH", std::env::join_paths([&launchers, &own]).unwrap())
            .resolve(Tool::Anvil)
            .unwrap();
        assert_eq!(resolved.path, theirs);
    }

    #[test]
    fn env_var_wins_over_path() {
        let tmp = tempfile::tempdir().unwrap();
        let explicit = executable(&tmp.path().join("explicit"), "my-anvil");
        let on_path = tmp.path().join("bin");
        executable(&on_path, "anvil");
        let resolved = Toolchain::isolated()
            .var("SESSIONKIT_ANVIL", &explicit)
            .var("PATH", &on_path)
            .resolve(Tool::Anvil)
            .unwrap();
        assert_eq!(resolved.path, explicit);
        assert_eq!(resolved.source, Source::EnvVar);
    }

    #[test]
    fn env_var_to_a_missing_file_is_an_error_naming_it() {
        let tmp = tempfile::tempdir().unwrap();
        let err = Toolchain::isolated()
            .var("SESSIONKIT_FORGE", tmp.path().join("nope"))
            .resolve(Tool::Forge)
            .unwrap_err();
        let message = err.to_string();
        assert!(
            matches!(err, ToolchainError::EnvPathMissing { .. }),
            "{message}"
        );
        assert!(message.contains("SESSIONKIT_FORGE"), "{message}");
        assert!(message.contains("nope"), "{message}");
    }

    #[test]
    fn path_lookup_skips_files_that_are_not_executable() {
        let tmp = tempfile::tempdir().unwrap();
        let first = tmp.path().join("first");
        fs::create_dir_all(&first).unwrap();
        fs::write(first.join("cast"), "not executable").unwrap();
        let second = tmp.path().join("second");
        let real = executable(&second, "cast");
        let path = std::env::join_paths([&first, &second]).unwrap();
        let resolved = Toolchain::isolated()
            .var("PATH", path)
            .resolve(Tool::Cast)
            .unwrap();
        assert_eq!(resolved.path, real);
        assert_eq!(resolved.source, Source::Path);
    }

    #[test]
    fn the_cache_dir_follows_the_variables() {
        let t = Toolchain::isolated().var("HOME", "/home/u");
        assert_eq!(
            t.cache().unwrap().root(),
            Path::new("/home/u/.cache/sessionkit")
        );
        let t = t.var("XDG_CACHE_HOME", "/xdg");
        assert_eq!(t.cache().unwrap().root(), Path::new("/xdg/sessionkit"));
        let t = t.var(CACHE_DIR_VAR, "/mine");
        assert_eq!(t.cache().unwrap().root(), Path::new("/mine"));
        assert!(matches!(
            Toolchain::isolated().cache(),
            Err(ToolchainError::NoCacheDir)
        ));
        // The directory is versioned by the lock file.
        let dir = Cache::at("/c").dir();
        assert_eq!(
            dir,
            Path::new("/c").join(format!("toolchain-{}", Cache::version()))
        );
        assert_eq!(Cache::version().len(), 12);
    }

    #[test]
    fn solc_from_the_cache_is_the_wrapper() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::at(tmp.path());
        executable(&cache.dir().join("tools"), "solc");
        fs::write(cache.dir().join(".installed"), "").unwrap();
        let resolved = Toolchain::isolated()
            .var(CACHE_DIR_VAR, tmp.path())
            .resolve(Tool::Solc)
            .unwrap();
        assert_eq!(resolved.path, cache.dir().join("tools/solc"));
    }

    #[test]
    fn nothing_anywhere_names_the_variable_and_the_package() {
        let tmp = tempfile::tempdir().unwrap();
        let err = Toolchain::isolated()
            .var(CACHE_DIR_VAR, tmp.path())
            .var("PATH", tmp.path())
            .resolve(Tool::Anvil)
            .unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, ToolchainError::NotFound { .. }), "{message}");
        assert!(message.contains("SESSIONKIT_ANVIL"), "{message}");
        assert!(message.contains("@foundry-rs/anvil"), "{message}");
        assert!(message.contains("npm is not on PATH"), "{message}");
    }

    #[test]
    fn install_can_be_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let err = Toolchain::isolated()
            .var(CACHE_DIR_VAR, tmp.path())
            .install(false)
            .resolve(Tool::Cast)
            .unwrap_err();
        assert!(err.to_string().contains("installing is off"), "{err}");
    }

    #[test]
    fn a_failing_npm_leaves_no_half_install_and_one_line_naming_the_log() {
        let tmp = tempfile::tempdir().unwrap();
        let bin = tmp.path().join("bin");
        fs::create_dir_all(&bin).unwrap();
        let npm = bin.join("npm");
        fs::write(
            &npm,
            "#!/bin/sh\necho 'npm error code ENOTFOUND' >&2\necho 'npm error network request to https://registry.npmjs.org failed' >&2\nexit 1\n",
        )
        .unwrap();
        make_executable(&npm).unwrap();
        let cache_root = tmp.path().join("cache");
        let err = Toolchain::isolated()
            .var(CACHE_DIR_VAR, &cache_root)
            .var("PATH", &bin)
            .resolve(Tool::Anvil)
            .unwrap_err();
        let message = err.to_string();
        assert!(!message.contains('\n'), "{message}");
        assert!(message.contains("offline"), "{message}");
        assert!(message.contains("ENOTFOUND"), "{message}");
        let cache = Cache::at(&cache_root);
        assert!(!cache.is_installed());
        assert!(!cache.dir().exists());
        let leftovers: Vec<_> = fs::read_dir(&cache_root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".tmp-"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn clean_keeps_the_current_version_when_asked() {
        let tmp = tempfile::tempdir().unwrap();
        fake_installed_cache(tmp.path());
        let old = tmp.path().join("toolchain-000000000000");
        fs::create_dir_all(&old).unwrap();
        let cache = Cache::at(tmp.path());
        let entries = cache.entries();
        assert_eq!(entries.len(), 2);
        assert!(entries[0].current && entries[0].installed);
        assert!(!entries[1].current);
        assert_eq!(cache.clean(true).unwrap(), vec![old.clone()]);
        assert!(cache.is_installed());
        cache.clean(false).unwrap();
        assert!(!cache.dir().exists());
    }
}
