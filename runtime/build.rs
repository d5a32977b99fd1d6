//! Builds the runtime to wasm; with `metadata-hash` also computes the metadata hash that the
//! `CheckMetadataHash` extension commits to.
//!
//! Beside the runtime's own blob in `wbuild/teeid-runtime/`, it builds the two the end-to-end
//! suite upgrades a running chain with: `teeid_runtime_upgrade_test` (the `upgrade-test` feature:
//! the same runtime one `spec_version` up, with its metadata hash too), the code it upgrades to,
//! and `teeid_runtime_upgrade_test_try_runtime` (the same with `try-runtime`, without the hash),
//! which `teeid-node try-runtime` runs the upgrade's migrations and checks with first.

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

	// The builder copies each blob it makes to `WASM_TARGET_DIRECTORY` under the runtime's own
	// name (`teeid_runtime.wasm`), whatever its file name: only the runtime's own build may.
	let target_directory = std::env::var_os("WASM_TARGET_DIRECTORY");
	std::env::remove_var("WASM_TARGET_DIRECTORY");

	// The test runtimes first, so that the runtime's own blob is the last one linked.
	forget_linked_blob();
	WasmBuilder::init_with_defaults()
		.enable_feature("upgrade-test")
		.enable_feature("try-runtime")
		.set_file_name("teeid_runtime_upgrade_test_try_runtime")
		.build();

	forget_linked_blob();
	with_metadata_hash(
		WasmBuilder::init_with_defaults()
			.enable_feature("upgrade-test")
			.set_file_name("teeid_runtime_upgrade_test"),
	)
	.build();

	if let Some(directory) = target_directory {
		std::env::set_var("WASM_TARGET_DIRECTORY", directory);
	}
	forget_linked_blob();
	with_metadata_hash(WasmBuilder::init_with_defaults()).build();
}

/// `builder`, with the metadata hash that `CheckMetadataHash` commits to when the feature is on.
#[cfg(feature = "std")]
fn with_metadata_hash(
	builder: substrate_wasm_builder::WasmBuilder,
) -> substrate_wasm_builder::WasmBuilder {
	#[cfg(feature = "metadata-hash")]
	let builder = builder.enable_metadata_hash(token::TOKEN_SYMBOL, token::TOKEN_DECIMALS);
	builder
}

/// Removes the wasm that the builder's project links (`wbuild/teeid-runtime/target/<wasm
/// target>/<profile>/teeid_runtime.wasm`, and its copy in `deps`) before a build of it.
///
/// Every build links it to the same path, as the project's crate with different features, and
/// cargo keeps a fingerprint for each feature set: when the build script runs again with nothing
/// of the runtime changed (after `SKIP_WASM_BUILD` was set for a check, say), cargo would find
/// a build's fingerprint fresh and leave the last build's wasm in place, which the builder
/// would then copy as this one's blob. A missing output makes cargo link it again (a
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
