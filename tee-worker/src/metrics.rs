//! Prometheus metrics of the worker, served at `GET /metrics`.

use prometheus_client::{
	encoding::text::encode,
	metrics::{counter::Counter, gauge::Gauge},
	registry::Registry,
};

/// The worker's metrics.
pub struct Metrics {
	registry: Registry,
	/// Credentials issued.
	pub issued: Counter,
	/// Issuance requests refused (bad input, schema, authorization).
	pub refused: Counter,
	/// Presentations created.
	pub presented: Counter,
	/// Verifications run.
	pub verified: Counter,
	/// Batches anchored on chain.
	pub batches_anchored: Counter,
	/// Work reports accepted by the chain.
	pub work_reports: Counter,
	/// Credentials waiting for a batch.
	pub pending: Gauge,
	/// Group commits of issued credentials' records: against `issued`, how many issuances
	/// share an fsync.
	pub record_commits: Counter,
}

impl Metrics {
	/// Registers every metric under the `teeid_worker` prefix; `record_commits` is the store's
	/// counter ([`crate::store::Store::group_commits_counter`]), which the store increments.
	pub fn new(record_commits: Counter) -> Self {
		let mut registry = Registry::with_prefix("teeid_worker");
		let metrics = Self {
			issued: Counter::default(),
			refused: Counter::default(),
			presented: Counter::default(),
			verified: Counter::default(),
			batches_anchored: Counter::default(),
			work_reports: Counter::default(),
			pending: Gauge::default(),
			record_commits,
			registry: Registry::default(),
		};
		registry.register("credentials_issued", "Credentials issued", metrics.issued.clone());
		registry.register("issuance_refused", "Issuance requests refused", metrics.refused.clone());
		registry.register("presentations", "Presentations created", metrics.presented.clone());
		registry.register("verifications", "Verifications run", metrics.verified.clone());
		registry.register(
			"batches_anchored",
			"Batches anchored on chain",
			metrics.batches_anchored.clone(),
		);
		registry.register(
			"work_reports",
			"Work reports the chain accepted",
			metrics.work_reports.clone(),
		);
		registry.register(
			"pending_credentials",
			"Credentials waiting for a batch",
			metrics.pending.clone(),
		);
		registry.register(
			"record_commits",
			"Group commits of issued credentials' records",
			metrics.record_commits.clone(),
		);
		Self { registry, ..metrics }
	}

	/// The text exposition format.
	pub fn render(&self) -> String {
		let mut out = String::new();
		encode(&mut out, &self.registry).expect("writing to a String cannot fail");
		out
	}
}
