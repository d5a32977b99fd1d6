// Credential issuance through the worker's HTTP API under load: an instant-seal dev node, one
// bootstrapped worker (simulated TA) operated by Alice, an issuer DID bound to it (the issuer
// requests, Alice accepts), a CPT and a sign token; then N `POST /v1/credentials` with C
// requests in flight, after untimed warm-ups.
//
//   npm run bench:issue-api -- [--count 2000] [--concurrency 16] [--warmup 50] [--worker-cpus 0]
//   npm run bench:issue-api -- --rate 2500,5000 [--seconds 10] [--worker-cpus 0,1] [--trace DIR]
//
// With `--rate`, the requests come from the open-loop load generator (`issue_load`, an example
// of the worker crate: requests leave at the rate whatever the answers, each timed from when it
// was due), half W3C credentials, half SD-JWT VCs, at each rate in turn against the same
// worker; prints `{ workerCpus, seconds, runs: [what issue_load prints, per rate] }` (see
// tee-worker/examples/issue_load.rs).
//
// `--worker-cpus LIST` starts the worker under `taskset -c LIST`; the simulated TA it spawns
// inherits the affinity, so `--worker-cpus 0` against `--worker-cpus 0,1` compares one core
// with two. The node and this client are not pinned and compete for the same cores.
// Credentials issued meanwhile stay pending: the chain's slot does not move on an idle
// instant-seal chain, so no batch is anchored while the clock runs.
//
// Prints one JSON object:
//   { count, concurrency, warmup, workerCpus, seconds, perSecond, latencyMs: { n, median, p90, p99, min, max, mean } }
// With --rate, each run also carries `stageMeanMs`: the mean time of each stage of an issuance
// in the worker during that run (its `teeid_worker_issuance_stage_seconds` histograms).

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { didOf } from '../lib/did.js';
import { releaseBinary } from '../lib/node-process.js';
import { call, startWorker, stopSimulation } from '../lib/worker.js';
import {
  benchChain, UsageError, boundIssuer, onExit, options, positiveInteger, progress, run, stats
} from './common.js';

const USAGE = `usage: node bench/issue-api.js [--count N] [--concurrency C] [--warmup W] [--worker-cpus LIST]
  --count N            timed credentials (default 2000)
  --concurrency C      requests in flight (default 16)
  --warmup W           untimed credentials first, at the same concurrency (default 50)
  --worker-cpus LIST   run the worker (and its simulated TA) under taskset -c LIST
  --rate R[,R...]      open loop instead: R requests a second from issue_load, both formats
  --seconds S          with --rate: for S seconds at each rate (default 10)
  --trace DIR          with --rate: each request's due time, latency and status, one file a
                       run (DIR/run-N-RATE.txt, as issue_load --trace writes them)`;

/** The holder key an SD-JWT VC binds: a fixed Ed25519 public JWK. */
const HOLDER_JWK = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' };

const SCHEMA = JSON.stringify({
  type: 'object',
  required: ['name', 'degree'],
  properties: { name: { type: 'string', minLength: 1 }, degree: { type: 'string' }, year: { type: 'integer', minimum: 1900 } },
  additionalProperties: false
});

run(USAGE, async () => {
  const opts = options({
    count: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '16' },
    warmup: { type: 'string', default: '50' },
    'worker-cpus': { type: 'string' },
    rate: { type: 'string' },
    seconds: { type: 'string', default: '10' },
    trace: { type: 'string' }
  });
  const rates = opts.rate === undefined ? null : opts.rate.split(',').map((r) => positiveInteger('rate', r));
  const rateSeconds = positiveInteger('seconds', opts.seconds);
  const count = positiveInteger('count', opts.count);
  const concurrency = positiveInteger('concurrency', opts.concurrency);
  const warmup = positiveInteger('warmup', opts.warmup, 0);
  const workerCpus = opts['worker-cpus'] ?? null;
  if (workerCpus !== null && !/^[0-9]+([,-][0-9]+)*$/.test(workerCpus)) {
    throw new UsageError(`--worker-cpus takes a CPU list as taskset -c does (0 or 0,1 or 0-1), not ${workerCpus}`);
  }

  const { dir, node, api, alice } = await benchChain('issue');

  progress(`bootstrapping the worker${workerCpus === null ? '' : ` on CPUs ${workerCpus}`}`);
  const wdir = join(dir, 'w1');
  // The simulated TA outlives a killed worker: stop it whatever happens.
  onExit(() => stopSimulation(wdir));
  const worker = await startWorker({
    chain: node.url,
    operator: '//Alice',
    dataDir: wdir,
    extra: ['--bootstrap'],
    prefix: workerCpus === null ? [] : ['taskset', '-c', workerCpus]
  });
  onExit(() => worker.child.kill('SIGKILL'));
  const workerKey = (await call(worker.url, 'GET', '/health')).body.worker;

  progress('creating the issuer DID, its CPT, its binding to the worker and a sign token');
  const { issuer, cpt, token } = await boundIssuer(api, alice, { url: worker.url, workerKey, schema: SCHEMA, label: 'bench' });

  // The holder is Alice: the bootstrapped worker created her DID as its operator's.
  const issue = async (i) => {
    const { status, body, text } = await call(worker.url, 'POST', '/v1/credentials', {
      token,
      body: {
        issuer: didOf(issuer.address),
        holder: didOf(alice.address),
        cpt,
        claims: { name: `Holder ${i}`, degree: 'MSc', year: 1950 + (i % 75) }
      }
    });
    if (status !== 201) throw new Error(`credential ${i}: ${status} ${body?.message ?? text}`);
  };

  /** The open loop: `issue_load` at each rate in turn; what it prints, per rate. */
  const openLoop = async () => {
    const holder = didOf(alice.address);
    const claims = { name: 'Holder', degree: 'MSc', year: 2000 };
    const bodies = join(dir, 'bodies.json');
    writeFileSync(bodies, JSON.stringify([
      { issuer: didOf(issuer.address), holder, cpt, claims },
      { issuer: didOf(issuer.address), holder, cpt, claims, format: 'dc+sd-jwt', holderKey: HOLDER_JWK }
    ]));
    const runs = [];
    let before = await reading(worker);
    for (const [n, rate] of rates.entries()) {
      progress(`${rate} credentials a second for ${rateSeconds} s, open loop`);
      const trace = opts.trace === undefined ? [] : ['--trace', join(opts.trace, `run-${n + 1}-${rate}.txt`)];
      const generator = spawnSync(releaseBinary('examples/issue_load', 'TEEID_ISSUE_LOAD_BIN'), [
        '--url', worker.url, '--token', token, '--bodies', bodies, '--rate', String(rate), '--seconds', String(rateSeconds), ...trace
      ], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      if (generator.status !== 0) throw new Error(`issue_load exited with ${generator.status ?? generator.signal}`);
      const after = await reading(worker);
      runs.push({
        ...JSON.parse(generator.stdout),
        stageMeanMs: stageMeans(before.stages, after.stages),
        stageP99Ms: stageP99s(before.stages, after.stages),
        ...perCredential(before, after)
      });
      before = after;
    }
    return { workerCpus, seconds: rateSeconds, runs };
  };

  /** The closed loop: `count` credentials with `concurrency` in flight, after the warm-ups. */
  const closedLoop = async () => {
    progress(`${warmup} warm-up credentials`);
    await load(issue, warmup, concurrency, 0);
    progress(`${count} credentials, ${concurrency} in flight`);
    const start = performance.now();
    const latencies = await load(issue, count, concurrency, warmup);
    const seconds = (performance.now() - start) / 1000;
    return {
      count,
      concurrency,
      warmup,
      workerCpus,
      seconds: Math.round(seconds * 1000) / 1000,
      perSecond: Math.round(count / seconds * 1000) / 1000,
      latencyMs: stats(latencies, [90, 99])
    };
  };

  const result = rates === null ? await closedLoop() : await openLoop();
  await worker.stop();
  await api.disconnect();
  await node.stop();
  return result;
});

/**
 * One reading of what the worker has spent so far: its metrics (one fetch of `/metrics`: the
 * stage histograms, the credentials issued and the group commits) and, from /proc, its CPU
 * time, its TA's and the bytes it wrote.
 */
async function reading (worker) {
  const text = await (await fetch(`${worker.url}/metrics`)).text();
  return { stages: stageTimes(text), ...counters(text), ...cpuSeconds(worker.child.pid) };
}

/**
 * The worker's issuance stage histograms in its metrics `text`: for each stage, its total
 * seconds, its count and its cumulative buckets (upper bound in seconds, count).
 */
function stageTimes (text) {
  const stages = {};
  const stage = (name) => (stages[name] ??= { sum: 0, count: 0, buckets: [] });
  for (const [, kind, name, value] of text.matchAll(/^teeid_worker_issuance_stage_seconds_(sum|count)\{stage="(\w+)"\} (\S+)$/gm)) {
    stage(name)[kind] = Number(value);
  }
  for (const [, labels, value] of text.matchAll(/^teeid_worker_issuance_stage_seconds_bucket\{([^}]*)\} (\S+)$/gm)) {
    const { stage: name, le } = Object.fromEntries([...labels.matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k, v]));
    stage(name).buckets.push([le === '+Inf' ? Infinity : Number(le), Number(value)]);
  }
  return stages;
}

/** The worker's counts of credentials issued and of durable group commits of their records. */
function counters (text) {
  const counter = (name) => Number(text.match(new RegExp(`^teeid_worker_${name}_total (\\S+)$`, 'm'))?.[1] ?? NaN);
  return { issued: counter('credentials_issued'), commits: counter('record_commits') };
}

/**
 * The CPU seconds (user and system) the worker process and its children (the simulated TA) have
 * used, and the bytes the worker wrote to disk, from /proc: Linux only, as `taskset` is.
 */
function cpuSeconds (pid) {
  const ticksPerSecond = 100; // USER_HZ, which Linux fixes at 100 for /proc's clock ticks
  const of = (id) => {
    const stat = readFileSync(`/proc/${id}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  };
  // A child is listed under the thread that spawned it.
  const children = readdirSync(`/proc/${pid}/task`)
    .flatMap((task) => readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean));
  // The bytes the worker had the kernel write to its disk (its database), from /proc/PID/io.
  const written = Number(readFileSync(`/proc/${pid}/io`, 'utf8').match(/^write_bytes: (\d+)$/m)[1]);
  return { workerCpu: of(pid), taCpu: children.reduce((sum, child) => sum + of(child), 0), written };
}

/**
 * What a run cost per credential issued: the records one durable commit held, the KiB the
 * worker wrote to disk, and the CPU time of the worker and of the simulated TA, in ms.
 */
function perCredential (before, after) {
  const issued = after.issued - before.issued;
  const round = (value) => Math.round(value * 1000) / 1000;
  return {
    recordsPerCommit: round(issued / (after.commits - before.commits)),
    kibWrittenPerCredential: round((after.written - before.written) / 1024 / issued),
    cpuMsPerCredential: {
      worker: round((after.workerCpu - before.workerCpu) * 1000 / issued),
      ta: round((after.taCpu - before.taCpu) * 1000 / issued)
    }
  };
}

/**
 * Each stage's 99th percentile between two readings of `stageTimes`, in ms, as the upper bound of
 * the histogram bucket that holds it (the buckets double: the true value lies in the upper half).
 */
function stageP99s (before, after) {
  const p99s = {};
  for (const [stage, { count, buckets }] of Object.entries(after)) {
    const earlier = new Map(before[stage]?.buckets ?? []);
    const n = count - (before[stage]?.count ?? 0);
    if (n === 0) continue;
    const bucket = buckets.find(([le, cumulative]) => cumulative - (earlier.get(le) ?? 0) >= n * 0.99);
    if (bucket) p99s[stage] = Math.round(bucket[0] * 1e6) / 1e3;
  }
  return p99s;
}

/** The mean milliseconds of each stage between two readings of `stageTimes`. */
function stageMeans (before, after) {
  const means = {};
  for (const [stage, { sum, count }] of Object.entries(after)) {
    const n = count - (before[stage]?.count ?? 0);
    if (n > 0) means[stage] = Math.round((sum - (before[stage]?.sum ?? 0)) / n * 1e6) / 1e3;
  }
  return means;
}

/**
 * Calls `request(i)` for `count` indices from `offset` with `concurrency` calls in flight (each
 * lane starts its next call when its last one answered); returns every call's latency in ms.
 * The first failure stops every lane and is thrown.
 */
async function load (request, count, concurrency, offset) {
  const latencies = [];
  let next = 0;
  let failed = null;
  const lane = async () => {
    while (next < count && !failed) {
      const i = offset + next++;
      const start = performance.now();
      try {
        await request(i);
      } catch (error) {
        failed ??= error;
        return;
      }
      latencies.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(count, 1)) }, lane));
  if (failed) throw failed;
  return latencies;
}
