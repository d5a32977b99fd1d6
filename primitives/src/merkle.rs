//! Merkle batches of hashes.
//!
//! A batch (for example every credential a TEE worker issued in one slot) is a complete binary
//! Merkle tree (`merkle-cbt`) over 32-byte content hashes; only its root and leaf count go on
//! chain. A combined proof shows that several hashes are leaves of an anchored batch at once.
//!
//! Leaves and inner nodes are hashed under different prefixes, `blake2_256(0x00 | hash)` and
//! `blake2_256(0x01 | left | right)`, so an inner node can never pass for a leaf (the classic
//! second-preimage attack on Merkle trees), and every position a proof names is checked to be a
//! leaf position of a tree of the anchored leaf count.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode};
use merkle_cbt::{merkle_tree::Merge, MerkleProof, CBMT};
use scale_info::TypeInfo;
use sp_core::H256;

/// The most leaves a batch may have (tree indices of larger trees do not fit in a `u32`).
pub const MAX_LEAVES: u32 = 1 << 31;

/// The prefix of a leaf's preimage.
pub const LEAF_PREFIX: u8 = 0x00;
/// The prefix of an inner node's preimage.
pub const NODE_PREFIX: u8 = 0x01;

/// The tree node of a leaf: `blake2_256(0x00 | hash)`.
pub fn leaf_node(hash: &H256) -> H256 {
	let mut preimage = [0u8; 33];
	preimage[0] = LEAF_PREFIX;
	preimage[1..].copy_from_slice(hash.as_bytes());
	H256(sp_crypto_hashing::blake2_256(&preimage))
}

/// Inner nodes: `blake2_256(0x01 | left | right)`.
pub struct NodeHasher;

impl Merge for NodeHasher {
	type Item = H256;

	fn merge(left: &H256, right: &H256) -> H256 {
		let mut preimage = [0u8; 65];
		preimage[0] = NODE_PREFIX;
		preimage[1..33].copy_from_slice(left.as_bytes());
		preimage[33..].copy_from_slice(right.as_bytes());
		H256(sp_crypto_hashing::blake2_256(&preimage))
	}
}

type Tree = CBMT<H256, NodeHasher>;

/// The root of the batch of `hashes` (`None` for an empty batch).
pub fn batch_root(hashes: &[H256]) -> Option<H256> {
	if hashes.is_empty() {
		return None;
	}
	let leaves: Vec<H256> = hashes.iter().map(leaf_node).collect();
	Some(Tree::build_merkle_root(&leaves))
}

/// A combined proof that some hashes are leaves of a batch.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct BatchProof {
	/// The proven hashes with their positions in the batch (0-based), in any order.
	pub leaves: Vec<(u32, H256)>,
	/// The sibling nodes the proof needs, in `merkle-cbt`'s order (from the deepest, highest
	/// tree index first).
	pub lemmas: Vec<H256>,
}

/// Why a proof is refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum ProofError {
	/// The proof names no leaf.
	NoLeaves,
	/// The batch claims more than [`MAX_LEAVES`] leaves.
	TooManyLeaves,
	/// A position is not below the batch's leaf count.
	PositionOutOfRange,
	/// A position appears twice.
	DuplicatePosition,
	/// More lemmas than any proof for this batch can have.
	TooManyLemmas,
	/// The proof does not lead to the root: some hash is not at its position in the batch.
	Mismatch,
}

/// The proof that the hashes at `positions` are in the batch of `hashes` (`None` if a position
/// is out of range or there are none).
pub fn prove(hashes: &[H256], positions: &[u32]) -> Option<BatchProof> {
	if hashes.len() > MAX_LEAVES as usize || positions.iter().any(|p| *p as usize >= hashes.len()) {
		return None;
	}
	// `merkle-cbt` asserts that positions are unique.
	let mut positions = positions.to_vec();
	positions.sort_unstable();
	positions.dedup();
	let leaves: Vec<H256> = hashes.iter().map(leaf_node).collect();
	let proof = Tree::build_merkle_proof(&leaves, &positions)?;
	Some(BatchProof {
		leaves: positions.iter().map(|p| (*p, hashes[*p as usize])).collect(),
		lemmas: proof.lemmas().to_vec(),
	})
}

/// Checks `proof` against the root and leaf count of an anchored batch.
pub fn verify(root: &H256, leaf_count: u32, proof: &BatchProof) -> Result<(), ProofError> {
	if proof.leaves.is_empty() {
		return Err(ProofError::NoLeaves);
	}
	if leaf_count > MAX_LEAVES {
		return Err(ProofError::TooManyLeaves);
	}
	if proof.leaves.iter().any(|(position, _)| *position >= leaf_count) {
		return Err(ProofError::PositionOutOfRange);
	}
	let mut positions: Vec<u32> = proof.leaves.iter().map(|(p, _)| *p).collect();
	positions.sort_unstable();
	if positions.windows(2).any(|pair| pair[0] == pair[1]) {
		return Err(ProofError::DuplicatePosition);
	}
	// A tree of n leaves has n - 1 inner nodes; no proof needs more lemmas than nodes.
	if proof.lemmas.len() as u64 >= 2 * u64::from(leaf_count) {
		return Err(ProofError::TooManyLemmas);
	}
	// `merkle-cbt` pairs the leaves, sorted by value, with the tree indices in the proof's
	// order: list the indices in the order of their leaves' values.
	let mut nodes: Vec<(H256, u32)> = proof
		.leaves
		.iter()
		.map(|(position, hash)| (leaf_node(hash), leaf_count - 1 + position))
		.collect();
	nodes.sort_unstable();
	let indices = nodes.iter().map(|(_, index)| *index).collect();
	let leaves: Vec<H256> = nodes.into_iter().map(|(node, _)| node).collect();
	let proof = MerkleProof::<H256, NodeHasher>::new(indices, proof.lemmas.clone());
	if proof.verify(root, &leaves) {
		Ok(())
	} else {
		Err(ProofError::Mismatch)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn hashes(n: u32) -> Vec<H256> {
		(0..n).map(|i| H256(sp_crypto_hashing::blake2_256(&i.to_le_bytes()))).collect()
	}

	#[test]
	fn proofs_of_chosen_leaves_verify_works() {
		for n in [1u32, 2, 3, 5, 8, 13, 100] {
			let batch = hashes(n);
			let root = batch_root(&batch).unwrap();
			for positions in [vec![0], vec![n - 1], vec![0, n / 2, n - 1], (0..n).collect()] {
				let mut positions = positions;
				positions.dedup();
				let proof = prove(&batch, &positions).unwrap();
				assert_eq!(verify(&root, n, &proof), Ok(()), "n = {n}, {positions:?}");
			}
		}
	}

	#[test]
	fn a_single_leaf_is_its_own_root_works() {
		let batch = hashes(1);
		assert_eq!(batch_root(&batch), Some(leaf_node(&batch[0])));
		assert_eq!(batch_root(&[]), None);
	}

	#[test]
	fn a_hash_not_in_the_batch_fails() {
		let batch = hashes(10);
		let root = batch_root(&batch).unwrap();
		let mut proof = prove(&batch, &[3]).unwrap();
		proof.leaves[0].1 = H256::repeat_byte(7);
		assert_eq!(verify(&root, 10, &proof), Err(ProofError::Mismatch));
		// The right hash at the wrong position.
		let mut proof = prove(&batch, &[3]).unwrap();
		proof.leaves[0].0 = 4;
		assert_eq!(verify(&root, 10, &proof), Err(ProofError::Mismatch));
		// A proof against another batch's root.
		let proof = prove(&batch, &[3]).unwrap();
		let other = batch_root(&hashes(11)).unwrap();
		assert_eq!(verify(&other, 10, &proof), Err(ProofError::Mismatch));
	}

	#[test]
	fn an_inner_node_cannot_pass_for_a_leaf_works() {
		// Without domain separation, the two children of the root's left child would prove
		// their parent as a "leaf" of a 2-leaf tree. Here the parent is no leaf of anything.
		let batch = hashes(4);
		let root = batch_root(&batch).unwrap();
		let left = NodeHasher::merge(&leaf_node(&batch[0]), &leaf_node(&batch[1]));
		let right = NodeHasher::merge(&leaf_node(&batch[2]), &leaf_node(&batch[3]));
		assert_eq!(NodeHasher::merge(&left, &right), root);
		let forged = BatchProof { leaves: vec![(0, left)], lemmas: vec![right] };
		assert_eq!(verify(&root, 2, &forged), Err(ProofError::Mismatch));
	}

	#[test]
	fn malformed_proofs_fail() {
		let batch = hashes(6);
		let root = batch_root(&batch).unwrap();
		let proof = prove(&batch, &[1, 4]).unwrap();
		assert_eq!(
			verify(&root, 6, &BatchProof { leaves: vec![], lemmas: proof.lemmas.clone() }),
			Err(ProofError::NoLeaves)
		);
		let mut out_of_range = proof.clone();
		out_of_range.leaves[0].0 = 6;
		assert_eq!(verify(&root, 6, &out_of_range), Err(ProofError::PositionOutOfRange));
		let mut duplicate = proof.clone();
		duplicate.leaves[1] = duplicate.leaves[0];
		assert_eq!(verify(&root, 6, &duplicate), Err(ProofError::DuplicatePosition));
		let mut long = proof.clone();
		long.lemmas = vec![H256::zero(); 12];
		assert_eq!(verify(&root, 6, &long), Err(ProofError::TooManyLemmas));
		let mut short = proof;
		short.lemmas.pop();
		assert_eq!(verify(&root, 6, &short), Err(ProofError::Mismatch));
		assert!(prove(&batch, &[6]).is_none());
		assert_eq!(
			verify(&root, MAX_LEAVES + 1, &prove(&batch, &[1]).unwrap()),
			Err(ProofError::TooManyLeaves)
		);
		// The largest batch's indices do not overflow: a proof is refused, not a panic.
		assert_eq!(
			verify(&root, MAX_LEAVES, &prove(&batch, &[1]).unwrap()),
			Err(ProofError::Mismatch)
		);
	}

	#[test]
	fn repeated_positions_are_proven_once_works() {
		let batch = hashes(4);
		let proof = prove(&batch, &[2, 2, 0]).unwrap();
		assert_eq!(proof.leaves.len(), 2);
		assert_eq!(verify(&batch_root(&batch).unwrap(), 4, &proof), Ok(()));
		assert!(prove(&batch[..1], &[0, 0]).is_some());
	}
}
