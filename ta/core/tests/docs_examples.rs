//! The examples of `docs/credentials.md` are what the TA makes: the credential of section 1.1
//! and the presentation of section 3.4 are made again here, by a TA on the in-memory platform
//! from the requests the document describes, and compared with the document, so that a change
//! of the format cannot leave the specification showing the old one. `TEEID_UPDATE_DOCS=1`
//! writes them into the document instead.

mod common;

use common::*;
use teeid_primitives::json::Value;
use teeid_ta_protocol::{
	credential::{Claims, IssuanceRequest, SchemaRef},
	disclosure::PresentationRequest,
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

/// The two examples: the credential, and the presentation that discloses its `degree`.
fn examples() -> (String, String) {
	let mut ta = ta(7);
	ok(&mut ta, Command::CreateNetworkKey { genesis_hash: GENESIS });
	let credential = match ok(
		&mut ta,
		Command::IssueCredential(IssuanceRequest {
			id: "urn:uuid:0b6f6d8e-3f1c-4a57-9a0e-2c5d8e41b7a3".into(),
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
		}),
	) {
		Reply::Credential(issued) => issued.credential,
		other => panic!("{other:?}"),
	};
	let presentation = match ok(
		&mut ta,
		Command::Present(PresentationRequest {
			credential: credential.clone(),
			holder: ALICE.into(),
			disclose: vec!["degree".into()],
			challenge: "c-1".into(),
			domain: "verifier.example".into(),
			created: "2026-03-05T08:00:00Z".into(),
		}),
	) {
		Reply::Presentation(bytes) => bytes,
		other => panic!("{other:?}"),
	};
	let pretty = |bytes: &[u8]| {
		let mut out = String::new();
		write_pretty(&Value::parse(bytes).expect("the TA writes JSON"), 0, &mut out);
		out
	};
	(pretty(&credential), pretty(&presentation))
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

/// The byte range of the first ```json block after the heading `heading` in `document`.
fn json_block(document: &str, heading: &str) -> std::ops::Range<usize> {
	let section = document.find(heading).unwrap_or_else(|| panic!("no `{heading}`"));
	let open = section + document[section..].find("```json\n").expect("a json block") + 8;
	let close = open + document[open..].find("\n```").expect("the block ends");
	open..close
}

#[test]
fn the_specification_shows_what_the_ta_makes() {
	let (credential, presentation) = examples();
	let mut document = std::fs::read_to_string(DOCUMENT).expect("docs/credentials.md");
	let sections = [("### 1.1 An example", credential), ("### 3.4 The presentation", presentation)];
	if std::env::var_os("TEEID_UPDATE_DOCS").is_some() {
		for (heading, example) in &sections {
			let block = json_block(&document, heading);
			document.replace_range(block, example);
		}
		std::fs::write(DOCUMENT, document).expect("docs/credentials.md is writable");
		return;
	}
	for (heading, example) in &sections {
		assert_eq!(
			&document[json_block(&document, heading)],
			example,
			"the example under `{heading}` in docs/credentials.md is not what the TA makes: \
			 TEEID_UPDATE_DOCS=1 cargo test -p teeid-ta-core --test docs_examples writes it"
		);
	}
}
