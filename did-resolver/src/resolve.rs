//! DID resolution: the current version, or the version at a given block.

use chrono::{DateTime, SecondsFormat};
use serde::Serialize;
use serde_json::{json, Value};
use sp_core::H256;

use crate::{
	did::{Did, InvalidDid},
	document,
	history::{self, Attribute, Change},
	source::{ChainSource, SourceError},
	DidState,
};

/// Why a DID could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
	/// The identifier is not a `did:teeid` DID.
	#[error("invalid DID: {0}")]
	InvalidDid(#[from] InvalidDid),
	/// The chain has no such DID (at the resolution block).
	#[error("the DID does not exist")]
	NotFound,
	/// The chain has no block with this number yet.
	#[error("block {0} does not exist")]
	UnknownBlock(u32),
	/// Block `0`'s state is pruned on this node; history needs an archive node.
	#[error(
		"the state of block {0} is pruned on this node: resolving history needs an archive node \
		 (run teeid-node without --state-pruning, or with --state-pruning archive)"
	)]
	HistoryUnavailable(u32),
	/// The chain's data contradicts the linked-event scheme.
	#[error("inconsistent history: {0}")]
	Inconsistent(String),
	/// Reading the chain failed.
	#[error(transparent)]
	Source(#[from] SourceError),
}

impl ResolveError {
	/// The W3C DID Resolution error code.
	pub fn code(&self) -> &'static str {
		match self {
			ResolveError::InvalidDid(_) => "invalidDid",
			ResolveError::NotFound => "notFound",
			_ => "internalError",
		}
	}
}

/// A W3C DID resolution result.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolutionResult {
	/// The DID document.
	pub did_document: Value,
	/// Metadata about the resolution.
	pub did_resolution_metadata: Value,
	/// Metadata about the document: `created`, `updated`, `versionId`, `deactivated`, and
	/// the teeid `attributes` and `delegates` valid at the resolved block.
	pub did_document_metadata: Value,
}

fn iso8601(ms: u64) -> String {
	DateTime::from_timestamp_millis(ms as i64)
		.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
		.unwrap_or_default()
}

async fn hash_of<S: ChainSource>(source: &S, number: u32) -> Result<H256, ResolveError> {
	source.block_hash(Some(number)).await?.ok_or(ResolveError::UnknownBlock(number))
}

/// Maps a pruned read at block `number` to [`ResolveError::HistoryUnavailable`].
fn at_block(number: u32) -> impl Fn(SourceError) -> ResolveError {
	move |e| match e {
		SourceError::Pruned(_) => ResolveError::HistoryUnavailable(number),
		other => other.into(),
	}
}

/// The most blocks of a DID's history that a resolution for untrusted callers walks (the
/// worker's public routes): each costs three node reads (two at once), and a DID's history is as long as its
/// controller pays for. A 100-change DID resolves in full within it.
pub const PUBLIC_HISTORY_BLOCKS: usize = 128;

/// Resolves `did` at block `at` (the best block if `None`), walking its whole history.
pub async fn resolve<S: ChainSource>(
	source: &S,
	did: &str,
	at: Option<u32>,
) -> Result<ResolutionResult, ResolveError> {
	resolve_within(source, did, at, usize::MAX).await
}

/// [`resolve`], walking at most `max_blocks` blocks of the DID's history (newest first). The
/// document and every other member come from the state and are complete; only `attributes`
/// come from the walk. When it stops before the DID's creation, the attributes are those of
/// the changes it read, and `didDocumentMetadata.historyTruncated` says so:
/// `{ "blocksWalked": n, "nextBlock": b }`, `b` the block of the newest change not read.
pub async fn resolve_within<S: ChainSource>(
	source: &S,
	did: &str,
	at: Option<u32>,
	max_blocks: usize,
) -> Result<ResolutionResult, ResolveError> {
	let did: Did = did.parse()?;
	let (number, state) = state_at(source, &did, at).await?;
	let walked = history::walk_within(source, &did.0, state.changed, max_blocks).await?;
	let attributes = history::attributes_at(&walked.changes, number);
	let genesis = hash_of(source, 0).await?;
	let created = source
		.timestamp(hash_of(source, state.created).await?)
		.await
		.map_err(at_block(state.created))?;
	let updated = source
		.timestamp(hash_of(source, state.changed).await?)
		.await
		.map_err(at_block(state.changed))?;

	let mut metadata = json!({
		"created": iso8601(created),
		"updated": iso8601(updated),
		"versionId": state.changed.to_string(),
		"attributes": attributes.iter().map(attribute_json).collect::<Vec<_>>(),
		"delegates": document::delegates(&state, number, &genesis),
	});
	if state.deactivated {
		metadata["deactivated"] = json!(true);
	}
	if let Some(next) = walked.next {
		metadata["historyTruncated"] =
			json!({ "blocksWalked": walked.changes.len(), "nextBlock": next });
	}
	Ok(ResolutionResult {
		did_document: document::document(&did, &state, number),
		did_resolution_metadata: json!({
			"contentType": "application/did+ld+json",
			"resolvedAtBlock": number,
		}),
		did_document_metadata: metadata,
	})
}

/// The number of block `at` (the source's head if `None`) and `did`'s state there.
async fn state_at<S: ChainSource>(
	source: &S,
	did: &Did,
	at: Option<u32>,
) -> Result<(u32, DidState), ResolveError> {
	let (hash, number) = match at {
		Some(number) => (hash_of(source, number).await?, number),
		None => {
			let hash = source.block_hash(None).await?.ok_or(ResolveError::UnknownBlock(0))?;
			(hash, source.block_number(hash).await?)
		},
	};
	let state = source
		.did_state(&did.0, hash)
		.await
		.map_err(at_block(number))?
		.ok_or(ResolveError::NotFound)?;
	Ok((number, state))
}

/// The DID document of `did` at block `at` (the source's head if `None`), and the block's
/// number: from the DID's state alone, the document [`resolve`] gives, without the history
/// walk and the creation and update times that cost reads at other blocks (through a light
/// client, a walk of proofs back to each). What a check of a DID's keys needs.
pub async fn document<S: ChainSource>(
	source: &S,
	did: &str,
	at: Option<u32>,
) -> Result<(Value, u32), ResolveError> {
	let did: Did = did.parse()?;
	let (number, state) = state_at(source, &did, at).await?;
	Ok((document::document(&did, &state, number), number))
}

fn attribute_json(a: &Attribute) -> Value {
	json!({ "name": a.name, "value": a.value, "validTo": a.valid_to })
}

/// The history of `did` as of the best block, oldest change first.
pub async fn history<S: ChainSource>(source: &S, did: &str) -> Result<Vec<Change>, ResolveError> {
	let did: Did = did.parse()?;
	let hash = source.block_hash(None).await?.ok_or(ResolveError::UnknownBlock(0))?;
	let number = source.block_number(hash).await?;
	let state = source
		.did_state(&did.0, hash)
		.await
		.map_err(at_block(number))?
		.ok_or(ResolveError::NotFound)?;
	history::walk(source, &did.0, state.changed).await
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{DidEvent, DidEventKind};
	use pallet_did::{PublicKey, Relationships, VerificationKey};
	use sp_core::{crypto::AccountId32, sr25519};
	use std::{
		collections::BTreeMap,
		sync::atomic::{AtomicUsize, Ordering},
	};

	/// A chain in memory: per block, the DID state after it and its DID events.
	#[derive(Default)]
	struct MemoryChain {
		blocks: BTreeMap<u32, (Option<DidState>, Vec<DidEvent>)>,
		pruned_below: u32,
		/// How many times a block's events were read.
		event_reads: AtomicUsize,
	}

	fn hash(n: u32) -> H256 {
		H256::from_low_u64_be(n as u64 + 1)
	}

	fn number(h: H256) -> u32 {
		h.to_low_u64_be() as u32 - 1
	}

	impl MemoryChain {
		fn check(&self, at: H256) -> Result<u32, SourceError> {
			let n = number(at);
			if n < self.pruned_below {
				Err(SourceError::Pruned(at))
			} else {
				Ok(n)
			}
		}
	}

	impl ChainSource for MemoryChain {
		async fn block_hash(&self, n: Option<u32>) -> Result<Option<H256>, SourceError> {
			let best = *self.blocks.keys().last().unwrap();
			Ok(match n {
				None => Some(hash(best)),
				Some(n) if n <= best => Some(hash(n)),
				Some(_) => None,
			})
		}

		async fn block_number(&self, h: H256) -> Result<u32, SourceError> {
			Ok(number(h))
		}

		async fn did_state(
			&self,
			_: &AccountId32,
			at: H256,
		) -> Result<Option<DidState>, SourceError> {
			let n = self.check(at)?;
			Ok(self.blocks.range(..=n).next_back().and_then(|(_, (s, _))| s.clone()))
		}

		async fn did_events(&self, at: H256) -> Result<Vec<DidEvent>, SourceError> {
			self.event_reads.fetch_add(1, Ordering::Relaxed);
			let n = self.check(at)?;
			Ok(self.blocks.get(&n).map(|(_, e)| e.clone()).unwrap_or_default())
		}

		async fn timestamp(&self, at: H256) -> Result<u64, SourceError> {
			Ok(number(at) as u64 * 6000 + 1_700_000_000_000)
		}
	}

	const ALICE: [u8; 32] = [7; 32];

	fn state(changed: u32, key_seed: u8) -> DidState {
		DidState {
			controller: AccountId32::new(ALICE),
			keys: vec![VerificationKey {
				id: b"auth".to_vec(),
				public: PublicKey::Sr25519(sr25519::Public::from_raw([key_seed; 32])),
				relationships: Relationships::SIGNING,
				expires: None,
			}],
			services: vec![],
			delegates: vec![],
			deactivated: false,
			nonce: 0,
			deposit: 1,
			created: 1,
			changed,
		}
	}

	fn event(kind: DidEventKind, previous: Option<u32>) -> DidEvent {
		DidEvent { did: AccountId32::new(ALICE), previous, kind }
	}

	fn attribute(value: &str, previous: Option<u32>) -> DidEvent {
		let kind = DidEventKind::AttributeSet {
			name: b"name".to_vec(),
			value: value.into(),
			valid_to: 1000,
		};
		event(kind, previous)
	}

	/// Created in block 1, key rotated in 3, two attributes in 4, one more in 6; block 7 is
	/// the best block.
	fn chain() -> MemoryChain {
		let mut chain = MemoryChain::default();
		let created = event(DidEventKind::Other("DidCreated".into()), None);
		let rotated = event(DidEventKind::Other("KeyRotated".into()), Some(1));
		chain.blocks.insert(0, (None, vec![]));
		chain.blocks.insert(1, (Some(state(1, 1)), vec![created]));
		chain.blocks.insert(3, (Some(state(3, 2)), vec![rotated]));
		chain
			.blocks
			.insert(4, (Some(state(4, 2)), vec![attribute("A", Some(3)), attribute("B", Some(3))]));
		chain.blocks.insert(6, (Some(state(6, 2)), vec![attribute("C", Some(4))]));
		chain.blocks.insert(7, (Some(state(6, 2)), vec![]));
		chain
	}

	fn did() -> String {
		Did(AccountId32::new(ALICE)).to_string()
	}

	#[tokio::test]
	async fn resolves_current_and_historical_versions_works() {
		let chain = chain();
		let current = resolve(&chain, &did(), None).await.unwrap();
		assert_eq!(current.did_document_metadata["versionId"], json!("6"));
		let values: Vec<_> = current.did_document_metadata["attributes"]
			.as_array()
			.unwrap()
			.iter()
			.map(|a| a["value"].as_str().unwrap().to_owned())
			.collect();
		assert_eq!(values, vec!["A", "B", "C"]);

		let at2 = resolve(&chain, &did(), Some(2)).await.unwrap();
		assert_eq!(at2.did_document_metadata["versionId"], json!("1"));
		let key_at2 = at2.did_document["verificationMethod"][0]["publicKeyMultibase"].clone();
		let key_now = current.did_document["verificationMethod"][0]["publicKeyMultibase"].clone();
		assert_ne!(key_at2, key_now, "the rotation shows between versions");
		assert_eq!(at2.did_document_metadata["attributes"], json!([]));

		let at5 = resolve(&chain, &did(), Some(5)).await.unwrap();
		assert_eq!(at5.did_document_metadata["attributes"].as_array().unwrap().len(), 2);
		assert_eq!(at5.did_document_metadata["created"], json!(iso8601(1_700_000_006_000)));
	}

	#[tokio::test]
	async fn a_document_alone_reads_only_its_block_works() {
		let mut chain = chain();
		for at in [None, Some(2), Some(6)] {
			let (document, number) = document(&chain, &did(), at).await.unwrap();
			let resolved = resolve(&chain, &did(), at).await.unwrap();
			assert_eq!(document, resolved.did_document);
			assert_eq!(json!(number), resolved.did_resolution_metadata["resolvedAtBlock"]);
		}
		assert!(matches!(document(&chain, &did(), Some(0)).await, Err(ResolveError::NotFound)));
		// No history, and no block but its own: with the history before block 5 pruned, the
		// document of block 6 is still there, its full resolution not.
		chain.event_reads.store(0, Ordering::Relaxed);
		chain.pruned_below = 5;
		assert_eq!(document(&chain, &did(), Some(6)).await.unwrap().1, 6);
		assert_eq!(chain.event_reads.load(Ordering::Relaxed), 0);
		assert!(matches!(
			resolve(&chain, &did(), Some(6)).await,
			Err(ResolveError::HistoryUnavailable(_))
		));
	}

	#[tokio::test]
	async fn history_walks_every_change_in_order_works() {
		let changes = history(&chain(), &did()).await.unwrap();
		let blocks: Vec<_> = changes.iter().map(|c| (c.block, c.events.len())).collect();
		assert_eq!(blocks, vec![(1, 1), (3, 1), (4, 2), (6, 1)]);
	}

	fn values(result: &ResolutionResult) -> Vec<String> {
		result.did_document_metadata["attributes"]
			.as_array()
			.unwrap()
			.iter()
			.map(|a| a["value"].as_str().unwrap().to_owned())
			.collect()
	}

	#[tokio::test]
	async fn a_bounded_walk_marks_the_truncation_works() {
		let chain = chain();
		let full = resolve(&chain, &did(), None).await.unwrap();
		assert_eq!(values(&full), vec!["A", "B", "C"]);
		assert!(full.did_document_metadata.get("historyTruncated").is_none());
		// Blocks 6 and 4 hold every attribute; block 3 is the next change, not read.
		let two = resolve_within(&chain, &did(), None, 2).await.unwrap();
		assert_eq!(values(&two), vec!["A", "B", "C"]);
		assert_eq!(
			two.did_document_metadata["historyTruncated"],
			json!({ "blocksWalked": 2, "nextBlock": 3 })
		);
		let one = resolve_within(&chain, &did(), None, 1).await.unwrap();
		assert_eq!(values(&one), vec!["C"]);
		assert_eq!(
			one.did_document_metadata["historyTruncated"],
			json!({ "blocksWalked": 1, "nextBlock": 4 })
		);
		// The document comes from the state: complete whatever the walk read.
		let none = resolve_within(&chain, &did(), None, 0).await.unwrap();
		assert_eq!(none.did_document, full.did_document);
		assert_eq!(values(&none), Vec::<String>::new());
		assert_eq!(
			none.did_document_metadata["historyTruncated"],
			json!({ "blocksWalked": 0, "nextBlock": 6 })
		);
		let exact = resolve_within(&chain, &did(), None, 4).await.unwrap();
		assert_eq!(exact, full);
	}

	#[tokio::test]
	async fn a_long_history_is_read_only_to_the_bound_works() {
		// Created in block 1, then one attribute per block up to block 1000.
		let mut chain = MemoryChain::default();
		chain.blocks.insert(0, (None, vec![]));
		let created = event(DidEventKind::Other("DidCreated".into()), None);
		chain.blocks.insert(1, (Some(state(1, 1)), vec![created]));
		for n in 2..=1000u32 {
			chain
				.blocks
				.insert(n, (Some(state(n, 1)), vec![attribute(&n.to_string(), Some(n - 1))]));
		}
		let bounded = resolve_within(&chain, &did(), None, PUBLIC_HISTORY_BLOCKS).await.unwrap();
		assert_eq!(chain.event_reads.load(Ordering::Relaxed), PUBLIC_HISTORY_BLOCKS);
		assert_eq!(
			bounded.did_document_metadata["historyTruncated"],
			json!({ "blocksWalked": 128, "nextBlock": 872 })
		);
		assert_eq!(values(&bounded).len(), 128);
		chain.event_reads.store(0, Ordering::Relaxed);
		let full = resolve(&chain, &did(), None).await.unwrap();
		assert_eq!(chain.event_reads.load(Ordering::Relaxed), 1000);
		assert_eq!(values(&full).len(), 999);
	}

	#[tokio::test]
	async fn pruned_history_is_a_clear_error_works() {
		let mut chain = chain();
		chain.pruned_below = 5;
		let err = resolve(&chain, &did(), None).await.unwrap_err();
		assert!(matches!(err, ResolveError::HistoryUnavailable(4)), "{err}");
		assert!(err.to_string().contains("archive node"));
		let err = resolve(&chain, &did(), Some(2)).await.unwrap_err();
		assert!(matches!(err, ResolveError::HistoryUnavailable(2)), "{err}");
	}

	#[tokio::test]
	async fn unknown_did_and_block_fail_works() {
		let chain = chain();
		assert!(matches!(
			resolve(&chain, "did:teeid:x", None).await,
			Err(ResolveError::InvalidDid(_))
		));
		let other = Did(AccountId32::new([9; 32])).to_string();
		assert!(matches!(resolve(&chain, &other, Some(0)).await, Err(ResolveError::NotFound)));
		assert!(matches!(
			resolve(&chain, &did(), Some(99)).await,
			Err(ResolveError::UnknownBlock(99))
		));
	}
}
