//! The conformance suite as the project's own end-to-end tests: every scenario passes against
//! the bundled account on every route it names.

use sessionkit_testkit::conformance::{self, Config, Status};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bundled_account_passes_every_scenario() {
    let config = Config {
        jobs: 2,
        ..Config::default()
    };
    let results = conformance::run(&config, |_| {})
        .await
        .unwrap_or_else(|e| panic!("the suite could not run: {e}"));
    assert_eq!(results.len(), conformance::selected(None).len());
    let failures: Vec<String> = results
        .iter()
        .filter(|r| r.status != Status::Passed)
        .map(|r| format!("{} [{}]: {:?}", r.scenario, r.path, r.status))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} runs did not pass:\n{}",
        failures.len(),
        results.len(),
        failures.join("\n")
    );
}

#[test]
fn the_suite_covers_the_semantics() {
    let scenarios = conformance::scenarios();
    assert!(scenarios.len() >= 60, "only {} scenarios", scenarios.len());
    let mut names: Vec<&str> = scenarios.iter().map(|s| s.name).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), scenarios.len(), "scenario names are unique");
    // Every error of the interface that a scenario can provoke is pinned by at least one.
    let pinned: std::collections::BTreeSet<&str> =
        scenarios.iter().flat_map(|s| s.pins()).collect();
    for error in [
        "UIDAlreadyProcessed",
        "InvalidSignature",
        "SessionZeroSigner",
        "SessionExpiresTooSoon",
        "SessionExpired",
        "NoCallsToExecute",
        "CallReverted",
        "CallPolicyViolated",
        "TransferPolicyViolated",
        "MaxValueExceeded",
        "LifetimeUsageExceeded",
        "AllowanceExceeded",
        "InvalidDataLength",
        "ConditionFailed",
        "SessionSelfCallForbidden",
        "AllowanceWithoutPeriod",
        "SessionNotFound",
        "OnlyAccount",
    ] {
        assert!(pinned.contains(error), "no scenario pins {error}");
    }
}
