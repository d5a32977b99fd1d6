// How long a TEE worker takes to join by endorsement, end to end: an instant-seal dev node,
// worker 1 bootstrapped (root via sudo), then worker 2 started again and again with a fresh
// data directory (so a fresh simulated TA, with a new identity) and a fresh single-use
// `endorse` token of worker 1 for its endorser, timed from spawning its process until its
// /health says it is registered on chain.
//
//   npm run bench:join -- [--runs 3]
//
// Each run uses its own fresh operator account (funded from Alice), so every join does the
// same work: create the operator's DID, get endorsed, register, bind. Worker 2 is stopped
// cleanly (it unbinds) and its simulated TA killed between runs. The worker needs no block
// production of its own to join: instant sealing seals a (finalized) block for each of its
// transactions. /health is polled every 50 ms, which bounds the resolution.
//
// Prints one JSON object:
//   { runs, seconds: [..], joinSeconds: { n, median, min, max, mean, p90 } }

import { join } from 'node:path';
import { Keyring } from '@polkadot/api';
import { submitOk } from '../lib/node-process.js';
import { adminToken, call, endorseToken, startWorker, stopSimulation } from '../lib/worker.js';
import { benchChain, onExit, options, positiveInteger, progress, removeDir, run, stats, tokens } from './common.js';

/** How often worker 2's /health is asked whether it is registered: the timing's resolution. */
const POLL_MS = 50;

const USAGE = `usage: node bench/join.js [--runs N]
  --runs N   joins of a fresh worker 2 (default 3)`;

run(USAGE, async () => {
  const opts = options({ runs: { type: 'string', default: '3' } });
  const runs = positiveInteger('runs', opts.runs);

  const { dir, node, api, alice } = await benchChain('join');
  const ring = new Keyring({ type: 'sr25519' });

  progress('bootstrapping worker 1');
  const w1dir = join(dir, 'w1');
  // The simulated TA outlives a killed worker: stop it whatever happens.
  onExit(() => stopSimulation(w1dir));
  const w1 = await startWorker({ chain: node.url, operator: '//Alice', dataDir: w1dir, extra: ['--bootstrap'] });
  onExit(() => w1.child.kill('SIGKILL'));
  const admin1 = adminToken(w1dir);

  // Secret URIs rather than keyring pairs: the worker takes its operator as one.
  const operators = Array.from({ length: runs }, (_, i) => `//Alice//bench-join-${Date.now()}-${i}`);
  progress(`funding ${runs} operator accounts`);
  const transfers = operators.map((uri) => api.tx.balances.transferKeepAlive(ring.addFromUri(uri).address, tokens(api, 1000)));
  await submitOk(api, api.tx.utility.batchAll(transfers), alice);

  const seconds = [];
  for (let r = 0; r < runs; r++) {
    const w2dir = join(dir, `w2-${r}`);
    const stopTa = onExit(() => stopSimulation(w2dir));
    progress(`run ${r + 1}/${runs}: worker 2 joins by endorsement`);
    // Each join takes a token of its own: the endorsement uses it up. Made before the clock starts.
    const joinToken = endorseToken(w1.url, admin1, `bench join ${r}`);
    const start = performance.now();
    const w2 = await startWorker({
      chain: node.url,
      operator: operators[r],
      dataDir: w2dir,
      extra: ['--endorser', w1.url, '--endorser-token', joinToken],
      pollMs: POLL_MS
    });
    const elapsed = (performance.now() - start) / 1000;
    const killW2 = onExit(() => w2.child.kill('SIGKILL'));

    // The chain agrees: the new TEE key is an active worker of this run's operator.
    const key = (await call(w2.url, 'GET', '/health')).body.worker;
    const record = await api.call.attestationApi.worker(key);
    if (record.isNone || !record.unwrap().active.isTrue) throw new Error(`worker ${key} is not active on chain`);
    if (record.unwrap().info.operator.toString() !== ring.addFromUri(operators[r]).address) {
      throw new Error(`worker ${key} has another operator`);
    }
    seconds.push(Math.round(elapsed * 1000) / 1000);
    progress(`  joined in ${elapsed.toFixed(2)} s`);

    await w2.stop();
    killW2();
    stopTa();
    removeDir(w2dir);
  }

  await w1.stop();
  await api.disconnect();
  await node.stop();
  return { runs, seconds, joinSeconds: stats(seconds) };
});
