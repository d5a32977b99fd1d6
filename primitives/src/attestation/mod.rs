//! TEE attestation: what a worker's TEE signs to join the network and to report its work.
//!
//! A worker M joins with the quadruple {R, Sig_M(R), Sig_V(R), Sig_M(Sig_V(R))} (Crust's MPoW):
//!
//! - **R** ([`WorkerReport`]): M's public keys, code measurement, platform, operator account and
//!   the fingerprint of the network key its TEE holds, anchored at a recent block of one chain,
//!   plus the platform's attestation [`PlatformEvidence`] bound to all of that by its nonce;
//! - **Sig_M(R)**: M's TEE signing key over R;
//! - **Sig_V(R)**: a registered worker V's TEE signing key over an [`EndorsementBody`] naming R;
//! - **Sig_M(Sig_V(R))**: M's signature over a [`CountersignatureBody`] naming R, V and Sig_V(R),
//!   which proves that M saw and accepted exactly this endorsement.
//!
//! Every signed payload is a [`SigningPayload`] with its own domain, the genesis hash and the
//! report's block anchor. The TA builds these bytes and the chain checks them from the same
//! definitions here. Ed25519 verification itself is left to the caller (the chain uses its host
//! functions, the TA its own library); the platform evidence, an RSA signature, is checked
//! here so both sides run the same code.

use crate::{
	signing::{Anchor, SigningDomain, SigningPayload},
	BlockNumber, Hash,
};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::bounded::BoundedVec;
use sp_core::{ed25519, ConstU32};

#[cfg(any(test, feature = "testing"))]
pub mod testing;

/// A TA code measurement: the SHA-256 digest of the TA's code, as OP-TEE's attestation PTA
/// reports it.
pub type Measurement = [u8; 32];

/// The smallest device key accepted, in bits.
pub const MIN_DEVICE_KEY_BITS: usize = 2048;
/// The largest device key accepted, in bits: the attestation PTA's own limit.
pub const MAX_DEVICE_KEY_BITS: usize = 4096;
/// The largest RSA modulus or signature, in bytes.
pub const MAX_RSA_BYTES: u32 = (MAX_DEVICE_KEY_BITS / 8) as u32;
/// The public exponent of every device key, as OP-TEE's attestation PTA generates them. Fixing
/// it bounds the cost of a verification (a larger exponent means more modular multiplications).
pub const DEVICE_KEY_EXPONENT: u32 = 65_537;
/// The salt length of the PTA's RSASSA-PSS signatures (`TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA256`,
/// salt of the digest's length).
pub const PSS_SALT_LEN: usize = 32;

/// Big-endian RSA numbers (moduli, signatures) up to [`MAX_DEVICE_KEY_BITS`].
pub type RsaBytes = BoundedVec<u8, ConstU32<MAX_RSA_BYTES>>;

/// The prefix of the DID key ids under which bound TEE signers appear in DID documents.
pub const TEE_KEY_ID_PREFIX: &[u8] = b"tee-";

/// Where a TEE runs.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	serde::Serialize,
	serde::Deserialize,
)]
pub enum TeePlatform {
	/// OP-TEE on Arm TrustZone hardware.
	OpTee,
	/// The simulation of the TA in a host process: no hardware isolation. Accepted by a chain
	/// only while its simulation flag is on.
	Simulated,
}

/// The device's attestation public key, as the attestation PTA's `GET_PUBKEY` command returns
/// it: RSA, exponent and modulus big-endian.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct DeviceKey {
	/// The public exponent.
	pub exponent: BoundedVec<u8, ConstU32<8>>,
	/// The modulus.
	pub modulus: RsaBytes,
}

/// Attestation evidence in the shape of OP-TEE's attestation PTA: the TA's measurement and the
/// device key's RSASSA-PSS (SHA-256, salt 32) signature over `SHA-256(nonce | measurement)`.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct PlatformEvidence {
	/// The device key that signed.
	pub device_key: DeviceKey,
	/// The measurement of the running TA.
	pub measurement: Measurement,
	/// The nonce the TA gave the PTA: [`WorkerReport::evidence_nonce`] of the report.
	pub nonce: [u8; 32],
	/// The device key's signature.
	pub signature: RsaBytes,
}

/// Why platform evidence was refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum EvidenceError {
	/// The device key is not a valid RSA key of 2048 to 4096 bits with exponent 65537.
	BadDeviceKey,
	/// The evidence measures other code than the report claims.
	MeasurementMismatch,
	/// The evidence was made for another report.
	NonceMismatch,
	/// The device key's signature does not verify.
	BadSignature,
	/// The device certificate is not for this device key, platform or chain, or not a device
	/// certificate at all.
	CertificateMismatch,
}

impl PlatformEvidence {
	/// The digest the device key signs: `SHA-256(nonce | measurement)`.
	pub fn signed_digest(nonce: &[u8; 32], measurement: &Measurement) -> [u8; 32] {
		use sha2::Digest;
		let mut hasher = sha2::Sha256::new();
		hasher.update(nonce);
		hasher.update(measurement);
		hasher.finalize().into()
	}

	/// Checks the device key's signature.
	pub fn verify_signature(&self) -> Result<(), EvidenceError> {
		self.verify_signature_with(&self.device_key.to_rsa()?)
	}

	/// Checks the signature with the device key already read as RSA (`key`).
	fn verify_signature_with(&self, key: &rsa::RsaPublicKey) -> Result<(), EvidenceError> {
		let digest = Self::signed_digest(&self.nonce, &self.measurement);
		key.verify(rsa::Pss::new_with_salt::<sha2::Sha256>(PSS_SALT_LEN), &digest, &self.signature)
			.map_err(|_| EvidenceError::BadSignature)
	}
}

impl DeviceKey {
	/// The key as an RSA public key, if it is one of an accepted size, with exponent 65537 and
	/// an odd modulus (an even one is no RSA modulus, and takes a slower path to verify).
	pub fn to_rsa(&self) -> Result<rsa::RsaPublicKey, EvidenceError> {
		let n = rsa::BigUint::from_bytes_be(&self.modulus);
		let e = rsa::BigUint::from_bytes_be(&self.exponent);
		let odd = self.modulus.last().is_some_and(|byte| byte & 1 == 1);
		if n.bits() < MIN_DEVICE_KEY_BITS || !odd || e != DEVICE_KEY_EXPONENT.into() {
			return Err(EvidenceError::BadDeviceKey);
		}
		rsa::RsaPublicKey::new_with_max_size(n, e, MAX_DEVICE_KEY_BITS)
			.map_err(|_| EvidenceError::BadDeviceKey)
	}
}

impl DeviceKey {
	/// The fingerprint device certificates name: blake2-256 of `teeid/device-key` and the
	/// key's SCALE encoding.
	pub fn fingerprint(&self) -> [u8; 32] {
		let mut bytes = Vec::with_capacity(16 + self.size_hint());
		bytes.extend_from_slice(b"teeid/device-key");
		self.encode_to(&mut bytes);
		sp_crypto_hashing::blake2_256(&bytes)
	}
}

/// What a device certifier states: "the device whose attestation key has fingerprint
/// `device_key` is a genuine `platform` device, provisioned for this chain".
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct DeviceCertificateBody {
	/// The platform the device is.
	pub platform: TeePlatform,
	/// [`DeviceKey::fingerprint`] of the device's attestation key.
	pub device_key: [u8; 32],
}

/// The signed part of a device certificate: its body in the device-certificate domain, with
/// the genesis hash of the chain it was provisioned for and the certificate's serial number as
/// its nonce.
pub type DeviceCertificatePayload = SigningPayload<DeviceCertificateBody>;

/// A device certifier's certificate of a device's attestation key: signed by the certifier's
/// Ed25519 key over [`DeviceCertificatePayload::signing_bytes`].
///
/// OP-TEE's attestation PTA key carries no manufacturer certificate, so a network names its
/// own certifiers (the operators' provisioning authorities): the chain keeps their keys, and
/// the TA carries those it accepts in its own code. Evidence counts only from a device one of
/// them certified.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct DeviceCertificate {
	/// What the certifier signed.
	pub payload: DeviceCertificatePayload,
	/// The certifier's key.
	pub certifier: ed25519::Public,
	/// The certifier's signature.
	pub signature: ed25519::Signature,
}

impl DeviceCertificate {
	/// The payload a certifier signs for `device_key` of `platform` on chain `genesis_hash`,
	/// with serial number `serial`.
	pub fn payload(
		platform: TeePlatform,
		device_key: &DeviceKey,
		genesis_hash: Hash,
		serial: u64,
	) -> DeviceCertificatePayload {
		SigningPayload {
			domain: SigningDomain::DeviceCertificate,
			genesis_hash,
			anchor: Anchor::Nonce(serial),
			body: DeviceCertificateBody { platform, device_key: device_key.fingerprint() },
		}
	}

	/// The bytes the certifier signed.
	pub fn signing_bytes(&self) -> Vec<u8> {
		self.payload.signing_bytes()
	}

	/// The platform the certificate vouches for.
	pub fn platform(&self) -> TeePlatform {
		self.payload.body.platform
	}

	/// Checks that the certificate is a device certificate for `device_key` as a `platform`
	/// device of the chain with genesis hash `genesis_hash` (its SCALE encoding: runtimes
	/// name their own hash type). The certifier's signature is the caller's to verify, with
	/// its own Ed25519 implementation, and whether it accepts the certifier its own call.
	pub fn check_for(
		&self,
		device_key: &DeviceKey,
		platform: TeePlatform,
		genesis_hash: &[u8],
	) -> Result<(), EvidenceError> {
		let payload = &self.payload;
		let matches = payload.domain == SigningDomain::DeviceCertificate
			&& matches!(payload.anchor, Anchor::Nonce(_))
			&& payload.genesis_hash.as_bytes() == genesis_hash
			&& payload.body.platform == platform
			&& payload.body.device_key == device_key.fingerprint();
		if matches {
			Ok(())
		} else {
			Err(EvidenceError::CertificateMismatch)
		}
	}
}

/// The secret seed of the simulated device certifier: public on purpose. The simulation
/// certifies its own made-up devices with it, so its certificates prove nothing, and say so
/// ([`TeePlatform::Simulated`]): a chain lists this certifier for simulated devices only while
/// it accepts simulated workers at all.
pub const SIMULATED_CERTIFIER_SEED: [u8; 32] = *b"teeid simulated device certifier";

/// The public key of [`SIMULATED_CERTIFIER_SEED`].
pub const SIMULATED_CERTIFIER: [u8; 32] = [
	0x8f, 0x49, 0x02, 0x9e, 0x16, 0xb3, 0x7b, 0x8e, 0xa7, 0x53, 0x8d, 0x08, 0x51, 0x8f, 0xdc, 0x84,
	0x52, 0x3c, 0x78, 0xe5, 0x85, 0x12, 0xec, 0x47, 0x33, 0xe5, 0xb6, 0xcd, 0x42, 0xa4, 0xcb, 0x34,
];

/// What a TEE states about itself when it asks to join.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct ReportBody<AccountId> {
	/// Where the TEE runs.
	pub platform: TeePlatform,
	/// The TEE's Ed25519 signing key: the worker's identity on chain.
	pub signing_key: ed25519::Public,
	/// The TEE's X25519 key-agreement key, to which claims and the network key are encrypted.
	pub agreement_key: [u8; 32],
	/// The measurement of the TA's code.
	pub measurement: Measurement,
	/// The account that operates the worker and pays for it.
	pub operator: AccountId,
	/// The fingerprint ([`network_key_fingerprint`]) of the network key the TEE holds.
	pub network_key: [u8; 32],
}

/// The signed part of a report: its body in the worker-report domain, with the genesis hash
/// and a block anchor.
pub type ReportPayload<AccountId, Number = BlockNumber, BlockHash = Hash> =
	SigningPayload<ReportBody<AccountId>, Number, BlockHash>;

/// R: a TEE's report, with the platform evidence bound to it.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct WorkerReport<AccountId, Number = BlockNumber, BlockHash = Hash> {
	/// The report without evidence.
	pub payload: ReportPayload<AccountId, Number, BlockHash>,
	/// The platform's evidence, whose nonce is [`WorkerReport::evidence_nonce`] of `payload`.
	pub evidence: PlatformEvidence,
	/// The certificate of the evidence's device key, for the report's platform and chain.
	pub certificate: DeviceCertificate,
}

impl<AccountId: Encode, Number: Encode + Copy, BlockHash: Encode + Copy>
	WorkerReport<AccountId, Number, BlockHash>
{
	/// The nonce the TA passes to the attestation PTA for `payload`: SHA-256 of its signing
	/// bytes, which binds the evidence to the keys, operator, chain and anchor of the report.
	pub fn evidence_nonce(payload: &ReportPayload<AccountId, Number, BlockHash>) -> [u8; 32] {
		use sha2::Digest;
		sha2::Sha256::digest(payload.signing_bytes()).into()
	}

	/// The bytes of Sig_M(R): the worker-report tag, then R with its evidence.
	pub fn signing_bytes(&self) -> Vec<u8> {
		let mut out = Vec::with_capacity(16 + self.size_hint());
		out.extend_from_slice(SigningDomain::WorkerReport.tag());
		self.encode_to(&mut out);
		out
	}

	/// The hash that endorsements and countersignatures name: blake2-256 of the signing bytes.
	pub fn hash(&self) -> [u8; 32] {
		sp_crypto_hashing::blake2_256(&self.signing_bytes())
	}

	/// The report's block anchor, if it has one (a report anchored by a nonce is malformed).
	pub fn anchor_block(&self) -> Option<(Number, BlockHash)> {
		match self.payload.anchor {
			Anchor::Block { number, hash } => Some((number, hash)),
			Anchor::Nonce(_) => None,
		}
	}

	/// Checks that the evidence measures the reported code, was made for this report, comes
	/// with a certificate of its device key for the report's platform and chain, and is signed
	/// by that device key. The certificate's signature and certifier are the caller's to check
	/// ([`DeviceCertificate::check_for`]).
	pub fn check_evidence(&self) -> Result<(), EvidenceError> {
		if self.evidence.measurement != self.payload.body.measurement {
			return Err(EvidenceError::MeasurementMismatch);
		}
		if self.evidence.nonce != Self::evidence_nonce(&self.payload) {
			return Err(EvidenceError::NonceMismatch);
		}
		// A malformed key is named as such first; the certificate (a hash) comes before the
		// RSA signature, the one costly step, so a certificate of another device, platform or
		// chain costs its submitter no verification.
		let key = self.evidence.device_key.to_rsa()?;
		self.certificate.check_for(
			&self.evidence.device_key,
			self.payload.body.platform,
			self.payload.genesis_hash.encode().as_slice(),
		)?;
		self.evidence.verify_signature_with(&key)
	}

	/// The payload of Sig_V(R) for `endorser`: the endorsement domain, the report's chain and
	/// anchor.
	pub fn endorsement(
		&self,
		endorser: ed25519::Public,
	) -> SigningPayload<EndorsementBody, Number, BlockHash> {
		SigningPayload {
			domain: SigningDomain::Endorsement,
			genesis_hash: self.payload.genesis_hash,
			anchor: self.payload.anchor,
			body: EndorsementBody { report: self.hash().into(), endorser },
		}
	}

	/// The payload of Sig_M(Sig_V(R)).
	pub fn countersignature(
		&self,
		endorser: ed25519::Public,
		endorsement: ed25519::Signature,
	) -> SigningPayload<CountersignatureBody, Number, BlockHash> {
		SigningPayload {
			domain: SigningDomain::Countersignature,
			genesis_hash: self.payload.genesis_hash,
			anchor: self.payload.anchor,
			body: CountersignatureBody { report: self.hash().into(), endorser, endorsement },
		}
	}
}

/// Sig_V(R)'s body: "endorser V vouches for report R".
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct EndorsementBody {
	/// [`WorkerReport::hash`] of R.
	pub report: Hash,
	/// V's signing key.
	pub endorser: ed25519::Public,
}

/// Sig_M(Sig_V(R))'s body: "M accepts V's endorsement of R".
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct CountersignatureBody {
	/// [`WorkerReport::hash`] of R.
	pub report: Hash,
	/// V's signing key.
	pub endorser: ed25519::Public,
	/// Sig_V(R).
	pub endorsement: ed25519::Signature,
}

/// What a worker's TEE reports once per slot, anchored at the slot's first block.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct WorkReportBody {
	/// The reporting worker's signing key.
	pub worker: ed25519::Public,
	/// The slot reported on.
	pub slot: u32,
	/// The Merkle root ([`crate::merkle::batch_root`]) of the hashes of the credentials the
	/// TEE issued in the slot, or zero if it issued none.
	pub credentials_root: Hash,
	/// How many credentials the TEE issued in the slot.
	pub credentials_count: u32,
	/// How many credentials the TEE has issued since it started, this slot included.
	pub issued_total: u64,
}

/// The signed form of a work report.
pub type WorkReportPayload<Number = BlockNumber, BlockHash = Hash> =
	SigningPayload<WorkReportBody, Number, BlockHash>;

/// The fingerprint of a network public key, as reports carry it.
pub fn network_key_fingerprint(public: &[u8; 32]) -> [u8; 32] {
	let mut bytes = Vec::with_capacity(17 + 32);
	bytes.extend_from_slice(b"teeid/network-key");
	bytes.extend_from_slice(public);
	sp_crypto_hashing::blake2_256(&bytes)
}

/// The DID key id (fragment) under which TEE signing key `key` appears in the documents of the
/// DIDs it signs for: `tee-` and the key in lowercase hex.
pub fn tee_key_id(key: &ed25519::Public) -> Vec<u8> {
	const HEX: &[u8; 16] = b"0123456789abcdef";
	let mut id = Vec::with_capacity(TEE_KEY_ID_PREFIX.len() + 64);
	id.extend_from_slice(TEE_KEY_ID_PREFIX);
	for byte in key.0 {
		id.push(HEX[usize::from(byte >> 4)]);
		id.push(HEX[usize::from(byte & 0x0f)]);
	}
	id
}

/// The TEE signing key named by a key id of the form [`tee_key_id`] returns, if `id` is one.
pub fn parse_tee_key_id(id: &[u8]) -> Option<ed25519::Public> {
	let hex = id.strip_prefix(TEE_KEY_ID_PREFIX)?;
	if hex.len() != 64 {
		return None;
	}
	let nibble = |c: u8| match c {
		b'0'..=b'9' => Some(c - b'0'),
		b'a'..=b'f' => Some(c - b'a' + 10),
		_ => None,
	};
	let mut key = [0u8; 32];
	for (byte, pair) in key.iter_mut().zip(hex.chunks_exact(2)) {
		*byte = (nibble(pair[0])? << 4) | nibble(pair[1])?;
	}
	Some(ed25519::Public::from_raw(key))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn simulated_certifier_is_its_seeds_key_works() {
		use sp_core::Pair;
		let pair = ed25519::Pair::from_seed(&SIMULATED_CERTIFIER_SEED);
		assert_eq!(pair.public().0, SIMULATED_CERTIFIER);
	}

	#[test]
	fn tee_key_ids_roundtrip_works() {
		let key = ed25519::Public::from_raw([0xab; 32]);
		let id = tee_key_id(&key);
		assert_eq!(id.len(), 68);
		assert!(id.starts_with(b"tee-abab"));
		assert_eq!(parse_tee_key_id(&id), Some(key));
	}

	#[test]
	fn malformed_tee_key_ids_are_refused_works() {
		let good = tee_key_id(&ed25519::Public::from_raw([1; 32]));
		let mut upper = good.clone();
		upper[10] = b'A';
		for bad in [&b"tee-"[..], b"key-1", &good[..67], &upper[..]] {
			assert_eq!(parse_tee_key_id(bad), None, "{:?}", core::str::from_utf8(bad));
		}
	}

	fn report(measurement: Measurement) -> WorkerReport<u64> {
		let payload = ReportPayload {
			domain: SigningDomain::WorkerReport,
			genesis_hash: Hash::repeat_byte(1),
			anchor: Anchor::Block { number: 7, hash: Hash::repeat_byte(7) },
			body: ReportBody {
				platform: TeePlatform::Simulated,
				signing_key: ed25519::Public::from_raw([2; 32]),
				agreement_key: [3; 32],
				measurement,
				operator: 42,
				network_key: network_key_fingerprint(&[4; 32]),
			},
		};
		let nonce = WorkerReport::evidence_nonce(&payload);
		let certificate = testing::certificate(
			TeePlatform::Simulated,
			Hash::repeat_byte(1),
			&testing::TEST_CERTIFIER_SEED,
		);
		WorkerReport { payload, evidence: testing::evidence(measurement, nonce), certificate }
	}

	#[test]
	fn evidence_bound_to_its_report_verifies_works() {
		let report = report([9; 32]);
		assert_eq!(report.check_evidence(), Ok(()));
		assert_eq!(report.anchor_block(), Some((7, Hash::repeat_byte(7))));
	}

	#[test]
	fn evidence_for_other_code_or_report_is_refused_works() {
		let good = report([9; 32]);

		let mut other_code = good.clone();
		other_code.payload.body.measurement = [8; 32];
		assert_eq!(other_code.check_evidence(), Err(EvidenceError::MeasurementMismatch));

		// Another operator changes the nonce the evidence must carry.
		let mut other_operator = good.clone();
		other_operator.payload.body.operator = 43;
		assert_eq!(other_operator.check_evidence(), Err(EvidenceError::NonceMismatch));

		let mut forged = good.clone();
		forged.evidence.signature[100] ^= 1;
		assert_eq!(forged.check_evidence(), Err(EvidenceError::BadSignature));

		// Same measurement and nonce, but a signature made over another measurement.
		let mut swapped = good.clone();
		swapped.evidence.signature = report([8; 32]).evidence.signature;
		assert_eq!(swapped.check_evidence(), Err(EvidenceError::BadSignature));
	}

	#[test]
	fn a_certificate_of_another_device_platform_or_chain_is_refused_fails() {
		let good = report([9; 32]);
		let certificate = |platform, genesis: u8| {
			testing::certificate(
				platform,
				Hash::repeat_byte(genesis),
				&testing::TEST_CERTIFIER_SEED,
			)
		};

		let mut other_platform = good.clone();
		other_platform.certificate = certificate(TeePlatform::OpTee, 1);
		assert_eq!(other_platform.check_evidence(), Err(EvidenceError::CertificateMismatch));

		let mut other_chain = good.clone();
		other_chain.certificate = certificate(TeePlatform::Simulated, 2);
		assert_eq!(other_chain.check_evidence(), Err(EvidenceError::CertificateMismatch));

		// A certificate of another device key.
		let mut other_device = good.clone();
		other_device.certificate.payload.body.device_key[0] ^= 1;
		assert_eq!(other_device.check_evidence(), Err(EvidenceError::CertificateMismatch));

		let mut other_domain = good.clone();
		other_domain.certificate.payload.domain = SigningDomain::WorkerReport;
		assert_eq!(other_domain.check_evidence(), Err(EvidenceError::CertificateMismatch));
	}

	#[test]
	fn small_or_malformed_device_keys_are_refused_works() {
		let mut report = report([9; 32]);
		// A 1024-bit modulus: too small to count as a device key.
		report.evidence.device_key.modulus =
			report.evidence.device_key.modulus[..128].to_vec().try_into().unwrap();
		assert_eq!(report.check_evidence(), Err(EvidenceError::BadDeviceKey));
		report.evidence.device_key = testing::device_public_key();
		report.evidence.device_key.exponent = alloc::vec![1].try_into().unwrap();
		assert_eq!(report.check_evidence(), Err(EvidenceError::BadDeviceKey));
		// A large exponent would make verification slow: only 65537 is accepted.
		report.evidence.device_key.exponent = alloc::vec![1, 0, 0, 0, 1].try_into().unwrap();
		assert_eq!(report.check_evidence(), Err(EvidenceError::BadDeviceKey));
		report.evidence.device_key = testing::device_public_key();
		let last = report.evidence.device_key.modulus.len() - 1;
		report.evidence.device_key.modulus[last] &= 0xfe;
		assert_eq!(report.check_evidence(), Err(EvidenceError::BadDeviceKey));
	}

	#[test]
	fn endorsement_and_countersignature_name_the_report_works() {
		let report = report([9; 32]);
		let v = ed25519::Public::from_raw([5; 32]);
		let endorsement = report.endorsement(v);
		assert_eq!(endorsement.domain, SigningDomain::Endorsement);
		assert_eq!(endorsement.anchor, report.payload.anchor);
		assert_eq!(endorsement.body.report, Hash::from(report.hash()));
		let counter = report.countersignature(v, ed25519::Signature::from_raw([6; 64]));
		assert_eq!(&counter.signing_bytes()[..16], SigningDomain::Countersignature.tag());
		assert_ne!(endorsement.signing_bytes()[16..], counter.signing_bytes()[16..]);
	}

	#[test]
	fn network_key_fingerprints_differ_works() {
		assert_ne!(network_key_fingerprint(&[1; 32]), network_key_fingerprint(&[2; 32]));
		assert_ne!(network_key_fingerprint(&[1; 32]), [1; 32]);
	}
}
