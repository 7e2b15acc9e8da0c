//! Generates the fixtures' bindings (with their bytecode) and call-policy builders with
//! sessionkit's own generator (the `codegen` feature, as a downstream build script would use
//! it), from the committed artifacts in `artifacts/`, into `OUT_DIR/bindings`.

use std::path::PathBuf;

/// The fixtures with functions: (artifact file, module).
const FIXTURES: &[(&str, &str)] = &[
    ("Counter.json", "counter"),
    ("TestToken.json", "test_token"),
    ("Reverter.json", "reverter"),
    ("TestPaymaster.json", "test_paymaster"),
];

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let out = PathBuf::from(std::env::var("OUT_DIR").map_err(|e| e.to_string())?);
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").map_err(|e| e.to_string())?);
    println!("cargo:rerun-if-changed=artifacts");
    // Scenarios call the Reverter's `pure` function too: builders for views and pure ones.
    let mut generator = sessionkit::codegen::Generator::new()
        .views(true)
        .out_dir(out.join("bindings"))
        .emit_rerun_if_changed(false);
    for (file, module) in FIXTURES {
        generator = generator.target(*module, root.join("artifacts").join(file));
    }
    generator
        .generate()
        .map_err(|e| format!("generating the fixtures' bindings: {e}"))?;
    Ok(())
}
