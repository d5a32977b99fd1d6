//! Credential issuance against the simulated TA as the worker sees it: a separate
//! `teeid-ta-sim` process, one session per client thread, every request encoded, framed,
//! sent over the Unix socket, executed by the single TA instance and answered.
//!
//! `cargo bench -p teeid-ta-sim --bench socket -- [--count N] [--clients C] [--runs R]`
//!
//! Prints one JSON object: credentials per second (the median of R runs of N issuances each)
//! and per-request latency percentiles over all runs. Run it under `taskset -c 0` to confine
//! both the clients and the simulation (which inherits the affinity) to one core.

use codec::Encode;
use sp_core::H256;
use std::{
	path::PathBuf,
	thread,
	time::{Duration, Instant},
};
use teeid_ta_core::testing::issuance_request;
use teeid_ta_protocol::{decode_response, Command, Reply, Request};
use teeid_ta_sim::client::SimProcess;

/// The value after `name` on the command line, if any.
fn flag(name: &str, default: usize) -> usize {
	let args: Vec<String> = std::env::args().collect();
	args.iter()
		.position(|a| a == name)
		.and_then(|i| args.get(i + 1))
		.map(|v| v.parse().unwrap_or_else(|_| panic!("{name} takes a number, not {v}")))
		.unwrap_or(default)
}

/// Issues `count` credentials from `clients` sessions at once; returns the wall time and
/// every request's latency.
fn run(sim: &SimProcess, count: usize, clients: usize, first: u64) -> (Duration, Vec<Duration>) {
	let per_client = count / clients;
	let start = Instant::now();
	let latencies = thread::scope(|scope| {
		let workers: Vec<_> = (0..clients)
			.map(|c| {
				let mut session = sim.client().expect("a session");
				scope.spawn(move || {
					let base = first + (c * per_client) as u64;
					(0..per_client as u64)
						.map(|i| {
							let began = Instant::now();
							let request =
								Request::new(Command::IssueCredential(issuance_request(base + i)));
							let response =
								session.invoke_raw(&request.encode()).expect("the TA answers");
							match decode_response(&response) {
								Ok(Ok(Reply::Credential(_))) => began.elapsed(),
								other => panic!("the TA refused a valid issuance: {other:?}"),
							}
						})
						.collect::<Vec<_>>()
				})
			})
			.collect();
		workers.into_iter().flat_map(|w| w.join().expect("a client thread")).collect()
	});
	(start.elapsed(), latencies)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
	let index = ((sorted.len() - 1) as f64 * p).round() as usize;
	sorted[index].as_secs_f64() * 1e6
}

fn main() {
	let count = flag("--count", 20_000);
	let clients = flag("--clients", 1).max(1);
	let runs = flag("--runs", 5).max(1);
	let dir = tempfile::tempdir().expect("a temporary directory");
	let binary = PathBuf::from(env!("CARGO_BIN_EXE_teeid-ta-sim"));
	let sim = SimProcess::spawn(&binary, dir.path(), &dir.path().join("ta.sock"))
		.expect("the simulation starts");
	sim.client()
		.expect("a session")
		.invoke(Command::CreateNetworkKey { genesis_hash: H256([1; 32]) })
		.expect("a network key");

	run(&sim, 500.max(clients), clients, 0);
	let mut rates = Vec::new();
	let mut latencies = Vec::new();
	for r in 0..runs {
		let (elapsed, mut run_latencies) = run(&sim, count, clients, ((r + 1) * count) as u64);
		rates.push(run_latencies.len() as f64 / elapsed.as_secs_f64());
		latencies.append(&mut run_latencies);
	}
	sim.stop().expect("the simulation stops");
	rates.sort_by(f64::total_cmp);
	latencies.sort();
	println!(
		"{{\"issuances_per_run\":{},\"clients\":{clients},\"runs\":{runs},\
		 \"per_second_median\":{:.0},\"per_second_min\":{:.0},\"per_second_max\":{:.0},\
		 \"latency_us\":{{\"median\":{:.1},\"p90\":{:.1},\"p99\":{:.1}}}}}",
		count / clients * clients,
		rates[rates.len() / 2],
		rates[0],
		rates[rates.len() - 1],
		percentile(&latencies, 0.5),
		percentile(&latencies, 0.9),
		percentile(&latencies, 0.99),
	);
}
