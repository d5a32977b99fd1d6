//! Keys, sealed state, reports, endorsement, network key export and import, countersigning
//! and work reports.

mod common;

use common::*;
use teeid_primitives::attestation::TeePlatform;
use teeid_ta_core::{state::STATE_OBJECT, Ta};
use teeid_ta_protocol::{
	command::{Endorsement, WorkReportRequest},
	credential::verify_ed25519,
	Command, Reply, TaError,
};

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
				if i == 0 && round % 2 == 0 {
					1
				} else if i == 1 && round % 2 == 0 {
					0
				} else {
					state as u8
				}
			})
			.collect();
		let response = teeid_ta_protocol::decode_response(&ta.invoke(&bytes));
		assert!(response.is_ok(), "round {round}");
	}
}
