//! Call parameters are bounded when a call is decoded, so an oversized call is refused before
//! it is dispatched (or paid for by weight) and never reaches a block.

use super::*;
use codec::{Decode, Encode};
use frame_support::traits::PalletInfo;

/// The encoding of `Cpt::<call_index>` with `args`, as a wallet would send it.
fn encoded_call(call_index: u8, args: impl Encode) -> Vec<u8> {
	let pallet = <Test as frame_system::Config>::PalletInfo::index::<Cpt>()
		.expect("the pallet is in the runtime") as u8;
	(pallet, call_index, args).encode()
}

fn decodes(encoded: &[u8]) -> bool {
	RuntimeCall::decode(&mut &encoded[..]).is_ok()
}

/// `length` bytes of `byte`.
fn filled(byte: u8, length: u32) -> Vec<u8> {
	vec![byte; length as usize]
}

#[test]
fn oversized_names_do_not_decode_works() {
	let max: u32 = <<Test as Config>::MaxNameLength as Get<u32>>::get();
	// `apply_authority_issuer`, `register_issuer_type`, `remove_issuer_type`: the name alone.
	for call_index in [4, 8, 11] {
		assert!(decodes(&encoded_call(call_index, filled(b'n', max))), "call {call_index}");
		assert!(!decodes(&encoded_call(call_index, filled(b'n', max + 1))), "call {call_index}");
	}
	// `add_issuer_to_type`, `remove_issuer_from_type`: the name, then the issuer.
	for call_index in [9, 10] {
		assert!(decodes(&encoded_call(call_index, (filled(b'n', max), BOB))));
		assert!(!decodes(&encoded_call(call_index, (filled(b'n', max + 1), BOB))));
	}
}

/// `register_cpt (range, id, title, description, schema)` with fields of these lengths.
fn register(title: u32, description: u32, schema: u32) -> Vec<u8> {
	let (t, d, s) = (filled(b't', title), filled(b'd', description), filled(b's', schema));
	encoded_call(12, (CptRange::Normal, None::<CptId>, t, d, s))
}

/// `update_cpt (id, title, description, schema)` with fields of these lengths.
fn update(title: u32, description: u32, schema: u32) -> Vec<u8> {
	let (t, d, s) = (filled(b't', title), filled(b'd', description), filled(b's', schema));
	encoded_call(13, (2_000_000 as CptId, t, d, s))
}

#[test]
fn oversized_cpt_content_does_not_decode_works() {
	let title: u32 = <<Test as Config>::MaxTitleLength as Get<u32>>::get();
	let description: u32 = <<Test as Config>::MaxDescriptionLength as Get<u32>>::get();
	let schema: u32 = <<Test as Config>::MaxSchemaLength as Get<u32>>::get();
	for call in [register as fn(u32, u32, u32) -> Vec<u8>, update] {
		// Each field at its limit decodes; one byte over, it does not.
		assert!(decodes(&call(title, description, schema)));
		assert!(!decodes(&call(title + 1, description, schema)));
		assert!(!decodes(&call(title, description + 1, schema)));
		assert!(!decodes(&call(title, description, schema + 1)));
		// A multi-megabyte schema is refused by its length prefix, before anything is read.
		assert!(!decodes(&call(0, 0, 4 << 20)));
	}
}
