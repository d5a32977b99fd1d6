//! DID resolution latency against a running archive node, for DIDs with different numbers of
//! changes: the current state through the `DidApi` runtime API, and the full DID document
//! with its history through the linked-event walk (what `teeid-resolve` and the worker's
//! resolver routes do).
//!
//! `cargo bench -p teeid-did-resolver --bench resolution -- --state FILE [--samples N]`
//!
//! `FILE` is the JSON that `npm run bench:did-history -- --keep --state FILE` writes: the
//! node's URL and one DID per number of changes. Prints one JSON object with the median, p90,
//! minimum and maximum latency in milliseconds per DID and per kind of resolution.

use std::time::{Duration, Instant};
use teeid_did_resolver::{
	resolve::{history, resolve},
	source::{ChainSource, RpcSource},
	Did,
};

fn arg(name: &str) -> Option<String> {
	let args: Vec<String> = std::env::args().collect();
	args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

/// Median, p90, minimum and maximum of `samples`, in milliseconds.
fn summary(mut samples: Vec<Duration>) -> serde_json::Value {
	samples.sort();
	let ms = |d: Duration| (d.as_secs_f64() * 1e5).round() / 100.0;
	let at = |p: f64| ms(samples[((samples.len() - 1) as f64 * p).round() as usize]);
	serde_json::json!({
		"median_ms": at(0.5),
		"p90_ms": at(0.9),
		"min_ms": ms(samples[0]),
		"max_ms": ms(samples[samples.len() - 1]),
		"samples": samples.len(),
	})
}

/// Times `samples` runs of `f` after three warm-ups.
async fn time<F, Fut, T, E>(samples: usize, mut f: F) -> serde_json::Value
where
	F: FnMut() -> Fut,
	Fut: core::future::Future<Output = Result<T, E>>,
	E: std::fmt::Display,
{
	let mut run = async || {
		let began = Instant::now();
		if let Err(e) = f().await {
			panic!("resolution failed: {e}");
		}
		began.elapsed()
	};
	for _ in 0..3 {
		run().await;
	}
	let mut out = Vec::with_capacity(samples);
	for _ in 0..samples {
		out.push(run().await);
	}
	summary(out)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
	let state = arg("--state").expect("--state FILE (from npm run bench:did-history -- --keep)");
	let samples: usize = arg("--samples").map_or(20, |s| s.parse().expect("--samples N"));
	let state: serde_json::Value =
		serde_json::from_slice(&std::fs::read(&state).expect("the state file")).expect("JSON");
	let url = state["url"].as_str().expect("url");
	let source = RpcSource::connect(url).await.expect("the node answers");
	let dids = state["dids"].as_object().expect("dids");

	let mut results = serde_json::Map::new();
	for (changes, did) in dids {
		let did = did.as_str().expect("a DID");
		let account = did.parse::<Did>().expect("a did:teeid DID").0;
		let current = time(samples, || async {
			let best = source.block_hash(None).await?.expect("a best block");
			source.did_state(&account, best).await
		})
		.await;
		let walked = history(&source, did).await.expect("the history").len();
		let document = time(samples, || resolve(&source, did, None)).await;
		let walk = time(samples, || history(&source, did)).await;
		results.insert(
			changes.clone(),
			serde_json::json!({
				"did": did,
				"changes_walked": walked,
				"current_state": current,
				"document_with_history": document,
				"history_walk": walk,
			}),
		);
	}
	println!("{}", serde_json::Value::Object(results));
}
