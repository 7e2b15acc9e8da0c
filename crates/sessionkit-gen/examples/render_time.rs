//! Prints how long rendering takes for the account ABI and for a synthetic 1,000-function
//! target ABI (figures only; nothing is asserted).
//!
//! ```text
//! cargo run --release -p sessionkit-gen --example render_time
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
    let account = Generator::new().account_abi(fixture("session-account.abi.json"));
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
}
