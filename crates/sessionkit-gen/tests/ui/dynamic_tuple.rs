// `exactInput((bytes,address,uint256,uint256,uint256))`: the tuple has a dynamic member, so the
// whole parameter is dynamic and none of its members has a method.
#[allow(warnings)]
mod swap_router {
    include!("../output/session_account/swap_router.rs");
}

use sessionkit::typed::eq;
use alloy::primitives::Address;

fn main() {
    let _ = swap_router::exact_input().params_recipient(eq(Address::ZERO)).build(Address::ZERO);
}
