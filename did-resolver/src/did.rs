//! `did:teeid:<ss58>` identifiers.

use core::{fmt, str::FromStr};
use sp_core::crypto::{AccountId32, Ss58AddressFormat, Ss58Codec};
use teeid_primitives::SS58_PREFIX;

/// The method prefix of every teeid DID.
pub const PREFIX: &str = "did:teeid:";

/// The most characters of the SS58 address of a 32-byte account: a network prefix of at most
/// two bytes, the account and a two-byte checksum (36 bytes) in base58. `sp-core` decodes an
/// address before it checks its length, and base58 decoding costs the square of the length,
/// so longer text is refused before it reaches `sp-core`.
pub const MAX_ADDRESS_CHARS: usize = 50;

/// A `did:teeid` identifier: the subject account.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Did(pub AccountId32);

/// Why a string is not a `did:teeid` identifier.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum InvalidDid {
	/// It does not start with `did:teeid:`.
	#[error("not a did:teeid identifier (expected `did:teeid:<ss58 address>`)")]
	WrongMethod,
	/// The address is not valid SS58 for the teeid network prefix.
	#[error("the method-specific id is not an SS58 address of prefix {SS58_PREFIX}")]
	BadAddress,
	/// The method-specific id is longer than any SS58 address of an account.
	#[error("the address is longer than any SS58 address ({MAX_ADDRESS_CHARS} characters)")]
	AddressTooLong,
}

/// The account an SS58 address of any network names; `None` for anything else, and for text
/// longer than [`MAX_ADDRESS_CHARS`] without decoding it.
pub fn account_from_ss58(address: &str) -> Option<AccountId32> {
	if address.len() > MAX_ADDRESS_CHARS {
		return None;
	}
	AccountId32::from_ss58check(address).ok()
}

impl Did {
	/// The DID URL of fragment `fragment`.
	pub fn url(&self, fragment: &str) -> String {
		format!("{self}#{fragment}")
	}
}

impl FromStr for Did {
	type Err = InvalidDid;

	fn from_str(s: &str) -> Result<Self, Self::Err> {
		let address = s.strip_prefix(PREFIX).ok_or(InvalidDid::WrongMethod)?;
		if address.len() > MAX_ADDRESS_CHARS {
			return Err(InvalidDid::AddressTooLong);
		}
		let (account, format) = AccountId32::from_ss58check_with_version(address)
			.map_err(|_| InvalidDid::BadAddress)?;
		if u16::from(format) != SS58_PREFIX {
			return Err(InvalidDid::BadAddress);
		}
		Ok(Did(account))
	}
}

impl fmt::Display for Did {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		let address = self.0.to_ss58check_with_version(Ss58AddressFormat::custom(SS58_PREFIX));
		write!(f, "{PREFIX}{address}")
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";

	#[test]
	fn parse_and_print_roundtrip_works() {
		let did: Did = format!("did:teeid:{ALICE}").parse().unwrap();
		assert_eq!(did.to_string(), format!("did:teeid:{ALICE}"));
		assert_eq!(did.url("auth"), format!("did:teeid:{ALICE}#auth"));
	}

	#[test]
	fn bad_identifiers_fail() {
		assert_eq!("did:example:123".parse::<Did>(), Err(InvalidDid::WrongMethod));
		assert_eq!("did:teeid:nope".parse::<Did>(), Err(InvalidDid::BadAddress));
		// A valid address with another network prefix (Polkadot, 0).
		let polkadot = "15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5";
		assert_eq!(format!("did:teeid:{polkadot}").parse::<Did>(), Err(InvalidDid::BadAddress));
	}

	#[test]
	fn max_address_chars_is_the_longest_address_works() {
		// The largest 36 bytes (2-byte prefix, account, checksum) in base58.
		assert_eq!(bs58::encode([0xff; 36]).into_string().len(), MAX_ADDRESS_CHARS);
		assert!(ALICE.len() <= MAX_ADDRESS_CHARS);
		assert_eq!(account_from_ss58(ALICE), Some(AccountId32::from_ss58check(ALICE).unwrap()));
	}

	#[test]
	fn an_over_long_address_is_refused_before_decoding_fails() {
		// A DID of 64 KiB (what a URL path or a credential's `issuer` can carry): decoding it
		// would take seconds; its length alone refuses it.
		let long = format!("did:teeid:{}", "2".repeat(64 * 1024));
		assert_eq!(long.parse::<Did>(), Err(InvalidDid::AddressTooLong));
		let just_over = format!("did:teeid:{}", "2".repeat(MAX_ADDRESS_CHARS + 1));
		assert_eq!(just_over.parse::<Did>(), Err(InvalidDid::AddressTooLong));
		assert_eq!(account_from_ss58(&"2".repeat(64 * 1024)), None);
		assert_eq!(account_from_ss58("nope"), None);
	}
}
