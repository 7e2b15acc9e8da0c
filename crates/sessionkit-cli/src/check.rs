//! `sessionkit check`: the conformance suite against the bundled account or an artifact.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use comfy_table::{presets, Cell, CellAlignment, Color, ContentArrangement, Table};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sessionkit_testkit::conformance::{self, Artifact, Config, RunResult, Status};

use crate::runtime;

/// Runs the suite; exit code 0 when every run passed, 1 when one failed.
pub fn run(
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
            Status::Passed => ("passed".to_owned(), Color::Green),
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
            let mut names: Vec<&str> = results.iter().map(|r| r.scenario.as_str()).collect();
            names.dedup();
            names.len()
        },
        artifact.path.display(),
        wall.as_secs_f64(),
        if jobs == 1 { "" } else { "s" }
    );
    if let Some(path) = junit {
        conformance::write_junit(path, &results, wall).map_err(|e| format!("--junit {e}"))?;
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
