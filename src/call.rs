//! One call of a batch: target, value and calldata, built in Rust or read from a hand-written
//! JSON form.
//!
//! ```
//! use sessionkit::Call;
//!
//! let calls = Call::list_from_json(r#"[
//!   {"target": "0x3333333333333333333333333333333333333333",
//!    "function": "transfer(address,uint256)",
//!    "args": ["0x4444444444444444444444444444444444444444", "0.5 ether"]},
//!   {"target": "0x4444444444444444444444444444444444444444", "value": "1 gwei"}
//! ]"#)?;
//! assert_eq!(calls[0].selector(), Some([0xa9, 0x05, 0x9c, 0xbb]));
//! # Ok::<(), sessionkit::call::CallError>(())
//! ```

use alloy::dyn_abi::{DynSolType, JsonAbiExt, Specifier};
use alloy::json_abi::Function;
use alloy::primitives::{Address, Bytes, U256};
use alloy::sol_types::SolCall;
use serde::{Deserialize, Serialize};

use crate::policy::Amount;
use crate::units;

/// A call the account makes: `target.call{value}(data)`.
///
/// Its serde form is the raw one (`target`, `value`, `data`); [`Call::from_json`] also reads
/// calls written by function signature and arguments.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Call {
    /// The contract or address called.
    pub target: Address,
    /// The native value sent.
    #[serde(with = "units::amount", default)]
    pub value: U256,
    /// The calldata (empty for a plain transfer).
    #[serde(default)]
    pub data: Bytes,
}

/// Why a hand-written call could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", if path.is_empty() { String::new() } else { format!("{path}: ") })]
pub struct CallError {
    /// Where in the JSON (`[1].args[0]`; empty for the document).
    pub path: String,
    /// What is wrong and what was expected.
    pub message: String,
}

/// A call as written by hand: raw `data`, or a `function` signature with `args`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CallForm {
    target: Address,
    #[serde(default, with = "units::amount")]
    value: U256,
    #[serde(default)]
    data: Option<Bytes>,
    #[serde(default)]
    function: Option<String>,
    #[serde(default)]
    args: Vec<serde_json::Value>,
}

impl Call {
    /// A call of `call` (an alloy `sol!` call struct) on `target`, without value.
    pub fn contract(target: Address, call: &impl SolCall) -> Self {
        Call {
            target,
            value: U256::ZERO,
            data: call.abi_encode().into(),
        }
    }

    /// A call with raw calldata.
    pub fn raw(target: Address, data: impl Into<Bytes>) -> Self {
        Call {
            target,
            value: U256::ZERO,
            data: data.into(),
        }
    }

    /// A plain value transfer of `value` to `target`.
    pub fn transfer(target: Address, value: impl Amount) -> Self {
        Call {
            target,
            value: value.into_u256(),
            data: Bytes::new(),
        }
    }

    /// A call of the function with Solidity signature `signature` (`"transfer(address,uint256)"`)
    /// on `target`, its arguments written as text: addresses in hex, booleans, numbers (for
    /// `uint` parameters also with units: `"0.5 ether"`), hex bytes, tuples and arrays in
    /// Solidity's literal form (`"[1,2]"`, `"(0x…,5)"`).
    pub fn function(target: Address, signature: &str, args: &[&str]) -> Result<Self, CallError> {
        let args: Vec<serde_json::Value> = args.iter().map(|a| (*a).into()).collect();
        Ok(Call {
            target,
            value: U256::ZERO,
            data: encode_function(signature, &args)
                .map_err(|(path, message)| CallError { path, message })?,
        })
    }

    /// Sends `value` with the call.
    pub fn with_value(mut self, value: impl Amount) -> Self {
        self.value = value.into_u256();
        self
    }

    /// The call's selector, when its calldata has one (4 bytes or more).
    pub fn selector(&self) -> Option<[u8; 4]> {
        self.data.get(..4).and_then(|s| s.try_into().ok())
    }

    /// Reads one call in the hand-written JSON form: `{"target": "0x…", "value": "0.1 ether",
    /// "data": "0x…"}`, or `"function": "transfer(address,uint256)"` with `"args": [...]`
    /// instead of `"data"` (arguments as in [`Call::function`]; JSON numbers and booleans are
    /// taken as written). Errors name the field.
    pub fn from_json(json: &str) -> Result<Self, CallError> {
        let de = &mut serde_json::Deserializer::from_str(json);
        let form: CallForm = serde_path_to_error::deserialize(de).map_err(json_error)?;
        form.encode().map_err(|(field, message)| CallError {
            path: field.unwrap_or_default(),
            message,
        })
    }

    /// Reads a JSON list of calls in the form of [`Call::from_json`]; errors name the entry
    /// (`[2].args[0]: …`).
    pub fn list_from_json(json: &str) -> Result<Vec<Self>, CallError> {
        let de = &mut serde_json::Deserializer::from_str(json);
        let forms: Vec<CallForm> = serde_path_to_error::deserialize(de).map_err(json_error)?;
        forms
            .into_iter()
            .enumerate()
            .map(|(i, form)| {
                form.encode().map_err(|(field, message)| CallError {
                    path: match field {
                        Some(f) => format!("[{i}].{f}"),
                        None => format!("[{i}]"),
                    },
                    message,
                })
            })
            .collect()
    }
}

fn json_error(e: serde_path_to_error::Error<serde_json::Error>) -> CallError {
    let path = e.path().to_string();
    CallError {
        path: if path == "." { String::new() } else { path },
        message: e.into_inner().to_string(),
    }
}

impl CallForm {
    /// The call, or the field that is wrong and why.
    fn encode(self) -> Result<Call, (Option<String>, String)> {
        let data = match (self.data, self.function) {
            (Some(_), Some(_)) => {
                return Err((
                    None,
                    "give either \"data\" or \"function\" with \"args\", not both".into(),
                ))
            }
            (Some(data), None) => {
                if !self.args.is_empty() {
                    return Err((
                        Some("args".into()),
                        "\"args\" needs \"function\" (its signature)".into(),
                    ));
                }
                data
            }
            (None, None) if !self.args.is_empty() => {
                return Err((
                    Some("args".into()),
                    "\"args\" needs \"function\" (its signature)".into(),
                ))
            }
            (None, None) => Bytes::new(),
            (None, Some(signature)) => {
                encode_function(&signature, &self.args).map_err(|(f, m)| (Some(f), m))?
            }
        };
        Ok(Call {
            target: self.target,
            value: self.value,
            data,
        })
    }
}

/// The calldata of `signature` with `args` (strings as Solidity literals, `uint` arguments also
/// as amounts with units), or the field that is wrong (`function`, `args`, `args[i]`) and why.
fn encode_function(signature: &str, args: &[serde_json::Value]) -> Result<Bytes, (String, String)> {
    let function = Function::parse(signature).map_err(|e| {
        (
            "function".to_owned(),
            format!(
                "{signature:?} is not a function signature: {}",
                crate::policy::parser_message(&e)
            ),
        )
    })?;
    if function.inputs.len() != args.len() {
        return Err((
            "args".to_owned(),
            format!(
                "{} takes {} arguments, {} given",
                function.signature(),
                function.inputs.len(),
                args.len()
            ),
        ));
    }
    let mut values = Vec::with_capacity(args.len());
    for (i, (param, arg)) in function.inputs.iter().zip(args).enumerate() {
        let ty: DynSolType = param.resolve().map_err(|e| {
            (
                "function".to_owned(),
                format!("{signature}: parameter {i}: {e}"),
            )
        })?;
        let text = match arg {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let text = if matches!(ty, DynSolType::Uint(_)) {
            units::parse_amount(&text)
                .map(|v| v.to_string())
                .unwrap_or(text)
        } else {
            text
        };
        values.push(ty.coerce_str(&text).map_err(|e| {
            let first = e
                .to_string()
                .lines()
                .next()
                .unwrap_or_default()
                .trim_end_matches(':')
                .to_owned();
            (
                format!("args[{i}]"),
                format!(
                    "{text:?} is not a valid {} for {}: {first}",
                    param.ty,
                    function.signature()
                ),
            )
        })?);
    }
    function
        .abi_encode_input(&values)
        .map(Bytes::from)
        .map_err(|e| ("args".to_owned(), format!("{signature}: {e}")))
}
