//! `sessionkit lint`: findings, silencing in a spec file, a config and on the command line,
//! exit codes, JSON, and the chain's facts with `--rpc` and `--account`.

use alloy::primitives::Address;
use sessionkit_testkit::Harness;

use crate::{bin, run};

fn lint(args: &[&str]) -> (Option<i32>, String, String) {
    let out = run(bin().arg("lint").args(args));
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const AT: &str = "1800000000";

#[test]
fn findings_exit_codes_and_silencing() {
    let dir = tempfile::tempdir().unwrap();
    let wild = dir.path().join("wild.json");
    std::fs::write(
        &wild,
        r#"{"signer": "0x2222222222222222222222222222222222222222", "expires_at": 1800003600, "wildcard": true}"#,
    )
    .unwrap();
    let wild = wild.to_str().unwrap();
    let (code, out, err) = lint(&[wild, "--at", AT]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        out.contains("wild.json: error[wildcard] wildcard:"),
        "{out}"
    );
    assert!(
        out.contains("1 error(s), 0 warning(s) in 1 spec(s)"),
        "{out}"
    );

    // Silenced on the command line, in a config, in the spec file itself.
    let (code, out, _) = lint(&[wild, "--at", AT, "--allow", "wildcard"]);
    assert_eq!(code, Some(0), "{out}");
    let config = dir.path().join("lint.json");
    std::fs::write(&config, r#"{"allow": ["wildcard"]}"#).unwrap();
    let (code, out, _) = lint(&[wild, "--at", AT, "--config", config.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}");
    let own = dir.path().join("own.json");
    std::fs::write(
        &own,
        r#"{"signer": "0x2222222222222222222222222222222222222222", "expires_at": 1809000000,
            "wildcard": true, "lint": {"allow": ["wildcard"]}}"#,
    )
    .unwrap();
    let own = own.to_str().unwrap();
    // What is left is a warning: exit 0, unless warnings fail too.
    let (code, out, _) = lint(&[own, "--at", AT]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("warning[long-expiry]"), "{out}");
    let (code, _, _) = lint(&[own, "--at", AT, "--deny-warnings"]);
    assert_eq!(code, Some(1));

    // JSON: the documented schema.
    let (code, out, _) = lint(&[wild, own, "--at", AT, "--json"]);
    assert_eq!(code, Some(1));
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["errors"], 1);
    assert_eq!(doc["warnings"], 1);
    assert_eq!(doc["chain_checked"], false);
    let first = &doc["files"][0]["findings"][0];
    assert_eq!(first["rule"], "wildcard");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["field"], "wildcard");
    assert!(first["fix"].as_str().unwrap().contains("call_policies"));

    // Bad input: one line naming the file, flag or value, exit code 2.
    std::fs::write(&config, r#"{"allow": ["wildcards"]}"#).unwrap();
    let bad_spec = dir.path().join("bad.json");
    std::fs::write(&bad_spec, r#"{"signer": "0x22", "expires_at": 1}"#).unwrap();
    let cases = [
        (
            vec![wild, "--allow", "nope"],
            "--allow nope: \"nope\" is not a rule",
        ),
        (
            vec![wild, "--config", config.to_str().unwrap()],
            "lint.json: config.allow[0]: \"wildcards\" is not a rule",
        ),
        (
            vec![bad_spec.to_str().unwrap()],
            "bad.json: session spec JSON: signer",
        ),
        (vec!["missing.json"], "missing.json:"),
    ];
    for (args, expected) in cases {
        let (code, _, err) = lint(&args);
        assert_eq!(code, Some(2), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains(expected), "{expected}: {err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chain_tells_contracts_and_the_account() {
    let h = Harness::builder()
        .try_spawn()
        .await
        .unwrap_or_else(|e| panic!("cannot start the test chain: {e}"));
    let (_, eoa) = h.smart_eoa().await.unwrap();
    let now = h.timestamp().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.json");
    let eoa_target = Address::repeat_byte(0x44);
    std::fs::write(
        &spec,
        format!(
            r#"{{"signer": "0x2222222222222222222222222222222222222222", "expires_at": {},
                "transfer_policies": [
                  {{"target": "{}", "max_value_per_use": "1", "value_limit": {{"lifetime": "1"}}}},
                  {{"target": "{eoa_target}", "max_value_per_use": "1", "value_limit": {{"lifetime": "1"}}}},
                  {{"target": "{}", "max_value_per_use": "1", "value_limit": {{"lifetime": "1"}}}}
                ]}}"#,
            now + 3600,
            h.receiver,
            eoa.address()
        ),
    )
    .unwrap();
    let spec = spec.to_str().unwrap();
    let account = eoa.address().to_string();
    let (code, out, err) = lint(&[spec, "--rpc", h.endpoint(), "--account", &account]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        out.contains("warning[transfer-to-contract] transfer_policies[0]:"),
        "{out}"
    );
    assert!(!out.contains("transfer_policies[1]"), "{out}");
    assert!(
        out.contains("error[policy-on-account] transfer_policies[2].target"),
        "{out}"
    );
    assert!(!out.contains("not checked"), "{out}");
    // Without the chain, the output says what it did not check.
    let (_, out, _) = lint(&[spec]);
    assert!(out.contains("not checked: policy-on-account"), "{out}");
}
