//! `did:teeid:<ss58>` identifiers.

use core::{fmt, str::FromStr};
use sp_core::crypto::{AccountId32, Ss58AddressFormat, Ss58Codec};
use teeid_runtime::SS58_PREFIX;

/// The method prefix of every teeid DID.
pub const PREFIX: &str = "did:teeid:";

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
}
