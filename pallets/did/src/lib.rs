//! # DID Pallet
//!
//! The `did:teeid` registry: one decentralized identifier per subject account.
//!
//! ## Overview
//!
//! The chain keeps, per DID, what it must check: the controller, the verification keys
//! (Ed25519, Sr25519, ECDSA secp256k1 and X25519) with their W3C relationships and optional
//! expiry, the service endpoints, typed delegates with expiry (as in ERC-1056), the
//! deactivated flag, the nonce of DID-signed operations, the deposit held for the record, and
//! `changed`: the block of the DID's latest change.
//!
//! Every change is also emitted as a *linked event* (WeIdentity, ERC-1056): the event carries
//! the DID, the change, and `previous`, the block in which the DID changed before the current
//! block. Starting at `changed` and following `previous` from block to block visits every
//! block in which the DID changed, newest first; within a block, the DID's events appear in the
//! order they happened. Free-form attributes (name, value, validity) live only in these events.
//! Each event is deposited with the topic [`did_topic`] so clients can find a DID's events in
//! a block without decoding all of them.
//!
//! A DID is changed either by its controller with ordinary signed calls, or by any account
//! relaying an operation signed by one of the DID's keys (`submit_did_call`): the operation
//! names the DID, the next nonce, the call, an expiry block, the submitter, the genesis hash and
//! the runtime's transaction version, and the signing key must hold the relationship the call
//! requires
//! ([`DidAuthorizedCall`]). The call then runs with the [`DidRawOrigin`], which other pallets
//! accept through [`EnsureDid`].
//!
//! ## Interface
//!
//! ### Dispatchable functions
//!
//! - `create`: create the caller's DID with its initial keys; holds the deposit.
//! - `add_key`, `remove_key`, `rotate_key`: manage verification keys.
//! - `set_controller`: hand the DID to another controller.
//! - `add_delegate`, `revoke_delegate`: manage typed, expiring delegates.
//! - `set_attribute`, `revoke_attribute`: publish or revoke free-form attributes (events only).
//! - `add_service`, `remove_service`: manage service endpoints.
//! - `deactivate`: deactivate the DID for good; its tombstone's fee is burnt out of the deposit
//!   and the rest released.
//! - `submit_did_call`: relay an operation signed by a DID key.
//!
//! ### For other pallets
//!
//! - [`DidInspect`]: is a DID active, does it have a valid key for a relationship, does a
//!   signature verify against one.
//! - [`EnsureDid`]: an origin check for calls authorized by a DID key.
//!
//! ### Runtime API
//!
//! [`runtime_api::DidApi`]: a DID's current state in one call, and the head of its history.
//! [`runtime_api::SigningApi`]: the bytes each kind of off-chain signature covers, whose
//! parameters name the signed payload types in the metadata for clients.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
pub mod benchmark_helpers;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod deposit;
#[cfg(test)]
mod mock;
pub mod operation;
pub mod origin;
pub mod runtime_api;
pub mod signature;
#[cfg(test)]
mod tests;
pub mod traits;
#[cfg(any(feature = "try-runtime", test))]
mod try_state;
pub mod types;
pub mod weights;

use alloc::{boxed::Box, vec::Vec};
use codec::Encode;
use frame_support::{
	dispatch::{GetDispatchInfo, PostDispatchInfo},
	pallet_prelude::*,
	traits::{
		fungible::{Mutate, MutateHold},
		EnsureOrigin,
	},
};
use frame_system::pallet_prelude::*;
use sp_core::ed25519;
use sp_runtime::traits::{Dispatchable, Hash, Saturating, Zero};
use teeid_primitives::attestation::{parse_tee_key_id, tee_key_id};

pub use deposit::{deposit_for, Deposit, DepositError};
pub use operation::{DidOperation, DidOperationBody, DidOperationPayload};
pub use origin::{DidRawOrigin, EnsureDid};
pub use pallet::*;
pub use signature::{DidSignature, SignatureBytes, SignatureScheme};
pub use traits::{
	ActingDid, ActingDidError, BoundSigners, DidAuthError, DidAuthorizedCall, DidInspect,
	SignerHistory,
};
pub use types::*;
pub use weights::WeightInfo;

/// The prefix of a DID's event topic: `T::Hashing::hash_of(&(DID_TOPIC_PREFIX, did))`.
pub const DID_TOPIC_PREFIX: [u8; 9] = *b"teeid/did";

/// The topic under which every event of `did` is deposited.
pub fn did_topic<T: frame_system::Config>(did: &T::AccountId) -> T::Hash {
	T::Hashing::hash_of(&(DID_TOPIC_PREFIX, did))
}

/// The operation type of a runtime.
pub type DidOperationOf<T> = DidOperation<
	<T as frame_system::Config>::AccountId,
	<T as Config>::RuntimeCall,
	BlockNumberFor<T>,
	<T as frame_system::Config>::Hash,
>;

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

		/// The overarching origin, which can carry a [`DidRawOrigin`].
		type RuntimeOrigin: From<DidRawOrigin<Self::AccountId>>
			+ IsType<<Self as frame_system::Config>::RuntimeOrigin>
			+ Into<Result<DidRawOrigin<Self::AccountId>, <Self as Config>::RuntimeOrigin>>;

		/// The overarching call type, which `submit_did_call` dispatches.
		type RuntimeCall: Parameter
			+ Dispatchable<
				RuntimeOrigin = <Self as frame_system::Config>::RuntimeOrigin,
				PostInfo = PostDispatchInfo,
			> + GetDispatchInfo
			+ DidAuthorizedCall
			+ From<Call<Self>>;

		/// The currency that deposits are held in.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ Mutate<Self::AccountId>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// The deposit every DID holds, whatever its size.
		#[pallet::constant]
		type DepositBase: Get<BalanceOf<Self>>;

		/// The deposit per byte of a DID's encoded record.
		#[pallet::constant]
		type DepositPerByte: Get<BalanceOf<Self>>;

		/// What deactivating a DID burns out of its deposit; the rest is released. The
		/// tombstone stays in state for good, so it is paid for once rather than held for. At
		/// most `DepositBase`, which every DID holds, so that the fee can always be paid
		/// (`integrity_test` checks it).
		#[pallet::constant]
		type TombstoneFee: Get<BalanceOf<Self>>;

		/// The most verification keys a DID may have.
		#[pallet::constant]
		type MaxKeys: Get<u32>;

		/// The most service endpoints a DID may have.
		#[pallet::constant]
		type MaxServices: Get<u32>;

		/// The most delegates a DID may have.
		#[pallet::constant]
		type MaxDelegates: Get<u32>;

		/// The longest key or service id (URL fragment), in bytes.
		#[pallet::constant]
		type MaxIdLength: Get<u32>;

		/// The longest service type, in bytes.
		#[pallet::constant]
		type MaxServiceTypeLength: Get<u32>;

		/// The longest service endpoint URI, in bytes.
		#[pallet::constant]
		type MaxServiceEndpointLength: Get<u32>;

		/// The longest attribute name, in bytes.
		#[pallet::constant]
		type MaxAttributeNameLength: Get<u32>;

		/// The longest attribute value, in bytes.
		#[pallet::constant]
		type MaxAttributeValueLength: Get<u32>;

		/// How far in the future a DID-signed operation may expire, in blocks.
		#[pallet::constant]
		type MaxOperationValidity: Get<BlockNumberFor<Self>>;

		/// The TEE signers bound to DIDs (the attestation pallet), which count as assertion
		/// keys of the DIDs they are bound to; `()` if there are none.
		type BoundSigners: BoundSigners<Self::AccountId>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;

		/// The calls the `submit_did_call` benchmarks relay: as long as the runtime's longest
		/// DID-authorizable call.
		#[cfg(feature = "runtime-benchmarks")]
		type RelayedCalls: benchmark_helpers::RelayedCalls<<Self as Config>::RuntimeCall>;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit for a DID record.
		DidDeposit,
	}

	/// The origin of calls authorized by a DID key.
	#[pallet::origin]
	pub type Origin<T> = DidRawOrigin<<T as frame_system::Config>::AccountId>;

	/// The DIDs, by subject account. Deactivated DIDs stay as tombstones.
	#[pallet::storage]
	pub type Dids<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, DidDetails<T>>;

	/// The pallet's events. Each carries the DID and `previous`: the block of the DID's last
	/// change before the current block (`None` for changes in the block that created it).
	#[pallet::event]
	pub enum Event<T: Config> {
		/// A DID was created.
		DidCreated {
			did: T::AccountId,
			controller: T::AccountId,
			keys: Vec<KeyOf<T>>,
			previous: Option<BlockNumberFor<T>>,
		},
		/// A key was added.
		KeyAdded { did: T::AccountId, key: KeyOf<T>, previous: Option<BlockNumberFor<T>> },
		/// A key was removed.
		KeyRemoved { did: T::AccountId, key_id: IdOf<T>, previous: Option<BlockNumberFor<T>> },
		/// A key was replaced by another.
		KeyRotated {
			did: T::AccountId,
			old_key_id: IdOf<T>,
			key: KeyOf<T>,
			previous: Option<BlockNumberFor<T>>,
		},
		/// The controller changed.
		ControllerChanged {
			did: T::AccountId,
			controller: T::AccountId,
			previous: Option<BlockNumberFor<T>>,
		},
		/// A delegate was added, or its expiry changed.
		DelegateAdded {
			did: T::AccountId,
			kind: DelegateKind,
			delegate: T::AccountId,
			expires: BlockNumberFor<T>,
			previous: Option<BlockNumberFor<T>>,
		},
		/// A delegate was revoked.
		DelegateRevoked {
			did: T::AccountId,
			kind: DelegateKind,
			delegate: T::AccountId,
			previous: Option<BlockNumberFor<T>>,
		},
		/// An attribute was set, valid through block `valid_to`.
		AttributeSet {
			did: T::AccountId,
			name: Vec<u8>,
			value: Vec<u8>,
			valid_to: BlockNumberFor<T>,
			previous: Option<BlockNumberFor<T>>,
		},
		/// An attribute was revoked.
		AttributeRevoked {
			did: T::AccountId,
			name: Vec<u8>,
			value: Vec<u8>,
			previous: Option<BlockNumberFor<T>>,
		},
		/// A service endpoint was added.
		ServiceAdded {
			did: T::AccountId,
			service: ServiceOf<T>,
			previous: Option<BlockNumberFor<T>>,
		},
		/// A service endpoint was removed.
		ServiceRemoved {
			did: T::AccountId,
			service_id: IdOf<T>,
			previous: Option<BlockNumberFor<T>>,
		},
		/// The DID was deactivated for good.
		DidDeactivated { did: T::AccountId, previous: Option<BlockNumberFor<T>> },
		/// A DID-signed operation was dispatched; `result` is the inner call's.
		DidCallDispatched {
			did: T::AccountId,
			nonce: u64,
			submitter: T::AccountId,
			result: DispatchResult,
			previous: Option<BlockNumberFor<T>>,
		},
		/// A TEE signer was bound to the DID: its key `key_id` is an assertion key of the DID
		/// while the binding lasts and the worker is active.
		SignerBound {
			did: T::AccountId,
			key_id: Vec<u8>,
			public: ed25519::Public,
			previous: Option<BlockNumberFor<T>>,
		},
		/// A TEE signer's binding to the DID ended.
		SignerUnbound { did: T::AccountId, key_id: Vec<u8>, previous: Option<BlockNumberFor<T>> },
	}

	/// The pallet's errors.
	#[pallet::error]
	pub enum Error<T> {
		/// No DID exists for this account.
		NotFound,
		/// The account already has a DID.
		AlreadyExists,
		/// The DID is deactivated; deactivated identifiers are never used again.
		Deactivated,
		/// The origin is neither the DID's controller nor the DID itself.
		NotAuthorized,
		/// A key or service id is empty, too long, or not a valid URL fragment
		/// (`A-Z a-z 0-9 . _ -`).
		InvalidId,
		/// Key ids starting with `tee-` are reserved for the TEE signers bound to a DID.
		ReservedId,
		/// Two keys, or two services, would share an id.
		DuplicateId,
		/// The DID has no key with this id.
		KeyNotFound,
		/// The DID has no service with this id.
		ServiceNotFound,
		/// The DID has no such delegate.
		DelegateNotFound,
		/// A key's relationships are empty or do not fit its kind (X25519 only for
		/// `keyAgreement`, signing keys never for it).
		InvalidRelationships,
		/// An expiry or validity does not end after the current block.
		InvalidExpiry,
		/// The change would leave the DID without a valid authentication key.
		NoAuthenticationKey,
		/// The DID would have more keys than `MaxKeys`.
		TooManyKeys,
		/// The DID would have more services than `MaxServices`.
		TooManyServices,
		/// The DID would have more delegates than `MaxDelegates`.
		TooManyDelegates,
		/// A service's type or endpoint is empty, too long, not UTF-8, or the endpoint is not
		/// an absolute URI.
		InvalidService,
		/// An attribute name is empty or longer than `MaxAttributeNameLength`.
		InvalidAttributeName,
		/// An attribute value is longer than `MaxAttributeValueLength`.
		AttributeValueTooLong,
		/// The deposit for the record could not be held: the balance is too low.
		InsufficientDeposit,
		/// The operation's call cannot be authorized by a DID.
		CallNotDidAuthorizable,
		/// The operation's nonce was already used: a replay.
		Replayed,
		/// The operation's nonce skips ahead: it must be the DID's nonce plus one.
		BadNonce,
		/// The operation expired before it was submitted.
		OperationExpired,
		/// The operation expires further ahead than `MaxOperationValidity`.
		ExpiryTooFar,
		/// The operation is for another chain.
		WrongChain,
		/// The operation names another submitter.
		WrongSubmitter,
		/// The signing key lacks the relationship the call requires, or has expired.
		KeyNotAuthorized,
		/// The signature does not verify against the key.
		BadSignature,
		/// The operation was signed for another `transaction_version` of the runtime: an
		/// upgrade since may have changed what its call's encoding means.
		WrongTransactionVersion,
	}

	impl<T> From<DidError> for Error<T> {
		fn from(error: DidError) -> Self {
			match error {
				DidError::InvalidId => Error::InvalidId,
				DidError::ReservedId => Error::ReservedId,
				DidError::DuplicateId => Error::DuplicateId,
				DidError::KeyNotFound => Error::KeyNotFound,
				DidError::ServiceNotFound => Error::ServiceNotFound,
				DidError::DelegateNotFound => Error::DelegateNotFound,
				DidError::InvalidRelationships => Error::InvalidRelationships,
				DidError::InvalidExpiry => Error::InvalidExpiry,
				DidError::NoAuthenticationKey => Error::NoAuthenticationKey,
				DidError::TooManyKeys => Error::TooManyKeys,
				DidError::TooManyServices => Error::TooManyServices,
				DidError::TooManyDelegates => Error::TooManyDelegates,
				DidError::InvalidService => Error::InvalidService,
				DidError::Deactivated => Error::Deactivated,
			}
		}
	}

	impl<T> From<DepositError> for Error<T> {
		fn from(error: DepositError) -> Self {
			match error {
				DepositError::Insufficient => Error::InsufficientDeposit,
			}
		}
	}

	impl<T> From<DidAuthError> for Error<T> {
		fn from(error: DidAuthError) -> Self {
			match error {
				DidAuthError::UnknownDid => Error::NotFound,
				DidAuthError::Deactivated => Error::Deactivated,
				DidAuthError::KeyNotFound => Error::KeyNotFound,
				DidAuthError::KeyNotAuthorized => Error::KeyNotAuthorized,
				DidAuthError::BadSignature => Error::BadSignature,
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(
				T::TombstoneFee::get() <= T::DepositBase::get(),
				"TombstoneFee exceeds DepositBase: the fee is paid out of a deposit that may \
				 hold no more than the base"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			try_state::do_try_state::<T>()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Creates the DID of the caller's account.
		///
		/// - `origin`: the subject account, which pays the deposit.
		/// - `keys`: the initial keys; unique ids, at least one valid authentication key.
		/// - `controller`: who may change the DID with signed calls; the subject if `None`.
		///
		/// Emits `DidCreated`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::create(keys.len() as u32))]
		pub fn create(
			origin: OriginFor<T>,
			keys: Vec<KeyInput<BlockNumberFor<T>>>,
			controller: Option<T::AccountId>,
		) -> DispatchResult {
			let subject = ensure_signed(origin)?;
			if let Some(existing) = Dids::<T>::get(&subject) {
				return Err(if existing.deactivated {
					Error::<T>::Deactivated
				} else {
					Error::<T>::AlreadyExists
				}
				.into());
			}
			ensure!(keys.len() as u32 <= T::MaxKeys::get(), Error::<T>::TooManyKeys);
			let now = frame_system::Pallet::<T>::block_number();
			let controller = controller.unwrap_or_else(|| subject.clone());
			let mut details = DidDetails::<T>::new(controller.clone(), keys, subject.clone(), now)
				.map_err(Error::<T>::from)?;
			details.settle_deposit()?;
			let keys = details.keys.to_vec();
			Dids::<T>::insert(&subject, details);
			Self::deposit_linked_event(
				&subject,
				Event::DidCreated { did: subject.clone(), controller, keys, previous: None },
			);
			Ok(())
		}

		/// Adds a verification key.
		///
		/// - `origin`: the DID's controller, or the DID (through `submit_did_call`, with a
		///   `capabilityInvocation` key).
		/// - `did`: the DID.
		/// - `key`: the key; its id must be new to the DID.
		///
		/// Emits `KeyAdded`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::add_key())]
		pub fn add_key(
			origin: OriginFor<T>,
			did: T::AccountId,
			key: KeyInput<BlockNumberFor<T>>,
		) -> DispatchResult {
			Self::change(
				origin,
				&did,
				|details, now| details.add_key(key, now),
				|key, previous| Event::KeyAdded { did: did.clone(), key, previous },
			)
		}

		/// Removes a verification key. The DID must keep a valid authentication key.
		///
		/// - `origin`: the controller, or the DID with a `capabilityInvocation` key.
		/// - `did`: the DID.
		/// - `key_id`: the key's id.
		///
		/// Emits `KeyRemoved`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::remove_key())]
		pub fn remove_key(
			origin: OriginFor<T>,
			did: T::AccountId,
			key_id: Vec<u8>,
		) -> DispatchResult {
			Self::change(
				origin,
				&did,
				|details, now| {
					let id = bounded_id::<T>(key_id)?;
					details.remove_key(&id, now).map(|()| id)
				},
				|key_id, previous| Event::KeyRemoved { did: did.clone(), key_id, previous },
			)
		}

		/// Replaces a key by a new one in one step (the new key may keep the old id). The DID
		/// must keep a valid authentication key.
		///
		/// - `origin`: the controller, or the DID with a `capabilityInvocation` key.
		/// - `did`: the DID.
		/// - `old_key_id`: the id of the key to replace.
		/// - `key`: the new key.
		///
		/// Emits `KeyRotated`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::rotate_key())]
		pub fn rotate_key(
			origin: OriginFor<T>,
			did: T::AccountId,
			old_key_id: Vec<u8>,
			key: KeyInput<BlockNumberFor<T>>,
		) -> DispatchResult {
			Self::change(
				origin,
				&did,
				|details, now| {
					let old = bounded_id::<T>(old_key_id)?;
					details.rotate_key(&old, key, now).map(|key| (old, key))
				},
				|(old_key_id, key), previous| Event::KeyRotated {
					did: did.clone(),
					old_key_id,
					key,
					previous,
				},
			)
		}

		/// Hands the DID to another controller.
		///
		/// - `origin`: the controller, or the DID with a `capabilityInvocation` key.
		/// - `did`: the DID.
		/// - `controller`: the new controller.
		///
		/// Emits `ControllerChanged`.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::set_controller())]
		pub fn set_controller(
			origin: OriginFor<T>,
			did: T::AccountId,
			controller: T::AccountId,
		) -> DispatchResult {
			Self::change(
				origin,
				&did,
				|details, _| details.set_controller(controller.clone()),
				|(), previous| Event::ControllerChanged {
					did: did.clone(),
					controller: controller.clone(),
					previous,
				},
			)
		}

		/// Adds a delegate of a kind for `validity` blocks, or renews an existing one.
		///
		/// - `origin`: the controller, or the DID with a `capabilityDelegation` key.
		/// - `did`: the DID.
		/// - `kind`: what the delegate may do.
		/// - `delegate`: the delegate's account.
		/// - `validity`: how many blocks from now the delegation lasts (at least one).
		///
		/// Emits `DelegateAdded`.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::add_delegate())]
		pub fn add_delegate(
			origin: OriginFor<T>,
			did: T::AccountId,
			kind: DelegateKind,
			delegate: T::AccountId,
			validity: BlockNumberFor<T>,
		) -> DispatchResult {
			Self::change(
				origin,
				&did,
				|details, now| {
					let expires = now.saturating_add(validity);
					details.add_delegate(kind, delegate.clone(), expires, now).map(|()| expires)
				},
				|expires, previous| Event::DelegateAdded {
					did: did.clone(),
					kind,
					delegate: delegate.clone(),
					expires,
					previous,
				},
			)
		}

		/// Revokes a delegate.
		///
		/// - `origin`: the controller, or the DID with a `capabilityDelegation` key.
		/// - `did`: the DID.
		/// - `kind`, `delegate`: the delegation to revoke.
		///
		/// Emits `DelegateRevoked`.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::revoke_delegate())]
		pub fn revoke_delegate(
			origin: OriginFor<T>,
			did: T::AccountId,
			kind: DelegateKind,
			delegate: T::AccountId,
		) -> DispatchResult {
			Self::change(
				origin,
				&did,
				|details, _| details.revoke_delegate(kind, &delegate),
				|(), previous| Event::DelegateRevoked {
					did: did.clone(),
					kind,
					delegate: delegate.clone(),
					previous,
				},
			)
		}

		/// Publishes a free-form attribute, valid for `validity` blocks. Attributes are kept
		/// only in events; the chain stores nothing but the DID's `changed` block.
		///
		/// - `origin`: the controller, or the DID with an `authentication` key.
		/// - `did`: the DID.
		/// - `name`: the attribute's name (1 to `MaxAttributeNameLength` bytes).
		/// - `value`: the attribute's value (at most `MaxAttributeValueLength` bytes).
		/// - `validity`: how many blocks from now it is valid (at least one).
		///
		/// Emits `AttributeSet`.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::set_attribute(name.len() as u32 + value.len() as u32))]
		pub fn set_attribute(
			origin: OriginFor<T>,
			did: T::AccountId,
			name: Vec<u8>,
			value: Vec<u8>,
			validity: BlockNumberFor<T>,
		) -> DispatchResult {
			Self::ensure_attribute(&name, &value)?;
			ensure!(!validity.is_zero(), Error::<T>::InvalidExpiry);
			Self::change(
				origin,
				&did,
				|details, now| details.ensure_active().map(|()| now.saturating_add(validity)),
				|valid_to, previous| Event::AttributeSet {
					did: did.clone(),
					name: name.clone(),
					value: value.clone(),
					valid_to,
					previous,
				},
			)
		}

		/// Revokes a free-form attribute (events only, like `set_attribute`).
		///
		/// - `origin`: the controller, or the DID with an `authentication` key.
		/// - `did`: the DID.
		/// - `name`, `value`: the attribute to revoke.
		///
		/// Emits `AttributeRevoked`.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::revoke_attribute(name.len() as u32 + value.len() as u32))]
		pub fn revoke_attribute(
			origin: OriginFor<T>,
			did: T::AccountId,
			name: Vec<u8>,
			value: Vec<u8>,
		) -> DispatchResult {
			Self::ensure_attribute(&name, &value)?;
			Self::change(
				origin,
				&did,
				|details, _| details.ensure_active(),
				|(), previous| Event::AttributeRevoked {
					did: did.clone(),
					name: name.clone(),
					value: value.clone(),
					previous,
				},
			)
		}

		/// Adds a service endpoint.
		///
		/// - `origin`: the controller, or the DID with an `authentication` key.
		/// - `did`: the DID.
		/// - `service`: the service; its id must be new to the DID, its endpoint an absolute
		///   URI.
		///
		/// Emits `ServiceAdded`.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::add_service())]
		pub fn add_service(
			origin: OriginFor<T>,
			did: T::AccountId,
			service: ServiceInput,
		) -> DispatchResult {
			Self::change(
				origin,
				&did,
				|details, _| details.add_service(service),
				|service, previous| Event::ServiceAdded { did: did.clone(), service, previous },
			)
		}

		/// Removes a service endpoint.
		///
		/// - `origin`: the controller, or the DID with an `authentication` key.
		/// - `did`: the DID.
		/// - `service_id`: the service's id.
		///
		/// Emits `ServiceRemoved`.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::remove_service())]
		pub fn remove_service(
			origin: OriginFor<T>,
			did: T::AccountId,
			service_id: Vec<u8>,
		) -> DispatchResult {
			Self::change(
				origin,
				&did,
				|details, _| {
					let id = bounded_id::<T>(service_id)?;
					details.remove_service(&id).map(|()| id)
				},
				|service_id, previous| Event::ServiceRemoved {
					did: did.clone(),
					service_id,
					previous,
				},
			)
		}

		/// Deactivates the DID for good: its keys, services and delegates are dropped and the
		/// identifier can never be created again. The record stays as a tombstone, for good:
		/// `TombstoneFee` is burnt out of the deposit, and the rest of the deposit released to
		/// the account it is held from.
		///
		/// - `origin`: the controller, or the DID with a `capabilityInvocation` key.
		/// - `did`: the DID.
		///
		/// Emits `DidDeactivated`.
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::deactivate())]
		pub fn deactivate(origin: OriginFor<T>, did: T::AccountId) -> DispatchResult {
			Self::change(
				origin,
				&did,
				|details, _| details.deactivate(),
				|(), previous| Event::DidDeactivated { did: did.clone(), previous },
			)
		}

		/// Dispatches `operation.call` as the DID `operation.did`, authorized by `signature`
		/// from one of the DID's keys, so that any account can relay (and pay for) it.
		///
		/// - `origin`: a signed account; it must be `operation.submitter`.
		/// - `operation`: the DID, the next nonce (the DID's nonce plus one), the call, the
		///   last block it may be submitted in (at most `MaxOperationValidity` ahead), the
		///   genesis hash of this chain and the runtime's current `transaction_version`.
		/// - `signature`: by the key `signature.key_id` of the DID, valid now and holding the
		///   relationship the call requires, over `operation.signing_bytes()`.
		///
		/// The nonce is used up even when the inner call fails. Emits the inner call's events,
		/// then `DidCallDispatched` with its result.
		#[pallet::call_index(12)]
		#[pallet::weight({
			let scheme = signature.signature.scheme();
			let length = operation.call.encoded_size() as u32;
			Pallet::<T>::did_call_overhead(scheme, length)
				.saturating_add(operation.call.get_dispatch_info().call_weight)
		})]
		pub fn submit_did_call(
			origin: OriginFor<T>,
			operation: Box<DidOperationOf<T>>,
			signature: DidSignature,
		) -> DispatchResultWithPostInfo {
			let submitter = ensure_signed(origin)?;
			ensure!(operation.submitter == submitter, Error::<T>::WrongSubmitter);
			let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
			ensure!(operation.genesis_hash == genesis, Error::<T>::WrongChain);
			ensure!(
				operation.transaction_version
					== frame_system::Pallet::<T>::runtime_version().transaction_version,
				Error::<T>::WrongTransactionVersion
			);
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(now <= operation.expires, Error::<T>::OperationExpired);
			ensure!(
				operation.expires <= now.saturating_add(T::MaxOperationValidity::get()),
				Error::<T>::ExpiryTooFar
			);
			let relationship =
				operation.call.required_relationship().ok_or(Error::<T>::CallNotDidAuthorizable)?;
			let mut details = Dids::<T>::get(&operation.did).ok_or(Error::<T>::NotFound)?;
			details.ensure_active().map_err(Error::<T>::from)?;
			ensure!(operation.nonce > details.nonce, Error::<T>::Replayed);
			ensure!(operation.nonce == details.nonce.saturating_add(1), Error::<T>::BadNonce);
			Self::verify_with(None, &details, relationship, &operation.signing_bytes(), &signature)
				.map_err(Error::<T>::from)?;

			details.nonce = operation.nonce;
			let previous = details.record_change(now);
			Dids::<T>::insert(&operation.did, details);

			let DidOperation { did, nonce, call, .. } = *operation;
			let info = call.get_dispatch_info();
			let length = call.encoded_size() as u32;
			let did_origin =
				<<T as Config>::RuntimeOrigin as From<DidRawOrigin<T::AccountId>>>::from(
					DidRawOrigin { did: did.clone(), submitter: submitter.clone() },
				);
			let result = call.dispatch(Into::<OriginFor<T>>::into(did_origin));
			let inner_weight = frame_support::dispatch::extract_actual_weight(&result, &info);
			Self::deposit_linked_event(
				&did,
				Event::DidCallDispatched {
					did: did.clone(),
					nonce,
					submitter,
					result: result.map(|_| ()).map_err(|e| e.error),
					previous,
				},
			);
			let scheme = signature.signature.scheme();
			Ok(Some(Self::did_call_overhead(scheme, length).saturating_add(inner_weight)).into())
		}
	}

	impl<T: Config> Pallet<T> {
		/// Authorizes `origin` to change `did`, applies `apply` to its record, settles the
		/// deposit, stores the record and emits the linked event that `event` builds from
		/// `apply`'s result and the previous change block. Nothing is written unless every
		/// check passes.
		fn change<R>(
			origin: OriginFor<T>,
			did: &T::AccountId,
			apply: impl FnOnce(&mut DidDetails<T>, BlockNumberFor<T>) -> Result<R, DidError>,
			event: impl FnOnce(R, Option<BlockNumberFor<T>>) -> Event<T>,
		) -> DispatchResult {
			let mut details = Dids::<T>::get(did).ok_or(Error::<T>::NotFound)?;
			details.ensure_active().map_err(Error::<T>::from)?;
			Self::ensure_authorized(origin, did, &details)?;
			let now = frame_system::Pallet::<T>::block_number();
			let outcome = apply(&mut details, now).map_err(Error::<T>::from)?;
			let previous = details.record_change(now);
			details.settle_deposit()?;
			Dids::<T>::insert(did, details);
			Self::deposit_linked_event(did, event(outcome, previous));
			Ok(())
		}

		/// The origin may change `did` if it is the DID's controller (signed) or the DID
		/// itself (dispatched by `submit_did_call`).
		fn ensure_authorized(
			origin: OriginFor<T>,
			did: &T::AccountId,
			details: &DidDetails<T>,
		) -> DispatchResult {
			if let Ok(DidRawOrigin { did: authorized, .. }) =
				EnsureDid::<T>::try_origin(origin.clone())
			{
				ensure!(&authorized == did, Error::<T>::NotAuthorized);
				return Ok(());
			}
			let who = ensure_signed(origin)?;
			ensure!(who == details.controller, Error::<T>::NotAuthorized);
			Ok(())
		}

		fn ensure_attribute(name: &[u8], value: &[u8]) -> DispatchResult {
			ensure!(
				!name.is_empty() && name.len() as u32 <= T::MaxAttributeNameLength::get(),
				Error::<T>::InvalidAttributeName
			);
			ensure!(
				value.len() as u32 <= T::MaxAttributeValueLength::get(),
				Error::<T>::AttributeValueTooLong
			);
			Ok(())
		}

		/// Checks that `signature` over `message` is by a key of `details` valid now for
		/// `relationship`. With `bound_signers_of`, the TEE signers bound to that DID count as
		/// its assertion keys too; DID-signed operations pass `None`, so a TEE signs statements
		/// for a DID (credentials, evidence) but never acts as it.
		fn verify_with(
			bound_signers_of: Option<&T::AccountId>,
			details: &DidDetails<T>,
			relationship: Relationship,
			message: &[u8],
			signature: &DidSignature,
		) -> Result<(), DidAuthError> {
			if details.deactivated {
				return Err(DidAuthError::Deactivated);
			}
			let now = frame_system::Pallet::<T>::block_number();
			let public = match (details.key(&signature.key_id), bound_signers_of) {
				(Some(key), _) if key.authorizes(relationship, now) => key.public.clone(),
				(Some(_), _) => return Err(DidAuthError::KeyNotAuthorized),
				(None, Some(did)) => Self::bound_signer(did, &signature.key_id, relationship)?,
				(None, None) => return Err(DidAuthError::KeyNotFound),
			};
			if !public.verify(message, &signature.signature) {
				return Err(DidAuthError::BadSignature);
			}
			Ok(())
		}

		/// Emits `event` as a linked event of `did`, under the DID's topic.
		fn deposit_linked_event(did: &T::AccountId, event: Event<T>) {
			let event = <T as Config>::RuntimeEvent::from(event);
			frame_system::Pallet::<T>::deposit_event_indexed(&[did_topic::<T>(did)], event.into());
		}

		/// The weight of `submit_did_call` besides the inner call: checks, signature
		/// verification of a `length`-byte call, and the bookkeeping.
		pub fn did_call_overhead(scheme: SignatureScheme, length: u32) -> Weight {
			match scheme {
				SignatureScheme::Ed25519 => T::WeightInfo::submit_did_call_ed25519(length),
				SignatureScheme::Sr25519 => T::WeightInfo::submit_did_call_sr25519(length),
				SignatureScheme::EcdsaSecp256k1 => T::WeightInfo::submit_did_call_ecdsa(length),
			}
		}

		/// The TEE signer that `key_id` names, if it is bound to `did` and active: it counts
		/// as an assertion key of `did`, and for nothing else.
		fn bound_signer(
			did: &T::AccountId,
			key_id: &[u8],
			relationship: Relationship,
		) -> Result<PublicKey, DidAuthError> {
			let key = parse_tee_key_id(key_id).ok_or(DidAuthError::KeyNotFound)?;
			if !T::BoundSigners::is_bound(did, &key) {
				return Err(DidAuthError::KeyNotFound);
			}
			if relationship != Relationship::AssertionMethod {
				return Err(DidAuthError::KeyNotAuthorized);
			}
			Ok(PublicKey::Ed25519(key))
		}

		/// The state of `did` for the runtime API. Its keys include the active TEE signers
		/// bound to it, as assertion keys with ids `tee-<hex key>`.
		pub fn did_state(
			did: &T::AccountId,
		) -> Option<DidState<T::AccountId, BlockNumberFor<T>, BalanceOf<T>>> {
			let mut state = Dids::<T>::get(did)?.to_state();
			if !state.deactivated {
				state.keys.extend(T::BoundSigners::bound_keys(did).into_iter().map(|key| {
					KeyInput {
						id: tee_key_id(&key),
						public: PublicKey::Ed25519(key),
						relationships: Relationships::ASSERTION_METHOD,
						expires: None,
					}
				}));
			}
			Some(state)
		}

		/// Records a change of `did`'s bound signers as a linked event of the DID. A DID that
		/// does not exist has no history to extend.
		fn note_signer_change(
			did: &T::AccountId,
			event: impl FnOnce(Option<BlockNumberFor<T>>) -> Event<T>,
		) {
			Dids::<T>::mutate_exists(did, |details| {
				if let Some(details) = details {
					let previous = details.record_change(frame_system::Pallet::<T>::block_number());
					Self::deposit_linked_event(did, event(previous));
				}
			});
		}

		/// The block of `did`'s latest change, where its history walk starts.
		pub fn history_head(did: &T::AccountId) -> Option<BlockNumberFor<T>> {
			Dids::<T>::get(did).map(|details| details.link.changed)
		}
	}

	impl<T: Config> DidInspect<T::AccountId> for Pallet<T> {
		fn is_active(did: &T::AccountId) -> bool {
			Dids::<T>::get(did).is_some_and(|d| !d.deactivated)
		}

		fn controller(did: &T::AccountId) -> Option<T::AccountId> {
			Dids::<T>::get(did).filter(|d| !d.deactivated).map(|d| d.controller)
		}

		fn has_valid_key(did: &T::AccountId, key_id: &[u8], relationship: Relationship) -> bool {
			let now = frame_system::Pallet::<T>::block_number();
			Dids::<T>::get(did).is_some_and(|d| {
				d.authorizing_key(key_id, relationship, now).is_some()
					|| (!d.deactivated && Self::bound_signer(did, key_id, relationship).is_ok())
			})
		}

		fn is_delegate(did: &T::AccountId, kind: DelegateKind, who: &T::AccountId) -> bool {
			let now = frame_system::Pallet::<T>::block_number();
			Dids::<T>::get(did).is_some_and(|d| !d.deactivated && d.is_delegate(kind, who, now))
		}

		fn verify_signature(
			did: &T::AccountId,
			relationship: Relationship,
			message: &[u8],
			signature: &DidSignature,
		) -> Result<(), DidAuthError> {
			let details = Dids::<T>::get(did).ok_or(DidAuthError::UnknownDid)?;
			Self::verify_with(Some(did), &details, relationship, message, signature)
		}
	}

	impl<T: Config> SignerHistory<T::AccountId> for Pallet<T> {
		fn signer_bound(did: &T::AccountId, public: &ed25519::Public) {
			Self::note_signer_change(did, |previous| Event::SignerBound {
				did: did.clone(),
				key_id: tee_key_id(public),
				public: *public,
				previous,
			});
		}

		fn signer_unbound(did: &T::AccountId, public: &ed25519::Public) {
			Self::note_signer_change(did, |previous| Event::SignerUnbound {
				did: did.clone(),
				key_id: tee_key_id(public),
				previous,
			});
		}
	}

	impl<T: Config> ActingDid<OriginFor<T>, T::AccountId> for Pallet<T> {
		fn acting_did(origin: OriginFor<T>) -> Result<T::AccountId, ActingDidError> {
			if let Ok(DidRawOrigin { did, .. }) = EnsureDid::<T>::try_origin(origin.clone()) {
				return Ok(did);
			}
			let who = ensure_signed(origin).map_err(|_| ActingDidError::BadOrigin)?;
			let details = Dids::<T>::get(&who).ok_or(ActingDidError::UnknownDid)?;
			ensure!(!details.deactivated, ActingDidError::Deactivated);
			ensure!(details.controller == who, ActingDidError::NotController);
			Ok(who)
		}

		#[cfg(feature = "runtime-benchmarks")]
		fn benchmark_did(who: &T::AccountId) -> OriginFor<T> {
			use sp_runtime::traits::Bounded;
			T::Currency::set_balance(who, BalanceOf::<T>::max_value() / 1_000_000u32.into());
			let origin: OriginFor<T> = frame_system::RawOrigin::Signed(who.clone()).into();
			if !Dids::<T>::contains_key(who) {
				Self::create(origin.clone(), alloc::vec![benchmarking::filler_key::<T>(0)], None)
					.expect("a funded account can create a DID with one key");
			}
			origin
		}

		#[cfg(feature = "runtime-benchmarks")]
		fn benchmark_did_with_key(who: &T::AccountId, key_id: &[u8], public: PublicKey) {
			use sp_runtime::traits::Bounded;
			T::Currency::set_balance(who, BalanceOf::<T>::max_value() / 1_000_000u32.into());
			let key = VerificationKey {
				id: key_id.to_vec(),
				public,
				relationships: Relationships::SIGNING,
				expires: None,
			};
			let origin = frame_system::RawOrigin::Signed(who.clone()).into();
			Self::create(origin, alloc::vec![key], None)
				.expect("a funded account can create a DID");
		}

		#[cfg(feature = "runtime-benchmarks")]
		fn benchmark_did_with_tee_signer(who: &T::AccountId, public: ed25519::Public) -> Vec<u8> {
			let origin = Self::benchmark_did(who);
			if T::BoundSigners::bind_for_benchmark(who, &public) {
				return tee_key_id(&public);
			}
			let key = VerificationKey {
				id: b"auth".to_vec(),
				public: PublicKey::Ed25519(public),
				relationships: Relationships::SIGNING,
				expires: None,
			};
			Self::add_key(origin, who.clone(), key).expect("a new DID has room for a key");
			b"auth".to_vec()
		}
	}
}

impl<T: Config> Call<T> {
	/// The relationship a DID key needs to authorize this call through `submit_did_call`:
	/// managing keys, the controller and deactivation need `capabilityInvocation`, delegates
	/// `capabilityDelegation`, attributes and services `authentication`. Creating a DID and
	/// nesting operations cannot be DID-authorized.
	pub fn required_relationship(&self) -> Option<Relationship> {
		match self {
			Call::add_key { .. }
			| Call::remove_key { .. }
			| Call::rotate_key { .. }
			| Call::set_controller { .. }
			| Call::deactivate { .. } => Some(Relationship::CapabilityInvocation),
			Call::add_delegate { .. } | Call::revoke_delegate { .. } => {
				Some(Relationship::CapabilityDelegation)
			},
			Call::set_attribute { .. }
			| Call::revoke_attribute { .. }
			| Call::add_service { .. }
			| Call::remove_service { .. } => Some(Relationship::Authentication),
			Call::create { .. } | Call::submit_did_call { .. } | Call::__Ignore(..) => None,
		}
	}
}

impl<T: Config> DidAuthorizedCall for Call<T> {
	fn required_relationship(&self) -> Option<Relationship> {
		Call::required_relationship(self)
	}
}

impl<T: Config> Event<T> {
	/// The DID the event is about.
	pub fn did(&self) -> Option<&T::AccountId> {
		match self {
			Event::DidCreated { did, .. }
			| Event::KeyAdded { did, .. }
			| Event::KeyRemoved { did, .. }
			| Event::KeyRotated { did, .. }
			| Event::ControllerChanged { did, .. }
			| Event::DelegateAdded { did, .. }
			| Event::DelegateRevoked { did, .. }
			| Event::AttributeSet { did, .. }
			| Event::AttributeRevoked { did, .. }
			| Event::ServiceAdded { did, .. }
			| Event::ServiceRemoved { did, .. }
			| Event::DidDeactivated { did, .. }
			| Event::DidCallDispatched { did, .. }
			| Event::SignerBound { did, .. }
			| Event::SignerUnbound { did, .. } => Some(did),
			Event::__Ignore(..) => None,
		}
	}

	/// The block of the DID's previous change, carried by every event.
	pub fn previous(&self) -> Option<BlockNumberFor<T>> {
		match self {
			Event::DidCreated { previous, .. }
			| Event::KeyAdded { previous, .. }
			| Event::KeyRemoved { previous, .. }
			| Event::KeyRotated { previous, .. }
			| Event::ControllerChanged { previous, .. }
			| Event::DelegateAdded { previous, .. }
			| Event::DelegateRevoked { previous, .. }
			| Event::AttributeSet { previous, .. }
			| Event::AttributeRevoked { previous, .. }
			| Event::ServiceAdded { previous, .. }
			| Event::ServiceRemoved { previous, .. }
			| Event::DidDeactivated { previous, .. }
			| Event::DidCallDispatched { previous, .. }
			| Event::SignerBound { previous, .. }
			| Event::SignerUnbound { previous, .. } => *previous,
			Event::__Ignore(..) => None,
		}
	}
}
