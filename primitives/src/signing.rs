//! Domain-separated signing.
//!
//! Every payload that a teeid key signs outside an extrinsic (a DID operation submitted by a
//! relayer, an evidence signature, a TEE report, an endorsement, a work report) is wrapped in a
//! [`SigningPayload`]: a fixed domain tag, the genesis hash of the chain it is meant for, an
//! anchor (a nonce or a recent block) and the body. The tag stops a signature made for one
//! purpose from verifying as another; the genesis hash stops replay on another chain; the
//! anchor stops replay on this chain.

use crate::{BlockNumber, Hash};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// What a signature is for. Each domain has its own tag, and the tag is the first thing signed.
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
)]
pub enum SigningDomain {
	/// An operation on a DID, authorized by one of its keys.
	DidOperation,
	/// A signer's signature on an evidence hash.
	Evidence,
	/// A TEE worker's registration report R.
	WorkerReport,
	/// A registered worker's endorsement of a joining worker's report.
	Endorsement,
	/// A TEE worker's periodic work report.
	WorkReport,
	/// A joining worker's countersignature of its endorsement, Sig_M(Sig_V(R)).
	Countersignature,
	/// A device certifier's certificate of a device's attestation key.
	DeviceCertificate,
}

impl SigningDomain {
	/// The tag that starts every payload of this domain. Versioned, so a future format change
	/// gets a new tag rather than a silent reinterpretation.
	pub const fn tag(self) -> &'static [u8; 16] {
		match self {
			// v2: the body names the runtime's transaction version.
			SigningDomain::DidOperation => b"teeid/did-op/v2\0",
			SigningDomain::Evidence => b"teeid/evidence/1",
			SigningDomain::WorkerReport => b"teeid/report/v1\0",
			SigningDomain::Endorsement => b"teeid/endorse/v1",
			SigningDomain::WorkReport => b"teeid/work/v1\0\0\0",
			SigningDomain::Countersignature => b"teeid/counter/v1",
			SigningDomain::DeviceCertificate => b"teeid/device/v1\0",
		}
	}
}

/// What ties a signed payload to one moment of one chain, so it cannot be replayed.
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
)]
pub enum Anchor<Number = BlockNumber, BlockHash = Hash> {
	/// A counter the verifier tracks and bumps on use (for example a DID's operation nonce).
	Nonce(u64),
	/// A recent block of the chain; the verifier checks that it is recent and canonical.
	Block {
		/// The block's number.
		number: Number,
		/// The block's hash.
		hash: BlockHash,
	},
}

/// The envelope of every off-chain signed payload. Its SCALE encoding, with the domain's tag
/// in front, is exactly what is signed. Block number and hash types default to the teeid
/// chain's; pallets pass their `frame_system` types.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct SigningPayload<Body, Number = BlockNumber, BlockHash = Hash> {
	/// What the signature is for.
	pub domain: SigningDomain,
	/// The genesis hash of the chain the payload is meant for.
	pub genesis_hash: BlockHash,
	/// The nonce or block that makes the payload single-use.
	pub anchor: Anchor<Number, BlockHash>,
	/// The payload itself.
	pub body: Body,
}

impl<Body: Encode, Number: Encode, BlockHash: Encode> SigningPayload<Body, Number, BlockHash> {
	/// The bytes to sign: the domain tag followed by the SCALE encoding of the envelope.
	///
	/// The tag is written out in full (not only the enum index) so that the bytes are
	/// recognisable to anyone inspecting what a key was asked to sign.
	pub fn signing_bytes(&self) -> alloc::vec::Vec<u8> {
		let mut out = alloc::vec::Vec::with_capacity(16 + self.size_hint());
		out.extend_from_slice(self.domain.tag());
		self.encode_to(&mut out);
		out
	}
}

/// The body of an evidence signature: "`signer` vouches for `hash`". Naming the signer stops a
/// signature from counting for another DID that lists the same key.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct EvidenceStatement<AccountId> {
	/// The content hash.
	pub hash: sp_core::H256,
	/// The signing DID.
	pub signer: AccountId,
}

#[cfg(test)]
mod tests {
	use super::*;

	fn payload(domain: SigningDomain, genesis: u8, anchor: Anchor) -> SigningPayload<[u8; 32]> {
		SigningPayload { domain, genesis_hash: Hash::repeat_byte(genesis), anchor, body: [7u8; 32] }
	}

	#[test]
	fn tags_are_distinct_works() {
		let all = [
			SigningDomain::DidOperation,
			SigningDomain::Evidence,
			SigningDomain::WorkerReport,
			SigningDomain::Endorsement,
			SigningDomain::WorkReport,
			SigningDomain::Countersignature,
			SigningDomain::DeviceCertificate,
		];
		for (i, a) in all.iter().enumerate() {
			assert!(a.tag().starts_with(b"teeid/"));
			for b in &all[i + 1..] {
				assert_ne!(a.tag(), b.tag(), "{a:?} and {b:?} share a tag");
			}
		}
	}

	#[test]
	fn signing_bytes_start_with_tag_and_roundtrip_works() {
		let p = payload(SigningDomain::Evidence, 1, Anchor::Nonce(5));
		let bytes = p.signing_bytes();
		assert_eq!(&bytes[..16], SigningDomain::Evidence.tag());
		let decoded = SigningPayload::<[u8; 32]>::decode(&mut &bytes[16..]).unwrap();
		assert_eq!(decoded, p);
	}

	#[test]
	fn signing_bytes_differ_by_domain_chain_and_anchor_works() {
		let base = payload(SigningDomain::Evidence, 1, Anchor::Nonce(5)).signing_bytes();
		let other_domain = payload(SigningDomain::WorkReport, 1, Anchor::Nonce(5)).signing_bytes();
		let other_chain = payload(SigningDomain::Evidence, 2, Anchor::Nonce(5)).signing_bytes();
		let other_nonce = payload(SigningDomain::Evidence, 1, Anchor::Nonce(6)).signing_bytes();
		let block_anchor = payload(
			SigningDomain::Evidence,
			1,
			Anchor::Block { number: 5, hash: Hash::repeat_byte(9) },
		)
		.signing_bytes();
		for other in [other_domain, other_chain, other_nonce, block_anchor] {
			assert_ne!(base, other);
		}
	}
}
