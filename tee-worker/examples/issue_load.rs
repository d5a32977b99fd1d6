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
	net::SocketAddr,
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};

use anyhow::{bail, Context};
use clap::Parser;
use reqwest::Url;
use serde_json::{json, Value};
use tokio::{
	io::{AsyncReadExt, AsyncWriteExt},
	net::TcpStream,
};

/// The worker's allocator: the generator shares the cores it measures, and glibc malloc was a
/// fifth of its own CPU time (perf, at 5,000/s).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// The most header lines an answer may carry, and the most bytes of its head: the worker's
/// answers carry a handful.
const MAX_HEADERS: usize = 32;
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// The most bytes an answer's body may announce: a credential is a few KiB.
const MAX_BODY_BYTES: usize = 1024 * 1024;

#[derive(Parser)]
#[command(about = "Sends POST /v1/credentials at a fixed rate and reports rate and latency")]
struct Args {
	/// The worker's API base URL (plain `http://`).
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
	/// Writes one line per timed request to this file: when it was due (ms since the Unix
	/// epoch), its latency in µs and its status (0: no answer), to find when the slow answers
	/// of a run came (against the machine's own readings of the same moments).
	#[arg(long)]
	trace: Option<std::path::PathBuf>,
}

/// Where every request goes and the requests themselves, whole HTTP/1.1 messages written once:
/// the generator shares the two cores it measures, and with an HTTP client library's work per
/// request (a URL, a header map, a pooled connection's checkout; reqwest here before) it took
/// 27 % of a core at 5,000/s, against 16 % writing prepared bytes and reading the answers here.
struct Target {
	address: SocketAddr,
	requests: Vec<Vec<u8>>,
}

impl Target {
	async fn new(args: &Args, bodies: &[Value]) -> anyhow::Result<Self> {
		let base =
			Url::parse(&args.url).with_context(|| format!("--url {} is not a URL", args.url))?;
		if base.scheme() != "http" {
			bail!("--url must be plain http://: the generator speaks HTTP/1.1 without TLS");
		}
		let host = base.host_str().context("--url names no host")?;
		let port = base.port_or_known_default().context("--url names no port")?;
		let address = reachable(&base).await?;
		let path = format!("{}/v1/credentials", base.path().trim_end_matches('/'));
		if args.token.bytes().any(|b| b.is_ascii_control()) {
			bail!("--token holds characters a header cannot carry");
		}
		let requests = bodies
			.iter()
			.map(|body| {
				let body = body.to_string();
				let mut request = format!(
					"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {}\r\n\
					 Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
					args.token,
					body.len()
				)
				.into_bytes();
				request.extend_from_slice(body.as_bytes());
				request
			})
			.collect();
		Ok(Self { address, requests })
	}
}

/// The first of the addresses `url` resolves to that takes a connection: `localhost` may
/// resolve to `::1` first where the worker listens on `127.0.0.1`.
async fn reachable(url: &Url) -> anyhow::Result<SocketAddr> {
	let addresses = url.socket_addrs(|| None).with_context(|| format!("resolving {url}"))?;
	for address in &addresses {
		if TcpStream::connect(address).await.is_ok() {
			return Ok(*address);
		}
	}
	bail!("nothing at {url} takes a connection (tried {addresses:?})")
}

/// A kept-alive connection to the worker, with the buffer its answers are read into.
struct Connection {
	stream: TcpStream,
	buffer: Vec<u8>,
}

impl Connection {
	async fn open(address: SocketAddr) -> std::io::Result<Self> {
		let stream = TcpStream::connect(address).await?;
		stream.set_nodelay(true)?;
		Ok(Self { stream, buffer: Vec::with_capacity(8 * 1024) })
	}

	/// Sends `request` and reads the whole answer. Returns its status, and whether the
	/// connection may carry another request.
	async fn exchange(&mut self, request: &[u8]) -> anyhow::Result<(u16, bool)> {
		self.stream.write_all(request).await?;
		self.buffer.clear();
		let (status, head, length, keep_alive) = loop {
			let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
			let mut response = httparse::Response::new(&mut headers);
			if let httparse::Status::Complete(head) = response.parse(&self.buffer)? {
				let status = response.code.context("an answer without a status")?;
				let mut length = None;
				let mut keep_alive = response.version == Some(1);
				for header in response.headers.iter() {
					let value = std::str::from_utf8(header.value).unwrap_or("");
					if header.name.eq_ignore_ascii_case("content-length") {
						length = Some(value.trim().parse::<usize>()?);
					} else if header.name.eq_ignore_ascii_case("transfer-encoding") {
						bail!("a chunked answer: the worker's answers have a known length");
					} else if header.name.eq_ignore_ascii_case("connection") {
						keep_alive &= !value.eq_ignore_ascii_case("close");
					}
				}
				let length = length.context("an answer without Content-Length")?;
				break (status, head, length, keep_alive);
			}
			if self.buffer.len() >= MAX_HEAD_BYTES {
				bail!("an answer's head over {MAX_HEAD_BYTES} bytes");
			}
			self.read_more().await?;
		};
		if length > MAX_BODY_BYTES {
			bail!("an answer of {length} bytes");
		}
		// The whole body is part of the answer.
		while self.buffer.len() < head + length {
			self.read_more().await?;
		}
		// One request at a time on a connection: anything past the answer is a broken stream.
		if self.buffer.len() > head + length {
			bail!("bytes past the end of an answer");
		}
		Ok((status, keep_alive))
	}

	async fn read_more(&mut self) -> anyhow::Result<()> {
		self.buffer.reserve(8 * 1024);
		if self.stream.read_buf(&mut self.buffer).await? == 0 {
			bail!("the worker closed the connection during an answer");
		}
		Ok(())
	}
}

/// What the answers were.
#[derive(Default)]
struct Outcome {
	/// Latencies of the 201s, in µs from the moment each request was due.
	created: Vec<u64>,
	/// Other answers, by status (0: no answer, a connection or protocol error).
	others: BTreeMap<u16, u64>,
	/// Every timed request as (due, ms since the Unix epoch; latency, µs; status), if traced.
	trace: Option<Vec<(u64, u64, u16)>>,
}

/// Sends `count` requests at `rate` from now, round-robin over the target's requests, on kept
/// alive connections (a new one whenever none is idle); records into `outcome` if given.
/// Returns when every request has been sent and answered (or timed out), and how long the
/// sending took.
async fn send(
	target: &Arc<Target>,
	idle: &Arc<Mutex<Vec<Connection>>>,
	rate: u32,
	count: u32,
	outcome: Option<Arc<Mutex<Outcome>>>,
) -> Duration {
	let start = Instant::now();
	let interval = Duration::from_secs_f64(1.0 / f64::from(rate));
	let mut tasks = tokio::task::JoinSet::new();
	for i in 0..count {
		// Request i is due at start + i·interval: sleep until then (the timer wakes about once
		// a millisecond, so requests leave in small bursts, each still timed from its due time).
		let due = start + interval * i;
		tokio::time::sleep_until(due.into()).await;
		let (target, idle, outcome) = (target.clone(), idle.clone(), outcome.clone());
		tasks.spawn(async move {
			let request = &target.requests[i as usize % target.requests.len()];
			let reused = idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).pop();
			let connection = match reused {
				Some(connection) => Ok(connection),
				None => Connection::open(target.address).await,
			};
			let status = match connection {
				Ok(mut connection) => match connection.exchange(request).await {
					Ok((status, keep_alive)) => {
						if keep_alive {
							idle.lock()
								.unwrap_or_else(|poisoned| poisoned.into_inner())
								.push(connection);
						}
						status
					},
					Err(_) => 0,
				},
				Err(_) => 0,
			};
			if let Some(outcome) = outcome {
				let elapsed = due.elapsed().as_micros() as u64;
				let mut outcome = outcome.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
				if let Some(trace) = &mut outcome.trace {
					trace.push((epoch_ms(due), elapsed, status));
				}
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

/// `at`, in milliseconds since the Unix epoch (as the system clock reads now, less the time
/// since `at`).
fn epoch_ms(at: Instant) -> u64 {
	let now =
		std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
	now.saturating_sub(at.elapsed()).as_millis() as u64
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
	let target = Arc::new(Target::new(&args, &bodies).await?);
	let idle = Arc::new(Mutex::new(Vec::new()));

	send(&target, &idle, args.rate, args.warmup.unwrap_or(args.rate), None).await;
	let count = (f64::from(args.rate) * args.seconds).round() as u32;
	let outcome = Arc::new(Mutex::new(Outcome {
		trace: args.trace.as_ref().map(|_| Vec::with_capacity(count as usize)),
		..Outcome::default()
	}));
	let started = Instant::now();
	let sending = send(&target, &idle, args.rate, count, Some(outcome.clone())).await;
	let answered = started.elapsed();

	let mut outcome = outcome.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
	if let (Some(path), Some(trace)) = (&args.trace, &mut outcome.trace) {
		trace.sort_unstable();
		let lines: String = trace
			.iter()
			.map(|(due, latency, status)| format!("{due} {latency} {status}\n"))
			.collect();
		std::fs::write(path, lines).with_context(|| format!("writing {}", path.display()))?;
	}
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
