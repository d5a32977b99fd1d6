//! Helpers shared by the TA's tests: TAs on the in-memory platform, and invocation through the
//! command protocol (bytes in, bytes out), exactly as both platforms drive them.

#![allow(dead_code)]

use codec::Encode;
use sp_core::H256;
use teeid_primitives::AccountId;
use teeid_ta_core::{testing::MemoryPlatform, Ta};
use teeid_ta_protocol::{
	command::{Report, ReportRequest},
	credential::{Claims, IssuanceRequest, SchemaRef},
	decode_response, Command, Reply, Request, Response,
};

pub const GENESIS: H256 = H256([0x11; 32]);
pub const ANCHOR: H256 = H256([0x22; 32]);
pub const ISSUER: &str = "did:teeid:5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
pub const HOLDER: &str = "did:teeid:5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";

pub fn ta(seed: u8) -> Ta<MemoryPlatform> {
	Ta::start(MemoryPlatform::new(seed)).expect("a fresh TA starts")
}

/// Invokes through the encoded protocol, as the OP-TEE entry point and the simulation do.
pub fn call(ta: &mut Ta<MemoryPlatform>, command: Command) -> Response {
	decode_response(&ta.invoke(&Request::new(command).encode())).expect("responses decode")
}

pub fn ok(ta: &mut Ta<MemoryPlatform>, command: Command) -> Reply {
	call(ta, command).expect("the command succeeds")
}

pub fn operator() -> AccountId {
	AccountId::new([0x33; 32])
}

pub fn report_request(network_key: Option<[u8; 32]>) -> ReportRequest {
	ReportRequest {
		operator: operator(),
		genesis_hash: GENESIS,
		anchor_number: 7,
		anchor_hash: ANCHOR,
		network_key,
	}
}

pub fn sign_report(
	ta: &mut Ta<MemoryPlatform>,
	network_key: Option<[u8; 32]>,
) -> (Report, [u8; 64]) {
	match ok(ta, Command::SignReport(report_request(network_key))) {
		Reply::Report { report, signature } => (report, signature.0),
		other => panic!("{other:?}"),
	}
}

/// A TA holding the network key of [`GENESIS`]: the chain's first worker.
pub fn bootstrapped(seed: u8) -> Ta<MemoryPlatform> {
	let mut ta = ta(seed);
	ok(&mut ta, Command::CreateNetworkKey { genesis_hash: GENESIS });
	ta
}

pub fn network_fingerprint(ta: &Ta<MemoryPlatform>) -> [u8; 32] {
	ta.identity().network_key.expect("a network key").fingerprint
}

pub const SCHEMA: &str = r#"{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",
	"required":["name","degree"],"properties":{"name":{"type":"string"},"degree":{"type":"string"},
	"year":{"type":"integer"}}}"#;

pub fn issuance(claims: &str) -> IssuanceRequest {
	IssuanceRequest {
		id: "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33".into(),
		issuer: ISSUER.into(),
		holder: HOLDER.into(),
		schema: SchemaRef { id: "urn:teeid:cpt:1000".into(), schema: SCHEMA.as_bytes().to_vec() },
		claims: Claims::Plain(claims.as_bytes().to_vec()),
		valid_from: "2026-01-01T00:00:00Z".into(),
		valid_until: Some("2027-01-01T00:00:00Z".into()),
		created: "2026-11-21T10:00:00Z".into(),
	}
}

pub fn issue(ta: &mut Ta<MemoryPlatform>, request: IssuanceRequest) -> Vec<u8> {
	match ok(ta, Command::IssueCredential(request)) {
		Reply::Credential(issued) => issued.credential,
		other => panic!("{other:?}"),
	}
}
