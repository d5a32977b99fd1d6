//! The TA's own check of claims against a CPT's JSON Schema.
//!
//! The worker validates claims against the full JSON Schema before it asks the TA; the TA
//! re-checks what a compromised host could otherwise get signed in violation of the schema:
//! the required claims, the JSON type of every claim the schema describes, `enum` values, and
//! no undeclared claims where `additionalProperties` is `false`. A schema the TA cannot read
//! is refused rather than half-checked.

use alloc::{format, string::String, vec::Vec};
use teeid_primitives::json::Value;
use teeid_ta_protocol::{
	credential::{is_whole, schema_digest},
	json_refusal, TaError, SCHEMA_JSON,
};

/// A CPT schema as an issuance request sent it, parsed, with its `digestMultibase`.
pub(crate) struct ParsedSchema {
	bytes: Vec<u8>,
	/// The schema.
	pub(crate) value: Value,
	/// The digest credentials of this schema carry.
	pub(crate) digest: String,
}

/// The schema of the last issuance, kept parsed: an issuer issues credentials of one CPT after
/// another, and parsing, canonicalizing and hashing the same schema for each of them was a
/// tenth of an issuance. One entry, within [`SCHEMA_JSON`], so what the TA keeps between
/// requests is bounded by one schema.
#[derive(Default)]
pub(crate) struct SchemaCache {
	last: Option<ParsedSchema>,
}

impl SchemaCache {
	/// The schema `bytes` hold, parsed now or the last time. A schema over [`SCHEMA_JSON`] is
	/// [`TaError::TooLarge`].
	pub(crate) fn get_or_parse(&mut self, bytes: &[u8]) -> Result<&ParsedSchema, TaError> {
		let parsed = match self.last.take() {
			Some(last) if last.bytes == bytes => last,
			// The previous schema is dropped before the next is parsed: the heap never holds
			// two.
			previous => {
				drop(previous);
				let value = Value::parse_with(bytes, &SCHEMA_JSON)
					.map_err(|e| json_refusal(e, TaError::BadSchema))?;
				let digest = schema_digest(&value.to_canonical());
				ParsedSchema { bytes: bytes.to_vec(), value, digest }
			},
		};
		Ok(self.last.insert(parsed))
	}
}

const TYPES: [&str; 7] = ["string", "number", "integer", "boolean", "object", "array", "null"];

fn violation(claim: &str, reason: impl Into<String>) -> TaError {
	TaError::SchemaViolation { claim: claim.into(), reason: reason.into() }
}

fn has_type(value: &Value, name: &str) -> bool {
	match (name, value) {
		("string", Value::String(_))
		| ("number", Value::Number(_))
		| ("boolean", Value::Bool(_))
		| ("object", Value::Object(_))
		| ("array", Value::Array(_))
		| ("null", Value::Null) => true,
		("integer", Value::Number(n)) => is_whole(*n),
		_ => false,
	}
}

/// The type names a property schema allows (`None`: any type).
fn allowed_types(property: &Value) -> Result<Option<alloc::vec::Vec<&str>>, TaError> {
	let names = match property.get("type") {
		None => return Ok(None),
		Some(Value::String(name)) => alloc::vec![name.as_str()],
		Some(Value::Array(names)) => {
			names.iter().map(|n| n.as_str().ok_or(TaError::BadSchema)).collect::<Result<_, _>>()?
		},
		Some(_) => return Err(TaError::BadSchema),
	};
	if names.is_empty() || names.iter().any(|name| !TYPES.contains(name)) {
		return Err(TaError::BadSchema);
	}
	Ok(Some(names))
}

/// Checks `claims` (a JSON object) against `schema`.
pub fn check(schema: &Value, claims: &Value) -> Result<(), TaError> {
	if !matches!(schema, Value::Object(_)) {
		return Err(TaError::BadSchema);
	}
	match schema.get("type") {
		None => {},
		Some(Value::String(t)) if t == "object" => {},
		Some(_) => return Err(TaError::BadSchema),
	}
	let Value::Object(members) = claims else { return Err(TaError::BadClaims) };
	let properties = match schema.get("properties") {
		None => None,
		Some(Value::Object(properties)) => Some(properties),
		Some(_) => return Err(TaError::BadSchema),
	};
	let closed = match schema.get("additionalProperties") {
		None | Some(Value::Bool(true)) | Some(Value::Object(_)) => false,
		Some(Value::Bool(false)) => true,
		Some(_) => return Err(TaError::BadSchema),
	};

	match schema.get("required") {
		None => {},
		Some(Value::Array(required)) => {
			for name in required {
				let name = name.as_str().ok_or(TaError::BadSchema)?;
				if claims.get(name).is_none() {
					return Err(violation(name, "required but missing"));
				}
			}
		},
		Some(_) => return Err(TaError::BadSchema),
	}

	for (name, value) in members {
		let property = properties.and_then(|p| p.iter().find(|(n, _)| n == name)).map(|(_, p)| p);
		let Some(property) = property else {
			if closed {
				return Err(violation(name, "not declared by the schema"));
			}
			continue;
		};
		if let Some(types) = allowed_types(property)? {
			if !types.iter().any(|t| has_type(value, t)) {
				return Err(violation(name, format!("must be of type {}", types.join(" or "))));
			}
		}
		match property.get("enum") {
			None => {},
			Some(Value::Array(options)) if options.contains(value) => {},
			Some(Value::Array(_)) => {
				return Err(violation(name, "not one of the schema's enum values"))
			},
			Some(_) => return Err(TaError::BadSchema),
		}
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	fn json(text: &str) -> Value {
		Value::parse(text.as_bytes()).unwrap()
	}

	fn schema() -> Value {
		json(
			r#"{"type":"object","required":["name","age"],"additionalProperties":false,
			"properties":{"name":{"type":"string"},"age":{"type":"integer"},
			"level":{"enum":["gold","silver"]},"note":{"type":["string","null"]}}}"#,
		)
	}

	#[test]
	fn conforming_claims_pass() {
		check(&schema(), &json(r#"{"name":"Alice","age":30,"level":"gold","note":null}"#)).unwrap();
	}

	#[test]
	fn each_kind_of_violation_is_named() {
		let cases = [
			(r#"{"name":"Alice"}"#, "age"),
			(r#"{"name":"Alice","age":30.5}"#, "age"),
			(r#"{"name":7,"age":30}"#, "name"),
			(r#"{"name":"Alice","age":30,"level":"bronze"}"#, "level"),
			(r#"{"name":"Alice","age":30,"extra":1}"#, "extra"),
		];
		for (claims, claim) in cases {
			match check(&schema(), &json(claims)) {
				Err(TaError::SchemaViolation { claim: c, .. }) => assert_eq!(c, claim, "{claims}"),
				other => panic!("{claims}: {other:?}"),
			}
		}
	}

	#[test]
	fn schema_cache_keeps_the_last_schema_works() {
		let mut cache = SchemaCache::default();
		let text = br#"{"type":"object","required":["name"]}"#;
		let digest = cache.get_or_parse(text).unwrap().digest.clone();
		assert_eq!(
			digest,
			schema_digest(&json(core::str::from_utf8(text).unwrap()).to_canonical())
		);
		assert_eq!(cache.get_or_parse(text).unwrap().digest, digest);
		assert!(matches!(cache.get_or_parse(b"{"), Err(TaError::BadSchema)));
		let other = cache.get_or_parse(br#"{"type":"object"}"#).unwrap();
		assert_ne!(other.digest, digest);
		assert_eq!(other.value, json(r#"{"type":"object"}"#));
	}

	#[test]
	fn a_schema_over_its_limits_is_too_large_fails() {
		let mut cache = SchemaCache::default();
		let values = SCHEMA_JSON.max_values;
		let many = format!(r#"{{"type":"object","enum":[{}0]}}"#, "0,".repeat(values));
		assert!(matches!(cache.get_or_parse(many.as_bytes()), Err(TaError::TooLarge)));
		let title = "x".repeat(SCHEMA_JSON.max_bytes);
		let long = format!(r#"{{"type":"object","title":"{title}"}}"#);
		assert!(matches!(cache.get_or_parse(long.as_bytes()), Err(TaError::TooLarge)));
		// Within its limits but not JSON: a bad schema.
		assert!(matches!(cache.get_or_parse(b"{"), Err(TaError::BadSchema)));
	}

	#[test]
	fn unreadable_schemas_are_refused() {
		for bad in [
			r#"[]"#,
			r#"{"type":"string"}"#,
			r#"{"required":"name"}"#,
			r#"{"properties":{"name":{"type":"text"}}}"#,
			r#"{"additionalProperties":"no"}"#,
		] {
			assert_eq!(
				check(&json(bad), &json(r#"{"name":"x"}"#)),
				Err(TaError::BadSchema),
				"{bad}"
			);
		}
	}
}
