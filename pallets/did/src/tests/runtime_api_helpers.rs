use super::*;

#[test]
fn did_state_and_history_head_work() {
	ExtBuilder::build_and_execute(|| {
		assert!(Did::did_state(&ALICE).is_none());
		assert!(Did::history_head(&ALICE).is_none());
		create(ALICE);
		next_block();
		assert_ok!(Did::add_service(
			RuntimeOrigin::signed(ALICE),
			ALICE,
			service("w", "https://a.b")
		));
		let state = Did::did_state(&ALICE).unwrap();
		assert_eq!(state.keys[0].id, b"auth".to_vec());
		assert_eq!(state.services[0].endpoint, b"https://a.b".to_vec());
		assert_eq!((state.created, state.changed), (1, 2));
		assert_eq!(state.deposit, held(ALICE));
		assert_eq!(Did::history_head(&ALICE), Some(2));
	});
}
