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
//! A credential is a W3C VC (`ldp_vc`, Data Integrity `eddsa-jcs-2022`) or an SD-JWT VC
//! (`dc+sd-jwt`, bound to the holder's key as `cnf.jwk`). Either way it gets an entry in one of
//! its issuer's status lists (Bitstring for W3C, Token for SD-JWT), allocated once every check
//! has passed, just before the TA signs. `POST /v1/credentials` and OpenID4VCI
//! (`crate::oid4vci`) issue through the same path ([`issue_with`]) and the same checks; an
//! OpenID4VCI offer is checked by the same functions when it is made ([`check_offer`]).
//!
//! Every chain read of an issuance is at one finalized block, which the TA signs into the
//! credential (`evidence[0].blockNumber`, `blockHash`): verifiers read the chain at that block
//! and require `proof.created` to match its timestamp ([`crate::verify::CREATED_TOLERANCE`]).
//! So the worker refuses to issue while finality has stalled for longer than that tolerance
//! allows, and dates the proof no earlier than the block.

use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use serde_json::{value::RawValue, Value};
use std::time::{Duration, Instant};
use teeid_ta_protocol::{
	command::IssuedCredential,
	credential::{Claims, CredentialFormat, IssuanceRequest, SchemaRef},
	disclosure::PresentationRequest,
	sd_jwt::is_reserved_claim,
	sealed::SealedBox,
	status_list::StatusListFormat,
	Command, Reply, TaError, CLAIMS_JSON, CREDENTIAL_JSON,
};

use crate::{
	admission::Slot,
	chain::{ChainView, Cpt},
	decide,
	error::WorkerError,
	expect_reply,
	jose::HolderKey,
	metrics::Stage,
	status_list::IdEntry,
	store::EncodedRecord,
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

/// The OpenID4VCI format identifier of a W3C VC secured with Data Integrity: `ldp_vc`.
pub const LDP_VC: &str = "ldp_vc";

/// The OpenID4VCI format identifier of an SD-JWT VC: `dc+sd-jwt`.
pub const DC_SD_JWT: &str = "dc+sd-jwt";

/// The format identifier (`ldp_vc`, `dc+sd-jwt`) of a credential format.
pub fn format_name(format: CredentialFormat) -> &'static str {
	match format {
		CredentialFormat::W3cVc => LDP_VC,
		CredentialFormat::SdJwtVc => DC_SD_JWT,
	}
}

/// The credential format a format identifier names.
pub fn parse_format(name: &str) -> Result<CredentialFormat, WorkerError> {
	match name {
		LDP_VC => Ok(CredentialFormat::W3cVc),
		DC_SD_JWT => Ok(CredentialFormat::SdJwtVc),
		_ => Err(WorkerError::BadRequest(format!(
			"unknown credential format `{}`: `{LDP_VC}` (W3C VC) or `{DC_SD_JWT}` (SD-JWT VC)",
			name.chars().take(64).collect::<String>()
		))),
	}
}

/// The kind of status list a credential of `format` has its entry in: a W3C Bitstring Status
/// List for a W3C VC, an IETF Token Status List for an SD-JWT VC.
pub fn status_list_format(format: CredentialFormat) -> StatusListFormat {
	match format {
		CredentialFormat::W3cVc => StatusListFormat::Bitstring,
		CredentialFormat::SdJwtVc => StatusListFormat::Token,
	}
}

/// What `POST /v1/credentials` takes.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssueRequest {
	/// The issuer DID: the token's account controls it and this worker is its bound signer.
	pub issuer: String,
	/// The holder DID (`credentialSubject.id`, or the SD-JWT VC's `sub`).
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
	/// The format: `ldp_vc` (a W3C VC, the default) or `dc+sd-jwt` (an SD-JWT VC).
	pub format: Option<String>,
	/// The holder's public key, a JWK (Ed25519 `OKP` or P-256 `EC`, public members only): required
	/// for `dc+sd-jwt`, which binds it as `cnf.jwk`; refused for `ldp_vc`.
	#[schema(value_type = Option<Object>)]
	pub holder_key: Option<Value>,
}

/// Claims sealed to the TA (X25519 + HKDF-SHA256 + AES-256-GCM, associated data the issuer
/// DID; see docs/ta.md).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SealedClaims {
	/// The sender's ephemeral X25519 public key, `0x` hex.
	pub ephemeral: String,
	/// The ciphertext with its tag, `0x` hex.
	pub ciphertext: String,
}

/// The claims of an issuance: in clear (the worker checks them against the CPT's JSON Schema
/// in full) or sealed to the TA (only the TA reads them). An OpenID4VCI offer keeps them in
/// this form until the wallet asks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum IssuanceClaims {
	/// A JSON object.
	Plain(Value),
	/// Sealed to the TA's agreement key, with the issuer DID as associated data.
	Sealed(SealedClaims),
}

impl IssuanceClaims {
	/// The claims a request gives as `claims` (a JSON object) or `sealedClaims`: exactly one.
	pub fn from_request(
		claims: Option<Value>,
		sealed: Option<SealedClaims>,
	) -> Result<IssuanceClaims, WorkerError> {
		match (claims, sealed) {
			(Some(claims @ Value::Object(_)), None) => Ok(IssuanceClaims::Plain(claims)),
			(None, Some(sealed)) => Ok(IssuanceClaims::Sealed(sealed)),
			(Some(_), None) => {
				Err(WorkerError::BadRequest("`claims` must be a JSON object".into()))
			},
			_ => Err(WorkerError::BadRequest(
				"give exactly one of `claims` and `sealedClaims`".into(),
			)),
		}
	}
}

/// One credential to issue, however it was asked for (`POST /v1/credentials`, or an OpenID4VCI
/// credential request against an offer).
#[derive(Clone, Debug)]
pub struct Issuance {
	/// The issuer DID.
	pub issuer: String,
	/// The holder DID.
	pub holder: String,
	/// The CPT the claims follow.
	pub cpt: u32,
	/// The claims.
	pub claims: IssuanceClaims,
	/// `validFrom`; the worker's time now if absent.
	pub valid_from: Option<String>,
	/// `validUntil`, if the credential expires.
	pub valid_until: Option<String>,
	/// The credential's id; a fresh `urn:uuid:` if absent.
	pub id: Option<String>,
	/// The format to build.
	pub format: CredentialFormat,
	/// The holder's key, which an SD-JWT VC binds (`cnf.jwk`); none for a W3C VC.
	pub holder_key: Option<HolderKey>,
}

impl Issuance {
	/// The issuance a `POST /v1/credentials` body asks for (400 for claims of the wrong shape, an
	/// unknown format or a holder key that is not a public Ed25519 or P-256 JWK).
	pub fn from_request(request: IssueRequest) -> Result<Issuance, WorkerError> {
		let claims = IssuanceClaims::from_request(request.claims, request.sealed_claims)?;
		let format = match request.format.as_deref() {
			Some(name) => parse_format(name)?,
			None => CredentialFormat::W3cVc,
		};
		let holder_key = request
			.holder_key
			.as_ref()
			.map(|jwk| {
				HolderKey::from_jwk(jwk)
					.map_err(|e| WorkerError::BadRequest(format!("`holderKey`: {e}")))
			})
			.transpose()?;
		Ok(Issuance {
			issuer: request.issuer,
			holder: request.holder,
			cpt: request.cpt,
			claims,
			valid_from: request.valid_from,
			valid_until: request.valid_until,
			id: request.id,
			format,
			holder_key,
		})
	}

	/// An SD-JWT VC binds a holder key; a W3C VC names its holder by DID only.
	fn check_holder_key(&self) -> Result<(), WorkerError> {
		match (self.format, &self.holder_key) {
			(CredentialFormat::SdJwtVc, None) => Err(WorkerError::BadRequest(format!(
				"a `{DC_SD_JWT}` credential binds the holder's key: give `holderKey`, a public JWK"
			))),
			(CredentialFormat::W3cVc, Some(_)) => Err(WorkerError::BadRequest(format!(
				"`holderKey` is for `{DC_SD_JWT}` credentials: an `{LDP_VC}` credential names its \
				 holder by DID"
			))),
			_ => Ok(()),
		}
	}
}

/// What `POST /v1/credentials` answers (and what OpenID4VCI hands the wallet).
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Issued {
	/// The credential's id.
	pub id: String,
	/// SHA-256 of what its batch anchors, `0x` hex: the W3C VC's canonical form, or the
	/// SD-JWT VC's issuer-signed JWT (the part before the first `~`).
	pub hash: String,
	/// The format: `ldp_vc` or `dc+sd-jwt`.
	pub format: String,
	/// The credential: the W3C VC (an object) or the SD-JWT VC in its issuance form (a string,
	/// `<jwt>~<disclosure>~…~`).
	#[schema(value_type = Value)]
	pub credential: Box<RawValue>,
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

/// A fresh `urn:uuid:` of version 7 (RFC 9562): the time in milliseconds, then 74 random
/// bits. Ids drawn later sort later, so the worker's index of ids takes each new one at its end
/// (a page or two written per group commit) instead of anywhere in the table (a page per
/// credential, at every commit; random ids cost a fifth of what the worker wrote per credential
/// at 5,000 a second). The time it shows is the issuance's, which the credential states anyway
/// (`validFrom`, `iat`).
fn fresh_id() -> String {
	let mut b = [0u8; 16];
	OsRng.fill_bytes(&mut b[6..]);
	let now_ms = u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or_default();
	b[..6].copy_from_slice(&now_ms.to_be_bytes()[2..]);
	b[6] = (b[6] & 0x0f) | 0x70;
	b[8] = (b[8] & 0x3f) | 0x80;
	let h = hex::encode(b);
	format!("urn:uuid:{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

fn hex_field(text: &str, name: &str) -> Result<Vec<u8>, WorkerError> {
	hex::decode(text.trim_start_matches("0x"))
		.map_err(|_| WorkerError::BadRequest(format!("`{name}` is not hex")))
}

/// Checks `claims` against `cpt`'s JSON Schema in full; names every violation. The schema is
/// the CPT's compiled one ([`Cpt::validator`]): compiled once per view, whatever the number of
/// requests. A schema that does not compile (the chain checks a schema's JSON and top level, not
/// every keyword) is the worker's problem, not the request's: nothing of that CPT is issued.
pub fn check_claims(cpt: &Cpt, claims: &Value) -> Result<(), WorkerError> {
	let validator = cpt
		.validator()
		.map_err(|e| WorkerError::Internal(format!("CPT {}'s schema {e}", cpt.id)))?;
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
			"the claims violate CPT {}'s schema: {}",
			cpt.id,
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

/// Issues a credential (`POST /v1/credentials`).
pub async fn issue(
	worker: &Worker,
	token: &TokenRecord,
	request: IssueRequest,
) -> Result<Issued, WorkerError> {
	match Issuance::from_request(request) {
		Ok(issuance) => {
			let slot = admit(worker).await?;
			issue_with(worker, slot, token, issuance).await
		},
		Err(e) => {
			worker.metrics.refused.inc();
			Err(e)
		},
	}
}

/// An issuance slot ([`Worker::issuance`]), or a 503 `busy` if none frees soon. Taken before
/// anything an issuance spends (an OpenID4VCI nonce), so that a refusal for load spends nothing.
pub async fn admit(worker: &Worker) -> Result<Slot, WorkerError> {
	let admitted = Instant::now();
	match worker.issuance.enter().await {
		Ok(slot) => {
			worker.metrics.observe(Stage::admission, admitted);
			Ok(slot)
		},
		Err(busy) => {
			worker.metrics.shed.inc();
			Err(busy)
		},
	}
}

/// Issues a credential for `token`, whose account must control the issuer DID (with this
/// worker a counting signer of it), in the issuance slot `_slot` (held until it returns): the
/// one issuance path, which `POST /v1/credentials` and OpenID4VCI (with the token record of the
/// offer's creator) both take.
pub async fn issue_with(
	worker: &Worker,
	_slot: Slot,
	token: &TokenRecord,
	issuance: Issuance,
) -> Result<Issued, WorkerError> {
	let result = issue_checked(worker, token, issuance).await;
	match &result {
		Ok(_) => worker.metrics.issued.inc(),
		Err(_) => worker.metrics.refused.inc(),
	};
	result
}

/// Issues at the latest finalized block; when the TA has seen a newer block (it reported the
/// first block of a slot on the best chain, or another issuance named a newer block), waits
/// for finality to reach it and issues again, with the same id and status list entry.
async fn issue_checked(
	worker: &Worker,
	token: &TokenRecord,
	mut issuance: Issuance,
) -> Result<Issued, WorkerError> {
	let given = issuance.id.take();
	// Fixed by the first attempt that gets this far: the credential's id and its entry.
	let mut allocated = None;
	let deadline = tokio::time::Instant::now() + STALE_BLOCK_WAIT;
	loop {
		let prepared = Instant::now();
		let (ta_request, record) = decide!(worker, |view| {
			prepare(worker, view, token, &issuance, given.as_deref(), &mut allocated).await
		})?;
		worker.metrics.observe(Stage::prepare, prepared);
		let called = Instant::now();
		let reply = worker.tee.call(Command::IssueCredential(ta_request)).await;
		worker.metrics.observe(Stage::ta, called);
		match reply {
			Err(TeeError::Refused(TaError::StaleBlock { newest }))
				if tokio::time::Instant::now() < deadline =>
			{
				wait_for_finality(worker, newest, deadline).await?;
			},
			reply => {
				let issued =
					expect_reply!(reply?, Reply::Credential(issued) => issued, "IssueCredential")?;
				let kept = Instant::now();
				let issued = record.keep(worker, issued).await;
				worker.metrics.observe(Stage::record, kept);
				return issued;
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
	format: CredentialFormat,
}

impl PendingRecord {
	/// Keeps the credential the TA issued, and queues its hash for the next batch: returns once
	/// the record is durable (in the store's next group commit), so that an answered issuance
	/// survives a crash.
	/// The credential stays the text the TA made: checked to be JSON once, never read into a
	/// value and written out again.
	async fn keep(self, worker: &Worker, issued: IssuedCredential) -> Result<Issued, WorkerError> {
		let text = String::from_utf8(issued.credential)
			.map_err(|_| WorkerError::Internal("the TA's credential is not UTF-8".into()))?;
		let credential = match self.format {
			CredentialFormat::W3cVc => RawValue::from_string(text).map_err(|e| {
				WorkerError::Internal(format!("the TA's credential is not JSON: {e}"))
			})?,
			// The compact SD-JWT is ASCII: kept and answered as a JSON string.
			CredentialFormat::SdJwtVc => serde_json::value::to_raw_value(&text).map_err(|e| {
				WorkerError::Internal(format!("the TA's SD-JWT VC does not encode: {e}"))
			})?,
		};
		let record = EncodedRecord::issued(
			&self.id,
			issued.hash,
			&self.issuer,
			self.cpt,
			self.issued_at,
			&credential,
		);
		worker.store.record_issued(record).await?;
		worker.metrics.pending.inc();
		Ok(Issued {
			id: self.id,
			hash: format!("0x{}", hex::encode(issued.hash)),
			format: format_name(self.format).into(),
			credential,
		})
	}
}

/// The issuer check: `token`'s account controls the issuer DID (active), and the chain shows
/// this worker as a signer of it that counts.
async fn check_issuer(
	worker: &Worker,
	view: &ChainView,
	token: &TokenRecord,
	issuer: &str,
) -> Result<(), WorkerError> {
	worker.check_signer_for(view, token, issuer).await.map(drop)
}

/// The holder check: a `did:teeid` holder exists on chain; another DID method is taken as is.
async fn check_holder(view: &ChainView, holder: &str) -> Result<(), WorkerError> {
	if holder.starts_with("did:teeid:") {
		let account = parse_did(holder)?;
		if view.did(&account).await?.is_none() {
			return Err(WorkerError::NotFound(format!("unknown DID {holder}")));
		}
	} else if !holder.starts_with("did:") {
		return Err(WorkerError::BadRequest("`holder` must be a DID".into()));
	}
	Ok(())
}

/// The CPT check: the CPT exists at the view's block, and plain claims hold numbers the TA
/// signs exactly, stay within the TA's limits and satisfy the CPT's JSON Schema in full (sealed
/// claims are the TA's to check), with the schema the view compiled once for every request.
/// Returns the CPT and the claims as the TA takes them.
pub async fn check_cpt_claims(
	view: &ChainView,
	cpt: u32,
	claims: &IssuanceClaims,
) -> Result<(Cpt, Claims), WorkerError> {
	let cpt =
		view.cpt(cpt).await?.ok_or_else(|| WorkerError::NotFound(format!("unknown CPT {cpt}")))?;
	let claims = match claims {
		IssuanceClaims::Plain(plain) => {
			check_numbers(plain)?;
			// The TA's limits are the API's: refused here, with the limit named.
			let bytes = plain.to_string().into_bytes();
			if let Some(reason) = teeid_ta_protocol::exceeded_limit(&CLAIMS_JSON, &bytes) {
				return Err(WorkerError::BadRequest(format!("`claims` {reason}")));
			}
			check_claims(&cpt, plain)?;
			Claims::Plain(bytes)
		},
		IssuanceClaims::Sealed(sealed) => Claims::Sealed(SealedBox {
			ephemeral: hex_field(&sealed.ephemeral, "sealedClaims.ephemeral")?.try_into().map_err(
				|_| WorkerError::BadRequest("`sealedClaims.ephemeral` must be 32 bytes".into()),
			)?,
			ciphertext: hex_field(&sealed.ciphertext, "sealedClaims.ciphertext")?,
		}),
	};
	Ok((cpt, claims))
}

/// The claim names a format reserves: an SD-JWT VC's payload has members of its own (`iss`,
/// `cnf`, `status`, ...), which a claim must not take (the TA refuses them; plain claims are
/// refused here first, naming them). A W3C VC reserves `id` and `@` names, which the TA checks.
pub fn check_claim_names(
	format: CredentialFormat,
	claims: &IssuanceClaims,
) -> Result<(), WorkerError> {
	let (CredentialFormat::SdJwtVc, IssuanceClaims::Plain(Value::Object(members))) =
		(format, claims)
	else {
		return Ok(());
	};
	let reserved: Vec<&str> =
		members.keys().map(String::as_str).filter(|name| is_reserved_claim(name)).collect();
	if reserved.is_empty() {
		return Ok(());
	}
	Err(WorkerError::Unprocessable(format!(
		"an SD-JWT VC reserves the claim names {} (its own payload members, `...`, `id`, and names \
		 starting with `@` or `_`): issue `{LDP_VC}`, or use a CPT with other names",
		reserved.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(", ")
	)))
}

/// Checks an OpenID4VCI offer when it is made, with the checks of issuance itself (the same
/// functions [`issue_with`] runs, at the latest finalized block): `token`'s account controls
/// the issuer DID and this worker is its counting signer, the CPT exists, plain claims satisfy
/// it, and no claim name is reserved by a format offered. The holder is not known until a
/// wallet asks, and each credential gets a fresh id; both are checked then, with everything
/// else again. Returns the CPT.
pub async fn check_offer(
	worker: &Worker,
	token: &TokenRecord,
	issuer: &str,
	cpt: u32,
	claims: &IssuanceClaims,
	formats: &[CredentialFormat],
) -> Result<Cpt, WorkerError> {
	let cpt = decide!(worker, |view| async {
		check_issuer(worker, view, token, issuer).await?;
		Ok::<_, WorkerError>(check_cpt_claims(view, cpt, claims).await?.0)
	}
	.await)?;
	for format in formats {
		check_claim_names(*format, claims)?;
	}
	Ok(cpt)
}

/// Checks an issuance against the chain at `view` (a finalized block), and builds the TA's
/// request for that block. The credential's id (the `given` one, else one the worker draws) and
/// its status list entry are fixed last, once nothing else can fail, and once per credential
/// (`allocated`): a retry at a newer block reuses them.
async fn prepare(
	worker: &Worker,
	view: &ChainView,
	token: &TokenRecord,
	issuance: &Issuance,
	given: Option<&str>,
	allocated: &mut Option<IdEntry>,
) -> Result<(IssuanceRequest, PendingRecord), WorkerError> {
	issuance.check_holder_key()?;
	// Every check reads the chain at one finalized block, which the TA signs into the
	// credential and the record keeps.
	// Independent reads, made together (each is memoized per block: a burst of requests in one
	// block reads each DID, binding and CPT once); their errors in this order.
	let (issuer, holder, cpt_claims, block_ms) = tokio::join!(
		check_issuer(worker, view, token, &issuance.issuer),
		check_holder(view, &issuance.holder),
		check_cpt_claims(view, issuance.cpt, &issuance.claims),
		view.timestamp(),
	);
	issuer?;
	holder?;
	let (cpt, claims) = cpt_claims?;
	check_claim_names(issuance.format, &issuance.claims)?;
	// A drawn id (74 random bits after the time) is new; the record's write would refuse it
	// if not.
	if let Some(id) = given {
		if worker.store.id_taken(id)? {
			return Err(WorkerError::Conflict(format!(
				"a credential with id `{id}` was already issued"
			)));
		}
	}
	// Everything that can fail comes before the TA signs: a credential it signed is kept.
	let (block_number, block_hash) = view.block();
	let now_ms = chrono::Utc::now().timestamp_millis();
	let created = created_at(now_ms, block_ms?)?;
	let (id, status_list) = match allocated.clone() {
		Some(fixed) => fixed,
		None => {
			let started = Instant::now();
			let format = status_list_format(issuance.format);
			let fixed = match given {
				Some(id) => {
					let entry =
						crate::status_list::allocate(worker, view, &issuance.issuer, format, id);
					(id.to_string(), entry.await?)
				},
				None => {
					let fresh = &worker.fresh_entries;
					fresh.take(worker, view, &issuance.issuer, format, fresh_id).await?
				},
			};
			worker.metrics.observe(Stage::status_entry, started);
			*allocated = Some(fixed.clone());
			fixed
		},
	};
	let ta_request = IssuanceRequest {
		id: id.clone(),
		issuer: issuance.issuer.clone(),
		holder: issuance.holder.clone(),
		schema: SchemaRef { id: schema_id(cpt.id), schema: cpt.schema },
		claims,
		// The worker's clock, not `created`: a chain clock that runs ahead must not make the
		// credential not valid yet.
		valid_from: issuance.valid_from.clone().unwrap_or_else(|| rfc3339(now_ms)),
		valid_until: issuance.valid_until.clone(),
		created,
		block_number,
		block_hash,
		format: issuance.format,
		// Canonical, whatever members and order the holder sent.
		holder_jwk: issuance.holder_key.as_ref().map(|key| key.canonical_jwk().into_bytes()),
		status_list,
	};
	let record = PendingRecord {
		id,
		issuer: issuance.issuer.clone(),
		cpt: cpt.id,
		issued_at: block_number,
		format: issuance.format,
	};
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
	decide!(worker, |view| worker.check_signer_for(view, token, &holder).await)?;
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
		let cpt = Cpt::new(1000, 1, schema.to_vec(), "Badge".into());
		assert!(check_claims(&cpt, &serde_json::json!({"name": "Al", "age": 3})).is_ok());
		let error = check_claims(&cpt, &serde_json::json!({"name": "A", "age": -1})).unwrap_err();
		let WorkerError::Unprocessable(message) = &error else { panic!("{error}") };
		assert!(message.contains("CPT 1000's schema"), "{message}");
		assert!(message.contains("/name"), "{message}");
		assert!(message.contains("/age"), "{message}");
	}

	#[test]
	fn a_schema_that_does_not_compile_is_the_workers_problem_fails() {
		let cpt = Cpt::new(1001, 1, br#"{"type":"nonsense"}"#.to_vec(), "Broken".into());
		let error = check_claims(&cpt, &serde_json::json!({})).unwrap_err();
		let WorkerError::Internal(message) = &error else { panic!("{error}") };
		assert!(message.starts_with("CPT 1001's schema does not compile: "), "{message}");
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

	fn request(format: Option<&str>, holder_key: Option<Value>) -> IssueRequest {
		IssueRequest {
			issuer: "did:teeid:x".into(),
			holder: "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG1GLVVQR3djvX2mKdBx1".into(),
			cpt: 1000,
			claims: Some(serde_json::json!({"name": "Al"})),
			sealed_claims: None,
			valid_from: None,
			valid_until: None,
			id: None,
			format: format.map(String::from),
			holder_key,
		}
	}

	#[test]
	fn formats_are_named_as_openid4vci_names_them_works() {
		for format in [CredentialFormat::W3cVc, CredentialFormat::SdJwtVc] {
			assert_eq!(parse_format(format_name(format)).unwrap(), format);
		}
		assert_eq!(format_name(CredentialFormat::SdJwtVc), "dc+sd-jwt");
		assert_eq!(status_list_format(CredentialFormat::W3cVc), StatusListFormat::Bitstring);
		assert_eq!(status_list_format(CredentialFormat::SdJwtVc), StatusListFormat::Token);
		let error = parse_format("vc+sd-jwt").unwrap_err();
		assert!(matches!(&error, WorkerError::BadRequest(m) if m.contains("dc+sd-jwt")), "{error}");
	}

	#[test]
	fn an_sd_jwt_vc_binds_a_public_holder_key_works() {
		let jwk = serde_json::json!({
			"kty": "OKP", "crv": "Ed25519", "x": "O2onvM62pC1io6jQKm8Nc2UyCpW83lMwkafZAfQM2l4"
		});
		let issuance =
			Issuance::from_request(request(Some("dc+sd-jwt"), Some(jwk.clone()))).unwrap();
		assert_eq!(issuance.format, CredentialFormat::SdJwtVc);
		assert!(issuance.check_holder_key().is_ok());
		assert_eq!(
			issuance.holder_key.unwrap().canonical_jwk(),
			r#"{"crv":"Ed25519","kty":"OKP","x":"O2onvM62pC1io6jQKm8Nc2UyCpW83lMwkafZAfQM2l4"}"#
		);
		// The default is a W3C VC, which takes no holder key; an SD-JWT VC needs one.
		let w3c = Issuance::from_request(request(None, None)).unwrap();
		assert_eq!(w3c.format, CredentialFormat::W3cVc);
		assert!(w3c.check_holder_key().is_ok());
		let keyed_w3c = Issuance::from_request(request(Some("ldp_vc"), Some(jwk.clone()))).unwrap();
		assert!(matches!(keyed_w3c.check_holder_key(), Err(WorkerError::BadRequest(_))));
		let keyless = Issuance::from_request(request(Some("dc+sd-jwt"), None)).unwrap();
		assert!(matches!(keyless.check_holder_key(), Err(WorkerError::BadRequest(_))));
		// A private key is refused before anything else happens.
		let mut private = jwk;
		private["d"] = serde_json::json!("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A");
		let error = Issuance::from_request(request(Some("dc+sd-jwt"), Some(private))).unwrap_err();
		assert!(matches!(&error, WorkerError::BadRequest(m) if m.contains("holderKey")), "{error}");
	}

	#[test]
	fn claims_come_in_clear_or_sealed_once_works() {
		let plain = IssuanceClaims::from_request(Some(serde_json::json!({"a": 1})), None).unwrap();
		assert_eq!(plain, IssuanceClaims::Plain(serde_json::json!({"a": 1})));
		let sealed = SealedClaims { ephemeral: "0x00".into(), ciphertext: "0x01".into() };
		assert!(IssuanceClaims::from_request(None, Some(sealed.clone())).is_ok());
		for (claims, sealed) in [
			(Some(serde_json::json!([1])), None),
			(None, None),
			(Some(serde_json::json!({})), Some(sealed)),
		] {
			let error = IssuanceClaims::from_request(claims, sealed).unwrap_err();
			assert!(matches!(error, WorkerError::BadRequest(_)), "{error}");
		}
	}

	#[test]
	fn sd_jwt_claims_may_not_take_payload_member_names_fails() {
		let claims = |value: Value| IssuanceClaims::Plain(value);
		let reserved = claims(serde_json::json!({"name": "Al", "iss": "x", "_x": 1, "@type": "y"}));
		let error = check_claim_names(CredentialFormat::SdJwtVc, &reserved).unwrap_err();
		let WorkerError::Unprocessable(message) = &error else { panic!("{error}") };
		for name in ["`iss`", "`_x`", "`@type`"] {
			assert!(message.contains(name), "{message}");
		}
		assert!(!message.contains("`name`"), "{message}");
		// A W3C VC's names are the TA's to check; sealed claims are the TA's to read.
		assert!(check_claim_names(CredentialFormat::W3cVc, &reserved).is_ok());
		let sealed = IssuanceClaims::Sealed(SealedClaims {
			ephemeral: "0x".into(),
			ciphertext: "0x".into(),
		});
		assert!(check_claim_names(CredentialFormat::SdJwtVc, &sealed).is_ok());
		let fine = claims(serde_json::json!({"name": "Al", "degree": "BSc", "issuer": "x"}));
		assert!(check_claim_names(CredentialFormat::SdJwtVc, &fine).is_ok());
	}

	#[test]
	fn fresh_ids_are_version_7_uuids_in_the_order_drawn() {
		let id = fresh_id();
		assert_eq!(id.len(), "urn:uuid:".len() + 36);
		assert_eq!(&id[9 + 14..9 + 15], "7");
		assert!(matches!(&id[9 + 19..9 + 20], "8" | "9" | "a" | "b"), "{id}");
		let now_ms = chrono::Utc::now().timestamp_millis();
		let stamp = i64::from_str_radix(&id[9..9 + 13].replace('-', ""), 16).unwrap();
		assert!((now_ms - 1_000..=now_ms).contains(&stamp), "{stamp} {now_ms}");
		assert_ne!(id, fresh_id());
		let earlier = fresh_id();
		std::thread::sleep(std::time::Duration::from_millis(2));
		assert!(fresh_id() > earlier);
	}
}
