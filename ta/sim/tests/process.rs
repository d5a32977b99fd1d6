//! The simulation as a process: the worker's view. Sessions over the socket only.

use sp_core::H256;
use std::path::{Path, PathBuf};
use teeid_primitives::{
	attestation::{TeePlatform, SIMULATED_CERTIFIER},
	AccountId,
};
use teeid_ta_protocol::{
	command::{Report, ReportRequest, TeeIdentity},
	Command, Reply, TaError,
};
use teeid_ta_sim::client::{ClientError, SimProcess};

const GENESIS: H256 = H256([0x11; 32]);

fn binary() -> PathBuf {
	PathBuf::from(env!("CARGO_BIN_EXE_teeid-ta-sim"))
}

fn spawn(dir: &Path) -> SimProcess {
	SimProcess::spawn(&binary(), dir, &dir.join("ta.sock")).expect("the simulation starts")
}

fn invoke(sim: &SimProcess, command: Command) -> Result<Reply, ClientError> {
	sim.client().expect("a session").invoke(command)
}

fn identity(sim: &SimProcess) -> TeeIdentity {
	match invoke(sim, Command::Identity).unwrap() {
		Reply::Identity(identity) => identity,
		other => panic!("{other:?}"),
	}
}

/// Certifies the simulated device for [`GENESIS`] with the simulated certifier and installs it.
fn provision(sim: &SimProcess) {
	sim.client().expect("a session").provision_simulated(GENESIS).expect("provisioned");
}

fn report(sim: &SimProcess, network_key: Option<[u8; 32]>) -> Report {
	let request = ReportRequest {
		operator: AccountId::new([3; 32]),
		genesis_hash: GENESIS,
		anchor_number: 1,
		anchor_hash: H256([2; 32]),
		network_key,
	};
	match invoke(sim, Command::SignReport(request)).unwrap() {
		Reply::Report { report, .. } => report,
		other => panic!("{other:?}"),
	}
}

#[test]
fn sealed_state_survives_a_restart_and_tampering_stops_the_ta() {
	let dir = tempfile::tempdir().unwrap();
	let sim = spawn(dir.path());
	// Without a certificate, the TA signs no report.
	assert!(matches!(
		sim.client().unwrap().invoke(Command::SignReport(ReportRequest {
			operator: AccountId::new([3; 32]),
			genesis_hash: GENESIS,
			anchor_number: 1,
			anchor_hash: H256([2; 32]),
			network_key: Some([4; 32]),
		})),
		Err(ClientError::Ta(TaError::Uncertified))
	));
	provision(&sim);
	invoke(&sim, Command::CreateNetworkKey { genesis_hash: GENESIS }).unwrap();
	let before = identity(&sim);
	assert_eq!(before.platform, TeePlatform::Simulated);
	let certificate = before.certificate.clone().expect("installed");
	assert_eq!(certificate.certifier.0, SIMULATED_CERTIFIER);
	assert_eq!(certificate.platform(), TeePlatform::Simulated);
	sim.stop().unwrap();

	let sim = spawn(dir.path());
	assert_eq!(identity(&sim), before);
	// A report from the restarted TA carries evidence from the same (sealed) device key, and
	// that key's certificate.
	let report = report(&sim, None);
	report.check_evidence().unwrap();
	assert_eq!(report.certificate, certificate);
	assert!(teeid_ta_protocol::certificate::verify(&report.certificate));
	sim.stop().unwrap();

	let objects = dir.path().join("objects").join(hex::encode(teeid_ta_protocol::TA_UUID_BYTES));
	let state = std::fs::read_dir(&objects).unwrap().next().unwrap().unwrap().path();
	let mut bytes = std::fs::read(&state).unwrap();
	*bytes.last_mut().unwrap() ^= 0x80;
	std::fs::write(&state, bytes).unwrap();
	let refused = SimProcess::spawn(&binary(), dir.path(), &dir.path().join("ta.sock"));
	let message = refused.err().expect("a tampered state stops the TA").to_string();
	assert!(message.contains("integrity"), "{message}");
}

#[test]
fn one_simulation_endorses_another_which_joins() {
	let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
	let (v, m) = (spawn(one.path()), spawn(two.path()));
	provision(&v);
	provision(&m);
	let Reply::NetworkKey(network) =
		invoke(&v, Command::CreateNetworkKey { genesis_hash: GENESIS }).unwrap()
	else {
		panic!()
	};
	let r = report(&m, Some(network.fingerprint));
	// A report carrying another device's certificate (V's, which is genuine) is no report of a
	// certified device.
	let mut borrowed = r.clone();
	borrowed.certificate = identity(&v).certificate.expect("V is provisioned");
	assert!(matches!(
		invoke(&v, Command::Endorse { report: borrowed }),
		Err(ClientError::Ta(TaError::UncertifiedDevice))
	));
	let Reply::Endorsement(endorsement) =
		invoke(&v, Command::Endorse { report: r.clone() }).unwrap()
	else {
		panic!()
	};
	// Two devices, one code: V checked M's evidence and certificate, M checks V's.
	assert_ne!(endorsement.evidence.device_key, r.evidence.device_key);
	assert_ne!(endorsement.certificate, r.certificate);
	let mut borrowed = endorsement.clone();
	borrowed.certificate = r.certificate.clone();
	assert!(matches!(
		invoke(&m, Command::ImportNetworkKey { report: r.clone(), endorsement: borrowed }),
		Err(ClientError::Ta(TaError::UncertifiedDevice))
	));
	let imported = invoke(
		&m,
		Command::ImportNetworkKey { report: r.clone(), endorsement: endorsement.clone() },
	);
	assert_eq!(imported.unwrap(), Reply::NetworkKey(network));
	invoke(
		&m,
		Command::Countersign {
			report: r,
			endorser: endorsement.endorser,
			endorsement: endorsement.signature,
		},
	)
	.unwrap();

	// A malformed request gets an error response, not a dropped session.
	let mut client = v.client().unwrap();
	let mut garbage = teeid_ta_protocol::PROTOCOL_VERSION.to_le_bytes().to_vec();
	garbage.push(0xee);
	let output = client.invoke_raw(&garbage).unwrap();
	assert_eq!(teeid_ta_protocol::decode_response(&output).unwrap(), Err(TaError::Malformed));
	assert!(matches!(client.invoke(Command::Identity), Ok(Reply::Identity(_))));
}

/// Runs a client subcommand of the binary against `socket` and parses what it prints.
fn subcommand(socket: &Path, args: &[&str]) -> serde_json::Value {
	let output = std::process::Command::new(binary())
		.args(args)
		.arg("--socket")
		.arg(socket)
		.output()
		.expect("the client runs");
	assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
	serde_json::from_slice(&output.stdout).expect("it prints JSON")
}

#[test]
fn the_client_provisions_the_simulated_device_works() {
	let dir = tempfile::tempdir().unwrap();
	let sim = spawn(dir.path());
	let socket = dir.path().join("ta.sock");
	let device = subcommand(&socket, &["device-key"]);
	assert_eq!(device["platform"], "Simulated");
	let genesis = format!("0x{}", hex::encode(GENESIS.0));
	let certificate = subcommand(&socket, &["provision", "--genesis", &genesis]);
	assert_eq!(certificate["deviceKey"], device["fingerprint"]);
	assert_eq!(certificate["genesisHash"], genesis.as_str());
	assert_eq!(certificate["certifier"], format!("0x{}", hex::encode(SIMULATED_CERTIFIER)));
	let identity = subcommand(&socket, &["identity"]);
	assert_eq!(identity["certificate"], certificate);
	assert_eq!(identity["newestBlock"], 0);
	sim.stop().unwrap();
}

#[test]
fn the_client_issues_sd_jwt_vcs_and_signs_status_lists_works() {
	let dir = tempfile::tempdir().unwrap();
	let sim = spawn(dir.path());
	let socket = dir.path().join("ta.sock");
	let genesis = format!("0x{}", hex::encode(GENESIS.0));
	subcommand(&socket, &["create-network-key", "--genesis", &genesis]);
	let block = format!("0x{}", hex::encode([0x0b; 32]));
	let issuer = "did:teeid:5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
	let list = "http://127.0.0.1:8600/v1/status-lists/00112233445566778899aabbccddeeff";
	let path = dir.path().join("request.json");
	let run = |args: &[&str], request: serde_json::Value| {
		std::fs::write(&path, request.to_string()).unwrap();
		let mut args = args.to_vec();
		args.extend(["--request", path.to_str().unwrap()]);
		subcommand(&socket, &args)
	};

	let issued = run(
		&["issue"],
		serde_json::json!({
			"id": "urn:uuid:0b6c9f1e-6a36-4c59-9a55-2f8d3c1e7a10",
			"issuer": issuer,
			"holder": "did:teeid:5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty",
			"schemaId": "urn:teeid:cpt:2000000",
			"schema": {"type": "object"},
			"claims": {"club": "Chess", "since": 2021},
			"validFrom": "2026-01-01T00:00:00Z",
			"created": "2026-01-01T00:00:00Z",
			"blockNumber": 1,
			"blockHash": block,
			"statusList": {"uri": list, "index": 7},
			"format": "dc+sd-jwt",
			"holderJwk": {
				"kty": "OKP",
				"crv": "Ed25519",
				"x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
			},
		}),
	);
	// The JWT, a disclosure per claim, and the empty end of the issuance form.
	let sd_jwt = issued["credential"].as_str().expect("an SD-JWT VC prints as a string");
	assert_eq!(sd_jwt.split('~').count(), 4, "{sd_jwt}");
	let hash = teeid_ta_protocol::sd_jwt::sd_jwt_hash(sd_jwt);
	assert_eq!(issued["hash"], format!("0x{}", hex::encode(hash)));

	for format in ["bitstring", "token"] {
		let signed = run(
			&["sign-status-list"],
			serde_json::json!({
				"issuer": issuer,
				"uri": list,
				"format": format,
				"size": 131_072,
				"revoked": [7],
				"created": "2026-01-02T00:00:00Z",
				"ttl": 300,
				"blockNumber": 1,
				"blockHash": block,
			}),
		);
		let document = &signed["statusList"];
		match format {
			"bitstring" => {
				assert_eq!(document["credentialSubject"]["type"], "BitstringStatusList");
				assert_eq!(document["id"], list);
			},
			_ => {
				let jwt = document.as_str().expect("a Token Status List prints as a string");
				assert_eq!(jwt.split('.').count(), 3, "{jwt}");
			},
		}
	}
	let identity = subcommand(&socket, &["identity"]);
	assert_eq!(identity["issuedTotal"], 3);
	sim.stop().unwrap();
}
