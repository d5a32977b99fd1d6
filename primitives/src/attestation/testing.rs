//! A fixed device key for tests and benchmarks (feature `testing`).
//!
//! Benchmarks run inside the runtime, where no RSA key can be generated in reasonable time and
//! no randomness is available, so this module carries one 4096-bit key (the largest a device
//! key may be, hence the slowest to verify) and signs with a deterministic salt. Never use it
//! outside tests: its private key is public.

use super::{
	DeviceCertificate, DeviceCertificatePayload, DeviceKey, Measurement, PlatformEvidence,
	TeePlatform, PSS_SALT_LEN,
};
use crate::Hash;
use rsa::traits::PublicKeyParts;

/// The PKCS#1 DER encoding of the test device key.
const DEVICE_KEY_DER: &[u8] = include_bytes!("../../fixtures/test-device-key.der");

/// The test device key.
pub fn device_key() -> rsa::RsaPrivateKey {
	use rsa::pkcs1::DecodeRsaPrivateKey;
	rsa::RsaPrivateKey::from_pkcs1_der(DEVICE_KEY_DER).expect("the fixture is a valid key")
}

/// The public half of the test device key, as evidence carries it.
pub fn device_public_key() -> DeviceKey {
	let key = device_key();
	DeviceKey {
		exponent: key.e().to_bytes_be().try_into().expect("the exponent fits 8 bytes"),
		modulus: key.n().to_bytes_be().try_into().expect("a 4096-bit modulus fits"),
	}
}

/// Evidence for `measurement` and `nonce` signed by the test device key.
pub fn evidence(measurement: Measurement, nonce: [u8; 32]) -> PlatformEvidence {
	let digest = PlatformEvidence::signed_digest(&nonce, &measurement);
	let signature = device_key()
		.sign_with_rng(
			&mut CounterRng(u64::from_le_bytes(nonce[..8].try_into().expect("8 bytes"))),
			rsa::Pss::new_with_salt::<sha2::Sha256>(PSS_SALT_LEN),
			&digest,
		)
		.expect("a 4096-bit key signs a 32-byte digest");
	PlatformEvidence {
		device_key: device_public_key(),
		measurement,
		nonce,
		signature: signature.try_into().expect("a 4096-bit signature fits"),
	}
}

/// The secret seed of the test device certifier: public, like the test device key.
pub const TEST_CERTIFIER_SEED: [u8; 32] = *b"teeid test device certifier....!";

/// The payload of a certificate of the test device key as a `platform` device of chain
/// `genesis_hash`, serial 1: benchmarks sign it with the runtime's host functions.
pub fn certificate_payload(platform: TeePlatform, genesis_hash: Hash) -> DeviceCertificatePayload {
	DeviceCertificate::payload(platform, &device_public_key(), genesis_hash, 1)
}

/// A certificate of the test device key as a `platform` device of chain `genesis_hash`,
/// signed by the certifier with secret seed `certifier_seed`.
#[cfg(feature = "std")]
pub fn certificate(
	platform: TeePlatform,
	genesis_hash: Hash,
	certifier_seed: &[u8; 32],
) -> DeviceCertificate {
	use sp_core::Pair;
	let pair = sp_core::ed25519::Pair::from_seed(certifier_seed);
	let payload = certificate_payload(platform, genesis_hash);
	let signature = pair.sign(&payload.signing_bytes());
	DeviceCertificate { payload, certifier: pair.public(), signature }
}

/// A deterministic stand-in for randomness (PSS salt, blinding): fine for a key whose secret is
/// public anyway.
struct CounterRng(u64);

impl rand_core::RngCore for CounterRng {
	fn next_u32(&mut self) -> u32 {
		self.next_u64() as u32
	}

	fn next_u64(&mut self) -> u64 {
		self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
		self.0
	}

	fn fill_bytes(&mut self, dest: &mut [u8]) {
		for chunk in dest.chunks_mut(8) {
			let bytes = self.next_u64().to_le_bytes();
			chunk.copy_from_slice(&bytes[..chunk.len()]);
		}
	}

	fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
		self.fill_bytes(dest);
		Ok(())
	}
}

impl rand_core::CryptoRng for CounterRng {}
