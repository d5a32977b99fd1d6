//! The TA core's peak heap for each request shape, counted as the simulation counts it (OP-TEE's
//! per-allocation overhead included, the TA's copy of the request included): every legal
//! request peaks within its budget, half the TA's heap. The figures print as a Markdown table
//! (`cargo test --release -p teeid-ta-sim --test heap -- --nocapture`) and, when
//! `TEEID_HEAP_REPORT` names a file, are written there as JSON, which `scripts/bench.sh heap`
//! renders into docs/benchmarks.md.
//!
//! The TA runs in this test process, on the in-memory platform, under this binary's global
//! allocator; one test only, since the count is the process's.

mod shapes;

use shapes::*;
use std::path::Path;
use teeid_ta_core::{testing::MemoryPlatform, Ta};
use teeid_ta_protocol::{
	decode_response,
	limits::{MAX_CLAIMS_DEPTH, MAX_REQUEST_BYTES, TA_HEAP_BYTES, TA_REQUEST_BUDGET_BYTES},
	status_list::{StatusListFormat, MAX_STATUS_LIST_BITS},
	Command, Reply, Response, TaError,
};
use teeid_ta_sim::heap::{self, TaHeap};

/// Uncapped, so that every figure is measured (the cap itself is tested through the process).
#[global_allocator]
static HEAP: TaHeap = TaHeap::new(usize::MAX);

/// The environment variable naming a file for the figures as JSON.
const REPORT_VARIABLE: &str = "TEEID_HEAP_REPORT";

/// One request measured, in bytes as the simulation charges them.
struct Row {
	request: String,
	request_bytes: usize,
	peak_bytes: usize,
	held_after_bytes: usize,
}

/// A TA and the peaks it reached.
struct Meter {
	ta: Ta<MemoryPlatform>,
	rows: Vec<Row>,
}

impl Meter {
	/// Invokes `request` as the simulation does and records its peak and what the TA holds
	/// after it.
	fn run(&mut self, what: &str, request: Vec<u8>) -> Response {
		HEAP.reset_peak();
		let output = heap::invoke(&mut self.ta, &request);
		let (peak, resident) = (HEAP.peak(), HEAP.used());
		self.rows.push(Row {
			request: what.to_owned(),
			request_bytes: request.len(),
			peak_bytes: peak,
			held_after_bytes: resident,
		});
		assert!(
			peak <= TA_REQUEST_BUDGET_BYTES,
			"{what}: {peak} bytes at its peak, over the budget of {TA_REQUEST_BUDGET_BYTES}"
		);
		decode_response(&output).expect("the answer decodes")
	}

	/// Issues `claims` and presents all of them, measuring both.
	fn issue_and_present(&mut self, what: &str, claims: Vec<u8>) {
		let names = claim_names(&claims);
		let answer = self.run(&format!("issue: {what}"), encode(issuance(claims)));
		let Ok(Reply::Credential(issued)) = answer else { panic!("{what}: {answer:?}") };
		let presented =
			self.run(&format!("present: {what}"), encode(presentation(issued.credential, names)));
		assert!(matches!(presented, Ok(Reply::Presentation(_))), "{what}: {presented:?}");
	}

	/// Issues `claims` as an SD-JWT VC.
	fn issue_sd_jwt(&mut self, what: &str, claims: Vec<u8>) {
		let answer = self.run(&format!("issue SD-JWT VC: {what}"), encode(sd_jwt_issuance(claims)));
		assert!(matches!(answer, Ok(Reply::Credential(_))), "{what}: {answer:?}");
	}

	/// Signs `bits` as a status list of each format.
	fn sign_lists(&mut self, what: &str, bits: Vec<u8>) {
		for format in [StatusListFormat::Bitstring, StatusListFormat::Token] {
			let what = format!("status list ({format:?}): {what}");
			let answer = self.run(&what, encode(status_list(format, bits.clone())));
			assert!(matches!(answer, Ok(Reply::StatusList(_))), "{what}: {answer:?}");
		}
	}

	fn refused(&mut self, what: &str, request: Vec<u8>) {
		assert_eq!(self.run(&format!("refused: {what}"), request), Err(TaError::TooLarge));
	}
}

fn kib(bytes: usize) -> String {
	format!("{:.1} KiB", bytes as f64 / 1024.0)
}

/// Writes the figures to `path` as one JSON object, in bytes: the TA's heap, the budget of a
/// request, what the TA holds once started, and a row per request.
fn write_report(path: &Path, started: usize, rows: &[Row]) {
	let rows: Vec<serde_json::Value> = rows
		.iter()
		.map(|row| {
			serde_json::json!({
				"request": row.request,
				"request_bytes": row.request_bytes,
				"peak_bytes": row.peak_bytes,
				"held_after_bytes": row.held_after_bytes,
			})
		})
		.collect();
	let report = serde_json::json!({
		"heap_bytes": TA_HEAP_BYTES,
		"request_budget_bytes": TA_REQUEST_BUDGET_BYTES,
		"held_after_start_bytes": started,
		"rows": rows,
	});
	std::fs::write(path, report.to_string())
		.unwrap_or_else(|error| panic!("writing the report to {}: {error}", path.display()));
}

#[test]
fn every_request_peaks_within_the_budget_works() {
	let ta = heap::metered(|| Ta::start(MemoryPlatform::new(1))).expect("a TA starts");
	let started = HEAP.used();
	let mut meter = Meter { ta, rows: Vec::new() };
	assert!(meter.run("identity", encode(Command::Identity)).is_ok());
	let genesis = sp_core::H256([0x11; 32]);
	let created = meter
		.run("create a network key", encode(Command::CreateNetworkKey { genesis_hash: genesis }));
	assert!(created.is_ok(), "{created:?}");

	meter.issue_and_present("two claims", br#"{"name":"Alice","degree":"MSc"}"#.to_vec());
	meter.issue_and_present("claims at the depth limit", nested(MAX_CLAIMS_DEPTH));
	meter.issue_and_present("the most values (64 KiB of short strings)", many_strings());
	meter.issue_and_present("the most bytes (one 64 KiB string)", longest());
	meter.issue_sd_jwt("the most values (64 KiB of short strings)", many_strings());
	meter.issue_sd_jwt("the most bytes (one 64 KiB string)", longest());
	meter.issue_sd_jwt("the most claims (256 strings, 64 KiB)", most_claims());
	meter.sign_lists("the fewest entries, none set", vec![0; 131_072 / 8]);
	meter.sign_lists("1,048,576 entries, half set at random", largest_list());
	let over = encode(status_list(StatusListFormat::Token, vec![0; MAX_STATUS_LIST_BITS / 8 + 1]));
	assert_eq!(
		meter.run("refused: a status list one byte over", over),
		Err(TaError::BadStatusList)
	);

	meter.refused("32 KiB of zeros", encode(issuance(zeros(32 * 1024))));
	meter.refused("64 KiB of zeros", encode(issuance(zeros(64 * 1024))));
	meter.refused("claims longer once canonical", encode(issuance(expanding())));
	meter.refused("a request of the largest size", issuance_of(MAX_REQUEST_BYTES));
	meter.refused("a request that decodes past its budget", decode_bomb());

	println!(
		"TA heap {}, budget per request {}, held after start {}",
		kib(TA_HEAP_BYTES),
		kib(TA_REQUEST_BUDGET_BYTES),
		kib(started)
	);
	println!("| request | bytes | peak of the TA's heap | held after |");
	println!("|---|---|---|---|");
	for row in &meter.rows {
		println!(
			"| {} | {} | {} | {} |",
			row.request,
			kib(row.request_bytes),
			kib(row.peak_bytes),
			kib(row.held_after_bytes)
		);
	}
	if let Some(path) = std::env::var_os(REPORT_VARIABLE).filter(|path| !path.is_empty()) {
		write_report(Path::new(&path), started, &meter.rows);
	}
}
