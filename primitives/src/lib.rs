//! # teeid primitives
//!
//! Types shared by every side of teeid: the runtime and its pallets, the TEE worker (normal
//! world) and the trusted application (secure world). Keeping them in one `no_std` crate means
//! the chain, the worker and the TA can never disagree on an encoding: there is exactly one
//! definition of each.
//!
//! - [`attestation`]: the TEE worker's report R, endorsements, work reports and the platform
//!   evidence (OP-TEE attestation PTA shape) that the chain and the TA both check.
//! - [`chain`]: the chain's basic types (account, balance, block number, hash, signature).
//! - [`data_integrity`]: W3C Data Integrity proofs of the `eddsa-jcs-2022` cryptosuite, the
//!   bytes a TEE signs for a credential and what a verifier checks.
//! - [`history`]: the head of a record's linked events (WeIdentity, ERC-1056).
//! - [`json`]: strict JSON and its canonical form (RFC 8785), so that every side hashes and
//!   signs a JSON document (a credential schema, a credential) as the same bytes.
//! - [`merkle`]: Merkle batches of hashes and their combined proofs (`merkle-cbt`), with
//!   leaves and inner nodes domain-separated.
//! - [`signing`]: the domain-separated envelope that every signed off-chain payload uses, so a
//!   signature made for one purpose, chain or moment can never be replayed for another.

#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

extern crate alloc;

pub mod attestation;
pub mod base58;
pub mod chain;
pub mod data_integrity;
pub mod history;
pub mod json;
pub mod merkle;
pub mod signing;
mod token;

pub use chain::*;
