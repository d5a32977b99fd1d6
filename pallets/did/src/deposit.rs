//! Storage deposits: the one mechanism every teeid pallet holds, resizes and releases them with.
//!
//! A record that stays in state holds a deposit from whoever added it: a base per record plus a
//! price per stored byte ([`deposit_for`]). The [`Deposit`] stored beside the record says from
//! whom and how much, so the same amount comes back when the record goes (or the record's size
//! changes, [`Deposit::resize`]), whatever the prices are by then.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::traits::{
	fungible::MutateHold,
	tokens::{Fortitude, Precision},
};
use scale_info::TypeInfo;
use sp_runtime::{
	traits::{Saturating, Zero},
	DispatchError,
};

/// The deposit held for a stored record.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Deposit<AccountId, Balance> {
	/// Who the deposit is held from.
	pub owner: AccountId,
	/// How much is held.
	pub amount: Balance,
}

/// Why a deposit could not be held.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DepositError {
	/// The owner's free balance cannot cover it.
	Insufficient,
}

/// The deposit for a record of `bytes` stored bytes: `base` plus `per_byte` for each byte.
pub fn deposit_for<Balance: Saturating + From<u32>>(
	base: Balance,
	per_byte: Balance,
	bytes: usize,
) -> Balance {
	let bytes = u32::try_from(bytes).unwrap_or(u32::MAX);
	base.saturating_add(per_byte.saturating_mul(bytes.into()))
}

impl<AccountId, Balance> Deposit<AccountId, Balance>
where
	Balance: Copy + Saturating + Zero + PartialOrd,
{
	/// Holds `amount` from `owner` for `reason`.
	pub fn hold<C: MutateHold<AccountId, Balance = Balance>>(
		reason: &C::Reason,
		owner: AccountId,
		amount: Balance,
	) -> Result<Self, DepositError> {
		C::hold(reason, &owner, amount).map_err(|_| DepositError::Insufficient)?;
		Ok(Self { owner, amount })
	}

	/// Releases the deposit to its owner. Best effort: what a slash took is not released.
	pub fn release<C: MutateHold<AccountId, Balance = Balance>>(
		&self,
		reason: &C::Reason,
	) -> Result<(), DispatchError> {
		C::release(reason, &self.owner, self.amount, Precision::BestEffort).map(|_| ())
	}

	/// Holds more or releases some so that `required` is held.
	pub fn resize<C: MutateHold<AccountId, Balance = Balance>>(
		&mut self,
		reason: &C::Reason,
		required: Balance,
	) -> Result<(), DepositError> {
		if required > self.amount {
			C::hold(reason, &self.owner, required.saturating_sub(self.amount))
				.map_err(|_| DepositError::Insufficient)?;
		} else if self.amount > required {
			// Best effort, as in `release`: releasing can only fail for less than is held.
			let _ = C::release(
				reason,
				&self.owner,
				self.amount.saturating_sub(required),
				Precision::BestEffort,
			);
		}
		self.amount = required;
		Ok(())
	}

	/// Burns `fee` of the deposit (never more than is held) and releases the rest to its
	/// owner: what a record that stays in state for good pays for staying.
	pub fn burn_and_release<C: MutateHold<AccountId, Balance = Balance>>(
		&self,
		reason: &C::Reason,
		fee: Balance,
	) -> Result<Balance, DispatchError> {
		let fee = if fee > self.amount { self.amount } else { fee };
		let burnt = if fee.is_zero() {
			Zero::zero()
		} else {
			C::burn_held(reason, &self.owner, fee, Precision::BestEffort, Fortitude::Force)?
		};
		C::release(reason, &self.owner, self.amount.saturating_sub(fee), Precision::BestEffort)?;
		Ok(burnt)
	}
}
