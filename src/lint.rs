//! Policy review: what a session spec allows that the guide's "policy design" warns about,
//! before the grant is signed.
//!
//! [`lint`] (also [`SessionSpec::lint`]) returns [`Finding`]s, each naming its [`Rule`] (a
//! stable id such as `wildcard` and a [`Severity`]), the spec's field, why it is risky and the
//! safer form. Findings advise: they never stop a grant. A rule is silenced by its id in
//! [`Context::allow`] (the command line fills it from `--allow`, a config file, and the spec
//! file's own `"lint": {"allow": [...]}` member).
//!
//! ```
//! use alloy::primitives::address;
//! use sessionkit::lint::Context;
//! use sessionkit::policy::SessionSpec;
//!
//! let spec = SessionSpec::builder(address!("0x2222222222222222222222222222222222222222"))
//!     .wildcard()
//!     .expires_at(1_000 + 3_600)
//!     .build_at(1_000)?;
//! let findings = spec.lint(&Context::at(1_000));
//! assert_eq!(findings[0].rule, "wildcard");
//! assert!(spec.lint(&Context::at(1_000).allow(["wildcard"])).is_empty());
//! # Ok::<(), sessionkit::policy::SpecError>(())
//! ```

use std::collections::BTreeSet;
use std::fmt;

use alloy::json_abi::Function;
use alloy::primitives::{address, Address, FixedBytes, U256};
use serde::Serialize;

use crate::params::{self, WordType};
use crate::policy::{CallPolicy, Condition, Limit, SessionSpec};
use crate::units;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth a second look; often intended.
    Warning,
    /// A session that can do much more than it seems to, or lose the account's funds.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One rule: a stable id, its severity and what it flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// The id, used to silence the rule (`wildcard`).
    pub id: &'static str,
    /// Its severity.
    pub severity: Severity,
    /// What it flags, in one line.
    pub summary: &'static str,
}

/// Every rule, in the order findings are reported.
pub const RULES: &[Rule] = &[
    Rule {
        id: "wildcard",
        severity: Severity::Error,
        summary: "a wildcard session: any call and any amount",
    },
    Rule {
        id: "no-expiry",
        severity: Severity::Error,
        summary: "no expiry, or one more than ten years away",
    },
    Rule {
        id: "long-expiry",
        severity: Severity::Warning,
        summary: "an expiry more than 30 days away",
    },
    Rule {
        id: "unbounded-approval",
        severity: Severity::Error,
        summary: "approve, increaseAllowance, setApprovalForAll, transferFrom or permit without a bound on the spender or the amount",
    },
    Rule {
        id: "privileged-function",
        severity: Severity::Error,
        summary: "an upgrade or ownership function allowed without fixing its address argument",
    },
    Rule {
        id: "unlimited-value",
        severity: Severity::Warning,
        summary: "native value can be sent without a Lifetime or Allowance limit",
    },
    Rule {
        id: "unlimited-token-amount",
        severity: Severity::Warning,
        summary: "a token amount without a Lifetime or Allowance limit",
    },
    Rule {
        id: "unguarded-comparison",
        severity: Severity::Error,
        summary: "!=, > or >= on an address, narrow uint or bool word without its range guard",
    },
    Rule {
        id: "allowance-longer-than-session",
        severity: Severity::Warning,
        summary: "an allowance period longer than the session",
    },
    Rule {
        id: "policy-on-account",
        severity: Severity::Error,
        summary: "a policy whose target is the account itself (needs the account)",
    },
    Rule {
        id: "policy-on-entrypoint",
        severity: Severity::Error,
        summary: "a policy whose target is an ERC-4337 EntryPoint",
    },
    Rule {
        id: "transfer-to-contract",
        severity: Severity::Warning,
        summary: "a transfer policy to a contract, whose fallback runs (needs the chain)",
    },
];

/// The rule with id `id`.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// The EntryPoints a policy should never target: v0.8 (the account's) and v0.7.
pub const ENTRY_POINTS: [Address; 2] = [
    address!("0x4337084D9E255Ff0702461CF8895CE9E3b5Ff108"),
    address!("0x0000000071727De22E5E9d8BAf0edAc6f37da032"),
];

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule's id.
    pub rule: &'static str,
    /// The rule's severity.
    pub severity: Severity,
    /// The field of the spec, as in its JSON form (`call_policies[0]`).
    pub field: String,
    /// What is risky.
    pub message: String,
    /// The safer form.
    pub fix: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}[{}] {}: {}; safer: {}",
            self.severity, self.rule, self.field, self.message, self.fix
        )
    }
}

/// What the review knows besides the spec.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// The current unix time (expiries and periods are measured from it).
    pub now: u64,
    /// The account the spec is for, when known (`policy-on-account`).
    pub account: Option<Address>,
    /// The targets of transfer policies that have code, when the chain was read
    /// (`transfer-to-contract` is checked only then).
    pub contracts: Option<BTreeSet<Address>>,
    /// Rule ids that are silenced.
    pub allow: BTreeSet<String>,
}

impl Context {
    /// A context at unix time `now`, with nothing else known.
    pub fn at(now: u64) -> Self {
        Context {
            now,
            ..Default::default()
        }
    }

    /// Silences the rules `ids`.
    pub fn allow<I: IntoIterator<Item = S>, S: Into<String>>(mut self, ids: I) -> Self {
        self.allow.extend(ids.into_iter().map(Into::into));
        self
    }
}

/// Ten years and 30 days, in seconds.
const NO_EXPIRY: u64 = 10 * 365 * 86_400;
const LONG_EXPIRY: u64 = 30 * 86_400;

/// Well-known functions: (signature, role of each word index that needs a bound).
struct Known {
    signature: &'static str,
    kind: Kind,
}

enum Kind {
    /// An approval or pull: the spender/recipient word must be fixed (Equal), the amount word
    /// bounded.
    Approval { party: u64, amount: Option<u64> },
    /// A token transfer: the amount word should have a limit.
    Transfer { amount: u64 },
    /// Upgrade or ownership: the address word must be fixed (none: always flagged).
    Privileged { address: Option<u64> },
}

const KNOWN: &[Known] = &[
    Known {
        signature: "approve(address spender, uint256 amount)",
        kind: Kind::Approval {
            party: 0,
            amount: Some(1),
        },
    },
    Known {
        signature: "increaseAllowance(address spender, uint256 addedValue)",
        kind: Kind::Approval {
            party: 0,
            amount: Some(1),
        },
    },
    Known {
        signature: "setApprovalForAll(address operator, bool approved)",
        kind: Kind::Approval {
            party: 0,
            amount: None,
        },
    },
    Known {
        signature: "transferFrom(address from, address to, uint256 amount)",
        kind: Kind::Approval {
            party: 1,
            amount: Some(2),
        },
    },
    Known {
        signature: "permit(address owner, address spender, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s)",
        kind: Kind::Approval {
            party: 1,
            amount: Some(2),
        },
    },
    Known {
        signature: "transfer(address to, uint256 amount)",
        kind: Kind::Transfer { amount: 1 },
    },
    Known {
        signature: "upgradeTo(address newImplementation)",
        kind: Kind::Privileged { address: Some(0) },
    },
    Known {
        signature: "upgradeToAndCall(address newImplementation, bytes data)",
        kind: Kind::Privileged { address: Some(0) },
    },
    Known {
        signature: "transferOwnership(address newOwner)",
        kind: Kind::Privileged { address: Some(0) },
    },
    Known {
        signature: "changeAdmin(address newAdmin)",
        kind: Kind::Privileged { address: Some(0) },
    },
    Known {
        signature: "setOwner(address newOwner)",
        kind: Kind::Privileged { address: Some(0) },
    },
    Known {
        signature: "renounceOwnership()",
        kind: Kind::Privileged { address: None },
    },
];

fn parse(signature: &str) -> Option<Function> {
    Function::parse(signature).ok()
}

fn known(selector: FixedBytes<4>) -> Option<(&'static Known, Function)> {
    KNOWN.iter().find_map(|k| {
        let f = parse(k.signature)?;
        (f.selector() == selector).then_some((k, f))
    })
}

/// Whether the policy fixes word `index` to one value.
fn fixed(p: &CallPolicy, index: u64) -> bool {
    p.constraints
        .iter()
        .any(|c| c.index == index && c.condition == Condition::Equal)
}

/// Whether the policy bounds word `index` (an upper bound, a fixed value or a counted limit).
fn bounded(p: &CallPolicy, index: u64) -> bool {
    p.constraints.iter().any(|c| {
        c.index == index
            && (matches!(
                c.condition,
                Condition::Equal | Condition::Less | Condition::LessOrEqual
            ) || !c.limit.is_unlimited())
    })
}

/// Whether the policy counts word `index` against a limit.
fn limited(p: &CallPolicy, index: u64) -> bool {
    p.constraints
        .iter()
        .any(|c| c.index == index && !c.limit.is_unlimited())
}

/// Reviews `spec` in `context`; see the [module docs](self).
pub fn lint(spec: &SessionSpec, context: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut push = |id: &'static str, field: String, message: String, fix: String| {
        if context.allow.contains(id) {
            return;
        }
        let severity = rule(id).map_or(Severity::Warning, |r| r.severity);
        out.push(Finding {
            rule: id,
            severity,
            field,
            message,
            fix,
        });
    };
    if spec.wildcard {
        push(
            "wildcard",
            "wildcard".into(),
            "the key may make any call with any value and move every asset of the account".into(),
            "list the calls it needs as call_policies and transfer_policies, with limits".into(),
        );
    }
    let left = spec.expires_at.saturating_sub(context.now);
    if left > NO_EXPIRY {
        push(
            "no-expiry",
            "expires_at".into(),
            format!(
                "the session ends in {}: in practice it never expires",
                human(left)
            ),
            "give the shortest expiry the task needs (hours or days) and rotate the key".into(),
        );
    } else if left > LONG_EXPIRY {
        push(
            "long-expiry",
            "expires_at".into(),
            format!("the session ends in {}", human(left)),
            "an expiry of days, renewed by a new grant or `sessionkit rotate`".into(),
        );
    }
    let session = left;
    let check_period =
        |limit: &Limit,
         field: String,
         push: &mut dyn FnMut(&'static str, String, String, String)| {
            if let Limit::Allowance { period, .. } = limit {
                if *period > session {
                    push(
                    "allowance-longer-than-session",
                    field,
                    format!(
                        "the period {} is longer than what is left of the session ({}); windows start at multiples of the period, so the session may span two windows and spend the allowance twice",
                        human(*period),
                        human(session)
                    ),
                    "a Lifetime limit of the amount, or a period well inside the session".into(),
                );
                }
            }
        };
    for (i, p) in spec.call_policies.iter().enumerate() {
        let at = format!("call_policies[{i}]");
        target_rules(p.target, &at, context, &mut push);
        if !p.max_value_per_use.is_zero() && p.value_limit.is_unlimited() {
            push(
                "unlimited-value",
                format!("{at}.value_limit"),
                format!(
                    "up to {} per call with no total",
                    units::display_amount(p.max_value_per_use)
                ),
                "a Lifetime or Allowance value_limit".into(),
            );
        }
        check_period(&p.value_limit, format!("{at}.value_limit"), &mut push);
        for (k, c) in p.constraints.iter().enumerate() {
            check_period(&c.limit, format!("{at}.constraints[{k}].limit"), &mut push);
        }
        let function = p
            .function
            .as_deref()
            .and_then(parse)
            .or_else(|| known(p.selector).map(|(_, f)| f));
        let name = function
            .as_ref()
            .map_or_else(|| p.selector.to_string(), |f| f.signature());
        if let Some((k, _)) = known(p.selector) {
            match k.kind {
                Kind::Approval { party, amount } => {
                    let party_ok = fixed(p, party);
                    let amount_ok = amount.is_none_or(|a| bounded(p, a));
                    if !(party_ok && amount_ok) {
                        let mut missing = Vec::new();
                        if !party_ok {
                            missing.push(format!(
                                "word {party} (the spender or recipient) is not fixed with =="
                            ));
                        }
                        if !amount_ok {
                            missing.push(format!(
                                "word {} (the amount) has no upper bound or limit",
                                amount.unwrap_or_default()
                            ));
                        }
                        push(
                            "unbounded-approval",
                            at.clone(),
                            format!("{name}: {}", missing.join(" and ")),
                            "fix the spender with == and bound the amount with <= and a limit"
                                .into(),
                        );
                    }
                }
                Kind::Transfer { amount } => {
                    if !limited(p, amount) {
                        push(
                            "unlimited-token-amount",
                            at.clone(),
                            format!("{name}: the amount (word {amount}) has no Lifetime or Allowance limit"),
                            format!("a constraint on word {amount} with a Lifetime or Allowance limit"),
                        );
                    }
                }
                Kind::Privileged { address } => {
                    if address.is_none_or(|a| !fixed(p, a)) {
                        push(
                            "privileged-function",
                            at.clone(),
                            format!("{name} hands over control of the target"),
                            match address {
                                Some(a) => {
                                    format!("leave it to the owner, or fix word {a} with ==")
                                }
                                None => "leave it to the owner".into(),
                            },
                        );
                    }
                }
            }
        }
        if let Some(layout) = function
            .as_ref()
            .and_then(|f| params::layout(f, params::BUILDER_METHODS).ok())
        {
            for (k, c) in p.constraints.iter().enumerate() {
                if !matches!(
                    c.condition,
                    Condition::NotEqual | Condition::Greater | Condition::GreaterOrEqual
                ) {
                    continue;
                }
                let Some(word) = layout.at(c.index) else {
                    continue;
                };
                let Some(bits) = word.ty.clean_bits() else {
                    continue;
                };
                let max = (U256::from(1) << bits) - U256::from(1);
                let guarded = p.constraints.iter().any(|g| {
                    g.index == c.index
                        && matches!(
                            g.condition,
                            Condition::LessOrEqual | Condition::Less | Condition::Equal
                        )
                        && U256::from_be_bytes(g.value.0) <= max
                });
                if !guarded {
                    push(
                        "unguarded-comparison",
                        format!("{at}.constraints[{k}]"),
                        format!(
                            "{} {} on the {} word {} of {name}: a word with dirty upper bits passes it, and a target that masks the word reads a value the constraint meant to refuse",
                            c.condition,
                            U256::from_be_bytes(c.value.0),
                            sol(word.ty),
                            word.name
                        ),
                        format!("add its range guard, a constraint on word {} <= {max} (the typed builders and \"param\" constraints add it)", c.index),
                    );
                }
            }
        }
    }
    for (i, p) in spec.transfer_policies.iter().enumerate() {
        let at = format!("transfer_policies[{i}]");
        target_rules(p.target, &at, context, &mut push);
        if !p.max_value_per_use.is_zero() && p.value_limit.is_unlimited() {
            push(
                "unlimited-value",
                format!("{at}.value_limit"),
                format!(
                    "up to {} per transfer with no total",
                    units::display_amount(p.max_value_per_use)
                ),
                "a Lifetime or Allowance value_limit".into(),
            );
        }
        check_period(&p.value_limit, format!("{at}.value_limit"), &mut push);
        if context
            .contracts
            .as_ref()
            .is_some_and(|c| c.contains(&p.target))
        {
            push(
                "transfer-to-contract",
                at.clone(),
                format!(
                    "{} is a contract: a plain transfer runs its receive or fallback code",
                    p.target
                ),
                "a call policy for the function that is meant to be called, or an EOA as the recipient".into(),
            );
        }
    }
    out.sort_by_key(|f| RULES.iter().position(|r| r.id == f.rule));
    out
}

/// A duration for a message: whole days from two days up, else the duration form (`1h30m`).
fn human(secs: u64) -> String {
    if secs >= 2 * 86_400 {
        format!("{} days", secs / 86_400)
    } else {
        units::format_duration(secs)
    }
}

fn sol(ty: WordType) -> String {
    ty.sol_name()
}

fn target_rules(
    target: Address,
    at: &str,
    context: &Context,
    push: &mut dyn FnMut(&'static str, String, String, String),
) {
    if context.account == Some(target) {
        push(
            "policy-on-account",
            format!("{at}.target"),
            format!("{target} is the account itself: the account refuses a session's call to itself, so this policy can never apply"),
            "remove the policy; the owner's own functions are never a session's".into(),
        );
    }
    if ENTRY_POINTS.contains(&target) {
        push(
            "policy-on-entrypoint",
            format!("{at}.target"),
            format!("{target} is an ERC-4337 EntryPoint: a session could move the account's deposit or stake"),
            "remove the policy; gas for user operations goes through a paymaster the owner allows".into(),
        );
    }
}

/// The rule ids a spec file silences in its own `"lint": {"allow": ["wildcard", …]}` member
/// (which [`SessionSpec::from_json`] ignores); errors name the bad value.
pub fn allowed_in_json(json: &str) -> Result<Vec<String>, String> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let Some(lint) = value.get("lint") else {
        return Ok(Vec::new());
    };
    allow_list(lint, "lint")
}

/// The rule ids of a lint config or `"lint"` member `{"allow": [...]}` at `path`; each must be
/// a rule's id.
pub fn allow_list(value: &serde_json::Value, path: &str) -> Result<Vec<String>, String> {
    let Some(object) = value.as_object() else {
        return Err(format!("{path}: expected {{\"allow\": [RULE, …]}}"));
    };
    if let Some(key) = object.keys().find(|k| *k != "allow") {
        return Err(format!("{path}.{key}: unknown member (expected \"allow\")"));
    }
    let Some(list) = object.get("allow") else {
        return Ok(Vec::new());
    };
    let Some(items) = list.as_array() else {
        return Err(format!("{path}.allow: expected a list of rule ids"));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let id = v
                .as_str()
                .ok_or_else(|| format!("{path}.allow[{i}]: expected a rule id (a string)"))?;
            check_rule(id).map_err(|e| format!("{path}.allow[{i}]: {e}"))?;
            Ok(id.to_owned())
        })
        .collect()
}

/// Ok when `id` is a rule's id, else what the rules are.
pub fn check_rule(id: &str) -> Result<(), String> {
    if rule(id).is_some() {
        return Ok(());
    }
    let ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
    Err(format!(
        "{id:?} is not a rule: the rules are {}",
        ids.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{CallPolicy, TransferPolicy};

    const NOW: u64 = 1_000_000;

    fn spec(
        f: impl FnOnce(crate::policy::SessionBuilder) -> crate::policy::SessionBuilder,
    ) -> SessionSpec {
        f(SessionSpec::builder(Address::repeat_byte(0x22)).expires_at(NOW + 3600))
            .build_at(NOW)
            .unwrap()
    }

    fn rules(spec: &SessionSpec, context: &Context) -> Vec<&'static str> {
        lint(spec, context).iter().map(|f| f.rule).collect()
    }

    #[test]
    fn a_tight_spec_has_no_finding() {
        let token = Address::repeat_byte(0x33);
        let s = spec(|b| {
            b.call(
                CallPolicy::function(token, "transfer(address,uint256)")
                    .unwrap()
                    .constraint(0, Condition::Equal, Address::repeat_byte(0x44))
                    .constraint_limited(
                        1,
                        Condition::LessOrEqual,
                        100u64,
                        Limit::lifetime(1000u64),
                    ),
            )
            .transfer(
                TransferPolicy::new(Address::repeat_byte(0x44))
                    .max_value_per_use(10u64)
                    .value_limit(Limit::allowance(20u64, 600)),
            )
        });
        assert!(
            lint(&s, &Context::at(NOW)).is_empty(),
            "{:?}",
            lint(&s, &Context::at(NOW))
        );
    }

    #[test]
    fn each_rule_fires_and_can_be_silenced() {
        let t = Address::repeat_byte(0x33);
        let w = SessionSpec::builder(Address::repeat_byte(0x22))
            .wildcard()
            .expires_at(NOW + 20 * 365 * 86_400)
            .build_at(NOW)
            .unwrap();
        assert_eq!(rules(&w, &Context::at(NOW)), ["wildcard", "no-expiry"]);
        assert_eq!(
            rules(&w, &Context::at(NOW).allow(["wildcard"])),
            ["no-expiry"]
        );

        let s = spec(|b| {
            b.expires_at(NOW + 60 * 86_400)
                .call(CallPolicy::function(t, "approve(address,uint256)").unwrap())
                .call(
                    CallPolicy::function(Address::repeat_byte(0x34), "transferOwnership(address)")
                        .unwrap(),
                )
                .call(
                    CallPolicy::function(Address::repeat_byte(0x35), "transfer(address,uint256)")
                        .unwrap()
                        .constraint(0, Condition::NotEqual, Address::repeat_byte(0x66))
                        .max_value_per_use(5u64)
                        .value_limit(Limit::allowance(5u64, 365 * 86_400)),
                )
                .call(
                    CallPolicy::function(Address::repeat_byte(0x36), "setNumber(uint256)")
                        .unwrap()
                        .max_value_per_use(1u64),
                )
                .transfer(TransferPolicy::new(ENTRY_POINTS[0]).max_value_per_use(1u64))
                .transfer(
                    TransferPolicy::new(Address::repeat_byte(0x11))
                        .value_limit(Limit::lifetime(1u64)),
                )
        });
        let mut ctx = Context::at(NOW);
        ctx.account = Some(Address::repeat_byte(0x11));
        ctx.contracts = Some([Address::repeat_byte(0x11)].into());
        let found = lint(&s, &ctx);
        let ids: Vec<_> = found.iter().map(|f| (f.rule, f.field.as_str())).collect();
        assert_eq!(
            ids,
            [
                ("long-expiry", "expires_at"),
                ("unbounded-approval", "call_policies[0]"),
                ("privileged-function", "call_policies[1]"),
                ("unlimited-value", "call_policies[3].value_limit"),
                ("unlimited-value", "transfer_policies[0].value_limit"),
                ("unlimited-token-amount", "call_policies[2]"),
                ("unguarded-comparison", "call_policies[2].constraints[0]"),
                (
                    "allowance-longer-than-session",
                    "call_policies[2].value_limit"
                ),
                ("policy-on-account", "transfer_policies[1].target"),
                ("policy-on-entrypoint", "transfer_policies[0].target"),
                ("transfer-to-contract", "transfer_policies[1]"),
            ]
        );
        let every: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        assert_eq!(lint(&s, &ctx.clone().allow(every)), Vec::<Finding>::new());
        let approval = &found[1];
        assert_eq!(approval.severity, Severity::Error);
        assert!(
            approval
                .message
                .contains("word 0 (the spender or recipient) is not fixed"),
            "{approval}"
        );
    }

    #[test]
    fn a_guarded_comparison_and_a_bounded_approval_pass() {
        let t = Address::repeat_byte(0x33);
        let s = spec(|b| {
            b.call(
                CallPolicy::function(t, "approve(address,uint256)")
                    .unwrap()
                    .constraint(0, Condition::Equal, Address::repeat_byte(0x44))
                    .constraint_limited(1, Condition::LessOrEqual, 10u64, Limit::lifetime(10u64)),
            )
            .call(
                CallPolicy::function(Address::repeat_byte(0x35), "setOwnerless(address)")
                    .unwrap()
                    .constraint(0, Condition::NotEqual, Address::ZERO)
                    .constraint(
                        0,
                        Condition::LessOrEqual,
                        (U256::from(1) << 160) - U256::from(1),
                    ),
            )
        });
        assert!(
            lint(&s, &Context::at(NOW)).is_empty(),
            "{:?}",
            lint(&s, &Context::at(NOW))
        );
        // The same policy read back from the chain (no signature): the selector is known.
        let mut stored = s.clone();
        stored.call_policies[0].function = None;
        stored.call_policies[0].constraints.remove(0);
        assert_eq!(rules(&stored, &Context::at(NOW)), ["unbounded-approval"]);
    }

    #[test]
    fn allow_lists_name_bad_values() {
        assert_eq!(
            allowed_in_json(r#"{"lint": {"allow": ["wildcard"]}}"#).unwrap(),
            ["wildcard"]
        );
        let err = allowed_in_json(r#"{"lint": {"allow": ["wildcards"]}}"#).unwrap_err();
        assert!(
            err.starts_with("lint.allow[0]: \"wildcards\" is not a rule"),
            "{err}"
        );
        // The spec itself reads past its "lint" member.
        let json = r#"{"signer": "0x2222222222222222222222222222222222222222", "expires_at": 5000,
            "wildcard": true, "lint": {"allow": ["wildcard"]}}"#;
        let spec = SessionSpec::from_json(json).unwrap();
        assert!(spec.wildcard);
        let context = Context::at(1000).allow(allowed_in_json(json).unwrap());
        assert!(spec.lint(&context).is_empty());
        let err = allowed_in_json(r#"{"lint": {"deny": []}}"#).unwrap_err();
        assert!(err.contains("lint.deny: unknown member"), "{err}");
    }
}
