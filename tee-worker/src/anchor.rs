//! Per slot: seal what was issued into a batch, anchor its Merkle root through
//! `evidence.anchor_batch`, and report the slot's work with a TA-signed work report.
//!
//! The loop follows the *best* block, which the chain judges a work report's lateness by: the
//! slot is the best block's, the report is anchored at the slot's first block on the best
//! chain, and transactions count once in a best block. It waits for finality only a little
//! (until the slot's first block is final, at most half a slot), so a finality gadget that
//! lags (or stalls) does not make the worker miss its slots.
//!
//! Batches are sealed in the database before anything goes to the chain, and a sealed batch
//! stays queued until the chain shows its root; a signed work report is kept until the chain
//! accepts it (or can no longer). A worker killed at any point therefore anchors on restart
//! exactly what it had issued, and resubmits the report it had signed.

use codec::{Decode, Encode};
use sp_core::H256;
use std::time::Duration;
use teeid_primitives::{attestation::WorkReportPayload, merkle::MAX_LEAVES};
use teeid_ta_protocol::{command::WorkReportRequest, Command, Reply, TaError};
use tokio::sync::watch;

use crate::{
	chain::{AttestationError, ChainView},
	error::WorkerError,
	expect_reply,
	store::{BatchRecord, SignedReport},
	tee::TeeError,
	worker::Worker,
};

/// The most credentials one batch holds. One work report covers at most `MAX_LEAVES`; a
/// smaller cap keeps a batch's database transaction and proof building quick.
pub const MAX_BATCH: usize = 100_000;
const _: () = assert!(MAX_BATCH as u64 <= MAX_LEAVES as u64);

/// Runs [`tick`] every `interval` until `shutdown` turns true. A tick cut short by the
/// shutdown leaves nothing half done: batches and signed reports are in the database first.
/// A tick that fails (the node unreachable, the TA dead during a call) is logged, and the next
/// tick goes on with the TA as the backend reopened or restarted it.
pub async fn run(worker: &Worker, interval: Duration, mut shutdown: watch::Receiver<bool>) {
	loop {
		tokio::select! {
			result = tick(worker) => if let Err(e) = result {
				tracing::warn!("slot work: {e}");
			},
			_ = shutdown.wait_for(|stop| *stop) => return,
		}
		tokio::select! {
			_ = tokio::time::sleep(interval) => {},
			_ = shutdown.wait_for(|stop| *stop) => return,
		}
	}
}

/// One look at the best block: submit a work report signed earlier but not yet accepted;
/// anchor batches sealed earlier; then, once per slot, seal what is pending, anchor it and
/// report the slot. A batch that cannot be anchored (the operator cannot pay its deposit, say)
/// does not keep the worker from reporting: the slot is reported without it and anchoring is
/// retried.
pub async fn tick(worker: &Worker) -> Result<(), WorkerError> {
	let best = worker.chain.best().await?;
	let (slot, length) = best.slot().await?;
	if let Some(signed) = worker.store.signed_report()? {
		if !submit(worker, &best, &signed, slot).await? {
			return Ok(());
		}
	}
	let mut anchoring = true;
	for (root, batch) in worker.store.unanchored_batches()? {
		if let Err(e) = anchor(worker, &best, &root, &batch).await {
			tracing::warn!(root = %hex::encode(root), "batch not anchored yet: {e}");
			anchoring = false;
			break;
		}
	}
	if worker.store.last_slot()?.is_some_and(|last| last >= slot) {
		return Ok(());
	}
	let slot_start = slot.saturating_mul(length);
	// The report moves the TA's newest block to the slot's first block, and the TA then issues
	// only against blocks at least that new, while issuance names finalized blocks: reporting
	// before finality reaches the slot's first block would hold issuance back until it does.
	// So the report waits for it, but only half a slot (the chain takes the report until the
	// end of the next slot): past that, finality is stalling, and the report goes out anchored
	// on the best chain so that the worker keeps counting.
	let (best_number, _) = best.block();
	let (finalized, _) = worker.chain.finalized().await?;
	if finalized < slot_start && best_number < slot_start.saturating_add(length / 2) {
		return Ok(());
	}
	// The slot's first block on the best chain: the chain checks the report's anchor there.
	let Some(slot_hash) = worker.chain.block_hash(slot_start).await? else {
		return Ok(());
	};

	// While an older batch is stuck, new credentials wait in the queue rather than pile up in
	// more unanchored batches.
	let sealed = if anchoring { worker.store.seal_batch(MAX_BATCH).await? } else { None };
	worker.metrics.pending.set(worker.store.pending_count()? as i64);
	let (root, count) = match &sealed {
		Some((root, batch)) => match anchor(worker, &best, root, batch).await {
			Ok(()) => (H256(*root), batch.leaves.len() as u32),
			Err(e) => {
				tracing::warn!(root = %hex::encode(root), "batch not anchored yet: {e}");
				(H256::zero(), 0)
			},
		},
		None => (H256::zero(), 0),
	};
	report(worker, &best, slot, slot_start, slot_hash, root, count).await
}

/// Anchors one sealed batch, unless the best chain has it already (a crash after anchoring).
async fn anchor(
	worker: &Worker,
	best: &ChainView,
	root: &[u8; 32],
	batch: &BatchRecord,
) -> Result<(), WorkerError> {
	let operator = worker.chain.operator();
	let block = match best.batch(&operator, root).await? {
		Some(block) => block,
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

/// Has the TA sign the slot's work report, keeps it, and submits it.
async fn report(
	worker: &Worker,
	best: &ChainView,
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
			// The TA's count does not cover this batch. A TA that died resumes from its sealed
			// reservation, which covers everything it issued, so this takes sealed state from
			// before reservations (or another TA behind the same store): the batch is
			// anchored, but the TA cannot vouch for the count.
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
			// Signed before a crash that lost the signature: nothing left to submit.
			worker.store.finish_report(slot)?;
			return Ok(());
		},
		reply => {
			expect_reply!(reply?, Reply::WorkReport { payload, signature } => (payload, signature), "SignWorkReport")?
		},
	};
	// Kept before submitting: the TA signs each slot once, so a lost report is a lost slot.
	let signed = SignedReport { slot, payload: payload.encode(), signature: signature.0.to_vec() };
	worker.store.keep_signed_report(&signed)?;
	submit(worker, best, &signed, slot).await.map(drop)
}

/// Submits a kept work report unless the best chain has it already; returns whether it is
/// settled (accepted, or too late to be).
async fn submit(
	worker: &Worker,
	best: &ChainView,
	signed: &SignedReport,
	now: u32,
) -> Result<bool, WorkerError> {
	let payload = WorkReportPayload::decode(&mut &signed.payload[..])
		.map_err(|_| WorkerError::Internal("a kept work report does not decode".into()))?;
	let signature: [u8; 64] = signed.signature[..].try_into().map_err(|_| {
		WorkerError::Internal("a kept work report's signature is not 64 bytes".into())
	})?;
	// The chain takes a slot's report during the slot and the next one.
	if signed.slot.saturating_add(1) < now {
		tracing::warn!(slot = signed.slot, "the work report came too late for the chain");
		worker.store.finish_report(signed.slot)?;
		return Ok(true);
	}
	// A report submitted before whose inclusion was not seen (a timeout, a restart) may be in
	// a block since.
	let reported = best.worker(&worker.key()).await?.and_then(|status| status.last_report);
	if reported.is_some_and(|last| last >= signed.slot) {
		worker.store.finish_report(signed.slot)?;
		return Ok(true);
	}
	match worker.chain.submit_work_report(&payload, &signature).await {
		Ok(reactivated) => {
			worker.metrics.work_reports.inc();
			if reactivated {
				let slot = signed.slot;
				tracing::info!(slot, "WorkerReactivated: the chain counts the worker again");
			}
		},
		Err(e) if matches!(e.attestation_error(), Some(AttestationError::AlreadyReported)) => {},
		Err(e) if matches!(e.attestation_error(), Some(AttestationError::ReportTooLate)) => {
			tracing::warn!(slot = signed.slot, "the work report came too late for the chain");
		},
		Err(e) => {
			tracing::warn!(slot = signed.slot, "work report not accepted yet: {e}");
			return Ok(false);
		},
	}
	worker.store.finish_report(signed.slot)?;
	tracing::debug!(slot = signed.slot, "slot reported");
	Ok(true)
}
