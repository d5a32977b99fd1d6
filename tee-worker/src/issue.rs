//! Issuing credentials and presentations through the TA.
//!
//! The worker checks everything it can before the TA sees a request: the token's account
//! controls the issuer (or holder) DID, the chain shows this worker as a counting signer of
//! it, the CPT exists and the claims satisfy its JSON Schema in full. The TA then checks the
//! schema's core again against the schema it is given, whose digest it signs into
//! `credentialSchema` (so a verifier that compares the digest with the CPT on chain detects a
//! host that substituted the schema), builds and signs; the worker records the credential and
//! queues its hash for the next batch.
//!
//! Every chain read of an issuance is at one finalized block, which the TA signs into the
//! credential (`evidence[0].blockNumber`, `blockHash`): verifiers read the chain at that block
//! and require `proof.created` to match its timestamp ([`crate::verify::CREATED_TOLERANCE`]).
//! So the worker refuses to issue while finality has stalled for longer than that tolerance
//! allows, and dates the proof no earlier than the block.

use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;
use teeid_ta_protocol::{
	command::IssuedCredential,
	credential::{Claims, IssuanceRequest, SchemaRef},
	disclosure::PresentationRequest,
	sealed::SealedBox,
	Command, Reply, TaError, CLAIMS_JSON, CREDENTIAL_JSON,
};

use crate::{
	error::WorkerError,
	expect_reply,
	store::CredentialRecord,
	tee::TeeError,
	tokens::TokenRecord,
	verify::CREATED_TOLERANCE,
	worker::{parse_did, Worker},
};

/// How old the finalized block may be when the worker issues against it: a minute less than
/// verifiers allow between the block and `created`, so that what is issued verifies.
pub const FINALITY_STALL_LIMIT: Duration =
	Duration::from_secs(CREATED_TOLERANCE.after.as_secs() - 60);

/// How long an issuance waits for finality to reach the TA's newest block (the first block
/// of a slot the TA just reported on the best chain, or a block another issuance just named).
const STALE_BLOCK_WAIT: Duration = Duration::from_secs(30);

/// The prefix of `credentialSchema.id`: `urn:teeid:cpt:<CPT id>`.
const SCHEMA_ID_PREFIX: &str = "urn:teeid:cpt:";

/// The `credentialSchema.id` of CPT `cpt`.
pub fn schema_id(cpt: u32) -> String {
	format!("{SCHEMA_ID_PREFIX}{cpt}")
}

/// The CPT a `credentialSchema.id` names, if it is one this worker writes.
pub fn cpt_of_schema_id(id: &str) -> Option<u32> {
	let cpt = id.strip_prefix(SCHEMA_ID_PREFIX)?.parse().ok()?;
	(schema_id(cpt) == id).then_some(cpt)
}

/// What `POST /v1/credentials` takes.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssueRequest {
	/// The issuer DID: the token's account controls it and this worker is its bound signer.
	pub issuer: String,
	/// The holder DID (`credentialSubject.id`).
	pub holder: String,
	/// The CPT the claims follow.
	pub cpt: u32,
	/// The claims, a JSON object (or use `sealedClaims`).
	#[schema(value_type = Option<Object>)]
	pub claims: Option<Value>,
	/// The claims sealed to the TA's agreement key, readable only inside the TA.
	pub sealed_claims: Option<SealedClaims>,
	/// `validFrom` (RFC 3339); now (the worker's clock) if absent.
	pub valid_from: Option<String>,
	/// `validUntil` (RFC 3339), if the credential expires.
	pub valid_until: Option<String>,
	/// The credential's id (a URI); a fresh `urn:uuid:` if absent.
	pub id: Option<String>,
}

/// Claims sealed to the TA (X25519 + HKDF-SHA256 + AES-256-GCM, associated data the issuer
/// DID; see docs/ta.md).
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct SealedClaims {
	/// The sender's ephemeral X25519 public key, `0x` hex.
	pub ephemeral: String,
	/// The ciphertext with its tag, `0x` hex.
	pub ciphertext: String,
}

/// What `POST /v1/credentials` answers.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Issued {
	/// The credential's id.
	pub id: String,
	/// SHA-256 of its canonical form, `0x` hex: the leaf its batch anchors.
	pub hash: String,
	/// The Verifiable Credential.
	#[schema(value_type = Object)]
	pub credential: Value,
}

/// What `POST /v1/presentations` takes.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PresentRequest {
	/// The credential to present from (its subject is the holder).
	#[schema(value_type = Object)]
	pub credential: Value,
	/// The names of the claims to disclose.
	pub disclose: Vec<String>,
	/// The verifier's challenge.
	pub challenge: String,
	/// The verifier's domain.
	pub domain: String,
}

/// The time now, RFC 3339 in whole seconds, UTC.
pub fn now() -> String {
	rfc3339(chrono::Utc::now().timestamp_millis())
}

/// `ms` since the unix epoch as RFC 3339 in whole seconds (rounded down), UTC.
pub fn rfc3339(ms: i64) -> String {
	chrono::DateTime::from_timestamp_millis(ms - ms.rem_euclid(1000))
		.unwrap_or_default()
		.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The proof's `created` for a credential issued against a block with timestamp `block_ms`,
/// `now_ms` on the worker's clock: now, or the block's time (to the next whole second) if the
/// block is later, as on a chain whose clock runs ahead (instant sealing). Refused when the
/// block is older than [`FINALITY_STALL_LIMIT`]: verifiers would refuse the credential.
pub fn created_at(now_ms: i64, block_ms: u64) -> Result<String, WorkerError> {
	let block_ms = i64::try_from(block_ms).unwrap_or(i64::MAX);
	let age_ms = now_ms.saturating_sub(block_ms);
	if age_ms > FINALITY_STALL_LIMIT.as_millis() as i64 {
		return Err(WorkerError::Unavailable(format!(
			"chain finality has stalled: the latest finalized block is {} s old, more than the \
			 {} s a credential may be dated after its block; no credential is issued until \
			 finality resumes",
			age_ms / 1000,
			FINALITY_STALL_LIMIT.as_secs()
		)));
	}
	// Rounded up to a whole second, the block's time is never later than `created`.
	let block_second = block_ms.saturating_add(999);
	Ok(rfc3339(now_ms.max(block_second)))
}

/// A random (version 4) `urn:uuid:`.
fn fresh_id() -> String {
	let mut b = [0u8; 16];
	OsRng.fill_bytes(&mut b);
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	let h = hex::encode(b);
	format!("urn:uuid:{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

fn hex_field(text: &str, name: &str) -> Result<Vec<u8>, WorkerError> {
	hex::decode(text.trim_start_matches("0x"))
		.map_err(|_| WorkerError::BadRequest(format!("`{name}` is not hex")))
}

/// Checks `claims` against the JSON Schema `schema` in full; names every violation.
pub fn check_claims(schema: &[u8], claims: &Value, cpt: u32) -> Result<(), WorkerError> {
	let schema: Value = serde_json::from_slice(schema)
		.map_err(|e| WorkerError::Internal(format!("CPT {cpt}'s schema is not JSON: {e}")))?;
	let validator = jsonschema::validator_for(&schema)
		.map_err(|e| WorkerError::Internal(format!("CPT {cpt}'s schema does not compile: {e}")))?;
	let violations: Vec<String> = validator
		.iter_errors(claims)
		.map(|error| {
			let path = error.instance_path().to_string();
			if path.is_empty() {
				error.to_string()
			} else {
				format!("{path}: {error}")
			}
		})
		.collect();
	if violations.is_empty() {
		Ok(())
	} else {
		Err(WorkerError::Unprocessable(format!(
			"the claims violate CPT {cpt}'s schema: {}",
			violations.join("; ")
		)))
	}
}

/// Refuses numbers the TA cannot hold exactly: it reads JSON numbers as IEEE 754 doubles (as
/// JSON canonicalization does), so an integer beyond 2^53 would be signed as another value than
/// the one validated here.
pub fn check_numbers(value: &Value) -> Result<(), WorkerError> {
	match value {
		Value::Number(n) => {
			let exact = match (n.as_i64(), n.as_u64()) {
				(Some(i), _) => (i as f64) as i64 == i && i.unsigned_abs() <= 1 << 53,
				(None, Some(u)) => u <= 1 << 53,
				(None, None) => n.as_f64().is_some_and(f64::is_finite),
			};
			if exact {
				Ok(())
			} else {
				Err(WorkerError::Unprocessable(format!(
					"the number {n} cannot be signed exactly (integers up to 2^53 only)"
				)))
			}
		},
		Value::Array(items) => items.iter().try_for_each(check_numbers),
		Value::Object(members) => members.values().try_for_each(check_numbers),
		_ => Ok(()),
	}
}

/// Issues a credential.
pub async fn issue(
	worker: &Worker,
	token: &TokenRecord,
	request: IssueRequest,
) -> Result<Issued, WorkerError> {
	let result = issue_checked(worker, token, request).await;
	match &result {
		Ok(_) => worker.metrics.issued.inc(),
		Err(_) => worker.metrics.refused.inc(),
	};
	result
}

/// Issues at the latest finalized block; when the TA has seen a newer block (it reported the
/// first block of a slot on the best chain, or another issuance named a newer block), waits
/// for finality to reach it and issues again.
async fn issue_checked(
	worker: &Worker,
	token: &TokenRecord,
	request: IssueRequest,
) -> Result<Issued, WorkerError> {
	let deadline = tokio::time::Instant::now() + STALE_BLOCK_WAIT;
	loop {
		let (ta_request, record) = prepare(worker, token, request.clone()).await?;
		match worker.tee.call(Command::IssueCredential(ta_request)).await {
			Err(TeeError::Refused(TaError::StaleBlock { newest }))
				if tokio::time::Instant::now() < deadline =>
			{
				wait_for_finality(worker, newest, deadline).await?;
			},
			reply => {
				let issued =
					expect_reply!(reply?, Reply::Credential(issued) => issued, "IssueCredential")?;
				return record.keep(worker, issued);
			},
		}
	}
}

/// Waits until the latest finalized block is at least `block`, or `deadline` passes (a 503 that
/// says finality lags).
async fn wait_for_finality(
	worker: &Worker,
	block: u32,
	deadline: tokio::time::Instant,
) -> Result<(), WorkerError> {
	loop {
		let (finalized, _) = worker.chain.finalized().await?;
		if finalized >= block {
			return Ok(());
		}
		if tokio::time::Instant::now() >= deadline {
			return Err(WorkerError::Unavailable(format!(
				"the TA has seen block {block}, but the chain's finalized block is still \
				 {finalized}: finality lags behind; try again shortly"
			)));
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

/// What the worker keeps of an issuance once the TA signed it: everything but the credential.
struct PendingRecord {
	id: String,
	issuer: String,
	cpt: u32,
	issued_at: u32,
}

impl PendingRecord {
	/// Keeps the credential the TA issued, and queues its hash for the next batch.
	fn keep(self, worker: &Worker, issued: IssuedCredential) -> Result<Issued, WorkerError> {
		let credential: Value = serde_json::from_slice(&issued.credential)
			.map_err(|e| WorkerError::Internal(format!("the TA's credential is not JSON: {e}")))?;
		worker.store.record_issued(&CredentialRecord {
			id: self.id.clone(),
			hash: issued.hash,
			issuer: self.issuer,
			cpt: self.cpt,
			issued_at: self.issued_at,
			batch: None,
			credential: credential.clone(),
		})?;
		worker.metrics.pending.inc();
		Ok(Issued { id: self.id, hash: format!("0x{}", hex::encode(issued.hash)), credential })
	}
}

/// Checks an issuance request against the chain at the latest finalized block, and builds the
/// TA's request for that block.
async fn prepare(
	worker: &Worker,
	token: &TokenRecord,
	request: IssueRequest,
) -> Result<(IssuanceRequest, PendingRecord), WorkerError> {
	let claims = match (request.claims, request.sealed_claims) {
		(Some(claims @ Value::Object(_)), None) => Ok(claims),
		(None, Some(sealed)) => Err(sealed),
		(Some(_), None) => {
			return Err(WorkerError::BadRequest("`claims` must be a JSON object".into()))
		},
		_ => {
			return Err(WorkerError::BadRequest(
				"give exactly one of `claims` and `sealedClaims`".into(),
			))
		},
	};
	// Every check reads the chain at one finalized block, which the TA signs into the
	// credential and the record keeps.
	let view = worker.chain.view().await?;
	worker.check_signer_for(&view, token, &request.issuer).await?;
	if request.holder.starts_with("did:teeid:") {
		let holder = parse_did(&request.holder)?;
		if view.did(&holder).await?.is_none() {
			return Err(WorkerError::NotFound(format!("unknown DID {}", request.holder)));
		}
	} else if !request.holder.starts_with("did:") {
		return Err(WorkerError::BadRequest("`holder` must be a DID".into()));
	}
	let cpt = view
		.cpt(request.cpt)
		.await?
		.ok_or_else(|| WorkerError::NotFound(format!("unknown CPT {}", request.cpt)))?;
	let claims = match claims {
		Ok(plain) => {
			check_numbers(&plain)?;
			// The TA's limits are the API's: refused here, with the limit named.
			let bytes = plain.to_string().into_bytes();
			if let Some(reason) = teeid_ta_protocol::exceeded_limit(&CLAIMS_JSON, &bytes) {
				return Err(WorkerError::BadRequest(format!("`claims` {reason}")));
			}
			check_claims(&cpt.schema, &plain, cpt.id)?;
			Claims::Plain(bytes)
		},
		Err(sealed) => Claims::Sealed(SealedBox {
			ephemeral: hex_field(&sealed.ephemeral, "sealedClaims.ephemeral")?.try_into().map_err(
				|_| WorkerError::BadRequest("`sealedClaims.ephemeral` must be 32 bytes".into()),
			)?,
			ciphertext: hex_field(&sealed.ciphertext, "sealedClaims.ciphertext")?,
		}),
	};
	let id = request.id.unwrap_or_else(fresh_id);
	if worker.store.id_taken(&id)? {
		return Err(WorkerError::Conflict(format!(
			"a credential with id `{id}` was already issued"
		)));
	}
	// Everything that can fail comes before the TA signs: a credential it signed is kept.
	let (block_number, block_hash) = view.block();
	let now_ms = chrono::Utc::now().timestamp_millis();
	let created = created_at(now_ms, view.timestamp().await?)?;
	let ta_request = IssuanceRequest {
		id: id.clone(),
		issuer: request.issuer.clone(),
		holder: request.holder,
		schema: SchemaRef { id: schema_id(cpt.id), schema: cpt.schema },
		claims,
		// The worker's clock, not `created`: a chain clock that runs ahead must not make the
		// credential not valid yet.
		valid_from: request.valid_from.unwrap_or_else(|| rfc3339(now_ms)),
		valid_until: request.valid_until,
		created,
		block_number,
		block_hash,
	};
	let record = PendingRecord { id, issuer: request.issuer, cpt: cpt.id, issued_at: block_number };
	Ok((ta_request, record))
}

/// Creates a presentation for the credential's holder.
pub async fn present(
	worker: &Worker,
	token: &TokenRecord,
	request: PresentRequest,
) -> Result<Value, WorkerError> {
	let holder = request
		.credential
		.pointer("/credentialSubject/id")
		.and_then(Value::as_str)
		.ok_or_else(|| {
			WorkerError::BadRequest("the credential has no `credentialSubject.id`".into())
		})?
		.to_string();
	let credential = request.credential.to_string().into_bytes();
	if let Some(reason) = teeid_ta_protocol::exceeded_limit(&CREDENTIAL_JSON, &credential) {
		return Err(WorkerError::BadRequest(format!("the credential {reason}")));
	}
	worker.check_signer_for(&worker.chain.view().await?, token, &holder).await?;
	let reply = worker
		.tee
		.call(Command::Present(PresentationRequest {
			credential,
			holder,
			disclose: request.disclose,
			challenge: request.challenge,
			domain: request.domain,
			created: now(),
		}))
		.await?;
	let presentation = expect_reply!(reply, Reply::Presentation(p) => p, "Present")?;
	worker.metrics.presented.inc();
	serde_json::from_slice(&presentation)
		.map_err(|e| WorkerError::Internal(format!("the TA's presentation is not JSON: {e}")))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn claims_are_checked_against_the_full_schema() {
		let schema = br#"{"type":"object","required":["name"],"properties":{"name":{"type":"string","minLength":2},"age":{"type":"integer","minimum":0}}}"#;
		assert!(check_claims(schema, &serde_json::json!({"name": "Al", "age": 3}), 1000).is_ok());
		let error = check_claims(schema, &serde_json::json!({"name": "A", "age": -1}), 1000)
			.unwrap_err()
			.to_string();
		assert!(error.contains("/name"), "{error}");
		assert!(error.contains("/age"), "{error}");
	}

	#[test]
	fn numbers_beyond_double_precision_are_refused() {
		assert!(check_numbers(&serde_json::json!({"a": [1, -2, 3.5, 9007199254740992i64]})).is_ok());
		assert!(check_numbers(&serde_json::json!({"a": {"b": 9007199254740993u64}})).is_err());
		assert!(check_numbers(&serde_json::json!([-9007199254740993i64])).is_err());
	}

	#[test]
	fn schema_ids_name_their_cpt_works() {
		assert_eq!(schema_id(2_000_000), "urn:teeid:cpt:2000000");
		assert_eq!(cpt_of_schema_id("urn:teeid:cpt:2000000"), Some(2_000_000));
		for other in ["urn:teeid:cpt:", "urn:teeid:cpt:+5", "urn:teeid:cpt:05", "urn:x:cpt:5"] {
			assert_eq!(cpt_of_schema_id(other), None, "{other}");
		}
	}

	#[test]
	fn created_follows_the_later_clock_works() {
		let block = 1_700_000_000_000u64;
		// The worker's clock is later: it dates the proof, in whole seconds.
		assert_eq!(created_at(block as i64 + 30_500, block).unwrap(), "2023-11-14T22:13:50Z");
		// The chain's clock is later (instant sealing): the block's second, rounded up.
		assert_eq!(created_at(block as i64 - 90_000, block + 1).unwrap(), "2023-11-14T22:13:21Z");
		// Both fall within what verifiers accept.
		for (now, block) in [(block as i64 + 539_999, block), (block as i64 - 90_000, block + 1)] {
			let created = chrono::DateTime::parse_from_rfc3339(&created_at(now, block).unwrap())
				.unwrap()
				.timestamp_millis() as u64;
			assert!(CREATED_TOLERANCE.admits(created, block), "{now} {block}");
		}
	}

	#[test]
	fn a_block_older_than_the_stall_limit_is_refused_fails() {
		let block = 1_700_000_000_000u64;
		let limit = FINALITY_STALL_LIMIT.as_millis() as i64;
		assert!(created_at(block as i64 + limit, block).is_ok());
		let error = created_at(block as i64 + limit + 1, block).unwrap_err();
		let stalled = matches!(&error, WorkerError::Unavailable(m) if m.contains("has stalled"));
		assert!(stalled, "{error}");
	}

	#[test]
	fn fresh_ids_are_version_4_uuids() {
		let id = fresh_id();
		assert_eq!(id.len(), "urn:uuid:".len() + 36);
		assert_eq!(&id[9 + 14..9 + 15], "4");
		assert_ne!(id, fresh_id());
	}
}
