//! Generates the TA header (UUID, flags, stack and heap sizes) and, when a TA dev kit is given
//! (`TA_DEV_KIT_DIR`), links the TA with its linker script and libutee.

use optee_utee_build::{Builder, Error, HeaderFileGenerator, TaConfig};
use std::{env, fs, path::PathBuf};

/// The TA's memory budget, defined once in the protocol crate: the heap the request limits are
/// sized for, and the cap the simulation runs the TA under.
#[allow(dead_code)]
mod limits {
	include!("../protocol/src/limits.rs");
}

// From OP-TEE's `user_ta_header.h`.
const TA_FLAG_SINGLE_INSTANCE: u32 = 1 << 2;
const TA_FLAG_MULTI_SESSION: u32 = 1 << 3;
const TA_FLAG_INSTANCE_KEEP_ALIVE: u32 = 1 << 4;

/// The TA's UUID is defined once, in the protocol crate both sides share; read it from there.
fn ta_uuid() -> String {
	let source = "../protocol/src/lib.rs";
	println!("cargo:rerun-if-changed={source}");
	let text = fs::read_to_string(source).expect("the protocol crate is beside the TA");
	let line = text
		.lines()
		.find(|line| line.starts_with("pub const TA_UUID: &str = \""))
		.expect("the protocol crate defines TA_UUID");
	line.split('"').nth(1).expect("a quoted UUID").to_string()
}

/// A size as the TA header spells it (32 bits).
fn header_size(bytes: usize) -> u32 {
	u32::try_from(bytes).expect("the TA's heap and stack sizes fit the header's 32 bits")
}

fn main() -> Result<(), Error> {
	let config = TaConfig::new_default_with_cargo_env(&ta_uuid())?
		// One instance for all sessions, kept alive between them: the TA's unsealed state (keys,
		// counters) exists once, so no session can seal a stale copy over another's update.
		.ta_flags(TA_FLAG_SINGLE_INSTANCE | TA_FLAG_MULTI_SESSION | TA_FLAG_INSTANCE_KEEP_ALIVE)
		// Credentials, schemas and presentations are built in memory, in a heap every legal
		// request fits with margin (see the protocol crate's `limits`).
		.ta_data_size(header_size(limits::TA_HEAP_BYTES))
		.ta_stack_size(header_size(limits::TA_STACK_BYTES));
	println!("cargo:rerun-if-changed=../protocol/src/limits.rs");
	println!("cargo:rerun-if-env-changed=TA_DEV_KIT_DIR");
	if env::var_os("TA_DEV_KIT_DIR").is_some() {
		Builder::new(config).build()
	} else {
		// No dev kit: generate the header only, enough for `cargo check --features no_link`.
		let out = PathBuf::from(env::var("OUT_DIR")?).join("user_ta_header.rs");
		fs::write(out, HeaderFileGenerator::new().generate(&config)?)?;
		Ok(())
	}
}
