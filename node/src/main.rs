//! `teeid-node`: the node of the teeid chain.

#![warn(missing_docs)]
// `sc_cli::Error` and `sc_service::Error`, which every command and the service return, are
// large by design of the substrate client; boxing them here would only add noise.
#![allow(clippy::result_large_err)]

mod chain_spec;
mod cli;
mod command;
mod rpc;
mod service;
mod timestamp;
mod try_runtime;

fn main() -> sc_cli::Result<()> {
	command::run()
}
