//! Genesis presets: `development` (one validator, Alice; Alice holds sudo), `local_testnet` (two
//! validators, Alice and Bob; no sudo: the committee of Alice, Bob and Charlie governs) and
//! `production` (no sudo, no simulation, and no validators, committee or certifiers: a network's
//! operators give those in a patch, `teeid-node build-spec --chain production:<patch.json>`).
//! The node's chain specs name these presets; genesis lives only here.

use alloc::{vec, vec::Vec};
use frame_support::{build_struct_json_patch, PalletId};
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_core::ed25519;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};
use sp_runtime::traits::AccountIdConversion;
use teeid_primitives::attestation::{TeePlatform, SIMULATED_CERTIFIER};

use crate::{
	AccountId, AttestationConfig, BalancesConfig, CollatorSelectionConfig,
	CommitteeMembershipConfig, CptConfig, RuntimeGenesisConfig, SessionConfig, SessionKeys,
	SudoConfig, UNIT,
};

/// The name of the production preset.
pub const PRODUCTION_RUNTIME_PRESET: &str = "production";

/// The keyless account that publishes the system CPTs of a production chain, whose CPT
/// administrators are DIDs the committee appoints once they exist.
pub fn system_cpt_publisher() -> AccountId {
	PalletId(*b"teeid/cp").into_account_truncating()
}

/// What each well-known development account starts with.
pub const ENDOWMENT: crate::Balance = 1_000_000 * UNIT;

/// A well-known development identity as a validator: its account (from `//Name`, sr25519) and
/// its session keys: sr25519 for Aura, ed25519 for GRANDPA, both derived from `//Name`.
fn authority(sr: Sr25519Keyring, ed: Ed25519Keyring) -> (AccountId, SessionKeys) {
	let aura: AuraId = sr.public().into();
	let grandpa: GrandpaId = ed.public().into();
	(sr.to_account_id(), SessionKeys { aura, grandpa })
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

/// The CPT pallet's genesis: `publisher` publishes the system CPTs; `administrators` are the
/// first administrators.
fn cpt_genesis(publisher: AccountId, administrators: Vec<AccountId>) -> CptConfig {
	CptConfig {
		administrators,
		committee: Vec::new(),
		system_cpts: SYSTEM_CPTS
			.iter()
			.map(|(id, title, description, schema)| {
				(*id, publisher.clone(), (*title).into(), (*description).into(), (*schema).into())
			})
			.collect(),
	}
}

/// Who governs a chain at genesis: the sudo key (none outside development) and the committee.
struct Governance {
	sudo: Option<AccountId>,
	committee: Vec<AccountId>,
}

/// The genesis patch of the development and local presets: the dev accounts are funded; Alice
/// is the first CPT administrator and publishes the system CPTs. `simulation` lets TEE workers on
/// the `Simulated` platform register, and `device_certifiers` are the device certifiers listed
/// from the start.
fn testnet_genesis(
	validators: Vec<(AccountId, SessionKeys)>,
	governance: Governance,
	simulation: bool,
	device_certifiers: Vec<(ed25519::Public, TeePlatform)>,
) -> Value {
	let alice = Sr25519Keyring::Alice.to_account_id();
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: dev_accounts().into_iter().map(|k| (k, ENDOWMENT)).collect::<Vec<_>>(),
		},
		// The validators: the session manager's invulnerables, with their session keys; the
		// session hands Aura and GRANDPA their authorities.
		collator_selection: CollatorSelectionConfig {
			invulnerables: validators
				.iter()
				.map(|(account, _)| account.clone())
				.collect::<Vec<_>>(),
		},
		session: SessionConfig {
			keys: validators
				.into_iter()
				.map(|(account, keys)| (account.clone(), account, keys))
				.collect::<Vec<_>>(),
		},
		sudo: SudoConfig { key: governance.sudo },
		committee_membership: CommitteeMembershipConfig {
			members: governance.committee.try_into().expect("a few dev accounts; qed"),
		},
		cpt: cpt_genesis(alice.clone(), vec![alice]),
		attestation: AttestationConfig { allowed_code: Vec::new(), simulation, device_certifiers },
	})
}

/// The development and local committee: Alice, Bob and Charlie (a majority is two of them).
fn dev_committee() -> Vec<AccountId> {
	[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie]
		.iter()
		.map(|k| k.to_account_id())
		.collect()
}

/// `development`: Alice is the only validator and the sudo key (for convenience: the committee
/// of Alice, Bob and Charlie governs too); simulated TEE workers may register, with devices
/// certified by the simulated certifier (whose seed is public: its certificates prove nothing,
/// and certify simulated devices only).
pub fn development_config_genesis() -> Value {
	testnet_genesis(
		vec![authority(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		Governance {
			sudo: Some(Sr25519Keyring::Alice.to_account_id()),
			committee: dev_committee(),
		},
		true,
		vec![(ed25519::Public::from_raw(SIMULATED_CERTIFIER), TeePlatform::Simulated)],
	)
}

/// `local_testnet`: Alice and Bob validate together; no sudo: the committee of Alice, Bob and
/// Charlie governs; only workers on real TEE hardware may register (the committee may turn the
/// simulation on), and no device certifier is listed: the committee lists the network's own.
pub fn local_config_genesis() -> Value {
	testnet_genesis(
		vec![
			authority(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
			authority(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
		],
		Governance { sudo: None, committee: dev_committee() },
		false,
		Vec::new(),
	)
}

/// `production`: no sudo, no simulation, no funded account, and no validators, committee
/// members or device certifiers: the network's operators give those
/// (`collatorSelection.invulnerables` with `session.keys`, `committeeMembership`,
/// `attestation.deviceCertifiers`, `balances`) in a patch over this preset. The system CPTs are published by [`system_cpt_publisher`], a keyless account; the
/// committee appoints the CPT administrators once their DIDs exist.
pub fn production_config_genesis() -> Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
		sudo: SudoConfig { key: None },
		cpt: cpt_genesis(system_cpt_publisher(), Vec::new()),
		attestation: AttestationConfig {
			allowed_code: Vec::new(),
			simulation: false,
			device_certifiers: Vec::new()
		},
	})
}

/// The JSON genesis patch of the preset `id`, if there is one.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_config_genesis(),
		PRODUCTION_RUNTIME_PRESET => production_config_genesis(),
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
		PresetId::from(PRODUCTION_RUNTIME_PRESET),
	]
}
