//! Benchmarks of the attestation pallet, with real Ed25519 keys from the keystore, real
//! device-key evidence (the largest device key, the slowest to verify) certified by a real
//! device certifier, and the allowlist full with the measurement in use last, so every scan is
//! the longest.

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate, Hooks};
use frame_system::RawOrigin;
use pallet_did::{benchmark_helpers::KEY_TYPE, ActingDid};
use sp_runtime::traits::Bounded;
use teeid_primitives::attestation::{
	testing, DeviceCertificate, ReportBody, ReportPayload, WorkReportBody, WorkerReport,
};
use teeid_primitives::signing::SigningPayload;

/// The measurement the benchmarked workers run.
const CODE: Measurement = [0xc0; 32];
/// The network key of the benchmark chain.
const NETWORK: [u8; 32] = [0x4e; 32];

/// An account with ample funds for any deposit.
fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	T::Currency::set_balance(&who, BalanceOf::<T>::max_value() / 1_000_000u32.into());
	who
}

/// A TEE signing key in the keystore.
fn tee_key() -> WorkerKey {
	sp_io::crypto::ed25519_generate(KEY_TYPE, None)
}

fn sign(key: &WorkerKey, message: &[u8]) -> ed25519::Signature {
	sp_io::crypto::ed25519_sign(KEY_TYPE, key, message).expect("the key is in the keystore")
}

/// The benchmarks' device certifier, listed for `Simulated` devices: always the same key in
/// the keystore, so the workers of any setup are certified by it.
fn certifier<T: Config>() -> CertifierKey {
	let key = sp_io::crypto::ed25519_generate(KEY_TYPE, Some(b"//TeeidBenchCertifier".to_vec()));
	DeviceCertifiers::<T>::insert(key, TeePlatform::Simulated);
	key
}

/// The certifier's certificate of the test device key as a `Simulated` device of this chain.
fn certificate<T: Config>() -> DeviceCertificate {
	let certifier = certifier::<T>();
	let genesis = H256::decode(&mut Pallet::<T>::genesis_hash().as_ref())
		.expect("the runtime's hashes are 32 bytes");
	let payload = testing::certificate_payload(TeePlatform::Simulated, genesis);
	let signature = sign(&certifier, &payload.signing_bytes());
	DeviceCertificate { payload, certifier, signature }
}

/// Block 10 of a chain with block 9 finished, the allowlist full (`CODE` last), simulation on
/// and the network key recorded.
fn chain<T: Config>() {
	let anchor: BlockNumberFor<T> = 9u32.into();
	frame_system::BlockHash::<T>::insert(anchor, T::Hash::default());
	frame_system::Pallet::<T>::set_block_number(10u32.into());
	allow_code::<T>();
	NetworkPublicKey::<T>::put(NetworkKey {
		public: NETWORK,
		fingerprint: network_key_fingerprint(&NETWORK),
	});
}

/// The allowlist full with `CODE` last (the longest scan), and simulation on.
fn allow_code<T: Config>() {
	let expires = BlockNumberFor::<T>::max_value();
	let mut list: Vec<_> = (1..T::MaxAllowedCode::get())
		.map(|i| AllowedCode { measurement: [i as u8; 32], expires })
		.collect();
	list.push(AllowedCode { measurement: CODE, expires });
	CodeAllowlist::<T>::put(BoundedVec::try_from(list).expect("MaxAllowedCode entries"));
	SimulationEnabled::<T>::put(true);
}

/// R of `key` for `operator`, anchored at block 9, with evidence and a device certificate.
fn report<T: Config>(key: WorkerKey, operator: &T::AccountId) -> WorkerReportOf<T> {
	let number: BlockNumberFor<T> = 9u32.into();
	let payload = ReportPayload {
		domain: SigningDomain::WorkerReport,
		genesis_hash: Pallet::<T>::genesis_hash(),
		anchor: Anchor::Block { number, hash: frame_system::Pallet::<T>::block_hash(number) },
		body: ReportBody {
			platform: TeePlatform::Simulated,
			signing_key: key,
			agreement_key: [7; 32],
			measurement: CODE,
			operator: operator.clone(),
			network_key: network_key_fingerprint(&NETWORK),
		},
	};
	let nonce = WorkerReport::evidence_nonce(&payload);
	WorkerReport {
		payload,
		evidence: testing::evidence(CODE, nonce),
		certificate: certificate::<T>(),
	}
}

/// Stores an active worker for `operator`, as registration would.
fn insert_worker<T: Config>(key: WorkerKey, operator: &T::AccountId) {
	let now = frame_system::Pallet::<T>::block_number();
	let deadline = deadline(Pallet::<T>::current_slot(), T::MissedSlots::get());
	let reason = HoldReason::WorkerDeposit.into();
	let deposit =
		DepositOf::<T>::hold::<T::Currency>(&reason, operator.clone(), T::WorkerDeposit::get())
			.expect("the operator is funded");
	Workers::<T>::insert(
		key,
		WorkerInfo {
			operator: operator.clone(),
			agreement_key: [7; 32],
			measurement: CODE,
			platform: TeePlatform::Simulated,
			certifier: certifier::<T>(),
			endorser: None,
			registration: H256::zero(),
			registered: now,
			status: WorkerStatus::Active,
			last_report: None,
			deadline,
			issued_total: 0,
			reported_total: 0,
			deposit,
		},
	);
	OperatorWorker::<T>::insert(operator, key);
	UsedKeys::<T>::insert(key, now);
	Deadlines::<T>::insert(deadline, key, ());
}

/// Binds `worker` to `did` as the DID's controller asks and the worker's operator accepts.
fn bind<T: Config>(did: &T::AccountId, worker: WorkerKey) {
	Pallet::<T>::bind_signer(RawOrigin::Signed(did.clone()).into(), did.clone(), worker)
		.expect("an active worker of allowed code binds to an active DID");
	if let Some(info) = Workers::<T>::get(worker).filter(|w| &w.operator != did) {
		Pallet::<T>::accept_signer(RawOrigin::Signed(info.operator).into(), did.clone(), worker)
			.expect("the operator accepts");
	}
}

/// Binds `worker` to `count` DIDs made for it.
fn bind_many<T: Config>(worker: WorkerKey, count: u32, name: &'static str) {
	for i in 0..count {
		let did: T::AccountId = account(name, i, 0);
		T::Dids::benchmark_did(&did);
		bind::<T>(&did, worker);
	}
}

/// An operator with a current worker, bound to a DID: what registering supersedes.
fn operator_with_worker<T: Config>() -> T::AccountId {
	let operator = funded::<T>("operator", 0);
	let old = tee_key();
	insert_worker::<T>(old, &operator);
	bind_many::<T>(old, 1, "old-did");
	operator
}

/// Binds TEE key `key` to the existing DID `did` as a signer that counts: an active
/// simulated worker of allowed code (the allowlist full, its code last) with a listed
/// certifier, as other pallets' benchmarks need for their costliest signers.
pub(crate) fn bound_signer<T: Config>(did: &T::AccountId, key: WorkerKey) {
	allow_code::<T>();
	insert_worker::<T>(key, &funded::<T>("tee-operator", 0));
	bind::<T>(did, key);
}

/// A worker of `operator`, and a DID `did` with as many signers as allowed but one: the
/// longest list a binding touches.
fn crowded_binding<T: Config>(operator: &T::AccountId) -> (T::AccountId, WorkerKey) {
	let did: T::AccountId = account("did", 0, 0);
	T::Dids::benchmark_did(&did);
	let worker = tee_key();
	insert_worker::<T>(worker, operator);
	for i in 1..T::MaxSignersPerDid::get() {
		let other = tee_key();
		insert_worker::<T>(other, &funded::<T>("other-operator", i));
		bind::<T>(&did, other);
	}
	(did, worker)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn bootstrap_worker() {
		chain::<T>();
		NetworkPublicKey::<T>::kill();
		let operator = operator_with_worker::<T>();
		let key = tee_key();
		let report = report::<T>(key, &operator);
		let signature = sign(&key, &report.signing_bytes());
		let origin = T::AdminOrigin::try_successful_origin().expect("root exists");

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, Box::new(report), signature, NETWORK);

		assert_eq!(OperatorWorker::<T>::get(&operator), Some(key));
		assert!(NetworkPublicKey::<T>::exists());
	}

	#[benchmark]
	fn register_worker() {
		chain::<T>();
		let endorser = tee_key();
		insert_worker::<T>(endorser, &funded::<T>("endorser", 0));
		let operator = operator_with_worker::<T>();
		let key = tee_key();
		let report = report::<T>(key, &operator);
		let report_signature = sign(&key, &report.signing_bytes());
		let endorsement = sign(&endorser, &report.endorsement(endorser).signing_bytes());
		let countersignature =
			sign(&key, &report.countersignature(endorser, endorsement).signing_bytes());

		#[extrinsic_call]
		_(
			RawOrigin::Signed(operator.clone()),
			Box::new(report),
			report_signature,
			endorser,
			endorsement,
			countersignature,
		);

		assert_eq!(Workers::<T>::get(key).and_then(|w| w.endorser), Some(endorser));
	}

	/// The worker had missed its slots and been marked inactive: its report makes it active
	/// again, which costs one event more than a report of an active worker.
	#[benchmark]
	fn submit_work_report() {
		chain::<T>();
		let key = tee_key();
		insert_worker::<T>(key, &funded::<T>("operator", 0));
		Workers::<T>::mutate(key, |worker| {
			if let Some(worker) = worker {
				Deadlines::<T>::remove(worker.deadline, key);
				worker.status = WorkerStatus::Inactive { since: worker.deadline };
			}
		});
		// A report anchors at a finished block: move past the slot's first block.
		let now = frame_system::Pallet::<T>::block_number();
		frame_system::BlockHash::<T>::insert(now, T::Hash::default());
		frame_system::Pallet::<T>::set_block_number(now + 1u32.into());
		let slot = Pallet::<T>::current_slot();
		let start = Pallet::<T>::slot_start(slot);
		let report = SigningPayload {
			domain: SigningDomain::WorkReport,
			genesis_hash: Pallet::<T>::genesis_hash(),
			anchor: Anchor::Block {
				number: start,
				hash: frame_system::Pallet::<T>::block_hash(start),
			},
			body: WorkReportBody {
				worker: key,
				slot,
				credentials_root: H256::repeat_byte(1),
				credentials_count: MAX_LEAVES,
				issued_total: MAX_LEAVES.into(),
			},
		};
		let signature = sign(&key, &report.signing_bytes());
		let relayer = funded::<T>("relayer", 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(relayer), report, signature);

		let worker = Workers::<T>::get(key).expect("still registered");
		assert_eq!(worker.last_report, Some(slot));
		assert_eq!(worker.status, WorkerStatus::Active);
	}

	#[benchmark]
	fn unregister_worker() {
		chain::<T>();
		let operator = operator_with_worker::<T>();
		let key = OperatorWorker::<T>::get(&operator).expect("inserted");

		#[extrinsic_call]
		_(RawOrigin::Signed(operator), key);

		assert!(!Workers::<T>::contains_key(key));
	}

	#[benchmark]
	fn allow_code() {
		chain::<T>();
		CodeAllowlist::<T>::mutate(|list| list.pop());
		let origin = T::AdminOrigin::try_successful_origin().expect("root exists");
		let expires = BlockNumberFor::<T>::max_value();

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, CODE, expires);

		assert!(Pallet::<T>::code_allowed(&CODE));
	}

	#[benchmark]
	fn disallow_code() {
		chain::<T>();
		let origin = T::AdminOrigin::try_successful_origin().expect("root exists");

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, CODE);

		assert!(!Pallet::<T>::code_allowed(&CODE));
	}

	#[benchmark]
	fn clear_expired_code() {
		chain::<T>();
		CodeAllowlist::<T>::mutate(|list| {
			if let Some(last) = list.last_mut() {
				last.expires = 1u32.into();
			}
		});
		let caller = funded::<T>("caller", 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), CODE);

		assert_eq!(CodeAllowlist::<T>::get().len() as u32, T::MaxAllowedCode::get() - 1);
	}

	#[benchmark]
	fn set_simulation() {
		let origin = T::AdminOrigin::try_successful_origin().expect("root exists");

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, true);

		assert!(SimulationEnabled::<T>::get());
	}

	/// The DID's controller operates the worker, so the binding is made at once (a request
	/// writes less).
	#[benchmark]
	fn bind_signer() {
		chain::<T>();
		let did: T::AccountId = account("did", 0, 0);
		let (did, worker) = crowded_binding::<T>(&did);

		#[extrinsic_call]
		_(RawOrigin::Signed(did.clone()), did.clone(), worker);

		assert!(Bindings::<T>::contains_key(&did, worker));
	}

	#[benchmark]
	fn accept_signer() {
		chain::<T>();
		let operator = funded::<T>("operator", 0);
		let (did, worker) = crowded_binding::<T>(&operator);
		Pallet::<T>::bind_signer(RawOrigin::Signed(did.clone()).into(), did.clone(), worker)
			.expect("room for one more request");

		#[extrinsic_call]
		_(RawOrigin::Signed(operator), did.clone(), worker);

		assert!(Bindings::<T>::contains_key(&did, worker));
	}

	#[benchmark]
	fn unbind_signer() {
		chain::<T>();
		let operator = funded::<T>("operator", 0);
		let (did, worker) = crowded_binding::<T>(&operator);
		bind::<T>(&did, worker);
		// The worker's operator is the caller checked last (after the binding's payer and the
		// DID's controller), so its unbinding reads the most.

		#[extrinsic_call]
		_(RawOrigin::Signed(operator), did.clone(), worker);

		assert!(!Bindings::<T>::contains_key(&did, worker));
	}

	/// A new certifier when one more fits (changing a listed one's platform writes no count).
	#[benchmark]
	fn add_device_certifier() {
		certifier::<T>();
		let mut filler = 0u8;
		while DeviceCertifiers::<T>::count() + 1 < T::MaxDeviceCertifiers::get() {
			filler += 1;
			DeviceCertifiers::<T>::insert(
				ed25519::Public::from_raw([filler; 32]),
				TeePlatform::OpTee,
			);
		}
		let origin = T::AdminOrigin::try_successful_origin().expect("root exists");
		let added = ed25519::Public::from_raw([0xad; 32]);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, added, TeePlatform::OpTee);

		assert_eq!(DeviceCertifiers::<T>::count(), T::MaxDeviceCertifiers::get());
	}

	#[benchmark]
	fn remove_device_certifier() {
		let removed = certifier::<T>();
		let origin = T::AdminOrigin::try_successful_origin().expect("root exists");

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, removed);

		assert!(!DeviceCertifiers::<T>::contains_key(removed));
	}

	/// `s` workers reach their deadline in the same block.
	#[benchmark]
	fn on_initialize(s: Linear<1, { T::MaxExpiriesPerBlock::get() }>) {
		chain::<T>();
		let keys: Vec<_> = (0..s)
			.map(|i| {
				let key = tee_key();
				insert_worker::<T>(key, &funded::<T>("operator", i));
				key
			})
			.collect();
		let deadline = Workers::<T>::get(keys[0]).expect("inserted").deadline;
		let due = Pallet::<T>::slot_start(deadline);
		frame_system::Pallet::<T>::set_block_number(due);
		ExpiryCursor::<T>::put(deadline);

		#[block]
		{
			Pallet::<T>::on_initialize(due);
		}

		assert!(keys
			.iter()
			.all(|k| Workers::<T>::get(k).is_some_and(|w| w.status != WorkerStatus::Active)));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
