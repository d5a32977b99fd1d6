//! Bootstrapping and registration by quadruple, and every way a quadruple can be wrong.

use crate::{
	mock::*, Error, Event, NetworkPublicKey, OperatorWorker, UsedKeys, WorkerStatus, Workers,
};
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};
use sp_core::{ed25519, H256};
use sp_runtime::DispatchError;
use teeid_primitives::{
	attestation::{network_key_fingerprint, TeePlatform},
	signing::{Anchor, SigningDomain},
};

#[test]
fn root_bootstraps_the_first_worker_and_records_the_network_key_works() {
	ExtBuilder::build_and_execute(|| {
		let tee = Tee::new(1);
		let report = tee.report(ALICE);
		let registration = H256(report.hash());
		let signature = tee.sign_report(&report);
		assert_ok!(Attestation::bootstrap_worker(
			RuntimeOrigin::root(),
			Box::new(report),
			signature,
			NETWORK_KEY
		));
		let worker = Workers::<Test>::get(tee.key()).unwrap();
		assert_eq!(worker.operator, ALICE);
		assert_eq!(worker.endorser, None);
		assert_eq!(worker.registration, registration);
		assert_eq!(worker.platform, TeePlatform::Simulated);
		assert_eq!(worker.status, WorkerStatus::Active);
		assert_eq!(OperatorWorker::<Test>::get(ALICE), Some(tee.key()));
		assert_eq!(UsedKeys::<Test>::get(tee.key()), Some(2));
		assert_eq!(NetworkPublicKey::<Test>::get().unwrap().public, NETWORK_KEY);
		assert_eq!(
			Balances::balance_on_hold(&crate::HoldReason::WorkerDeposit.into(), &ALICE),
			100
		);
		let events = attestation_events();
		assert!(events.contains(&Event::NetworkKeySet {
			public: NETWORK_KEY,
			fingerprint: network_key_fingerprint(&NETWORK_KEY),
		}));
	});
}

#[test]
fn bootstrap_needs_root_and_the_right_network_key_fails() {
	ExtBuilder::build_and_execute(|| {
		let tee = Tee::new(1);
		let report = tee.report(ALICE);
		let signature = tee.sign_report(&report);
		assert_noop!(
			Attestation::bootstrap_worker(
				RuntimeOrigin::signed(ALICE),
				Box::new(report.clone()),
				signature,
				NETWORK_KEY
			),
			DispatchError::BadOrigin
		);
		// The report holds another network key than the one root records.
		assert_noop!(
			Attestation::bootstrap_worker(
				RuntimeOrigin::root(),
				Box::new(report),
				signature,
				[1; 32]
			),
			Error::<Test>::NetworkKeyMismatch
		);
		bootstrap(&tee, ALICE);
		// A second bootstrap must bring the recorded network key.
		let mut other = Tee::new(2);
		other.network_key = network_key_fingerprint(&[1; 32]);
		let report = other.report(BOB);
		let signature = other.sign_report(&report);
		assert_noop!(
			Attestation::bootstrap_worker(
				RuntimeOrigin::root(),
				Box::new(report),
				signature,
				[1; 32]
			),
			Error::<Test>::NetworkKeyMismatch
		);
	});
}

#[test]
fn worker_registers_endorsed_by_an_active_worker_works() {
	with_first_worker(|v| {
		let m = Tee::new(2);
		assert_ok!(Quadruple::new(&m, &v, BOB).submit(BOB));
		let worker = Workers::<Test>::get(m.key()).unwrap();
		assert_eq!(worker.endorser, Some(v.key()));
		assert_eq!(worker.operator, BOB);
		assert!(attestation_events().iter().any(|e| matches!(
			e,
			Event::WorkerRegistered { worker, endorser: Some(endorser), .. }
				if *worker == m.key() && *endorser == v.key()
		)));
	});
}

#[test]
fn replayed_quadruple_is_refused_fails() {
	with_first_worker(|v| {
		let m = Tee::new(2);
		let q = Quadruple::new(&m, &v, BOB);
		let replay = Quadruple { report: q.report.clone(), ..q };
		assert_ok!(Quadruple::new(&m, &v, BOB).submit(BOB));
		assert_noop!(replay.submit(BOB), Error::<Test>::KeyAlreadyUsed);
	});
}

#[test]
fn a_key_never_registers_twice_even_after_unregistering_fails() {
	with_first_worker(|v| {
		let m = Tee::new(2);
		assert_ok!(Quadruple::new(&m, &v, BOB).submit(BOB));
		assert_ok!(Attestation::unregister_worker(RuntimeOrigin::signed(BOB), m.key()));
		run_to(4);
		assert_noop!(Quadruple::new(&m, &v, BOB).submit(BOB), Error::<Test>::KeyAlreadyUsed);
	});
}

#[test]
fn stale_future_or_foreign_anchors_are_refused_fails() {
	with_first_worker(|v| {
		let m = Tee::new(2);
		run_to(30);
		// Block 5 is 25 blocks back: older than ReportValidity (20).
		let stale = Quadruple::of(&m, &v, m.report_at(BOB, 5));
		assert_noop!(stale.submit(BOB), Error::<Test>::StaleAnchor);
		// The current block is not final yet, and a later one does not exist.
		let current = Quadruple::of(&m, &v, m.report_at(BOB, 30));
		assert_noop!(current.submit(BOB), Error::<Test>::StaleAnchor);
		let future = Quadruple::of(&m, &v, m.report_at(BOB, 31));
		assert_noop!(future.submit(BOB), Error::<Test>::StaleAnchor);
		// A block hash this chain never had.
		let mut payload = m.report(BOB).payload;
		payload.anchor = Anchor::Block { number: 29, hash: H256::repeat_byte(0xee) };
		let foreign = Quadruple::of(&m, &v, Tee::with_evidence(payload.clone()));
		assert_noop!(foreign.submit(BOB), Error::<Test>::UnknownAnchor);
		// Anchored by a nonce rather than a block.
		payload.anchor = Anchor::Nonce(1);
		let nonce = Quadruple::of(&m, &v, Tee::with_evidence(payload));
		assert_noop!(nonce.submit(BOB), Error::<Test>::NotBlockAnchored);
	});
}

#[test]
fn wrong_genesis_domain_or_operator_is_refused_fails() {
	with_first_worker(|v| {
		let m = Tee::new(2);
		let mut payload = m.report(BOB).payload;
		payload.genesis_hash = H256::repeat_byte(1);
		let other_chain = Quadruple::of(&m, &v, Tee::with_evidence(payload.clone()));
		assert_noop!(other_chain.submit(BOB), Error::<Test>::WrongChain);

		let mut payload = m.report(BOB).payload;
		payload.domain = SigningDomain::Evidence;
		let other_domain = Quadruple::of(&m, &v, Tee::with_evidence(payload));
		assert_noop!(other_domain.submit(BOB), Error::<Test>::WrongDomain);

		// BOB's quadruple submitted by CHARLIE.
		assert_noop!(Quadruple::new(&m, &v, BOB).submit(CHARLIE), Error::<Test>::WrongOperator);
	});
}

#[test]
fn each_bad_signature_of_the_quadruple_is_named_fails() {
	with_first_worker(|v| {
		let m = Tee::new(2);
		let stranger = Tee::new(9);
		let q = || Quadruple::new(&m, &v, BOB);

		let mut bad = q();
		bad.report_signature = stranger.sign_report(&bad.report);
		assert_noop!(bad.submit(BOB), Error::<Test>::BadReportSignature);

		let mut bad = q();
		bad.endorsement = stranger.endorse(&bad.report);
		assert_noop!(bad.submit(BOB), Error::<Test>::BadEndorsement);

		let mut bad = q();
		bad.countersignature =
			m.countersign(&bad.report, v.key(), ed25519::Signature::from_raw([7; 64]));
		assert_noop!(bad.submit(BOB), Error::<Test>::BadCountersignature);

		// An endorsement of another report does not carry over.
		let mut bad = q();
		bad.endorsement = v.endorse(&m.report_at(BOB, 1));
		assert_noop!(bad.submit(BOB), Error::<Test>::BadEndorsement);
	});
}

#[test]
fn bad_evidence_is_refused_fails() {
	with_first_worker(|v| {
		let m = Tee::new(2);

		let mut report = m.report(BOB);
		report.evidence.signature[7] ^= 1;
		assert_noop!(
			Quadruple::of(&m, &v, report).submit(BOB),
			Error::<Test>::BadEvidenceSignature
		);

		// Evidence made for another report (its nonce names other keys).
		let mut report = m.report(BOB);
		report.evidence = Tee::new(3).report(BOB).evidence;
		assert_noop!(
			Quadruple::of(&m, &v, report).submit(BOB),
			Error::<Test>::EvidenceNonceMismatch
		);

		let mut report = m.report(BOB);
		report.evidence.measurement = [0xdd; 32];
		assert_noop!(
			Quadruple::of(&m, &v, report).submit(BOB),
			Error::<Test>::EvidenceMeasurementMismatch
		);

		// Even certified (a certifier may be fooled), a key too small for RSA is refused.
		let mut report = m.report(BOB);
		report.evidence.device_key.modulus = vec![0xff; 64].try_into().unwrap();
		report.certificate = certificate_of(
			&report.evidence.device_key,
			TeePlatform::Simulated,
			&certifier_seed(TeePlatform::Simulated),
		);
		assert_noop!(Quadruple::of(&m, &v, report).submit(BOB), Error::<Test>::BadDeviceKey);
	});
}

#[test]
fn endorser_must_be_another_active_worker_with_allowed_code_fails() {
	with_first_worker(|v| {
		let m = Tee::new(2);
		// Self-endorsement.
		let report = m.report(BOB);
		let selfie = Quadruple::of(&m, &m, report);
		assert_noop!(selfie.submit(BOB), Error::<Test>::SelfEndorsement);
		// An endorser that never registered.
		let ghost = Tee::new(5);
		assert_noop!(Quadruple::new(&m, &ghost, BOB).submit(BOB), Error::<Test>::UnknownEndorser);
		// The endorser's code is withdrawn.
		let mut other = Tee::new(3);
		other.measurement = [0xc1; 32];
		assert_ok!(Attestation::allow_code(RuntimeOrigin::root(), other.measurement, 100));
		// (An endorser vouches only for its own code: root bootstraps the other code's worker.)
		bootstrap(&other, CHARLIE);
		assert_ok!(Attestation::disallow_code(RuntimeOrigin::root(), other.measurement));
		assert_noop!(
			Quadruple::new(&m, &other, BOB).submit(BOB),
			Error::<Test>::EndorserCodeNotAllowed
		);
		// The same when its allowance runs out rather than being withdrawn.
		assert_ok!(Attestation::allow_code(RuntimeOrigin::root(), other.measurement, 5));
		run_to(5);
		assert_noop!(
			Quadruple::new(&m, &other, BOB).submit(BOB),
			Error::<Test>::EndorserCodeNotAllowed
		);
		// The endorser goes inactive: slot 0 registration, deadline slot 3.
		run_to(3 * SLOT);
		assert_noop!(Quadruple::new(&m, &v, BOB).submit(BOB), Error::<Test>::EndorserInactive);
	});
}

#[test]
fn simulated_platform_needs_the_simulation_flag_fails() {
	with_first_worker(|v| {
		let m = Tee::new(2);
		assert_ok!(Attestation::set_simulation(RuntimeOrigin::root(), false));
		assert_noop!(Quadruple::new(&m, &v, BOB).submit(BOB), Error::<Test>::SimulationDisabled);
		// A simulated worker no longer endorses either, even hardware.
		let mut hw = Tee::new(3);
		hw.platform = TeePlatform::OpTee;
		assert_noop!(
			Quadruple::new(&hw, &v, CHARLIE).submit(CHARLIE),
			Error::<Test>::EndorserSimulated
		);
		// OP-TEE workers are not affected by the flag.
		let mut root_of_trust = Tee::new(4);
		root_of_trust.platform = TeePlatform::OpTee;
		bootstrap(&root_of_trust, BOB);
		assert_ok!(Quadruple::new(&hw, &root_of_trust, CHARLIE).submit(CHARLIE));
		assert_noop!(
			Attestation::set_simulation(RuntimeOrigin::signed(ALICE), true),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn code_and_network_key_must_match_the_chain_fails() {
	with_first_worker(|v| {
		let mut m = Tee::new(2);
		m.measurement = [0xdd; 32];
		assert_noop!(Quadruple::new(&m, &v, BOB).submit(BOB), Error::<Test>::CodeNotAllowed);
		let mut m = Tee::new(2);
		m.network_key = network_key_fingerprint(&[9; 32]);
		assert_noop!(Quadruple::new(&m, &v, BOB).submit(BOB), Error::<Test>::NetworkKeyMismatch);
	});
}

#[test]
fn registration_needs_a_bootstrapped_chain_and_a_deposit_fails() {
	ExtBuilder::build_and_execute(|| {
		let v = Tee::new(1);
		let m = Tee::new(2);
		assert_noop!(Quadruple::new(&m, &v, BOB).submit(BOB), Error::<Test>::NotBootstrapped);
		bootstrap(&v, ALICE);
		run_to(3);
		assert_noop!(Quadruple::new(&m, &v, POOR).submit(POOR), Error::<Test>::InsufficientDeposit);
	});
}

#[test]
fn re_registration_supersedes_the_operators_old_worker_works() {
	with_first_worker(|v| {
		let first = Tee::new(2);
		assert_ok!(Quadruple::new(&first, &v, BOB).submit(BOB));
		run_to(4);
		let restarted = Tee::new(3);
		assert_ok!(Quadruple::new(&restarted, &v, BOB).submit(BOB));
		assert!(Workers::<Test>::get(first.key()).is_none());
		assert_eq!(OperatorWorker::<Test>::get(BOB), Some(restarted.key()));
		assert!(attestation_events()
			.contains(&Event::WorkerSuperseded { old: first.key(), new: restarted.key() }));
		// One deposit held, not two.
		assert_eq!(Balances::balance_on_hold(&crate::HoldReason::WorkerDeposit.into(), &BOB), 100);
	});
}

#[test]
fn a_simulated_endorser_cannot_launder_a_hardware_worker_fails() {
	with_first_worker(|v| {
		// While simulation is on, the operator of a simulated worker holds its keys in files:
		// it could endorse a made-up OP-TEE report that keeps counting once simulation is off.
		let mut fake_hw = Tee::new(2);
		fake_hw.platform = TeePlatform::OpTee;
		assert_noop!(
			Quadruple::new(&fake_hw, &v, BOB).submit(BOB),
			Error::<Test>::EndorserPlatformMismatch
		);
		// Nor does an endorser vouch for other code, even allowed code: its TA only hands the
		// network key to a TEE that runs its own.
		assert_ok!(Attestation::allow_code(RuntimeOrigin::root(), [0xdd; 32], 1000));
		let mut other_code = Tee::new(3);
		other_code.measurement = [0xdd; 32];
		assert_noop!(
			Quadruple::new(&other_code, &v, BOB).submit(BOB),
			Error::<Test>::EndorserMeasurementMismatch
		);
		// The same platform and code join.
		assert_ok!(Quadruple::new(&Tee::new(4), &v, BOB).submit(BOB));
	});
}
