//! Presentations: a holder's TEE key signs a presentation that discloses chosen claims of a
//! credential of this network (see [`teeid_ta_protocol::disclosure`]).

use alloc::{string::String, vec, vec::Vec};
use teeid_primitives::json::Value;
use teeid_ta_protocol::{
	credential::{
		check_identifier, is_timestamp, parse_hex32, split_verification_method, string, text,
		verification_method, verify_tee_proof, CONTEXT_V2, PRESENTATION_TYPE,
	},
	disclosure::{self, PresentationRequest, MAX_CLAIMS, PRESENTATION_PURPOSE},
	TaError,
};

use crate::{issue::DisclosureBinding, platform::Platform, Ta};

/// The longest challenge or domain accepted.
pub const MAX_CHALLENGE_BYTES: usize = 256;

impl<P: Platform> Ta<P> {
	/// Checks the credential (its proof, its claims against their root with this network's
	/// salts, its holder) and signs a presentation of the chosen claims for the holder.
	pub(crate) fn present(&mut self, request: PresentationRequest) -> Result<Vec<u8>, TaError> {
		let network = self.state.network()?;
		check_identifier(&request.holder, "the holder").map_err(TaError::BadIdentifier)?;
		for (value, what) in
			[(&request.challenge, "the challenge"), (&request.domain, "the domain")]
		{
			if value.is_empty() || value.len() > MAX_CHALLENGE_BYTES {
				return Err(TaError::BadIdentifier(alloc::format!(
					"{what} must be 1 to {MAX_CHALLENGE_BYTES} bytes"
				)));
			}
		}
		if !is_timestamp(&request.created) {
			return Err(TaError::BadTimestamp);
		}
		if request.disclose.len() > MAX_CLAIMS {
			return Err(TaError::TooLarge);
		}
		if request.disclose.is_empty() {
			return Err(TaError::UnknownClaim(String::new()));
		}

		let credential = Value::parse(&request.credential).map_err(|_| TaError::BadCredential)?;
		let issuer = text(&credential, "issuer").ok_or(TaError::BadCredential)?;
		let subject = credential.get("credentialSubject").ok_or(TaError::BadCredential)?;
		if text(subject, "id") != Some(request.holder.as_str()) {
			return Err(TaError::BadCredential);
		}
		// Authenticity first, and nothing about the claims is compared until it is settled: the
		// credential's proof is by the issuing TEE key its disclosure names, and the disclosure
		// carries this network's MAC over its seed, root, id, holder and that key. A credential
		// forged around a root someone saw, with guesses for the hidden claims, fails here
		// whatever the guesses (its proof cannot be by the issuing key, and a MAC for the
		// forger's key cannot be made outside the network's TAs), so presenting is no oracle.
		let not_authentic = TaError::CredentialNotAuthentic;
		let (input, _) = verify_tee_proof(&credential).map_err(|_| not_authentic.clone())?;
		let disclosure = credential.get("disclosure").ok_or(TaError::BadCredential)?;
		let method = text(disclosure, "verificationMethod").ok_or(TaError::BadCredential)?;
		match split_verification_method(method) {
			Some((did, _)) if did == issuer && input.verification_method == method => {},
			_ => return Err(not_authentic),
		}
		let hex = |name| text(disclosure, name).and_then(parse_hex32).ok_or(TaError::BadCredential);
		let (root, seed, network_mac) = (hex("root")?, hex("saltSeed")?, hex("networkMac")?);
		let credential_id = text(&credential, "id").ok_or(TaError::BadCredential)?;
		let binding =
			DisclosureBinding { seed: &seed, credential_id, holder: &request.holder, method };
		if !binding.check_network_mac(network, &root, &network_mac) {
			return Err(not_authentic);
		}
		let salts = binding.salts(network);
		if salts.root(subject).map(|r| r.0) != Some(root) {
			return Err(not_authentic);
		}
		if let Some(name) = request
			.disclose
			.iter()
			.find(|name| name.as_str() == "id" || subject.get(name).is_none())
		{
			return Err(TaError::UnknownClaim(name.clone()));
		}

		let derived = disclosure::derive(&credential, |name| salts.salt(name), &request.disclose)
			.map_err(|_| TaError::BadCredential)?;
		let presentation = Value::Object(vec![
			("@context".into(), Value::Array(vec![string(CONTEXT_V2)])),
			("type".into(), Value::Array(vec![string(PRESENTATION_TYPE)])),
			("holder".into(), string(&request.holder)),
			("verifiableCredential".into(), Value::Array(vec![derived])),
		]);
		let method = verification_method(&request.holder, &self.public_key().0);
		let secured = self.secure(
			presentation,
			&method,
			PRESENTATION_PURPOSE,
			&request.created,
			vec![
				("challenge".into(), string(&request.challenge)),
				("domain".into(), string(&request.domain)),
			],
		);
		Ok(secured.to_canonical())
	}
}
