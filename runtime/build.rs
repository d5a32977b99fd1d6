//! Builds the runtime to wasm; with `metadata-hash` also computes the metadata hash that the
//! `CheckMetadataHash` extension commits to.

/// `TOKEN_SYMBOL` and `TOKEN_DECIMALS`, the very definitions the chain's properties use
/// (`teeid_primitives`): the digest hashes them in, and a wallet recomputes it from the
/// properties, so any difference fails every transaction signed with the hash.
#[cfg(all(feature = "std", feature = "metadata-hash"))]
mod token {
	include!("../primitives/src/token.rs");
}

#[cfg(all(feature = "std", feature = "metadata-hash"))]
fn main() {
	substrate_wasm_builder::WasmBuilder::init_with_defaults()
		.enable_metadata_hash(token::TOKEN_SYMBOL, token::TOKEN_DECIMALS)
		.build();
}

#[cfg(all(feature = "std", not(feature = "metadata-hash")))]
fn main() {
	substrate_wasm_builder::WasmBuilder::build_using_defaults();
}

/// The wasm builder is deactivated when compiling this crate for wasm itself.
#[cfg(not(feature = "std"))]
fn main() {}
