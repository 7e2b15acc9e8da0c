//! `sessionkit cache`: the per-user cache of the pinned toolchain.

use std::process::ExitCode;

use sessionkit_testkit::toolchain::{Cache, Toolchain};

/// What to do with the cache.
pub enum Action {
    /// Lists its toolchain versions and their sizes.
    Show,
    /// Installs the pinned toolchain now.
    Install,
    /// Removes old versions (or every version with `all`).
    Clean {
        /// Also the current version.
        all: bool,
    },
}

/// Runs `action` on the cache the environment selects.
pub fn run(action: Action) -> Result<ExitCode, String> {
    let toolchain = Toolchain::from_env();
    let cache = toolchain.cache().map_err(|e| e.to_string())?;
    match action {
        Action::Show => {
            println!("cache: {}", cache.root().display());
            println!(
                "this sessionkit uses toolchain-{} ({})",
                Cache::version(),
                if cache.is_installed() {
                    "installed"
                } else {
                    "not installed: `sessionkit cache install`, or it installs on first use"
                }
            );
            for entry in cache.entries() {
                println!(
                    "  {}  {:>8.1} MB  {}{}",
                    entry.path.display(),
                    entry.bytes as f64 / 1e6,
                    if entry.current { "current" } else { "old" },
                    if entry.installed { "" } else { ", incomplete" }
                );
            }
        }
        Action::Install => {
            for tool in sessionkit_testkit::toolchain::Tool::ALL {
                let resolved = toolchain.resolve(tool).map_err(|e| e.to_string())?;
                println!(
                    "{tool}: {} (from {})",
                    resolved.path.display(),
                    resolved.source
                );
            }
            let entry_point = toolchain
                .entry_point_artifact()
                .map_err(|e| e.to_string())?;
            println!("EntryPoint v0.8: {}", entry_point.display());
        }
        Action::Clean { all } => {
            let removed = cache.clean(!all).map_err(|e| e.to_string())?;
            if removed.is_empty() {
                println!("nothing to remove in {}", cache.root().display());
            }
            for path in removed {
                println!("removed {}", path.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
