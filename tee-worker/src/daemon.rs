//! `teeid-worker run` and `teeid-worker register`: start the TEE and the chain client, get
//! registered, bind to the operator's DIDs, serve the API and work the slots until a signal
//! asks to stop; then unbind and stop what was started.

use axum::serve::ListenerExt;
use std::{sync::Arc, time::Duration};
use teeid_primitives::AccountId;
use tokio::{net::TcpListener, sync::watch};

use crate::{
	admission::Admission,
	anchor, api,
	chain::{Chain, ChainError},
	config::{Backend, LocalSettings, Settings},
	device,
	error::WorkerError,
	join::{self, JoinSettings, Registration},
	store::Store,
	tee::{sim::SimBackend, Tee},
	tokens,
	verify::VerifyLimit,
	worker::{did_of, parse_did, LightReads, Limits, Worker},
};

/// How many times to try reaching the node at start, a second apart.
const CHAIN_ATTEMPTS: u32 = 60;

/// How long an issuance waits for a slot when `issue-concurrency` are in progress, before a
/// 503: a worker at capacity refuses at once what it cannot start soon, and what it admits keeps
/// its latency.
const ISSUE_QUEUE_WAIT: Duration = Duration::from_millis(100);

/// Opens the TEE: connects to the simulation in the data directory (creating the directory and
/// starting the simulation if needed), or opens a session with the TA under OP-TEE.
pub fn open_tee(local: &LocalSettings) -> Result<Tee, WorkerError> {
	create_data_dir(local)?;
	match local.tee {
		Backend::Sim => Ok(Tee::new(SimBackend::connect_or_start(
			&local.sim_binary,
			&local.sim_state_dir(),
			&local.sim_socket(),
			&local.sim_pid_file(),
		)?)?),
		#[cfg(feature = "optee")]
		Backend::Optee => Ok(Tee::new(crate::tee::optee::OpteeBackend::open()?)?),
		#[cfg(not(feature = "optee"))]
		Backend::Optee => Err(WorkerError::BadRequest(
			"this build has no OP-TEE backend: build teeid-worker with --features optee".into(),
		)),
	}
}

async fn connect_chain(settings: &Settings) -> Result<Chain, WorkerError> {
	let mut attempt = 1;
	loop {
		match Chain::connect(&settings.chain, &settings.operator).await {
			Ok(chain) => return Ok(chain),
			Err(e @ crate::chain::ChainError::Unreachable(_)) if attempt < CHAIN_ATTEMPTS => {
				if attempt == 1 {
					tracing::info!("waiting for the node at {}: {e}", settings.chain);
				}
				attempt += 1;
				tokio::time::sleep(std::time::Duration::from_secs(1)).await;
			},
			Err(e) => return Err(e.into()),
		}
	}
}

/// Creates the data directory (owner only) if it does not exist.
fn create_data_dir(local: &LocalSettings) -> Result<(), WorkerError> {
	local.create_data_dir().map_err(|e| {
		WorkerError::Internal(format!("cannot create {}: {e}", local.data_dir.display()))
	})
}

/// The data directory, the database and the TEE: the database first, so that a database the
/// worker refuses (of a newer worker's format, say) leaves no simulated TA started.
fn open_local(settings: &Settings) -> Result<(Store, Tee), WorkerError> {
	create_data_dir(&settings.local)?;
	let path = settings.database();
	let store = Store::open(&path)
		.map_err(|e| WorkerError::Internal(format!("opening {}: {e}", path.display())))?;
	let tee = open_tee(&settings.local)?;
	Ok((store, tee))
}

/// The worker, once the node answers, with a TA that holds a device certificate for the
/// chain.
async fn assemble(settings: &Settings, store: Store, tee: Tee) -> Result<Arc<Worker>, WorkerError> {
	// An unreadable chain specification fails before the wait for the node.
	let light_spec = match &settings.verify_light {
		Some(path) => Some((
			path,
			std::fs::read_to_string(path).map_err(|e| {
				WorkerError::BadRequest(format!("the chain specification {}: {e}", path.display()))
			})?,
		)),
		None => None,
	};
	let chain = connect_chain(settings).await?;
	let limits = Limits {
		verify: VerifyLimit::new(settings.verify_concurrency),
		issuance: Admission::new("issuance", settings.issue_concurrency, ISSUE_QUEUE_WAIT),
	};
	let light = match light_spec {
		Some((path, spec)) => {
			tracing::info!("starting the verifier's light client of {}", path.display());
			let light = LightReads::start(&chain, &spec).await?;
			tracing::info!("the verifier reads the chain through the light client");
			Some(light)
		},
		None => None,
	};
	let worker = Worker::new(tee, chain, store, limits, settings.public_url.clone(), light).await?;
	device::ensure_certified(&worker).await?;
	Ok(Arc::new(worker))
}

/// Registers the worker and exits (`teeid-worker register`).
pub async fn register(settings: Settings, join: JoinSettings) -> Result<Registration, WorkerError> {
	let mut stop = stop_signal()?;
	let (store, tee) = open_local(&settings)?;
	let tee_to_stop = tee.clone();
	// Registering verifies nothing: no light client for the verifier.
	let settings = Settings { verify_light: None, ..settings };
	let result = unless_stopped(&mut stop, async {
		let worker = assemble(&settings, store, tee).await?;
		join::ensure_registered(&worker, &join).await
	})
	.await
	.and_then(|registration| {
		registration.ok_or_else(|| WorkerError::Unavailable("stopped by a signal".into()))
	});
	tee_to_stop.stop_started();
	result
}

/// Runs the worker until SIGINT or SIGTERM (`teeid-worker run`). A signal during startup
/// (waiting for the node, creating the operator's DID, registering) stops it too, and the
/// simulation it started.
pub async fn run(settings: Settings, join: JoinSettings) -> Result<(), WorkerError> {
	let mut stop = stop_signal()?;
	let (store, tee) = open_local(&settings)?;
	let tee_to_stop = tee.clone();
	let result = async {
		let Some(worker) = unless_stopped(&mut stop, assemble(&settings, store, tee)).await? else {
			return Ok(());
		};
		serve(&settings, &join, &worker, stop).await
	}
	.await;
	tee_to_stop.stop_started();
	result
}

/// Runs `work` unless a stop signal comes first (then `None`).
async fn unless_stopped<T>(
	stop: &mut watch::Receiver<bool>,
	work: impl std::future::Future<Output = Result<T, WorkerError>>,
) -> Result<Option<T>, WorkerError> {
	tokio::select! {
		result = work => result.map(Some),
		_ = stop.wait_for(|stop| *stop) => Ok(None),
	}
}

async fn serve(
	settings: &Settings,
	join: &JoinSettings,
	worker: &Arc<Worker>,
	mut stop: watch::Receiver<bool>,
) -> Result<(), WorkerError> {
	let operator = worker.chain.operator();
	tokens::first_admin_token(&worker.store, &did_of(&operator), &settings.admin_token_file())?;
	let setup = async {
		if worker.chain.did(&operator).await?.is_none() {
			worker.chain.create_operator_did().await?;
			tracing::info!(did = %did_of(&operator), "created the operator's DID");
		}
		join::ensure_registered(worker, join).await
	};
	match unless_stopped(&mut stop, setup).await? {
		None => return Ok(()),
		Some(Registration::Registered) => {
			tracing::info!(key = %hex::encode(worker.key()), "registered")
		},
		Some(Registration::Bootstrapped | Registration::Joined) => {},
	}
	// The chain binds only active workers: an inactive one reports first.
	if unless_stopped(&mut stop, reactivate(worker, settings.poll_interval)).await?.is_none() {
		return Ok(());
	}
	// Binding runs to the end even if a signal comes meanwhile, so that every binding made is
	// one this worker unbinds on its way out.
	let bound = bind_signers(worker, &settings.sign_for).await?;

	let listener = TcpListener::bind(settings.listen)
		.await
		.map_err(|e| WorkerError::Internal(format!("cannot listen on {}: {e}", settings.listen)))?;
	let slots = {
		let worker = worker.clone();
		let interval = settings.poll_interval;
		let stop = stop.clone();
		tokio::spawn(async move { anchor::run(&worker, interval, stop).await })
	};
	// Status lists follow the chain's revocations; every step of it commits or does nothing,
	// so it is stopped by aborting it.
	let follower = tokio::spawn(crate::status_list::follow(worker.clone()));
	tracing::info!(
		api = %format!("http://{}", settings.listen),
		openapi = %format!("http://{}/openapi.json", settings.listen),
		"serving"
	);
	// Answers go out as they are written: with Nagle's algorithm an answer written while the
	// client has not yet acknowledged the connection's last segment waits for that
	// acknowledgement, which the client may delay by tens of milliseconds.
	let listener = listener.tap_io(|stream| {
		if let Err(e) = stream.set_nodelay(true) {
			tracing::debug!("TCP_NODELAY not set on an API connection: {e}");
		}
	});
	let served = axum::serve(listener, api::router(worker.clone()))
		.with_graceful_shutdown(async move {
			let _ = stop.wait_for(|stop| *stop).await;
		})
		.await;
	// The slot loop stops on the same signal.
	let _ = slots.await;
	follower.abort();
	for did in &bound {
		unbind(worker, did).await;
	}
	served.map_err(|e| WorkerError::Internal(format!("the API server failed: {e}")))
}

/// How many slots an inactive worker reports before it gives up waiting to be reactivated.
const REACTIVATION_SLOTS: u32 = 3;

/// Reports slots until the chain counts the worker as active again, if it is inactive but may
/// report (registered, allowed code, certified device): its next valid work report reactivates
/// it. A worker that may not report cannot be helped by reporting; binding then fails with the
/// chain's reason.
async fn reactivate(worker: &Worker, interval: Duration) -> Result<(), WorkerError> {
	let mut first_slot = None;
	loop {
		let best = worker.chain.best().await?;
		let standing = best.worker(&worker.key()).await?;
		if !standing.is_some_and(|s| !s.active && s.may_report()) {
			return Ok(());
		}
		let (slot, _) = best.slot().await?;
		match first_slot {
			None => {
				tracing::info!("the worker is inactive: reporting the slot to be reactivated");
				first_slot = Some(slot);
			},
			Some(first) if slot > first + REACTIVATION_SLOTS => {
				return Err(WorkerError::Conflict(format!(
					"the worker is inactive, and the chain did not reactivate it on its work \
					 reports of {REACTIVATION_SLOTS} slots"
				)));
			},
			Some(_) => {},
		}
		if let Err(e) = anchor::tick(worker).await {
			tracing::warn!("slot work: {e}");
		}
		tokio::time::sleep(interval).await;
	}
}

/// Ends the worker's binding to `did`. The stop may have interrupted a transaction of the slot
/// loop, which the node may still refuse or drop along with what follows it; so an unbinding
/// that was not included is tried again, a block later, a few times.
async fn unbind(worker: &Worker, did: &AccountId) {
	const ATTEMPTS: u32 = 5;
	for attempt in 1..=ATTEMPTS {
		match worker.chain.unbind_signer(did, &worker.key()).await {
			Ok(()) => {
				tracing::info!(did = %did_of(did), "unbound");
				return;
			},
			Err(ChainError::NotIncluded(e)) if attempt < ATTEMPTS => {
				tracing::info!(did = %did_of(did), "unbinding not included ({e}); trying again");
				tokio::time::sleep(Duration::from_secs(6)).await;
			},
			Err(e) => {
				tracing::warn!(did = %did_of(did), "could not unbind: {e}");
				return;
			},
		}
	}
}

/// Binds the worker to each DID in `sign_for` (the operator's own DID if empty) that the
/// operator controls; returns the DIDs it is bound to.
async fn bind_signers(worker: &Worker, sign_for: &[String]) -> Result<Vec<AccountId>, WorkerError> {
	let operator = worker.chain.operator();
	let dids = if sign_for.is_empty() {
		vec![operator.clone()]
	} else {
		sign_for.iter().map(|did| parse_did(did)).collect::<Result<_, _>>()?
	};
	let key = worker.key();
	let mut bound = Vec::new();
	for did in dids {
		let Some(state) = worker.chain.did(&did).await? else {
			tracing::warn!(did = %did_of(&did), "not binding: the DID does not exist");
			continue;
		};
		if state.controller != operator {
			tracing::warn!(did = %did_of(&did), "not binding: the operator does not control it");
			continue;
		}
		if !worker.chain.is_bound(&did, &key).await? {
			worker.chain.bind_signer(&did, &key).await?;
			tracing::info!(did = %did_of(&did), "bound as a signer");
		}
		bound.push(did);
	}
	Ok(bound)
}

/// Catches SIGINT and SIGTERM from now on: the receiver turns `true` at the first.
fn stop_signal() -> Result<watch::Receiver<bool>, WorkerError> {
	use tokio::signal::unix::{signal, SignalKind};
	let handler = |kind| {
		signal(kind).map_err(|e| WorkerError::Internal(format!("cannot catch signals: {e}")))
	};
	let (mut interrupt, mut terminate) =
		(handler(SignalKind::interrupt())?, handler(SignalKind::terminate())?);
	let (tx, rx) = watch::channel(false);
	tokio::spawn(async move {
		tokio::select! {
			_ = interrupt.recv() => {},
			_ = terminate.recv() => {},
		}
		tracing::info!("stopping");
		let _ = tx.send(true);
		// Keep the sender (and the handlers) alive: a second signal is ignored, not fatal.
		std::future::pending::<()>().await
	});
	Ok(rx)
}
