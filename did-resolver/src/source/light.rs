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
//! "now" is the light client's finalized head, not the best block.

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
use tokio::sync::OnceCell;

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
	/// The finalized block the reader resolves at, and its number: fixed at its first use, so
	/// that one resolution reads one consistent chain.
	head: OnceCell<(H256, u32)>,
	/// `System.BlockHashCount` of the runtime at the head.
	block_hash_count: OnceCell<u32>,
	/// Block hashes found by number, each proven through the state of a finalized block.
	known: Mutex<BTreeMap<u32, H256>>,
}

impl Light {
	/// The known block nearest above or at `number`.
	fn nearest_at_or_above(&self, number: u32) -> Option<(u32, H256)> {
		let known = self.known.lock().unwrap_or_else(PoisonError::into_inner);
		known.range(number..).next().map(|(number, hash)| (*number, *hash))
	}

	fn remember(&self, number: u32, hash: H256) {
		let mut known = self.known.lock().unwrap_or_else(PoisonError::into_inner);
		if known.len() < KEPT_HASHES {
			known.insert(number, hash);
		}
	}
}

impl RpcSource {
	/// Starts a light client of the chain that `chain_spec` (a raw chain specification, JSON,
	/// with `bootNodes` to find its peers) describes, and waits until it has synced the chain
	/// from a peer and its finalized head has caught up with the chain's head.
	pub async fn light(chain_spec: &str) -> Result<Self, SourceError> {
		let (client, rpc_client) = LightClient::relay_chain(chain_spec)
			.map_err(|e| SourceError::Rpc(format!("light client: {e}")))?;
		let source = Self {
			rpc: LegacyRpcMethods::new(RpcClient::new(rpc_client)),
			metadata: Mutex::default(),
			light: Some(Light {
				_client: client,
				head: OnceCell::new(),
				block_hash_count: OnceCell::new(),
				known: Mutex::default(),
			}),
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

	/// The light client's finalized head and its number, fixed at the first call.
	async fn light_head(&self, light: &Light) -> Result<(H256, u32), SourceError> {
		let head = light
			.head
			.get_or_try_init(|| async {
				let hash = H256(self.rpc.chain_get_finalized_head().await.map_err(rpc)?.0);
				Ok::<_, SourceError>((hash, self.block_number(hash).await?))
			})
			.await?;
		Ok(*head)
	}

	/// `System.BlockHashCount` of the runtime that executed block `at`.
	async fn block_hash_count(&self, light: &Light, at: H256) -> Result<u32, SourceError> {
		let count = light
			.block_hash_count
			.get_or_try_init(|| async {
				let metadata = self.metadata_of_block(at).await?;
				let constant = metadata
					.pallet_by_name("System")
					.and_then(|system| system.constant_by_name("BlockHashCount"))
					.ok_or_else(|| SourceError::Decode("no System.BlockHashCount".into()))?;
				u32::decode(&mut constant.value())
					.map_err(|e| SourceError::Decode(format!("System.BlockHashCount: {e}")))
			})
			.await?;
		Ok(*count)
	}

	/// The hash of block `number` as `System.BlockHash` holds it in the state of block `at`.
	async fn block_hash_in(&self, number: u32, at: H256) -> Result<H256, SourceError> {
		let bytes = self.storage(&block_hash_key(number), at).await?.ok_or_else(|| {
			SourceError::Decode(format!("block {at:?} holds no hash of block {number}"))
		})?;
		H256::decode(&mut &bytes[..])
			.map_err(|e| SourceError::Decode(format!("System.BlockHash({number}): {e}")))
	}

	/// The hash of block `number` (the finalized head if `None`), as a light client proves it:
	/// from the nearest block known at or above it (the head at first), back in steps of
	/// `BlockHashCount` blocks, each read in the state of the block before.
	pub(super) async fn light_block_hash(
		&self,
		light: &Light,
		number: Option<u32>,
	) -> Result<Option<H256>, SourceError> {
		let (head, head_number) = self.light_head(light).await?;
		let Some(number) = number else { return Ok(Some(head)) };
		if number > head_number {
			return Err(SourceError::NotFinal { block: number, head: head_number });
		}
		let (at_number, mut at) = light.nearest_at_or_above(number).unwrap_or((head_number, head));
		if at_number == number {
			return Ok(Some(at));
		}
		let count = self.block_hash_count(light, head).await?;
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
