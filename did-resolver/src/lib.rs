//! # teeid DID resolver
//!
//! Resolves `did:teeid` identifiers into W3C DID Core 1.0 documents with DID resolution
//! metadata, from the chain's state (the `DidApi` runtime API) and the DID's linked-event
//! history (`System.Events` of the blocks it changed in).
//!
//! - [`did`]: parsing and printing `did:teeid:<ss58>` identifiers.
//! - [`document`]: the DID document of a DID's state (pure, no chain access).
//! - [`event`]: the `did` pallet's events, decoded with the metadata of the runtime that
//!   emitted them.
//! - [`history`]: the linked-event walk and the attributes it yields.
//! - [`source`]: what the resolver reads from a chain, and [`source::RpcSource`], which reads
//!   it from a node's JSON-RPC.
//! - [`resolve`]: resolution of the current or a historical version.
//!
//! Resolving a past version, or walking history, reads the state of past blocks: the node must
//! keep it (an archive node). Against a pruned node the resolver fails with
//! [`ResolveError::HistoryUnavailable`] instead of returning a partial answer.

pub mod did;
pub mod document;
pub mod event;
pub mod history;
pub mod resolve;
pub mod source;

pub use did::Did;
pub use event::{DidEvent, DidEventKind};
pub use resolve::{resolve, ResolutionResult, ResolveError};

/// A DID's state as the `DidApi` runtime API returns it.
pub type DidState = pallet_did::DidState<
	teeid_primitives::AccountId,
	teeid_primitives::BlockNumber,
	teeid_primitives::Balance,
>;
