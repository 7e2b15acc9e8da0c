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

/// Prints the figures; with `anvil_only`, only the anvil-ready one.
pub fn run(spawns: usize, anvil_only: bool) -> Result<ExitCode, String> {
    if anvil_only {
        let rt = runtime()?;
        println!("{}", anvil_ready(&rt, spawns)?);
        return Ok(ExitCode::SUCCESS);
    }
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
    say(anvil_ready(&rt, spawns)?);
    bar.set_message("measuring how fast anvil follows a terminated command");
    say(signal_lag()?);
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

/// The anvil-ready figure over `spawns` starts.
fn anvil_ready(rt: &tokio::runtime::Runtime, spawns: usize) -> Result<String, String> {
    let mut ready = Vec::new();
    for _ in 0..spawns.max(1) {
        let h = rt
            .block_on(sessionkit_testkit::Harness::builder().try_spawn())
            .map_err(|e| e.to_string())?;
        ready.push(h.ready_time());
    }
    ready.sort();
    Ok(format!(
        "anvil ready: median {}, min {}, max {} over {} starts (target <= 60 ms)",
        ms(percentile(&ready, 50.0)),
        ms(ready[0]),
        ms(ready[ready.len() - 1]),
        ready.len()
    ))
}

/// How long the anvils of a `sessionkit check` outlive it when it is ended by SIGTERM: the
/// time from the signal to the last anvil gone, median of 3 (Linux: read from /proc).
fn signal_lag() -> Result<String, String> {
    if !cfg!(target_os = "linux") {
        return Ok("signal lag: measured on Linux only".into());
    }
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this executable: {e}"))?;
    let mut lags = Vec::new();
    for round in 0..3 {
        let marker = format!("SESSIONKIT_BENCH_MARKER=lag-{}-{round}", std::process::id());
        let (key, value) = marker.split_once('=').unwrap_or_default();
        let mut child = std::process::Command::new(&exe)
            .args(["check", "--jobs", "2"])
            .env(key, value)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
        let started = Instant::now();
        while anvils_with(&marker) < 2 {
            if started.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                return Err("signal lag: the check's anvils never started".into());
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        let term = std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .map_err(|e| format!("cannot run kill: {e}"))?;
        let signalled = Instant::now();
        if !term.success() {
            return Err("signal lag: kill -TERM failed".into());
        }
        let _ = child.wait();
        while anvils_with(&marker) > 0 {
            if signalled.elapsed() > Duration::from_secs(10) {
                return Err("signal lag: anvil outlived a terminated check by over 10 s".into());
            }
            std::thread::sleep(Duration::from_micros(500));
        }
        lags.push(signalled.elapsed());
    }
    lags.sort();
    Ok(format!(
        "signal lag: the last of 2 anvils gone {} after SIGTERM to `check` (median of 3, max {}; target < 100 ms)",
        ms(lags[1]),
        ms(lags[2])
    ))
}

/// How many live anvil processes carry `marker` in their environment.
fn anvils_with(marker: &str) -> usize {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter(|e| {
            let cmdline = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
            let environ = std::fs::read(e.path().join("environ")).unwrap_or_default();
            String::from_utf8_lossy(&cmdline).contains("anvil")
                && String::from_utf8_lossy(&environ).contains(marker)
        })
        .count()
}
