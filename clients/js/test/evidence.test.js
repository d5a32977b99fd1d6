// Evidence end to end on an instant-seal dev node: two DIDs sign the same hash (a relayer
// submits one signature), each appends logs, one revokes, and the runtime API reads each
// signer's record and lists the signers a page at a time; sixteen throwaway DIDs signing a
// credential's record first keep neither its issuer from signing nor from revoking; a log note
// or an extra key over its limit is refused before dispatch; a batch of 100,000 hashes is
// anchored in one extrinsic, proofs of chosen leaves verify through the runtime API, and a
// proof of a hash not in the batch does not.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/api';
import { stringToU8a, u8aToHex } from '@polkadot/util';
import { blake2AsU8a, mnemonicGenerate } from '@polkadot/util-crypto';
import { cleanup, connect, startNode, submitOk, submitRefused, tempDir } from '../lib/node-process.js';
import { keyOf } from '../lib/did.js';
import { evidencePayload, signEvidence } from '../lib/evidence.js';
import { chainSigningBytes, signingBytes } from '../lib/signing.js';
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
  /** `who`'s own record of the evidence of `hash` (the runtime API's `signer`), or `null`. */
  const signerOf = async (who, hash = credential) => {
    const record = await api.call.evidenceApi.signer(hash, who.address ?? who);
    return record.isSome ? record.unwrap() : null;
  };
  /**
   * Every signer of the evidence of `hash`, read `limit` at a time through the runtime API's
   * `signers` (each page starts after the last DID of the previous one; a page shorter than
   * `limit` is the last). Returns `{ signers, pages }`, `pages` being the pages' lengths.
   */
  const allSigners = async (hash, limit) => {
    const signers = [];
    const pages = [];
    let startAfter = null;
    for (;;) {
      const page = await api.call.evidenceApi.signers(hash, startAfter, limit);
      signers.push(...page);
      pages.push(page.length);
      if (page.length < limit) return { signers, pages };
      assert.ok(pages.length <= 64, `paging did not end: ${pages}`);
      startAfter = page[page.length - 1].did;
    }
  };

  it('encodes evidence statements with the chain\'s payload type, to the bytes the chain signs', async () => {
    const header = await api.rpc.chain.getHeader();
    const payload = evidencePayload({
      hash: credential, signer: alice.address, number: header.number.toNumber(), blockHash: header.hash, genesisHash: api.genesisHash
    });
    const local = signingBytes(api.registry, 'evidence', payload);
    assert.equal(u8aToHex(local), u8aToHex(await chainSigningBytes(api, 'evidence', payload)));
  });

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

    // The evidence counts its signers; each signer's record is read on its own, or all of
    // them a page at a time (in storage order, not signing order).
    let evidence = await info();
    assert.equal(evidence.creator.toString(), alice.address);
    assert.equal(evidence.signers.toNumber(), 2);
    const record = (s) => [s.did.toString(), s.logs.toNumber(), s.revoked.isTrue];
    assert.deepEqual(record(await signerOf(alice)), [alice.address, 2, false]);
    assert.deepEqual(record(await signerOf(bob)), [bob.address, 1, false]);
    assert.equal(await signerOf(relayer), null, 'the relayer did not sign');
    const { signers: listed } = await allSigners(credential, 256);
    assert.deepEqual(listed.map(record).sort(), [[alice.address, 2, false], [bob.address, 1, false]].sort());

    // Bob revokes: one read tells a verifier that Bob revoked, another that Alice did not.
    const { blockHash } = await ok(api.tx.evidence.setRevoked(credential, true), bob);
    evidence = await info();
    assert.equal(evidence.signers.toNumber(), 2);
    assert.deepEqual(record(await signerOf(bob)), [bob.address, 2, true]);
    assert.deepEqual(record(await signerOf(alice)), [alice.address, 2, false]);
    assert.equal((await signerOf(bob)).lastLog.unwrap().toNumber(), evidence.changed.toNumber());

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

  it('lets an issuer sign and revoke after 16 sybil DIDs signed first (the 16-sybil sequence)', async () => {
    // Seventeen fresh accounts, funded in one batch: sixteen throwaway DIDs and the issuer.
    const keyring = new Keyring({ type: 'sr25519' });
    const accounts = Array.from({ length: 17 }, () => keyring.addFromMnemonic(mnemonicGenerate()));
    const sybils = accounts.slice(0, 16);
    const issuer = accounts[16];
    const amount = 10n * 10n ** BigInt(api.registry.chainDecimals[0]);
    await ok(api.tx.utility.batchAll(accounts.map((pair) => api.tx.balances.transferKeepAlive(pair.address, amount))), alice);
    // `did.create` creates the sender's own DID, so each account sends its own; all at once.
    await Promise.all(accounts.map((pair) => ok(api.tx.did.create([keyOf('auth', pair)], null), pair)));

    // The sybils sign the credential's record first: one creates it, fifteen add their
    // signatures, all relayed in one batch (a signature, not the sender, says who signed).
    const record = blake2AsU8a(stringToU8a(`{"credentialSubject":{"degree":"MSc"},"issuer":"${issuer.address}"}`), 256);
    const sign = (pair) => signEvidence(api, { hash: record, signer: pair.address, pair, keyId: 'auth' });
    const [first, ...rest] = await Promise.all(sybils.map(sign));
    await ok(api.tx.utility.batchAll([
      api.tx.evidence.createEvidence(record, ...first),
      ...rest.map((signature) => api.tx.evidence.addSignature(record, ...signature))
    ]), sybils[0]);
    assert.equal((await api.call.evidenceApi.evidence(record)).unwrap().signers.toNumber(), 16);

    // The issuer signs seventeenth (a shared cap of 16 signers refused this) and revokes.
    await ok(api.tx.evidence.addSignature(record, ...await sign(issuer)), issuer);
    await ok(api.tx.evidence.setRevoked(record, true), issuer);

    // One read tells a verifier that the issuer revoked; the sybils' records are their own.
    const byIssuer = await signerOf(issuer, record);
    assert.equal(byIssuer.did.toString(), issuer.address);
    assert.ok(byIssuer.revoked.isTrue);
    assert.equal(byIssuer.logs.toNumber(), 1);
    assert.ok((await signerOf(sybils[0], record)).revoked.isFalse);
    const evidence = (await api.call.evidenceApi.evidence(record)).unwrap();
    assert.equal(evidence.signers.toNumber(), 17);
    assert.equal(evidence.creator.toString(), sybils[0].address);

    // Five at a time, the listing yields every signer exactly once, and only the issuer revoked.
    const { signers, pages } = await allSigners(record, 5);
    assert.deepEqual(pages, [5, 5, 5, 2]);
    const dids = signers.map((s) => s.did.toString());
    assert.equal(new Set(dids).size, 17, 'no signer listed twice');
    assert.deepEqual([...dids].sort(), accounts.map((pair) => pair.address).sort());
    assert.deepEqual(signers.filter((s) => s.revoked.isTrue).map((s) => s.did.toString()), [issuer.address]);
    // One page holds them all when the limit allows.
    assert.equal((await api.call.evidenceApi.signers(record, null, 256)).length, 17);
  });

  it('refuses a log note or an extra key over its limit before dispatch', async () => {
    // Over the limit, the call does not decode: the node refuses the transaction as invalid,
    // before any block (or fee) is involved.
    const invalid = /Verification Error|Invalid Transaction|Bad input data/;
    const logs = async () => (await signerOf(bob)).logs.toNumber();
    const logged = await logs();
    await assert.rejects(ok(api.tx.evidence.addLog(credential, 'n'.repeat(1025)), bob), invalid);
    assert.equal(await logs(), logged);
    await ok(api.tx.evidence.addLog(credential, 'n'.repeat(1024)), bob);
    assert.equal(await logs(), logged + 1);

    const key = (length) => `credential-${'k'.repeat(length - 11)}`;
    await assert.rejects(ok(api.tx.evidence.setExtraKey(key(129), credential), bob), invalid);
    assert.ok((await api.call.evidenceApi.extraKey(bob.address, key(129))).isNone);
    await ok(api.tx.evidence.setExtraKey(key(128), credential), bob);
    assert.equal(u8aToHex((await api.call.evidenceApi.extraKey(bob.address, key(128))).unwrap()), u8aToHex(credential));
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
