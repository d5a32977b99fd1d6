//! Prometheus metrics of the worker, served at `GET /metrics`.

use prometheus_client::{
	encoding::{text::encode, EncodeLabelSet, EncodeLabelValue},
	metrics::{
		counter::Counter,
		family::Family,
		gauge::Gauge,
		histogram::{exponential_buckets, Histogram},
	},
	registry::Registry,
};
use std::time::Instant;

/// A stage of an issuance, as `teeid_worker_issuance_stage_seconds` labels it.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(non_camel_case_types)]
pub enum Stage {
	/// Waiting for an issuance slot.
	admission,
	/// The checks against the chain's view and the status list entry (which `status_entry`
	/// times on its own).
	prepare,
	/// Allocating the status list entry (the store writer's group, not durable).
	status_entry,
	/// The TA call: queued behind other calls, then run.
	ta,
	/// Keeping the record: waiting for the durable group commit that holds it.
	record,
}

/// The label set of the stage histograms.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StageLabel {
	/// The stage.
	pub stage: Stage,
}

/// A stage histogram: 50 µs to about 1.6 s, doubling.
fn stage_histogram() -> Histogram {
	Histogram::new(exponential_buckets(0.000_05, 2.0, 16))
}

/// The worker's metrics.
pub struct Metrics {
	registry: Registry,
	/// Credentials issued.
	pub issued: Counter,
	/// Issuance requests refused (bad input, schema, authorization).
	pub refused: Counter,
	/// Issuance requests turned away because every issuance slot stayed taken (503).
	pub shed: Counter,
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
	/// How long each stage of an issuance took.
	stages: Family<StageLabel, Histogram, fn() -> Histogram>,
}

impl Metrics {
	/// Registers every metric under the `teeid_worker` prefix; `record_commits` is the store's
	/// counter ([`crate::store::Store::group_commits_counter`]), which the store increments.
	pub fn new(record_commits: Counter) -> Self {
		let mut registry = Registry::with_prefix("teeid_worker");
		let metrics = Self {
			issued: Counter::default(),
			refused: Counter::default(),
			shed: Counter::default(),
			presented: Counter::default(),
			verified: Counter::default(),
			batches_anchored: Counter::default(),
			work_reports: Counter::default(),
			pending: Gauge::default(),
			record_commits,
			stages: Family::new_with_constructor(stage_histogram as fn() -> Histogram),
			registry: Registry::default(),
		};
		registry.register(
			"issuance_stage_seconds",
			"How long each stage of an issuance took (prepare includes status_entry)",
			metrics.stages.clone(),
		);
		registry.register("credentials_issued", "Credentials issued", metrics.issued.clone());
		registry.register("issuance_refused", "Issuance requests refused", metrics.refused.clone());
		registry.register(
			"issuance_shed",
			"Issuance requests turned away busy (every issuance slot taken)",
			metrics.shed.clone(),
		);
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

	/// Counts the time since `start` for `stage` of an issuance.
	pub fn observe(&self, stage: Stage, start: Instant) {
		self.stages.get_or_create(&StageLabel { stage }).observe(start.elapsed().as_secs_f64());
	}

	/// The text exposition format.
	pub fn render(&self) -> String {
		let mut out = String::new();
		encode(&mut out, &self.registry).expect("writing to a String cannot fail");
		out
	}
}
