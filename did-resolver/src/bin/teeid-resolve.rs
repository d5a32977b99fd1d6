//! `teeid-resolve`: resolves a `did:teeid` DID against a teeid node, or through a light client
//! that trusts no node (`--light`), and prints the W3C DID resolution result (or, with
//! `--history`, the DID's linked-event history) as JSON.
//!
//! Exit codes: 0 resolved, 2 invalid DID, 3 not found, 4 history unavailable (not an archive
//! node), 1 any other failure.

use clap::Parser;
use serde_json::json;
use std::{path::PathBuf, process::ExitCode};
use teeid_did_resolver::{
	history::describe,
	resolve::{history, resolve, ResolveError},
	source::RpcSource,
};

/// Resolve a did:teeid identifier.
#[derive(Parser)]
#[command(version, about)]
struct Args {
	/// The DID, `did:teeid:<ss58 address>`.
	did: String,
	/// The node's JSON-RPC endpoint: its WebSocket URL, or its HTTP URL (the same port).
	#[arg(long, default_value = "ws://127.0.0.1:9944")]
	url: String,
	/// Resolve through a light client of the chain this raw chain specification describes (a
	/// JSON file whose `bootNodes` name full nodes to sync from) instead of trusting a node:
	/// every answer is checked against GRANDPA-finalized headers, and the current version is
	/// the one at the finalized head.
	#[arg(long, value_name = "CHAIN_SPEC", conflicts_with = "url")]
	light: Option<PathBuf>,
	/// Resolve the version at this block instead of the current one.
	#[arg(long)]
	at: Option<u32>,
	/// Print the DID's history (every change, oldest first) instead of its document.
	#[arg(long, conflicts_with = "at")]
	history: bool,
}

fn exit_code(error: &ResolveError) -> u8 {
	match error {
		ResolveError::InvalidDid(_) => 2,
		ResolveError::NotFound => 3,
		ResolveError::HistoryUnavailable(_) => 4,
		_ => 1,
	}
}

#[tokio::main]
async fn main() -> ExitCode {
	let args = Args::parse();
	let source = match &args.light {
		Some(spec) => match std::fs::read_to_string(spec) {
			Ok(spec) => RpcSource::light(&spec).await,
			Err(e) => {
				eprintln!("teeid-resolve: {}: {e}", spec.display());
				return ExitCode::from(1);
			},
		},
		None => RpcSource::connect(&args.url).await,
	};
	let source = match source {
		Ok(source) => source,
		Err(e) => {
			eprintln!("teeid-resolve: {e}");
			return ExitCode::from(1);
		},
	};
	let output = if args.history {
		history(&source, &args.did).await.map(|changes| {
			json!(changes
				.iter()
				.map(
					|c| json!({ "block": c.block, "events": c.events.iter().map(describe).collect::<Vec<_>>() })
				)
				.collect::<Vec<_>>())
		})
	} else {
		resolve(&source, &args.did, args.at).await.map(|r| json!(r))
	};
	match output {
		Ok(value) => {
			println!("{}", serde_json::to_string_pretty(&value).expect("JSON values serialize"));
			ExitCode::SUCCESS
		},
		Err(error) => {
			let result = json!({ "didResolutionMetadata": { "error": error.code(), "message": error.to_string() } });
			println!("{}", serde_json::to_string_pretty(&result).expect("JSON values serialize"));
			eprintln!("teeid-resolve: {error}");
			ExitCode::from(exit_code(&error))
		},
	}
}
