//! Chain specifications. Each one names a genesis preset of the runtime; the genesis itself
//! lives in `teeid_runtime::genesis_config_presets`.

use sc_service::{ChainType, Properties};
use teeid_runtime::{SS58_PREFIX, TOKEN_DECIMALS, TOKEN_SYMBOL, WASM_BINARY};

/// The chain specification type of teeid: no extensions.
pub type ChainSpec = sc_service::GenericChainSpec;

/// Token symbol, decimals and address prefix, for wallets and polkadot.js Apps.
fn properties() -> Properties {
	let mut properties = Properties::new();
	properties.insert("tokenSymbol".into(), TOKEN_SYMBOL.into());
	properties.insert("tokenDecimals".into(), TOKEN_DECIMALS.into());
	properties.insert("ss58Format".into(), SS58_PREFIX.into());
	properties
}

fn wasm_binary() -> Result<&'static [u8], String> {
	WASM_BINARY.ok_or_else(|| "the runtime wasm was not built (SKIP_WASM_BUILD is set?)".into())
}

/// A chain specification named `name` (id `id`) over the runtime's genesis preset `preset`.
fn chain_spec(
	name: &str,
	id: &str,
	chain_type: ChainType,
	preset: &str,
) -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm_binary()?, Default::default())
		.with_name(name)
		.with_id(id)
		.with_chain_type(chain_type)
		.with_genesis_config_preset_name(preset)
		.with_properties(properties())
		.build())
}

/// `--dev`: Alice alone produces and finalizes blocks.
pub fn development_chain_spec() -> Result<ChainSpec, String> {
	chain_spec(
		"teeid Development",
		"teeid_dev",
		ChainType::Development,
		sp_genesis_builder::DEV_RUNTIME_PRESET,
	)
}

/// `--chain local`: Alice and Bob validate together.
pub fn local_chain_spec() -> Result<ChainSpec, String> {
	chain_spec(
		"teeid Local Testnet",
		"teeid_local_testnet",
		ChainType::Local,
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET,
	)
}

/// The prefix of `--chain production:<patch.json>`.
pub const PRODUCTION_PREFIX: &str = "production:";

/// `--chain production:<patch.json>`: the runtime's `production` preset (no sudo, no
/// simulation) with the network's own genesis over it, from a JSON merge patch (RFC 7396) in the
/// file `patch`: at least its validators (`collatorSelection.invulnerables`, each with its
/// session keys in `session.keys`) and its committee (`committeeMembership.members`); also its
/// device certifiers
/// (`attestation.deviceCertifiers`) and funded accounts (`balances.balances`). The patch may set
/// the spec's `name` and `id` too (defaults: `teeid`, `teeid`). Build the spec once with
/// `build-spec --raw` and give every node that file.
pub fn production_chain_spec(patch: &std::path::Path) -> Result<ChainSpec, String> {
	let text = std::fs::read_to_string(patch)
		.map_err(|e| format!("cannot read the genesis patch {}: {e}", patch.display()))?;
	let mut patch: serde_json::Value = serde_json::from_str(&text)
		.map_err(|e| format!("the genesis patch {} is not JSON: {e}", patch.display()))?;
	let Some(object) = patch.as_object_mut() else {
		return Err("the genesis patch must be a JSON object".into());
	};
	let name = take_string(object, "name")?.unwrap_or_else(|| "teeid".into());
	let id = take_string(object, "id")?.unwrap_or_else(|| "teeid".into());
	let mut genesis = teeid_runtime::genesis_config_presets::production_config_genesis();
	sc_chain_spec::json_merge(&mut genesis, patch);
	check_production_genesis(&genesis)?;
	Ok(ChainSpec::builder(wasm_binary()?, Default::default())
		.with_name(&name)
		.with_id(&id)
		.with_chain_type(ChainType::Live)
		.with_genesis_config_patch(genesis)
		.with_properties(properties())
		.build())
}

/// Refuses a production genesis that could not run or could never be governed: without
/// validators, or with one whose session keys are missing (the session would hand Aura an empty
/// set: no block 1); without committee members, or with none that can pay for a motion; with a
/// sudo key (the point of the preset is that nobody holds one).
fn check_production_genesis(genesis: &serde_json::Value) -> Result<(), String> {
	// The strings of the array at `path`, or of column `column` of its entries.
	let strings = |path: &str, column: Option<usize>| -> Vec<&str> {
		let items = genesis.pointer(path).and_then(|v| v.as_array());
		let cells = items.into_iter().flatten().filter_map(|v| match column {
			Some(column) => v.get(column),
			None => Some(v),
		});
		cells.filter_map(|v| v.as_str()).collect()
	};
	let validators = strings("/collatorSelection/invulnerables", None);
	let members = strings("/committeeMembership/members", None);
	if validators.is_empty() {
		return Err("a production chain needs its validators (`collatorSelection.invulnerables`) \
			in the genesis patch"
			.into());
	}
	if members.is_empty() {
		return Err("a production chain needs its committee members \
			(`committeeMembership.members`) in the genesis patch"
			.into());
	}
	let keyed = strings("/session/keys", Some(1));
	if let Some(unkeyed) = validators.iter().find(|v| !keyed.contains(v)) {
		return Err(format!(
			"a production chain needs its validators' session keys: validator {unkeyed} has no \
			 `session.keys` entry (`[account, account, {{\"aura\": ..., \"grandpa\": ...}}]`)"
		));
	}
	let funded = strings("/balances/balances", Some(0));
	if !members.iter().any(|m| funded.contains(m)) {
		return Err("a production chain needs a funded committee member (`balances.balances`): \
			nobody else can pay for the motions that govern it"
			.into());
	}
	if genesis.pointer("/sudo/key").is_some_and(|key| !key.is_null()) {
		return Err("a production chain has no sudo key: leave `sudo` out of the patch".into());
	}
	Ok(())
}

/// Removes `key` from `object`: a string, if it is there.
fn take_string(
	object: &mut serde_json::Map<String, serde_json::Value>,
	key: &str,
) -> Result<Option<String>, String> {
	match object.remove(key) {
		None => Ok(None),
		Some(serde_json::Value::String(value)) => Ok(Some(value)),
		Some(_) => Err(format!("`{key}` in the genesis patch must be a string")),
	}
}
