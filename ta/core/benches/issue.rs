//! Credential issuance (W3C and SD-JWT VC), presentation and status list signing against the
//! TA's logic, through the command protocol (encode, invoke, decode): what the simulation
//! process does per request, without the socket.
//!
//! `cargo bench -p teeid-ta-core --bench issue`

use codec::Encode;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use sp_core::H256;
use teeid_ta_core::{
	testing::{
		issuance_request as request, sd_jwt_issuance_request, status_list_request, MemoryPlatform,
	},
	Ta,
};
use teeid_ta_protocol::{
	disclosure::PresentationRequest,
	status_list::{StatusListFormat, MIN_STATUS_LIST_BITS},
	Command, Reply, Request,
};

fn ta() -> Ta<MemoryPlatform> {
	let mut ta = Ta::start(MemoryPlatform::new(1)).expect("starts");
	ta.execute(Command::CreateNetworkKey { genesis_hash: H256([1; 32]) }).expect("a network key");
	ta
}

fn issuance(c: &mut Criterion) {
	let mut ta = ta();
	let mut group = c.benchmark_group("ta");
	group.throughput(Throughput::Elements(1));
	let mut n = 0;
	group.bench_function("issue_credential", |b| {
		b.iter_batched(
			|| {
				n += 1;
				Request::new(Command::IssueCredential(request(n))).encode()
			},
			|bytes| ta.invoke(&bytes),
			BatchSize::SmallInput,
		)
	});

	let Ok(Reply::Credential(issued)) = ta.execute(Command::IssueCredential(request(0))) else {
		panic!("issues")
	};
	let present = Request::new(Command::Present(PresentationRequest {
		credential: issued.credential,
		holder: "did:teeid:5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty".into(),
		disclose: vec!["degree".into(), "year".into()],
		challenge: "challenge".into(),
		domain: "verifier.example".into(),
		created: "2026-11-21T11:00:00Z".into(),
	}))
	.encode();
	group.bench_function("present_two_claims", |b| b.iter(|| ta.invoke(&present)));

	group.bench_function("issue_sd_jwt_vc", |b| {
		b.iter_batched(
			|| {
				n += 1;
				Request::new(Command::IssueCredential(sd_jwt_issuance_request(n))).encode()
			},
			|bytes| ta.invoke(&bytes),
			BatchSize::SmallInput,
		)
	});

	// The smallest list with one entry in a hundred revoked, as each form.
	let mut bits = vec![0u8; MIN_STATUS_LIST_BITS / 8];
	for byte in bits.iter_mut().step_by(12) {
		*byte = 0x10;
	}
	for (name, format) in [
		("sign_status_list_bitstring", StatusListFormat::Bitstring),
		("sign_status_list_token", StatusListFormat::Token),
	] {
		let list = Request::new(Command::SignStatusList(status_list_request(format, bits.clone())))
			.encode();
		group.bench_function(name, |b| b.iter(|| ta.invoke(&list)));
	}
	group.finish();
}

criterion_group!(benches, issuance);
criterion_main!(benches);
