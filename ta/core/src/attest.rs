//! Attestation: the device certificate, the TEE's report R, endorsing another TEE (Sig_V(R)
//! and the network key export), importing the network key, countersigning (Sig_M(Sig_V(R)))
//! and work reports.
//!
//! An endorser checks, inside the TA, everything the host could lie about: the joiner's
//! evidence (device signature over the report's nonce and measurement), that its device key
//! is certified for this platform and chain by a certifier this TA's code accepts (a host
//! cannot make up a device: evidence from a key it generated carries no such certificate),
//! that it runs this very code on the same kind of platform, that it names this chain and this
//! network key. The joiner in turn checks the endorser's evidence over the export and the
//! endorser's device certificate before it imports the key, and countersigns only the
//! endorsement of the TEE it imported from.

use codec::Encode;
use sp_core::ed25519;
use teeid_primitives::{
	attestation::{
		DeviceCertificate, DeviceKey, EvidenceError, ReportBody, ReportPayload, WorkReportBody,
		WorkReportPayload, WorkerReport,
	},
	signing::{Anchor, SigningDomain, SigningPayload},
	Hash,
};
use teeid_ta_protocol::{
	certificate::{self, CertificateError},
	command::{Endorsement, NetworkKeyInfo, Report, ReportRequest, WorkReportRequest},
	credential::verify_ed25519,
	sealed::{self, Purpose},
	Reply, TaError,
};

use crate::{platform::Platform, state::NetworkSecret, Ta};

impl<P: Platform> Ta<P> {
	/// The device's attestation key and the platform, for a device certifier to certify.
	pub(crate) fn device_key(&mut self) -> Result<Reply, TaError> {
		let key = self.platform.device_key().map_err(|_| TaError::Platform)?;
		Ok(Reply::DeviceKey { platform: self.platform.platform(), key })
	}

	/// Checks this device's certificate and seals it, replacing the one installed before.
	pub(crate) fn install_certificate(
		&mut self,
		certificate: DeviceCertificate,
	) -> Result<(), TaError> {
		let device_key = self.platform.device_key().map_err(|_| TaError::Platform)?;
		// Once the TA serves a chain, only a certificate for that chain is of any use.
		let genesis_hash = match &self.state.network {
			Some(network) => network.genesis_hash,
			None => certificate.payload.genesis_hash,
		};
		self.accepts_certificate(&certificate, &device_key, &genesis_hash)
			.map_err(|_| TaError::BadCertificate)?;
		self.update_sealed(|state| state.certificate = Some(certificate))
	}

	/// Whether this TA takes `certificate` as the certificate of `device_key` as a device of
	/// its own platform on chain `genesis_hash`, by a certifier its code accepts: the one check
	/// behind installing a certificate, endorsing and importing.
	fn accepts_certificate(
		&self,
		certificate: &DeviceCertificate,
		device_key: &DeviceKey,
		genesis_hash: &Hash,
	) -> Result<(), CertificateError> {
		certificate::accepts(
			certificate,
			self.platform.accepted_certifiers(),
			self.platform.platform(),
			device_key,
			genesis_hash,
		)
	}

	/// Generates the network key of chain `genesis_hash`.
	pub(crate) fn create_network_key(
		&mut self,
		genesis_hash: Hash,
	) -> Result<NetworkKeyInfo, TaError> {
		if self.state.network.is_some() {
			return Err(TaError::NetworkKeyExists);
		}
		let network = NetworkSecret { secret: self.random32()?, genesis_hash };
		let info = network.info();
		self.update_sealed(|state| state.network = Some(network))?;
		Ok(info)
	}

	/// Signs R for this TEE, with its device certificate for the request's chain.
	pub(crate) fn sign_report(
		&mut self,
		request: ReportRequest,
	) -> Result<(Report, ed25519::Signature), TaError> {
		// A device without a certificate for the chain can make no report the chain or an
		// endorser accepts: that is the first thing to fix, so it is the first refusal.
		let certificate = self.state.certificate_for(&request.genesis_hash)?.clone();
		let network_key = match (&self.state.network, request.network_key) {
			(Some(network), _) if network.genesis_hash != request.genesis_hash => {
				return Err(TaError::WrongChain)
			},
			(Some(network), expected) => {
				let own = network.info().fingerprint;
				if expected.is_some_and(|expected| expected != own) {
					return Err(TaError::WrongNetworkKey);
				}
				own
			},
			(None, Some(expected)) => expected,
			(None, None) => return Err(TaError::NoNetworkKey),
		};
		let payload: ReportPayload<_> = SigningPayload {
			domain: SigningDomain::WorkerReport,
			genesis_hash: request.genesis_hash,
			anchor: Anchor::Block { number: request.anchor_number, hash: request.anchor_hash },
			body: ReportBody {
				platform: self.platform.platform(),
				signing_key: self.public_key(),
				agreement_key: self.state.agreement_public(),
				measurement: self.measurement,
				operator: request.operator,
				network_key,
			},
		};
		let nonce = WorkerReport::evidence_nonce(&payload);
		let evidence = self.platform.evidence(nonce).map_err(|_| TaError::Platform)?;
		let report = WorkerReport { payload, evidence, certificate };
		let signature = ed25519::Signature::from_raw(self.sign(&report.signing_bytes()));
		Ok((report, signature))
	}

	/// Checks another TEE's report, its evidence and its device certificate, and endorses it,
	/// exporting the network key to it with this TEE's own certificate.
	pub(crate) fn endorse(&mut self, report: &Report) -> Result<Endorsement, TaError> {
		let network = self.state.network()?.clone();
		// The endorser's own certificate goes with the key, for the joiner to check.
		let certificate = self
			.state
			.certificate_for(&network.genesis_hash)
			.map_err(|_| TaError::Uncertified)?
			.clone();
		let body = &report.payload.body;
		if report.payload.domain != SigningDomain::WorkerReport || report.anchor_block().is_none() {
			return Err(TaError::Malformed);
		}
		if report.payload.genesis_hash != network.genesis_hash {
			return Err(TaError::WrongChain);
		}
		if body.network_key != network.info().fingerprint {
			return Err(TaError::WrongNetworkKey);
		}
		if body.signing_key == self.public_key() {
			return Err(TaError::SelfEndorsement);
		}
		if body.platform != self.platform.platform() || body.measurement != self.measurement {
			return Err(TaError::CodeMismatch);
		}
		report.check_evidence().map_err(|error| match error {
			EvidenceError::CertificateMismatch => TaError::UncertifiedDevice,
			_ => TaError::BadEvidence,
		})?;
		self.accepts_certificate(
			&report.certificate,
			&report.evidence.device_key,
			&report.payload.genesis_hash,
		)
		.map_err(|_| TaError::UncertifiedDevice)?;

		let endorser = self.public_key();
		let signature =
			ed25519::Signature::from_raw(self.sign(&report.endorsement(endorser).signing_bytes()));
		let report_hash = report.hash();
		let mut plaintext = network.encode();
		let network_key = sealed::seal(
			Purpose::NetworkKey,
			&body.agreement_key,
			self.random32()?,
			&plaintext,
			&report_hash,
		)
		.map_err(|_| TaError::BadEvidence);
		zeroize::Zeroize::zeroize(&mut plaintext);
		let network_key = network_key?;
		let evidence = self
			.platform
			.evidence(sealed::export_nonce(&report_hash, &endorser.0, &network_key))
			.map_err(|_| TaError::Platform)?;
		Ok(Endorsement { endorser, signature, network_key, evidence, certificate })
	}

	/// Imports the network key an endorser exported for this TEE's `report`.
	pub(crate) fn import_network_key(
		&mut self,
		report: &Report,
		endorsement: &Endorsement,
	) -> Result<NetworkKeyInfo, TaError> {
		self.check_own(report)?;
		if self.state.network.is_some() {
			return Err(TaError::NetworkKeyExists);
		}
		let evidence = &endorsement.evidence;
		if evidence.measurement != self.measurement {
			return Err(TaError::CodeMismatch);
		}
		let report_hash = report.hash();
		let nonce =
			sealed::export_nonce(&report_hash, &endorsement.endorser.0, &endorsement.network_key);
		if evidence.nonce != nonce || evidence.verify_signature().is_err() {
			return Err(TaError::BadEvidence);
		}
		// A genuine signature by some RSA key proves nothing until a certifier this TA accepts
		// vouches for the key as a device of this platform, for the report's chain.
		self.accepts_certificate(
			&endorsement.certificate,
			&evidence.device_key,
			&report.payload.genesis_hash,
		)
		.map_err(|_| TaError::UncertifiedDevice)?;
		self.check_endorsement(report, endorsement.endorser, endorsement.signature)?;

		let mut plaintext = sealed::open(
			Purpose::NetworkKey,
			&self.state.agreement_secret(),
			&endorsement.network_key,
			&report_hash,
		)
		.map_err(|_| TaError::BadNetworkKeyExport)?;
		let network = <NetworkSecret as codec::DecodeAll>::decode_all(&mut &plaintext[..]);
		zeroize::Zeroize::zeroize(&mut plaintext);
		let network = network.map_err(|_| TaError::BadNetworkKeyExport)?;
		let info = network.info();
		if info.fingerprint != report.payload.body.network_key
			|| info.genesis_hash != report.payload.genesis_hash
		{
			return Err(TaError::BadNetworkKeyExport);
		}
		let endorser = endorsement.endorser.0;
		self.update_sealed(|state| {
			state.network = Some(network);
			state.imported_from = Some(endorser);
		})?;
		Ok(info)
	}

	/// Sig_M(Sig_V(R)): only for this TEE's report, once it holds the network key the report
	/// names, and only for the endorser it imported that key from.
	pub(crate) fn countersign(
		&mut self,
		report: &Report,
		endorser: ed25519::Public,
		endorsement: ed25519::Signature,
	) -> Result<ed25519::Signature, TaError> {
		self.check_own(report)?;
		let network = self.state.network()?;
		if network.info().fingerprint != report.payload.body.network_key {
			return Err(TaError::WrongNetworkKey);
		}
		if self.state.imported_from != Some(endorser.0) {
			return Err(TaError::BadEndorsement);
		}
		self.check_endorsement(report, endorser, endorsement)?;
		Ok(ed25519::Signature::from_raw(
			self.sign(&report.countersignature(endorser, endorsement).signing_bytes()),
		))
	}

	/// Signs a work report for a slot after the last one signed. Its anchor (the slot's first
	/// block) advances the newest block seen, sealed with the counters.
	pub(crate) fn sign_work_report(
		&mut self,
		request: WorkReportRequest,
	) -> Result<(WorkReportPayload, ed25519::Signature), TaError> {
		let genesis_hash = self.state.network()?.genesis_hash;
		if self.state.last_slot.is_some_and(|last| request.slot <= last) {
			return Err(TaError::SlotAlreadyReported);
		}
		let unreported = self.state.issued_total.saturating_sub(self.state.reported_total);
		if u64::from(request.credentials_count) > unreported {
			return Err(TaError::CountExceedsIssued);
		}
		let payload = SigningPayload {
			domain: SigningDomain::WorkReport,
			genesis_hash,
			anchor: Anchor::Block { number: request.anchor_number, hash: request.anchor_hash },
			body: WorkReportBody {
				worker: self.public_key(),
				slot: request.slot,
				credentials_root: request.credentials_root,
				credentials_count: request.credentials_count,
				issued_total: self.state.issued_total,
			},
		};
		self.update_sealed(|state| {
			state.last_slot = Some(request.slot);
			state.newest_block = state.newest_block.max(request.anchor_number);
			state.reported_total += u64::from(request.credentials_count);
			// This seal happens anyway: let it record the exact count, so a TA restarted
			// before its next issuance resumes without counting credentials it never issued.
			state.issued_reserved = state.issued_total;
		})?;
		let signature = ed25519::Signature::from_raw(self.sign(&payload.signing_bytes()));
		Ok((payload, signature))
	}

	fn check_own(&self, report: &Report) -> Result<(), TaError> {
		let body = &report.payload.body;
		if body.signing_key != self.public_key()
			|| body.agreement_key != self.state.agreement_public()
		{
			return Err(TaError::NotOwnReport);
		}
		Ok(())
	}

	fn check_endorsement(
		&self,
		report: &Report,
		endorser: ed25519::Public,
		signature: ed25519::Signature,
	) -> Result<(), TaError> {
		if endorser == self.public_key() {
			return Err(TaError::SelfEndorsement);
		}
		verify_ed25519(&endorser.0, &report.endorsement(endorser).signing_bytes(), &signature.0)
			.map_err(|_| TaError::BadEndorsement)
	}
}
