//! Decoding every custom error of the account from raw revert bytes, and the typed errors the
//! client reports.

use alloy::primitives::{address, Address, FixedBytes, B256, U256};
use alloy::sol_types::SolError;
use sessionkit::contracts::SessionAccount as A;
use sessionkit::error::{Exhausted, RevertContext};
use sessionkit::simulator::{Denied, LimitId, PolicyRef};
use sessionkit::{AccountError, Error};

const ACCOUNT: Address = address!("0x1111111111111111111111111111111111111111");
const KEY: Address = address!("0x2222222222222222222222222222222222222222");

/// Every error of the account's ABI, with distinct arguments, and what it decodes to.
fn all() -> Vec<(Vec<u8>, AccountError)> {
    let u = U256::from;
    vec![
        (
            A::UIDAlreadyProcessed {}.abi_encode(),
            AccountError::UidAlreadyProcessed,
        ),
        (
            A::InvalidSignature {
                msgSender: KEY,
                thisAddress: ACCOUNT,
            }
            .abi_encode(),
            AccountError::InvalidSignature {
                msg_sender: KEY,
                this_address: ACCOUNT,
            },
        ),
        (
            A::SessionZeroSigner {}.abi_encode(),
            AccountError::SessionZeroSigner,
        ),
        (
            A::SessionExpiresTooSoon {}.abi_encode(),
            AccountError::SessionExpiresTooSoon,
        ),
        (
            A::SessionExpired {}.abi_encode(),
            AccountError::SessionExpired,
        ),
        (
            A::NoCallsToExecute {}.abi_encode(),
            AccountError::NoCallsToExecute,
        ),
        (A::CallReverted {}.abi_encode(), AccountError::CallReverted),
        (
            A::CallPolicyViolated {
                target: KEY,
                selector: FixedBytes([1, 2, 3, 4]),
            }
            .abi_encode(),
            AccountError::CallPolicyViolated {
                target: KEY,
                selector: FixedBytes([1, 2, 3, 4]),
            },
        ),
        (
            A::TransferPolicyViolated { target: KEY }.abi_encode(),
            AccountError::TransferPolicyViolated { target: KEY },
        ),
        (
            A::MaxValueExceeded {
                value: u(7),
                maxValuePerUse: u(5),
            }
            .abi_encode(),
            AccountError::MaxValueExceeded {
                value: u(7),
                max_value_per_use: u(5),
            },
        ),
        (
            A::LifetimeUsageExceeded {
                lifetimeUsage: u(9),
                limit: u(10),
            }
            .abi_encode(),
            AccountError::LifetimeUsageExceeded {
                lifetime_usage: u(9),
                limit: u(10),
            },
        ),
        (
            A::AllowanceExceeded {
                allowanceUsage: u(3),
                limit: u(4),
                period: 19_000,
            }
            .abi_encode(),
            AccountError::AllowanceExceeded {
                allowance_usage: u(3),
                limit: u(4),
                window: 19_000,
            },
        ),
        (
            A::InvalidDataLength {
                actualLength: u(4),
                expectedLength: u(36),
            }
            .abi_encode(),
            AccountError::InvalidDataLength {
                actual_length: u(4),
                expected_length: u(36),
            },
        ),
        (
            A::ConditionFailed {
                param: B256::repeat_byte(1),
                refValue: B256::repeat_byte(2),
                condition: 5,
            }
            .abi_encode(),
            AccountError::ConditionFailed {
                param: B256::repeat_byte(1),
                ref_value: B256::repeat_byte(2),
                condition: 5,
            },
        ),
        (
            A::SessionSelfCallForbidden {}.abi_encode(),
            AccountError::SessionSelfCallForbidden,
        ),
        (
            A::AllowanceWithoutPeriod {
                transfer: true,
                policy: u(1),
                constraint: U256::MAX,
            }
            .abi_encode(),
            AccountError::AllowanceWithoutPeriod {
                transfer: true,
                policy: u(1),
                constraint: U256::MAX,
            },
        ),
        (
            A::SessionSpecTooLarge {
                encodedSize: u(30_000),
                maxSize: u(24_575),
            }
            .abi_encode(),
            AccountError::SessionSpecTooLarge {
                encoded_size: u(30_000),
                max_size: u(24_575),
            },
        ),
        (
            A::SessionNotFound { signer: KEY }.abi_encode(),
            AccountError::SessionNotFound { signer: KEY },
        ),
        (
            A::SessionStorageFailed {
                encodedSize: u(100),
            }
            .abi_encode(),
            AccountError::SessionStorageFailed {
                encoded_size: u(100),
            },
        ),
        (
            A::OnlyAccount { msgSender: KEY }.abi_encode(),
            AccountError::OnlyAccount { msg_sender: KEY },
        ),
        (
            A::OnlyEntryPoint { msgSender: KEY }.abi_encode(),
            AccountError::OnlyEntryPoint { msg_sender: KEY },
        ),
        (
            A::SessionIsWildcard { signer: KEY }.abi_encode(),
            AccountError::SessionIsWildcard { signer: KEY },
        ),
        (
            A::SessionPaymasterNotAllowed {
                signer: KEY,
                paymaster: KEY,
            }
            .abi_encode(),
            AccountError::SessionPaymasterNotAllowed {
                signer: KEY,
                paymaster: KEY,
            },
        ),
        (
            A::TooManySessionPaymasters {
                signer: KEY,
                max: u(4),
            }
            .abi_encode(),
            AccountError::TooManySessionPaymasters {
                signer: KEY,
                max: u(4),
            },
        ),
        (
            A::CallStarved {
                index: u(1),
                gasBefore: u(64_000),
                gasLeft: u(900),
            }
            .abi_encode(),
            AccountError::CallStarved {
                index: 1,
                gas_before: 64_000,
                gas_left: 900,
            },
        ),
        (
            A::SignerRevoked { signer: KEY }.abi_encode(),
            AccountError::SignerRevoked { signer: KEY },
        ),
    ]
}

#[test]
fn every_account_error_decodes_from_raw_bytes() {
    let cases = all();
    // One case per error of the compiled ABI: a new error without a case fails here.
    assert_eq!(cases.len(), A::SessionAccountErrors::SELECTORS.len());
    for (data, want) in cases {
        let got =
            AccountError::decode(&data).unwrap_or_else(|| panic!("{} did not decode", want.name()));
        assert_eq!(got, want);
        let text = got.to_string();
        assert!(text.starts_with(want.name()), "{text}");
        assert!(!text.contains('\n'), "one line: {text}");
        assert!(text.contains("; "), "names a next step: {text}");
    }
}

#[test]
fn selectors_match_compat() {
    let table: [([u8; 4], &str); 14] = [
        ([0x26, 0x74, 0x84, 0x93], "UIDAlreadyProcessed"),
        ([0x42, 0xd7, 0x50, 0xdc], "InvalidSignature"),
        ([0x8c, 0x2b, 0xae, 0x88], "SessionZeroSigner"),
        ([0x4a, 0xff, 0xf4, 0xa5], "SessionExpiresTooSoon"),
        ([0x1f, 0xd0, 0x5a, 0x4a], "SessionExpired"),
        ([0xf4, 0xa0, 0x81, 0x4c], "NoCallsToExecute"),
        ([0xbb, 0xdf, 0x0a, 0x77], "CallReverted"),
        ([0x31, 0x43, 0x0d, 0x1c], "CallPolicyViolated"),
        ([0x18, 0xee, 0x80, 0xe7], "TransferPolicyViolated"),
        ([0x3f, 0xd6, 0x56, 0x09], "MaxValueExceeded"),
        ([0x5d, 0xd5, 0x5f, 0xf1], "LifetimeUsageExceeded"),
        ([0xa4, 0x94, 0x69, 0x5a], "AllowanceExceeded"),
        ([0x78, 0xef, 0x80, 0x24], "InvalidDataLength"),
        ([0xa5, 0x76, 0x56, 0x94], "ConditionFailed"),
    ];
    for (selector, name) in table {
        let (data, error) = all()
            .into_iter()
            .find(|(d, _)| d[..4] == selector)
            .unwrap_or_else(|| panic!("no error with selector of {name}"));
        assert_eq!(error.name(), name);
        assert_eq!(AccountError::decode(&data).map(|e| e.name()), Some(name));
    }
}

#[test]
fn garbage_is_not_an_account_error() {
    assert_eq!(AccountError::decode(&[]), None);
    assert_eq!(AccountError::decode(&[0x42, 0xd7, 0x50]), None);
    assert_eq!(
        AccountError::decode(&A::MaxValueExceeded::SELECTOR),
        None,
        "arguments missing"
    );
    let err = Error::from_revert(
        &[0xde, 0xad, 0xbe, 0xef],
        &RevertContext {
            account: ACCOUNT,
            ..Default::default()
        },
    );
    assert!(
        matches!(&err, Error::Reverted { data, reason: None, .. } if data.len() == 4),
        "{err}"
    );
    // Error(string) from some other contract.
    let data = alloy::sol_types::Revert::from("nope").abi_encode();
    let err = Error::from_revert(
        &data,
        &RevertContext {
            account: ACCOUNT,
            ..Default::default()
        },
    );
    assert!(err.to_string().contains("nope"), "{err}");
}

#[test]
fn invalid_signature_says_who_was_expected_and_who_signed() {
    let data = A::InvalidSignature {
        msgSender: KEY,
        thisAddress: ACCOUNT,
    }
    .abi_encode();
    let ctx = RevertContext {
        account: ACCOUNT,
        expected_signer: Some(ACCOUNT),
        ..Default::default()
    };
    let err = Error::from_revert(&data, &ctx);
    assert!(matches!(
        err,
        Error::InvalidSignature {
            expected: Some(ACCOUNT),
            recovered: KEY,
            ..
        }
    ));
    let text = err.to_string();
    assert!(
        text.contains(&format!("expected {ACCOUNT}, recovered {KEY}")),
        "{text}"
    );
    assert!(text.contains("sign with"), "{text}");
}

#[test]
fn limit_errors_carry_what_is_left_and_when_it_resets() {
    let data = A::AllowanceExceeded {
        allowanceUsage: U256::from(100),
        limit: U256::from(150),
        period: 10,
    }
    .abi_encode();
    let denied = Denied {
        call: Some(1),
        policy: Some(PolicyRef::Call(0)),
        constraint: Some(1),
        limit: Some(LimitId::Constraint(0, 1)),
        error: AccountError::decode(&data).unwrap(),
    };
    let ctx = RevertContext {
        account: ACCOUNT,
        denied: Some(denied),
        allowance_period: Some(3600),
        ..Default::default()
    };
    let err = Error::from_revert(&data, &ctx);
    match &err {
        Error::LimitExhausted {
            exhausted, denied, ..
        } => {
            assert_eq!(
                exhausted,
                &Exhausted::Allowance {
                    used: U256::from(100),
                    limit: U256::from(150),
                    window: 10,
                    resets_at: Some(39_600)
                }
            );
            assert_eq!(exhausted.remaining(), U256::from(50));
            assert_eq!(denied.limit, Some(LimitId::Constraint(0, 1)));
        }
        other => panic!("{other}"),
    }
    assert_eq!(err.limit(), Some(LimitId::Constraint(0, 1)));
    assert_eq!(err.policy(), Some(PolicyRef::Call(0)));
    let text = err.to_string();
    assert!(
        text.contains("call 1 (call_policies[0].constraints[1].limit)"),
        "{text}"
    );
    assert!(
        text.contains("50 is left") && text.contains("resets at unix time 39600"),
        "{text}"
    );
}

#[test]
fn a_simulator_account_that_disagrees_with_the_chain_is_ignored() {
    let data = A::SessionSelfCallForbidden {}.abi_encode();
    let wrong = Denied {
        call: Some(3),
        policy: None,
        constraint: None,
        limit: None,
        error: AccountError::SessionExpired,
    };
    let err = Error::from_revert(
        &data,
        &RevertContext {
            account: ACCOUNT,
            denied: Some(wrong),
            ..Default::default()
        },
    );
    match err {
        Error::PermissionDenied { denied, .. } => {
            assert_eq!(denied.error, AccountError::SessionSelfCallForbidden);
            assert_eq!(denied.call, None);
        }
        other => panic!("{other}"),
    }
}

#[test]
fn expiry_names_the_key_and_the_time() {
    let data = A::SessionExpired {}.abi_encode();
    let ctx = RevertContext {
        account: ACCOUNT,
        session_signer: Some(KEY),
        expires_at: Some(1234),
        ..Default::default()
    };
    let text = Error::from_revert(&data, &ctx).to_string();
    assert!(
        text.contains(&format!("session key {KEY} expired at unix time 1234")),
        "{text}"
    );
    assert!(text.contains("grant a new session"), "{text}");
}
