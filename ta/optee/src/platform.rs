//! The TA's platform under OP-TEE.

use alloc::vec::Vec;
use optee_utee::{
	DataFlag, ErrorKind, ObjectStorageConstants, ParamIndex, PersistentObject, Random,
	TaSessionBuilder, TeeParams, Uuid,
};
use teeid_primitives::attestation::{DeviceKey, Measurement, PlatformEvidence, TeePlatform};
use teeid_ta_core::{Platform, PlatformError, StorageError};

/// OP-TEE's attestation pseudo TA (`CFG_ATTESTATION_PTA=y`).
const ATTESTATION_PTA: &str = "39800861-182a-4720-9b67-2bcd622bc0b5";
/// Out: exponent, modulus, signature algorithm.
const GET_PUBKEY: u32 = 0x0;
/// In: nonce. Out: SHA-256 of the calling TA's memory, then its signature.
const HASH_TA_MEMORY: u32 = 0x2;
/// The largest RSA key the PTA may use, in bytes.
const MAX_RSA_BYTES: usize = 512;

// `DEVICE_CERTIFIERS`: the device certifiers this TA accepts, written by `build.rs` from the
// build-time variable `TEEID_DEVICE_CERTIFIERS`. Compiled into the TA, so part of the
// measurement the chain allows: a host cannot add a certifier without changing the code.
include!(concat!(env!("OUT_DIR"), "/device_certifiers.rs"));

/// OP-TEE services, with the device key read once.
#[derive(Default)]
pub struct OpteePlatform {
	device_key: Option<DeviceKey>,
}

impl OpteePlatform {
	fn pta() -> Result<optee_utee::TaSession, PlatformError> {
		let uuid = Uuid::parse_str(ATTESTATION_PTA).map_err(|_| PlatformError)?;
		TaSessionBuilder::new(uuid).build().map_err(|_| PlatformError)
	}

	/// `HASH_TA_MEMORY`: the measurement and its signature over `nonce`.
	fn hash_ta_memory(
		&mut self,
		nonce: &[u8; 32],
	) -> Result<(Measurement, Vec<u8>), PlatformError> {
		let mut out = [0u8; 32 + MAX_RSA_BYTES];
		let written = {
			let mut params = TeeParams::new()
				.with_memref_in(ParamIndex::Arg0, nonce)
				.with_memref_out(ParamIndex::Arg1, &mut out);
			Self::pta()?.invoke_command(HASH_TA_MEMORY, &mut params).map_err(|_| PlatformError)?;
			params[ParamIndex::Arg1].written_slice().map(<[u8]>::len).ok_or(PlatformError)?
		};
		if written <= 32 {
			return Err(PlatformError);
		}
		let mut measurement = [0u8; 32];
		measurement.copy_from_slice(&out[..32]);
		Ok((measurement, out[32..written].to_vec()))
	}
}

impl Platform for OpteePlatform {
	fn platform(&self) -> TeePlatform {
		TeePlatform::OpTee
	}

	fn fill_random(&mut self, out: &mut [u8]) -> Result<(), PlatformError> {
		Random::generate(out);
		Ok(())
	}

	fn load(&mut self, id: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
		let flags = DataFlag::ACCESS_READ | DataFlag::SHARE_READ;
		match PersistentObject::open(ObjectStorageConstants::Private, id, flags) {
			Ok(mut object) => {
				object.read_remaining_to_vec().map(Some).map_err(|e| storage_error(e.kind()))
			},
			Err(e) if e.kind() == ErrorKind::ItemNotFound => Ok(None),
			Err(e) => Err(storage_error(e.kind())),
		}
	}

	fn store(&mut self, id: &[u8], data: &[u8]) -> Result<(), StorageError> {
		// Creating with OVERWRITE replaces the object atomically.
		let flags = DataFlag::ACCESS_READ
			| DataFlag::ACCESS_WRITE
			| DataFlag::ACCESS_WRITE_META
			| DataFlag::OVERWRITE;
		PersistentObject::create(ObjectStorageConstants::Private, id, flags, None, data)
			.map(drop)
			.map_err(|e| storage_error(e.kind()))
	}

	fn measurement(&mut self) -> Result<Measurement, PlatformError> {
		self.hash_ta_memory(&[0u8; 32]).map(|(measurement, _)| measurement)
	}

	fn evidence(&mut self, nonce: [u8; 32]) -> Result<PlatformEvidence, PlatformError> {
		let device_key = self.device_key()?;
		let (measurement, signature) = self.hash_ta_memory(&nonce)?;
		Ok(PlatformEvidence {
			device_key,
			measurement,
			nonce,
			signature: signature.try_into().map_err(|_| PlatformError)?,
		})
	}

	/// `GET_PUBKEY`, asked once.
	fn device_key(&mut self) -> Result<DeviceKey, PlatformError> {
		if let Some(key) = &self.device_key {
			return Ok(key.clone());
		}
		let mut exponent = [0u8; 8];
		let mut modulus = [0u8; MAX_RSA_BYTES];
		let (exponent_len, modulus_len) = {
			let mut params = TeeParams::new()
				.with_memref_out(ParamIndex::Arg0, &mut exponent)
				.with_memref_out(ParamIndex::Arg1, &mut modulus)
				.with_value_out(ParamIndex::Arg2, 0, 0);
			Self::pta()?.invoke_command(GET_PUBKEY, &mut params).map_err(|_| PlatformError)?;
			let len = |index| params[index].written_slice().map(<[u8]>::len).ok_or(PlatformError);
			(len(ParamIndex::Arg0)?, len(ParamIndex::Arg1)?)
		};
		let key = DeviceKey {
			exponent: exponent[..exponent_len].to_vec().try_into().map_err(|_| PlatformError)?,
			modulus: modulus[..modulus_len].to_vec().try_into().map_err(|_| PlatformError)?,
		};
		self.device_key = Some(key.clone());
		Ok(key)
	}

	fn accepted_certifiers(&self) -> &[[u8; 32]] {
		DEVICE_CERTIFIERS
	}
}

fn storage_error(kind: ErrorKind) -> StorageError {
	match kind {
		ErrorKind::CorruptObject | ErrorKind::CorruptObject2 | ErrorKind::MacInvalid => {
			StorageError::Tampered
		},
		_ => StorageError::Failed,
	}
}
