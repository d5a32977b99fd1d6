//! Moving values between teeid's own types (`teeid-primitives`, `teeid-ta-protocol`) and the
//! types `subxt` generated from the metadata. Both describe the same runtime types, so their
//! SCALE encodings agree: a value is encoded as one and decoded as the other.

use codec::{Decode, Encode};

use super::ChainError;

/// `value` as the type `B` with the same SCALE encoding. Fails only if the two types disagree
/// (the metadata is stale: the metadata test catches that first).
pub fn recode<A: Encode + ?Sized, B: Decode>(value: &A) -> Result<B, ChainError> {
	let bytes = value.encode();
	let mut input = &bytes[..];
	let decoded = B::decode(&mut input).map_err(|e| {
		ChainError::Decode(format!(
			"{} does not fit {}: {e}",
			std::any::type_name::<A>(),
			std::any::type_name::<B>()
		))
	})?;
	if !input.is_empty() {
		return Err(ChainError::Decode(format!(
			"{} is longer than {}",
			std::any::type_name::<A>(),
			std::any::type_name::<B>()
		)));
	}
	Ok(decoded)
}
