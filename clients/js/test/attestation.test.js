// TEE worker registration end to end on an instant-seal dev node: root bootstraps worker 1
// with the network key, worker 2 joins by a quadruple endorsed by worker 1 and reports work
// each slot, a replayed registration is refused, worker 2 signs for DIDs while bound (its
// operator's own DID at once, another DID once the operator accepted that DID's request; a
// request can be refused), once it stops reporting it becomes inactive and its bindings stop
// counting, and a registration whose anchor has gone stale is refused. The TEEs are test
// doubles (lib/attestation.js) that sign real reports.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/api';
import { u8aToHex } from '@polkadot/util';
import { cleanup, connect, startNode, sudoOk, submitOk, submitRefused, tempDir } from '../lib/node-process.js';
import { keyOf } from '../lib/did.js';
import {
  bestAnchor, countersignaturePayload, deviceKey, endorsementPayload, networkKeyFingerprint, quadruple, TestTee
} from '../lib/attestation.js';
import { chainSigningBytes, signingBytes } from '../lib/signing.js';

const MEASUREMENT = new Uint8Array(32).fill(0xc0);
const NETWORK_KEY = new Uint8Array(32).fill(0x4e);

describe('TEE workers on a dev node', () => {
  let node, api, dir, alice, dave, eve, ferdie, slotLength;
  const device = deviceKey();
  const tee = (seed) => new TestTee(new Uint8Array(32).fill(seed), device, {
    measurement: MEASUREMENT, networkKey: networkKeyFingerprint(NETWORK_KEY)
  });
  const one = tee(1);
  const two = tee(2);

  before(async () => {
    dir = tempDir();
    node = await startNode(['--dev', '--sealing', 'instant', '--base-path', dir]);
    api = await connect(node.url);
    const keyring = new Keyring({ type: 'sr25519' });
    [alice, dave, eve, ferdie] = ['//Alice', '//Dave', '//Eve', '//Ferdie'].map((uri) => keyring.addFromUri(uri));
    slotLength = api.consts.attestation.slotLength.toNumber();
  });

  after(async () => {
    await api?.disconnect();
    await node?.stop();
    cleanup(dir);
  });

  const ok = (tx, signer) => submitOk(api, tx, signer);
  const refused = async (tx, signer, name) =>
    assert.equal(await submitRefused(api, tx, signer), `attestation.${name}`);
  const sudo = (call) => sudoOk(api, call, alice);
  const worker = async (t) => (await api.call.attestationApi.worker(t.key)).unwrap();
  const best = async () => (await api.rpc.chain.getHeader()).number.toNumber();
  const blocksUntil = async (number) => {
    while (await best() < number) await api.rpc.engine.createBlock(true, true);
  };

  it('encodes every TEE payload with the chain\'s payload types, to the bytes the chain signs', async () => {
    const anchor = await bestAnchor(api);
    const report = two.report(api, eve.address, anchor);
    const endorsement = one.endorse(report);
    const [workReport] = two.workReport(api, { slot: 3, slotStart: 3 * slotLength, slotHash: anchor.hash });
    for (const [method, value] of [
      ['report_payload', report.payload],
      ['worker_report', report],
      ['endorsement', endorsementPayload(report, one.key)],
      ['countersignature', countersignaturePayload(report, one.key, endorsement)],
      ['work_report', workReport]
    ]) {
      const chain = await chainSigningBytes(api, method, value);
      assert.equal(u8aToHex(signingBytes(api.registry, method, value)), u8aToHex(chain), method);
    }
  });

  it('lets root allow the code and bootstrap worker 1 with the network key', async () => {
    assert.ok((await api.call.attestationApi.simulationEnabled()).isTrue);
    await sudo(api.tx.attestation.allowCode(MEASUREMENT, 1_000_000));
    const report = one.report(api, dave.address, await bestAnchor(api));
    await sudo(api.tx.attestation.bootstrapWorker(report, one.signReport(report), NETWORK_KEY));

    const info = await worker(one);
    assert.ok(info.active.isTrue);
    assert.ok(info.info.endorser.isNone);
    assert.equal(info.info.operator.toString(), dave.address);
    assert.equal(info.info.platform.toString(), 'Simulated');
    assert.equal(u8aToHex((await api.call.attestationApi.networkKey()).unwrap().public), u8aToHex(NETWORK_KEY));
    assert.equal((await api.call.attestationApi.allowedCode()).length, 1);
  });

  let stale;
  it('registers worker 2 by a quadruple endorsed by worker 1, once', async () => {
    // A report anchored now, submitted after ReportValidity blocks, comes too late.
    stale = quadruple(tee(3), one, tee(3).report(api, ferdie.address, await bestAnchor(api)));

    const q = quadruple(two, one, two.report(api, eve.address, await bestAnchor(api)));
    const { events } = await ok(api.tx.attestation.registerWorker(...q), eve);
    const registered = events.find(({ event }) => api.events.attestation.WorkerRegistered.is(event)).event.data;
    assert.equal(u8aToHex(registered.endorser.unwrap()), u8aToHex(one.key));
    assert.ok((await worker(two)).active.isTrue);
    assert.equal(u8aToHex((await api.call.attestationApi.workerOf(eve.address)).unwrap()), u8aToHex(two.key));

    // The same quadruple again: the key is spent.
    await refused(api.tx.attestation.registerWorker(...q), eve, 'KeyAlreadyUsed');
    // Nobody else submits Eve's quadruple.
    const other = quadruple(tee(4), one, tee(4).report(api, eve.address, await bestAnchor(api)));
    await refused(api.tx.attestation.registerWorker(...other), ferdie, 'WrongOperator');
    // A forged endorsement.
    const forged = quadruple(tee(4), tee(9), tee(4).report(api, ferdie.address, await bestAnchor(api)));
    forged[2] = one.key;
    await refused(api.tx.attestation.registerWorker(...forged), ferdie, 'BadEndorsement');
  });

  it('accepts one work report of worker 2 per slot', async () => {
    for (let i = 0; i < 3; i++) {
      const slot = (await api.call.attestationApi.currentSlot()).toNumber();
      const slotStart = slot * slotLength;
      const slotHash = await api.rpc.chain.getBlockHash(slotStart);
      const args = two.workReport(api, { slot, slotStart, slotHash, issuedTotal: 0 });
      const { events } = await ok(api.tx.attestation.submitWorkReport(...args), eve);
      assert.ok(events.some(({ event }) => api.events.attestation.WorkReported.is(event)));
      await refused(api.tx.attestation.submitWorkReport(...args), eve, 'AlreadyReported');
      assert.equal((await worker(two)).info.lastReport.unwrap().toNumber(), slot);
      await blocksUntil(slotStart + slotLength);
    }
  });

  it('makes a bound worker an assertion key of the DID until it stops reporting', async () => {
    // Eve operates worker 2; Ferdie and Alice control DIDs of their own.
    for (const who of [eve, ferdie, alice]) await ok(api.tx.did.create([keyOf('auth', who)], null), who);
    // Worker 2 must still be active: report the current slot first.
    const slot = (await api.call.attestationApi.currentSlot()).toNumber();
    const slotHash = await api.rpc.chain.getBlockHash(slot * slotLength);
    await ok(api.tx.attestation.submitWorkReport(...two.workReport(api, { slot, slotStart: slot * slotLength, slotHash })), eve);
    assert.equal((await worker(two)).info.operator.toString(), eve.address);

    const keyId = `tee-${u8aToHex(two.key).slice(2)}`;
    const keyIds = async (who) => (await api.call.didApi.resolve(who.address)).unwrap().toJSON().keys.map((k) => k.id);
    const asText = (ids) => ids.map((id) => Buffer.from(id.slice(2), 'hex').toString());
    const requested = async (who) => (await api.call.attestationApi.requestedSigners(who.address)).map((k) => k.toHex());
    const eventOf = (events, name) => events.find(({ event }) => api.events.attestation[name].is(event))?.event.data;

    // Eve's own DID: as the worker's operator she binds it at once.
    await refused(api.tx.attestation.bindSigner(eve.address, two.key), ferdie, 'NotController');
    let { events } = await ok(api.tx.attestation.bindSigner(eve.address, two.key), eve);
    assert.equal(eventOf(events, 'SignerBound').by.toString(), eve.address);
    assert.ok(asText(await keyIds(eve)).includes(keyId));
    let [signer] = await api.call.attestationApi.signers(eve.address);
    assert.ok(signer.counts.isTrue);
    assert.deepEqual(await requested(eve), []);

    // Ferdie's DID: his binding is a request until Eve, the operator, accepts it.
    ({ events } = await ok(api.tx.attestation.bindSigner(ferdie.address, two.key), ferdie));
    assert.ok(!eventOf(events, 'SignerBound'), 'not bound before the operator accepts');
    const request = eventOf(events, 'SignerRequested');
    assert.deepEqual([request.did.toString(), request.worker.toHex(), request.by.toString()],
      [ferdie.address, u8aToHex(two.key), ferdie.address]);
    assert.deepEqual(await requested(ferdie), [u8aToHex(two.key)]);
    assert.ok(!asText(await keyIds(ferdie)).includes(keyId), 'a requested key is no key of the DID');
    assert.equal((await api.call.attestationApi.signers(ferdie.address)).length, 0);
    assert.deepEqual((await api.call.attestationApi.signsFor(two.key, null, 256)).map(String), [eve.address]);
    await refused(api.tx.attestation.bindSigner(ferdie.address, two.key), ferdie, 'AlreadyBound');
    await refused(api.tx.attestation.acceptSigner(ferdie.address, two.key), ferdie, 'NotOperator');
    await refused(api.tx.attestation.acceptSigner(alice.address, two.key), eve, 'NotRequested');
    ({ events } = await ok(api.tx.attestation.acceptSigner(ferdie.address, two.key), eve));
    const bound = eventOf(events, 'SignerBound');
    assert.deepEqual([bound.did.toString(), bound.by.toString()], [ferdie.address, ferdie.address]);
    assert.deepEqual(await requested(ferdie), []);
    assert.ok(asText(await keyIds(ferdie)).includes(keyId));
    [signer] = await api.call.attestationApi.signers(ferdie.address);
    assert.ok(signer.counts.isTrue);

    // Alice's request, refused by the operator: withdrawn, never bound.
    await ok(api.tx.attestation.bindSigner(alice.address, two.key), alice);
    assert.deepEqual(await requested(alice), [u8aToHex(two.key)]);
    ({ events } = await ok(api.tx.attestation.unbindSigner(alice.address, two.key), eve));
    const withdrawn = eventOf(events, 'SignerRequestWithdrawn');
    assert.deepEqual([withdrawn.did.toString(), withdrawn.by.toString()], [alice.address, eve.address]);
    assert.deepEqual(await requested(alice), []);
    assert.ok(!asText(await keyIds(alice)).includes(keyId));
    await refused(api.tx.attestation.acceptSigner(alice.address, two.key), eve, 'NotRequested');

    // The DIDs worker 2 signs for, a page at a time (after the last DID of the previous page).
    const all = (await api.call.attestationApi.signsFor(two.key, null, 256)).map(String);
    assert.deepEqual([...all].sort(), [eve.address, ferdie.address].sort());
    const [firstPage, secondPage, lastPage] = [
      await api.call.attestationApi.signsFor(two.key, null, 1),
      await api.call.attestationApi.signsFor(two.key, all[0], 1),
      await api.call.attestationApi.signsFor(two.key, all[1], 1)
    ];
    assert.deepEqual([firstPage.map(String), secondPage.map(String), lastPage.length], [[all[0]], [all[1]], 0]);

    // Worker 2 stops: after MissedSlots slots without a report it is inactive.
    const deadline = (await worker(two)).info.deadline.toNumber();
    await blocksUntil(deadline * slotLength);
    const info = await worker(two);
    assert.ok(info.active.isFalse);
    assert.ok(info.info.status.isInactive);
    assert.equal(info.info.status.asInactive.since.toNumber(), deadline);
    for (const who of [eve, ferdie]) {
      [signer] = await api.call.attestationApi.signers(who.address);
      assert.ok(signer.counts.isFalse);
      assert.ok(!asText(await keyIds(who)).includes(keyId));
    }
    const now = (await api.call.attestationApi.currentSlot()).toNumber();
    const late = two.workReport(api, { slot: now, slotStart: now * slotLength, slotHash: await api.rpc.chain.getBlockHash(now * slotLength) });
    await refused(api.tx.attestation.submitWorkReport(...late), eve, 'WorkerInactive');
  });

  it('refuses a registration whose anchor has gone stale', async () => {
    const validity = api.consts.attestation.reportValidity.toNumber();
    const anchored = stale[0].payload.anchor.asBlock.number.toNumber();
    await blocksUntil(anchored + validity);
    await refused(api.tx.attestation.registerWorker(...stale), ferdie, 'StaleAnchor');
  });
});
