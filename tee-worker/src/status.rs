//! The worker's standing (for `GET /v1/status` and `teeid-worker status`).

use serde_json::{json, Value};

use crate::{
	error::WorkerError,
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
