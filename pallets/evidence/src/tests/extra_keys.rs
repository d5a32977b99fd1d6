//! Extra keys: the first writer wins.

use super::*;

fn set(who: u64, key: &[u8], hash: H256) -> frame_support::dispatch::DispatchResult {
	let key = key.to_vec().try_into().expect("a short key");
	Evidence::set_extra_key(RuntimeOrigin::signed(who), key, hash)
}

#[test]
fn set_extra_key_works() {
	ExtBuilder::build_and_execute(|| {
		dids();
		assert_ok!(create(content(1), ALICE));
		assert_ok!(set(ALICE, b"urn:uuid:1234", content(1)));
		assert_eq!(Evidence::extra_key_hash(&ALICE, b"urn:uuid:1234"), Some(content(1)));
		// Keys are read back with the DID that set them.
		assert_eq!(Evidence::extra_key_hash(&BOB, b"urn:uuid:1234"), None);
		let key: ExtraKeyOf<Test> = b"urn:uuid:1234".to_vec().try_into().unwrap();
		let record = ExtraKeys::<Test>::get(ALICE, &key).unwrap();
		assert_eq!(held(HoldReason::ExtraKeyDeposit, ALICE), record.deposit.amount);
		System::assert_last_event(Event::ExtraKeySet { key, hash: content(1), by: ALICE }.into());
		assert_eq!(Evidence::extra_key_hash(&ALICE, b"unknown"), None);
		assert_eq!(Evidence::extra_key_hash(&ALICE, &[b'k'; 100]), None);
	});
}

#[test]
fn set_extra_key_fails() {
	ExtBuilder::build_and_execute(|| {
		dids();
		assert_ok!(create(content(1), ALICE));
		assert_ok!(create(content(2), BOB));
		assert_noop!(set(ALICE, b"", content(1)), Error::<Test>::InvalidExtraKey);
		assert_noop!(set(ALICE, b"id", content(3)), Error::<Test>::NotFound);
		assert_noop!(set(ALICE, b"id", content(2)), Error::<Test>::NotASigner);
		assert_ok!(set(ALICE, b"id", content(1)));
		// Within a DID's namespace the first write wins ...
		assert_noop!(set(ALICE, b"id", content(1)), Error::<Test>::ExtraKeyTaken);
		// ... and nobody can squat another DID's key.
		assert_ok!(set(BOB, b"id", content(2)));
		assert_eq!(Evidence::extra_key_hash(&ALICE, b"id"), Some(content(1)));
		assert_eq!(Evidence::extra_key_hash(&BOB, b"id"), Some(content(2)));
	});
}
