//! DID-signed operations relayed through `submit_did_call`.

use super::*;

/// A signer for a DID key, by scheme and seed.
enum Signer {
	Sr(u8),
	Ed(u8),
	Ec(u8),
}

impl Signer {
	fn sign(&self, key_id: &str, message: &[u8]) -> DidSignature {
		let signature = match *self {
			Signer::Sr(seed) => SignatureBytes::Sr25519(sr_pair(seed).sign(message)),
			Signer::Ed(seed) => SignatureBytes::Ed25519(ed_pair(seed).sign(message)),
			Signer::Ec(seed) => SignatureBytes::EcdsaSecp256k1(ecdsa_pair(seed).sign(message)),
		};
		DidSignature { key_id: key_id.as_bytes().to_vec(), signature }
	}
}

fn operation(did: u64, nonce: u64, call: RuntimeCall, submitter: u64) -> DidOperationOf<Test> {
	DidOperation {
		did,
		nonce,
		call: Box::new(call),
		expires: System::block_number() + 10,
		submitter,
		genesis_hash: System::block_hash(0),
		transaction_version: System::runtime_version().transaction_version,
	}
}

fn attribute_call(value: &[u8]) -> RuntimeCall {
	RuntimeCall::Did(DidCall::set_attribute {
		did: ALICE,
		name: b"name".to_vec(),
		value: value.to_vec(),
		validity: 50,
	})
}

fn submit(
	op: DidOperationOf<Test>,
	sig: DidSignature,
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	Did::submit_did_call(RuntimeOrigin::signed(op.submitter), Box::new(op), sig)
}

#[test]
fn relayed_operation_works_and_cannot_be_replayed() {
	ExtBuilder::build_and_execute(|| {
		create(ALICE);
		let signer = Signer::Sr(1);
		let op = operation(ALICE, 1, attribute_call(b"Alice"), BOB);
		let sig = signer.sign("auth", &op.signing_bytes());
		let bob_before = Balances::free_balance(BOB);
		assert_ok!(submit(op.clone(), sig.clone()));
		assert_eq!(details(ALICE).nonce, 1);
		assert!(System::events()
			.iter()
			.any(|r| matches!(r.event, RuntimeEvent::Did(Event::AttributeSet { did: ALICE, .. }))));
		assert!(matches!(
			last_did_event(),
			Event::DidCallDispatched { did: ALICE, nonce: 1, submitter: BOB, result: Ok(()), .. }
		));
		// The relayer's balance paid nothing to the DID; the DID's deposit is untouched.
		assert_eq!(Balances::free_balance(BOB), bob_before);
		// The same signed operation again is a replay.
		assert_noop!(submit(op, sig), Error::<Test>::Replayed);
	});
}

#[test]
fn every_scheme_authorizes_works() {
	ExtBuilder::build_and_execute(|| {
		let keys = vec![
			signing_key("sr", 1),
			key("ed", PublicKey::Ed25519(ed_pair(2).public()), Relationships::SIGNING),
			key("ec", PublicKey::EcdsaSecp256k1(ecdsa_pair(3).public()), Relationships::SIGNING),
		];
		assert_ok!(Did::create(RuntimeOrigin::signed(ALICE), keys, None));
		let signers = [("sr", Signer::Sr(1)), ("ed", Signer::Ed(2)), ("ec", Signer::Ec(3))];
		for (nonce, (id, signer)) in (1..).zip(signers.iter()) {
			let op = operation(ALICE, nonce, attribute_call(id.as_bytes()), BOB);
			let sig = signer.sign(id, &op.signing_bytes());
			assert_ok!(submit(op, sig));
		}
		assert_eq!(details(ALICE).nonce, 3);
	});
}

#[test]
fn did_origin_manages_keys_with_capability_invocation() {
	ExtBuilder::build_and_execute(|| {
		create(ALICE);
		let call = RuntimeCall::Did(DidCall::add_key { did: ALICE, key: x25519_key("enc") });
		let op = operation(ALICE, 1, call, CHARLIE);
		let sig = Signer::Sr(1).sign("auth", &op.signing_bytes());
		let held_before = held(ALICE);
		assert_ok!(submit(op, sig));
		assert_eq!(details(ALICE).keys.len(), 2);
		// The larger record's deposit comes from the DID's creator, not the relayer.
		assert!(held(ALICE) > held_before);
		assert_eq!(held(CHARLIE), 0);
	});
}

#[test]
fn each_call_needs_its_relationship() {
	ExtBuilder::build_and_execute(|| {
		// `auth` authenticates only: enough for attributes, not for keys or delegates.
		let auth_only = Relationships { authentication: true, ..Default::default() };
		let keys = vec![key("auth", PublicKey::Sr25519(sr_pair(1).public()), auth_only)];
		assert_ok!(Did::create(RuntimeOrigin::signed(ALICE), keys, None));
		let signer = Signer::Sr(1);
		for call in [
			DidCall::add_key { did: ALICE, key: x25519_key("enc") },
			DidCall::set_controller { did: ALICE, controller: BOB },
			DidCall::deactivate { did: ALICE },
			DidCall::add_delegate {
				did: ALICE,
				kind: DelegateKind::Authentication,
				delegate: BOB,
				validity: 5,
			},
		] {
			let op = operation(ALICE, 1, RuntimeCall::Did(call), BOB);
			let sig = signer.sign("auth", &op.signing_bytes());
			assert_noop!(submit(op, sig), Error::<Test>::KeyNotAuthorized);
		}
		let op = operation(ALICE, 1, attribute_call(b"v"), BOB);
		let sig = signer.sign("auth", &op.signing_bytes());
		assert_ok!(submit(op, sig));
	});
}

#[test]
fn nested_operations_fail() {
	ExtBuilder::build_and_execute(|| {
		create(ALICE);
		let signer = Signer::Sr(1);
		let inner = operation(ALICE, 2, attribute_call(b"v"), BOB);
		let inner_sig = signer.sign("auth", &inner.signing_bytes());
		let nested = RuntimeCall::Did(DidCall::submit_did_call {
			operation: Box::new(inner),
			signature: inner_sig,
		});
		let op = operation(ALICE, 1, nested, BOB);
		let sig = signer.sign("auth", &op.signing_bytes());
		assert_noop!(submit(op, sig), Error::<Test>::CallNotDidAuthorizable);
	});
}

#[test]
fn operation_signed_for_another_transaction_version_fails() {
	ExtBuilder::build_and_execute(|| {
		create(ALICE);
		// Signed before an upgrade that changed the transaction version: the call's bytes may
		// mean another call now, so the operation is refused before its signature is checked.
		let mut op = operation(ALICE, 1, attribute_call(b"v"), BOB);
		op.transaction_version = System::runtime_version().transaction_version + 1;
		let sig = Signer::Sr(1).sign("auth", &op.signing_bytes());
		assert_noop!(submit(op.clone(), sig), Error::<Test>::WrongTransactionVersion);
		// The version is signed: naming the current one under the old signature fails.
		let old_sig = Signer::Sr(1).sign("auth", &op.signing_bytes());
		op.transaction_version -= 1;
		assert_noop!(submit(op, old_sig), Error::<Test>::BadSignature);
	});
}

#[test]
fn signing_bytes_follow_the_documented_layout_works() {
	ExtBuilder::build_and_execute(|| {
		let op = operation(ALICE, 7, attribute_call(b"v"), BOB);
		let mut expected = b"teeid/did-op/v2\0".to_vec();
		expected.push(0); // SigningDomain::DidOperation
		expected.extend_from_slice(op.genesis_hash.as_ref());
		expected.push(0); // Anchor::Nonce
		expected.extend_from_slice(&7u64.to_le_bytes());
		expected.extend_from_slice(&ALICE.encode());
		expected.extend_from_slice(&op.call.encode());
		expected.extend_from_slice(&op.expires.encode());
		expected.extend_from_slice(&BOB.encode());
		// The runtime's transaction version: what the call's encoding means.
		expected.extend_from_slice(&System::runtime_version().transaction_version.to_le_bytes());
		assert_eq!(op.signing_bytes(), expected);
	});
}

#[test]
fn did_origin_reaches_other_pallets() {
	ExtBuilder::build_and_execute(|| {
		create(ALICE);
		let call = RuntimeCall::System(frame_system::Call::remark { remark: b"hi".to_vec() });
		let op = operation(ALICE, 1, call, BOB);
		let sig = Signer::Sr(1).sign("auth", &op.signing_bytes());
		assert_ok!(submit(op, sig));
		assert!(matches!(last_did_event(), Event::DidCallDispatched { result: Ok(()), .. }));
	});
}

#[test]
fn failed_inner_call_still_uses_the_nonce() {
	ExtBuilder::build_and_execute(|| {
		create(ALICE);
		let call = RuntimeCall::Did(DidCall::remove_key { did: ALICE, key_id: b"none".to_vec() });
		let op = operation(ALICE, 1, call, BOB);
		let sig = Signer::Sr(1).sign("auth", &op.signing_bytes());
		assert_ok!(submit(op.clone(), sig.clone()));
		assert_eq!(details(ALICE).nonce, 1);
		assert!(matches!(
			last_did_event(),
			Event::DidCallDispatched { result: Err(_), nonce: 1, .. }
		));
		assert_noop!(submit(op, sig), Error::<Test>::Replayed);
	});
}

#[test]
fn did_origin_cannot_change_another_did() {
	ExtBuilder::build_and_execute(|| {
		create(ALICE);
		create(BOB);
		let call = RuntimeCall::Did(DidCall::add_key { did: BOB, key: x25519_key("enc") });
		let op = operation(ALICE, 1, call, CHARLIE);
		let sig = Signer::Sr(1).sign("auth", &op.signing_bytes());
		assert_ok!(submit(op, sig));
		let DidCallEvent { result } = dispatched();
		assert_eq!(result, Err(Error::<Test>::NotAuthorized.into()));
		assert_eq!(details(BOB).keys.len(), 1);
	});
}

struct DidCallEvent {
	result: DispatchResult,
}

fn dispatched() -> DidCallEvent {
	match last_did_event() {
		Event::DidCallDispatched { result, .. } => DidCallEvent { result },
		other => panic!("expected DidCallDispatched, got {other:?}"),
	}
}

#[test]
fn bad_operations_fail_with_their_own_errors() {
	ExtBuilder::build_and_execute(|| {
		let keys = vec![
			signing_key("auth", 1),
			key("assert", PublicKey::Ed25519(ed_pair(2).public()), assertion_only()),
		];
		assert_ok!(Did::create(RuntimeOrigin::signed(ALICE), keys, None));
		let signer = Signer::Sr(1);
		let signed = |op: &DidOperationOf<Test>| signer.sign("auth", &op.signing_bytes());

		// Wrong nonce (skips ahead).
		let op = operation(ALICE, 2, attribute_call(b"v"), BOB);
		assert_noop!(submit(op.clone(), signed(&op)), Error::<Test>::BadNonce);
		// Expired.
		let mut op = operation(ALICE, 1, attribute_call(b"v"), BOB);
		op.expires = 0;
		assert_noop!(submit(op.clone(), signed(&op)), Error::<Test>::OperationExpired);
		// Too far ahead.
		let mut op = operation(ALICE, 1, attribute_call(b"v"), BOB);
		op.expires = 1_000;
		assert_noop!(submit(op.clone(), signed(&op)), Error::<Test>::ExpiryTooFar);
		// Wrong chain.
		let mut op = operation(ALICE, 1, attribute_call(b"v"), BOB);
		op.genesis_hash = sp_core::H256::repeat_byte(1);
		assert_noop!(submit(op.clone(), signed(&op)), Error::<Test>::WrongChain);
		// Signed for another transaction version (before an upgrade that renumbered calls).
		let mut op = operation(ALICE, 1, attribute_call(b"v"), BOB);
		op.transaction_version += 1;
		assert_noop!(submit(op.clone(), signed(&op)), Error::<Test>::WrongTransactionVersion);
		// Submitted by someone else than named.
		let op = operation(ALICE, 1, attribute_call(b"v"), BOB);
		assert_noop!(
			Did::submit_did_call(RuntimeOrigin::signed(CHARLIE), Box::new(op.clone()), signed(&op)),
			Error::<Test>::WrongSubmitter
		);
		// Unknown key.
		let op = operation(ALICE, 1, attribute_call(b"v"), BOB);
		assert_noop!(
			submit(op.clone(), signer.sign("nope", &op.signing_bytes())),
			Error::<Test>::KeyNotFound
		);
		// A key without the relationship the call needs (authentication).
		let op = operation(ALICE, 1, attribute_call(b"v"), BOB);
		let sig = Signer::Ed(2).sign("assert", &op.signing_bytes());
		assert_noop!(submit(op, sig), Error::<Test>::KeyNotAuthorized);
		// A signature by another key.
		let op = operation(ALICE, 1, attribute_call(b"v"), BOB);
		let sig = Signer::Sr(9).sign("auth", &op.signing_bytes());
		assert_noop!(submit(op, sig), Error::<Test>::BadSignature);
		// A signature over another operation.
		let op = operation(ALICE, 1, attribute_call(b"v"), BOB);
		let other = operation(ALICE, 1, attribute_call(b"w"), BOB);
		assert_noop!(submit(op, signed(&other)), Error::<Test>::BadSignature);
		// A call that cannot be DID-authorized.
		let call = RuntimeCall::Did(DidCall::create { keys: vec![], controller: None });
		let op = operation(ALICE, 1, call, BOB);
		assert_noop!(submit(op.clone(), signed(&op)), Error::<Test>::CallNotDidAuthorizable);
		let call = RuntimeCall::Balances(pallet_balances::Call::transfer_allow_death {
			dest: BOB,
			value: 1,
		});
		let op = operation(ALICE, 1, call, BOB);
		assert_noop!(submit(op.clone(), signed(&op)), Error::<Test>::CallNotDidAuthorizable);
		// Unknown DID.
		let op = operation(CHARLIE, 1, attribute_call(b"v"), BOB);
		assert_noop!(submit(op.clone(), signed(&op)), Error::<Test>::NotFound);
		// An expired key.
		assert_ok!(Did::add_key(
			RuntimeOrigin::signed(ALICE),
			ALICE,
			VerificationKey { expires: Some(2), ..signing_key("brief", 5) }
		));
		System::set_block_number(3);
		let op = operation(ALICE, 1, attribute_call(b"v"), BOB);
		let sig = Signer::Sr(5).sign("brief", &op.signing_bytes());
		assert_noop!(submit(op, sig), Error::<Test>::KeyNotAuthorized);
		// A deactivated DID.
		assert_ok!(Did::deactivate(RuntimeOrigin::signed(ALICE), ALICE));
		let op = operation(ALICE, 1, attribute_call(b"v"), BOB);
		assert_noop!(submit(op.clone(), signed(&op)), Error::<Test>::Deactivated);
	});
}

#[test]
fn inspect_verifies_signatures_works() {
	ExtBuilder::build_and_execute(|| {
		create(ALICE);
		let message = b"evidence";
		let good = Signer::Sr(1).sign("auth", message);
		assert_eq!(
			<Did as DidInspect<u64>>::verify_signature(
				&ALICE,
				Relationship::AssertionMethod,
				message,
				&good
			),
			Ok(())
		);
		assert_eq!(
			<Did as DidInspect<u64>>::verify_signature(
				&ALICE,
				Relationship::KeyAgreement,
				message,
				&good
			),
			Err(DidAuthError::KeyNotAuthorized)
		);
		assert_eq!(
			<Did as DidInspect<u64>>::verify_signature(
				&ALICE,
				Relationship::AssertionMethod,
				b"x",
				&good
			),
			Err(DidAuthError::BadSignature)
		);
		assert_eq!(
			<Did as DidInspect<u64>>::verify_signature(
				&BOB,
				Relationship::AssertionMethod,
				message,
				&good
			),
			Err(DidAuthError::UnknownDid)
		);
		assert_eq!(<Did as DidInspect<u64>>::controller(&ALICE), Some(ALICE));
	});
}

#[test]
fn ensure_did_accepts_only_did_origins() {
	ExtBuilder::build_and_execute(|| {
		use frame_support::traits::EnsureOrigin;
		let did_origin: RuntimeOrigin = DidRawOrigin { did: ALICE, submitter: BOB }.into();
		assert_eq!(
			EnsureDid::<Test>::try_origin(did_origin).ok(),
			Some(DidRawOrigin { did: ALICE, submitter: BOB })
		);
		assert!(EnsureDid::<Test>::try_origin(RuntimeOrigin::signed(ALICE)).is_err());
		assert!(EnsureDid::<Test>::try_origin(RuntimeOrigin::root()).is_err());
	});
}
