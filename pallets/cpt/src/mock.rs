//! A mock runtime for the CPT pallet's tests: the real DID pallet provides the DIDs.

use crate::{self as pallet_cpt, GenesisCpt};
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64},
};
use pallet_did::{DidAuthorizedCall, Relationship};
use sp_keystore::{testing::MemoryKeystore, KeystoreExt};
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Did: pallet_did,
		Cpt: pallet_cpt,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<u64>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

parameter_types! {
	pub const DidDepositBase: u64 = 10;
	pub const MaxOperationValidity: u64 = 100;
	pub const DepositBase: u64 = 100;
	pub const DepositPerByte: u64 = 1;
}

impl pallet_did::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeOrigin = RuntimeOrigin;
	type RuntimeCall = RuntimeCall;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type DepositBase = DidDepositBase;
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
	type MaxOperationValidity = MaxOperationValidity;
	type BoundSigners = ();
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type RelayedCalls = pallet_did::benchmark_helpers::AttributeCalls<Test>;
}

impl pallet_cpt::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type Dids = Did;
	type GovernanceOrigin = frame_system::EnsureRoot<u64>;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type DepositBase = DepositBase;
	type DepositPerByte = DepositPerByte;
	type MaxAdministrators = ConstU32<3>;
	type MaxCommitteeMembers = ConstU32<2>;
	type MaxNameLength = ConstU32<16>;
	type MaxIssuersPerType = ConstU32<2>;
	type MaxTitleLength = ConstU32<32>;
	type MaxDescriptionLength = ConstU32<64>;
	type MaxSchemaLength = ConstU32<512>;
	type MaxVersions = ConstU32<3>;
	type WeightInfo = ();
}

impl DidAuthorizedCall for RuntimeCall {
	fn required_relationship(&self) -> Option<Relationship> {
		match self {
			RuntimeCall::Did(call) => call.required_relationship(),
			RuntimeCall::Cpt(call) => Some(call.required_relationship()),
			_ => None,
		}
	}
}

/// The genesis administrator.
pub const ADMIN: u64 = 1;
/// Made a committee member at genesis.
pub const COMMITTEE: u64 = 2;
/// Applies to be an authority issuer in the tests that need one.
pub const ISSUER: u64 = 3;
/// Ordinary DIDs.
pub const ALICE: u64 = 4;
pub const BOB: u64 = 5;
/// Funded, but without a DID unless a test creates one.
pub const NO_DID: u64 = 6;
/// The DID that calls act on (made an administrator, applying as an issuer, ...).
pub const TARGET: u64 = 7;
/// Can pay for its DID, not for a CPT.
pub const POOR: u64 = 9;

/// The schema of the genesis system CPT 101.
pub const GENESIS_SCHEMA: &str = r#"{"type":"object","properties":{"subject":{"type":"string"}}}"#;

/// Builds the test externalities.
pub struct ExtBuilder;

impl ExtBuilder {
	/// Runs `test` at block 1 on a chain whose genesis has `ADMIN` as administrator, `COMMITTEE`
	/// in the committee and system CPT 101, then checks the pallet's invariants.
	pub fn build_and_execute(test: impl FnOnce()) {
		let mut ext = new_test_ext();
		ext.execute_with(|| {
			test();
			crate::try_state::do_try_state::<Test>().expect("invariants hold");
		});
	}
}

/// The test externalities, at block 1.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: [ADMIN, COMMITTEE, ISSUER, ALICE, BOB, NO_DID, TARGET]
			.into_iter()
			.map(|who| (who, 1_000_000))
			.chain([(POOR, 120)])
			.collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let system_cpt: GenesisCpt<u64> = (
		101,
		ADMIN,
		"Authorization".into(),
		"A DID authorizes another".into(),
		GENESIS_SCHEMA.into(),
	);
	pallet_cpt::GenesisConfig::<Test> {
		administrators: vec![ADMIN],
		committee: vec![COMMITTEE],
		system_cpts: vec![system_cpt],
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.register_extension(KeystoreExt::new(MemoryKeystore::new()));
	ext.execute_with(|| System::set_block_number(1));
	ext
}
