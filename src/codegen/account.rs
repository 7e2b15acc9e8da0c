//! The account module: alloy bindings of the account's ABI, after checking that the ABI has
//! the session-key interface (`docs/interface.md`): its functions and errors by signature, and
//! its structs by name where the ABI records internal types.

use std::collections::BTreeSet;

use crate::codegen::analysis::Analyzed;
use crate::codegen::error::{Error, Result};
use crate::codegen::input::LoadedAbi;

/// The interface's functions, by signature.
pub(crate) const INTERFACE_FUNCTIONS: &[&str] = &[
    "createSessionWithSig((address,bool,uint256,(address,bytes4,uint256,(uint8,uint256,uint256),(uint8,uint64,bytes32,(uint8,uint256,uint256))[])[],(address,uint256,(uint8,uint256,uint256))[],bytes32),bytes)",
    "eip712Domain()",
    "execute((address,uint256,bytes)[])",
    "executeWithSig(((address,uint256,bytes)[],bytes32),bytes)",
    "getCallPoliciesForSigner(address)",
    "getSessionExpirationForSigner(address)",
    "getSessionStateForSigner(address)",
    "getTransferPoliciesForSigner(address)",
    "isWildcardSigner(address)",
    "onERC1155BatchReceived(address,address,uint256[],uint256[],bytes)",
    "onERC1155Received(address,address,uint256,uint256,bytes)",
    "onERC721Received(address,address,uint256,bytes)",
    "supportsInterface(bytes4)",
];

/// The interface's errors, by signature.
pub(crate) const INTERFACE_ERRORS: &[&str] = &[
    "AllowanceExceeded(uint256,uint256,uint64)",
    "CallPolicyViolated(address,bytes4)",
    "CallReverted()",
    "ConditionFailed(bytes32,bytes32,uint8)",
    "InvalidDataLength(uint256,uint256)",
    "InvalidSignature(address,address)",
    "LifetimeUsageExceeded(uint256,uint256)",
    "MaxValueExceeded(uint256,uint256)",
    "NoCallsToExecute()",
    "SessionExpired()",
    "SessionExpiresTooSoon()",
    "SessionZeroSigner()",
    "TransferPolicyViolated(address)",
    "UIDAlreadyProcessed()",
];

/// The interface's structs, by their unqualified name.
pub(crate) const INTERFACE_STRUCTS: &[&str] = &[
    "Call",
    "CallSpec",
    "Constraint",
    "LimitState",
    "SessionSpec",
    "SessionState",
    "TransferSpec",
    "UsageLimit",
    "WrappedCalls",
];

/// Checks that `analyzed` has the interface; the error names what is missing.
pub(crate) fn check_interface(loaded: &LoadedAbi, analyzed: &Analyzed) -> Result<()> {
    let abi = &analyzed.abi;
    let functions: BTreeSet<String> = abi.functions().map(|f| f.signature()).collect();
    let errors: BTreeSet<String> = abi.errors().map(|e| e.signature()).collect();
    let mut structs = BTreeSet::new();
    let mut any_internal_type = false;
    let mut visit = |params: &[alloy::json_abi::Param]| {
        fn walk(params: &[alloy::json_abi::Param], structs: &mut BTreeSet<String>, any: &mut bool) {
            for p in params {
                if let Some(alloy::json_abi::InternalType::Struct { ty, .. }) = &p.internal_type {
                    *any = true;
                    structs.insert(ty.split('[').next().unwrap_or(ty).to_owned());
                } else if p.internal_type.is_some() {
                    *any = true;
                }
                walk(&p.components, structs, any);
            }
        }
        walk(params, &mut structs, &mut any_internal_type);
    };
    for f in abi.functions() {
        visit(&f.inputs);
        visit(&f.outputs);
    }
    let mut missing: Vec<String> = Vec::new();
    missing.extend(
        INTERFACE_FUNCTIONS
            .iter()
            .filter(|s| !functions.contains(**s))
            .map(|s| format!("function {s}")),
    );
    missing.extend(
        INTERFACE_ERRORS
            .iter()
            .filter(|s| !errors.contains(**s))
            .map(|s| format!("error {s}")),
    );
    if any_internal_type {
        missing.extend(
            INTERFACE_STRUCTS
                .iter()
                .filter(|s| !structs.contains(**s))
                .map(|s| format!("struct {s}")),
        );
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error::NotAnAccount {
        input: loaded.source.clone(),
        missing: if missing.len() > 3 {
            format!("{} and {} more", missing[..3].join(", "), missing.len() - 3)
        } else {
            missing.join(", ")
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lists are the interface's: `tests/fixtures/minimal-account.abi.json`.
    #[test]
    fn the_lists_are_the_interface_fixture() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/minimal-account.abi.json"
        ))
        .unwrap();
        let abi: alloy::json_abi::JsonAbi = serde_json::from_str(&text).unwrap();
        let functions: BTreeSet<String> = abi.functions().map(|f| f.signature()).collect();
        let errors: BTreeSet<String> = abi.errors().map(|e| e.signature()).collect();
        assert_eq!(
            functions,
            INTERFACE_FUNCTIONS.iter().map(|s| s.to_string()).collect()
        );
        assert_eq!(
            errors,
            INTERFACE_ERRORS.iter().map(|s| s.to_string()).collect()
        );
    }
}
