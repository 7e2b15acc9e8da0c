//! `sessionkit lint`: the review of session specs before they are signed (see
//! `sessionkit::lint`), for people and for CI.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use alloy::primitives::Address;
use alloy::providers::Provider;
use sessionkit::lint::{self, Context, Finding, Severity};
use sessionkit::policy::SessionSpec;

/// What to review.
pub struct Args<'a> {
    /// The spec files.
    pub specs: &'a [PathBuf],
    /// A Foundry project whose scenario files' sessions are reviewed too.
    pub project: Option<&'a Path>,
    /// A config file `{"allow": [RULE, …]}`.
    pub config: Option<&'a Path>,
    /// Rules silenced on the command line.
    pub allow: &'a [String],
    /// The time to measure expiries from (default: the chain's with `rpc`, else the clock).
    pub at: Option<u64>,
    /// The account the specs are for.
    pub account: Option<Address>,
    /// A chain to read transfer targets' code from.
    pub rpc: Option<&'a str>,
    /// JSON output.
    pub json: bool,
    /// Warnings fail too.
    pub deny_warnings: bool,
}

/// Prints the rules.
pub fn list_rules(json: bool) -> Result<ExitCode, String> {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(lint::RULES).map_err(|e| e.to_string())?
        );
    } else {
        for rule in lint::RULES {
            println!("{:<30} {:<8} {}", rule.id, rule.severity, rule.summary);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Reviews every spec; exit code 0 when nothing at the failing severity was found, 1 when
/// something was, 2 for bad input.
pub fn run(args: Args<'_>) -> Result<ExitCode, String> {
    let mut allow: BTreeSet<String> = BTreeSet::new();
    for id in args.allow {
        lint::check_rule(id).map_err(|e| format!("--allow {id}: {e}"))?;
        allow.insert(id.clone());
    }
    if let Some(path) = args.config {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("--config {}: {e}", path.display()))?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        allow.extend(
            lint::allow_list(&value, "config").map_err(|e| format!("{}: {e}", path.display()))?,
        );
    }
    let mut files = Vec::new();
    for path in args.specs {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let spec = SessionSpec::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let own = lint::allowed_in_json(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        files.push((path, spec, own));
    }
    let (now, contracts) = match args.rpc {
        Some(url) => crate::runtime()?.block_on(chain_facts(url, &files))?,
        None => (None, None),
    };
    let now = args.at.or(now).unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default()
    });
    let mut reports: Vec<Report> = Vec::new();
    for (path, spec, own) in &files {
        let context = Context {
            now,
            account: args.account,
            contracts: contracts.clone(),
            allow: allow.iter().cloned().chain(own.iter().cloned()).collect(),
        };
        reports.push(Report {
            file: path.display().to_string(),
            session: None,
            findings: spec.lint(&context),
        });
    }
    if let Some(dir) = args.project {
        reports.extend(scenario_files(dir, now, &allow)?);
    }
    let count = |s: Severity| {
        reports
            .iter()
            .flat_map(|r| &r.findings)
            .filter(|f| f.severity == s)
            .count()
    };
    let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
    if args.json {
        let doc = serde_json::json!({
            "version": 1,
            "at": now,
            "account": args.account,
            "chain_checked": args.rpc.is_some(),
            "errors": errors,
            "warnings": warnings,
            "files": reports
                .iter()
                .map(|r| serde_json::json!({"file": r.file, "session": r.session, "findings": r.findings}))
                .collect::<Vec<_>>(),
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?
        );
    } else {
        for report in &reports {
            let name = match &report.session {
                Some(session) => format!("{} [session {session}]", report.file),
                None => report.file.clone(),
            };
            for finding in &report.findings {
                println!("{name}: {finding}");
            }
        }
        let mut not_checked = Vec::new();
        if args.account.is_none() && !args.specs.is_empty() {
            not_checked.push("policy-on-account (give --account)");
        }
        if args.rpc.is_none() && !args.specs.is_empty() {
            not_checked.push("transfer-to-contract (give --rpc)");
        }
        println!(
            "{errors} error(s), {warnings} warning(s) in {} spec(s){}",
            reports.len(),
            if not_checked.is_empty() {
                String::new()
            } else {
                format!("; not checked: {}", not_checked.join(", "))
            }
        );
    }
    Ok(if errors > 0 || (args.deny_warnings && warnings > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The findings of one spec: a file, or a session of a scenario file.
struct Report {
    file: String,
    session: Option<String>,
    findings: Vec<Finding>,
}

/// The sessions of a Foundry project's scenario files, each reviewed as granted at `now` with
/// its file's `[lint] allow` (see `ScenarioFile::lint`); the project is built with forge first
/// (the scenario files name its contracts' functions).
fn scenario_files(dir: &Path, now: u64, allow: &BTreeSet<String>) -> Result<Vec<Report>, String> {
    use sessionkit_testkit::project::{Project, ProjectError};
    if !Project::is_project(dir) {
        return Err(ProjectError::NotAProject(dir.to_owned()).to_string());
    }
    let project = Project::open(dir).map_err(crate::check::project_error)?;
    eprintln!("sessionkit: building {} with forge", dir.display());
    let toolchain = sessionkit_testkit::toolchain::Toolchain::from_env();
    let catalog = project
        .build(&toolchain)
        .map_err(crate::check::project_error)?;
    let account = project
        .account(&catalog)
        .and_then(|choice| choice.artifact())
        .map_err(crate::check::project_error)?;
    let files = project
        .scenarios(&catalog, &account.abi)
        .map_err(|errors| {
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        })?;
    let mut reports = Vec::new();
    for file in &files {
        let shown = dir.join(&file.path).display().to_string();
        for (session, findings) in file.lint(now, allow).map_err(|e| e.to_string())? {
            reports.push(Report {
                file: shown.clone(),
                session: Some(session),
                findings,
            });
        }
    }
    Ok(reports)
}

/// The chain's time and which transfer targets of `files` have code.
async fn chain_facts(
    url: &str,
    files: &[(&PathBuf, SessionSpec, Vec<String>)],
) -> Result<(Option<u64>, Option<BTreeSet<Address>>), String> {
    let provider = crate::keys::provider(url)?;
    let now = sessionkit::client::latest_timestamp(&provider)
        .await
        .map_err(|e| e.to_string())?;
    let targets: BTreeSet<Address> = files
        .iter()
        .flat_map(|(_, spec, _)| spec.transfer_policies.iter().map(|p| p.target))
        .collect();
    let mut contracts = BTreeSet::new();
    for target in targets {
        let code = provider
            .get_code_at(target)
            .await
            .map_err(|e| format!("--rpc {url}: reading the code of {target}: {e}"))?;
        // A 7702-delegated EOA has code too: its delegate's receive or fallback runs.
        if !code.is_empty() {
            contracts.insert(target);
        }
    }
    Ok((Some(now), Some(contracts)))
}
