//! The linked-event history: a walk from `changed` back through `previous` reproduces every
//! change, in order, including several changes in one block.

use super::*;

/// Walks `did`'s history back from its `changed` block through the archived events and
/// returns its events oldest first.
fn walk(did: u64) -> Vec<Event<Test>> {
	let mut blocks = Vec::new();
	let mut next = Some(details(did).link.changed);
	while let Some(block) = next {
		let events: Vec<Event<Test>> = archived_events(block)
			.into_iter()
			.filter_map(|e| match e {
				RuntimeEvent::Did(e) if e.did() == Some(&did) => Some(e),
				_ => None,
			})
			.collect();
		assert!(!events.is_empty(), "block {block} has no event of the DID");
		let previous = events[0].previous();
		assert!(events.iter().all(|e| e.previous() == previous), "one previous per block");
		assert!(previous.is_none_or(|p| p < block), "previous is never the current block");
		next = previous;
		blocks.push(events);
	}
	blocks.into_iter().rev().flatten().collect()
}

#[test]
fn walk_reproduces_full_history_works() {
	ExtBuilder::build_and_execute(|| {
		let origin = || RuntimeOrigin::signed(ALICE);
		let mut expected = Vec::new();
		// Block 1: creation.
		create(ALICE);
		create(BOB);
		expected.push(last_did_event_of(ALICE));
		next_block(); // 2: nothing for Alice, only Bob.
		assert_ok!(Did::set_attribute(RuntimeOrigin::signed(BOB), BOB, b"n".to_vec(), vec![], 5));
		next_block(); // 3: three changes in one block.
		assert_ok!(Did::set_attribute(origin(), ALICE, b"name".to_vec(), b"A".to_vec(), 10));
		expected.push(last_did_event_of(ALICE));
		assert_ok!(Did::set_attribute(origin(), ALICE, b"name".to_vec(), b"B".to_vec(), 10));
		expected.push(last_did_event_of(ALICE));
		assert_ok!(Did::add_key(origin(), ALICE, x25519_key("enc")));
		expected.push(last_did_event_of(ALICE));
		for _ in 0..5 {
			next_block();
		}
		// Block 8.
		assert_ok!(Did::rotate_key(origin(), ALICE, b"auth".to_vec(), signing_key("auth", 3)));
		expected.push(last_did_event_of(ALICE));
		next_block(); // 9
		assert_ok!(Did::add_service(origin(), ALICE, service("web", "https://a.example")));
		expected.push(last_did_event_of(ALICE));
		assert_ok!(Did::set_controller(origin(), ALICE, CHARLIE));
		expected.push(last_did_event_of(ALICE));
		next_block(); // 10
		next_block(); // 11
		assert_ok!(Did::deactivate(RuntimeOrigin::signed(CHARLIE), ALICE));
		expected.push(last_did_event_of(ALICE));
		next_block(); // archive block 11

		assert_eq!(details(ALICE).link.changed, 11);
		assert_eq!(details(ALICE).link.previous, Some(9));
		let history = walk(ALICE);
		assert_eq!(history, expected);
		let previous: Vec<_> = history.iter().map(|e| e.previous()).collect();
		assert_eq!(
			previous,
			vec![None, Some(1), Some(1), Some(1), Some(3), Some(8), Some(8), Some(9)]
		);
		// Bob's history is separate.
		assert_eq!(walk(BOB).len(), 2);
	});
}

fn last_did_event_of(did: u64) -> Event<Test> {
	System::events()
		.into_iter()
		.rev()
		.find_map(|r| match r.event {
			RuntimeEvent::Did(e) if e.did() == Some(&did) => Some(e),
			_ => None,
		})
		.expect("an event of the DID")
}
