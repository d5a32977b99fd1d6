//! The teeid TA under OP-TEE.
//!
//! Thin entry points: every command arrives as `INVOKE` with the request in parameter 0
//! (memref input) and room for the response in parameter 1 (memref output), is copied out of
//! shared memory, and goes to [`teeid_ta_core::Ta::invoke`], the same logic the simulation
//! runs. The platform ([`platform::OpteePlatform`]) is OP-TEE's: private persistent storage,
//! `TEE_GenerateRandom`, and the attestation PTA.

#![no_std]
#![no_main]

extern crate alloc;

mod platform;

use optee_utee::{
	prelude::*, ta_close_session, ta_create, ta_destroy, ta_invoke_command, ta_open_session,
	ErrorKind, Result,
};
use teeid_ta_core::Ta;
use teeid_ta_protocol::{encode_response, Response, TaError, INVOKE, MAX_REQUEST_BYTES};

use platform::OpteePlatform;

/// A session's TA: started (sealed state loaded or created) when the session opens.
#[derive(Default)]
struct Session {
	ta: Option<Ta<OpteePlatform>>,
}

#[ta_create]
fn create() -> Result<()> {
	Ok(())
}

#[ta_open_session]
fn open_session(_params: &mut ParametersNone, session: &mut Session) -> Result<()> {
	// A TA whose sealed state fails its integrity check refuses every session.
	let ta = Ta::start(OpteePlatform::default()).map_err(|_| ErrorKind::Security)?;
	session.ta = Some(ta);
	Ok(())
}

#[ta_close_session]
fn close_session(session: &mut Session) {
	session.ta = None;
}

#[ta_destroy]
fn destroy() {}

#[ta_invoke_command]
fn invoke_command(
	session: &mut Session,
	command: u32,
	params: &mut (
		ParameterMemrefInput<'_>,
		ParameterMemrefOutput<'_>,
		ParameterNone,
		ParameterNone,
	),
) -> Result<()> {
	if command != INVOKE {
		return Err(ErrorKind::NotSupported.into());
	}
	let ta = session.ta.as_mut().ok_or(ErrorKind::BadState)?;
	if params.0.buffer_len() > MAX_REQUEST_BYTES {
		return params.1.set_output(encode_response(&Response::Err(TaError::TooLarge)));
	}
	// Copy the request out of shared memory first: the normal world cannot change it while the
	// TA reads it.
	let request = params.0.read_to_vec();
	let response = ta.invoke(&request);
	params.1.set_output(&response)
}

include!(concat!(env!("OUT_DIR"), "/user_ta_header.rs"));
