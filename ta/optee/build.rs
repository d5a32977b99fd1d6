//! Generates the TA header (UUID, flags, stack and heap sizes) and the list of device
//! certifiers the TA accepts (from `TEEID_DEVICE_CERTIFIERS`), and, when a TA dev kit is given
//! (`TA_DEV_KIT_DIR`), links the TA with its linker script and libutee.

use optee_utee_build::{Builder, Error, HeaderFileGenerator, TaConfig};
use std::{
	env, fs,
	path::{Path, PathBuf},
};

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

/// The build-time variable naming the device certifiers the TA accepts: their Ed25519 public
/// keys, comma-separated, each 64 hex digits (with or without `0x`).
const CERTIFIERS_VARIABLE: &str = "TEEID_DEVICE_CERTIFIERS";

/// The certifier keys `text` lists. Anything but 64 hex digits between the commas fails the
/// build: a typo must not leave a TA that silently accepts fewer certifiers than meant.
fn parse_certifiers(text: &str) -> Result<Vec<[u8; 32]>, String> {
	if text.trim().is_empty() {
		return Ok(Vec::new());
	}
	text.split(',')
		.map(|item| {
			let item = item.trim();
			let hex = item.strip_prefix("0x").unwrap_or(item);
			let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
			if hex.len() != 64 {
				return Err(format!("`{item}` is not 64 hex digits"));
			}
			let mut key = [0u8; 32];
			for (byte, pair) in key.iter_mut().zip(hex.as_bytes().chunks(2)) {
				let high = digit(pair[0]).ok_or_else(|| format!("`{item}` is not hex"))?;
				let low = digit(pair[1]).ok_or_else(|| format!("`{item}` is not hex"))?;
				*byte = (high << 4) | low;
			}
			Ok(key)
		})
		.collect()
}

/// Writes `device_certifiers.rs` into `OUT_DIR`: the certifiers of `TEEID_DEVICE_CERTIFIERS`
/// as a constant the TA's code holds, so they are part of the measurement the chain allows.
fn write_certifiers(out_dir: &Path) {
	println!("cargo:rerun-if-env-changed={CERTIFIERS_VARIABLE}");
	let text = match env::var(CERTIFIERS_VARIABLE) {
		Ok(text) => text,
		Err(env::VarError::NotPresent) => String::new(),
		Err(env::VarError::NotUnicode(_)) => panic!("{CERTIFIERS_VARIABLE} is not text"),
	};
	let certifiers =
		parse_certifiers(&text).unwrap_or_else(|error| panic!("{CERTIFIERS_VARIABLE}: {error}"));
	if certifiers.is_empty() {
		println!(
			"cargo:warning={CERTIFIERS_VARIABLE} is empty: this TA accepts no device \
			 certificate, so it can neither report nor endorse (docs/operations.md)"
		);
	}
	let mut code = String::from(
		"/// The device certifiers this TA accepts (`TEEID_DEVICE_CERTIFIERS` at build time).\n\
		 pub const DEVICE_CERTIFIERS: &[[u8; 32]] = &[\n",
	);
	for key in &certifiers {
		let bytes: Vec<String> = key.iter().map(|byte| format!("{byte:#04x}")).collect();
		code.push_str(&format!("\t[{}],\n", bytes.join(", ")));
	}
	code.push_str("];\n");
	fs::write(out_dir.join("device_certifiers.rs"), code).expect("OUT_DIR is writable");
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
	let out_dir = PathBuf::from(env::var("OUT_DIR")?);
	write_certifiers(&out_dir);
	if env::var_os("TA_DEV_KIT_DIR").is_some() {
		Builder::new(config).build()
	} else {
		// No dev kit: generate the header only, enough for `cargo check --features no_link`.
		let out = out_dir.join("user_ta_header.rs");
		fs::write(out, HeaderFileGenerator::new().generate(&config)?)?;
		Ok(())
	}
}
