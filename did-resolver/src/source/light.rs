//! Reading the chain through a light client (smoldot, through subxt), which trusts no node.
//!
//! The light client follows the chain's headers with GRANDPA's finality proofs (warp sync
//! across validator set changes), and checks every storage value and runtime call it answers
//! against a proof from a full node and the state root of the block's header: a node that lies
//! is caught, not believed. What it cannot prove it does not answer, such as
//! `chain_getBlockHash` of a past block number (a node could name any block). So a reader over
//! it maps numbers to hashes through `System.BlockHash`, read with proofs: block `k`'s state
//! holds the hashes of blocks `k - BlockHashCount` to `k - 1` (and the genesis'), so a block
//! further back than that is reached in steps of `BlockHashCount` blocks, one proof each. And
//! "now" is the light client's finalized head, not the best block: asked for again at each
//! "now" and for each block past the head last seen, so that a long-lived reader (the worker's
//! verifier) follows the chain, while one resolution, which asks for "now" once and reads at
//! block hashes after it, reads one consistent chain.

use codec::Decode;
use sp_core::H256;
use std::{
	collections::BTreeMap,
	sync::{Mutex, PoisonError},
	time::Duration,
};
use subxt::{
	lightclient::LightClient,
	rpcs::{LegacyRpcMethods, RpcClient},
};

use super::{block_hash_key, rpc, ChainSource, RpcSource, SourceError};

/// How long a light client may take to find a peer and sync to the chain's head.
const SYNC_TIMEOUT: Duration = Duration::from_secs(120);

/// How long a synced light client then waits for its finalized head to come within
/// [`FINALITY_LAG`] blocks of its best block, before resolving at the finalized head it has
/// (finality may be stalled on the chain itself).
const FINALITY_WAIT: Duration = Duration::from_secs(30);

/// How far behind the best block GRANDPA's finalized head normally is.
const FINALITY_LAG: u32 = 3;

/// At most this many block hashes found by number are kept (the steps of walks back).
const KEPT_HASHES: usize = 4096;

/// What a reader over a light client keeps.
pub(super) struct Light {
	/// Keeps smoldot running for the reader's life.
	_client: LightClient,
	/// The light client's finalized head as last asked for, and its number.
	head: Mutex<Option<(H256, u32)>>,
	/// Block hashes found by number, each proven through the state of a finalized block.
	known: Mutex<BTreeMap<u32, H256>>,
}

impl Light {
	/// The known block nearest above or at `number`.
	fn nearest_at_or_above(&self, number: u32) -> Option<(u32, H256)> {
		let known = self.known.lock().unwrap_or_else(PoisonError::into_inner);
		known.range(number..).next().map(|(number, hash)| (*number, *hash))
	}

	/// The finalized head last asked for, unless `number` is past it.
	fn head_at_or_above(&self, number: u32) -> Option<(H256, u32)> {
		let head = *self.head.lock().unwrap_or_else(PoisonError::into_inner);
		head.filter(|(_, head_number)| *head_number >= number)
	}

	/// Keeps a found hash. Once [`KEPT_HASHES`] are kept, the newest known block's makes room:
	/// the newer a block, the fewer steps back from the head find it again.
	fn remember(&self, number: u32, hash: H256) {
		let mut known = self.known.lock().unwrap_or_else(PoisonError::into_inner);
		if known.len() >= KEPT_HASHES && !known.contains_key(&number) {
			known.pop_last();
		}
		known.insert(number, hash);
	}
}

impl RpcSource {
	/// Starts a light client of the chain that `chain_spec` (a raw chain specification, JSON,
	/// with `bootNodes` to find its peers) describes, and waits until it has synced the chain
	/// from a peer and its finalized head has caught up with the chain's head.
	pub async fn light(chain_spec: &str) -> Result<Self, SourceError> {
		let (client, rpc_client) = LightClient::relay_chain(chain_spec)
			.map_err(|e| SourceError::Rpc(format!("light client: {e}")))?;
		let rpc_client = RpcClient::new(rpc_client);
		let source = Self {
			rpc: LegacyRpcMethods::new(rpc_client.clone()),
			client: rpc_client,
			metadata: Mutex::default(),
			light: Some(Light { _client: client, head: Mutex::default(), known: Mutex::default() }),
		};
		tokio::time::timeout(SYNC_TIMEOUT, source.synced()).await.map_err(|_| {
			SourceError::Rpc(format!(
				"the light client found no peer to sync from within {} s (check the chain \
				 specification's bootNodes)",
				SYNC_TIMEOUT.as_secs()
			))
		})??;
		// Finality that stays behind is the chain's own state: the head it reached is the answer.
		let _ = tokio::time::timeout(FINALITY_WAIT, source.finality_caught_up()).await;
		Ok(source)
	}

	/// Returns once the light client has a peer and is no longer syncing.
	async fn synced(&self) -> Result<(), SourceError> {
		loop {
			let health = self.rpc.system_health().await.map_err(rpc)?;
			if health.peers > 0 && !health.is_syncing {
				return Ok(());
			}
			tokio::time::sleep(Duration::from_millis(500)).await;
		}
	}

	/// Returns once the finalized head is within [`FINALITY_LAG`] blocks of the best block (the
	/// light client learns finality from GRANDPA's commits, a moment after the blocks).
	async fn finality_caught_up(&self) -> Result<(), SourceError> {
		loop {
			let finalized = self.rpc.chain_get_finalized_head().await.map_err(rpc)?;
			let finalized = self.block_number(H256(finalized.0)).await?;
			let best =
				self.rpc.chain_get_header(None).await.map_err(rpc)?.ok_or_else(|| {
					SourceError::Rpc("the light client names no best block".into())
				})?;
			let best = u32::try_from(best.number).unwrap_or(u32::MAX);
			if finalized.saturating_add(FINALITY_LAG) >= best {
				return Ok(());
			}
			tokio::time::sleep(Duration::from_millis(500)).await;
		}
	}

	/// The light client's finalized head now, and its number; kept as the head last seen.
	async fn light_head(&self, light: &Light) -> Result<(H256, u32), SourceError> {
		let hash = H256(self.rpc.chain_get_finalized_head().await.map_err(rpc)?.0);
		let head = (hash, self.block_number(hash).await?);
		let mut kept = light.head.lock().unwrap_or_else(PoisonError::into_inner);
		// Two readers may ask at once: the later head stays.
		if kept.is_none_or(|(_, number)| number <= head.1) {
			*kept = Some(head);
		}
		Ok(head)
	}

	/// `System.BlockHashCount` of the runtime that executed block `at` (its metadata is kept
	/// per runtime version: one read of `System.LastRuntimeUpgrade` once it is).
	async fn block_hash_count(&self, at: H256) -> Result<u32, SourceError> {
		let metadata = self.metadata_of_block(at).await?;
		let constant = metadata
			.pallet_by_name("System")
			.and_then(|system| system.constant_by_name("BlockHashCount"))
			.ok_or_else(|| SourceError::Decode("no System.BlockHashCount".into()))?;
		u32::decode(&mut constant.value())
			.map_err(|e| SourceError::Decode(format!("System.BlockHashCount: {e}")))
	}

	/// The hash of block `number` as `System.BlockHash` holds it in the state of block `at`.
	async fn block_hash_in(&self, number: u32, at: H256) -> Result<H256, SourceError> {
		let bytes = self.storage(&block_hash_key(number), at).await?.ok_or_else(|| {
			SourceError::Decode(format!("block {at:?} holds no hash of block {number}"))
		})?;
		H256::decode(&mut &bytes[..])
			.map_err(|e| SourceError::Decode(format!("System.BlockHash({number}): {e}")))
	}

	/// The hash of block `number` (the finalized head now if `None`), as a light client proves
	/// it: from the nearest block known at or above it (the head at first), back in steps of
	/// `BlockHashCount` blocks, each read in the state of the block before.
	pub(super) async fn light_block_hash(
		&self,
		light: &Light,
		number: Option<u32>,
	) -> Result<Option<H256>, SourceError> {
		let Some(number) = number else { return Ok(Some(self.light_head(light).await?.0)) };
		let (head, head_number) = match light.head_at_or_above(number) {
			Some(head) => head,
			None => self.light_head(light).await?,
		};
		if number > head_number {
			return Err(SourceError::NotFinal { block: number, head: head_number });
		}
		let (at_number, mut at) = light.nearest_at_or_above(number).unwrap_or((head_number, head));
		if at_number == number {
			return Ok(Some(at));
		}
		let count = self.block_hash_count(head).await?;
		for step in steps_back(number, at_number, count) {
			at = self.block_hash_in(step, at).await?;
			light.remember(step, at);
		}
		Ok(Some(at))
	}
}

/// The blocks whose hashes a walk from block `from` back to block `number` reads, in order,
/// each in the state of the block read before it (the first in `from`'s), given that block `k`'s
/// state holds the hashes of blocks `k - count` to `k - 1` and the genesis': steps of `count`
/// blocks, then `number`.
fn steps_back(number: u32, from: u32, count: u32) -> Vec<u32> {
	let count = count.max(1);
	let mut steps = Vec::new();
	let mut at = from;
	while number != 0 && at - number > count {
		at -= count;
		steps.push(at);
	}
	steps.push(number);
	steps
}

#[cfg(test)]
mod tests {
	use super::steps_back;

	#[test]
	fn steps_back_reach_any_block_in_steps_of_the_kept_hashes_works() {
		// Within the kept hashes, and the genesis from anywhere: one read.
		assert_eq!(steps_back(7_600, 10_000, 2_400), [7_600]);
		assert_eq!(steps_back(9_999, 10_000, 2_400), [9_999]);
		assert_eq!(steps_back(0, 10_000, 2_400), [0]);
		// One block further back: a step first.
		assert_eq!(steps_back(7_599, 10_000, 2_400), [7_600, 7_599]);
		assert_eq!(steps_back(1, 10_000, 2_400), [7_600, 5_200, 2_800, 400, 1]);
		// Each read lies within the kept hashes of the block before it.
		let walk = steps_back(123, 1_000_000, 2_400);
		for pair in [1_000_000].iter().chain(&walk).collect::<Vec<_>>().windows(2) {
			assert!(pair[1] < pair[0] && pair[0] - pair[1] <= 2_400, "{pair:?}");
		}
		assert_eq!(walk.last(), Some(&123));
	}
}
