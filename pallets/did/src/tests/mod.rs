//! Tests of the DID pallet on the mock runtime: every call, every error, the deposit, the
//! DID-signed operations and the linked-event history. Shared helpers live here; each group
//! of tests has its own file.

use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};
use sp_core::{ecdsa, ed25519, sr25519, Pair};
use sp_runtime::DispatchError;

type DidCall = crate::Call<Test>;
type Key = KeyInput<u64>;

fn key(id: &str, public: PublicKey, relationships: Relationships) -> Key {
	VerificationKey { id: id.as_bytes().to_vec(), public, relationships, expires: None }
}

fn sr_pair(seed: u8) -> sr25519::Pair {
	sr25519::Pair::from_seed(&[seed; 32])
}

fn ed_pair(seed: u8) -> ed25519::Pair {
	ed25519::Pair::from_seed(&[seed; 32])
}

fn ecdsa_pair(seed: u8) -> ecdsa::Pair {
	ecdsa::Pair::from_seed(&[seed; 32])
}

/// A signing key with every signing relationship.
fn signing_key(id: &str, seed: u8) -> Key {
	key(id, PublicKey::Sr25519(sr_pair(seed).public()), Relationships::SIGNING)
}

fn x25519_key(id: &str) -> Key {
	key(id, PublicKey::X25519([7; 32]), Relationships::KEY_AGREEMENT)
}

fn assertion_only() -> Relationships {
	Relationships { assertion_method: true, ..Default::default() }
}

/// Creates `who`'s DID with one sr25519 key `auth` (seed 1).
fn create(who: u64) {
	assert_ok!(Did::create(RuntimeOrigin::signed(who), vec![signing_key("auth", 1)], None));
}

fn details(who: u64) -> DidDetails<Test> {
	Dids::<Test>::get(who).expect("the DID exists")
}

fn service(id: &str, endpoint: &str) -> ServiceInput {
	Service {
		id: id.as_bytes().to_vec(),
		service_type: b"LinkedDomains".to_vec(),
		endpoint: endpoint.as_bytes().to_vec(),
	}
}

fn held(who: u64) -> u64 {
	Balances::balance_on_hold(&HoldReason::DidDeposit.into(), &who)
}

fn last_did_event() -> Event<Test> {
	System::events()
		.into_iter()
		.rev()
		.find_map(|r| match r.event {
			RuntimeEvent::Did(e) => Some(e),
			_ => None,
		})
		.expect("a DID event")
}

mod acting_did;
mod attributes_and_services;
mod controller_and_delegates;
mod create;
mod deactivation;
mod did_calls;
mod history;
mod keys;
mod runtime_api_helpers;
