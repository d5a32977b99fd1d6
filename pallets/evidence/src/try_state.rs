//! Invariants of the evidence pallet, checked by try-runtime and after every test.

use crate::{Batches, Config, Evidences, ExtraKeys};
use frame_support::ensure;
use sp_runtime::TryRuntimeError;

/// Every evidence has at least one signer and unique signers, none with a log later than the
/// evidence's last change; its last change is not before its creation. Every extra key names
/// an evidence that the key's writer signed. Every batch has leaves.
pub fn do_try_state<T: Config>() -> Result<(), TryRuntimeError> {
	for (_, evidence) in Evidences::<T>::iter() {
		ensure!(!evidence.signers.is_empty(), "an evidence without signers");
		ensure!(evidence.link.changed >= evidence.created, "changed precedes created");
		for (i, signer) in evidence.signers.iter().enumerate() {
			ensure!(
				evidence.signers[i + 1..].iter().all(|s| s.did != signer.did),
				"a signer listed twice"
			);
			ensure!(
				signer.last_log.is_some() == (signer.logs > 0)
					&& signer.last_log.is_none_or(|block| block <= evidence.link.changed),
				"a signer's log counter and last block disagree"
			);
		}
	}
	for (by, _, record) in ExtraKeys::<T>::iter() {
		ensure!(
			Evidences::<T>::get(record.hash).is_some_and(|e| e.signer(&by).is_some()),
			"an extra key of no evidence its writer signed"
		);
	}
	for (_, _, batch) in Batches::<T>::iter() {
		ensure!(
			batch.leaves > 0 && batch.leaves <= teeid_primitives::merkle::MAX_LEAVES,
			"a batch with no leaves or too many"
		);
	}
	Ok(())
}
