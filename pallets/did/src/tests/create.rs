use super::*;

#[test]
fn create_works() {
	ExtBuilder::build_and_execute(|| {
		create(ALICE);
		let d = details(ALICE);
		assert_eq!(d.controller, ALICE);
		assert_eq!(d.keys.len(), 1);
		assert_eq!((d.created, d.link.changed, d.link.previous), (1, 1, None));
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
				vec![key("a", PublicKey::Sr25519(sr_pair(1).public()), Relationships::default())],
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
