//! Creating evidence, and every way a signature is refused.

use super::*;

#[test]
fn create_evidence_works() {
	ExtBuilder::build_and_execute(|| {
		dids();
		assert_ok!(create(content(1), ALICE));
		let evidence = evidence(content(1));
		assert_eq!((evidence.creator, evidence.signers), (ALICE, 1));
		let signer = signer(content(1), ALICE);
		assert_eq!((signer.signed, signer.logs, signer.last_log), (2, 0, None));
		assert!(!signer.revoked);
		assert_eq!((evidence.created, evidence.link.changed), (2, 2));
		// The relayer pays the signer record's deposit.
		assert_eq!(signer.deposit.owner, RELAYER);
		assert_eq!(held(HoldReason::SignerDeposit, RELAYER), signer.deposit.amount);
		System::assert_last_event(
			Event::EvidenceCreated { hash: content(1), signer: ALICE, previous: None }.into(),
		);
		// The event is filed under the evidence's topic.
		let topic = evidence_topic::<Test>(&content(1));
		assert_eq!(System::event_topics(topic).len(), 1);
	});
}

#[test]
fn create_existing_evidence_fails() {
	ExtBuilder::build_and_execute(|| {
		dids();
		assert_ok!(create(content(1), ALICE));
		assert_noop!(create(content(1), BOB), Error::<Test>::AlreadyExists);
	});
}

#[test]
fn signature_by_a_key_of_another_did_fails() {
	ExtBuilder::build_and_execute(|| {
		dids();
		// Bob's key signs a statement naming Alice: Alice has no such key.
		let statement = Statement { key: BOB, ..Statement::by(ALICE) };
		assert_noop!(create_with(content(1), statement), Error::<Test>::BadSignature);
		// Bob signs in his own name, but the relayer claims Alice signed.
		let signature = Statement::by(BOB).sign(content(1));
		assert_noop!(
			Evidence::create_evidence(
				RuntimeOrigin::signed(RELAYER),
				content(1),
				ALICE,
				1,
				System::block_hash(1),
				signature,
			),
			Error::<Test>::BadSignature
		);
	});
}

#[test]
fn a_key_listed_by_two_dids_signs_only_for_the_named_one_works() {
	ExtBuilder::build_and_execute(|| {
		dids();
		// Charlie lists Bob's public key as his own: Bob's statements still name Bob.
		let mut bobs_key = key(BOB, Relationships::SIGNING);
		bobs_key.id = b"bob".to_vec();
		assert_ok!(Did::add_key(RuntimeOrigin::signed(CHARLIE), CHARLIE, bobs_key));
		let statement = Statement::by(BOB);
		let mut signature = statement.sign(content(1));
		signature.key_id = b"bob".to_vec();
		assert_noop!(
			Evidence::create_evidence(
				RuntimeOrigin::signed(RELAYER),
				content(1),
				CHARLIE,
				1,
				System::block_hash(1),
				signature,
			),
			Error::<Test>::BadSignature
		);
	});
}

#[test]
fn replay_on_another_chain_fails() {
	ExtBuilder::build_and_execute(|| {
		dids();
		let statement = Statement { genesis: H256::repeat_byte(0xee), ..Statement::by(ALICE) };
		assert_noop!(create_with(content(1), statement), Error::<Test>::BadSignature);
	});
}

#[test]
fn bad_anchor_fails() {
	ExtBuilder::build_and_execute(|| {
		dids();
		// The current block cannot be an anchor (its hash is not known yet), nor a later one.
		assert_noop!(
			create_with(content(1), Statement { anchor: 2, ..Statement::by(ALICE) }),
			Error::<Test>::BadAnchor
		);
		// A hash that is not this chain's block at that number.
		let signature = Statement::by(ALICE).sign(content(1));
		assert_noop!(
			Evidence::create_evidence(
				RuntimeOrigin::signed(RELAYER),
				content(1),
				ALICE,
				1,
				H256::repeat_byte(0xab),
				signature,
			),
			Error::<Test>::BadAnchor
		);
		// Too old: `SignatureValidity` is 10 blocks.
		for _ in 0..10 {
			next_block();
		}
		assert_noop!(
			create_with(content(1), Statement { anchor: 1, ..Statement::by(ALICE) }),
			Error::<Test>::BadAnchor
		);
		assert_ok!(create_with(content(1), Statement { anchor: 2, ..Statement::by(ALICE) }));
	});
}

#[test]
fn signer_did_problems_fail() {
	ExtBuilder::build_and_execute(|| {
		// No DID.
		assert_noop!(create(content(1), ALICE), Error::<Test>::SignerDidNotFound);
		// A key without `assertionMethod`.
		let authentication_only = Relationships { authentication: true, ..Default::default() };
		assert_ok!(Did::create(
			RuntimeOrigin::signed(ALICE),
			vec![key(ALICE, authentication_only)],
			None
		));
		assert_noop!(create(content(1), ALICE), Error::<Test>::KeyNotAuthorized);
		// An unknown key id.
		did(BOB);
		let mut signature = Statement::by(BOB).sign(content(1));
		signature.key_id = b"other".to_vec();
		assert_noop!(
			Evidence::create_evidence(
				RuntimeOrigin::signed(RELAYER),
				content(1),
				BOB,
				1,
				System::block_hash(1),
				signature,
			),
			Error::<Test>::KeyNotFound
		);
		// A deactivated DID.
		assert_ok!(Did::deactivate(RuntimeOrigin::signed(BOB), BOB));
		assert_noop!(create(content(1), BOB), Error::<Test>::SignerDidDeactivated);
	});
}

#[test]
fn create_without_the_deposit_fails() {
	ExtBuilder::build_and_execute(|| {
		dids();
		let statement = Statement::by(ALICE);
		let signature = statement.sign(content(1));
		assert_noop!(
			Evidence::create_evidence(
				RuntimeOrigin::signed(POOR),
				content(1),
				ALICE,
				1,
				System::block_hash(1),
				signature,
			),
			Error::<Test>::InsufficientDeposit
		);
	});
}
