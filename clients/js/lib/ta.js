// The simulated TA (`teeid-ta-sim`) for the end-to-end suite: start it as its own process,
// invoke its client subcommands, and seal claims to its key-agreement key the way
// `teeid-ta-protocol::sealed` does.

import { spawn, spawnSync } from 'node:child_process';
import {
  createCipheriv, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync
} from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hexToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { releaseBinary, sleep } from './node-process.js';

/** The simulation binary: `TEEID_TA_SIM_BIN`, or the release build in the cargo target directory. */
export function simBinary () {
  return releaseBinary('teeid-ta-sim', 'TEEID_TA_SIM_BIN');
}

/**
 * Runs a client subcommand against the simulation at `socket`; returns `{ status, json, stderr }`.
 * `request`, if given, is written to a file passed as `--request`.
 */
export function simCall (socket, args, request) {
  const full = [...args, '--socket', socket];
  if (request !== undefined) {
    const file = `${socket}.request.json`;
    writeFileSync(file, JSON.stringify(request));
    full.push('--request', file);
  }
  const result = spawnSync(simBinary(), full, { encoding: 'utf8', timeout: 60_000 });
  let json = null;
  try { json = JSON.parse(result.stdout); } catch { /* left null: the caller reports stderr */ }
  return { status: result.status, json, stderr: result.stderr };
}

/**
 * Starts `teeid-ta-sim serve` on a state directory, listening on `socket` (`ta.sock` in it
 * unless given); resolves once it answers.
 */
export async function startSim (stateDir, { socket = join(stateDir, 'ta.sock') } = {}) {
  const child = spawn(simBinary(), ['serve', '--state-dir', stateDir, '--socket', socket],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  // A missing binary is reported below as the process having exited, not thrown from here.
  child.on('error', (error) => { stderr += `${error.message}\n`; });
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
  process.on('exit', () => child.kill('SIGKILL'));
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
      throw new Error(`teeid-ta-sim (${simBinary()}) did not start: ${stderr}`);
    }
    if (simCall(socket, ['identity']).status === 0) return { socket, stop };
    await sleep(100);
  }
  await stop();
  throw new Error(`teeid-ta-sim did not start: ${stderr}`);
}

/**
 * Starts the simulated TA where a worker on data directory `dataDir` finds it (state in
 * `tee/`, socket `tee.sock`), so that `teeid-worker device` subcommands reach it.
 */
export function startWorkerSim (dataDir) {
  return startSim(join(dataDir, 'tee'), { socket: join(dataDir, 'tee.sock') });
}

const b64url = (bytes) => Buffer.from(bytes).toString('base64url');

/** Seals `claims` (an object) to the TA's X25519 key for `issuer`: `{ ephemeral, ciphertext }`. */
export function sealClaims (agreementKey, claims, issuer) {
  const recipient = hexToU8a(agreementKey);
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const ephemeral = new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url'));
  const shared = diffieHellman({
    privateKey,
    publicKey: createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64url(recipient) }, format: 'jwk' })
  });
  const okm = Buffer.from(hkdfSync('sha256', shared, u8aConcat(ephemeral, recipient), 'teeid/box/claims/v1', 44));
  const cipher = createCipheriv('aes-256-gcm', okm.subarray(0, 32), okm.subarray(32));
  cipher.setAAD(Buffer.from(issuer));
  const body = Buffer.concat([cipher.update(JSON.stringify(claims)), cipher.final(), cipher.getAuthTag()]);
  return { ephemeral: u8aToHex(ephemeral), ciphertext: u8aToHex(body) };
}
