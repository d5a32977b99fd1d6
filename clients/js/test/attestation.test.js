// TEE worker registration end to end on an instant-seal dev node: root bootstraps worker 1
// with the network key, worker 2 joins by a quadruple endorsed by worker 1 and reports work
// each slot, a replayed registration is refused, a fabricated device is refused by name (a
// certifier the chain does not list for the platform, another device's certificate, a forged
// certificate signature), root lists and removes device certifiers and a worker counts only
// while its certifier is listed, worker 2 signs for DIDs while bound (its operator's own DID at
// once, another DID once the operator accepted that DID's request; a request can be refused),
// once it stops reporting it becomes inactive and its bindings stop counting until a report
// for the current slot reactivates it, and a registration whose anchor has gone stale is
// refused. The TEEs are test doubles (lib/attestation.js) that sign real reports; their
// devices are certified by the simulated certifier, which dev chains list, or by a certifier
// the test lists.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/api';
import { u8aToHex } from '@polkadot/util';
import { cleanup, connect, startNode, sudoOk, sudoRefused, submitOk, submitRefused, tempDir } from '../lib/node-process.js';
import { keyOf } from '../lib/did.js';
import {
  bestAnchor, certificateOf, countersignaturePayload, DeviceCertifier, deviceKey, endorsementPayload,
  networkKeyFingerprint, quadruple, simulatedCertifier, TestTee
} from '../lib/attestation.js';
import { chainSigningBytes, signingBytes } from '../lib/signing.js';

const MEASUREMENT = new Uint8Array(32).fill(0xc0);
const NETWORK_KEY = new Uint8Array(32).fill(0x4e);
/** The simulated certifier's public key, as teeid_primitives publishes it (`SIMULATED_CERTIFIER`). */
const SIMULATED_CERTIFIER = '0x8f49029e16b37b8ea7538d08518fdc84523c78e58512ec4733e5b6cd42a4cb34';

describe('TEE workers on a dev node', () => {
  let node, api, dir, alice, charlie, dave, eve, ferdie, slotLength;
  const device = deviceKey();
  const tee = (seed, options = {}) => new TestTee(new Uint8Array(32).fill(seed), device, {
    measurement: MEASUREMENT, networkKey: networkKeyFingerprint(NETWORK_KEY), ...options
  });
  const one = tee(1);
  const two = tee(2);
  // An operator's provisioning authority for OP-TEE devices: listed by root during the test.
  const opteeCertifier = new DeviceCertifier(new Uint8Array(32).fill(0xce));

  before(async () => {
    dir = tempDir();
    node = await startNode(['--dev', '--sealing', 'instant', '--base-path', dir]);
    api = await connect(node.url);
    const keyring = new Keyring({ type: 'sr25519' });
    [alice, charlie, dave, eve, ferdie] = ['//Alice', '//Charlie', '//Dave', '//Eve', '//Ferdie']
      .map((uri) => keyring.addFromUri(uri));
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
  const sudoRefusedWith = async (call, name) => assert.equal(await sudoRefused(api, call, alice), `attestation.${name}`);
  const worker = async (t) => (await api.call.attestationApi.worker(t.key)).unwrap();
  const certifiers = async () => (await api.call.attestationApi.deviceCertifiers())
    .map(([certifier, platform]) => [certifier.toHex(), platform.toString()]);
  const eventOf = (events, name) => events.find(({ event }) => api.events.attestation[name].is(event))?.event.data;
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
      ['work_report', workReport],
      ['device_certificate', report.certificate.payload]
    ]) {
      const chain = await chainSigningBytes(api, method, value);
      assert.equal(u8aToHex(signingBytes(api.registry, method, value)), u8aToHex(chain), method);
    }
  });

  it('lets root allow the code and bootstrap worker 1 with the network key', async () => {
    assert.ok((await api.call.attestationApi.simulationEnabled()).isTrue);
    // A dev chain lists the simulated certifier, for simulated devices only.
    assert.equal(u8aToHex(simulatedCertifier.key), SIMULATED_CERTIFIER);
    assert.deepEqual(await certifiers(), [[SIMULATED_CERTIFIER, 'Simulated']]);
    await sudo(api.tx.attestation.allowCode(MEASUREMENT, 1_000_000));
    const report = one.report(api, dave.address, await bestAnchor(api));
    await sudo(api.tx.attestation.bootstrapWorker(report, one.signReport(report), NETWORK_KEY));

    const info = await worker(one);
    assert.ok(info.active.isTrue);
    assert.ok(info.certified.isTrue);
    assert.equal(info.info.certifier.toHex(), SIMULATED_CERTIFIER);
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

  it('refuses a fabricated device by name', async () => {
    const join = async (joiner, name, certificate) => {
      const report = joiner.report(api, ferdie.address, await bestAnchor(api), { certificate });
      await refused(api.tx.attestation.registerWorker(...quadruple(joiner, one, report)), ferdie, name);
    };
    // A device whose certificate a key of the host's own making signed: no certifier the chain lists.
    const hostMade = new DeviceCertifier(new Uint8Array(32).fill(0x66));
    await join(tee(5, { certifier: hostMade }), 'UncertifiedDevice');
    // A made-up device key with the certificate of a genuine device.
    const genuine = deviceKey(2048);
    await join(tee(6), 'BadDeviceCertificate',
      simulatedCertifier.certify(api.registry, { device: genuine, platform: 'Simulated', genesisHash: api.genesisHash }));
    // The genuine certificate of this device, for another chain.
    await join(tee(6), 'BadDeviceCertificate', tee(6).certificate(api.registry, `0x${'11'.repeat(32)}`));
    // A certificate in the simulated certifier's name, signed by another key.
    const { payload, certifier } = tee(7).certificate(api.registry, api.genesisHash);
    await join(tee(7), 'BadCertificateSignature',
      certificateOf(api.registry, { payload, certifier, signature: hostMade.sign(payload) }));
    // An OP-TEE device certified by the simulated certifier, listed for simulated devices only.
    const hardware = tee(8, { platform: 'OpTee' });
    const report = hardware.report(api, ferdie.address, await bestAnchor(api));
    await sudoRefusedWith(api.tx.attestation.bootstrapWorker(report, hardware.signReport(report), NETWORK_KEY), 'UncertifiedDevice');
    assert.equal((await api.call.attestationApi.workerOf(ferdie.address)).isNone, true, 'nothing registered');
  });

  it('lets root list device certifiers, and counts a worker only while its certifier is listed', async () => {
    const certifierHex = u8aToHex(opteeCertifier.key);
    await sudoRefusedWith(api.tx.attestation.removeDeviceCertifier(opteeCertifier.key), 'UnknownDeviceCertifier');
    let events = await sudo(api.tx.attestation.addDeviceCertifier(opteeCertifier.key, 'OpTee'));
    const added = eventOf(events, 'DeviceCertifierAdded');
    assert.deepEqual([added.certifier.toHex(), added.platform.toString()], [certifierHex, 'OpTee']);
    assert.deepEqual((await certifiers()).sort(), [[SIMULATED_CERTIFIER, 'Simulated'], [certifierHex, 'OpTee']].sort());

    // An OP-TEE device it certified joins (root bootstraps it for Charlie) and signs for
    // Charlie's DID.
    const hardware = tee(10, { platform: 'OpTee', certifier: opteeCertifier });
    const report = hardware.report(api, charlie.address, await bestAnchor(api));
    await sudo(api.tx.attestation.bootstrapWorker(report, hardware.signReport(report), NETWORK_KEY));
    let info = await worker(hardware);
    assert.deepEqual([info.active.isTrue, info.certified.isTrue, info.info.platform.toString(), info.info.certifier.toHex()],
      [true, true, 'OpTee', certifierHex]);
    await ok(api.tx.did.create([keyOf('auth', charlie)], null), charlie);
    await ok(api.tx.attestation.bindSigner(charlie.address, hardware.key), charlie);
    let [signer] = await api.call.attestationApi.signers(charlie.address);
    assert.ok(signer.counts.isTrue);

    // The certifier is found compromised: root removes it, and every device it certified stops
    // counting at once.
    events = await sudo(api.tx.attestation.removeDeviceCertifier(opteeCertifier.key));
    assert.equal(eventOf(events, 'DeviceCertifierRemoved').certifier.toHex(), certifierHex);
    assert.deepEqual(await certifiers(), [[SIMULATED_CERTIFIER, 'Simulated']]);
    info = await worker(hardware);
    assert.ok(info.certified.isFalse);
    [signer] = await api.call.attestationApi.signers(charlie.address);
    assert.equal(signer.worker.toHex(), u8aToHex(hardware.key));
    assert.ok(signer.counts.isFalse);
    // No device of that certifier joins any more.
    const next = tee(11, { platform: 'OpTee', certifier: opteeCertifier });
    const late = next.report(api, charlie.address, await bestAnchor(api));
    await sudoRefusedWith(api.tx.attestation.bootstrapWorker(late, next.signReport(late), NETWORK_KEY), 'UncertifiedDevice');
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

  it('makes a bound worker an assertion key of the DID while it reports, and again once it reports after missing slots', async () => {
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

    // Its host comes back (a finality stall is over, say): a report for the current slot makes
    // it active again, and its bindings count again.
    const now = (await api.call.attestationApi.currentSlot()).toNumber();
    const back = two.workReport(api, { slot: now, slotStart: now * slotLength, slotHash: await api.rpc.chain.getBlockHash(now * slotLength) });
    ({ events } = await ok(api.tx.attestation.submitWorkReport(...back), eve));
    const reactivated = eventOf(events, 'WorkerReactivated');
    assert.deepEqual([reactivated.worker.toHex(), reactivated.slot.toNumber()], [u8aToHex(two.key), now]);
    const again = await worker(two);
    assert.deepEqual([again.active.isTrue, again.info.status.isActive, again.info.lastReport.unwrap().toNumber()], [true, true, now]);
    assert.ok(again.info.deadline.toNumber() > now, 'a new deadline');
    for (const who of [eve, ferdie]) {
      [signer] = await api.call.attestationApi.signers(who.address);
      assert.ok(signer.counts.isTrue);
      assert.ok(asText(await keyIds(who)).includes(keyId));
    }
  });

  it('refuses a registration whose anchor has gone stale', async () => {
    const validity = api.consts.attestation.reportValidity.toNumber();
    const anchored = stale[0].payload.anchor.asBlock.number.toNumber();
    await blocksUntil(anchored + validity);
    await refused(api.tx.attestation.registerWorker(...stale), ferdie, 'StaleAnchor');
  });
});
