//! The simulation's [`Platform`]: sealed files, the OS's randomness, the simulated PTA, and
//! the simulated device certifier as the only one it accepts.

use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use std::{io, path::Path};
use teeid_primitives::attestation::{
	DeviceKey, Measurement, PlatformEvidence, TeePlatform, SIMULATED_CERTIFIER,
};
use teeid_ta_core::{Platform, PlatformError, StorageError};
use teeid_ta_protocol::TA_UUID_BYTES;

use crate::{
	device::AttestationKey,
	storage::{Device, SealedStorage},
};

/// The device certifiers the simulated TA accepts: the simulated certifier only, whose secret
/// seed is public. Its certificates prove nothing and say `Simulated`, like everything else the
/// simulation makes.
pub const ACCEPTED_CERTIFIERS: &[[u8; 32]] = &[SIMULATED_CERTIFIER];

/// The TA's platform in the simulation process.
pub struct SimPlatform {
	storage: SealedStorage,
	attestation: AttestationKey,
	measurement: Measurement,
}

impl SimPlatform {
	/// The platform of the simulated device under `state_dir`, measuring `code` (the
	/// simulation's executable).
	pub fn open(state_dir: &Path, code: &Path) -> io::Result<Self> {
		let device = Device::open(state_dir)?;
		let storage = device.storage(TA_UUID_BYTES)?;
		let attestation = AttestationKey::open(&device)?;
		let measurement = Sha256::digest(std::fs::read(code)?).into();
		Ok(Self { storage, attestation, measurement })
	}
}

impl Platform for SimPlatform {
	fn platform(&self) -> TeePlatform {
		TeePlatform::Simulated
	}

	fn fill_random(&mut self, out: &mut [u8]) -> Result<(), PlatformError> {
		OsRng.try_fill_bytes(out).map_err(|_| PlatformError)
	}

	fn load(&mut self, id: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
		self.storage.load(id)
	}

	fn store(&mut self, id: &[u8], data: &[u8]) -> Result<(), StorageError> {
		self.storage.store(id, data)
	}

	fn measurement(&mut self) -> Result<Measurement, PlatformError> {
		Ok(self.measurement)
	}

	fn evidence(&mut self, nonce: [u8; 32]) -> Result<PlatformEvidence, PlatformError> {
		self.attestation.evidence(self.measurement, nonce).ok_or(PlatformError)
	}

	fn device_key(&mut self) -> Result<DeviceKey, PlatformError> {
		Ok(self.attestation.public().clone())
	}

	fn accepted_certifiers(&self) -> &[[u8; 32]] {
		ACCEPTED_CERTIFIERS
	}
}
