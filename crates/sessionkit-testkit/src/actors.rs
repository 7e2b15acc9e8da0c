//! The actors of every scenario, built-in or written by a contract author, with fixed keys so
//! that their addresses are the same in every run: anvil's well-known development keys of the
//! default mnemonic (`test test test test test test test test test test test junk`), accounts 1
//! to 6. Account 0 deploys the harness's contracts ([`DEV_KEY`](crate::harness::DEV_KEY)).
//!
//! | actor | anvil account | address |
//! |---|---|---|
//! | `owner` (the 7702 smart EOA itself, and the owner of the factory account) | 1 | `0x70997970C51812dc3A010C7d01b50e0d17dc79C8` |
//! | `key` (the session key) | 2 | `0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC` |
//! | `bob` | 3 | `0x90F79bf6EB2c4f870365E785982E1f101E93b906` |
//! | `carol` | 4 | `0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65` |
//! | `stranger` (a key with no rights on the account) | 5 | `0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc` |
//! | `sponsor` (relays `executeWithSig` and bundles user operations) | 6 | `0x976EA74026E726554dB657fA54763abd0C3a0aa9` |
//!
//! These keys are public knowledge: never use them on a real chain.
//!
//! ```
//! use sessionkit_testkit::actors::Actor;
//!
//! assert_eq!(Actor::Bob.address().to_string(), "0x90F79bf6EB2c4f870365E785982E1f101E93b906");
//! assert_eq!("carol".parse::<Actor>(), Ok(Actor::Carol));
//! ```

use std::fmt;
use std::str::FromStr;

use alloy::primitives::{b256, Address, B256};
use alloy::signers::local::PrivateKeySigner;

/// One of the six actors of a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Actor {
    /// The account's own key: the 7702 smart EOA is this EOA; the factory account is owned by it.
    Owner,
    /// The session key.
    Key,
    /// A plain address that receives tokens and value (it has a key, so it can also act).
    Bob,
    /// Another plain address.
    Carol,
    /// A key with no rights on the account.
    Stranger,
    /// The wallet that relays sponsored calls and bundles user operations.
    Sponsor,
}

impl Actor {
    /// Every actor, in the order of the table above.
    pub const ALL: [Actor; 6] = [
        Actor::Owner,
        Actor::Key,
        Actor::Bob,
        Actor::Carol,
        Actor::Stranger,
        Actor::Sponsor,
    ];

    /// The name scenario files use (`owner`, `key`, …).
    pub fn name(self) -> &'static str {
        match self {
            Actor::Owner => "owner",
            Actor::Key => "key",
            Actor::Bob => "bob",
            Actor::Carol => "carol",
            Actor::Stranger => "stranger",
            Actor::Sponsor => "sponsor",
        }
    }

    /// The fixed private key.
    pub fn private_key(self) -> B256 {
        match self {
            Actor::Owner => {
                b256!("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")
            }
            Actor::Key => {
                b256!("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a")
            }
            Actor::Bob => {
                b256!("0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6")
            }
            Actor::Carol => {
                b256!("0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a")
            }
            Actor::Stranger => {
                b256!("0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba")
            }
            Actor::Sponsor => {
                b256!("0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e")
            }
        }
    }

    /// A signer of the fixed key.
    pub fn signer(self) -> PrivateKeySigner {
        PrivateKeySigner::from_bytes(&self.private_key()).expect("the fixed keys are valid")
    }

    /// The actor's address (for `owner`, also the 7702 smart EOA's).
    pub fn address(self) -> Address {
        self.signer().address()
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Actor {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Actor::ALL
            .into_iter()
            .find(|a| a.name() == s)
            .ok_or_else(|| {
                format!("{s:?} is not an actor: the actors are owner, key, bob, carol, stranger and sponsor")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_keys_are_anvils_development_keys_1_to_6() {
        let addresses: Vec<String> = Actor::ALL.iter().map(|a| a.address().to_string()).collect();
        assert_eq!(
            addresses,
            [
                "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
                "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
                "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
                "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
                "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
                "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
            ]
        );
        for a in Actor::ALL {
            assert_eq!(a.name().parse::<Actor>(), Ok(a));
        }
        assert!("alice".parse::<Actor>().is_err());
    }
}
