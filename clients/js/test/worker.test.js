// The TEE worker end to end: worker 1 bootstraps the chain (root via sudo), worker 2 joins by
// endorsement, an issuer DID binds worker 2 (a request its operator accepts), a credential for a CPT is issued through the API
// and verifies through the API and with Digital Bazaar's W3C library, its batch root is
// anchored on chain, revocation through evidence makes it fail, and killing worker 2 in the
// middle of a batch loses nothing. Every kind of bad input gets its 4xx/503 and CLI exit code.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Keyring } from '@polkadot/api';
import { hexToU8a } from '@polkadot/util';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { createVerifyCryptosuite } from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import { cleanup, connect, startNode, submitOk, tempDir, waitFor } from '../lib/node-process.js';
import { didOf, keyOf } from '../lib/did.js';
import { signEvidence } from '../lib/evidence.js';
import { adminToken, call, startWorker, stopSimulation, workerCli } from '../lib/worker.js';

const SCHEMA = JSON.stringify({
  type: 'object',
  required: ['name', 'degree'],
  properties: { name: { type: 'string', minLength: 1 }, degree: { type: 'string' }, year: { type: 'integer', minimum: 1900 } },
  additionalProperties: false
});

describe('teeid-worker end to end', () => {
  let node, api, dir, alice, bob, dave, eve, w1, w2, admin1, admin2, signToken, cpt;
  const w2dir = () => join(dir, 'w2');

  before(async () => {
    dir = tempDir();
    node = await startNode(['--dev', '--sealing', 'instant', '--base-path', `${dir}/chain`]);
    api = await connect(node.url);
    const keyring = new Keyring({ type: 'sr25519' });
    [alice, bob, dave, eve] = ['//Alice', '//Bob', '//Dave', '//Eve'].map((uri) => keyring.addFromUri(uri));
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

  it('bootstraps worker 1 with sudo and joins worker 2 by endorsement', async () => {
    w1 = await startWorker({ chain: node.url, operator: '//Alice', dataDir: join(dir, 'w1'), extra: ['--bootstrap'] });
    admin1 = adminToken(join(dir, 'w1'));
    w2 = await startWorker({
      chain: node.url,
      operator: '//Bob',
      dataDir: w2dir(),
      extra: ['--endorser', w1.url, '--endorser-token', admin1]
    });
    admin2 = adminToken(w2dir());
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
    // The worker's own CLI creates the token.
    const created = workerCli(['token', 'create', '--api', w2.url, '--permission', 'sign,read,write',
      '--account', dave.address, '--label', 'dave'], { token: admin2 });
    assert.equal(created.status, 0, created.stderr);
    signToken = created.json.token;
    assert.match(signToken, /^teeid_[0-9a-f]{64}$/);
  });

  const issue = (claims, extra = {}) => call(w2.url, 'POST', '/v1/credentials', {
    token: signToken,
    body: { issuer: didOf(dave.address), holder: didOf(alice.address), cpt, claims, ...extra }
  });

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
    assert.equal(issued.credential.evidence[0].platform, 'Simulated');
    const result = await verifyApi(issued.credential);
    assert.ok(result.verified, JSON.stringify(result));
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
    assert.equal(batch.unwrap().leaves.toNumber(), 1);
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
    const record = hexToU8a(issued.credential.credentialStatus.id.replace('urn:teeid:evidence:', ''));
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
    const anchors = await waitFor(async () => {
      const found = await Promise.all(ids.map((id) => call(w2.url, 'GET', `/v1/credentials/${encodeURIComponent(id)}/anchor`)));
      return found.every((f) => f.status === 200) && found.map((f) => f.body);
    }, { what: 'the anchors after the restart' });
    assert.equal(new Set(anchors.map((a) => a.root)).size, 1, 'one batch holds all three');
    const batch = (await api.call.evidenceApi.batch(bob.address, anchors[0].root)).unwrap();
    assert.equal(batch.leaves.toNumber(), 3);
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
    const eveToken = workerCli(['token', 'create', '--api', url, '--permission', 'sign', '--account', eve.address], { token: admin2 }).json.token;
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
    const readOnly = workerCli(['token', 'create', '--api', url, '--permission', 'read', '--account', dave.address], { token: admin2 }).json.token;
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
    await submitOk(api, api.tx.attestation.bindSigner(alice.address, await workerKey(w2)), alice);
    await submitOk(api, api.tx.attestation.acceptSigner(alice.address, await workerKey(w2)), bob);
    const aliceToken = workerCli(['token', 'create', '--api', w2.url, '--permission', 'write,read',
      '--account', didOf(alice.address)], { token: admin2 }).json.token;
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
      extra: ['--endorser', w1.url, '--endorser-token', admin1]
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
