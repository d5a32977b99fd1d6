//! The node service: client, database, transaction pool, networking, RPC and consensus.
//!
//! By default blocks are produced by Aura (one per six-second slot) and finalized by GRANDPA.
//! With `--sealing instant|manual` (development chains only, see `command.rs`) a manual-seal
//! task produces and finalizes blocks instead, for fast tests; the runtime and every
//! client-facing API stay the same.

use std::{pin::Pin, sync::Arc, time::Duration};

use futures::{
	channel::{mpsc, oneshot},
	FutureExt, SinkExt, Stream, StreamExt,
};
use sc_client_api::{Backend, BlockBackend};
use sc_consensus_aura::{ImportQueueParams, SlotProportion, StartAuraParams};
use sc_consensus_grandpa::SharedVoterState;
use sc_consensus_manual_seal::{
	consensus::aura::AuraConsensusDataProvider, EngineCommand, ManualSealParams,
};
use sc_service::{error::Error as ServiceError, Configuration, TaskManager, WarpSyncConfig};
use sc_telemetry::{Telemetry, TelemetryWorker};
use sc_transaction_pool_api::{OffchainTransactionPoolFactory, TransactionPool};
use sp_consensus_aura::sr25519::AuthorityPair as AuraPair;
use teeid_runtime::{apis::RuntimeApi, configs::SESSION_BLOCKS, opaque::Block, BlockNumber, Hash};

use crate::{cli::Sealing, timestamp};

/// The client of a full node: the runtime executed as wasm.
pub type FullClient = sc_service::TFullClient<
	Block,
	RuntimeApi,
	sc_executor::WasmExecutor<sp_io::SubstrateHostFunctions>,
>;
type FullBackend = sc_service::TFullBackend<Block>;
type FullSelectChain = sc_consensus::LongestChain<FullBackend, Block>;
type FullPool = sc_transaction_pool::TransactionPoolHandle<Block, FullClient>;
type GrandpaBlockImport =
	sc_consensus_grandpa::GrandpaBlockImport<FullBackend, Block, FullClient, FullSelectChain>;
type GrandpaLink = sc_consensus_grandpa::LinkHalf<Block, FullClient, FullSelectChain>;

/// How often (in blocks) GRANDPA justifications are generated and imported.
const GRANDPA_JUSTIFICATION_PERIOD: u32 = 512;

/// The parts of the node that chain operations (import, export, revert, ...) need.
pub type Service = sc_service::PartialComponents<
	FullClient,
	FullBackend,
	FullSelectChain,
	sc_consensus::DefaultImportQueue<Block>,
	FullPool,
	(Option<(GrandpaBlockImport, GrandpaLink)>, Option<Telemetry>),
>;

/// Builds the client, database, pool and import queue. With `sealing` set, blocks come from
/// the manual-seal task and are imported without Aura seals or GRANDPA.
pub fn new_partial(
	config: &Configuration,
	sealing: Option<Sealing>,
) -> Result<Service, ServiceError> {
	let telemetry = config
		.telemetry_endpoints
		.clone()
		.filter(|x| !x.is_empty())
		.map(|endpoints| -> Result<_, sc_telemetry::Error> {
			let worker = TelemetryWorker::new(16)?;
			let telemetry = worker.handle().new_telemetry(endpoints);
			Ok((worker, telemetry))
		})
		.transpose()?;

	let executor = sc_service::new_wasm_executor::<sp_io::SubstrateHostFunctions>(&config.executor);
	let (client, backend, keystore_container, task_manager) =
		sc_service::new_full_parts::<Block, RuntimeApi, _>(
			config,
			telemetry.as_ref().map(|(_, telemetry)| telemetry.handle()),
			executor,
			Vec::new(),
		)?;
	let client = Arc::new(client);

	let telemetry = telemetry.map(|(worker, telemetry)| {
		task_manager.spawn_handle().spawn("telemetry", None, worker.run());
		telemetry
	});

	let select_chain = sc_consensus::LongestChain::new(backend.clone());

	let transaction_pool = Arc::from(
		sc_transaction_pool::Builder::new(
			task_manager.spawn_essential_handle(),
			client.clone(),
			config.role.is_authority().into(),
		)
		.with_options(config.transaction_pool.clone())
		.with_prometheus(config.prometheus_registry())
		.build(),
	);

	// Manually sealed blocks carry no Aura seal and no GRANDPA justification: they are
	// imported as they are. Otherwise blocks go through GRANDPA's and Aura's import checks.
	let (import_queue, grandpa) = if sealing.is_some() {
		let import_queue = sc_consensus_manual_seal::import_queue(
			Box::new(client.clone()),
			&task_manager.spawn_essential_handle(),
			config.prometheus_registry(),
		);
		(import_queue, None)
	} else {
		let (grandpa_block_import, grandpa_link) = sc_consensus_grandpa::block_import(
			client.clone(),
			GRANDPA_JUSTIFICATION_PERIOD,
			&client,
			select_chain.clone(),
			telemetry.as_ref().map(|x| x.handle()),
		)?;
		let import_queue = aura_import_queue(
			config,
			&client,
			&task_manager,
			grandpa_block_import.clone(),
			telemetry.as_ref(),
		)?;
		(import_queue, Some((grandpa_block_import, grandpa_link)))
	};

	Ok(sc_service::PartialComponents {
		client,
		backend,
		task_manager,
		import_queue,
		keystore_container,
		select_chain,
		transaction_pool,
		other: (grandpa, telemetry),
	})
}

/// The import queue of Aura-sealed blocks, behind GRANDPA's block import.
fn aura_import_queue(
	config: &Configuration,
	client: &Arc<FullClient>,
	task_manager: &TaskManager,
	grandpa_block_import: GrandpaBlockImport,
	telemetry: Option<&Telemetry>,
) -> Result<sc_consensus::DefaultImportQueue<Block>, ServiceError> {
	let cidp_client = client.clone();
	let import_queue =
		sc_consensus_aura::import_queue::<AuraPair, _, _, _, _, _>(ImportQueueParams {
			block_import: grandpa_block_import.clone(),
			justification_import: Some(Box::new(grandpa_block_import)),
			client: client.clone(),
			create_inherent_data_providers: move |parent_hash, _| {
				let cidp_client = cidp_client.clone();
				async move {
					let slot_duration = sc_consensus_aura::standalone::slot_duration_at(
						&*cidp_client,
						parent_hash,
					)?;
					let timestamp = sp_timestamp::InherentDataProvider::from_system_time();
					let slot =
						sp_consensus_aura::inherents::InherentDataProvider::from_timestamp_and_slot_duration(
							*timestamp,
							slot_duration,
						);
					Ok((slot, timestamp))
				}
			},
			spawner: &task_manager.spawn_essential_handle(),
			registry: config.prometheus_registry(),
			check_for_equivocation: Default::default(),
			telemetry: telemetry.map(|x| x.handle()),
			compatibility_mode: Default::default(),
		})?;
	Ok(import_queue)
}

/// Builds and starts a full node.
pub fn new_full<
	N: sc_network::NetworkBackend<Block, <Block as sp_runtime::traits::Block>::Hash>,
>(
	config: Configuration,
	sealing: Option<Sealing>,
) -> Result<TaskManager, ServiceError> {
	let sc_service::PartialComponents {
		client,
		backend,
		mut task_manager,
		import_queue,
		keystore_container,
		select_chain,
		transaction_pool,
		other: (grandpa, mut telemetry),
	} = new_partial(&config, sealing)?;

	let mut net_config = sc_network::config::FullNetworkConfiguration::<
		Block,
		<Block as sp_runtime::traits::Block>::Hash,
		N,
	>::new(&config.network, config.prometheus_registry().cloned());
	let metrics = N::register_notification_metrics(config.prometheus_registry());

	// GRANDPA's gossip protocol and warp sync exist only when GRANDPA runs.
	let grandpa_protocol_name = sc_consensus_grandpa::protocol_standard_name(
		&client.block_hash(0).ok().flatten().expect("the genesis block exists; qed"),
		&config.chain_spec,
	);
	let mut grandpa_notification_service = None;
	let mut warp_sync_config = None;
	if let Some((_, link)) = &grandpa {
		let (protocol_config, notification_service) =
			sc_consensus_grandpa::grandpa_peers_set_config::<_, N>(
				grandpa_protocol_name.clone(),
				metrics.clone(),
				net_config.peer_store_handle(),
			);
		net_config.add_notification_protocol(protocol_config);
		grandpa_notification_service = Some(notification_service);
		warp_sync_config = Some(WarpSyncConfig::WithProvider(Arc::new(
			sc_consensus_grandpa::warp_proof::NetworkProvider::new(
				backend.clone(),
				link.shared_authority_set().clone(),
				Vec::default(),
			),
		)));
	}

	let (network, system_rpc_tx, tx_handler_controller, sync_service, _bitswap) =
		sc_service::build_network(sc_service::BuildNetworkParams {
			config: &config,
			net_config,
			client: client.clone(),
			transaction_pool: transaction_pool.clone(),
			spawn_handle: task_manager.spawn_handle(),
			spawn_essential_handle: task_manager.spawn_essential_handle(),
			import_queue,
			block_announce_validator_builder: None,
			warp_sync_config,
			block_relay: None,
			metrics,
			gap_sync_body_policy: None,
		})?;

	if config.offchain_worker.enabled {
		let offchain_workers =
			sc_offchain::OffchainWorkers::new(sc_offchain::OffchainWorkerOptions {
				runtime_api_provider: client.clone(),
				is_validator: config.role.is_authority(),
				keystore: Some(keystore_container.keystore()),
				offchain_db: backend.offchain_storage(),
				transaction_pool: Some(OffchainTransactionPoolFactory::new(
					transaction_pool.clone(),
				)),
				network_provider: Arc::new(network.clone()),
				enable_http_requests: true,
				custom_extensions: |_| vec![],
			})?;
		task_manager.spawn_handle().spawn(
			"offchain-workers-runner",
			"offchain-worker",
			offchain_workers.run(client.clone(), task_manager.spawn_handle()).boxed(),
		);
	}

	let role = config.role;
	let force_authoring = config.force_authoring;
	let name = config.network.node_name.clone();
	let enable_grandpa = !config.disable_grandpa;
	let prometheus_registry = config.prometheus_registry().cloned();

	// The manual-seal task listens to RPC commands (and, for instant sealing, to the pool).
	let (seal_sink, seal_commands) = mpsc::channel::<EngineCommand<Hash>>(1024);
	let rpc_seal_sink = sealing.map(|_| seal_sink.clone());

	let rpc_extensions_builder = {
		let client = client.clone();
		let pool = transaction_pool.clone();
		Box::new(move |_| {
			let deps = crate::rpc::FullDeps {
				client: client.clone(),
				pool: pool.clone(),
				manual_seal: rpc_seal_sink.clone(),
			};
			crate::rpc::create_full(deps).map_err(Into::into)
		})
	};

	sc_service::spawn_tasks(sc_service::SpawnTasksParams {
		network: network.clone(),
		client: client.clone(),
		keystore: keystore_container.keystore(),
		task_manager: &mut task_manager,
		transaction_pool: transaction_pool.clone(),
		rpc_builder: rpc_extensions_builder,
		backend,
		system_rpc_tx,
		tx_handler_controller,
		sync_service: sync_service.clone(),
		config,
		telemetry: telemetry.as_mut(),
		tracing_execute_block: None,
	})?;

	let proposer_factory = sc_basic_authorship::ProposerFactory::new(
		task_manager.spawn_handle(),
		client.clone(),
		transaction_pool.clone(),
		prometheus_registry.as_ref(),
		telemetry.as_ref().map(|x| x.handle()),
	);

	if let Some(sealing) = sealing {
		let slot_duration = sc_consensus_aura::slot_duration(&*client)?;
		let commands: Pin<Box<dyn Stream<Item = EngineCommand<Hash>> + Send>> = match sealing {
			Sealing::Manual => Box::pin(seal_commands),
			Sealing::Instant => {
				// One empty block at start-up gives the transaction pool its first view, so
				// that transactions submitted before any block are not held back.
				let mut sink = seal_sink;
				sink.try_send(seal_new_block(true, None))
					.map_err(|e| ServiceError::Other(format!("instant seal: {e}")))?;
				task_manager.spawn_essential_handle().spawn(
					"instant-seal",
					Some("block-authoring"),
					seal_on_import(transaction_pool.clone(), client.clone(), sink),
				);
				Box::pin(seal_commands)
			},
		};
		let cidp_client = client.clone();
		let slot_ms = slot_duration.as_millis();
		let params = ManualSealParams {
			block_import: client.clone(),
			env: proposer_factory,
			client: client.clone(),
			pool: transaction_pool,
			select_chain,
			commands_stream: commands,
			consensus_data_provider: Some(Box::new(AuraConsensusDataProvider::new(client.clone()))),
			create_inherent_data_providers: move |parent, ()| {
				let parent_ms = timestamp::parent_timestamp(&*cidp_client, parent);
				async move {
					let ms =
						timestamp::next_timestamp(parent_ms, timestamp::wall_clock_ms(), slot_ms);
					Ok(sp_timestamp::InherentDataProvider::new(ms.into()))
				}
			},
		};
		task_manager.spawn_essential_handle().spawn_blocking(
			"manual-seal",
			Some("block-authoring"),
			sc_consensus_manual_seal::run_manual_seal(params),
		);
		return Ok(task_manager);
	}

	let (block_import, grandpa_link) =
		grandpa.expect("new_partial sets up GRANDPA whenever sealing is None; qed");

	if role.is_authority() {
		let slot_duration = sc_consensus_aura::slot_duration(&*client)?;
		let aura = sc_consensus_aura::start_aura::<AuraPair, _, _, _, _, _, _, _, _, _, _>(
			StartAuraParams {
				slot_duration,
				client,
				select_chain,
				block_import,
				proposer_factory,
				create_inherent_data_providers: move |_, ()| async move {
					let timestamp = sp_timestamp::InherentDataProvider::from_system_time();
					let slot =
						sp_consensus_aura::inherents::InherentDataProvider::from_timestamp_and_slot_duration(
							*timestamp,
							slot_duration,
						);
					Ok((slot, timestamp))
				},
				force_authoring,
				backoff_authoring_blocks: Option::<()>::None,
				keystore: keystore_container.keystore(),
				sync_oracle: sync_service.clone(),
				justification_sync_link: sync_service.clone(),
				block_proposal_slot_portion: SlotProportion::new(2f32 / 3f32),
				max_block_proposal_slot_portion: None,
				telemetry: telemetry.as_ref().map(|x| x.handle()),
				compatibility_mode: Default::default(),
			},
		)?;
		// Block authoring is essential: if it fails, the node stops.
		task_manager.spawn_essential_handle().spawn_blocking("aura", Some("block-authoring"), aura);
	}

	if enable_grandpa {
		// Only an authority votes; others follow finality without a keystore.
		let keystore = if role.is_authority() { Some(keystore_container.keystore()) } else { None };
		let grandpa_config = sc_consensus_grandpa::Config {
			gossip_duration: Duration::from_millis(333),
			justification_generation_period: GRANDPA_JUSTIFICATION_PERIOD,
			name: Some(name),
			observer_enabled: false,
			keystore,
			local_role: role,
			telemetry: telemetry.as_ref().map(|x| x.handle()),
			protocol_name: grandpa_protocol_name,
		};
		let grandpa_params = sc_consensus_grandpa::GrandpaParams {
			config: grandpa_config,
			link: grandpa_link,
			network,
			sync: Arc::new(sync_service),
			notification_service: grandpa_notification_service
				.expect("registered above whenever GRANDPA is set up; qed"),
			voting_rule: sc_consensus_grandpa::VotingRulesBuilder::default().build(),
			prometheus_registry,
			shared_voter_state: SharedVoterState::empty(),
			telemetry: telemetry.as_ref().map(|x| x.handle()),
			offchain_tx_pool_factory: OffchainTransactionPoolFactory::new(transaction_pool),
		};
		// The voter is essential: if it fails, the node stops.
		task_manager.spawn_essential_handle().spawn_blocking(
			"grandpa-voter",
			None,
			sc_consensus_grandpa::run_grandpa_voter(grandpa_params)?,
		);
	}

	Ok(task_manager)
}

/// A request to seal one block on top of the best block and finalize it, answered to `sender`.
fn seal_new_block(
	create_empty: bool,
	sender: sc_consensus_manual_seal::rpc::Sender<
		sc_consensus_manual_seal::rpc::CreatedBlock<Hash>,
	>,
) -> EngineCommand<Hash> {
	EngineCommand::SealNewBlock { create_empty, finalize: true, parent_hash: None, sender }
}

/// Instant sealing: seals a block whenever the pool gets a transaction. A block that starts a
/// session holds no transaction (the session's rotation takes the whole block's weight in
/// `on_initialize`), so when that is the next block and the seal found nothing to include, it is
/// sealed empty and the transaction goes into the one after.
async fn seal_on_import(
	pool: Arc<FullPool>,
	client: Arc<FullClient>,
	mut sink: mpsc::Sender<EngineCommand<Hash>>,
) {
	let mut imports = pool.import_notification_stream();
	while imports.next().await.is_some() {
		let Some(sealed) = seal_and_wait(&mut sink, false).await else { return };
		let next: BlockNumber = sp_blockchain::HeaderBackend::info(&*client).best_number + 1;
		if sealed.is_err() && next.is_multiple_of(SESSION_BLOCKS) {
			let Some(_) = seal_and_wait(&mut sink, true).await else { return };
			let Some(_) = seal_and_wait(&mut sink, false).await else { return };
		}
	}
}

/// Sends a seal request and waits for the manual-seal task's answer: whether a block was
/// sealed; `None` once that task is gone.
async fn seal_and_wait(
	sink: &mut mpsc::Sender<EngineCommand<Hash>>,
	create_empty: bool,
) -> Option<Result<(), sc_consensus_manual_seal::Error>> {
	let (sender, answer) = oneshot::channel();
	sink.send(seal_new_block(create_empty, Some(sender))).await.ok()?;
	answer.await.ok().map(|sealed| sealed.map(drop))
}
