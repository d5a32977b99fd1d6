use super::*;

/// `who`'s DID with a service, so that it holds more than the base deposit.
fn create_with_service(who: u64) {
	create(who);
	assert_ok!(Did::add_service(RuntimeOrigin::signed(who), who, service("w", "https://a.b")));
}

#[test]
fn deactivate_burns_tombstone_fee_and_releases_the_rest_works() {
	ExtBuilder::build_and_execute(|| {
		create_with_service(ALICE);
		let deposit = held(ALICE);
		let free = Balances::free_balance(ALICE);
		let issuance = Balances::total_issuance();
		assert_ok!(Did::deactivate(RuntimeOrigin::signed(ALICE), ALICE));
		// The tombstone stays for good, so its fee is burnt rather than held; the rest of the
		// deposit comes back.
		assert_eq!(held(ALICE), 0);
		assert_eq!(Balances::free_balance(ALICE), free + deposit - TombstoneFee::get());
		assert_eq!(Balances::total_issuance(), issuance - TombstoneFee::get());
		assert_eq!(details(ALICE).deposit.amount, 0);
	});
}

#[test]
fn deactivate_relayed_charges_the_deposit_owner_works() {
	ExtBuilder::build_and_execute(|| {
		// BOB controls ALICE's DID; ALICE created it and holds its deposit, so ALICE pays the
		// tombstone fee, not the controller.
		assert_ok!(Did::create(
			RuntimeOrigin::signed(ALICE),
			vec![signing_key("auth", 1)],
			Some(BOB)
		));
		let deposit = held(ALICE);
		let (alice, bob) = (Balances::free_balance(ALICE), Balances::free_balance(BOB));
		assert_ok!(Did::deactivate(RuntimeOrigin::signed(BOB), ALICE));
		assert_eq!(Balances::free_balance(ALICE), alice + deposit - TombstoneFee::get());
		assert_eq!(Balances::free_balance(BOB), bob);
	});
}

#[test]
#[should_panic(expected = "TombstoneFee")]
fn integrity_test_with_tombstone_fee_above_deposit_base_fails() {
	TombstoneFee::set(DepositBase::get() + 1);
	<Did as frame_support::traits::Hooks<u64>>::integrity_test();
}

#[test]
fn deactivate_works() {
	ExtBuilder::build_and_execute(|| {
		create_with_service(ALICE);
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
