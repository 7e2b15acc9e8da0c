//! A contract author's scenario files: read and resolved offline (every mistake is one line
//! naming the file, line and column), and played on every route by the conformance runner.

use std::path::Path;
use std::sync::Arc;

use alloy::primitives::U256;
use sessionkit::params;
use sessionkit::policy::{Condition, Limit};
use sessionkit_testkit::conformance::{self, Artifact, Config, Status};
use sessionkit_testkit::scenario::{
    Actor, CallPolicyTemplate, CallTemplate, Catalog, Context, ContractArtifact,
    ContractDeployment, Expect, Location, Name, ParamTemplate, RouteName, Scenario, ScenarioFile,
    SessionTemplate, SetupKind, SetupStep, Step, StepKind, Time, Value,
};

mod errors;

/// The fixture contracts of the test kit (`TestToken`, `Counter`, …) as a project's catalog.
pub fn fixtures() -> Catalog {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts");
    let mut catalog = Catalog::new();
    for name in ["TestToken", "Counter", "Reverter", "EthReceiver"] {
        catalog.insert(ContractArtifact::from_file(&dir.join(format!("{name}.json"))).unwrap());
    }
    catalog
}

pub const FIXTURES: &str = include_str!("fixtures.toml");

pub fn parse(text: &str) -> Result<ScenarioFile, sessionkit_testkit::scenario::ScenarioError> {
    let catalog = fixtures();
    let account = Artifact::bundled().abi;
    ScenarioFile::parse(
        "sessions/fixtures.toml",
        text,
        &Context::new(&catalog, &account),
    )
}

async fn run_file(file: ScenarioFile) -> Vec<conformance::RunResult> {
    let config = Config {
        suite: false,
        files: vec![Arc::new(file)],
        jobs: 2,
        ..Config::default()
    };
    conformance::run(&config, |_| {})
        .await
        .unwrap_or_else(|e| panic!("the scenarios could not run: {e}"))
}

#[test]
fn a_file_resolves_names_functions_and_parameters_from_the_abi() {
    let file = parse(FIXTURES).unwrap();
    assert_eq!(file.contracts.len(), 2);
    assert_eq!(file.contracts[0].alias, "token");
    assert_eq!(file.contracts[0].artifact.name, "TestToken");
    assert_eq!(file.setup.len(), 2);
    let default = file.session("default").unwrap();
    assert_eq!(default.expires_in, 86_400);
    let transfer = &default.calls[0];
    assert_eq!(transfer.function.signature(), "transfer(address,uint256)");
    let words: Vec<(&str, u64)> = transfer
        .params
        .iter()
        .map(|p| (p.word.name.as_str(), p.word.index))
        .collect();
    assert_eq!(words, [("to", 0), ("value", 1)]);
    // `newNumber` is the Solidity name; the generator's name is `new_number`.
    assert_eq!(default.calls[1].params[0].word.name, "new_number");
    assert_eq!(file.scenarios.len(), 7);
    assert_eq!(
        file.scenarios[0].at.to_string(),
        "sessions/fixtures.toml:38:1"
    );
    assert_eq!(file.scenarios[0].steps[2].at.line, 43);
    assert!(file.scenarios[1].pins().contains("LifetimeUsageExceeded"));
    assert_eq!(file.scenarios[0].routes.len(), 4, "every route by default");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_of_the_fixture_file_passes_on_every_route() {
    let results = run_file(parse(FIXTURES).unwrap()).await;
    assert_eq!(results.len(), 7 * 4);
    let failures: Vec<String> = results
        .iter()
        .filter(|r| r.status != Status::Passed)
        .map(|r| format!("{} [{}]: {:?}", r.scenario, r.path, r.status))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        results.iter().all(|r| r.notes.is_empty()),
        "the bundled account agrees with the simulator"
    );
    assert!(results.iter().all(|r| r
        .source
        .as_deref()
        .is_some_and(|s| s.starts_with("sessions/fixtures.toml:"))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_expectation_fails_naming_the_line_the_call_and_the_constraint() {
    let text = FIXTURES.replace(
        "{ call = \"token.transfer(bob, 101)\", expect = { error = \"ConditionFailed\", param = \"value\" } }",
        "{ call = \"token.transfer(bob, 101)\", expect = \"allowed\" }",
    );
    assert_ne!(text, FIXTURES);
    let text = text.replace(
        "{ call = \"token.transfer(bob, 1)\", expect = { error = \"LifetimeUsageExceeded\", args = { lifetimeUsage = 250, limit = 250 } } }",
        "{ call = \"token.transfer(bob, 1)\", expect = { error = \"LifetimeUsageExceeded\", args = { lifetimeUsage = 200 } } }",
    );
    let text = text.replace(
        "{ call = \"token.transfer(carol, 1)\", expect = { error = \"ConditionFailed\", param = \"to\" } }",
        "{ call = \"token.transfer(carol, 1)\", expect = { error = \"ConditionFailed\", param = \"value\" } }",
    );
    let mut file = parse(&text).unwrap();
    file.scenarios.truncate(2);
    for s in &mut file.scenarios {
        s.routes.truncate(1);
    }
    let results = run_file(file).await;
    let message = |i: usize| match &results[i].status {
        Status::Failed(m) => m.clone(),
        other => panic!("{} should fail: {other:?}", results[i].scenario),
    };
    assert_eq!(
        message(0),
        "sessions/fixtures.toml:43:3: token.transfer(bob, 101): expected allowed, got ConditionFailed on value (<= 100): got 101"
    );
    assert_eq!(
        message(1),
        "sessions/fixtures.toml:54:3: token.transfer(bob, 1): expected LifetimeUsageExceeded(lifetimeUsage: 200), got LifetimeUsageExceeded on value (250 in total): 250 used, got 1 (its argument lifetimeUsage is 250, not 200)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expected_param_must_be_the_constraint_that_failed() {
    let text = FIXTURES.replace(
        "{ call = \"token.transfer(carol, 1)\", expect = { error = \"ConditionFailed\", param = \"to\" } }",
        "{ call = \"token.transfer(carol, 1)\", expect = { error = \"ConditionFailed\", param = \"value\" } }",
    );
    let mut file = parse(&text).unwrap();
    file.scenarios.truncate(1);
    file.scenarios[0].routes.truncate(1);
    let results = run_file(file).await;
    match &results[0].status {
        Status::Failed(m) => assert_eq!(
            m,
            "sessions/fixtures.toml:44:3: token.transfer(carol, 1): expected ConditionFailed on value, got ConditionFailed on to (== bob): got carol (it is about to, not value)"
        ),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scenario_built_in_rust_runs_like_a_file() {
    // The file from disk, as a Rust test would load it.
    let catalog = fixtures();
    let account = Artifact::bundled().abi;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testkit/scenarios/fixtures.toml");
    let loaded =
        ScenarioFile::load(&path, "fixtures.toml", &Context::new(&catalog, &account)).unwrap();
    assert_eq!(loaded.scenarios.len(), 7);

    // The same kind of scenario built in code: a token, a minted balance, a capped transfer.
    let token = catalog.find("TestToken").unwrap();
    let function = |name: &str| token.abi.function(name).unwrap()[0].clone();
    let transfer = function("transfer");
    let layout = params::layout(&transfer, params::BUILDER_METHODS).unwrap();
    let at = Location::code("in code");
    let target = Name::Contract("token".into());
    let call = |amount: u64| {
        CallTemplate::function(
            target.clone(),
            transfer.clone(),
            vec![
                Value::name(Name::Actor(Actor::Bob)),
                Value::uint(U256::from(amount)),
            ],
        )
    };
    let step = |amount: u64, expect: Expect| Step {
        kind: StepKind::Call {
            calls: vec![call(amount)],
            who: Actor::Key,
            time: Time::Next,
            expect,
        },
        at: at.clone(),
    };
    let file = ScenarioFile {
        path: "in code".into(),
        contracts: vec![ContractDeployment {
            alias: "token".into(),
            artifact: token.clone(),
            args: Vec::new(),
            at: at.clone(),
        }],
        setup: vec![SetupStep {
            kind: SetupKind::Call {
                call: CallTemplate::function(
                    target.clone(),
                    function("mint"),
                    vec![Value::name(Name::Account), Value::uint(U256::from(1000))],
                ),
                by: None,
            },
            at: at.clone(),
        }],
        sessions: vec![SessionTemplate {
            name: "default".into(),
            expires_in: 3600,
            wildcard: false,
            calls: vec![CallPolicyTemplate {
                target: target.clone(),
                function: transfer.clone(),
                max_value_per_use: U256::ZERO,
                value_limit: Limit::Unlimited,
                params: vec![ParamTemplate {
                    word: layout.word("value").unwrap().clone(),
                    condition: Condition::LessOrEqual,
                    value: Value::uint(U256::from(100)),
                    limit: Limit::lifetime(150u64),
                }],
            }],
            transfers: Vec::new(),
            at: at.clone(),
        }],
        scenarios: vec![Scenario {
            name: "built in code".into(),
            at: at.clone(),
            routes: RouteName::ALL.to_vec(),
            session: Some("default".into()),
            steps: vec![
                step(100, Expect::Allowed),
                step(101, Expect::error(&account, "ConditionFailed").unwrap()),
                step(50, Expect::Allowed),
                step(1, Expect::error(&account, "LifetimeUsageExceeded").unwrap()),
            ],
        }],
        lint_allow: Vec::new(),
    };
    let results = run_file(file).await;
    assert_eq!(results.len(), 4);
    for r in &results {
        assert_eq!(r.status, Status::Passed, "{} [{}]", r.scenario, r.path);
    }
}
