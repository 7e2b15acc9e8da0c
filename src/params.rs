//! The words of a function's parameters that a constraint can compare, and their names: one
//! set of rules shared by the generator (its builder methods), the JSON form (constraints by
//! `"param"`) and the scenario files.
//!
//! A constraint compares the 32-byte word at `4 + 32 * index` of the calldata. Each static
//! parameter occupies head words in order: an elementary value one word, a static tuple or
//! fixed array one per member, flattened. A dynamic parameter (`bytes`, `string`, `T[]`, a
//! tuple or array with a dynamic member) occupies one word holding an offset, which no
//! constraint can meaningfully compare.
//!
//! Names: the Solidity name in snake_case (`amount0Desired` → `amount0_desired`), `arg0`, `arg1`…
//! by position when unnamed; members of tuples and arrays join the parameter's name
//! (`order.amount` → `order_amount`, `path[1]` → `path_1`). A name that is already snake_case
//! keeps it and a name that collides after conversion gets `_` appended (so `mint_for` and
//! `mintFor` become `mint_for` and `mint_for_`); Rust keywords become raw identifiers (`type` is
//! the method `r#type`, the name `type`), and `self`, `Self`, `super`, `crate` and `_` get a
//! trailing `_`.
//!
//! ```
//! use alloy::json_abi::Function;
//! use sessionkit::params::{layout, WordType};
//!
//! // A JSON ABI names tuple members; a signature names only the parameters.
//! let f: Function = serde_json::from_str(r#"{"type": "function", "name": "swap",
//!     "inputs": [{"name": "route", "type": "tuple", "components": [
//!         {"name": "tokenIn", "type": "address"}, {"name": "fee", "type": "uint24"}]},
//!       {"name": "amounts", "type": "uint256[2]"}, {"name": "data", "type": "bytes"}],
//!     "outputs": [], "stateMutability": "nonpayable"}"#).unwrap();
//! let l = layout(&f, &[]).unwrap();
//! let names: Vec<&str> = l.words.iter().map(|w| w.name.as_str()).collect();
//! assert_eq!(names, ["route_token_in", "route_fee", "amounts_0", "amounts_1"]);
//! assert_eq!(l.word("route.fee").unwrap().index, 1);
//!
//! let by_signature = Function::parse("swap((address,uint24) route, uint256[2] amounts, bytes data)").unwrap();
//! let names: Vec<String> = layout(&by_signature, &[]).unwrap().words.into_iter().map(|w| w.name).collect();
//! assert_eq!(names, ["route_0", "route_1", "amounts_0", "amounts_1"]);
//! assert_eq!(l.words[1].index, 1);
//! assert_eq!(l.words[1].ty, WordType::Uint(24));
//! assert_eq!(l.head_words, 5); // data's offset is word 4
//! ```

use std::collections::BTreeSet;

use alloy::dyn_abi::{DynSolType, Specifier};
use alloy::json_abi::{Function, Param};
use heck::ToSnakeCase;

/// The methods of a generated call-policy builder (`call_policy_builder!`): a parameter word of
/// that name gets `_` appended, in the generator and in the JSON form alike.
pub const BUILDER_METHODS: &[&str] = &[
    "new",
    "max_value_per_use",
    "value_limit",
    "build",
    "with_param",
];

/// Parameters with more head words than this get no per-word names (their words still count,
/// so later parameters keep their indexes).
pub const MAX_WORDS_PER_PARAM: u64 = 64;

/// The Solidity type of a word's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WordType {
    /// `address` (left-padded; 160 bits).
    Address,
    /// `bool` (0 or 1).
    Bool,
    /// `uint<N>` (left-padded).
    Uint(u16),
    /// `int<N>` (sign-extended).
    Int(u16),
    /// `bytes<N>` (right-padded; `function` is `bytes24`).
    FixedBytes(u8),
}

impl WordType {
    /// How many low bits a clean word of this type may use, when that is less than 256 and the
    /// rest must be zero (`address` 160, `uint8` 8, `bool` 1); `None` for `uint256`, signed
    /// integers (sign-extended) and fixed bytes (right-padded).
    ///
    /// A target that masks the word (a pre-0.8 token reading an `address` argument) reads a word
    /// with dirty upper bits as its low bits, so a `NotEqual`, `Greater` or `GreaterOrEqual`
    /// constraint on such a word needs a range constraint (`<= 2^bits - 1`) beside it: the typed
    /// builders add it.
    pub fn clean_bits(self) -> Option<u16> {
        match self {
            WordType::Address => Some(160),
            WordType::Bool => Some(1),
            WordType::Uint(bits) if bits < 256 => Some(bits),
            _ => None,
        }
    }

    /// The Solidity type name (`address`, `uint24`, `bytes4`).
    pub fn sol_name(self) -> String {
        match self {
            WordType::Address => "address".into(),
            WordType::Bool => "bool".into(),
            WordType::Uint(bits) => format!("uint{bits}"),
            WordType::Int(bits) => format!("int{bits}"),
            WordType::FixedBytes(n) => format!("bytes{n}"),
        }
    }
}

/// One constrainable head word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamWord {
    /// Its name (the generator's method name without a `r#` prefix).
    pub name: String,
    /// The Rust identifier of the generator's method (`r#type` for `type`).
    pub ident: String,
    /// The Solidity path: `to`, `order.amount`, `path[1]` (`#0` for an unnamed first parameter).
    pub sol_path: String,
    /// The word index after the selector (the constraint's `index`).
    pub index: u64,
    /// The value's Solidity type.
    pub ty: WordType,
}

/// One parameter of the function, as documentation needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamInfo {
    /// The Solidity name, or `arg<i>` when unnamed.
    pub name: String,
    /// The canonical Solidity type.
    pub sol_ty: String,
    /// Its first head word.
    pub first_word: u64,
    /// How many head words it occupies.
    pub head_words: u64,
    /// Whether it is dynamic (its head word is an offset).
    pub dynamic: bool,
    /// The names of its constrainable words (empty when dynamic or over the word cap).
    pub words: Vec<String>,
}

/// A function's parameters as words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Every constrainable word, in order.
    pub words: Vec<ParamWord>,
    /// Every parameter.
    pub params: Vec<ParamInfo>,
    /// The number of head words after the selector.
    pub head_words: u64,
}

impl Layout {
    /// The word named `name`: by its name (`order_amount`) or its Solidity path
    /// (`order.amount`).
    pub fn word(&self, name: &str) -> Option<&ParamWord> {
        self.words
            .iter()
            .find(|w| w.name == name)
            .or_else(|| self.words.iter().find(|w| w.sol_path == name))
    }

    /// The word at head-word index `index`, when it is constrainable.
    pub fn at(&self, index: u64) -> Option<&ParamWord> {
        self.words.iter().find(|w| w.index == index)
    }

    /// The parameter whose head words include `index`.
    pub fn param_at(&self, index: u64) -> Option<&ParamInfo> {
        self.params
            .iter()
            .find(|p| index >= p.first_word && index < p.first_word.saturating_add(p.head_words))
    }
}

/// The words and names of `function`'s parameters; `reserved` names are taken already (a
/// builder's own methods), so a parameter of that name gets `_` appended.
pub fn layout(function: &Function, reserved: &[&str]) -> Result<Layout, String> {
    let mut raws: Vec<RawWord> = Vec::new();
    let mut params = Vec::new();
    let mut index = 0u64;
    for (i, param) in function.inputs.iter().enumerate() {
        let ty = param
            .resolve()
            .map_err(|e| format!("parameter {i} ({}): {e}", param.ty))?;
        let display = if param.name.is_empty() {
            format!("arg{i}")
        } else {
            param.name.replace('$', "_")
        };
        let head = head_words(&ty);
        let dynamic = ty.is_dynamic();
        let start = raws.len();
        if !dynamic && head <= MAX_WORDS_PER_PARAM {
            let first = match snake(&display) {
                s if s.is_empty() => format!("arg{i}"),
                s => s,
            };
            let path = if param.name.is_empty() {
                format!("#{i}")
            } else {
                param.name.clone()
            };
            let mut next = index;
            flatten(
                &ty,
                &param.components,
                vec![first],
                path,
                &mut next,
                &mut raws,
            );
        }
        params.push((
            ParamInfo {
                name: display,
                sol_ty: param.selector_type().into_owned(),
                first_word: index,
                head_words: head,
                dynamic,
                words: Vec::new(),
            },
            start..raws.len(),
        ));
        index = index.saturating_add(head);
    }
    // Names: words whose Solidity name is already snake_case claim theirs first, then the rest
    // in order.
    let mut ns = Namespace::with_reserved(reserved.iter().copied());
    let mut idents: Vec<Option<String>> = vec![None; raws.len()];
    for snake_first in [true, false] {
        for (k, raw) in raws.iter().enumerate() {
            if idents[k].is_none() && raw.already_snake == snake_first {
                idents[k] = Some(ns.alloc(&raw.parts.join("_")));
            }
        }
    }
    let words: Vec<ParamWord> = raws
        .into_iter()
        .zip(idents)
        .map(|(raw, ident)| {
            let ident = ident.unwrap_or_default();
            ParamWord {
                name: ident.trim_start_matches("r#").to_owned(),
                ident,
                sol_path: raw.sol_path,
                index: raw.index,
                ty: raw.ty,
            }
        })
        .collect();
    let params = params
        .into_iter()
        .map(|(mut info, range)| {
            info.words = words[range].iter().map(|w| w.name.clone()).collect();
            info
        })
        .collect();
    Ok(Layout {
        words,
        params,
        head_words: index,
    })
}

/// A word before its name is allocated.
struct RawWord {
    parts: Vec<String>,
    sol_path: String,
    index: u64,
    ty: WordType,
    /// Whether the Solidity name of its last part is snake_case already.
    already_snake: bool,
}

/// Pushes the words of static `ty`, the first at word `*index`.
fn flatten(
    ty: &DynSolType,
    components: &[Param],
    parts: Vec<String>,
    path: String,
    index: &mut u64,
    out: &mut Vec<RawWord>,
) {
    match ty {
        DynSolType::Tuple(types) | DynSolType::CustomStruct { tuple: types, .. } => {
            for (j, t) in types.iter().enumerate() {
                let comp = components.get(j);
                let name = comp
                    .map(|c| c.name.replace('$', "_"))
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| j.to_string());
                let mut p = parts.clone();
                let s = snake(&name);
                p.push(if s.is_empty() { j.to_string() } else { s });
                flatten(
                    t,
                    comp.map(|c| c.components.as_slice()).unwrap_or_default(),
                    p,
                    format!("{path}.{name}"),
                    index,
                    out,
                );
            }
        }
        DynSolType::FixedArray(inner, n) => {
            for k in 0..*n {
                let mut p = parts.clone();
                p.push(k.to_string());
                flatten(inner, components, p, format!("{path}[{k}]"), index, out);
            }
        }
        other => {
            let ty = match other {
                DynSolType::Address => WordType::Address,
                DynSolType::Bool => WordType::Bool,
                DynSolType::Uint(bits) => WordType::Uint(*bits as u16),
                DynSolType::Int(bits) => WordType::Int(*bits as u16),
                DynSolType::FixedBytes(n) => WordType::FixedBytes(*n as u8),
                DynSolType::Function => WordType::FixedBytes(24),
                // Dynamic types never get here: their parameter has no words.
                _ => WordType::FixedBytes(32),
            };
            let last = path
                .rsplit(['.', '['])
                .next()
                .unwrap_or_default()
                .trim_end_matches(']');
            let already_snake = last.starts_with('#')
                || last.chars().all(|c| c.is_ascii_digit())
                || snake(last) == last;
            out.push(RawWord {
                parts,
                sol_path: path,
                index: *index,
                ty,
                already_snake,
            });
            *index = index.saturating_add(1);
        }
    }
}

/// The head words a value of `ty` occupies.
pub fn head_words(ty: &DynSolType) -> u64 {
    if ty.is_dynamic() {
        return 1;
    }
    match ty {
        DynSolType::Tuple(types) | DynSolType::CustomStruct { tuple: types, .. } => {
            types.iter().map(head_words).fold(0, u64::saturating_add)
        }
        DynSolType::FixedArray(inner, n) => head_words(inner).saturating_mul(*n as u64),
        _ => 1,
    }
}

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

/// Whether `s` is a Rust keyword of any kind.
pub fn is_keyword(s: &str) -> bool {
    RAW_KEYWORDS.contains(&s) || NON_RAW_KEYWORDS.contains(&s)
}

/// Whether `s` can name a Rust module or type as written: an ASCII identifier, not a keyword.
pub fn is_plain_ident(s: &str) -> bool {
    let mut chars = s.chars();
    let first_ok = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_');
    first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') && !is_keyword(s) && s != "_"
}

/// `name` as a Rust identifier: raw (`r#type`) for keywords that allow it, `self_` for those
/// that do not.
pub fn escape(name: &str) -> String {
    if RAW_KEYWORDS.contains(&name) {
        format!("r#{name}")
    } else if NON_RAW_KEYWORDS.contains(&name) {
        format!("{name}_")
    } else {
        name.to_string()
    }
}

/// `snake_case` of a Solidity name (`tokenURI` → `token_uri`); empty if nothing is left.
pub fn snake(name: &str) -> String {
    name.to_snake_case()
}

/// Allocates unique Rust identifiers in one namespace: a name whose identifier is taken gets
/// `_` appended until it is free. Identity is the escaped identifier, so `self` (escaped
/// `self_`) and a Solidity `self_` do not collide into one.
#[derive(Debug, Default, Clone)]
pub struct Namespace {
    used: BTreeSet<String>,
}

impl Namespace {
    /// A namespace where `reserved` identifiers are taken already.
    pub fn with_reserved<'a>(reserved: impl IntoIterator<Item = &'a str>) -> Self {
        Namespace {
            used: reserved.into_iter().map(escape).collect(),
        }
    }

    /// Whether the identifier of `name` is taken.
    pub fn contains(&self, name: &str) -> bool {
        self.used.contains(&escape(name))
    }

    /// A free identifier based on `base` (unescaped), marked taken, returned escaped.
    pub fn alloc(&mut self, base: &str) -> String {
        let mut candidate = base.to_string();
        loop {
            let ident = escape(&candidate);
            if self.used.insert(ident.clone()) {
                return ident;
            }
            candidate.push('_');
        }
    }
}
