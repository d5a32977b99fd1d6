//! What other pallets' benchmarks need from the DID registry: keys in the keystore that DIDs
//! can list and that sign on demand.

use crate::{PublicKey, SignatureBytes, SignatureScheme};
use sp_core::{crypto::KeyTypeId, ecdsa, ed25519, sr25519};

/// The keystore key type of benchmark keys.
pub const KEY_TYPE: KeyTypeId = KeyTypeId(*b"did_");

/// A key generated in the benchmark's keystore.
pub enum BenchKey {
	/// An Ed25519 key.
	Ed(ed25519::Public),
	/// An Sr25519 key.
	Sr(sr25519::Public),
	/// An ECDSA secp256k1 key.
	Ec(ecdsa::Public),
}

impl BenchKey {
	/// Generates a key of `scheme`.
	pub fn generate(scheme: SignatureScheme) -> Self {
		match scheme {
			SignatureScheme::Ed25519 => {
				BenchKey::Ed(sp_io::crypto::ed25519_generate(KEY_TYPE, None))
			},
			SignatureScheme::Sr25519 => {
				BenchKey::Sr(sp_io::crypto::sr25519_generate(KEY_TYPE, None))
			},
			SignatureScheme::EcdsaSecp256k1 => {
				BenchKey::Ec(sp_io::crypto::ecdsa_generate(KEY_TYPE, None))
			},
		}
	}

	/// The key as a DID lists it.
	pub fn public(&self) -> PublicKey {
		match self {
			BenchKey::Ed(k) => PublicKey::Ed25519(*k),
			BenchKey::Sr(k) => PublicKey::Sr25519(*k),
			BenchKey::Ec(k) => PublicKey::EcdsaSecp256k1(*k),
		}
	}

	/// Signs `message`.
	pub fn sign(&self, message: &[u8]) -> SignatureBytes {
		const IN_KEYSTORE: &str = "the key was generated in the keystore";
		match self {
			BenchKey::Ed(k) => SignatureBytes::Ed25519(
				sp_io::crypto::ed25519_sign(KEY_TYPE, k, message).expect(IN_KEYSTORE),
			),
			BenchKey::Sr(k) => SignatureBytes::Sr25519(
				sp_io::crypto::sr25519_sign(KEY_TYPE, k, message).expect(IN_KEYSTORE),
			),
			BenchKey::Ec(k) => SignatureBytes::EcdsaSecp256k1(
				sp_io::crypto::ecdsa_sign(KEY_TYPE, k, message).expect(IN_KEYSTORE),
			),
		}
	}
}
