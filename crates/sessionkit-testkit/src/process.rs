//! Child processes (anvil, the bundler) that never outlive the process that started them.
//!
//! On Linux each child is given a parent-death signal (`prctl(PR_SET_PDEATHSIG, SIGKILL)`), so
//! the kernel kills it the moment this process dies, however it dies: a panic, SIGTERM,
//! SIGINT or SIGKILL. The kernel sends that signal when the *thread* that forked the child
//! exits, not the process, so every child is forked by one long-lived thread of this module
//! (an async runtime's worker threads come and go). Elsewhere children are killed when their
//! owner drops them, and a killed process leaves them running.

use std::io;
use std::process::{Child, Command};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};

type Job = (Command, mpsc::Sender<io::Result<Child>>);

/// Spawns `command` so that it dies with this process (see the [module docs](self)).
pub fn spawn_guarded(command: Command) -> io::Result<Child> {
    static SPAWNER: OnceLock<Mutex<mpsc::Sender<Job>>> = OnceLock::new();
    let spawner = SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("sessionkit-spawner".into())
            .spawn(move || {
                // Lives as long as the process: its exit is what triggers the children's signal.
                for (command, reply) in rx {
                    let _ = reply.send(spawn_now(command));
                }
            })
            .expect("a thread can be started");
        Mutex::new(tx)
    });
    let (reply, result) = mpsc::channel();
    spawner
        .lock()
        .map_err(|_| io::Error::other("the spawner thread's lock is poisoned"))?
        .send((command, reply))
        .map_err(|_| io::Error::other("the spawner thread is gone"))?;
    result
        .recv()
        .map_err(|_| io::Error::other("the spawner thread is gone"))?
}

#[cfg(target_os = "linux")]
fn spawn_now(mut command: Command) -> io::Result<Child> {
    use std::os::unix::process::CommandExt;
    let parent = std::process::id();
    // SAFETY: the closure runs in the forked child before exec and calls only prctl, getppid
    // and _exit, which are async-signal-safe.
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(io::Error::last_os_error());
            }
            // The parent may have died between fork and prctl: then nobody will send the signal.
            if libc::getppid() as u32 != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
    command.spawn()
}

#[cfg(not(target_os = "linux"))]
fn spawn_now(mut command: Command) -> io::Result<Child> {
    command.spawn()
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::io::BufRead;
    use std::time::{Duration, Instant};

    const HELPER: &str = "SESSIONKIT_GUARD_HELPER";

    /// Not a test on its own: run by the test below as a separate process, it starts a guarded
    /// `sleep`, prints its pid and waits to be killed.
    #[test]
    fn guard_helper() {
        if std::env::var_os(HELPER).is_none() {
            return;
        }
        let mut command = Command::new("sleep");
        command.arg("1000");
        let mut child = spawn_guarded(command).unwrap();
        println!("child {}", child.id());
        // Killed by the test before this returns.
        let _ = child.wait();
    }

    fn alive(pid: u32) -> bool {
        // A zombie is dead for our purpose: it runs nothing and holds no port.
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| {
                s.split_whitespace()
                    .nth(2)
                    .is_some_and(|state| state != "Z")
            })
            .unwrap_or(false)
    }

    #[test]
    fn a_guarded_child_dies_with_its_parent_even_by_sigkill() {
        let mut helper = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "process::tests::guard_helper",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(HELPER, "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(helper.stdout.take().unwrap()).lines();
        let pid: u32 = loop {
            let line = lines.next().expect("the helper prints its child").unwrap();
            // libtest prints the test's name first on the same line.
            if let Some(pid) = line.split("child ").nth(1) {
                break pid.trim().parse().unwrap();
            }
        };
        assert!(alive(pid));
        helper.kill().unwrap(); // SIGKILL: no destructor, no handler runs
        helper.wait().unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while alive(pid) {
            assert!(
                Instant::now() < deadline,
                "the guarded child {pid} outlived its parent"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}
