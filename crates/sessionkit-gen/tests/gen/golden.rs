//! Golden outputs: the generator's output for real ABIs must equal the files committed under
//! `tests/output/` (which `golden_compile.rs` compiles). `SESSIONKIT_GEN_BLESS=1` rewrites them.

use crate::common;

use std::collections::BTreeSet;

#[test]
fn golden_outputs_match() {
    let bless = std::env::var_os("SESSIONKIT_GEN_BLESS").is_some_and(|v| v != "0");
    let mut failures = Vec::new();
    for (set, generator) in common::golden_sets() {
        let files = generator.render().unwrap_or_else(|e| panic!("{set}: {e}"));
        let dir = common::output_dir(set);
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                if !files.contains_key(&name) {
                    std::fs::remove_file(&path).unwrap();
                }
            }
            for (name, content) in &files {
                std::fs::write(dir.join(name), content).unwrap();
            }
            continue;
        }
        let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
            .map(|entries| {
                entries
                    .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        let rendered: BTreeSet<String> = files.keys().cloned().collect();
        if on_disk != rendered {
            failures.push(format!(
                "{set}: files {on_disk:?} on disk, {rendered:?} rendered"
            ));
        }
        for (name, content) in &files {
            let expected = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
            if &expected != content {
                let line = expected
                    .lines()
                    .zip(content.lines())
                    .position(|(a, b)| a != b)
                    .map_or_else(|| "the end".to_string(), |i| format!("line {}", i + 1));
                failures.push(format!(
                    "{set}/{name}: differs from the golden file at {line}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "golden outputs differ (rerun with SESSIONKIT_GEN_BLESS=1 and review the diff):\n{}",
        failures.join("\n")
    );
}
