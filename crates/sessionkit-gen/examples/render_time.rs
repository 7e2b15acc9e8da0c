//! Prints how long rendering takes for the account ABI and for a synthetic 1,000-function
//! target ABI (figures only; nothing is asserted).
//!
//! ```text
//! cargo run --release -p sessionkit-gen --example render_time
//! ```
//!
//! With `-- --crate DIR` it also writes a crate at `DIR` whose library is the generated code for
//! the account and the 1,000-function target (and the target's ABI as
//! `DIR/synthetic.abi.json`), to time how long rustc takes over it:
//!
//! ```text
//! cargo run --release -p sessionkit-gen --example render_time -- --crate target/gen-bench
//! cargo build --release --manifest-path target/gen-bench/Cargo.toml   # dependencies, once
//! touch target/gen-bench/src/lib.rs
//! cargo build --release --manifest-path target/gen-bench/Cargo.toml   # the generated code
//! ```

use std::path::PathBuf;
use std::time::{Duration, Instant};

use sessionkit_gen::Generator;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn time(label: &str, runs: usize, generator: &Generator) {
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut bytes = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let files = generator.render().expect("renders");
        times.push(start.elapsed());
        bytes = files.values().map(String::len).sum();
    }
    times.sort();
    println!(
        "{label:<42} median {:>8.2} ms   min {:>8.2} ms   ({runs} runs, {} KiB of output)",
        times[runs / 2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        bytes / 1024
    );
}

fn main() {
    let account = Generator::new().account_abi(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../artifacts/SessionAccount.json"),
    );
    // The first render also parses the templates.
    let start = Instant::now();
    account.render().expect("renders");
    println!(
        "{:<42} {:>8.2} ms",
        "first render (templates parsed)",
        start.elapsed().as_secs_f64() * 1e3
    );
    time("account ABI (SessionAccount)", 20, &account);
    time(
        "account + ERC-20",
        20,
        &account.clone().target("erc20", fixture("ERC20.abi.json")),
    );
    let synthetic = account
        .clone()
        .target_abi_json("synthetic", sessionkit_gen::synthetic_abi(1_000));
    time("account + synthetic 1,000-function target", 5, &synthetic);

    let mut args = std::env::args().skip(1);
    match (args.next().as_deref(), args.next()) {
        (None, _) => {}
        (Some("--crate"), Some(dir)) => write_crate(&PathBuf::from(dir), &synthetic),
        _ => {
            eprintln!("usage: render_time [--crate DIR]");
            std::process::exit(2);
        }
    }
}

/// Writes a crate at `dir` whose library is `generator`'s output.
fn write_crate(dir: &std::path::Path, generator: &Generator) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = root.canonicalize().expect("the repository root exists");
    std::fs::create_dir_all(dir.join("src")).expect("creates the crate's directory");
    let manifest = format!(
        r#"[package]
name = "gen-bench"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
sessionkit = {{ path = "{}", default-features = false }}
alloy = {{ version = "2.5", default-features = false, features = ["std", "sol-types", "contract"] }}

[workspace]
"#,
        root.display()
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).expect("writes Cargo.toml");
    let abi = serde_json::to_string_pretty(&sessionkit_gen::synthetic_abi(1_000))
        .expect("the ABI serialises");
    std::fs::write(dir.join("synthetic.abi.json"), abi).expect("writes the ABI");
    generator
        .clone()
        .out_dir(dir.join("src/generated"))
        .generate()
        .expect("generates");
    std::fs::write(
        dir.join("src/lib.rs"),
        "#![allow(missing_docs)]\ninclude!(\"generated/mod.rs\");\n",
    )
    .expect("writes lib.rs");
    println!("wrote the crate {}", dir.display());
}
