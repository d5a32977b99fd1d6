//! Invariants of the evidence pallet, checked by try-runtime and after every test.

use crate::{Batches, Config, Evidences, ExtraKeys, Signers};
use frame_support::ensure;
use sp_runtime::TryRuntimeError;

/// Every evidence's creator signed it and its signer count is the number of its signer
/// records; no signer record belongs to no evidence; no signer has a log later than the
/// evidence's last change; an evidence's last change is not before its creation. Every extra
/// key names an evidence that the key's writer signed. Every batch has leaves.
pub fn do_try_state<T: Config>() -> Result<(), TryRuntimeError> {
	for (hash, evidence) in Evidences::<T>::iter() {
		ensure!(evidence.link.changed >= evidence.created, "changed precedes created");
		ensure!(Signers::<T>::contains_key(hash, &evidence.creator), "a creator that did not sign");
		let mut signers = 0u32;
		for (_, signer) in Signers::<T>::iter_prefix(hash) {
			signers += 1;
			ensure!(
				signer.last_log.is_some() == (signer.logs > 0)
					&& signer.last_log.is_none_or(|block| block <= evidence.link.changed),
				"a signer's log counter and last block disagree"
			);
		}
		ensure!(signers == evidence.signers, "a signer count that is not the signers' number");
	}
	for (hash, _, _) in Signers::<T>::iter() {
		ensure!(Evidences::<T>::contains_key(hash), "a signer of no evidence");
	}
	for (by, _, record) in ExtraKeys::<T>::iter() {
		ensure!(
			Signers::<T>::contains_key(record.hash, &by),
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
