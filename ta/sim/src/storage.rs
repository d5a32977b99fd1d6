//! Sealed storage, keyed the way OP-TEE keys its secure storage.

use aes_gcm::{aead::Aead, Aes256Gcm, KeyInit};
use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use std::{
	fs,
	io::{self, Write},
	path::{Path, PathBuf},
};
use teeid_ta_core::StorageError;

/// The simulated chip id that OP-TEE mixes into the SSK.
const CHIP_ID: &[u8] = b"teeid-simulated-chip";
/// The constant OP-TEE's key manager appends when deriving the SSK.
const SSK_LABEL: &[u8] = b"ONLY_FOR_tee_fs_ssk";
/// The magic and version at the start of every object file.
const MAGIC: &[u8; 8] = b"TEEIDSO1";

/// The simulated device: its hardware unique key, in `<state>/device/huk`.
pub struct Device {
	huk: [u8; 32],
	root: PathBuf,
}

impl Device {
	/// Opens the device whose state is under `root`, creating its HUK on first use.
	pub fn open(root: &Path) -> io::Result<Self> {
		let dir = root.join("device");
		fs::create_dir_all(&dir)?;
		let path = dir.join("huk");
		let huk = match fs::read(&path) {
			Ok(bytes) => bytes.try_into().map_err(|_| {
				io::Error::new(io::ErrorKind::InvalidData, "the HUK is not 32 bytes")
			})?,
			Err(e) if e.kind() == io::ErrorKind::NotFound => {
				let mut huk = [0u8; 32];
				OsRng.fill_bytes(&mut huk);
				write_private(&path, &huk)?;
				huk
			},
			Err(e) => return Err(e),
		};
		Ok(Self { huk, root: root.to_path_buf() })
	}

	/// The secure storage of the TA (or pseudo TA) with UUID bytes `uuid`.
	pub fn storage(&self, uuid: [u8; 16]) -> io::Result<SealedStorage> {
		let ssk = hmac(&self.huk, &[CHIP_ID, SSK_LABEL]);
		let tsk = hmac(&ssk, &[&uuid]);
		let dir = self.root.join("objects").join(hex::encode(uuid));
		fs::create_dir_all(&dir)?;
		let cipher = Aes256Gcm::new_from_slice(&tsk).expect("a 32-byte key");
		Ok(SealedStorage { dir, uuid, cipher })
	}
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
	let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key");
	for part in parts {
		mac.update(part);
	}
	mac.finalize().into_bytes().into()
}

/// Writes `bytes` to `path` atomically (a temporary file, fsync, rename), readable by the owner
/// only.
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
	use std::os::unix::fs::OpenOptionsExt;
	let temporary = path.with_extension("tmp");
	let mut file = fs::OpenOptions::new()
		.write(true)
		.create(true)
		.truncate(true)
		.mode(0o600)
		.open(&temporary)?;
	file.write_all(bytes)?;
	file.sync_all()?;
	fs::rename(&temporary, path)
}

/// One TA's sealed objects: `<state>/objects/<uuid>/<sha256(id)>`, each
/// `MAGIC ‖ nonce ‖ AES-256-GCM(TSK, nonce, data, aad = uuid ‖ id)`.
pub struct SealedStorage {
	dir: PathBuf,
	uuid: [u8; 16],
	cipher: Aes256Gcm,
}

impl SealedStorage {
	fn path(&self, id: &[u8]) -> PathBuf {
		self.dir.join(hex::encode(Sha256::digest(id)))
	}

	fn aad(&self, id: &[u8]) -> Vec<u8> {
		[&self.uuid[..], id].concat()
	}

	/// Reads and authenticates object `id`.
	pub fn load(&self, id: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
		let bytes = match fs::read(self.path(id)) {
			Ok(bytes) => bytes,
			Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
			Err(_) => return Err(StorageError::Failed),
		};
		if bytes.len() < MAGIC.len() + 12 || &bytes[..MAGIC.len()] != MAGIC {
			return Err(StorageError::Tampered);
		}
		let (nonce, ciphertext) = bytes[MAGIC.len()..].split_at(12);
		self.cipher
			.decrypt(
				aes_gcm::Nonce::from_slice(nonce),
				aes_gcm::aead::Payload { msg: ciphertext, aad: &self.aad(id) },
			)
			.map(Some)
			.map_err(|_| StorageError::Tampered)
	}

	/// Seals and writes object `id`, replacing it atomically.
	pub fn store(&self, id: &[u8], data: &[u8]) -> Result<(), StorageError> {
		let mut nonce = [0u8; 12];
		OsRng.fill_bytes(&mut nonce);
		let ciphertext = self
			.cipher
			.encrypt(
				aes_gcm::Nonce::from_slice(&nonce),
				aes_gcm::aead::Payload { msg: data, aad: &self.aad(id) },
			)
			.map_err(|_| StorageError::Failed)?;
		let bytes = [&MAGIC[..], &nonce, &ciphertext].concat();
		write_private(&self.path(id), &bytes).map_err(|_| StorageError::Failed)
	}

	/// The file object `id` is sealed in (tests tamper with it).
	pub fn object_path(&self, id: &[u8]) -> PathBuf {
		self.path(id)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn objects_round_trip_and_tampering_is_detected() {
		let dir = tempfile::tempdir().unwrap();
		let device = Device::open(dir.path()).unwrap();
		let storage = device.storage([1; 16]).unwrap();
		assert_eq!(storage.load(b"a"), Ok(None));
		storage.store(b"a", b"secret").unwrap();
		assert_eq!(storage.load(b"a"), Ok(Some(b"secret".to_vec())));

		// Another TA of the same device cannot read it, even given the file.
		let other = device.storage([2; 16]).unwrap();
		fs::copy(storage.object_path(b"a"), other.object_path(b"a")).unwrap();
		assert_eq!(other.load(b"a"), Err(StorageError::Tampered));

		// An object moved to another id is refused.
		fs::copy(storage.object_path(b"a"), storage.object_path(b"b")).unwrap();
		assert_eq!(storage.load(b"b"), Err(StorageError::Tampered));

		// A flipped bit is refused.
		let path = storage.object_path(b"a");
		let mut bytes = fs::read(&path).unwrap();
		*bytes.last_mut().unwrap() ^= 1;
		fs::write(&path, bytes).unwrap();
		assert_eq!(storage.load(b"a"), Err(StorageError::Tampered));
	}

	#[test]
	fn another_device_cannot_open_the_objects() {
		let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
		let first = Device::open(one.path()).unwrap().storage([1; 16]).unwrap();
		let second = Device::open(two.path()).unwrap().storage([1; 16]).unwrap();
		first.store(b"a", b"secret").unwrap();
		fs::copy(first.object_path(b"a"), second.object_path(b"a")).unwrap();
		assert_eq!(second.load(b"a"), Err(StorageError::Tampered));
	}

	#[test]
	fn the_huk_persists() {
		let dir = tempfile::tempdir().unwrap();
		Device::open(dir.path()).unwrap().storage([1; 16]).unwrap().store(b"a", b"x").unwrap();
		let again = Device::open(dir.path()).unwrap().storage([1; 16]).unwrap();
		assert_eq!(again.load(b"a"), Ok(Some(b"x".to_vec())));
	}
}
