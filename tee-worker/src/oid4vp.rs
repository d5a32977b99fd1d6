//! OpenID for Verifiable Presentations 1.0: the worker as a verifier of SD-JWT VCs.
//!
//! A relying party with a `read` token asks for some claims of a CPT's credentials (`POST
//! /v1/oid4vp/requests`). The answer holds an Authorization Request by value, unsigned, whose
//! client identifier is its `response_uri` with the prefix `redirect_uri:`, response mode
//! `direct_post`, a fresh `nonce` and `state`, and a DCQL query for one `dc+sd-jwt` credential
//! of the CPT's `vct` (id `teeid`) disclosing the claims; and the same request as an
//! `openid4vp://` link (every parameter a query parameter, objects as JSON), for a QR code.
//!
//! The wallet posts a form (`vp_token` = `{"teeid": ["<SD-JWT>~<KB-JWT>"]}`, `state`) to the
//! `response_uri`, `POST /v1/oid4vp/responses/{requestId}`. The worker verifies the
//! presentation as `POST /v1/verify/credential` verifies an SD-JWT VC (the issuer's TEE
//! signature, the disclosures, the chain checks at the credential's block), with its key
//! binding required (the holder's key in `cnf.jwk`, for this request's client identifier and
//! nonce, made within 300 s) and one check more, `query`: its `vct` is the CPT's and every claim
//! asked for is disclosed. It answers `200 {}` if every check passes, or an OAuth error:
//! `access_denied` naming the failed checks, `invalid_request` for a response that does not
//! fit the request. The creator of the request reads the outcome with `GET
//! /v1/oid4vp/requests/{requestId}`.
//!
//! Each request takes one response: the first whose `state` matches reserves the request in a
//! database transaction before it is verified, so a replayed or concurrent second response is
//! refused (`invalid_request`). A response the worker could not verify (the chain unreachable)
//! gives the request back. Requests expire, 300 s after they are made by default; their
//! outcomes stay readable for a day after, then the records are pruned.

use axum::{
	body::Bytes,
	extract::{Path, State},
	http::{header, StatusCode},
	response::{IntoResponse, Response},
	routing::{get, post},
	Json, Router,
};
use rand_core::{OsRng, RngCore};
use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::{collections::HashSet, sync::Arc};
use teeid_ta_protocol::sd_jwt::is_reserved_claim;

use crate::{
	api::body,
	decide,
	error::{ErrorBody, WorkerError},
	issue::{rfc3339, schema_id},
	jose::b64u,
	oid4vci::{
		OauthError, OauthErrorBody, ACCESS_DENIED, INVALID_REQUEST, SERVER_ERROR,
		TEMPORARILY_UNAVAILABLE,
	},
	sd_jwt::{KeyBindingRule, ISSUER_ALG},
	store::{blocking_write, decode, encode, read_table, StoreError},
	tokens::{Authorized, Permission, Read, TokenRecord},
	verify::{self, Check, ReadSdJwt, Verification},
	worker::{account_of, Worker},
};

/// Request id -> [`PresentationRequest`], as JSON.
const REQUESTS: TableDefinition<&str, &[u8]> = TableDefinition::new("oid4vp_requests");
/// Expiry (seconds, big-endian) ‖ request id -> nothing: the requests in the order they expire,
/// for pruning.
const EXPIRIES: TableDefinition<&[u8], ()> = TableDefinition::new("oid4vp_expiries");

/// The id of the DCQL credential query, the key of its presentations in `vp_token`.
pub const QUERY_ID: &str = "teeid";

/// The credential format asked for.
pub const SD_JWT_VC_FORMAT: &str = "dc+sd-jwt";

/// How long a request takes responses when its creator names no `expiresIn`, in seconds.
pub const DEFAULT_EXPIRES_IN_SECS: u64 = 300;

/// The shortest and longest lifetimes a creator may ask for, in seconds.
pub const EXPIRES_IN_RANGE_SECS: std::ops::RangeInclusive<u64> = 30..=3600;

/// How long a request's record (and outcome) is kept after it expired, in seconds.
pub const RESULT_RETENTION_SECS: u64 = 86_400;

/// The most request records kept: each costs a few KiB, and any `read` token makes them.
pub const MAX_STORED_REQUESTS: u64 = 10_000;

/// The most claims one request asks for: a credential has at most 256, and each is a DCQL
/// claims query in the link a QR code carries.
pub const MAX_QUERY_CLAIMS: usize = 64;

/// The longest claim name asked for, in bytes.
pub const MAX_CLAIM_NAME_BYTES: usize = 256;

/// The largest response form read: an SD-JWT presentation of at most
/// [`crate::sd_jwt::MAX_SD_JWT_BYTES`], URL-encoded inside a JSON string.
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024;

/// The name of the check that the presentation answers the query.
const QUERY_CHECK: &str = "query";

/// The name of the one check of a response whose presentation is not an SD-JWT.
const PRESENTATION_CHECK: &str = "presentation";

/// The routes: creating and reading presentation requests (`read`), and the wallets' response
/// endpoint (public).
pub fn router() -> Router<Arc<Worker>> {
	Router::new()
		.route("/v1/oid4vp/requests", post(create_request))
		.route("/v1/oid4vp/requests/{id}", get(request_status))
		.route("/v1/oid4vp/responses/{id}", post(respond))
}

/// The OpenAPI document of these routes, merged into the API's.
#[derive(utoipa::OpenApi)]
#[openapi(
	paths(create_request, request_status, respond),
	components(schemas(
		NewPresentationRequest,
		CreatedPresentationRequest,
		AuthorizationRequest,
		PresentationRequestStatus,
		RequestStatus,
		AuthorizationResponse,
		OauthErrorBody
	))
)]
pub struct ApiDoc;

/// What `POST /v1/oid4vp/requests` takes.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewPresentationRequest {
	/// The CPT whose credentials are asked for (`vct` `urn:teeid:cpt:<cpt>`).
	pub cpt: u32,
	/// The names of the top-level claims the holder must disclose (at most 64).
	pub claims: Vec<String>,
	/// For how many seconds the request takes a response: 30 to 3600, 300 if absent.
	pub expires_in: Option<u64>,
}

/// An OpenID4VP 1.0 Authorization Request, passed by value (unsigned, client identifier prefix
/// `redirect_uri:`, response mode `direct_post`).
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AuthorizationRequest {
	/// `vp_token`.
	pub response_type: String,
	/// `redirect_uri:<response_uri>`: the audience of the key-binding JWT.
	pub client_id: String,
	/// `direct_post`.
	pub response_mode: String,
	/// Where the wallet posts its response.
	pub response_uri: String,
	/// The nonce the key-binding JWT carries.
	pub nonce: String,
	/// What the wallet's response echoes.
	pub state: String,
	/// The DCQL query: one `dc+sd-jwt` credential, id `teeid`.
	#[schema(value_type = Object)]
	pub dcql_query: Value,
	/// `vp_formats_supported`.
	#[schema(value_type = Object)]
	pub client_metadata: Value,
}

impl AuthorizationRequest {
	/// The request as an `openid4vp://` link: each parameter a query parameter, the objects as
	/// JSON text, form-encoded.
	pub fn link(&self) -> String {
		let mut query = form_urlencoded::Serializer::new(String::new());
		query
			.append_pair("response_type", &self.response_type)
			.append_pair("client_id", &self.client_id)
			.append_pair("response_mode", &self.response_mode)
			.append_pair("response_uri", &self.response_uri)
			.append_pair("nonce", &self.nonce)
			.append_pair("state", &self.state)
			.append_pair("dcql_query", &self.dcql_query.to_string())
			.append_pair("client_metadata", &self.client_metadata.to_string());
		format!("openid4vp://?{}", query.finish())
	}
}

/// What `POST /v1/oid4vp/requests` answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedPresentationRequest {
	/// The request's id (16 random bytes, hex).
	pub request_id: String,
	/// The Authorization Request.
	pub authorization_request: AuthorizationRequest,
	/// The Authorization Request as an `openid4vp://` link.
	pub link: String,
	/// When it stops taking responses, RFC 3339.
	pub expires_at: String,
}

/// Where a presentation request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RequestStatus {
	/// No response yet (or one being verified).
	Pending,
	/// Answered by a presentation that passed every check.
	Verified,
	/// Answered by a presentation that failed a check, or was not one.
	Refused,
	/// Expired without an answer.
	Expired,
}

/// What `GET /v1/oid4vp/requests/{id}` answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PresentationRequestStatus {
	/// Where it stands.
	pub status: RequestStatus,
	/// Once answered: every check of the presentation.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub verification: Option<Verification>,
	/// Once answered: the claims disclosed.
	#[serde(skip_serializing_if = "Option::is_none")]
	#[schema(value_type = Option<Object>)]
	pub claims: Option<Map<String, Value>>,
	/// Once answered: the holder (`sub`, or the did:jwk of the credential's key).
	#[serde(skip_serializing_if = "Option::is_none")]
	pub holder: Option<String>,
	/// Once answered: the issuer DID.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub issuer: Option<String>,
}

/// What a wallet posts to the `response_uri` (`application/x-www-form-urlencoded`).
#[derive(Debug, PartialEq, Eq, utoipa::ToSchema)]
pub struct AuthorizationResponse {
	/// JSON: the presentations by DCQL credential query id, `{"teeid": ["<SD-JWT>~<KB-JWT>"]}`
	/// (a single string for the array is read too).
	pub vp_token: String,
	/// The request's `state`.
	pub state: Option<String>,
}

/// An OAuth error response with `status` (the issuer's error type: one OAuth error shape for
/// the whole worker).
fn oauth_error(status: StatusCode, code: &'static str, description: &str) -> Response {
	OauthError::new(code, description).with_status(status).into_response()
}

/// Why the response endpoint refuses a response.
#[derive(Debug)]
enum Refusal {
	/// The response does not fit the request (OAuth `invalid_request`, 400).
	InvalidRequest(String),
	/// The presentation failed a check (OAuth `access_denied`, 400).
	AccessDenied(String),
	/// The worker could not verify it now.
	Worker(WorkerError),
}

impl From<WorkerError> for Refusal {
	fn from(error: WorkerError) -> Self {
		match error {
			WorkerError::BadRequest(why) | WorkerError::NotFound(why) => {
				Refusal::InvalidRequest(why)
			},
			other => Refusal::Worker(other),
		}
	}
}

impl IntoResponse for Refusal {
	fn into_response(self) -> Response {
		match self {
			Refusal::InvalidRequest(why) => {
				oauth_error(StatusCode::BAD_REQUEST, INVALID_REQUEST, &why)
			},
			Refusal::AccessDenied(why) => oauth_error(StatusCode::BAD_REQUEST, ACCESS_DENIED, &why),
			Refusal::Worker(error) => match error.status() {
				StatusCode::SERVICE_UNAVAILABLE => oauth_error(
					StatusCode::SERVICE_UNAVAILABLE,
					TEMPORARILY_UNAVAILABLE,
					&error.to_string(),
				),
				status if status.is_server_error() => {
					// The details are for the operator's log.
					tracing::error!("an OpenID4VP response: {error}");
					oauth_error(status, SERVER_ERROR, "the worker failed to verify the response")
				},
				status => oauth_error(status, INVALID_REQUEST, &error.to_string()),
			},
		}
	}
}

/// The time now, seconds since the Unix epoch.
fn now_secs() -> u64 {
	chrono::Utc::now().timestamp().max(0) as u64
}

/// `N` random bytes from the OS.
fn random<const N: usize>() -> [u8; N] {
	let mut bytes = [0u8; N];
	OsRng.fill_bytes(&mut bytes);
	bytes
}

/// Checks the claim names a request asks for: at most [`MAX_QUERY_CLAIMS`], each once, and
/// each a name the TA discloses (not empty, not too long, not one it reserves: a member it
/// writes itself, `id`, `...`, or starting with `_` or `@`).
fn check_claim_names(names: &[String]) -> Result<(), WorkerError> {
	if names.len() > MAX_QUERY_CLAIMS {
		return Err(WorkerError::BadRequest(format!(
			"{} claims asked for; at most {MAX_QUERY_CLAIMS}",
			names.len()
		)));
	}
	let mut seen = HashSet::with_capacity(names.len());
	for name in names {
		if name.is_empty() || name.len() > MAX_CLAIM_NAME_BYTES {
			return Err(WorkerError::BadRequest(format!(
				"a claim name is 1 to {MAX_CLAIM_NAME_BYTES} bytes"
			)));
		}
		if is_reserved_claim(name) {
			return Err(WorkerError::BadRequest(format!(
				"`{name}` is not a claim: the credential's own members (and names starting with \
				 `_` or `@`) are never selectively disclosed"
			)));
		}
		if !seen.insert(name.as_str()) {
			return Err(WorkerError::BadRequest(format!("the claim `{name}` is asked for twice")));
		}
	}
	Ok(())
}

/// What a response to a request came to.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Outcome {
	/// Every check.
	verification: Verification,
	/// The disclosed claims (none if the presentation was not an SD-JWT).
	claims: Option<Map<String, Value>>,
	/// The holder.
	holder: Option<String>,
	/// The issuer.
	issuer: Option<String>,
}

impl Outcome {
	/// The outcome of a presentation that is not an SD-JWT: one failed check that says why.
	fn unreadable(why: String) -> Self {
		let check = Check { check: PRESENTATION_CHECK.into(), ok: false, detail: why };
		let verification = Verification::new(vec![check]);
		Self { verification, claims: None, holder: None, issuer: None }
	}

	/// What the wallet is told, if the outcome refuses the presentation.
	fn refusal(&self) -> Option<Refusal> {
		let failed: Vec<&Check> = self.verification.checks.iter().filter(|c| !c.ok).collect();
		match failed.as_slice() {
			[] => None,
			[only] if only.check == PRESENTATION_CHECK => {
				Some(Refusal::InvalidRequest(only.detail.clone()))
			},
			failed => {
				let named: Vec<String> =
					failed.iter().map(|c| format!("{}: {}", c.check, c.detail)).collect();
				Some(Refusal::AccessDenied(format!(
					"the presentation failed verification: {}",
					named.join("; ")
				)))
			},
		}
	}
}

/// How far a request has come.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
enum Progress {
	/// Taking a response.
	Open,
	/// A response is being verified.
	Answering,
	/// Answered.
	Answered(Outcome),
}

/// A presentation request, as stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PresentationRequest {
	/// The account of the token that made it (who may read its outcome).
	account: Option<String>,
	/// The CPT asked for.
	cpt: u32,
	/// The claims asked for.
	claims: Vec<String>,
	/// Where the wallet posts its response; prefixed, the client identifier.
	response_uri: String,
	/// The nonce the key-binding JWT must carry.
	nonce: String,
	/// The state the response must echo.
	state: String,
	/// When it stops taking responses, seconds since the Unix epoch.
	expires: u64,
	/// How far it has come.
	progress: Progress,
}

impl PresentationRequest {
	/// Checks `request` and stores a request made with `token` for it.
	async fn open(
		worker: &Worker,
		token: &TokenRecord,
		request: NewPresentationRequest,
	) -> Result<CreatedPresentationRequest, WorkerError> {
		let expires_in = request.expires_in.unwrap_or(DEFAULT_EXPIRES_IN_SECS);
		if !EXPIRES_IN_RANGE_SECS.contains(&expires_in) {
			return Err(WorkerError::BadRequest(format!(
				"`expiresIn` is {} to {} seconds",
				EXPIRES_IN_RANGE_SECS.start(),
				EXPIRES_IN_RANGE_SECS.end()
			)));
		}
		check_claim_names(&request.claims)?;
		decide!(worker, |view| match view.cpt(request.cpt).await? {
			Some(_) => Ok(()),
			None => Err(WorkerError::NotFound(format!("unknown CPT {}", request.cpt))),
		})?;
		let id = hex::encode(random::<16>());
		let now = now_secs();
		let stored = Self {
			account: token.account.clone(),
			cpt: request.cpt,
			claims: request.claims,
			response_uri: format!("{}/v1/oid4vp/responses/{id}", worker.public_url),
			nonce: b64u(&random::<32>()),
			state: b64u(&random::<16>()),
			expires: now.saturating_add(expires_in),
			progress: Progress::Open,
		};
		RequestStore::new(worker.store.database()).insert(&id, &stored, now)?;
		let authorization_request = stored.authorization_request();
		Ok(CreatedPresentationRequest {
			request_id: id,
			link: authorization_request.link(),
			authorization_request,
			expires_at: rfc3339(
				i64::try_from(stored.expires.saturating_mul(1000)).unwrap_or(i64::MAX),
			),
		})
	}

	/// The client identifier: the response URI with the prefix of unsigned requests.
	fn client_id(&self) -> String {
		format!("redirect_uri:{}", self.response_uri)
	}

	/// The Authorization Request for this request.
	fn authorization_request(&self) -> AuthorizationRequest {
		AuthorizationRequest {
			response_type: "vp_token".into(),
			client_id: self.client_id(),
			response_mode: "direct_post".into(),
			response_uri: self.response_uri.clone(),
			nonce: self.nonce.clone(),
			state: self.state.clone(),
			dcql_query: self.dcql_query(),
			client_metadata: json!({
				"vp_formats_supported": {
					"dc+sd-jwt": {
						"sd-jwt_alg_values": [ISSUER_ALG],
						"kb-jwt_alg_values": ["EdDSA", "ES256"],
					},
				},
			}),
		}
	}

	/// The DCQL query: one SD-JWT VC of the CPT's `vct`, disclosing the claims asked for.
	fn dcql_query(&self) -> Value {
		let mut credential = Map::new();
		credential.insert("id".into(), json!(QUERY_ID));
		credential.insert("format".into(), json!(SD_JWT_VC_FORMAT));
		credential.insert("meta".into(), json!({ "vct_values": [schema_id(self.cpt)] }));
		// DCQL's `claims` is a non-empty array: without claims, the query asks for none.
		if !self.claims.is_empty() {
			let claims = self.claims.iter().map(|name| json!({ "path": [name] })).collect();
			credential.insert("claims".into(), Value::Array(claims));
		}
		json!({ "credentials": [credential] })
	}

	/// Whether `token` may read the outcome: an admin's, or one of the creator's account.
	fn readable_by(&self, token: &TokenRecord) -> bool {
		if token.allows(Permission::Admin) {
			return true;
		}
		match (&self.account, &token.account) {
			(None, None) => true,
			(Some(made_by), Some(reader)) => {
				account_of(made_by).is_some_and(|made_by| account_of(reader) == Some(made_by))
			},
			_ => false,
		}
	}

	/// Reserves the request for a response with `state`, at `now`: it is open and has not
	/// expired. Returns the request as it was.
	fn reserve(&mut self, state: Option<&str>, now: u64) -> Result<Self, Refusal> {
		let refused = |why: &str| Err(Refusal::InvalidRequest(why.to_owned()));
		match self.progress {
			Progress::Open if now > self.expires => return refused("the request has expired"),
			Progress::Open => {},
			Progress::Answering | Progress::Answered(_) => {
				return refused("the request was answered already: it takes one response")
			},
		}
		if state != Some(self.state.as_str()) {
			return refused("`state` is not the request's");
		}
		let open = self.clone();
		self.progress = Progress::Answering;
		Ok(open)
	}

	/// Verifies `presentation` for this request: an SD-JWT VC with a key-binding JWT for its
	/// client identifier and nonce, passing the chain checks, answering the query.
	async fn verify(&self, worker: &Worker, presentation: String) -> Result<Outcome, WorkerError> {
		let (client_id, nonce) = (self.client_id(), self.nonce.clone());
		let read = worker
			.verify_limit
			.run(move || {
				let rule = KeyBindingRule {
					required: true,
					audience: Some(client_id.as_str()),
					nonce: Some(nonce.as_str()),
					now: chrono::Utc::now().timestamp(),
				};
				Ok(verify::read_sd_jwt(&presentation, &rule))
			})
			.await?;
		let read = match read {
			Ok(read) => read,
			// Not an SD-JWT: an answer all the same, refused with why.
			Err(WorkerError::BadRequest(why)) => return Ok(Outcome::unreadable(why)),
			Err(other) => return Err(other),
		};
		worker.metrics.verified.inc();
		let mut checks = verify::check_sd_jwt(worker, &read, None).await?.checks;
		checks.push(self.query_check(&read));
		Ok(Outcome {
			verification: Verification::new(checks),
			claims: Some(read.claims().clone()),
			holder: read.holder().map(str::to_owned),
			issuer: Some(read.issuer().to_owned()),
		})
	}

	/// Whether `read` answers the query: the CPT's `vct`, every claim asked for disclosed.
	fn query_check(&self, read: &ReadSdJwt) -> Check {
		let vct = schema_id(self.cpt);
		let mut wrong = Vec::new();
		if read.vct() != Some(vct.as_str()) {
			wrong.push(format!(
				"its vct is {}, the query asks for {vct}",
				read.vct().unwrap_or("missing")
			));
		}
		let missing: Vec<&str> = self
			.claims
			.iter()
			.map(String::as_str)
			.filter(|name| !read.claims().contains_key(*name))
			.collect();
		if !missing.is_empty() {
			wrong.push(format!("it does not disclose {}", missing.join(", ")));
		}
		let ok = wrong.is_empty();
		let detail = if ok {
			format!("a {vct} credential disclosing {}", self.claims.join(", "))
		} else {
			wrong.join("; ")
		};
		Check { check: QUERY_CHECK.into(), ok, detail }
	}

	/// Where the request stands at `now`, as its creator reads it.
	fn status(&self, now: u64) -> PresentationRequestStatus {
		let bare = |status| PresentationRequestStatus {
			status,
			verification: None,
			claims: None,
			holder: None,
			issuer: None,
		};
		match &self.progress {
			Progress::Answered(outcome) => PresentationRequestStatus {
				status: if outcome.verification.verified {
					RequestStatus::Verified
				} else {
					RequestStatus::Refused
				},
				verification: Some(outcome.verification.clone()),
				claims: outcome.claims.clone(),
				holder: outcome.holder.clone(),
				issuer: outcome.issuer.clone(),
			},
			_ if now > self.expires => bare(RequestStatus::Expired),
			_ => bare(RequestStatus::Pending),
		}
	}
}

impl AuthorizationResponse {
	/// Reads the form a wallet posts. Members other than `vp_token` and `state` (an
	/// `id_token`, say) are not read.
	fn parse(form: &[u8]) -> Result<Self, Refusal> {
		if form.len() > MAX_RESPONSE_BYTES {
			return Err(Refusal::InvalidRequest(format!(
				"the response is {} bytes; at most {MAX_RESPONSE_BYTES} are read",
				form.len()
			)));
		}
		let (mut vp_token, mut state) = (None, None);
		for (name, value) in form_urlencoded::parse(form) {
			let slot = match name.as_ref() {
				"vp_token" => &mut vp_token,
				"state" => &mut state,
				_ => continue,
			};
			if slot.replace(value.into_owned()).is_some() {
				return Err(Refusal::InvalidRequest(format!("`{name}` is given twice")));
			}
		}
		let vp_token = vp_token.ok_or_else(|| {
			Refusal::InvalidRequest(
				"no `vp_token`: the response is a form of `vp_token` and `state`".into(),
			)
		})?;
		Ok(Self { vp_token, state })
	}

	/// The one presentation `vp_token` holds for the query `teeid`.
	fn presentation(&self) -> Result<String, Refusal> {
		let invalid = |why: &str| Refusal::InvalidRequest(why.to_owned());
		let Ok(Value::Object(mut by_query)) = serde_json::from_str::<Value>(&self.vp_token) else {
			return Err(invalid(
				"`vp_token` is not a JSON object of presentations by DCQL credential query id",
			));
		};
		if let Some(other) = by_query.keys().find(|id| id.as_str() != QUERY_ID) {
			return Err(Refusal::InvalidRequest(format!(
				"`vp_token` answers `{other}`, a credential query this request does not make"
			)));
		}
		let not_one = "`vp_token` holds other than one SD-JWT presentation for `teeid`";
		match by_query.remove(QUERY_ID) {
			Some(Value::String(presentation)) => Ok(presentation),
			Some(Value::Array(presentations)) => match <[Value; 1]>::try_from(presentations) {
				Ok([Value::String(presentation)]) => Ok(presentation),
				_ => Err(invalid(not_one)),
			},
			_ => Err(invalid(not_one)),
		}
	}

	/// Answers request `id` with this response: reserves the request, verifies the
	/// presentation, records the outcome. `Ok` when the presentation passed every check.
	async fn answer(self, worker: &Worker, id: &str) -> Result<(), Refusal> {
		// A malformed response leaves the request open: it is no presentation.
		let presentation = self.presentation()?;
		let requests = RequestStore::new(worker.store.database());
		let state = self.state.as_deref();
		let request = requests.update(id, |stored| stored.reserve(state, now_secs()))?;
		let outcome = match request.verify(worker, presentation).await {
			Ok(outcome) => outcome,
			Err(error) => {
				// The worker could not verify it (the chain, the verification slots): the
				// request takes the response again.
				requests.update(id, |stored| {
					stored.progress = Progress::Open;
					Ok::<_, WorkerError>(())
				})?;
				return Err(Refusal::Worker(error));
			},
		};
		let refusal = outcome.refusal();
		requests.update(id, |stored| {
			stored.progress = Progress::Answered(outcome);
			Ok::<_, WorkerError>(())
		})?;
		refusal.map_or(Ok(()), Err)
	}
}

/// The presentation requests in the worker's database.
struct RequestStore<'a> {
	db: &'a Database,
}

/// A database failure, as the API answers it.
fn db_error(error: impl Into<redb::Error>) -> WorkerError {
	StoreError::db(error).into()
}

/// What a stored request's record is called when it does not decode.
const RECORD: &str = "presentation request";

/// The key of a request in [`EXPIRIES`].
fn expiry_key(expires: u64, id: &str) -> Vec<u8> {
	let mut key = expires.to_be_bytes().to_vec();
	key.extend_from_slice(id.as_bytes());
	key
}

/// The expiry and request id of an [`EXPIRIES`] key.
fn split_expiry_key(key: &[u8]) -> Option<(u64, &str)> {
	let expires = u64::from_be_bytes(key.get(..8)?.try_into().ok()?);
	let id = std::str::from_utf8(key.get(8..)?).ok()?;
	Some((expires, id))
}

impl<'a> RequestStore<'a> {
	fn new(db: &'a Database) -> Self {
		Self { db }
	}

	/// Stores `request` under `id`, first pruning the requests that expired more than
	/// [`RESULT_RETENTION_SECS`] before `now`; refused while [`MAX_STORED_REQUESTS`] remain.
	fn insert(&self, id: &str, request: &PresentationRequest, now: u64) -> Result<(), WorkerError> {
		blocking_write(|| {
			let tx = self.db.begin_write().map_err(db_error)?;
			{
				let mut requests = tx.open_table(REQUESTS).map_err(db_error)?;
				let mut expiries = tx.open_table(EXPIRIES).map_err(db_error)?;
				let cutoff = now.saturating_sub(RESULT_RETENTION_SECS);
				loop {
					let first =
						expiries.first().map_err(db_error)?.map(|(key, _)| key.value().to_vec());
					let Some(key) = first else { break };
					let parts = split_expiry_key(&key);
					if parts.is_some_and(|(expires, _)| expires >= cutoff) {
						break;
					}
					// Past its retention (or unreadable, which no key written here is).
					expiries.remove(key.as_slice()).map_err(db_error)?;
					if let Some((_, old)) = parts {
						requests.remove(old).map_err(db_error)?;
					}
				}
				if requests.len().map_err(db_error)? >= MAX_STORED_REQUESTS {
					return Err(WorkerError::Unavailable(format!(
					"{MAX_STORED_REQUESTS} presentation requests are kept already; try again once \
					 some have expired"
				)));
				}
				requests.insert(id, encode(request).as_slice()).map_err(db_error)?;
				expiries
					.insert(expiry_key(request.expires, id).as_slice(), ())
					.map_err(db_error)?;
			}
			tx.commit().map_err(db_error)
		})
	}

	/// The request `id`, if it is kept.
	fn get(&self, id: &str) -> Result<Option<PresentationRequest>, WorkerError> {
		let tx = self.db.begin_read().map_err(db_error)?;
		// No table: no request was ever made here.
		let Some(requests) = read_table(&tx, REQUESTS)? else { return Ok(None) };
		let found = requests.get(id).map_err(db_error)?;
		found.map(|bytes| decode(bytes.value(), RECORD)).transpose().map_err(WorkerError::from)
	}

	/// Changes the request `id` by `change`, in one transaction: what two responses read and
	/// write does not interleave.
	fn update<T, E: From<WorkerError>>(
		&self,
		id: &str,
		change: impl FnOnce(&mut PresentationRequest) -> Result<T, E>,
	) -> Result<T, E> {
		blocking_write(|| {
			let tx = self.db.begin_write().map_err(db_error)?;
			let changed = {
				let mut requests = tx.open_table(REQUESTS).map_err(db_error)?;
				let mut request = match requests.get(id).map_err(db_error)? {
					Some(bytes) => decode(bytes.value(), RECORD).map_err(WorkerError::from)?,
					None => {
						return Err(WorkerError::NotFound(format!(
							"no presentation request `{id}`"
						))
						.into())
					},
				};
				let changed = change(&mut request)?;
				requests.insert(id, encode(&request).as_slice()).map_err(db_error)?;
				changed
			};
			tx.commit().map_err(db_error)?;
			Ok(changed)
		})
	}
}

/// Makes a presentation request for claims of a CPT's SD-JWT VCs (`read`): the Authorization
/// Request to give a wallet, by value and as an `openid4vp://` link.
#[utoipa::path(post, path = "/v1/oid4vp/requests", request_body = NewPresentationRequest, security(("bearer" = [])),
	responses((status = 201, body = CreatedPresentationRequest), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
		(status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn create_request(
	State(worker): State<Arc<Worker>>,
	token: Authorized<Read>,
	bytes: Bytes,
) -> Result<(StatusCode, Json<CreatedPresentationRequest>), WorkerError> {
	let request: NewPresentationRequest = body(&bytes)?;
	Ok((StatusCode::CREATED, Json(PresentationRequest::open(&worker, &token, request).await?)))
}

/// Where a presentation request stands, and once answered the verification, the disclosed
/// claims, the holder and the issuer (`read`; the token's account made the request, or the
/// token is an admin's).
#[utoipa::path(get, path = "/v1/oid4vp/requests/{id}", security(("bearer" = [])),
	params(("id" = String, Path, description = "The request's id")),
	responses((status = 200, body = PresentationRequestStatus), (status = 401, body = ErrorBody),
		(status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn request_status(
	State(worker): State<Arc<Worker>>,
	token: Authorized<Read>,
	Path(id): Path<String>,
) -> Result<Json<PresentationRequestStatus>, WorkerError> {
	let request = RequestStore::new(worker.store.database())
		.get(&id)?
		.ok_or_else(|| WorkerError::NotFound(format!("no presentation request `{id}`")))?;
	if !request.readable_by(&token) {
		return Err(WorkerError::Forbidden(
			"the presentation request was made with another account's token".into(),
		));
	}
	Ok(Json(request.status(now_secs())))
}

/// The response endpoint of a presentation request (public: the wallet posts its response
/// here, `direct_post`): 200 `{}` when the presentation passed every check; an OAuth error
/// otherwise.
#[utoipa::path(post, path = "/v1/oid4vp/responses/{id}",
	params(("id" = String, Path, description = "The request's id")),
	request_body(content = AuthorizationResponse, content_type = "application/x-www-form-urlencoded"),
	responses((status = 200, body = Object), (status = 400, body = OauthErrorBody), (status = 503, body = OauthErrorBody)))]
async fn respond(
	State(worker): State<Arc<Worker>>,
	Path(id): Path<String>,
	bytes: Bytes,
) -> Response {
	let answered = match AuthorizationResponse::parse(&bytes) {
		Ok(response) => response.answer(&worker, &id).await,
		Err(refusal) => Err(refusal),
	};
	match answered {
		Ok(()) => ([(header::CACHE_CONTROL, "no-store")], Json(json!({}))).into_response(),
		Err(refusal) => refusal.into_response(),
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::sd_jwt::testing;

	const RESPONSE_URI: &str = "http://127.0.0.1:8080/v1/oid4vp/responses/00ff";

	fn request(claims: &[&str]) -> PresentationRequest {
		PresentationRequest {
			account: Some("did:teeid:5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY".into()),
			cpt: 2_000_000,
			claims: claims.iter().map(|c| c.to_string()).collect(),
			response_uri: RESPONSE_URI.into(),
			nonce: "bm9uY2U".into(),
			state: "c3RhdGU".into(),
			expires: 1_000,
			progress: Progress::Open,
		}
	}

	fn token(account: Option<&str>, permission: Permission) -> TokenRecord {
		TokenRecord {
			permissions: vec![permission],
			account: account.map(str::to_owned),
			label: "t".into(),
			created: 0,
		}
	}

	fn invalid(refusal: Refusal) -> String {
		match refusal {
			Refusal::InvalidRequest(why) => why,
			other => panic!("{other:?}"),
		}
	}

	#[test]
	fn the_authorization_request_asks_for_the_claims_by_dcql_works() {
		let authorization = request(&["name", "degree"]).authorization_request();
		let expected = json!({
			"response_type": "vp_token",
			"client_id": format!("redirect_uri:{RESPONSE_URI}"),
			"response_mode": "direct_post",
			"response_uri": RESPONSE_URI,
			"nonce": "bm9uY2U",
			"state": "c3RhdGU",
			"dcql_query": { "credentials": [{
				"id": "teeid",
				"format": "dc+sd-jwt",
				"meta": { "vct_values": ["urn:teeid:cpt:2000000"] },
				"claims": [{ "path": ["name"] }, { "path": ["degree"] }],
			}] },
			"client_metadata": { "vp_formats_supported": { "dc+sd-jwt": {
				"sd-jwt_alg_values": ["EdDSA"],
				"kb-jwt_alg_values": ["EdDSA", "ES256"],
			} } },
		});
		assert_eq!(serde_json::to_value(&authorization).unwrap(), expected);
		// Without claims, DCQL's `claims` (a non-empty array) is left out.
		let bare = request(&[]).dcql_query();
		assert!(bare["credentials"][0].get("claims").is_none());
	}

	#[test]
	fn the_link_carries_every_parameter_objects_as_json_works() {
		let authorization = request(&["given name"]).authorization_request();
		let link = authorization.link();
		let query = link.strip_prefix("openid4vp://?").unwrap();
		let params: Map<String, Value> = form_urlencoded::parse(query.as_bytes())
			.map(|(name, value)| {
				let value = match name.as_ref() {
					"dcql_query" | "client_metadata" => serde_json::from_str(&value).unwrap(),
					_ => Value::String(value.into_owned()),
				};
				(name.into_owned(), value)
			})
			.collect();
		assert_eq!(Value::Object(params), serde_json::to_value(&authorization).unwrap());
	}

	#[test]
	fn claim_names_are_checked_fails() {
		let names = |names: &[&str]| {
			check_claim_names(&names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
		};
		assert!(names(&["name", "degree"]).is_ok());
		assert!(names(&[]).is_ok());
		for reserved in ["iss", "cnf", "_sd", "_private", "@context", "...", "id", ""] {
			assert!(names(&[reserved]).is_err(), "{reserved}");
		}
		assert!(names(&["name", "name"]).is_err());
		let long = "n".repeat(MAX_CLAIM_NAME_BYTES + 1);
		assert!(names(&[long.as_str()]).is_err());
		let many: Vec<String> = (0..=MAX_QUERY_CLAIMS).map(|i| format!("c{i}")).collect();
		assert!(check_claim_names(&many).is_err());
	}

	#[test]
	fn a_response_form_is_read_works() {
		let token = r#"{"teeid":["a.b.c~d~e.f.g"]}"#;
		let form = form_urlencoded::Serializer::new(String::new())
			.append_pair("vp_token", token)
			.append_pair("state", "c3RhdGU")
			.append_pair("presentation_submission", "ignored")
			.finish();
		let response = AuthorizationResponse::parse(form.as_bytes()).unwrap();
		assert_eq!(response.vp_token, token);
		assert_eq!(response.state.as_deref(), Some("c3RhdGU"));
		assert_eq!(response.presentation().unwrap(), "a.b.c~d~e.f.g");
		// A single string instead of the array is read too.
		let single = AuthorizationResponse { vp_token: r#"{"teeid":"x~"}"#.into(), state: None };
		assert_eq!(single.presentation().unwrap(), "x~");
	}

	#[test]
	fn malformed_response_forms_are_refused_fails() {
		let twice = b"vp_token=a&vp_token=b&state=s";
		assert!(invalid(AuthorizationResponse::parse(twice).unwrap_err()).contains("twice"));
		let missing = b"state=s";
		assert!(invalid(AuthorizationResponse::parse(missing).unwrap_err()).contains("vp_token"));
		let huge = vec![b'a'; MAX_RESPONSE_BYTES + 1];
		assert!(AuthorizationResponse::parse(&huge).is_err());
		let presentation = |vp_token: &str| {
			let response = AuthorizationResponse { vp_token: vp_token.into(), state: None };
			invalid(response.presentation().unwrap_err())
		};
		assert!(presentation("not json").contains("not a JSON object"));
		assert!(presentation(r#"["x~"]"#).contains("not a JSON object"));
		assert!(presentation(r#"{"other":["x~"]}"#).contains("`other`"));
		assert!(presentation(r#"{"teeid":["x~","y~"]}"#).contains("other than one"));
		assert!(presentation(r#"{"teeid":[]}"#).contains("other than one"));
		assert!(presentation(r#"{"teeid":[{"a":1}]}"#).contains("other than one"));
		assert!(presentation(r#"{}"#).contains("other than one"));
	}

	#[test]
	fn a_request_takes_one_response_fails() {
		let mut open = request(&["name"]);
		let wrong_state = invalid(open.reserve(Some("other"), 10).unwrap_err());
		assert!(wrong_state.contains("`state`"), "{wrong_state}");
		assert!(invalid(open.reserve(None, 10).unwrap_err()).contains("`state`"));
		// Refused reservations leave it open.
		let reserved = open.reserve(Some("c3RhdGU"), 10).unwrap();
		assert!(matches!(reserved.progress, Progress::Open));
		assert!(matches!(open.progress, Progress::Answering));
		let again = invalid(open.reserve(Some("c3RhdGU"), 10).unwrap_err());
		assert!(again.contains("answered already"), "{again}");
		let mut late = request(&["name"]);
		assert!(invalid(late.reserve(Some("c3RhdGU"), 1_001).unwrap_err()).contains("expired"));
	}

	#[test]
	fn the_outcome_is_read_by_its_creator_or_an_admin_works() {
		let made = request(&["name"]);
		let creator = "did:teeid:5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
		let other = "did:teeid:5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy";
		assert!(made.readable_by(&token(Some(creator), Permission::Read)));
		assert!(!made.readable_by(&token(Some(other), Permission::Read)));
		assert!(!made.readable_by(&token(None, Permission::Read)));
		assert!(made.readable_by(&token(None, Permission::Admin)));
		let anonymous = PresentationRequest { account: None, ..request(&[]) };
		assert!(anonymous.readable_by(&token(None, Permission::Read)));
		assert!(!anonymous.readable_by(&token(Some(creator), Permission::Read)));
	}

	#[test]
	fn the_status_follows_the_progress_works() {
		let mut stored = request(&["name"]);
		assert_eq!(stored.status(10).status, RequestStatus::Pending);
		assert_eq!(stored.status(1_001).status, RequestStatus::Expired);
		let check = Check { check: "proof".into(), ok: true, detail: "signed".into() };
		let mut claims = Map::new();
		claims.insert("name".into(), json!("Alice"));
		stored.progress = Progress::Answered(Outcome {
			verification: Verification::new(vec![check]),
			claims: Some(claims),
			holder: Some("did:jwk:x".into()),
			issuer: Some(testing::ISSUER.into()),
		});
		// Answered stays readable after expiry.
		let status = stored.status(5_000);
		assert_eq!(status.status, RequestStatus::Verified);
		let shown = serde_json::to_value(&status).unwrap();
		assert_eq!(shown["status"], "verified");
		assert_eq!(shown["claims"]["name"], "Alice");
		assert_eq!(shown["issuer"], testing::ISSUER);
		let pending = serde_json::to_value(request(&[]).status(0)).unwrap();
		assert_eq!(pending, json!({ "status": "pending" }));
	}

	#[test]
	fn failed_checks_are_named_to_the_wallet_fails() {
		let checks = vec![
			Check { check: "proof".into(), ok: true, detail: "signed".into() },
			Check { check: "key binding".into(), ok: false, detail: "wrong nonce".into() },
			Check { check: "query".into(), ok: false, detail: "it does not disclose name".into() },
		];
		let verification = Verification::new(checks);
		let outcome = Outcome { verification, claims: None, holder: None, issuer: None };
		let Some(Refusal::AccessDenied(why)) = outcome.refusal() else { panic!("not denied") };
		let named = "key binding: wrong nonce; query: it does not disclose name";
		assert!(why.contains(named), "{why}");
		let unreadable = Outcome::unreadable("malformed SD-JWT: no `~`".into());
		assert!(invalid(unreadable.refusal().unwrap()).contains("no `~`"));
	}

	#[test]
	fn the_query_check_wants_the_vct_and_every_claim_works() {
		let disclosures = [
			testing::disclosure("c2FsdDE", "name", json!("Alice")),
			testing::disclosure("c2FsdDI", "degree", json!("MSc")),
		];
		let members = testing::members(&testing::holder_key());
		let issued = testing::issue(&testing::tee_key(), members, &disclosures);
		let rule = KeyBindingRule { required: false, audience: None, nonce: None, now: 0 };
		let read = verify::read_sd_jwt(&issued, &rule).unwrap();
		assert!(request(&["name", "degree"]).query_check(&read).ok);
		let missing = request(&["name", "year"]).query_check(&read);
		assert!(!missing.ok);
		assert!(missing.detail.contains("does not disclose year"), "{}", missing.detail);
		let other_cpt = PresentationRequest { cpt: 7, ..request(&["name"]) };
		let wrong = other_cpt.query_check(&read);
		assert!(!wrong.ok && wrong.detail.contains("urn:teeid:cpt:7"), "{}", wrong.detail);
	}

	#[test]
	fn requests_are_stored_reserved_once_and_pruned_works() {
		let dir = tempfile::tempdir().unwrap();
		let db = Database::create(dir.path().join("w.redb")).unwrap();
		let store = RequestStore::new(&db);
		// Before any request, reading finds none (no table yet).
		assert!(store.get("00").unwrap().is_none());
		store.insert("aa", &request(&["name"]), 10).unwrap();
		assert_eq!(store.get("aa").unwrap().unwrap().claims, ["name"]);
		let reserve = |now| store.update("aa", |stored| stored.reserve(Some("c3RhdGU"), now));
		assert!(reserve(10).is_ok());
		assert!(invalid(reserve(10).unwrap_err()).contains("answered already"));
		assert!(matches!(store.get("aa").unwrap().unwrap().progress, Progress::Answering));
		let unknown = store.update("bb", |stored| stored.reserve(None, 10));
		assert!(invalid(unknown.unwrap_err()).contains("no presentation request"));
		// Kept for a day after it expired (at 1,000), then pruned by the next insertion.
		store.insert("cc", &request(&[]), 1_000 + RESULT_RETENTION_SECS).unwrap();
		assert!(store.get("aa").unwrap().is_some());
		store.insert("dd", &request(&[]), 1_001 + RESULT_RETENTION_SECS).unwrap();
		assert!(store.get("aa").unwrap().is_none());
		assert!(store.get("cc").unwrap().is_none());
		assert!(store.get("dd").unwrap().is_some());
		assert_eq!(split_expiry_key(&expiry_key(1_000, "dd")), Some((1_000, "dd")));
	}
}
