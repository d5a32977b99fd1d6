//! Timestamps for manually and instantly sealed blocks.
//!
//! The runtime runs Aura even when blocks are sealed on demand: `pallet_aura` requires every
//! block to be in a later slot than its parent, and `pallet_timestamp` requires the timestamp
//! to advance by at least half a slot. Sealing on demand can produce many blocks within one
//! real slot, so each block's timestamp is the later of the wall clock and its parent's
//! timestamp plus one slot. Reading the parent's timestamp from state (rather than keeping a
//! counter in memory) keeps this right across restarts of a persistent node.

use sc_client_api::StorageProvider;
use sp_core::storage::StorageKey;
use sp_runtime::traits::Block as BlockT;
use std::time::{SystemTime, UNIX_EPOCH};

/// The storage key of `pallet_timestamp::Now`: `twox128("Timestamp") ++ twox128("Now")`.
fn now_key() -> StorageKey {
	let mut key = sp_crypto_hashing::twox_128(b"Timestamp").to_vec();
	key.extend_from_slice(&sp_crypto_hashing::twox_128(b"Now"));
	StorageKey(key)
}

/// The timestamp (ms) of the block at `parent`, or 0 at genesis and where it cannot be read.
pub fn parent_timestamp<B, Client, Backend>(client: &Client, parent: B::Hash) -> u64
where
	B: BlockT,
	Backend: sc_client_api::Backend<B>,
	Client: StorageProvider<B, Backend>,
{
	client
		.storage(parent, &now_key())
		.ok()
		.flatten()
		.and_then(|data| <u64 as codec::Decode>::decode(&mut &data.0[..]).ok())
		.unwrap_or(0)
}

/// The timestamp (ms) for a block whose parent has timestamp `parent_ms`.
pub fn next_timestamp(parent_ms: u64, now_ms: u64, slot_ms: u64) -> u64 {
	now_ms.max(parent_ms.saturating_add(slot_ms))
}

/// The wall clock in milliseconds since the unix epoch.
pub fn wall_clock_ms() -> u64 {
	SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn next_timestamp_follows_wall_clock_when_slots_passed_works() {
		assert_eq!(next_timestamp(1_000, 60_000, 6_000), 60_000);
	}

	#[test]
	fn next_timestamp_moves_one_slot_when_sealing_fast_works() {
		// Many blocks in one real second still land in successive slots.
		let mut parent = 60_000;
		for _ in 0..5 {
			let next = next_timestamp(parent, 60_500, 6_000);
			assert_eq!(next, parent + 6_000);
			parent = next;
		}
	}

	#[test]
	fn now_key_is_timestamp_now_works() {
		let key = now_key().0;
		assert_eq!(key.len(), 32);
		assert_eq!(
			hex_prefix(&key),
			// twox128("Timestamp") ++ twox128("Now"), as every substrate explorer shows it.
			"f0c365c3cf59d671eb72da0e7a4113c49f1f0515f462cdcf84e0f1d6045dfcbb"
		);
	}

	fn hex_prefix(bytes: &[u8]) -> String {
		bytes.iter().map(|b| format!("{b:02x}")).collect()
	}
}
