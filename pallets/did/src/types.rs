//! The DID's stored state and the domain logic on it.
//!
//! [`DidDetails`] is what the chain keeps per DID: exactly what it must check (keys with their
//! relationships and expiry, services, delegates, controller, deactivation, nonce, deposit) and
//! the block of the latest change, which heads the linked-event history. Every change goes
//! through a method here that validates it and returns a [`DidError`]; the pallet's calls only
//! authorize, call one of these methods, settle the deposit ([`DidDetails::settle_deposit`])
//! and emit the event.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::{BoundedVec, Get},
	CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;
use sp_core::{ecdsa, ed25519, sr25519};
use sp_runtime::{traits::Zero, DispatchResult};
use teeid_primitives::history::ChangeLink;

use crate::{
	deposit::{deposit_for, Deposit},
	Config, Error, HoldReason,
};

/// A public key of a DID.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub enum PublicKey {
	/// An Ed25519 signing key.
	Ed25519(ed25519::Public),
	/// An Sr25519 (Schnorrkel) signing key.
	Sr25519(sr25519::Public),
	/// An ECDSA secp256k1 signing key, SEC1-compressed (33 bytes).
	EcdsaSecp256k1(ecdsa::Public),
	/// An X25519 key-agreement key (encryption only; it cannot sign).
	X25519([u8; 32]),
}

impl PublicKey {
	/// Whether the key can sign (every kind but X25519).
	pub fn can_sign(&self) -> bool {
		!matches!(self, PublicKey::X25519(_))
	}

	/// The raw key bytes.
	pub fn as_bytes(&self) -> &[u8] {
		match self {
			PublicKey::Ed25519(k) => k.as_ref(),
			PublicKey::Sr25519(k) => k.as_ref(),
			PublicKey::EcdsaSecp256k1(k) => k.as_ref(),
			PublicKey::X25519(k) => k,
		}
	}
}

/// One verification relationship of W3C DID Core.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum Relationship {
	/// Proving control of the DID (logging in, authorizing DID operations on attributes and
	/// services).
	Authentication,
	/// Issuing verifiable credentials and signing evidence.
	AssertionMethod,
	/// Encrypting to the DID subject.
	KeyAgreement,
	/// Delegating capabilities (managing delegates).
	CapabilityDelegation,
	/// Invoking capabilities (managing the DID's keys and controller, deactivating it).
	CapabilityInvocation,
}

/// The set of relationships a key has. Stored as flags so that clients see plain booleans.
#[derive(
	Clone,
	Copy,
	Default,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct Relationships {
	/// `authentication`.
	pub authentication: bool,
	/// `assertionMethod`.
	pub assertion_method: bool,
	/// `keyAgreement`.
	pub key_agreement: bool,
	/// `capabilityDelegation`.
	pub capability_delegation: bool,
	/// `capabilityInvocation`.
	pub capability_invocation: bool,
}

impl Relationships {
	/// Every relationship a signing key can have.
	pub const SIGNING: Self = Self {
		authentication: true,
		assertion_method: true,
		key_agreement: false,
		capability_delegation: true,
		capability_invocation: true,
	};

	/// Only `assertionMethod`: what a bound TEE signer may do for a DID.
	pub const ASSERTION_METHOD: Self = Self {
		authentication: false,
		assertion_method: true,
		key_agreement: false,
		capability_delegation: false,
		capability_invocation: false,
	};

	/// Only `keyAgreement`.
	pub const KEY_AGREEMENT: Self = Self {
		authentication: false,
		assertion_method: false,
		key_agreement: true,
		capability_delegation: false,
		capability_invocation: false,
	};

	/// Whether `relationship` is in the set.
	pub fn contains(&self, relationship: Relationship) -> bool {
		match relationship {
			Relationship::Authentication => self.authentication,
			Relationship::AssertionMethod => self.assertion_method,
			Relationship::KeyAgreement => self.key_agreement,
			Relationship::CapabilityDelegation => self.capability_delegation,
			Relationship::CapabilityInvocation => self.capability_invocation,
		}
	}

	/// Whether the set is empty.
	pub fn is_empty(&self) -> bool {
		*self == Self::default()
	}

	/// Whether a key of this kind may have these relationships: signing keys every one but
	/// `keyAgreement`, X25519 keys only `keyAgreement`; never none.
	pub fn fit(&self, key: &PublicKey) -> bool {
		if self.is_empty() {
			return false;
		}
		if key.can_sign() {
			!self.key_agreement
		} else {
			*self == Self::KEY_AGREEMENT
		}
	}
}

/// A verification key of a DID. `Id` is the key's fragment (`did:teeid:...#<id>`): bounded in
/// storage, a plain `Vec<u8>` in calls and runtime APIs.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct VerificationKey<BlockNumber, Id> {
	/// The key's fragment, unique within the DID.
	pub id: Id,
	/// The key material.
	pub public: PublicKey,
	/// What the key may be used for.
	pub relationships: Relationships,
	/// The last block in which the key is valid, if it expires.
	pub expires: Option<BlockNumber>,
}

impl<BlockNumber: PartialOrd + Copy, Id> VerificationKey<BlockNumber, Id> {
	/// Whether the key is valid at block `now`.
	pub fn is_valid_at(&self, now: BlockNumber) -> bool {
		self.expires.is_none_or(|last| now <= last)
	}

	/// Whether the key is valid at `now` for `relationship`.
	pub fn authorizes(&self, relationship: Relationship, now: BlockNumber) -> bool {
		self.relationships.contains(relationship) && self.is_valid_at(now)
	}
}

/// A service endpoint of a DID (W3C DID Core `service`).
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Service<Id, Type, Endpoint> {
	/// The service's fragment, unique within the DID.
	pub id: Id,
	/// The service type, for example `LinkedDomains` or `TeeidWorker`.
	pub service_type: Type,
	/// The endpoint URI.
	pub endpoint: Endpoint,
}

/// What a delegate may do on behalf of the DID (ERC-1056 delegate types).
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum DelegateKind {
	/// ERC-1056 `sigAuth`: the delegate authenticates as the DID.
	Authentication,
	/// ERC-1056 `veriKey`: the delegate signs assertions (credentials, evidence) for the DID.
	AssertionMethod,
}

impl DelegateKind {
	/// The relationship this kind of delegate holds.
	pub fn relationship(self) -> Relationship {
		match self {
			DelegateKind::Authentication => Relationship::Authentication,
			DelegateKind::AssertionMethod => Relationship::AssertionMethod,
		}
	}
}

/// An account that acts for the DID, of one kind, until a block.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Delegate<AccountId, BlockNumber> {
	/// What the delegate may do.
	pub kind: DelegateKind,
	/// The delegate's account.
	pub delegate: AccountId,
	/// The last block in which the delegation is valid.
	pub expires: BlockNumber,
}

/// The bounded fragment (key or service id) of a DID URL.
pub type IdOf<T> = BoundedVec<u8, <T as Config>::MaxIdLength>;
/// A key as stored.
pub type KeyOf<T> = VerificationKey<BlockNumberOf<T>, IdOf<T>>;
/// A key as given to calls and returned by runtime APIs.
pub type KeyInput<BlockNumber> = VerificationKey<BlockNumber, alloc::vec::Vec<u8>>;
/// A service as stored.
pub type ServiceOf<T> = Service<
	IdOf<T>,
	BoundedVec<u8, <T as Config>::MaxServiceTypeLength>,
	BoundedVec<u8, <T as Config>::MaxServiceEndpointLength>,
>;
/// A service as given to calls and returned by runtime APIs.
pub type ServiceInput = Service<alloc::vec::Vec<u8>, alloc::vec::Vec<u8>, alloc::vec::Vec<u8>>;
/// A delegate as stored.
pub type DelegateOf<T> = Delegate<<T as frame_system::Config>::AccountId, BlockNumberOf<T>>;
/// The chain's block number.
pub type BlockNumberOf<T> = frame_system::pallet_prelude::BlockNumberFor<T>;
/// The balance type of the deposit currency.
pub type BalanceOf<T> = <<T as Config>::Currency as frame_support::traits::fungible::Inspect<
	<T as frame_system::Config>::AccountId,
>>::Balance;

/// Why a change to a DID is refused. Converted into the pallet's `Error` by the calls.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DidError {
	/// A key or service id is empty, too long or has characters a DID URL fragment cannot.
	InvalidId,
	/// A key id starts with `tee-`, which names the TEE signers bound to a DID.
	ReservedId,
	/// Two keys, or two services, share an id.
	DuplicateId,
	/// The DID has no key with this id.
	KeyNotFound,
	/// The DID has no service with this id.
	ServiceNotFound,
	/// The DID has no such delegate.
	DelegateNotFound,
	/// A key's relationships are empty or do not fit its kind.
	InvalidRelationships,
	/// An expiry is not after the current block.
	InvalidExpiry,
	/// The change would leave the DID without a valid authentication key.
	NoAuthenticationKey,
	/// The DID would have more keys than allowed.
	TooManyKeys,
	/// The DID would have more services than allowed.
	TooManyServices,
	/// The DID would have more delegates than allowed.
	TooManyDelegates,
	/// A service's type or endpoint is empty, too long or not a valid text.
	InvalidService,
	/// The DID is deactivated.
	Deactivated,
}

/// The state of one DID.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct DidDetails<T: Config> {
	/// The account that may change the DID with ordinary signed calls (ERC-1056 `owner`).
	pub controller: T::AccountId,
	/// The verification keys.
	pub keys: BoundedVec<KeyOf<T>, T::MaxKeys>,
	/// The service endpoints.
	pub services: BoundedVec<ServiceOf<T>, T::MaxServices>,
	/// The delegates.
	pub delegates: BoundedVec<DelegateOf<T>, T::MaxDelegates>,
	/// Whether the DID is deactivated, for good.
	pub deactivated: bool,
	/// The nonce of the last DID-signed operation (`submit_did_call`); the next must be one more.
	pub nonce: u64,
	/// The deposit held for this record.
	pub deposit: Deposit<T::AccountId, BalanceOf<T>>,
	/// The block in which the DID was created.
	pub created: BlockNumberOf<T>,
	/// The head of the DID's linked events: `link.changed` is the block of the latest change,
	/// where the history walk starts; `link.previous` is what events emitted in that block
	/// carry, so that several changes in one block all point past it.
	pub link: ChangeLink<BlockNumberOf<T>>,
}

/// A DID's state as the runtime API returns it: plain vectors, no bounds.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct DidState<AccountId, BlockNumber, Balance> {
	/// The controller.
	pub controller: AccountId,
	/// The verification keys.
	pub keys: alloc::vec::Vec<KeyInput<BlockNumber>>,
	/// The service endpoints.
	pub services: alloc::vec::Vec<ServiceInput>,
	/// The delegates, expired ones included until revoked.
	pub delegates: alloc::vec::Vec<Delegate<AccountId, BlockNumber>>,
	/// Whether the DID is deactivated.
	pub deactivated: bool,
	/// The nonce of the last DID-signed operation.
	pub nonce: u64,
	/// The deposit held.
	pub deposit: Balance,
	/// The block of creation.
	pub created: BlockNumber,
	/// The block of the latest change: the head of the history.
	pub changed: BlockNumber,
}

/// Checks that `id` is a valid DID URL fragment: 1 to `MaxIdLength` characters from
/// `A-Z a-z 0-9 . _ -`.
pub fn bounded_id<T: Config>(id: alloc::vec::Vec<u8>) -> Result<IdOf<T>, DidError> {
	let valid_char = |c: &u8| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-');
	if id.is_empty() || !id.iter().all(valid_char) {
		return Err(DidError::InvalidId);
	}
	id.try_into().map_err(|_| DidError::InvalidId)
}

/// Checks a key given to a call and bounds its id.
pub fn bounded_key<T: Config>(
	key: KeyInput<BlockNumberOf<T>>,
	now: BlockNumberOf<T>,
) -> Result<KeyOf<T>, DidError> {
	if !key.relationships.fit(&key.public) {
		return Err(DidError::InvalidRelationships);
	}
	if key.expires.is_some_and(|last| last <= now) {
		return Err(DidError::InvalidExpiry);
	}
	if key.id.starts_with(teeid_primitives::attestation::TEE_KEY_ID_PREFIX) {
		return Err(DidError::ReservedId);
	}
	Ok(VerificationKey {
		id: bounded_id::<T>(key.id)?,
		public: key.public,
		relationships: key.relationships,
		expires: key.expires,
	})
}

/// Checks a service given to a call and bounds its fields. The type must be non-empty UTF-8
/// and the endpoint an absolute URI (`scheme:rest`).
pub fn bounded_service<T: Config>(service: ServiceInput) -> Result<ServiceOf<T>, DidError> {
	let type_ok =
		!service.service_type.is_empty() && core::str::from_utf8(&service.service_type).is_ok();
	let endpoint_ok = core::str::from_utf8(&service.endpoint).is_ok_and(is_absolute_uri);
	if !type_ok || !endpoint_ok {
		return Err(DidError::InvalidService);
	}
	Ok(Service {
		id: bounded_id::<T>(service.id)?,
		service_type: service.service_type.try_into().map_err(|_| DidError::InvalidService)?,
		endpoint: service.endpoint.try_into().map_err(|_| DidError::InvalidService)?,
	})
}

/// `scheme ":" rest` with a scheme of RFC 3986 (a letter, then letters, digits, `+ - .`), a
/// non-empty rest and no whitespace or control characters.
fn is_absolute_uri(uri: &str) -> bool {
	let Some((scheme, rest)) = uri.split_once(':') else { return false };
	let mut chars = scheme.chars();
	let scheme_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
		&& chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
	scheme_ok && !rest.is_empty() && !uri.chars().any(|c| c.is_whitespace() || c.is_control())
}

impl<T: Config> DidDetails<T> {
	/// A new DID with `controller` and `keys`, created at `now`. The keys must have unique
	/// ids and at least one must authenticate.
	pub fn new(
		controller: T::AccountId,
		keys: alloc::vec::Vec<KeyInput<BlockNumberOf<T>>>,
		deposit_owner: T::AccountId,
		now: BlockNumberOf<T>,
	) -> Result<Self, DidError> {
		let mut details = DidDetails {
			controller,
			keys: BoundedVec::new(),
			services: BoundedVec::new(),
			delegates: BoundedVec::new(),
			deactivated: false,
			nonce: 0,
			deposit: Deposit { owner: deposit_owner, amount: Zero::zero() },
			created: now,
			link: ChangeLink::new(now),
		};
		for key in keys {
			details.push_key(bounded_key::<T>(key, now)?)?;
		}
		details.ensure_authentication(now)?;
		Ok(details)
	}

	/// Fails if the DID is deactivated.
	pub fn ensure_active(&self) -> Result<(), DidError> {
		if self.deactivated {
			Err(DidError::Deactivated)
		} else {
			Ok(())
		}
	}

	fn ensure_authentication(&self, now: BlockNumberOf<T>) -> Result<(), DidError> {
		if self.keys.iter().any(|k| k.authorizes(Relationship::Authentication, now)) {
			Ok(())
		} else {
			Err(DidError::NoAuthenticationKey)
		}
	}

	fn push_key(&mut self, key: KeyOf<T>) -> Result<(), DidError> {
		if self.keys.iter().any(|k| k.id == key.id) {
			return Err(DidError::DuplicateId);
		}
		self.keys.try_push(key).map_err(|_| DidError::TooManyKeys)
	}

	/// The key with fragment `id`.
	pub fn key(&self, id: &[u8]) -> Option<&KeyOf<T>> {
		self.keys.iter().find(|k| k.id.as_slice() == id)
	}

	/// Adds a key.
	pub fn add_key(
		&mut self,
		key: KeyInput<BlockNumberOf<T>>,
		now: BlockNumberOf<T>,
	) -> Result<KeyOf<T>, DidError> {
		self.ensure_active()?;
		let key = bounded_key::<T>(key, now)?;
		self.push_key(key.clone())?;
		Ok(key)
	}

	/// Removes the key `id`; the DID must keep a valid authentication key.
	pub fn remove_key(&mut self, id: &[u8], now: BlockNumberOf<T>) -> Result<(), DidError> {
		self.ensure_active()?;
		let index =
			self.keys.iter().position(|k| k.id.as_slice() == id).ok_or(DidError::KeyNotFound)?;
		self.keys.remove(index);
		self.ensure_authentication(now)
	}

	/// Replaces the key `old_id` by `new` in one step (the new key may reuse the id); the DID
	/// must keep a valid authentication key.
	pub fn rotate_key(
		&mut self,
		old_id: &[u8],
		new: KeyInput<BlockNumberOf<T>>,
		now: BlockNumberOf<T>,
	) -> Result<KeyOf<T>, DidError> {
		self.ensure_active()?;
		let new = bounded_key::<T>(new, now)?;
		let index = self
			.keys
			.iter()
			.position(|k| k.id.as_slice() == old_id)
			.ok_or(DidError::KeyNotFound)?;
		self.keys.remove(index);
		self.push_key(new.clone())?;
		self.ensure_authentication(now)?;
		Ok(new)
	}

	/// Sets the controller.
	pub fn set_controller(&mut self, controller: T::AccountId) -> Result<(), DidError> {
		self.ensure_active()?;
		self.controller = controller;
		Ok(())
	}

	/// Adds a delegate, or extends the expiry of an existing one of the same kind.
	pub fn add_delegate(
		&mut self,
		kind: DelegateKind,
		delegate: T::AccountId,
		expires: BlockNumberOf<T>,
		now: BlockNumberOf<T>,
	) -> Result<(), DidError> {
		self.ensure_active()?;
		if expires <= now {
			return Err(DidError::InvalidExpiry);
		}
		if let Some(existing) =
			self.delegates.iter_mut().find(|d| d.kind == kind && d.delegate == delegate)
		{
			existing.expires = expires;
			return Ok(());
		}
		self.delegates
			.try_push(Delegate { kind, delegate, expires })
			.map_err(|_| DidError::TooManyDelegates)
	}

	/// Revokes a delegate.
	pub fn revoke_delegate(
		&mut self,
		kind: DelegateKind,
		delegate: &T::AccountId,
	) -> Result<(), DidError> {
		self.ensure_active()?;
		let index = self
			.delegates
			.iter()
			.position(|d| d.kind == kind && &d.delegate == delegate)
			.ok_or(DidError::DelegateNotFound)?;
		self.delegates.remove(index);
		Ok(())
	}

	/// Whether `who` is a delegate of `kind` valid at `now`.
	pub fn is_delegate(
		&self,
		kind: DelegateKind,
		who: &T::AccountId,
		now: BlockNumberOf<T>,
	) -> bool {
		self.delegates.iter().any(|d| d.kind == kind && &d.delegate == who && now <= d.expires)
	}

	/// Adds a service.
	pub fn add_service(&mut self, service: ServiceInput) -> Result<ServiceOf<T>, DidError> {
		self.ensure_active()?;
		let service = bounded_service::<T>(service)?;
		if self.services.iter().any(|s| s.id == service.id) {
			return Err(DidError::DuplicateId);
		}
		self.services.try_push(service.clone()).map_err(|_| DidError::TooManyServices)?;
		Ok(service)
	}

	/// Removes the service `id`.
	pub fn remove_service(&mut self, id: &[u8]) -> Result<(), DidError> {
		self.ensure_active()?;
		let index = self
			.services
			.iter()
			.position(|s| s.id.as_slice() == id)
			.ok_or(DidError::ServiceNotFound)?;
		self.services.remove(index);
		Ok(())
	}

	/// Deactivates the DID for good: keys, services and delegates are dropped; the record stays
	/// as a tombstone so the identifier is never created again and its history stays walkable.
	pub fn deactivate(&mut self) -> Result<(), DidError> {
		self.ensure_active()?;
		self.deactivated = true;
		self.keys = BoundedVec::new();
		self.services = BoundedVec::new();
		self.delegates = BoundedVec::new();
		Ok(())
	}

	/// Records a change at block `now` and returns the block of the DID's previous change: the
	/// `previous` of the change's linked event. Several changes in one block all return the
	/// same block, the one before `now`.
	pub fn record_change(&mut self, now: BlockNumberOf<T>) -> Option<BlockNumberOf<T>> {
		self.link.record(now)
	}

	/// The deposit this record requires: a base for the fixed-size fields plus a price per
	/// encoded byte of the keys, services and delegates, so that only what the holder adds
	/// changes it. A deactivated DID requires none: its tombstone was paid for when it was
	/// deactivated ([`DidDetails::settle_deposit`]).
	pub fn required_deposit(&self) -> BalanceOf<T> {
		if self.deactivated {
			return Zero::zero();
		}
		let variable =
			self.keys.encoded_size() + self.services.encoded_size() + self.delegates.encoded_size();
		deposit_for(T::DepositBase::get(), T::DepositPerByte::get(), variable)
	}

	/// Brings the held deposit in line with the record after a change. An active DID holds
	/// what [`DidDetails::required_deposit`] says, held or released as the record grows or
	/// shrinks. A DID just deactivated burns `TombstoneFee` out of its deposit and releases the
	/// rest: its tombstone stays in state for good, so it is paid for once, for good, rather
	/// than held for (a released deposit would leave the tombstone free).
	pub fn settle_deposit(&mut self) -> DispatchResult {
		let reason: T::RuntimeHoldReason = HoldReason::DidDeposit.into();
		if self.deactivated {
			self.deposit.burn_and_release::<T::Currency>(&reason, T::TombstoneFee::get())?;
			self.deposit.amount = Zero::zero();
		} else {
			self.deposit
				.resize::<T::Currency>(&reason, self.required_deposit())
				.map_err(Error::<T>::from)?;
		}
		Ok(())
	}

	/// The state for the runtime API.
	pub fn to_state(&self) -> DidState<T::AccountId, BlockNumberOf<T>, BalanceOf<T>> {
		DidState {
			controller: self.controller.clone(),
			keys: self
				.keys
				.iter()
				.map(|k| VerificationKey {
					id: k.id.to_vec(),
					public: k.public.clone(),
					relationships: k.relationships,
					expires: k.expires,
				})
				.collect(),
			services: self
				.services
				.iter()
				.map(|s| Service {
					id: s.id.to_vec(),
					service_type: s.service_type.to_vec(),
					endpoint: s.endpoint.to_vec(),
				})
				.collect(),
			delegates: self.delegates.to_vec(),
			deactivated: self.deactivated,
			nonce: self.nonce,
			deposit: self.deposit.amount,
			created: self.created,
			changed: self.link.changed,
		}
	}

	/// The key with fragment `id` if it is valid at `now` for `relationship`.
	pub fn authorizing_key(
		&self,
		id: &[u8],
		relationship: Relationship,
		now: BlockNumberOf<T>,
	) -> Option<&KeyOf<T>> {
		if self.deactivated {
			return None;
		}
		self.key(id).filter(|k| k.authorizes(relationship, now))
	}
}

extern crate alloc;

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn relationships_fit_key_kinds_works() {
		let ed = PublicKey::Ed25519(ed25519::Public::from_raw([1; 32]));
		let x = PublicKey::X25519([1; 32]);
		assert!(Relationships::SIGNING.fit(&ed));
		assert!(!Relationships::KEY_AGREEMENT.fit(&ed));
		assert!(Relationships::KEY_AGREEMENT.fit(&x));
		assert!(!Relationships::SIGNING.fit(&x));
		assert!(!Relationships::default().fit(&ed));
		assert!(!Relationships::default().fit(&x));
	}

	#[test]
	fn absolute_uris_are_recognised_works() {
		for ok in ["https://example.com/a", "did:teeid:5Abc#x", "urn:uuid:1234", "mailto:a@b.c"] {
			assert!(is_absolute_uri(ok), "{ok}");
		}
		for bad in ["", "example.com", ":x", "1http://x", "https://a b", "https:", "ht tp://x"] {
			assert!(!is_absolute_uri(bad), "{bad}");
		}
	}

	#[test]
	fn key_validity_follows_expiry_works() {
		let key = VerificationKey::<u32, ()> {
			id: (),
			public: PublicKey::Sr25519(sr25519::Public::from_raw([2; 32])),
			relationships: Relationships::SIGNING,
			expires: Some(10),
		};
		assert!(key.authorizes(Relationship::AssertionMethod, 10));
		assert!(!key.authorizes(Relationship::AssertionMethod, 11));
		assert!(!key.authorizes(Relationship::KeyAgreement, 5));
	}
}
