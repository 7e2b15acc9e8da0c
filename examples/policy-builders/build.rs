// Generates `$OUT_DIR/mod.rs` (with `account.rs` and `erc20.rs`) from the account's committed
// artifact and OpenZeppelin's ERC-20 ABI, and tells cargo to rerun when either changes.
fn main() {
    if let Err(e) = sessionkit_gen::generate(
        "../../artifacts/SessionAccount.json",
        &[(
            "erc20",
            "../../crates/sessionkit-gen/tests/fixtures/ERC20.abi.json",
        )],
    ) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
