//! TEE signers bound to DIDs, as the attestation pallet keeps them and the DID registry uses
//! them.

use crate::{mock::*, BindingRequests, Bindings, Error, Event, Signers, SignsFor, Workers};
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};
use pallet_did::{
	DidAuthError, DidInspect, DidSignature, KeyInput, PublicKey, Relationship, Relationships,
	SignatureBytes,
};
use sp_core::{ed25519, Pair};
use teeid_primitives::attestation::tee_key_id;

/// `worker` is bound to `did` but does not count: the registry has no key of it for the DID,
/// and the signer view says so.
fn assert_not_a_key_of(did: u64, worker: &Tee) {
	assert_eq!(
		tee_signs_for(did, worker, Relationship::AssertionMethod),
		Err(DidAuthError::KeyNotFound)
	);
	assert!(Did::did_state(&did).unwrap().keys.iter().all(|k| k.id != tee_key_id(&worker.key())));
	assert!(!Attestation::signers_of(&did)[0].counts);
}

/// ALICE's worker 1 (bootstrapped) and BOB's worker 2 (endorsed by 1); ALICE and BOB have DIDs.
fn with_workers(test: impl FnOnce(Tee, Tee)) {
	ExtBuilder::build_and_execute(|| {
		let one = Tee::new(1);
		bootstrap(&one, ALICE);
		run_to(3);
		let two = Tee::new(2);
		assert_ok!(Quadruple::new(&two, &one, BOB).submit(BOB));
		create_did(ALICE);
		create_did(BOB);
		test(one, two);
	});
}

fn tee_signature(tee: &Tee, message: &[u8]) -> DidSignature {
	DidSignature {
		key_id: tee_key_id(&tee.key()),
		signature: SignatureBytes::Ed25519(tee.pair.sign(message)),
	}
}

/// Whether `tee`'s signature over a message verifies as a key of `did` for `relationship`.
fn tee_signs_for(did: u64, tee: &Tee, relationship: Relationship) -> Result<(), DidAuthError> {
	let message = b"a credential";
	Did::verify_signature(&did, relationship, message, &tee_signature(tee, message))
}

/// `controller` binds `tee` to its own DID; the worker's operator accepts if it is someone
/// else.
fn bind(controller: u64, tee: &Tee) -> sp_runtime::DispatchResult {
	Attestation::bind_signer(RuntimeOrigin::signed(controller), controller, tee.key())?;
	let operator = Workers::<Test>::get(tee.key()).map(|w| w.operator);
	match operator {
		Some(operator) if operator != controller => {
			Attestation::accept_signer(RuntimeOrigin::signed(operator), controller, tee.key())
		},
		_ => Ok(()),
	}
}

#[test]
fn a_bound_worker_signs_as_an_assertion_key_of_the_did_works() {
	with_workers(|_, two| {
		assert_eq!(
			tee_signs_for(ALICE, &two, Relationship::AssertionMethod),
			Err(DidAuthError::KeyNotFound)
		);
		assert_ok!(bind(ALICE, &two));
		assert_ok!(tee_signs_for(ALICE, &two, Relationship::AssertionMethod));
		assert!(Did::has_valid_key(&ALICE, &tee_key_id(&two.key()), Relationship::AssertionMethod));
		// Only assertions: a TEE never controls the DID.
		assert_eq!(
			tee_signs_for(ALICE, &two, Relationship::Authentication),
			Err(DidAuthError::KeyNotAuthorized)
		);
		// Another DID's signer does not sign for ALICE.
		assert_eq!(
			tee_signs_for(BOB, &two, Relationship::AssertionMethod),
			Err(DidAuthError::KeyNotFound)
		);
		// The DID document lists it.
		let state = Did::did_state(&ALICE).unwrap();
		let listed = state.keys.iter().find(|k| k.id == tee_key_id(&two.key())).unwrap();
		assert_eq!(listed.public, PublicKey::Ed25519(two.key()));
		assert_eq!(listed.relationships, Relationships::ASSERTION_METHOD);
		// The DID's history records the binding.
		assert!(System::events().iter().any(|r| matches!(
			&r.event,
			RuntimeEvent::Did(pallet_did::Event::SignerBound { did, public, .. })
				if *did == ALICE && *public == two.key()
		)));
		assert_eq!(
			Balances::balance_on_hold(&crate::HoldReason::BindingDeposit.into(), &ALICE),
			10
		);
	});
}

#[test]
fn queries_list_signers_and_dids_works() {
	with_workers(|one, two| {
		assert_ok!(bind(ALICE, &two));
		assert_ok!(bind(ALICE, &one));
		assert_ok!(bind(BOB, &two));
		assert_eq!(Signers::<Test>::get(ALICE).to_vec(), vec![two.key(), one.key()]);
		let mut dids: Vec<_> = SignsFor::<Test>::iter_key_prefix(two.key()).collect();
		dids.sort();
		assert_eq!(dids, vec![ALICE, BOB]);
		let views = Attestation::signers_of(&ALICE);
		assert_eq!(views.len(), 2);
		assert!(views.iter().all(|v| v.counts));
		assert_eq!(views[0].key_id, tee_key_id(&two.key()));
	});
}

#[test]
fn only_the_controller_binds_an_active_worker_once_fails() {
	with_workers(|one, two| {
		assert_noop!(
			Attestation::bind_signer(RuntimeOrigin::signed(BOB), ALICE, two.key()),
			Error::<Test>::NotController
		);
		assert_noop!(
			Attestation::bind_signer(RuntimeOrigin::signed(STRANGER), STRANGER, two.key()),
			Error::<Test>::DidNotActive
		);
		assert_noop!(bind(ALICE, &Tee::new(9)), Error::<Test>::UnknownWorker);
		assert_ok!(bind(ALICE, &two));
		assert_noop!(bind(ALICE, &two), Error::<Test>::AlreadyBound);
		// A controlled DID: its controller binds, the DID's own account does not.
		assert_ok!(pallet_did::Pallet::<Test>::set_controller(
			RuntimeOrigin::signed(BOB),
			BOB,
			CHARLIE
		));
		assert_noop!(bind(BOB, &one), Error::<Test>::NotController);
		assert_ok!(Attestation::bind_signer(RuntimeOrigin::signed(CHARLIE), BOB, one.key()));
		assert_ok!(Attestation::accept_signer(RuntimeOrigin::signed(ALICE), BOB, one.key()));
	});
}

#[test]
fn binding_limits_hold_fails() {
	with_workers(|one, two| {
		let three = Tee::new(3);
		assert_ok!(Quadruple::new(&three, &one, CHARLIE).submit(CHARLIE));
		assert_ok!(bind(ALICE, &one));
		assert_ok!(bind(ALICE, &two));
		assert_noop!(bind(ALICE, &three), Error::<Test>::TooManySigners);
		// A worker takes any number of DIDs: each binding's deposit pays for it, and a DID
		// cannot use up a slot of another.
		create_did(CHARLIE);
		create_did(STRANGER);
		for did in [BOB, CHARLIE, STRANGER] {
			assert_ok!(bind(did, &three));
		}
		assert_eq!(SignsFor::<Test>::iter_key_prefix(three.key()).count(), 3);
	});
}

#[test]
fn binding_an_inactive_worker_fails() {
	with_workers(|_, two| {
		run_to(3 * SLOT);
		assert_noop!(bind(ALICE, &two), Error::<Test>::WorkerInactive);
	});
}

#[test]
fn unbinding_ends_the_signature_and_releases_the_deposit_works() {
	with_workers(|one, two| {
		assert_ok!(bind(ALICE, &two));
		assert_ok!(bind(ALICE, &one));
		assert_noop!(
			Attestation::unbind_signer(RuntimeOrigin::signed(STRANGER), ALICE, two.key()),
			Error::<Test>::NotAuthorized
		);
		// The worker's operator (BOB) may unbind it: a worker stops signing on shutdown.
		assert_ok!(Attestation::unbind_signer(RuntimeOrigin::signed(BOB), ALICE, two.key()));
		assert_noop!(
			Attestation::unbind_signer(RuntimeOrigin::signed(ALICE), ALICE, two.key()),
			Error::<Test>::NotBound
		);
		assert_eq!(
			tee_signs_for(ALICE, &two, Relationship::AssertionMethod),
			Err(DidAuthError::KeyNotFound)
		);
		assert_ok!(Attestation::unbind_signer(RuntimeOrigin::signed(ALICE), ALICE, one.key()));
		assert!(!Signers::<Test>::contains_key(ALICE));
		assert!(!SignsFor::<Test>::contains_key(two.key(), ALICE));
		assert_eq!(Balances::balance_on_hold(&crate::HoldReason::BindingDeposit.into(), &ALICE), 0);
		assert!(System::events().iter().any(|r| matches!(
			&r.event,
			RuntimeEvent::Did(pallet_did::Event::SignerUnbound { did, .. }) if *did == ALICE
		)));
	});
}

#[test]
fn an_inactive_workers_bindings_stop_counting_works() {
	with_workers(|_, two| {
		assert_ok!(bind(ALICE, &two));
		// BOB's worker registered in slot 0: deadline slot 3.
		run_to(3 * SLOT);
		assert_not_a_key_of(ALICE, &two);
		// The binding is still stored, and still released by unbinding.
		assert!(Bindings::<Test>::contains_key(ALICE, two.key()));
		assert_ok!(Attestation::unbind_signer(RuntimeOrigin::signed(ALICE), ALICE, two.key()));
	});
}

#[test]
fn an_inactive_workers_bindings_count_again_once_it_reports_works() {
	with_workers(|_, two| {
		assert_ok!(bind(ALICE, &two));
		run_to(3 * SLOT + 1);
		assert_eq!(
			tee_signs_for(ALICE, &two, Relationship::AssertionMethod),
			Err(DidAuthError::KeyNotFound)
		);
		let (report, signature) = two.work_report(3, &[], 0);
		assert_ok!(Attestation::submit_work_report(
			RuntimeOrigin::signed(STRANGER),
			report,
			signature
		));
		assert_ok!(tee_signs_for(ALICE, &two, Relationship::AssertionMethod));
		assert!(Attestation::signers_of(&ALICE)[0].counts);
	});
}

#[test]
fn removing_a_certifier_stops_its_workers_bindings_counting_works() {
	with_workers(|_, two| {
		assert_ok!(bind(ALICE, &two));
		let certifier = Workers::<Test>::get(two.key()).unwrap().certifier;
		assert_ok!(Attestation::remove_device_certifier(RuntimeOrigin::root(), certifier));
		assert_not_a_key_of(ALICE, &two);
		assert_noop!(bind(BOB, &two), Error::<Test>::WorkerUncertified);
		// The binding stays, and counts again once root lists the certifier again.
		assert_ok!(Attestation::add_device_certifier(
			RuntimeOrigin::root(),
			certifier,
			teeid_primitives::attestation::TeePlatform::Simulated
		));
		assert_ok!(tee_signs_for(ALICE, &two, Relationship::AssertionMethod));
		assert!(Attestation::signers_of(&ALICE)[0].counts);
	});
}

#[test]
fn expired_code_stops_bindings_counting_works() {
	with_workers(|_, two| {
		assert_ok!(bind(ALICE, &two));
		assert_ok!(Attestation::allow_code(RuntimeOrigin::root(), CODE, 5));
		run_to(5);
		assert_eq!(
			tee_signs_for(ALICE, &two, Relationship::AssertionMethod),
			Err(DidAuthError::KeyNotFound)
		);
		assert!(!Did::has_valid_key(
			&ALICE,
			&tee_key_id(&two.key()),
			Relationship::AssertionMethod
		));
		assert!(Did::did_state(&ALICE)
			.unwrap()
			.keys
			.iter()
			.all(|k| k.id != tee_key_id(&two.key())));
		assert_noop!(bind(BOB, &two), Error::<Test>::WorkerCodeNotAllowed);
	});
}

#[test]
fn simulated_signers_stop_counting_when_the_flag_goes_off_works() {
	with_workers(|_, two| {
		assert_ok!(bind(ALICE, &two));
		assert_ok!(Attestation::set_simulation(RuntimeOrigin::root(), false));
		assert!(!Did::has_valid_key(
			&ALICE,
			&tee_key_id(&two.key()),
			Relationship::AssertionMethod
		));
		assert_noop!(bind(BOB, &two), Error::<Test>::WorkerSimulated);
		assert_ok!(Attestation::set_simulation(RuntimeOrigin::root(), true));
		assert!(Did::has_valid_key(&ALICE, &tee_key_id(&two.key()), Relationship::AssertionMethod));
	});
}

#[test]
fn a_bound_tee_key_cannot_act_as_the_did_fails() {
	with_workers(|_, two| {
		assert_ok!(bind(ALICE, &two));
		// A DID-signed operation whose call needs only assertionMethod, signed by the TEE key:
		// refused. A TEE signs statements for a DID but never acts as it.
		let call: RuntimeCall = frame_system::Call::remark { remark: b"as alice".to_vec() }.into();
		let operation = pallet_did::DidOperation {
			did: ALICE,
			nonce: 1,
			call: Box::new(call),
			expires: 10,
			submitter: ALICE,
			genesis_hash: System::block_hash(0),
			transaction_version: System::runtime_version().transaction_version,
		};
		let signature = tee_signature(&two, &operation.signing_bytes());
		assert_noop!(
			Did::submit_did_call(RuntimeOrigin::signed(ALICE), Box::new(operation), signature),
			pallet_did::Error::<Test>::KeyNotFound
		);
	});
}

#[test]
fn superseding_or_unregistering_a_worker_ends_its_bindings_works() {
	with_workers(|one, two| {
		assert_ok!(bind(ALICE, &two));
		assert_ok!(bind(BOB, &two));
		run_to(4);
		let restarted = Tee::new(4);
		assert_ok!(Quadruple::new(&restarted, &one, BOB).submit(BOB));
		// The old worker's bindings no longer count...
		assert_eq!(
			tee_signs_for(ALICE, &two, Relationship::AssertionMethod),
			Err(DidAuthError::KeyNotFound)
		);
		assert!(Attestation::signers_of(&ALICE).iter().all(|s| !s.counts));
		// ...and anyone may clear them, which returns the deposits to who paid them.
		assert_ok!(Attestation::unbind_signer(RuntimeOrigin::signed(STRANGER), ALICE, two.key()));
		assert_ok!(Attestation::unbind_signer(RuntimeOrigin::signed(STRANGER), BOB, two.key()));
		assert!(!Signers::<Test>::contains_key(BOB));
		assert_eq!(Balances::balance_on_hold(&crate::HoldReason::BindingDeposit.into(), &ALICE), 0);
		assert!(
			attestation_events().contains(&Event::SignerUnbound { did: ALICE, worker: two.key() })
		);

		assert_ok!(bind(ALICE, &restarted));
		assert_ok!(Attestation::unregister_worker(RuntimeOrigin::signed(BOB), restarted.key()));
		assert!(!Did::has_valid_key(
			&ALICE,
			&tee_key_id(&restarted.key()),
			Relationship::AssertionMethod
		));
		assert_ok!(Attestation::unbind_signer(
			RuntimeOrigin::signed(STRANGER),
			ALICE,
			restarted.key()
		));
		assert!(!Bindings::<Test>::contains_key(ALICE, restarted.key()));
	});
}

#[test]
fn did_keys_cannot_take_the_tee_prefix_fails() {
	with_workers(|_, _| {
		let key = KeyInput {
			id: b"tee-0".to_vec(),
			public: PublicKey::Ed25519(ed25519::Pair::from_seed(&[42; 32]).public()),
			relationships: Relationships::SIGNING,
			expires: None,
		};
		assert_noop!(
			Did::add_key(RuntimeOrigin::signed(ALICE), ALICE, key),
			pallet_did::Error::<Test>::ReservedId
		);
	});
}

#[test]
fn a_binding_to_another_operators_worker_waits_for_its_consent_works() {
	with_workers(|_, two| {
		// ALICE controls her DID; BOB operates worker two. ALICE's request alone binds nothing.
		assert_ok!(Attestation::bind_signer(RuntimeOrigin::signed(ALICE), ALICE, two.key()));
		assert!(attestation_events().contains(&Event::SignerRequested {
			did: ALICE,
			worker: two.key(),
			by: ALICE
		}));
		assert_eq!(
			tee_signs_for(ALICE, &two, Relationship::AssertionMethod),
			Err(DidAuthError::KeyNotFound)
		);
		assert!(Attestation::signers_of(&ALICE).is_empty());
		assert_eq!(Attestation::requested_signers(&ALICE), vec![two.key()]);
		assert_noop!(
			Attestation::bind_signer(RuntimeOrigin::signed(ALICE), ALICE, two.key()),
			Error::<Test>::AlreadyBound
		);
		// Only BOB accepts.
		assert_noop!(
			Attestation::accept_signer(RuntimeOrigin::signed(ALICE), ALICE, two.key()),
			Error::<Test>::NotOperator
		);
		assert_noop!(
			Attestation::accept_signer(RuntimeOrigin::signed(BOB), BOB, two.key()),
			Error::<Test>::NotRequested
		);
		assert_ok!(Attestation::accept_signer(RuntimeOrigin::signed(BOB), ALICE, two.key()));
		assert_ok!(tee_signs_for(ALICE, &two, Relationship::AssertionMethod));
		assert!(BindingRequests::<Test>::iter().next().is_none());
		assert!(attestation_events().contains(&Event::SignerBound {
			did: ALICE,
			worker: two.key(),
			by: ALICE
		}));
		// The deposit stays ALICE's.
		assert_eq!(
			Balances::balance_on_hold(&crate::HoldReason::BindingDeposit.into(), &ALICE),
			10
		);
	});
}

#[test]
fn a_binding_request_is_withdrawn_or_refused_works() {
	with_workers(|one, two| {
		assert_ok!(Attestation::bind_signer(RuntimeOrigin::signed(ALICE), ALICE, two.key()));
		assert_ok!(Attestation::bind_signer(RuntimeOrigin::signed(BOB), BOB, one.key()));
		assert_noop!(
			Attestation::unbind_signer(RuntimeOrigin::signed(STRANGER), ALICE, two.key()),
			Error::<Test>::NotAuthorized
		);
		// The requester withdraws, the operator refuses: either releases the deposit.
		assert_ok!(Attestation::unbind_signer(RuntimeOrigin::signed(ALICE), ALICE, two.key()));
		assert_ok!(Attestation::unbind_signer(RuntimeOrigin::signed(ALICE), BOB, one.key()));
		assert!(attestation_events().contains(&Event::SignerRequestWithdrawn {
			did: BOB,
			worker: one.key(),
			by: ALICE
		}));
		assert!(BindingRequests::<Test>::iter().next().is_none());
		for who in [ALICE, BOB] {
			assert_eq!(
				Balances::balance_on_hold(&crate::HoldReason::BindingDeposit.into(), &who),
				0
			);
		}
		assert_noop!(
			Attestation::accept_signer(RuntimeOrigin::signed(BOB), ALICE, two.key()),
			Error::<Test>::NotRequested
		);
	});
}

#[test]
fn a_request_outlived_by_its_controller_or_worker_is_not_accepted_fails() {
	with_workers(|_, two| {
		assert_ok!(Attestation::bind_signer(RuntimeOrigin::signed(ALICE), ALICE, two.key()));
		// ALICE hands control of her DID to CHARLIE: her old request no longer speaks for it.
		assert_ok!(pallet_did::Pallet::<Test>::set_controller(
			RuntimeOrigin::signed(ALICE),
			ALICE,
			CHARLIE
		));
		assert_noop!(
			Attestation::accept_signer(RuntimeOrigin::signed(BOB), ALICE, two.key()),
			Error::<Test>::NotController
		);
		// A worker that stopped counting is not bound either.
		run_to(3 * SLOT);
		assert_noop!(
			Attestation::accept_signer(RuntimeOrigin::signed(BOB), ALICE, two.key()),
			Error::<Test>::WorkerInactive
		);
	});
}

#[test]
fn the_dids_a_worker_signs_for_are_paged_works() {
	with_workers(|one, _| {
		let dids: Vec<u64> = (100..110).collect();
		for &did in &dids {
			create_did(did);
			assert_ok!(bind(did, &one));
		}
		let mut seen = Vec::new();
		let mut start_after = None;
		loop {
			let page = Attestation::signs_for_page(one.key(), start_after, 3);
			seen.extend(page.iter().copied());
			if page.len() < 3 {
				break;
			}
			start_after = page.last().copied();
		}
		seen.sort();
		assert_eq!(seen, dids);
		assert_eq!(Attestation::signs_for_page(one.key(), None, u32::MAX).len(), 10);
	});
}
