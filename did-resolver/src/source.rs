//! What the resolver reads from a chain, and a reader over a node's JSON-RPC.

use codec::{Decode, Encode};
use core::future::Future;
use jsonrpsee::{
	core::client::ClientT,
	http_client::{HttpClient, HttpClientBuilder},
	rpc_params,
};
use sp_core::{crypto::AccountId32, Bytes, H256};
use sp_crypto_hashing::twox_128;
use teeid_runtime::RuntimeEvent;

use crate::{DidEvent, DidState};

/// Why a read failed.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
	/// The node no longer has the state of this block: it is not an archive node.
	#[error("the state of block {0:?} is pruned on this node")]
	Pruned(H256),
	/// The node does not answer, or answers with an error.
	#[error("node RPC: {0}")]
	Rpc(String),
	/// The node answered with bytes that do not decode as this runtime's types.
	#[error("cannot decode the node's answer: {0}")]
	Decode(String),
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
fn value_key(pallet: &str, item: &str) -> String {
	let mut key = twox_128(pallet.as_bytes()).to_vec();
	key.extend_from_slice(&twox_128(item.as_bytes()));
	format!("0x{}", hex::encode(key))
}

/// Reads a teeid node over HTTP JSON-RPC.
pub struct RpcSource {
	client: HttpClient,
}

impl RpcSource {
	/// A reader of the node at `url` (for example `http://127.0.0.1:9944`).
	pub fn new(url: &str) -> Result<Self, SourceError> {
		let client = HttpClientBuilder::default()
			.max_response_size(64 * 1024 * 1024)
			.build(url)
			.map_err(|e| SourceError::Rpc(e.to_string()))?;
		Ok(Self { client })
	}

	/// Maps an RPC error, recognising the node's words for pruned state.
	fn rpc_error(at: H256, error: jsonrpsee::core::ClientError) -> SourceError {
		let text = error.to_string();
		if text.contains("discarded") || text.contains("pruned") {
			SourceError::Pruned(at)
		} else {
			SourceError::Rpc(text)
		}
	}

	async fn storage(&self, key: String, at: H256) -> Result<Option<Bytes>, SourceError> {
		self.client
			.request("state_getStorage", rpc_params![key, at])
			.await
			.map_err(|e| Self::rpc_error(at, e))
	}
}

#[derive(serde::Deserialize)]
struct Header {
	number: String,
}

impl ChainSource for RpcSource {
	async fn block_hash(&self, number: Option<u32>) -> Result<Option<H256>, SourceError> {
		self.client
			.request("chain_getBlockHash", rpc_params![number])
			.await
			.map_err(|e| SourceError::Rpc(e.to_string()))
	}

	async fn block_number(&self, hash: H256) -> Result<u32, SourceError> {
		let header: Header = self
			.client
			.request("chain_getHeader", rpc_params![hash])
			.await
			.map_err(|e| SourceError::Rpc(e.to_string()))?;
		u32::from_str_radix(header.number.trim_start_matches("0x"), 16)
			.map_err(|e| SourceError::Decode(format!("block number: {e}")))
	}

	async fn did_state(
		&self,
		did: &AccountId32,
		at: H256,
	) -> Result<Option<DidState>, SourceError> {
		let input = Bytes(did.encode());
		let output: Bytes = self
			.client
			.request("state_call", rpc_params!["DidApi_resolve", input, at])
			.await
			.map_err(|e| Self::rpc_error(at, e))?;
		Option::<DidState>::decode(&mut &output[..])
			.map_err(|e| SourceError::Decode(format!("DidApi_resolve: {e}")))
	}

	async fn did_events(&self, at: H256) -> Result<Vec<DidEvent>, SourceError> {
		let Some(bytes) = self.storage(value_key("System", "Events"), at).await? else {
			return Ok(Vec::new());
		};
		let records = Vec::<frame_system::EventRecord<RuntimeEvent, H256>>::decode(&mut &bytes[..])
			.map_err(|e| SourceError::Decode(format!("System.Events: {e}")))?;
		Ok(records
			.into_iter()
			.filter_map(|r| match r.event {
				RuntimeEvent::Did(event) => Some(event),
				_ => None,
			})
			.collect())
	}

	async fn timestamp(&self, at: H256) -> Result<u64, SourceError> {
		let bytes = self.storage(value_key("Timestamp", "Now"), at).await?;
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
			value_key("System", "Events"),
			"0x26aa394eea5630e07c48ae0c9558cef780d41e5e16056765bc8461851072c9d7"
		);
	}
}
