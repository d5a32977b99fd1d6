//! `teeid-node`: the node of the teeid chain.

#![warn(missing_docs)]

mod chain_spec;
mod cli;
mod command;
mod rpc;
mod service;
mod timestamp;

fn main() -> sc_cli::Result<()> {
	command::run()
}
