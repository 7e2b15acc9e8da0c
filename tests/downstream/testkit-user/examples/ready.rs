//! The anvil-ready figure of a harness in this crate's build (debug unless --release): the
//! median of 10 starts.

#[tokio::main]
async fn main() {
    let mut ready = Vec::new();
    for _ in 0..10 {
        let h = sessionkit_testkit::Harness::builder()
            .try_spawn()
            .await
            .unwrap_or_else(|e| panic!("no harness: {e}"));
        ready.push(h.ready_time());
    }
    ready.sort();
    println!(
        "downstream anvil ready: median {:.1} ms, min {:.1} ms, max {:.1} ms over 10 starts",
        ready[5].as_secs_f64() * 1e3,
        ready[0].as_secs_f64() * 1e3,
        ready[9].as_secs_f64() * 1e3
    );
}
