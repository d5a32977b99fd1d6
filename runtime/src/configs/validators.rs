//! Validators that change without a runtime upgrade.
//!
//! `pallet-session` rotates the Aura and GRANDPA authorities every [`SESSION_BLOCKS`] blocks to
//! the validators its session manager names, each with the session keys it registered
//! (`session.setKeys(keys, proof)`, the proof from its node's `author_rotateKeysWithOwner`).
//! The session manager is `pallet-collator-selection` with permissionless candidacy turned off
//! (no candidates): its *invulnerables* are the validator set, which governance (a committee
//! majority) changes with `collatorSelection.addInvulnerable(who)` and `removeInvulnerable(who)`;
//! a validator must have registered its keys first. A change made in session N takes effect at
//! the start of session N + 2 (the next session's set is queued a session ahead).

use frame_support::{parameter_types, traits::ConstU32, PalletId};
use sp_runtime::traits::ConvertInto;

use super::GovernanceOrigin;
use crate::{
	AccountId, Balance, Balances, BlockNumber, CollatorSelection, Runtime, RuntimeEvent, Session,
	SessionKeys, MILLI_UNIT, MINUTES,
};

/// How many blocks a session lasts: one minute. A validator set change takes effect within two
/// sessions, and each session start costs one authority-set change.
pub const SESSION_BLOCKS: BlockNumber = MINUTES;

/// The most validators: a consortium's, a few per member.
pub const MAX_VALIDATORS: u32 = 32;

parameter_types! {
	pub const SessionPeriod: BlockNumber = SESSION_BLOCKS;
	pub const SessionOffset: BlockNumber = 0;
	/// Registered session keys hold 0.1 TEEID.
	pub const SessionKeyDeposit: Balance = 100 * MILLI_UNIT;
	/// The account fees for block authors would be paid from; nothing is paid into it here.
	pub const ValidatorPotId: PalletId = PalletId(*b"teeid/vl");
}

impl pallet_session::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = AccountId;
	type ValidatorIdOf = ConvertInto;
	type ShouldEndSession = pallet_session::PeriodicSessions<SessionPeriod, SessionOffset>;
	type NextSessionRotation = pallet_session::PeriodicSessions<SessionPeriod, SessionOffset>;
	type SessionManager = CollatorSelection;
	type SessionHandler = <SessionKeys as sp_runtime::traits::OpaqueKeys>::KeyTypeIdProviders;
	type Keys = SessionKeys;
	/// Nobody is disabled: a proof-of-authority chain without slashing.
	type DisablingStrategy = ();
	type WeightInfo = pallet_session::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	type KeyDeposit = SessionKeyDeposit;
}

impl pallet_collator_selection::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	/// Root or a committee majority adds and removes validators.
	type UpdateOrigin = GovernanceOrigin;
	type PotId = ValidatorPotId;
	/// No permissionless candidates: the validators are the ones governance names.
	type MaxCandidates = ConstU32<0>;
	/// A validator set never shrinks below one.
	type MinEligibleCollators = ConstU32<1>;
	type MaxInvulnerables = ConstU32<MAX_VALIDATORS>;
	/// Only candidates are kicked for not authoring, and there are none.
	type KickThreshold = SessionPeriod;
	type ValidatorId = AccountId;
	type ValidatorIdOf = ConvertInto;
	type ValidatorRegistration = Session;
	type WeightInfo = pallet_collator_selection::weights::SubstrateWeight<Runtime>;
}
