//! SD-JWT (RFC 9901) as teeid's SD-JWT VCs use it: reading a compact SD-JWT or a presentation
//! of one, checking its disclosures against the digests the issuer signed, and checking a
//! key-binding JWT.
//!
//! A teeid SD-JWT VC is made by a TA (`ta/core/src/sd_jwt.rs`): an issuer-signed JWT whose
//! `_sd` digests cover top-level claims only, one disclosure per claim. This reader refuses
//! what teeid never issues rather than half-supporting it: array-element disclosures (`...`),
//! digests inside disclosed values, digest algorithms other than SHA-256. Everything is
//! bounded before it is decoded ([`MAX_SD_JWT_BYTES`], [`MAX_DISCLOSURES`]), and each
//! disclosure is read by the strict parser of `teeid-primitives` (a member named twice is
//! refused), as credentials are.
//!
//! Whether the key that signed the issuer JWT may sign for its issuer is not decided here:
//! [`SdJwt::verify_issuer`] checks the signature by the TEE key the `kid` names, and
//! `crate::verify` checks that key against the chain.

use serde_json::{Map, Value};
use std::collections::HashSet;
use teeid_primitives::json;
use teeid_ta_protocol::{
	credential::{split_verification_method, verify_ed25519},
	sd_jwt as sd_jwt_vc,
};

use crate::{
	jose::{b64u_decode, HolderKey, Jwt},
	verify::json_problem,
};

/// The longest SD-JWT read, presentation included. The TA's claims are at most 64 KiB
/// (`MAX_CLAIMS_BYTES`), one disclosure per top-level claim: base64url makes that at most about
/// 97 KiB with the salts, and the issuer-signed JWT and a key-binding JWT add under 20 KiB.
pub const MAX_SD_JWT_BYTES: usize = 128 * 1024;

/// The most disclosures read: the TA discloses each top-level claim, and a credential has at
/// most 256 of them.
pub const MAX_DISCLOSURES: usize = teeid_ta_protocol::disclosure::MAX_CLAIMS;

/// The `typ` of an SD-JWT VC's issuer-signed JWT.
pub const SD_JWT_VC_TYP: &str = sd_jwt_vc::SD_JWT_TYP;

/// The `typ` of a key-binding JWT.
pub const KB_JWT_TYP: &str = "kb+jwt";

/// The algorithm of the issuer-signed JWT: TEE keys are Ed25519.
pub const ISSUER_ALG: &str = sd_jwt_vc::JWT_ALG;

/// The one digest algorithm (`_sd_alg`) read: the TA's, and RFC 9901's default.
pub const SD_ALG: &str = sd_jwt_vc::SD_ALG;

/// How old a key-binding JWT's `iat` may be, in seconds: a presentation is made for one
/// request, and answers it at once.
pub const KB_JWT_MAX_AGE_SECS: i64 = 300;

/// How far in the future a key-binding JWT's `iat` may lie, in seconds: clocks differ a little.
pub const KB_JWT_MAX_AHEAD_SECS: i64 = 60;

/// Why an SD-JWT is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SdJwtError {
	/// It is longer than [`MAX_SD_JWT_BYTES`].
	#[error("the SD-JWT is {0} bytes; at most {MAX_SD_JWT_BYTES} are read")]
	TooLarge(usize),
	/// It has more than [`MAX_DISCLOSURES`] disclosures.
	#[error("the SD-JWT has {0} disclosures; at most {MAX_DISCLOSURES} are read")]
	TooManyDisclosures(usize),
	/// It is not an SD-JWT: its parts are not JWTs and disclosures.
	#[error("malformed SD-JWT: {0}")]
	Malformed(String),
	/// The issuer-signed JWT is not signed by the TEE key its `kid` names.
	#[error("{0}")]
	IssuerSignature(String),
	/// A disclosure is not one the issuer signed, or is given twice, or clashes.
	#[error("{0}")]
	Disclosure(String),
	/// The key-binding JWT is missing, not the holder's, or not for this presentation.
	#[error("{0}")]
	KeyBinding(String),
}

fn malformed(what: impl Into<String>) -> SdJwtError {
	SdJwtError::Malformed(what.into())
}

/// base64url (no padding) of the SHA-256 of `text`: a disclosure's digest (as the TA computes
/// it), and `sd_hash`.
fn digest(text: &str) -> String {
	sd_jwt_vc::disclosure_digest(text)
}

/// One disclosure of an object property: `[salt, name, value]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Disclosure {
	/// base64url of the SHA-256 of the disclosure as sent (base64url of the JSON array): what
	/// `_sd` lists.
	pub digest: String,
	/// The claim's name.
	pub name: String,
	/// The claim's value.
	pub value: Value,
}

impl Disclosure {
	/// Reads one disclosure. Array-element disclosures (`[salt, value]`) are refused: teeid
	/// discloses object properties only.
	pub fn parse(encoded: &str) -> Result<Self, SdJwtError> {
		let bytes = b64u_decode(encoded)
			.map_err(|_| malformed("a disclosure is not base64url (without padding)"))?;
		// The strict parser first: serde would keep one of two members of the same name in
		// the value silently, and the holder would show another claim than the issuer signed.
		json::Value::parse(&bytes).map_err(|e| {
			malformed(format!(
				"a disclosure is not I-JSON: {} (its byte {})",
				json_problem(e.kind),
				e.offset
			))
		})?;
		let parts: Vec<Value> = serde_json::from_slice(&bytes)
			.map_err(|_| malformed("a disclosure is not a JSON array"))?;
		match <[Value; 3]>::try_from(parts) {
			// The salt only makes the digest unguessable: nothing reads it.
			Ok([Value::String(_salt), Value::String(name), value]) => {
				Ok(Self { digest: digest(encoded), name, value })
			},
			Ok(_) => Err(malformed("a disclosure's salt and claim name are not strings")),
			Err(parts) if parts.len() == 2 => Err(malformed(
				"an array-element disclosure: teeid credentials disclose object properties only",
			)),
			Err(_) => Err(malformed("a disclosure is not [salt, claim name, value]")),
		}
	}
}

/// The TEE key an issuer-signed JWT's `kid` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IssuerKey<'a> {
	/// The `kid`: a verification method `did:…#tee-<hex>`.
	pub method: &'a str,
	/// The DID it belongs to.
	pub did: &'a str,
	/// The Ed25519 key its fragment spells.
	pub key: [u8; 32],
}

/// What a key-binding JWT must show, beyond the holder's signature and `sd_hash`.
#[derive(Clone, Copy, Debug)]
pub struct KeyBindingRule<'a> {
	/// Whether a presentation without a key-binding JWT is refused (a verifier that asked for
	/// one); an SD-JWT as issued has none.
	pub required: bool,
	/// The `aud` it must name (the verifier's client identifier), if the verifier gave one.
	pub audience: Option<&'a str>,
	/// The `nonce` it must carry, if the verifier gave one.
	pub nonce: Option<&'a str>,
	/// The time now, seconds since the Unix epoch: `iat` must lie within
	/// [`KB_JWT_MAX_AGE_SECS`] before it and [`KB_JWT_MAX_AHEAD_SECS`] after.
	pub now: i64,
}

/// What a key-binding JWT that verified says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyBinding {
	/// Its `aud`.
	pub audience: String,
	/// Its `nonce`.
	pub nonce: String,
	/// Its `iat`, seconds since the Unix epoch.
	pub issued_at: i64,
}

/// An SD-JWT, or a presentation of one, read but not verified.
pub struct SdJwt {
	/// Everything before the key-binding JWT: `<issuer JWT>~<disclosure>~…~`, what `sd_hash`
	/// covers.
	presented: String,
	/// The length of the issuer-signed JWT at the start of `presented`.
	issuer_jwt_len: usize,
	header: Value,
	payload: Map<String, Value>,
	signing_input: String,
	signature: Vec<u8>,
	disclosures: Vec<Disclosure>,
	key_binding: Option<Jwt>,
}

impl SdJwt {
	/// Splits `text` (`<issuer JWT>~<disclosure>~…~` with an optional key-binding JWT at its
	/// end) and decodes its parts; refuses it unread past the bounds.
	pub fn parse(text: &str) -> Result<Self, SdJwtError> {
		if text.len() > MAX_SD_JWT_BYTES {
			return Err(SdJwtError::TooLarge(text.len()));
		}
		// Counted before anything is decoded: every `~` but the last ends a disclosure.
		let separators = text.bytes().filter(|byte| *byte == b'~').count();
		if separators.saturating_sub(1) > MAX_DISCLOSURES {
			return Err(SdJwtError::TooManyDisclosures(separators - 1));
		}
		let parts: Vec<&str> = text.split('~').collect();
		let [issuer_jwt, disclosures @ .., last] = parts.as_slice() else {
			return Err(malformed(
				"no `~`: an SD-JWT is `<JWT>~<disclosure>~…~`, with a key-binding JWT after the \
				 last `~` in a presentation",
			));
		};
		let jwt =
			Jwt::parse(issuer_jwt).map_err(|e| malformed(format!("the issuer-signed JWT: {e}")))?;
		let Value::Object(payload) = jwt.payload else {
			return Err(malformed("the issuer-signed JWT's payload is not a JSON object"));
		};
		let disclosures = disclosures
			.iter()
			.map(|encoded| match *encoded {
				"" => Err(malformed("an empty disclosure (`~~`)")),
				encoded => Disclosure::parse(encoded),
			})
			.collect::<Result<Vec<_>, _>>()?;
		let key_binding = match *last {
			"" => None,
			compact => Some(
				Jwt::parse(compact).map_err(|e| malformed(format!("the key-binding JWT: {e}")))?,
			),
		};
		Ok(Self {
			presented: text[..text.len() - last.len()].to_owned(),
			issuer_jwt_len: issuer_jwt.len(),
			header: jwt.header,
			payload,
			signing_input: jwt.signing_input,
			signature: jwt.signature,
			disclosures,
			key_binding,
		})
	}

	/// The issuer-signed JWT, as sent.
	pub fn issuer_jwt(&self) -> &str {
		&self.presented[..self.issuer_jwt_len]
	}

	/// SHA-256 of the issuer-signed JWT's ASCII: what the TA returns as the credential's hash,
	/// what batches anchor, the same for every presentation of the credential.
	pub fn anchored_hash(&self) -> [u8; 32] {
		sd_jwt_vc::sd_jwt_hash(self.issuer_jwt())
	}

	/// The `sd_hash` a key-binding JWT for this presentation carries: base64url of the SHA-256
	/// of everything before it, from the issuer JWT to the last `~`.
	pub fn sd_hash(&self) -> String {
		digest(&self.presented)
	}

	/// The issuer-signed JWT's payload, as signed (digests, not disclosed claims).
	pub fn payload(&self) -> &Map<String, Value> {
		&self.payload
	}

	/// The disclosures, in the order sent.
	pub fn disclosures(&self) -> &[Disclosure] {
		&self.disclosures
	}

	/// Whether it ends with a key-binding JWT: a presentation by the holder.
	pub fn has_key_binding(&self) -> bool {
		self.key_binding.is_some()
	}

	/// The header's `kid`, if it names one.
	pub fn kid(&self) -> Option<&str> {
		self.header.get("kid").and_then(Value::as_str)
	}

	/// The TEE key the `kid` names, if it is a `did:…#tee-<hex>` verification method.
	pub fn issuer_key(&self) -> Option<IssuerKey<'_>> {
		let method = self.kid()?;
		let (did, key) = split_verification_method(method)?;
		Some(IssuerKey { method, did, key })
	}

	/// Checks the issuer-signed JWT: `typ` `dc+sd-jwt`, `alg` `EdDSA`, and an Ed25519
	/// signature (strict) by the TEE key its `kid` names; returns that key.
	pub fn verify_issuer(&self) -> Result<IssuerKey<'_>, SdJwtError> {
		let refused = |why: &str| Err(SdJwtError::IssuerSignature(why.to_owned()));
		if self.header.get("typ").and_then(Value::as_str) != Some(SD_JWT_VC_TYP) {
			return refused("the issuer-signed JWT's `typ` is not dc+sd-jwt");
		}
		if self.header.get("alg").and_then(Value::as_str) != Some(ISSUER_ALG) {
			return refused("the issuer-signed JWT's `alg` is not EdDSA (TEE keys are Ed25519)");
		}
		let Some(issuer_key) = self.issuer_key() else {
			return refused("the `kid` is not a TEE key's verification method (did:…#tee-<hex>)");
		};
		let Ok(signature) = <[u8; 64]>::try_from(self.signature.as_slice()) else {
			return refused("the signature is not 64 bytes");
		};
		match verify_ed25519(&issuer_key.key, self.signing_input.as_bytes(), &signature) {
			Ok(()) => Ok(issuer_key),
			Err(_) => refused("the issuer's signature does not verify with the key of its `kid`"),
		}
	}

	/// Checks the disclosures against the digests the issuer signed (`_sd`, SHA-256): each is
	/// listed, none is given twice, no digest is listed twice, no claim name is `_sd` or `...`,
	/// a member of the signed payload, or disclosed twice, and no disclosed value holds
	/// digests of its own. Returns the disclosed claims by name.
	pub fn disclose(&self) -> Result<Map<String, Value>, SdJwtError> {
		let refused = |why: String| Err(SdJwtError::Disclosure(why));
		match self.payload.get("_sd_alg") {
			None => {},
			Some(Value::String(alg)) if alg == SD_ALG => {},
			Some(other) => return refused(format!("`_sd_alg` is {other}; only sha-256 is read")),
		}
		let signed: Vec<&str> = match self.payload.get("_sd") {
			None => Vec::new(),
			Some(Value::Array(digests)) => digests.iter().filter_map(Value::as_str).collect(),
			Some(_) => return refused("`_sd` is not an array of digests".into()),
		};
		let mut listed = HashSet::with_capacity(signed.len());
		for digest in signed {
			if !listed.insert(digest) {
				return refused(format!("the digest {digest} is in `_sd` twice"));
			}
		}
		let mut used = HashSet::with_capacity(self.disclosures.len());
		let mut claims = Map::new();
		for disclosure in self.disclosures() {
			let name = &disclosure.name;
			if !listed.contains(disclosure.digest.as_str()) {
				return refused(format!(
					"the disclosure of `{name}` is not one the issuer signed: its digest is not \
					 in `_sd`"
				));
			}
			if !used.insert(disclosure.digest.as_str()) {
				return refused(format!("the disclosure of `{name}` is given twice"));
			}
			if name == "_sd" || name == "..." {
				return refused(format!("a disclosure names the reserved claim `{name}`"));
			}
			if self.payload.contains_key(name) || claims.contains_key(name) {
				return refused(format!(
					"the disclosure of `{name}` names a claim the credential has already"
				));
			}
			if holds_digests(&disclosure.value) {
				return refused(format!(
					"the disclosed `{name}` holds digests of its own: teeid credentials disclose \
					 top-level claims only"
				));
			}
			claims.insert(name.clone(), disclosure.value.clone());
		}
		Ok(claims)
	}

	/// The holder's key the issuer bound the credential to: `cnf.jwk`.
	pub fn holder_key(&self) -> Result<HolderKey, SdJwtError> {
		let jwk = self.payload.get("cnf").and_then(|cnf| cnf.get("jwk")).ok_or_else(|| {
			SdJwtError::KeyBinding("the credential names no holder key (`cnf.jwk`)".into())
		})?;
		HolderKey::from_jwk(jwk).map_err(|e| SdJwtError::KeyBinding(format!("`cnf.jwk`: {e}")))
	}

	/// Checks the key-binding JWT: `typ` `kb+jwt`, signed by the holder's key (`cnf.jwk`,
	/// EdDSA or ES256), `sd_hash` of this presentation, and `aud`, `nonce` and `iat` as
	/// `rule` requires.
	pub fn verify_key_binding(&self, rule: &KeyBindingRule<'_>) -> Result<KeyBinding, SdJwtError> {
		let refused = |why: String| Err(SdJwtError::KeyBinding(why));
		let Some(kb) = &self.key_binding else {
			return refused("the presentation has no key-binding JWT".into());
		};
		if kb.header.get("typ").and_then(Value::as_str) != Some(KB_JWT_TYP) {
			return refused("the key-binding JWT's `typ` is not kb+jwt".into());
		}
		let Some(alg) = kb.header.get("alg").and_then(Value::as_str) else {
			return refused("the key-binding JWT names no `alg`".into());
		};
		let holder = self.holder_key()?;
		if let Err(e) = holder.verify(alg, kb.signing_input.as_bytes(), &kb.signature) {
			return refused(format!(
				"the key-binding JWT is not signed by the holder's key (`cnf.jwk`): {e}"
			));
		}
		let member = |name: &str| kb.payload.get(name);
		if member("sd_hash").and_then(Value::as_str) != Some(self.sd_hash().as_str()) {
			return refused(
				"the key-binding JWT's `sd_hash` is not that of this presentation: it was made \
				 for other disclosures"
					.into(),
			);
		}
		let Some(audience) = member("aud").and_then(Value::as_str) else {
			return refused("the key-binding JWT has no `aud` string".into());
		};
		if rule.audience.is_some_and(|expected| expected != audience) {
			return refused(format!(
				"the key-binding JWT is for the audience {audience}, not this verifier"
			));
		}
		let Some(nonce) = member("nonce").and_then(Value::as_str) else {
			return refused("the key-binding JWT has no `nonce` string".into());
		};
		if rule.nonce.is_some_and(|expected| expected != nonce) {
			return refused(
				"the key-binding JWT's `nonce` is not the one this verifier gave".into(),
			);
		}
		let Some(issued_at) = member("iat").and_then(Value::as_i64) else {
			return refused("the key-binding JWT has no `iat` (whole seconds)".into());
		};
		let age = rule.now.saturating_sub(issued_at);
		if age > KB_JWT_MAX_AGE_SECS {
			return refused(format!(
				"the key-binding JWT was made {age} s ago; at most {KB_JWT_MAX_AGE_SECS} s are \
				 accepted"
			));
		}
		if age.saturating_neg() > KB_JWT_MAX_AHEAD_SECS {
			return refused(format!(
				"the key-binding JWT's `iat` lies {} s in the future",
				age.saturating_neg()
			));
		}
		Ok(KeyBinding { audience: audience.to_owned(), nonce: nonce.to_owned(), issued_at })
	}
}

/// Whether `value` holds selective-disclosure digests: an `_sd` member, or an array element
/// `{"...": digest}`, at any depth.
fn holds_digests(value: &Value) -> bool {
	match value {
		Value::Object(members) => {
			members.contains_key("_sd") || members.values().any(holds_digests)
		},
		Value::Array(items) => items.iter().any(|item| {
			item.as_object().is_some_and(|members| members.contains_key("..."))
				|| holds_digests(item)
		}),
		_ => false,
	}
}

/// Builders of SD-JWTs signed with test keys, for the tests here and in `crate::verify`.
#[cfg(test)]
pub(crate) mod testing {
	use super::*;
	use crate::jose::b64u;
	use ed25519_dalek::{Signer, SigningKey};
	use serde_json::json;

	/// A did:teeid DID for test issuers.
	pub const ISSUER: &str = "did:teeid:5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy";

	/// The test TEE key.
	pub fn tee_key() -> SigningKey {
		SigningKey::from_bytes(&[7; 32])
	}

	/// The test holder key.
	pub fn holder_key() -> SigningKey {
		SigningKey::from_bytes(&[9; 32])
	}

	/// The `kid` of `key` in [`ISSUER`]'s document.
	pub fn kid(key: &SigningKey) -> String {
		teeid_ta_protocol::credential::verification_method(ISSUER, &key.verifying_key().to_bytes())
	}

	/// The public JWK of an Ed25519 key.
	pub fn jwk(key: &SigningKey) -> Value {
		json!({ "kty": "OKP", "crv": "Ed25519", "x": b64u(key.verifying_key().as_bytes()) })
	}

	/// A compact JWS of `header` and `payload` by `key`.
	pub fn sign(key: &SigningKey, header: &Value, payload: &Value) -> String {
		let header = b64u(header.to_string().as_bytes());
		let input = format!("{header}.{}", b64u(payload.to_string().as_bytes()));
		let signature = key.sign(input.as_bytes()).to_bytes();
		format!("{input}.{}", b64u(&signature))
	}

	/// A disclosure of claim `name`.
	pub fn disclosure(salt: &str, name: &str, value: Value) -> String {
		b64u(json!([salt, name, value]).to_string().as_bytes())
	}

	/// The digest `_sd` lists for `disclosure`.
	pub fn digest_of(disclosure: &str) -> String {
		digest(disclosure)
	}

	/// An SD-JWT as issued (ending with `~`) by `key` under its `kid`: `members`, plus `_sd`
	/// listing `signed` (digests) and `_sd_alg`, then the `disclosures`.
	pub fn issue_with(
		key: &SigningKey,
		members: Value,
		signed: &[String],
		disclosures: &[String],
	) -> String {
		let mut payload = members;
		payload["_sd"] = json!(signed);
		payload["_sd_alg"] = json!(SD_ALG);
		let header = json!({ "alg": ISSUER_ALG, "kid": kid(key), "typ": SD_JWT_VC_TYP });
		let mut out = sign(key, &header, &payload);
		for disclosure in disclosures {
			out.push('~');
			out.push_str(disclosure);
		}
		out.push('~');
		out
	}

	/// An SD-JWT as issued, `_sd` listing exactly the digests of `disclosures`.
	pub fn issue(key: &SigningKey, members: Value, disclosures: &[String]) -> String {
		let signed: Vec<String> = disclosures.iter().map(|d| digest(d)).collect();
		issue_with(key, members, &signed, disclosures)
	}

	/// The payload members of a credential of [`ISSUER`] bound to `holder`.
	pub fn members(holder: &SigningKey) -> Value {
		json!({
			"iss": ISSUER,
			"jti": "urn:uuid:0b6f6d8e-3f1c-4a57-9a0e-2c5d8e41b7a3",
			"iat": 1_767_350_130,
			"nbf": 1_767_350_130,
			"vct": "urn:teeid:cpt:2000000",
			"cnf": { "jwk": jwk(holder) },
		})
	}

	/// `presentation` (ending with `~`) with a key-binding JWT by `holder`.
	pub fn bind(
		presentation: &str,
		holder: &SigningKey,
		aud: &str,
		nonce: &str,
		iat: i64,
	) -> String {
		let header = json!({ "alg": "EdDSA", "typ": KB_JWT_TYP });
		let payload =
			json!({ "aud": aud, "nonce": nonce, "iat": iat, "sd_hash": digest(presentation) });
		format!("{presentation}{}", sign(holder, &header, &payload))
	}
}

#[cfg(test)]
mod tests {
	use super::{testing::*, *};
	use crate::jose::b64u;
	use serde_json::json;
	use sha2::{Digest, Sha256};

	const NOW: i64 = 1_767_350_200;
	const AUDIENCE: &str = "redirect_uri:http://127.0.0.1:8080/v1/oid4vp/responses/ab";

	fn claims() -> Vec<String> {
		vec![
			disclosure("c2FsdDE", "name", json!("Alice")),
			disclosure("c2FsdDI", "degree", json!({ "type": "MSc", "year": 2026 })),
		]
	}

	fn rule<'a>(nonce: &'a str) -> KeyBindingRule<'a> {
		KeyBindingRule { required: true, audience: Some(AUDIENCE), nonce: Some(nonce), now: NOW }
	}

	fn refusal<T>(result: Result<T, SdJwtError>) -> SdJwtError {
		match result {
			Ok(_) => panic!("accepted"),
			Err(e) => e,
		}
	}

	#[test]
	fn an_issued_sd_jwt_is_read_and_disclosed_works() {
		let issued = issue(&tee_key(), members(&holder_key()), &claims());
		let sd_jwt = SdJwt::parse(&issued).unwrap();
		assert!(!sd_jwt.has_key_binding());
		assert_eq!(sd_jwt.disclosures().len(), 2);
		assert_eq!(sd_jwt.issuer_jwt(), issued.split('~').next().unwrap());
		let anchored: [u8; 32] = Sha256::digest(sd_jwt.issuer_jwt().as_bytes()).into();
		assert_eq!(sd_jwt.anchored_hash(), anchored);
		let signer = sd_jwt.verify_issuer().unwrap();
		assert_eq!(signer.did, ISSUER);
		assert_eq!(signer.key, tee_key().verifying_key().to_bytes());
		let disclosed = sd_jwt.disclose().unwrap();
		assert_eq!(disclosed["name"], "Alice");
		assert_eq!(disclosed["degree"]["year"], 2026);
		// A presentation of one claim: the other digest stays undisclosed.
		let one = claims().remove(0);
		let signed: Vec<String> = claims().iter().map(|d| digest_of(d)).collect();
		let presented = issue_with(&tee_key(), members(&holder_key()), &signed, &[one]);
		let disclosed = SdJwt::parse(&presented).unwrap().disclose().unwrap();
		assert_eq!(disclosed.keys().collect::<Vec<_>>(), ["name"]);
	}

	#[test]
	fn sizes_and_counts_are_bounded_before_decoding_fails() {
		let huge = format!("{}~", "a".repeat(MAX_SD_JWT_BYTES));
		assert_eq!(refusal(SdJwt::parse(&huge)), SdJwtError::TooLarge(MAX_SD_JWT_BYTES + 1));
		let jwt = issue(&tee_key(), members(&holder_key()), &[]);
		let jwt = jwt.trim_end_matches('~');
		let with = |count: usize| {
			let disclosures = (0..count).map(|i| disclosure("c2FsdA", &format!("c{i}"), json!(i)));
			let mut text = jwt.to_owned();
			for d in disclosures {
				text.push('~');
				text.push_str(&d);
			}
			text + "~"
		};
		// Read at the bound; refused, unread, past it.
		assert_eq!(SdJwt::parse(&with(MAX_DISCLOSURES)).unwrap().disclosures().len(), 256);
		assert_eq!(
			refusal(SdJwt::parse(&with(MAX_DISCLOSURES + 1))),
			SdJwtError::TooManyDisclosures(257)
		);
		let many_tildes = format!("{jwt}{}", "~".repeat(MAX_DISCLOSURES + 2));
		assert_eq!(refusal(SdJwt::parse(&many_tildes)), SdJwtError::TooManyDisclosures(257));
	}

	#[test]
	fn malformed_sd_jwts_are_named_fails() {
		let issued = issue(&tee_key(), members(&holder_key()), &claims());
		let jwt = issued.split('~').next().unwrap();
		let said = |text: &str| match refusal(SdJwt::parse(text)) {
			SdJwtError::Malformed(why) => why,
			other => panic!("{other:?}"),
		};
		assert!(said(jwt).contains("no `~`"));
		assert!(said(&format!("{jwt}~~")).contains("empty disclosure"));
		assert!(said(&format!("{jwt}~!!~")).contains("not base64url"));
		assert!(said(&format!("{jwt}~{}~", b64u(b"{}"))).contains("not a JSON array"));
		let element = b64u(json!(["c2FsdA", "x"]).to_string().as_bytes());
		assert!(said(&format!("{jwt}~{element}~")).contains("array-element"));
		let twice = b64u(br#"["c2FsdA","n",{"a":1,"a":2}]"#);
		assert!(said(&format!("{jwt}~{twice}~")).contains("not I-JSON"));
		let number_name = b64u(json!(["c2FsdA", 7, "x"]).to_string().as_bytes());
		assert!(said(&format!("{jwt}~{number_name}~")).contains("not strings"));
		assert!(said("x.y.z~").contains("issuer-signed JWT"));
		assert!(said(&format!("{issued}x.y")).contains("key-binding JWT"));
	}

	#[test]
	fn a_disclosure_whose_digest_is_not_signed_is_refused_fails() {
		let issued = issue(&tee_key(), members(&holder_key()), &claims());
		// The holder changes a claim's value: the disclosure's digest changes with it.
		let forged = disclosure("c2FsdDE", "name", json!("Mallory"));
		let tampered = issued.replacen(&claims()[0], &forged, 1);
		let sd_jwt = SdJwt::parse(&tampered).unwrap();
		// The issuer's signature still holds: only the disclosure is forged.
		assert!(sd_jwt.verify_issuer().is_ok());
		let SdJwtError::Disclosure(why) = refusal(sd_jwt.disclose()) else { panic!() };
		assert!(why.contains("`name` is not one the issuer signed"), "{why}");
	}

	#[test]
	fn a_disclosure_given_twice_is_refused_fails() {
		let claims = claims();
		let signed: Vec<String> = claims.iter().map(|d| digest_of(d)).collect();
		let twice = [claims[0].clone(), claims[1].clone(), claims[0].clone()];
		let sd_jwt =
			SdJwt::parse(&issue_with(&tee_key(), members(&holder_key()), &signed, &twice)).unwrap();
		let SdJwtError::Disclosure(why) = refusal(sd_jwt.disclose()) else { panic!() };
		assert!(why.contains("`name` is given twice"), "{why}");
		// A digest the issuer listed twice.
		let listed_twice = [signed[0].clone(), signed[0].clone()];
		let sd_jwt = SdJwt::parse(&issue_with(
			&tee_key(),
			members(&holder_key()),
			&listed_twice,
			&claims[..1],
		))
		.unwrap();
		let SdJwtError::Disclosure(why) = refusal(sd_jwt.disclose()) else { panic!() };
		assert!(why.contains("in `_sd` twice"), "{why}");
	}

	#[test]
	fn disclosures_that_clash_or_nest_are_refused_fails() {
		let refused_for = |disclosed: String| {
			let sd_jwt =
				SdJwt::parse(&issue(&tee_key(), members(&holder_key()), &[disclosed])).unwrap();
			match refusal(sd_jwt.disclose()) {
				SdJwtError::Disclosure(why) => why,
				other => panic!("{other:?}"),
			}
		};
		// A disclosure may not replace what the issuer signed in clear.
		assert!(refused_for(disclosure("c2FsdA", "iss", json!("did:teeid:x"))).contains("already"));
		assert!(refused_for(disclosure("c2FsdA", "_sd", json!([]))).contains("reserved"));
		assert!(refused_for(disclosure("c2FsdA", "...", json!(1))).contains("reserved"));
		let nested = json!({ "a": { "_sd": ["x"] } });
		assert!(refused_for(disclosure("c2FsdA", "n", nested)).contains("digests of its own"));
		let element = json!([{ "...": "x" }]);
		assert!(refused_for(disclosure("c2FsdA", "n", element)).contains("digests of its own"));
		// Two disclosures of one name.
		let two = [disclosure("c2FsdDE", "n", json!(1)), disclosure("c2FsdDI", "n", json!(2))];
		let sd_jwt = SdJwt::parse(&issue(&tee_key(), members(&holder_key()), &two)).unwrap();
		assert!(matches!(refusal(sd_jwt.disclose()), SdJwtError::Disclosure(_)));
		// Another digest algorithm.
		let mut other_alg = members(&holder_key());
		other_alg["_sd_alg"] = json!("sha-512");
		let header = json!({ "alg": ISSUER_ALG, "kid": kid(&tee_key()), "typ": SD_JWT_VC_TYP });
		let sd_jwt = SdJwt::parse(&format!("{}~", sign(&tee_key(), &header, &other_alg))).unwrap();
		assert!(matches!(refusal(sd_jwt.disclose()), SdJwtError::Disclosure(_)));
	}

	#[test]
	fn an_issuer_jwt_not_signed_by_its_kid_is_refused_fails() {
		let issued = issue(&tee_key(), members(&holder_key()), &claims());
		// Signed by another key under the same `kid`.
		let jwt = issued.split('~').next().unwrap();
		let header = json!({ "alg": ISSUER_ALG, "kid": kid(&tee_key()), "typ": SD_JWT_VC_TYP });
		let other = sign(&holder_key(), &header, &members(&holder_key()));
		let forged = issued.replacen(jwt, &other, 1);
		let refused = refusal(SdJwt::parse(&forged).unwrap().verify_issuer());
		let SdJwtError::IssuerSignature(why) = refused else { panic!("another refusal") };
		assert!(why.contains("does not verify"), "{why}");
		// Not an SD-JWT VC, or not EdDSA.
		for header in [
			json!({ "alg": ISSUER_ALG, "kid": kid(&tee_key()), "typ": "JWT" }),
			json!({ "alg": "ES256", "kid": kid(&tee_key()), "typ": SD_JWT_VC_TYP }),
			json!({ "alg": ISSUER_ALG, "kid": "did:key:z6Mk", "typ": SD_JWT_VC_TYP }),
		] {
			let jwt = sign(&tee_key(), &header, &members(&holder_key()));
			let sd_jwt = SdJwt::parse(&format!("{jwt}~")).unwrap();
			assert!(matches!(refusal(sd_jwt.verify_issuer()), SdJwtError::IssuerSignature(_)));
		}
	}

	#[test]
	fn a_key_binding_for_this_request_verifies_works() {
		let issued = issue(&tee_key(), members(&holder_key()), &claims());
		let presented = bind(&issued, &holder_key(), AUDIENCE, "n-1", NOW - 10);
		let sd_jwt = SdJwt::parse(&presented).unwrap();
		assert!(sd_jwt.has_key_binding());
		assert_eq!(sd_jwt.sd_hash(), digest_of(&issued));
		let bound = sd_jwt.verify_key_binding(&rule("n-1")).unwrap();
		let expected =
			KeyBinding { audience: AUDIENCE.into(), nonce: "n-1".into(), issued_at: NOW - 10 };
		assert_eq!(bound, expected);
		// The same disclosures verify whatever the KB-JWT: it is not part of what is anchored.
		assert_eq!(sd_jwt.anchored_hash(), SdJwt::parse(&issued).unwrap().anchored_hash());
		// A verifier that names neither audience nor nonce still checks the rest.
		let open = KeyBindingRule { required: false, audience: None, nonce: None, now: NOW };
		assert!(sd_jwt.verify_key_binding(&open).is_ok());
	}

	fn key_binding_refusal(presented: &str, nonce: &str) -> String {
		match refusal(SdJwt::parse(presented).unwrap().verify_key_binding(&rule(nonce))) {
			SdJwtError::KeyBinding(why) => why,
			other => panic!("{other:?}"),
		}
	}

	#[test]
	fn a_key_binding_with_another_nonce_is_refused_fails() {
		let issued = issue(&tee_key(), members(&holder_key()), &claims());
		let presented = bind(&issued, &holder_key(), AUDIENCE, "stale", NOW);
		assert!(key_binding_refusal(&presented, "fresh").contains("`nonce`"));
	}

	#[test]
	fn a_key_binding_for_another_audience_is_refused_fails() {
		let issued = issue(&tee_key(), members(&holder_key()), &claims());
		let presented = bind(&issued, &holder_key(), "redirect_uri:https://elsewhere", "n", NOW);
		assert!(key_binding_refusal(&presented, "n").contains("audience"));
	}

	#[test]
	fn a_key_binding_with_a_wrong_sd_hash_is_refused_fails() {
		let issued = issue(&tee_key(), members(&holder_key()), &claims());
		// Bound to the full presentation, then a disclosure is dropped: the KB-JWT no longer
		// covers what is shown.
		let bound = bind(&issued, &holder_key(), AUDIENCE, "n", NOW);
		let kb = bound.rsplit('~').next().unwrap();
		let fewer = format!("{}~{}~{kb}", issued.split('~').next().unwrap(), claims()[0]);
		assert!(key_binding_refusal(&fewer, "n").contains("`sd_hash`"));
	}

	#[test]
	fn a_key_binding_by_another_key_or_too_old_is_refused_fails() {
		let issued = issue(&tee_key(), members(&holder_key()), &claims());
		let stranger = bind(&issued, &tee_key(), AUDIENCE, "n", NOW);
		assert!(key_binding_refusal(&stranger, "n").contains("not signed by the holder's key"));
		let old = bind(&issued, &holder_key(), AUDIENCE, "n", NOW - KB_JWT_MAX_AGE_SECS - 1);
		assert!(key_binding_refusal(&old, "n").contains("ago"));
		let ahead = bind(&issued, &holder_key(), AUDIENCE, "n", NOW + KB_JWT_MAX_AHEAD_SECS + 1);
		assert!(key_binding_refusal(&ahead, "n").contains("future"));
		assert!(key_binding_refusal(&issued, "n").contains("no key-binding JWT"));
		// Not a KB-JWT by `typ`.
		let header = json!({ "alg": "EdDSA", "typ": "JWT" });
		let payload =
			json!({ "aud": AUDIENCE, "nonce": "n", "iat": NOW, "sd_hash": digest_of(&issued) });
		let untyped = format!("{issued}{}", sign(&holder_key(), &header, &payload));
		assert!(key_binding_refusal(&untyped, "n").contains("`typ`"));
	}
}
