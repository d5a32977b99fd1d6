//! The `did` pallet's events as the resolver reads them, from any runtime version.
//!
//! A block's `System.Events` is decoded with the metadata of the runtime that emitted it, and
//! each `Did` event is read by its event and field names: every event carries the DID and its
//! `previous` change (the linked-event contract, `docs/did-method.md`), and the few events the
//! resolver folds into attributes carry the fields it reads. A runtime upgrade that adds an
//! event, adds a field or changes any other pallet's events leaves the history readable; one
//! that drops a field the resolver reads is an error naming it, never a wrong answer.

use sp_core::crypto::AccountId32;
use subxt::ext::scale_value::{self, Composite, Primitive, Value, ValueDef};

/// A runtime's metadata, as the resolver decodes events with it.
pub use subxt::Metadata;

/// One `did` pallet event of a DID.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DidEvent {
	/// The DID the event changed.
	pub did: AccountId32,
	/// The block of the DID's change before this one; `None` for its creation.
	pub previous: Option<u32>,
	/// What the event did, as far as resolution reads it.
	pub kind: DidEventKind,
}

/// What a `did` pallet event did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DidEventKind {
	/// An attribute was set, valid through block `valid_to`.
	AttributeSet { name: Vec<u8>, value: Vec<u8>, valid_to: u32 },
	/// An attribute was revoked.
	AttributeRevoked { name: Vec<u8>, value: Vec<u8> },
	/// A TEE signer's key `key_id` became an assertion key of the DID.
	SignerBound { key_id: Vec<u8> },
	/// A TEE signer's key `key_id` stopped being one.
	SignerUnbound { key_id: Vec<u8> },
	/// The DID was deactivated for good.
	DidDeactivated,
	/// Any other event of the pallet (`DidCreated`, `KeyRotated`, ...), by name: resolution
	/// reads its link only, the document coming from the state.
	Other(String),
}

impl DidEvent {
	/// The event's name in the pallet (`AttributeSet`, `DidCreated`, ...).
	pub fn name(&self) -> &str {
		match &self.kind {
			DidEventKind::AttributeSet { .. } => "AttributeSet",
			DidEventKind::AttributeRevoked { .. } => "AttributeRevoked",
			DidEventKind::SignerBound { .. } => "SignerBound",
			DidEventKind::SignerUnbound { .. } => "SignerUnbound",
			DidEventKind::DidDeactivated => "DidDeactivated",
			DidEventKind::Other(name) => name,
		}
	}
}

/// The pallet whose events these are, by its name in the runtime.
const DID_PALLET: &str = "Did";

/// The `Did` events in `events`, the SCALE-encoded `System.Events` of a block, decoded with
/// `metadata`, the metadata of the runtime that executed that block. The error says what did
/// not decode.
pub fn did_events(events: &[u8], metadata: &Metadata) -> Result<Vec<DidEvent>, String> {
	let events_ty = metadata
		.pallet_by_name("System")
		.and_then(|pallet| pallet.storage())
		.and_then(|storage| storage.entry_by_name("Events"))
		.map(|entry| entry.value_ty())
		.ok_or("the metadata has no System.Events")?;
	let mut input = events;
	let records = scale_value::scale::decode_as_type(&mut input, events_ty, metadata.types())
		.map_err(|e| format!("System.Events: {e}"))?;
	if !input.is_empty() {
		return Err(format!("System.Events: {} bytes left over", input.len()));
	}
	let ValueDef::Composite(records) = records.value else {
		return Err("System.Events is not a sequence".into());
	};
	let mut found = Vec::new();
	for record in records.into_values() {
		let event = named(&record, "event").map_err(|e| format!("an event record: {e}"))?;
		let ValueDef::Variant(pallet) = &event.value else {
			return Err("an event record's event is not a variant".into());
		};
		if pallet.name != DID_PALLET {
			continue;
		}
		let Some(ValueDef::Variant(event)) = pallet.values.values().next().map(|v| &v.value) else {
			return Err("a Did event is not a variant".into());
		};
		found.push(
			did_event(&event.name, &event.values)
				.map_err(|e| format!("Did.{}: {e}", event.name))?,
		);
	}
	Ok(found)
}

/// A `Did` event named `name` with `fields`.
fn did_event(name: &str, fields: &Composite<u32>) -> Result<DidEvent, String> {
	let field = |field_name: &str| -> Result<&Value<u32>, String> {
		match fields {
			Composite::Named(fields) => fields
				.iter()
				.find(|(n, _)| n == field_name)
				.map(|(_, v)| v)
				.ok_or_else(|| format!("no field `{field_name}`")),
			Composite::Unnamed(_) => Err("the fields are not named".into()),
		}
	};
	let bytes_of = |field_name: &str| {
		field(field_name)
			.and_then(|v| bytes(v).ok_or_else(|| format!("`{field_name}` is not bytes")))
	};
	let number_of = |field_name: &str| {
		field(field_name)
			.and_then(|v| number(v).ok_or_else(|| format!("`{field_name}` is not a block number")))
	};
	let did: [u8; 32] =
		bytes_of("did")?.try_into().map_err(|_| "`did` is not a 32-byte account".to_string())?;
	let previous = match option(field("previous")?) {
		Some(None) => None,
		Some(Some(block)) => Some(number(block).ok_or("`previous` is not a block number")?),
		None => return Err("`previous` is not an option".into()),
	};
	let kind = match name {
		"AttributeSet" => DidEventKind::AttributeSet {
			name: bytes_of("name")?,
			value: bytes_of("value")?,
			valid_to: number_of("valid_to")?,
		},
		"AttributeRevoked" => {
			DidEventKind::AttributeRevoked { name: bytes_of("name")?, value: bytes_of("value")? }
		},
		"SignerBound" => DidEventKind::SignerBound { key_id: bytes_of("key_id")? },
		"SignerUnbound" => DidEventKind::SignerUnbound { key_id: bytes_of("key_id")? },
		"DidDeactivated" => DidEventKind::DidDeactivated,
		other => DidEventKind::Other(other.to_owned()),
	};
	Ok(DidEvent { did: AccountId32::new(did), previous, kind })
}

/// The field `name` of a value with named fields.
fn named<'a>(value: &'a Value<u32>, name: &str) -> Result<&'a Value<u32>, String> {
	match &value.value {
		ValueDef::Composite(Composite::Named(fields)) => fields
			.iter()
			.find(|(n, _)| n == name)
			.map(|(_, v)| v)
			.ok_or_else(|| format!("no field `{name}`")),
		_ => Err(format!("no named fields, so no `{name}`")),
	}
}

/// The only value inside a single-field wrapper (`AccountId32`, `BoundedVec`), if `value` is one.
fn unwrapped(value: &Value<u32>) -> Option<&Value<u32>> {
	match &value.value {
		ValueDef::Composite(inner) if inner.len() == 1 => inner.values().next(),
		_ => None,
	}
}

/// A byte string: a sequence or array of `u8`, possibly inside single-field wrappers.
fn bytes(value: &Value<u32>) -> Option<Vec<u8>> {
	let ValueDef::Composite(items) = &value.value else {
		return None;
	};
	let as_bytes: Option<Vec<u8>> = items
		.values()
		.map(|item| match item.value {
			ValueDef::Primitive(Primitive::U128(byte)) => u8::try_from(byte).ok(),
			_ => None,
		})
		.collect();
	as_bytes.or_else(|| unwrapped(value).and_then(bytes))
}

/// A `u32`, possibly inside single-field wrappers.
fn number(value: &Value<u32>) -> Option<u32> {
	match &value.value {
		ValueDef::Primitive(Primitive::U128(n)) => u32::try_from(*n).ok(),
		_ => unwrapped(value).and_then(number),
	}
}

/// An `Option`'s content: `Some(None)` for `None`, `Some(Some(v))` for `Some(v)`; `None` if
/// `value` is not an option.
fn option(value: &Value<u32>) -> Option<Option<&Value<u32>>> {
	let ValueDef::Variant(variant) = &value.value else {
		return None;
	};
	match (variant.name.as_str(), variant.values.len()) {
		("None", 0) => Some(None),
		("Some", 1) => Some(variant.values.values().next()),
		_ => None,
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn bytes_value(b: &[u8]) -> Value<u32> {
		Value {
			value: ValueDef::Composite(Composite::Unnamed(
				b.iter()
					.map(|&x| Value {
						value: ValueDef::Primitive(Primitive::U128(x.into())),
						context: 0,
					})
					.collect(),
			)),
			context: 0,
		}
	}

	fn wrapped(inner: Value<u32>) -> Value<u32> {
		Value { value: ValueDef::Composite(Composite::Unnamed(vec![inner])), context: 0 }
	}

	#[test]
	fn bytes_unwrap_newtypes_and_keep_one_byte_strings_works() {
		assert_eq!(bytes(&bytes_value(b"abc")), Some(b"abc".to_vec()));
		// A one-byte string is a byte string, not a wrapper.
		assert_eq!(bytes(&bytes_value(&[7])), Some(vec![7]));
		// `BoundedVec(Vec<u8>)` and `AccountId32([u8; 32])`.
		assert_eq!(bytes(&wrapped(bytes_value(b"id"))), Some(b"id".to_vec()));
		assert_eq!(bytes(&wrapped(bytes_value(&[]))), Some(vec![]));
		assert_eq!(bytes(&wrapped(bytes_value(&[1; 32]))), Some(vec![1; 32]));
	}

	#[test]
	fn numbers_and_options_read_by_shape_works() {
		let n = Value { value: ValueDef::Primitive(Primitive::U128(42)), context: 0 };
		assert_eq!(number(&n), Some(42));
		assert_eq!(number(&wrapped(n.clone())), Some(42));
		let too_big = Value { value: ValueDef::Primitive(Primitive::U128(1 << 40)), context: 0 };
		assert_eq!(number(&too_big), None);
		let some = Value {
			value: ValueDef::Variant(scale_value::Variant {
				name: "Some".into(),
				values: Composite::Unnamed(vec![n.clone()]),
			}),
			context: 0,
		};
		assert_eq!(option(&some), Some(Some(&n)));
		let none = Value {
			value: ValueDef::Variant(scale_value::Variant {
				name: "None".into(),
				values: Composite::Unnamed(vec![]),
			}),
			context: 0,
		};
		assert_eq!(option(&none), Some(None));
		assert_eq!(option(&n), None);
	}
}
