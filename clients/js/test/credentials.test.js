// Credentials from the simulated TA, end to end: the TA (its own process) is provisioned with a
// device certificate the way an operator provisions a device (`teeid-worker device key`, a
// certificate made here by the simulated certifier, byte for byte what `teeid-worker device
// certify` makes, `teeid-worker device install`), bootstrapped as the chain's first worker with
// root's help, bound as a signer of the issuer's DID, and issues a W3C Verifiable Credential,
// naming the block it was issued against, that Digital Bazaar's `@digitalbazaar/vc` verifies
// with the issuer's DID document served by the project's resolver (`teeid-resolve`). A
// credential with a claim changed fails; sealed claims reach the TA unread; schema violations
// and blocks older than the newest the TA has seen are refused.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Keyring } from '@polkadot/api';
import { u8aToHex } from '@polkadot/util';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { createVerifyCryptosuite } from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import { cleanup, connect, startNode, sudoOk, submitOk, tempDir } from '../lib/node-process.js';
import { didOf, keyOf, resolveDid } from '../lib/did.js';
import { bestAnchor, deviceKey, SIMULATED_CERTIFIER_SEED, simulatedCertifier } from '../lib/attestation.js';
import { sealClaims, simCall, startWorkerSim } from '../lib/ta.js';
import { certificateFile, deviceCli, provisionDevice, workerCli } from '../lib/worker.js';

const SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['name', 'degree'],
  properties: { name: { type: 'string' }, degree: { type: 'string' }, year: { type: 'integer' } }
};

describe('credentials issued by the simulated TA', () => {
  let node, api, dir, sim, alice, dave, identity, issuer, block;
  // Where a worker would keep the TA: the `teeid-worker device` subcommands find it there.
  const host = () => join(dir, 'worker');

  before(async () => {
    dir = tempDir();
    node = await startNode(['--dev', '--sealing', 'instant', '--base-path', `${dir}/chain`]);
    api = await connect(node.url);
    sim = await startWorkerSim(host());
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
    blockNumber: block.number,
    blockHash: block.hash,
    // The entry a worker would allocate in one of its status lists; the TA signs what it is given.
    statusList: { uri: 'http://127.0.0.1:8600/v1/status-lists/00000000000000000000000000000000', index: 0 },
    ...extra
  });
  /** The finalized head: what a worker issues against. */
  const finalizedBlock = async () => {
    const hash = await api.rpc.chain.getFinalizedHead();
    return { number: (await api.rpc.chain.getHeader(hash)).number.toNumber(), hash: hash.toHex() };
  };
  const reportArgs = (anchor) => ['report', '--operator', dave.address, '--genesis', api.genesisHash.toHex(),
    '--anchor-number', String(anchor.number), '--anchor-hash', anchor.hash.toHex()];

  it('provisions the simulated device with a certificate of its key, and signs no report before', async () => {
    identity = ta(['identity']);
    assert.equal(identity.platform, 'Simulated');
    assert.equal(identity.certificate, null);
    const uncertified = simCall(sim.socket, reportArgs(await bestAnchor(api)));
    assert.equal(uncertified.status, 3, uncertified.stderr);
    assert.match(uncertified.stderr, /no device certificate/);

    // The certificate of another device: the TA refuses to install it.
    const otherFile = join(dir, 'other-device-certificate.json');
    writeFileSync(otherFile, JSON.stringify(certificateFile(simulatedCertifier.certify(api.registry, {
      device: deviceKey(2048), platform: 'Simulated', genesisHash: api.genesisHash
    }))));
    const refused = deviceCli(host(), ['install', otherFile]);
    assert.equal(refused.status, 2, refused.stderr);
    assert.match(refused.stderr, /refused the device certificate/);

    // Its own device key, certified here by the simulated certifier and installed.
    const { device, certificate } = provisionDevice(host(), api);
    assert.equal(device.platform, 'Simulated');
    identity = ta(['identity']);
    assert.equal(identity.certificate.scale, certificate.toHex());
    assert.equal(identity.certificate.certifier, u8aToHex(simulatedCertifier.key));

    // What `teeid-worker device certify` makes of the same key, seed and serial: the same
    // certificate, byte for byte.
    const seedFile = join(dir, 'certifier.seed');
    writeFileSync(seedFile, u8aToHex(SIMULATED_CERTIFIER_SEED), { mode: 0o600 });
    const keyFile = join(dir, 'device-key.json');
    writeFileSync(keyFile, JSON.stringify(device));
    const certified = workerCli(['device', 'certify', '--certifier-seed-file', seedFile, '--device-key', keyFile,
      '--genesis', api.genesisHash.toHex(), '--serial', certificate.payload.anchor.asNonce.toString()]);
    assert.equal(certified.status, 0, certified.stderr);
    assert.deepEqual(certified.json, certificateFile(certificate));
  });

  it('bootstraps the simulated TA as the first worker', async () => {
    assert.equal(identity.networkKey, null);
    const network = ta(['create-network-key', '--genesis', api.genesisHash.toHex()]);
    const { report, signature } = ta(reportArgs(await bestAnchor(api)));

    await sudo(api.tx.attestation.allowCode(identity.measurement, 1_000_000));
    await sudo(api.tx.attestation.bootstrapWorker(report, signature, network.public));
    const worker = (await api.call.attestationApi.worker(identity.signingKey)).unwrap();
    assert.ok(worker.active.isTrue);
    assert.ok(worker.certified.isTrue);
    assert.equal(worker.info.certifier.toHex(), u8aToHex(simulatedCertifier.key));
    assert.equal(worker.info.platform.toString(), 'Simulated');
    assert.equal(worker.info.operator.toString(), dave.address);
  });

  it('binds the TEE key to the issuer DID', async () => {
    await submitOk(api, api.tx.did.create([keyOf('auth', dave)], null), dave);
    await submitOk(api, api.tx.attestation.bindSigner(dave.address, identity.signingKey), dave);
    block = await finalizedBlock();
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
    assert.deepEqual([credential.evidence[0].blockNumber, credential.evidence[0].blockHash], [block.number, block.hash]);
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

  it('refuses to issue against a block older than the newest it has seen', async () => {
    const older = block.number - 1;
    const stale = simCall(sim.socket, ['issue'], request({ name: 'Alice', degree: 'MSc' },
      { blockNumber: older, blockHash: (await api.rpc.chain.getBlockHash(older)).toHex() }));
    assert.equal(stale.status, 3);
    assert.match(stale.stderr, new RegExp(`older than the newest the TA has seen \\(#${block.number}\\)`));
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
