//! `sessionkit check` end to end outside a project: the suite and its JUnit report, accounts
//! without some functions, bad input as a one-line error, no anvil outliving a run. (A
//! deliberately broken account, and Foundry projects: `project.rs`.)

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// The repository (for the Solidity sources and their npm libraries).
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

use crate::{bin, run};

#[test]
fn check_runs_the_suite_and_writes_junit() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("report.xml");
    let out = run(bin()
        .args(["check", "--filter", "allowance", "--jobs", "1", "--junit"])
        .arg(&junit));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("allowance resets at the window boundary"),
        "{stdout}"
    );
    assert!(stdout.contains(" 0 failed"), "{stdout}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("<testsuite name=\"sessionkit conformance\""),
        "{xml}"
    );
    assert!(xml.contains("failures=\"0\""), "{xml}");
}

#[test]
fn an_artifact_without_execute_with_sig_reports_sponsored_runs_as_not_applicable() {
    let dir = tempfile::tempdir().unwrap();
    let mut artifact: serde_json::Value =
        serde_json::from_str(sessionkit::contracts::session_account::ARTIFACT).unwrap();
    let abi = artifact["abi"].as_array_mut().unwrap();
    abi.retain(|e| e["name"] != "executeWithSig");
    let path = dir.path().join("NoSig.json");
    std::fs::write(&path, artifact.to_string()).unwrap();
    let out = run(bin().arg("check").arg("--artifact").arg(&path).args([
        "--filter",
        "wildcard key",
        "--jobs",
        "1",
    ]));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("n/a: the account has no executeWithSig"),
        "{stdout}"
    );
    assert!(stdout.contains("passed"), "{stdout}");
}

#[test]
fn bad_input_is_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let counter =
        std::fs::read_to_string(root().join("crates/sessionkit-testkit/artifacts/Counter.json"))
            .unwrap();
    let no_session = write("Counter.json", &counter);
    let mut iface: serde_json::Value =
        serde_json::from_str(sessionkit::contracts::session_account::ARTIFACT).unwrap();
    iface["bytecode"]["object"] = "0x".into();
    let cases = [
        (dir.path().join("missing.json"), "cannot read"),
        (write("bad.json", "{not json"), "not JSON"),
        (
            write("noabi.json", "{\"bytecode\": \"0x00\"}"),
            "no \"abi\"",
        ),
        (write("iface.json", &iface.to_string()), "no bytecode"),
        (no_session, "lacks the session functions"),
    ];
    for (path, want) in cases {
        let out = run(bin().arg("check").arg("--artifact").arg(&path));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
        assert!(
            stderr.contains(want) && stderr.contains(path.file_name().unwrap().to_str().unwrap()),
            "{stderr}"
        );
    }
    let out = run(bin().args(["check", "--filter", "no such scenario"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("selects no scenario"));
    let out = run(bin()
        .args(["check"])
        .env("SESSIONKIT_ANVIL", "/nonexistent/anvil"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("SESSIONKIT_ANVIL"), "{stderr}");
}

/// The pids of anvil processes whose environment carries `marker`.
fn anvils_with(marker: &str) -> Vec<u32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(environ) = std::fs::read(entry.path().join("environ")) else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        if String::from_utf8_lossy(&cmdline).contains("anvil")
            && String::from_utf8_lossy(&environ).contains(marker)
        {
            pids.push(pid);
        }
    }
    pids
}

#[test]
fn no_anvil_outlives_a_run_even_a_killed_one() {
    let marker = format!("SESSIONKIT_TEST_MARKER=no-leftover-{}", std::process::id());
    let (key, value) = marker.split_once('=').unwrap();
    let out = run(bin()
        .args(["check", "--filter", "expiry", "--jobs", "2"])
        .env(key, value));
    assert!(out.status.success());
    assert_eq!(
        anvils_with(&marker),
        Vec::<u32>::new(),
        "anvil outlived a finished run"
    );

    // Killed with SIGKILL mid-run: the kernel's parent-death signal takes anvil down too.
    let mut child = bin()
        .args(["check", "--jobs", "2"])
        .env(key, value)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while anvils_with(&marker).is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "anvil never started"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let start = Instant::now();
    while !anvils_with(&marker).is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "anvil survived its killed parent: {:?}",
            anvils_with(&marker)
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Ends a `check` run with `signal` once its anvils run, and requires them gone within a few
/// seconds of its exit.
fn no_anvil_outlives(signal: &str) {
    let marker = format!(
        "SESSIONKIT_TEST_MARKER=signal-{signal}-{}",
        std::process::id()
    );
    let (key, value) = marker.split_once('=').unwrap();
    let mut child = bin()
        .args(["check", "--jobs", "2"])
        .env(key, value)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while anvils_with(&marker).len() < 2 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "two anvils never started"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    child.wait().unwrap();
    let start = Instant::now();
    while !anvils_with(&marker).is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "anvil outlived the command ended by SIG{signal}: {:?}",
            anvils_with(&marker)
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn no_anvil_outlives_a_sigterm() {
    no_anvil_outlives("TERM");
}

#[test]
fn no_anvil_outlives_a_sigint() {
    no_anvil_outlives("INT");
}
