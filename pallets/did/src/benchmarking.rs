//! Benchmarks of the DID pallet. Every call runs against a DID as large as the limits allow,
//! so that the weights are worst cases.

use super::*;
use crate::benchmark_helpers::{BenchKey, RelayedCalls};
use alloc::{format, vec};
use frame_benchmarking::v2::*;
use frame_support::traits::fungible::Mutate;
use frame_system::RawOrigin;
use sp_core::{ecdsa, ed25519};
use sp_runtime::traits::Bounded;

/// An account with ample funds for any deposit.
fn funded<T: Config>(name: &'static str) -> T::AccountId {
	let who: T::AccountId = account(name, 0, 0);
	T::Currency::set_balance(&who, BalanceOf::<T>::max_value() / 4u32.into());
	who
}

/// A fragment of exactly `MaxIdLength` bytes, unique per `i`.
fn id<T: Config>(prefix: &str, i: u32) -> Vec<u8> {
	let mut id = format!("{prefix}{i}").into_bytes();
	id.resize(T::MaxIdLength::get() as usize, b'x');
	id
}

/// A signing key that is not used to sign (its material does not matter for the cost).
pub(crate) fn filler_key<T: Config>(i: u32) -> KeyInput<BlockNumberFor<T>> {
	let mut raw = [0u8; 32];
	raw[..4].copy_from_slice(&i.to_le_bytes());
	VerificationKey {
		id: id::<T>("k", i),
		public: PublicKey::Ed25519(ed25519::Public::from_raw(raw)),
		relationships: Relationships::SIGNING,
		expires: Some(BlockNumberFor::<T>::max_value()),
	}
}

fn filler_service<T: Config>(i: u32) -> ServiceInput {
	let mut endpoint = b"https://".to_vec();
	endpoint.resize(T::MaxServiceEndpointLength::get() as usize, b'a');
	let mut service_type = b"LinkedDomains".to_vec();
	service_type.resize(T::MaxServiceTypeLength::get() as usize, b't');
	Service { id: id::<T>("s", i), service_type, endpoint }
}

/// Creates `subject`'s DID with `keys` keys (the last being `last` if given, so that looking
/// it up is the worst case), `services` services and `delegates` delegates.
fn did_with<T: Config>(
	subject: &T::AccountId,
	last: Option<KeyInput<BlockNumberFor<T>>>,
	keys: u32,
	services: u32,
	delegates: u32,
) {
	let mut all: Vec<_> = (0..keys).map(filler_key::<T>).collect();
	if let (Some(last), Some(slot)) = (last, all.last_mut()) {
		*slot = last;
	}
	let origin = RawOrigin::Signed(subject.clone());
	Pallet::<T>::create(origin.clone().into(), all, None).expect("the DID is valid");
	for i in 0..services {
		Pallet::<T>::add_service(origin.clone().into(), subject.clone(), filler_service::<T>(i))
			.expect("room for the service");
	}
	for i in 0..delegates {
		let delegate: T::AccountId = account("delegate", i, 0);
		Pallet::<T>::add_delegate(
			origin.clone().into(),
			subject.clone(),
			DelegateKind::AssertionMethod,
			delegate,
			1_000u32.into(),
		)
		.expect("room for the delegate");
	}
}

/// A DID at every limit but one slot of each collection left free.
fn almost_full<T: Config>(subject: &T::AccountId) {
	did_with::<T>(
		subject,
		None,
		T::MaxKeys::get() - 1,
		T::MaxServices::get() - 1,
		T::MaxDelegates::get() - 1,
	);
}

/// A DID at every limit.
fn full<T: Config>(subject: &T::AccountId) {
	did_with::<T>(subject, None, T::MaxKeys::get(), T::MaxServices::get(), T::MaxDelegates::get());
}

/// An attribute name and value of `l` bytes together.
fn attribute<T: Config>(l: u32) -> (Vec<u8>, Vec<u8>) {
	let name_len = l.clamp(1, T::MaxAttributeNameLength::get());
	(vec![b'n'; name_len as usize], vec![b'v'; (l - name_len) as usize])
}

/// A full DID whose last key signs with `scheme`, an operation relaying a call of about `l`
/// encoded bytes that fails at its first check (see [`RelayedCalls`]), and its signature.
fn signed_operation<T: Config>(
	scheme: SignatureScheme,
	l: u32,
) -> (T::AccountId, DidOperationOf<T>, DidSignature) {
	let subject = funded::<T>("subject");
	let signer = BenchKey::generate(scheme);
	let last = T::MaxKeys::get() - 1;
	let signing = VerificationKey { public: signer.public(), ..filler_key::<T>(last) };
	did_with::<T>(
		&subject,
		Some(signing),
		T::MaxKeys::get(),
		T::MaxServices::get(),
		T::MaxDelegates::get(),
	);
	let submitter: T::AccountId = funded::<T>("relayer");
	let operation = DidOperation {
		did: subject.clone(),
		nonce: 1,
		call: Box::new(T::RelayedCalls::call(l)),
		expires: frame_system::Pallet::<T>::block_number() + 1u32.into(),
		submitter: submitter.clone(),
		genesis_hash: frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero()),
		transaction_version: frame_system::Pallet::<T>::runtime_version().transaction_version,
	};
	let signature = DidSignature {
		key_id: id::<T>("k", last),
		signature: signer.sign(&operation.signing_bytes()),
	};
	(submitter, operation, signature)
}

fn assert_dispatched<T: Config>(subject: &T::AccountId) {
	assert_eq!(Dids::<T>::get(subject).map(|d| d.nonce), Some(1));
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn create(k: Linear<1, { T::MaxKeys::get() }>) {
		let subject = funded::<T>("subject");
		let keys: Vec<_> = (0..k).map(filler_key::<T>).collect();

		#[extrinsic_call]
		_(RawOrigin::Signed(subject.clone()), keys, None);

		assert_eq!(Dids::<T>::get(&subject).map(|d| d.keys.len() as u32), Some(k));
	}

	#[benchmark]
	fn add_key() {
		let subject = funded::<T>("subject");
		almost_full::<T>(&subject);
		let key = filler_key::<T>(T::MaxKeys::get());

		#[extrinsic_call]
		_(RawOrigin::Signed(subject.clone()), subject.clone(), key);

		assert_eq!(Dids::<T>::get(&subject).map(|d| d.keys.len() as u32), Some(T::MaxKeys::get()));
	}

	#[benchmark]
	fn remove_key() {
		let subject = funded::<T>("subject");
		full::<T>(&subject);
		let last = id::<T>("k", T::MaxKeys::get() - 1);

		#[extrinsic_call]
		_(RawOrigin::Signed(subject.clone()), subject.clone(), last);

		assert_eq!(
			Dids::<T>::get(&subject).map(|d| d.keys.len() as u32),
			Some(T::MaxKeys::get() - 1)
		);
	}

	#[benchmark]
	fn rotate_key() {
		let subject = funded::<T>("subject");
		full::<T>(&subject);
		let last = id::<T>("k", T::MaxKeys::get() - 1);
		// An ECDSA key is a byte longer than the Ed25519 key it replaces, so the rotation
		// holds more deposit: the hold is part of what is measured.
		let new = VerificationKey {
			public: PublicKey::EcdsaSecp256k1(ecdsa::Public::from_raw([2; 33])),
			..filler_key::<T>(T::MaxKeys::get())
		};
		let held = |did: &T::AccountId| Dids::<T>::get(did).map(|d| d.deposit.amount);
		let before = held(&subject);

		#[extrinsic_call]
		_(RawOrigin::Signed(subject.clone()), subject.clone(), last, new.clone());

		assert!(Dids::<T>::get(&subject).is_some_and(|d| d.key(&new.id).is_some()));
		assert!(held(&subject) > before);
	}

	#[benchmark]
	fn set_controller() {
		let subject = funded::<T>("subject");
		full::<T>(&subject);
		let controller: T::AccountId = account("controller", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(subject.clone()), subject.clone(), controller.clone());

		assert_eq!(Dids::<T>::get(&subject).map(|d| d.controller), Some(controller));
	}

	#[benchmark]
	fn add_delegate() {
		let subject = funded::<T>("subject");
		almost_full::<T>(&subject);
		let delegate: T::AccountId = account("delegate", T::MaxDelegates::get(), 0);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(subject.clone()),
			subject.clone(),
			DelegateKind::Authentication,
			delegate,
			10u32.into(),
		);

		assert_eq!(
			Dids::<T>::get(&subject).map(|d| d.delegates.len() as u32),
			Some(T::MaxDelegates::get())
		);
	}

	#[benchmark]
	fn revoke_delegate() {
		let subject = funded::<T>("subject");
		full::<T>(&subject);
		let last: T::AccountId = account("delegate", T::MaxDelegates::get() - 1, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(subject.clone()), subject.clone(), DelegateKind::AssertionMethod, last);

		assert_eq!(
			Dids::<T>::get(&subject).map(|d| d.delegates.len() as u32),
			Some(T::MaxDelegates::get() - 1)
		);
	}

	#[benchmark]
	fn set_attribute(
		l: Linear<1, { T::MaxAttributeNameLength::get() + T::MaxAttributeValueLength::get() }>,
	) {
		let subject = funded::<T>("subject");
		full::<T>(&subject);
		let (name, value) = attribute::<T>(l);

		#[extrinsic_call]
		_(RawOrigin::Signed(subject.clone()), subject.clone(), name, value, 10u32.into());

		assert!(Dids::<T>::get(&subject).is_some());
	}

	#[benchmark]
	fn revoke_attribute(
		l: Linear<1, { T::MaxAttributeNameLength::get() + T::MaxAttributeValueLength::get() }>,
	) {
		let subject = funded::<T>("subject");
		full::<T>(&subject);
		let (name, value) = attribute::<T>(l);

		#[extrinsic_call]
		_(RawOrigin::Signed(subject.clone()), subject.clone(), name, value);

		assert!(Dids::<T>::get(&subject).is_some());
	}

	#[benchmark]
	fn add_service() {
		let subject = funded::<T>("subject");
		almost_full::<T>(&subject);
		let service = filler_service::<T>(T::MaxServices::get());

		#[extrinsic_call]
		_(RawOrigin::Signed(subject.clone()), subject.clone(), service);

		assert_eq!(
			Dids::<T>::get(&subject).map(|d| d.services.len() as u32),
			Some(T::MaxServices::get())
		);
	}

	#[benchmark]
	fn remove_service() {
		let subject = funded::<T>("subject");
		full::<T>(&subject);
		let last = id::<T>("s", T::MaxServices::get() - 1);

		#[extrinsic_call]
		_(RawOrigin::Signed(subject.clone()), subject.clone(), last);

		assert_eq!(
			Dids::<T>::get(&subject).map(|d| d.services.len() as u32),
			Some(T::MaxServices::get() - 1)
		);
	}

	#[benchmark]
	fn deactivate() {
		let subject = funded::<T>("subject");
		full::<T>(&subject);

		#[extrinsic_call]
		_(RawOrigin::Signed(subject.clone()), subject.clone());

		assert!(Dids::<T>::get(&subject).is_some_and(|d| d.deactivated));
	}

	#[benchmark]
	fn submit_did_call_ed25519(
		l: Linear<{ T::RelayedCalls::lengths().0 }, { T::RelayedCalls::lengths().1 }>,
	) {
		let (submitter, operation, signature) = signed_operation::<T>(SignatureScheme::Ed25519, l);
		let subject = operation.did.clone();

		#[extrinsic_call]
		submit_did_call(RawOrigin::Signed(submitter), Box::new(operation), signature);

		assert_dispatched::<T>(&subject);
	}

	#[benchmark]
	fn submit_did_call_sr25519(
		l: Linear<{ T::RelayedCalls::lengths().0 }, { T::RelayedCalls::lengths().1 }>,
	) {
		let (submitter, operation, signature) = signed_operation::<T>(SignatureScheme::Sr25519, l);
		let subject = operation.did.clone();

		#[extrinsic_call]
		submit_did_call(RawOrigin::Signed(submitter), Box::new(operation), signature);

		assert_dispatched::<T>(&subject);
	}

	#[benchmark]
	fn submit_did_call_ecdsa(
		l: Linear<{ T::RelayedCalls::lengths().0 }, { T::RelayedCalls::lengths().1 }>,
	) {
		let (submitter, operation, signature) =
			signed_operation::<T>(SignatureScheme::EcdsaSecp256k1, l);
		let subject = operation.did.clone();

		#[extrinsic_call]
		submit_did_call(RawOrigin::Signed(submitter), Box::new(operation), signature);

		assert_dispatched::<T>(&subject);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
