// The did:teeid registry end to end: polkadot.js creates a DID, rotates its key, sets an
// attribute twice in one block and once later; teeid-resolve returns the current document and
// every historical version; a relayer submits a DID-signed operation, and its replay fails.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/api';
import { cleanup, connect, startNode, tempDir, waitFor } from '../lib/node-process.js';
import { u8aToHex } from '@polkadot/util';
import { didOf, didOperationPayload, keyOf, multibaseOf, resolveDid, signDidOperation } from '../lib/did.js';
import { chainSigningBytes, signingBytes } from '../lib/signing.js';

describe('did:teeid on a manual-seal dev node', () => {
  let node, api, dir, alice, bob, oldKey, newKey, did;
  const blocks = {};

  // Each account's next nonce, counted here: several transactions of one account go into the
  // pool before a block is sealed, faster than the pool's own nonce view follows.
  const nonces = new Map();

  /** Submits `tx` signed by `signer` and waits until it is in the pool. */
  async function pool (tx, signer) {
    const before = (await api.rpc.author.pendingExtrinsics()).length;
    if (!nonces.has(signer.address)) {
      nonces.set(signer.address, (await api.query.system.account(signer.address)).nonce.toNumber());
    }
    const nonce = nonces.get(signer.address);
    nonces.set(signer.address, nonce + 1);
    await tx.signAndSend(signer, { nonce });
    await waitFor(async () => (await api.rpc.author.pendingExtrinsics()).length > before,
      { what: 'the transaction in the pool' });
  }

  /** Seals one finalized block and returns its number and the DID events in it. */
  async function seal () {
    const hash = (await api.rpc.engine.createBlock(true, true)).blockHash;
    const number = (await api.rpc.chain.getHeader(hash)).number.toNumber();
    const events = (await (await api.at(hash)).query.system.events())
      .filter(({ event }) => event.section === 'did');
    const failed = (await (await api.at(hash)).query.system.events())
      .filter(({ event }) => api.events.system.ExtrinsicFailed.is(event));
    assert.equal(failed.length, 0, `failed extrinsics in block ${number}: ${failed.map((f) => f.event.toString())}`);
    return { number, events };
  }

  before(async () => {
    dir = tempDir();
    node = await startNode(['--dev', '--sealing', 'manual', '--base-path', dir]);
    api = await connect(node.url);
    const keyring = new Keyring({ type: 'sr25519' });
    alice = keyring.addFromUri('//Alice');
    bob = keyring.addFromUri('//Bob');
    oldKey = keyring.addFromUri('//Alice//did//1');
    newKey = new Keyring({ type: 'ed25519' }).addFromUri('//Alice//did//2');
    did = didOf(alice.address);
  });

  after(async () => {
    await api?.disconnect();
    await node?.stop();
    cleanup(dir);
  });

  it('creates, rotates and sets attributes, with linked events', async () => {
    await pool(api.tx.did.create([keyOf('auth', oldKey)], null), alice);
    blocks.created = await seal();
    assert.ok(blocks.created.events.some(({ event }) => api.events.did.DidCreated.is(event)));

    await pool(api.tx.did.rotateKey(alice.address, 'auth', keyOf('auth', newKey)), alice);
    blocks.rotated = await seal();

    await pool(api.tx.did.setAttribute(alice.address, 'name', 'Alice', 1000), alice);
    await pool(api.tx.did.setAttribute(alice.address, 'email', 'alice@example.com', 1000), alice);
    blocks.twoAttributes = await seal();
    assert.equal(blocks.twoAttributes.events.length, 2);

    blocks.quiet = await seal();
    await pool(api.tx.did.setAttribute(alice.address, 'name', 'Alice B.', 1000), alice);
    blocks.lastAttribute = await seal();

    // Every event links to the DID's previous change block, never the current one.
    const previous = (b) => b.events.map(({ event }) => event.data.previous.toJSON());
    assert.deepEqual(previous(blocks.created), [null]);
    assert.deepEqual(previous(blocks.rotated), [blocks.created.number]);
    assert.deepEqual(previous(blocks.twoAttributes), [blocks.rotated.number, blocks.rotated.number]);
    assert.deepEqual(previous(blocks.lastAttribute), [blocks.twoAttributes.number]);

    // The state through the runtime API, decoded from metadata alone.
    const state = (await api.call.didApi.resolve(alice.address)).unwrap();
    assert.equal(state.changed.toNumber(), blocks.lastAttribute.number);
    // `keys` is also every Struct's Map method: read the field through JSON.
    assert.equal(state.toJSON().keys.length, 1);
    assert.equal((await api.call.didApi.historyHead(alice.address)).unwrap().toNumber(), blocks.lastAttribute.number);
  });

  it('resolves the current document', () => {
    const { status, json, stderr } = resolveDid(node.rpcPort, [did]);
    assert.equal(status, 0, stderr);
    const doc = json.didDocument;
    assert.equal(doc.id, did);
    assert.deepEqual(doc['@context'], ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1']);
    assert.equal(doc.verificationMethod.length, 1);
    assert.equal(doc.verificationMethod[0].type, 'Multikey');
    assert.equal(doc.verificationMethod[0].publicKeyMultibase, multibaseOf(newKey));
    assert.deepEqual(doc.authentication, [`${did}#auth`]);
    const meta = json.didDocumentMetadata;
    assert.equal(meta.versionId, String(blocks.lastAttribute.number));
    assert.deepEqual(meta.attributes.map((a) => [a.name, a.value]),
      [['name', 'Alice'], ['email', 'alice@example.com'], ['name', 'Alice B.']]);
    assert.match(meta.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('resolves every historical version', () => {
    const at = (n) => {
      const { status, json, stderr } = resolveDid(node.rpcPort, [did, '--at', String(n)]);
      assert.equal(status, 0, stderr);
      return json;
    };
    const v1 = at(blocks.created.number);
    assert.equal(v1.didDocumentMetadata.versionId, String(blocks.created.number));
    assert.equal(v1.didDocument.verificationMethod[0].publicKeyMultibase, multibaseOf(oldKey));
    assert.deepEqual(v1.didDocumentMetadata.attributes, []);

    const v2 = at(blocks.rotated.number);
    assert.equal(v2.didDocument.verificationMethod[0].publicKeyMultibase, multibaseOf(newKey));
    assert.deepEqual(v2.didDocumentMetadata.attributes, []);

    const v3 = at(blocks.twoAttributes.number);
    assert.deepEqual(v3.didDocumentMetadata.attributes.map((a) => a.value), ['Alice', 'alice@example.com']);
    // A block without changes shows the version before it.
    const quiet = at(blocks.quiet.number);
    assert.equal(quiet.didDocumentMetadata.versionId, String(blocks.twoAttributes.number));

    const { status, json } = resolveDid(node.rpcPort, [did, '--history']);
    assert.equal(status, 0);
    assert.deepEqual(json.map((c) => [c.block, c.events.map((e) => e.event)]), [
      [blocks.created.number, ['DidCreated']],
      [blocks.rotated.number, ['KeyRotated']],
      [blocks.twoAttributes.number, ['AttributeSet', 'AttributeSet']],
      [blocks.lastAttribute.number, ['AttributeSet']]
    ]);
  });

  it('reports unknown and invalid DIDs with their own exit codes', () => {
    const unknown = resolveDid(node.rpcPort, [didOf(new Keyring({ type: 'sr25519' }).addFromUri('//Nobody').address)]);
    assert.equal(unknown.status, 3);
    assert.equal(unknown.json.didResolutionMetadata.error, 'notFound');
    const invalid = resolveDid(node.rpcPort, ['did:teeid:not-an-address']);
    assert.equal(invalid.status, 2);
    assert.equal(invalid.json.didResolutionMetadata.error, 'invalidDid');
  });

  it('dispatches a DID-signed operation relayed by Bob, once', async () => {
    const state = (await api.call.didApi.resolve(alice.address)).unwrap();
    const head = (await api.rpc.chain.getHeader()).number.toNumber();
    const args = signDidOperation(api, {
      did: alice.address,
      nonce: state.nonce.toNumber() + 1,
      call: api.tx.did.setAttribute(alice.address, 'relayed', 'yes', 100),
      expires: head + 50,
      submitter: bob.address,
      signer: newKey,
      keyId: 'auth'
    });
    const aliceFree = (await api.query.system.account(alice.address)).data.free.toBigInt();
    await pool(api.tx.did.submitDidCall(...args), bob);
    const { events } = await seal();
    const dispatched = events.find(({ event }) => api.events.did.DidCallDispatched.is(event));
    assert.ok(dispatched, 'DidCallDispatched');
    assert.ok(dispatched.event.data.result.isOk);
    assert.equal(dispatched.event.data.submitter.toString(), bob.address);
    assert.ok(events.some(({ event }) => api.events.did.AttributeSet.is(event) &&
      event.data.name.toUtf8() === 'relayed'));
    // Bob paid the fees, not Alice.
    assert.equal((await api.query.system.account(alice.address)).data.free.toBigInt(), aliceFree);

    // The same signed operation again is rejected as a replay.
    await pool(api.tx.did.submitDidCall(...args), bob);
    const hash = (await api.rpc.engine.createBlock(true, true)).blockHash;
    const failed = (await (await api.at(hash)).query.system.events())
      .find(({ event }) => api.events.system.ExtrinsicFailed.is(event));
    assert.ok(failed, 'the replay fails');
    const error = api.registry.findMetaError(failed.event.data.dispatchError.asModule);
    assert.equal(`${error.section}.${error.name}`, 'did.Replayed');

    // Signed for another transaction version (as before an upgrade that renumbered calls):
    // refused, whatever the call's bytes would mean now.
    const stale = signDidOperation(api, {
      did: alice.address,
      nonce: state.nonce.toNumber() + 2,
      call: api.tx.did.setAttribute(alice.address, 'stale', 'yes', 100),
      expires: head + 50,
      submitter: bob.address,
      signer: newKey,
      keyId: 'auth',
      transactionVersion: api.runtimeVersion.transactionVersion.toNumber() + 1
    });
    await pool(api.tx.did.submitDidCall(...stale), bob);
    const staleHash = (await api.rpc.engine.createBlock(true, true)).blockHash;
    const staleFailed = (await (await api.at(staleHash)).query.system.events())
      .find(({ event }) => api.events.system.ExtrinsicFailed.is(event));
    assert.ok(staleFailed, 'the operation for another transaction version fails');
    const staleError = api.registry.findMetaError(staleFailed.event.data.dispatchError.asModule);
    assert.equal(`${staleError.section}.${staleError.name}`, 'did.WrongTransactionVersion');
  });

  it('encodes DID operations with the chain\'s payload type, to the bytes the chain signs', async () => {
    const payload = didOperationPayload(api, {
      did: alice.address,
      nonce: 7,
      call: api.tx.did.setAttribute(alice.address, 'name', 'Alice', 10),
      expires: 1234,
      submitter: bob.address
    });
    const local = signingBytes(api.registry, 'did_operation', payload);
    assert.equal(u8aToHex(local), u8aToHex(await chainSigningBytes(api, 'did_operation', payload)));
    // The transaction version is part of them.
    const other = signingBytes(api.registry, 'did_operation',
      { ...payload, body: { ...payload.body, transactionVersion: payload.body.transactionVersion + 1 } });
    assert.notEqual(u8aToHex(other), u8aToHex(local));
  });
});

describe('did:teeid history on a pruned node', () => {
  let node, api;

  before(async () => {
    node = await startNode(['--dev', '--tmp', '--sealing', 'manual', '--state-pruning', '8']);
    api = await connect(node.url);
  });

  after(async () => {
    await api?.disconnect();
    await node?.stop();
  });

  it('fails with a clear error instead of a partial answer', async () => {
    const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
    const key = new Keyring({ type: 'sr25519' }).addFromUri('//Alice//did//pruned');
    await api.tx.did.create([keyOf('auth', key)], null).signAndSend(alice);
    await waitFor(async () => (await api.rpc.author.pendingExtrinsics()).length === 1,
      { what: 'the transaction in the pool' });
    await api.rpc.engine.createBlock(true, true);
    for (let i = 0; i < 20; i++) await api.rpc.engine.createBlock(true, true);

    for (const args of [[didOf(alice.address)], [didOf(alice.address), '--at', '1']]) {
      const { status, json } = resolveDid(node.rpcPort, args);
      assert.equal(status, 4, JSON.stringify(json));
      assert.match(json.didResolutionMetadata.message, /archive node/);
    }
  });
});
