//! Issuing credentials (the format is [`teeid_ta_protocol::credential`]).
//!
//! Everything that ends up signed is checked here, inside the TA: identifiers, timestamps, the
//! claims against the schema ([`crate::schema`]). Sealed claims are opened here, so a host that
//! relays them never reads them.

use alloc::{format, string::String, vec, vec::Vec};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use teeid_primitives::{
	data_integrity::{self, CRYPTOSUITE, PROOF_TYPE},
	json::Value,
	merkle,
};
use teeid_ta_protocol::{
	command::IssuedCredential,
	credential::{
		canonical_credential_hash, check_identifier, hex0x, is_timestamp, platform_name,
		status_evidence, string, verification_method, Claims, IssuanceRequest, CONTEXT_V2,
		CREDENTIAL_TYPE, ISSUER_PREFIX, SCHEMA_TYPE, STATUS_TYPE, TEE_EVIDENCE_TYPE,
	},
	disclosure::{self, claim_leaf, DISCLOSURE_TYPE, MAX_CLAIMS},
	sealed::{self, Purpose},
	TaError,
};
use zeroize::Zeroize;

use crate::{
	platform::Platform,
	schema,
	state::{NetworkSecret, SealedState},
	Ta,
};

/// The proof purpose of a credential's proof.
pub const CREDENTIAL_PURPOSE: &str = "assertionMethod";

/// The salts of a credential's claims: HMAC-SHA256, under a key derived from the network key,
/// of the credential's salt seed (32 random bytes the issuing TA picks and signs into
/// `disclosure.saltSeed`) and the claim name. Every TA of the network (and only those) can
/// present any of the network's credentials; no host can choose a seed, so none can make a TA
/// reveal the salts of another credential by issuing and presenting one of its own.
pub(crate) struct Salts {
	mac: Hmac<Sha256>,
}

impl Salts {
	pub(crate) fn new(network: &NetworkSecret, seed: &[u8; 32]) -> Self {
		let mut key = [0u8; 32];
		// 32 bytes is a valid HKDF-SHA256 output length: expand cannot fail.
		let _ = hkdf::Hkdf::<Sha256>::new(None, &network.secret)
			.expand(b"teeid/disclosure-salt/v1", &mut key);
		let mut mac =
			<Hmac<Sha256> as Mac>::new_from_slice(&key).expect("HMAC takes keys of any length");
		key.zeroize();
		mac.update(seed);
		Self { mac }
	}

	pub(crate) fn salt(&self, name: &str) -> [u8; 32] {
		let mut mac = self.mac.clone();
		mac.update(name.as_bytes());
		mac.finalize().into_bytes().into()
	}

	/// The root over `subject`'s claims with these salts.
	pub(crate) fn root(&self, subject: &Value) -> Option<sp_core::H256> {
		let leaves: Vec<_> = disclosure::claims(subject)
			.into_iter()
			.map(|(name, value)| claim_leaf(&self.salt(name), name, value))
			.collect();
		merkle::batch_root(&leaves)
	}
}

fn bad_identifier(reason: String) -> TaError {
	TaError::BadIdentifier(reason)
}

impl<P: Platform> Ta<P> {
	/// Checks an issuance request and builds and signs the credential.
	pub(crate) fn issue(&mut self, request: IssuanceRequest) -> Result<IssuedCredential, TaError> {
		let network = self.state.network()?;
		check_identifier(&request.id, "the credential id").map_err(bad_identifier)?;
		check_identifier(&request.issuer, "the issuer").map_err(bad_identifier)?;
		check_identifier(&request.holder, "the holder").map_err(bad_identifier)?;
		check_identifier(&request.schema.id, "the schema id").map_err(bad_identifier)?;
		if !request.issuer.starts_with(ISSUER_PREFIX) {
			return Err(bad_identifier(format!("the issuer must be a {ISSUER_PREFIX} DID")));
		}
		if !request.holder.starts_with("did:") {
			return Err(bad_identifier("the holder must be a DID".into()));
		}
		let timestamps_ok = is_timestamp(&request.valid_from)
			&& is_timestamp(&request.created)
			&& request
				.valid_until
				.as_deref()
				.is_none_or(|until| is_timestamp(until) && until > request.valid_from.as_str());
		if !timestamps_ok {
			return Err(TaError::BadTimestamp);
		}

		let schema = self.schemas.get_or_parse(&request.schema.schema)?;
		let claims = open_claims(&self.state, &request.claims, &request.issuer)?;
		let Value::Object(members) = &claims else { return Err(TaError::BadClaims) };
		if members.is_empty() || members.len() > MAX_CLAIMS {
			return Err(TaError::SchemaViolation {
				claim: String::new(),
				reason: format!("a credential has 1 to {MAX_CLAIMS} claims"),
			});
		}
		if let Some((name, _)) = members.iter().find(|(n, _)| n == "id" || n.starts_with('@')) {
			return Err(TaError::SchemaViolation {
				claim: name.clone(),
				reason: "reserved (the subject's id, or a JSON-LD keyword)".into(),
			});
		}
		schema::check(&schema.value, &claims)?;
		let digest = schema.digest.clone();
		let Value::Object(members) = claims else { return Err(TaError::BadClaims) };
		let claim_count = members.len();

		let mut subject = vec![("id".into(), string(&request.holder))];
		subject.extend(members);
		let subject = Value::Object(subject);
		let seed = {
			let mut seed = [0u8; 32];
			self.platform.fill_random(&mut seed).map_err(|_| TaError::Platform)?;
			seed
		};
		let salts = Salts::new(network, &seed);
		let root = salts.root(&subject).ok_or(TaError::BadClaims)?;
		let status = status_evidence(&network.genesis_hash, &request.id);
		let method = verification_method(&request.issuer, &self.public_key().0);

		let mut credential = vec![
			("@context".into(), Value::Array(vec![string(CONTEXT_V2)])),
			("id".into(), string(&request.id)),
			("type".into(), Value::Array(vec![string(CREDENTIAL_TYPE)])),
			("issuer".into(), string(&request.issuer)),
			("validFrom".into(), string(&request.valid_from)),
		];
		if let Some(until) = &request.valid_until {
			credential.push(("validUntil".into(), string(until)));
		}
		// The credential is built as its base first (the subject reduced to its id, no
		// `baseProof` yet: what `disclosure::base_document` makes of the finished credential),
		// signed, then completed, rather than built whole and copied into a base.
		let subject_at = credential.len();
		credential.extend([
			(
				"credentialSubject".into(),
				Value::Object(vec![("id".into(), string(&request.holder))]),
			),
			(
				"credentialSchema".into(),
				Value::Object(vec![
					("id".into(), string(&request.schema.id)),
					("type".into(), string(SCHEMA_TYPE)),
					("digestMultibase".into(), string(digest)),
				]),
			),
			(
				"credentialStatus".into(),
				Value::Object(vec![
					(
						"id".into(),
						string(format!("urn:teeid:evidence:{}", hex0x(status.as_bytes()))),
					),
					("type".into(), string(STATUS_TYPE)),
					("statusPurpose".into(), string("revocation")),
					("chain".into(), string(hex0x(network.genesis_hash.as_bytes()))),
					("evidence".into(), string(hex0x(status.as_bytes()))),
				]),
			),
			(
				// How it was issued: by which code, on what kind of TEE. A simulated TA says so
				// in everything it signs.
				"evidence".into(),
				Value::Array(vec![Value::Object(vec![
					("type".into(), Value::Array(vec![string(TEE_EVIDENCE_TYPE)])),
					("platform".into(), string(platform_name(self.platform.platform()))),
					("measurement".into(), string(hex0x(&self.measurement))),
				])]),
			),
			(
				"disclosure".into(),
				Value::Object(vec![
					("type".into(), string(DISCLOSURE_TYPE)),
					("root".into(), string(hex0x(root.as_bytes()))),
					("claimCount".into(), Value::Number(claim_count as f64)),
					("saltSeed".into(), string(hex0x(&seed))),
					("verificationMethod".into(), string(&method)),
				]),
			),
		]);
		let mut credential = Value::Object(credential);
		let base_proof = self.sign(&disclosure::base_signing_bytes(&credential));

		let Value::Object(members) = &mut credential else { return Err(TaError::BadClaims) };
		members[subject_at].1 = subject;
		if let Some((_, Value::Object(disclosure))) =
			members.iter_mut().find(|(name, _)| name == "disclosure")
		{
			disclosure.push((
				"baseProof".into(),
				string(data_integrity::encode_proof_value(&base_proof)),
			));
		}

		let config = data_integrity::proof_config(
			&credential,
			proof_options(&method, CREDENTIAL_PURPOSE, &request.created, vec![]),
		);
		let credential =
			data_integrity::secure_canonical(&credential, config, |data| self.sign(data))
				.map_err(|_| TaError::BadClaims)?;
		let hash = canonical_credential_hash(&credential);
		self.state.issued_total += 1;
		Ok(IssuedCredential { credential, hash })
	}

	/// Adds an `eddsa-jcs-2022` proof by this TEE's key.
	pub(crate) fn secure(
		&self,
		document: Value,
		method: &str,
		purpose: &str,
		created: &str,
		extra: Vec<(String, Value)>,
	) -> Value {
		let config =
			data_integrity::proof_config(&document, proof_options(method, purpose, created, extra));
		let signature = self.sign(&data_integrity::hash_data(&document, &config));
		data_integrity::attach_proof(document, config, &signature)
	}
}

/// The options of an `eddsa-jcs-2022` proof by `method` for `purpose`, and `extra` ones.
fn proof_options(
	method: &str,
	purpose: &str,
	created: &str,
	extra: Vec<(String, Value)>,
) -> Vec<(String, Value)> {
	let mut options = vec![
		("type".into(), string(PROOF_TYPE)),
		("cryptosuite".into(), string(CRYPTOSUITE)),
		("created".into(), string(created)),
		("verificationMethod".into(), string(method)),
		("proofPurpose".into(), string(purpose)),
	];
	options.extend(extra);
	options
}

/// The claims of an issuance request, opened with the TA's agreement key if they are sealed.
fn open_claims(state: &SealedState, claims: &Claims, issuer: &str) -> Result<Value, TaError> {
	let parse = |bytes: &[u8]| Value::parse(bytes).map_err(|_| TaError::BadClaims);
	match claims {
		Claims::Plain(bytes) => parse(bytes),
		Claims::Sealed(sealed) => {
			let mut bytes =
				sealed::open(Purpose::Claims, &state.agreement_secret(), sealed, issuer.as_bytes())
					.map_err(|_| TaError::BadClaims)?;
			let claims = parse(&bytes);
			bytes.zeroize();
			claims
		},
	}
}
