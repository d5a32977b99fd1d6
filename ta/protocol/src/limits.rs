// The TA's memory budget and the request limits derived from it. Only constants, and no inner
// attributes or doc comment: `ta/optee/build.rs` includes this file (`include!`) to size the
// TA's heap and stack, so the OP-TEE build and every check below share one definition. The
// module's documentation is on `pub mod limits` in `lib.rs`.

/// The TA's heap under OP-TEE (the TA header's `ta_data_size`, a static arena the TA owns for
/// as long as its single kept-alive instance lives), and the cap the simulation's counting
/// allocator enforces. 4 MiB: the worst legal request peaks at half of it (see
/// [`TA_REQUEST_BUDGET_BYTES`]).
pub const TA_HEAP_BYTES: usize = 4 * 1024 * 1024;

/// The most any one legal request may take of the heap at its peak, as the simulation counts
/// it (with OP-TEE's per-allocation overhead): half of it. The other half is margin for what
/// the count does not see: fragmentation of OP-TEE's first-fit allocator and libutee's own
/// allocations. Tests drive the worst request of every command and check their peaks against
/// it.
pub const TA_REQUEST_BUDGET_BYTES: usize = TA_HEAP_BYTES / 2;

/// The TA's stack under OP-TEE (`ta_stack_size`).
pub const TA_STACK_BYTES: usize = 64 * 1024;

/// The largest request a TA reads. The largest legal ones are a presentation of the largest
/// credential ([`MAX_CREDENTIAL_BYTES`]) naming each of its claims (whose names are part of the
/// claims' [`MAX_CLAIMS_BYTES`]), under 140 KiB, and a status list of the most entries (128 KiB
/// of bits, `status_list::MAX_STATUS_LIST_BITS`, and two identifiers), under 130 KiB. Larger
/// requests get `TooLarge` without being copied into the TA.
pub const MAX_REQUEST_BYTES: usize = 160 * 1024;

/// The output buffer a host must offer: no reply is larger.
pub const MAX_RESPONSE_BYTES: usize = 512 * 1024;

/// The most memory decoding a request may take, by what the decoder reserves (and 32 bytes of
/// bookkeeping per allocation): twice the request. SCALE lengths are the sender's to choose, so
/// without it a vector of empty strings would cost 24 bytes of heap per byte of request.
pub const MAX_DECODED_BYTES: usize = 2 * MAX_REQUEST_BYTES;

/// The deepest nesting of JSON arrays and objects the parser accepts
/// (`teeid_primitives::json::MAX_DEPTH`, checked equal in `lib.rs`).
pub const JSON_MAX_DEPTH: usize = 64;

/// The levels a presentation adds above the claims: a claims container at depth `d` of the
/// claims sits at `d + 3` in a presentation (presentation, `verifiableCredential`, derived
/// credential, `credentialSubject` replacing the claims object).
pub const PRESENTATION_NESTING: usize = 3;

/// The levels a credential adds above the claims (the credential, `credentialSubject`
/// replacing the claims object).
pub const CREDENTIAL_NESTING: usize = 1;

/// The deepest claims: whatever is issued must be presentable, and its presentation readable
/// by the same parser.
pub const MAX_CLAIMS_DEPTH: usize = JSON_MAX_DEPTH - PRESENTATION_NESTING;

/// The most bytes of claims: as sent (plain or once unsealed), and in canonical form.
pub const MAX_CLAIMS_BYTES: usize = 64 * 1024;

/// The most JSON values in the claims, member names counted (each costs the TA up to about
/// 64 bytes parsed).
pub const MAX_CLAIMS_VALUES: usize = 4096;

/// The largest schema, as on chain (`pallet-cpt`'s `MaxSchemaLength` in the runtime).
pub const MAX_SCHEMA_BYTES: usize = 16 * 1024;

/// The most JSON values in a schema, member names counted. The TA keeps the last schema
/// parsed between requests.
pub const MAX_SCHEMA_VALUES: usize = 4096;

/// What a credential adds to its claims, at most: the identifiers (at most 256 bytes each) and
/// everything the TA writes. Issued credentials are smaller (tested).
pub const CREDENTIAL_OVERHEAD_BYTES: usize = 8 * 1024;

/// The largest credential `Present` reads: every credential the TA issues fits.
pub const MAX_CREDENTIAL_BYTES: usize = MAX_CLAIMS_BYTES + CREDENTIAL_OVERHEAD_BYTES;

/// The most JSON values in a credential `Present` reads: the claims' and the credential's own.
pub const MAX_CREDENTIAL_VALUES: usize = MAX_CLAIMS_VALUES + 256;

/// The deepest credential `Present` reads.
pub const MAX_CREDENTIAL_DEPTH: usize = MAX_CLAIMS_DEPTH + CREDENTIAL_NESTING;

/// The bytes sealing adds to claims (AES-256-GCM's tag).
pub const SEALED_OVERHEAD_BYTES: usize = 16;
