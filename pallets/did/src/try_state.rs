//! Invariants of the DID registry, checked by try-runtime and after every test.

use crate::{Config, Dids, HoldReason, Relationship};
use frame_support::{ensure, traits::fungible::InspectHold};
use sp_runtime::TryRuntimeError;

/// Every active DID has an authentication key and unique key and service ids; a deactivated
/// DID keeps nothing and holds no deposit; `changed` never precedes `created`; the held
/// deposit is what the record requires.
pub fn do_try_state<T: Config>() -> Result<(), TryRuntimeError>
where
	T::Currency: InspectHold<T::AccountId>,
{
	for (_, details) in Dids::<T>::iter() {
		ensure!(details.link.changed >= details.created, "changed precedes created");
		ensure!(details.deposit.amount == details.required_deposit(), "deposit out of date");
		if details.deactivated {
			ensure!(
				details.keys.is_empty()
					&& details.services.is_empty()
					&& details.delegates.is_empty(),
				"a deactivated DID keeps state"
			);
			continue;
		}
		ensure!(
			details.keys.iter().any(|k| k.relationships.contains(Relationship::Authentication)),
			"an active DID without an authentication key"
		);
		for (i, key) in details.keys.iter().enumerate() {
			ensure!(key.relationships.fit(&key.public), "a key with unfitting relationships");
			ensure!(details.keys[i + 1..].iter().all(|k| k.id != key.id), "duplicate key id");
		}
		for (i, service) in details.services.iter().enumerate() {
			ensure!(
				details.services[i + 1..].iter().all(|s| s.id != service.id),
				"duplicate service id"
			);
		}
		let held = <T::Currency as InspectHold<_>>::balance_on_hold(
			&HoldReason::DidDeposit.into(),
			&details.deposit.owner,
		);
		ensure!(held >= details.deposit.amount, "deposit not held");
	}
	Ok(())
}
