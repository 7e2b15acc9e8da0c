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
    let mut reports: Vec<(String, Vec<Finding>)> = Vec::new();
    for (path, spec, own) in &files {
        let context = Context {
            now,
            account: args.account,
            contracts: contracts.clone(),
            allow: allow.iter().cloned().chain(own.iter().cloned()).collect(),
        };
        reports.push((path.display().to_string(), spec.lint(&context)));
    }
    let count = |s: Severity| {
        reports
            .iter()
            .flat_map(|(_, f)| f)
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
                .map(|(file, findings)| serde_json::json!({"file": file, "findings": findings}))
                .collect::<Vec<_>>(),
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?
        );
    } else {
        for (file, findings) in &reports {
            for finding in findings {
                println!("{file}: {finding}");
            }
        }
        let mut not_checked = Vec::new();
        if args.account.is_none() {
            not_checked.push("policy-on-account (give --account)");
        }
        if args.rpc.is_none() {
            not_checked.push("transfer-to-contract (give --rpc)");
        }
        println!(
            "{errors} error(s), {warnings} warning(s) in {} file(s){}",
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
