//! The HTTP API (axum), described by an OpenAPI document at `GET /openapi.json`.
//!
//! Tokens (`Authorization: Bearer teeid_…`) carry permissions: `read` to verify and read,
//! `write` to present, `sign` to issue, `admin` for tokens and endorsements, `endorse` for one
//! endorsement. Every handler that needs a token takes it as a [`tokens::Authorized`]
//! extractor, and the token routes are [`tokens::router`]. Health, metrics, DID resolution,
//! anchor proofs and the OpenAPI document are public. Every error a handler returns is JSON
//! ([`ErrorBody`]); bodies are limited to axum's default 2 MiB.

use axum::{
	body::Bytes,
	extract::{Path, Query, State},
	http::{header, StatusCode},
	response::{IntoResponse, Response},
	routing::{get, post},
	Json, Router,
};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::sync::Arc;
use teeid_did_resolver::resolve::{self, ResolveError, PUBLIC_HISTORY_BLOCKS};
use utoipa::OpenApi;

use crate::{
	decide,
	error::{ErrorBody, WorkerError},
	issue::{self, IssueRequest, Issued, PresentRequest, SealedClaims},
	join::{self, EndorseRequest, EndorseResponse},
	tokens::{self, Authorized, Endorse, Permission, Read, Sign, Write},
	verify::{
		self, AnchorProof, Check, Verification, VerifyCredentialRequest, VerifyPresentationRequest,
	},
	worker::Worker,
};

type Shared = State<Arc<Worker>>;

/// The API's routes.
pub fn router(worker: Arc<Worker>) -> Router {
	Router::new()
		.route("/health", get(health))
		.route("/metrics", get(metrics))
		.route("/openapi.json", get(openapi))
		.route("/v1/status", get(status))
		.route("/v1/credentials", post(issue_credential))
		.route("/v1/credentials/{id}", get(credential))
		.route("/v1/credentials/{id}/anchor", get(credential_anchor))
		.route("/v1/presentations", post(present))
		.route("/v1/verify/credential", post(verify_credential))
		.route("/v1/verify/presentation", post(verify_presentation))
		.route("/v1/dids/{did}", get(resolve_did))
		.route("/1.0/identifiers/{did}", get(resolve_did))
		.route("/v1/endorse", post(endorse))
		.merge(tokens::router::<Worker>())
		.merge(crate::oid4vci::router())
		.merge(crate::oid4vp::router())
		.merge(crate::status_list::router())
		.fallback(|| async { WorkerError::NotFound("no such route: see /openapi.json".into()) })
		.layer(axum::middleware::map_response(retry_after))
		.with_state(worker)
}

/// Seconds a client is told to wait after a 503 (RFC 9110, 10.2.3) that does not say.
const RETRY_AFTER_SECONDS: &str = "1";

/// Gives every 503 of every route (the worker busy, the chain or the TEE unreachable, in REST
/// and in OAuth error bodies alike) a `Retry-After`, so that clients back off instead of
/// retrying at once.
async fn retry_after(mut response: Response) -> Response {
	if response.status() == StatusCode::SERVICE_UNAVAILABLE {
		response
			.headers_mut()
			.entry(header::RETRY_AFTER)
			.or_insert(header::HeaderValue::from_static(RETRY_AFTER_SECONDS));
	}
	response
}

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
	info(title = "teeid worker API", description = "Issue, present and verify W3C Verifiable Credentials signed inside a TEE; resolve did:teeid DIDs."),
	paths(health, status, issue_credential, credential, credential_anchor, present, verify_credential, verify_presentation, resolve_did, endorse, tokens::create_token, tokens::grant_token, tokens::list_tokens, tokens::delete_token),
	components(schemas(ErrorBody, IssueRequest, SealedClaims, Issued, PresentRequest, VerifyCredentialRequest, VerifyPresentationRequest, Verification, Check, AnchorProof, EndorseRequest, EndorseResponse, tokens::NewToken, tokens::CreatedToken, tokens::GrantRequest, tokens::GrantedToken, tokens::TokenInfo, Permission, Health)),
	modifiers(&BearerAuth),
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
	fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
		use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
		let components = openapi.components.get_or_insert_with(Default::default);
		components.add_security_scheme(
			"bearer",
			SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
		);
	}
}

/// Parses a JSON body, answering malformed input with a 400 that says what is wrong.
pub(crate) fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, WorkerError> {
	serde_json::from_slice(bytes)
		.map_err(|e| WorkerError::BadRequest(format!("malformed request body: {e}")))
}

/// `N` bytes of `0x` hex (the `0x` optional) in the request field `field`, or a 400 naming it.
pub fn hex_array<const N: usize>(text: &str, field: &str) -> Result<[u8; N], WorkerError> {
	hex::decode(text.strip_prefix("0x").unwrap_or(text))
		.ok()
		.and_then(|bytes| <[u8; N]>::try_from(bytes.as_slice()).ok())
		.ok_or_else(|| WorkerError::BadRequest(format!("`{field}` is not {N} bytes of hex")))
}

/// What `GET /health` answers.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Health {
	/// `ok` when the chain answers and the worker counts on it; `degraded` otherwise.
	status: &'static str,
	/// The TEE backend: `simulation` or `op-tee`.
	tee: &'static str,
	/// The platform the TA reports: `Simulated` or `OpTee`.
	platform: String,
	/// The worker's TEE key, `0x` hex.
	worker: String,
	/// The genesis hash of the worker's chain, `0x` hex (an operator's token grant names it).
	genesis_hash: String,
	/// The device certifier of the TA's device certificate for this chain, `0x` hex; null if
	/// the TA holds none.
	certifier: Option<String>,
	/// Whether the chain counts this worker's device as certified: registered, and its
	/// certifier still listed for its platform.
	certified: bool,
	/// Whether the chain answered.
	chain: bool,
	/// Whether the chain has this worker registered and counting.
	registered: bool,
	/// The latest finalized block the worker reads the chain at (what its checks see, and its
	/// verifications unless they read through a light client); null while the chain does not
	/// answer.
	finalized_block: Option<u32>,
	/// What verifications read the chain through: `node` (the node at `--chain`), or `light
	/// client` (`--verify-light`: a light client that checks what nodes serve against
	/// GRANDPA-finalized headers).
	verifier_reads: &'static str,
	/// With a light client: the latest finalized block it has proven, which verifications judge
	/// by; null otherwise, or while it does not answer.
	light_finalized_block: Option<u32>,
}

/// Liveness and readiness.
#[utoipa::path(get, path = "/health", responses((status = 200, body = Health)))]
async fn health(State(worker): Shared) -> Json<Health> {
	let view = worker.chain.view().await;
	let finalized_block = view.as_ref().ok().map(|view| view.block().0);
	let status = match view {
		Ok(view) => view.worker(&worker.key()).await,
		Err(e) => Err(e),
	};
	let identity = worker.identity();
	let registered = matches!(&status, Ok(Some(s)) if s.counts());
	let genesis = worker.chain.genesis_hash();
	let (verifier_reads, light_finalized_block) = if worker.verifies_through_light_client() {
		let view = worker.verifier_chain().view().await;
		("light client", view.ok().map(|view| view.block().0))
	} else {
		("node", None)
	};
	let certifier = identity
		.certificate
		.as_ref()
		.filter(|certificate| certificate.payload.genesis_hash == genesis)
		.map(|certificate| format!("0x{}", hex::encode(certificate.certifier.0)));
	Json(Health {
		status: if registered { "ok" } else { "degraded" },
		tee: worker.tee.backend_name(),
		platform: format!("{:?}", identity.platform),
		worker: format!("0x{}", hex::encode(identity.signing_key.0)),
		genesis_hash: format!("0x{}", hex::encode(genesis.0)),
		certifier,
		certified: matches!(&status, Ok(Some(s)) if s.certified),
		chain: status.is_ok(),
		registered,
		finalized_block,
		verifier_reads,
		light_finalized_block,
	})
}

async fn metrics(State(worker): Shared) -> Response {
	(
		[(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")],
		worker.metrics.render(),
	)
		.into_response()
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
	Json(openapi_document())
}

/// The whole API's OpenAPI document: these routes' and the OpenID and status-list modules'.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
	let mut doc = ApiDoc::openapi();
	doc.merge(crate::oid4vci::ApiDoc::openapi());
	doc.merge(crate::oid4vp::ApiDoc::openapi());
	doc.merge(crate::status_list::ApiDoc::openapi());
	doc
}

/// The worker's identity and standing on chain: its TEE (platform, measurement, device
/// certificate and its certifier, the newest block the TA has seen) and its record on chain
/// (active, code allowed, certified).
#[utoipa::path(get, path = "/v1/status", security(("bearer" = [])),
	responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn status(
	State(worker): Shared,
	_: Authorized<Read>,
) -> Result<Json<serde_json::Value>, WorkerError> {
	Ok(Json(crate::status::status(&worker).await?))
}

/// Issues a credential (`sign`; the token's account controls the issuer DID, and this worker
/// is a bound signer of it) against the latest finalized block, which the TA signs into
/// `evidence[0]` (`blockNumber`, `blockHash`); 503 while the chain's finality has stalled.
#[utoipa::path(post, path = "/v1/credentials", request_body = IssueRequest, security(("bearer" = [])),
	responses((status = 201, body = Issued), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
		(status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
		(status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn issue_credential(
	State(worker): Shared,
	token: Authorized<Sign>,
	bytes: Bytes,
) -> Result<(StatusCode, Json<Issued>), WorkerError> {
	let request: IssueRequest = body(&bytes)?;
	Ok((StatusCode::CREATED, Json(issue::issue(&worker, &token, request).await?)))
}

/// A credential this worker issued, with where it is anchored (`read`; the token's account
/// controls the issuer, or the token is an admin's).
#[utoipa::path(get, path = "/v1/credentials/{id}", security(("bearer" = [])),
	params(("id" = String, Path, description = "The credential's id")),
	responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn credential(
	State(worker): Shared,
	token: Authorized<Read>,
	Path(id): Path<String>,
) -> Result<Json<crate::store::CredentialRecord>, WorkerError> {
	let record = worker
		.store
		.credential_by_id(&id)?
		.ok_or_else(|| WorkerError::NotFound(format!("no credential `{id}` was issued here")))?;
	if !token.allows(Permission::Admin) {
		decide!(worker, |view| worker.check_controls(view, &token, &record.issuer).await)?;
	}
	Ok(Json(record))
}

/// The proof that a credential issued here is in a batch anchored on chain; 404 while it waits
/// for its batch, or for the block that anchored it to be final.
#[utoipa::path(get, path = "/v1/credentials/{id}/anchor",
	params(("id" = String, Path, description = "The credential's id")),
	responses((status = 200, body = AnchorProof), (status = 404, body = ErrorBody)))]
async fn credential_anchor(
	State(worker): Shared,
	Path(id): Path<String>,
) -> Result<Json<AnchorProof>, WorkerError> {
	let record = worker
		.store
		.credential_by_id(&id)?
		.ok_or_else(|| WorkerError::NotFound(format!("no credential `{id}` was issued here")))?;
	verify::anchor_proof(&worker, &record).await?.map(Json).ok_or_else(|| {
		WorkerError::NotFound(format!("`{id}` is not anchored in a final block yet"))
	})
}

/// Creates a presentation disclosing some claims (`write`; the token's account controls the
/// holder DID, and this worker is a bound signer of it).
#[utoipa::path(post, path = "/v1/presentations", request_body = PresentRequest, security(("bearer" = [])),
	responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
		(status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn present(
	State(worker): Shared,
	token: Authorized<Write>,
	bytes: Bytes,
) -> Result<Json<serde_json::Value>, WorkerError> {
	// The credential goes to the TA: the strict parser reads it first (a member named twice
	// would otherwise reach the TA as whichever value serde kept).
	let request: PresentRequest = verify::strict_credential_request(&worker, bytes).await?;
	Ok(Json(issue::present(&worker, &token, request).await?))
}

/// Verifies a credential (`read`) against the chain at the block it names, check by check:
/// `proof`, `issuance block`, `issuer key`, `tee worker`, `tee code`, `simulation`, `schema`,
/// `anchor`, `revocation`, `validity` (docs/worker.md, "Verifying").
#[utoipa::path(post, path = "/v1/verify/credential", request_body = VerifyCredentialRequest, security(("bearer" = [])),
	responses((status = 200, body = Verification), (status = 400, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn verify_credential(
	State(worker): Shared,
	_: Authorized<Read>,
	bytes: Bytes,
) -> Result<Json<Verification>, WorkerError> {
	Ok(Json(verify::verify_credential(&worker, bytes).await?))
}

/// Verifies a presentation (`read`): `proof` (the holder's and the derived credentials'),
/// `holder key`, and per credential the checks of a credential but `proof` and `anchor`.
#[utoipa::path(post, path = "/v1/verify/presentation", request_body = VerifyPresentationRequest, security(("bearer" = [])),
	responses((status = 200, body = Verification), (status = 400, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn verify_presentation(
	State(worker): Shared,
	_: Authorized<Read>,
	bytes: Bytes,
) -> Result<Json<Verification>, WorkerError> {
	Ok(Json(verify::verify_presentation_request(&worker, bytes).await?))
}

/// The block to resolve at.
#[derive(Deserialize, utoipa::IntoParams)]
struct At {
	/// A block number; the best block if absent.
	block: Option<u32>,
}

/// Resolves a DID into a W3C DID resolution result (also served in the Universal Resolver
/// driver shape at `GET /1.0/identifiers/{did}`), walking at most 128 blocks of its history
/// for its attributes: `didDocumentMetadata.historyTruncated` says when it stopped early.
#[utoipa::path(get, path = "/v1/dids/{did}", params(("did" = String, Path, description = "A did:teeid DID"), At),
	responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn resolve_did(
	State(worker): Shared,
	Path(did): Path<String>,
	Query(at): Query<At>,
) -> Result<Response, WorkerError> {
	match resolve::resolve_within(&worker.resolver, &did, at.block, PUBLIC_HISTORY_BLOCKS).await {
		Ok(result) => Ok((
			[(
				header::CONTENT_TYPE,
				"application/ld+json;profile=\"https://w3id.org/did-resolution\"",
			)],
			Json(result),
		)
			.into_response()),
		Err(e @ ResolveError::InvalidDid(_)) => Err(WorkerError::BadRequest(e.to_string())),
		Err(e @ (ResolveError::NotFound | ResolveError::UnknownBlock(_))) => {
			Err(WorkerError::NotFound(format!("{did}: {e}")))
		},
		Err(e @ (ResolveError::Source(_) | ResolveError::HistoryUnavailable(_))) => {
			Err(WorkerError::Unavailable(e.to_string()))
		},
		Err(e) => Err(WorkerError::Internal(e.to_string())),
	}
}

/// Endorses a joining worker's report (`endorse`, which a single-use token loses to the
/// endorsement, or `admin`): its TEE checks R and the evidence, and exports the network key
/// sealed to the joining TEE.
#[utoipa::path(post, path = "/v1/endorse", request_body = EndorseRequest, security(("bearer" = [])),
	responses((status = 200, body = EndorseResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
		(status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
		(status = 503, body = ErrorBody)))]
async fn endorse(
	State(worker): Shared,
	token: Authorized<Endorse>,
	bytes: Bytes,
) -> Result<Json<EndorseResponse>, WorkerError> {
	let endorsed = match body::<EndorseRequest>(&bytes) {
		Ok(request) => join::endorse(&worker, &request).await,
		Err(e) => Err(e),
	};
	match endorsed {
		Ok(response) => Ok(Json(response)),
		Err(e) => {
			// No endorsement left the worker: a single-use token serves a retry.
			token.give_back(&worker.store)?;
			Err(e)
		},
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[tokio::test]
	async fn every_503_tells_clients_when_to_retry_works() {
		let busy = retry_after(WorkerError::Busy("all slots taken".into()).into_response()).await;
		assert_eq!(busy.status(), StatusCode::SERVICE_UNAVAILABLE);
		assert_eq!(busy.headers()[header::RETRY_AFTER], RETRY_AFTER_SECONDS);
		// A 503 that says when to retry keeps its own.
		let mut own = WorkerError::Unavailable("the chain is down".into()).into_response();
		own.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("30"));
		assert_eq!(retry_after(own).await.headers()[header::RETRY_AFTER], "30");
		// Other statuses have none.
		let refused = retry_after(WorkerError::Conflict("taken".into()).into_response()).await;
		assert!(refused.headers().get(header::RETRY_AFTER).is_none());
	}
}
