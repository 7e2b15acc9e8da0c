//! The downstream trial's crate: its contract is `contracts/Tally.sol`, built by forge into
//! `out/` (committed), which its tests deploy with the test kit.
