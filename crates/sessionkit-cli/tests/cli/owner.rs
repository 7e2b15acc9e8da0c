//! `keygen`, `grant` and `revoke` against a local chain, with keys from a keystore (password
//! from a file) and from an environment variable: never from a plain argument.

use alloy::primitives::Address;
use alloy::signers::local::PrivateKeySigner;
use sessionkit_testkit::Harness;

use crate::{bin, run};

async fn harness() -> Harness {
    Harness::builder()
        .try_spawn()
        .await
        .unwrap_or_else(|e| panic!("cannot start the test chain: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keystore_from_keygen_grants_and_an_env_key_revokes() {
    let h = harness().await;
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, "correct horse\n").unwrap();
    let keys = dir.path().join("keys");
    let out = run(bin()
        .args(["keygen", "--dir"])
        .arg(&keys)
        .args(["--name", "owner.json", "--password-file"])
        .arg(&secret));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let address: Address = stdout
        .lines()
        .find_map(|l| l.strip_prefix("address "))
        .expect("keygen prints the address")
        .parse()
        .unwrap();
    // The same keystore decrypts to the printed address; the key itself was never printed.
    let owner =
        PrivateKeySigner::decrypt_keystore(keys.join("owner.json"), "correct horse").unwrap();
    assert_eq!(owner.address(), address);
    assert!(!stdout.contains(&alloy::hex::encode(owner.to_bytes())));
    // A second keygen to the same name refuses to overwrite it.
    let again = run(bin()
        .args(["keygen", "--dir"])
        .arg(&keys)
        .args(["--name", "owner.json", "--password-file"])
        .arg(&secret));
    assert_eq!(again.status.code(), Some(2));

    h.set_balance(
        address,
        alloy::primitives::U256::from(10u64).pow(alloy::primitives::U256::from(18)),
    )
    .await
    .unwrap();
    let eoa = h.client(&owner).await.unwrap();
    eoa.upgrade(&owner).await.unwrap();
    let key = PrivateKeySigner::random();
    let expires = h.timestamp().await.unwrap() + 3600;
    let spec = dir.path().join("spec.json");
    std::fs::write(
        &spec,
        format!(
            r#"{{"signer": "{}", "expires_at": {expires}, "call_policies": [{{"target": "{}", "function": "setNumber(uint256)"}}]}}"#,
            key.address(),
            h.counter
        ),
    )
    .unwrap();
    let out = run(bin()
        .args(["grant", "--rpc", h.endpoint(), "--account"])
        .arg(address.to_string())
        .arg("--spec")
        .arg(&spec)
        .arg("--key-file")
        .arg(keys.join("owner.json"))
        .arg("--password-file")
        .arg(&secret));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("granted a session to {}", key.address())),
        "{stdout}"
    );
    assert_eq!(eoa.expires_at(key.address()).await.unwrap(), expires);

    let out = run(bin()
        .args(["revoke", "--rpc", h.endpoint(), "--account"])
        .arg(address.to_string())
        .arg("--signer")
        .arg(key.address().to_string())
        .args(["--key-env", "SESSIONKIT_TEST_OWNER_KEY"])
        .env("SESSIONKIT_TEST_OWNER_KEY", owner.to_bytes().to_string()));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(eoa.session(key.address()).await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_mistakes_are_one_line_errors() {
    let h = harness().await;
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.json");
    std::fs::write(&spec, "{}").unwrap();
    let account = Address::repeat_byte(0x11).to_string();
    // (arguments, environment, what the error says)
    type Case<'a> = (Vec<String>, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (vec![], vec![], "give the owner's key as --key-file FILE"),
        (
            vec!["--key-env".into(), "SESSIONKIT_TEST_UNSET".into()],
            vec![],
            "SESSIONKIT_TEST_UNSET: the variable is not set",
        ),
        (
            vec!["--key-env".into(), "SESSIONKIT_TEST_BAD".into()],
            vec![("SESSIONKIT_TEST_BAD", "0x1234")],
            "does not hold a private key",
        ),
        (
            vec![
                "--key-file".into(),
                dir.path().join("missing.json").display().to_string(),
                "--password-file".into(),
                spec.display().to_string(),
            ],
            vec![],
            "missing.json: cannot decrypt the keystore",
        ),
    ];
    for (args, env, expected) in cases {
        let mut command = bin();
        command
            .args([
                "revoke",
                "--rpc",
                h.endpoint(),
                "--account",
                &account,
                "--signer",
                &account,
            ])
            .args(&args);
        for (k, v) in env {
            command.env(k, v);
        }
        let out = run(&mut command);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
    }
    // An account without code is named before anything is signed.
    let key = PrivateKeySigner::random();
    let out = run(bin()
        .args([
            "revoke",
            "--rpc",
            h.endpoint(),
            "--account",
            &account,
            "--signer",
            &account,
        ])
        .args(["--key-env", "K"])
        .env("K", key.to_bytes().to_string()));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is not delegated"), "{stderr}");
}

/// Runs the command line with the owner's key from the environment; returns stdout, or panics
/// with stderr when `ok` and it failed.
fn owner_cmd(owner: &PrivateKeySigner, args: &[&str]) -> (bool, String, String) {
    let out = run(bin()
        .args(args)
        .args(["--key-env", "SESSIONKIT_TEST_OWNER_KEY"])
        .env("SESSIONKIT_TEST_OWNER_KEY", owner.to_bytes().to_string()));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paymasters_cancelled_grants_and_revoke_all_from_the_command_line() {
    use alloy::primitives::U256;
    use sessionkit::policy::{CallPolicy, SessionSpec};
    let h = harness().await;
    let (owner, eoa) = h.smart_eoa().await.unwrap();
    let account = eoa.address().to_string();
    let rpc = h.endpoint().to_string();
    let now = h.timestamp().await.unwrap();
    let spec_for = |key: &PrivateKeySigner| {
        SessionSpec::builder(key.address())
            .expires_at(now + 3600)
            .call(CallPolicy::function(h.counter, "setNumber(uint256)").unwrap())
            .build_at(now)
            .unwrap()
    };
    let (a, b) = (PrivateKeySigner::random(), PrivateKeySigner::random());
    eoa.grant(&owner, &spec_for(&a), &owner).await.unwrap();
    eoa.grant(&owner, &spec_for(&b), &owner).await.unwrap();
    let signer = a.address().to_string();
    let paymaster = h.paymaster.to_string();

    // Allow a paymaster with a cap, list it, disallow it.
    let (ok, out, err) = owner_cmd(
        &owner,
        &[
            "paymaster",
            "allow",
            "--rpc",
            &rpc,
            "--account",
            &account,
            "--signer",
            &signer,
            "--paymaster",
            &paymaster,
            "--max-cost",
            "0.01ether",
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains("allowed paymaster"), "{out}");
    assert_eq!(
        eoa.session_paymasters(a.address()).await.unwrap(),
        vec![(h.paymaster, U256::from(10u64).pow(U256::from(16)))]
    );
    let list = run(bin().args([
        "paymaster",
        "list",
        "--rpc",
        &rpc,
        "--account",
        &account,
        "--signer",
        &signer,
    ]));
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        text.contains(&paymaster) && text.contains("per operation"),
        "{text}"
    );
    let (ok, _, err) = owner_cmd(
        &owner,
        &[
            "paymaster",
            "disallow",
            "--rpc",
            &rpc,
            "--account",
            &account,
            "--signer",
            &signer,
            "--paymaster",
            &paymaster,
        ],
    );
    assert!(ok, "{err}");
    assert!(eoa
        .session_paymasters(a.address())
        .await
        .unwrap()
        .is_empty());
    // Disallowing it again names the error and what to do.
    let (ok, _, err) = owner_cmd(
        &owner,
        &[
            "paymaster",
            "disallow",
            "--rpc",
            &rpc,
            "--account",
            &account,
            "--signer",
            &signer,
            "--paymaster",
            &paymaster,
        ],
    );
    assert!(!ok);
    assert!(err.contains("SessionPaymasterNotAllowed"), "{err}");

    // A grant signed and never submitted, cancelled through its spec file.
    let c = PrivateKeySigner::random();
    let pending = spec_for(&c);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pending.json");
    std::fs::write(&file, pending.to_json()).unwrap();
    let (ok, out, err) = owner_cmd(
        &owner,
        &[
            "cancel-grant",
            "--rpc",
            &rpc,
            "--account",
            &account,
            "--spec",
            file.to_str().unwrap(),
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains(&pending.uid.to_string()), "{out}");
    let err = eoa.grant(&owner, &pending, &owner).await.unwrap_err();
    assert!(err.to_string().contains("UIDAlreadyProcessed"), "{err}");

    // Revoke every live session at once: both keys are burned.
    let (ok, out, err) = owner_cmd(
        &owner,
        &["revoke", "--rpc", &rpc, "--account", &account, "--all"],
    );
    assert!(ok, "{err}");
    for key in [&a, &b] {
        assert!(
            out.contains(&format!("revoked and burned {}", key.address())),
            "{out}"
        );
        assert!(eoa.is_revoked(key.address()).await.unwrap());
        assert!(eoa.session(key.address()).await.unwrap().is_none());
    }
    let (ok, out, _) = owner_cmd(
        &owner,
        &["revoke", "--rpc", &rpc, "--account", &account, "--all"],
    );
    assert!(ok && out.contains("no live session"), "{out}");
    // A burned key cannot be granted again: the error says to use a new key.
    let mut again = spec_for(&a);
    again.uid = alloy::primitives::B256::random();
    let err = eoa.grant(&owner, &again, &owner).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("SignerRevoked") && text.contains("new session key"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotate_carries_what_is_left_and_dry_run_sends_nothing() {
    use alloy::primitives::U256;
    use sessionkit::policy::{Limit, SessionSpec, TransferPolicy};
    use sessionkit::Call;
    let h = harness().await;
    // At the start of an hour, so the allowance's window does not turn during the test.
    let now = h.timestamp().await.unwrap();
    h.warp_to((now / 3600 + 1) * 3600 + 1).await.unwrap();
    let (owner, eoa) = h.smart_eoa().await.unwrap();
    h.set_balance(eoa.address(), U256::from(10u64).pow(U256::from(18)))
        .await
        .unwrap();
    let old = PrivateKeySigner::random();
    h.set_balance(old.address(), U256::from(10u64).pow(U256::from(18)))
        .await
        .unwrap();
    let now = h.timestamp().await.unwrap();
    let spec = SessionSpec::builder(old.address())
        .expires_at(now + 7200)
        .transfer(
            TransferPolicy::new(h.receiver)
                .max_value_per_use(10u64)
                .value_limit(Limit::allowance(15u64, 3600)),
        )
        .build_at(now)
        .unwrap();
    eoa.grant(&owner, &spec, &owner).await.unwrap();
    eoa.execute_as_session(&old, &[Call::transfer(h.receiver, 10u64)])
        .await
        .unwrap();
    let new = PrivateKeySigner::random();
    let account = eoa.address().to_string();
    let rpc = h.endpoint().to_string();
    let (old_s, new_s) = (old.address().to_string(), new.address().to_string());
    let base = [
        "rotate",
        "--rpc",
        &rpc,
        "--account",
        &account,
        "--old",
        &old_s,
        "--new",
        &new_s,
    ];

    // A dry run needs no key and changes nothing.
    let out = run(bin().args(base).arg("--dry-run"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("transfer_policies[0].value_limit: 15 wei per 1h -> 5 wei per 1h"),
        "{stdout}"
    );
    assert!(stdout.contains("not sent: --dry-run"), "{stdout}");
    assert!(eoa.session(new.address()).await.unwrap().is_none());
    assert!(eoa.session(old.address()).await.unwrap().is_some());

    let (ok, out, err) = owner_cmd(&owner, &base);
    assert!(ok, "{err}");
    assert!(
        out.contains(&format!("granted {new_s} and revoked and burned {old_s}")),
        "{out}"
    );
    assert!(eoa.is_revoked(old.address()).await.unwrap());
    let info = eoa.session(new.address()).await.unwrap().unwrap();
    assert_eq!(info.spec.expires_at, now + 7200);
    assert_eq!(
        info.spec.transfer_policies[0].value_limit,
        Limit::allowance(5u64, 3600)
    );

    // Mistakes are one line naming the file, flag or key.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fresh.json");
    std::fs::write(
        &file,
        format!(
            r#"{{"signer": "{}", "expires_at": {}, "wildcard": true}}"#,
            Address::repeat_byte(0x42),
            now + 600
        ),
    )
    .unwrap();
    let mismatched = run(bin().args(base).arg("--spec").arg(&file).arg("--dry-run"));
    let again = run(bin().args(base).arg("--dry-run"));
    let bad_mode = run(bin().args(base).args(["--allowances", "more", "--dry-run"]));
    for (out, expected) in [
        (mismatched, "fresh.json: signer"),
        (again, "has no session to rotate"),
        (bad_mode, "--allowances"),
    ] {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
    }
}
