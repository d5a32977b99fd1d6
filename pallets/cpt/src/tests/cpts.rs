//! Registering CPTs in the three id ranges.

use super::*;

#[test]
fn genesis_preloads_system_cpts_works() {
	ExtBuilder::build_and_execute(|| {
		let cpt = Cpts::<Test>::get(101).unwrap();
		assert_eq!(cpt.publisher, ADMIN);
		assert_eq!(cpt.schema.to_vec(), canonical(GENESIS_SCHEMA.as_bytes()));
		assert_eq!(cpt.schema_hash, blake2(&cpt.schema));
		assert_eq!((cpt.version, cpt.created, cpt.deposit.amount), (1, 0, 0));
		assert_eq!(CptVersions::<Test>::get(101, 1), Some(cpt.current_version()));
		assert_eq!(Cpt::next_cpt_id(CptRange::System), Some(102));
	});
}

#[test]
fn register_normal_cpt_works() {
	ExtBuilder::build_and_execute(|| {
		dids();
		assert_ok!(register(ALICE, CptRange::Normal, None, "name"));
		let cpt = Cpts::<Test>::get(2_000_000).unwrap();
		let body = canonical(&schema("name"));
		assert_eq!(cpt.publisher, ALICE);
		assert_eq!(cpt.title.to_vec(), b"Title".to_vec());
		assert_eq!(cpt.description.to_vec(), b"About".to_vec());
		assert_eq!(cpt.schema.to_vec(), body);
		assert_eq!(cpt.schema_hash, blake2(&body));
		assert_eq!((cpt.version, cpt.created, cpt.updated), (1, 1, 1));
		assert_eq!(cpt.deposit.amount, cpt.required_deposit());
		assert_eq!(held(HoldReason::CptDeposit, ALICE), cpt.deposit.amount);
		assert_eq!(
			CptVersions::<Test>::get(2_000_000, 1),
			Some(CptVersion { schema_hash: blake2(&body), block: 1 })
		);
		System::assert_last_event(
			Event::CptRegistered {
				id: 2_000_000,
				publisher: ALICE,
				title: b"Title".to_vec(),
				description: b"About".to_vec(),
				schema: body,
				schema_hash: cpt.schema_hash,
			}
			.into(),
		);
		// Numbered in order, by anyone, administrators included.
		assert_ok!(register(ADMIN, CptRange::Normal, None, "other"));
		assert!(Cpts::<Test>::contains_key(2_000_001));
	});
}

#[test]
fn register_system_cpt_works() {
	ExtBuilder::build_and_execute(|| {
		dids();
		assert_ok!(register(ADMIN, CptRange::System, None, "a"));
		assert_eq!(Cpts::<Test>::get(102).unwrap().publisher, ADMIN);
		assert_ok!(register(COMMITTEE, CptRange::System, Some(5), "b"));
		assert_eq!(Cpts::<Test>::get(5).unwrap().publisher, COMMITTEE);
		// A chosen id below the cursor does not move it.
		assert_eq!(Cpt::next_cpt_id(CptRange::System), Some(103));
		// Governance may choose ahead of the cursor, which moves past the chosen id.
		assert_ok!(register(COMMITTEE, CptRange::System, Some(500), "c"));
		assert_eq!(Cpt::next_cpt_id(CptRange::System), Some(501));
		assert_ok!(register(ADMIN, CptRange::System, None, "d"));
		assert!(Cpts::<Test>::contains_key(501));
	});
}

#[test]
fn register_authority_cpt_works() {
	ExtBuilder::build_and_execute(|| {
		dids();
		recognized_issuer();
		assert_ok!(register(ISSUER, CptRange::Authority, None, "a"));
		assert!(Cpts::<Test>::contains_key(1_000));
		assert_ok!(register(ISSUER, CptRange::Authority, None, "b"));
		assert!(Cpts::<Test>::contains_key(1_001));
		assert_eq!(Cpt::next_cpt_id(CptRange::Authority), Some(1_002));
	});
}

#[test]
fn an_authority_issuer_chooses_a_free_id_below_the_cursor_works() {
	ExtBuilder::build_and_execute(|| {
		dids();
		recognized_issuer();
		assert_ok!(register(ISSUER, CptRange::Authority, None, "a"));
		// Ids 1,001 to 1,009 left free below the cursor (a runtime upgrade reserving them could
		// leave such a gap; nothing in the pallet does).
		Cursors::<Test>::insert(
			CptRange::Authority,
			RangeCursor { range: CptRange::Authority, next: Some(1_010) },
		);
		assert_ok!(register(ISSUER, CptRange::Authority, Some(1_005), "b"));
		assert_eq!(Cpts::<Test>::get(1_005).unwrap().publisher, ISSUER);
		// The cursor stays; the gap's taken ids stay taken.
		assert_eq!(Cpt::next_cpt_id(CptRange::Authority), Some(1_010));
		assert_noop!(
			register(ISSUER, CptRange::Authority, Some(1_000), "c"),
			Error::<Test>::CptIdTaken
		);
		assert_ok!(register(ISSUER, CptRange::Authority, None, "d"));
		assert!(Cpts::<Test>::contains_key(1_010));
	});
}

#[test]
fn an_authority_issuer_choosing_an_id_ahead_of_the_cursor_fails() {
	ExtBuilder::build_and_execute(|| {
		dids();
		recognized_issuer();
		assert_ok!(Cpt::apply_authority_issuer(signed(ALICE), bounded(b"Other")));
		assert_ok!(Cpt::recognize_authority_issuer(signed(ADMIN), ALICE));
		// The attack: choosing the range's last id would move the cursor past the range's end,
		// and numbering in order would fail with `RangeExhausted` for every authority issuer.
		assert_noop!(
			register(ISSUER, CptRange::Authority, Some(1_999_999), "end"),
			Error::<Test>::IdAheadOfCursor
		);
		// No id at or above the cursor, the cursor itself included.
		for id in [1_000, 1_001, 1_500_000] {
			assert_noop!(
				register(ISSUER, CptRange::Authority, Some(id), "ahead"),
				Error::<Test>::IdAheadOfCursor
			);
		}
		// Numbering in order goes on, for the other authority issuer too.
		assert_eq!(Cpt::next_cpt_id(CptRange::Authority), Some(1_000));
		assert_ok!(register(ALICE, CptRange::Authority, None, "next"));
		assert_eq!(Cpts::<Test>::get(1_000).unwrap().publisher, ALICE);
		assert_ok!(register(ISSUER, CptRange::Authority, None, "after"));
		assert!(Cpts::<Test>::contains_key(1_001));
	});
}

#[test]
fn register_in_a_range_the_caller_may_not_use_fails() {
	ExtBuilder::build_and_execute(|| {
		dids();
		assert_ok!(Cpt::apply_authority_issuer(signed(ISSUER), bounded(b"Acme")));
		// An ordinary DID, and an applicant not yet recognized: no authority CPTs.
		assert_noop!(register(ALICE, CptRange::Authority, None, "a"), Error::<Test>::NotAuthorized);
		assert_noop!(
			register(ALICE, CptRange::Authority, Some(1_000), "a"),
			Error::<Test>::NotAuthorized
		);
		assert_noop!(
			register(ISSUER, CptRange::Authority, None, "a"),
			Error::<Test>::NotAuthorized
		);
		// Administrators publish system CPTs, not authority ones.
		assert_noop!(register(ADMIN, CptRange::Authority, None, "a"), Error::<Test>::NotAuthorized);
		assert_noop!(register(ALICE, CptRange::System, None, "a"), Error::<Test>::NotAuthorized);
		assert_ok!(Cpt::recognize_authority_issuer(signed(ADMIN), ISSUER));
		assert_noop!(register(ISSUER, CptRange::System, None, "a"), Error::<Test>::NotAuthorized);
	});
}

#[test]
fn register_with_a_bad_id_fails() {
	ExtBuilder::build_and_execute(|| {
		dids();
		recognized_issuer();
		assert_noop!(
			register(ISSUER, CptRange::Authority, Some(999), "a"),
			Error::<Test>::IdOutOfRange
		);
		assert_noop!(
			register(ISSUER, CptRange::Authority, Some(2_000_000), "a"),
			Error::<Test>::IdOutOfRange
		);
		assert_noop!(register(ADMIN, CptRange::System, Some(0), "a"), Error::<Test>::IdOutOfRange);
		assert_noop!(
			register(ALICE, CptRange::Normal, Some(2_000_005), "a"),
			Error::<Test>::IdNotChoosable
		);
		assert_noop!(register(ADMIN, CptRange::System, Some(101), "a"), Error::<Test>::CptIdTaken);
		assert_ok!(register(ISSUER, CptRange::Authority, None, "a"));
		assert_noop!(
			register(ISSUER, CptRange::Authority, Some(1_000), "b"),
			Error::<Test>::CptIdTaken
		);
	});
}

#[test]
fn register_in_an_exhausted_range_fails() {
	ExtBuilder::build_and_execute(|| {
		dids();
		assert_ok!(register(ADMIN, CptRange::System, Some(999), "last"));
		assert_eq!(Cpt::next_cpt_id(CptRange::System), None);
		assert_noop!(register(ADMIN, CptRange::System, None, "a"), Error::<Test>::RangeExhausted);
		// Free ids below can still be chosen.
		assert_ok!(register(ADMIN, CptRange::System, Some(500), "a"));

		Cursors::<Test>::insert(
			CptRange::Normal,
			RangeCursor { range: CptRange::Normal, next: Some(CptId::MAX) },
		);
		assert_ok!(register(ALICE, CptRange::Normal, None, "a"));
		assert_noop!(register(ALICE, CptRange::Normal, None, "b"), Error::<Test>::RangeExhausted);
	});
}

#[test]
fn register_bad_content_fails() {
	ExtBuilder::build_and_execute(|| {
		dids();
		let attempt = |schema: &[u8]| {
			Cpt::register_cpt(
				signed(ALICE),
				CptRange::Normal,
				None,
				bounded(b"t"),
				bounded(b"d"),
				bounded(schema),
			)
		};
		assert_noop!(attempt(br#"{"type":"object""#), Error::<Test>::MalformedSchema);
		assert_noop!(
			attempt(br#"{"type":"object","type":"object"}"#),
			Error::<Test>::MalformedSchema
		);
		assert_noop!(attempt(br#"{"type":"array"}"#), Error::<Test>::NotAnObjectSchema);
		assert_noop!(attempt(b"[]"), Error::<Test>::NotAnObjectSchema);
		// Within the limit as submitted (longer titles, descriptions and schemas do not decode,
		// `bounds.rs`), over it in canonical form: `1e20` is printed in full.
		let grows = format!(r#"{{"type":"object","enum":[{}]}}"#, ["1e20"; 40].join(","));
		assert!(grows.len() <= 512 && canonical(grows.as_bytes()).len() > 512);
		assert_noop!(attempt(grows.as_bytes()), Error::<Test>::SchemaTooLong);
	});
}

#[test]
fn register_without_the_deposit_fails() {
	ExtBuilder::build_and_execute(|| {
		did(POOR);
		assert_noop!(
			register(POOR, CptRange::Normal, None, "x"),
			Error::<Test>::InsufficientDeposit
		);
	});
}
