//! The worker's standing (for `GET /v1/status` and `teeid-worker status`) and token
//! bookkeeping.

use serde_json::{json, Value};
use std::path::Path;

use crate::{
	error::WorkerError,
	store::{Store, StoreError},
	tokens::{self, Permission, TokenRecord},
	worker::{did_of, Worker},
};

/// The worker's TEE identity and what the chain says about it.
pub async fn status(worker: &Worker) -> Result<Value, WorkerError> {
	let identity = worker.identity();
	let key = identity.signing_key.0;
	let on_chain = worker.chain.worker(&key).await?;
	let signs_for = worker.chain.signs_for(&key).await?;
	let (slot, _) = worker.chain.slot().await?;
	Ok(json!({
		"worker": format!("0x{}", hex::encode(key)),
		"operator": did_of(&worker.chain.operator()),
		"tee": {
			"backend": worker.tee.backend_name(),
			"platform": format!("{:?}", identity.platform),
			"measurement": format!("0x{}", hex::encode(identity.measurement)),
			"agreementKey": format!("0x{}", hex::encode(identity.agreement_key)),
			"networkKey": identity.network_key.map(|n| format!("0x{}", hex::encode(n.public))),
			"issuedTotal": identity.issued_total,
		},
		"chain": {
			"genesisHash": format!("{:?}", worker.chain.genesis_hash()),
			"slot": slot,
			"registered": on_chain.is_some(),
			"active": on_chain.as_ref().map(|w| w.active),
			"codeAllowed": on_chain.as_ref().map(|w| w.code_allowed),
			"lastReport": on_chain.as_ref().and_then(|w| w.last_report),
			"issuedTotal": on_chain.as_ref().map(|w| w.issued_total),
			"signsFor": signs_for.iter().map(did_of).collect::<Vec<_>>(),
		},
		"pendingCredentials": worker.store.pending_count()?,
		"lastReportedSlot": worker.store.last_slot()?,
	}))
}

/// Creates a token; returns the secret and its id.
pub fn create_token(
	store: &Store,
	permissions: Vec<Permission>,
	account: Option<String>,
	label: String,
) -> Result<(String, String), StoreError> {
	let token = tokens::generate();
	let hash = tokens::hash(&token).expect("generated tokens are well formed");
	store.put_token(&hash, &TokenRecord { permissions, account, label, created: now_seconds() })?;
	Ok((token, tokens::id(&hash)))
}

/// On a worker's first start: an admin token for the operator's account, written to `file`
/// (owner-only). Does nothing once any token exists.
pub fn first_admin_token(store: &Store, account: &str, file: &Path) -> Result<(), WorkerError> {
	if !store.tokens()?.is_empty() {
		return Ok(());
	}
	// The file first: a token stored but never written would lock the operator out.
	let token = tokens::generate();
	let hash = tokens::hash(&token).expect("generated tokens are well formed");
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

fn now_seconds() -> u64 {
	std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map(|d| d.as_secs())
		.unwrap_or_default()
}

/// Writes `secret` to `file`, owner-only, atomically (a temporary file renamed).
fn write_secret(file: &Path, secret: &str) -> std::io::Result<()> {
	use std::{io::Write, os::unix::fs::OpenOptionsExt};
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
