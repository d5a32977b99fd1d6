//! The code allowlist and the simulation flag.

use crate::{mock::*, CodeAllowlist, Error, Event, SimulationEnabled};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::DispatchError;

#[test]
fn root_allows_code_and_changes_its_expiry_works() {
	ExtBuilder::build_and_execute(|| {
		assert_ok!(Attestation::allow_code(RuntimeOrigin::root(), [1; 32], 50));
		assert!(Attestation::code_allowed(&[1; 32]));
		assert_ok!(Attestation::allow_code(RuntimeOrigin::root(), [1; 32], 60));
		let list = CodeAllowlist::<Test>::get();
		assert_eq!(list.len(), 2);
		assert_eq!(list[1].expires, 60);
		assert!(attestation_events()
			.contains(&Event::CodeAllowed { measurement: [1; 32], expires: 60 }));
	});
}

#[test]
fn allowlist_changes_need_root_a_future_expiry_and_room_fails() {
	ExtBuilder::build_and_execute(|| {
		assert_noop!(
			Attestation::allow_code(RuntimeOrigin::signed(ALICE), [1; 32], 50),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Attestation::disallow_code(RuntimeOrigin::signed(ALICE), CODE),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Attestation::allow_code(RuntimeOrigin::root(), [1; 32], 2),
			Error::<Test>::InvalidExpiry
		);
		assert_ok!(Attestation::allow_code(RuntimeOrigin::root(), [1; 32], 50));
		assert_ok!(Attestation::allow_code(RuntimeOrigin::root(), [2; 32], 50));
		assert_noop!(
			Attestation::allow_code(RuntimeOrigin::root(), [3; 32], 50),
			Error::<Test>::TooMuchCode
		);
		assert_noop!(
			Attestation::disallow_code(RuntimeOrigin::root(), [3; 32]),
			Error::<Test>::UnknownCode
		);
	});
}

#[test]
fn code_expires_and_anyone_clears_it_works() {
	ExtBuilder::build_and_execute(|| {
		assert_ok!(Attestation::allow_code(RuntimeOrigin::root(), [1; 32], 10));
		assert_noop!(
			Attestation::clear_expired_code(RuntimeOrigin::signed(STRANGER), [1; 32]),
			Error::<Test>::CodeNotExpired
		);
		run_to(10);
		assert!(!Attestation::code_allowed(&[1; 32]));
		assert_ok!(Attestation::clear_expired_code(RuntimeOrigin::signed(STRANGER), [1; 32]));
		assert_eq!(CodeAllowlist::<Test>::get().len(), 1);
		assert_noop!(
			Attestation::clear_expired_code(RuntimeOrigin::signed(STRANGER), [1; 32]),
			Error::<Test>::UnknownCode
		);
	});
}

#[test]
fn root_sets_the_simulation_flag_works() {
	ExtBuilder::build_and_execute(|| {
		assert!(SimulationEnabled::<Test>::get());
		assert_ok!(Attestation::set_simulation(RuntimeOrigin::root(), false));
		assert!(!SimulationEnabled::<Test>::get());
		assert!(attestation_events().contains(&Event::SimulationSet { enabled: false }));
	});
}
