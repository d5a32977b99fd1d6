// Starting and stopping real `teeid-node` processes for the end-to-end suite.
//
// Every process started here is registered and killed when the suite ends, however it ends
// (`after` hooks, an exception, or a signal), so no node outlives its test.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';

/** The release build's directory in the cargo target directory. */
function releaseDir () {
  return join(process.env.CARGO_TARGET_DIR || join(process.env.HOME, '.cache/teeid/target'), 'release');
}

/** A teeid binary: `$variable` if set, else the release build in the cargo target directory. */
export function releaseBinary (name, variable) {
  return process.env[variable] || join(releaseDir(), name);
}

/**
 * The runtime's `upgrade-test` build (this runtime one `spec_version` up), which
 * runtime/build.rs builds beside the node's own: the code a test upgrades a running chain to;
 * with `tryRuntime`, the same built with `try-runtime`, for `teeid-node try-runtime`. Taken
 * from the build the node binary comes from.
 */
export function upgradeTestRuntime ({ tryRuntime = false } = {}) {
  const name = tryRuntime ? 'teeid_runtime_upgrade_test_try_runtime' : 'teeid_runtime_upgrade_test';
  return join(dirname(nodeBinary()), 'wbuild/teeid-runtime', `${name}.compact.compressed.wasm`);
}

/** The answer of the JSON-RPC method `method` of the node at `url` (`ws://`), over HTTP. */
export async function rpcRequest (url, method, params) {
  const response = await fetch(url.replace('ws://', 'http://'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: 1, jsonrpc: '2.0', method, params })
  });
  const { result, error } = await response.json();
  if (error) throw new Error(`${method}: ${JSON.stringify(error)}`);
  return result;
}

/**
 * Writes the state of the node at `url` at its best block to `path` as a chain specification
 * with raw genesis state: the form `teeid-node export-state` writes and `teeid-node try-runtime
 * --snapshot` reads. Read over RPC, a thousand keys at a time. Returns the block's hash.
 */
export async function snapshotState (url, path) {
  const at = await rpcRequest(url, 'chain_getBlockHash', []);
  const top = {};
  for (let start = null; ;) {
    const keys = await rpcRequest(url, 'state_getKeysPaged', ['0x', 1000, start, at]);
    if (keys.length === 0) break;
    const [{ changes }] = await rpcRequest(url, 'state_queryStorageAt', [keys, at]);
    for (const [key, value] of changes) if (value !== null) top[key] = value;
    start = keys[keys.length - 1];
  }
  writeFileSync(path, JSON.stringify({ name: 'snapshot', id: 'snapshot', genesis: { raw: { top, childrenDefault: {} } } }));
  return at;
}

/** The node binary: `TEEID_NODE_BIN`, or the release build in the cargo target directory. */
export function nodeBinary () {
  return releaseBinary('teeid-node', 'TEEID_NODE_BIN');
}

/** A TCP port that is free on loopback right now. */
export function freePort () {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A fresh temporary directory, removed by `cleanup()`. */
export function tempDir (prefix = 'teeid-e2e-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

const running = new Set();

function killAll () {
  for (const child of running) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
  running.clear();
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => { killAll(); process.exit(130); });
}

/** Runs a `teeid-node` subcommand to completion; returns its status and output. */
export function runNodeCommand (args) {
  // A raw chain spec carries the runtime's wasm in hex: far more than spawnSync's 1 MiB default.
  const result = spawnSync(nodeBinary(), args, { encoding: 'utf8', timeout: 120_000, maxBuffer: 256 << 20 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Starts `teeid-node` with `args` plus free RPC and p2p ports, waits until its RPC answers and
 * returns `{ url, rpcPort, p2pPort, logs, stop }`. `stop()` sends SIGTERM (SIGKILL after 20 s)
 * and resolves with the exit code.
 */
export async function startNode (args, { readyTimeoutMs = 120_000 } = {}) {
  const rpcPort = await freePort();
  const p2pPort = await freePort();
  const fullArgs = [
    ...args,
    '--rpc-port', String(rpcPort),
    '--port', String(p2pPort),
    '--no-prometheus',
    '--no-telemetry',
    '--no-mdns'
  ];
  const child = spawn(nodeBinary(), fullArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const { logs, exited } = captureOutput(child);
  exited.then(() => running.delete(child));

  const url = `ws://127.0.0.1:${rpcPort}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`teeid-node exited early (${child.exitCode}):\n${logs.join('')}`);
    }
    if (await rpcAnswers(rpcPort)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`teeid-node RPC not ready after ${readyTimeoutMs} ms:\n${logs.join('')}`);
    }
    await sleep(250);
  }

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    }
    return exited;
  };
  return { url, rpcPort, p2pPort, logs, stop, child };
}

/**
 * Keeps the last 2,000 chunks of a child's stdout and stderr: `{ logs, exited }`, `exited`
 * resolving with its exit code (or signal).
 */
export function captureOutput (child) {
  const logs = [];
  const keep = (chunk) => {
    logs.push(chunk.toString());
    if (logs.length > 2000) logs.shift();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  return { logs, exited };
}

/** Whether a node's JSON-RPC server on 127.0.0.1:`port` answers `system_health`. */
export async function rpcAnswers (port) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 1, jsonrpc: '2.0', method: 'system_health', params: [] })
    });
    return res.ok;
  } catch {
    return false;
  }
}

/** Connects polkadot.js to `url` with no custom types: everything comes from metadata. */
export async function connect (url) {
  const provider = new WsProvider(url, 1000, {}, 60_000);
  return ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true });
}

export function sleep (ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Removes a directory made by `tempDir`. */
export function cleanup (dir) {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Signs and submits `tx` and resolves once it is in a finalized block, with
 * `{ blockHash, events, dispatchError }`. Rejects if the pool drops or invalidates it.
 */
export function submitFinalized (api, tx, signer) {
  return new Promise((resolve, reject) => {
    let unsub;
    tx.signAndSend(signer, (result) => {
      const { status, events, dispatchError } = result;
      if (status.isInvalid || status.isDropped || status.isUsurped || status.isFinalityTimeout) {
        if (unsub) unsub();
        reject(new Error(`transaction ${status.type}`));
      } else if (status.isFinalized) {
        if (unsub) unsub();
        resolve({ blockHash: status.asFinalized, events, dispatchError });
      }
    }).then((u) => { unsub = u; }, reject);
  });
}

/** Waits until `predicate(api)` holds, polling every `everyMs`, or throws after `timeoutMs`. */
export async function waitFor (predicate, { timeoutMs = 120_000, everyMs = 500, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** `section.Name` of a dispatch error (a module error by its metadata name), or its text. */
export function explainError (api, dispatchError) {
  if (!dispatchError?.isModule) return dispatchError?.toString();
  const { section, name } = api.registry.findMetaError(dispatchError.asModule);
  return `${section}.${name}`;
}

/** Submits `tx`, waits for finality and throws unless it succeeded; returns the result. */
export async function submitOk (api, tx, signer) {
  const result = await submitFinalized(api, tx, signer);
  if (result.dispatchError) throw new Error(`dispatch failed: ${explainError(api, result.dispatchError)}`);
  return result;
}

/**
 * Runs `submit()`, which signs and submits a transaction of an account another process signs
 * for at the same time (a worker's operator, who sends a work report every slot), and runs it
 * again when the pool refused it for a nonce the other process's transaction already holds. The
 * pool's next index may not yet count a transaction that arrived a moment earlier, so signing
 * again at once can take the same nonce again: it waits longer before each attempt (0.5 s, 1 s,
 * 2 s, ... up to 16 s in all, more than a 6-second block), by which time the other transaction
 * is counted or in a block. Any other failure is thrown at once.
 */
export async function retryOnNonceClash (submit, { attempts = 6 } = {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await submit();
    } catch (error) {
      const clash = /Priority is too low|outdated|transaction (Invalid|Usurped|Dropped)/.test(error.message);
      if (attempt === attempts || !clash) throw error;
      await sleep(250 * 2 ** attempt);
    }
  }
}

/**
 * Submits `tx`, waits for finality and returns `section.Name` of the error it failed with
 * (`undefined` if it succeeded), for `assert.equal(await submitRefused(...), 'cpt.NotAuthorized')`.
 */
export async function submitRefused (api, tx, signer) {
  const { dispatchError } = await submitFinalized(api, tx, signer);
  return explainError(api, dispatchError);
}

/** Root (`sudoer`) dispatches `call`; throws unless the call itself, not only the sudo, succeeded. */
export async function sudoOk (api, call, sudoer) {
  const { events } = await submitOk(api, api.tx.sudo.sudo(call), sudoer);
  const { sudoResult } = events.find(({ event }) => api.events.sudo.Sudid.is(event)).event.data;
  if (sudoResult.isErr) throw new Error(`sudo call failed: ${explainError(api, sudoResult.asErr)}`);
  return events;
}

/**
 * Root (`sudoer`) dispatches `call`; returns `section.Name` of the error the call failed with
 * (`undefined` if it succeeded), for `assert.equal(await sudoRefused(...), 'attestation.X')`.
 */
export async function sudoRefused (api, call, sudoer) {
  const { events } = await submitOk(api, api.tx.sudo.sudo(call), sudoer);
  const { sudoResult } = events.find(({ event }) => api.events.sudo.Sudid.is(event)).event.data;
  return sudoResult.isErr ? explainError(api, sudoResult.asErr) : undefined;
}

/**
 * On a `--sealing manual` node, seals a block every `everyMs` until `stop()`, finalizing each
 * one while `finalize` is true (set it to stall finality: blocks keep coming, none is
 * finalized). `stop()` resolves once the last block is sealed, and throws what sealing failed
 * with. For tests where another process (a worker) needs blocks to make progress.
 */
export function sealEvery (api, everyMs, { finalize = true } = {}) {
  const control = { finalize, stopped: false, error: null, sealed: 0 };
  const loop = (async () => {
    while (!control.stopped) {
      try {
        await api.rpc.engine.createBlock(true, control.finalize);
        control.sealed++;
      } catch (error) {
        control.error = error;
        return;
      }
      await sleep(everyMs);
    }
  })();
  control.stop = async () => {
    control.stopped = true;
    await loop;
    if (control.error) throw control.error;
  };
  return control;
}
