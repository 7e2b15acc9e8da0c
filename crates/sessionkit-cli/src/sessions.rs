//! `sessionkit sessions`: an account's sessions, what each has left, and the calls each key made,
//! from the account's events over any RPC endpoint (see `sessionkit::monitor`).

use std::process::ExitCode;

use alloy::primitives::Address;
use alloy::providers::Provider;
use sessionkit::monitor::{self, CallRecord, EventKind};
use sessionkit::policy::{Limit, SessionSpec};
use sessionkit::simulator::{self, LimitId};
use sessionkit::units::{display_amount, format_duration};

/// What to read.
pub struct Args<'a> {
    /// The chain's RPC URL.
    pub rpc: &'a str,
    /// The account.
    pub account: Address,
    /// The first block (default 0).
    pub from_block: u64,
    /// The last block (default: the latest).
    pub to_block: Option<u64>,
    /// Blocks per `eth_getLogs`.
    pub page_size: u64,
    /// How many recent calls to show per session.
    pub calls: usize,
    /// JSON output.
    pub json: bool,
}

/// Lists the sessions.
pub fn run(args: Args<'_>) -> Result<ExitCode, String> {
    crate::runtime()?.block_on(async {
        let eoa = crate::keys::client(crate::keys::provider(args.rpc)?, args.account).await?;
        let e = |e: sessionkit::Error| e.to_string();
        let latest = eoa
            .provider()
            .get_block_number()
            .await
            .map_err(|e| format!("--rpc {}: reading the latest block: {e}", args.rpc))?;
        let to = args.to_block.unwrap_or(latest).min(latest);
        if args.from_block > to {
            return Err(format!(
                "--from-block {} is after the last block {to}",
                args.from_block
            ));
        }
        let history = monitor::history(
            eoa.provider(),
            args.account,
            eoa.chain_id(),
            args.from_block,
            to,
            args.page_size,
        )
        .await
        .map_err(e)?;
        let now = eoa.timestamp().await.map_err(e)?;
        let mut signers: Vec<Address> = Vec::new();
        for event in &history.events {
            if !signers.contains(&event.signer) {
                signers.push(event.signer);
            }
        }
        let mut sessions = Vec::new();
        for signer in &signers {
            let info = eoa.session(*signer).await.map_err(e)?;
            let revoked = eoa.is_revoked(*signer).await.map_err(e)?;
            let status = match &info {
                _ if revoked => "revoked",
                Some(i) if i.spec.expires_at > now => "live",
                Some(_) => "expired",
                None => "none",
            };
            let events: Vec<_> = history
                .events
                .iter()
                .filter(|ev| ev.signer == *signer)
                .map(|ev| {
                    serde_json::json!({
                        "kind": ev.kind,
                        "block": ev.block,
                        "tx": ev.tx,
                    })
                })
                .collect();
            let calls: Vec<&CallRecord> = history
                .calls
                .iter()
                .filter(|c| c.signer == Some(*signer))
                .collect();
            let recent: Vec<&CallRecord> =
                calls.iter().rev().take(args.calls).rev().copied().collect();
            let limits = info
                .as_ref()
                .map(|i| limits(&i.spec, &i.state, now))
                .unwrap_or_default();
            sessions.push(serde_json::json!({
                "signer": signer,
                "status": status,
                "wildcard": info.as_ref().map(|i| i.spec.wildcard),
                "expires_at": info.as_ref().map(|i| i.spec.expires_at),
                "expires_in": info.as_ref().map(|i| i.spec.expires_at.saturating_sub(now)),
                "call_policies": info.as_ref().map(|i| i.spec.call_policies.len()),
                "transfer_policies": info.as_ref().map(|i| i.spec.transfer_policies.len()),
                "events": events,
                "limits": limits,
                "call_count": calls.len(),
                "recent_calls": recent,
            }));
        }
        let owner_calls: Vec<&CallRecord> = history
            .calls
            .iter()
            .filter(|c| c.signer == Some(args.account))
            .collect();
        let unknown: Vec<&CallRecord> = history
            .calls
            .iter()
            .filter(|c| c.signer.is_none())
            .collect();
        if args.json {
            let doc = serde_json::json!({
                "version": 1,
                "account": args.account,
                "from_block": args.from_block,
                "to_block": to,
                "pages": history.pages,
                "now": now,
                "sessions": sessions,
                "owner_calls": owner_calls,
                "unattributed_calls": unknown,
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?
            );
            return Ok(ExitCode::SUCCESS);
        }
        for s in &sessions {
            print_session(s, now);
        }
        if signers.is_empty() {
            println!(
                "no session events on {} in blocks {}..={to}",
                args.account, args.from_block
            );
        }
        println!("owner calls: {}", owner_calls.len());
        if !unknown.is_empty() {
            println!(
                "calls not attributed to a key (the account was called by another contract): {}",
                unknown.len()
            );
        }
        println!(
            "read blocks {}..={to} in {} eth_getLogs page(s)",
            args.from_block, history.pages
        );
        Ok(ExitCode::SUCCESS)
    })
}

/// Each counted limit of a session: what is left, of what, and when an allowance resets.
fn limits(spec: &SessionSpec, state: &simulator::SessionState, now: u64) -> Vec<serde_json::Value> {
    let usage = simulator::usage_from_state(spec, state, now);
    let mut ids = Vec::new();
    for (i, p) in spec.call_policies.iter().enumerate() {
        ids.push((LimitId::CallValue(i), p.value_limit));
        for (k, c) in p.constraints.iter().enumerate() {
            ids.push((LimitId::Constraint(i, k), c.limit));
        }
    }
    for (i, p) in spec.transfer_policies.iter().enumerate() {
        ids.push((LimitId::TransferValue(i), p.value_limit));
    }
    ids.into_iter()
        .filter(|(_, l)| !l.is_unlimited())
        .map(|(id, limit)| {
            let remaining = usage.remaining(id, &limit, now);
            let resets_at = match limit {
                Limit::Allowance { period, .. } if period > 0 => {
                    Some((now / period).saturating_add(1).saturating_mul(period))
                }
                _ => None,
            };
            serde_json::json!({
                "limit": id.to_string(),
                "of": limit.to_string(),
                "remaining": sessionkit::units::format_amount(remaining),
                "remaining_display": display_amount(remaining),
                "resets_at": resets_at,
            })
        })
        .collect()
}

/// An address of the JSON form, checksummed as everywhere else in the output.
fn checksummed(v: &serde_json::Value) -> String {
    let text = v.as_str().unwrap_or_default();
    text.parse::<Address>()
        .map_or_else(|_| text.to_owned(), |a| a.to_string())
}

fn print_session(s: &serde_json::Value, now: u64) {
    let signer = checksummed(&s["signer"]);
    let status = s["status"].as_str().unwrap_or_default();
    let mut line = format!("session {signer}: {status}");
    if let Some(expires) = s["expires_at"].as_u64() {
        if expires > now {
            line.push_str(&format!(
                ", expires at {expires} (in {})",
                format_duration(expires - now)
            ));
        } else {
            line.push_str(&format!(", expired at {expires}"));
        }
    }
    if s["wildcard"].as_bool() == Some(true) {
        line.push_str(", wildcard");
    } else if let (Some(c), Some(t)) =
        (s["call_policies"].as_u64(), s["transfer_policies"].as_u64())
    {
        line.push_str(&format!(", {c} call and {t} transfer policies"));
    }
    println!("{line}");
    for ev in s["events"].as_array().into_iter().flatten() {
        let kind = if ev["kind"] == serde_json::json!(EventKind::Created) {
            "granted"
        } else {
            "revoked"
        };
        println!(
            "  {kind} in block {} ({})",
            ev["block"],
            ev["tx"].as_str().unwrap_or_default()
        );
    }
    for l in s["limits"].as_array().into_iter().flatten() {
        let mut text = format!(
            "  {}: {} left of {}",
            l["limit"].as_str().unwrap_or_default(),
            l["remaining_display"].as_str().unwrap_or_default(),
            l["of"].as_str().unwrap_or_default()
        );
        if let Some(at) = l["resets_at"].as_u64() {
            text.push_str(&format!(
                ", resets at {at} (in {})",
                format_duration(at.saturating_sub(now))
            ));
        }
        println!("{text}");
    }
    println!("  calls: {}", s["call_count"]);
    for c in s["recent_calls"].as_array().into_iter().flatten() {
        println!(
            "    block {} {} to {}{} value {} ({})",
            c["block"],
            c["route"].as_str().unwrap_or_default(),
            checksummed(&c["target"]),
            c["selector"]
                .as_str()
                .map(|s| format!(" {s}"))
                .unwrap_or_default(),
            c["value"].as_str().unwrap_or_default(),
            c["tx"].as_str().unwrap_or_default()
        );
    }
}
