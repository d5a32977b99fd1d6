//! The chain's basic types. The runtime re-exports these; the worker and the TA use them to
//! build and check payloads without depending on the runtime crate.

/// An index to a block.
pub type BlockNumber = u32;

/// An account: 32 bytes, the public key of an sr25519 or ed25519 signer or the blake2 hash of
/// an ecdsa one. It is what `MultiSignature`'s signer identifies, which the runtime asserts;
/// naming it here directly keeps this crate free of `sp-runtime` (and of `sp-io`'s native
/// crypto), so the TA can use it.
pub type AccountId = sp_core::crypto::AccountId32;

/// The balance of an account.
pub type Balance = u128;

/// The number of transactions an account has signed.
pub type Nonce = u32;

/// A hash of some data used by the chain (blake2-256).
pub type Hash = sp_core::H256;

/// One unit of the native token, with [`TOKEN_DECIMALS`] decimals.
pub const UNIT: Balance = 1_000_000_000_000;
/// A thousandth of a [`UNIT`].
pub const MILLI_UNIT: Balance = UNIT / 1_000;
/// A millionth of a [`UNIT`].
pub const MICRO_UNIT: Balance = UNIT / 1_000_000;

// Defined in `token.rs`, which the runtime's build script also reads for the metadata hash.
pub use crate::token::{TOKEN_DECIMALS, TOKEN_SYMBOL};
/// The SS58 address prefix: the generic substrate prefix, so dev tools show the familiar
/// `5...` addresses.
pub const SS58_PREFIX: u16 = 42;

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn units_are_consistent_works() {
		assert_eq!(UNIT, 10u128.pow(TOKEN_DECIMALS as u32));
		assert_eq!(MILLI_UNIT * 1_000, UNIT);
		assert_eq!(MICRO_UNIT * 1_000, MILLI_UNIT);
	}
}
