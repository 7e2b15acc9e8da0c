// Generates `$OUT_DIR/mod.rs` (with `account.rs` and `erc20.rs`) from the two ABIs, and tells
// cargo to rerun when either changes.
fn main() {
    if let Err(e) = sessionkit_gen::generate(
        "abi/session-account.abi.json",
        &[("erc20", "abi/ERC20.abi.json")],
    ) {
        panic!("{e}");
    }
}
