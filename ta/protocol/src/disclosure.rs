//! Selective disclosure.
//!
//! Every top-level claim of a credential is a leaf of a `merkle-cbt` tree (the batch trees of
//! [`teeid_primitives::merkle`]): `blake2-256("teeid/claim/v1" ‖ salt ‖ len(name) ‖ name ‖
//! JCS(value))`, leaves in byte order of their names. The salt is secret (the TA derives it
//! from the network key, the salt seed, the credential id, the holder and the claim name), so an
//! undisclosed claim cannot be guessed from its leaf. The credential's `disclosure` member
//! carries the root, the claim count, the salt seed, the verification method, the network MAC
//! and `baseProof`: the issuer key's Ed25519 signature over the credential's *base*, the
//! credential without its claims and proofs.
//!
//! A presentation carries *derived* credentials: the base, the disclosed claims, their salts and
//! positions and one combined Merkle proof. A verifier checks `baseProof` over the base, the
//! Merkle proof of the disclosed claims against the signed root, and the presentation's own
//! `eddsa-jcs-2022` proof (with its `challenge` and `domain`) by the holder's key.

use alloc::{
	string::{String, ToString},
	vec,
	vec::Vec,
};
use codec::{Decode, Encode};
use sha2::{Digest, Sha256};
use sp_core::H256;
use teeid_primitives::{
	data_integrity::{self, ProofError},
	json::{Sink, Value},
	merkle::{self, BatchProof},
};

use crate::credential::{
	hex0x, is_whole, parse_hex32, split_verification_method, string, text, verify_ed25519,
	verify_tee_proof, ProofCheckError, PRESENTATION_TYPE,
};

/// `disclosure.type`.
pub const DISCLOSURE_TYPE: &str = "TeeidMerkleDisclosure2026";
/// The most claims a credential may have.
pub const MAX_CLAIMS: usize = 256;
/// The proof purpose of a presentation: the holder DID's TEE key asserts it.
pub const PRESENTATION_PURPOSE: &str = "assertionMethod";

/// The members of `disclosure` that `baseProof` signs. `networkMac` is the issuing TA's MAC,
/// under a key only the network's TAs derive, over the salt seed, the root, the credential id,
/// the holder and the verification method: what a TA checks before it compares claims with the
/// root when asked to present (verifiers need not, and cannot, check it).
pub const SIGNED_DISCLOSURE_MEMBERS: [&str; 6] =
	["type", "root", "claimCount", "saltSeed", "verificationMethod", "networkMac"];

const LEAF_TAG: &[u8] = b"teeid/claim/v1";
const BASE_TAG: &[u8] = b"teeid/disclosure-base/v1";

/// What a holder asks its TA to present.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct PresentationRequest {
	/// The full credential, as JSON.
	pub credential: Vec<u8>,
	/// The holder: the credential's subject, whose TEE key signs the presentation.
	pub holder: String,
	/// The names of the claims to disclose.
	pub disclose: Vec<String>,
	/// The verifier's challenge.
	pub challenge: String,
	/// The verifier's domain.
	pub domain: String,
	/// The proof's `created` time.
	pub created: String,
}

/// Why a derived credential or a presentation does not verify.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum DisclosureError {
	/// A member is missing or of the wrong form.
	Malformed(&'static str),
	/// A proof does not verify.
	Proof(ProofCheckError),
	/// A disclosed claim is not under the signed root.
	BadMerkleProof,
	/// The presentation was made for another challenge or domain.
	WrongChallenge,
	/// The presentation is signed by a key of another DID than its holder, holds a credential of
	/// another subject, or a credential's base is signed by a key of another DID than its
	/// issuer.
	WrongSigner,
}

impl From<ProofCheckError> for DisclosureError {
	fn from(e: ProofCheckError) -> Self {
		Self::Proof(e)
	}
}

impl core::fmt::Display for DisclosureError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::Malformed(what) => write!(f, "malformed {what}"),
			Self::Proof(e) => write!(f, "{e}"),
			Self::BadMerkleProof => f.write_str("a disclosed claim is not under the signed root"),
			Self::WrongChallenge => f.write_str("made for another challenge or domain"),
			Self::WrongSigner => f.write_str("signed by a key of another DID"),
		}
	}
}

/// The leaf of claim `name` with `value` and `salt`. The claim's canonical JSON goes straight
/// into the hash as it is written: a claim is never copied to be hashed, however large.
pub fn claim_leaf(salt: &[u8; 32], name: &str, value: &Value) -> H256 {
	let mut hash = LeafHash(blake2b_simd::Params::new().hash_length(32).to_state());
	hash.write(LEAF_TAG);
	hash.write(salt);
	hash.write(&(name.len() as u32).to_le_bytes());
	hash.write(name.as_bytes());
	value.write_canonical_to(&mut hash);
	let mut leaf = H256::zero();
	leaf.0.copy_from_slice(hash.0.finalize().as_bytes());
	leaf
}

/// BLAKE2b-256 (what `sp_crypto_hashing::blake2_256` computes) as a [`Sink`] for canonical
/// JSON.
struct LeafHash(blake2b_simd::State);

impl Sink for LeafHash {
	fn write(&mut self, bytes: &[u8]) {
		self.0.update(bytes);
	}
}

/// A subject's claims (every member but `id`) in leaf order.
pub fn claims(subject: &Value) -> Vec<(&str, &Value)> {
	let Value::Object(members) = subject else { return Vec::new() };
	let mut claims: Vec<(&str, &Value)> = members
		.iter()
		.filter(|(name, _)| name != "id")
		.map(|(name, value)| (name.as_str(), value))
		.collect();
	claims.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
	claims
}

/// The base of a credential: without `proof`, with only the subject's `id`, and with only the
/// signed members of `disclosure`. Derived credentials have the same base as their original.
pub fn base_document(credential: &Value) -> Result<Value, DisclosureError> {
	let Value::Object(members) = credential else {
		return Err(DisclosureError::Malformed("credential"));
	};
	let mut base = Vec::with_capacity(members.len());
	for (name, value) in members {
		match name.as_str() {
			"proof" => {},
			"credentialSubject" => {
				let id =
					text(value, "id").ok_or(DisclosureError::Malformed("credentialSubject"))?;
				base.push((name.clone(), Value::Object(vec![("id".into(), string(id))])));
			},
			"disclosure" => {
				let Value::Object(disclosure) = value else {
					return Err(DisclosureError::Malformed("disclosure"));
				};
				let signed = disclosure
					.iter()
					.filter(|(n, _)| SIGNED_DISCLOSURE_MEMBERS.contains(&n.as_str()))
					.cloned()
					.collect();
				base.push((name.clone(), Value::Object(signed)));
			},
			_ => base.push((name.clone(), value.clone())),
		}
	}
	Ok(Value::Object(base))
}

/// What `baseProof` signs: a tag and SHA-256 of the base's canonical form.
pub fn base_signing_bytes(base: &Value) -> Vec<u8> {
	let mut bytes = Vec::with_capacity(BASE_TAG.len() + 32);
	bytes.extend_from_slice(BASE_TAG);
	bytes.extend_from_slice(&Sha256::digest(base.to_canonical()));
	bytes
}

/// A derived credential disclosing `disclose` of `credential`'s claims, whose salts `salt`
/// gives. `credential` must already be known to be authentic and its root to match the salts.
pub fn derive(
	credential: &Value,
	salt: impl Fn(&str) -> [u8; 32],
	disclose: &[String],
) -> Result<Value, DisclosureError> {
	let subject = credential
		.get("credentialSubject")
		.ok_or(DisclosureError::Malformed("credentialSubject"))?;
	let all = claims(subject);
	let leaves: Vec<H256> =
		all.iter().map(|(name, value)| claim_leaf(&salt(name), name, value)).collect();
	let mut positions = Vec::with_capacity(disclose.len());
	let mut disclosed = Vec::with_capacity(disclose.len());
	let mut subject_members =
		vec![("id".to_string(), subject.get("id").cloned().unwrap_or(Value::Null))];
	for name in disclose {
		let index = all
			.iter()
			.position(|(n, _)| n == name)
			.ok_or(DisclosureError::Malformed("claim to disclose"))?;
		if positions.contains(&(index as u32)) {
			continue;
		}
		positions.push(index as u32);
		subject_members.push((name.clone(), all[index].1.clone()));
		disclosed.push(Value::Object(vec![
			("index".into(), Value::Number(index as f64)),
			("name".into(), string(name)),
			("salt".into(), string(hex0x(&salt(name)))),
		]));
	}
	let proof = merkle::prove(&leaves, &positions).ok_or(DisclosureError::Malformed("claims"))?;

	let Value::Object(members) = credential else {
		return Err(DisclosureError::Malformed("credential"));
	};
	let mut derived = Vec::with_capacity(members.len());
	for (name, value) in members {
		match name.as_str() {
			"proof" => {},
			"credentialSubject" => {
				derived.push((name.clone(), Value::Object(subject_members.clone())))
			},
			"disclosure" => {
				let Value::Object(members) = value else {
					return Err(DisclosureError::Malformed("disclosure"));
				};
				// The signed members and `baseProof`, and nothing else the input carried: a
				// `disclosed` or `lemmas` already there would be signed twice under one name.
				let mut disclosure: Vec<(String, Value)> = members
					.iter()
					.filter(|(n, _)| {
						n == "baseProof" || SIGNED_DISCLOSURE_MEMBERS.contains(&n.as_str())
					})
					.cloned()
					.collect();
				disclosure.push(("disclosed".into(), Value::Array(disclosed.clone())));
				disclosure.push((
					"lemmas".into(),
					Value::Array(
						proof.lemmas.iter().map(|l| string(hex0x(l.as_bytes()))).collect(),
					),
				));
				derived.push((name.clone(), Value::Object(disclosure)));
			},
			_ => derived.push((name.clone(), value.clone())),
		}
	}
	Ok(Value::Object(derived))
}

/// What a derived credential proves once verified.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifiedDisclosure {
	/// The issuer DID.
	pub issuer: String,
	/// The subject (`credentialSubject.id`).
	pub subject: String,
	/// The issuer DID's TEE key that signed the base: the caller must check, by resolving the
	/// issuer, that it was the DID's key at issuance.
	pub issuer_key: [u8; 32],
	/// The disclosed claims, in leaf order.
	pub claims: Vec<(String, Value)>,
}

/// Verifies a derived credential: `baseProof` by the key its `verificationMethod` names (a
/// key of the issuer), and the disclosed claims under the signed root.
pub fn verify_derived(derived: &Value) -> Result<VerifiedDisclosure, DisclosureError> {
	let malformed = DisclosureError::Malformed;
	let disclosure = derived.get("disclosure").ok_or(malformed("disclosure"))?;
	if text(disclosure, "type") != Some(DISCLOSURE_TYPE) {
		return Err(malformed("disclosure.type"));
	}
	let issuer = text(derived, "issuer").ok_or(malformed("issuer"))?;
	let method = text(disclosure, "verificationMethod").ok_or(malformed("verificationMethod"))?;
	let (did, issuer_key) =
		split_verification_method(method).ok_or(malformed("verificationMethod"))?;
	if did != issuer {
		return Err(DisclosureError::WrongSigner);
	}
	let base_proof = text(disclosure, "baseProof").ok_or(malformed("baseProof"))?;
	let signature = data_integrity::decode_proof_value(base_proof).map_err(|e| match e {
		// Refused before decoding: the caller answers it as a request too large to check.
		ProofError::ProofValueTooLong => DisclosureError::Proof(ProofCheckError::Malformed(e)),
		_ => malformed("baseProof"),
	})?;
	verify_ed25519(&issuer_key, &base_signing_bytes(&base_document(derived)?), &signature)?;

	let root = text(disclosure, "root").and_then(parse_hex32).ok_or(malformed("root"))?;
	let count = match disclosure.get("claimCount") {
		Some(Value::Number(n)) if is_whole(*n) && *n >= 1.0 && *n <= MAX_CLAIMS as f64 => *n as u32,
		_ => return Err(malformed("claimCount")),
	};
	let subject = derived.get("credentialSubject").ok_or(malformed("credentialSubject"))?;
	let shown = claims(subject);
	let Some(Value::Array(entries)) = disclosure.get("disclosed") else {
		return Err(malformed("disclosed"));
	};
	if entries.len() != shown.len() || entries.is_empty() {
		return Err(malformed("disclosed"));
	}
	let mut leaves = Vec::with_capacity(entries.len());
	let mut names = Vec::with_capacity(entries.len());
	for entry in entries {
		let name = text(entry, "name").ok_or(malformed("disclosed.name"))?;
		names.push(name);
		let salt = text(entry, "salt").and_then(parse_hex32).ok_or(malformed("disclosed.salt"))?;
		let index = match entry.get("index") {
			Some(Value::Number(n)) if is_whole(*n) && *n >= 0.0 && *n < f64::from(count) => {
				*n as u32
			},
			_ => return Err(malformed("disclosed.index")),
		};
		let value = subject.get(name).ok_or(malformed("disclosed claim"))?;
		leaves.push((index, claim_leaf(&salt, name, value)));
	}
	// Every claim shown is disclosed exactly once: no claim rides along unproven.
	names.sort_unstable();
	names.dedup();
	if names.len() != shown.len() {
		return Err(malformed("disclosed"));
	}
	let Some(Value::Array(lemmas)) = disclosure.get("lemmas") else {
		return Err(malformed("lemmas"));
	};
	let lemmas = lemmas
		.iter()
		.map(|l| l.as_str().and_then(parse_hex32).map(H256))
		.collect::<Option<Vec<_>>>()
		.ok_or(malformed("lemmas"))?;
	merkle::verify(&H256(root), count, &BatchProof { leaves, lemmas })
		.map_err(|_| DisclosureError::BadMerkleProof)?;
	Ok(VerifiedDisclosure {
		issuer: issuer.into(),
		subject: text(subject, "id").ok_or(malformed("credentialSubject.id"))?.into(),
		issuer_key,
		claims: shown.into_iter().map(|(n, v)| (n.to_string(), v.clone())).collect(),
	})
}

/// What a presentation proves once verified.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifiedPresentation {
	/// The holder DID.
	pub holder: String,
	/// The holder DID's TEE key that signed: the caller must check it is the DID's key.
	pub holder_key: [u8; 32],
	/// The credentials, each verified.
	pub credentials: Vec<VerifiedDisclosure>,
}

/// Verifies a presentation made for `challenge` and `domain`: its proof by a TEE key of its
/// holder, then every derived credential in it. Whether the keys belong to their DIDs (the
/// binding on chain) is the caller's to resolve.
pub fn verify_presentation(
	presentation: &Value,
	challenge: &str,
	domain: &str,
) -> Result<VerifiedPresentation, DisclosureError> {
	let malformed = DisclosureError::Malformed;
	let types_ok = match presentation.get("type") {
		Some(Value::Array(types)) => types.iter().any(|t| t.as_str() == Some(PRESENTATION_TYPE)),
		_ => false,
	};
	if !types_ok {
		return Err(malformed("type"));
	}
	let holder = text(presentation, "holder").ok_or(malformed("holder"))?;
	let (input, holder_key) = verify_tee_proof(presentation)?;
	let proof = presentation.get("proof").ok_or(malformed("proof"))?;
	if text(proof, "challenge") != Some(challenge) || text(proof, "domain") != Some(domain) {
		return Err(DisclosureError::WrongChallenge);
	}
	if input.proof_purpose != PRESENTATION_PURPOSE {
		return Err(malformed("proofPurpose"));
	}
	match split_verification_method(&input.verification_method) {
		Some((did, _)) if did == holder => {},
		_ => return Err(DisclosureError::WrongSigner),
	}
	let Some(Value::Array(credentials)) = presentation.get("verifiableCredential") else {
		return Err(malformed("verifiableCredential"));
	};
	let credentials = credentials.iter().map(verify_derived).collect::<Result<Vec<_>, _>>()?;
	// A holder presents its own credentials only: one lifted from someone else's presentation
	// and re-wrapped is refused.
	if credentials.iter().any(|credential| credential.subject != holder) {
		return Err(DisclosureError::WrongSigner);
	}
	Ok(VerifiedPresentation { holder: holder.into(), holder_key, credentials })
}
