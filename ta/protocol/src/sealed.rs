//! The sealed box: how claims reach a TA without the host reading them, and how the network
//! key travels from one TA to another.
//!
//! The sender picks a fresh X25519 key pair, agrees a secret with the recipient's X25519 key,
//! derives an AES-256-GCM key and nonce with HKDF-SHA256 (salt: both public keys; info: the
//! purpose's tag), and encrypts with the caller's associated data. A box made for one purpose
//! or one context never opens for another. Node's `crypto` builds the same box (see
//! `clients/js/lib/ta.js`).

use aes_gcm::{aead::Aead, Aes256Gcm, KeyInit};
use alloc::vec::Vec;
use codec::{Decode, Encode};
use sha2::{Digest, Sha256};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

/// What a box carries, which keys its key derivation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Purpose {
	/// Credential claims for a TA's agreement key; associated data: the issuer DID.
	Claims,
	/// The network key for a joining TA; associated data: the joiner's report hash.
	NetworkKey,
}

impl Purpose {
	fn info(self) -> &'static [u8] {
		match self {
			Purpose::Claims => b"teeid/box/claims/v1",
			Purpose::NetworkKey => b"teeid/box/network-key/v1",
		}
	}
}

/// An encrypted message for one X25519 key.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct SealedBox {
	/// The sender's one-time X25519 public key.
	pub ephemeral: [u8; 32],
	/// AES-256-GCM ciphertext with its 16-byte tag.
	pub ciphertext: Vec<u8>,
}

/// Why a box does not open.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct OpenError;

fn cipher(
	purpose: Purpose,
	shared: &x25519_dalek::SharedSecret,
	ephemeral: &[u8; 32],
	recipient: &[u8; 32],
) -> Result<(Aes256Gcm, [u8; 12]), OpenError> {
	// A low-order public key would make the "shared" secret a constant.
	if !shared.was_contributory() {
		return Err(OpenError);
	}
	let mut salt = [0u8; 64];
	salt[..32].copy_from_slice(ephemeral);
	salt[32..].copy_from_slice(recipient);
	// The AES key and nonce: wiped when this returns (the shared secret wipes itself on drop,
	// and the cipher its key schedule).
	let mut okm = Zeroizing::new([0u8; 44]);
	hkdf::Hkdf::<Sha256>::new(Some(&salt), shared.as_bytes())
		.expand(purpose.info(), okm.as_mut_slice())
		.map_err(|_| OpenError)?;
	let cipher = Aes256Gcm::new_from_slice(&okm[..32]).map_err(|_| OpenError)?;
	let mut nonce = [0u8; 12];
	nonce.copy_from_slice(&okm[32..]);
	Ok((cipher, nonce))
}

/// Seals `plaintext` for `recipient` with the one-time secret `ephemeral_secret` (32 random
/// bytes, never reused).
pub fn seal(
	purpose: Purpose,
	recipient: &[u8; 32],
	ephemeral_secret: [u8; 32],
	plaintext: &[u8],
	associated_data: &[u8],
) -> Result<SealedBox, OpenError> {
	let secret = StaticSecret::from(ephemeral_secret);
	let ephemeral = PublicKey::from(&secret).to_bytes();
	let shared = secret.diffie_hellman(&PublicKey::from(*recipient));
	let (cipher, nonce) = cipher(purpose, &shared, &ephemeral, recipient)?;
	let ciphertext = cipher
		.encrypt(
			aes_gcm::Nonce::from_slice(&nonce),
			aes_gcm::aead::Payload { msg: plaintext, aad: associated_data },
		)
		.map_err(|_| OpenError)?;
	Ok(SealedBox { ephemeral, ciphertext })
}

/// Opens a box sealed for the key pair of `recipient_secret`.
pub fn open(
	purpose: Purpose,
	recipient_secret: &StaticSecret,
	sealed: &SealedBox,
	associated_data: &[u8],
) -> Result<Vec<u8>, OpenError> {
	let recipient = PublicKey::from(recipient_secret).to_bytes();
	let shared = recipient_secret.diffie_hellman(&PublicKey::from(sealed.ephemeral));
	let (cipher, nonce) = cipher(purpose, &shared, &sealed.ephemeral, &recipient)?;
	cipher
		.decrypt(
			aes_gcm::Nonce::from_slice(&nonce),
			aes_gcm::aead::Payload { msg: &sealed.ciphertext, aad: associated_data },
		)
		.map_err(|_| OpenError)
}

/// The nonce of the endorser's platform evidence for a network-key export: SHA-256 of a tag,
/// the joiner's report hash, the endorser's signing key and the box. The evidence so proves
/// that a TA of the measured code on a real device made this very export for this joiner.
pub fn export_nonce(report_hash: &[u8; 32], endorser: &[u8; 32], sealed: &SealedBox) -> [u8; 32] {
	let mut hasher = Sha256::new();
	hasher.update(b"teeid/network-key-export/v1");
	hasher.update(report_hash);
	hasher.update(endorser);
	hasher.update(sealed.encode());
	hasher.finalize().into()
}

#[cfg(test)]
mod tests {
	use super::*;

	fn recipient() -> StaticSecret {
		StaticSecret::from([7u8; 32])
	}

	fn sealed() -> SealedBox {
		let public = PublicKey::from(&recipient()).to_bytes();
		seal(Purpose::Claims, &public, [9u8; 32], b"{\"name\":\"Alice\"}", b"did:teeid:x").unwrap()
	}

	#[test]
	fn a_box_opens_for_its_recipient_purpose_and_context() {
		let opened = open(Purpose::Claims, &recipient(), &sealed(), b"did:teeid:x").unwrap();
		assert_eq!(opened, b"{\"name\":\"Alice\"}");
	}

	#[test]
	fn a_box_opens_for_nothing_else() {
		let sealed = sealed();
		assert!(open(Purpose::NetworkKey, &recipient(), &sealed, b"did:teeid:x").is_err());
		assert!(open(Purpose::Claims, &recipient(), &sealed, b"did:teeid:y").is_err());
		assert!(
			open(Purpose::Claims, &StaticSecret::from([8u8; 32]), &sealed, b"did:teeid:x").is_err()
		);
		let mut flipped = sealed.clone();
		flipped.ciphertext[0] ^= 1;
		assert!(open(Purpose::Claims, &recipient(), &flipped, b"did:teeid:x").is_err());
	}

	#[test]
	fn low_order_keys_are_refused() {
		let mut sealed = sealed();
		sealed.ephemeral = [0u8; 32];
		assert_eq!(open(Purpose::Claims, &recipient(), &sealed, b"did:teeid:x"), Err(OpenError));
		assert_eq!(seal(Purpose::Claims, &[0u8; 32], [9u8; 32], b"x", b""), Err(OpenError));
	}
}
