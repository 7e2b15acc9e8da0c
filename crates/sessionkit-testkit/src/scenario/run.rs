//! Playing one scenario of a file on one route: deploy the file's contracts, run its setup,
//! grant its session, then each step with its outcome checked and explained.

use alloy::dyn_abi::{DynSolValue, FunctionExt, JsonAbiExt};
use alloy::json_abi::JsonAbi;
use alloy::network::TransactionBuilder;
use alloy::primitives::{Address, Bytes, U256};
use alloy::rpc::types::TransactionRequest;
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::SolCall;
use sessionkit::abi::execute_call;
use sessionkit::contracts::SessionAccount;
use sessionkit::policy::SessionSpec;
use sessionkit::{signing, Call};

use super::explain::{show_dyn, Explainer};
use super::{Actor, Expect, Names, Scenario, ScenarioFile, SetupKind, StepKind, Time};
use crate::harness::{
    Actor as ProbeActor, ChainRefusal, Harness, HarnessError, Outcome, Route, SessionProbe,
};

/// Why a run stopped.
pub(crate) enum PlayError {
    /// A step did not have its expected outcome (the message says where and how).
    Failed(String),
    /// The harness failed: the run could not be played.
    Harness(HarnessError),
}

impl From<HarnessError> for PlayError {
    fn from(e: HarnessError) -> Self {
        PlayError::Harness(e)
    }
}

/// What a run that passed produced.
pub(crate) struct Played {
    /// Gas of the transactions it mined.
    pub gas: u64,
    /// Disagreements between the simulator and the chain that did not fail the run.
    pub notes: Vec<String>,
}

/// The accounts a run acts on.
pub(crate) struct Accounts<'a> {
    /// The account under test.
    pub account: Address,
    /// The owner's key.
    pub owner: &'a PrivateKeySigner,
    /// The account's ABI.
    pub abi: &'a JsonAbi,
}

fn key_of(actor: Actor, owner: &PrivateKeySigner) -> PrivateKeySigner {
    match actor {
        Actor::Owner => owner.clone(),
        other => other.signer(),
    }
}

/// Plays `scenario` of `file` on `route`. A disagreement between the simulator and the chain
/// fails the run when `strict`, else it is a note.
pub(crate) async fn play(
    h: &Harness,
    accounts: &Accounts<'_>,
    file: &ScenarioFile,
    scenario: &Scenario,
    route: Route,
    strict: bool,
) -> Result<Played, PlayError> {
    let owner = accounts.owner;
    let sponsor = Actor::Sponsor.signer();
    let mut names = Names::new(accounts.account);
    names.owner = owner.address();
    let mut gas = 0u64;
    let mut notes = Vec::new();
    let failed = |m: String| PlayError::Failed(m);

    // The file's contracts, then its setup.
    for c in &file.contracts {
        let args: Vec<DynSolValue> = c
            .args
            .iter()
            .map(|a| a.resolve(&names))
            .collect::<Result<_, _>>()
            .map_err(|e| failed(format!("{}: {e}", c.at)))?;
        let encoded = match &c.artifact.abi.constructor {
            Some(ctor) => ctor.abi_encode_input(&args).map_err(|e| {
                failed(format!(
                    "{}: the constructor arguments do not fit: {e}",
                    c.at
                ))
            })?,
            None => Vec::new(),
        };
        let address = h
            .deploy(c.artifact.bytecode.clone(), encoded)
            .await
            .map_err(|e| match e {
                HarnessError::Refused { message, .. } => failed(format!(
                    "{}: deploying {} failed: {message} (its constructor reverted)",
                    c.at,
                    c.artifact.label()
                )),
                other => PlayError::Harness(other),
            })?;
        names.contracts.insert(c.alias.clone(), address);
    }
    let abis = || -> Vec<&JsonAbi> {
        let mut abis = vec![accounts.abi];
        abis.extend(file.contracts.iter().map(|c| &c.artifact.abi));
        abis
    };
    for step in &file.setup {
        match &step.kind {
            SetupKind::Fund { who, balance } => {
                let address = names
                    .address(who)
                    .map_err(|e| failed(format!("{}: {e}", step.at)))?;
                h.set_balance(address, *balance).await?;
            }
            SetupKind::Call { call, by } => {
                let c = call
                    .resolve(&names)
                    .map_err(|e| failed(format!("{}: {e}", step.at)))?;
                let (key, tx) = match by {
                    None => (
                        owner.clone(),
                        TransactionRequest::default()
                            .with_from(owner.address())
                            .with_to(accounts.account)
                            .with_input(execute_call(std::slice::from_ref(&c)).abi_encode()),
                    ),
                    Some(actor) => {
                        let key = key_of(*actor, owner);
                        let tx = TransactionRequest::default()
                            .with_from(key.address())
                            .with_to(c.target)
                            .with_value(c.value)
                            .with_input(c.data.clone());
                        (key, tx)
                    }
                };
                let explainer = Explainer {
                    names: &names,
                    abis: abis(),
                    spec: None,
                };
                // Setup gas is not the scenario's: only grants and steps are counted.
                match send(h, &key, tx).await? {
                    Ok(_) => {}
                    Err(refusal) => {
                        let r = explainer.decode(&refusal);
                        return Err(failed(format!(
                            "{}: setup {}: reverted with {}",
                            step.at,
                            call.text,
                            explainer.describe(&r, &[c], None)
                        )));
                    }
                }
            }
        }
    }

    // The session, granted before the steps.
    let grant_sender = match route {
        Route::Direct => owner.clone(),
        Route::Sponsored | Route::UserOp => sponsor.clone(),
    };
    let mut spec: Option<SessionSpec> = None;
    if let Some(name) = &scenario.session {
        let template = file
            .session(name)
            .ok_or_else(|| failed(format!("{}: the file has no session {name:?}", scenario.at)))?;
        let now = h.timestamp().await?;
        let s = template
            .build(&names, Actor::Key.address(), now)
            .map_err(|e| failed(format!("{}: {e}", template.at)))?;
        match grant(h, accounts, &s, owner, &grant_sender).await? {
            Ok(g) => gas += g,
            Err(refusal) => {
                let explainer = Explainer {
                    names: &names,
                    abis: abis(),
                    spec: None,
                };
                let r = explainer.decode(&refusal);
                return Err(failed(format!(
                    "{}: granting the session {name} was refused: {}",
                    scenario.at,
                    explainer.describe(&r, &[], None)
                )));
            }
        }
        if route == Route::UserOp {
            gas += allow_paymaster(h, accounts, Actor::Key.address()).await?;
        }
        spec = Some(s);
    }
    let key = Actor::Key.signer();
    let mut key_probe = SessionProbe::new(
        h,
        accounts.account,
        match &spec {
            Some(s) => ProbeActor::Session {
                key: key.clone(),
                spec: s.clone(),
            },
            None => ProbeActor::Stranger(key.clone()),
        },
        route,
        sponsor.clone(),
    );

    for step in &scenario.steps {
        let at = &step.at;
        match &step.kind {
            StepKind::Warp(secs) => h.warp_by(*secs).await?,
            StepKind::Call {
                calls,
                who,
                time,
                expect,
            } => {
                let resolved: Vec<Call> = calls
                    .iter()
                    .map(|c| c.resolve(&names))
                    .collect::<Result<_, _>>()
                    .map_err(|e| failed(format!("{at}: {e}")))?;
                let t = match time {
                    Time::Next => h.timestamp().await? + 1,
                    Time::Expiry(offset) => {
                        let Some(s) = &spec else {
                            return Err(failed(format!(
                                "{at}: `at = \"expiry…\"` needs a session, and none is granted"
                            )));
                        };
                        s.expires_at.saturating_add_signed(*offset)
                    }
                    Time::NextWindow { period, offset } => {
                        let now = h.timestamp().await?;
                        let mut boundary = (now / period + 1) * period;
                        while boundary.saturating_add_signed(*offset) <= now {
                            boundary += period;
                        }
                        boundary.saturating_add_signed(*offset)
                    }
                };
                let latest = h.timestamp().await?;
                if t <= latest {
                    return Err(failed(format!(
                        "{at}: the time {t} is not after the latest block ({latest}): warp less before this step"
                    )));
                }
                let outcome = match who {
                    Actor::Key => key_probe.run_at(&resolved, t).await?,
                    other => {
                        let actor = match other {
                            Actor::Owner => ProbeActor::Owner(owner.clone()),
                            a => ProbeActor::Stranger(a.signer()),
                        };
                        SessionProbe::new(h, accounts.account, actor, route, sponsor.clone())
                            .run_at(&resolved, t)
                            .await?
                    }
                };
                let explainer = Explainer {
                    names: &names,
                    abis: abis(),
                    spec: if *who == Actor::Key {
                        spec.as_ref()
                    } else {
                        None
                    },
                };
                let what = calls
                    .iter()
                    .map(|c| c.text.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                gas += check(
                    &explainer, &outcome, &resolved, expect, at, &what, strict, &mut notes,
                )?;
            }
            StepKind::Grant {
                session,
                signed_by,
                expect,
            } => {
                let template = file
                    .session(session)
                    .ok_or_else(|| failed(format!("{at}: the file has no session {session:?}")))?;
                let now = h.timestamp().await?;
                let s = template
                    .build(&names, Actor::Key.address(), now)
                    .map_err(|e| failed(format!("{}: {e}", template.at)))?;
                let signer = key_of(*signed_by, owner);
                let result = grant(h, accounts, &s, &signer, &grant_sender).await?;
                let explainer = Explainer {
                    names: &names,
                    abis: abis(),
                    spec: None,
                };
                let what = format!("granting the session {session}");
                match (&result, expect) {
                    (Ok(g), Expect::Allowed) => gas += g,
                    (Ok(_), Expect::Error(_)) => {
                        return Err(failed(format!(
                            "{at}: {what}: expected {expect}, but it succeeded"
                        )))
                    }
                    (Err(refusal), _) => {
                        let r = explainer.decode(refusal);
                        if let Err(why) = explainer.matches(expect, &r, &[], None) {
                            return Err(failed(format!(
                                "{at}: {what}: expected {expect}, got {} ({why})",
                                explainer.describe(&r, &[], None)
                            )));
                        }
                    }
                }
                if result.is_ok() {
                    if route == Route::UserOp {
                        gas += allow_paymaster(h, accounts, Actor::Key.address()).await?;
                    }
                    key_probe = SessionProbe::new(
                        h,
                        accounts.account,
                        ProbeActor::Session {
                            key: key.clone(),
                            spec: s.clone(),
                        },
                        route,
                        sponsor.clone(),
                    );
                    spec = Some(s);
                }
            }
            StepKind::Revoke {
                signer,
                who,
                expect,
            } => {
                let signer = names
                    .address(signer)
                    .map_err(|e| failed(format!("{at}: {e}")))?;
                let sender = key_of(*who, owner);
                let tx = TransactionRequest::default()
                    .with_from(sender.address())
                    .with_to(accounts.account)
                    .with_input(SessionAccount::revokeSessionCall { signer }.abi_encode());
                let result = send(h, &sender, tx).await?;
                let explainer = Explainer {
                    names: &names,
                    abis: abis(),
                    spec: None,
                };
                let what = format!("revoking {}", names.label(signer));
                match (&result, expect) {
                    (Ok(g), Expect::Allowed) => gas += g,
                    (Ok(_), Expect::Error(_)) => {
                        return Err(failed(format!(
                            "{at}: {what}: expected {expect}, but it succeeded"
                        )))
                    }
                    (Err(refusal), _) => {
                        let r = explainer.decode(refusal);
                        if let Err(why) = explainer.matches(expect, &r, &[], None) {
                            return Err(failed(format!(
                                "{at}: {what}: expected {expect}, got {} ({why})",
                                explainer.describe(&r, &[], None)
                            )));
                        }
                    }
                }
                if result.is_ok() && signer == key.address() {
                    key_probe.revoked();
                    spec = None;
                }
            }
            StepKind::Read { call, equals } => {
                let c = call
                    .resolve(&names)
                    .map_err(|e| failed(format!("{at}: {e}")))?;
                let f = call.function.as_ref().ok_or_else(|| {
                    failed(format!(
                        "{at}: a read needs a function to call ({})",
                        call.text
                    ))
                })?;
                let tx = TransactionRequest::default()
                    .with_to(c.target)
                    .with_input(c.data.clone());
                let t = h.timestamp().await?;
                let out = h.call_output_at(&tx, t).await?;
                let explainer = Explainer {
                    names: &names,
                    abis: abis(),
                    spec: None,
                };
                let data = match out {
                    Ok(data) => data,
                    Err(revert) => {
                        let r = explainer.decode(&ChainRefusal::Other(revert));
                        return Err(failed(format!(
                            "{at}: reading {}: it reverted with {}",
                            call.text,
                            explainer.describe(&r, &[], None)
                        )));
                    }
                };
                let values = f.abi_decode_output(&data).map_err(|e| {
                    failed(format!(
                        "{at}: reading {}: cannot decode the result: {e}",
                        call.text
                    ))
                })?;
                let got = if values.len() == 1 {
                    values.into_iter().next().expect("one value")
                } else {
                    DynSolValue::Tuple(values)
                };
                let want = equals
                    .resolve(&names)
                    .map_err(|e| failed(format!("{at}: {e}")))?;
                if got != want {
                    return Err(failed(format!(
                        "{at}: {} returned {}, expected {}",
                        call.text,
                        show_dyn(&got, Some(&names)),
                        show_dyn(&want, Some(&names))
                    )));
                }
            }
        }
    }
    Ok(Played { gas, notes })
}

/// Checks a call step's outcome against `expect` and the simulator; returns its gas.
#[allow(clippy::too_many_arguments)]
fn check(
    explainer: &Explainer<'_>,
    outcome: &Outcome,
    calls: &[Call],
    expect: &Expect,
    at: &super::Location,
    what: &str,
    strict: bool,
    notes: &mut Vec<String>,
) -> Result<u64, PlayError> {
    let predicted = outcome.predicted.as_ref();
    let opinion = outcome.disagreement().map(|_| {
        let p = predicted.expect("a disagreement has a prediction");
        explainer.describe_decision(p, calls)
    });
    let actual = match &outcome.chain {
        Ok(_) => "allowed".to_owned(),
        Err(refusal) => {
            let r = explainer.decode(refusal);
            explainer.describe(&r, calls, predicted)
        }
    };
    let verdict = match (&outcome.chain, expect) {
        (Ok(_), Expect::Allowed) => Ok(()),
        (Ok(_), Expect::Error(_)) => Err(String::new()),
        (Err(_), Expect::Allowed) => Err(String::new()),
        (Err(refusal), Expect::Error(_)) => {
            let r = explainer.decode(refusal);
            explainer.matches(expect, &r, calls, predicted)
        }
    };
    if let Err(why) = verdict {
        let mut message = format!("{at}: {what}: expected {expect}, got {actual}");
        if !why.is_empty() {
            message.push_str(&format!(" ({why})"));
        }
        if let Some(opinion) = &opinion {
            message.push_str(&format!("; the simulator predicted {opinion}"));
        }
        return Err(PlayError::Failed(message));
    }
    if let Some(opinion) = opinion {
        let note =
            format!("{at}: {what}: the chain said {actual}, the simulator predicted {opinion}");
        if strict {
            return Err(PlayError::Failed(note));
        }
        notes.push(note);
    }
    Ok(*outcome.chain.as_ref().unwrap_or(&0))
}

/// Sends `tx` from `key` in the next block when the chain accepts it; its gas, or the refusal.
async fn send(
    h: &Harness,
    key: &PrivateKeySigner,
    tx: TransactionRequest,
) -> Result<Result<u64, ChainRefusal>, HarnessError> {
    let t = h.timestamp().await? + 1;
    match h.call_at(&tx, t).await? {
        Ok(()) => Ok(Ok(h.send_at(key, tx, t).await?.gas_used)),
        Err(data) => Ok(Err(match sessionkit::AccountError::decode(&data) {
            Some(e) => ChainRefusal::Account(e),
            None => ChainRefusal::Other(data),
        })),
    }
}

/// `createSessionWithSig(spec, signature of signer)` sent by `sender`.
async fn grant(
    h: &Harness,
    accounts: &Accounts<'_>,
    spec: &SessionSpec,
    signer: &PrivateKeySigner,
    sender: &PrivateKeySigner,
) -> Result<Result<u64, ChainRefusal>, HarnessError> {
    let signature = signing::sign_session_sync(signer, spec, h.chain_id(), accounts.account)
        .map_err(|e| HarnessError::Refused {
            action: "signing a grant".into(),
            message: e.to_string(),
        })?;
    let call = SessionAccount::createSessionWithSigCall {
        sessionSpec: spec.into(),
        signature,
    };
    let tx = TransactionRequest::default()
        .with_from(sender.address())
        .with_to(accounts.account)
        .with_input(call.abi_encode());
    send(h, sender, tx).await
}

/// When the account keeps an allowlist of paymasters per session
/// (`allowSessionPaymaster(signer, paymaster, maxCostPerOp)`), the owner allows the harness's
/// paymaster for `signer`, as an owner does for the sponsor of its session keys; nothing
/// otherwise. Returns the gas.
async fn allow_paymaster(
    h: &Harness,
    accounts: &Accounts<'_>,
    signer: Address,
) -> Result<u64, PlayError> {
    let Some(f) = accounts
        .abi
        .functions()
        .find(|f| f.signature() == "allowSessionPaymaster(address,address,uint256)")
    else {
        return Ok(0);
    };
    let data: Bytes = f
        .abi_encode_input(&[
            DynSolValue::Address(signer),
            DynSolValue::Address(h.paymaster),
            DynSolValue::Uint(U256::MAX, 256),
        ])
        .map_err(|e| PlayError::Failed(format!("allowSessionPaymaster: {e}")))?
        .into();
    let tx = TransactionRequest::default()
        .with_from(accounts.owner.address())
        .with_to(accounts.account)
        .with_input(data);
    match send(h, accounts.owner, tx).await? {
        Ok(g) => Ok(g),
        Err(refusal) => Err(PlayError::Failed(format!(
            "the owner could not allow the harness's paymaster for the session: {refusal}"
        ))),
    }
}
