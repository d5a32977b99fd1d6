// DID resolution against history length: four DIDs with 1, 10, 100 and 1000 changes on an
// archive instant-seal dev node, then per DID the latency of its current state through the
// runtime API (polkadot.js) and of a whole `teeid-resolve` run (its document, and its
// `--history`), which walks the DID's linked events back block by block.
//
//   npm run bench:did-history -- [--changes 1,10,100,1000] [--samples 50] [--resolver-samples 20]
//   npm run bench:did-history -- --keep --state /tmp/did-history.json
//
// With `--keep` the node keeps running after the script exits (detached, in its own process
// group), and `{ url, ws, pid, dids: { "1": did, ... }, dir }` is written to the `--state` file
// so that a Rust benchmark can resolve the same DIDs in-process against `url`. The caller stops
// it and removes its data: `kill <pid> && rm -rf <dir>`.
//
// Prints one JSON object:
//   { node: { url, ws, pid?, dir? }, dids: { "1": { did, changes, historyEntries,
//     runtimeApiMs: stats, resolverDocumentMs: stats, resolverHistoryMs: stats }, ... },
//     buildSeconds, rounds, kept }

import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Keyring } from '@polkadot/api';
import { connect, freePort, nodeBinary, rpcAnswers, sleep, submitOk, tempDir } from '../lib/node-process.js';
import { didOf, keyOf, resolverBinary } from '../lib/did.js';
import {
  UsageError, fundedAccounts, onExit, options, positiveInteger, progress, removeDir, run, stats, timeRuns
} from './common.js';

const USAGE = `usage: node bench/did-history.js [--changes LIST] [--samples N] [--resolver-samples N] [--keep --state FILE]
  --changes LIST          changes per DID, comma-separated (default 1,10,100,1000)
  --samples N             timed runtime API calls per DID after 5 warm-ups (default 50)
  --resolver-samples N    timed teeid-resolve runs per DID and mode (default 20)
  --keep                  leave the node running and write its state to --state FILE
  --state FILE            where --keep writes { url, ws, pid, dids, dir }`;

run(USAGE, async () => {
  const opts = options({
    changes: { type: 'string', default: '1,10,100,1000' },
    samples: { type: 'string', default: '50' },
    'resolver-samples': { type: 'string', default: '20' },
    keep: { type: 'boolean', default: false },
    state: { type: 'string' }
  });
  const changes = opts.changes.split(',').map((c) => positiveInteger('changes', c.trim()));
  const samples = positiveInteger('samples', opts.samples);
  const resolverSamples = positiveInteger('resolver-samples', opts['resolver-samples']);
  if (opts.keep && !opts.state) throw new UsageError('--keep needs --state FILE');

  const dir = tempDir('teeid-bench-did-');
  let kept = false;
  // Unless the node is handed over with --keep, it and its directory go with this script.
  onExit(() => { if (!kept) removeDir(dir); });
  progress('starting an archive instant-seal dev node');
  const node = await startArchiveNode(dir, opts.keep);
  onExit(() => { if (!kept) node.kill(); });

  const api = await connect(node.ws);
  const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
  progress(`funding ${changes.length} accounts and creating their DIDs`);
  const accounts = await fundedAccounts(api, alice, changes.length, 1000);
  await Promise.all(accounts.map((pair) => submitOk(api, api.tx.did.create([keyOf('auth', pair)], null), pair)));

  // One change per DID per round, and the next round only once every change of this one is
  // in a (finalized) block: no DID ever gets two changes in one block, so a DID with k
  // changes has k + 1 entries in its history (its creation and the k changes) in k + 1
  // different blocks, and the resolver walks k + 1 blocks.
  const rounds = Math.max(...changes);
  progress(`making ${changes.join(', ')} changes in ${rounds} rounds`);
  const buildStart = performance.now();
  for (let round = 0; round < rounds; round++) {
    const due = accounts.filter((_, i) => changes[i] > round);
    await Promise.all(due.map((pair) =>
      submitOk(api, api.tx.did.setAttribute(pair.address, 'k', `v${round}`, 1000), pair)));
    if ((round + 1) % 100 === 0) progress(`  round ${round + 1}/${rounds}`);
  }
  const buildSeconds = (performance.now() - buildStart) / 1000;

  const dids = {};
  for (const [i, pair] of accounts.entries()) {
    const did = didOf(pair.address);
    const k = changes[i];
    progress(`DID with ${k} changes: runtime API, ${samples} samples`);
    const resolveState = async () => {
      const state = await api.call.didApi.resolve(pair.address);
      if (state.isNone) throw new Error(`${did} does not resolve`);
    };
    const runtimeApiMs = stats(await timeRuns(resolveState, { samples, warmup: 5 }), [90, 99]);

    progress(`DID with ${k} changes: teeid-resolve, ${resolverSamples} samples each of the document and --history`);
    const history = JSON.parse(resolve(node.url, [did, '--history']));
    if (!Array.isArray(history) || history.length !== k + 1) {
      throw new Error(`${did}: expected ${k + 1} history entries, the resolver gave ${history?.length}`);
    }
    const resolverDocumentMs = stats(await timeRuns(() => resolve(node.url, [did]), { samples: resolverSamples }));
    const resolverHistoryMs = stats(await timeRuns(() => resolve(node.url, [did, '--history']), { samples: resolverSamples }));
    dids[k] = { did, changes: k, historyEntries: history.length, runtimeApiMs, resolverDocumentMs, resolverHistoryMs };
  }
  await api.disconnect();

  const result = { node: { url: node.url, ws: node.ws }, dids, buildSeconds: Math.round(buildSeconds * 1000) / 1000, rounds, kept: opts.keep };
  if (opts.keep) {
    const state = {
      url: node.url,
      ws: node.ws,
      pid: node.pid,
      dids: Object.fromEntries(Object.entries(dids).map(([k, d]) => [k, d.did])),
      dir
    };
    writeFileSync(opts.state, `${JSON.stringify(state, null, 2)}\n`);
    Object.assign(result.node, { pid: node.pid, dir, state: opts.state });
    node.detach();
    kept = true;
    progress(`node left running: pid ${node.pid}, ${node.url}; stop it with: kill ${node.pid} && rm -rf ${dir}`);
  } else {
    await node.stop();
  }
  return result;
});

/**
 * Starts `teeid-node --dev --sealing instant` with archive state and blocks in `dir/chain`,
 * its log in `dir/node.log`. With `detachable`, the node runs in its own process group and
 * writes only to the log file, so that it survives this script once `detach()` is called.
 * Returns `{ url (http), ws, pid, kill, stop, detach }`.
 */
async function startArchiveNode (dir, detachable) {
  const rpcPort = await freePort();
  const p2pPort = await freePort();
  const args = ['--dev', '--sealing', 'instant', '--state-pruning', 'archive', '--blocks-pruning', 'archive',
    '--base-path', join(dir, 'chain'), '--rpc-port', String(rpcPort), '--port', String(p2pPort),
    '--no-prometheus', '--no-telemetry', '--no-mdns'];
  const logFile = join(dir, 'node.log');
  // A file rather than a pipe: a pipe would break (and could kill the node on a write) once
  // this script is gone.
  const log = openSync(logFile, 'a');
  const child = spawn(nodeBinary(), args, { stdio: ['ignore', log, log], detached: detachable });
  closeSync(log);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  const kill = () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); };
  const url = `http://127.0.0.1:${rpcPort}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`teeid-node exited early (${child.exitCode}):\n${readFileSync(logFile, 'utf8')}`);
    if (await rpcAnswers(rpcPort)) break;
    if (Date.now() > deadline) {
      kill();
      throw new Error(`teeid-node RPC not ready after 120 s:\n${readFileSync(logFile, 'utf8')}`);
    }
    await sleep(250);
  }
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    child.kill('SIGTERM');
    const timer = setTimeout(kill, 20_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  const detach = () => child.unref();
  return { url, ws: `ws://127.0.0.1:${rpcPort}`, pid: child.pid, kill, stop, detach };
}

/**
 * Runs `teeid-resolve --url URL ...args` to completion and returns its output (JSON, parsed
 * by the caller outside the timed runs); throws unless it exits 0. Synchronous on purpose: the
 * timing covers the process from spawn to exit and nothing else runs meanwhile.
 */
function resolve (url, args) {
  const result = spawnSync(resolverBinary(), ['--url', url, ...args],
    { encoding: 'utf8', timeout: 600_000, maxBuffer: 256 << 20 });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`teeid-resolve ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}
