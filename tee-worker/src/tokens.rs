//! API tokens: random bearer secrets of which the worker stores only the SHA-256, each with
//! permissions and, for signing, the account whose DIDs it may act for.

use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// The prefix that marks a teeid worker token.
pub const TOKEN_PREFIX: &str = "teeid_";

/// What a token allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Permission {
	/// Read: verify credentials and presentations, read the credential index and status.
	Read,
	/// Write: create presentations for DIDs the token's account controls.
	Write,
	/// Sign: issue credentials for DIDs the token's account controls.
	Sign,
	/// Admin: manage tokens and endorse joining workers. Implies every other permission.
	Admin,
}

impl Permission {
	/// Every permission, in order.
	pub const ALL: [Permission; 4] =
		[Permission::Read, Permission::Write, Permission::Sign, Permission::Admin];
}

impl fmt::Display for Permission {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str(match self {
			Permission::Read => "read",
			Permission::Write => "write",
			Permission::Sign => "sign",
			Permission::Admin => "admin",
		})
	}
}

impl std::str::FromStr for Permission {
	type Err = String;

	fn from_str(s: &str) -> Result<Self, Self::Err> {
		Permission::ALL
			.into_iter()
			.find(|p| p.to_string() == s)
			.ok_or_else(|| format!("unknown permission `{s}` (read, write, sign or admin)"))
	}
}

/// A stored token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenRecord {
	/// What it allows.
	pub permissions: Vec<Permission>,
	/// The account (SS58) whose DIDs it may sign or present for.
	pub account: Option<String>,
	/// A name for people.
	pub label: String,
	/// Creation time, seconds since the Unix epoch.
	pub created: u64,
}

impl TokenRecord {
	/// Whether the token allows `permission` (admin allows everything).
	pub fn allows(&self, permission: Permission) -> bool {
		self.permissions.iter().any(|p| *p == permission || *p == Permission::Admin)
	}
}

/// A new random token: 32 bytes from the OS, hex, with the [`TOKEN_PREFIX`].
pub fn generate() -> String {
	let mut secret = [0u8; 32];
	OsRng.fill_bytes(&mut secret);
	format!("{TOKEN_PREFIX}{}", hex::encode(secret))
}

/// The key a token is stored under. `None` if `token` does not have the shape of one.
pub fn hash(token: &str) -> Option<[u8; 32]> {
	let secret = token.strip_prefix(TOKEN_PREFIX)?;
	if secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
		return None;
	}
	Some(Sha256::digest(token.as_bytes()).into())
}

/// The public id of a token: the first 8 bytes of its hash, in hex.
pub fn id(hash: &[u8; 32]) -> String {
	hex::encode(&hash[..8])
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn tokens_are_random_and_well_formed() {
		let (a, b) = (generate(), generate());
		assert_ne!(a, b);
		assert!(hash(&a).is_some());
		assert_eq!(hash("teeid_short"), None);
		assert_eq!(hash(&a.replace(TOKEN_PREFIX, "other_")), None);
	}

	#[test]
	fn admin_implies_everything() {
		let record = |permissions| TokenRecord {
			permissions,
			account: None,
			label: String::new(),
			created: 0,
		};
		assert!(record(vec![Permission::Admin]).allows(Permission::Sign));
		assert!(!record(vec![Permission::Read]).allows(Permission::Sign));
		assert!(record(vec![Permission::Read, Permission::Sign]).allows(Permission::Sign));
		assert_eq!("sign".parse::<Permission>(), Ok(Permission::Sign));
		assert!("root".parse::<Permission>().is_err());
	}
}
