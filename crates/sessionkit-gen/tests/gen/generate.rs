//! Rendering is deterministic, and writing happens only when content changed, atomically.

use crate::common;

use sessionkit_gen::{Error, Generator, HEADER, INDEX_FILE, STAMP_FILE};

fn session_account() -> Generator {
    common::golden_sets()
        .into_iter()
        .find(|(name, _)| *name == "session_account")
        .unwrap()
        .1
}

#[test]
fn rendering_twice_gives_identical_output() {
    let first = session_account().render().unwrap();
    let second = session_account().render().unwrap();
    assert_eq!(first, second);
    assert_eq!(
        first.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "account.rs",
            "edge_cases.rs",
            "entry_point.rs",
            "erc1155.rs",
            "erc20.rs",
            "erc721.rs",
            INDEX_FILE,
            "position_manager.rs",
            "regressions.rs",
            "swap_router.rs"
        ]
    );
    assert!(first.values().all(|content| content.starts_with(HEADER)));
}

#[test]
fn item_order_in_the_abi_does_not_change_the_output() {
    // ERC-20 has no overloads: the order of its items must not matter.
    let text = std::fs::read_to_string(common::fixture("ERC20.abi.json")).unwrap();
    let mut items: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    items.reverse();
    let reversed: sessionkit_gen::JsonAbi =
        serde_json::from_value(serde_json::Value::Array(items)).unwrap();
    let original: sessionkit_gen::JsonAbi = serde_json::from_str(&text).unwrap();
    let render = |abi| {
        Generator::new()
            .account_abi(common::session_account())
            .target_abi_json("erc20", abi)
            .render()
            .unwrap()
    };
    assert_eq!(render(original), render(reversed));
}

#[test]
fn in_memory_abis_render_like_files() {
    let text = std::fs::read_to_string(common::fixture("ERC20.abi.json")).unwrap();
    let abi: sessionkit_gen::JsonAbi = serde_json::from_str(&text).unwrap();
    let files = Generator::new()
        .account_abi(common::session_account())
        .target_abi_json("erc20", abi)
        .contract_name("erc20", "ERC20")
        .render()
        .unwrap();
    let golden =
        std::fs::read_to_string(common::output_dir("session_account").join("erc20.rs")).unwrap();
    // Only the source named in the docs (in mod.rs) differs; the module file is the same.
    assert_eq!(files["erc20.rs"], golden);
    assert!(files[INDEX_FILE].contains("(from `an in-memory ABI`)"));
}

#[test]
fn writes_only_changed_files_and_leaves_no_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("nested/out");
    let generator = session_account().out_dir(&out).emit_rerun_if_changed(false);
    let first = generator.generate().unwrap();
    assert_eq!(first.len(), 10);
    assert!(first.iter().all(|f| f.changed && f.path.starts_with(&out)));

    let second = generator.generate().unwrap();
    assert!(second.iter().all(|f| !f.changed), "{second:?}");

    let erc20 = out.join("erc20.rs");
    std::fs::write(&erc20, "stale").unwrap();
    let third = generator.generate().unwrap();
    let changed: Vec<_> = third
        .iter()
        .filter(|f| f.changed)
        .map(|f| f.path.clone())
        .collect();
    assert_eq!(changed, std::slice::from_ref(&erc20));
    assert!(std::fs::read_to_string(&erc20).unwrap().starts_with(HEADER));

    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| n == STAMP_FILE || (n.ends_with(".rs") && !n.starts_with('.'))),
        "{names:?}"
    );
}

fn mtimes(dir: &std::path::Path) -> Vec<(String, std::time::SystemTime)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                e.metadata().unwrap().modified().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_rerun_with_the_same_inputs_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let generator = session_account()
        .out_dir(dir.path())
        .emit_rerun_if_changed(false);
    generator.generate().unwrap();
    let before = mtimes(dir.path());
    std::thread::sleep(std::time::Duration::from_millis(20));
    let again = generator.generate().unwrap();
    assert!(again.iter().all(|f| !f.changed));
    assert_eq!(mtimes(dir.path()), before, "a no-op rerun touched a file");
    // Another setting is another stamp: the output is rendered again.
    let other = generator.clone().views(true).generate().unwrap();
    assert!(other.iter().any(|f| f.changed));
}

#[test]
fn the_files_are_written_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // A directory where a later file (regressions.rs) must go: nothing may be written, not even
    // the files before it or mod.rs.
    std::fs::create_dir(dir.path().join("regressions.rs")).unwrap();
    let err = session_account()
        .out_dir(dir.path())
        .emit_rerun_if_changed(false)
        .generate()
        .unwrap_err();
    assert!(matches!(err, Error::Write { .. }), "{err}");
    assert!(err.to_string().contains("regressions.rs"), "{err}");
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["regressions.rs"], "files were written: {names:?}");
}

#[test]
fn input_files_lists_every_file_input() {
    let generator = session_account();
    let inputs = generator.input_files();
    assert_eq!(inputs.len(), 9);
    assert!(inputs[0].ends_with("SessionAccount.json"));
}

#[test]
fn the_one_liner_writes_into_out_dir_like_the_builder() {
    // `generate` needs OUT_DIR, which only build scripts have: the example crate uses it.
    // Here: the builder it wraps, with the same inputs.
    let dir = tempfile::tempdir().unwrap();
    let account = common::session_account();
    let erc20 = common::fixture("ERC20.abi.json");
    Generator::new()
        .account_abi(&account)
        .target("erc20", &erc20)
        .out_dir(dir.path())
        .emit_rerun_if_changed(false)
        .generate()
        .unwrap();
    let index = std::fs::read_to_string(dir.path().join(INDEX_FILE)).unwrap();
    assert!(
        index.contains("include!(\"account.rs\");") && index.contains("include!(\"erc20.rs\");")
    );
}
