//! `ActingDid`: which DID a call of another pallet acts as.

use super::*;

fn acting(origin: RuntimeOrigin) -> Result<u64, ActingDidError> {
	<Did as ActingDid<RuntimeOrigin, u64>>::acting_did(origin)
}

#[test]
fn signed_controller_acts_as_its_own_did_works() {
	ExtBuilder::build_and_execute(|| {
		create(ALICE);
		assert_eq!(acting(RuntimeOrigin::signed(ALICE)), Ok(ALICE));
	});
}

#[test]
fn did_origin_acts_as_its_did_works() {
	ExtBuilder::build_and_execute(|| {
		let origin: RuntimeOrigin = DidRawOrigin { did: ALICE, submitter: BOB }.into();
		assert_eq!(acting(origin), Ok(ALICE));
	});
}

#[test]
fn acting_without_an_active_did_controlled_by_the_signer_fails() {
	ExtBuilder::build_and_execute(|| {
		assert_eq!(acting(RuntimeOrigin::signed(ALICE)), Err(ActingDidError::UnknownDid));
		assert_eq!(acting(RuntimeOrigin::root()), Err(ActingDidError::BadOrigin));
		assert_eq!(acting(RuntimeOrigin::none()), Err(ActingDidError::BadOrigin));

		// Bob's DID is controlled by Charlie: neither Bob's signature nor Charlie's acts as it.
		assert_ok!(Did::create(
			RuntimeOrigin::signed(BOB),
			vec![signing_key("auth", 1)],
			Some(CHARLIE)
		));
		assert_eq!(acting(RuntimeOrigin::signed(BOB)), Err(ActingDidError::NotController));
		assert_eq!(acting(RuntimeOrigin::signed(CHARLIE)), Err(ActingDidError::UnknownDid));

		create(ALICE);
		assert_ok!(Did::deactivate(RuntimeOrigin::signed(ALICE), ALICE));
		assert_eq!(acting(RuntimeOrigin::signed(ALICE)), Err(ActingDidError::Deactivated));
	});
}
