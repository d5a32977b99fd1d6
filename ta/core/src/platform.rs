//! What the TA needs from the platform it runs on.

use alloc::vec::Vec;
use teeid_primitives::attestation::{DeviceKey, Measurement, PlatformEvidence, TeePlatform};

/// Why secure storage failed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum StorageError {
	/// The object exists but fails its integrity check: tampered with, swapped for another
	/// object, or sealed by another device or TA.
	Tampered,
	/// The storage could not be read or written.
	Failed,
}

/// The platform failed to produce randomness or evidence.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct PlatformError;

/// The services of a TEE that the TA's logic uses.
pub trait Platform {
	/// The kind of TEE: [`TeePlatform::Simulated`] for anything but real OP-TEE hardware.
	fn platform(&self) -> TeePlatform;

	/// Fills `out` with cryptographically secure random bytes.
	fn fill_random(&mut self, out: &mut [u8]) -> Result<(), PlatformError>;

	/// Reads the object `id` from storage private to this TA and sealed to this device, or
	/// `None` if there is none.
	fn load(&mut self, id: &[u8]) -> Result<Option<Vec<u8>>, StorageError>;

	/// Writes (atomically replaces) the object `id`.
	fn store(&mut self, id: &[u8], data: &[u8]) -> Result<(), StorageError>;

	/// The measurement of the running TA's code.
	fn measurement(&mut self) -> Result<Measurement, PlatformError>;

	/// Evidence from the device key over `nonce` and the TA's measurement (the OP-TEE
	/// attestation PTA's `HASH_TA_MEMORY`).
	fn evidence(&mut self, nonce: [u8; 32]) -> Result<PlatformEvidence, PlatformError>;

	/// The device's attestation public key (the attestation PTA's `GET_PUBKEY`): the key its
	/// evidence is signed with, and the one its device certificate must certify.
	fn device_key(&mut self) -> Result<DeviceKey, PlatformError>;

	/// The Ed25519 keys of the device certifiers whose certificates this TA accepts, its own
	/// and other TEEs'. Part of the TA's code, so of its measurement: a host cannot add one
	/// (OP-TEE: fixed when the TA is built; the simulation: the simulated certifier). Empty,
	/// the TA accepts no device, not even its own.
	fn accepted_certifiers(&self) -> &[[u8; 32]];
}
