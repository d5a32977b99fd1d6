//! Tests of the DID pallet on the mock runtime: every call, every error, the deposit, the
//! DID-signed operations and the linked-event history.

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

mod create {
	use super::*;

	#[test]
	fn create_works() {
		ExtBuilder::build_and_execute(|| {
			create(ALICE);
			let d = details(ALICE);
			assert_eq!(d.controller, ALICE);
			assert_eq!(d.keys.len(), 1);
			assert_eq!((d.created, d.changed, d.previous_changed), (1, 1, None));
			assert_eq!(d.nonce, 0);
			assert!(!d.deactivated);
			assert_eq!(d.deposit.owner, ALICE);
			assert_eq!(d.deposit.amount, d.required_deposit());
			assert!(d.deposit.amount > DepositBase::get());
			assert_eq!(held(ALICE), d.deposit.amount);
			assert!(matches!(
				last_did_event(),
				Event::DidCreated { did: ALICE, controller: ALICE, previous: None, .. }
			));
			// The event is deposited under the DID's topic.
			let topic = did_topic::<Test>(&ALICE);
			assert_eq!(System::event_topics(topic).len(), 1);
		});
	}

	#[test]
	fn create_with_controller_and_every_key_kind_works() {
		ExtBuilder::build_and_execute(|| {
			let keys = vec![
				signing_key("sr", 1),
				key("ed", PublicKey::Ed25519(ed_pair(2).public()), assertion_only()),
				key("ec", PublicKey::EcdsaSecp256k1(ecdsa_pair(3).public()), assertion_only()),
				x25519_key("x"),
			];
			assert_ok!(Did::create(RuntimeOrigin::signed(ALICE), keys, Some(BOB)));
			assert_eq!(details(ALICE).controller, BOB);
			assert_eq!(details(ALICE).keys.len(), 4);
		});
	}

	#[test]
	fn create_twice_fails() {
		ExtBuilder::build_and_execute(|| {
			create(ALICE);
			assert_noop!(
				Did::create(RuntimeOrigin::signed(ALICE), vec![signing_key("auth", 1)], None),
				Error::<Test>::AlreadyExists
			);
		});
	}

	#[test]
	fn create_after_deactivation_fails() {
		ExtBuilder::build_and_execute(|| {
			create(ALICE);
			assert_ok!(Did::deactivate(RuntimeOrigin::signed(ALICE), ALICE));
			assert_noop!(
				Did::create(RuntimeOrigin::signed(ALICE), vec![signing_key("auth", 1)], None),
				Error::<Test>::Deactivated
			);
		});
	}

	#[test]
	fn create_with_bad_keys_fails() {
		ExtBuilder::build_and_execute(|| {
			let origin = || RuntimeOrigin::signed(ALICE);
			let cases: Vec<(Vec<Key>, Error<Test>)> = vec![
				(vec![], Error::NoAuthenticationKey),
				(
					vec![key("a", PublicKey::Ed25519(ed_pair(1).public()), assertion_only())],
					Error::NoAuthenticationKey,
				),
				(vec![signing_key("a", 1), signing_key("a", 2)], Error::DuplicateId),
				(vec![signing_key("", 1)], Error::InvalidId),
				(vec![signing_key("has space", 1)], Error::InvalidId),
				(vec![signing_key("x".repeat(17).as_str(), 1)], Error::InvalidId),
				(
					vec![
						signing_key("a", 1),
						key("x", PublicKey::X25519([1; 32]), Relationships::SIGNING),
					],
					Error::InvalidRelationships,
				),
				(
					vec![key(
						"a",
						PublicKey::Sr25519(sr_pair(1).public()),
						Relationships::default(),
					)],
					Error::InvalidRelationships,
				),
				(
					vec![key(
						"a",
						PublicKey::Sr25519(sr_pair(1).public()),
						Relationships::KEY_AGREEMENT,
					)],
					Error::InvalidRelationships,
				),
				((0..5).map(|i| signing_key(&format!("k{i}"), i)).collect(), Error::TooManyKeys),
			];
			for (keys, error) in cases {
				assert_noop!(Did::create(origin(), keys, None), error);
			}
			let mut expired = signing_key("a", 1);
			expired.expires = Some(1);
			assert_noop!(Did::create(origin(), vec![expired], None), Error::<Test>::InvalidExpiry);
			assert!(Dids::<Test>::get(ALICE).is_none());
		});
	}

	#[test]
	fn create_without_funds_for_deposit_fails() {
		ExtBuilder::build_and_execute(|| {
			assert_noop!(
				Did::create(RuntimeOrigin::signed(POOR), vec![signing_key("auth", 1)], None),
				Error::<Test>::InsufficientDeposit
			);
		});
	}

	#[test]
	fn create_unsigned_fails() {
		ExtBuilder::build_and_execute(|| {
			assert_noop!(
				Did::create(RuntimeOrigin::none(), vec![signing_key("auth", 1)], None),
				DispatchError::BadOrigin
			);
		});
	}
}

mod keys {
	use super::*;

	#[test]
	fn add_key_works_and_grows_deposit() {
		ExtBuilder::build_and_execute(|| {
			create(ALICE);
			let before = held(ALICE);
			assert_ok!(Did::add_key(RuntimeOrigin::signed(ALICE), ALICE, x25519_key("enc")));
			assert_eq!(details(ALICE).keys.len(), 2);
			assert!(held(ALICE) > before);
			// Created in this very block: there is no earlier change to point to.
			assert!(matches!(last_did_event(), Event::KeyAdded { did: ALICE, previous: None, .. }));
			next_block();
			assert_ok!(Did::remove_key(RuntimeOrigin::signed(ALICE), ALICE, b"enc".to_vec()));
			assert!(matches!(
				last_did_event(),
				Event::KeyRemoved { did: ALICE, previous: Some(1), .. }
			));
		});
	}

	#[test]
	fn add_key_fails_for_bad_input() {
		ExtBuilder::build_and_execute(|| {
			create(ALICE);
			let origin = || RuntimeOrigin::signed(ALICE);
			assert_noop!(
				Did::add_key(origin(), ALICE, signing_key("auth", 2)),
				Error::<Test>::DuplicateId
			);
			assert_noop!(
				Did::add_key(origin(), ALICE, signing_key("#", 2)),
				Error::<Test>::InvalidId
			);
			assert_noop!(
				Did::add_key(
					origin(),
					ALICE,
					key("x", PublicKey::X25519([0; 32]), assertion_only())
				),
				Error::<Test>::InvalidRelationships
			);
			for i in 0..3 {
				assert_ok!(Did::add_key(origin(), ALICE, signing_key(&format!("k{i}"), 10 + i)));
			}
			assert_noop!(
				Did::add_key(origin(), ALICE, signing_key("k9", 20)),
				Error::<Test>::TooManyKeys
			);
			assert_noop!(Did::add_key(origin(), BOB, signing_key("k", 2)), Error::<Test>::NotFound);
		});
	}

	#[test]
	fn growing_without_funds_for_deposit_fails() {
		ExtBuilder::build_and_execute(|| {
			assert_ok!(Did::create(RuntimeOrigin::signed(MODEST), vec![signing_key("auth", 1)], None));
			assert_noop!(
				Did::add_key(RuntimeOrigin::signed(MODEST), MODEST, x25519_key("enc")),
				Error::<Test>::InsufficientDeposit
			);
			assert_noop!(
				Did::add_service(RuntimeOrigin::signed(MODEST), MODEST, service("w", "https://a.b")),
				Error::<Test>::InsufficientDeposit
			);
		});
	}

	#[test]
	fn bad_keys_and_origins_fail() {
		ExtBuilder::build_and_execute(|| {
			create(ALICE);
			let origin = || RuntimeOrigin::signed(ALICE);
			let expired = VerificationKey { expires: Some(1), ..signing_key("late", 2) };
			assert_noop!(Did::add_key(origin(), ALICE, expired.clone()), Error::<Test>::InvalidExpiry);
			assert_noop!(
				Did::rotate_key(origin(), ALICE, b"auth".to_vec(), expired),
				Error::<Test>::InvalidExpiry
			);
			assert_noop!(
				Did::rotate_key(
					origin(),
					ALICE,
					b"auth".to_vec(),
					key("auth", PublicKey::X25519([1; 32]), Relationships::SIGNING)
				),
				Error::<Test>::InvalidRelationships
			);
			assert_noop!(Did::remove_key(origin(), ALICE, b"bad id".to_vec()), Error::<Test>::InvalidId);
			assert_noop!(Did::remove_service(origin(), ALICE, vec![]), Error::<Test>::InvalidId);
			assert_noop!(Did::deactivate(RuntimeOrigin::root(), ALICE), DispatchError::BadOrigin);
			assert_noop!(
				Did::add_key(RuntimeOrigin::none(), ALICE, x25519_key("x")),
				DispatchError::BadOrigin
			);
		});
	}

	#[test]
	fn add_key_by_stranger_fails() {
		ExtBuilder::build_and_execute(|| {
			create(ALICE);
			assert_noop!(
				Did::add_key(RuntimeOrigin::signed(BOB), ALICE, x25519_key("enc")),
				Error::<Test>::NotAuthorized
			);
		});
	}

	#[test]
	fn remove_key_works_and_shrinks_deposit() {
		ExtBuilder::build_and_execute(|| {
			create(ALICE);
			assert_ok!(Did::add_key(RuntimeOrigin::signed(ALICE), ALICE, x25519_key("enc")));
			let before = held(ALICE);
			assert_ok!(Did::remove_key(RuntimeOrigin::signed(ALICE), ALICE, b"enc".to_vec()));
			assert_eq!(details(ALICE).keys.len(), 1);
			assert!(held(ALICE) < before);
			assert!(matches!(last_did_event(), Event::KeyRemoved { did: ALICE, .. }));
		});
	}

	#[test]
	fn remove_last_authentication_key_fails() {
		ExtBuilder::build_and_execute(|| {
			create(ALICE);
			assert_ok!(Did::add_key(RuntimeOrigin::signed(ALICE), ALICE, x25519_key("enc")));
			assert_noop!(
				Did::remove_key(RuntimeOrigin::signed(ALICE), ALICE, b"auth".to_vec()),
				Error::<Test>::NoAuthenticationKey
			);
			assert_noop!(
				Did::remove_key(RuntimeOrigin::signed(ALICE), ALICE, b"nope".to_vec()),
				Error::<Test>::KeyNotFound
			);
		});
	}

	#[test]
	fn rotate_key_works() {
		ExtBuilder::build_and_execute(|| {
			create(ALICE);
			assert_ok!(Did::rotate_key(
				RuntimeOrigin::signed(ALICE),
				ALICE,
				b"auth".to_vec(),
				signing_key("auth", 2)
			));
			let d = details(ALICE);
			assert_eq!(d.keys.len(), 1);
			assert_eq!(d.keys[0].public, PublicKey::Sr25519(sr_pair(2).public()));
			assert!(matches!(last_did_event(), Event::KeyRotated { did: ALICE, .. }));
		});
	}

	#[test]
	fn rotate_key_fails_for_bad_input() {
		ExtBuilder::build_and_execute(|| {
			create(ALICE);
			let origin = || RuntimeOrigin::signed(ALICE);
			assert_noop!(
				Did::rotate_key(origin(), ALICE, b"nope".to_vec(), signing_key("n", 2)),
				Error::<Test>::KeyNotFound
			);
			assert_noop!(
				Did::rotate_key(origin(), ALICE, b"auth".to_vec(), x25519_key("x")),
				Error::<Test>::NoAuthenticationKey
			);
			assert_ok!(Did::add_key(origin(), ALICE, x25519_key("x")));
			assert_noop!(
				Did::rotate_key(origin(), ALICE, b"auth".to_vec(), x25519_key("x")),
				Error::<Test>::DuplicateId
			);
		});
	}

	#[test]
	fn expired_keys_do_not_authenticate() {
		ExtBuilder::build_and_execute(|| {
			let mut short = signing_key("short", 1);
			short.expires = Some(3);
			assert_ok!(Did::create(
				RuntimeOrigin::signed(ALICE),
				vec![short, signing_key("long", 2)],
				None
			));
			assert!(<Did as DidInspect<u64>>::has_valid_key(
				&ALICE,
				b"short",
				Relationship::Authentication
			));
			System::set_block_number(4);
			assert!(!<Did as DidInspect<u64>>::has_valid_key(
				&ALICE,
				b"short",
				Relationship::Authentication
			));
			// Only the expired key would be left: refused.
			assert_noop!(
				Did::remove_key(RuntimeOrigin::signed(ALICE), ALICE, b"long".to_vec()),
				Error::<Test>::NoAuthenticationKey
			);
		});
	}
}

mod controller_and_delegates {
	use super::*;

	#[test]
	fn set_controller_works() {
		ExtBuilder::build_and_execute(|| {
			create(ALICE);
			assert_ok!(Did::set_controller(RuntimeOrigin::signed(ALICE), ALICE, BOB));
			assert_eq!(details(ALICE).controller, BOB);
			// The old controller lost control; the new one has it.
			assert_noop!(
				Did::set_controller(RuntimeOrigin::signed(ALICE), ALICE, ALICE),
				Error::<Test>::NotAuthorized
			);
			assert_ok!(Did::add_key(RuntimeOrigin::signed(BOB), ALICE, x25519_key("enc")));
			// The deposit stays with the creator.
			assert_eq!(details(ALICE).deposit.owner, ALICE);
		});
	}

	#[test]
	fn delegates_work() {
		ExtBuilder::build_and_execute(|| {
			create(ALICE);
			let origin = || RuntimeOrigin::signed(ALICE);
			assert_ok!(Did::add_delegate(origin(), ALICE, DelegateKind::AssertionMethod, BOB, 10));
			assert!(details(ALICE).is_delegate(DelegateKind::AssertionMethod, &BOB, 11));
			assert!(!details(ALICE).is_delegate(DelegateKind::AssertionMethod, &BOB, 12));
			assert!(!details(ALICE).is_delegate(DelegateKind::Authentication, &BOB, 2));
			assert!(matches!(
				last_did_event(),
				Event::DelegateAdded { did: ALICE, delegate: BOB, expires: 11, .. }
			));
			// Adding again renews rather than duplicates.
			assert_ok!(Did::add_delegate(origin(), ALICE, DelegateKind::AssertionMethod, BOB, 20));
			assert_eq!(details(ALICE).delegates.len(), 1);
			assert_eq!(details(ALICE).delegates[0].expires, 21);
			assert_ok!(Did::add_delegate(origin(), ALICE, DelegateKind::Authentication, BOB, 5));
			assert_noop!(
				Did::add_delegate(origin(), ALICE, DelegateKind::Authentication, CHARLIE, 5),
				Error::<Test>::TooManyDelegates
			);
			assert_noop!(
				Did::add_delegate(origin(), ALICE, DelegateKind::Authentication, CHARLIE, 0),
				Error::<Test>::InvalidExpiry
			);
			assert_ok!(Did::revoke_delegate(origin(), ALICE, DelegateKind::AssertionMethod, BOB));
			assert!(matches!(last_did_event(), Event::DelegateRevoked { did: ALICE, .. }));
			assert_noop!(
				Did::revoke_delegate(origin(), ALICE, DelegateKind::AssertionMethod, BOB),
				Error::<Test>::DelegateNotFound
			);
		});
	}
}

mod attributes_and_services {
	use super::*;

	#[test]
	fn attributes_are_only_events() {
		ExtBuilder::build_and_execute(|| {
			create(ALICE);
			let before = details(ALICE);
			next_block();
			assert_ok!(Did::set_attribute(
				RuntimeOrigin::signed(ALICE),
				ALICE,
				b"name".to_vec(),
				b"Alice".to_vec(),
				100
			));
			assert!(matches!(
				last_did_event(),
				Event::AttributeSet { did: ALICE, valid_to: 102, previous: Some(1), .. }
			));
			let after = details(ALICE);
			assert_eq!(after.changed, 2);
			assert_eq!(after.keys, before.keys);
			assert_eq!(after.deposit, before.deposit);
			assert_ok!(Did::revoke_attribute(
				RuntimeOrigin::signed(ALICE),
				ALICE,
				b"name".to_vec(),
				b"Alice".to_vec()
			));
			assert!(matches!(last_did_event(), Event::AttributeRevoked { did: ALICE, .. }));
		});
	}

	#[test]
	fn bad_attributes_fail() {
		ExtBuilder::build_and_execute(|| {
			create(ALICE);
			let origin = || RuntimeOrigin::signed(ALICE);
			assert_noop!(
				Did::set_attribute(origin(), ALICE, vec![], b"v".to_vec(), 10),
				Error::<Test>::InvalidAttributeName
			);
			assert_noop!(
				Did::set_attribute(origin(), ALICE, vec![b'n'; 33], b"v".to_vec(), 10),
				Error::<Test>::InvalidAttributeName
			);
			assert_noop!(
				Did::set_attribute(origin(), ALICE, b"n".to_vec(), vec![0; 65], 10),
				Error::<Test>::AttributeValueTooLong
			);
			assert_noop!(
				Did::set_attribute(origin(), ALICE, b"n".to_vec(), b"v".to_vec(), 0),
				Error::<Test>::InvalidExpiry
			);
			assert_noop!(
				Did::revoke_attribute(origin(), ALICE, b"n".to_vec(), vec![0; 65]),
				Error::<Test>::AttributeValueTooLong
			);
			assert_noop!(
				Did::set_attribute(
					RuntimeOrigin::signed(BOB),
					ALICE,
					b"n".to_vec(),
					b"v".to_vec(),
					1
				),
				Error::<Test>::NotAuthorized
			);
		});
	}

	#[test]
	fn services_work() {
		ExtBuilder::build_and_execute(|| {
			create(ALICE);
			let origin = || RuntimeOrigin::signed(ALICE);
			assert_ok!(Did::add_service(origin(), ALICE, service("web", "https://alice.example")));
			assert_eq!(details(ALICE).services.len(), 1);
			assert!(matches!(last_did_event(), Event::ServiceAdded { did: ALICE, .. }));
			assert_noop!(
				Did::add_service(origin(), ALICE, service("web", "https://other.example")),
				Error::<Test>::DuplicateId
			);
			assert_ok!(Did::add_service(origin(), ALICE, service("hub", "https://hub.example")));
			assert_noop!(
				Did::add_service(origin(), ALICE, service("third", "https://x.example")),
				Error::<Test>::TooManyServices
			);
			assert_ok!(Did::remove_service(origin(), ALICE, b"web".to_vec()));
			assert!(matches!(last_did_event(), Event::ServiceRemoved { did: ALICE, .. }));
			assert_noop!(
				Did::remove_service(origin(), ALICE, b"web".to_vec()),
				Error::<Test>::ServiceNotFound
			);
		});
	}

	#[test]
	fn bad_services_fail() {
		ExtBuilder::build_and_execute(|| {
			create(ALICE);
			let origin = || RuntimeOrigin::signed(ALICE);
			let long = format!("https://{}", "a".repeat(64));
			for endpoint in ["not a uri", "", long.as_str(), "no-scheme.example"] {
				assert_noop!(
					Did::add_service(origin(), ALICE, service("s", endpoint)),
					Error::<Test>::InvalidService
				);
			}
			let mut untyped = service("s", "https://x.example");
			untyped.service_type = vec![];
			assert_noop!(Did::add_service(origin(), ALICE, untyped), Error::<Test>::InvalidService);
			let mut not_utf8 = service("s", "https://x.example");
			not_utf8.service_type = vec![0xff, 0xfe];
			assert_noop!(
				Did::add_service(origin(), ALICE, not_utf8),
				Error::<Test>::InvalidService
			);
			assert_noop!(
				Did::add_service(origin(), ALICE, service("bad id", "https://x.example")),
				Error::<Test>::InvalidId
			);
		});
	}
}

mod deactivation {
	use super::*;

	#[test]
	fn deactivate_works_and_releases_deposit() {
		ExtBuilder::build_and_execute(|| {
			create(ALICE);
			assert_ok!(Did::add_service(
				RuntimeOrigin::signed(ALICE),
				ALICE,
				service("w", "https://a.b")
			));
			assert!(held(ALICE) > 0);
			assert_ok!(Did::deactivate(RuntimeOrigin::signed(ALICE), ALICE));
			let d = details(ALICE);
			assert!(d.deactivated);
			assert!(d.keys.is_empty() && d.services.is_empty() && d.delegates.is_empty());
			assert_eq!(held(ALICE), 0);
			assert_eq!(d.deposit.amount, 0);
			assert!(matches!(last_did_event(), Event::DidDeactivated { did: ALICE, .. }));
			assert!(!<Did as DidInspect<u64>>::is_active(&ALICE));
		});
	}

	#[test]
	fn deactivated_did_authorizes_nothing_works() {
		ExtBuilder::build_and_execute(|| {
			create(ALICE);
			assert_ok!(Did::add_delegate(
				RuntimeOrigin::signed(ALICE),
				ALICE,
				DelegateKind::Authentication,
				BOB,
				10
			));
			assert!(<Did as DidInspect<u64>>::is_delegate(&ALICE, DelegateKind::Authentication, &BOB));
			assert_ok!(Did::deactivate(RuntimeOrigin::signed(ALICE), ALICE));
			let sig = DidSignature {
				key_id: b"auth".to_vec(),
				signature: SignatureBytes::Sr25519(sr_pair(1).sign(b"m")),
			};
			assert!(!<Did as DidInspect<u64>>::has_valid_key(&ALICE, b"auth", Relationship::Authentication));
			assert!(!<Did as DidInspect<u64>>::is_delegate(&ALICE, DelegateKind::Authentication, &BOB));
			assert_eq!(<Did as DidInspect<u64>>::controller(&ALICE), None);
			assert_eq!(
				<Did as DidInspect<u64>>::verify_signature(&ALICE, Relationship::Authentication, b"m", &sig),
				Err(DidAuthError::Deactivated)
			);
		});
	}

	#[test]
	fn calls_on_deactivated_did_fail() {
		ExtBuilder::build_and_execute(|| {
			create(ALICE);
			assert_ok!(Did::deactivate(RuntimeOrigin::signed(ALICE), ALICE));
			let origin = || RuntimeOrigin::signed(ALICE);
			assert_noop!(
				Did::add_key(origin(), ALICE, x25519_key("x")),
				Error::<Test>::Deactivated
			);
			assert_noop!(
				Did::remove_key(origin(), ALICE, b"auth".to_vec()),
				Error::<Test>::Deactivated
			);
			assert_noop!(
				Did::rotate_key(origin(), ALICE, b"auth".to_vec(), signing_key("a", 2)),
				Error::<Test>::Deactivated
			);
			assert_noop!(Did::set_controller(origin(), ALICE, BOB), Error::<Test>::Deactivated);
			assert_noop!(
				Did::add_delegate(origin(), ALICE, DelegateKind::Authentication, BOB, 5),
				Error::<Test>::Deactivated
			);
			assert_noop!(
				Did::revoke_delegate(origin(), ALICE, DelegateKind::Authentication, BOB),
				Error::<Test>::Deactivated
			);
			assert_noop!(
				Did::set_attribute(origin(), ALICE, b"n".to_vec(), vec![], 5),
				Error::<Test>::Deactivated
			);
			assert_noop!(
				Did::revoke_attribute(origin(), ALICE, b"n".to_vec(), vec![]),
				Error::<Test>::Deactivated
			);
			assert_noop!(
				Did::add_service(origin(), ALICE, service("w", "https://a.b")),
				Error::<Test>::Deactivated
			);
			assert_noop!(
				Did::remove_service(origin(), ALICE, b"w".to_vec()),
				Error::<Test>::Deactivated
			);
			assert_noop!(Did::deactivate(origin(), ALICE), Error::<Test>::Deactivated);
		});
	}

	#[test]
	fn calls_on_unknown_did_fail() {
		ExtBuilder::build_and_execute(|| {
			assert_noop!(
				Did::deactivate(RuntimeOrigin::signed(ALICE), ALICE),
				Error::<Test>::NotFound
			);
			assert_noop!(
				Did::set_attribute(RuntimeOrigin::signed(ALICE), BOB, b"n".to_vec(), vec![], 5),
				Error::<Test>::NotFound
			);
		});
	}
}

/// DID-signed operations relayed through `submit_did_call`.
mod did_calls {
	use super::*;

	/// A signer for a DID key.
	enum Signer {
		Sr(sr25519::Pair),
		Ed(ed25519::Pair),
		Ec(ecdsa::Pair),
	}

	impl Signer {
		fn sign(&self, key_id: &str, message: &[u8]) -> DidSignature {
			let signature = match self {
				Signer::Sr(p) => SignatureBytes::Sr25519(p.sign(message)),
				Signer::Ed(p) => SignatureBytes::Ed25519(p.sign(message)),
				Signer::Ec(p) => SignatureBytes::EcdsaSecp256k1(p.sign(message)),
			};
			DidSignature { key_id: key_id.as_bytes().to_vec(), signature }
		}
	}

	fn operation(did: u64, nonce: u64, call: RuntimeCall, submitter: u64) -> DidOperationOf<Test> {
		DidOperation {
			did,
			nonce,
			call: Box::new(call),
			expires: System::block_number() + 10,
			submitter,
			genesis_hash: System::block_hash(0),
		}
	}

	fn attribute_call(value: &[u8]) -> RuntimeCall {
		RuntimeCall::Did(DidCall::set_attribute {
			did: ALICE,
			name: b"name".to_vec(),
			value: value.to_vec(),
			validity: 50,
		})
	}

	fn submit(
		op: DidOperationOf<Test>,
		sig: DidSignature,
	) -> frame_support::dispatch::DispatchResultWithPostInfo {
		Did::submit_did_call(RuntimeOrigin::signed(op.submitter), Box::new(op), sig)
	}

	#[test]
	fn relayed_operation_works_and_cannot_be_replayed() {
		ExtBuilder::build_and_execute(|| {
			create(ALICE);
			let signer = Signer::Sr(sr_pair(1));
			let op = operation(ALICE, 1, attribute_call(b"Alice"), BOB);
			let sig = signer.sign("auth", &op.signing_bytes());
			let bob_before = Balances::free_balance(BOB);
			assert_ok!(submit(op.clone(), sig.clone()));
			assert_eq!(details(ALICE).nonce, 1);
			assert!(System::events().iter().any(|r| matches!(
				r.event,
				RuntimeEvent::Did(Event::AttributeSet { did: ALICE, .. })
			)));
			assert!(matches!(
				last_did_event(),
				Event::DidCallDispatched {
					did: ALICE,
					nonce: 1,
					submitter: BOB,
					result: Ok(()),
					..
				}
			));
			// The relayer's balance paid nothing to the DID; the DID's deposit is untouched.
			assert_eq!(Balances::free_balance(BOB), bob_before);
			// The same signed operation again is a replay.
			assert_noop!(submit(op, sig), Error::<Test>::Replayed);
		});
	}

	#[test]
	fn every_scheme_authorizes_works() {
		ExtBuilder::build_and_execute(|| {
			let keys = vec![
				signing_key("sr", 1),
				key("ed", PublicKey::Ed25519(ed_pair(2).public()), Relationships::SIGNING),
				key(
					"ec",
					PublicKey::EcdsaSecp256k1(ecdsa_pair(3).public()),
					Relationships::SIGNING,
				),
			];
			assert_ok!(Did::create(RuntimeOrigin::signed(ALICE), keys, None));
			let signers = [
				("sr", Signer::Sr(sr_pair(1))),
				("ed", Signer::Ed(ed_pair(2))),
				("ec", Signer::Ec(ecdsa_pair(3))),
			];
			for (nonce, (id, signer)) in (1..).zip(signers.iter()) {
				let op = operation(ALICE, nonce, attribute_call(id.as_bytes()), BOB);
				let sig = signer.sign(id, &op.signing_bytes());
				assert_ok!(submit(op, sig));
			}
			assert_eq!(details(ALICE).nonce, 3);
		});
	}

	#[test]
	fn did_origin_manages_keys_with_capability_invocation() {
		ExtBuilder::build_and_execute(|| {
			create(ALICE);
			let call = RuntimeCall::Did(DidCall::add_key { did: ALICE, key: x25519_key("enc") });
			let op = operation(ALICE, 1, call, CHARLIE);
			let sig = Signer::Sr(sr_pair(1)).sign("auth", &op.signing_bytes());
			let held_before = held(ALICE);
			assert_ok!(submit(op, sig));
			assert_eq!(details(ALICE).keys.len(), 2);
			// The larger record's deposit comes from the DID's creator, not the relayer.
			assert!(held(ALICE) > held_before);
			assert_eq!(held(CHARLIE), 0);
		});
	}

	#[test]
	fn each_call_needs_its_relationship() {
		ExtBuilder::build_and_execute(|| {
			// `auth` authenticates only: enough for attributes, not for keys or delegates.
			let auth_only = Relationships { authentication: true, ..Default::default() };
			let keys = vec![key("auth", PublicKey::Sr25519(sr_pair(1).public()), auth_only)];
			assert_ok!(Did::create(RuntimeOrigin::signed(ALICE), keys, None));
			let signer = Signer::Sr(sr_pair(1));
			for call in [
				DidCall::add_key { did: ALICE, key: x25519_key("enc") },
				DidCall::set_controller { did: ALICE, controller: BOB },
				DidCall::deactivate { did: ALICE },
				DidCall::add_delegate {
					did: ALICE,
					kind: DelegateKind::Authentication,
					delegate: BOB,
					validity: 5,
				},
			] {
				let op = operation(ALICE, 1, RuntimeCall::Did(call), BOB);
				let sig = signer.sign("auth", &op.signing_bytes());
				assert_noop!(submit(op, sig), Error::<Test>::KeyNotAuthorized);
			}
			let op = operation(ALICE, 1, attribute_call(b"v"), BOB);
			let sig = signer.sign("auth", &op.signing_bytes());
			assert_ok!(submit(op, sig));
		});
	}

	#[test]
	fn nested_operations_fail() {
		ExtBuilder::build_and_execute(|| {
			create(ALICE);
			let signer = Signer::Sr(sr_pair(1));
			let inner = operation(ALICE, 2, attribute_call(b"v"), BOB);
			let inner_sig = signer.sign("auth", &inner.signing_bytes());
			let nested = RuntimeCall::Did(DidCall::submit_did_call {
				operation: Box::new(inner),
				signature: inner_sig,
			});
			let op = operation(ALICE, 1, nested, BOB);
			let sig = signer.sign("auth", &op.signing_bytes());
			assert_noop!(submit(op, sig), Error::<Test>::CallNotDidAuthorizable);
		});
	}

	#[test]
	fn signing_bytes_follow_the_documented_layout_works() {
		ExtBuilder::build_and_execute(|| {
			let op = operation(ALICE, 7, attribute_call(b"v"), BOB);
			let mut expected = b"teeid/did-op/v1\0".to_vec();
			expected.push(0); // SigningDomain::DidOperation
			expected.extend_from_slice(op.genesis_hash.as_ref());
			expected.push(0); // Anchor::Nonce
			expected.extend_from_slice(&7u64.to_le_bytes());
			expected.extend_from_slice(&ALICE.encode());
			expected.extend_from_slice(&op.call.encode());
			expected.extend_from_slice(&op.expires.encode());
			expected.extend_from_slice(&BOB.encode());
			assert_eq!(op.signing_bytes(), expected);
		});
	}

	#[test]
	fn did_origin_reaches_other_pallets() {
		ExtBuilder::build_and_execute(|| {
			create(ALICE);
			let call = RuntimeCall::System(frame_system::Call::remark { remark: b"hi".to_vec() });
			let op = operation(ALICE, 1, call, BOB);
			let sig = Signer::Sr(sr_pair(1)).sign("auth", &op.signing_bytes());
			assert_ok!(submit(op, sig));
			assert!(matches!(last_did_event(), Event::DidCallDispatched { result: Ok(()), .. }));
		});
	}

	#[test]
	fn failed_inner_call_still_uses_the_nonce() {
		ExtBuilder::build_and_execute(|| {
			create(ALICE);
			let call =
				RuntimeCall::Did(DidCall::remove_key { did: ALICE, key_id: b"none".to_vec() });
			let op = operation(ALICE, 1, call, BOB);
			let sig = Signer::Sr(sr_pair(1)).sign("auth", &op.signing_bytes());
			assert_ok!(submit(op.clone(), sig.clone()));
			assert_eq!(details(ALICE).nonce, 1);
			assert!(matches!(
				last_did_event(),
				Event::DidCallDispatched { result: Err(_), nonce: 1, .. }
			));
			assert_noop!(submit(op, sig), Error::<Test>::Replayed);
		});
	}

	#[test]
	fn did_origin_cannot_change_another_did() {
		ExtBuilder::build_and_execute(|| {
			create(ALICE);
			create(BOB);
			let call = RuntimeCall::Did(DidCall::add_key { did: BOB, key: x25519_key("enc") });
			let op = operation(ALICE, 1, call, CHARLIE);
			let sig = Signer::Sr(sr_pair(1)).sign("auth", &op.signing_bytes());
			assert_ok!(submit(op, sig));
			let DidCallEvent { result } = dispatched();
			assert_eq!(result, Err(Error::<Test>::NotAuthorized.into()));
			assert_eq!(details(BOB).keys.len(), 1);
		});
	}

	struct DidCallEvent {
		result: DispatchResult,
	}

	fn dispatched() -> DidCallEvent {
		match last_did_event() {
			Event::DidCallDispatched { result, .. } => DidCallEvent { result },
			other => panic!("expected DidCallDispatched, got {other:?}"),
		}
	}

	#[test]
	fn bad_operations_fail_with_their_own_errors() {
		ExtBuilder::build_and_execute(|| {
			let keys = vec![
				signing_key("auth", 1),
				key("assert", PublicKey::Ed25519(ed_pair(2).public()), assertion_only()),
			];
			assert_ok!(Did::create(RuntimeOrigin::signed(ALICE), keys, None));
			let signer = Signer::Sr(sr_pair(1));
			let signed = |op: &DidOperationOf<Test>| signer.sign("auth", &op.signing_bytes());

			// Wrong nonce (skips ahead).
			let op = operation(ALICE, 2, attribute_call(b"v"), BOB);
			assert_noop!(submit(op.clone(), signed(&op)), Error::<Test>::BadNonce);
			// Expired.
			let mut op = operation(ALICE, 1, attribute_call(b"v"), BOB);
			op.expires = 0;
			assert_noop!(submit(op.clone(), signed(&op)), Error::<Test>::OperationExpired);
			// Too far ahead.
			let mut op = operation(ALICE, 1, attribute_call(b"v"), BOB);
			op.expires = 1_000;
			assert_noop!(submit(op.clone(), signed(&op)), Error::<Test>::ExpiryTooFar);
			// Wrong chain.
			let mut op = operation(ALICE, 1, attribute_call(b"v"), BOB);
			op.genesis_hash = sp_core::H256::repeat_byte(1);
			assert_noop!(submit(op.clone(), signed(&op)), Error::<Test>::WrongChain);
			// Submitted by someone else than named.
			let op = operation(ALICE, 1, attribute_call(b"v"), BOB);
			assert_noop!(
				Did::submit_did_call(
					RuntimeOrigin::signed(CHARLIE),
					Box::new(op.clone()),
					signed(&op)
				),
				Error::<Test>::WrongSubmitter
			);
			// Unknown key.
			let op = operation(ALICE, 1, attribute_call(b"v"), BOB);
			assert_noop!(
				submit(op.clone(), signer.sign("nope", &op.signing_bytes())),
				Error::<Test>::KeyNotFound
			);
			// A key without the relationship the call needs (authentication).
			let op = operation(ALICE, 1, attribute_call(b"v"), BOB);
			let sig = Signer::Ed(ed_pair(2)).sign("assert", &op.signing_bytes());
			assert_noop!(submit(op, sig), Error::<Test>::KeyNotAuthorized);
			// A signature by another key.
			let op = operation(ALICE, 1, attribute_call(b"v"), BOB);
			let sig = Signer::Sr(sr_pair(9)).sign("auth", &op.signing_bytes());
			assert_noop!(submit(op, sig), Error::<Test>::BadSignature);
			// A signature over another operation.
			let op = operation(ALICE, 1, attribute_call(b"v"), BOB);
			let other = operation(ALICE, 1, attribute_call(b"w"), BOB);
			assert_noop!(submit(op, signed(&other)), Error::<Test>::BadSignature);
			// A call that cannot be DID-authorized.
			let call = RuntimeCall::Did(DidCall::create { keys: vec![], controller: None });
			let op = operation(ALICE, 1, call, BOB);
			assert_noop!(submit(op.clone(), signed(&op)), Error::<Test>::CallNotDidAuthorizable);
			let call = RuntimeCall::Balances(pallet_balances::Call::transfer_allow_death {
				dest: BOB,
				value: 1,
			});
			let op = operation(ALICE, 1, call, BOB);
			assert_noop!(submit(op.clone(), signed(&op)), Error::<Test>::CallNotDidAuthorizable);
			// Unknown DID.
			let op = operation(CHARLIE, 1, attribute_call(b"v"), BOB);
			assert_noop!(submit(op.clone(), signed(&op)), Error::<Test>::NotFound);
			// An expired key.
			assert_ok!(Did::add_key(
				RuntimeOrigin::signed(ALICE),
				ALICE,
				VerificationKey { expires: Some(2), ..signing_key("brief", 5) }
			));
			System::set_block_number(3);
			let op = operation(ALICE, 1, attribute_call(b"v"), BOB);
			let sig = Signer::Sr(sr_pair(5)).sign("brief", &op.signing_bytes());
			assert_noop!(submit(op, sig), Error::<Test>::KeyNotAuthorized);
			// A deactivated DID.
			assert_ok!(Did::deactivate(RuntimeOrigin::signed(ALICE), ALICE));
			let op = operation(ALICE, 1, attribute_call(b"v"), BOB);
			assert_noop!(submit(op.clone(), signed(&op)), Error::<Test>::Deactivated);
		});
	}

	#[test]
	fn inspect_verifies_signatures_works() {
		ExtBuilder::build_and_execute(|| {
			create(ALICE);
			let message = b"evidence";
			let good = Signer::Sr(sr_pair(1)).sign("auth", message);
			assert_eq!(
				<Did as DidInspect<u64>>::verify_signature(
					&ALICE,
					Relationship::AssertionMethod,
					message,
					&good
				),
				Ok(())
			);
			assert_eq!(
				<Did as DidInspect<u64>>::verify_signature(
					&ALICE,
					Relationship::KeyAgreement,
					message,
					&good
				),
				Err(DidAuthError::KeyNotAuthorized)
			);
			assert_eq!(
				<Did as DidInspect<u64>>::verify_signature(
					&ALICE,
					Relationship::AssertionMethod,
					b"x",
					&good
				),
				Err(DidAuthError::BadSignature)
			);
			assert_eq!(
				<Did as DidInspect<u64>>::verify_signature(
					&BOB,
					Relationship::AssertionMethod,
					message,
					&good
				),
				Err(DidAuthError::UnknownDid)
			);
			assert_eq!(<Did as DidInspect<u64>>::controller(&ALICE), Some(ALICE));
		});
	}

	#[test]
	fn ensure_did_accepts_only_did_origins() {
		ExtBuilder::build_and_execute(|| {
			use frame_support::traits::EnsureOrigin;
			let did_origin: RuntimeOrigin = DidRawOrigin { did: ALICE, submitter: BOB }.into();
			assert_eq!(
				EnsureDid::<Test>::try_origin(did_origin).ok(),
				Some(DidRawOrigin { did: ALICE, submitter: BOB })
			);
			assert!(EnsureDid::<Test>::try_origin(RuntimeOrigin::signed(ALICE)).is_err());
			assert!(EnsureDid::<Test>::try_origin(RuntimeOrigin::root()).is_err());
		});
	}
}

/// The linked-event history: a walk from `changed` back through `previous` reproduces every
/// change, in order, including several changes in one block.
mod history {
	use super::*;

	/// Walks `did`'s history back from its `changed` block through the archived events and
	/// returns its events oldest first.
	fn walk(did: u64) -> Vec<Event<Test>> {
		let mut blocks = Vec::new();
		let mut next = Some(details(did).changed);
		while let Some(block) = next {
			let events: Vec<Event<Test>> = archived_events(block)
				.into_iter()
				.filter_map(|e| match e {
					RuntimeEvent::Did(e) if e.did() == Some(&did) => Some(e),
					_ => None,
				})
				.collect();
			assert!(!events.is_empty(), "block {block} has no event of the DID");
			let previous = events[0].previous();
			assert!(events.iter().all(|e| e.previous() == previous), "one previous per block");
			assert!(previous.map_or(true, |p| p < block), "previous is never the current block");
			next = previous;
			blocks.push(events);
		}
		blocks.into_iter().rev().flatten().collect()
	}

	#[test]
	fn walk_reproduces_full_history_works() {
		ExtBuilder::build_and_execute(|| {
			let origin = || RuntimeOrigin::signed(ALICE);
			let mut expected = Vec::new();
			// Block 1: creation.
			create(ALICE);
			create(BOB);
			expected.push(last_did_event_of(ALICE));
			next_block(); // 2: nothing for Alice, only Bob.
			assert_ok!(Did::set_attribute(
				RuntimeOrigin::signed(BOB),
				BOB,
				b"n".to_vec(),
				vec![],
				5
			));
			next_block(); // 3: three changes in one block.
			assert_ok!(Did::set_attribute(origin(), ALICE, b"name".to_vec(), b"A".to_vec(), 10));
			expected.push(last_did_event_of(ALICE));
			assert_ok!(Did::set_attribute(origin(), ALICE, b"name".to_vec(), b"B".to_vec(), 10));
			expected.push(last_did_event_of(ALICE));
			assert_ok!(Did::add_key(origin(), ALICE, x25519_key("enc")));
			expected.push(last_did_event_of(ALICE));
			for _ in 0..5 {
				next_block();
			}
			// Block 8.
			assert_ok!(Did::rotate_key(origin(), ALICE, b"auth".to_vec(), signing_key("auth", 3)));
			expected.push(last_did_event_of(ALICE));
			next_block(); // 9
			assert_ok!(Did::add_service(origin(), ALICE, service("web", "https://a.example")));
			expected.push(last_did_event_of(ALICE));
			assert_ok!(Did::set_controller(origin(), ALICE, CHARLIE));
			expected.push(last_did_event_of(ALICE));
			next_block(); // 10
			next_block(); // 11
			assert_ok!(Did::deactivate(RuntimeOrigin::signed(CHARLIE), ALICE));
			expected.push(last_did_event_of(ALICE));
			next_block(); // archive block 11

			assert_eq!(details(ALICE).changed, 11);
			assert_eq!(details(ALICE).previous_changed, Some(9));
			let history = walk(ALICE);
			assert_eq!(history, expected);
			let previous: Vec<_> = history.iter().map(|e| e.previous()).collect();
			assert_eq!(
				previous,
				vec![None, Some(1), Some(1), Some(1), Some(3), Some(8), Some(8), Some(9)]
			);
			// Bob's history is separate.
			assert_eq!(walk(BOB).len(), 2);
		});
	}

	fn last_did_event_of(did: u64) -> Event<Test> {
		System::events()
			.into_iter()
			.rev()
			.find_map(|r| match r.event {
				RuntimeEvent::Did(e) if e.did() == Some(&did) => Some(e),
				_ => None,
			})
			.expect("an event of the DID")
	}
}

mod runtime_api_helpers {
	use super::*;

	#[test]
	fn did_state_and_history_head_work() {
		ExtBuilder::build_and_execute(|| {
			assert!(Did::did_state(&ALICE).is_none());
			assert!(Did::history_head(&ALICE).is_none());
			create(ALICE);
			next_block();
			assert_ok!(Did::add_service(
				RuntimeOrigin::signed(ALICE),
				ALICE,
				service("w", "https://a.b")
			));
			let state = Did::did_state(&ALICE).unwrap();
			assert_eq!(state.keys[0].id, b"auth".to_vec());
			assert_eq!(state.services[0].endpoint, b"https://a.b".to_vec());
			assert_eq!((state.created, state.changed), (1, 2));
			assert_eq!(state.deposit, held(ALICE));
			assert_eq!(Did::history_head(&ALICE), Some(2));
		});
	}
}
