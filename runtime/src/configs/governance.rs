//! Governance: the committee does what root does.
//!
//! The committee is a `pallet-collective` whose members `pallet-membership` keeps (WeIdentity's
//! committee, on chain). A member proposes a call, the members vote, and once enough voted aye
//! anyone closes the motion, which dispatches the call with the committee's origin:
//!
//! - **more than half** ([`GovernanceOrigin`]): the network's operational acts, which the teeid
//!   pallets accept from this origin: allowlisting and disallowing TA code, bootstrapping the
//!   first worker, the simulation flag, device certifiers, CPT administrators, and adding and
//!   removing validators (`configs/validators.rs`);
//! - **two thirds** ([`GovernanceTwoThirds`]): acts that change who governs or what code
//!   runs: the committee's own membership, and calls that need root itself (a runtime upgrade's
//!   `system.authorizeUpgrade`), which the committee reaches through `pallet-whitelist`: one
//!   motion of `utility.batchAll([whitelist.whitelistCall(hash),
//!   whitelist.dispatchWhitelistedCallWithPreimage(call)])` dispatches `call` as root.
//!
//! Root itself (sudo on the development chain) keeps every power: the origins below are "root
//! or the committee". Chains built from the `local_testnet` and `production` presets have no
//! sudo key, so the committee is the only way in.

use frame_support::{
	parameter_types,
	traits::{fungible::HoldConsideration, ConstU32, EitherOf, LinearStoragePrice},
	weights::Weight,
};
use frame_system::EnsureRoot;
use sp_runtime::Perbill;

use super::RuntimeBlockWeights;
use crate::{
	AccountId, Balance, Balances, BlockNumber, Committee, Preimage, Runtime, RuntimeCall,
	RuntimeEvent, RuntimeHoldReason, RuntimeOrigin, System, DAYS, MILLI_UNIT, UNIT,
};

/// The committee's collective.
pub type CommitteeCollective = pallet_collective::Instance1;

/// The membership of the committee's collective.
pub type CommitteeMembershipInstance = pallet_membership::Instance1;

/// Root, or more than half of the committee.
pub type GovernanceOrigin = EitherOf<
	EnsureRoot<AccountId>,
	pallet_collective::EnsureProportionMoreThan<AccountId, CommitteeCollective, 1, 2>,
>;

/// Root, or at least two thirds of the committee.
pub type GovernanceTwoThirds = EitherOf<
	EnsureRoot<AccountId>,
	pallet_collective::EnsureProportionAtLeast<AccountId, CommitteeCollective, 2, 3>,
>;

/// The most committee members: a consortium's members, not a public electorate.
pub const MAX_COMMITTEE_MEMBERS: u32 = 16;

parameter_types! {
	/// A motion that has not gathered its threshold in three days can be closed as
	/// disapproved (it closes as soon as it has).
	pub const CommitteeMotionDuration: BlockNumber = 3 * DAYS;
	/// A motion may dispatch a call of up to half a block's weight.
	pub CommitteeMaxProposalWeight: Weight =
		Perbill::from_percent(50) * RuntimeBlockWeights::get().max_block;
}

/// Members who did not vote by a motion's end count as voting nay: no motion passes by
/// silence (with `PrimeDefaultVote`, a prime member's aye alone would carry a motion nobody
/// else voted on, root calls through the whitelist included).
pub struct AbsentVotesNay;

impl pallet_collective::DefaultVote for AbsentVotesNay {
	fn default_vote(
		_prime_vote: Option<bool>,
		_yes_votes: pallet_collective::MemberCount,
		_no_votes: pallet_collective::MemberCount,
		_len: pallet_collective::MemberCount,
	) -> bool {
		false
	}
}

impl pallet_collective::Config<CommitteeCollective> for Runtime {
	type RuntimeOrigin = RuntimeOrigin;
	type Proposal = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	type MotionDuration = CommitteeMotionDuration;
	type MaxProposals = ConstU32<32>;
	type MaxMembers = ConstU32<MAX_COMMITTEE_MEMBERS>;
	type DefaultVote = AbsentVotesNay;
	type WeightInfo = pallet_collective::weights::SubstrateWeight<Runtime>;
	/// Membership changes go through `pallet-membership`, which tells the collective.
	type SetMembersOrigin = EnsureRoot<AccountId>;
	type MaxProposalWeight = CommitteeMaxProposalWeight;
	type DisapproveOrigin = GovernanceTwoThirds;
	type KillOrigin = GovernanceTwoThirds;
	/// Only members propose, and at most `MaxProposals` motions are open: nothing to charge.
	type Consideration = ();
}

impl pallet_membership::Config<CommitteeMembershipInstance> for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type AddOrigin = GovernanceTwoThirds;
	type RemoveOrigin = GovernanceTwoThirds;
	type SwapOrigin = GovernanceTwoThirds;
	type ResetOrigin = GovernanceTwoThirds;
	type PrimeOrigin = GovernanceTwoThirds;
	type MembershipInitialized = Committee;
	type MembershipChanged = Committee;
	type MaxMembers = ConstU32<MAX_COMMITTEE_MEMBERS>;
	type WeightInfo = pallet_membership::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// A stored preimage holds 1 TEEID plus 0.001 TEEID per byte.
	pub const PreimageBaseDeposit: Balance = UNIT;
	pub const PreimageByteDeposit: Balance = MILLI_UNIT;
	pub const PreimageHoldReason: RuntimeHoldReason =
		RuntimeHoldReason::Preimage(pallet_preimage::HoldReason::Preimage);
}

impl pallet_preimage::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = pallet_preimage::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	type ManagerOrigin = GovernanceOrigin;
	type Consideration = HoldConsideration<
		AccountId,
		Balances,
		PreimageHoldReason,
		LinearStoragePrice<PreimageBaseDeposit, PreimageByteDeposit, Balance>,
	>;
}

parameter_types! {
	/// A deferred whitelisted dispatch expires after a day.
	pub const WhitelistDeferredDispatchExpiration: BlockNumber = DAYS;
}

impl pallet_whitelist::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WhitelistOrigin = GovernanceTwoThirds;
	type DispatchWhitelistedOrigin = GovernanceTwoThirds;
	type Preimages = Preimage;
	type DeferredDispatchExpiration = WhitelistDeferredDispatchExpiration;
	type BlockNumberProvider = System;
	type WeightInfo = pallet_whitelist::weights::SubstrateWeight<Runtime>;
}
