//! The TA's limits (`teeid_ta_protocol::limits`): claims and credentials too large for its heap
//! are refused before they are parsed, and whatever it issues it can present, its
//! presentation readable by the same parser.

mod common;

use common::*;
use teeid_primitives::json::Value;
use teeid_ta_core::{testing::MemoryPlatform, Ta};
use teeid_ta_protocol::{
	credential::{Claims, IssuanceRequest, MAX_IDENTIFIER_BYTES},
	disclosure::{verify_presentation, PresentationRequest},
	limits::{
		MAX_CLAIMS_BYTES, MAX_CLAIMS_DEPTH, MAX_CLAIMS_VALUES, MAX_CREDENTIAL_BYTES,
		SEALED_OVERHEAD_BYTES,
	},
	sealed::{self, Purpose},
	Command, Reply, TaError, CREDENTIAL_JSON,
};

/// An issuance of `claims` under a schema that takes any claims.
fn open_issuance(claims: &str) -> IssuanceRequest {
	let mut request = issuance(claims);
	request.schema.schema = br#"{"type":"object"}"#.to_vec();
	request
}

/// Claims whose deepest container is `depth` levels down (the claims object is the first).
fn nested(depth: usize) -> String {
	format!(r#"{{"deep":{}{}}}"#, "[".repeat(depth - 1), "]".repeat(depth - 1))
}

/// Presents every claim of `credential` for `holder` and checks the presentation with the
/// verifier's code.
fn present_all(ta: &mut Ta<MemoryPlatform>, holder: &str, credential: Vec<u8>) {
	let parsed = Value::parse(&credential).expect("a credential parses");
	let Some(Value::Object(subject)) = parsed.get("credentialSubject") else { panic!() };
	let disclose = subject.iter().map(|(name, _)| name.clone()).filter(|name| name != "id");
	let request = PresentationRequest {
		credential,
		holder: holder.into(),
		disclose: disclose.collect(),
		challenge: "c-20".into(),
		domain: "verifier.example".into(),
		created: "2026-11-22T10:00:00Z".into(),
	};
	let Reply::Presentation(presentation) = ok(ta, Command::Present(request)) else { panic!() };
	let presentation = Value::parse(&presentation).expect("the presentation parses");
	verify_presentation(&presentation, "c-20", "verifier.example").expect("and verifies");
}

#[test]
fn claims_at_the_depth_limit_are_issued_and_presented_works() {
	let mut ta = bootstrapped(1);
	// The credential nests them one level deeper, a presentation three: still within the
	// parser's 64.
	let credential = issue(&mut ta, open_issuance(&nested(MAX_CLAIMS_DEPTH)));
	present_all(&mut ta, HOLDER, credential);
	assert_eq!(
		call(&mut ta, Command::IssueCredential(open_issuance(&nested(MAX_CLAIMS_DEPTH + 1)))),
		Err(TaError::TooLarge)
	);
	assert_eq!(ta.identity().issued_total, 1);
}

#[test]
fn claims_over_their_limits_are_refused_before_they_are_parsed_fails() {
	let mut ta = bootstrapped(1);
	let zeros = format!(r#"{{"zeros":[{}0]}}"#, "0,".repeat(MAX_CLAIMS_VALUES));
	let long = format!(r#"{{"text":"{}"}}"#, "x".repeat(MAX_CLAIMS_BYTES));
	// Within both limits as sent, over the bytes limit in canonical form (`1e20` is written
	// out in full), where the credential would have carried them.
	let expanding = format!(r#"{{"n":[{}1e20]}}"#, "1e20,".repeat(4000));
	assert!(expanding.len() < MAX_CLAIMS_BYTES);
	for claims in [zeros.as_str(), long.as_str(), expanding.as_str()] {
		let refused = call(&mut ta, Command::IssueCredential(open_issuance(claims)));
		assert_eq!(refused, Err(TaError::TooLarge), "{}", &claims[..40]);
	}
	// Sealed claims are held to the same limits once opened: small enough sealed, too many
	// values inside.
	let agreement = ta.identity().agreement_key;
	let mut sealed_request = open_issuance("{}");
	sealed_request.claims = Claims::Sealed(
		sealed::seal(Purpose::Claims, &agreement, [3; 32], zeros.as_bytes(), ISSUER.as_bytes())
			.unwrap(),
	);
	assert!(zeros.len() + SEALED_OVERHEAD_BYTES <= MAX_CLAIMS_BYTES);
	assert_eq!(call(&mut ta, Command::IssueCredential(sealed_request)), Err(TaError::TooLarge));
	// Within the limits and malformed: what it was before.
	let malformed = call(&mut ta, Command::IssueCredential(open_issuance("{")));
	assert_eq!(malformed, Err(TaError::BadClaims));
	assert_eq!(ta.identity().issued_total, 0);
}

#[test]
fn the_largest_credentials_are_within_what_present_reads_works() {
	let mut ta = bootstrapped(1);
	// Every identifier as long as the TA takes.
	let pad = |prefix: &str| format!("{prefix}{}", "a".repeat(MAX_IDENTIFIER_BYTES - prefix.len()));
	let holder = pad("did:teeid:");
	let longest = format!(r#"{{"text":"{}"}}"#, "x".repeat(MAX_CLAIMS_BYTES - 11));
	assert_eq!(longest.len(), MAX_CLAIMS_BYTES);
	let mut request = open_issuance(&longest);
	request.id = pad("urn:uuid:");
	request.issuer = pad("did:teeid:");
	request.holder = holder.clone();
	request.schema.id = pad("urn:teeid:cpt:");
	request.status_list.uri = pad("https://issuer.example/v1/status-lists/");
	request.status_list.index = 1_048_575;
	let credential = issue(&mut ta, request);
	assert!(credential.len() <= MAX_CREDENTIAL_BYTES, "{} bytes", credential.len());
	CREDENTIAL_JSON.check(&credential).expect("within what Present reads");
	present_all(&mut ta, &holder, credential);

	// The most values the claims may hold, as short strings: the costliest to parse.
	let count = MAX_CLAIMS_VALUES - 3;
	let strings = vec![format!(r#""{}""#, "s".repeat(13)); count].join(",");
	let many = format!(r#"{{"s":[{strings}]}}"#);
	assert!(many.len() <= MAX_CLAIMS_BYTES);
	let credential = issue(&mut ta, open_issuance(&many));
	CREDENTIAL_JSON.check(&credential).expect("within what Present reads");
	present_all(&mut ta, HOLDER, credential);
}
