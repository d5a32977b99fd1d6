//! The simulation as a process: the worker's view. Sessions over the socket only.

use sp_core::H256;
use std::path::{Path, PathBuf};
use teeid_primitives::{attestation::TeePlatform, AccountId};
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
	invoke(&sim, Command::CreateNetworkKey { genesis_hash: GENESIS }).unwrap();
	let before = identity(&sim);
	assert_eq!(before.platform, TeePlatform::Simulated);
	sim.stop().unwrap();

	let sim = spawn(dir.path());
	assert_eq!(identity(&sim), before);
	// A report from the restarted TA carries evidence from the same (sealed) device key.
	report(&sim, None).check_evidence().unwrap();
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
	let Reply::NetworkKey(network) =
		invoke(&v, Command::CreateNetworkKey { genesis_hash: GENESIS }).unwrap()
	else {
		panic!()
	};
	let r = report(&m, Some(network.fingerprint));
	let Reply::Endorsement(endorsement) =
		invoke(&v, Command::Endorse { report: r.clone() }).unwrap()
	else {
		panic!()
	};
	// Two devices, one code: V checked M's evidence, M checks V's.
	assert_ne!(endorsement.evidence.device_key, r.evidence.device_key);
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
	let output = client.invoke_raw(&[1, 0, 0xee]).unwrap();
	assert_eq!(teeid_ta_protocol::decode_response(&output).unwrap(), Err(TaError::Malformed));
	assert!(matches!(client.invoke(Command::Identity), Ok(Reply::Identity(_))));
}
