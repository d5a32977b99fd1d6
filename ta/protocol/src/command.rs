//! The commands a worker sends to its TA, the replies and the errors.
//!
//! Enum variants carry explicit indices: they are the wire format, so reordering the source
//! never changes it.

use alloc::{string::String, vec::Vec};
use codec::{Decode, Encode};
use sp_core::ed25519;
use teeid_primitives::{
	attestation::{
		DeviceCertificate, DeviceKey, Measurement, TeePlatform, WorkReportPayload, WorkerReport,
	},
	AccountId, BlockNumber, Hash,
};

use crate::{
	credential::IssuanceRequest, disclosure::PresentationRequest, sealed::SealedBox,
	status_list::StatusListRequest,
};

/// A report R as the chain's types spell it.
pub type Report = WorkerReport<AccountId>;

/// What a worker asks its TA to do.
// The joining commands carry reports with their certificates inline (about 1 KiB); a command
// is decoded once per invocation and moved into `execute`, so boxing them would add heap
// allocations to save a kilobyte of the TA's 64 KiB stack for the length of one call.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub enum Command {
	/// The TA's public identity ([`Reply::Identity`]). Keys are generated on first start.
	#[codec(index = 0)]
	Identity,
	/// Generate the network key of chain `genesis_hash`: done once, by the chain's first
	/// worker ([`Reply::NetworkKey`]).
	#[codec(index = 1)]
	CreateNetworkKey {
		/// The chain the key belongs to; the TA serves only this chain from then on.
		genesis_hash: Hash,
	},
	/// Sign a report R for this TEE ([`Reply::Report`]). R carries the device certificate
	/// installed for the request's chain ([`TaError::Uncertified`] without one).
	#[codec(index = 2)]
	SignReport(ReportRequest),
	/// Endorse another TEE's report: check its evidence, its device certificate and its
	/// measurement, sign Sig_V(R) and export the network key to it ([`Reply::Endorsement`]).
	#[codec(index = 3)]
	Endorse {
		/// The joining TEE's report.
		report: Report,
	},
	/// Import the network key an endorser exported to this TEE for `report`
	/// ([`Reply::NetworkKey`]).
	#[codec(index = 4)]
	ImportNetworkKey {
		/// This TEE's report that the endorser endorsed.
		report: Report,
		/// What the endorser returned.
		endorsement: Endorsement,
	},
	/// Countersign an endorsement of this TEE's report: Sig_M(Sig_V(R))
	/// ([`Reply::Signature`]). Only after the network key the report names was imported from
	/// that endorser.
	#[codec(index = 5)]
	Countersign {
		/// This TEE's report.
		report: Report,
		/// V's signing key.
		endorser: ed25519::Public,
		/// Sig_V(R).
		endorsement: ed25519::Signature,
	},
	/// Sign a work report for a slot ([`Reply::WorkReport`]).
	#[codec(index = 6)]
	SignWorkReport(WorkReportRequest),
	/// Build and sign a credential in the format the request names, a W3C Verifiable
	/// Credential or an SD-JWT VC ([`Reply::Credential`]).
	#[codec(index = 7)]
	IssueCredential(IssuanceRequest),
	/// Build and sign a presentation disclosing some claims of a credential
	/// ([`Reply::Presentation`]).
	#[codec(index = 8)]
	Present(PresentationRequest),
	/// The device's attestation key, which a device certifier certifies while provisioning
	/// the device ([`Reply::DeviceKey`]).
	#[codec(index = 9)]
	DeviceKey,
	/// Install this device's certificate ([`Reply::CertificateInstalled`]): it must be for
	/// this TA's device key and platform, by a certifier the TA accepts, its signature valid,
	/// and, once the TA holds a network key, for that key's chain ([`TaError::BadCertificate`]
	/// otherwise). It replaces the one installed before.
	#[codec(index = 10)]
	InstallCertificate(DeviceCertificate),
	/// Build and sign one version of a status list, a W3C Bitstring Status List credential or
	/// an IETF Token Status List ([`Reply::StatusList`]). Counted like an issuance: a list
	/// version is a leaf of the worker's slot batch.
	#[codec(index = 11)]
	SignStatusList(StatusListRequest),
}

/// What the host supplies for a report: who operates the worker and where the chain is. The
/// TA fills in everything about itself.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct ReportRequest {
	/// The operator account that will submit the report.
	pub operator: AccountId,
	/// The chain's genesis hash.
	pub genesis_hash: Hash,
	/// A recent finalized-enough block: its number.
	pub anchor_number: BlockNumber,
	/// That block's hash.
	pub anchor_hash: Hash,
	/// For a TEE joining a running network (it holds no network key yet): the fingerprint of
	/// the chain's network key, which it will hold once its endorser exports it. A TEE that
	/// holds a network key always reports its own and refuses a different one here.
	pub network_key: Option<[u8; 32]>,
}

/// What the host supplies for a work report; the TA adds its key and its issuance counter.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct WorkReportRequest {
	/// The slot reported on; each slot is signed at most once, in increasing order.
	pub slot: u32,
	/// The slot's first block: its number.
	pub anchor_number: BlockNumber,
	/// The slot's first block: its hash.
	pub anchor_hash: Hash,
	/// The Merkle root of the credentials anchored for the slot.
	pub credentials_root: Hash,
	/// How many credentials that root covers; at most what this TA issued and has not reported.
	pub credentials_count: u32,
}

/// A TEE's public identity.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct TeeIdentity {
	/// The protocol version the TA speaks.
	pub version: u16,
	/// Where the TA runs: `Simulated` for the simulation process.
	pub platform: TeePlatform,
	/// The TA's Ed25519 signing key.
	pub signing_key: ed25519::Public,
	/// The TA's X25519 key-agreement key.
	pub agreement_key: [u8; 32],
	/// The measurement of the TA's code.
	pub measurement: Measurement,
	/// The network key the TA holds, if any.
	pub network_key: Option<NetworkKeyInfo>,
	/// Credentials issued since the keys were generated.
	pub issued_total: u64,
	/// The device certificate installed, if any.
	pub certificate: Option<DeviceCertificate>,
	/// The newest block the TA has seen (in issuance requests and work reports): it issues
	/// against no older one.
	pub newest_block: BlockNumber,
}

/// The public half of a network key and the chain it serves.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode)]
pub struct NetworkKeyInfo {
	/// The X25519 public key.
	pub public: [u8; 32],
	/// Its fingerprint, as reports carry it.
	pub fingerprint: [u8; 32],
	/// The chain it serves.
	pub genesis_hash: Hash,
}

/// Sig_V(R) with the network key sealed to the joining TEE.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Endorsement {
	/// V's signing key.
	pub endorser: ed25519::Public,
	/// Sig_V(R).
	pub signature: ed25519::Signature,
	/// The network key, sealed to R's agreement key with R's hash as associated data.
	pub network_key: SealedBox,
	/// V's platform evidence over [`crate::sealed::export_nonce`] of this export, which the
	/// joining TA checks (same code, genuine device) before it imports the key.
	pub evidence: teeid_primitives::attestation::PlatformEvidence,
	/// V's device certificate: the joining TA imports the key only from a device certified
	/// for its own platform and the report's chain by a certifier it accepts.
	pub certificate: DeviceCertificate,
}

/// A credential or status list the TA issued, and the hash batches anchor for it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct IssuedCredential {
	/// The document: a W3C credential or a Bitstring Status List credential as canonical
	/// (JCS) JSON; an SD-JWT VC in its compact form with every disclosure (ASCII, ending with
	/// `~`); a Token Status List as a compact JWT (ASCII).
	pub credential: Vec<u8>,
	/// What batches anchor: SHA-256 of the JSON document (which is canonical), or of the
	/// issuer-signed JWT (for an SD-JWT VC, its text before the first `~`, which every
	/// presentation of it repeats).
	pub hash: [u8; 32],
}

/// What a TA answers.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub enum Reply {
	/// To [`Command::Identity`].
	#[codec(index = 0)]
	Identity(TeeIdentity),
	/// To [`Command::CreateNetworkKey`] and [`Command::ImportNetworkKey`].
	#[codec(index = 1)]
	NetworkKey(NetworkKeyInfo),
	/// To [`Command::SignReport`]: R and Sig_M(R).
	#[codec(index = 2)]
	Report {
		/// R, evidence included.
		report: Report,
		/// Sig_M(R).
		signature: ed25519::Signature,
	},
	/// To [`Command::Endorse`].
	#[codec(index = 3)]
	Endorsement(Endorsement),
	/// To [`Command::Countersign`].
	#[codec(index = 4)]
	Signature(ed25519::Signature),
	/// To [`Command::SignWorkReport`].
	#[codec(index = 5)]
	WorkReport {
		/// What was signed.
		payload: WorkReportPayload,
		/// The TEE's signature.
		signature: ed25519::Signature,
	},
	/// To [`Command::IssueCredential`].
	#[codec(index = 6)]
	Credential(IssuedCredential),
	/// To [`Command::Present`]: the Verifiable Presentation, as JSON.
	#[codec(index = 7)]
	Presentation(Vec<u8>),
	/// To [`Command::DeviceKey`].
	#[codec(index = 8)]
	DeviceKey {
		/// The platform the TA runs on: what a certificate of the key must name.
		platform: TeePlatform,
		/// The attestation PTA's public key.
		key: DeviceKey,
	},
	/// To [`Command::InstallCertificate`].
	#[codec(index = 9)]
	CertificateInstalled,
	/// To [`Command::SignStatusList`]: the list document and its hash.
	#[codec(index = 10)]
	StatusList(IssuedCredential),
}

/// A TA's answer.
pub type Response = Result<Reply, TaError>;

/// Why a TA refused a command. Nothing the TA stores changes when it refuses.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub enum TaError {
	/// The request speaks another protocol version.
	#[codec(index = 0)]
	UnsupportedVersion {
		/// The version this TA speaks.
		supported: u16,
	},
	/// The request does not decode as a command.
	#[codec(index = 1)]
	Malformed,
	/// The request or the reply exceeds the protocol's limits ([`crate::limits`]): its size,
	/// what it decodes to, or the bytes, values or nesting of a JSON document it carries.
	#[codec(index = 2)]
	TooLarge,
	/// Secure storage failed.
	#[codec(index = 3)]
	Storage,
	/// Sealed state failed its integrity check (tampered, swapped or from another device): the
	/// TA refuses to start on it.
	#[codec(index = 4)]
	SealedStateTampered,
	/// The platform could not produce randomness or attestation evidence.
	#[codec(index = 5)]
	Platform,
	/// The TA holds no network key yet.
	#[codec(index = 6)]
	NoNetworkKey,
	/// The TA already holds a network key.
	#[codec(index = 7)]
	NetworkKeyExists,
	/// The command names another chain than the one this TA's network key serves, or than
	/// the one its device certificate was issued for.
	#[codec(index = 8)]
	WrongChain,
	/// The report names another network key than the one this TA holds.
	#[codec(index = 9)]
	WrongNetworkKey,
	/// The report is not one this TEE made.
	#[codec(index = 10)]
	NotOwnReport,
	/// The other TEE's evidence does not verify.
	#[codec(index = 11)]
	BadEvidence,
	/// The other TEE runs other code (or on another kind of platform) than this TA.
	#[codec(index = 12)]
	CodeMismatch,
	/// A TEE cannot endorse itself.
	#[codec(index = 13)]
	SelfEndorsement,
	/// The endorsement's signature does not verify, or its endorser is not the TEE this TA
	/// imported the network key from.
	#[codec(index = 14)]
	BadEndorsement,
	/// The exported network key does not open, or is not the key the report names.
	#[codec(index = 15)]
	BadNetworkKeyExport,
	/// The slot is not after the last one this TA signed.
	#[codec(index = 16)]
	SlotAlreadyReported,
	/// The work report covers more credentials than this TA issued and has not reported.
	#[codec(index = 17)]
	CountExceedsIssued,
	/// An issuer, holder, credential or schema identifier is not acceptable.
	#[codec(index = 18)]
	BadIdentifier(String),
	/// A timestamp is not an RFC 3339 date-time in UTC (`YYYY-MM-DDThh:mm:ssZ`), or
	/// `validUntil` is not after `validFrom`.
	#[codec(index = 19)]
	BadTimestamp,
	/// The schema is not JSON or not an object schema.
	#[codec(index = 20)]
	BadSchema,
	/// The claims are not a JSON object, or sealed claims do not open.
	#[codec(index = 21)]
	BadClaims,
	/// A claim violates the schema.
	#[codec(index = 22)]
	SchemaViolation {
		/// The claim (`""` for the claims object itself).
		claim: String,
		/// What is wrong, in words.
		reason: String,
	},
	/// The credential to present is not one this TA can read: malformed, not a teeid
	/// credential, or not for the requested holder.
	#[codec(index = 23)]
	BadCredential,
	/// The credential's proof does not verify, or its claims were not issued by this network.
	#[codec(index = 24)]
	CredentialNotAuthentic,
	/// A claim to disclose is not in the credential.
	#[codec(index = 25)]
	UnknownClaim(String),
	/// This TA has no device certificate installed (for the chain the command names).
	#[codec(index = 26)]
	Uncertified,
	/// The other TEE's device key has no valid certificate, for this TA's platform and the
	/// chain, by a certifier this TA accepts.
	#[codec(index = 27)]
	UncertifiedDevice,
	/// The certificate to install is not for this device, platform or chain, not by a
	/// certifier this TA accepts, or its signature does not verify.
	#[codec(index = 28)]
	BadCertificate,
	/// The issuance or status list names a block older than the newest this TA has seen.
	#[codec(index = 29)]
	StaleBlock {
		/// The newest block this TA has seen: its number.
		newest: BlockNumber,
	},
	/// A status list or a credential's status list entry is not acceptable: a list's size out
	/// of range, an entry's index past the largest list, or a URI that is not an `http(s)` URL
	/// without a fragment of at most 256 bytes.
	#[codec(index = 30)]
	BadStatusList,
	/// The holder key of an issuance is not acceptable: missing for an SD-JWT VC, present for a
	/// W3C credential, or not a public JWK (a JSON object with a string `kty`, at most 1,024
	/// bytes, without private key members such as `d`).
	#[codec(index = 31)]
	BadHolderKey,
}

impl core::fmt::Display for TaError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::UnsupportedVersion { supported } => {
				write!(f, "unsupported protocol version (the TA speaks {supported})")
			},
			Self::Malformed => f.write_str("malformed request"),
			Self::TooLarge => {
				f.write_str("request or reply too large (bytes, JSON values or nesting)")
			},
			Self::Storage => f.write_str("secure storage failed"),
			Self::SealedStateTampered => f.write_str("sealed state failed its integrity check"),
			Self::Platform => f.write_str("the platform failed (randomness or attestation)"),
			Self::NoNetworkKey => f.write_str("the TA holds no network key"),
			Self::NetworkKeyExists => f.write_str("the TA already holds a network key"),
			Self::WrongChain => f.write_str("the TA serves another chain"),
			Self::WrongNetworkKey => f.write_str("the report names another network key"),
			Self::NotOwnReport => f.write_str("not a report of this TEE"),
			Self::BadEvidence => f.write_str("the other TEE's evidence does not verify"),
			Self::CodeMismatch => f.write_str("the other TEE runs other code"),
			Self::SelfEndorsement => f.write_str("a TEE cannot endorse itself"),
			Self::BadEndorsement => f.write_str("the endorsement does not verify"),
			Self::BadNetworkKeyExport => f.write_str("the exported network key is not valid"),
			Self::SlotAlreadyReported => f.write_str("the slot was already reported"),
			Self::CountExceedsIssued => {
				f.write_str("the work report counts more credentials than were issued")
			},
			Self::BadIdentifier(what) => write!(f, "bad identifier: {what}"),
			Self::BadTimestamp => f.write_str("timestamps must be YYYY-MM-DDThh:mm:ssZ, in order"),
			Self::BadSchema => f.write_str("the schema is not a JSON object schema"),
			Self::BadClaims => f.write_str("the claims are not a JSON object (or do not open)"),
			Self::SchemaViolation { claim, reason } => {
				write!(f, "claim `{claim}` violates the schema: {reason}")
			},
			Self::BadCredential => f.write_str("not a teeid credential for this holder"),
			Self::CredentialNotAuthentic => {
				f.write_str("the credential's proof or claims do not verify")
			},
			Self::UnknownClaim(name) => write!(f, "the credential has no claim `{name}`"),
			Self::Uncertified => {
				f.write_str("the TA has no device certificate installed for this chain")
			},
			Self::UncertifiedDevice => {
				f.write_str("the other TEE's device has no certificate this TA accepts")
			},
			Self::BadCertificate => {
				f.write_str("not a valid certificate of this device by a certifier the TA accepts")
			},
			Self::StaleBlock { newest } => {
				write!(f, "the block is older than the newest the TA has seen (#{newest})")
			},
			Self::BadStatusList => f.write_str(
				"the status list's size, index or URI is not acceptable (an http(s) URL without \
				 a fragment, at most 256 bytes)",
			),
			Self::BadHolderKey => f.write_str(
				"the holder key is not a public JWK (required for SD-JWT VCs, refused for W3C \
				 credentials)",
			),
		}
	}
}

#[cfg(feature = "std")]
impl std::error::Error for TaError {}
