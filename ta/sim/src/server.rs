//! The simulation process: one TA instance behind a Unix socket.
//!
//! Like an OP-TEE single-instance TA, the instance handles one command at a time; connections
//! (sessions) are served on threads that take turns on it. The TA runs metered against its heap
//! ([`crate::heap`]): what it allocates from its start on, with its own copy of each request,
//! counts; the sockets and frames around it do not.

use codec::Encode;
use std::{
	fs,
	io::{self, Read},
	os::unix::{
		fs::PermissionsExt,
		net::{UnixListener, UnixStream},
	},
	path::{Path, PathBuf},
	sync::{Arc, Mutex},
};
use teeid_ta_core::Ta;
use teeid_ta_protocol::{Response, TaError, MAX_REQUEST_BYTES};

use crate::{frame, heap, platform::SimPlatform};

/// A started simulation, not yet serving.
pub struct Server {
	ta: Arc<Mutex<Ta<SimPlatform>>>,
	listener: UnixListener,
	socket: PathBuf,
	_lock: fs::File,
}

/// Why the simulation cannot start.
#[derive(Debug)]
pub enum StartError {
	/// Another simulation process owns the state directory.
	Busy,
	/// The TA refused to start (its sealed state failed its integrity check, say).
	Ta(TaError),
	/// The state directory or the socket failed.
	Io(io::Error),
}

impl std::fmt::Display for StartError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			Self::Busy => f.write_str("another simulation process uses this state directory"),
			Self::Ta(e) => write!(f, "the TA refused to start: {e}"),
			Self::Io(e) => write!(f, "{e}"),
		}
	}
}

impl From<io::Error> for StartError {
	fn from(e: io::Error) -> Self {
		Self::Io(e)
	}
}

impl Server {
	/// Starts the TA on the device under `state_dir` and binds `socket` (owner-only).
	pub fn start(state_dir: &Path, socket: &Path) -> Result<Self, StartError> {
		fs::create_dir_all(state_dir)?;
		let lock = fs::File::create(state_dir.join("lock"))?;
		if lock.try_lock().is_err() {
			return Err(StartError::Busy);
		}
		let platform = SimPlatform::open(state_dir, &std::env::current_exe()?)?;
		let ta = heap::metered(|| Ta::start(platform)).map_err(StartError::Ta)?;
		// The lock proves no other simulation of this state runs: a socket left behind is stale.
		match fs::remove_file(socket) {
			Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e.into()),
			_ => {},
		}
		let listener = UnixListener::bind(socket)?;
		fs::set_permissions(socket, fs::Permissions::from_mode(0o600))?;
		Ok(Self {
			ta: Arc::new(Mutex::new(ta)),
			listener,
			socket: socket.to_path_buf(),
			_lock: lock,
		})
	}

	/// Serves connections until the process ends.
	pub fn serve(self) -> io::Result<()> {
		for stream in self.listener.incoming() {
			let stream = stream?;
			let ta = self.ta.clone();
			std::thread::spawn(move || session(&ta, stream));
		}
		Ok(())
	}

	/// The socket path.
	pub fn socket(&self) -> &Path {
		&self.socket
	}
}

/// One session: requests in, responses out, until the client hangs up. A request over the
/// size limit is skipped unread and answered [`TaError::TooLarge`], and the session goes on,
/// as OP-TEE's entry point refuses it without copying it into the TA.
fn session(ta: &Mutex<Ta<SimPlatform>>, mut stream: UnixStream) {
	// Requests a worker queued on the socket are read together, not with two reads each.
	let Ok(reader) = stream.try_clone() else { return };
	let mut requests = io::BufReader::with_capacity(REQUEST_BUFFER, reader);
	loop {
		let response = match read_request(&mut requests) {
			Ok(Some(Incoming::Request(request))) => invoke(ta, &request),
			Ok(Some(Incoming::TooLarge)) => Response::Err(TaError::TooLarge).encode(),
			Ok(None) | Err(_) => return,
		};
		if frame::write(&mut stream, &response).is_err() {
			return;
		}
	}
}

/// How many bytes a session reads from its socket at once.
const REQUEST_BUFFER: usize = 64 * 1024;

/// What a session reads next.
enum Incoming {
	/// A request frame.
	Request(Vec<u8>),
	/// A frame over [`MAX_REQUEST_BYTES`], read past without being kept.
	TooLarge,
}

/// Reads one request frame ([`frame`]'s format); `None` when the client hangs up. The bytes of
/// a frame over [`MAX_REQUEST_BYTES`] are skipped, not buffered.
fn read_request(stream: &mut impl Read) -> io::Result<Option<Incoming>> {
	let mut len = [0u8; 4];
	match stream.read_exact(&mut len) {
		Ok(()) => {},
		Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
		Err(e) => return Err(e),
	}
	let len = u32::from_le_bytes(len);
	if len as usize > MAX_REQUEST_BYTES {
		let skipped = io::copy(&mut stream.by_ref().take(u64::from(len)), &mut io::sink())?;
		return Ok((skipped == u64::from(len)).then_some(Incoming::TooLarge));
	}
	let mut request = vec![0u8; len as usize];
	stream.read_exact(&mut request)?;
	Ok(Some(Incoming::Request(request)))
}

/// One invocation, metered as OP-TEE's entry point makes it ([`heap::invoke`]).
fn invoke(ta: &Mutex<Ta<SimPlatform>>, request: &[u8]) -> Vec<u8> {
	// A panic inside the TA would poison the lock; the TA does not panic, but if it ever did,
	// the next command still runs on the state as it was sealed.
	let mut ta = ta.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
	heap::invoke(&mut *ta, request)
}
