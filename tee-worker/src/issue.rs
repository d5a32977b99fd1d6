//! Issuing credentials and presentations through the TA.
//!
//! The worker checks everything it can before the TA sees a request: the token's account
//! controls the issuer (or holder) DID, the chain shows this worker as a counting signer of
//! it, the CPT exists and the claims satisfy its JSON Schema in full. The TA then checks the
//! schema's core again against the schema it is given, whose digest it signs into
//! `credentialSchema` (so a verifier that compares the digest with the CPT on chain detects a
//! host that substituted the schema), builds and signs; the worker records the credential and
//! queues its hash for the next batch.

use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use teeid_ta_protocol::{
	credential::{Claims, IssuanceRequest, SchemaRef},
	disclosure::PresentationRequest,
	sealed::SealedBox,
	Command, Reply, CLAIMS_JSON, CREDENTIAL_JSON,
};

use crate::{
	error::WorkerError,
	expect_reply,
	store::CredentialRecord,
	tokens::TokenRecord,
	worker::{parse_did, Worker},
};

/// What `POST /v1/credentials` takes.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
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
	/// `validFrom` (RFC 3339); now if absent.
	pub valid_from: Option<String>,
	/// `validUntil` (RFC 3339), if the credential expires.
	pub valid_until: Option<String>,
	/// The credential's id (a URI); a fresh `urn:uuid:` if absent.
	pub id: Option<String>,
}

/// Claims sealed to the TA (X25519 + HKDF-SHA256 + AES-256-GCM, associated data the issuer
/// DID; see docs/ta.md).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
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
	chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
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

async fn issue_checked(
	worker: &Worker,
	token: &TokenRecord,
	request: IssueRequest,
) -> Result<Issued, WorkerError> {
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
	// Every check reads the chain at one finalized block, which the record keeps.
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
	let (issued_at, _) = view.block();
	let created = now();
	let ta_request = IssuanceRequest {
		id: id.clone(),
		issuer: request.issuer.clone(),
		holder: request.holder,
		schema: SchemaRef { id: format!("urn:teeid:cpt:{}", cpt.id), schema: cpt.schema },
		claims,
		valid_from: request.valid_from.unwrap_or_else(|| created.clone()),
		valid_until: request.valid_until,
		created,
	};
	let reply = worker.tee.call(Command::IssueCredential(ta_request)).await?;
	let issued = expect_reply!(reply, Reply::Credential(issued) => issued, "IssueCredential")?;
	let credential: Value = serde_json::from_slice(&issued.credential)
		.map_err(|e| WorkerError::Internal(format!("the TA's credential is not JSON: {e}")))?;
	worker.store.record_issued(&CredentialRecord {
		id: id.clone(),
		hash: issued.hash,
		issuer: request.issuer,
		cpt: cpt.id,
		issued_at,
		batch: None,
		credential: credential.clone(),
	})?;
	worker.metrics.pending.inc();
	Ok(Issued { id, hash: format!("0x{}", hex::encode(issued.hash)), credential })
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
	fn fresh_ids_are_version_4_uuids() {
		let id = fresh_id();
		assert_eq!(id.len(), "urn:uuid:".len() + 36);
		assert_eq!(&id[9 + 14..9 + 15], "4");
		assert_ne!(id, fresh_id());
	}
}
