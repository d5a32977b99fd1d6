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

/// One signer of an evidence: its DID, when it signed, and its own log counter. Signers never
/// touch each other's records.
#[derive(
	CloneNoBound, PartialEqNoBound, Eq, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(T))]
pub struct SignerRecord<T: Config> {
	/// The signer's DID.
	pub did: T::AccountId,
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
	/// The DID signed the evidence already.
	AlreadySigned,
	/// The evidence has as many signers as allowed.
	TooManySigners,
	/// The DID did not sign the evidence.
	NotASigner,
	/// The evidence is revoked already.
	AlreadyRevoked,
	/// The evidence is not revoked.
	NotRevoked,
}

/// An evidence: a content hash, fixed at creation, and what its signers said about it.
#[derive(
	CloneNoBound, PartialEqNoBound, Eq, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(T))]
pub struct EvidenceDetails<T: Config> {
	/// The signers, in the order they signed.
	pub signers: BoundedVec<SignerRecord<T>, T::MaxSigners>,
	/// The block of creation.
	pub created: BlockNumberFor<T>,
	/// The head of the evidence's linked events.
	pub link: ChangeLink<BlockNumberFor<T>>,
}

impl<T: Config> SignerRecord<T> {
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
}

impl<T: Config> EvidenceDetails<T> {
	/// A new evidence signed by its first signer.
	pub fn new(first: SignerRecord<T>, now: BlockNumberFor<T>) -> Self {
		let mut signers = BoundedVec::new();
		// A bound of zero signers would make evidence impossible; the runtime's bound is > 0.
		let _ = signers.try_push(first);
		Self { signers, created: now, link: ChangeLink::new(now) }
	}

	/// The record of signer `did`.
	pub fn signer(&self, did: &T::AccountId) -> Option<&SignerRecord<T>> {
		self.signers.iter().find(|s| &s.did == did)
	}

	/// Adds a signer.
	pub fn add_signer(&mut self, record: SignerRecord<T>) -> Result<(), EvidenceError> {
		if self.signer(&record.did).is_some() {
			return Err(EvidenceError::AlreadySigned);
		}
		self.signers.try_push(record).map_err(|_| EvidenceError::TooManySigners)
	}

	/// The record of signer `did`, to change.
	pub fn signer_mut(
		&mut self,
		did: &T::AccountId,
	) -> Result<&mut SignerRecord<T>, EvidenceError> {
		self.signers.iter_mut().find(|s| &s.did == did).ok_or(EvidenceError::NotASigner)
	}

	/// The runtime API's view.
	pub fn to_info(&self) -> EvidenceInfo<T::AccountId, BlockNumberFor<T>> {
		EvidenceInfo {
			signers: self
				.signers
				.iter()
				.map(|s| SignerInfo {
					did: s.did.clone(),
					signed: s.signed,
					logs: s.logs,
					last_log: s.last_log,
					revoked: s.revoked,
				})
				.collect(),
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

/// A signer as the runtime API returns it.
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

/// An evidence as the runtime API returns it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct EvidenceInfo<AccountId, BlockNumber> {
	/// The signers, in the order they signed, each with its own revocation status.
	pub signers: Vec<SignerInfo<AccountId, BlockNumber>>,
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
