//! The pinned toolchain resolves and runs. On a fresh machine this installs it into the cache
//! first (`npm ci` there), so it needs Node.js and npm.

use std::process::Command;

use sessionkit_testkit::toolchain::{Tool, Toolchain};

#[test]
fn every_tool_of_the_project_resolves_and_reports_its_version() {
    let toolchain = Toolchain::from_env();
    for tool in Tool::ALL {
        let resolved = toolchain
            .resolve(tool)
            .unwrap_or_else(|e| panic!("{tool}: {e}"));
        let output = Command::new(&resolved.path)
            .arg("--version")
            .output()
            .unwrap_or_else(|e| panic!("{tool} at {}: {e}", resolved.path.display()));
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{tool} --version failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let expected = match tool {
            Tool::Solc => "0.8.",
            _ => "1.",
        };
        assert!(text.contains(expected), "{tool} --version printed {text:?}");
    }
}
