//! New versions of a CPT.

use super::*;

const ID: CptId = 2_000_000;

fn update(who: u64, tag: &str) -> frame_support::dispatch::DispatchResult {
	Cpt::update_cpt(signed(who), ID, bounded(b"Title 2"), bounded(b"About 2"), schema(tag))
}

#[test]
fn update_by_the_publisher_creates_version_2_works() {
	ExtBuilder::build_and_execute(|| {
		dids();
		assert_ok!(register(ALICE, CptRange::Normal, None, "v1"));
		System::set_block_number(4);
		assert_ok!(update(ALICE, "v2"));

		let cpt = Cpts::<Test>::get(ID).unwrap();
		let body = canonical(&schema("v2"));
		assert_eq!((cpt.version, cpt.created, cpt.updated), (2, 1, 4));
		assert_eq!(cpt.schema.to_vec(), body);
		assert_eq!(cpt.publisher, ALICE);
		assert_eq!(cpt.deposit.amount, cpt.required_deposit());
		assert_eq!(held(HoldReason::CptDeposit, ALICE), cpt.deposit.amount);
		// Version 1 stays readable: its hash and the block whose event carries its body.
		let v1 = CptVersions::<Test>::get(ID, 1).unwrap();
		assert_eq!(v1, CptVersion { schema_hash: blake2(&canonical(&schema("v1"))), block: 1 });
		assert_eq!(CptVersions::<Test>::get(ID, 2), Some(cpt.current_version()));
		System::assert_last_event(
			Event::CptUpdated {
				id: ID,
				version: 2,
				by: ALICE,
				title: b"Title 2".to_vec(),
				description: b"About 2".to_vec(),
				schema: body,
				schema_hash: cpt.schema_hash,
				previous: 1,
			}
			.into(),
		);
		// The body of version 1 is in the `CptRegistered` event of block 1.
		let v1_body = System::events().into_iter().find_map(|r| match r.event {
			RuntimeEvent::Cpt(Event::CptRegistered { id: ID, schema, .. }) => Some(schema),
			_ => None,
		});
		assert_eq!(v1_body.map(|body| blake2(&body)), Some(v1.schema_hash));
	});
}

#[test]
fn update_by_an_administrator_or_committee_member_works() {
	ExtBuilder::build_and_execute(|| {
		dids();
		assert_ok!(register(ALICE, CptRange::Normal, None, "v1"));
		let alice_deposit = held(HoldReason::CptDeposit, ALICE);
		assert_ok!(update(ADMIN, "v2"));
		// Whoever publishes a version pays for the record from then on.
		let cpt = Cpts::<Test>::get(ID).unwrap();
		assert_eq!(cpt.deposit.owner, ADMIN);
		assert_eq!(held(HoldReason::CptDeposit, ALICE), 0);
		assert_eq!(held(HoldReason::CptDeposit, ADMIN), cpt.deposit.amount);
		assert!(cpt.deposit.amount > alice_deposit);
		assert_ok!(update(COMMITTEE, "v3"));
		assert_eq!(Cpts::<Test>::get(ID).unwrap().version, 3);
		assert_eq!(held(HoldReason::CptDeposit, ADMIN), 0);
		// The publisher stays the publisher.
		assert_eq!(Cpts::<Test>::get(ID).unwrap().publisher, ALICE);
	});
}

#[test]
fn versions_in_one_block_are_told_apart_by_their_events_works() {
	ExtBuilder::build_and_execute(|| {
		dids();
		assert_ok!(register(ALICE, CptRange::Normal, None, "v1"));
		assert_ok!(update(ALICE, "v2"));
		assert_ok!(update(ALICE, "v3"));
		assert_eq!(CptVersions::<Test>::get(ID, 2).unwrap().block, 1);
		let versions: Vec<u32> = System::events()
			.into_iter()
			.filter_map(|r| match r.event {
				RuntimeEvent::Cpt(Event::CptUpdated { version, .. }) => Some(version),
				_ => None,
			})
			.collect();
		assert_eq!(versions, vec![2, 3]);
	});
}

#[test]
fn update_fails() {
	ExtBuilder::build_and_execute(|| {
		dids();
		assert_noop!(update(ALICE, "v2"), Error::<Test>::CptNotFound);
		assert_ok!(register(ALICE, CptRange::Normal, None, "v1"));
		assert_noop!(update(BOB, "v2"), Error::<Test>::NotAuthorized);
		recognized_issuer();
		assert_noop!(update(ISSUER, "v2"), Error::<Test>::NotAuthorized);
		assert_noop!(
			Cpt::update_cpt(signed(ALICE), ID, bounded(b"t"), bounded(b"d"), bounded(b"{")),
			Error::<Test>::MalformedSchema
		);
		assert_ok!(update(ALICE, "v2"));
		assert_ok!(update(ALICE, "v3"));
		assert_noop!(update(ALICE, "v4"), Error::<Test>::TooManyVersions);
	});
}

#[test]
fn a_publisher_that_lost_its_role_cannot_update_fails() {
	ExtBuilder::build_and_execute(|| {
		dids();
		recognized_issuer();
		assert_ok!(register(ISSUER, CptRange::Authority, None, "v1"));
		let update =
			|who| Cpt::update_cpt(signed(who), 1_000, bounded(b"t"), bounded(b""), schema("v2"));
		assert_ok!(update(ISSUER));
		assert_ok!(Cpt::derecognize_authority_issuer(signed(ADMIN), ISSUER));
		assert_noop!(update(ISSUER), Error::<Test>::NotAuthorized);

		// A removed administrator no longer edits the system CPTs it published.
		assert_ok!(Cpt::add_administrator(signed(ADMIN), TARGET));
		assert_ok!(Cpt::remove_administrator(signed(TARGET), ADMIN));
		assert_noop!(
			Cpt::update_cpt(signed(ADMIN), 101, bounded(b"t"), bounded(b""), schema("v2")),
			Error::<Test>::NotAuthorized
		);
		assert_ok!(Cpt::update_cpt(signed(TARGET), 101, bounded(b"t"), bounded(b""), schema("v2")));
	});
}

#[test]
fn update_without_the_deposit_fails() {
	ExtBuilder::build_and_execute(|| {
		dids();
		did(POOR);
		assert_ok!(register(ALICE, CptRange::Normal, None, "v1"));
		assert_ok!(Cpt::add_committee_member(signed(ADMIN), POOR));
		assert_noop!(update(POOR, "v2"), Error::<Test>::InsufficientDeposit);
	});
}

#[test]
fn an_update_by_the_payer_moves_only_the_difference_works() {
	ExtBuilder::build_and_execute(|| {
		dids();
		let content = |description: &[u8], tag| (bounded(b"T"), bounded(description), schema(tag));
		let (title, description, body) = content(&[b'd'; 64], "v1");
		assert_ok!(Cpt::register_cpt(
			signed(ALICE),
			CptRange::Normal,
			None,
			title,
			description,
			body
		));
		let deposit_moves = || {
			System::events()
				.into_iter()
				.filter_map(|record| match record.event {
					RuntimeEvent::Balances(pallet_balances::Event::Held {
						who, amount, ..
					}) => Some((who, amount as i64)),
					RuntimeEvent::Balances(pallet_balances::Event::Released {
						who,
						amount,
						..
					}) => Some((who, -(amount as i64))),
					_ => None,
				})
				.collect::<Vec<_>>()
		};
		let mut previous = Cpts::<Test>::get(ID).unwrap().deposit.amount;
		// Version 2 is larger (a version record more): ALICE holds the difference, nothing is
		// released. Version 3 is smaller (64 bytes of description less): the difference is
		// released.
		for (description, tag) in [(&[b'd'; 64][..], "v2"), (&[][..], "v3")] {
			System::reset_events();
			let (title, description, body) = content(description, tag);
			assert_ok!(Cpt::update_cpt(signed(ALICE), ID, title, description, body));
			let required = Cpts::<Test>::get(ID).unwrap().deposit.amount;
			assert_ne!(required, previous);
			assert_eq!(deposit_moves(), vec![(ALICE, required as i64 - previous as i64)]);
			assert_eq!(held(HoldReason::CptDeposit, ALICE), required);
			previous = required;
		}
		// The pallet prices records with the shared formula.
		assert_eq!(
			Cpt::deposit_for(100),
			pallet_did::deposit::deposit_for(DepositBase::get(), DepositPerByte::get(), 100)
		);
	});
}
