//! Invariants of the attestation pallet, checked by try-runtime and after every test.

use crate::{
	BindingRequests, Bindings, Config, Deadlines, DeviceCertifiers, OperatorWorker, Signers,
	SignsFor, UsedKeys, WorkerStatus, Workers,
};
use frame_support::{ensure, traits::Get};
use sp_runtime::TryRuntimeError;

/// Every worker's key is marked used, its operator has a current worker, and an active worker
/// waits under its deadline; every deadline entry is its worker's deadline. Each binding is
/// listed on both sides and only on both sides, and the DID-side lists have no duplicates. A
/// binding request is never also a binding. The device certifiers are counted right and no
/// more than `MaxDeviceCertifiers`.
pub fn do_try_state<T: Config>() -> Result<(), TryRuntimeError> {
	for (key, worker) in Workers::<T>::iter() {
		ensure!(UsedKeys::<T>::contains_key(key), "a worker whose key is not marked used");
		ensure!(
			worker.reported_total <= worker.issued_total,
			"a worker's reports hold more credentials than its TEE counted"
		);
		ensure!(
			OperatorWorker::<T>::get(&worker.operator).is_some(),
			"a worker whose operator has no current worker"
		);
		if worker.status == WorkerStatus::Active {
			ensure!(
				Deadlines::<T>::contains_key(worker.deadline, key),
				"an active worker missing from its deadline slot"
			);
		}
	}
	for (_, key) in OperatorWorker::<T>::iter() {
		ensure!(Workers::<T>::contains_key(key), "an operator's worker does not exist");
	}
	for (did, signers) in Signers::<T>::iter() {
		ensure!(!signers.is_empty(), "an empty signer list is stored");
		for (i, worker) in signers.iter().enumerate() {
			ensure!(!signers[i + 1..].contains(worker), "a signer listed twice");
			ensure!(Bindings::<T>::contains_key(&did, worker), "a signer without a binding");
			ensure!(
				SignsFor::<T>::contains_key(worker, &did),
				"a binding missing on the worker side"
			);
		}
	}
	for (worker, did, ()) in SignsFor::<T>::iter() {
		ensure!(Bindings::<T>::contains_key(&did, worker), "a bound DID without a binding");
	}
	for (slot, key, ()) in Deadlines::<T>::iter() {
		ensure!(
			Workers::<T>::get(key).is_some_and(|w| w.deadline == slot),
			"a deadline entry of no worker, or not the worker's deadline"
		);
	}
	for (did, worker, _) in BindingRequests::<T>::iter() {
		ensure!(!Bindings::<T>::contains_key(&did, worker), "a request for a binding that exists");
	}
	for (did, worker, _) in Bindings::<T>::iter() {
		ensure!(Signers::<T>::get(&did).contains(&worker), "a binding missing on the DID side");
	}
	let certifiers = DeviceCertifiers::<T>::count();
	ensure!(
		certifiers as usize == DeviceCertifiers::<T>::iter_keys().count(),
		"the device certifiers' counter is wrong"
	);
	ensure!(
		certifiers <= T::MaxDeviceCertifiers::get(),
		"more device certifiers than MaxDeviceCertifiers"
	);
	Ok(())
}
