//! The worker's standing (for `GET /v1/status` and `teeid-worker status`).

use serde_json::{json, Value};
use teeid_ta_protocol::credential::platform_name;

use crate::{
	error::WorkerError,
	worker::{did_of, Worker},
};

/// The worker's TEE identity and what the chain says about it. The TA is asked again (its
/// newest block moves with every issuance and work report); the chain is read at the latest
/// finalized block, the slot at the best block.
pub async fn status(worker: &Worker) -> Result<Value, WorkerError> {
	let identity = worker.refresh_identity().await?;
	let key = identity.signing_key.0;
	let view = worker.chain.view().await?;
	let on_chain = view.worker(&key).await?;
	let certifiers = view.device_certifiers().await?;
	let signs_for = worker.chain.signs_for(&key).await?;
	let (slot, _) = worker.chain.best().await?.slot().await?;
	let certificate = identity.certificate.as_ref().map(|certificate| {
		json!({
			"certifier": format!("0x{}", hex::encode(certificate.certifier.0)),
			"genesisHash": format!("{:?}", certificate.payload.genesis_hash),
			"listed": certifiers.contains(&(certificate.certifier.0, identity.platform)),
		})
	});
	Ok(json!({
		"worker": format!("0x{}", hex::encode(key)),
		"operator": did_of(&worker.chain.operator()),
		"tee": {
			"backend": worker.tee.backend_name(),
			"platform": platform_name(identity.platform),
			"measurement": format!("0x{}", hex::encode(identity.measurement)),
			"agreementKey": format!("0x{}", hex::encode(identity.agreement_key)),
			"networkKey": identity.network_key.map(|n| format!("0x{}", hex::encode(n.public))),
			"issuedTotal": identity.issued_total,
			"certificate": certificate,
			"newestBlock": identity.newest_block,
		},
		"chain": {
			"genesisHash": format!("{:?}", worker.chain.genesis_hash()),
			"slot": slot,
			"registered": on_chain.is_some(),
			"active": on_chain.as_ref().map(|w| w.active),
			"codeAllowed": on_chain.as_ref().map(|w| w.code_allowed),
			"certified": on_chain.as_ref().map(|w| w.certified),
			"certifier": on_chain.as_ref().map(|w| format!("0x{}", hex::encode(w.certifier))),
			"lastReport": on_chain.as_ref().and_then(|w| w.last_report),
			"issuedTotal": on_chain.as_ref().map(|w| w.issued_total),
			"signsFor": signs_for.iter().map(did_of).collect::<Vec<_>>(),
		},
		"pendingCredentials": worker.store.pending_count()?,
		"lastReportedSlot": worker.store.last_slot()?,
	}))
}
