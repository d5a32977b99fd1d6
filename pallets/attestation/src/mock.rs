//! A mock runtime for the attestation pallet's tests, with the real DID pallet, and TEEs that
//! sign real reports with real keys, on devices certified by real device certifiers.

use crate::{self as pallet_attestation, CertifierKey, WorkReportOf, WorkerKey, WorkerReportOf};
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64, Hooks},
};
use pallet_did::{KeyInput, PublicKey, Relationships};
use sp_core::{ed25519, Pair, H256};
use sp_runtime::BuildStorage;
use teeid_primitives::{
	attestation::{
		network_key_fingerprint, testing, DeviceCertificate, DeviceKey, Measurement, ReportBody,
		ReportPayload, TeePlatform, WorkReportBody, WorkerReport,
	},
	signing::{Anchor, SigningDomain, SigningPayload},
};

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Did: pallet_did,
		Attestation: pallet_attestation,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	/// Enough block hashes for `ReportValidity`.
	type BlockHashCount = ConstU64<250>;
	type AccountData = pallet_balances::AccountData<u64>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

impl pallet_did::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeOrigin = RuntimeOrigin;
	type RuntimeCall = RuntimeCall;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type DepositBase = ConstU64<10>;
	type DepositPerByte = ConstU64<0>;
	type TombstoneFee = ConstU64<0>;
	type MaxKeys = ConstU32<4>;
	type MaxServices = ConstU32<2>;
	type MaxDelegates = ConstU32<2>;
	type MaxIdLength = ConstU32<16>;
	type MaxServiceTypeLength = ConstU32<32>;
	type MaxServiceEndpointLength = ConstU32<64>;
	type MaxAttributeNameLength = ConstU32<32>;
	type MaxAttributeValueLength = ConstU32<64>;
	type MaxOperationValidity = ConstU64<100>;
	type BoundSigners = Attestation;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type RelayedCalls = pallet_did::benchmark_helpers::AttributeCalls<Test>;
}

parameter_types! {
	pub const SlotLength: u64 = SLOT;
}

impl pallet_attestation::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type Dids = Did;
	type AdminOrigin = frame_system::EnsureRoot<u64>;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type WorkerDeposit = ConstU64<100>;
	type BindingDeposit = ConstU64<10>;
	type ReportValidity = ConstU64<20>;
	type SlotLength = SlotLength;
	type MissedSlots = ConstU32<2>;
	type StaleSlots = ConstU32<3>;
	type MaxAllowedCode = ConstU32<3>;
	type MaxSignersPerDid = ConstU32<2>;
	type MaxExpiriesPerBlock = ConstU32<4>;
	type MaxDeviceCertifiers = ConstU32<16>;
	type WeightInfo = ();
}

impl pallet_did::DidAuthorizedCall for RuntimeCall {
	fn required_relationship(&self) -> Option<pallet_did::Relationship> {
		match self {
			RuntimeCall::Did(call) => call.required_relationship(),
			// Stands in for the calls that need only `assertionMethod` (evidence, CPTs).
			RuntimeCall::System(frame_system::Call::remark { .. }) => {
				Some(pallet_did::Relationship::AssertionMethod)
			},
			_ => None,
		}
	}
}

/// Blocks per slot.
pub const SLOT: u64 = 10;
/// Operators, each able to pay for workers and bindings, with DIDs.
pub const ALICE: u64 = 1;
pub const BOB: u64 = 2;
pub const CHARLIE: u64 = 3;
/// An account without a DID.
pub const STRANGER: u64 = 7;
/// An operator that cannot pay a worker deposit.
pub const POOR: u64 = 9;

/// The measurement the allowlist holds from genesis.
pub const CODE: Measurement = [0xc0; 32];
/// The network key the first TEE generates.
pub const NETWORK_KEY: [u8; 32] = [0x4e; 32];

/// The secret seed of the certifier of the mock's OP-TEE devices (the test certifier,
/// `testing::TEST_CERTIFIER_SEED`, certifies its simulated ones).
pub const OPTEE_CERTIFIER_SEED: [u8; 32] = [0xce; 32];

/// The secret seed of the certifier listed for `platform` devices from genesis.
pub fn certifier_seed(platform: TeePlatform) -> [u8; 32] {
	match platform {
		TeePlatform::Simulated => testing::TEST_CERTIFIER_SEED,
		TeePlatform::OpTee => OPTEE_CERTIFIER_SEED,
	}
}

/// The key of the certifier with secret seed `seed`.
pub fn certifier_key(seed: &[u8; 32]) -> CertifierKey {
	ed25519::Pair::from_seed(seed).public()
}

/// A certificate of `device_key` as a `platform` device of this chain, serial 1, signed by the
/// certifier with secret seed `seed`.
pub fn certificate_of(
	device_key: &DeviceKey,
	platform: TeePlatform,
	seed: &[u8; 32],
) -> DeviceCertificate {
	let pair = ed25519::Pair::from_seed(seed);
	let payload = DeviceCertificate::payload(platform, device_key, System::block_hash(0), 1);
	let signature = pair.sign(&payload.signing_bytes());
	DeviceCertificate { payload, certifier: pair.public(), signature }
}

/// A TEE: its signing key pair and what its reports state.
pub struct Tee {
	pub pair: ed25519::Pair,
	pub platform: TeePlatform,
	pub measurement: Measurement,
	pub network_key: [u8; 32],
}

impl Tee {
	/// A simulated TEE running the allowed code that holds the network key.
	pub fn new(seed: u8) -> Self {
		Tee {
			pair: ed25519::Pair::from_seed(&[seed; 32]),
			platform: TeePlatform::Simulated,
			measurement: CODE,
			network_key: network_key_fingerprint(&NETWORK_KEY),
		}
	}

	/// The TEE's signing key.
	pub fn key(&self) -> WorkerKey {
		self.pair.public()
	}

	/// R for `operator`, anchored at block `anchor` of this chain, with evidence.
	pub fn report_at(&self, operator: u64, anchor: u64) -> WorkerReportOf<Test> {
		let payload = ReportPayload {
			domain: SigningDomain::WorkerReport,
			genesis_hash: System::block_hash(0),
			anchor: Anchor::Block { number: anchor, hash: System::block_hash(anchor) },
			body: ReportBody {
				platform: self.platform,
				signing_key: self.key(),
				agreement_key: [self.pair.public().0[0]; 32],
				measurement: self.measurement,
				operator,
				network_key: self.network_key,
			},
		};
		Self::with_evidence(payload)
	}

	/// R anchored at the previous block.
	pub fn report(&self, operator: u64) -> WorkerReportOf<Test> {
		self.report_at(operator, System::block_number() - 1)
	}

	/// `payload` with evidence made for it by the test device, and the test device's
	/// certificate for the payload's platform and chain by the certifier listed for that
	/// platform.
	pub fn with_evidence(payload: ReportPayload<u64, u64, H256>) -> WorkerReportOf<Test> {
		let nonce = WorkerReport::evidence_nonce(&payload);
		let evidence = testing::evidence(payload.body.measurement, nonce);
		let platform = payload.body.platform;
		let certificate =
			testing::certificate(platform, payload.genesis_hash, &certifier_seed(platform));
		WorkerReport { payload, evidence, certificate }
	}

	/// Sig_M(R).
	pub fn sign_report(&self, report: &WorkerReportOf<Test>) -> ed25519::Signature {
		self.pair.sign(&report.signing_bytes())
	}

	/// Sig_V(R), this TEE being V.
	pub fn endorse(&self, report: &WorkerReportOf<Test>) -> ed25519::Signature {
		self.pair.sign(&report.endorsement(self.key()).signing_bytes())
	}

	/// Sig_M(Sig_V(R)), this TEE being M.
	pub fn countersign(
		&self,
		report: &WorkerReportOf<Test>,
		endorser: WorkerKey,
		endorsement: ed25519::Signature,
	) -> ed25519::Signature {
		self.pair.sign(&report.countersignature(endorser, endorsement).signing_bytes())
	}

	/// This TEE's signature over a (possibly altered) work report.
	pub fn pair_sign(&self, report: &WorkReportOf<Test>) -> ed25519::Signature {
		self.pair.sign(&report.signing_bytes())
	}

	/// A signed work report on `slot`.
	pub fn work_report(
		&self,
		slot: u32,
		credentials: &[H256],
		issued_total: u64,
	) -> (WorkReportOf<Test>, ed25519::Signature) {
		let start = slot as u64 * SLOT;
		let report = SigningPayload {
			domain: SigningDomain::WorkReport,
			genesis_hash: System::block_hash(0),
			anchor: Anchor::Block { number: start, hash: System::block_hash(start) },
			body: WorkReportBody {
				worker: self.key(),
				slot,
				credentials_root: if credentials.is_empty() {
					H256::zero()
				} else {
					teeid_primitives::merkle::batch_root(credentials).expect("a few leaves")
				},
				credentials_count: credentials.len() as u32,
				issued_total,
			},
		};
		let signature = self.pair_sign(&report);
		(report, signature)
	}
}

/// Root bootstraps `tee` for `operator`, with the network key.
pub fn bootstrap(tee: &Tee, operator: u64) {
	let report = tee.report(operator);
	let signature = tee.sign_report(&report);
	Attestation::bootstrap_worker(RuntimeOrigin::root(), Box::new(report), signature, NETWORK_KEY)
		.expect("bootstrap works");
}

/// Runs `test` with worker 1 bootstrapped for ALICE, the endorser of the joiners a test makes.
pub fn with_first_worker(test: impl FnOnce(Tee)) {
	ExtBuilder::build_and_execute(|| {
		let v = Tee::new(1);
		bootstrap(&v, ALICE);
		run_to(3);
		test(v);
	});
}

/// The quadruple of `joiner` for `operator`, endorsed by `endorser`.
pub struct Quadruple {
	pub report: WorkerReportOf<Test>,
	pub report_signature: ed25519::Signature,
	pub endorser: WorkerKey,
	pub endorsement: ed25519::Signature,
	pub countersignature: ed25519::Signature,
}

impl Quadruple {
	/// The quadruple for `report`.
	pub fn of(joiner: &Tee, endorser: &Tee, report: WorkerReportOf<Test>) -> Self {
		let endorsement = endorser.endorse(&report);
		Quadruple {
			report_signature: joiner.sign_report(&report),
			endorser: endorser.key(),
			countersignature: joiner.countersign(&report, endorser.key(), endorsement),
			endorsement,
			report,
		}
	}

	/// The quadruple of a fresh report of `joiner` for `operator`.
	pub fn new(joiner: &Tee, endorser: &Tee, operator: u64) -> Self {
		Self::of(joiner, endorser, joiner.report(operator))
	}

	/// Submits the quadruple as `operator`.
	pub fn submit(self, operator: u64) -> sp_runtime::DispatchResult {
		Attestation::register_worker(
			RuntimeOrigin::signed(operator),
			Box::new(self.report),
			self.report_signature,
			self.endorser,
			self.endorsement,
			self.countersignature,
		)
	}
}

/// Creates a DID controlled by `who` with one authentication key.
pub fn create_did(who: u64) {
	let key = KeyInput {
		id: b"key-1".to_vec(),
		public: PublicKey::Ed25519(ed25519::Pair::from_seed(&[who as u8 + 100; 32]).public()),
		relationships: Relationships::SIGNING,
		expires: None,
	};
	Did::create(RuntimeOrigin::signed(who), vec![key], None)
		.expect("a funded account creates a DID");
}

/// Finishes the current block with a distinct hash and runs blocks up to `n`, with the hook.
pub fn run_to(n: u64) {
	while System::block_number() < n {
		let now = System::block_number();
		frame_system::BlockHash::<Test>::insert(now, H256::from_low_u64_be(now + 1000));
		System::set_block_number(now + 1);
		Attestation::on_initialize(now + 1);
	}
}

/// The events of the attestation pallet so far.
pub fn attestation_events() -> Vec<pallet_attestation::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Attestation(e) => Some(e),
			_ => None,
		})
		.collect()
}

/// Builds the test externalities.
pub struct ExtBuilder;

impl ExtBuilder {
	/// Runs `test` from block 2 (block 1 is finished, so reports can anchor on it), then checks
	/// the pallet's invariants.
	pub fn build_and_execute(test: impl FnOnce()) {
		new_test_ext().execute_with(|| {
			run_to(2);
			test();
			crate::try_state::do_try_state::<Test>().expect("invariants hold");
		});
	}
}

/// The test externalities, at block 1: funded accounts, `CODE` allowed until block 1000, the
/// simulation flag on, and a device certifier listed for each platform.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: [ALICE, BOB, CHARLIE, STRANGER]
			.into_iter()
			.chain(100..110)
			.map(|who| (who, 1_000_000))
			.chain([(POOR, 50)])
			.collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_attestation::GenesisConfig::<Test> {
		allowed_code: vec![(CODE, 1000)],
		simulation: true,
		device_certifiers: [TeePlatform::Simulated, TeePlatform::OpTee]
			.into_iter()
			.map(|platform| (certifier_key(&certifier_seed(platform)), platform))
			.collect(),
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.register_extension(sp_keystore::KeystoreExt::new(
		sp_keystore::testing::MemoryKeystore::new(),
	));
	ext.execute_with(|| System::set_block_number(1));
	ext
}
