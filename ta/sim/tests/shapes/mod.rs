//! The request shapes the TA's memory limits are about, shared by the simulation's tests:
//! issue 20's table (arrays of zeros, long strings, deep claims), the protocol's maxima, and
//! the worst legal requests.

#![allow(dead_code)]

use codec::Encode;
use teeid_primitives::json::Value;
use teeid_ta_protocol::{
	credential::{Claims, IssuanceRequest, SchemaRef},
	disclosure::PresentationRequest,
	limits::{MAX_CLAIMS_BYTES, MAX_CLAIMS_VALUES},
	Command, Request,
};

pub const ISSUER: &str = "did:teeid:5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
pub const HOLDER: &str = "did:teeid:5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";
pub const CHALLENGE: &str = "c-20";
pub const DOMAIN: &str = "verifier.example";

/// Issue `claims` under a schema that takes any claims.
pub fn issuance(claims: Vec<u8>) -> Command {
	Command::IssueCredential(IssuanceRequest {
		id: "urn:uuid:0b6c9f1e-6a36-4c59-9a55-2f8d3c1e7a10".into(),
		issuer: ISSUER.into(),
		holder: HOLDER.into(),
		schema: SchemaRef {
			id: "urn:teeid:cpt:2000000".into(),
			schema: br#"{"type":"object"}"#.to_vec(),
		},
		claims: Claims::Plain(claims),
		valid_from: "2026-01-01T00:00:00Z".into(),
		valid_until: None,
		created: "2026-01-01T00:00:00Z".into(),
		block_number: 1,
		block_hash: sp_core::H256([0x0b; 32]),
	})
}

/// Present the claims `disclose` of `credential` to [`CHALLENGE`] and [`DOMAIN`].
pub fn presentation(credential: Vec<u8>, disclose: Vec<String>) -> Command {
	Command::Present(PresentationRequest {
		credential,
		holder: HOLDER.into(),
		disclose,
		challenge: CHALLENGE.into(),
		domain: DOMAIN.into(),
		created: "2026-01-02T00:00:00Z".into(),
	})
}

/// The names of the claims in `claims`.
pub fn claim_names(claims: &[u8]) -> Vec<String> {
	let Ok(Value::Object(members)) = Value::parse(claims) else { panic!("claims are an object") };
	members.into_iter().map(|(name, _)| name).collect()
}

pub fn encode(command: Command) -> Vec<u8> {
	Request::new(command).encode()
}

/// Claims of about `bytes` bytes: one array of zeros, two bytes of JSON each.
pub fn zeros(bytes: usize) -> Vec<u8> {
	// `{"zeros":[`, `]}` and, between them, `0,` but for the last.
	let count = (bytes - 11) / 2;
	format!(r#"{{"zeros":[{}0]}}"#, "0,".repeat(count - 1)).into_bytes()
}

/// Claims of `bytes` bytes: one string.
pub fn one_string(bytes: usize) -> Vec<u8> {
	format!(r#"{{"text":"{}"}}"#, "x".repeat(bytes - 11)).into_bytes()
}

/// Claims whose deepest container is `depth` levels down (the claims object is the first).
pub fn nested(depth: usize) -> Vec<u8> {
	format!(r#"{{"deep":{}{}}}"#, "[".repeat(depth - 1), "]".repeat(depth - 1)).into_bytes()
}

/// The claims that cost the most to parse: as many strings as the values limit allows, as long
/// as the bytes limit then allows, each a slot in its array and an allocation of its own.
pub fn many_strings() -> Vec<u8> {
	// The object, its member's name and the array are three of the values.
	let count = MAX_CLAIMS_VALUES - 3;
	let length = (MAX_CLAIMS_BYTES - 8) / count - 3;
	let item = format!(r#""{}""#, "s".repeat(length));
	let claims = format!(r#"{{"s":[{}]}}"#, vec![item; count].join(","));
	assert!(claims.len() <= MAX_CLAIMS_BYTES);
	claims.into_bytes()
}

/// The longest claims: one string, up to the bytes limit.
pub fn longest() -> Vec<u8> {
	one_string(MAX_CLAIMS_BYTES)
}

/// Claims within the bytes and values limits that are over the bytes limit in canonical form:
/// `1e20` is written out in full (21 digits).
pub fn expanding() -> Vec<u8> {
	format!(r#"{{"n":[{}1e20]}}"#, "1e20,".repeat(4000)).into_bytes()
}

/// An issuance request of exactly `total` bytes (its one string claim sized to make it so).
pub fn issuance_of(total: usize) -> Vec<u8> {
	// Claims of 20,000 bytes and more take a 4-byte length, as do those of `total`'s.
	let probe = encode(issuance(one_string(20_000)));
	let request = encode(issuance(one_string(20_000 + total - probe.len())));
	assert_eq!(request.len(), total);
	request
}

/// A presentation request of 100 KB whose claim names decode to 2.4 MB of heap (a `String` of
/// 24 bytes for each one-byte empty name).
pub fn decode_bomb() -> Vec<u8> {
	let request = encode(presentation(b"{}".to_vec(), vec![String::new(); 100_000]));
	assert!(request.len() <= teeid_ta_protocol::MAX_REQUEST_BYTES);
	request
}
