// The TEE worker end to end: worker 1 bootstraps the chain (root via sudo), worker 2 joins by
// endorsement, an issuer DID binds worker 2 (a request its operator accepts), a credential for a CPT is issued through the API
// and verifies through the API and with Digital Bazaar's W3C library, its batch root is
// anchored on chain, revocation through evidence makes it fail, and killing worker 2 in the
// middle of a batch, or its TA (the simulation process) between or during requests, loses
// nothing acknowledged. Every kind of bad input gets its 4xx/503 and CLI exit code.
//
// Verification against the chain: every credential names the finalized block it was issued
// against and passes every named check; each broken link of the trust chain fails its own
// check: code root disallowed (`tee code`), a simulated credential once the simulation is off
// (`simulation`), a schema the host gave its TA in place of the CPT's (`schema`), and, signed by
// a TEE key the test plays (registered with other code and bound to a DID), a credential naming
// code its worker does not run (`tee worker`), one dated before the key's binding (`issuer
// key`) and one anchored by a stranger (`anchor`).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Keyring } from '@polkadot/api';
import { hexToU8a, stringToU8a, u8aToHex } from '@polkadot/util';
import { blake2AsHex } from '@polkadot/util-crypto';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { createVerifyCryptosuite } from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import {
  cleanup, connect, retryOnNonceClash, runNodeCommand, snapshotState, startNode, sudoOk, submitOk, tempDir, upgradeTestRuntime, waitFor
} from '../lib/node-process.js';
import { didOf, keyOf, resolveDid } from '../lib/did.js';
import { asRoot, committeeOk, twoThirds } from '../lib/governance.js';
import { signEvidence } from '../lib/evidence.js';
import { adminToken, call, endorseToken, startWorker, stopSimulation, workerCli } from '../lib/worker.js';
import { simCall } from '../lib/ta.js';
import { bestAnchor, deviceKey, TestTee } from '../lib/attestation.js';
import { credentialHash, credentialStatus, signAsTee, statusEntry, wholeSeconds } from '../lib/credential.js';

const SCHEMA = JSON.stringify({
  type: 'object',
  required: ['name', 'degree'],
  properties: { name: { type: 'string', minLength: 1 }, degree: { type: 'string' }, year: { type: 'integer', minimum: 1900 } },
  additionalProperties: false
});

/** Every check of `POST /v1/verify/credential`, by name. */
const CHECKS = ['proof', 'issuance block', 'issuer key', 'tee worker', 'tee code', 'simulation', 'schema', 'anchor',
  'revocation', 'validity'];
/** Every check but `names`. */
const checksBut = (...names) => CHECKS.filter((check) => !names.includes(check));

/** Asserts that a verification failed the check `name` and passed each check of `passed`. */
function failsBy (result, name, passed) {
  const byName = Object.fromEntries(result.checks.map((c) => [c.check, c]));
  const all = JSON.stringify(result.checks, null, 1);
  assert.equal(result.verified, false, all);
  assert.equal(byName[name]?.ok, false, `\`${name}\` fails: ${all}`);
  for (const check of passed) assert.equal(byName[check]?.ok, true, `\`${check}\` passes: ${all}`);
}

describe('teeid-worker end to end', () => {
  let node, api, dir, alice, bob, charlie, dave, eve, w1, w2, admin1, admin2, signToken, cpt;
  const w2dir = () => join(dir, 'w2');
  /** The anchor proof at `url` (a status list version's), once it is anchored in a final block. */
  const anchorOf = (url) => waitFor(async () => {
    const response = await fetch(url);
    return response.status === 200 && response.json();
  }, { what: `the anchor at ${url}` });
  /** The anchor proofs of worker 2's credentials `ids`, once every one is anchored. */
  const anchorsOf = (ids, what) => waitFor(async () => {
    const found = await Promise.all(ids.map((id) => call(w2.url, 'GET', `/v1/credentials/${encodeURIComponent(id)}/anchor`)));
    return found.every((f) => f.status === 200) && found.map((f) => f.body);
  }, { what });
  /** Checks that each of worker 2's credentials `ids` is a leaf of a batch on chain. */
  const assertAnchoredOnChain = async (ids, what) => {
    for (const [i, anchor] of (await anchorsOf(ids, what)).entries()) {
      assert.ok((await api.call.evidenceApi.verifyBatchProof(bob.address, anchor.root, anchor.proof)).isOk, ids[i]);
    }
  };
  /** Checks that worker 2 returns every acknowledged credential as it answered it. */
  const assertKept = async (acknowledged) => {
    for (const { id, credential } of acknowledged) {
      const { status, body } = await call(w2.url, 'GET', `/v1/credentials/${encodeURIComponent(id)}`, { token: signToken });
      assert.equal(status, 200, `${id} was acknowledged`);
      assert.deepEqual(body.credential, credential);
    }
  };

  before(async () => {
    dir = tempDir();
    node = await startNode(['--dev', '--sealing', 'instant', '--base-path', `${dir}/chain`]);
    api = await connect(node.url);
    const keyring = new Keyring({ type: 'sr25519' });
    [alice, bob, charlie, dave, eve] = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve'].map((uri) => keyring.addFromUri(uri));
  });

  after(async () => {
    await w1?.stop();
    await w2?.stop();
    for (const d of ['w1', 'w2']) stopSimulation(join(dir, d));
    await api?.disconnect();
    await node?.stop();
    cleanup(dir);
  });

  /** Seals blocks until the attestation slot changes, so the workers close their batches. */
  const nextSlot = async () => {
    const slot = (await api.call.attestationApi.currentSlot()).toNumber();
    while ((await api.call.attestationApi.currentSlot()).toNumber() === slot) {
      await api.rpc.engine.createBlock(true, true);
    }
  };
  const workerKey = async (w) => (await call(w.url, 'GET', '/health')).body.worker;
  // Root's calls are Alice's transactions, and worker 1, operated by Alice, sends its own at
  // every slot.
  const sudo = (call) => retryOnNonceClash(() => sudoOk(api, call, alice));
  /**
   * The finalized head: its number, hash and timestamp (ms), once worker 2 reads the chain at
   * it (its view of finality may trail the node's by a moment), so what it verifies next sees
   * this block as final.
   */
  const finalizedBlock = async () => {
    const hash = await api.rpc.chain.getFinalizedHead();
    const number = (await api.rpc.chain.getHeader(hash)).number.toNumber();
    const time = (await (await api.at(hash)).query.timestamp.now()).toNumber();
    await waitFor(async () => (await call(w2.url, 'GET', '/health')).body.finalizedBlock >= number,
      { what: `worker 2 to read the chain at block ${number}`, everyMs: 50 });
    return { number, hash: hash.toHex(), time };
  };

  it('bootstraps worker 1 with sudo and joins worker 2 by endorsement, with a single-use token', async () => {
    w1 = await startWorker({ chain: node.url, operator: '//Alice', dataDir: join(dir, 'w1'), extra: ['--bootstrap'] });
    admin1 = adminToken(join(dir, 'w1'));
    // Worker 1's operator hands an `endorse` token, not an admin token, to the joining operator.
    const joinToken = endorseToken(w1.url, admin1, 'join w2');
    const onlyEndorses = await call(w1.url, 'GET', '/v1/status', { token: joinToken });
    assert.equal(onlyEndorses.status, 403, JSON.stringify(onlyEndorses.body));
    const copied = await call(w1.url, 'POST', '/v1/tokens', { token: joinToken, body: { permissions: ['endorse'], label: 'copy' } });
    assert.equal(copied.status, 403, JSON.stringify(copied.body));
    w2 = await startWorker({
      chain: node.url,
      operator: '//Bob',
      dataDir: w2dir(),
      extra: ['--endorser', w1.url, '--endorser-token', joinToken]
    });
    admin2 = adminToken(w2dir());
    // The endorsement used the token up: it endorses nothing more, and worker 1 no longer lists it.
    const again = await call(w1.url, 'POST', '/v1/endorse', { token: joinToken, body: { report: '0x00' } });
    assert.equal(again.status, 401, JSON.stringify(again.body));
    assert.equal(again.body.message, 'the token is not known here');
    const listed = await call(w1.url, 'GET', '/v1/tokens', { token: admin1 });
    assert.ok(listed.body.every((t) => t.label !== 'join w2'), JSON.stringify(listed.body));
    const [k1, k2] = [await workerKey(w1), await workerKey(w2)];
    const joined = (await api.call.attestationApi.worker(k2)).unwrap();
    assert.equal(joined.info.endorser.unwrap().toHex(), k1);
    assert.equal(joined.info.platform.toString(), 'Simulated');
    assert.equal(joined.info.operator.toString(), bob.address);
    assert.ok(joined.active.isTrue);
    // Each worker created its operator's DID and bound itself to it.
    const signers = await api.call.attestationApi.signers(bob.address);
    assert.deepEqual(signers.map((s) => s.worker.toHex()), [k2]);
  });

  it('lets an issuer DID bind worker 2 and a sign token act for it', async () => {
    await submitOk(api, api.tx.did.create([keyOf('auth', dave)], null), dave);
    await submitOk(api, api.tx.did.create([keyOf('auth', eve)], null), eve);
    const { events } = await submitOk(api, api.tx.cpt.registerCpt('Normal', null, 'Degree', 'A degree', SCHEMA), dave);
    cpt = events.find(({ event }) => api.events.cpt.CptRegistered.is(event)).event.data.id.toNumber();
    // Worker 2 is Bob's: Dave's binding is a request until Bob, its operator, accepts it.
    const k2 = await workerKey(w2);
    await submitOk(api, api.tx.attestation.bindSigner(dave.address, k2), dave);
    assert.deepEqual((await api.call.attestationApi.requestedSigners(dave.address)).map((k) => k.toHex()), [k2]);
    assert.equal((await api.call.attestationApi.signers(dave.address)).length, 0);
    await submitOk(api, api.tx.attestation.acceptSigner(dave.address, k2), bob);
    assert.deepEqual((await api.call.attestationApi.signers(dave.address)).map((s) => s.worker.toHex()), [k2]);
    // No token makes one for Dave's account, worker 2's admin token included: that would let
    // whoever holds it issue as Dave.
    const escalated = workerCli(['token', 'create', '--api', w2.url, '--permission', 'sign',
      '--account', dave.address, '--label', 'as dave'], { token: admin2 });
    assert.equal(escalated.status, 3, escalated.stderr);
    assert.match(escalated.stderr, /^teeid-worker: 403 .*its own account/);
    // Bob, the operator who accepted Dave's binding, grants it with his key through the CLI.
    const created = workerCli(['token', 'grant', '--api', w2.url, '--permission', 'sign,read,write',
      '--account', dave.address, '--label', 'dave'], { operator: '//Bob' });
    assert.equal(created.status, 0, created.stderr);
    signToken = created.json.token;
    assert.match(signToken, /^teeid_[0-9a-f]{64}$/);
    assert.match(created.json.id, /^[0-9a-f]{16}$/);
    // Another key's grant is refused.
    const notOperator = workerCli(['token', 'grant', '--api', w2.url, '--permission', 'sign',
      '--account', dave.address], { operator: '//Dave' });
    assert.equal(notOperator.status, 3, notOperator.stderr);
    assert.match(notOperator.stderr, /^teeid-worker: 401 .*not signed by this worker's operator/);
  });

  /** Issues through worker 2's API; every credential it issues names the block it was issued against. */
  const issue = async (claims, extra = {}) => {
    const response = await call(w2.url, 'POST', '/v1/credentials', {
      token: signToken,
      body: { issuer: didOf(dave.address), holder: didOf(alice.address), cpt, claims, ...extra }
    });
    if (response.status === 201) {
      const [evidence] = response.body.credential.evidence;
      assert.ok(Number.isInteger(evidence.blockNumber), `evidence[0].blockNumber: ${JSON.stringify(evidence)}`);
      assert.match(evidence.blockHash, /^0x[0-9a-f]{64}$/);
    }
    return response;
  };

  /** Verifies with @digitalbazaar/vc, resolving DIDs through the worker's resolver endpoint. */
  const verifyW3c = async (credential) => {
    const documentLoader = async (url) => {
      if (url.startsWith('did:teeid:')) {
        const [did, fragment] = url.split('#');
        const { status, body } = await call(w2.url, 'GET', `/1.0/identifiers/${did}`);
        assert.equal(status, 200);
        const document = body.didDocument;
        if (!fragment) return { contextUrl: null, documentUrl: url, document };
        const method = document.verificationMethod.find((m) => m.id === url);
        return { contextUrl: null, documentUrl: url, document: { '@context': 'https://w3id.org/security/multikey/v1', ...method } };
      }
      return vc.defaultDocumentLoader(url);
    };
    const suite = new DataIntegrityProof({ cryptosuite: createVerifyCryptosuite() });
    return vc.verifyCredential({ credential, suite, documentLoader, checkStatus: async () => ({ verified: true }) });
  };
  const verifyApi = async (credential, anchor) =>
    (await call(w2.url, 'POST', '/v1/verify/credential', { token: signToken, body: { credential, anchor } })).body;

  let issued;
  it('issues a credential that verifies through the API and with @digitalbazaar/vc', async () => {
    const { status, body } = await issue({ name: 'Alice', degree: 'MSc', year: 2026 });
    assert.equal(status, 201, JSON.stringify(body));
    issued = body;
    assert.equal(issued.credential.issuer, didOf(dave.address));
    const [evidence] = issued.credential.evidence;
    assert.equal(evidence.platform, 'Simulated');
    // The block it names is a finalized block of this chain.
    assert.equal((await api.rpc.chain.getBlockHash(evidence.blockNumber)).toHex(), evidence.blockHash);
    assert.ok(evidence.blockNumber <= (await finalizedBlock()).number);
    const result = await verifyApi(issued.credential);
    assert.ok(result.verified, JSON.stringify(result));
    assert.deepEqual(result.checks.map((c) => c.check).sort(), [...CHECKS].sort());
    assert.ok(result.checks.every((c) => c.ok), JSON.stringify(result.checks));
    assert.match(result.checks.find((c) => c.check === 'anchor').detail, /pending/);
    const w3c = await verifyW3c(issued.credential);
    assert.ok(w3c.verified, JSON.stringify(w3c.error ?? w3c, null, 1));
    const changed = structuredClone(issued.credential);
    changed.credentialSubject.degree = 'PhD';
    assert.equal((await verifyW3c(changed)).verified, false);
    assert.equal((await verifyApi(changed)).verified, false);
  });

  it('anchors the batch root on chain and reports the slot', async () => {
    await nextSlot();
    const anchor = await waitFor(async () => {
      const { status, body } = await call(w2.url, 'GET', `/v1/credentials/${encodeURIComponent(issued.id)}/anchor`);
      return status === 200 && body;
    }, { what: 'the batch anchor' });
    const batch = await api.call.evidenceApi.batch(bob.address, anchor.root);
    assert.ok(batch.isSome, 'the batch is on chain');
    // The credential's issuance opened Dave's status list: its first version is the other leaf.
    const list = statusEntry(issued.credential, 'BitstringStatusListEntry').statusListCredential;
    const listAnchor = await anchorOf(`${list}/versions/1/anchor`);
    assert.equal(listAnchor.root, anchor.root, 'version 1 of the status list is in the same batch');
    assert.equal(batch.unwrap().leaves.toNumber(), 2);
    // polkadot.js decodes a hex string given for a struct as its SCALE encoding.
    assert.ok((await api.call.evidenceApi.verifyBatchProof(bob.address, anchor.root, anchor.proof)).isOk);
    const result = await verifyApi(issued.credential, anchor);
    assert.ok(result.verified, JSON.stringify(result));
    assert.match(result.checks.find((c) => c.check === 'anchor').detail, /in batch/);
    await waitFor(async () => {
      const w = (await api.call.attestationApi.worker(await workerKey(w2))).unwrap();
      return w.info.issuedTotal.toNumber() >= 1;
    }, { what: 'a work report counting the credential' });
  });

  it('fails verification once the issuer revokes through evidence', async () => {
    const record = hexToU8a(statusEntry(issued.credential).evidence);
    const args = await signEvidence(api, { hash: record, signer: dave.address, pair: dave, keyId: 'auth' });
    await submitOk(api, api.tx.evidence.createEvidence(record, ...args), dave);
    await submitOk(api, api.tx.evidence.setRevoked(record, true), dave);
    const result = await verifyApi(issued.credential);
    assert.equal(result.verified, false);
    assert.equal(result.checks.find((c) => c.check === 'revocation').detail, 'revoked by the issuer');
    const cli = workerCli(['verify', '--api', w2.url, '-'], { token: signToken, input: JSON.stringify(issued.credential) });
    assert.equal(cli.status, 1);
    assert.match(cli.stderr, /revoked/);
  });

  it('loses nothing when worker 2 is killed mid-batch', async () => {
    const ids = [];
    for (const year of [2020, 2021, 2022]) {
      const { status, body } = await issue({ name: 'Alice', degree: 'BSc', year });
      assert.equal(status, 201, JSON.stringify(body));
      ids.push(body.id);
    }
    await w2.kill();
    w2 = await startWorker({ chain: node.url, operator: '//Bob', dataDir: w2dir() });
    for (const id of ids) {
      const { status, body } = await call(w2.url, 'GET', `/v1/credentials/${encodeURIComponent(id)}`, { token: signToken });
      assert.equal(status, 200);
      assert.equal(body.id, id);
    }
    await nextSlot();
    // Each is in a batch on chain (a slot may have begun between two of them), exactly once.
    await assertAnchoredOnChain(ids, 'the anchors after the restart');
    // The revocation before republished Dave's status list as version 2 (the restarted worker's
    // follower may publish it only now), anchored by the next slot at the latest: nothing is
    // left pending for the next test's batch. (The restarted worker listens on another port
    // than the one its lists' URLs name.)
    const list = new URL(statusEntry(issued.credential, 'BitstringStatusListEntry').statusListCredential);
    const version2 = `${w2.url}${list.pathname}/versions/2`;
    await waitFor(async () => (await fetch(version2)).status === 200, { what: 'version 2 of the status list' });
    await nextSlot();
    const republished = await anchorOf(`${version2}/anchor`);
    assert.ok((await api.call.evidenceApi.verifyBatchProof(bob.address, republished.root, republished.proof)).isOk);
  });

  it('loses no acknowledged credential when worker 2 is killed with SIGKILL in the middle of a burst', async () => {
    // 128 clients issue back to back, so requests are always arriving; the worker is killed
    // once 40 were answered 201, with records of others waiting for their group commit and
    // requests in flight (a fixed burst could be answered whole before the kill landed, on a
    // machine busy with other tests). A 201 means the record and its batch entry were on disk:
    // every one is readable after the restart, as it was answered, and in a batch anchored on
    // chain by the next slot; no two answers are one credential.
    const acknowledged = [];
    let killed = false;
    let cut = 0; // requests the kill left without an answer
    let sent = 0;
    const client = async () => {
      while (!killed) {
        const n = sent++;
        let response;
        try {
          response = await issue({ name: `Holder ${n}`, degree: 'BSc', year: 1900 + (n % 600) });
        } catch (error) {
          if (!(error instanceof TypeError)) throw error;
          cut++; // fetch failed: the connection died with the worker
          return;
        }
        if (response.status !== 201) continue; // 503 busy; after the kill, the loop ends
        acknowledged.push(response.body);
        if (acknowledged.length >= 40 && !killed) {
          killed = true;
          await w2.kill();
        }
      }
    };
    await Promise.all(Array.from({ length: 128 }, client));
    assert.ok(killed && cut > 0, `killed mid-stream: ${acknowledged.length} acknowledged, ${cut} cut short`);
    w2 = await startWorker({ chain: node.url, operator: '//Bob', dataDir: w2dir() });
    const ids = acknowledged.map(({ id }) => id);
    assert.equal(new Set(ids).size, ids.length, 'every acknowledgement names its own credential');
    assert.equal(new Set(acknowledged.map(({ hash }) => hash)).size, ids.length, 'and its own hash');
    await assertKept(acknowledged);
    await nextSlot();
    await assertAnchoredOnChain(ids, 'the anchors of the credentials acknowledged before the kill');
  });

  it('turns away issuances past its slots with 503 busy and Retry-After, losing none it accepted', async () => {
    // Worker 2 again, with one issuance slot: of 300 requests at once, those that find it
    // taken for 100 ms are refused, saying when to retry (all 300 would pass only if each
    // issuance, durable commit included, took under a third of a millisecond: 100 requests
    // once passed on a quick moment of this machine's disk); every 201 is kept.
    await w2.kill();
    w2 = await startWorker({ chain: node.url, operator: '//Bob', dataDir: w2dir(), extra: ['--issue-concurrency', '1'] });
    const requests = 300;
    const answers = await Promise.all(Array.from({ length: requests }, (_, i) =>
      issue({ name: `Holder ${i}`, degree: 'BSc', year: 1900 + i })));
    const busy = answers.filter(({ status }) => status === 503);
    const created = answers.filter(({ status }) => status === 201).map(({ body }) => body);
    assert.equal(busy.length + created.length, requests, `only 201 or 503: ${answers.map(({ status }) => status)}`);
    assert.ok(busy.length > 0 && created.length > 0, `${busy.length} turned away, ${created.length} issued`);
    for (const refusal of busy) {
      assert.equal(refusal.body.error, 'busy');
      assert.equal(refusal.headers.get('retry-after'), '1');
    }
    await assertKept(created);
    const metrics = (await call(w2.url, 'GET', '/metrics')).text;
    assert.match(metrics, new RegExp(`^teeid_worker_issuance_shed_total ${busy.length}$`, 'm'));
    // Anchored by the next slot, so that the next test's slot batch holds only its own.
    await nextSlot();
    await assertAnchoredOnChain(created.map(({ id }) => id), 'the anchors of the credentials issued with one slot');
    await w2.kill();
    w2 = await startWorker({ chain: node.url, operator: '//Bob', dataDir: w2dir() });
  });

  it('keeps issuing when its TA is killed, losing no acknowledged credential', async () => {
    const k2 = await workerKey(w2);
    const socket = join(w2dir(), 'tee.sock');
    const taPid = () => Number(readFileSync(join(w2dir(), 'tee.pid'), 'utf8'));
    const taIdentity = () => {
      const { status, json, stderr } = simCall(socket, ['identity']);
      assert.equal(status, 0, stderr);
      return json;
    };
    const before = taIdentity();
    const acknowledged = [];
    const issueAcknowledged = async (year) => {
      const { status, body } = await issue({ name: 'Alice', degree: 'BA', year });
      assert.equal(status, 201, JSON.stringify(body));
      acknowledged.push(body);
    };
    await issueAcknowledged(2010);
    await issueAcknowledged(2011);

    // Killed between two requests: the worker finds its session closed before it sends the next
    // request, starts the simulation again and sends that request once, so it succeeds.
    const killed = taPid();
    process.kill(killed, 'SIGKILL');
    await waitFor(() => simCall(socket, ['identity']).status !== 0 || taPid() !== killed,
      { what: 'the killed TA to stop answering', everyMs: 50 });
    await issueAcknowledged(2012);
    assert.notEqual(taPid(), killed, 'the worker started the simulation again');

    // Killed while requests are in flight: the one inside the TA when it dies gets a 503 (the TA
    // may have signed it, so the worker does not send it again, and stores nothing); the others
    // succeed, before the death or after the restart.
    const burst = [2013, 2014, 2015, 2016, 2017, 2018].map((year) => issue({ name: 'Alice', degree: 'BA', year }));
    await Promise.race(burst);
    process.kill(taPid(), 'SIGKILL');
    for (const { status, body } of await Promise.all(burst)) {
      if (status === 201) {
        acknowledged.push(body);
      } else {
        assert.equal(status, 503, JSON.stringify(body));
        assert.equal(body.error, 'unavailable');
      }
    }
    await issueAcknowledged(2019);
    await issueAcknowledged(2020);

    // Every acknowledged credential is kept; the TA came back with the same keys, and its count
    // covers everything it issued (it may count more, never less).
    await assertKept(acknowledged);
    const after = taIdentity();
    for (const key of ['signingKey', 'agreementKey', 'measurement']) assert.equal(after[key], before[key], key);
    assert.deepEqual(after.networkKey, before.networkKey);
    assert.ok(after.issuedTotal >= before.issuedTotal + acknowledged.length,
      `issued ${acknowledged.length} since ${before.issuedTotal}, the TA counts ${after.issuedTotal}`);
    const last = acknowledged.at(-1).credential;
    assert.ok((await verifyApi(last)).verified, 'signed by the key the chain knows');

    // The next slot anchors them all in one batch, and the restarted TA signs the slot's work
    // report for the whole batch.
    const from = (await api.rpc.chain.getHeader()).number.toNumber();
    await nextSlot();
    const slot = (await api.call.attestationApi.currentSlot()).toNumber();
    const anchors = await anchorsOf(acknowledged.map(({ id }) => id), 'the anchors of the credentials issued around the TA deaths');
    assert.equal(new Set(anchors.map((a) => a.root)).size, 1, 'one batch holds them all');
    const report = await waitFor(async () => {
      const head = (await api.rpc.chain.getHeader()).number.toNumber();
      for (let n = from + 1; n <= head; n++) {
        const events = await (await api.at(await api.rpc.chain.getBlockHash(n))).query.system.events();
        const reported = events.map(({ event }) => event).find((event) =>
          api.events.attestation.WorkReported.is(event) && event.data.worker.toHex() === k2 &&
          event.data.slot.toNumber() === slot);
        if (reported) return reported.data;
      }
      return false;
    }, { what: 'the work report of the slot after the TA deaths' });
    assert.equal(report.credentialsRoot.toHex(), anchors[0].root);
    assert.equal(report.credentialsCount.toNumber(), acknowledged.length);
  });

  it('answers every kind of bad input with a specific error, losing nothing', async () => {
    const url = w2.url;
    const post = (body, token = signToken) => call(url, 'POST', '/v1/credentials', { token, raw: body });
    const malformed = await post('{"issuer": ');
    assert.equal(malformed.status, 400);
    assert.match(malformed.body.message, /malformed/);
    const violating = await issue({ name: 'Alice', degree: 7, year: 1200 });
    assert.equal(violating.status, 422);
    assert.match(violating.body.message, /\/degree/);
    assert.match(violating.body.message, /\/year/);
    assert.equal((await issue({ name: 'A', degree: 'X' }, { cpt: 9_999_999 })).status, 404);
    const unknownDid = await issue({ name: 'A', degree: 'X' }, { holder: didOf(keyOfUnknown()) });
    assert.equal(unknownDid.status, 404);
    assert.match(unknownDid.body.message, /unknown DID/);
    const eveToken = workerCli(['token', 'grant', '--api', url, '--permission', 'sign', '--account', eve.address], { operator: '//Bob' }).json.token;
    const unbound = await call(url, 'POST', '/v1/credentials', {
      token: eveToken,
      body: { issuer: didOf(eve.address), holder: didOf(alice.address), cpt, claims: { name: 'A', degree: 'X' } }
    });
    assert.equal(unbound.status, 409);
    assert.match(unbound.body.message, /not a bound signer/);
    const notController = await call(url, 'POST', '/v1/credentials', {
      token: eveToken,
      body: { issuer: didOf(dave.address), holder: didOf(alice.address), cpt, claims: { name: 'A', degree: 'X' } }
    });
    assert.equal(notController.status, 403);
    assert.equal((await post(JSON.stringify({}), null)).status, 401);
    // Dave's own token makes a read-only one for his account.
    const readOnly = workerCli(['token', 'create', '--api', url, '--permission', 'read'], { token: signToken }).json.token;
    assert.equal((await call(url, 'POST', '/v1/credentials', { token: readOnly, body: {} })).status, 403);
    assert.equal((await post(JSON.stringify({}), 'teeid_nonsense')).status, 401);

    const noToken = workerCli(['issue', '--api', url, '-'], { input: '{}' });
    assert.equal(noToken.status, 3);
    assert.match(noToken.stderr, /^teeid-worker: 401/);
    const badFile = workerCli(['issue', '--api', url, '-'], { token: signToken, input: '{' });
    assert.equal(badFile.status, 2);

    // Nothing stored was lost to the refusals.
    const kept = await call(url, 'GET', `/v1/credentials/${encodeURIComponent(issued.id)}`, { token: signToken });
    assert.equal(kept.status, 200);
  });

  it('presents two claims for the holder, and the presentation verifies only for its challenge', async () => {
    // The holder (Alice) binds worker 2 (Bob, its operator, accepts) and gets a write token for
    // her account.
    const k2 = await workerKey(w2);
    await retryOnNonceClash(() => submitOk(api, api.tx.attestation.bindSigner(alice.address, k2), alice));
    await submitOk(api, api.tx.attestation.acceptSigner(alice.address, await workerKey(w2)), bob);
    const aliceToken = workerCli(['token', 'grant', '--api', w2.url, '--permission', 'write,read',
      '--account', didOf(alice.address)], { operator: '//Bob' }).json.token;
    const { body: full } = await issue({ name: 'Alice', degree: 'MSc', year: 2025 });
    const presented = await call(w2.url, 'POST', '/v1/presentations', {
      token: aliceToken,
      body: { credential: full.credential, disclose: ['degree'], challenge: 'c-1', domain: 'verifier.example' }
    });
    assert.equal(presented.status, 200, presented.text);
    const vp = presented.body;
    assert.equal(vp.holder, didOf(alice.address));
    const disclosed = vp.verifiableCredential[0].credentialSubject;
    assert.equal(disclosed.degree, 'MSc');
    assert.equal(disclosed.name, undefined, 'undisclosed claims stay out');
    const verify = (presentation, challenge) => call(w2.url, 'POST', '/v1/verify/presentation',
      { token: aliceToken, body: { presentation, challenge, domain: 'verifier.example' } });
    const good = (await verify(vp, 'c-1')).body;
    assert.ok(good.verified, JSON.stringify(good));
    assert.equal((await verify(vp, 'c-2')).body.verified, false);
    const forged = structuredClone(vp);
    forged.verifiableCredential[0].credentialSubject.degree = 'PhD';
    assert.equal((await verify(forged, 'c-1')).body.verified, false);
    // The same through the worker's CLI, and DID resolution with it.
    const cli = workerCli(['present', '--api', w2.url, '-'], {
      token: aliceToken,
      input: JSON.stringify({ credential: full.credential, disclose: ['name', 'year'], challenge: 'c-3', domain: 'v' })
    });
    assert.equal(cli.status, 0, cli.stderr);
    assert.equal(cli.json.verifiableCredential[0].credentialSubject.year, 2025);
    const resolved = workerCli(['resolve', '--api', w2.url, didOf(alice.address)]);
    assert.equal(resolved.status, 0, resolved.stderr);
    assert.ok(resolved.json.didDocument.assertionMethod.includes(`${didOf(alice.address)}#tee-${(await workerKey(w2)).slice(2)}`));
    assert.equal(workerCli(['resolve', '--api', w2.url, 'did:teeid:nonsense']).status, 2);
    // Presenting for someone else's DID is refused.
    const notHolder = await call(w2.url, 'POST', '/v1/presentations', {
      token: signToken,
      body: { credential: full.credential, disclose: ['degree'], challenge: 'c', domain: 'd' }
    });
    assert.equal(notHolder.status, 403);
  });

  it('fails `tee code` once root disallows the code a credential was issued by, until it allows it again', async () => {
    const { status, body } = await issue({ name: 'Alice', degree: 'MSc', year: 2024 });
    assert.equal(status, 201, JSON.stringify(body));
    const { credential } = body;
    assert.ok((await verifyApi(credential)).verified);
    const { measurement } = credential.evidence[0];
    const allowed = (await api.call.attestationApi.allowedCode()).find((c) => c.measurement.toHex() === measurement);
    assert.ok(allowed, `${measurement} is allowed`);
    await sudo(api.tx.attestation.disallowCode(measurement));
    try {
      failsBy(await verifyApi(credential), 'tee code', checksBut('tee code'));
    } finally {
      await sudo(api.tx.attestation.allowCode(measurement, allowed.expires.toNumber()));
    }
    const again = await verifyApi(credential);
    assert.ok(again.verified, JSON.stringify(again));
  });

  it('fails `simulation` for a simulated credential once the chain turns the simulation off', async () => {
    const { status, body } = await issue({ name: 'Alice', degree: 'MSc', year: 2023 });
    assert.equal(status, 201, JSON.stringify(body));
    const { credential } = body;
    assert.equal(credential.evidence[0].platform, 'Simulated');
    await sudo(api.tx.attestation.setSimulation(false));
    try {
      failsBy(await verifyApi(credential), 'simulation', checksBut('simulation'));
    } finally {
      await sudo(api.tx.attestation.setSimulation(true));
    }
    const again = await verifyApi(credential);
    assert.ok(again.verified, JSON.stringify(again));
  });

  it('fails `schema` for a credential whose TA its host gave another schema than the CPT\'s', async () => {
    // The host of worker 2 asks its TA directly for a credential of Dave's CPT under a schema of
    // its own, which lets through a claim the CPT's schema refuses. The TA signs what it is
    // given; the digest it signs in is the substituted schema's.
    const block = await finalizedBlock();
    const { status, json, stderr } = simCall(join(w2dir(), 'tee.sock'), ['issue'], {
      id: `urn:uuid:${randomUUID()}`,
      issuer: didOf(dave.address),
      holder: didOf(alice.address),
      schemaId: `urn:teeid:cpt:${cpt}`,
      schema: { type: 'object' },
      claims: { name: 'Alice', degree: 7 },
      validFrom: wholeSeconds(Date.now() - 3_600_000),
      created: wholeSeconds(block.time),
      blockNumber: block.number,
      blockHash: block.hash,
      statusList: { uri: `${w2.url}/v1/status-lists/00000000000000000000000000000000`, index: 0 }
    });
    assert.equal(status, 0, stderr);
    const { credential } = json;
    assert.equal(credential.credentialSchema.id, `urn:teeid:cpt:${cpt}`);
    assert.notEqual(credential.credentialSchema.digestMultibase, issued.credential.credentialSchema.digestMultibase);
    // Signed by worker 2's registered TEE key, of allowed code, and not anchored by anyone.
    failsBy(await verifyApi(credential), 'schema', checksBut('schema', 'anchor'));
  });

  // A TEE key the test plays: registered by root (the network key is the chain's, its device
  // certified by the simulated certifier) with code of its own, and bound to Charlie's DID by
  // Charlie, its operator. It signs whatever credential it is given, as a TA its host took over
  // would.
  const PLAYED_CODE = u8aToHex(new Uint8Array(32).fill(0xb0));
  let played, beforeBinding, afterBinding;
  /** A credential for Alice signed by the played key for Charlie's DID, naming `block` and `measurement`. */
  const forge = (block, measurement) => {
    const id = `urn:uuid:${randomUUID()}`;
    return signAsTee({
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      id,
      type: ['VerifiableCredential'],
      issuer: didOf(charlie.address),
      validFrom: wholeSeconds(Date.now() - 3_600_000),
      credentialSubject: { id: didOf(alice.address), name: 'Alice', degree: 'MSc' },
      credentialSchema: issued.credential.credentialSchema,
      // Its bitstring status list entry names a list no worker published: the played key's
      // issuer has none, and revocation is the evidence record's to say.
      credentialStatus: credentialStatus(api.genesisHash, id, { uri: `${w2.url}/v1/status-lists/${'0'.repeat(32)}`, index: 0 }),
      evidence: [{
        type: ['TeeidTeeEvidence2026'], platform: 'Simulated', measurement, blockNumber: block.number, blockHash: block.hash
      }]
    }, played, { created: block.time });
  };
  /** `who` anchors `credential` with an evidence record of its hash, signed by its DID. */
  const anchorAs = async (who, credential) => {
    const hash = credentialHash(credential);
    const args = await signEvidence(api, { hash, signer: who.address, pair: who, keyId: 'auth' });
    await submitOk(api, api.tx.evidence.createEvidence(hash, ...args), who);
  };

  it('registers a played TEE key with code of its own and binds it to Charlie\'s DID', async () => {
    const network = (await api.call.attestationApi.networkKey()).unwrap();
    played = new TestTee(new Uint8Array(32).fill(0x7e), deviceKey(2048), {
      measurement: PLAYED_CODE, networkKey: network.fingerprint
    });
    await sudo(api.tx.attestation.allowCode(PLAYED_CODE, 1_000_000));
    const report = played.report(api, charlie.address, await bestAnchor(api));
    await sudo(api.tx.attestation.bootstrapWorker(report, played.signReport(report), network.public));
    const view = (await api.call.attestationApi.worker(played.key)).unwrap();
    assert.deepEqual([view.active.isTrue, view.certified.isTrue, view.info.measurement.toHex()], [true, true, PLAYED_CODE]);
    await submitOk(api, api.tx.did.create([keyOf('auth', charlie)], null), charlie);
    beforeBinding = await finalizedBlock();
    await submitOk(api, api.tx.attestation.bindSigner(charlie.address, played.key), charlie);
    afterBinding = await finalizedBlock();
    assert.ok(afterBinding.number > beforeBinding.number);
    const [signer] = await api.call.attestationApi.signers(charlie.address);
    assert.deepEqual([signer.worker.toHex(), signer.counts.isTrue], [u8aToHex(played.key), true]);
  });

  it('fails `tee worker` for a credential naming allowed code its key\'s worker does not run', async () => {
    // Worker 2's measurement: allowed, but the chain records other code for the played key.
    const credential = await forge(afterBinding, issued.credential.evidence[0].measurement);
    failsBy(await verifyApi(credential), 'tee worker', checksBut('tee worker', 'anchor'));
    // `tee code` judges the code the chain records for the key, not the code the credential
    // names: root disallows the played key's code, and the credential fails it too, though the
    // code it names is still allowed.
    await sudo(api.tx.attestation.disallowCode(PLAYED_CODE));
    try {
      failsBy(await verifyApi(credential), 'tee code', checksBut('tee worker', 'tee code', 'anchor'));
    } finally {
      await sudo(api.tx.attestation.allowCode(PLAYED_CODE, 1_000_000));
    }
  });

  it('fails `issuer key` for a credential naming a block before its key was bound to the issuer', async () => {
    const credential = await forge(beforeBinding, PLAYED_CODE);
    failsBy(await verifyApi(credential), 'issuer key', checksBut('issuer key', 'anchor'));
  });

  it('counts an anchor only by the issuer or the signing worker\'s operator', async () => {
    // Eve, a stranger to the credential, anchors it: that says nothing about when it was made.
    const strangers = await forge(afterBinding, PLAYED_CODE);
    await anchorAs(eve, strangers);
    failsBy(await verifyApi(strangers), 'anchor', checksBut('anchor'));
    // The same credential made honestly, anchored by its issuer: every check passes.
    const own = await forge(afterBinding, PLAYED_CODE);
    await anchorAs(charlie, own);
    const result = await verifyApi(own);
    assert.ok(result.verified, JSON.stringify(result.checks, null, 1));
  });

  // The worker's HTTP API fuzzed from its own OpenAPI document by schemathesis (PyPI; installed
  // by scripts/setup.sh), with worker 2's admin token, which every route takes. Bounded: 20
  // generated requests per operation and phase (plus the coverage phase's own), 20 s per request,
  // 300 s for the whole run. Left out: `DELETE /v1/tokens/{id}`, which revokes tokens the rest of
  // the suite needs, and the stateful phase, which would chain the token routes into it.
  it('answers its API fuzzed from its OpenAPI document without a 5xx or a hang, storing only what it accepted', async () => {
    const url = w2.url;
    const schemathesis = process.env.TEEID_SCHEMATHESIS ||
      join(process.env.HOME, '.cache/teeid/schemathesis/bin/schemathesis');
    const har = join(dir, 'schemathesis.har');
    const budgetMs = 300_000;
    // What the worker and its TA keep: the tokens, the credentials and presentations made (the
    // worker's counters and the TA's own issuance count), and a credential issued before.
    const stored = async () => {
      const tokens = await call(url, 'GET', '/v1/tokens', { token: admin2 });
      assert.equal(tokens.status, 200, tokens.text);
      const metrics = (await call(url, 'GET', '/metrics')).text;
      const counter = (name) => {
        const found = metrics.match(new RegExp(`^teeid_worker_${name}_total (\\d+)$`, 'm'));
        assert.ok(found, `teeid_worker_${name}_total in ${metrics}`);
        return Number(found[1]);
      };
      const ta = simCall(join(w2dir(), 'tee.sock'), ['identity']);
      assert.equal(ta.status, 0, ta.stderr);
      const kept = await call(url, 'GET', `/v1/credentials/${encodeURIComponent(issued.id)}`, { token: signToken });
      assert.equal(kept.status, 200, kept.text);
      return {
        tokens: new Set(tokens.body.map((t) => t.id)),
        issued: counter('credentials_issued'),
        presented: counter('presentations'),
        taIssued: ta.json.issuedTotal,
        credential: kept.body.credential
      };
    };
    const before = await stored();

    const args = ['run', `${url}/openapi.json`, '--url', url,
      '--header', `Authorization: Bearer ${admin2}`,
      '--checks', 'not_a_server_error',
      '--phases', 'examples,coverage,fuzzing',
      '--max-examples', '20', '--no-shrink', '--request-timeout', '20', '--workers', '1',
      '--suppress-health-check', 'all', '--generation-database', 'none',
      '--exclude-path', '/v1/tokens/{id}',
      '--report', 'har', '--report-har-path', har, '--no-color'];
    const run = await new Promise((resolve) => {
      const child = spawn(schemathesis, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk) => { output += chunk; });
      child.stderr.on('data', (chunk) => { output += chunk; });
      const timer = setTimeout(() => child.kill('SIGKILL'), budgetMs);
      child.on('error', (error) => {
        clearTimeout(timer);
        resolve({ code: null, signal: null, output: `${schemathesis}: ${error.message} (scripts/setup.sh installs it)` });
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, output });
      });
    });
    assert.equal(run.signal, null, `schemathesis did not finish within ${budgetMs / 1000} s:\n${run.output}`);
    // Exit 0: every response passed `not_a_server_error` (no 5xx), and no request timed out.
    assert.equal(run.code, 0, run.output);
    const entries = JSON.parse(readFileSync(har, 'utf8')).log.entries;
    assert.ok(entries.length > 0, run.output);
    const serverErrors = entries.filter((e) => e.response.status >= 500)
      .map((e) => `${e.request.method} ${e.request.url}: ${e.response.status} ${e.response.content?.text}`);
    assert.deepEqual(serverErrors, []);
    // No hang: the worker answers at once, still registered.
    const health = await fetch(`${url}/health`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(health.status, 200);
    assert.ok((await health.json()).registered);

    // What changed is exactly what the accepted (2xx) requests made.
    const accepted = (method, path) => entries.filter((e) => e.request.method === method &&
      new URL(e.request.url).pathname === path && e.response.status >= 200 && e.response.status < 300);
    const after = await stored();
    const made = [...accepted('POST', '/v1/tokens'), ...accepted('POST', '/v1/tokens/grant')]
      .map((e) => JSON.parse(e.response.content.text).id);
    assert.deepEqual([...before.tokens].filter((id) => !after.tokens.has(id)), [], 'no token was revoked');
    assert.deepEqual([...after.tokens].filter((id) => !before.tokens.has(id)).sort(), made.sort(),
      'the tokens added are those whose creation was answered 201');
    const credentials = accepted('POST', '/v1/credentials').length;
    assert.equal(after.issued - before.issued, credentials, 'credentials issued');
    assert.equal(after.taIssued - before.taIssued, credentials, 'credentials the TA counted');
    assert.equal(after.presented - before.presented, accepted('POST', '/v1/presentations').length, 'presentations');
    assert.deepEqual(after.credential, before.credential, 'the credential issued before is unchanged');
  });

  // A runtime upgrade through governance on the running chain. The committee (Alice, Bob and
  // Charlie in the development preset) authorizes the hash of the `upgrade-test` build (this
  // runtime one `spec_version` up, built beside it by runtime/build.rs) by a two-thirds motion
  // dispatched as root; anyone then applies the code. Everything made before reads as it did:
  // the credential issued first verifies with the same result (Dave's DID and key, his CPT, the
  // evidence revoking it, the workers, the allowed code, its anchor), Dave's DID history walks
  // across the upgrade (the resolver fetching each version's metadata from the parent of the
  // block it reads: both versions' metadata are alike here, so which one decodes which block is
  // left to runtime/tests/resolver_events.rs), and worker 2 issues on, its transactions signed
  // for the new version (the chain refuses the old one's).
  it('keeps DIDs, CPTs, evidence and workers across a runtime upgrade by the committee', { timeout: 600_000 }, async (t) => {
    const code = readFileSync(upgradeTestRuntime());
    const version = api.runtimeVersion.specVersion.toNumber();
    await submitOk(api, api.tx.did.setAttribute(dave.address, 'name', 'Dave', 1000), dave);
    const [k1, k2] = [await workerKey(w1), await workerKey(w2)];
    const workers = async () => Promise.all([k1, k2].map(async (k) => (await api.call.attestationApi.worker(k)).unwrap()));
    /** Whether the first credential verifies, and which checks it passes. */
    const outcome = async () => {
      const { verified, checks } = await verifyApi(issued.credential);
      return { verified, checks: checks.map(({ check, ok }) => [check, ok]) };
    };
    const before = {
      outcome: await outcome(),
      cpt: (await api.query.cpt.cpts(cpt)).toJSON(),
      evidence: (await api.call.evidenceApi.evidence(hexToU8a(statusEntry(issued.credential).evidence))).toJSON(),
      workers: await workers(),
      history: resolveDid(node.rpcPort, [didOf(dave.address), '--history'])
    };
    assert.equal(before.history.status, 0, before.history.stderr);
    assert.ok(before.cpt && before.evidence, 'the CPT and the evidence exist');

    // Before anything is proposed, the candidate's migrations and every try-runtime check run
    // against a snapshot of this chain's state (its `try-runtime` build, which the committee
    // does not upgrade to).
    const snapshot = join(dir, 'snapshot.json');
    await snapshotState(node.url, snapshot);
    const tryRuntime = (state, runtime = upgradeTestRuntime({ tryRuntime: true })) =>
      runNodeCommand(['try-runtime', '--runtime', runtime, '--snapshot', state]);
    const tried = tryRuntime(snapshot);
    assert.equal(tried.status, 0, tried.stderr);
    const report = JSON.parse(tried.stdout);
    assert.ok(report.keys > 100, tried.stdout);
    assert.deepEqual([report.from, report.to], [version, version + 1]);
    const [weight, limit] = [report.migrationsWeight.refTime, report.maxBlockWeight.refTime].map(BigInt);
    assert.ok(weight > 0n && weight < limit, tried.stdout);
    const state = JSON.parse(readFileSync(snapshot, 'utf8'));
    // The running code (`:code`) is no upgrade of itself.
    const running = join(dir, 'running.wasm');
    writeFileSync(running, hexToU8a(state.genesis.raw.top[u8aToHex(stringToU8a(':code'))]));
    const same = tryRuntime(snapshot, running);
    assert.notEqual(same.status, 0);
    assert.match(same.stderr, /not an upgrade/);
    // Nor does a build without try-runtime's API run.
    const plain = tryRuntime(snapshot, upgradeTestRuntime());
    assert.notEqual(plain.status, 0);
    assert.match(plain.stderr, /no TryRuntime API/);
    // A state the new runtime cannot read fails it: Dave's CPT cut to one byte.
    const cptKey = api.query.cpt.cpts.key(cpt);
    assert.ok(state.genesis.raw.top[cptKey]?.length > 4, `Dave's CPT ${cptKey} is in the snapshot`);
    state.genesis.raw.top[cptKey] = '0x00';
    writeFileSync(snapshot, JSON.stringify(state));
    const broken = tryRuntime(snapshot);
    assert.notEqual(broken.status, 0, broken.stdout);
    assert.match(broken.stderr, /checks failed/);
    assert.match(broken.stderr, /Cpts/);

    // Charlie proposes and votes; Alice, worker 1's operator, votes too: two of three.
    const authorize = asRoot(api, api.tx.system.authorizeUpgrade(blake2AsHex(code)));
    await committeeOk(api, authorize, [charlie, alice], { threshold: twoThirds(3) });
    // polkadot.js (16.5) reads the upgrade block's events with the new runtime's registry (the
    // block's own state holds the new code, though the old one ran it) as it re-reads metadata
    // for the upgrade, and fails ("Unable to decode storage system.events"): it hands the
    // transaction's result over with no events. So the upgrade is checked by its effects: the
    // version in the block's state, then the version that runs next and `LastRuntimeUpgrade`.
    const { blockHash } = await submitOk(api, api.tx.system.applyAuthorizedUpgrade(u8aToHex(code)), eve);
    const upgradedAt = (await api.rpc.chain.getHeader(blockHash)).number.toNumber();
    assert.equal((await api.rpc.state.getRuntimeVersion(blockHash)).specVersion.toNumber(), version + 1);
    // The new code runs from the next block on; polkadot.js follows it, but with the metadata
    // `state_getMetadata` gives (v14, which lists no runtime APIs), so a long-lived ApiPromise
    // loses `api.call` of the chain's own APIs: a client connects again after an upgrade.
    await api.rpc.engine.createBlock(true, true);
    await waitFor(() => api.runtimeVersion.specVersion.toNumber() === version + 1, { what: 'the upgraded runtime' });
    if (api.call.didApi === undefined) t.diagnostic('polkadot.js dropped the runtime APIs on the upgrade');
    await api.disconnect();
    api = await connect(node.url);
    assert.equal((await api.query.system.lastRuntimeUpgrade()).unwrap().specVersion.toNumber(), version + 1);

    const { events: changed } = await submitOk(api, api.tx.did.setAttribute(dave.address, 'email', 'dave@example.com', 1000), dave);
    assert.ok(changed.some(({ event }) => api.events.did.AttributeSet.is(event)));
    assert.deepEqual(await outcome(), before.outcome);
    assert.deepEqual((await api.query.cpt.cpts(cpt)).toJSON(), before.cpt);
    assert.deepEqual((await api.call.evidenceApi.evidence(hexToU8a(statusEntry(issued.credential).evidence))).toJSON(), before.evidence);
    for (const [i, worker] of (await workers()).entries()) {
      assert.ok(worker.active.isTrue);
      assert.equal(worker.info.operator.toString(), before.workers[i].info.operator.toString());
      assert.ok(worker.info.issuedTotal.toNumber() >= before.workers[i].info.issuedTotal.toNumber());
    }

    const history = resolveDid(node.rpcPort, [didOf(dave.address), '--history']);
    assert.equal(history.status, 0, history.stderr);
    assert.deepEqual(history.json.slice(0, -1), before.history.json, 'the history before the upgrade, unchanged');
    const [last] = history.json.slice(-1);
    assert.ok(before.history.json.at(-1).block < upgradedAt && last.block > upgradedAt,
      `the walk crosses the upgrade at block ${upgradedAt}: ${JSON.stringify(history.json)}`);
    assert.deepEqual(last.events.map((e) => e.event), ['AttributeSet']);

    // Worker 2 issues under the new runtime; the credential verifies and its batch is anchored
    // by worker 2's next anchor transaction.
    await finalizedBlock();
    const { status, body } = await issue({ name: 'Alice', degree: 'MSc', year: 2027 });
    assert.equal(status, 201, JSON.stringify(body));
    assert.ok(body.credential.evidence[0].blockNumber > upgradedAt);
    const fresh = await verifyApi(body.credential);
    assert.ok(fresh.verified, JSON.stringify(fresh));
    await nextSlot();
    await assertAnchoredOnChain([body.id], 'the anchor of a credential issued after the upgrade');
  });

  it('unbinds on a clean stop and re-registers with a new TEE key', async () => {
    const oldKey = await workerKey(w2);
    await w2.stop();
    const bound = await api.call.attestationApi.signers(bob.address);
    assert.equal(bound.length, 0, 'the operator DID binding ended with the clean stop');
    // The TEE's sealed state is lost: a new TA identity must join again.
    stopSimulation(w2dir());
    rmSync(join(w2dir(), 'tee'), { recursive: true, force: true });
    w2 = await startWorker({
      chain: node.url,
      operator: '//Bob',
      dataDir: w2dir(),
      extra: ['--endorser', w1.url, '--endorser-token', endorseToken(w1.url, admin1, 'rejoin w2')]
    });
    const newKey = await workerKey(w2);
    assert.notEqual(newKey, oldKey);
    assert.equal((await api.call.attestationApi.workerOf(bob.address)).unwrap().toHex(), newKey);
    assert.ok((await api.call.attestationApi.worker(oldKey)).isNone, 'the old key is superseded');
    // Its database survived: the credentials issued before are still indexed.
    const kept = await call(w2.url, 'GET', `/v1/credentials/${encodeURIComponent(issued.id)}`, { token: signToken });
    assert.equal(kept.status, 200);
  });

  it('answers 503 and exits 4 while the chain is unreachable', async () => {
    await node.stop();
    const down = await issue({ name: 'Alice', degree: 'MSc' });
    assert.equal(down.status, 503, JSON.stringify(down.body));
    const status = workerCli(['status', '--api', w2.url], { token: signToken });
    assert.equal(status.status, 4);
    assert.match(status.stderr, /unreachable|unavailable/);
  });
});

/** An address with no DID. */
function keyOfUnknown () {
  return new Keyring({ type: 'sr25519' }).addFromUri('//NobodyHere').address;
}
