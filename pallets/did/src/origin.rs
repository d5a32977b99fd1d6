//! The DID origin: what a call dispatched by `submit_did_call` runs as.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::marker::PhantomData;
use frame_support::traits::EnsureOrigin;
use frame_system::pallet_prelude::OriginFor;
use scale_info::TypeInfo;

use crate::Config;

/// A call authorized by a DID key: `did` signed the operation, `submitter` submitted (and paid
/// for) it.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct DidRawOrigin<AccountId> {
	/// The DID whose key authorized the call.
	pub did: AccountId,
	/// The account that submitted the operation.
	pub submitter: AccountId,
}

/// Ensures that a call was authorized by a DID key (dispatched by `submit_did_call`), yielding
/// the [`DidRawOrigin`]. Other pallets use it as their `EnsureOrigin` for DID-authorized calls.
pub struct EnsureDid<T>(PhantomData<T>);

impl<T: Config> EnsureOrigin<OriginFor<T>> for EnsureDid<T> {
	type Success = DidRawOrigin<T::AccountId>;

	fn try_origin(origin: OriginFor<T>) -> Result<Self::Success, OriginFor<T>> {
		let outer = <<T as Config>::RuntimeOrigin as From<OriginFor<T>>>::from(origin.clone());
		let did: Result<DidRawOrigin<T::AccountId>, <T as Config>::RuntimeOrigin> = outer.into();
		did.map_err(|_| origin)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn try_successful_origin() -> Result<OriginFor<T>, ()> {
		let zero = frame_benchmarking::account::<T::AccountId>("did", 0, 0);
		let outer = <<T as Config>::RuntimeOrigin as From<DidRawOrigin<T::AccountId>>>::from(
			DidRawOrigin { did: zero.clone(), submitter: zero },
		);
		Ok(Into::<OriginFor<T>>::into(outer))
	}
}
