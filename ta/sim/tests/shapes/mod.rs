//! The request shapes the TA's memory limits are about, shared by the simulation's tests:
//! issue 20's table (arrays of zeros, long strings, deep claims), the protocol's maxima, and
//! the worst legal requests, status lists of the most entries among them.

#![allow(dead_code)]

use codec::Encode;
use teeid_primitives::json::Value;
use teeid_ta_protocol::{
	credential::{Claims, CredentialFormat, IssuanceRequest, SchemaRef, StatusListEntry},
	disclosure::PresentationRequest,
	limits::{MAX_CLAIMS_BYTES, MAX_CLAIMS_VALUES},
	status_list::{StatusListFormat, StatusListRequest, MAX_STATUS_LIST_BITS},
	Command, Request,
};

pub const ISSUER: &str = "did:teeid:5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
pub const HOLDER: &str = "did:teeid:5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";
pub const CHALLENGE: &str = "c-20";
pub const DOMAIN: &str = "verifier.example";
/// The status list the issuances name an entry of, and the lists signed are.
pub const STATUS_LIST: &str =
	"http://127.0.0.1:8600/v1/status-lists/00112233445566778899aabbccddeeff";

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
		format: CredentialFormat::W3cVc,
		holder_jwk: None,
		status_list: StatusListEntry { uri: STATUS_LIST.into(), index: 7 },
	})
}

/// A holder's public key (the Ed25519 key of RFC 8037's examples), as a JWK.
pub const HOLDER_JWK: &str =
	r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#;

/// [`issuance`] of `claims` as an SD-JWT VC bound to [`HOLDER_JWK`].
pub fn sd_jwt_issuance(claims: Vec<u8>) -> Command {
	let Command::IssueCredential(mut request) = issuance(claims) else {
		unreachable!("issuance() makes an issuance")
	};
	request.format = CredentialFormat::SdJwtVc;
	request.holder_jwk = Some(HOLDER_JWK.as_bytes().to_vec());
	Command::IssueCredential(request)
}

/// The most claims (256), each a string as long as the bytes limit then allows: for an
/// SD-JWT VC, the most disclosures.
pub fn most_claims() -> Vec<u8> {
	let count = teeid_ta_protocol::disclosure::MAX_CLAIMS;
	// `"c000":"…"` is 9 bytes and the value; commas between, braces around.
	let length = (MAX_CLAIMS_BYTES - (count + 1)) / count - 9;
	let members: Vec<String> =
		(0..count).map(|i| format!(r#""c{i:03}":"{}""#, "v".repeat(length))).collect();
	let claims = format!("{{{}}}", members.join(","));
	assert!(claims.len() <= MAX_CLAIMS_BYTES);
	claims.into_bytes()
}

/// Sign `bits` as a status list of `format`, against the block the issuances name.
pub fn status_list(format: StatusListFormat, bits: Vec<u8>) -> Command {
	Command::SignStatusList(StatusListRequest {
		issuer: ISSUER.into(),
		uri: STATUS_LIST.into(),
		format,
		bits,
		created: "2026-01-01T00:00:00Z".into(),
		ttl: Some(300),
		block_number: 1,
		block_hash: sp_core::H256([0x0b; 32]),
	})
}

/// The list of the most entries, each set or not at random (half of them set): what no
/// compressor shrinks, so the largest document the TA signs and the most it holds at once.
pub fn largest_list() -> Vec<u8> {
	let mut state = 0x2545_f491_4f6c_dd1d_u64;
	(0..MAX_STATUS_LIST_BITS / 8)
		.map(|_| {
			state ^= state << 13;
			state ^= state >> 7;
			state ^= state << 17;
			(state >> 24) as u8
		})
		.collect()
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
