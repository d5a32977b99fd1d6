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

use codec::{Decode, Encode};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sp_core::H256;
use teeid_did_resolver::{resolve, source::ChainSource};
use teeid_primitives::{json, merkle::BatchProof};
use teeid_ta_protocol::{
	credential::{credential_hash, split_verification_method, status_evidence, verify_tee_proof},
	disclosure::verify_presentation,
};

use crate::{
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

/// What `POST /v1/verify/credential` takes.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyCredentialRequest {
	/// The credential.
	#[schema(value_type = Object)]
	pub credential: Value,
	/// Where it is anchored, if the issuing worker gave a proof (`GET
	/// /v1/credentials/{id}/anchor` there).
	pub anchor: Option<AnchorProof>,
}

/// What `POST /v1/verify/presentation` takes.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyPresentationRequest {
	/// The presentation.
	#[schema(value_type = Object)]
	pub presentation: Value,
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

fn text<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
	value.pointer(pointer).and_then(Value::as_str)
}

fn millis(time: &str) -> Option<u64> {
	chrono::DateTime::parse_from_rfc3339(time).ok().map(|t| t.timestamp_millis().max(0) as u64)
}

/// Verifies a credential.
pub async fn verify_credential(
	worker: &Worker,
	request: &VerifyCredentialRequest,
) -> Result<Verification, WorkerError> {
	worker.metrics.verified.inc();
	let credential = &request.credential;
	let parsed = json::Value::parse(credential.to_string().as_bytes())
		.map_err(|_| WorkerError::BadRequest("the credential is not JSON".into()))?;
	let issuer = text(credential, "/issuer")
		.ok_or_else(|| WorkerError::BadRequest("the credential has no `issuer`".into()))?;
	let hash = credential_hash(&parsed);
	let mut checks = Vec::new();

	let method = match verify_tee_proof(&parsed) {
		Ok((input, _)) => {
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
			None => match text(credential, "/proof/created").and_then(millis) {
				Some(ms) => When::Time(ms + 999),
				None => When::Now,
			},
		};
		checks.push(key_at(worker, issuer, &method, when, "issuer key").await?);
	}
	checks.push(code_check(worker, credential).await?);
	checks.push(anchor_check(worker, &hash, request.anchor.as_ref()).await?);
	checks.push(revocation_check(worker, credential, issuer).await?);
	checks.push(validity_check(credential));
	Ok(Verification::new(checks))
}

/// Verifies a presentation made for `challenge` and `domain`.
pub async fn verify_presentation_request(
	worker: &Worker,
	request: &VerifyPresentationRequest,
) -> Result<Verification, WorkerError> {
	worker.metrics.verified.inc();
	let parsed = json::Value::parse(request.presentation.to_string().as_bytes())
		.map_err(|_| WorkerError::BadRequest("the presentation is not JSON".into()))?;
	let verified = match verify_presentation(&parsed, &request.challenge, &request.domain) {
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
	let derived = request.presentation.get("verifiableCredential").and_then(Value::as_array);
	for (index, credential) in verified.credentials.iter().enumerate() {
		let method = format!("{}#tee-{}", credential.issuer, hex::encode(credential.issuer_key));
		let derived_credential = derived.and_then(|list| list.get(index));
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
	let resolved = match resolve::resolve(&worker.resolver, did, block).await {
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

async fn code_check(worker: &Worker, credential: &Value) -> Result<Check, WorkerError> {
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
		let root = hex32(&given.root, "anchor.root")?;
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
	credential: &Value,
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

fn validity_check(credential: &Value) -> Check {
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

fn hex32(text: &str, name: &str) -> Result<[u8; 32], WorkerError> {
	hex::decode(text.trim_start_matches("0x"))
		.ok()
		.and_then(|b| <[u8; 32]>::try_from(b).ok())
		.ok_or_else(|| WorkerError::BadRequest(format!("`{name}` is not 32 bytes of hex")))
}
