// The README's launch command end to end, as a new user meets it: `scripts/launch.sh` brings up
// the dev chain (Aura and GRANDPA, 6-second blocks) and a registered simulated worker; every
// polkadot.js example of clients/js succeeds against it, run as the npm scripts a user runs,
// and the chain confirms what each one did; every shell command in the README and docs/ runs
// against it (except blocks marked `<!-- not run: reason -->`); Ctrl-C stops everything and
// removes the state; a second launch works the same.
//
// It uses the ports a user gets (9944, 8600), so it fails early if a launch command is running.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Keyring } from '@polkadot/api';
import { connect } from '../lib/node-process.js';
import { runShellBlocks } from '../lib/docs.js';
import { launch, npmRun, repoRoot } from '../lib/launch.js';
import { call } from '../lib/worker.js';

describe('the launch command and the polkadot.js examples', () => {
  let env, api, alice, workerKey;

  before(async () => {
    env = await launch();
    api = await connect(env.ws);
    alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
    workerKey = (await call(env.api, 'GET', '/health')).body.worker;
  });

  after(async () => {
    await api?.disconnect();
    if (env && env.left().length) await env.interrupt();
  });

  /** Runs `npm run example:<name>` against the launched chain and worker; its JSON summary. */
  async function example (name) {
    const result = await npmRun(`example:${name}`, {
      TEEID_WS: env.ws, TEEID_WORKER_API: env.api, TEEID_WORKER_TOKEN: env.token
    });
    assert.equal(result.status, 0, `example:${name} failed:\n${result.stderr}`);
    assert.ok(result.json, `example:${name} printed no JSON summary:\n${result.stdout}`);
    return result.json;
  }

  const address = (did) => did.replace('did:teeid:', '');

  it('has a registered simulated worker bound to Alice\'s DID', async () => {
    const health = (await call(env.api, 'GET', '/health')).body;
    assert.deepEqual([health.status, health.platform, health.registered], ['ok', 'Simulated', true]);
    const signers = await api.call.attestationApi.signers(alice.address);
    assert.deepEqual(signers.map((s) => [s.worker.toHex(), s.counts.isTrue]), [[workerKey, true]]);
    const openapi = await call(env.api, 'GET', '/openapi.json');
    assert.equal(openapi.status, 200);
    const tokens = await call(env.api, 'GET', '/v1/tokens', { token: env.token });
    assert.equal(tokens.status, 200, 'the printed admin token works');
  });

  it('example:did creates a DID and rotates its key', { timeout: 600_000 }, async () => {
    const out = await example('did');
    assert.deepEqual(out.keys.map((k) => k.id), ['key-2']);
    assert.deepEqual(out.history.map((h) => h.event), ['KeyRotated', 'DidCreated']);
    assert.deepEqual(out.history.map((h) => h.block), [out.rotated.block, out.created.block]);
    const state = (await api.call.didApi.resolve(address(out.did))).unwrap();
    assert.deepEqual(state.keys_.map((k) => k.id.toUtf8()), ['key-2']);
    assert.equal(state.changed.toNumber(), out.rotated.block);
  });

  it('example:cpt registers a CPT in the normal range', { timeout: 600_000 }, async () => {
    const out = await example('cpt');
    const cpt = (await api.call.cptApi.cpt(out.id)).unwrap();
    assert.equal(cpt.range.toString(), 'Normal');
    assert.equal(cpt.title.toUtf8(), 'Membership');
    assert.deepEqual(JSON.parse(cpt.schema.toUtf8()).required, ['club']);
    assert.equal(out.canonical, cpt.schema.toUtf8());
    assert.ok(!/\s/.test(out.canonical), 'stored in canonical JSON');
  });

  it('example:evidence creates evidence signed by two DIDs, with logs and a revocation', { timeout: 600_000 }, async () => {
    const out = await example('evidence');
    const evidence = (await api.call.evidenceApi.evidence(out.hash)).unwrap();
    assert.deepEqual([evidence.signers.toNumber(), `did:teeid:${evidence.creator}`], [2, out.signers[0].did]);
    assert.equal(out.signerCount, 2);
    const onChain = await Promise.all(out.signers.map(async (s) =>
      (await api.call.evidenceApi.signer(out.hash, address(s.did))).unwrap()));
    assert.deepEqual(onChain.map((s) => [`did:teeid:${s.did}`, s.logs.toNumber(), s.revoked.isTrue]),
      out.signers.map((s) => [s.did, s.logs, s.revoked]));
    // The issuer: its log entry and the revocation; the witness: its log entry.
    assert.deepEqual(out.signers.map((s) => [s.logs, s.revoked]), [[2, true], [1, false]]);
  });

  it('example:anchor anchors a batch and checks proofs against it', { timeout: 600_000 }, async () => {
    const out = await example('anchor');
    const batch = (await api.call.evidenceApi.batch(address(out.anchorer), out.root)).unwrap();
    assert.equal(batch.leaves.toNumber(), 1000);
    assert.equal(out.proof.valid, true);
    assert.equal(out.forged.valid, false);
  });

  it('example:bind-signer binds the worker as a signer of a new DID', { timeout: 600_000 }, async () => {
    const out = await example('bind-signer');
    // The issuer requested, the worker's operator (Alice) accepted: nothing is pending now.
    assert.deepEqual(out.requested.pending, [workerKey]);
    assert.equal(out.accepted.operator, alice.address);
    assert.ok(out.accepted.block > out.requested.block);
    assert.equal((await api.call.attestationApi.requestedSigners(address(out.did))).length, 0);
    const signers = await api.call.attestationApi.signers(address(out.did));
    assert.deepEqual(signers.map((s) => [s.worker.toHex(), s.keyId.toUtf8(), s.counts.isTrue]),
      [[workerKey, out.signer.keyId, true]]);
    assert.ok(out.assertionMethod.includes(`${out.did}#${out.signer.keyId}`));
  });

  it('example:register-worker registers a second TEE by endorsement of the running worker', { timeout: 600_000 }, async () => {
    const out = await example('register-worker');
    assert.equal(out.endorser, workerKey);
    // It endorsed with a single-use token made from the admin token, refused the second time.
    assert.equal(out.endorseTokenReused, 401);
    assert.deepEqual([out.platform, out.active], ['Simulated', true]);
    assert.equal(out.registered.event.endorser, workerKey);
    // The example unregisters its worker (its TEE stops with it).
    assert.equal(out.unregistered.stillKnown, false);
    assert.ok((await api.call.attestationApi.worker(out.worker)).isNone);
    // The endorsing worker still counts.
    assert.ok((await api.call.attestationApi.worker(workerKey)).unwrap().active.isTrue);
  });

  it('example:read-state reads the chain through the runtime APIs', { timeout: 600_000 }, async () => {
    const out = await example('read-state');
    assert.deepEqual(Object.keys(out.runtimeApis).sort(), ['attestationApi', 'cptApi', 'didApi', 'evidenceApi']);
    assert.equal(out.did.id, `did:teeid:${alice.address}`);
    assert.deepEqual([out.worker.key, out.worker.platform, out.worker.active], [workerKey, 'Simulated', true]);
    assert.ok(out.worker.signsFor.includes(`did:teeid:${alice.address}`));
    assert.equal(out.tee.simulationEnabled, true);
    assert.equal(out.systemCpts.length, 3);
  });

  /** The checkout's changed and untracked files (`git status`), or `null` outside a checkout. */
  const changedFiles = () => {
    const status = spawnSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: repoRoot, encoding: 'utf8' });
    return status.status === 0 ? status.stdout : null;
  };

  const docs = ['README.md', ...readdirSync(join(repoRoot, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  for (const doc of docs) {
    it(`runs the shell commands of ${doc}`, { timeout: 900_000 }, async (t) => {
      const before = changedFiles();
      const result = await runShellBlocks(join(repoRoot, doc), { TEEID_WORKER_TOKEN: env.token, TEEID_REPO: repoRoot });
      for (const { line, reason } of result.skipped) t.diagnostic(`${doc}:${line} not run: ${reason}`);
      // The failing block's output first: a report that shortens the message keeps it.
      assert.equal(result.status, 0, `a command of ${doc} failed (${result.status}):\n${result.last}\n--- the whole run:\n${result.output}`);
      // The commands work in a directory of their own: what they write must not land in the
      // checkout (a worker's state written there once got committed, and broke the next run).
      assert.equal(changedFiles(), before, `the commands of ${doc} changed files in the checkout`);
    });
  }

  it('stops everything on Ctrl-C, removes its state, and launches again', { timeout: 1_200_000 }, async () => {
    await api.disconnect();
    api = null;
    const first = env;
    assert.equal(await first.interrupt(), 0);
    assert.deepEqual(first.left(), [], 'no process of the launch is left');
    assert.ok(!existsSync(first.stateDir), 'the state directory is removed');
    const log = first.logs.join('').replace(/\x1b\[[0-9;]*m/g, ''); // without colours
    assert.match(log, /unbound did=did:teeid:/, 'the worker unbound from Alice\'s DID on its way out');

    env = await launch();
    const health = (await call(env.api, 'GET', '/health')).body;
    assert.equal(health.registered, true);
    assert.equal(await env.interrupt(), 0);
    assert.deepEqual(env.left(), []);
    assert.ok(!existsSync(env.stateDir));
  });
});
