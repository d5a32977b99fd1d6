//! SD-JWT VCs (`dc+sd-jwt`; the format is [`teeid_ta_protocol::sd_jwt`]): an issuance checked
//! as for a W3C credential (by the same code, in [`crate::issue`]), laid out as an
//! issuer-signed JWT whose every claim is a disclosure, bound to the holder's key.
//!
//! The TA picks the salts (16 random bytes each, from the platform), so the host never sees a
//! salt before the credential leaves the TA, and cannot choose salts that would let it tie a
//! disclosure to a guess. Claims are top-level only: each is one disclosure, whatever its value.

use alloc::{string::String, vec, vec::Vec};
use sha2::{Digest, Sha256};
use teeid_primitives::json::Value;
use teeid_ta_protocol::{
	command::IssuedCredential,
	credential::{hex0x, string, unix_seconds, verification_method, IssuanceRequest},
	sd_jwt::{disclosure_digest, SALT_BYTES, SD_ALG, SD_JWT_TYP},
	status_list::base64url,
	TaError,
};

use crate::{issue::CheckedIssuance, jwt::jwt_header, platform::Platform, Ta};

/// A timestamp as a JWT `NumericDate` (whole seconds since 1970); [`TaError::BadTimestamp`] for
/// one before 1970, which a `NumericDate` cannot say.
fn numeric_date(timestamp: &str) -> Result<Value, TaError> {
	unix_seconds(timestamp)
		.map(|seconds| Value::Number(seconds as f64))
		.ok_or(TaError::BadTimestamp)
}

impl<P: Platform> Ta<P> {
	/// Builds and signs the SD-JWT VC of a checked issuance request: the compact form with
	/// every disclosure (`<jwt>~<disclosure>~…~`), and SHA-256 of the issuer-signed JWT as its
	/// hash.
	pub(crate) fn build_sd_jwt(
		&mut self,
		request: &IssuanceRequest,
		checked: CheckedIssuance,
	) -> Result<IssuedCredential, TaError> {
		let CheckedIssuance { claims, schema_digest, genesis_hash, status, holder_jwk } = checked;
		// Everything that can refuse the request comes before the salts are drawn.
		let issued_at = numeric_date(&request.created)?;
		let not_before = numeric_date(&request.valid_from)?;
		let expires = request.valid_until.as_deref().map(numeric_date).transpose()?;
		let jwk = holder_jwk.ok_or(TaError::BadHolderKey)?;

		let mut salts = vec![0u8; SALT_BYTES * claims.len()];
		self.platform.fill_random(&mut salts).map_err(|_| TaError::Platform)?;
		let mut disclosures = Vec::with_capacity(claims.len());
		let mut digests = Vec::with_capacity(claims.len());
		for ((name, value), salt) in claims.into_iter().zip(salts.chunks_exact(SALT_BYTES)) {
			let disclosure =
				Value::Array(vec![string(base64url(salt)), Value::String(name), value]);
			let disclosure = base64url(&disclosure.to_canonical());
			digests.push(disclosure_digest(&disclosure));
			disclosures.push(disclosure);
		}
		// Sorted, so that `_sd` says nothing of the order of the claims.
		digests.sort_unstable();

		let mut teeid = vec![
			("schemaDigest".into(), string(schema_digest)),
			("statusEvidence".into(), string(hex0x(status.as_bytes()))),
			("chain".into(), string(hex0x(genesis_hash.as_bytes()))),
		];
		teeid.extend(self.tee_evidence(request.block_number, &request.block_hash));
		let entry = &request.status_list;
		let status_list = Value::Object(vec![
			("idx".into(), Value::Number(f64::from(entry.index))),
			("uri".into(), string(&entry.uri)),
		]);
		let mut payload: Vec<(String, Value)> = vec![
			("iss".into(), string(&request.issuer)),
			("jti".into(), string(&request.id)),
			("sub".into(), string(&request.holder)),
			("iat".into(), issued_at),
			("nbf".into(), not_before),
		];
		if let Some(expires) = expires {
			payload.push(("exp".into(), expires));
		}
		payload.extend([
			("vct".into(), string(&request.schema.id)),
			("cnf".into(), Value::Object(vec![("jwk".into(), jwk)])),
			("status".into(), Value::Object(vec![("status_list".into(), status_list)])),
			("teeid".into(), Value::Object(teeid)),
			("_sd".into(), Value::Array(digests.into_iter().map(Value::String).collect())),
			("_sd_alg".into(), string(SD_ALG)),
		]);

		let method = verification_method(&request.issuer, &self.public_key().0);
		let mut sd_jwt = self.sign_jwt(&jwt_header(&method, SD_JWT_TYP), Value::Object(payload));
		// What batches anchor: the issuer-signed part, which every presentation repeats
		// whichever disclosures it keeps.
		let hash = Sha256::digest(sd_jwt.as_bytes()).into();
		sd_jwt.reserve(1 + disclosures.iter().map(|d| d.len() + 1).sum::<usize>());
		sd_jwt.push('~');
		for disclosure in &disclosures {
			sd_jwt.push_str(disclosure);
			sd_jwt.push('~');
		}
		Ok(IssuedCredential { credential: sd_jwt.into_bytes(), hash })
	}
}

#[cfg(test)]
mod tests {
	use crate::{
		testing::{sd_jwt_issuance_request, MemoryPlatform, HOLDER_JWK, STATUS_LIST_URI},
		Ta,
	};
	use alloc::{
		format,
		string::{String, ToString},
		vec::Vec,
	};
	use sha2::{Digest, Sha256};
	use sp_core::H256;
	use teeid_primitives::json::Value;
	use teeid_ta_protocol::{
		command::IssuedCredential,
		credential::{
			hex0x, status_evidence, unix_seconds, verification_method, CredentialFormat,
			IssuanceRequest,
		},
		sd_jwt::{disclosure_digest, PAYLOAD_MEMBERS},
		status_list::base64url_decode,
		Command, Reply, TaError,
	};

	const GENESIS: H256 = H256([0x11; 32]);

	fn bootstrapped() -> Ta<MemoryPlatform> {
		let mut ta = Ta::start(MemoryPlatform::new(1)).expect("a fresh TA starts");
		ta.execute(Command::CreateNetworkKey { genesis_hash: GENESIS }).expect("a network key");
		ta
	}

	fn issue(ta: &mut Ta<MemoryPlatform>, request: IssuanceRequest) -> IssuedCredential {
		match ta.execute(Command::IssueCredential(request)) {
			Ok(Reply::Credential(issued)) => issued,
			other => panic!("{other:?}"),
		}
	}

	fn json(base64url: &str) -> Value {
		let bytes = base64url_decode(base64url).expect("base64url");
		Value::parse(&bytes).expect("JSON")
	}

	/// An SD-JWT in issuance form taken apart: the issuer-signed JWT, its header and payload,
	/// and the disclosures (as sent, and decoded).
	struct Parts {
		jwt: String,
		header: Value,
		payload: Value,
		disclosures: Vec<(String, Value)>,
	}

	fn parts(issued: &IssuedCredential) -> Parts {
		let text = core::str::from_utf8(&issued.credential).expect("ASCII");
		assert!(text.ends_with('~'), "the issuance form ends with `~`");
		let mut pieces: Vec<&str> = text.split('~').collect();
		assert_eq!(pieces.pop(), Some(""));
		let jwt = pieces.remove(0).to_string();
		let sections: Vec<&str> = jwt.split('.').collect();
		assert_eq!(sections.len(), 3);
		Parts {
			header: json(sections[0]),
			payload: json(sections[1]),
			disclosures: pieces.iter().map(|d| (d.to_string(), json(d))).collect(),
			jwt,
		}
	}

	fn text<'a>(value: &'a Value, name: &str) -> &'a str {
		value.get(name).and_then(Value::as_str).unwrap_or_else(|| panic!("no string {name}"))
	}

	#[test]
	fn an_sd_jwt_vc_discloses_each_claim_under_a_signed_digest_works() {
		let mut ta = bootstrapped();
		let request = sd_jwt_issuance_request(3);
		let issued = issue(&mut ta, request.clone());
		let key = ta.identity().signing_key.0;
		let Parts { jwt, header, payload, disclosures } = parts(&issued);

		let method = verification_method(&request.issuer, &key);
		assert_eq!(
			header.to_canonical(),
			format!(r#"{{"alg":"EdDSA","kid":"{method}","typ":"dc+sd-jwt"}}"#).into_bytes()
		);
		assert_eq!(text(&payload, "iss"), request.issuer);
		assert_eq!(text(&payload, "jti"), request.id);
		assert_eq!(text(&payload, "sub"), request.holder);
		assert_eq!(text(&payload, "vct"), request.schema.id);
		assert_eq!(text(&payload, "_sd_alg"), "sha-256");
		let date = |name: &str, timestamp: &str| {
			let seconds = unix_seconds(timestamp).expect("a timestamp") as f64;
			assert_eq!(payload.get(name), Some(&Value::Number(seconds)), "{name}");
		};
		date("iat", &request.created);
		date("nbf", &request.valid_from);
		date("exp", request.valid_until.as_deref().expect("an expiry"));
		let jwk = Value::parse(HOLDER_JWK.as_bytes()).expect("JSON");
		assert_eq!(payload.get("cnf").and_then(|cnf| cnf.get("jwk")), Some(&jwk));
		let status_list = payload.get("status").and_then(|s| s.get("status_list")).expect("status");
		assert_eq!(text(status_list, "uri"), STATUS_LIST_URI);
		assert_eq!(
			status_list.get("idx"),
			Some(&Value::Number(f64::from(request.status_list.index)))
		);
		let teeid = payload.get("teeid").expect("teeid");
		assert_eq!(text(teeid, "chain"), hex0x(GENESIS.as_bytes()));
		let record = status_evidence(&GENESIS, &request.id);
		assert_eq!(text(teeid, "statusEvidence"), hex0x(record.as_bytes()));
		assert_eq!(text(teeid, "platform"), "Simulated");
		assert!(text(teeid, "schemaDigest").starts_with('z'));
		assert_eq!(teeid.get("blockNumber"), Some(&Value::Number(1.0)));
		// Nothing but the claims is disclosable, and no claim is in the clear.
		let Value::Object(members) = &payload else { panic!("the payload is an object") };
		let names: Vec<&str> = members.iter().map(|(name, _)| name.as_str()).collect();
		assert!(names.iter().all(|name| PAYLOAD_MEMBERS.contains(name)), "{names:?}");

		// Every disclosure is `[salt, name, value]`, its digest in `_sd`; `_sd` has nothing else
		// and is sorted.
		let Some(Value::Array(digests)) = payload.get("_sd") else { panic!("_sd") };
		let digests: Vec<&str> = digests.iter().map(|d| d.as_str().expect("a string")).collect();
		let mut sorted = digests.clone();
		sorted.sort_unstable();
		assert_eq!(digests, sorted);
		assert_eq!(digests.len(), disclosures.len());
		let claims = Value::parse(
			br#"{"name":"Alice","degree":"MSc","year":2026,"university":"Example","honours":true}"#,
		)
		.expect("JSON");
		for (disclosure, decoded) in &disclosures {
			assert!(digests.contains(&disclosure_digest(disclosure).as_str()), "{disclosure}");
			let Value::Array(items) = decoded else { panic!("a disclosure is an array") };
			assert_eq!(items.len(), 3);
			let salt = items[0].as_str().expect("a salt");
			assert_eq!(base64url_decode(salt).map(|s| s.len()), Some(16));
			let name = items[1].as_str().expect("a name");
			assert_eq!(claims.get(name), Some(&items[2]), "{name}");
		}
		let Value::Object(claim_members) = &claims else { panic!() };
		assert_eq!(disclosures.len(), claim_members.len());

		// Signed by the TEE key over `<header>.<payload>`; the hash is the JWT's alone.
		crate::jwt::assert_signed_by(&jwt, &key);
		let hash: [u8; 32] = Sha256::digest(jwt.as_bytes()).into();
		assert_eq!(issued.hash, hash);
		assert_eq!(ta.identity().issued_total, 1);
	}

	#[test]
	fn salts_differ_between_two_issuances_works() {
		let mut ta = bootstrapped();
		let (a, b) = (
			parts(&issue(&mut ta, sd_jwt_issuance_request(1))),
			parts(&issue(&mut ta, sd_jwt_issuance_request(1))),
		);
		let salts = |p: &Parts| -> Vec<String> {
			p.disclosures
				.iter()
				.map(|(_, d)| match d {
					Value::Array(items) => items[0].as_str().expect("a salt").to_string(),
					_ => panic!("a disclosure is an array"),
				})
				.collect()
		};
		let (first, second) = (salts(&a), salts(&b));
		assert!(first.iter().all(|salt| !second.contains(salt)));
		assert_ne!(a.payload.get("_sd"), b.payload.get("_sd"));
	}

	fn refused(ta: &mut Ta<MemoryPlatform>, request: IssuanceRequest) -> TaError {
		ta.execute(Command::IssueCredential(request)).expect_err("refused")
	}

	#[test]
	fn reserved_claim_names_are_refused_fails() {
		let mut ta = bootstrapped();
		for name in PAYLOAD_MEMBERS.iter().copied().chain(["...", "id", "@context", "_hidden"]) {
			let mut request = sd_jwt_issuance_request(1);
			request.schema.schema = br#"{"type":"object"}"#.to_vec();
			request.claims = teeid_ta_protocol::credential::Claims::Plain(
				format!(
					r#"{{"name":"Alice",{}:1}}"#,
					String::from_utf8(Value::String(name.into()).to_canonical()).expect("UTF-8")
				)
				.into_bytes(),
			);
			match refused(&mut ta, request) {
				TaError::SchemaViolation { claim, reason } => {
					assert_eq!(claim, name);
					assert!(reason.starts_with("reserved"), "{reason}");
				},
				other => panic!("{name}: {other:?}"),
			}
		}
		// The same names, but for `id` and `@`-names, are claims of a W3C credential.
		let mut request = sd_jwt_issuance_request(1);
		request.schema.schema = br#"{"type":"object"}"#.to_vec();
		request.format = CredentialFormat::W3cVc;
		request.holder_jwk = None;
		request.claims =
			teeid_ta_protocol::credential::Claims::Plain(br#"{"iss":"x","_sd":1}"#.to_vec());
		issue(&mut ta, request);
		assert_eq!(ta.identity().issued_total, 1);
	}

	#[test]
	fn holder_keys_must_be_public_jwks_for_sd_jwt_only_fails() {
		let mut ta = bootstrapped();
		let with_key = |format: CredentialFormat, key: Option<&[u8]>| {
			let mut request = sd_jwt_issuance_request(1);
			request.format = format;
			request.holder_jwk = key.map(<[u8]>::to_vec);
			request
		};
		let long = format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{}"}}"#, "A".repeat(1024));
		let bad_keys: [&[u8]; 6] = [
			b"not JSON",
			br#"["OKP"]"#,
			br#"{"crv":"Ed25519","x":"AA"}"#,
			br#"{"kty":7}"#,
			br#"{"kty":"OKP","crv":"Ed25519","x":"AA","d":"AA"}"#,
			long.as_bytes(),
		];
		for key in bad_keys {
			assert_eq!(
				refused(&mut ta, with_key(CredentialFormat::SdJwtVc, Some(key))),
				TaError::BadHolderKey,
				"{}",
				String::from_utf8_lossy(key)
			);
		}
		assert_eq!(
			refused(&mut ta, with_key(CredentialFormat::SdJwtVc, None)),
			TaError::BadHolderKey
		);
		let key = HOLDER_JWK.as_bytes();
		assert_eq!(
			refused(&mut ta, with_key(CredentialFormat::W3cVc, Some(key))),
			TaError::BadHolderKey
		);
		assert_eq!(ta.identity().issued_total, 0);
		issue(&mut ta, with_key(CredentialFormat::SdJwtVc, Some(key)));
		issue(&mut ta, with_key(CredentialFormat::W3cVc, None));
		assert_eq!(ta.identity().issued_total, 2);
	}

	#[test]
	fn an_entry_past_the_largest_list_or_a_bad_uri_is_refused_fails() {
		let mut ta = bootstrapped();
		for (uri, index) in [
			(STATUS_LIST_URI, 1_048_576),
			(STATUS_LIST_URI, u32::MAX),
			("urn:uuid:1", 1),
			("https://issuer.example/list#1", 1),
		] {
			let mut request = sd_jwt_issuance_request(1);
			request.status_list.uri = uri.into();
			request.status_list.index = index;
			assert_eq!(refused(&mut ta, request), TaError::BadStatusList, "{uri} {index}");
		}
		let mut request = sd_jwt_issuance_request(1);
		request.status_list.index = 1_048_575;
		issue(&mut ta, request);
	}

	#[test]
	fn times_before_1970_are_no_numeric_dates_fails() {
		let mut ta = bootstrapped();
		let mut request = sd_jwt_issuance_request(1);
		request.valid_from = "1969-12-31T23:59:59Z".into();
		assert_eq!(refused(&mut ta, request), TaError::BadTimestamp);
		assert_eq!(ta.identity().issued_total, 0);
	}
}
