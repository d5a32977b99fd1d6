//! OpenID for Verifiable Credential Issuance 1.0, pre-authorized code flow: the worker is the
//! credential issuer and its own authorization server, identified by its public URL.
//!
//! 1. An issuer (a `sign` token) makes an offer, `POST /v1/oid4vci/offers`: the same checks as
//!    issuance itself ([`issue::check_offer`]) run now, and again when each credential is
//!    issued. The offer lives at a URL (`credential_offer_uri`) given to the holder as a link or
//!    a QR code, optionally with a 6-digit transaction code sent another way.
//! 2. The wallet reads the offer and the metadata (`/.well-known/openid-credential-issuer`,
//!    `/.well-known/oauth-authorization-server`) and trades the pre-authorized code (and the
//!    transaction code) for an access token at the token endpoint, once.
//! 3. It gets a `c_nonce` from the nonce endpoint, signs a key proof JWT over it with its key,
//!    and asks the credential endpoint for each offered configuration (a CPT in a format),
//!    once each. The holder is the DID of the proof's key; an SD-JWT VC binds the key itself.
//!
//! Secrets are stored only as hashes: an offer is stored under SHA-256 of its id (the id is the
//! capability to read the offer, and the pre-authorized code is derived from it), the code and
//! the access token under their SHA-256, a transaction code as an HMAC under the worker's
//! OpenID secret (compared in constant time). Nonces are stateless (an HMAC over their expiry
//! and randomness) until one is used: used nonces are recorded until they expire. Offers
//! expire; an expired offer is removed when touched, and each new offer sweeps a few others.
//! Every change that decides something (redeeming a code, counting a wrong transaction code,
//! reserving a configuration with its nonce) is one redb transaction, so of two requests that
//! race, one wins.

use axum::{
	body::{Body, Bytes},
	extract::{Path, State},
	http::{header, HeaderMap, HeaderValue, StatusCode},
	response::{IntoResponse, Response},
	routing::{get, post},
	Json, Router,
};
use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use redb::{
	Database, ReadOnlyTable, ReadableDatabase, ReadableTable, Table, TableDefinition, TableError,
	WriteTransaction,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, value::RawValue, Map, Value};
use sha2::{Digest, Sha256};
use std::{collections::BTreeMap, fmt, sync::Arc};
use teeid_ta_protocol::credential::{is_timestamp, CredentialFormat, CONTEXT_V2};

use crate::{
	api::body as json_body,
	chain::Cpt,
	error::{ErrorBody, WorkerError},
	issue::{self, Issuance, IssuanceClaims, SealedClaims, DC_SD_JWT, LDP_VC},
	jose::{self, HolderKey, JoseError, Jwt},
	store::{blocking_write, decode, encode, StoreError},
	tokens::{self, Authorized, Sign, TokenRecord},
	worker::Worker,
};

type Shared = State<Arc<Worker>>;

/// The grant type of the pre-authorized code flow.
pub const PRE_AUTHORIZED_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";

/// The `typ` of an OpenID4VCI key proof JWT.
pub const PROOF_JWT_TYP: &str = "openid4vci-proof+jwt";

/// The algorithms a key proof may be signed with.
pub const PROOF_ALGS: [&str; 2] = ["EdDSA", "ES256"];

/// How long an offer lives when its request does not say, in seconds.
pub const OFFER_SECONDS_DEFAULT: u64 = 600;
/// The shortest lifetime an offer request may ask for, in seconds.
pub const OFFER_SECONDS_MIN: u64 = 60;
/// The longest lifetime an offer request may ask for, in seconds (a day).
pub const OFFER_SECONDS_MAX: u64 = 86_400;
/// How long an access token lives, in seconds.
pub const ACCESS_TOKEN_SECONDS: u64 = 300;
/// How long a `c_nonce` lives, in seconds.
pub const NONCE_SECONDS: u64 = 300;
/// How old a key proof's `iat` may be, in seconds.
pub const PROOF_MAX_AGE_SECONDS: u64 = 300;
/// How far ahead of the worker's clock a key proof's `iat` may be, in seconds.
pub const PROOF_MAX_AHEAD_SECONDS: u64 = 60;
/// How many wrong transaction codes void an offer.
pub const TX_CODE_TRIES: u8 = 3;
/// The digits of a transaction code.
pub const TX_CODE_DIGITS: usize = 6;

/// The largest offer request body, in bytes: claims within the TA's 64 KiB, or sealed claims
/// (hex, twice that), with room for the other members.
pub const MAX_OFFER_REQUEST_BYTES: usize = 256 * 1024;
/// The largest token request body, in bytes.
pub const MAX_TOKEN_REQUEST_BYTES: usize = 4 * 1024;
/// The largest credential request body, in bytes: one key proof JWT and a few members.
pub const MAX_CREDENTIAL_REQUEST_BYTES: usize = jose::MAX_JWT_BYTES + 4 * 1024;

/// The most parameters a token request has (the grant's, a `client_id`, a `resource`...).
const MAX_FORM_PARAMETERS: usize = 16;
/// The longest code, access token or nonce a request may send: longer ones are none of ours.
const MAX_SECRET_CHARS: usize = 128;
/// The longest transaction code a request may send.
const MAX_TX_CODE_CHARS: usize = 32;
/// The longest credential configuration id read.
const MAX_CONFIGURATION_ID_CHARS: usize = 64;
/// The most claim names the metadata lists for a CPT (the TA's limit of claims).
const MAX_LISTED_CLAIMS: usize = 256;
/// How many expired offers (or used nonces) one change removes on the side.
const SWEEP_LIMIT: usize = 32;

/// What the offer's `tx_code` object tells the wallet to ask its user.
const TX_CODE_DESCRIPTION: &str =
	"The 6-digit code the issuer gave you with this offer (by another channel than the offer)";
/// The issuer's name in the metadata's `display`.
const ISSUER_DISPLAY_NAME: &str = "teeid";

// The HMAC domains of what the worker derives from its secrets.
const CODE_DOMAIN: &str = "teeid/oid4vci/pre-authorized_code/v1";
const TX_CODE_DOMAIN: &str = "teeid/oid4vci/tx_code/v1";
const NONCE_DOMAIN: &str = "teeid/oid4vci/c_nonce/v1";

/// SHA-256 of an offer id -> [`OfferRecord`] (JSON).
const OFFERS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("oid4vci_offers");
/// SHA-256 of a pre-authorized code -> the offer's key, until the code is redeemed.
const CODES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("oid4vci_codes");
/// SHA-256 of an access token -> the offer's key.
const ACCESS_TOKENS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("oid4vci_access_tokens");
/// An offer's expiry (u64 big-endian) and key: offers in the order they expire, for the sweep.
const OFFER_EXPIRY: TableDefinition<&[u8], ()> = TableDefinition::new("oid4vci_offer_expiry");
/// Used nonces, by their first 24 bytes (expiry big-endian and randomness), so in the order
/// they expire, for pruning.
const USED_NONCES: TableDefinition<&[u8], ()> = TableDefinition::new("oid4vci_used_nonces");
/// CPT id -> [`OfferedCpt`] (JSON): every CPT an offer was made for, listed in the metadata.
const CPTS: TableDefinition<u32, &[u8]> = TableDefinition::new("oid4vci_cpts");
/// The worker's OpenID secret, and whatever else it keeps for itself.
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("oid4vci_meta");

/// The key of the worker's OpenID secret (32 random bytes: the nonce and transaction code
/// HMAC key), made on first use.
const SECRET: &str = "secret";

// The OAuth 2.0 (RFC 6749, 6750, 8707) and OpenID4VCI 1.0 error codes the worker answers with.
/// The request is malformed.
pub const INVALID_REQUEST: &str = "invalid_request";
/// The pre-authorized code or transaction code is wrong, expired or used.
pub const INVALID_GRANT: &str = "invalid_grant";
/// A grant type other than the pre-authorized code.
pub const UNSUPPORTED_GRANT_TYPE: &str = "unsupported_grant_type";
/// A `resource` other than this credential issuer.
pub const INVALID_TARGET: &str = "invalid_target";
/// The access token is missing, unknown or expired (401).
pub const INVALID_TOKEN: &str = "invalid_token";
/// The credential request is malformed, or asks again for what was issued.
pub const INVALID_CREDENTIAL_REQUEST: &str = "invalid_credential_request";
/// The credential configuration is not one the access token's offer names.
pub const UNKNOWN_CREDENTIAL_CONFIGURATION: &str = "unknown_credential_configuration";
/// A `credential_identifier`: this issuer hands none out.
pub const UNKNOWN_CREDENTIAL_IDENTIFIER: &str = "unknown_credential_identifier";
/// The key proof is missing or does not verify.
pub const INVALID_PROOF: &str = "invalid_proof";
/// The key proof's `c_nonce` is missing, unknown, expired or used: get a new one.
pub const INVALID_NONCE: &str = "invalid_nonce";
/// Credential response encryption was asked for: this issuer does not encrypt.
pub const INVALID_ENCRYPTION_PARAMETERS: &str = "invalid_encryption_parameters";
/// The issuance was refused (the issuer's DID, binding or CPT no longer allow it).
pub const CREDENTIAL_REQUEST_DENIED: &str = "credential_request_denied";
/// The presentation was refused (OpenID4VP).
pub const ACCESS_DENIED: &str = "access_denied";
/// The worker failed (500).
pub const SERVER_ERROR: &str = "server_error";
/// The chain or the TEE cannot be reached now (503).
pub const TEMPORARILY_UNAVAILABLE: &str = "temporarily_unavailable";

/// The error of an OAuth or OpenID route: `{"error": <code>, "error_description": <words>}`,
/// 400 unless said otherwise (401 with `WWW-Authenticate` for access tokens), never cached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OauthError {
	/// The HTTP status.
	pub status: StatusCode,
	/// The error code (`invalid_grant`, `invalid_proof`, ...).
	pub error: &'static str,
	/// What went wrong, for people.
	pub description: String,
}

impl OauthError {
	/// A 400 with `error` and `description`.
	pub fn new(error: &'static str, description: impl Into<String>) -> OauthError {
		OauthError { status: StatusCode::BAD_REQUEST, error, description: description.into() }
	}

	/// A 401 `invalid_token`: no, an unknown or an expired access token.
	pub fn invalid_token(description: impl Into<String>) -> OauthError {
		OauthError::new(INVALID_TOKEN, description).with_status(StatusCode::UNAUTHORIZED)
	}

	/// The same error with another status.
	pub fn with_status(self, status: StatusCode) -> OauthError {
		OauthError { status, ..self }
	}
}

impl fmt::Display for OauthError {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		write!(f, "{}: {}", self.error, self.description)
	}
}

/// The body of an OAuth error response.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OauthErrorBody {
	/// The error code.
	pub error: String,
	/// What went wrong, for people.
	pub error_description: String,
}

impl IntoResponse for OauthError {
	fn into_response(self) -> Response {
		let unauthorized = self.status == StatusCode::UNAUTHORIZED;
		let body = OauthErrorBody {
			error: self.error.into(),
			error_description: description_text(&self.description),
		};
		let mut response =
			(self.status, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response();
		if unauthorized {
			response.headers_mut().insert(
				header::WWW_AUTHENTICATE,
				HeaderValue::from_static("Bearer error=\"invalid_token\""),
			);
		}
		response
	}
}

/// `text` in the characters RFC 6749 (section 5.2) allows in `error_description`: printable
/// ASCII but `"` and `\` (a DID, a claim name or a parser's message may hold others).
fn description_text(text: &str) -> String {
	text.chars()
		.map(|c| match c {
			'"' => '\'',
			'\\' => '/',
			' '..='~' => c,
			_ => '?',
		})
		.collect()
}

impl From<WorkerError> for OauthError {
	/// An issuance (or storage) failure, in OAuth terms: refusals of the issuance itself are
	/// `credential_request_denied`; an unreachable chain or TEE a 503.
	fn from(error: WorkerError) -> Self {
		let description = error.to_string();
		match error {
			WorkerError::BadRequest(_) => OauthError::new(INVALID_REQUEST, description),
			WorkerError::Unauthorized(_) => OauthError::invalid_token(description),
			WorkerError::Forbidden(_)
			| WorkerError::NotFound(_)
			| WorkerError::Conflict(_)
			| WorkerError::Unprocessable(_) => OauthError::new(CREDENTIAL_REQUEST_DENIED, description),
			WorkerError::Unavailable(_) | WorkerError::Busy(_) => {
				OauthError::new(TEMPORARILY_UNAVAILABLE, description)
					.with_status(StatusCode::SERVICE_UNAVAILABLE)
			},
			WorkerError::Internal(_) => {
				// The details are for the operator's log, not for wallets.
				tracing::error!("{description}");
				OauthError::new(SERVER_ERROR, "the issuer failed; its operator has the details")
					.with_status(StatusCode::INTERNAL_SERVER_ERROR)
			},
		}
	}
}

impl From<StoreError> for OauthError {
	fn from(error: StoreError) -> Self {
		WorkerError::from(error).into()
	}
}

/// The OpenID4VCI routes.
pub fn router() -> Router<Arc<Worker>> {
	Router::new()
		.route("/.well-known/openid-credential-issuer", get(issuer_metadata))
		.route("/.well-known/oauth-authorization-server", get(authorization_server_metadata))
		.route("/v1/oid4vci/offers", post(create_offer))
		.route("/v1/oid4vci/offers/{offerId}", get(credential_offer))
		.route("/v1/oid4vci/offers/{offerId}/qr.svg", get(offer_qr))
		.route("/v1/oid4vci/token", post(token))
		.route("/v1/oid4vci/nonce", post(nonce))
		.route("/v1/oid4vci/credential", post(credential))
}

/// The OpenAPI document of the OpenID4VCI routes.
#[derive(utoipa::OpenApi)]
#[openapi(
	paths(
		create_offer,
		credential_offer,
		offer_qr,
		issuer_metadata,
		authorization_server_metadata,
		token,
		nonce,
		credential
	),
	components(schemas(
		OfferRequest,
		CreatedOffer,
		SealedClaims,
		TokenRequestForm,
		TokenResponse,
		NonceResponse,
		CredentialRequest,
		CredentialResponse,
		CredentialEntry,
		OauthErrorBody
	))
)]
pub struct ApiDoc;

/// The time now, seconds since the Unix epoch.
fn now_seconds() -> u64 {
	u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0)
}

/// `seconds` since the Unix epoch as RFC 3339.
fn rfc3339_seconds(seconds: u64) -> String {
	issue::rfc3339(i64::try_from(seconds.saturating_mul(1000)).unwrap_or(i64::MAX))
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
	Sha256::digest(bytes).into()
}

fn random<const N: usize>() -> [u8; N] {
	let mut bytes = [0u8; N];
	OsRng.fill_bytes(&mut bytes);
	bytes
}

/// HMAC-SHA256 under `key` of `domain` and `parts`, ready to finalize or verify.
fn keyed(key: &[u8], domain: &str, parts: &[&[u8]]) -> Hmac<Sha256> {
	let mut mac =
		<Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
	mac.update(domain.as_bytes());
	for part in parts {
		mac.update(part);
	}
	mac
}

fn storage(error: impl Into<redb::Error>) -> StoreError {
	StoreError::Database(error.into())
}

/// A response that no cache keeps (codes, tokens, nonces, credentials).
fn no_store(body: impl IntoResponse) -> Response {
	([(header::CACHE_CONTROL, "no-store"), (header::PRAGMA, "no-cache")], body).into_response()
}

/// The credential configuration id of CPT `cpt` in `format`: `cpt-<n>-sd-jwt` or
/// `cpt-<n>-ldp-vc`.
pub fn configuration_id(cpt: u32, format: CredentialFormat) -> String {
	match format {
		CredentialFormat::SdJwtVc => format!("cpt-{cpt}-sd-jwt"),
		CredentialFormat::W3cVc => format!("cpt-{cpt}-ldp-vc"),
	}
}

/// The CPT and format a credential configuration id names, if it is one this worker writes.
pub fn parse_configuration_id(id: &str) -> Option<(u32, CredentialFormat)> {
	let rest = id.strip_prefix("cpt-")?;
	let (cpt, format) = match rest.strip_suffix("-sd-jwt") {
		Some(cpt) => (cpt, CredentialFormat::SdJwtVc),
		None => (rest.strip_suffix("-ldp-vc")?, CredentialFormat::W3cVc),
	};
	let cpt = cpt.parse().ok()?;
	(configuration_id(cpt, format) == id).then_some((cpt, format))
}

/// The 16 bytes of an offer id: 32 lowercase hex digits.
fn parse_offer_id(offer_id: &str) -> Option<[u8; 16]> {
	let lowercase = offer_id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
	if offer_id.len() != 32 || !lowercase {
		return None;
	}
	hex::decode(offer_id).ok()?.try_into().ok()
}

/// The key an offer is stored under: SHA-256 of its id, which is the capability to read it.
fn offer_key(offer_id: &str) -> [u8; 32] {
	sha256(offer_id.as_bytes())
}

/// An offer's pre-authorized code, derived from its id (HMAC keyed by the id's 16 random
/// bytes), so that the offer's URL can serve it while the database holds neither.
fn pre_authorized_code(offer_id: &[u8; 16]) -> String {
	jose::b64u(&keyed(offer_id, CODE_DOMAIN, &[]).finalize().into_bytes())
}

/// The URL of an offer: `credential_offer_uri`.
fn credential_offer_uri(public_url: &str, offer_id: &str) -> String {
	format!("{public_url}/v1/oid4vci/offers/{offer_id}")
}

/// The link a wallet opens: `openid-credential-offer://?credential_offer_uri=<the offer's URL>`.
fn offer_link(credential_offer_uri: &str) -> String {
	let encoded: String =
		form_urlencoded::byte_serialize(credential_offer_uri.as_bytes()).collect();
	format!("openid-credential-offer://?credential_offer_uri={encoded}")
}

/// A QR code of `text`, as SVG.
fn qr_svg(text: &str) -> Result<String, WorkerError> {
	let code = qrcode::QrCode::new(text.as_bytes())
		.map_err(|e| WorkerError::Internal(format!("the offer's QR code: {e:?}")))?;
	Ok(code.render::<qrcode::render::svg::Color>().min_dimensions(256, 256).build())
}

/// A fresh transaction code: six decimal digits, each code equally likely.
fn fresh_tx_code() -> String {
	// Below the largest multiple of 10^6 under 2^32, `n % 10^6` is uniform.
	const LIMIT: u32 = u32::MAX - u32::MAX % 1_000_000;
	loop {
		let n = OsRng.next_u32();
		if n < LIMIT {
			return format!("{:06}", n % 1_000_000);
		}
	}
}

/// The HMAC of a transaction code, bound to its offer.
fn tx_code_mac(secret: &[u8; 32], offer_key: &[u8; 32], tx_code: &str) -> Hmac<Sha256> {
	keyed(secret, TX_CODE_DOMAIN, &[&offer_key[..], tx_code.as_bytes()])
}

/// A CPT as the metadata lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct OfferedCpt {
	/// Its title, for `display`.
	title: String,
	/// Its top-level claim names (the schema's `properties`), for `claims`.
	claims: Vec<String>,
}

impl OfferedCpt {
	fn of(cpt: &Cpt) -> OfferedCpt {
		let schema: Value = serde_json::from_slice(&cpt.schema).unwrap_or(Value::Null);
		let claims = schema
			.get("properties")
			.and_then(Value::as_object)
			.map(|properties| properties.keys().take(MAX_LISTED_CLAIMS).cloned().collect())
			.unwrap_or_default();
		OfferedCpt { title: cpt.title.clone(), claims }
	}
}

/// The credential issuer metadata: every CPT an offer was made for, in both formats.
fn issuer_metadata_document(public_url: &str, cpts: &[(u32, OfferedCpt)]) -> Value {
	let mut configurations = Map::new();
	for (cpt, offered) in cpts {
		for format in [CredentialFormat::SdJwtVc, CredentialFormat::W3cVc] {
			configurations.insert(
				configuration_id(*cpt, format),
				configuration_metadata(*cpt, format, offered),
			);
		}
	}
	json!({
		"credential_issuer": public_url,
		"credential_endpoint": format!("{public_url}/v1/oid4vci/credential"),
		"nonce_endpoint": format!("{public_url}/v1/oid4vci/nonce"),
		"display": [{ "name": ISSUER_DISPLAY_NAME, "locale": "en" }],
		"credential_configurations_supported": configurations,
	})
}

/// One credential configuration of the metadata.
fn configuration_metadata(cpt: u32, format: CredentialFormat, offered: &OfferedCpt) -> Value {
	let name = if offered.title.is_empty() { format!("CPT {cpt}") } else { offered.title.clone() };
	let proof_types = json!({ "jwt": { "proof_signing_alg_values_supported": PROOF_ALGS } });
	// SD-JWT VC claims are top-level members; a W3C VC's are in `credentialSubject`.
	let claim_path = |name: &String| match format {
		CredentialFormat::SdJwtVc => json!({ "path": [name] }),
		CredentialFormat::W3cVc => json!({ "path": ["credentialSubject", name] }),
	};
	let credential_metadata = json!({
		"display": [{ "name": name }],
		"claims": offered.claims.iter().map(claim_path).collect::<Vec<_>>(),
	});
	match format {
		CredentialFormat::SdJwtVc => json!({
			"format": DC_SD_JWT,
			"vct": issue::schema_id(cpt),
			"cryptographic_binding_methods_supported": ["jwk", "did:key", "did:jwk", "did:teeid"],
			"credential_signing_alg_values_supported": ["EdDSA"],
			"proof_types_supported": proof_types,
			"credential_metadata": credential_metadata,
		}),
		CredentialFormat::W3cVc => json!({
			"format": LDP_VC,
			"credential_definition": {
				"@context": [CONTEXT_V2],
				"type": ["VerifiableCredential"],
			},
			"cryptographic_binding_methods_supported": ["did:key", "did:jwk", "did:teeid"],
			"credential_signing_alg_values_supported": ["eddsa-jcs-2022"],
			"proof_types_supported": proof_types,
			"credential_metadata": credential_metadata,
		}),
	}
}

/// Where a configuration of an offer is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
enum ConfigurationState {
	/// Not issued yet.
	Offered,
	/// A credential request is issuing it now.
	Reserved,
	/// Issued, as the credential with this id.
	Issued {
		/// The credential's id.
		credential_id: String,
	},
}

/// A configuration of an offer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OfferedConfiguration {
	/// Its id (`cpt-<n>-sd-jwt`, `cpt-<n>-ldp-vc`).
	id: String,
	/// Whether it was issued.
	state: ConfigurationState,
}

/// An offer's transaction code, as stored: its HMAC, and the wrong codes tried.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TxCodeCheck {
	/// HMAC-SHA256 of the code under the worker's secret, bound to the offer, hex.
	mac: String,
	/// How many wrong codes were sent.
	wrong_tries: u8,
}

impl TxCodeCheck {
	fn new(secret: &[u8; 32], offer_key: &[u8; 32], tx_code: &str) -> TxCodeCheck {
		let mac = tx_code_mac(secret, offer_key, tx_code).finalize().into_bytes();
		TxCodeCheck { mac: hex::encode(mac), wrong_tries: 0 }
	}

	/// Whether `given` is the code, compared in constant time.
	fn admits(&self, secret: &[u8; 32], offer_key: &[u8; 32], given: &str) -> bool {
		let Ok(expected) = hex::decode(&self.mac) else { return false };
		tx_code_mac(secret, offer_key, given).verify_slice(&expected).is_ok()
	}
}

/// The access token an offer's code was traded for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccessGrant {
	/// SHA-256 of the token.
	token_hash: [u8; 32],
	/// When it expires, seconds since the Unix epoch.
	expires_at: u64,
}

/// What an offer will issue, as its request gave it.
#[derive(Clone, Debug)]
struct OfferTerms {
	issuer: String,
	cpt: u32,
	claims: IssuanceClaims,
	valid_from: Option<String>,
	valid_until: Option<String>,
}

/// A stored offer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OfferRecord {
	/// The token that made it (its account was checked to control the issuer then, and is
	/// checked again at each issuance).
	creator: TokenRecord,
	/// The issuer DID.
	issuer: String,
	/// The CPT.
	cpt: u32,
	/// The claims.
	claims: IssuanceClaims,
	/// `validFrom` of the credentials.
	valid_from: Option<String>,
	/// `validUntil` of the credentials.
	valid_until: Option<String>,
	/// What it offers.
	configurations: Vec<OfferedConfiguration>,
	/// SHA-256 of its pre-authorized code.
	code_hash: [u8; 32],
	/// Its transaction code, if it has one.
	tx_code: Option<TxCodeCheck>,
	/// The access token its code was traded for, once it was.
	access: Option<AccessGrant>,
	/// When it was made, seconds since the Unix epoch.
	created_at: u64,
	/// When it expires: the offer's lifetime, extended to its access token's once redeemed.
	expires_at: u64,
}

impl OfferRecord {
	/// The credential offer object (OpenID4VCI 1.0, section 4.1.1).
	fn offer_object(&self, public_url: &str, code: &str) -> Value {
		let mut grant = Map::new();
		grant.insert("pre-authorized_code".into(), json!(code));
		if self.tx_code.is_some() {
			grant.insert(
				"tx_code".into(),
				json!({
					"input_mode": "numeric",
					"length": TX_CODE_DIGITS,
					"description": TX_CODE_DESCRIPTION,
				}),
			);
		}
		let mut grants = Map::new();
		grants.insert(PRE_AUTHORIZED_CODE_GRANT.into(), Value::Object(grant));
		json!({
			"credential_issuer": public_url,
			"credential_configuration_ids":
				self.configurations.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
			"grants": grants,
		})
	}

	/// Whether the offer names configuration `id`.
	fn offers(&self, id: &str) -> bool {
		self.configurations.iter().any(|configuration| configuration.id == id)
	}

	/// Whether access token `token_hash` is this offer's, unexpired at `now`.
	fn grants_access(&self, token_hash: &[u8; 32], now: u64) -> bool {
		self.access
			.as_ref()
			.is_some_and(|access| access.token_hash == *token_hash && access.expires_at > now)
	}

	/// The issuance of one of its configurations to `holder`.
	fn issuance(&self, format: CredentialFormat, holder: String, key: HolderKey) -> Issuance {
		Issuance {
			issuer: self.issuer.clone(),
			holder,
			cpt: self.cpt,
			claims: self.claims.clone(),
			valid_from: self.valid_from.clone(),
			valid_until: self.valid_until.clone(),
			id: None,
			format,
			holder_key: matches!(format, CredentialFormat::SdJwtVc).then_some(key),
		}
	}
}

/// A new offer, with the secrets shown once to its maker.
struct MintedOffer {
	offer_id: String,
	key: [u8; 32],
	code: String,
	tx_code: Option<String>,
	record: OfferRecord,
}

impl MintedOffer {
	/// Makes an offer of `terms` in `formats`: a random id, the code derived from it, and a
	/// transaction code if asked.
	fn mint(
		secret: &[u8; 32],
		creator: TokenRecord,
		terms: OfferTerms,
		formats: &[CredentialFormat],
		with_tx_code: bool,
		now: u64,
		lifetime: u64,
	) -> MintedOffer {
		let id = random::<16>();
		let offer_id = hex::encode(id);
		let key = offer_key(&offer_id);
		let code = pre_authorized_code(&id);
		let tx_code = with_tx_code.then(fresh_tx_code);
		let record = OfferRecord {
			creator,
			issuer: terms.issuer,
			cpt: terms.cpt,
			claims: terms.claims,
			valid_from: terms.valid_from,
			valid_until: terms.valid_until,
			configurations: formats
				.iter()
				.map(|format| OfferedConfiguration {
					id: configuration_id(terms.cpt, *format),
					state: ConfigurationState::Offered,
				})
				.collect(),
			code_hash: sha256(code.as_bytes()),
			tx_code: tx_code.as_deref().map(|tx_code| TxCodeCheck::new(secret, &key, tx_code)),
			access: None,
			created_at: now,
			expires_at: now.saturating_add(lifetime),
		};
		MintedOffer { offer_id, key, code, tx_code, record }
	}

	/// What its maker is told.
	fn created(&self, public_url: &str) -> CreatedOffer {
		let uri = credential_offer_uri(public_url, &self.offer_id);
		CreatedOffer {
			offer_id: self.offer_id.clone(),
			credential_offer: self.record.offer_object(public_url, &self.code),
			offer_link: offer_link(&uri),
			qr_code_uri: format!("{uri}/qr.svg"),
			credential_offer_uri: uri,
			tx_code: self.tx_code.clone(),
			expires_at: rfc3339_seconds(self.record.expires_at),
		}
	}
}

/// A `c_nonce`, once checked: its first 24 bytes (expiry and randomness), the key of the used
/// nonces table.
type NonceId = [u8; 24];

/// The bytes of a `c_nonce`: expiry (8, big-endian), randomness (16), HMAC tag (16).
const NONCE_BYTES: usize = 40;

/// Mints and checks `c_nonce`s without storing them: each carries its expiry and an HMAC
/// under the worker's secret.
#[derive(Clone)]
struct NonceKey([u8; 32]);

impl NonceKey {
	/// A fresh nonce, valid for [`NONCE_SECONDS`] from `now`.
	fn mint(&self, now: u64) -> String {
		self.mint_with(now.saturating_add(NONCE_SECONDS), random::<16>())
	}

	fn mint_with(&self, expires_at: u64, randomness: [u8; 16]) -> String {
		let mut nonce = Vec::with_capacity(NONCE_BYTES);
		nonce.extend_from_slice(&expires_at.to_be_bytes());
		nonce.extend_from_slice(&randomness);
		let tag = keyed(&self.0, NONCE_DOMAIN, &[nonce.as_slice()]).finalize().into_bytes();
		nonce.extend_from_slice(&tag[..16]);
		jose::b64u(&nonce)
	}

	/// Checks that this worker minted `nonce` and that it has not expired at `now`; whether it
	/// was used is for the used nonces table to say.
	fn check(&self, nonce: &str, now: u64) -> Result<NonceId, OauthError> {
		let unknown = || {
			OauthError::new(
				INVALID_NONCE,
				"the key proof's `nonce` is not a c_nonce of this issuer: get one from the nonce \
				 endpoint",
			)
		};
		if nonce.len() > MAX_SECRET_CHARS {
			return Err(unknown());
		}
		let bytes = jose::b64u_decode(nonce).map_err(|_| unknown())?;
		let bytes = <[u8; NONCE_BYTES]>::try_from(bytes).map_err(|_| unknown())?;
		let (id, tag) = bytes.split_at(24);
		keyed(&self.0, NONCE_DOMAIN, &[id]).verify_truncated_left(tag).map_err(|_| unknown())?;
		let mut expiry = [0u8; 8];
		expiry.copy_from_slice(&id[..8]);
		if u64::from_be_bytes(expiry) <= now {
			return Err(OauthError::new(
				INVALID_NONCE,
				"the key proof's c_nonce has expired: get a new one from the nonce endpoint",
			));
		}
		let mut nonce_id = [0u8; 24];
		nonce_id.copy_from_slice(id);
		Ok(nonce_id)
	}
}

/// The offer tables, open in one write transaction.
struct OfferTables<'txn> {
	offers: Table<'txn, &'static [u8], &'static [u8]>,
	codes: Table<'txn, &'static [u8], &'static [u8]>,
	access_tokens: Table<'txn, &'static [u8], &'static [u8]>,
	expiry: Table<'txn, &'static [u8], ()>,
}

/// An offer's entry in the expiry index.
fn expiry_key(expires_at: u64, offer_key: &[u8; 32]) -> [u8; 40] {
	let mut entry = [0u8; 40];
	entry[..8].copy_from_slice(&expires_at.to_be_bytes());
	entry[8..].copy_from_slice(offer_key);
	entry
}

impl<'txn> OfferTables<'txn> {
	fn open(tx: &'txn WriteTransaction) -> Result<Self, StoreError> {
		Ok(OfferTables {
			offers: tx.open_table(OFFERS).map_err(storage)?,
			codes: tx.open_table(CODES).map_err(storage)?,
			access_tokens: tx.open_table(ACCESS_TOKENS).map_err(storage)?,
			expiry: tx.open_table(OFFER_EXPIRY).map_err(storage)?,
		})
	}

	fn load(&self, key: &[u8; 32]) -> Result<Option<OfferRecord>, StoreError> {
		let found = self.offers.get(&key[..]).map_err(storage)?;
		found.map(|bytes| decode(bytes.value(), "offer")).transpose()
	}

	fn save(&mut self, key: &[u8; 32], record: &OfferRecord) -> Result<(), StoreError> {
		self.offers.insert(&key[..], &encode(record)[..]).map_err(storage)?;
		Ok(())
	}

	/// Adds a new offer: the record, its code and its place in the expiry index.
	fn add(&mut self, key: &[u8; 32], record: &OfferRecord) -> Result<(), StoreError> {
		self.save(key, record)?;
		self.codes.insert(&record.code_hash[..], &key[..]).map_err(storage)?;
		self.expiry.insert(&expiry_key(record.expires_at, key)[..], ()).map_err(storage)?;
		Ok(())
	}

	/// Removes an offer with everything that leads to it.
	fn remove(&mut self, key: &[u8; 32], record: &OfferRecord) -> Result<(), StoreError> {
		self.offers.remove(&key[..]).map_err(storage)?;
		self.codes.remove(&record.code_hash[..]).map_err(storage)?;
		if let Some(access) = &record.access {
			self.access_tokens.remove(&access.token_hash[..]).map_err(storage)?;
		}
		self.expiry.remove(&expiry_key(record.expires_at, key)[..]).map_err(storage)?;
		Ok(())
	}

	/// Moves an offer's expiry.
	fn set_expiry(
		&mut self,
		key: &[u8; 32],
		record: &mut OfferRecord,
		expires_at: u64,
	) -> Result<(), StoreError> {
		self.expiry.remove(&expiry_key(record.expires_at, key)[..]).map_err(storage)?;
		record.expires_at = expires_at;
		self.expiry.insert(&expiry_key(expires_at, key)[..], ()).map_err(storage)?;
		Ok(())
	}

	/// Removes up to `limit` offers that expired before `now`, oldest first.
	fn sweep(&mut self, now: u64, limit: usize) -> Result<usize, StoreError> {
		let bound = now.to_be_bytes();
		let upper: &[u8] = &bound;
		let mut expired = Vec::new();
		for entry in self.expiry.range(..upper).map_err(storage)?.take(limit) {
			let (index, _) = entry.map_err(storage)?;
			expired.push(index.value().to_vec());
		}
		for index in &expired {
			self.expiry.remove(index.as_slice()).map_err(storage)?;
			let Ok(key) = <[u8; 32]>::try_from(&index[8..]) else { continue };
			if let Some(record) = self.load(&key)? {
				self.remove(&key, &record)?;
			}
		}
		Ok(expired.len())
	}
}

/// Removes up to [`SWEEP_LIMIT`] used nonces that expired before `now`: a nonce past its expiry
/// is refused for that, so its record is no longer needed.
fn prune_nonces(nonces: &mut Table<'_, &'static [u8], ()>, now: u64) -> Result<(), StoreError> {
	let bound = now.to_be_bytes();
	let upper: &[u8] = &bound;
	let mut expired = Vec::new();
	for entry in nonces.range(..upper).map_err(storage)?.take(SWEEP_LIMIT) {
		let (id, _) = entry.map_err(storage)?;
		expired.push(id.value().to_vec());
	}
	for id in &expired {
		nonces.remove(id.as_slice()).map_err(storage)?;
	}
	Ok(())
}

/// An access token, checked: the offer it was granted for.
#[derive(Clone, Debug)]
struct Access {
	key: [u8; 32],
	token_hash: [u8; 32],
	record: OfferRecord,
}

/// The offers, nonces and secret of OpenID4VCI, in the worker's database.
struct OfferBook<'a> {
	db: &'a Database,
}

impl<'a> OfferBook<'a> {
	fn new(db: &'a Database) -> Self {
		OfferBook { db }
	}

	/// Runs `change` in one write transaction and commits what it did, whatever it answers.
	fn write<T>(
		&self,
		change: impl FnOnce(&WriteTransaction) -> Result<T, StoreError>,
	) -> Result<T, StoreError> {
		blocking_write(|| {
			let tx = self.db.begin_write().map_err(storage)?;
			let value = change(&tx)?;
			tx.commit().map_err(storage)?;
			Ok(value)
		})
	}

	/// Runs `read` on `table` in a read transaction; `None` if no write made the table yet.
	fn read<K: redb::Key + 'static, V: redb::Value + 'static, T>(
		&self,
		table: TableDefinition<'_, K, V>,
		read: impl FnOnce(&ReadOnlyTable<K, V>) -> Result<T, StoreError>,
	) -> Result<Option<T>, StoreError> {
		let tx = self.db.begin_read().map_err(storage)?;
		match tx.open_table(table) {
			Ok(table) => read(&table).map(Some),
			Err(TableError::TableDoesNotExist(_)) => Ok(None),
			Err(e) => Err(storage(e)),
		}
	}

	/// The worker's OpenID secret, made on first use.
	fn secret(&self) -> Result<[u8; 32], StoreError> {
		let corrupt = |_| StoreError::Corrupt("oid4vci secret");
		let stored = self.read(META, |meta| {
			Ok(meta.get(SECRET).map_err(storage)?.map(|bytes| bytes.value().to_vec()))
		})?;
		if let Some(secret) = stored.flatten() {
			return <[u8; 32]>::try_from(secret.as_slice()).map_err(corrupt);
		}
		self.write(|tx| {
			let mut meta = tx.open_table(META).map_err(storage)?;
			// Another request may have made it since the read.
			if let Some(found) = meta.get(SECRET).map_err(storage)? {
				return <[u8; 32]>::try_from(found.value()).map_err(corrupt);
			}
			let secret = random::<32>();
			meta.insert(SECRET, &secret[..]).map_err(storage)?;
			Ok(secret)
		})
	}

	/// The key nonces are minted and checked with.
	fn nonce_key(&self) -> Result<NonceKey, StoreError> {
		Ok(NonceKey(self.secret()?))
	}

	/// The offer stored under `key`.
	fn load(&self, key: &[u8; 32]) -> Result<Option<OfferRecord>, StoreError> {
		let found = self.read(OFFERS, |offers| {
			let found = offers.get(&key[..]).map_err(storage)?;
			found.map(|bytes| decode(bytes.value(), "offer")).transpose()
		})?;
		Ok(found.flatten())
	}

	/// Removes the offer stored under `key`, if it is still there.
	fn remove_offer(&self, key: &[u8; 32]) -> Result<(), StoreError> {
		self.write(|tx| {
			let mut tables = OfferTables::open(tx)?;
			if let Some(record) = tables.load(key)? {
				tables.remove(key, &record)?;
			}
			Ok(())
		})
	}

	/// Stores a new offer and lists its CPT in the metadata, after sweeping expired offers.
	fn insert(
		&self,
		minted: &MintedOffer,
		cpt: (u32, &OfferedCpt),
		now: u64,
	) -> Result<(), StoreError> {
		self.write(|tx| {
			{
				let mut tables = OfferTables::open(tx)?;
				tables.sweep(now, SWEEP_LIMIT)?;
				tables.add(&minted.key, &minted.record)?;
			}
			let mut cpts = tx.open_table(CPTS).map_err(storage)?;
			cpts.insert(cpt.0, &encode(cpt.1)[..]).map_err(storage)?;
			Ok(())
		})
	}

	/// The offer with id `offer_id` and its pre-authorized code, while it can be redeemed: not
	/// redeemed, not expired (an expired one is removed now).
	fn live_offer(&self, offer_id: &str, now: u64) -> Result<(OfferRecord, String), WorkerError> {
		let not_found = || {
			WorkerError::NotFound(
				"no such credential offer: it was never made, was redeemed, or has expired".into(),
			)
		};
		let id = parse_offer_id(offer_id).ok_or_else(not_found)?;
		let key = offer_key(offer_id);
		let record = self.load(&key)?.ok_or_else(not_found)?;
		if record.expires_at <= now {
			self.remove_offer(&key)?;
			return Err(not_found());
		}
		if record.access.is_some() {
			return Err(not_found());
		}
		Ok((record, pre_authorized_code(&id)))
	}

	/// Trades a pre-authorized code (and the offer's transaction code) for an access token, in
	/// one transaction: the code is gone once traded, so a replay finds nothing. A wrong
	/// transaction code counts against the offer; the third voids it.
	fn redeem(&self, code: &str, tx_code: Option<&str>, now: u64) -> Result<String, OauthError> {
		let secret = self.secret()?;
		let code_hash = sha256(code.as_bytes());
		let outcome = self.write(|tx| {
			let mut tables = OfferTables::open(tx)?;
			let unknown = || {
				OauthError::new(
					INVALID_GRANT,
					"the pre-authorized code is unknown, expired or already used",
				)
			};
			let key = match tables.codes.get(&code_hash[..]).map_err(storage)? {
				Some(key) => <[u8; 32]>::try_from(key.value())
					.map_err(|_| StoreError::Corrupt("offer code"))?,
				None => return Ok(Err(unknown())),
			};
			let Some(mut record) = tables.load(&key)? else {
				tables.codes.remove(&code_hash[..]).map_err(storage)?;
				return Ok(Err(unknown()));
			};
			if record.expires_at <= now {
				tables.remove(&key, &record)?;
				return Ok(Err(OauthError::new(INVALID_GRANT, "the credential offer has expired")));
			}
			if let Some(check) = record.tx_code.clone() {
				let Some(given) = tx_code else {
					return Ok(Err(OauthError::new(
						INVALID_REQUEST,
						"this offer has a transaction code: send it as `tx_code`",
					)));
				};
				if !check.admits(&secret, &key, given) {
					let wrong_tries = check.wrong_tries.saturating_add(1);
					if wrong_tries >= TX_CODE_TRIES {
						tables.remove(&key, &record)?;
						return Ok(Err(OauthError::new(
							INVALID_GRANT,
							format!(
								"wrong tx_code, {TX_CODE_TRIES} times: the offer is void; ask the \
								 issuer for a new one"
							),
						)));
					}
					record.tx_code = Some(TxCodeCheck { wrong_tries, ..check });
					tables.save(&key, &record)?;
					let left = TX_CODE_TRIES - wrong_tries;
					return Ok(Err(OauthError::new(
						INVALID_GRANT,
						format!("wrong tx_code: {left} tries left before the offer is void"),
					)));
				}
			}
			tables.codes.remove(&code_hash[..]).map_err(storage)?;
			let token = jose::b64u(&random::<32>());
			let token_hash = sha256(token.as_bytes());
			let token_expires = now.saturating_add(ACCESS_TOKEN_SECONDS);
			record.access = Some(AccessGrant { token_hash, expires_at: token_expires });
			// The offer lasts as long as its token.
			if token_expires > record.expires_at {
				tables.set_expiry(&key, &mut record, token_expires)?;
			}
			tables.save(&key, &record)?;
			tables.access_tokens.insert(&token_hash[..], &key[..]).map_err(storage)?;
			Ok(Ok(token))
		})?;
		outcome
	}

	/// The offer an access token (the request's bearer token) was granted for, while the token
	/// lives.
	fn authorize(&self, bearer: Option<&str>, now: u64) -> Result<Access, OauthError> {
		let bearer = bearer.ok_or_else(|| {
			OauthError::invalid_token(
				"an access token is required: `Authorization: Bearer <access_token>` from the \
				 token endpoint",
			)
		})?;
		let unknown = || OauthError::invalid_token("the access token is unknown or has expired");
		if bearer.len() > MAX_SECRET_CHARS {
			return Err(unknown());
		}
		let token_hash = sha256(bearer.as_bytes());
		let key = self.read(ACCESS_TOKENS, |tokens| {
			let found = tokens.get(&token_hash[..]).map_err(storage)?;
			found
				.map(|key| {
					<[u8; 32]>::try_from(key.value())
						.map_err(|_| StoreError::Corrupt("access token"))
				})
				.transpose()
		})?;
		let key = key.flatten().ok_or_else(unknown)?;
		let record = self.load(&key)?.ok_or_else(unknown)?;
		if record.expires_at <= now {
			self.remove_offer(&key)?;
			return Err(unknown());
		}
		if !record.grants_access(&token_hash, now) {
			return Err(unknown());
		}
		Ok(Access { key, token_hash, record })
	}

	/// Reserves configuration `configuration_id` of the access's offer for one issuance and
	/// spends the key proof's nonce, in one transaction: a configuration issues once, and a
	/// nonce serves one request. Returns the offer as it now stands.
	fn reserve(
		&self,
		access: &Access,
		configuration_id: &str,
		nonce: &NonceId,
		now: u64,
	) -> Result<OfferRecord, OauthError> {
		let outcome = self.write(|tx| {
			let mut tables = OfferTables::open(tx)?;
			let mut nonces = tx.open_table(USED_NONCES).map_err(storage)?;
			let Some(mut record) = tables.load(&access.key)? else {
				return Ok(Err(OauthError::invalid_token("the access token's offer is gone")));
			};
			if !record.grants_access(&access.token_hash, now) {
				return Ok(Err(OauthError::invalid_token("the access token has expired")));
			}
			if nonces.get(&nonce[..]).map_err(storage)?.is_some() {
				return Ok(Err(OauthError::new(
					INVALID_NONCE,
					"the key proof's c_nonce was used already: get a new one from the nonce \
					 endpoint",
				)));
			}
			let Some(configuration) =
				record.configurations.iter_mut().find(|c| c.id == configuration_id)
			else {
				return Ok(Err(unknown_configuration(configuration_id)));
			};
			match configuration.state {
				ConfigurationState::Offered => {},
				ConfigurationState::Reserved => {
					return Ok(Err(OauthError::new(
						INVALID_CREDENTIAL_REQUEST,
						format!(
							"`{configuration_id}` is being issued for another request with this \
							 access token"
						),
					)))
				},
				ConfigurationState::Issued { .. } => {
					return Ok(Err(OauthError::new(
						INVALID_CREDENTIAL_REQUEST,
						format!(
							"`{configuration_id}` was issued already: an offer issues each of its \
							 credentials once"
						),
					)))
				},
			}
			configuration.state = ConfigurationState::Reserved;
			tables.save(&access.key, &record)?;
			nonces.insert(&nonce[..], ()).map_err(storage)?;
			prune_nonces(&mut nonces, now)?;
			Ok(Ok(record))
		})?;
		outcome
	}

	/// Settles a reserved configuration: issued as `credential_id`, or offered again (the
	/// issuance failed; the wallet may ask again, with a new nonce).
	fn settle(
		&self,
		key: &[u8; 32],
		configuration_id: &str,
		credential_id: Option<String>,
	) -> Result<(), StoreError> {
		self.write(|tx| {
			let mut tables = OfferTables::open(tx)?;
			// Swept meanwhile: nothing left to settle.
			let Some(mut record) = tables.load(key)? else { return Ok(()) };
			if let Some(configuration) =
				record.configurations.iter_mut().find(|c| c.id == configuration_id)
			{
				configuration.state = match credential_id {
					Some(credential_id) => ConfigurationState::Issued { credential_id },
					None => ConfigurationState::Offered,
				};
			}
			tables.save(key, &record)
		})
	}

	/// Every CPT an offer was made for.
	fn offered_cpts(&self) -> Result<Vec<(u32, OfferedCpt)>, StoreError> {
		let found = self.read(CPTS, |cpts| {
			let mut found = Vec::new();
			for entry in cpts.iter().map_err(storage)? {
				let (cpt, offered) = entry.map_err(storage)?;
				found.push((cpt.value(), decode(offered.value(), "offered CPT")?));
			}
			Ok(found)
		})?;
		Ok(found.unwrap_or_default())
	}
}

fn unknown_configuration(id: &str) -> OauthError {
	OauthError::new(
		UNKNOWN_CREDENTIAL_CONFIGURATION,
		format!(
			"`{}` is not a credential configuration of this access token's offer",
			id.chars().take(MAX_CONFIGURATION_ID_CHARS).collect::<String>()
		),
	)
}

/// What `POST /v1/oid4vci/offers` takes.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OfferRequest {
	/// The issuer DID: the token's account controls it and this worker is its bound signer.
	pub issuer: String,
	/// The CPT the claims follow.
	pub cpt: u32,
	/// The claims, a JSON object (or use `sealedClaims`).
	#[schema(value_type = Option<Object>)]
	pub claims: Option<Value>,
	/// The claims sealed to the TA's agreement key (as for `POST /v1/credentials`).
	pub sealed_claims: Option<SealedClaims>,
	/// The credentials' `validFrom` (`YYYY-MM-DDThh:mm:ssZ`); the time of issuance if absent.
	pub valid_from: Option<String>,
	/// The credentials' `validUntil` (`YYYY-MM-DDThh:mm:ssZ`), if they expire.
	pub valid_until: Option<String>,
	/// The formats offered, one credential each: `dc+sd-jwt` and/or `ldp_vc` (both if absent).
	pub formats: Option<Vec<String>>,
	/// Whether the offer has a 6-digit transaction code (shown once, in the answer), which the
	/// wallet must send with the pre-authorized code.
	pub tx_code: Option<bool>,
	/// The offer's lifetime in seconds, 60 to 86400 (600 if absent).
	pub expires_in: Option<u64>,
}

impl OfferRequest {
	/// The formats asked for: one or both, each once.
	fn formats(&self) -> Result<Vec<CredentialFormat>, WorkerError> {
		let Some(names) = &self.formats else {
			return Ok(vec![CredentialFormat::SdJwtVc, CredentialFormat::W3cVc]);
		};
		if names.is_empty() || names.len() > 2 {
			return Err(WorkerError::BadRequest(format!(
				"`formats` names one or both of `{DC_SD_JWT}` and `{LDP_VC}`"
			)));
		}
		let mut formats = Vec::with_capacity(names.len());
		for name in names {
			let format = issue::parse_format(name)?;
			if formats.contains(&format) {
				return Err(WorkerError::BadRequest(format!("`formats` names `{name}` twice")));
			}
			formats.push(format);
		}
		Ok(formats)
	}

	/// The offer's lifetime, in seconds.
	fn lifetime(&self) -> Result<u64, WorkerError> {
		let lifetime = self.expires_in.unwrap_or(OFFER_SECONDS_DEFAULT);
		if !(OFFER_SECONDS_MIN..=OFFER_SECONDS_MAX).contains(&lifetime) {
			return Err(WorkerError::BadRequest(format!(
				"`expiresIn` is {OFFER_SECONDS_MIN} to {OFFER_SECONDS_MAX} seconds"
			)));
		}
		Ok(lifetime)
	}

	/// The validity dates, checked now rather than when a wallet asks: timestamps of the TA's
	/// form, `validUntil` after `validFrom` and not passed.
	fn check_validity(&self) -> Result<(), WorkerError> {
		for (name, value) in [("validFrom", &self.valid_from), ("validUntil", &self.valid_until)] {
			if value.as_deref().is_some_and(|value| !is_timestamp(value)) {
				return Err(WorkerError::BadRequest(format!(
					"`{name}` is not a timestamp of the form YYYY-MM-DDThh:mm:ssZ"
				)));
			}
		}
		if let Some(until) = &self.valid_until {
			// Timestamps of this form order as text.
			let from = self.valid_from.clone().unwrap_or_else(issue::now);
			if until.as_str() <= from.as_str() {
				return Err(WorkerError::BadRequest(
					"`validUntil` must be after `validFrom` (and after now)".into(),
				));
			}
		}
		Ok(())
	}

	/// Checks the request as issuance would, and stores the offer.
	async fn create(
		self,
		worker: &Worker,
		token: &TokenRecord,
	) -> Result<CreatedOffer, WorkerError> {
		let formats = self.formats()?;
		let lifetime = self.lifetime()?;
		self.check_validity()?;
		let with_tx_code = self.tx_code.unwrap_or(false);
		let claims = IssuanceClaims::from_request(self.claims, self.sealed_claims)?;
		let cpt =
			issue::check_offer(worker, token, &self.issuer, self.cpt, &claims, &formats).await?;
		let terms = OfferTerms {
			issuer: self.issuer,
			cpt: cpt.id,
			claims,
			valid_from: self.valid_from,
			valid_until: self.valid_until,
		};
		let book = OfferBook::new(worker.store.database());
		let now = now_seconds();
		let minted = MintedOffer::mint(
			&book.secret()?,
			token.clone(),
			terms,
			&formats,
			with_tx_code,
			now,
			lifetime,
		);
		book.insert(&minted, (cpt.id, &OfferedCpt::of(&cpt)), now)?;
		Ok(minted.created(&worker.public_url))
	}
}

/// What `POST /v1/oid4vci/offers` answers: the only time the transaction code is shown.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedOffer {
	/// The offer's id (32 hex digits): whoever has it can read the offer.
	pub offer_id: String,
	/// The credential offer object, as `credentialOfferUri` serves it.
	#[schema(value_type = Object)]
	pub credential_offer: Value,
	/// The offer's URL (`credential_offer_uri`).
	pub credential_offer_uri: String,
	/// The link a wallet opens: `openid-credential-offer://?credential_offer_uri=…`.
	pub offer_link: String,
	/// An SVG QR code of `offerLink`.
	pub qr_code_uri: String,
	/// The transaction code (6 digits) to give the holder another way, or null.
	pub tx_code: Option<String>,
	/// When the offer expires (RFC 3339).
	pub expires_at: String,
}

/// What `POST /v1/oid4vci/token` takes (`application/x-www-form-urlencoded`; other parameters,
/// such as `client_id`, are ignored).
#[derive(utoipa::ToSchema)]
// Documentation only: the form is read parameter by parameter (a parameter sent twice is
// refused, which a derived reader would not see).
#[allow(dead_code)]
pub struct TokenRequestForm {
	/// `urn:ietf:params:oauth:grant-type:pre-authorized_code`.
	grant_type: String,
	/// The offer's pre-authorized code.
	#[schema(rename = "pre-authorized_code")]
	pre_authorized_code: String,
	/// The offer's transaction code, if it has one (`user_pin`, its old name, is read too).
	tx_code: Option<String>,
	/// If given, this credential issuer's identifier.
	resource: Option<String>,
}

/// A token request, read.
#[derive(Debug, PartialEq, Eq)]
struct TokenRequest {
	code: String,
	tx_code: Option<String>,
}

impl TokenRequest {
	/// Reads a token request form: the pre-authorized code grant, with its code, a transaction
	/// code (as `tx_code` or `user_pin`, the same if both) and, if any, `resource` naming this
	/// issuer.
	fn parse(form: &[u8], public_url: &str) -> Result<TokenRequest, OauthError> {
		let invalid = |description: String| OauthError::new(INVALID_REQUEST, description);
		let mut parameters = BTreeMap::new();
		for (name, value) in form_urlencoded::parse(form) {
			if parameters.len() == MAX_FORM_PARAMETERS {
				return Err(invalid(format!(
					"a token request has at most {MAX_FORM_PARAMETERS} parameters"
				)));
			}
			let shown: String = name.chars().take(64).collect();
			if parameters.insert(name.into_owned(), value.into_owned()).is_some() {
				return Err(invalid(format!("the parameter `{shown}` is sent twice")));
			}
		}
		let grant_type = parameters
			.remove("grant_type")
			.ok_or_else(|| invalid("`grant_type` is missing".into()))?;
		if grant_type != PRE_AUTHORIZED_CODE_GRANT {
			return Err(OauthError::new(
				UNSUPPORTED_GRANT_TYPE,
				format!("this issuer grants `{PRE_AUTHORIZED_CODE_GRANT}` only"),
			));
		}
		let code = parameters
			.remove("pre-authorized_code")
			.ok_or_else(|| invalid("`pre-authorized_code` is missing".into()))?;
		if code.is_empty() || code.len() > MAX_SECRET_CHARS {
			return Err(OauthError::new(INVALID_GRANT, "the pre-authorized code is unknown"));
		}
		let tx_code = match (parameters.remove("tx_code"), parameters.remove("user_pin")) {
			(Some(tx_code), Some(user_pin)) if tx_code != user_pin => {
				return Err(invalid("`tx_code` and `user_pin` differ".into()))
			},
			(tx_code, user_pin) => tx_code.or(user_pin),
		};
		if tx_code.as_ref().is_some_and(|tx_code| tx_code.len() > MAX_TX_CODE_CHARS) {
			return Err(invalid(format!("`tx_code` is at most {MAX_TX_CODE_CHARS} characters")));
		}
		if parameters.get("resource").is_some_and(|resource| resource != public_url) {
			return Err(OauthError::new(
				INVALID_TARGET,
				format!("`resource` must be this credential issuer, {public_url}"),
			));
		}
		Ok(TokenRequest { code, tx_code })
	}
}

/// What `POST /v1/oid4vci/token` answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
	/// The access token for the credential endpoint.
	pub access_token: String,
	/// `Bearer`.
	pub token_type: &'static str,
	/// Its lifetime in seconds (300).
	pub expires_in: u64,
}

/// What `POST /v1/oid4vci/nonce` answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NonceResponse {
	/// A fresh nonce for one key proof, valid for 300 s.
	pub c_nonce: String,
}

/// What `POST /v1/oid4vci/credential` takes (OpenID4VCI 1.0, section 8.2). Other members are
/// ignored.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CredentialRequest {
	/// The configuration to issue: one the access token's offer names.
	pub credential_configuration_id: Option<String>,
	/// Not supported (the token response names no credential identifiers).
	pub credential_identifier: Option<String>,
	/// `{"jwt": [<one key proof JWT>]}`.
	#[schema(value_type = Option<Object>)]
	pub proofs: Option<Value>,
	/// The older form, `{"proof_type": "jwt", "jwt": <key proof JWT>}`.
	#[schema(value_type = Option<Object>)]
	pub proof: Option<Value>,
	/// Not supported: responses are not encrypted.
	#[schema(value_type = Option<Object>)]
	pub credential_response_encryption: Option<Value>,
}

impl CredentialRequest {
	/// The configuration asked for.
	fn configuration_id(&self) -> Result<&str, OauthError> {
		if self.credential_response_encryption.is_some() {
			return Err(OauthError::new(
				INVALID_ENCRYPTION_PARAMETERS,
				"this issuer does not encrypt credential responses",
			));
		}
		if self.credential_identifier.is_some() {
			return Err(OauthError::new(
				UNKNOWN_CREDENTIAL_IDENTIFIER,
				"this issuer issues by `credential_configuration_id`; its tokens name no \
				 credential identifiers",
			));
		}
		let id = self.credential_configuration_id.as_deref().ok_or_else(|| {
			OauthError::new(INVALID_CREDENTIAL_REQUEST, "`credential_configuration_id` is required")
		})?;
		if id.len() > MAX_CONFIGURATION_ID_CHARS {
			return Err(unknown_configuration(id));
		}
		Ok(id)
	}

	/// The one key proof JWT, from `proofs` or `proof`.
	fn proof_jwt(&self) -> Result<&str, OauthError> {
		match (&self.proofs, &self.proof) {
			(Some(_), Some(_)) => Err(OauthError::new(
				INVALID_CREDENTIAL_REQUEST,
				"give `proofs` or `proof`, not both",
			)),
			(None, None) => {
				Err(invalid_proof("a key proof is required: `proofs` with one `jwt` proof"))
			},
			(Some(proofs), None) => {
				let Some(Value::Array(jwts)) = proofs.get("jwt") else {
					return Err(invalid_proof("`proofs` holds `jwt` proofs only, as an array"));
				};
				if proofs.as_object().map_or(0, Map::len) != 1 {
					return Err(invalid_proof("`proofs` holds one proof type, `jwt`"));
				}
				match jwts.as_slice() {
					[Value::String(jwt)] => Ok(jwt.as_str()),
					[_] => Err(invalid_proof("`proofs.jwt` holds a compact JWT")),
					_ => Err(invalid_proof(format!(
						"`proofs.jwt` holds exactly one proof, not {}: one credential per request",
						jwts.len()
					))),
				}
			},
			(None, Some(proof)) => {
				if proof.get("proof_type").and_then(Value::as_str) != Some("jwt") {
					return Err(invalid_proof("`proof.proof_type` must be `jwt`"));
				}
				proof
					.get("jwt")
					.and_then(Value::as_str)
					.ok_or_else(|| invalid_proof("`proof.jwt` holds the key proof JWT"))
			},
		}
	}

	/// Issues the configuration asked for to the holder the key proof names, once per
	/// configuration of the offer.
	async fn serve(&self, worker: &Worker, access: Access) -> Result<Box<RawValue>, OauthError> {
		let configuration_id = self.configuration_id()?;
		let (_, format) = parse_configuration_id(configuration_id)
			.filter(|_| access.record.offers(configuration_id))
			.ok_or_else(|| unknown_configuration(configuration_id))?;
		let jwt = self.proof_jwt()?;
		// Before the nonce is spent: a wallet turned away busy retries with the same proof.
		let slot = issue::admit(worker).await?;
		let now = now_seconds();
		let book = OfferBook::new(worker.store.database());
		let proof = HolderProof::verify(worker, &book.nonce_key()?, jwt, now).await?;
		let record = book.reserve(&access, configuration_id, &proof.nonce, now)?;
		let issuance = record.issuance(format, proof.holder, proof.key);
		match issue::issue_with(worker, slot, &record.creator, issuance).await {
			Ok(issued) => {
				// The credential is issued and recorded: it goes to the wallet even if the
				// offer's bookkeeping fails (the configuration then stays reserved).
				if let Err(e) = book.settle(&access.key, configuration_id, Some(issued.id)) {
					tracing::warn!("OpenID4VCI: recording an issued {configuration_id}: {e}");
				}
				Ok(issued.credential)
			},
			Err(refusal) => {
				if let Err(e) = book.settle(&access.key, configuration_id, None) {
					tracing::warn!("OpenID4VCI: giving back {configuration_id}: {e}");
				}
				Err(refusal.into())
			},
		}
	}
}

/// What `POST /v1/oid4vci/credential` answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CredentialResponse {
	/// The one credential issued.
	pub credentials: Vec<CredentialEntry>,
}

/// One credential of a credential response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CredentialEntry {
	/// The SD-JWT VC (a string) or the W3C VC (an object).
	#[schema(value_type = Value)]
	pub credential: Box<RawValue>,
}

fn invalid_proof(reason: impl fmt::Display) -> OauthError {
	OauthError::new(INVALID_PROOF, format!("the key proof is refused: {reason}"))
}

/// How a key proof names its key.
#[derive(Debug, PartialEq, Eq)]
enum ProofSigner {
	/// A DID URL (`kid`).
	Kid(String),
	/// A JWK (`jwk`): the holder is its did:jwk.
	Jwk(HolderKey),
}

impl ProofSigner {
	/// Reads a key proof's header: `typ` `openid4vci-proof+jwt`, `alg` EdDSA or ES256, and
	/// exactly one of `kid` and `jwk` (no certificate chains, trust chains or attestations).
	fn of(jwt: &Jwt) -> Result<ProofSigner, OauthError> {
		if jwt.header_str("typ") != Some(PROOF_JWT_TYP) {
			return Err(invalid_proof(format!("its `typ` must be `{PROOF_JWT_TYP}`")));
		}
		let alg = jwt.alg().map_err(invalid_proof)?;
		if !PROOF_ALGS.contains(&alg) {
			let alg: String = alg.chars().take(32).collect();
			return Err(invalid_proof(format!("`alg` `{alg}`: EdDSA or ES256 only")));
		}
		for member in ["x5c", "trust_chain", "key_attestation"] {
			if jwt.header.get(member).is_some() {
				return Err(invalid_proof(format!(
					"`{member}` is not supported: name the key with `kid` (a DID URL) or `jwk`"
				)));
			}
		}
		match (jwt.header.get("kid"), jwt.header.get("jwk")) {
			(Some(Value::String(kid)), None) => Ok(ProofSigner::Kid(kid.clone())),
			(None, Some(jwk)) => {
				HolderKey::from_jwk(jwk).map(ProofSigner::Jwk).map_err(invalid_proof)
			},
			(Some(_), Some(_)) => {
				Err(invalid_proof("it names its key with `kid` or `jwk`, not both"))
			},
			_ => Err(invalid_proof("it names its key with `kid` (a DID URL) or `jwk`")),
		}
	}
}

/// A seconds-since-epoch JSON number (`iat`, `exp`).
fn numeric_date(value: &Value) -> Option<u64> {
	value.as_u64().or_else(|| {
		value.as_f64().filter(|seconds| seconds.is_finite() && *seconds >= 0.0).map(|s| s as u64)
	})
}

/// Checks a key proof's claims: `aud` this issuer, `iat` within [`PROOF_MAX_AGE_SECONDS`]
/// before and [`PROOF_MAX_AHEAD_SECONDS`] after `now`, `exp` (if any) not passed. Returns its
/// `nonce`.
fn check_proof_claims<'p>(
	payload: &'p Value,
	public_url: &str,
	now: u64,
) -> Result<&'p str, OauthError> {
	let audience = match payload.get("aud") {
		Some(Value::String(aud)) => aud == public_url,
		Some(Value::Array(auds)) => auds.iter().any(|aud| aud.as_str() == Some(public_url)),
		_ => false,
	};
	if !audience {
		return Err(invalid_proof(format!(
			"its `aud` must be this credential issuer, {public_url}"
		)));
	}
	let iat = payload
		.get("iat")
		.and_then(numeric_date)
		.ok_or_else(|| invalid_proof("it has no `iat` (seconds since the epoch)"))?;
	if iat.saturating_add(PROOF_MAX_AGE_SECONDS) < now {
		return Err(invalid_proof(format!("its `iat` is more than {PROOF_MAX_AGE_SECONDS} s old")));
	}
	if iat > now.saturating_add(PROOF_MAX_AHEAD_SECONDS) {
		return Err(invalid_proof(format!(
			"its `iat` is more than {PROOF_MAX_AHEAD_SECONDS} s ahead of this issuer's clock"
		)));
	}
	if payload.get("exp").is_some_and(|exp| numeric_date(exp).is_none_or(|exp| exp <= now)) {
		return Err(invalid_proof("it has expired (`exp`)"));
	}
	payload.get("nonce").and_then(Value::as_str).ok_or_else(|| {
		OauthError::new(
			INVALID_NONCE,
			"the key proof has no `nonce`: get a c_nonce from the nonce endpoint and sign it in",
		)
	})
}

/// A verified key proof: the holder (the DID of its key), the key, and its nonce (not yet
/// spent).
struct HolderProof {
	holder: String,
	key: HolderKey,
	nonce: NonceId,
}

impl HolderProof {
	/// Verifies a key proof JWT: its header, its key (resolving a DID URL), its signature, its
	/// claims and its nonce.
	async fn verify(
		worker: &Worker,
		nonces: &NonceKey,
		compact: &str,
		now: u64,
	) -> Result<HolderProof, OauthError> {
		let jwt = Jwt::parse(compact).map_err(invalid_proof)?;
		let (holder, key) = match ProofSigner::of(&jwt)? {
			ProofSigner::Kid(kid) => {
				jose::resolve_kid(worker, &kid).await.map_err(|e| match e {
					JoseError::Unavailable(reason) => {
						OauthError::new(TEMPORARILY_UNAVAILABLE, reason)
							.with_status(StatusCode::SERVICE_UNAVAILABLE)
					},
					refused => invalid_proof(refused),
				})?
			},
			ProofSigner::Jwk(key) => (key.did_jwk(), key),
		};
		jwt.verify(&key).map_err(invalid_proof)?;
		let nonce = check_proof_claims(&jwt.payload, &worker.public_url, now)?;
		let nonce = nonces.check(nonce, now)?;
		Ok(HolderProof { holder, key, nonce })
	}
}

/// Makes a credential offer (`sign`): the token's account controls the issuer DID, this worker
/// is its counting signer, the CPT exists and plain claims satisfy it, as for
/// `POST /v1/credentials` (checked again at issuance). The answer shows the transaction code
/// once.
#[utoipa::path(post, path = "/v1/oid4vci/offers", request_body = OfferRequest, security(("bearer" = [])),
	responses((status = 201, body = CreatedOffer), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
		(status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
		(status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn create_offer(
	State(worker): Shared,
	token: Authorized<Sign>,
	body: Body,
) -> Result<Response, WorkerError> {
	let bytes = read_body(body, MAX_OFFER_REQUEST_BYTES)
		.await
		.map_err(|limit| WorkerError::BadRequest(format!("an offer request is {limit}")))?;
	let request: OfferRequest = json_body(&bytes)?;
	// The answer holds the pre-authorized code and the transaction code: no cache keeps it.
	Ok(no_store((StatusCode::CREATED, Json(request.create(&worker, &token).await?))))
}

/// The body, if it is at most `limit` bytes; otherwise what the limit is.
async fn read_body(body: Body, limit: usize) -> Result<Bytes, String> {
	axum::body::to_bytes(body, limit).await.map_err(|_| format!("at most {limit} bytes"))
}

/// A credential offer (OpenID4VCI 1.0, section 4.1.1), at its `credential_offer_uri`; 404 once
/// redeemed or expired.
#[utoipa::path(get, path = "/v1/oid4vci/offers/{offerId}",
	params(("offerId" = String, Path, description = "The offer's id")),
	responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
async fn credential_offer(
	State(worker): Shared,
	Path(offer_id): Path<String>,
) -> Result<Response, WorkerError> {
	let book = OfferBook::new(worker.store.database());
	let (record, code) = book.live_offer(&offer_id, now_seconds())?;
	Ok(no_store(Json(record.offer_object(&worker.public_url, &code))))
}

/// A QR code (SVG) of the offer's link; 404 once redeemed or expired.
#[utoipa::path(get, path = "/v1/oid4vci/offers/{offerId}/qr.svg",
	params(("offerId" = String, Path, description = "The offer's id")),
	responses((status = 200, description = "The QR code", content_type = "image/svg+xml", body = String),
		(status = 404, body = ErrorBody)))]
async fn offer_qr(
	State(worker): Shared,
	Path(offer_id): Path<String>,
) -> Result<Response, WorkerError> {
	OfferBook::new(worker.store.database()).live_offer(&offer_id, now_seconds())?;
	let svg = qr_svg(&offer_link(&credential_offer_uri(&worker.public_url, &offer_id)))?;
	Ok(([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "no-store")], svg)
		.into_response())
}

/// The credential issuer metadata: endpoints, and a credential configuration per CPT offered
/// and format (`cpt-<n>-sd-jwt`, `cpt-<n>-ldp-vc`). The issuer is its own authorization server.
#[utoipa::path(get, path = "/.well-known/openid-credential-issuer",
	responses((status = 200, body = Object)))]
async fn issuer_metadata(State(worker): Shared) -> Result<Json<Value>, WorkerError> {
	let cpts = OfferBook::new(worker.store.database()).offered_cpts()?;
	Ok(Json(issuer_metadata_document(&worker.public_url, &cpts)))
}

/// The authorization server metadata (RFC 8414): the token endpoint of the pre-authorized code
/// grant, which needs no client authentication.
#[utoipa::path(get, path = "/.well-known/oauth-authorization-server",
	responses((status = 200, body = Object)))]
async fn authorization_server_metadata(State(worker): Shared) -> Json<Value> {
	let url = &worker.public_url;
	Json(json!({
		"issuer": url,
		"token_endpoint": format!("{url}/v1/oid4vci/token"),
		"grant_types_supported": [PRE_AUTHORIZED_CODE_GRANT],
		"pre-authorized_grant_anonymous_access_supported": true,
	}))
}

/// The token endpoint: a pre-authorized code (and the offer's transaction code) for an access
/// token, once; `invalid_grant` for an unknown, expired or used code or a wrong transaction
/// code (the third voids the offer).
#[utoipa::path(post, path = "/v1/oid4vci/token",
	request_body(content = TokenRequestForm, content_type = "application/x-www-form-urlencoded"),
	responses((status = 200, body = TokenResponse), (status = 400, body = OauthErrorBody)))]
async fn token(State(worker): Shared, body: Body) -> Result<Response, OauthError> {
	let bytes = read_body(body, MAX_TOKEN_REQUEST_BYTES)
		.await
		.map_err(|limit| OauthError::new(INVALID_REQUEST, format!("a token request is {limit}")))?;
	let request = TokenRequest::parse(&bytes, &worker.public_url)?;
	let book = OfferBook::new(worker.store.database());
	let access_token = book.redeem(&request.code, request.tx_code.as_deref(), now_seconds())?;
	Ok(no_store(Json(TokenResponse {
		access_token,
		token_type: "Bearer",
		expires_in: ACCESS_TOKEN_SECONDS,
	})))
}

/// The nonce endpoint: a fresh `c_nonce` for one key proof.
#[utoipa::path(post, path = "/v1/oid4vci/nonce", responses((status = 200, body = NonceResponse)))]
async fn nonce(State(worker): Shared) -> Result<Response, OauthError> {
	let nonces = OfferBook::new(worker.store.database()).nonce_key()?;
	Ok(no_store(Json(NonceResponse { c_nonce: nonces.mint(now_seconds()) })))
}

/// The credential endpoint (`Authorization: Bearer <access token>`): one credential of the
/// token's offer per request, bound to the key proof's key, each configuration once.
#[utoipa::path(post, path = "/v1/oid4vci/credential", request_body = CredentialRequest,
	responses((status = 200, body = CredentialResponse), (status = 400, body = OauthErrorBody),
		(status = 401, body = OauthErrorBody), (status = 503, body = OauthErrorBody)))]
async fn credential(
	State(worker): Shared,
	headers: HeaderMap,
	body: Body,
) -> Result<Response, OauthError> {
	let book = OfferBook::new(worker.store.database());
	let access = book.authorize(tokens::bearer(&headers), now_seconds())?;
	let bytes = read_body(body, MAX_CREDENTIAL_REQUEST_BYTES).await.map_err(|limit| {
		OauthError::new(INVALID_CREDENTIAL_REQUEST, format!("a credential request is {limit}"))
	})?;
	let request: CredentialRequest = serde_json::from_slice(&bytes).map_err(|e| {
		OauthError::new(INVALID_CREDENTIAL_REQUEST, format!("malformed credential request: {e}"))
	})?;
	let credential = request.serve(&worker, access).await?;
	Ok(no_store(Json(CredentialResponse { credentials: vec![CredentialEntry { credential }] })))
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{store::Store, tokens::Permission};
	use ed25519_dalek::Signer as _;

	const URL: &str = "https://issuer.example";
	const NOW: u64 = 1_700_000_000;
	const CPT: u32 = 1000;

	fn creator() -> TokenRecord {
		TokenRecord {
			permissions: vec![Permission::Sign],
			account: Some("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY".into()),
			label: "issuer".into(),
			created: 0,
		}
	}

	fn terms() -> OfferTerms {
		OfferTerms {
			issuer: "did:teeid:5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY".into(),
			cpt: CPT,
			claims: IssuanceClaims::Plain(json!({ "name": "Al" })),
			valid_from: None,
			valid_until: None,
		}
	}

	const BOTH: [CredentialFormat; 2] = [CredentialFormat::SdJwtVc, CredentialFormat::W3cVc];

	/// Stores a new offer of both formats, made at `now`.
	fn offer(book: &OfferBook, with_tx_code: bool, now: u64) -> MintedOffer {
		let secret = book.secret().unwrap();
		let minted = MintedOffer::mint(&secret, creator(), terms(), &BOTH, with_tx_code, now, 600);
		let cpt = OfferedCpt { title: "Badge".into(), claims: vec!["name".into()] };
		book.insert(&minted, (CPT, &cpt), now).unwrap();
		minted
	}

	#[test]
	fn configuration_ids_name_a_cpt_and_a_format_works() {
		assert_eq!(configuration_id(5, CredentialFormat::SdJwtVc), "cpt-5-sd-jwt");
		assert_eq!(configuration_id(5, CredentialFormat::W3cVc), "cpt-5-ldp-vc");
		for (cpt, format) in [(0, BOTH[0]), (4_294_967_295, BOTH[1]), (2_000_000, BOTH[0])] {
			assert_eq!(parse_configuration_id(&configuration_id(cpt, format)), Some((cpt, format)));
		}
		for other in
			["cpt-05-sd-jwt", "cpt-+5-ldp-vc", "cpt--sd-jwt", "cpt-5-jwt", "cpt-5", "5-sd-jwt"]
		{
			assert_eq!(parse_configuration_id(other), None, "{other}");
		}
	}

	#[test]
	fn metadata_lists_both_formats_of_every_offered_cpt_works() {
		let cpt = OfferedCpt { title: "Badge".into(), claims: vec!["name".into(), "level".into()] };
		let document = issuer_metadata_document(URL, &[(CPT, cpt)]);
		assert_eq!(document["credential_issuer"], URL);
		assert_eq!(document["credential_endpoint"], format!("{URL}/v1/oid4vci/credential"));
		assert_eq!(document["nonce_endpoint"], format!("{URL}/v1/oid4vci/nonce"));
		assert!(document.get("authorization_servers").is_none(), "the issuer is its own AS");
		let configurations = document["credential_configurations_supported"].as_object().unwrap();
		assert_eq!(configurations.len(), 2);
		let sd_jwt = &configurations["cpt-1000-sd-jwt"];
		assert_eq!(sd_jwt["format"], "dc+sd-jwt");
		assert_eq!(sd_jwt["vct"], "urn:teeid:cpt:1000");
		assert_eq!(sd_jwt["credential_signing_alg_values_supported"], json!(["EdDSA"]));
		assert_eq!(
			sd_jwt["proof_types_supported"],
			json!({"jwt": {"proof_signing_alg_values_supported": ["EdDSA", "ES256"]}})
		);
		assert_eq!(
			sd_jwt["credential_metadata"],
			json!({"display": [{"name": "Badge"}], "claims": [{"path": ["name"]}, {"path": ["level"]}]})
		);
		let ldp = &configurations["cpt-1000-ldp-vc"];
		assert_eq!(ldp["format"], "ldp_vc");
		assert_eq!(
			ldp["credential_definition"],
			json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"]})
		);
		assert_eq!(ldp["credential_signing_alg_values_supported"], json!(["eddsa-jcs-2022"]));
		assert_eq!(
			ldp["cryptographic_binding_methods_supported"],
			json!(["did:key", "did:jwk", "did:teeid"])
		);
		assert_eq!(
			ldp["credential_metadata"]["claims"][1],
			json!({"path": ["credentialSubject", "level"]})
		);
	}

	#[test]
	fn offers_have_the_openid4vci_shape_works() {
		let minted = MintedOffer::mint(&[3; 32], creator(), terms(), &BOTH, true, NOW, 600);
		let created = minted.created(URL);
		assert!(parse_offer_id(&created.offer_id).is_some());
		let code = pre_authorized_code(&parse_offer_id(&created.offer_id).unwrap());
		assert_eq!(code, minted.code);
		assert_eq!(jose::b64u_decode(&code).unwrap().len(), 32);
		let tx_code = created.tx_code.clone().unwrap();
		assert!(tx_code.len() == 6 && tx_code.bytes().all(|b| b.is_ascii_digit()), "{tx_code}");
		assert_eq!(
			created.credential_offer,
			json!({
				"credential_issuer": URL,
				"credential_configuration_ids": ["cpt-1000-sd-jwt", "cpt-1000-ldp-vc"],
				"grants": {
					"urn:ietf:params:oauth:grant-type:pre-authorized_code": {
						"pre-authorized_code": code,
						"tx_code": {"input_mode": "numeric", "length": 6, "description": TX_CODE_DESCRIPTION},
					},
				},
			})
		);
		let uri = format!("{URL}/v1/oid4vci/offers/{}", created.offer_id);
		assert_eq!(created.credential_offer_uri, uri);
		assert_eq!(
			created.offer_link,
			format!(
				"openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fissuer.example%2Fv1%2Foid4vci%2Foffers%2F{}",
				created.offer_id
			)
		);
		assert_eq!(created.qr_code_uri, format!("{uri}/qr.svg"));
		assert_eq!(created.expires_at, "2023-11-14T22:23:20Z");
		// Only hashes are stored: neither the id nor the code; the transaction code as an HMAC.
		let stored = String::from_utf8(encode(&minted.record)).unwrap();
		for secret in [&created.offer_id, &code] {
			assert!(!stored.contains(secret.as_str()), "{secret} is stored");
		}
		let check = minted.record.tx_code.as_ref().unwrap();
		assert_eq!((check.mac.len(), check.wrong_tries), (64, 0));
		assert!(check.admits(&[3; 32], &minted.key, &tx_code));
		assert!(!check.admits(&[4; 32], &minted.key, &tx_code), "keyed by the worker's secret");
		assert!(!check.admits(&[3; 32], &[0; 32], &tx_code), "bound to its offer");
		// Without a transaction code, the grant names none.
		let plain = MintedOffer::mint(&[3; 32], creator(), terms(), &BOTH[1..], false, NOW, 600);
		let offer = plain.created(URL).credential_offer;
		assert_eq!(offer["credential_configuration_ids"], json!(["cpt-1000-ldp-vc"]));
		let grant = &offer["grants"][PRE_AUTHORIZED_CODE_GRANT];
		assert_eq!(grant.as_object().unwrap().len(), 1, "{grant}");
		assert!(plain.created(URL).tx_code.is_none());
		assert!(qr_svg(&created.offer_link).unwrap().contains("<svg"));
	}

	#[test]
	fn nonces_are_minted_checked_and_expire_works() {
		let key = NonceKey([9; 32]);
		let nonce = key.mint(NOW);
		assert_eq!(jose::b64u_decode(&nonce).unwrap().len(), NONCE_BYTES);
		assert_ne!(nonce, key.mint(NOW), "each nonce is fresh");
		let id = key.check(&nonce, NOW).unwrap();
		assert_eq!(key.check(&nonce, NOW + NONCE_SECONDS - 1), Ok(id));
		assert_eq!(id[..8], (NOW + NONCE_SECONDS).to_be_bytes());
		let expired = key.check(&nonce, NOW + NONCE_SECONDS).unwrap_err();
		assert_eq!(expired.error, INVALID_NONCE);
		assert!(expired.description.contains("expired"), "{expired}");
		// Made up, tampered, another worker's, or not even base64url: not ours.
		let mut tampered = jose::b64u_decode(&nonce).unwrap();
		tampered[12] ^= 1;
		let later = key.mint_with(NOW + 10_000, [0; 16]);
		let mut extended = jose::b64u_decode(&later).unwrap();
		extended[24..].copy_from_slice(&jose::b64u_decode(&nonce).unwrap()[24..]);
		for made_up in [
			jose::b64u(&tampered),
			jose::b64u(&extended),
			NonceKey([8; 32]).mint(NOW),
			"made-up".into(),
			"A".repeat(MAX_SECRET_CHARS + 4),
		] {
			let refused = key.check(&made_up, NOW).unwrap_err();
			assert_eq!(refused.error, INVALID_NONCE, "{made_up}");
			assert!(refused.description.contains("not a c_nonce of this issuer"), "{refused}");
		}
	}

	#[test]
	fn a_pre_authorized_code_is_redeemed_once_works() {
		let dir = tempfile::tempdir().unwrap();
		let store = Store::open(&dir.path().join("w.redb")).unwrap();
		let book = OfferBook::new(store.database());
		let minted = offer(&book, true, NOW);
		let (record, code) = book.live_offer(&minted.offer_id, NOW).unwrap();
		assert_eq!((record, code), (minted.record.clone(), minted.code.clone()));
		// A missing transaction code is malformed, and costs no try.
		assert_eq!(book.redeem(&minted.code, None, NOW).unwrap_err().error, INVALID_REQUEST);
		let token = book.redeem(&minted.code, minted.tx_code.as_deref(), NOW).unwrap();
		let replay = book.redeem(&minted.code, minted.tx_code.as_deref(), NOW).unwrap_err();
		assert_eq!(replay.error, INVALID_GRANT);
		assert_eq!(book.redeem("made-up", None, NOW).unwrap_err().error, INVALID_GRANT);
		// Redeemed, the offer's URL serves it no more; the token leads to it while it lives.
		assert!(matches!(book.live_offer(&minted.offer_id, NOW), Err(WorkerError::NotFound(_))));
		let access = book.authorize(Some(&token), NOW + ACCESS_TOKEN_SECONDS - 1).unwrap();
		assert_eq!(access.key, minted.key);
		for refused in [
			book.authorize(Some(&token), NOW + ACCESS_TOKEN_SECONDS),
			book.authorize(Some("made-up"), NOW),
			book.authorize(None, NOW),
		] {
			let refused = refused.unwrap_err();
			assert_eq!((refused.status, refused.error), (StatusCode::UNAUTHORIZED, INVALID_TOKEN));
		}
		// Secrets are stored only as hashes.
		let stored = String::from_utf8(encode(&book.load(&minted.key).unwrap().unwrap())).unwrap();
		assert!(!stored.contains(&token) && !stored.contains(&minted.code));
	}

	#[test]
	fn three_wrong_tx_codes_void_the_offer_fails() {
		let dir = tempfile::tempdir().unwrap();
		let store = Store::open(&dir.path().join("w.redb")).unwrap();
		let book = OfferBook::new(store.database());
		let minted = offer(&book, true, NOW);
		let right = minted.tx_code.clone().unwrap();
		let wrong = if right == "000000" { "000001" } else { "000000" };
		for left in [2, 1] {
			let refused = book.redeem(&minted.code, Some(wrong), NOW).unwrap_err();
			assert_eq!(refused.error, INVALID_GRANT);
			assert!(refused.description.contains(&format!("{left} tries left")), "{refused}");
		}
		let voided = book.redeem(&minted.code, Some(wrong), NOW).unwrap_err();
		assert!(voided.description.contains("void"), "{voided}");
		// Gone: the right code no longer redeems it, and its URL serves nothing.
		assert_eq!(book.redeem(&minted.code, Some(&right), NOW).unwrap_err().error, INVALID_GRANT);
		assert!(book.live_offer(&minted.offer_id, NOW).is_err());
		// Another offer with two wrong tries is still redeemed by its right code.
		let other = offer(&book, true, NOW);
		let other_right = other.tx_code.clone().unwrap();
		let other_wrong = if other_right == "000000" { "000001" } else { "000000" };
		for _ in 0..2 {
			assert!(book.redeem(&other.code, Some(other_wrong), NOW).is_err());
		}
		assert!(book.redeem(&other.code, Some(&other_right), NOW).is_ok());
	}

	#[test]
	fn offers_expire_and_are_swept_works() {
		let dir = tempfile::tempdir().unwrap();
		let store = Store::open(&dir.path().join("w.redb")).unwrap();
		let book = OfferBook::new(store.database());
		let first = offer(&book, false, NOW);
		let expired = book.redeem(&first.code, None, NOW + 600).unwrap_err();
		assert_eq!(expired.error, INVALID_GRANT);
		assert!(expired.description.contains("expired"), "{expired}");
		assert!(book.live_offer(&first.offer_id, NOW + 600).is_err());
		// An offer nobody touches is swept when a later one is made.
		let second = offer(&book, false, NOW);
		assert!(book.load(&second.key).unwrap().is_some());
		offer(&book, false, NOW + 601);
		assert!(book.load(&second.key).unwrap().is_none());
		assert_eq!(book.redeem(&second.code, None, NOW + 601).unwrap_err().error, INVALID_GRANT);
		// The metadata lists the CPT offers were made for.
		let cpts = book.offered_cpts().unwrap();
		assert_eq!(cpts.len(), 1);
		assert_eq!(cpts[0].0, CPT);
	}

	#[test]
	fn a_configuration_issues_once_and_a_nonce_serves_once_works() {
		let dir = tempfile::tempdir().unwrap();
		let store = Store::open(&dir.path().join("w.redb")).unwrap();
		let book = OfferBook::new(store.database());
		let minted = offer(&book, false, NOW);
		let token = book.redeem(&minted.code, None, NOW).unwrap();
		let access = book.authorize(Some(&token), NOW).unwrap();
		let nonces = book.nonce_key().unwrap();
		let fresh = || nonces.check(&nonces.mint(NOW), NOW).unwrap();
		let (sd_jwt, ldp) = (configuration_id(CPT, BOTH[0]), configuration_id(CPT, BOTH[1]));
		let first = fresh();
		let reserved = book.reserve(&access, &sd_jwt, &first, NOW).unwrap();
		assert_eq!(reserved.configurations[0].state, ConfigurationState::Reserved);
		// The nonce is spent, whatever it is used for next.
		let reused = book.reserve(&access, &ldp, &first, NOW).unwrap_err();
		assert_eq!(reused.error, INVALID_NONCE);
		// A configuration in flight or issued is not issued again; one given back is.
		let second = fresh();
		let in_flight = book.reserve(&access, &sd_jwt, &second, NOW).unwrap_err();
		assert_eq!(in_flight.error, INVALID_CREDENTIAL_REQUEST);
		book.settle(&access.key, &sd_jwt, None).unwrap();
		book.reserve(&access, &sd_jwt, &second, NOW).unwrap();
		book.settle(&access.key, &sd_jwt, Some("urn:uuid:1".into())).unwrap();
		let third = fresh();
		let again = book.reserve(&access, &sd_jwt, &third, NOW).unwrap_err();
		assert_eq!(again.error, INVALID_CREDENTIAL_REQUEST);
		assert!(again.description.contains("issued already"), "{again}");
		let unknown = book.reserve(&access, "cpt-7-sd-jwt", &third, NOW).unwrap_err();
		assert_eq!(unknown.error, UNKNOWN_CREDENTIAL_CONFIGURATION);
		let record = book.reserve(&access, &ldp, &third, NOW).unwrap();
		assert_eq!(
			record.configurations[0].state,
			ConfigurationState::Issued { credential_id: "urn:uuid:1".into() }
		);
		// A token past its lifetime reserves nothing.
		let late = book.reserve(&access, &ldp, &fresh(), NOW + ACCESS_TOKEN_SECONDS).unwrap_err();
		assert_eq!(late.error, INVALID_TOKEN);
	}

	#[test]
	fn token_requests_are_read_strictly_works() {
		let form = |pairs: &[(&str, &str)]| {
			let mut form = form_urlencoded::Serializer::new(String::new());
			for (name, value) in pairs {
				form.append_pair(name, value);
			}
			form.finish()
		};
		let parse = |pairs: &[(&str, &str)]| TokenRequest::parse(form(pairs).as_bytes(), URL);
		let grant = ("grant_type", PRE_AUTHORIZED_CODE_GRANT);
		let code = ("pre-authorized_code", "abc");
		// What @openid4vc/oauth2 sends: the code, tx_code and user_pin alike, resource, client_id.
		let sent = [
			grant,
			code,
			("tx_code", "123456"),
			("user_pin", "123456"),
			("resource", URL),
			("client_id", "w"),
		];
		assert_eq!(
			parse(&sent),
			Ok(TokenRequest { code: "abc".into(), tx_code: Some("123456".into()) })
		);
		assert_eq!(parse(&[grant, code]), Ok(TokenRequest { code: "abc".into(), tx_code: None }));
		let error = |pairs: &[(&str, &str)]| parse(pairs).unwrap_err().error;
		assert_eq!(error(&[("grant_type", "authorization_code"), code]), UNSUPPORTED_GRANT_TYPE);
		assert_eq!(error(&[code]), INVALID_REQUEST);
		assert_eq!(error(&[grant]), INVALID_REQUEST);
		assert_eq!(error(&[grant, code, code]), INVALID_REQUEST);
		assert_eq!(error(&[grant, code, ("tx_code", "1"), ("user_pin", "2")]), INVALID_REQUEST);
		assert_eq!(error(&[grant, code, ("resource", "https://other.example")]), INVALID_TARGET);
		let long = "x".repeat(MAX_SECRET_CHARS + 1);
		assert_eq!(error(&[grant, ("pre-authorized_code", &long)]), INVALID_GRANT);
		let many: Vec<String> = (0..MAX_FORM_PARAMETERS).map(|i| format!("p{i}")).collect();
		let mut crowded = vec![grant, code];
		crowded.extend(many.iter().map(|name| (name.as_str(), "v")));
		assert_eq!(error(&crowded), INVALID_REQUEST);
	}

	#[test]
	fn credential_requests_carry_exactly_one_jwt_proof_works() {
		let request = |body: Value| serde_json::from_value::<CredentialRequest>(body).unwrap();
		let id = "cpt-1000-sd-jwt";
		let proofs =
			request(json!({"credential_configuration_id": id, "proofs": {"jwt": ["a.b.c"]}}));
		assert_eq!((proofs.configuration_id(), proofs.proof_jwt()), (Ok(id), Ok("a.b.c")));
		let legacy = request(
			json!({"credential_configuration_id": id, "proof": {"proof_type": "jwt", "jwt": "a.b.c"}}),
		);
		assert_eq!(legacy.proof_jwt(), Ok("a.b.c"));
		let error = |body: Value| request(body).proof_jwt().unwrap_err();
		let two = error(json!({"proofs": {"jwt": ["a.b.c", "d.e.f"]}}));
		assert_eq!(two.error, INVALID_PROOF);
		assert!(two.description.contains("exactly one"), "{two}");
		assert_eq!(error(json!({"proofs": {"jwt": []}})).error, INVALID_PROOF);
		assert_eq!(error(json!({})).error, INVALID_PROOF);
		assert_eq!(error(json!({"proofs": {"attestation": ["a.b.c"]}})).error, INVALID_PROOF);
		assert_eq!(error(json!({"proofs": {"jwt": ["a.b.c"], "di_vp": []}})).error, INVALID_PROOF);
		assert_eq!(
			error(json!({"proof": {"proof_type": "attestation", "jwt": "a"}})).error,
			INVALID_PROOF
		);
		let both =
			json!({"proofs": {"jwt": ["a.b.c"]}, "proof": {"proof_type": "jwt", "jwt": "a.b.c"}});
		assert_eq!(error(both).error, INVALID_CREDENTIAL_REQUEST);
		let configuration = |body: Value| request(body).configuration_id().unwrap_err().error;
		assert_eq!(configuration(json!({})), INVALID_CREDENTIAL_REQUEST);
		assert_eq!(
			configuration(json!({"credential_identifier": "x"})),
			UNKNOWN_CREDENTIAL_IDENTIFIER
		);
		let encrypted =
			json!({"credential_configuration_id": id, "credential_response_encryption": {}});
		assert_eq!(configuration(encrypted), INVALID_ENCRYPTION_PARAMETERS);
		let long =
			json!({"credential_configuration_id": "c".repeat(MAX_CONFIGURATION_ID_CHARS + 1)});
		assert_eq!(configuration(long), UNKNOWN_CREDENTIAL_CONFIGURATION);
	}

	fn proof_jwt(header: Value) -> Jwt {
		Jwt { header, payload: json!({}), signing_input: String::new(), signature: Vec::new() }
	}

	#[test]
	fn key_proofs_name_their_key_once_works() {
		let signer = ed25519_dalek::SigningKey::from_bytes(&[5; 32]);
		let key = HolderKey::Ed25519(signer.verifying_key().to_bytes());
		let jwk = key.to_jwk();
		let header = |extra: Value| {
			let mut header = json!({"typ": PROOF_JWT_TYP, "alg": "EdDSA"});
			header.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
			proof_jwt(header)
		};
		assert_eq!(
			ProofSigner::of(&header(json!({"jwk": jwk}))),
			Ok(ProofSigner::Jwk(key.clone()))
		);
		let kid = format!("{}#0", key.did_jwk());
		assert_eq!(
			ProofSigner::of(&header(json!({"kid": kid}))),
			Ok(ProofSigner::Kid(kid.clone()))
		);
		for refused in [
			header(json!({})),
			header(json!({"kid": kid, "jwk": jwk})),
			header(json!({"jwk": jwk, "x5c": ["MII"]})),
			header(json!({"jwk": jwk, "typ": "JWT"})),
			header(json!({"jwk": jwk, "alg": "RS256"})),
			header(json!({"kid": 7})),
		] {
			assert_eq!(
				ProofSigner::of(&refused).unwrap_err().error,
				INVALID_PROOF,
				"{:?}",
				refused.header
			);
		}
		// A whole proof, as a wallet signs it, verifies with the key it names.
		let payload = json!({"aud": URL, "iat": NOW, "nonce": "n"});
		let input = format!(
			"{}.{}",
			jose::b64u(
				json!({"typ": PROOF_JWT_TYP, "alg": "EdDSA", "jwk": key.to_jwk()})
					.to_string()
					.as_bytes()
			),
			jose::b64u(payload.to_string().as_bytes())
		);
		let compact = format!("{input}.{}", jose::b64u(&signer.sign(input.as_bytes()).to_bytes()));
		let jwt = Jwt::parse(&compact).unwrap();
		let ProofSigner::Jwk(named) = ProofSigner::of(&jwt).unwrap() else { panic!() };
		assert_eq!(jwt.verify(&named), Ok(()));
		assert_eq!(named.did_jwk(), key.did_jwk());
		assert_eq!(check_proof_claims(&jwt.payload, URL, NOW), Ok("n"));
	}

	#[test]
	fn key_proof_claims_are_checked_works() {
		let check =
			|payload: Value, now: u64| check_proof_claims(&payload, URL, now).map(str::to_string);
		let claims = |aud: Value, iat: Value| json!({"aud": aud, "iat": iat, "nonce": "n"});
		assert_eq!(check(claims(json!(URL), json!(NOW)), NOW), Ok("n".into()));
		assert_eq!(check(claims(json!(["x", URL]), json!(NOW)), NOW), Ok("n".into()));
		assert!(check(claims(json!(URL), json!(NOW - PROOF_MAX_AGE_SECONDS)), NOW).is_ok());
		assert!(check(claims(json!(URL), json!(NOW + PROOF_MAX_AHEAD_SECONDS)), NOW).is_ok());
		for refused in [
			claims(json!("https://other.example"), json!(NOW)),
			claims(json!([]), json!(NOW)),
			claims(json!(URL), json!(NOW - PROOF_MAX_AGE_SECONDS - 1)),
			claims(json!(URL), json!(NOW + PROOF_MAX_AHEAD_SECONDS + 1)),
			claims(json!(URL), json!("now")),
			json!({"aud": URL, "iat": NOW, "nonce": "n", "exp": NOW}),
		] {
			assert_eq!(check(refused.clone(), NOW).unwrap_err().error, INVALID_PROOF, "{refused}");
		}
		let no_nonce = check(json!({"aud": URL, "iat": NOW}), NOW).unwrap_err();
		assert_eq!(no_nonce.error, INVALID_NONCE);
	}

	#[test]
	fn oauth_errors_answer_in_the_oauth_shape_works() {
		let response = OauthError::invalid_token("gone").into_response();
		assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
		assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer error=\"invalid_token\"");
		assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
		let denied = OauthError::from(WorkerError::Conflict("unbound".into()));
		assert_eq!(
			(denied.status, denied.error),
			(StatusCode::BAD_REQUEST, CREDENTIAL_REQUEST_DENIED)
		);
		let down = OauthError::from(WorkerError::Unavailable("chain".into()));
		assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
		// RFC 6749 allows printable ASCII but `"` and `\` in descriptions.
		assert_eq!(description_text("a \"b\" \\ é\n"), "a 'b' / ??");
	}
}
