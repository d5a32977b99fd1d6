//! The runtime API of the evidence pallet.

use crate::{
	types::{BatchInfo, EvidenceInfo, SignerInfo},
	BatchProofError,
};
use alloc::vec::Vec;
use codec::Codec;
use sp_core::H256;
use teeid_primitives::merkle::BatchProof;

sp_api::decl_runtime_apis! {
	/// Reading evidence and checking batch proofs without decoding storage.
	///
	/// Version 2: an evidence no longer lists its signers (there is no limit on them); they
	/// are read one by one (`signer`) or a page at a time (`signers`).
	#[api_version(2)]
	pub trait EvidenceApi<AccountId, BlockNumber>
	where
		AccountId: Codec,
		BlockNumber: Codec,
	{
		/// The evidence of `hash`: its creator, how many DIDs signed it, and its history's head.
		fn evidence(hash: H256) -> Option<EvidenceInfo<AccountId, BlockNumber>>;

		/// Signer `did`'s record of the evidence of `hash`: its log count and its own
		/// revocation status. `None` if `did` did not sign it.
		fn signer(hash: H256, did: AccountId) -> Option<SignerInfo<AccountId, BlockNumber>>;

		/// Up to `limit` signers of the evidence of `hash` (at most `MAX_SIGNERS_PAGE`, 256),
		/// after `start_after` (the last DID of the previous page; `None` for the first page),
		/// in storage order. A page shorter than `limit` is the last.
		fn signers(
			hash: H256,
			start_after: Option<AccountId>,
			limit: u32,
		) -> Vec<SignerInfo<AccountId, BlockNumber>>;

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
