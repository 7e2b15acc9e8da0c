// Generates `$OUT_DIR/mod.rs` (with `account.rs` and `erc20.rs`) from sessionkit's own account
// (the artifact the crate ships) and OpenZeppelin's ERC-20 ABI, and tells cargo to rerun when
// the ABI file changes.
fn main() {
    let generated = sessionkit_gen::Generator::new()
        .bundled_account()
        .target("erc20", "abi/ERC20.json")
        .generate();
    if let Err(e) = generated {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
