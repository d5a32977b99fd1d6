//! Configuration of every pallet in the runtime.

use frame_support::{
	derive_impl,
	dispatch::DispatchClass,
	parameter_types,
	traits::{ConstBool, ConstU128, ConstU32, ConstU64, ConstU8, VariantCountOf},
	weights::{
		constants::{ParityDbWeight, WEIGHT_REF_TIME_PER_SECOND},
		ConstantMultiplier, IdentityFee, Weight,
	},
};
use frame_system::limits::{BlockLength, BlockWeights};
use pallet_transaction_payment::{ConstFeeMultiplier, FungibleAdapter, Multiplier};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_runtime::{traits::One, Perbill};
use sp_version::RuntimeVersion;

mod governance;
mod validators;
pub use governance::{
	CommitteeCollective, CommitteeMembershipInstance, GovernanceOrigin, GovernanceTwoThirds,
	MAX_COMMITTEE_MEMBERS,
};
pub use validators::{MAX_VALIDATORS, SESSION_BLOCKS};

use super::{
	AccountId, Attestation, Aura, Balance, Balances, Block, BlockNumber, Did, Hash, Nonce,
	OriginCaller, PalletInfo, Runtime, RuntimeCall, RuntimeEvent, RuntimeFreezeReason,
	RuntimeHoldReason, RuntimeOrigin, RuntimeTask, System, EXISTENTIAL_DEPOSIT, HOURS, MILLI_UNIT,
	MINUTES, SLOT_DURATION, SS58_PREFIX, UNIT, VERSION,
};

/// Normal transactions may fill this share of a block; the rest is kept for operational ones.
const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);

/// The compute of one block: two seconds of a six-second slot.
const MAX_BLOCK_REF_TIME: u64 = 2 * WEIGHT_REF_TIME_PER_SECOND;

/// The most bytes of one block.
const MAX_BLOCK_LENGTH: u32 = 5 * 1024 * 1024;

/// The fee of one byte of a transaction, in planck: twice the block's compute divided by its
/// length (weight is charged one planck per picosecond). A block filled with bytes then costs at
/// least what a block filled with weight does, even counting the bytes of the weight-filling
/// transactions themselves (the cheapest, an empty `system.remark`, is about a hundred bytes and
/// about 2,800 fit a block: half a megabyte); so block space is never the cheap way to fill a
/// block, and archive nodes are paid for what they keep. (Rounded up; the normal-class share is
/// the same for weight and length.)
pub const TRANSACTION_BYTE_FEE: Balance =
	(2 * MAX_BLOCK_REF_TIME as Balance).div_ceil(MAX_BLOCK_LENGTH as Balance);

parameter_types! {
	/// How many recent block hashes `frame_system` keeps for mortal transactions.
	pub const BlockHashCount: BlockNumber = 2400;
	/// The runtime version, as `frame_system` reports it.
	pub const Version: RuntimeVersion = VERSION;

	/// Two seconds of compute per six-second block.
	pub RuntimeBlockWeights: BlockWeights = BlockWeights::with_sensible_defaults(
		Weight::from_parts(MAX_BLOCK_REF_TIME, u64::MAX),
		NORMAL_DISPATCH_RATIO,
	);
	/// Blocks of at most 5 MiB, of which normal transactions may fill 75%.
	pub RuntimeBlockLength: BlockLength = BlockLength::builder()
		.max_length(MAX_BLOCK_LENGTH)
		.modify_max_length_for_class(DispatchClass::Normal, |max| *max = NORMAL_DISPATCH_RATIO * *max)
		.build();
	/// The SS58 prefix of addresses on this chain.
	pub const SS58Prefix: u16 = SS58_PREFIX;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	/// The node stores state in ParityDB.
	type DbWeight = ParityDbWeight;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
}

impl pallet_aura::Config for Runtime {
	type AuthorityId = AuraId;
	type DisabledValidators = ();
	type MaxAuthorities = ConstU32<MAX_VALIDATORS>;
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<MAX_VALIDATORS>;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<0>;
	// A proof-of-authority chain without staking has no session history to prove ownership
	// against, so equivocation reports are not accepted.
	type KeyOwnerProof = sp_core::Void;
	type EquivocationReportSystem = ();
}

impl pallet_timestamp::Config for Runtime {
	/// Milliseconds since the unix epoch.
	type Moment = u64;
	type OnTimestampSet = Aura;
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = ();
}

impl pallet_balances::Config for Runtime {
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ();
	type ReserveIdentifier = [u8; 8];
	type Balance = Balance;
	type RuntimeEvent = RuntimeEvent;
	type DustRemoval = ();
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = System;
	type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type DoneSlashHandler = ();
}

parameter_types! {
	/// Fees do not follow congestion on this chain.
	pub FeeMultiplier: Multiplier = Multiplier::one();
	/// See [`TRANSACTION_BYTE_FEE`].
	pub const TransactionByteFee: Balance = TRANSACTION_BYTE_FEE;
}

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type OnChargeTransaction = FungibleAdapter<Balances, ()>;
	type OperationalFeeMultiplier = ConstU8<5>;
	type WeightToFee = IdentityFee<Balance>;
	type LengthToFee = ConstantMultiplier<Balance, TransactionByteFee>;
	type FeeMultiplierUpdate = ConstFeeMultiplier<FeeMultiplier>;
	type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

impl pallet_utility::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type PalletsOrigin = OriginCaller;
	type WeightInfo = pallet_utility::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// Every DID holds 0.1 TEEID, plus 0.001 TEEID per byte of its record (a full DID holds
	/// about 5 TEEID).
	pub const DidDepositBase: Balance = 100 * MILLI_UNIT;
	pub const DidDepositPerByte: Balance = MILLI_UNIT;
	/// Deactivating a DID burns the whole base and releases the per-byte part. A tombstone is
	/// exactly the record's fixed-size part, which the base prices, and it stays for good, so
	/// that price is paid rather than held. Deactivating never costs more than the deposit
	/// already held, so nothing deters retiring a compromised DID. Must not exceed the base.
	pub const DidTombstoneFee: Balance = DidDepositBase::get();
	/// A DID-signed operation may be relayed for up to an hour after it is signed.
	pub const DidMaxOperationValidity: BlockNumber = HOURS;
}

impl pallet_did::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeOrigin = RuntimeOrigin;
	type RuntimeCall = RuntimeCall;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type DepositBase = DidDepositBase;
	type DepositPerByte = DidDepositPerByte;
	type TombstoneFee = DidTombstoneFee;
	type MaxKeys = ConstU32<16>;
	type MaxServices = ConstU32<8>;
	type MaxDelegates = ConstU32<16>;
	type MaxIdLength = ConstU32<32>;
	type MaxServiceTypeLength = ConstU32<64>;
	type MaxServiceEndpointLength = ConstU32<256>;
	type MaxAttributeNameLength = ConstU32<64>;
	type MaxAttributeValueLength = ConstU32<1024>;
	type MaxOperationValidity = DidMaxOperationValidity;
	type BoundSigners = Attestation;
	type WeightInfo = pallet_did::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type RelayedCalls = CptRegistrations;
}

/// Which calls a DID key may authorize through `Did::submit_did_call`, and with which
/// relationship. Calls of pallets that accept the DID origin are listed here as they land.
impl pallet_did::DidAuthorizedCall for RuntimeCall {
	fn required_relationship(&self) -> Option<pallet_did::Relationship> {
		match self {
			RuntimeCall::Did(call) => call.required_relationship(),
			RuntimeCall::Cpt(call) => Some(call.required_relationship()),
			RuntimeCall::Evidence(call) => call.required_relationship(),
			_ => None,
		}
	}
}

/// The longest call a DID can authorize is a CPT registration with the longest schema,
/// description and title. The benchmarks of `submit_did_call` relay registrations in the
/// system range, which a DID without a role is refused at the permission check, before the
/// schema is read.
#[cfg(feature = "runtime-benchmarks")]
pub struct CptRegistrations;

#[cfg(feature = "runtime-benchmarks")]
impl CptRegistrations {
	/// The longest schema, description and title.
	fn limits() -> (u32, u32, u32) {
		use frame_support::traits::Get;
		type Cpt = <Runtime as pallet_cpt::Config>::MaxSchemaLength;
		type Description = <Runtime as pallet_cpt::Config>::MaxDescriptionLength;
		type Title = <Runtime as pallet_cpt::Config>::MaxTitleLength;
		(Cpt::get(), Description::get(), Title::get())
	}

	/// A registration with fields of these lengths, each at most its limit.
	fn register(schema: u32, description: u32, title: u32) -> RuntimeCall {
		let filled = |byte: u8, length: u32| alloc::vec![byte; length as usize];
		RuntimeCall::Cpt(pallet_cpt::Call::register_cpt {
			range: pallet_cpt::CptRange::System,
			id: None,
			title: filled(b't', title).try_into().expect("at most the limit; qed"),
			description: filled(b'd', description).try_into().expect("at most the limit; qed"),
			schema: filled(b' ', schema).try_into().expect("at most the limit; qed"),
		})
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl pallet_did::benchmark_helpers::RelayedCalls<RuntimeCall> for CptRegistrations {
	fn lengths() -> (u32, u32) {
		use codec::Encode;
		let (schema, description, title) = Self::limits();
		let longest = Self::register(schema, description, title);
		(Self::register(0, 0, 0).encoded_size() as u32, longest.encoded_size() as u32)
	}

	fn call(length: u32) -> RuntimeCall {
		let mut extra = length.saturating_sub(Self::lengths().0);
		let mut take = |max: u32| {
			let n = extra.min(max);
			extra -= n;
			n
		};
		let (schema, description, title) = Self::limits();
		let (schema, description, title) = (take(schema), take(description), take(title));
		Self::register(schema, description, title)
	}
}

parameter_types! {
	/// Every CPT, authority issuer record, issuer type and type membership holds 0.1 TEEID,
	/// plus 0.001 TEEID per stored byte (a CPT with the largest schema holds about 17 TEEID).
	pub const CptDepositBase: Balance = 100 * MILLI_UNIT;
	pub const CptDepositPerByte: Balance = MILLI_UNIT;
}

impl pallet_cpt::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Dids = Did;
	/// Root or a committee majority appoints and removes administrators.
	type GovernanceOrigin = GovernanceOrigin;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type DepositBase = CptDepositBase;
	type DepositPerByte = CptDepositPerByte;
	type MaxAdministrators = ConstU32<16>;
	type MaxCommitteeMembers = ConstU32<32>;
	type MaxNameLength = ConstU32<64>;
	type MaxIssuersPerType = ConstU32<10_000>;
	type MaxTitleLength = ConstU32<128>;
	type MaxDescriptionLength = ConstU32<1024>;
	type MaxSchemaLength = ConstU32<{ 16 * 1024 }>;
	type MaxVersions = ConstU32<1_000>;
	type WeightInfo = pallet_cpt::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// Every evidence signer record, extra key and batch holds 0.01 TEEID plus 0.0001 TEEID per
	/// stored byte (a signer record about 0.02 TEEID). Evidence is never removed.
	pub const EvidenceDepositBase: Balance = 10 * MILLI_UNIT;
	pub const EvidenceDepositPerByte: Balance = MILLI_UNIT / 10;
	/// An evidence signature must be anchored at a block of the last hour.
	pub const EvidenceSignatureValidity: BlockNumber = HOURS;
}

impl pallet_evidence::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Dids = Did;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type DepositBase = EvidenceDepositBase;
	type DepositPerByte = EvidenceDepositPerByte;
	type MaxLogLength = ConstU32<1024>;
	type MaxExtraKeyLength = ConstU32<128>;
	type SignatureValidity = EvidenceSignatureValidity;
	type WeightInfo = pallet_evidence::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// A worker holds 10 TEEID while registered; a signer binding 0.1 TEEID.
	pub const AttestationWorkerDeposit: Balance = 10 * UNIT;
	pub const AttestationBindingDeposit: Balance = 100 * MILLI_UNIT;
	/// A report must be anchored at a block of the last ten minutes.
	pub const AttestationReportValidity: BlockNumber = 10 * MINUTES;
	/// Workers report once a minute.
	pub const AttestationSlotLength: BlockNumber = MINUTES;
}

impl pallet_attestation::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Dids = Did;
	/// Root or a committee majority.
	type AdminOrigin = GovernanceOrigin;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type WorkerDeposit = AttestationWorkerDeposit;
	type BindingDeposit = AttestationBindingDeposit;
	type ReportValidity = AttestationReportValidity;
	type SlotLength = AttestationSlotLength;
	/// A worker that misses three reports in a row is inactive...
	type MissedSlots = ConstU32<3>;
	/// ...and may be unregistered by anyone ten slots later.
	type StaleSlots = ConstU32<10>;
	type MaxAllowedCode = ConstU32<16>;
	type MaxSignersPerDid = ConstU32<8>;
	type MaxExpiriesPerBlock = ConstU32<32>;
	/// Device certifiers are the operators' provisioning authorities: a few per network.
	type MaxDeviceCertifiers = ConstU32<16>;
	type WeightInfo = pallet_attestation::weights::SubstrateWeight<Runtime>;
}
