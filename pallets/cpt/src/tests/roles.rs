//! Administrators and committee members.

use super::*;

#[test]
fn genesis_sets_the_first_roles_works() {
	ExtBuilder::build_and_execute(|| {
		assert!(Administrators::<Test>::contains_key(ADMIN));
		assert_eq!(Administrators::<Test>::count(), 1);
		assert!(CommitteeMembers::<Test>::contains_key(COMMITTEE));
	});
}

#[test]
fn add_and_remove_administrator_works() {
	ExtBuilder::build_and_execute(|| {
		dids();
		assert_ok!(Cpt::add_administrator(signed(ADMIN), TARGET));
		assert!(Administrators::<Test>::contains_key(TARGET));
		System::assert_last_event(
			Event::AdministratorAdded { did: TARGET, by: Some(ADMIN) }.into(),
		);

		// The new administrator may remove the genesis one.
		assert_ok!(Cpt::remove_administrator(signed(TARGET), ADMIN));
		assert!(!Administrators::<Test>::contains_key(ADMIN));
		System::assert_last_event(
			Event::AdministratorRemoved { did: ADMIN, by: Some(TARGET) }.into(),
		);
	});
}

#[test]
fn governance_adds_and_removes_administrators_works() {
	ExtBuilder::build_and_execute(|| {
		dids();
		// Governance appoints an administrator without being one (no DID acts)...
		assert_ok!(Cpt::add_administrator(RuntimeOrigin::root(), TARGET));
		assert!(Administrators::<Test>::contains_key(TARGET));
		System::assert_last_event(Event::AdministratorAdded { did: TARGET, by: None }.into());
		// ...and removes one, but never the last.
		assert_ok!(Cpt::remove_administrator(RuntimeOrigin::root(), ADMIN));
		System::assert_last_event(Event::AdministratorRemoved { did: ADMIN, by: None }.into());
		assert_noop!(
			Cpt::remove_administrator(RuntimeOrigin::root(), TARGET),
			Error::<Test>::LastAdministrator
		);
		// Its appointee must still be an active DID.
		assert_noop!(
			Cpt::add_administrator(RuntimeOrigin::root(), 999),
			Error::<Test>::DidNotFound
		);
	});
}

#[test]
fn add_administrator_fails() {
	ExtBuilder::build_and_execute(|| {
		dids();
		assert_noop!(
			Cpt::add_administrator(signed(COMMITTEE), TARGET),
			Error::<Test>::NotAuthorized
		);
		assert_noop!(Cpt::add_administrator(signed(ADMIN), NO_DID), Error::<Test>::DidNotFound);
		assert_noop!(
			Cpt::add_administrator(signed(ADMIN), ADMIN),
			Error::<Test>::AlreadyAdministrator
		);
		assert_ok!(Cpt::add_administrator(signed(ADMIN), TARGET));
		assert_ok!(Cpt::add_administrator(signed(ADMIN), ALICE));
		assert_noop!(
			Cpt::add_administrator(signed(ADMIN), BOB),
			Error::<Test>::TooManyAdministrators
		);
	});
}

#[test]
fn remove_administrator_fails() {
	ExtBuilder::build_and_execute(|| {
		dids();
		assert_noop!(Cpt::remove_administrator(signed(ALICE), ADMIN), Error::<Test>::NotAuthorized);
		assert_noop!(
			Cpt::remove_administrator(signed(ADMIN), ALICE),
			Error::<Test>::NotAdministrator
		);
		assert_noop!(
			Cpt::remove_administrator(signed(ADMIN), ADMIN),
			Error::<Test>::LastAdministrator
		);
	});
}

#[test]
fn add_and_remove_committee_member_works() {
	ExtBuilder::build_and_execute(|| {
		dids();
		assert_ok!(Cpt::add_committee_member(signed(ADMIN), TARGET));
		assert!(CommitteeMembers::<Test>::contains_key(TARGET));
		System::assert_last_event(Event::CommitteeMemberAdded { did: TARGET, by: ADMIN }.into());
		assert_ok!(Cpt::remove_committee_member(signed(ADMIN), TARGET));
		assert!(!CommitteeMembers::<Test>::contains_key(TARGET));
		System::assert_last_event(Event::CommitteeMemberRemoved { did: TARGET, by: ADMIN }.into());
	});
}

#[test]
fn committee_changes_fail() {
	ExtBuilder::build_and_execute(|| {
		dids();
		// Committee members do not manage the committee.
		assert_noop!(
			Cpt::add_committee_member(signed(COMMITTEE), TARGET),
			Error::<Test>::NotAuthorized
		);
		assert_noop!(
			Cpt::remove_committee_member(signed(COMMITTEE), COMMITTEE),
			Error::<Test>::NotAuthorized
		);
		assert_noop!(Cpt::add_committee_member(signed(ADMIN), NO_DID), Error::<Test>::DidNotFound);
		assert_noop!(
			Cpt::add_committee_member(signed(ADMIN), COMMITTEE),
			Error::<Test>::AlreadyCommitteeMember
		);
		assert_noop!(
			Cpt::remove_committee_member(signed(ADMIN), TARGET),
			Error::<Test>::NotCommitteeMember
		);
		assert_ok!(Cpt::add_committee_member(signed(ADMIN), TARGET));
		assert_noop!(
			Cpt::add_committee_member(signed(ADMIN), ALICE),
			Error::<Test>::TooManyCommitteeMembers
		);
	});
}
