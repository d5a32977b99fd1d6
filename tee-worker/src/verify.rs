//! Verifying credentials and presentations against the chain.
//!
//! Two formats are verified: W3C credentials (`eddsa-jcs-2022`) and presentations of them,
//! and SD-JWT VCs (`dc+sd-jwt`, [`crate::sd_jwt`]) with or without a key-binding JWT. Each
//! states, in what its TEE signed, the same facts: its issuer, the TEE key that signed, its id,
//! the finalized block its TA issued it against, the TEE's platform and code, its schema and
//! the schema's digest, the evidence record that carries its revocation, and its validity
//! period. A W3C credential states them in `evidence[0]` (`blockNumber`, `blockHash`,
//! `platform`, `measurement`), `credentialSchema`, `credentialStatus` (the
//! `TeeidEvidenceStatus2026` entry), `validFrom` and `validUntil`; an SD-JWT VC in its `teeid`
//! member (`blockNumber`, `blockHash`, `platform`, `measurement`, `schemaDigest`,
//! `statusEvidence`), `vct`, `jti`, `iat`, `nbf` and `exp`. The chain checks read those facts
//! ([`Statement`]), whatever the format: every check reads the chain at that block unless it
//! says now, and each has a name (the `check` of its entry in the answer):
//! 1. **proof**: a W3C credential's `eddsa-jcs-2022` proof by the TEE key its
//!    `verificationMethod` names, a key of the issuer, purpose `assertionMethod`; an SD-JWT's
//!    issuer-signed JWT (`EdDSA`, `typ` `dc+sd-jwt`) by the TEE key its `kid` names, a key of
//!    its `iss`;
//! 2. **disclosures** (SD-JWT): every disclosure is one whose digest the issuer signed, none
//!    is given twice, none clashes with a signed member;
//! 3. **key binding** (an SD-JWT presentation, or when the verifier asks for one): the
//!    key-binding JWT is the holder's (`cnf.jwk`), for exactly these disclosures (`sd_hash`),
//!    made within 300 s, for the audience and nonce the verifier gave;
//! 4. **issuance block**: the block is a finalized block of this chain, and the time the TA
//!    dated the credential (`proof.created`, or the JWT's `iat`) lies within
//!    [`CREATED_TOLERANCE`] of its timestamp (the TA signed the block; the date must agree);
//! 5. **issuer key**: the verification method is in the issuer DID's `assertionMethod` at that
//!    block (the key was bound and counting then);
//! 6. **tee worker**: the worker owning the key at that block was registered, active and
//!    certified, and its platform and measurement on chain are the ones the credential names;
//! 7. **tee code**: that worker's measurement, as the chain records it, is allowed now (root
//!    removes compromised code, failing everything it signed);
//! 8. **simulation**: a `Simulated` worker's credential passes only while the chain's
//!    simulation flag is on now;
//! 9. **schema**: the schema digest is the digest of the schema of the CPT the credential's
//!    schema id (`credentialSchema.id`, or `vct`) names, at that block (the schema the worker
//!    gave the TA);
//! 10. **anchor**: its hash (of the W3C credential; of an SD-JWT's issuer-signed JWT, the
//!     same for every presentation of it) is an evidence record, or a leaf of a batch anchored
//!     on chain (by a proof given with the request or from this worker's index), created or
//!     anchored by the issuer or the signing worker's operator at or after that block
//!     ([`AnchorRule`]); or it is still pending in this worker's next batch;
//! 11. **revocation**: the issuer has not revoked the evidence record the credential names
//!     (now); for an SD-JWT whose token status list is this worker's, the detail also says
//!     what the list's bit says (the chain's record decides: the list follows it);
//! 12. **validity**: now lies within the validity period.
//!
//! A credential that names no block (made before TAs signed their block) fails `issuance
//! block` and, by name, every check that needs the block. A W3C presentation's derived
//! credentials are checked the same way but for `proof` (the presentation's proofs replace it,
//! and a derived credential has no `created`) and `anchor` (its hash is not the issued one's).
//!
//! What a request sends is read by the strict parser of `teeid-primitives` (I-JSON: a member
//! named twice is refused, not resolved silently to one of its values), so the document checked
//! is exactly the one sent. Parsing, canonicalizing and checking signatures of untrusted input
//! costs CPU in proportion to the body (up to 2 MiB): it runs on tokio's blocking pool under
//! [`VerifyLimit`], never on the async runtime that serves every other request and the slot
//! loop. The chain checks that follow are reads, and run on the runtime.

use axum::body::Bytes;
use codec::{Decode, Encode};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::value::RawValue;
use sp_core::H256;
use std::{sync::Arc, time::Duration};
use teeid_did_resolver::{resolve, source::ChainSource};
use teeid_primitives::{
	attestation::TeePlatform,
	data_integrity::{ProofError, VerificationInput, MAX_PROOF_VALUE_CHARS},
	json::{self, JsonErrorKind},
	merkle::BatchProof,
	AccountId,
};
use teeid_ta_protocol::{
	credential::{
		credential_hash, is_whole, parse_hex32, platform_name, schema_digest,
		split_verification_method, status_evidence, verification_method, verify_tee_proof,
		ProofCheckError, STATUS_TYPE,
	},
	disclosure::{verify_presentation, DisclosureError, VerifiedPresentation},
};

use crate::{
	admission::Admission,
	api::hex_array,
	chain::{ChainView, WorkerStatus},
	error::WorkerError,
	issue::{cpt_of_schema_id, rfc3339},
	sd_jwt::{KeyBindingRule, SdJwt},
	store::BatchState,
	worker::{account_of, did_of, parse_did, Worker},
};

// The names of the checks, as the answer gives them.
const PROOF: &str = "proof";
const DISCLOSURES: &str = "disclosures";
const KEY_BINDING: &str = "key binding";
const ISSUANCE_BLOCK: &str = "issuance block";
const ISSUER_KEY: &str = "issuer key";
const HOLDER_KEY: &str = "holder key";
const TEE_WORKER: &str = "tee worker";
const TEE_CODE: &str = "tee code";
const SIMULATION: &str = "simulation";
const SCHEMA: &str = "schema";
const ANCHOR: &str = "anchor";
const REVOCATION: &str = "revocation";
const VALIDITY: &str = "validity";

/// How far `proof.created` may lie from the timestamp of the block a credential names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tolerance {
	/// How long before the block's time.
	pub before: Duration,
	/// How long after the block's time.
	pub after: Duration,
}

impl Tolerance {
	/// Whether `created_ms` lies within the tolerance of `block_ms` (both ms since the epoch).
	pub fn admits(&self, created_ms: u64, block_ms: u64) -> bool {
		created_ms.saturating_add(self.before.as_millis() as u64) >= block_ms
			&& created_ms <= block_ms.saturating_add(self.after.as_millis() as u64)
	}
}

/// `proof.created` lies at most 60 s before and 600 s after the time of the credential's block:
/// clocks differ a little, and a TA may sign a few minutes after the block it names (the
/// newest finalized one when the request came).
pub const CREATED_TOLERANCE: Tolerance =
	Tolerance { before: Duration::from_secs(60), after: Duration::from_secs(600) };

/// How the answer names what a credential format states, so that a check's detail points at
/// the member the credential sent.
struct Wording {
	/// No issuance block at all.
	no_block: &'static str,
	/// A block number that is not one.
	bad_block_number: &'static str,
	/// A block hash that is not one.
	bad_block_hash: &'static str,
	/// The member that dates the credential.
	created: &'static str,
	/// No such date.
	no_created: &'static str,
	/// No verification method.
	no_method: &'static str,
	/// A schema id that is not a CPT's.
	bad_schema_id: &'static str,
	/// No schema digest.
	no_schema_digest: &'static str,
	/// No id or no status record.
	no_status: &'static str,
	/// What precedes `0x<record>` where the credential names its status record.
	status_prefix: &'static str,
	/// A status record that is not the one for the credential's id on this chain.
	wrong_status: &'static str,
	/// No start of the validity period.
	no_valid_from: &'static str,
	/// An end of the validity period that is not a time.
	bad_valid_until: &'static str,
}

/// The words for a W3C credential.
const W3C_WORDING: Wording = Wording {
	no_block: "the credential names no issuance block (`evidence[0].blockNumber` and \
	           `blockHash`): it was issued before TAs signed their block",
	bad_block_number: "`evidence[0].blockNumber` is not a block number",
	bad_block_hash: "`evidence[0].blockHash` is not 32 bytes of 0x hex",
	created: "`created`",
	no_created: "the proof has no `created` time",
	no_method: "the credential names no verification method",
	bad_schema_id: "credentialSchema.id is not urn:teeid:cpt:<CPT id>",
	no_schema_digest: "credentialSchema has no digestMultibase",
	no_status: "the credential has no id or credentialStatus",
	status_prefix: "urn:teeid:evidence:",
	wrong_status: "credentialStatus does not name this chain's record for its id",
	no_valid_from: "validFrom is missing or not RFC 3339",
	bad_valid_until: "validUntil is not RFC 3339",
};

/// The words for an SD-JWT VC.
const SD_JWT_WORDING: Wording = Wording {
	no_block: "the credential names no issuance block (`teeid.blockNumber` and \
	           `teeid.blockHash`)",
	bad_block_number: "`teeid.blockNumber` is not a block number",
	bad_block_hash: "`teeid.blockHash` is not 32 bytes of 0x hex",
	created: "`iat`",
	no_created: "the JWT has no `iat` (a NumericDate)",
	no_method: "the JWT names no `kid`",
	bad_schema_id: "vct is not urn:teeid:cpt:<CPT id>",
	no_schema_digest: "teeid has no schemaDigest",
	no_status: "the credential has no jti or teeid.statusEvidence",
	status_prefix: "",
	wrong_status: "teeid.statusEvidence does not name this chain's record for its jti",
	no_valid_from: "nbf (or iat) is missing or not a NumericDate",
	bad_valid_until: "exp is not a NumericDate",
};

/// The block a credential names (a W3C credential in `evidence[0]`, an SD-JWT VC in `teeid`):
/// the finalized block its TA issued it against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IssuanceBlock {
	/// `blockNumber`.
	pub number: u32,
	/// `blockHash`.
	pub hash: H256,
}

impl IssuanceBlock {
	/// The block W3C credential `credential` names, or why it names none.
	pub fn of(credential: &json::Value) -> Result<Self, &'static str> {
		let evidence = member(credential, "/evidence/0");
		let number = evidence.and_then(|e| e.get("blockNumber")).map(|number| match number {
			json::Value::Number(n) if is_whole(*n) && (0.0..=f64::from(u32::MAX)).contains(n) => {
				Some(*n as u32)
			},
			_ => None,
		});
		let hash =
			evidence.and_then(|e| e.get("blockHash")).map(|h| h.as_str().and_then(parse_hex32));
		Self::stated(number, hash, &W3C_WORDING)
	}

	/// The block the payload of an SD-JWT VC names in `teeid`, or why it names none.
	pub fn of_sd_jwt(
		payload: &serde_json::Map<String, serde_json::Value>,
	) -> Result<Self, &'static str> {
		let teeid = payload.get("teeid");
		let number = teeid
			.and_then(|t| t.get("blockNumber"))
			.map(|n| n.as_u64().and_then(|n| u32::try_from(n).ok()));
		let hash = teeid.and_then(|t| t.get("blockHash")).map(|h| h.as_str().and_then(parse_hex32));
		Self::stated(number, hash, &SD_JWT_WORDING)
	}

	/// The block of a stated number and hash (absent: `None`; not a number or hash:
	/// `Some(None)`), or why they name none.
	fn stated(
		number: Option<Option<u32>>,
		hash: Option<Option<[u8; 32]>>,
		wording: &Wording,
	) -> Result<Self, &'static str> {
		let (Some(number), Some(hash)) = (number, hash) else { return Err(wording.no_block) };
		let number = number.ok_or(wording.bad_block_number)?;
		let hash = hash.ok_or(wording.bad_block_hash)?;
		Ok(Self { number, hash: H256(hash) })
	}
}
/// Whose anchors of a credential's hash count, and from which block: an anchor by anyone
/// else, or from before the credential's block, could be someone's attempt to date it early.
#[derive(Clone, Copy, Debug)]
pub struct AnchorRule<'a> {
	/// The issuer DID's account (none if the issuer is not a `did:teeid`).
	pub issuer: Option<&'a AccountId>,
	/// The operator of the worker that signed, at the credential's block.
	pub operator: Option<&'a AccountId>,
	/// The credential's block.
	pub issued_at: u32,
}

impl AnchorRule<'_> {
	/// Whether an anchor by `by` in block `at` counts; why not otherwise.
	pub fn admits(&self, by: &AccountId, at: u32) -> Result<(), String> {
		if self.issuer != Some(by) && self.operator != Some(by) {
			return Err(format!(
				"anchored by {}, neither the issuer nor the signing worker's operator",
				did_of(by)
			));
		}
		if at < self.issued_at {
			return Err(format!(
				"anchored in block {at}, before the credential's block {}",
				self.issued_at
			));
		}
		Ok(())
	}
}

/// A proof that a credential is a leaf of an anchored batch.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AnchorProof {
	/// The DID that anchored the batch.
	pub anchorer: String,
	/// The batch's root, `0x` hex.
	pub root: String,
	/// The `BatchProof`, SCALE-encoded, `0x` hex.
	pub proof: String,
	/// The block the batch was anchored in.
	pub block: u32,
}

/// What `POST /v1/verify/credential` takes. Serde reads the body and refuses unknown fields;
/// the credential, kept as sent, is then read by the strict parser ([`strict_document`]), or
/// as an SD-JWT ([`SdJwt::parse`]) when it is a JSON string.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyCredentialRequest {
	/// The credential: a W3C credential (an object), or an SD-JWT VC (a string), as issued or
	/// presented with a key-binding JWT.
	#[schema(value_type = Object)]
	pub credential: Box<RawValue>,
	/// Where it is anchored, if the issuing worker gave a proof (`GET
	/// /v1/credentials/{id}/anchor` there).
	pub anchor: Option<AnchorProof>,
	/// SD-JWT only: the `nonce` its key-binding JWT must carry. Giving it (or `audience`)
	/// requires a key-binding JWT.
	pub nonce: Option<String>,
	/// SD-JWT only: the `aud` its key-binding JWT must name.
	pub audience: Option<String>,
}

/// What `POST /v1/verify/presentation` takes; read as [`VerifyCredentialRequest`] is.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyPresentationRequest {
	/// The presentation.
	#[schema(value_type = Object)]
	pub presentation: Box<RawValue>,
	/// The challenge the verifier gave.
	pub challenge: String,
	/// The verifier's domain.
	pub domain: String,
}

/// One check and its outcome.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Check {
	/// Which check.
	pub check: String,
	/// Whether it passed.
	pub ok: bool,
	/// What was found.
	pub detail: String,
}

/// A verification's outcome.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Verification {
	/// Whether every check passed.
	pub verified: bool,
	/// Each check.
	pub checks: Vec<Check>,
}

impl Verification {
	/// The outcome of `checks`: verified when every one passed.
	pub fn new(checks: Vec<Check>) -> Self {
		Self { verified: checks.iter().all(|c| c.ok), checks }
	}
}

fn check(name: &str, ok: bool, detail: impl Into<String>) -> Check {
	Check { check: name.into(), ok, detail: detail.into() }
}

/// The value at `pointer` (`/a/0/b`: member names and array indexes) in `value`.
fn member<'a>(value: &'a json::Value, pointer: &str) -> Option<&'a json::Value> {
	pointer.split('/').skip(1).try_fold(value, |node, step| match node {
		json::Value::Array(items) => step.parse::<usize>().ok().and_then(|i| items.get(i)),
		_ => node.get(step),
	})
}

/// The string at `pointer` in `value`.
fn text<'a>(value: &'a json::Value, pointer: &str) -> Option<&'a str> {
	member(value, pointer).and_then(json::Value::as_str)
}

fn millis(time: &str) -> Option<u64> {
	chrono::DateTime::parse_from_rfc3339(time).ok().map(|t| t.timestamp_millis().max(0) as u64)
}

/// The most credentials a presentation may hold: each costs chain reads (its block, its
/// issuer's key, its worker, its schema, its revocation), so a larger one is refused before
/// any is checked.
pub const MAX_PRESENTED_CREDENTIALS: usize = 16;

/// How long a request waits for a free verification slot before the worker answers 503.
pub const VERIFY_QUEUE_WAIT: Duration = Duration::from_secs(10);

/// The cap on CPU work over untrusted input: at most `size` jobs (reading and checking a verify
/// request, reading a presentation request) run at once, each on a thread of tokio's blocking
/// pool. A request that finds every slot taken waits for one up to [`VERIFY_QUEUE_WAIT`], then
/// gets 503 ([`Admission`]): a flood of large requests neither stalls the async runtime nor
/// starts more CPU work than the worker has slots for.
pub struct VerifyLimit {
	slots: Admission,
}

impl VerifyLimit {
	/// A cap of `slots` jobs at once (at least one).
	pub fn new(slots: usize) -> Self {
		Self::with_wait(slots, VERIFY_QUEUE_WAIT)
	}

	fn with_wait(slots: usize, wait: Duration) -> Self {
		Self { slots: Admission::new("verification", slots, wait) }
	}

	/// Runs `work` on the blocking pool once a slot is free. The slot is held until `work`
	/// returns, even if the request that started it is dropped: it counts running work.
	pub async fn run<T, F>(&self, work: F) -> Result<T, WorkerError>
	where
		T: Send + 'static,
		F: FnOnce() -> Result<T, WorkerError> + Send + 'static,
	{
		let slot = self.slots.enter().await?;
		tokio::task::spawn_blocking(move || {
			let _slot = slot;
			work()
		})
		.await
		.map_err(|e| WorkerError::Internal(format!("a verification task failed: {e}")))?
	}
}

/// Parses a request body with serde, answering malformed input with a 400 that says what is
/// wrong.
fn typed_body<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, WorkerError> {
	serde_json::from_slice(body)
		.map_err(|e| WorkerError::BadRequest(format!("malformed request body: {e}")))
}

/// Reads `raw`, the credential or presentation (`what`) a request carries as it was sent, with
/// the strict parser of `teeid-primitives`, the TA's parser: its reading is the one checked.
/// Serde keeps the last of two members of one name silently; the strict parser refuses them,
/// as it refuses lone surrogates, numbers beyond doubles and nesting deeper than the TA
/// accepts.
fn strict_document(raw: &RawValue, what: &str) -> Result<json::Value, WorkerError> {
	json::Value::parse(raw.get().as_bytes()).map_err(|e| {
		WorkerError::BadRequest(format!(
			"malformed request body: the {what} is not I-JSON (RFC 7493): {} (its byte {})",
			json_problem(e.kind),
			e.offset
		))
	})
}

/// What a strict parser's refusal of `kind` means, for an answer.
pub(crate) fn json_problem(kind: JsonErrorKind) -> &'static str {
	match kind {
		JsonErrorKind::DuplicateMember => "an object names a member twice",
		JsonErrorKind::LoneSurrogate => "a string holds half a surrogate pair",
		JsonErrorKind::NumberOutOfRange => "a number is too large for a double",
		JsonErrorKind::TooDeep => "arrays and objects nest too deep",
		JsonErrorKind::InvalidUtf8 => "it is not UTF-8",
		_ => "it is not JSON",
	}
}

/// The `credential` of a request body, as sent.
#[derive(Deserialize)]
struct CredentialMember<'a> {
	#[serde(borrow)]
	credential: &'a RawValue,
}

/// Reads a body that carries a credential for the TA (`POST /v1/presentations`) as `T`, once
/// the strict parser accepted its `credential`; off the runtime, under the same cap as
/// verification.
pub async fn strict_credential_request<T>(worker: &Worker, body: Bytes) -> Result<T, WorkerError>
where
	T: DeserializeOwned + Send + 'static,
{
	worker.verify_limit.run(move || read_strict_credential_request(&body)).await
}

fn read_strict_credential_request<T: DeserializeOwned>(body: &[u8]) -> Result<T, WorkerError> {
	let typed = typed_body(body)?;
	// `T` has refused a repeated `credential` already: this reads the only one.
	let member: CredentialMember = typed_body(body)?;
	strict_document(member.credential, "credential")?;
	Ok(typed)
}

fn proof_value_too_long(what: &str) -> WorkerError {
	WorkerError::BadRequest(format!(
		"{what} is longer than the {MAX_PROOF_VALUE_CHARS} characters of an Ed25519 signature in \
		 multibase"
	))
}

/// A W3C credential, read and its proof checked: the CPU-bound part of verifying it.
struct ReadW3c {
	credential: json::Value,
	issuer: String,
	hash: [u8; 32],
	proof: Result<VerificationInput, ProofCheckError>,
}

/// The credential a verification request carries, read (boxed: both are large, and moved
/// between threads).
enum ReadCredential {
	/// A W3C credential.
	W3c(Box<ReadW3c>),
	/// An SD-JWT VC, or a presentation of one.
	SdJwt(Box<ReadSdJwt>),
}

/// A credential verification request, read: the CPU-bound part of verifying it.
struct ReadRequest {
	credential: ReadCredential,
	anchor: Option<AnchorProof>,
}

fn read_credential_request(body: &[u8]) -> Result<ReadRequest, WorkerError> {
	let request: VerifyCredentialRequest = typed_body(body)?;
	let bound = request.nonce.is_some() || request.audience.is_some();
	let raw = request.credential.get();
	// Serde has read the body: the credential is one JSON value, a string only if it starts
	// with a quote.
	let credential = if raw.trim_start().starts_with('"') {
		let text: String = serde_json::from_str(raw).map_err(|e| {
			WorkerError::BadRequest(format!("malformed request body: the credential: {e}"))
		})?;
		let rule = KeyBindingRule {
			required: bound,
			audience: request.audience.as_deref(),
			nonce: request.nonce.as_deref(),
			now: chrono::Utc::now().timestamp(),
		};
		ReadCredential::SdJwt(Box::new(read_sd_jwt(&text, &rule)?))
	} else if bound {
		return Err(WorkerError::BadRequest(
			"`nonce` and `audience` are for SD-JWT presentations; a W3C credential has no \
			 key-binding JWT (verify a W3C presentation with /v1/verify/presentation)"
				.into(),
		));
	} else {
		ReadCredential::W3c(Box::new(read_w3c(&request.credential)?))
	};
	Ok(ReadRequest { credential, anchor: request.anchor })
}

fn read_w3c(raw: &RawValue) -> Result<ReadW3c, WorkerError> {
	let credential = strict_document(raw, "credential")?;
	let issuer = text(&credential, "/issuer")
		.ok_or_else(|| WorkerError::BadRequest("the credential has no `issuer`".into()))?
		.to_owned();
	let proof = verify_tee_proof(&credential).map(|(input, _)| input);
	if matches!(proof, Err(ProofCheckError::Malformed(ProofError::ProofValueTooLong))) {
		return Err(proof_value_too_long("the credential's `proof.proofValue`"));
	}
	let hash = credential_hash(&credential);
	Ok(ReadW3c { credential, issuer, hash, proof })
}

/// Verifies a credential; `body` is a [`VerifyCredentialRequest`].
pub async fn verify_credential(worker: &Worker, body: Bytes) -> Result<Verification, WorkerError> {
	let ReadRequest { credential, anchor } =
		worker.verify_limit.run(move || read_credential_request(&body)).await?;
	worker.metrics.verified.inc();
	match credential {
		ReadCredential::W3c(read) => verify_w3c(worker, *read, anchor.as_ref()).await,
		ReadCredential::SdJwt(read) => check_sd_jwt(worker, &read, anchor.as_ref()).await,
	}
}

/// The checks of a W3C credential read by [`read_w3c`].
async fn verify_w3c(
	worker: &Worker,
	read: ReadW3c,
	anchor: Option<&AnchorProof>,
) -> Result<Verification, WorkerError> {
	let ReadW3c { credential, issuer, hash, proof } = read;
	let proof = match proof {
		Ok(input) => {
			let same_did = split_verification_method(&input.verification_method)
				.is_some_and(|(did, _)| did == issuer);
			check(
				PROOF,
				same_did && input.proof_purpose == "assertionMethod",
				if same_did {
					format!("signed by {}", input.verification_method)
				} else {
					"the verification method is not the issuer's".into()
				},
			)
		},
		Err(e) => check(PROOF, false, e.to_string()),
	};
	// The later checks take the key the proof names, whether or not the proof verified: the
	// answer then says what else is wrong with it.
	let method = text(&credential, "/proof/verificationMethod");
	let created = text(&credential, "/proof/created").map(Created::rfc3339);
	let statement = Statement::of_w3c(
		&credential,
		issuer,
		method.map(str::to_owned),
		method.and_then(split_verification_method).map(|(_, key)| key),
		Origin::Issued { created },
	);
	let blocks = [statement.block_number(), anchor.map(|anchor| anchor.block)];
	let verifier = Verifier::new(worker, blocks.into_iter().flatten()).await?;
	let mut checks = vec![proof];
	checks.extend(verifier.checks(&statement, Some((&hash, anchor))).await?);
	Ok(Verification::new(checks))
}

/// An SD-JWT VC (or a presentation of one), read and its signatures and disclosures checked:
/// the CPU-bound part of verifying it ([`read_sd_jwt`]). [`check_sd_jwt`] adds the chain
/// checks.
pub struct ReadSdJwt {
	/// What the issuer-signed JWT states.
	statement: Statement,
	/// SHA-256 of the issuer-signed JWT: what its batch anchors.
	hash: [u8; 32],
	/// `proof`, `disclosures` and, for a presentation, `key binding`.
	checks: Vec<Check>,
	/// The disclosed claims (none if the disclosures fail).
	claims: serde_json::Map<String, serde_json::Value>,
	/// `vct`.
	vct: Option<String>,
	/// `sub`, or the did:jwk of `cnf.jwk` if it names none.
	holder: Option<String>,
}

impl ReadSdJwt {
	/// The issuer (`iss`).
	pub fn issuer(&self) -> &str {
		&self.statement.issuer
	}

	/// The credential type (`vct`).
	pub fn vct(&self) -> Option<&str> {
		self.vct.as_deref()
	}

	/// The holder: `sub`, or the did:jwk of the key the credential is bound to.
	pub fn holder(&self) -> Option<&str> {
		self.holder.as_deref()
	}

	/// The disclosed claims, by name; none if the disclosures failed their check.
	pub fn claims(&self) -> &serde_json::Map<String, serde_json::Value> {
		&self.claims
	}
}

/// Reads an SD-JWT VC or a presentation of one and checks what needs no chain: the issuer's
/// signature (`proof`), the disclosures, and the key-binding JWT under `binding` (if it has
/// one, or the rule requires one). A 400 only when `text` is not an SD-JWT at all (or names no
/// `iss`); whatever fails a check is in the checks.
pub fn read_sd_jwt(text: &str, binding: &KeyBindingRule<'_>) -> Result<ReadSdJwt, WorkerError> {
	let sd_jwt = SdJwt::parse(text).map_err(|e| WorkerError::BadRequest(e.to_string()))?;
	let payload = sd_jwt.payload();
	let issuer = payload
		.get("iss")
		.and_then(serde_json::Value::as_str)
		.ok_or_else(|| WorkerError::BadRequest("the SD-JWT has no `iss`".into()))?
		.to_owned();
	let proof = match sd_jwt.verify_issuer() {
		Ok(signer) if signer.did == issuer => {
			check(PROOF, true, format!("signed by {}", signer.method))
		},
		Ok(_) => check(PROOF, false, "the `kid` is not a key of the issuer (`iss`)"),
		Err(e) => check(PROOF, false, e.to_string()),
	};
	let (disclosures, claims) = match sd_jwt.disclose() {
		Ok(claims) => {
			let detail = format!("{} disclosure(s), each signed by the issuer", claims.len());
			(check(DISCLOSURES, true, detail), claims)
		},
		Err(e) => (check(DISCLOSURES, false, e.to_string()), serde_json::Map::new()),
	};
	let mut checks = vec![proof, disclosures];
	if binding.required || sd_jwt.has_key_binding() {
		checks.push(match sd_jwt.verify_key_binding(binding) {
			Ok(bound) => check(
				KEY_BINDING,
				true,
				format!(
					"made with the holder's key (`cnf.jwk`) for {}, nonce {}, at {}, for these \
					 disclosures",
					bound.audience,
					bound.nonce,
					rfc3339(bound.issued_at.saturating_mul(1000))
				),
			),
			Err(e) => check(KEY_BINDING, false, e.to_string()),
		});
	}
	let vct = payload.get("vct").and_then(serde_json::Value::as_str).map(str::to_owned);
	let holder = match payload.get("sub").and_then(serde_json::Value::as_str) {
		Some(subject) => Some(subject.to_owned()),
		None => sd_jwt.holder_key().ok().map(|key| key.did_jwk()),
	};
	// As for a W3C credential, the chain checks take the key the `kid` names whether or not
	// the signature verified.
	let kid = sd_jwt.kid();
	let statement = Statement::of_sd_jwt(
		payload,
		issuer,
		kid.map(str::to_owned),
		kid.and_then(split_verification_method).map(|(_, key)| key),
	);
	Ok(ReadSdJwt { statement, hash: sd_jwt.anchored_hash(), checks, claims, vct, holder })
}

/// Verifies an SD-JWT VC read by [`read_sd_jwt`]: its own checks, then the chain checks at the
/// block it names, its anchor found from `anchor` (a proof the issuing worker gave) or this
/// worker's index.
pub async fn check_sd_jwt(
	worker: &Worker,
	read: &ReadSdJwt,
	anchor: Option<&AnchorProof>,
) -> Result<Verification, WorkerError> {
	let blocks = [read.statement.block_number(), anchor.map(|anchor| anchor.block)];
	let verifier = Verifier::new(worker, blocks.into_iter().flatten()).await?;
	let mut checks = read.checks.clone();
	checks.extend(verifier.checks(&read.statement, Some((&read.hash, anchor))).await?);
	Ok(Verification::new(checks))
}

/// A presentation request, read and its proofs checked: the CPU-bound part of verifying it.
struct ReadPresentation {
	presentation: json::Value,
	verified: Result<VerifiedPresentation, DisclosureError>,
}

fn read_presentation_request(body: &[u8]) -> Result<ReadPresentation, WorkerError> {
	let request: VerifyPresentationRequest = typed_body(body)?;
	let presentation = strict_document(&request.presentation, "presentation")?;
	if let Some(json::Value::Array(credentials)) = presentation.get("verifiableCredential") {
		if credentials.len() > MAX_PRESENTED_CREDENTIALS {
			return Err(WorkerError::BadRequest(format!(
				"the presentation holds {} credentials; at most {MAX_PRESENTED_CREDENTIALS} are \
				 verified at once",
				credentials.len()
			)));
		}
	}
	let verified = verify_presentation(&presentation, &request.challenge, &request.domain);
	if matches!(
		verified,
		Err(DisclosureError::Proof(ProofCheckError::Malformed(ProofError::ProofValueTooLong)))
	) {
		return Err(proof_value_too_long("a `proofValue` or `baseProof` of the presentation"));
	}
	Ok(ReadPresentation { presentation, verified })
}

/// Verifies a presentation made for the challenge and domain it names; `body` is a
/// [`VerifyPresentationRequest`].
pub async fn verify_presentation_request(
	worker: &Worker,
	body: Bytes,
) -> Result<Verification, WorkerError> {
	let ReadPresentation { presentation, verified } =
		worker.verify_limit.run(move || read_presentation_request(&body)).await?;
	worker.metrics.verified.inc();
	let verified = match verified {
		Ok(verified) => verified,
		Err(e) => {
			return Ok(Verification::new(vec![check(PROOF, false, format!("{e:?}"))]));
		},
	};
	let mut checks = vec![check(
		PROOF,
		true,
		format!("the holder's proof and {} credential(s) verify", verified.credentials.len()),
	)];
	let holder_method = verification_method(&verified.holder, &verified.holder_key);
	checks.push(key_at(worker, &verified.holder, &holder_method, When::Now, HOLDER_KEY).await?);
	let derived: &[json::Value] = match presentation.get("verifiableCredential") {
		Some(json::Value::Array(list)) => list.as_slice(),
		_ => &[],
	};
	// `verify_presentation` verified the derived credentials in their order.
	let statements: Vec<Statement> = verified
		.credentials
		.iter()
		.zip(derived)
		.map(|(credential, document)| {
			Statement::of_w3c(
				document,
				credential.issuer.clone(),
				Some(verification_method(&credential.issuer, &credential.issuer_key)),
				Some(credential.issuer_key),
				Origin::Derived,
			)
		})
		.collect();
	let verifier =
		Verifier::new(worker, statements.iter().filter_map(Statement::block_number)).await?;
	for statement in &statements {
		checks.extend(verifier.checks(statement, None).await?);
	}
	Ok(Verification::new(checks))
}

/// The time a TA dated an issued credential: `proof.created`, or an SD-JWT's `iat`.
struct Created {
	/// As the answer shows it.
	shown: String,
	/// In ms since the Unix epoch, if it is a time.
	ms: Option<u64>,
}

impl Created {
	/// `proof.created`, RFC 3339.
	fn rfc3339(text: &str) -> Self {
		Self { shown: text.to_owned(), ms: millis(text) }
	}

	/// `iat`, a NumericDate.
	fn numeric(value: &serde_json::Value) -> Self {
		let ms = numeric_date_ms(value);
		let shown = match ms {
			Some(ms) => format!("{value} ({})", rfc3339(i64::try_from(ms).unwrap_or(i64::MAX))),
			None => value.to_string(),
		};
		Self { shown, ms }
	}
}

/// Where a credential under verification comes from.
enum Origin {
	/// Issued, with its own signature and the time it is dated (if it names one).
	Issued {
		/// `proof.created` or `iat`.
		created: Option<Created>,
	},
	/// Derived in a W3C presentation: no proof and no `created` of its own.
	Derived,
}

/// A bound of a validity period, as a credential states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Moment {
	/// Not stated.
	Absent,
	/// This time, ms since the Unix epoch.
	At(u64),
	/// Stated, but not a time.
	Malformed,
}

impl Moment {
	/// An RFC 3339 member (`validFrom`, `validUntil`); a member that is not a string counts as
	/// absent, as it always has for W3C credentials.
	fn rfc3339(text: Option<&str>) -> Self {
		match text {
			None => Moment::Absent,
			Some(text) => millis(text).map_or(Moment::Malformed, Moment::At),
		}
	}

	/// A NumericDate member (`nbf`, `exp`).
	fn numeric(value: Option<&serde_json::Value>) -> Self {
		match value {
			None => Moment::Absent,
			Some(value) => numeric_date_ms(value).map_or(Moment::Malformed, Moment::At),
		}
	}
}

/// A JWT NumericDate (seconds since the epoch, RFC 7519) in ms.
fn numeric_date_ms(value: &serde_json::Value) -> Option<u64> {
	let seconds = value.as_f64().filter(|seconds| seconds.is_finite() && *seconds >= 0.0)?;
	// A float-to-int cast saturates: a date beyond u64 ms is the far future, as it should be.
	Some((seconds * 1000.0) as u64)
}

/// An entry of a token status list, as an SD-JWT VC names it (`status.status_list`).
struct StatusListRef {
	/// `uri`.
	uri: String,
	/// `idx`.
	index: u32,
}

/// What a credential states that the checks after `proof` read, whatever its format: each
/// format's reader fills it from the members the TEE signed ([`Statement::of_w3c`],
/// [`Statement::of_sd_jwt`]), and [`Verifier::checks`] compares it with the chain.
struct Statement {
	/// How the answer names what the format states.
	wording: &'static Wording,
	/// The issuer DID.
	issuer: String,
	/// The verification method that signed it, if it names one.
	method: Option<String>,
	/// The TEE key of that method.
	key: Option<[u8; 32]>,
	/// The credential's id (`id`, `jti`): its status record is derived from it.
	id: Option<String>,
	/// The block it names, or why it names none.
	block: Result<IssuanceBlock, &'static str>,
	/// Issued or derived, and when it is dated.
	origin: Origin,
	/// The TEE platform it names (`OpTee`, `Simulated`).
	platform: Option<String>,
	/// The TA measurement it names, `0x` hex.
	measurement: Option<String>,
	/// Its schema id, `urn:teeid:cpt:<n>`.
	schema_id: Option<String>,
	/// The digest of that schema it names (`z…`).
	schema_digest: Option<String>,
	/// The status record it names, as written (with [`Wording::status_prefix`]).
	status_record: Option<String>,
	/// Its token status list entry (SD-JWT).
	status_list: Option<StatusListRef>,
	/// Start of its validity period.
	valid_from: Moment,
	/// End of its validity period.
	valid_until: Moment,
}

impl Statement {
	/// The number of the block it names, if it names one.
	fn block_number(&self) -> Option<u32> {
		self.block.as_ref().ok().map(|block| block.number)
	}

	/// What W3C credential `document` states, issued (its proof names `method`) or derived.
	fn of_w3c(
		document: &json::Value,
		issuer: String,
		method: Option<String>,
		key: Option<[u8; 32]>,
		origin: Origin,
	) -> Self {
		let owned = |pointer: &str| text(document, pointer).map(str::to_owned);
		Self {
			wording: &W3C_WORDING,
			issuer,
			method,
			key,
			id: owned("/id"),
			block: IssuanceBlock::of(document),
			origin,
			platform: owned("/evidence/0/platform"),
			measurement: owned("/evidence/0/measurement"),
			schema_id: owned("/credentialSchema/id"),
			schema_digest: owned("/credentialSchema/digestMultibase"),
			status_record: evidence_status(document)
				.and_then(|entry| entry.get("id"))
				.and_then(json::Value::as_str)
				.map(str::to_owned),
			// The answer for a W3C credential reads the chain's record only: its
			// `BitstringStatusListEntry` is for verifiers without the chain.
			status_list: None,
			valid_from: Moment::rfc3339(text(document, "/validFrom")),
			valid_until: Moment::rfc3339(text(document, "/validUntil")),
		}
	}

	/// What the issuer-signed payload of an SD-JWT VC states; its `kid` names `method`.
	fn of_sd_jwt(
		payload: &serde_json::Map<String, serde_json::Value>,
		issuer: String,
		method: Option<String>,
		key: Option<[u8; 32]>,
	) -> Self {
		let owned = |path: &[&str]| {
			member_at(payload, path).and_then(serde_json::Value::as_str).map(str::to_owned)
		};
		let status_list = match (
			owned(&["status", "status_list", "uri"]),
			member_at(payload, &["status", "status_list", "idx"])
				.and_then(serde_json::Value::as_u64),
		) {
			(Some(uri), Some(index)) => {
				u32::try_from(index).ok().map(|index| StatusListRef { uri, index })
			},
			_ => None,
		};
		Self {
			wording: &SD_JWT_WORDING,
			issuer,
			method,
			key,
			id: owned(&["jti"]),
			block: IssuanceBlock::of_sd_jwt(payload),
			origin: Origin::Issued { created: payload.get("iat").map(Created::numeric) },
			platform: owned(&["teeid", "platform"]),
			measurement: owned(&["teeid", "measurement"]),
			schema_id: owned(&["vct"]),
			schema_digest: owned(&["teeid", "schemaDigest"]),
			status_record: owned(&["teeid", "statusEvidence"]),
			status_list,
			// `nbf` is the TA's `validFrom`; a credential without it is valid from its issuance.
			valid_from: Moment::numeric(payload.get("nbf").or_else(|| payload.get("iat"))),
			valid_until: Moment::numeric(payload.get("exp")),
		}
	}
}

/// The member at `path` (names, outermost first) of a JWT payload.
fn member_at<'a>(
	payload: &'a serde_json::Map<String, serde_json::Value>,
	path: &[&str],
) -> Option<&'a serde_json::Value> {
	let (first, rest) = path.split_first()?;
	rest.iter().try_fold(payload.get(*first)?, |node, name| node.get(*name))
}

/// The `TeeidEvidenceStatus2026` entry of a W3C credential's `credentialStatus`: an array of
/// entries since status lists came, a single object before.
fn evidence_status(document: &json::Value) -> Option<&json::Value> {
	let is_evidence = |entry: &&json::Value| match entry.get("type") {
		Some(json::Value::String(name)) => name == STATUS_TYPE,
		Some(json::Value::Array(names)) => {
			names.iter().any(|name| name.as_str() == Some(STATUS_TYPE))
		},
		_ => false,
	};
	match document.get("credentialStatus")? {
		json::Value::Array(entries) => entries.iter().find(is_evidence),
		entry @ json::Value::Object(_) => Some(entry).filter(is_evidence),
		_ => None,
	}
}

/// One verification request's reads: the worker, and the chain now (the latest finalized
/// block's shared view), read once for every check that says now. Every chain read and DID
/// resolution of a verification goes through the worker's verifier chain and resolver
/// ([`Worker::verifier_chain`]): the node's, or a light client's with `--verify-light`.
struct Verifier<'a> {
	worker: &'a Worker,
	now: Arc<ChainView>,
}

impl<'a> Verifier<'a> {
	/// The reads of a verification that reads the chain at `blocks` (the credentials' issuance
	/// blocks, and an anchor proof's block: untrusted, only a reason for a light client to wait
	/// until it has proven them final, [`Worker::verifier_view`]).
	async fn new(
		worker: &'a Worker,
		blocks: impl IntoIterator<Item = u32>,
	) -> Result<Verifier<'a>, WorkerError> {
		Ok(Verifier { worker, now: worker.verifier_view(blocks.into_iter().max()).await? })
	}
}

/// A check that cannot run without the credential's block.
fn needs_block(name: &str) -> Check {
	check(name, false, "needs the credential's issuance block")
}

impl Verifier<'_> {
	/// Every check of `credential` after `proof` (and an SD-JWT's `disclosures` and `key
	/// binding`); `anchor` (the credential's hash and a batch proof given with the request)
	/// for an issued credential only.
	async fn checks(
		&self,
		credential: &Statement,
		anchor: Option<(&[u8; 32], Option<&AnchorProof>)>,
	) -> Result<Vec<Check>, WorkerError> {
		let mut checks = Vec::new();
		let at = match credential.block {
			Ok(block) => {
				let (checked, at) = self.issuance_block(&block, credential).await?;
				checks.push(checked);
				at.map(|at| (block, at))
			},
			Err(reason) => {
				checks.push(check(ISSUANCE_BLOCK, false, reason));
				None
			},
		};
		match &at {
			Some((block, at)) => {
				checks.push(match &credential.method {
					Some(method) => {
						let when = When::Block(block.number);
						key_at(self.worker, &credential.issuer, method, when, ISSUER_KEY).await?
					},
					None => check(ISSUER_KEY, false, credential.wording.no_method),
				});
				let (worker_check, record) = tee_worker_check(at, block.number, credential).await?;
				checks.push(worker_check);
				checks.push(self.code_check(record.as_ref()).await?);
				checks.push(self.simulation_check(record.as_ref()).await?);
				checks.push(schema_check(at, block.number, credential).await?);
				if let Some((hash, given)) = anchor {
					let issuer = parse_did(&credential.issuer).ok();
					let rule = AnchorRule {
						issuer: issuer.as_ref(),
						operator: record.as_ref().map(|record| &record.operator),
						issued_at: block.number,
					};
					let id = credential.id.as_deref();
					checks.push(self.anchor_check(hash, id, given, &rule).await?);
				}
			},
			None => {
				let needing = [ISSUER_KEY, TEE_WORKER, TEE_CODE, SIMULATION, SCHEMA];
				checks.extend(needing.map(needs_block));
				if anchor.is_some() {
					checks.push(needs_block(ANCHOR));
				}
			},
		}
		checks.push(self.revocation_check(credential).await?);
		checks.push(validity_check(credential));
		Ok(checks)
	}

	/// Whether `block` is a finalized block of this chain whose time the date of an issued
	/// `credential` agrees with; the chain at that block, if it is one.
	async fn issuance_block(
		&self,
		block: &IssuanceBlock,
		credential: &Statement,
	) -> Result<(Check, Option<ChainView>), WorkerError> {
		let number = block.number;
		let (finalized, _) = self.now.block();
		if number > finalized {
			let detail =
				format!("block {number} is not finalized (the finalized block is {finalized})");
			return Ok((check(ISSUANCE_BLOCK, false, detail), None));
		}
		// A number's hash through the resolver: a light client proves it from `System.BlockHash`
		// (it cannot prove a node's `chain_getBlockHash`).
		let hash =
			self.worker.verifier_resolver().block_hash(Some(number)).await.map_err(|e| {
				WorkerError::Unavailable(format!("the hash of block {number}: {e}"))
			})?;
		if hash != Some(block.hash) {
			let detail = format!("block {number} of this chain is not {:?}", block.hash);
			return Ok((check(ISSUANCE_BLOCK, false, detail), None));
		}
		// The hash is this chain's block `number`: a client that cannot read its header now is
		// unavailable, not a reason to refuse the credential.
		let Some(at) = self.worker.verifier_chain().view_at(&block.hash).await? else {
			return Err(WorkerError::Unavailable(format!("cannot read block {number}")));
		};
		let time = at.timestamp().await?;
		let when = rfc3339(time as i64);
		let wording = credential.wording;
		let checked = match &credential.origin {
			Origin::Derived => check(
				ISSUANCE_BLOCK,
				true,
				format!("finalized block {number} ({when}); a derived credential has no `created`"),
			),
			Origin::Issued { created: None } => check(ISSUANCE_BLOCK, false, wording.no_created),
			Origin::Issued { created: Some(created) } => {
				let admitted = created.ms.is_some_and(|ms| CREATED_TOLERANCE.admits(ms, time));
				check(
					ISSUANCE_BLOCK,
					admitted,
					format!(
						"{} {} is {}within {} s before and {} s after the time of finalized block \
						 {number} ({when})",
						wording.created,
						created.shown,
						if admitted { "" } else { "not " },
						CREATED_TOLERANCE.before.as_secs(),
						CREATED_TOLERANCE.after.as_secs(),
					),
				)
			},
		};
		Ok((checked, Some(at)))
	}

	/// Whether the chain's record of the signing worker names code that is allowed now.
	async fn code_check(&self, record: Option<&WorkerStatus>) -> Result<Check, WorkerError> {
		let Some(record) = record else {
			return Ok(check(TEE_CODE, false, "no worker record at the issuance block"));
		};
		let allowed = self.now.code_allowed(&record.measurement).await?;
		Ok(check(
			TEE_CODE,
			allowed,
			format!(
				"{} TA 0x{} is {}on the allowlist",
				platform_name(record.platform),
				hex::encode(record.measurement),
				if allowed { "" } else { "not " }
			),
		))
	}

	/// Whether a `Simulated` signing worker is acceptable now: only while the chain's
	/// simulation flag is on.
	async fn simulation_check(&self, record: Option<&WorkerStatus>) -> Result<Check, WorkerError> {
		Ok(match record.map(|record| record.platform) {
			None => check(SIMULATION, false, "no worker record at the issuance block"),
			Some(TeePlatform::OpTee) => check(SIMULATION, true, "not simulated"),
			Some(TeePlatform::Simulated) => {
				let enabled = self.now.simulation_enabled().await?;
				check(
					SIMULATION,
					enabled,
					if enabled {
						"signed by a simulated TEE; the chain's simulation flag is on"
					} else {
						"signed by a simulated TEE, and the chain's simulation flag is off"
					},
				)
			},
		})
	}

	/// Where the credential with SHA-256 `hash` and id `id` is anchored, by whom and when,
	/// under `rule`.
	async fn anchor_check(
		&self,
		hash: &[u8; 32],
		id: Option<&str>,
		given: Option<&AnchorProof>,
		rule: &AnchorRule<'_>,
	) -> Result<Check, WorkerError> {
		// Why anchors found do not count, for the answer if none does.
		let mut refused = Vec::new();
		if let Some(record) = self.now.evidence(&H256(*hash)).await? {
			match rule.admits(&record.creator, record.created) {
				Ok(()) => {
					let detail = format!(
						"an evidence record created by {} in block {}",
						did_of(&record.creator),
						record.created
					);
					return Ok(check(ANCHOR, true, detail));
				},
				Err(reason) => refused.push(format!("its evidence record: {reason}")),
			}
		}
		let found = match given {
			Some(given) => {
				let anchorer = account_of(&given.anchorer).ok_or_else(|| {
					WorkerError::BadRequest("`anchor.anchorer` is not a DID".into())
				})?;
				let root = hex_array::<32>(&given.root, "anchor.root")?;
				let bytes = hex::decode(given.proof.trim_start_matches("0x"))
					.map_err(|_| WorkerError::BadRequest("`anchor.proof` is not hex".into()))?;
				let proof = BatchProof::decode(&mut &bytes[..]).map_err(|_| {
					WorkerError::BadRequest("`anchor.proof` is not a BatchProof".into())
				})?;
				if !proof.leaves.iter().any(|(_, leaf)| leaf.0 == *hash) {
					Err("the given proof is for other hashes".to_string())
				} else {
					match self.now.batch(&anchorer, &root).await? {
						Some(anchored) => {
							self.in_batch(&anchorer, &root, anchored, &proof, rule).await?
						},
						None => Err(format!(
							"no batch 0x{} anchored by {} is on chain",
							hex::encode(root),
							did_of(&anchorer)
						)),
					}
				}
			},
			None => self.issued_here(hash, id, rule).await?,
		};
		Ok(match found {
			Ok(detail) => check(ANCHOR, true, detail),
			Err(reason) => {
				refused.push(reason);
				check(ANCHOR, false, refused.join("; "))
			},
		})
	}

	/// Where this worker's own records place the credential it issued under `id` (the id the
	/// credential states) with SHA-256 `hash`: pending, in a batch not final yet, or in an
	/// anchored batch under `rule`.
	async fn issued_here(
		&self,
		hash: &[u8; 32],
		id: Option<&str>,
		rule: &AnchorRule<'_>,
	) -> Result<Result<String, String>, WorkerError> {
		let record = match id {
			Some(id) => self.worker.store.credential(id, hash)?,
			None => None,
		};
		let Some(record) = record else {
			return Ok(Err("no anchor known: pass the issuing worker's `anchor` proof".into()));
		};
		let Some((root, proof, block)) = batch_proof(self.worker, &record)? else {
			return Ok(Ok("issued here; pending in the next batch".into()));
		};
		let operator = self.worker.chain.operator();
		match self.now.batch(&operator, &root).await? {
			Some(anchored) => self.in_batch(&operator, &root, anchored, &proof, rule).await,
			// In a block of the best chain, which is not final yet.
			None => Ok(Ok(format!(
				"issued here; its batch 0x{} is in block {block}, not final yet",
				hex::encode(root)
			))),
		}
	}

	/// Whether `proof` shows the credential in the batch `anchorer` anchored with `root` in
	/// block `anchored`, and that anchor counts under `rule`: the detail for the answer, or
	/// why not.
	async fn in_batch(
		&self,
		anchorer: &AccountId,
		root: &[u8; 32],
		anchored: u32,
		proof: &BatchProof,
		rule: &AnchorRule<'_>,
	) -> Result<Result<String, String>, WorkerError> {
		let batch = format!("batch 0x{}", hex::encode(root));
		if let Err(reason) = rule.admits(anchorer, anchored) {
			return Ok(Err(format!("{batch}: {reason}")));
		}
		let anchored_by = did_of(anchorer);
		Ok(match self.now.verify_batch_proof(anchorer, root, proof).await? {
			Ok(()) => Ok(format!("in {batch}, anchored by {anchored_by} in block {anchored}")),
			Err(e) => Err(format!("the proof of {batch} fails: {e}")),
		})
	}

	/// Whether the issuer has revoked the evidence record the credential names, now; for an
	/// SD-JWT, with what this worker's token status list says.
	async fn revocation_check(&self, credential: &Statement) -> Result<Check, WorkerError> {
		let wording = credential.wording;
		let (Some(id), Some(status)) = (&credential.id, &credential.status_record) else {
			return Ok(check(REVOCATION, false, wording.no_status));
		};
		let record = status_evidence(&self.worker.chain.genesis_hash(), id);
		if *status != format!("{}0x{}", wording.status_prefix, hex::encode(record.0)) {
			return Ok(check(REVOCATION, false, wording.wrong_status));
		}
		let Ok(issuer) = parse_did(&credential.issuer) else {
			return Ok(check(REVOCATION, false, "the issuer is not a did:teeid DID"));
		};
		let revoked =
			self.now.evidence_signer(&record, &issuer).await?.is_some_and(|signer| signer.revoked);
		let verdict = if revoked { "revoked by the issuer" } else { "not revoked" };
		let detail = match self.status_list_note(credential.status_list.as_ref())? {
			Some(note) => format!("{verdict}; {note}"),
			None => verdict.to_owned(),
		};
		Ok(check(REVOCATION, !revoked, detail))
	}

	/// What the status list entry `entry` says, when the list is this worker's: the chain's
	/// evidence record decides revocation, and the list follows it a few seconds behind, so its
	/// bit is reported, not judged. Another worker's list would be an HTTP fetch that says
	/// nothing the chain does not.
	fn status_list_note(
		&self,
		entry: Option<&StatusListRef>,
	) -> Result<Option<String>, WorkerError> {
		let Some(StatusListRef { uri, index }) = entry else { return Ok(None) };
		let public_url = self.worker.public_url.as_str();
		let ours = uri.strip_prefix(public_url).is_some_and(|path| path.starts_with('/'));
		if !ours {
			return Ok(Some(format!("its status list {uri} is not this worker's; not read")));
		}
		Ok(Some(match crate::status_list::bit_of(self.worker, uri, *index)? {
			Some(true) => format!("its status list {uri} has index {index} set (revoked)"),
			Some(false) => format!("its status list {uri} has index {index} clear"),
			None => format!("this worker's status lists have no entry {index} in {uri}"),
		}))
	}
}

/// Whether the worker owning the credential's key at its block (`at`) was registered, active
/// and certified, with the platform and measurement the credential names; and that record.
async fn tee_worker_check(
	at: &ChainView,
	block: u32,
	credential: &Statement,
) -> Result<(Check, Option<WorkerStatus>), WorkerError> {
	let Some(key) = credential.key else {
		return Ok((check(TEE_WORKER, false, "the credential names no TEE key"), None));
	};
	let Some(record) = at.worker(&key).await? else {
		let detail = format!("no worker has TEE key 0x{} at block {block}", hex::encode(key));
		return Ok((check(TEE_WORKER, false, detail), None));
	};
	let platform = platform_name(record.platform);
	let claimed_platform = credential.platform.as_deref();
	let claimed_measurement = credential.measurement.as_deref();
	let measurement = format!("0x{}", hex::encode(record.measurement));
	let mut wrong = Vec::new();
	if !record.active {
		wrong.push("it was inactive".to_string());
	}
	if !record.certified {
		wrong.push("its device certifier was not listed".to_string());
	}
	if claimed_platform != Some(platform) {
		wrong.push(format!(
			"it ran on {platform}, the credential says {}",
			claimed_platform.unwrap_or("nothing")
		));
	}
	if claimed_measurement.and_then(parse_hex32) != Some(record.measurement) {
		wrong.push(format!(
			"it ran TA {measurement}, the credential says {}",
			claimed_measurement.unwrap_or("nothing")
		));
	}
	let who =
		format!("worker 0x{} of {} at block {block}", hex::encode(key), did_of(&record.operator));
	let checked = if wrong.is_empty() {
		check(TEE_WORKER, true, format!("{who}: active, certified, {platform} TA {measurement}"))
	} else {
		check(TEE_WORKER, false, format!("{who}: {}", wrong.join("; ")))
	};
	Ok((checked, Some(record)))
}

/// Whether the schema digest the credential names is the digest of the CPT its schema id
/// names, as the chain held it at the credential's block (`at`).
async fn schema_check(
	at: &ChainView,
	block: u32,
	credential: &Statement,
) -> Result<Check, WorkerError> {
	let wording = credential.wording;
	let Some(cpt) = credential.schema_id.as_deref().and_then(cpt_of_schema_id) else {
		return Ok(check(SCHEMA, false, wording.bad_schema_id));
	};
	let Some(digest) = credential.schema_digest.as_deref() else {
		return Ok(check(SCHEMA, false, wording.no_schema_digest));
	};
	let Some(on_chain) = at.cpt(cpt).await? else {
		return Ok(check(SCHEMA, false, format!("CPT {cpt} did not exist at block {block}")));
	};
	// The chain keeps the schema in canonical form already; the TA hashes what it parses, in
	// canonical form, so the same is done here.
	let Ok(schema) = json::Value::parse(&on_chain.schema) else {
		return Err(WorkerError::Internal(format!("CPT {cpt}'s schema on chain is not JSON")));
	};
	let matches = schema_digest(&schema.to_canonical()) == digest;
	Ok(check(
		SCHEMA,
		matches,
		format!(
			"the digest is {}that of CPT {cpt} version {} at block {block}",
			if matches { "" } else { "not " },
			on_chain.version
		),
	))
}

/// When a key must have been a DID's.
enum When {
	/// At this block.
	Block(u32),
	/// Now: at the node's best block, or the light client's finalized head.
	Now,
}

/// Whether `method` is an assertion method of `did` at `when`.
async fn key_at(
	worker: &Worker,
	did: &str,
	method: &str,
	when: When,
	name: &str,
) -> Result<Check, WorkerError> {
	let block = match when {
		When::Block(block) => Some(block),
		When::Now => None,
	};
	// The document's `assertionMethod` comes from the DID's state at that block alone.
	let document = match resolve::document(worker.verifier_resolver(), did, block).await {
		Ok((document, _)) => document,
		Err(resolve::ResolveError::NotFound) => {
			return Ok(check(name, false, format!("{did} did not exist then")))
		},
		Err(resolve::ResolveError::InvalidDid(e)) => return Ok(check(name, false, e.to_string())),
		Err(resolve::ResolveError::Source(e)) => {
			return Err(WorkerError::Unavailable(format!("DID resolution: {e}")))
		},
		Err(e @ resolve::ResolveError::HistoryUnavailable(_)) => {
			return Err(WorkerError::Unavailable(e.to_string()))
		},
		Err(e) => return Err(WorkerError::Internal(format!("DID resolution: {e}"))),
	};
	let listed = document["assertionMethod"]
		.as_array()
		.is_some_and(|methods| methods.iter().any(|m| m.as_str() == Some(method)));
	let when = block.map(|b| format!("at block {b}")).unwrap_or_else(|| "now".into());
	Ok(check(
		name,
		listed,
		if listed {
			format!("{method} is an assertion method of {did} {when}")
		} else {
			format!("{method} is not an assertion method of {did} {when}")
		},
	))
}

/// The root, the proof and the block of `record`'s anchored batch (`None` while it is not
/// anchored).
fn batch_proof(
	worker: &Worker,
	record: &crate::store::CredentialRecord,
) -> Result<Option<([u8; 32], BatchProof, u32)>, WorkerError> {
	let Some(place) = &record.batch else { return Ok(None) };
	let Some(batch) = worker.store.batch(&place.root)? else { return Ok(None) };
	let BatchState::Anchored { block } = batch.state else { return Ok(None) };
	let leaves: Vec<H256> = batch.leaves.iter().map(|l| H256(*l)).collect();
	let proof = teeid_primitives::merkle::prove(&leaves, &[place.index])
		.ok_or_else(|| WorkerError::Internal("a stored batch does not prove its leaf".into()))?;
	Ok(Some((place.root, proof, block)))
}

/// The proof that `record` is in its anchored batch, as the API gives it: `None` while it is
/// not anchored, and while the block that anchored it is not final. The slot loop counts a
/// batch anchored once it is in a best block; verifiers read the finalized chain, where a
/// proof of a batch they cannot see yet would fail their `anchor` check.
pub async fn anchor_proof(
	worker: &Worker,
	record: &crate::store::CredentialRecord,
) -> Result<Option<AnchorProof>, WorkerError> {
	let Some((root, proof, block)) = batch_proof(worker, record)? else { return Ok(None) };
	let operator = worker.chain.operator();
	if worker.chain.latest_view().await?.batch(&operator, &root).await?.is_none() {
		return Ok(None);
	}
	Ok(Some(AnchorProof {
		anchorer: did_of(&operator),
		root: format!("0x{}", hex::encode(root)),
		proof: format!("0x{}", hex::encode(proof.encode())),
		block,
	}))
}

/// Whether now lies within the credential's validity period.
fn validity_check(credential: &Statement) -> Check {
	let wording = credential.wording;
	let now = chrono::Utc::now().timestamp_millis().max(0) as u64;
	match (credential.valid_from, credential.valid_until) {
		(Moment::Absent | Moment::Malformed, _) => check(VALIDITY, false, wording.no_valid_from),
		(_, Moment::Malformed) => check(VALIDITY, false, wording.bad_valid_until),
		(Moment::At(from), _) if now < from => check(VALIDITY, false, "not valid yet"),
		(_, Moment::At(until)) if now > until => check(VALIDITY, false, "expired"),
		_ => check(VALIDITY, true, "within its validity period"),
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::sd_jwt::testing;
	use serde_json::json;

	fn refusal<T>(result: Result<T, WorkerError>) -> WorkerError {
		match result {
			Ok(_) => panic!("the request was accepted"),
			Err(e) => e,
		}
	}

	fn is_bad_request(error: &WorkerError, says: &str) -> bool {
		matches!(error, WorkerError::BadRequest(message) if message.contains(says))
	}

	/// A proof whose `proofValue` is `z` and 2,000,000 base58 digits: a body just under 2 MiB.
	fn huge_proof() -> serde_json::Value {
		serde_json::json!({
			"type": "DataIntegrityProof",
			"cryptosuite": "eddsa-jcs-2022",
			"verificationMethod": "did:teeid:x#tee-00",
			"proofPurpose": "assertionMethod",
			"proofValue": format!("z{}", "2".repeat(2_000_000)),
		})
	}

	#[test]
	fn a_credential_with_a_member_named_twice_is_refused_fails() {
		let body = br#"{"credential": {"issuer": "did:teeid:forged", "issuer": "did:teeid:real"}}"#;
		// What the API did before: serde keeps the last `issuer` and the worker verified a
		// document other than the one sent.
		let lenient: serde_json::Value = serde_json::from_slice(body).unwrap();
		assert_eq!(lenient["credential"]["issuer"], "did:teeid:real");
		let error = refusal(read_credential_request(body));
		assert!(is_bad_request(&error, "names a member twice"), "{error}");
	}

	#[test]
	fn a_presentation_with_a_member_named_twice_is_refused_fails() {
		let body = br#"{"presentation": {"holder": "did:teeid:a", "holder": "did:teeid:b"},
			"challenge": "c", "domain": "d"}"#;
		let error = refusal(read_presentation_request(body));
		assert!(is_bad_request(&error, "names a member twice"), "{error}");
		// The presentation request for the TA is read the same way.
		let body = br#"{"credential": {"a": 1, "a": 2}, "disclose": ["a"], "challenge": "c",
			"domain": "d"}"#;
		let error = refusal(read_strict_credential_request::<crate::issue::PresentRequest>(body));
		assert!(is_bad_request(&error, "names a member twice"), "{error}");
	}

	#[test]
	fn malformed_bodies_are_named_fails() {
		let unknown = refusal(read_credential_request(br#"{"credential": {}, "other": 1}"#));
		assert!(is_bad_request(&unknown, "unknown field"), "{unknown}");
		let missing = refusal(read_credential_request(br#"{"anchor": null}"#));
		assert!(is_bad_request(&missing, "missing field"), "{missing}");
		let twice = refusal(read_credential_request(br#"{"credential": {}, "credential": {}}"#));
		assert!(is_bad_request(&twice, "duplicate field"), "{twice}");
		let no_issuer = refusal(read_credential_request(br#"{"credential": {"id": "urn:x"}}"#));
		assert!(is_bad_request(&no_issuer, "no `issuer`"), "{no_issuer}");
		let huge_number = refusal(read_credential_request(br#"{"credential": {"n": 1e999}}"#));
		assert!(is_bad_request(&huge_number, "too large for a double"), "{huge_number}");
	}

	#[test]
	fn nesting_is_counted_from_the_document_as_the_ta_counts_it_works() {
		let credential = |depth: usize| {
			format!(r#"{{"issuer":"did:teeid:x","d":{}{}}}"#, "[".repeat(depth), "]".repeat(depth))
		};
		let deepest = (1..1000)
			.take_while(|depth| json::Value::parse(credential(*depth).as_bytes()).is_ok())
			.last()
			.unwrap();
		// The body's own object is not counted: a credential the TA parses is read here too.
		let body = format!(r#"{{"credential":{}}}"#, credential(deepest));
		assert!(read_credential_request(body.as_bytes()).is_ok());
		let body = format!(r#"{{"credential":{}}}"#, credential(deepest + 1));
		let error = refusal(read_credential_request(body.as_bytes()));
		assert!(is_bad_request(&error, "nest too deep"), "{error}");
	}

	#[test]
	fn a_two_mib_proof_value_is_refused_by_length_fails() {
		let body = serde_json::json!({
			"credential": { "issuer": "did:teeid:x", "proof": huge_proof() },
		})
		.to_string();
		assert!((2_000_000..(2 << 20)).contains(&body.len()));
		let error = refusal(read_credential_request(body.as_bytes()));
		assert!(is_bad_request(&error, "is longer than the 89 characters"), "{error}");

		let body = serde_json::json!({
			"presentation": {
				"type": ["VerifiablePresentation"],
				"holder": "did:teeid:x",
				"proof": huge_proof(),
			},
			"challenge": "c",
			"domain": "d",
		})
		.to_string();
		let error = refusal(read_presentation_request(body.as_bytes()));
		assert!(is_bad_request(&error, "is longer than the 89 characters"), "{error}");
	}

	#[test]
	fn a_presentation_of_too_many_credentials_is_refused_fails() {
		let body = |count: usize| {
			serde_json::json!({
				"presentation": {
					"type": ["VerifiablePresentation"],
					"verifiableCredential": vec![serde_json::json!({}); count],
				},
				"challenge": "c",
				"domain": "d",
			})
			.to_string()
		};
		let error =
			refusal(read_presentation_request(body(MAX_PRESENTED_CREDENTIALS + 1).as_bytes()));
		assert!(is_bad_request(&error, "at most 16"), "{error}");
		// At the bound the presentation is read and checked (and fails its checks: 200).
		let read = read_presentation_request(body(MAX_PRESENTED_CREDENTIALS).as_bytes()).unwrap();
		assert!(read.verified.is_err());
	}

	fn evidence(members: &str) -> json::Value {
		let document = format!(r#"{{"evidence":[{{"platform":"Simulated"{members}}}]}}"#);
		json::Value::parse(document.as_bytes()).unwrap()
	}

	#[test]
	fn the_issuance_block_is_read_from_the_evidence_works() {
		let hash = format!("0x{}", "ab".repeat(32));
		let credential = evidence(&format!(r#","blockNumber":4294967295,"blockHash":"{hash}""#));
		assert_eq!(
			IssuanceBlock::of(&credential),
			Ok(IssuanceBlock { number: u32::MAX, hash: H256([0xab; 32]) })
		);
		let credential = evidence(&format!(r#","blockNumber":0,"blockHash":"{hash}""#));
		assert_eq!(IssuanceBlock::of(&credential).map(|block| block.number), Ok(0));
	}

	#[test]
	fn a_missing_or_malformed_issuance_block_is_named_fails() {
		let hash = format!("0x{}", "ab".repeat(32));
		let refusal = |members: &str| IssuanceBlock::of(&evidence(members)).unwrap_err();
		assert!(refusal("").contains("names no issuance block"));
		assert!(refusal(&format!(r#","blockHash":"{hash}""#)).contains("names no issuance block"));
		assert!(refusal(r#","blockNumber":7"#).contains("names no issuance block"));
		for number in ["-1", "1.5", "4294967296", "\"7\""] {
			let members = format!(r#","blockNumber":{number},"blockHash":"{hash}""#);
			assert!(refusal(&members).contains("is not a block number"), "{number}");
		}
		for hash in ["\"0x1234\"", "\"ab\"", "7"] {
			let members = format!(r#","blockNumber":7,"blockHash":{hash}"#);
			assert!(refusal(&members).contains("is not 32 bytes of 0x hex"), "{hash}");
		}
		// A credential with no evidence at all.
		let bare = json::Value::parse(br#"{"issuer":"did:teeid:x"}"#).unwrap();
		assert!(IssuanceBlock::of(&bare).unwrap_err().contains("names no issuance block"));
	}

	#[test]
	fn created_within_the_tolerance_of_the_block_works() {
		let block = 1_700_000_000_000;
		for created in [block - 60_000, block, block + 599_999, block + 600_000] {
			assert!(CREATED_TOLERANCE.admits(created, block), "{created}");
		}
	}

	#[test]
	fn created_outside_the_tolerance_of_the_block_fails() {
		let block = 1_700_000_000_000;
		for created in [0, block - 60_001, block + 600_001, u64::MAX] {
			assert!(!CREATED_TOLERANCE.admits(created, block), "{created}");
		}
	}

	fn account(byte: u8) -> AccountId {
		AccountId::new([byte; 32])
	}

	#[test]
	fn anchors_by_the_issuer_or_operator_at_or_after_the_block_count_works() {
		let (issuer, operator) = (account(1), account(2));
		let rule = AnchorRule { issuer: Some(&issuer), operator: Some(&operator), issued_at: 100 };
		assert_eq!(rule.admits(&issuer, 100), Ok(()));
		assert_eq!(rule.admits(&operator, 100), Ok(()));
		assert_eq!(rule.admits(&issuer, 5_000), Ok(()));
		// Without a worker record, only the issuer's anchors count.
		let issuer_only = AnchorRule { operator: None, ..rule };
		assert_eq!(issuer_only.admits(&issuer, 101), Ok(()));
	}

	#[test]
	fn anchors_by_others_or_before_the_block_count_fails() {
		let (issuer, operator, stranger) = (account(1), account(2), account(3));
		let rule = AnchorRule { issuer: Some(&issuer), operator: Some(&operator), issued_at: 100 };
		let early = rule.admits(&operator, 99).unwrap_err();
		assert!(early.contains("before the credential's block 100"), "{early}");
		let other = rule.admits(&stranger, 200).unwrap_err();
		assert!(other.contains("neither the issuer nor the signing worker's operator"), "{other}");
		let issuer_only = AnchorRule { operator: None, ..rule };
		assert!(issuer_only.admits(&operator, 200).is_err());
		let nobody = AnchorRule { issuer: None, operator: None, issued_at: 0 };
		assert!(nobody.admits(&issuer, 200).is_err());
	}

	#[test]
	fn text_follows_members_and_indexes_works() {
		let value = json::Value::parse(br#"{"a":[{"b":"x"}],"c":"y","d":1}"#).unwrap();
		assert_eq!(text(&value, "/a/0/b"), Some("x"));
		assert_eq!(text(&value, "/c"), Some("y"));
		assert_eq!(text(&value, "/d"), None);
		assert_eq!(text(&value, "/a/1/b"), None);
		assert_eq!(text(&value, "/a/x"), None);
	}

	#[tokio::test]
	async fn verification_runs_off_the_runtime_thread_works() {
		let limit = VerifyLimit::new(2);
		let runtime_thread = std::thread::current().id();
		let work_thread = limit.run(|| Ok(std::thread::current().id())).await.unwrap();
		assert_ne!(work_thread, runtime_thread);
	}

	#[tokio::test]
	async fn a_saturated_limit_answers_unavailable_fails() {
		let limit = VerifyLimit::with_wait(1, Duration::from_millis(20));
		let held = limit.slots.enter().await.unwrap();
		let error = limit.run(|| Ok(())).await.unwrap_err();
		assert!(matches!(&error, WorkerError::Busy(m) if m.contains("busy")), "{error}");
		drop(held);
		assert_eq!(limit.run(|| Ok(7)).await.unwrap(), 7);
	}

	#[tokio::test]
	async fn a_panicking_job_is_an_internal_error_fails() {
		let limit = VerifyLimit::new(1);
		let error = limit.run(|| -> Result<(), WorkerError> { panic!("a bug") }).await.unwrap_err();
		assert!(matches!(error, WorkerError::Internal(_)), "{error}");
		// Its slot came back.
		assert_eq!(limit.run(|| Ok(1)).await.unwrap(), 1);
	}

	const MEASUREMENT: &str = "0x7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e";
	const BLOCK_HASH: &str = "0x5c0d1a8e37f2946ba10ec4723d58e906b34f812ad76519cc409e2bf387165ad4";
	const STATUS_LIST: &str = "http://127.0.0.1:8080/v1/status-lists/00112233445566778899aabb";

	/// The payload members of an SD-JWT VC as the TA makes them, bound to the test holder.
	fn sd_jwt_members() -> serde_json::Value {
		let mut members = testing::members(&testing::holder_key());
		members["exp"] = json!(4_102_444_800_u64);
		members["status"] = json!({ "status_list": { "idx": 7, "uri": STATUS_LIST } });
		members["teeid"] = json!({
			"schemaDigest": "zQmepXFzPJGjDMzmfiNuh9DjWd88jqVeXsAXzT9xR3cRgjv",
			"statusEvidence": format!("0x{}", "c9".repeat(32)),
			"chain": format!("0x{}", "11".repeat(32)),
			"platform": "Simulated",
			"measurement": MEASUREMENT,
			"blockNumber": 1234,
			"blockHash": BLOCK_HASH,
		});
		members
	}

	fn sd_jwt_claims() -> Vec<String> {
		vec![
			testing::disclosure("c2FsdDE", "name", json!("Alice")),
			testing::disclosure("c2FsdDI", "degree", json!("MSc")),
		]
	}

	/// The SD-JWT a verification request with `members` carries, read.
	fn read_sd_jwt_request(members: serde_json::Value) -> ReadSdJwt {
		let issued = testing::issue(&testing::tee_key(), sd_jwt_members(), &sd_jwt_claims());
		let mut body = json!({ "credential": issued });
		for (name, value) in members.as_object().into_iter().flatten() {
			body[name] = value.clone();
		}
		match read_credential_request(body.to_string().as_bytes()) {
			Ok(ReadRequest { credential: ReadCredential::SdJwt(read), .. }) => *read,
			Ok(_) => panic!("read as a W3C credential"),
			Err(e) => panic!("{e}"),
		}
	}

	fn outcome<'a>(checks: &'a [Check], name: &str) -> &'a Check {
		checks.iter().find(|c| c.check == name).unwrap_or_else(|| panic!("no `{name}` check"))
	}

	#[test]
	fn an_sd_jwt_string_is_verified_as_an_sd_jwt_works() {
		let read = read_sd_jwt_request(json!({}));
		let names: Vec<&str> = read.checks.iter().map(|c| c.check.as_str()).collect();
		// As issued: no key-binding JWT, none asked for.
		assert_eq!(names, [PROOF, DISCLOSURES]);
		assert!(read.checks.iter().all(|c| c.ok), "{:?}", read.checks);
		assert_eq!(read.issuer(), testing::ISSUER);
		assert_eq!(read.vct(), Some("urn:teeid:cpt:2000000"));
		assert_eq!(read.claims()["name"], "Alice");
		// The anchored hash is the issuer-signed JWT's, whatever follows it.
		let issued = testing::issue(&testing::tee_key(), sd_jwt_members(), &sd_jwt_claims());
		let jwt = issued.split('~').next().unwrap();
		let jwt_hash: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(jwt.as_bytes()).into();
		assert_eq!(read.hash, jwt_hash);
	}

	#[test]
	fn an_sd_jwt_states_the_facts_the_chain_checks_read_works() {
		let read = read_sd_jwt_request(json!({}));
		let statement = &read.statement;
		assert_eq!(statement.block.map(|block| block.number), Ok(1234));
		assert_eq!(statement.method.as_deref(), Some(testing::kid(&testing::tee_key()).as_str()));
		assert_eq!(statement.key, Some(testing::tee_key().verifying_key().to_bytes()));
		assert_eq!(statement.platform.as_deref(), Some("Simulated"));
		assert_eq!(statement.measurement.as_deref(), Some(MEASUREMENT));
		assert_eq!(statement.schema_id.as_deref(), Some("urn:teeid:cpt:2000000"));
		assert!(statement.schema_digest.as_deref().is_some_and(|d| d.starts_with("zQm")));
		assert_eq!(statement.id.as_deref(), Some("urn:uuid:0b6f6d8e-3f1c-4a57-9a0e-2c5d8e41b7a3"));
		let status = format!("0x{}", "c9".repeat(32));
		assert_eq!(statement.status_record.as_deref(), Some(status.as_str()));
		let list = statement.status_list.as_ref().unwrap();
		assert_eq!((list.uri.as_str(), list.index), (STATUS_LIST, 7));
		assert_eq!(statement.valid_from, Moment::At(1_767_350_130_000));
		assert_eq!(statement.valid_until, Moment::At(4_102_444_800_000));
		let Origin::Issued { created: Some(created) } = &statement.origin else { panic!() };
		assert_eq!(created.ms, Some(1_767_350_130_000));
		assert!(validity_check(statement).ok);
	}

	#[test]
	fn an_sd_jwt_block_that_is_not_one_is_named_fails() {
		let block = |teeid: serde_json::Value| {
			let serde_json::Value::Object(payload) = json!({ "teeid": teeid }) else {
				panic!("an object")
			};
			IssuanceBlock::of_sd_jwt(&payload)
		};
		assert_eq!(
			block(json!({ "blockNumber": 7, "blockHash": BLOCK_HASH })).map(|b| b.number),
			Ok(7)
		);
		assert!(block(json!({ "blockNumber": 7 })).unwrap_err().contains("names no issuance"));
		let too_large = json!({ "blockNumber": 4_294_967_296_u64, "blockHash": BLOCK_HASH });
		assert!(block(too_large).unwrap_err().contains("not a block number"));
		let short = json!({ "blockNumber": 7, "blockHash": "0x1234" });
		assert!(block(short).unwrap_err().contains("not 32 bytes"));
	}

	#[test]
	fn an_sd_jwt_validity_period_is_checked_fails() {
		let statement = |members: serde_json::Value| {
			let serde_json::Value::Object(payload) = members else { panic!("an object") };
			Statement::of_sd_jwt(&payload, testing::ISSUER.into(), None, None)
		};
		let expired = statement(json!({ "nbf": 1_000, "exp": 2_000 }));
		assert_eq!(validity_check(&expired).detail, "expired");
		let early = statement(json!({ "nbf": 4_102_444_800_u64 }));
		assert_eq!(validity_check(&early).detail, "not valid yet");
		let bad_exp = statement(json!({ "nbf": 1_000, "exp": "soon" }));
		assert!(validity_check(&bad_exp).detail.contains("exp is not"));
		assert!(!validity_check(&statement(json!({}))).ok);
		// Without `nbf`, valid from its issuance.
		let issued = statement(json!({ "iat": 1_000 }));
		assert_eq!(issued.valid_from, Moment::At(1_000_000));
		assert!(validity_check(&issued).ok);
	}

	#[test]
	fn a_tampered_sd_jwt_fails_its_disclosures_fails() {
		let issued = testing::issue(&testing::tee_key(), sd_jwt_members(), &sd_jwt_claims());
		let forged = testing::disclosure("c2FsdDE", "name", json!("Mallory"));
		let tampered = issued.replacen(&sd_jwt_claims()[0], &forged, 1);
		let rule = KeyBindingRule { required: false, audience: None, nonce: None, now: 0 };
		let read = read_sd_jwt(&tampered, &rule).unwrap();
		assert!(outcome(&read.checks, PROOF).ok);
		assert!(!outcome(&read.checks, DISCLOSURES).ok);
		assert!(read.claims().is_empty());
	}

	#[test]
	fn an_sd_jwt_presentation_is_bound_to_the_nonce_given_works() {
		let issued = testing::issue(&testing::tee_key(), sd_jwt_members(), &sd_jwt_claims());
		let now = chrono::Utc::now().timestamp();
		let presented = testing::bind(&issued, &testing::holder_key(), "x509:v", "n-1", now);
		let body = |nonce: &str| json!({ "credential": presented, "nonce": nonce }).to_string();
		let Ok(ReadRequest { credential: ReadCredential::SdJwt(read), .. }) =
			read_credential_request(body("n-1").as_bytes())
		else {
			panic!("not read as an SD-JWT")
		};
		assert!(outcome(&read.checks, KEY_BINDING).ok, "{:?}", read.checks);
		let Ok(ReadRequest { credential: ReadCredential::SdJwt(read), .. }) =
			read_credential_request(body("n-2").as_bytes())
		else {
			panic!("not read as an SD-JWT")
		};
		assert!(!outcome(&read.checks, KEY_BINDING).ok);
		// Asking for a nonce requires a key-binding JWT.
		let unbound = json!({ "credential": issued, "nonce": "n-1" }).to_string();
		let Ok(ReadRequest { credential: ReadCredential::SdJwt(read), .. }) =
			read_credential_request(unbound.as_bytes())
		else {
			panic!("not read as an SD-JWT")
		};
		assert!(outcome(&read.checks, KEY_BINDING).detail.contains("no key-binding JWT"));
	}

	#[test]
	fn malformed_sd_jwts_and_misplaced_nonces_are_bad_requests_fails() {
		let garbage = refusal(read_credential_request(br#"{"credential": "not an SD-JWT"}"#));
		assert!(is_bad_request(&garbage, "no `~`"), "{garbage}");
		let nonce = br#"{"credential": {"issuer": "did:teeid:x"}, "nonce": "n"}"#;
		let error = refusal(read_credential_request(nonce));
		assert!(is_bad_request(&error, "for SD-JWT presentations"), "{error}");
		let header = json!({ "alg": "EdDSA", "typ": "dc+sd-jwt" });
		let no_issuer = testing::sign(&testing::tee_key(), &header, &json!({ "vct": "x" }));
		let body = json!({ "credential": format!("{no_issuer}~") }).to_string();
		let error = refusal(read_credential_request(body.as_bytes()));
		assert!(is_bad_request(&error, "no `iss`"), "{error}");
	}

	#[test]
	fn the_evidence_status_entry_is_found_in_the_status_array_works() {
		let record = format!("urn:teeid:evidence:0x{}", "c9".repeat(32));
		let with_status = |status: String| {
			let document = format!(r#"{{"id":"urn:x","credentialStatus":{status}}}"#);
			let document = json::Value::parse(document.as_bytes()).unwrap();
			Statement::of_w3c(&document, "did:teeid:x".into(), None, None, Origin::Derived)
				.status_record
		};
		let list_entry = r#"{"id":"http://w/v1/status-lists/a#7","type":"BitstringStatusListEntry",
			"statusPurpose":"revocation","statusListIndex":"7",
			"statusListCredential":"http://w/v1/status-lists/a"}"#;
		let evidence_entry = format!(
			r#"{{"id":"{record}","type":"TeeidEvidenceStatus2026","statusPurpose":"revocation"}}"#
		);
		// The array of the design, in either order, and the single object of older credentials.
		assert_eq!(with_status(format!("[{evidence_entry},{list_entry}]")), Some(record.clone()));
		assert_eq!(with_status(format!("[{list_entry},{evidence_entry}]")), Some(record.clone()));
		assert_eq!(with_status(evidence_entry.clone()), Some(record.clone()));
		assert_eq!(with_status(format!("[{list_entry}]")), None);
		assert_eq!(with_status(list_entry.to_owned()), None);
	}
}
