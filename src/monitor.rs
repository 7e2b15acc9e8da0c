//! Monitoring: an account's sessions and the calls each session key made, from its events over
//! any RPC endpoint.
//!
//! [`history`] reads the account's `SessionCreated`, `SessionRevoked` and `Executed` events over
//! a block range in pages of `eth_getLogs` (nodes cap the range or the size of one answer), then
//! attributes every executed call to the key that made it. `Executed` carries no signer (the
//! interface fixes it), so each call's transaction is decoded:
//!
//! - `execute` sent to the account: the transaction's sender (the owner: the account itself
//!   for a smart EOA, see [`owner_from_code`] for a factory account);
//! - `executeWithSig`: the signer recovered from the signature over the wrapped calls;
//! - `handleOps` on the EntryPoint: the calls belong to the user operation whose
//!   `UserOperationEvent` follows them, and the signer is recovered from that operation's
//!   signature over its hash;
//! - anything else (a contract that calls the account): [`Route::Unknown`], no signer.

use std::collections::BTreeMap;

use alloy::primitives::{Address, Bytes, FixedBytes, Signature, B256, U256};
use alloy::providers::Provider;
use alloy::rpc::types::{Filter, Log};
use alloy::sol_types::{SolCall, SolEvent, SolStruct};
use serde::Serialize;

use crate::client::rpc;
use crate::contracts::SessionAccount;
use crate::error::Error;
use crate::signing;
use crate::userop::{IEntryPoint, ENTRY_POINT};

/// How many blocks one `eth_getLogs` request covers unless told otherwise.
pub const DEFAULT_PAGE: u64 = 5_000;

/// What happened to a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// `SessionCreated`: a grant.
    Created,
    /// `SessionRevoked`: a revocation (the signer is burned).
    Revoked,
}

/// One `SessionCreated` or `SessionRevoked` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionEvent {
    /// Grant or revocation.
    pub kind: EventKind,
    /// The session key.
    pub signer: Address,
    /// The block it was mined in.
    pub block: u64,
    /// The transaction.
    pub tx: B256,
}

/// How a call reached the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// A transaction calling `execute` on the account.
    Execute,
    /// A transaction calling `executeWithSig`.
    ExecuteWithSig,
    /// A user operation in `handleOps`.
    UserOp,
    /// Something else called the account: the signer is not known.
    Unknown,
}

/// One call the account executed (an `Executed` event), with who made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallRecord {
    /// The block.
    pub block: u64,
    /// The transaction.
    pub tx: B256,
    /// The key that made it (the account's own address: its owner), when known.
    pub signer: Option<Address>,
    /// How it reached the account.
    pub route: Route,
    /// The call's target.
    pub target: Address,
    /// The value sent.
    #[serde(with = "crate::units::amount")]
    pub value: U256,
    /// The called function's selector (`None` for a plain transfer).
    pub selector: Option<FixedBytes<4>>,
}

/// What [`history`] read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct History {
    /// The session events, in chain order.
    pub events: Vec<SessionEvent>,
    /// The executed calls, in chain order.
    pub calls: Vec<CallRecord>,
    /// How many `eth_getLogs` requests it took.
    pub pages: u64,
}

/// The logs matching `filter` from block `from` to `to` (inclusive), `page` blocks per request.
pub async fn logs_paged(
    provider: &impl Provider,
    filter: &Filter,
    from: u64,
    to: u64,
    page: u64,
) -> Result<(Vec<Log>, u64), Error> {
    let page = page.max(1);
    let mut logs = Vec::new();
    let mut requests = 0;
    let mut start = from;
    while start <= to {
        let end = start.saturating_add(page - 1).min(to);
        let part = provider
            .get_logs(&filter.clone().from_block(start).to_block(end))
            .await
            .map_err(rpc(&format!("reading the logs of blocks {start}..={end}")))?;
        logs.extend(part);
        requests += 1;
        if end == u64::MAX {
            break;
        }
        start = end + 1;
    }
    Ok((logs, requests))
}

/// The sessions' events and the attributed calls of `account` on the chain `chain_id` from
/// block `from` to `to`, `page` blocks per `eth_getLogs`.
pub async fn history(
    provider: &impl Provider,
    account: Address,
    chain_id: u64,
    from: u64,
    to: u64,
    page: u64,
) -> Result<History, Error> {
    let filter = Filter::new().address(account).event_signature(vec![
        SessionAccount::SessionCreated::SIGNATURE_HASH,
        SessionAccount::SessionRevoked::SIGNATURE_HASH,
        SessionAccount::Executed::SIGNATURE_HASH,
    ]);
    let (logs, pages) = logs_paged(provider, &filter, from, to, page).await?;
    let mut out = History {
        pages,
        ..Default::default()
    };
    // Executed logs grouped by transaction, in order.
    let mut executed: BTreeMap<(u64, u64), Vec<Log>> = BTreeMap::new();
    for log in logs {
        let (Some(block), Some(tx)) = (log.block_number, log.transaction_hash) else {
            continue;
        };
        let topic = log.topics().first().copied().unwrap_or_default();
        let signer = log.topics().get(1).map(|t| Address::from_word(*t));
        if topic == SessionAccount::SessionCreated::SIGNATURE_HASH
            || topic == SessionAccount::SessionRevoked::SIGNATURE_HASH
        {
            let kind = if topic == SessionAccount::SessionCreated::SIGNATURE_HASH {
                EventKind::Created
            } else {
                EventKind::Revoked
            };
            if let Some(signer) = signer {
                out.events.push(SessionEvent {
                    kind,
                    signer,
                    block,
                    tx,
                });
            }
        } else {
            let key = (block, log.transaction_index.unwrap_or_default());
            executed.entry(key).or_default().push(log);
        }
    }
    for logs in executed.values() {
        out.calls
            .extend(attribute(provider, account, chain_id, logs).await?);
    }
    Ok(out)
}

/// The calls of one transaction's `Executed` logs, attributed.
async fn attribute(
    provider: &impl Provider,
    account: Address,
    chain_id: u64,
    logs: &[Log],
) -> Result<Vec<CallRecord>, Error> {
    let Some(hash) = logs.first().and_then(|l| l.transaction_hash) else {
        return Ok(Vec::new());
    };
    let block = logs[0].block_number.unwrap_or_default();
    let action = "reading a transaction of the account";
    let tx = provider
        .get_transaction_by_hash(hash)
        .await
        .map_err(rpc(action))?
        .ok_or_else(|| Error::Unexpected {
            action: action.into(),
            message: format!("the node does not know transaction {hash}"),
        })?;
    use alloy::consensus::Transaction as _;
    let input = tx.input().clone();
    let to = tx.to();
    let from = tx.inner.signer();
    let record = |log: &Log, signer: Option<Address>, route: Route| {
        let decoded = SessionAccount::Executed::decode_log_data(log.data()).ok();
        let (target, value, data) = decoded.map(|e| (e.to, e.value, e.data)).unwrap_or((
            Address::ZERO,
            U256::ZERO,
            Bytes::new(),
        ));
        CallRecord {
            block,
            tx: hash,
            signer,
            route,
            target,
            value,
            selector: (data.len() >= 4).then(|| FixedBytes::from_slice(&data[..4])),
        }
    };
    let selector = input.get(..4).map(FixedBytes::<4>::from_slice);
    if to == Some(account) && selector == Some(SessionAccount::executeCall::SELECTOR.into()) {
        return Ok(logs
            .iter()
            .map(|l| record(l, Some(from), Route::Execute))
            .collect());
    }
    if to == Some(account) && selector == Some(SessionAccount::executeWithSigCall::SELECTOR.into())
    {
        let signer = SessionAccount::executeWithSigCall::abi_decode(&input)
            .ok()
            .and_then(|c| {
                let digest = c
                    .wrappedCalls
                    .eip712_signing_hash(&signing::domain(chain_id, account));
                recover(&c.signature, digest)
            });
        return Ok(logs
            .iter()
            .map(|l| record(l, signer, Route::ExecuteWithSig))
            .collect());
    }
    if to == Some(ENTRY_POINT) && selector == Some(IEntryPoint::handleOpsCall::SELECTOR.into()) {
        return attribute_user_ops(provider, account, hash, &input, logs, &record).await;
    }
    Ok(logs
        .iter()
        .map(|l| record(l, None, Route::Unknown))
        .collect())
}

/// The calls of a `handleOps` transaction: each `Executed` log belongs to the user operation
/// whose `UserOperationEvent` (of this account) comes next in the receipt.
async fn attribute_user_ops(
    provider: &impl Provider,
    account: Address,
    hash: B256,
    input: &[u8],
    logs: &[Log],
    record: &dyn Fn(&Log, Option<Address>, Route) -> CallRecord,
) -> Result<Vec<CallRecord>, Error> {
    let action = "reading a bundle's receipt";
    let receipt = provider
        .get_transaction_receipt(hash)
        .await
        .map_err(rpc(action))?
        .ok_or_else(|| Error::Unexpected {
            action: action.into(),
            message: format!("no receipt for {hash}"),
        })?;
    let block = receipt.block_number.unwrap_or_default();
    let ops = IEntryPoint::handleOpsCall::abi_decode(input)
        .map(|c| c.ops)
        .unwrap_or_default();
    // The hash of each of the account's operations, from the EntryPoint at that block.
    let mut signer_of: BTreeMap<B256, Option<Address>> = BTreeMap::new();
    for op in ops.iter().filter(|op| op.sender == account) {
        let op = crate::userop::PackedUserOperation {
            sender: op.sender,
            nonce: op.nonce,
            initCode: op.initCode.clone(),
            callData: op.callData.clone(),
            accountGasLimits: op.accountGasLimits,
            preVerificationGas: op.preVerificationGas,
            gasFees: op.gasFees,
            paymasterAndData: op.paymasterAndData.clone(),
            signature: op.signature.clone(),
        };
        let request = alloy::rpc::types::TransactionRequest::default()
            .to(ENTRY_POINT)
            .input(crate::userop::get_user_op_hash_data(&op).into());
        let data = provider
            .call(request)
            .block(alloy::eips::BlockId::number(block))
            .await
            .map_err(rpc("reading a user operation's hash"))?;
        if let Ok(op_hash) = IEntryPoint::getUserOpHashCall::abi_decode_returns(&data) {
            signer_of.insert(op_hash, recover(&op.signature, op_hash));
        }
    }
    let executed: Vec<u64> = logs.iter().filter_map(|l| l.log_index).collect();
    let mut out = Vec::new();
    let mut pending: Vec<&Log> = Vec::new();
    for log in receipt.inner.logs() {
        if log.address() == account && executed.contains(&log.log_index.unwrap_or(u64::MAX)) {
            if let Some(l) = logs.iter().find(|l| l.log_index == log.log_index) {
                pending.push(l);
            }
            continue;
        }
        if log.address() != ENTRY_POINT {
            continue;
        }
        let Ok(event) = IEntryPoint::UserOperationEvent::decode_log_data(log.data()) else {
            continue;
        };
        if event.sender != account {
            continue;
        }
        let signer = signer_of.get(&event.userOpHash).copied().flatten();
        out.extend(pending.drain(..).map(|l| record(l, signer, Route::UserOp)));
    }
    out.extend(pending.drain(..).map(|l| record(l, None, Route::Unknown)));
    Ok(out)
}

/// The owner of `account` as the account reads it from its code (`code`, from
/// `eth_getCode`): the 20 bytes appended to a factory-deployed clone (65 bytes of code), else the
/// account's own address (a 7702 smart EOA is its own owner).
pub fn owner_from_code(account: Address, code: &[u8]) -> Address {
    const CLONE_CODE_SIZE: usize = 65;
    const CLONE_ARGS_OFFSET: usize = 45;
    if code.len() == CLONE_CODE_SIZE {
        let owner = Address::from_slice(&code[CLONE_ARGS_OFFSET..]);
        if !owner.is_zero() {
            return owner;
        }
    }
    account
}

/// The signer of a 65-byte signature over `digest`, if it is one.
fn recover(signature: &[u8], digest: B256) -> Option<Address> {
    Signature::try_from(signature)
        .ok()?
        .recover_address_from_prehash(&digest)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_owner_is_read_from_the_code_as_the_account_does() {
        let account = Address::repeat_byte(0xaa);
        let owner = Address::repeat_byte(0x0b);
        let mut clone = vec![0x3d; 45];
        clone.extend_from_slice(owner.as_slice());
        assert_eq!(owner_from_code(account, &clone), owner);
        // A 7702 delegation (23 bytes), other code, a zero owner: the account itself.
        let mut delegation = vec![0xef, 0x01, 0x00];
        delegation.extend_from_slice(Address::repeat_byte(0x11).as_slice());
        assert_eq!(owner_from_code(account, &delegation), account);
        assert_eq!(owner_from_code(account, &[0x60; 100]), account);
        assert_eq!(owner_from_code(account, &[0u8; 65]), account);
    }
}
