//! The worker's TEE: one trait for the two places the TA runs, and the typed calls on top.
//!
//! A backend moves one encoded request to the TA and one encoded response back; what the
//! bytes mean ([`teeid_ta_protocol`]) is the same for both, so everything above this module is
//! backend-agnostic.

#[cfg(feature = "optee")]
pub mod optee;
pub mod sim;

use codec::Encode;
use std::sync::Arc;
use teeid_ta_protocol::{decode_response, Command, Reply, Request, TaError};

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

	/// A name for logs: `simulation` or `op-tee`.
	fn name(&self) -> &'static str;

	/// Stops what this backend started (the simulation process), on the worker's clean stop.
	fn stop_started(&self) {}
}

/// The worker's handle on its TA.
#[derive(Clone)]
pub struct Tee {
	backend: Arc<dyn TeeBackend>,
}

impl Tee {
	/// A handle on the TA behind `backend`.
	pub fn new(backend: impl TeeBackend + 'static) -> Self {
		Self { backend: Arc::new(backend) }
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

	/// Invokes `command` on a blocking thread.
	pub async fn call(&self, command: Command) -> Result<Reply, TeeError> {
		let backend = self.backend.clone();
		let request = Request::new(command).encode();
		let response = tokio::task::spawn_blocking(move || backend.invoke(&request))
			.await
			.map_err(|e| TeeError::Unavailable(format!("the TA call did not finish: {e}")))??;
		decode_response(&response).map_err(|_| TeeError::BadResponse)?.map_err(TeeError::Refused)
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
