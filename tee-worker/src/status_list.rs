//! Status lists: every credential the worker issues names an entry of a TA-signed list of
//! revocation bits (W3C Bitstring Status List for W3C credentials, IETF Token Status List for
//! SD-JWT VCs), so that verifiers learn its status with one fetch that does not say which
//! credential they check.
//!
//! The chain stays the source of truth. A credential's status is its issuer's flag on the
//! evidence record `status_evidence(genesis, id)`; [`follow`] walks the finalized blocks in
//! order, reads the `Revoked` / `Unrevoked` log entries of the records it allocated entries for,
//! and sets or clears the entries' bits when the signer is the list's issuer (an evidence has
//! other signers, and their flags are theirs: they do not change a credential's status). After
//! each round, every list whose bits changed is signed again by the TA against the latest
//! finalized block and stored as the list's next version.
//!
//! Lists are kept per issuer and format, [`LIST_BITS`] entries each. A list hands out its
//! entries in an order of its own, a keyed pseudo-random permutation of its indexes
//! ([`EntryOrder`]), so an index says nothing about when a credential was issued; a list takes
//! entries while fewer than half are taken, then a new list is opened. A new list is published
//! (version 1, every bit clear) before its first entry is handed out, so every entry a
//! credential names is in a list verifiers can fetch.
//!
//! Every version is recorded as a credential ([`CredentialRecord`] with id
//! `<uri>?version=<n>`, CPT 0) in the transaction that records the version: it is batched,
//! anchored and reported like a credential (the TA counted it as issued), and
//! `GET /v1/status-lists/{id}/anchor` proves it.
//!
//! Crash safety: each step is one redb transaction. An allocation commits the list's count of
//! entries taken, the entry's evidence index and (for the first entry) the follower's starting
//! block at once; a follower round commits the bits it changed with the block it reached; a
//! list changed but not yet republished stays marked until a version of its bits is recorded.
//! A worker killed anywhere restarts into the same lists and picks up where the database says.

use axum::{
	extract::{Path, State},
	http::header,
	response::{IntoResponse, Response},
	routing::get,
	Json, Router,
};
use rand_core::{OsRng, RngCore};
use redb::{
	Durability, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition,
	WriteTransaction,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::{
	collections::{btree_map, BTreeMap},
	fmt,
	sync::Arc,
	time::Duration,
};
use teeid_ta_protocol::{
	command::IssuedCredential,
	credential::{status_evidence, StatusListEntry},
	status_list::{is_status_list_uri, StatusListFormat, StatusListRequest, MIN_STATUS_LIST_BITS},
	Command, Reply, TaError,
};
use tokio::{
	sync::{Mutex, Notify},
	time::Instant,
};

use crate::{
	chain::{ChainView, RevocationChange},
	error::{ErrorBody, WorkerError},
	expect_reply,
	issue::created_at,
	store::{
		blocking_write, decode, encode, read_table, record_issued_in, CredentialRecord, Store,
		StoreError,
	},
	tee::TeeError,
	verify::{self, AnchorProof},
	worker::{parse_did, Worker},
};

/// How many entries a list has: the smallest size the TA signs, 16 KiB of bits. Large enough
/// that a list fetch hides which of its (up to half as many) credentials a verifier checks.
pub const LIST_BITS: u32 = MIN_STATUS_LIST_BITS as u32;
const _: () = assert!(LIST_BITS as usize == MIN_STATUS_LIST_BITS && LIST_BITS.is_multiple_of(8));

/// How many finalized blocks one follower round reads at most: a worker that was down catches
/// up in bounded steps, each committed, instead of one transaction over an unbounded range.
pub const ROUND_BLOCKS: u32 = 64;

/// How long the follower waits between rounds: a revocation reaches the lists within a round of
/// its block becoming final.
pub const ROUND_INTERVAL: Duration = Duration::from_secs(2);

/// How long a Token Status List may be cached (its `ttl`, seconds): about as long as a
/// revocation takes to reach a list (finality, a follower round, the TA's signature).
pub const TOKEN_TTL_SECONDS: u32 = 60;

/// How long signing a list waits for finality to reach the TA's newest block, as issuance does.
const STALE_BLOCK_WAIT: Duration = Duration::from_secs(30);

/// How many times [`allocate`] goes back to the chain: each pass allocates, opens a list or
/// reads a newer block, so a few passes settle unless something keeps failing.
const ALLOCATION_PASSES: u32 = 5;

/// How many entries one turn of the store's writer allocates ahead for the credentials an
/// issuer will issue in a format under ids the worker draws ([`FreshEntries`]).
pub const FRESH_BATCH: usize = 64;

/// How many issuers and formats [`FreshEntries`] keeps entries ahead for; others allocate
/// one entry at a time.
const MAX_FRESH_POOLS: usize = 1024;

/// Responses may be stored but are checked with the worker before each use: a list changes
/// with every revocation.
const NO_CACHE: &str = "no-cache";

/// List id -> [`ListRecord`].
const LISTS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("status_lists");
/// List id -> the list's bits, MSB-first: one record of `size / 8` bytes (16 KiB).
const BITS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("status_list_bits");
/// Issuer account ‖ format code -> the id of the list that takes the issuer's new entries.
const OPEN_LISTS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("status_lists_open");
/// Status evidence hash ‖ list id -> index (u32 BE) ‖ the list issuer's account: the entries
/// the evidence's revocations change.
const EVIDENCE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("status_list_evidence");
/// List id ‖ version (u32 BE) -> the hash of the version's [`CredentialRecord`].
const VERSIONS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("status_list_versions");
/// Ids of the lists whose bits changed since their latest version.
const CHANGED: TableDefinition<&[u8], ()> = TableDefinition::new("status_lists_changed");
/// The follower's bookkeeping.
const FOLLOWER: TableDefinition<&str, u32> = TableDefinition::new("status_list_follower");

/// The last finalized block whose revocations the lists show.
const POSITION: &str = "position";

/// Serializes the opening of lists, so that two allocations finding an issuer's list full do
/// not open two lists for it. Module state rather than the worker's: opening is rare, and one
/// lock for every issuer keeps the worker's fields to what its handlers share.
static OPENING: Mutex<()> = Mutex::const_new(());

/// A status list's id: 16 random bytes, lowercase hex in its URI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ListId(pub [u8; 16]);

impl ListId {
	/// A fresh random id.
	pub fn random() -> Self {
		let mut id = [0; 16];
		OsRng.fill_bytes(&mut id);
		Self(id)
	}

	/// The id whose hex is `text`, if it is one.
	pub fn parse(text: &str) -> Option<Self> {
		let bytes = hex::decode(text).ok()?;
		<[u8; 16]>::try_from(bytes.as_slice()).ok().map(Self)
	}

	fn from_stored(bytes: &[u8]) -> Result<Self, StoreError> {
		<[u8; 16]>::try_from(bytes).map(Self).map_err(|_| StoreError::Corrupt("status list id"))
	}
}

impl fmt::Display for ListId {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str(&hex::encode(self.0))
	}
}

/// The order in which a list hands out its entries: a pseudo-random permutation of the indexes
/// below its size under a key of 32 bytes from the OS, drawn when the list is made and kept in
/// its record. Entry `n` (the `n`-th taken) is [`EntryOrder::index`]`(n)`: distinct entries get
/// distinct indexes, and without the key an index says nothing about when its credential was
/// issued, as a uniform draw among the free entries would not either. Unlike drawing, it needs
/// no record of the indexes taken: an allocation writes no entry of its own, only the list's
/// count (a draw checked and wrote a table keyed by index, a random B-tree insert per
/// credential).
///
/// The permutation is a Feistel network over the fewest bits that hold every index (at least
/// 2), with halves of `bits / 2` and `bits - bits / 2` bits that swap each of 16 rounds, and as
/// round function SHA-256 of the key, the width, the round and the half; indexes past the size
/// are walked through the permutation again (cycle walking) until one falls below it.
///
/// Stored lists depend on this function staying as it is: a list keeps only how many entries
/// it handed out, so a change to the rounds, the round function or the walking would hand out
/// indexes a list already gave, and one revocation would show on two credentials. A change
/// needs a version of the order in the list's record (lists without one keep this function);
/// `an_entry_order_is_pinned_by_known_answers_works` fails on any change, with answers computed
/// apart from this code.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryOrder([u8; 32]);

impl EntryOrder {
	/// Feistel rounds. Four make a pseudo-random permutation of a keyed random function for few
	/// queries (Luby-Rackoff); over a domain as small as a list's (2^17) known attacks on
	/// Feistel ciphers grow with the samples an attacker holds, so twice FF1's 10 rounds: 16
	/// SHA-256 blocks, a few microseconds, per allocation.
	const ROUNDS: u8 = 16;

	/// A fresh order, its key from the OS.
	pub fn random() -> Self {
		let mut key = [0; 32];
		OsRng.fill_bytes(&mut key);
		Self(key)
	}

	/// The index at `position` of the order of a list of `size` entries, or `None` if the
	/// position is not below the size.
	pub fn index(&self, position: u32, size: u32) -> Option<u32> {
		if position >= size {
			return None;
		}
		let bits = (u32::BITS - (size - 1).leading_zeros()).max(2);
		// The permutation's cycle through `position` (below `size`) comes back below `size`
		// within its length, at most 2^bits steps; 2^bits < 2 * size (for a size of 3 or
		// more), so on average one step in two lands below `size`.
		let mut index = position;
		for _ in 0..(1u64 << bits) {
			index = self.permute(index, bits);
			if index < size {
				return Some(index);
			}
		}
		None
	}

	/// The Feistel network over `bits`-bit values.
	fn permute(&self, value: u32, bits: u32) -> u32 {
		let (mut left_bits, mut right_bits) = (bits / 2, bits - bits / 2);
		let (mut left, mut right) = (value >> right_bits, value & low_bits(right_bits));
		for round in 0..Self::ROUNDS {
			// (L, R) -> (R, L xor F(R)): the new right half is as wide as the old left one.
			let mixed = left ^ (self.round_function(bits, round, right) & low_bits(left_bits));
			(left, right) = (right, mixed);
			(left_bits, right_bits) = (right_bits, left_bits);
		}
		(left << right_bits) | right
	}

	/// SHA-256 of key ‖ width ‖ round ‖ half (BE): 38 bytes, one block of the hash.
	fn round_function(&self, bits: u32, round: u8, half: u32) -> u32 {
		let mut input = [0; 38];
		input[..32].copy_from_slice(&self.0);
		input[32] = bits as u8;
		input[33] = round;
		input[34..].copy_from_slice(&half.to_be_bytes());
		let digest = Sha256::digest(input);
		u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
	}
}

/// The key stays out of logs.
impl fmt::Debug for EntryOrder {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str("EntryOrder(..)")
	}
}

/// The `bits` low bits set (`bits` at most 32).
fn low_bits(bits: u32) -> u32 {
	u32::MAX.checked_shr(u32::BITS - bits).unwrap_or(0)
}

/// A list's format: what the TA signs and how the list is served.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ListFormat {
	/// W3C Bitstring Status List: a `BitstringStatusListCredential`, for W3C credentials.
	Bitstring,
	/// IETF Token Status List: a `statuslist+jwt`, for SD-JWT VCs.
	Token,
}

impl ListFormat {
	/// Its code in the open-list key.
	fn code(self) -> u8 {
		match self {
			ListFormat::Bitstring => 0,
			ListFormat::Token => 1,
		}
	}

	/// The TA's name for it.
	pub fn protocol(self) -> StatusListFormat {
		match self {
			ListFormat::Bitstring => StatusListFormat::Bitstring,
			ListFormat::Token => StatusListFormat::Token,
		}
	}

	/// The media type a list of this format is served with.
	pub fn media_type(self) -> &'static str {
		match self {
			ListFormat::Bitstring => "application/json",
			ListFormat::Token => "application/statuslist+jwt",
		}
	}

	/// The `ttl` the TA signs into a list of this format (Token only).
	fn ttl(self) -> Option<u32> {
		match self {
			ListFormat::Bitstring => None,
			ListFormat::Token => Some(TOKEN_TTL_SECONDS),
		}
	}
}

impl From<StatusListFormat> for ListFormat {
	fn from(format: StatusListFormat) -> Self {
		match format {
			StatusListFormat::Bitstring => ListFormat::Bitstring,
			StatusListFormat::Token => ListFormat::Token,
		}
	}
}

/// A status list as stored (its bits are a record of their own).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListRecord {
	/// The issuer DID, as the TA signs it into every version.
	pub issuer: String,
	/// The issuer's account: the signer whose revocations count.
	pub account: [u8; 32],
	/// The format.
	pub format: ListFormat,
	/// The URI every version carries (`id` / `sub`): fixed when the list is opened, so that a
	/// later change of the worker's public URL does not move a list credentials name.
	pub uri: String,
	/// How many entries (bits) it has.
	pub size: u32,
	/// How many entries are taken: the next entry is the one at this position of `order`.
	pub allocated: u32,
	/// The order in which it hands out its entries. `None` for a list opened before lists
	/// had one (their taken entries were kept in a table of their own, which nothing writes
	/// now): such a list takes no new entries, and its issuer's next one opens a new list.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub order: Option<EntryOrder>,
	/// How many times its bits changed.
	pub revision: u64,
	/// The revision its latest version shows.
	pub published: u64,
	/// Its latest version's number (1 once opened).
	pub version: u32,
}

impl ListRecord {
	/// A list not opened yet: no entry taken, no version.
	pub fn new(
		issuer: &str,
		account: [u8; 32],
		format: ListFormat,
		uri: String,
		size: u32,
	) -> Self {
		Self {
			issuer: issuer.to_string(),
			account,
			format,
			uri,
			size,
			allocated: 0,
			order: Some(EntryOrder::random()),
			revision: 0,
			published: 0,
			version: 0,
		}
	}

	/// Whether it takes new entries: it has an order and fewer than half are taken (so that a
	/// list fetch hides which of many credentials a verifier checks).
	pub fn takes_entries(&self) -> bool {
		self.order.is_some() && self.allocated < self.size / 2
	}

	/// The index of the entry it hands out next.
	fn next_index(&self) -> Result<u32, StoreError> {
		self.order
			.and_then(|order| order.index(self.allocated, self.size))
			.ok_or(StoreError::Corrupt("status list order"))
	}

	/// The length of its bits in bytes.
	pub fn byte_len(&self) -> usize {
		(self.size / 8) as usize
	}

	/// The credential id of its version `number`: the list's URI with the version's query.
	fn version_id(&self, number: u32) -> String {
		format!("{}?version={number}", self.uri)
	}

	/// The credential record of its version `number`, signed as `version`.
	fn version_record(&self, number: u32, version: &SignedVersion) -> CredentialRecord {
		CredentialRecord {
			id: self.version_id(number),
			hash: version.hash,
			issuer: self.issuer.clone(),
			cpt: 0,
			issued_at: version.block,
			batch: None,
			credential: version.document.clone(),
		}
	}
}

/// A version of a list as the TA signed it.
#[derive(Clone, Debug, PartialEq)]
pub struct SignedVersion {
	/// The document: the credential (a JSON object) for Bitstring, the JWT (a JSON string) for
	/// Token.
	pub document: Value,
	/// What batches anchor: SHA-256 of the canonical JSON (Bitstring) or of the JWT (Token).
	pub hash: [u8; 32],
	/// The finalized block it was signed against.
	pub block: u32,
}

impl SignedVersion {
	/// The TA's answer, checked for the shape of `format`.
	fn from_issued(
		format: ListFormat,
		issued: IssuedCredential,
		block: u32,
	) -> Result<Self, WorkerError> {
		let document = match format {
			ListFormat::Bitstring => match serde_json::from_slice(&issued.credential) {
				Ok(document @ Value::Object(_)) => document,
				_ => {
					return Err(WorkerError::Internal(
						"the TA's status list credential is not a JSON object".into(),
					))
				},
			},
			ListFormat::Token => {
				Value::String(String::from_utf8(issued.credential).map_err(|_| {
					WorkerError::Internal("the TA's status list token is not text".into())
				})?)
			},
		};
		Ok(Self { document, hash: issued.hash, block })
	}
}

/// What an allocation asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
	/// The issuer's account.
	pub account: [u8; 32],
	/// The list format.
	pub format: ListFormat,
	/// The credential's status evidence hash.
	pub evidence: [u8; 32],
	/// Whether the issuer had revoked that evidence at `block` (a record may exist before the
	/// credential: its hash depends only on the chain and the credential id).
	pub revoked: bool,
	/// The finalized block `revoked` was read at.
	pub block: u32,
}

/// What an allocation came to.
pub enum Allocation {
	/// The entry: new, or the one an earlier attempt at the same issuance took.
	Entry(StatusListEntry),
	/// The issuer has no list of the format that takes entries: open one, then allocate again.
	NeedsList,
	/// The follower has passed the block the status was read at (the follower's block is
	/// given), so the status may have changed since: read it at a newer block.
	FollowerAhead(u32),
}

/// An entry an evidence's revocations change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct EvidenceEntry {
	list: ListId,
	index: u32,
	/// The list issuer's account.
	account: [u8; 32],
}

/// What [`StatusLists::version`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VersionLookup {
	/// No list has the id.
	NoList,
	/// The list has no such version.
	NoVersion {
		/// Its latest version.
		latest: u32,
	},
	/// The version.
	Found {
		/// The list's format.
		format: ListFormat,
		/// The version's number.
		number: u32,
		/// The id of its [`CredentialRecord`] ([`ListRecord::version_id`]).
		id: String,
		/// The hash of its [`CredentialRecord`].
		hash: [u8; 32],
	},
}

/// The status lists' tables in the worker's database: every change one transaction.
pub struct StatusLists<'s> {
	store: &'s Store,
}

impl<'s> StatusLists<'s> {
	/// The status lists kept in `store`.
	pub fn new(store: &'s Store) -> Self {
		Self { store }
	}

	/// Allocates entries for `claims` in order, in the store's next group of writes (see
	/// [`Store::write`]), which are made one after the other: concurrent allocations never share
	/// an index. Returns the entries of the claims allocated, and what stopped the others (the
	/// first claim that got no entry) if anything did; a refusal (an unusable list) after some
	/// entries were allocated stops there and keeps them. An evidence that has an entry in a
	/// list of the same issuer and format keeps it (an issuance tried again). The first entry
	/// ever also starts the follower at its claim's block, and an entry for an evidence the
	/// issuer had revoked starts with its bit set.
	///
	/// The allocation is not made durable itself (no fsync): it becomes durable with the next
	/// durable commit, which for an issuance is the group commit holding the credential's
	/// record ([`Store::record_issued`]) if not an earlier one. This is safe because an
	/// allocation lost in a crash belongs to a credential that was never acknowledged: an
	/// issuance answers only after its record's durable commit, which persists every earlier
	/// commit, this one included. After the crash the list's count is back where it was, and the
	/// entry's index is handed out to the next credential.
	pub async fn allocate_many(
		&self,
		claims: Vec<Claim>,
	) -> Result<(Vec<StatusListEntry>, Option<Allocation>), StoreError> {
		self.store
			.write(Durability::None, move |tx| {
				let mut entries = Vec::with_capacity(claims.len());
				for claim in &claims {
					match allocate_in(tx, claim)? {
						Ok(Allocation::Entry(entry)) => entries.push(entry),
						Ok(stop) => return Ok(Ok((entries, Some(stop)))),
						Err(unusable) if entries.is_empty() => return Ok(Err(unusable)),
						Err(_) => break,
					}
				}
				Ok(Ok((entries, None)))
			})
			.await?
	}

	/// Whether the issuer with `account` has a list of `format` that takes entries.
	pub fn has_room(&self, account: &[u8; 32], format: ListFormat) -> Result<bool, StoreError> {
		let tx = self.store.database().begin_read().map_err(StoreError::db)?;
		let (Some(open), Some(lists)) = (read_table(&tx, OPEN_LISTS)?, read_table(&tx, LISTS)?)
		else {
			return Ok(false);
		};
		let id = open.get(&open_key(account, format)[..]).map_err(StoreError::db)?;
		let Some(id) = id.map(|id| ListId::from_stored(id.value())).transpose()? else {
			return Ok(false);
		};
		Ok(load_list(&lists, &id)?.takes_entries())
	}

	/// Opens the list `id` (`list`, with every bit of `bits` clear) with its first version, in
	/// one transaction: the list, its bits, version 1 (recorded as a credential, queued for the
	/// next batch) and its place as the issuer's list for its format. Returns `false`, storing
	/// nothing, if the issuer has a list of that format that takes entries already.
	pub fn open(
		&self,
		id: &ListId,
		list: &ListRecord,
		bits: &[u8],
		version: &SignedVersion,
	) -> Result<bool, StoreError> {
		blocking_write(|| {
			let tx = self.store.database().begin_write().map_err(StoreError::db)?;
			{
				let mut open = tx.open_table(OPEN_LISTS).map_err(StoreError::db)?;
				let mut lists = tx.open_table(LISTS).map_err(StoreError::db)?;
				let key = open_key(&list.account, list.format);
				let current = open
					.get(&key[..])
					.map_err(StoreError::db)?
					.map(|id| ListId::from_stored(id.value()));
				if let Some(current) = current.transpose()? {
					if load_list(&lists, &current)?.takes_entries() {
						return Ok(false);
					}
				}
				let list = ListRecord { version: 1, ..list.clone() };
				lists.insert(&id.0[..], &encode(&list)[..]).map_err(StoreError::db)?;
				let mut stored_bits = tx.open_table(BITS).map_err(StoreError::db)?;
				stored_bits.insert(&id.0[..], bits).map_err(StoreError::db)?;
				let mut versions = tx.open_table(VERSIONS).map_err(StoreError::db)?;
				versions
					.insert(&version_key(id, 1)[..], &version.hash[..])
					.map_err(StoreError::db)?;
				open.insert(&key[..], &id.0[..]).map_err(StoreError::db)?;
				record_issued_in(&tx, &(&list.version_record(1, version)).into())?;
			}
			tx.commit().map_err(StoreError::db)?;
			Ok(true)
		})
	}

	/// The last finalized block whose revocations the lists show, once following started. (The
	/// follower reads it through [`Self::start`].)
	#[cfg(test)]
	pub fn position(&self) -> Result<Option<u32>, StoreError> {
		let tx = self.store.database().begin_read().map_err(StoreError::db)?;
		let Some(follower) = read_table(&tx, FOLLOWER)? else { return Ok(None) };
		follower_position(&follower)
	}

	/// The follower's block, starting it at `finalized` if it has none: no entry exists yet
	/// (the first allocation starts it), so no earlier block concerns the lists.
	pub fn start(&self, finalized: u32) -> Result<u32, StoreError> {
		blocking_write(|| {
			let tx = self.store.database().begin_write().map_err(StoreError::db)?;
			let position = {
				let mut follower = tx.open_table(FOLLOWER).map_err(StoreError::db)?;
				let position = follower_position(&follower)?;
				if let Some(position) = position {
					return Ok(position);
				}
				follower.insert(POSITION, finalized).map_err(StoreError::db)?;
				finalized
			};
			tx.commit().map_err(StoreError::db)?;
			Ok(position)
		})
	}

	/// Moves the follower from `from` to `to` without reading the blocks between, if no entry
	/// exists: nothing in them concerns the lists. Decided in one transaction with the entries,
	/// so an allocation cannot slip in between. Returns whether it moved.
	pub fn skip_unfollowed(&self, from: u32, to: u32) -> Result<bool, StoreError> {
		blocking_write(|| {
			let tx = self.store.database().begin_write().map_err(StoreError::db)?;
			{
				let mut follower = tx.open_table(FOLLOWER).map_err(StoreError::db)?;
				let position = follower_position(&follower)?;
				let evidence = tx.open_table(EVIDENCE).map_err(StoreError::db)?;
				if position != Some(from) || !evidence.is_empty().map_err(StoreError::db)? {
					return Ok(false);
				}
				follower.insert(POSITION, to).map_err(StoreError::db)?;
			}
			tx.commit().map_err(StoreError::db)?;
			Ok(true)
		})
	}

	/// Applies the revocation `changes` of the blocks after `from` up to `to`, in chain order,
	/// and moves the follower to `to`, in one transaction: the block reached is stored with the
	/// bits it changed. Only a change by a list's issuer sets or clears its entry's bit. Lists
	/// whose bits differ afterwards get a new revision and are marked for republishing; they
	/// are returned. `None` (and nothing applied) if the follower is not at `from`.
	pub fn apply(
		&self,
		from: u32,
		to: u32,
		changes: &[RevocationChange],
	) -> Result<Option<Vec<ListId>>, StoreError> {
		blocking_write(|| {
			let tx = self.store.database().begin_write().map_err(StoreError::db)?;
			let changed_lists = {
				let mut follower = tx.open_table(FOLLOWER).map_err(StoreError::db)?;
				let position = follower_position(&follower)?;
				if position != Some(from) {
					return Ok(None);
				}
				let evidence = tx.open_table(EVIDENCE).map_err(StoreError::db)?;
				let mut bits = tx.open_table(BITS).map_err(StoreError::db)?;
				// Each touched list's bits before and after the changes, read once however many
				// changes touch it.
				let mut touched: BTreeMap<ListId, (Vec<u8>, Vec<u8>)> = BTreeMap::new();
				for change in changes {
					let signer: &[u8; 32] = change.signer.as_ref();
					for entry in entries_of(&evidence, &change.hash.0)? {
						// Each signer of an evidence has its own flag: a list shows its issuer's.
						if &entry.account != signer {
							continue;
						}
						let (_, after) = match touched.entry(entry.list) {
							btree_map::Entry::Occupied(occupied) => occupied.into_mut(),
							btree_map::Entry::Vacant(vacant) => {
								let stored = load_bits(&bits, &entry.list)?;
								vacant.insert((stored.clone(), stored))
							},
						};
						set_bit(after, entry.index, change.revoked);
					}
				}
				let mut lists = tx.open_table(LISTS).map_err(StoreError::db)?;
				let mut changed = tx.open_table(CHANGED).map_err(StoreError::db)?;
				let mut changed_lists = Vec::new();
				for (id, (before, after)) in touched {
					// A revocation lifted within the same round leaves the list as it was.
					if before == after {
						continue;
					}
					bits.insert(&id.0[..], &after[..]).map_err(StoreError::db)?;
					let mut list = load_list(&lists, &id)?;
					list.revision += 1;
					lists.insert(&id.0[..], &encode(&list)[..]).map_err(StoreError::db)?;
					changed.insert(&id.0[..], ()).map_err(StoreError::db)?;
					changed_lists.push(id);
				}
				follower.insert(POSITION, to).map_err(StoreError::db)?;
				changed_lists
			};
			tx.commit().map_err(StoreError::db)?;
			Ok(Some(changed_lists))
		})
	}

	/// The lists whose bits changed since their latest version.
	pub fn changed(&self) -> Result<Vec<ListId>, StoreError> {
		let tx = self.store.database().begin_read().map_err(StoreError::db)?;
		let Some(changed) = read_table(&tx, CHANGED)? else { return Ok(Vec::new()) };
		let mut ids = Vec::new();
		for item in changed.iter().map_err(StoreError::db)? {
			let (id, _) = item.map_err(StoreError::db)?;
			ids.push(ListId::from_stored(id.value())?);
		}
		Ok(ids)
	}

	/// The list `id` and its bits, as of one moment (the bits are those of its revision).
	pub fn list(&self, id: &ListId) -> Result<Option<(ListRecord, Vec<u8>)>, StoreError> {
		let tx = self.store.database().begin_read().map_err(StoreError::db)?;
		let (Some(lists), Some(bits)) = (read_table(&tx, LISTS)?, read_table(&tx, BITS)?) else {
			return Ok(None);
		};
		let found = lists.get(&id.0[..]).map_err(StoreError::db)?;
		let Some(list) =
			found.map(|list| decode::<ListRecord>(list.value(), "status list")).transpose()?
		else {
			return Ok(None);
		};
		Ok(Some((list, load_bits(&bits, id)?)))
	}

	/// Records `version`, signed over the list's bits of `revision`, as the list's next version
	/// and as a credential queued for the next batch, in one transaction. The list stays marked
	/// as changed if its bits changed again meanwhile. Returns the version's number, or `None`
	/// (nothing stored) if a version shows that revision or a later one already: recording it
	/// would turn the list back.
	pub fn record_version(
		&self,
		id: &ListId,
		revision: u64,
		version: &SignedVersion,
	) -> Result<Option<u32>, StoreError> {
		blocking_write(|| {
			let tx = self.store.database().begin_write().map_err(StoreError::db)?;
			let number = {
				let mut lists = tx.open_table(LISTS).map_err(StoreError::db)?;
				let mut list = load_list(&lists, id)?;
				if revision <= list.published {
					return Ok(None);
				}
				let number = list.version + 1;
				list.version = number;
				list.published = revision;
				lists.insert(&id.0[..], &encode(&list)[..]).map_err(StoreError::db)?;
				let mut versions = tx.open_table(VERSIONS).map_err(StoreError::db)?;
				versions
					.insert(&version_key(id, number)[..], &version.hash[..])
					.map_err(StoreError::db)?;
				if list.revision == revision {
					let mut changed = tx.open_table(CHANGED).map_err(StoreError::db)?;
					changed.remove(&id.0[..]).map_err(StoreError::db)?;
				}
				record_issued_in(&tx, &(&list.version_record(number, version)).into())?;
				number
			};
			tx.commit().map_err(StoreError::db)?;
			Ok(Some(number))
		})
	}

	/// Version `number` of the list `id` (the latest if `None`).
	pub fn version(&self, id: &ListId, number: Option<u32>) -> Result<VersionLookup, StoreError> {
		let tx = self.store.database().begin_read().map_err(StoreError::db)?;
		let (Some(lists), Some(versions)) = (read_table(&tx, LISTS)?, read_table(&tx, VERSIONS)?)
		else {
			return Ok(VersionLookup::NoList);
		};
		let found = lists.get(&id.0[..]).map_err(StoreError::db)?;
		let Some(list) =
			found.map(|list| decode::<ListRecord>(list.value(), "status list")).transpose()?
		else {
			return Ok(VersionLookup::NoList);
		};
		let number = number.unwrap_or(list.version);
		if number == 0 || number > list.version {
			return Ok(VersionLookup::NoVersion { latest: list.version });
		}
		let hash = versions
			.get(&version_key(id, number)[..])
			.map_err(StoreError::db)?
			.ok_or(StoreError::Corrupt("status list version"))?;
		let hash = <[u8; 32]>::try_from(hash.value())
			.map_err(|_| StoreError::Corrupt("status list version"))?;
		Ok(VersionLookup::Found { format: list.format, number, id: list.version_id(number), hash })
	}
}

impl EvidenceEntry {
	/// Index (u32 BE) ‖ account: the value under the evidence ‖ list key.
	fn stored_value(&self) -> [u8; 36] {
		let mut value = [0; 36];
		value[..4].copy_from_slice(&self.index.to_be_bytes());
		value[4..].copy_from_slice(&self.account);
		value
	}

	fn from_stored(key: &[u8], value: &[u8]) -> Result<Self, StoreError> {
		let corrupt = || StoreError::Corrupt("status list evidence");
		let list = key
			.get(32..)
			.ok_or_else(corrupt)
			.and_then(|id| ListId::from_stored(id).map_err(|_| corrupt()))?;
		let (index, account) = (value.get(..4), value.get(4..));
		let index = index.and_then(|b| <[u8; 4]>::try_from(b).ok()).ok_or_else(corrupt)?;
		let account = account.and_then(|b| <[u8; 32]>::try_from(b).ok()).ok_or_else(corrupt)?;
		Ok(Self { list, index: u32::from_be_bytes(index), account })
	}
}

/// Allocates an entry for `claim` within `tx` (see [`StatusLists::allocate`]). Everything it
/// reads comes first: a list found unusable (corrupt, or its order broken) is the inner
/// error, with nothing written, and fails this allocation alone; the outer error is a write
/// that failed, which fails the whole group of writes it is in.
fn allocate_in(
	tx: &WriteTransaction,
	claim: &Claim,
) -> Result<Result<Allocation, StoreError>, StoreError> {
	let (id, mut list, index, bits, follower_unset) = match plan_allocation(tx, claim) {
		Ok(Planned::Decided(allocation)) => return Ok(Ok(allocation)),
		Ok(Planned::Entry { id, list, index, bits, follower_unset }) => {
			(id, list, index, bits, follower_unset)
		},
		Err(unusable) => return Ok(Err(unusable)),
	};
	let entry = EvidenceEntry { list: id, index, account: claim.account };
	let mut evidence = tx.open_table(EVIDENCE).map_err(StoreError::db)?;
	evidence
		.insert(&evidence_key(&claim.evidence, &id)[..], &entry.stored_value()[..])
		.map_err(StoreError::db)?;
	list.allocated += 1;
	if let Some(bits) = bits {
		tx.open_table(BITS)
			.map_err(StoreError::db)?
			.insert(&id.0[..], &bits[..])
			.map_err(StoreError::db)?;
		list.revision += 1;
		tx.open_table(CHANGED)
			.map_err(StoreError::db)?
			.insert(&id.0[..], ())
			.map_err(StoreError::db)?;
	}
	tx.open_table(LISTS)
		.map_err(StoreError::db)?
		.insert(&id.0[..], &encode(&list)[..])
		.map_err(StoreError::db)?;
	if follower_unset {
		tx.open_table(FOLLOWER)
			.map_err(StoreError::db)?
			.insert(POSITION, claim.block)
			.map_err(StoreError::db)?;
	}
	Ok(Ok(Allocation::Entry(StatusListEntry { uri: list.uri, index })))
}

/// What the reads of an allocation decided.
enum Planned {
	/// Decided without a new entry (an earlier one, a list to open, the follower ahead).
	Decided(Allocation),
	/// A new entry at `index` of list `id`, whose record becomes `list` (its count not yet
	/// raised); `bits` are the list's new bits if the entry starts set; `follower_unset` when
	/// this is the first entry ever, which starts the follower.
	Entry { id: ListId, list: ListRecord, index: u32, bits: Option<Vec<u8>>, follower_unset: bool },
}

/// The reads of [`allocate_in`], which write nothing.
fn plan_allocation(tx: &WriteTransaction, claim: &Claim) -> Result<Planned, StoreError> {
	let follower = tx.open_table(FOLLOWER).map_err(StoreError::db)?;
	let position = follower_position(&follower)?;
	// Revocations up to the follower's block are applied to known entries only: one read at
	// an older block could miss one made since.
	if let Some(position) = position.filter(|position| *position > claim.block) {
		return Ok(Planned::Decided(Allocation::FollowerAhead(position)));
	}
	let evidence = tx.open_table(EVIDENCE).map_err(StoreError::db)?;
	let lists = tx.open_table(LISTS).map_err(StoreError::db)?;
	for earlier in entries_of(&evidence, &claim.evidence)? {
		if earlier.account != claim.account {
			continue;
		}
		let list = load_list(&lists, &earlier.list)?;
		if list.format == claim.format {
			let entry = StatusListEntry { uri: list.uri, index: earlier.index };
			return Ok(Planned::Decided(Allocation::Entry(entry)));
		}
	}
	let open = tx.open_table(OPEN_LISTS).map_err(StoreError::db)?;
	let key = open_key(&claim.account, claim.format);
	let id = open.get(&key[..]).map_err(StoreError::db)?.map(|id| ListId::from_stored(id.value()));
	let Some(id) = id.transpose()? else { return Ok(Planned::Decided(Allocation::NeedsList)) };
	let list = load_list(&lists, &id)?;
	if !list.takes_entries() {
		return Ok(Planned::Decided(Allocation::NeedsList));
	}
	let index = list.next_index()?;
	let bits = if claim.revoked {
		let mut stored = load_bits(&tx.open_table(BITS).map_err(StoreError::db)?, &id)?;
		set_bit(&mut stored, index, true).then_some(stored)
	} else {
		None
	};
	Ok(Planned::Entry { id, list, index, bits, follower_unset: position.is_none() })
}

/// The follower's block in its table, once following started.
fn follower_position(
	follower: &impl ReadableTable<&'static str, u32>,
) -> Result<Option<u32>, StoreError> {
	Ok(follower.get(POSITION).map_err(StoreError::db)?.map(|block| block.value()))
}

/// The entries of the evidence with hash `evidence`, across lists.
fn entries_of(
	table: &impl ReadableTable<&'static [u8], &'static [u8]>,
	evidence: &[u8; 32],
) -> Result<Vec<EvidenceEntry>, StoreError> {
	let first = evidence_key(evidence, &ListId([0; 16]));
	let last = evidence_key(evidence, &ListId([0xff; 16]));
	let mut found = Vec::new();
	for item in table.range(&first[..]..=&last[..]).map_err(StoreError::db)? {
		let (key, value) = item.map_err(StoreError::db)?;
		found.push(EvidenceEntry::from_stored(key.value(), value.value())?);
	}
	Ok(found)
}

fn load_list(
	table: &impl ReadableTable<&'static [u8], &'static [u8]>,
	id: &ListId,
) -> Result<ListRecord, StoreError> {
	let found = table.get(&id.0[..]).map_err(StoreError::db)?;
	decode(found.ok_or(StoreError::Corrupt("status list"))?.value(), "status list")
}

fn load_bits(
	table: &impl ReadableTable<&'static [u8], &'static [u8]>,
	id: &ListId,
) -> Result<Vec<u8>, StoreError> {
	let found = table.get(&id.0[..]).map_err(StoreError::db)?;
	Ok(found.ok_or(StoreError::Corrupt("status list bits"))?.value().to_vec())
}

/// Account ‖ format code.
fn open_key(account: &[u8; 32], format: ListFormat) -> [u8; 33] {
	let mut key = [0; 33];
	key[..32].copy_from_slice(account);
	key[32] = format.code();
	key
}

/// Evidence hash ‖ list id (an evidence's entries are one range).
fn evidence_key(evidence: &[u8; 32], id: &ListId) -> [u8; 48] {
	let mut key = [0; 48];
	key[..32].copy_from_slice(evidence);
	key[32..].copy_from_slice(&id.0);
	key
}

/// List id ‖ version (BE, so a list's versions sort by number).
fn version_key(id: &ListId, number: u32) -> [u8; 20] {
	let mut key = [0; 20];
	key[..16].copy_from_slice(&id.0);
	key[16..].copy_from_slice(&number.to_be_bytes());
	key
}

/// Sets bit `index` of the MSB-first bitstring `bits` (index 0 is 0x80 of byte 0, as in W3C
/// Bitstring Status List; the TA reorders it for a Token list) to `revoked`. Returns whether it
/// changed; an index past the end changes nothing.
pub fn set_bit(bits: &mut [u8], index: u32, revoked: bool) -> bool {
	let Some(byte) = bits.get_mut((index / 8) as usize) else { return false };
	let mask = 0x80u8 >> (index % 8);
	let before = *byte;
	if revoked {
		*byte |= mask;
	} else {
		*byte &= !mask;
	}
	*byte != before
}

/// The revocation bit of entry `index` of this worker's status list `uri`, as the follower last
/// set it; `None` if `uri` is not one of this worker's lists or `index` is past its end.
pub fn bit_of(worker: &Worker, uri: &str, index: u32) -> Result<Option<bool>, WorkerError> {
	let prefix = format!("{}/v1/status-lists/", worker.public_url);
	let Some(id) = uri.strip_prefix(prefix.as_str()).and_then(ListId::parse) else {
		return Ok(None);
	};
	let Some((_, bits)) = StatusLists::new(&worker.store).list(&id)? else { return Ok(None) };
	if (index / 8) as usize >= bits.len() {
		return Ok(None);
	}
	Ok(Some(teeid_ta_protocol::status_list::bit(&bits, index)))
}

/// Allocates the status list entry of the credential `credential_id` that `issuer` issues in
/// `format`, reading the chain at `view` (the issuance's block): the entry's bit follows the
/// issuer's flag on the credential's status evidence (the id came with the request, so a record
/// of it may exist). A new list, if one is needed, is published before the entry is returned.
pub async fn allocate(
	worker: &Worker,
	view: &ChainView,
	issuer: &str,
	format: StatusListFormat,
	credential_id: &str,
) -> Result<StatusListEntry, WorkerError> {
	let account = parse_did(issuer)?;
	let evidence = status_evidence(&worker.chain.genesis_hash(), credential_id);
	let mut newer = None;
	for _ in 0..ALLOCATION_PASSES {
		let view: &ChainView = newer.as_deref().unwrap_or(view);
		let revoked =
			view.evidence_signer(&evidence, &account).await?.is_some_and(|signer| signer.revoked);
		let claim = Claim {
			account: account.clone().into(),
			format: format.into(),
			evidence: evidence.0,
			revoked,
			block: view.block().0,
		};
		let (mut entries, stop) =
			StatusLists::new(&worker.store).allocate_many(vec![claim.clone()]).await?;
		if let Some(entry) = entries.pop() {
			return Ok(entry);
		}
		if let Some(stop) = stop {
			newer = settle(worker, issuer, &claim, stop).await?.or(newer);
		}
	}
	Err(no_entry())
}

/// What an allocation that got no entry does before it tries again: opens a list for the
/// claim's issuer and format, or returns the node's latest view to read the status at (the
/// follower has passed the block it was read at, and cannot pass the latest finalized one).
async fn settle(
	worker: &Worker,
	issuer: &str,
	claim: &Claim,
	stop: Allocation,
) -> Result<Option<Arc<ChainView>>, WorkerError> {
	match stop {
		Allocation::Entry(_) => Ok(None),
		Allocation::NeedsList => open_list(worker, issuer, claim).await.map(|()| None),
		Allocation::FollowerAhead(position) => {
			tracing::debug!(position, read = claim.block, "status read behind the follower");
			Ok(Some(worker.chain.latest_view().await?))
		},
	}
}

fn no_entry() -> WorkerError {
	WorkerError::Unavailable(
		"no status list entry could be allocated for the credential; try again".into(),
	)
}

/// Entries allocated ahead, with the ids of the credentials they are for: the status evidence
/// of an id the worker draws (74 random bits after the time) cannot have been created on
/// chain, let alone revoked, before the credential is issued, so its entry can be allocated
/// before the issuance asks. One turn of the store's writer allocates [`FRESH_BATCH`] of them
/// for an issuer and format, and each issuance under a drawn id takes one: most issuances take
/// no turn of the writer before the TA signs (the writer serializes every write, and was the
/// largest share of an issuance's time under load).
///
/// What this costs: entries taken ahead and not used when the worker stops stay allocated,
/// bound to the evidence of ids never issued (fewer than one and a half batches, 96, per issuer
/// and format each time the worker stops); nobody holds a credential for them, and a list
/// hands out 65,536 before the next is opened.
#[derive(Default)]
pub struct FreshEntries {
	pools: std::sync::Mutex<BTreeMap<PoolKey, Arc<FreshPool>>>,
}

/// An issuer's account and a list format.
type PoolKey = ([u8; 32], ListFormat);

/// A credential's id, and the status list entry allocated for it.
pub type IdEntry = (String, StatusListEntry);

/// The entries allocated ahead for one issuer and format.
#[derive(Default)]
struct FreshPool {
	state: std::sync::Mutex<PoolState>,
	/// Woken when a refill ends.
	refilled: Notify,
}

#[derive(Default)]
struct PoolState {
	entries: Vec<IdEntry>,
	/// Whether an issuance is allocating the next batch.
	refilling: bool,
	/// How many refills failed, and why the last one did.
	failures: u64,
	last_failure: String,
}

impl FreshPool {
	fn state(&self) -> std::sync::MutexGuard<'_, PoolState> {
		self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
	}
}

impl FreshEntries {
	/// An id drawn with `draw` and its entry for a credential `issuer` issues in `format`, read
	/// at `view`. The issuance that takes the pool below half a batch allocates the next batch
	/// (one turn of the store's writer) while the others go on taking what is left, and wait
	/// only if it runs out first; if that refill fails, those waiting fail with it rather than
	/// each trying again in turn.
	pub async fn take(
		&self,
		worker: &Worker,
		view: &ChainView,
		issuer: &str,
		format: StatusListFormat,
		draw: impl Fn() -> String,
	) -> Result<IdEntry, WorkerError> {
		let account: [u8; 32] = parse_did(issuer)?.into();
		let format = ListFormat::from(format);
		let pool = {
			let mut pools = self.pools.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
			match pools.get(&(account, format)) {
				Some(pool) => Some(pool.clone()),
				None if pools.len() < MAX_FRESH_POOLS => {
					Some(pools.entry((account, format)).or_default().clone())
				},
				None => None,
			}
		};
		let Some(pool) = pool else {
			// Too many issuers to keep entries ahead for each: this one gets one.
			let one = allocate_fresh(worker, view, issuer, account, format, 1, &draw).await?;
			return one.into_iter().next().ok_or_else(no_entry);
		};
		// The failed refills seen when this issuance began to wait.
		let mut waited_at = None;
		loop {
			// Registered before the state is read, so that a refill ending in between wakes it.
			let refilled = pool.refilled.notified();
			tokio::pin!(refilled);
			refilled.as_mut().enable();
			let (taken, refill) = {
				let mut state = pool.state();
				let taken = state.entries.pop();
				if taken.is_none() && waited_at.is_some_and(|seen| state.failures > seen) {
					return Err(WorkerError::Unavailable(format!(
						"no status list entry could be allocated: {}",
						state.last_failure
					)));
				}
				let refill = !state.refilling && state.entries.len() < FRESH_BATCH / 2;
				state.refilling |= refill;
				if !refill && taken.is_none() {
					waited_at = Some(state.failures);
				}
				(taken, refill)
			};
			if !refill {
				match taken {
					Some(taken) => return Ok(taken),
					None => {
						refilled.await;
						continue;
					},
				}
			}
			// Ends the refill even if this issuance is dropped meanwhile (its client went away):
			// otherwise the pool would stay marked as refilling, and its waiters wait for ever.
			let refill = Refill { pool: &pool };
			let allocated =
				allocate_fresh(worker, view, issuer, account, format, FRESH_BATCH, &draw).await;
			refill.end(&allocated);
			match (taken, allocated) {
				(Some(taken), Ok(_)) => return Ok(taken),
				// The next issuance to find the pool low tries again.
				(Some(taken), Err(e)) => {
					tracing::warn!(issuer, "allocating status list entries ahead: {e}");
					return Ok(taken);
				},
				(None, Err(e)) => return Err(e),
				(None, Ok(_)) => {},
			}
		}
	}
}

/// A refill of a [`FreshPool`] under way: ended (the pool no longer marked, its waiters woken)
/// when dropped, however the issuance that runs it ends.
struct Refill<'p> {
	pool: &'p FreshPool,
}

impl Refill<'_> {
	/// Ends the refill with what it `allocated`.
	fn end(self, allocated: &Result<Vec<IdEntry>, WorkerError>) {
		let mut state = self.pool.state();
		match allocated {
			Ok(entries) => state.entries.extend(entries.iter().cloned()),
			Err(e) => {
				state.failures += 1;
				state.last_failure = e.to_string();
			},
		}
	}
}

impl Drop for Refill<'_> {
	fn drop(&mut self) {
		self.pool.state().refilling = false;
		self.pool.refilled.notify_waiters();
	}
}

/// Allocates entries for `count` ids drawn with `draw` (at least one, unless it fails), for
/// credentials `issuer` (with `account`) issues in `format`, read at `view` or newer.
async fn allocate_fresh(
	worker: &Worker,
	view: &ChainView,
	issuer: &str,
	account: [u8; 32],
	format: ListFormat,
	count: usize,
	draw: &impl Fn() -> String,
) -> Result<Vec<IdEntry>, WorkerError> {
	let genesis = worker.chain.genesis_hash();
	let ids: Vec<String> = (0..count).map(|_| draw()).collect();
	let mut newer: Option<Arc<ChainView>> = None;
	for _ in 0..ALLOCATION_PASSES {
		let block = newer.as_deref().unwrap_or(view).block().0;
		let claims: Vec<Claim> = ids
			.iter()
			.map(|id| Claim {
				account,
				format,
				evidence: status_evidence(&genesis, id).0,
				revoked: false,
				block,
			})
			.collect();
		let Some(first) = claims.first().cloned() else { break };
		let (entries, stop) = StatusLists::new(&worker.store).allocate_many(claims).await?;
		if !entries.is_empty() {
			return Ok(ids.into_iter().zip(entries).collect());
		}
		if let Some(stop) = stop {
			newer = settle(worker, issuer, &first, stop).await?.or(newer);
		}
	}
	Err(no_entry())
}

/// Opens a list for the claim's issuer and format, unless another allocation did while this one
/// waited for the lock: has the TA sign its first version, then stores both at once.
async fn open_list(worker: &Worker, issuer: &str, claim: &Claim) -> Result<(), WorkerError> {
	let started = Instant::now();
	let _opening = OPENING.lock().await;
	let lists = StatusLists::new(&worker.store);
	if lists.has_room(&claim.account, claim.format)? {
		return Ok(());
	}
	let id = ListId::random();
	let uri = format!("{}/v1/status-lists/{id}", worker.public_url);
	// Refused here with the reason, rather than by the TA as a bad list.
	if !is_status_list_uri(&uri) {
		return Err(WorkerError::Internal(format!(
			"`{uri}` cannot name a status list (an http(s) URI of at most 256 bytes): check the \
			 worker's public-url"
		)));
	}
	let list = ListRecord::new(issuer, claim.account, claim.format, uri, LIST_BITS);
	let bits = vec![0; list.byte_len()];
	let version = sign(worker, &list, &bits).await?;
	if lists.open(&id, &list, &bits, &version)? {
		worker.metrics.pending.inc();
		let took_ms = started.elapsed().as_millis();
		tracing::info!(list = %id, issuer, format = ?claim.format, took_ms, "status list opened");
	}
	Ok(())
}

/// Has the TA sign `bits` as a version of `list` against the latest finalized block; when the
/// TA has seen a newer block, waits for finality to reach it and signs again, as issuance does.
async fn sign(
	worker: &Worker,
	list: &ListRecord,
	bits: &[u8],
) -> Result<SignedVersion, WorkerError> {
	let deadline = Instant::now() + STALE_BLOCK_WAIT;
	loop {
		let view = worker.chain.view().await?;
		let (block_number, block_hash) = view.block();
		let created = created_at(chrono::Utc::now().timestamp_millis(), view.timestamp().await?)?;
		let request = StatusListRequest {
			issuer: list.issuer.clone(),
			uri: list.uri.clone(),
			format: list.format.protocol(),
			bits: bits.to_vec(),
			created,
			ttl: list.format.ttl(),
			block_number,
			block_hash,
		};
		match worker.tee.call(Command::SignStatusList(request)).await {
			Err(TeeError::Refused(TaError::StaleBlock { newest })) if Instant::now() < deadline => {
				finality_reaches(worker, newest, deadline).await?;
			},
			reply => {
				let issued =
					expect_reply!(reply?, Reply::StatusList(issued) => issued, "SignStatusList")?;
				return SignedVersion::from_issued(list.format, issued, block_number);
			},
		}
	}
}

/// Waits until the latest finalized block is at least `block`, or `deadline` passes (a 503 that
/// says finality lags).
async fn finality_reaches(
	worker: &Worker,
	block: u32,
	deadline: Instant,
) -> Result<(), WorkerError> {
	loop {
		let (finalized, _) = worker.chain.finalized().await?;
		if finalized >= block {
			return Ok(());
		}
		if Instant::now() >= deadline {
			return Err(WorkerError::Unavailable(format!(
				"the TA has seen block {block}, but the chain's finalized block is still \
				 {finalized}: finality lags behind; try again shortly"
			)));
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

/// Keeps the lists in step with the chain, forever: a round every [`ROUND_INTERVAL`] reads the
/// revocations of at most [`ROUND_BLOCKS`] finalized blocks after the last one it applied, then
/// republishes every changed list. A round that fails (the node unreachable, the TA restarting)
/// is logged, and the next one starts from what the database holds. It needs no stop signal:
/// whatever it is stopped in, its changes are committed transactions or nothing.
pub async fn follow(worker: Arc<Worker>) {
	loop {
		if let Err(e) = follow_round(&worker).await {
			tracing::warn!("status lists: {e}");
		}
		tokio::time::sleep(ROUND_INTERVAL).await;
	}
}

/// One round: apply the next finalized blocks' revocations, then republish changed lists.
async fn follow_round(worker: &Worker) -> Result<(), WorkerError> {
	let lists = StatusLists::new(&worker.store);
	let (finalized, _) = worker.chain.finalized().await?;
	let from = lists.start(finalized)?;
	if from < finalized && !lists.skip_unfollowed(from, finalized)? {
		let to = finalized.min(from.saturating_add(ROUND_BLOCKS));
		let mut changes = Vec::new();
		for number in from + 1..=to {
			changes.extend(finalized_view(worker, number).await?.revocation_changes().await?);
		}
		if lists.apply(from, to, &changes)?.is_none() {
			tracing::warn!("status lists: another follower moved past block {from}");
		}
	}
	for id in lists.changed()? {
		if let Err(e) = republish(worker, &id).await {
			tracing::warn!(list = %id, "status list not republished yet: {e}");
		}
	}
	Ok(())
}

/// The chain at finalized block `number`.
async fn finalized_view(worker: &Worker, number: u32) -> Result<ChainView, WorkerError> {
	let missing = || WorkerError::Unavailable(format!("the node does not have block {number}"));
	let hash = worker.chain.block_hash(number).await?.ok_or_else(missing)?;
	worker.chain.view_at(&hash).await?.ok_or_else(missing)
}

/// Signs the list's current bits as its next version, and records it.
async fn republish(worker: &Worker, id: &ListId) -> Result<(), WorkerError> {
	let lists = StatusLists::new(&worker.store);
	let (list, bits) = lists
		.list(id)?
		.ok_or_else(|| WorkerError::Internal(format!("changed status list {id} is not stored")))?;
	let version = sign(worker, &list, &bits).await?;
	if let Some(number) = lists.record_version(id, list.revision, &version)? {
		worker.metrics.pending.inc();
		tracing::info!(list = %id, version = number, "status list republished");
	}
	Ok(())
}

/// A published version, found for a request.
struct Published {
	format: ListFormat,
	number: u32,
	record: CredentialRecord,
}

impl Published {
	/// Version `number` (the latest if `None`) of the list `id` names, with 404s that say what is
	/// missing.
	fn find(worker: &Worker, id: &str, number: Option<&str>) -> Result<Self, WorkerError> {
		let no_list = || WorkerError::NotFound(format!("no status list `{id}` here"));
		let list = ListId::parse(id).ok_or_else(no_list)?;
		let wanted = match number {
			None => None,
			Some(text) => Some(text.parse::<u32>().map_err(|_| {
				WorkerError::NotFound(format!(
					"status list `{id}` has no version `{text}`: versions are numbered from 1"
				))
			})?),
		};
		match StatusLists::new(&worker.store).version(&list, wanted)? {
			VersionLookup::NoList => Err(no_list()),
			VersionLookup::NoVersion { latest } => Err(WorkerError::NotFound(format!(
				"status list `{id}` has no version `{}`: its versions are 1 to {latest}",
				number.unwrap_or_default()
			))),
			VersionLookup::Found { format, number, id: record_id, hash } => {
				let record = worker.store.credential(&record_id, &hash)?.ok_or_else(|| {
					WorkerError::Internal(format!(
						"version {number} of status list `{id}` is not among the issued credentials"
					))
				})?;
				Ok(Self { format, number, record })
			},
		}
	}

	/// The document, with its format's media type.
	fn document(&self) -> Result<Response, WorkerError> {
		let body = match (self.format, &self.record.credential) {
			(ListFormat::Bitstring, document @ Value::Object(_)) => document.to_string(),
			(ListFormat::Token, Value::String(token)) => token.clone(),
			_ => {
				return Err(WorkerError::Internal(format!(
					"version {} of a status list is not stored in its format's shape",
					self.number
				)))
			},
		};
		let headers =
			[(header::CONTENT_TYPE, self.format.media_type()), (header::CACHE_CONTROL, NO_CACHE)];
		Ok((headers, body).into_response())
	}

	/// The proof that the version is in an anchored batch; 404 until the batch's block is final.
	async fn anchor(self, worker: &Worker, id: &str) -> Result<Response, WorkerError> {
		let anchor = verify::anchor_proof(worker, &self.record).await?.ok_or_else(|| {
			WorkerError::NotFound(format!(
				"version {} of status list `{id}` is not anchored in a final block yet",
				self.number
			))
		})?;
		let body = StatusListAnchor {
			version: self.number,
			hash: format!("0x{}", hex::encode(self.record.hash)),
			anchor,
		};
		Ok(([(header::CACHE_CONTROL, NO_CACHE)], Json(body)).into_response())
	}
}

/// Where a version of a status list is anchored.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StatusListAnchor {
	/// The version.
	pub version: u32,
	/// What its batch anchors, `0x` hex: SHA-256 of the canonical JSON (Bitstring) or of the
	/// JWT (Token).
	pub hash: String,
	/// The proof that the hash is a leaf of an anchored batch.
	#[serde(flatten)]
	pub anchor: AnchorProof,
}

type Shared = State<Arc<Worker>>;

/// The status list routes (public).
pub fn router() -> Router<Arc<Worker>> {
	Router::new()
		.route("/v1/status-lists/{id}", get(latest_document))
		.route("/v1/status-lists/{id}/anchor", get(latest_anchor))
		.route("/v1/status-lists/{id}/versions/{version}", get(version_document))
		.route("/v1/status-lists/{id}/versions/{version}/anchor", get(version_anchor))
}

/// The status list routes' part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
	paths(latest_document, latest_anchor, version_document, version_anchor),
	components(schemas(StatusListAnchor, AnchorProof, ErrorBody))
)]
pub struct ApiDoc;

/// A status list's latest version: a `BitstringStatusListCredential` (`application/json`) or a
/// Token Status List JWT (`application/statuslist+jwt`), signed in the TEE. It changes with
/// every revocation (`Cache-Control: no-cache`).
#[utoipa::path(get, path = "/v1/status-lists/{id}",
	params(("id" = String, Path, description = "The list's id (32 hex digits)")),
	responses((status = 200, description = "The list document", content((Object = "application/json"), (String = "application/statuslist+jwt"))),
		(status = 404, body = ErrorBody)))]
async fn latest_document(
	State(worker): Shared,
	Path(id): Path<String>,
) -> Result<Response, WorkerError> {
	Published::find(&worker, &id, None)?.document()
}

/// Version `version` of a status list, as it was published: the exact document an anchor
/// proves, for verifiers that check an older answer.
#[utoipa::path(get, path = "/v1/status-lists/{id}/versions/{version}",
	params(("id" = String, Path, description = "The list's id (32 hex digits)"),
		("version" = u32, Path, description = "The version, from 1")),
	responses((status = 200, description = "The list document", content((Object = "application/json"), (String = "application/statuslist+jwt"))),
		(status = 404, body = ErrorBody)))]
async fn version_document(
	State(worker): Shared,
	Path((id, version)): Path<(String, String)>,
) -> Result<Response, WorkerError> {
	Published::find(&worker, &id, Some(&version))?.document()
}

/// The proof that a status list's latest version is in a batch anchored on chain; 404 while it
/// waits for its batch, or for the block that anchored it to be final.
#[utoipa::path(get, path = "/v1/status-lists/{id}/anchor",
	params(("id" = String, Path, description = "The list's id (32 hex digits)")),
	responses((status = 200, description = "The anchor proof", body = StatusListAnchor), (status = 404, body = ErrorBody)))]
async fn latest_anchor(
	State(worker): Shared,
	Path(id): Path<String>,
) -> Result<Response, WorkerError> {
	Published::find(&worker, &id, None)?.anchor(&worker, &id).await
}

/// The proof that version `version` of a status list is in a batch anchored on chain; 404
/// while it waits for its batch, or for the block that anchored it to be final.
#[utoipa::path(get, path = "/v1/status-lists/{id}/versions/{version}/anchor",
	params(("id" = String, Path, description = "The list's id (32 hex digits)"),
		("version" = u32, Path, description = "The version, from 1")),
	responses((status = 200, description = "The anchor proof", body = StatusListAnchor), (status = 404, body = ErrorBody)))]
async fn version_anchor(
	State(worker): Shared,
	Path((id, version)): Path<(String, String)>,
) -> Result<Response, WorkerError> {
	Published::find(&worker, &id, Some(&version))?.anchor(&worker, &id).await
}

#[cfg(test)]
mod tests {
	use super::*;

	/// An allocation in a write transaction of its own, committed at once.
	fn allocate_now(lists: &StatusLists, claim: &Claim) -> Result<Allocation, StoreError> {
		let tx = lists.store.database().begin_write().map_err(StoreError::db)?;
		let allocation = allocate_in(&tx, claim)??;
		tx.commit().map_err(StoreError::db)?;
		Ok(allocation)
	}
	use sp_core::H256;
	use std::collections::BTreeSet;
	use teeid_primitives::AccountId;
	// The TA's reading of a list: what the worker stores must mean the same to it.
	use teeid_ta_protocol::status_list::bit as is_set;

	const ISSUER: [u8; 32] = [1; 32];

	fn store() -> (tempfile::TempDir, Store) {
		let dir = tempfile::tempdir().unwrap();
		let store = Store::open(&dir.path().join("w.redb")).unwrap();
		(dir, store)
	}

	fn new_claim(evidence: [u8; 32], format: ListFormat, block: u32) -> Claim {
		Claim { account: ISSUER, format, evidence, revoked: false, block }
	}

	fn bitstring(evidence: u8, block: u32) -> Claim {
		new_claim([evidence; 32], ListFormat::Bitstring, block)
	}

	/// Opens a list of `size` entries for [`ISSUER`], as the TA had signed its first version.
	fn open(lists: &StatusLists, size: u32, format: ListFormat) -> ListId {
		let id = ListId::random();
		let uri = format!("http://worker/v1/status-lists/{id}");
		let list = ListRecord::new("did:teeid:issuer", ISSUER, format, uri.clone(), size);
		let mut hash = [0; 32];
		hash[..16].copy_from_slice(&id.0);
		let version = SignedVersion { document: serde_json::json!({ "id": uri }), hash, block: 1 };
		assert!(lists.open(&id, &list, &vec![0; list.byte_len()], &version).unwrap());
		id
	}

	fn expect_entry(allocation: Allocation) -> StatusListEntry {
		match allocation {
			Allocation::Entry(entry) => entry,
			Allocation::NeedsList => panic!("no list takes entries"),
			Allocation::FollowerAhead(block) => panic!("the follower is at {block}"),
		}
	}

	fn change(evidence: u8, signer: [u8; 32], revoked: bool) -> RevocationChange {
		RevocationChange { hash: H256([evidence; 32]), signer: AccountId::new(signer), revoked }
	}

	#[tokio::test]
	async fn a_batch_of_entries_takes_one_write_and_stops_where_the_list_is_half_full_works() {
		let (_dir, store) = store();
		let lists = StatusLists::new(&store);
		let (none, stop) = lists.allocate_many(vec![bitstring(1, 5)]).await.unwrap();
		assert!(none.is_empty() && matches!(stop, Some(Allocation::NeedsList)));
		let id = open(&lists, 16, ListFormat::Bitstring);
		// Ten claims, eight entries before the list is half full: those eight are kept.
		let claims: Vec<Claim> = (1..=10u8).map(|evidence| bitstring(evidence, 5)).collect();
		let (entries, stop) = lists.allocate_many(claims).await.unwrap();
		assert_eq!(entries.len(), 8);
		assert!(matches!(stop, Some(Allocation::NeedsList)));
		let indexes: BTreeSet<u32> = entries.iter().map(|entry| entry.index).collect();
		assert_eq!(indexes.len(), 8, "distinct entries");
		assert!(entries.iter().all(|entry| entry.uri.ends_with(&id.to_string())));
		// Each entry is its evidence's: allocating the same claim again finds it.
		for (evidence, entry) in (1..=8u8).zip(&entries) {
			assert_eq!(
				&expect_entry(allocate_now(&lists, &bitstring(evidence, 5)).unwrap()),
				entry
			);
		}
	}

	#[tokio::test]
	async fn an_allocation_refused_inside_a_group_fails_alone_works() {
		let (_dir, store) = store();
		let store = std::sync::Arc::new(store);
		let lists = StatusLists::new(&store);
		let id = open(&lists, 8, ListFormat::Bitstring);
		// The issuer's list record no longer reads: its allocations are refused.
		{
			let tx = store.database().begin_write().unwrap();
			tx.open_table(LISTS).unwrap().insert(&id.0[..], &b"not a list"[..]).unwrap();
			tx.commit().unwrap();
		}
		// Held so that the allocation and a credential's record queue into one group.
		let blocker = store.database().begin_write().unwrap();
		let allocation = {
			let store = store.clone();
			tokio::spawn(async move {
				StatusLists::new(&store).allocate_many(vec![bitstring(1, 5)]).await
			})
		};
		let recorded = {
			let store = store.clone();
			let record = CredentialRecord {
				id: "urn:signed".into(),
				hash: [3; 32],
				issuer: "did:teeid:issuer".into(),
				cpt: 1000,
				issued_at: 5,
				batch: None,
				credential: Value::String("h.p.s~".into()),
			};
			tokio::spawn(async move { store.record_issued(&record).await })
		};
		tokio::time::sleep(std::time::Duration::from_millis(200)).await;
		drop(blocker);
		assert!(allocation.await.unwrap().is_err(), "the unreadable list refuses the entry");
		recorded.await.unwrap().expect("the record of its group is kept");
		assert_eq!(store.credential_by_id("urn:signed").unwrap().unwrap().hash, [3; 32]);
		assert_eq!(store.group_commits(), 1, "one group held both");
	}

	#[test]
	fn bits_are_msb_first_works() {
		let mut bits = [0u8; 2];
		assert!(set_bit(&mut bits, 0, true));
		assert!(set_bit(&mut bits, 9, true));
		assert_eq!(bits, [0x80, 0x40]);
		assert!(!set_bit(&mut bits, 9, true));
		assert!(set_bit(&mut bits, 0, false));
		assert_eq!(bits, [0x00, 0x40]);
		assert!(!set_bit(&mut bits, 16, true));
	}

	#[test]
	fn an_entry_order_is_a_permutation_of_the_list_s_indexes_works() {
		let order = EntryOrder::random();
		for size in [1, 2, 3, 5, 8, 100, 1000, 4096] {
			let indexes: BTreeSet<u32> =
				(0..size).map(|position| order.index(position, size).unwrap()).collect();
			assert_eq!(indexes, (0..size).collect(), "size {size}");
			assert_eq!(order.index(size, size), None);
		}
		assert_eq!(order.index(0, 0), None);
	}

	#[test]
	fn an_entry_order_is_pinned_by_known_answers_works() {
		// Computed apart from this code (Python's hashlib, the network as documented on
		// `EntryOrder`) for the key 0, 1, ..., 31.
		let order = EntryOrder(core::array::from_fn(|i| i as u8));
		let first = |size| (0..8).map(|position| order.index(position, size).unwrap()).collect();
		let answers: Vec<Vec<u32>> = vec![first(LIST_BITS), first(1000), first(8)];
		assert_eq!(
			answers,
			[
				vec![16347, 27265, 92870, 103706, 85721, 37606, 48371, 18857],
				vec![6, 501, 35, 603, 569, 965, 507, 573],
				vec![6, 2, 5, 3, 4, 0, 7, 1],
			]
		);
	}

	#[test]
	fn a_list_s_entries_in_order_are_distinct_and_spread_over_the_whole_list_works() {
		let order = EntryOrder::random();
		// The half of a list that is handed out: distinct indexes, as many in each half of
		// the list (a uniform spread puts 32,768 in each, give or take 128 or so).
		let taken: Vec<u32> =
			(0..LIST_BITS / 2).map(|position| order.index(position, LIST_BITS).unwrap()).collect();
		assert_eq!(taken.iter().collect::<BTreeSet<_>>().len(), taken.len());
		let low = taken.iter().filter(|index| **index < LIST_BITS / 2).count() as i64;
		assert!((low - i64::from(LIST_BITS / 4)).abs() < 2_000, "{low} in the lower half");
		// Not in issuance order, and another key is another order.
		assert!(taken.windows(2).filter(|pair| pair[0] < pair[1]).count() < taken.len() * 6 / 10);
		let other = EntryOrder::random();
		let same = (0..1000).filter(|n| other.index(*n, LIST_BITS) == Some(taken[*n as usize]));
		assert!(same.count() < 10);
		assert_eq!(format!("{order:?}"), "EntryOrder(..)");
	}

	#[test]
	fn a_list_stored_without_an_order_takes_no_new_entries_and_gives_way_to_a_new_one_works() {
		let (_dir, store) = store();
		let lists = StatusLists::new(&store);
		let old = open(&lists, 16, ListFormat::Bitstring);
		let entry = expect_entry(allocate_now(&lists, &bitstring(1, 5)).unwrap());
		// The record as a worker before entry orders stored it: the same JSON without `order`.
		let (mut record, _) = lists.list(&old).unwrap().unwrap();
		record.order = None;
		let stored = encode(&record);
		assert!(!String::from_utf8_lossy(&stored).contains("order"));
		let tx = store.database().begin_write().unwrap();
		tx.open_table(LISTS).unwrap().insert(&old.0[..], &stored[..]).unwrap();
		tx.commit().unwrap();
		assert!(!lists.has_room(&ISSUER, ListFormat::Bitstring).unwrap());
		assert!(matches!(allocate_now(&lists, &bitstring(2, 5)).unwrap(), Allocation::NeedsList));
		// Its entries stay its own; the issuer's next credential goes to a new list.
		let again = expect_entry(allocate_now(&lists, &bitstring(1, 6)).unwrap());
		assert_eq!((again.uri, again.index), (entry.uri, entry.index));
		let new = open(&lists, 16, ListFormat::Bitstring);
		let next = expect_entry(allocate_now(&lists, &bitstring(2, 6)).unwrap());
		assert!(next.uri.ends_with(&new.to_string()), "{}", next.uri);
	}

	#[test]
	fn list_ids_are_32_hex_digits_works() {
		let id = ListId::random();
		assert_eq!(id.to_string().len(), 32);
		assert_eq!(ListId::parse(&id.to_string()), Some(id));
		assert_eq!(ListId::parse("00ff"), None);
		assert_eq!(ListId::parse("not hex at all, not 32 hex digits"), None);
	}

	#[test]
	fn entries_are_distinct_and_a_half_full_list_gives_way_to_a_new_one_works() {
		let (_dir, store) = store();
		let lists = StatusLists::new(&store);
		assert!(matches!(allocate_now(&lists, &bitstring(1, 5)).unwrap(), Allocation::NeedsList));
		let first = open(&lists, 8, ListFormat::Bitstring);
		let mut taken = BTreeSet::new();
		let mut entries = Vec::new();
		for evidence in 1..=4u8 {
			let entry = expect_entry(allocate_now(&lists, &bitstring(evidence, 5)).unwrap());
			assert!(entry.uri.ends_with(&first.to_string()), "{}", entry.uri);
			assert!(entry.index < 8);
			assert!(taken.insert(entry.index), "index {} handed out twice", entry.index);
			entries.push(entry);
		}
		// Four of eight taken: the list takes no more, and a second one cannot be opened
		// while a list with room exists.
		assert!(matches!(allocate_now(&lists, &bitstring(5, 5)).unwrap(), Allocation::NeedsList));
		assert!(!lists.has_room(&ISSUER, ListFormat::Bitstring).unwrap());
		let second = open(&lists, 8, ListFormat::Bitstring);
		assert!(lists.has_room(&ISSUER, ListFormat::Bitstring).unwrap());
		let list =
			ListRecord::new("did:teeid:issuer", ISSUER, ListFormat::Bitstring, "u".into(), 8);
		let version = SignedVersion { document: Value::Null, hash: [9; 32], block: 1 };
		assert!(!lists.open(&ListId::random(), &list, &[0], &version).unwrap());
		let fifth = expect_entry(allocate_now(&lists, &bitstring(5, 5)).unwrap());
		assert!(fifth.uri.ends_with(&second.to_string()), "{}", fifth.uri);
		// An issuance tried again keeps its entry.
		let again = expect_entry(allocate_now(&lists, &bitstring(1, 6)).unwrap());
		assert_eq!((again.uri.as_str(), again.index), (entries[0].uri.as_str(), entries[0].index));
		assert_eq!(lists.list(&first).unwrap().unwrap().0.allocated, 4);
		// The same issuer's token lists are lists of their own.
		let token = new_claim([1; 32], ListFormat::Token, 6);
		assert!(matches!(allocate_now(&lists, &token).unwrap(), Allocation::NeedsList));
		// Every list's first version is a credential queued for the next batch.
		assert_eq!(store.pending_count().unwrap(), 2);
	}

	#[test]
	fn concurrent_allocations_never_share_an_index_works() {
		let (_dir, store) = store();
		let lists = StatusLists::new(&store);
		open(&lists, 64, ListFormat::Bitstring);
		let indices: Vec<u32> = std::thread::scope(|scope| {
			let threads: Vec<_> = (0..8u8)
				.map(|thread| {
					let lists = &lists;
					scope.spawn(move || {
						(0..8u8)
							.filter_map(|n| {
								let mut evidence = [0; 32];
								evidence[..2].copy_from_slice(&[thread, n]);
								let claim = new_claim(evidence, ListFormat::Bitstring, 5);
								match allocate_now(lists, &claim).unwrap() {
									Allocation::Entry(entry) => Some(entry.index),
									_ => None,
								}
							})
							.collect::<Vec<_>>()
					})
				})
				.collect();
			threads.into_iter().flat_map(|thread| thread.join().unwrap()).collect()
		});
		// Half of the 64 entries, each once; the other allocations were told to open a list.
		assert_eq!(indices.len(), 32);
		assert_eq!(indices.iter().collect::<BTreeSet<_>>().len(), 32);
	}

	#[test]
	fn only_the_list_issuers_revocations_change_bits_works() {
		let (_dir, store) = store();
		let lists = StatusLists::new(&store);
		let id = open(&lists, 8, ListFormat::Bitstring);
		// The first entry starts the follower at the block its status was read at.
		let entry = expect_entry(allocate_now(&lists, &bitstring(7, 5)).unwrap());
		assert_eq!(lists.position().unwrap(), Some(5));
		// Another signer of the evidence revokes it: its flag, not the credential's status.
		let stranger = [2; 32];
		assert_eq!(lists.apply(5, 6, &[change(7, stranger, true)]).unwrap(), Some(vec![]));
		assert!(!is_set(&lists.list(&id).unwrap().unwrap().1, entry.index));
		assert!(lists.changed().unwrap().is_empty());
		// An evidence with no entry here changes nothing either.
		assert_eq!(lists.apply(6, 7, &[change(8, ISSUER, true)]).unwrap(), Some(vec![]));
		// The issuer revokes it.
		assert_eq!(lists.apply(7, 8, &[change(7, ISSUER, true)]).unwrap(), Some(vec![id]));
		let (list, bits) = lists.list(&id).unwrap().unwrap();
		assert!(is_set(&bits, entry.index));
		assert_eq!(bits.iter().map(|b| b.count_ones()).sum::<u32>(), 1);
		assert_eq!((list.revision, list.published), (1, 0));
		assert_eq!(lists.changed().unwrap(), vec![id]);
		// Lifted and revoked again within a round: the list is as it was.
		let both = [change(7, ISSUER, false), change(7, ISSUER, true)];
		assert_eq!(lists.apply(8, 9, &both).unwrap(), Some(vec![]));
		assert_eq!(lists.list(&id).unwrap().unwrap().0.revision, 1);
		// The issuer lifts it.
		assert_eq!(lists.apply(9, 10, &[change(7, ISSUER, false)]).unwrap(), Some(vec![id]));
		let (list, bits) = lists.list(&id).unwrap().unwrap();
		assert!(!is_set(&bits, entry.index));
		assert_eq!(list.revision, 2);
		// A round that does not start where the follower stands applies nothing.
		assert_eq!(lists.apply(3, 11, &[change(7, ISSUER, true)]).unwrap(), None);
		assert_eq!(lists.position().unwrap(), Some(10));
		assert!(!is_set(&lists.list(&id).unwrap().unwrap().1, entry.index));
	}

	#[test]
	fn an_evidence_revoked_before_allocation_starts_revoked_works() {
		let (_dir, store) = store();
		let lists = StatusLists::new(&store);
		let id = open(&lists, 8, ListFormat::Token);
		let claim = Claim { revoked: true, ..new_claim([3; 32], ListFormat::Token, 4) };
		let entry = expect_entry(allocate_now(&lists, &claim).unwrap());
		let (list, bits) = lists.list(&id).unwrap().unwrap();
		assert!(is_set(&bits, entry.index));
		assert_eq!(list.revision, 1);
		assert_eq!(lists.changed().unwrap(), vec![id]);
	}

	#[test]
	fn the_follower_position_persists_and_holds_back_older_allocations_works() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("w.redb");
		{
			let store = Store::open(&path).unwrap();
			let lists = StatusLists::new(&store);
			assert_eq!(lists.position().unwrap(), None);
			assert_eq!(lists.start(10).unwrap(), 10);
			assert_eq!(lists.start(20).unwrap(), 10);
			// No entry to follow: the follower jumps without reading the blocks.
			assert!(lists.skip_unfollowed(10, 20).unwrap());
			assert!(!lists.skip_unfollowed(10, 30).unwrap());
		}
		let store = Store::open(&path).unwrap();
		let lists = StatusLists::new(&store);
		assert_eq!(lists.position().unwrap(), Some(20));
		open(&lists, 8, ListFormat::Bitstring);
		// A status read at a block the follower has passed may be stale.
		assert!(matches!(
			allocate_now(&lists, &bitstring(1, 19)).unwrap(),
			Allocation::FollowerAhead(20)
		));
		expect_entry(allocate_now(&lists, &bitstring(1, 20)).unwrap());
		// With an entry to follow, every block is read.
		assert!(!lists.skip_unfollowed(20, 30).unwrap());
		assert_eq!(lists.apply(20, 30, &[]).unwrap(), Some(vec![]));
		// Closed and opened again: the position is on disk.
		drop(store);
		let store = Store::open(&path).unwrap();
		assert_eq!(StatusLists::new(&store).position().unwrap(), Some(30));
	}

	#[test]
	fn versions_are_recorded_as_credentials_works() {
		let (_dir, store) = store();
		let lists = StatusLists::new(&store);
		let id = open(&lists, 8, ListFormat::Token);
		let uri = format!("http://worker/v1/status-lists/{id}");
		let first = store.credential_by_id(&format!("{uri}?version=1")).unwrap().unwrap();
		assert_eq!((first.cpt, first.issuer.as_str(), first.issued_at), (0, "did:teeid:issuer", 1));
		assert!(matches!(
			lists.version(&id, None).unwrap(),
			VersionLookup::Found { format: ListFormat::Token, number: 1, id, hash }
				if hash == first.hash && id == first.id
		));
		expect_entry(allocate_now(&lists, &new_claim([4; 32], ListFormat::Token, 2)).unwrap());
		lists.apply(2, 3, &[change(4, ISSUER, true)]).unwrap();
		let (list, _) = lists.list(&id).unwrap().unwrap();
		let signed =
			SignedVersion { document: Value::String("h.p.s".into()), hash: [9; 32], block: 12 };
		assert_eq!(lists.record_version(&id, list.revision, &signed).unwrap(), Some(2));
		assert!(lists.changed().unwrap().is_empty());
		// The same bits signed twice (a crash before the mark was cleared) are one version.
		let twice = SignedVersion { hash: [10; 32], ..signed.clone() };
		assert_eq!(lists.record_version(&id, list.revision, &twice).unwrap(), None);
		let second = store.credential_by_id(&format!("{uri}?version=2")).unwrap().unwrap();
		assert_eq!((second.hash, second.issued_at, second.cpt), ([9; 32], 12, 0));
		assert_eq!(second.credential, Value::String("h.p.s".into()));
		assert_eq!(store.pending_count().unwrap(), 2);
		let found = |number| lists.version(&id, number).unwrap();
		assert!(matches!(found(None), VersionLookup::Found { number: 2, hash: [9, ..], .. }));
		assert!(matches!(found(Some(1)), VersionLookup::Found { number: 1, .. }));
		assert_eq!(found(Some(3)), VersionLookup::NoVersion { latest: 2 });
		assert_eq!(found(Some(0)), VersionLookup::NoVersion { latest: 2 });
		assert_eq!(lists.version(&ListId::random(), None).unwrap(), VersionLookup::NoList);
		// Bits that change while a version is signed keep the list marked.
		lists.apply(3, 4, &[change(4, ISSUER, false)]).unwrap();
		let (signing, _) = lists.list(&id).unwrap().unwrap();
		lists.apply(4, 5, &[change(4, ISSUER, true)]).unwrap();
		let third = SignedVersion { hash: [11; 32], ..signed };
		assert_eq!(lists.record_version(&id, signing.revision, &third).unwrap(), Some(3));
		assert_eq!(lists.changed().unwrap(), vec![id]);
	}
}
