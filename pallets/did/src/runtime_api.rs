//! The runtime APIs of the DID registry.

use crate::{operation::DidOperationPayload, types::DidState};
use alloc::vec::Vec;
use codec::Codec;
use teeid_primitives::{
	attestation::{
		CountersignatureBody, DeviceCertificatePayload, EndorsementBody, ReportPayload,
		WorkReportPayload, WorkerReport,
	},
	signing::{EvidenceStatement, SigningPayload},
};

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

	/// The bytes each kind of off-chain signature of teeid covers, from the payload types the
	/// chain verifies. The parameters name those types in the metadata, so that clients encode
	/// payloads with the chain's own definitions (no hand-written indices) and can check their
	/// encoding against these answers. Every answer is the domain's 16-byte tag followed by the
	/// SCALE encoding of the parameter.
	///
	/// Version 2: `device_certificate`.
	#[api_version(2)]
	pub trait SigningApi<AccountId, Call>
	where
		AccountId: Codec,
		Call: Codec,
	{
		/// What a DID key signs for `did.submit_did_call`.
		fn did_operation(payload: DidOperationPayload<AccountId, Call>) -> Vec<u8>;

		/// What a DID key signs to vouch for an evidence hash.
		fn evidence(payload: SigningPayload<EvidenceStatement<AccountId>>) -> Vec<u8>;

		/// A worker report's payload, whose SHA-256 is the nonce of the platform evidence.
		fn report_payload(payload: ReportPayload<AccountId>) -> Vec<u8>;

		/// Sig_M(R): what a joining TEE signs, its report R with the evidence.
		fn worker_report(report: WorkerReport<AccountId>) -> Vec<u8>;

		/// Sig_V(R): what an endorsing TEE signs.
		fn endorsement(payload: SigningPayload<EndorsementBody>) -> Vec<u8>;

		/// Sig_M(Sig_V(R)): what a joining TEE signs to accept an endorsement.
		fn countersignature(payload: SigningPayload<CountersignatureBody>) -> Vec<u8>;

		/// What a worker's TEE signs for a work report.
		fn work_report(payload: WorkReportPayload) -> Vec<u8>;

		/// What a device certifier signs to certify a device's attestation key.
		fn device_certificate(payload: DeviceCertificatePayload) -> Vec<u8>;
	}
}
