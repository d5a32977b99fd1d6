//! The `did` pallet's events as the resolver reads them, from any runtime version.
//!
//! A block's `System.Events` is decoded with the metadata of the runtime that emitted it, and
//! each `Did` event is read by its event and field names: every event carries the DID and its
//! `previous` change (the linked-event contract, `docs/did-method.md`), and the few events the
//! resolver folds into attributes carry the fields it reads. A runtime upgrade that adds an
//! event (with its `did` and `previous`), adds a field or changes any other pallet's events
//! leaves the history readable; one that drops a field the resolver reads is an error naming
//! it, never a wrong answer. Upgrades must raise `spec_version` (as `system.setCode` and
//! `system.authorizeUpgrade` require): the metadata is kept per version.

use codec::{Compact, Decode};
use scale_info::{form::PortableForm, PortableRegistry, TypeDef, Variant};
use sp_core::crypto::AccountId32;
use subxt::ext::scale_decode::{
	visitor::{decode_with_visitor, IgnoreVisitor},
	DecodeAsType,
};

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
///
/// The records are walked one at a time and everything but `Did` events (phases, topics, other
/// pallets' events, the fields resolution does not read) is skipped without being built, so the
/// work and memory are those of the bytes read: a block is up to megabytes of events, and public
/// routes walk many blocks.
pub fn did_events(events: &[u8], metadata: &Metadata) -> Result<Vec<DidEvent>, String> {
	let layout = EventsLayout::of(metadata)?;
	let types = metadata.types();
	let mut input = events;
	let count = Compact::<u32>::decode(&mut input)
		.map_err(|e| format!("System.Events: the record count: {e}"))?
		.0 as usize;
	// Every record takes at least one byte: a count past the bytes left is not a list of them.
	if count > input.len() {
		return Err(format!("System.Events: {count} records in {} bytes", input.len()));
	}
	let mut found = Vec::new();
	for _ in 0..count {
		for &(is_event, ty) in &layout.record_fields {
			if !is_event {
				skip(&mut input, ty, types)?;
				continue;
			}
			let pallet = read_variant(&mut input, layout.pallets, "an event's pallet")?;
			if pallet.index != layout.did_index {
				for field in &pallet.fields {
					skip(&mut input, field.ty.id, types)?;
				}
				continue;
			}
			let event = read_variant(&mut input, layout.did_events, "a Did event")?;
			found.push(
				did_event(&mut input, event, types)
					.map_err(|e| format!("Did.{}: {e}", event.name))?,
			);
		}
	}
	if !input.is_empty() {
		return Err(format!("System.Events: {} bytes left over", input.len()));
	}
	Ok(found)
}

/// Where the `Did` events are in a runtime's `System.Events`, from its metadata.
struct EventsLayout<'a> {
	/// The fields of an event record in order, each with whether it is the event.
	record_fields: Vec<(bool, u32)>,
	/// The runtime's event enum: one variant per pallet.
	pallets: &'a [Variant<PortableForm>],
	/// The `Did` pallet's variant index in it.
	did_index: u8,
	/// The `Did` pallet's events.
	did_events: &'a [Variant<PortableForm>],
}

impl<'a> EventsLayout<'a> {
	fn of(metadata: &'a Metadata) -> Result<Self, String> {
		let types = metadata.types();
		let resolve = |id: u32| types.resolve(id).map(|ty| &ty.type_def);
		let events_ty = metadata
			.pallet_by_name("System")
			.and_then(|pallet| pallet.storage())
			.and_then(|storage| storage.entry_by_name("Events"))
			.map(|entry| entry.value_ty())
			.ok_or("the metadata has no System.Events")?;
		let Some(TypeDef::Sequence(records)) = resolve(events_ty) else {
			return Err("System.Events is not a sequence".into());
		};
		let Some(TypeDef::Composite(record)) = resolve(records.type_param.id) else {
			return Err("an event record is not a struct".into());
		};
		let record_fields: Vec<(bool, u32)> = record
			.fields
			.iter()
			.map(|field| (field.name.as_deref() == Some("event"), field.ty.id))
			.collect();
		let event_ty = record_fields
			.iter()
			.find(|(is_event, _)| *is_event)
			.map(|&(_, ty)| ty)
			.ok_or("an event record has no `event`")?;
		let Some(TypeDef::Variant(pallets)) = resolve(event_ty) else {
			return Err("the runtime's event is not an enum".into());
		};
		let did = pallets
			.variants
			.iter()
			.find(|variant| variant.name == DID_PALLET)
			.ok_or("the runtime has no Did events")?;
		let did_events = match did.fields.as_slice() {
			[field] => match resolve(field.ty.id) {
				Some(TypeDef::Variant(events)) => &events.variants[..],
				_ => return Err("the Did events are not an enum".into()),
			},
			_ => return Err("the runtime's Did event variant does not hold one enum".into()),
		};
		Ok(Self { record_fields, pallets: &pallets.variants, did_index: did.index, did_events })
	}
}

/// Reads a variant index and finds it among `variants`.
fn read_variant<'a>(
	input: &mut &[u8],
	variants: &'a [Variant<PortableForm>],
	what: &str,
) -> Result<&'a Variant<PortableForm>, String> {
	let index = u8::decode(input).map_err(|e| format!("{what}: {e}"))?;
	variants
		.iter()
		.find(|variant| variant.index == index)
		.ok_or_else(|| format!("{what}: no variant {index} in the metadata"))
}

/// Moves `input` past one value of type `ty` without building it.
fn skip(input: &mut &[u8], ty: u32, types: &PortableRegistry) -> Result<(), String> {
	decode_with_visitor(input, ty, types, IgnoreVisitor::<PortableRegistry>::new())
		.map_err(|e| format!("System.Events: {e}"))
}

/// Reads the fields of a `Did` event: the DID, the link, and what the kinds resolution folds
/// carry; any other field is skipped.
fn did_event(
	input: &mut &[u8],
	event: &Variant<PortableForm>,
	types: &PortableRegistry,
) -> Result<DidEvent, String> {
	fn read<T: DecodeAsType>(
		input: &mut &[u8],
		name: &str,
		ty: u32,
		types: &PortableRegistry,
	) -> Result<T, String> {
		T::decode_as_type(input, ty, types).map_err(|e| format!("`{name}`: {e}"))
	}
	let (mut did, mut previous, mut name, mut value, mut valid_to, mut key_id) =
		(None, None, None, None, None, None);
	for field in &event.fields {
		let ty = field.ty.id;
		match field.name.as_deref() {
			Some(n @ "did") => did = Some(read::<[u8; 32]>(input, n, ty, types)?),
			Some(n @ "previous") => previous = Some(read::<Option<u32>>(input, n, ty, types)?),
			Some(n @ "name") => name = Some(read::<Vec<u8>>(input, n, ty, types)?),
			Some(n @ "value") => value = Some(read::<Vec<u8>>(input, n, ty, types)?),
			Some(n @ "valid_to") => valid_to = Some(read::<u32>(input, n, ty, types)?),
			Some(n @ "key_id") => key_id = Some(read::<Vec<u8>>(input, n, ty, types)?),
			_ => skip(input, ty, types)?,
		}
	}
	fn given<T>(field: Option<T>, name: &str) -> Result<T, String> {
		field.ok_or_else(|| format!("no field `{name}`"))
	}
	let kind = match event.name.as_str() {
		"AttributeSet" => DidEventKind::AttributeSet {
			name: given(name, "name")?,
			value: given(value, "value")?,
			valid_to: given(valid_to, "valid_to")?,
		},
		"AttributeRevoked" => DidEventKind::AttributeRevoked {
			name: given(name, "name")?,
			value: given(value, "value")?,
		},
		"SignerBound" => DidEventKind::SignerBound { key_id: given(key_id, "key_id")? },
		"SignerUnbound" => DidEventKind::SignerUnbound { key_id: given(key_id, "key_id")? },
		"DidDeactivated" => DidEventKind::DidDeactivated,
		other => DidEventKind::Other(other.to_owned()),
	};
	Ok(DidEvent {
		did: AccountId32::new(given(did, "did")?),
		previous: given(previous, "previous")?,
		kind,
	})
}
