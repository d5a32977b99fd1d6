//! The TA's sealed state: its keys, the network key and its counters, kept as one object in
//! secure storage.
//!
//! Under OP-TEE the object lives in the TA's private persistent storage, encrypted and
//! authenticated with keys derived from the device's hardware unique key and the TA's UUID; the
//! simulation derives its keys the same way. Whatever the platform, a blob that does not
//! authenticate, or authenticates but does not decode as this state, stops the TA.

use codec::{Decode, Encode};
use teeid_primitives::{attestation::network_key_fingerprint, Hash};
use teeid_ta_protocol::{command::NetworkKeyInfo, TaError};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroize;

use crate::platform::{Platform, StorageError};

/// The storage id of the sealed state.
pub const STATE_OBJECT: &[u8] = b"teeid/state";

/// The version of [`SealedState`]'s encoding.
const STATE_VERSION: u8 = 1;

/// The network key and the chain it serves.
#[derive(Clone, Encode, Decode)]
pub struct NetworkSecret {
	/// The X25519 secret.
	pub secret: [u8; 32],
	/// The chain's genesis hash.
	pub genesis_hash: Hash,
}

impl NetworkSecret {
	/// The X25519 public key.
	pub fn public(&self) -> [u8; 32] {
		PublicKey::from(&StaticSecret::from(self.secret)).to_bytes()
	}

	/// The public part.
	pub fn info(&self) -> NetworkKeyInfo {
		let public = self.public();
		NetworkKeyInfo {
			public,
			fingerprint: network_key_fingerprint(&public),
			genesis_hash: self.genesis_hash,
		}
	}
}

impl Drop for NetworkSecret {
	fn drop(&mut self) {
		self.secret.zeroize();
	}
}

/// Everything the TA keeps across restarts.
#[derive(Clone, Encode, Decode)]
pub struct SealedState {
	version: u8,
	signing_seed: [u8; 32],
	agreement_secret: [u8; 32],
	/// The network key, once created or imported.
	pub network: Option<NetworkSecret>,
	/// The endorser the network key was imported from: the one endorsement this TA
	/// countersigns.
	pub imported_from: Option<[u8; 32]>,
	/// Credentials issued since the keys were generated. Sealed with every work report (not
	/// with every credential, which would cost a storage write each), so after a restart it
	/// resumes from the last report: it never goes backwards in what the chain saw.
	pub issued_total: u64,
	/// Credentials covered by work reports so far.
	pub reported_total: u64,
	/// The last slot a work report was signed for.
	pub last_slot: Option<u32>,
}

impl Drop for SealedState {
	fn drop(&mut self) {
		self.signing_seed.zeroize();
		self.agreement_secret.zeroize();
	}
}

impl SealedState {
	/// Loads the sealed state, or generates fresh keys and seals them if there is none.
	pub fn load_or_create<P: Platform>(platform: &mut P) -> Result<Self, TaError> {
		match platform.load(STATE_OBJECT) {
			Ok(Some(mut bytes)) => {
				let state = Self::decode_all(&bytes);
				bytes.zeroize();
				state
			},
			Ok(None) => {
				let mut seeds = [0u8; 64];
				platform.fill_random(&mut seeds).map_err(|_| TaError::Platform)?;
				let mut state = Self {
					version: STATE_VERSION,
					signing_seed: [0; 32],
					agreement_secret: [0; 32],
					network: None,
					imported_from: None,
					issued_total: 0,
					reported_total: 0,
					last_slot: None,
				};
				state.signing_seed.copy_from_slice(&seeds[..32]);
				state.agreement_secret.copy_from_slice(&seeds[32..]);
				seeds.zeroize();
				state.save(platform)?;
				Ok(state)
			},
			Err(StorageError::Tampered) => Err(TaError::SealedStateTampered),
			Err(StorageError::Failed) => Err(TaError::Storage),
		}
	}

	fn decode_all(bytes: &[u8]) -> Result<Self, TaError> {
		let state = Self::decode(&mut &bytes[..]).map_err(|_| TaError::SealedStateTampered)?;
		if state.version != STATE_VERSION {
			return Err(TaError::SealedStateTampered);
		}
		Ok(state)
	}

	/// Seals the state.
	pub fn save<P: Platform>(&self, platform: &mut P) -> Result<(), TaError> {
		let mut bytes = self.encode();
		let stored = platform.store(STATE_OBJECT, &bytes).map_err(|_| TaError::Storage);
		bytes.zeroize();
		stored
	}

	/// The Ed25519 signing key.
	pub fn signing_key(&self) -> ed25519_dalek::SigningKey {
		ed25519_dalek::SigningKey::from_bytes(&self.signing_seed)
	}

	/// The X25519 agreement secret.
	pub fn agreement_secret(&self) -> StaticSecret {
		StaticSecret::from(self.agreement_secret)
	}

	/// The X25519 agreement public key.
	pub fn agreement_public(&self) -> [u8; 32] {
		PublicKey::from(&self.agreement_secret()).to_bytes()
	}

	/// The network key, or [`TaError::NoNetworkKey`].
	pub fn network(&self) -> Result<&NetworkSecret, TaError> {
		self.network.as_ref().ok_or(TaError::NoNetworkKey)
	}
}
