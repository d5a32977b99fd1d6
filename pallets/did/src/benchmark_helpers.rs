//! What other pallets' benchmarks need from the DID registry: keys in the keystore that DIDs
//! can list and that sign on demand.

use crate::{PublicKey, SignatureBytes, SignatureScheme};
use frame_support::traits::Get;
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

/// Calls for the `submit_did_call` benchmarks: calls a DID may authorize, of any encoded length
/// up to the runtime's longest such call, whose dispatch fails at its first check. The
/// benchmark then measures the relay (decoding the operation, building and verifying the signed
/// bytes, which grow with the call) and not the call, whose own weight `submit_did_call` adds.
pub trait RelayedCalls<Call> {
	/// The shortest and the longest call [`RelayedCalls::call`] makes, encoded, in bytes.
	fn lengths() -> (u32, u32);

	/// A call of about `length` encoded bytes, `length` within [`RelayedCalls::lengths`].
	fn call(length: u32) -> Call;
}

/// `revoke_attribute` relayed for a DID that does not exist (it fails at the first read), as
/// long as the longest attribute: for runtimes whose longest DID-authorizable call is one of
/// this pallet's.
pub struct AttributeCalls<T>(core::marker::PhantomData<T>);

impl<T: crate::Config> AttributeCalls<T> {
	fn revoke(name: u32, value: u32) -> <T as crate::Config>::RuntimeCall {
		let did: T::AccountId = frame_benchmarking::account("nobody", 0, 0);
		let name = alloc::vec![b'n'; name as usize];
		let value = alloc::vec![b'v'; value as usize];
		crate::Call::<T>::revoke_attribute { did, name, value }.into()
	}
}

impl<T: crate::Config> RelayedCalls<<T as crate::Config>::RuntimeCall> for AttributeCalls<T> {
	fn lengths() -> (u32, u32) {
		use codec::Encode;
		let longest =
			Self::revoke(T::MaxAttributeNameLength::get(), T::MaxAttributeValueLength::get());
		(Self::revoke(1, 0).encoded_size() as u32, longest.encoded_size() as u32)
	}

	fn call(length: u32) -> <T as crate::Config>::RuntimeCall {
		let extra = length.saturating_sub(Self::lengths().0);
		let name = (1 + extra).min(T::MaxAttributeNameLength::get());
		let value = (1 + extra - name).min(T::MaxAttributeValueLength::get());
		Self::revoke(name, value)
	}
}
