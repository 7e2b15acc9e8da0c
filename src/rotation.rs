//! Key rotation: the spec a new session key gets when it replaces an old one, so that rotating
//! never increases what can be spent.
//!
//! The account keys usage counters by the session's data contract, so a new grant starts with
//! every counter at zero. [`carry_over`] therefore writes what the old key had left into the new
//! key's limits:
//!
//! - a `Lifetime` limit becomes `Lifetime(remaining)`;
//! - an `Allowance` keeps its period; by default ([`AllowanceCarry::WindowRemaining`]) its limit
//!   becomes what the old key has left in the current window. The account cannot start a new
//!   session part-way through a window, so that lower limit also applies to later windows: an
//!   allowance the old key has not used in the current window is carried unchanged, one it has
//!   used shrinks for good. [`AllowanceCarry::FullLimit`] keeps the limit instead, which lets the
//!   new key spend up to the old key's usage of the current window once more: the owner's choice;
//! - `Unlimited` limits, per-use caps, constraints, the expiry and the wildcard flag are copied.
//!
//! [`SmartEoa::rotate`](crate::client::SmartEoa::rotate) reads the old session and sends the
//! grant of the new key and the revocation of the old one in one owner batch.
//!
//! ```
//! use alloy::primitives::{address, U256};
//! use sessionkit::policy::{Limit, SessionSpec, TransferPolicy};
//! use sessionkit::rotation::{carry_over, AllowanceCarry};
//! use sessionkit::simulator::{remaining, Counter, LimitId, Usage};
//!
//! let bob = address!("0x4444444444444444444444444444444444444444");
//! let old = SessionSpec::builder(address!("0x2222222222222222222222222222222222222222"))
//!     .expires_at(10_000)
//!     .transfer(TransferPolicy::new(bob).max_value_per_use(U256::from(10)).value_limit(Limit::lifetime(U256::from(15))))
//!     .build_at(1_000)?;
//! let mut usage = Usage::default();
//! usage.set(LimitId::TransferValue(0), Counter { used: U256::from(10), window: 0 });
//! let state = remaining(&old, &usage, 1_000);
//! let new_key = address!("0x3333333333333333333333333333333333333333");
//! let rotation = carry_over(&old, &state, 1_000, new_key, AllowanceCarry::default());
//! assert_eq!(rotation.spec.signer, new_key);
//! assert_eq!(rotation.spec.transfer_policies[0].value_limit, Limit::lifetime(U256::from(5)));
//! # Ok::<(), sessionkit::policy::SpecError>(())
//! ```

use std::fmt;

use alloy::primitives::{Address, B256, U256};
use serde::Serialize;

use crate::policy::{Limit, SessionSpec};
use crate::simulator::{self, LimitId, SessionState};
use crate::units;

/// How [`carry_over`] treats an `Allowance` limit (see the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AllowanceCarry {
    /// The new limit is what the old key has left in the current window (the whole limit when
    /// it has not used that window), for every later window too: never more than the old key
    /// could still spend.
    #[default]
    WindowRemaining,
    /// The limit and period are kept: the current window starts over for the new key, which may
    /// spend up to what the old key used in it once more.
    FullLimit,
}

/// One limit whose amount a rotation changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LimitChange {
    /// Which limit (`call_policies[0].constraints[1].limit`), by its place in the spec.
    #[serde(serialize_with = "display")]
    pub limit: LimitId,
    /// The old key's limit.
    #[serde(serialize_with = "display")]
    pub before: Limit,
    /// The new key's limit.
    #[serde(serialize_with = "display")]
    pub after: Limit,
    /// What the old key had used of it (in total, or in the current window for an allowance).
    #[serde(with = "units::amount")]
    pub used: U256,
}

fn display<T: fmt::Display, S: serde::Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

impl fmt::Display for LimitChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} -> {} (the old key used {})",
            self.limit,
            self.limit.show_limit(&self.before),
            self.limit.show_limit(&self.after),
            self.limit.show_amount(self.used)
        )
    }
}

/// A rotation to send: the old key to revoke, the new key's spec, and the paymasters to allow
/// for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    /// The key that is revoked (and burned).
    pub old: Address,
    /// The new key's session (its `signer` is the new key).
    pub spec: SessionSpec,
    /// The limits whose amounts differ from the old key's spec (empty for a fresh spec).
    pub changes: Vec<LimitChange>,
    /// The paymasters allowed for the new key's session, each with its maximum cost per
    /// operation (`U256::MAX`: no cap): the old session's, unless changed.
    pub paymasters: Vec<(Address, U256)>,
    /// What the carry-over started from (`None` for a fresh spec): the client checks after the
    /// rotation that the old key spent nothing more meanwhile.
    pub carried: Option<Carried>,
}

/// What a carried-over [`Rotation`] was computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carried {
    /// The old key's spec, as stored.
    pub spec: SessionSpec,
    /// What the account reported was left of each of its limits.
    pub state: SessionState,
    /// The chain time of that report.
    pub at: u64,
    /// How allowances were carried.
    pub allowances: AllowanceCarry,
}

impl Rotation {
    /// A rotation to a spec of the owner's choosing (`spec.signer` is the new key): no carry-over,
    /// no paymasters unless added to [`paymasters`](Self::paymasters).
    pub fn fresh(old: Address, spec: SessionSpec) -> Self {
        Rotation {
            old,
            spec,
            changes: Vec::new(),
            paymasters: Vec::new(),
            carried: None,
        }
    }

    /// The new key.
    pub fn new_signer(&self) -> Address {
        self.spec.signer
    }
}

/// The rotation of `old` (its spec as stored) to `new_signer`, from `state` (what the account
/// reports is left of each limit of `old` at `now`): the same policies and expiry, with every
/// counted limit lowered to what the old key had left (see the [module docs](self)) and a
/// fresh random uid. Paymasters are left empty (the client fills in the old session's).
pub fn carry_over(
    old: &SessionSpec,
    state: &SessionState,
    now: u64,
    new_signer: Address,
    allowances: AllowanceCarry,
) -> Rotation {
    let usage = simulator::usage_from_state(old, state, now);
    let mut spec = old.clone();
    spec.signer = new_signer;
    spec.uid = B256::random();
    let mut changes = Vec::new();
    let mut carry = |id: LimitId, limit: &mut Limit| {
        let left = usage.remaining(id, limit, now);
        let used = limit.amount().saturating_sub(left);
        let after = match *limit {
            Limit::Unlimited => return,
            Limit::Lifetime(_) => Limit::Lifetime(left),
            Limit::Allowance { period, .. } => match allowances {
                AllowanceCarry::WindowRemaining => Limit::Allowance {
                    limit: left,
                    period,
                },
                AllowanceCarry::FullLimit => *limit,
            },
        };
        if after != *limit {
            changes.push(LimitChange {
                limit: id,
                before: *limit,
                after,
                used,
            });
            *limit = after;
        }
    };
    for (i, p) in spec.call_policies.iter_mut().enumerate() {
        carry(LimitId::CallValue(i), &mut p.value_limit);
        for (k, c) in p.constraints.iter_mut().enumerate() {
            carry(LimitId::Constraint(i, k), &mut c.limit);
        }
    }
    for (i, p) in spec.transfer_policies.iter_mut().enumerate() {
        carry(LimitId::TransferValue(i), &mut p.value_limit);
    }
    Rotation {
        old: old.signer,
        spec,
        changes,
        paymasters: Vec::new(),
        carried: Some(Carried {
            spec: old.clone(),
            state: state.clone(),
            at: now,
            allowances,
        }),
    }
}

/// The limits of `rotation`'s spec that exceed what the same carry-over from `state` (the old
/// key's, read again later, at chain time `now`) gives: what the old key spent between the plan
/// and the rotation, granted again to the new key. Each entry is the limit and the excess;
/// empty for a fresh spec.
pub fn excess(rotation: &Rotation, state: &SessionState, now: u64) -> Vec<(LimitId, U256)> {
    let Some(carried) = &rotation.carried else {
        return Vec::new();
    };
    let again = carry_over(
        &carried.spec,
        state,
        now,
        rotation.spec.signer,
        carried.allowances,
    );
    let mut out = Vec::new();
    let pairs = |s: &SessionSpec| -> Vec<(LimitId, Limit)> {
        let mut v = Vec::new();
        for (i, p) in s.call_policies.iter().enumerate() {
            v.push((LimitId::CallValue(i), p.value_limit));
            for (k, c) in p.constraints.iter().enumerate() {
                v.push((LimitId::Constraint(i, k), c.limit));
            }
        }
        for (i, p) in s.transfer_policies.iter().enumerate() {
            v.push((LimitId::TransferValue(i), p.value_limit));
        }
        v
    };
    for ((id, granted), (_, due)) in pairs(&rotation.spec).into_iter().zip(pairs(&again.spec)) {
        if granted.is_unlimited() || due.is_unlimited() {
            continue;
        }
        if granted.amount() > due.amount() {
            out.push((id, granted.amount() - due.amount()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{CallPolicy, Condition, TransferPolicy};
    use crate::simulator::{remaining, Counter, Usage};

    fn spec() -> SessionSpec {
        SessionSpec::builder(Address::repeat_byte(0x22))
            .expires_at(100_000)
            .call(
                CallPolicy::function(Address::repeat_byte(0x33), "transfer(address,uint256)")
                    .unwrap()
                    .constraint(0, Condition::Equal, Address::repeat_byte(0x44))
                    .constraint_limited(
                        1,
                        Condition::LessOrEqual,
                        1000u64,
                        Limit::allowance(5000u64, 3600),
                    )
                    .value_limit(Limit::lifetime(70u64)),
            )
            .transfer(
                TransferPolicy::new(Address::repeat_byte(0x55))
                    .max_value_per_use(10u64)
                    .value_limit(Limit::lifetime(15u64)),
            )
            .transfer(TransferPolicy::new(Address::repeat_byte(0x66)).max_value_per_use(10u64))
            .build_at(1_000)
            .unwrap()
    }

    fn used(id: LimitId, used: u64, window: u64) -> (LimitId, Counter) {
        (
            id,
            Counter {
                used: U256::from(used),
                window,
            },
        )
    }

    fn usage(entries: &[(LimitId, Counter)]) -> Usage {
        let mut u = Usage::default();
        for (id, c) in entries {
            u.set(*id, *c);
        }
        u
    }

    #[test]
    fn lifetime_limits_become_what_is_left_and_the_rest_is_copied() {
        let old = spec();
        let now = 7_300; // window 2 of 3600 s
        let u = usage(&[
            used(LimitId::TransferValue(0), 10, 0),
            used(LimitId::CallValue(0), 70, 0),
        ]);
        let new = Address::repeat_byte(0x77);
        let r = carry_over(
            &old,
            &remaining(&old, &u, now),
            now,
            new,
            AllowanceCarry::default(),
        );
        assert_eq!(r.old, old.signer);
        assert_eq!(r.spec.signer, new);
        assert_ne!(r.spec.uid, old.uid);
        assert_eq!(r.spec.expires_at, old.expires_at);
        assert_eq!(
            r.spec.transfer_policies[0].value_limit,
            Limit::lifetime(5u64)
        );
        assert_eq!(r.spec.call_policies[0].value_limit, Limit::lifetime(0u64));
        // Unused allowance window, unlimited transfer: unchanged.
        assert_eq!(
            r.spec.call_policies[0].constraints[1].limit,
            Limit::allowance(5000u64, 3600)
        );
        assert!(r.spec.transfer_policies[1].value_limit.is_unlimited());
        assert_eq!(
            r.spec.call_policies[0].constraints[0],
            old.call_policies[0].constraints[0]
        );
        assert_eq!(r.changes.len(), 2);
        assert_eq!(
            r.changes[0].to_string(),
            "call_policies[0].value_limit: 70 wei in total -> 0 wei in total (the old key used 70 wei)"
        );
        assert_eq!(r.changes[1].limit, LimitId::TransferValue(0));
        assert_eq!(r.changes[1].used, U256::from(10));
    }

    #[test]
    fn an_allowance_used_in_this_window_keeps_only_its_remaining_unless_asked() {
        let old = spec();
        let now = 7_300;
        let id = LimitId::Constraint(0, 1);
        let u = usage(&[used(id, 1200, now / 3600)]);
        let state = remaining(&old, &u, now);
        let new = Address::repeat_byte(0x77);
        let r = carry_over(&old, &state, now, new, AllowanceCarry::WindowRemaining);
        assert_eq!(
            r.spec.call_policies[0].constraints[1].limit,
            Limit::allowance(3800u64, 3600)
        );
        assert_eq!(r.changes.len(), 1);
        let r = carry_over(&old, &state, now, new, AllowanceCarry::FullLimit);
        assert_eq!(
            r.spec.call_policies[0].constraints[1].limit,
            Limit::allowance(5000u64, 3600)
        );
        assert!(r.changes.is_empty());
        // Usage in an earlier window does not count.
        let stale = usage(&[used(id, 1200, now / 3600 - 1)]);
        let r = carry_over(
            &old,
            &remaining(&old, &stale, now),
            now,
            new,
            AllowanceCarry::default(),
        );
        assert!(r.changes.is_empty());
    }

    #[test]
    fn spending_after_the_plan_shows_as_excess() {
        let old = spec();
        let now = 7_300;
        let new = Address::repeat_byte(0x77);
        let before = remaining(&old, &Usage::default(), now);
        let r = carry_over(&old, &before, now, new, AllowanceCarry::default());
        assert!(excess(&r, &before, now).is_empty());
        let u = usage(&[used(LimitId::TransferValue(0), 10, 0)]);
        let after = remaining(&old, &u, now);
        assert_eq!(
            excess(&r, &after, now),
            vec![(LimitId::TransferValue(0), U256::from(10))]
        );
    }
}
