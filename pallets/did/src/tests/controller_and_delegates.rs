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
