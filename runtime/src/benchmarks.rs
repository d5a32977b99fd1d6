//! The pallets whose benchmarks `teeid-node benchmark pallet` runs.

frame_benchmarking::define_benchmarks!(
	[frame_benchmarking, BaselineBench::<Runtime>]
	[frame_system, SystemBench::<Runtime>]
	[frame_system_extensions, SystemExtensionsBench::<Runtime>]
	[pallet_balances, Balances]
	[pallet_timestamp, Timestamp]
	[pallet_sudo, Sudo]
	[pallet_utility, Utility]
	[pallet_collective, Committee]
	[pallet_membership, CommitteeMembership]
	[pallet_preimage, Preimage]
	[pallet_whitelist, Whitelist]
	[pallet_did, Did]
	[pallet_cpt, Cpt]
	[pallet_evidence, Evidence]
	[pallet_attestation, Attestation]
);

pub use frame_benchmarking::baseline::Pallet as BaselineBench;
pub use frame_system_benchmarking::{
	extensions::Pallet as SystemExtensionsBench, Pallet as SystemBench,
};

pub use super::{
	Attestation, Balances, Committee, CommitteeMembership, Cpt, Did, Evidence, Preimage, Runtime,
	Sudo, Timestamp, Utility, Whitelist,
};

impl frame_system_benchmarking::Config for Runtime {}
impl frame_benchmarking::baseline::Config for Runtime {}
