//! Finding anvil, forge, cast and solc.
//!
//! Each tool is resolved in this order:
//!
//! 1. an explicit environment variable (`SESSIONKIT_ANVIL`, `SESSIONKIT_FORGE`,
//!    `SESSIONKIT_CAST`, `SESSIONKIT_SOLC`), which must name an existing file;
//! 2. the user's own install on `PATH` (a Foundry user has native anvil, forge and solc);
//! 3. the project's pinned npm packages (`package-lock.json`): the native binaries inside
//!    `@foundry-rs/<tool>-<platform>`, and solc-js through the `tools/solc` wrapper. When they
//!    are not installed yet, `npm ci` installs them, with a message on standard error.
//!
//! A tool that cannot be found is an error that names the variable to set and what to install.
//!
//! ```no_run
//! use sessionkit::toolchain::{Tool, Toolchain};
//!
//! let toolchain = Toolchain::from_env(env!("CARGO_MANIFEST_DIR"));
//! let anvil = toolchain.resolve(Tool::Anvil)?;
//! println!("anvil: {} (from {})", anvil.path.display(), anvil.source);
//! # Ok::<(), sessionkit::toolchain::ToolchainError>(())
//! ```

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// An external tool sessionkit runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tool {
    /// The local Ethereum node the harness spawns.
    Anvil,
    /// Foundry's build and test tool.
    Forge,
    /// Foundry's command-line client.
    Cast,
    /// The Solidity compiler (native solc, or solc-js through `tools/solc`).
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

    /// Where the pinned npm install puts the tool, under the project root (`None` on a
    /// platform the npm packages do not cover).
    pub fn npm_path(self, root: &Path) -> Option<PathBuf> {
        match self {
            // solc-js is JavaScript: the wrapper adapts it to what forge and
            // foundry-compilers expect of a solc binary.
            Tool::Solc => Some(root.join("tools").join("solc")),
            _ => {
                let platform = npm_platform()?;
                let package = format!("{}-{platform}", self.binary());
                let exe = if cfg!(windows) {
                    format!("{}.exe", self.binary())
                } else {
                    self.binary().to_owned()
                };
                Some(
                    root.join("node_modules")
                        .join("@foundry-rs")
                        .join(package)
                        .join("bin")
                        .join(exe),
                )
            }
        }
    }

    /// A file whose presence shows the npm install is complete for this tool.
    fn npm_marker(self, root: &Path) -> Option<PathBuf> {
        match self {
            Tool::Solc => Some(root.join("node_modules").join("solc").join("solc.js")),
            _ => self.npm_path(root),
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
    /// The project's pinned npm packages.
    Npm,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::EnvVar => "environment variable",
            Source::Path => "PATH",
            Source::Npm => "pinned npm package",
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
        /// The tool.
        tool: Tool,
        /// The variable.
        var: &'static str,
        /// What it was set to.
        path: PathBuf,
    },
    /// The tool is nowhere and npm cannot install it.
    #[error(
        "{tool} not found: set {var}, put {tool} on PATH, or install Node.js and npm so that \
         sessionkit can install the pinned {package} ({reason})"
    )]
    NotFound {
        /// The tool.
        tool: Tool,
        /// Its environment variable.
        var: &'static str,
        /// Its npm package.
        package: &'static str,
        /// Why the npm fallback did not work.
        reason: String,
    },
    /// `npm ci` ran and failed.
    #[error("`npm ci` in {root} failed ({status}): run it by hand to see why, or set {var}")]
    NpmFailed {
        /// The project root.
        root: PathBuf,
        /// npm's exit status.
        status: String,
        /// The variable that would bypass npm.
        var: &'static str,
    },
    /// `npm ci` succeeded but the tool is still missing.
    #[error("{tool} is still missing at {path} after `npm ci`: check {package} in package.json, or set {var}")]
    MissingAfterInstall {
        /// The tool.
        tool: Tool,
        /// Where it should be.
        path: PathBuf,
        /// Its npm package.
        package: &'static str,
        /// Its environment variable.
        var: &'static str,
    },
}

/// Resolves tools for one project root, from a snapshot of the environment.
#[derive(Debug, Clone)]
pub struct Toolchain {
    root: PathBuf,
    vars: BTreeMap<String, OsString>,
    install: bool,
}

impl Toolchain {
    /// A toolchain for the project at `root` (the directory with `package-lock.json`) that
    /// reads the process's environment (`SESSIONKIT_*` and `PATH`) now.
    pub fn from_env(root: impl Into<PathBuf>) -> Self {
        let mut toolchain = Self::isolated(root);
        for name in Tool::ALL
            .iter()
            .map(|t| t.env_var())
            .chain(std::iter::once("PATH"))
        {
            if let Some(value) = std::env::var_os(name) {
                toolchain.vars.insert(name.to_owned(), value);
            }
        }
        toolchain
    }

    /// A toolchain for `root` that sees no environment at all; add variables with
    /// [`Toolchain::var`].
    pub fn isolated(root: impl Into<PathBuf>) -> Self {
        Toolchain {
            root: root.into(),
            vars: BTreeMap::new(),
            install: true,
        }
    }

    /// Sets an environment variable as this toolchain sees it.
    pub fn var(mut self, name: &str, value: impl Into<OsString>) -> Self {
        self.vars.insert(name.to_owned(), value.into());
        self
    }

    /// Whether a missing npm install may be installed with `npm ci` (default: yes).
    pub fn install(mut self, allow: bool) -> Self {
        self.install = allow;
        self
    }

    /// The project root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Finds `tool`: environment variable, then `PATH`, then the pinned npm packages
    /// (installing them with `npm ci` when allowed and needed).
    pub fn resolve(&self, tool: Tool) -> Result<Resolved, ToolchainError> {
        if let Some(value) = self.vars.get(tool.env_var()).filter(|v| !v.is_empty()) {
            let path = PathBuf::from(value);
            if !path.is_file() {
                return Err(ToolchainError::EnvPathMissing {
                    tool,
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
        self.resolve_npm(tool)
    }

    fn resolve_npm(&self, tool: Tool) -> Result<Resolved, ToolchainError> {
        let not_found = |reason: String| ToolchainError::NotFound {
            tool,
            var: tool.env_var(),
            package: tool.npm_package(),
            reason,
        };
        let (Some(path), Some(marker)) = (tool.npm_path(&self.root), tool.npm_marker(&self.root))
        else {
            return Err(not_found(format!(
                "the npm packages have no build for {}-{}",
                std::env::consts::OS,
                std::env::consts::ARCH
            )));
        };
        if !marker.is_file() {
            if !self.root.join("package-lock.json").is_file() {
                return Err(not_found(format!(
                    "{} has no package-lock.json",
                    self.root.display()
                )));
            }
            if !self.install {
                return Err(not_found(format!(
                    "not installed in {}: run `npm ci` there",
                    self.root.display()
                )));
            }
            let npm = self
                .find_on_path(if cfg!(windows) { "npm.cmd" } else { "npm" })
                .ok_or_else(|| not_found("npm is not on PATH".to_owned()))?;
            eprintln!(
                "sessionkit: installing the pinned toolchain ({}) with `npm ci` in {}",
                tool.npm_package(),
                self.root.display()
            );
            let mut command = Command::new(npm);
            command
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&self.root);
            if let Some(path_var) = self.vars.get("PATH") {
                command.env("PATH", path_var);
            }
            let status = command.status().map_err(|e| ToolchainError::NpmFailed {
                root: self.root.clone(),
                status: e.to_string(),
                var: tool.env_var(),
            })?;
            if !status.success() {
                return Err(ToolchainError::NpmFailed {
                    root: self.root.clone(),
                    status: status.to_string(),
                    var: tool.env_var(),
                });
            }
            if !marker.is_file() {
                return Err(ToolchainError::MissingAfterInstall {
                    tool,
                    path: marker,
                    package: tool.npm_package(),
                    var: tool.env_var(),
                });
            }
        }
        Ok(Resolved {
            tool,
            path,
            source: Source::Npm,
        })
    }

    /// The first executable file called `name` in the `PATH` this toolchain sees.
    /// A tool on `PATH`, skipping npm's `node_modules/.bin` launchers: those are Node.js
    /// scripts that start the native binary as their child, so they cost a Node start-up, and
    /// stopping the launcher leaves the real process running (an anvil would outlive its
    /// harness). `npm test` puts them on `PATH`; the pinned native binary is used instead.
    fn find_tool_on_path(&self, name: &str) -> Option<PathBuf> {
        let path_var = self.vars.get("PATH")?;
        std::env::split_paths(path_var)
            .filter(|dir| {
                !(dir.ends_with(".bin")
                    && dir.parent().is_some_and(|p| p.ends_with("node_modules")))
            })
            .map(|dir| dir.join(name))
            .find(|candidate| is_executable(candidate))
    }

    fn find_on_path(&self, name: &str) -> Option<PathBuf> {
        let path_var = self.vars.get("PATH")?;
        std::env::split_paths(path_var)
            .map(|dir| dir.join(name))
            .find(|candidate| is_executable(candidate))
    }
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
    use std::fs;

    fn executable(dir: &Path, name: &str) -> PathBuf {
        fs::create_dir_all(dir).unwrap();
        let path = dir.join(name);
        fs::write(&path, "#!/bin/sh\necho fake\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        }
        path
    }

    #[test]
    fn npm_launchers_on_path_are_skipped_for_the_native_binary() {
        let tmp = tempfile::tempdir().unwrap();
        let launchers = tmp.path().join("node_modules").join(".bin");
        executable(&launchers, "anvil");
        let native = Tool::Anvil.npm_path(tmp.path()).unwrap();
        executable(native.parent().unwrap(), "anvil");
        let resolved = Toolchain::isolated(tmp.path())
            .var("PATH", &launchers)
            .install(false)
            .resolve(Tool::Anvil)
            .unwrap();
        assert_eq!(resolved.path, native);
        assert_eq!(resolved.source, Source::Npm);
        // Any other directory on PATH is still the user's own install.
        let own = tmp.path().join("bin");
        let theirs = executable(&own, "anvil");
        let resolved = Toolchain::isolated(tmp.path())
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
        let resolved = Toolchain::isolated(tmp.path())
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
        let err = Toolchain::isolated(tmp.path())
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
        let resolved = Toolchain::isolated(tmp.path())
            .var("PATH", path)
            .resolve(Tool::Cast)
            .unwrap();
        if cfg!(unix) {
            assert_eq!(resolved.path, real);
        }
        assert_eq!(resolved.source, Source::Path);
    }

    #[test]
    fn npm_install_is_used_when_present() {
        let tmp = tempfile::tempdir().unwrap();
        let Some(expected) = Tool::Anvil.npm_path(tmp.path()) else {
            panic!("no npm build of anvil for this platform");
        };
        executable(expected.parent().unwrap(), Tool::Anvil.binary());
        let resolved = Toolchain::isolated(tmp.path())
            .resolve(Tool::Anvil)
            .unwrap();
        assert_eq!(resolved.path, expected);
        assert_eq!(resolved.source, Source::Npm);
    }

    #[test]
    fn solc_from_npm_is_the_wrapper() {
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir_all(tmp.path().join("node_modules/solc")).unwrap();
        fs::write(tmp.path().join("node_modules/solc/solc.js"), "").unwrap();
        let resolved = Toolchain::isolated(tmp.path()).resolve(Tool::Solc).unwrap();
        assert_eq!(resolved.path, tmp.path().join("tools/solc"));
    }

    #[test]
    fn nothing_anywhere_names_the_variable_and_the_package() {
        let tmp = tempfile::tempdir().unwrap();
        let err = Toolchain::isolated(tmp.path())
            .resolve(Tool::Anvil)
            .unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, ToolchainError::NotFound { .. }), "{message}");
        assert!(message.contains("SESSIONKIT_ANVIL"), "{message}");
        assert!(message.contains("@foundry-rs/anvil"), "{message}");
        assert!(message.contains("package-lock.json"), "{message}");
    }

    #[test]
    fn missing_npm_is_an_error_not_a_panic() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("package-lock.json"), "{}").unwrap();
        let empty = tmp.path().join("empty-path");
        fs::create_dir_all(&empty).unwrap();
        let err = Toolchain::isolated(tmp.path())
            .var("PATH", &empty)
            .resolve(Tool::Forge)
            .unwrap_err();
        let message = err.to_string();
        assert!(message.contains("npm is not on PATH"), "{message}");
        assert!(message.contains("SESSIONKIT_FORGE"), "{message}");
    }

    #[test]
    fn install_can_be_refused() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("package-lock.json"), "{}").unwrap();
        let err = Toolchain::isolated(tmp.path())
            .install(false)
            .resolve(Tool::Cast)
            .unwrap_err();
        assert!(err.to_string().contains("run `npm ci`"), "{err}");
    }
}
