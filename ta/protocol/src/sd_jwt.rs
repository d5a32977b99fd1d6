//! SD-JWT VCs (`dc+sd-jwt`, IETF SD-JWT-based Verifiable Credentials): what the TA builds
//! (`teeid_ta_core::sd_jwt`) and a verifier checks, where both need the same rule.
//!
//! The TA issues the compact form with every disclosure: `<header>.<payload>.<signature>~
//! <disclosure>~…~`. The issuer-signed JWT (header `{"alg":"EdDSA","kid":"<issuer>#tee-<hex>",
//! "typ":"dc+sd-jwt"}`, signed by the TEE key) carries in its payload the members
//! [`PAYLOAD_MEMBERS`] (`iss`, `jti`, `sub`, `iat`, `nbf`, `exp`, `vct`, `cnf` with the holder's
//! JWK, `status` with the credential's Token Status List entry, `teeid` with the schema digest,
//! the chain's status record, the TEE and the block) and, in `_sd`, the sorted
//! [`disclosure_digest`]s of its claims. Each top-level claim is one disclosure,
//! `base64url(JCS([salt, name, value]))`, its salt 16 random bytes the TA picks.

use alloc::string::String;
use sha2::{Digest, Sha256};
use teeid_primitives::json::{Limits as JsonLimits, Value};

use crate::{credential::MAX_HOLDER_JWK_BYTES, status_list::base64url};

/// The JOSE `typ` of an SD-JWT VC.
pub const SD_JWT_TYP: &str = "dc+sd-jwt";
/// The JOSE `alg` of everything the TA signs as a JWT: Ed25519.
pub const JWT_ALG: &str = "EdDSA";
/// `_sd_alg`: disclosures are digested with SHA-256.
pub const SD_ALG: &str = "sha-256";
/// The random bytes of a disclosure's salt.
pub const SALT_BYTES: usize = 16;

/// The members of an SD-JWT VC's payload that the TA writes itself: no claim may have one of
/// these names, which a holder's disclosure would otherwise put beside (or over) them.
pub const PAYLOAD_MEMBERS: [&str; 12] =
	["iss", "jti", "sub", "iat", "nbf", "exp", "vct", "cnf", "status", "teeid", "_sd", "_sd_alg"];

/// The members of a JWK that hold private or symmetric key material: a holder key with any of
/// them is refused, as it would publish a secret in every credential (`d` of EC, OKP and RSA
/// keys, RSA's primes and CRT values, a symmetric key's `k`).
pub const PRIVATE_JWK_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// What a holder key may hold: [`MAX_HOLDER_JWK_BYTES`], and the nesting of a JWK's arrays
/// (`key_ops`, `x5c`) with room to spare.
pub const HOLDER_JWK_JSON: JsonLimits =
	JsonLimits { max_bytes: MAX_HOLDER_JWK_BYTES, max_values: MAX_HOLDER_JWK_BYTES, max_depth: 4 };

/// Whether `name` may not be a claim of an SD-JWT VC: a member of [`PAYLOAD_MEMBERS`], the
/// array-element marker `...`, `id` (as for W3C credentials, whose subject's `id` it would be),
/// or a name starting with `@` (a JSON-LD keyword) or `_` (the names SD-JWT keeps for itself).
pub fn is_reserved_claim(name: &str) -> bool {
	PAYLOAD_MEMBERS.contains(&name)
		|| name == "..."
		|| name == "id"
		|| name.starts_with('@')
		|| name.starts_with('_')
}

/// The digest of a disclosure as `_sd` lists it: base64url of the SHA-256 of its ASCII.
pub fn disclosure_digest(disclosure: &str) -> String {
	base64url(&Sha256::digest(disclosure.as_bytes()))
}

/// SHA-256 of an SD-JWT's issuer-signed JWT (its text before the first `~`): what batches
/// anchor for an SD-JWT VC, which a verifier recomputes from any presentation of it.
pub fn sd_jwt_hash(sd_jwt: &str) -> [u8; 32] {
	let jwt = sd_jwt.split('~').next().unwrap_or_default();
	Sha256::digest(jwt.as_bytes()).into()
}

/// The holder key `bytes` hold as the TA takes it for `cnf.jwk`: a JSON object within
/// [`HOLDER_JWK_JSON`] with a string `kty` and none of [`PRIVATE_JWK_MEMBERS`]. `None` for
/// anything else ([`crate::TaError::BadHolderKey`]).
pub fn holder_jwk(bytes: &[u8]) -> Option<Value> {
	let jwk = Value::parse_with(bytes, &HOLDER_JWK_JSON).ok()?;
	let Value::Object(members) = &jwk else { return None };
	let private = members.iter().any(|(name, _)| PRIVATE_JWK_MEMBERS.contains(&name.as_str()));
	if private || !matches!(jwk.get("kty"), Some(Value::String(_))) {
		return None;
	}
	Some(jwk)
}

#[cfg(test)]
mod tests {
	use super::*;
	use alloc::{format, string::String, vec::Vec};

	#[test]
	fn payload_members_and_keywords_are_reserved_works() {
		for name in PAYLOAD_MEMBERS.iter().copied().chain(["...", "id", "@context", "_x"]) {
			assert!(is_reserved_claim(name), "{name}");
		}
		for name in ["name", "degree", "issuer", "x_", "ID"] {
			assert!(!is_reserved_claim(name), "{name}");
		}
	}

	#[test]
	fn holder_keys_are_public_jwks_works() {
		let okp =
			br#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#;
		let jwk = holder_jwk(okp).expect("a public OKP key");
		assert_eq!(jwk.get("crv").and_then(Value::as_str), Some("Ed25519"));
		let padded =
			format!(r#"{{"kty":"EC","note":"{}"}}"#, "x".repeat(MAX_HOLDER_JWK_BYTES - 22));
		assert_eq!(padded.len(), MAX_HOLDER_JWK_BYTES);
		assert!(holder_jwk(padded.as_bytes()).is_some());
		let too_long = padded.replacen("note\":\"", "note\":\"x", 1);
		let refused: Vec<String> = alloc::vec![
			too_long,
			"[]".into(),
			"{".into(),
			r#"{"crv":"Ed25519"}"#.into(),
			r#"{"kty":1}"#.into(),
			r#"{"kty":"OKP","crv":"Ed25519","x":"AA","d":"AA"}"#.into(),
			r#"{"kty":"oct","k":"AA"}"#.into(),
			r#"{"kty":"EC","x":[[[[1]]]]}"#.into(),
		];
		for bad in refused {
			assert_eq!(holder_jwk(bad.as_bytes()), None, "{bad}");
		}
	}

	#[test]
	fn digests_and_hashes_are_sha_256_in_base64url_works() {
		// The example disclosure of the SD-JWT specification (section 5.2.1) and its digest.
		let disclosure = "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0";
		assert_eq!(disclosure_digest(disclosure), "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0");
		let hash: [u8; 32] = Sha256::digest(b"h.p.s").into();
		assert_eq!(sd_jwt_hash("h.p.s~d1~d2~"), hash);
		assert_eq!(sd_jwt_hash("h.p.s"), hash);
	}
}
