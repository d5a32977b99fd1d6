//! Specific issuer types.

use super::*;

fn school() -> NameOf<Test> {
	bounded(b"school")
}

#[test]
fn register_issuer_type_works() {
	ExtBuilder::build_and_execute(|| {
		dids();
		assert_ok!(Cpt::register_issuer_type(signed(ALICE), bounded(b"school")));
		let record = IssuerTypes::<Test>::get(school()).unwrap();
		assert_eq!((record.owner, record.issuers, record.created), (ALICE, 0, 1));
		assert_eq!(held(HoldReason::IssuerTypeDeposit, ALICE), record.deposit.amount);
		System::assert_last_event(
			Event::IssuerTypeRegistered { issuer_type: school(), owner: ALICE }.into(),
		);
	});
}

#[test]
fn register_issuer_type_fails() {
	ExtBuilder::build_and_execute(|| {
		dids();
		assert_noop!(
			Cpt::register_issuer_type(signed(ALICE), bounded(b"")),
			Error::<Test>::InvalidName
		);
		// A name over the limit does not decode (`bounds.rs`).
		assert_ok!(Cpt::register_issuer_type(signed(ALICE), bounded(b"school")));
		assert_noop!(
			Cpt::register_issuer_type(signed(BOB), bounded(b"school")),
			Error::<Test>::IssuerTypeExists
		);
	});
}

#[test]
fn add_and_remove_issuers_work() {
	ExtBuilder::build_and_execute(|| {
		dids();
		recognized_issuer();
		assert_ok!(Cpt::register_issuer_type(signed(ALICE), bounded(b"school")));
		assert_ok!(Cpt::add_issuer_to_type(signed(ISSUER), bounded(b"school"), BOB));
		assert!(IssuersOfType::<Test>::contains_key(school(), BOB));
		assert_eq!(IssuerTypes::<Test>::get(school()).unwrap().issuers, 1);
		// The authority issuer that added the issuer pays for the membership.
		let deposit = IssuersOfType::<Test>::get(school(), BOB).unwrap();
		assert_eq!(deposit.owner, ISSUER);
		assert_eq!(held(HoldReason::IssuerTypeDeposit, ISSUER), deposit.amount);
		System::assert_last_event(
			Event::IssuerAddedToType { issuer_type: school(), issuer: BOB, by: ISSUER }.into(),
		);

		assert_ok!(Cpt::remove_issuer_from_type(signed(ISSUER), bounded(b"school"), BOB));
		assert!(!IssuersOfType::<Test>::contains_key(school(), BOB));
		assert_eq!(IssuerTypes::<Test>::get(school()).unwrap().issuers, 0);
		assert_eq!(held(HoldReason::IssuerTypeDeposit, ISSUER), 0);
		System::assert_last_event(
			Event::IssuerRemovedFromType { issuer_type: school(), issuer: BOB, by: ISSUER }.into(),
		);
	});
}

#[test]
fn add_issuer_to_type_fails() {
	ExtBuilder::build_and_execute(|| {
		dids();
		assert_ok!(Cpt::register_issuer_type(signed(ALICE), bounded(b"school")));
		// An applicant that is not recognized yet, and an administrator, may not.
		assert_ok!(Cpt::apply_authority_issuer(signed(ISSUER), bounded(b"Acme")));
		assert_noop!(
			Cpt::add_issuer_to_type(signed(ISSUER), bounded(b"school"), BOB),
			Error::<Test>::NotAuthorized
		);
		assert_noop!(
			Cpt::add_issuer_to_type(signed(ADMIN), bounded(b"school"), BOB),
			Error::<Test>::NotAuthorized
		);
		assert_ok!(Cpt::recognize_authority_issuer(signed(ADMIN), ISSUER));
		assert_noop!(
			Cpt::add_issuer_to_type(signed(ISSUER), bounded(b"hospital"), BOB),
			Error::<Test>::IssuerTypeNotFound
		);
		assert_noop!(
			Cpt::add_issuer_to_type(signed(ISSUER), bounded(b"school"), NO_DID),
			Error::<Test>::DidNotFound
		);
		assert_noop!(
			Cpt::add_issuer_to_type(signed(ISSUER), bounded(b""), BOB),
			Error::<Test>::InvalidName
		);
		assert_ok!(Cpt::add_issuer_to_type(signed(ISSUER), bounded(b"school"), BOB));
		assert_noop!(
			Cpt::add_issuer_to_type(signed(ISSUER), bounded(b"school"), BOB),
			Error::<Test>::AlreadyIssuerOfType
		);
		assert_ok!(Cpt::add_issuer_to_type(signed(ISSUER), bounded(b"school"), ALICE));
		assert_noop!(
			Cpt::add_issuer_to_type(signed(ISSUER), bounded(b"school"), TARGET),
			Error::<Test>::TooManyIssuersOfType
		);
	});
}

#[test]
fn remove_issuer_from_type_fails() {
	ExtBuilder::build_and_execute(|| {
		dids();
		recognized_issuer();
		assert_ok!(Cpt::register_issuer_type(signed(ALICE), bounded(b"school")));
		assert_ok!(Cpt::add_issuer_to_type(signed(ISSUER), bounded(b"school"), BOB));
		assert_noop!(
			Cpt::remove_issuer_from_type(signed(ALICE), bounded(b"school"), BOB),
			Error::<Test>::NotAuthorized
		);
		assert_noop!(
			Cpt::remove_issuer_from_type(signed(ISSUER), bounded(b"school"), ALICE),
			Error::<Test>::NotIssuerOfType
		);
		assert_noop!(
			Cpt::remove_issuer_from_type(signed(ISSUER), bounded(b"hospital"), BOB),
			Error::<Test>::IssuerTypeNotFound
		);
	});
}

#[test]
fn remove_issuer_type_works() {
	ExtBuilder::build_and_execute(|| {
		dids();
		assert_ok!(Cpt::register_issuer_type(signed(ALICE), bounded(b"school")));
		assert_ok!(Cpt::remove_issuer_type(signed(ALICE), bounded(b"school")));
		assert!(!IssuerTypes::<Test>::contains_key(school()));
		assert_eq!(held(HoldReason::IssuerTypeDeposit, ALICE), 0);
		System::assert_last_event(Event::IssuerTypeRemoved { issuer_type: school() }.into());
	});
}

#[test]
fn remove_issuer_type_fails() {
	ExtBuilder::build_and_execute(|| {
		dids();
		recognized_issuer();
		assert_noop!(
			Cpt::remove_issuer_type(signed(ALICE), bounded(b"school")),
			Error::<Test>::IssuerTypeNotFound
		);
		assert_ok!(Cpt::register_issuer_type(signed(ALICE), bounded(b"school")));
		// Only the owner, not even an administrator.
		assert_noop!(
			Cpt::remove_issuer_type(signed(ADMIN), bounded(b"school")),
			Error::<Test>::NotAuthorized
		);
		assert_ok!(Cpt::add_issuer_to_type(signed(ISSUER), bounded(b"school"), BOB));
		assert_noop!(
			Cpt::remove_issuer_type(signed(ALICE), bounded(b"school")),
			Error::<Test>::IssuerTypeNotEmpty
		);
	});
}
