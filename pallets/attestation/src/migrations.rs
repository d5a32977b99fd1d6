//! Storage migrations of the attestation pallet.

use crate::{Config, Pallet, WorkerInfo, WorkerStatus, Workers};
use codec::{Decode, Encode};
use core::marker::PhantomData;
use frame_support::{
	migrations::VersionedMigration,
	traits::{Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
};
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_did::Deposit;
use sp_core::H256;
use teeid_primitives::attestation::{Measurement, TeePlatform};

#[cfg(feature = "try-runtime")]
use alloc::vec::Vec;

/// Storage version 4: a worker keeps how many credentials its accepted reports hold
/// (`reported_total`), against which a report's total is checked.
pub mod v4 {
	use super::*;
	use crate::{BalanceOf, CertifierKey, WorkerKey};

	/// A worker as storage version 3 keeps it: without `reported_total`.
	#[derive(Encode, Decode)]
	pub struct WorkerInfoV3<AccountId, BlockNumber, Balance> {
		pub operator: AccountId,
		pub agreement_key: [u8; 32],
		pub measurement: Measurement,
		pub platform: TeePlatform,
		pub certifier: CertifierKey,
		pub endorser: Option<WorkerKey>,
		pub registration: H256,
		pub registered: BlockNumber,
		pub status: WorkerStatus,
		pub last_report: Option<u32>,
		pub deadline: u32,
		pub issued_total: u64,
		pub deposit: Deposit<AccountId, Balance>,
	}

	impl<AccountId, BlockNumber, Balance> WorkerInfoV3<AccountId, BlockNumber, Balance> {
		/// The worker in version 4. Its reports so far are taken to hold everything its TEE
		/// had counted (`reported_total = issued_total`): the check the chain made until now
		/// (each total grew by at least its report's count) allowed no more, and its next
		/// report is checked as it would have been.
		pub fn into_v4(self) -> WorkerInfo<AccountId, BlockNumber, Balance> {
			WorkerInfo {
				operator: self.operator,
				agreement_key: self.agreement_key,
				measurement: self.measurement,
				platform: self.platform,
				certifier: self.certifier,
				endorser: self.endorser,
				registration: self.registration,
				registered: self.registered,
				status: self.status,
				last_report: self.last_report,
				deadline: self.deadline,
				issued_total: self.issued_total,
				reported_total: self.issued_total,
				deposit: self.deposit,
			}
		}
	}

	/// Rewrites every worker with `reported_total`. One read and one write per worker, in the
	/// upgrade's block: registration takes a deposit, so a network has few enough workers for
	/// one block (a consortium's dozens, not thousands).
	pub struct InnerMigrateV3ToV4<T>(PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV3ToV4<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut workers = 0u64;
			Workers::<T>::translate::<WorkerInfoV3<T::AccountId, BlockNumberFor<T>, BalanceOf<T>>, _>(
				|_, old| {
					workers += 1;
					Some(old.into_v4())
				},
			);
			T::DbWeight::get().reads_writes(workers, workers)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
			Ok((Workers::<T>::iter_keys().count() as u64).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let before = u64::decode(&mut &state[..])
				.map_err(|_| sp_runtime::TryRuntimeError::Other("pre_upgrade state"))?;
			let mut after = 0u64;
			for (_, worker) in Workers::<T>::iter() {
				frame_support::ensure!(
					worker.reported_total == worker.issued_total,
					"a migrated worker's reports do not hold its total"
				);
				after += 1;
			}
			frame_support::ensure!(after == before, "workers lost in the migration");
			Ok(())
		}
	}

	/// The migration from storage version 3 to 4, run once: it sets the version to 4, and does
	/// nothing on a chain at another version.
	pub type MigrateV3ToV4<T> = VersionedMigration<
		3,
		4,
		InnerMigrateV3ToV4<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}
