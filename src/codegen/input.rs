//! Reading ABIs: a plain JSON ABI array, a compiler artifact with an `abi` key (Foundry,
//! Hardhat, Truffle), or an in-memory `JsonAbi`.

use std::path::{Path, PathBuf};

use alloy::json_abi::JsonAbi;
use alloy::primitives::Bytes;
use heck::ToUpperCamelCase;

use crate::codegen::error::{one_line, Error, Result, Source};
use crate::params::is_plain_ident;

/// Where an ABI comes from.
#[derive(Debug, Clone)]
pub(crate) enum AbiInput {
    Path(PathBuf),
    Json(Box<JsonAbi>),
    /// sessionkit's own account artifact.
    Bundled,
}

/// An ABI read and named.
#[derive(Debug, Clone)]
pub(crate) struct LoadedAbi {
    pub module: String,
    pub source: Source,
    /// The `sol!` interface name.
    pub contract: String,
    pub abi: JsonAbi,
    /// The creation bytecode of an artifact that has it (linked).
    pub bytecode: Option<Bytes>,
    /// Its runtime bytecode, when the artifact has it too.
    pub deployed_bytecode: Option<Bytes>,
}

impl LoadedAbi {
    /// The bytecode for the bindings: creation code and, when known, runtime code.
    pub fn bytecode(&self) -> Option<(&Bytes, Option<&Bytes>)> {
        self.bytecode
            .as_ref()
            .map(|b| (b, self.deployed_bytecode.as_ref()))
    }
}

impl AbiInput {
    pub fn source(&self, module: &str) -> Source {
        match self {
            AbiInput::Path(path) => Source::File(path.clone()),
            AbiInput::Json(_) => Source::Memory {
                module: module.to_string(),
            },
            AbiInput::Bundled => Source::Bundled,
        }
    }

    pub fn path(&self) -> Option<&Path> {
        match self {
            AbiInput::Path(path) => Some(path),
            AbiInput::Json(_) | AbiInput::Bundled => None,
        }
    }

    /// Reads and parses the ABI, naming its interface `contract` or, by default, after the
    /// file (`ERC20.json` → `ERC20`, `session-account.abi.json` → `SessionAccount`) or the
    /// module (`erc20` → `Erc20`) for in-memory ABIs.
    pub fn load(&self, module: &str, contract: Option<&str>) -> Result<LoadedAbi> {
        let source = self.source(module);
        let (abi, bytecode, deployed_bytecode) = match self {
            AbiInput::Path(path) => {
                let text = std::fs::read(path).map_err(|e| Error::Read {
                    path: path.clone(),
                    source: e,
                })?;
                let abi = parse_abi(&text, &source)?;
                let (creation, deployed) = artifact_bytecode(&text);
                (abi, creation, deployed)
            }
            AbiInput::Json(abi) => ((**abi).clone(), None, None),
            AbiInput::Bundled => {
                let text = crate::contracts::session_account::ARTIFACT.as_bytes();
                let (creation, deployed) = artifact_bytecode(text);
                (parse_abi(text, &source)?, creation, deployed)
            }
        };
        let contract = match (contract, self) {
            (Some(name), _) => name.to_string(),
            (None, AbiInput::Bundled) => "SessionAccount".to_string(),
            (None, _) => default_contract_name(self.path(), module),
        };
        if !is_plain_ident(&contract) || contract.contains('$') {
            return Err(Error::InvalidContractName {
                input: source,
                name: contract,
            });
        }
        Ok(LoadedAbi {
            module: module.to_string(),
            source,
            contract,
            abi,
            bytecode,
            deployed_bytecode,
        })
    }
}

fn default_contract_name(path: Option<&Path>, module: &str) -> String {
    let stem = path
        .and_then(Path::file_name)
        .and_then(|f| f.to_str())
        .and_then(|f| f.split('.').next())
        .unwrap_or_default();
    if is_plain_ident(stem) {
        return stem.to_string();
    }
    let camel = stem.to_upper_camel_case();
    if is_plain_ident(&camel) {
        return camel;
    }
    module.to_upper_camel_case()
}

/// Parses an ABI: a JSON array of ABI items, or an object with an `abi` key holding one.
pub(crate) fn parse_abi(text: &[u8], source: &Source) -> Result<JsonAbi> {
    let value: serde_json::Value = serde_json::from_slice(text).map_err(|e| Error::NotJson {
        input: source.clone(),
        message: one_line(e),
    })?;
    let abi_value = match value {
        serde_json::Value::Array(_) => value,
        serde_json::Value::Object(mut object) => match object.remove("abi") {
            Some(abi @ serde_json::Value::Array(_)) => abi,
            Some(_) => {
                return Err(Error::NotAbi {
                    input: source.clone(),
                    message: "the artifact's \"abi\" is not an array of ABI items".into(),
                })
            }
            None => {
                return Err(Error::ArtifactWithoutAbi {
                    input: source.clone(),
                })
            }
        },
        other => {
            return Err(Error::NotAbi {
                input: source.clone(),
                message: format!(
                    "expected an array of ABI items or an artifact object, found {}",
                    kind(&other)
                ),
            })
        }
    };
    serde_json::from_value::<JsonAbi>(abi_value).map_err(|e| Error::NotAbi {
        input: source.clone(),
        message: one_line(e),
    })
}

fn kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// The linked creation and runtime bytecode of a Foundry or Hardhat artifact (`bytecode` and
/// `deployedBytecode`, each an object with `object` or a hex string); `None` for a plain ABI, an
/// empty bytecode (an interface) or unlinked library placeholders.
fn artifact_bytecode(text: &[u8]) -> (Option<Bytes>, Option<Bytes>) {
    let Ok(serde_json::Value::Object(object)) = serde_json::from_slice::<serde_json::Value>(text)
    else {
        return (None, None);
    };
    let read = |key: &str| -> Option<Bytes> {
        let value = object.get(key)?;
        let hex = match value {
            serde_json::Value::String(s) => s.as_str(),
            other => other.get("object")?.as_str()?,
        };
        let hex = hex.trim_start_matches("0x");
        if hex.is_empty() || hex.contains("__") {
            return None;
        }
        alloy::hex::decode(hex).ok().map(Bytes::from)
    };
    let creation = read("bytecode");
    let deployed = creation.as_ref().and_then(|_| read("deployedBytecode"));
    (creation, deployed)
}
