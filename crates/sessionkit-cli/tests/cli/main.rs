//! The command line's tests, one module per subject, in one test binary.

mod check;
mod commands;
mod lint;
mod owner;
mod project;
mod sessions;

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The `sessionkit` binary built for these tests.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sessionkit"))
}

/// Runs `command` to completion within five minutes and returns its output, captured in files (a
/// grandchild that keeps a pipe open cannot hang the test).
pub fn run(command: &mut Command) -> Output {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let stdout = std::fs::File::create(dir.path().join("stdout")).expect("a file");
    let stderr = std::fs::File::create(dir.path().join("stderr")).expect("a file");
    let mut child = command
        .stdout(Stdio::from(stdout))
        .stderr(Stdio::from(stderr))
        .spawn()
        .expect("the sessionkit binary starts");
    let deadline = Instant::now() + Duration::from_secs(300);
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for sessionkit") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{command:?} did not finish within 5 minutes");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Output {
        status,
        stdout: std::fs::read(dir.path().join("stdout")).expect("stdout"),
        stderr: std::fs::read(dir.path().join("stderr")).expect("stderr"),
    }
}
