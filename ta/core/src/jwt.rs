//! Compact JWS (RFC 7515) by the TEE key: the form of both JWT documents the TA signs, SD-JWT
//! VCs ([`crate::sd_jwt`]) and Token Status Lists ([`crate::status_list`]).

use alloc::{string::String, vec};
use teeid_primitives::json::Value;
use teeid_ta_protocol::{
	credential::string,
	sd_jwt::JWT_ALG,
	status_list::{base64url_len, push_base64url},
};

use crate::{platform::Platform, Ta};

/// The bytes of an Ed25519 signature.
const SIGNATURE_BYTES: usize = 64;

/// The protected header of a JWT of type `typ` signed by the TEE key that verification method
/// `method` (`<issuer>#tee-<hex>`) names: `{"alg":"EdDSA","kid":method,"typ":typ}`.
pub(crate) fn jwt_header(method: &str, typ: &str) -> Value {
	Value::Object(vec![
		("alg".into(), string(JWT_ALG)),
		("kid".into(), string(method)),
		("typ".into(), string(typ)),
	])
}

impl<P: Platform> Ta<P> {
	/// The compact JWS of `payload` under `header`, by the TEE key: each in canonical (JCS)
	/// JSON and base64url, joined by `.`, then `.` and base64url of the Ed25519 signature over
	/// that ASCII. The payload is dropped as soon as it is written and the JWT is written into
	/// one buffer of its final length: a Token Status List's payload is most of 200 KiB, of a
	/// heap that holds the request besides.
	pub(crate) fn sign_jwt(&self, header: &Value, payload: Value) -> String {
		let header = header.to_canonical();
		let payload_json = payload.to_canonical();
		drop(payload);
		let length = base64url_len(header.len())
			+ 1 + base64url_len(payload_json.len())
			+ 1 + base64url_len(SIGNATURE_BYTES);
		let mut jwt = String::with_capacity(length);
		push_base64url(&mut jwt, &header);
		jwt.push('.');
		push_base64url(&mut jwt, &payload_json);
		drop(payload_json);
		let signature = self.sign(jwt.as_bytes());
		jwt.push('.');
		push_base64url(&mut jwt, &signature);
		jwt
	}
}

/// Asserts that compact JWS `jwt` is signed by Ed25519 key `key` (strictly) over its
/// `<header>.<payload>`.
#[cfg(test)]
pub(crate) fn assert_signed_by(jwt: &str, key: &[u8; 32]) {
	let (signing_input, signature) = jwt.rsplit_once('.').expect("three parts");
	let signature: [u8; SIGNATURE_BYTES] =
		teeid_ta_protocol::status_list::base64url_decode(signature)
			.and_then(|bytes| bytes.try_into().ok())
			.expect("a 64-byte signature");
	ed25519_dalek::VerifyingKey::from_bytes(key)
		.expect("a key")
		.verify_strict(signing_input.as_bytes(), &ed25519_dalek::Signature::from_bytes(&signature))
		.expect("the signature verifies");
}
