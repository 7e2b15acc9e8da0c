//! `sessionkit check` in a Foundry project, as a contract author uses it: a fresh copy of
//! `examples/vault` builds and passes; the same project with a mutated account fails exactly
//! the scenarios (built-in and its own) that pin the broken check; `init` scaffolds a project
//! that checks; bad configuration and bad scenario files are one line each and nothing runs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use sessionkit_testkit::conformance::{self, Artifact, Config, Status};

use crate::{bin, run};

/// The repository (for the example project and the account's sources).
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Copies `from` into `to`, leaving out build output (`out/`, `cache/`).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "out" || name == "cache" {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_tree(&path, &to.join(&name));
        } else {
            std::fs::copy(&path, to.join(&name)).unwrap();
        }
    }
}

/// A fresh copy of `examples/vault` in a temporary directory.
fn example() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&root().join("examples/vault"), dir.path());
    dir
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The files under `dir`, relative, sorted (build output left out).
fn files(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if rel == "out" || rel == "cache" {
                continue;
            }
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                out.push(rel);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn a_fresh_copy_of_the_example_project_builds_and_passes() {
    let dir = example();
    let before = files(dir.path());
    let out = run(bin()
        .args(["check", "--jobs", "2", "--junit", "report.xml"])
        .current_dir(dir.path()));
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    assert!(
        text.starts_with("account: sessionkit's bundled SessionAccount (the project has no contract that implements the session-key interface)\nscenarios: 18 scenarios in 2 files of sessions/\n"),
        "{text}"
    );
    assert!(
        text.contains("a withdrawal to bob within the cap is allowed"),
        "{text}"
    );
    assert!(
        text.contains("allowance resets at the window boundary"),
        "the built-in suite ran: {text}"
    );
    assert!(text.contains("333 runs of 86 scenarios"), "{text}");
    assert!(text.contains(" 0 failed, 0 not applicable"), "{text}");
    let xml = std::fs::read_to_string(dir.path().join("report.xml")).unwrap();
    assert!(
        xml.contains("<testsuite name=\"sessionkit conformance\" tests=\"263\""),
        "{xml}"
    );
    assert!(
        xml.contains("<testsuite name=\"sessionkit scenarios\" tests=\"70\""),
        "{xml}"
    );
    assert!(xml.contains("classname=\"sessions/vault.toml\""), "{xml}");
    // Nothing but forge's build output and the report was written into the project.
    let mut after = before.clone();
    after.push("report.xml".into());
    after.sort();
    assert_eq!(files(dir.path()), after);
    assert!(dir.path().join("out/Vault.sol/Vault.json").is_file());
}

/// The example project with sessionkit's own account in `src/account/`, its PolicyEngine
/// edited by `edit`, named in sessionkit.toml with its factory.
fn example_with_account(edit: impl Fn(&str) -> String) -> tempfile::TempDir {
    let dir = example();
    let src = dir.path().join("src/account");
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
    assert!(
        root().join("node_modules/solady").is_dir(),
        "the repository's Solidity libraries are missing: run `npm ci` in {}",
        root().display()
    );
    std::os::unix::fs::symlink(root().join("node_modules"), dir.path().join("node_modules"))
        .unwrap();
    let mut toml = std::fs::read_to_string(dir.path().join("foundry.toml")).unwrap();
    toml.push_str(
        "libs = [\"node_modules\"]\nremappings = [\n    \"@openzeppelin/contracts/=node_modules/@openzeppelin/contracts/\",\n    \"solady/=node_modules/solady/src/\",\n    \"@account-abstraction/contracts/=node_modules/@account-abstraction/contracts/\",\n]\n",
    );
    std::fs::write(dir.path().join("foundry.toml"), toml).unwrap();
    let config = std::fs::read_to_string(dir.path().join("sessionkit.toml")).unwrap();
    std::fs::write(
        dir.path().join("sessionkit.toml"),
        format!("[account]\ncontract = \"SessionAccount\"\n\n[factory]\ncontract = \"SessionAccountFactory\"\n\n{config}"),
    )
    .unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_lifetime_check_fails_exactly_the_scenarios_that_pin_it() {
    let dir = example_with_account(|text| {
        let check = "if gt(amount, sub(limit, used)) { fail2(0x5dd55ff1, used, limit) }";
        assert!(
            text.contains(check),
            "the lifetime check moved: update this test"
        );
        text.replace(check, "")
    });
    // A scenario that expects what this account does, not what sessionkit's simulator
    // predicts: a note for the project's own account, a failure with --strict-simulator.
    std::fs::write(
        dir.path().join("sessions/lenient.toml"),
        LENIENT.replace(
            "VAULT",
            std::fs::read_to_string(dir.path().join("sessions/vault.toml"))
                .unwrap()
                .split("[[scenario]]")
                .next()
                .unwrap(),
        ),
    )
    .unwrap();
    let out = run(bin()
        .args(["check", "--jobs", "2", "--junit", "report.xml"])
        .current_dir(dir.path()));
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}\n{}", stderr(&out));
    assert!(
        text.starts_with(
            "account: SessionAccount (src/account/SessionAccount.sol), named in sessionkit.toml\n"
        ),
        "{text}"
    );
    assert!(
        !text.contains("n/a"),
        "the factory route runs with the configured factory: {text}"
    );

    // The failed runs, from the JUnit report: the built-in scenarios that pin the lifetime
    // limit, and the project's own.
    let xml = std::fs::read_to_string(dir.path().join("report.xml")).unwrap();
    let failed: BTreeSet<String> = xml
        .split("<testcase ")
        .skip(1)
        .filter(|case| case.contains("<failure"))
        .map(|case| {
            let name = case
                .split("name=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            name.rsplit_once(" [").unwrap().0.replace("&apos;", "'")
        })
        .collect();
    let builtin: BTreeSet<String> = conformance::scenarios()
        .iter()
        .filter(|s| s.pins().contains("LifetimeUsageExceeded"))
        .map(|s| s.name.to_owned())
        .collect();
    assert!(!builtin.is_empty());
    let own: BTreeSet<String> = [
        "the lifetime limit is used up exactly",
        "a re-grant starts the session's counters from zero",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    let expected: BTreeSet<String> = builtin.union(&own).cloned().collect();
    assert_eq!(failed, expected, "{text}");
    // Each failure of the project's scenarios names the file and line that caught it.
    assert!(
        text.contains("sessions/vault.toml:62:3: vault.withdraw(1, bob): expected LifetimeUsageExceeded(lifetimeUsage: 250, limit: 250), got allowed"),
        "{text}"
    );
    assert!(
        text.contains("sessions/vault.toml:140:3: vault.withdraw(100, bob): expected LifetimeUsageExceeded, got allowed"),
        "{text}"
    );

    assert!(
        text.contains("expected LifetimeUsageExceeded(lifetimeUsage: 250, limit: 250), got allowed; the simulator predicted LifetimeUsageExceeded on amount (250 in total): 250 used, got 1"),
        "the simulator's opinion: {text}"
    );
    assert!(
        text.contains("notes (the simulator disagrees with the chain; --strict-simulator makes this fail):\n  the account lets a withdrawal past the lifetime limit through [direct]: sessions/lenient.toml:"),
        "{text}"
    );
    assert!(text.contains("passed (1 note)"), "{text}");
    // The built-in suite's failures are said the same way: the calls decoded, the limit named.
    assert!(
        text.contains("FAILED: step 2: counter.setNumber(1) with 5 wei: expected LifetimeUsageExceeded on the value of counter.setNumber(uint256) (12 wei in total): 8 wei used, got 5 wei, got allowed; the simulator predicted LifetimeUsageExceeded"),
        "{text}"
    );
    let out = run(bin()
        .args([
            "check",
            "--no-suite",
            "--filter",
            "lenient",
            "--strict-simulator",
            "--jobs",
            "1",
        ])
        .current_dir(dir.path()));
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("vault.withdraw(1, bob): the chain said allowed, the simulator predicted LifetimeUsageExceeded on amount"),
        "{}",
        stdout(&out)
    );

    // The same account through the Rust API: exactly the built-in scenarios that pin it.
    let artifact = dir
        .path()
        .join("out/SessionAccount.sol/SessionAccount.json");
    let config = Config {
        artifact: Artifact::from_file(&artifact).unwrap(),
        jobs: 2,
        ..Config::default()
    };
    let results = conformance::run(&config, |_| {}).await.unwrap();
    let failed: BTreeSet<String> = results
        .iter()
        .filter(|r| matches!(r.status, Status::Failed(_)))
        .map(|r| r.scenario.clone())
        .collect();
    assert_eq!(failed, builtin);
    // And `--artifact` outside the project, filtered.
    let out = run(bin()
        .arg("check")
        .arg("--artifact")
        .arg(&artifact)
        .args(["--filter", "lifetime", "--jobs", "1"]));
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("FAILED"));
}

/// A scenario over the contracts and session of `sessions/vault.toml` (its head replaces
/// `VAULT`) that expects the broken account's behaviour.
const LENIENT: &str = r#"VAULT
[[scenario]]
name = "the account lets a withdrawal past the lifetime limit through"
routes = ["direct"]
steps = [
  { calls = ["vault.withdraw(100, bob)", "vault.withdraw(100, bob)", "vault.withdraw(50, bob)"], expect = "allowed" },
  { call = "vault.withdraw(1, bob)", expect = "allowed" },
]
"#;

#[test]
fn init_scaffolds_a_project_that_checks_and_list_starts_no_chain() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("foundry.toml"),
        "[profile.default]\nsrc = \"src\"\n",
    )
    .unwrap();
    let out = run(bin().arg("init").current_dir(dir.path()));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).lines().take(2).collect::<Vec<_>>(),
        ["wrote sessionkit.toml", "wrote sessions/first.toml"]
    );
    let out = run(bin().arg("init").arg("--project").arg(dir.path()));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is set up already"),
        "{}",
        stderr(&out)
    );

    // --list reads everything and starts no anvil (there is none to start).
    let out = run(bin()
        .args(["check", "--list", "--no-suite"])
        .current_dir(dir.path())
        .env("SESSIONKIT_ANVIL", "/nonexistent/anvil"));
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    assert!(
        text.contains("scenarios: 2 scenarios in 1 file of sessions/"),
        "{text}"
    );
    assert!(text.contains("sessions/first.toml:"), "{text}");
    assert!(
        text.contains("8 runs of 2 scenarios (8 applicable) would run"),
        "{text}"
    );

    let out = run(bin()
        .args(["check", "--no-suite", "--jobs", "1"])
        .current_dir(dir.path()));
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    assert!(
        text.contains("8 runs of 2 scenarios against (bundled SessionAccount): 8 passed"),
        "{text}"
    );
}

/// Runs `check` in `dir`; returns its exit code, stdout and stderr.
fn check_in(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = run(bin().arg("check").args(args).current_dir(dir));
    (out.status.code(), stdout(&out), stderr(&out))
}

#[test]
fn bad_configuration_and_bad_scenarios_are_one_line_each_and_nothing_runs() {
    let out = run(bin().args(["check", "--project", "/nonexistent/project"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("/nonexistent/project: no foundry.toml"),
        "{}",
        stderr(&out)
    );

    let dir = example();
    let config = dir.path().join("sessionkit.toml");
    let good = std::fs::read_to_string(&config).unwrap();

    std::fs::write(&config, format!("[acount]\ncontract = \"X\"\n{good}")).unwrap();
    let (code, _, err) = check_in(dir.path(), &["--list"]);
    assert_eq!(code, Some(2));
    assert_eq!(err.trim_end().lines().last().unwrap(), "error: sessionkit.toml:1:2: unknown key `acount` in sessionkit.toml: expected `account`, `factory`, `scenarios` or `check`");

    std::fs::write(&config, format!("[account]\ncontract = \"Token\"\n{good}")).unwrap();
    let (code, _, err) = check_in(dir.path(), &["--list"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("sessionkit.toml:2:12: [account] contract: Token (src/Token.sol) lacks execute((address,uint256,bytes)[]): it does not implement the session-key interface"), "{err}");
    std::fs::write(&config, &good).unwrap();

    // Two bad files: both reported, one line each, and nothing runs.
    let vault = dir.path().join("sessions/vault.toml");
    let text = std::fs::read_to_string(&vault).unwrap();
    std::fs::write(
        &vault,
        text.replace("vault.withdraw(101, bob)", "vault.withdrawAll(101, bob)"),
    )
    .unwrap();
    let payments = dir.path().join("sessions/payments.toml");
    let text = std::fs::read_to_string(&payments).unwrap();
    std::fs::write(
        &payments,
        text.replace(
            "expect = \"AllowanceExceeded\"",
            "expect = \"AllowanceExceded\"",
        ),
    )
    .unwrap();
    let (code, out, err) = check_in(dir.path(), &["--jobs", "1"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(!out.contains("runs of"), "nothing ran: {out}");
    let lines: Vec<&str> = err.lines().filter(|l| l.contains(".toml:")).collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0]
            .starts_with("error: sessions/payments.toml:21:45: unknown error \"AllowanceExceded\""),
        "{err}"
    );
    assert!(lines[1].starts_with("sessions/vault.toml:46:12: vault (Vault) has no function withdrawAll: its functions are balanceOf, deposit, token, withdraw"), "{err}");

    // A compiler error is forge's, with its location.
    std::fs::write(&vault, "").unwrap();
    std::fs::remove_file(&payments).unwrap();
    let source = dir.path().join("src/Vault.sol");
    let text = std::fs::read_to_string(&source).unwrap();
    std::fs::write(
        &source,
        text.replace(
            "balanceOf[msg.sender] = available - amount;",
            "balanceOf[msg.sender] = availble - amount;",
        ),
    )
    .unwrap();
    let (code, _, err) = check_in(dir.path(), &["--list"]);
    assert_eq!(code, Some(2));
    let last = err.trim_end().lines().last().unwrap();
    assert!(last.starts_with("error: forge build failed in "), "{err}");
    assert!(
        last.contains("Undeclared identifier") && last.contains("src/Vault.sol"),
        "{err}"
    );
}

/// The code block of the README that follows `<!-- readme: NAME -->`.
fn readme_block(name: &str) -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let marker = format!("<!-- readme: {name} -->\n```toml\n");
    let start = readme
        .find(&marker)
        .unwrap_or_else(|| panic!("no {marker:?} in the README"))
        + marker.len();
    let len = readme[start..].find("```\n").unwrap();
    readme[start..start + len].to_owned()
}

#[test]
fn the_readme_config_and_scenario_file_are_real() {
    let config = readme_block("sessionkit.toml");
    let parsed = sessionkit_testkit::project::read_config(&config).unwrap();
    assert_eq!(parsed.account.unwrap().0, "MyAccount");
    assert_eq!(parsed.factory.unwrap().contract, "MyAccountFactory");

    let dir = example();
    let scenario = readme_block("sessions/withdrawals.toml");
    let path = dir.path().join("sessions/withdrawals.toml");
    std::fs::write(&path, &scenario).unwrap();
    let (code, out, err) = check_in(
        dir.path(),
        &["--no-suite", "--filter", "withdrawals", "--jobs", "2"],
    );
    assert_eq!(code, Some(0), "{out}\n{err}");
    assert!(
        out.contains("12 runs of 3 scenarios against (bundled SessionAccount): 12 passed"),
        "{out}"
    );

    // The failure the README shows is the one this file gives.
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let shown = readme
        .lines()
        .find(|l| l.starts_with("sessions/withdrawals.toml:"))
        .unwrap();
    std::fs::write(
        &path,
        scenario.replace(
            "{ call = \"vault.withdraw(101, bob)\", expect = { error = \"ConditionFailed\", param = \"amount\" } }",
            "{ call = \"vault.withdraw(101, bob)\", expect = \"allowed\" }",
        ),
    )
    .unwrap();
    let (code, out, _) = check_in(
        dir.path(),
        &["--no-suite", "--filter", "within the caps", "--jobs", "1"],
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains(shown), "{shown:?} in:\n{out}");
}

/// Runs `lint --project .` in `dir`; returns its exit code, stdout and stderr.
fn lint_in(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = run(bin()
        .args(["lint", "--project", "."])
        .args(args)
        .current_dir(dir));
    (out.status.code(), stdout(&out), stderr(&out))
}

#[test]
fn lint_reviews_the_sessions_of_the_scenario_files_with_each_files_silencing() {
    let dir = example();
    let (code, out, err) = lint_in(dir.path(), &["--deny-warnings"]);
    assert_eq!(
        code,
        Some(0),
        "the example's sessions are clean: {out}{err}"
    );
    assert!(
        out.contains("0 error(s), 0 warning(s) in 2 spec(s)"),
        "{out}"
    );

    // A file whose sessions break rules: a wildcard, and a transfer policy to a contract the
    // file deploys (its fallback would run).
    let risky = r#"
[contracts]
token = { artifact = "Token", args = ["T", "T", "account"] }

[sessions.anything]
wildcard = true

[session]
[[session.transfer]]
target = "token"
max_value_per_use = "1 wei"

[[scenario]]
name = "a wildcard key calls anything"
session = "anything"
steps = [{ call = "token.mint(bob, 1)", expect = "allowed" }]
"#;
    let file = dir.path().join("sessions/risky.toml");
    std::fs::write(&file, risky).unwrap();
    let (code, out, err) = lint_in(dir.path(), &[]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        out.contains("sessions/risky.toml [session anything]: error[wildcard]"),
        "{out}"
    );
    assert!(
        out.contains("sessions/risky.toml [session default]: warning[transfer-to-contract]"),
        "{out}"
    );
    assert!(
        out.contains("sessions/risky.toml [session default]: warning[unlimited-value]"),
        "{out}"
    );
    let (_, json, _) = lint_in(dir.path(), &["--json"]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["session"] == "anything" && f["findings"][0]["rule"] == "wildcard"));

    // The file silences what it breaks on purpose; the others stay checked.
    std::fs::write(
        &file,
        format!("[lint]\nallow = [\"wildcard\", \"transfer-to-contract\", \"unlimited-value\"]\n{risky}"),
    )
    .unwrap();
    let (code, out, err) = lint_in(dir.path(), &["--deny-warnings"]);
    assert_eq!(code, Some(0), "{out}{err}");

    // A rule that does not exist is bad input, named with its place in the file.
    std::fs::write(&file, format!("[lint]\nallow = [\"wildcards\"]\n{risky}")).unwrap();
    let (code, out, err) = lint_in(dir.path(), &[]);
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(
        err.contains("sessions/risky.toml:2:") && err.contains("\"wildcards\" is not a rule"),
        "{err}"
    );
    assert_eq!(
        err.trim()
            .lines()
            .filter(|l| l.starts_with("error"))
            .count(),
        1,
        "{err}"
    );
}
