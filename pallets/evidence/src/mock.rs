//! A mock runtime for the evidence pallet's tests: the real DID pallet provides the DIDs.

use crate as pallet_evidence;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64},
};
use pallet_did::{DidAuthorizedCall, Relationship};
use sp_core::H256;
use sp_keystore::{testing::MemoryKeystore, KeystoreExt};
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Did: pallet_did,
		Evidence: pallet_evidence,
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
	pub const MaxOperationValidity: u64 = 100;
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
	type MaxOperationValidity = MaxOperationValidity;
	type BoundSigners = ();
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type RelayedCalls = pallet_did::benchmark_helpers::AttributeCalls<Test>;
}

impl pallet_evidence::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type Dids = Did;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type DepositBase = ConstU64<100>;
	type DepositPerByte = ConstU64<1>;
	type MaxLogLength = ConstU32<64>;
	type MaxExtraKeyLength = ConstU32<32>;
	type SignatureValidity = ConstU64<10>;
	type WeightInfo = ();
}

impl DidAuthorizedCall for RuntimeCall {
	fn required_relationship(&self) -> Option<Relationship> {
		match self {
			RuntimeCall::Did(call) => call.required_relationship(),
			RuntimeCall::Evidence(call) => call.required_relationship(),
			_ => None,
		}
	}
}

/// Accounts with funds and, once `dids()` ran, DIDs.
pub const ALICE: u64 = 1;
pub const BOB: u64 = 2;
pub const CHARLIE: u64 = 3;
pub const DAVE: u64 = 4;
/// A relayer without a DID.
pub const RELAYER: u64 = 5;
/// Can pay for its DID, not for evidence.
pub const POOR: u64 = 9;

/// Finishes the current block, giving it a distinct hash, and starts the next.
pub fn next_block() {
	let now = System::block_number();
	frame_system::BlockHash::<Test>::insert(now, H256::repeat_byte(now as u8));
	System::set_block_number(now + 1);
}

/// Builds the test externalities.
pub struct ExtBuilder;

impl ExtBuilder {
	/// Runs `test` from block 2 (block 1 is finished, so it can anchor signatures), then checks
	/// the pallet's invariants.
	pub fn build_and_execute(test: impl FnOnce()) {
		new_test_ext().execute_with(|| {
			next_block();
			test();
			crate::try_state::do_try_state::<Test>().expect("invariants hold");
		});
	}
}

/// The test externalities, at block 1.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: [ALICE, BOB, CHARLIE, DAVE, RELAYER]
			.into_iter()
			.map(|who| (who, 1_000_000))
			.chain([(POOR, 50)])
			.collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.register_extension(KeystoreExt::new(MemoryKeystore::new()));
	ext.execute_with(|| System::set_block_number(1));
	ext
}
