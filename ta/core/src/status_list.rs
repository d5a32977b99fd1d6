//! Status lists (the formats are [`teeid_ta_protocol::status_list`]): one version of an
//! issuer's list, as a W3C Bitstring Status List credential or an IETF Token Status List, signed
//! by the TEE key against a finalized block and counted like a credential, since the worker
//! anchors every version as a leaf of its slot's batch.
//!
//! The worker builds the bits from the chain's evidence records, the source of truth; the TA
//! checks the request's form (issuer, URL, size, time, block) and signs what it is given, for
//! any issuer, as it issues credentials for any issuer: whether its key counts for the DID is
//! the chain's binding to decide, for a list as for a credential.
//!
//! A list is at most 128 KiB of bits, so every copy of it counts against the TA's heap: the
//! bits are dropped once compressed, reordered in place for a Token list, and the document is
//! written into buffers of their final length.

use alloc::{format, string::String, vec, vec::Vec};
use sha2::{Digest, Sha256};
use teeid_primitives::{data_integrity, json::Value};
use teeid_ta_protocol::{
	command::IssuedCredential,
	credential::{
		canonical_credential_hash, string, unix_seconds, verification_method, CONTEXT_V2,
		CREDENTIAL_TYPE, STATUS_PURPOSE,
	},
	status_list::{
		base64url, base64url_len, gzip, into_token_order, is_list_size, is_status_list_uri,
		push_base64url, zlib, StatusListFormat, StatusListRequest, BITSTRING_CREDENTIAL_TYPE,
		BITSTRING_LIST_TYPE, BITSTRING_SUBJECT_FRAGMENT, STATUS_LIST_JWT_TYP,
	},
	TaError,
};

use crate::{
	issue::{check_issuer, proof_options, CREDENTIAL_PURPOSE},
	jwt::jwt_header,
	platform::Platform,
	Ta,
};

impl<P: Platform> Ta<P> {
	/// Checks a status list request, builds and signs the document of its format, and counts
	/// it. A refused request counts nothing and changes nothing sealed.
	pub(crate) fn sign_status_list(
		&mut self,
		mut request: StatusListRequest,
	) -> Result<IssuedCredential, TaError> {
		// Counted into the next work report like a credential: only a TA that serves a chain
		// signs one.
		self.state.network()?;
		self.state.check_fresh(request.block_number)?;
		check_issuer(&request.issuer)?;
		if !is_status_list_uri(&request.uri) || !is_list_size(request.bits.len()) {
			return Err(TaError::BadStatusList);
		}
		// The Token list's `iat` is a NumericDate, which cannot be before 1970; the Bitstring
		// list is held to the same, so both forms of a version can say the same time.
		let issued_at = unix_seconds(&request.created).ok_or(TaError::BadTimestamp)?;
		// Taken out of the request, so that each form drops the bits once it has compressed
		// them.
		let bits = core::mem::take(&mut request.bits);
		let issued = match request.format {
			StatusListFormat::Bitstring => self.bitstring_status_list(&request, bits)?,
			StatusListFormat::Token => self.token_status_list(&request, bits, issued_at),
		};
		self.count_issued(request.block_number)?;
		Ok(issued)
	}

	/// The W3C Bitstring Status List credential of `request`'s list: `encodedList` is
	/// multibase base64url (`u`) of the gzip of the bits, the credential secured with
	/// `eddsa-jcs-2022` as a W3C credential is. Its hash is SHA-256 of its canonical form.
	fn bitstring_status_list(
		&self,
		request: &StatusListRequest,
		bits: Vec<u8>,
	) -> Result<IssuedCredential, TaError> {
		let encoded_list = {
			let compressed = gzip(&bits);
			drop(bits);
			let mut encoded = String::with_capacity(1 + base64url_len(compressed.len()));
			encoded.push('u');
			push_base64url(&mut encoded, &compressed);
			encoded
		};
		let method = verification_method(&request.issuer, &self.public_key().0);
		let document = Value::Object(vec![
			("@context".into(), Value::Array(vec![string(CONTEXT_V2)])),
			("id".into(), string(&request.uri)),
			(
				"type".into(),
				Value::Array(vec![string(CREDENTIAL_TYPE), string(BITSTRING_CREDENTIAL_TYPE)]),
			),
			("issuer".into(), string(&request.issuer)),
			("validFrom".into(), string(&request.created)),
			(
				"credentialSubject".into(),
				Value::Object(vec![
					("id".into(), string(format!("{}#{BITSTRING_SUBJECT_FRAGMENT}", request.uri))),
					("type".into(), string(BITSTRING_LIST_TYPE)),
					("statusPurpose".into(), string(STATUS_PURPOSE)),
					("encodedList".into(), Value::String(encoded_list)),
				]),
			),
			("evidence".into(), self.w3c_evidence(request.block_number, &request.block_hash)),
		]);
		let config = data_integrity::proof_config(
			&document,
			proof_options(&method, CREDENTIAL_PURPOSE, &request.created, vec![]),
		);
		let credential =
			data_integrity::secure_canonical(&document, config, |data| self.sign(data))
				.map_err(|_| TaError::BadStatusList)?;
		let hash = canonical_credential_hash(&credential);
		Ok(IssuedCredential { credential, hash })
	}

	/// The IETF Token Status List of `request`'s list, a `statuslist+jwt` by the TEE key: one
	/// bit per entry, `lst` base64url of the zlib of the bits in LSB-first order, `iat` the
	/// version's time, `ttl` if the request has one. Its hash is SHA-256 of the JWT.
	fn token_status_list(
		&self,
		request: &StatusListRequest,
		bits: Vec<u8>,
		issued_at: u64,
	) -> IssuedCredential {
		let lst = {
			let ordered = into_token_order(bits);
			let compressed = zlib(&ordered);
			drop(ordered);
			base64url(&compressed)
		};
		let mut payload: Vec<(String, Value)> = vec![
			("iss".into(), string(&request.issuer)),
			("sub".into(), string(&request.uri)),
			("iat".into(), Value::Number(issued_at as f64)),
			(
				"status_list".into(),
				Value::Object(vec![
					("bits".into(), Value::Number(1.0)),
					("lst".into(), Value::String(lst)),
				]),
			),
			(
				"teeid".into(),
				Value::Object(self.tee_evidence(request.block_number, &request.block_hash)),
			),
		];
		if let Some(ttl) = request.ttl {
			payload.push(("ttl".into(), Value::Number(f64::from(ttl))));
		}
		let method = verification_method(&request.issuer, &self.public_key().0);
		let jwt = self.sign_jwt(&jwt_header(&method, STATUS_LIST_JWT_TYP), Value::Object(payload));
		let hash = Sha256::digest(jwt.as_bytes()).into();
		IssuedCredential { credential: jwt.into_bytes(), hash }
	}
}

#[cfg(test)]
mod tests {
	use crate::{
		testing::{status_list_request, MemoryPlatform, STATUS_LIST_URI},
		Ta,
	};
	use alloc::{vec, vec::Vec};
	use miniz_oxide::inflate::{decompress_to_vec, decompress_to_vec_zlib};
	use sha2::{Digest, Sha256};
	use sp_core::H256;
	use teeid_primitives::json::Value;
	use teeid_ta_protocol::{
		command::IssuedCredential,
		credential::{canonical_credential_hash, verification_method, verify_tee_proof},
		status_list::{
			base64url_decode, bit, set_bit, StatusListFormat, MAX_STATUS_LIST_BITS,
			MIN_STATUS_LIST_BITS,
		},
		Command, Reply, TaError,
	};

	/// Indexes at the edges of bytes and of the smallest list.
	const INDEXES: [u32; 5] = [0, 1, 7, 8, 131_071];

	fn bootstrapped() -> Ta<MemoryPlatform> {
		let mut ta = Ta::start(MemoryPlatform::new(1)).expect("a fresh TA starts");
		ta.execute(Command::CreateNetworkKey { genesis_hash: H256([0x11; 32]) })
			.expect("a network key");
		ta
	}

	fn list(set: &[u32]) -> Vec<u8> {
		let mut bits = vec![0u8; MIN_STATUS_LIST_BITS / 8];
		for index in set {
			assert!(set_bit(&mut bits, *index, true));
		}
		bits
	}

	fn sign(
		ta: &mut Ta<MemoryPlatform>,
		format: StatusListFormat,
		bits: Vec<u8>,
	) -> IssuedCredential {
		match ta.execute(Command::SignStatusList(status_list_request(format, bits))) {
			Ok(Reply::StatusList(issued)) => issued,
			other => panic!("{other:?}"),
		}
	}

	fn text<'a>(value: &'a Value, name: &str) -> &'a str {
		value.get(name).and_then(Value::as_str).unwrap_or_else(|| panic!("no string {name}"))
	}

	/// What a gzip member without optional header fields (what the TA writes) holds.
	fn gunzip(member: &[u8]) -> Vec<u8> {
		assert_eq!(&member[..4], &[0x1f, 0x8b, 8, 0]);
		let data = decompress_to_vec(&member[10..member.len() - 8]).expect("raw deflate");
		assert_eq!(member[member.len() - 4..], (data.len() as u32).to_le_bytes());
		data
	}

	#[test]
	fn a_bitstring_status_list_is_a_secured_credential_of_the_bits_works() {
		let mut ta = bootstrapped();
		let bits = list(&INDEXES);
		let issued = sign(&mut ta, StatusListFormat::Bitstring, bits.clone());
		assert_eq!(issued.hash, canonical_credential_hash(&issued.credential));
		let document = Value::parse(&issued.credential).expect("JSON");
		assert_eq!(document.to_canonical(), issued.credential, "canonical JSON");
		let request = status_list_request(StatusListFormat::Bitstring, Vec::new());
		assert_eq!(text(&document, "id"), STATUS_LIST_URI);
		assert_eq!(text(&document, "issuer"), request.issuer);
		assert_eq!(text(&document, "validFrom"), request.created);
		let types = Value::Array(vec![
			Value::String("VerifiableCredential".into()),
			Value::String("BitstringStatusListCredential".into()),
		]);
		assert_eq!(document.get("type"), Some(&types));
		let subject = document.get("credentialSubject").expect("a subject");
		assert_eq!(text(subject, "id"), alloc::format!("{STATUS_LIST_URI}#list"));
		assert_eq!(text(subject, "type"), "BitstringStatusList");
		assert_eq!(text(subject, "statusPurpose"), "revocation");
		let encoded = text(subject, "encodedList").strip_prefix('u').expect("multibase base64url");
		let decoded = gunzip(&base64url_decode(encoded).expect("base64url"));
		assert_eq!(decoded, bits);
		for index in INDEXES {
			assert!(bit(&decoded, index), "{index}");
		}
		let Some(Value::Array(evidence)) = document.get("evidence") else { panic!("evidence") };
		assert_eq!(evidence[0].get("blockNumber"), Some(&Value::Number(1.0)));

		let (input, key) = verify_tee_proof(&document).expect("the proof verifies");
		assert_eq!(key, ta.identity().signing_key.0);
		assert_eq!(input.verification_method, verification_method(&request.issuer, &key));
		assert_eq!(input.proof_purpose, "assertionMethod");
		assert_eq!(ta.identity().issued_total, 1);
	}

	#[test]
	fn a_token_status_list_is_a_signed_jwt_of_the_bits_lsb_first_works() {
		let mut ta = bootstrapped();
		let issued = sign(&mut ta, StatusListFormat::Token, list(&INDEXES));
		let jwt = core::str::from_utf8(&issued.credential).expect("ASCII");
		let hash: [u8; 32] = Sha256::digest(jwt.as_bytes()).into();
		assert_eq!(issued.hash, hash);
		let sections: Vec<&str> = jwt.split('.').collect();
		assert_eq!(sections.len(), 3);
		let part =
			|i: usize| Value::parse(&base64url_decode(sections[i]).expect("b64u")).expect("JSON");
		let (header, payload) = (part(0), part(1));
		let key = ta.identity().signing_key.0;
		let request = status_list_request(StatusListFormat::Token, Vec::new());
		assert_eq!(text(&header, "typ"), "statuslist+jwt");
		assert_eq!(text(&header, "alg"), "EdDSA");
		assert_eq!(text(&header, "kid"), verification_method(&request.issuer, &key));
		assert_eq!(text(&payload, "iss"), request.issuer);
		assert_eq!(text(&payload, "sub"), STATUS_LIST_URI);
		assert_eq!(payload.get("ttl"), Some(&Value::Number(300.0)));
		let iat = teeid_ta_protocol::credential::unix_seconds(&request.created).expect("a time");
		assert_eq!(payload.get("iat"), Some(&Value::Number(iat as f64)));
		let teeid = payload.get("teeid").expect("teeid");
		assert_eq!(text(teeid, "platform"), "Simulated");
		let status_list = payload.get("status_list").expect("status_list");
		assert_eq!(status_list.get("bits"), Some(&Value::Number(1.0)));
		let lst = base64url_decode(text(status_list, "lst")).expect("base64url");
		let token = decompress_to_vec_zlib(&lst).expect("zlib");
		assert_eq!(token.len(), MIN_STATUS_LIST_BITS / 8);
		for index in INDEXES {
			let mask = 1u8 << (index % 8);
			assert_eq!(token[index as usize / 8] & mask, mask, "{index}");
		}
		assert_eq!(token.iter().map(|b| b.count_ones()).sum::<u32>(), 5);

		crate::jwt::assert_signed_by(jwt, &key);
	}

	#[test]
	fn the_largest_lists_are_signed_works() {
		let mut ta = bootstrapped();
		let mut bits = vec![0u8; MAX_STATUS_LIST_BITS / 8];
		for index in (0..MAX_STATUS_LIST_BITS as u32).step_by(3) {
			set_bit(&mut bits, index, true);
		}
		let issued = sign(&mut ta, StatusListFormat::Token, bits.clone());
		assert!(issued.credential.len() < teeid_ta_protocol::MAX_RESPONSE_BYTES);
		let issued = sign(&mut ta, StatusListFormat::Bitstring, bits.clone());
		let document = Value::parse(&issued.credential).expect("JSON");
		let subject = document.get("credentialSubject").expect("a subject");
		let encoded = text(subject, "encodedList").strip_prefix('u').expect("multibase");
		assert_eq!(gunzip(&base64url_decode(encoded).expect("base64url")), bits);
		assert_eq!(ta.identity().issued_total, 2);
	}

	#[test]
	fn lists_of_the_wrong_size_uri_issuer_or_time_are_refused_fails() {
		let mut ta = bootstrapped();
		let refused = |ta: &mut Ta<MemoryPlatform>, request| {
			ta.execute(Command::SignStatusList(request)).expect_err("refused")
		};
		for format in [StatusListFormat::Bitstring, StatusListFormat::Token] {
			for bytes in [0, MIN_STATUS_LIST_BITS / 8 - 1, MAX_STATUS_LIST_BITS / 8 + 1] {
				let request = status_list_request(format, vec![0; bytes]);
				assert_eq!(refused(&mut ta, request), TaError::BadStatusList, "{bytes} bytes");
			}
			let bad_uris = ["urn:uuid:1", "https://issuer.example/list#1", "https://"];
			for uri in bad_uris {
				let mut request = status_list_request(format, list(&[]));
				request.uri = uri.into();
				assert_eq!(refused(&mut ta, request), TaError::BadStatusList, "{uri}");
			}
			let mut request = status_list_request(format, list(&[]));
			request.issuer = "did:web:issuer.example".into();
			assert!(matches!(refused(&mut ta, request), TaError::BadIdentifier(_)));
			for created in ["2026-11-21 10:05:00", "1969-12-31T23:59:59Z"] {
				let mut request = status_list_request(format, list(&[]));
				request.created = created.into();
				assert_eq!(refused(&mut ta, request), TaError::BadTimestamp, "{created}");
			}
		}
		assert_eq!(ta.identity().issued_total, 0);
	}

	#[test]
	fn a_list_against_a_block_older_than_the_newest_seen_fails() {
		let mut ta = bootstrapped();
		let at = |number: u32| {
			let mut request = status_list_request(StatusListFormat::Token, list(&[]));
			request.block_number = number;
			Command::SignStatusList(request)
		};
		ta.execute(at(10)).expect("signed");
		assert_eq!(ta.execute(at(9)), Err(TaError::StaleBlock { newest: 10 }));
		ta.execute(at(10)).expect("the newest block itself is not stale");
		assert_eq!(ta.identity().newest_block, 10);
		assert_eq!(ta.identity().issued_total, 2);
		// And an issuance after it is held to the same block.
		let mut issuance = crate::testing::issuance_request(1);
		issuance.block_number = 9;
		assert_eq!(
			ta.execute(Command::IssueCredential(issuance)),
			Err(TaError::StaleBlock { newest: 10 })
		);
	}

	#[test]
	fn a_ta_without_a_network_key_signs_no_list_fails() {
		let mut ta = Ta::start(MemoryPlatform::new(1)).expect("a fresh TA starts");
		let request = status_list_request(StatusListFormat::Bitstring, list(&[]));
		assert_eq!(ta.execute(Command::SignStatusList(request)), Err(TaError::NoNetworkKey));
	}
}
