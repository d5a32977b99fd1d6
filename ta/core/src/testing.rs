//! An in-memory platform for tests and benchmarks: a map for storage, a seeded generator for
//! randomness, and the public test device key of `teeid-primitives` for evidence (every
//! [`MemoryPlatform`] is the same device). It reports itself as `Simulated` and accepts the
//! simulated certifier and the test certifier of `teeid-primitives`.

use alloc::{collections::BTreeMap, vec, vec::Vec};
use sha2::{Digest, Sha256};
use teeid_primitives::attestation::{
	testing, DeviceKey, Measurement, PlatformEvidence, TeePlatform, SIMULATED_CERTIFIER,
};

use crate::platform::{Platform, PlatformError, StorageError};

/// The measurement [`MemoryPlatform`] reports unless told otherwise.
pub const TEST_MEASUREMENT: Measurement = [0x7e; 32];

/// Storage in a map, randomness from a seed.
#[derive(Clone)]
pub struct MemoryPlatform {
	/// The stored objects.
	pub objects: BTreeMap<Vec<u8>, Vec<u8>>,
	/// Objects whose integrity check fails, as if tampered with.
	pub tampered: Vec<Vec<u8>>,
	/// The reported measurement.
	pub measurement: Measurement,
	/// When set, every store fails.
	pub failing_storage: bool,
	/// The device certifiers the TA accepts: [`SIMULATED_CERTIFIER`] and [`test_certifier`]
	/// unless told otherwise.
	pub accepted_certifiers: Vec<[u8; 32]>,
	seed: [u8; 32],
	counter: u64,
}

impl MemoryPlatform {
	/// A platform whose randomness derives from `seed` (different seeds, different TEEs).
	pub fn new(seed: u8) -> Self {
		Self {
			objects: BTreeMap::new(),
			tampered: Vec::new(),
			measurement: TEST_MEASUREMENT,
			failing_storage: false,
			accepted_certifiers: vec![SIMULATED_CERTIFIER, test_certifier()],
			seed: [seed; 32],
			counter: 0,
		}
	}
}

impl Platform for MemoryPlatform {
	fn platform(&self) -> TeePlatform {
		TeePlatform::Simulated
	}

	fn fill_random(&mut self, out: &mut [u8]) -> Result<(), PlatformError> {
		for chunk in out.chunks_mut(32) {
			self.counter += 1;
			let block: [u8; 32] = Sha256::new()
				.chain_update(self.seed)
				.chain_update(self.counter.to_le_bytes())
				.finalize()
				.into();
			chunk.copy_from_slice(&block[..chunk.len()]);
		}
		Ok(())
	}

	fn load(&mut self, id: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
		if self.tampered.iter().any(|t| t == id) {
			return Err(StorageError::Tampered);
		}
		Ok(self.objects.get(id).cloned())
	}

	fn store(&mut self, id: &[u8], data: &[u8]) -> Result<(), StorageError> {
		if self.failing_storage {
			return Err(StorageError::Failed);
		}
		self.objects.insert(id.to_vec(), data.to_vec());
		Ok(())
	}

	fn measurement(&mut self) -> Result<Measurement, PlatformError> {
		Ok(self.measurement)
	}

	fn evidence(&mut self, nonce: [u8; 32]) -> Result<PlatformEvidence, PlatformError> {
		Ok(testing::evidence(self.measurement, nonce))
	}

	fn device_key(&mut self) -> Result<DeviceKey, PlatformError> {
		Ok(testing::device_public_key())
	}

	fn accepted_certifiers(&self) -> &[[u8; 32]] {
		&self.accepted_certifiers
	}
}

/// The public key of the test device certifier (`teeid-primitives`' public
/// [`testing::TEST_CERTIFIER_SEED`]).
pub fn test_certifier() -> [u8; 32] {
	ed25519_dalek::SigningKey::from_bytes(&testing::TEST_CERTIFIER_SEED).verifying_key().to_bytes()
}

/// The CPT schema of [`issuance_request`]: five typed properties, two required.
pub const BENCH_SCHEMA: &str = r#"{"type":"object","required":["name","degree"],"properties":{
	"name":{"type":"string"},"degree":{"type":"string"},"year":{"type":"integer"},
	"university":{"type":"string"},"honours":{"type":"boolean"}}}"#;

/// The status list the requests of this module name: one of the worker's lists, at the URL a
/// worker on its default address gives it.
pub const STATUS_LIST_URI: &str =
	"http://127.0.0.1:8600/v1/status-lists/00112233445566778899aabbccddeeff";

/// A holder's public key: the Ed25519 key of RFC 8037's examples (appendix A.2), as a JWK.
pub const HOLDER_JWK: &str =
	r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#;

/// A typical issuance (five claims against [`BENCH_SCHEMA`]) of a W3C credential with
/// credential id number `n`, its status at index `n` of [`STATUS_LIST_URI`] (modulo the
/// smallest list): what the issuance benchmarks send, in process and over the simulation's
/// socket.
pub fn issuance_request(n: u64) -> teeid_ta_protocol::credential::IssuanceRequest {
	use alloc::{format, string::ToString};
	use teeid_ta_protocol::{
		credential::{Claims, CredentialFormat, IssuanceRequest, SchemaRef, StatusListEntry},
		status_list::MIN_STATUS_LIST_BITS,
	};
	IssuanceRequest {
		id: format!("urn:uuid:00000000-0000-4000-8000-{n:012}"),
		issuer: "did:teeid:5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY".to_string(),
		holder: "did:teeid:5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty".to_string(),
		schema: SchemaRef {
			id: "urn:teeid:cpt:1000".to_string(),
			schema: BENCH_SCHEMA.as_bytes().to_vec(),
		},
		claims: Claims::Plain(
			br#"{"name":"Alice","degree":"MSc","year":2026,"university":"Example","honours":true}"#
				.to_vec(),
		),
		valid_from: "2026-01-01T00:00:00Z".to_string(),
		valid_until: Some("2027-01-01T00:00:00Z".to_string()),
		created: "2026-11-21T10:00:00Z".to_string(),
		block_number: 1,
		block_hash: teeid_primitives::Hash::from([0x0b; 32]),
		format: CredentialFormat::W3cVc,
		holder_jwk: None,
		status_list: StatusListEntry {
			uri: STATUS_LIST_URI.to_string(),
			index: (n % MIN_STATUS_LIST_BITS as u64) as u32,
		},
	}
}

/// [`issuance_request`] `n` as an SD-JWT VC bound to [`HOLDER_JWK`].
pub fn sd_jwt_issuance_request(n: u64) -> teeid_ta_protocol::credential::IssuanceRequest {
	let mut request = issuance_request(n);
	request.format = teeid_ta_protocol::credential::CredentialFormat::SdJwtVc;
	request.holder_jwk = Some(HOLDER_JWK.as_bytes().to_vec());
	request
}

/// A version of the list at [`STATUS_LIST_URI`] of the issuer of [`issuance_request`], as
/// `format`, holding `bits` (MSB-first), against the same block.
pub fn status_list_request(
	format: teeid_ta_protocol::status_list::StatusListFormat,
	bits: Vec<u8>,
) -> teeid_ta_protocol::status_list::StatusListRequest {
	use alloc::string::ToString;
	let issuance = issuance_request(0);
	teeid_ta_protocol::status_list::StatusListRequest {
		issuer: issuance.issuer,
		uri: STATUS_LIST_URI.to_string(),
		format,
		bits,
		created: "2026-11-21T10:05:00Z".to_string(),
		ttl: Some(300),
		block_number: issuance.block_number,
		block_hash: issuance.block_hash,
	}
}
