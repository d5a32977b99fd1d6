//! # teeid runtime
//!
//! The runtime of the teeid chain: a decentralized-identity chain whose verifiable credentials
//! are produced inside a TEE. This crate composes the FRAME pallets; their configuration lives
//! in [`configs`], the runtime APIs in [`apis`] and the genesis presets in
//! [`genesis_config_presets`].
//!
//! Clients need no custom types: the runtime exposes metadata V15 and V16, and every call,
//! event, error and runtime API is described there. Signed transactions carry the
//! `CheckMetadataHash` extension so offline signers can verify what they sign.

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime` style macros expand to large types.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

use alloc::vec::Vec;

// Declared before `apis`, whose benchmark API uses the macros it defines.
#[cfg(feature = "runtime-benchmarks")]
#[macro_use]
mod benchmarks;
pub mod apis;
pub mod configs;
pub mod genesis_config_presets;

use sp_runtime::{generic, impl_opaque_keys, traits::BlakeTwo256};
use sp_version::{runtime_version, RuntimeVersion};

pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
pub use pallet_timestamp::Call as TimestampCall;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;
pub use teeid_primitives::{
	AccountId, Balance, BlockNumber, Hash, Nonce, MICRO_UNIT, MILLI_UNIT, SS58_PREFIX,
	TOKEN_DECIMALS, TOKEN_SYMBOL, UNIT,
};

/// The signature type of extrinsics: sr25519, ed25519 or ecdsa, chosen by the signer.
pub type Signature = sp_runtime::MultiSignature;

// `teeid-primitives` names the account type without `sp-runtime`; it must be the account that
// a `Signature`'s signer identifies.
const _: fn(AccountId) -> <<Signature as sp_runtime::traits::Verify>::Signer as sp_runtime::traits::IdentifyAccount>::AccountId = |account| account;

/// Opaque types, used by the node to handle blocks without knowing the runtime's extrinsic
/// format, so that it keeps syncing across runtime upgrades.
pub mod opaque {
	use super::*;
	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Opaque block header type.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block type.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// Opaque block hash type.
	pub type Hash = <BlakeTwo256 as sp_runtime::traits::Hash>::Output;
}

impl_opaque_keys! {
	/// The session keys of a validator: Aura for block production, GRANDPA for finality.
	pub struct SessionKeys {
		/// Block production.
		pub aura: Aura,
		/// Finality.
		pub grandpa: Grandpa,
	}
}

/// The runtime's version. Bump `spec_version` with every change of behaviour and
/// `transaction_version` with every change of a call's index or encoding.
#[cfg(not(feature = "upgrade-test"))]
#[runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("teeid"),
	impl_name: alloc::borrow::Cow::Borrowed("teeid"),
	authoring_version: 1,
	spec_version: 104,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 3,
	system_version: 1,
};

// The `upgrade-test` runtime exists only as the wasm that build.rs makes beside the runtime's
// own: a node built with the feature would embed it as its runtime.
#[cfg(all(feature = "std", feature = "upgrade-test"))]
compile_error!("`upgrade-test` is for the wasm that build.rs makes, never for a native build");

/// The version of the `upgrade-test` build: this runtime one `spec_version` up, which the
/// end-to-end suite upgrades a running chain to. `spec_version` must be a literal (the
/// `runtime_version` attribute reads it), so it is bumped together with the one above.
#[cfg(feature = "upgrade-test")]
#[runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("teeid"),
	impl_name: alloc::borrow::Cow::Borrowed("teeid"),
	authoring_version: 1,
	spec_version: 105,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 3,
	system_version: 1,
};

/// The target block time. Aura produces one block per slot of this length.
pub const MILLI_SECS_PER_BLOCK: u64 = 6000;

/// The Aura slot duration. It cannot change once the chain has started: doing so would stop
/// block production.
pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;

/// Blocks per minute.
pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
/// Blocks per hour.
pub const HOURS: BlockNumber = MINUTES * 60;
/// Blocks per day.
pub const DAYS: BlockNumber = HOURS * 24;

/// The minimum balance an account must hold to exist.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;

/// The address format for describing accounts.
pub type Address = sp_runtime::MultiAddress<AccountId, ()>;

/// Block header type as expected by this runtime.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;

/// Block type as expected by this runtime.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;

/// The transaction extensions, checked in this order for every signed transaction.
pub type TxExtension = (
	frame_system::AuthorizeCall<Runtime>,
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	frame_metadata_hash_extension::CheckMetadataHash<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);

/// Unchecked extrinsic type as expected by this runtime.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;

/// The payload being signed in transactions.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Migrations to run on runtime upgrade, besides the pallets' own. Each is versioned: it runs
/// on a chain at the storage version it migrates from, and does nothing on any other.
type Migrations = (
	pallet_attestation::migrations::v4::MigrateV3ToV4<Runtime>,
	migrations::SessionFromFixedAuthorities,
);

/// Executive: dispatches to the pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

/// The runtime: the pallets in dispatch order. Indices are part of every call's encoding and
/// never change; the teeid pallets take indices from 20 on as they land.
#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;

	#[runtime::pallet_index(2)]
	pub type Aura = pallet_aura;

	#[runtime::pallet_index(3)]
	pub type Grandpa = pallet_grandpa;

	#[runtime::pallet_index(4)]
	pub type Balances = pallet_balances;

	#[runtime::pallet_index(5)]
	pub type TransactionPayment = pallet_transaction_payment;

	#[runtime::pallet_index(6)]
	pub type Sudo = pallet_sudo;

	#[runtime::pallet_index(7)]
	pub type Utility = pallet_utility;

	#[runtime::pallet_index(8)]
	pub type Committee = pallet_collective<Instance1>;

	#[runtime::pallet_index(9)]
	pub type CommitteeMembership = pallet_membership<Instance1>;

	#[runtime::pallet_index(10)]
	pub type Preimage = pallet_preimage;

	#[runtime::pallet_index(11)]
	pub type Whitelist = pallet_whitelist;

	// The session manager's storage and hooks come before the session's, which asks it for the
	// next set in its own `on_initialize`; Aura and GRANDPA (indices 2, 3) take the new
	// authorities from the session.
	#[runtime::pallet_index(12)]
	pub type CollatorSelection = pallet_collator_selection;

	#[runtime::pallet_index(13)]
	pub type Session = pallet_session;

	#[runtime::pallet_index(20)]
	pub type Did = pallet_did;

	#[runtime::pallet_index(21)]
	pub type Cpt = pallet_cpt;

	#[runtime::pallet_index(22)]
	pub type Evidence = pallet_evidence;

	#[runtime::pallet_index(23)]
	pub type Attestation = pallet_attestation;
}

mod migrations;

#[cfg(test)]
mod tests;
