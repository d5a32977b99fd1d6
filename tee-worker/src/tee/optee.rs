//! The OP-TEE backend: the TA in the secure world, reached through libteec (`optee-teec`).
//! One session at a time; OP-TEE serializes the TA's entry points (it is a single-instance TA),
//! the mutex serializes this process's use of the session.
//!
//! OP-TEE kills a TA that panics (a failed allocation included): every call on its sessions
//! then fails with `TEE_ERROR_TARGET_DEAD`, while a new session starts a new instance, which
//! reloads the sealed state. A call that fails that way, or with a communication error that
//! ends the session, drops the session and fails with [`TeeError::Lost`]: it is not sent again,
//! since the TA may have acted before it died. The next call opens a new session.

use optee_teec::{
	Context, ErrorKind, ErrorOrigin, Operation, ParamNone, ParamTmpRef, Session, Uuid,
};
use std::sync::Mutex;
use teeid_ta_protocol::{INVOKE, MAX_RESPONSE_BYTES, TA_UUID};

use super::{TeeBackend, TeeError};

/// The TA under OP-TEE.
pub struct OpteeBackend {
	connection: Mutex<Connection>,
}

/// The libteec context and the session with the TA, if one is open.
struct Connection {
	session: Option<Session>,
	context: Context,
}

impl OpteeBackend {
	/// Opens a session with the teeid TA (`tee-supplicant` must be running and the TA
	/// installed in `/lib/optee_armtz`).
	pub fn open() -> Result<Self, TeeError> {
		let mut context = Context::new().map_err(|e| unavailable("TEEC_InitializeContext", e))?;
		let session = open_session(&mut context)?;
		Ok(Self { connection: Mutex::new(Connection { session: Some(session), context }) })
	}
}

fn unavailable(what: &str, e: optee_teec::Error) -> TeeError {
	TeeError::Unavailable(format!("{what}: {e} (is tee-supplicant running?)"))
}

fn open_session(context: &mut Context) -> Result<Session, TeeError> {
	let uuid = Uuid::parse_str(TA_UUID).map_err(|e| unavailable("TA UUID", e))?;
	context.open_session(uuid).map_err(|e| unavailable("TEEC_OpenSession", e))
}

/// Whether a failed call leaves its session unusable: the TA died (`TEE_ERROR_TARGET_DEAD`: it
/// panicked, or OP-TEE killed it on a failed allocation), or the way to it broke. Errors the TA
/// itself returns (a short buffer, busy) refuse the call before it runs and keep the session.
fn ends_session(error: &optee_teec::Error) -> bool {
	matches!(error.kind(), ErrorKind::TargetDead | ErrorKind::Communication)
		|| error.origin() == Some(ErrorOrigin::COMMS)
}

impl TeeBackend for OpteeBackend {
	fn invoke(&self, request: &[u8]) -> Result<Vec<u8>, TeeError> {
		let mut connection = self.connection.lock().unwrap_or_else(|p| p.into_inner());
		let connection = &mut *connection;
		if connection.session.is_none() {
			connection.session = Some(open_session(&mut connection.context)?);
			tracing::info!("opened a new session with the TA");
		}
		let Some(session) = connection.session.as_mut() else {
			return Err(TeeError::Unavailable("no session with the TA".into()));
		};
		let mut output = vec![0u8; MAX_RESPONSE_BYTES];
		let written = {
			let mut operation = Operation::new(
				0,
				ParamTmpRef::new_input(request),
				ParamTmpRef::new_output(&mut output),
				ParamNone,
				ParamNone,
			);
			match session.invoke_command(INVOKE, &mut operation) {
				Ok(()) => {},
				Err(e) if ends_session(&e) => {
					connection.session = None;
					return Err(TeeError::Lost(format!("TEEC_InvokeCommand: {e}")));
				},
				Err(e) => return Err(TeeError::Unavailable(format!("TEEC_InvokeCommand: {e}"))),
			}
			operation.parameters().1.updated_size()
		};
		output.truncate(written.min(MAX_RESPONSE_BYTES));
		Ok(output)
	}

	fn name(&self) -> &'static str {
		"op-tee"
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use optee_teec::Error;

	#[test]
	fn a_dead_ta_or_a_broken_link_ends_the_session_but_a_refusal_does_not_works() {
		assert!(ends_session(&Error::from_raw_error(0xFFFF_3024)));
		assert!(ends_session(&Error::new(ErrorKind::Communication)));
		assert!(ends_session(&Error::new(ErrorKind::Generic).with_origin(ErrorOrigin::COMMS)));
		assert!(!ends_session(&Error::new(ErrorKind::ShortBuffer).with_origin(ErrorOrigin::TA)));
		assert!(!ends_session(&Error::new(ErrorKind::Busy).with_origin(ErrorOrigin::TA)));
	}
}
