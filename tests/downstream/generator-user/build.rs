// Bindings and policy builders for the account and an ERC-20, without `#[sol(rpc)]` (the crate
// uses only alloy's sol-types).
fn main() {
    if let Err(e) = sessionkit_gen::Generator::new()
        .account_abi("abi/SessionAccount.json")
        .target("erc20", "abi/ERC20.abi.json")
        .rpc(false)
        .generate()
    {
        panic!("{e}");
    }
}
