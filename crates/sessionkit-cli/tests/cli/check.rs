//! `sessionkit check` end to end: a deliberately broken account fails exactly the scenarios
//! that pin the check it lacks; bad input is a one-line error; no anvil outlives a run.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use sessionkit_testkit::conformance::{self, Artifact, Config, Status};
use sessionkit_testkit::toolchain::{Tool, Toolchain};

/// The repository (for the Solidity sources and their npm libraries).
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

use crate::{bin, run};

/// Copies the account's sources into a temporary Foundry project with `edit` applied to
/// PolicyEngine.sol, builds it with forge, and returns the account's artifact.
fn broken_account(dir: &Path, edit: impl Fn(&str) -> String) -> PathBuf {
    assert!(
        root().join("node_modules/solady").is_dir(),
        "the repository's Solidity libraries are missing: run `npm ci` in {}",
        root().display()
    );
    let forge = Toolchain::from_env()
        .resolve(Tool::Forge)
        .unwrap_or_else(|e| panic!("forge is needed to build the broken account: {e}"))
        .path;
    let src = dir.join("contracts");
    for sub in ["", "interfaces", "libraries", "types"] {
        std::fs::create_dir_all(src.join(sub)).unwrap();
        for entry in std::fs::read_dir(root().join("contracts").join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "sol") {
                let text = std::fs::read_to_string(&path).unwrap();
                let text = if path.file_name().unwrap() == "PolicyEngine.sol" {
                    edit(&text)
                } else {
                    text
                };
                std::fs::write(src.join(sub).join(path.file_name().unwrap()), text).unwrap();
            }
        }
    }
    std::os::unix::fs::symlink(root().join("node_modules"), dir.join("node_modules")).unwrap();
    let toml = std::fs::read_to_string(root().join("foundry.toml"))
        .unwrap()
        .replace(
            "solc = \"tools/solc\"",
            &format!("solc = \"{}\"", root().join("tools/solc").display()),
        )
        .replace("optimizer_runs = 1000000", "optimizer_runs = 200");
    std::fs::write(dir.join("foundry.toml"), toml).unwrap();
    let out = Command::new(forge)
        .args(["build", "--root"])
        .arg(dir)
        .args(["--skip", "test"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "forge build failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.join("out/SessionAccount.sol/SessionAccount.json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_lifetime_check_fails_exactly_the_scenarios_that_pin_it() {
    let dir = tempfile::tempdir().unwrap();
    let artifact = broken_account(dir.path(), |text| {
        let check = "if gt(amount, sub(limit, used)) { fail2(0x5dd55ff1, used, limit) }";
        assert!(
            text.contains(check),
            "the lifetime check moved: update this test"
        );
        text.replace(check, "")
    });
    let config = Config {
        artifact: Artifact::from_file(&artifact).unwrap(),
        jobs: 2,
        ..Config::default()
    };
    let results = conformance::run(&config, |_| {}).await.unwrap();
    let failed: BTreeSet<&str> = results
        .iter()
        .filter(|r| matches!(r.status, Status::Failed(_)))
        .map(|r| r.scenario.as_str())
        .collect();
    let pinning: BTreeSet<&str> = conformance::scenarios()
        .iter()
        .filter(|s| s.pins().contains("LifetimeUsageExceeded"))
        .map(|s| s.name)
        .collect();
    assert!(!pinning.is_empty());
    assert_eq!(
        failed, pinning,
        "the scenarios that fail are exactly those that pin the lifetime limit"
    );

    // The command line says so with its exit code.
    let out = run(bin()
        .arg("check")
        .arg("--artifact")
        .arg(&artifact)
        .args(["--filter", "lifetime", "--jobs", "1"]));
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("FAILED"));
}

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
