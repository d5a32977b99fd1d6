//! The linked-event walk: from a DID's `changed` block back through each event's `previous`.

use serde_json::{json, Value};
use sp_core::crypto::AccountId32;

use crate::{
	resolve::ResolveError,
	source::{ChainSource, SourceError},
	DidEvent,
};

/// The events of one DID in one block.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
	/// The block.
	pub block: u32,
	/// The DID's events in it, in order.
	pub events: Vec<DidEvent>,
}

/// A DID's history as far as a bounded walk read it.
#[derive(Clone, Debug, PartialEq)]
pub struct Walked {
	/// The changes read, oldest first: all of them, or the newest ones when the walk stopped at
	/// its limit.
	pub changes: Vec<Change>,
	/// The block of the next older change, which the walk did not read because it reached its
	/// limit; `None` when it reached the DID's creation.
	pub next: Option<u32>,
}

/// Walks `did`'s history from `head` (its `changed` block) back to its creation and returns
/// it oldest first.
pub async fn walk<S: ChainSource>(
	source: &S,
	did: &AccountId32,
	head: u32,
) -> Result<Vec<Change>, ResolveError> {
	Ok(walk_within(source, did, head, usize::MAX).await?.changes)
}

/// Walks `did`'s history from `head` back towards its creation, reading at most `max_blocks`
/// blocks (two node reads each): the bound a resolver answering untrusted callers needs, since
/// a DID's controller can make its history as long as it pays for.
pub async fn walk_within<S: ChainSource>(
	source: &S,
	did: &AccountId32,
	head: u32,
	max_blocks: usize,
) -> Result<Walked, ResolveError> {
	let mut changes = Vec::new();
	let mut next = Some(head);
	while let Some(block) = next {
		if changes.len() == max_blocks {
			break;
		}
		let hash = source
			.block_hash(Some(block))
			.await?
			.ok_or(ResolveError::Inconsistent(format!("no block {block}")))?;
		let events: Vec<DidEvent> = source
			.did_events(hash)
			.await
			.map_err(|e| match e {
				SourceError::Pruned(_) => ResolveError::HistoryUnavailable(block),
				other => other.into(),
			})?
			.into_iter()
			.filter(|e| e.did() == Some(did))
			.collect();
		let previous = events
			.first()
			.ok_or_else(|| {
				ResolveError::Inconsistent(format!("block {block} has no event of the DID"))
			})?
			.previous();
		if previous.is_some_and(|p| p >= block) {
			return Err(ResolveError::Inconsistent(format!(
				"block {block} points forward to {previous:?}"
			)));
		}
		changes.push(Change { block, events });
		next = previous;
	}
	changes.reverse();
	Ok(Walked { changes, next })
}

/// An attribute valid at the resolution block.
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
	/// The name (UTF-8, or `0x`-hex if it is not).
	pub name: String,
	/// The value (UTF-8, or `0x`-hex if it is not).
	pub value: String,
	/// The last block it is valid in.
	pub valid_to: u32,
}

fn text(bytes: &[u8]) -> String {
	match core::str::from_utf8(bytes) {
		Ok(s) => s.to_owned(),
		Err(_) => format!("0x{}", hex::encode(bytes)),
	}
}

/// The attributes valid at block `at`, from `changes` (oldest first) up to `at`: a set
/// (re)validates a name-value pair until its `valid_to`, a revocation ends it.
pub fn attributes_at(changes: &[Change], at: u32) -> Vec<Attribute> {
	let mut current: Vec<(Vec<u8>, Vec<u8>, u32)> = Vec::new();
	for change in changes.iter().filter(|c| c.block <= at) {
		for event in &change.events {
			match event {
				DidEvent::AttributeSet { name, value, valid_to, .. } => {
					current.retain(|(n, v, _)| !(n == name && v == value));
					current.push((name.clone(), value.clone(), *valid_to));
				},
				DidEvent::AttributeRevoked { name, value, .. } => {
					current.retain(|(n, v, _)| !(n == name && v == value))
				},
				// A deactivated DID asserts nothing any more.
				DidEvent::DidDeactivated { .. } => current.clear(),
				_ => {},
			}
		}
	}
	current
		.into_iter()
		.filter(|(_, _, valid_to)| at <= *valid_to)
		.map(|(name, value, valid_to)| Attribute {
			name: text(&name),
			value: text(&value),
			valid_to,
		})
		.collect()
}

/// A JSON summary of an event for people and scripts: its name, its `previous`, and the
/// attribute it sets or revokes.
pub fn describe(event: &DidEvent) -> Value {
	let name = match event {
		DidEvent::DidCreated { .. } => "DidCreated",
		DidEvent::KeyAdded { .. } => "KeyAdded",
		DidEvent::KeyRemoved { .. } => "KeyRemoved",
		DidEvent::KeyRotated { .. } => "KeyRotated",
		DidEvent::ControllerChanged { .. } => "ControllerChanged",
		DidEvent::DelegateAdded { .. } => "DelegateAdded",
		DidEvent::DelegateRevoked { .. } => "DelegateRevoked",
		DidEvent::AttributeSet { .. } => "AttributeSet",
		DidEvent::AttributeRevoked { .. } => "AttributeRevoked",
		DidEvent::ServiceAdded { .. } => "ServiceAdded",
		DidEvent::ServiceRemoved { .. } => "ServiceRemoved",
		DidEvent::DidDeactivated { .. } => "DidDeactivated",
		DidEvent::DidCallDispatched { .. } => "DidCallDispatched",
		DidEvent::SignerBound { .. } => "SignerBound",
		DidEvent::SignerUnbound { .. } => "SignerUnbound",
		_ => "Unknown",
	};
	let mut out = json!({ "event": name, "previous": event.previous() });
	if let DidEvent::AttributeSet { name, value, .. }
	| DidEvent::AttributeRevoked { name, value, .. } = event
	{
		out["name"] = json!(text(name));
		out["value"] = json!(text(value));
	}
	if let DidEvent::SignerBound { key_id, .. } | DidEvent::SignerUnbound { key_id, .. } = event {
		out["keyId"] = json!(text(key_id));
	}
	out
}

#[cfg(test)]
mod tests {
	use super::*;

	fn set(name: &str, value: &str, valid_to: u32) -> DidEvent {
		DidEvent::AttributeSet {
			did: AccountId32::new([1; 32]),
			name: name.into(),
			value: value.into(),
			valid_to,
			previous: None,
		}
	}

	fn revoke(name: &str, value: &str) -> DidEvent {
		DidEvent::AttributeRevoked {
			did: AccountId32::new([1; 32]),
			name: name.into(),
			value: value.into(),
			previous: None,
		}
	}

	#[test]
	fn attributes_fold_sets_and_revocations_works() {
		let changes = vec![
			Change { block: 2, events: vec![set("name", "A", 100), set("name", "B", 100)] },
			Change { block: 5, events: vec![revoke("name", "A"), set("age", "3", 6)] },
			Change { block: 9, events: vec![set("name", "C", 100)] },
		];
		let names =
			|at| attributes_at(&changes, at).into_iter().map(|a| a.value).collect::<Vec<_>>();
		assert_eq!(names(1), Vec::<String>::new());
		assert_eq!(names(2), vec!["A", "B"]);
		assert_eq!(names(5), vec!["B", "3"]);
		assert_eq!(names(7), vec!["B"]);
		assert_eq!(names(9), vec!["B", "C"]);
	}

	#[test]
	fn deactivation_ends_every_attribute_works() {
		let did = AccountId32::new([1; 32]);
		let changes = vec![
			Change { block: 2, events: vec![set("name", "A", 100)] },
			Change { block: 3, events: vec![DidEvent::DidDeactivated { did, previous: Some(2) }] },
		];
		assert_eq!(attributes_at(&changes, 2).len(), 1);
		assert!(attributes_at(&changes, 3).is_empty());
	}

	#[test]
	fn non_utf8_attributes_show_as_hex_works() {
		let changes = vec![Change {
			block: 1,
			events: vec![DidEvent::AttributeSet {
				did: AccountId32::new([1; 32]),
				name: b"k".to_vec(),
				value: vec![0xff, 0x00],
				valid_to: 9,
				previous: None,
			}],
		}];
		assert_eq!(attributes_at(&changes, 1)[0].value, "0xff00");
	}
}
