//! One call of a batch: target, value and calldata.

use alloy::primitives::{Address, Bytes, U256};
use alloy::sol_types::SolCall;
use serde::{Deserialize, Serialize};

use crate::contracts::SessionAccount;
use crate::policy::Amount;
use crate::units;

/// A call the account makes: `target.call{value}(data)`.
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

    /// Sends `value` with the call.
    pub fn with_value(mut self, value: impl Amount) -> Self {
        self.value = value.into_u256();
        self
    }

    /// The call's selector, when its calldata has one (4 bytes or more).
    pub fn selector(&self) -> Option<[u8; 4]> {
        self.data.get(..4).map(|s| s.try_into().expect("4 bytes"))
    }
}

impl From<&Call> for SessionAccount::Call {
    fn from(call: &Call) -> Self {
        SessionAccount::Call {
            target: call.target,
            value: call.value,
            data: call.data.clone(),
        }
    }
}

impl From<SessionAccount::Call> for Call {
    fn from(call: SessionAccount::Call) -> Self {
        Call {
            target: call.target,
            value: call.value,
            data: call.data,
        }
    }
}
