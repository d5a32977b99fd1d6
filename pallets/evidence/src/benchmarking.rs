//! Benchmarks of the evidence pallet: each signature scheme separately (an Ed25519 signer is a
//! TEE key bound to the DID where the runtime has them, the costliest to check), and every call
//! against evidence that another DID created. A signer's record is read by its own key, so the
//! number of other signers costs nothing.

use super::*;
use alloc::vec;
use frame_benchmarking::v2::*;
use frame_support::traits::fungible::Mutate;
use pallet_did::{benchmark_helpers::BenchKey, PublicKey};
use sp_runtime::traits::Bounded;

/// An account with ample funds for any deposit.
fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	T::Currency::set_balance(&who, BalanceOf::<T>::max_value() / 4u32.into());
	who
}

/// Moves to block 2 with block 1 finished, so that block 1 can anchor signatures.
fn anchor_block<T: Config>() -> (BlockNumberFor<T>, T::Hash) {
	let one: BlockNumberFor<T> = 1u32.into();
	let hash = T::Hashing::hash(b"block one");
	frame_system::BlockHash::<T>::insert(one, hash);
	frame_system::Pallet::<T>::set_block_number(2u32.into());
	(one, hash)
}

/// A DID with a key that signs with `scheme`, and its signature of the statement for `hash`
/// anchored at `anchor`. An Ed25519 key is a TEE signer bound to the DID where the runtime has
/// them (the costliest Ed25519 signer to check), otherwise the DID's only key `auth`.
fn signed_statement<T: Config>(
	scheme: SignatureScheme,
	name: &'static str,
	hash: H256,
	anchor: (BlockNumberFor<T>, T::Hash),
) -> (T::AccountId, DidSignature) {
	let did: T::AccountId = account(name, 0, 0);
	let key = BenchKey::generate(scheme);
	let key_id = match key.public() {
		PublicKey::Ed25519(public) => T::Dids::benchmark_did_with_tee_signer(&did, public),
		other => {
			T::Dids::benchmark_did_with_key(&did, b"auth", other);
			b"auth".to_vec()
		},
	};
	let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
	let message = signing_bytes(genesis, anchor.0, anchor.1, hash, &did);
	(did.clone(), DidSignature { key_id, signature: key.sign(&message) })
}

/// Stores the evidence of `hash`, created by another DID, with `signer` as a further signer.
/// Signer records are independent of each other, so how many there are does not matter.
fn evidence_with<T: Config>(hash: H256, signer: &T::AccountId) {
	let now = frame_system::Pallet::<T>::block_number();
	let payer = funded::<T>("payer", 0);
	let record =
		|| SignerRecord::<T>::new(now, Deposit { owner: payer.clone(), amount: Zero::zero() });
	let creator: T::AccountId = account("creator", 0, 0);
	let mut evidence = EvidenceDetails::<T>::new(creator.clone(), now);
	Signers::<T>::insert(hash, creator, record());
	evidence.count_signer();
	Signers::<T>::insert(hash, signer, record());
	Evidences::<T>::insert(hash, evidence);
}

/// A DID that can act as a signer (its key does not matter).
fn acting_did<T: Config>() -> (T::AccountId, OriginFor<T>) {
	let who: T::AccountId = account("actor", 0, 0);
	let origin = T::Dids::benchmark_did(&who);
	(who, origin)
}

/// A signature ready to be submitted: who submits, for which hash, by whom, at which anchor.
struct Signed<T: Config> {
	origin: OriginFor<T>,
	hash: H256,
	signer: T::AccountId,
	anchor: (BlockNumberFor<T>, T::Hash),
	signature: DidSignature,
}

/// A first signature of scheme `scheme`, relayed by a funded account.
fn first_signature<T: Config>(scheme: SignatureScheme) -> Signed<T> {
	let anchor = anchor_block::<T>();
	let hash = H256::repeat_byte(1);
	let (signer, signature) = signed_statement::<T>(scheme, "signer", hash, anchor);
	let payer = funded::<T>("relayer", 0);
	Signed {
		origin: frame_system::RawOrigin::Signed(payer).into(),
		hash,
		signer,
		anchor,
		signature,
	}
}

/// A further signature of scheme `scheme` on evidence that others signed.
fn further_signature<T: Config>(scheme: SignatureScheme) -> Signed<T> {
	let signed = first_signature::<T>(scheme);
	let other: T::AccountId = account("other", 0, 0);
	evidence_with::<T>(signed.hash, &other);
	signed
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn create_evidence_ed25519() {
		let Signed { origin, hash, signer, anchor, signature } =
			first_signature::<T>(SignatureScheme::Ed25519);
		#[extrinsic_call]
		create_evidence(origin as OriginFor<T>, hash, signer, anchor.0, anchor.1, signature);
		assert!(Evidences::<T>::contains_key(hash));
	}

	#[benchmark]
	fn create_evidence_sr25519() {
		let Signed { origin, hash, signer, anchor, signature } =
			first_signature::<T>(SignatureScheme::Sr25519);
		#[extrinsic_call]
		create_evidence(origin as OriginFor<T>, hash, signer, anchor.0, anchor.1, signature);
		assert!(Evidences::<T>::contains_key(hash));
	}

	#[benchmark]
	fn create_evidence_ecdsa() {
		let Signed { origin, hash, signer, anchor, signature } =
			first_signature::<T>(SignatureScheme::EcdsaSecp256k1);
		#[extrinsic_call]
		create_evidence(origin as OriginFor<T>, hash, signer, anchor.0, anchor.1, signature);
		assert!(Evidences::<T>::contains_key(hash));
	}

	#[benchmark]
	fn add_signature_ed25519() {
		let Signed { origin, hash, signer, anchor, signature } =
			further_signature::<T>(SignatureScheme::Ed25519);
		#[extrinsic_call]
		add_signature(origin as OriginFor<T>, hash, signer.clone(), anchor.0, anchor.1, signature);
		assert!(Signers::<T>::contains_key(hash, &signer));
	}

	#[benchmark]
	fn add_signature_sr25519() {
		let Signed { origin, hash, signer, anchor, signature } =
			further_signature::<T>(SignatureScheme::Sr25519);
		#[extrinsic_call]
		add_signature(origin as OriginFor<T>, hash, signer.clone(), anchor.0, anchor.1, signature);
		assert!(Signers::<T>::contains_key(hash, &signer));
	}

	#[benchmark]
	fn add_signature_ecdsa() {
		let Signed { origin, hash, signer, anchor, signature } =
			further_signature::<T>(SignatureScheme::EcdsaSecp256k1);
		#[extrinsic_call]
		add_signature(origin as OriginFor<T>, hash, signer.clone(), anchor.0, anchor.1, signature);
		assert!(Signers::<T>::contains_key(hash, &signer));
	}

	#[benchmark]
	fn add_log(l: Linear<0, { T::MaxLogLength::get() }>) {
		let (signer, origin) = acting_did::<T>();
		let hash = H256::repeat_byte(1);
		evidence_with::<T>(hash, &signer);
		let note = BoundedVec::try_from(vec![b'n'; l as usize]).expect("within the limit");
		#[extrinsic_call]
		_(origin as OriginFor<T>, hash, note);
		assert_eq!(Signers::<T>::get(hash, &signer).map(|r| r.logs), Some(1));
	}

	#[benchmark]
	fn set_revoked() {
		let (signer, origin) = acting_did::<T>();
		let hash = H256::repeat_byte(1);
		evidence_with::<T>(hash, &signer);
		#[extrinsic_call]
		_(origin as OriginFor<T>, hash, true);
		assert_eq!(Signers::<T>::get(hash, &signer).map(|r| r.revoked), Some(true));
	}

	#[benchmark]
	fn set_extra_key(k: Linear<1, { T::MaxExtraKeyLength::get() }>) {
		let (signer, origin) = acting_did::<T>();
		let hash = H256::repeat_byte(1);
		evidence_with::<T>(hash, &signer);
		let key = vec![b'k'; k as usize];
		let bounded = BoundedVec::try_from(key.clone()).expect("within the limit");
		#[extrinsic_call]
		_(origin as OriginFor<T>, bounded, hash);
		assert_eq!(Pallet::<T>::extra_key_hash(&signer, &key), Some(hash));
	}

	#[benchmark]
	fn anchor_batch() {
		let (anchorer, origin) = acting_did::<T>();
		let root = H256::repeat_byte(7);
		#[extrinsic_call]
		_(origin as OriginFor<T>, root, teeid_primitives::merkle::MAX_LEAVES);
		assert!(Batches::<T>::contains_key(&anchorer, root));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
