//! The TA's memory limits through the simulation process, which runs it under OP-TEE's TA heap:
//! issue 20's table of request shapes, the protocol's maximum sizes and the worst legal
//! requests (credentials of both formats, status lists of the most entries in both forms) are
//! all answered (issued and presentable, or refused with `TooLarge`) and the TA lives on; in a
//! heap too small for a request, the TA dies as it does under OP-TEE.

mod shapes;

use shapes::*;
use sp_core::H256;
use std::{
	io::Read,
	os::unix::process::ExitStatusExt,
	path::{Path, PathBuf},
	process::{Command as Process, Stdio},
	time::{Duration, Instant},
};
use teeid_primitives::json::Value;
use teeid_ta_protocol::{
	decode_response,
	disclosure::verify_presentation,
	limits::{MAX_CLAIMS_DEPTH, MAX_CREDENTIAL_BYTES, MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES},
	status_list::{StatusListFormat, MAX_STATUS_LIST_BITS},
	Command, Reply, Response, TaError,
};
use teeid_ta_sim::client::{ClientError, SimClient, SimProcess};

const GENESIS: H256 = H256([0x11; 32]);

fn binary() -> PathBuf {
	PathBuf::from(env!("CARGO_BIN_EXE_teeid-ta-sim"))
}

/// Sends `request` (encoded) on a new session and decodes the answer.
fn answer(sim: &SimProcess, request: &[u8]) -> Response {
	let output = sim.client().expect("a session").invoke_raw(request).expect("the TA answers");
	decode_response(&output).expect("the answer decodes")
}

fn call(sim: &SimProcess, command: Command) -> Response {
	answer(sim, &encode(command))
}

/// The TA still serves: a new session gets its identity.
fn alive(sim: &SimProcess, after: &str) {
	let identity = call(sim, Command::Identity);
	assert!(matches!(identity, Ok(Reply::Identity(_))), "after {after}: {identity:?}");
}

fn refused(sim: &SimProcess, what: &str, request: &[u8]) {
	assert_eq!(answer(sim, request), Err(TaError::TooLarge), "{what}");
	alive(sim, what);
}

/// Issues `claims`, then presents all of them and verifies the presentation.
fn issues_and_presents(sim: &SimProcess, what: &str, claims: Vec<u8>) {
	let names = claim_names(&claims);
	let credential = match call(sim, issuance(claims)) {
		Ok(Reply::Credential(issued)) => issued.credential,
		other => panic!("{what}: {other:?}"),
	};
	assert!(credential.len() <= MAX_CREDENTIAL_BYTES, "{what}: {} bytes", credential.len());
	let presentation = match call(sim, presentation(credential, names)) {
		Ok(Reply::Presentation(presentation)) => presentation,
		other => panic!("{what}, presented: {other:?}"),
	};
	let presentation = Value::parse(&presentation).unwrap_or_else(|e| panic!("{what}: {e:?}"));
	verify_presentation(&presentation, CHALLENGE, DOMAIN).unwrap_or_else(|e| panic!("{what}: {e}"));
	alive(sim, what);
}

#[test]
fn every_request_shape_is_answered_and_the_ta_lives_on_works() {
	let dir = tempfile::tempdir().unwrap();
	let sim = SimProcess::spawn(&binary(), dir.path(), &dir.path().join("ta.sock")).unwrap();
	call(&sim, Command::CreateNetworkKey { genesis_hash: GENESIS }).unwrap();

	// Issue 20's table, each of which killed the TA under OP-TEE's heap (the requests of over
	// 160 KiB are over the request limit now, and skipped unread).
	for kib in [32, 64, 128, 256] {
		refused(&sim, &format!("{kib} KiB of zeros"), &encode(issuance(zeros(kib * 1024))));
	}
	for kib in [192, 256] {
		refused(&sim, &format!("a string of {kib} KiB"), &encode(issuance(one_string(kib * 1024))));
	}
	// Whatever is issued presents: the deepest claims, and the largest credentials, by values
	// and by bytes; one level deeper is refused.
	issues_and_presents(&sim, "claims at the depth limit", nested(MAX_CLAIMS_DEPTH));
	refused(&sim, "claims past the depth limit", &encode(issuance(nested(MAX_CLAIMS_DEPTH + 1))));
	issues_and_presents(&sim, "the most values", many_strings());
	issues_and_presents(&sim, "the most bytes", longest());
	refused(&sim, "claims longer once canonical", &encode(issuance(expanding())));
	// The same worst claims as SD-JWT VCs, and the most disclosures one can have.
	for (what, claims) in [
		("an SD-JWT VC of the most values", many_strings()),
		("an SD-JWT VC of the most bytes", longest()),
		("an SD-JWT VC of the most claims", most_claims()),
	] {
		let answer = call(&sim, sd_jwt_issuance(claims));
		assert!(matches!(answer, Ok(Reply::Credential(_))), "{what}: {answer:?}");
		alive(&sim, what);
	}
	// Status lists of the most entries, none of which compress, in both forms; one byte more
	// is refused by its size.
	for format in [StatusListFormat::Bitstring, StatusListFormat::Token] {
		let answer = call(&sim, status_list(format, largest_list()));
		let Ok(Reply::StatusList(issued)) = answer else { panic!("{format:?}: {answer:?}") };
		assert!(issued.credential.len() <= MAX_RESPONSE_BYTES, "{format:?}");
		alive(&sim, "the largest status list");
		let over = status_list(format, vec![0; MAX_STATUS_LIST_BITS / 8 + 1]);
		assert_eq!(call(&sim, over), Err(TaError::BadStatusList), "{format:?}");
		alive(&sim, "a status list over the most entries");
	}

	// The protocol's maxima.
	for total in [MAX_REQUEST_BYTES, MAX_REQUEST_BYTES + 1, 256 * 1024] {
		refused(&sim, &format!("a request of {total} bytes"), &issuance_of(total));
	}
	refused(&sim, "a request that decodes past its budget", &decode_bomb());
	// As under OP-TEE, a request over the limit does not end its session.
	let mut session = sim.client().unwrap();
	let output = session.invoke_raw(&issuance_of(MAX_REQUEST_BYTES + 1)).unwrap();
	assert_eq!(decode_response(&output).unwrap(), Err(TaError::TooLarge));
	assert!(matches!(session.invoke(Command::Identity), Ok(Reply::Identity(_))));
	let credential = one_string(MAX_CREDENTIAL_BYTES + 1);
	refused(&sim, "a credential too large", &encode(presentation(credential, vec!["text".into()])));
}

/// Starts `teeid-ta-sim serve` with a TA heap of `heap_bytes` and waits until it accepts
/// sessions.
fn serve_in_heap(dir: &Path, heap_bytes: usize) -> std::process::Child {
	let socket = dir.join("ta.sock");
	let mut child = Process::new(binary())
		.arg("serve")
		.arg("--state-dir")
		.arg(dir)
		.arg("--socket")
		.arg(&socket)
		.arg("--heap-bytes")
		.arg(heap_bytes.to_string())
		.stdin(Stdio::null())
		.stdout(Stdio::null())
		.stderr(Stdio::piped())
		.spawn()
		.expect("the simulation starts");
	// The first start generates the simulated device key, which takes a few seconds.
	let deadline = Instant::now() + Duration::from_secs(120);
	while SimClient::connect(&socket).is_err() {
		assert!(child.try_wait().unwrap().is_none(), "the simulation exited");
		assert!(Instant::now() < deadline, "the simulation did not start");
		std::thread::sleep(Duration::from_millis(50));
	}
	child
}

#[test]
fn an_allocation_past_the_heap_kills_the_ta_works() {
	let dir = tempfile::tempdir().unwrap();
	// 128 KiB: enough to start and to create a network key, not for a 64 KiB claim (the TA's
	// copy of the request and what it decodes to are already more).
	let mut child = serve_in_heap(dir.path(), 128 * 1024);
	let mut client = SimClient::connect(&dir.path().join("ta.sock")).unwrap();
	client.invoke(Command::CreateNetworkKey { genesis_hash: GENESIS }).unwrap();
	let lost = client.invoke(issuance(longest()));
	assert!(matches!(lost, Err(ClientError::Io(_))), "{lost:?}");
	// As OP-TEE's TA panics on a failed allocation: the process aborts.
	let status = child.wait().unwrap();
	assert_eq!(status.signal(), Some(6), "killed by SIGABRT: {status}");
	let mut log = String::new();
	child.stderr.take().unwrap().read_to_string(&mut log).unwrap();
	assert!(log.contains("memory allocation of"), "{log}");

	// In OP-TEE's heap the same request is served: the heap, not the request, killed it.
	let sim = SimProcess::spawn(&binary(), dir.path(), &dir.path().join("ta.sock")).unwrap();
	issues_and_presents(&sim, "the most bytes, after the restart", longest());
}
