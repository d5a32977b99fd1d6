//! The runtime API of the attestation pallet.

use crate::types::{AllowedCode, CertifierKey, NetworkKey, SignerView, WorkerKey, WorkerView};
use alloc::vec::Vec;
use codec::Codec;
use teeid_primitives::attestation::TeePlatform;

sp_api::decl_runtime_apis! {
	/// Reading workers, the allowlist, the device certifiers, the network key and signer
	/// bindings without decoding storage.
	///
	/// Version 2: `signs_for` is paged; `requested_signers` lists binding requests.
	/// Version 3: `device_certifiers`; a worker's view says whether its certifier is listed
	/// (`certified`), and its record names the certifier.
	#[api_version(3)]
	pub trait AttestationApi<AccountId, BlockNumber, Balance>
	where
		AccountId: Codec,
		BlockNumber: Codec,
		Balance: Codec,
	{
		/// The worker with TEE key `worker`: its record, and whether it is active, runs allowed
		/// code and has a listed device certifier now.
		fn worker(worker: WorkerKey) -> Option<WorkerView<AccountId, BlockNumber, Balance>>;

		/// The current worker of `operator`.
		fn worker_of(operator: AccountId) -> Option<WorkerKey>;

		/// The allowed TA measurements, expired ones included until cleared.
		fn allowed_code() -> Vec<AllowedCode<BlockNumber>>;

		/// The device certifiers, each with the platform whose devices it certifies (at most
		/// `MaxDeviceCertifiers`).
		fn device_certifiers() -> Vec<(CertifierKey, TeePlatform)>;

		/// The network key, once root bootstrapped the first worker.
		fn network_key() -> Option<NetworkKey>;

		/// Whether `Simulated` platforms may register.
		fn simulation_enabled() -> bool;

		/// The current work-report slot.
		fn current_slot() -> u32;

		/// The workers bound to `did`, and whether each binding counts now.
		fn signers(did: AccountId) -> Vec<SignerView<BlockNumber>>;

		/// The workers asked to sign for `did` whose operators have not accepted yet.
		fn requested_signers(did: AccountId) -> Vec<WorkerKey>;

		/// Up to `limit` DIDs `worker` is bound to (at most `MAX_SIGNS_FOR_PAGE`, 256),
		/// including bindings that no longer count, after `start_after` (the last DID of the
		/// previous page; `None` for the first page), in storage order. A page shorter than
		/// `limit` is the last.
		fn signs_for(worker: WorkerKey, start_after: Option<AccountId>, limit: u32) -> Vec<AccountId>;
	}
}
