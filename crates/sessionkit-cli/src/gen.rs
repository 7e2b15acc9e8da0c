//! `sessionkit gen`: the generator from the command line.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

/// Generates bindings for `account` and `targets` (`NAME=PATH`) into `out`.
pub fn run(account: &Path, targets: &[String], out: &Path) -> Result<ExitCode, String> {
    let mut generator = sessionkit::codegen::Generator::new()
        .account_abi(account)
        .out_dir(out)
        .emit_rerun_if_changed(false);
    for target in targets {
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
