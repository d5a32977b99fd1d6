//! W3C Data Integrity proofs with the `eddsa-jcs-2022` cryptosuite (vc-di-eddsa 1.0).
//!
//! A proof signs a JSON document without parsing it as JSON-LD: the document (without
//! `proof`) and the proof configuration (the proof without `proofValue`) are each put in their
//! RFC 8785 canonical form ([`crate::json`]) and hashed with SHA-256; Ed25519 signs
//! `SHA-256(proof configuration) ‖ SHA-256(document)`, and `proofValue` is that signature in
//! multibase base58-btc (`z…`). The TA builds this for the credentials it issues and the worker
//! checks it; both use this module, so they hash exactly the same bytes. Ed25519 itself is left
//! to the caller (the TA's key, a host library).

use crate::{base58, json::Value};
use alloc::{string::String, vec::Vec};

/// The proof type.
pub const PROOF_TYPE: &str = "DataIntegrityProof";
/// The cryptosuite.
pub const CRYPTOSUITE: &str = "eddsa-jcs-2022";
/// The longest `proofValue` of an Ed25519 signature (64 bytes): `z` and at most 88 base58
/// characters. A longer one is refused before it is decoded.
pub const MAX_PROOF_VALUE_CHARS: usize = base58::max_multibase_len(64);

/// Why a document's proof cannot be checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProofError {
	/// The document or its proof is not a JSON object.
	NotAnObject,
	/// The document has no `proof`.
	MissingProof,
	/// The proof lacks a member it needs (`type`, `cryptosuite`, `verificationMethod`,
	/// `proofPurpose`, `proofValue`).
	MissingMember(&'static str),
	/// The proof is not a `DataIntegrityProof` with cryptosuite `eddsa-jcs-2022`.
	WrongSuite,
	/// The proof's `@context` is not the start of the document's.
	ContextMismatch,
	/// `proofValue` is not a multibase base58-btc Ed25519 signature.
	BadProofValue,
	/// `proofValue` is longer than [`MAX_PROOF_VALUE_CHARS`]: refused by its length, before
	/// decoding (which costs the square of the length).
	ProofValueTooLong,
}

/// What Ed25519 signs for `document` (without `proof`) under `proof_config` (the proof
/// without `proofValue`): `SHA-256(JCS(proof_config)) ‖ SHA-256(JCS(document))`.
pub fn hash_data(document: &Value, proof_config: &Value) -> [u8; 64] {
	hash_canonical(&document.to_canonical(), proof_config)
}

/// [`hash_data`] of a document already in canonical form.
fn hash_canonical(canonical_document: &[u8], proof_config: &Value) -> [u8; 64] {
	use sha2::{Digest, Sha256};
	let mut out = [0u8; 64];
	out[..32].copy_from_slice(&Sha256::digest(proof_config.to_canonical()));
	out[32..].copy_from_slice(&Sha256::digest(canonical_document));
	out
}

/// Secures `document` with a proof of `proof_config` and the signature `sign` makes of its
/// [`hash_data`], and returns the secured document's canonical form: what [`attach_proof`]
/// and [`Value::to_canonical`] give, with the document written once for both the hash and
/// the result (issuing a credential canonicalizes it one time less).
pub fn secure_canonical(
	document: &Value,
	proof_config: Value,
	sign: impl FnOnce(&[u8; 64]) -> [u8; 64],
) -> Result<Vec<u8>, ProofError> {
	let unsecured = document.to_canonical_object("proof").ok_or(ProofError::NotAnObject)?;
	let signature = sign(&hash_canonical(unsecured.bytes(), &proof_config));
	let Value::Object(mut proof) = proof_config else { return Err(ProofError::NotAnObject) };
	proof.push(("proofValue".into(), Value::String(encode_proof_value(&signature))));
	Ok(unsecured.with_member(&Value::Object(proof)))
}

/// The proof configuration for signing `document`: the proof options, with the document's
/// `@context` copied in (as the specification advises, so the proof cannot be moved to a
/// document of other contexts).
pub fn proof_config(document: &Value, options: Vec<(String, Value)>) -> Value {
	let mut members = options;
	members.retain(|(name, _)| name != "@context" && name != "proofValue");
	if let Some(context) = document.get("@context") {
		members.push(("@context".into(), context.clone()));
	}
	Value::Object(members)
}

/// `document` with `proof` added: `config` and its `proofValue`, the multibase form of
/// `signature` (which must be the signature of [`hash_data`] of the two).
pub fn attach_proof(document: Value, config: Value, signature: &[u8; 64]) -> Value {
	let Value::Object(mut proof) = config else { return document };
	proof.push(("proofValue".into(), Value::String(encode_proof_value(signature))));
	match document {
		Value::Object(mut members) => {
			members.retain(|(name, _)| name != "proof");
			members.push(("proof".into(), Value::Object(proof)));
			Value::Object(members)
		},
		other => other,
	}
}

/// A signature as `proofValue`: `z` and its base58-btc encoding.
pub fn encode_proof_value(signature: &[u8; 64]) -> String {
	let mut out = String::from("z");
	out.push_str(&base58::encode(signature));
	out
}

/// The signature a `proofValue` holds; one longer than [`MAX_PROOF_VALUE_CHARS`] is refused
/// before it is decoded.
pub fn decode_proof_value(value: &str) -> Result<[u8; 64], ProofError> {
	base58::decode_multibase(value).map_err(|e| match e {
		base58::DecodeError::TooLong { .. } => ProofError::ProofValueTooLong,
		_ => ProofError::BadProofValue,
	})
}

/// What verifying a secured document needs: the bytes that were signed, the signature and the
/// verification method (a DID URL) whose key must have made it.
#[derive(Clone, Debug, PartialEq)]
pub struct VerificationInput {
	/// [`hash_data`] of the unsecured document and the proof configuration.
	pub hash_data: [u8; 64],
	/// The Ed25519 signature from `proofValue`.
	pub signature: [u8; 64],
	/// The proof's `verificationMethod`.
	pub verification_method: String,
	/// The proof's `proofPurpose`.
	pub proof_purpose: String,
}

/// Takes a secured document apart for verification, following the specification's verify
/// algorithm: the proof must be a `DataIntegrityProof` of `eddsa-jcs-2022`; if it carries an
/// `@context`, the document's `@context` must start with it, and the document is hashed with
/// the proof's.
pub fn verification_input(secured: &Value) -> Result<VerificationInput, ProofError> {
	let Value::Object(members) = secured else { return Err(ProofError::NotAnObject) };
	let proof = secured.get("proof").ok_or(ProofError::MissingProof)?;
	let Value::Object(proof_members) = proof else { return Err(ProofError::NotAnObject) };
	let text = |name: &'static str| {
		proof.get(name).and_then(Value::as_str).ok_or(ProofError::MissingMember(name))
	};
	if text("type")? != PROOF_TYPE || text("cryptosuite")? != CRYPTOSUITE {
		return Err(ProofError::WrongSuite);
	}
	let verification_method = text("verificationMethod")?.into();
	let proof_purpose = text("proofPurpose")?.into();
	let signature = decode_proof_value(text("proofValue")?)?;

	let mut document: Vec<(String, Value)> =
		members.iter().filter(|(name, _)| name != "proof").cloned().collect();
	if let Some(proof_context) = proof.get("@context") {
		let as_list = |v: &Value| match v {
			Value::Array(items) => items.clone(),
			other => alloc::vec![other.clone()],
		};
		let wanted = as_list(proof_context);
		let have = secured.get("@context").map(as_list).unwrap_or_default();
		if !have.starts_with(&wanted) {
			return Err(ProofError::ContextMismatch);
		}
		for (name, value) in document.iter_mut() {
			if name == "@context" {
				*value = proof_context.clone();
			}
		}
	}
	let config = Value::Object(
		proof_members.iter().filter(|(name, _)| name != "proofValue").cloned().collect(),
	);
	Ok(VerificationInput {
		hash_data: hash_data(&Value::Object(document), &config),
		signature,
		verification_method,
		proof_purpose,
	})
}

#[cfg(test)]
mod tests {
	//! The `eddsa-jcs-2022` test vector of W3C vc-di-eddsa 1.0 (its `TestVectors/` folder),
	//! reproduced byte for byte.

	use super::*;
	use sp_core::{ed25519, Pair};

	const UNSIGNED: &str = r#"{
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/ns/credentials/examples/v2"
    ],
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {
        "id": "did:example:abcdefgh",
        "alumniOf": "The School of Examples"
    }
}"#;
	const CANONICAL_DOCUMENT: &str = r#"{"@context":["https://www.w3.org/ns/credentials/v2","https://www.w3.org/ns/credentials/examples/v2"],"credentialSubject":{"alumniOf":"The School of Examples","id":"did:example:abcdefgh"},"description":"A minimum viable example of an Alumni Credential.","id":"urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33","issuer":"https://vc.example/issuers/5678","name":"Alumni Credential","type":["VerifiableCredential","AlumniCredential"],"validFrom":"2023-01-01T00:00:00Z"}"#;
	const CANONICAL_PROOF_CONFIG: &str = r#"{"@context":["https://www.w3.org/ns/credentials/v2","https://www.w3.org/ns/credentials/examples/v2"],"created":"2023-02-24T23:36:38Z","cryptosuite":"eddsa-jcs-2022","proofPurpose":"assertionMethod","type":"DataIntegrityProof","verificationMethod":"did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"}"#;
	const VERIFICATION_METHOD: &str = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
	const SEED: &str = "c96ef9ea10c5e414c471723aff9de72c35fa5b70fae97e8832ecac7d2e2b8ed6";
	const PUBLIC_KEY: &str = "b00d8d938e7f773d51565aad36a623f5344f7f5d1960f9cf3e8e12620ea2810f";
	const HASH_DATA: &str = "66ab154f5c2890a140cb8388a22a160454f80575f6eae09e5a097cabe539a1db59b7cb6251b8991add1ce0bc83107e3db9dbbab5bd2c28f687db1a03abc92f19";
	const SIGNATURE: &str = "407cd12654b33d718ecbb99179a1506daaa849450bf3fc523cce3e1c96f8b80351da3f253d725c6f00b07c9e5448d50b3ef78012b9ab54255116d069c6dd2808";
	const PROOF_VALUE: &str =
		"z2HnFSSPPBzR36zdDgK8PbEHeXbR56YF24jwMpt3R1eHXQzJDMWS93FCzpvJpwTWd3GAVFuUfjoJdcnTMuVor51aX";

	fn hex(s: &str) -> Vec<u8> {
		(0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
	}

	fn text(s: &str) -> Value {
		Value::String(s.into())
	}

	fn options() -> Vec<(String, Value)> {
		alloc::vec![
			("type".into(), text(PROOF_TYPE)),
			("cryptosuite".into(), text(CRYPTOSUITE)),
			("created".into(), text("2023-02-24T23:36:38Z")),
			("verificationMethod".into(), text(VERIFICATION_METHOD)),
			("proofPurpose".into(), text("assertionMethod")),
		]
	}

	fn signed() -> Value {
		let document = Value::parse(UNSIGNED.as_bytes()).unwrap();
		let config = proof_config(&document, options());
		let pair = ed25519::Pair::from_seed_slice(&hex(SEED)).unwrap();
		let signature = pair.sign(&hash_data(&document, &config)).0;
		attach_proof(document, config, &signature)
	}

	#[test]
	fn test_vector_canonical_forms_hashes_and_signature_works() {
		let document = Value::parse(UNSIGNED.as_bytes()).unwrap();
		assert_eq!(document.to_canonical(), CANONICAL_DOCUMENT.as_bytes());
		let config = proof_config(&document, options());
		assert_eq!(config.to_canonical(), CANONICAL_PROOF_CONFIG.as_bytes());
		let data = hash_data(&document, &config);
		assert_eq!(data.to_vec(), hex(HASH_DATA));

		let pair = ed25519::Pair::from_seed_slice(&hex(SEED)).unwrap();
		assert_eq!(pair.public().0.to_vec(), hex(PUBLIC_KEY));
		let signature = pair.sign(&data).0;
		assert_eq!(signature.to_vec(), hex(SIGNATURE));
		assert_eq!(encode_proof_value(&signature), PROOF_VALUE);
		assert_eq!(decode_proof_value(PROOF_VALUE).unwrap(), signature);
	}

	#[test]
	fn secure_canonical_is_the_canonical_secured_document_works() {
		let document = Value::parse(UNSIGNED.as_bytes()).unwrap();
		let config = proof_config(&document, options());
		let pair = ed25519::Pair::from_seed_slice(&hex(SEED)).unwrap();
		let canonical = secure_canonical(&document, config, |data| pair.sign(data).0).unwrap();
		assert_eq!(canonical, signed().to_canonical());
		assert_eq!(
			secure_canonical(&Value::Null, Value::Null, |_| [0; 64]),
			Err(ProofError::NotAnObject)
		);
	}

	#[test]
	fn signed_test_vector_verifies_works() {
		let input = verification_input(&signed()).unwrap();
		assert_eq!(input.hash_data.to_vec(), hex(HASH_DATA));
		assert_eq!(input.verification_method, VERIFICATION_METHOD);
		assert_eq!(input.proof_purpose, "assertionMethod");
		let public = ed25519::Public::from_raw(hex(PUBLIC_KEY).try_into().unwrap());
		assert!(ed25519::Pair::verify(
			&ed25519::Signature::from_raw(input.signature),
			input.hash_data,
			&public
		));
	}

	#[test]
	fn a_changed_claim_changes_what_was_signed_fails() {
		let Value::Object(mut members) = signed() else { unreachable!() };
		for (name, value) in members.iter_mut() {
			if name == "credentialSubject" {
				*value =
					Value::parse(br#"{"id":"did:example:abcdefgh","alumniOf":"Another School"}"#)
						.unwrap();
			}
		}
		let input = verification_input(&Value::Object(members)).unwrap();
		assert_ne!(input.hash_data.to_vec(), hex(HASH_DATA));
	}

	#[test]
	fn malformed_proofs_are_named_fails() {
		let with_proof = |proof: &str| {
			let Value::Object(mut members) = Value::parse(UNSIGNED.as_bytes()).unwrap() else {
				unreachable!()
			};
			members.push(("proof".into(), Value::parse(proof.as_bytes()).unwrap()));
			verification_input(&Value::Object(members))
		};
		let good = r#"{"type":"DataIntegrityProof","cryptosuite":"eddsa-jcs-2022","verificationMethod":"did:x#k","proofPurpose":"assertionMethod","proofValue":"PV"}"#;
		let valid = good.replace("PV", PROOF_VALUE);
		assert!(with_proof(&valid).is_ok());
		assert_eq!(
			verification_input(&Value::parse(UNSIGNED.as_bytes()).unwrap()),
			Err(ProofError::MissingProof)
		);
		assert_eq!(
			with_proof(&valid.replace("eddsa-jcs-2022", "eddsa-rdfc-2022")),
			Err(ProofError::WrongSuite)
		);
		assert_eq!(
			with_proof(&valid.replace(r#","proofPurpose":"assertionMethod""#, "")),
			Err(ProofError::MissingMember("proofPurpose"))
		);
		assert_eq!(with_proof(&good.replace("PV", "zzz")), Err(ProofError::BadProofValue));
		assert_eq!(
			with_proof(&good.replace("PV", &PROOF_VALUE[1..])),
			Err(ProofError::BadProofValue)
		);
		let other_context = valid.replace(
			r#""type":"#,
			r#""@context":["https://www.w3.org/ns/credentials/examples/v2"],"type":"#,
		);
		assert_eq!(with_proof(&other_context), Err(ProofError::ContextMismatch));
		assert_eq!(verification_input(&Value::Null), Err(ProofError::NotAnObject));
	}

	#[test]
	fn proof_value_length_boundary_works() {
		assert_eq!(MAX_PROOF_VALUE_CHARS, 89);
		let longest = encode_proof_value(&[0xff; 64]);
		assert_eq!(longest.len(), MAX_PROOF_VALUE_CHARS);
		assert_eq!(decode_proof_value(&longest), Ok([0xff; 64]));
		// Within the bound but not 64 bytes: 88 `1`s are 88 zero bytes.
		let zeros = alloc::format!("z{}", "1".repeat(88));
		assert_eq!(decode_proof_value(&zeros), Err(ProofError::BadProofValue));
		// One character over the bound: refused by length, whatever the characters.
		let over = alloc::format!("z1{}", &longest[1..]);
		assert_eq!(decode_proof_value(&over), Err(ProofError::ProofValueTooLong));
		assert_eq!(
			decode_proof_value(&"0".repeat(MAX_PROOF_VALUE_CHARS + 1)),
			Err(ProofError::ProofValueTooLong)
		);
	}

	#[test]
	fn a_two_mib_proof_value_is_refused_by_length_fails() {
		// What a 2 MiB `POST /v1/verify/credential` carries: decoding it first (as before)
		// took minutes of CPU; it is refused by its length alone.
		let huge = alloc::format!("z{}", "2".repeat(2 << 20));
		assert_eq!(decode_proof_value(&huge), Err(ProofError::ProofValueTooLong));
		let Value::Object(mut members) = signed() else { unreachable!() };
		for (name, proof) in members.iter_mut() {
			if let ("proof", Value::Object(proof_members)) = (name.as_str(), proof) {
				for (member, value) in proof_members.iter_mut() {
					if member == "proofValue" {
						*value = Value::String(huge.clone());
					}
				}
			}
		}
		assert_eq!(verification_input(&Value::Object(members)), Err(ProofError::ProofValueTooLong));
	}
}
