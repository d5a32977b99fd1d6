//! The examples of `docs/credentials.md` are what the TA makes: the credential of section 1.1,
//! the presentation of section 3.4, the SD-JWT VC of section 7.1 and the status lists of
//! sections 8.2 and 8.3 are made again here, by a TA on the in-memory platform from the
//! requests the document describes, and compared with the document, so that a change of a
//! format cannot leave the specification showing the old one. `TEEID_UPDATE_DOCS=1` writes them
//! into the document instead.

mod common;

use common::*;
use teeid_primitives::json::Value;
use teeid_ta_protocol::{
	credential::{Claims, CredentialFormat, IssuanceRequest, SchemaRef, StatusListEntry},
	disclosure::PresentationRequest,
	status_list::{base64url_decode, set_bit, StatusListFormat, StatusListRequest},
	Command, Reply,
};

const DOCUMENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/credentials.md");

/// Dave's DID (the issuer in `clients/js/test/worker.test.js`) and Alice's (the holder).
const DAVE: &str = "did:teeid:5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy";
const ALICE: &str = "did:teeid:5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";

/// The schema of CPT 2000000 in `clients/js/test/worker.test.js`, as `JSON.stringify` writes it.
const SCHEMA: &str = r#"{"type":"object","required":["name","degree"],"properties":{"name":{"type":"string","minLength":1},"degree":{"type":"string"},"year":{"type":"integer","minimum":1900}},"additionalProperties":false}"#;

/// The hash of the example's block: any hash would do, and this one looks like one.
const EXAMPLE_BLOCK_HASH: [u8; 32] = [
	0x5c, 0x0d, 0x1a, 0x8e, 0x37, 0xf2, 0x94, 0x6b, 0xa1, 0x0e, 0xc4, 0x72, 0x3d, 0x58, 0xe9, 0x06,
	0xb3, 0x4f, 0x81, 0x2a, 0xd7, 0x65, 0x19, 0xcc, 0x40, 0x9e, 0x2b, 0xf3, 0x87, 0x16, 0x5a, 0xd4,
];

/// The hash of the block the example status lists are signed against, a few blocks later.
const LIST_BLOCK_HASH: [u8; 32] = [
	0xa3, 0x71, 0x0c, 0x5e, 0x92, 0x4b, 0xd8, 0x16, 0x6f, 0x20, 0xe7, 0x3a, 0xc9, 0x58, 0x04, 0xbd,
	0x1e, 0x83, 0x47, 0xf6, 0x2d, 0x95, 0x60, 0xab, 0x3c, 0xd2, 0x79, 0x0e, 0xb5, 0x48, 0x17, 0xe4,
];

/// Dave's two status lists on a worker at its default address: a Bitstring Status List for
/// his W3C credentials, a Token Status List for his SD-JWT VCs.
const BITSTRING_LIST: &str =
	"http://127.0.0.1:8600/v1/status-lists/9b1e4d2a7c3f5e60a1b2c3d4e5f60718";
const TOKEN_LIST: &str = "http://127.0.0.1:8600/v1/status-lists/4e7a0c19d25b3f86e1a9c07d52b8f346";

/// The entries the worker drew for the two credentials.
const W3C_INDEX: u32 = 94_567;
const SD_JWT_INDEX: u32 = 30_412;

/// Alice's wallet key: the Ed25519 key of RFC 8037's examples, as a JWK.
const ALICE_JWK: &str =
	r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#;

/// Each example, as the document shows it: the heading it is under, the fence of its block,
/// which block of that fence after the heading (0 for the first), and the block's text.
type Example = (&'static str, &'static str, usize, String);

/// The issuance the examples of sections 1.1 and 7.1 make: Dave's credential for Alice.
fn daves_issuance(format: CredentialFormat) -> IssuanceRequest {
	let (holder_jwk, status_list) = match format {
		CredentialFormat::W3cVc => {
			(None, StatusListEntry { uri: BITSTRING_LIST.into(), index: W3C_INDEX })
		},
		CredentialFormat::SdJwtVc => (
			Some(ALICE_JWK.as_bytes().to_vec()),
			StatusListEntry { uri: TOKEN_LIST.into(), index: SD_JWT_INDEX },
		),
	};
	IssuanceRequest {
		id: match format {
			CredentialFormat::W3cVc => "urn:uuid:0b6f6d8e-3f1c-4a57-9a0e-2c5d8e41b7a3".into(),
			CredentialFormat::SdJwtVc => "urn:uuid:7d1e2f40-9b8c-4e53-a61d-0f3b2c9e8a75".into(),
		},
		issuer: DAVE.into(),
		holder: ALICE.into(),
		schema: SchemaRef {
			id: "urn:teeid:cpt:2000000".into(),
			schema: SCHEMA.as_bytes().to_vec(),
		},
		claims: Claims::Plain(br#"{"name":"Alice","degree":"MSc","year":2026}"#.to_vec()),
		valid_from: "2026-03-02T10:15:30Z".into(),
		valid_until: Some("2030-01-01T00:00:00Z".into()),
		created: "2026-03-02T10:15:30Z".into(),
		// The latest finalized block when it was issued.
		block_number: 1_234,
		block_hash: sp_core::H256(EXAMPLE_BLOCK_HASH),
		format,
		holder_jwk,
		status_list,
	}
}

/// A version of one of Dave's lists in which the credential at `revoked` is revoked.
fn status_list(format: StatusListFormat, uri: &str, revoked: u32) -> Command {
	let mut bits = vec![0u8; teeid_ta_protocol::status_list::MIN_STATUS_LIST_BITS / 8];
	assert!(set_bit(&mut bits, revoked, true));
	Command::SignStatusList(StatusListRequest {
		issuer: DAVE.into(),
		uri: uri.into(),
		format,
		bits,
		created: "2026-03-04T09:00:00Z".into(),
		ttl: match format {
			StatusListFormat::Bitstring => None,
			StatusListFormat::Token => Some(300),
		},
		block_number: 1_240,
		block_hash: sp_core::H256(LIST_BLOCK_HASH),
	})
}

/// The document `reply` carries: a credential or a status list.
fn document(reply: Reply) -> Vec<u8> {
	match reply {
		Reply::Credential(issued) | Reply::StatusList(issued) => issued.credential,
		Reply::Presentation(bytes) => bytes,
		other => panic!("{other:?}"),
	}
}

fn pretty_json(bytes: &[u8]) -> String {
	let mut out = String::new();
	write_pretty(&Value::parse(bytes).expect("the TA writes JSON"), 0, &mut out);
	out
}

/// The examples, made in the order a TA would make them: the credential, its presentation, the
/// SD-JWT VC, then the two lists once Dave has revoked both credentials.
fn examples() -> Vec<Example> {
	let mut ta = ta(7);
	ok(&mut ta, Command::CreateNetworkKey { genesis_hash: GENESIS });
	let credential =
		document(ok(&mut ta, Command::IssueCredential(daves_issuance(CredentialFormat::W3cVc))));
	let presentation = document(ok(
		&mut ta,
		Command::Present(PresentationRequest {
			credential: credential.clone(),
			holder: ALICE.into(),
			disclose: vec!["degree".into()],
			challenge: "c-1".into(),
			domain: "verifier.example".into(),
			created: "2026-03-05T08:00:00Z".into(),
		}),
	));
	let sd_jwt =
		document(ok(&mut ta, Command::IssueCredential(daves_issuance(CredentialFormat::SdJwtVc))));
	let sd_jwt = String::from_utf8(sd_jwt).expect("an SD-JWT is ASCII");
	let bitstring =
		document(ok(&mut ta, status_list(StatusListFormat::Bitstring, BITSTRING_LIST, W3C_INDEX)));
	let token =
		document(ok(&mut ta, status_list(StatusListFormat::Token, TOKEN_LIST, SD_JWT_INDEX)));
	let token = String::from_utf8(token).expect("a JWT is ASCII");

	// The SD-JWT: the issuer-signed JWT, its decoded header and payload, the disclosures.
	let mut parts: Vec<&str> = sd_jwt.split('~').collect();
	assert_eq!(parts.pop(), Some(""), "the issuance form ends with `~`");
	let jwt: Vec<&str> = parts[0].split('.').collect();
	let decode = |part: &str| base64url_decode(part).expect("base64url");
	let disclosures: Vec<Value> = parts[1..]
		.iter()
		.map(|d| Value::parse(&decode(d)).expect("a disclosure is JSON"))
		.collect();
	let mut disclosures_json = String::new();
	write_pretty(&Value::Array(disclosures), 0, &mut disclosures_json);
	let token_parts: Vec<&str> = token.split('.').collect();

	vec![
		("### 1.1 An example", "json", 0, pretty_json(&credential)),
		("### 3.4 The presentation", "json", 0, pretty_json(&presentation)),
		("### 7.1 An example", "text", 0, sd_jwt.clone()),
		("### 7.1 An example", "json", 0, pretty_json(&decode(jwt[0]))),
		("### 7.1 An example", "json", 1, pretty_json(&decode(jwt[1]))),
		("### 7.1 An example", "json", 2, disclosures_json),
		("### 8.2 Bitstring Status List", "json", 0, pretty_json(&bitstring)),
		("### 8.3 Token Status List", "json", 0, pretty_json(&decode(token_parts[0]))),
		("### 8.3 Token Status List", "json", 1, pretty_json(&decode(token_parts[1]))),
	]
}

/// `value` as the document shows JSON: two spaces per level, one member or item per line, in
/// the TA's (canonical) member order.
fn write_pretty(value: &Value, indent: usize, out: &mut String) {
	let pad = |level: usize| "  ".repeat(level);
	match value {
		Value::Array(items) if !items.is_empty() => {
			out.push_str("[\n");
			for (i, item) in items.iter().enumerate() {
				out.push_str(&pad(indent + 1));
				write_pretty(item, indent + 1, out);
				out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
			}
			out.push_str(&pad(indent));
			out.push(']');
		},
		Value::Object(members) if !members.is_empty() => {
			out.push_str("{\n");
			for (i, (name, member)) in members.iter().enumerate() {
				out.push_str(&pad(indent + 1));
				out.push_str(
					&String::from_utf8(Value::String(name.clone()).to_canonical()).unwrap(),
				);
				out.push_str(": ");
				write_pretty(member, indent + 1, out);
				out.push_str(if i + 1 < members.len() { ",\n" } else { "\n" });
			}
			out.push_str(&pad(indent));
			out.push('}');
		},
		leaf => out.push_str(&String::from_utf8(leaf.to_canonical()).expect("JSON is UTF-8")),
	}
}

/// The byte range of the body of the `nth` (from 0) block fenced as ```` ```fence ```` after the
/// heading `heading` in `document`, within that heading's section.
fn block(document: &str, heading: &str, fence: &str, nth: usize) -> std::ops::Range<usize> {
	let section = document.find(heading).unwrap_or_else(|| panic!("no `{heading}`"));
	let opening = format!("```{fence}\n");
	let mut from = section;
	for _ in 0..nth {
		from += document[from..].find(&opening).expect("the block") + opening.len();
	}
	let open = from + document[from..].find(&opening).expect("a block") + opening.len();
	let next_heading = document[section + heading.len()..]
		.find("\n#")
		.map_or(document.len(), |at| section + heading.len() + at);
	assert!(
		open < next_heading,
		"block {nth} of `{fence}` under `{heading}` is in another section"
	);
	let close = open + document[open..].find("\n```").expect("the block ends");
	open..close
}

#[test]
fn the_specification_shows_what_the_ta_makes() {
	let examples = examples();
	let mut document = std::fs::read_to_string(DOCUMENT).expect("docs/credentials.md");
	if std::env::var_os("TEEID_UPDATE_DOCS").is_some() {
		for (heading, fence, nth, example) in &examples {
			let range = block(&document, heading, fence, *nth);
			document.replace_range(range, example);
		}
		std::fs::write(DOCUMENT, document).expect("docs/credentials.md is writable");
		return;
	}
	for (heading, fence, nth, example) in &examples {
		assert_eq!(
			&document[block(&document, heading, fence, *nth)],
			example,
			"block {nth} of `{fence}` under `{heading}` in docs/credentials.md is not what the \
			 TA makes: TEEID_UPDATE_DOCS=1 cargo test -p teeid-ta-core --test docs_examples \
			 writes it"
		);
	}
}
