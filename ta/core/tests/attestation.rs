//! Keys, sealed state, device certificates, reports, endorsement, network key export and
//! import, countersigning and work reports.

mod common;

use common::*;
use sp_core::{ed25519, H256};
use teeid_primitives::{
	attestation::{
		testing, DeviceCertificate, DeviceKey, ReportBody, ReportPayload, TeePlatform,
		WorkerReport, SIMULATED_CERTIFIER, SIMULATED_CERTIFIER_SEED,
	},
	signing::{Anchor, SigningDomain, SigningPayload},
};
use teeid_ta_core::{
	state::STATE_OBJECT,
	testing::{MemoryPlatform, TEST_MEASUREMENT},
	Ta,
};
use teeid_ta_protocol::{
	certificate::certify,
	command::{Endorsement, Report, WorkReportRequest},
	credential::verify_ed25519,
	Command, Reply, TaError, PROTOCOL_VERSION,
};

/// The secret seed of a certifier no TA here accepts.
const STRANGER_SEED: [u8; 32] = [0x5e; 32];

/// Another device's attestation key: the test device key with another modulus (certificates
/// name a key by its fingerprint, so it need not be a working RSA key).
fn another_device_key() -> DeviceKey {
	let key = testing::device_public_key();
	let mut modulus = key.modulus.to_vec();
	modulus[1] ^= 0x40;
	DeviceKey { exponent: key.exponent, modulus: modulus.try_into().expect("same length") }
}

/// The certificates a host could attach to a report or an endorsement by the test device that
/// no TA here may accept, by what is wrong with each: by a certifier no TA accepts, of another
/// device, with a forged signature, of the other platform, of another chain.
fn unacceptable_certificates() -> Vec<(&'static str, DeviceCertificate)> {
	let key = testing::device_public_key();
	let simulated = |platform, key: &DeviceKey, genesis| {
		certify(&SIMULATED_CERTIFIER_SEED, platform, key, genesis, 3)
	};
	let mut forged = simulated(TeePlatform::Simulated, &key, GENESIS);
	forged.signature.0[5] ^= 1;
	vec![
		(
			"by a certifier no TA accepts",
			certify(&STRANGER_SEED, TeePlatform::Simulated, &key, GENESIS, 3),
		),
		("of another device", simulated(TeePlatform::Simulated, &another_device_key(), GENESIS)),
		("with a forged signature", forged),
		("of the other platform", simulated(TeePlatform::OpTee, &key, GENESIS)),
		("of another chain", simulated(TeePlatform::Simulated, &key, ANCHOR)),
	]
}

fn endorse(
	v: &mut Ta<teeid_ta_core::testing::MemoryPlatform>,
	report: &teeid_ta_protocol::command::Report,
) -> Result<Endorsement, TaError> {
	call(v, Command::Endorse { report: report.clone() }).map(|reply| match reply {
		Reply::Endorsement(endorsement) => endorsement,
		other => panic!("{other:?}"),
	})
}

#[test]
fn keys_are_generated_once_and_survive_a_restart() {
	let first = bootstrapped(1);
	let identity = first.identity();
	assert_eq!(identity.platform, TeePlatform::Simulated);
	let restarted = Ta::start(first.stop()).unwrap();
	assert_eq!(restarted.identity(), identity);
	assert_ne!(ta(2).identity().signing_key, identity.signing_key);
}

#[test]
fn tampered_or_garbled_sealed_state_stops_the_ta() {
	let mut platform = bootstrapped(1).stop();
	platform.tampered.push(STATE_OBJECT.to_vec());
	assert!(matches!(Ta::start(platform.clone()), Err(TaError::SealedStateTampered)));

	platform.tampered.clear();
	platform.objects.insert(STATE_OBJECT.to_vec(), vec![9; 40]);
	assert!(matches!(Ta::start(platform), Err(TaError::SealedStateTampered)));
}

#[test]
fn a_failed_seal_changes_nothing() {
	let mut ta = ta(1);
	ta.platform_mut().failing_storage = true;
	assert_eq!(
		call(&mut ta, Command::CreateNetworkKey { genesis_hash: GENESIS }),
		Err(TaError::Storage)
	);
	assert_eq!(ta.identity().network_key, None);
	ta.platform_mut().failing_storage = false;
	ok(&mut ta, Command::CreateNetworkKey { genesis_hash: GENESIS });
	assert_eq!(
		call(&mut ta, Command::CreateNetworkKey { genesis_hash: GENESIS }),
		Err(TaError::NetworkKeyExists)
	);
}

#[test]
fn a_report_carries_evidence_and_the_tee_signature() {
	let mut ta = bootstrapped(1);
	let (report, signature) = sign_report(&mut ta, None);
	report.check_evidence().unwrap();
	let body = &report.payload.body;
	assert_eq!(body.signing_key, ta.identity().signing_key);
	assert_eq!(Some(&report.certificate), ta.identity().certificate.as_ref());
	assert_eq!(body.network_key, network_fingerprint(&ta));
	assert_eq!(body.operator, operator());
	verify_ed25519(&body.signing_key.0, &report.signing_bytes(), &signature).unwrap();

	assert_eq!(
		call(&mut ta, Command::SignReport(report_request(Some([1; 32])))),
		Err(TaError::WrongNetworkKey)
	);
	let mut other_chain = report_request(None);
	other_chain.genesis_hash = ANCHOR;
	assert_eq!(call(&mut ta, Command::SignReport(other_chain)), Err(TaError::WrongChain));
	assert_eq!(
		call(&mut self::ta(3), Command::SignReport(report_request(None))),
		Err(TaError::NoNetworkKey)
	);
}

#[test]
fn a_joining_tee_gets_endorsed_imports_the_key_and_countersigns() {
	let mut v = bootstrapped(1);
	let mut m = ta(2);
	let (report, _) = sign_report(&mut m, Some(network_fingerprint(&v)));
	let endorsement = endorse(&mut v, &report).unwrap();
	let endorser = v.identity().signing_key;
	assert_eq!(endorsement.endorser, endorser);
	verify_ed25519(
		&endorser.0,
		&report.endorsement(endorser).signing_bytes(),
		&endorsement.signature.0,
	)
	.unwrap();

	// Countersigning before the import is refused: M does not hold the key R names.
	let countersign = Command::Countersign {
		report: report.clone(),
		endorser,
		endorsement: endorsement.signature,
	};
	assert_eq!(call(&mut m, countersign.clone()), Err(TaError::NoNetworkKey));

	let imported = ok(
		&mut m,
		Command::ImportNetworkKey { report: report.clone(), endorsement: endorsement.clone() },
	);
	assert_eq!(imported, Reply::NetworkKey(v.identity().network_key.unwrap()));
	let Reply::Signature(countersignature) = ok(&mut m, countersign) else { panic!() };
	let m_key = m.identity().signing_key;
	verify_ed25519(
		&m_key.0,
		&report.countersignature(endorser, endorsement.signature).signing_bytes(),
		&countersignature.0,
	)
	.unwrap();

	// The imported key survives a restart and the TA can now endorse in turn.
	let mut m = Ta::start(m.stop()).unwrap();
	assert_eq!(m.identity().network_key, v.identity().network_key);
	let mut third = ta(3);
	let (report3, _) = sign_report(&mut third, Some(network_fingerprint(&v)));
	endorse(&mut m, &report3).unwrap();
}

#[test]
fn the_network_key_goes_only_to_an_attested_peer_of_the_same_code() {
	let mut v = bootstrapped(1);
	let fingerprint = network_fingerprint(&v);

	let mut other_code = ta(2);
	other_code.platform_mut().measurement = [0x55; 32];
	let mut other_code = Ta::start(other_code.stop()).unwrap();
	let (report, _) = sign_report(&mut other_code, Some(fingerprint));
	assert_eq!(endorse(&mut v, &report), Err(TaError::CodeMismatch));

	let mut m = ta(3);
	let (report, _) = sign_report(&mut m, Some(fingerprint));
	let mut forged = report.clone();
	forged.evidence.signature[10] ^= 1;
	assert_eq!(endorse(&mut v, &forged), Err(TaError::BadEvidence));
	let mut swapped_keys = report.clone();
	swapped_keys.payload.body.agreement_key = [0x44; 32];
	assert_eq!(endorse(&mut v, &swapped_keys), Err(TaError::BadEvidence));

	let (wrong_network, _) = sign_report(&mut ta(4), Some([9; 32]));
	assert_eq!(endorse(&mut v, &wrong_network), Err(TaError::WrongNetworkKey));
	let (own, _) = sign_report(&mut v, None);
	assert_eq!(endorse(&mut v, &own), Err(TaError::SelfEndorsement));
	assert_eq!(endorse(&mut ta(5), &report), Err(TaError::NoNetworkKey));
}

#[test]
fn an_export_is_imported_only_by_its_addressee_and_only_if_genuine() {
	let mut v = bootstrapped(1);
	let mut m = ta(2);
	let (report, _) = sign_report(&mut m, Some(network_fingerprint(&v)));
	let endorsement = endorse(&mut v, &report).unwrap();

	// Another TEE cannot use it: the report is not its own.
	let import =
		Command::ImportNetworkKey { report: report.clone(), endorsement: endorsement.clone() };
	assert_eq!(call(&mut ta(3), import), Err(TaError::NotOwnReport));

	// A box swapped for another, or evidence of other code, is refused.
	let mut forged = endorsement.clone();
	forged.network_key.ciphertext[0] ^= 1;
	assert_eq!(
		call(&mut m, Command::ImportNetworkKey { report: report.clone(), endorsement: forged }),
		Err(TaError::BadEvidence)
	);
	let mut other_code = endorsement.clone();
	other_code.evidence.measurement = [0x55; 32];
	assert_eq!(
		call(&mut m, Command::ImportNetworkKey { report: report.clone(), endorsement: other_code }),
		Err(TaError::CodeMismatch)
	);
	let mut bad_signature = endorsement.clone();
	bad_signature.signature.0[0] ^= 1;
	assert_eq!(
		call(
			&mut m,
			Command::ImportNetworkKey { report: report.clone(), endorsement: bad_signature }
		),
		Err(TaError::BadEndorsement)
	);
	assert_eq!(m.identity().network_key, None);

	ok(
		&mut m,
		Command::ImportNetworkKey { report: report.clone(), endorsement: endorsement.clone() },
	);
	// Only the endorser it imported from gets a countersignature.
	let mut w = ta(6);
	ok(&mut w, Command::CreateNetworkKey { genesis_hash: GENESIS });
	assert_eq!(
		call(
			&mut m,
			Command::Countersign {
				report,
				endorser: w.identity().signing_key,
				endorsement: endorsement.signature
			}
		),
		Err(TaError::BadEndorsement)
	);
}

#[test]
fn work_reports_count_what_was_issued_once_per_slot() {
	let mut ta = bootstrapped(1);
	issue(&mut ta, issuance(r#"{"name":"Alice","degree":"MSc"}"#));
	issue(&mut ta, issuance(r#"{"name":"Bob","degree":"BSc"}"#));
	let request = |slot, count| {
		Command::SignWorkReport(WorkReportRequest {
			slot,
			anchor_number: 10,
			anchor_hash: ANCHOR,
			credentials_root: sp_core::H256([5; 32]),
			credentials_count: count,
		})
	};
	assert_eq!(call(&mut ta, request(1, 3)), Err(TaError::CountExceedsIssued));
	let Reply::WorkReport { payload, signature } = ok(&mut ta, request(1, 2)) else { panic!() };
	assert_eq!(
		(payload.body.slot, payload.body.credentials_count, payload.body.issued_total),
		(1, 2, 2)
	);
	verify_ed25519(&ta.identity().signing_key.0, &payload.signing_bytes(), &signature.0).unwrap();
	assert_eq!(call(&mut ta, request(1, 0)), Err(TaError::SlotAlreadyReported));
	assert_eq!(call(&mut ta, request(2, 1)), Err(TaError::CountExceedsIssued));
	// The counters were sealed with the report.
	let mut ta = Ta::start(ta.stop()).unwrap();
	assert_eq!(ta.identity().issued_total, 2);
	assert_eq!(call(&mut ta, request(1, 0)), Err(TaError::SlotAlreadyReported));
}

#[test]
fn any_input_gets_an_answer_never_a_panic() {
	let mut ta = bootstrapped(1);
	let mut state = 0x2545_f491_4f6c_dd1d_u64;
	for round in 0..2_000 {
		let len = round % 300;
		let bytes: Vec<u8> = (0..len)
			.map(|i| {
				state ^= state << 13;
				state ^= state >> 7;
				state ^= state << 17;
				// Start like a real request half of the time, so decoding goes deep.
				if i < 2 && round % 2 == 0 {
					PROTOCOL_VERSION.to_le_bytes()[i]
				} else {
					state as u8
				}
			})
			.collect();
		let response = teeid_ta_protocol::decode_response(&ta.invoke(&bytes));
		assert!(response.is_ok(), "round {round}");
	}
}

#[test]
fn a_certificate_of_this_device_is_installed_and_sealed_works() {
	let mut ta = unprovisioned(1);
	let Reply::DeviceKey { platform, key } = ok(&mut ta, Command::DeviceKey) else { panic!() };
	assert_eq!((platform, &key), (TeePlatform::Simulated, &testing::device_public_key()));
	assert_eq!(ta.identity().certificate, None);

	let certificate = certify(&SIMULATED_CERTIFIER_SEED, platform, &key, GENESIS, 1);
	assert_eq!(
		ok(&mut ta, Command::InstallCertificate(certificate.clone())),
		Reply::CertificateInstalled
	);
	assert_eq!(ta.identity().certificate, Some(certificate.clone()));
	// Provisioning again replaces it: by another accepted certifier, here.
	let again = certificate_for(&mut ta, &testing::TEST_CERTIFIER_SEED, GENESIS);
	ok(&mut ta, Command::InstallCertificate(again.clone()));
	let ta = Ta::start(ta.stop()).unwrap();
	assert_eq!(ta.identity().certificate, Some(again));
}

#[test]
fn a_certificate_not_for_this_device_platform_chain_or_certifier_is_not_installed_fails() {
	let mut ta = bootstrapped(1);
	let installed = ta.identity().certificate;
	for (what, certificate) in unacceptable_certificates() {
		assert_eq!(
			call(&mut ta, Command::InstallCertificate(certificate)),
			Err(TaError::BadCertificate),
			"a certificate {what}"
		);
	}
	assert_eq!(ta.identity().certificate, installed, "nothing was installed");

	// Before it holds a network key, a TA takes a certificate for any chain; then it reports
	// only for that chain.
	let mut joiner = unprovisioned(2);
	provision(&mut joiner, &SIMULATED_CERTIFIER_SEED, ANCHOR);
	assert_eq!(
		call(&mut joiner, Command::SignReport(report_request(Some(network_fingerprint(&ta))))),
		Err(TaError::WrongChain)
	);

	// A TA built to accept no certifier accepts no certificate, not even its own device's.
	let mut platform = MemoryPlatform::new(3);
	platform.accepted_certifiers.clear();
	let mut nobody = Ta::start(platform).unwrap();
	let own = certificate_for(&mut nobody, &SIMULATED_CERTIFIER_SEED, GENESIS);
	assert_eq!(call(&mut nobody, Command::InstallCertificate(own)), Err(TaError::BadCertificate));
}

#[test]
fn a_report_without_a_certificate_is_not_signed_fails() {
	let mut ta = unprovisioned(1);
	ok(&mut ta, Command::CreateNetworkKey { genesis_hash: GENESIS });
	assert_eq!(call(&mut ta, Command::SignReport(report_request(None))), Err(TaError::Uncertified));
	let mut joiner = unprovisioned(2);
	assert_eq!(
		call(&mut joiner, Command::SignReport(report_request(Some(network_fingerprint(&ta))))),
		Err(TaError::Uncertified)
	);
}

/// R of a device the host made up: keys it holds, the code's measurement, evidence signed by
/// an RSA key it holds (the test device key, whose private half is public), and `certificate`.
fn fabricated_report(network_key: [u8; 32], certificate: DeviceCertificate) -> Report {
	let payload: ReportPayload<_> = SigningPayload {
		domain: SigningDomain::WorkerReport,
		genesis_hash: GENESIS,
		anchor: Anchor::Block { number: 7, hash: ANCHOR },
		body: ReportBody {
			platform: TeePlatform::Simulated,
			signing_key: ed25519::Public::from_raw([0x66; 32]),
			agreement_key: [0x67; 32],
			measurement: TEST_MEASUREMENT,
			operator: operator(),
			network_key,
		},
	};
	let evidence = testing::evidence(TEST_MEASUREMENT, WorkerReport::evidence_nonce(&payload));
	WorkerReport { payload, evidence, certificate }
}

/// The attack of issue 21: a host asks its TA to endorse a device it made up, to have the
/// network key sealed to an X25519 key it holds. Its evidence verifies; its certificate is
/// what no TA accepts.
#[test]
fn a_fabricated_device_is_not_endorsed_fails() {
	let mut v = bootstrapped(1);
	let fingerprint = network_fingerprint(&v);
	for (what, certificate) in unacceptable_certificates() {
		let report = fabricated_report(fingerprint, certificate);
		assert_eq!(report.evidence.verify_signature(), Ok(()), "{what}");
		assert_eq!(
			endorse(&mut v, &report),
			Err(TaError::UncertifiedDevice),
			"a device whose certificate is {what}"
		);
	}
	// A genuine report of a certified device with any of those certificates instead.
	let (genuine, _) = sign_report(&mut ta(2), Some(fingerprint));
	for (what, certificate) in unacceptable_certificates() {
		let mut report = genuine.clone();
		report.certificate = certificate;
		assert_eq!(endorse(&mut v, &report), Err(TaError::UncertifiedDevice), "{what}");
	}
	endorse(&mut v, &genuine).expect("the genuine report is endorsed");

	// And a TA that accepts only other certifiers refuses a certificate by the simulated one.
	let mut platform = v.stop();
	platform.accepted_certifiers = vec![[0x99; 32]];
	let mut v = Ta::start(platform).unwrap();
	assert_eq!(endorse(&mut v, &genuine), Err(TaError::UncertifiedDevice));
}

#[test]
fn an_uncertified_endorser_does_not_endorse_fails() {
	let mut v = unprovisioned(1);
	ok(&mut v, Command::CreateNetworkKey { genesis_hash: GENESIS });
	let (report, _) = sign_report(&mut ta(2), Some(network_fingerprint(&v)));
	assert_eq!(endorse(&mut v, &report), Err(TaError::Uncertified));
}

#[test]
fn a_network_key_from_an_uncertified_endorser_is_not_imported_fails() {
	// V's device is certified by the test certifier, which V's code accepts and M's does not.
	let mut v = bootstrapped(1);
	provision(&mut v, &testing::TEST_CERTIFIER_SEED, GENESIS);
	let mut platform = MemoryPlatform::new(2);
	platform.accepted_certifiers = vec![SIMULATED_CERTIFIER];
	let mut m = Ta::start(platform).unwrap();
	provision(&mut m, &SIMULATED_CERTIFIER_SEED, GENESIS);
	let (report, _) = sign_report(&mut m, Some(network_fingerprint(&v)));
	let endorsement = endorse(&mut v, &report).expect("V accepts M's certifier");
	let import = |endorsement: Endorsement| Command::ImportNetworkKey {
		report: report.clone(),
		endorsement,
	};
	assert_eq!(call(&mut m, import(endorsement.clone())), Err(TaError::UncertifiedDevice));
	// Nor with a certificate the host swapped in.
	for (what, certificate) in unacceptable_certificates() {
		let mut swapped = endorsement.clone();
		swapped.certificate = certificate;
		assert_eq!(
			call(&mut m, import(swapped)),
			Err(TaError::UncertifiedDevice),
			"an endorser's certificate {what}"
		);
	}
	assert_eq!(m.identity().network_key, None);

	// Certified by the simulated certifier, V's export is imported.
	provision(&mut v, &SIMULATED_CERTIFIER_SEED, GENESIS);
	let endorsement = endorse(&mut v, &report).unwrap();
	assert_eq!(endorsement.certificate.certifier.0, SIMULATED_CERTIFIER);
	ok(&mut m, import(endorsement));
	assert_eq!(m.identity().network_key, v.identity().network_key);
}

#[test]
fn a_work_report_advances_the_newest_block_to_its_anchor_works() {
	let mut ta = bootstrapped(1);
	assert_eq!(ta.identity().newest_block, 0);
	let report = |slot, anchor_number| {
		Command::SignWorkReport(WorkReportRequest {
			slot,
			anchor_number,
			anchor_hash: ANCHOR,
			credentials_root: H256([5; 32]),
			credentials_count: 0,
		})
	};
	ok(&mut ta, report(1, 30));
	assert_eq!(ta.identity().newest_block, 30);
	// Never back.
	ok(&mut ta, report(2, 20));
	assert_eq!(ta.identity().newest_block, 30);
	let ta = Ta::start(ta.stop()).unwrap();
	assert_eq!(ta.identity().newest_block, 30);
}
