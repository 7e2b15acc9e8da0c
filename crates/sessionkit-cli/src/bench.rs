//! `sessionkit bench`: the harness's and the generator's figures.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget};
use sessionkit_testkit::conformance::{self, Config, Status};

use crate::runtime;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// Median render time of `generator` over `runs` runs.
fn render_time(
    generator: &sessionkit::codegen::Generator,
    runs: usize,
) -> Result<Duration, String> {
    let mut times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        generator.render().map_err(|e| e.to_string())?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok(percentile(&times, 50.0))
}

/// Prints the figures.
pub fn run(spawns: usize) -> Result<ExitCode, String> {
    let account: alloy::json_abi::JsonAbi = serde_json::from_value(
        serde_json::from_str::<serde_json::Value>(sessionkit::contracts::session_account::ARTIFACT)
            .map_err(|e| e.to_string())?["abi"]
            .clone(),
    )
    .map_err(|e| e.to_string())?;
    // A spinner on standard error names the phase running (hidden when not on a terminal).
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.enable_steady_tick(Duration::from_millis(100));
    let say = |line: String| bar.suspend(|| println!("{line}"));
    bar.set_message("rendering bindings");
    let generator = sessionkit::codegen::Generator::new().account_abi_json(account.clone());
    say(format!(
        "generator: account ABI rendered in {} (median of 20; target <= 200 ms)",
        ms(render_time(&generator, 20)?)
    ));
    let generator =
        generator.target_abi_json("synthetic", sessionkit::codegen::synthetic_abi(1000));
    say(format!(
        "generator: account + a 1,000-function target rendered in {} (median of 5; target <= 200 ms)",
        ms(render_time(&generator, 5)?)
    ));
    let rt = runtime()?;
    bar.set_message("starting anvil");
    let mut ready = Vec::new();
    for _ in 0..spawns.max(1) {
        let h = rt
            .block_on(sessionkit_testkit::Harness::builder().try_spawn())
            .map_err(|e| e.to_string())?;
        ready.push(h.ready_time());
    }
    ready.sort();
    say(format!(
        "anvil ready: median {}, min {}, max {} over {} starts (target <= 60 ms)",
        ms(percentile(&ready, 50.0)),
        ms(ready[0]),
        ms(ready[ready.len() - 1]),
        ready.len()
    ));
    for jobs in [1, 2] {
        bar.set_message(format!("running the conformance suite with {jobs} job(s)"));
        let config = Config {
            jobs,
            ..Config::default()
        };
        let started = Instant::now();
        let results = rt
            .block_on(conformance::run(&config, |_| {}))
            .map_err(|e| e.to_string())?;
        let wall = started.elapsed();
        let mut times: Vec<Duration> = results.iter().map(|r| r.time).collect();
        times.sort();
        let failed = results
            .iter()
            .filter(|r| r.status != Status::Passed)
            .count();
        say(format!(
            "suite, {jobs} job{}: {} runs in {:.2} s wall (target <= 3 s with 2 jobs); per run p50 {}, p95 {} (target p50 <= 20 ms){}",
            if jobs == 1 { "" } else { "s" },
            results.len(),
            wall.as_secs_f64(),
            ms(percentile(&times, 50.0)),
            ms(percentile(&times, 95.0)),
            if failed > 0 { format!("; {failed} did not pass") } else { String::new() }
        ));
    }
    bar.set_message("measuring gas");
    let rows = rt
        .block_on(async {
            let h = sessionkit_testkit::Harness::builder().try_spawn().await?;
            sessionkit_testkit::gas::measure(&h).await
        })
        .map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    for r in rows {
        println!("gas: {:<95} {:>8}", r.operation, r.gas);
    }
    Ok(ExitCode::SUCCESS)
}
