//! # Evidence Pallet
//!
//! Append-only evidence (WeIdentity): content hashes (a credential's hash, say) signed by DIDs,
//! with append-only logs, a revocation status, extra keys and Merkle-batch anchoring.
//!
//! ## Overview
//!
//! **Evidence.** An evidence is created once for a 32-byte content hash, which never changes.
//! Each signer is a DID whose signature over the statement "`did` vouches for `hash`" is
//! verified on chain against a key of that DID with the `assertionMethod` relationship. The
//! statement is domain-tagged ([`SigningDomain::Evidence`]) and names the genesis hash and a
//! recent block of this chain, so any account may relay it, nobody can add a signature in
//! someone else's name, and it is never valid on another chain. Further signers add their own
//! signatures to the same evidence. Each signer's record is stored under the pair of hash and
//! DID and paid for by whoever submitted the signature: no limit on signers is shared, so no
//! number of DIDs signing first can keep another DID (a credential's issuer) from signing, or
//! from revoking.
//!
//! **Logs.** A signer appends log entries to evidence it signed; entries are never modified or
//! removed, and each signer has its own counter, so one signer's logs never disturb another's.
//! Storage keeps the counters and the block of each signer's last entry; the entries travel in
//! *linked events*: every event of an evidence carries `previous`, the block in which it
//! changed before the current block (as in the DID registry), so its history is walked back
//! from [`EvidenceInfo::changed`].
//!
//! **Status.** Revoking and un-revoking are log entries whose current value is also kept in
//! storage, per signer: a verifier learns whether the issuer it trusts revoked a credential
//! with one read, and a DID that signs later can neither lift nor impose another signer's
//! revocation.
//!
//! **Extra keys.** A signer may map a custom string (a credential id) to the evidence, in its
//! own namespace: the key is read back together with the DID that set it, and within a DID's
//! namespace the first write wins.
//!
//! **Batches.** A DID anchors the root of a Merkle tree of many hashes (every credential a TEE
//! worker issued in a slot) with its leaf count, at a cost that does not depend on the count.
//! Batches are kept per anchoring DID, so nobody can take over another DID's root by
//! anchoring it first.
//! [`teeid_primitives::merkle`] builds batches and proofs; the runtime API checks a combined
//! proof of several leaves against an anchored root.
//!
//! Deposits are held for every record with the shared mechanism of [`pallet_did::deposit`];
//! evidence is never removed, so neither are they.
//!
//! ## Interface
//!
//! ### Dispatchable functions
//!
//! - `create_evidence`: create an evidence with its first signature (any account relays).
//! - `add_signature`: add another signer's signature (any account relays).
//! - `add_log`: a signer appends a note.
//! - `set_revoked`: a signer revokes or un-revokes.
//! - `set_extra_key`: a signer names the evidence with a custom key.
//! - `anchor_batch`: a DID anchors a Merkle batch.
//!
//! ### Runtime API
//!
//! [`runtime_api::EvidenceApi`]: an evidence, one signer's record, its signers a page at a time,
//! an extra key's hash, a batch, and batch proof checks.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
pub mod runtime_api;
#[cfg(test)]
mod tests;
#[cfg(any(feature = "try-runtime", test))]
mod try_state;
pub mod types;
pub mod weights;

use alloc::vec::Vec;
use frame_support::{
	pallet_prelude::*,
	traits::fungible::{Mutate, MutateHold},
};
use frame_system::pallet_prelude::*;
use pallet_did::deposit::{deposit_for, DepositError};
use pallet_did::{
	ActingDid, ActingDidError, DidAuthError, DidInspect, DidSignature, Relationship,
	SignatureScheme,
};
use sp_core::H256;
use sp_runtime::traits::{Hash, Saturating, Zero};
use teeid_primitives::{
	merkle::{self, BatchProof, ProofError},
	signing::{Anchor, EvidenceStatement, SigningDomain, SigningPayload},
};

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

/// The prefix of an evidence's event topic: `T::Hashing::hash_of(&(EVIDENCE_TOPIC_PREFIX, hash))`.
pub const EVIDENCE_TOPIC_PREFIX: [u8; 14] = *b"teeid/evidence";

/// The most signers one call of `EvidenceApi::signers` returns.
pub const MAX_SIGNERS_PAGE: u32 = 256;

/// The topic under which every event of evidence `hash` is deposited.
pub fn evidence_topic<T: frame_system::Config>(hash: &H256) -> T::Hash {
	T::Hashing::hash_of(&(EVIDENCE_TOPIC_PREFIX, hash))
}

/// The bytes a signer's DID key signs to vouch for `hash` on the chain of `genesis_hash`,
/// anchored at block `number` with hash `block_hash`.
pub fn signing_bytes<AccountId: Encode, BlockNumber: Encode, Hash: Encode>(
	genesis_hash: Hash,
	anchor_number: BlockNumber,
	anchor_hash: Hash,
	hash: H256,
	signer: &AccountId,
) -> Vec<u8> {
	SigningPayload {
		domain: SigningDomain::Evidence,
		genesis_hash,
		anchor: Anchor::Block { number: anchor_number, hash: anchor_hash },
		body: EvidenceStatement { hash, signer },
	}
	.signing_bytes()
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(2);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// The pallet's configuration.
	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The overarching event type.
		#[allow(deprecated)]
		type RuntimeEvent: From<Event<Self>> + IsType<<Self as frame_system::Config>::RuntimeEvent>;

		/// The DID registry: signature checks against DID keys, and which DID a call acts as.
		type Dids: DidInspect<Self::AccountId> + ActingDid<OriginFor<Self>, Self::AccountId>;

		/// The currency that deposits are held in.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ Mutate<Self::AccountId>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// The deposit every stored record holds, whatever its size.
		#[pallet::constant]
		type DepositBase: Get<BalanceOf<Self>>;

		/// The deposit per byte of a stored record.
		#[pallet::constant]
		type DepositPerByte: Get<BalanceOf<Self>>;

		/// The longest log note, in bytes.
		#[pallet::constant]
		type MaxLogLength: Get<u32>;

		/// The longest extra key, in bytes.
		#[pallet::constant]
		type MaxExtraKeyLength: Get<u32>;

		/// How many blocks old the block a signature is anchored at may be.
		#[pallet::constant]
		type SignatureValidity: Get<BlockNumberFor<Self>>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			try_state::do_try_state::<T>()
		}
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit for a signer's record on an evidence.
		SignerDeposit,
		/// The deposit for an extra key.
		ExtraKeyDeposit,
		/// The deposit for an anchored batch.
		BatchDeposit,
	}

	/// The evidences, by content hash.
	#[pallet::storage]
	pub type Evidences<T: Config> = StorageMap<_, Blake2_128Concat, H256, EvidenceDetails<T>>;

	/// Each signer's record of an evidence, by content hash and signing DID.
	#[pallet::storage]
	pub type Signers<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		H256,
		Blake2_128Concat,
		T::AccountId,
		SignerRecord<T>,
	>;

	/// Extra keys, by the DID that set them, each naming one evidence.
	#[pallet::storage]
	pub type ExtraKeys<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		ExtraKeyOf<T>,
		ExtraKeyRecord<T>,
	>;

	/// Anchored Merkle batches, by anchoring DID and root.
	#[pallet::storage]
	pub type Batches<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Blake2_128Concat, H256, BatchRecord<T>>;

	/// The pallet's events. Each event of an evidence carries `previous`: the block of the
	/// evidence's last change before the current block (`None` in the block that created it).
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An evidence was created with its first signature.
		EvidenceCreated { hash: H256, signer: T::AccountId, previous: Option<BlockNumberFor<T>> },
		/// Another signer signed an evidence.
		EvidenceSigned { hash: H256, signer: T::AccountId, previous: Option<BlockNumberFor<T>> },
		/// A signer appended a log entry; `index` counts the signer's own entries from 0.
		LogAppended {
			hash: H256,
			signer: T::AccountId,
			index: u32,
			entry: LogEntry,
			previous: Option<BlockNumberFor<T>>,
		},
		/// A signer named an evidence with an extra key.
		ExtraKeySet { key: ExtraKeyOf<T>, hash: H256, by: T::AccountId },
		/// A DID anchored a Merkle batch.
		BatchAnchored { root: H256, leaves: u32, anchorer: T::AccountId },
	}

	/// The pallet's errors.
	#[pallet::error]
	pub enum Error<T> {
		/// An evidence for this hash exists.
		AlreadyExists,
		/// No evidence for this hash exists.
		NotFound,
		/// The signer DID does not exist.
		SignerDidNotFound,
		/// The signer DID is deactivated.
		SignerDidDeactivated,
		/// The signer DID has no key with the signature's key id.
		KeyNotFound,
		/// The key lacks `assertionMethod`, or has expired.
		KeyNotAuthorized,
		/// The signature does not verify (wrong key, wrong statement, or another chain).
		BadSignature,
		/// The anchor block is in the future, older than `SignatureValidity`, or its hash is
		/// not this chain's block at that number.
		BadAnchor,
		/// The DID signed this evidence already.
		AlreadySigned,
		/// The acting DID did not sign this evidence.
		NotASigner,
		/// The acting signer revoked the evidence already.
		AlreadyRevoked,
		/// The acting signer has not revoked the evidence.
		NotRevoked,
		/// The extra key is empty.
		InvalidExtraKey,
		/// The acting DID's extra key names an evidence already.
		ExtraKeyTaken,
		/// The acting DID anchored a batch with this root already.
		BatchExists,
		/// A batch must have at least one leaf.
		EmptyBatch,
		/// A batch may have at most 2^31 leaves.
		TooManyLeaves,
		/// The signer has no DID, so it cannot act.
		ActingDidNotFound,
		/// The signer's DID is deactivated.
		ActingDidDeactivated,
		/// The signer's DID has another controller; it acts through `submit_did_call`.
		NotDidController,
		/// The paying account cannot pay the deposit.
		InsufficientDeposit,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Creates the evidence of `hash` with `signer`'s signature.
		///
		/// - `origin`: any account; it pays the fee and the signer record's deposit.
		/// - `hash`: the content hash; no evidence for it may exist.
		/// - `signer`: the signing DID.
		/// - `anchor_number`, `anchor_hash`: a block of this chain at most `SignatureValidity`
		///   blocks old that the signature is anchored at.
		/// - `signature`: by an `assertionMethod` key of `signer` over [`signing_bytes`].
		///
		/// Emits `EvidenceCreated`.
		#[pallet::call_index(0)]
		#[pallet::weight(Pallet::<T>::signature_weight(signature.signature.scheme(), true))]
		pub fn create_evidence(
			origin: OriginFor<T>,
			hash: H256,
			signer: T::AccountId,
			anchor_number: BlockNumberFor<T>,
			anchor_hash: T::Hash,
			signature: DidSignature,
		) -> DispatchResult {
			let payer = ensure_signed(origin)?;
			ensure!(!Evidences::<T>::contains_key(hash), Error::<T>::AlreadyExists);
			Self::verify_statement(hash, &signer, anchor_number, anchor_hash, &signature)?;
			let now = frame_system::Pallet::<T>::block_number();
			let record = Self::signer_record(payer, now)?;
			Signers::<T>::insert(hash, &signer, record);
			Evidences::<T>::insert(hash, EvidenceDetails::<T>::new(signer.clone(), now));
			Self::deposit_linked_event(
				&hash,
				Event::EvidenceCreated { hash, signer, previous: None },
			);
			Ok(())
		}

		/// Adds `signer`'s signature to the evidence of `hash`.
		///
		/// - `origin`: any account; it pays the fee and the signer record's deposit.
		/// - `hash`: an evidence's content hash.
		/// - `signer`, `anchor_number`, `anchor_hash`, `signature`: as for `create_evidence`;
		///   `signer` must not have signed yet. Any number of DIDs may sign.
		///
		/// Emits `EvidenceSigned`.
		#[pallet::call_index(1)]
		#[pallet::weight(Pallet::<T>::signature_weight(signature.signature.scheme(), false))]
		pub fn add_signature(
			origin: OriginFor<T>,
			hash: H256,
			signer: T::AccountId,
			anchor_number: BlockNumberFor<T>,
			anchor_hash: T::Hash,
			signature: DidSignature,
		) -> DispatchResult {
			let payer = ensure_signed(origin)?;
			let mut evidence = Evidences::<T>::get(hash).ok_or(Error::<T>::NotFound)?;
			ensure!(!Signers::<T>::contains_key(hash, &signer), Error::<T>::AlreadySigned);
			Self::verify_statement(hash, &signer, anchor_number, anchor_hash, &signature)?;
			let now = frame_system::Pallet::<T>::block_number();
			let record = Self::signer_record(payer, now)?;
			evidence.count_signer();
			let previous = evidence.link.record(now);
			Signers::<T>::insert(hash, &signer, record);
			Evidences::<T>::insert(hash, evidence);
			Self::deposit_linked_event(&hash, Event::EvidenceSigned { hash, signer, previous });
			Ok(())
		}

		/// Appends a note to the log of the acting DID on the evidence of `hash`.
		///
		/// - `origin`: a signer of the evidence, acting as its DID.
		/// - `hash`: the evidence's content hash.
		/// - `note`: at most `MaxLogLength` bytes (a longer one does not decode).
		///
		/// Emits `LogAppended` with a `Note` entry.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::add_log(note.len() as u32))]
		pub fn add_log(
			origin: OriginFor<T>,
			hash: H256,
			note: BoundedVec<u8, T::MaxLogLength>,
		) -> DispatchResult {
			let signer = Self::acting(origin)?;
			Self::append_log(hash, signer, LogEntry::Note(note.into_inner()), |_| Ok(()))
		}

		/// Revokes the evidence of `hash` as the acting signer (`revoked`), or lifts that
		/// signer's revocation; either is also a log entry of the signer. Each signer has its
		/// own status.
		///
		/// - `origin`: a signer of the evidence, acting as its DID.
		/// - `hash`: the evidence's content hash.
		/// - `revoked`: the signer's new status; it must differ from its current one.
		///
		/// Emits `LogAppended` with a `Revoked` or `Unrevoked` entry.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::set_revoked())]
		pub fn set_revoked(origin: OriginFor<T>, hash: H256, revoked: bool) -> DispatchResult {
			let signer = Self::acting(origin)?;
			let entry = if revoked { LogEntry::Revoked } else { LogEntry::Unrevoked };
			Self::append_log(hash, signer, entry, |record| record.set_revoked(revoked))
		}

		/// Names the evidence of `hash` with `key` in the acting DID's namespace; the first
		/// write of a key wins. Holds the key's deposit from the acting DID.
		///
		/// - `origin`: a signer of the evidence, acting as its DID.
		/// - `key`: a custom string (a credential id, say), 1 to `MaxExtraKeyLength` bytes (a
		///   longer one does not decode).
		/// - `hash`: the evidence's content hash.
		///
		/// Emits `ExtraKeySet`.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::set_extra_key(key.len() as u32))]
		pub fn set_extra_key(
			origin: OriginFor<T>,
			key: ExtraKeyOf<T>,
			hash: H256,
		) -> DispatchResult {
			let by = Self::acting(origin)?;
			ensure!(!key.is_empty(), Error::<T>::InvalidExtraKey);
			ensure!(Evidences::<T>::contains_key(hash), Error::<T>::NotFound);
			ensure!(Signers::<T>::contains_key(hash, &by), Error::<T>::NotASigner);
			ensure!(!ExtraKeys::<T>::contains_key(&by, &key), Error::<T>::ExtraKeyTaken);
			let bytes = ExtraKeyRecord::<T>::max_encoded_len()
				.saturating_add(key.encoded_size())
				.saturating_add(by.encoded_size());
			let deposit = Self::hold(HoldReason::ExtraKeyDeposit, by.clone(), bytes)?;
			ExtraKeys::<T>::insert(&by, &key, ExtraKeyRecord::<T> { hash, deposit });
			Self::deposit_event(Event::ExtraKeySet { key, hash, by });
			Ok(())
		}

		/// Anchors the root of a Merkle batch (see [`teeid_primitives::merkle`]) of `leaves`
		/// hashes. The cost does not depend on `leaves`. Holds the record's deposit from the
		/// acting DID.
		///
		/// - `origin`: any DID.
		/// - `root`: the batch's root; not anchored by this DID yet.
		/// - `leaves`: the number of hashes in the batch, from 1 to 2^31.
		///
		/// Emits `BatchAnchored`.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::anchor_batch())]
		pub fn anchor_batch(origin: OriginFor<T>, root: H256, leaves: u32) -> DispatchResult {
			let anchorer = Self::acting(origin)?;
			ensure!(leaves > 0, Error::<T>::EmptyBatch);
			ensure!(leaves <= merkle::MAX_LEAVES, Error::<T>::TooManyLeaves);
			ensure!(!Batches::<T>::contains_key(&anchorer, root), Error::<T>::BatchExists);
			let bytes = BatchRecord::<T>::max_encoded_len()
				.saturating_add(root.encoded_size())
				.saturating_add(anchorer.encoded_size());
			let deposit = Self::hold(HoldReason::BatchDeposit, anchorer.clone(), bytes)?;
			let anchored = frame_system::Pallet::<T>::block_number();
			Batches::<T>::insert(&anchorer, root, BatchRecord::<T> { leaves, anchored, deposit });
			Self::deposit_event(Event::BatchAnchored { root, leaves, anchorer });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// The DID a call acts as.
		fn acting(origin: OriginFor<T>) -> Result<T::AccountId, DispatchError> {
			T::Dids::acting_did(origin).map_err(|error| match error {
				ActingDidError::BadOrigin => DispatchError::BadOrigin,
				ActingDidError::UnknownDid => Error::<T>::ActingDidNotFound.into(),
				ActingDidError::Deactivated => Error::<T>::ActingDidDeactivated.into(),
				ActingDidError::NotController => Error::<T>::NotDidController.into(),
			})
		}

		/// Checks that the anchor is a recent block of this chain and that `signature` by an
		/// `assertionMethod` key of `signer` covers the statement.
		fn verify_statement(
			hash: H256,
			signer: &T::AccountId,
			anchor_number: BlockNumberFor<T>,
			anchor_hash: T::Hash,
			signature: &DidSignature,
		) -> DispatchResult {
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(
				anchor_number < now
					&& now.saturating_sub(anchor_number) <= T::SignatureValidity::get()
					&& frame_system::Pallet::<T>::block_hash(anchor_number) == anchor_hash,
				Error::<T>::BadAnchor
			);
			let genesis_hash = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
			let message = signing_bytes(genesis_hash, anchor_number, anchor_hash, hash, signer);
			T::Dids::verify_signature(signer, Relationship::AssertionMethod, &message, signature)
				.map_err(|error| {
					match error {
						DidAuthError::UnknownDid => Error::<T>::SignerDidNotFound,
						DidAuthError::Deactivated => Error::<T>::SignerDidDeactivated,
						DidAuthError::KeyNotFound => Error::<T>::KeyNotFound,
						DidAuthError::KeyNotAuthorized => Error::<T>::KeyNotAuthorized,
						DidAuthError::BadSignature => Error::<T>::BadSignature,
					}
					.into()
				})
		}

		/// A new signer record, its deposit held from `payer`. The deposit pays for the record
		/// and its key (hash and DID).
		fn signer_record(
			payer: T::AccountId,
			now: BlockNumberFor<T>,
		) -> Result<SignerRecord<T>, DispatchError> {
			let bytes = SignerRecord::<T>::max_encoded_len()
				.saturating_add(H256::max_encoded_len())
				.saturating_add(T::AccountId::max_encoded_len());
			let deposit = Self::hold(HoldReason::SignerDeposit, payer, bytes)?;
			Ok(SignerRecord::<T>::new(now, deposit))
		}

		/// Applies `change` to `signer`'s record on the evidence of `hash`, counts `entry` as
		/// a log entry of the signer and emits it as a linked event.
		fn append_log(
			hash: H256,
			signer: T::AccountId,
			entry: LogEntry,
			change: impl FnOnce(&mut SignerRecord<T>) -> Result<(), EvidenceError>,
		) -> DispatchResult {
			let mut evidence = Evidences::<T>::get(hash).ok_or(Error::<T>::NotFound)?;
			let mut record = Signers::<T>::get(hash, &signer).ok_or(Error::<T>::NotASigner)?;
			change(&mut record).map_err(Error::<T>::from)?;
			let now = frame_system::Pallet::<T>::block_number();
			let index = record.count_log(now);
			let previous = evidence.link.record(now);
			Signers::<T>::insert(hash, &signer, record);
			Evidences::<T>::insert(hash, evidence);
			Self::deposit_linked_event(
				&hash,
				Event::LogAppended { hash, signer, index, entry, previous },
			);
			Ok(())
		}

		/// The weight of `create_evidence` (`first`) or `add_signature`, by signature scheme.
		pub fn signature_weight(scheme: SignatureScheme, first: bool) -> Weight {
			match (scheme, first) {
				(SignatureScheme::Ed25519, true) => T::WeightInfo::create_evidence_ed25519(),
				(SignatureScheme::Sr25519, true) => T::WeightInfo::create_evidence_sr25519(),
				(SignatureScheme::EcdsaSecp256k1, true) => T::WeightInfo::create_evidence_ecdsa(),
				(SignatureScheme::Ed25519, false) => T::WeightInfo::add_signature_ed25519(),
				(SignatureScheme::Sr25519, false) => T::WeightInfo::add_signature_sr25519(),
				(SignatureScheme::EcdsaSecp256k1, false) => T::WeightInfo::add_signature_ecdsa(),
			}
		}

		/// The deposit for a record of `bytes` stored bytes.
		pub fn deposit_for(bytes: usize) -> BalanceOf<T> {
			deposit_for(T::DepositBase::get(), T::DepositPerByte::get(), bytes)
		}

		/// Holds the deposit for a record of `bytes` stored bytes from `owner`.
		fn hold(
			reason: HoldReason,
			owner: T::AccountId,
			bytes: usize,
		) -> Result<DepositOf<T>, DispatchError> {
			DepositOf::<T>::hold::<T::Currency>(&reason.into(), owner, Self::deposit_for(bytes))
				.map_err(|error| Error::<T>::from(error).into())
		}

		/// Emits `event` as a linked event of evidence `hash`, under its topic.
		fn deposit_linked_event(hash: &H256, event: Event<T>) {
			let event = <T as Config>::RuntimeEvent::from(event);
			frame_system::Pallet::<T>::deposit_event_indexed(
				&[evidence_topic::<T>(hash)],
				event.into(),
			);
		}

		/// Evidence `hash` for the runtime API.
		pub fn evidence_info(hash: H256) -> Option<EvidenceInfo<T::AccountId, BlockNumberFor<T>>> {
			Evidences::<T>::get(hash).map(|evidence| evidence.to_info())
		}

		/// Signer `did`'s record of evidence `hash`, for the runtime API.
		pub fn signer_info(
			hash: H256,
			did: T::AccountId,
		) -> Option<SignerInfo<T::AccountId, BlockNumberFor<T>>> {
			Signers::<T>::get(hash, &did).map(|record| record.to_info(did))
		}

		/// Up to `limit` (at most [`MAX_SIGNERS_PAGE`]) signers of evidence `hash`, in storage
		/// order, after `start_after` (from the first when `None`), for the runtime API.
		pub fn signers_page(
			hash: H256,
			start_after: Option<T::AccountId>,
			limit: u32,
		) -> Vec<SignerInfo<T::AccountId, BlockNumberFor<T>>> {
			let records = match start_after {
				Some(did) => {
					Signers::<T>::iter_prefix_from(hash, Signers::<T>::hashed_key_for(hash, did))
				},
				None => Signers::<T>::iter_prefix(hash),
			};
			records
				.take(limit.min(MAX_SIGNERS_PAGE) as usize)
				.map(|(did, record)| record.to_info(did))
				.collect()
		}

		/// The evidence `did`'s extra key names, for the runtime API.
		pub fn extra_key_hash(did: &T::AccountId, key: &[u8]) -> Option<H256> {
			let key = ExtraKeyOf::<T>::try_from(key.to_vec()).ok()?;
			ExtraKeys::<T>::get(did, key).map(|record| record.hash)
		}

		/// Checks `proof` against the batch `root` anchored by `anchorer`, for the runtime API.
		pub fn verify_batch_proof(
			anchorer: &T::AccountId,
			root: H256,
			proof: &BatchProof,
		) -> Result<(), BatchProofError> {
			let batch = Batches::<T>::get(anchorer, root).ok_or(BatchProofError::UnknownBatch)?;
			merkle::verify(&root, batch.leaves, proof).map_err(BatchProofError::Invalid)
		}
	}
}

impl<T: Config> From<DepositError> for Error<T> {
	fn from(error: DepositError) -> Self {
		match error {
			DepositError::Insufficient => Error::InsufficientDeposit,
		}
	}
}

/// Why a batch proof is refused, for the runtime API.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum BatchProofError {
	/// The DID anchored no batch with this root.
	UnknownBatch,
	/// The proof does not hold.
	Invalid(ProofError),
}

impl<T: Config> From<EvidenceError> for Error<T> {
	fn from(error: EvidenceError) -> Self {
		match error {
			EvidenceError::AlreadyRevoked => Error::AlreadyRevoked,
			EvidenceError::NotRevoked => Error::NotRevoked,
		}
	}
}

impl<T: Config> Call<T> {
	/// The relationship a DID key needs to authorize this call through `submit_did_call`:
	/// logs, status and extra keys are assertions about the evidence (`assertionMethod`), as is
	/// anchoring a batch. Creating and signing evidence carry their own signatures and cannot
	/// be DID-authorized.
	pub fn required_relationship(&self) -> Option<Relationship> {
		match self {
			Call::add_log { .. }
			| Call::set_revoked { .. }
			| Call::set_extra_key { .. }
			| Call::anchor_batch { .. } => Some(Relationship::AssertionMethod),
			Call::create_evidence { .. } | Call::add_signature { .. } | Call::__Ignore(..) => None,
		}
	}
}
