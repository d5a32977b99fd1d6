//! Which DID a call acts as: signed by the DID's own controller, or relayed with a DID key.

use super::*;
use pallet_did::{DidOperation, DidSignature, SignatureBytes};

/// Relays `call` for `did`, signed by its `auth` key, submitted by `BOB`.
fn relay(did: u64, call: crate::Call<Test>) -> frame_support::dispatch::DispatchResultWithPostInfo {
	let op = DidOperation {
		did,
		nonce: 1,
		call: Box::new(RuntimeCall::Cpt(call)),
		expires: System::block_number() + 10,
		submitter: BOB,
		genesis_hash: System::block_hash(0),
		transaction_version: System::runtime_version().transaction_version,
	};
	let signature = DidSignature {
		key_id: b"auth".to_vec(),
		signature: SignatureBytes::Sr25519(signer(did as u8).sign(&op.signing_bytes())),
	};
	Did::submit_did_call(signed(BOB), Box::new(op), signature)
}

#[test]
fn cpt_relayed_with_a_did_key_is_published_by_that_did_works() {
	ExtBuilder::build_and_execute(|| {
		dids();
		let call = crate::Call::<Test>::register_cpt {
			range: CptRange::Normal,
			id: None,
			title: bounded(b"Relayed"),
			description: bounded(b""),
			schema: schema("x"),
		};
		assert_ok!(relay(ALICE, call));
		let cpt = Cpts::<Test>::get(2_000_000).unwrap();
		assert_eq!(cpt.publisher, ALICE);
		// The DID pays the deposit, the relayer only the fee.
		assert_eq!(held(HoldReason::CptDeposit, ALICE), cpt.deposit.amount);
		assert_eq!(held(HoldReason::CptDeposit, BOB), 0);
	});
}

#[test]
fn relayed_calls_keep_their_permissions_works() {
	ExtBuilder::build_and_execute(|| {
		dids();
		// A relayed administrator call acts with the administrator's roles ...
		assert_ok!(relay(ADMIN, crate::Call::<Test>::add_committee_member { did: TARGET }));
		assert!(CommitteeMembers::<Test>::contains_key(TARGET));
		// ... and an ordinary DID's relayed call is refused as it would be if signed.
		assert_ok!(relay(ALICE, crate::Call::<Test>::add_committee_member { did: BOB }));
		let refused = System::events().into_iter().any(|r| {
			matches!(
				r.event,
				RuntimeEvent::Did(pallet_did::Event::DidCallDispatched { did: ALICE, result: Err(e), .. })
					if e == Error::<Test>::NotAuthorized.into()
			)
		});
		assert!(refused);
		assert!(!CommitteeMembers::<Test>::contains_key(BOB));
	});
}

#[test]
fn callers_that_cannot_act_as_a_did_fail() {
	ExtBuilder::build_and_execute(|| {
		dids();
		assert_noop!(
			register(NO_DID, CptRange::Normal, None, "x"),
			Error::<Test>::ActingDidNotFound
		);
		assert_noop!(
			Cpt::register_cpt(
				RuntimeOrigin::root(),
				CptRange::System,
				None,
				bounded(b""),
				bounded(b""),
				schema("x")
			),
			DispatchError::BadOrigin
		);
		// NO_DID's DID is controlled by ALICE: NO_DID's signature does not act as it.
		assert_ok!(Did::create(
			signed(NO_DID),
			vec![VerificationKey {
				id: b"auth".to_vec(),
				public: PublicKey::Sr25519(signer(NO_DID as u8).public()),
				relationships: Relationships::SIGNING,
				expires: None,
			}],
			Some(ALICE)
		));
		assert_noop!(
			register(NO_DID, CptRange::Normal, None, "x"),
			Error::<Test>::NotDidController
		);
		assert_ok!(Did::deactivate(signed(BOB), BOB));
		assert_noop!(
			register(BOB, CptRange::Normal, None, "x"),
			Error::<Test>::ActingDidDeactivated
		);
		// A deactivated DID is no longer a valid target either.
		assert_noop!(Cpt::add_committee_member(signed(ADMIN), BOB), Error::<Test>::DidNotFound);
	});
}
