//! The CLI's side of the HTTP API: `status`, `issue`, `present`, `verify`, `resolve` and
//! `token` talk to a running worker.

use reqwest::{Method, StatusCode};
use serde_json::Value;

/// Why a CLI call failed, with the exit code it ends the process with.
#[derive(Debug)]
pub struct Failure {
	/// The exit code: 2 bad input, 3 refused, 4 unreachable or unavailable, 1 anything else.
	pub code: u8,
	/// One line for people.
	pub message: String,
}

impl Failure {
	/// Bad input (exit code 2).
	pub fn input(message: impl Into<String>) -> Self {
		Self { code: 2, message: message.into() }
	}
}

/// A client of one worker's API.
pub struct ApiClient {
	base: String,
	token: Option<String>,
	http: reqwest::Client,
}

impl ApiClient {
	/// A client of the API at `base`, presenting `token`.
	pub fn new(base: &str, token: Option<String>) -> Self {
		Self { base: base.trim_end_matches('/').into(), token, http: reqwest::Client::new() }
	}

	/// Calls `method path` with an optional JSON body; the answer's JSON.
	pub async fn call(
		&self,
		method: Method,
		path: &str,
		body: Option<&Value>,
	) -> Result<Value, Failure> {
		let mut request = self.http.request(method, format!("{}{path}", self.base));
		if let Some(token) = &self.token {
			request = request.bearer_auth(token);
		}
		if let Some(body) = body {
			request = request.json(body);
		}
		let response = request.send().await.map_err(|e| Failure {
			code: 4,
			message: format!("the worker at {} is unreachable: {e}", self.base),
		})?;
		let status = response.status();
		let text = response.text().await.unwrap_or_default();
		if status.is_success() {
			if text.is_empty() {
				return Ok(Value::Null);
			}
			return serde_json::from_str(&text).map_err(|e| Failure {
				code: 1,
				message: format!("the worker's answer is not JSON: {e}"),
			});
		}
		let message = serde_json::from_str::<Value>(&text)
			.ok()
			.and_then(|v| v["message"].as_str().map(String::from))
			.unwrap_or(text);
		let code = match status {
			StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => 2,
			StatusCode::SERVICE_UNAVAILABLE => 4,
			s if s.is_client_error() => 3,
			_ => 1,
		};
		Err(Failure { code, message: format!("{status}: {message}") })
	}
}

/// Reads a JSON file (`-` for stdin).
pub fn read_json(path: &std::path::Path) -> Result<Value, Failure> {
	let text = if path.as_os_str() == "-" {
		std::io::read_to_string(std::io::stdin())
			.map_err(|e| Failure::input(format!("stdin: {e}")))?
	} else {
		std::fs::read_to_string(path)
			.map_err(|e| Failure::input(format!("{}: {e}", path.display())))?
	};
	serde_json::from_str(&text)
		.map_err(|e| Failure::input(format!("{}: not JSON: {e}", path.display())))
}

/// Percent-encodes a path segment (credential ids are URNs with `:`).
pub fn segment(text: &str) -> String {
	text.bytes()
		.map(|b| match b {
			b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
				(b as char).to_string()
			},
			_ => format!("%{b:02X}"),
		})
		.collect()
}
