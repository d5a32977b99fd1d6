//! Issuing credentials: the checks every format shares, the TEE evidence every document the TA
//! signs names, and W3C credentials (the format is [`teeid_ta_protocol::credential`]; SD-JWT
//! VCs are built in [`crate::sd_jwt`] from the same checked request).
//!
//! Everything that ends up signed is checked here, inside the TA: the block issued against (no
//! older than the newest the TA has seen), identifiers, timestamps, the holder key and the
//! status list entry, the claims against the schema ([`crate::schema`]). Sealed claims are
//! opened here, so a host that relays them never reads them.

use alloc::{format, string::String, vec, vec::Vec};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use teeid_primitives::{
	data_integrity::{self, CRYPTOSUITE, PROOF_TYPE},
	json::Value,
	merkle, BlockNumber, Hash,
};
use teeid_ta_protocol::{
	command::IssuedCredential,
	credential::{
		canonical_credential_hash, check_identifier, hex0x, is_timestamp, platform_name,
		status_evidence, string, verification_method, Claims, CredentialFormat, IssuanceRequest,
		CONTEXT_V2, CREDENTIAL_TYPE, ISSUER_PREFIX, SCHEMA_TYPE, STATUS_PURPOSE, STATUS_TYPE,
		TEE_EVIDENCE_TYPE,
	},
	disclosure::{self, claim_leaf, DISCLOSURE_TYPE, MAX_CLAIMS},
	sd_jwt,
	sealed::{self, Purpose},
	status_list::{is_status_list_uri, BITSTRING_ENTRY_TYPE, MAX_STATUS_LIST_BITS},
	TaError,
};
use zeroize::{Zeroize, Zeroizing};

use crate::{
	platform::Platform,
	schema,
	state::{NetworkSecret, SealedState},
	Ta,
};

/// The proof purpose of a credential's proof.
pub const CREDENTIAL_PURPOSE: &str = "assertionMethod";

/// What a credential's selective disclosure is bound to, as its issuing TA signed it in: the salt
/// seed (32 random bytes the TA picks), the credential id, the holder and the verification
/// method of the issuing TEE key.
///
/// From it and the network key come the claims' [`Salts`] and the disclosure's network MAC
/// (`disclosure.networkMac`). Every TA of the network (and only those) can present any of the
/// network's credentials; no host can choose a seed, so none can make a TA reveal the salts of
/// another credential by issuing and presenting one of its own; and a TA compares claims with a
/// root only for a disclosure whose MAC it checked, for the credential id, holder and key it
/// names, so a credential forged around a root someone saw (guessed values for the hidden
/// claims, a key of the forger's) is refused before its guesses are looked at.
pub(crate) struct DisclosureBinding<'a> {
	/// `disclosure.saltSeed`.
	pub seed: &'a [u8; 32],
	/// The credential's `id`.
	pub credential_id: &'a str,
	/// The holder (`credentialSubject.id`).
	pub holder: &'a str,
	/// The issuing TEE key's verification method (`disclosure.verificationMethod`).
	pub method: &'a str,
}

const SALT_KEY_INFO: &[u8] = b"teeid/disclosure-salt/v2";
const MAC_KEY_INFO: &[u8] = b"teeid/disclosure-mac/v1";

impl DisclosureBinding<'_> {
	/// The salts of the credential's claims, bound to its seed, id and holder.
	pub(crate) fn salts(&self, network: &NetworkSecret) -> Salts {
		let mut mac = keyed_mac(network, SALT_KEY_INFO);
		mac.update(self.seed);
		update_field(&mut mac, self.credential_id.as_bytes());
		update_field(&mut mac, self.holder.as_bytes());
		Salts { mac }
	}

	/// The network MAC of this binding and the claims' `root`.
	pub(crate) fn network_mac(&self, network: &NetworkSecret, root: &[u8; 32]) -> [u8; 32] {
		self.network_mac_state(network, root).finalize().into_bytes().into()
	}

	/// Whether `tag` is the network MAC of this binding and `root` (compared in constant time).
	pub(crate) fn check_network_mac(
		&self,
		network: &NetworkSecret,
		root: &[u8; 32],
		tag: &[u8; 32],
	) -> bool {
		self.network_mac_state(network, root).verify_slice(tag).is_ok()
	}

	fn network_mac_state(&self, network: &NetworkSecret, root: &[u8; 32]) -> Hmac<Sha256> {
		let mut mac = keyed_mac(network, MAC_KEY_INFO);
		mac.update(self.seed);
		mac.update(root);
		update_field(&mut mac, self.credential_id.as_bytes());
		update_field(&mut mac, self.holder.as_bytes());
		update_field(&mut mac, self.method.as_bytes());
		mac
	}
}

/// HMAC-SHA256 under the key derived from the network key for `info`. The derived key is wiped
/// once the MAC holds it.
fn keyed_mac(network: &NetworkSecret, info: &[u8]) -> Hmac<Sha256> {
	let mut key = Zeroizing::new([0u8; 32]);
	// 32 bytes is a valid HKDF-SHA256 output length: expand cannot fail.
	let _ = hkdf::Hkdf::<Sha256>::new(None, &network.secret).expand(info, key.as_mut_slice());
	<Hmac<Sha256> as Mac>::new_from_slice(key.as_slice()).expect("HMAC takes keys of any length")
}

/// Feeds `bytes` preceded by its length, so that consecutive fields cannot run into each other.
fn update_field(mac: &mut Hmac<Sha256>, bytes: &[u8]) {
	mac.update(&(bytes.len() as u32).to_le_bytes());
	mac.update(bytes);
}

/// The salts of a credential's claims: HMAC-SHA256 of the claim name under the MAC state of its
/// [`DisclosureBinding`].
pub(crate) struct Salts {
	mac: Hmac<Sha256>,
}

impl Salts {
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

/// Checks the issuer of a credential or status list: an acceptable identifier
/// ([`check_identifier`]) and a `did:teeid` DID.
pub(crate) fn check_issuer(issuer: &str) -> Result<(), TaError> {
	check_identifier(issuer, "the issuer").map_err(bad_identifier)?;
	if !issuer.starts_with(ISSUER_PREFIX) {
		return Err(bad_identifier(format!("the issuer must be a {ISSUER_PREFIX} DID")));
	}
	Ok(())
}

/// Why claim `name` is reserved in credentials of `format`, if it is: a W3C credential's
/// subject has an `id` beside the claims and JSON-LD keywords start with `@`; an SD-JWT VC's
/// claims would sit beside the payload members the TA writes ([`sd_jwt::is_reserved_claim`]).
fn reserved_claim(format: CredentialFormat, name: &str) -> Option<&'static str> {
	match format {
		CredentialFormat::W3cVc => (name == "id" || name.starts_with('@'))
			.then_some("reserved (the subject's id, or a JSON-LD keyword)"),
		CredentialFormat::SdJwtVc => sd_jwt::is_reserved_claim(name).then_some(
			"reserved (a member of the SD-JWT VC's payload, `...`, `id`, or a name starting \
			 with `@` or `_`)",
		),
	}
}

/// An issuance request's parts once checked ([`Ta::check_issuance`]): what every format of
/// credential is built from.
pub(crate) struct CheckedIssuance {
	/// The claims (the members of the claims object), checked against the schema.
	pub(crate) claims: Vec<(String, Value)>,
	/// The schema's `digestMultibase`.
	pub(crate) schema_digest: String,
	/// The genesis hash of the chain this TA's network key serves.
	pub(crate) genesis_hash: Hash,
	/// The credential's status record on that chain ([`status_evidence`]).
	pub(crate) status: Hash,
	/// The holder's key, parsed: `Some` exactly for an SD-JWT VC.
	pub(crate) holder_jwk: Option<Value>,
}

impl<P: Platform> Ta<P> {
	/// Checks an issuance request, builds and signs the credential in the format it names, and
	/// counts it. A refused request counts nothing and changes nothing sealed.
	pub(crate) fn issue(&mut self, request: IssuanceRequest) -> Result<IssuedCredential, TaError> {
		let checked = self.check_issuance(&request)?;
		let issued = match request.format {
			CredentialFormat::W3cVc => self.build_w3c_credential(&request, checked)?,
			CredentialFormat::SdJwtVc => self.build_sd_jwt(&request, checked)?,
		};
		self.count_issued(request.block_number)?;
		Ok(issued)
	}

	/// Checks everything an issuance request says, whatever the format: the block, the
	/// identifiers, the timestamps, the holder key, the status list entry, and the claims
	/// (opened if sealed) against their limits, the reserved names and the schema.
	pub(crate) fn check_issuance(
		&mut self,
		request: &IssuanceRequest,
	) -> Result<CheckedIssuance, TaError> {
		let genesis_hash = self.state.network()?.genesis_hash;
		// The chain time the credential will carry: never older than what the TA has seen, so
		// a host cannot date a credential back to before the newest block it reported.
		self.state.check_fresh(request.block_number)?;
		check_identifier(&request.id, "the credential id").map_err(bad_identifier)?;
		check_issuer(&request.issuer)?;
		check_identifier(&request.holder, "the holder").map_err(bad_identifier)?;
		check_identifier(&request.schema.id, "the schema id").map_err(bad_identifier)?;
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
		// The holder's key is what an SD-JWT VC is bound to; a W3C credential binds its holder
		// DID instead, so a key sent with one is a mistake of the host, not something to drop.
		let holder_jwk = match (request.format, &request.holder_jwk) {
			(CredentialFormat::W3cVc, None) => None,
			(CredentialFormat::SdJwtVc, Some(bytes)) => {
				Some(sd_jwt::holder_jwk(bytes).ok_or(TaError::BadHolderKey)?)
			},
			_ => return Err(TaError::BadHolderKey),
		};
		let entry = &request.status_list;
		if !is_status_list_uri(&entry.uri) || entry.index >= MAX_STATUS_LIST_BITS as u32 {
			return Err(TaError::BadStatusList);
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
		// The credential holds the claims in canonical form, which can be longer than as sent
		// (`1e20` is written out in full): held to the same limit, every credential issued is
		// one `Present` reads.
		if claims.canonical_len() > teeid_ta_protocol::limits::MAX_CLAIMS_BYTES {
			return Err(TaError::TooLarge);
		}
		for (name, _) in members {
			if let Some(reason) = reserved_claim(request.format, name) {
				return Err(TaError::SchemaViolation {
					claim: name.clone(),
					reason: reason.into(),
				});
			}
		}
		schema::check(&schema.value, &claims)?;
		let schema_digest = schema.digest.clone();
		let Value::Object(claims) = claims else { return Err(TaError::BadClaims) };
		Ok(CheckedIssuance {
			claims,
			schema_digest,
			genesis_hash,
			status: status_evidence(&genesis_hash, &request.id),
			holder_jwk,
		})
	}

	/// Builds and signs a W3C credential from a checked request: the claims in
	/// `credentialSubject`, committed to for selective disclosure, the base signed, then the
	/// whole secured with `eddsa-jcs-2022`.
	fn build_w3c_credential(
		&mut self,
		request: &IssuanceRequest,
		checked: CheckedIssuance,
	) -> Result<IssuedCredential, TaError> {
		let network = self.state.network()?;
		let CheckedIssuance { claims, schema_digest, genesis_hash, status, .. } = checked;
		let claim_count = claims.len();
		let mut subject = vec![("id".into(), string(&request.holder))];
		subject.extend(claims);
		let subject = Value::Object(subject);
		let seed = {
			let mut seed = [0u8; 32];
			self.platform.fill_random(&mut seed).map_err(|_| TaError::Platform)?;
			seed
		};
		let method = verification_method(&request.issuer, &self.public_key().0);
		let binding = DisclosureBinding {
			seed: &seed,
			credential_id: &request.id,
			holder: &request.holder,
			method: &method,
		};
		let root = binding.salts(network).root(&subject).ok_or(TaError::BadClaims)?;
		let network_mac = binding.network_mac(network, &root.0);
		let entry = &request.status_list;

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
					("digestMultibase".into(), string(schema_digest)),
				]),
			),
			(
				// The chain's record first, the source of truth; then the entry of the
				// issuer's Bitstring Status List, which the worker keeps in step with it for
				// verifiers that read status lists.
				"credentialStatus".into(),
				Value::Array(vec![
					Value::Object(vec![
						(
							"id".into(),
							string(format!("urn:teeid:evidence:{}", hex0x(status.as_bytes()))),
						),
						("type".into(), string(STATUS_TYPE)),
						("statusPurpose".into(), string(STATUS_PURPOSE)),
						("chain".into(), string(hex0x(genesis_hash.as_bytes()))),
						("evidence".into(), string(hex0x(status.as_bytes()))),
					]),
					Value::Object(vec![
						("id".into(), string(format!("{}#{}", entry.uri, entry.index))),
						("type".into(), string(BITSTRING_ENTRY_TYPE)),
						("statusPurpose".into(), string(STATUS_PURPOSE)),
						("statusListIndex".into(), string(entry.index)),
						("statusListCredential".into(), string(&entry.uri)),
					]),
				]),
			),
			("evidence".into(), self.w3c_evidence(request.block_number, &request.block_hash)),
			(
				"disclosure".into(),
				Value::Object(vec![
					("type".into(), string(DISCLOSURE_TYPE)),
					("root".into(), string(hex0x(root.as_bytes()))),
					("claimCount".into(), Value::Number(claim_count as f64)),
					("saltSeed".into(), string(hex0x(&seed))),
					("verificationMethod".into(), string(&method)),
					("networkMac".into(), string(hex0x(&network_mac))),
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
		Ok(IssuedCredential { credential, hash })
	}

	/// What every document the TA signs says about how it was made: the kind of TEE
	/// (`platform`), its code (`measurement`) and the finalized block it was made against
	/// (`blockNumber`, `blockHash`). A simulated TA says so in everything it signs; the block is
	/// the chain time verifiers check the signer's registration against. The members of a W3C
	/// document's `evidence` entry ([`Self::w3c_evidence`]) and of a JWT's `teeid`.
	pub(crate) fn tee_evidence(
		&self,
		block_number: BlockNumber,
		block_hash: &Hash,
	) -> Vec<(String, Value)> {
		vec![
			("platform".into(), string(platform_name(self.platform.platform()))),
			("measurement".into(), string(hex0x(&self.measurement))),
			("blockNumber".into(), Value::Number(f64::from(block_number))),
			("blockHash".into(), string(hex0x(block_hash.as_bytes()))),
		]
	}

	/// [`Self::tee_evidence`] as a W3C document's `evidence`: one `TeeidTeeEvidence2026` entry.
	pub(crate) fn w3c_evidence(&self, block_number: BlockNumber, block_hash: &Hash) -> Value {
		let mut entry = vec![("type".into(), Value::Array(vec![string(TEE_EVIDENCE_TYPE)]))];
		entry.extend(self.tee_evidence(block_number, block_hash));
		Value::Array(vec![Value::Object(entry)])
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
pub(crate) fn proof_options(
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

/// The claims of an issuance request, opened with the TA's agreement key if they are sealed,
/// and parsed within [`CLAIMS_JSON`](teeid_ta_protocol::CLAIMS_JSON): claims over it are
/// [`TaError::TooLarge`], checked before they are parsed.
fn open_claims(state: &SealedState, claims: &Claims, issuer: &str) -> Result<Value, TaError> {
	use teeid_ta_protocol::{json_refusal, CLAIMS_JSON};
	let parse = |bytes: &[u8]| {
		Value::parse_with(bytes, &CLAIMS_JSON).map_err(|e| json_refusal(e, TaError::BadClaims))
	};
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
