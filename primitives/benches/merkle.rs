//! Merkle batches: how fast a worker builds a batch's root, how large a one-credential proof
//! is and how long checking it takes (what the runtime API and verifiers do per proof).
//!
//! `cargo bench -p teeid-primitives --bench merkle`

use codec::Encode;
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use sp_core::H256;
use teeid_primitives::merkle::{batch_root, prove, verify};

/// `n` distinct content hashes.
fn hashes(n: u32) -> Vec<H256> {
	(0..n).map(|i| H256(sp_crypto_hashing::blake2_256(&i.to_le_bytes()))).collect()
}

fn batches(c: &mut Criterion) {
	let mut group = c.benchmark_group("merkle");
	group.sample_size(10);
	for log2 in [10u32, 16, 20] {
		let batch = hashes(1 << log2);
		group.throughput(Throughput::Elements(batch.len() as u64));
		group.bench_with_input(BenchmarkId::new("batch_root", batch.len()), &batch, |b, batch| {
			b.iter(|| batch_root(batch))
		});
	}
	group.finish();

	let mut group = c.benchmark_group("merkle_proof");
	for log2 in [10u32, 20] {
		let batch = hashes(1 << log2);
		let root = batch_root(&batch).expect("not empty");
		let position = batch.len() as u32 / 3;
		let proof = prove(&batch, &[position]).expect("in range");
		// Criterion reports times only: the size goes to the log, in the form bench.sh reads.
		eprintln!("proof-size leaves={} bytes={}", batch.len(), proof.encoded_size());
		group.bench_with_input(BenchmarkId::new("verify", batch.len()), &proof, |b, proof| {
			b.iter(|| verify(&root, batch.len() as u32, proof))
		});
		group.bench_with_input(BenchmarkId::new("prove", batch.len()), &batch, |b, batch| {
			b.iter_batched(|| vec![position], |p| prove(batch, &p), BatchSize::SmallInput)
		});
	}
	group.finish();
}

criterion_group!(benches, batches);
criterion_main!(benches);
