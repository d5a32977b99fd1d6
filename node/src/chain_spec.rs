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
	let preset = teeid_runtime::genesis_config_presets::production_config_genesis();
	let mut genesis = preset;
	sc_chain_spec::json_merge(&mut genesis, patch);
	for (path, what) in [
		("/collatorSelection/invulnerables", "validators (`collatorSelection.invulnerables`)"),
		("/session/keys", "validators' session keys (`session.keys`)"),
		("/committeeMembership/members", "committee members (`committeeMembership.members`)"),
	] {
		let given = genesis.pointer(path).and_then(|v| v.as_array()).is_some_and(|a| !a.is_empty());
		if !given {
			return Err(format!("a production chain needs its {what} in the genesis patch"));
		}
	}
	Ok(ChainSpec::builder(wasm_binary()?, Default::default())
		.with_name(&name)
		.with_id(&id)
		.with_chain_type(ChainType::Live)
		.with_genesis_config_patch(genesis)
		.with_properties(properties())
		.build())
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
