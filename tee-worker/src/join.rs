//! Getting the worker registered on chain.
//!
//! - **Bootstrap** (the chain's first worker, by root): the TA creates the network key and
//!   signs R; root allows the TA's code and registers the worker with `bootstrap_worker`.
//! - **Join by endorsement** (every further worker): the TA signs R anchored at a recent
//!   block and naming the chain's network-key fingerprint; an active worker's API endorses it
//!   (its TA checks R and the evidence and returns Sig_V(R) with the network key sealed to
//!   this TEE), for a single-use `endorse` token its operator made for this join; this TA
//!   imports the key and countersigns; the operator submits the quadruple
//!   {R, Sig_M(R), Sig_V(R), Sig_M(Sig_V(R))} with `register_worker`.
//!
//! A worker whose TEE key changed (its TA state was lost) is not the operator's registered
//! worker any more and registers again the same way; the chain supersedes the old key. A
//! registered worker that went inactive needs no registration: its next valid work report
//! makes it active again.
//!
//! Every report carries the TA's device certificate, and every endorsement the endorser's: a
//! TA exports the network key only to, and imports it only from, a device certified by a
//! certifier in its own code, and the chain registers only devices whose certifier it lists.

use codec::{Decode, Encode};
use serde::{Deserialize, Serialize};
use teeid_ta_protocol::{
	command::{Endorsement, Report, ReportRequest},
	Command, Reply,
};

use crate::{chain::Chain, error::WorkerError, expect_reply, worker::Worker};

/// How long governance allows a bootstrapped worker's code, in blocks (about 69 days of 6 s
/// blocks).
const CODE_ALLOWANCE: u32 = 1_000_000;

/// How the worker may register if it is not registered yet.
#[derive(Clone, Debug, Default)]
pub struct JoinSettings {
	/// Bootstrap with governance's help (the operator is the sudo key, or a committee member
	/// whose motion the committee passes) if the chain has no network key yet.
	pub bootstrap: bool,
	/// The API of an active worker to ask for an endorsement.
	pub endorser: Option<String>,
	/// A token of that worker for the endorsement: a single-use `endorse` token its operator
	/// made for this join (or an admin token).
	pub endorser_token: Option<String>,
}

/// What `POST /v1/endorse` takes.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EndorseRequest {
	/// The joining TEE's report R, SCALE-encoded, `0x` hex.
	pub report: String,
}

/// What `POST /v1/endorse` answers.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EndorseResponse {
	/// The endorser's TEE key (V), `0x` hex.
	pub endorser: String,
	/// The device certifier of the endorser's device certificate, `0x` hex: the joining TA
	/// accepts the network key only if it accepts this certifier.
	pub certifier: String,
	/// The endorsement: Sig_V(R), the network key sealed to the joining TEE, the endorser's
	/// evidence and its device certificate, SCALE-encoded, `0x` hex.
	pub endorsement: String,
}

/// How the worker stands on chain after [`ensure_registered`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Registration {
	/// It was registered already.
	Registered,
	/// It was just bootstrapped.
	Bootstrapped,
	/// It just joined by endorsement.
	Joined,
}

/// Registers the worker unless the chain already knows its TEE key for this operator.
pub async fn ensure_registered(
	worker: &Worker,
	settings: &JoinSettings,
) -> Result<Registration, WorkerError> {
	let key = worker.key();
	if let Some(status) = worker.chain.worker(&key).await? {
		if status.operator == worker.chain.operator() {
			if !status.may_report() {
				tracing::warn!(
					code_allowed = status.code_allowed,
					platform_allowed = status.platform_allowed,
					certified = status.certified,
					"the worker is registered but does not count now"
				);
			} else if !status.active {
				tracing::info!(
					"the worker is registered but inactive: its next work report reactivates it"
				);
			}
			return Ok(Registration::Registered);
		}
	}
	check_certifier_listed(worker).await?;
	match (worker.chain.network_key().await?, &settings.endorser) {
		(_, Some(endorser)) => {
			join(worker, endorser, settings.endorser_token.as_deref()).await?;
			Ok(Registration::Joined)
		},
		(None, None) if settings.bootstrap => {
			bootstrap(worker).await?;
			Ok(Registration::Bootstrapped)
		},
		(None, None) => Err(WorkerError::Conflict(
			"the chain has no worker yet: start the first worker with --bootstrap (its operator \
			 must be the sudo key or a committee member)"
				.into(),
		)),
		(Some((public, _)), None) if settings.bootstrap => {
			// Root may register a TEE that holds the network key but was never registered
			// (its join stopped after the import); a key registers only once, ever.
			if worker.identity().network_key.is_some_and(|n| n.public == public) {
				bootstrap(worker).await?;
				Ok(Registration::Bootstrapped)
			} else {
				Err(WorkerError::Conflict(
					"the chain is bootstrapped already: join it with --endorser URL \
					 --endorser-token TOKEN"
						.into(),
				))
			}
		},
		(Some(_), None) => Err(WorkerError::Conflict(
			"this worker is not registered: join with --endorser URL --endorser-token TOKEN".into(),
		)),
	}
}

/// Refuses to register a TA whose device certifier the chain does not list for its platform:
/// the chain would refuse the report (`UncertifiedDevice`), and only after an endorsement had
/// used up the endorser's token.
async fn check_certifier_listed(worker: &Worker) -> Result<(), WorkerError> {
	let identity = worker.identity();
	let platform = identity.platform;
	let Some(certifier) = identity.certificate.map(|c| c.certifier.0) else {
		return Err(WorkerError::Conflict(
			"the TA holds no device certificate: provision it with `teeid-worker device` \
			 (docs/operations.md, section 5.1)"
				.into(),
		));
	};
	let listed = worker.chain.view().await?.device_certifiers().await?;
	if listed.contains(&(certifier, platform)) {
		return Ok(());
	}
	Err(WorkerError::Conflict(format!(
		"the chain does not list the TA's device certifier 0x{} for {platform:?}: root adds it \
		 with attestation.addDeviceCertifier (docs/operations.md, section 5.1)",
		hex::encode(certifier)
	)))
}

/// Registers the chain's first worker with governance's help: the operator dispatches the
/// bootstrap (and allows the TA's code, if it is not allowed) as the sudo key, or proposes it to
/// the committee as a member and waits for the other members' ayes.
pub async fn bootstrap(worker: &Worker) -> Result<(), WorkerError> {
	let Some(role) = worker.chain.governance_role().await? else {
		return Err(WorkerError::Conflict(
			"--bootstrap needs the chain's governance: the operator is neither the sudo key nor \
			 a committee member (docs/operations.md, section 6.1)"
				.into(),
		));
	};
	let genesis_hash = worker.chain.genesis_hash();
	let identity = worker.identity();
	let network = match identity.network_key {
		Some(network) if network.genesis_hash == genesis_hash => network,
		Some(network) => {
			return Err(WorkerError::Conflict(format!(
				"the TA holds the network key of another chain (genesis {:?}): use a fresh data \
				 directory for this chain",
				network.genesis_hash
			)))
		},
		None => {
			let reply = worker.tee.call(Command::CreateNetworkKey { genesis_hash }).await?;
			expect_reply!(reply, Reply::NetworkKey(info) => info, "CreateNetworkKey")?
		},
	};
	let (report, signature) = sign_report(worker, None).await?;
	let (finalized, _) = worker.chain.finalized().await?;
	let mut calls = Vec::new();
	if !worker.chain.code_allowed(&identity.measurement).await? {
		let expires = finalized.saturating_add(CODE_ALLOWANCE);
		calls.push(Chain::allow_code_call(identity.measurement, expires));
	}
	calls.push(Chain::bootstrap_worker_call(&report, &signature.0, network.public)?);
	worker.chain.governance_dispatch(role, calls).await?;
	worker.refresh_identity().await?;
	if worker.chain.worker(&worker.key()).await?.is_none() {
		return Err(WorkerError::Conflict(
			"the committee's motion ended without registering this worker".into(),
		));
	}
	tracing::info!(key = %hex::encode(worker.key()), "bootstrapped as the chain's first worker");
	Ok(())
}

/// Joins by endorsement of the worker whose API is at `endorser`.
pub async fn join(
	worker: &Worker,
	endorser: &str,
	endorser_token: Option<&str>,
) -> Result<(), WorkerError> {
	let (_, fingerprint) = worker.chain.network_key().await?.ok_or_else(|| {
		WorkerError::Conflict("the chain has no network key: bootstrap it first".into())
	})?;
	let (report, signature) = sign_report(worker, Some(fingerprint)).await?;
	let endorsement = request_endorsement(endorser, endorser_token, &report).await?;
	if worker.identity().network_key.is_none() {
		let reply = worker
			.tee
			.call(Command::ImportNetworkKey {
				report: report.clone(),
				endorsement: endorsement.clone(),
			})
			.await?;
		expect_reply!(reply, Reply::NetworkKey(info) => info, "ImportNetworkKey")?;
	}
	let reply = worker
		.tee
		.call(Command::Countersign {
			report: report.clone(),
			endorser: endorsement.endorser,
			endorsement: endorsement.signature,
		})
		.await?;
	let countersignature = expect_reply!(reply, Reply::Signature(s) => s, "Countersign")?;
	worker
		.chain
		.register_worker(
			&report,
			&signature.0,
			&endorsement.endorser.0,
			&endorsement.signature.0,
			&countersignature.0,
		)
		.await?;
	worker.refresh_identity().await?;
	tracing::info!(
		key = %hex::encode(worker.key()),
		endorser = %hex::encode(endorsement.endorser.0),
		"joined by endorsement"
	);
	Ok(())
}

/// R for this TEE, anchored at the latest finalized block, and Sig_M(R).
async fn sign_report(
	worker: &Worker,
	network_key: Option<[u8; 32]>,
) -> Result<(Report, sp_core::ed25519::Signature), WorkerError> {
	let (anchor_number, anchor_hash) = worker.chain.finalized().await?;
	let request = ReportRequest {
		operator: worker.chain.operator(),
		genesis_hash: worker.chain.genesis_hash(),
		anchor_number,
		anchor_hash,
		network_key,
	};
	let reply = worker.tee.call(Command::SignReport(request)).await?;
	Ok(
		expect_reply!(reply, Reply::Report { report, signature } => (report, signature), "SignReport")?,
	)
}

/// Asks the worker at `endorser` to endorse `report`.
async fn request_endorsement(
	endorser: &str,
	token: Option<&str>,
	report: &Report,
) -> Result<Endorsement, WorkerError> {
	let url = format!("{}/v1/endorse", endorser.trim_end_matches('/'));
	let client = reqwest::Client::builder()
		.timeout(std::time::Duration::from_secs(60))
		.build()
		.map_err(|e| WorkerError::Internal(format!("HTTP client: {e}")))?;
	let mut request = client
		.post(&url)
		.json(&EndorseRequest { report: format!("0x{}", hex::encode(report.encode())) });
	if let Some(token) = token {
		request = request.bearer_auth(token);
	}
	let response = request
		.send()
		.await
		.map_err(|e| WorkerError::Unavailable(format!("the endorser at {url}: {e}")))?;
	if !response.status().is_success() {
		let status = response.status();
		let body = response.text().await.unwrap_or_default();
		return Err(WorkerError::Conflict(format!("the endorser refused ({status}): {body}")));
	}
	let body: EndorseResponse = response
		.json()
		.await
		.map_err(|e| WorkerError::Internal(format!("the endorser's answer: {e}")))?;
	let bytes = hex::decode(body.endorsement.trim_start_matches("0x"))
		.map_err(|_| WorkerError::Internal("the endorser's answer is not hex".into()))?;
	Endorsement::decode(&mut &bytes[..])
		.map_err(|_| WorkerError::Internal("the endorser's answer does not decode".into()))
}

/// Endorses a joining TEE's report (the endorser's side of [`join`]).
pub async fn endorse(
	worker: &Worker,
	request: &EndorseRequest,
) -> Result<EndorseResponse, WorkerError> {
	let bytes = hex::decode(request.report.trim_start_matches("0x"))
		.map_err(|_| WorkerError::BadRequest("`report` is not hex".into()))?;
	let report = <Report as codec::DecodeAll>::decode_all(&mut &bytes[..])
		.map_err(|_| WorkerError::BadRequest("`report` is not a SCALE-encoded report".into()))?;
	if report.payload.genesis_hash != worker.chain.genesis_hash() {
		return Err(WorkerError::BadRequest("the report names another chain".into()));
	}
	let me = worker.chain.worker(&worker.key()).await?;
	if !me.is_some_and(|status| status.counts()) {
		return Err(WorkerError::Conflict(
			"this worker is not an active registered worker, so it cannot endorse".into(),
		));
	}
	let reply = worker.tee.call(Command::Endorse { report }).await?;
	let endorsement = expect_reply!(reply, Reply::Endorsement(e) => e, "Endorse")?;
	tracing::info!("endorsed a joining TEE");
	Ok(EndorseResponse {
		endorser: format!("0x{}", hex::encode(endorsement.endorser.0)),
		certifier: format!("0x{}", hex::encode(endorsement.certificate.certifier.0)),
		endorsement: format!("0x{}", hex::encode(endorsement.encode())),
	})
}
