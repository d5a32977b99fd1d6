// Oversized proofs against the worker's verify route: how long `POST /v1/verify/credential`
// takes for a real credential and for two of about 2 MB whose base58 values are 2,000,000
// digits long. Base58 decoding costs the square of the length, so a worker that decoded such a
// value before checking its length would spend minutes of CPU on one request; the worker checks
// every base58 value against the longest encoding of the bytes it must hold first
// (docs/http-api.md, "POST /v1/verify/credential").
//
// An instant-seal dev node, one bootstrapped worker (simulated TA) operated by Alice, an issuer
// DID bound to it and a CPT, one credential issued through the API as bench/issue-api.js issues
// them, and a `read` token granted by the operator. Then, each timed `--runs` times after one
// untimed warm-up, `POST /v1/verify/credential` with:
//   ok              the credential as issued: 200, verified;
//   long_proof      its `proof.proofValue` replaced by "z" and 2,000,000 base58 digits ("2"):
//                   400, naming `proofValue`;
//   long_base_proof its `disclosure.baseProof` replaced by the same string (`proof` as issued):
//                   refused, either 400 or 200 not verified (the proof no longer matches the
//                   credential); which one is reported.
//
//   npm run bench:verify-dos -- [--runs 9]
//
// Prints one JSON object:
//   { runs, digits, body_bytes, body_limit_bytes, ok_ms: stats, long_proof_ms: stats, long_base_proof_ms: stats,
//     answers: { ok, long_proof, long_base_proof } }
// with each `stats` `{ n, median, p90, min, max, mean }` and each answer `{ status, verified, error, message }`
// (what the last run got; `verified` only for a 200, `error` and `message` only for an error).

import { join } from 'node:path';
import { didOf } from '../lib/did.js';
import { call, startWorker, stopSimulation } from '../lib/worker.js';
import {
  benchChain, boundIssuer, grantToken, onExit, options, positiveInteger, progress, run, stats, timeRuns
} from './common.js';

const USAGE = `usage: node bench/verify-dos.js [--runs N]
  --runs N   timed requests of each kind, after one untimed warm-up (default 9)`;

/** The base58 digits of the oversized values: with the credential, a body of about 2 MB. */
const DIGITS = 2_000_000;
/** The most a verify request's body may hold (docs/http-api.md); the oversized ones must fit. */
const BODY_LIMIT_BYTES = 2 * 1024 * 1024;

const SCHEMA = JSON.stringify({
  type: 'object',
  required: ['name', 'degree'],
  properties: { name: { type: 'string', minLength: 1 }, degree: { type: 'string' } },
  additionalProperties: false
});

run(USAGE, async () => {
  const opts = options({ runs: { type: 'string', default: '9' } });
  const runs = positiveInteger('runs', opts.runs);

  const { dir, node, api, alice } = await benchChain('verify-dos');

  progress('bootstrapping the worker');
  const wdir = join(dir, 'w1');
  // The simulated TA outlives a killed worker: stop it whatever happens.
  onExit(() => stopSimulation(wdir));
  const worker = await startWorker({ chain: node.url, operator: '//Alice', dataDir: wdir, extra: ['--bootstrap'] });
  onExit(() => worker.child.kill('SIGKILL'));
  const workerKey = (await call(worker.url, 'GET', '/health')).body.worker;

  progress('issuing one credential: an issuer DID bound to the worker, its CPT and a sign token');
  const { issuer, cpt, token: signToken } = await boundIssuer(api, alice, { url: worker.url, workerKey, schema: SCHEMA, label: 'bench verify-dos issuer' });
  // The holder is Alice: the bootstrapped worker created her DID as its operator's.
  const issued = await call(worker.url, 'POST', '/v1/credentials', {
    token: signToken,
    body: { issuer: didOf(issuer.address), holder: didOf(alice.address), cpt, claims: { name: 'Holder', degree: 'MSc' } }
  });
  if (issued.status !== 201) throw new Error(`issuing the credential: ${issued.status} ${issued.body?.message ?? issued.text}`);
  const credential = issued.body.credential;
  if (typeof credential?.proof?.proofValue !== 'string' || typeof credential?.disclosure?.baseProof !== 'string') {
    throw new Error(`the issued credential has no proof.proofValue or disclosure.baseProof: ${JSON.stringify(credential)}`);
  }
  // Verifying needs `read` and no account.
  const readToken = grantToken(worker.url, ['--permission', 'read', '--label', 'bench verify-dos verifier']);

  const long = `z${'2'.repeat(DIGITS)}`;
  const longProof = structuredClone(credential);
  longProof.proof.proofValue = long;
  const longBaseProof = structuredClone(credential);
  longBaseProof.disclosure.baseProof = long;
  const bodies = {
    ok: JSON.stringify({ credential }),
    long_proof: JSON.stringify({ credential: longProof }),
    long_base_proof: JSON.stringify({ credential: longBaseProof })
  };
  const bodyBytes = Math.max(Buffer.byteLength(bodies.long_proof), Buffer.byteLength(bodies.long_base_proof));
  if (bodyBytes > BODY_LIMIT_BYTES) {
    throw new Error(`the oversized bodies are ${bodyBytes} bytes, over the route's ${BODY_LIMIT_BYTES}: they would be refused for their size, not their proofs`);
  }

  // What the last run of each kind got; every run is checked.
  const answers = {};
  const expectations = {
    ok: (r) => r.status === 200 && r.body?.verified === true,
    long_proof: (r) => r.status === 400 && r.body?.error === 'badRequest' && String(r.body?.message).includes('proofValue'),
    long_base_proof: (r) => r.status === 400 || (r.status === 200 && r.body?.verified === false)
  };
  const timed = async (kind) => {
    progress(`${kind}: ${runs} requests of ${Buffer.byteLength(bodies[kind])} bytes`);
    const times = await timeRuns(async () => {
      const response = await call(worker.url, 'POST', '/v1/verify/credential', { token: readToken, raw: bodies[kind] });
      answers[kind] = answerOf(response);
      if (!expectations[kind](response)) {
        throw new Error(`${kind}: unexpected answer ${JSON.stringify(answers[kind])}${failedChecks(response)}`);
      }
    }, { samples: runs, warmup: 1 });
    return stats(times);
  };
  const ok = await timed('ok');
  const longProofMs = await timed('long_proof');
  const longBaseProofMs = await timed('long_base_proof');

  await worker.stop();
  await api.disconnect();
  await node.stop();
  return {
    runs,
    digits: DIGITS,
    body_bytes: bodyBytes,
    body_limit_bytes: BODY_LIMIT_BYTES,
    ok_ms: ok,
    long_proof_ms: longProofMs,
    long_base_proof_ms: longBaseProofMs,
    answers
  };
});

/** The status and what the body says of a verify answer, without its checks. */
function answerOf ({ status, body, text }) {
  if (status === 200) return { status, verified: body?.verified };
  return { status, error: body?.error ?? null, message: body?.message ?? text.slice(0, 200) };
}

/** The failed checks of a 200 answer, for an error message. */
function failedChecks ({ status, body }) {
  if (status !== 200 || !Array.isArray(body?.checks)) return '';
  const failed = body.checks.filter((c) => !c.ok).map((c) => `${c.check}: ${c.detail}`);
  return failed.length > 0 ? ` (failed checks: ${failed.join('; ')})` : '';
}
