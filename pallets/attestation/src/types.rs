//! The records of the attestation pallet and the views its runtime API returns.

use crate::BalanceOf;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_did::Deposit;
use scale_info::TypeInfo;
use sp_core::{ed25519, H256};
use teeid_primitives::attestation::{Measurement, TeePlatform, WorkReportPayload, WorkerReport};

/// A TEE worker's identity on chain: its TEE's Ed25519 signing key.
pub type WorkerKey = ed25519::Public;

/// A device certifier's Ed25519 key, with which it signs the certificates of device keys.
pub type CertifierKey = ed25519::Public;

/// R as this runtime encodes it.
pub type WorkerReportOf<T> = WorkerReport<
	<T as frame_system::Config>::AccountId,
	BlockNumberFor<T>,
	<T as frame_system::Config>::Hash,
>;

/// A work report as this runtime encodes it.
pub type WorkReportOf<T> = WorkReportPayload<BlockNumberFor<T>, <T as frame_system::Config>::Hash>;

/// A deposit of this runtime.
pub type DepositOf<T> = Deposit<<T as frame_system::Config>::AccountId, BalanceOf<T>>;

/// A worker record of this runtime.
pub type WorkerOf<T> =
	WorkerInfo<<T as frame_system::Config>::AccountId, BlockNumberFor<T>, BalanceOf<T>>;

/// Whether a worker is still taking part.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum WorkerStatus {
	/// Reporting work; may endorse, and sign for the DIDs it is bound to.
	Active,
	/// Missed too many slots, from `since` on. A valid work report for the current slot (or,
	/// late, for the one before) makes it active again, as long as it is registered: a long
	/// stall of the chain's finality does not lose its workers.
	Inactive {
		/// The first slot in which the worker no longer counted.
		since: u32,
	},
}

/// A registered TEE worker.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct WorkerInfo<AccountId, BlockNumber, Balance> {
	/// The account that operates the worker; it paid the deposit.
	pub operator: AccountId,
	/// The TEE's X25519 key-agreement key.
	pub agreement_key: [u8; 32],
	/// The measurement of the TA the worker runs.
	pub measurement: Measurement,
	/// Where the TEE runs.
	pub platform: TeePlatform,
	/// The device certifier whose certificate of the TEE's device key the worker registered
	/// with. The worker counts only while this certifier is listed for `platform`.
	pub certifier: CertifierKey,
	/// The worker that endorsed it, or `None` if root bootstrapped it.
	pub endorser: Option<WorkerKey>,
	/// The blake2-256 hash of the registration: the quadruple, or R for a bootstrapped worker.
	pub registration: H256,
	/// The block of registration.
	pub registered: BlockNumber,
	/// Whether the worker is active.
	pub status: WorkerStatus,
	/// The last slot the worker reported on.
	pub last_report: Option<u32>,
	/// The first slot in which the worker is inactive unless it reports before.
	pub deadline: u32,
	/// How many credentials the worker's TEE says it has issued, as of its last report.
	pub issued_total: u64,
	/// How many credentials the worker's accepted work reports hold, all together.
	pub reported_total: u64,
	/// The deposit held from the operator.
	pub deposit: Deposit<AccountId, Balance>,
}

impl<AccountId, BlockNumber, Balance> WorkerInfo<AccountId, BlockNumber, Balance> {
	/// Whether the worker is active in `slot`: not marked inactive, and not past its deadline
	/// (the hook that marks workers inactive may lag, this never does).
	pub fn is_active(&self, slot: u32) -> bool {
		self.status == WorkerStatus::Active && slot < self.deadline
	}

	/// Whether anyone may unregister the worker in `slot`: it has been past its deadline for
	/// `stale_slots` slots.
	pub fn is_stale(&self, slot: u32, stale_slots: u32) -> bool {
		slot >= self.deadline.saturating_add(stale_slots)
	}

	/// Whether a work report with `count` credentials and the TEE's total `issued_total` is
	/// consistent with the reports before it: the total never goes back, and it covers every
	/// credential reported, this report's included. The TEE counts a credential when it signs
	/// it, and the worker batches it once its record is stored, so a credential signed while a
	/// slot's batch was sealed is in that slot's total and the next slot's count: a total may
	/// grow by less than one report's count, never fall short of all of them (the TA's own
	/// rule before it signs a report).
	pub fn covers_report(&self, count: u32, issued_total: u64) -> bool {
		issued_total >= self.issued_total
			&& issued_total >= self.reported_total.saturating_add(count.into())
	}

	/// Records a work report on `slot` of `count` credentials that brings the TEE's issued
	/// total to `issued_total`, and makes the worker active again if it was not; returns the
	/// new deadline.
	pub fn record_report(
		&mut self,
		slot: u32,
		count: u32,
		issued_total: u64,
		missed_slots: u32,
	) -> u32 {
		self.status = WorkerStatus::Active;
		self.last_report = Some(slot);
		self.issued_total = issued_total;
		self.reported_total = self.reported_total.saturating_add(count.into());
		self.deadline = deadline(slot, missed_slots);
		self.deadline
	}
}

/// The deadline of a worker last seen in `slot` that may miss `missed_slots` slots.
pub fn deadline(slot: u32, missed_slots: u32) -> u32 {
	slot.saturating_add(missed_slots).saturating_add(1)
}

/// A TA measurement that workers may run, until `expires`.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct AllowedCode<BlockNumber> {
	/// The TA's code measurement.
	pub measurement: Measurement,
	/// The first block in which the measurement is no longer allowed.
	pub expires: BlockNumber,
}

impl<BlockNumber: PartialOrd> AllowedCode<BlockNumber> {
	/// Whether the measurement is allowed in block `now`.
	pub fn is_valid_at(&self, now: &BlockNumber) -> bool {
		*now < self.expires
	}
}

/// The network key: an X25519 public key whose secret half only registered TEEs hold.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct NetworkKey {
	/// The public key, to which anyone encrypts for "any teeid TEE".
	pub public: [u8; 32],
	/// Its fingerprint, which reports carry.
	pub fingerprint: [u8; 32],
}

/// A TEE worker bound as a signer of a DID.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Binding<AccountId, BlockNumber, Balance> {
	/// The block the binding was made in.
	pub since: BlockNumber,
	/// The deposit held from whoever bound the worker.
	pub deposit: Deposit<AccountId, Balance>,
}

/// A binding of this runtime.
pub type BindingOf<T> =
	Binding<<T as frame_system::Config>::AccountId, BlockNumberFor<T>, BalanceOf<T>>;

/// A worker as the runtime API shows it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct WorkerView<AccountId, BlockNumber, Balance> {
	/// The stored record.
	pub info: WorkerInfo<AccountId, BlockNumber, Balance>,
	/// Whether the worker is active now.
	pub active: bool,
	/// Whether its code is on the allowlist and unexpired now.
	pub code_allowed: bool,
	/// Whether its device certifier is listed for its platform now.
	pub certified: bool,
}

/// A signer of a DID as the runtime API shows it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct SignerView<BlockNumber> {
	/// The worker.
	pub worker: WorkerKey,
	/// The DID key id the worker signs under.
	pub key_id: alloc::vec::Vec<u8>,
	/// The block it was bound in.
	pub since: BlockNumber,
	/// Whether the binding counts now (the worker is active, runs allowed code on an accepted
	/// platform, and its device certifier is listed).
	pub counts: bool,
}

#[cfg(test)]
mod tests {
	use super::*;

	fn worker(deadline: u32) -> WorkerInfo<u64, u64, u64> {
		WorkerInfo {
			operator: 1,
			agreement_key: [0; 32],
			measurement: [0; 32],
			platform: TeePlatform::Simulated,
			certifier: ed25519::Public::from_raw([2; 32]),
			endorser: None,
			registration: H256::zero(),
			registered: 1,
			status: WorkerStatus::Active,
			last_report: None,
			deadline,
			issued_total: 0,
			reported_total: 0,
			deposit: Deposit { owner: 1, amount: 0 },
		}
	}

	#[test]
	fn activity_follows_the_deadline_works() {
		let mut w = worker(deadline(5, 2));
		assert!(w.is_active(7));
		assert!(!w.is_active(8));
		assert_eq!(w.record_report(7, 1, 3, 2), 10);
		assert_eq!((w.issued_total, w.reported_total), (3, 1));
		assert!(w.is_active(9));
		w.status = WorkerStatus::Inactive { since: 9 };
		assert!(!w.is_active(9));
	}

	#[test]
	fn a_report_makes_an_inactive_worker_active_again_works() {
		let mut w = worker(3);
		w.status = WorkerStatus::Inactive { since: 3 };
		assert!(!w.is_active(4));
		assert_eq!(w.record_report(4, 0, 0, 2), 7);
		assert_eq!(w.status, WorkerStatus::Active);
		assert!(w.is_active(6));
		assert!(!w.is_active(7));
	}

	#[test]
	fn staleness_counts_from_the_deadline_works() {
		let w = worker(10);
		assert!(!w.is_stale(12, 3));
		assert!(w.is_stale(13, 3));
		assert!(worker(u32::MAX).is_stale(u32::MAX, 0));
	}
}
