//! Tests of the evidence pallet on the mock runtime: every call and every error, signatures
//! by the wrong key or for another chain, linked events, deposits and batch proofs. Shared
//! helpers live here; each group of tests has its own file.

use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};
use pallet_did::{KeyInput, PublicKey, Relationships, SignatureBytes, VerificationKey};
use sp_core::{sr25519, Pair};
use sp_runtime::DispatchError;

fn pair(who: u64) -> sr25519::Pair {
	sr25519::Pair::from_seed(&[who as u8; 32])
}

fn key(who: u64, relationships: Relationships) -> KeyInput<u64> {
	VerificationKey {
		id: b"auth".to_vec(),
		public: PublicKey::Sr25519(pair(who).public()),
		relationships,
		expires: None,
	}
}

/// Creates `who`'s DID with one sr25519 key `auth` (seed `who`) holding every signing
/// relationship.
fn did(who: u64) {
	assert_ok!(Did::create(
		RuntimeOrigin::signed(who),
		vec![key(who, Relationships::SIGNING)],
		None
	));
}

fn dids() {
	for who in [ALICE, BOB, CHARLIE, DAVE] {
		did(who);
	}
}

fn content(n: u8) -> H256 {
	H256::repeat_byte(n)
}

/// How a signature is made: by whose key, naming which signer, for which chain and anchor.
struct Statement {
	key: u64,
	signer: u64,
	genesis: H256,
	anchor: u64,
}

impl Statement {
	/// `signer` signs with its own key, for this chain, anchored at the previous block.
	fn by(signer: u64) -> Self {
		Statement {
			key: signer,
			signer,
			genesis: System::block_hash(0),
			anchor: System::block_number() - 1,
		}
	}

	fn sign(&self, hash: H256) -> DidSignature {
		let message = signing_bytes(
			self.genesis,
			self.anchor,
			System::block_hash(self.anchor),
			hash,
			&self.signer,
		);
		DidSignature {
			key_id: b"auth".to_vec(),
			signature: SignatureBytes::Sr25519(pair(self.key).sign(&message)),
		}
	}
}

/// `RELAYER` submits `statement` as a creation of the evidence of `hash`.
fn create_with(hash: H256, statement: Statement) -> frame_support::dispatch::DispatchResult {
	let signature = statement.sign(hash);
	Evidence::create_evidence(
		RuntimeOrigin::signed(RELAYER),
		hash,
		statement.signer,
		statement.anchor,
		System::block_hash(statement.anchor),
		signature,
	)
}

fn create(hash: H256, signer: u64) -> frame_support::dispatch::DispatchResult {
	create_with(hash, Statement::by(signer))
}

fn sign_with(hash: H256, statement: Statement) -> frame_support::dispatch::DispatchResult {
	let signature = statement.sign(hash);
	Evidence::add_signature(
		RuntimeOrigin::signed(RELAYER),
		hash,
		statement.signer,
		statement.anchor,
		System::block_hash(statement.anchor),
		signature,
	)
}

fn sign(hash: H256, signer: u64) -> frame_support::dispatch::DispatchResult {
	sign_with(hash, Statement::by(signer))
}

fn evidence(hash: H256) -> EvidenceDetails<Test> {
	Evidences::<Test>::get(hash).expect("the evidence exists")
}

fn signer(hash: H256, did: u64) -> SignerRecord<Test> {
	Signers::<Test>::get(hash, did).expect("the DID signed")
}

fn held(reason: HoldReason, who: u64) -> u64 {
	Balances::balance_on_hold(&reason.into(), &who)
}

fn evidence_events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Evidence(e) => Some(e),
			_ => None,
		})
		.collect()
}

mod batches;
mod bounds;
mod create;
mod extra_keys;
mod logs;
mod signatures;
mod sybils;
