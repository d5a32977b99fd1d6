//! `teeid-worker run` and `teeid-worker register`: start the TEE and the chain client, get
//! registered, bind to the operator's DIDs, serve the API and work the slots until a signal
//! asks to stop; then unbind and stop what was started.

use std::{os::unix::fs::DirBuilderExt, sync::Arc, time::Duration};
use teeid_primitives::AccountId;
use tokio::{net::TcpListener, sync::watch};

use crate::{
	anchor, api,
	chain::{Chain, ChainError},
	config::{Backend, Settings},
	error::WorkerError,
	join::{self, JoinSettings, Registration},
	store::Store,
	tee::{sim::SimBackend, Tee},
	tokens,
	verify::VerifyLimit,
	worker::{did_of, parse_did, Worker},
};

/// How many times to try reaching the node at start, a second apart.
const CHAIN_ATTEMPTS: u32 = 60;

/// Opens the TEE.
fn open_tee(settings: &Settings) -> Result<Tee, WorkerError> {
	match settings.tee {
		Backend::Sim => Ok(Tee::new(SimBackend::connect_or_start(
			&settings.sim_binary,
			&settings.sim_state_dir(),
			&settings.sim_socket(),
			&settings.sim_pid_file(),
		)?)),
		#[cfg(feature = "optee")]
		Backend::Optee => Ok(Tee::new(crate::tee::optee::OpteeBackend::open()?)),
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

/// The data directory, the database and the TEE.
fn open_local(settings: &Settings) -> Result<(Store, Tee), WorkerError> {
	std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&settings.data_dir).map_err(
		|e| WorkerError::Internal(format!("cannot create {}: {e}", settings.data_dir.display())),
	)?;
	let store = Store::open(&settings.database())?;
	let tee = open_tee(settings)?;
	Ok((store, tee))
}

/// The worker, once the node answers.
async fn assemble(settings: &Settings, store: Store, tee: Tee) -> Result<Arc<Worker>, WorkerError> {
	let chain = connect_chain(settings).await?;
	let verify_limit = VerifyLimit::new(settings.verify_concurrency);
	Ok(Arc::new(Worker::new(tee, chain, store, verify_limit).await?))
}

/// Registers the worker and exits (`teeid-worker register`).
pub async fn register(settings: Settings, join: JoinSettings) -> Result<Registration, WorkerError> {
	let mut stop = stop_signal()?;
	let (store, tee) = open_local(&settings)?;
	let tee_to_stop = tee.clone();
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
	tracing::info!(
		api = %format!("http://{}", settings.listen),
		openapi = %format!("http://{}/openapi.json", settings.listen),
		"serving"
	);
	let served = axum::serve(listener, api::router(worker.clone()))
		.with_graceful_shutdown(async move {
			let _ = stop.wait_for(|stop| *stop).await;
		})
		.await;
	// The slot loop stops on the same signal.
	let _ = slots.await;
	for did in &bound {
		unbind(worker, did).await;
	}
	served.map_err(|e| WorkerError::Internal(format!("the API server failed: {e}")))
}

/// Ends the worker's binding to `did`. The stop may have interrupted a transaction of the slot
/// loop that is still on its way to finality, with the nonce the unbinding reads from the
/// finalized state; the node then refuses the unbinding as outdated. So a refused unbinding is
/// tried again, a block later, a few times.
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
