//! Checking and sanitising one ABI before alloy prints it as Solidity for `sol!`: item names that
//! would change a selector are refused; parameter and field names that `sol!` cannot take are
//! renamed (names are not part of the ABI encoding); the call type alloy gives each function is
//! worked out the way `sol!` numbers overloads.

use std::collections::BTreeMap;

use alloy::json_abi::{Function, JsonAbi, Param, StateMutability};

use crate::codegen::error::{Error, Result};
use crate::codegen::input::LoadedAbi;

/// Keywords of both Rust and Solidity, and the Rust keywords that cannot be raw identifiers:
/// `sol!` cannot turn a Solidity name that is one of these into a Rust identifier.
const UNREPRESENTABLE: &[&str] = &[
    "as", "break", "continue", "else", "enum", "false", "for", "if", "in", "let", "match",
    "return", "static", "struct", "true", "type", "while", "abstract", "do", "final", "macro",
    "override", "typeof", "virtual", "try", "_", "crate", "super",
];

/// One function of the ABI, with the name of its alloy call type.
#[derive(Debug, Clone)]
pub(crate) struct FnItem {
    /// The function as the ABI gives it: its parameter names are what the builder methods and
    /// the JSON form's `"param"` are named after.
    pub function: Function,
    /// alloy's call type: `transferCall`, `safeTransferFrom_1Call`, `Paused_1Call` for a
    /// function that shares its name with an event.
    pub call_type: String,
    /// Its index among the items of its name when alloy numbers them.
    pub overload: Option<usize>,
}

/// An ABI checked and sanitised.
#[derive(Debug, Clone)]
pub(crate) struct Analyzed {
    /// The sanitised ABI, deduplicated as `sol!` requires.
    pub abi: JsonAbi,
    /// Every function, in the order of alloy's printed interface (by name, then overload).
    pub functions: Vec<FnItem>,
}

impl Analyzed {
    /// Checks and sanitises `loaded`'s ABI.
    pub fn new(loaded: &LoadedAbi) -> Result<Self> {
        let unsupported = |item: String, reason: String| Error::UnsupportedAbi {
            input: loaded.source.clone(),
            module: loaded.module.clone(),
            item,
            reason,
        };
        let mut abi = loaded.abi.clone();
        abi.dedup();
        let original = abi.clone();
        let names = abi
            .functions
            .keys()
            .map(|n| ("function", n))
            .chain(abi.events.keys().map(|n| ("event", n)))
            .chain(abi.errors.keys().map(|n| ("error", n)));
        for (kind, name) in names {
            if !is_sol_identifier(name) {
                return Err(unsupported(
                    format!("{kind} {name}"),
                    "the name is not a Solidity identifier".into(),
                ));
            }
            if name.contains('$') {
                // `sol!` would rename it, and with it the selector.
                return Err(unsupported(
                    format!("{kind} {name}"),
                    "names with `$` are not supported by alloy's sol!".into(),
                ));
            }
            if UNREPRESENTABLE.contains(&name.as_str()) {
                return Err(unsupported(
                    format!("{kind} {name}"),
                    format!("`{name}` cannot be a Rust identifier"),
                ));
            }
            if *name == loaded.contract {
                return Err(unsupported(
                    format!("{kind} {name}"),
                    format!("it is named like the contract: give the bindings another name with contract_name(\"{}\", …)", loaded.module),
                ));
            }
        }
        for (name, overloads) in abi.functions.iter_mut() {
            for f in overloads {
                let item = format!("function {name}");
                sanitize(&mut f.inputs, &loaded.contract)
                    .map_err(|r| unsupported(item.clone(), r))?;
                sanitize(&mut f.outputs, &loaded.contract)
                    .map_err(|r| unsupported(item.clone(), r))?;
            }
        }
        for (name, overloads) in abi.errors.iter_mut() {
            for e in overloads {
                let item = format!("error {name}");
                sanitize(&mut e.inputs, &loaded.contract)
                    .map_err(|r| unsupported(item.clone(), r))?;
            }
        }
        for (name, overloads) in abi.events.iter_mut() {
            for e in overloads {
                let item = format!("event {name}");
                let mut params: Vec<Param> = e
                    .inputs
                    .iter()
                    .map(|p| Param {
                        ty: p.ty.clone(),
                        name: p.name.clone(),
                        components: p.components.clone(),
                        internal_type: p.internal_type.clone(),
                    })
                    .collect();
                sanitize(&mut params, &loaded.contract)
                    .map_err(|r| unsupported(item.clone(), r))?;
                for (ep, p) in e.inputs.iter_mut().zip(params) {
                    ep.name = p.name;
                    ep.components = p.components;
                }
            }
        }
        if let Some(c) = abi.constructor.as_mut() {
            sanitize(&mut c.inputs, &loaded.contract)
                .map_err(|r| unsupported("constructor".into(), r))?;
        }
        // alloy numbers every item of a name, in the printed interface's order (errors, events,
        // then functions), when the name has more than one.
        let mut count: BTreeMap<&str, usize> = BTreeMap::new();
        for name in abi
            .errors
            .iter()
            .flat_map(|(n, v)| std::iter::repeat_n(n.as_str(), v.len()))
            .chain(
                abi.events
                    .iter()
                    .flat_map(|(n, v)| std::iter::repeat_n(n.as_str(), v.len())),
            )
            .chain(
                abi.functions
                    .iter()
                    .flat_map(|(n, v)| std::iter::repeat_n(n.as_str(), v.len())),
            )
        {
            *count.entry(name).or_default() += 1;
        }
        let mut functions = Vec::new();
        for (name, overloads) in &original.functions {
            let before =
                abi.errors.get(name).map_or(0, Vec::len) + abi.events.get(name).map_or(0, Vec::len);
            let numbered = count.get(name.as_str()).copied().unwrap_or(0) > 1;
            for (k, f) in overloads.iter().enumerate() {
                let overload = numbered.then_some(before + k);
                let call_type = match overload {
                    Some(i) => format!("{name}_{i}Call"),
                    None => format!("{name}Call"),
                };
                functions.push(FnItem {
                    function: f.clone(),
                    call_type,
                    overload,
                });
            }
        }
        // alloy's numbered names must not be taken by another item.
        for item in &functions {
            if let Some(i) = item.overload {
                let generated = format!("{}_{i}", item.function.name);
                if count.contains_key(generated.as_str()) {
                    return Err(unsupported(
                        format!("function {}", item.function.name),
                        format!("alloy names this overload `{generated}`, which another item of the ABI already has"),
                    ));
                }
            }
        }
        Ok(Analyzed { abi, functions })
    }

    /// The functions a session may call: without `views`, those that are neither `view` nor
    /// `pure`.
    pub fn callable(&self, views: bool) -> impl Iterator<Item = &FnItem> {
        self.functions.iter().filter(move |f| {
            views
                || !matches!(
                    f.function.state_mutability,
                    StateMutability::View | StateMutability::Pure
                )
        })
    }
}

/// Renames the parameters (and, recursively, tuple members) that `sol!` cannot take: `$`
/// becomes `_`, a keyword gets `_` appended, and a name taken by an earlier parameter gets
/// more. Struct names from internal types must be representable; a struct declared outside
/// any contract is placed in `contract` (alloy prints it in the interface, and a library's
/// struct that uses it must then name it qualified).
fn sanitize(params: &mut [Param], contract_name: &str) -> std::result::Result<(), String> {
    let mut seen: Vec<String> = Vec::new();
    for p in params.iter_mut() {
        if let Some(alloy::json_abi::InternalType::Struct { contract, .. }) = &mut p.internal_type {
            if contract.is_none() {
                *contract = Some(contract_name.to_owned());
            }
        }
        if let Some(alloy::json_abi::InternalType::Struct { contract, ty }) = &p.internal_type {
            for part in contract.iter().chain([ty]) {
                let base = part.split('[').next().unwrap_or(part);
                if UNREPRESENTABLE.contains(&base) || base.contains('$') {
                    return Err(format!("struct `{part}` cannot be a Rust identifier"));
                }
            }
        }
        if !p.name.is_empty() {
            if !is_sol_identifier(&p.name) {
                return Err(format!(
                    "parameter `{}` is not a Solidity identifier",
                    p.name
                ));
            }
            let mut name = p.name.replace('$', "_");
            if UNREPRESENTABLE.contains(&name.as_str()) {
                name.push('_');
            }
            while seen.contains(&name) {
                name.push('_');
            }
            seen.push(name.clone());
            p.name = name;
        }
        if p.ty.starts_with("tuple") && p.components.is_empty() {
            return Err(format!(
                "parameter `{}` is an empty tuple, which Solidity has no type for",
                p.name
            ));
        }
        sanitize(&mut p.components, contract_name)?;
    }
    Ok(())
}

/// Whether `s` is a Solidity identifier (`[A-Za-z_$][A-Za-z0-9_$]*`).
pub(crate) fn is_sol_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '$' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}
