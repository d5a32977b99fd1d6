//! The runtime API of the attestation pallet.

use crate::types::{AllowedCode, NetworkKey, SignerView, WorkerKey, WorkerView};
use alloc::vec::Vec;
use codec::Codec;

sp_api::decl_runtime_apis! {
	/// Reading workers, the allowlist, the network key and signer bindings without decoding
	/// storage.
	#[api_version(1)]
	pub trait AttestationApi<AccountId, BlockNumber, Balance>
	where
		AccountId: Codec,
		BlockNumber: Codec,
		Balance: Codec,
	{
		/// The worker with TEE key `worker`: its record, and whether it is active and runs
		/// allowed code now.
		fn worker(worker: WorkerKey) -> Option<WorkerView<AccountId, BlockNumber, Balance>>;

		/// The current worker of `operator`.
		fn worker_of(operator: AccountId) -> Option<WorkerKey>;

		/// The allowed TA measurements, expired ones included until cleared.
		fn allowed_code() -> Vec<AllowedCode<BlockNumber>>;

		/// The network key, once root bootstrapped the first worker.
		fn network_key() -> Option<NetworkKey>;

		/// Whether `Simulated` platforms may register.
		fn simulation_enabled() -> bool;

		/// The current work-report slot.
		fn current_slot() -> u32;

		/// The workers bound to `did`, and whether each binding counts now.
		fn signers(did: AccountId) -> Vec<SignerView<BlockNumber>>;

		/// The DIDs `worker` is bound to, including bindings that no longer count.
		fn signs_for(worker: WorkerKey) -> Vec<AccountId>;
	}
}
