//! What the runtime API returns.

use super::*;

#[test]
fn cpt_info_and_versions_work() {
	ExtBuilder::build_and_execute(|| {
		dids();
		assert_eq!(Cpt::cpt_info(2_000_000), None);
		assert_ok!(register(ALICE, CptRange::Normal, None, "v1"));
		assert_ok!(Cpt::update_cpt(
			signed(ALICE),
			2_000_000,
			bounded(b"T"),
			bounded(b""),
			schema("v2")
		));
		let info = Cpt::cpt_info(2_000_000).unwrap();
		assert_eq!(info.id, 2_000_000);
		assert_eq!(info.range, CptRange::Normal);
		assert_eq!(info.publisher, ALICE);
		assert_eq!(info.title, b"T".to_vec());
		assert_eq!(info.schema, canonical(&schema("v2")));
		assert_eq!(info.version, 2);
		assert_eq!(info.deposit, held(HoldReason::CptDeposit, ALICE));
		assert_eq!(Cpt::cpt_info(101).unwrap().range, CptRange::System);
		assert_eq!(Cpt::next_cpt_id(CptRange::Normal), Some(2_000_001));
		assert_eq!(Cpt::next_cpt_id(CptRange::Authority), Some(1_000));
	});
}

#[test]
fn role_status_works() {
	ExtBuilder::build_and_execute(|| {
		dids();
		recognized_issuer();
		let admin = Cpt::role_status(&ADMIN);
		assert!(admin.active && admin.administrator && !admin.committee_member);
		assert_eq!(admin.authority_issuer, None);
		assert!(Cpt::role_status(&COMMITTEE).committee_member);
		let issuer = Cpt::role_status(&ISSUER).authority_issuer.unwrap();
		assert_eq!(issuer.name, b"Acme".to_vec());
		assert_eq!(issuer.status, IssuerStatus::Recognized);
		let nobody = Cpt::role_status(&NO_DID);
		assert!(!nobody.active && !nobody.administrator && nobody.authority_issuer.is_none());
	});
}

#[test]
fn issuer_types_work() {
	ExtBuilder::build_and_execute(|| {
		dids();
		recognized_issuer();
		assert_eq!(Cpt::issuer_type_info(b"school"), None);
		assert_ok!(Cpt::register_issuer_type(signed(ALICE), bounded(b"school")));
		assert_ok!(Cpt::add_issuer_to_type(signed(ISSUER), bounded(b"school"), BOB));
		let info = Cpt::issuer_type_info(b"school").unwrap();
		assert_eq!((info.owner, info.issuers, info.created), (ALICE, 1, 1));
		assert!(Cpt::is_issuer_of_type(b"school", &BOB));
		assert!(!Cpt::is_issuer_of_type(b"school", &ALICE));
		// Names longer than any stored name are simply unknown.
		assert_eq!(Cpt::issuer_type_info(&[b's'; 100]), None);
		assert!(!Cpt::is_issuer_of_type(&[b's'; 100], &BOB));
	});
}
