//! # Attestation Pallet
//!
//! Which TEE workers take part in teeid, what code they run, whether they are alive, and for
//! which DIDs they sign.
//!
//! ## Overview
//!
//! **Joining.** A worker M joins with the quadruple {R, Sig_M(R), Sig_V(R), Sig_M(Sig_V(R))}
//! (Crust's MPoW; types in [`teeid_primitives::attestation`]). R carries M's TEE keys, code
//! measurement, platform, operator and network-key fingerprint, anchored at a recent block of
//! this chain, with platform evidence in the shape of OP-TEE's attestation PTA bound to it.
//! The operator submits the quadruple; the chain checks the anchor (fresh, canonical, this
//! genesis), the platform (`Simulated` only while the simulation flag is on), the code (on the
//! allowlist, unexpired), the key (never registered before), the device certificate (of the
//! evidence's device key, for M's platform and this chain, by a certifier listed for that
//! platform), the evidence (device signature over the report's nonce and measurement), the
//! network key, the certifier's signature and all three Ed25519 signatures of the quadruple.
//! V is exactly one endorser: a worker other than M that counts, on M's platform with M's
//! measurement (so a simulated worker never vouches for hardware). The first worker of a chain
//! has nobody to endorse it: root bootstraps it and records the network public key its TEE
//! generated.
//!
//! **Device certifiers.** OP-TEE's attestation key carries no manufacturer certificate, so
//! evidence alone proves nothing: any host can make up a device key. The network names its
//! own device certifiers (the operators' provisioning authorities), each for one platform;
//! root lists and removes them. A worker registers only with a certificate of its device key
//! by a listed certifier, and counts only while that certifier stays listed for its platform:
//! removing a certifier is the remedy for a compromised one, as disallowing code is for bad
//! code.
//!
//! **Re-registration.** A TEE that restarts has new keys and registers again; the new worker
//! supersedes the operator's previous one, whose bindings end.
//!
//! **Code allowlist.** Root allows a measurement until an expiry block; anyone removes expired
//! ones. A worker whose code is not allowed can neither report nor endorse, and its signer
//! bindings stop counting.
//!
//! **Counting.** A worker counts (endorses, reports, signs for the DIDs bound to it) while it
//! is active, runs allowed code on an accepted platform, and its device certifier is listed for
//! its platform; [`Pallet::counts`] decides it, on every read.
//!
//! **Work reports.** Time is cut into slots of `SlotLength` blocks. Once per slot the worker's
//! TEE signs the slot, the hash of its first block, the Merkle root and count of credentials
//! it issued in the slot and its running total; a report is accepted during its slot and the
//! next. A worker that misses `MissedSlots` slots in a row is inactive: the check is made on
//! every read, and an `on_initialize` hook marks such workers inactive (and emits the event)
//! with at most `MaxExpiriesPerBlock` steps per block. An inactive worker that is still
//! registered becomes active again with a valid report for the current slot (or, late, the
//! one before), so a stall of the chain's finality does not end the network. `StaleSlots`
//! after its deadline anyone may unregister it and free its storage.
//!
//! **Signer binding.** A DID's controller binds a worker that counts as a signer of the DID,
//! with the consent of the worker's operator: a controller that operates the worker binds it at
//! once, any other controller requests the binding and the operator accepts it (an operator
//! answers for what its TEE signs, so nobody makes a worker sign for a DID its operator never
//! agreed to). Once bound, the worker's TEE key counts as an `assertionMethod` key of the DID in
//! the DID registry, under the key id `tee-<hex key>`, until unbound, superseded or
//! unregistered, and only while the worker counts. Bindings are recorded in the DID's
//! linked-event history too.
//!
//! Deposits are held for every worker, binding request and binding (with the shared mechanism
//! of [`pallet_did::deposit`]), and released when they are removed.
//!
//! ## Interface
//!
//! ### Dispatchable functions
//!
//! - `bootstrap_worker` (root): register a worker without endorsement, recording the network
//!   key.
//! - `register_worker`: register a worker by endorsed quadruple.
//! - `submit_work_report`: a worker's TEE reports a slot (any account relays).
//! - `unregister_worker`: the operator removes its worker, or anyone a stale one.
//! - `allow_code`, `disallow_code` (root), `clear_expired_code` (anyone): the code allowlist.
//! - `set_simulation` (root): whether `Simulated` platforms may register.
//! - `add_device_certifier`, `remove_device_certifier` (root): the device certifiers.
//! - `bind_signer` (the DID's controller), `accept_signer` (the worker's operator),
//!   `unbind_signer`: TEE signers of DIDs.
//!
//! ### Runtime API
//!
//! [`runtime_api::AttestationApi`]: workers and their status, the allowlist, the device
//! certifiers, the network key, the signers of a DID, pending binding requests and the DIDs a
//! worker signs for (a page at a time).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod migrations;
#[cfg(test)]
mod mock;
pub mod runtime_api;
#[cfg(test)]
mod tests;
#[cfg(any(feature = "try-runtime", test))]
mod try_state;
pub mod types;
pub mod weights;

use alloc::{boxed::Box, vec::Vec};
use frame_support::{
	pallet_prelude::*,
	traits::fungible::{Mutate, MutateHold},
};
use frame_system::pallet_prelude::*;
use pallet_did::{deposit::DepositError, ActingDid, BoundSigners, DidInspect, SignerHistory};
use sp_core::{ed25519, H256};
use sp_runtime::traits::{SaturatedConversion, Saturating, Verify, Zero};
use teeid_primitives::{
	attestation::{network_key_fingerprint, tee_key_id, EvidenceError, Measurement, TeePlatform},
	merkle::MAX_LEAVES,
	signing::{Anchor, SigningDomain},
};

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

/// The most DIDs one call of `AttestationApi::signs_for` returns.
pub const MAX_SIGNS_FOR_PAGE: u32 = 256;

/// The balance type of the currency deposits are held in.
pub type BalanceOf<T> = <<T as Config>::Currency as frame_support::traits::fungible::Inspect<
	<T as frame_system::Config>::AccountId,
>>::Balance;

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(4);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// The pallet's configuration.
	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The overarching event type.
		#[allow(deprecated)]
		type RuntimeEvent: From<Event<Self>> + IsType<<Self as frame_system::Config>::RuntimeEvent>;

		/// The DID registry: who controls a DID, and where binding changes are recorded
		/// (`ActingDid` provides DIDs to benchmarks).
		type Dids: DidInspect<Self::AccountId>
			+ SignerHistory<Self::AccountId>
			+ ActingDid<OriginFor<Self>, Self::AccountId>;

		/// Who manages the code allowlist, the simulation flag and the device certifiers, and
		/// bootstraps workers.
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The currency that deposits are held in.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ Mutate<Self::AccountId>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// The deposit held from an operator for each registered worker.
		#[pallet::constant]
		type WorkerDeposit: Get<BalanceOf<Self>>;

		/// The deposit held for each signer binding (and binding request) from the DID's
		/// controller that asked for it.
		#[pallet::constant]
		type BindingDeposit: Get<BalanceOf<Self>>;

		/// How many blocks old a report's anchor may be.
		#[pallet::constant]
		type ReportValidity: Get<BlockNumberFor<Self>>;

		/// The length of a work-report slot, in blocks.
		#[pallet::constant]
		type SlotLength: Get<BlockNumberFor<Self>>;

		/// How many slots in a row a worker may miss and stay active.
		#[pallet::constant]
		type MissedSlots: Get<u32>;

		/// How many slots after becoming inactive a worker may be unregistered by anyone.
		#[pallet::constant]
		type StaleSlots: Get<u32>;

		/// The most measurements on the allowlist.
		#[pallet::constant]
		type MaxAllowedCode: Get<u32>;

		/// The most workers bound to one DID.
		#[pallet::constant]
		type MaxSignersPerDid: Get<u32>;

		/// The most expiry steps (a worker marked inactive, or a slot passed) per block.
		#[pallet::constant]
		type MaxExpiriesPerBlock: Get<u32>;

		/// The most device certifiers listed at once.
		#[pallet::constant]
		type MaxDeviceCertifiers: Get<u32>;

		/// Weights of this pallet's calls and hook.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit for a worker record.
		WorkerDeposit,
		/// The deposit for a signer binding.
		BindingDeposit,
	}

	/// The registered workers, by TEE signing key.
	#[pallet::storage]
	pub type Workers<T: Config> = StorageMap<_, Blake2_128Concat, WorkerKey, WorkerOf<T>>;

	/// Each operator's current worker.
	#[pallet::storage]
	pub type OperatorWorker<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, WorkerKey>;

	/// Every TEE key ever registered, with the block it was registered in: a key registers
	/// once, so a quadruple can never be replayed.
	#[pallet::storage]
	pub type UsedKeys<T: Config> = StorageMap<_, Blake2_128Concat, WorkerKey, BlockNumberFor<T>>;

	/// The TA measurements workers may run.
	#[pallet::storage]
	pub type CodeAllowlist<T: Config> =
		StorageValue<_, BoundedVec<AllowedCode<BlockNumberFor<T>>, T::MaxAllowedCode>, ValueQuery>;

	/// Whether workers on the `Simulated` platform may register.
	#[pallet::storage]
	pub type SimulationEnabled<T: Config> = StorageValue<_, bool, ValueQuery>;

	/// The device certifiers, each with the one platform whose devices it certifies. At most
	/// `MaxDeviceCertifiers`.
	#[pallet::storage]
	pub type DeviceCertifiers<T: Config> =
		CountedStorageMap<_, Blake2_128Concat, CertifierKey, TeePlatform>;

	/// The network key, recorded when root bootstraps the first worker.
	#[pallet::storage]
	pub type NetworkPublicKey<T: Config> = StorageValue<_, NetworkKey>;

	/// Workers by the slot in which they become inactive unless they report: what the hook
	/// walks.
	#[pallet::storage]
	pub type Deadlines<T: Config> =
		StorageDoubleMap<_, Twox64Concat, u32, Blake2_128Concat, WorkerKey, ()>;

	/// The next deadline slot the hook looks at.
	#[pallet::storage]
	pub type ExpiryCursor<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// The workers bound to each DID.
	#[pallet::storage]
	pub type Signers<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<WorkerKey, T::MaxSignersPerDid>,
		ValueQuery,
	>;

	/// The DIDs each worker is bound to. Not bounded per worker: every binding holds its
	/// binder's deposit, and removing a worker does not walk them (they stop counting at once,
	/// and anyone may clear them).
	#[pallet::storage]
	pub type SignsFor<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, WorkerKey, Blake2_128Concat, T::AccountId, ()>;

	/// Binding requests a DID's controller made that the worker's operator has not accepted
	/// yet, by DID and worker, with the deposit held from the controller.
	#[pallet::storage]
	pub type BindingRequests<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		WorkerKey,
		DepositOf<T>,
	>;

	/// The bindings, by DID and worker.
	#[pallet::storage]
	pub type Bindings<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		WorkerKey,
		BindingOf<T>,
	>;

	/// The genesis state: the code allowlist, the simulation flag and the device certifiers.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Allowed measurements and the block each expires in.
		pub allowed_code: Vec<(Measurement, BlockNumberFor<T>)>,
		/// Whether `Simulated` platforms may register.
		pub simulation: bool,
		/// The device certifiers and the platform each certifies.
		pub device_certifiers: Vec<(CertifierKey, TeePlatform)>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			let allowlist: Vec<_> = self
				.allowed_code
				.iter()
				.map(|(measurement, expires)| AllowedCode {
					measurement: *measurement,
					expires: *expires,
				})
				.collect();
			let allowlist: BoundedVec<_, T::MaxAllowedCode> =
				allowlist.try_into().expect("the genesis allowlist fits MaxAllowedCode");
			CodeAllowlist::<T>::put(allowlist);
			SimulationEnabled::<T>::put(self.simulation);
			for (certifier, platform) in &self.device_certifiers {
				DeviceCertifiers::<T>::insert(certifier, platform);
			}
			assert!(
				DeviceCertifiers::<T>::count() <= T::MaxDeviceCertifiers::get(),
				"the genesis device certifiers fit MaxDeviceCertifiers"
			);
		}
	}

	/// The pallet's events.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A worker registered; `endorser` is `None` for a worker root bootstrapped.
		WorkerRegistered {
			worker: WorkerKey,
			operator: T::AccountId,
			platform: TeePlatform,
			measurement: Measurement,
			endorser: Option<WorkerKey>,
			registration: H256,
		},
		/// Root recorded the network key.
		NetworkKeySet { public: [u8; 32], fingerprint: [u8; 32] },
		/// An operator's new worker replaced its previous one, whose bindings ended.
		WorkerSuperseded { old: WorkerKey, new: WorkerKey },
		/// A worker missed too many slots.
		WorkerInactive { worker: WorkerKey, since: u32 },
		/// A worker was removed by `by`, or by the admin origin (`None`).
		WorkerUnregistered { worker: WorkerKey, by: Option<T::AccountId> },
		/// A worker reported a slot.
		WorkReported {
			worker: WorkerKey,
			slot: u32,
			credentials_root: H256,
			credentials_count: u32,
			issued_total: u64,
		},
		/// A measurement was allowed until block `expires` (added, or its expiry changed).
		CodeAllowed { measurement: Measurement, expires: BlockNumberFor<T> },
		/// Root removed a measurement.
		CodeDisallowed { measurement: Measurement },
		/// An expired measurement was cleared.
		CodeExpired { measurement: Measurement },
		/// The simulation flag changed.
		SimulationSet { enabled: bool },
		/// A DID's controller asked that a worker sign for the DID; its operator has to accept.
		SignerRequested { did: T::AccountId, worker: WorkerKey, by: T::AccountId },
		/// A binding request was withdrawn or refused, by `by`.
		SignerRequestWithdrawn { did: T::AccountId, worker: WorkerKey, by: T::AccountId },
		/// A worker was bound as a signer of a DID, at the request of `by` (the DID's
		/// controller).
		SignerBound { did: T::AccountId, worker: WorkerKey, by: T::AccountId },
		/// A worker's binding to a DID ended.
		SignerUnbound { did: T::AccountId, worker: WorkerKey },
		/// Root listed a device certifier for `platform` (added, or its platform changed).
		DeviceCertifierAdded { certifier: CertifierKey, platform: TeePlatform },
		/// Root removed a device certifier: the workers it certified no longer count.
		DeviceCertifierRemoved { certifier: CertifierKey },
		/// An inactive worker reported `slot` and is active again.
		WorkerReactivated { worker: WorkerKey, slot: u32 },
	}

	/// The pallet's errors.
	#[pallet::error]
	pub enum Error<T> {
		/// The report names another operator than the account submitting it.
		WrongOperator,
		/// A payload was signed for another purpose (its domain is wrong).
		WrongDomain,
		/// A payload was made for another chain.
		WrongChain,
		/// A report is not anchored at a block.
		NotBlockAnchored,
		/// A report's anchor block is older than `ReportValidity`, or not yet final here.
		StaleAnchor,
		/// A report's anchor block is not a block of this chain.
		UnknownAnchor,
		/// `Simulated` platforms may not register while the simulation flag is off.
		SimulationDisabled,
		/// The measurement is not on the allowlist, or has expired.
		CodeNotAllowed,
		/// This TEE key was registered before.
		KeyAlreadyUsed,
		/// The evidence's device key is not an RSA key of 2048 to 4096 bits.
		BadDeviceKey,
		/// The evidence measures other code than the report claims.
		EvidenceMeasurementMismatch,
		/// The evidence was made for another report.
		EvidenceNonceMismatch,
		/// The evidence's device signature does not verify.
		BadEvidenceSignature,
		/// Sig_M(R) does not verify.
		BadReportSignature,
		/// No network key is recorded: root must bootstrap the first worker.
		NotBootstrapped,
		/// The report's network key is not this chain's.
		NetworkKeyMismatch,
		/// A worker cannot endorse itself.
		SelfEndorsement,
		/// The endorser is not a registered worker.
		UnknownEndorser,
		/// The endorser is inactive.
		EndorserInactive,
		/// The endorser's code is no longer allowed.
		EndorserCodeNotAllowed,
		/// The endorser runs on the `Simulated` platform and the simulation flag is off.
		EndorserSimulated,
		/// The endorser runs on another platform than the joining worker.
		EndorserPlatformMismatch,
		/// The endorser runs other code than the joining worker.
		EndorserMeasurementMismatch,
		/// Sig_V(R) does not verify.
		BadEndorsement,
		/// Sig_M(Sig_V(R)) does not verify.
		BadCountersignature,
		/// The account cannot pay the deposit.
		InsufficientDeposit,
		/// No such worker.
		UnknownWorker,
		/// The worker is inactive.
		WorkerInactive,
		/// The worker's code is no longer allowed.
		WorkerCodeNotAllowed,
		/// The worker runs on the `Simulated` platform and the simulation flag is off.
		WorkerSimulated,
		/// A work report's anchor is not the first block of its slot.
		WrongSlotBlock,
		/// A slot's report came after the slot that follows it ended.
		ReportTooLate,
		/// A report names a slot before the worker registered.
		SlotBeforeRegistration,
		/// The worker already reported this slot, or a later one.
		AlreadyReported,
		/// The issued total went back, or does not cover every credential the worker's reports
		/// hold, this one's included.
		InconsistentTotal,
		/// The credentials root and count disagree (a root without credentials, or too many).
		InconsistentBatch,
		/// The work report's signature does not verify.
		BadWorkReportSignature,
		/// The worker is not stale yet; only its operator may remove it.
		NotStale,
		/// The account may not do this.
		NotAuthorized,
		/// The allowlist is full.
		TooMuchCode,
		/// The expiry is not after the current block.
		InvalidExpiry,
		/// The measurement is not on the allowlist.
		UnknownCode,
		/// The measurement has not expired yet.
		CodeNotExpired,
		/// The DID does not exist or is deactivated.
		DidNotActive,
		/// Only the DID's controller may bind signers to it.
		NotController,
		/// The worker is already bound to the DID, or its binding is requested already.
		AlreadyBound,
		/// No binding of the worker to the DID was requested.
		NotRequested,
		/// Only the worker's operator may accept a binding to it.
		NotOperator,
		/// The worker is not bound to the DID.
		NotBound,
		/// The DID has as many signers as allowed.
		TooManySigners,
		/// As many device certifiers are listed as allowed.
		TooManyDeviceCertifiers,
		/// The key is not a listed device certifier.
		UnknownDeviceCertifier,
		/// The report's device certificate is by a certifier not listed for the report's
		/// platform.
		UncertifiedDevice,
		/// The device certificate is not for the evidence's device key, the report's platform
		/// and this chain.
		BadDeviceCertificate,
		/// The device certificate's signature does not verify.
		BadCertificateSignature,
		/// The endorser's device certifier is no longer listed for its platform.
		EndorserUncertified,
		/// The worker's device certifier is no longer listed for its platform.
		WorkerUncertified,
	}

	impl<T> From<EvidenceError> for Error<T> {
		fn from(error: EvidenceError) -> Self {
			match error {
				EvidenceError::BadDeviceKey => Error::BadDeviceKey,
				EvidenceError::MeasurementMismatch => Error::EvidenceMeasurementMismatch,
				EvidenceError::NonceMismatch => Error::EvidenceNonceMismatch,
				EvidenceError::BadSignature => Error::BadEvidenceSignature,
				EvidenceError::CertificateMismatch => Error::BadDeviceCertificate,
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let steps = Self::expire_workers(Self::slot_of(now), T::MaxExpiriesPerBlock::get());
			T::WeightInfo::on_initialize(steps)
		}

		fn integrity_test() {
			assert!(!T::SlotLength::get().is_zero(), "SlotLength must not be zero");
			assert!(
				T::ReportValidity::get() < T::BlockHashCount::get(),
				"reports must be anchored within the block hashes frame-system keeps"
			);
			assert!(T::MaxExpiriesPerBlock::get() > 0, "the hook must make progress");
			// A report in the slot after its own sets the deadline `slot + MissedSlots + 1`:
			// with no missed slot allowed that would be the current slot, which the hook may
			// have walked past already, and the entry would never be expired.
			assert!(T::MissedSlots::get() > 0, "a late report must leave a deadline ahead");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			crate::try_state::do_try_state::<T>()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers a worker without endorsement: the first worker of a chain, whose TEE
		/// generated the network key `network_key`, or a worker root trusts when no other is
		/// left. Every check of `register_worker` on R (its device certificate included) and
		/// Sig_M(R) applies. If a network key is recorded, `network_key` must be it; otherwise it
		/// is recorded.
		///
		/// Emits `WorkerRegistered`, `WorkerSuperseded` if the operator had a worker, and
		/// `NetworkKeySet` if no network key was recorded.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::bootstrap_worker())]
		pub fn bootstrap_worker(
			origin: OriginFor<T>,
			report: Box<WorkerReportOf<T>>,
			signature: ed25519::Signature,
			network_key: [u8; 32],
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::check_report(&report)?;
			let fingerprint = network_key_fingerprint(&network_key);
			ensure!(report.payload.body.network_key == fingerprint, Error::<T>::NetworkKeyMismatch);
			let recorded = NetworkPublicKey::<T>::get();
			if let Some(recorded) = &recorded {
				ensure!(recorded.public == network_key, Error::<T>::NetworkKeyMismatch);
			}

			Self::verify_report(&report, &signature)?;

			Self::register(&report, None, H256(report.hash()))?;
			if recorded.is_none() {
				NetworkPublicKey::<T>::put(NetworkKey { public: network_key, fingerprint });
				Self::deposit_event(Event::NetworkKeySet { public: network_key, fingerprint });
			}
			Ok(())
		}

		/// Registers worker M by the quadruple {R, Sig_M(R), Sig_V(R), Sig_M(Sig_V(R))},
		/// submitted by the operator R names. R carries a certificate of its evidence's device
		/// key, for M's platform and this chain, by a device certifier listed for that platform.
		/// `endorser` is V, a worker other than M that counts (active, allowed code, not
		/// simulated while the simulation flag is off, its certifier listed), on the same
		/// platform and with the same measurement as M. Supersedes the operator's previous
		/// worker.
		///
		/// Emits `WorkerRegistered`, and `WorkerSuperseded` if the operator had a worker.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::register_worker())]
		pub fn register_worker(
			origin: OriginFor<T>,
			report: Box<WorkerReportOf<T>>,
			report_signature: ed25519::Signature,
			endorser: WorkerKey,
			endorsement: ed25519::Signature,
			countersignature: ed25519::Signature,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(report.payload.body.operator == who, Error::<T>::WrongOperator);
			Self::check_report(&report)?;
			let network = NetworkPublicKey::<T>::get().ok_or(Error::<T>::NotBootstrapped)?;
			ensure!(
				report.payload.body.network_key == network.fingerprint,
				Error::<T>::NetworkKeyMismatch
			);

			let joining = report.payload.body.signing_key;
			ensure!(endorser != joining, Error::<T>::SelfEndorsement);
			let v = Workers::<T>::get(endorser).ok_or(Error::<T>::UnknownEndorser)?;
			Self::check_counts(&v).map_err(NotCounting::endorser_error::<T>)?;
			// The endorser's TA hands the network key only to a TEE of its own code and
			// platform; the chain requires the same, so that a simulated worker (whose keys its
			// operator holds in files) cannot vouch for a made-up hardware report that would
			// keep counting after the simulation flag is turned off.
			ensure!(
				v.platform == report.payload.body.platform,
				Error::<T>::EndorserPlatformMismatch
			);
			ensure!(
				v.measurement == report.payload.body.measurement,
				Error::<T>::EndorserMeasurementMismatch
			);

			// Every check that costs a signature verification comes last.
			Self::verify_report(&report, &report_signature)?;
			let endorsed = report.endorsement(endorser).signing_bytes();
			ensure!(endorsement.verify(&endorsed[..], &endorser), Error::<T>::BadEndorsement);
			let countersigned = report.countersignature(endorser, endorsement).signing_bytes();
			ensure!(
				countersignature.verify(&countersigned[..], &joining),
				Error::<T>::BadCountersignature
			);

			let registration = H256(sp_io::hashing::blake2_256(
				&(&report, report_signature, endorser, endorsement, countersignature).encode(),
			));
			Self::register(&report, Some(endorser), registration)
		}

		/// Records a work report signed by the worker's TEE. Any account may submit it. The
		/// worker must run allowed code on an accepted platform with a listed certifier; an
		/// inactive worker that is still registered becomes active again.
		///
		/// Emits `WorkReported`, and `WorkerReactivated` if the worker was inactive.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::submit_work_report())]
		pub fn submit_work_report(
			origin: OriginFor<T>,
			report: WorkReportOf<T>,
			signature: ed25519::Signature,
		) -> DispatchResult {
			ensure_signed(origin)?;
			ensure!(report.domain == SigningDomain::WorkReport, Error::<T>::WrongDomain);
			ensure!(report.genesis_hash == Self::genesis_hash(), Error::<T>::WrongChain);
			let body = &report.body;
			let mut worker = Workers::<T>::get(body.worker).ok_or(Error::<T>::UnknownWorker)?;
			let now_slot = Self::current_slot();
			// Everything that makes a worker count but its liveness, which this report renews.
			Self::check_standing(&worker).map_err(NotCounting::worker_error::<T>)?;

			let Anchor::Block { number, hash } = report.anchor else {
				return Err(Error::<T>::NotBlockAnchored.into());
			};
			ensure!(number == Self::slot_start(body.slot), Error::<T>::WrongSlotBlock);
			// The anchor must be a finished block: the current block's hash is not known yet
			// (it reads as zero), so a report anchored there could be signed in advance.
			ensure!(
				number < frame_system::Pallet::<T>::block_number()
					&& frame_system::Pallet::<T>::block_hash(number) == hash,
				Error::<T>::UnknownAnchor
			);
			ensure!(body.slot.saturating_add(1) >= now_slot, Error::<T>::ReportTooLate);
			ensure!(
				body.slot >= Self::slot_of(worker.registered),
				Error::<T>::SlotBeforeRegistration
			);
			ensure!(
				worker.last_report.is_none_or(|last| body.slot > last),
				Error::<T>::AlreadyReported
			);
			ensure!(
				worker.covers_report(body.credentials_count, body.issued_total),
				Error::<T>::InconsistentTotal
			);
			ensure!(
				(body.credentials_count == 0) == body.credentials_root.is_zero()
					&& body.credentials_count <= MAX_LEAVES,
				Error::<T>::InconsistentBatch
			);
			ensure!(
				signature.verify(&report.signing_bytes()[..], &body.worker),
				Error::<T>::BadWorkReportSignature
			);

			let reactivated = !worker.is_active(now_slot);
			// The old deadline's entry goes (the hook already took it if it marked the worker
			// inactive), and the new one is queued: the hook walks each worker once, at its
			// current deadline, and skips any entry that is not that deadline.
			Deadlines::<T>::remove(worker.deadline, body.worker);
			let deadline = worker.record_report(
				body.slot,
				body.credentials_count,
				body.issued_total,
				T::MissedSlots::get(),
			);
			Deadlines::<T>::insert(deadline, body.worker, ());
			Workers::<T>::insert(body.worker, worker);
			Self::deposit_event(Event::WorkReported {
				worker: body.worker,
				slot: body.slot,
				credentials_root: body.credentials_root,
				credentials_count: body.credentials_count,
				issued_total: body.issued_total,
			});
			if reactivated {
				Self::deposit_event(Event::WorkerReactivated {
					worker: body.worker,
					slot: body.slot,
				});
			}
			Ok(())
		}

		/// Removes a worker and releases its deposit; its bindings stop counting at once. The
		/// admin origin (a compromised worker) and the worker's operator may do so at any time;
		/// anyone else once the worker has been inactive for `StaleSlots` slots.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::unregister_worker())]
		pub fn unregister_worker(origin: OriginFor<T>, worker: WorkerKey) -> DispatchResult {
			let by = match T::AdminOrigin::try_origin(origin) {
				Ok(_) => None,
				Err(origin) => Some(ensure_signed(origin)?),
			};
			let info = Workers::<T>::get(worker).ok_or(Error::<T>::UnknownWorker)?;
			if let Some(who) = &by {
				ensure!(
					*who == info.operator
						|| info.is_stale(Self::current_slot(), T::StaleSlots::get()),
					Error::<T>::NotStale
				);
			}
			Self::remove_worker(worker, info)?;
			Self::deposit_event(Event::WorkerUnregistered { worker, by });
			Ok(())
		}

		/// Allows workers to run the TA with `measurement` until block `expires`, or changes the
		/// expiry of an allowed measurement.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::allow_code())]
		pub fn allow_code(
			origin: OriginFor<T>,
			measurement: Measurement,
			expires: BlockNumberFor<T>,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			ensure!(expires > frame_system::Pallet::<T>::block_number(), Error::<T>::InvalidExpiry);
			CodeAllowlist::<T>::try_mutate(|list| -> DispatchResult {
				match list.iter_mut().find(|c| c.measurement == measurement) {
					Some(entry) => entry.expires = expires,
					None => list
						.try_push(AllowedCode { measurement, expires })
						.map_err(|_| Error::<T>::TooMuchCode)?,
				}
				Ok(())
			})?;
			Self::deposit_event(Event::CodeAllowed { measurement, expires });
			Ok(())
		}

		/// Removes `measurement` from the allowlist at once.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::disallow_code())]
		pub fn disallow_code(origin: OriginFor<T>, measurement: Measurement) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::remove_code(&measurement, |_| true)?;
			Self::deposit_event(Event::CodeDisallowed { measurement });
			Ok(())
		}

		/// Removes an expired `measurement` from the allowlist. Anyone may.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::clear_expired_code())]
		pub fn clear_expired_code(
			origin: OriginFor<T>,
			measurement: Measurement,
		) -> DispatchResult {
			ensure_signed(origin)?;
			let now = frame_system::Pallet::<T>::block_number();
			Self::remove_code(&measurement, |code| !code.is_valid_at(&now))?;
			Self::deposit_event(Event::CodeExpired { measurement });
			Ok(())
		}

		/// Turns acceptance of `Simulated` platforms on or off. While it is off, simulated workers
		/// already registered can neither report, endorse nor sign for DIDs.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::set_simulation())]
		pub fn set_simulation(origin: OriginFor<T>, enabled: bool) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			SimulationEnabled::<T>::put(enabled);
			Self::deposit_event(Event::SimulationSet { enabled });
			Ok(())
		}

		/// Binds `worker` as a signer of `did`: its TEE key becomes an assertion key of the
		/// DID. Only the DID's controller may, and the worker must count (active, allowed code,
		/// a platform the chain accepts, a listed certifier). If the caller is the worker's
		/// operator the binding is made at once; otherwise it is a request that the operator
		/// accepts with `accept_signer`. Holds `BindingDeposit` from the caller either way.
		///
		/// Emits `SignerBound`, or `SignerRequested`.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::bind_signer())]
		pub fn bind_signer(
			origin: OriginFor<T>,
			did: T::AccountId,
			worker: WorkerKey,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let controller = T::Dids::controller(&did).ok_or(Error::<T>::DidNotActive)?;
			ensure!(controller == who, Error::<T>::NotController);
			let info = Self::counting_worker(worker)?;
			ensure!(
				!Bindings::<T>::contains_key(&did, worker)
					&& !BindingRequests::<T>::contains_key(&did, worker),
				Error::<T>::AlreadyBound
			);
			Self::ensure_signer_room(&did)?;
			let deposit =
				Self::hold(HoldReason::BindingDeposit, who.clone(), T::BindingDeposit::get())?;
			if info.operator == who {
				Self::add_binding(did, worker, deposit)
			} else {
				BindingRequests::<T>::insert(&did, worker, deposit);
				Self::deposit_event(Event::SignerRequested { did, worker, by: who });
				Ok(())
			}
		}

		/// Accepts the request that `worker` sign for `did`, as the worker's operator: the
		/// binding is made, as `bind_signer` makes it. The worker must still count and the
		/// requester must still control the DID.
		///
		/// Emits `SignerBound`.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::accept_signer())]
		pub fn accept_signer(
			origin: OriginFor<T>,
			did: T::AccountId,
			worker: WorkerKey,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let deposit =
				BindingRequests::<T>::get(&did, worker).ok_or(Error::<T>::NotRequested)?;
			let info = Self::counting_worker(worker)?;
			ensure!(info.operator == who, Error::<T>::NotOperator);
			let controller = T::Dids::controller(&did).ok_or(Error::<T>::DidNotActive)?;
			ensure!(controller == deposit.owner, Error::<T>::NotController);
			Self::ensure_signer_room(&did)?;
			BindingRequests::<T>::remove(&did, worker);
			Self::add_binding(did, worker, deposit)
		}

		/// Ends `worker`'s binding to `did`, or withdraws (or, as the operator, refuses) the
		/// request for it, and releases its deposit to whoever paid it. The DID's controller,
		/// the worker's operator and whoever paid may; anyone may once the worker is gone.
		///
		/// Emits `SignerUnbound`, or `SignerRequestWithdrawn`.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::unbind_signer())]
		pub fn unbind_signer(
			origin: OriginFor<T>,
			did: T::AccountId,
			worker: WorkerKey,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let binding = Bindings::<T>::get(&did, worker);
			let deposit = match &binding {
				Some(binding) => binding.deposit.clone(),
				None => BindingRequests::<T>::get(&did, worker).ok_or(Error::<T>::NotBound)?,
			};
			let allowed = deposit.owner == who
				|| T::Dids::controller(&did).as_ref() == Some(&who)
				|| Workers::<T>::get(worker).is_none_or(|w| w.operator == who);
			ensure!(allowed, Error::<T>::NotAuthorized);
			match binding {
				Some(binding) => Self::remove_binding(&did, worker, binding),
				None => {
					BindingRequests::<T>::remove(&did, worker);
					Self::release(HoldReason::BindingDeposit, &deposit)?;
					Self::deposit_event(Event::SignerRequestWithdrawn { did, worker, by: who });
					Ok(())
				},
			}
		}

		/// Lists `certifier` as a device certifier of `platform` devices, or moves a listed
		/// one to `platform`. Only the admin origin may. Workers count only while their
		/// certifier is listed for their platform, so moving a certifier stops the workers it
		/// certified for its old platform counting.
		///
		/// Emits `DeviceCertifierAdded`.
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::add_device_certifier())]
		pub fn add_device_certifier(
			origin: OriginFor<T>,
			certifier: CertifierKey,
			platform: TeePlatform,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			ensure!(
				DeviceCertifiers::<T>::contains_key(certifier)
					|| DeviceCertifiers::<T>::count() < T::MaxDeviceCertifiers::get(),
				Error::<T>::TooManyDeviceCertifiers
			);
			DeviceCertifiers::<T>::insert(certifier, platform);
			Self::deposit_event(Event::DeviceCertifierAdded { certifier, platform });
			Ok(())
		}

		/// Removes `certifier` from the device certifiers at once: the workers it certified
		/// stop counting (they neither report, endorse nor sign for DIDs), and no device it
		/// certified registers. Only the admin origin may.
		///
		/// Emits `DeviceCertifierRemoved`.
		#[pallet::call_index(12)]
		#[pallet::weight(T::WeightInfo::remove_device_certifier())]
		pub fn remove_device_certifier(
			origin: OriginFor<T>,
			certifier: CertifierKey,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			ensure!(
				DeviceCertifiers::<T>::contains_key(certifier),
				Error::<T>::UnknownDeviceCertifier
			);
			DeviceCertifiers::<T>::remove(certifier);
			Self::deposit_event(Event::DeviceCertifierRemoved { certifier });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// The genesis hash every payload must name.
		pub fn genesis_hash() -> T::Hash {
			frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero())
		}

		/// The slot block `n` belongs to.
		pub fn slot_of(n: BlockNumberFor<T>) -> u32 {
			(n / T::SlotLength::get()).saturated_into()
		}

		/// The current slot.
		pub fn current_slot() -> u32 {
			Self::slot_of(frame_system::Pallet::<T>::block_number())
		}

		/// The first block of `slot`, whose hash a work report on it names.
		pub fn slot_start(slot: u32) -> BlockNumberFor<T> {
			BlockNumberFor::<T>::from(slot).saturating_mul(T::SlotLength::get())
		}

		/// Whether `measurement` is on the allowlist and unexpired.
		pub fn code_allowed(measurement: &Measurement) -> bool {
			let now = frame_system::Pallet::<T>::block_number();
			CodeAllowlist::<T>::get()
				.iter()
				.any(|c| &c.measurement == measurement && c.is_valid_at(&now))
		}

		/// Whether workers on `platform` may take part now: `Simulated` only while the
		/// simulation flag is on.
		pub fn platform_allowed(platform: TeePlatform) -> bool {
			platform != TeePlatform::Simulated || SimulationEnabled::<T>::get()
		}

		/// Whether `certifier` is listed as a device certifier of `platform` devices.
		pub fn certifier_listed(certifier: &CertifierKey, platform: TeePlatform) -> bool {
			DeviceCertifiers::<T>::get(certifier) == Some(platform)
		}

		/// The device certifiers and the platform each certifies, for the runtime API (at most
		/// `MaxDeviceCertifiers`).
		pub fn device_certifiers() -> Vec<(CertifierKey, TeePlatform)> {
			DeviceCertifiers::<T>::iter().collect()
		}

		/// Whether `worker` may take part now, its liveness aside: it runs allowed code on an
		/// accepted platform, and its device certifier is listed for that platform. Else which
		/// of these it fails.
		fn check_standing(worker: &WorkerOf<T>) -> Result<(), NotCounting> {
			ensure!(Self::code_allowed(&worker.measurement), NotCounting::CodeNotAllowed);
			ensure!(Self::platform_allowed(worker.platform), NotCounting::Simulated);
			ensure!(
				Self::certifier_listed(&worker.certifier, worker.platform),
				NotCounting::Uncertified
			);
			Ok(())
		}

		/// Whether `worker` counts now: it is active and in standing
		/// ([`Self::check_standing`]). Else which of these it fails. The one rule for
		/// endorsing, reporting, signing for DIDs and what the runtime API shows.
		fn check_counts(worker: &WorkerOf<T>) -> Result<(), NotCounting> {
			ensure!(worker.is_active(Self::current_slot()), NotCounting::Inactive);
			Self::check_standing(worker)
		}

		/// The record of `worker` if it counts, else the error that says why not.
		fn counting_worker(worker: WorkerKey) -> Result<WorkerOf<T>, Error<T>> {
			let info = Workers::<T>::get(worker).ok_or(Error::<T>::UnknownWorker)?;
			Self::check_counts(&info).map_err(NotCounting::worker_error::<T>)?;
			Ok(info)
		}

		/// Whether `worker` is active, runs allowed code on an accepted platform and has a
		/// listed certifier: what endorsing, reporting and signing for DIDs need.
		pub fn counts(worker: &WorkerOf<T>) -> bool {
			Self::check_counts(worker).is_ok()
		}

		/// The checks of R that bootstrapping and registration share and that need no
		/// signature verification: the envelope and anchor, the platform, the code, the key,
		/// and the device certificate's certifier and content.
		fn check_report(report: &WorkerReportOf<T>) -> DispatchResult {
			let payload = &report.payload;
			ensure!(payload.domain == SigningDomain::WorkerReport, Error::<T>::WrongDomain);
			ensure!(payload.genesis_hash == Self::genesis_hash(), Error::<T>::WrongChain);
			let (number, hash) = report.anchor_block().ok_or(Error::<T>::NotBlockAnchored)?;
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(
				number < now && now.saturating_sub(number) <= T::ReportValidity::get(),
				Error::<T>::StaleAnchor
			);
			ensure!(
				frame_system::Pallet::<T>::block_hash(number) == hash,
				Error::<T>::UnknownAnchor
			);
			let body = &payload.body;
			ensure!(Self::platform_allowed(body.platform), Error::<T>::SimulationDisabled);
			ensure!(Self::code_allowed(&body.measurement), Error::<T>::CodeNotAllowed);
			ensure!(!UsedKeys::<T>::contains_key(body.signing_key), Error::<T>::KeyAlreadyUsed);
			let certificate = &report.certificate;
			ensure!(
				Self::certifier_listed(&certificate.certifier, body.platform),
				Error::<T>::UncertifiedDevice
			);
			// Whether it certifies this device, platform and chain: `check_evidence`, before the
			// device signature.
			Ok(())
		}

		/// Checks R's evidence (the device signature), the certifier's signature of the device
		/// certificate, and Sig_M(R).
		fn verify_report(
			report: &WorkerReportOf<T>,
			signature: &ed25519::Signature,
		) -> DispatchResult {
			report.check_evidence().map_err(Error::<T>::from)?;
			let certificate = &report.certificate;
			ensure!(
				sp_io::crypto::ed25519_verify(
					&certificate.signature,
					&certificate.signing_bytes(),
					&certificate.certifier
				),
				Error::<T>::BadCertificateSignature
			);
			let key = &report.payload.body.signing_key;
			ensure!(
				signature.verify(&report.signing_bytes()[..], key),
				Error::<T>::BadReportSignature
			);
			Ok(())
		}

		/// Stores a checked worker, superseding its operator's previous one.
		fn register(
			report: &WorkerReportOf<T>,
			endorser: Option<WorkerKey>,
			registration: H256,
		) -> DispatchResult {
			let body = &report.payload.body;
			let key = body.signing_key;
			if let Some(old) = OperatorWorker::<T>::get(&body.operator) {
				if let Some(info) = Workers::<T>::get(old) {
					Self::remove_worker(old, info)?;
				}
				Self::deposit_event(Event::WorkerSuperseded { old, new: key });
			}

			let deposit = Self::hold(
				HoldReason::WorkerDeposit,
				body.operator.clone(),
				T::WorkerDeposit::get(),
			)?;
			let now = frame_system::Pallet::<T>::block_number();
			let deadline = deadline(Self::slot_of(now), T::MissedSlots::get());
			let info = WorkerInfo {
				operator: body.operator.clone(),
				agreement_key: body.agreement_key,
				measurement: body.measurement,
				platform: body.platform,
				certifier: report.certificate.certifier,
				endorser,
				registration,
				registered: now,
				status: WorkerStatus::Active,
				last_report: None,
				deadline,
				issued_total: 0,
				reported_total: 0,
				deposit,
			};
			Workers::<T>::insert(key, info);
			OperatorWorker::<T>::insert(&body.operator, key);
			UsedKeys::<T>::insert(key, now);
			Deadlines::<T>::insert(deadline, key, ());
			Self::deposit_event(Event::WorkerRegistered {
				worker: key,
				operator: body.operator.clone(),
				platform: body.platform,
				measurement: body.measurement,
				endorser,
				registration,
			});
			Ok(())
		}

		/// Removes a worker and its deadline and releases its deposit. Its bindings stay until
		/// someone unbinds them but no longer count: a binding counts only while its worker
		/// exists, and a key never registers again.
		fn remove_worker(key: WorkerKey, info: WorkerOf<T>) -> DispatchResult {
			Deadlines::<T>::remove(info.deadline, key);
			if OperatorWorker::<T>::get(&info.operator) == Some(key) {
				OperatorWorker::<T>::remove(&info.operator);
			}
			Workers::<T>::remove(key);
			Self::release(HoldReason::WorkerDeposit, &info.deposit)
		}

		/// Whether `did` may have one more signer.
		fn ensure_signer_room(did: &T::AccountId) -> Result<(), Error<T>> {
			let signers = Signers::<T>::decode_len(did).unwrap_or(0) as u32;
			ensure!(signers < T::MaxSignersPerDid::get(), Error::<T>::TooManySigners);
			Ok(())
		}

		/// Binds `worker` to `did` on both sides with `deposit` (held already) and records the
		/// change. The caller checked the DID's signer limit.
		fn add_binding(
			did: T::AccountId,
			worker: WorkerKey,
			deposit: DepositOf<T>,
		) -> DispatchResult {
			Signers::<T>::try_mutate(&did, |signers| signers.try_push(worker))
				.map_err(|_| Error::<T>::TooManySigners)?;
			SignsFor::<T>::insert(worker, &did, ());
			let since = frame_system::Pallet::<T>::block_number();
			let by = deposit.owner.clone();
			Bindings::<T>::insert(&did, worker, Binding { since, deposit });
			T::Dids::signer_bound(&did, &worker);
			Self::deposit_event(Event::SignerBound { did, worker, by });
			Ok(())
		}

		/// Removes `worker`'s binding to `did` from both sides, releases its deposit and
		/// records the change.
		fn remove_binding(
			did: &T::AccountId,
			worker: WorkerKey,
			binding: BindingOf<T>,
		) -> DispatchResult {
			Bindings::<T>::remove(did, worker);
			SignsFor::<T>::remove(worker, did);
			Signers::<T>::mutate_exists(did, |signers| {
				if let Some(list) = signers {
					list.retain(|w| w != &worker);
					if list.is_empty() {
						*signers = None;
					}
				}
			});
			Self::release(HoldReason::BindingDeposit, &binding.deposit)?;
			T::Dids::signer_unbound(did, &worker);
			Self::deposit_event(Event::SignerUnbound { did: did.clone(), worker });
			Ok(())
		}

		/// Removes the allowlist entry for `measurement` if `removable` says so.
		fn remove_code(
			measurement: &Measurement,
			removable: impl Fn(&AllowedCode<BlockNumberFor<T>>) -> bool,
		) -> DispatchResult {
			CodeAllowlist::<T>::try_mutate(|list| {
				let index = list
					.iter()
					.position(|c| &c.measurement == measurement)
					.ok_or(Error::<T>::UnknownCode)?;
				ensure!(removable(&list[index]), Error::<T>::CodeNotExpired);
				list.remove(index);
				Ok(())
			})
		}

		/// Marks workers whose deadline has come inactive, oldest deadline first, taking at
		/// most `budget` steps (a worker marked, or a deadline slot finished); returns the
		/// steps taken.
		pub(crate) fn expire_workers(now_slot: u32, budget: u32) -> u32 {
			let mut cursor = ExpiryCursor::<T>::get();
			let mut steps = 0;
			while steps < budget && cursor <= now_slot {
				let due: Vec<WorkerKey> = Deadlines::<T>::iter_key_prefix(cursor)
					.take((budget - steps) as usize)
					.collect();
				for key in &due {
					Deadlines::<T>::remove(cursor, key);
					Workers::<T>::mutate(key, |worker| {
						if let Some(worker) = worker.as_mut().filter(|w| w.deadline == cursor) {
							worker.status = WorkerStatus::Inactive { since: cursor };
							Self::deposit_event(Event::WorkerInactive {
								worker: *key,
								since: cursor,
							});
						}
					});
				}
				steps += due.len() as u32;
				if steps < budget {
					// Every worker due at `cursor` is done.
					cursor = cursor.saturating_add(1);
					steps += 1;
				}
			}
			ExpiryCursor::<T>::put(cursor);
			steps
		}

		/// Holds `amount` from `owner` for `reason`.
		fn hold(
			reason: HoldReason,
			owner: T::AccountId,
			amount: BalanceOf<T>,
		) -> Result<DepositOf<T>, DispatchError> {
			DepositOf::<T>::hold::<T::Currency>(&reason.into(), owner, amount)
				.map_err(|error| Error::<T>::from(error).into())
		}

		/// Releases `deposit`, held for `reason`, to its owner.
		fn release(reason: HoldReason, deposit: &DepositOf<T>) -> DispatchResult {
			deposit.release::<T::Currency>(&reason.into())
		}

		/// `key` as the runtime API shows it.
		pub fn worker_view(
			key: WorkerKey,
		) -> Option<WorkerView<T::AccountId, BlockNumberFor<T>, BalanceOf<T>>> {
			let info = Workers::<T>::get(key)?;
			Some(WorkerView {
				active: info.is_active(Self::current_slot()),
				code_allowed: Self::code_allowed(&info.measurement),
				certified: Self::certifier_listed(&info.certifier, info.platform),
				info,
			})
		}

		/// Up to `limit` (at most [`MAX_SIGNS_FOR_PAGE`]) DIDs `worker` is bound to, after
		/// `start_after` (from the first when `None`), in storage order, for the runtime API.
		pub fn signs_for_page(
			worker: WorkerKey,
			start_after: Option<T::AccountId>,
			limit: u32,
		) -> Vec<T::AccountId> {
			let dids = match start_after {
				Some(did) => SignsFor::<T>::iter_key_prefix_from(
					worker,
					SignsFor::<T>::hashed_key_for(worker, did),
				),
				None => SignsFor::<T>::iter_key_prefix(worker),
			};
			dids.take(limit.min(MAX_SIGNS_FOR_PAGE) as usize).collect()
		}

		/// The workers asked to sign for `did` whose operators have not accepted yet, for the
		/// runtime API. There are at most as many as the DID's controller paid deposits for.
		pub fn requested_signers(did: &T::AccountId) -> Vec<WorkerKey> {
			BindingRequests::<T>::iter_key_prefix(did).take(MAX_SIGNS_FOR_PAGE as usize).collect()
		}

		/// The signers of `did` as the runtime API shows them.
		pub fn signers_of(did: &T::AccountId) -> Vec<SignerView<BlockNumberFor<T>>> {
			Signers::<T>::get(did)
				.into_iter()
				.filter_map(|worker| {
					let binding = Bindings::<T>::get(did, worker)?;
					let counts = Workers::<T>::get(worker).is_some_and(|w| Self::counts(&w));
					Some(SignerView {
						worker,
						key_id: tee_key_id(&worker),
						since: binding.since,
						counts,
					})
				})
				.collect()
		}
	}

	impl<T: Config> BoundSigners<T::AccountId> for Pallet<T> {
		fn is_bound(did: &T::AccountId, key: &ed25519::Public) -> bool {
			Bindings::<T>::contains_key(did, key)
				&& Workers::<T>::get(key).is_some_and(|w| Self::counts(&w))
		}

		fn bound_keys(did: &T::AccountId) -> Vec<ed25519::Public> {
			Signers::<T>::get(did)
				.into_iter()
				.filter(|key| Workers::<T>::get(key).is_some_and(|w| Self::counts(&w)))
				.collect()
		}

		#[cfg(feature = "runtime-benchmarks")]
		fn bind_for_benchmark(did: &T::AccountId, key: &ed25519::Public) -> bool {
			benchmarking::bound_signer::<T>(did, *key);
			true
		}
	}
}

/// Why a registered worker does not count now: named as the worker's own error or, when it is
/// asked to endorse, as the endorser's.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum NotCounting {
	/// It missed too many slots.
	Inactive,
	/// Its code is not (or no longer) allowed.
	CodeNotAllowed,
	/// It runs on the `Simulated` platform and the simulation flag is off.
	Simulated,
	/// Its device certifier is not (or no longer) listed for its platform.
	Uncertified,
}

impl NotCounting {
	/// The error of a worker that does not count.
	fn worker_error<T>(self) -> Error<T> {
		match self {
			NotCounting::Inactive => Error::WorkerInactive,
			NotCounting::CodeNotAllowed => Error::WorkerCodeNotAllowed,
			NotCounting::Simulated => Error::WorkerSimulated,
			NotCounting::Uncertified => Error::WorkerUncertified,
		}
	}

	/// The error of an endorser that does not count.
	fn endorser_error<T>(self) -> Error<T> {
		match self {
			NotCounting::Inactive => Error::EndorserInactive,
			NotCounting::CodeNotAllowed => Error::EndorserCodeNotAllowed,
			NotCounting::Simulated => Error::EndorserSimulated,
			NotCounting::Uncertified => Error::EndorserUncertified,
		}
	}
}

impl<T: Config> From<DepositError> for Error<T> {
	fn from(error: DepositError) -> Self {
		match error {
			DepositError::Insufficient => Error::InsufficientDeposit,
		}
	}
}
