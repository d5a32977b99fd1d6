//! `teeid-node try-runtime`: a candidate runtime's migrations and checks, run against a snapshot
//! of a chain's state before the runtime is proposed, as `try-runtime-cli on-runtime-upgrade`
//! runs them (that tool is not published for this polkadot-sdk release).
//!
//! The candidate must be built with the runtime's `try-runtime` feature. The command puts its
//! code in the snapshot's `:code` and calls its `TryRuntime_on_runtime_upgrade` API with every
//! check selected: each migration runs between its pre- and post-upgrade checks, then the whole
//! state must decode as the new runtime's types, every pallet's storage version must match its
//! code, and every pallet's `try_state` invariants must hold. The snapshot is never written.

use codec::Decode;
use sc_executor::WasmExecutor;
use serde_json::{json, Value};
use sp_core::{
	storage::{well_known_keys, Storage},
	traits::CallContext,
};
use sp_runtime::{traits::BlakeTwo256, StateVersion, Weight};
use sp_state_machine::{
	backend::{BackendRuntimeCode, TryPendingCode},
	InMemoryBackend, OverlayedChanges, StateMachine,
};
use std::{collections::BTreeMap, path::PathBuf};

/// Runs a candidate runtime's migrations and try-runtime checks against a snapshot of a
/// chain's state, and prints their weight as JSON. Exits non-zero, with the failed check's
/// message, when any check fails.
#[derive(Debug, clap::Parser)]
pub struct TryRuntimeCmd {
	/// The candidate runtime: a wasm blob (compressed or not) built with the runtime's
	/// `try-runtime` feature.
	#[arg(long, value_name = "WASM")]
	pub runtime: PathBuf,

	/// The state to run it on: a chain specification whose genesis is raw state, such as
	/// `teeid-node export-state` writes for a block of a node's database.
	#[arg(long, value_name = "CHAIN_SPEC")]
	pub snapshot: PathBuf,
}

/// `frame_support::traits::UpgradeCheckSelect::All`, SCALE-encoded: run the pre- and
/// post-upgrade checks and every pallet's `try_state`.
const ALL_CHECKS: [u8; 1] = [1];

impl TryRuntimeCmd {
	/// Runs the checks.
	pub fn run(&self) -> sc_cli::Result<()> {
		let code =
			std::fs::read(&self.runtime).map_err(|e| format!("{}: {e}", self.runtime.display()))?;
		let mut storage = snapshot_state(&self.snapshot)?;
		let keys = storage.top.len();
		storage.top.insert(well_known_keys::CODE.to_vec(), code);
		// The chain's runtimes write state version 1 (`RuntimeVersion::system_version`).
		let backend: InMemoryBackend<BlakeTwo256> = (storage, StateVersion::V1).into();
		let runtime_code = BackendRuntimeCode::new(&backend, TryPendingCode::No);
		let runtime_code = runtime_code.runtime_code()?;
		let executor = WasmExecutor::<sp_io::SubstrateHostFunctions>::builder().build();
		let mut overlay = OverlayedChanges::default();
		let mut extensions = Default::default();
		let output = StateMachine::new(
			&backend,
			&mut overlay,
			&executor,
			"TryRuntime_on_runtime_upgrade",
			&ALL_CHECKS,
			&mut extensions,
			&runtime_code,
			CallContext::Offchain,
		)
		.execute()
		.map_err(|e| format!("the runtime upgrade's checks failed: {e}"))?;
		let (weight, block_weight) = <(Weight, Weight)>::decode(&mut &output[..])
			.map_err(|e| format!("TryRuntime_on_runtime_upgrade answered {output:?}: {e}"))?;
		let weight_json =
			|w: Weight| json!({ "refTime": w.ref_time(), "proofSize": w.proof_size() });
		println!(
			"{}",
			json!({
				"keys": keys,
				"migrationsWeight": weight_json(weight),
				"maxBlockWeight": weight_json(block_weight),
			})
		);
		// A migration heavier than a block cannot run in the upgrade's block.
		if weight.any_gt(block_weight) {
			return Err(format!(
				"the migrations weigh {weight:?}, more than a block's {block_weight:?}"
			)
			.into());
		}
		Ok(())
	}
}

/// The raw top-level state in the chain specification at `path` (`genesis.raw.top`, hex keys
/// and values). Child tries are refused: teeid's pallets keep none.
fn snapshot_state(path: &PathBuf) -> sc_cli::Result<Storage> {
	let text = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
	let spec: Value =
		serde_json::from_slice(&text).map_err(|e| format!("{}: not JSON: {e}", path.display()))?;
	let raw = spec.pointer("/genesis/raw").ok_or_else(|| {
		format!("{}: no raw state (`genesis.raw`): export it with `export-state`", path.display())
	})?;
	if raw.get("childrenDefault").and_then(Value::as_object).is_some_and(|c| !c.is_empty()) {
		return Err(format!("{}: child tries are not supported", path.display()).into());
	}
	let hex = |text: &str| -> sc_cli::Result<Vec<u8>> {
		sp_core::bytes::from_hex(text)
			.map_err(|e| format!("{}: {text:.20}: not hex: {e}", path.display()).into())
	};
	let mut top = BTreeMap::new();
	for (key, value) in raw.get("top").and_then(Value::as_object).into_iter().flatten() {
		let value = value
			.as_str()
			.ok_or_else(|| format!("{}: the value of {key} is not a string", path.display()))?;
		top.insert(hex(key)?, hex(value)?);
	}
	Ok(Storage { top, children_default: Default::default() })
}
