//! Genesis presets: `development` (one validator, Alice) and `local_testnet` (two validators,
//! Alice and Bob). The node's chain specs name these presets; genesis lives only here.

use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_core::ed25519;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};
use teeid_primitives::attestation::{TeePlatform, SIMULATED_CERTIFIER};

use crate::{
	AccountId, AttestationConfig, BalancesConfig, CptConfig, RuntimeGenesisConfig, SudoConfig, UNIT,
};

/// What each well-known development account starts with.
pub const ENDOWMENT: crate::Balance = 1_000_000 * UNIT;

/// A validator's session keys for a well-known development identity: sr25519 for Aura,
/// ed25519 for GRANDPA, both derived from `//Name`.
fn authority(sr: Sr25519Keyring, ed: Ed25519Keyring) -> (AuraId, GrandpaId) {
	(sr.public().into(), ed.public().into())
}

/// The well-known development accounts (Alice to Ferdie and their stashes), all funded.
fn dev_accounts() -> Vec<AccountId> {
	Sr25519Keyring::iter()
		.filter(|k| *k != Sr25519Keyring::One && *k != Sr25519Keyring::Two)
		.map(|k| k.to_account_id())
		.collect()
}

/// The system CPTs every teeid chain starts with (WeIdentity's built-in ids), published by
/// the first administrator: `(id, title, description, JSON Schema)`.
const SYSTEM_CPTS: [(u32, &str, &str, &str); 3] = [
	(
		101,
		"Authorization",
		"A DID authorizes another DID to use a resource of it for a service.",
		include_str!("system_cpts/101-authorization.json"),
	),
	(
		103,
		"Challenge response",
		"A DID answers a verifier's challenge.",
		include_str!("system_cpts/103-challenge-response.json"),
	),
	(
		110,
		"Credential metadata",
		"What a holder discloses about a credential without its claims.",
		include_str!("system_cpts/110-credential-metadata.json"),
	),
];

/// The CPT pallet's genesis: `admin` is the first administrator and publishes the system CPTs.
fn cpt_genesis(admin: AccountId) -> CptConfig {
	CptConfig {
		administrators: vec![admin.clone()],
		committee: Vec::new(),
		system_cpts: SYSTEM_CPTS
			.iter()
			.map(|(id, title, description, schema)| {
				(*id, admin.clone(), (*title).into(), (*description).into(), (*schema).into())
			})
			.collect(),
	}
}

/// The genesis patch shared by the presets; `root` is the sudo key and the first CPT
/// administrator. `simulation` lets TEE workers on the `Simulated` platform register, and
/// `device_certifiers` are the device certifiers listed from the start.
fn testnet_genesis(
	authorities: Vec<(AuraId, GrandpaId)>,
	endowed_accounts: Vec<AccountId>,
	root: AccountId,
	simulation: bool,
	device_certifiers: Vec<(ed25519::Public, TeePlatform)>,
) -> Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed_accounts.into_iter().map(|k| (k, ENDOWMENT)).collect::<Vec<_>>(),
		},
		aura: pallet_aura::GenesisConfig {
			authorities: authorities.iter().map(|x| x.0.clone()).collect::<Vec<_>>(),
		},
		grandpa: pallet_grandpa::GenesisConfig {
			authorities: authorities.iter().map(|x| (x.1.clone(), 1)).collect::<Vec<_>>(),
		},
		sudo: SudoConfig { key: Some(root.clone()) },
		cpt: cpt_genesis(root),
		attestation: AttestationConfig { allowed_code: Vec::new(), simulation, device_certifiers },
	})
}

/// `development`: Alice is the only validator and the sudo key; the dev accounts are funded;
/// simulated TEE workers may register, with devices certified by the simulated certifier
/// (whose seed is public: its certificates prove nothing, and certify simulated devices only).
pub fn development_config_genesis() -> Value {
	testnet_genesis(
		vec![authority(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		dev_accounts(),
		Sr25519Keyring::Alice.to_account_id(),
		true,
		vec![(ed25519::Public::from_raw(SIMULATED_CERTIFIER), TeePlatform::Simulated)],
	)
}

/// `local_testnet`: Alice and Bob validate together; Alice is the sudo key; only workers on
/// real TEE hardware may register (root may turn the simulation on), and no device certifier
/// is listed: root lists the network's own.
pub fn local_config_genesis() -> Value {
	testnet_genesis(
		vec![
			authority(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
			authority(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
		],
		dev_accounts(),
		Sr25519Keyring::Alice.to_account_id(),
		false,
		Vec::new(),
	)
}

/// The JSON genesis patch of the preset `id`, if there is one.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_config_genesis(),
		_ => return None,
	};
	Some(
		serde_json::to_string(&patch)
			.expect("a serde_json::Value always serializes to a string; qed")
			.into_bytes(),
	)
}

/// The names of the presets this runtime offers.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
	]
}
