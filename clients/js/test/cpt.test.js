// Claim Protocol Types end to end on an instant-seal dev node: the genesis administrator
// (Alice) recognizes an authority issuer (Bob), which publishes a CPT in the authority range;
// an ordinary DID (Charlie) publishes one in the normal range, is refused one in the authority
// range, and publishes version 2 while version 1 stays readable. The canonical form the chain
// stores is checked against an independent RFC 8785 implementation (`canonicalize`).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/api';
import { stringToU8a, u8aToString } from '@polkadot/util';
import { blake2AsHex } from '@polkadot/util-crypto';
import canonicalize from 'canonicalize';
import { cleanup, connect, startNode, submitOk, submitRefused, tempDir } from '../lib/node-process.js';
import { keyOf } from '../lib/did.js';

const SYSTEM = 'System';
const AUTHORITY = 'Authority';
const NORMAL = 'Normal';

/** A JSON Schema for diplomas, pretty-printed as a person would write it. */
const DIPLOMA = JSON.stringify({
  type: 'object',
  title: 'Diploma',
  properties: {
    degree: { type: 'string' },
    graduated: { type: 'string', format: 'date' },
    grade: { type: 'number', minimum: 1.0, maximum: 6.0 },
  },
  required: ['degree', 'graduated'],
}, null, 2);

const MEMBERSHIP_V1 = '{ "type": "object", "properties": { "club": { "type": "string" } } }';
const MEMBERSHIP_V2 = '{ "type": "object", "properties": { "club": { "type": "string" }, "since": { "type": "integer" } } }';

describe('CPTs and authority roles on a dev node', () => {
  let node, api, dir, alice, bob, charlie;

  before(async () => {
    dir = tempDir();
    node = await startNode(['--dev', '--sealing', 'instant', '--base-path', dir]);
    api = await connect(node.url);
    const keyring = new Keyring({ type: 'sr25519' });
    [alice, bob, charlie] = ['//Alice', '//Bob', '//Charlie'].map((uri) => keyring.addFromUri(uri));
    // Everyone acts as a DID: each creates its own.
    for (const who of [alice, bob, charlie]) {
      await ok(api.tx.did.create([keyOf('auth', who)], null), who);
    }
  });

  const ok = (tx, signer) => submitOk(api, tx, signer);
  /** Submits `tx` and expects it to fail with `cpt.<name>`. */
  const refused = async (tx, signer, name) =>
    assert.equal(await submitRefused(api, tx, signer), `cpt.${name}`);

  after(async () => {
    await api?.disconnect();
    await node?.stop();
    cleanup(dir);
  });

  function registered (events) {
    const found = events.find(({ event }) => api.events.cpt.CptRegistered.is(event));
    assert.ok(found, 'a CptRegistered event');
    return found.event.data;
  }

  it('preloads the system CPTs and makes Alice an administrator', async () => {
    const authorization = (await api.call.cptApi.cpt(101)).unwrap();
    assert.equal(u8aToString(authorization.title), 'Authorization');
    assert.equal(authorization.publisher.toString(), alice.address);
    const schema = u8aToString(authorization.schema);
    assert.equal(schema, canonicalize(JSON.parse(schema)));
    const status = await api.call.cptApi.roleStatus(alice.address);
    assert.ok(status.active.isTrue && status.administrator.isTrue);
  });

  it('lets an administrator recognize an authority issuer, which publishes an authority CPT', async () => {
    await ok(api.tx.cpt.applyAuthorityIssuer('Acme University'), bob);
    let status = await api.call.cptApi.roleStatus(bob.address);
    assert.equal(status.authorityIssuer.unwrap().status.toString(), 'Applied');
    // Not recognized yet: no authority CPTs.
    await refused(api.tx.cpt.registerCpt(AUTHORITY, null, 'Diploma', '', DIPLOMA), bob, 'NotAuthorized');

    await ok(api.tx.cpt.recognizeAuthorityIssuer(bob.address), alice);
    status = await api.call.cptApi.roleStatus(bob.address);
    assert.equal(status.authorityIssuer.unwrap().status.toString(), 'Recognized');

    const { events } = await ok(api.tx.cpt.registerCpt(AUTHORITY, null, 'Diploma', 'A university degree', DIPLOMA), bob);
    const event = registered(events);
    assert.equal(event.id.toNumber(), 1000);
    assert.equal(event.publisher.toString(), bob.address);

    // The chain stores the RFC 8785 form and hashes it with blake2-256.
    const cpt = (await api.call.cptApi.cpt(1000)).unwrap();
    const expected = canonicalize(JSON.parse(DIPLOMA));
    assert.equal(u8aToString(cpt.schema), expected);
    assert.equal(cpt.schemaHash.toHex(), blake2AsHex(stringToU8a(expected), 256));
    assert.equal(cpt.range.toString(), AUTHORITY);
    assert.equal(cpt.version.toNumber(), 1);

    // An authority issuer takes the next id: choosing one ahead of the range's cursor (which
    // could end numbering in order for every issuer) is for administrators and the committee.
    await refused(api.tx.cpt.registerCpt(AUTHORITY, 1500, 'Transcript', '', DIPLOMA), bob, 'IdAheadOfCursor');
    const next = await ok(api.tx.cpt.registerCpt(AUTHORITY, null, 'Transcript', '', DIPLOMA), bob);
    assert.equal(registered(next.events).id.toNumber(), 1001);
    assert.equal((await api.call.cptApi.nextCptId(AUTHORITY)).unwrap().toNumber(), 1002);
  });

  it('lets an ordinary DID publish a normal CPT but not an authority or system one', async () => {
    const { events } = await ok(api.tx.cpt.registerCpt(NORMAL, null, 'Membership', 'Club membership', MEMBERSHIP_V1), charlie);
    assert.equal(registered(events).id.toNumber(), 2_000_000);
    await refused(api.tx.cpt.registerCpt(AUTHORITY, null, 'Fake diploma', '', DIPLOMA), charlie, 'NotAuthorized');
    await refused(api.tx.cpt.registerCpt(AUTHORITY, 1600, 'Fake diploma', '', DIPLOMA), charlie, 'NotAuthorized');
    await refused(api.tx.cpt.registerCpt(SYSTEM, null, 'Fake system', '', DIPLOMA), charlie, 'NotAuthorized');
    await refused(api.tx.cpt.registerCpt(NORMAL, 2_000_100, 'Chosen', '', MEMBERSHIP_V1), charlie, 'IdNotChoosable');
    await refused(api.tx.cpt.registerCpt(NORMAL, null, 'Broken', '', '{"type":"object",}'), charlie, 'MalformedSchema');
    await refused(api.tx.cpt.registerCpt(NORMAL, null, 'Array', '', '{"type":"array"}'), charlie, 'NotAnObjectSchema');
    assert.ok((await api.call.cptApi.cpt(2_000_001)).isNone, 'nothing stored by the refused calls');
  });

  it('publishes version 2 while version 1 stays readable', async () => {
    await refused(api.tx.cpt.updateCpt(2_000_000, 'Membership', '', MEMBERSHIP_V2), bob, 'NotAuthorized');
    const { events } = await ok(api.tx.cpt.updateCpt(2_000_000, 'Membership', 'Club membership, with a date', MEMBERSHIP_V2), charlie);
    const updated = events.find(({ event }) => api.events.cpt.CptUpdated.is(event)).event.data;
    assert.equal(updated.version.toNumber(), 2);

    const current = (await api.call.cptApi.cpt(2_000_000)).unwrap();
    assert.equal(current.version.toNumber(), 2);
    assert.equal(u8aToString(current.schema), canonicalize(JSON.parse(MEMBERSHIP_V2)));

    // Version 1: its hash and block from the runtime API, its body from that block's event.
    const v1 = (await api.call.cptApi.cptVersion(2_000_000, 1)).unwrap();
    assert.equal(updated.previous.toNumber(), v1.block.toNumber());
    const v1Hash = await api.rpc.chain.getBlockHash(v1.block);
    const v1Events = await (await api.at(v1Hash)).query.system.events();
    const body = registered(v1Events.filter(({ event }) => event.data.id?.toNumber() === 2_000_000)).schema;
    assert.equal(u8aToString(body), canonicalize(JSON.parse(MEMBERSHIP_V1)));
    assert.equal(blake2AsHex(body, 256), v1.schemaHash.toHex());
    assert.notEqual(v1.schemaHash.toHex(), current.schemaHash.toHex());
    assert.ok((await api.call.cptApi.cptVersion(2_000_000, 3)).isNone);
  });
});
