//! The simulation backend: the TA in its own process (`teeid-ta-sim serve`), reached over its
//! Unix socket. The worker connects to a running simulation or starts one; like a TA under
//! OP-TEE, the simulation outlives a worker that crashes, so a restarted worker finds the TA
//! (and its in-memory counters) where it left it.

use std::{
	path::{Path, PathBuf},
	process::Stdio,
	sync::Mutex,
};
use teeid_ta_sim::client::{SimClient, SimProcess};

use super::{TeeBackend, TeeError};

/// The simulated TA.
pub struct SimBackend {
	socket: PathBuf,
	session: Mutex<Option<SimClient>>,
	/// The process this worker started, if it did.
	started: Option<u32>,
}

impl SimBackend {
	/// Connects to the simulation at `socket`, starting `binary serve` on `state_dir` if
	/// nothing answers there; a started simulation's process id goes to `pid_file`.
	pub fn connect_or_start(
		binary: &Path,
		state_dir: &Path,
		socket: &Path,
		pid_file: &Path,
	) -> Result<Self, TeeError> {
		if let Ok(client) = SimClient::connect(socket) {
			tracing::info!(socket = %socket.display(), "connected to a running TA simulation");
			return Ok(Self {
				socket: socket.into(),
				session: Mutex::new(Some(client)),
				started: None,
			});
		}
		std::fs::create_dir_all(state_dir).map_err(|e| {
			TeeError::Unavailable(format!("cannot create {}: {e}", state_dir.display()))
		})?;
		// A socket file left by a simulation that died is in the way of a new one.
		let _ = std::fs::remove_file(socket);
		let process = SimProcess::spawn_logging_to(binary, state_dir, socket, Stdio::inherit())
			.map_err(|e| {
				TeeError::Unavailable(format!("cannot start {}: {e}", binary.display()))
			})?;
		let client = process.client().map_err(|e| {
			TeeError::Unavailable(format!("the TA simulation does not answer: {e}"))
		})?;
		let pid = process.detach();
		if let Some(pid) = pid {
			let _ = std::fs::write(pid_file, pid.to_string());
		}
		tracing::info!(pid, socket = %socket.display(), "started the TA simulation");
		Ok(Self { socket: socket.into(), session: Mutex::new(Some(client)), started: pid })
	}

	/// The process id of the simulation this worker started, if it started one.
	pub fn started(&self) -> Option<u32> {
		self.started
	}
}

impl TeeBackend for SimBackend {
	fn invoke(&self, request: &[u8]) -> Result<Vec<u8>, TeeError> {
		let mut session = self.session.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
		// One reconnection: the simulation may have been restarted since the last call.
		let mut reconnected = false;
		loop {
			if session.is_none() {
				*session = Some(SimClient::connect(&self.socket).map_err(|e| {
					TeeError::Unavailable(format!(
						"cannot reach the TA simulation at {}: {e}",
						self.socket.display()
					))
				})?);
			}
			let client = session.as_mut().expect("connected above");
			match client.invoke_raw(request) {
				Ok(response) => return Ok(response),
				Err(e) if !reconnected => {
					tracing::warn!("TA session lost ({e}); reconnecting");
					reconnected = true;
					*session = None;
				},
				Err(e) => return Err(TeeError::Unavailable(format!("TA session failed: {e}"))),
			}
		}
	}

	fn name(&self) -> &'static str {
		"simulation"
	}
}
