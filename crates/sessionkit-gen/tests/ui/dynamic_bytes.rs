// `safeTransferFrom(address,address,uint256,bytes)`: `data` is dynamic (its head word is an
// offset), so it has no constraint method.
#[allow(warnings)]
mod erc721 {
    include!("../output/session_account/erc721.rs");
}

use sessionkit::typed::eq;
use alloy::primitives::{Address, Bytes};

fn main() {
    let _ = erc721::safe_transfer_from_1()
        .from(eq(Address::ZERO))
        .data(eq(Bytes::new()))
        .build(Address::ZERO);
}
