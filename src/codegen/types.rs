//! The Solidity types of an ABI, parsed from `alloy::json_abi::Param`s: canonical signatures,
//! `sol!` declarations, Rust types, and the head words a call's parameters occupy.

use alloy::json_abi::{InternalType, Param};

/// Parameters with more head words than this get no per-word constraint methods (their words
/// are still counted, so later parameters keep their indexes).
pub(crate) const MAX_WORDS_PER_PARAM: u64 = 64;

/// A Solidity type as the generator needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Ty {
    Address,
    Bool,
    Uint(u16),
    Int(u16),
    FixedBytes(u8),
    Bytes,
    String,
    /// The external function type (an address and a selector, encoded as `bytes24`).
    Function,
    Array(Box<Ty>, Option<u64>),
    Tuple(Box<TupleTy>),
}

/// A tuple: a named struct (`struct Lib.Name`) or an anonymous tuple.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TupleTy {
    pub struct_ref: Option<StructRef>,
    pub fields: Vec<Field>,
}

/// A member of a tuple or struct.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Field {
    /// The Solidity name (`$` already mapped to `_`); may be empty in anonymous tuples.
    pub name: String,
    pub ty: Ty,
    /// `enum Lib.Name` when the ABI's internal type says so (the ABI type is `uint8`).
    pub enum_name: Option<String>,
}

/// A struct's qualified name: `SessionLib.CallSpec` is `lib: Some("SessionLib")`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct StructRef {
    pub lib: Option<String>,
    pub name: String,
}

impl StructRef {
    /// `SessionLib.CallSpec`, or `CallSpec` without a library.
    pub fn qualified(&self) -> String {
        match &self.lib {
            Some(lib) => format!("{lib}.{}", self.name),
            None => self.name.clone(),
        }
    }
}

/// The kind of 32-byte word a static elementary value occupies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WordKind {
    Address,
    Bool,
    Uint,
    Int,
    Bytes(u8),
}

/// One head word of a static parameter that a constraint can compare.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Word {
    /// Name parts: `["order", "amount"]` for `order.amount`, `["path", "0"]` for `path[0]`.
    pub parts: Vec<String>,
    /// The Solidity path: `order.amount`, `path[0]`.
    pub sol_path: String,
    /// The Solidity type of the word's value.
    pub sol_ty: String,
    /// The word index relative to the parameter's first head word.
    pub offset: u64,
    pub kind: WordKind,
}

/// Replaces `$` (valid in Solidity identifiers, not in Rust tokens) with `_`.
pub(crate) fn map_dollar(name: &str) -> String {
    name.replace('$', "_")
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

impl Ty {
    /// Parses a parameter (its `type`, `components` and `internalType`).
    pub fn from_param(param: &Param) -> Result<Ty, String> {
        parse_ty(&param.ty, &param.components, param.internal_type.as_ref())
    }

    /// The canonical ABI type, as in signatures: `(address,uint256)[]`.
    pub fn canonical(&self) -> String {
        match self {
            Ty::Address => "address".into(),
            Ty::Bool => "bool".into(),
            Ty::Uint(bits) => format!("uint{bits}"),
            Ty::Int(bits) => format!("int{bits}"),
            Ty::FixedBytes(n) => format!("bytes{n}"),
            Ty::Bytes => "bytes".into(),
            Ty::String => "string".into(),
            Ty::Function => "function".into(),
            Ty::Array(inner, size) => format!("{}{}", inner.canonical(), array_suffix(*size)),
            Ty::Tuple(tuple) => {
                let fields: Vec<String> = tuple.fields.iter().map(|f| f.ty.canonical()).collect();
                format!("({})", fields.join(","))
            }
        }
    }

    /// Whether the type is dynamic in the ABI encoding (it then occupies one head word, an
    /// offset).
    pub fn is_dynamic(&self) -> bool {
        match self {
            Ty::Bytes | Ty::String | Ty::Array(_, None) => true,
            Ty::Array(inner, Some(_)) => inner.is_dynamic(),
            Ty::Tuple(tuple) => tuple.fields.iter().any(|f| f.ty.is_dynamic()),
            _ => false,
        }
    }

    /// The number of head words the type occupies (saturating).
    pub fn head_words(&self) -> u64 {
        if self.is_dynamic() {
            return 1;
        }
        match self {
            Ty::Array(inner, Some(n)) => inner.head_words().saturating_mul(*n),
            Ty::Tuple(tuple) => tuple
                .fields
                .iter()
                .fold(0u64, |acc, f| acc.saturating_add(f.ty.head_words())),
            _ => 1,
        }
    }

    /// The head words of a static type, flattened in encoding order; `None` if the type is
    /// dynamic or has more than [`MAX_WORDS_PER_PARAM`] words.
    pub fn words(&self, name: &str) -> Option<Vec<Word>> {
        if self.is_dynamic() || self.head_words() > MAX_WORDS_PER_PARAM {
            return None;
        }
        let mut out = Vec::new();
        self.push_words(vec![name.to_string()], name.to_string(), &mut 0, &mut out);
        Some(out)
    }

    fn push_words(&self, parts: Vec<String>, path: String, next: &mut u64, out: &mut Vec<Word>) {
        let kind = match self {
            Ty::Address => WordKind::Address,
            Ty::Bool => WordKind::Bool,
            Ty::Uint(_) => WordKind::Uint,
            Ty::Int(_) => WordKind::Int,
            Ty::FixedBytes(n) => WordKind::Bytes(*n),
            Ty::Function => WordKind::Bytes(24),
            Ty::Array(inner, Some(n)) => {
                for i in 0..*n {
                    let mut p = parts.clone();
                    p.push(i.to_string());
                    inner.push_words(p, format!("{path}[{i}]"), next, out);
                }
                return;
            }
            Ty::Tuple(tuple) => {
                for (i, field) in tuple.fields.iter().enumerate() {
                    let segment = if field.name.is_empty() {
                        i.to_string()
                    } else {
                        field.name.clone()
                    };
                    let mut p = parts.clone();
                    p.push(segment.clone());
                    field
                        .ty
                        .push_words(p, format!("{path}.{segment}"), next, out);
                }
                return;
            }
            // Dynamic types never reach here (`words` checks first).
            Ty::Bytes | Ty::String | Ty::Array(_, None) => return,
        };
        out.push(Word {
            parts,
            sol_path: path,
            sol_ty: self.canonical(),
            offset: *next,
            kind,
        });
        *next += 1;
    }

    /// Every struct this type mentions, innermost first.
    pub fn structs<'a>(&'a self, out: &mut Vec<&'a TupleTy>) {
        match self {
            Ty::Array(inner, _) => inner.structs(out),
            Ty::Tuple(tuple) => {
                for field in &tuple.fields {
                    field.ty.structs(out);
                }
                if tuple.struct_ref.is_some() {
                    out.push(tuple);
                }
            }
            _ => {}
        }
    }
}

fn array_suffix(size: Option<u64>) -> String {
    match size {
        Some(n) => format!("[{n}]"),
        None => "[]".into(),
    }
}

fn parse_ty(ty: &str, components: &[Param], internal: Option<&InternalType>) -> Result<Ty, String> {
    let (stem, suffixes) = split_array_suffixes(ty)?;
    let base = if stem == "tuple" {
        if components.is_empty() {
            return Err(format!("type `{ty}` has no components"));
        }
        let mut fields = Vec::with_capacity(components.len());
        for component in components {
            let name = map_dollar(&component.name);
            if !component.name.is_empty() && !is_sol_identifier(&component.name) {
                return Err(format!("`{}` is not a Solidity identifier", component.name));
            }
            fields.push(Field {
                name,
                ty: Ty::from_param(component)?,
                enum_name: enum_name(component.internal_type.as_ref()),
            });
        }
        let struct_ref = match internal {
            Some(InternalType::Struct { contract, ty }) => Some(struct_ref(contract, ty)?),
            _ => None,
        };
        Ty::Tuple(Box::new(TupleTy { struct_ref, fields }))
    } else {
        if !components.is_empty() {
            return Err(format!("type `{ty}` has components but is not a tuple"));
        }
        parse_elementary(stem).ok_or_else(|| format!("unsupported type `{ty}`"))?
    };
    Ok(suffixes
        .into_iter()
        .fold(base, |inner, size| Ty::Array(Box::new(inner), size)))
}

/// `uint256[2][]` → (`uint256`, `[Some(2), None]`), innermost first.
fn split_array_suffixes(ty: &str) -> Result<(&str, Vec<Option<u64>>), String> {
    let stem_end = ty.find('[').unwrap_or(ty.len());
    let stem = &ty[..stem_end];
    let mut rest = &ty[stem_end..];
    let mut suffixes = Vec::new();
    while !rest.is_empty() {
        let close = rest
            .find(']')
            .filter(|_| rest.starts_with('['))
            .ok_or_else(|| format!("malformed array type `{ty}`"))?;
        let inside = &rest[1..close];
        if inside.is_empty() {
            suffixes.push(None);
        } else {
            let valid_digits =
                inside.bytes().all(|b| b.is_ascii_digit()) && !inside.starts_with('0');
            let size = inside
                .parse::<u64>()
                .ok()
                .filter(|_| valid_digits)
                .ok_or_else(|| {
                    format!("array size `{inside}` in `{ty}` is not a positive integer")
                })?;
            suffixes.push(Some(size));
        }
        rest = &rest[close + 1..];
    }
    Ok((stem, suffixes))
}

fn parse_elementary(stem: &str) -> Option<Ty> {
    let bits = |digits: &str| -> Option<u16> {
        if digits.is_empty() {
            return Some(256);
        }
        if digits.starts_with('0') {
            return None;
        }
        let n: u16 = digits.parse().ok()?;
        (n.is_multiple_of(8) && (8..=256).contains(&n)).then_some(n)
    };
    Some(match stem {
        "address" => Ty::Address,
        "bool" => Ty::Bool,
        "bytes" => Ty::Bytes,
        "string" => Ty::String,
        "function" => Ty::Function,
        s if s.starts_with("uint") => Ty::Uint(bits(&s[4..])?),
        s if s.starts_with("int") => Ty::Int(bits(&s[3..])?),
        s if s.starts_with("bytes") => {
            let digits = &s[5..];
            if digits.starts_with('0') {
                return None;
            }
            let n: u8 = digits.parse().ok()?;
            if !(1..=32).contains(&n) {
                return None;
            }
            Ty::FixedBytes(n)
        }
        _ => return None,
    })
}

fn struct_ref(contract: &Option<String>, ty: &str) -> Result<StructRef, String> {
    let name = ty.split('[').next().unwrap_or_default();
    if !is_sol_identifier(name) {
        return Err(format!("struct name `{ty}` is not a Solidity identifier"));
    }
    let lib = match contract {
        Some(lib) if !is_sol_identifier(lib) => {
            return Err(format!(
                "struct qualifier `{lib}` is not a Solidity identifier"
            ));
        }
        Some(lib) => Some(map_dollar(lib)),
        None => None,
    };
    Ok(StructRef {
        lib,
        name: map_dollar(name),
    })
}

fn enum_name(internal: Option<&InternalType>) -> Option<String> {
    match internal {
        Some(InternalType::Enum { contract, ty }) => Some(match contract {
            Some(c) => format!("{c}.{ty}"),
            None => ty.clone(),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(s: &str) -> Ty {
        let param: Param =
            serde_json::from_str(&format!(r#"{{"name":"x","type":"{s}"}}"#)).unwrap();
        Ty::from_param(&param).unwrap()
    }

    #[test]
    fn canonical_and_words() {
        assert_eq!(ty("uint").canonical(), "uint256");
        assert_eq!(ty("uint8[2][]").canonical(), "uint8[2][]");
        assert!(ty("uint8[2][]").is_dynamic());
        assert_eq!(ty("uint8[2][3]").head_words(), 6);
        assert!(!ty("bytes32[2]").is_dynamic());
        let words = ty("bytes4[2]").words("p").unwrap();
        assert_eq!(words[1].sol_path, "p[1]");
        assert_eq!(words[1].kind, WordKind::Bytes(4));
        assert_eq!(ty("uint256[65]").words("p"), None);
        assert_eq!(
            ty("uint256[4294967296][4294967296][4294967296]").head_words(),
            u64::MAX
        );
    }

    #[test]
    fn rejects_bad_types() {
        for bad in [
            "uint7",
            "uint264",
            "bytes0",
            "bytes33",
            "int08",
            "foo",
            "uint256[0]",
            "uint[",
            "uint]",
        ] {
            let param: Param =
                match serde_json::from_str(&format!(r#"{{"name":"x","type":"{bad}"}}"#)) {
                    Ok(p) => p,
                    Err(_) => continue,
                };
            assert!(Ty::from_param(&param).is_err(), "{bad}");
        }
    }
}
