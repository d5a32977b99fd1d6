//! The pallet's stored types and the domain logic on them.

use crate::{schema::CanonicalSchema, Config, Error, HoldReason};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	dispatch::DispatchResult, traits::Get, BoundedVec, CloneNoBound, DebugNoBound, PartialEqNoBound,
};
use frame_system::pallet_prelude::BlockNumberFor;
use scale_info::TypeInfo;
use sp_core::H256;
use sp_runtime::traits::Saturating;

pub use pallet_did::Deposit;

/// A CPT id.
pub type CptId = u32;

/// The balance type of the pallet's currency.
pub type BalanceOf<T> = <<T as Config>::Currency as frame_support::traits::fungible::Inspect<
	<T as frame_system::Config>::AccountId,
>>::Balance;

/// A deposit of the pallet.
pub type DepositOf<T> = Deposit<<T as frame_system::Config>::AccountId, BalanceOf<T>>;

/// An authority issuer's or issuer type's name.
pub type NameOf<T> = BoundedVec<u8, <T as Config>::MaxNameLength>;

/// A CPT's title.
pub type TitleOf<T> = BoundedVec<u8, <T as Config>::MaxTitleLength>;

/// A CPT's description.
pub type DescriptionOf<T> = BoundedVec<u8, <T as Config>::MaxDescriptionLength>;

/// A CPT's JSON Schema (as submitted, or in canonical form once stored).
pub type SchemaOf<T> = BoundedVec<u8, <T as Config>::MaxSchemaLength>;

/// The three id ranges of CPTs (WeIdentity): who may publish in each differs.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum CptRange {
	/// Ids 1 to 999: CPTs every teeid chain shares, by administrators and the committee.
	System,
	/// Ids 1,000 to 1,999,999: CPTs of recognized authority issuers.
	Authority,
	/// Ids 2,000,000 and above: CPTs of any DID, numbered in order.
	Normal,
}

impl CptRange {
	/// Every range.
	pub const ALL: [CptRange; 3] = [CptRange::System, CptRange::Authority, CptRange::Normal];

	/// The first id of the range.
	pub const fn first(self) -> CptId {
		match self {
			CptRange::System => 1,
			CptRange::Authority => 1_000,
			CptRange::Normal => 2_000_000,
		}
	}

	/// The last id of the range.
	pub const fn last(self) -> CptId {
		match self {
			CptRange::System => 999,
			CptRange::Authority => 1_999_999,
			CptRange::Normal => CptId::MAX,
		}
	}

	/// The range `id` falls in (`None` for 0, which is no CPT id).
	pub fn of(id: CptId) -> Option<CptRange> {
		CptRange::ALL.into_iter().find(|range| range.contains(id))
	}

	/// Whether `id` falls in the range.
	pub const fn contains(self, id: CptId) -> bool {
		self.first() <= id && id <= self.last()
	}

	/// Whether a publisher may choose an id in the range; normal CPTs are numbered in order.
	pub const fn choosable(self) -> bool {
		!matches!(self, CptRange::Normal)
	}
}

/// Why an id cannot be allocated.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AllocationError {
	/// The chosen id is not in the range.
	OutOfRange,
	/// Ids in the range cannot be chosen.
	NotChoosable,
	/// The chosen id is at or above the cursor, and the caller may not move the cursor.
	AheadOfCursor,
	/// No id is left to number in order.
	Exhausted,
}

/// The allocation state of one range: `next`, the id numbering in order hands out next.
///
/// Invariant: every CPT id of the range already taken is below `next`. Numbering in order
/// therefore never meets a taken id and never scans; a chosen id at or above `next` moves
/// `next` past it (the ids it skips stay available to be chosen). Moving `next` is for
/// governance only: whoever chooses the range's last id ends numbering in order for everyone.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct RangeCursor {
	/// The range.
	pub range: CptRange,
	/// The next id to number in order; `None` once the range's last id is taken.
	pub next: Option<CptId>,
}

impl RangeCursor {
	/// A range from which nothing was allocated yet.
	pub const fn new(range: CptRange) -> Self {
		Self { range, next: Some(range.first()) }
	}

	/// Allocates `chosen`, or the next id in order. A chosen id at or above `next` needs
	/// `may_advance` (the caller governs the ranges). Whether a chosen id is already taken is
	/// the caller's check (the cursor does not know ids below `next`).
	pub fn allocate(
		&mut self,
		chosen: Option<CptId>,
		may_advance: bool,
	) -> Result<CptId, AllocationError> {
		let id = match chosen {
			Some(id) => {
				if !self.range.choosable() {
					return Err(AllocationError::NotChoosable);
				}
				if !self.range.contains(id) {
					return Err(AllocationError::OutOfRange);
				}
				if !may_advance && self.next.is_some_and(|next| id >= next) {
					return Err(AllocationError::AheadOfCursor);
				}
				id
			},
			None => self.next.ok_or(AllocationError::Exhausted)?,
		};
		if self.next.is_some_and(|next| id >= next) {
			self.next = id.checked_add(1).filter(|next| self.range.contains(*next));
		}
		Ok(id)
	}
}

/// Where an authority issuer stands.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum IssuerStatus {
	/// Applied, not yet recognized.
	Applied,
	/// Recognized: holds the authority issuer role.
	Recognized,
	/// Recognized once, recognition withdrawn.
	Derecognized,
}

/// Why a role change is refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RoleError {
	/// The issuer is recognized already.
	AlreadyRecognized,
	/// The issuer is not recognized.
	NotRecognized,
	/// The issuer type has as many issuers as allowed.
	TooManyIssuers,
	/// The issuer type still has issuers.
	NotEmpty,
}

/// An authority issuer (or applicant), by DID.
#[derive(
	CloneNoBound, PartialEqNoBound, Eq, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(T))]
pub struct AuthorityIssuer<T: Config> {
	/// The issuer's name, unique on the chain.
	pub name: NameOf<T>,
	/// Whether it is recognized.
	pub status: IssuerStatus,
	/// The block of the application.
	pub applied: BlockNumberFor<T>,
	/// The block of the last status change.
	pub changed: BlockNumberFor<T>,
	/// The deposit for the record, held from the applicant.
	pub deposit: DepositOf<T>,
}

impl<T: Config> AuthorityIssuer<T> {
	/// A new application.
	pub fn apply(name: NameOf<T>, now: BlockNumberFor<T>, deposit: DepositOf<T>) -> Self {
		Self { name, status: IssuerStatus::Applied, applied: now, changed: now, deposit }
	}

	/// Whether it holds the authority issuer role.
	pub fn is_recognized(&self) -> bool {
		self.status == IssuerStatus::Recognized
	}

	/// Grants the role.
	pub fn recognize(&mut self, now: BlockNumberFor<T>) -> Result<(), RoleError> {
		if self.is_recognized() {
			return Err(RoleError::AlreadyRecognized);
		}
		self.status = IssuerStatus::Recognized;
		self.changed = now;
		Ok(())
	}

	/// Withdraws the role.
	pub fn derecognize(&mut self, now: BlockNumberFor<T>) -> Result<(), RoleError> {
		if !self.is_recognized() {
			return Err(RoleError::NotRecognized);
		}
		self.status = IssuerStatus::Derecognized;
		self.changed = now;
		Ok(())
	}
}

/// A specific issuer type (school, hospital, ...): a label authority issuers attach to
/// issuers. The label grants no permission (as in WeIdentity); verifiers may rely on it.
#[derive(
	CloneNoBound, PartialEqNoBound, Eq, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(T))]
pub struct IssuerType<T: Config> {
	/// The DID that registered the type; only it may remove the type.
	pub owner: T::AccountId,
	/// How many issuers are of the type.
	pub issuers: u32,
	/// The block of registration.
	pub created: BlockNumberFor<T>,
	/// The deposit for the record, held from the owner.
	pub deposit: DepositOf<T>,
}

impl<T: Config> IssuerType<T> {
	/// Counts one more issuer.
	pub fn add_issuer(&mut self) -> Result<(), RoleError> {
		if self.issuers >= T::MaxIssuersPerType::get() {
			return Err(RoleError::TooManyIssuers);
		}
		self.issuers.saturating_inc();
		Ok(())
	}

	/// Counts one issuer less.
	pub fn remove_issuer(&mut self) {
		self.issuers.saturating_dec();
	}

	/// Whether the type may be removed: it has no issuers left.
	pub fn ensure_empty(&self) -> Result<(), RoleError> {
		if self.issuers > 0 {
			return Err(RoleError::NotEmpty);
		}
		Ok(())
	}
}

/// A Claim Protocol Type: the JSON Schema that credentials of this type follow.
#[derive(
	CloneNoBound, PartialEqNoBound, Eq, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(T))]
pub struct CptDetails<T: Config> {
	/// The DID that published the CPT.
	pub publisher: T::AccountId,
	/// A short title.
	pub title: TitleOf<T>,
	/// What the claims are about.
	pub description: DescriptionOf<T>,
	/// The JSON Schema of the claims, in canonical form (RFC 8785).
	pub schema: SchemaOf<T>,
	/// `blake2_256(schema)`.
	pub schema_hash: H256,
	/// The current version, from 1.
	pub version: u32,
	/// The block of version 1.
	pub created: BlockNumberFor<T>,
	/// The block of the current version.
	pub updated: BlockNumberFor<T>,
	/// The deposit for the CPT and its version records.
	pub deposit: DepositOf<T>,
}

/// Why a CPT's content is refused (title and description are bounded when the call decodes).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ContentError {
	/// The canonical schema is too long.
	SchemaTooLong,
	/// The CPT has as many versions as allowed.
	TooManyVersions,
}

/// The content of one version of a CPT, checked against the limits.
pub struct CptContent<T: Config> {
	/// The title.
	pub title: TitleOf<T>,
	/// The description.
	pub description: DescriptionOf<T>,
	/// The canonical schema.
	pub schema: SchemaOf<T>,
	/// The schema's hash.
	pub schema_hash: H256,
}

impl<T: Config> CptContent<T> {
	/// A title, a description and a schema already in canonical form, whose canonical form
	/// must still fit the limit (it can be longer than the schema submitted).
	pub fn new(
		title: TitleOf<T>,
		description: DescriptionOf<T>,
		schema: CanonicalSchema,
	) -> Result<Self, ContentError> {
		Ok(Self {
			title,
			description,
			schema: schema.json.try_into().map_err(|_| ContentError::SchemaTooLong)?,
			schema_hash: schema.hash,
		})
	}
}

impl<T: Config> CptDetails<T> {
	/// Version 1 of a CPT, with no deposit yet.
	pub fn new(publisher: T::AccountId, content: CptContent<T>, now: BlockNumberFor<T>) -> Self {
		Self {
			deposit: Deposit { owner: publisher.clone(), amount: Default::default() },
			publisher,
			title: content.title,
			description: content.description,
			schema: content.schema,
			schema_hash: content.schema_hash,
			version: 1,
			created: now,
			updated: now,
		}
	}

	/// Replaces the content by a new version; returns the block of the version replaced.
	pub fn update(
		&mut self,
		content: CptContent<T>,
		now: BlockNumberFor<T>,
	) -> Result<BlockNumberFor<T>, ContentError> {
		if self.version >= T::MaxVersions::get() {
			return Err(ContentError::TooManyVersions);
		}
		self.title = content.title;
		self.description = content.description;
		self.schema = content.schema;
		self.schema_hash = content.schema_hash;
		self.version.saturating_inc();
		Ok(core::mem::replace(&mut self.updated, now))
	}

	/// The record of the current version.
	pub fn current_version(&self) -> CptVersion<BlockNumberFor<T>> {
		CptVersion { schema_hash: self.schema_hash, block: self.updated }
	}

	/// The deposit the CPT requires: a base, plus per byte of the record and of every version
	/// record kept for it.
	pub fn required_deposit(&self) -> BalanceOf<T> {
		let bytes = self.encoded_size().saturating_add(
			self.version as usize * CptVersion::<BlockNumberFor<T>>::max_encoded_len(),
		);
		crate::Pallet::<T>::deposit_for(bytes)
	}

	/// Makes `payer` hold the deposit the CPT requires now. If `payer` holds the current one,
	/// only the difference is held or released; otherwise `payer` holds the whole deposit and
	/// the previous payer gets theirs back.
	pub fn settle_deposit(&mut self, payer: T::AccountId) -> DispatchResult {
		let reason: T::RuntimeHoldReason = HoldReason::CptDeposit.into();
		let required = self.required_deposit();
		if payer == self.deposit.owner {
			self.deposit.resize::<T::Currency>(&reason, required).map_err(Error::<T>::from)?;
		} else {
			let deposit = DepositOf::<T>::hold::<T::Currency>(&reason, payer, required)
				.map_err(Error::<T>::from)?;
			core::mem::replace(&mut self.deposit, deposit).release::<T::Currency>(&reason)?;
		}
		Ok(())
	}
}

/// One version of a CPT, kept for good: the schema's hash and the block that published it
/// (whose `CptRegistered` or `CptUpdated` event carries the whole body).
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct CptVersion<BlockNumber> {
	/// `blake2_256` of the version's canonical schema.
	pub schema_hash: H256,
	/// The block in which the version was published.
	pub block: BlockNumber,
}

/// A CPT as the runtime API returns it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct CptInfo<AccountId, BlockNumber, Balance> {
	/// The id.
	pub id: CptId,
	/// The range of the id.
	pub range: CptRange,
	/// The publisher DID.
	pub publisher: AccountId,
	/// The title.
	pub title: Vec<u8>,
	/// The description.
	pub description: Vec<u8>,
	/// The canonical JSON Schema of the current version.
	pub schema: Vec<u8>,
	/// Its hash.
	pub schema_hash: H256,
	/// The current version.
	pub version: u32,
	/// The block of version 1.
	pub created: BlockNumber,
	/// The block of the current version.
	pub updated: BlockNumber,
	/// The deposit held for the CPT.
	pub deposit: Balance,
}

impl<T: Config> CptDetails<T> {
	/// The runtime API's view of CPT `id`.
	pub fn to_info(&self, id: CptId) -> CptInfo<T::AccountId, BlockNumberFor<T>, BalanceOf<T>> {
		CptInfo {
			id,
			range: CptRange::of(id).unwrap_or(CptRange::Normal),
			publisher: self.publisher.clone(),
			title: self.title.to_vec(),
			description: self.description.to_vec(),
			schema: self.schema.to_vec(),
			schema_hash: self.schema_hash,
			version: self.version,
			created: self.created,
			updated: self.updated,
			deposit: self.deposit.amount,
		}
	}
}

/// An authority issuer as the runtime API returns it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct AuthorityIssuerInfo<BlockNumber> {
	/// The name.
	pub name: Vec<u8>,
	/// Whether it is recognized.
	pub status: IssuerStatus,
	/// The block of the application.
	pub applied: BlockNumber,
	/// The block of the last status change.
	pub changed: BlockNumber,
}

/// The roles a DID holds, as the runtime API returns them.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct RoleStatus<BlockNumber> {
	/// Whether the DID is active (only active DIDs can act in any role).
	pub active: bool,
	/// Whether it is an administrator.
	pub administrator: bool,
	/// Whether it is a committee member.
	pub committee_member: bool,
	/// Its authority issuer record, if it applied.
	pub authority_issuer: Option<AuthorityIssuerInfo<BlockNumber>>,
}

/// A specific issuer type as the runtime API returns it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct IssuerTypeInfo<AccountId, BlockNumber> {
	/// The DID that registered it.
	pub owner: AccountId,
	/// How many issuers are of the type.
	pub issuers: u32,
	/// The block of registration.
	pub created: BlockNumber,
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn ranges_partition_the_ids_works() {
		assert_eq!(CptRange::of(0), None);
		assert_eq!(CptRange::of(1), Some(CptRange::System));
		assert_eq!(CptRange::of(999), Some(CptRange::System));
		assert_eq!(CptRange::of(1_000), Some(CptRange::Authority));
		assert_eq!(CptRange::of(1_999_999), Some(CptRange::Authority));
		assert_eq!(CptRange::of(2_000_000), Some(CptRange::Normal));
		assert_eq!(CptRange::of(CptId::MAX), Some(CptRange::Normal));
	}

	#[test]
	fn cursor_numbers_in_order_and_skips_chosen_ids_works() {
		let mut cursor = RangeCursor::new(CptRange::Authority);
		assert_eq!(cursor.allocate(None, false), Ok(1_000));
		assert_eq!(cursor.allocate(Some(1_005), true), Ok(1_005));
		assert_eq!(cursor.next, Some(1_006));
		// A chosen id below the cursor leaves it where it is.
		assert_eq!(cursor.allocate(Some(1_002), true), Ok(1_002));
		assert_eq!(cursor.allocate(None, false), Ok(1_006));
		assert_eq!(cursor.allocate(Some(999), true), Err(AllocationError::OutOfRange));
		assert_eq!(cursor.allocate(Some(2_000_000), true), Err(AllocationError::OutOfRange));
	}

	#[test]
	fn cursor_moves_ahead_only_when_allowed_works() {
		let mut cursor = RangeCursor { range: CptRange::Authority, next: Some(1_010) };
		// Below the cursor: a gap, free to choose; the cursor stays.
		assert_eq!(cursor.allocate(Some(1_003), false), Ok(1_003));
		assert_eq!(cursor.next, Some(1_010));
		// At or above it only with `may_advance`, else nothing changes.
		assert_eq!(cursor.allocate(Some(1_010), false), Err(AllocationError::AheadOfCursor));
		assert_eq!(cursor.allocate(Some(1_999_999), false), Err(AllocationError::AheadOfCursor));
		assert_eq!(cursor.next, Some(1_010));
		assert_eq!(cursor.allocate(Some(1_999_999), true), Ok(1_999_999));
		assert_eq!(cursor.next, None);
		// Past the end every id of the range is below the cursor: free ones stay choosable.
		assert_eq!(cursor.allocate(Some(1_500), false), Ok(1_500));
	}

	#[test]
	fn cursor_exhaustion_fails() {
		let mut cursor = RangeCursor::new(CptRange::System);
		assert_eq!(cursor.allocate(Some(999), true), Ok(999));
		assert_eq!(cursor.next, None);
		assert_eq!(cursor.allocate(None, true), Err(AllocationError::Exhausted));
		// Ids skipped below can still be chosen.
		assert_eq!(cursor.allocate(Some(5), false), Ok(5));

		let mut normal = RangeCursor { range: CptRange::Normal, next: Some(CptId::MAX) };
		assert_eq!(normal.allocate(None, false), Ok(CptId::MAX));
		assert_eq!(normal.allocate(None, false), Err(AllocationError::Exhausted));
		assert_eq!(
			RangeCursor::new(CptRange::Normal).allocate(Some(2_000_001), true),
			Err(AllocationError::NotChoosable)
		);
	}
}
