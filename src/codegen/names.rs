//! Rust names for Solidity names: case conversion, keyword escaping, and clash resolution. All
//! of it happens in the model, before rendering; the output is never patched afterwards.

use std::collections::BTreeSet;

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Rust keywords (strict, reserved, and `gen` of edition 2024) that can be raw identifiers.
const RAW_KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers.
const NON_RAW_KEYWORDS: &[&str] = &["_", "crate", "self", "Self", "super"];

/// Keywords of both Rust and Solidity: `sol!` leaves them as they are (they cannot appear in a
/// valid ABI).
const SOL_KEYWORDS: &[&str] = &[
    "as", "break", "continue", "else", "enum", "false", "for", "if", "in", "let", "match",
    "return", "static", "struct", "true", "type", "while", "abstract", "do", "final", "macro",
    "override", "typeof", "virtual", "try",
];

/// Whether `sol!` cannot turn the Solidity name `s` into a Rust identifier: keywords of both
/// languages, and the keywords that cannot be raw (`_`, `crate`, `super`).
pub(crate) fn unrepresentable_in_sol(s: &str) -> bool {
    SOL_KEYWORDS.contains(&s) || matches!(s, "_" | "crate" | "super")
}

/// Whether `s` is a Rust keyword of any kind.
pub(crate) fn is_keyword(s: &str) -> bool {
    RAW_KEYWORDS.contains(&s) || NON_RAW_KEYWORDS.contains(&s)
}

/// Whether `s` can name a Rust module as written: an ASCII identifier and not a keyword.
pub(crate) fn is_plain_rust_ident(s: &str) -> bool {
    let mut chars = s.chars();
    let first_ok = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_');
    first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') && !is_keyword(s) && s != "_"
}

/// `name` as a Rust identifier: raw (`r#type`) for keywords that allow it, `self_` for those
/// that do not.
pub(crate) fn escape(name: &str) -> String {
    if RAW_KEYWORDS.contains(&name) {
        format!("r#{name}")
    } else if NON_RAW_KEYWORDS.contains(&name) {
        format!("{name}_")
    } else {
        name.to_string()
    }
}

/// The Rust identifier `sol!` gives a Solidity name (see `syn_solidity::SolIdent::new`):
/// Rust-only keywords become raw, `self`/`Self` become `this`/`This`.
pub(crate) fn sol_rust_ident(name: &str) -> String {
    match name {
        "self" => "this".into(),
        "Self" => "This".into(),
        n if RAW_KEYWORDS.contains(&n) && !SOL_KEYWORDS.contains(&n) => format!("r#{n}"),
        n => n.to_string(),
    }
}

/// `snake_case` of a Solidity name (`tokenURI` → `token_uri`); empty if nothing is left.
pub(crate) fn snake(name: &str) -> String {
    name.to_snake_case()
}

/// `UpperCamelCase` of a name (`transfer_from` → `TransferFrom`).
pub(crate) fn camel(name: &str) -> String {
    name.to_upper_camel_case()
}

/// A naive singular for the push method of an array field: `callPolicies` → `call_policy`,
/// `constraints` → `constraint`; `None` when the name does not look plural.
pub(crate) fn singular(snake_name: &str) -> Option<String> {
    let s = snake_name;
    let single = if let Some(stem) = s.strip_suffix("ies") {
        format!("{stem}y")
    } else if s.ends_with("sses")
        || s.ends_with("xes")
        || s.ends_with("shes")
        || s.ends_with("ches")
    {
        s[..s.len() - 2].to_string()
    } else if s.ends_with("ss") || s.ends_with("us") {
        return None;
    } else if let Some(stem) = s.strip_suffix('s') {
        stem.to_string()
    } else {
        return None;
    };
    (!single.is_empty() && !single.ends_with('_')).then_some(single)
}

/// Allocates unique names in one namespace: a taken name gets `_` appended until it is free.
/// Names are compared unescaped and returned escaped.
#[derive(Debug, Default, Clone)]
pub(crate) struct Namespace {
    used: BTreeSet<String>,
}

impl Namespace {
    /// A namespace where `reserved` are already taken.
    pub fn with_reserved<'a>(reserved: impl IntoIterator<Item = &'a str>) -> Self {
        Namespace {
            used: reserved.into_iter().map(str::to_string).collect(),
        }
    }

    /// Whether `name` is taken.
    pub fn contains(&self, name: &str) -> bool {
        self.used.contains(name)
    }

    /// A free name based on `base` (unescaped), marked taken, returned escaped.
    pub fn alloc(&mut self, base: &str) -> String {
        let mut candidate = base.to_string();
        while self.used.contains(&candidate) {
            candidate.push('_');
        }
        self.used.insert(candidate.clone());
        escape(&candidate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(snake("tokenURI"), "token_uri");
        assert_eq!(snake("_to"), "to");
        assert_eq!(snake("amount0Desired"), "amount0_desired");
        assert_eq!(snake("__"), "");
        assert_eq!(escape("type"), "r#type");
        assert_eq!(escape("self"), "self_");
        assert_eq!(sol_rust_ident("fn"), "r#fn");
        assert_eq!(sol_rust_ident("type"), "type");
        assert_eq!(sol_rust_ident("self"), "this");
        assert_eq!(singular("call_policies").as_deref(), Some("call_policy"));
        assert_eq!(singular("constraints").as_deref(), Some("constraint"));
        assert_eq!(singular("status"), None);
        assert_eq!(singular("address"), None);
        let mut ns = Namespace::with_reserved(["build"]);
        assert_eq!(ns.alloc("build"), "build_");
        assert_eq!(ns.alloc("build"), "build__");
        assert_eq!(ns.alloc("type"), "r#type");
        assert_eq!(ns.alloc("type"), "type_");
        assert!(is_plain_rust_ident("erc20"));
        assert!(!is_plain_rust_ident("2x"));
        assert!(!is_plain_rust_ident("type"));
        assert!(!is_plain_rust_ident("a-b"));
    }
}
