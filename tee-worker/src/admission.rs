//! Admission: how much of one kind of work the worker takes on at once. Work past the bound
//! waits a short while for a slot, then is refused with a 503 that carries `Retry-After`, so
//! that a worker offered more than it can do keeps doing what it can, at the latency it has
//! with its slots full, instead of queueing without end (every request then late, and
//! connections piling up until clients time out or the process runs out of descriptors).

use std::{sync::Arc, time::Duration};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::WorkerError;

/// A bound on work of one kind running at once.
#[derive(Debug)]
pub struct Admission {
	slots: Arc<Semaphore>,
	size: usize,
	wait: Duration,
	/// What the slots are for, in refusals: "issuance", "verification".
	what: &'static str,
}

/// A slot, held until dropped.
pub type Slot = OwnedSemaphorePermit;

impl Admission {
	/// `size` slots (at least one) for `what`; work that finds them taken waits up to `wait`.
	pub fn new(what: &'static str, size: usize, wait: Duration) -> Self {
		let size = size.clamp(1, Semaphore::MAX_PERMITS);
		Self { slots: Arc::new(Semaphore::new(size)), size, wait, what }
	}

	/// A slot, once one is free; a 503 ([`WorkerError::Busy`]) if none frees within the wait.
	pub async fn enter(&self) -> Result<Slot, WorkerError> {
		match tokio::time::timeout(self.wait, self.slots.clone().acquire_owned()).await {
			Ok(Ok(slot)) => Ok(slot),
			Ok(Err(_)) => Err(WorkerError::Internal(format!("the {} slots closed", self.what))),
			Err(_) => Err(WorkerError::Busy(format!(
				"the worker is busy: all {} {} slots stayed taken for {:?}; try again",
				self.size, self.what, self.wait
			))),
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[tokio::test]
	async fn work_past_the_slots_waits_then_is_refused_busy_fails() {
		let admission = Admission::new("issuance", 2, Duration::from_millis(20));
		let first = admission.enter().await.unwrap();
		let _second = admission.enter().await.unwrap();
		let refused = admission.enter().await.unwrap_err();
		assert!(matches!(&refused, WorkerError::Busy(m) if m.contains("all 2 issuance slots")));
		assert_eq!(refused.status(), axum::http::StatusCode::SERVICE_UNAVAILABLE);
		// A slot given back is taken by the next one waiting.
		let waiting = tokio::spawn(async move {
			let admission = admission;
			admission.enter().await.map(drop)
		});
		tokio::time::sleep(Duration::from_millis(5)).await;
		drop(first);
		waiting.await.unwrap().expect("the slot freed within the wait");
	}
}
