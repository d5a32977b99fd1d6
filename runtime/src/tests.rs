//! Tests of the composed runtime: genesis presets, governance, metadata and versioning.

use crate::{
	genesis_config_presets::{
		get_preset, preset_names, system_cpt_publisher, ENDOWMENT, PRODUCTION_RUNTIME_PRESET,
	},
	Balances, Committee, Cpt, Grandpa, Runtime, RuntimeCall, RuntimeGenesisConfig, RuntimeOrigin,
	System, VERSION,
};
use codec::Encode;
use frame_support::genesis_builder_helper::build_state;
use frame_support::{assert_noop, assert_ok, dispatch::GetDispatchInfo};
use sp_genesis_builder::{DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};
use sp_keyring::Sr25519Keyring;
use sp_runtime::traits::Hash;

/// Applies a JSON merge patch (RFC 7396, as the node applies presets) to `base`.
fn merge(base: &mut serde_json::Value, patch: serde_json::Value) {
	match (base, patch) {
		(serde_json::Value::Object(base), serde_json::Value::Object(patch)) => {
			for (key, value) in patch {
				merge(base.entry(key).or_insert(serde_json::Value::Null), value);
			}
		},
		(base, patch) => *base = patch,
	}
}

/// Builds the genesis state of preset `name` over the default config and runs `check` in it.
fn with_preset(name: &str, check: impl FnOnce()) {
	with_patched_preset(name, serde_json::Value::Null, check)
}

/// Builds the genesis state of preset `name`, with `patch` over it, and runs `check` in it.
fn with_patched_preset(name: &str, patch: serde_json::Value, check: impl FnOnce()) {
	let preset = get_preset(&name.into()).expect("the preset exists");
	let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).unwrap();
	merge(&mut config, serde_json::from_slice(&preset).unwrap());
	if !patch.is_null() {
		merge(&mut config, patch);
	}
	let mut ext = sp_io::TestExternalities::default();
	ext.execute_with(|| {
		build_state::<RuntimeGenesisConfig>(serde_json::to_vec(&config).unwrap())
			.expect("the preset builds");
		check();
	});
}

#[test]
fn preset_names_are_development_local_testnet_and_production_works() {
	let names = preset_names();
	let expected: Vec<sp_genesis_builder::PresetId> = vec![
		DEV_RUNTIME_PRESET.into(),
		LOCAL_TESTNET_RUNTIME_PRESET.into(),
		PRODUCTION_RUNTIME_PRESET.into(),
	];
	assert_eq!(names, expected);
	assert!(get_preset(&"no-such-preset".into()).is_none());
}

#[test]
fn development_preset_has_alice_as_validator_and_sudo_works() {
	with_preset(DEV_RUNTIME_PRESET, || {
		let alice = Sr25519Keyring::Alice;
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), Some(alice.to_account_id()));
		let aura = pallet_aura::Authorities::<Runtime>::get();
		assert_eq!(aura.len(), 1);
		assert_eq!(aura[0], alice.public().into());
		assert_eq!(Grandpa::grandpa_authorities().len(), 1);
		for account in [alice, Sr25519Keyring::Bob, Sr25519Keyring::Ferdie] {
			assert_eq!(Balances::free_balance(account.to_account_id()), ENDOWMENT);
		}
		assert_eq!(System::block_number(), 0);
	});
}

#[test]
fn presets_make_alice_cpt_administrator_and_preload_system_cpts_works() {
	for preset in [DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET] {
		with_preset(preset, || {
			let alice = Sr25519Keyring::Alice.to_account_id();
			assert!(pallet_cpt::Administrators::<Runtime>::contains_key(&alice));
			for id in [101, 103, 110] {
				let cpt = Cpt::cpt_info(id).expect("a preloaded system CPT");
				assert_eq!(cpt.publisher, alice);
				assert_eq!(cpt.range, pallet_cpt::CptRange::System);
				// Stored canonically: no whitespace left from the source files.
				assert!(!cpt.schema.contains(&b'\n'));
				assert_eq!(cpt.schema_hash, sp_core::H256(sp_io::hashing::blake2_256(&cpt.schema)));
			}
			assert_eq!(Cpt::next_cpt_id(pallet_cpt::CptRange::System), Some(111));
		});
	}
}

#[test]
fn local_testnet_preset_has_alice_and_bob_as_validators_works() {
	with_preset(LOCAL_TESTNET_RUNTIME_PRESET, || {
		// The session manager keeps its validators sorted by account.
		let aura = pallet_aura::Authorities::<Runtime>::get();
		assert_eq!(
			aura.into_inner(),
			vec![Sr25519Keyring::Bob.public().into(), Sr25519Keyring::Alice.public().into()]
		);
		assert_eq!(Grandpa::grandpa_authorities().len(), 2);
		assert_eq!(
			pallet_session::Validators::<Runtime>::get(),
			vec![Sr25519Keyring::Bob.to_account_id(), Sr25519Keyring::Alice.to_account_id()]
		);
		// No sudo: the committee governs.
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), None);
		assert_eq!(pallet_collective::Members::<Runtime, pallet_collective::Instance1>::get(), {
			let mut members = committee().map(|k| k.to_account_id()).to_vec();
			members.sort();
			members
		});
	});
}

/// The development and local committee.
fn committee() -> [Sr25519Keyring; 3] {
	[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie]
}

#[test]
fn production_preset_has_no_sudo_and_takes_its_network_from_a_patch_works() {
	with_preset(PRODUCTION_RUNTIME_PRESET, || {
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), None);
		assert!(!pallet_attestation::SimulationEnabled::<Runtime>::get());
		assert!(
			pallet_collective::Members::<Runtime, pallet_collective::Instance1>::get().is_empty()
		);
		assert_eq!(pallet_cpt::Administrators::<Runtime>::count(), 0);
		// The system CPTs are there, published by a keyless account.
		assert_eq!(Cpt::cpt_info(101).expect("a system CPT").publisher, system_cpt_publisher());
		assert_eq!(Balances::free_balance(Sr25519Keyring::Alice.to_account_id()), 0);
	});
	let dave = Sr25519Keyring::Dave;
	let account = dave.to_account_id().to_string();
	let keys = serde_json::json!({
		"aura": dave.public().to_string(),
		"grandpa": sp_keyring::Ed25519Keyring::Dave.public().to_string(),
	});
	let patch = serde_json::json!({
		"collatorSelection": { "invulnerables": [account] },
		"session": { "keys": [[account, account, keys]] },
		"committeeMembership": { "members": [account] },
	});
	with_patched_preset(PRODUCTION_RUNTIME_PRESET, patch, || {
		assert_eq!(
			pallet_aura::Authorities::<Runtime>::get().into_inner(),
			vec![dave.public().into()]
		);
		assert_eq!(Grandpa::grandpa_authorities().len(), 1);
		assert_eq!(
			pallet_collective::Members::<Runtime, pallet_collective::Instance1>::get(),
			vec![dave.to_account_id()]
		);
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), None);
	});
}

/// Proposes `call` as the first of `voters` with `threshold` ayes needed, has every voter vote
/// aye, and closes the motion (a motion of threshold 1 executes at once).
fn motion(call: RuntimeCall, threshold: u32, voters: &[Sr25519Keyring]) {
	let length = call.encoded_size() as u32;
	let hash = <Runtime as frame_system::Config>::Hashing::hash_of(&call);
	let proposer = voters[0].to_account_id();
	assert_ok!(Committee::propose(
		RuntimeOrigin::signed(proposer.clone()),
		threshold,
		Box::new(call.clone()),
		length
	));
	if threshold == 1 {
		return;
	}
	let index =
		pallet_collective::ProposalCount::<Runtime, pallet_collective::Instance1>::get() - 1;
	// The proposer votes too: proposing is not voting.
	for voter in voters {
		assert_ok!(Committee::vote(
			RuntimeOrigin::signed(voter.to_account_id()),
			hash,
			index,
			true
		));
	}
	assert_ok!(Committee::close(
		RuntimeOrigin::signed(proposer),
		hash,
		index,
		call.get_dispatch_info().call_weight,
		length
	));
}

#[test]
fn a_committee_majority_allows_code_and_sets_the_simulation_flag_without_sudo_works() {
	with_preset(LOCAL_TESTNET_RUNTIME_PRESET, || {
		System::set_block_number(1);
		let [alice, bob, charlie] = committee();
		let measurement = [7u8; 32];
		// A member alone cannot: the pallet refuses its signed origin, and a motion of one
		// executes with one of three ayes, which is not a majority.
		assert_noop!(
			pallet_attestation::Pallet::<Runtime>::allow_code(
				RuntimeOrigin::signed(alice.to_account_id()),
				measurement,
				1_000
			),
			sp_runtime::DispatchError::BadOrigin
		);
		let allow = RuntimeCall::Attestation(pallet_attestation::Call::allow_code {
			measurement,
			expires: 1_000,
		});
		motion(allow.clone(), 1, &[alice]);
		assert!(!pallet_attestation::Pallet::<Runtime>::code_allowed(&measurement));
		// Two of three: a majority.
		motion(allow, 2, &[alice, bob]);
		assert!(pallet_attestation::Pallet::<Runtime>::code_allowed(&measurement));
		motion(
			RuntimeCall::Attestation(pallet_attestation::Call::set_simulation { enabled: true }),
			2,
			&[bob, charlie],
		);
		assert!(pallet_attestation::SimulationEnabled::<Runtime>::get());
	});
}

#[test]
fn two_thirds_of_the_committee_authorize_a_runtime_upgrade_through_the_whitelist_works() {
	with_preset(LOCAL_TESTNET_RUNTIME_PRESET, || {
		System::set_block_number(1);
		let [alice, bob, _] = committee();
		let code_hash = sp_core::H256::repeat_byte(0xab);
		let upgrade = RuntimeCall::System(frame_system::Call::authorize_upgrade { code_hash });
		// The committee's own origin is not root: the call alone is refused.
		let authorized = || {
			System::events().iter().any(|record| {
				record.event
					== frame_system::Event::UpgradeAuthorized { code_hash, check_version: true }
						.into()
			})
		};
		motion(upgrade.clone(), 2, &[alice, bob]);
		assert!(!authorized());
		// Whitelisted and dispatched in one motion, it runs as root.
		let hash = <Runtime as frame_system::Config>::Hashing::hash_of(&upgrade);
		let whitelisted = RuntimeCall::Utility(pallet_utility::Call::batch_all {
			calls: vec![
				RuntimeCall::Whitelist(pallet_whitelist::Call::whitelist_call { call_hash: hash }),
				RuntimeCall::Whitelist(
					pallet_whitelist::Call::dispatch_whitelisted_call_with_preimage {
						call: Box::new(upgrade),
					},
				),
			],
		});
		motion(whitelisted, 2, &[alice, bob]);
		assert!(authorized());
	});
}

#[test]
fn the_committee_adds_a_validator_only_once_its_session_keys_are_registered_works() {
	with_preset(LOCAL_TESTNET_RUNTIME_PRESET, || {
		System::set_block_number(1);
		let [alice, bob, charlie] = committee();
		let add =
			RuntimeCall::CollatorSelection(pallet_collator_selection::Call::add_invulnerable {
				who: charlie.to_account_id(),
			});
		// Without keys the motion executes and its call is refused.
		motion(add.clone(), 2, &[alice, bob]);
		assert_eq!(pallet_collator_selection::Invulnerables::<Runtime>::get().len(), 2);
		let keys = crate::SessionKeys {
			aura: charlie.public().into(),
			grandpa: sp_keyring::Ed25519Keyring::Charlie.public().into(),
		};
		// The proof: each key signs the statement of the owner account's ownership.
		let statement =
			sp_core::proof_of_possession::statement_of_ownership(&charlie.to_account_id().encode());
		let proof =
			(charlie.sign(&statement), sp_keyring::Ed25519Keyring::Charlie.sign(&statement))
				.encode();
		assert_ok!(pallet_session::Pallet::<Runtime>::set_keys(
			RuntimeOrigin::signed(charlie.to_account_id()),
			keys,
			proof
		));
		motion(add, 2, &[alice, bob]);
		assert!(pallet_collator_selection::Invulnerables::<Runtime>::get()
			.contains(&charlie.to_account_id()));
		// Nobody but governance adds one.
		assert_noop!(
			pallet_collator_selection::Pallet::<Runtime>::add_invulnerable(
				RuntimeOrigin::signed(charlie.to_account_id()),
				bob.to_account_id()
			),
			sp_runtime::DispatchError::BadOrigin
		);
	});
}

#[test]
fn a_chain_without_a_session_gets_its_authorities_as_validators_works() {
	use frame_support::traits::{Hooks, OnRuntimeUpgrade};
	with_preset(LOCAL_TESTNET_RUNTIME_PRESET, || {
		// A chain of spec 103: Aura and GRANDPA authorities, no session, no validator set.
		let authorities = pallet_aura::Authorities::<Runtime>::get();
		let _ = pallet_session::NextKeys::<Runtime>::clear(u32::MAX, None);
		let _ = pallet_session::KeyOwner::<Runtime>::clear(u32::MAX, None);
		pallet_session::QueuedKeys::<Runtime>::kill();
		pallet_session::Validators::<Runtime>::kill();
		pallet_collator_selection::Invulnerables::<Runtime>::kill();

		crate::migrations::SessionFromFixedAuthorities::on_runtime_upgrade();
		let mut expected: Vec<_> = [Sr25519Keyring::Alice, Sr25519Keyring::Bob]
			.iter()
			.map(|k| k.to_account_id())
			.collect();
		expected.sort();
		assert_eq!(
			pallet_collator_selection::Invulnerables::<Runtime>::get().into_inner(),
			expected
		);
		// Two rotations later the authorities are the same validators: the chain goes on.
		for block in 1..=2 * crate::configs::SESSION_BLOCKS {
			System::set_block_number(block);
			pallet_session::Pallet::<Runtime>::on_initialize(block);
		}
		assert_eq!(pallet_session::CurrentIndex::<Runtime>::get(), 2);
		let mut after = pallet_aura::Authorities::<Runtime>::get().into_inner();
		let mut before = authorities.into_inner();
		after.sort();
		before.sort();
		assert_eq!(after, before);
		assert_eq!(Grandpa::grandpa_authorities().len(), 2);
		// Once there is a session, it does nothing.
		let validators = pallet_session::Validators::<Runtime>::get();
		crate::migrations::SessionFromFixedAuthorities::on_runtime_upgrade();
		assert_eq!(pallet_session::Validators::<Runtime>::get(), validators);
	});
}

#[test]
fn the_committee_appoints_a_cpt_administrator_works() {
	with_preset(LOCAL_TESTNET_RUNTIME_PRESET, || {
		System::set_block_number(1);
		let [alice, bob, _] = committee();
		let dave = Sr25519Keyring::Dave.to_account_id();
		assert_ok!(pallet_did::Pallet::<Runtime>::create(
			RuntimeOrigin::signed(dave.clone()),
			vec![pallet_did::VerificationKey {
				id: b"auth".to_vec(),
				public: pallet_did::PublicKey::Sr25519(Sr25519Keyring::Dave.public()),
				relationships: pallet_did::Relationships::SIGNING,
				expires: None,
			}],
			None
		));
		let appoint = RuntimeCall::Cpt(pallet_cpt::Call::add_administrator { did: dave.clone() });
		motion(appoint, 2, &[alice, bob]);
		assert!(pallet_cpt::Administrators::<Runtime>::contains_key(&dave));
	});
}

#[test]
fn only_the_development_preset_accepts_simulated_workers_works() {
	with_preset(DEV_RUNTIME_PRESET, || {
		assert!(pallet_attestation::SimulationEnabled::<Runtime>::get());
	});
	with_preset(LOCAL_TESTNET_RUNTIME_PRESET, || {
		assert!(!pallet_attestation::SimulationEnabled::<Runtime>::get());
	});
}

#[test]
fn only_the_development_preset_lists_the_simulated_certifier_works() {
	use teeid_primitives::attestation::{TeePlatform, SIMULATED_CERTIFIER};
	with_preset(DEV_RUNTIME_PRESET, || {
		assert_eq!(
			crate::Attestation::device_certifiers(),
			vec![(sp_core::ed25519::Public::from_raw(SIMULATED_CERTIFIER), TeePlatform::Simulated)]
		);
	});
	with_preset(LOCAL_TESTNET_RUNTIME_PRESET, || {
		assert!(crate::Attestation::device_certifiers().is_empty());
	});
}

#[test]
fn metadata_v15_and_newer_are_offered_works() {
	let versions = Runtime::metadata_versions();
	assert!(versions.contains(&15), "metadata versions: {versions:?}");
	assert!(versions.iter().any(|v| *v >= 16), "metadata versions: {versions:?}");
	assert!(Runtime::metadata_at_version(15).is_some());
}

#[test]
fn metadata_lists_check_metadata_hash_extension_works() {
	use codec::Decode;
	use frame_support::__private::metadata::RuntimeMetadata;

	let bytes = Runtime::metadata_at_version(15).expect("v15 is offered");
	let prefixed =
		frame_support::__private::metadata::RuntimeMetadataPrefixed::decode(&mut &bytes[..])
			.expect("metadata decodes");
	let RuntimeMetadata::V15(metadata) = prefixed.1 else { panic!("asked for v15") };
	let names: Vec<_> =
		metadata.extrinsic.signed_extensions.iter().map(|e| e.identifier.clone()).collect();
	assert!(names.iter().any(|n| n == "CheckMetadataHash"), "extensions: {names:?}");
	assert!(names.iter().any(|n| n == "ChargeTransactionPayment"), "extensions: {names:?}");
}

#[test]
fn version_names_the_teeid_runtime_works() {
	assert_eq!(VERSION.spec_name, "teeid");
	// Clients find the DID API through the runtime version's API list.
	let did_api = <dyn pallet_did::runtime_api::DidApi<
		crate::Block,
		crate::AccountId,
		crate::BlockNumber,
		crate::Balance,
	> as sp_api::RuntimeApiInfo>::ID;
	assert!(VERSION.apis.iter().any(|(id, version)| *id == did_api && *version == 1));
}

#[test]
fn version_lists_the_attestation_and_signing_api_versions_works() {
	use sp_api::RuntimeApiInfo;
	let attestation = <dyn pallet_attestation::runtime_api::AttestationApi<
		crate::Block,
		crate::AccountId,
		crate::BlockNumber,
		crate::Balance,
	> as RuntimeApiInfo>::ID;
	let signing = <dyn pallet_did::runtime_api::SigningApi<
		crate::Block,
		crate::AccountId,
		crate::RuntimeCall,
	> as RuntimeApiInfo>::ID;
	// Version 3 lists device certifiers; version 2 names the device-certificate payload.
	assert!(VERSION.apis.iter().any(|(id, version)| *id == attestation && *version == 3));
	assert!(VERSION.apis.iter().any(|(id, version)| *id == signing && *version == 2));
}

#[test]
fn filling_a_block_by_length_costs_at_least_filling_it_by_weight_works() {
	use crate::configs::{RuntimeBlockLength, RuntimeBlockWeights};
	use frame_support::{
		dispatch::DispatchClass,
		weights::{Weight, WeightToFee},
	};
	use frame_system::WeightInfo as _;
	type ByLength = <Runtime as pallet_transaction_payment::Config>::LengthToFee;
	type ByWeight = <Runtime as pallet_transaction_payment::Config>::WeightToFee;

	let weights = RuntimeBlockWeights::get();
	let normal = weights.get(DispatchClass::Normal);
	let max_weight = normal.max_total.expect("normal class is bounded");
	let max_length = *RuntimeBlockLength::get().max.get(DispatchClass::Normal);
	let by_length = ByLength::weight_to_fee(&Weight::from_parts(max_length.into(), 0));
	// A block filled by weight with the cheapest call there is, an empty remark, pays for that
	// weight and for the bytes of every remark (a signed one is about 110 bytes: 128 is more).
	let remark = normal
		.base_extrinsic
		.saturating_add(<Runtime as frame_system::Config>::SystemWeightInfo::remark(0));
	let remarks = max_weight.ref_time() / remark.ref_time();
	let remark_bytes = ByLength::weight_to_fee(&Weight::from_parts(128, 0));
	let by_weight =
		ByWeight::weight_to_fee(&max_weight) + crate::Balance::from(remarks) * remark_bytes;
	assert!(
		by_length >= by_weight,
		"a block full of bytes costs {by_length}, a block full of weight {by_weight}"
	);
}
