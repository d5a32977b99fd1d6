//! Verifying credentials and presentations against the chain.
//!
//! A credential verifies when every check passes:
//! 1. **proof**: its `eddsa-jcs-2022` proof by the TEE key its `verificationMethod` names;
//! 2. **issuer key**: that method is in the issuer DID's `assertionMethod` at issuance (the key
//!    was bound, active and running allowed code then): at the block this worker issued it in,
//!    or, for another worker's credential, at the last block whose timestamp is not after the
//!    proof's `created` time;
//! 3. **TEE code**: the measurement in its `evidence` is still on the chain's allowlist (root
//!    removes compromised code);
//! 4. **anchor**: its hash is an evidence record, or a leaf of a batch anchored on chain (by
//!    a proof given with the request or from this worker's index), or still pending in this
//!    worker's next batch;
//! 5. **revocation**: the issuer has not revoked the evidence record its `credentialStatus`
//!    names;
//! 6. **validity**: now lies between `validFrom` and `validUntil`.
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
	data_integrity::{ProofError, VerificationInput, MAX_PROOF_VALUE_CHARS},
	json::{self, JsonErrorKind},
	merkle::BatchProof,
};
use teeid_ta_protocol::{
	credential::{
		credential_hash, split_verification_method, status_evidence, verify_tee_proof,
		ProofCheckError,
	},
	disclosure::{verify_presentation, DisclosureError, VerifiedPresentation},
};
use tokio::sync::Semaphore;

use crate::{
	api::hex_array,
	error::WorkerError,
	store::BatchState,
	worker::{account_of, did_of, parse_did, Worker},
};

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

/// The string at `pointer` (`/a/0/b`: member names and array indexes) in `value`.
fn text<'a>(value: &'a json::Value, pointer: &str) -> Option<&'a str> {
	pointer
		.split('/')
		.skip(1)
		.try_fold(value, |node, step| match node {
			json::Value::Array(items) => step.parse::<usize>().ok().and_then(|i| items.get(i)),
			_ => node.get(step),
		})
		.and_then(json::Value::as_str)
}

fn millis(time: &str) -> Option<u64> {
	chrono::DateTime::parse_from_rfc3339(time).ok().map(|t| t.timestamp_millis().max(0) as u64)
}

/// The most credentials a presentation may hold: each costs chain reads (its issuer's key, its
/// code, its revocation), so a larger one is refused before any is checked.
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
	let mut checks = Vec::new();

	let method = match proof {
		Ok(input) => {
			let same_did = split_verification_method(&input.verification_method)
				.is_some_and(|(did, _)| did == issuer);
			checks.push(check(
				"proof",
				same_did && input.proof_purpose == "assertionMethod",
				if same_did {
					format!("signed by {}", input.verification_method)
				} else {
					"the verification method is not the issuer's".into()
				},
			));
			Some(input.verification_method)
		},
		Err(e) => {
			checks.push(check("proof", false, e.to_string()));
			None
		},
	};
	if let Some(method) = method {
		// A credential issued here: the block it was issued at. Another's: the block of its
		// proof's `created` time, by block timestamps (whole seconds, so the end of that
		// second).
		let when = match worker.store.credential(&hash)? {
			Some(record) => When::Block(record.issued_at),
			None => match text(&credential, "/proof/created").and_then(millis) {
				Some(ms) => When::Time(ms + 999),
				None => When::Now,
			},
		};
		checks.push(key_at(worker, &issuer, &method, when, "issuer key").await?);
	}
	checks.push(code_check(worker, &credential).await?);
	checks.push(anchor_check(worker, &hash, anchor.as_ref()).await?);
	checks.push(revocation_check(worker, &credential, &issuer).await?);
	checks.push(validity_check(&credential));
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
			return Ok(Verification::new(vec![check("proof", false, format!("{e:?}"))]));
		},
	};
	let mut checks = vec![check(
		"proof",
		true,
		format!("the holder's proof and {} credential(s) verify", verified.credentials.len()),
	)];
	let holder_method = format!("{}#tee-{}", verified.holder, hex::encode(verified.holder_key));
	checks.push(key_at(worker, &verified.holder, &holder_method, When::Now, "holder key").await?);
	let derived: &[json::Value] = match presentation.get("verifiableCredential") {
		Some(json::Value::Array(list)) => list.as_slice(),
		_ => &[],
	};
	for (index, credential) in verified.credentials.iter().enumerate() {
		let method = format!("{}#tee-{}", credential.issuer, hex::encode(credential.issuer_key));
		let derived_credential = derived.get(index);
		let at = match derived_credential.and_then(|c| text(c, "/id")) {
			Some(id) => match worker.store.credential_by_id(id)? {
				Some(record) if record.issuer == credential.issuer => When::Block(record.issued_at),
				_ => derived_credential
					.and_then(|c| text(c, "/validFrom"))
					.and_then(millis)
					.map_or(When::Now, |ms| When::Time(ms + 999)),
			},
			None => When::Now,
		};
		checks.push(key_at(worker, &credential.issuer, &method, at, "issuer key").await?);
		if let Some(derived) = derived_credential {
			checks.push(code_check(worker, derived).await?);
			checks.push(revocation_check(worker, derived, &credential.issuer).await?);
			checks.push(validity_check(derived));
		}
	}
	Ok(Verification::new(checks))
}

/// When a key must have been a DID's.
enum When {
	/// At this block.
	Block(u32),
	/// At the last block with a timestamp at most this (ms since the epoch).
	Time(u64),
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
		When::Time(ms) => match block_at(worker, ms).await? {
			Some(block) => Some(block),
			None => return Ok(check(name, false, "the chain has no block at that time")),
		},
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

/// The last finalized block whose timestamp is at most `ms` (binary search over timestamps).
async fn block_at(worker: &Worker, ms: u64) -> Result<Option<u32>, WorkerError> {
	let source = &worker.resolver;
	let unavailable = |e: teeid_did_resolver::source::SourceError| {
		WorkerError::Unavailable(format!("reading block times: {e}"))
	};
	let time_of = |n: u32| async move {
		let hash = source.block_hash(Some(n)).await.map_err(unavailable)?;
		match hash {
			Some(hash) => source.timestamp(hash).await.map_err(unavailable),
			None => Ok(u64::MAX),
		}
	};
	let (finalized, _) = worker.chain.finalized().await?;
	// Block 0 has no timestamp (0); block 1 is the first with a time.
	if finalized == 0 || time_of(1).await? > ms {
		return Ok(None);
	}
	let (mut low, mut high) = (1u32, finalized);
	while low < high {
		let mid = low + (high - low).div_ceil(2);
		if time_of(mid).await? <= ms {
			low = mid;
		} else {
			high = mid - 1;
		}
	}
	Ok(Some(low))
}

async fn code_check(worker: &Worker, credential: &json::Value) -> Result<Check, WorkerError> {
	let measurement = text(credential, "/evidence/0/measurement")
		.and_then(|m| hex::decode(m.trim_start_matches("0x")).ok())
		.and_then(|m| <[u8; 32]>::try_from(m).ok());
	let platform = text(credential, "/evidence/0/platform").unwrap_or("unknown");
	Ok(match measurement {
		Some(measurement) => {
			let allowed = worker.chain.code_allowed(&measurement).await?;
			check(
				"tee code",
				allowed,
				format!(
					"{platform} TA 0x{} is {}on the allowlist",
					hex::encode(measurement),
					if allowed { "" } else { "not " }
				),
			)
		},
		None => check("tee code", false, "the credential names no TEE measurement"),
	})
}

/// Where the credential with SHA-256 `hash` is anchored.
async fn anchor_check(
	worker: &Worker,
	hash: &[u8; 32],
	given: Option<&AnchorProof>,
) -> Result<Check, WorkerError> {
	let name = "anchor";
	if worker.chain.evidence_exists(&H256(*hash)).await? {
		return Ok(check(name, true, "the credential's hash is an evidence record"));
	}
	if let Some(given) = given {
		let anchorer = account_of(&given.anchorer)
			.ok_or_else(|| WorkerError::BadRequest("`anchor.anchorer` is not a DID".into()))?;
		let root = hex_array::<32>(&given.root, "anchor.root")?;
		let bytes = hex::decode(given.proof.trim_start_matches("0x"))
			.map_err(|_| WorkerError::BadRequest("`anchor.proof` is not hex".into()))?;
		let proof = BatchProof::decode(&mut &bytes[..])
			.map_err(|_| WorkerError::BadRequest("`anchor.proof` is not a BatchProof".into()))?;
		if !proof.leaves.iter().any(|(_, leaf)| leaf.0 == *hash) {
			return Ok(check(name, false, "the given proof is for other hashes"));
		}
		return Ok(match worker.chain.verify_batch_proof(&anchorer, &root, &proof).await? {
			Ok(()) => check(name, true, format!("in batch 0x{} on chain", hex::encode(root))),
			Err(e) => check(name, false, format!("the batch proof fails: {e}")),
		});
	}
	let Some(record) = worker.store.credential(hash)? else {
		return Ok(check(name, false, "no anchor known: pass the issuing worker's `anchor` proof"));
	};
	Ok(match batch_proof(worker, &record)? {
		Some((root, proof, block)) => {
			match worker.chain.verify_batch_proof(&worker.chain.operator(), &root, &proof).await? {
				Ok(()) => check(
					name,
					true,
					format!("in batch 0x{} anchored in block {block}", hex::encode(root)),
				),
				Err(e) => check(name, false, format!("the batch proof fails: {e}")),
			}
		},
		None => check(name, true, "issued here; pending in the next batch"),
	})
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

/// The proof that `record` is in its anchored batch, as the API gives it (`None` while it is
/// not anchored).
pub fn anchor_proof(
	worker: &Worker,
	record: &crate::store::CredentialRecord,
) -> Result<Option<AnchorProof>, WorkerError> {
	Ok(batch_proof(worker, record)?.map(|(root, proof, block)| AnchorProof {
		anchorer: did_of(&worker.chain.operator()),
		root: format!("0x{}", hex::encode(root)),
		proof: format!("0x{}", hex::encode(proof.encode())),
		block,
	}))
}

async fn revocation_check(
	worker: &Worker,
	credential: &json::Value,
	issuer: &str,
) -> Result<Check, WorkerError> {
	let name = "revocation";
	let (Some(id), Some(status)) =
		(text(credential, "/id"), text(credential, "/credentialStatus/id"))
	else {
		return Ok(check(name, false, "the credential has no id or credentialStatus"));
	};
	let record = status_evidence(&worker.chain.genesis_hash(), id);
	if status != format!("urn:teeid:evidence:0x{}", hex::encode(record.0)) {
		return Ok(check(
			name,
			false,
			"credentialStatus does not name this chain's record for its id",
		));
	}
	let Ok(issuer) = parse_did(issuer) else {
		return Ok(check(name, false, "the issuer is not a did:teeid DID"));
	};
	let revoked =
		worker.chain.evidence_signer(&record, &issuer).await?.is_some_and(|signer| signer.revoked);
	Ok(check(name, !revoked, if revoked { "revoked by the issuer" } else { "not revoked" }))
}

fn validity_check(credential: &json::Value) -> Check {
	let now = chrono::Utc::now().timestamp_millis() as u64;
	let from = text(credential, "/validFrom").and_then(millis);
	let until = text(credential, "/validUntil").and_then(millis);
	match (from, until) {
		(None, _) => check("validity", false, "validFrom is missing or not RFC 3339"),
		(Some(from), _) if now < from => check("validity", false, "not valid yet"),
		(_, Some(until)) if now > until => check("validity", false, "expired"),
		_ => check("validity", true, "within its validity period"),
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
