//! Signatures by DID keys, and their verification.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::{ecdsa, ed25519, sr25519};
use sp_runtime::traits::Verify;

use crate::types::PublicKey;

/// A signature of one of the schemes DID keys use.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub enum SignatureBytes {
	/// An Ed25519 signature.
	Ed25519(ed25519::Signature),
	/// An Sr25519 signature.
	Sr25519(sr25519::Signature),
	/// An ECDSA secp256k1 signature over the blake2-256 hash of the message (65 bytes,
	/// recoverable), as substrate's `ecdsa` keys produce.
	EcdsaSecp256k1(ecdsa::Signature),
}

/// The signature schemes, for weights: verifying each costs differently.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SignatureScheme {
	/// Ed25519.
	Ed25519,
	/// Sr25519.
	Sr25519,
	/// ECDSA secp256k1.
	EcdsaSecp256k1,
}

impl SignatureBytes {
	/// The scheme of this signature.
	pub fn scheme(&self) -> SignatureScheme {
		match self {
			SignatureBytes::Ed25519(_) => SignatureScheme::Ed25519,
			SignatureBytes::Sr25519(_) => SignatureScheme::Sr25519,
			SignatureBytes::EcdsaSecp256k1(_) => SignatureScheme::EcdsaSecp256k1,
		}
	}
}

/// A signature made with the DID key whose fragment is `key_id`.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct DidSignature {
	/// The fragment of the key that signed.
	pub key_id: Vec<u8>,
	/// The signature.
	pub signature: SignatureBytes,
}

impl PublicKey {
	/// Whether `signature` is this key's signature over `message`. A signature of another
	/// scheme than the key's, or any signature for a key-agreement key, is not.
	pub fn verify(&self, message: &[u8], signature: &SignatureBytes) -> bool {
		match (self, signature) {
			(PublicKey::Ed25519(key), SignatureBytes::Ed25519(sig)) => sig.verify(message, key),
			(PublicKey::Sr25519(key), SignatureBytes::Sr25519(sig)) => sig.verify(message, key),
			(PublicKey::EcdsaSecp256k1(key), SignatureBytes::EcdsaSecp256k1(sig)) => {
				sig.verify(message, key)
			},
			_ => false,
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_core::Pair;

	#[test]
	fn each_scheme_verifies_its_own_signatures_works() {
		let message = b"teeid";
		let ed = ed25519::Pair::from_seed(&[1; 32]);
		let sr = sr25519::Pair::from_seed(&[2; 32]);
		let ec = ecdsa::Pair::from_seed(&[3; 32]);
		let cases = [
			(PublicKey::Ed25519(ed.public()), SignatureBytes::Ed25519(ed.sign(message))),
			(PublicKey::Sr25519(sr.public()), SignatureBytes::Sr25519(sr.sign(message))),
			(
				PublicKey::EcdsaSecp256k1(ec.public()),
				SignatureBytes::EcdsaSecp256k1(ec.sign(message)),
			),
		];
		for (key, sig) in &cases {
			assert!(key.verify(message, sig));
			assert!(!key.verify(b"other", sig));
		}
		// A signature never verifies against a key of another scheme or a key-agreement key.
		assert!(!cases[0].0.verify(message, &cases[1].1));
		assert!(!PublicKey::X25519([0; 32]).verify(message, &cases[0].1));
	}
}
