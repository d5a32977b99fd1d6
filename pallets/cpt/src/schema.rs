//! What a CPT's JSON Schema body must be on chain, and how it is hashed.

use alloc::vec::Vec;
use sp_core::H256;
use teeid_primitives::json::Value;

/// Why a schema body is refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SchemaError {
	/// Longer than the limit, as submitted or in canonical form.
	TooLong,
	/// Not strict JSON (RFC 8259 restricted to I-JSON).
	Malformed,
	/// Well-formed JSON, but its top level is not an object schema (`"type": "object"`).
	NotAnObjectSchema,
}

/// A schema body checked and put in canonical form.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CanonicalSchema {
	/// The canonical JSON (RFC 8785) of the body: what is stored and hashed.
	pub json: Vec<u8>,
	/// `blake2_256(json)`.
	pub hash: H256,
}

impl CanonicalSchema {
	/// Checks `body` and canonicalizes it. The length is checked first, so the work done on
	/// any input is bounded by `max_length`.
	pub fn parse(body: &[u8], max_length: u32) -> Result<Self, SchemaError> {
		if body.len() > max_length as usize {
			return Err(SchemaError::TooLong);
		}
		let value = Value::parse(body).map_err(|_| SchemaError::Malformed)?;
		if value.get("type").and_then(Value::as_str) != Some("object") {
			return Err(SchemaError::NotAnObjectSchema);
		}
		let json = value.to_canonical();
		// Canonical numbers can be longer than their input (`1e20` is printed in full).
		if json.len() > max_length as usize {
			return Err(SchemaError::TooLong);
		}
		let hash = H256(sp_io::hashing::blake2_256(&json));
		Ok(Self { json, hash })
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn object_schema_is_canonicalized_and_hashed_works() {
		let body = br#"{ "type": "object", "properties": { "name": { "type": "string" } } }"#;
		let schema = CanonicalSchema::parse(body, 1024).unwrap();
		assert_eq!(schema.json, br#"{"properties":{"name":{"type":"string"}},"type":"object"}"#);
		assert_eq!(schema.hash, H256(sp_io::hashing::blake2_256(&schema.json)));
		// The same schema written differently has the same hash.
		let other = br#"{"properties":{"name":{"type":"string"}},"type":"object"}"#;
		assert_eq!(CanonicalSchema::parse(other, 1024).unwrap().hash, schema.hash);
	}

	#[test]
	fn refused_bodies_fail() {
		for (body, error) in [
			(&br#"{"type":"object""#[..], SchemaError::Malformed),
			(br#"{"type":"object","type":"object"}"#, SchemaError::Malformed),
			(br#"[{"type":"object"}]"#, SchemaError::NotAnObjectSchema),
			(br#"{"type":"string"}"#, SchemaError::NotAnObjectSchema),
			(br#"{"type":["object"]}"#, SchemaError::NotAnObjectSchema),
			(br#"{"properties":{}}"#, SchemaError::NotAnObjectSchema),
		] {
			assert_eq!(CanonicalSchema::parse(body, 1024), Err(error), "{body:?}");
		}
		let long = br#"{"type":"object","title":"0123456789"}"#;
		assert_eq!(CanonicalSchema::parse(long, 20), Err(SchemaError::TooLong));
		// Short as submitted, too long once canonical.
		let grows = br#"{"type":"object","x":1e20}"#;
		assert!(grows.len() <= 40);
		assert_eq!(CanonicalSchema::parse(grows, 40), Err(SchemaError::TooLong));
	}
}
