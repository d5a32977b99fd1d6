//! The runtime API of the evidence pallet.

use crate::{
	types::{BatchInfo, EvidenceInfo},
	BatchProofError,
};
use alloc::vec::Vec;
use codec::Codec;
use sp_core::H256;
use teeid_primitives::merkle::BatchProof;

sp_api::decl_runtime_apis! {
	/// Reading evidence and checking batch proofs without decoding storage.
	#[api_version(1)]
	pub trait EvidenceApi<AccountId, BlockNumber>
	where
		AccountId: Codec,
		BlockNumber: Codec,
	{
		/// The evidence of `hash`: its signers with their log counts, and its status.
		fn evidence(hash: H256) -> Option<EvidenceInfo<AccountId, BlockNumber>>;

		/// The hash that `did`'s extra key `key` names.
		fn extra_key(did: AccountId, key: Vec<u8>) -> Option<H256>;

		/// The batch with `root` that `anchorer` anchored.
		fn batch(anchorer: AccountId, root: H256) -> Option<BatchInfo<BlockNumber>>;

		/// Whether `proof` shows its hashes at their positions in the batch `root` that
		/// `anchorer` anchored.
		fn verify_batch_proof(
			anchorer: AccountId,
			root: H256,
			proof: BatchProof,
		) -> Result<(), BatchProofError>;
	}
}
