//! The user-facing commands: demo, gas, simulate, and every command's help.

use crate::{bin, run};

fn sample(name: &str) -> String {
    format!(
        "{}/../../examples/simulate/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn demo_walks_through_the_guide_with_each_denial_decoded() {
    let out = run(bin().args(["demo", "--json"]));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let step = |name: &str| {
        lines
            .iter()
            .find(|l| l["step"] == name)
            .unwrap_or_else(|| panic!("no step {name}: {stdout}"))
    };
    for name in ["upgrade", "grant", "use", "rotate", "revoke", "sponsored"] {
        assert!(
            step(name)["gas"].as_u64().unwrap() > 21_000,
            "{name} has its gas"
        );
    }
    for (name, error) in [
        ("wrong_selector", "CallPolicyViolated"),
        ("constraint", "ConditionFailed"),
        ("limit", "LifetimeUsageExceeded"),
        ("max_value", "MaxValueExceeded"),
        ("expired", "SessionExpired"),
        ("rotated", "InvalidSignature"),
        ("revoked", "InvalidSignature"),
    ] {
        assert_eq!(step(name)["denied"], error, "{name}");
        let reason = step(name)["reason"].as_str().unwrap();
        let next_steps = [
            "grant",
            "sign with",
            "send less",
            "stay within",
            "change the argument",
            "wait for",
        ];
        assert!(
            next_steps.iter().any(|s| reason.contains(s)),
            "{name} names a next step: {reason}"
        );
    }
    assert!(step("done")["seconds"].as_f64().unwrap() < 30.0);
    // The review before the grant, and the rotation's carried-over limits.
    let review = step("review")["message"].as_str().unwrap();
    assert!(
        review.contains("warning[allowance-longer-than-session] transfer_policies[0].value_limit"),
        "{review}"
    );
    let rotate = step("rotate")["message"].as_str().unwrap();
    assert!(
        rotate.contains("call_policies[0].constraints[1].limit: 250 in total -> 50 in total (the old key used 200)")
            && rotate.contains("transfer_policies[0].value_limit: 0.02 ether per 1d -> 0.01 ether per 1d"),
        "{rotate}"
    );
    assert!(step("monitor")["message"]
        .as_str()
        .unwrap()
        .starts_with("sessionkit sessions --rpc http://127.0.0.1:"));

    let text = run(bin().arg("demo"));
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("upgraded it with an EIP-7702 authorization") && text.contains("(gas "),
        "{text}"
    );
    assert!(!text.contains('\u{1b}'), "no colour when not on a terminal");
    // The monitor's listing: both keys revoked, the old key's three calls (two transfers, one
    // batch of two) and the new key's one, the owner's own calls apart.
    assert_eq!(text.matches(": revoked\n").count(), 2, "{text}");
    assert!(
        text.contains("  calls: 3\n") && text.contains("  calls: 1\n"),
        "{text}"
    );
    assert!(text.contains("\nowner calls: 4\n"), "{text}");
}

#[test]
fn gas_reports_every_operation_as_json() {
    let out = run(bin().args(["gas", "--json"]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let gas = |key: &str| {
        rows.iter()
            .find(|r| r["key"] == key)
            .unwrap_or_else(|| panic!("no {key}"))["gas"]
            .as_u64()
            .unwrap()
    };
    assert!(gas("owner_erc20") > 21_000);
    assert_eq!(
        gas("session_overhead"),
        gas("session_erc20_steady") - gas("owner_erc20")
    );
    assert!(
        gas("session_overhead") <= 12_650,
        "the overhead ceiling of Gas.t.sol"
    );
    assert!(gas("session_erc20_first") > gas("session_erc20_steady"));
}

#[test]
fn simulate_decides_each_call_from_hand_written_json() {
    let out = run(bin()
        .args([
            "simulate",
            "--spec",
            &sample("spec.json"),
            "--calls",
            &sample("calls.json"),
            "--usage",
            &sample("usage.json"),
        ])
        .args(["--at", "2024-10-04T12:00:00Z", "--each"]));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "a denial exits 1: {stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "call 0: allowed");
    assert_eq!(lines[1], "call 1: allowed");
    assert!(
        lines[2].starts_with("call 2: denied (call_policies[0].constraints[0]): ConditionFailed"),
        "{stdout}"
    );
    assert!(
        lines[3].starts_with("call 3: denied: CallPolicyViolated"),
        "{stdout}"
    );
    assert!(lines[4].starts_with("call 4: denied (call_policies[0].constraints[1].limit): AllowanceExceeded: 200 of the allowance 250"), "{stdout}");

    // One batch: the first denial decides, as on chain.
    let out = run(bin().args([
        "simulate",
        "--spec",
        &sample("spec.json"),
        "--calls",
        &sample("calls.json"),
        "--at",
        "1728043200",
        "--json",
    ]));
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["decision"], "denied");
    assert_eq!(line["call"], 2);
    assert_eq!(line["error"], "ConditionFailed");
}

#[test]
fn simulate_reports_bad_input_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_string_lossy().into_owned()
    };
    let bad_spec = write("bad-spec.json", r#"{"signer": "0x22", "expires_at": 1}"#);
    let calls = sample("calls.json");
    let spec = sample("spec.json");
    let bad_calls = write(
        "bad-calls.json",
        r#"[{"target": "0x3333333333333333333333333333333333333333", "function": "transfer(address,uint256)", "args": ["0x44", "1"]}]"#,
    );
    let cases = [
        (
            vec!["--spec", &bad_spec, "--calls", &calls],
            "bad-spec.json",
        ),
        (
            vec!["--spec", "/nonexistent/spec.json", "--calls", &calls],
            "/nonexistent/spec.json",
        ),
        (
            vec!["--spec", &spec, "--calls", &bad_calls],
            "bad-calls.json",
        ),
        (
            vec!["--spec", &spec, "--calls", &calls, "--at", "soon"],
            "--at",
        ),
    ];
    for (args, want) in cases {
        let out = run(bin().arg("simulate").args(&args));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(want), "{stderr}");
    }
}

#[test]
fn every_command_has_help_with_an_example() {
    for command in [
        "check", "demo", "gas", "simulate", "bench", "gen", "keygen", "grant", "revoke", "cache",
    ] {
        let out = run(bin().args([command, "--help"]));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{command}");
        assert!(
            text.contains("Example"),
            "{command} --help has an example:\n{text}"
        );
    }
}

#[test]
fn gen_writes_bindings_once_and_reports_bad_input_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let account = format!(
        "{}/../../tests/fixtures/minimal-account.abi.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let erc20 = format!(
        "erc20={}/../sessionkit-gen/tests/fixtures/ERC20.abi.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let generate = || {
        run(bin()
            .args(["gen", "--account", &account, "--target", &erc20, "--out"])
            .arg(dir.path()))
    };
    let first = generate();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(String::from_utf8_lossy(&first.stdout).contains("3 files (3 changed)"));
    let text = std::fs::read_to_string(dir.path().join("erc20.rs")).unwrap();
    assert!(
        text.starts_with("// @generated") && text.contains("0xa9059cbb"),
        "{}",
        &text[..200]
    );
    let second = generate();
    assert!(String::from_utf8_lossy(&second.stdout).contains("3 files (0 changed)"));

    for (args, want) in [
        (
            vec!["--account", "/nonexistent/abi.json"],
            "/nonexistent/abi.json",
        ),
        (
            vec!["--account", account.as_str(), "--target", "erc20"],
            "NAME=PATH",
        ),
        (
            vec![
                "--account",
                account.as_str(),
                "--target",
                "fn=/nonexistent/x.json",
            ],
            "/nonexistent/x.json",
        ),
    ] {
        let out = run(bin().arg("gen").args(&args).arg("--out").arg(dir.path()));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(want), "{stderr}");
    }
}
