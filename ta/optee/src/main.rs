//! The teeid TA under OP-TEE.
//!
//! Thin entry points: every command arrives as `INVOKE` with the request in parameter 0
//! (memref input) and room for the response in parameter 1 (memref output), is copied out of
//! shared memory, and goes to [`teeid_ta_core::Ta::invoke`], the same logic the simulation
//! runs. The platform ([`platform::OpteePlatform`]) is OP-TEE's: private persistent storage,
//! `TEE_GenerateRandom`, and the attestation PTA.
//!
//! The TA's heap is `teeid_ta_protocol::limits::TA_HEAP_BYTES` (`build.rs` writes it into the
//! TA header). An allocation past it fails, the allocation-error handler panics and the panic
//! handler calls `TEE_Panic`: the instance dies (`TEE_ERROR_TARGET_DEAD`). The protocol's
//! limits keep every legal request within the heap; the simulation runs the same core under
//! the same cap.

#![no_std]
#![no_main]

extern crate alloc;

mod platform;

use core::cell::RefCell;
use optee_utee::{
	prelude::*, ta_close_session, ta_create, ta_destroy, ta_invoke_command, ta_open_session,
	ErrorKind, Result,
};
use teeid_ta_core::Ta;
use teeid_ta_protocol::{
	encode_response, Response, TaError, INVOKE, MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES,
};

use platform::OpteePlatform;

/// The instance's TA, started when the first session opens.
struct Instance(RefCell<Option<Ta<OpteePlatform>>>);

// SAFETY: the TA is single-instance and does not set `TA_FLAG_CONCURRENT`, so OP-TEE runs its
// entry points one at a time: no two borrows of the cell ever overlap.
unsafe impl Sync for Instance {}

static INSTANCE: Instance = Instance(RefCell::new(None));

#[ta_create]
fn create() -> Result<()> {
	Ok(())
}

#[ta_open_session]
fn open_session(_params: &mut ParametersNone) -> Result<()> {
	let mut instance = INSTANCE.0.try_borrow_mut().map_err(|_| ErrorKind::Busy)?;
	if instance.is_none() {
		// A TA whose sealed state fails its integrity check refuses every session.
		*instance = Some(Ta::start(OpteePlatform::default()).map_err(|_| ErrorKind::Security)?);
	}
	Ok(())
}

#[ta_close_session]
fn close_session() {}

#[ta_destroy]
fn destroy() {
	if let Ok(mut instance) = INSTANCE.0.try_borrow_mut() {
		*instance = None;
	}
}

#[ta_invoke_command]
fn invoke_command(
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
	let mut instance = INSTANCE.0.try_borrow_mut().map_err(|_| ErrorKind::Busy)?;
	let ta = instance.as_mut().ok_or(ErrorKind::BadState)?;
	// Refuse before executing, not after: a command that seals state (a work report, a network
	// key) must not run when its reply cannot be returned.
	if params.1.buffer_len() < MAX_RESPONSE_BYTES {
		// SAFETY: with TEE_ERROR_SHORT_BUFFER the size only tells the client how large a buffer
		// to offer (GlobalPlatform's convention); nothing is written to the buffer.
		unsafe { params.1.set_updated_size_unchecked(MAX_RESPONSE_BYTES) };
		return Err(ErrorKind::ShortBuffer.into());
	}
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
