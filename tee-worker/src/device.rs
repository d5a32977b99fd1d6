//! Device certificates: provisioning a TEE with its certifier's certificate (`teeid-worker
//! device key | certify | install`, docs/operations.md section 5.1), and the daemon's check
//! that its TA holds one for the chain.
//!
//! A device certifier (the network's provisioning authority) signs a certificate of the
//! device's attestation key for one platform and one chain; the TA keeps it in sealed state and
//! puts it in every report and every network key export. The three commands move the key and
//! the certificate as JSON files: the device's key goes from the board to the certifier's
//! machine, the certificate back.

use codec::{DecodeAll, Encode};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use std::path::Path;
use teeid_primitives::{
	attestation::{DeviceCertificate, DeviceKey, TeePlatform, SIMULATED_CERTIFIER_SEED},
	signing::Anchor,
	Hash,
};
use teeid_ta_protocol::{certificate, credential::platform_name, Command, Reply};

use crate::{
	config::LocalSettings, daemon::open_tee, error::WorkerError, expect_reply, tee::Tee,
	worker::Worker,
};

/// A device's attestation key as `device key` prints it and `device certify` reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeviceKeyFile {
	/// The platform the TA runs on: `OpTee` or `Simulated`.
	pub platform: String,
	/// The RSA public exponent, big-endian, `0x` hex.
	pub exponent: String,
	/// The RSA modulus, big-endian, `0x` hex.
	pub modulus: String,
	/// The fingerprint a certificate names (blake2-256 of `teeid/device-key` and the key's
	/// SCALE encoding), `0x` hex: for people to compare with what the board shows.
	pub fingerprint: String,
}

/// A device certificate as `device certify` prints it and `device install` reads it: the
/// certificate itself (`scale`) and its members for people to read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CertificateFile {
	/// The `DeviceCertificate`, SCALE-encoded, `0x` hex: what is installed.
	pub scale: String,
	/// The certifier's Ed25519 public key, `0x` hex.
	pub certifier: String,
	/// The platform it certifies the device as: `OpTee` or `Simulated`.
	pub platform: String,
	/// The fingerprint of the device key it certifies, `0x` hex.
	pub device_key: String,
	/// The genesis hash of the chain it is for, `0x` hex.
	pub genesis_hash: String,
	/// Its serial number, in decimal (a string: JSON numbers lose digits past 2^53).
	pub serial: Option<String>,
	/// The certifier's signature, `0x` hex.
	pub signature: String,
}

fn hex0x(bytes: &[u8]) -> String {
	format!("0x{}", hex::encode(bytes))
}

fn hex_bytes(text: &str, what: &str) -> Result<Vec<u8>, WorkerError> {
	let digits = text
		.trim()
		.strip_prefix("0x")
		.ok_or_else(|| WorkerError::BadRequest(format!("{what} is not 0x-prefixed hex")))?;
	hex::decode(digits).map_err(|_| WorkerError::BadRequest(format!("{what} is not hex")))
}

/// The platform `name` names (`OpTee` or `Simulated`, as credentials and the chain spell it).
fn platform_named(name: &str) -> Option<TeePlatform> {
	[TeePlatform::OpTee, TeePlatform::Simulated]
		.into_iter()
		.find(|platform| platform_name(*platform) == name)
}

impl DeviceKeyFile {
	/// The file for `key` of a `platform` device.
	pub fn new(platform: TeePlatform, key: &DeviceKey) -> Self {
		Self {
			platform: platform_name(platform).into(),
			exponent: hex0x(&key.exponent),
			modulus: hex0x(&key.modulus),
			fingerprint: hex0x(&key.fingerprint()),
		}
	}

	/// The platform and key the file holds, checked: a known platform, an RSA key of a size
	/// and exponent the chain accepts, and a fingerprint that is this key's (a file edited
	/// on its way is refused).
	pub fn read(&self) -> Result<(TeePlatform, DeviceKey), WorkerError> {
		let platform = platform_named(&self.platform).ok_or_else(|| {
			WorkerError::BadRequest(format!(
				"`platform` is `{}`, not `OpTee` or `Simulated`",
				self.platform
			))
		})?;
		let too_long = |what: &str| WorkerError::BadRequest(format!("`{what}` is too long"));
		let key = DeviceKey {
			exponent: hex_bytes(&self.exponent, "`exponent`")?
				.try_into()
				.map_err(|_| too_long("exponent"))?,
			modulus: hex_bytes(&self.modulus, "`modulus`")?
				.try_into()
				.map_err(|_| too_long("modulus"))?,
		};
		key.to_rsa().map_err(|_| {
			WorkerError::BadRequest(
				"the key is not an RSA key of 2048 to 4096 bits with exponent 65537".into(),
			)
		})?;
		if hex_bytes(&self.fingerprint, "`fingerprint`")? != key.fingerprint() {
			return Err(WorkerError::BadRequest(format!(
				"`fingerprint` is not the key's ({}): the file was changed",
				hex0x(&key.fingerprint())
			)));
		}
		Ok((platform, key))
	}
}

impl CertificateFile {
	/// The file for `certificate`.
	pub fn new(certificate: &DeviceCertificate) -> Self {
		let payload = &certificate.payload;
		Self {
			scale: hex0x(&certificate.encode()),
			certifier: hex0x(&certificate.certifier.0),
			platform: platform_name(certificate.platform()).into(),
			device_key: hex0x(&payload.body.device_key),
			genesis_hash: hex0x(payload.genesis_hash.as_bytes()),
			serial: match payload.anchor {
				Anchor::Nonce(serial) => Some(serial.to_string()),
				Anchor::Block { .. } => None,
			},
			signature: hex0x(&certificate.signature.0),
		}
	}

	/// The certificate in `scale`, once its members agree with it (a file edited on its way
	/// is refused rather than installed as something other than it says).
	pub fn certificate(&self) -> Result<DeviceCertificate, WorkerError> {
		let bytes = hex_bytes(&self.scale, "`scale`")?;
		let certificate = DeviceCertificate::decode_all(&mut &bytes[..]).map_err(|_| {
			WorkerError::BadRequest("`scale` is not a SCALE-encoded device certificate".into())
		})?;
		if Self::new(&certificate) != *self {
			return Err(WorkerError::BadRequest(
				"the readable members do not match `scale`: the file was changed".into(),
			));
		}
		Ok(certificate)
	}
}

/// Reads a file named on the command line (bad input if it cannot be read).
fn read_text(path: &Path) -> Result<String, WorkerError> {
	std::fs::read_to_string(path)
		.map_err(|e| WorkerError::BadRequest(format!("{}: {e}", path.display())))
}

/// Reads a JSON file of type `T` (`what` names it in errors).
fn read_file<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> Result<T, WorkerError> {
	serde_json::from_str(&read_text(path)?)
		.map_err(|e| WorkerError::BadRequest(format!("{}: not a {what} file: {e}", path.display())))
}

/// The certifier's secret seed from `path`: 32 bytes, `0x` hex.
fn read_seed(path: &Path) -> Result<[u8; 32], WorkerError> {
	use std::os::unix::fs::PermissionsExt;
	let text = read_text(path)?;
	if std::fs::metadata(path).is_ok_and(|meta| meta.permissions().mode() & 0o077 != 0) {
		tracing::warn!(file = %path.display(), "the certifier's seed is readable by other users");
	}
	hex_bytes(&text, &path.display().to_string())?.try_into().map_err(|_| {
		WorkerError::BadRequest(format!(
			"{}: not a 32-byte seed (0x and 64 hex digits)",
			path.display()
		))
	})
}

/// The device's attestation key, read through the TA.
async fn device_key(tee: &Tee) -> Result<(TeePlatform, DeviceKey), WorkerError> {
	let reply = tee.call(Command::DeviceKey).await?;
	Ok(expect_reply!(reply, Reply::DeviceKey { platform, key } => (platform, key), "DeviceKey")?)
}

/// Installs `certificate` in the TA, which checks it and seals it.
async fn install_certificate(tee: &Tee, certificate: DeviceCertificate) -> Result<(), WorkerError> {
	let reply = tee.call(Command::InstallCertificate(certificate)).await?;
	Ok(expect_reply!(reply, Reply::CertificateInstalled => (), "InstallCertificate")?)
}

/// `teeid-worker device key`: the device's attestation key, read through its TA. A
/// simulation started for this is stopped again.
pub async fn key(local: &LocalSettings) -> Result<DeviceKeyFile, WorkerError> {
	let tee = open_tee(local)?;
	let read = device_key(&tee).await;
	tee.stop_started();
	let (platform, key) = read?;
	Ok(DeviceKeyFile::new(platform, &key))
}

/// `teeid-worker device certify`: the certificate of the device key in `device_key_file` for
/// the chain with genesis hash `genesis`, by the certifier whose seed is in `seed_file`, with
/// serial number `serial` (random if `None`). Needs neither a TEE nor the chain.
pub fn certify(
	seed_file: &Path,
	device_key_file: &Path,
	genesis: &str,
	serial: Option<u64>,
) -> Result<CertificateFile, WorkerError> {
	let seed = read_seed(seed_file)?;
	let (platform, key) = read_file::<DeviceKeyFile>(device_key_file, "device key")?
		.read()
		.map_err(|e| WorkerError::BadRequest(format!("{}: {e}", device_key_file.display())))?;
	let genesis: [u8; 32] = hex_bytes(genesis, "--genesis")?.try_into().map_err(|_| {
		WorkerError::BadRequest("--genesis is not a 32-byte hash (0x and 64 hex digits)".into())
	})?;
	let serial = serial.unwrap_or_else(|| OsRng.next_u64());
	let certificate = certificate::certify(&seed, platform, &key, Hash::from(genesis), serial);
	Ok(CertificateFile::new(&certificate))
}

/// `teeid-worker device install`: installs the certificate in `file` in the TA. The signature
/// is checked here first, so a damaged file is named before the TA refuses it. A simulation
/// started for this is stopped again.
pub async fn install(local: &LocalSettings, file: &Path) -> Result<CertificateFile, WorkerError> {
	let certificate = read_file::<CertificateFile>(file, "device certificate")?
		.certificate()
		.map_err(|e| WorkerError::BadRequest(format!("{}: {e}", file.display())))?;
	if !certificate::verify(&certificate) {
		return Err(WorkerError::BadRequest(format!(
			"{}: the certifier's signature does not verify",
			file.display()
		)));
	}
	let installed = CertificateFile::new(&certificate);
	let tee = open_tee(local)?;
	let result = install_certificate(&tee, certificate).await;
	tee.stop_started();
	result.map(|()| installed)
}

/// Makes sure the worker's TA holds a device certificate for the chain: a simulated TA is
/// provisioned with the simulated certifier (whose seed is public, so its certificates prove
/// nothing, and say `Simulated`); an OP-TEE TA must have been provisioned by its certifier.
pub async fn ensure_certified(worker: &Worker) -> Result<(), WorkerError> {
	let genesis = worker.chain.genesis_hash();
	let identity = worker.identity();
	let held = identity.certificate.as_ref().map(|c| c.payload.genesis_hash);
	if held == Some(genesis) {
		return Ok(());
	}
	match identity.platform {
		TeePlatform::Simulated => {
			let (platform, key) = device_key(&worker.tee).await?;
			let certificate = certificate::certify(
				&SIMULATED_CERTIFIER_SEED,
				platform,
				&key,
				genesis,
				OsRng.next_u64(),
			);
			install_certificate(&worker.tee, certificate).await?;
			worker.refresh_identity().await?;
			tracing::info!("certified the simulated device with the simulated device certifier");
			Ok(())
		},
		TeePlatform::OpTee => {
			let held = match held {
				Some(other) => format!(" (it holds one for the chain with genesis {other:?})"),
				None => String::new(),
			};
			Err(WorkerError::Conflict(format!(
				"the TA has no device certificate for this chain (genesis {genesis:?}){held}: \
				 provision the device with `teeid-worker device key`, `teeid-worker device \
				 certify` and `teeid-worker device install` (docs/operations.md, section 5.1)"
			)))
		},
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use teeid_primitives::attestation::testing;

	const SEED: [u8; 32] = [7; 32];

	fn genesis() -> Hash {
		Hash::repeat_byte(3)
	}

	fn op_tee_certificate() -> DeviceCertificate {
		certificate::certify(
			&SEED,
			TeePlatform::OpTee,
			&testing::device_public_key(),
			genesis(),
			u64::MAX,
		)
	}

	#[test]
	fn a_device_key_file_round_trips_works() {
		let key = testing::device_public_key();
		let file = DeviceKeyFile::new(TeePlatform::OpTee, &key);
		assert_eq!(file.platform, "OpTee");
		assert_eq!(file.exponent, "0x010001");
		let json = serde_json::to_string(&file).unwrap();
		let read: DeviceKeyFile = serde_json::from_str(&json).unwrap();
		assert_eq!(read.read().unwrap(), (TeePlatform::OpTee, key));
	}

	#[test]
	fn a_changed_device_key_file_is_refused_fails() {
		let key = testing::device_public_key();
		let mut other_modulus = DeviceKeyFile::new(TeePlatform::OpTee, &key);
		let last = other_modulus.modulus.pop().unwrap();
		other_modulus.modulus.push(if last == '1' { '3' } else { '1' });
		let error = other_modulus.read().unwrap_err().to_string();
		assert!(error.contains("the file was changed"), "{error}");

		let mut other_platform = DeviceKeyFile::new(TeePlatform::OpTee, &key);
		other_platform.platform = "Sgx".into();
		let error = other_platform.read().unwrap_err().to_string();
		assert!(error.contains("not `OpTee` or `Simulated`"), "{error}");

		let mut no_prefix = DeviceKeyFile::new(TeePlatform::OpTee, &key);
		no_prefix.exponent = "010001".into();
		let error = no_prefix.read().unwrap_err().to_string();
		assert!(error.contains("`exponent` is not 0x-prefixed hex"), "{error}");
	}

	#[test]
	fn a_certificate_file_shows_what_it_holds_works() {
		let certificate = op_tee_certificate();
		let file = CertificateFile::new(&certificate);
		assert_eq!(file.platform, "OpTee");
		assert_eq!(file.serial.as_deref(), Some("18446744073709551615"));
		assert_eq!(file.genesis_hash, hex0x(genesis().as_bytes()));
		assert_eq!(file.device_key, hex0x(&testing::device_public_key().fingerprint()));
		assert_eq!(file.certificate().unwrap(), certificate);
		assert!(certificate::verify(&file.certificate().unwrap()));
	}

	#[test]
	fn a_certificate_file_whose_members_disagree_is_refused_fails() {
		let mut file = CertificateFile::new(&op_tee_certificate());
		file.platform = "Simulated".into();
		let error = file.certificate().unwrap_err().to_string();
		assert!(error.contains("do not match `scale`"), "{error}");

		let mut truncated = CertificateFile::new(&op_tee_certificate());
		truncated.scale.truncate(truncated.scale.len() - 2);
		let error = truncated.certificate().unwrap_err().to_string();
		assert!(error.contains("not a SCALE-encoded device certificate"), "{error}");
	}

	#[test]
	fn certify_reads_its_files_and_names_bad_input_fails() {
		let dir = tempfile::tempdir().unwrap();
		let seed = dir.path().join("certifier.seed");
		std::fs::write(&seed, format!("{}\n", hex0x(&SEED))).unwrap();
		let key = dir.path().join("device-key.json");
		let key_file = DeviceKeyFile::new(TeePlatform::OpTee, &testing::device_public_key());
		std::fs::write(&key, serde_json::to_string(&key_file).unwrap()).unwrap();
		let genesis = hex0x(genesis().as_bytes());

		let made = certify(&seed, &key, &genesis, Some(5)).unwrap();
		assert_eq!(made.serial.as_deref(), Some("5"));
		let expected = certificate::certify(
			&SEED,
			TeePlatform::OpTee,
			&testing::device_public_key(),
			self::genesis(),
			5,
		);
		assert_eq!(made.certificate().unwrap(), expected);
		// A random serial when none is given.
		assert_ne!(certify(&seed, &key, &genesis, None).unwrap().serial.as_deref(), Some("5"));

		let error = certify(&seed, &key, "0x1234", None).unwrap_err().to_string();
		assert!(error.contains("--genesis is not a 32-byte hash"), "{error}");
		let missing = dir.path().join("missing.json");
		let error = certify(&seed, &missing, &genesis, None).unwrap_err().to_string();
		assert!(error.contains("missing.json"), "{error}");
		std::fs::write(&key, "{}").unwrap();
		let error = certify(&seed, &key, &genesis, None).unwrap_err().to_string();
		assert!(error.contains("not a device key file"), "{error}");
		std::fs::write(&seed, "0x1234").unwrap();
		let error = certify(&seed, &key, &genesis, None).unwrap_err().to_string();
		assert!(error.contains("not a 32-byte seed"), "{error}");
	}
}
