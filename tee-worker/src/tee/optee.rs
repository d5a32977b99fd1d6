//! The OP-TEE backend: the TA in the secure world, reached through libteec (`optee-teec`).
//! One session, opened at start; OP-TEE serializes the TA's entry points (it is a
//! single-instance TA), the mutex serializes this process's use of the session.

use optee_teec::{Context, Operation, ParamNone, ParamTmpRef, Session, Uuid};
use std::sync::Mutex;
use teeid_ta_protocol::{INVOKE, MAX_RESPONSE_BYTES, TA_UUID};

use super::{TeeBackend, TeeError};

/// The TA under OP-TEE.
pub struct OpteeBackend {
	session: Mutex<Session>,
	// The context must outlive the session.
	_context: Context,
}

impl OpteeBackend {
	/// Opens a session with the teeid TA (`tee-supplicant` must be running and the TA
	/// installed in `/lib/optee_armtz`).
	pub fn open() -> Result<Self, TeeError> {
		let unavailable = |what: &str, e: optee_teec::Error| {
			TeeError::Unavailable(format!("{what}: {e} (is tee-supplicant running?)"))
		};
		let mut context = Context::new().map_err(|e| unavailable("TEEC_InitializeContext", e))?;
		let uuid = Uuid::parse_str(TA_UUID).map_err(|e| unavailable("TA UUID", e))?;
		let session = context.open_session(uuid).map_err(|e| unavailable("TEEC_OpenSession", e))?;
		Ok(Self { session: Mutex::new(session), _context: context })
	}
}

impl TeeBackend for OpteeBackend {
	fn invoke(&self, request: &[u8]) -> Result<Vec<u8>, TeeError> {
		let mut output = vec![0u8; MAX_RESPONSE_BYTES];
		let written = {
			let mut operation = Operation::new(
				0,
				ParamTmpRef::new_input(request),
				ParamTmpRef::new_output(&mut output),
				ParamNone,
				ParamNone,
			);
			let mut session = self.session.lock().unwrap_or_else(|p| p.into_inner());
			session
				.invoke_command(INVOKE, &mut operation)
				.map_err(|e| TeeError::Unavailable(format!("TEEC_InvokeCommand: {e}")))?;
			operation.parameters().1.updated_size()
		};
		output.truncate(written.min(MAX_RESPONSE_BYTES));
		Ok(output)
	}

	fn name(&self) -> &'static str {
		"op-tee"
	}
}
