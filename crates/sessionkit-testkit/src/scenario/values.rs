//! Arguments as a contract author writes them, typed by the ABI: addresses by name (`bob`,
//! `vault`, `account`) or in hex, numbers with units (`"0.5 ether"`), strings, booleans, bytes,
//! arrays `[…]` and tuples `(…)`; in the text of a call (`vault.withdraw(100, bob)`) or as TOML
//! values (`args = [100, "bob"]`).

use alloy::dyn_abi::{DynSolType, DynSolValue};
use alloy::primitives::{Address, U256};
use toml::de::DeValue;

use super::reader::scalar_text;
use super::{Actor, Name, Value};

/// The names a file may use for addresses, known while it is read.
pub(crate) struct Scope<'a> {
    /// The aliases of the contracts declared so far.
    pub contracts: &'a [String],
}

impl Scope<'_> {
    /// The name `text` refers to, if any.
    pub fn name(&self, text: &str) -> Option<Name> {
        if text == "account" {
            return Some(Name::Account);
        }
        if let Ok(actor) = text.parse::<Actor>() {
            return Some(Name::Actor(actor));
        }
        self.contracts
            .iter()
            .find(|c| *c == text)
            .map(|c| Name::Contract(c.clone()))
    }

    /// The names there are, for messages.
    pub fn listed(&self) -> String {
        let mut names: Vec<&str> = Actor::ALL.iter().map(|a| a.name()).collect();
        names.push("account");
        names.extend(self.contracts.iter().map(String::as_str));
        names.join(", ")
    }

    /// An address or a name.
    pub fn address(&self, text: &str) -> Result<Value, String> {
        let t = text.trim();
        if let Some(name) = self.name(t) {
            return Ok(Value::Address(name));
        }
        if t.starts_with("0x") || t.starts_with("0X") {
            return parse_address(t).map(|a| Value::Address(Name::Address(a)));
        }
        Err(format!(
            "{t:?} is not an address or a name: expected 0x… or one of {}",
            self.listed()
        ))
    }

    /// A name or an address as a [`Name`].
    pub fn target(&self, text: &str) -> Result<Name, String> {
        match self.address(text)? {
            Value::Address(n) => Ok(n),
            _ => unreachable!("address() yields an address"),
        }
    }
}

fn parse_address(t: &str) -> Result<Address, String> {
    let hex = &t[2..];
    if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "{t:?} is not an address: expected 0x and 40 hex digits"
        ));
    }
    let mixed =
        hex.bytes().any(|b| b.is_ascii_uppercase()) && hex.bytes().any(|b| b.is_ascii_lowercase());
    if mixed {
        Address::parse_checksummed(t, None).map_err(|_| {
            format!("{t:?} has a bad EIP-55 checksum: check it, or write it in lower case")
        })
    } else {
        t.parse::<Address>()
            .map_err(|e| format!("{t:?} is not an address: {e}"))
    }
}

/// An argument as written, before the ABI types it: text, or a list (a TOML array, or `[…]`
/// and `(…)` in text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A scalar as written.
    Text(String),
    /// Items of an array or tuple.
    List(Vec<Input>),
}

impl Input {
    /// A TOML value as an argument (strings, integers and booleans are text; arrays are lists).
    pub(crate) fn from_toml(v: &DeValue<'_>) -> Result<Self, String> {
        match v {
            DeValue::Array(items) => items
                .iter()
                .map(|i| Input::from_toml(i.get_ref()))
                .collect::<Result<_, _>>()
                .map(Input::List),
            other => scalar_text(other).map(Input::Text).ok_or_else(|| {
                format!(
                    "expected a string, a number, a boolean or an array, found {}",
                    super::reader::kind(other)
                )
            }),
        }
    }
}

/// `text` split at the commas that are not inside brackets, parentheses or quotes; empty for
/// blank text. Fails on unbalanced brackets or quotes.
pub(crate) fn split_top(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut depth: Vec<char> = Vec::new();
    let mut quote: Option<char> = None;
    let mut current = String::new();
    for c in text.chars() {
        if let Some(q) = quote {
            current.push(c);
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => {
                quote = Some(c);
                current.push(c);
            }
            '(' | '[' => {
                depth.push(c);
                current.push(c);
            }
            ')' | ']' => {
                let open = if c == ')' { '(' } else { '[' };
                if depth.pop() != Some(open) {
                    return Err(format!("unbalanced {c:?} in {text:?}"));
                }
                current.push(c);
            }
            ',' if depth.is_empty() => {
                out.push(std::mem::take(&mut current).trim().to_owned());
            }
            _ => current.push(c),
        }
    }
    if quote.is_some() {
        return Err(format!("an unclosed quote in {text:?}"));
    }
    if let Some(open) = depth.last() {
        return Err(format!("an unclosed {open:?} in {text:?}"));
    }
    let last = current.trim().to_owned();
    if !last.is_empty() || !out.is_empty() {
        out.push(last);
    }
    if out.iter().any(String::is_empty) {
        return Err(format!("an empty argument in {text:?}"));
    }
    Ok(out)
}

/// The items of `[…]` or `(…)` text (`open` and `close` name the brackets).
fn list_items(text: &str, open: char, close: char, ty: &DynSolType) -> Result<Vec<Input>, String> {
    let t = text.trim();
    let inner = t
        .strip_prefix(open)
        .and_then(|r| r.strip_suffix(close))
        .ok_or_else(|| format!("{t:?} is not a {ty}: expected {open}…{close}"))?;
    Ok(split_top(inner)?.into_iter().map(Input::Text).collect())
}

/// The typed value of `input` for a parameter of type `ty`.
pub(crate) fn value(ty: &DynSolType, input: &Input, scope: &Scope<'_>) -> Result<Value, String> {
    match ty {
        DynSolType::Array(inner) | DynSolType::FixedArray(inner, _) => {
            let items = match input {
                Input::List(items) => items.clone(),
                Input::Text(t) => list_items(t, '[', ']', ty)?,
            };
            if let DynSolType::FixedArray(_, n) = ty {
                if items.len() != *n {
                    return Err(format!("a {ty} takes {n} items, {} given", items.len()));
                }
            }
            let values = items
                .iter()
                .enumerate()
                .map(|(i, item)| value(inner, item, scope).map_err(|e| format!("item {i}: {e}")))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(if matches!(ty, DynSolType::Array(_)) {
                Value::Array(values)
            } else {
                Value::FixedArray(values)
            })
        }
        DynSolType::Tuple(types) | DynSolType::CustomStruct { tuple: types, .. } => {
            let items = match input {
                Input::List(items) => items.clone(),
                Input::Text(t) => list_items(t, '(', ')', ty)?,
            };
            if items.len() != types.len() {
                return Err(format!(
                    "a {ty} takes {} members, {} given",
                    types.len(),
                    items.len()
                ));
            }
            let values = types
                .iter()
                .zip(&items)
                .enumerate()
                .map(|(i, (t, item))| value(t, item, scope).map_err(|e| format!("member {i}: {e}")))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Value::Tuple(values))
        }
        scalar => {
            let text = match input {
                Input::Text(t) => t.trim().to_owned(),
                Input::List(_) => return Err(format!("a {scalar} is one value, not a list")),
            };
            scalar_value(scalar, &text, scope)
        }
    }
}

/// A scalar of type `ty` from `text`.
fn scalar_value(ty: &DynSolType, text: &str, scope: &Scope<'_>) -> Result<Value, String> {
    match ty {
        DynSolType::Address => scope.address(text),
        DynSolType::Uint(bits) => {
            let v = sessionkit::units::parse_amount(text)
                .map_err(|e| format!("{text:?} is not a {ty}: {e}"))?;
            if v.bit_len() > *bits {
                return Err(format!("{text:?} does not fit a {ty}"));
            }
            Ok(Value::Fixed(DynSolValue::Uint(v, *bits)))
        }
        DynSolType::Bool => match text {
            "true" => Ok(Value::Fixed(DynSolValue::Bool(true))),
            "false" => Ok(Value::Fixed(DynSolValue::Bool(false))),
            _ => Err(format!("{text:?} is not a bool: expected true or false")),
        },
        DynSolType::String => Ok(Value::Fixed(DynSolValue::String(unquote(text).to_owned()))),
        other => other
            .coerce_str(unquote(text))
            .map(Value::Fixed)
            .map_err(|e| {
                let first = e.to_string();
                let first = first
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .trim_end_matches(':')
                    .to_owned();
                format!("{text:?} is not a valid {other}: {first}")
            }),
    }
}

/// `text` without one pair of surrounding quotes.
fn unquote(text: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = text.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    text
}

/// An amount of wei from a TOML string or integer.
pub(crate) fn amount(v: &DeValue<'_>) -> Result<U256, String> {
    let text = scalar_text(v).filter(|_| !v.is_bool()).ok_or_else(|| {
        format!(
            "expected an amount (\"100\", \"0.5 ether\"), found {}",
            super::reader::kind(v)
        )
    })?;
    sessionkit::units::parse_amount(&text).map_err(|e| e.to_string())
}

/// A duration in seconds from a TOML string (`"1d"`, `"90s"`) or integer (seconds).
pub(crate) fn duration(v: &DeValue<'_>) -> Result<u64, String> {
    match v {
        DeValue::Integer(_) => scalar_text(v)
            .and_then(|t| t.parse::<u64>().ok())
            .ok_or_else(|| "expected a duration in seconds, or with a unit (\"1d\")".to_owned()),
        DeValue::String(s) => sessionkit::units::parse_duration(s).map_err(|e| e.to_string()),
        other => Err(format!(
            "expected a duration (\"1h\", \"30m\", \"1d\"), found {}",
            super::reader::kind(other)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_top_level_commas_only() {
        assert_eq!(split_top("100, bob").unwrap(), ["100", "bob"]);
        assert_eq!(
            split_top("[1, 2], (bob, \"a, b\"), 0.5 ether").unwrap(),
            ["[1, 2]", "(bob, \"a, b\")", "0.5 ether"]
        );
        assert!(split_top("  ").unwrap().is_empty());
        assert!(split_top("[1, 2").is_err());
        assert!(split_top("1,,2").is_err());
        assert!(split_top("\"open").is_err());
    }

    #[test]
    fn values_are_typed_by_the_abi() {
        let contracts = vec!["vault".to_owned()];
        let scope = Scope {
            contracts: &contracts,
        };
        let t = |s: &str| Input::Text(s.into());
        assert_eq!(
            value(&DynSolType::Address, &t("vault"), &scope).unwrap(),
            Value::Address(Name::Contract("vault".into()))
        );
        assert_eq!(
            value(&DynSolType::Uint(256), &t("0.5 ether"), &scope).unwrap(),
            Value::Fixed(DynSolValue::Uint(
                U256::from(5u64) * U256::from(10u64).pow(U256::from(17)),
                256
            ))
        );
        assert!(value(&DynSolType::Uint(8), &t("256"), &scope)
            .unwrap_err()
            .contains("does not fit"));
        assert!(value(&DynSolType::Address, &t("bobb"), &scope)
            .unwrap_err()
            .contains("not an address or a name"));
        assert!(value(&DynSolType::Uint(256), &t("bob"), &scope)
            .unwrap_err()
            .contains("is not a uint256"));
        let arr = DynSolType::Array(Box::new(DynSolType::Address));
        assert_eq!(
            value(&arr, &t("[bob, carol]"), &scope).unwrap(),
            Value::Array(vec![
                Value::Address(Name::Actor(Actor::Bob)),
                Value::Address(Name::Actor(Actor::Carol))
            ])
        );
        let tuple = DynSolType::Tuple(vec![DynSolType::String, DynSolType::Bool]);
        assert_eq!(
            value(&tuple, &t("(\"a, b\", true)"), &scope).unwrap(),
            Value::Tuple(vec![
                Value::Fixed(DynSolValue::String("a, b".into())),
                Value::Fixed(DynSolValue::Bool(true))
            ])
        );
        assert!(value(&DynSolType::Int(256), &t("-5"), &scope).is_ok());
    }
}
