//! Merkle-batch anchoring and proofs.

use super::*;
use teeid_primitives::merkle;

fn hashes(n: u32) -> Vec<H256> {
	(0..n).map(|i| H256(sp_io::hashing::blake2_256(&i.to_le_bytes()))).collect()
}

#[test]
fn anchor_batch_and_verify_proofs_works() {
	ExtBuilder::build_and_execute(|| {
		dids();
		let batch = hashes(1_000);
		let root = merkle::batch_root(&batch).unwrap();
		assert_ok!(Evidence::anchor_batch(RuntimeOrigin::signed(ALICE), root, 1_000));
		let record = Batches::<Test>::get(ALICE, root).unwrap();
		assert_eq!((record.leaves, record.anchored), (1_000, 2));
		assert_eq!(held(HoldReason::BatchDeposit, ALICE), record.deposit.amount);
		System::assert_last_event(
			Event::BatchAnchored { root, leaves: 1_000, anchorer: ALICE }.into(),
		);

		let proof = merkle::prove(&batch, &[0, 17, 999]).unwrap();
		assert_eq!(Evidence::verify_batch_proof(&ALICE, root, &proof), Ok(()));
		// The proof is checked against Alice's batch: Bob anchored none with this root.
		assert_eq!(
			Evidence::verify_batch_proof(&BOB, root, &proof),
			Err(BatchProofError::UnknownBatch)
		);
		// A hash that is not in the batch.
		let mut forged = proof.clone();
		forged.leaves[1].1 = H256::repeat_byte(1);
		assert_eq!(
			Evidence::verify_batch_proof(&ALICE, root, &forged),
			Err(BatchProofError::Invalid(merkle::ProofError::Mismatch))
		);
		// A position beyond the anchored leaf count.
		let mut beyond = proof.clone();
		beyond.leaves[0].0 = 1_000;
		assert_eq!(
			Evidence::verify_batch_proof(&ALICE, root, &beyond),
			Err(BatchProofError::Invalid(merkle::ProofError::PositionOutOfRange))
		);
		assert_eq!(
			Evidence::verify_batch_proof(&ALICE, H256::zero(), &proof),
			Err(BatchProofError::UnknownBatch)
		);
	});
}

#[test]
fn anchor_batch_fails() {
	ExtBuilder::build_and_execute(|| {
		dids();
		did(POOR);
		let root = H256::repeat_byte(9);
		assert_noop!(
			Evidence::anchor_batch(RuntimeOrigin::signed(ALICE), root, 0),
			Error::<Test>::EmptyBatch
		);
		assert_noop!(
			Evidence::anchor_batch(RuntimeOrigin::signed(RELAYER), root, 1),
			Error::<Test>::ActingDidNotFound
		);
		assert_noop!(
			Evidence::anchor_batch(RuntimeOrigin::signed(POOR), root, 1),
			Error::<Test>::InsufficientDeposit
		);
		assert_noop!(
			Evidence::anchor_batch(RuntimeOrigin::signed(ALICE), root, merkle::MAX_LEAVES + 1),
			Error::<Test>::TooManyLeaves
		);
		assert_ok!(Evidence::anchor_batch(RuntimeOrigin::signed(ALICE), root, 1));
		assert_noop!(
			Evidence::anchor_batch(RuntimeOrigin::signed(ALICE), root, 5),
			Error::<Test>::BatchExists
		);
		// Anchoring the same root first does not take it from another DID.
		assert_ok!(Evidence::anchor_batch(RuntimeOrigin::signed(BOB), root, 5));
		assert_eq!(Batches::<Test>::get(ALICE, root).map(|b| b.leaves), Some(1));
	});
}
