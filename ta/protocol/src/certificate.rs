//! Device certificates: how a device certifier signs one, and how a TA decides whether it
//! accepts one.
//!
//! OP-TEE's attestation PTA key carries no manufacturer certificate, so evidence alone proves
//! only that some RSA key signed it. A network's device certifiers (its operators' provisioning
//! authorities) each hold an Ed25519 key and, while provisioning a device, sign a
//! [`DeviceCertificate`] of its attestation key, its platform and the chain it serves. A TA
//! carries the certifiers it accepts in its own code (so they are part of its measurement) and
//! takes evidence from another TEE only with a certificate [`accepts`] passes: in `Endorse`
//! (no network key to an uncertified device), in `ImportNetworkKey` (none from one) and for its
//! own certificate in `InstallCertificate`.
//!
//! [`certify`] is the one way certificates are made: by the worker's `device certify` on the
//! certifier's machine, by the simulation with the simulated certifier, and by tests.

use teeid_primitives::{
	attestation::{DeviceCertificate, DeviceKey, EvidenceError, TeePlatform},
	Hash,
};

use crate::credential::verify_ed25519;

/// Why a TA does not accept a device certificate.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CertificateError {
	/// Not a device certificate, or not for this device key, platform or chain.
	Mismatch,
	/// The certifier is not one the TA accepts.
	UnacceptedCertifier,
	/// The certifier's signature does not verify.
	BadSignature,
}

impl core::fmt::Display for CertificateError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::Mismatch => {
				f.write_str("the certificate is not for this device key, platform or chain")
			},
			Self::UnacceptedCertifier => f.write_str("the certifier is not one the TA accepts"),
			Self::BadSignature => f.write_str("the certifier's signature does not verify"),
		}
	}
}

impl From<EvidenceError> for CertificateError {
	fn from(_: EvidenceError) -> Self {
		// `DeviceCertificate::check_for` has one refusal: the certificate does not match.
		Self::Mismatch
	}
}

/// The certificate of `device_key` as a `platform` device of the chain with genesis hash
/// `genesis_hash`, serial number `serial` (random, so that certificates of one device for one
/// chain differ), signed by the device certifier whose Ed25519 secret seed is
/// `certifier_seed`.
#[cfg(feature = "std")]
pub fn certify(
	certifier_seed: &[u8; 32],
	platform: TeePlatform,
	device_key: &DeviceKey,
	genesis_hash: Hash,
	serial: u64,
) -> DeviceCertificate {
	use ed25519_dalek::Signer;
	let certifier = ed25519_dalek::SigningKey::from_bytes(certifier_seed);
	let payload = DeviceCertificate::payload(platform, device_key, genesis_hash, serial);
	let signature = certifier.sign(&payload.signing_bytes());
	DeviceCertificate {
		payload,
		certifier: sp_core::ed25519::Public::from_raw(certifier.verifying_key().to_bytes()),
		signature: sp_core::ed25519::Signature::from_raw(signature.to_bytes()),
	}
}

/// Whether the certifier's signature over the certificate verifies (strictly, as every
/// signature a TA checks). Says nothing about what the certificate is for, nor whether its
/// certifier is one to trust: [`accepts`] checks all three.
pub fn verify(certificate: &DeviceCertificate) -> bool {
	verify_ed25519(&certificate.certifier.0, &certificate.signing_bytes(), &certificate.signature.0)
		.is_ok()
}

/// Checks that a TA whose accepted certifiers are `accepted` takes `certificate` as the
/// certificate of `device_key` as a `platform` device of the chain with genesis hash
/// `genesis_hash`: a device certificate for exactly those, by one of `accepted`, its signature
/// valid. The signature, the costly check, comes last.
pub fn accepts(
	certificate: &DeviceCertificate,
	accepted: &[[u8; 32]],
	platform: TeePlatform,
	device_key: &DeviceKey,
	genesis_hash: &Hash,
) -> Result<(), CertificateError> {
	certificate.check_for(device_key, platform, genesis_hash.as_bytes())?;
	if !accepted.contains(&certificate.certifier.0) {
		return Err(CertificateError::UnacceptedCertifier);
	}
	if !verify(certificate) {
		return Err(CertificateError::BadSignature);
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;
	use teeid_primitives::attestation::{testing, SIMULATED_CERTIFIER, SIMULATED_CERTIFIER_SEED};

	const GENESIS: Hash = sp_core::H256([0x11; 32]);

	fn certified() -> (DeviceKey, DeviceCertificate) {
		let key = testing::device_public_key();
		let certificate =
			certify(&SIMULATED_CERTIFIER_SEED, TeePlatform::Simulated, &key, GENESIS, 7);
		(key, certificate)
	}

	#[test]
	fn a_certificate_by_an_accepted_certifier_is_accepted_works() {
		let (key, certificate) = certified();
		assert_eq!(certificate.certifier.0, SIMULATED_CERTIFIER);
		assert!(verify(&certificate));
		let accepted = [[1; 32], SIMULATED_CERTIFIER];
		assert_eq!(
			accepts(&certificate, &accepted, TeePlatform::Simulated, &key, &GENESIS),
			Ok(())
		);
		// The same certificate as the primitives' test helper signs with `sp_core`'s Ed25519.
		let ours = certify(&SIMULATED_CERTIFIER_SEED, TeePlatform::Simulated, &key, GENESIS, 1);
		let theirs =
			testing::certificate(TeePlatform::Simulated, GENESIS, &SIMULATED_CERTIFIER_SEED);
		assert_eq!(ours, theirs);
	}

	#[test]
	fn a_certificate_for_anything_else_or_by_anyone_else_is_refused_fails() {
		let (key, certificate) = certified();
		let accepted = [SIMULATED_CERTIFIER];
		let check = |certificate: &DeviceCertificate, platform, genesis: &Hash| {
			accepts(certificate, &accepted, platform, &key, genesis)
		};
		assert_eq!(
			check(&certificate, TeePlatform::OpTee, &GENESIS),
			Err(CertificateError::Mismatch)
		);
		assert_eq!(
			check(&certificate, TeePlatform::Simulated, &sp_core::H256([2; 32])),
			Err(CertificateError::Mismatch)
		);
		let mut modulus = key.modulus.to_vec();
		modulus[0] ^= 1;
		let other_device = DeviceKey {
			exponent: key.exponent.clone(),
			modulus: modulus.try_into().expect("as long as the key's"),
		};
		assert_eq!(
			accepts(&certificate, &accepted, TeePlatform::Simulated, &other_device, &GENESIS),
			Err(CertificateError::Mismatch)
		);
		assert_eq!(
			accepts(&certificate, &[[1; 32]], TeePlatform::Simulated, &key, &GENESIS),
			Err(CertificateError::UnacceptedCertifier)
		);
		let by_another = certify(&[9; 32], TeePlatform::Simulated, &key, GENESIS, 7);
		assert_eq!(
			check(&by_another, TeePlatform::Simulated, &GENESIS),
			Err(CertificateError::UnacceptedCertifier)
		);
		let mut forged = certificate.clone();
		forged.signature.0[0] ^= 1;
		assert!(!verify(&forged));
		assert_eq!(
			check(&forged, TeePlatform::Simulated, &GENESIS),
			Err(CertificateError::BadSignature)
		);
		// A valid signature by an accepted certifier over another payload, with this one.
		let mut moved =
			certify(&SIMULATED_CERTIFIER_SEED, TeePlatform::Simulated, &key, GENESIS, 8);
		moved.payload = certificate.payload.clone();
		assert_eq!(
			check(&moved, TeePlatform::Simulated, &GENESIS),
			Err(CertificateError::BadSignature)
		);
	}
}
