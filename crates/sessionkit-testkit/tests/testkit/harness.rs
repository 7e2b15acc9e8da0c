//! The harness owns its anvil: a busy port and a dead anvil are clear errors, time and
//! snapshots behave, and parallel harnesses do not share state.

use alloy::primitives::U256;
use sessionkit_testkit::{Harness, HarnessError};

use crate::chain;

#[tokio::test]
async fn a_port_in_use_is_a_clear_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let err = Harness::builder().port(port).try_spawn().await.unwrap_err();
    assert!(matches!(err, HarnessError::Spawn { .. }), "{err}");
    assert!(
        err.to_string().contains(&format!("port {port} is in use")),
        "{err}"
    );
}

#[tokio::test]
async fn an_anvil_that_dies_is_reported_as_such() {
    let h = chain().await;
    let pid = h.anvil_pid().expect("anvil runs");
    std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(50));
    // Any request now fails; the error says anvil died and how, not "error sending request".
    let err = h.timestamp().await.unwrap_err();
    assert!(matches!(err, HarnessError::AnvilDied { .. }), "{err}");
    let message = err.to_string();
    assert!(message.contains("anvil died (signal: 9"), "{message}");
    assert!(!message.contains('\n'), "{message}");
}

#[tokio::test]
async fn time_moves_and_snapshots_restore_state_and_clock() {
    let h = chain().await;
    let start = h.timestamp().await.unwrap();
    let snapshot = h.snapshot().await.unwrap();
    let eoa = h.funded_eoa().await.unwrap();
    h.warp_by(86_400).await.unwrap();
    assert!(h.timestamp().await.unwrap() >= start + 86_400);
    h.warp_to(start + 200_000).await.unwrap();
    assert_eq!(h.timestamp().await.unwrap(), start + 200_000);
    h.revert(snapshot).await.unwrap();
    assert_eq!(h.timestamp().await.unwrap(), start);
    use alloy::providers::Provider;
    assert_eq!(
        h.provider().get_balance(eoa.address()).await.unwrap(),
        U256::ZERO
    );
    // The next block follows the snapshot's clock, not the time travel undone.
    h.mine(1).await.unwrap();
    assert!(h.timestamp().await.unwrap() < start + 86_400);
}

#[tokio::test]
async fn parallel_harnesses_do_not_share_state() {
    let (a, b) = tokio::join!(chain(), chain());
    assert_ne!(a.endpoint(), b.endpoint());
    let key = a.funded_eoa().await.unwrap();
    use alloy::providers::Provider;
    assert!(a.provider().get_balance(key.address()).await.unwrap() > U256::ZERO);
    assert_eq!(
        b.provider().get_balance(key.address()).await.unwrap(),
        U256::ZERO
    );
    a.warp_by(10_000).await.unwrap();
    assert!(b.timestamp().await.unwrap() + 5_000 < a.timestamp().await.unwrap());
}
