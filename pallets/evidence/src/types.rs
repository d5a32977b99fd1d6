//! The pallet's stored types and the domain logic on them.

use crate::Config;
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{BoundedVec, CloneNoBound, DebugNoBound, PartialEqNoBound};
use frame_system::pallet_prelude::BlockNumberFor;
use scale_info::TypeInfo;
use sp_core::H256;
use sp_runtime::traits::Saturating;
use teeid_primitives::history::ChangeLink;

pub use pallet_did::Deposit;

/// The balance type of the pallet's currency.
pub type BalanceOf<T> = <<T as Config>::Currency as frame_support::traits::fungible::Inspect<
	<T as frame_system::Config>::AccountId,
>>::Balance;

/// A deposit of the pallet.
pub type DepositOf<T> = Deposit<<T as frame_system::Config>::AccountId, BalanceOf<T>>;

/// An extra key: a custom string (a credential id, say) that names an evidence.
pub type ExtraKeyOf<T> = BoundedVec<u8, <T as Config>::MaxExtraKeyLength>;

/// One signer of an evidence: when it signed, its own log counter and its own status. Each
/// signer's record is stored under `(hash, did)` and paid for by whoever submitted the
/// signature, so signers never touch each other's records and no number of other signers can
/// keep a DID from signing.
#[derive(
	CloneNoBound, PartialEqNoBound, Eq, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(T))]
pub struct SignerRecord<T: Config> {
	/// The block in which its signature was added.
	pub signed: BlockNumberFor<T>,
	/// How many log entries it appended.
	pub logs: u32,
	/// The block of its last log entry.
	pub last_log: Option<BlockNumberFor<T>>,
	/// Whether this signer revoked the evidence (and has not lifted it since).
	pub revoked: bool,
	/// The deposit for this record, held from whoever submitted the signature.
	pub deposit: DepositOf<T>,
}

/// Why a change to an evidence is refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum EvidenceError {
	/// The evidence is revoked already.
	AlreadyRevoked,
	/// The evidence is not revoked.
	NotRevoked,
}

/// An evidence: a content hash, fixed at creation, and the head of its history. The signers'
/// records are stored beside it, one per signer.
#[derive(
	CloneNoBound, PartialEqNoBound, Eq, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(T))]
pub struct EvidenceDetails<T: Config> {
	/// The DID whose signature created the evidence.
	pub creator: T::AccountId,
	/// How many DIDs signed it.
	pub signers: u32,
	/// The block of creation.
	pub created: BlockNumberFor<T>,
	/// The head of the evidence's linked events.
	pub link: ChangeLink<BlockNumberFor<T>>,
}

impl<T: Config> SignerRecord<T> {
	/// The record of a signature added in block `now`, its deposit held already.
	pub fn new(now: BlockNumberFor<T>, deposit: DepositOf<T>) -> Self {
		Self { signed: now, logs: 0, last_log: None, revoked: false, deposit }
	}

	/// Counts a log entry; returns its index among the signer's entries.
	pub fn count_log(&mut self, now: BlockNumberFor<T>) -> u32 {
		let index = self.logs;
		self.logs.saturating_inc();
		self.last_log = Some(now);
		index
	}

	/// Sets this signer's revocation status. Each signer has its own, so a DID that signs
	/// later can neither lift nor impose another signer's revocation.
	pub fn set_revoked(&mut self, revoked: bool) -> Result<(), EvidenceError> {
		match (self.revoked, revoked) {
			(true, true) => Err(EvidenceError::AlreadyRevoked),
			(false, false) => Err(EvidenceError::NotRevoked),
			_ => {
				self.revoked = revoked;
				Ok(())
			},
		}
	}

	/// The runtime API's view of this record of signer `did`.
	pub fn to_info(&self, did: T::AccountId) -> SignerInfo<T::AccountId, BlockNumberFor<T>> {
		SignerInfo {
			did,
			signed: self.signed,
			logs: self.logs,
			last_log: self.last_log,
			revoked: self.revoked,
		}
	}
}

impl<T: Config> EvidenceDetails<T> {
	/// A new evidence signed by its first signer, `creator`.
	pub fn new(creator: T::AccountId, now: BlockNumberFor<T>) -> Self {
		Self { creator, signers: 1, created: now, link: ChangeLink::new(now) }
	}

	/// Counts a further signer.
	pub fn count_signer(&mut self) {
		self.signers.saturating_inc();
	}

	/// The runtime API's view.
	pub fn to_info(&self) -> EvidenceInfo<T::AccountId, BlockNumberFor<T>> {
		EvidenceInfo {
			creator: self.creator.clone(),
			signers: self.signers,
			created: self.created,
			changed: self.link.changed,
		}
	}
}

/// What an evidence's log holds. Entries are only ever appended; `Revoked` and `Unrevoked`
/// also set the signer's status, so a verifier learns it with one read.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum LogEntry {
	/// Free-form bytes.
	Note(Vec<u8>),
	/// The signer revoked the evidence.
	Revoked,
	/// The signer lifted the revocation.
	Unrevoked,
}

/// An extra key's target.
#[derive(
	CloneNoBound, PartialEqNoBound, Eq, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(T))]
pub struct ExtraKeyRecord<T: Config> {
	/// The evidence the key names.
	pub hash: H256,
	/// The deposit, held from the DID that set the key.
	pub deposit: DepositOf<T>,
}

/// An anchored Merkle batch.
#[derive(
	CloneNoBound, PartialEqNoBound, Eq, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(T))]
pub struct BatchRecord<T: Config> {
	/// How many hashes the tree has.
	pub leaves: u32,
	/// The block of anchoring.
	pub anchored: BlockNumberFor<T>,
	/// The deposit, held from the anchoring DID.
	pub deposit: DepositOf<T>,
}

impl<T: Config> BatchRecord<T> {
	/// The runtime API's view.
	pub fn to_info(&self) -> BatchInfo<BlockNumberFor<T>> {
		BatchInfo { leaves: self.leaves, anchored: self.anchored }
	}
}

/// A signer of an evidence as the runtime API returns it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct SignerInfo<AccountId, BlockNumber> {
	/// The signer's DID.
	pub did: AccountId,
	/// The block of its signature.
	pub signed: BlockNumber,
	/// How many log entries it appended.
	pub logs: u32,
	/// The block of its last log entry.
	pub last_log: Option<BlockNumber>,
	/// Whether it revoked the evidence.
	pub revoked: bool,
}

/// An evidence as the runtime API returns it; its signers are read one by one
/// (`EvidenceApi::signer`) or a page at a time (`EvidenceApi::signers`).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct EvidenceInfo<AccountId, BlockNumber> {
	/// The DID whose signature created it.
	pub creator: AccountId,
	/// How many DIDs signed it.
	pub signers: u32,
	/// The block of creation.
	pub created: BlockNumber,
	/// The block of the latest change: where the walk back through its linked events starts.
	pub changed: BlockNumber,
}

/// An anchored batch as the runtime API returns it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct BatchInfo<BlockNumber> {
	/// How many hashes the tree has.
	pub leaves: u32,
	/// The block of anchoring.
	pub anchored: BlockNumber,
}
