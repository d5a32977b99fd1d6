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
		assert!(!<Did as DidInspect<u64>>::has_valid_key(
			&ALICE,
			b"auth",
			Relationship::Authentication
		));
		assert!(!<Did as DidInspect<u64>>::is_delegate(&ALICE, DelegateKind::Authentication, &BOB));
		assert_eq!(<Did as DidInspect<u64>>::controller(&ALICE), None);
		assert_eq!(
			<Did as DidInspect<u64>>::verify_signature(
				&ALICE,
				Relationship::Authentication,
				b"m",
				&sig
			),
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
		assert_noop!(Did::add_key(origin(), ALICE, x25519_key("x")), Error::<Test>::Deactivated);
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
		assert_noop!(Did::deactivate(RuntimeOrigin::signed(ALICE), ALICE), Error::<Test>::NotFound);
		assert_noop!(
			Did::set_attribute(RuntimeOrigin::signed(ALICE), BOB, b"n".to_vec(), vec![], 5),
			Error::<Test>::NotFound
		);
	});
}
