//! `teeid-ta-sim`: the simulated teeid TA.
//!
//! `teeid-ta-sim serve` runs the TA process. The other subcommands are a small client for
//! operators and scripts: each opens a session, invokes one command and prints the reply as
//! JSON (binary values as `0x` hex, SCALE-encoded where the chain takes them).
//!
//! Exit codes: 0 done, 1 an unexpected reply, 2 bad arguments or input file, 3 the TA refused
//! (the reason on stderr), 4 the TA cannot be reached or did not start. `serve` runs the TA in
//! OP-TEE's TA heap ([`TA_HEAP_BYTES`]); should the TA ever allocate past it, the process dies
//! as the TA would under OP-TEE: `memory allocation of N bytes failed` on stderr, then
//! `SIGABRT` (status 134 in a shell).

use clap::{Parser, Subcommand};
use codec::{DecodeAll, Encode};
use serde_json::{json, Value as Json};
use sp_core::crypto::Ss58Codec;
use std::{path::PathBuf, process::ExitCode};
use teeid_primitives::{
	attestation::{DeviceCertificate, DeviceKey, TeePlatform},
	signing::Anchor,
	AccountId, Hash,
};
use teeid_ta_protocol::{
	command::{Endorsement, IssuedCredential, NetworkKeyInfo, Report, ReportRequest},
	credential::{hex0x, Claims, CredentialFormat, IssuanceRequest, SchemaRef, StatusListEntry},
	disclosure::PresentationRequest,
	limits::TA_HEAP_BYTES,
	sealed::SealedBox,
	status_list::{set_bit, StatusListFormat, StatusListRequest},
	Command, Reply, MAX_REQUEST_BYTES,
};
use teeid_ta_sim::{
	client::{ClientError, SimClient},
	heap::TaHeap,
	server::Server,
};

/// Every allocation of the process, the TA's counted against OP-TEE's TA heap.
#[global_allocator]
static HEAP: TaHeap = TaHeap::new(TA_HEAP_BYTES);

#[derive(Parser)]
#[command(version, about = "The teeid TA, simulated in a host process (platform: Simulated)")]
struct Cli {
	#[command(subcommand)]
	command: Action,
}

#[derive(Subcommand)]
enum Action {
	/// Run the simulated TA.
	Serve {
		/// The simulated device's state: its HUK, the sealed device key and TA objects.
		#[arg(long)]
		state_dir: PathBuf,
		/// The Unix socket to listen on.
		#[arg(long)]
		socket: PathBuf,
		/// A smaller TA heap than OP-TEE's, in bytes (tests watch the TA die in one); never
		/// raises it.
		#[arg(long, hide = true)]
		heap_bytes: Option<usize>,
	},
	/// Print the TA's identity.
	Identity(Session),
	/// Print the device's attestation key, which a device certifier certifies.
	DeviceKey(Session),
	/// Certify this simulated device for a chain with the simulated certifier (its seed is
	/// public) and install the certificate; prints it. Reports need one.
	Provision {
		#[command(flatten)]
		session: Session,
		/// The chain's genesis hash.
		#[arg(long)]
		genesis: String,
	},
	/// Generate the network key of a chain (its first worker only).
	CreateNetworkKey {
		#[command(flatten)]
		session: Session,
		/// The chain's genesis hash.
		#[arg(long)]
		genesis: String,
	},
	/// Sign a report R for this TEE.
	Report {
		#[command(flatten)]
		session: Session,
		/// The operator account (SS58 or 0x hex).
		#[arg(long)]
		operator: String,
		/// The chain's genesis hash.
		#[arg(long)]
		genesis: String,
		/// The anchor block's number.
		#[arg(long)]
		anchor_number: u32,
		/// The anchor block's hash.
		#[arg(long)]
		anchor_hash: String,
		/// The chain's network key fingerprint, for a TEE that has none yet.
		#[arg(long)]
		network_key: Option<String>,
	},
	/// Import the chain's network key from an endorsement of this TEE's report R (the
	/// endorser's TA sealed it to this TEE after checking R and its evidence).
	ImportNetworkKey {
		#[command(flatten)]
		session: Session,
		#[command(flatten)]
		endorsed: Endorsed,
	},
	/// Countersign an endorsement of this TEE's report R: prints V, Sig_V(R) and
	/// Sig_M(Sig_V(R)), the arguments of `attestation.register_worker` after R and Sig_M(R).
	Countersign {
		#[command(flatten)]
		session: Session,
		#[command(flatten)]
		endorsed: Endorsed,
	},
	/// Issue a credential from a JSON request file (`-` for stdin).
	Issue {
		#[command(flatten)]
		session: Session,
		/// `{id, issuer, holder, schemaId, schema, claims | sealedClaims, validFrom,
		/// validUntil?, created, blockNumber, blockHash, statusList: {uri, index},
		/// format?: "ldp_vc" (the default) | "dc+sd-jwt", holderJwk? (a JWK, for dc+sd-jwt)}`.
		#[arg(long)]
		request: PathBuf,
	},
	/// Sign a version of a status list from a JSON request file (`-` for stdin).
	SignStatusList {
		#[command(flatten)]
		session: Session,
		/// `{issuer, uri, format: "bitstring" | "token", size (entries, a multiple of 8),
		/// revoked: [indexes], created, ttl?, blockNumber, blockHash}`.
		#[arg(long)]
		request: PathBuf,
	},
	/// Present chosen claims of a credential from a JSON request file (`-` for stdin).
	Present {
		#[command(flatten)]
		session: Session,
		/// `{credential, holder, disclose: [names], challenge, domain, created}`.
		#[arg(long)]
		request: PathBuf,
	},
}

#[derive(clap::Args)]
struct Session {
	/// The simulation's socket.
	#[arg(long)]
	socket: PathBuf,
}

/// A report R of this TEE and its endorsement, as `report` and a worker's `POST /v1/endorse`
/// print them.
#[derive(clap::Args)]
struct Endorsed {
	/// R, SCALE-encoded, `0x` hex.
	#[arg(long)]
	report: String,
	/// The endorsement (Sig_V(R), the sealed network key, V's evidence), SCALE-encoded, `0x`
	/// hex.
	#[arg(long)]
	endorsement: String,
}

impl Endorsed {
	fn decode(&self) -> Result<(Report, Endorsement), Failure> {
		let scale = |text: &str, what: &str| -> Result<Vec<u8>, Failure> {
			hex_bytes(text).map_err(|_| bad_input(format!("`--{what}` is not hex")))
		};
		let report = Report::decode_all(&mut &scale(&self.report, "report")?[..])
			.map_err(|_| bad_input("`--report` is not a SCALE-encoded report"))?;
		let endorsement =
			Endorsement::decode_all(&mut &scale(&self.endorsement, "endorsement")?[..])
				.map_err(|_| bad_input("`--endorsement` is not a SCALE-encoded endorsement"))?;
		Ok((report, endorsement))
	}
}

/// A failure and its exit code.
struct Failure(u8, String);

fn bad_input(message: impl Into<String>) -> Failure {
	Failure(2, message.into())
}

impl From<ClientError> for Failure {
	fn from(e: ClientError) -> Self {
		match e {
			ClientError::Ta(e) => Failure(3, e.to_string()),
			other => Failure(4, other.to_string()),
		}
	}
}

fn main() -> ExitCode {
	match run(Cli::parse().command) {
		Ok(()) => ExitCode::SUCCESS,
		Err(Failure(code, message)) => {
			eprintln!("teeid-ta-sim: {message}");
			ExitCode::from(code)
		},
	}
}

fn run(action: Action) -> Result<(), Failure> {
	let (session, command) = match action {
		Action::Serve { state_dir, socket, heap_bytes } => {
			if let Some(bytes) = heap_bytes {
				HEAP.set_cap(bytes.min(TA_HEAP_BYTES));
			}
			let server =
				Server::start(&state_dir, &socket).map_err(|e| Failure(4, e.to_string()))?;
			eprintln!(
				"teeid-ta-sim: platform Simulated, listening on {}",
				server.socket().display()
			);
			return server.serve().map_err(|e| Failure(4, e.to_string()));
		},
		Action::Identity(session) => (session, Command::Identity),
		Action::DeviceKey(session) => (session, Command::DeviceKey),
		Action::Provision { session, genesis } => {
			let genesis_hash = hash(&genesis)?;
			let certificate = connect(&session)?.provision_simulated(genesis_hash)?;
			println!("{}", certificate_json(&certificate));
			return Ok(());
		},
		Action::CreateNetworkKey { session, genesis } => {
			(session, Command::CreateNetworkKey { genesis_hash: hash(&genesis)? })
		},
		Action::Report { session, operator, genesis, anchor_number, anchor_hash, network_key } => {
			let request = ReportRequest {
				operator: account(&operator)?,
				genesis_hash: hash(&genesis)?,
				anchor_number,
				anchor_hash: hash(&anchor_hash)?,
				network_key: network_key.as_deref().map(hash).transpose()?.map(|h| h.0),
			};
			(session, Command::SignReport(request))
		},
		Action::ImportNetworkKey { session, endorsed } => {
			let (report, endorsement) = endorsed.decode()?;
			(session, Command::ImportNetworkKey { report, endorsement })
		},
		Action::Countersign { session, endorsed } => {
			let (report, Endorsement { endorser, signature, .. }) = endorsed.decode()?;
			let mut client = connect(&session)?;
			let reply =
				client.invoke(Command::Countersign { report, endorser, endorsement: signature })?;
			let Reply::Signature(countersignature) = reply else {
				return Err(Failure(1, "the TA answered Countersign with another reply".into()));
			};
			// What `attestation.register_worker` takes after R and Sig_M(R).
			let quadruple = json!({
				"endorser": hex0x(&endorser.0),
				"endorsement": hex0x(&signature.0),
				"countersignature": hex0x(&countersignature.0),
			});
			println!("{quadruple}");
			return Ok(());
		},
		Action::Issue { session, request } => {
			(session, Command::IssueCredential(issuance(&read_json(&request)?)?))
		},
		Action::SignStatusList { session, request } => {
			(session, Command::SignStatusList(status_list(&read_json(&request)?)?))
		},
		Action::Present { session, request } => {
			(session, Command::Present(presentation(&read_json(&request)?)?))
		},
	};
	let reply = connect(&session)?.invoke(command)?;
	println!("{}", render(reply));
	Ok(())
}

fn connect(session: &Session) -> Result<SimClient, Failure> {
	SimClient::connect(&session.socket).map_err(|e| Failure(4, format!("cannot reach the TA: {e}")))
}

fn render(reply: Reply) -> Json {
	let network = |info: NetworkKeyInfo| {
		json!({
			"public": hex0x(&info.public),
			"fingerprint": hex0x(&info.fingerprint),
			"genesisHash": hex0x(info.genesis_hash.as_bytes()),
		})
	};
	match reply {
		Reply::Identity(identity) => json!({
			"version": identity.version,
			"platform": format!("{:?}", identity.platform),
			"signingKey": hex0x(&identity.signing_key.0),
			"agreementKey": hex0x(&identity.agreement_key),
			"measurement": hex0x(&identity.measurement),
			"networkKey": identity.network_key.map(network),
			"issuedTotal": identity.issued_total,
			"certificate": identity.certificate.as_ref().map(certificate_json),
			"newestBlock": identity.newest_block,
		}),
		Reply::NetworkKey(info) => network(info),
		Reply::Report { report, signature } => json!({
			"report": hex0x(&report.encode()),
			"reportHash": hex0x(&report.hash()),
			"signature": hex0x(&signature.0),
		}),
		Reply::Endorsement(endorsement) => json!({ "endorsement": hex0x(&endorsement.encode()) }),
		Reply::Signature(signature) => json!({ "signature": hex0x(&signature.0) }),
		Reply::WorkReport { payload, signature } => {
			json!({ "payload": hex0x(&payload.encode()), "signature": hex0x(&signature.0) })
		},
		Reply::Credential(issued) => issued_json("credential", issued),
		Reply::StatusList(issued) => issued_json("statusList", issued),
		Reply::Presentation(presentation) => parse_own(&presentation),
		Reply::DeviceKey { platform, key } => device_key_json(platform, &key),
		Reply::CertificateInstalled => json!({ "installed": true }),
	}
}

/// A device key as `teeid-worker device key` prints it: its numbers and the fingerprint
/// certificates name.
fn device_key_json(platform: TeePlatform, key: &DeviceKey) -> Json {
	json!({
		"platform": format!("{platform:?}"),
		"exponent": hex0x(&key.exponent),
		"modulus": hex0x(&key.modulus),
		"fingerprint": hex0x(&key.fingerprint()),
	})
}

/// A device certificate: SCALE-encoded (`scale`, what `InstallCertificate` and the chain
/// take) and its fields, readable.
fn certificate_json(certificate: &DeviceCertificate) -> Json {
	let serial = match certificate.payload.anchor {
		Anchor::Nonce(serial) => Some(serial.to_string()),
		Anchor::Block { .. } => None,
	};
	json!({
		"scale": hex0x(&certificate.encode()),
		"platform": format!("{:?}", certificate.platform()),
		"deviceKey": hex0x(&certificate.payload.body.device_key),
		"genesisHash": hex0x(certificate.payload.genesis_hash.as_bytes()),
		"serial": serial,
		"certifier": hex0x(&certificate.certifier.0),
	})
}

/// A document the TA issued under `name`, with its hash: JSON documents as JSON, SD-JWT VCs
/// and Token Status Lists (compact JWTs) as strings.
fn issued_json(name: &str, issued: IssuedCredential) -> Json {
	let mut object = serde_json::Map::new();
	object.insert(name.into(), parse_own(&issued.credential));
	object.insert("hash".into(), Json::String(hex0x(&issued.hash)));
	Json::Object(object)
}

/// The TA's output as a JSON value: JSON as such, the ASCII of a JWT as a string (and, should
/// it ever be neither, hex).
fn parse_own(bytes: &[u8]) -> Json {
	serde_json::from_slice(bytes).unwrap_or_else(|_| match std::str::from_utf8(bytes) {
		Ok(text) => Json::String(text.into()),
		Err(_) => Json::String(hex0x(bytes)),
	})
}

fn read_json(path: &PathBuf) -> Result<Json, Failure> {
	let bytes = if path.as_os_str() == "-" {
		let mut bytes = Vec::new();
		std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
			.map_err(|e| bad_input(format!("stdin: {e}")))?;
		bytes
	} else {
		std::fs::read(path).map_err(|e| bad_input(format!("{}: {e}", path.display())))?
	};
	serde_json::from_slice(&bytes).map_err(|e| bad_input(format!("{}: {e}", path.display())))
}

fn hex_bytes(text: &str) -> Result<Vec<u8>, Failure> {
	hex::decode(text.strip_prefix("0x").unwrap_or(text))
		.map_err(|_| bad_input(format!("`{text}` is not hex")))
}

fn hash(text: &str) -> Result<Hash, Failure> {
	let bytes: [u8; 32] =
		hex_bytes(text)?.try_into().map_err(|_| bad_input(format!("`{text}` is not 32 bytes")))?;
	Ok(Hash::from(bytes))
}

fn account(text: &str) -> Result<AccountId, Failure> {
	if text.starts_with("0x") {
		return Ok(AccountId::new(hash(text)?.0));
	}
	AccountId::from_ss58check(text).map_err(|_| bad_input(format!("`{text}` is not an account")))
}

fn field<'a>(value: &'a Json, name: &str) -> Result<&'a str, Failure> {
	value[name].as_str().ok_or_else(|| bad_input(format!("`{name}` must be a string")))
}

/// A JSON member as the exact bytes the TA parses.
fn json_bytes(value: &Json, name: &str) -> Result<Vec<u8>, Failure> {
	match &value[name] {
		Json::Null => Err(bad_input(format!("`{name}` is missing"))),
		Json::String(text) if name == "schema" => Ok(text.as_bytes().to_vec()),
		other => Ok(other.to_string().into_bytes()),
	}
}

fn issuance(request: &Json) -> Result<IssuanceRequest, Failure> {
	let claims = match &request["sealedClaims"] {
		Json::Null => Claims::Plain(json_bytes(request, "claims")?),
		sealed => Claims::Sealed(SealedBox {
			ephemeral: hash(field(sealed, "ephemeral")?)?.0,
			ciphertext: hex_bytes(field(sealed, "ciphertext")?)?,
		}),
	};
	let format = match request["format"].as_str() {
		None | Some("ldp_vc") => CredentialFormat::W3cVc,
		Some("dc+sd-jwt") => CredentialFormat::SdJwtVc,
		Some(other) => {
			return Err(bad_input(format!("`format` {other} is not ldp_vc or dc+sd-jwt")))
		},
	};
	// The holder key as the JSON it is, for the TA to check.
	let holder_jwk = match &request["holderJwk"] {
		Json::Null => None,
		jwk => Some(jwk.to_string().into_bytes()),
	};
	let entry = &request["statusList"];
	let index = entry["index"]
		.as_u64()
		.and_then(|index| u32::try_from(index).ok())
		.ok_or_else(|| bad_input("`statusList` must be {uri, index}"))?;
	Ok(IssuanceRequest {
		id: field(request, "id")?.into(),
		issuer: field(request, "issuer")?.into(),
		holder: field(request, "holder")?.into(),
		schema: SchemaRef {
			id: field(request, "schemaId")?.into(),
			schema: json_bytes(request, "schema")?,
		},
		claims,
		valid_from: field(request, "validFrom")?.into(),
		valid_until: request["validUntil"].as_str().map(Into::into),
		created: field(request, "created")?.into(),
		block_number: block_number(request)?,
		block_hash: hash(field(request, "blockHash")?)?,
		format,
		holder_jwk,
		status_list: StatusListEntry { uri: field(entry, "uri")?.into(), index },
	})
}

/// `blockNumber` of a request.
fn block_number(request: &Json) -> Result<u32, Failure> {
	request["blockNumber"]
		.as_u64()
		.and_then(|number| u32::try_from(number).ok())
		.ok_or_else(|| bad_input("`blockNumber` must be a block number"))
}

/// A status list request: the list of `size` entries with the `revoked` ones set.
fn status_list(request: &Json) -> Result<StatusListRequest, Failure> {
	let format = match field(request, "format")? {
		"bitstring" => StatusListFormat::Bitstring,
		"token" => StatusListFormat::Token,
		other => return Err(bad_input(format!("`format` {other} is not bitstring or token"))),
	};
	let size = request["size"]
		.as_u64()
		.and_then(|size| usize::try_from(size).ok())
		// Up to what a request could carry, so that the TA, not this client, judges the size.
		.filter(|size| size % 8 == 0 && size / 8 <= MAX_REQUEST_BYTES)
		.ok_or_else(|| bad_input("`size` must be a number of entries, a multiple of 8"))?;
	let mut bits = vec![0u8; size / 8];
	let revoked = request["revoked"].as_array().map(Vec::as_slice).unwrap_or_default();
	for index in revoked {
		let index = index.as_u64().and_then(|index| u32::try_from(index).ok());
		if !index.is_some_and(|index| set_bit(&mut bits, index, true)) {
			return Err(bad_input("`revoked` must hold indexes below `size`"));
		}
	}
	let ttl = match &request["ttl"] {
		Json::Null => None,
		ttl => Some(
			ttl.as_u64()
				.and_then(|ttl| u32::try_from(ttl).ok())
				.ok_or_else(|| bad_input("`ttl` must be a number of seconds"))?,
		),
	};
	Ok(StatusListRequest {
		issuer: field(request, "issuer")?.into(),
		uri: field(request, "uri")?.into(),
		format,
		bits,
		created: field(request, "created")?.into(),
		ttl,
		block_number: block_number(request)?,
		block_hash: hash(field(request, "blockHash")?)?,
	})
}

fn presentation(request: &Json) -> Result<PresentationRequest, Failure> {
	let disclose = request["disclose"]
		.as_array()
		.and_then(|names| names.iter().map(|n| n.as_str().map(String::from)).collect())
		.ok_or_else(|| bad_input("`disclose` must be an array of claim names"))?;
	Ok(PresentationRequest {
		credential: json_bytes(request, "credential")?,
		holder: field(request, "holder")?.into(),
		disclose,
		challenge: field(request, "challenge")?.into(),
		domain: field(request, "domain")?.into(),
		created: field(request, "created")?.into(),
	})
}
