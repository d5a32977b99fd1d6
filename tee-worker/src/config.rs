//! Settings: a TOML file (`--config`), overridden by environment variables (`TEEID_WORKER_*`),
//! overridden by command-line flags; defaults for a local development chain.

use clap::{Args, ValueEnum};
use serde::Deserialize;
use std::{
	net::SocketAddr,
	path::{Path, PathBuf},
	time::Duration,
};

/// Which TEE the worker talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
	/// The simulated TA (`teeid-ta-sim`): a separate process on this machine, platform
	/// `Simulated`.
	Sim,
	/// The TA under OP-TEE, through libteec (build with `--features optee`).
	Optee,
}

/// Where the worker keeps its files and how it reaches its TA, as flags and environment
/// variables: what every command that opens the TA needs (`run`, `register`, `device key`,
/// `device install`). Unset values come from the config file, then from the defaults.
#[derive(Args, Clone, Debug, Default)]
pub struct LocalArgs {
	/// A TOML file with any of the settings (kebab-case keys).
	#[arg(long, env = "TEEID_WORKER_CONFIG")]
	pub config: Option<PathBuf>,
	/// Where the worker keeps its database, token file and (simulation) TA state. Default
	/// `./teeid-worker`.
	#[arg(long, env = "TEEID_WORKER_DATA_DIR")]
	pub data_dir: Option<PathBuf>,
	/// The TEE backend. Default `sim`.
	#[arg(long, value_enum, env = "TEEID_WORKER_TEE")]
	pub tee: Option<Backend>,
	/// The simulated TA's executable. Default: `teeid-ta-sim` next to this executable.
	#[arg(long, env = "TEEID_WORKER_SIM_BINARY")]
	pub sim_binary: Option<PathBuf>,
}

/// Worker settings as flags and environment variables. Every one is optional here: unset
/// values come from the config file, then from the defaults.
#[derive(Args, Clone, Debug, Default)]
pub struct WorkerArgs {
	/// The config file, the data directory and the TEE.
	#[command(flatten)]
	pub local: LocalArgs,
	/// The node's RPC endpoint. Default `ws://127.0.0.1:9944`.
	#[arg(long, env = "TEEID_WORKER_CHAIN")]
	pub chain: Option<String>,
	/// The operator account's secret URI (`//Alice`, a mnemonic, `0x` seed): it submits the
	/// worker's transactions, pays their fees and deposits, and controls the DIDs the worker
	/// signs for. Keep it in the environment or a config file only this user can read.
	#[arg(long, env = "TEEID_WORKER_OPERATOR", hide_env_values = true)]
	pub operator: Option<String>,
	/// The address the HTTP API listens on. Default `127.0.0.1:8600`.
	#[arg(long, env = "TEEID_WORKER_LISTEN")]
	pub listen: Option<SocketAddr>,
	/// The URL wallets and verifiers reach the API at, without a trailing slash: the OpenID4VCI
	/// credential issuer identifier and the base of every URL the worker hands out (offers,
	/// status lists, presentation responses). Default `http://<listen>`.
	#[arg(long, env = "TEEID_WORKER_PUBLIC_URL")]
	pub public_url: Option<String>,
	/// DIDs (`did:teeid:…`) the operator controls and the worker binds itself to as a signer
	/// on start (and unbinds on a clean shutdown). Default: the operator's own DID.
	#[arg(long = "sign-for", env = "TEEID_WORKER_SIGN_FOR", value_delimiter = ',')]
	pub sign_for: Option<Vec<String>>,
	/// Seconds between looks at the chain for a new slot. Default 2.
	#[arg(long, env = "TEEID_WORKER_POLL_SECONDS")]
	pub poll_seconds: Option<u64>,
	/// How many requests may parse and check untrusted documents at once (verifications, and
	/// the reading of presentation requests), each on a thread of its own; more wait for a
	/// free slot up to 10 seconds, then get 503. Default: the number of CPU cores.
	#[arg(long, env = "TEEID_WORKER_VERIFY_CONCURRENCY")]
	pub verify_concurrency: Option<usize>,
	/// How many issuances (`POST /v1/credentials`, OpenID4VCI credential requests) may be in
	/// progress at once; more wait for a free slot up to 100 ms, then get 503 with
	/// `Retry-After`. Default 256.
	#[arg(long, env = "TEEID_WORKER_ISSUE_CONCURRENCY")]
	pub issue_concurrency: Option<usize>,
	/// A raw chain specification (JSON, with `bootNodes`): the verifier then reads the chain
	/// through a light client of it, which checks what the nodes serve against
	/// GRANDPA-finalized headers, instead of trusting the node at `--chain` (the `light`
	/// feature, a default one). Default: none (the verifier reads through the node).
	#[arg(long, env = "TEEID_WORKER_VERIFY_LIGHT")]
	pub verify_light: Option<PathBuf>,
}

/// The config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct FileSettings {
	chain: Option<String>,
	operator: Option<String>,
	data_dir: Option<PathBuf>,
	listen: Option<SocketAddr>,
	public_url: Option<String>,
	tee: Option<Backend>,
	sim_binary: Option<PathBuf>,
	sign_for: Option<Vec<String>>,
	poll_seconds: Option<u64>,
	verify_concurrency: Option<usize>,
	issue_concurrency: Option<usize>,
	verify_light: Option<PathBuf>,
}

/// Where the worker keeps its files and how it reaches its TA.
#[derive(Clone, Debug)]
pub struct LocalSettings {
	/// The data directory.
	pub data_dir: PathBuf,
	/// The TEE backend.
	pub tee: Backend,
	/// The simulated TA's executable.
	pub sim_binary: PathBuf,
}

/// The settings a worker runs with.
#[derive(Clone, Debug)]
pub struct Settings {
	/// The data directory and the TEE.
	pub local: LocalSettings,
	/// The node's RPC endpoint.
	pub chain: String,
	/// The operator's secret URI.
	pub operator: String,
	/// The API's address.
	pub listen: SocketAddr,
	/// The API's public URL, without a trailing slash.
	pub public_url: String,
	/// DIDs to sign for; empty means the operator's own DID.
	pub sign_for: Vec<String>,
	/// How often to look for a new slot.
	pub poll_interval: Duration,
	/// How many verifications may run at once.
	pub verify_concurrency: usize,
	/// How many issuances may be in progress at once.
	pub issue_concurrency: usize,
	/// The chain specification of the light client the verifier reads through, if any.
	pub verify_light: Option<PathBuf>,
}

/// The default of `issue-concurrency`: at 5,000 issuances a second, room for 50 ms each.
pub const DEFAULT_ISSUE_CONCURRENCY: usize = 256;

/// A number of slots from a flag or the config file (`name` in refusals), at least one.
fn slots(
	flag: Option<usize>,
	file: Option<usize>,
	name: &str,
	default: usize,
) -> Result<usize, ConfigError> {
	match flag.or(file) {
		Some(0) => Err(ConfigError::Invalid(format!("{name} must be at least 1"))),
		Some(slots) => Ok(slots),
		None => Ok(default),
	}
}

/// Why the settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
	/// The config file cannot be read.
	#[error("config file {0}: {1}")]
	Read(PathBuf, std::io::Error),
	/// The config file is not valid.
	#[error("config file {0}: {1}")]
	Parse(PathBuf, toml::de::Error),
	/// No operator is set.
	#[error("no operator account: set --operator, TEEID_WORKER_OPERATOR or `operator` in the config file")]
	NoOperator,
	/// A value is out of range.
	#[error("{0}")]
	Invalid(String),
}

impl LocalArgs {
	/// The config file's settings (none without `--config`).
	fn file(&self) -> Result<FileSettings, ConfigError> {
		match &self.config {
			Some(path) => read_file(path),
			None => Ok(FileSettings::default()),
		}
	}

	/// The local settings: flags and environment first, then `file`, then defaults.
	fn settings_with(&self, file: &FileSettings) -> LocalSettings {
		LocalSettings {
			data_dir: self
				.data_dir
				.clone()
				.or_else(|| file.data_dir.clone())
				.unwrap_or_else(|| PathBuf::from("teeid-worker")),
			tee: self.tee.or(file.tee).unwrap_or(Backend::Sim),
			sim_binary: self
				.sim_binary
				.clone()
				.or_else(|| file.sim_binary.clone())
				.unwrap_or_else(default_sim_binary),
		}
	}

	/// The local settings: flags and environment first, then the config file, then defaults.
	pub fn settings(&self) -> Result<LocalSettings, ConfigError> {
		Ok(self.settings_with(&self.file()?))
	}
}

impl WorkerArgs {
	/// The settings: flags and environment first, then the config file, then defaults.
	pub fn settings(&self) -> Result<Settings, ConfigError> {
		let file = self.local.file()?;
		let local = self.local.settings_with(&file);
		let poll_seconds = self.poll_seconds.or(file.poll_seconds).unwrap_or(2);
		if poll_seconds == 0 {
			return Err(ConfigError::Invalid("poll-seconds must be at least 1".into()));
		}
		let verify_concurrency = slots(
			self.verify_concurrency,
			file.verify_concurrency,
			"verify-concurrency",
			std::thread::available_parallelism().map_or(1, |cores| cores.get()),
		)?;
		let issue_concurrency = slots(
			self.issue_concurrency,
			file.issue_concurrency,
			"issue-concurrency",
			DEFAULT_ISSUE_CONCURRENCY,
		)?;
		let listen =
			self.listen.or(file.listen).unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8600)));
		let public_url = match self.public_url.clone().or(file.public_url) {
			Some(url) => {
				let url = url.trim_end_matches('/').to_string();
				check_public_url(&url)?;
				url
			},
			None => format!("http://{listen}"),
		};
		Ok(Settings {
			local,
			chain: self
				.chain
				.clone()
				.or(file.chain)
				.unwrap_or_else(|| "ws://127.0.0.1:9944".into()),
			operator: self.operator.clone().or(file.operator).ok_or(ConfigError::NoOperator)?,
			listen,
			public_url,
			sign_for: self.sign_for.clone().or(file.sign_for).unwrap_or_default(),
			poll_interval: Duration::from_secs(poll_seconds),
			verify_concurrency,
			issue_concurrency,
			verify_light: self.verify_light.clone().or(file.verify_light),
		})
	}
}

/// The longest public URL: status list URLs (`<public-url>/v1/status-lists/<32 hex>`) must stay
/// within the 256 bytes the TA accepts for an identifier.
pub const MAX_PUBLIC_URL_BYTES: usize = 200;

/// Checks that `url` can prefix every URL the worker hands out: an http(s) URL without query,
/// fragment, whitespace or control characters, short enough for the TA's identifiers.
fn check_public_url(url: &str) -> Result<(), ConfigError> {
	let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
	let host = url.split_once("://").map_or("", |(_, rest)| rest);
	let clean = !url.chars().any(|c| c.is_whitespace() || c.is_control() || c == '#' || c == '?');
	if !scheme_ok || host.is_empty() || !clean || url.len() > MAX_PUBLIC_URL_BYTES {
		return Err(ConfigError::Invalid(format!(
			"public-url must be an http(s) URL with a host, no query or fragment, at most \
			 {MAX_PUBLIC_URL_BYTES} bytes, not `{url}`"
		)));
	}
	Ok(())
}

fn read_file(path: &Path) -> Result<FileSettings, ConfigError> {
	let text =
		std::fs::read_to_string(path).map_err(|e| ConfigError::Read(path.to_path_buf(), e))?;
	toml::from_str(&text).map_err(|e| ConfigError::Parse(path.to_path_buf(), e))
}

/// `teeid-ta-sim` in the directory of the running executable (cargo puts both there).
fn default_sim_binary() -> PathBuf {
	std::env::current_exe()
		.ok()
		.and_then(|exe| exe.parent().map(|dir| dir.join("teeid-ta-sim")))
		.unwrap_or_else(|| PathBuf::from("teeid-ta-sim"))
}

impl LocalSettings {
	/// Creates the data directory (owner-only) if it does not exist.
	pub fn create_data_dir(&self) -> Result<(), std::io::Error> {
		use std::os::unix::fs::DirBuilderExt;
		std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&self.data_dir)
	}

	/// The simulated TEE's state directory.
	pub fn sim_state_dir(&self) -> PathBuf {
		self.data_dir.join("tee")
	}

	/// The simulated TA's socket.
	pub fn sim_socket(&self) -> PathBuf {
		self.data_dir.join("tee.sock")
	}

	/// The process id of the simulated TA the worker started.
	pub fn sim_pid_file(&self) -> PathBuf {
		self.data_dir.join("tee.pid")
	}
}

impl Settings {
	/// The worker's database.
	pub fn database(&self) -> PathBuf {
		self.local.data_dir.join("worker.redb")
	}

	/// The file the first admin token is written to.
	pub fn admin_token_file(&self) -> PathBuf {
		self.local.data_dir.join("admin.token")
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn flags_override_the_file_which_overrides_defaults() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("worker.toml");
		std::fs::write(
			&path,
			"chain = \"ws://chain:9944\"\noperator = \"//Bob\"\nlisten = \"0.0.0.0:9000\"\nsign-for = [\"did:teeid:x\"]\n",
		)
		.unwrap();
		let args = WorkerArgs {
			local: LocalArgs { config: Some(path.clone()), ..Default::default() },
			operator: Some("//Charlie".into()),
			..Default::default()
		};
		let settings = args.settings().unwrap();
		assert_eq!(settings.chain, "ws://chain:9944");
		assert_eq!(settings.operator, "//Charlie");
		assert_eq!(settings.listen, "0.0.0.0:9000".parse().unwrap());
		assert_eq!(settings.sign_for, vec!["did:teeid:x".to_string()]);
		assert_eq!(settings.local.tee, Backend::Sim);
		assert_eq!(settings.poll_interval, Duration::from_secs(2));

		std::fs::write(&path, "chian = \"typo\"\n").unwrap();
		let typo = LocalArgs { config: Some(path), ..Default::default() };
		assert!(matches!(typo.settings(), Err(ConfigError::Parse(..))));
		assert!(matches!(
			WorkerArgs { local: typo, ..Default::default() }.settings(),
			Err(ConfigError::Parse(..))
		));
		assert!(matches!(WorkerArgs::default().settings(), Err(ConfigError::NoOperator)));
	}

	#[test]
	fn verify_concurrency_defaults_to_the_cores_works() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("worker.toml");
		std::fs::write(&path, "operator = \"//Bob\"\nverify-concurrency = 3\n").unwrap();
		let from_file = WorkerArgs {
			local: LocalArgs { config: Some(path), ..Default::default() },
			..Default::default()
		};
		assert_eq!(from_file.settings().unwrap().verify_concurrency, 3);
		let flag = WorkerArgs { verify_concurrency: Some(5), ..from_file };
		assert_eq!(flag.settings().unwrap().verify_concurrency, 5);
		let default = WorkerArgs { operator: Some("//Bob".into()), ..Default::default() };
		let cores = std::thread::available_parallelism().unwrap().get();
		assert_eq!(default.settings().unwrap().verify_concurrency, cores);
		let zero = WorkerArgs { verify_concurrency: Some(0), ..default };
		assert!(matches!(zero.settings(), Err(ConfigError::Invalid(m)) if m.contains("verify")));
	}

	#[test]
	fn issue_concurrency_comes_from_the_flag_the_file_or_the_default_works() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("worker.toml");
		std::fs::write(&path, "operator = \"//Bob\"\nissue-concurrency = 16\n").unwrap();
		let from_file = WorkerArgs {
			local: LocalArgs { config: Some(path), ..Default::default() },
			..Default::default()
		};
		assert_eq!(from_file.settings().unwrap().issue_concurrency, 16);
		let flag = WorkerArgs { issue_concurrency: Some(8), ..from_file };
		assert_eq!(flag.settings().unwrap().issue_concurrency, 8);
		let default = WorkerArgs { operator: Some("//Bob".into()), ..Default::default() };
		assert_eq!(default.settings().unwrap().issue_concurrency, DEFAULT_ISSUE_CONCURRENCY);
		let zero = WorkerArgs { issue_concurrency: Some(0), ..default };
		assert!(matches!(zero.settings(), Err(ConfigError::Invalid(m)) if m.contains("issue")));
	}

	#[test]
	fn the_public_url_defaults_to_the_listen_address_and_is_checked_works() {
		let bob = WorkerArgs { operator: Some("//Bob".into()), ..Default::default() };
		assert_eq!(bob.clone().settings().unwrap().public_url, "http://127.0.0.1:8600");
		let given = |url: &str| WorkerArgs { public_url: Some(url.into()), ..bob.clone() };
		let settings = given("https://id.example.org/teeid/").settings().unwrap();
		assert_eq!(settings.public_url, "https://id.example.org/teeid");
		let long = format!("https://{}.org", "a".repeat(MAX_PUBLIC_URL_BYTES));
		for bad in [
			"ftp://x.org",
			"https://",
			"https://x.org/?a",
			"https://x.org/#a",
			"https://x y",
			&long,
		] {
			let refused = given(bad).settings();
			assert!(
				matches!(refused, Err(ConfigError::Invalid(m)) if m.contains("public-url")),
				"{bad}"
			);
		}
	}
}
