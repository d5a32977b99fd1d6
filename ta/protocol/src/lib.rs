//! # teeid TA protocol
//!
//! What the teeid worker (normal world) and its trusted application (secure world) say to each
//! other, and the formats of what the TA produces, defined once for both sides (teaclave's
//! host / TA / proto split):
//!
//! - [`command`]: the typed commands a worker sends and the replies and errors it gets back.
//!   Every invocation carries exactly one input buffer (a SCALE-encoded [`Request`]) and one
//!   output buffer (a SCALE-encoded [`Response`]), whether the TA runs under OP-TEE (command
//!   [`INVOKE`] of TA [`TA_UUID`]) or in the simulation process.
//! - [`sealed`]: the X25519 + AES-256-GCM box in which claims travel to a TA and the network
//!   key travels between TAs.
//! - [`credential`]: the W3C Verifiable Credentials the TA issues (Data Model 2.0, secured
//!   with `eddsa-jcs-2022`), and their verification.
//! - [`disclosure`]: selective disclosure: salted claim leaves under a `merkle-cbt` root, the
//!   derived credentials a presentation carries and their verification.
//!
//! The decoder is total: any byte string decodes to a [`Request`] or to a [`TaError`], never a
//! panic (see the fuzz target in `ta/fuzz`).

#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

extern crate alloc;

pub mod command;
pub mod credential;
pub mod disclosure;
pub mod sealed;

use alloc::vec::Vec;
use codec::{Decode, DecodeLimit, Encode};

pub use command::{Command, Reply, Response, TaError};

/// The protocol version this crate speaks. A request of another version is refused with
/// [`TaError::UnsupportedVersion`] before anything else in it is read.
pub const PROTOCOL_VERSION: u16 = 1;

/// The TA's UUID: what OP-TEE loads it by (`<uuid>.ta`) and what its storage keys derive from.
pub const TA_UUID: &str = "5f3c9a4e-2b1d-4c8e-9a7f-6d0e1b2c3a4d";

/// [`TA_UUID`] as the 16 bytes OP-TEE's key derivation hashes (RFC 4122 byte order).
pub const TA_UUID_BYTES: [u8; 16] = [
	0x5f, 0x3c, 0x9a, 0x4e, 0x2b, 0x1d, 0x4c, 0x8e, 0x9a, 0x7f, 0x6d, 0x0e, 0x1b, 0x2c, 0x3a, 0x4d,
];

/// The OP-TEE command id under which every [`Request`] is invoked: parameter 0 is the request
/// (memref input), parameter 1 the response (memref output).
pub const INVOKE: u32 = 0x7465_6964;

/// The largest request a TA reads (claims, schemas and credentials included).
pub const MAX_REQUEST_BYTES: usize = 256 * 1024;

/// The output buffer a host must offer: no reply is larger.
pub const MAX_RESPONSE_BYTES: usize = 512 * 1024;

/// How deep SCALE values may nest in a request.
const MAX_DECODE_DEPTH: u32 = 16;

/// One invocation: the protocol version, then the command.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Request {
	/// [`PROTOCOL_VERSION`] of the sender.
	pub version: u16,
	/// What to do.
	pub command: Command,
}

impl Request {
	/// A request of this crate's version.
	pub fn new(command: Command) -> Self {
		Self { version: PROTOCOL_VERSION, command }
	}

	/// Decodes a request: the whole input, at most [`MAX_REQUEST_BYTES`], of this version.
	pub fn decode_bytes(input: &[u8]) -> Result<Command, TaError> {
		if input.len() > MAX_REQUEST_BYTES {
			return Err(TaError::TooLarge);
		}
		let mut cursor = input;
		let version = u16::decode(&mut cursor).map_err(|_| TaError::Malformed)?;
		if version != PROTOCOL_VERSION {
			return Err(TaError::UnsupportedVersion { supported: PROTOCOL_VERSION });
		}
		Command::decode_all_with_depth_limit(MAX_DECODE_DEPTH, &mut cursor)
			.map_err(|_| TaError::Malformed)
	}
}

/// Encodes what a TA answers; a reply too large for [`MAX_RESPONSE_BYTES`] becomes
/// [`TaError::TooLarge`].
pub fn encode_response(response: &Response) -> Vec<u8> {
	let bytes = response.encode();
	if bytes.len() > MAX_RESPONSE_BYTES {
		return Response::Err(TaError::TooLarge).encode();
	}
	bytes
}

/// Decodes a TA's answer (the host side).
pub fn decode_response(output: &[u8]) -> Result<Response, codec::Error> {
	Response::decode_all_with_depth_limit(MAX_DECODE_DEPTH, &mut &output[..])
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn uuid_bytes_match_the_uuid() {
		let hex: alloc::string::String = TA_UUID.chars().filter(|c| *c != '-').collect();
		let bytes: Vec<u8> =
			(0..16).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap()).collect();
		assert_eq!(bytes, TA_UUID_BYTES);
	}

	#[test]
	fn requests_round_trip() {
		let request = Request::new(Command::Identity);
		assert_eq!(Request::decode_bytes(&request.encode()), Ok(Command::Identity));
	}

	#[test]
	fn another_version_is_refused_before_the_command_is_read() {
		let mut bytes = 2u16.encode();
		bytes.extend_from_slice(&[0xff; 8]);
		assert_eq!(
			Request::decode_bytes(&bytes),
			Err(TaError::UnsupportedVersion { supported: PROTOCOL_VERSION })
		);
	}

	#[test]
	fn garbage_and_trailing_bytes_are_malformed() {
		assert_eq!(Request::decode_bytes(&[]), Err(TaError::Malformed));
		assert_eq!(Request::decode_bytes(&[1, 0, 0xee]), Err(TaError::Malformed));
		let mut bytes = Request::new(Command::Identity).encode();
		bytes.push(0);
		assert_eq!(Request::decode_bytes(&bytes), Err(TaError::Malformed));
		assert_eq!(Request::decode_bytes(&vec![0; MAX_REQUEST_BYTES + 1]), Err(TaError::TooLarge));
	}
}
