// The TEE worker (`teeid-worker`) for the end-to-end suite: start its daemon on a data
// directory, call its API, run its CLI, and provision its TEE's device certificate.

import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { u8aToHex } from '@polkadot/util';
import { deviceKeyFingerprint, simulatedCertifier } from './attestation.js';
import { captureOutput, freePort, releaseBinary, sleep } from './node-process.js';
import { simBinary } from './ta.js';

/** The worker binary: `TEEID_WORKER_BIN`, or the release build in the cargo target directory. */
export function workerBinary () {
  return releaseBinary('teeid-worker', 'TEEID_WORKER_BIN');
}

/** The admin token a worker wrote on its first start. */
export function adminToken (dataDir) {
  return readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
}

/**
 * A single-use `endorse` token of the worker at `url`, created with its admin token `admin`:
 * what its operator hands to a joining worker (`--endorser-token`).
 */
export function endorseToken (url, admin, label = 'join') {
  const created = workerCli(['token', 'create', '--api', url, '--permission', 'endorse', '--label', label], { token: admin });
  if (created.status !== 0) throw new Error(`token create --permission endorse: ${created.stderr}`);
  return created.json.token;
}

/**
 * Starts `teeid-worker run` for `operator` on `dataDir` against the node at `chain`; resolves
 * with `{ url, port, logs, stop, kill }` once its API answers /health. `extra` are more flags
 * (`--bootstrap`, `--endorser URL`, ...). `prefix` is a command the worker runs under
 * (`['taskset', '-c', '0']`), which the simulated TA it spawns inherits; `pollMs` is how often
 * /health is asked. `stop()` sends SIGTERM (a clean stop: it unbinds); `kill()` sends SIGKILL
 * (a crash).
 */
export async function startWorker ({ chain, operator, dataDir, extra = [], port, prefix = [], pollMs = 250, readyTimeoutMs = 180_000 }) {
  port ??= await freePort();
  const args = ['run', '--chain', chain, '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`,
    '--sim-binary', simBinary(), '--poll-seconds', '1', ...extra];
  // A prefix that execs the worker (as taskset does) keeps the child's pid the worker's.
  const [command, ...commandArgs] = [...prefix, workerBinary(), ...args];
  const child = spawn(command, commandArgs, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TEEID_WORKER_OPERATOR: operator, TEEID_WORKER_LOG: 'info' }
  });
  const { logs, exited } = captureOutput(child);
  process.on('exit', () => child.kill('SIGKILL'));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`teeid-worker exited (${child.exitCode}):\n${logs.join('')}`);
    try {
      const health = await (await fetch(`${url}/health`)).json();
      if (health.registered) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`teeid-worker not ready after ${readyTimeoutMs} ms:\n${logs.join('')}`);
    }
    await sleep(pollMs);
  }
  const signal = (name) => async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    return exited;
  };
  return { url, port, logs, stop: signal('SIGTERM'), kill: signal('SIGKILL'), child };
}

/** Calls the worker API: `{ status, body }`. */
export async function call (url, method, path, { token, body, raw } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined || raw !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${url}${path}`, {
    method,
    headers,
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body))
  });
  const text = await response.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* left null */ }
  return { status: response.status, headers: response.headers, body: json, text };
}

/**
 * Runs a `teeid-worker` client subcommand: `{ status, json, stderr }`. `token` is its API token
 * (`TEEID_WORKER_TOKEN`), `operator` the worker operator's secret URI (`TEEID_WORKER_OPERATOR`,
 * for `token grant`); neither is inherited from this process. `env` adds variables.
 */
export function workerCli (args, { token, operator, input, env: extra = {} } = {}) {
  const env = { ...process.env, ...extra };
  delete env.TEEID_WORKER_TOKEN;
  delete env.TEEID_WORKER_OPERATOR;
  if (token) env.TEEID_WORKER_TOKEN = token;
  if (operator) env.TEEID_WORKER_OPERATOR = operator;
  const result = spawnSync(workerBinary(), args, { encoding: 'utf8', timeout: 60_000, input, env });
  let json = null;
  try { json = JSON.parse(result.stdout); } catch { /* left null */ }
  return { status: result.status, json, stdout: result.stdout, stderr: result.stderr };
}

/** Kills the simulated TA a worker started (it outlives a killed worker, as a TA would). */
export function stopSimulation (dataDir) {
  try {
    process.kill(Number(readFileSync(join(dataDir, 'tee.pid'), 'utf8')), 'SIGKILL');
  } catch { /* already gone */ }
}

/**
 * Runs `teeid-worker device <args>` on the TEE of the worker data directory `dataDir` (the
 * simulated TA there, started if none runs): `{ status, json, stderr }`. The data directory
 * and the simulation binary go in the environment (`TEEID_WORKER_DATA_DIR`,
 * `TEEID_WORKER_SIM_BINARY`), as for every subcommand that opens the TEE.
 */
export function deviceCli (dataDir, args, options = {}) {
  return workerCli(['device', ...args], {
    ...options,
    env: { TEEID_WORKER_DATA_DIR: dataDir, TEEID_WORKER_SIM_BINARY: simBinary(), ...options.env }
  });
}

/**
 * `certificate` (a `DeviceCertificate`) as the JSON file `teeid-worker device certify` prints
 * and `device install` reads: the SCALE encoding (`scale`) and every member, readable.
 */
export function certificateFile (certificate) {
  const { payload } = certificate;
  return {
    scale: certificate.toHex(),
    certifier: certificate.certifier.toHex(),
    platform: payload.body.platform.toString(),
    deviceKey: payload.body.deviceKey.toHex(),
    genesisHash: payload.genesisHash.toHex(),
    serial: payload.anchor.isNonce ? payload.anchor.asNonce.toString() : null,
    signature: certificate.signature.toHex()
  };
}

/**
 * Provisions the TEE of the worker data directory `dataDir` for the chain of `api` as an
 * operator provisions a device (docs/operations.md): reads its device key (`teeid-worker device
 * key`), has `certifier` certify it (the simulated certifier for a simulated TA) and installs
 * the certificate in the TA (`teeid-worker device install`). Returns `{ device, certificate }`:
 * the key as the TA printed it and the certificate, a `DeviceCertificate`.
 */
export function provisionDevice (dataDir, api, { certifier = simulatedCertifier } = {}) {
  const read = deviceCli(dataDir, ['key']);
  if (read.status !== 0 || !read.json) throw new Error(`teeid-worker device key: ${read.stderr}`);
  const device = read.json;
  // The TA names its key by the fingerprint the certificate carries, computed here too.
  const fingerprint = u8aToHex(deviceKeyFingerprint(api.registry, device));
  if (device.fingerprint !== fingerprint) {
    throw new Error(`the TA's device key fingerprint ${device.fingerprint} is not ${fingerprint}`);
  }
  const certificate = certifier.certify(api.registry, {
    device, platform: device.platform, genesisHash: api.genesisHash
  });
  const file = join(dataDir, 'device-certificate.json');
  writeFileSync(file, JSON.stringify(certificateFile(certificate)));
  const installed = deviceCli(dataDir, ['install', file]);
  if (installed.status !== 0) throw new Error(`teeid-worker device install: ${installed.stderr}`);
  return { device, certificate };
}
