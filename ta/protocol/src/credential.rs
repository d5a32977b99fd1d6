//! The Verifiable Credentials a teeid TA issues, and how they are checked.
//!
//! The TA issues a credential in one of two formats ([`CredentialFormat`]): a W3C Verifiable
//! Credential (`ldp_vc`, below) or an SD-JWT VC (`dc+sd-jwt`, [`crate::sd_jwt`]). Both are
//! signed by the issuer DID's key for the TEE that signed, name the chain's status record of
//! the credential and an entry of a status list ([`StatusListEntry`], [`crate::status_list`]),
//! and say which TEE issued them against which block.
//!
//! A W3C credential is a Verifiable Credential (Data Model 2.0) secured with a
//! `DataIntegrityProof` of cryptosuite `eddsa-jcs-2022`, whose `verificationMethod` is the
//! issuer DID's key for the TEE that signed (`did:teeid:…#tee-<hex>`):
//!
//! ```json
//! {
//!   "@context": ["https://www.w3.org/ns/credentials/v2"],
//!   "id": "urn:uuid:…",
//!   "type": ["VerifiableCredential"],
//!   "issuer": "did:teeid:…",
//!   "validFrom": "2026-01-01T00:00:00Z",
//!   "validUntil": "2027-01-01T00:00:00Z",
//!   "credentialSubject": { "id": "did:…", "<claim>": … },
//!   "credentialSchema": { "id": "…", "type": "JsonSchema", "digestMultibase": "z…" },
//!   "credentialStatus": [
//!     { "id": "urn:teeid:evidence:0x…", "type": "TeeidEvidenceStatus2026",
//!       "statusPurpose": "revocation", "chain": "0x…", "evidence": "0x…" },
//!     { "id": "<list URI>#<index>", "type": "BitstringStatusListEntry",
//!       "statusPurpose": "revocation", "statusListIndex": "<index>",
//!       "statusListCredential": "<list URI>" }
//!   ],
//!   "evidence": [{ "type": ["TeeidTeeEvidence2026"], "platform": "Simulated",
//!                  "measurement": "0x…", "blockNumber": 1234, "blockHash": "0x…" }],
//!   "disclosure": { "type": "TeeidMerkleDisclosure2026", "root": "0x…", "claimCount": 3,
//!                   "baseProof": "z…" },
//!   "proof": { "type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022", … }
//! }
//! ```
//!
//! `credentialStatus` names the evidence record (pallet-evidence) whose logs revoke the
//! credential, the source of truth, and the entry of the issuer's Bitstring Status List that
//! the worker keeps in step with that record's logs, for verifiers that read status lists;
//! `evidence` names the kind of TEE and the code that issued it (`Simulated` for the
//! simulation, so a simulated credential says so in what is signed) and the finalized block it
//! was issued against, a chain time the TA signs rather than one the host picks (it refuses a
//! block older than the newest it has seen); `disclosure` is explained in
//! [`crate::disclosure`].

use alloc::{
	format,
	string::{String, ToString},
	vec::Vec,
};
use codec::{Decode, Encode};
use sha2::{Digest, Sha256};
use teeid_primitives::{
	attestation::{parse_tee_key_id, TeePlatform},
	data_integrity::{self, VerificationInput},
	json::Value,
	BlockNumber, Hash,
};

use crate::sealed::SealedBox;

/// The VC Data Model 2.0 context.
pub const CONTEXT_V2: &str = "https://www.w3.org/ns/credentials/v2";
/// The `type` of every credential.
pub const CREDENTIAL_TYPE: &str = "VerifiableCredential";
/// The `type` of every presentation.
pub const PRESENTATION_TYPE: &str = "VerifiablePresentation";
/// `credentialSchema.type`: a JSON Schema.
pub const SCHEMA_TYPE: &str = "JsonSchema";
/// `credentialStatus.type`: revocation through an evidence record.
pub const STATUS_TYPE: &str = "TeeidEvidenceStatus2026";
/// The `statusPurpose` of every status entry and status list: revocation.
pub const STATUS_PURPOSE: &str = "revocation";
/// The `type` of a credential's `evidence` entry naming the TEE that issued it.
pub const TEE_EVIDENCE_TYPE: &str = "TeeidTeeEvidence2026";
/// The method prefix of an issuer: issuers are `did:teeid` DIDs.
pub const ISSUER_PREFIX: &str = "did:teeid:";
/// The longest identifier (credential id, DID, schema id, status list URI) accepted.
pub const MAX_IDENTIFIER_BYTES: usize = 256;
/// The longest holder key (`IssuanceRequest::holder_jwk`, JSON) accepted.
pub const MAX_HOLDER_JWK_BYTES: usize = 1024;

/// The format of a credential.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Encode, Decode)]
pub enum CredentialFormat {
	/// A W3C Verifiable Credential (Data Model 2.0) secured with `eddsa-jcs-2022`: OpenID4VCI's
	/// `ldp_vc`.
	#[codec(index = 0)]
	W3cVc,
	/// An SD-JWT VC (`dc+sd-jwt`) whose claims are each selectively disclosable, bound to the
	/// holder's key ([`crate::sd_jwt`]).
	#[codec(index = 1)]
	SdJwtVc,
}

/// The entry of a status list that carries a credential's status: a W3C credential names it in
/// `credentialStatus` (a `BitstringStatusListEntry`), an SD-JWT VC in `status.status_list`.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct StatusListEntry {
	/// The status list's URL: an `https://` or `http://` URI without a fragment, at most
	/// [`MAX_IDENTIFIER_BYTES`] ([`crate::status_list::is_status_list_uri`]).
	pub uri: String,
	/// The index of the credential's bit in that list: below the list's size, so below
	/// [`crate::status_list::MAX_STATUS_LIST_BITS`].
	pub index: u32,
}

/// The claims of an issuance request.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub enum Claims {
	/// A JSON object, readable by the host.
	#[codec(index = 0)]
	Plain(Vec<u8>),
	/// A JSON object sealed ([`crate::sealed::Purpose::Claims`]) to the TA's agreement key
	/// with the issuer DID as associated data: only the TA reads it.
	#[codec(index = 1)]
	Sealed(SealedBox),
}

/// The schema a credential follows: the CPT's id and its JSON Schema.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct SchemaRef {
	/// The schema's URI (`credentialSchema.id`).
	pub id: String,
	/// The JSON Schema, as stored on chain.
	pub schema: Vec<u8>,
}

/// What a worker asks its TA to issue.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct IssuanceRequest {
	/// The credential's id, a URI (`urn:uuid:…`).
	pub id: String,
	/// The issuer: a `did:teeid` DID this TEE is bound to as a signer.
	pub issuer: String,
	/// The holder (`credentialSubject.id`): a DID.
	pub holder: String,
	/// The schema the claims follow.
	pub schema: SchemaRef,
	/// The claims.
	pub claims: Claims,
	/// `validFrom`.
	pub valid_from: String,
	/// `validUntil`, if the credential expires.
	pub valid_until: Option<String>,
	/// The proof's `created` time.
	pub created: String,
	/// The latest finalized block the worker issues against: its number. The TA signs it into
	/// the credential's evidence (`blockNumber`), and refuses a block older than the newest it
	/// has seen ([`crate::TaError::StaleBlock`]).
	pub block_number: BlockNumber,
	/// That block's hash (`blockHash` of the credential's evidence).
	pub block_hash: Hash,
	/// Which format to build.
	pub format: CredentialFormat,
	/// The holder's public key as a JWK (JSON, at most [`MAX_HOLDER_JWK_BYTES`]): required for
	/// [`CredentialFormat::SdJwtVc`] (it becomes `cnf.jwk`), refused for
	/// [`CredentialFormat::W3cVc`] (which must send `None`). [`crate::sd_jwt::holder_jwk`]
	/// says which keys the TA takes.
	pub holder_jwk: Option<Vec<u8>>,
	/// The status list entry the worker allocated for this credential.
	pub status_list: StatusListEntry,
}

/// How `evidence.platform` names a platform: `OpTee` or `Simulated`, as on chain.
pub fn platform_name(platform: TeePlatform) -> &'static str {
	match platform {
		TeePlatform::OpTee => "OpTee",
		TeePlatform::Simulated => "Simulated",
	}
}

/// The verification method of TEE key `key` in the document of `did`.
pub fn verification_method(did: &str, key: &[u8; 32]) -> String {
	let id = teeid_primitives::attestation::tee_key_id(&sp_core::ed25519::Public::from_raw(*key));
	format!("{did}#{}", String::from_utf8_lossy(&id))
}

/// The DID and TEE key a `did:…#tee-<hex>` verification method names.
pub fn split_verification_method(method: &str) -> Option<(&str, [u8; 32])> {
	let (did, fragment) = method.split_once('#')?;
	let key = parse_tee_key_id(fragment.as_bytes())?;
	Some((did, key.0))
}

/// The evidence record (its hash in pallet-evidence) that holds the status of credential `id`
/// on chain `genesis_hash`.
pub fn status_evidence(genesis_hash: &Hash, id: &str) -> Hash {
	let mut bytes = Vec::with_capacity(32 + 32 + id.len());
	bytes.extend_from_slice(b"teeid/credential-status/v1");
	bytes.extend_from_slice(genesis_hash.as_bytes());
	bytes.extend_from_slice(id.as_bytes());
	Hash::from(sp_crypto_hashing::blake2_256(&bytes))
}

/// `0x` and lowercase hex.
pub fn hex0x(bytes: &[u8]) -> String {
	const HEX: &[u8; 16] = b"0123456789abcdef";
	let mut out = String::with_capacity(2 + 2 * bytes.len());
	out.push_str("0x");
	for byte in bytes {
		out.push(HEX[usize::from(byte >> 4)] as char);
		out.push(HEX[usize::from(byte & 0x0f)] as char);
	}
	out
}

/// The 32 bytes a `0x`-hex string holds.
pub fn parse_hex32(text: &str) -> Option<[u8; 32]> {
	let hex = text.strip_prefix("0x")?.as_bytes();
	if hex.len() != 64 {
		return None;
	}
	let nibble = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
	let mut out = [0u8; 32];
	for (i, pair) in hex.chunks(2).enumerate() {
		out[i] = (nibble(pair[0])? << 4) | nibble(pair[1])?;
	}
	Some(out)
}

/// `digestMultibase` of a schema: multibase base58-btc of the SHA-256 multihash of its
/// canonical form, so a verifier can compare it with the schema on chain.
pub fn schema_digest(canonical_schema: &[u8]) -> String {
	let mut multihash = Vec::with_capacity(34);
	multihash.extend_from_slice(&[0x12, 0x20]);
	multihash.extend_from_slice(&Sha256::digest(canonical_schema));
	let mut out = String::from("z");
	out.push_str(&teeid_primitives::base58::encode(&multihash));
	out
}

/// SHA-256 of a credential's canonical form: the hash batches anchor and evidence records.
pub fn credential_hash(credential: &Value) -> [u8; 32] {
	canonical_credential_hash(&credential.to_canonical())
}

/// [`credential_hash`] of a credential already in canonical form.
pub fn canonical_credential_hash(canonical: &[u8]) -> [u8; 32] {
	Sha256::digest(canonical).into()
}

/// Checks that `text` is an acceptable identifier: a URI-like string of at most
/// [`MAX_IDENTIFIER_BYTES`] with a scheme and no whitespace or control characters.
pub fn check_identifier(text: &str, what: &str) -> Result<(), String> {
	let has_scheme =
		text.split_once(':').is_some_and(|(scheme, rest)| !scheme.is_empty() && !rest.is_empty());
	if text.len() > MAX_IDENTIFIER_BYTES
		|| !has_scheme
		|| text.chars().any(|c| c.is_whitespace() || c.is_control() || c == '#')
	{
		return Err(format!(
			"{what} must be a URI without a fragment, at most {MAX_IDENTIFIER_BYTES} bytes"
		));
	}
	Ok(())
}

/// The days of `month` (1 to 12) in `year` of the Gregorian calendar.
fn days_in_month(year: u32, month: u32) -> u32 {
	let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
	match month {
		2 if leap => 29,
		2 => 28,
		4 | 6 | 9 | 11 => 30,
		_ => 31,
	}
}

/// Checks an RFC 3339 UTC timestamp of the form `YYYY-MM-DDThh:mm:ssZ` (the form whose string
/// order is time order) naming a day that exists (no 31 April, 29 February in leap years only),
/// as every RFC 3339 parser a verifier uses requires.
pub fn is_timestamp(text: &str) -> bool {
	let b = text.as_bytes();
	let digits = |range: core::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
	let number = |range: core::ops::Range<usize>| {
		b[range].iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'))
	};
	b.len() == 20
		&& digits(0..4)
		&& b[4] == b'-'
		&& digits(5..7)
		&& b[7] == b'-'
		&& digits(8..10)
		&& b[10] == b'T'
		&& digits(11..13)
		&& b[13] == b':'
		&& digits(14..16)
		&& b[16] == b':'
		&& digits(17..19)
		&& b[19] == b'Z'
		&& (1..=12).contains(&number(5..7))
		&& (1..=days_in_month(number(0..4), number(5..7))).contains(&number(8..10))
		&& number(11..13) < 24
		&& number(14..16) < 60
		&& number(17..19) < 61
}

/// Why a secured document does not verify.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ProofCheckError {
	/// The proof is missing or malformed.
	Malformed(data_integrity::ProofError),
	/// The verification method is not a TEE key of a DID.
	NotTeeKey,
	/// The signature does not verify.
	BadSignature,
}

impl core::fmt::Display for ProofCheckError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::Malformed(e) => write!(f, "malformed proof: {e:?}"),
			Self::NotTeeKey => f.write_str("the verification method is not a did#tee-<key>"),
			Self::BadSignature => f.write_str("the signature does not verify"),
		}
	}
}

/// Verifies an `eddsa-jcs-2022` proof made by a TEE key: the key is the one the verification
/// method names. Returns the proof's inputs (verification method, purpose); whether that key
/// may sign for the DID is for the caller to resolve.
pub fn verify_tee_proof(secured: &Value) -> Result<(VerificationInput, [u8; 32]), ProofCheckError> {
	let input = data_integrity::verification_input(secured).map_err(ProofCheckError::Malformed)?;
	let (_, key) =
		split_verification_method(&input.verification_method).ok_or(ProofCheckError::NotTeeKey)?;
	verify_ed25519(&key, &input.hash_data, &input.signature)?;
	Ok((input, key))
}

/// Verifies an Ed25519 signature, strictly (no malleable or small-order encodings).
pub fn verify_ed25519(
	key: &[u8; 32],
	message: &[u8],
	signature: &[u8; 64],
) -> Result<(), ProofCheckError> {
	let key =
		ed25519_dalek::VerifyingKey::from_bytes(key).map_err(|_| ProofCheckError::BadSignature)?;
	key.verify_strict(message, &ed25519_dalek::Signature::from_bytes(signature))
		.map_err(|_| ProofCheckError::BadSignature)
}

/// The seconds since 1970-01-01T00:00:00Z (a JWT `NumericDate`) of a timestamp of the form
/// [`is_timestamp`] checks, or `None` for anything else or a time before 1970. A leap second
/// (`:60`) counts as the first second of the next minute, as POSIX time has no leap seconds.
pub fn unix_seconds(timestamp: &str) -> Option<u64> {
	if !is_timestamp(timestamp) {
		return None;
	}
	let b = timestamp.as_bytes();
	let number = |range: core::ops::Range<usize>| {
		b[range].iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0'))
	};
	let (year, month, day) = (number(0..4), number(5..7), number(8..10));
	// Days since the epoch of a date of the proleptic Gregorian calendar (Howard Hinnant's
	// `days_from_civil`): years begin in March, so that the leap day is the last of its year.
	let year = if month <= 2 { year - 1 } else { year };
	let (era, year_of_era) = (year.div_euclid(400), year.rem_euclid(400));
	let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
	let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
	let days = era * 146_097 + day_of_era - 719_468;
	let seconds = days * 86_400 + number(11..13) * 3_600 + number(14..16) * 60 + number(17..19);
	u64::try_from(seconds).ok()
}

/// Whether `n` is a whole number (`f64::fract` needs `std`; the remainder does not).
pub fn is_whole(n: f64) -> bool {
	n % 1.0 == 0.0
}

/// A string member.
pub fn text<'a>(value: &'a Value, name: &str) -> Option<&'a str> {
	value.get(name).and_then(Value::as_str)
}

/// A JSON string value.
pub fn string(text: impl ToString) -> Value {
	Value::String(text.to_string())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn timestamps_are_strict() {
		assert!(is_timestamp("2026-11-21T12:00:00Z"));
		for bad in [
			"2026-11-21T12:00:00",
			"2026-11-21 12:00:00Z",
			"2026-13-21T12:00:00Z",
			"2026-11-21T24:00:00Z",
			"2026-11-21T12:00:00+01:00",
			"２026-11-21T12:00:00Z",
		] {
			assert!(!is_timestamp(bad), "{bad}");
		}
	}

	#[test]
	fn timestamps_name_days_that_exist_works() {
		for good in [
			"2024-02-29T00:00:00Z",
			"2000-02-29T00:00:00Z",
			"2026-02-28T23:59:59Z",
			"2026-04-30T12:00:00Z",
			"2026-12-31T12:00:00Z",
		] {
			assert!(is_timestamp(good), "{good}");
		}
		for bad in [
			"2023-02-29T00:00:00Z",
			"1900-02-29T00:00:00Z",
			"2026-02-31T12:00:00Z",
			"2026-04-31T12:00:00Z",
			"2026-06-31T12:00:00Z",
			"2026-01-00T12:00:00Z",
			"2026-01-32T12:00:00Z",
		] {
			assert!(!is_timestamp(bad), "{bad}");
		}
	}

	#[test]
	fn unix_seconds_count_from_1970_works() {
		assert_eq!(unix_seconds("1970-01-01T00:00:00Z"), Some(0));
		assert_eq!(unix_seconds("2000-03-01T00:00:00Z"), Some(951_868_800));
		assert_eq!(unix_seconds("2024-02-29T12:34:56Z"), Some(1_709_210_096));
		assert_eq!(unix_seconds("2026-03-02T10:15:30Z"), Some(1_772_446_530));
		// A leap second is the next minute's first.
		assert_eq!(unix_seconds("2016-12-31T23:59:60Z"), unix_seconds("2017-01-01T00:00:00Z"));
		assert_eq!(unix_seconds("1969-12-31T23:59:59Z"), None);
		assert_eq!(unix_seconds("0000-01-01T00:00:00Z"), None);
		assert_eq!(unix_seconds("2026-02-30T00:00:00Z"), None);
	}

	#[test]
	fn identifiers_need_a_scheme_and_no_fragment() {
		assert!(check_identifier("urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33", "id").is_ok());
		assert!(check_identifier("did:teeid:5Grw", "id").is_ok());
		for bad in ["plain", ":x", "did:", "did:x#frag", "did:x y", &"a:".repeat(200)] {
			assert!(check_identifier(bad, "id").is_err(), "{bad}");
		}
	}

	#[test]
	fn verification_methods_round_trip() {
		let method = verification_method("did:teeid:abc", &[0xab; 32]);
		assert!(method.starts_with("did:teeid:abc#tee-abab"));
		assert_eq!(split_verification_method(&method), Some(("did:teeid:abc", [0xab; 32])));
		assert_eq!(split_verification_method("did:teeid:abc#key-1"), None);
	}

	#[test]
	fn hex_round_trips() {
		assert_eq!(parse_hex32(&hex0x(&[0x5a; 32])), Some([0x5a; 32]));
		assert_eq!(parse_hex32("0x12"), None);
	}
}
