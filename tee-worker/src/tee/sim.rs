//! The simulation backend: the TA in its own process (`teeid-ta-sim serve`), reached over its
//! Unix socket. The worker connects to a running simulation or starts one; like a TA under
//! OP-TEE, the simulation outlives a worker that crashes, so a restarted worker finds the TA
//! (and its in-memory counters) where it left it.
//!
//! Like a TA that OP-TEE kills (a panic, a failed allocation), the simulation process can die.
//! The backend then starts it again on the same state directory (the sealed keys reload) for
//! the next call. No call is sent twice: once the request may have reached the TA, a failure is
//! [`TeeError::Lost`], because the TA may have carried it out (signed a credential, used up a
//! work report's slot) before its reply was lost. Only a session found closed before anything
//! was sent on it is replaced, and the request sent once on the new one.

use std::{
	io,
	path::{Path, PathBuf},
	process::Stdio,
	sync::Mutex,
};
use teeid_ta_sim::client::{SimClient, SimProcess};

use super::{TeeBackend, TeeError};

/// The simulated TA.
pub struct SimBackend {
	binary: PathBuf,
	state_dir: PathBuf,
	socket: PathBuf,
	pid_file: PathBuf,
	session: Mutex<Option<SimClient>>,
	/// The simulation process this worker started (or started again) last, if any.
	started: Mutex<Option<u32>>,
}

impl SimBackend {
	/// Connects to the simulation at `socket`, starting `binary serve` on `state_dir` if
	/// nothing answers there; a started simulation's process id goes to `pid_file`. The same
	/// happens again whenever the simulation is found gone.
	pub fn connect_or_start(
		binary: &Path,
		state_dir: &Path,
		socket: &Path,
		pid_file: &Path,
	) -> Result<Self, TeeError> {
		let mut backend = Self {
			binary: binary.into(),
			state_dir: state_dir.into(),
			socket: socket.into(),
			pid_file: pid_file.into(),
			session: Mutex::new(None),
			started: Mutex::new(None),
		};
		let client = match SimClient::connect(socket) {
			Ok(client) => {
				tracing::info!(socket = %socket.display(), "connected to a running TA simulation");
				client
			},
			Err(_) => {
				// A socket file left by a simulation that died is in the way of a new one.
				let _ = std::fs::remove_file(socket);
				backend.start()?
			},
		};
		backend.session = Mutex::new(Some(client));
		Ok(backend)
	}

	/// Starts `binary serve` on the state directory and the socket, records its process id
	/// (also in the pid file) and opens a session with it.
	fn start(&self) -> Result<SimClient, TeeError> {
		std::fs::create_dir_all(&self.state_dir).map_err(|e| {
			TeeError::Unavailable(format!("cannot create {}: {e}", self.state_dir.display()))
		})?;
		let process = SimProcess::spawn_logging_to(
			&self.binary,
			&self.state_dir,
			&self.socket,
			Stdio::inherit(),
		)
		.map_err(|e| {
			TeeError::Unavailable(format!("cannot start {}: {e}", self.binary.display()))
		})?;
		let client = process.client().map_err(|e| {
			TeeError::Unavailable(format!("the TA simulation does not answer: {e}"))
		})?;
		let pid = process.detach();
		if let Some(pid) = pid {
			let _ = std::fs::write(&self.pid_file, pid.to_string());
		}
		*self.started.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = pid;
		tracing::info!(pid, socket = %self.socket.display(), "started the TA simulation");
		Ok(client)
	}

	/// A new session with the simulation at the socket or, when none listens there any more
	/// (the socket file is gone, or refuses: the process died), with one started in its place.
	fn reconnect(&self) -> Result<SimClient, TeeError> {
		match SimClient::connect(&self.socket) {
			Ok(client) => Ok(client),
			Err(e)
				if matches!(
					e.kind(),
					io::ErrorKind::ConnectionRefused | io::ErrorKind::NotFound
				) =>
			{
				tracing::warn!(
					socket = %self.socket.display(),
					"the TA simulation is gone ({e}); starting it again"
				);
				self.reap_started();
				self.start()
			},
			Err(e) => Err(TeeError::Unavailable(format!(
				"cannot reach the TA simulation at {}: {e}",
				self.socket.display()
			))),
		}
	}

	/// Collects the exit status of the simulation this worker started if it has died, so that
	/// it does not linger as a zombie child.
	fn reap_started(&self) {
		let started = *self.started.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
		if let Some(pid) = started {
			// SAFETY: waitpid(2) with WNOHANG returns at once; it collects only this pid, a
			// child this process spawned (or fails with ECHILD, changing nothing).
			unsafe { libc::waitpid(pid as libc::pid_t, std::ptr::null_mut(), libc::WNOHANG) };
		}
	}
}

impl SimBackend {
	/// The session, opened (or opened again) if none is usable: a session the simulation
	/// closed while idle (it died, or was started again since) carried nothing of the requests
	/// about to be sent, so replacing it and sending them once is safe.
	fn open_session<'a>(
		&self,
		session: &'a mut Option<SimClient>,
	) -> Result<&'a mut SimClient, TeeError> {
		if session.as_mut().is_some_and(|client| !client.is_open()) {
			tracing::warn!("the TA simulation closed the session; opening a new one");
			*session = None;
		}
		if session.is_none() {
			*session = Some(self.reconnect()?);
		}
		session
			.as_mut()
			.ok_or_else(|| TeeError::Unavailable("no session with the TA simulation".into()))
	}
}

/// The failure of a request that may have reached the TA: it is not sent again, since the TA
/// may have carried it out (signed a credential, used up a work report's slot).
fn lost(e: io::Error) -> TeeError {
	TeeError::Lost(format!("the session with the TA simulation broke: {e}"))
}

impl TeeBackend for SimBackend {
	fn invoke(&self, request: &[u8]) -> Result<Vec<u8>, TeeError> {
		let mut session = self.session.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
		let client = self.open_session(&mut session)?;
		client.invoke_raw(request).map_err(|e| {
			// The session is dropped; the next call opens a new one (starting the simulation
			// again if it died).
			*session = None;
			lost(e)
		})
	}

	/// Writes every request on the session, then reads the answers: the simulation reads the
	/// next request from its socket while the worker is still reading the previous answer.
	/// Once the session breaks, every request that may have reached the TA (written, or whose
	/// write failed) and is not answered is lost, and those never written are unavailable.
	fn invoke_queued(&self, requests: &[Vec<u8>]) -> Vec<Result<Vec<u8>, TeeError>> {
		let mut session = self.session.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
		let client = match self.open_session(&mut session) {
			Ok(client) => client,
			Err(e) => {
				let message = e.to_string();
				return requests
					.iter()
					.map(|_| Err(TeeError::Unavailable(message.clone())))
					.collect();
			},
		};
		let mut broken: Option<String> = None;
		let mut reached = 0;
		for request in requests {
			reached += 1;
			if let Err(e) = client.send(request) {
				broken = Some(e.to_string());
				break;
			}
		}
		let mut answers = Vec::with_capacity(requests.len());
		for _ in 0..reached {
			let answer = match &broken {
				Some(_) => None,
				None => client.receive().map_err(|e| broken = Some(e.to_string())).ok(),
			};
			answers.push(answer.ok_or_else(|| {
				TeeError::Lost(format!(
					"the session with the TA simulation broke: {}",
					broken.as_deref().unwrap_or_default()
				))
			}));
		}
		answers.extend(requests[reached..].iter().map(|_| {
			Err(TeeError::Unavailable(
				"not sent: the session with the TA simulation broke before it".into(),
			))
		}));
		if broken.is_some() {
			*session = None;
		}
		answers
	}

	fn name(&self) -> &'static str {
		"simulation"
	}

	fn stop_started(&self) {
		let started = self.started.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
		if let Some(pid) = started {
			// SAFETY: kill(2) with a pid this process spawned and a standard signal.
			unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) };
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::{
		os::unix::{fs::PermissionsExt, net::UnixListener},
		sync::mpsc,
		thread,
		time::{Duration, Instant},
	};
	use teeid_ta_sim::frame;

	/// The largest frame these fake simulations read.
	const MAX_FRAME: usize = 1024;

	/// A backend on `dir/tee.sock`, where a test listens, whose simulation binary is `binary`.
	fn backend(dir: &Path, binary: &Path) -> SimBackend {
		SimBackend::connect_or_start(
			binary,
			&dir.join("tee"),
			&dir.join("tee.sock"),
			&dir.join("tee.pid"),
		)
		.expect("a test listens on the socket")
	}

	#[test]
	fn a_request_whose_reply_is_lost_is_sent_once_and_fails() {
		let dir = tempfile::tempdir().unwrap();
		let listener = UnixListener::bind(dir.path().join("tee.sock")).unwrap();
		let simulation = thread::spawn(move || {
			let mut requests = 0;
			// The backend's session: take the request, hang up without replying.
			let (mut session, _) = listener.accept().unwrap();
			if frame::read(&mut session, MAX_FRAME).unwrap().is_some() {
				requests += 1;
			}
			drop(session);
			// A resend would come on a new session: watch for one for a while.
			listener.set_nonblocking(true).unwrap();
			let deadline = Instant::now() + Duration::from_millis(500);
			while Instant::now() < deadline {
				match listener.accept() {
					Ok((mut session, _)) => {
						session.set_nonblocking(false).unwrap();
						if let Ok(Some(_)) = frame::read(&mut session, MAX_FRAME) {
							requests += 1;
						}
					},
					Err(_) => thread::sleep(Duration::from_millis(10)),
				}
			}
			requests
		});
		let backend = backend(dir.path(), &dir.path().join("no-such-binary"));
		let result = backend.invoke(b"issue a credential");
		assert!(matches!(result, Err(TeeError::Lost(_))), "{result:?}");
		assert_eq!(simulation.join().unwrap(), 1, "the request reached the TA once");
	}

	#[test]
	fn queued_requests_are_answered_in_order_and_a_break_loses_only_what_may_have_run() {
		let dir = tempfile::tempdir().unwrap();
		let listener = UnixListener::bind(dir.path().join("tee.sock")).unwrap();
		let simulation = thread::spawn(move || {
			let (mut session, _) = listener.accept().unwrap();
			// The first queue: three requests, each answered in turn.
			for _ in 0..3 {
				let request = frame::read(&mut session, MAX_FRAME).unwrap().unwrap();
				frame::write(&mut session, &[b"re: ".as_slice(), &request].concat()).unwrap();
			}
			// The second: the first of three answered, then the TA dies.
			for _ in 0..3 {
				frame::read(&mut session, MAX_FRAME).unwrap().unwrap();
			}
			frame::write(&mut session, b"signed").unwrap();
		});
		let backend = backend(dir.path(), &dir.path().join("no-such-binary"));
		let requests: Vec<Vec<u8>> = vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()];
		let answers: Vec<_> =
			backend.invoke_queued(&requests).into_iter().map(Result::unwrap).collect();
		assert_eq!(answers, vec![b"re: a".to_vec(), b"re: b".to_vec(), b"re: c".to_vec()]);
		let answers = backend.invoke_queued(&requests);
		simulation.join().unwrap();
		assert_eq!(answers.len(), 3);
		assert_eq!(answers[0].as_ref().unwrap(), b"signed");
		// Sent and unanswered: the TA may have run them, so they are lost, never sent again.
		assert!(answers[1..].iter().all(|answer| matches!(answer, Err(TeeError::Lost(_)))));
	}

	#[test]
	fn a_session_closed_before_the_request_is_replaced_and_the_request_sent_once_works() {
		let dir = tempfile::tempdir().unwrap();
		let listener = UnixListener::bind(dir.path().join("tee.sock")).unwrap();
		let (closed, on_closed) = mpsc::channel();
		let simulation = thread::spawn(move || {
			// The session the backend opened at start, closed while idle (as by a simulation
			// started again since).
			drop(listener.accept().unwrap());
			closed.send(()).unwrap();
			let (mut session, _) = listener.accept().unwrap();
			let request = frame::read(&mut session, MAX_FRAME).unwrap().unwrap();
			frame::write(&mut session, b"signed").unwrap();
			request
		});
		let backend = backend(dir.path(), &dir.path().join("no-such-binary"));
		on_closed.recv().unwrap();
		assert_eq!(backend.invoke(b"sign a work report").unwrap(), b"signed");
		assert_eq!(simulation.join().unwrap(), b"sign a work report");
	}

	#[test]
	fn a_simulation_that_is_gone_is_started_again_for_the_next_call_works() {
		let dir = tempfile::tempdir().unwrap();
		// Stands in for `teeid-ta-sim`: records how it was started, then fails to start.
		let binary = dir.path().join("fake-ta-sim");
		std::fs::write(&binary, "#!/bin/sh\necho \"$@\" > \"$(dirname \"$0\")/started\"\nexit 3\n")
			.unwrap();
		std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755)).unwrap();
		let listener = UnixListener::bind(dir.path().join("tee.sock")).unwrap();
		let backend = backend(dir.path(), &binary);
		// The simulation dies: its socket file stays, refusing sessions.
		drop(listener);
		let result = backend.invoke(b"issue a credential");
		match result {
			Err(TeeError::Unavailable(message)) => {
				assert!(message.contains("cannot start"), "{message}")
			},
			other => panic!("{other:?}"),
		}
		let started = std::fs::read_to_string(dir.path().join("started")).unwrap();
		assert_eq!(
			started.trim(),
			format!(
				"serve --state-dir {} --socket {}",
				dir.path().join("tee").display(),
				dir.path().join("tee.sock").display()
			)
		);
	}
}
