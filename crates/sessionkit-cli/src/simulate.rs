//! `sessionkit simulate`: the account's decision offline, from the runtime's JSON forms.

use std::path::Path;
use std::process::ExitCode;

use alloy::primitives::Address;
use sessionkit::policy::SessionSpec;
use sessionkit::simulator::{self, Decision, Usage};
use sessionkit::Call;

fn read(path: &Path, what: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{what} {}: {e}", path.display()))
}

/// What to simulate.
pub struct Args<'a> {
    /// The session spec file (JSON).
    pub spec: &'a Path,
    /// The calls file (JSON list).
    pub calls: &'a Path,
    /// The usage so far (JSON).
    pub usage: Option<&'a Path>,
    /// The block time.
    pub at: Option<u64>,
    /// The account.
    pub account: Address,
    /// One batch per call.
    pub each: bool,
    /// JSON lines.
    pub json: bool,
}

/// Decides the calls; exit code 0 when all are allowed, 1 when one is denied.
pub fn run(args: Args<'_>) -> Result<ExitCode, String> {
    let spec = SessionSpec::from_json(&read(args.spec, "--spec")?)
        .map_err(|e| format!("{}: {e}", args.spec.display()))?;
    let batch = Call::list_from_json(&read(args.calls, "--calls")?)
        .map_err(|e| format!("{}: {e}", args.calls.display()))?;
    let mut current = match args.usage {
        Some(path) => Usage::from_json(&read(path, "--usage")?)
            .map_err(|e| format!("{}: {e}", path.display()))?,
        None => Usage::default(),
    };
    let at = args.at.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default()
    });
    let batches: Vec<Vec<Call>> = if args.each {
        batch.into_iter().map(|c| vec![c]).collect()
    } else {
        vec![batch]
    };
    let mut all_allowed = true;
    for (i, calls) in batches.iter().enumerate() {
        let decision = simulator::simulate(&spec, &current, args.account, calls, at);
        let label = if args.each {
            format!("call {i}")
        } else {
            "batch".to_owned()
        };
        if args.json {
            let mut line = serde_json::to_value(&decision).map_err(|e| e.to_string())?;
            line["item"] = label.clone().into();
            println!("{line}");
        }
        match decision {
            Decision::Allowed { usage } => {
                if !args.json {
                    println!("{label}: allowed");
                }
                current = usage;
            }
            Decision::Denied(d) => {
                all_allowed = false;
                if !args.json {
                    // "call 4: denied (call_policies[0].constraints[1].limit): AllowanceExceeded…"
                    let call = match (args.each, d.call) {
                        (false, Some(c)) => format!(" at call {c}"),
                        _ => String::new(),
                    };
                    let location = d.location().map(|l| format!(" ({l})")).unwrap_or_default();
                    println!("{label}: denied{call}{location}: {}", d.error);
                }
            }
        }
    }
    if !args.json {
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
