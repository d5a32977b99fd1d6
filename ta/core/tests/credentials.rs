//! Issuance (format, schema checks, sealed claims) and presentations with selective
//! disclosure.

mod common;

use common::*;
use ed25519_dalek::Signer;
use teeid_primitives::{data_integrity, json::Value};
use teeid_ta_protocol::{
	credential::{self, verify_tee_proof, Claims, SchemaRef},
	disclosure::{self, verify_presentation, PresentationRequest},
	sealed::{self, Purpose},
	Command, Reply, TaError,
};

fn json(bytes: &[u8]) -> Value {
	Value::parse(bytes).expect("the TA writes JSON")
}

/// Replaces the string claim `name` of the subject of `document` (a credential or a derived
/// one) with `value`.
fn forge(document: &Value, name: &str, value: &str) -> Value {
	let Value::Object(mut members) = document.clone() else { panic!() };
	for (member, subject) in members.iter_mut() {
		if member == "credentialSubject" {
			let Value::Object(claims) = subject else { panic!() };
			for (claim, v) in claims.iter_mut() {
				if claim == name {
					*v = Value::String(value.into());
				}
			}
		}
	}
	Value::Object(members)
}

#[test]
fn a_credential_has_the_data_model_2_shape_and_verifies() {
	let mut ta = bootstrapped(1);
	let credential =
		json(&issue(&mut ta, issuance(r#"{"name":"Alice","degree":"MSc","year":2026}"#)));
	let key = ta.identity().signing_key.0;
	let text = |path: &[&str]| {
		let mut value = &credential;
		for name in path {
			value = value.get(name).unwrap_or_else(|| panic!("{path:?}"));
		}
		value.as_str().map(String::from)
	};
	assert_eq!(text(&["issuer"]).unwrap(), ISSUER);
	assert_eq!(text(&["credentialSubject", "id"]).unwrap(), HOLDER);
	assert_eq!(text(&["credentialSubject", "name"]).unwrap(), "Alice");
	assert_eq!(text(&["credentialSchema", "type"]).unwrap(), "JsonSchema");
	// The chain's record first, then the entry of the issuer's Bitstring Status List.
	let Some(Value::Array(status)) = credential.get("credentialStatus") else { panic!() };
	assert_eq!(status.len(), 2);
	let member =
		|entry: &Value, name: &str| entry.get(name).and_then(Value::as_str).map(String::from);
	let record = credential::status_evidence(&GENESIS, &text(&["id"]).unwrap());
	let record = credential::hex0x(record.as_bytes());
	assert_eq!(member(&status[0], "type").unwrap(), credential::STATUS_TYPE);
	assert_eq!(member(&status[0], "id").unwrap(), format!("urn:teeid:evidence:{record}"));
	assert_eq!(member(&status[0], "evidence").unwrap(), record);
	assert_eq!(member(&status[0], "chain").unwrap(), credential::hex0x(GENESIS.as_bytes()));
	assert_eq!(member(&status[1], "type").unwrap(), "BitstringStatusListEntry");
	assert_eq!(member(&status[1], "id").unwrap(), format!("{STATUS_LIST}#{STATUS_INDEX}"));
	assert_eq!(member(&status[1], "statusListIndex").unwrap(), STATUS_INDEX.to_string());
	assert_eq!(member(&status[1], "statusListCredential").unwrap(), STATUS_LIST);
	for entry in status {
		assert_eq!(member(entry, "statusPurpose").unwrap(), "revocation");
	}
	assert_eq!(text(&["proof", "cryptosuite"]).unwrap(), "eddsa-jcs-2022");
	let Some(Value::Array(evidence)) = credential.get("evidence") else { panic!() };
	assert_eq!(evidence[0].get("platform").and_then(Value::as_str), Some("Simulated"));
	// The block it was issued against, in what is signed.
	assert_eq!(evidence[0].get("blockNumber"), Some(&Value::Number(f64::from(BLOCK_NUMBER))));
	assert_eq!(
		evidence[0].get("blockHash").and_then(Value::as_str),
		Some(credential::hex0x(BLOCK_HASH.as_bytes()).as_str())
	);
	assert_eq!(
		text(&["proof", "verificationMethod"]).unwrap(),
		credential::verification_method(ISSUER, &key)
	);

	let (input, signer) = verify_tee_proof(&credential).unwrap();
	assert_eq!(signer, key);
	assert_eq!(input.proof_purpose, "assertionMethod");
	assert!(verify_tee_proof(&forge(&credential, "name", "Mallory")).is_err());
	assert_eq!(ta.identity().issued_total, 1);
	assert_eq!(ta.identity().newest_block, BLOCK_NUMBER);
}

/// `document` with `evidence[0].blockNumber` set to `number`.
fn redate(document: &Value, number: u32) -> Value {
	let Some(Value::Array(evidence)) = document.get("evidence") else { panic!() };
	let Value::Object(mut entry) = evidence[0].clone() else { panic!() };
	for (name, value) in entry.iter_mut() {
		if name == "blockNumber" {
			*value = Value::Number(f64::from(number));
		}
	}
	with_members(document, vec![("evidence", Value::Array(vec![Value::Object(entry)]))])
}

#[test]
fn an_issuance_against_a_block_older_than_the_newest_seen_fails() {
	let mut ta = bootstrapped(1);
	let at = |number: u32| {
		let mut request = issuance(r#"{"name":"Alice","degree":"MSc"}"#);
		request.block_number = number;
		Command::IssueCredential(request)
	};
	ok(&mut ta, at(BLOCK_NUMBER));
	let stale = Err(TaError::StaleBlock { newest: BLOCK_NUMBER });
	assert_eq!(call(&mut ta, at(BLOCK_NUMBER - 1)), stale);
	assert!(call(&mut ta, at(BLOCK_NUMBER)).is_ok(), "the newest block itself is not stale");
	// A work report advances the newest block to its anchor, sealed: after a restart too.
	ok(
		&mut ta,
		Command::SignWorkReport(teeid_ta_protocol::command::WorkReportRequest {
			slot: 1,
			anchor_number: 30,
			anchor_hash: ANCHOR,
			credentials_root: sp_core::H256([5; 32]),
			credentials_count: 2,
		}),
	);
	assert_eq!(call(&mut ta, at(29)), Err(TaError::StaleBlock { newest: 30 }));
	let mut ta = teeid_ta_core::Ta::start(ta.stop()).unwrap();
	assert_eq!(call(&mut ta, at(29)), Err(TaError::StaleBlock { newest: 30 }));
	assert_eq!(ta.identity().issued_total, 2, "a stale issuance counts nothing");
	let credential = match ok(&mut ta, at(31)) {
		Reply::Credential(issued) => json(&issued.credential),
		other => panic!("{other:?}"),
	};
	let Some(Value::Array(evidence)) = credential.get("evidence") else { panic!() };
	assert_eq!(evidence[0].get("blockNumber"), Some(&Value::Number(31.0)));
	assert_eq!(ta.identity().newest_block, 31);
}

#[test]
fn salts_come_from_a_seed_the_ta_picks_not_from_the_request() {
	let mut ta = bootstrapped(1);
	// The same request (same credential id, same claims) twice: the host cannot make two
	// credentials share salts, so presenting one never reveals the salts of the other.
	let request = issuance(r#"{"name":"Alice","degree":"MSc"}"#);
	let (a, b) = (json(&issue(&mut ta, request.clone())), json(&issue(&mut ta, request)));
	let member = |c: &Value, name: &str| c.get("disclosure").unwrap().get(name).cloned();
	assert_ne!(member(&a, "saltSeed"), member(&b, "saltSeed"));
	assert_ne!(member(&a, "root"), member(&b, "root"));
}

#[test]
fn claims_that_violate_the_schema_are_refused() {
	let mut ta = bootstrapped(1);
	for (claims, claim) in [
		(r#"{"name":"Alice"}"#, "degree"),
		(r#"{"name":"Alice","degree":"MSc","year":"2026"}"#, "year"),
		(r#"{"name":42,"degree":"MSc"}"#, "name"),
		(r#"{"id":"did:x:y","name":"Alice","degree":"MSc"}"#, "id"),
	] {
		match call(&mut ta, Command::IssueCredential(issuance(claims))) {
			Err(TaError::SchemaViolation { claim: c, .. }) => assert_eq!(c, claim, "{claims}"),
			other => panic!("{claims}: {other:?}"),
		}
	}
	assert_eq!(call(&mut ta, Command::IssueCredential(issuance("[1]"))), Err(TaError::BadClaims));
	assert_eq!(call(&mut ta, Command::IssueCredential(issuance("{"))), Err(TaError::BadClaims));
	let mut bad_schema = issuance(r#"{"name":"Alice","degree":"MSc"}"#);
	bad_schema.schema =
		SchemaRef { id: "urn:teeid:cpt:1".into(), schema: br#"{"type":"array"}"#.to_vec() };
	assert_eq!(call(&mut ta, Command::IssueCredential(bad_schema)), Err(TaError::BadSchema));
	let mut bad_time = issuance(r#"{"name":"Alice","degree":"MSc"}"#);
	bad_time.valid_until = Some("2025-01-01T00:00:00Z".into());
	assert_eq!(call(&mut ta, Command::IssueCredential(bad_time)), Err(TaError::BadTimestamp));
	let mut bad_issuer = issuance(r#"{"name":"Alice","degree":"MSc"}"#);
	bad_issuer.issuer = "did:web:example.com".into();
	assert!(matches!(
		call(&mut ta, Command::IssueCredential(bad_issuer)),
		Err(TaError::BadIdentifier(_))
	));
	assert_eq!(ta.identity().issued_total, 0);
}

#[test]
fn sealed_claims_are_opened_inside_the_ta() {
	let mut ta = bootstrapped(1);
	let agreement = ta.identity().agreement_key;
	let claims = br#"{"name":"Alice","degree":"PhD"}"#;
	let mut request = issuance("{}");
	request.claims = Claims::Sealed(
		sealed::seal(Purpose::Claims, &agreement, [3; 32], claims, ISSUER.as_bytes()).unwrap(),
	);
	let credential = json(&issue(&mut ta, request.clone()));
	assert_eq!(
		credential.get("credentialSubject").unwrap().get("degree").unwrap().as_str(),
		Some("PhD")
	);

	// Sealed for another issuer (associated data) or another TEE, they do not open.
	request.issuer = "did:teeid:5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y".into();
	assert_eq!(call(&mut ta, Command::IssueCredential(request)), Err(TaError::BadClaims));
}

fn ten_claims() -> String {
	let claims: Vec<String> = (0..10).map(|i| format!(r#""claim{i}":"value {i}""#)).collect();
	format!("{{{}}}", claims.join(","))
}

fn presentation_request(credential: Vec<u8>, disclose: &[&str]) -> PresentationRequest {
	PresentationRequest {
		credential,
		holder: HOLDER.into(),
		disclose: disclose.iter().map(|s| s.to_string()).collect(),
		challenge: "c-81a2".into(),
		domain: "verifier.example".into(),
		created: "2026-11-21T11:00:00Z".into(),
	}
}

fn present(
	ta: &mut teeid_ta_core::Ta<teeid_ta_core::testing::MemoryPlatform>,
	request: PresentationRequest,
) -> Result<Value, TaError> {
	call(ta, Command::Present(request)).map(|reply| match reply {
		Reply::Presentation(bytes) => json(&bytes),
		other => panic!("{other:?}"),
	})
}

fn open_schema_issuance(claims: &str) -> teeid_ta_protocol::credential::IssuanceRequest {
	let mut request = issuance(claims);
	request.schema.schema = br#"{"type":"object"}"#.to_vec();
	request
}

#[test]
fn a_presentation_of_two_of_ten_claims_verifies_and_a_forged_one_does_not() {
	let mut issuer_ta = bootstrapped(1);
	let credential = issue(&mut issuer_ta, open_schema_issuance(&ten_claims()));
	let key = issuer_ta.identity().signing_key.0;

	let vp =
		present(&mut issuer_ta, presentation_request(credential.clone(), &["claim3", "claim7"]))
			.unwrap();
	let verified = verify_presentation(&vp, "c-81a2", "verifier.example").unwrap();
	assert_eq!(verified.holder, HOLDER);
	assert_eq!(verified.holder_key, key);
	assert_eq!(verified.credentials.len(), 1);
	assert_eq!(verified.credentials[0].issuer, ISSUER);
	assert_eq!(verified.credentials[0].issuer_key, key);
	assert_eq!(verified.credentials[0].subject, HOLDER);
	let claims: Vec<(String, Option<&str>)> =
		verified.credentials[0].claims.iter().map(|(n, v)| (n.clone(), v.as_str())).collect();
	assert_eq!(
		claims,
		vec![("claim3".into(), Some("value 3")), ("claim7".into(), Some("value 7"))]
	);
	// Nothing else is disclosed.
	let derived = &verified.credentials[0];
	assert_eq!(derived.claims.len(), 2);
	assert!(!String::from_utf8(vp.to_canonical()).unwrap().contains("value 5"));

	// Another challenge, a forged claim value (with the presentation re-signed or not), or a
	// derived credential moved into another presentation: all fail.
	assert!(verify_presentation(&vp, "other", "verifier.example").is_err());
	let Some(Value::Array(credentials)) = vp.get("verifiableCredential") else { panic!() };
	let forged = forge(&credentials[0], "claim3", "value 4");
	assert_eq!(
		disclosure::verify_derived(&forged),
		Err(disclosure::DisclosureError::BadMerkleProof)
	);
	assert!(disclosure::verify_derived(&credentials[0]).is_ok());
	// The derived credential names the block the credential was issued against, signed in its
	// base: another block breaks `baseProof`.
	assert_eq!(credentials[0].get("evidence"), json(&credential).get("evidence"));
	assert!(matches!(
		disclosure::verify_derived(&redate(&credentials[0], BLOCK_NUMBER - 1)),
		Err(disclosure::DisclosureError::Proof(_))
	));
	let Value::Object(mut members) = vp.clone() else { panic!() };
	for (name, value) in members.iter_mut() {
		if name == "verifiableCredential" {
			*value = Value::Array(vec![forged.clone()]);
		}
	}
	assert!(verify_presentation(&Value::Object(members), "c-81a2", "verifier.example").is_err());
}

#[test]
fn any_tee_of_the_network_presents_but_only_genuine_credentials_for_their_holder() {
	let mut v = bootstrapped(1);
	let credential = issue(&mut v, open_schema_issuance(&ten_claims()));

	// A second TEE of the same network (it imported the key) can present.
	let mut m = ta(2);
	let (report, _) = sign_report(&mut m, Some(network_fingerprint(&v)));
	let Reply::Endorsement(endorsement) = ok(&mut v, Command::Endorse { report: report.clone() })
	else {
		panic!()
	};
	ok(&mut m, Command::ImportNetworkKey { report, endorsement });
	let vp = present(&mut m, presentation_request(credential.clone(), &["claim0"])).unwrap();
	let verified = verify_presentation(&vp, "c-81a2", "verifier.example").unwrap();
	assert_eq!(verified.holder_key, m.identity().signing_key.0);

	// A TEE of another network cannot: the salts differ.
	let mut stranger = bootstrapped(3);
	assert_eq!(
		present(&mut stranger, presentation_request(credential.clone(), &["claim0"])),
		Err(TaError::CredentialNotAuthentic)
	);

	// A tampered credential, another holder, an unknown claim.
	let tampered = forge(&json(&credential), "claim1", "x").to_canonical();
	assert_eq!(
		present(&mut v, presentation_request(tampered, &["claim0"])),
		Err(TaError::CredentialNotAuthentic)
	);
	let mut other_holder = presentation_request(credential.clone(), &["claim0"]);
	other_holder.holder = ISSUER.into();
	assert_eq!(present(&mut v, other_holder), Err(TaError::BadCredential));
	assert_eq!(
		present(&mut v, presentation_request(credential, &["nope"])),
		Err(TaError::UnknownClaim("nope".into()))
	);
}

/// `document` with the members of `changes` replaced (or added), in place.
fn with_members(document: &Value, changes: Vec<(&str, Value)>) -> Value {
	let Value::Object(mut members) = document.clone() else { panic!() };
	for (name, value) in changes {
		match members.iter_mut().find(|(n, _)| n == name) {
			Some(member) => member.1 = value,
			None => members.push((name.into(), value)),
		}
	}
	Value::Object(members)
}

/// The guessing attack on presentations: someone who saw a derived credential (its seed, its
/// root, the disclosed claims) builds full credentials around that seed and root with guesses
/// for a hidden claim, signs them with a key of their own, and asks a TA of the network to
/// present them. A right guess and a wrong one get the same refusal, whether the forger names
/// the real holder or itself.
#[test]
fn presenting_a_credential_forged_around_a_seen_root_is_no_oracle() {
	const FORGER: &str = "did:teeid:5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy";
	let mut ta = bootstrapped(1);
	let credential = issue(&mut ta, open_schema_issuance(r#"{"name":"Alice","pin":"4711"}"#));
	let vp = present(&mut ta, presentation_request(credential, &["name"])).unwrap();
	let Some(Value::Array(derived)) = vp.get("verifiableCredential") else { panic!() };
	let seen = &derived[0];
	let issuer = seen.get("issuer").and_then(Value::as_str).unwrap().to_string();

	let forger_key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
	let mut attempt = |holder: &str, issuer_did: &str, guess: &str| {
		let method =
			credential::verification_method(issuer_did, &forger_key.verifying_key().to_bytes());
		let subject = Value::Object(vec![
			("id".into(), Value::String(holder.into())),
			("name".into(), Value::String("Alice".into())),
			("pin".into(), Value::String(guess.into())),
		]);
		let Some(Value::Object(disclosure)) = seen.get("disclosure") else { panic!() };
		let disclosure: Vec<(String, Value)> = disclosure
			.iter()
			.filter(|(n, _)| n != "disclosed" && n != "lemmas")
			.map(|(n, v)| match n.as_str() {
				"verificationMethod" => (n.clone(), Value::String(method.clone())),
				_ => (n.clone(), v.clone()),
			})
			.collect();
		let forged = with_members(
			seen,
			vec![
				("issuer", Value::String(issuer_did.into())),
				("credentialSubject", subject),
				("disclosure", Value::Object(disclosure)),
			],
		);
		let config = data_integrity::proof_config(
			&forged,
			vec![
				("type".into(), Value::String(data_integrity::PROOF_TYPE.into())),
				("cryptosuite".into(), Value::String(data_integrity::CRYPTOSUITE.into())),
				("created".into(), Value::String("2026-11-21T10:00:00Z".into())),
				("verificationMethod".into(), Value::String(method)),
				("proofPurpose".into(), Value::String("assertionMethod".into())),
			],
		);
		let signature = forger_key.sign(&data_integrity::hash_data(&forged, &config)).to_bytes();
		let forged = data_integrity::attach_proof(forged, config, &signature);
		let mut request = presentation_request(forged.to_canonical(), &["pin"]);
		request.holder = holder.into();
		present(&mut ta, request)
	};
	for holder in [HOLDER, FORGER] {
		for issuer_did in [issuer.as_str(), FORGER] {
			for guess in ["4711", "0000"] {
				assert_eq!(
					attempt(holder, issuer_did, guess),
					Err(TaError::CredentialNotAuthentic),
					"holder {holder}, issuer {issuer_did}, guess {guess}"
				);
			}
		}
	}
}

/// A credential whose `disclosure` already carries `disclosed` or `lemmas` (a derived one pasted
/// back in, say): the TA refuses it (its proof does not cover them), and deriving from it names
/// each member of the derived disclosure once.
#[test]
fn a_derived_disclosure_names_each_member_once() {
	let mut ta = bootstrapped(1);
	let credential = json(&issue(&mut ta, open_schema_issuance(&ten_claims())));
	let Some(Value::Object(disclosure)) = credential.get("disclosure") else { panic!() };
	let mut padded = disclosure.clone();
	padded.push(("disclosed".into(), Value::Array(vec![])));
	padded.push(("lemmas".into(), Value::Array(vec![])));
	let padded = with_members(&credential, vec![("disclosure", Value::Object(padded))]);
	assert_eq!(
		present(&mut ta, presentation_request(padded.to_canonical(), &["claim0"])),
		Err(TaError::CredentialNotAuthentic)
	);

	let derived = disclosure::derive(&padded, |_| [3; 32], &["claim0".into()]).unwrap();
	let Some(Value::Object(members)) = derived.get("disclosure") else { panic!() };
	let mut names: Vec<&str> = members.iter().map(|(n, _)| n.as_str()).collect();
	let count = names.len();
	names.sort_unstable();
	names.dedup();
	assert_eq!(names.len(), count, "{names:?}");
}
