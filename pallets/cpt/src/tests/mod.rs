//! Tests of the CPT pallet on the mock runtime: every call, every error, the permission of
//! every role for every call, versions, deposits and the runtime API helpers. Shared helpers
//! live here; each group of tests has its own file.

use crate::{mock::*, *};
use frame_support::{
	assert_noop, assert_ok,
	traits::{fungible::InspectHold, Get},
};
use pallet_did::{KeyInput, PublicKey, Relationships, VerificationKey};
use sp_core::{sr25519, Pair};
use sp_runtime::DispatchError;

fn signer(seed: u8) -> sr25519::Pair {
	sr25519::Pair::from_seed(&[seed; 32])
}

/// Creates `who`'s DID, controlled by itself, with one sr25519 signing key `auth` (seed `who`).
fn did(who: u64) {
	let key: KeyInput<u64> = VerificationKey {
		id: b"auth".to_vec(),
		public: PublicKey::Sr25519(signer(who as u8).public()),
		relationships: Relationships::SIGNING,
		expires: None,
	};
	assert_ok!(Did::create(RuntimeOrigin::signed(who), vec![key], None));
}

fn signed(who: u64) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

/// The DIDs of the genesis roles and of the ordinary accounts.
fn dids() {
	for who in [ADMIN, COMMITTEE, ISSUER, ALICE, BOB, TARGET] {
		did(who);
	}
}

/// `bytes` as a call parameter of the pallet (a name, a title, a description or a schema).
fn bounded<S: Get<u32>>(bytes: &[u8]) -> BoundedVec<u8, S> {
	bytes.to_vec().try_into().expect("tests pass parameters within the limits")
}

/// `ISSUER` applies as "Acme" and the administrator recognizes it.
fn recognized_issuer() {
	assert_ok!(Cpt::apply_authority_issuer(signed(ISSUER), bounded(b"Acme")));
	assert_ok!(Cpt::recognize_authority_issuer(signed(ADMIN), ISSUER));
}

/// A valid object schema, its properties named after `tag`.
fn schema(tag: &str) -> SchemaOf<Test> {
	bounded(
		format!(r#"{{ "type": "object", "properties": {{ "{tag}": {{ "type": "string" }} }} }}"#)
			.as_bytes(),
	)
}

fn canonical(body: &[u8]) -> Vec<u8> {
	teeid_primitives::json::canonicalize(body).unwrap()
}

fn blake2(bytes: &[u8]) -> sp_core::H256 {
	sp_core::H256(sp_io::hashing::blake2_256(bytes))
}

/// Registers a CPT of `range` (at `id` if given) with the `tag` schema.
fn register(
	who: u64,
	range: CptRange,
	id: Option<CptId>,
	tag: &str,
) -> frame_support::dispatch::DispatchResult {
	Cpt::register_cpt(signed(who), range, id, bounded(b"Title"), bounded(b"About"), schema(tag))
}

fn held(reason: HoldReason, who: u64) -> u64 {
	Balances::balance_on_hold(&reason.into(), &who)
}

mod acting_did;
mod authority_issuers;
mod bounds;
mod cpts;
mod issuer_types;
mod permissions;
mod roles;
mod runtime_api_helpers;
mod versions;
