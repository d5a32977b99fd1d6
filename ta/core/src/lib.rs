//! # teeid TA core
//!
//! Everything the teeid trusted application does, as `no_std` + `alloc` Rust written against
//! [`Platform`]: secure storage, randomness and device attestation. Two platforms run it: the
//! OP-TEE TA (`ta/optee`, `optee-utee`) and the simulation process (`ta/sim`). Both hand every
//! request to [`Ta::invoke`] and return its bytes, so the command protocol
//! ([`teeid_ta_protocol`]) is the TA's only interface.
//!
//! The secrets (the Ed25519 signing key, the X25519 agreement key and the network key) are
//! generated inside, sealed in secure storage and never returned: the only private material
//! that ever leaves is the network key, sealed to the agreement key of a TEE whose report this
//! TA has just verified (same code, genuine evidence from a device certified by a certifier
//! this TA's code accepts).
//!
//! - [`platform`]: the platform interface.
//! - [`state`]: the sealed state and how it is loaded, created and saved.
//! - [`attest`]: the device certificate, reports, endorsement, network key export and import,
//!   work reports.
//! - [`issue`]: credentials: the checks every format shares, the TEE evidence every document
//!   names, and W3C credentials; with the schema check in [`schema`].
//! - [`sd_jwt`]: SD-JWT VCs, and [`jwt`], the compact JWS both JWT documents are.
//! - [`status_list`]: status lists (W3C Bitstring, IETF Token).
//! - [`present`]: presentations disclosing chosen claims.

#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

extern crate alloc;

pub mod attest;
pub mod issue;
pub mod jwt;
pub mod platform;
pub mod present;
pub mod schema;
pub mod sd_jwt;
pub mod state;
pub mod status_list;
#[cfg(feature = "testing")]
pub mod testing;

use alloc::vec::Vec;
use ed25519_dalek::Signer;
use sp_core::ed25519;
use teeid_primitives::attestation::Measurement;
use teeid_ta_protocol::{
	command::{NetworkKeyInfo, TeeIdentity},
	encode_response, Command, Reply, Request, Response, TaError, PROTOCOL_VERSION,
};

pub use platform::{Platform, PlatformError, StorageError};
use state::SealedState;

/// The trusted application: its platform, its unsealed state and its measurement.
pub struct Ta<P: Platform> {
	platform: P,
	state: SealedState,
	/// The signing key, expanded once (the sealed state keeps only its seed).
	signing: ed25519_dalek::SigningKey,
	measurement: Measurement,
	schemas: schema::SchemaCache,
}

impl<P: Platform> Ta<P> {
	/// Starts the TA: loads the sealed state, or generates keys and seals them on first start.
	/// Refuses to start on sealed state that fails its integrity check.
	pub fn start(mut platform: P) -> Result<Self, TaError> {
		let measurement = platform.measurement().map_err(|_| TaError::Platform)?;
		let state = SealedState::load_or_create(&mut platform)?;
		let signing = state.signing_key();
		Ok(Self { platform, state, signing, measurement, schemas: Default::default() })
	}

	/// Handles one request (a SCALE-encoded [`Request`]) and returns the encoded [`Response`].
	/// Never panics: malformed input is an error response. Every legal request fits the TA's
	/// heap ([`teeid_ta_protocol::limits`]); anything larger is refused before it is parsed.
	pub fn invoke(&mut self, request: &[u8]) -> Vec<u8> {
		let response = Request::decode_bytes(request).and_then(|command| self.execute(command));
		encode_response(&response)
	}

	/// Executes one command. A refused command changes nothing.
	pub fn execute(&mut self, command: Command) -> Response {
		// The JSON a command carries is held to the TA's limits before any of it is parsed: the
		// TA's heap is fixed, and an allocation past it kills the TA.
		command.check_limits()?;
		match command {
			Command::Identity => Ok(Reply::Identity(self.identity())),
			Command::CreateNetworkKey { genesis_hash } => {
				self.create_network_key(genesis_hash).map(Reply::NetworkKey)
			},
			Command::SignReport(request) => self
				.sign_report(request)
				.map(|(report, signature)| Reply::Report { report, signature }),
			Command::Endorse { report } => self.endorse(&report).map(Reply::Endorsement),
			Command::ImportNetworkKey { report, endorsement } => {
				self.import_network_key(&report, &endorsement).map(Reply::NetworkKey)
			},
			Command::Countersign { report, endorser, endorsement } => {
				self.countersign(&report, endorser, endorsement).map(Reply::Signature)
			},
			Command::SignWorkReport(request) => self
				.sign_work_report(request)
				.map(|(payload, signature)| Reply::WorkReport { payload, signature }),
			Command::IssueCredential(request) => self.issue(request).map(Reply::Credential),
			Command::Present(request) => self.present(request).map(Reply::Presentation),
			Command::DeviceKey => self.device_key(),
			Command::InstallCertificate(certificate) => {
				self.install_certificate(certificate).map(|()| Reply::CertificateInstalled)
			},
			Command::SignStatusList(request) => {
				self.sign_status_list(request).map(Reply::StatusList)
			},
		}
	}

	/// The TA's public identity.
	pub fn identity(&self) -> TeeIdentity {
		TeeIdentity {
			version: PROTOCOL_VERSION,
			platform: self.platform.platform(),
			signing_key: self.public_key(),
			agreement_key: self.state.agreement_public(),
			measurement: self.measurement,
			network_key: self.network_info(),
			issued_total: self.state.issued_total,
			certificate: self.state.certificate.clone(),
			newest_block: self.state.newest_block,
		}
	}

	/// The platform (tests read and tamper with its storage through it).
	pub fn platform_mut(&mut self) -> &mut P {
		&mut self.platform
	}

	/// Stops the TA, handing back its platform (a restart is `Ta::start` on it).
	pub fn stop(self) -> P {
		self.platform
	}

	fn public_key(&self) -> ed25519::Public {
		ed25519::Public::from_raw(self.signing.verifying_key().to_bytes())
	}

	fn sign(&self, message: &[u8]) -> [u8; 64] {
		self.signing.sign(message).to_bytes()
	}

	fn network_info(&self) -> Option<NetworkKeyInfo> {
		self.state.network.as_ref().map(|network| network.info())
	}

	fn random32(&mut self) -> Result<[u8; 32], TaError> {
		let mut bytes = [0u8; 32];
		self.platform.fill_random(&mut bytes).map_err(|_| TaError::Platform)?;
		Ok(bytes)
	}

	/// Applies `change` to a copy of the state, seals the copy and only then adopts it: a
	/// failed seal leaves the TA as it was.
	fn update_sealed(&mut self, change: impl FnOnce(&mut SealedState)) -> Result<(), TaError> {
		let mut next = self.state.clone();
		change(&mut next);
		next.save(&mut self.platform)?;
		self.state = next;
		Ok(())
	}
}
