//! Typed constraints: the support code of the generated call-policy builders, as ordinary Rust.
//!
//! A generated module (see [`codegen`](crate::codegen) or `sessionkit-gen`) declares one
//! builder type with [`call_policy_builder!`](crate::call_policy_builder) and one method per
//! parameter word of each function, typed by the parameter's Solidity type: an `address`
//! takes an [`AddressValue`], a `uint<N>` a [`UintValue`], and so on. Each method takes a
//! [`ParamConstraint`] made by [`eq`], [`ne`], [`gt`], [`lt`], [`gte`], [`lte`] or [`any`],
//! optionally capped with [`lifetime`](ParamConstraint::lifetime) or
//! [`allowance`](ParamConstraint::allowance); `build(target)` yields the runtime's
//! [`CallPolicy`] with its function signature, so [`SessionSpec::builder`] validates it like
//! any other:
//!
//! ```
//! # mod erc20 { #![allow(missing_docs)] include!(concat!(env!("CARGO_MANIFEST_DIR"), "/crates/sessionkit-gen/tests/output/session_account/erc20.rs")); }
//! # use std::time::Duration;
//! # use alloy::primitives::Address;
//! # use sessionkit::policy::SessionSpec;
//! # let (key, bob, token) = (Address::repeat_byte(1), Address::repeat_byte(2), Address::repeat_byte(3));
//! # let (hour, now) = (Duration::from_secs(3600), 1_800_000_000);
//! use sessionkit::typed::{eq, lte};
//! let policy = erc20::transfer().to(eq(bob)).value(lte(100u64).lifetime(1_000u64)).build(token);
//! assert_eq!(policy.function.as_deref(), Some("transfer(address,uint256)"));
//! let spec = SessionSpec::builder(key).expires_in(hour).call(policy).build_at(now)?;
//! assert_eq!(spec.call_policies[0].constraints[1].param.as_deref(), Some("value"));
//! # Ok::<(), sessionkit::policy::SpecError>(())
//! ```
//!
//! A `NotEqual`, `Greater` or `GreaterOrEqual` constraint on an `address`, a `uint<N>` with
//! N < 256 or a `bool` also gets a range constraint on the same word (`<= 2^N - 1`): a target
//! that masks its argument (a pre-0.8 token) would otherwise read a word with dirty upper bits
//! as the value the constraint forbids.
//!
//! [`SessionSpec::builder`]: crate::policy::SessionSpec::builder

use alloy::primitives::{Address, FixedBytes, B256, I256, U256};
use alloy::sol_types::SolCall;

use crate::params::WordType;
use crate::policy::{Amount, CallPolicy, Condition, Constraint, Limit};

/// The value of [`any`]: the parameter is not compared; only the constraint's limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Any;

/// A value as a calldata word. The kind-specific traits ([`AddressValue`], [`UintValue`], …)
/// say which Solidity types a Rust type may stand for.
pub trait ParamValue {
    /// The value as a 32-byte calldata word.
    fn word(self) -> B256;
}

/// A value an `address` parameter can be compared with.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a value for an `address` parameter",
    label = "expected an `Address`"
)]
pub trait AddressValue: ParamValue {}

/// A value a `uint<N>` parameter can be compared with: a `U256` or an unsigned integer.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a value for a `uint` parameter",
    label = "expected a `U256` or an unsigned integer",
    note = "write integer literals with a suffix (`100u64`) or use `U256::from(..)`"
)]
pub trait UintValue: ParamValue {}

/// A value an `int<N>` parameter can be compared with: an `I256` or a signed integer,
/// sign-extended (the contract compares words as unsigned numbers, so order conditions on
/// negative values do not compare as signed).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a value for an `int` parameter",
    label = "expected an `I256` or a signed integer"
)]
pub trait IntValue: ParamValue {}

/// A value a `bool` parameter can be compared with.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a value for a `bool` parameter",
    label = "expected a `bool`"
)]
pub trait BoolValue: ParamValue {}

/// A value a `bytes<N>` parameter can be compared with: `FixedBytes<N>` or `[u8; N]`,
/// right-padded into the word.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a value for a `bytes{N}` parameter",
    label = "expected `FixedBytes<{N}>` or `[u8; {N}]`"
)]
pub trait BytesValue<const N: usize>: ParamValue {}

impl ParamValue for Any {
    fn word(self) -> B256 {
        B256::ZERO
    }
}
impl AddressValue for Any {}
impl UintValue for Any {}
impl IntValue for Any {}
impl BoolValue for Any {}
impl<const N: usize> BytesValue<N> for Any {}

impl ParamValue for Address {
    fn word(self) -> B256 {
        self.into_word()
    }
}
impl AddressValue for Address {}

impl ParamValue for U256 {
    fn word(self) -> B256 {
        B256::from(self)
    }
}
impl UintValue for U256 {}

macro_rules! uint_values {
    ($($t:ty),*) => {$(
        impl ParamValue for $t {
            fn word(self) -> B256 {
                B256::from(U256::from(self))
            }
        }
        impl UintValue for $t {}
    )*};
}
uint_values!(u8, u16, u32, u64, u128, usize);

impl ParamValue for I256 {
    fn word(self) -> B256 {
        B256::from(self.into_raw())
    }
}
impl IntValue for I256 {}

macro_rules! int_values {
    ($($t:ty),*) => {$(
        impl ParamValue for $t {
            fn word(self) -> B256 {
                let value = self as i128;
                let mut word = if value < 0 { [0xff_u8; 32] } else { [0_u8; 32] };
                word[16..].copy_from_slice(&value.to_be_bytes());
                B256::new(word)
            }
        }
        impl IntValue for $t {}
    )*};
}
int_values!(i8, i16, i32, i64, i128, isize);

impl ParamValue for bool {
    fn word(self) -> B256 {
        B256::from(U256::from(u8::from(self)))
    }
}
impl BoolValue for bool {}

impl<const N: usize> ParamValue for [u8; N] {
    fn word(self) -> B256 {
        let mut word = [0_u8; 32];
        let n = N.min(32);
        word[..n].copy_from_slice(&self[..n]);
        B256::new(word)
    }
}
impl<const N: usize> BytesValue<N> for [u8; N] {}

impl<const N: usize> ParamValue for FixedBytes<N> {
    fn word(self) -> B256 {
        self.0.word()
    }
}
impl<const N: usize> BytesValue<N> for FixedBytes<N> {}

/// A condition on one parameter word with a typed value, and a limit on the parameter's
/// cumulative value (unlimited unless [`lifetime`](Self::lifetime) or
/// [`allowance`](Self::allowance)). Made by [`eq`], [`ne`], [`gt`], [`lt`], [`gte`], [`lte`] and
/// [`any`]; a generated builder's parameter method turns it into a [`Constraint`] at the
/// parameter's word index.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "a parameter constraint does nothing until given to a call-policy builder"]
pub struct ParamConstraint<V> {
    /// The comparison.
    pub condition: Condition,
    /// The reference value.
    pub value: V,
    /// The limit on the parameter's cumulative value.
    pub limit: Limit,
}

impl<V> ParamConstraint<V> {
    /// A constraint with `condition` and no limit.
    pub fn new(condition: Condition, value: V) -> Self {
        ParamConstraint {
            condition,
            value,
            limit: Limit::Unlimited,
        }
    }

    /// Caps the parameter's total over the session's life at `limit`.
    pub fn lifetime(self, limit: impl Amount) -> Self {
        self.limit(Limit::lifetime(limit))
    }

    /// Caps the parameter's total at `limit` within each window of `period_secs` seconds.
    pub fn allowance(self, limit: impl Amount, period_secs: u64) -> Self {
        self.limit(Limit::allowance(limit, period_secs))
    }

    /// Sets the limit.
    pub fn limit(self, limit: Limit) -> Self {
        ParamConstraint { limit, ..self }
    }
}

/// The parameter must equal `value`.
pub fn eq<V>(value: V) -> ParamConstraint<V> {
    ParamConstraint::new(Condition::Equal, value)
}

/// The parameter must differ from `value`.
pub fn ne<V>(value: V) -> ParamConstraint<V> {
    ParamConstraint::new(Condition::NotEqual, value)
}

/// The parameter must be greater than `value` (unsigned word comparison).
pub fn gt<V>(value: V) -> ParamConstraint<V> {
    ParamConstraint::new(Condition::Greater, value)
}

/// The parameter must be less than `value` (unsigned word comparison).
pub fn lt<V>(value: V) -> ParamConstraint<V> {
    ParamConstraint::new(Condition::Less, value)
}

/// The parameter must be at least `value` (unsigned word comparison).
pub fn gte<V>(value: V) -> ParamConstraint<V> {
    ParamConstraint::new(Condition::GreaterOrEqual, value)
}

/// The parameter must be at most `value` (unsigned word comparison).
pub fn lte<V>(value: V) -> ParamConstraint<V> {
    ParamConstraint::new(Condition::LessOrEqual, value)
}

/// Any value; give it a limit (`any().lifetime(1_000u64)`) to cap the parameter's total.
pub fn any() -> ParamConstraint<Any> {
    ParamConstraint::new(Condition::Unconstrained, Any)
}

/// Whether `condition` on a word of type `ty` needs a range constraint beside it, and which:
/// `<= 2^bits - 1` for `NotEqual`, `Greater` and `GreaterOrEqual` on a type narrower than the
/// word (see the [module docs](self)).
pub fn range_guard(
    condition: Condition,
    ty: WordType,
    index: u64,
    param: Option<&str>,
) -> Option<Constraint> {
    let bits = ty.clean_bits()?;
    if !matches!(
        condition,
        Condition::NotEqual | Condition::Greater | Condition::GreaterOrEqual
    ) {
        return None;
    }
    let max = (U256::from(1) << bits) - U256::from(1);
    let mut guard = Constraint::new(index, Condition::LessOrEqual, max);
    guard.param = param.map(str::to_owned);
    Some(guard)
}

/// The parts of a call policy that a generated builder accumulates before `build(target)`:
/// what [`call_policy_builder!`](crate::call_policy_builder) wraps.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PolicyParts {
    max_value_per_use: U256,
    value_limit: Limit,
    constraints: Vec<Constraint>,
}

impl PolicyParts {
    /// No value, no limit, no constraint.
    pub fn new() -> Self {
        Self::default()
    }

    /// Caps the value (wei) of each call.
    pub fn max_value_per_use(mut self, value: impl Amount) -> Self {
        self.max_value_per_use = value.into_u256();
        self
    }

    /// Limits the total value sent with the calls.
    pub fn value_limit(mut self, limit: Limit) -> Self {
        self.value_limit = limit;
        self
    }

    /// Adds `constraint` on word `index` (of type `ty`, named `name`), and its range guard
    /// when it needs one.
    pub fn param<V: ParamValue>(
        mut self,
        index: u64,
        ty: WordType,
        name: &str,
        constraint: ParamConstraint<V>,
    ) -> Self {
        let condition = constraint.condition;
        self.constraints.push(Constraint {
            index,
            condition,
            value: constraint.value.word(),
            limit: constraint.limit,
            param: Some(name.to_owned()),
        });
        if let Some(guard) = range_guard(condition, ty, index, Some(name)) {
            if !self.constraints.contains(&guard) {
                self.constraints.push(guard);
            }
        }
        self
    }

    /// The runtime's policy of `C` (its selector and signature) on `target`.
    pub fn build<C: SolCall>(self, target: Address) -> CallPolicy {
        CallPolicy {
            target,
            selector: C::SELECTOR.into(),
            function: Some(C::SIGNATURE.to_owned()),
            max_value_per_use: self.max_value_per_use,
            value_limit: self.value_limit,
            constraints: self.constraints,
        }
    }
}

/// The version of the support code the generator writes against: generated code checks it at
/// compile time with [`generated_for`].
pub const SUPPORT_VERSION: &str = env!("CARGO_PKG_VERSION_MINOR");

/// Fails the build (as a constant evaluation) when generated code was made for another minor
/// version of sessionkit than the one it is compiled with. Generated modules call it as
/// `const _: () = ::sessionkit::typed::generated_for("2");`.
pub const fn generated_for(minor: &str) {
    let ours = SUPPORT_VERSION.as_bytes();
    let theirs = minor.as_bytes();
    let mut same = ours.len() == theirs.len();
    let mut i = 0;
    while same && i < ours.len() {
        same = ours[i] == theirs[i];
        i += 1;
    }
    if !same {
        panic!(
            "these bindings were generated for another version of sessionkit: regenerate them with the sessionkit-gen of the sessionkit you build with (rerun the build script, or `sessionkit gen`)"
        );
    }
}

/// Declares a module's call-policy builder type: `$name<C>`, generic over an alloy call type
/// `C` (`ERC20::transferCall`), with `max_value_per_use`, `value_limit` and `build(target)`
/// returning the runtime's [`CallPolicy`]. The generated module adds the constructor of each
/// function (`transfer() -> $name<ERC20::transferCall>`) and an inherent impl per call type
/// with one method per parameter word.
#[macro_export]
macro_rules! call_policy_builder {
    ($(#[$meta:meta])* $vis:vis $name:ident) => {
        $(#[$meta])*
        /// A call policy of one function of this module's contract, made by the function's
        /// constructor (`transfer()`) and constrained by one method per parameter word;
        /// `build(target)` yields the runtime's `CallPolicy`.
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[must_use = "a call policy does nothing until `build(target)` turns it into a `sessionkit::policy::CallPolicy`"]
        $vis struct $name<C> {
            parts: $crate::typed::PolicyParts,
            call: ::core::marker::PhantomData<fn() -> C>,
        }

        impl<C: $crate::__private::SolCall> $name<C> {
            /// A policy allowing any call of the function without value.
            fn new() -> Self {
                $name {
                    parts: $crate::typed::PolicyParts::new(),
                    call: ::core::marker::PhantomData,
                }
            }

            /// Caps the value (wei) of each call (0 by default).
            pub fn max_value_per_use(mut self, value: impl $crate::policy::Amount) -> Self {
                self.parts = self.parts.max_value_per_use(value);
                self
            }

            /// Limits the total value sent with the calls (unlimited by default).
            pub fn value_limit(mut self, limit: $crate::policy::Limit) -> Self {
                self.parts = self.parts.value_limit(limit);
                self
            }

            /// The runtime's call policy allowing the function on `target`, with its selector
            /// and Solidity signature (so `SessionSpec::builder` checks the constraints).
            pub fn build(
                self,
                target: impl ::core::convert::Into<$crate::__private::Address>,
            ) -> $crate::policy::CallPolicy {
                self.parts.build::<C>(target.into())
            }

            /// Adds a constraint on word `index` of type `ty`, named `name` (a raw identifier's
            /// `r#` dropped).
            fn with_param<V: $crate::typed::ParamValue>(
                mut self,
                index: u64,
                ty: $crate::params::WordType,
                name: &str,
                constraint: $crate::typed::ParamConstraint<V>,
            ) -> Self {
                let name = name.strip_prefix("r#").unwrap_or(name);
                self.parts = self.parts.param(index, ty, name, constraint);
                self
            }
        }
    };
}

/// Declares the parameter methods of one function's call-policy builder: for each word, a
/// method of that name taking a [`ParamConstraint`] whose value type fits the word's Solidity
/// type (`address`, `bool`, `uint<N>`, `int<N>`, `bytes<N>`), adding the constraint at the
/// word's index.
///
/// ```
/// # #![allow(missing_docs)]
/// # use alloy::primitives::Address;
/// # use sessionkit::typed::{eq, lte};
/// alloy::sol! {
///     interface ERC20 {
///         function transfer(address to, uint256 value) external returns (bool);
///     }
/// }
/// sessionkit::call_policy_builder!(pub CallPolicyBuilder);
///
/// /// `transfer(address,uint256)`.
/// pub fn transfer() -> CallPolicyBuilder<ERC20::transferCall> {
///     CallPolicyBuilder::new()
/// }
/// sessionkit::call_policy_params! {
///     CallPolicyBuilder<ERC20::transferCall> {
///         /// `to` (`address`, word 0).
///         to: address = 0;
///         /// `value` (`uint256`, word 1).
///         value: uint<256> = 1;
///     }
/// }
///
/// # let (bob, token) = (Address::repeat_byte(2), Address::repeat_byte(3));
/// let policy = transfer().to(eq(bob)).value(lte(100u64)).build(token);
/// assert_eq!(policy.constraints[1].param.as_deref(), Some("value"));
/// ```
#[macro_export]
macro_rules! call_policy_params {
    ($builder:ident<$call:path> { $($(#[$attr:meta])* $name:ident : $kind:ident $(<$n:literal>)? = $index:literal;)* }) => {
        impl $builder<$call> {
            $($crate::__call_policy_param!($kind $(<$n>)?; $(#[$attr])* $name = $index);)*
        }
    };
}

/// One method of [`call_policy_params!`]: the word kind picks the value trait and the
/// [`WordType`].
#[doc(hidden)]
#[macro_export]
macro_rules! __call_policy_param {
    (address; $($rest:tt)*) => {
        $crate::__call_policy_param!(@ AddressValue, $crate::params::WordType::Address; $($rest)*);
    };
    (bool; $($rest:tt)*) => {
        $crate::__call_policy_param!(@ BoolValue, $crate::params::WordType::Bool; $($rest)*);
    };
    (uint<$n:literal>; $($rest:tt)*) => {
        $crate::__call_policy_param!(@ UintValue, $crate::params::WordType::Uint($n); $($rest)*);
    };
    (int<$n:literal>; $($rest:tt)*) => {
        $crate::__call_policy_param!(@ IntValue, $crate::params::WordType::Int($n); $($rest)*);
    };
    (bytes<$n:literal>; $($rest:tt)*) => {
        $crate::__call_policy_param!(@ BytesValue<$n>, $crate::params::WordType::FixedBytes($n); $($rest)*);
    };
    (@ $value:ident $(<$n:literal>)?, $ty:expr; $(#[$attr:meta])* $name:ident = $index:literal) => {
        $(#[$attr])*
        pub fn $name(
            self,
            constraint: $crate::typed::ParamConstraint<impl $crate::typed::$value $(<$n>)?>,
        ) -> Self {
            self.with_param($index, $ty, ::core::stringify!($name), constraint)
        }
    };
}
