//! # teeid TA simulation
//!
//! The teeid TA's logic ([`teeid_ta_core`]) in a host process of its own, for machines without
//! TrustZone. It behaves like the TA under OP-TEE where the worker can tell:
//!
//! - **Separate process, one interface.** The worker reaches it only through the TA command
//!   protocol: one SCALE request in, one SCALE response out, framed over a Unix socket
//!   ([`frame`], [`server`], [`client`]). No memory is shared and nothing is called directly.
//! - **Sealed storage** ([`storage`]) derived the way OP-TEE derives it: a device unique key
//!   (the simulated HUK), the secure-storage key SSK = HMAC-SHA256(HUK, chip id ‖
//!   "ONLY_FOR_tee_fs_ssk"), the TA storage key TSK = HMAC-SHA256(SSK, TA UUID); objects are
//!   AES-256-GCM authenticated with their TA and id, so a tampered or swapped blob is refused.
//! - **Device-key evidence** ([`device`]) in the shape of OP-TEE's attestation PTA: an RSA
//!   device key (3072 bits, as the PTA's default) generated on first start and sealed to the
//!   PTA's UUID, signing RSASSA-PSS over SHA-256(nonce ‖ measurement); the measurement is the
//!   SHA-256 of the simulation's own executable.
//! - **Device certificates** from the simulated device certifier, whose secret seed is public
//!   (`teeid_primitives::attestation::SIMULATED_CERTIFIER_SEED`): the only certifier the
//!   simulated TA accepts ([`platform::ACCEPTED_CERTIFIERS`]), so anyone can certify a
//!   simulated device ([`client::SimClient::provision_simulated`], `teeid-ta-sim provision`)
//!   and its certificates say `Simulated`.
//! - **The TA's heap** ([`heap`]): the TA core runs under the OP-TEE TA's heap size, counted
//!   by the process's global allocator, and an allocation past it kills the process as it
//!   kills the TA under OP-TEE. A request over the protocol's size limit is refused unread, as
//!   OP-TEE's entry point refuses it, and the session goes on.
//!
//! What it cannot simulate is isolation: anyone with access to the state directory and the
//! process can read the keys. Everything it signs therefore says `Simulated`, and a chain
//! accepts `Simulated` workers only while its simulation flag is on.

pub mod client;
pub mod device;
pub mod frame;
pub mod heap;
pub mod platform;
pub mod server;
pub mod storage;
