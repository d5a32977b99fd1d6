//! The JOSE the OpenID routes need: compact JWTs (OpenID4VCI key proofs, OpenID4VP key binding
//! JWTs), the holder keys that sign them (Ed25519 `EdDSA` and P-256 `ES256`, the two algorithms
//! wallets use) and the DID URLs that name those keys (`did:key`, `did:jwk`, `did:teeid`).
//!
//! Everything here reads untrusted input, so every input is bounded before it is decoded: a
//! JWT is at most [`MAX_JWT_BYTES`], a JWK at most [`MAX_JWK_BYTES`], a key id at most
//! [`MAX_KID_BYTES`]. JSON inside a JWT is I-JSON (RFC 7493), read by the strict parser first:
//! a header that names `alg` twice would otherwise be checked as one value and verified as
//! another by a different library.

use p256::ecdsa::{signature::Verifier, Signature as P256Signature, VerifyingKey as P256Key};
use serde_json::{json, Value};
use teeid_did_resolver::{
	did::PREFIX as TEEID_PREFIX,
	resolve::{self, ResolveError},
};
use teeid_primitives::{base58, json as strict_json};

use crate::worker::Worker;

/// The longest compact JWT read, in bytes: a key proof or a key binding JWT is a few hundred
/// bytes; one with an inline JWK or a did:jwk key id stays far below this.
pub const MAX_JWT_BYTES: usize = 16 * 1024;

/// The longest JWK read, as JSON bytes: the TA's limit for a holder key (`cnf.jwk`).
pub const MAX_JWK_BYTES: usize = 1024;

/// The longest key id (DID URL) read, in bytes: a did:jwk of the longest JWK, with its fragment.
pub const MAX_KID_BYTES: usize = 2048;

/// The multicodec prefix (unsigned varint) of an Ed25519 public key in a multikey.
const ED25519_MULTICODEC: [u8; 2] = [0xed, 0x01];
/// The multicodec prefix of a compressed P-256 public key in a multikey.
const P256_MULTICODEC: [u8; 2] = [0x80, 0x24];
/// The multicodec prefix of an sr25519 public key: did:teeid documents list them, JOSE has no
/// algorithm for them.
const SR25519_MULTICODEC: [u8; 2] = [0xef, 0x01];

/// Why a JWT, a key or a key id was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JoseError {
	/// Not well-formed: not base64url, not JSON, over a size limit, a missing member.
	#[error("{0}")]
	Malformed(String),
	/// An algorithm or key type this worker does not verify, or one that does not fit the key.
	#[error("unsupported algorithm or key: {0}")]
	UnsupportedAlg(String),
	/// The signature does not verify with the key.
	#[error("the signature does not verify")]
	BadSignature,
	/// The key id names no usable key: an unknown DID method, DID or verification method.
	#[error("{0}")]
	UnknownKey(String),
	/// The key could not be looked up now (the chain did not answer DID resolution): the
	/// request may succeed later, so it is not the sender's fault.
	#[error("the key could not be resolved now: {0}")]
	Unavailable(String),
}

fn malformed(what: impl Into<String>) -> JoseError {
	JoseError::Malformed(what.into())
}

/// base64url without padding (RFC 7515, section 2).
pub fn b64u(bytes: &[u8]) -> String {
	// The TA's encoder: what the worker reads and writes is spelled as the TA spells it.
	teeid_ta_protocol::status_list::base64url(bytes)
}

/// Decodes base64url without padding; padding, other alphabets and non-canonical trailing bits
/// are refused.
pub fn b64u_decode(text: &str) -> Result<Vec<u8>, JoseError> {
	teeid_ta_protocol::status_list::base64url_decode(text)
		.ok_or_else(|| malformed("not base64url without padding"))
}

/// A compact JWS (RFC 7515) with a JSON payload: a JWT, decoded but not verified.
#[derive(Clone, Debug, PartialEq)]
pub struct Jwt {
	/// The protected header, a JSON object.
	pub header: Value,
	/// The payload (claims), a JSON object.
	pub payload: Value,
	/// What the signature signs: the first two parts as sent, `<header>.<payload>`.
	pub signing_input: String,
	/// The signature, decoded.
	pub signature: Vec<u8>,
}

impl Jwt {
	/// Decodes a compact JWT: three base64url parts, a header and a payload that are I-JSON
	/// objects; at most [`MAX_JWT_BYTES`].
	pub fn parse(compact: &str) -> Result<Jwt, JoseError> {
		if compact.len() > MAX_JWT_BYTES {
			return Err(malformed(format!("a JWT is at most {MAX_JWT_BYTES} bytes")));
		}
		let mut parts = compact.split('.');
		let (Some(header), Some(payload), Some(signature), None) =
			(parts.next(), parts.next(), parts.next(), parts.next())
		else {
			return Err(malformed("a compact JWT has three parts separated by `.`"));
		};
		Ok(Jwt {
			header: json_object(header, "header")?,
			payload: json_object(payload, "payload")?,
			signing_input: format!("{header}.{payload}"),
			signature: b64u_decode(signature)
				.map_err(|_| malformed("the JWT's signature is not base64url"))?,
		})
	}

	/// The header's `alg`.
	pub fn alg(&self) -> Result<&str, JoseError> {
		self.header_str("alg").ok_or_else(|| malformed("the JWT header has no string `alg`"))
	}

	/// The header member `name`, if it is a string.
	pub fn header_str(&self, name: &str) -> Option<&str> {
		self.header.get(name).and_then(Value::as_str)
	}

	/// Checks the signature with `key`, under the header's `alg`.
	pub fn verify(&self, key: &HolderKey) -> Result<(), JoseError> {
		key.verify(self.alg()?, self.signing_input.as_bytes(), &self.signature)
	}
}

/// A base64url part of a JWT that must hold a JSON object.
fn json_object(part: &str, what: &str) -> Result<Value, JoseError> {
	let bytes =
		b64u_decode(part).map_err(|_| malformed(format!("the JWT's {what} is not base64url")))?;
	// The strict parser refuses a member named twice, which serde would resolve to the last.
	strict_json::Value::parse(&bytes).map_err(|e| {
		malformed(format!("the JWT's {what} is not I-JSON: {:?} at byte {}", e.kind, e.offset))
	})?;
	let value: Value = serde_json::from_slice(&bytes)
		.map_err(|e| malformed(format!("the JWT's {what} is not JSON: {e}")))?;
	if !value.is_object() {
		return Err(malformed(format!("the JWT's {what} is not a JSON object")));
	}
	Ok(value)
}

/// A holder's public key, of a kind wallets sign key proofs and key binding JWTs with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HolderKey {
	/// An Ed25519 key (`EdDSA`), its 32 bytes (a valid point).
	Ed25519([u8; 32]),
	/// A P-256 key (`ES256`).
	P256(P256Key),
}

impl HolderKey {
	/// The key of a public JWK: `OKP` with `crv` `Ed25519`, or `EC` with `crv` `P-256`. A JWK with
	/// a private member (`d`), over [`MAX_JWK_BYTES`], or whose `alg` does not fit the key is
	/// refused; other members (`kid`, `use`) are ignored.
	pub fn from_jwk(jwk: &Value) -> Result<HolderKey, JoseError> {
		let Value::Object(members) = jwk else {
			return Err(malformed("a JWK is a JSON object"));
		};
		if serde_json::to_vec(jwk).map_or(true, |bytes| bytes.len() > MAX_JWK_BYTES) {
			return Err(malformed(format!("a JWK is at most {MAX_JWK_BYTES} bytes")));
		}
		if members.contains_key("d") {
			return Err(malformed(
				"the JWK holds a private key (`d`): send the public key only, and keep the \
				 private key in the wallet",
			));
		}
		let text = |name: &str| {
			members
				.get(name)
				.and_then(Value::as_str)
				.ok_or_else(|| malformed(format!("the JWK has no string `{name}`")))
		};
		let coordinate = |name: &str| -> Result<[u8; 32], JoseError> {
			let bytes = b64u_decode(text(name)?)
				.map_err(|_| malformed(format!("the JWK's `{name}` is not base64url")))?;
			<[u8; 32]>::try_from(bytes.as_slice())
				.map_err(|_| malformed(format!("the JWK's `{name}` is not 32 bytes")))
		};
		let key = match (text("kty")?, text("crv")) {
			("OKP", Ok("Ed25519")) => HolderKey::ed25519(coordinate("x")?)?,
			("EC", Ok("P-256")) => {
				let mut sec1 = [0u8; 65];
				sec1[0] = 0x04;
				sec1[1..33].copy_from_slice(&coordinate("x")?);
				sec1[33..].copy_from_slice(&coordinate("y")?);
				HolderKey::P256(
					P256Key::from_sec1_bytes(&sec1)
						.map_err(|_| malformed("the JWK's `x` and `y` are not a P-256 point"))?,
				)
			},
			(kty, crv) => {
				let crv = crv.map(|crv| format!(", crv `{crv}`")).unwrap_or_default();
				return Err(JoseError::UnsupportedAlg(format!(
					"a JWK of kty `{kty}`{crv}: Ed25519 (`OKP`) and P-256 (`EC`) keys only"
				)));
			},
		};
		if let Some(alg) = members.get("alg") {
			let fits = alg.as_str().is_some_and(|alg| key.algs().contains(&alg));
			if !fits {
				return Err(JoseError::UnsupportedAlg(format!(
					"the JWK's `alg` {alg} does not fit its {} key",
					key.kind()
				)));
			}
		}
		Ok(key)
	}

	/// An Ed25519 key, once its bytes are checked to be a point.
	fn ed25519(bytes: [u8; 32]) -> Result<HolderKey, JoseError> {
		ed25519_dalek::VerifyingKey::from_bytes(&bytes)
			.map_err(|_| malformed("not an Ed25519 public key"))?;
		Ok(HolderKey::Ed25519(bytes))
	}

	/// The key's public JWK: `kty`, `crv`, `x` (and `y`), nothing else.
	pub fn to_jwk(&self) -> Value {
		match self {
			HolderKey::Ed25519(x) => json!({ "kty": "OKP", "crv": "Ed25519", "x": b64u(x) }),
			HolderKey::P256(key) => {
				let (x, y) = p256_coordinates(key);
				json!({ "kty": "EC", "crv": "P-256", "x": b64u(&x), "y": b64u(&y) })
			},
		}
	}

	/// The JWK in its canonical form (RFC 8785: members sorted, no whitespace), as did:jwk and
	/// the TA's `cnf.jwk` take it. Written out rather than serialized, since a `serde_json` built
	/// with `preserve_order` would keep insertion order instead of sorting: the members are
	/// those of [`Self::to_jwk`], in code-unit order, and their values (fixed names, base64url)
	/// need no escaping.
	pub fn canonical_jwk(&self) -> String {
		let jwk = self.to_jwk();
		let members: Vec<String> = ["crv", "kty", "x", "y"]
			.into_iter()
			.filter_map(|name| {
				let value = jwk.get(name).and_then(Value::as_str)?;
				Some(format!(r#""{name}":"{value}""#))
			})
			.collect();
		format!("{{{}}}", members.join(","))
	}

	/// The key's `did:jwk` DID: `did:jwk:` and the base64url of the canonical JWK.
	pub fn did_jwk(&self) -> String {
		format!("did:jwk:{}", b64u(self.canonical_jwk().as_bytes()))
	}

	/// The key of a multibase multikey (`publicKeyMultibase`, the method-specific id of a
	/// did:key): Ed25519 (`0xed01`) or compressed P-256 (`0x8024`).
	pub fn from_multikey(multikey: &str) -> Result<HolderKey, JoseError> {
		// Decoding checks the length before it decodes (base58 costs the square of it).
		if let Ok(bytes) = base58::decode_multibase::<34>(multikey) {
			let (prefix, key) = bytes.split_at(2);
			return match <[u8; 2]>::try_from(prefix) {
				Ok(ED25519_MULTICODEC) => {
					let mut x = [0u8; 32];
					x.copy_from_slice(key);
					HolderKey::ed25519(x)
				},
				Ok(SR25519_MULTICODEC) => Err(JoseError::UnknownKey(
					"an sr25519 key signs no JWT (JOSE has no algorithm for it): name an \
					 Ed25519 key"
						.into(),
				)),
				_ => Err(JoseError::UnknownKey(
					"a multikey of a kind this worker does not verify: Ed25519 and P-256 only"
						.into(),
				)),
			};
		}
		let bytes = base58::decode_multibase::<35>(multikey).map_err(|_| {
			malformed("not a multibase (`z…`) multikey of an Ed25519 or P-256 public key")
		})?;
		if bytes[..2] != P256_MULTICODEC {
			return Err(JoseError::UnknownKey(
				"a multikey of a kind this worker does not verify: Ed25519 and P-256 only".into(),
			));
		}
		P256Key::from_sec1_bytes(&bytes[2..])
			.map(HolderKey::P256)
			.map_err(|_| malformed("the multikey is not a compressed P-256 point"))
	}

	/// The key of a did:jwk's method-specific id (base64url of a public JWK).
	pub fn from_did_jwk(encoded: &str) -> Result<HolderKey, JoseError> {
		// base64url of MAX_JWK_BYTES bytes, at most.
		if encoded.len() > MAX_JWK_BYTES.div_ceil(3) * 4 {
			return Err(malformed(format!("a did:jwk's JWK is at most {MAX_JWK_BYTES} bytes")));
		}
		let bytes = b64u_decode(encoded).map_err(|_| malformed("a did:jwk is not base64url"))?;
		strict_json::Value::parse(&bytes)
			.map_err(|e| malformed(format!("a did:jwk's JWK is not I-JSON: {:?}", e.kind)))?;
		let jwk: Value = serde_json::from_slice(&bytes)
			.map_err(|e| malformed(format!("a did:jwk's JWK is not JSON: {e}")))?;
		HolderKey::from_jwk(&jwk)
	}

	/// The JWS algorithms the key verifies: `EdDSA` (and its fully specified name `Ed25519`,
	/// RFC 9864) or `ES256`.
	pub fn algs(&self) -> &'static [&'static str] {
		match self {
			HolderKey::Ed25519(_) => &["EdDSA", "Ed25519"],
			HolderKey::P256(_) => &["ES256"],
		}
	}

	/// What kind of key it is, for messages.
	pub fn kind(&self) -> &'static str {
		match self {
			HolderKey::Ed25519(_) => "Ed25519",
			HolderKey::P256(_) => "P-256",
		}
	}

	/// Checks a JWS signature by this key under `alg`: `EdDSA` over Ed25519 (strict: no
	/// small-order keys, canonical signatures), `ES256` over P-256 with the signature as `r ‖ s`
	/// (64 bytes, as JWS writes it, not DER).
	pub fn verify(&self, alg: &str, message: &[u8], signature: &[u8]) -> Result<(), JoseError> {
		if !self.algs().contains(&alg) {
			return Err(JoseError::UnsupportedAlg(format!(
				"`{alg}` for a {} key (it takes {})",
				self.kind(),
				self.algs().join(" or ")
			)));
		}
		match self {
			HolderKey::Ed25519(x) => {
				let key = ed25519_dalek::VerifyingKey::from_bytes(x)
					.map_err(|_| malformed("not an Ed25519 public key"))?;
				let signature = <[u8; 64]>::try_from(signature)
					.map_err(|_| malformed("an EdDSA signature is 64 bytes"))?;
				key.verify_strict(message, &ed25519_dalek::Signature::from_bytes(&signature))
					.map_err(|_| JoseError::BadSignature)
			},
			HolderKey::P256(key) => {
				let signature = P256Signature::from_slice(signature)
					.map_err(|_| malformed("an ES256 signature is 64 bytes, r and s"))?;
				key.verify(message, &signature).map_err(|_| JoseError::BadSignature)
			},
		}
	}
}

/// The affine coordinates of a P-256 key, from its uncompressed SEC1 form `04 ‖ x ‖ y`.
fn p256_coordinates(key: &P256Key) -> ([u8; 32], [u8; 32]) {
	let point = key.to_encoded_point(false);
	let bytes = point.as_bytes();
	let (mut x, mut y) = ([0u8; 32], [0u8; 32]);
	// An uncompressed point of a valid key is always 65 bytes.
	if bytes.len() == 65 {
		x.copy_from_slice(&bytes[1..33]);
		y.copy_from_slice(&bytes[33..]);
	}
	(x, y)
}

/// What a key id names, before any DID is resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KidTarget {
	/// A key the DID URL holds itself (did:key, did:jwk): the DID and the key.
	Inline(String, HolderKey),
	/// A verification method of a did:teeid document: the DID and the whole key id.
	TeeId {
		/// The DID.
		did: String,
		/// The DID URL of the verification method.
		kid: String,
	},
}

/// Reads a key id (a DID URL): did:key (`#` its own method-specific id, or no fragment),
/// did:jwk (`#0` or no fragment) or did:teeid (a fragment naming the method).
pub fn parse_kid(kid: &str) -> Result<KidTarget, JoseError> {
	if kid.len() > MAX_KID_BYTES {
		return Err(malformed(format!("a key id is at most {MAX_KID_BYTES} bytes")));
	}
	let (did, fragment) = match kid.split_once('#') {
		Some((did, fragment)) => (did, Some(fragment)),
		None => (kid, None),
	};
	if let Some(multikey) = did.strip_prefix("did:key:") {
		if fragment.is_some_and(|fragment| fragment != multikey) {
			return Err(malformed("a did:key key id's fragment is its method-specific id"));
		}
		Ok(KidTarget::Inline(did.to_string(), HolderKey::from_multikey(multikey)?))
	} else if let Some(encoded) = did.strip_prefix("did:jwk:") {
		if fragment.is_some_and(|fragment| fragment != "0") {
			return Err(malformed("a did:jwk key id's fragment is `0`"));
		}
		Ok(KidTarget::Inline(did.to_string(), HolderKey::from_did_jwk(encoded)?))
	} else if did.starts_with(TEEID_PREFIX) {
		if fragment.is_none_or(str::is_empty) {
			return Err(malformed(
				"a did:teeid key id names its verification method with a fragment",
			));
		}
		Ok(KidTarget::TeeId { did: did.to_string(), kid: kid.to_string() })
	} else {
		let method = did.splitn(3, ':').take(2).collect::<Vec<_>>().join(":");
		Err(JoseError::UnknownKey(format!(
			"key ids of `{method}` are not resolved here: use did:key, did:jwk or did:teeid"
		)))
	}
}

/// The key a key id (a DID URL) names, with its DID (the holder): did:key (`z6Mk…` Ed25519,
/// `zDn…` P-256), did:jwk, or did:teeid, whose current document (resolved from the chain, as
/// `GET /1.0/identifiers/{did}` does) must list the method under `authentication` with an
/// Ed25519 key (sr25519 keys are not JOSE keys and are refused).
pub async fn resolve_kid(worker: &Worker, kid: &str) -> Result<(String, HolderKey), JoseError> {
	match parse_kid(kid)? {
		KidTarget::Inline(did, key) => Ok((did, key)),
		KidTarget::TeeId { did, kid } => {
			// The document is what counts; its history (attributes) is not needed.
			let document = match resolve::document(&worker.resolver, &did, None).await {
				Ok((document, _)) => document,
				Err(e @ ResolveError::InvalidDid(_)) => return Err(malformed(e.to_string())),
				Err(ResolveError::NotFound) => {
					return Err(JoseError::UnknownKey(format!("{did} does not exist")))
				},
				Err(e) => return Err(JoseError::Unavailable(format!("resolving {did}: {e}"))),
			};
			Ok((did, authentication_key(&document, &kid)?))
		},
	}
}

/// The key of verification method `kid` in a DID document, which must list it under
/// `authentication` (by reference or embedded): its `publicKeyMultibase` (Ed25519 or P-256
/// multikey) or `publicKeyJwk`.
pub fn authentication_key(document: &Value, kid: &str) -> Result<HolderKey, JoseError> {
	let did = document.get("id").and_then(Value::as_str).unwrap_or_default();
	// A reference may be relative to the document (`#key-1`).
	let names_kid = |id: &str| id == kid || (id.starts_with('#') && format!("{did}{id}") == kid);
	let method_id =
		|method: &Value| method.get("id").and_then(Value::as_str).is_some_and(names_kid);
	let empty = Vec::new();
	let list = |name: &str| document.get(name).and_then(Value::as_array).unwrap_or(&empty);
	let method = list("authentication")
		.iter()
		.find_map(|entry| match entry {
			Value::String(id) if names_kid(id.as_str()) => {
				Some(list("verificationMethod").iter().find(|method| method_id(method)))
			},
			Value::Object(_) if method_id(entry) => Some(Some(entry)),
			_ => None,
		})
		.ok_or_else(|| {
			JoseError::UnknownKey(format!(
				"{kid} is not an authentication key of the DID's current document"
			))
		})?
		.ok_or_else(|| {
			JoseError::UnknownKey(format!("the DID document lists {kid} but does not hold it"))
		})?;
	if let Some(multikey) = method.get("publicKeyMultibase").and_then(Value::as_str) {
		HolderKey::from_multikey(multikey)
	} else if let Some(jwk) = method.get("publicKeyJwk") {
		HolderKey::from_jwk(jwk)
	} else {
		Err(JoseError::UnknownKey(format!(
			"{kid} has neither `publicKeyMultibase` nor `publicKeyJwk`"
		)))
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use ed25519_dalek::Signer as _;

	/// The Ed25519 example of the did:key specification.
	const DID_KEY_ED25519: &str = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG1GLVVQR3djvX2mKdBx1";
	/// The key it holds.
	const DID_KEY_ED25519_HEX: &str =
		"3b6a27bcceb6a42d62a3a8d02a6f0d7365320a95bcde533091a7d901f40cda5e";
	/// The P-256 example of the did:key specification.
	const DID_KEY_P256: &str = "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169";
	/// The P-256 example of the did:jwk specification.
	const DID_JWK_P256: &str = "did:jwk:eyJjcnYiOiJQLTI1NiIsImt0eSI6IkVDIiwieCI6ImFjYklRaXVNczNpOF91c3pFakoydHBUdFJNNEVVM3l6OTFQSDZDZEgyVjAiLCJ5IjoiX0tjeUxqOXZXTXB0bm1LdG00NkdxRHo4d2Y3NEk1TEtncmwyR3pIM25TRSJ9";

	/// The key's did:key: `did:key:` and its multikey (`z6Mk…` Ed25519, `zDn…` P-256).
	fn did_key(key: &HolderKey) -> String {
		let mut bytes = Vec::with_capacity(35);
		match key {
			HolderKey::Ed25519(x) => {
				bytes.extend_from_slice(&ED25519_MULTICODEC);
				bytes.extend_from_slice(x);
			},
			HolderKey::P256(key) => {
				bytes.extend_from_slice(&P256_MULTICODEC);
				bytes.extend_from_slice(key.to_encoded_point(true).as_bytes());
			},
		}
		format!("did:key:z{}", base58::encode(&bytes))
	}

	fn compact(header: &Value, payload: &Value, sign: impl Fn(&[u8]) -> Vec<u8>) -> String {
		let input = format!(
			"{}.{}",
			b64u(header.to_string().as_bytes()),
			b64u(payload.to_string().as_bytes())
		);
		let signature = sign(input.as_bytes());
		format!("{input}.{}", b64u(&signature))
	}

	fn ed25519_signer() -> (ed25519_dalek::SigningKey, HolderKey) {
		let signer = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
		let jwk =
			json!({ "kty": "OKP", "crv": "Ed25519", "x": b64u(signer.verifying_key().as_bytes()) });
		(signer, HolderKey::from_jwk(&jwk).unwrap())
	}

	fn p256_signer() -> (p256::ecdsa::SigningKey, HolderKey) {
		let signer = p256::ecdsa::SigningKey::from_slice(&[7; 32]).unwrap();
		(signer.clone(), HolderKey::P256(*signer.verifying_key()))
	}

	#[test]
	fn jwts_parse_into_header_payload_and_signature_works() {
		let jwt = compact(&json!({"alg": "EdDSA", "typ": "x"}), &json!({"a": 1}), |_| vec![9; 64]);
		let parsed = Jwt::parse(&jwt).unwrap();
		assert_eq!(parsed.alg().unwrap(), "EdDSA");
		assert_eq!(parsed.header_str("typ"), Some("x"));
		assert_eq!(parsed.payload, json!({"a": 1}));
		assert_eq!(parsed.signature, vec![9; 64]);
		assert_eq!(parsed.signing_input, jwt.rsplit_once('.').unwrap().0);
	}

	#[test]
	fn malformed_and_oversized_jwts_are_refused_fails() {
		let header = b64u(br#"{"alg":"EdDSA"}"#);
		let payload = b64u(br#"{"a":1}"#);
		let refused = |jwt: &str| matches!(Jwt::parse(jwt), Err(JoseError::Malformed(_)));
		assert!(refused(&format!("{header}.{payload}")), "two parts");
		assert!(refused(&format!("{header}.{payload}.AA.AA")), "four parts");
		assert!(refused(&format!("{header}.{payload}.A+==")), "not base64url");
		assert!(refused(&format!("{header}=.{payload}.AA")), "padding");
		assert!(refused(&format!("{}.{payload}.AA", b64u(b"[1]"))), "not an object");
		assert!(refused(&format!("{}.{payload}.AA", b64u(b"{\"alg\":1"))), "not JSON");
		let twice = b64u(br#"{"alg":"none","alg":"EdDSA"}"#);
		assert!(refused(&format!("{twice}.{payload}.AA")), "a member named twice");
		// Exactly at the limit it is read; one byte over, it is refused before decoding.
		let padding = "A".repeat(MAX_JWT_BYTES - header.len() - payload.len() - 2);
		let padding = &padding[..padding.len() - padding.len() % 4];
		let at_limit = format!("{header}.{payload}.{padding}");
		assert!(at_limit.len() <= MAX_JWT_BYTES);
		assert!(Jwt::parse(&at_limit).is_ok());
		let over = format!("{header}.{payload}.{}", "A".repeat(MAX_JWT_BYTES));
		let error = Jwt::parse(&over).unwrap_err().to_string();
		assert!(error.contains("at most 16384 bytes"), "{error}");
	}

	#[test]
	fn eddsa_jwts_verify_with_their_jwk_works() {
		let (signer, key) = ed25519_signer();
		let header = json!({"alg": "EdDSA", "jwk": key.to_jwk()});
		let jwt = compact(&header, &json!({"nonce": "n"}), |m| signer.sign(m).to_bytes().to_vec());
		let parsed = Jwt::parse(&jwt).unwrap();
		assert_eq!(parsed.verify(&key), Ok(()));
		assert_eq!(HolderKey::from_jwk(&parsed.header["jwk"]).unwrap(), key);
		// Another payload under the same signature, another key, another algorithm: refused.
		let mut tampered = parsed.clone();
		tampered.signing_input.push('x');
		assert_eq!(tampered.verify(&key), Err(JoseError::BadSignature));
		let (_, other) = p256_signer();
		assert!(matches!(parsed.verify(&other), Err(JoseError::UnsupportedAlg(_))));
		assert!(matches!(key.verify("ES256", b"m", &[0; 64]), Err(JoseError::UnsupportedAlg(_))));
		assert!(matches!(key.verify("none", b"m", &[]), Err(JoseError::UnsupportedAlg(_))));
		assert!(matches!(key.verify("EdDSA", b"m", &[0; 63]), Err(JoseError::Malformed(_))));
	}

	#[test]
	fn es256_jwts_verify_with_their_jwk_works() {
		let (signer, key) = p256_signer();
		let jwk = key.to_jwk();
		assert_eq!(HolderKey::from_jwk(&jwk).unwrap(), key);
		let header = json!({"alg": "ES256", "jwk": jwk});
		let jwt = compact(&header, &json!({"aud": "x"}), |m| {
			let signature: p256::ecdsa::Signature = signer.sign(m);
			signature.to_bytes().to_vec()
		});
		let parsed = Jwt::parse(&jwt).unwrap();
		assert_eq!(parsed.verify(&key), Ok(()));
		let mut tampered = parsed.clone();
		tampered.signature[10] ^= 1;
		assert_eq!(tampered.verify(&key), Err(JoseError::BadSignature));
		assert!(matches!(key.verify("EdDSA", b"m", &[0; 64]), Err(JoseError::UnsupportedAlg(_))));
	}

	#[test]
	fn jwks_with_private_or_unknown_members_are_refused_fails() {
		let (_, key) = p256_signer();
		let mut private = key.to_jwk();
		private["d"] = json!(b64u(&[7; 32]));
		let error = HolderKey::from_jwk(&private).unwrap_err().to_string();
		assert!(error.contains("private key"), "{error}");
		let mut wrong_alg = key.to_jwk();
		wrong_alg["alg"] = json!("EdDSA");
		assert!(matches!(HolderKey::from_jwk(&wrong_alg), Err(JoseError::UnsupportedAlg(_))));
		let rsa = json!({"kty": "RSA", "n": "AQAB", "e": "AQAB"});
		assert!(matches!(HolderKey::from_jwk(&rsa), Err(JoseError::UnsupportedAlg(_))));
		let short = json!({"kty": "OKP", "crv": "Ed25519", "x": b64u(&[1; 31])});
		assert!(matches!(HolderKey::from_jwk(&short), Err(JoseError::Malformed(_))));
		let off_curve =
			json!({"kty": "EC", "crv": "P-256", "x": b64u(&[1; 32]), "y": b64u(&[2; 32])});
		assert!(matches!(HolderKey::from_jwk(&off_curve), Err(JoseError::Malformed(_))));
		let mut huge = key.to_jwk();
		huge["kid"] = json!("k".repeat(MAX_JWK_BYTES));
		assert!(matches!(HolderKey::from_jwk(&huge), Err(JoseError::Malformed(_))));
		// Members that do not change the key are ignored.
		let mut labelled = key.to_jwk();
		labelled["kid"] = json!("key-1");
		labelled["use"] = json!("sig");
		assert_eq!(HolderKey::from_jwk(&labelled).unwrap(), key);
	}

	#[test]
	fn did_key_decodes_ed25519_and_p256_and_encodes_back_works() {
		let KidTarget::Inline(did, key) = parse_kid(DID_KEY_ED25519).unwrap() else { panic!() };
		assert_eq!(did, DID_KEY_ED25519);
		assert_eq!(
			key,
			HolderKey::Ed25519(hex::decode(DID_KEY_ED25519_HEX).unwrap().try_into().unwrap())
		);
		assert_eq!(did_key(&key), DID_KEY_ED25519);
		assert_eq!(key.to_jwk()["x"], json!("O2onvM62pC1io6jQKm8Nc2UyCpW83lMwkafZAfQM2l4"));
		let KidTarget::Inline(did, key) = parse_kid(DID_KEY_P256).unwrap() else { panic!() };
		assert_eq!(did, DID_KEY_P256);
		assert!(matches!(key, HolderKey::P256(_)));
		assert_eq!(did_key(&key), DID_KEY_P256);
		// The fragment, when there is one, repeats the method-specific id.
		let multikey = DID_KEY_P256.trim_start_matches("did:key:");
		let with_fragment = format!("{DID_KEY_P256}#{multikey}");
		assert_eq!(parse_kid(&with_fragment).unwrap(), KidTarget::Inline(did, key));
		assert!(parse_kid(&format!("{DID_KEY_P256}#other")).is_err());
		// Keys made here encode and decode as well.
		let (_, ed25519) = ed25519_signer();
		assert_eq!(
			parse_kid(&did_key(&ed25519)).unwrap(),
			KidTarget::Inline(did_key(&ed25519), ed25519)
		);
		// Not a multikey, or one of a kind JOSE cannot verify.
		assert!(matches!(parse_kid("did:key:z6Mk"), Err(JoseError::Malformed(_))));
		let mut sr25519 = SR25519_MULTICODEC.to_vec();
		sr25519.extend_from_slice(&[3; 32]);
		let sr25519 = format!("did:key:z{}", base58::encode(&sr25519));
		assert!(matches!(parse_kid(&sr25519), Err(JoseError::UnknownKey(_))));
	}

	#[test]
	fn did_jwk_round_trips_works() {
		let KidTarget::Inline(did, key) = parse_kid(&format!("{DID_JWK_P256}#0")).unwrap() else {
			panic!()
		};
		assert_eq!(did, DID_JWK_P256);
		assert_eq!(key.did_jwk(), DID_JWK_P256, "the canonical JWK is the specification's");
		assert_eq!(key.to_jwk()["x"], json!("acbIQiuMs3i8_uszEjJ2tpTtRM4EU3yz91PH6CdH2V0"));
		let (_, ed25519) = ed25519_signer();
		let KidTarget::Inline(did, decoded) = parse_kid(&ed25519.did_jwk()).unwrap() else {
			panic!()
		};
		assert_eq!((did, decoded), (ed25519.did_jwk(), ed25519.clone()));
		assert!(ed25519.canonical_jwk().starts_with(r#"{"crv":"Ed25519","kty":"OKP","x":""#));
		assert!(parse_kid(&format!("{DID_JWK_P256}#1")).is_err());
		let private = b64u(br#"{"kty":"OKP","crv":"Ed25519","x":"AA","d":"AA"}"#);
		assert!(parse_kid(&format!("did:jwk:{private}")).is_err());
		let too_long = format!("did:jwk:{}", "A".repeat(MAX_KID_BYTES));
		assert!(matches!(parse_kid(&too_long), Err(JoseError::Malformed(_))));
	}

	#[test]
	fn teeid_and_unknown_key_ids_works() {
		let did = "did:teeid:5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
		let kid = format!("{did}#auth");
		assert_eq!(
			parse_kid(&kid).unwrap(),
			KidTarget::TeeId { did: did.into(), kid: kid.clone() }
		);
		assert!(matches!(parse_kid(did), Err(JoseError::Malformed(_))), "no fragment");
		assert!(matches!(parse_kid("did:web:example.com#k"), Err(JoseError::UnknownKey(_))));
	}

	#[test]
	fn authentication_keys_come_from_the_document_works() {
		let did = "did:teeid:5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
		let (_, ed25519) = ed25519_signer();
		let multikey = did_key(&ed25519).trim_start_matches("did:key:").to_string();
		let mut sr25519 = SR25519_MULTICODEC.to_vec();
		sr25519.extend_from_slice(&[3; 32]);
		let document = json!({
			"id": did,
			"verificationMethod": [
				{"id": format!("{did}#ed"), "type": "Multikey", "publicKeyMultibase": multikey},
				{"id": format!("{did}#sr"), "type": "Multikey",
				 "publicKeyMultibase": format!("z{}", base58::encode(&sr25519))},
				{"id": format!("{did}#assert"), "type": "Multikey", "publicKeyMultibase": multikey},
			],
			"authentication": [format!("{did}#ed"), format!("{did}#sr"),
				{"id": "#jwk", "type": "JsonWebKey", "publicKeyJwk": ed25519.to_jwk()}],
			"assertionMethod": [format!("{did}#assert")],
		});
		assert_eq!(authentication_key(&document, &format!("{did}#ed")), Ok(ed25519.clone()));
		assert_eq!(authentication_key(&document, &format!("{did}#jwk")), Ok(ed25519));
		for (fragment, refused) in [("sr", "sr25519"), ("assert", "not an authentication key")] {
			let error = authentication_key(&document, &format!("{did}#{fragment}")).unwrap_err();
			assert!(matches!(&error, JoseError::UnknownKey(m) if m.contains(refused)), "{error}");
		}
		// A deactivated DID's document holds no keys.
		let deactivated = json!({"id": did});
		assert!(authentication_key(&deactivated, &format!("{did}#ed")).is_err());
	}
}
