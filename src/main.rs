//! The `sessionkit` command line: `check` runs the conformance suite, `demo` walks through the
//! guide's example on a local chain, `gas` measures gas per operation, `simulate` predicts the
//! account's decision offline, `bench` prints the harness figures.

mod demo;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use comfy_table::{presets, Cell, CellAlignment, Color, ContentArrangement, Table};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sessionkit::conformance::{self, Artifact, Config, RunResult, Status};
use sessionkit::policy::SessionSpec;
use sessionkit::simulator::{self, Decision, Usage};
use sessionkit::Call;

#[derive(Parser)]
#[command(
    name = "sessionkit",
    version,
    about = "Session keys for ERC-7702 smart EOAs: conformance, simulation and tooling"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the conformance suite on a local anvil against the bundled account or an artifact.
    #[command(
        after_help = "Examples:\n  sessionkit check\n  sessionkit check --jobs 2 --junit report.xml\n  sessionkit check --artifact out/MyAccount.sol/MyAccount.json --filter allowance"
    )]
    Check {
        /// A Foundry artifact JSON (abi and bytecode) of the account to test instead of the bundled one.
        #[arg(long, value_name = "PATH")]
        artifact: Option<PathBuf>,
        /// Only scenarios whose name contains this text (case-insensitive).
        #[arg(long, value_name = "TEXT")]
        filter: Option<String>,
        /// Parallel jobs, each with its own anvil.
        #[arg(long, value_name = "N", default_value_t = 2)]
        jobs: usize,
        /// Also writes the results as JUnit XML.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
    },
    /// The guide's complete example, live on a local anvil: upgrade, grant, use, denials, expiry,
    /// revocation, a sponsored call.
    #[command(after_help = "Examples:\n  sessionkit demo\n  sessionkit demo --json")]
    Demo {
        /// Prints JSON lines instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Gas per operation, measured live on anvil, for the bundled account and optionally another.
    #[command(
        after_help = "Examples:\n  sessionkit gas\n  sessionkit gas --artifact out/MyAccount.sol/MyAccount.json --json"
    )]
    Gas {
        /// A Foundry artifact JSON of another account to measure side by side.
        #[arg(long, value_name = "PATH")]
        artifact: Option<PathBuf>,
        /// Prints JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Generates typed bindings and policy builders from an account ABI and target ABIs.
    #[command(
        after_help = "Example:\n  sessionkit gen --account out/SessionAccount.sol/SessionAccount.json \\\n      --target erc20=abi/ERC20.json --out src/bindings\n\n\
        Writes one file per module and mod.rs; include them with `mod bindings;` (or\n\
        include!(\"…/mod.rs\")). Files are only rewritten when their content changes."
    )]
    Gen {
        /// The account's ABI: a JSON ABI or a Foundry artifact.
        #[arg(long, value_name = "PATH")]
        account: PathBuf,
        /// A target contract's ABI and the module to generate for it.
        #[arg(long = "target", value_name = "NAME=PATH")]
        targets: Vec<String>,
        /// The directory to write into (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Measures the harness: anvil ready time, scenario time p50/p95, suite wall time with 1 and 2 jobs.
    #[command(after_help = "Example:\n  cargo run --release -- bench --spawns 10")]
    Bench {
        /// How many anvils to start for the ready-time figure.
        #[arg(long, value_name = "N", default_value_t = 10)]
        spawns: usize,
    },
    /// Predicts offline whether the account lets a session run calls, and why not.
    #[command(
        after_help = "Example:\n  sessionkit simulate --spec spec.json --calls calls.json --at 1900000000\n\n\
        spec.json is a session spec in the runtime's JSON form; calls.json a list of\n\
        {\"target\": \"0x…\", \"value\": \"0.1 ether\", \"data\": \"0x…\"}; usage.json maps limits such as\n\
        \"transfer_policies[0].value_limit\" to {\"used\": \"10\", \"window\": 19000}."
    )]
    Simulate {
        /// The session spec (JSON).
        #[arg(long, value_name = "FILE")]
        spec: PathBuf,
        /// The calls (JSON list), run as one batch unless --each.
        #[arg(long, value_name = "FILE")]
        calls: PathBuf,
        /// The usage so far (JSON); none when absent.
        #[arg(long, value_name = "FILE")]
        usage: Option<PathBuf>,
        /// The block time to decide at (unix seconds or an RFC 3339 date; default: now).
        #[arg(long, value_name = "TIMESTAMP")]
        at: Option<String>,
        /// The account's address (a session may never call it).
        #[arg(
            long,
            value_name = "ADDRESS",
            default_value = "0x0000000000000000000000000000000000000001"
        )]
        account: String,
        /// Decides each call as its own batch, carrying usage forward.
        #[arg(long)]
        each: bool,
        /// Prints JSON lines instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check {
            artifact,
            filter,
            jobs,
            junit,
        } => check(artifact.as_deref(), filter, jobs, junit.as_deref()),
        Command::Bench { spawns } => bench(spawns),
        Command::Gen {
            account,
            targets,
            out,
        } => generate(&account, &targets, &out),
        Command::Demo { json } => runtime()
            .and_then(|rt| rt.block_on(demo::run(json)))
            .map(|()| ExitCode::SUCCESS),
        Command::Gas { artifact, json } => gas(artifact.as_deref(), json),
        Command::Simulate {
            spec,
            calls,
            usage,
            at,
            account,
            each,
            json,
        } => simulate(
            &spec,
            &calls,
            usage.as_deref(),
            at.as_deref(),
            &account,
            each,
            json,
        ),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

fn check(
    artifact: Option<&Path>,
    filter: Option<String>,
    jobs: usize,
    junit: Option<&Path>,
) -> Result<ExitCode, String> {
    let artifact = match artifact {
        Some(path) => Artifact::from_file(path)?,
        None => Artifact::bundled(),
    };
    if jobs == 0 {
        return Err("--jobs must be at least 1".into());
    }
    let total = conformance::selected(filter.as_deref()).len();
    if total == 0 {
        return Err(format!(
            "--filter {:?} selects no scenario",
            filter.unwrap_or_default()
        ));
    }
    if let Some(path) = junit {
        // Fail now, not after the run, when the report cannot be written.
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.is_dir() {
                return Err(format!(
                    "--junit {}: directory {} does not exist",
                    path.display(),
                    dir.display()
                ));
            }
        }
    }
    let config = Config {
        artifact: artifact.clone(),
        filter,
        jobs,
        ..Config::default()
    };
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let started = Instant::now();
    let progress = bar.clone();
    let results = runtime()?.block_on(conformance::run(&config, move |r: &RunResult| {
        progress.set_message(r.scenario.to_string());
        progress.inc(1);
    }));
    bar.finish_and_clear();
    let results = results.map_err(|e| e.to_string())?;
    let wall = started.elapsed();

    let colour = std::io::stdout().is_terminal();
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(vec!["scenario", "path", "outcome", "gas", "time"]);
    for r in &results {
        let (text, color) = match &r.status {
            Status::Passed => ("passed".to_owned(), Color::Green),
            Status::Failed(m) => (format!("FAILED: {m}"), Color::Red),
            Status::NotApplicable(m) => (format!("n/a: {m}"), Color::Yellow),
        };
        let mut outcome = Cell::new(text);
        if colour {
            outcome = outcome.fg(color);
        }
        table.add_row(vec![
            Cell::new(r.scenario),
            Cell::new(&r.path),
            outcome,
            Cell::new(if r.gas == 0 {
                "-".to_owned()
            } else {
                r.gas.to_string()
            })
            .set_alignment(CellAlignment::Right),
            Cell::new(format!("{:.1} ms", r.time.as_secs_f64() * 1e3))
                .set_alignment(CellAlignment::Right),
        ]);
    }
    println!("{table}");
    let passed = results
        .iter()
        .filter(|r| r.status == Status::Passed)
        .count();
    let failed = results
        .iter()
        .filter(|r| matches!(r.status, Status::Failed(_)))
        .count();
    let na = results.len() - passed - failed;
    println!(
        "{} runs of {} scenarios against {}: {passed} passed, {failed} failed, {na} not applicable in {:.2} s ({jobs} job{})",
        results.len(),
        {
            let mut names: Vec<&str> = results.iter().map(|r| r.scenario).collect();
            names.dedup();
            names.len()
        },
        artifact.path.display(),
        wall.as_secs_f64(),
        if jobs == 1 { "" } else { "s" }
    );
    if let Some(path) = junit {
        write_junit(path, &results, wall)?;
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn gas(artifact: Option<&Path>, json: bool) -> Result<ExitCode, String> {
    let other = artifact.map(Artifact::from_file).transpose()?;
    let rt = runtime()?;
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_message("measuring the bundled account");
    bar.enable_steady_tick(Duration::from_millis(100));
    let measure = |bytecode: Option<alloy::primitives::Bytes>| {
        rt.block_on(async {
            let mut builder = sessionkit::harness::Harness::builder();
            if let Some(code) = bytecode {
                builder = builder.implementation(code);
            }
            let h = builder.try_spawn().await.map_err(|e| e.to_string())?;
            sessionkit::gas::measure(&h)
                .await
                .map_err(|e| e.to_string())
        })
    };
    let ours = measure(None)?;
    let theirs = match &other {
        Some(a) => {
            bar.set_message(format!("measuring {}", a.path.display()));
            Some(
                measure(Some(a.bytecode.clone()))
                    .map_err(|e| format!("{}: {e}", a.path.display()))?,
            )
        }
        None => None,
    };
    bar.finish_and_clear();
    if json {
        let rows: Vec<serde_json::Value> = ours
            .iter()
            .map(|r| {
                let mut v =
                    serde_json::json!({ "key": r.key, "operation": r.operation, "gas": r.gas });
                if let Some(t) = &theirs {
                    v["other"] = t.iter().find(|o| o.key == r.key).map(|o| o.gas).into();
                }

                v
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&rows).map_err(|e| e.to_string())?
        );
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic);
    let mut header = vec!["operation".to_owned(), "sessionkit".to_owned()];
    if let Some(a) = &other {
        header.push(
            a.path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        header.push("difference".to_owned());
    }
    table.set_header(header);
    for r in &ours {
        let mut row = vec![
            Cell::new(r.operation),
            Cell::new(r.gas).set_alignment(CellAlignment::Right),
        ];
        if let Some(t) = &theirs {
            let (gas, diff) = match t.iter().find(|o| o.key == r.key) {
                Some(o) => (
                    o.gas.to_string(),
                    format!("{:+}", o.gas as i64 - r.gas as i64),
                ),
                None => ("-".to_owned(), "-".to_owned()),
            };
            row.push(Cell::new(gas).set_alignment(CellAlignment::Right));
            row.push(Cell::new(diff).set_alignment(CellAlignment::Right));
        }
        table.add_row(row);
    }
    println!("{table}");
    println!("transaction gas on anvil (Prague), 21,000 base and calldata included; each operation is its own transaction");
    Ok(ExitCode::SUCCESS)
}

fn generate(account: &Path, targets: &[String], out: &Path) -> Result<ExitCode, String> {
    let mut generator = sessionkit_gen::Generator::new()
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
fn render_time(generator: &sessionkit_gen::Generator, runs: usize) -> Result<Duration, String> {
    let mut times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        generator.render().map_err(|e| e.to_string())?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok(percentile(&times, 50.0))
}

fn bench(spawns: usize) -> Result<ExitCode, String> {
    let account: alloy::json_abi::JsonAbi =
        serde_json::from_str(sessionkit::contracts::session_account::ABI)
            .map_err(|e| e.to_string())?;
    // A spinner on standard error names the phase running (hidden when not on a terminal).
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.enable_steady_tick(Duration::from_millis(100));
    let say = |line: String| bar.suspend(|| println!("{line}"));
    bar.set_message("rendering bindings");
    let generator = sessionkit_gen::Generator::new().account_abi_json(account.clone());
    say(format!(
        "generator: account ABI rendered in {} (median of 20; target <= 200 ms)",
        ms(render_time(&generator, 20)?)
    ));
    let generator = generator.target_abi_json("synthetic", sessionkit_gen::synthetic_abi(1000));
    say(format!(
        "generator: account + a 1,000-function target rendered in {} (median of 5; target <= 200 ms)",
        ms(render_time(&generator, 5)?)
    ));
    let rt = runtime()?;
    bar.set_message("starting anvil");
    let mut ready = Vec::new();
    for _ in 0..spawns.max(1) {
        let h = rt
            .block_on(sessionkit::harness::Harness::builder().try_spawn())
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
            let h = sessionkit::harness::Harness::builder().try_spawn().await?;
            sessionkit::gas::measure(&h).await
        })
        .map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    for r in rows {
        println!("gas: {:<95} {:>8}", r.operation, r.gas);
    }
    Ok(ExitCode::SUCCESS)
}

fn write_junit(path: &Path, results: &[RunResult], wall: Duration) -> Result<(), String> {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut suite = TestSuite::new("sessionkit conformance");
    for r in results {
        let status = match &r.status {
            Status::Passed => TestCaseStatus::success(),
            Status::Failed(m) => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(m.clone());
                s
            }
            Status::NotApplicable(m) => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(m.clone());
                s
            }
        };
        let mut case = TestCase::new(format!("{} [{}]", r.scenario, r.path), status);
        case.set_classname("sessionkit.conformance");
        case.set_time(r.time);
        suite.add_test_case(case);
    }
    let mut report = Report::new("sessionkit");
    report.set_time(wall);
    report.add_test_suite(suite);
    let xml = report
        .to_string()
        .map_err(|e| format!("cannot render JUnit XML: {e}"))?;
    // Written whole or not at all.
    let tmp = path.with_extension("xml.tmp");
    std::fs::write(&tmp, xml).map_err(|e| format!("--junit {}: {e}", path.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("--junit {}: {e}", path.display()))
}

/// A call as written by hand: raw `data`, or a `function` signature with `args` as strings.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CallInput {
    target: alloy::primitives::Address,
    #[serde(default, with = "sessionkit::units::amount")]
    value: alloy::primitives::U256,
    #[serde(default)]
    data: Option<alloy::primitives::Bytes>,
    #[serde(default)]
    function: Option<String>,
    #[serde(default)]
    args: Vec<serde_json::Value>,
}

impl CallInput {
    fn encode(self) -> Result<Call, String> {
        use alloy::dyn_abi::{DynSolType, JsonAbiExt, Specifier};
        let data = match (self.data, self.function) {
            (Some(_), Some(_)) => {
                return Err("give either \"data\" or \"function\" with \"args\", not both".into())
            }
            (Some(data), None) => data,
            (None, None) => alloy::primitives::Bytes::new(),
            (None, Some(signature)) => {
                let function = alloy::json_abi::Function::parse(&signature)
                    .map_err(|e| format!("function {signature:?}: {e}"))?;
                if function.inputs.len() != self.args.len() {
                    return Err(format!(
                        "{signature} takes {} arguments, {} given",
                        function.inputs.len(),
                        self.args.len()
                    ));
                }
                let mut values = Vec::new();
                for (i, (param, arg)) in function.inputs.iter().zip(&self.args).enumerate() {
                    let ty: DynSolType =
                        param.resolve().map_err(|e| format!("{signature}: {e}"))?;
                    let text = match arg {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    let text = if matches!(ty, DynSolType::Uint(_)) {
                        sessionkit::units::parse_amount(&text)
                            .map(|v| v.to_string())
                            .unwrap_or(text)
                    } else {
                        text
                    };
                    values.push(ty.coerce_str(&text).map_err(|e| {
                        let first = e
                            .to_string()
                            .lines()
                            .next()
                            .unwrap_or_default()
                            .trim_end_matches(':')
                            .to_owned();
                        format!(
                            "argument {i} ({text:?}) of {signature} is not a valid {}: {first}",
                            param.ty
                        )
                    })?);
                }
                function
                    .abi_encode_input(&values)
                    .map_err(|e| format!("{signature}: {e}"))?
                    .into()
            }
        };
        Ok(Call {
            target: self.target,
            value: self.value,
            data,
        })
    }
}

fn read(path: &Path, what: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{what} {}: {e}", path.display()))
}

fn simulate(
    spec: &Path,
    calls: &Path,
    usage: Option<&Path>,
    at: Option<&str>,
    account: &str,
    each: bool,
    json: bool,
) -> Result<ExitCode, String> {
    let spec_file = spec;
    let spec = SessionSpec::from_json(&read(spec, "--spec")?)
        .map_err(|e| format!("{}: {e}", spec_file.display()))?;
    let calls_text = read(calls, "--calls")?;
    let de = &mut serde_json::Deserializer::from_str(&calls_text);
    let inputs: Vec<CallInput> = serde_path_to_error::deserialize(de)
        .map_err(|e| format!("{}: {}: {}", calls.display(), e.path(), e.inner()))?;
    let batch = inputs
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            c.encode()
                .map_err(|e| format!("{}: [{i}]: {e}", calls.display()))
        })
        .collect::<Result<Vec<Call>, String>>()?;
    let mut current = match usage {
        Some(path) => Usage::from_json(&read(path, "--usage")?)
            .map_err(|e| format!("{}: {e}", path.display()))?,
        None => Usage::default(),
    };
    let at = match at {
        Some(t) => sessionkit::units::parse_timestamp(t).map_err(|e| format!("--at: {e}"))?,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default(),
    };
    let account: alloy::primitives::Address = account
        .parse()
        .map_err(|e| format!("--account {account:?}: {e}"))?;
    let batches: Vec<Vec<Call>> = if each {
        batch.into_iter().map(|c| vec![c]).collect()
    } else {
        vec![batch]
    };
    let mut all_allowed = true;
    for (i, calls) in batches.iter().enumerate() {
        let decision = simulator::simulate(&spec, &current, account, calls, at);
        let label = if each {
            format!("call {i}")
        } else {
            "batch".to_owned()
        };
        match &decision {
            Decision::Allowed { usage } => {
                if json {
                    println!(
                        "{}",
                        serde_json::json!({"item": label, "decision": "allowed", "usage": usage})
                    );
                } else {
                    println!("{label}: allowed");
                }
                current = usage.clone();
            }
            Decision::Denied(d) => {
                all_allowed = false;
                if json {
                    println!(
                        "{}",
                        serde_json::json!({
                            "item": label,
                            "decision": "denied",
                            "error": d.error.name(),
                            "call": d.call,
                            "policy": d.policy.map(|p| p.to_string()),
                            "limit": d.limit.map(|l| l.to_string()),
                            "reason": d.to_string(),
                        })
                    );
                } else {
                    let location = match (d.limit, d.policy, d.constraint) {
                        (Some(limit), _, _) => format!(" ({limit})"),
                        (None, Some(policy), Some(k)) => format!(" ({policy}.constraints[{k}])"),
                        (None, Some(policy), None) => format!(" ({policy})"),
                        _ => String::new(),
                    };
                    let call = match (each, d.call) {
                        (false, Some(c)) => format!(" at call {c}"),
                        _ => String::new(),
                    };
                    println!("{label}: denied{call}{location}: {}", d.error);
                }
            }
        }
    }
    if !json {
        let state = simulator::remaining(&spec, &current, at);
        if !state.call_value.is_empty() || !state.transfer_value.is_empty() {
            println!(
                "usage after: {}",
                serde_json::to_string(&current).unwrap_or_default()
            );
        }
    }
    Ok(if all_allowed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
