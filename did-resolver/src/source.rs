//! What the resolver reads from a chain, and a reader over a node's JSON-RPC or a light client.

use codec::{Compact, Decode, Encode};
use core::future::Future;
use sp_core::{crypto::AccountId32, H256};
use sp_crypto_hashing::twox_128;
use std::{
	collections::BTreeMap,
	sync::{Arc, Mutex, PoisonError},
};
use subxt::{
	config::RpcConfigFor,
	rpcs::{LegacyRpcMethods, RpcClient},
	Metadata, PolkadotConfig,
};

use crate::{event, DidEvent, DidState};

#[cfg(feature = "light")]
mod light;

/// Why a read failed.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
	/// The node no longer has the state of this block: it is not an archive node.
	#[error("the state of block {0:?} is pruned on this node")]
	Pruned(H256),
	/// The node does not answer, or answers with an error.
	#[error("node RPC: {0}")]
	Rpc(String),
	/// The node answered with bytes that do not decode as the block's runtime's types.
	#[error("cannot decode the node's answer: {0}")]
	Decode(String),
	/// A light client has not seen this block finalized: it may not exist yet, or finality may
	/// lag.
	#[error("block {block} is past the light client's finalized head, block {head}")]
	NotFinal {
		/// The block asked for.
		block: u32,
		/// The finalized block the light client reads at.
		head: u32,
	},
}

/// A failed node read, not tied to a block's state.
fn rpc(error: subxt::rpcs::Error) -> SourceError {
	SourceError::Rpc(error.to_string())
}

/// The reads resolution needs. Every read is at a given block.
pub trait ChainSource {
	/// The hash of block `number`, or of the best block if `None`.
	fn block_hash(
		&self,
		number: Option<u32>,
	) -> impl Future<Output = Result<Option<H256>, SourceError>> + Send;

	/// The number of block `hash`.
	fn block_number(&self, hash: H256) -> impl Future<Output = Result<u32, SourceError>> + Send;

	/// The DID's state at block `at` (`DidApi_resolve`).
	fn did_state(
		&self,
		did: &AccountId32,
		at: H256,
	) -> impl Future<Output = Result<Option<DidState>, SourceError>> + Send;

	/// The `did` pallet's events of block `at`, in order.
	fn did_events(
		&self,
		at: H256,
	) -> impl Future<Output = Result<Vec<DidEvent>, SourceError>> + Send;

	/// The timestamp (ms since the unix epoch) of block `at`.
	fn timestamp(&self, at: H256) -> impl Future<Output = Result<u64, SourceError>> + Send;
}

/// The storage key of a plain storage value.
fn value_key(pallet: &str, item: &str) -> Vec<u8> {
	let mut key = twox_128(pallet.as_bytes()).to_vec();
	key.extend_from_slice(&twox_128(item.as_bytes()));
	key
}

/// The storage key of `System.BlockHash(number)` (a `Twox64Concat` map).
#[cfg_attr(not(feature = "light"), allow(dead_code))]
fn block_hash_key(number: u32) -> Vec<u8> {
	let mut key = value_key("System", "BlockHash");
	let number = number.encode();
	key.extend_from_slice(&sp_crypto_hashing::twox_64(&number));
	key.extend_from_slice(&number);
	key
}

/// How many runtime versions' metadata a reader keeps: a chain has few, each is hundreds of
/// kilobytes, and the one a history walk needs next is almost always the one it used last.
const KEPT_METADATA: usize = 8;

/// Reads a teeid chain over JSON-RPC, with subxt's RPC client (the worker's chain client): from
/// a node ([`RpcSource::connect`]), or from a light client that trusts no node
/// ([`RpcSource::light`]).
///
/// Each block's events are decoded with the metadata of the runtime that executed that block,
/// fetched once per runtime version, so that a history crossing runtime upgrades reads as it was
/// written.
pub struct RpcSource {
	/// The connection, which other clients of the same node or light client may share.
	client: RpcClient,
	rpc: LegacyRpcMethods<RpcConfigFor<PolkadotConfig>>,
	/// Metadata by spec version, at most [`KEPT_METADATA`].
	metadata: Mutex<BTreeMap<u32, Arc<Metadata>>>,
	/// Set when the reader is a light client.
	#[cfg(feature = "light")]
	light: Option<light::Light>,
}

type NodeHash = <RpcConfigFor<PolkadotConfig> as subxt::rpcs::RpcConfig>::Hash;

fn node_hash(hash: H256) -> NodeHash {
	NodeHash::from(hash.0)
}

impl RpcSource {
	/// A reader over `client`, a node's RPC.
	pub fn new(client: RpcClient) -> Self {
		Self {
			rpc: LegacyRpcMethods::new(client.clone()),
			client,
			metadata: Mutex::default(),
			#[cfg(feature = "light")]
			light: None,
		}
	}

	/// Connects to the node at `url`: `ws://` or `wss://`, or the same node's `http://` or
	/// `https://` URL (a node serves both on one port; the reader uses its WebSocket).
	pub async fn connect(url: &str) -> Result<Self, SourceError> {
		let url = if let Some(rest) = url.strip_prefix("http://") {
			format!("ws://{rest}")
		} else if let Some(rest) = url.strip_prefix("https://") {
			format!("wss://{rest}")
		} else {
			url.to_owned()
		};
		let client = RpcClient::from_insecure_url(&url)
			.await
			.map_err(|e| SourceError::Rpc(format!("{url}: {e}")))?;
		Ok(Self::new(client))
	}

	/// The connection the reader reads through: another client may share it (the worker's
	/// chain client shares a light client's, which then runs once for both).
	pub fn client(&self) -> RpcClient {
		self.client.clone()
	}

	/// Maps an RPC error, recognising the node's words for pruned state.
	fn rpc_error(at: H256, error: subxt::rpcs::Error) -> SourceError {
		let text = error.to_string();
		if text.contains("discarded") || text.contains("pruned") {
			SourceError::Pruned(at)
		} else {
			SourceError::Rpc(text)
		}
	}

	async fn storage(&self, key: &[u8], at: H256) -> Result<Option<Vec<u8>>, SourceError> {
		self.rpc
			.state_get_storage(key, Some(node_hash(at)))
			.await
			.map_err(|e| Self::rpc_error(at, e))
	}

	/// The metadata of the runtime that executed block `at`.
	///
	/// That runtime is the one in the state of `at`'s parent: an upgrade's block already holds
	/// the new code in its own state, yet it ran, and its events were written, by the old one.
	/// `System.LastRuntimeUpgrade` in `at`'s state names the version that ran `at` (it changes
	/// in the first block a new runtime executes), which finds the kept metadata in one read;
	/// a version not kept is fetched from the parent's state.
	async fn metadata_of_block(&self, at: H256) -> Result<Arc<Metadata>, SourceError> {
		let upgrade = self.storage(&value_key("System", "LastRuntimeUpgrade"), at).await?;
		let version = upgrade
			.map(|bytes| <(Compact<u32>, String)>::decode(&mut &bytes[..]))
			.transpose()
			.map_err(|e| SourceError::Decode(format!("System.LastRuntimeUpgrade: {e}")))?
			.map(|(version, _)| version.0);
		let kept = |version| {
			self.metadata.lock().unwrap_or_else(PoisonError::into_inner).get(&version).cloned()
		};
		if let Some(metadata) = version.and_then(kept) {
			return Ok(metadata);
		}
		let header = self
			.rpc
			.chain_get_header(Some(node_hash(at)))
			.await
			.map_err(|e| Self::rpc_error(at, e))?
			.ok_or_else(|| SourceError::Rpc(format!("the node has no header of block {at:?}")))?;
		let parent = header.parent_hash;
		let parent_h256 = H256(parent.0);
		let running = self
			.rpc
			.state_get_runtime_version(Some(parent))
			.await
			.map_err(|e| Self::rpc_error(parent_h256, e))?
			.spec_version;
		if version.is_some_and(|version| version != running) {
			return Err(SourceError::Decode(format!(
				"block {at:?} names runtime version {version:?} as its own, its parent's state \
				 holds version {running}"
			)));
		}
		let bytes = self
			.rpc
			.state_get_metadata(Some(parent))
			.await
			.map_err(|e| Self::rpc_error(parent_h256, e))?
			.into_raw();
		let metadata =
			Arc::new(Metadata::decode_from(&bytes).map_err(|e| {
				SourceError::Decode(format!("the metadata of version {running}: {e}"))
			})?);
		let mut kept = self.metadata.lock().unwrap_or_else(PoisonError::into_inner);
		if kept.len() >= KEPT_METADATA && !kept.contains_key(&running) {
			kept.pop_first();
		}
		kept.insert(running, metadata.clone());
		Ok(metadata)
	}
}

impl ChainSource for RpcSource {
	async fn block_hash(&self, number: Option<u32>) -> Result<Option<H256>, SourceError> {
		#[cfg(feature = "light")]
		if let Some(light) = &self.light {
			return self.light_block_hash(light, number).await;
		}
		let hash = self.rpc.chain_get_block_hash(number.map(Into::into)).await.map_err(rpc)?;
		Ok(hash.map(|h| H256(h.0)))
	}

	async fn block_number(&self, hash: H256) -> Result<u32, SourceError> {
		let header = self
			.rpc
			.chain_get_header(Some(node_hash(hash)))
			.await
			.map_err(rpc)?
			.ok_or_else(|| SourceError::Rpc(format!("the node has no block {hash:?}")))?;
		u32::try_from(header.number)
			.map_err(|_| SourceError::Decode(format!("block number {} is past u32", header.number)))
	}

	async fn did_state(
		&self,
		did: &AccountId32,
		at: H256,
	) -> Result<Option<DidState>, SourceError> {
		let output = self
			.rpc
			.state_call("DidApi_resolve", Some(&did.encode()), Some(node_hash(at)))
			.await
			.map_err(|e| Self::rpc_error(at, e))?;
		Option::<DidState>::decode(&mut &output[..])
			.map_err(|e| SourceError::Decode(format!("DidApi_resolve: {e}")))
	}

	async fn did_events(&self, at: H256) -> Result<Vec<DidEvent>, SourceError> {
		// One read after the other, not both at once: the node's RPC server (sc-rpc-server)
		// leaves Nagle's algorithm on its sockets, so an answer written while the one before it is
		// unacknowledged waits for this end's delayed ACK, 40 ms, once per block walked (a
		// 10-change DID took 490 ms to resolve instead of 5).
		let metadata = self.metadata_of_block(at).await?;
		let bytes = self.storage(&value_key("System", "Events"), at).await?;
		match bytes {
			Some(bytes) => event::did_events(&bytes, &metadata).map_err(SourceError::Decode),
			None => Ok(Vec::new()),
		}
	}

	async fn timestamp(&self, at: H256) -> Result<u64, SourceError> {
		let bytes = self.storage(&value_key("Timestamp", "Now"), at).await?;
		bytes
			.map(|b| u64::decode(&mut &b[..]))
			.transpose()
			.map_err(|e| SourceError::Decode(format!("Timestamp.Now: {e}")))
			.map(Option::unwrap_or_default)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn storage_keys_are_twox_prefixed_works() {
		assert_eq!(
			hex::encode(value_key("System", "Events")),
			"26aa394eea5630e07c48ae0c9558cef780d41e5e16056765bc8461851072c9d7"
		);
	}

	#[test]
	fn block_hash_keys_are_twox64_concat_works() {
		// `System.BlockHash(0)`, the genesis hash's key on every FRAME chain.
		assert_eq!(
			hex::encode(block_hash_key(0)),
			"26aa394eea5630e07c48ae0c9558cef7a44704b568d21667356a5a050c118746b4def25cfda6ef3a00000000"
		);
	}
}
