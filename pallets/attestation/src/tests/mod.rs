//! Tests of the attestation pallet on the mock runtime, with real Ed25519 signatures over real
//! encoded reports and real device-key evidence.

mod allowlist;
mod bindings;
mod certifiers;
mod registration;
mod work_reports;
