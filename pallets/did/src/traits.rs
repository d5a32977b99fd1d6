//! What other pallets and the runtime use of the DID registry.

use crate::{
	signature::DidSignature,
	types::{DelegateKind, Relationship},
};
use alloc::vec::Vec;
use sp_core::ed25519;

/// Why a DID signature was not accepted.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DidAuthError {
	/// No such DID.
	UnknownDid,
	/// The DID is deactivated.
	Deactivated,
	/// The DID has no key with the signature's key id.
	KeyNotFound,
	/// The key lacks the relationship, or has expired.
	KeyNotAuthorized,
	/// The signature does not verify.
	BadSignature,
}

/// Read access to DIDs for other pallets, at the current block. Other pallets never read the
/// DID registry's storage or events directly.
pub trait DidInspect<AccountId> {
	/// Whether `did` exists and is not deactivated.
	fn is_active(did: &AccountId) -> bool;

	/// The controller of an active `did`.
	fn controller(did: &AccountId) -> Option<AccountId>;

	/// Whether `did` has a key with fragment `key_id` valid now for `relationship`.
	fn has_valid_key(did: &AccountId, key_id: &[u8], relationship: Relationship) -> bool;

	/// Whether `who` is a delegate of `did` of `kind`, valid now.
	fn is_delegate(did: &AccountId, kind: DelegateKind, who: &AccountId) -> bool;

	/// Verifies that `signature` over `message` was made by a key of `did` valid now for
	/// `relationship`.
	///
	/// Nothing stops a controller from adding someone else's public key to its DID, so a
	/// signature proves "a key of `did`" only if `message` itself names `did`: callers must
	/// sign domain-tagged payloads that include the DID (as `submit_did_call` does).
	fn verify_signature(
		did: &AccountId,
		relationship: Relationship,
		message: &[u8],
		signature: &DidSignature,
	) -> Result<(), DidAuthError>;
}

/// Which key relationship a call needs to be authorized by a DID through `submit_did_call`.
/// The runtime implements it for its `RuntimeCall`; calls that answer `None` cannot be
/// DID-authorized.
pub trait DidAuthorizedCall {
	/// The relationship the signing key must have, or `None` if the call cannot be
	/// DID-authorized.
	fn required_relationship(&self) -> Option<Relationship>;
}

/// Why an origin cannot act as a DID.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ActingDidError {
	/// The origin is neither signed nor DID-authorized.
	BadOrigin,
	/// The signing account has no DID.
	UnknownDid,
	/// The signing account's DID is deactivated.
	Deactivated,
	/// The signing account's DID has another controller, who must act for it (through
	/// `submit_did_call`, or its own DID).
	NotController,
}

/// Which DID a call acts as. Pallets whose callers are DIDs (CPT publishers, issuers,
/// evidence signers) resolve their origin through this one rule:
///
/// - a call dispatched by `submit_did_call` acts as the DID whose key authorized it;
/// - a signed call acts as the signer's own DID (`did:teeid:<signer>`), which must be active
///   and controlled by the signer itself.
pub trait ActingDid<Origin, AccountId> {
	/// The DID `origin` acts as.
	fn acting_did(origin: Origin) -> Result<AccountId, ActingDidError>;

	/// Creates an active DID for `who`, funded and controlled by itself, and returns a signed
	/// origin that acts as it.
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_did(who: &AccountId) -> Origin;

	/// Creates an active DID for `who`, funded and controlled by itself, whose only key is
	/// `public` under `key_id`, with every signing relationship.
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_did_with_key(who: &AccountId, key_id: &[u8], public: crate::PublicKey);

	/// Creates an active DID for `who` as `benchmark_did` does, with TEE key `public` bound to
	/// it as a signer that counts, and returns the key id the TEE signs for it under. Where
	/// the runtime has no TEE signers, `public` becomes the DID's own key `auth` instead. A
	/// bound TEE key is the costliest Ed25519 signer to check (the DID's own keys are searched
	/// first, then the binding).
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_did_with_tee_signer(who: &AccountId, public: ed25519::Public) -> Vec<u8>;
}

/// The TEE signers bound to DIDs, as the pallet that binds them (attestation) reports them.
///
/// A bound signer counts as an assertion key of the DID, under the key id
/// [`tee_key_id`](teeid_primitives::attestation::tee_key_id) of its key, for as long as
/// `is_bound` says so (the binding exists and the worker is active). It never authorizes
/// anything else: a TEE signs credentials for a DID, it does not control it.
pub trait BoundSigners<AccountId> {
	/// Whether TEE key `key` is bound to `did` and counts now.
	fn is_bound(did: &AccountId, key: &ed25519::Public) -> bool;

	/// The TEE keys bound to `did` that count now, for DID documents. The provider bounds how
	/// many there can be.
	fn bound_keys(did: &AccountId) -> Vec<ed25519::Public>;

	/// Makes TEE key `key` a signer of `did` that counts, with all the state a real binding
	/// has, so that checking it costs what it costs on chain; `false` if the provider has no
	/// TEE signers.
	#[cfg(feature = "runtime-benchmarks")]
	fn bind_for_benchmark(did: &AccountId, key: &ed25519::Public) -> bool;
}

/// No TEE signers: for runtimes without the attestation pallet.
impl<AccountId> BoundSigners<AccountId> for () {
	fn is_bound(_: &AccountId, _: &ed25519::Public) -> bool {
		false
	}

	fn bound_keys(_: &AccountId) -> Vec<ed25519::Public> {
		Vec::new()
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn bind_for_benchmark(_: &AccountId, _: &ed25519::Public) -> bool {
		false
	}
}

/// Records binding changes in the DID's linked-event history, so that walking a DID's history
/// shows when each TEE signer started and stopped signing for it.
pub trait SignerHistory<AccountId> {
	/// `public` was bound to `did`.
	fn signer_bound(did: &AccountId, public: &ed25519::Public);

	/// `public`'s binding to `did` ended.
	fn signer_unbound(did: &AccountId, public: &ed25519::Public);
}
