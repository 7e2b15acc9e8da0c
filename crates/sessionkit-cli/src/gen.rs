//! `sessionkit gen`: the generator from the command line.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

/// What to generate.
pub struct Args<'a> {
    /// The account's ABI, if any.
    pub account: Option<&'a Path>,
    /// `NAME=PATH` per target.
    pub targets: &'a [String],
    /// The output directory.
    pub out: &'a Path,
    /// Builders for views too.
    pub views: bool,
    /// `#[sol(rpc)]`.
    pub rpc: bool,
    /// The runtime's path.
    pub runtime_path: &'a str,
}

/// Generates bindings for the account and the targets into `out`.
pub fn run(args: Args<'_>) -> Result<ExitCode, String> {
    if args.account.is_none() && args.targets.is_empty() {
        return Err("nothing to generate: give --account PATH and/or --target NAME=PATH".into());
    }
    let mut generator = sessionkit::codegen::Generator::new()
        .out_dir(args.out)
        .views(args.views)
        .rpc(args.rpc)
        .runtime_path(args.runtime_path)
        .emit_rerun_if_changed(false);
    if let Some(account) = args.account {
        generator = generator.account_abi(account);
    }
    for target in args.targets {
        let (name, path) = target.split_once('=').ok_or_else(|| {
            format!("--target {target:?}: expected NAME=PATH, e.g. erc20=abi/ERC20.json")
        })?;
        generator = generator.target(name, path);
    }
    let started = Instant::now();
    let written = generator.generate().map_err(|e| e.to_string())?;
    for file in &written {
        println!(
            "{} {}",
            if file.changed {
                "wrote    "
            } else {
                "unchanged"
            },
            file.path.display()
        );
    }
    println!(
        "{} files ({} changed) in {:.1} ms",
        written.len(),
        written.iter().filter(|f| f.changed).count(),
        started.elapsed().as_secs_f64() * 1e3
    );
    Ok(ExitCode::SUCCESS)
}
