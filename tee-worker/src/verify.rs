//! Verifying credentials and presentations against the chain.
//!
//! A credential names, in its signed `evidence[0]`, the finalized block its TA issued it
//! against (`blockNumber`, `blockHash`). Every check reads the chain at that block unless it
//! says now, and each has a name (the `check` of its entry in the answer):
//! 1. **proof**: its `eddsa-jcs-2022` proof by the TEE key its `verificationMethod` names, a
//!    key of the issuer, purpose `assertionMethod`;
//! 2. **issuance block**: the block is a finalized block of this chain, and `proof.created`
//!    lies within [`CREATED_TOLERANCE`] of its timestamp (the TA signed the block; the date
//!    must agree with it);
//! 3. **issuer key**: the verification method is in the issuer DID's `assertionMethod` at that
//!    block (the key was bound and counting then);
//! 4. **tee worker**: the worker owning the key at that block was registered, active and
//!    certified, and its platform and measurement on chain are the ones the credential names;
//! 5. **tee code**: that worker's measurement, as the chain records it, is allowed now (root
//!    removes compromised code, failing everything it signed);
//! 6. **simulation**: a `Simulated` worker's credential passes only while the chain's
//!    simulation flag is on now;
//! 7. **schema**: `credentialSchema.digestMultibase` is the digest of the schema of the CPT
//!    `credentialSchema.id` names, at that block (the schema the worker gave the TA);
//! 8. **anchor**: its hash is an evidence record, or a leaf of a batch anchored on chain (by a
//!    proof given with the request or from this worker's index), created or anchored by the
//!    issuer or the signing worker's operator at or after that block ([`AnchorRule`]); or it is
//!    still pending in this worker's next batch;
//! 9. **revocation**: the issuer has not revoked the evidence record its `credentialStatus`
//!    names (now);
//! 10. **validity**: now lies between `validFrom` and `validUntil`.
//!
//! A credential that names no block (made before TAs signed their block) fails `issuance
//! block` and, by name, every check that needs the block. A presentation's derived credentials
//! are checked the same way but for `proof` (the presentation's proofs replace it, and a
//! derived credential has no `created`) and `anchor` (its hash is not the issued one's).
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
use teeid_did_resolver::resolve;
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
		ProofCheckError,
	},
	disclosure::{verify_presentation, DisclosureError, VerifiedPresentation},
};
use tokio::sync::Semaphore;

use crate::{
	api::hex_array,
	chain::{ChainView, WorkerStatus},
	error::WorkerError,
	issue::{cpt_of_schema_id, rfc3339},
	store::BatchState,
	worker::{account_of, did_of, parse_did, Worker},
};

// The names of the checks, as the answer gives them.
const PROOF: &str = "proof";
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

/// The block a credential names in `evidence[0]`: the finalized block its TA issued it
/// against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IssuanceBlock {
	/// `blockNumber`.
	pub number: u32,
	/// `blockHash`.
	pub hash: H256,
}

impl IssuanceBlock {
	/// The block `credential` names, or why it names none.
	pub fn of(credential: &json::Value) -> Result<Self, &'static str> {
		let evidence = member(credential, "/evidence/0");
		let number = evidence.and_then(|e| e.get("blockNumber"));
		let hash = evidence.and_then(|e| e.get("blockHash"));
		let (Some(number), Some(hash)) = (number, hash) else {
			return Err("the credential names no issuance block (`evidence[0].blockNumber` and \
			            `blockHash`): it was issued before TAs signed their block");
		};
		let number = match number {
			json::Value::Number(n) if is_whole(*n) && (0.0..=f64::from(u32::MAX)).contains(n) => {
				*n as u32
			},
			_ => return Err("`evidence[0].blockNumber` is not a block number"),
		};
		let hash = hash
			.as_str()
			.and_then(parse_hex32)
			.ok_or("`evidence[0].blockHash` is not 32 bytes of 0x hex")?;
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
/// the credential, kept as sent, is then read by the strict parser ([`strict_document`]).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyCredentialRequest {
	/// The credential.
	#[schema(value_type = Object)]
	pub credential: Box<RawValue>,
	/// Where it is anchored, if the issuing worker gave a proof (`GET
	/// /v1/credentials/{id}/anchor` there).
	pub anchor: Option<AnchorProof>,
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
	fn new(checks: Vec<Check>) -> Self {
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
/// gets 503: a flood of large requests neither stalls the async runtime nor starts more CPU
/// work than the worker has slots for.
pub struct VerifyLimit {
	slots: Arc<Semaphore>,
	size: usize,
	wait: Duration,
}

impl VerifyLimit {
	/// A cap of `slots` jobs at once (at least one).
	pub fn new(slots: usize) -> Self {
		Self::with_wait(slots, VERIFY_QUEUE_WAIT)
	}

	fn with_wait(slots: usize, wait: Duration) -> Self {
		let size = slots.clamp(1, Semaphore::MAX_PERMITS);
		Self { slots: Arc::new(Semaphore::new(size)), size, wait }
	}

	/// Runs `work` on the blocking pool once a slot is free. The slot is held until `work`
	/// returns, even if the request that started it is dropped: it counts running work.
	pub async fn run<T, F>(&self, work: F) -> Result<T, WorkerError>
	where
		T: Send + 'static,
		F: FnOnce() -> Result<T, WorkerError> + Send + 'static,
	{
		let slot = match tokio::time::timeout(self.wait, self.slots.clone().acquire_owned()).await {
			Ok(Ok(slot)) => slot,
			Ok(Err(_)) => {
				return Err(WorkerError::Internal("the verification slots closed".into()))
			},
			Err(_) => {
				return Err(WorkerError::Unavailable(format!(
					"the worker is busy: all {} verification slots stayed taken for {:?}; \
					 try again",
					self.size, self.wait
				)))
			},
		};
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

fn json_problem(kind: JsonErrorKind) -> &'static str {
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

/// A credential request, read and its proof checked: the CPU-bound part of verifying it.
struct ReadCredential {
	credential: json::Value,
	issuer: String,
	hash: [u8; 32],
	proof: Result<VerificationInput, ProofCheckError>,
	anchor: Option<AnchorProof>,
}

fn read_credential_request(body: &[u8]) -> Result<ReadCredential, WorkerError> {
	let request: VerifyCredentialRequest = typed_body(body)?;
	let credential = strict_document(&request.credential, "credential")?;
	let issuer = text(&credential, "/issuer")
		.ok_or_else(|| WorkerError::BadRequest("the credential has no `issuer`".into()))?
		.to_owned();
	let proof = verify_tee_proof(&credential).map(|(input, _)| input);
	if matches!(proof, Err(ProofCheckError::Malformed(ProofError::ProofValueTooLong))) {
		return Err(proof_value_too_long("the credential's `proof.proofValue`"));
	}
	let hash = credential_hash(&credential);
	Ok(ReadCredential { credential, issuer, hash, proof, anchor: request.anchor })
}

/// Verifies a credential; `body` is a [`VerifyCredentialRequest`].
pub async fn verify_credential(worker: &Worker, body: Bytes) -> Result<Verification, WorkerError> {
	let ReadCredential { credential, issuer, hash, proof, anchor } =
		worker.verify_limit.run(move || read_credential_request(&body)).await?;
	worker.metrics.verified.inc();
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
	let examined = Examined {
		document: &credential,
		issuer: &issuer,
		method: method.map(str::to_owned),
		key: method.and_then(split_verification_method).map(|(_, key)| key),
		origin: Origin::Issued { created: text(&credential, "/proof/created") },
	};
	let verifier = Verifier { worker, now: worker.chain.view().await? };
	let mut checks = vec![proof];
	checks.extend(verifier.checks(&examined, Some((&hash, anchor.as_ref()))).await?);
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
	let verifier = Verifier { worker, now: worker.chain.view().await? };
	// `verify_presentation` verified the derived credentials in their order.
	for (credential, document) in verified.credentials.iter().zip(derived) {
		let examined = Examined {
			document,
			issuer: &credential.issuer,
			method: Some(verification_method(&credential.issuer, &credential.issuer_key)),
			key: Some(credential.issuer_key),
			origin: Origin::Derived,
		};
		checks.extend(verifier.checks(&examined, None).await?);
	}
	Ok(Verification::new(checks))
}

/// Where a credential under verification comes from.
#[derive(Clone, Copy, Debug)]
enum Origin<'a> {
	/// Issued, with its own proof and its `created` time (if it names one).
	Issued { created: Option<&'a str> },
	/// Derived in a presentation: no proof and no `created` of its own.
	Derived,
}

/// A credential under verification, as the checks after `proof` read it.
struct Examined<'a> {
	/// The credential (original or derived).
	document: &'a json::Value,
	/// The issuer DID.
	issuer: &'a str,
	/// The verification method that signed it, if it names one.
	method: Option<String>,
	/// The TEE key of that method.
	key: Option<[u8; 32]>,
	/// Issued or derived.
	origin: Origin<'a>,
}

/// One verification request's reads: the worker, and the chain now (the latest finalized
/// block), read once for every check that says now.
struct Verifier<'a> {
	worker: &'a Worker,
	now: ChainView,
}

/// A check that cannot run without the credential's block.
fn needs_block(name: &str) -> Check {
	check(name, false, "needs the credential's issuance block")
}

impl Verifier<'_> {
	/// Every check of `credential` after `proof`; `anchor` (the credential's hash and a batch
	/// proof given with the request) for an issued credential only.
	async fn checks(
		&self,
		credential: &Examined<'_>,
		anchor: Option<(&[u8; 32], Option<&AnchorProof>)>,
	) -> Result<Vec<Check>, WorkerError> {
		let mut checks = Vec::new();
		let at = match IssuanceBlock::of(credential.document) {
			Ok(block) => {
				let (checked, at) = self.issuance_block(&block, credential.origin).await?;
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
						key_at(self.worker, credential.issuer, method, when, ISSUER_KEY).await?
					},
					None => check(ISSUER_KEY, false, "the credential names no verification method"),
				});
				let (worker_check, record) = tee_worker_check(at, block.number, credential).await?;
				checks.push(worker_check);
				checks.push(self.code_check(record.as_ref()).await?);
				checks.push(self.simulation_check(record.as_ref()).await?);
				checks.push(schema_check(at, block.number, credential.document).await?);
				if let Some((hash, given)) = anchor {
					let issuer = parse_did(credential.issuer).ok();
					let rule = AnchorRule {
						issuer: issuer.as_ref(),
						operator: record.as_ref().map(|record| &record.operator),
						issued_at: block.number,
					};
					checks.push(self.anchor_check(hash, given, &rule).await?);
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
		checks.push(self.revocation_check(credential.document, credential.issuer).await?);
		checks.push(validity_check(credential.document));
		Ok(checks)
	}

	/// Whether `block` is a finalized block of this chain whose time `proof.created` (of an
	/// issued credential) agrees with; the chain at that block, if it is one.
	async fn issuance_block(
		&self,
		block: &IssuanceBlock,
		origin: Origin<'_>,
	) -> Result<(Check, Option<ChainView>), WorkerError> {
		let number = block.number;
		let (finalized, _) = self.now.block();
		if number > finalized {
			let detail =
				format!("block {number} is not finalized (the finalized block is {finalized})");
			return Ok((check(ISSUANCE_BLOCK, false, detail), None));
		}
		if self.worker.chain.block_hash(number).await? != Some(block.hash) {
			let detail = format!("block {number} of this chain is not {:?}", block.hash);
			return Ok((check(ISSUANCE_BLOCK, false, detail), None));
		}
		let Some(at) = self.worker.chain.view_at(&block.hash).await? else {
			let detail = format!("the node does not have block {number}");
			return Ok((check(ISSUANCE_BLOCK, false, detail), None));
		};
		let time = at.timestamp().await?;
		let when = rfc3339(time as i64);
		let checked = match origin {
			Origin::Derived => check(
				ISSUANCE_BLOCK,
				true,
				format!("finalized block {number} ({when}); a derived credential has no `created`"),
			),
			Origin::Issued { created: None } => {
				check(ISSUANCE_BLOCK, false, "the proof has no `created` time")
			},
			Origin::Issued { created: Some(created) } => {
				let admitted = millis(created).is_some_and(|ms| CREATED_TOLERANCE.admits(ms, time));
				check(
					ISSUANCE_BLOCK,
					admitted,
					format!(
						"`created` {created} is {}within {} s before and {} s after the time of \
						 finalized block {number} ({when})",
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

	/// Where the credential with SHA-256 `hash` is anchored, by whom and when, under `rule`.
	async fn anchor_check(
		&self,
		hash: &[u8; 32],
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
			None => match self.worker.store.credential(hash)? {
				None => Err("no anchor known: pass the issuing worker's `anchor` proof".into()),
				Some(record) => match batch_proof(self.worker, &record)? {
					None => Ok("issued here; pending in the next batch".into()),
					Some((root, proof, block)) => {
						let operator = self.worker.chain.operator();
						match self.now.batch(&operator, &root).await? {
							Some(anchored) => {
								self.in_batch(&operator, &root, anchored, &proof, rule).await?
							},
							// In a block of the best chain, which is not final yet.
							None => Ok(format!(
								"issued here; its batch 0x{} is in block {block}, not final yet",
								hex::encode(root)
							)),
						}
					},
				},
			},
		};
		Ok(match found {
			Ok(detail) => check(ANCHOR, true, detail),
			Err(reason) => {
				refused.push(reason);
				check(ANCHOR, false, refused.join("; "))
			},
		})
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

	/// Whether the issuer has revoked the evidence record `credentialStatus` names, now.
	async fn revocation_check(
		&self,
		credential: &json::Value,
		issuer: &str,
	) -> Result<Check, WorkerError> {
		let (Some(id), Some(status)) =
			(text(credential, "/id"), text(credential, "/credentialStatus/id"))
		else {
			return Ok(check(REVOCATION, false, "the credential has no id or credentialStatus"));
		};
		let record = status_evidence(&self.worker.chain.genesis_hash(), id);
		if status != format!("urn:teeid:evidence:0x{}", hex::encode(record.0)) {
			return Ok(check(
				REVOCATION,
				false,
				"credentialStatus does not name this chain's record for its id",
			));
		}
		let Ok(issuer) = parse_did(issuer) else {
			return Ok(check(REVOCATION, false, "the issuer is not a did:teeid DID"));
		};
		let revoked =
			self.now.evidence_signer(&record, &issuer).await?.is_some_and(|signer| signer.revoked);
		let detail = if revoked { "revoked by the issuer" } else { "not revoked" };
		Ok(check(REVOCATION, !revoked, detail))
	}
}

/// Whether the worker owning the credential's key at its block (`at`) was registered, active
/// and certified, with the platform and measurement the credential names; and that record.
async fn tee_worker_check(
	at: &ChainView,
	block: u32,
	credential: &Examined<'_>,
) -> Result<(Check, Option<WorkerStatus>), WorkerError> {
	let Some(key) = credential.key else {
		return Ok((check(TEE_WORKER, false, "the credential names no TEE key"), None));
	};
	let Some(record) = at.worker(&key).await? else {
		let detail = format!("no worker has TEE key 0x{} at block {block}", hex::encode(key));
		return Ok((check(TEE_WORKER, false, detail), None));
	};
	let platform = platform_name(record.platform);
	let claimed_platform = text(credential.document, "/evidence/0/platform");
	let claimed_measurement = text(credential.document, "/evidence/0/measurement");
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

/// Whether `credentialSchema.digestMultibase` is the digest of the CPT `credentialSchema.id`
/// names, as the chain held it at the credential's block (`at`).
async fn schema_check(
	at: &ChainView,
	block: u32,
	credential: &json::Value,
) -> Result<Check, WorkerError> {
	let Some(cpt) = text(credential, "/credentialSchema/id").and_then(cpt_of_schema_id) else {
		return Ok(check(SCHEMA, false, "credentialSchema.id is not urn:teeid:cpt:<CPT id>"));
	};
	let Some(digest) = text(credential, "/credentialSchema/digestMultibase") else {
		return Ok(check(SCHEMA, false, "credentialSchema has no digestMultibase"));
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
	/// At the best block.
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
	// The document's `assertionMethod` comes from the DID's state: no walk of its history
	// (which only yields attributes) is needed.
	let resolved = match resolve::resolve_within(&worker.resolver, did, block, 0).await {
		Ok(resolved) => resolved,
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
	let listed = resolved.did_document["assertionMethod"]
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
	if worker.chain.view().await?.batch(&operator, &root).await?.is_none() {
		return Ok(None);
	}
	Ok(Some(AnchorProof {
		anchorer: did_of(&operator),
		root: format!("0x{}", hex::encode(root)),
		proof: format!("0x{}", hex::encode(proof.encode())),
		block,
	}))
}

fn validity_check(credential: &json::Value) -> Check {
	let now = chrono::Utc::now().timestamp_millis() as u64;
	let from = text(credential, "/validFrom").and_then(millis);
	let until = text(credential, "/validUntil").and_then(millis);
	match (from, until) {
		(None, _) => check(VALIDITY, false, "validFrom is missing or not RFC 3339"),
		(Some(from), _) if now < from => check(VALIDITY, false, "not valid yet"),
		(_, Some(until)) if now > until => check(VALIDITY, false, "expired"),
		_ => check(VALIDITY, true, "within its validity period"),
	}
}

#[cfg(test)]
mod tests {
	use super::*;

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
		let held = limit.slots.clone().try_acquire_owned().unwrap();
		let error = limit.run(|| Ok(())).await.unwrap_err();
		assert!(matches!(&error, WorkerError::Unavailable(m) if m.contains("busy")), "{error}");
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
}
