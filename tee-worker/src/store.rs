//! The worker's embedded database (redb): the index of issued credentials, the queue of
//! credentials waiting for a batch, the batches and the API tokens.
//!
//! Every change is one ACID transaction, committed before the API answers, so a worker killed
//! at any moment restarts with everything it confirmed: an issued credential is in the index
//! and either still pending or in a batch, and a batch is either anchored or still to anchor.
//!
//! The issuance path's writes (credential records, status list entries) are made in groups by
//! one thread (the writer): every write that arrives while a commit is flushed goes into the
//! next one, so concurrent issuances share one transaction and one fsync instead of queueing
//! for the database's write lock and an fsync each.

use prometheus_client::metrics::counter::Counter;
use redb::{
	Database, Durability, Key, ReadOnlyTable, ReadTransaction, ReadableDatabase, ReadableTable,
	ReadableTableMetadata, TableDefinition, TableError, Value, WriteTransaction,
};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::value::RawValue;
use std::{
	path::Path,
	sync::{mpsc, Arc},
	thread,
	time::{Duration, Instant},
};
use tokio::sync::oneshot;

use crate::tokens::TokenRecord;

/// Issuance sequence number -> [`CredentialRecord`]. Keyed by the order of issuance, records
/// are appended: a group's records fill consecutive pages, where keyed by hash each record of
/// about 2 KiB went into a page of its own anywhere in the table (a leaf written, often split,
/// per record).
const RECORDS: TableDefinition<u64, &[u8]> = TableDefinition::new("credential_records");
/// Credential hash -> its issuance sequence number in [`RECORDS`], for the records of format 1:
/// read, never written. Keyed by hash, each insert went to a page anywhere in the table, a
/// page written per credential at every commit (about a fifth of the bytes the worker wrote
/// per credential, and the part that grew with the store): format 2 finds a record through its
/// id alone.
const SEQUENCES: TableDefinition<&[u8], u64> = TableDefinition::new("credential_sequences");
/// Credential hash -> [`CredentialRecord`], for the records of workers from before [`RECORDS`]:
/// read, never written.
const CREDENTIALS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("credentials");
/// Credential id -> where its record is ([`RecordAt`]): its sequence number in [`RECORDS`], or,
/// for the records of formats 0 and 1, its hash. The ids the worker draws are ordered by time
/// (UUID version 7), so their inserts land together at the table's end.
const CREDENTIAL_IDS: TableDefinition<&str, &[u8]> = TableDefinition::new("credential_ids");
/// Issuance sequence number -> credential hash, for credentials in no batch yet.
const PENDING: TableDefinition<u64, &[u8]> = TableDefinition::new("pending");
/// Batch root -> [`BatchRecord`].
const BATCHES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("batches");
/// Credential hash -> its place in a batch ([`BatchRef::stored`]): sealing writes this short entry
/// per credential instead of rewriting the credential's record (about 2 KiB, decoded and encoded
/// again), which held the database's write lock, and so every issuance, for seconds per slot at
/// thousands of credentials a second. Records sealed before the table existed keep their place
/// in [`CredentialRecord::batch`].
const PLACES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("batch_places");
/// SHA-256 of a token -> [`TokenRecord`].
const TOKENS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("tokens");
/// Counters and the worker's bookkeeping.
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

/// The format of the database, [`FORMAT`] once a worker of this version opened it.
const FORMAT_KEY: &str = "format";
/// The format this worker writes. A worker refuses a database of a later format, which it
/// would misread: format 1 keeps records by sequence ([`RECORDS`]), batch places apart
/// ([`PLACES`]), and status list entries in each list's order instead of a table of taken
/// indexes; format 2 keeps the sequence under the id ([`CREDENTIAL_IDS`]) instead of the hash,
/// and writes no hash index ([`SEQUENCES`]). Databases from before had no format (0), and
/// every worker reads them.
const FORMAT: u64 = 2;
/// The next issuance sequence number.
const NEXT_SEQUENCE: &str = "next_sequence";
/// The last slot this worker reported on.
const LAST_SLOT: &str = "last_slot";
/// A work report the TA signed that the chain has not accepted yet.
const SIGNED_REPORT: &str = "signed_report";

/// How many writes one group holds at most: under a burst, a commit (and the wait of the
/// writes in it) stays bounded, a few MiB of records at most.
const MAX_GROUP: usize = 1024;

/// The least time from the start of one durable group to the start of the next group. Under
/// load a group would otherwise begin the moment the last commit ends, holding only the few
/// writes that arrived during it, and each commit costs the same fixed work whatever it holds
/// (the fsync, the upper pages of every table written again, the freed-page bookkeeping): at
/// 5,000 credentials a second, groups held 5 to 9 records and the worker wrote 32 to 40 KiB per
/// credential. Waiting out this interval gathered 16 to 18 (31 KiB each, when it was measured:
/// later changes wrote fewer pages per record) and cut the worker's CPU per credential by a
/// tenth, for about a millisecond of waiting on average per group an issuance waits for (see
/// the history in `docs/benchmarks.md`). A write that finds the writer idle for longer
/// is not held back.
const COMMIT_INTERVAL: Duration = Duration::from_micros(2_500);

/// What went wrong with the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
	/// redb failed (I/O, a full disk, a corrupt file).
	#[error("database: {0}")]
	Database(#[from] redb::Error),
	/// A stored record does not decode: the file was written by something else.
	#[error("database record `{0}` does not decode")]
	Corrupt(&'static str),
	/// A credential with this id was already issued.
	#[error("a credential with id `{0}` was already issued")]
	DuplicateId(String),
	/// The group transaction that held this write failed with the error inside, which every
	/// write of the group shares. The group's transaction is aborted, so none of its writes is
	/// stored, unless the commit itself failed part way (redb then cannot say whether it became
	/// durable, and refuses further writes until the database is reopened).
	#[error("{0}")]
	Group(Arc<StoreError>),
	/// A write panicked inside the writer thread (a bug): its group was aborted.
	#[error("a write failed inside the worker's database writer (a bug: see the worker's log)")]
	WritePanicked,
	/// The writer thread is gone: nothing more can be written through it.
	#[error("the database's writer stopped")]
	Closed,
	/// The database is of a later format than this worker reads.
	#[error(
		"the database was written by a newer worker (format {found}; this worker reads formats \
		 up to {FORMAT}): start that worker, or one as new, or a copy of the database from \
		 before the upgrade"
	)]
	NewerFormat { found: u64 },
}

impl StoreError {
	/// A redb failure of any kind (transaction, table, storage, commit).
	pub fn db(error: impl Into<redb::Error>) -> Self {
		Self::Database(error.into())
	}
}

/// Where a credential is anchored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchRef {
	/// The batch's Merkle root.
	pub root: [u8; 32],
	/// The credential's leaf index in it.
	pub index: u32,
}

impl BatchRef {
	/// The entry in [`PLACES`]: the root, then the index (u32 big-endian).
	fn stored(&self) -> [u8; 36] {
		let mut stored = [0; 36];
		stored[..32].copy_from_slice(&self.root);
		stored[32..].copy_from_slice(&self.index.to_be_bytes());
		stored
	}

	/// An entry of [`PLACES`].
	fn from_stored(stored: &[u8]) -> Result<Self, StoreError> {
		let corrupt = || StoreError::Corrupt("batch place");
		let root = stored.get(..32).and_then(|root| root.try_into().ok()).ok_or_else(corrupt)?;
		let index = stored.get(32..).and_then(|index| index.try_into().ok()).ok_or_else(corrupt)?;
		Ok(Self { root, index: u32::from_be_bytes(index) })
	}
}

/// Where [`CREDENTIAL_IDS`] says a credential's record is.
enum RecordAt {
	/// Under this sequence number in [`RECORDS`] (format 2).
	Sequence(u64),
	/// Under this hash: in [`SEQUENCES`] and then [`RECORDS`] (format 1), or in [`CREDENTIALS`]
	/// (format 0).
	Hash([u8; 32]),
}

impl RecordAt {
	/// An entry of [`CREDENTIAL_IDS`]: a sequence number (8 bytes, little-endian) or a hash.
	fn from_stored(stored: &[u8]) -> Result<Self, StoreError> {
		if let Ok(sequence) = <[u8; 8]>::try_from(stored) {
			Ok(Self::Sequence(u64::from_le_bytes(sequence)))
		} else {
			stored.try_into().map(Self::Hash).map_err(|_| StoreError::Corrupt("credential id"))
		}
	}

	/// The record's bytes in `tx`, if it is there.
	fn record(&self, tx: &ReadTransaction) -> Result<Option<Vec<u8>>, StoreError> {
		let records = tx.open_table(RECORDS).map_err(StoreError::db)?;
		let found = match self {
			Self::Sequence(sequence) => records.get(*sequence),
			Self::Hash(hash) => {
				let sequence = tx.open_table(SEQUENCES).map_err(StoreError::db)?.get(&hash[..]);
				match sequence.map_err(StoreError::db)? {
					Some(sequence) => records.get(sequence.value()),
					None => tx.open_table(CREDENTIALS).map_err(StoreError::db)?.get(&hash[..]),
				}
			},
		};
		Ok(found.map_err(StoreError::db)?.map(|bytes| bytes.value().to_vec()))
	}
}

/// An issued credential.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialRecord {
	/// The credential's id.
	pub id: String,
	/// SHA-256 of its canonical form: the leaf batches anchor.
	pub hash: [u8; 32],
	/// The issuer DID.
	pub issuer: String,
	/// The CPT it follows.
	pub cpt: u32,
	/// The latest finalized block when it was issued.
	pub issued_at: u32,
	/// The batch it is in, once one was sealed.
	pub batch: Option<BatchRef>,
	/// The credential, as issued.
	pub credential: serde_json::Value,
}

/// A credential record as the store keeps it, encoded by the caller: the writer thread, which
/// every issuance shares, only copies its bytes.
#[derive(Clone, Debug)]
pub struct EncodedRecord {
	id: String,
	hash: [u8; 32],
	bytes: Vec<u8>,
}

impl EncodedRecord {
	/// The record of a credential just issued, whose document is `credential` as the TA made
	/// it (JSON): encoded as [`CredentialRecord`] is, without reading the document into a
	/// [`serde_json::Value`] and writing it out again.
	pub fn issued(
		id: &str,
		hash: [u8; 32],
		issuer: &str,
		cpt: u32,
		issued_at: u32,
		credential: &RawValue,
	) -> Self {
		/// [`CredentialRecord`]'s encoding, borrowing its parts.
		#[derive(Serialize)]
		#[serde(rename_all = "camelCase")]
		struct NewRecord<'a> {
			id: &'a str,
			hash: &'a [u8; 32],
			issuer: &'a str,
			cpt: u32,
			issued_at: u32,
			batch: Option<BatchRef>,
			credential: &'a RawValue,
		}
		let bytes =
			encode(&NewRecord { id, hash: &hash, issuer, cpt, issued_at, batch: None, credential });
		Self { id: id.into(), hash, bytes }
	}
}

impl From<&CredentialRecord> for EncodedRecord {
	fn from(record: &CredentialRecord) -> Self {
		Self { id: record.id.clone(), hash: record.hash, bytes: encode(record) }
	}
}

/// Where a batch is on its way to the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum BatchState {
	/// Sealed (its credentials know their place) but not yet anchored.
	Sealed,
	/// Anchored through `evidence.anchor_batch` in block `block`.
	Anchored {
		/// The block.
		block: u32,
	},
}

/// A batch of credential hashes anchored as one Merkle root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchRecord {
	/// The leaves, in order.
	pub leaves: Vec<[u8; 32]>,
	/// Its state.
	pub state: BatchState,
}

/// A work report the TA signed, kept until the chain accepts it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedReport {
	/// The slot.
	pub slot: u32,
	/// The SCALE-encoded `WorkReportPayload`.
	pub payload: Vec<u8>,
	/// The TEE's signature.
	pub signature: Vec<u8>,
}

/// What [`Store::insert_token`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenInsert {
	/// The token is stored.
	Inserted,
	/// A token was stored under the hash already; it is left as it was.
	Exists,
	/// The limit of tokens that count was reached; nothing is stored.
	Full,
}

/// The worker's database.
pub struct Store {
	/// Dropped first: its drop waits for the writer thread, which answers the writes it has and
	/// then lets go of the database.
	writer: Writer,
	db: Arc<Database>,
}

/// A write the writer thread makes in its next group transaction, answered once that
/// transaction commits.
trait GroupWrite: Send {
	/// Writes within the group's transaction. An error fails (and aborts) the whole group; an
	/// outcome that writes nothing, such as a refusal, is not an error.
	fn write(&mut self, tx: &WriteTransaction) -> Result<(), StoreError>;
	/// Whether the group must commit durably before this write is answered.
	fn durable(&self) -> bool;
	/// Answers the caller: with the write's outcome once the group committed, or with the
	/// group's failure.
	fn answer(self: Box<Self>, failed: Option<Arc<StoreError>>);
}

/// A [`GroupWrite`] of a closure, whose outcome goes back to its caller through a channel.
struct PendingWrite<T, F> {
	work: Option<F>,
	outcome: Option<T>,
	durable: bool,
	answer: oneshot::Sender<Result<T, StoreError>>,
}

impl<T, F> GroupWrite for PendingWrite<T, F>
where
	T: Send,
	F: FnOnce(&WriteTransaction) -> Result<T, StoreError> + Send,
{
	fn write(&mut self, tx: &WriteTransaction) -> Result<(), StoreError> {
		if let Some(work) = self.work.take() {
			self.outcome = Some(work(tx)?);
		}
		Ok(())
	}

	fn durable(&self) -> bool {
		self.durable
	}

	fn answer(self: Box<Self>, failed: Option<Arc<StoreError>>) {
		let result = match (failed, self.outcome) {
			(Some(error), _) => Err(StoreError::Group(error)),
			(None, Some(outcome)) => Ok(outcome),
			// Not written: the group failed before reaching it.
			(None, None) => Err(StoreError::Closed),
		};
		// A caller that stopped waiting (its request was dropped) needs no answer: what it
		// wrote is committed all the same.
		let _ = self.answer.send(result);
	}
}

/// The thread that makes the issuance path's writes (credential records, status list
/// entries) in group transactions: it waits for one write (and, within [`COMMIT_INTERVAL`] of
/// the last durable group's start, for the others that arrive until the interval is over),
/// begins a transaction, takes every other write queued by then (up to [`MAX_GROUP`]), makes
/// them all in one write transaction, commits it (durably if any of them must be) and answers
/// each. Writes that arrive while a commit is flushed wait for the next group instead of each
/// waiting for the database's write lock in turn, and one fsync serves every record of a group.
struct Writer {
	/// `None` only while the writer is dropped: dropping the sender ends the thread.
	jobs: Option<mpsc::Sender<Box<dyn GroupWrite>>>,
	thread: Option<thread::JoinHandle<()>>,
	/// Durable group commits.
	commits: Counter,
}

impl Writer {
	/// Starts the writer thread on `db`.
	fn start(db: Arc<Database>) -> Result<Self, StoreError> {
		let (jobs, queue) = mpsc::channel();
		let commits = Counter::default();
		let counted = commits.clone();
		let thread = thread::Builder::new()
			.name("store-writer".into())
			.spawn(move || write_groups(&db, &queue, &counted))
			.map_err(StoreError::db)?;
		Ok(Self { jobs: Some(jobs), thread: Some(thread), commits })
	}

	/// Queues `work` for the next group and waits for the commit that holds it.
	async fn write<T: Send + 'static>(
		&self,
		durability: Durability,
		work: impl FnOnce(&WriteTransaction) -> Result<T, StoreError> + Send + 'static,
	) -> Result<T, StoreError> {
		let (answer, outcome) = oneshot::channel();
		let job = PendingWrite {
			work: Some(work),
			outcome: None,
			durable: matches!(durability, Durability::Immediate),
			answer,
		};
		let jobs = self.jobs.as_ref().ok_or(StoreError::Closed)?;
		jobs.send(Box::new(job)).map_err(|_| StoreError::Closed)?;
		outcome.await.map_err(|_| StoreError::Closed)?
	}
}

impl Drop for Writer {
	/// Closes the queue and waits for the thread to answer what it holds, so that the database
	/// is closed (and may be opened again) once the store is gone, unless a seal whose caller
	/// stopped waiting still runs on its blocking thread (it holds the database until it ends).
	fn drop(&mut self) {
		drop(self.jobs.take());
		if let Some(thread) = self.thread.take() {
			// A panic of the thread was reported when it happened; its writes were answered
			// with `Closed`.
			let _ = thread.join();
		}
	}
}

/// The writer's loop: one group transaction per turn, until the store drops the queue. The
/// group is what arrived until [`COMMIT_INTERVAL`] after the last durable group began, and then
/// what is queued once the transaction has begun, so writes that arrive while it waits for the
/// database (another module's write transaction) join it.
fn write_groups(db: &Database, queue: &mpsc::Receiver<Box<dyn GroupWrite>>, commits: &Counter) {
	let mut last_durable: Option<Instant> = None;
	while let Ok(first) = queue.recv() {
		let mut group = vec![first];
		if let Some(due) = last_durable.map(|start| start + COMMIT_INTERVAL) {
			gather_until(queue, &mut group, due);
		}
		let start = Instant::now();
		let tx = db.begin_write().map_err(StoreError::db);
		group.extend(queue.try_iter().take(MAX_GROUP - group.len()));
		let durable = group.iter().any(|job| job.durable());
		if durable {
			last_durable = Some(start);
		}
		// A panic inside a write (a bug) fails its group, not the writer: the transaction is
		// dropped, which aborts it, and the next group goes on.
		let written = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
			tx.and_then(|tx| write_group(tx, &mut group, durable))
		}))
		.unwrap_or_else(|_| Err(StoreError::WritePanicked));
		let failed = written.err().map(Arc::new);
		if failed.is_none() && durable {
			commits.inc();
		}
		for job in group {
			job.answer(failed.clone());
		}
	}
}

/// Adds to `group` the writes that arrive until `due`, or until it holds [`MAX_GROUP`].
fn gather_until(
	queue: &mpsc::Receiver<Box<dyn GroupWrite>>,
	group: &mut Vec<Box<dyn GroupWrite>>,
	due: Instant,
) {
	while group.len() < MAX_GROUP {
		let Some(left) = due.checked_duration_since(Instant::now()) else { return };
		match queue.recv_timeout(left) {
			Ok(job) => group.push(job),
			// The interval is over, or the store is closing: the group goes as it is.
			Err(_) => return,
		}
	}
}

/// Makes `group`'s writes in `tx`, committed durably if `durable` (otherwise with
/// [`Durability::None`]: durable with the next durable commit). Any write's error drops the
/// transaction, which aborts it.
fn write_group(
	mut tx: WriteTransaction,
	group: &mut [Box<dyn GroupWrite>],
	durable: bool,
) -> Result<(), StoreError> {
	if !durable {
		tx.set_durability(Durability::None).map_err(StoreError::db)?;
	}
	for job in group.iter_mut() {
		job.write(&tx)?;
	}
	tx.commit().map_err(StoreError::db)
}

/// Runs `write`, a write transaction made on the calling thread rather than through the writer:
/// it waits for the database's write lock, which the writer holds through each group commit,
/// and then for its own commit's fsync, milliseconds under load. On the worker's multi-thread
/// runtime it runs through [`tokio::task::block_in_place`], so the runtime's other tasks move
/// to another thread meanwhile instead of waiting behind it (with one runtime thread, the
/// default on two cores, every request would). On a single-thread runtime (a test's) or off
/// the runtime (a blocking thread) it just runs.
pub fn blocking_write<T>(write: impl FnOnce() -> T) -> T {
	match tokio::runtime::Handle::try_current() {
		Ok(runtime) if runtime.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
			tokio::task::block_in_place(write)
		},
		_ => write(),
	}
}

/// A record as stored: JSON.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
	serde_json::to_vec(value).expect("records serialize")
}

/// A stored record (`what`, for the error if it does not decode).
pub fn decode<T: DeserializeOwned>(bytes: &[u8], what: &'static str) -> Result<T, StoreError> {
	serde_json::from_slice(bytes).map_err(|_| StoreError::Corrupt(what))
}

/// `table` in the read transaction `tx`, or `None` if no write created it yet: the tables of
/// modules (status lists, offers) are created by their first write, so before it there is
/// nothing to read.
pub fn read_table<K: Key + 'static, V: Value + 'static>(
	tx: &ReadTransaction,
	table: TableDefinition<K, V>,
) -> Result<Option<ReadOnlyTable<K, V>>, StoreError> {
	match tx.open_table(table) {
		Ok(table) => Ok(Some(table)),
		Err(TableError::TableDoesNotExist(_)) => Ok(None),
		Err(e) => Err(StoreError::db(e)),
	}
}

/// Records an issued credential and queues it for the next batch, within the write transaction
/// `tx`: for records of another module that must commit with the credential or not at all (a
/// status list's version), and for the writer's groups. Fails with
/// [`StoreError::DuplicateId`], having written nothing, if the id was issued: the caller drops
/// `tx`, which aborts it, or (a group) goes on with the next write.
pub fn record_issued_in(tx: &WriteTransaction, record: &EncodedRecord) -> Result<(), StoreError> {
	let mut ids = tx.open_table(CREDENTIAL_IDS).map_err(StoreError::db)?;
	if ids.get(record.id.as_str()).map_err(StoreError::db)?.is_some() {
		return Err(StoreError::DuplicateId(record.id.clone()));
	}
	let mut meta = tx.open_table(META).map_err(StoreError::db)?;
	let sequence = read_u64(&meta, NEXT_SEQUENCE)?;
	meta.insert(NEXT_SEQUENCE, &(sequence + 1).to_le_bytes()[..]).map_err(StoreError::db)?;
	ids.insert(record.id.as_str(), &sequence.to_le_bytes()[..]).map_err(StoreError::db)?;
	let mut records = tx.open_table(RECORDS).map_err(StoreError::db)?;
	records.insert(sequence, &record.bytes[..]).map_err(StoreError::db)?;
	let mut pending = tx.open_table(PENDING).map_err(StoreError::db)?;
	pending.insert(sequence, &record.hash[..]).map_err(StoreError::db)?;
	Ok(())
}

/// [`Store::seal_batch`] in `db`.
fn seal_batch_in(db: &Database, max: usize) -> Result<Option<([u8; 32], BatchRecord)>, StoreError> {
	let tx = db.begin_write().map_err(StoreError::db)?;
	let sealed = {
		let mut pending = tx.open_table(PENDING).map_err(StoreError::db)?;
		let mut leaves = Vec::new();
		while leaves.len() < max {
			let Some((_, hash)) = pending.pop_first().map_err(StoreError::db)? else { break };
			leaves.push(
				<[u8; 32]>::try_from(hash.value()).map_err(|_| StoreError::Corrupt("pending"))?,
			);
		}
		if leaves.is_empty() {
			return Ok(None);
		}
		let hashes: Vec<sp_core::H256> = leaves.iter().map(|l| sp_core::H256(*l)).collect();
		let root = teeid_primitives::merkle::batch_root(&hashes)
			.expect("a batch has between one and MAX_LEAVES leaves")
			.0;
		let mut places = tx.open_table(PLACES).map_err(StoreError::db)?;
		for (index, leaf) in (0u32..).zip(&leaves) {
			let place = BatchRef { root, index };
			places.insert(&leaf[..], &place.stored()[..]).map_err(StoreError::db)?;
		}
		let batch = BatchRecord { leaves, state: BatchState::Sealed };
		let mut batches = tx.open_table(BATCHES).map_err(StoreError::db)?;
		batches.insert(&root[..], &encode(&batch)[..]).map_err(StoreError::db)?;
		(root, batch)
	};
	tx.commit().map_err(StoreError::db)?;
	Ok(Some(sealed))
}

impl Store {
	/// Opens (or creates) the database at `path`.
	pub fn open(path: &Path) -> Result<Self, StoreError> {
		let db = Database::create(path).map_err(StoreError::db)?;
		let tx = db.begin_write().map_err(StoreError::db)?;
		{
			// Create every table, so that readers never meet a missing one.
			tx.open_table(RECORDS).map_err(StoreError::db)?;
			tx.open_table(SEQUENCES).map_err(StoreError::db)?;
			tx.open_table(CREDENTIALS).map_err(StoreError::db)?;
			tx.open_table(CREDENTIAL_IDS).map_err(StoreError::db)?;
			tx.open_table(PENDING).map_err(StoreError::db)?;
			tx.open_table(BATCHES).map_err(StoreError::db)?;
			tx.open_table(PLACES).map_err(StoreError::db)?;
			tx.open_table(TOKENS).map_err(StoreError::db)?;
			let mut meta = tx.open_table(META).map_err(StoreError::db)?;
			let found = read_u64(&meta, FORMAT_KEY)?;
			if found > FORMAT {
				return Err(StoreError::NewerFormat { found });
			}
			meta.insert(FORMAT_KEY, &FORMAT.to_le_bytes()[..]).map_err(StoreError::db)?;
		}
		tx.commit().map_err(StoreError::db)?;
		let db = Arc::new(db);
		let writer = Writer::start(db.clone())?;
		Ok(Self { writer, db })
	}

	/// The database, for modules that keep tables of their own (OpenID4VCI offers, status
	/// lists): each defines its tables and creates them in its first write transaction.
	pub fn database(&self) -> &Database {
		&self.db
	}

	/// Records an issued credential and queues it for the next batch, in the writer's next
	/// group. Returns once that group's durable commit is done (an `Ok` is a record that
	/// survives a crash), or with [`StoreError::DuplicateId`] if the id was issued.
	pub async fn record_issued(&self, record: impl Into<EncodedRecord>) -> Result<(), StoreError> {
		let record = record.into();
		let recorded = self
			.write(Durability::Immediate, move |tx| {
				// A duplicate writes nothing and fails only this record, not its group.
				Ok(match record_issued_in(tx, &record) {
					Err(duplicate @ StoreError::DuplicateId(_)) => Err(duplicate),
					other => Ok(other?),
				})
			})
			.await?;
		recorded
	}

	/// Makes `work` in the writer's next group transaction (see [`Writer`]) and returns its
	/// outcome once the group committed: durably for [`Durability::Immediate`], or, for
	/// [`Durability::None`], only in memory until the next durable commit (a crash before it
	/// loses the write). An error of `work` fails its whole group: `work` returns what refuses
	/// the caller without writing as an `Ok` outcome.
	pub async fn write<T: Send + 'static>(
		&self,
		durability: Durability,
		work: impl FnOnce(&WriteTransaction) -> Result<T, StoreError> + Send + 'static,
	) -> Result<T, StoreError> {
		self.writer.write(durability, work).await
	}

	/// How many durable group commits succeeded since the store opened.
	#[cfg(test)]
	pub fn group_commits(&self) -> u64 {
		self.writer.commits.get()
	}

	/// The counter behind the durable group commits, for the metrics registry.
	pub fn group_commits_counter(&self) -> Counter {
		self.writer.commits.clone()
	}

	/// Whether a credential with `id` was issued here.
	pub fn id_taken(&self, id: &str) -> Result<bool, StoreError> {
		let tx = self.db.begin_read().map_err(StoreError::db)?;
		let ids = tx.open_table(CREDENTIAL_IDS).map_err(StoreError::db)?;
		Ok(ids.get(id).map_err(StoreError::db)?.is_some())
	}

	/// The credential with id `id`, with its place in a batch once it was sealed.
	pub fn credential_by_id(&self, id: &str) -> Result<Option<CredentialRecord>, StoreError> {
		let tx = self.db.begin_read().map_err(StoreError::db)?;
		let at = tx.open_table(CREDENTIAL_IDS).map_err(StoreError::db)?.get(id);
		let Some(at) = at.map_err(StoreError::db)? else { return Ok(None) };
		let at = RecordAt::from_stored(at.value())?;
		// An id is indexed in the transaction that stores its record.
		let bytes = at.record(&tx)?.ok_or(StoreError::Corrupt("credential id"))?;
		let mut record: CredentialRecord = decode(&bytes, "credential")?;
		if record.batch.is_none() {
			let places = tx.open_table(PLACES).map_err(StoreError::db)?;
			let place = places.get(&record.hash[..]).map_err(StoreError::db)?;
			record.batch = place.map(|place| BatchRef::from_stored(place.value())).transpose()?;
		}
		Ok(Some(record))
	}

	/// The credential issued here under `id` if its SHA-256 is `hash`: a credential found by
	/// the id it states, and only if it is the one issued under that id.
	pub fn credential(
		&self,
		id: &str,
		hash: &[u8; 32],
	) -> Result<Option<CredentialRecord>, StoreError> {
		Ok(self.credential_by_id(id)?.filter(|record| record.hash == *hash))
	}

	/// How many credentials wait for a batch.
	pub fn pending_count(&self) -> Result<u64, StoreError> {
		let tx = self.db.begin_read().map_err(StoreError::db)?;
		let pending = tx.open_table(PENDING).map_err(StoreError::db)?;
		pending.len().map_err(StoreError::db)
	}

	/// Seals up to `max` pending credentials, oldest first, into a batch: the batch is stored
	/// as [`BatchState::Sealed`], each credential's place is written (in [`PLACES`], beside its
	/// record), and the queue shrinks, all in one transaction. Returns the root and the leaves,
	/// or `None` if nothing is pending. Runs on a blocking thread: a slot's batch at thousands of
	/// credentials a second takes a good part of a second.
	pub async fn seal_batch(
		&self,
		max: usize,
	) -> Result<Option<([u8; 32], BatchRecord)>, StoreError> {
		let db = self.db.clone();
		tokio::task::spawn_blocking(move || seal_batch_in(&db, max)).await.map_err(|e| {
			// Cancelled only when the runtime shuts down: the store is closing.
			if e.is_panic() {
				StoreError::WritePanicked
			} else {
				StoreError::Closed
			}
		})?
	}

	/// The batches sealed but not anchored yet.
	pub fn unanchored_batches(&self) -> Result<Vec<([u8; 32], BatchRecord)>, StoreError> {
		let tx = self.db.begin_read().map_err(StoreError::db)?;
		let batches = tx.open_table(BATCHES).map_err(StoreError::db)?;
		let mut found = Vec::new();
		for entry in batches.iter().map_err(StoreError::db)? {
			let (root, record) = entry.map_err(StoreError::db)?;
			let record: BatchRecord = decode(record.value(), "batch")?;
			if record.state == BatchState::Sealed {
				let root = <[u8; 32]>::try_from(root.value())
					.map_err(|_| StoreError::Corrupt("batch root"))?;
				found.push((root, record));
			}
		}
		Ok(found)
	}

	/// The batch with `root`.
	pub fn batch(&self, root: &[u8; 32]) -> Result<Option<BatchRecord>, StoreError> {
		let tx = self.db.begin_read().map_err(StoreError::db)?;
		let batches = tx.open_table(BATCHES).map_err(StoreError::db)?;
		let found = batches.get(&root[..]).map_err(StoreError::db)?;
		found.map(|bytes| decode(bytes.value(), "batch")).transpose()
	}

	/// Marks the batch with `root` anchored in `block`.
	pub fn mark_anchored(&self, root: &[u8; 32], block: u32) -> Result<(), StoreError> {
		blocking_write(|| {
			let tx = self.db.begin_write().map_err(StoreError::db)?;
			{
				let mut batches = tx.open_table(BATCHES).map_err(StoreError::db)?;
				let mut record: BatchRecord = {
					let bytes = batches.get(&root[..]).map_err(StoreError::db)?;
					decode(bytes.ok_or(StoreError::Corrupt("batch"))?.value(), "batch")?
				};
				record.state = BatchState::Anchored { block };
				batches.insert(&root[..], &encode(&record)[..]).map_err(StoreError::db)?;
			}
			tx.commit().map_err(StoreError::db)
		})
	}

	/// The last slot this worker reported on.
	pub fn last_slot(&self) -> Result<Option<u32>, StoreError> {
		let tx = self.db.begin_read().map_err(StoreError::db)?;
		let meta = tx.open_table(META).map_err(StoreError::db)?;
		let found = meta.get(LAST_SLOT).map_err(StoreError::db)?;
		found
			.map(|bytes| {
				<[u8; 4]>::try_from(bytes.value())
					.map(u32::from_le_bytes)
					.map_err(|_| StoreError::Corrupt(LAST_SLOT))
			})
			.transpose()
	}

	/// Keeps a signed work report until [`Self::finish_report`].
	pub fn keep_signed_report(&self, report: &SignedReport) -> Result<(), StoreError> {
		blocking_write(|| {
			let tx = self.db.begin_write().map_err(StoreError::db)?;
			{
				let mut meta = tx.open_table(META).map_err(StoreError::db)?;
				meta.insert(SIGNED_REPORT, &encode(report)[..]).map_err(StoreError::db)?;
			}
			tx.commit().map_err(StoreError::db)
		})
	}

	/// The signed work report not yet settled, if any.
	pub fn signed_report(&self) -> Result<Option<SignedReport>, StoreError> {
		let tx = self.db.begin_read().map_err(StoreError::db)?;
		let meta = tx.open_table(META).map_err(StoreError::db)?;
		let found = meta.get(SIGNED_REPORT).map_err(StoreError::db)?;
		found.map(|bytes| decode(bytes.value(), SIGNED_REPORT)).transpose()
	}

	/// Records that `slot` is settled: reported, or past reporting. Drops the kept report.
	pub fn finish_report(&self, slot: u32) -> Result<(), StoreError> {
		blocking_write(|| {
			let tx = self.db.begin_write().map_err(StoreError::db)?;
			{
				let mut meta = tx.open_table(META).map_err(StoreError::db)?;
				meta.insert(LAST_SLOT, &slot.to_le_bytes()[..]).map_err(StoreError::db)?;
				meta.remove(SIGNED_REPORT).map_err(StoreError::db)?;
			}
			tx.commit().map_err(StoreError::db)
		})
	}

	/// Stores a token under its hash.
	pub fn put_token(&self, hash: &[u8; 32], record: &TokenRecord) -> Result<(), StoreError> {
		blocking_write(|| {
			let tx = self.db.begin_write().map_err(StoreError::db)?;
			{
				let mut tokens = tx.open_table(TOKENS).map_err(StoreError::db)?;
				tokens.insert(&hash[..], &encode(record)[..]).map_err(StoreError::db)?;
			}
			tx.commit().map_err(StoreError::db)
		})
	}

	/// Stores a new token under its hash, in one transaction, unless a token is stored under
	/// `hash` already or `limit` stored tokens satisfy `counts`.
	pub fn insert_token(
		&self,
		hash: &[u8; 32],
		record: &TokenRecord,
		counts: impl Fn(&TokenRecord) -> bool,
		limit: usize,
	) -> Result<TokenInsert, StoreError> {
		blocking_write(|| {
			let tx = self.db.begin_write().map_err(StoreError::db)?;
			let inserted = {
				let mut tokens = tx.open_table(TOKENS).map_err(StoreError::db)?;
				if tokens.get(&hash[..]).map_err(StoreError::db)?.is_some() {
					return Ok(TokenInsert::Exists);
				}
				let mut counted = 0;
				for entry in tokens.iter().map_err(StoreError::db)? {
					let (_, stored) = entry.map_err(StoreError::db)?;
					if counts(&decode(stored.value(), "token")?) {
						counted += 1;
					}
				}
				if counted >= limit {
					return Ok(TokenInsert::Full);
				}
				tokens.insert(&hash[..], &encode(record)[..]).map_err(StoreError::db)?;
				TokenInsert::Inserted
			};
			tx.commit().map_err(StoreError::db)?;
			Ok(inserted)
		})
	}

	/// Deletes the token with `hash` and returns it, in one transaction: of two takes of one
	/// token, one gets it.
	pub fn take_token(&self, hash: &[u8; 32]) -> Result<Option<TokenRecord>, StoreError> {
		blocking_write(|| {
			let tx = self.db.begin_write().map_err(StoreError::db)?;
			let taken = {
				let mut tokens = tx.open_table(TOKENS).map_err(StoreError::db)?;
				let removed = tokens.remove(&hash[..]).map_err(StoreError::db)?;
				removed.map(|bytes| decode(bytes.value(), "token")).transpose()?
			};
			tx.commit().map_err(StoreError::db)?;
			Ok(taken)
		})
	}

	/// The token with `hash`.
	pub fn token(&self, hash: &[u8; 32]) -> Result<Option<TokenRecord>, StoreError> {
		let tx = self.db.begin_read().map_err(StoreError::db)?;
		let tokens = tx.open_table(TOKENS).map_err(StoreError::db)?;
		let found = tokens.get(&hash[..]).map_err(StoreError::db)?;
		found.map(|bytes| decode(bytes.value(), "token")).transpose()
	}

	/// Every token, with its hash.
	pub fn tokens(&self) -> Result<Vec<([u8; 32], TokenRecord)>, StoreError> {
		let tx = self.db.begin_read().map_err(StoreError::db)?;
		let tokens = tx.open_table(TOKENS).map_err(StoreError::db)?;
		let mut found = Vec::new();
		for entry in tokens.iter().map_err(StoreError::db)? {
			let (hash, record) = entry.map_err(StoreError::db)?;
			let hash =
				<[u8; 32]>::try_from(hash.value()).map_err(|_| StoreError::Corrupt("token"))?;
			found.push((hash, decode(record.value(), "token")?));
		}
		Ok(found)
	}

	/// Deletes the tokens whose hash starts with `prefix`; returns how many.
	pub fn delete_tokens(&self, prefix: &[u8]) -> Result<usize, StoreError> {
		blocking_write(|| {
			let doomed: Vec<[u8; 32]> = self
				.tokens()?
				.into_iter()
				.filter(|(hash, _)| hash.starts_with(prefix))
				.map(|(hash, _)| hash)
				.collect();
			let tx = self.db.begin_write().map_err(StoreError::db)?;
			{
				let mut tokens = tx.open_table(TOKENS).map_err(StoreError::db)?;
				for hash in &doomed {
					tokens.remove(&hash[..]).map_err(StoreError::db)?;
				}
			}
			tx.commit().map_err(StoreError::db)?;
			Ok(doomed.len())
		})
	}
}

fn read_u64(
	meta: &impl ReadableTable<&'static str, &'static [u8]>,
	key: &'static str,
) -> Result<u64, StoreError> {
	match meta.get(key).map_err(StoreError::db)? {
		Some(bytes) => <[u8; 8]>::try_from(bytes.value())
			.map(u64::from_le_bytes)
			.map_err(|_| StoreError::Corrupt(key)),
		None => Ok(0),
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_record_encoded_from_the_tas_bytes_reads_as_the_record_works() {
		let document = r#"{"@context":["https://www.w3.org/ns/credentials/v2"],"id":"urn:a"}"#;
		let raw = RawValue::from_string(document.into()).unwrap();
		let encoded = EncodedRecord::issued("urn:a", [7; 32], "did:teeid:x", 1000, 42, &raw);
		let record = CredentialRecord {
			id: "urn:a".into(),
			hash: [7; 32],
			issuer: "did:teeid:x".into(),
			cpt: 1000,
			issued_at: 42,
			batch: None,
			credential: serde_json::from_str(document).unwrap(),
		};
		assert_eq!(decode::<CredentialRecord>(&encoded.bytes, "record").unwrap(), record);
		assert_eq!(encoded.bytes, EncodedRecord::from(&record).bytes);
	}

	fn record(id: &str, hash: u8) -> CredentialRecord {
		CredentialRecord {
			id: id.into(),
			hash: [hash; 32],
			issuer: "did:teeid:x".into(),
			cpt: 1000,
			issued_at: 1,
			batch: None,
			credential: serde_json::json!({ "id": id }),
		}
	}

	#[tokio::test]
	async fn issued_credentials_survive_reopening_and_batch_in_order() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("worker.redb");
		{
			let store = Store::open(&path).unwrap();
			store.record_issued(&record("urn:a", 1)).await.unwrap();
			store.record_issued(&record("urn:b", 2)).await.unwrap();
			store.record_issued(&record("urn:c", 3)).await.unwrap();
			assert!(matches!(
				store.record_issued(&record("urn:a", 9)).await,
				Err(StoreError::DuplicateId(_))
			));
			assert_eq!(store.group_commits(), 4);
		}
		let store = Store::open(&path).unwrap();
		assert_eq!(store.pending_count().unwrap(), 3);
		let (root, batch) = store.seal_batch(2).await.unwrap().unwrap();
		assert_eq!(batch.leaves, vec![[1; 32], [2; 32]]);
		assert_eq!(store.pending_count().unwrap(), 1);
		assert_eq!(
			store.credential("urn:b", &[2; 32]).unwrap().unwrap().batch,
			Some(BatchRef { root, index: 1 })
		);
		assert_eq!(store.unanchored_batches().unwrap().len(), 1);
		store.mark_anchored(&root, 7).unwrap();
		assert!(store.unanchored_batches().unwrap().is_empty());
		assert_eq!(store.batch(&root).unwrap().unwrap().state, BatchState::Anchored { block: 7 });
		assert_eq!(store.credential_by_id("urn:c").unwrap().unwrap().batch, None);
		assert!(store.seal_batch(10).await.unwrap().is_some());
		assert!(store.seal_batch(10).await.unwrap().is_none());
	}

	#[tokio::test]
	async fn sealing_leaves_records_as_issued_and_reads_what_earlier_versions_stored_works() {
		let dir = tempfile::tempdir().unwrap();
		let store = Store::open(&dir.path().join("worker.redb")).unwrap();
		store.record_issued(&record("urn:a", 1)).await.unwrap();
		// A record from before records were kept by sequence, sealed before places were kept
		// apart from records: it is under its hash, its place inside it.
		let earlier = BatchRef { root: [9; 32], index: 4 };
		let sealed_before = CredentialRecord { batch: Some(earlier.clone()), ..record("urn:b", 2) };
		let tx = store.db.begin_write().unwrap();
		tx.open_table(CREDENTIALS)
			.unwrap()
			.insert(&[2; 32][..], &encode(&sealed_before)[..])
			.unwrap();
		tx.open_table(CREDENTIAL_IDS).unwrap().insert("urn:b", &[2; 32][..]).unwrap();
		// A record of format 1: by sequence, its id leading to its hash and the hash to the
		// sequence.
		let format_1 = encode(&record("urn:d", 4));
		tx.open_table(RECORDS).unwrap().insert(1_000, &format_1[..]).unwrap();
		tx.open_table(SEQUENCES).unwrap().insert(&[4; 32][..], 1_000).unwrap();
		tx.open_table(CREDENTIAL_IDS).unwrap().insert("urn:d", &[4; 32][..]).unwrap();
		tx.commit().unwrap();
		store.record_issued(&record("urn:c", 3)).await.unwrap();
		// New records are appended in the order of issuance, under their sequence numbers,
		// which their ids lead to; no hash leads anywhere.
		let stored = |id: &str, hash: [u8; 32]| {
			let tx = store.db.begin_read().unwrap();
			assert!(tx.open_table(CREDENTIALS).unwrap().get(&hash[..]).unwrap().is_none());
			assert!(tx.open_table(SEQUENCES).unwrap().get(&hash[..]).unwrap().is_none());
			let at = tx.open_table(CREDENTIAL_IDS).unwrap().get(id).unwrap().unwrap();
			let sequence = u64::from_le_bytes(at.value().try_into().unwrap());
			let records = tx.open_table(RECORDS).unwrap();
			let bytes = records.get(sequence).unwrap().unwrap().value().to_vec();
			(sequence, bytes)
		};
		assert_eq!((stored("urn:a", [1; 32]).0, stored("urn:c", [3; 32]).0), (0, 1));
		let issued = stored("urn:a", [1; 32]);

		let (root, batch) = store.seal_batch(10).await.unwrap().unwrap();
		assert_eq!(batch.leaves, vec![[1; 32], [3; 32]]);
		assert_eq!(stored("urn:a", [1; 32]), issued);
		assert_eq!(
			store.credential("urn:a", &[1; 32]).unwrap().unwrap().batch,
			Some(BatchRef { root, index: 0 })
		);
		assert_eq!(store.credential_by_id("urn:c").unwrap().unwrap().hash, [3; 32]);
		let before = store.credential_by_id("urn:b").unwrap().unwrap();
		assert_eq!((before.hash, before.batch), ([2; 32], Some(earlier)));
		assert_eq!(store.credential("urn:d", &[4; 32]).unwrap(), Some(record("urn:d", 4)));
		assert!(store.id_taken("urn:b").unwrap());
		// An id issued here, stated by another credential, finds nothing.
		assert_eq!(store.credential("urn:c", &[4; 32]).unwrap(), None);
		assert_eq!(store.credential("urn:e", &[3; 32]).unwrap(), None);
	}

	#[test]
	fn a_database_of_a_later_format_is_refused_and_left_as_it_is_works() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("worker.redb");
		drop(Store::open(&path).unwrap());
		let db = Database::create(&path).unwrap();
		let format = |db: &Database| {
			let tx = db.begin_read().unwrap();
			read_u64(&tx.open_table(META).unwrap(), FORMAT_KEY).unwrap()
		};
		assert_eq!(format(&db), FORMAT);
		let tx = db.begin_write().unwrap();
		tx.open_table(META).unwrap().insert(FORMAT_KEY, &(FORMAT + 1).to_le_bytes()[..]).unwrap();
		tx.commit().unwrap();
		drop(db);
		let refused = Store::open(&path).err().expect("a later format is refused");
		assert!(matches!(refused, StoreError::NewerFormat { found } if found == FORMAT + 1));
		assert!(refused.to_string().contains("newer worker"), "{refused}");
		assert_eq!(format(&Database::create(&path).unwrap()), FORMAT + 1);
	}

	#[test]
	fn a_write_waiting_for_the_database_holds_back_no_other_task_works() {
		use std::sync::atomic::{AtomicBool, Ordering};
		let dir = tempfile::tempdir().unwrap();
		let store = Arc::new(Store::open(&dir.path().join("w.redb")).unwrap());
		// A write transaction held on a thread of its own.
		let (held, holding) = mpsc::channel();
		let (let_go, go) = mpsc::channel::<()>();
		let released = Arc::new(AtomicBool::new(false));
		let holder = thread::spawn({
			let (store, released) = (store.clone(), released.clone());
			move || {
				let blocker = store.database().begin_write().unwrap();
				held.send(()).unwrap();
				// Until the test has seen another task run; at most 5 s, for a runtime whose
				// one thread is stuck behind the write (the test then fails).
				let _ = go.recv_timeout(Duration::from_secs(5));
				released.store(true, Ordering::SeqCst);
				drop(blocker);
			}
		});
		holding.recv().unwrap();
		// One runtime thread, as the worker has on two cores.
		let runtime = tokio::runtime::Builder::new_multi_thread()
			.worker_threads(1)
			.enable_all()
			.build()
			.unwrap();
		runtime.block_on(async {
			let waiting = tokio::spawn({
				let store = store.clone();
				async move { store.finish_report(7) }
			});
			// The write now waits for the database on the runtime's thread; another task runs
			// meanwhile, not once the database is let go.
			tokio::time::sleep(Duration::from_millis(100)).await;
			tokio::spawn(async {}).await.unwrap();
			assert!(!released.load(Ordering::SeqCst), "a task waited for the database's write");
			let_go.send(()).unwrap();
			waiting.await.unwrap().unwrap();
		});
		holder.join().unwrap();
		assert_eq!(store.last_slot().unwrap(), Some(7));
	}

	#[tokio::test]
	async fn records_arriving_together_share_a_commit_works() {
		let dir = tempfile::tempdir().unwrap();
		let store = Arc::new(Store::open(&dir.path().join("w.redb")).unwrap());
		// A write transaction held here keeps the committer waiting, so that the records queue
		// up behind its first group.
		let blocker = store.database().begin_write().unwrap();
		let tasks: Vec<_> = (0..200u8)
			.map(|n| {
				let store = store.clone();
				tokio::spawn(
					async move { store.record_issued(&record(&format!("urn:{n}"), n)).await },
				)
			})
			.collect();
		tokio::time::sleep(std::time::Duration::from_millis(200)).await;
		assert_eq!(store.group_commits(), 0, "nothing commits while the database is held");
		drop(blocker);
		for task in tasks {
			task.await.unwrap().unwrap();
		}
		assert_eq!(store.pending_count().unwrap(), 200);
		// The first group (what was queued when the committer woke), then everything else.
		assert!((1..=2).contains(&store.group_commits()), "{} commits", store.group_commits());
		assert_eq!(store.credential_by_id("urn:199").unwrap().unwrap().hash, [199; 32]);
	}

	#[tokio::test]
	async fn a_steady_stream_of_records_commits_at_most_once_an_interval_works() {
		let dir = tempfile::tempdir().unwrap();
		let store = Arc::new(Store::open(&dir.path().join("w.redb")).unwrap());
		let start = Instant::now();
		// One record a millisecond, each answered on its own: without the interval each would
		// find the writer idle and commit alone.
		let mut tasks = Vec::new();
		for n in 0..60u8 {
			let store = store.clone();
			tasks.push(tokio::spawn(async move {
				store.record_issued(&record(&format!("urn:{n}"), n)).await
			}));
			tokio::time::sleep(Duration::from_millis(1)).await;
		}
		for task in tasks {
			task.await.unwrap().unwrap();
		}
		let intervals = start.elapsed().as_micros() / COMMIT_INTERVAL.as_micros();
		let commits = u128::from(store.group_commits());
		assert!(commits <= intervals + 1, "{commits} commits in {intervals} intervals");
		assert_eq!(store.pending_count().unwrap(), 60);
	}

	#[tokio::test]
	async fn a_duplicate_id_fails_only_its_record_in_a_group_works() {
		let dir = tempfile::tempdir().unwrap();
		let store = Arc::new(Store::open(&dir.path().join("w.redb")).unwrap());
		store.record_issued(&record("urn:a", 1)).await.unwrap();
		// Held so that the next four records queue up into one group: `urn:a` was issued
		// before, and `urn:b` comes twice within the group (the second fails).
		let blocker = store.database().begin_write().unwrap();
		let tasks: Vec<_> =
			[record("urn:a", 4), record("urn:b", 2), record("urn:b", 5), record("urn:c", 3)]
				.into_iter()
				.map(|record| {
					let store = store.clone();
					tokio::spawn(async move { store.record_issued(&record).await })
				})
				.collect();
		tokio::time::sleep(std::time::Duration::from_millis(200)).await;
		drop(blocker);
		let mut outcomes = Vec::new();
		for task in tasks {
			outcomes.push(task.await.unwrap());
		}
		assert_eq!(store.group_commits(), 2, "the first record, then the four together");
		assert!(matches!(&outcomes[0], Err(StoreError::DuplicateId(id)) if id == "urn:a"));
		assert!(outcomes[1].is_ok());
		assert!(matches!(&outcomes[2], Err(StoreError::DuplicateId(id)) if id == "urn:b"));
		assert!(outcomes[3].is_ok());
		assert_eq!(store.pending_count().unwrap(), 3);
		assert_eq!(store.credential_by_id("urn:b").unwrap().unwrap().hash, [2; 32]);
		// The duplicates replaced nothing.
		assert_eq!(store.credential_by_id("urn:a").unwrap().unwrap().hash, [1; 32]);
		assert_eq!(store.credential("urn:b", &[5; 32]).unwrap(), None);
	}

	#[tokio::test]
	async fn a_write_that_fails_fails_its_group_and_stores_nothing_of_it() {
		let dir = tempfile::tempdir().unwrap();
		let store = Arc::new(Store::open(&dir.path().join("w.redb")).unwrap());
		let blocker = store.database().begin_write().unwrap();
		let recorded = {
			let store = store.clone();
			tokio::spawn(async move { store.record_issued(&record("urn:a", 1)).await })
		};
		let failing = {
			let store = store.clone();
			tokio::spawn(async move {
				store.write(Durability::None, |_| Err::<(), _>(StoreError::Corrupt("test"))).await
			})
		};
		tokio::time::sleep(std::time::Duration::from_millis(200)).await;
		drop(blocker);
		assert!(matches!(recorded.await.unwrap(), Err(StoreError::Group(_))));
		assert!(matches!(failing.await.unwrap(), Err(StoreError::Group(_))));
		assert_eq!(store.credential_by_id("urn:a").unwrap(), None);
		// The writer goes on with the next group.
		store.record_issued(&record("urn:a", 1)).await.unwrap();
		assert_eq!(store.pending_count().unwrap(), 1);
	}

	#[test]
	fn last_slot_and_tokens_persist() {
		let dir = tempfile::tempdir().unwrap();
		let store = Store::open(&dir.path().join("w.redb")).unwrap();
		assert_eq!(store.last_slot().unwrap(), None);
		let signed = SignedReport { slot: 4, payload: vec![1, 2], signature: vec![3; 64] };
		store.keep_signed_report(&signed).unwrap();
		assert_eq!(store.signed_report().unwrap(), Some(signed));
		assert_eq!(store.last_slot().unwrap(), None);
		store.finish_report(4).unwrap();
		assert_eq!(store.signed_report().unwrap(), None);
		assert_eq!(store.last_slot().unwrap(), Some(4));
		let token = TokenRecord {
			permissions: vec![crate::tokens::Permission::Read],
			account: None,
			label: "t".into(),
			created: 0,
		};
		store.put_token(&[5; 32], &token).unwrap();
		assert_eq!(store.token(&[5; 32]).unwrap(), Some(token));
		assert_eq!(store.delete_tokens(&[5, 5]).unwrap(), 1);
		assert_eq!(store.token(&[5; 32]).unwrap(), None);
	}

	#[test]
	fn tokens_are_taken_once_and_inserted_within_a_limit() {
		let dir = tempfile::tempdir().unwrap();
		let store = Store::open(&dir.path().join("w.redb")).unwrap();
		let token = |label: &str| TokenRecord {
			permissions: vec![crate::tokens::Permission::Endorse],
			account: None,
			label: label.into(),
			created: 0,
		};
		// At most two tokens that count: every token, or none.
		let insert = |hash: u8, label: &str, counts: fn(&TokenRecord) -> bool| {
			store.insert_token(&[hash; 32], &token(label), counts, 2).unwrap()
		};
		let (every, no) = (|_: &TokenRecord| true, |_: &TokenRecord| false);
		assert_eq!(insert(1, "a", every), TokenInsert::Inserted);
		assert_eq!(insert(1, "b", every), TokenInsert::Exists);
		assert_eq!(store.token(&[1; 32]).unwrap(), Some(token("a")));
		assert_eq!(insert(2, "b", every), TokenInsert::Inserted);
		assert_eq!(insert(3, "c", every), TokenInsert::Full);
		assert_eq!(insert(3, "c", no), TokenInsert::Inserted);
		assert_eq!(store.take_token(&[1; 32]).unwrap(), Some(token("a")));
		assert_eq!(store.take_token(&[1; 32]).unwrap(), None);
		assert_eq!(store.token(&[1; 32]).unwrap(), None);
	}
}
