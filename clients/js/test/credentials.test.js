// Credentials from the simulated TA, end to end: the TA (its own process) is bootstrapped as
// the chain's first worker with root's help, bound as a signer of the issuer's DID, and issues
// a W3C Verifiable Credential that Digital Bazaar's `@digitalbazaar/vc` verifies with the
// issuer's DID document served by the project's resolver (`teeid-resolve`). A credential with
// a claim changed fails; sealed claims reach the TA unread; schema violations are refused.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/api';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { createVerifyCryptosuite } from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import { cleanup, connect, startNode, sudoOk, submitOk, tempDir } from '../lib/node-process.js';
import { didOf, keyOf, resolveDid } from '../lib/did.js';
import { bestAnchor } from '../lib/attestation.js';
import { sealClaims, simCall, startSim } from '../lib/ta.js';

const SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['name', 'degree'],
  properties: { name: { type: 'string' }, degree: { type: 'string' }, year: { type: 'integer' } }
};

describe('credentials issued by the simulated TA', () => {
  let node, api, dir, sim, alice, dave, identity, issuer;

  before(async () => {
    dir = tempDir();
    node = await startNode(['--dev', '--sealing', 'instant', '--base-path', `${dir}/chain`]);
    api = await connect(node.url);
    sim = await startSim(`${dir}/tee`);
    const keyring = new Keyring({ type: 'sr25519' });
    [alice, dave] = ['//Alice', '//Dave'].map((uri) => keyring.addFromUri(uri));
    issuer = didOf(dave.address);
  });

  after(async () => {
    await api?.disconnect();
    await sim?.stop();
    await node?.stop();
    cleanup(dir);
  });

  const ta = (args, request) => {
    const result = simCall(sim.socket, args, request);
    assert.equal(result.status, 0, result.stderr);
    return result.json;
  };
  const sudo = (call) => sudoOk(api, call, alice);
  const request = (claims, extra = {}) => ({
    id: `urn:uuid:${crypto.randomUUID()}`,
    issuer,
    holder: didOf(alice.address),
    schemaId: 'urn:teeid:cpt:1000',
    schema: SCHEMA,
    claims,
    validFrom: '2026-01-01T00:00:00Z',
    validUntil: '2030-01-01T00:00:00Z',
    created: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    ...extra
  });

  it('bootstraps the simulated TA as the first worker', async () => {
    identity = ta(['identity']);
    assert.equal(identity.platform, 'Simulated');
    assert.equal(identity.networkKey, null);
    const network = ta(['create-network-key', '--genesis', api.genesisHash.toHex()]);
    const anchor = await bestAnchor(api);
    const { report, signature } = ta(['report', '--operator', dave.address, '--genesis', api.genesisHash.toHex(),
      '--anchor-number', String(anchor.number), '--anchor-hash', anchor.hash.toHex()]);

    await sudo(api.tx.attestation.allowCode(identity.measurement, 1_000_000));
    await sudo(api.tx.attestation.bootstrapWorker(report, signature, network.public));
    const worker = (await api.call.attestationApi.worker(identity.signingKey)).unwrap();
    assert.ok(worker.active.isTrue);
    assert.equal(worker.info.platform.toString(), 'Simulated');
    assert.equal(worker.info.operator.toString(), dave.address);
  });

  it('binds the TEE key to the issuer DID', async () => {
    await submitOk(api, api.tx.did.create([keyOf('auth', dave)], null), dave);
    await submitOk(api, api.tx.attestation.bindSigner(dave.address, identity.signingKey), dave);
    const { status, json } = resolveDid(node.rpcPort, [issuer]);
    assert.equal(status, 0);
    const method = `${issuer}#tee-${identity.signingKey.slice(2)}`;
    assert.ok(json.didDocument.assertionMethod.includes(method));
  });

  /** Verifies with Digital Bazaar's libraries, resolving DIDs through `teeid-resolve`. */
  const verify = async (credential) => {
    const documentLoader = async (url) => {
      if (url.startsWith('did:teeid:')) {
        const [did, fragment] = url.split('#');
        const { status, json } = resolveDid(node.rpcPort, [did]);
        assert.equal(status, 0);
        const document = json.didDocument;
        if (!fragment) return { contextUrl: null, documentUrl: url, document };
        const method = document.verificationMethod.find((m) => m.id === url);
        return {
          contextUrl: null,
          documentUrl: url,
          document: { '@context': 'https://w3id.org/security/multikey/v1', ...method }
        };
      }
      return vc.defaultDocumentLoader(url);
    };
    const suite = new DataIntegrityProof({ cryptosuite: createVerifyCryptosuite() });
    // Revocation is the worker's to check (the evidence record); here only the proof counts.
    const checkStatus = async () => ({ verified: true });
    return vc.verifyCredential({ credential, suite, documentLoader, checkStatus });
  };

  let credential;
  it('issues a credential that @digitalbazaar/vc verifies, and fails it with a claim changed', async () => {
    ({ credential } = ta(['issue'], request({ name: 'Alice', degree: 'MSc', year: 2026 })));
    assert.equal(credential.issuer, issuer);
    assert.equal(credential.proof.cryptosuite, 'eddsa-jcs-2022');
    assert.equal(credential.evidence[0].platform, 'Simulated');
    assert.equal(credential.evidence[0].measurement, identity.measurement);
    const result = await verify(credential);
    assert.ok(result.verified, JSON.stringify(result.error ?? result, null, 1));

    const changed = structuredClone(credential);
    changed.credentialSubject.degree = 'PhD';
    assert.equal((await verify(changed)).verified, false);
  });

  it('opens sealed claims inside the TA only', async () => {
    const claims = { name: 'Alice', degree: 'PhD' };
    const sealed = sealClaims(identity.agreementKey, claims, issuer);
    const { credential } = ta(['issue'], request(undefined, { sealedClaims: sealed }));
    assert.equal(credential.credentialSubject.degree, 'PhD');
    assert.ok((await verify(credential)).verified);

    const forOther = sealClaims(identity.agreementKey, claims, didOf(alice.address));
    const refused = simCall(sim.socket, ['issue'], request(undefined, { sealedClaims: forOther }));
    assert.equal(refused.status, 3);
    assert.match(refused.stderr, /claims/);
  });

  it('refuses claims that violate the schema, with the claim named', async () => {
    const refused = simCall(sim.socket, ['issue'], request({ name: 'Alice', degree: 'MSc', year: 'soon' }));
    assert.equal(refused.status, 3);
    assert.match(refused.stderr, /claim `year` violates the schema/);
    const missing = simCall(sim.socket, ['issue'], request({ name: 'Alice' }));
    assert.match(missing.stderr, /claim `degree` violates the schema: required/);
  });

  it('presents two of ten claims for the holder', async () => {
    const claims = Object.fromEntries([...Array(10).keys()].map((i) => [`claim${i}`, `value ${i}`]));
    const open = request(claims, { holder: issuer, schema: { type: 'object' } });
    const { credential: full } = ta(['issue'], open);
    const presentation = ta(['present'], {
      credential: full, holder: issuer, disclose: ['claim2', 'claim8'],
      challenge: 'c-1', domain: 'verifier.example', created: full.proof.created
    });
    const [derived] = presentation.verifiableCredential;
    assert.deepEqual(Object.keys(derived.credentialSubject).sort(), ['claim2', 'claim8', 'id']);
    assert.equal(derived.disclosure.disclosed.length, 2);
    assert.equal(presentation.proof.challenge, 'c-1');
    assert.equal(presentation.proof.verificationMethod, `${issuer}#tee-${identity.signingKey.slice(2)}`);
    assert.ok(!JSON.stringify(presentation).includes('value 5'));
  });
});
