//! The linked-event walk: from a DID's `changed` block back through each event's `previous`.

use serde_json::{json, Value};
use sp_core::crypto::AccountId32;

use crate::{
	resolve::ResolveError,
	source::{ChainSource, SourceError},
	DidEvent, DidEventKind,
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
/// blocks (three node reads each, two of them at once): the bound a resolver answering untrusted callers needs, since
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
			.filter(|e| &e.did == did)
			.collect();
		let previous = events
			.first()
			.ok_or_else(|| {
				ResolveError::Inconsistent(format!("block {block} has no event of the DID"))
			})?
			.previous;
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
			match &event.kind {
				DidEventKind::AttributeSet { name, value, valid_to } => {
					current.retain(|(n, v, _)| !(n == name && v == value));
					current.push((name.clone(), value.clone(), *valid_to));
				},
				DidEventKind::AttributeRevoked { name, value } => {
					current.retain(|(n, v, _)| !(n == name && v == value))
				},
				// A deactivated DID asserts nothing any more.
				DidEventKind::DidDeactivated => current.clear(),
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
	let mut out = json!({ "event": event.name(), "previous": event.previous });
	match &event.kind {
		DidEventKind::AttributeSet { name, value, .. }
		| DidEventKind::AttributeRevoked { name, value } => {
			out["name"] = json!(text(name));
			out["value"] = json!(text(value));
		},
		DidEventKind::SignerBound { key_id } | DidEventKind::SignerUnbound { key_id } => {
			out["keyId"] = json!(text(key_id));
		},
		DidEventKind::DidDeactivated | DidEventKind::Other(_) => {},
	}
	out
}

#[cfg(test)]
mod tests {
	use super::*;

	fn event(kind: DidEventKind, previous: Option<u32>) -> DidEvent {
		DidEvent { did: AccountId32::new([1; 32]), previous, kind }
	}

	fn set(name: &str, value: &str, valid_to: u32) -> DidEvent {
		event(DidEventKind::AttributeSet { name: name.into(), value: value.into(), valid_to }, None)
	}

	fn revoke(name: &str, value: &str) -> DidEvent {
		event(DidEventKind::AttributeRevoked { name: name.into(), value: value.into() }, None)
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
		let changes = vec![
			Change { block: 2, events: vec![set("name", "A", 100)] },
			Change { block: 3, events: vec![event(DidEventKind::DidDeactivated, Some(2))] },
		];
		assert_eq!(attributes_at(&changes, 2).len(), 1);
		assert!(attributes_at(&changes, 3).is_empty());
	}

	#[test]
	fn non_utf8_attributes_show_as_hex_works() {
		let changes = vec![Change {
			block: 1,
			events: vec![event(
				DidEventKind::AttributeSet {
					name: b"k".to_vec(),
					value: vec![0xff, 0x00],
					valid_to: 9,
				},
				None,
			)],
		}];
		assert_eq!(attributes_at(&changes, 1)[0].value, "0xff00");
	}
}
