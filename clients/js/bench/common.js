// What every benchmark shares: options, statistics, progress on stderr, one JSON object on
// stdout, funded throwaway accounts, and clean-up that runs however the script ends.
//
// Each script prints its progress on stderr and, on success, exactly one JSON object on
// stdout, so that a shell script can collect the figures with `node bench/x.js > x.json`.
// Times are taken with `performance.now()` and reported in milliseconds unless a field's
// name says otherwise.

import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Keyring } from '@polkadot/api';
import { cryptoWaitReady, mnemonicGenerate } from '@polkadot/util-crypto';
import { join } from 'node:path';
import { connect, explainError, startNode, submitOk, tempDir } from '../lib/node-process.js';
import { keyOf } from '../lib/did.js';
import { workerCli } from '../lib/worker.js';

/** Prints a progress line on stderr (stdout is reserved for the result). */
export function progress (message) {
  console.error(`- ${message}`);
}

/** A bad command line: printed without a stack trace, exit code 2. */
export class UsageError extends Error {}

/**
 * Parses `process.argv` with `node:util`'s `parseArgs`: `options` as it takes them, each with a
 * `default`. Numbers are given as strings and checked by `positiveInteger`.
 */
export function options (spec) {
  try {
    return parseArgs({ options: { help: { type: 'boolean', default: false }, ...spec }, strict: true }).values;
  } catch (error) {
    throw new UsageError(error.message);
  }
}

/** `value` (a string from the command line) as a whole number of at least `min`. */
export function positiveInteger (name, value, min = 1) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be a whole number >= ${min}, not ${value}`);
  return n;
}

const cleanups = [];

/**
 * Registers `fn` (synchronous) to run when the script ends, whether it returns, throws or is
 * interrupted: stopping processes and removing directories must not depend on reaching a
 * `finally` block, since Ctrl-C exits through `process.exit` (see lib/node-process.js).
 * Returns a function that runs it now, once.
 */
export function onExit (fn) {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    try { fn(); } catch (error) { console.error(`clean-up: ${error.message}`); }
  };
  cleanups.push(once);
  return once;
}

function runCleanups () {
  // Last registered first: a directory is removed after the processes that use it stopped.
  while (cleanups.length > 0) cleanups.pop()();
}
process.on('exit', runCleanups);

/** Removes a directory, retrying while a just-killed process still closes files in it. */
export function removeDir (dir) {
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}

/**
 * Runs a benchmark: `main()` returns the result object, printed as one line of JSON on stdout.
 * `usage` is printed for `--help`. Failures print on stderr and set a non-zero exit code;
 * everything registered with `onExit` runs either way, and the process exits afterwards even
 * if a handle (a websocket, a timer) is still open.
 */
export async function run (usage, main) {
  try {
    if (process.argv.includes('--help')) {
      console.error(usage);
      return;
    }
    await cryptoWaitReady();
    const result = await main();
    console.log(JSON.stringify(result));
  } catch (error) {
    console.error(`error: ${error instanceof UsageError ? `${error.message}\n\n${usage}` : error.stack ?? error}`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  } finally {
    runCleanups();
    // polkadot.js and undici keep timers and sockets alive past the end of `main`.
    process.exit();
  }
}

/** Median, percentiles, min, max and mean of `samples` (ms), rounded to µs. */
export function stats (samples, percentiles = [90]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (x) => Math.round(x * 1000) / 1000;
  const result = { n: sorted.length, median: round(quantile(sorted, 0.5)) };
  for (const p of percentiles) result[`p${p}`] = round(quantile(sorted, p / 100));
  result.min = round(sorted[0]);
  result.max = round(sorted[sorted.length - 1]);
  result.mean = round(sorted.reduce((a, b) => a + b, 0) / sorted.length);
  return result;
}

/** The `q` quantile of sorted numbers, interpolated linearly between ranks (as numpy does). */
export function quantile (sorted, q) {
  if (sorted.length === 0) return NaN;
  const rank = q * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

/** Times `fn` (async) `samples` times after `warmup` untimed runs; returns the times in ms. */
export async function timeRuns (fn, { samples, warmup = 0 }) {
  for (let i = 0; i < warmup; i++) await fn(i);
  const times = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    await fn(i);
    times.push(performance.now() - start);
  }
  return times;
}

/** `n` whole tokens in the chain's smallest unit. */
export function tokens (api, n) {
  return BigInt(n) * 10n ** BigInt(api.registry.chainDecimals[0]);
}

/**
 * `count` fresh sr25519 accounts (random mnemonics), each given `amount` whole tokens by
 * `faucet` in one `utility.batchAll`, so that every run starts from accounts with no history.
 */
export async function fundedAccounts (api, faucet, count, amount = 1000) {
  const ring = new Keyring({ type: 'sr25519' });
  const accounts = Array.from({ length: count }, () => ring.addFromUri(mnemonicGenerate()));
  const transfers = accounts.map((pair) => api.tx.balances.transferKeepAlive(pair.address, tokens(api, amount)));
  await submitOk(api, api.tx.utility.batchAll(transfers), faucet);
  return accounts;
}

/**
 * Follows new blocks from now on and counts, per block, the events `matches(event)` accepts
 * and the failed extrinsics (with the first failure's error, `section.Name`). `at` is when the
 * header reached us (`performance.now()`); blocks the subscription skipped get the arrival
 * time of the header that revealed them. `until(total)` resolves with that arrival time once
 * `total` extrinsics succeeded or failed, and rejects after `timeoutMs` without progress.
 */
export async function watchBlocks (api, matches) {
  const blocks = [];
  let done = 0;
  let firstError = null;
  let last = (await api.rpc.chain.getHeader()).number.toNumber();
  let waiter = null;
  // Headers are handled one after the other so that `blocks` stays in chain order.
  let queue = Promise.resolve();
  const handle = async (header, at) => {
    const number = header.number.toNumber();
    for (let n = last + 1; n <= number; n++) {
      const hash = n === number ? header.hash : await api.rpc.chain.getBlockHash(n);
      const events = await api.query.system.events.at(hash);
      const count = events.filter(({ event }) => matches(event)).length;
      const failures = events.filter(({ event }) => api.events.system.ExtrinsicFailed.is(event));
      if (failures.length > 0 && !firstError) firstError = explainError(api, failures[0].event.data.dispatchError);
      blocks.push({ number: n, at, count, failed: failures.length });
      done += count + failures.length;
    }
    last = Math.max(last, number);
    if (waiter && done >= waiter.total) waiter.resolve();
  };
  const unsubscribe = await api.rpc.chain.subscribeNewHeads((header) => {
    const at = performance.now();
    queue = queue.then(() => handle(header, at)).catch((error) => waiter?.reject(error));
  });
  const until = (wanted, { timeoutMs = 120_000 } = {}) => new Promise((resolve, reject) => {
    let seen = done;
    const timer = setInterval(() => {
      if (done === seen) {
        clearInterval(timer);
        reject(new Error(`only ${done} of ${wanted} extrinsics in blocks after ${timeoutMs} ms without progress`));
      }
      seen = done;
    }, timeoutMs);
    const finish = () => {
      clearInterval(timer);
      // The arrival time of the block that brought the count to `wanted`.
      let sum = 0;
      const block = blocks.find((b) => (sum += b.count + b.failed) >= wanted);
      resolve(block.at);
    };
    waiter = { total: wanted, resolve: finish, reject: (error) => { clearInterval(timer); reject(error); } };
    if (done >= wanted) finish();
  });
  return { blocks, until, stop: () => unsubscribe(), firstError: () => firstError };
}

/** A token granted by the worker's operator (Alice) at `url`: `args` are `token grant`'s. */
export function grantToken (url, args) {
  const granted = workerCli(['token', 'grant', '--api', url, ...args], { operator: '//Alice' });
  if (granted.status !== 0) throw new Error(`token grant ${args.join(' ')}: ${granted.stderr}`);
  return granted.json.token;
}

/**
 * An issuer ready to issue through the worker at `url` (TEE key `workerKey`, operated by Alice):
 * a funded account with a DID, a CPT of `schema`, the worker bound to the DID (requested by
 * the issuer, accepted by Alice) and a `sign` token for it. Resolves with `{ issuer, cpt, token }`.
 */
export async function boundIssuer (api, alice, { url, workerKey, schema, label }) {
  const [issuer] = await fundedAccounts(api, alice, 1, 1000);
  await submitOk(api, api.tx.did.create([keyOf('auth', issuer)], null), issuer);
  const { events } = await submitOk(api, api.tx.cpt.registerCpt('Normal', null, 'Degree', 'A degree', schema), issuer);
  const cpt = events.find(({ event }) => api.events.cpt.CptRegistered.is(event)).event.data.id.toNumber();
  await submitOk(api, api.tx.attestation.bindSigner(issuer.address, workerKey), issuer);
  await submitOk(api, api.tx.attestation.acceptSigner(issuer.address, workerKey), alice);
  const token = grantToken(url, ['--permission', 'sign', '--account', issuer.address, '--label', label]);
  return { issuer, cpt, token };
}

/**
 * An instant-seal dev node for a benchmark, in a temporary directory named after `name`, both
 * removed when the process exits. Resolves with `{ dir, node, api, alice }`.
 */
export async function benchChain (name) {
  const dir = tempDir(`teeid-bench-${name}-`);
  onExit(() => removeDir(dir));
  progress('starting an instant-seal dev node');
  const node = await startNode(['--dev', '--sealing', 'instant', '--base-path', join(dir, 'chain')]);
  onExit(() => node.child.kill('SIGKILL'));
  const api = await connect(node.url);
  const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
  return { dir, node, api, alice };
}
