//! A scenario file's TOML, resolved against the project's artifacts and the account's ABI.
//! The format is documented in `docs/scenarios.md`.

use std::ops::Range;

use alloy::dyn_abi::DynSolType;
use alloy::json_abi::{Function, JsonAbi};
use alloy::primitives::{Address, B256, U256};
use sessionkit::params;
use sessionkit::policy::{Condition, Limit};
use toml::de::DeValue;

use super::reader::{kind, one_of, scalar_text, Source, Table, Val};
use super::values::{self, split_top, Input, Scope};
use super::{
    input_types, word_type, Actor, CallPolicyTemplate, CallTemplate, Context, ContractDeployment,
    Expect, ExpectedArgs, ExpectedError, Name, Names, ParamTemplate, RouteName, Scenario,
    ScenarioError, ScenarioFile, SessionTemplate, SetupKind, SetupStep, Step, StepKind, Time,
    TransferPolicyTemplate, Value,
};

/// The name of the session of `[session]`.
pub(crate) const DEFAULT_SESSION: &str = "default";
/// How long a session lasts when `expires_in` is not given.
const DEFAULT_EXPIRY: u64 = 3600;

const FILE_KEYS: &[&str] = &[
    "routes",
    "contracts",
    "setup",
    "session",
    "sessions",
    "scenario",
    "lint",
];
const STEP_ACTIONS: &[&str] = &["call", "calls", "warp", "grant", "revoke", "read"];
/// The errors a `param` can be about: those of a constraint.
const PARAM_ERRORS: &[&str] = &[
    "ConditionFailed",
    "LifetimeUsageExceeded",
    "AllowanceExceeded",
    "InvalidDataLength",
];

pub(crate) fn file(
    shown: &str,
    text: &str,
    cx: &Context<'_>,
) -> Result<ScenarioFile, ScenarioError> {
    let src = Source {
        file: shown.into(),
        text,
    };
    let doc = src.parse()?;
    let root = Table::new(&src, doc.get_ref(), doc.span(), "the file");
    let mut r = Resolver {
        src: &src,
        cx,
        contracts: Vec::new(),
        aliases: Vec::new(),
    };
    let file_routes = r.routes(&root)?;
    if let Some(contracts) = root.table("contracts", "[contracts]")? {
        r.contracts(&contracts)?;
    }
    let mut setup = Vec::new();
    if let Some((items, _)) = root.array("setup")? {
        for item in items {
            setup.push(r.setup(item)?);
        }
    }
    let mut sessions = Vec::new();
    if let Some(t) = root.table("session", "[session]")? {
        sessions.push(r.session(&t, DEFAULT_SESSION)?);
    }
    if let Some(named) = root.table("sessions", "[sessions]")? {
        for (key, v) in named.entries() {
            let name = key.get_ref().to_string();
            if name == DEFAULT_SESSION {
                return Err(src.error(
                    &key.span(),
                    "`default` is the name of [session]: give this session another name",
                ));
            }
            named.get(&name);
            let t = Table::of(&src, v, format!("[sessions.{name}]"))?;
            sessions.push(r.session(&t, &name)?);
        }
        named.finish(&[])?;
    }
    let mut scenarios: Vec<Scenario> = Vec::new();
    match root.array("scenario")? {
        Some((items, _)) => {
            for item in items {
                let s = r.scenario(item, &sessions, file_routes.as_deref())?;
                if scenarios.iter().any(|o| o.name == s.name) {
                    return Err(ScenarioError {
                        location: s.at,
                        message: format!(
                            "a second scenario named {:?}: names are unique in a file",
                            s.name
                        ),
                    });
                }
                scenarios.push(s);
            }
        }
        None => {
            return Err(src.error(
                &root.span,
                "no [[scenario]]: a scenario file needs at least one (see docs/scenarios.md)",
            ))
        }
    }
    let lint_allow = match root.table("lint", "[lint]")? {
        Some(t) => r.lint_allow(&t)?,
        None => Vec::new(),
    };
    root.finish(FILE_KEYS)?;
    Ok(ScenarioFile {
        path: shown.into(),
        contracts: r.contracts,
        setup,
        sessions,
        scenarios,
        lint_allow,
    })
}

struct Resolver<'a, 't> {
    src: &'a Source<'t>,
    cx: &'a Context<'a>,
    contracts: Vec<ContractDeployment>,
    aliases: Vec<String>,
}

impl<'a, 't> Resolver<'a, 't> {
    fn err(&self, span: &Range<usize>, message: impl Into<String>) -> ScenarioError {
        self.src.error(span, message)
    }

    fn scope(&self) -> Scope<'_> {
        Scope {
            contracts: &self.aliases,
        }
    }

    /// `[lint] allow = [RULE, …]`: the `sessionkit lint` rules this file's sessions break on
    /// purpose.
    fn lint_allow(&self, t: &Table<'_, 't>) -> Result<Vec<String>, ScenarioError> {
        let mut out = Vec::new();
        if let Some((items, _)) = t.array("allow")? {
            for item in items {
                let id = item.get_ref().as_str().ok_or_else(|| {
                    self.err(
                        &item.span(),
                        format!(
                            "a lint rule: expected a string, found {}",
                            kind(item.get_ref())
                        ),
                    )
                })?;
                sessionkit::lint::check_rule(id).map_err(|e| self.err(&item.span(), e))?;
                out.push(id.to_owned());
            }
        }
        t.finish(&["allow"])?;
        Ok(out)
    }

    fn routes(&self, t: &Table<'_, 't>) -> Result<Option<Vec<RouteName>>, ScenarioError> {
        let Some((items, span)) = t.array("routes")? else {
            return Ok(None);
        };
        let mut out = Vec::new();
        for item in items {
            let name = item.get_ref().as_str().ok_or_else(|| {
                self.err(
                    &item.span(),
                    format!("a route: expected a string, found {}", kind(item.get_ref())),
                )
            })?;
            let route: RouteName = name
                .parse()
                .map_err(|e: String| self.err(&item.span(), e))?;
            if !out.contains(&route) {
                out.push(route);
            }
        }
        if out.is_empty() {
            return Err(self.err(
                &span,
                "`routes` is empty: leave it out to run on every route",
            ));
        }
        Ok(Some(out))
    }

    // ---- contracts ---------------------------------------------------------------------------

    fn contracts(&mut self, t: &Table<'_, 't>) -> Result<(), ScenarioError> {
        for (key, v) in t.entries() {
            let alias = key.get_ref().to_string();
            t.get(&alias);
            let valid = alias
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && alias.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err(self.err(
                    &key.span(),
                    format!("{alias:?} cannot name a contract: use letters, digits and _"),
                ));
            }
            if alias == "account" || alias.parse::<Actor>().is_ok() {
                return Err(self.err(
                    &key.span(),
                    format!("{alias:?} is the name of an actor or of the account: call the contract something else"),
                ));
            }
            let (artifact_name, artifact_span, args) = match v.get_ref() {
                DeValue::String(s) => (s.to_string(), v.span(), None),
                DeValue::Table(_) => {
                    let ct = Table::of(self.src, v, format!("[contracts.{alias}]"))?;
                    let (name, span) = ct.req_str("artifact", "\"Vault\"")?;
                    let args = ct.array("args")?;
                    ct.finish(&["artifact", "args"])?;
                    (name.to_owned(), span, args)
                }
                other => {
                    return Err(self.err(
                        &v.span(),
                        format!(
                            "contract {alias}: expected the artifact's name (\"Vault\") or a table {{ artifact = \"Vault\", args = [...] }}, found {}",
                            kind(other)
                        ),
                    ))
                }
            };
            let artifact = self
                .cx
                .catalog
                .find(&artifact_name)
                .map_err(|e| self.err(&artifact_span, e))?;
            if artifact.bytecode.is_empty() {
                return Err(self.err(
                    &artifact_span,
                    format!(
                        "{} has no bytecode (an interface, an abstract contract, or unlinked libraries): it cannot be deployed",
                        artifact.label()
                    ),
                ));
            }
            let inputs: Vec<(DynSolType, String)> = match &artifact.abi.constructor {
                Some(c) => c
                    .inputs
                    .iter()
                    .map(|p| {
                        alloy::dyn_abi::Specifier::resolve(p)
                            .map(|ty| {
                                (
                                    ty,
                                    if p.name.is_empty() {
                                        p.ty.clone()
                                    } else {
                                        format!("{} {}", p.ty, p.name)
                                    },
                                )
                            })
                            .map_err(|e| {
                                self.err(
                                    &artifact_span,
                                    format!("{}: constructor: {e}", artifact.name),
                                )
                            })
                    })
                    .collect::<Result<_, _>>()?,
                None => Vec::new(),
            };
            let signature = format!(
                "constructor({})",
                inputs
                    .iter()
                    .map(|(_, s)| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let (items, args_span) = match args {
                Some((items, span)) => (items.iter().collect::<Vec<_>>(), span),
                None => (Vec::new(), v.span()),
            };
            if items.len() != inputs.len() {
                return Err(self.err(
                    &args_span,
                    format!(
                        "{}'s {signature} takes {} argument(s), {} given",
                        artifact.name,
                        inputs.len(),
                        items.len()
                    ),
                ));
            }
            let mut values = Vec::new();
            for (i, ((ty, _), item)) in inputs.iter().zip(items).enumerate() {
                let input = Input::from_toml(item.get_ref())
                    .map_err(|e| self.err(&item.span(), format!("argument {i}: {e}")))?;
                values.push(values::value(ty, &input, &self.scope()).map_err(|e| {
                    self.err(
                        &item.span(),
                        format!("argument {i} of {}'s {signature}: {e}", artifact.name),
                    )
                })?);
            }
            self.contracts.push(ContractDeployment {
                alias: alias.clone(),
                artifact,
                args: values,
                at: self.src.location(key.span().start),
            });
            self.aliases.push(alias);
        }
        Ok(())
    }

    /// The ABI of the contract `name` refers to, and how to call it in messages.
    fn abi_of(&self, name: &Name) -> Option<(&JsonAbi, String)> {
        match name {
            Name::Contract(alias) => self
                .contracts
                .iter()
                .find(|c| &c.alias == alias)
                .map(|c| (&c.artifact.abi, format!("{alias} ({})", c.artifact.name))),
            Name::Account => Some((self.cx.account, "the account".to_owned())),
            _ => None,
        }
    }

    // ---- calls -------------------------------------------------------------------------------

    /// The function `spec` (a name, or a signature) of `target`.
    fn function(
        &self,
        target: &Name,
        spec: &str,
        span: &Range<usize>,
    ) -> Result<Function, ScenarioError> {
        let abi = self.abi_of(target);
        if spec.contains('(') {
            let parsed = Function::parse(spec).map_err(|e| {
                self.err(
                    span,
                    format!(
                        "{spec:?} is not a function signature: {}",
                        first_line(&e.to_string())
                    ),
                )
            })?;
            return match abi {
                None => Ok(parsed),
                Some((abi, label)) => abi
                    .functions()
                    .find(|f| f.selector() == parsed.selector())
                    .cloned()
                    .ok_or_else(|| {
                        self.err(
                            span,
                            format!(
                                "{label} has no function {}: its functions are {}",
                                parsed.signature(),
                                function_list(abi)
                            ),
                        )
                    }),
            };
        }
        let Some((abi, label)) = abi else {
            return Err(self.err(
                span,
                format!("{target} is not a contract this file deploys: name the function by its signature (\"{spec}(uint256)\"), or deploy the contract under [contracts]"),
            ));
        };
        let found: Vec<&Function> = abi.functions().filter(|f| f.name == spec).collect();
        match found.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(self.err(
                span,
                format!(
                    "{label} has no function {spec}: its functions are {}",
                    function_list(abi)
                ),
            )),
            several => Err(self.err(
                span,
                format!(
                    "{spec} is overloaded in {label}: write its signature, one of {}",
                    several
                        .iter()
                        .map(|f| f.signature())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    /// The typed arguments of `f` from `inputs`.
    fn args(
        &self,
        f: &Function,
        inputs: &[(Input, Range<usize>)],
        span: &Range<usize>,
    ) -> Result<Vec<Value>, ScenarioError> {
        let types = input_types(f).map_err(|e| self.err(span, e))?;
        let signature = full_signature(f);
        if types.len() != inputs.len() {
            return Err(self.err(
                span,
                format!(
                    "{signature} takes {} argument(s), {} given",
                    types.len(),
                    inputs.len()
                ),
            ));
        }
        types
            .iter()
            .zip(inputs)
            .enumerate()
            .map(|(i, (ty, (input, at)))| {
                values::value(ty, input, &self.scope()).map_err(|e| {
                    let param = f.inputs[i].name.clone();
                    let which = if param.is_empty() {
                        format!("argument {i}")
                    } else {
                        format!("argument {i} ({param})")
                    };
                    self.err(at, format!("{which} of {signature}: {e}"))
                })
            })
            .collect()
    }

    /// A call written as text (`vault.withdraw(100, bob)`, or `bob` for a plain transfer) or
    /// as a table (`{ target = "vault", function = "withdraw", args = [100, "bob"] }`).
    fn call(
        &self,
        v: Val<'_, 't>,
        value: Option<Val<'_, 't>>,
    ) -> Result<CallTemplate, ScenarioError> {
        let mut call = match v.get_ref() {
            DeValue::String(text) => self.call_text(text, &v.span())?,
            DeValue::Table(_) => {
                let t = Table::of(self.src, v, "a call")?;
                let (target_text, target_span) = t.req_str("target", "\"vault\"")?;
                let target = self
                    .scope()
                    .target(target_text)
                    .map_err(|e| self.err(&target_span, e))?;
                let function = t.str("function")?;
                let data = t.str("data")?;
                let args = t.array("args")?;
                let mut call = match (function, data) {
                    (Some(_), Some((_, span))) => {
                        return Err(self.err(
                            &span,
                            "a call takes `function` with `args`, or raw `data`, not both",
                        ))
                    }
                    (Some((name, span)), None) => {
                        let f = self.function(&target, name, &span)?;
                        let inputs: Vec<(Input, Range<usize>)> = match &args {
                            Some((items, _)) => items
                                .iter()
                                .map(|i| {
                                    Input::from_toml(i.get_ref())
                                        .map(|input| (input, i.span()))
                                        .map_err(|e| self.err(&i.span(), e))
                                })
                                .collect::<Result<_, _>>()?,
                            None => Vec::new(),
                        };
                        let args = self.args(
                            &f,
                            &inputs,
                            &args.as_ref().map(|(_, s)| s.clone()).unwrap_or(span),
                        )?;
                        let text = format!("{target_text}.{}({})", f.name, shown_args(&inputs));
                        CallTemplate {
                            target,
                            function: Some(f),
                            args,
                            data: None,
                            value: U256::ZERO,
                            text,
                        }
                    }
                    (None, data) => {
                        if let Some((_, span)) = &args {
                            return Err(self.err(span, "`args` needs `function`"));
                        }
                        let data = match data {
                            Some((hex, span)) => Some(
                                alloy::hex::decode(hex.trim())
                                    .map_err(|e| {
                                        self.err(&span, format!("`data` is not hex: {e}"))
                                    })?
                                    .into(),
                            ),
                            None => None,
                        };
                        let text = match &data {
                            Some(_) => format!("{target_text} with data"),
                            None => target_text.to_owned(),
                        };
                        CallTemplate {
                            target,
                            function: None,
                            args: Vec::new(),
                            data,
                            value: U256::ZERO,
                            text,
                        }
                    }
                };
                if let Some(v) = t.get("value") {
                    call.value = values::amount(v.get_ref())
                        .map_err(|e| self.err(&v.span(), format!("`value`: {e}")))?;
                }
                t.finish(&["target", "function", "args", "data", "value"])?;
                call
            }
            other => {
                return Err(self.err(
                    &v.span(),
                    format!(
                        "a call: expected \"contract.function(args)\" or a table, found {}",
                        kind(other)
                    ),
                ))
            }
        };
        if let Some(v) = value {
            call.value = values::amount(v.get_ref())
                .map_err(|e| self.err(&v.span(), format!("`value`: {e}")))?;
        }
        if call.value != U256::ZERO {
            call.text = format!(
                "{} with {}",
                call.text,
                sessionkit::units::display_amount(call.value)
            );
        }
        Ok(call)
    }

    fn call_text(&self, text: &str, span: &Range<usize>) -> Result<CallTemplate, ScenarioError> {
        let t = text.trim();
        let Some(open) = t.find('(') else {
            let target = self.scope().target(t).map_err(|e| {
                self.err(span, format!("{e} (a call is written \"contract.function(args)\", or an address alone for a plain transfer)"))
            })?;
            return Ok(CallTemplate::transfer(target, U256::ZERO));
        };
        let head = &t[..open];
        let Some((target_text, fname)) = head.rsplit_once('.') else {
            return Err(self.err(
                span,
                format!("{t:?}: expected contract.function(args), e.g. vault.withdraw(100, bob)"),
            ));
        };
        let Some(args_text) = t[open + 1..].strip_suffix(')') else {
            return Err(self.err(span, format!("{t:?}: the arguments must end with `)`")));
        };
        let target = self
            .scope()
            .target(target_text.trim())
            .map_err(|e| self.err(span, e))?;
        let f = self.function(&target, fname.trim(), span)?;
        let inputs: Vec<(Input, Range<usize>)> = split_top(args_text)
            .map_err(|e| self.err(span, e))?
            .into_iter()
            .map(|a| (Input::Text(a), span.clone()))
            .collect();
        let args = self.args(&f, &inputs, span)?;
        Ok(CallTemplate {
            target,
            function: Some(f),
            args,
            data: None,
            value: U256::ZERO,
            text: t.to_owned(),
        })
    }

    // ---- setup -------------------------------------------------------------------------------

    fn setup(&self, v: Val<'_, 't>) -> Result<SetupStep, ScenarioError> {
        let t = Table::of(self.src, v, "a setup step")?;
        let at = self.src.location(v.span().start);
        let kind = if let Some(call) = t.get("call") {
            let call = self.call(call, t.get("value"))?;
            let by = match t.str("as")? {
                Some((who, span)) => Some(who.parse::<Actor>().map_err(|e| self.err(&span, e))?),
                None => None,
            };
            t.finish(&["call", "value", "as"])?;
            SetupKind::Call { call, by }
        } else if t.has("fund") {
            let (who, span) = t.req_str("fund", "\"account\"")?;
            let who = self.scope().target(who).map_err(|e| self.err(&span, e))?;
            let balance = t.get("balance").ok_or_else(|| {
                self.err(
                    &v.span(),
                    "a fund step needs `balance` (e.g. balance = \"10 ether\")",
                )
            })?;
            let balance = values::amount(balance.get_ref())
                .map_err(|e| self.err(&balance.span(), format!("`balance`: {e}")))?;
            t.finish(&["fund", "balance"])?;
            SetupKind::Fund { who, balance }
        } else {
            return Err(self.err(
                &v.span(),
                "a setup step needs `call` (e.g. call = \"token.mint(account, 1000)\") or `fund` (fund = \"account\", balance = \"10 ether\")",
            ));
        };
        Ok(SetupStep { kind, at })
    }

    // ---- sessions ----------------------------------------------------------------------------

    fn limit(&self, v: Val<'_, 't>, what: &str) -> Result<Limit, ScenarioError> {
        match v.get_ref() {
            DeValue::String(s) if s.as_ref() == "unlimited" => Ok(Limit::Unlimited),
            DeValue::Table(_) => {
                let t = Table::of(self.src, v, what)?;
                let l = self.limit_in(&t)?;
                t.finish(&["lifetime", "allowance", "period"])?;
                l.ok_or_else(|| self.err(&v.span(), format!("{what}: expected {{ lifetime = AMOUNT }} or {{ allowance = AMOUNT, period = DURATION }}")))
            }
            other => Err(self.err(
                &v.span(),
                format!("{what}: expected \"unlimited\", {{ lifetime = AMOUNT }} or {{ allowance = AMOUNT, period = DURATION }}, found {}", kind(other)),
            )),
        }
    }

    /// The `lifetime` or `allowance`/`period` keys of `t`, if any.
    fn limit_in(&self, t: &Table<'_, 't>) -> Result<Option<Limit>, ScenarioError> {
        let amount = |key: &str| -> Result<Option<U256>, ScenarioError> {
            match t.get(key) {
                None => Ok(None),
                Some(v) => values::amount(v.get_ref())
                    .map(Some)
                    .map_err(|e| self.err(&v.span(), format!("`{key}`: {e}"))),
            }
        };
        let lifetime = amount("lifetime")?;
        let allowance = amount("allowance")?;
        let period = match t.get("period") {
            None => None,
            Some(v) => Some((
                values::duration(v.get_ref())
                    .map_err(|e| self.err(&v.span(), format!("`period`: {e}")))?,
                v.span(),
            )),
        };
        match (lifetime, allowance, period) {
            (None, None, None) => Ok(None),
            (Some(l), None, None) => Ok(Some(Limit::Lifetime(l))),
            (None, Some(a), Some((p, span))) => {
                if p == 0 {
                    return Err(self.err(&span, "`period` must be at least 1 second, e.g. \"1d\""));
                }
                Ok(Some(Limit::Allowance {
                    limit: a,
                    period: p,
                }))
            }
            (None, Some(_), None) => Err(self.err(
                &t.span,
                format!(
                    "{}: an allowance needs a `period`, e.g. period = \"1d\"",
                    t.what
                ),
            )),
            (None, None, Some((_, span))) => {
                Err(self.err(&span, "`period` belongs to an `allowance`"))
            }
            (Some(_), Some(_), _) | (Some(_), None, Some(_)) => Err(self.err(
                &t.span,
                format!("{}: give a `lifetime` or an `allowance`, not both", t.what),
            )),
        }
    }

    fn session(&self, t: &Table<'_, 't>, name: &str) -> Result<SessionTemplate, ScenarioError> {
        let expires_in = match t.get("expires_in") {
            Some(v) => values::duration(v.get_ref())
                .map_err(|e| self.err(&v.span(), format!("`expires_in`: {e}")))?,
            None => DEFAULT_EXPIRY,
        };
        if expires_in == 0 {
            return Err(self.err(&t.span, "`expires_in` must be at least 1 second"));
        }
        let wildcard = t.bool("wildcard")?.unwrap_or(false);
        let mut calls = Vec::new();
        if let Some((items, _)) = t.array("call")? {
            for (i, item) in items.iter().enumerate() {
                let ct = Table::of(self.src, item, format!("{} call {}", t.what, i + 1))?;
                calls.push(self.call_policy(&ct)?);
            }
        }
        let mut transfers = Vec::new();
        if let Some((items, _)) = t.array("transfer")? {
            for (i, item) in items.iter().enumerate() {
                let tt = Table::of(self.src, item, format!("{} transfer {}", t.what, i + 1))?;
                let (target, span) = tt.req_str("target", "\"bob\"")?;
                let target = self
                    .scope()
                    .target(target)
                    .map_err(|e| self.err(&span, e))?;
                let (max_value_per_use, value_limit) = self.value_caps(&tt)?;
                tt.finish(&["target", "max_value_per_use", "value_limit"])?;
                transfers.push(TransferPolicyTemplate {
                    target,
                    max_value_per_use,
                    value_limit,
                });
            }
        }
        t.finish(&["expires_in", "wildcard", "call", "transfer"])?;
        let session = SessionTemplate {
            name: name.to_owned(),
            expires_in,
            wildcard,
            calls,
            transfers,
            at: self.src.location(t.span.start),
        };
        // Checked now as the runtime checks it when granted (shadowed policies, a wildcard with
        // policies…), with placeholder addresses.
        let mut names = Names::new(Address::repeat_byte(0xa0));
        for (i, alias) in self.aliases.iter().enumerate() {
            names.contracts.insert(
                alias.clone(),
                Address::from_word(B256::from(U256::from(0x5c00 + i))),
            );
        }
        session
            .build(&names, Actor::Key.address(), 1_000_000)
            .map_err(|e| self.err(&t.span, e))?;
        Ok(session)
    }

    fn value_caps(&self, t: &Table<'_, 't>) -> Result<(U256, Limit), ScenarioError> {
        let max = match t.get("max_value_per_use") {
            Some(v) => values::amount(v.get_ref())
                .map_err(|e| self.err(&v.span(), format!("`max_value_per_use`: {e}")))?,
            None => U256::ZERO,
        };
        let limit = match t.get("value_limit") {
            Some(v) => self.limit(v, "`value_limit`")?,
            None => Limit::Unlimited,
        };
        Ok((max, limit))
    }

    fn call_policy(&self, t: &Table<'_, 't>) -> Result<CallPolicyTemplate, ScenarioError> {
        let (target_text, target_span) = t.req_str("target", "\"vault\"")?;
        let target = self
            .scope()
            .target(target_text)
            .map_err(|e| self.err(&target_span, e))?;
        let (fname, fspan) = t.req_str("function", "\"withdraw\"")?;
        let function = self.function(&target, fname, &fspan)?;
        let (max_value_per_use, value_limit) = self.value_caps(t)?;
        let layout =
            params::layout(&function, params::BUILDER_METHODS).map_err(|e| self.err(&fspan, e))?;
        let mut out = Vec::new();
        if let Some(pt) = t.table("params", format!("{}.params", t.what))? {
            for (key, v) in pt.entries() {
                let name = key.get_ref().to_string();
                pt.get(&name);
                let Some(word) = layout.word(&name) else {
                    let words: Vec<&str> = layout.words.iter().map(|w| w.name.as_str()).collect();
                    return Err(self.err(
                        &key.span(),
                        format!(
                            "{} has no parameter {name:?}: its parameters are {}",
                            full_signature(&function),
                            if words.is_empty() {
                                "none that a constraint can compare".to_owned()
                            } else {
                                words.join(", ")
                            }
                        ),
                    ));
                };
                let ct = Table::of(self.src, v, format!("parameter {name}"))?;
                out.push(self.param(&ct, word)?);
            }
            pt.finish(&[])?;
        }
        t.finish(&[
            "target",
            "function",
            "max_value_per_use",
            "value_limit",
            "params",
        ])?;
        Ok(CallPolicyTemplate {
            target,
            function,
            max_value_per_use,
            value_limit,
            params: out,
        })
    }

    fn param(
        &self,
        t: &Table<'_, 't>,
        word: &params::ParamWord,
    ) -> Result<ParamTemplate, ScenarioError> {
        const CONDITIONS: [(&str, Condition); 6] = [
            ("eq", Condition::Equal),
            ("ne", Condition::NotEqual),
            ("gt", Condition::Greater),
            ("gte", Condition::GreaterOrEqual),
            ("lt", Condition::Less),
            ("lte", Condition::LessOrEqual),
        ];
        let mut found: Option<(Condition, Val<'_, 't>)> = None;
        for (key, condition) in CONDITIONS {
            if let Some(v) = t.get(key) {
                if found.is_some() {
                    return Err(self.err(
                        &v.span(),
                        format!(
                            "{}: one condition per parameter (eq, ne, gt, gte, lt or lte)",
                            t.what
                        ),
                    ));
                }
                found = Some((condition, v));
            }
        }
        let any = t.bool("any")?.unwrap_or(false);
        let limit = self.limit_in(t)?;
        t.finish(&[
            "eq",
            "ne",
            "gt",
            "gte",
            "lt",
            "lte",
            "any",
            "lifetime",
            "allowance",
            "period",
        ])?;
        let ty = word_type(word.ty);
        let (condition, value) = match (found, any) {
            (Some(_), true) => {
                return Err(self.err(
                    &t.span,
                    format!(
                        "{}: `any` means no condition: drop it or the condition",
                        t.what
                    ),
                ))
            }
            (Some((condition, v)), false) => {
                let text = scalar_text(v.get_ref()).ok_or_else(|| {
                    self.err(
                        &v.span(),
                        format!("{}: expected a value, found {}", t.what, kind(v.get_ref())),
                    )
                })?;
                let value = values::value(&ty, &Input::Text(text), &self.scope()).map_err(|e| {
                    self.err(
                        &v.span(),
                        format!("{} ({}): {e}", t.what, word.ty.sol_name()),
                    )
                })?;
                (condition, value)
            }
            (None, _) => {
                if limit.is_none() && !any {
                    return Err(self.err(
                        &t.span,
                        format!("{}: give a condition (eq, ne, gt, gte, lt, lte) or a limit (lifetime, allowance with period)", t.what),
                    ));
                }
                (
                    Condition::Unconstrained,
                    Value::Fixed(alloy::dyn_abi::DynSolValue::Uint(U256::ZERO, 256)),
                )
            }
        };
        Ok(ParamTemplate {
            word: word.clone(),
            condition,
            value,
            limit: limit.unwrap_or_default(),
        })
    }

    // ---- scenarios ---------------------------------------------------------------------------

    fn scenario(
        &self,
        v: Val<'_, 't>,
        sessions: &[SessionTemplate],
        file_routes: Option<&[RouteName]>,
    ) -> Result<Scenario, ScenarioError> {
        let t = Table::of(self.src, v, "a [[scenario]]")?;
        let (name, name_span) = t.req_str("name", "\"withdrawals above the cap are refused\"")?;
        if name.trim().is_empty() {
            return Err(self.err(
                &name_span,
                "a scenario's name says what it pins: it cannot be empty",
            ));
        }
        let routes = match self.routes(&t)? {
            Some(r) => r,
            None => file_routes
                .map(<[RouteName]>::to_vec)
                .unwrap_or_else(|| RouteName::ALL.to_vec()),
        };
        let session = match t.str("session")? {
            Some(("none", _)) => None,
            Some((s, span)) => {
                if !sessions.iter().any(|x| x.name == s) {
                    return Err(self.err(
                        &span,
                        format!("there is no session {s:?}: {}", session_list(sessions)),
                    ));
                }
                Some(s.to_owned())
            }
            None => sessions
                .iter()
                .find(|s| s.name == DEFAULT_SESSION)
                .map(|s| s.name.clone()),
        };
        let Some((items, steps_span)) = t.array("steps")? else {
            return Err(self.err(&t.span, "a scenario needs `steps` (e.g. steps = [{ call = \"vault.withdraw(1, bob)\", expect = \"allowed\" }])"));
        };
        if items.is_empty() {
            return Err(self.err(&steps_span, "`steps` is empty"));
        }
        let mut steps = Vec::new();
        for item in items {
            steps.push(self.step(item, sessions)?);
        }
        t.finish(&["name", "routes", "session", "steps"])?;
        Ok(Scenario {
            name: name.trim().to_owned(),
            at: self.src.location(v.span().start),
            routes,
            session,
            steps,
        })
    }

    fn step(&self, v: Val<'_, 't>, sessions: &[SessionTemplate]) -> Result<Step, ScenarioError> {
        let t = Table::of(self.src, v, "a step")?;
        let at = self.src.location(v.span().start);
        let present: Vec<&str> = STEP_ACTIONS.iter().copied().filter(|k| t.has(k)).collect();
        let action = match present.as_slice() {
            [one] => *one,
            [] => {
                return Err(self.err(
                    &v.span(),
                    format!("a step needs one of {}", one_of(STEP_ACTIONS)),
                ));
            }
            [a, b, ..] => {
                return Err(self.err(
                    &v.span(),
                    format!("a step does one thing: this one has both `{a}` and `{b}`"),
                ));
            }
        };
        let who = |default: Actor| -> Result<Actor, ScenarioError> {
            match t.str("as")? {
                Some((who, span)) => who.parse::<Actor>().map_err(|e| self.err(&span, e)),
                None => Ok(default),
            }
        };
        let kind = match action {
            "call" | "calls" => {
                let calls = if action == "call" {
                    vec![self.call(t.get("call").expect("present"), t.get("value"))?]
                } else {
                    let (items, span) = t.array("calls")?.expect("present");
                    if items.is_empty() {
                        return Err(
                            self.err(&span, "`calls` is empty: a batch needs at least one call")
                        );
                    }
                    if let Some(v) = t.get("value") {
                        return Err(self.err(&v.span(), "in a batch, give each call its own `value`: calls = [{ target = \"bob\", value = \"1 ether\" }]"));
                    }
                    items
                        .iter()
                        .map(|i| self.call(i, None))
                        .collect::<Result<_, _>>()?
                };
                let who = who(Actor::Key)?;
                let time = match t.str("at")? {
                    Some((text, span)) => parse_time(text).map_err(|e| self.err(&span, e))?,
                    None => Time::Next,
                };
                let expect = match t.get("expect") {
                    Some(e) => self.expect(e, sessions)?,
                    None => {
                        return Err(self.err(&v.span(), "a call step needs `expect`: \"allowed\", \"expired\", an error name, or { error = \"…\", args = […], param = \"…\" }"))
                    }
                };
                t.finish(&["call", "calls", "value", "as", "at", "expect"])?;
                StepKind::Call {
                    calls,
                    who,
                    time,
                    expect,
                }
            }
            "warp" => {
                let w = t.get("warp").expect("present");
                let secs = values::duration(w.get_ref())
                    .map_err(|e| self.err(&w.span(), format!("`warp`: {e}")))?;
                if secs == 0 {
                    return Err(self.err(
                        &w.span(),
                        "`warp` must move time forward by at least 1 second",
                    ));
                }
                t.finish(&["warp"])?;
                StepKind::Warp(secs)
            }
            "grant" => {
                let (name, span) = t.req_str("grant", "\"default\"")?;
                if !sessions.iter().any(|s| s.name == name) {
                    return Err(self.err(
                        &span,
                        format!("there is no session {name:?}: {}", session_list(sessions)),
                    ));
                }
                let signed_by = match t.str("signed_by")? {
                    Some((who, span)) => who.parse::<Actor>().map_err(|e| self.err(&span, e))?,
                    None => Actor::Owner,
                };
                let expect = match t.get("expect") {
                    Some(e) => self.expect(e, sessions)?,
                    None => Expect::Allowed,
                };
                t.finish(&["grant", "signed_by", "expect"])?;
                StepKind::Grant {
                    session: name.to_owned(),
                    signed_by,
                    expect,
                }
            }
            "revoke" => {
                let (signer, span) = t.req_str("revoke", "\"key\"")?;
                let signer = self
                    .scope()
                    .target(signer)
                    .map_err(|e| self.err(&span, e))?;
                let who = who(Actor::Owner)?;
                let expect = match t.get("expect") {
                    Some(e) => self.expect(e, sessions)?,
                    None => Expect::Allowed,
                };
                t.finish(&["revoke", "as", "expect"])?;
                StepKind::Revoke {
                    signer,
                    who,
                    expect,
                }
            }
            "read" => {
                let call = self.call(t.get("read").expect("present"), None)?;
                let Some(f) = call.function.clone() else {
                    return Err(self.err(
                        &v.span(),
                        "`read` calls a view function: \"token.balanceOf(bob)\"",
                    ));
                };
                let equals = t.get("equals").ok_or_else(|| {
                    self.err(
                        &v.span(),
                        "a read step needs `equals` (the value it must return)",
                    )
                })?;
                let outputs: Vec<DynSolType> = f
                    .outputs
                    .iter()
                    .map(alloy::dyn_abi::Specifier::resolve)
                    .collect::<Result<_, _>>()
                    .map_err(|e| self.err(&v.span(), format!("{}: {e}", f.signature())))?;
                let ty = match outputs.len() {
                    0 => {
                        return Err(self.err(
                            &v.span(),
                            format!("{} returns nothing to compare", f.signature()),
                        ))
                    }
                    1 => outputs[0].clone(),
                    _ => DynSolType::Tuple(outputs),
                };
                let input =
                    Input::from_toml(equals.get_ref()).map_err(|e| self.err(&equals.span(), e))?;
                let equals = values::value(&ty, &input, &self.scope())
                    .map_err(|e| self.err(&equals.span(), format!("`equals` ({ty}): {e}")))?;
                t.finish(&["read", "equals"])?;
                StepKind::Read { call, equals }
            }
            _ => unreachable!("one of STEP_ACTIONS"),
        };
        Ok(Step { kind, at })
    }

    /// The error named `name`: the account's, else a deployed contract's.
    fn error_named(
        &self,
        name: &str,
        span: &Range<usize>,
    ) -> Result<alloy::json_abi::Error, ScenarioError> {
        if let Some(e) = self.cx.account.errors().find(|e| e.name == name) {
            return Ok(e.clone());
        }
        for c in &self.contracts {
            if let Some(e) = c.artifact.abi.errors().find(|e| e.name == name) {
                return Ok(e.clone());
            }
        }
        let mut known: Vec<&str> = self.cx.account.errors().map(|e| e.name.as_str()).collect();
        known.sort();
        known.dedup();
        Err(self.err(
            span,
            format!(
                "unknown error {name:?}: expected \"allowed\", \"expired\" or an error of the account ({}) or of a deployed contract",
                known.join(", ")
            ),
        ))
    }

    fn expect(
        &self,
        v: Val<'_, 't>,
        sessions: &[SessionTemplate],
    ) -> Result<Expect, ScenarioError> {
        let (name, name_span, args, param) = match v.get_ref() {
            DeValue::String(s) => match s.as_ref() {
                "allowed" => return Ok(Expect::Allowed),
                "expired" => ("SessionExpired".to_owned(), v.span(), None, None),
                other => (other.to_owned(), v.span(), None, None),
            },
            DeValue::Table(_) => {
                let t = Table::of(self.src, v, "`expect`")?;
                let (name, span) = t.req_str("error", "\"ConditionFailed\"")?;
                let args = t.get("args");
                let param = t.str("param")?;
                t.finish(&["error", "args", "param"])?;
                let name = if name == "expired" { "SessionExpired" } else { name };
                (name.to_owned(), span, args, param)
            }
            other => {
                return Err(self.err(
                    &v.span(),
                    format!("`expect`: expected \"allowed\", \"expired\", an error name or {{ error = \"…\" }}, found {}", kind(other)),
                ))
            }
        };
        let error = match self.error_named(&name, &name_span) {
            Ok(e) => e,
            Err(_) if name == "SessionExpired" => {
                alloy::json_abi::Error::parse("SessionExpired()").expect("a valid error signature")
            }
            Err(e) => return Err(e),
        };
        let types: Vec<DynSolType> = error
            .inputs
            .iter()
            .map(alloy::dyn_abi::Specifier::resolve)
            .collect::<Result<_, _>>()
            .map_err(|e| self.err(&name_span, format!("{}: {e}", error.signature())))?;
        let args = match args {
            None => ExpectedArgs::Any,
            Some(a) => match a.get_ref() {
                DeValue::Array(items) => {
                    if items.len() != types.len() {
                        return Err(self.err(
                            &a.span(),
                            format!("{} has {} argument(s), {} given", error.signature(), types.len(), items.len()),
                        ));
                    }
                    let mut vs = Vec::new();
                    for (i, (ty, item)) in types.iter().zip(items).enumerate() {
                        let input = Input::from_toml(item.get_ref()).map_err(|e| self.err(&item.span(), e))?;
                        vs.push(values::value(ty, &input, &self.scope()).map_err(|e| {
                            self.err(&item.span(), format!("argument {i} of {}: {e}", error.signature()))
                        })?);
                    }
                    ExpectedArgs::All(vs)
                }
                DeValue::Table(map) => {
                    let mut vs = Vec::new();
                    for (key, item) in map.iter() {
                        let k = key.get_ref().as_ref();
                        let Some(i) = error
                            .inputs
                            .iter()
                            .position(|p| p.name == k || params::snake(&p.name) == k)
                        else {
                            let names: Vec<&str> = error.inputs.iter().map(|p| p.name.as_str()).collect();
                            return Err(self.err(
                                &key.span(),
                                format!("{} has no argument {k:?}: its arguments are {}", error.name, names.join(", ")),
                            ));
                        };
                        let input = Input::from_toml(item.get_ref()).map_err(|e| self.err(&item.span(), e))?;
                        vs.push((
                            i,
                            values::value(&types[i], &input, &self.scope())
                                .map_err(|e| self.err(&item.span(), format!("argument {k} of {}: {e}", error.signature())))?,
                        ));
                    }
                    ExpectedArgs::Some(vs)
                }
                other => {
                    return Err(self.err(
                        &a.span(),
                        format!("`args`: expected an array (all of them, in order) or a table (by name), found {}", kind(other)),
                    ))
                }
            },
        };
        let param = match param {
            None => None,
            Some((p, span)) => {
                if !PARAM_ERRORS.contains(&error.name.as_str()) {
                    return Err(self.err(
                        &span,
                        format!(
                            "`param` names the constraint of a {}: {} is not about one",
                            PARAM_ERRORS.join(", "),
                            error.name
                        ),
                    ));
                }
                if !sessions.iter().any(|s| s.constrains(p)) {
                    return Err(self.err(
                        &span,
                        format!("no session of this file constrains a parameter {p:?}"),
                    ));
                }
                Some(p.to_owned())
            }
        };
        Ok(Expect::Error(ExpectedError { error, args, param }))
    }
}

/// `expiry`, `expiry - 1s`, `expiry + 1h`, `next 1d window`, `next 1d window + 10s`.
fn parse_time(text: &str) -> Result<Time, String> {
    let bad = || {
        format!("{text:?} is not a time: expected \"expiry\", \"expiry - 1s\", \"next 1d window\" or \"next 1d window + 1s\"")
    };
    let t = text.trim();
    let (base, rest) = if let Some(rest) = t.strip_prefix("expiry") {
        (None, rest)
    } else if let Some(rest) = t.strip_prefix("next ") {
        let (period, rest) = rest.split_once(" window").ok_or_else(bad)?;
        let period = sessionkit::units::parse_duration(period.trim())
            .map_err(|e| format!("{text:?}: the window: {e}"))?;
        if period == 0 {
            return Err(format!("{text:?}: a window is at least 1 second"));
        }
        (Some(period), rest)
    } else {
        return Err(bad());
    };
    let rest = rest.trim();
    let offset: i64 = if rest.is_empty() {
        0
    } else {
        let (sign, d) = if let Some(d) = rest.strip_prefix('+') {
            (1, d)
        } else if let Some(d) = rest.strip_prefix('-') {
            (-1, d)
        } else {
            return Err(bad());
        };
        let secs =
            sessionkit::units::parse_duration(d.trim()).map_err(|e| format!("{text:?}: {e}"))?;
        sign * i64::try_from(secs).map_err(|_| format!("{text:?}: the offset is too large"))?
    };
    Ok(match base {
        None => Time::Expiry(offset),
        Some(period) => Time::NextWindow { period, offset },
    })
}

fn session_list(sessions: &[SessionTemplate]) -> String {
    if sessions.is_empty() {
        "the file has no [session]".to_owned()
    } else {
        format!(
            "the sessions are {}",
            sessions
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

fn function_list(abi: &JsonAbi) -> String {
    let mut names: Vec<&str> = abi.functions().map(|f| f.name.as_str()).collect();
    names.sort();
    names.dedup();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

/// `withdraw(uint256 amount, address to)`.
pub(crate) fn full_signature(f: &Function) -> String {
    let params: Vec<String> = f
        .inputs
        .iter()
        .map(|p| {
            let ty = p.selector_type();
            if p.name.is_empty() {
                ty.into_owned()
            } else {
                format!("{ty} {}", p.name)
            }
        })
        .collect();
    format!("{}({})", f.name, params.join(", "))
}

fn shown_args(inputs: &[(Input, Range<usize>)]) -> String {
    fn show(i: &Input) -> String {
        match i {
            Input::Text(t) => t.clone(),
            Input::List(items) => format!(
                "[{}]",
                items.iter().map(show).collect::<Vec<_>>().join(", ")
            ),
        }
    }
    inputs
        .iter()
        .map(|(i, _)| show(i))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The gist of a multi-line parser error: its last line that is not a caret line.
fn first_line(s: &str) -> String {
    s.lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.chars().all(|c| c == '^'))
        .unwrap_or("parser error")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(parse_time("expiry").unwrap(), Time::Expiry(0));
        assert_eq!(parse_time("expiry - 1s").unwrap(), Time::Expiry(-1));
        assert_eq!(parse_time("expiry + 1h").unwrap(), Time::Expiry(3600));
        assert_eq!(
            parse_time("next 1d window").unwrap(),
            Time::NextWindow {
                period: 86_400,
                offset: 0
            }
        );
        assert_eq!(
            parse_time("next 1h window - 2s").unwrap(),
            Time::NextWindow {
                period: 3600,
                offset: -2
            }
        );
        assert!(parse_time("tomorrow").is_err());
        assert!(parse_time("expiry * 2").is_err());
        assert!(parse_time("next 0s window").is_err());
    }
}
