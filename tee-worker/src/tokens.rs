//! API tokens: random bearer secrets of which the worker stores only the SHA-256, each with
//! permissions and an account. This module is all of the worker's token logic: the one check
//! every route that needs a token runs ([`Authorized`]), the rules for making tokens, the
//! operator's grants and the `/v1/tokens` routes; the store only keeps the records.
//!
//! What a token's account means, per permission:
//! - `sign`: it issues only for issuer DIDs the account controls;
//! - `write`: it presents only for holder DIDs the account controls;
//! - `read`: it reads only the credential records of issuers the account controls (any, with
//!   `admin`); verifying and the status need no account;
//! - `admin`: it makes tokens only for its own account, with permissions it has (`admin` counts
//!   as every permission), and lists and revokes tokens;
//! - `endorse`: none. An `endorse` token has no other permission and serves one endorsement.
//!
//! Any token but an `endorse` one makes tokens with some of its permissions for its own
//! account, so no token leads to a token for another account. Tokens for other accounts come
//! from the worker's operator, who signs a grant with the operator key ([`GrantRequest`]).

use axum::{
	body::Bytes,
	extract::{FromRequestParts, Path, State},
	http::{header, request::Parts, HeaderMap, StatusCode},
	routing::{delete, post},
	Json, Router,
};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::{fmt, marker::PhantomData, ops::Deref, sync::Arc};
use subxt_signer::{sr25519, SecretUri};

use crate::{
	api::{body, hex_array},
	error::{ErrorBody, WorkerError},
	store::{Store, StoreError, TokenInsert},
	worker::{account_of, Worker},
};

/// The prefix that marks a teeid worker token.
pub const TOKEN_PREFIX: &str = "teeid_";

/// The longest label, in bytes: labels are for people, and every byte is stored.
pub const MAX_LABEL_BYTES: usize = 128;

/// How many tokens one account may hold (the tokens without an account count as one account):
/// every token may make tokens for its own account, and this bounds what one can store.
pub const MAX_TOKENS_PER_ACCOUNT: usize = 100;

/// How far an operator grant's `signedAt` may be from the worker's clock, in seconds.
pub const GRANT_WINDOW_SECONDS: u64 = 300;

/// The domain an operator's grant signature is made for, first in the signed bytes.
pub const GRANT_DOMAIN: &str = "teeid/token-grant/v1";

/// What a token allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Permission {
	/// Read: verify credentials and presentations, read the credential index and status.
	Read,
	/// Write: create presentations for DIDs the token's account controls.
	Write,
	/// Sign: issue credentials for DIDs the token's account controls.
	Sign,
	/// Admin: manage tokens and endorse joining workers. Implies every other permission.
	Admin,
	/// Endorse: one endorsement of a joining worker (`POST /v1/endorse`). A token with it has
	/// no other permission and is used up by the endorsement.
	Endorse,
}

impl Permission {
	/// Every permission, in order.
	pub const ALL: [Permission; 5] = [
		Permission::Read,
		Permission::Write,
		Permission::Sign,
		Permission::Admin,
		Permission::Endorse,
	];
}

impl fmt::Display for Permission {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str(match self {
			Permission::Read => "read",
			Permission::Write => "write",
			Permission::Sign => "sign",
			Permission::Admin => "admin",
			Permission::Endorse => "endorse",
		})
	}
}

impl std::str::FromStr for Permission {
	type Err = String;

	fn from_str(s: &str) -> Result<Self, Self::Err> {
		Permission::ALL.into_iter().find(|p| p.to_string() == s).ok_or_else(|| {
			format!("unknown permission `{s}` (read, write, sign, admin or endorse)")
		})
	}
}

/// A stored token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenRecord {
	/// What it allows.
	pub permissions: Vec<Permission>,
	/// The account (SS58 or `did:teeid`) whose DIDs it may sign or present for.
	pub account: Option<String>,
	/// A name for people.
	pub label: String,
	/// Creation time, seconds since the Unix epoch.
	pub created: u64,
}

impl TokenRecord {
	/// Whether the token allows `permission` (admin allows everything).
	pub fn allows(&self, permission: Permission) -> bool {
		self.permissions.iter().any(|p| *p == permission || *p == Permission::Admin)
	}

	/// Whether the token serves one endorsement and nothing else.
	pub fn is_single_use(&self) -> bool {
		!self.permissions.is_empty() && self.permissions.iter().all(|p| *p == Permission::Endorse)
	}

	/// The token `request` asks this token to make: with permissions this token has, for this
	/// token's own account (the request may name it, in either form, or leave it out), never
	/// by an `endorse` token (a copy would be a second endorsement).
	pub fn make(&self, request: NewToken, created: u64) -> Result<TokenRecord, WorkerError> {
		if self.is_single_use() {
			return Err(WorkerError::Forbidden(
				"an `endorse` token makes no tokens: it serves one endorsement".into(),
			));
		}
		let permissions = checked_permissions(request.permissions)?;
		let label = checked_label(request.label)?;
		let account = checked_account(request.account)?;
		if let Some(lacking) = permissions.iter().find(|p| !self.allows(**p)) {
			return Err(WorkerError::Forbidden(format!(
				"a token makes only tokens with permissions it has, and this one lacks `{lacking}`"
			)));
		}
		let own_account = account
			.is_none_or(|account| same_account(Some(account.as_str()), self.account.as_deref()));
		if !own_account {
			return Err(WorkerError::Forbidden(
				"a token makes only tokens for its own account; tokens for other accounts are \
				 granted by the worker's operator (`teeid-worker token grant`)"
					.into(),
			));
		}
		Ok(TokenRecord { permissions, account: self.account.clone(), label, created })
	}
}

/// Whether two accounts, each an SS58 address, a `did:teeid` DID or absent, are the same.
fn same_account(a: Option<&str>, b: Option<&str>) -> bool {
	match (a, b) {
		(None, None) => true,
		(Some(a), Some(b)) => {
			matches!((account_of(a), account_of(b)), (Some(a), Some(b)) if a == b)
		},
		_ => false,
	}
}

/// The permissions of a new token: at least one, each once (in the order given), and
/// `endorse` alone.
fn checked_permissions(permissions: Vec<Permission>) -> Result<Vec<Permission>, WorkerError> {
	let mut unique: Vec<Permission> = Vec::with_capacity(permissions.len());
	for permission in permissions {
		if !unique.contains(&permission) {
			unique.push(permission);
		}
	}
	if unique.is_empty() {
		return Err(WorkerError::BadRequest("a token needs at least one permission".into()));
	}
	if unique.contains(&Permission::Endorse) && unique.len() > 1 {
		return Err(WorkerError::BadRequest(
			"an `endorse` token has no other permission: it is used up by its one endorsement"
				.into(),
		));
	}
	Ok(unique)
}

/// A label of at most [`MAX_LABEL_BYTES`].
fn checked_label(label: String) -> Result<String, WorkerError> {
	if label.len() > MAX_LABEL_BYTES {
		return Err(WorkerError::BadRequest(format!("a label is at most {MAX_LABEL_BYTES} bytes")));
	}
	Ok(label)
}

/// An account, if given, that names one: an SS58 address or a `did:teeid` DID.
fn checked_account(account: Option<String>) -> Result<Option<String>, WorkerError> {
	match account {
		Some(account) if account_of(&account).is_none() => Err(WorkerError::BadRequest(
			"`account` is neither an SS58 address nor a did:teeid DID".into(),
		)),
		account => Ok(account),
	}
}

/// A new random token: 32 bytes from the OS, hex, with the [`TOKEN_PREFIX`].
pub fn generate() -> String {
	let mut secret = [0u8; 32];
	OsRng.fill_bytes(&mut secret);
	format!("{TOKEN_PREFIX}{}", hex::encode(secret))
}

/// The key a token is stored under. `None` if `token` does not have the shape of one.
pub fn hash(token: &str) -> Option<[u8; 32]> {
	let secret = token.strip_prefix(TOKEN_PREFIX)?;
	if secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
		return None;
	}
	Some(Sha256::digest(token.as_bytes()).into())
}

/// The public id of a token: the first 8 bytes of its hash, in hex.
pub fn id(hash: &[u8; 32]) -> String {
	hex::encode(&hash[..8])
}

/// The token of an `Authorization: Bearer <token>` header, if there is one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
	headers
		.get(header::AUTHORIZATION)
		.and_then(|value| value.to_str().ok())
		.and_then(|value| value.strip_prefix("Bearer "))
		.map(str::trim)
}

/// What the token check and the token routes need from the state they serve.
pub trait TokenState: Send + Sync + 'static {
	/// The database holding the tokens.
	fn store(&self) -> &Store;
	/// What an operator grant names, so that it serves this worker of this chain only.
	fn grant_scope(&self) -> GrantScope;
	/// The operator's sr25519 public key, whose signature grants tokens for any account.
	fn operator_public(&self) -> [u8; 32];
}

impl TokenState for Worker {
	fn store(&self) -> &Store {
		&self.store
	}

	fn grant_scope(&self) -> GrantScope {
		GrantScope { genesis: self.chain.genesis_hash().0, worker: self.key() }
	}

	fn operator_public(&self) -> [u8; 32] {
		self.chain.operator_public()
	}
}

/// The permission a route needs, as a type: the parameter of [`Authorized`].
pub trait Required: Send + Sync + 'static {
	/// The permission; `None` lets any known token through.
	const PERMISSION: Option<Permission>;
}

/// A route that needs `read`.
pub struct Read;
/// A route that needs `write`.
pub struct Write;
/// A route that needs `sign`.
pub struct Sign;
/// A route that needs `admin`.
pub struct Admin;
/// A route that needs `endorse`: it uses up a single-use `endorse` token.
pub struct Endorse;
/// A route that takes any known token and checks what it may do itself (making tokens).
pub struct AnyPermission;

impl Required for Read {
	const PERMISSION: Option<Permission> = Some(Permission::Read);
}
impl Required for Write {
	const PERMISSION: Option<Permission> = Some(Permission::Write);
}
impl Required for Sign {
	const PERMISSION: Option<Permission> = Some(Permission::Sign);
}
impl Required for Admin {
	const PERMISSION: Option<Permission> = Some(Permission::Admin);
}
impl Required for Endorse {
	const PERMISSION: Option<Permission> = Some(Permission::Endorse);
}
impl Required for AnyPermission {
	const PERMISSION: Option<Permission> = None;
}

/// The request's bearer token, checked to be known here and to allow `P`: the one token check
/// of every route that needs a token, as an axum extractor. It rejects in the API's error
/// format: 401 without a known token, 403 without the permission. On an [`Endorse`] route it
/// uses up a single-use `endorse` token by deleting it, in one database transaction (of two
/// requests with the token, one gets through) that a restart does not undo.
pub struct Authorized<P> {
	hash: [u8; 32],
	record: TokenRecord,
	used_up: bool,
	required: PhantomData<fn() -> P>,
}

impl<P> Deref for Authorized<P> {
	type Target = TokenRecord;

	fn deref(&self) -> &TokenRecord {
		&self.record
	}
}

impl<P: Required> Authorized<P> {
	/// Checks `bearer`, the token a request presents, against the tokens in `store`.
	pub fn check(store: &Store, bearer: Option<&str>) -> Result<Self, WorkerError> {
		let bearer = bearer.ok_or_else(|| {
			WorkerError::Unauthorized(match P::PERMISSION {
				Some(permission) => format!(
					"a token with the `{permission}` permission is required (Authorization: \
					 Bearer …)"
				),
				None => "a token is required (Authorization: Bearer …)".into(),
			})
		})?;
		let hash = hash(bearer)
			.ok_or_else(|| WorkerError::Unauthorized("the token is malformed".into()))?;
		let unknown = || WorkerError::Unauthorized("the token is not known here".into());
		let record = store.token(&hash)?.ok_or_else(unknown)?;
		if let Some(permission) = P::PERMISSION {
			if !record.allows(permission) {
				return Err(WorkerError::Forbidden(format!(
					"the token lacks the `{permission}` permission"
				)));
			}
		}
		let used_up = P::PERMISSION == Some(Permission::Endorse) && record.is_single_use();
		// The deletion decides: a concurrent request that read the token too finds it gone.
		let record = if used_up { store.take_token(&hash)?.ok_or_else(unknown)? } else { record };
		Ok(Self { hash, record, used_up, required: PhantomData })
	}
}

impl<P> Authorized<P> {
	/// Stores a single-use token again after the work it was used up for failed, so that the
	/// client, who got nothing from it, can retry. Does nothing for other tokens.
	pub fn give_back(self, store: &Store) -> Result<(), StoreError> {
		if self.used_up {
			store.put_token(&self.hash, &self.record)?;
		}
		Ok(())
	}
}

impl<P: Required, W: TokenState> FromRequestParts<Arc<W>> for Authorized<P> {
	type Rejection = WorkerError;

	async fn from_request_parts(
		parts: &mut Parts,
		state: &Arc<W>,
	) -> Result<Self, Self::Rejection> {
		Self::check(state.store(), bearer(&parts.headers))
	}
}

/// What `POST /v1/tokens` takes.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
	/// The permissions: some of the creating token's (`admin` counts as every one).
	pub permissions: Vec<Permission>,
	/// The creating token's own account (SS58 or `did:teeid`); its account if absent.
	pub account: Option<String>,
	/// A name for people (at most 128 bytes).
	pub label: String,
}

/// What `POST /v1/tokens` answers: the only time the secret is shown.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CreatedToken {
	/// The token's public id.
	pub id: String,
	/// The secret.
	pub token: String,
}

/// A token as listed.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenInfo {
	/// The public id.
	pub id: String,
	/// Its permissions.
	pub permissions: Vec<Permission>,
	/// Its account.
	pub account: Option<String>,
	/// Its label.
	pub label: String,
}

/// What `POST /v1/tokens/grant` takes: a token for any account, granted by the worker's
/// operator, whose key signs [`grant_message`] of these fields. The operator's CLI makes the
/// secret and sends only its hash, so the secret never crosses the network and a replayed
/// grant stores nothing new.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GrantRequest {
	/// The permissions: `read`, `write` and `sign` only.
	pub permissions: Vec<Permission>,
	/// The account (SS58 or `did:teeid`) whose DIDs the token signs and presents for.
	pub account: Option<String>,
	/// A name for people (at most 128 bytes).
	pub label: String,
	/// The SHA-256 of the new token, `0x` hex.
	pub token_hash: String,
	/// When the operator signed, seconds since the Unix epoch (within 300 s of the worker's
	/// clock).
	pub signed_at: u64,
	/// The operator's sr25519 signature of the grant, `0x` hex.
	pub signature: String,
}

/// What `POST /v1/tokens/grant` answers.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GrantedToken {
	/// The token's public id.
	pub id: String,
}

/// The worker a grant is for: the genesis hash of its chain and its TEE key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GrantScope {
	/// The chain's genesis hash.
	pub genesis: [u8; 32],
	/// The worker's TEE key.
	pub worker: [u8; 32],
}

/// The bytes an operator signs to grant a token: the JSON object `{"domain", "genesis",
/// "worker", "signedAt", "tokenHash", "permissions", "account", "label"}`, in this order and
/// without spaces, with `domain` [`GRANT_DOMAIN`] and the chain's genesis hash, the worker's TEE
/// key and the token hash as `0x` hex.
pub fn grant_message(
	scope: &GrantScope,
	signed_at: u64,
	token_hash: &[u8; 32],
	permissions: &[Permission],
	account: Option<&str>,
	label: &str,
) -> Vec<u8> {
	#[derive(Serialize)]
	#[serde(rename_all = "camelCase")]
	struct GrantMessage<'a> {
		domain: &'a str,
		genesis: String,
		worker: String,
		signed_at: u64,
		token_hash: String,
		permissions: &'a [Permission],
		account: Option<&'a str>,
		label: &'a str,
	}
	serde_json::to_vec(&GrantMessage {
		domain: GRANT_DOMAIN,
		genesis: format!("0x{}", hex::encode(scope.genesis)),
		worker: format!("0x{}", hex::encode(scope.worker)),
		signed_at,
		token_hash: format!("0x{}", hex::encode(token_hash)),
		permissions,
		account,
		label,
	})
	.expect("strings, numbers and permissions serialize")
}

/// The operator's side of a grant (the CLI's `token grant`): a new token, and the request,
/// signed with the key of secret URI `operator`, that stores it on the worker whose TEE key is
/// `worker`.
pub fn sign_grant(
	operator: &str,
	scope: &GrantScope,
	permissions: Vec<Permission>,
	account: Option<String>,
	label: String,
) -> Result<(String, GrantRequest), String> {
	let uri: SecretUri =
		operator.parse().map_err(|_| "the operator's secret URI is not valid".to_string())?;
	let operator =
		sr25519::Keypair::from_uri(&uri).map_err(|e| format!("the operator's secret URI: {e}"))?;
	let token = generate();
	let token_hash = hash(&token).expect("generated tokens are well formed");
	let signed_at = now_seconds();
	let message =
		grant_message(scope, signed_at, &token_hash, &permissions, account.as_deref(), &label);
	let signature = operator.sign(&message);
	let request = GrantRequest {
		permissions,
		account,
		label,
		token_hash: format!("0x{}", hex::encode(token_hash)),
		signed_at,
		signature: format!("0x{}", hex::encode(signature.0)),
	};
	Ok((token, request))
}

impl GrantRequest {
	/// The token this grant stores, and its hash, if the operator whose public key is
	/// `operator` signed it for the worker whose TEE key is `worker` within
	/// [`GRANT_WINDOW_SECONDS`] of `now`.
	pub fn verify(
		self,
		scope: &GrantScope,
		operator: &[u8; 32],
		now: u64,
	) -> Result<([u8; 32], TokenRecord), WorkerError> {
		let token_hash: [u8; 32] = hex_array(&self.token_hash, "tokenHash")?;
		let signature: [u8; 64] = hex_array(&self.signature, "signature")?;
		if now.abs_diff(self.signed_at) > GRANT_WINDOW_SECONDS {
			return Err(WorkerError::Unauthorized(format!(
				"the grant was signed at {}, more than {GRANT_WINDOW_SECONDS} s from this \
				 worker's clock ({now})",
				self.signed_at
			)));
		}
		let message = grant_message(
			scope,
			self.signed_at,
			&token_hash,
			&self.permissions,
			self.account.as_deref(),
			&self.label,
		);
		let signed = sr25519::verify(
			&sr25519::Signature(signature),
			&message,
			&sr25519::PublicKey(*operator),
		);
		if !signed {
			return Err(WorkerError::Unauthorized(
				"the grant is not signed by this worker's operator (for this worker, its chain and \
				 these fields)"
					.into(),
			));
		}
		let permissions = checked_permissions(self.permissions)?;
		if let Some(kept) =
			permissions.iter().find(|p| matches!(p, Permission::Admin | Permission::Endorse))
		{
			return Err(WorkerError::Forbidden(format!(
				"a grant makes `read`, `write` and `sign` tokens; `{kept}` tokens are made with \
				 an admin token"
			)));
		}
		let label = checked_label(self.label)?;
		let account = checked_account(self.account)?;
		Ok((token_hash, TokenRecord { permissions, account, label, created: now }))
	}
}

/// Stores a new token, unless its hash is taken or its account holds
/// [`MAX_TOKENS_PER_ACCOUNT`] tokens already.
fn store_new_token(
	store: &Store,
	hash: &[u8; 32],
	record: &TokenRecord,
) -> Result<(), WorkerError> {
	let account = record.account.as_deref();
	let same = |stored: &TokenRecord| same_account(stored.account.as_deref(), account);
	match store.insert_token(hash, record, same, MAX_TOKENS_PER_ACCOUNT)? {
		TokenInsert::Inserted => Ok(()),
		TokenInsert::Exists => {
			Err(WorkerError::Conflict("a token with this hash is stored already".into()))
		},
		TokenInsert::Full => Err(WorkerError::Conflict(format!(
			"the account holds {MAX_TOKENS_PER_ACCOUNT} tokens already: revoke some first"
		))),
	}
}

/// The token routes, for any state that holds tokens.
pub fn router<W: TokenState>() -> Router<Arc<W>> {
	Router::new()
		.route("/v1/tokens", post(create_token::<W>).get(list_tokens::<W>))
		.route("/v1/tokens/grant", post(grant_token::<W>))
		.route("/v1/tokens/{id}", delete(delete_token::<W>))
}

/// Creates a token with some of the presenting token's permissions, for its own account (any
/// token but an `endorse` one).
#[utoipa::path(post, path = "/v1/tokens", request_body = NewToken, security(("bearer" = [])),
	responses((status = 201, body = CreatedToken), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
		(status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_token<W: TokenState>(
	State(state): State<Arc<W>>,
	creator: Authorized<AnyPermission>,
	bytes: Bytes,
) -> Result<(StatusCode, Json<CreatedToken>), WorkerError> {
	let request: NewToken = body(&bytes)?;
	let record = creator.make(request, now_seconds())?;
	let token = generate();
	let hash = hash(&token).expect("generated tokens are well formed");
	store_new_token(state.store(), &hash, &record)?;
	Ok((StatusCode::CREATED, Json(CreatedToken { id: id(&hash), token })))
}

/// Stores a token for any account that the worker's operator granted with a signature (no
/// bearer token: the signature authorizes).
#[utoipa::path(post, path = "/v1/tokens/grant", request_body = GrantRequest,
	responses((status = 201, body = GrantedToken), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
		(status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn grant_token<W: TokenState>(
	State(state): State<Arc<W>>,
	bytes: Bytes,
) -> Result<(StatusCode, Json<GrantedToken>), WorkerError> {
	let request: GrantRequest = body(&bytes)?;
	let (hash, record) =
		request.verify(&state.grant_scope(), &state.operator_public(), now_seconds())?;
	store_new_token(state.store(), &hash, &record)?;
	Ok((StatusCode::CREATED, Json(GrantedToken { id: id(&hash) })))
}

/// Lists the tokens (`admin`); secrets are never shown again.
#[utoipa::path(get, path = "/v1/tokens", security(("bearer" = [])),
	responses((status = 200, body = [TokenInfo]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_tokens<W: TokenState>(
	State(state): State<Arc<W>>,
	_: Authorized<Admin>,
) -> Result<Json<Vec<TokenInfo>>, WorkerError> {
	let tokens = state.store().tokens()?;
	Ok(Json(
		tokens
			.into_iter()
			.map(|(hash, record)| TokenInfo {
				id: id(&hash),
				permissions: record.permissions,
				account: record.account,
				label: record.label,
			})
			.collect(),
	))
}

/// Revokes a token by its id (`admin`).
#[utoipa::path(delete, path = "/v1/tokens/{id}", security(("bearer" = [])),
	params(("id" = String, Path, description = "The token's id")),
	responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
		(status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_token<W: TokenState>(
	State(state): State<Arc<W>>,
	_: Authorized<Admin>,
	Path(id): Path<String>,
) -> Result<StatusCode, WorkerError> {
	let prefix = hex::decode(&id)
		.ok()
		.filter(|p| p.len() == 8)
		.ok_or_else(|| WorkerError::BadRequest("a token id is 16 hex digits".into()))?;
	match state.store().delete_tokens(&prefix)? {
		0 => Err(WorkerError::NotFound(format!("no token {id}"))),
		_ => Ok(StatusCode::NO_CONTENT),
	}
}

/// On a worker's first start: an admin token for the operator's account, written to `file`
/// (owner-only). Does nothing once any token exists.
pub fn first_admin_token(
	store: &Store,
	account: &str,
	file: &std::path::Path,
) -> Result<(), WorkerError> {
	if !store.tokens()?.is_empty() {
		return Ok(());
	}
	// The file first: a token stored but never written would lock the operator out.
	let token = generate();
	let hash = hash(&token).expect("generated tokens are well formed");
	write_secret(file, &token)
		.map_err(|e| WorkerError::Internal(format!("cannot write {}: {e}", file.display())))?;
	let record = TokenRecord {
		permissions: vec![Permission::Admin],
		account: Some(account.into()),
		label: "admin".into(),
		created: now_seconds(),
	};
	store.put_token(&hash, &record)?;
	tracing::info!(file = %file.display(), "created the first admin token");
	Ok(())
}

/// Seconds since the Unix epoch.
fn now_seconds() -> u64 {
	std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map(|d| d.as_secs())
		.unwrap_or_default()
}

/// Writes `secret` to `file`, owner-only, atomically (a temporary file renamed).
fn write_secret(file: &std::path::Path, secret: &str) -> std::io::Result<()> {
	use std::{io::Write as _, os::unix::fs::OpenOptionsExt};
	let temporary = file.with_extension("tmp");
	let mut out = std::fs::OpenOptions::new()
		.write(true)
		.create(true)
		.truncate(true)
		.mode(0o600)
		.open(&temporary)?;
	writeln!(out, "{secret}")?;
	out.sync_all()?;
	std::fs::rename(&temporary, file)
}

#[cfg(test)]
mod tests {
	use super::*;
	use axum::{
		body::{to_bytes, Body},
		handler::Handler,
		http::Request,
		response::Response,
	};
	use serde_json::{json, Value};

	const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
	const ALICE_DID: &str = "did:teeid:5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
	const DAVE: &str = "5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy";
	const OPERATOR: &str = "//Bob";
	/// The chain and the TEE key of the worker in these tests.
	const SCOPE: GrantScope = GrantScope { genesis: [6; 32], worker: [7; 32] };

	/// A worker as far as tokens go: a database, a TEE key and an operator.
	struct TokenWorker {
		store: Store,
	}

	impl TokenState for TokenWorker {
		fn store(&self) -> &Store {
			&self.store
		}

		fn grant_scope(&self) -> GrantScope {
			SCOPE
		}

		fn operator_public(&self) -> [u8; 32] {
			keypair(OPERATOR).public_key().0
		}
	}

	fn keypair(uri: &str) -> sr25519::Keypair {
		sr25519::Keypair::from_uri(&uri.parse::<SecretUri>().unwrap()).unwrap()
	}

	fn token_worker(dir: &tempfile::TempDir) -> Arc<TokenWorker> {
		Arc::new(TokenWorker { store: Store::open(&dir.path().join("worker.redb")).unwrap() })
	}

	/// Stores a token with `permissions` for `account`; returns its secret.
	fn stored(store: &Store, permissions: &[Permission], account: Option<&str>) -> String {
		let token = generate();
		let record = TokenRecord {
			permissions: permissions.to_vec(),
			account: account.map(String::from),
			label: "test".into(),
			created: 0,
		};
		store.put_token(&hash(&token).unwrap(), &record).unwrap();
		token
	}

	fn request(method: &str, uri: &str, bearer: Option<&str>, body: &Value) -> Request<Body> {
		let mut builder = Request::builder().method(method).uri(uri);
		if let Some(bearer) = bearer {
			builder = builder.header(header::AUTHORIZATION, format!("Bearer {bearer}"));
		}
		builder.body(Body::from(body.to_string())).unwrap()
	}

	/// The status and JSON body of `response`.
	async fn answer(response: Response) -> (StatusCode, Value) {
		let status = response.status();
		let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
		(status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
	}

	async fn create(worker: &Arc<TokenWorker>, bearer: &str, body: Value) -> (StatusCode, Value) {
		let request = request("POST", "/v1/tokens", Some(bearer), &body);
		answer(Handler::call(create_token::<TokenWorker>, request, worker.clone()).await).await
	}

	async fn grant(worker: &Arc<TokenWorker>, grant: &GrantRequest) -> (StatusCode, Value) {
		let body = serde_json::to_value(grant).unwrap();
		let request = request("POST", "/v1/tokens/grant", None, &body);
		answer(Handler::call(grant_token::<TokenWorker>, request, worker.clone()).await).await
	}

	async fn list(worker: &Arc<TokenWorker>, bearer: Option<&str>) -> (StatusCode, Value) {
		let request = request("GET", "/v1/tokens", bearer, &Value::Null);
		answer(Handler::call(list_tokens::<TokenWorker>, request, worker.clone()).await).await
	}

	/// The stored record of the token `secret`.
	fn record_of(worker: &TokenWorker, secret: &str) -> TokenRecord {
		worker.store.token(&hash(secret).unwrap()).unwrap().unwrap()
	}

	#[test]
	fn tokens_are_random_and_well_formed() {
		let (a, b) = (generate(), generate());
		assert_ne!(a, b);
		assert!(hash(&a).is_some());
		assert_eq!(hash("teeid_short"), None);
		assert_eq!(hash(&a.replace(TOKEN_PREFIX, "other_")), None);
	}

	#[test]
	fn admin_implies_everything_and_endorse_nothing_else() {
		let record = |permissions| TokenRecord {
			permissions,
			account: None,
			label: String::new(),
			created: 0,
		};
		assert!(record(vec![Permission::Admin]).allows(Permission::Sign));
		assert!(record(vec![Permission::Admin]).allows(Permission::Endorse));
		assert!(!record(vec![Permission::Admin]).is_single_use());
		assert!(!record(vec![Permission::Read]).allows(Permission::Sign));
		assert!(record(vec![Permission::Read, Permission::Sign]).allows(Permission::Sign));
		assert!(record(vec![Permission::Endorse]).is_single_use());
		assert!(!record(vec![Permission::Endorse]).allows(Permission::Read));
		assert_eq!("sign".parse::<Permission>(), Ok(Permission::Sign));
		assert_eq!("endorse".parse::<Permission>(), Ok(Permission::Endorse));
		assert!("root".parse::<Permission>().is_err());
	}

	#[tokio::test]
	async fn an_admin_token_makes_no_token_for_another_account() {
		let dir = tempfile::tempdir().unwrap();
		let worker = token_worker(&dir);
		let admin = stored(&worker.store, &[Permission::Admin], Some(ALICE_DID));
		let asked = json!({ "permissions": ["sign"], "account": DAVE, "label": "as dave" });
		let (status, body) = create(&worker, &admin, asked).await;
		assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
		assert_eq!(body["error"], "forbidden");
		assert!(body["message"].as_str().unwrap().contains("its own account"), "{body}");
		// Nor does an admin token without an account make one with an account.
		let unbound = stored(&worker.store, &[Permission::Admin], None);
		let asked = json!({ "permissions": ["read"], "account": ALICE, "label": "" });
		assert_eq!(create(&worker, &unbound, asked).await.0, StatusCode::FORBIDDEN);
		assert_eq!(worker.store.tokens().unwrap().len(), 2, "nothing was stored");
	}

	#[tokio::test]
	async fn a_token_makes_no_token_with_a_permission_it_lacks() {
		let dir = tempfile::tempdir().unwrap();
		let worker = token_worker(&dir);
		let signer = stored(&worker.store, &[Permission::Sign, Permission::Read], Some(ALICE));
		let asked = json!({ "permissions": ["read", "sign", "write"], "label": "more" });
		let (status, body) = create(&worker, &signer, asked).await;
		assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
		assert!(body["message"].as_str().unwrap().contains("lacks `write`"), "{body}");
		for permission in ["admin", "endorse"] {
			let asked = json!({ "permissions": [permission], "label": "" });
			assert_eq!(create(&worker, &signer, asked).await.0, StatusCode::FORBIDDEN);
		}
		// An endorse token makes nothing, not even another endorse token.
		let endorse = stored(&worker.store, &[Permission::Endorse], None);
		let asked = json!({ "permissions": ["endorse"], "label": "copy" });
		let (status, body) = create(&worker, &endorse, asked).await;
		assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
		assert!(body["message"].as_str().unwrap().contains("makes no tokens"), "{body}");
		assert!(worker.store.token(&hash(&endorse).unwrap()).unwrap().is_some(), "not used up");
		assert_eq!(worker.store.tokens().unwrap().len(), 2, "nothing was stored");
	}

	#[tokio::test]
	async fn a_token_makes_tokens_with_some_of_its_permissions_for_its_own_account() {
		let dir = tempfile::tempdir().unwrap();
		let worker = token_worker(&dir);
		let signer = stored(&worker.store, &[Permission::Sign, Permission::Read], Some(ALICE_DID));
		// The account in its other form, and a permission named twice.
		let asked = json!({ "permissions": ["read", "read"], "account": ALICE, "label": "reader" });
		let (status, body) = create(&worker, &signer, asked).await;
		assert_eq!(status, StatusCode::CREATED, "{body}");
		let reader = body["token"].as_str().unwrap();
		assert_eq!(body["id"], id(&hash(reader).unwrap()));
		let made = record_of(&worker, reader);
		assert_eq!(made.permissions, vec![Permission::Read]);
		assert_eq!(made.account.as_deref(), Some(ALICE_DID));
		assert_eq!(made.label, "reader");
		assert!(Authorized::<Read>::check(&worker.store, Some(reader)).is_ok());
		assert!(matches!(
			Authorized::<Sign>::check(&worker.store, Some(reader)),
			Err(WorkerError::Forbidden(_))
		));
		// Without an account, the new token has the creating token's.
		let admin = stored(&worker.store, &[Permission::Admin], Some(ALICE));
		let asked = json!({ "permissions": ["endorse"], "label": "join" });
		let (status, body) = create(&worker, &admin, asked).await;
		assert_eq!(status, StatusCode::CREATED, "{body}");
		let endorse = record_of(&worker, body["token"].as_str().unwrap());
		assert_eq!(endorse.permissions, vec![Permission::Endorse]);
		assert_eq!(endorse.account.as_deref(), Some(ALICE));
		// Bad requests are refused as such.
		for (asked, fragment) in [
			(json!({ "permissions": [], "label": "" }), "at least one permission"),
			(json!({ "permissions": ["endorse", "admin"], "label": "" }), "no other permission"),
			(json!({ "permissions": ["read"], "account": "alice", "label": "" }), "neither"),
			(json!({ "permissions": ["read"], "label": "x".repeat(129) }), "at most 128 bytes"),
			(json!({ "permissions": ["root"], "label": "" }), "malformed request body"),
		] {
			let (status, body) = create(&worker, &admin, asked).await;
			assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
			assert!(body["message"].as_str().unwrap().contains(fragment), "{body}");
		}
	}

	#[tokio::test]
	async fn an_account_holds_a_bounded_number_of_tokens() {
		let dir = tempfile::tempdir().unwrap();
		let worker = token_worker(&dir);
		let reader = stored(&worker.store, &[Permission::Read], Some(ALICE));
		for _ in 1..MAX_TOKENS_PER_ACCOUNT {
			stored(&worker.store, &[Permission::Read], Some(ALICE_DID));
		}
		let asked = json!({ "permissions": ["read"], "label": "one more" });
		let (status, body) = create(&worker, &reader, asked).await;
		assert_eq!(status, StatusCode::CONFLICT, "{body}");
		assert!(body["message"].as_str().unwrap().contains("revoke some"), "{body}");
		// Another account's tokens do not count.
		let other = stored(&worker.store, &[Permission::Read], Some(DAVE));
		let asked = json!({ "permissions": ["read"], "label": "dave's" });
		assert_eq!(create(&worker, &other, asked).await.0, StatusCode::CREATED);
	}

	#[test]
	fn an_endorse_token_serves_once_even_after_a_restart() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("worker.redb");
		let (endorse, admin) = {
			let store = Store::open(&path).unwrap();
			let endorse = stored(&store, &[Permission::Endorse], None);
			let admin = stored(&store, &[Permission::Admin], Some(ALICE));
			// A route it does not serve refuses it and leaves it usable.
			assert!(matches!(
				Authorized::<Read>::check(&store, Some(endorse.as_str())),
				Err(WorkerError::Forbidden(_))
			));
			// Used up by the endorsement that failed, then given back for a retry.
			let used = Authorized::<Endorse>::check(&store, Some(endorse.as_str())).unwrap();
			assert_eq!(store.token(&hash(&endorse).unwrap()).unwrap(), None);
			used.give_back(&store).unwrap();
			// The endorsement that succeeds uses it up for good.
			assert!(Authorized::<Endorse>::check(&store, Some(endorse.as_str())).is_ok());
			let second = Authorized::<Endorse>::check(&store, Some(endorse.as_str()));
			assert!(matches!(second, Err(WorkerError::Unauthorized(_))));
			// An admin token endorses and stays.
			let endorsing = Authorized::<Endorse>::check(&store, Some(admin.as_str())).unwrap();
			endorsing.give_back(&store).unwrap();
			assert!(Authorized::<Endorse>::check(&store, Some(admin.as_str())).is_ok());
			(endorse, admin)
		};
		let store = Store::open(&path).unwrap();
		let after_restart = Authorized::<Endorse>::check(&store, Some(endorse.as_str()));
		assert!(matches!(after_restart, Err(WorkerError::Unauthorized(_))));
		assert!(Authorized::<Endorse>::check(&store, Some(admin.as_str())).is_ok());
	}

	#[tokio::test]
	async fn routes_refuse_a_missing_or_lacking_token_in_the_api_error_format() {
		let dir = tempfile::tempdir().unwrap();
		let worker = token_worker(&dir);
		let (status, body) = list(&worker, None).await;
		assert_eq!(status, StatusCode::UNAUTHORIZED);
		assert_eq!(body["error"], "unauthorized");
		assert_eq!(
			body["message"],
			"a token with the `admin` permission is required (Authorization: Bearer …)"
		);
		let (status, body) = list(&worker, Some("teeid_nonsense")).await;
		assert_eq!(status, StatusCode::UNAUTHORIZED);
		assert_eq!(body["message"], "the token is malformed");
		let (status, body) = list(&worker, Some(generate().as_str())).await;
		assert_eq!(status, StatusCode::UNAUTHORIZED);
		assert_eq!(body["message"], "the token is not known here");
		let reader = stored(&worker.store, &[Permission::Read], None);
		let (status, body) = list(&worker, Some(reader.as_str())).await;
		assert_eq!(status, StatusCode::FORBIDDEN);
		let lacking = "the token lacks the `admin` permission";
		assert_eq!(body, json!({ "error": "forbidden", "message": lacking }));
		let admin = stored(&worker.store, &[Permission::Admin], None);
		let (status, body) = list(&worker, Some(admin.as_str())).await;
		assert_eq!(status, StatusCode::OK);
		assert_eq!(body.as_array().unwrap().len(), 2);
		assert!(body.as_array().unwrap().iter().all(|t| t.get("token").is_none()));
		// The extractor itself, on request parts: no header is no token.
		let (mut parts, ()) = Request::builder().body(()).unwrap().into_parts();
		let missing = Authorized::<Sign>::from_request_parts(&mut parts, &worker).await;
		let rejection = missing.err().unwrap();
		let (status, body) = answer(axum::response::IntoResponse::into_response(rejection)).await;
		assert_eq!(status, StatusCode::UNAUTHORIZED);
		assert_eq!(
			body["message"],
			"a token with the `sign` permission is required (Authorization: Bearer …)"
		);
	}

	#[tokio::test]
	async fn the_operator_grants_tokens_for_any_account_once() {
		let dir = tempfile::tempdir().unwrap();
		let worker = token_worker(&dir);
		let permissions = vec![Permission::Sign, Permission::Read];
		let (secret, signed) =
			sign_grant(OPERATOR, &SCOPE, permissions.clone(), Some(DAVE.into()), "dave".into())
				.unwrap();
		let replay = serde_json::to_value(&signed).unwrap();
		let (status, body) = grant(&worker, &signed).await;
		assert_eq!(status, StatusCode::CREATED, "{body}");
		assert_eq!(body["id"], id(&hash(&secret).unwrap()));
		let granted = Authorized::<Sign>::check(&worker.store, Some(secret.as_str())).unwrap();
		assert_eq!((&granted.permissions, granted.account.as_deref()), (&permissions, Some(DAVE)));
		// A replay stores nothing new.
		let replay: GrantRequest = serde_json::from_value(replay).unwrap();
		assert_eq!(grant(&worker, &replay).await.0, StatusCode::CONFLICT);
		// Another key, another worker, an old signature or changed fields do not grant.
		let signed_by = |operator: &str, scope: &GrantScope, permission: Permission| {
			sign_grant(operator, scope, vec![permission], None, String::new()).unwrap().1
		};
		let mut stale = signed_by(OPERATOR, &SCOPE, Permission::Sign);
		stale.signed_at -= GRANT_WINDOW_SECONDS + 60;
		let mut widened = signed_by(OPERATOR, &SCOPE, Permission::Read);
		widened.permissions = vec![Permission::Sign];
		let unsigned = "not signed by this worker's operator";
		for (refused, fragment) in [
			(signed_by("//Eve", &SCOPE, Permission::Sign), unsigned),
			(
				signed_by(OPERATOR, &GrantScope { worker: [8; 32], ..SCOPE }, Permission::Sign),
				unsigned,
			),
			(
				signed_by(OPERATOR, &GrantScope { genesis: [9; 32], ..SCOPE }, Permission::Sign),
				unsigned,
			),
			(stale, "more than 300 s"),
			(widened, unsigned),
		] {
			let (status, body) = grant(&worker, &refused).await;
			assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
			assert_eq!(body["error"], "unauthorized");
			assert!(body["message"].as_str().unwrap().contains(fragment), "{body}");
		}
		// The operator grants no admin or endorse tokens: admin tokens make those.
		let admin = signed_by(OPERATOR, &SCOPE, Permission::Admin);
		assert_eq!(grant(&worker, &admin).await.0, StatusCode::FORBIDDEN);
		assert_eq!(worker.store.tokens().unwrap().len(), 1, "only the granted token is stored");
	}
}
