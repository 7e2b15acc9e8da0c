// A `uint` parameter takes an unsigned integer; an unsuffixed literal is an `i32`, and the error
// says to write `100u64`.
#[allow(warnings)]
mod erc20 {
    include!("../output/session_account/erc20.rs");
}

use sessionkit::typed::lte;
use alloy::primitives::Address;

fn main() {
    let _ = erc20::transfer().value(lte(100)).build(Address::ZERO);
}
