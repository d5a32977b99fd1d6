//! Per slot: seal what was issued into a batch, anchor its Merkle root through
//! `evidence.anchor_batch`, and report the slot's work with a TA-signed work report.
//!
//! Batches are sealed in the database before anything goes to the chain, and a sealed batch
//! stays queued until the chain shows its root, so a worker killed at any point anchors on
//! restart exactly what it had issued.

use sp_core::H256;
use std::time::Duration;
use teeid_primitives::merkle::MAX_LEAVES;
use teeid_ta_protocol::{command::WorkReportRequest, Command, Reply, TaError};
use tokio::sync::watch;

use crate::{error::WorkerError, expect_reply, store::BatchRecord, tee::TeeError, worker::Worker};

/// The most credentials one batch holds. One work report covers at most `MAX_LEAVES`; a
/// smaller cap keeps a batch's database transaction and proof building quick.
pub const MAX_BATCH: usize = 100_000;
const _: () = assert!(MAX_BATCH as u64 <= MAX_LEAVES as u64);

/// Runs [`tick`] every `interval` until `shutdown` turns true.
pub async fn run(worker: &Worker, interval: Duration, mut shutdown: watch::Receiver<bool>) {
	loop {
		if let Err(e) = tick(worker).await {
			tracing::warn!("slot work: {e}");
		}
		tokio::select! {
			_ = tokio::time::sleep(interval) => {},
			_ = shutdown.changed() => return,
		}
	}
}

/// Anchors what is sealed, then, once per slot, seals what is pending and reports the slot.
pub async fn tick(worker: &Worker) -> Result<(), WorkerError> {
	for (root, batch) in worker.store.unanchored_batches()? {
		anchor(worker, &root, &batch).await?;
	}
	let (slot, length) = worker.chain.slot().await?;
	if worker.store.last_slot()?.is_some_and(|last| last >= slot) {
		return Ok(());
	}
	let slot_start = slot.saturating_mul(length);
	let Some(slot_hash) = worker.chain.block_hash(slot_start).await? else {
		return Ok(());
	};

	let sealed = worker.store.seal_batch(MAX_BATCH)?;
	worker.metrics.pending.set(worker.store.pending_count()? as i64);
	let (root, count) = match &sealed {
		Some((root, batch)) => {
			anchor(worker, root, batch).await?;
			(H256(*root), batch.leaves.len() as u32)
		},
		None => (H256::zero(), 0),
	};
	report(worker, slot, slot_start, slot_hash, root, count).await
}

/// Anchors one sealed batch, unless the chain has it already (a crash after anchoring).
async fn anchor(worker: &Worker, root: &[u8; 32], batch: &BatchRecord) -> Result<(), WorkerError> {
	let operator = worker.chain.operator();
	let block = match worker.chain.batch(&operator, root).await? {
		Some((_, block)) => block,
		None => {
			let block = worker.chain.anchor_batch(root, batch.leaves.len() as u32).await?;
			worker.metrics.batches_anchored.inc();
			block
		},
	};
	worker.store.mark_anchored(root, block)?;
	tracing::info!(root = %hex::encode(root), leaves = batch.leaves.len(), block, "batch anchored");
	Ok(())
}

/// Has the TA sign the slot's work report and submits it.
async fn report(
	worker: &Worker,
	slot: u32,
	slot_start: u32,
	slot_hash: H256,
	root: H256,
	count: u32,
) -> Result<(), WorkerError> {
	let request = |credentials_root, credentials_count| {
		Command::SignWorkReport(WorkReportRequest {
			slot,
			anchor_number: slot_start,
			anchor_hash: slot_hash,
			credentials_root,
			credentials_count,
		})
	};
	let reply = match worker.tee.call(request(root, count)).await {
		Err(TeeError::Refused(TaError::CountExceedsIssued)) => {
			// The TA restarted since it issued these (its counter lives in memory between
			// work reports): the batch is anchored, but the TA cannot vouch for the count.
			tracing::warn!(
				count,
				"the TA does not count this batch (it restarted); reporting none"
			);
			worker.tee.call(request(H256::zero(), 0)).await
		},
		other => other,
	};
	let (payload, signature) = match reply {
		Err(TeeError::Refused(TaError::SlotAlreadyReported)) => {
			worker.store.set_last_slot(slot)?;
			return Ok(());
		},
		reply => {
			expect_reply!(reply?, Reply::WorkReport { payload, signature } => (payload, signature), "SignWorkReport")?
		},
	};
	match worker.chain.submit_work_report(&payload, &signature.0).await {
		Ok(()) => {
			worker.metrics.work_reports.inc();
		},
		Err(e) if e.is_dispatch("Attestation::AlreadyReported") => {},
		Err(e) => tracing::warn!(slot, "work report not accepted: {e}"),
	}
	worker.store.set_last_slot(slot)?;
	tracing::debug!(slot, count, "slot reported");
	Ok(())
}
