//! The worker's chain client (`tee-worker`, subxt) is generated from
//! `tee-worker/metadata/teeid.scale`. This test fails when that file differs from this runtime's
//! metadata, so a runtime change cannot leave the worker speaking an old interface.
//! `scripts/metadata.sh` regenerates the file (it runs this test with
//! `TEEID_UPDATE_METADATA=1`). The test lives here, not in the worker, so that it runs even when
//! the worker no longer compiles against stale metadata.

use std::path::PathBuf;

/// The metadata version the client is generated from.
const VERSION: u32 = 16;

#[test]
fn committed_metadata_matches_the_runtime() {
	let current = teeid_runtime::Runtime::metadata_at_version(VERSION)
		.expect("the runtime serves metadata version 16");
	let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tee-worker/metadata/teeid.scale");
	if std::env::var_os("TEEID_UPDATE_METADATA").is_some() {
		std::fs::write(&path, &*current).expect("metadata file is writable");
		return;
	}
	let committed = std::fs::read(&path).expect("metadata/teeid.scale is committed");
	assert!(
		committed == *current,
		"tee-worker/metadata/teeid.scale is stale: run scripts/metadata.sh and rebuild the worker"
	);
}
