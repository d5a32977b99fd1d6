// Evidence end to end on an instant-seal dev node: two DIDs sign the same hash (a relayer
// submits one signature), each appends logs, one revokes; a batch of 100,000 hashes is
// anchored in one extrinsic, proofs of chosen leaves verify through the runtime API, and a
// proof of a hash not in the batch does not.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/api';
import { stringToU8a, u8aToHex } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';
import { cleanup, connect, startNode, submitOk, submitRefused, tempDir } from '../lib/node-process.js';
import { keyOf } from '../lib/did.js';
import { signEvidence } from '../lib/evidence.js';
import { buildTree, prove } from '../lib/merkle.js';

describe('evidence on a dev node', () => {
  let node, api, dir, alice, bob, relayer;
  const credential = blake2AsU8a(stringToU8a('{"credentialSubject":{"degree":"BSc"}}'), 256);

  before(async () => {
    dir = tempDir();
    node = await startNode(['--dev', '--sealing', 'instant', '--base-path', dir]);
    api = await connect(node.url);
    const keyring = new Keyring({ type: 'sr25519' });
    [alice, bob, relayer] = ['//Alice', '//Bob', '//Charlie'].map((uri) => keyring.addFromUri(uri));
    for (const who of [alice, bob]) await ok(api.tx.did.create([keyOf('auth', who)], null), who);
  });

  const ok = (tx, signer) => submitOk(api, tx, signer);
  /** Submits `tx` and expects it to fail with `evidence.<name>`. */
  const refused = async (tx, signer, name) =>
    assert.equal(await submitRefused(api, tx, signer), `evidence.${name}`);

  after(async () => {
    await api?.disconnect();
    await node?.stop();
    cleanup(dir);
  });

  const info = async () => (await api.call.evidenceApi.evidence(credential)).unwrap();

  it('lets two DIDs sign the same hash, append logs, and one revoke', async () => {
    // Alice signs and submits herself; Bob's signature is relayed by Charlie, who has no DID.
    const aliceSig = await signEvidence(api, { hash: credential, signer: alice.address, pair: alice, keyId: 'auth' });
    await ok(api.tx.evidence.createEvidence(credential, ...aliceSig), alice);
    const bobSig = await signEvidence(api, { hash: credential, signer: bob.address, pair: bob, keyId: 'auth' });
    await ok(api.tx.evidence.addSignature(credential, ...bobSig), relayer);

    // Nobody signs in someone else's name, or for another chain.
    const forged = await signEvidence(api, { hash: credential, signer: alice.address, pair: bob, keyId: 'auth' });
    await refused(api.tx.evidence.addSignature(credential, ...forged), relayer, 'AlreadySigned');
    const other = blake2AsU8a(stringToU8a('another credential'), 256);
    const forgedNew = await signEvidence(api, { hash: other, signer: alice.address, pair: bob, keyId: 'auth' });
    await refused(api.tx.evidence.createEvidence(other, ...forgedNew), relayer, 'BadSignature');
    const otherChain = await signEvidence(api, {
      hash: other, signer: alice.address, pair: alice, keyId: 'auth', genesisHash: api.createType('Hash', new Uint8Array(32).fill(1))
    });
    await refused(api.tx.evidence.createEvidence(other, ...otherChain), relayer, 'BadSignature');

    await ok(api.tx.evidence.addLog(credential, 'issued to holder'), alice);
    await ok(api.tx.evidence.addLog(credential, 'delivered'), alice);
    await ok(api.tx.evidence.addLog(credential, 'checked by registrar'), bob);
    await refused(api.tx.evidence.addLog(credential, 'not a signer'), relayer, 'ActingDidNotFound');

    let evidence = await info();
    assert.deepEqual(evidence.signers.map((s) => [s.did.toString(), s.logs.toNumber(), s.revoked.isTrue]),
      [[alice.address, 2, false], [bob.address, 1, false]]);

    // Bob revokes: one read tells a verifier that Bob revoked, and that Alice did not.
    const { blockHash } = await ok(api.tx.evidence.setRevoked(credential, true), bob);
    evidence = await info();
    assert.deepEqual(evidence.signers.map((s) => [s.logs.toNumber(), s.revoked.isTrue]), [[2, false], [2, true]]);

    // The history walks back through linked events, from the evidence's last change.
    // (polkadot.js names the events' `hash` field `hash_`: `hash` is every codec's own hash.)
    const events = await (await api.at(blockHash)).query.system.events();
    const revoked = events.find(({ event }) => api.events.evidence.LogAppended.is(event)).event.data;
    assert.equal(revoked.entry.toString(), 'Revoked');
    assert.ok(revoked.previous.isSome);
    assert.equal((await api.rpc.chain.getHeader(blockHash)).number.toNumber(), evidence.changed.toNumber());
    let previous = revoked.previous.unwrap().toNumber();
    const seen = [];
    while (previous) {
      const at = await api.at(await api.rpc.chain.getBlockHash(previous));
      const linked = (await at.query.system.events())
        .filter(({ event }) => event.section === 'evidence' && u8aToHex(event.data.hash_) === u8aToHex(credential));
      assert.ok(linked.length > 0, `an evidence event in block ${previous}`);
      seen.push(...linked.map(({ event }) => event.method));
      previous = linked[0].event.data.previous.isSome ? linked[0].event.data.previous.unwrap().toNumber() : 0;
    }
    assert.deepEqual(seen.reverse(), ['EvidenceCreated', 'EvidenceSigned', 'LogAppended', 'LogAppended', 'LogAppended']);
  });

  it('anchors a batch of 100,000 hashes in one extrinsic and checks proofs', async () => {
    const hashes = Array.from({ length: 100_000 }, (_, i) => blake2AsU8a(stringToU8a(`credential ${i}`), 256));
    const tree = buildTree(hashes);
    await ok(api.tx.evidence.anchorBatch(tree.root, hashes.length), alice);
    const batch = (await api.call.evidenceApi.batch(alice.address, tree.root)).unwrap();
    assert.equal(batch.leaves.toNumber(), 100_000);

    for (const positions of [[0], [99_999], [7, 4_242, 50_000, 99_998]]) {
      const result = await api.call.evidenceApi.verifyBatchProof(alice.address, tree.root, prove(tree, positions));
      assert.ok(result.isOk, `positions ${positions}: ${result.toString()}`);
    }
    // A hash not in the batch, at a position of the batch.
    const proof = prove(tree, [123]);
    proof.leaves[0][1] = blake2AsU8a(stringToU8a('not issued'), 256);
    const forged = await api.call.evidenceApi.verifyBatchProof(alice.address, tree.root, proof);
    assert.ok(forged.isErr && forged.asErr.isInvalid && forged.asErr.asInvalid.isMismatch, forged.toString());
    // And a proof against a root Bob never anchored.
    const unknown = await api.call.evidenceApi.verifyBatchProof(bob.address, tree.root, prove(tree, [0]));
    assert.ok(unknown.isErr && unknown.asErr.isUnknownBatch);
  });
});
