//! `teeid-worker`: the teeid TEE worker.
//!
//! `run` is the daemon: it opens the TEE (the simulated TA by default, OP-TEE with
//! `--features optee --tee optee`), registers with the chain (bootstrap by root, or join by
//! endorsement), binds itself to its operator's DIDs, serves the HTTP API and anchors and
//! reports its work every slot. `register` only registers. `device` provisions the TEE's
//! device certificate (docs/operations.md). The other subcommands are clients of a running
//! worker's API.
//!
//! Exit codes: 0 done; 1 failed (a credential that does not verify, an internal error);
//! 2 bad input; 3 refused (authorization, unknown DID or CPT, conflict); 4 the worker, the
//! chain or the TEE is unreachable.

/// jemalloc, not glibc's malloc: under issuance load, glibc's allocator (arena contention
/// between the async runtime's threads, the store writer and the TA caller, and consolidation)
/// was the largest single cost in the worker's profile.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

mod admission;
mod anchor;
mod api;
mod chain;
mod client;
mod config;
mod daemon;
mod device;
mod error;
mod issue;
mod join;
mod jose;
mod metrics;
mod oid4vci;
mod oid4vp;
mod sd_jwt;
mod status;
mod status_list;
mod store;
mod tee;
mod tokens;
mod verify;
mod worker;

use clap::{Args, Parser, Subcommand};
use reqwest::Method;
use serde_json::{json, Value};
use std::{path::PathBuf, process::ExitCode};

use crate::{
	client::{read_json, segment, ApiClient, Failure},
	config::{LocalArgs, WorkerArgs},
	error::WorkerError,
	join::JoinSettings,
	tokens::Permission,
};

#[derive(Parser)]
#[command(
	version,
	about = "The teeid TEE worker: issues W3C Verifiable Credentials signed inside a TEE"
)]
struct Cli {
	/// Log filter (tracing `EnvFilter` syntax), e.g. `info` or `teeid_worker=debug`.
	#[arg(long, env = "TEEID_WORKER_LOG", default_value = "info", global = true)]
	log: String,
	/// Threads of the async runtime (HTTP, chain reads, the issuance steps between the TA and
	/// the database); the CPU cores but one by default, at least one.
	#[arg(
		long,
		env = "TEEID_WORKER_ASYNC_THREADS",
		global = true,
		value_parser = clap::value_parser!(u16).range(1..)
	)]
	async_threads: Option<u16>,
	#[command(subcommand)]
	command: Action,
}

/// The async runtime's threads when `--async-threads` is not given: the cores but one. The worker's
/// busiest work runs on threads of its own, not the runtime's: the database writer (a durable group
/// commit at a time) and the TA caller, and beside them the TA (the simulation's process, or
/// OP-TEE's secure world on the same cores). A runtime thread per core competes with them: at 5,000
/// credentials a second on two cores, in four runs each taken in turn, one runtime thread instead
/// of two had p99 at 17 to 32 ms against 27 to 142, the worker's CPU per credential at 0.16 to 0.19
/// ms against 0.19 to 0.21, and every stage's mean time lower; a second set of six runs each, and a
/// third in the bench's sequence (1,000/s, 2,500/s, then 5,000/s three times against one worker,
/// twice each), showed no difference beyond the host's noise: the first 5,000/s run better with one
/// thread (p99 18 and 25 ms against 53), the later ones overloaded either way (503 `busy`). The few
/// writes made on a runtime thread rather than through the writer wait there through
/// `block_in_place` ([`store::blocking_write`]), so one thread does not stall behind them.
fn default_async_threads() -> usize {
	std::thread::available_parallelism().map_or(1, |cores| cores.get().saturating_sub(1).max(1))
}

#[derive(Subcommand)]
enum Action {
	/// Run the worker: register if needed, bind, serve the API, anchor and report every slot.
	Run {
		#[command(flatten)]
		worker: WorkerArgs,
		#[command(flatten)]
		join: JoinArgs,
	},
	/// Register the worker with the chain (bootstrap or join by endorsement) and exit.
	Register {
		#[command(flatten)]
		worker: WorkerArgs,
		#[command(flatten)]
		join: JoinArgs,
	},
	/// Show a running worker's TEE identity and standing on chain.
	Status(ApiArgs),
	/// Issue a credential: REQUEST is a JSON file ({issuer, holder, cpt, claims, ...}), `-` for
	/// stdin.
	Issue {
		#[command(flatten)]
		api: ApiArgs,
		/// The request file.
		request: PathBuf,
	},
	/// Create a presentation: REQUEST is a JSON file ({credential, disclose, challenge,
	/// domain}).
	Present {
		#[command(flatten)]
		api: ApiArgs,
		/// The request file.
		request: PathBuf,
	},
	/// Verify a credential (FILE) or, with --challenge and --domain, a presentation. Exit code
	/// 1 if it does not verify.
	Verify {
		#[command(flatten)]
		api: ApiArgs,
		/// The credential or presentation.
		file: PathBuf,
		/// The challenge a presentation must answer.
		#[arg(long, requires = "domain")]
		challenge: Option<String>,
		/// The domain a presentation must name.
		#[arg(long, requires = "challenge")]
		domain: Option<String>,
		/// A batch-anchor proof from the issuing worker (JSON file).
		#[arg(long, conflicts_with = "challenge")]
		anchor: Option<PathBuf>,
	},
	/// Resolve a DID.
	Resolve {
		#[command(flatten)]
		api: ApiArgs,
		/// The DID.
		did: String,
		/// Resolve at this block.
		#[arg(long)]
		block: Option<u32>,
	},
	/// Manage API tokens: create one with some of --token's permissions for its account, grant
	/// one for any account with the operator's key, list and revoke them (admin).
	#[command(subcommand)]
	Token(TokenAction),
	/// Provision the TEE's device certificate: read the device's key (on the board), certify it
	/// (on the certifier's machine), install the certificate (on the board).
	#[command(subcommand)]
	Device(DeviceAction),
}

#[derive(Subcommand)]
enum DeviceAction {
	/// Read the device's attestation key through the TA and print it as JSON ({platform,
	/// exponent, modulus, fingerprint}), for the device certifier.
	Key {
		#[command(flatten)]
		local: LocalArgs,
		/// Write the JSON to this file instead of printing it.
		#[arg(long)]
		out: Option<PathBuf>,
	},
	/// Certify a device key as a device certifier and print the certificate as JSON. Needs
	/// neither a TEE nor the chain.
	Certify {
		/// A file holding the certifier's 32-byte Ed25519 secret seed, 0x hex (keep it
		/// readable by its owner only).
		#[arg(long)]
		certifier_seed_file: PathBuf,
		/// The device key file `teeid-worker device key` wrote on the board.
		#[arg(long)]
		device_key: PathBuf,
		/// The genesis hash of the chain the device is provisioned for, 0x hex.
		#[arg(long)]
		genesis: String,
		/// The certificate's serial number; random if not given.
		#[arg(long)]
		serial: Option<u64>,
	},
	/// Install a device certificate (the JSON `teeid-worker device certify` printed) in the
	/// TA, which checks that it is for its own device and platform, by a certifier it accepts.
	Install {
		#[command(flatten)]
		local: LocalArgs,
		/// The certificate file.
		file: PathBuf,
	},
}

#[derive(Subcommand)]
enum TokenAction {
	/// Create a token and print it (the only time it is shown): with permissions --token has,
	/// for --token's own account.
	Create {
		#[command(flatten)]
		api: ApiArgs,
		/// Permissions: read, write, sign, admin, endorse (repeat or separate with commas;
		/// endorse alone makes a single-use token for a joining worker).
		#[arg(long = "permission", value_delimiter = ',', required = true)]
		permissions: Vec<Permission>,
		/// The account (SS58 or did:teeid): --token's own; its account if not given.
		#[arg(long)]
		account: Option<String>,
		/// A name for people.
		#[arg(long, default_value = "")]
		label: String,
	},
	/// Grant a token for any account as the worker's operator, and print it: the operator's key
	/// signs the grant, and the secret is made here and never sent.
	Grant {
		#[command(flatten)]
		api: ApiArgs,
		/// The worker operator's secret URI.
		#[arg(long, env = "TEEID_WORKER_OPERATOR", hide_env_values = true)]
		operator: String,
		/// Permissions: read, write, sign (repeat or separate with commas).
		#[arg(long = "permission", value_delimiter = ',', required = true)]
		permissions: Vec<Permission>,
		/// The account (SS58 or did:teeid) whose DIDs the token may sign and present for.
		#[arg(long)]
		account: Option<String>,
		/// A name for people.
		#[arg(long, default_value = "")]
		label: String,
	},
	/// List the tokens.
	List(ApiArgs),
	/// Revoke a token by its id.
	Revoke {
		#[command(flatten)]
		api: ApiArgs,
		/// The token's id.
		id: String,
	},
}

/// How to reach a running worker.
#[derive(Args)]
struct ApiArgs {
	/// The worker's API.
	#[arg(long, env = "TEEID_WORKER_API", default_value = "http://127.0.0.1:8600")]
	api: String,
	/// An API token.
	#[arg(long, env = "TEEID_WORKER_TOKEN", hide_env_values = true)]
	token: Option<String>,
}

impl ApiArgs {
	fn client(&self) -> ApiClient {
		ApiClient::new(&self.api, self.token.clone())
	}
}

/// How to register when not registered.
#[derive(Args)]
struct JoinArgs {
	/// Bootstrap the chain's first worker with root's help (the operator must be the sudo key).
	#[arg(long, env = "TEEID_WORKER_BOOTSTRAP")]
	bootstrap: bool,
	/// Join by endorsement of the worker whose API is at this URL.
	#[arg(long, env = "TEEID_WORKER_ENDORSER")]
	endorser: Option<String>,
	/// An `endorse` token of the endorsing worker (single-use), or an admin token of it.
	#[arg(long, env = "TEEID_WORKER_ENDORSER_TOKEN", hide_env_values = true)]
	endorser_token: Option<String>,
}

impl From<JoinArgs> for JoinSettings {
	fn from(args: JoinArgs) -> Self {
		JoinSettings {
			bootstrap: args.bootstrap,
			endorser: args.endorser,
			endorser_token: args.endorser_token,
		}
	}
}

fn main() -> ExitCode {
	let cli = Cli::parse();
	tracing_subscriber::fmt()
		.with_env_filter(
			tracing_subscriber::EnvFilter::try_new(&cli.log)
				.unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
		)
		.with_writer(std::io::stderr)
		.init();
	let threads = cli.async_threads.map_or_else(default_async_threads, usize::from);
	let runtime = match tokio::runtime::Builder::new_multi_thread()
		.worker_threads(threads)
		.enable_all()
		.build()
	{
		Ok(runtime) => runtime,
		Err(e) => {
			eprintln!("teeid-worker: cannot start the async runtime: {e}");
			return ExitCode::from(1);
		},
	};
	match runtime.block_on(execute(cli.command)) {
		Ok(Some(output)) => {
			println!("{}", serde_json::to_string_pretty(&output).unwrap_or_default());
			ExitCode::SUCCESS
		},
		Ok(None) => ExitCode::SUCCESS,
		Err(failure) => {
			eprintln!("teeid-worker: {}", failure.message);
			ExitCode::from(failure.code)
		},
	}
}

/// The exit code for a worker error.
fn failed(e: WorkerError) -> Failure {
	let code = match e {
		WorkerError::BadRequest(_) | WorkerError::Unprocessable(_) => 2,
		WorkerError::Unauthorized(_)
		| WorkerError::Forbidden(_)
		| WorkerError::NotFound(_)
		| WorkerError::Conflict(_) => 3,
		WorkerError::Unavailable(_) | WorkerError::Busy(_) => 4,
		WorkerError::Internal(_) => 1,
	};
	Failure { code, message: e.to_string() }
}

/// `value` as JSON, to print or write.
fn to_json(value: &impl serde::Serialize) -> Result<Value, Failure> {
	serde_json::to_value(value).map_err(|e| Failure { code: 1, message: format!("JSON: {e}") })
}

async fn execute(action: Action) -> Result<Option<Value>, Failure> {
	let settings = |args: &WorkerArgs| args.settings().map_err(|e| Failure::input(e.to_string()));
	let local = |args: &LocalArgs| args.settings().map_err(|e| Failure::input(e.to_string()));
	match action {
		Action::Run { worker, join } => {
			daemon::run(settings(&worker)?, join.into()).await.map_err(failed)?;
			Ok(None)
		},
		Action::Register { worker, join } => {
			let registration =
				daemon::register(settings(&worker)?, join.into()).await.map_err(failed)?;
			Ok(Some(json!({ "registration": format!("{registration:?}") })))
		},
		Action::Status(api) => api.client().call(Method::GET, "/v1/status", None).await.map(Some),
		Action::Issue { api, request } => {
			let request = read_json(&request)?;
			api.client().call(Method::POST, "/v1/credentials", Some(&request)).await.map(Some)
		},
		Action::Present { api, request } => {
			let request = read_json(&request)?;
			api.client().call(Method::POST, "/v1/presentations", Some(&request)).await.map(Some)
		},
		Action::Verify { api, file, challenge, domain, anchor } => {
			let document = read_json(&file)?;
			let result = match (challenge, domain) {
				(Some(challenge), Some(domain)) => {
					let body = json!({ "presentation": document, "challenge": challenge, "domain": domain });
					api.client().call(Method::POST, "/v1/verify/presentation", Some(&body)).await?
				},
				_ => {
					let anchor = anchor.map(|path| read_json(&path)).transpose()?;
					let body = json!({ "credential": document, "anchor": anchor });
					api.client().call(Method::POST, "/v1/verify/credential", Some(&body)).await?
				},
			};
			if result["verified"] == json!(true) {
				Ok(Some(result))
			} else {
				println!("{}", serde_json::to_string_pretty(&result).unwrap_or_default());
				let failed: Vec<&str> = result["checks"]
					.as_array()
					.into_iter()
					.flatten()
					.filter(|c| c["ok"] == json!(false))
					.filter_map(|c| c["detail"].as_str())
					.collect();
				Err(Failure { code: 1, message: format!("not verified: {}", failed.join("; ")) })
			}
		},
		Action::Resolve { api, did, block } => {
			let query = block.map(|b| format!("?block={b}")).unwrap_or_default();
			api.client()
				.call(Method::GET, &format!("/v1/dids/{}{query}", segment(&did)), None)
				.await
				.map(Some)
		},
		Action::Token(TokenAction::Create { api, permissions, account, label }) => {
			let body = json!({ "permissions": permissions, "account": account, "label": label });
			api.client().call(Method::POST, "/v1/tokens", Some(&body)).await.map(Some)
		},
		Action::Token(TokenAction::Grant { api, operator, permissions, account, label }) => {
			let client = api.client();
			let health = client.call(Method::GET, "/health", None).await?;
			let named = |member: &str, what: &str| {
				health[member]
					.as_str()
					.and_then(|hex| api::hex_array::<32>(hex, member).ok())
					.ok_or_else(|| Failure {
						code: 1,
						message: format!("the worker's /health names no {what}"),
					})
			};
			let scope = tokens::GrantScope {
				genesis: named("genesisHash", "chain genesis hash")?,
				worker: named("worker", "TEE key")?,
			};
			let (token, grant) = tokens::sign_grant(&operator, &scope, permissions, account, label)
				.map_err(Failure::input)?;
			let body = serde_json::to_value(&grant)
				.map_err(|e| Failure { code: 1, message: format!("the grant: {e}") })?;
			let granted = client.call(Method::POST, "/v1/tokens/grant", Some(&body)).await?;
			Ok(Some(json!({ "id": granted["id"], "token": token })))
		},
		Action::Token(TokenAction::List(api)) => {
			api.client().call(Method::GET, "/v1/tokens", None).await.map(Some)
		},
		Action::Device(DeviceAction::Key { local: args, out }) => {
			let key = to_json(&device::key(&local(&args)?).await.map_err(failed)?)?;
			match out {
				Some(path) => {
					let text = serde_json::to_string_pretty(&key).unwrap_or_default() + "\n";
					std::fs::write(&path, text).map_err(|e| {
						Failure::input(format!("cannot write {}: {e}", path.display()))
					})?;
					Ok(None)
				},
				None => Ok(Some(key)),
			}
		},
		Action::Device(DeviceAction::Certify {
			certifier_seed_file,
			device_key,
			genesis,
			serial,
		}) => {
			let certificate = device::certify(&certifier_seed_file, &device_key, &genesis, serial)
				.map_err(failed)?;
			to_json(&certificate).map(Some)
		},
		Action::Device(DeviceAction::Install { local: args, file }) => {
			// What was installed, as `device certify` printed it.
			let installed = device::install(&local(&args)?, &file).await.map_err(failed)?;
			to_json(&installed).map(Some)
		},
		Action::Token(TokenAction::Revoke { api, id }) => {
			api.client()
				.call(Method::DELETE, &format!("/v1/tokens/{}", segment(&id)), None)
				.await?;
			Ok(None)
		},
	}
}
