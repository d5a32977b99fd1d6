//! Helpers shared by the TA's tests: TAs on the in-memory platform, and invocation through the
//! command protocol (bytes in, bytes out), exactly as both platforms drive them.

#![allow(dead_code)]

use codec::Encode;
use sp_core::H256;
use teeid_primitives::{
	attestation::{DeviceCertificate, SIMULATED_CERTIFIER_SEED},
	AccountId,
};
use teeid_ta_core::{testing::MemoryPlatform, Ta};
use teeid_ta_protocol::{
	certificate::certify,
	command::{Report, ReportRequest},
	credential::{Claims, CredentialFormat, IssuanceRequest, SchemaRef, StatusListEntry},
	decode_response, Command, Reply, Request, Response,
};

pub const GENESIS: H256 = H256([0x11; 32]);
pub const ANCHOR: H256 = H256([0x22; 32]);
/// The block issuance requests name, unless a test says otherwise.
pub const BLOCK_NUMBER: u32 = 12;
pub const BLOCK_HASH: H256 = H256([0x44; 32]);
pub const ISSUER: &str = "did:teeid:5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
pub const HOLDER: &str = "did:teeid:5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";
/// The status list issuance requests name an entry of, unless a test says otherwise.
pub const STATUS_LIST: &str =
	"https://issuer.example/v1/status-lists/5c0d1a8e37f2946ba10ec4723d58e906";
/// The entry of [`STATUS_LIST`] issuance requests name.
pub const STATUS_INDEX: u32 = 94_567;

/// A fresh TA with no device certificate.
pub fn unprovisioned(seed: u8) -> Ta<MemoryPlatform> {
	Ta::start(MemoryPlatform::new(seed)).expect("a fresh TA starts")
}

/// A fresh TA, provisioned: its device certified for [`GENESIS`] by the simulated certifier.
pub fn ta(seed: u8) -> Ta<MemoryPlatform> {
	let mut ta = unprovisioned(seed);
	provision(&mut ta, &SIMULATED_CERTIFIER_SEED, GENESIS);
	ta
}

/// Invokes through the encoded protocol, as the OP-TEE entry point and the simulation do.
pub fn call(ta: &mut Ta<MemoryPlatform>, command: Command) -> Response {
	decode_response(&ta.invoke(&Request::new(command).encode())).expect("responses decode")
}

pub fn ok(ta: &mut Ta<MemoryPlatform>, command: Command) -> Reply {
	call(ta, command).expect("the command succeeds")
}

/// The certificate of the TA's device key (as `DeviceKey` names it) for `genesis_hash`, by the
/// certifier whose seed is `certifier_seed`: what a certifier makes while provisioning.
pub fn certificate_for(
	ta: &mut Ta<MemoryPlatform>,
	certifier_seed: &[u8; 32],
	genesis_hash: H256,
) -> DeviceCertificate {
	let Reply::DeviceKey { platform, key } = ok(ta, Command::DeviceKey) else {
		panic!("DeviceKey answers with the device key")
	};
	certify(certifier_seed, platform, &key, genesis_hash, 1)
}

/// Provisions the TA: certifies its device key for `genesis_hash` and installs the certificate.
pub fn provision(
	ta: &mut Ta<MemoryPlatform>,
	certifier_seed: &[u8; 32],
	genesis_hash: H256,
) -> DeviceCertificate {
	let certificate = certificate_for(ta, certifier_seed, genesis_hash);
	assert_eq!(
		ok(ta, Command::InstallCertificate(certificate.clone())),
		Reply::CertificateInstalled
	);
	certificate
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

/// A provisioned TA holding the network key of [`GENESIS`]: the chain's first worker.
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
		block_number: BLOCK_NUMBER,
		block_hash: BLOCK_HASH,
		format: CredentialFormat::W3cVc,
		holder_jwk: None,
		status_list: StatusListEntry { uri: STATUS_LIST.into(), index: STATUS_INDEX },
	}
}

pub fn issue(ta: &mut Ta<MemoryPlatform>, request: IssuanceRequest) -> Vec<u8> {
	match ok(ta, Command::IssueCredential(request)) {
		Reply::Credential(issued) => issued.credential,
		other => panic!("{other:?}"),
	}
}
