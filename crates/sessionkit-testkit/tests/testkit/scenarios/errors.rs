//! Bad scenario files: each mistake is one line naming the file, line and column and what was
//! expected there, and nothing runs.

use super::{parse, FIXTURES};

/// `FIXTURES` with `from` replaced by `to` (which must occur), and the error it gives.
fn error_of(from: &str, to: &str) -> String {
    assert!(FIXTURES.contains(from), "the fixture file has no {from:?}");
    let text = FIXTURES.replacen(from, to, 1);
    match parse(&text) {
        Ok(_) => panic!("{to:?} was accepted"),
        Err(e) => e.to_string(),
    }
}

#[track_caller]
fn expect(from: &str, to: &str, location: &str, fragment: &str) {
    let e = error_of(from, to);
    assert_eq!(e.lines().count(), 1, "one line: {e}");
    assert!(
        e.starts_with(&format!("sessions/fixtures.toml:{location}: ")),
        "at {location}: {e}"
    );
    assert!(e.contains(fragment), "{fragment:?} in: {e}");
}

#[test]
fn unknown_names_are_errors_naming_what_there_is() {
    expect("token = \"TestToken\"", "token = \"TestTokn\"", "3:9", "there is no contract \"TestTokn\": the project's contracts are Counter, EthReceiver, Reverter, TestToken");
    expect(
        "function = \"transfer\"\n",
        "function = \"transfr\"\n",
        "18:12",
        "token (TestToken) has no function transfr: its functions are allowance, approve",
    );
    expect("params.to = { eq = \"bob\" }", "params.too = { eq = \"bob\" }", "19:8", "transfer(address to, uint256 value) has no parameter \"too\": its parameters are to, value");
    expect("params.to = { eq = \"bob\" }", "params.to = { eq = \"bobby\" }", "19:20", "\"bobby\" is not an address or a name: expected 0x… or one of owner, key, bob, carol, stranger, sponsor, account, token, counter");
    expect(
        "call = \"token.mint(account, 1000)\"",
        "call = \"tokn.mint(account, 1000)\"",
        "7:8",
        "\"tokn\" is not an address or a name",
    );
    expect(
        "{ call = \"token.transfer(bob, 100)\", expect = \"allowed\" },",
        "{ call = \"token.transfer(bob, 100)\", expect = \"Allowed\" },",
        "41:49",
        "unknown error \"Allowed\": expected \"allowed\", \"expired\" or an error of the account (",
    );
    expect(
        "{ revoke = \"key\" },",
        "{ revoke = \"key\", as = \"alice\" },",
        "79:26",
        "\"alice\" is not an actor: the actors are owner, key, bob, carol, stranger and sponsor",
    );
    expect(
        "{ grant = \"default\" },",
        "{ grant = \"big\" },",
        "90:13",
        "there is no session \"big\": the sessions are default, small",
    );
    expect(
        "param = \"to\" } }",
        "param = \"t0\" } }",
        "44:86",
        "no session of this file constrains a parameter \"t0\"",
    );
    expect(
        "expect = \"CallPolicyViolated\"",
        "expect = { error = \"CallPolicyViolated\", param = \"to\" }",
        "46:84",
        "`param` names the constraint of a ConditionFailed",
    );
}

#[test]
fn wrong_types_and_shapes_are_errors() {
    expect("{ call = \"token.transfer(bob, 100)\", expect = \"allowed\" },", "{ call = \"token.transfer(100, bob)\", expect = \"allowed\" },", "41:12", "argument 0 (to) of transfer(address to, uint256 value): \"100\" is not an address or a name");
    expect(
        "{ call = \"token.transfer(bob, 100)\", expect = \"allowed\" },",
        "{ call = \"token.transfer(bob)\", expect = \"allowed\" },",
        "41:12",
        "transfer(address to, uint256 value) takes 2 argument(s), 1 given",
    );
    expect(
        "{ call = \"token.transfer(bob, 100)\", expect = \"allowed\" },",
        "{ call = \"token.transfer(bob, -1)\", expect = \"allowed\" },",
        "41:12",
        "\"-1\" is not a uint256",
    );
    expect(
        "params.value = { lte = \"100\", lifetime = \"250\" }",
        "params.value = { lte = \"100\", lifetime = \"lots\" }",
        "20:42",
        "`lifetime`: ",
    );
    expect(
        "params.value = { lte = \"100\", lifetime = \"250\" }",
        "params.value = { lte = \"100\", allowance = \"250\" }",
        "20:16",
        "an allowance needs a `period`",
    );
    expect(
        "params.value = { lte = \"100\", lifetime = \"250\" }",
        "params.value = { lte = \"100\", gte = \"1\" }",
        "20:24",
        "one condition per parameter",
    );
    expect(
        "params.value = { lte = \"100\", lifetime = \"250\" }",
        "params.value = { below = \"100\" }",
        "20:18",
        "unknown key `below` in parameter value: expected `eq`, `ne`",
    );
    expect(
        "expires_in = \"1d\"",
        "expires_in = \"soon\"",
        "14:14",
        "`expires_in`: ",
    );
    expect(
        "value_limit = { allowance = \"0.02 ether\", period = \"1h\" }",
        "value_limit = { allowance = \"0.02 ether\", period = 0 }",
        "30:52",
        "`period` must be at least 1 second",
    );
    expect(
        "{ call = \"token.transfer(bob, 1)\", at = \"expiry - 1s\", expect = \"allowed\" },",
        "{ call = \"token.transfer(bob, 1)\", at = \"tomorrow\", expect = \"allowed\" },",
        "71:43",
        "\"tomorrow\" is not a time",
    );
    expect(
        "{ read = \"token.balanceOf(bob)\", equals = 100 },",
        "{ read = \"token.balanceOf(bob)\", equals = \"bob\" },",
        "42:45",
        "`equals` (uint256): \"bob\" is not a uint256",
    );
    expect(
        "{ read = \"token.balanceOf(bob)\", equals = 100 },",
        "{ read = \"token.balanceOf(bob)\" },",
        "42:3",
        "a read step needs `equals`",
    );
    expect(
        "{ call = \"token.transfer(bob, 100)\", expect = \"allowed\" },",
        "{ call = \"token.transfer(bob, 100)\" },",
        "41:3",
        "a call step needs `expect`",
    );
    expect(
        "{ call = \"token.transfer(bob, 100)\", expect = \"allowed\" },",
        "{ call = \"token.transfer(bob, 100)\", warp = \"1h\", expect = \"allowed\" },",
        "41:3",
        "a step does one thing: this one has both `call` and `warp`",
    );
    expect(
        "{ warp = \"1h\" },",
        "{ warp = \"1h\", expect = \"allowed\" },",
        "106:18",
        "unknown key `expect` in a step: expected `warp`",
    );
    expect(
        "args = { lifetimeUsage = 250, limit = 250 }",
        "args = { used = 250 }",
        "54:91",
        "LifetimeUsageExceeded has no argument \"used\": its arguments are lifetimeUsage, limit",
    );
    expect(
        "args = [\"stranger\", \"account\"]",
        "args = [\"stranger\"]",
        "105:101",
        "InvalidSignature(address,address) has 2 argument(s), 1 given",
    );
    expect(
        "counter = { artifact = \"Counter\", args = [] }",
        "counter = { artifact = \"Counter\", args = [1] }",
        "4:42",
        "Counter's constructor() takes 0 argument(s), 1 given",
    );
    expect(
        "[[setup]]\nfund = \"account\"\nbalance = \"1 ether\"",
        "[[setup]]\nfund = \"account\"",
        "9:1",
        "a fund step needs `balance`",
    );
    expect(
        "name = \"the session expires\"",
        "name = \"transfers to bob within the cap\"",
        "68:1",
        "a second scenario named \"transfers to bob within the cap\"",
    );
    expect(
        "[sessions.small]",
        "[sessions.default]",
        "32:11",
        "`default` is the name of [session]",
    );
    expect(
        "function = \"setNumber\"",
        "function = \"setNumber\"\nwildcard = true",
        "25:1",
        "unknown key `wildcard` in [session] call 2",
    );
}

#[test]
fn a_malformed_file_is_one_line_too() {
    let e = parse("[session\nexpires_in = \"1h\"")
        .unwrap_err()
        .to_string();
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.starts_with("sessions/fixtures.toml:1:"), "{e}");
    assert!(e.contains("not valid TOML"), "{e}");
    let e = parse("[session]\n").unwrap_err().to_string();
    assert!(e.contains("no [[scenario]]"), "{e}");
    let e = parse(
        "[[scenario]]\nname = \"x\"\nsteps = [{ call = \"bob\", expect = \"allowed\" }]\n[extra]\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.starts_with("sessions/fixtures.toml:4:2: unknown key `extra` in the file"),
        "{e}"
    );
    let e = parse("[[scenario]]\nname = \"x\"\nsteps = 3\n")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("`steps`: expected an array, found an integer"),
        "{e}"
    );
}

#[test]
fn steps_may_be_tables_of_their_own() {
    let file = parse(
        "routes = [\"direct\"]\n[[scenario]]\nname = \"x\"\n[[scenario.steps]]\ncall = \"bob\"\nvalue = \"1 wei\"\nexpect = \"TransferPolicyViolated\"\n[[scenario.steps]]\nwarp = 60\n",
    )
    .unwrap();
    let s = &file.scenarios[0];
    assert_eq!(s.steps.len(), 2);
    assert_eq!(s.steps[0].at.to_string(), "sessions/fixtures.toml:4:1");
    assert_eq!(s.routes.len(), 1);
    assert!(s.session.is_none(), "no [session], no session");
}

#[test]
fn an_error_on_a_re_grant_is_written_by_name_from_the_accounts_abi() {
    // An account that burns revoked signers refuses their re-grant with an error of its own.
    let text = "[session]\n[[session.transfer]]\ntarget = \"bob\"\n[[scenario]]\nname = \"a revoked key stays revoked\"\nsteps = [\n  { revoke = \"key\" },\n  { grant = \"default\", expect = { error = \"SignerRevoked\", args = [\"key\"] } },\n]\n";
    let catalog = super::fixtures();
    // The bundled account burns revoked signers; an account without the error cannot expect it.
    let burning = sessionkit_testkit::conformance::Artifact::bundled().abi;
    let mut older = burning.clone();
    assert!(older.errors.remove("SignerRevoked").is_some());
    let e = sessionkit_testkit::scenario::ScenarioFile::parse(
        "burn.toml",
        text,
        &sessionkit_testkit::scenario::Context::new(&catalog, &older),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.starts_with("burn.toml:8:43: unknown error \"SignerRevoked\""),
        "{e}"
    );
    let file = sessionkit_testkit::scenario::ScenarioFile::parse(
        "burn.toml",
        text,
        &sessionkit_testkit::scenario::Context::new(&catalog, &burning),
    )
    .unwrap();
    let sessionkit_testkit::scenario::StepKind::Grant { expect, .. } =
        &file.scenarios[0].steps[1].kind
    else {
        panic!("a grant step");
    };
    assert_eq!(expect.to_string(), "SignerRevoked(key)");
}
