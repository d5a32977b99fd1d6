//! Further signers.

use super::*;

#[test]
fn two_dids_sign_the_same_hash_works() {
	ExtBuilder::build_and_execute(|| {
		dids();
		assert_ok!(create(content(1), ALICE));
		next_block();
		assert_ok!(sign(content(1), BOB));
		let evidence = evidence(content(1));
		assert_eq!((signer(content(1), ALICE).signed, signer(content(1), BOB).signed), (2, 3));
		assert_eq!((evidence.creator, evidence.signers), (ALICE, 2));
		assert_eq!(evidence.link.changed, 3);
		System::assert_last_event(
			Event::EvidenceSigned { hash: content(1), signer: BOB, previous: Some(2) }.into(),
		);
		assert_eq!(
			held(HoldReason::SignerDeposit, RELAYER),
			2 * signer(content(1), ALICE).deposit.amount
		);
	});
}

#[test]
fn add_signature_fails() {
	ExtBuilder::build_and_execute(|| {
		dids();
		assert_noop!(sign(content(1), BOB), Error::<Test>::NotFound);
		assert_ok!(create(content(1), ALICE));
		assert_noop!(sign(content(1), ALICE), Error::<Test>::AlreadySigned);
		// Nobody adds a signature in someone else's name.
		assert_noop!(
			sign_with(content(1), Statement { key: CHARLIE, ..Statement::by(BOB) }),
			Error::<Test>::BadSignature
		);
		assert_noop!(
			sign_with(content(1), Statement { genesis: H256::zero(), ..Statement::by(BOB) }),
			Error::<Test>::BadSignature
		);
		// A signature for another hash does not count for this one.
		let other = Statement::by(BOB).sign(content(2));
		assert_noop!(
			Evidence::add_signature(
				RuntimeOrigin::signed(RELAYER),
				content(1),
				BOB,
				1,
				System::block_hash(1),
				other,
			),
			Error::<Test>::BadSignature
		);
		assert_ok!(sign(content(1), BOB));
		assert_noop!(sign(content(1), BOB), Error::<Test>::AlreadySigned);
	});
}
