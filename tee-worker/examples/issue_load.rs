//! An open-loop load generator for `POST /v1/credentials`: it sends requests at a fixed rate,
//! whether or not earlier ones were answered, and times each from the moment it was *due*, so a
//! worker that falls behind shows in the latency instead of slowing the generator down (a
//! closed loop, which waits for answers, would hide it: coordinated omission).
//!
//! ```text
//! issue_load --url http://127.0.0.1:8080 --token TOKEN --bodies bodies.json --rate 5000 --seconds 10
//! ```
//!
//! `bodies.json` is a JSON array of request bodies, sent round-robin (one per credential format,
//! say). Prints one JSON object: the target and achieved rates, how many requests were sent and
//! answered 201, the other answers by status, and latency percentiles in ms. Requests still
//! unanswered 30 s after the last was sent count as `timedOut`.
//!
//! `scripts/bench.sh issue-api` runs it against a bootstrapped worker on an instant-seal chain
//! (`clients/js/bench/issue-api.js --rate`).

use std::{
	collections::BTreeMap,
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};

use anyhow::{bail, Context};
use clap::Parser;
use reqwest::{header, Url};
use serde_json::{json, Value};

/// The worker's allocator: the generator shares the cores it measures, and glibc malloc was a
/// fifth of its own CPU time (perf, at 5,000/s).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser)]
#[command(about = "Sends POST /v1/credentials at a fixed rate and reports rate and latency")]
struct Args {
	/// The worker's API base URL.
	#[arg(long)]
	url: String,
	/// A `sign` token of the issuer.
	#[arg(long)]
	token: String,
	/// A JSON file holding an array of request bodies, sent round-robin.
	#[arg(long)]
	bodies: std::path::PathBuf,
	/// Requests per second.
	#[arg(long)]
	rate: u32,
	/// How long to send, in seconds.
	#[arg(long, default_value_t = 10.0)]
	seconds: f64,
	/// How many requests to send first at the same rate, untimed (connections open, caches
	/// and pools fill); one second's worth by default. A shorter warm-up measures the start of
	/// a burst from idle: at 5,000/s the first half second's latencies reach 100 ms here.
	#[arg(long)]
	warmup: Option<u32>,
}

/// Where every request goes and the token it carries: parsed and formatted once, not per
/// request.
struct Target {
	url: Url,
	authorization: header::HeaderValue,
}

impl Target {
	fn new(args: &Args) -> anyhow::Result<Self> {
		let url = format!("{}/v1/credentials", args.url.trim_end_matches('/'));
		let url = Url::parse(&url).with_context(|| format!("--url {} is not a URL", args.url))?;
		let mut authorization = header::HeaderValue::try_from(format!("Bearer {}", args.token))
			.context("--token holds characters a header cannot carry")?;
		authorization.set_sensitive(true);
		Ok(Self { url, authorization })
	}
}

/// What the answers were.
#[derive(Default)]
struct Outcome {
	/// Latencies of the 201s, in µs from the moment each request was due.
	created: Vec<u64>,
	/// Other answers, by status (0: no answer, a connection error).
	others: BTreeMap<u16, u64>,
}

/// Sends `count` requests at `rate` from now, each body round-robin from `bodies`; records into
/// `outcome` if given. Returns when every request has been sent and answered (or timed out), and
/// how long the sending took.
async fn send(
	client: &reqwest::Client,
	args: &Args,
	target: &Target,
	bodies: &Arc<Vec<String>>,
	count: u32,
	outcome: Option<Arc<Mutex<Outcome>>>,
) -> Duration {
	let start = Instant::now();
	let interval = Duration::from_secs_f64(1.0 / f64::from(args.rate));
	let mut tasks = tokio::task::JoinSet::new();
	for i in 0..count {
		// Request i is due at start + i·interval: sleep until then (the timer wakes about once
		// a millisecond, so requests leave in small bursts, each still timed from its due time).
		let due = start + interval * i;
		tokio::time::sleep_until(due.into()).await;
		let request = client
			.post(target.url.clone())
			.header(header::AUTHORIZATION, target.authorization.clone())
			.header(header::CONTENT_TYPE, "application/json")
			.body(bodies[i as usize % bodies.len()].clone());
		let outcome = outcome.clone();
		tasks.spawn(async move {
			let status = match request.send().await {
				Ok(response) => {
					let status = response.status().as_u16();
					// The whole body is part of the answer.
					match response.bytes().await {
						Ok(_) => status,
						Err(_) => 0,
					}
				},
				Err(_) => 0,
			};
			if let Some(outcome) = outcome {
				let elapsed = due.elapsed().as_micros() as u64;
				let mut outcome = outcome.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
				if status == 201 {
					outcome.created.push(elapsed);
				} else {
					*outcome.others.entry(status).or_default() += 1;
				}
			}
		});
	}
	let sent = start.elapsed();
	let drained = async { while tasks.join_next().await.is_some() {} };
	let _ = tokio::time::timeout(Duration::from_secs(30), drained).await;
	sent
}

/// The `q` quantile of sorted samples (nearest rank), in ms.
fn quantile_ms(sorted: &[u64], q: f64) -> f64 {
	if sorted.is_empty() {
		return f64::NAN;
	}
	let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
	sorted[rank] as f64 / 1000.0
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
	let args = Args::parse();
	if args.rate == 0 || args.seconds.is_nan() || args.seconds <= 0.0 {
		bail!("--rate and --seconds must be positive");
	}
	let text = std::fs::read_to_string(&args.bodies)
		.with_context(|| format!("reading {}", args.bodies.display()))?;
	let Value::Array(bodies) = serde_json::from_str(&text).context("--bodies is not JSON")? else {
		bail!("--bodies must hold a JSON array of request bodies");
	};
	if bodies.is_empty() {
		bail!("--bodies holds no request body");
	}
	let target = Target::new(&args)?;
	let bodies: Arc<Vec<String>> = Arc::new(bodies.iter().map(Value::to_string).collect());
	let client = reqwest::Client::builder()
		.pool_max_idle_per_host(usize::MAX)
		.tcp_nodelay(true)
		.timeout(Duration::from_secs(30))
		.build()?;

	send(&client, &args, &target, &bodies, args.warmup.unwrap_or(args.rate), None).await;
	let count = (f64::from(args.rate) * args.seconds).round() as u32;
	let outcome = Arc::new(Mutex::new(Outcome::default()));
	let started = Instant::now();
	let sending = send(&client, &args, &target, &bodies, count, Some(outcome.clone())).await;
	let answered = started.elapsed();

	let mut outcome = outcome.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
	outcome.created.sort_unstable();
	let created = outcome.created.len() as u64;
	let answered_total = created + outcome.others.values().sum::<u64>();
	let report = json!({
		"targetRate": args.rate,
		"seconds": args.seconds,
		"sent": count,
		"created": created,
		"others": outcome.others.iter().map(|(status, n)| (status.to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
		"timedOut": u64::from(count) - answered_total,
		// Credentials per second over the whole run: from the first request's due time to the
		// last answer.
		"achievedRate": (created as f64 / answered.as_secs_f64()).round(),
		"sendingSeconds": (sending.as_secs_f64() * 1000.0).round() / 1000.0,
		"latencyMs": {
			"p50": quantile_ms(&outcome.created, 0.50),
			"p90": quantile_ms(&outcome.created, 0.90),
			"p99": quantile_ms(&outcome.created, 0.99),
			"p999": quantile_ms(&outcome.created, 0.999),
			"max": quantile_ms(&outcome.created, 1.0),
		},
	});
	println!("{report}");
	Ok(())
}
