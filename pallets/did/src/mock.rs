//! A mock runtime for the DID pallet's tests.

use crate::{self as pallet_did, DidAuthorizedCall, Relationship};
use frame_support::{derive_impl, parameter_types, traits::ConstU32};
use sp_keystore::{testing::MemoryKeystore, KeystoreExt};
use sp_runtime::BuildStorage;
use std::{cell::RefCell, collections::BTreeMap};

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Did: pallet_did,
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
	pub const DepositBase: u64 = 100;
	pub const DepositPerByte: u64 = 1;
	pub const MaxOperationValidity: u64 = 100;
	/// Less than the base, so that tests tell the burnt fee from the released rest; a static so
	/// that the integrity test can be shown a fee above the base.
	pub static TombstoneFee: u64 = 40;
}

impl pallet_did::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeOrigin = RuntimeOrigin;
	type RuntimeCall = RuntimeCall;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type DepositBase = DepositBase;
	type DepositPerByte = DepositPerByte;
	type TombstoneFee = TombstoneFee;
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
	type RelayedCalls = crate::benchmark_helpers::AttributeCalls<Test>;
}

/// DID pallet calls may be DID-authorized with the relationships the pallet asks for;
/// `System::remark` with `assertionMethod`, to test dispatching another pallet's call.
impl DidAuthorizedCall for RuntimeCall {
	fn required_relationship(&self) -> Option<Relationship> {
		match self {
			RuntimeCall::Did(call) => call.required_relationship(),
			RuntimeCall::System(frame_system::Call::remark { .. }) => {
				Some(Relationship::AssertionMethod)
			},
			_ => None,
		}
	}
}

/// Accounts with funds; `POOR` cannot pay a DID's deposit.
pub const ALICE: u64 = 1;
pub const BOB: u64 = 2;
pub const CHARLIE: u64 = 3;
/// Can pay for a small DID, not for more.
pub const MODEST: u64 = 8;
pub const POOR: u64 = 9;

thread_local! {
	/// The events of every finished block, as an archive node would keep them.
	static ARCHIVE: RefCell<BTreeMap<u64, Vec<RuntimeEvent>>> = const { RefCell::new(BTreeMap::new()) };
}

/// The archived events of block `n`.
pub fn archived_events(n: u64) -> Vec<RuntimeEvent> {
	ARCHIVE.with(|a| a.borrow().get(&n).cloned().unwrap_or_default())
}

/// Finishes the current block (archiving its events) and starts block `n`.
pub fn next_block() {
	let now = System::block_number();
	let events = System::events().into_iter().map(|r| r.event).collect();
	ARCHIVE.with(|a| a.borrow_mut().insert(now, events));
	System::reset_events();
	System::set_block_number(now + 1);
}

/// Builds the test externalities.
pub struct ExtBuilder;

impl ExtBuilder {
	/// Runs `test` in a fresh state at block 1, then checks the pallet's invariants.
	pub fn build_and_execute(test: impl FnOnce()) {
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> {
			balances: vec![
				(ALICE, 1_000_000),
				(BOB, 1_000_000),
				(CHARLIE, 1_000_000),
				(MODEST, 160),
				(POOR, 120),
			],
			..Default::default()
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.register_extension(KeystoreExt::new(MemoryKeystore::new()));
		ARCHIVE.with(|a| a.borrow_mut().clear());
		ext.execute_with(|| {
			System::set_block_number(1);
			test();
			crate::try_state::do_try_state::<Test>().expect("invariants hold");
		});
	}
}

/// Test externalities for the benchmark test suite.
#[cfg(feature = "runtime-benchmarks")]
pub fn new_test_ext() -> sp_io::TestExternalities {
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.register_extension(KeystoreExt::new(MemoryKeystore::new()));
	ext.execute_with(|| System::set_block_number(1));
	ext
}
