//! Device certifiers: who lists them, the certificates registration requires, and workers that
//! stop counting when their certifier goes.

use crate::{mock::*, DeviceCertifiers, Error, Event, Workers};
use frame_support::{assert_noop, assert_ok};
use sp_core::{ed25519, H256};
use sp_runtime::DispatchError;
use teeid_primitives::attestation::{testing, TeePlatform};

/// The certifier of the mock's simulated devices.
fn simulated_certifier() -> crate::CertifierKey {
	certifier_key(&certifier_seed(TeePlatform::Simulated))
}

fn submit_work(
	report: (crate::WorkReportOf<Test>, ed25519::Signature),
) -> sp_runtime::DispatchResult {
	Attestation::submit_work_report(RuntimeOrigin::signed(STRANGER), report.0, report.1)
}

#[test]
fn root_lists_moves_and_removes_device_certifiers_works() {
	ExtBuilder::build_and_execute(|| {
		let certifier = certifier_key(&[0xaa; 32]);
		assert_ok!(Attestation::add_device_certifier(
			RuntimeOrigin::root(),
			certifier,
			TeePlatform::OpTee
		));
		assert_eq!(DeviceCertifiers::<Test>::get(certifier), Some(TeePlatform::OpTee));
		assert!(Attestation::certifier_listed(&certifier, TeePlatform::OpTee));
		System::assert_last_event(
			Event::DeviceCertifierAdded { certifier, platform: TeePlatform::OpTee }.into(),
		);
		// Listing it again moves it to the other platform, and takes no more room.
		assert_ok!(Attestation::add_device_certifier(
			RuntimeOrigin::root(),
			certifier,
			TeePlatform::Simulated
		));
		assert!(!Attestation::certifier_listed(&certifier, TeePlatform::OpTee));
		assert!(Attestation::certifier_listed(&certifier, TeePlatform::Simulated));
		assert_eq!(DeviceCertifiers::<Test>::count(), 3);
		assert_ok!(Attestation::remove_device_certifier(RuntimeOrigin::root(), certifier));
		assert!(!DeviceCertifiers::<Test>::contains_key(certifier));
		assert_eq!(DeviceCertifiers::<Test>::count(), 2);
		System::assert_last_event(Event::DeviceCertifierRemoved { certifier }.into());
	});
}

#[test]
fn device_certifier_changes_need_root_room_and_a_listed_key_fails() {
	ExtBuilder::build_and_execute(|| {
		let certifier = certifier_key(&[0xaa; 32]);
		assert_noop!(
			Attestation::add_device_certifier(
				RuntimeOrigin::signed(ALICE),
				certifier,
				TeePlatform::OpTee
			),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Attestation::remove_device_certifier(
				RuntimeOrigin::signed(ALICE),
				simulated_certifier()
			),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Attestation::remove_device_certifier(RuntimeOrigin::root(), certifier),
			Error::<Test>::UnknownDeviceCertifier
		);
		// Two listed from genesis; fill up to MaxDeviceCertifiers (16).
		for i in 0..14u8 {
			assert_ok!(Attestation::add_device_certifier(
				RuntimeOrigin::root(),
				ed25519::Public::from_raw([i; 32]),
				TeePlatform::OpTee
			));
		}
		assert_noop!(
			Attestation::add_device_certifier(RuntimeOrigin::root(), certifier, TeePlatform::OpTee),
			Error::<Test>::TooManyDeviceCertifiers
		);
		// A listed one still moves when the list is full.
		assert_ok!(Attestation::add_device_certifier(
			RuntimeOrigin::root(),
			ed25519::Public::from_raw([0; 32]),
			TeePlatform::Simulated
		));
	});
}

#[test]
fn a_worker_records_its_certifier_and_the_api_shows_it_works() {
	with_first_worker(|v| {
		let worker = Workers::<Test>::get(v.key()).unwrap();
		assert_eq!(worker.certifier, simulated_certifier());
		assert!(Attestation::worker_view(v.key()).unwrap().certified);
		let mut listed = Attestation::device_certifiers();
		listed.sort_by_key(|(key, _)| *key);
		let mut expected = vec![
			(simulated_certifier(), TeePlatform::Simulated),
			(certifier_key(&OPTEE_CERTIFIER_SEED), TeePlatform::OpTee),
		];
		expected.sort_by_key(|(key, _)| *key);
		assert_eq!(listed, expected);
		assert_ok!(Attestation::remove_device_certifier(
			RuntimeOrigin::root(),
			simulated_certifier()
		));
		let view = Attestation::worker_view(v.key()).unwrap();
		assert!(!view.certified);
		// Active and of allowed code still, but it does not count.
		assert!(view.active && view.code_allowed);
		assert!(!Attestation::counts(&view.info));
		assert_eq!(
			Attestation::device_certifiers(),
			vec![(certifier_key(&OPTEE_CERTIFIER_SEED), TeePlatform::OpTee)]
		);
	});
}

#[test]
fn a_fabricated_device_is_refused_by_name_fails() {
	with_first_worker(|v| {
		let m = Tee::new(2);
		let genesis = System::block_hash(0);

		let listed_seed = certifier_seed(TeePlatform::Simulated);
		let mut other_device = testing::device_public_key();
		other_device.modulus[10] ^= 1;
		let mut forged = testing::certificate(TeePlatform::Simulated, genesis, &listed_seed);
		forged.signature = ed25519::Signature::from_raw([7; 64]);
		let mut altered = testing::certificate(TeePlatform::Simulated, genesis, &listed_seed);
		altered.payload.anchor = teeid_primitives::signing::Anchor::Nonce(2);
		let fabricated = [
			(
				"a certifier nobody listed: the host made it up",
				testing::certificate(TeePlatform::Simulated, genesis, &[0x66; 32]),
				Error::<Test>::UncertifiedDevice,
			),
			(
				"a certifier listed, but for the other platform's devices",
				testing::certificate(TeePlatform::Simulated, genesis, &OPTEE_CERTIFIER_SEED),
				Error::<Test>::UncertifiedDevice,
			),
			(
				"another device's genuine certificate by the listed certifier",
				certificate_of(&other_device, TeePlatform::Simulated, &listed_seed),
				Error::<Test>::BadDeviceCertificate,
			),
			(
				"this device, by the listed certifier, as a device of the other platform",
				testing::certificate(TeePlatform::OpTee, genesis, &listed_seed),
				Error::<Test>::BadDeviceCertificate,
			),
			(
				"this device, by the listed certifier, on another chain",
				testing::certificate(TeePlatform::Simulated, H256::repeat_byte(9), &listed_seed),
				Error::<Test>::BadDeviceCertificate,
			),
			(
				"a forged signature in the listed certifier's name",
				forged,
				Error::<Test>::BadCertificateSignature,
			),
			(
				"a genuine signature over another serial",
				altered,
				Error::<Test>::BadCertificateSignature,
			),
		];
		for (case, certificate, error) in fabricated {
			let mut report = m.report(BOB);
			report.certificate = certificate;
			let before = sp_io::storage::root(sp_runtime::StateVersion::V1);
			let submitted = Quadruple::of(&m, &v, report).submit(BOB);
			assert_eq!(submitted, Err(error.into()), "{case}");
			let after = sp_io::storage::root(sp_runtime::StateVersion::V1);
			assert_eq!(before, after, "{case}: storage changed");
		}

		// The same device with its genuine certificate joins.
		assert_ok!(Quadruple::new(&m, &v, BOB).submit(BOB));
	});
}

#[test]
fn root_cannot_bootstrap_an_uncertified_device_fails() {
	ExtBuilder::build_and_execute(|| {
		let tee = Tee::new(1);
		// A certifier nobody listed, and a forged signature in the listed one's name.
		let unlisted =
			testing::certificate(TeePlatform::Simulated, System::block_hash(0), &[0x66; 32]);
		let mut forged = tee.report(ALICE).certificate;
		forged.signature = ed25519::Signature::from_raw([7; 64]);
		for (certificate, error) in [
			(unlisted, Error::<Test>::UncertifiedDevice),
			(forged, Error::<Test>::BadCertificateSignature),
		] {
			let mut report = tee.report(ALICE);
			report.certificate = certificate;
			let signature = tee.sign_report(&report);
			assert_noop!(
				Attestation::bootstrap_worker(
					RuntimeOrigin::root(),
					Box::new(report),
					signature,
					NETWORK_KEY
				),
				error
			);
		}
	});
}

#[test]
fn removing_a_certifier_stops_its_workers_reporting_and_endorsing_fails() {
	with_first_worker(|v| {
		assert_ok!(Attestation::remove_device_certifier(
			RuntimeOrigin::root(),
			simulated_certifier()
		));
		assert_noop!(submit_work(v.work_report(0, &[], 0)), Error::<Test>::WorkerUncertified);
		// No simulated device registers any more either.
		assert_noop!(
			Quadruple::new(&Tee::new(2), &v, BOB).submit(BOB),
			Error::<Test>::UncertifiedDevice
		);
		// Listed again, its workers count again.
		assert_ok!(Attestation::add_device_certifier(
			RuntimeOrigin::root(),
			simulated_certifier(),
			TeePlatform::Simulated
		));
		assert_ok!(submit_work(v.work_report(0, &[], 0)));
		assert_ok!(Quadruple::new(&Tee::new(2), &v, BOB).submit(BOB));
	});
}

#[test]
fn an_endorser_whose_certifier_is_removed_cannot_endorse_fails() {
	with_first_worker(|_| {
		// A second certifier of simulated devices certifies the endorser; the joiner's
		// certificate is by the first.
		let second = [0x77; 32];
		assert_ok!(Attestation::add_device_certifier(
			RuntimeOrigin::root(),
			certifier_key(&second),
			TeePlatform::Simulated
		));
		let v = Tee::new(3);
		let mut report = v.report(CHARLIE);
		report.certificate =
			testing::certificate(TeePlatform::Simulated, System::block_hash(0), &second);
		let signature = v.sign_report(&report);
		assert_ok!(Attestation::bootstrap_worker(
			RuntimeOrigin::root(),
			Box::new(report),
			signature,
			NETWORK_KEY
		));
		assert_eq!(Workers::<Test>::get(v.key()).unwrap().certifier, certifier_key(&second));

		assert_ok!(Attestation::remove_device_certifier(
			RuntimeOrigin::root(),
			certifier_key(&second)
		));
		let m = Tee::new(2);
		assert_noop!(Quadruple::new(&m, &v, BOB).submit(BOB), Error::<Test>::EndorserUncertified);
	});
}

#[test]
fn moving_a_certifier_to_another_platform_stops_its_workers_counting_works() {
	with_first_worker(|v| {
		assert_ok!(Attestation::add_device_certifier(
			RuntimeOrigin::root(),
			simulated_certifier(),
			TeePlatform::OpTee
		));
		assert!(!Attestation::worker_view(v.key()).unwrap().certified);
		assert_noop!(submit_work(v.work_report(0, &[], 0)), Error::<Test>::WorkerUncertified);
	});
}
