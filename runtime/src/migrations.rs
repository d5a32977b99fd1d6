//! The runtime's own migrations, besides the pallets'.

use alloc::vec::Vec;
use frame_support::{traits::OnRuntimeUpgrade, weights::Weight, BoundedVec};
use sp_runtime::traits::OpaqueKeys;

use crate::{AccountId, Runtime, SessionKeys};

#[cfg(feature = "try-runtime")]
use sp_runtime::TryRuntimeError;

/// Hands a chain that started before the session (`spec_version` 103 and older: Aura and
/// GRANDPA authorities fixed at genesis, no session, no validator set) its validators: each
/// Aura authority with the GRANDPA authority at the same index (the presets list both in one
/// order) becomes a validator whose account is its Aura key (as the presets' validators' are),
/// with those keys registered as its session keys (no deposit held, as at genesis). Without
/// this the first session rotation would hand Aura and GRANDPA the session manager's empty set,
/// and the chain would stop. Runs only while the session has no validators; does nothing on a
/// chain that has them (every chain built from spec 104 on).
pub struct SessionFromFixedAuthorities;

impl SessionFromFixedAuthorities {
	/// The validators to migrate: `None` once the session has validators.
	fn validators() -> Option<Vec<(AccountId, SessionKeys)>> {
		if !pallet_session::Validators::<Runtime>::get().is_empty() {
			return None;
		}
		let aura = pallet_aura::Authorities::<Runtime>::get();
		let grandpa = pallet_grandpa::Pallet::<Runtime>::grandpa_authorities();
		Some(
			aura.into_iter()
				.zip(grandpa)
				.map(|(aura, (grandpa, _weight))| {
					let account = AccountId::new(aura.clone().into_inner().0);
					(account, SessionKeys { aura, grandpa })
				})
				.collect(),
		)
	}
}

impl OnRuntimeUpgrade for SessionFromFixedAuthorities {
	fn on_runtime_upgrade() -> Weight {
		let weights = <Runtime as frame_system::Config>::DbWeight::get();
		let Some(validators) = Self::validators() else {
			return weights.reads(1);
		};
		let mut accounts: Vec<AccountId> = Vec::with_capacity(validators.len());
		for (account, keys) in &validators {
			pallet_session::NextKeys::<Runtime>::insert(account, keys);
			for id in <SessionKeys as OpaqueKeys>::key_ids() {
				let key = keys.get_raw(*id).to_vec();
				pallet_session::KeyOwner::<Runtime>::insert((*id, key), account);
			}
			// Set without a consumer reference or a deposit, as genesis keys are: purging them
			// later must not release what was never held.
			pallet_session::ExternallySetKeys::<Runtime>::insert(account, ());
			accounts.push(account.clone());
		}
		pallet_session::QueuedKeys::<Runtime>::put(validators.clone());
		pallet_session::Validators::<Runtime>::put(accounts.clone());
		accounts.sort();
		// Aura's authorities and the invulnerables have one bound (MAX_VALIDATORS): nothing is
		// cut.
		pallet_collator_selection::Invulnerables::<Runtime>::put(BoundedVec::truncate_from(
			accounts,
		));
		let n = validators.len() as u64;
		weights.reads(3).saturating_add(weights.writes(4 + n * 4))
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<Vec<u8>, TryRuntimeError> {
		use codec::Encode;
		Ok(Self::validators().map(|v| v.len() as u32).encode())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: Vec<u8>) -> Result<(), TryRuntimeError> {
		use codec::Decode;
		let migrated = Option::<u32>::decode(&mut &state[..])
			.map_err(|_| TryRuntimeError::Other("pre_upgrade state"))?;
		if let Some(n) = migrated {
			let validators = pallet_session::Validators::<Runtime>::get();
			frame_support::ensure!(validators.len() as u32 == n, "every authority is a validator");
			frame_support::ensure!(
				pallet_collator_selection::Invulnerables::<Runtime>::get().len() as u32 == n,
				"every validator is in the session manager's set"
			);
			for validator in &validators {
				frame_support::ensure!(
					pallet_session::NextKeys::<Runtime>::contains_key(validator),
					"every validator has its keys"
				);
			}
		}
		Ok(())
	}
}
