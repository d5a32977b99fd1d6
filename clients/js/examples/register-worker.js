// Register a second TEE worker by endorsement: the quadruple {R, Sig_M(R), Sig_V(R),
// Sig_M(Sig_V(R))}, step by step.
//
//   TEEID_WORKER_TOKEN=<an admin token of the running worker> npm run example:register-worker
//
// M is a new simulated TEE (a `teeid-ta-sim` process started here), its device certified for
// this chain by the simulated certifier (a real device is certified by the network's device
// certifier: docs/operations.md); V is the TEE of the running worker at TEEID_WORKER_API, which
// endorses through `POST /v1/endorse` once it has checked M's evidence and device certificate. V's operator does not
// hand its admin token to M's: with it, the example creates a single-use `endorse` token for
// this join, which the endorsement uses up (a second one is refused). polkadot.js submits the
// quadruple with `attestation.registerWorker`, signed by M's operator, a new account. The
// example then unregisters M (it stops with the example, so it would never report work) and
// stops its TEE; interrupted before that, M stays registered until it goes inactive (3 slots)
// and anyone removes it (10 slots later). `teeid-worker register --endorser URL` does the join
// in one command, for a worker that then runs (docs/operations.md).
//
// M's TEE must run the same code as V's: the example starts `teeid-ta-sim` from TEEID_TA_SIM_BIN,
// else from the cargo target directory (the launch command prints the line to export).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simCall, startSim } from '../lib/ta.js';
import { call } from '../lib/worker.js';
import { UsageError, eventsOf, fundedAccounts, run, send, settings, step, worker } from './common.js';

/** Runs a `teeid-ta-sim` client subcommand against M's TEE; its JSON answer. */
function tee (socket, args) {
  const { status, json, stderr } = simCall(socket, args);
  if (status !== 0) throw new Error(`teeid-ta-sim ${args[0]}: ${stderr.trim()}`);
  return json;
}

run(async (api) => {
  if (!settings.workerToken) {
    throw new UsageError('set TEEID_WORKER_TOKEN to an admin token of the worker at ' +
      `${settings.workerApi} (the launch command prints one): its operator approves every join`);
  }
  const endorserHealth = await worker('GET', '/health');
  step(`endorser V: worker ${endorserHealth.worker} (${endorserHealth.platform}) at ${settings.workerApi}`);

  const { operator } = await fundedAccounts(api, ['operator']);
  const stateDir = mkdtempSync(join(tmpdir(), 'teeid-example-tee-'));
  let sim;
  try {
    sim = await startSim(stateDir);
    const identity = tee(sim.socket, ['identity']);
    step(`joining TEE M: key ${identity.signingKey}, measurement ${identity.measurement} (${identity.platform})`);
    const certificate = tee(sim.socket, ['provision', '--genesis', api.genesisHash.toHex()]);
    step(`M's device ${certificate.deviceKey.slice(0, 18)}... certified for this chain by the simulated certifier ${certificate.certifier.slice(0, 18)}...`);

    // R names the operator, this chain, a recent finalized block and the chain's network key.
    const network = (await api.call.attestationApi.networkKey()).unwrap();
    const anchorHash = await api.rpc.chain.getFinalizedHead();
    const anchorNumber = (await api.rpc.chain.getHeader(anchorHash)).number.toNumber();
    const { report, signature: reportSignature } = tee(sim.socket, [
      'report', '--operator', operator.address, '--genesis', api.genesisHash.toHex(),
      '--anchor-number', String(anchorNumber), '--anchor-hash', anchorHash.toHex(),
      '--network-key', network.fingerprint.toHex()
    ]);
    step(`M signed R anchored at block ${anchorNumber}: Sig_M(R) = ${reportSignature.slice(0, 18)}...`);

    // V's operator creates an `endorse` token for this one join and hands it to M's operator.
    const joinToken = (await worker('POST', '/v1/tokens', {
      token: settings.workerToken,
      body: { permissions: ['endorse'], label: `example: join ${identity.signingKey.slice(0, 10)}` }
    }).catch((error) => {
      if (/: 40[13] /.test(error.message)) {
        throw new UsageError(`the worker refused TEEID_WORKER_TOKEN (${error.message}): export the admin ` +
          'token of this launch (each launch prints a new one)');
      }
      throw error;
    })).token;
    step('V\'s operator created a single-use endorse token for this join');

    // V's TEE checks R and M's evidence, signs Sig_V(R) and seals the network key to M.
    const { endorsement } = await worker('POST', '/v1/endorse', { token: joinToken, body: { report } });
    const reused = await call(settings.workerApi, 'POST', '/v1/endorse', { token: joinToken, body: { report } });
    step(`the endorsement used the token up: a second one gets ${reused.status} (${reused.body?.message})`);
    tee(sim.socket, ['import-network-key', '--report', report, '--endorsement', endorsement]);
    const signed = tee(sim.socket, ['countersign', '--report', report, '--endorsement', endorsement]);
    step(`V endorsed (Sig_V(R)); M imported the network key and countersigned (Sig_M(Sig_V(R)))`);

    // A hex string for the report: polkadot.js decodes it as the SCALE bytes of `WorkerReport`.
    const registered = await send(api, api.tx.attestation.registerWorker(
      report, reportSignature, signed.endorser, signed.endorsement, signed.countersignature
    ), operator);
    const [event] = eventsOf(registered.events, 'attestation', 'WorkerRegistered');
    const view = (await api.call.attestationApi.worker(identity.signingKey)).unwrap();
    step(`registered in block ${registered.blockNumber}: active ${view.active}, platform ${view.info.platform}`);

    const removed = await send(api, api.tx.attestation.unregisterWorker(identity.signingKey), operator);
    step(`unregistered in block ${removed.blockNumber} (its deposit released)`);

    return {
      worker: identity.signingKey,
      operator: operator.address,
      endorser: signed.endorser,
      endorseTokenReused: reused.status,
      platform: view.info.platform.toString(),
      measurement: view.info.measurement.toHex(),
      active: view.active.isTrue,
      registered: { block: registered.blockNumber, event: event.toHuman() },
      unregistered: {
        block: removed.blockNumber,
        stillKnown: (await api.call.attestationApi.worker(identity.signingKey)).isSome
      }
    };
  } finally {
    await sim?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
});
