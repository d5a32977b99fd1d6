//! The permission matrix, cell by cell, through the calls themselves: every operation is
//! attempted by a holder of each role, and refused exactly when the matrix says so.

use super::*;

/// The actors, each holding one role: `ADMIN` administrator, `COMMITTEE` committee member,
/// `ISSUER` recognized authority issuer, `ALICE` owner of the objects the calls touch, `BOB`
/// an ordinary DID.
const ACTORS: [u64; 5] = [ADMIN, COMMITTEE, ISSUER, ALICE, BOB];

/// Sets up what `operation` acts on.
fn prepare(operation: Operation) {
	use Operation::*;
	match operation {
		RemoveAdministrator => {
			assert_ok!(Cpt::add_administrator(signed(ADMIN), TARGET));
		},
		RemoveCommitteeMember => {
			assert_ok!(Cpt::add_committee_member(signed(ADMIN), TARGET));
		},
		RecognizeAuthorityIssuer => {
			assert_ok!(Cpt::apply_authority_issuer(signed(TARGET), bounded(b"Target")));
		},
		DerecognizeAuthorityIssuer => {
			assert_ok!(Cpt::apply_authority_issuer(signed(TARGET), bounded(b"Target")));
			assert_ok!(Cpt::recognize_authority_issuer(signed(ADMIN), TARGET));
		},
		RemoveAuthorityIssuer => {
			assert_ok!(Cpt::apply_authority_issuer(signed(ALICE), bounded(b"Alice")));
		},
		AddIssuerToType | RemoveIssuerType => {
			assert_ok!(Cpt::register_issuer_type(signed(ALICE), bounded(b"school")));
		},
		RemoveIssuerFromType => {
			assert_ok!(Cpt::register_issuer_type(signed(ALICE), bounded(b"school")));
			assert_ok!(Cpt::add_issuer_to_type(signed(ISSUER), bounded(b"school"), TARGET));
		},
		UpdateCpt => {
			assert_ok!(register(ALICE, CptRange::Normal, None, "v1"));
		},
		AddAdministrator
		| AddCommitteeMember
		| ApplyAuthorityIssuer
		| RegisterIssuerType
		| RegisterCpt(_)
		| ChooseIdAheadOfCursor => {},
	}
}

/// `actor` attempts `operation` on what [`prepare`] set up.
fn attempt(operation: Operation, actor: u64) -> frame_support::dispatch::DispatchResult {
	use Operation::*;
	let school = || bounded(b"school");
	match operation {
		AddAdministrator => Cpt::add_administrator(signed(actor), TARGET),
		RemoveAdministrator => Cpt::remove_administrator(signed(actor), TARGET),
		AddCommitteeMember => Cpt::add_committee_member(signed(actor), TARGET),
		RemoveCommitteeMember => Cpt::remove_committee_member(signed(actor), TARGET),
		ApplyAuthorityIssuer => Cpt::apply_authority_issuer(signed(actor), bounded(b"New")),
		RecognizeAuthorityIssuer => Cpt::recognize_authority_issuer(signed(actor), TARGET),
		DerecognizeAuthorityIssuer => Cpt::derecognize_authority_issuer(signed(actor), TARGET),
		RemoveAuthorityIssuer => Cpt::remove_authority_issuer(signed(actor), ALICE),
		RegisterIssuerType => Cpt::register_issuer_type(signed(actor), bounded(b"hospital")),
		AddIssuerToType => Cpt::add_issuer_to_type(signed(actor), school(), TARGET),
		RemoveIssuerFromType => Cpt::remove_issuer_from_type(signed(actor), school(), TARGET),
		RemoveIssuerType => Cpt::remove_issuer_type(signed(actor), school()),
		RegisterCpt(range) => register(actor, range, None, "x"),
		ChooseIdAheadOfCursor => {
			// In a range the actor may publish in: the system range for governance, else the
			// authority range.
			let range = if Cpt::roles_of(&actor, None).allow(RegisterCpt(CptRange::System)) {
				CptRange::System
			} else {
				CptRange::Authority
			};
			register(actor, range, Some(range.first() + 500), "x")
		},
		UpdateCpt => {
			Cpt::update_cpt(signed(actor), 2_000_000, bounded(b""), bounded(b""), schema("v2"))
		},
	}
}

/// Who may perform `operation`, written out independently of the pallet's table.
fn allowed(operation: Operation) -> &'static [u64] {
	use Operation::*;
	match operation {
		AddAdministrator | RemoveAdministrator | AddCommitteeMember | RemoveCommitteeMember => {
			&[ADMIN]
		},
		ApplyAuthorityIssuer | RegisterIssuerType | RegisterCpt(CptRange::Normal) => &ACTORS,
		RecognizeAuthorityIssuer
		| DerecognizeAuthorityIssuer
		| RegisterCpt(CptRange::System)
		| ChooseIdAheadOfCursor => &[ADMIN, COMMITTEE],
		RemoveAuthorityIssuer | UpdateCpt => &[ADMIN, COMMITTEE, ALICE],
		AddIssuerToType | RemoveIssuerFromType | RegisterCpt(CptRange::Authority) => &[ISSUER],
		RemoveIssuerType => &[ALICE],
	}
}

#[test]
fn every_operation_by_every_role_works() {
	for operation in Operation::ALL {
		for actor in ACTORS {
			ExtBuilder::build_and_execute(|| {
				dids();
				recognized_issuer();
				prepare(operation);
				if allowed(operation).contains(&actor) {
					// Permitted; the issuer's second application fails for another reason.
					let expected =
						if (operation, actor) == (Operation::ApplyAuthorityIssuer, ISSUER) {
							Err(Error::<Test>::AlreadyApplied.into())
						} else {
							Ok(())
						};
					assert_eq!(attempt(operation, actor), expected, "{operation:?} by {actor}");
				} else {
					// The issuer may publish in the authority range: the range refuses the id.
					let refusal =
						if (operation, actor) == (Operation::ChooseIdAheadOfCursor, ISSUER) {
							Error::<Test>::IdAheadOfCursor
						} else {
							Error::<Test>::NotAuthorized
						};
					assert_noop!(attempt(operation, actor), refusal);
				}
			});
		}
	}
}
