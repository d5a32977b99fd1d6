//! # teeid TA protocol
//!
//! What the teeid worker (normal world) and its trusted application (secure world) say to each
//! other, and the formats of what the TA produces, defined once for both sides (teaclave's
//! host / TA / proto split):
//!
//! - [`command`]: the typed commands a worker sends and the replies and errors it gets back.
//!   Every invocation carries exactly one input buffer (a SCALE-encoded [`Request`]) and one
//!   output buffer (a SCALE-encoded [`Response`]), whether the TA runs under OP-TEE (command
//!   [`INVOKE`] of TA [`TA_UUID`]) or in the simulation process.
//! - [`certificate`]: device certificates: how a device certifier signs one, and which a TA
//!   accepts.
//! - [`sealed`]: the X25519 + AES-256-GCM box in which claims travel to a TA and the network
//!   key travels between TAs.
//! - [`credential`]: the W3C Verifiable Credentials the TA issues (Data Model 2.0, secured
//!   with `eddsa-jcs-2022`), and their verification.
//! - [`sd_jwt`]: the SD-JWT VCs the TA issues (`dc+sd-jwt`): their reserved names, holder keys
//!   and disclosure digests.
//! - [`status_list`]: the status lists the TA signs (W3C Bitstring Status List, IETF Token
//!   Status List) and the helpers that build and read them (bit order, gzip, zlib, base64url).
//! - [`disclosure`]: selective disclosure: salted claim leaves under a `merkle-cbt` root, the
//!   derived credentials a presentation carries and their verification.
//! - [`limits`]: the TA's memory budget (its OP-TEE heap) and the request limits that keep
//!   every legal request within it.
//!
//! The decoder is total: any byte string decodes to a [`Request`] or to a [`TaError`], never a
//! panic (see the fuzz target in `ta/fuzz`), and what decoding allocates is bounded
//! ([`limits::MAX_DECODED_BYTES`]).

#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

extern crate alloc;

pub mod certificate;
pub mod command;
pub mod credential;
pub mod disclosure;
/// The TA's memory budget and the request limits derived from it, in one file that the OP-TEE
/// build (`ta/optee/build.rs`) includes to size the TA's heap and stack.
///
/// The TA runs in a fixed heap ([`TA_HEAP_BYTES`](limits::TA_HEAP_BYTES)): an allocation past
/// it kills the TA (OP-TEE answers `TEE_ERROR_TARGET_DEAD`). So every legal request must fit
/// with margin, and the TA checks every size that decides its memory before it allocates for
/// it: the request's bytes, what decoding it reserves, and the bytes, values and nesting of
/// every JSON document it carries ([`JsonLimits`], checked by [`Command::check_limits`]). A
/// request over any limit gets [`TaError::TooLarge`].
pub mod limits;
pub mod sd_jwt;
pub mod sealed;
pub mod status_list;

use alloc::vec::Vec;
use codec::{Decode, DecodeLimit, Encode};
use teeid_primitives::json::{JsonError, JsonErrorKind, Limits as JsonLimits};

pub use command::{Command, Reply, Response, TaError};
pub use limits::{MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES};

/// The protocol version this crate speaks. A request of another version is refused with
/// [`TaError::UnsupportedVersion`] before anything else in it is read. Version 2: device
/// certificates (reports, endorsements, `DeviceKey`, `InstallCertificate`) and the block an
/// issuance names. Version 3: credential formats (SD-JWT VCs beside W3C credentials), the
/// holder key and status list entry an issuance names, and `SignStatusList`.
pub const PROTOCOL_VERSION: u16 = 3;

/// The TA's UUID: what OP-TEE loads it by (`<uuid>.ta`) and what its storage keys derive from.
pub const TA_UUID: &str = "5f3c9a4e-2b1d-4c8e-9a7f-6d0e1b2c3a4d";

/// [`TA_UUID`] as the 16 bytes OP-TEE's key derivation hashes (RFC 4122 byte order).
pub const TA_UUID_BYTES: [u8; 16] = [
	0x5f, 0x3c, 0x9a, 0x4e, 0x2b, 0x1d, 0x4c, 0x8e, 0x9a, 0x7f, 0x6d, 0x0e, 0x1b, 0x2c, 0x3a, 0x4d,
];

/// The OP-TEE command id under which every [`Request`] is invoked: parameter 0 is the request
/// (memref input), parameter 1 the response (memref output).
pub const INVOKE: u32 = 0x7465_6964;

/// How deep SCALE values may nest in a request.
const MAX_DECODE_DEPTH: u32 = 16;

// The limits file cannot name the parser's constant (the OP-TEE build script includes it).
const _: () = assert!(limits::JSON_MAX_DEPTH == teeid_primitives::json::MAX_DEPTH);

/// What the claims of an issuance may hold: at most [`limits::MAX_CLAIMS_BYTES`], values and
/// nesting such that the credential and its presentations stay within the parser's depth.
pub const CLAIMS_JSON: JsonLimits = JsonLimits {
	max_bytes: limits::MAX_CLAIMS_BYTES,
	max_values: limits::MAX_CLAIMS_VALUES,
	max_depth: limits::MAX_CLAIMS_DEPTH,
};

/// What a CPT schema may hold.
pub const SCHEMA_JSON: JsonLimits = JsonLimits {
	max_bytes: limits::MAX_SCHEMA_BYTES,
	max_values: limits::MAX_SCHEMA_VALUES,
	max_depth: limits::JSON_MAX_DEPTH,
};

/// What a credential to present may hold: anything the TA issues.
pub const CREDENTIAL_JSON: JsonLimits = JsonLimits {
	max_bytes: limits::MAX_CREDENTIAL_BYTES,
	max_values: limits::MAX_CREDENTIAL_VALUES,
	max_depth: limits::MAX_CREDENTIAL_DEPTH,
};

/// What `document` exceeds of `limits`, in words, if it does: for a host that refuses it before
/// the TA would (the worker's API answers its client with it).
pub fn exceeded_limit(limits: &JsonLimits, document: &[u8]) -> Option<alloc::string::String> {
	let error = limits.check(document).err()?;
	Some(match error.kind {
		JsonErrorKind::TooLong => alloc::format!("is over the TA's {} bytes", limits.max_bytes),
		JsonErrorKind::TooManyValues => alloc::format!(
			"holds over the TA's {} JSON values (member names count)",
			limits.max_values
		),
		_ => alloc::format!(
			"nests deeper than the TA's {} levels of arrays and objects",
			limits.max_depth.min(teeid_primitives::json::MAX_DEPTH)
		),
	})
}

/// The refusal of a JSON document that does not parse: [`TaError::TooLarge`] if it exceeds its
/// limits, `malformed` otherwise.
pub fn json_refusal(error: JsonError, malformed: TaError) -> TaError {
	if error.kind.is_limit() {
		TaError::TooLarge
	} else {
		malformed
	}
}

impl Command {
	/// Checks every JSON document the command carries against its limits ([`CLAIMS_JSON`],
	/// [`SCHEMA_JSON`], [`CREDENTIAL_JSON`]) in one pass over its bytes that allocates nothing:
	/// the TA refuses a document too large for its heap before it parses any of it. Sealed
	/// claims are checked by size here and in full once opened. An issuance's holder key is
	/// held to [`sd_jwt::HOLDER_JWK_JSON`] where it is read, and refused as
	/// [`TaError::BadHolderKey`] rather than as too large; a status list's bits are no JSON
	/// (their size is [`status_list::is_list_size`]'s, refused as [`TaError::BadStatusList`]).
	pub fn check_limits(&self) -> Result<(), TaError> {
		fn check(limits: &JsonLimits, bytes: &[u8]) -> Result<(), TaError> {
			limits.check(bytes).map(|_shape| ()).map_err(|_| TaError::TooLarge)
		}
		match self {
			Command::IssueCredential(request) => {
				check(&SCHEMA_JSON, &request.schema.schema)?;
				match &request.claims {
					credential::Claims::Plain(claims) => check(&CLAIMS_JSON, claims),
					credential::Claims::Sealed(sealed) => {
						let most = limits::MAX_CLAIMS_BYTES + limits::SEALED_OVERHEAD_BYTES;
						if sealed.ciphertext.len() > most {
							return Err(TaError::TooLarge);
						}
						Ok(())
					},
				}
			},
			Command::Present(request) => check(&CREDENTIAL_JSON, &request.credential),
			_ => Ok(()),
		}
	}
}

/// The request as the decoder reads it, counting what decoding reserves
/// ([`limits::MAX_DECODED_BYTES`]).
struct BudgetedInput<'a> {
	bytes: &'a [u8],
	reserved: usize,
	exceeded: bool,
}

/// What an allocation costs beyond its bytes (OP-TEE's allocator keeps a 16-byte header and
/// rounds to 16 bytes), counted per reservation.
const ALLOCATION_OVERHEAD: usize = 32;

impl codec::Input for BudgetedInput<'_> {
	fn remaining_len(&mut self) -> Result<Option<usize>, codec::Error> {
		Ok(Some(self.bytes.len()))
	}

	fn read(&mut self, into: &mut [u8]) -> Result<(), codec::Error> {
		codec::Input::read(&mut self.bytes, into)
	}

	fn on_before_alloc_mem(&mut self, size: usize) -> Result<(), codec::Error> {
		self.reserved = self.reserved.saturating_add(size).saturating_add(ALLOCATION_OVERHEAD);
		if self.reserved > limits::MAX_DECODED_BYTES {
			self.exceeded = true;
			return Err("the request decodes to more than the TA's limit".into());
		}
		Ok(())
	}
}

/// One invocation: the protocol version, then the command.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Request {
	/// [`PROTOCOL_VERSION`] of the sender.
	pub version: u16,
	/// What to do.
	pub command: Command,
}

impl Request {
	/// A request of this crate's version.
	pub fn new(command: Command) -> Self {
		Self { version: PROTOCOL_VERSION, command }
	}

	/// Decodes a request: the whole input, at most [`MAX_REQUEST_BYTES`], of this version,
	/// reserving at most [`limits::MAX_DECODED_BYTES`] for it ([`TaError::TooLarge`] past it).
	pub fn decode_bytes(input: &[u8]) -> Result<Command, TaError> {
		if input.len() > MAX_REQUEST_BYTES {
			return Err(TaError::TooLarge);
		}
		let mut cursor = input;
		let version = u16::decode(&mut cursor).map_err(|_| TaError::Malformed)?;
		if version != PROTOCOL_VERSION {
			return Err(TaError::UnsupportedVersion { supported: PROTOCOL_VERSION });
		}
		let mut budgeted = BudgetedInput { bytes: cursor, reserved: 0, exceeded: false };
		match Command::decode_with_depth_limit(MAX_DECODE_DEPTH, &mut budgeted) {
			Ok(command) if budgeted.bytes.is_empty() => Ok(command),
			Err(_) if budgeted.exceeded => Err(TaError::TooLarge),
			_ => Err(TaError::Malformed),
		}
	}
}

/// Encodes what a TA answers; a reply too large for [`MAX_RESPONSE_BYTES`] becomes
/// [`TaError::TooLarge`].
pub fn encode_response(response: &Response) -> Vec<u8> {
	let bytes = response.encode();
	if bytes.len() > MAX_RESPONSE_BYTES {
		return Response::Err(TaError::TooLarge).encode();
	}
	bytes
}

/// Decodes a TA's answer (the host side).
pub fn decode_response(output: &[u8]) -> Result<Response, codec::Error> {
	Response::decode_all_with_depth_limit(MAX_DECODE_DEPTH, &mut &output[..])
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn uuid_bytes_match_the_uuid() {
		let hex: alloc::string::String = TA_UUID.chars().filter(|c| *c != '-').collect();
		let bytes: Vec<u8> =
			(0..16).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap()).collect();
		assert_eq!(bytes, TA_UUID_BYTES);
	}

	#[test]
	fn requests_round_trip() {
		let request = Request::new(Command::Identity);
		assert_eq!(Request::decode_bytes(&request.encode()), Ok(Command::Identity));
	}

	#[test]
	fn another_version_is_refused_before_the_command_is_read() {
		let mut bytes = (PROTOCOL_VERSION - 1).encode();
		bytes.extend_from_slice(&[0xff; 8]);
		assert_eq!(
			Request::decode_bytes(&bytes),
			Err(TaError::UnsupportedVersion { supported: PROTOCOL_VERSION })
		);
	}

	#[test]
	fn garbage_and_trailing_bytes_are_malformed() {
		assert_eq!(Request::decode_bytes(&[]), Err(TaError::Malformed));
		let mut garbage = PROTOCOL_VERSION.encode();
		garbage.push(0xee);
		assert_eq!(Request::decode_bytes(&garbage), Err(TaError::Malformed));
		let mut bytes = Request::new(Command::Identity).encode();
		bytes.push(0);
		assert_eq!(Request::decode_bytes(&bytes), Err(TaError::Malformed));
		assert_eq!(Request::decode_bytes(&vec![0; MAX_REQUEST_BYTES + 1]), Err(TaError::TooLarge));
	}

	fn presentation(disclose: Vec<String>) -> Vec<u8> {
		Request::new(Command::Present(disclosure::PresentationRequest {
			credential: b"{}".to_vec(),
			holder: "did:teeid:holder".into(),
			disclose,
			challenge: "c".into(),
			domain: "d".into(),
			created: "2026-01-01T00:00:00Z".into(),
		}))
		.encode()
	}

	#[test]
	fn a_request_that_decodes_past_its_budget_is_too_large() {
		// 100,000 empty names: 100 KB of request, 2.4 MB of heap once decoded.
		let bomb = presentation(vec![String::new(); 100_000]);
		assert!(bomb.len() <= MAX_REQUEST_BYTES);
		assert_eq!(Request::decode_bytes(&bomb), Err(TaError::TooLarge));
		// A request of the same size whose bytes are what it decodes to is fine.
		let names = presentation(vec!["n".repeat(100); 1000]);
		assert!(names.len() >= bomb.len() && names.len() <= MAX_REQUEST_BYTES);
		assert!(matches!(Request::decode_bytes(&names), Ok(Command::Present(_))));
	}

	fn issuance(schema: &[u8], claims: credential::Claims) -> Command {
		Command::IssueCredential(credential::IssuanceRequest {
			id: "urn:uuid:1".into(),
			issuer: "did:teeid:issuer".into(),
			holder: "did:teeid:holder".into(),
			schema: credential::SchemaRef { id: "urn:teeid:cpt:1".into(), schema: schema.to_vec() },
			claims,
			valid_from: "2026-01-01T00:00:00Z".into(),
			valid_until: None,
			created: "2026-01-01T00:00:00Z".into(),
			block_number: 1,
			block_hash: sp_core::H256([2; 32]),
			format: credential::CredentialFormat::W3cVc,
			holder_jwk: None,
			status_list: credential::StatusListEntry {
				uri: "https://issuer.example/v1/status-lists/1".into(),
				index: 7,
			},
		})
	}

	fn plain(claims: &str) -> Command {
		issuance(br#"{"type":"object"}"#, credential::Claims::Plain(claims.as_bytes().to_vec()))
	}

	/// Claims whose deepest container is `depth` levels down (the claims object is the first).
	fn nested(depth: usize) -> String {
		format!(r#"{{"a":{}{}}}"#, "[".repeat(depth - 1), "]".repeat(depth - 1))
	}

	#[test]
	fn json_over_its_limits_is_refused_before_it_is_parsed() {
		use limits::*;
		assert_eq!(plain(r#"{"name":"Alice"}"#).check_limits(), Ok(()));
		// What the TA's heap does not fit: many values, many bytes, too deep to present.
		let zeros = format!(r#"{{"zeros":[{}0]}}"#, "0,".repeat(MAX_CLAIMS_VALUES));
		let long = format!(r#"{{"text":"{}"}}"#, "x".repeat(MAX_CLAIMS_BYTES));
		for claims in [zeros, long, nested(MAX_CLAIMS_DEPTH + 1)] {
			assert_eq!(plain(&claims).check_limits(), Err(TaError::TooLarge));
		}
		assert_eq!(plain(&nested(MAX_CLAIMS_DEPTH)).check_limits(), Ok(()));
		// Malformed but within the limits: for the parser to refuse (as BadClaims).
		assert_eq!(plain("{").check_limits(), Ok(()));

		let schema = format!(r#"{{"type":"object","title":"{}"}}"#, "x".repeat(MAX_SCHEMA_BYTES));
		let sealed_claims = |len| {
			let ciphertext = vec![0; len];
			credential::Claims::Sealed(sealed::SealedBox { ephemeral: [1; 32], ciphertext })
		};
		assert_eq!(
			issuance(schema.as_bytes(), credential::Claims::Plain(b"{}".to_vec())).check_limits(),
			Err(TaError::TooLarge)
		);
		let most = MAX_CLAIMS_BYTES + SEALED_OVERHEAD_BYTES;
		assert_eq!(issuance(b"{}", sealed_claims(most)).check_limits(), Ok(()));
		assert_eq!(issuance(b"{}", sealed_claims(most + 1)).check_limits(), Err(TaError::TooLarge));

		let present = |credential: Vec<u8>| {
			Command::Present(disclosure::PresentationRequest {
				credential,
				holder: "did:teeid:holder".into(),
				disclose: vec!["a".into()],
				challenge: "c".into(),
				domain: "d".into(),
				created: "2026-01-01T00:00:00Z".into(),
			})
		};
		let large = format!(r#"{{"a":"{}"}}"#, "x".repeat(MAX_CREDENTIAL_BYTES));
		assert_eq!(present(large.into_bytes()).check_limits(), Err(TaError::TooLarge));
		assert_eq!(present(b"{}".to_vec()).check_limits(), Ok(()));
	}

	#[test]
	fn claim_leaves_hash_the_claim_as_written_works() {
		// The leaf is hashed as the canonical JSON is written, never copied: the same hash as
		// of the bytes the documented formula lays out.
		let value = teeid_primitives::json::Value::parse(br#"{"b":[1e21,"\u00e9"],"a":null}"#)
			.expect("JSON");
		let salt = [7u8; 32];
		let mut bytes = b"teeid/claim/v1".to_vec();
		bytes.extend_from_slice(&salt);
		bytes.extend_from_slice(&5u32.to_le_bytes());
		bytes.extend_from_slice(b"claim");
		bytes.extend_from_slice(&value.to_canonical());
		let leaf = disclosure::claim_leaf(&salt, "claim", &value);
		assert_eq!(leaf.0, sp_crypto_hashing::blake2_256(&bytes));
	}

	#[test]
	fn hosts_can_name_the_limit_a_document_exceeds_works() {
		let limits = JsonLimits { max_bytes: 16, max_values: 3, max_depth: 2 };
		assert_eq!(exceeded_limit(&limits, b"[1,2]"), None);
		let reason = |document: &[u8]| exceeded_limit(&limits, document).expect("over a limit");
		assert!(reason(b"[1,2,3,4,5,6,7,8]").contains("16 bytes"));
		assert!(reason(b"[1,2,3]").contains("3 JSON values"));
		assert!(reason(b"[[[]]]").contains("2 levels"));
	}

	#[test]
	fn the_worst_legal_requests_fit_the_request_limit() {
		use limits::*;
		let identifier = "x".repeat(credential::MAX_IDENTIFIER_BYTES);
		let Command::IssueCredential(mut issue) = issuance(
			" ".repeat(MAX_SCHEMA_BYTES).as_bytes(),
			credential::Claims::Sealed(sealed::SealedBox {
				ephemeral: [1; 32],
				ciphertext: vec![0; MAX_CLAIMS_BYTES + SEALED_OVERHEAD_BYTES],
			}),
		) else {
			unreachable!()
		};
		(issue.id, issue.issuer, issue.holder) =
			(identifier.clone(), identifier.clone(), identifier.clone());
		issue.schema.id = identifier.clone();
		issue.valid_until = Some("2027-01-01T00:00:00Z".into());
		issue.format = credential::CredentialFormat::SdJwtVc;
		issue.holder_jwk = Some(vec![b' '; credential::MAX_HOLDER_JWK_BYTES]);
		issue.status_list.uri = identifier.clone();
		let issue = Request::new(Command::IssueCredential(issue)).encode();
		assert!(issue.len() <= MAX_REQUEST_BYTES);
		// And they decode within the decoding budget.
		assert!(Request::decode_bytes(&issue).is_ok());
		// A presentation of the largest credential naming its 256 claims, their names as long as
		// the claims' bytes allow (and then some).
		let name = "n".repeat(MAX_CLAIMS_BYTES / disclosure::MAX_CLAIMS);
		let present = Command::Present(disclosure::PresentationRequest {
			credential: vec![b' '; MAX_CREDENTIAL_BYTES],
			holder: identifier.clone(),
			disclose: vec![name; disclosure::MAX_CLAIMS],
			challenge: identifier.clone(),
			domain: identifier.clone(),
			created: "2026-01-01T00:00:00Z".into(),
		});
		let present = Request::new(present).encode();
		assert!(present.len() <= MAX_REQUEST_BYTES);
		assert!(Request::decode_bytes(&present).is_ok());
		// The largest status list, its identifiers as long as the TA takes them.
		let list = Command::SignStatusList(status_list::StatusListRequest {
			issuer: identifier.clone(),
			uri: identifier,
			format: status_list::StatusListFormat::Token,
			bits: vec![0xa5; status_list::MAX_STATUS_LIST_BITS / 8],
			created: "2026-01-01T00:00:00Z".into(),
			ttl: Some(u32::MAX),
			block_number: u32::MAX,
			block_hash: sp_core::H256([3; 32]),
		});
		let list = Request::new(list).encode();
		assert!(list.len() <= MAX_REQUEST_BYTES, "{} bytes", list.len());
		let decoded = Request::decode_bytes(&list).expect("the largest list decodes");
		assert!(matches!(decoded, Command::SignStatusList(_)));
		assert_eq!(decoded.check_limits(), Ok(()));
	}
}
