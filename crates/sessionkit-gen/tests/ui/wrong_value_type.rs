// Values are typed: an `address` parameter takes an `Address`.
#[allow(warnings)]
mod erc20 {
    include!("../output/session_account/erc20.rs");
}

use sessionkit::typed::eq;
use alloy::primitives::Address;

fn main() {
    let _ = erc20::transfer().to(eq(5u64)).build(Address::ZERO);
}
