//! `sessionkit sessions`: an account's sessions, what each has left, and the calls each key made,
//! from the account's events over any RPC endpoint (see `sessionkit::monitor`).

use std::process::ExitCode;

use alloy::primitives::{Address, B256, U256};
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
    /// Follow new blocks after the listing.
    pub watch: Option<Watch>,
}

/// How `--watch` follows the chain.
pub struct Watch {
    /// How long to wait between polls.
    pub interval: std::time::Duration,
    /// Warn when a limit's remaining falls below this percentage of the limit.
    pub warn_below: u8,
    /// Warn when a live session expires within this many seconds.
    pub warn_expiry: u64,
    /// Stop after this many new blocks (none: run until interrupted).
    pub blocks: Option<u64>,
}

/// Lists the sessions.
pub fn run(args: Args<'_>) -> Result<ExitCode, String> {
    crate::runtime()?.block_on(list(args))
}

/// Lists the sessions (and follows new blocks with `--watch`), inside a runtime.
pub async fn list(args: Args<'_>) -> Result<ExitCode, String> {
    {
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
        let code = eoa
            .provider()
            .get_code_at(args.account)
            .await
            .map_err(|e| format!("--rpc {}: reading the account's code: {e}", args.rpc))?;
        let owner = monitor::owner_from_code(args.account, &code);
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
            .filter(|c| c.signer == Some(owner))
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
                "owner": owner,
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
        if let Some(watch) = &args.watch {
            follow(&eoa, &args, watch, to, signers, owner).await?;
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// `--watch`: prints every new session call, grant and revocation, user operation of the
/// account refused in execution, and reverted transaction to the account, and warns once when
/// a limit of a live session drops below the threshold or it nears its expiry.
async fn follow(
    eoa: &sessionkit::client::SmartEoa<alloy::providers::DynProvider>,
    args: &Args<'_>,
    watch: &Watch,
    mut last: u64,
    mut signers: Vec<Address>,
    owner: Address,
) -> Result<(), String> {
    use alloy::rpc::types::Filter;
    use alloy::sol_types::SolEvent;
    use sessionkit::userop::{IEntryPoint, ENTRY_POINT};
    let e = |e: sessionkit::Error| e.to_string();
    let provider = eoa.provider();
    let account = args.account;
    // What happened in the new blocks, printed in block order.
    let mut lines: Vec<(u64, String)> = Vec::new();
    let mut warned: std::collections::BTreeSet<String> = Default::default();
    let mut traces: Option<bool> = None;
    let mut seen = 0u64;
    println!("watching {account} from block {} (Ctrl-C stops)", last + 1);
    loop {
        if watch.blocks.is_some_and(|n| seen >= n) {
            return Ok(());
        }
        tokio::time::sleep(watch.interval).await;
        let latest = provider
            .get_block_number()
            .await
            .map_err(|e| format!("--rpc {}: reading the latest block: {e}", args.rpc))?;
        if latest <= last {
            continue;
        }
        let latest = match watch.blocks {
            Some(n) => latest.min(last + (n - seen)),
            None => latest,
        };
        let (from, to) = (last + 1, latest);
        let history = monitor::history(provider, account, eoa.chain_id(), from, to, args.page_size)
            .await
            .map_err(e)?;
        for ev in &history.events {
            let what = match ev.kind {
                EventKind::Created => "granted",
                EventKind::Revoked => "revoked",
            };
            println!(
                "block {}: session {} {what} ({})",
                ev.block, ev.signer, ev.tx
            );
            if !signers.contains(&ev.signer) {
                signers.push(ev.signer);
            }
        }
        for c in &history.calls {
            let by = match c.signer {
                Some(s) if s == owner => "the owner".to_owned(),
                Some(s) => format!("session {s}"),
                None => "an unknown caller".to_owned(),
            };
            let route = serde_json::to_value(c.route).unwrap_or_default();
            lines.push((
                c.block,
                format!(
                    "block {}: call by {by} ({}) to {}{} value {} ({})",
                    c.block,
                    route.as_str().unwrap_or_default(),
                    c.target,
                    c.selector.map(|s| format!(" {s}")).unwrap_or_default(),
                    display_amount(c.value),
                    c.tx
                ),
            ));
        }
        // User operations of the account that validated but reverted in execution.
        let filter = Filter::new()
            .address(ENTRY_POINT)
            .event_signature(IEntryPoint::UserOperationRevertReason::SIGNATURE_HASH)
            .topic2(account.into_word());
        let (logs, _) = monitor::logs_paged(provider, &filter, from, to, args.page_size)
            .await
            .map_err(e)?;
        for log in logs {
            if let Ok(ev) = IEntryPoint::UserOperationRevertReason::decode_log_data(log.data()) {
                // A session's operations use its signer's address as their nonce key.
                let key: U256 = ev.nonce >> 64usize;
                let whose = if key.is_zero() {
                    "the owner's user operation".to_owned()
                } else {
                    format!(
                        "a user operation of session {}",
                        Address::from_word(B256::from(key))
                    )
                };
                let block = log.block_number.unwrap_or_default();
                lines.push((
                    block,
                    format!(
                        "block {block}: {whose} was refused in execution: {} ({})",
                        reason(&ev.revertReason),
                        log.transaction_hash.unwrap_or_default()
                    ),
                ));
            }
        }
        // Transactions to the account that reverted, with their reason where the node traces.
        for number in from..=to {
            let block = provider
                .get_block_by_number(number.into())
                .full()
                .await
                .map_err(|e| format!("--rpc {}: reading block {number}: {e}", args.rpc))?;
            let Some(block) = block else { continue };
            for tx in block.transactions.txns() {
                use alloy::consensus::Transaction as _;
                if tx.to() != Some(account) {
                    continue;
                }
                let hash = *tx.inner.tx_hash();
                let receipt = provider
                    .get_transaction_receipt(hash)
                    .await
                    .map_err(|e| format!("--rpc {}: reading a receipt: {e}", args.rpc))?;
                if receipt.is_none_or(|r| r.status()) {
                    continue;
                }
                let why = if traces == Some(false) {
                    None
                } else {
                    let traced: Result<serde_json::Value, _> = provider
                        .raw_request(
                            "debug_traceTransaction".into(),
                            (hash, serde_json::json!({"tracer": "callTracer"})),
                        )
                        .await;
                    traces = Some(traced.is_ok());
                    if traced.is_err() {
                        println!("the node does not offer debug_traceTransaction: reverted transactions are listed without their reason");
                    }
                    traced.ok().and_then(|t| {
                        t["output"]
                            .as_str()
                            .and_then(|o| o.parse::<alloy::primitives::Bytes>().ok())
                    })
                };
                lines.push((
                    number,
                    format!(
                        "block {number}: a transaction from {} to the account reverted{} ({hash})",
                        tx.inner.signer(),
                        why.map(|data| format!(": {}", reason(&data)))
                            .unwrap_or_default()
                    ),
                ));
            }
        }
        lines.sort_by_key(|(block, _)| *block);
        for (_, line) in lines.drain(..) {
            println!("{line}");
        }
        // Warnings: limits running low, expiries near.
        let now = eoa.timestamp().await.map_err(e)?;
        for signer in &signers {
            let Some(info) = eoa.session(*signer).await.map_err(e)? else {
                continue;
            };
            if info.spec.expires_at <= now {
                continue;
            }
            let left = info.spec.expires_at - now;
            if left <= watch.warn_expiry && warned.insert(format!("{signer} expiry")) {
                println!(
                    "warning: session {signer} expires in {} (at {})",
                    format_duration(left),
                    info.spec.expires_at
                );
            }
            for l in limits(&info.spec, &info.state, now) {
                let (Some(id), Some(of), Some(remaining)) = (
                    l["limit"].as_str(),
                    l["of_amount"].as_str(),
                    l["remaining"].as_str(),
                ) else {
                    continue;
                };
                let (Ok(of), Ok(remaining)) = (of.parse::<U256>(), remaining.parse::<U256>())
                else {
                    continue;
                };
                let low = remaining * U256::from(100) < of * U256::from(watch.warn_below);
                let key = format!("{signer} {id} {}", l["resets_at"]);
                if low && warned.insert(key) {
                    println!(
                        "warning: session {signer}: {id} is down to {} of {}",
                        l["remaining_display"].as_str().unwrap_or_default(),
                        l["of"].as_str().unwrap_or_default()
                    );
                }
            }
        }
        seen += to - last;
        last = to;
    }
}

/// An account's revert data in words: its decoded error, or the raw data.
fn reason(data: &[u8]) -> String {
    match sessionkit::AccountError::decode(data) {
        Some(error) => error.to_string(),
        None => alloy::sol_types::decode_revert_reason(data)
            .unwrap_or_else(|| format!("0x{}", alloy::hex::encode(data))),
    }
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
                "of": id.show_limit(&limit),
                "of_amount": limit.amount().to_string(),
                "remaining": sessionkit::units::format_amount(remaining),
                "remaining_display": id.show_amount(remaining),
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
