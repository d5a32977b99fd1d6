//! Append-only logs, revocation status and the linked events.

use super::*;

fn bounded(text: &[u8]) -> BoundedVec<u8, <Test as Config>::MaxLogLength> {
	text.to_vec().try_into().expect("a short note")
}

fn note(who: u64, text: &[u8]) -> frame_support::dispatch::DispatchResult {
	Evidence::add_log(RuntimeOrigin::signed(who), content(1), bounded(text))
}

fn revoke(who: u64, revoked: bool) -> frame_support::dispatch::DispatchResult {
	Evidence::set_revoked(RuntimeOrigin::signed(who), content(1), revoked)
}

/// Alice and Bob sign the evidence of `content(1)` in block 2.
fn signed_by_two() {
	dids();
	assert_ok!(create(content(1), ALICE));
	assert_ok!(sign(content(1), BOB));
}

#[test]
fn each_signer_appends_its_own_logs_works() {
	ExtBuilder::build_and_execute(|| {
		signed_by_two();
		next_block();
		assert_ok!(note(ALICE, b"issued"));
		assert_ok!(note(ALICE, b"delivered"));
		next_block();
		assert_ok!(note(BOB, b"checked"));
		let evidence = evidence(content(1));
		let logs = |who| {
			let record = signer(content(1), who);
			(record.logs, record.last_log)
		};
		assert_eq!((logs(ALICE), logs(BOB)), ((2, Some(3)), (1, Some(4))));
		// The entries travel in events, each with the signer's own index.
		let entries: Vec<(u64, u32, LogEntry, Option<u64>)> = evidence_events()
			.into_iter()
			.filter_map(|e| match e {
				Event::LogAppended { signer, index, entry, previous, .. } => {
					Some((signer, index, entry, previous))
				},
				_ => None,
			})
			.collect();
		assert_eq!(
			entries,
			vec![
				(ALICE, 0, LogEntry::Note(b"issued".to_vec()), Some(2)),
				(ALICE, 1, LogEntry::Note(b"delivered".to_vec()), Some(2)),
				(BOB, 0, LogEntry::Note(b"checked".to_vec()), Some(3)),
			]
		);
		assert_eq!(evidence.link.changed, 4);
	});
}

#[test]
fn add_log_fails() {
	ExtBuilder::build_and_execute(|| {
		signed_by_two();
		assert_noop!(note(CHARLIE, b"x"), Error::<Test>::NotASigner);
		assert_noop!(
			Evidence::add_log(RuntimeOrigin::signed(ALICE), content(2), bounded(b"x")),
			Error::<Test>::NotFound
		);
		assert_noop!(note(RELAYER, b"x"), Error::<Test>::ActingDidNotFound);
		assert_noop!(
			Evidence::add_log(RuntimeOrigin::root(), content(1), bounded(b"x")),
			DispatchError::BadOrigin
		);
		assert_ok!(Did::set_controller(RuntimeOrigin::signed(BOB), BOB, DAVE));
		assert_noop!(note(BOB, b"x"), Error::<Test>::NotDidController);
		assert_ok!(Did::deactivate(RuntimeOrigin::signed(ALICE), ALICE));
		assert_noop!(note(ALICE, b"x"), Error::<Test>::ActingDidDeactivated);
	});
}

#[test]
fn each_signer_revokes_for_itself_works() {
	ExtBuilder::build_and_execute(|| {
		signed_by_two();
		assert_ok!(revoke(BOB, true));
		let revoked = |who: u64| Evidence::signer_info(content(1), who).map(|s| s.revoked);
		assert_eq!((revoked(ALICE), revoked(BOB)), (Some(false), Some(true)));
		System::assert_last_event(
			Event::LogAppended {
				hash: content(1),
				signer: BOB,
				index: 0,
				entry: LogEntry::Revoked,
				previous: None,
			}
			.into(),
		);
		// A DID that signs later can neither lift nor impose Bob's revocation.
		assert_ok!(sign(content(1), CHARLIE));
		assert_noop!(revoke(CHARLIE, false), Error::<Test>::NotRevoked);
		assert_eq!(revoked(BOB), Some(true));
		// Bob lifts his own.
		assert_ok!(revoke(BOB, false));
		assert_eq!(revoked(BOB), Some(false));
		assert_eq!(signer(content(1), BOB).logs, 2);
	});
}

#[test]
fn set_revoked_fails() {
	ExtBuilder::build_and_execute(|| {
		signed_by_two();
		assert_noop!(revoke(CHARLIE, true), Error::<Test>::NotASigner);
		assert_noop!(revoke(ALICE, false), Error::<Test>::NotRevoked);
		assert_ok!(revoke(ALICE, true));
		assert_noop!(revoke(ALICE, true), Error::<Test>::AlreadyRevoked);
		assert_noop!(
			Evidence::set_revoked(RuntimeOrigin::signed(ALICE), content(2), true),
			Error::<Test>::NotFound
		);
	});
}

#[test]
fn logs_relayed_with_a_did_key_work() {
	ExtBuilder::build_and_execute(|| {
		signed_by_two();
		let op = pallet_did::DidOperation {
			did: ALICE,
			nonce: 1,
			call: Box::new(RuntimeCall::Evidence(crate::Call::add_log {
				hash: content(1),
				note: bounded(b"relayed"),
			})),
			expires: System::block_number() + 10,
			submitter: RELAYER,
			genesis_hash: System::block_hash(0),
			transaction_version: System::runtime_version().transaction_version,
		};
		let signature = DidSignature {
			key_id: b"auth".to_vec(),
			signature: SignatureBytes::Sr25519(pair(ALICE).sign(&op.signing_bytes())),
		};
		assert_ok!(Did::submit_did_call(RuntimeOrigin::signed(RELAYER), Box::new(op), signature));
		assert_eq!(signer(content(1), ALICE).logs, 1);
	});
}
