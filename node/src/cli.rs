//! Command-line interface of `teeid-node`.

use sc_cli::RunCmd;

/// How the node seals blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Sealing {
	/// A block as soon as a transaction enters the pool, finalized at once. For tests.
	Instant,
	/// A block only when asked through the `engine_createBlock` RPC, finalized through
	/// `engine_finalizeBlock` (or at once if the request says so). For tests. Both are unsafe
	/// RPC methods: refused where unsafe methods are (`--rpc-methods safe`, or an interface
	/// other than loopback under the default `auto`).
	Manual,
}

/// The `teeid-node` command line.
#[derive(Debug, clap::Parser)]
pub struct Cli {
	/// A subcommand; without one the node runs.
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	/// Running the node.
	#[clap(flatten)]
	pub run: RunCmd,

	/// Seal blocks instantly or manually instead of producing them with Aura every six seconds
	/// and finalizing them with GRANDPA. Only for a single development node: refused unless the
	/// chain's type is Development (`--dev`). It uses the single-state transaction pool unless
	/// `--pool-type` says otherwise.
	#[arg(long, value_enum)]
	pub sealing: Option<Sealing>,
}

/// The subcommands of `teeid-node`.
#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management utilities.
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Build a chain specification (deprecated upstream in favour of `export-chain-spec`).
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Export the chain specification.
	ExportChainSpec(sc_cli::ExportChainSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a given block into a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Runtime and machine benchmarks (pallet benchmarks need `--features runtime-benchmarks`).
	#[command(subcommand)]
	Benchmark(frame_benchmarking_cli::BenchmarkCmd),

	/// Database meta columns information.
	ChainInfo(sc_cli::ChainInfoCmd),

	/// Run a candidate runtime's migrations and try-runtime checks against a snapshot of a
	/// chain's state (an `export-state` chain specification).
	TryRuntime(crate::try_runtime::TryRuntimeCmd),
}
