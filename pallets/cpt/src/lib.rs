//! # CPT Pallet
//!
//! Claim Protocol Types (WeIdentity): the JSON Schemas that verifiable credentials follow, and
//! the roles that govern who may publish them.
//!
//! ## Overview
//!
//! **Roles.** Administrators are set at genesis and add or remove administrators and committee
//! members. Any DID may apply to be an *authority issuer* under a unique name; an administrator
//! or committee member recognizes, de-recognizes or removes it (the applicant may withdraw).
//! Any DID may register a *specific issuer type* (school, hospital, ...); recognized authority
//! issuers add issuers to it and remove them; its owner removes it once empty. Who may do what
//! is one table, [`permissions::permits`], consulted by every call through `authorize`.
//!
//! **CPTs.** Ids fall in three ranges ([`CptRange`]): 1 to 999 *system* (administrators and the
//! committee; the development genesis preloads some), 1,000 to 1,999,999 *authority*
//! (recognized authority issuers; the next id, or a free one below the range's cursor),
//! 2,000,000 and above *normal* (any DID; the next id). Each range has a cursor
//! ([`RangeCursor`]), so allocation never scans; only administrators and committee members
//! choose ids at or above a cursor, which moves it.
//! A CPT holds its publisher, title, description and JSON Schema; the schema must be strict
//! JSON whose top level is an object schema, and is stored in canonical form (RFC 8785) with
//! its blake2-256 hash. The publisher (or an administrator or committee member) publishes new
//! versions; every version's hash and block stay in storage, and each version's full body is
//! in the `CptRegistered` / `CptUpdated` event of that block.
//!
//! **Callers are DIDs.** Every call acts as a DID ([`pallet_did::ActingDid`]): a signed call
//! acts as the signer's own DID, a call relayed through `Did::submit_did_call` as the DID whose
//! key signed it. Deposits are held from the acting DID's account, with the deposit mechanism
//! every teeid pallet shares ([`pallet_did::deposit`]).
//!
//! ## Interface
//!
//! ### Dispatchable functions
//!
//! - `add_administrator`, `remove_administrator`: manage administrators.
//! - `add_committee_member`, `remove_committee_member`: manage the committee.
//! - `apply_authority_issuer`, `recognize_authority_issuer`, `derecognize_authority_issuer`,
//!   `remove_authority_issuer`: the authority issuer life cycle.
//! - `register_issuer_type`, `add_issuer_to_type`, `remove_issuer_from_type`,
//!   `remove_issuer_type`: specific issuer types.
//! - `register_cpt`, `update_cpt`: publish a CPT and new versions of it.
//!
//! ### Runtime API
//!
//! [`runtime_api::CptApi`]: a CPT (current, or one version), a DID's roles, issuer types.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
pub mod permissions;
pub mod runtime_api;
pub mod schema;
#[cfg(test)]
mod tests;
#[cfg(any(feature = "try-runtime", test))]
mod try_state;
pub mod types;
pub mod weights;

use alloc::{string::String, vec::Vec};
use frame_support::{
	pallet_prelude::*,
	traits::fungible::{Mutate, MutateHold},
};
use frame_system::pallet_prelude::*;
use pallet_did::{deposit::DepositError, ActingDid, ActingDidError, DidInspect};
use sp_runtime::traits::Zero;

pub use pallet::*;
pub use permissions::{Operation, Role, Roles};
pub use schema::{CanonicalSchema, SchemaError};
pub use types::*;
pub use weights::WeightInfo;

/// A system CPT preloaded at genesis: id, publisher DID, title, description, JSON Schema.
pub type GenesisCpt<AccountId> = (CptId, AccountId, String, String, String);

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// The pallet's configuration.
	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The overarching event type.
		#[allow(deprecated)]
		type RuntimeEvent: From<Event<Self>> + IsType<<Self as frame_system::Config>::RuntimeEvent>;

		/// The DID registry: which DID a call acts as, and whether a DID is active.
		type Dids: DidInspect<Self::AccountId> + ActingDid<OriginFor<Self>, Self::AccountId>;

		/// The network's governance (root, or the chain's committee), which appoints and
		/// removes administrators besides the administrators themselves: a network whose every
		/// administrator lost its keys is not locked out of its CPT registry.
		type GovernanceOrigin: EnsureOrigin<Self::RuntimeOrigin>;

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

		/// The most administrators.
		#[pallet::constant]
		type MaxAdministrators: Get<u32>;

		/// The most committee members.
		#[pallet::constant]
		type MaxCommitteeMembers: Get<u32>;

		/// The longest authority issuer or issuer type name, in bytes.
		#[pallet::constant]
		type MaxNameLength: Get<u32>;

		/// The most issuers of one specific issuer type.
		#[pallet::constant]
		type MaxIssuersPerType: Get<u32>;

		/// The longest CPT title, in bytes.
		#[pallet::constant]
		type MaxTitleLength: Get<u32>;

		/// The longest CPT description, in bytes.
		#[pallet::constant]
		type MaxDescriptionLength: Get<u32>;

		/// The longest CPT JSON Schema, in bytes, as submitted and in canonical form.
		#[pallet::constant]
		type MaxSchemaLength: Get<u32>;

		/// The most versions of one CPT.
		#[pallet::constant]
		type MaxVersions: Get<u32>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit for a CPT and its version records.
		CptDeposit,
		/// The deposit for an authority issuer's record.
		AuthorityIssuerDeposit,
		/// The deposit for a specific issuer type, or for one issuer's membership of it.
		IssuerTypeDeposit,
	}

	/// The administrators, by DID.
	#[pallet::storage]
	pub type Administrators<T: Config> =
		CountedStorageMap<_, Blake2_128Concat, T::AccountId, (), OptionQuery>;

	/// The committee members, by DID.
	#[pallet::storage]
	pub type CommitteeMembers<T: Config> =
		CountedStorageMap<_, Blake2_128Concat, T::AccountId, (), OptionQuery>;

	/// Authority issuers and applicants, by DID.
	#[pallet::storage]
	pub type AuthorityIssuers<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, AuthorityIssuer<T>>;

	/// The DID of each authority issuer name (names are unique).
	#[pallet::storage]
	pub type AuthorityIssuerNames<T: Config> =
		StorageMap<_, Blake2_128Concat, NameOf<T>, T::AccountId>;

	/// Specific issuer types, by name.
	#[pallet::storage]
	pub type IssuerTypes<T: Config> = StorageMap<_, Blake2_128Concat, NameOf<T>, IssuerType<T>>;

	/// The issuers of each specific issuer type, with the deposit held from the authority
	/// issuer that added them.
	#[pallet::storage]
	pub type IssuersOfType<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		NameOf<T>,
		Blake2_128Concat,
		T::AccountId,
		DepositOf<T>,
	>;

	/// The CPTs, by id.
	#[pallet::storage]
	pub type Cpts<T: Config> = StorageMap<_, Blake2_128Concat, CptId, CptDetails<T>>;

	/// Every version of every CPT: its schema hash and the block that published it.
	#[pallet::storage]
	pub type CptVersions<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		CptId,
		Twox64Concat,
		u32,
		CptVersion<BlockNumberFor<T>>,
	>;

	/// The allocation cursor of each id range (absent: nothing allocated from it yet).
	#[pallet::storage]
	pub type Cursors<T: Config> = StorageMap<_, Twox64Concat, CptRange, RangeCursor>;

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			try_state::do_try_state::<T>()
		}
	}

	/// The genesis state: the first administrators and committee members, and system CPTs.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The first administrators (DIDs; they act once their DIDs are created).
		pub administrators: Vec<T::AccountId>,
		/// The first committee members.
		pub committee: Vec<T::AccountId>,
		/// System CPTs: `(id, publisher, title, description, schema)`.
		pub system_cpts: Vec<GenesisCpt<T::AccountId>>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			assert!(
				self.administrators.len() as u32 <= T::MaxAdministrators::get()
					&& self.committee.len() as u32 <= T::MaxCommitteeMembers::get(),
				"more administrators or committee members than the limits allow"
			);
			for admin in &self.administrators {
				Administrators::<T>::insert(admin, ());
			}
			for member in &self.committee {
				CommitteeMembers::<T>::insert(member, ());
			}
			let mut cursor = RangeCursor::new(CptRange::System);
			for (id, publisher, title, description, schema) in &self.system_cpts {
				assert!(CptRange::System.contains(*id), "genesis CPT {id} is not a system CPT");
				assert!(!Cpts::<T>::contains_key(id), "genesis CPT {id} appears twice");
				cursor.allocate(Some(*id), true).expect("a system id is choosable; qed");
				let schema = CanonicalSchema::parse(schema.as_bytes(), T::MaxSchemaLength::get())
					.unwrap_or_else(|e| panic!("genesis CPT {id} has a bad schema: {e:?}"));
				let title = title
					.as_bytes()
					.to_vec()
					.try_into()
					.unwrap_or_else(|_| panic!("genesis CPT {id} has too long a title"));
				let description = description
					.as_bytes()
					.to_vec()
					.try_into()
					.unwrap_or_else(|_| panic!("genesis CPT {id} has too long a description"));
				let content = CptContent::<T>::new(title, description, schema)
					.unwrap_or_else(|e| panic!("genesis CPT {id} is too large: {e:?}"));
				let cpt = CptDetails::<T>::new(publisher.clone(), content, Zero::zero());
				CptVersions::<T>::insert(id, 1, cpt.current_version());
				Cpts::<T>::insert(id, cpt);
			}
			Cursors::<T>::insert(CptRange::System, cursor);
		}
	}

	/// The pallet's events.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A DID became an administrator, by an administrator's DID (`None`: by governance).
		AdministratorAdded { did: T::AccountId, by: Option<T::AccountId> },
		/// An administrator was removed, by an administrator's DID (`None`: by governance).
		AdministratorRemoved { did: T::AccountId, by: Option<T::AccountId> },
		/// A DID joined the committee.
		CommitteeMemberAdded { did: T::AccountId, by: T::AccountId },
		/// A committee member was removed.
		CommitteeMemberRemoved { did: T::AccountId, by: T::AccountId },
		/// A DID applied to be an authority issuer under `name`.
		AuthorityIssuerApplied { did: T::AccountId, name: NameOf<T> },
		/// An authority issuer was recognized.
		AuthorityIssuerRecognized { did: T::AccountId, by: T::AccountId },
		/// An authority issuer's recognition was withdrawn.
		AuthorityIssuerDerecognized { did: T::AccountId, by: T::AccountId },
		/// An authority issuer's record was removed (its name is free again).
		AuthorityIssuerRemoved { did: T::AccountId, name: NameOf<T>, by: T::AccountId },
		/// A specific issuer type was registered.
		IssuerTypeRegistered { issuer_type: NameOf<T>, owner: T::AccountId },
		/// An issuer was added to a specific issuer type.
		IssuerAddedToType { issuer_type: NameOf<T>, issuer: T::AccountId, by: T::AccountId },
		/// An issuer was removed from a specific issuer type.
		IssuerRemovedFromType { issuer_type: NameOf<T>, issuer: T::AccountId, by: T::AccountId },
		/// An empty specific issuer type was removed.
		IssuerTypeRemoved { issuer_type: NameOf<T> },
		/// A CPT was registered (version 1); the event carries its whole content.
		CptRegistered {
			id: CptId,
			publisher: T::AccountId,
			title: Vec<u8>,
			description: Vec<u8>,
			schema: Vec<u8>,
			schema_hash: sp_core::H256,
		},
		/// A new version of a CPT was published; the event carries its whole content, and
		/// `previous` is the block of the version it replaces.
		CptUpdated {
			id: CptId,
			version: u32,
			by: T::AccountId,
			title: Vec<u8>,
			description: Vec<u8>,
			schema: Vec<u8>,
			schema_hash: sp_core::H256,
			previous: BlockNumberFor<T>,
		},
	}

	/// The pallet's errors.
	#[pallet::error]
	pub enum Error<T> {
		/// The signer has no DID, so it cannot act.
		ActingDidNotFound,
		/// The signer's DID is deactivated.
		ActingDidDeactivated,
		/// The signer's DID has another controller; it acts through `submit_did_call`.
		NotDidController,
		/// None of the caller's roles permits the operation.
		NotAuthorized,
		/// The DID the call names does not exist or is deactivated.
		DidNotFound,
		/// The DID is an administrator already.
		AlreadyAdministrator,
		/// The DID is not an administrator.
		NotAdministrator,
		/// The last administrator cannot be removed.
		LastAdministrator,
		/// There are as many administrators as allowed.
		TooManyAdministrators,
		/// The DID is a committee member already.
		AlreadyCommitteeMember,
		/// The DID is not a committee member.
		NotCommitteeMember,
		/// The committee has as many members as allowed.
		TooManyCommitteeMembers,
		/// A name is empty.
		InvalidName,
		/// Another DID uses this authority issuer name.
		NameTaken,
		/// The DID has an authority issuer record already.
		AlreadyApplied,
		/// The DID has no authority issuer record.
		AuthorityIssuerNotFound,
		/// The authority issuer is recognized already.
		AlreadyRecognized,
		/// The authority issuer is not recognized.
		NotRecognized,
		/// A specific issuer type of this name exists.
		IssuerTypeExists,
		/// No specific issuer type of this name exists.
		IssuerTypeNotFound,
		/// The DID is an issuer of this type already.
		AlreadyIssuerOfType,
		/// The DID is not an issuer of this type.
		NotIssuerOfType,
		/// The type has as many issuers as allowed.
		TooManyIssuersOfType,
		/// The type still has issuers, so it cannot be removed.
		IssuerTypeNotEmpty,
		/// The chosen id is not in the requested range.
		IdOutOfRange,
		/// Ids in the normal range are numbered in order and cannot be chosen.
		IdNotChoosable,
		/// The chosen id is at or above the range's cursor (`next_cpt_id`): only administrators
		/// and committee members choose such ids, moving the cursor past them. Others choose
		/// free ids below it, or take the next id.
		IdAheadOfCursor,
		/// A CPT with the chosen id exists.
		CptIdTaken,
		/// The range has no id left to number in order.
		RangeExhausted,
		/// No CPT has this id (or it has no such version).
		CptNotFound,
		/// The schema is longer than the limit in canonical form (numbers such as `1e20` are
		/// printed in full); as submitted, the limit is checked when the call is decoded.
		SchemaTooLong,
		/// The schema is not strict JSON.
		MalformedSchema,
		/// The schema's top level is not an object schema (`"type": "object"`).
		NotAnObjectSchema,
		/// The CPT has as many versions as allowed.
		TooManyVersions,
		/// The acting DID's account cannot pay the deposit.
		InsufficientDeposit,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Makes a DID an administrator.
		///
		/// - `origin`: an administrator, or `GovernanceOrigin`.
		/// - `did`: an active DID.
		///
		/// Emits `AdministratorAdded`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::add_administrator())]
		pub fn add_administrator(origin: OriginFor<T>, did: T::AccountId) -> DispatchResult {
			let by = Self::governance_or_authorize(origin, Operation::AddAdministrator)?;
			ensure!(T::Dids::is_active(&did), Error::<T>::DidNotFound);
			ensure!(!Administrators::<T>::contains_key(&did), Error::<T>::AlreadyAdministrator);
			ensure!(
				Administrators::<T>::count() < T::MaxAdministrators::get(),
				Error::<T>::TooManyAdministrators
			);
			Administrators::<T>::insert(&did, ());
			Self::deposit_event(Event::AdministratorAdded { did, by });
			Ok(())
		}

		/// Removes an administrator (not the last one; an administrator may remove itself).
		///
		/// - `origin`: an administrator, or `GovernanceOrigin`.
		/// - `did`: the administrator to remove.
		///
		/// Emits `AdministratorRemoved`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::remove_administrator())]
		pub fn remove_administrator(origin: OriginFor<T>, did: T::AccountId) -> DispatchResult {
			let by = Self::governance_or_authorize(origin, Operation::RemoveAdministrator)?;
			ensure!(Administrators::<T>::contains_key(&did), Error::<T>::NotAdministrator);
			ensure!(Administrators::<T>::count() > 1, Error::<T>::LastAdministrator);
			Administrators::<T>::remove(&did);
			Self::deposit_event(Event::AdministratorRemoved { did, by });
			Ok(())
		}

		/// Makes a DID a committee member.
		///
		/// - `origin`: an administrator.
		/// - `did`: an active DID.
		///
		/// Emits `CommitteeMemberAdded`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::add_committee_member())]
		pub fn add_committee_member(origin: OriginFor<T>, did: T::AccountId) -> DispatchResult {
			let by = Self::authorize(origin, Operation::AddCommitteeMember, None)?;
			ensure!(T::Dids::is_active(&did), Error::<T>::DidNotFound);
			ensure!(!CommitteeMembers::<T>::contains_key(&did), Error::<T>::AlreadyCommitteeMember);
			ensure!(
				CommitteeMembers::<T>::count() < T::MaxCommitteeMembers::get(),
				Error::<T>::TooManyCommitteeMembers
			);
			CommitteeMembers::<T>::insert(&did, ());
			Self::deposit_event(Event::CommitteeMemberAdded { did, by });
			Ok(())
		}

		/// Removes a committee member.
		///
		/// - `origin`: an administrator.
		/// - `did`: the member to remove.
		///
		/// Emits `CommitteeMemberRemoved`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::remove_committee_member())]
		pub fn remove_committee_member(origin: OriginFor<T>, did: T::AccountId) -> DispatchResult {
			let by = Self::authorize(origin, Operation::RemoveCommitteeMember, None)?;
			ensure!(CommitteeMembers::<T>::contains_key(&did), Error::<T>::NotCommitteeMember);
			CommitteeMembers::<T>::remove(&did);
			Self::deposit_event(Event::CommitteeMemberRemoved { did, by });
			Ok(())
		}

		/// Applies, as the acting DID, to be an authority issuer; holds the record's deposit.
		///
		/// - `origin`: any DID without an authority issuer record.
		/// - `name`: a non-empty name no other authority issuer uses.
		///
		/// Emits `AuthorityIssuerApplied`.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::apply_authority_issuer())]
		pub fn apply_authority_issuer(origin: OriginFor<T>, name: NameOf<T>) -> DispatchResult {
			let did = Self::authorize(origin, Operation::ApplyAuthorityIssuer, None)?;
			Self::ensure_name(&name)?;
			ensure!(!AuthorityIssuers::<T>::contains_key(&did), Error::<T>::AlreadyApplied);
			ensure!(!AuthorityIssuerNames::<T>::contains_key(&name), Error::<T>::NameTaken);
			let now = frame_system::Pallet::<T>::block_number();
			let mut issuer = AuthorityIssuer::<T>::apply(
				name.clone(),
				now,
				Deposit { owner: did.clone(), amount: Zero::zero() },
			);
			// The record, and the name's entry pointing back at it.
			let amount = Self::deposit_for(
				issuer
					.encoded_size()
					.saturating_add(name.encoded_size())
					.saturating_add(did.encoded_size()),
			);
			issuer.deposit = DepositOf::<T>::hold::<T::Currency>(
				&HoldReason::AuthorityIssuerDeposit.into(),
				did.clone(),
				amount,
			)
			.map_err(Error::<T>::from)?;
			AuthorityIssuerNames::<T>::insert(&name, &did);
			AuthorityIssuers::<T>::insert(&did, issuer);
			Self::deposit_event(Event::AuthorityIssuerApplied { did, name });
			Ok(())
		}

		/// Recognizes an applicant (or a de-recognized issuer) as an authority issuer.
		///
		/// - `origin`: an administrator or committee member.
		/// - `did`: the applicant.
		///
		/// Emits `AuthorityIssuerRecognized`.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::recognize_authority_issuer())]
		pub fn recognize_authority_issuer(
			origin: OriginFor<T>,
			did: T::AccountId,
		) -> DispatchResult {
			let by = Self::authorize(origin, Operation::RecognizeAuthorityIssuer, None)?;
			Self::change_issuer(&did, |issuer, now| issuer.recognize(now))?;
			Self::deposit_event(Event::AuthorityIssuerRecognized { did, by });
			Ok(())
		}

		/// Withdraws an authority issuer's recognition; the record and its name stay.
		///
		/// - `origin`: an administrator or committee member.
		/// - `did`: the authority issuer.
		///
		/// Emits `AuthorityIssuerDerecognized`.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::derecognize_authority_issuer())]
		pub fn derecognize_authority_issuer(
			origin: OriginFor<T>,
			did: T::AccountId,
		) -> DispatchResult {
			let by = Self::authorize(origin, Operation::DerecognizeAuthorityIssuer, None)?;
			Self::change_issuer(&did, |issuer, now| issuer.derecognize(now))?;
			Self::deposit_event(Event::AuthorityIssuerDerecognized { did, by });
			Ok(())
		}

		/// Removes an authority issuer's record, frees its name and releases its deposit to the
		/// applicant.
		///
		/// - `origin`: an administrator or committee member, or the applicant itself.
		/// - `did`: the authority issuer or applicant.
		///
		/// Emits `AuthorityIssuerRemoved`.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::remove_authority_issuer())]
		pub fn remove_authority_issuer(origin: OriginFor<T>, did: T::AccountId) -> DispatchResult {
			let by = Self::authorize(origin, Operation::RemoveAuthorityIssuer, Some(&did))?;
			let issuer =
				AuthorityIssuers::<T>::get(&did).ok_or(Error::<T>::AuthorityIssuerNotFound)?;
			issuer.deposit.release::<T::Currency>(&HoldReason::AuthorityIssuerDeposit.into())?;
			AuthorityIssuerNames::<T>::remove(&issuer.name);
			AuthorityIssuers::<T>::remove(&did);
			Self::deposit_event(Event::AuthorityIssuerRemoved { did, name: issuer.name, by });
			Ok(())
		}

		/// Registers a specific issuer type owned by the acting DID; holds its deposit.
		///
		/// - `origin`: any DID.
		/// - `name`: a non-empty type name not registered yet.
		///
		/// Emits `IssuerTypeRegistered`.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::register_issuer_type())]
		pub fn register_issuer_type(origin: OriginFor<T>, name: NameOf<T>) -> DispatchResult {
			let owner = Self::authorize(origin, Operation::RegisterIssuerType, None)?;
			Self::ensure_name(&name)?;
			ensure!(!IssuerTypes::<T>::contains_key(&name), Error::<T>::IssuerTypeExists);
			let mut issuer_type = IssuerType::<T> {
				owner: owner.clone(),
				issuers: 0,
				created: frame_system::Pallet::<T>::block_number(),
				deposit: Deposit { owner: owner.clone(), amount: Zero::zero() },
			};
			let amount =
				Self::deposit_for(issuer_type.encoded_size().saturating_add(name.encoded_size()));
			issuer_type.deposit = DepositOf::<T>::hold::<T::Currency>(
				&HoldReason::IssuerTypeDeposit.into(),
				owner.clone(),
				amount,
			)
			.map_err(Error::<T>::from)?;
			IssuerTypes::<T>::insert(&name, issuer_type);
			Self::deposit_event(Event::IssuerTypeRegistered { issuer_type: name, owner });
			Ok(())
		}

		/// Adds an issuer to a specific issuer type; holds the membership's deposit from the
		/// acting authority issuer.
		///
		/// - `origin`: a recognized authority issuer.
		/// - `issuer_type`: the type's name.
		/// - `issuer`: an active DID not yet of the type.
		///
		/// Emits `IssuerAddedToType`.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::add_issuer_to_type())]
		pub fn add_issuer_to_type(
			origin: OriginFor<T>,
			issuer_type: NameOf<T>,
			issuer: T::AccountId,
		) -> DispatchResult {
			let by = Self::authorize(origin, Operation::AddIssuerToType, None)?;
			let name = issuer_type;
			Self::ensure_name(&name)?;
			ensure!(T::Dids::is_active(&issuer), Error::<T>::DidNotFound);
			let mut record = IssuerTypes::<T>::get(&name).ok_or(Error::<T>::IssuerTypeNotFound)?;
			ensure!(
				!IssuersOfType::<T>::contains_key(&name, &issuer),
				Error::<T>::AlreadyIssuerOfType
			);
			record.add_issuer().map_err(Error::<T>::from)?;
			let amount = Self::deposit_for(
				name.encoded_size()
					.saturating_add(issuer.encoded_size())
					.saturating_add(DepositOf::<T>::max_encoded_len()),
			);
			let deposit = DepositOf::<T>::hold::<T::Currency>(
				&HoldReason::IssuerTypeDeposit.into(),
				by.clone(),
				amount,
			)
			.map_err(Error::<T>::from)?;
			IssuersOfType::<T>::insert(&name, &issuer, deposit);
			IssuerTypes::<T>::insert(&name, record);
			Self::deposit_event(Event::IssuerAddedToType { issuer_type: name, issuer, by });
			Ok(())
		}

		/// Removes an issuer from a specific issuer type; releases the membership's deposit to
		/// whoever paid it.
		///
		/// - `origin`: a recognized authority issuer.
		/// - `issuer_type`: the type's name.
		/// - `issuer`: an issuer of the type.
		///
		/// Emits `IssuerRemovedFromType`.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::remove_issuer_from_type())]
		pub fn remove_issuer_from_type(
			origin: OriginFor<T>,
			issuer_type: NameOf<T>,
			issuer: T::AccountId,
		) -> DispatchResult {
			let by = Self::authorize(origin, Operation::RemoveIssuerFromType, None)?;
			let name = issuer_type;
			Self::ensure_name(&name)?;
			let mut record = IssuerTypes::<T>::get(&name).ok_or(Error::<T>::IssuerTypeNotFound)?;
			let deposit =
				IssuersOfType::<T>::get(&name, &issuer).ok_or(Error::<T>::NotIssuerOfType)?;
			record.remove_issuer();
			deposit.release::<T::Currency>(&HoldReason::IssuerTypeDeposit.into())?;
			IssuersOfType::<T>::remove(&name, &issuer);
			IssuerTypes::<T>::insert(&name, record);
			Self::deposit_event(Event::IssuerRemovedFromType { issuer_type: name, issuer, by });
			Ok(())
		}

		/// Removes an empty specific issuer type and releases its deposit.
		///
		/// - `origin`: the type's owner.
		/// - `issuer_type`: the type's name.
		///
		/// Emits `IssuerTypeRemoved`.
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::remove_issuer_type())]
		pub fn remove_issuer_type(origin: OriginFor<T>, issuer_type: NameOf<T>) -> DispatchResult {
			let did = Self::acting(origin)?;
			let name = issuer_type;
			Self::ensure_name(&name)?;
			let record = IssuerTypes::<T>::get(&name).ok_or(Error::<T>::IssuerTypeNotFound)?;
			Self::ensure_permitted(&did, Operation::RemoveIssuerType, Some(&record.owner))?;
			record.ensure_empty().map_err(Error::<T>::from)?;
			record.deposit.release::<T::Currency>(&HoldReason::IssuerTypeDeposit.into())?;
			IssuerTypes::<T>::remove(&name);
			Self::deposit_event(Event::IssuerTypeRemoved { issuer_type: name });
			Ok(())
		}

		/// Registers a CPT as version 1, published by the acting DID; holds its deposit.
		///
		/// - `origin`: in the system range an administrator or committee member, in the
		///   authority range a recognized authority issuer, in the normal range any DID.
		/// - `range`: the id range.
		/// - `id`: `None` for the range's next id, or a free id of the range to take (system and
		///   authority ranges only): an administrator or committee member may choose any, which
		///   moves the range's cursor past it; anyone else only one below the cursor.
		/// - `title`, `description`: within the limits (checked when the call is decoded).
		/// - `schema`: a JSON Schema whose top level is an object schema; stored canonically.
		///
		/// Emits `CptRegistered`.
		#[pallet::call_index(12)]
		#[pallet::weight(T::WeightInfo::register_cpt(schema.len() as u32))]
		pub fn register_cpt(
			origin: OriginFor<T>,
			range: CptRange,
			id: Option<CptId>,
			title: TitleOf<T>,
			description: DescriptionOf<T>,
			schema: SchemaOf<T>,
		) -> DispatchResult {
			let publisher = Self::authorize(origin, Operation::RegisterCpt(range), None)?;
			let content = Self::content(title, description, schema)?;
			let may_advance =
				Self::roles_of(&publisher, None).allow(Operation::ChooseIdAheadOfCursor);
			let mut cursor = Cursors::<T>::get(range).unwrap_or(RangeCursor::new(range));
			let id = cursor.allocate(id, may_advance).map_err(Error::<T>::from)?;
			ensure!(!Cpts::<T>::contains_key(id), Error::<T>::CptIdTaken);
			let now = frame_system::Pallet::<T>::block_number();
			let mut cpt = CptDetails::<T>::new(publisher.clone(), content, now);
			cpt.settle_deposit(publisher.clone())?;
			let event = Event::CptRegistered {
				id,
				publisher,
				title: cpt.title.to_vec(),
				description: cpt.description.to_vec(),
				schema: cpt.schema.to_vec(),
				schema_hash: cpt.schema_hash,
			};
			Cursors::<T>::insert(range, cursor);
			CptVersions::<T>::insert(id, 1, cpt.current_version());
			Cpts::<T>::insert(id, cpt);
			Self::deposit_event(event);
			Ok(())
		}

		/// Publishes a new version of a CPT. The acting DID pays the deposit of the updated
		/// record (the previous deposit goes back to whoever paid it).
		///
		/// - `origin`: an administrator, a committee member, or the publisher while it may still
		///   publish in the CPT's range (a removed administrator or a de-recognized authority
		///   issuer no longer edits what it published).
		/// - `id`: the CPT.
		/// - `title`, `description`, `schema`: the new version's content, as for `register_cpt`.
		///
		/// Emits `CptUpdated`.
		#[pallet::call_index(13)]
		#[pallet::weight(T::WeightInfo::update_cpt(schema.len() as u32))]
		pub fn update_cpt(
			origin: OriginFor<T>,
			id: CptId,
			title: TitleOf<T>,
			description: DescriptionOf<T>,
			schema: SchemaOf<T>,
		) -> DispatchResult {
			let by = Self::acting(origin)?;
			let mut cpt = Cpts::<T>::get(id).ok_or(Error::<T>::CptNotFound)?;
			let range = CptRange::of(id).unwrap_or(CptRange::Normal);
			let owner = Self::roles_of(&by, None)
				.allow(Operation::RegisterCpt(range))
				.then_some(&cpt.publisher);
			Self::ensure_permitted(&by, Operation::UpdateCpt, owner)?;
			let content = Self::content(title, description, schema)?;
			let now = frame_system::Pallet::<T>::block_number();
			let previous = cpt.update(content, now).map_err(Error::<T>::from)?;
			cpt.settle_deposit(by.clone())?;
			let event = Event::CptUpdated {
				id,
				version: cpt.version,
				by,
				title: cpt.title.to_vec(),
				description: cpt.description.to_vec(),
				schema: cpt.schema.to_vec(),
				schema_hash: cpt.schema_hash,
				previous,
			};
			CptVersions::<T>::insert(id, cpt.version, cpt.current_version());
			Cpts::<T>::insert(id, cpt);
			Self::deposit_event(event);
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// Resolves the DID a call acts as, then checks its permission for `operation` on an
		/// object owned by `owner` (if any): see [`Self::ensure_permitted`].
		pub fn authorize(
			origin: OriginFor<T>,
			operation: Operation,
			owner: Option<&T::AccountId>,
		) -> Result<T::AccountId, DispatchError> {
			let did = Self::acting(origin)?;
			Self::ensure_permitted(&did, operation, owner)?;
			Ok(did)
		}

		/// `None` for `GovernanceOrigin`; otherwise the DID the call acts as, permitted
		/// `operation` ([`Self::authorize`]).
		pub fn governance_or_authorize(
			origin: OriginFor<T>,
			operation: Operation,
		) -> Result<Option<T::AccountId>, DispatchError> {
			match T::GovernanceOrigin::try_origin(origin) {
				Ok(_) => Ok(None),
				Err(origin) => Self::authorize(origin, operation, None).map(Some),
			}
		}

		/// The DID a call acts as.
		pub fn acting(origin: OriginFor<T>) -> Result<T::AccountId, DispatchError> {
			T::Dids::acting_did(origin).map_err(Self::acting_error)
		}

		/// The one permission check every call goes through: gathers the roles `did` holds
		/// (`owner`: the owner of the object the call touches, for calls on an existing
		/// object) and asks the permission table whether any of them permits `operation`.
		pub fn ensure_permitted(
			did: &T::AccountId,
			operation: Operation,
			owner: Option<&T::AccountId>,
		) -> DispatchResult {
			ensure!(Self::roles_of(did, owner).allow(operation), Error::<T>::NotAuthorized);
			Ok(())
		}

		/// The roles `did` holds for a call touching an object owned by `owner`.
		pub fn roles_of(did: &T::AccountId, owner: Option<&T::AccountId>) -> Roles {
			Roles {
				administrator: Administrators::<T>::contains_key(did),
				committee_member: CommitteeMembers::<T>::contains_key(did),
				authority_issuer: AuthorityIssuers::<T>::get(did)
					.is_some_and(|issuer| issuer.is_recognized()),
				owner: owner == Some(did),
			}
		}

		fn acting_error(error: ActingDidError) -> DispatchError {
			match error {
				ActingDidError::BadOrigin => DispatchError::BadOrigin,
				ActingDidError::UnknownDid => Error::<T>::ActingDidNotFound.into(),
				ActingDidError::Deactivated => Error::<T>::ActingDidDeactivated.into(),
				ActingDidError::NotController => Error::<T>::NotDidController.into(),
			}
		}

		/// Names are bounded when the call is decoded; the empty name is no name.
		fn ensure_name(name: &NameOf<T>) -> Result<(), Error<T>> {
			ensure!(!name.is_empty(), Error::<T>::InvalidName);
			Ok(())
		}

		/// A CPT version's content, its schema checked and canonicalized.
		fn content(
			title: TitleOf<T>,
			description: DescriptionOf<T>,
			schema: SchemaOf<T>,
		) -> Result<CptContent<T>, Error<T>> {
			let schema = CanonicalSchema::parse(&schema, T::MaxSchemaLength::get())?;
			Ok(CptContent::new(title, description, schema)?)
		}

		/// Applies `change` to the authority issuer record of `did`.
		fn change_issuer(
			did: &T::AccountId,
			change: impl FnOnce(&mut AuthorityIssuer<T>, BlockNumberFor<T>) -> Result<(), RoleError>,
		) -> DispatchResult {
			let mut issuer =
				AuthorityIssuers::<T>::get(did).ok_or(Error::<T>::AuthorityIssuerNotFound)?;
			change(&mut issuer, frame_system::Pallet::<T>::block_number())
				.map_err(Error::<T>::from)?;
			AuthorityIssuers::<T>::insert(did, issuer);
			Ok(())
		}

		/// The deposit for a record of `bytes` bytes, at this pallet's prices.
		pub fn deposit_for(bytes: usize) -> BalanceOf<T> {
			pallet_did::deposit::deposit_for(T::DepositBase::get(), T::DepositPerByte::get(), bytes)
		}

		/// CPT `id` for the runtime API.
		pub fn cpt_info(
			id: CptId,
		) -> Option<CptInfo<T::AccountId, BlockNumberFor<T>, BalanceOf<T>>> {
			Cpts::<T>::get(id).map(|cpt| cpt.to_info(id))
		}

		/// The roles of `did` for the runtime API.
		pub fn role_status(did: &T::AccountId) -> RoleStatus<BlockNumberFor<T>> {
			RoleStatus {
				active: T::Dids::is_active(did),
				administrator: Administrators::<T>::contains_key(did),
				committee_member: CommitteeMembers::<T>::contains_key(did),
				authority_issuer: AuthorityIssuers::<T>::get(did).map(|issuer| {
					AuthorityIssuerInfo {
						name: issuer.name.to_vec(),
						status: issuer.status,
						applied: issuer.applied,
						changed: issuer.changed,
					}
				}),
			}
		}

		/// Specific issuer type `name` for the runtime API.
		pub fn issuer_type_info(
			name: &[u8],
		) -> Option<IssuerTypeInfo<T::AccountId, BlockNumberFor<T>>> {
			let name = NameOf::<T>::try_from(name.to_vec()).ok()?;
			IssuerTypes::<T>::get(name).map(|record| IssuerTypeInfo {
				owner: record.owner,
				issuers: record.issuers,
				created: record.created,
			})
		}

		/// Whether `did` is an issuer of type `name`, for the runtime API.
		pub fn is_issuer_of_type(name: &[u8], did: &T::AccountId) -> bool {
			NameOf::<T>::try_from(name.to_vec())
				.is_ok_and(|name| IssuersOfType::<T>::contains_key(name, did))
		}

		/// The id `register_cpt` would give the next CPT of `range` (`None` once exhausted).
		pub fn next_cpt_id(range: CptRange) -> Option<CptId> {
			Cursors::<T>::get(range).unwrap_or(RangeCursor::new(range)).next
		}
	}
}

impl<T: Config> From<RoleError> for Error<T> {
	fn from(error: RoleError) -> Self {
		match error {
			RoleError::AlreadyRecognized => Error::AlreadyRecognized,
			RoleError::NotRecognized => Error::NotRecognized,
			RoleError::TooManyIssuers => Error::TooManyIssuersOfType,
			RoleError::NotEmpty => Error::IssuerTypeNotEmpty,
		}
	}
}

impl<T: Config> From<AllocationError> for Error<T> {
	fn from(error: AllocationError) -> Self {
		match error {
			AllocationError::OutOfRange => Error::IdOutOfRange,
			AllocationError::NotChoosable => Error::IdNotChoosable,
			AllocationError::AheadOfCursor => Error::IdAheadOfCursor,
			AllocationError::Exhausted => Error::RangeExhausted,
		}
	}
}

impl<T: Config> From<SchemaError> for Error<T> {
	fn from(error: SchemaError) -> Self {
		match error {
			SchemaError::TooLong => Error::SchemaTooLong,
			SchemaError::Malformed => Error::MalformedSchema,
			SchemaError::NotAnObjectSchema => Error::NotAnObjectSchema,
		}
	}
}

impl<T: Config> From<ContentError> for Error<T> {
	fn from(error: ContentError) -> Self {
		match error {
			ContentError::SchemaTooLong => Error::SchemaTooLong,
			ContentError::TooManyVersions => Error::TooManyVersions,
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

impl<T: Config> Call<T> {
	/// The relationship a DID key needs to authorize this call through `submit_did_call`:
	/// publishing a CPT or a version of it is an assertion (`assertionMethod`); managing roles
	/// and issuer types is acting as the DID (`authentication`).
	pub fn required_relationship(&self) -> pallet_did::Relationship {
		match self {
			Call::register_cpt { .. } | Call::update_cpt { .. } => {
				pallet_did::Relationship::AssertionMethod
			},
			_ => pallet_did::Relationship::Authentication,
		}
	}
}
