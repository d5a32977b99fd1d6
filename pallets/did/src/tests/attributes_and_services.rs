use super::*;

#[test]
fn attributes_are_only_events() {
	ExtBuilder::build_and_execute(|| {
		create(ALICE);
		let before = details(ALICE);
		next_block();
		assert_ok!(Did::set_attribute(
			RuntimeOrigin::signed(ALICE),
			ALICE,
			b"name".to_vec(),
			b"Alice".to_vec(),
			100
		));
		assert!(matches!(
			last_did_event(),
			Event::AttributeSet { did: ALICE, valid_to: 102, previous: Some(1), .. }
		));
		let after = details(ALICE);
		assert_eq!(after.link.changed, 2);
		assert_eq!(after.keys, before.keys);
		assert_eq!(after.deposit, before.deposit);
		assert_ok!(Did::revoke_attribute(
			RuntimeOrigin::signed(ALICE),
			ALICE,
			b"name".to_vec(),
			b"Alice".to_vec()
		));
		assert!(matches!(last_did_event(), Event::AttributeRevoked { did: ALICE, .. }));
	});
}

#[test]
fn bad_attributes_fail() {
	ExtBuilder::build_and_execute(|| {
		create(ALICE);
		let origin = || RuntimeOrigin::signed(ALICE);
		assert_noop!(
			Did::set_attribute(origin(), ALICE, vec![], b"v".to_vec(), 10),
			Error::<Test>::InvalidAttributeName
		);
		assert_noop!(
			Did::set_attribute(origin(), ALICE, vec![b'n'; 33], b"v".to_vec(), 10),
			Error::<Test>::InvalidAttributeName
		);
		assert_noop!(
			Did::set_attribute(origin(), ALICE, b"n".to_vec(), vec![0; 65], 10),
			Error::<Test>::AttributeValueTooLong
		);
		assert_noop!(
			Did::set_attribute(origin(), ALICE, b"n".to_vec(), b"v".to_vec(), 0),
			Error::<Test>::InvalidExpiry
		);
		assert_noop!(
			Did::revoke_attribute(origin(), ALICE, b"n".to_vec(), vec![0; 65]),
			Error::<Test>::AttributeValueTooLong
		);
		assert_noop!(
			Did::set_attribute(RuntimeOrigin::signed(BOB), ALICE, b"n".to_vec(), b"v".to_vec(), 1),
			Error::<Test>::NotAuthorized
		);
	});
}

#[test]
fn services_work() {
	ExtBuilder::build_and_execute(|| {
		create(ALICE);
		let origin = || RuntimeOrigin::signed(ALICE);
		assert_ok!(Did::add_service(origin(), ALICE, service("web", "https://alice.example")));
		assert_eq!(details(ALICE).services.len(), 1);
		assert!(matches!(last_did_event(), Event::ServiceAdded { did: ALICE, .. }));
		assert_noop!(
			Did::add_service(origin(), ALICE, service("web", "https://other.example")),
			Error::<Test>::DuplicateId
		);
		assert_ok!(Did::add_service(origin(), ALICE, service("hub", "https://hub.example")));
		assert_noop!(
			Did::add_service(origin(), ALICE, service("third", "https://x.example")),
			Error::<Test>::TooManyServices
		);
		assert_ok!(Did::remove_service(origin(), ALICE, b"web".to_vec()));
		assert!(matches!(last_did_event(), Event::ServiceRemoved { did: ALICE, .. }));
		assert_noop!(
			Did::remove_service(origin(), ALICE, b"web".to_vec()),
			Error::<Test>::ServiceNotFound
		);
	});
}

#[test]
fn bad_services_fail() {
	ExtBuilder::build_and_execute(|| {
		create(ALICE);
		let origin = || RuntimeOrigin::signed(ALICE);
		let long = format!("https://{}", "a".repeat(64));
		for endpoint in ["not a uri", "", long.as_str(), "no-scheme.example"] {
			assert_noop!(
				Did::add_service(origin(), ALICE, service("s", endpoint)),
				Error::<Test>::InvalidService
			);
		}
		let mut untyped = service("s", "https://x.example");
		untyped.service_type = vec![];
		assert_noop!(Did::add_service(origin(), ALICE, untyped), Error::<Test>::InvalidService);
		let mut not_utf8 = service("s", "https://x.example");
		not_utf8.service_type = vec![0xff, 0xfe];
		assert_noop!(Did::add_service(origin(), ALICE, not_utf8), Error::<Test>::InvalidService);
		assert_noop!(
			Did::add_service(origin(), ALICE, service("bad id", "https://x.example")),
			Error::<Test>::InvalidId
		);
	});
}
