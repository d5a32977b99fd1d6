//! The W3C DID Core 1.0 document of a DID's state.

use pallet_did::{DelegateKind, PublicKey, Relationship};
use serde_json::{json, Map, Value};
use sp_core::{crypto::AccountId32, H256};

use crate::{did::Did, DidState};

/// The JSON-LD contexts of every document: DID Core and Multikey.
pub const CONTEXT: [&str; 2] =
	["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"];

/// The multicodec prefix (unsigned varint) of a key's kind.
fn multicodec_prefix(key: &PublicKey) -> [u8; 2] {
	match key {
		PublicKey::Ed25519(_) => [0xed, 0x01],
		PublicKey::Sr25519(_) => [0xef, 0x01],
		PublicKey::EcdsaSecp256k1(_) => [0xe7, 0x01],
		PublicKey::X25519(_) => [0xec, 0x01],
	}
}

/// The `publicKeyMultibase` of a key: `z` and the base58btc of the multicodec-prefixed key.
pub fn multibase(key: &PublicKey) -> String {
	let mut bytes = multicodec_prefix(key).to_vec();
	bytes.extend_from_slice(key.as_bytes());
	format!("z{}", bs58::encode(bytes).into_string())
}

/// The CAIP-10 account id of `account` on the chain with `genesis`:
/// `polkadot:<first 16 bytes of the genesis hash, hex>:<ss58>`.
pub fn caip10(account: &AccountId32, genesis: &H256) -> String {
	let chain = hex::encode(&genesis.as_bytes()[..16]);
	let address = Did(account.clone()).to_string();
	format!("polkadot:{chain}:{}", address.trim_start_matches(crate::did::PREFIX))
}

/// The W3C relationship properties, in document order.
const RELATIONSHIPS: [(Relationship, &str); 5] = [
	(Relationship::Authentication, "authentication"),
	(Relationship::AssertionMethod, "assertionMethod"),
	(Relationship::KeyAgreement, "keyAgreement"),
	(Relationship::CapabilityInvocation, "capabilityInvocation"),
	(Relationship::CapabilityDelegation, "capabilityDelegation"),
];

/// The DID document of `did` in `state`, at block `at`: keys that have expired by then are left
/// out. A deactivated DID's document has only its context and id.
pub fn document(did: &Did, state: &DidState, at: u32) -> Value {
	let mut doc = Map::new();
	doc.insert("@context".into(), json!(CONTEXT));
	doc.insert("id".into(), json!(did.to_string()));
	if state.deactivated {
		return Value::Object(doc);
	}
	doc.insert("controller".into(), json!(Did(state.controller.clone()).to_string()));

	let keys: Vec<_> = state.keys.iter().filter(|k| k.is_valid_at(at)).collect();
	let fragment = |id: &[u8]| String::from_utf8_lossy(id).into_owned();
	let methods: Vec<Value> = keys
		.iter()
		.map(|k| {
			json!({
				"id": did.url(&fragment(&k.id)),
				"type": "Multikey",
				"controller": did.to_string(),
				"publicKeyMultibase": multibase(&k.public),
			})
		})
		.collect();
	if !methods.is_empty() {
		doc.insert("verificationMethod".into(), Value::Array(methods));
	}
	for (relationship, property) in RELATIONSHIPS {
		let ids: Vec<Value> = keys
			.iter()
			.filter(|k| k.relationships.contains(relationship))
			.map(|k| json!(did.url(&fragment(&k.id))))
			.collect();
		if !ids.is_empty() {
			doc.insert(property.into(), Value::Array(ids));
		}
	}
	let services: Vec<Value> = state
		.services
		.iter()
		.map(|s| {
			json!({
				"id": did.url(&fragment(&s.id)),
				"type": String::from_utf8_lossy(&s.service_type),
				"serviceEndpoint": String::from_utf8_lossy(&s.endpoint),
			})
		})
		.collect();
	if !services.is_empty() {
		doc.insert("service".into(), Value::Array(services));
	}
	Value::Object(doc)
}

/// The delegates valid at `at`, for the document metadata: ERC-1056 type (`sigAuth` or
/// `veriKey`), CAIP-10 account and last valid block.
pub fn delegates(state: &DidState, at: u32, genesis: &H256) -> Vec<Value> {
	state
		.delegates
		.iter()
		.filter(|d| at <= d.expires)
		.map(|d| {
			let kind = match d.kind {
				DelegateKind::Authentication => "sigAuth",
				DelegateKind::AssertionMethod => "veriKey",
			};
			json!({
				"type": kind,
				"blockchainAccountId": caip10(&d.delegate, genesis),
				"validTo": d.expires,
			})
		})
		.collect()
}

#[cfg(test)]
mod tests {
	use super::*;
	use pallet_did::{Delegate, Relationships, Service, VerificationKey};
	use sp_core::{ed25519, sr25519};

	fn state(deactivated: bool) -> DidState {
		let account = AccountId32::new([1; 32]);
		DidState {
			controller: AccountId32::new([2; 32]),
			keys: vec![
				VerificationKey {
					id: b"auth".to_vec(),
					public: PublicKey::Sr25519(sr25519::Public::from_raw([3; 32])),
					relationships: Relationships::SIGNING,
					expires: None,
				},
				VerificationKey {
					id: b"old".to_vec(),
					public: PublicKey::Ed25519(ed25519::Public::from_raw([4; 32])),
					relationships: Relationships { assertion_method: true, ..Default::default() },
					expires: Some(10),
				},
				VerificationKey {
					id: b"enc".to_vec(),
					public: PublicKey::X25519([5; 32]),
					relationships: Relationships::KEY_AGREEMENT,
					expires: None,
				},
			],
			services: vec![Service {
				id: b"web".to_vec(),
				service_type: b"LinkedDomains".to_vec(),
				endpoint: b"https://example.com".to_vec(),
			}],
			delegates: vec![Delegate {
				kind: DelegateKind::AssertionMethod,
				delegate: account,
				expires: 20,
			}],
			deactivated,
			nonce: 0,
			deposit: 0,
			created: 1,
			changed: 5,
		}
	}

	#[test]
	fn multibase_uses_multicodec_prefixes_works() {
		let ed = multibase(&PublicKey::Ed25519(ed25519::Public::from_raw([0; 32])));
		assert!(ed.starts_with("z6Mk"), "{ed}");
		let x = multibase(&PublicKey::X25519([0; 32]));
		assert!(x.starts_with("z6LS"), "{x}");
		let decoded = bs58::decode(&ed[1..]).into_vec().unwrap();
		assert_eq!(&decoded[..2], &[0xed, 0x01]);
		assert_eq!(decoded.len(), 34);
	}

	#[test]
	fn document_lists_keys_by_relationship_works() {
		let did = Did(AccountId32::new([1; 32]));
		let doc = document(&did, &state(false), 5);
		let id = did.to_string();
		assert_eq!(doc["id"], json!(id));
		assert_eq!(doc["@context"], json!(CONTEXT));
		assert_eq!(doc["verificationMethod"].as_array().unwrap().len(), 3);
		assert_eq!(doc["verificationMethod"][0]["type"], json!("Multikey"));
		assert_eq!(doc["authentication"], json!([format!("{id}#auth")]));
		assert_eq!(doc["assertionMethod"], json!([format!("{id}#auth"), format!("{id}#old")]));
		assert_eq!(doc["keyAgreement"], json!([format!("{id}#enc")]));
		assert_eq!(doc["service"][0]["serviceEndpoint"], json!("https://example.com"));
		assert_eq!(doc["controller"], json!(Did(AccountId32::new([2; 32])).to_string()));
	}

	#[test]
	fn expired_keys_are_left_out_works() {
		let did = Did(AccountId32::new([1; 32]));
		let doc = document(&did, &state(false), 11);
		assert_eq!(doc["verificationMethod"].as_array().unwrap().len(), 2);
		assert_eq!(doc["assertionMethod"].as_array().unwrap().len(), 1);
	}

	#[test]
	fn deactivated_document_is_empty_works() {
		let did = Did(AccountId32::new([1; 32]));
		let doc = document(&did, &state(true), 5);
		assert_eq!(doc.as_object().unwrap().len(), 2);
	}

	#[test]
	fn delegates_follow_validity_works() {
		let genesis = H256::repeat_byte(0xab);
		let valid = delegates(&state(false), 20, &genesis);
		assert_eq!(valid.len(), 1);
		assert_eq!(valid[0]["type"], json!("veriKey"));
		assert!(valid[0]["blockchainAccountId"]
			.as_str()
			.unwrap()
			.starts_with("polkadot:abababababababababababababababab:5"));
		assert!(delegates(&state(false), 21, &genesis).is_empty());
	}
}
