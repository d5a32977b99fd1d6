//! The host side of the simulation: invoke commands over its socket, or run it as a child
//! process.

use codec::Encode;
use rand_core::{OsRng, RngCore};
use std::{
	io,
	os::unix::net::UnixStream,
	path::{Path, PathBuf},
	process::{Child, Command as Process, Stdio},
	time::{Duration, Instant},
};
use teeid_primitives::{
	attestation::{DeviceCertificate, TeePlatform, SIMULATED_CERTIFIER_SEED},
	Hash,
};
use teeid_ta_protocol::{
	certificate::certify, decode_response, Command, Reply, Request, TaError, MAX_RESPONSE_BYTES,
};

use crate::frame;

/// Why an invocation failed.
#[derive(Debug)]
pub enum ClientError {
	/// The TA refused the command.
	Ta(TaError),
	/// The TA could not be reached.
	Io(io::Error),
	/// The TA answered something that does not decode, or another reply than the command's.
	BadResponse,
}

impl std::fmt::Display for ClientError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			Self::Ta(e) => write!(f, "the TA refused: {e}"),
			Self::Io(e) => write!(f, "cannot reach the TA: {e}"),
			Self::BadResponse => f.write_str("the TA's response does not decode"),
		}
	}
}

impl std::error::Error for ClientError {}

/// A session with the simulated TA.
pub struct SimClient {
	stream: UnixStream,
}

impl SimClient {
	/// Opens a session on the simulation listening at `socket`.
	pub fn connect(socket: &Path) -> io::Result<Self> {
		Ok(Self { stream: UnixStream::connect(socket)? })
	}

	/// Invokes one command.
	pub fn invoke(&mut self, command: Command) -> Result<Reply, ClientError> {
		let output = self.invoke_raw(&Request::new(command).encode()).map_err(ClientError::Io)?;
		decode_response(&output).map_err(|_| ClientError::BadResponse)?.map_err(ClientError::Ta)
	}

	/// Provisions the simulated TA for the chain with genesis hash `genesis_hash`: reads its
	/// device key (`DeviceKey`), certifies it as a `Simulated` device with the simulated
	/// certifier (whose seed is public, so the simulation needs no certifier of its own) and a
	/// random serial, and installs the certificate (`InstallCertificate`). What an operator
	/// does for a real device with `teeid-worker device` and a certifier's key.
	pub fn provision_simulated(
		&mut self,
		genesis_hash: Hash,
	) -> Result<DeviceCertificate, ClientError> {
		let Reply::DeviceKey { key, .. } = self.invoke(Command::DeviceKey)? else {
			return Err(ClientError::BadResponse);
		};
		let serial = OsRng.next_u64();
		let certificate =
			certify(&SIMULATED_CERTIFIER_SEED, TeePlatform::Simulated, &key, genesis_hash, serial);
		match self.invoke(Command::InstallCertificate(certificate.clone()))? {
			Reply::CertificateInstalled => Ok(certificate),
			_ => Err(ClientError::BadResponse),
		}
	}

	/// Whether the simulation still holds this session open, checked without sending anything
	/// (a non-blocking read). Between commands nothing is due from the simulation, so a read
	/// that would block means open; an end of stream means it closed the session (it died, or
	/// was restarted since), and stray bytes or an error mean the session is unusable.
	pub fn is_open(&mut self) -> bool {
		if self.stream.set_nonblocking(true).is_err() {
			return false;
		}
		let mut byte = [0u8; 1];
		let idle = matches!(
			io::Read::read(&mut self.stream, &mut byte),
			Err(e) if e.kind() == io::ErrorKind::WouldBlock
		);
		let blocking = self.stream.set_nonblocking(false).is_ok();
		idle && blocking
	}

	/// Sends raw request bytes and returns the raw response bytes. An error may come after the
	/// TA received the request (its reply lost): sending it again could repeat the command.
	pub fn invoke_raw(&mut self, request: &[u8]) -> io::Result<Vec<u8>> {
		self.send(request)?;
		self.receive()
	}

	/// Sends raw request bytes without waiting for the response: requests sent one after the
	/// other queue on the socket, and the TA answers them in order ([`SimClient::receive`]).
	pub fn send(&mut self, request: &[u8]) -> io::Result<()> {
		frame::write(&mut self.stream, request)
	}

	/// Reads the raw response to the oldest request sent and not yet answered.
	pub fn receive(&mut self) -> io::Result<Vec<u8>> {
		frame::read(&mut self.stream, MAX_RESPONSE_BYTES)?
			.ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "the TA hung up"))
	}
}

/// A simulation running as a child process, stopped when dropped (unless detached).
pub struct SimProcess {
	child: Option<Child>,
	socket: PathBuf,
}

impl SimProcess {
	/// Starts `binary serve` on `state_dir` and `socket`, and waits until it accepts sessions
	/// (the first start generates the device key, which takes a few seconds).
	pub fn spawn(binary: &Path, state_dir: &Path, socket: &Path) -> io::Result<Self> {
		Self::spawn_logging_to(binary, state_dir, socket, Stdio::piped())
	}

	/// [`Self::spawn`], with the simulation's log going to `stderr` (a piped log is read only
	/// to explain a failed start).
	pub fn spawn_logging_to(
		binary: &Path,
		state_dir: &Path,
		socket: &Path,
		stderr: Stdio,
	) -> io::Result<Self> {
		let child = Process::new(binary)
			.arg("serve")
			.arg("--state-dir")
			.arg(state_dir)
			.arg("--socket")
			.arg(socket)
			.stdin(Stdio::null())
			.stdout(Stdio::null())
			.stderr(stderr)
			.spawn()?;
		let mut process = Self { child: Some(child), socket: socket.to_path_buf() };
		let deadline = Instant::now() + Duration::from_secs(120);
		loop {
			let child = process.child.as_mut().expect("a new process has its child");
			if let Some(status) = child.try_wait()? {
				let mut message = String::new();
				if let Some(mut stderr) = child.stderr.take() {
					let _ = io::Read::read_to_string(&mut stderr, &mut message);
				}
				return Err(io::Error::other(format!(
					"the simulation exited ({status}): {}",
					message.trim()
				)));
			}
			if SimClient::connect(socket).is_ok() {
				return Ok(process);
			}
			if Instant::now() > deadline {
				return Err(io::Error::new(
					io::ErrorKind::TimedOut,
					"the simulation did not start",
				));
			}
			std::thread::sleep(Duration::from_millis(50));
		}
	}

	/// A new session with it.
	pub fn client(&self) -> io::Result<SimClient> {
		SimClient::connect(&self.socket)
	}

	/// Lets it run on after this handle is gone, as a TA outlives a client that crashes;
	/// returns its process id.
	pub fn detach(mut self) -> Option<u32> {
		self.child.take().map(|child| child.id())
	}

	/// Stops it.
	pub fn stop(mut self) -> io::Result<()> {
		if let Some(mut child) = self.child.take() {
			child.kill()?;
			child.wait()?;
		}
		Ok(())
	}
}

impl Drop for SimProcess {
	fn drop(&mut self) {
		if let Some(child) = self.child.as_mut() {
			let _ = child.kill();
			let _ = child.wait();
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::io::Write;

	#[test]
	fn a_session_is_open_until_the_simulation_closes_it_works() {
		let (ours, mut theirs) = UnixStream::pair().unwrap();
		let mut client = SimClient { stream: ours };
		assert!(client.is_open());
		// Checking leaves the session as it was: a blocking one, waiting for its reply.
		let echo = std::thread::spawn(move || {
			let request = frame::read(&mut theirs, 64).unwrap().unwrap();
			std::thread::sleep(Duration::from_millis(50));
			frame::write(&mut theirs, &request).unwrap();
			theirs
		});
		assert_eq!(client.invoke_raw(b"ping").unwrap(), b"ping");
		assert!(client.is_open());
		drop(echo.join().unwrap());
		assert!(!client.is_open());
	}

	#[test]
	fn a_session_with_bytes_nobody_asked_for_is_not_open_fails() {
		let (ours, mut theirs) = UnixStream::pair().unwrap();
		let mut client = SimClient { stream: ours };
		theirs.write_all(&[0]).unwrap();
		assert!(!client.is_open());
	}
}
