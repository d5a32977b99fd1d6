//! The simulated attestation PTA: an RSA device key and evidence in OP-TEE's shape.

use rand_core::OsRng;
use rsa::{
	pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey},
	traits::PublicKeyParts,
	Pss, RsaPrivateKey,
};
use std::io;
use teeid_primitives::attestation::{DeviceKey, Measurement, PlatformEvidence, PSS_SALT_LEN};

use crate::storage::{Device, SealedStorage};

/// The UUID of OP-TEE's attestation PTA, whose storage holds the device key.
pub const ATTESTATION_PTA_UUID: [u8; 16] = [
	0x39, 0x80, 0x08, 0x61, 0x18, 0x2a, 0x47, 0x20, 0x9b, 0x67, 0x2b, 0xcd, 0x62, 0x2b, 0xc0, 0xb5,
];

/// The size of the device key the PTA generates by default.
pub const DEVICE_KEY_BITS: usize = 3072;

const KEY_OBJECT: &[u8] = b"attestation-key";

/// The device key, generated on first start and sealed to the PTA.
pub struct AttestationKey {
	key: RsaPrivateKey,
	public: DeviceKey,
}

impl AttestationKey {
	/// Loads the device key of `device`, generating it on first start.
	pub fn open(device: &Device) -> io::Result<Self> {
		let storage: SealedStorage = device.storage(ATTESTATION_PTA_UUID)?;
		let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_string());
		let key = match storage.load(KEY_OBJECT) {
			Ok(Some(der)) => RsaPrivateKey::from_pkcs1_der(&der)
				.map_err(|_| invalid("the device key does not decode"))?,
			Ok(None) => {
				let key = RsaPrivateKey::new(&mut OsRng, DEVICE_KEY_BITS)
					.map_err(|_| invalid("RSA key generation failed"))?;
				let der =
					key.to_pkcs1_der().map_err(|_| invalid("the device key does not encode"))?;
				storage
					.store(KEY_OBJECT, der.as_bytes())
					.map_err(|_| io::Error::other("cannot seal the device key"))?;
				key
			},
			Err(_) => return Err(invalid("the sealed device key failed its integrity check")),
		};
		let public = DeviceKey {
			exponent: key.e().to_bytes_be().try_into().map_err(|_| invalid("exponent too long"))?,
			modulus: key.n().to_bytes_be().try_into().map_err(|_| invalid("modulus too long"))?,
		};
		Ok(Self { key, public })
	}

	/// The public device key (`GET_PUBKEY`).
	pub fn public(&self) -> &DeviceKey {
		&self.public
	}

	/// `HASH_TA_MEMORY`: the measurement and the device key's signature over it and `nonce`.
	pub fn evidence(&self, measurement: Measurement, nonce: [u8; 32]) -> Option<PlatformEvidence> {
		let digest = PlatformEvidence::signed_digest(&nonce, &measurement);
		let signature = self
			.key
			.sign_with_rng(&mut OsRng, Pss::new_with_salt::<sha2::Sha256>(PSS_SALT_LEN), &digest)
			.ok()?;
		Some(PlatformEvidence {
			device_key: self.public.clone(),
			measurement,
			nonce,
			signature: signature.try_into().ok()?,
		})
	}
}
