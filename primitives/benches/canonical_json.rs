//! Canonicalizing CPT schemas (strict parse + RFC 8785 form), which the chain does for every
//! registered or updated schema: documents of one length in each shape that could be the
//! costliest per byte. The CPT benchmarks build their schemas in the costliest shape found
//! here, so that the weight of the longest schema is a worst case.
//!
//! `cargo bench -p teeid-primitives --bench canonical_json`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use teeid_primitives::json::canonicalize;

/// The longest schema the runtime accepts.
const LENGTH: usize = 16 * 1024;

/// `open`, then as many `item(i)` (separated by commas) as fit, whitespace, then `close`:
/// exactly `LENGTH` bytes.
fn fill(open: &str, item: impl Fn(usize) -> String, close: &str) -> Vec<u8> {
	let mut body = open.as_bytes().to_vec();
	for i in 0.. {
		let next = format!("{}{}", if i == 0 { "" } else { "," }, item(i));
		if body.len() + next.len() + close.len() > LENGTH {
			break;
		}
		body.extend_from_slice(next.as_bytes());
	}
	body.resize(LENGTH - close.len(), b' ');
	body.extend_from_slice(close.as_bytes());
	body
}

/// Nested arrays as deep as the parser allows, side by side.
fn deep() -> Vec<u8> {
	let depth = teeid_primitives::json::MAX_DEPTH - 1;
	let nest = format!("{}0{}", "[".repeat(depth), "]".repeat(depth));
	fill("[", |_| nest.clone(), "]")
}

fn shapes() -> Vec<(&'static str, Vec<u8>)> {
	let prefix = "p".repeat(48);
	vec![
		("short_number_members", fill("{\"p\":{", |i| format!("\"{i}\":0.5"), "}}")),
		("integer_array", fill("{\"enum\":[", |i| format!("{}", i % 10), "]}")),
		("fraction_array", fill("{\"enum\":[", |_| "0.5".into(), "]}")),
		("long_mantissa_array", fill("{\"enum\":[", |_| "0.12345678901234567".into(), "]}")),
		("exponent_array", fill("{\"enum\":[", |_| "1.2345678901234567e-300".into(), "]}")),
		(
			"escaped_strings",
			fill("{\"enum\":[", |_| "\"\\u00e9\\u00e9\\u00e9\\u00e9\"".into(), "]}"),
		),
		("long_shared_prefix_names", fill("{\"p\":{", |i| format!("\"{prefix}{i}\":0"), "}}")),
		("deep_arrays", deep()),
	]
}

fn canonical_json(c: &mut Criterion) {
	let mut group = c.benchmark_group("canonicalize_16k");
	group.throughput(Throughput::Bytes(LENGTH as u64));
	for (name, document) in shapes() {
		assert!(canonicalize(&document).is_ok(), "{name} is valid JSON");
		group.bench_with_input(BenchmarkId::from_parameter(name), &document, |b, document| {
			b.iter(|| canonicalize(document))
		});
	}
	group.finish();
}

criterion_group!(benches, canonical_json);
criterion_main!(benches);
