//! The runtime API of the CPT pallet.

use crate::types::{CptId, CptInfo, CptRange, CptVersion, IssuerTypeInfo, RoleStatus};
use alloc::vec::Vec;
use codec::Codec;

sp_api::decl_runtime_apis! {
	/// Reading CPTs and roles without decoding storage.
	#[api_version(1)]
	pub trait CptApi<AccountId, BlockNumber, Balance>
	where
		AccountId: Codec,
		BlockNumber: Codec,
		Balance: Codec,
	{
		/// CPT `id` at its current version (with the schema body).
		fn cpt(id: CptId) -> Option<CptInfo<AccountId, BlockNumber, Balance>>;

		/// Version `version` of CPT `id`: its schema hash and the block whose `CptRegistered`
		/// or `CptUpdated` event carries the body.
		fn cpt_version(id: CptId, version: u32) -> Option<CptVersion<BlockNumber>>;

		/// The id the next CPT of `range` numbered in order would get (`None` once exhausted).
		fn next_cpt_id(range: CptRange) -> Option<CptId>;

		/// The roles `did` holds.
		fn role_status(did: AccountId) -> RoleStatus<BlockNumber>;

		/// The specific issuer type `name`.
		fn issuer_type(name: Vec<u8>) -> Option<IssuerTypeInfo<AccountId, BlockNumber>>;

		/// Whether `did` is an issuer of the specific issuer type `name`.
		fn is_issuer_of_type(name: Vec<u8>, did: AccountId) -> bool;
	}
}
