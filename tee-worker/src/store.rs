//! The worker's embedded database (redb): the index of issued credentials, the queue of
//! credentials waiting for a batch, the batches and the API tokens.
//!
//! Every change is one ACID transaction, committed before the API answers, so a worker killed
//! at any moment restarts with everything it confirmed: an issued credential is in the index
//! and either still pending or in a batch, and a batch is either anchored or still to anchor.

use redb::{
	Database, Key, ReadOnlyTable, ReadTransaction, ReadableDatabase, ReadableTable,
	ReadableTableMetadata, TableDefinition, TableError, Value, WriteTransaction,
};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::path::Path;

use crate::tokens::TokenRecord;

/// Credential hash -> [`CredentialRecord`].
const CREDENTIALS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("credentials");
/// Credential id -> credential hash.
const CREDENTIAL_IDS: TableDefinition<&str, &[u8]> = TableDefinition::new("credential_ids");
/// Issuance sequence number -> credential hash, for credentials in no batch yet.
const PENDING: TableDefinition<u64, &[u8]> = TableDefinition::new("pending");
/// Batch root -> [`BatchRecord`].
const BATCHES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("batches");
/// SHA-256 of a token -> [`TokenRecord`].
const TOKENS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("tokens");
/// Counters and the worker's bookkeeping.
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

/// The next issuance sequence number.
const NEXT_SEQUENCE: &str = "next_sequence";
/// The last slot this worker reported on.
const LAST_SLOT: &str = "last_slot";
/// A work report the TA signed that the chain has not accepted yet.
const SIGNED_REPORT: &str = "signed_report";

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
	db: Database,
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
/// status list's version). Fails with [`StoreError::DuplicateId`] if the id was issued; the
/// caller then drops `tx`, which aborts it.
pub fn record_issued_in(
	tx: &WriteTransaction,
	record: &CredentialRecord,
) -> Result<(), StoreError> {
	let mut ids = tx.open_table(CREDENTIAL_IDS).map_err(StoreError::db)?;
	if ids.get(record.id.as_str()).map_err(StoreError::db)?.is_some() {
		return Err(StoreError::DuplicateId(record.id.clone()));
	}
	ids.insert(record.id.as_str(), &record.hash[..]).map_err(StoreError::db)?;
	let mut credentials = tx.open_table(CREDENTIALS).map_err(StoreError::db)?;
	credentials.insert(&record.hash[..], &encode(record)[..]).map_err(StoreError::db)?;
	let mut meta = tx.open_table(META).map_err(StoreError::db)?;
	let sequence = read_u64(&meta, NEXT_SEQUENCE)?;
	meta.insert(NEXT_SEQUENCE, &(sequence + 1).to_le_bytes()[..]).map_err(StoreError::db)?;
	let mut pending = tx.open_table(PENDING).map_err(StoreError::db)?;
	pending.insert(sequence, &record.hash[..]).map_err(StoreError::db)?;
	Ok(())
}

impl Store {
	/// Opens (or creates) the database at `path`.
	pub fn open(path: &Path) -> Result<Self, StoreError> {
		let db = Database::create(path).map_err(StoreError::db)?;
		let tx = db.begin_write().map_err(StoreError::db)?;
		{
			// Create every table, so that readers never meet a missing one.
			tx.open_table(CREDENTIALS).map_err(StoreError::db)?;
			tx.open_table(CREDENTIAL_IDS).map_err(StoreError::db)?;
			tx.open_table(PENDING).map_err(StoreError::db)?;
			tx.open_table(BATCHES).map_err(StoreError::db)?;
			tx.open_table(TOKENS).map_err(StoreError::db)?;
			tx.open_table(META).map_err(StoreError::db)?;
		}
		tx.commit().map_err(StoreError::db)?;
		Ok(Self { db })
	}

	/// The database, for modules that keep tables of their own (OpenID4VCI offers, status
	/// lists): each defines its tables and creates them in its first write transaction.
	pub fn database(&self) -> &Database {
		&self.db
	}

	/// Records an issued credential and queues it for the next batch.
	pub fn record_issued(&self, record: &CredentialRecord) -> Result<(), StoreError> {
		let tx = self.db.begin_write().map_err(StoreError::db)?;
		record_issued_in(&tx, record)?;
		tx.commit().map_err(StoreError::db)
	}

	/// Whether a credential with `id` was issued here.
	pub fn id_taken(&self, id: &str) -> Result<bool, StoreError> {
		let tx = self.db.begin_read().map_err(StoreError::db)?;
		let ids = tx.open_table(CREDENTIAL_IDS).map_err(StoreError::db)?;
		Ok(ids.get(id).map_err(StoreError::db)?.is_some())
	}

	/// The credential with SHA-256 `hash`.
	pub fn credential(&self, hash: &[u8; 32]) -> Result<Option<CredentialRecord>, StoreError> {
		let tx = self.db.begin_read().map_err(StoreError::db)?;
		let table = tx.open_table(CREDENTIALS).map_err(StoreError::db)?;
		let found = table.get(&hash[..]).map_err(StoreError::db)?;
		found.map(|bytes| decode(bytes.value(), "credential")).transpose()
	}

	/// The credential with id `id`.
	pub fn credential_by_id(&self, id: &str) -> Result<Option<CredentialRecord>, StoreError> {
		let hash = {
			let tx = self.db.begin_read().map_err(StoreError::db)?;
			let ids = tx.open_table(CREDENTIAL_IDS).map_err(StoreError::db)?;
			let found = ids.get(id).map_err(StoreError::db)?;
			match found {
				Some(hash) => <[u8; 32]>::try_from(hash.value())
					.map_err(|_| StoreError::Corrupt("credential id"))?,
				None => return Ok(None),
			}
		};
		self.credential(&hash)
	}

	/// How many credentials wait for a batch.
	pub fn pending_count(&self) -> Result<u64, StoreError> {
		let tx = self.db.begin_read().map_err(StoreError::db)?;
		let pending = tx.open_table(PENDING).map_err(StoreError::db)?;
		pending.len().map_err(StoreError::db)
	}

	/// Seals up to `max` pending credentials, oldest first, into a batch: the batch is stored
	/// as [`BatchState::Sealed`], each credential learns its place, and the queue shrinks, all
	/// in one transaction. Returns the root and the leaves, or `None` if nothing is pending.
	pub fn seal_batch(&self, max: usize) -> Result<Option<([u8; 32], BatchRecord)>, StoreError> {
		let tx = self.db.begin_write().map_err(StoreError::db)?;
		let sealed = {
			let mut pending = tx.open_table(PENDING).map_err(StoreError::db)?;
			let mut leaves = Vec::new();
			while leaves.len() < max {
				let Some((_, hash)) = pending.pop_first().map_err(StoreError::db)? else { break };
				leaves.push(
					<[u8; 32]>::try_from(hash.value())
						.map_err(|_| StoreError::Corrupt("pending"))?,
				);
			}
			if leaves.is_empty() {
				return Ok(None);
			}
			let hashes: Vec<sp_core::H256> = leaves.iter().map(|l| sp_core::H256(*l)).collect();
			let root = teeid_primitives::merkle::batch_root(&hashes)
				.expect("a batch has between one and MAX_LEAVES leaves")
				.0;
			let mut credentials = tx.open_table(CREDENTIALS).map_err(StoreError::db)?;
			for (index, leaf) in leaves.iter().enumerate() {
				let mut record: CredentialRecord = {
					let bytes = credentials.get(&leaf[..]).map_err(StoreError::db)?;
					let bytes = bytes.ok_or(StoreError::Corrupt("pending credential"))?;
					decode(bytes.value(), "credential")?
				};
				record.batch = Some(BatchRef { root, index: index as u32 });
				credentials.insert(&leaf[..], &encode(&record)[..]).map_err(StoreError::db)?;
			}
			let batch = BatchRecord { leaves, state: BatchState::Sealed };
			let mut batches = tx.open_table(BATCHES).map_err(StoreError::db)?;
			batches.insert(&root[..], &encode(&batch)[..]).map_err(StoreError::db)?;
			(root, batch)
		};
		tx.commit().map_err(StoreError::db)?;
		Ok(Some(sealed))
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
		let tx = self.db.begin_write().map_err(StoreError::db)?;
		{
			let mut meta = tx.open_table(META).map_err(StoreError::db)?;
			meta.insert(SIGNED_REPORT, &encode(report)[..]).map_err(StoreError::db)?;
		}
		tx.commit().map_err(StoreError::db)
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
		let tx = self.db.begin_write().map_err(StoreError::db)?;
		{
			let mut meta = tx.open_table(META).map_err(StoreError::db)?;
			meta.insert(LAST_SLOT, &slot.to_le_bytes()[..]).map_err(StoreError::db)?;
			meta.remove(SIGNED_REPORT).map_err(StoreError::db)?;
		}
		tx.commit().map_err(StoreError::db)
	}

	/// Stores a token under its hash.
	pub fn put_token(&self, hash: &[u8; 32], record: &TokenRecord) -> Result<(), StoreError> {
		let tx = self.db.begin_write().map_err(StoreError::db)?;
		{
			let mut tokens = tx.open_table(TOKENS).map_err(StoreError::db)?;
			tokens.insert(&hash[..], &encode(record)[..]).map_err(StoreError::db)?;
		}
		tx.commit().map_err(StoreError::db)
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
	}

	/// Deletes the token with `hash` and returns it, in one transaction: of two takes of one
	/// token, one gets it.
	pub fn take_token(&self, hash: &[u8; 32]) -> Result<Option<TokenRecord>, StoreError> {
		let tx = self.db.begin_write().map_err(StoreError::db)?;
		let taken = {
			let mut tokens = tx.open_table(TOKENS).map_err(StoreError::db)?;
			let removed = tokens.remove(&hash[..]).map_err(StoreError::db)?;
			removed.map(|bytes| decode(bytes.value(), "token")).transpose()?
		};
		tx.commit().map_err(StoreError::db)?;
		Ok(taken)
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

	#[test]
	fn issued_credentials_survive_reopening_and_batch_in_order() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("worker.redb");
		{
			let store = Store::open(&path).unwrap();
			store.record_issued(&record("urn:a", 1)).unwrap();
			store.record_issued(&record("urn:b", 2)).unwrap();
			store.record_issued(&record("urn:c", 3)).unwrap();
			assert!(matches!(
				store.record_issued(&record("urn:a", 9)),
				Err(StoreError::DuplicateId(_))
			));
		}
		let store = Store::open(&path).unwrap();
		assert_eq!(store.pending_count().unwrap(), 3);
		let (root, batch) = store.seal_batch(2).unwrap().unwrap();
		assert_eq!(batch.leaves, vec![[1; 32], [2; 32]]);
		assert_eq!(store.pending_count().unwrap(), 1);
		assert_eq!(
			store.credential(&[2; 32]).unwrap().unwrap().batch,
			Some(BatchRef { root, index: 1 })
		);
		assert_eq!(store.unanchored_batches().unwrap().len(), 1);
		store.mark_anchored(&root, 7).unwrap();
		assert!(store.unanchored_batches().unwrap().is_empty());
		assert_eq!(store.batch(&root).unwrap().unwrap().state, BatchState::Anchored { block: 7 });
		assert_eq!(store.credential_by_id("urn:c").unwrap().unwrap().batch, None);
		assert!(store.seal_batch(10).unwrap().is_some());
		assert!(store.seal_batch(10).unwrap().is_none());
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
