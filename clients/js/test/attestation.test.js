// TEE worker registration end to end on an instant-seal dev node: root bootstraps worker 1
// with the network key, worker 2 joins by a quadruple endorsed by worker 1 and reports work
// each slot, a replayed registration is refused, worker 2 signs for a DID while bound, once it
// stops reporting it becomes inactive and its binding stops counting, and a registration whose
// anchor has gone stale is refused. The TEEs are test doubles (lib/attestation.js) that sign real reports.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/api';
import { u8aToHex } from '@polkadot/util';
import { cleanup, connect, startNode, sudoOk, submitOk, submitRefused, tempDir } from '../lib/node-process.js';
import { keyOf } from '../lib/did.js';
import { bestAnchor, deviceKey, networkKeyFingerprint, quadruple, TestTee } from '../lib/attestation.js';

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
    await ok(api.tx.did.create([keyOf('auth', eve)], null), eve);
    // Worker 2 must still be active: report the current slot first.
    const slot = (await api.call.attestationApi.currentSlot()).toNumber();
    const slotHash = await api.rpc.chain.getBlockHash(slot * slotLength);
    await ok(api.tx.attestation.submitWorkReport(...two.workReport(api, { slot, slotStart: slot * slotLength, slotHash })), eve);
    await refused(api.tx.attestation.bindSigner(eve.address, two.key), ferdie, 'NotController');
    await ok(api.tx.attestation.bindSigner(eve.address, two.key), eve);

    const keyId = `tee-${u8aToHex(two.key).slice(2)}`;
    const keyIds = async () => (await api.call.didApi.resolve(eve.address)).unwrap().toJSON().keys.map((k) => k.id);
    const asText = (ids) => ids.map((id) => Buffer.from(id.slice(2), 'hex').toString());
    assert.ok(asText(await keyIds()).includes(keyId));
    let [signer] = await api.call.attestationApi.signers(eve.address);
    assert.ok(signer.counts.isTrue);
    assert.deepEqual((await api.call.attestationApi.signsFor(two.key)).map(String), [eve.address]);

    // Worker 2 stops: after MissedSlots slots without a report it is inactive.
    const deadline = (await worker(two)).info.deadline.toNumber();
    await blocksUntil(deadline * slotLength);
    const info = await worker(two);
    assert.ok(info.active.isFalse);
    assert.ok(info.info.status.isInactive);
    assert.equal(info.info.status.asInactive.since.toNumber(), deadline);
    [signer] = await api.call.attestationApi.signers(eve.address);
    assert.ok(signer.counts.isFalse);
    assert.ok(!asText(await keyIds()).includes(keyId));
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
