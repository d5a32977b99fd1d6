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
		assert_noop!(Did::add_key(origin(), ALICE, signing_key("#", 2)), Error::<Test>::InvalidId);
		assert_noop!(
			Did::add_key(origin(), ALICE, key("x", PublicKey::X25519([0; 32]), assertion_only())),
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
		assert_noop!(
			Did::remove_key(origin(), ALICE, b"bad id".to_vec()),
			Error::<Test>::InvalidId
		);
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
