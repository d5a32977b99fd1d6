//! The TA's sealed state: its keys, the network key, its device certificate, its counters and
//! the newest block it has seen, kept as one object in secure storage.
//!
//! Under OP-TEE the object lives in the TA's private persistent storage, encrypted and
//! authenticated with keys derived from the device's hardware unique key and the TA's UUID; the
//! simulation derives its keys the same way. Whatever the platform, a blob that does not
//! authenticate, or authenticates but does not decode as this state, stops the TA.

use codec::{Decode, DecodeAll, Encode};
use teeid_primitives::{
	attestation::{network_key_fingerprint, DeviceCertificate},
	BlockNumber, Hash,
};
use teeid_ta_protocol::{command::NetworkKeyInfo, TaError};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroize;

use crate::{
	platform::{Platform, StorageError},
	Ta,
};

/// The storage id of the sealed state.
pub const STATE_OBJECT: &[u8] = b"teeid/state";

/// The version of [`SealedState`]'s encoding. Version 2 appended the device certificate and
/// the newest block to version 1's fields; a version 1 state still loads (no certificate,
/// newest block 0) and is sealed as version 2 from its next seal on, so a TA updated in place
/// keeps its keys and network key.
const STATE_VERSION: u8 = 2;

/// The version sealed before device certificates and chain time.
const STATE_VERSION_1: u8 = 1;

/// How many issuances one seal of [`SealedState::issued_reserved`] covers: one storage write per
/// this many credentials, and at most this many minus one counted but never issued when the TA
/// dies (a storage write costs milliseconds under OP-TEE, an issuance well under one).
pub const ISSUANCE_RESERVATION: u64 = 1024;

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

/// Everything the TA keeps across restarts. Encoded by hand ([`STATE_VERSION`], then the
/// fields in order, `issued_total` aside), so that a state of an earlier version decodes.
#[derive(Clone)]
pub struct SealedState {
	signing_seed: [u8; 32],
	agreement_secret: [u8; 32],
	/// The network key, once created or imported.
	pub network: Option<NetworkSecret>,
	/// The endorser the network key was imported from: the one endorsement this TA
	/// countersigns.
	pub imported_from: Option<[u8; 32]>,
	/// The high-water mark of [`Self::issued_total`]: the TA issues past it only after sealing
	/// a new one, [`ISSUANCE_RESERVATION`] higher, and a restarted TA resumes its count from
	/// it. Sealing a count per credential would cost a storage write each; sealing it only with
	/// work reports made a TA that died forget what it issued since the last one. Sealed where
	/// the issued count was sealed before, so the encoding is unchanged.
	pub issued_reserved: u64,
	/// Credentials covered by work reports so far.
	pub reported_total: u64,
	/// The last slot a work report was signed for.
	pub last_slot: Option<u32>,
	/// This device's certificate, once installed: what the TA's reports and endorsements
	/// carry.
	pub certificate: Option<DeviceCertificate>,
	/// The newest block the TA has seen: the newest an issuance named, or a work report's
	/// anchor. Issuance against an older block is refused. Advanced in memory by every
	/// issuance and sealed with whatever is sealed next (an issuance reservation, a work
	/// report), so a restarted TA resumes from at most one reservation or one slot back.
	pub newest_block: BlockNumber,
	/// Credentials issued since the keys were generated: exact while the TA runs; after a
	/// restart it resumes from [`Self::issued_reserved`], so it may count up to
	/// [`ISSUANCE_RESERVATION`] - 1 credentials that were never issued, but never misses one
	/// that was. Not sealed itself (`issued_reserved` is).
	pub issued_total: u64,
}

impl Encode for SealedState {
	fn encode_to<O: codec::Output + ?Sized>(&self, out: &mut O) {
		STATE_VERSION.encode_to(out);
		self.signing_seed.encode_to(out);
		self.agreement_secret.encode_to(out);
		self.network.encode_to(out);
		self.imported_from.encode_to(out);
		self.issued_reserved.encode_to(out);
		self.reported_total.encode_to(out);
		self.last_slot.encode_to(out);
		self.certificate.encode_to(out);
		self.newest_block.encode_to(out);
	}
}

impl Decode for SealedState {
	fn decode<I: codec::Input>(input: &mut I) -> Result<Self, codec::Error> {
		let version = u8::decode(input)?;
		if version != STATE_VERSION && version != STATE_VERSION_1 {
			return Err("a sealed state of an unknown version".into());
		}
		let mut state = Self {
			signing_seed: Decode::decode(input)?,
			agreement_secret: Decode::decode(input)?,
			network: Decode::decode(input)?,
			imported_from: Decode::decode(input)?,
			issued_reserved: Decode::decode(input)?,
			reported_total: Decode::decode(input)?,
			last_slot: Decode::decode(input)?,
			certificate: None,
			newest_block: 0,
			issued_total: 0,
		};
		if version == STATE_VERSION {
			state.certificate = Decode::decode(input)?;
			state.newest_block = Decode::decode(input)?;
		}
		Ok(state)
	}
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
				let state = Self::unseal(&bytes);
				bytes.zeroize();
				state
			},
			Ok(None) => {
				let mut seeds = [0u8; 64];
				platform.fill_random(&mut seeds).map_err(|_| TaError::Platform)?;
				let mut state = Self {
					signing_seed: [0; 32],
					agreement_secret: [0; 32],
					network: None,
					imported_from: None,
					issued_reserved: 0,
					reported_total: 0,
					last_slot: None,
					certificate: None,
					newest_block: 0,
					issued_total: 0,
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

	/// The state a sealed blob holds, of this version or an earlier one.
	fn unseal(bytes: &[u8]) -> Result<Self, TaError> {
		let mut state =
			Self::decode_all(&mut &bytes[..]).map_err(|_| TaError::SealedStateTampered)?;
		// What was issued since the last seal is unknown: resume from the reservation, which
		// covers all of it.
		state.issued_total = state.issued_reserved;
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

	/// This device's certificate for the chain with genesis hash `genesis_hash`:
	/// [`TaError::Uncertified`] without one, [`TaError::WrongChain`] if it is for another
	/// chain.
	pub fn certificate_for(&self, genesis_hash: &Hash) -> Result<&DeviceCertificate, TaError> {
		let certificate = self.certificate.as_ref().ok_or(TaError::Uncertified)?;
		if certificate.payload.genesis_hash != *genesis_hash {
			return Err(TaError::WrongChain);
		}
		Ok(certificate)
	}

	/// Refuses an issuance against block `number` if it is older than the newest block seen
	/// ([`TaError::StaleBlock`]).
	pub fn check_fresh(&self, number: BlockNumber) -> Result<(), TaError> {
		if number < self.newest_block {
			return Err(TaError::StaleBlock { newest: self.newest_block });
		}
		Ok(())
	}
}

impl<P: Platform> Ta<P> {
	/// Counts one credential issued against block `block_number`, which becomes the newest
	/// block seen if it is newer. Past the reservation it first seals a new one (with the
	/// newest block); if that seal fails the credential is refused ([`TaError::Storage`])
	/// before it leaves the TA, so the sealed mark always covers every credential handed out.
	pub(crate) fn count_issued(&mut self, block_number: BlockNumber) -> Result<(), TaError> {
		let issued = self.state.issued_total.saturating_add(1);
		let newest = self.state.newest_block.max(block_number);
		if issued > self.state.issued_reserved {
			let reserved = self.state.issued_total.saturating_add(ISSUANCE_RESERVATION);
			self.update_sealed(|state| {
				state.issued_reserved = reserved;
				state.newest_block = newest;
			})?;
		}
		self.state.issued_total = issued;
		self.state.newest_block = newest;
		Ok(())
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::testing::{issuance_request, MemoryPlatform};
	use alloc::vec::Vec;
	use sp_core::H256;
	use teeid_ta_protocol::{command::WorkReportRequest, Command, Reply, Response};

	fn bootstrapped() -> Ta<MemoryPlatform> {
		let mut ta = Ta::start(MemoryPlatform::new(1)).expect("a fresh TA starts");
		ta.execute(Command::CreateNetworkKey { genesis_hash: H256([0x11; 32]) })
			.expect("a fresh TA creates the network key");
		ta
	}

	fn issue(ta: &mut Ta<MemoryPlatform>, n: u64) {
		match ta.execute(Command::IssueCredential(issuance_request(n))) {
			Ok(Reply::Credential(_)) => {},
			other => panic!("issuance {n}: {other:?}"),
		}
	}

	fn work_report(slot: u32, credentials_count: u32) -> Command {
		Command::SignWorkReport(WorkReportRequest {
			slot,
			// The block `issuance_request` names: a later one would make its issuances stale.
			anchor_number: 1,
			anchor_hash: H256([0x22; 32]),
			credentials_root: H256([5; 32]),
			credentials_count,
		})
	}

	fn sealed(ta: &mut Ta<MemoryPlatform>) -> Vec<u8> {
		ta.platform_mut().objects.get(STATE_OBJECT).cloned().expect("the state is sealed")
	}

	#[test]
	fn a_ta_that_dies_before_its_work_report_still_reports_what_it_issued_works() {
		let mut ta = bootstrapped();
		for n in 0..3 {
			issue(&mut ta, n);
		}
		// Dropped without a work report, as a TA killed by OP-TEE (TEE_ERROR_TARGET_DEAD).
		let mut ta = Ta::start(ta.stop()).expect("the TA restarts");
		let resumed = ta.identity().issued_total;
		assert!((3..3 + ISSUANCE_RESERVATION).contains(&resumed), "{resumed}");
		let Ok(Reply::WorkReport { payload, .. }) = ta.execute(work_report(1, 3)) else {
			panic!("the restarted TA refuses to report the 3 credentials it issued")
		};
		assert_eq!(payload.body.credentials_count, 3);
		assert_eq!(payload.body.issued_total, resumed);
		// Issuance goes on from the resumed count, never below it.
		issue(&mut ta, 3);
		assert_eq!(ta.identity().issued_total, resumed + 1);
	}

	#[test]
	fn a_work_report_seals_the_exact_count_works() {
		let mut ta = bootstrapped();
		issue(&mut ta, 0);
		issue(&mut ta, 1);
		ta.execute(work_report(1, 2)).expect("the report is signed");
		let ta = Ta::start(ta.stop()).expect("the TA restarts");
		assert_eq!(ta.identity().issued_total, 2);
	}

	#[test]
	fn the_count_is_sealed_once_per_reservation_not_per_credential_works() {
		let mut ta = bootstrapped();
		let before = sealed(&mut ta);
		ta.count_issued(1).unwrap();
		let first = sealed(&mut ta);
		assert_ne!(first, before);
		assert_eq!(ta.state.issued_reserved, ISSUANCE_RESERVATION);
		for _ in 1..ISSUANCE_RESERVATION {
			ta.count_issued(1).unwrap();
		}
		assert_eq!(ta.state.issued_total, ISSUANCE_RESERVATION);
		assert_eq!(sealed(&mut ta), first);
		ta.count_issued(1).unwrap();
		assert_ne!(sealed(&mut ta), first);
		assert_eq!(ta.state.issued_reserved, 2 * ISSUANCE_RESERVATION);
		assert_eq!(ta.state.issued_total, ISSUANCE_RESERVATION + 1);
	}

	fn issue_at(ta: &mut Ta<MemoryPlatform>, n: u64, block_number: u32) -> Response {
		let mut request = issuance_request(n);
		request.block_number = block_number;
		ta.execute(Command::IssueCredential(request))
	}

	#[test]
	fn the_newest_block_is_sealed_with_reservations_and_work_reports_works() {
		let mut ta = bootstrapped();
		// The first issuance seals a reservation, with its block; the next advances it in
		// memory only.
		issue_at(&mut ta, 0, 40).expect("issued");
		issue_at(&mut ta, 1, 45).expect("issued");
		assert_eq!(ta.identity().newest_block, 45);
		assert_eq!(issue_at(&mut ta, 2, 44), Err(TaError::StaleBlock { newest: 45 }));
		issue_at(&mut ta, 2, 45).expect("the newest block itself is not stale");
		// Restarted, it resumes from the block sealed with the reservation.
		let mut ta = Ta::start(ta.stop()).expect("the TA restarts");
		assert_eq!(ta.identity().newest_block, 40);
		assert_eq!(issue_at(&mut ta, 3, 39), Err(TaError::StaleBlock { newest: 40 }));

		// A work report anchored at an older block (10) seals the newest block as it is in
		// memory.
		let mut ta = bootstrapped();
		issue_at(&mut ta, 0, 40).expect("issued");
		issue_at(&mut ta, 1, 45).expect("issued");
		ta.execute(work_report(1, 2)).expect("the report is signed");
		let mut ta = Ta::start(ta.stop()).expect("the TA restarts");
		assert_eq!(ta.identity().newest_block, 45);
		assert_eq!(issue_at(&mut ta, 2, 44), Err(TaError::StaleBlock { newest: 45 }));
	}

	/// A state sealed as version 1, before device certificates and chain time, by a TA whose
	/// fields were those of version 1: what an updated TA finds in its storage.
	fn version_1_state(ta: &Ta<MemoryPlatform>) -> Vec<u8> {
		let state = &ta.state;
		let mut bytes = STATE_VERSION_1.encode();
		state.signing_seed.encode_to(&mut bytes);
		state.agreement_secret.encode_to(&mut bytes);
		state.network.encode_to(&mut bytes);
		state.imported_from.encode_to(&mut bytes);
		state.issued_reserved.encode_to(&mut bytes);
		state.reported_total.encode_to(&mut bytes);
		state.last_slot.encode_to(&mut bytes);
		bytes
	}

	#[test]
	fn a_version_1_state_loads_and_is_sealed_as_version_2_works() {
		let mut ta = bootstrapped();
		issue(&mut ta, 0);
		ta.execute(work_report(1, 1)).expect("the report is signed");
		let before = ta.identity();
		let old = version_1_state(&ta);
		let mut platform = ta.stop();
		platform.objects.insert(STATE_OBJECT.to_vec(), old);
		let mut ta = Ta::start(platform).expect("a version 1 state loads");
		let identity = ta.identity();
		assert_eq!(identity.signing_key, before.signing_key);
		assert_eq!(identity.agreement_key, before.agreement_key);
		assert_eq!(identity.network_key, before.network_key);
		assert_eq!(identity.issued_total, 1);
		assert_eq!((identity.certificate, identity.newest_block), (None, 0));
		// Its next seal is of this version.
		ta.execute(work_report(2, 0)).expect("the report is signed");
		assert_eq!(sealed(&mut ta)[0], STATE_VERSION);

		let mut unknown = sealed(&mut ta);
		unknown[0] = STATE_VERSION + 1;
		let mut platform = ta.stop();
		platform.objects.insert(STATE_OBJECT.to_vec(), unknown);
		assert!(matches!(Ta::start(platform), Err(TaError::SealedStateTampered)));
	}

	#[test]
	fn an_issuance_whose_reservation_cannot_be_sealed_fails() {
		let mut ta = bootstrapped();
		ta.platform_mut().failing_storage = true;
		assert_eq!(
			ta.execute(Command::IssueCredential(issuance_request(0))),
			Err(TaError::Storage)
		);
		assert_eq!(ta.identity().issued_total, 0);
		ta.platform_mut().failing_storage = false;
		issue(&mut ta, 0);
		assert_eq!(ta.identity().issued_total, 1);
	}
}
