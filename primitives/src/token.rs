// The native token as wallets show it. Two builds read these two constants: this crate (and
// through it the runtime and the node's chain properties), and the runtime's build script,
// which `include!`s this file because it cannot cheaply depend on the whole crate. The build
// script hashes them into the metadata digest that `CheckMetadataHash` commits to; a wallet
// that merkleizes the metadata with the chain's properties (Ledger, polkadot.js `mode: 1`)
// must get the same digest, so there must be exactly one definition.
//
// Plain constants only: no `use`, no dependencies, no inner doc comments (`//!`), or the
// build script's `include!` breaks.

/// Decimals of the native token, as shown by wallets.
pub const TOKEN_DECIMALS: u8 = 12;
/// Symbol of the native token, as shown by wallets.
pub const TOKEN_SYMBOL: &str = "TEEID";
