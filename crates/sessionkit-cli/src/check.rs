//! `sessionkit check`: the conformance suite, and in a Foundry project the author's own
//! scenario files, against the bundled account, an artifact, or the project's account.
//! `sessionkit init` scaffolds a project's `sessionkit.toml` and first scenario file.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use comfy_table::{presets, Cell, CellAlignment, Color, ContentArrangement, Table};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sessionkit_testkit::conformance::{self, Artifact, Config, RunResult, Status};
use sessionkit_testkit::project::{self, Project, ProjectError};
use sessionkit_testkit::toolchain::Toolchain;

use crate::runtime;

/// What `check` was asked to do.
pub struct Args<'a> {
    /// `--project DIR` (else the current directory when it is a Foundry project).
    pub project: Option<&'a Path>,
    /// `--artifact PATH`: the account to test instead of the project's or the bundled one.
    pub artifact: Option<&'a Path>,
    /// `--filter TEXT`.
    pub filter: Option<String>,
    /// `--jobs N`.
    pub jobs: usize,
    /// `--junit FILE`.
    pub junit: Option<&'a Path>,
    /// `--list`: what would run, without running it.
    pub list: bool,
    /// `--strict-simulator`: a disagreement with the simulator fails the run for any account.
    pub strict_simulator: bool,
    /// `--no-suite`: only the project's scenarios.
    pub no_suite: bool,
}

/// What will be checked, and how to say so.
struct Plan {
    config: Config,
    account: String,
    scenarios: Option<String>,
}

pub(crate) fn project_error(e: ProjectError) -> String {
    if let ProjectError::Build { output, .. } = &e {
        if !output.trim().is_empty() {
            eprintln!("{}", output.trim_end());
        }
    }
    e.to_string()
}

/// The account, the scenario files and the settings, all read and checked before anything runs.
fn plan(args: &Args<'_>) -> Result<Plan, String> {
    let toolchain = Toolchain::from_env();
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let dir: Option<PathBuf> = match args.project {
        Some(d) => {
            if !Project::is_project(d) {
                return Err(ProjectError::NotAProject(d.to_owned()).to_string());
            }
            Some(d.to_owned())
        }
        None => Project::is_project(&cwd).then(|| cwd.clone()),
    };
    let explicit = |path: &Path| -> Result<(Artifact, String), String> {
        let a = Artifact::from_file(path)?;
        let line = format!("{} (--artifact)", path.display());
        Ok((a, line))
    };
    let Some(dir) = dir else {
        if args.no_suite {
            return Err("--no-suite: there are no scenario files outside a Foundry project (run in one, or give --project DIR)".into());
        }
        let (artifact, account) = match args.artifact {
            Some(p) => explicit(p)?,
            None => (
                Artifact::bundled(),
                "sessionkit's bundled SessionAccount".to_owned(),
            ),
        };
        return Ok(Plan {
            config: Config {
                artifact,
                filter: args.filter.clone(),
                jobs: args.jobs,
                toolchain,
                strict_simulator: args.strict_simulator.then_some(true),
                ..Config::default()
            },
            account,
            scenarios: None,
        });
    };
    let project = Project::open(&dir).map_err(project_error)?;
    eprintln!("sessionkit: building {} with forge", dir.display());
    let catalog = project.build(&toolchain).map_err(project_error)?;
    let (artifact, account) = match args.artifact {
        Some(p) => explicit(p)?,
        None => {
            let choice = project.account(&catalog).map_err(project_error)?;
            (choice.artifact().map_err(project_error)?, choice.describe())
        }
    };
    let factory = if artifact.is_bundled() {
        None
    } else {
        project.factory(&catalog).map_err(project_error)?
    };
    let files = project
        .scenarios(&catalog, &artifact.abi)
        .map_err(|errors| {
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        })?;
    let (scenario_dir, _) = project.scenario_dir();
    let count: usize = files.iter().map(|f| f.scenarios.len()).sum();
    let scenarios = if files.is_empty() {
        format!(
            "no scenario files in {}/ (`sessionkit init` writes a first one)",
            scenario_dir.display()
        )
    } else {
        format!(
            "{count} scenario{} in {} file{} of {}/",
            if count == 1 { "" } else { "s" },
            files.len(),
            if files.len() == 1 { "" } else { "s" },
            scenario_dir.display()
        )
    };
    let strict = args.strict_simulator || project.config.strict_simulator == Some(true);
    Ok(Plan {
        config: Config {
            artifact,
            filter: args.filter.clone(),
            jobs: args.jobs,
            toolchain,
            suite: !args.no_suite,
            files: files.into_iter().map(Arc::new).collect(),
            strict_simulator: strict.then_some(true),
            factory,
        },
        account,
        scenarios: Some(scenarios),
    })
}

/// Runs the check; exit code 0 when every run passed, 1 when one failed (2, through the
/// caller, for bad input).
pub fn run(args: Args<'_>) -> Result<ExitCode, String> {
    if args.jobs == 0 {
        return Err("--jobs must be at least 1".into());
    }
    if let Some(path) = args.junit {
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
    let plan = plan(&args)?;
    let config = &plan.config;
    let runs = config.runs();
    if runs.is_empty() {
        return Err(match &args.filter {
            Some(f) => format!("--filter {f:?} selects no scenario"),
            None => "there is nothing to run: no scenario files, and --no-suite".into(),
        });
    }
    println!("account: {}", plan.account);
    if let Some(s) = &plan.scenarios {
        println!("scenarios: {s}");
    }
    if args.list {
        return list(config, &runs);
    }
    let total = runs.len();
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let started = Instant::now();
    let progress = bar.clone();
    let results = runtime()?.block_on(conformance::run(config, move |r: &RunResult| {
        progress.set_message(r.scenario.clone());
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
            Status::Passed if r.notes.is_empty() => ("passed".to_owned(), Color::Green),
            Status::Passed => (
                format!(
                    "passed ({} note{})",
                    r.notes.len(),
                    if r.notes.len() == 1 { "" } else { "s" }
                ),
                Color::Green,
            ),
            Status::Failed(m) if r.source.is_some() => (
                format!("FAILED at {}", m.split(": ").next().unwrap_or(m)),
                Color::Red,
            ),
            Status::Failed(m) => (format!("FAILED: {m}"), Color::Red),
            Status::NotApplicable(m) => (format!("n/a: {m}"), Color::Yellow),
        };
        let mut outcome = Cell::new(text);
        if colour {
            outcome = outcome.fg(color);
        }
        table.add_row(vec![
            Cell::new(&r.scenario),
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
    let failures: Vec<&RunResult> = results
        .iter()
        .filter(|r| matches!(r.status, Status::Failed(_)) && r.source.is_some())
        .collect();
    if !failures.is_empty() {
        // One entry per scenario and message, with the paths that failed the same way.
        let mut grouped: Vec<(&str, &str, &str, Vec<&str>)> = Vec::new();
        for r in &failures {
            let Status::Failed(m) = &r.status else {
                continue;
            };
            let source = r.source.as_deref().unwrap_or_default();
            match grouped
                .iter_mut()
                .find(|(s, _, msg, _)| *s == r.scenario && *msg == m.as_str())
            {
                Some(entry) => entry.3.push(&r.path),
                None => grouped.push((&r.scenario, source, m, vec![&r.path])),
            }
        }
        println!("failures:");
        for (scenario, source, message, paths) in grouped {
            println!(
                "  {scenario} ({source}) [{}]\n    {message}",
                paths.join(", ")
            );
        }
    }
    let notes: Vec<(&RunResult, &String)> = results
        .iter()
        .flat_map(|r| r.notes.iter().map(move |n| (r, n)))
        .collect();
    if !notes.is_empty() {
        println!(
            "notes (the simulator disagrees with the chain; --strict-simulator makes this fail):"
        );
        for (r, n) in notes {
            println!("  {} [{}]: {n}", r.scenario, r.path);
        }
    }
    let passed = results
        .iter()
        .filter(|r| r.status == Status::Passed)
        .count();
    let failed = results
        .iter()
        .filter(|r| matches!(r.status, Status::Failed(_)))
        .count();
    let na = results.len() - passed - failed;
    let mut names: Vec<&str> = results.iter().map(|r| r.scenario.as_str()).collect();
    names.dedup();
    println!(
        "{} runs of {} scenarios against {}: {passed} passed, {failed} failed, {na} not applicable in {:.2} s ({} job{})",
        results.len(),
        names.len(),
        config.artifact.path.display(),
        wall.as_secs_f64(),
        config.jobs,
        if config.jobs == 1 { "" } else { "s" }
    );
    if let Some(path) = args.junit {
        conformance::write_junit(path, &results, wall).map_err(|e| format!("--junit {e}"))?;
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `--list`: the runs, each with where it is written and whether it applies; no chain.
fn list(config: &Config, runs: &[conformance::Run]) -> Result<ExitCode, String> {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(vec!["scenario", "path", "source", "runs"]);
    let mut applicable = 0;
    for run in runs {
        let na = config.not_applicable(run);
        if na.is_none() {
            applicable += 1;
        }
        table.add_row(vec![
            Cell::new(run.subject.name()),
            Cell::new(run.subject.path_label(run.deployment, run.route)),
            Cell::new(run.subject.source().unwrap_or_else(|| "built-in".into())),
            Cell::new(match na {
                None => "yes".to_owned(),
                Some(why) => format!("n/a: {why}"),
            }),
        ]);
    }
    println!("{table}");
    let mut names: Vec<&str> = runs.iter().map(|r| r.subject.name()).collect();
    names.dedup();
    println!(
        "{} runs of {} scenarios ({applicable} applicable) would run against {}",
        runs.len(),
        names.len(),
        config.artifact.path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `sessionkit init`: writes `sessionkit.toml` and `sessions/first.toml` into the project,
/// keeping any that exist.
pub fn init(dir: Option<&Path>) -> Result<ExitCode, String> {
    let dir = match dir {
        Some(d) => d.to_owned(),
        None => std::env::current_dir()
            .map_err(|e| format!("cannot read the current directory: {e}"))?,
    };
    if !Project::is_project(&dir) {
        return Err(ProjectError::NotAProject(dir).to_string());
    }
    // Name the account when an earlier build shows exactly one (nothing is built here).
    let account = sessionkit_testkit::scenario::Catalog::read_out_dir(&dir.join("out"))
        .ok()
        .and_then(|catalog| {
            let candidates: Vec<String> = catalog
                .iter()
                .filter(|c| !c.bytecode.is_empty() && project::missing_interface(&c.abi).is_none())
                .map(|c| c.name.clone())
                .collect();
            (candidates.len() == 1).then(|| candidates[0].clone())
        });
    let mut wrote = 0;
    for (path, text) in project::init_files(account.as_deref()) {
        let full = dir.join(&path);
        if full.exists() {
            println!("kept {} (it exists)", path.display());
            continue;
        }
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&full, text).map_err(|e| format!("{}: {e}", full.display()))?;
        println!("wrote {}", path.display());
        wrote += 1;
    }
    if wrote == 0 {
        return Err(format!(
            "{} is set up already: {} and {} exist",
            dir.display(),
            project::CONFIG_FILE,
            Path::new(project::DEFAULT_SCENARIOS)
                .join("first.toml")
                .display()
        ));
    }
    println!("next: sessionkit check   (builds the project, runs the suite and the scenarios)");
    Ok(ExitCode::SUCCESS)
}
