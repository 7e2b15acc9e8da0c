//! Prints how long rendering takes for the account ABI and for a synthetic 1,000-function
//! target ABI (figures only; nothing is asserted).
//!
//! ```text
//! cargo run --release -p sessionkit-gen --example render_time
//! ```

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sessionkit_gen::{Generator, JsonAbi};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// 1,000 functions with a mix of parameter kinds: elementary, static tuples, fixed arrays,
/// dynamic parameters, and an overload every tenth function.
fn synthetic_abi(functions: usize) -> JsonAbi {
    let param = |name: &str, ty: &str| json!({"name": name, "type": ty, "internalType": ty});
    let items: Vec<Value> = (0..functions)
        .map(|i| {
            let name = if i % 10 == 9 { format!("fn{}", i - 1) } else { format!("fn{i}") };
            let mut inputs = vec![param("to", "address"), param("amount", "uint256")];
            match i % 5 {
                0 => inputs.push(param("data", "bytes")),
                1 => inputs.push(json!({
                    "name": "order", "type": "tuple", "internalType": "struct Lib.Order",
                    "components": [param("maker", "address"), param("deadline", "uint64"), param("salt", "bytes32")]
                })),
                2 => inputs.push(param("path", "address[4]")),
                3 => inputs.push(param("delta", "int24")),
                _ => inputs.push(param("ids", "uint256[]")),
            }
            if i % 10 == 9 {
                inputs.push(param("flag", "bool"));
            }
            json!({"type": "function", "name": name, "inputs": inputs, "outputs": [], "stateMutability": "nonpayable"})
        })
        .collect();
    serde_json::from_value(Value::Array(items)).expect("the synthetic ABI is valid")
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
        .target_abi_json("synthetic", synthetic_abi(1_000));
    time("account + synthetic 1,000-function target", 5, &synthetic);
}
