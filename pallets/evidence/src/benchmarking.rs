//! Benchmarks of the evidence pallet: each signature scheme separately, and every call against
//! evidence with as many signers as the component says (the acting signer last, so finding it
//! is the worst case).

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

/// Stores the evidence of `hash` with `signers` signers; the last one is `last`.
fn evidence_with<T: Config>(hash: H256, signers: u32, last: &T::AccountId) {
	let now = frame_system::Pallet::<T>::block_number();
	let payer = funded::<T>("payer", 0);
	let record = |did: T::AccountId| SignerRecord::<T> {
		did,
		signed: now,
		logs: 0,
		last_log: None,
		revoked: false,
		deposit: Deposit { owner: payer.clone(), amount: Zero::zero() },
	};
	let mut evidence = EvidenceDetails::<T>::new(record(account("filler", 0, 0)), now);
	for i in 1..signers.saturating_sub(1) {
		evidence.add_signer(record(account("filler", i, 0))).expect("within the limit");
	}
	if signers > 1 {
		evidence.add_signer(record(last.clone())).expect("within the limit");
	} else {
		evidence.signers[0].did = last.clone();
	}
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

/// A further signature of scheme `scheme` on evidence that has `s` signers.
fn further_signature<T: Config>(scheme: SignatureScheme, s: u32) -> Signed<T> {
	let signed = first_signature::<T>(scheme);
	let other: T::AccountId = account("other", 0, 0);
	evidence_with::<T>(signed.hash, s, &other);
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
	fn add_signature_ed25519(s: Linear<1, { T::MaxSigners::get() - 1 }>) {
		let Signed { origin, hash, signer, anchor, signature } =
			further_signature::<T>(SignatureScheme::Ed25519, s);
		#[extrinsic_call]
		add_signature(origin as OriginFor<T>, hash, signer.clone(), anchor.0, anchor.1, signature);
		assert!(Evidences::<T>::get(hash).is_some_and(|e| e.signer(&signer).is_some()));
	}

	#[benchmark]
	fn add_signature_sr25519(s: Linear<1, { T::MaxSigners::get() - 1 }>) {
		let Signed { origin, hash, signer, anchor, signature } =
			further_signature::<T>(SignatureScheme::Sr25519, s);
		#[extrinsic_call]
		add_signature(origin as OriginFor<T>, hash, signer.clone(), anchor.0, anchor.1, signature);
		assert!(Evidences::<T>::get(hash).is_some_and(|e| e.signer(&signer).is_some()));
	}

	#[benchmark]
	fn add_signature_ecdsa(s: Linear<1, { T::MaxSigners::get() - 1 }>) {
		let Signed { origin, hash, signer, anchor, signature } =
			further_signature::<T>(SignatureScheme::EcdsaSecp256k1, s);
		#[extrinsic_call]
		add_signature(origin as OriginFor<T>, hash, signer.clone(), anchor.0, anchor.1, signature);
		assert!(Evidences::<T>::get(hash).is_some_and(|e| e.signer(&signer).is_some()));
	}

	#[benchmark]
	fn add_log(s: Linear<1, { T::MaxSigners::get() }>, l: Linear<0, { T::MaxLogLength::get() }>) {
		let (signer, origin) = acting_did::<T>();
		let hash = H256::repeat_byte(1);
		evidence_with::<T>(hash, s, &signer);
		#[extrinsic_call]
		_(origin as OriginFor<T>, hash, vec![b'n'; l as usize]);
		assert!(
			Evidences::<T>::get(hash).and_then(|e| e.signer(&signer).map(|r| r.logs)) == Some(1)
		);
	}

	#[benchmark]
	fn set_revoked(s: Linear<1, { T::MaxSigners::get() }>) {
		let (signer, origin) = acting_did::<T>();
		let hash = H256::repeat_byte(1);
		evidence_with::<T>(hash, s, &signer);
		#[extrinsic_call]
		_(origin as OriginFor<T>, hash, true);
		let revoked = Evidences::<T>::get(hash).and_then(|e| e.signer(&signer).map(|r| r.revoked));
		assert_eq!(revoked, Some(true));
	}

	#[benchmark]
	fn set_extra_key(
		s: Linear<1, { T::MaxSigners::get() }>,
		k: Linear<1, { T::MaxExtraKeyLength::get() }>,
	) {
		let (signer, origin) = acting_did::<T>();
		let hash = H256::repeat_byte(1);
		evidence_with::<T>(hash, s, &signer);
		let key = vec![b'k'; k as usize];
		#[extrinsic_call]
		_(origin as OriginFor<T>, key.clone(), hash);
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
