//! Dispatch of `teeid-node`'s command line.

use frame_benchmarking_cli::{
	BenchmarkCmd, DynamicRemarkBuilder, ExtrinsicFactory, SUBSTRATE_REFERENCE_HARDWARE,
};
use sc_cli::{DatabasePruningMode, SubstrateCli, TransactionPoolType};
use sc_service::{ChainType, PartialComponents};
use sp_inherents::InherentDataProvider;
use teeid_runtime::opaque::Block;

use crate::{
	chain_spec,
	cli::{Cli, Sealing, Subcommand},
	service,
};

impl SubstrateCli for Cli {
	fn impl_name() -> String {
		"teeid node".into()
	}

	fn impl_version() -> String {
		env!("SUBSTRATE_CLI_IMPL_VERSION").into()
	}

	fn description() -> String {
		env!("CARGO_PKG_DESCRIPTION").into()
	}

	fn author() -> String {
		env!("CARGO_PKG_AUTHORS").into()
	}

	fn support_url() -> String {
		"https://github.com/teeid/teeid/issues".into()
	}

	fn copyright_start_year() -> i32 {
		2026
	}

	fn load_spec(&self, id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
		Ok(match id {
			// Neither `--chain` nor `--dev`: no chain is a safe guess (the built-in chains are
			// test networks of well-known keys), so the operator has to name one.
			"" => return Err(NO_CHAIN_GIVEN.into()),
			"dev" => Box::new(chain_spec::development_chain_spec()?),
			"local" => Box::new(chain_spec::local_chain_spec()?),
			production if production.starts_with(chain_spec::PRODUCTION_PREFIX) => {
				let patch = &production[chain_spec::PRODUCTION_PREFIX.len()..];
				Box::new(chain_spec::production_chain_spec(std::path::Path::new(patch))?)
			},
			path => {
				Box::new(chain_spec::ChainSpec::from_json_file(std::path::PathBuf::from(path))?)
			},
		})
	}
}

/// The error of a command that needs a chain but was given neither `--chain` nor `--dev`.
const NO_CHAIN_GIVEN: &str = "no chain given: pass `--chain <local | dev | chain spec file | \
	production:<genesis patch file>>`, or `--dev` for a throwaway development chain";

/// Refuses `--sealing` on anything but a development chain.
///
/// A sealing node seals whatever its RPC or its pool asks for, and its import queue accepts
/// blocks without checking any seal: a sealing node of a shared chain would follow anyone's
/// blocks. Only a chain spec whose chain type is `Development` (`--dev`, or a file that says
/// so) may use it.
fn ensure_sealing_allowed(sealing: Option<Sealing>, chain_type: &ChainType) -> sc_cli::Result<()> {
	match (sealing, chain_type) {
		(None, _) | (Some(_), ChainType::Development) => Ok(()),
		(Some(_), other) => Err(sc_cli::Error::Input(format!(
			"`--sealing` is only for development chains (`--dev`, or a chain spec whose \
			 chainType is Development), and this chain's type is {other:?}; run it without \
			 `--sealing` to produce blocks with Aura and finalize them with GRANDPA"
		))),
	}
}

/// Timestamp inherent data for the block-building benchmarks.
fn inherent_benchmark_data() -> sc_cli::Result<sp_inherents::InherentData> {
	let mut inherent_data = sp_inherents::InherentData::new();
	let timestamp = sp_timestamp::InherentDataProvider::new(0.into());
	futures::executor::block_on(timestamp.provide_inherent_data(&mut inherent_data))
		.map_err(|e| format!("creating inherent data: {e:?}"))?;
	Ok(inherent_data)
}

/// Parses the command line and runs what it asks for.
pub fn run() -> sc_cli::Result<()> {
	let mut cli = Cli::from_args();

	// Resolving a DID walks back through the events of past blocks, which needs their state:
	// teeid nodes keep all state unless told otherwise with `--state-pruning`.
	let pruning = &mut cli.run.import_params.pruning_params;
	if pruning.state_pruning.is_none() {
		pruning.state_pruning = Some(DatabasePruningMode::Archive);
	}

	// A sealing node builds one chain without forks, and the fork-aware pool (the default)
	// races instant sealing: a transaction that enters the pool while it builds the view of a
	// new block is not announced again, so no block is sealed for it, and a burst of
	// transactions stalls half-included (paritytech/polkadot-sdk#10104). Sealing nodes use the
	// single-state pool unless `--pool-type` is given.
	if cli.sealing.is_some() && !pool_type_given(std::env::args()) {
		cli.run.pool_config.pool_type = TransactionPoolType::SingleState;
	}

	match &cli.subcommand {
		Some(Subcommand::Key(cmd)) => cmd.run(&cli),
		#[allow(deprecated)]
		Some(Subcommand::BuildSpec(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.chain_spec, config.network))
		},
		Some(Subcommand::ExportChainSpec(cmd)) => {
			let chain_spec = cli.load_spec(&cmd.chain)?;
			cmd.run(chain_spec)
		},
		Some(Subcommand::CheckBlock(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, import_queue, .. } =
					service::new_partial(&config, None)?;
				Ok((cmd.run(client, import_queue), task_manager))
			})
		},
		Some(Subcommand::ExportBlocks(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, .. } =
					service::new_partial(&config, None)?;
				Ok((cmd.run(client, config.database), task_manager))
			})
		},
		Some(Subcommand::ExportState(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, .. } =
					service::new_partial(&config, None)?;
				Ok((cmd.run(client, config.chain_spec), task_manager))
			})
		},
		Some(Subcommand::ImportBlocks(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, import_queue, .. } =
					service::new_partial(&config, None)?;
				Ok((cmd.run(client, import_queue), task_manager))
			})
		},
		Some(Subcommand::PurgeChain(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.database))
		},
		Some(Subcommand::Revert(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, backend, .. } =
					service::new_partial(&config, None)?;
				let aux_revert = Box::new(|client, _, blocks| {
					sc_consensus_grandpa::revert(client, blocks)?;
					Ok(())
				});
				Ok((cmd.run(client, backend, Some(aux_revert)), task_manager))
			})
		},
		Some(Subcommand::Benchmark(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| match cmd {
				// Pallet benchmarks run in the wasm runtime: any teeid-node can benchmark a runtime
				// built with `runtime-benchmarks` (`--runtime <wasm>`, see scripts/benchmark.sh).
				BenchmarkCmd::Pallet(cmd) => cmd
					.run_with_spec::<sp_runtime::traits::HashingFor<Block>, ()>(Some(
						config.chain_spec,
					)),
				BenchmarkCmd::Block(cmd) => {
					let PartialComponents { client, .. } = service::new_partial(&config, None)?;
					cmd.run(client)
				},
				#[cfg(not(feature = "runtime-benchmarks"))]
				BenchmarkCmd::Storage(_) => Err("storage benchmarks need a node built with \
					`--features runtime-benchmarks`"
					.into()),
				#[cfg(feature = "runtime-benchmarks")]
				BenchmarkCmd::Storage(cmd) => {
					let PartialComponents { client, backend, .. } =
						service::new_partial(&config, None)?;
					let db = backend.expose_db();
					let storage = backend.expose_storage();
					let shared_cache = backend.expose_shared_trie_cache();
					cmd.run(config, client, db, storage, shared_cache)
				},
				BenchmarkCmd::Overhead(cmd) => {
					cmd.run_with_default_builder_and_spec::<Block, ()>(Some(config.chain_spec))
				},
				BenchmarkCmd::Extrinsic(cmd) => {
					let PartialComponents { client, .. } = service::new_partial(&config, None)?;
					let remark = DynamicRemarkBuilder::new_from_client(client.clone())?;
					let factory = ExtrinsicFactory(vec![Box::new(remark)]);
					cmd.run(client, inherent_benchmark_data()?, Vec::new(), &factory)
				},
				BenchmarkCmd::Machine(cmd) => {
					cmd.run(&config, SUBSTRATE_REFERENCE_HARDWARE.clone())
				},
			})
		},
		Some(Subcommand::ChainInfo(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run::<Block>(&config))
		},
		Some(Subcommand::TryRuntime(cmd)) => {
			// The runtime's own log lines (which check failed, and why) go to stderr.
			sc_cli::LoggerBuilder::new("info").init()?;
			cmd.run()
		},
		None => {
			let sealing = cli.sealing;
			let runner = cli.create_runner(&cli.run)?;
			ensure_sealing_allowed(sealing, &runner.config().chain_spec.chain_type())?;
			runner.run_node_until_exit(|config| async move {
				match config.network.network_backend {
					sc_network::config::NetworkBackendType::Libp2p => service::new_full::<
						sc_network::NetworkWorker<
							Block,
							<Block as sp_runtime::traits::Block>::Hash,
						>,
					>(config, sealing)
					.map_err(sc_cli::Error::Service),
					sc_network::config::NetworkBackendType::Litep2p => {
						service::new_full::<sc_network::Litep2pNetworkBackend>(config, sealing)
							.map_err(sc_cli::Error::Service)
					},
				}
			})
		},
	}
}

/// Whether the command line `args` choose the transaction pool's type.
fn pool_type_given(mut args: impl Iterator<Item = String>) -> bool {
	args.any(|arg| arg == "--pool-type" || arg.starts_with("--pool-type="))
}

#[cfg(test)]
mod tests {
	use clap::Parser;
	use sc_cli::SubstrateCli;
	use sc_service::ChainType;

	use super::{ensure_sealing_allowed, pool_type_given, NO_CHAIN_GIVEN};
	use crate::cli::{Cli, Sealing};

	fn args(list: &[&str]) -> Vec<String> {
		list.iter().map(|a| a.to_string()).collect()
	}

	/// The chain spec that `teeid-node <list>` runs, or why there is none.
	fn chain_spec_of(list: &[&str]) -> Result<Box<dyn sc_service::ChainSpec>, String> {
		let cli = Cli::try_parse_from(args(list)).expect("a valid command line");
		let shared = &cli.run.shared_params;
		cli.load_spec(&shared.chain_id(shared.is_dev()))
	}

	#[test]
	fn pool_type_given_spots_both_spellings() {
		assert!(pool_type_given(args(&["teeid-node", "--pool-type", "fork-aware"]).into_iter()));
		assert!(pool_type_given(args(&["teeid-node", "--pool-type=fork-aware"]).into_iter()));
		assert!(!pool_type_given(
			args(&["teeid-node", "--dev", "--sealing", "instant"]).into_iter()
		));
	}

	#[test]
	fn running_without_chain_or_dev_fails() {
		let Err(error) = chain_spec_of(&["teeid-node"]) else { panic!("a chain was chosen") };
		assert_eq!(error, NO_CHAIN_GIVEN);
		assert!(error.contains("--chain") && error.contains("--dev"), "{error}");
		// The same for the subcommands that need a chain.
		let cli = Cli::try_parse_from(args(&["teeid-node", "purge-chain", "-y"])).unwrap();
		let Some(crate::cli::Subcommand::PurgeChain(cmd)) = &cli.subcommand else {
			panic!("purge-chain parses as PurgeChain")
		};
		let shared = &cmd.shared_params;
		let Err(error) = cli.load_spec(&shared.chain_id(shared.is_dev())) else {
			panic!("purge-chain chose a chain")
		};
		assert_eq!(error, NO_CHAIN_GIVEN);
	}

	#[test]
	fn running_with_chain_or_dev_works() {
		let dev = chain_spec_of(&["teeid-node", "--dev"]).unwrap();
		assert_eq!((dev.id(), dev.chain_type()), ("teeid_dev", ChainType::Development));
		let local = chain_spec_of(&["teeid-node", "--chain", "local"]).unwrap();
		assert_eq!((local.id(), local.chain_type()), ("teeid_local_testnet", ChainType::Local));
		let dev = chain_spec_of(&["teeid-node", "--chain", "dev"]).unwrap();
		assert_eq!(dev.id(), "teeid_dev");
	}

	#[test]
	fn sealing_on_a_development_chain_works() {
		for sealing in [Sealing::Instant, Sealing::Manual] {
			let dev = chain_spec_of(&["teeid-node", "--dev"]).unwrap();
			assert!(ensure_sealing_allowed(Some(sealing), &dev.chain_type()).is_ok());
		}
		// Without `--sealing` every chain type runs.
		for chain_type in [ChainType::Development, ChainType::Local, ChainType::Live] {
			assert!(ensure_sealing_allowed(None, &chain_type).is_ok());
		}
	}

	#[test]
	fn sealing_on_other_chains_fails() {
		let local = chain_spec_of(&["teeid-node", "--chain", "local"]).unwrap();
		for chain_type in [local.chain_type(), ChainType::Live, ChainType::Custom("staging".into())]
		{
			for sealing in [Sealing::Instant, Sealing::Manual] {
				match ensure_sealing_allowed(Some(sealing), &chain_type) {
					Err(sc_cli::Error::Input(message)) => {
						assert!(message.contains("--sealing"), "{message}");
						assert!(message.contains("--dev"), "{message}");
					},
					other => {
						panic!("{sealing:?} on {chain_type:?}: expected an error, got {other:?}")
					},
				}
			}
		}
	}
}
