//! `teeid-node try-runtime`: a candidate runtime's migrations and checks, run against a snapshot
//! of a chain's state before the runtime is proposed, as `try-runtime-cli on-runtime-upgrade`
//! runs them (that tool is not published for this polkadot-sdk release).
//!
//! The candidate must be built with the runtime's `try-runtime` feature. The command puts its
//! code in the snapshot's `:code` and calls its `TryRuntime_on_runtime_upgrade` API with every
//! check selected: each migration runs between its pre- and post-upgrade checks, then the whole
//! state must decode as the new runtime's types, every pallet's storage version must match its
//! code, and every pallet's `try_state` invariants must hold. The snapshot is never written.

use codec::DecodeAll;
use sc_executor::{RuntimeVersion, RuntimeVersionOf, WasmExecutor};
use serde_json::{json, Value};
use sp_core::{
	storage::{well_known_keys, Storage},
	traits::{CallContext, ReadRuntimeVersionExt, RuntimeCode, WrappedRuntimeCode},
};
use sp_runtime::{traits::BlakeTwo256, StateVersion, Weight};
use sp_state_machine::{
	backend::{BackendRuntimeCode, TryPendingCode},
	BasicExternalities, InMemoryBackend, OverlayedChanges, StateMachine,
};
use std::{collections::BTreeMap, path::PathBuf};

/// Runs a candidate runtime's migrations and try-runtime checks against a snapshot of a
/// chain's state, and prints their weight as JSON. Exits non-zero, with the failed check's
/// message, when the candidate is not an upgrade of the snapshot's runtime built with
/// `try-runtime`, or when any check fails.
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

type Executor = WasmExecutor<sp_io::SubstrateHostFunctions>;

impl TryRuntimeCmd {
	/// Runs the checks.
	pub fn run(&self) -> sc_cli::Result<()> {
		let code =
			std::fs::read(&self.runtime).map_err(|e| format!("{}: {e}", self.runtime.display()))?;
		let mut storage = snapshot_state(&self.snapshot)?;
		let keys = storage.top.len();
		let executor = Executor::builder().build();
		let running = storage.top.get(well_known_keys::CODE).ok_or_else(|| {
			format!("{}: the snapshot holds no runtime (`:code`)", self.snapshot.display())
		})?;
		let from = version_of(&executor, running, "the snapshot's runtime")?;
		let to = version_of(&executor, &code, "the candidate")?;
		ensure_upgrade(&from, &to)?;

		storage.top.insert(well_known_keys::CODE.to_vec(), code);
		// The chain's runtimes write state version 1 (`RuntimeVersion::system_version`).
		let backend: InMemoryBackend<BlakeTwo256> = (storage, StateVersion::V1).into();
		let runtime_code = BackendRuntimeCode::new(&backend, TryPendingCode::No);
		let runtime_code = runtime_code.runtime_code()?;
		let mut overlay = OverlayedChanges::default();
		// A migration may read a runtime's version (as `set_code` does).
		let mut extensions = sp_externalities::Extensions::default();
		extensions.register(ReadRuntimeVersionExt::new(executor.clone()));
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
		let (weight, block_weight) = <(Weight, Weight)>::decode_all(&mut &output[..])
			.map_err(|e| format!("TryRuntime_on_runtime_upgrade answered {output:?}: {e}"))?;
		// Strings: a proof size may be `u64::MAX`, past what JSON readers hold exactly.
		let weight_json = |w: Weight| json!({ "refTime": w.ref_time().to_string(), "proofSize": w.proof_size().to_string() });
		println!(
			"{}",
			json!({
				"keys": keys,
				"from": from.spec_version,
				"to": to.spec_version,
				"migrationsWeight": weight_json(weight),
				"maxBlockWeight": weight_json(block_weight),
			})
		);
		// The upgrade's migrations run in one block whatever they weigh (their weight is
		// mandatory): heavier than a block, they would overrun its slot, and need a
		// multi-block migration instead.
		if weight.any_gt(block_weight) {
			return Err(format!(
				"the migrations weigh {weight:?}, more than a block's {block_weight:?}"
			)
			.into());
		}
		Ok(())
	}
}

/// The version of the runtime `code` (`what`, for errors).
fn version_of(executor: &Executor, code: &[u8], what: &str) -> sc_cli::Result<RuntimeVersion> {
	let fetch = WrappedRuntimeCode(code.into());
	let runtime_code = RuntimeCode {
		code_fetcher: &fetch,
		heap_pages: None,
		hash: sp_crypto_hashing::blake2_256(code).to_vec(),
	};
	executor
		.runtime_version(&mut BasicExternalities::default(), &runtime_code)
		.map_err(|e| format!("{what} has no readable version: {e}").into())
}

/// Refuses a candidate that the chain would refuse as an upgrade of `from` (another runtime,
/// or not a higher `spec_version`: `system.applyAuthorizedUpgrade`'s checks), or that has no
/// try-runtime API to run.
fn ensure_upgrade(from: &RuntimeVersion, to: &RuntimeVersion) -> sc_cli::Result<()> {
	if to.spec_name != from.spec_name {
		return Err(format!(
			"the candidate is runtime `{}`, the snapshot's `{}`",
			to.spec_name, from.spec_name
		)
		.into());
	}
	if to.spec_version <= from.spec_version {
		return Err(format!(
			"the candidate's spec_version {} is not above the snapshot's {}: not an upgrade",
			to.spec_version, from.spec_version
		)
		.into());
	}
	let try_runtime = sp_crypto_hashing::blake2_64(b"TryRuntime");
	if !to.has_api_with(&try_runtime, |_| true) {
		return Err("the candidate has no TryRuntime API: build it with the runtime's \
		            `try-runtime` feature"
			.into());
	}
	Ok(())
}

/// The raw top-level state in the chain specification at `path` (`genesis.raw.top`, hex keys
/// and values). Child tries are refused: teeid's pallets keep none.
fn snapshot_state(path: &PathBuf) -> sc_cli::Result<Storage> {
	let text = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
	let spec: Value =
		serde_json::from_slice(&text).map_err(|e| format!("{}: not JSON: {e}", path.display()))?;
	let top = spec.pointer("/genesis/raw/top").and_then(Value::as_object).ok_or_else(|| {
		format!(
			"{}: no raw state (`genesis.raw.top`): export it with `export-state`",
			path.display()
		)
	})?;
	let children = spec.pointer("/genesis/raw/childrenDefault").and_then(Value::as_object);
	let child_prefix = sp_core::bytes::to_hex(well_known_keys::CHILD_STORAGE_KEY_PREFIX, false);
	let child_root = |key: &String| key.starts_with(&child_prefix);
	if children.is_some_and(|c| !c.is_empty()) || top.keys().any(child_root) {
		return Err(format!("{}: child tries are not supported", path.display()).into());
	}
	let hex = |text: &str| -> sc_cli::Result<Vec<u8>> {
		sp_core::bytes::from_hex(text)
			.map_err(|e| format!("{}: {text:.20}: not hex: {e}", path.display()).into())
	};
	let mut state = BTreeMap::new();
	for (key, value) in top {
		let value = value
			.as_str()
			.ok_or_else(|| format!("{}: the value of {key} is not a string", path.display()))?;
		state.insert(hex(key)?, hex(value)?);
	}
	Ok(Storage { top: state, children_default: Default::default() })
}
