// `safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)`: `ids` is a dynamic array.
#[allow(warnings)]
mod erc1155 {
    include!("../output/session_account/erc1155.rs");
}

use sessionkit::typed::eq;
use alloy::primitives::Address;

fn main() {
    let _ = erc1155::safe_batch_transfer_from().ids(eq(1u64)).build(Address::ZERO);
}
