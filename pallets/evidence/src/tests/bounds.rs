//! Call parameters are bounded when a call is decoded, so an oversized call is refused before
//! it is dispatched (or paid for by weight) and never reaches a block.

use super::*;
use codec::{Decode, Encode};
use frame_support::traits::PalletInfo;

/// The encoding of `Evidence::<call_index>` with `args`, as a wallet would send it.
fn encoded_call(call_index: u8, args: impl Encode) -> Vec<u8> {
	let pallet = <Test as frame_system::Config>::PalletInfo::index::<Evidence>()
		.expect("the pallet is in the runtime") as u8;
	(pallet, call_index, args).encode()
}

#[test]
fn oversized_parameters_do_not_decode_works() {
	ExtBuilder::build_and_execute(|| {
		// `add_log`: a note of `MaxLogLength` bytes decodes, one byte more does not.
		let longest = encoded_call(2, (content(1), vec![b'n'; 64]));
		assert!(RuntimeCall::decode(&mut &longest[..]).is_ok());
		let too_long = encoded_call(2, (content(1), vec![b'n'; 65]));
		assert!(RuntimeCall::decode(&mut &too_long[..]).is_err());
		// `set_extra_key`: likewise for `MaxExtraKeyLength`.
		let longest = encoded_call(4, (vec![b'k'; 32], content(1)));
		assert!(RuntimeCall::decode(&mut &longest[..]).is_ok());
		let too_long = encoded_call(4, (vec![b'k'; 33], content(1)));
		assert!(RuntimeCall::decode(&mut &too_long[..]).is_err());
		// A multi-megabyte note is refused by its length prefix, before anything is read.
		let huge = encoded_call(2, (content(1), vec![0u8; 4 << 20]));
		assert!(RuntimeCall::decode(&mut &huge[..]).is_err());
	});
}
