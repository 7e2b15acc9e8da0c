//! Parsing and serde helpers for writing session policies by hand in JSON.
//!
//! - amounts ([`U256`] wei): `"1000"`, `"1_000_000"`, `"0x3e8"`, `"0.5 ether"`, `"20 gwei"`
//!   ([`parse_amount`], [`format_amount`], [`display_amount`], serde module [`amount`]);
//! - durations (`u64` seconds): `"3600"`, `"90s"`, `"30m"`, `"1h 30m"`, `"1d"`, `"1w"`
//!   ([`parse_duration`], [`format_duration`], serde module [`duration`]);
//! - 32-byte ABI words ([`B256`]): raw words, addresses, booleans, numbers and negative integers
//!   ([`parse_word`], serde module [`word`]);
//! - timestamps (`u64` unix seconds): `"1893456000"` or `"2030-01-01T00:00:00Z"`
//!   ([`parse_timestamp`], serde module [`timestamp`]).
//!
//! Every parser trims surrounding whitespace, never truncates silently (a value that cannot be
//! represented exactly is an error) and never panics or wraps on overflow. Errors are
//! [`UnitError`]s whose one-line message names the offending input and what was expected; the
//! serde modules report exactly that message (through `serde::de::Error::custom`), so a
//! `serde_path_to_error` wrapper prints `field.path: message`.

use alloy::primitives::utils::{ParseUnits, Unit};
use alloy::primitives::{Address, B256, U256};
use serde::de::{Error as _, Unexpected};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Why a hand-written amount, duration, word or timestamp was rejected.
///
/// Each variant carries the offending input (trimmed) and its message says what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitError {
    /// Not an amount in any accepted form.
    #[error(
        "invalid amount {0:?}: expected a whole number of wei (\"1000\"), a hex number (\"0x3e8\") \
         or a number with a unit (\"0.5 ether\", \"20 gwei\")"
    )]
    InvalidAmount(String),
    /// A well-formed amount larger than `2^256 - 1` wei.
    #[error("amount {0:?} does not fit in 256 bits")]
    AmountOverflow(String),
    /// An amount with more decimals than its unit allows (below 1 wei).
    #[error("{0:?} is not a whole number of wei")]
    FractionalWei(String),
    /// Not a duration in any accepted form.
    #[error(
        "invalid duration {0:?}: expected whole seconds (\"3600\") or numbers with a unit \
         s, m, h, d or w (\"90s\", \"30m\", \"1h 30m\", \"1d\", \"1w\")"
    )]
    InvalidDuration(String),
    /// A duration with a sub-second part, such as `"1500ms"`.
    #[error("duration {0:?} is not a whole number of seconds")]
    FractionalDuration(String),
    /// A duration of 2^64 seconds or more, or a fraction of a unit that is not exact, such as
    /// `"0.3333h"` (humantime reports both the same way).
    #[error("duration {0:?} is out of range: expected a whole number of seconds below 2^64")]
    DurationOverflow(String),
    /// Not a 32-byte word in any accepted form.
    #[error(
        "invalid word {0:?}: expected 0x and 64 hex digits, an address (0x and 40 hex digits), \
         true or false, a number (\"1000\", \"0x3e8\", \"0.5 ether\") or a negative integer (\"-5\")"
    )]
    InvalidWord(String),
    /// A number outside both uint256 and int256.
    #[error("word {0:?} does not fit in 256 bits (uint256 up to 2^256-1, int256 down to -2^255)")]
    WordOverflow(String),
    /// A mixed-case address whose EIP-55 checksum is wrong (likely a typo).
    #[error(
        "address {0:?} has an invalid EIP-55 checksum: check it, or write it in lowercase to skip \
         the check"
    )]
    BadChecksum(String),
    /// Not a timestamp in any accepted form.
    #[error(
        "invalid timestamp {0:?}: expected unix seconds (\"1893456000\") or an RFC 3339 date-time \
         from 1970 on, in UTC or with an offset (\"2030-01-01T00:00:00Z\", \
         \"2030-01-01T02:00:00+02:00\")"
    )]
    InvalidTimestamp(String),
    /// Unix seconds that do not fit in a `u64`.
    #[error("timestamp {0:?} does not fit in 64 bits")]
    TimestampOverflow(String),
    /// An RFC 3339 date-time with a non-zero fraction of a second.
    #[error("timestamp {0:?} is not a whole number of seconds")]
    FractionalTimestamp(String),
    /// A negative number where only zero or more is allowed (amounts, durations, timestamps).
    #[error("negative value {0:?}: only zero or more is allowed here")]
    Negative(String),
    /// A JSON number with a fraction or exponent (JSON integers above 2^64 also end up here,
    /// since serde_json reads them as floating point): it could not be read exactly.
    #[error(
        "JSON number {0} is not supported here: write whole numbers below 2^64 without a \
         fraction or exponent, and anything else as a string"
    )]
    InexactNumber(String),
}

/// Strips `_` separators from a run of digits in `radix`.
///
/// `None` if there is no digit, if it starts or ends with `_`, or if it contains anything else.
fn digits(s: &str, radix: u32) -> Option<String> {
    if s.is_empty() || s.starts_with('_') || s.ends_with('_') {
        return None;
    }
    if !s.chars().all(|c| c == '_' || c.is_digit(radix)) {
        return None;
    }
    Some(s.chars().filter(|&c| c != '_').collect())
}

/// Parses an amount of wei.
///
/// Accepted forms (surrounding whitespace is trimmed, `_` separators between digits ignored):
/// - a whole number of wei: `"1000"`, `"1_000_000"`;
/// - a hex number of wei: `"0x3e8"`;
/// - a decimal number with a unit, with or without a space: `"0.5 ether"`, `"0.5ether"`,
///   `"20 gwei"`, `"1 wei"`. Units are case-insensitive: `wei`, `gwei`, `ether` (or `eth`).
///
/// Decimals beyond what the unit allows must be zeros (`"1.0 wei"` is 1 wei, `"1.5 wei"` and
/// `"0.0000000000000000001 ether"` are [`UnitError::FractionalWei`]); values of 2^256 wei or more
/// are [`UnitError::AmountOverflow`]; a leading `-` is [`UnitError::Negative`].
pub fn parse_amount(s: &str) -> Result<U256, UnitError> {
    let t = s.trim();
    if let Some(rest) = t.strip_prefix('-') {
        parse_unsigned_amount(rest, t)?;
        return Err(UnitError::Negative(t.to_owned()));
    }
    parse_unsigned_amount(t, t)
}

/// [`parse_amount`] without the sign check, reporting errors against `input`.
fn parse_unsigned_amount(t: &str, input: &str) -> Result<U256, UnitError> {
    let invalid = || UnitError::InvalidAmount(input.to_owned());
    let overflow = || UnitError::AmountOverflow(input.to_owned());
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        let hex = digits(hex, 16).ok_or_else(invalid)?;
        return U256::from_str_radix(&hex, 16).map_err(|_| overflow());
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(t.len());
    let (number, unit) = (&t[..split], t[split..].trim_start());
    let unit = match unit.to_ascii_lowercase().as_str() {
        "" | "wei" => Unit::WEI,
        "gwei" => Unit::GWEI,
        "ether" | "eth" => Unit::ETHER,
        _ => return Err(invalid()),
    };
    let (int, frac) = match number.split_once('.') {
        Some((int, frac)) => (int, digits(frac, 10).ok_or_else(invalid)?),
        None => (number, String::new()),
    };
    let int = digits(int, 10).ok_or_else(invalid)?;
    // `parse_units` silently drops decimals beyond the unit's: only let it drop zeros.
    let decimals = usize::from(unit.get());
    let frac = match frac.get(decimals..) {
        Some(excess) if excess.bytes().any(|b| b != b'0') => {
            return Err(UnitError::FractionalWei(input.to_owned()))
        }
        Some(_) => &frac[..decimals],
        None => &frac[..],
    };
    let number = if frac.is_empty() {
        int
    } else {
        format!("{int}.{frac}")
    };
    // The input is validated digits, so any error left is an overflow.
    ParseUnits::parse_units(&number, unit)
        .map(ParseUnits::get_absolute)
        .map_err(|_| overflow())
}

/// Formats an amount as a decimal number of wei, e.g. `"1000000000000000000"` (the serialized
/// form; [`parse_amount`] reads it back).
pub fn format_amount(v: U256) -> String {
    v.to_string()
}

/// Formats an amount for messages: `"unlimited"` for `U256::MAX`; `"0.5 ether"` from 0.001 ether
/// on when at most 6 decimals of ether are needed; else `"20 gwei"` from 0.001 gwei on when at
/// most 6 decimals of gwei are needed; else `"<n> wei"`.
///
/// Apart from `"unlimited"`, the result parses back to `v` with [`parse_amount`].
pub fn display_amount(v: U256) -> String {
    if v == U256::MAX {
        return "unlimited".to_owned();
    }
    if v >= U256::from(10u64.pow(15)) && (v % U256::from(10u64.pow(12))).is_zero() {
        return format!("{} ether", decimal(v, 18));
    }
    if v >= U256::from(10u64.pow(6)) && (v % U256::from(10u64.pow(3))).is_zero() {
        return format!("{} gwei", decimal(v, 9));
    }
    format!("{v} wei")
}

/// `v / 10^decimals` in decimal notation, without trailing zeros.
fn decimal(v: U256, decimals: usize) -> String {
    let scale = U256::from(10u64).pow(U256::from(decimals));
    let (int, frac) = (v / scale, v % scale);
    if frac.is_zero() {
        return int.to_string();
    }
    let frac = format!("{:0>decimals$}", frac.to_string());
    format!("{int}.{}", frac.trim_end_matches('0'))
}

/// Parses a duration into whole seconds.
///
/// Accepted forms (surrounding whitespace is trimmed):
/// - whole seconds: `"3600"` (`_` separators allowed: `"86_400"`);
/// - [humantime](https://docs.rs/humantime) durations in seconds, minutes, hours, days and
///   weeks, in short or long form and possibly combined: `"90s"`, `"30m"`, `"1h"`, `"1d"`,
///   `"1w"`, `"1h 30m"`, `"1h30m"`, `"2 days"`, `"1.5h"`. Units are case-sensitive.
///
/// Zero is allowed. Rejected: sub-second results (`"1500ms"`, [`UnitError::FractionalDuration`]),
/// months and years (humantime counts them as 30.44 and 365.25 days, and `"1M"` vs `"1m"` is an
/// easy slip), spaces inside a number (humantime would read `"1 30m"` as 130 minutes), and
/// values of 2^64 seconds or more.
pub fn parse_duration(s: &str) -> Result<u64, UnitError> {
    let t = s.trim();
    if let Some(rest) = t.strip_prefix('-') {
        parse_unsigned_duration(rest, t)?;
        return Err(UnitError::Negative(t.to_owned()));
    }
    parse_unsigned_duration(t, t)
}

/// [`parse_duration`] without the sign check, reporting errors against `input`.
fn parse_unsigned_duration(t: &str, input: &str) -> Result<u64, UnitError> {
    let invalid = || UnitError::InvalidDuration(input.to_owned());
    if t.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
        let secs = digits(t, 10).ok_or_else(invalid)?;
        return secs
            .parse()
            .map_err(|_| UnitError::DurationOverflow(input.to_owned()));
    }
    if has_space_inside_number(t) || has_calendar_unit(t) {
        return Err(invalid());
    }
    match humantime::parse_duration(t) {
        Ok(d) if d.subsec_nanos() == 0 => Ok(d.as_secs()),
        Ok(_) => Err(UnitError::FractionalDuration(input.to_owned())),
        Err(humantime::DurationError::NumberOverflow) => {
            Err(UnitError::DurationOverflow(input.to_owned()))
        }
        Err(_) => Err(invalid()),
    }
}

/// Whether whitespace separates two parts of a number (digits or `.`), which humantime ignores.
fn has_space_inside_number(t: &str) -> bool {
    let numeric = |c: char| c.is_ascii_digit() || c == '.';
    let mut previous = None;
    let mut space = false;
    for c in t.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && numeric(c) && previous.is_some_and(numeric) {
            return true;
        }
        previous = Some(c);
        space = false;
    }
    false
}

/// Whether a humantime unit of months or years occurs.
fn has_calendar_unit(t: &str) -> bool {
    t.split(|c: char| !c.is_alphabetic()).any(|unit| {
        matches!(
            unit,
            "M" | "month" | "months" | "y" | "yr" | "yrs" | "year" | "years"
        )
    })
}

/// Formats seconds with the largest unit that divides them exactly: 604800 → `"1w"`,
/// 86400 → `"1d"`, 3600 → `"1h"`, 5400 → `"90m"`, 90 → `"90s"`, 0 → `"0s"`.
///
/// The result parses back to `secs` with [`parse_duration`].
pub fn format_duration(secs: u64) -> String {
    const UNITS: [(u64, &str); 4] = [(604_800, "w"), (86_400, "d"), (3_600, "h"), (60, "m")];
    if secs != 0 {
        for (size, suffix) in UNITS {
            if secs.is_multiple_of(size) {
                return format!("{}{suffix}", secs / size);
            }
        }
    }
    format!("{secs}s")
}

/// Parses a 32-byte ABI word.
///
/// In order of precedence (surrounding whitespace is trimmed):
/// 1. `true` / `false` → 1 / 0;
/// 2. `0x` + exactly 64 hex digits → the word as is;
/// 3. `0x` + exactly 40 hex digits → an address, left-padded with zeros. A mixed-case address
///    must have a valid EIP-55 checksum ([`UnitError::BadChecksum`]); all-lowercase or
///    all-uppercase skips the check;
/// 4. a leading `-` → a negative int256 in two's complement, from -2^255 to 0: `"-5"`, and also
///    `"-0x10"` or `"-1 gwei"` (the magnitude is read as in 5.);
/// 5. anything else → an amount as read by [`parse_amount`] (so other hex lengths are numbers:
///    `"0x3e8"`, and `"1000"`, `"0.5 ether"` work), as a big-endian uint256.
///
/// Forms 2, 3 and 5 agree whenever more than one could apply (a 64- or 40-digit hex number
/// means the same word either way); the precedence only decides the checksum check.
pub fn parse_word(s: &str) -> Result<B256, UnitError> {
    let t = s.trim();
    match t {
        "true" => return Ok(B256::with_last_byte(1)),
        "false" => return Ok(B256::ZERO),
        _ => {}
    }
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        let is_hex = hex.bytes().all(|b| b.is_ascii_hexdigit());
        if is_hex && hex.len() == 64 {
            return hex
                .parse::<B256>()
                .map_err(|_| UnitError::InvalidWord(t.to_owned()));
        }
        if is_hex && hex.len() == 40 {
            let mixed = hex.bytes().any(|b| b.is_ascii_uppercase())
                && hex.bytes().any(|b| b.is_ascii_lowercase());
            let address = if mixed {
                Address::parse_checksummed(format!("0x{hex}"), None)
                    .map_err(|_| UnitError::BadChecksum(t.to_owned()))?
            } else {
                hex.parse::<Address>()
                    .map_err(|_| UnitError::InvalidWord(t.to_owned()))?
            };
            return Ok(address.into_word());
        }
    }
    let number = |s: &str| {
        parse_unsigned_amount(s, t).map_err(|e| match e {
            UnitError::InvalidAmount(_) => UnitError::InvalidWord(t.to_owned()),
            UnitError::AmountOverflow(_) => UnitError::WordOverflow(t.to_owned()),
            other => other,
        })
    };
    let value = match t.strip_prefix('-') {
        Some(rest) => {
            let magnitude = number(rest)?;
            if magnitude > U256::ONE << 255 {
                return Err(UnitError::WordOverflow(t.to_owned()));
            }
            magnitude.wrapping_neg()
        }
        None => number(t)?,
    };
    Ok(B256::from(value.to_be_bytes::<32>()))
}

/// Parses a timestamp into unix seconds.
///
/// Accepted forms (surrounding whitespace is trimmed):
/// - unix seconds: `"1893456000"` (`_` separators allowed);
/// - an RFC 3339 date-time from 1970 on: `"2030-01-01T00:00:00Z"`, with `T`, `t` or a space
///   between date and time, a fraction of a second only if it is zero (`".000"`), and `Z`, `z`
///   or a numeric offset (`"2030-01-01T02:00:00+02:00"` is the same instant as the first).
///
/// A date-time without an offset is rejected rather than guessed as UTC or local time.
pub fn parse_timestamp(s: &str) -> Result<u64, UnitError> {
    let t = s.trim();
    let integer = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'_');
    if integer(t) {
        let secs = digits(t, 10).ok_or_else(|| UnitError::InvalidTimestamp(t.to_owned()))?;
        return secs
            .parse()
            .map_err(|_| UnitError::TimestampOverflow(t.to_owned()));
    }
    if t.strip_prefix('-')
        .is_some_and(|rest| digits(rest, 10).is_some())
    {
        return Err(UnitError::Negative(t.to_owned()));
    }
    parse_rfc3339(t)
}

/// The RFC 3339 part of [`parse_timestamp`]: humantime reads the date and time (as UTC, with a
/// `Z` appended), this function the fraction and the offset. humantime alone would accept
/// missing offsets, ignore non-zero offsets after a fraction and allow junk after `Z`.
fn parse_rfc3339(t: &str) -> Result<u64, UnitError> {
    let invalid = || UnitError::InvalidTimestamp(t.to_owned());
    // "2030-01-01T00:00:00" is 19 bytes; ASCII makes the byte slicing below safe.
    if !t.is_ascii() || t.len() < 20 {
        return Err(invalid());
    }
    let (date_time, mut rest) = t.split_at(19);
    let mut date_time = date_time.as_bytes().to_vec();
    match date_time[10] {
        b'T' | b't' | b' ' => date_time[10] = b'T',
        _ => return Err(invalid()),
    }
    if let Some(fraction) = rest.strip_prefix('.') {
        let end = fraction
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(fraction.len());
        if end == 0 {
            return Err(invalid());
        }
        if fraction[..end].bytes().any(|b| b != b'0') {
            return Err(UnitError::FractionalTimestamp(t.to_owned()));
        }
        rest = &fraction[end..];
    }
    let offset: i64 = match rest.as_bytes() {
        b"Z" | b"z" => 0,
        &[sign, h1, h2, b':', m1, m2] if [h1, h2, m1, m2].iter().all(u8::is_ascii_digit) => {
            let number = |a: u8, b: u8| i64::from(a - b'0') * 10 + i64::from(b - b'0');
            let (hours, minutes) = (number(h1, h2), number(m1, m2));
            if hours > 23 || minutes > 59 {
                return Err(invalid());
            }
            let offset = hours * 3600 + minutes * 60;
            match sign {
                b'+' => offset,
                b'-' => -offset,
                _ => return Err(invalid()),
            }
        }
        _ => return Err(invalid()),
    };
    date_time.push(b'Z');
    let date_time = String::from_utf8(date_time).map_err(|_| invalid())?;
    let local = humantime::parse_rfc3339(&date_time)
        .map_err(|_| invalid())?
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| invalid())?
        .as_secs();
    local.checked_add_signed(-offset).ok_or_else(invalid)
}

/// Whether `text` is an optionally negative run of decimal digits.
fn is_integer_literal(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Shared deserializer: strings and JSON integers go through `parse` (integers as their
/// decimal text), booleans too when `bools` is set; floats are [`UnitError::InexactNumber`].
///
/// It goes through [`serde_json::Value`] so that it also works when serde_json's
/// `arbitrary_precision` feature is on (numbers then arrive as maps in `deserialize_any`),
/// in which case JSON integers above 2^64 are read exactly too.
fn deserialize_with<'de, D, T>(
    deserializer: D,
    expected: &'static str,
    bools: bool,
    parse: fn(&str) -> Result<T, UnitError>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    let result = match Value::deserialize(deserializer)? {
        Value::String(s) => parse(&s),
        Value::Number(n) => {
            let text = n.to_string();
            if is_integer_literal(&text) {
                parse(&text)
            } else {
                Err(UnitError::InexactNumber(text))
            }
        }
        Value::Bool(b) if bools => parse(if b { "true" } else { "false" }),
        Value::Bool(b) => return Err(D::Error::invalid_type(Unexpected::Bool(b), &expected)),
        Value::Null => return Err(D::Error::invalid_type(Unexpected::Unit, &expected)),
        Value::Array(_) => return Err(D::Error::invalid_type(Unexpected::Seq, &expected)),
        Value::Object(_) => return Err(D::Error::invalid_type(Unexpected::Map, &expected)),
    };
    result.map_err(D::Error::custom)
}

/// Serde `with` module for a [`U256`] amount of wei.
///
/// Serializes as a decimal string of wei (`"1000000000000000000"`). Deserializes from a JSON
/// integer of wei (`1000`) or a string in any form [`parse_amount`] accepts (`"1000"`,
/// `"1_000"`, `"0x3e8"`, `"0.5 ether"`, `"20 gwei"`). Integers of 2^64 or more must be
/// strings: serde_json reads them as floating point.
pub mod amount {
    use alloy::primitives::U256;
    use serde::{Deserializer, Serializer};

    /// Serializes `value` as a decimal string of wei.
    pub fn serialize<S: Serializer>(value: &U256, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&super::format_amount(*value))
    }

    /// Deserializes an amount from a JSON integer or a string (see the module documentation).
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<U256, D::Error> {
        super::deserialize_with(
            deserializer,
            "an amount: a JSON integer of wei or a string such as \"1000\", \"0x3e8\" or \"0.5 ether\"",
            false,
            super::parse_amount,
        )
    }
}

/// Serde `with` module for a `u64` duration in seconds.
///
/// Serializes with [`format_duration`] (`"1h"`, `"90m"`, `"90s"`).
/// Deserializes from a JSON integer of seconds (`3600`) or a string in any form
/// [`parse_duration`] accepts (`"3600"`, `"1h"`, `"1h 30m"`, `"1w"`).
pub mod duration {
    use serde::{Deserializer, Serializer};

    /// Serializes `secs` with the largest exact unit, e.g. `"1h"`.
    pub fn serialize<S: Serializer>(secs: &u64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&super::format_duration(*secs))
    }

    /// Deserializes seconds from a JSON integer or a string (see the module documentation).
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
        super::deserialize_with(
            deserializer,
            "a duration: a JSON integer of seconds or a string such as \"3600\", \"1h\" or \"1h 30m\"",
            false,
            super::parse_duration,
        )
    }
}

/// Serde `with` module for a [`B256`] ABI word.
///
/// Serializes as `0x` and 64 lowercase hex digits. Deserializes from a string in any form
/// [`parse_word`] accepts (raw word, address, number, amount with a unit,
/// negative integer, `"true"`), a JSON integer (`1000`, `-5`) or a JSON boolean.
pub mod word {
    use alloy::primitives::{hex, B256};
    use serde::{Deserializer, Serializer};

    /// Serializes `value` as `0x` and 64 hex digits.
    pub fn serialize<S: Serializer>(value: &B256, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex::encode_prefixed(value))
    }

    /// Deserializes a word from a string, a JSON integer or a boolean (see the module
    /// documentation).
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<B256, D::Error> {
        super::deserialize_with(
            deserializer,
            "a 32-byte word: a hex string, an address, a number or a boolean",
            true,
            super::parse_word,
        )
    }
}

/// Serde `with` module for a `u64` timestamp in unix seconds.
///
/// Serializes as a JSON integer. Deserializes from a JSON integer or a string in any form
/// [`parse_timestamp`] accepts (`"1893456000"`,
/// `"2030-01-01T00:00:00Z"`, `"2030-01-01T02:00:00+02:00"`).
pub mod timestamp {
    use serde::{Deserializer, Serializer};

    /// Serializes `secs` as a JSON integer.
    pub fn serialize<S: Serializer>(secs: &u64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(*secs)
    }

    /// Deserializes unix seconds from a JSON integer or a string (see the module documentation).
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
        super::deserialize_with(
            deserializer,
            "a timestamp: a JSON integer of unix seconds or a string such as \"2030-01-01T00:00:00Z\"",
            false,
            super::parse_timestamp,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::{hex, I256};
    use proptest::prelude::*;
    use serde::Serialize;

    const MAX: &str =
        "115792089237316195423570985008687907853269984665640564039457584007913129639935";
    const MAX_PLUS_ONE: &str =
        "115792089237316195423570985008687907853269984665640564039457584007913129639936";
    const INT256_MIN: &str =
        "-57896044618658097711785492504343953926634992332820282019728792003956564819968";
    const INT256_MIN_MINUS_ONE: &str =
        "-57896044618658097711785492504343953926634992332820282019728792003956564819969";
    const ETHER: u64 = 1_000_000_000_000_000_000;
    const GWEI: u64 = 1_000_000_000;
    /// 2030-01-01T00:00:00Z.
    const Y2030: u64 = 1_893_456_000;

    fn wei(n: u64) -> Result<U256, UnitError> {
        Ok(U256::from(n))
    }

    fn word_of(n: u64) -> B256 {
        B256::from(U256::from(n).to_be_bytes::<32>())
    }

    fn s(text: &str) -> String {
        text.to_owned()
    }

    #[test]
    fn amount_whole_wei() {
        assert_eq!(parse_amount("1000"), wei(1000));
        assert_eq!(parse_amount("  1000\n"), wei(1000));
        assert_eq!(parse_amount("1_000_000"), wei(1_000_000));
        assert_eq!(parse_amount("0"), wei(0));
        assert_eq!(parse_amount("007"), wei(7));
        assert_eq!(parse_amount("1.0"), wei(1));
        assert_eq!(parse_amount(MAX), Ok(U256::MAX));
    }

    #[test]
    fn amount_hex() {
        assert_eq!(parse_amount("0x3e8"), wei(1000));
        assert_eq!(parse_amount("0X3E8"), wei(1000));
        assert_eq!(parse_amount("0x3_e8"), wei(1000));
        assert_eq!(parse_amount("0x0"), wei(0));
        assert_eq!(
            parse_amount(&format!("0x{}", "f".repeat(64))),
            Ok(U256::MAX)
        );
        assert_eq!(
            parse_amount(&format!("0x00{}", "f".repeat(64))),
            Ok(U256::MAX)
        );
    }

    #[test]
    fn amount_with_units() {
        assert_eq!(parse_amount("0.5 ether"), wei(ETHER / 2));
        assert_eq!(parse_amount("0.5ether"), wei(ETHER / 2));
        assert_eq!(parse_amount("0.5 ETHER"), wei(ETHER / 2));
        assert_eq!(parse_amount("0.5\tEther"), wei(ETHER / 2));
        assert_eq!(parse_amount("1 eth"), wei(ETHER));
        assert_eq!(parse_amount("2ETH"), wei(2 * ETHER));
        assert_eq!(parse_amount("20 gwei"), wei(20 * GWEI));
        assert_eq!(parse_amount("20GWei"), wei(20 * GWEI));
        assert_eq!(parse_amount("1.5 gwei"), wei(1_500_000_000));
        assert_eq!(parse_amount("1 wei"), wei(1));
        assert_eq!(parse_amount("1.000 wei"), wei(1));
        assert_eq!(parse_amount("0.000000001 ether"), wei(GWEI));
        assert_eq!(parse_amount("0.000000000000000001 ether"), wei(1));
        assert_eq!(parse_amount("1.000000000000000000000 ether"), wei(ETHER));
        assert_eq!(parse_amount("1_000.5 gwei"), wei(1_000_500_000_000));
        assert_eq!(parse_amount("0.000_001 ether"), wei(1_000_000_000_000));
        assert_eq!(
            parse_amount(
                "115792089237316195423570985008687907853269984665640564039457.584007913129639935 ether"
            ),
            Ok(U256::MAX)
        );
        assert_eq!(
            parse_amount(
                "115792089237316195423570985008687907853269984665640564039457584007913 gwei"
            ),
            Ok(U256::MAX - U256::from(129_639_935))
        );
    }

    #[test]
    fn amount_invalid() {
        for input in [
            "",
            "1.5.3",
            "abc",
            "ether",
            "1 ether ether",
            "1e18",
            "1e400 ether",
            "0x",
            "0xg1",
            "0x3e8 wei",
            "0x1.5",
            "1 finney",
            ".5 ether",
            "5. ether",
            "1._5",
            "_1",
            "1_",
            "1 000",
            "+1",
            "0x_",
            "1,5 ether",
            "١",
            "--1",
            "-abc",
        ] {
            assert_eq!(
                parse_amount(input),
                Err(UnitError::InvalidAmount(s(input))),
                "{input:?}"
            );
        }
        assert_eq!(parse_amount("   "), Err(UnitError::InvalidAmount(s(""))));
        assert_eq!(
            parse_amount(" 1.5.3 "),
            Err(UnitError::InvalidAmount(s("1.5.3")))
        );
    }

    #[test]
    fn amount_overflow() {
        let huge_hex = format!("0x1{}", "0".repeat(64));
        let nines = "9".repeat(100);
        for input in [
            MAX_PLUS_ONE,
            &huge_hex,
            &nines,
            "1000000000000000000000000000000000000000000000000000000000000 ether",
            "115792089237316195423570985008687907853269984665640564039458 ether",
            "115792089237316195423570985008687907853269984665640564039457.584007913129639936 ether",
            "115792089237316195423570985008687907853269984665640564039457584007914 gwei",
        ] {
            assert_eq!(
                parse_amount(input),
                Err(UnitError::AmountOverflow(s(input))),
                "{input:?}"
            );
        }
    }

    #[test]
    fn amount_fractional_wei() {
        for input in [
            "0.0000000000000000001 ether",
            "1.0000000000000000001 eth",
            "0.0000000001 gwei",
            "1.5",
            "1.5 wei",
            "0.1",
        ] {
            assert_eq!(
                parse_amount(input),
                Err(UnitError::FractionalWei(s(input))),
                "{input:?}"
            );
        }
    }

    #[test]
    fn amount_negative() {
        assert_eq!(parse_amount("-1"), Err(UnitError::Negative(s("-1"))));
        assert_eq!(parse_amount("-0"), Err(UnitError::Negative(s("-0"))));
        assert_eq!(
            parse_amount(" -0.5 ether"),
            Err(UnitError::Negative(s("-0.5 ether")))
        );
        assert_eq!(parse_amount("-0x10"), Err(UnitError::Negative(s("-0x10"))));
        // The magnitude's own error wins, reported against the whole input.
        assert_eq!(
            parse_amount("-1.5 wei"),
            Err(UnitError::FractionalWei(s("-1.5 wei")))
        );
        assert_eq!(
            parse_amount(&format!("-{MAX_PLUS_ONE}")),
            Err(UnitError::AmountOverflow(format!("-{MAX_PLUS_ONE}")))
        );
    }

    #[test]
    fn error_messages() {
        let cases = [
            (
                parse_amount("1.5.3").unwrap_err(),
                "invalid amount \"1.5.3\": expected a whole number of wei (\"1000\"), a hex \
                 number (\"0x3e8\") or a number with a unit (\"0.5 ether\", \"20 gwei\")",
            ),
            (
                parse_amount(MAX_PLUS_ONE).unwrap_err(),
                "amount \"115792089237316195423570985008687907853269984665640564039457584007913129639936\" \
                 does not fit in 256 bits",
            ),
            (
                parse_amount("0.0000000000000000001 ether").unwrap_err(),
                "\"0.0000000000000000001 ether\" is not a whole number of wei",
            ),
            (
                parse_duration("1 hour and a bit").unwrap_err(),
                "invalid duration \"1 hour and a bit\": expected whole seconds (\"3600\") or \
                 numbers with a unit s, m, h, d or w (\"90s\", \"30m\", \"1h 30m\", \"1d\", \"1w\")",
            ),
            (
                parse_duration("1500ms").unwrap_err(),
                "duration \"1500ms\" is not a whole number of seconds",
            ),
            (
                parse_duration("18446744073709551616").unwrap_err(),
                "duration \"18446744073709551616\" is out of range: expected a whole number of \
                 seconds below 2^64",
            ),
            (
                parse_word("0xnothex").unwrap_err(),
                "invalid word \"0xnothex\": expected 0x and 64 hex digits, an address (0x and 40 \
                 hex digits), true or false, a number (\"1000\", \"0x3e8\", \"0.5 ether\") or a \
                 negative integer (\"-5\")",
            ),
            (
                parse_word(MAX_PLUS_ONE).unwrap_err(),
                "word \"115792089237316195423570985008687907853269984665640564039457584007913129639936\" \
                 does not fit in 256 bits (uint256 up to 2^256-1, int256 down to -2^255)",
            ),
            (
                parse_word("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD").unwrap_err(),
                "address \"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD\" has an invalid EIP-55 \
                 checksum: check it, or write it in lowercase to skip the check",
            ),
            (
                parse_timestamp("2030-01-01").unwrap_err(),
                "invalid timestamp \"2030-01-01\": expected unix seconds (\"1893456000\") or an \
                 RFC 3339 date-time from 1970 on, in UTC or with an offset \
                 (\"2030-01-01T00:00:00Z\", \"2030-01-01T02:00:00+02:00\")",
            ),
            (
                parse_timestamp("18446744073709551616").unwrap_err(),
                "timestamp \"18446744073709551616\" does not fit in 64 bits",
            ),
            (
                parse_timestamp("2030-01-01T00:00:00.5Z").unwrap_err(),
                "timestamp \"2030-01-01T00:00:00.5Z\" is not a whole number of seconds",
            ),
            (
                parse_duration("-1h").unwrap_err(),
                "negative value \"-1h\": only zero or more is allowed here",
            ),
            (
                UnitError::InexactNumber(s("1e21")),
                "JSON number 1e21 is not supported here: write whole numbers below 2^64 without \
                 a fraction or exponent, and anything else as a string",
            ),
        ];
        for (error, message) in cases {
            assert_eq!(error.to_string(), message);
        }
    }

    #[test]
    fn format_amount_exact() {
        assert_eq!(format_amount(U256::ZERO), "0");
        assert_eq!(format_amount(U256::from(ETHER)), "1000000000000000000");
        assert_eq!(format_amount(U256::MAX), MAX);
    }

    #[test]
    fn display_amount_exact() {
        let cases: [(U256, &str); 18] = [
            (U256::MAX, "unlimited"),
            (U256::ZERO, "0 wei"),
            (U256::from(1), "1 wei"),
            (U256::from(999), "999 wei"),
            (U256::from(1000), "1000 wei"),
            (U256::from(999_000), "999000 wei"),
            (U256::from(1_000_000), "0.001 gwei"),
            (U256::from(1_000_001), "1000001 wei"),
            (U256::from(20 * GWEI), "20 gwei"),
            (U256::from(1_500_000_000), "1.5 gwei"),
            (U256::from(100_000 * GWEI), "100000 gwei"),
            (U256::from(999_999_999_999_000u64), "999999.999999 gwei"),
            (U256::from(1_000_000_000_000_000u64), "0.001 ether"),
            (U256::from(ETHER / 2), "0.5 ether"),
            (U256::from(123_456_000_000_000_000u64), "0.123456 ether"),
            (U256::from(123_456_700_000_000_000u64), "123456700 gwei"),
            (U256::from(ETHER + 1), "1000000000000000001 wei"),
            (
                U256::from(ETHER) * U256::from(10u64.pow(12)),
                "1000000000000 ether",
            ),
        ];
        for (value, text) in cases {
            assert_eq!(display_amount(value), text, "{value}");
        }
        assert_eq!(
            display_amount(U256::MAX - U256::ONE),
            format!("{}4 wei", &MAX[..MAX.len() - 1])
        );
    }

    #[test]
    fn duration_accepted() {
        let cases: [(&str, u64); 22] = [
            ("3600", 3600),
            ("0", 0),
            ("86_400", 86_400),
            ("1h", 3600),
            ("30m", 1800),
            ("1d", 86_400),
            ("90s", 90),
            ("0s", 0),
            ("1h 30m", 5400),
            ("1h30m", 5400),
            ("1w", 604_800),
            ("2 days", 172_800),
            ("1 h", 3600),
            ("1.5h", 5400),
            ("  1h  ", 3600),
            ("2000ms", 2),
            ("1hour 1min 1sec", 3661),
            ("1w 1d 1h 1m 1s", 694_861),
            ("0.5m", 30),
            ("18446744073709551615", u64::MAX),
            ("18446744073709551615s", u64::MAX),
            ("3050w", 1_844_640_000),
        ];
        for (input, secs) in cases {
            assert_eq!(parse_duration(input), Ok(secs), "{input:?}");
        }
    }

    #[test]
    fn duration_errors() {
        for input in [
            "", "1H", "1x", "h", "1h30", "1 30m", "1. 5h", "1 .5h", "1_000s", "1M", "1y",
            "2 years", "1 month", "1h -5m", "abc", "1,5h", "_1", "1_", "+1h", "1e3", "--1",
        ] {
            assert_eq!(
                parse_duration(input),
                Err(UnitError::InvalidDuration(s(input))),
                "{input:?}"
            );
        }
        for input in ["1500ms", "0.5s", "1ns", "1h 1ms"] {
            assert_eq!(
                parse_duration(input),
                Err(UnitError::FractionalDuration(s(input))),
                "{input:?}"
            );
        }
        for input in [
            "18446744073709551616",
            "18446744073709551616s",
            "100000000000000w",
            "18446744073709551615s 1s",
            "0.3333h",
        ] {
            assert_eq!(
                parse_duration(input),
                Err(UnitError::DurationOverflow(s(input))),
                "{input:?}"
            );
        }
        assert_eq!(parse_duration("-1h"), Err(UnitError::Negative(s("-1h"))));
        assert_eq!(parse_duration("-5"), Err(UnitError::Negative(s("-5"))));
        assert_eq!(
            parse_duration("-x"),
            Err(UnitError::InvalidDuration(s("-x")))
        );
    }

    #[test]
    fn format_duration_exact() {
        let cases: [(u64, &str); 14] = [
            (0, "0s"),
            (1, "1s"),
            (59, "59s"),
            (60, "1m"),
            (90, "90s"),
            (3600, "1h"),
            (5400, "90m"),
            (86_400, "1d"),
            (90_000, "25h"),
            (604_800, "1w"),
            (691_200, "8d"),
            (1_209_600, "2w"),
            (u64::MAX, "18446744073709551615s"),
            (u64::MAX - u64::MAX % 604_800, "30500568904943w"),
        ];
        for (secs, text) in cases {
            assert_eq!(format_duration(secs), text, "{secs}");
            assert_eq!(parse_duration(text), Ok(secs), "{text}");
        }
    }

    #[test]
    fn word_raw_and_address() {
        let raw = "0x00000000000000000000000000000000000000000000000000000000deadbeef";
        assert_eq!(parse_word(raw), Ok(word_of(0xdead_beef)));
        assert_eq!(
            parse_word(&raw.to_uppercase().replacen("0X", "0x", 1)),
            Ok(word_of(0xdead_beef))
        );
        assert_eq!(
            parse_word(&raw.replacen("0x", "0X", 1)),
            Ok(word_of(0xdead_beef))
        );
        let ones = format!("0x{}", "ff".repeat(32));
        assert_eq!(parse_word(&ones), Ok(B256::repeat_byte(0xff)));

        let expected = B256::from(hex!(
            "0000000000000000000000005aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
        ));
        for input in [
            "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED",
            " 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed ",
        ] {
            assert_eq!(parse_word(input), Ok(expected), "{input:?}");
        }
        let typo = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD";
        assert_eq!(parse_word(typo), Err(UnitError::BadChecksum(s(typo))));
    }

    #[test]
    fn word_bool_and_numbers() {
        assert_eq!(parse_word("true"), Ok(word_of(1)));
        assert_eq!(parse_word("false"), Ok(B256::ZERO));
        assert_eq!(parse_word("1000"), Ok(word_of(1000)));
        assert_eq!(parse_word("1_000"), Ok(word_of(1000)));
        assert_eq!(parse_word("0x3e8"), Ok(word_of(1000)));
        assert_eq!(parse_word("0.5 ether"), Ok(word_of(ETHER / 2)));
        assert_eq!(parse_word("20 gwei"), Ok(word_of(20 * GWEI)));
        assert_eq!(parse_word(MAX), Ok(B256::repeat_byte(0xff)));
        // 63 and 41 hex digits are numbers, left-padded like the 64- and 40-digit forms.
        let d63 = format!("0x{}1", "0".repeat(62));
        assert_eq!(parse_word(&d63), Ok(word_of(1)));
        let d41 = format!("0x{}1", "0".repeat(40));
        assert_eq!(parse_word(&d41), Ok(word_of(1)));
    }

    #[test]
    fn word_negative() {
        let minus_five = B256::from(hex!(
            "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffb"
        ));
        assert_eq!(parse_word("-5"), Ok(minus_five));
        assert_eq!(parse_word("-1"), Ok(B256::repeat_byte(0xff)));
        assert_eq!(parse_word("-0"), Ok(B256::ZERO));
        assert_eq!(
            parse_word("-0x10"),
            Ok(B256::from(
                I256::try_from(-16i64)
                    .unwrap()
                    .into_raw()
                    .to_be_bytes::<32>()
            ))
        );
        assert_eq!(
            parse_word("-1 gwei"),
            Ok(B256::from(
                I256::try_from(-1_000_000_000i64)
                    .unwrap()
                    .into_raw()
                    .to_be_bytes::<32>()
            ))
        );
        let mut min = [0u8; 32];
        min[0] = 0x80;
        assert_eq!(parse_word(INT256_MIN), Ok(B256::from(min)));
        assert_eq!(
            parse_word(INT256_MIN_MINUS_ONE),
            Err(UnitError::WordOverflow(s(INT256_MIN_MINUS_ONE)))
        );
    }

    #[test]
    fn word_errors() {
        for input in [
            "",
            "True",
            "yes",
            "-",
            "--5",
            "0x",
            "0xzz",
            "1.5.3",
            "- 5",
            "1e3",
            "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg",
        ] {
            assert_eq!(
                parse_word(input),
                Err(UnitError::InvalidWord(s(input))),
                "{input:?}"
            );
        }
        let wide = format!("0x1{}", "0".repeat(64));
        for input in [MAX_PLUS_ONE, wide.as_str()] {
            assert_eq!(
                parse_word(input),
                Err(UnitError::WordOverflow(s(input))),
                "{input:?}"
            );
        }
        assert_eq!(parse_word("1.5"), Err(UnitError::FractionalWei(s("1.5"))));
        assert_eq!(
            parse_word("-1.5 wei"),
            Err(UnitError::FractionalWei(s("-1.5 wei")))
        );
    }

    #[test]
    fn timestamp_accepted() {
        let cases: [(&str, u64); 17] = [
            ("1893456000", Y2030),
            ("0", 0),
            ("1_893_456_000", Y2030),
            ("18446744073709551615", u64::MAX),
            ("2030-01-01T00:00:00Z", Y2030),
            (" 2030-01-01T00:00:00Z ", Y2030),
            ("2030-01-01t00:00:00z", Y2030),
            ("2030-01-01 00:00:00Z", Y2030),
            ("2030-01-01T00:00:00.000Z", Y2030),
            ("2030-01-01T00:00:00+00:00", Y2030),
            ("2030-01-01T00:00:00-00:00", Y2030),
            ("2030-01-01T02:00:00+02:00", Y2030),
            ("2029-12-31T18:30:00-05:30", Y2030),
            ("1970-01-01T00:00:00Z", 0),
            ("1970-01-01T01:00:00+01:00", 0),
            ("2000-02-29T00:00:00Z", 951_782_400),
            ("9999-12-31T23:59:59Z", 253_402_300_799),
        ];
        for (input, secs) in cases {
            assert_eq!(parse_timestamp(input), Ok(secs), "{input:?}");
        }
    }

    #[test]
    fn timestamp_errors() {
        for input in [
            "",
            "abc",
            "1e9",
            "+5",
            "-",
            "_1",
            "2030-01-01",
            "2030-01-01T00:00:00",
            "2030-01-01T00:00:00Zjunk",
            "2030-01-01T00:00:00ZabcZ",
            "2030-01-01T00:00:00 Z",
            "2030-01-01T00:00:00.Z",
            "2030-01-01T00:00:00.000+05:3x",
            "2030-01-01T00:00:00+0530",
            "2030-01-01T00:00:00+24:00",
            "2030-01-01T00:00:00+05:60",
            "2030-01-01T00:00:00*05:00",
            "2030-13-01T00:00:00Z",
            "2030-02-29T00:00:00Z",
            "2030-01-01T24:00:00Z",
            "2030-01-01X00:00:00Z",
            "1969-12-31T23:59:59Z",
            "1970-01-01T00:00:00+01:00",
            "2030-01-01T00:00:00Ω",
            "2030-01-01T00:00:0Ω",
            "-2030-01-01T00:00:00Z",
        ] {
            assert_eq!(
                parse_timestamp(input),
                Err(UnitError::InvalidTimestamp(s(input))),
                "{input:?}"
            );
        }
        for input in [
            "2030-01-01T00:00:00.5Z",
            "2030-01-01T00:00:00.000000001+05:30",
        ] {
            assert_eq!(
                parse_timestamp(input),
                Err(UnitError::FractionalTimestamp(s(input))),
                "{input:?}"
            );
        }
        assert_eq!(
            parse_timestamp("18446744073709551616"),
            Err(UnitError::TimestampOverflow(s("18446744073709551616")))
        );
        assert_eq!(parse_timestamp("-1"), Err(UnitError::Negative(s("-1"))));
        assert_eq!(
            parse_timestamp("-1_000"),
            Err(UnitError::Negative(s("-1_000")))
        );
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Policy {
        #[serde(with = "amount")]
        limit: U256,
        #[serde(with = "duration")]
        period: u64,
        #[serde(with = "word")]
        arg: B256,
        #[serde(with = "timestamp")]
        valid_until: u64,
    }

    fn policy(json: &str) -> Result<Policy, String> {
        // serde_json appends " at line L column C" to the message.
        serde_json::from_str(json).map_err(|e| {
            let message = e.to_string();
            message.split(" at line ").next().unwrap().to_owned()
        })
    }

    #[test]
    fn serde_round_trip() {
        let value = Policy {
            limit: U256::from(ETHER / 2),
            period: 5400,
            arg: word_of(1000),
            valid_until: Y2030,
        };
        let json = serde_json::to_string(&value).unwrap();
        assert_eq!(
            json,
            r#"{"limit":"500000000000000000","period":"90m","arg":"0x00000000000000000000000000000000000000000000000000000000000003e8","valid_until":1893456000}"#
        );
        assert_eq!(policy(&json), Ok(value));
    }

    #[test]
    fn serde_hand_written() {
        let expected = Policy {
            limit: U256::from(ETHER / 2),
            period: 5400,
            arg: word_of(1000),
            valid_until: Y2030,
        };
        let strings = r#"{"limit": "0.5 ether", "period": "1h 30m", "arg": "0x3e8",
            "valid_until": "2030-01-01T00:00:00Z"}"#;
        assert_eq!(policy(strings), Ok(expected));

        let integers = r#"{"limit": 1000, "period": 3600, "arg": -1, "valid_until": 1893456000}"#;
        let expected = Policy {
            limit: U256::from(1000),
            period: 3600,
            arg: B256::repeat_byte(0xff),
            valid_until: Y2030,
        };
        assert_eq!(policy(integers), Ok(expected));

        let mixed = r#"{"limit": "18446744073709551616", "period": 0, "arg": true,
            "valid_until": "2030-01-01T02:00:00+02:00"}"#;
        let expected = Policy {
            limit: U256::from(u64::MAX) + U256::ONE,
            period: 0,
            arg: word_of(1),
            valid_until: Y2030,
        };
        assert_eq!(policy(mixed), Ok(expected));
        let arg_false = r#"{"limit": 0, "period": 0, "arg": false, "valid_until": 0}"#;
        assert_eq!(policy(arg_false).map(|p| p.arg), Ok(B256::ZERO));
    }

    #[test]
    fn serde_errors() {
        fn with(field: &str, value: &str) -> Result<Policy, String> {
            let mut fields = [
                ("limit", "0"),
                ("period", "0"),
                ("arg", "0"),
                ("valid_until", "0"),
            ];
            for entry in &mut fields {
                if entry.0 == field {
                    entry.1 = value;
                }
            }
            let body: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
            policy(&format!("{{{}}}", body.join(",")))
        }
        let unit = |e: UnitError| Err(e.to_string());
        assert_eq!(
            with("limit", r#""1.5.3""#),
            unit(UnitError::InvalidAmount(s("1.5.3")))
        );
        assert_eq!(
            with("limit", "1.5"),
            unit(UnitError::InexactNumber(s("1.5")))
        );
        assert_eq!(with("limit", "-1"), unit(UnitError::Negative(s("-1"))));
        assert_eq!(
            with("limit", &format!("\"{MAX_PLUS_ONE}\"")),
            unit(UnitError::AmountOverflow(s(MAX_PLUS_ONE)))
        );
        assert_eq!(
            with("limit", "true"),
            Err(s(
                "invalid type: boolean `true`, expected an amount: a JSON integer of wei or a \
                   string such as \"1000\", \"0x3e8\" or \"0.5 ether\""
            ))
        );
        assert_eq!(
            with("limit", "null"),
            Err(s(
                "invalid type: null, expected an amount: a JSON integer of wei or a string \
                   such as \"1000\", \"0x3e8\" or \"0.5 ether\""
            ))
        );
        assert_eq!(with("period", "-5"), unit(UnitError::Negative(s("-5"))));
        assert_eq!(
            with("period", r#""1M""#),
            unit(UnitError::InvalidDuration(s("1M")))
        );
        assert_eq!(
            with("period", "3600.0"),
            unit(UnitError::InexactNumber(s("3600.0")))
        );
        assert_eq!(
            with("period", "[]"),
            Err(s(
                "invalid type: sequence, expected a duration: a JSON integer of seconds or a \
                   string such as \"3600\", \"1h\" or \"1h 30m\""
            ))
        );
        assert_eq!(
            with("arg", r#""0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD""#),
            unit(UnitError::BadChecksum(s(
                "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"
            )))
        );
        assert_eq!(
            with("arg", "{}"),
            Err(s(
                "invalid type: map, expected a 32-byte word: a hex string, an address, a \
                   number or a boolean"
            ))
        );
        assert_eq!(
            with("valid_until", r#""2030-01-01""#),
            unit(UnitError::InvalidTimestamp(s("2030-01-01")))
        );
        assert_eq!(
            with("valid_until", "-1"),
            unit(UnitError::Negative(s("-1")))
        );

        // serde_json reads JSON integers of 2^64 or more as floating point (and shows them as
        // "1e+20") unless its `arbitrary_precision` feature is on; then they are read exactly
        // and numbers keep their own text.
        let exact = !serde_json::from_str::<Value>("100000000000000000000")
            .unwrap()
            .is_f64();
        let expected = if exact {
            Ok(U256::from(100u64) * U256::from(ETHER))
        } else {
            Err(UnitError::InexactNumber(s("1e+20")).to_string())
        };
        assert_eq!(
            with("limit", "100000000000000000000").map(|p| p.limit),
            expected
        );
        let text = if exact { "1e21" } else { "1e+21" };
        assert_eq!(
            with("limit", "1e21"),
            unit(UnitError::InexactNumber(s(text)))
        );
    }

    proptest! {
        #[test]
        fn amount_round_trip(bytes in any::<[u8; 32]>()) {
            let v = U256::from_be_bytes(bytes);
            prop_assert_eq!(parse_amount(&format_amount(v)), Ok(v));
            if v != U256::MAX {
                prop_assert_eq!(parse_amount(&display_amount(v)), Ok(v));
            }
        }

        #[test]
        fn display_round_trip_round_values(n in any::<u64>(), exp in 0u32..=40) {
            let v = U256::from(n) * U256::from(10u64).pow(U256::from(exp));
            prop_assert_eq!(parse_amount(&display_amount(v)), Ok(v));
        }

        #[test]
        fn duration_round_trip(secs in any::<u64>(), unit in prop::sample::select(vec![1u64, 60, 3600, 86_400, 604_800])) {
            prop_assert_eq!(parse_duration(&format_duration(secs)), Ok(secs));
            let round = secs / unit * unit;
            prop_assert_eq!(parse_duration(&format_duration(round)), Ok(round));
        }

        #[test]
        fn word_round_trip(bytes in any::<[u8; 32]>()) {
            let w = B256::from(bytes);
            prop_assert_eq!(parse_word(&hex::encode_prefixed(w)), Ok(w));
            prop_assert_eq!(parse_word(&U256::from_be_bytes(bytes).to_string()), Ok(w));
        }

        #[test]
        fn word_signed(i in any::<i128>()) {
            let expected = B256::from(I256::try_from(i).unwrap().into_raw().to_be_bytes::<32>());
            prop_assert_eq!(parse_word(&i.to_string()), Ok(expected));
        }

        #[test]
        fn serde_round_trip_any(
            limit in any::<[u8; 32]>(),
            period in any::<u64>(),
            arg in any::<[u8; 32]>(),
            valid_until in any::<u64>(),
        ) {
            let value = Policy {
                limit: U256::from_be_bytes(limit),
                period,
                arg: B256::from(arg),
                valid_until,
            };
            let json = serde_json::to_string(&value).unwrap();
            prop_assert_eq!(policy(&json), Ok(value));
        }
    }
}
