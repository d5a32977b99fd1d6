//! The DID resolver (`did-resolver`) depends on no runtime: it reads the `did` pallet's events by
//! pallet, event and field name, with the metadata of the runtime that emitted them. This test
//! encodes every `Did` event of this runtime, among other pallets' events, as a block's
//! `System.Events`, and checks that the resolver reads each with this runtime's metadata (as a
//! node serves it, version 14, and the newest, 16): its DID, its link to the previous change, and
//! the fields it folds into attributes. A pallet change that renames or drops one of those
//! fields fails here, not in a history walk on a live chain.

use codec::Encode;
use frame_system::{EventRecord, Phase};
use pallet_did::{
	types::{DelegateKind, PublicKey, Relationships, Service, VerificationKey},
	Event as DidEvent,
};
use sp_core::{ed25519, H256};
use sp_runtime::AccountId32;
use teeid_did_resolver::event::{did_events, DidEventKind, Metadata};
use teeid_runtime::{Runtime, RuntimeEvent};

fn bounded<S: frame_support::traits::Get<u32>>(bytes: &[u8]) -> frame_support::BoundedVec<u8, S> {
	bytes.to_vec().try_into().expect("within the bound")
}

/// Every `Did` event, each of `did` with `previous` = its position, and the resolver's reading
/// of each.
fn every_did_event(did: &AccountId32) -> Vec<(DidEvent<Runtime>, DidEventKind)> {
	let key = VerificationKey {
		id: bounded(b"key-1"),
		public: PublicKey::Ed25519(ed25519::Public::from_raw([2; 32])),
		relationships: Relationships::SIGNING,
		expires: Some(99),
	};
	let other = AccountId32::new([3; 32]);
	let other_kind = |name: &str| DidEventKind::Other(name.into());
	let events = vec![
		(
			DidEvent::DidCreated {
				did: did.clone(),
				controller: did.clone(),
				keys: vec![key.clone()],
				previous: None,
			},
			other_kind("DidCreated"),
		),
		(
			DidEvent::KeyAdded { did: did.clone(), key: key.clone(), previous: None },
			other_kind("KeyAdded"),
		),
		(
			DidEvent::KeyRemoved { did: did.clone(), key_id: bounded(b"key-1"), previous: None },
			other_kind("KeyRemoved"),
		),
		(
			DidEvent::KeyRotated {
				did: did.clone(),
				old_key_id: bounded(b"key-1"),
				key,
				previous: None,
			},
			other_kind("KeyRotated"),
		),
		(
			DidEvent::ControllerChanged {
				did: did.clone(),
				controller: other.clone(),
				previous: None,
			},
			other_kind("ControllerChanged"),
		),
		(
			DidEvent::DelegateAdded {
				did: did.clone(),
				kind: DelegateKind::AssertionMethod,
				delegate: other.clone(),
				expires: 500,
				previous: None,
			},
			other_kind("DelegateAdded"),
		),
		(
			DidEvent::DelegateRevoked {
				did: did.clone(),
				kind: DelegateKind::Authentication,
				delegate: other.clone(),
				previous: None,
			},
			other_kind("DelegateRevoked"),
		),
		(
			DidEvent::AttributeSet {
				did: did.clone(),
				name: b"name".to_vec(),
				value: b"Alice".to_vec(),
				valid_to: 1_000,
				previous: None,
			},
			DidEventKind::AttributeSet {
				name: b"name".to_vec(),
				value: b"Alice".to_vec(),
				valid_to: 1_000,
			},
		),
		(
			DidEvent::AttributeRevoked {
				did: did.clone(),
				name: b"name".to_vec(),
				value: vec![0xff],
				previous: None,
			},
			DidEventKind::AttributeRevoked { name: b"name".to_vec(), value: vec![0xff] },
		),
		(
			DidEvent::ServiceAdded {
				did: did.clone(),
				service: Service {
					id: bounded(b"svc"),
					service_type: bounded(b"LinkedDomains"),
					endpoint: bounded(b"https://example.org"),
				},
				previous: None,
			},
			other_kind("ServiceAdded"),
		),
		(
			DidEvent::ServiceRemoved {
				did: did.clone(),
				service_id: bounded(b"svc"),
				previous: None,
			},
			other_kind("ServiceRemoved"),
		),
		(
			DidEvent::DidCallDispatched {
				did: did.clone(),
				nonce: 7,
				submitter: other.clone(),
				result: Err(sp_runtime::DispatchError::BadOrigin),
				previous: None,
			},
			other_kind("DidCallDispatched"),
		),
		(
			DidEvent::SignerBound {
				did: did.clone(),
				key_id: b"tee-0102".to_vec(),
				public: ed25519::Public::from_raw([4; 32]),
				previous: None,
			},
			DidEventKind::SignerBound { key_id: b"tee-0102".to_vec() },
		),
		(
			DidEvent::SignerUnbound {
				did: did.clone(),
				key_id: b"tee-0102".to_vec(),
				previous: None,
			},
			DidEventKind::SignerUnbound { key_id: b"tee-0102".to_vec() },
		),
		(
			DidEvent::DidDeactivated { did: did.clone(), previous: None },
			DidEventKind::DidDeactivated,
		),
	];
	// Each links to a different block (the first to none), so a misread link shows.
	events
		.into_iter()
		.enumerate()
		.map(|(i, (event, kind))| (with_previous(event, (i > 0).then_some(i as u32)), kind))
		.collect()
}

fn with_previous(mut event: DidEvent<Runtime>, block: Option<u32>) -> DidEvent<Runtime> {
	use DidEvent::*;
	match &mut event {
		DidCreated { previous, .. }
		| KeyAdded { previous, .. }
		| KeyRemoved { previous, .. }
		| KeyRotated { previous, .. }
		| ControllerChanged { previous, .. }
		| DelegateAdded { previous, .. }
		| DelegateRevoked { previous, .. }
		| AttributeSet { previous, .. }
		| AttributeRevoked { previous, .. }
		| ServiceAdded { previous, .. }
		| ServiceRemoved { previous, .. }
		| DidDeactivated { previous, .. }
		| DidCallDispatched { previous, .. }
		| SignerBound { previous, .. }
		| SignerUnbound { previous, .. } => *previous = block,
		_ => unreachable!("the pallet has no other event"),
	}
	event
}

/// `events` as a block's `System.Events`, with another pallet's event before and after each.
fn system_events(events: impl IntoIterator<Item = DidEvent<Runtime>>) -> Vec<u8> {
	let record = |event| EventRecord {
		phase: Phase::ApplyExtrinsic(1),
		event,
		topics: vec![H256::repeat_byte(9)],
	};
	let transfer = || {
		RuntimeEvent::Balances(pallet_balances::Event::Transfer {
			from: AccountId32::new([5; 32]),
			to: AccountId32::new([6; 32]),
			amount: 12_345,
		})
	};
	let mut records = vec![record(RuntimeEvent::System(frame_system::Event::NewAccount {
		account: AccountId32::new([8; 32]),
	}))];
	for event in events {
		records.push(record(RuntimeEvent::Did(event)));
		records.push(record(transfer()));
	}
	records.encode()
}

fn metadata(version: u32) -> Metadata {
	let bytes = Runtime::metadata_at_version(version).expect("the runtime serves this version");
	Metadata::decode_from(&bytes).expect("the runtime's metadata decodes")
}

#[test]
fn the_resolver_reads_every_did_event_with_the_runtime_metadata_works() {
	let did = AccountId32::new([1; 32]);
	let expected = every_did_event(&did);
	let bytes = system_events(expected.iter().map(|(event, _)| event.clone()));
	for version in [14, 16] {
		let read = did_events(&bytes, &metadata(version)).expect("the events decode");
		assert_eq!(read.len(), expected.len(), "metadata v{version}: one per Did event");
		for (i, (event, (_, kind))) in read.iter().zip(&expected).enumerate() {
			assert_eq!(event.did, did, "v{version}, event {i}");
			assert_eq!(event.previous, (i > 0).then_some(i as u32), "v{version}, event {i}");
			assert_eq!(&event.kind, kind, "v{version}, event {i}");
		}
	}
}

#[test]
fn a_block_without_did_events_reads_as_none_and_garbage_is_an_error_works() {
	let metadata = metadata(14);
	assert_eq!(did_events(&system_events([]), &metadata).unwrap(), vec![]);
	assert_eq!(did_events(&Vec::<u8>::new().encode(), &metadata).unwrap(), vec![]);
	// One record cut short, and one byte too many, are both refused.
	let mut bytes = system_events([DidEvent::DidDeactivated {
		did: AccountId32::new([1; 32]),
		previous: None,
	}]);
	let error = did_events(&bytes[..bytes.len() - 1], &metadata).unwrap_err();
	assert!(error.contains("System.Events"), "{error}");
	bytes.push(0);
	let error = did_events(&bytes, &metadata).unwrap_err();
	assert!(error.contains("left over"), "{error}");
}
