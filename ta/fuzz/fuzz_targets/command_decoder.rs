//! Any bytes, as a request: decoding never panics, and neither does the TA that receives them;
//! it always answers with a response that decodes.
//!
//! `cargo +nightly fuzz run command_decoder` (from `ta/`).

#![no_main]

use libfuzzer_sys::fuzz_target;
use sp_core::H256;
use std::cell::RefCell;
use teeid_ta_core::{testing::MemoryPlatform, Ta};
use teeid_ta_protocol::{decode_response, Command, Request};

thread_local! {
	/// One TA holding a network key, so that every command can get past its first check.
	static TA: RefCell<Ta<MemoryPlatform>> = RefCell::new({
		let mut ta = Ta::start(MemoryPlatform::new(1)).expect("a fresh TA starts");
		ta.execute(Command::CreateNetworkKey { genesis_hash: H256([1; 32]) })
			.expect("a network key");
		ta
	});
}

fuzz_target!(|data: &[u8]| {
	let decoded = Request::decode_bytes(data);
	let output = TA.with(|ta| ta.borrow_mut().invoke(data));
	let response = decode_response(&output).expect("every response decodes");
	if decoded.is_err() {
		assert_eq!(response.err(), decoded.err());
	}
});
