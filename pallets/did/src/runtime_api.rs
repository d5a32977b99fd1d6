//! The runtime API of the DID registry.

use crate::types::DidState;
use codec::Codec;

sp_api::decl_runtime_apis! {
	/// Reading DIDs without decoding storage.
	#[api_version(1)]
	pub trait DidApi<AccountId, BlockNumber, Balance>
	where
		AccountId: Codec,
		BlockNumber: Codec,
		Balance: Codec,
	{
		/// The current state of `did`, if it was ever created (deactivated DIDs included).
		fn resolve(did: AccountId) -> Option<DidState<AccountId, BlockNumber, Balance>>;

		/// The block of `did`'s latest change: where the walk back through its linked events
		/// starts.
		fn history_head(did: AccountId) -> Option<BlockNumber>;
	}
}
