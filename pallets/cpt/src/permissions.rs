//! Who may do what: the role/operation matrix (WeIdentity's `RoleManager.checkPermission`).
//!
//! Permission is a pure function of a role and an operation, [`permits`]. A caller holds a
//! set of roles for a given call ([`Roles`]: the standing roles of its DID, plus `Owner` when
//! it owns the object the call touches); the call is allowed when any held role permits the
//! operation. Every call of the pallet goes through `Pallet::authorize`, which builds the
//! caller's [`Roles`] and asks [`Roles::allow`].

use crate::types::CptRange;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// A role a DID can hold.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum Role {
	/// A system administrator: manages administrators, the committee and authority issuers,
	/// publishes system CPTs, and may choose a CPT id ahead of its range's cursor.
	Administrator,
	/// A committee member: governs authority issuers, publishes system CPTs, and may choose a
	/// CPT id ahead of its range's cursor.
	CommitteeMember,
	/// A recognized authority issuer: publishes authority CPTs and manages the issuers of
	/// specific issuer types.
	AuthorityIssuer,
	/// The owner of the object a call touches: a CPT's publisher, an issuer type's registrant,
	/// an authority issuer's own application.
	Owner,
	/// Any active DID.
	AnyDid,
}

impl Role {
	/// Every role, for exhaustive checks.
	pub const ALL: [Role; 5] = [
		Role::Administrator,
		Role::CommitteeMember,
		Role::AuthorityIssuer,
		Role::Owner,
		Role::AnyDid,
	];
}

/// An operation that needs permission.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum Operation {
	/// Make a DID an administrator.
	AddAdministrator,
	/// Remove an administrator.
	RemoveAdministrator,
	/// Make a DID a committee member.
	AddCommitteeMember,
	/// Remove a committee member.
	RemoveCommitteeMember,
	/// Apply to become an authority issuer.
	ApplyAuthorityIssuer,
	/// Recognize an applicant (or a de-recognized issuer) as an authority issuer.
	RecognizeAuthorityIssuer,
	/// Withdraw an authority issuer's recognition.
	DerecognizeAuthorityIssuer,
	/// Remove an authority issuer's record (an application withdrawn, or an issuer expelled).
	RemoveAuthorityIssuer,
	/// Register a specific issuer type.
	RegisterIssuerType,
	/// Add an issuer to a specific issuer type.
	AddIssuerToType,
	/// Remove an issuer from a specific issuer type.
	RemoveIssuerFromType,
	/// Remove an (empty) specific issuer type.
	RemoveIssuerType,
	/// Register a CPT in a range.
	RegisterCpt(CptRange),
	/// Publish a new version of a CPT.
	UpdateCpt,
	/// Choose, when registering a CPT, an id at or above its range's cursor, which moves the
	/// cursor past it. Governance's alone: choosing a range's last id ends numbering in order
	/// in that range for everyone.
	ChooseIdAheadOfCursor,
}

impl Operation {
	/// Every operation, for exhaustive checks.
	pub const ALL: [Operation; 17] = [
		Operation::AddAdministrator,
		Operation::RemoveAdministrator,
		Operation::AddCommitteeMember,
		Operation::RemoveCommitteeMember,
		Operation::ApplyAuthorityIssuer,
		Operation::RecognizeAuthorityIssuer,
		Operation::DerecognizeAuthorityIssuer,
		Operation::RemoveAuthorityIssuer,
		Operation::RegisterIssuerType,
		Operation::AddIssuerToType,
		Operation::RemoveIssuerFromType,
		Operation::RemoveIssuerType,
		Operation::RegisterCpt(CptRange::System),
		Operation::RegisterCpt(CptRange::Authority),
		Operation::RegisterCpt(CptRange::Normal),
		Operation::UpdateCpt,
		Operation::ChooseIdAheadOfCursor,
	];
}

/// Whether `role` permits `operation`. The whole policy of the pallet is this table.
pub const fn permits(role: Role, operation: Operation) -> bool {
	use Operation::*;
	match role {
		Role::Administrator => matches!(
			operation,
			AddAdministrator
				| RemoveAdministrator
				| AddCommitteeMember
				| RemoveCommitteeMember
				| RecognizeAuthorityIssuer
				| DerecognizeAuthorityIssuer
				| RemoveAuthorityIssuer
				| RegisterCpt(CptRange::System)
				| UpdateCpt | ChooseIdAheadOfCursor
		),
		Role::CommitteeMember => matches!(
			operation,
			RecognizeAuthorityIssuer
				| DerecognizeAuthorityIssuer
				| RemoveAuthorityIssuer
				| RegisterCpt(CptRange::System)
				| UpdateCpt | ChooseIdAheadOfCursor
		),
		Role::AuthorityIssuer => matches!(
			operation,
			AddIssuerToType | RemoveIssuerFromType | RegisterCpt(CptRange::Authority)
		),
		Role::Owner => matches!(operation, RemoveAuthorityIssuer | RemoveIssuerType | UpdateCpt),
		Role::AnyDid => {
			matches!(
				operation,
				ApplyAuthorityIssuer | RegisterIssuerType | RegisterCpt(CptRange::Normal)
			)
		},
	}
}

/// The roles a caller holds for one call.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Roles {
	/// The caller is an administrator.
	pub administrator: bool,
	/// The caller is a committee member.
	pub committee_member: bool,
	/// The caller is a recognized authority issuer.
	pub authority_issuer: bool,
	/// The caller owns the object the call touches.
	pub owner: bool,
}

impl Roles {
	/// Whether the caller holds `role` (every caller is an active DID).
	pub fn holds(&self, role: Role) -> bool {
		match role {
			Role::Administrator => self.administrator,
			Role::CommitteeMember => self.committee_member,
			Role::AuthorityIssuer => self.authority_issuer,
			Role::Owner => self.owner,
			Role::AnyDid => true,
		}
	}

	/// Whether any role the caller holds permits `operation`.
	pub fn allow(&self, operation: Operation) -> bool {
		Role::ALL.into_iter().any(|role| self.holds(role) && permits(role, operation))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	/// The expected matrix, written out cell by cell: for each operation, the roles that may
	/// perform it.
	fn expected(operation: Operation) -> &'static [Role] {
		use Operation::*;
		use Role::*;
		match operation {
			AddAdministrator | RemoveAdministrator | AddCommitteeMember | RemoveCommitteeMember => {
				&[Administrator]
			},
			ApplyAuthorityIssuer | RegisterIssuerType => &[AnyDid],
			RecognizeAuthorityIssuer | DerecognizeAuthorityIssuer | ChooseIdAheadOfCursor => {
				&[Administrator, CommitteeMember]
			},
			RemoveAuthorityIssuer => &[Administrator, CommitteeMember, Owner],
			AddIssuerToType | RemoveIssuerFromType => &[AuthorityIssuer],
			RemoveIssuerType => &[Owner],
			RegisterCpt(CptRange::System) => &[Administrator, CommitteeMember],
			RegisterCpt(CptRange::Authority) => &[AuthorityIssuer],
			RegisterCpt(CptRange::Normal) => &[AnyDid],
			UpdateCpt => &[Administrator, CommitteeMember, Owner],
		}
	}

	#[test]
	fn every_cell_of_the_matrix_works() {
		for operation in Operation::ALL {
			for role in Role::ALL {
				assert_eq!(
					permits(role, operation),
					expected(operation).contains(&role),
					"{role:?} / {operation:?}"
				);
			}
		}
	}

	#[test]
	fn a_caller_is_allowed_by_any_role_it_holds_works() {
		let nobody = Roles::default();
		let admin = Roles { administrator: true, ..Default::default() };
		let owner = Roles { owner: true, ..Default::default() };
		let issuer = Roles { authority_issuer: true, ..Default::default() };

		// Every DID may do what `AnyDid` permits, administrators included.
		assert!(nobody.allow(Operation::RegisterCpt(CptRange::Normal)));
		assert!(admin.allow(Operation::RegisterCpt(CptRange::Normal)));
		// Roles do not inherit from each other: an administrator is no authority issuer.
		assert!(!admin.allow(Operation::RegisterCpt(CptRange::Authority)));
		assert!(issuer.allow(Operation::RegisterCpt(CptRange::Authority)));
		assert!(!nobody.allow(Operation::UpdateCpt));
		assert!(owner.allow(Operation::UpdateCpt));
		assert!(admin.allow(Operation::UpdateCpt));

		// For every combination of held roles, `allow` is the union of the roles' columns.
		for bits in 0..16u8 {
			let roles = Roles {
				administrator: bits & 1 != 0,
				committee_member: bits & 2 != 0,
				authority_issuer: bits & 4 != 0,
				owner: bits & 8 != 0,
			};
			for operation in Operation::ALL {
				let union = expected(operation).iter().any(|role| roles.holds(*role));
				assert_eq!(roles.allow(operation), union, "{roles:?} / {operation:?}");
			}
		}
	}
}
