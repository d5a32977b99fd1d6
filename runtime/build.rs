//! Builds the runtime to wasm; with `metadata-hash` also computes the metadata hash that the
//! `CheckMetadataHash` extension commits to.
//!
//! It also builds the runtime a second time with the `upgrade-test` feature (the same runtime one
//! `spec_version` up), as `wbuild/teeid-runtime/teeid_runtime_upgrade_test.compact.compressed.wasm`
//! beside the runtime's own blob: the code the end-to-end suite upgrades a running chain to.

/// `TOKEN_SYMBOL` and `TOKEN_DECIMALS`, the very definitions the chain's properties use
/// (`teeid_primitives`): the digest hashes them in, and a wallet recomputes it from the
/// properties, so any difference fails every transaction signed with the hash.
#[cfg(all(feature = "std", feature = "metadata-hash"))]
mod token {
	include!("../primitives/src/token.rs");
}

#[cfg(feature = "std")]
fn main() {
	use substrate_wasm_builder::WasmBuilder;

	// First, so that the runtime's own blob is the last one linked.
	forget_linked_blob();
	WasmBuilder::init_with_defaults()
		.enable_feature("upgrade-test")
		.set_file_name("teeid_runtime_upgrade_test")
		.build();

	forget_linked_blob();
	let runtime = WasmBuilder::init_with_defaults();
	#[cfg(feature = "metadata-hash")]
	let runtime = runtime.enable_metadata_hash(token::TOKEN_SYMBOL, token::TOKEN_DECIMALS);
	runtime.build();
}

/// Removes the wasm that the builder's project links (`wbuild/teeid-runtime/target/<wasm
/// target>/<profile>/teeid_runtime.wasm`, and its copy in `deps`) before a build of it.
///
/// Both builds link it to the same path, as the project's crate with different features, and
/// cargo keeps a fingerprint for each feature set: when the build script runs again with nothing
/// of the runtime changed (after `SKIP_WASM_BUILD` was set for a check, say), cargo would find
/// the first build's fingerprint fresh and leave the other build's wasm in place, which the
/// builder would then copy as this one's blob. A missing output makes cargo link it again (a
/// link, not a compile: each feature set's runtime library is kept).
#[cfg(feature = "std")]
fn forget_linked_blob() {
	use std::path::PathBuf;

	// The wasm builder's own rule: its workspace is the directory above `OUT_DIR`'s `build`.
	let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
	let Some(profile_dir) =
		out_dir.ancestors().find(|dir| dir.ends_with("build")).and_then(|build| build.parent())
	else {
		return;
	};
	let targets = profile_dir.join("wbuild").join("teeid-runtime").join("target");
	// `<wasm target>/<profile>/` and `<wasm target>/<profile>/deps/`, whichever exist.
	let subdirs = |dir: PathBuf| {
		std::fs::read_dir(dir).into_iter().flatten().flatten().map(|entry| entry.path())
	};
	for profile in subdirs(targets).flat_map(subdirs) {
		for linked in
			[profile.join("teeid_runtime.wasm"), profile.join("deps").join("teeid_runtime.wasm")]
		{
			if linked.is_file() {
				std::fs::remove_file(&linked)
					.unwrap_or_else(|error| panic!("cannot remove {}: {error}", linked.display()));
			}
		}
	}
}

/// The wasm builder is deactivated when compiling this crate for wasm itself.
#[cfg(not(feature = "std"))]
fn main() {}
