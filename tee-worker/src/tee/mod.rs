//! The worker's TEE: one trait for the two places the TA runs, and the typed calls on top.
//!
//! A backend moves one encoded request to the TA and one encoded response back; what the
//! bytes mean ([`teeid_ta_protocol`]) is the same for both, so everything above this module is
//! backend-agnostic.

#[cfg(feature = "optee")]
pub mod optee;
pub mod sim;

use codec::Encode;
use std::sync::{mpsc, Arc};
use teeid_ta_protocol::{decode_response, Command, Reply, Request, TaError};
use tokio::sync::oneshot;

/// The most requests sent to the TA in one queue ([`TeeBackend::invoke_queued`]).
pub const MAX_QUEUED: usize = 64;

/// The most request bytes in one queue: well under a Unix socket's send buffer (208 KiB by
/// default on Linux), so that writing a queue never waits for the TA to read, however long its
/// answers are.
pub const MAX_QUEUED_BYTES: usize = 64 * 1024;

/// Why a TA call failed.
#[derive(Debug, thiserror::Error)]
pub enum TeeError {
	/// The TA refused the command.
	#[error("the TA refused: {0}")]
	Refused(TaError),
	/// The TA cannot be reached, or refused the call before running it.
	#[error("the TEE is unavailable: {0}")]
	Unavailable(String),
	/// The TA died or the session broke during the call (OP-TEE's `TEE_ERROR_TARGET_DEAD`, a
	/// simulation process gone): whether the TA carried the command out is unknown, so it is
	/// not sent again. The next call opens a new session (and restarts a simulation).
	#[error("the TA stopped during the call ({0}); it was not retried, since it may have acted")]
	Lost(String),
	/// The TA answered something that does not decode.
	#[error("the TA's response does not decode")]
	BadResponse,
	/// The TA answered with a reply to another command.
	#[error("the TA answered {0} with an unexpected reply")]
	UnexpectedReply(&'static str),
}

/// Where the TA runs.
pub trait TeeBackend: Send + Sync {
	/// Sends one encoded request and returns the encoded response. Blocking.
	fn invoke(&self, request: &[u8]) -> Result<Vec<u8>, TeeError>;

	/// Sends encoded requests in order and returns an answer for each, in order. The TA still
	/// runs one command at a time (an OP-TEE TA is single-instance); a backend that can queue
	/// requests on its session (the simulation's socket) sends them all before reading the
	/// first answer, so the TA goes from one to the next without waiting for the worker. By
	/// default, one [`TeeBackend::invoke`] after the other.
	fn invoke_queued(&self, requests: &[Vec<u8>]) -> Vec<Result<Vec<u8>, TeeError>> {
		requests.iter().map(|request| self.invoke(request)).collect()
	}

	/// A name for logs: `simulation` or `op-tee`.
	fn name(&self) -> &'static str;

	/// Stops what this backend started (the simulation process), on the worker's clean stop.
	fn stop_started(&self) {}
}

/// One call waiting for the TA.
struct QueuedCall {
	request: Vec<u8>,
	answer: oneshot::Sender<Result<Vec<u8>, TeeError>>,
}

/// The worker's handle on its TA. Every call goes through one thread (`tee-caller`), which
/// sends the calls waiting together as one queue ([`TeeBackend::invoke_queued`]): the TA runs
/// one command at a time anyway, and one thread that owns the session costs a hand-off per
/// call, where a blocking-pool task per call cost a thread wake-up and a contended lock each.
#[derive(Clone)]
pub struct Tee {
	backend: Arc<dyn TeeBackend>,
	calls: mpsc::Sender<QueuedCall>,
}

impl Tee {
	/// A handle on the TA behind `backend`, with its caller thread (which stops once every
	/// handle is dropped).
	pub fn new(backend: impl TeeBackend + 'static) -> Result<Self, TeeError> {
		let backend: Arc<dyn TeeBackend> = Arc::new(backend);
		let (calls, queue) = mpsc::channel();
		let caller = backend.clone();
		std::thread::Builder::new()
			.name("tee-caller".into())
			.spawn(move || call_in_queues(&*caller, &queue))
			.map_err(|e| {
				TeeError::Unavailable(format!("cannot start the TA caller thread: {e}"))
			})?;
		Ok(Self { backend, calls })
	}

	/// The backend's name.
	pub fn backend_name(&self) -> &'static str {
		self.backend.name()
	}

	/// Stops the TA process the backend started, if it started one: a worker stopping cleanly
	/// takes its simulation with it; a killed worker leaves it running, as a TA outlives a
	/// crashed client.
	pub fn stop_started(&self) {
		self.backend.stop_started()
	}

	/// Invokes `command` (through the caller thread, in the order calls arrive).
	pub async fn call(&self, command: Command) -> Result<Reply, TeeError> {
		let (answer, answered) = oneshot::channel();
		let request = Request::new(command).encode();
		self.calls
			.send(QueuedCall { request, answer })
			.map_err(|_| TeeError::Unavailable("the TA caller thread stopped".into()))?;
		let response = answered
			.await
			.map_err(|_| TeeError::Lost("the TA caller thread stopped during the call".into()))??;
		decode_response(&response).map_err(|_| TeeError::BadResponse)?.map_err(TeeError::Refused)
	}
}

/// The caller thread: waits for a call, takes the calls queued behind it (at most
/// [`MAX_QUEUED`] and [`MAX_QUEUED_BYTES`]), sends them as one queue and answers each.
fn call_in_queues(backend: &dyn TeeBackend, calls: &mpsc::Receiver<QueuedCall>) {
	let mut next = None;
	loop {
		let first = match next.take() {
			Some(call) => call,
			None => match calls.recv() {
				Ok(call) => call,
				// Every handle is gone.
				Err(_) => return,
			},
		};
		let mut bytes = first.request.len();
		let mut queue = vec![first];
		while queue.len() < MAX_QUEUED {
			let Ok(call) = calls.try_recv() else { break };
			if bytes + call.request.len() > MAX_QUEUED_BYTES {
				next = Some(call);
				break;
			}
			bytes += call.request.len();
			queue.push(call);
		}
		let (requests, answers): (Vec<_>, Vec<_>) =
			queue.into_iter().map(|call| (call.request, call.answer)).unzip();
		// A panic in a backend fails its queue (the TA may have run any of it), not the thread.
		let responses = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
			backend.invoke_queued(&requests)
		}))
		.unwrap_or_default();
		let mut responses = responses.into_iter();
		for answer in answers {
			let response = responses.next().unwrap_or_else(|| {
				Err(TeeError::Lost("the TEE backend answered fewer calls than it was sent".into()))
			});
			// A caller that went away (its request dropped) needs no answer.
			let _ = answer.send(response);
		}
	}
}

/// Unwraps the reply variant a command expects, or fails with
/// [`TeeError::UnexpectedReply`]: `expect_reply!(reply, Reply::Identity(x) => x, "Identity")`.
#[macro_export]
macro_rules! expect_reply {
	($reply:expr, $pattern:pat => $value:expr, $what:literal) => {
		match $reply {
			$pattern => Ok($value),
			_ => Err($crate::tee::TeeError::UnexpectedReply($what)),
		}
	};
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::sync::Mutex;
	use teeid_ta_protocol::Response;

	/// A TA that refuses every request naming the request's last byte as its newest block, which
	/// tells the answers apart. Records the size of each queue it is sent.
	struct Recording {
		queues: Arc<Mutex<Vec<usize>>>,
	}

	impl TeeBackend for Recording {
		fn invoke(&self, _: &[u8]) -> Result<Vec<u8>, TeeError> {
			unreachable!("the caller thread sends queues")
		}

		fn invoke_queued(&self, requests: &[Vec<u8>]) -> Vec<Result<Vec<u8>, TeeError>> {
			self.queues.lock().unwrap().push(requests.len());
			// Slow enough that calls arriving meanwhile queue up behind this one.
			std::thread::sleep(std::time::Duration::from_millis(20));
			requests
				.iter()
				.map(|request| {
					let newest = u32::from(request.last().copied().unwrap_or_default());
					Ok(Response::Err(TaError::StaleBlock { newest }).encode())
				})
				.collect()
		}

		fn name(&self) -> &'static str {
			"recording"
		}
	}

	/// A backend whose first queue panics.
	struct PanicsOnce {
		panicked: std::sync::atomic::AtomicBool,
	}

	impl TeeBackend for PanicsOnce {
		fn invoke(&self, _: &[u8]) -> Result<Vec<u8>, TeeError> {
			if !self.panicked.swap(true, std::sync::atomic::Ordering::SeqCst) {
				panic!("a bug in the backend");
			}
			Ok(Response::Err(TaError::StaleBlock { newest: 7 }).encode())
		}

		fn name(&self) -> &'static str {
			"panics once"
		}
	}

	#[tokio::test]
	async fn a_backend_that_panics_fails_its_queue_not_the_caller_thread_works() {
		let tee = Tee::new(PanicsOnce { panicked: Default::default() }).unwrap();
		let first = tee.call(Command::Identity).await;
		assert!(matches!(first, Err(TeeError::Lost(_))), "{first:?}");
		let second = tee.call(Command::Identity).await;
		assert!(matches!(second, Err(TeeError::Refused(TaError::StaleBlock { newest: 7 }))));
	}

	#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
	async fn calls_waiting_together_go_as_one_queue_and_each_gets_its_answer_works() {
		let queues = Arc::new(Mutex::new(Vec::new()));
		let tee = Tee::new(Recording { queues: queues.clone() }).unwrap();
		let calls: Vec<_> = (0..20u32)
			.map(|n| {
				let tee = tee.clone();
				tokio::spawn(async move {
					// The request ends with the hash's last byte: `n`.
					let command = Command::CreateNetworkKey { genesis_hash: [n as u8; 32].into() };
					(n, tee.call(command).await)
				})
			})
			.collect();
		for call in calls {
			let (n, answer) = call.await.unwrap();
			assert!(
				matches!(answer, Err(TeeError::Refused(TaError::StaleBlock { newest })) if newest == n),
				"call {n}: {answer:?}"
			);
		}
		let queues = queues.lock().unwrap().clone();
		assert_eq!(queues.iter().sum::<usize>(), 20, "every call sent once: {queues:?}");
		assert!(queues.len() < 20, "calls waiting together were sent together: {queues:?}");
	}
}
