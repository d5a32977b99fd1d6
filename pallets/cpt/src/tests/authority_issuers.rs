//! The authority issuer life cycle.

use super::*;

#[test]
fn apply_authority_issuer_works() {
	ExtBuilder::build_and_execute(|| {
		dids();
		assert_ok!(Cpt::apply_authority_issuer(signed(ISSUER), bounded(b"Acme")));
		let issuer = AuthorityIssuers::<Test>::get(ISSUER).unwrap();
		assert_eq!(issuer.status, IssuerStatus::Applied);
		assert_eq!(issuer.name.to_vec(), b"Acme".to_vec());
		assert_eq!(AuthorityIssuerNames::<Test>::get(issuer.name.clone()), Some(ISSUER));
		let stored = issuer.encoded_size() + issuer.name.encoded_size() + ISSUER.encoded_size();
		assert_eq!(issuer.deposit.amount, Cpt::deposit_for(stored));
		assert_eq!(held(HoldReason::AuthorityIssuerDeposit, ISSUER), issuer.deposit.amount);
		System::assert_last_event(
			Event::AuthorityIssuerApplied { did: ISSUER, name: issuer.name }.into(),
		);
		// Applying grants nothing yet.
		assert!(!Cpt::roles_of(&ISSUER, None).authority_issuer);
	});
}

#[test]
fn apply_authority_issuer_fails() {
	ExtBuilder::build_and_execute(|| {
		dids();
		did(POOR);
		assert_noop!(
			Cpt::apply_authority_issuer(signed(ALICE), bounded(b"")),
			Error::<Test>::InvalidName
		);
		// A name over the limit does not decode (`bounds.rs`).
		assert_ok!(Cpt::apply_authority_issuer(signed(ISSUER), bounded(b"Acme")));
		assert_noop!(
			Cpt::apply_authority_issuer(signed(ISSUER), bounded(b"Other")),
			Error::<Test>::AlreadyApplied
		);
		assert_noop!(
			Cpt::apply_authority_issuer(signed(ALICE), bounded(b"Acme")),
			Error::<Test>::NameTaken
		);
		assert_noop!(
			Cpt::apply_authority_issuer(signed(POOR), bounded(b"Poor")),
			Error::<Test>::InsufficientDeposit
		);
	});
}

#[test]
fn recognize_and_derecognize_work() {
	ExtBuilder::build_and_execute(|| {
		dids();
		assert_ok!(Cpt::apply_authority_issuer(signed(ISSUER), bounded(b"Acme")));
		assert_ok!(Cpt::recognize_authority_issuer(signed(COMMITTEE), ISSUER));
		assert_eq!(AuthorityIssuers::<Test>::get(ISSUER).unwrap().status, IssuerStatus::Recognized);
		assert!(Cpt::roles_of(&ISSUER, None).authority_issuer);
		System::assert_last_event(
			Event::AuthorityIssuerRecognized { did: ISSUER, by: COMMITTEE }.into(),
		);

		System::set_block_number(5);
		assert_ok!(Cpt::derecognize_authority_issuer(signed(ADMIN), ISSUER));
		let issuer = AuthorityIssuers::<Test>::get(ISSUER).unwrap();
		assert_eq!(
			(issuer.status, issuer.applied, issuer.changed),
			(IssuerStatus::Derecognized, 1, 5)
		);
		assert!(!Cpt::roles_of(&ISSUER, None).authority_issuer);
		System::assert_last_event(
			Event::AuthorityIssuerDerecognized { did: ISSUER, by: ADMIN }.into(),
		);

		// Recognition can be restored.
		assert_ok!(Cpt::recognize_authority_issuer(signed(ADMIN), ISSUER));
		assert!(Cpt::roles_of(&ISSUER, None).authority_issuer);
	});
}

#[test]
fn recognize_and_derecognize_fail() {
	ExtBuilder::build_and_execute(|| {
		dids();
		assert_noop!(
			Cpt::recognize_authority_issuer(signed(ADMIN), ISSUER),
			Error::<Test>::AuthorityIssuerNotFound
		);
		assert_ok!(Cpt::apply_authority_issuer(signed(ISSUER), bounded(b"Acme")));
		// Nobody recognizes itself.
		assert_noop!(
			Cpt::recognize_authority_issuer(signed(ISSUER), ISSUER),
			Error::<Test>::NotAuthorized
		);
		assert_noop!(
			Cpt::derecognize_authority_issuer(signed(ADMIN), ISSUER),
			Error::<Test>::NotRecognized
		);
		assert_ok!(Cpt::recognize_authority_issuer(signed(ADMIN), ISSUER));
		assert_noop!(
			Cpt::recognize_authority_issuer(signed(ADMIN), ISSUER),
			Error::<Test>::AlreadyRecognized
		);
		assert_noop!(
			Cpt::derecognize_authority_issuer(signed(ALICE), ISSUER),
			Error::<Test>::NotAuthorized
		);
		assert_noop!(
			Cpt::derecognize_authority_issuer(signed(ADMIN), ALICE),
			Error::<Test>::AuthorityIssuerNotFound
		);
	});
}

#[test]
fn remove_authority_issuer_works() {
	ExtBuilder::build_and_execute(|| {
		dids();
		// By the committee: the deposit goes back to the applicant and the name is free.
		recognized_issuer();
		assert!(held(HoldReason::AuthorityIssuerDeposit, ISSUER) > 0);
		assert_ok!(Cpt::remove_authority_issuer(signed(COMMITTEE), ISSUER));
		assert!(!AuthorityIssuers::<Test>::contains_key(ISSUER));
		assert_eq!(held(HoldReason::AuthorityIssuerDeposit, ISSUER), 0);
		System::assert_last_event(
			Event::AuthorityIssuerRemoved {
				did: ISSUER,
				name: b"Acme".to_vec().try_into().unwrap(),
				by: COMMITTEE,
			}
			.into(),
		);
		assert_ok!(Cpt::apply_authority_issuer(signed(ALICE), bounded(b"Acme")));
		// By the applicant itself (withdrawing).
		assert_ok!(Cpt::remove_authority_issuer(signed(ALICE), ALICE));
		assert!(!AuthorityIssuerNames::<Test>::contains_key(
			NameOf::<Test>::try_from(b"Acme".to_vec()).unwrap()
		));
	});
}

#[test]
fn remove_authority_issuer_fails() {
	ExtBuilder::build_and_execute(|| {
		dids();
		recognized_issuer();
		assert_noop!(
			Cpt::remove_authority_issuer(signed(ALICE), ISSUER),
			Error::<Test>::NotAuthorized
		);
		assert_noop!(
			Cpt::remove_authority_issuer(signed(ADMIN), ALICE),
			Error::<Test>::AuthorityIssuerNotFound
		);
	});
}
