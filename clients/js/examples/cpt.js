// Register a CPT (Claim Protocol Type): the JSON Schema of a kind of credential.
//
//   npm run example:cpt
//
// A new account creates its DID and, in the same batch, registers a CPT in the normal range
// (any DID may; the system and authority ranges need roles), then reads it back through the
// `CptApi` runtime API: the chain stores the schema in canonical JSON (RFC 8785).

import { createDid, eventsOf, fundedAccounts, run, send, step } from './common.js';

/** The schema of a club membership credential. */
const MEMBERSHIP = {
  type: 'object',
  title: 'Membership',
  properties: {
    club: { type: 'string' },
    since: { type: 'integer', minimum: 1900 }
  },
  required: ['club']
};

run(async (api) => {
  const { publisher } = await fundedAccounts(api, ['publisher']);

  step(`creating did:teeid:${publisher.address} and registering the Membership CPT in one batch`);
  // Every CPT call acts as the caller's DID: `batchAll` creates it first, in the same block.
  const { blockNumber, events } = await send(api, api.tx.utility.batchAll([
    createDid(api, publisher),
    api.tx.cpt.registerCpt('Normal', null, 'Membership', 'A club membership', JSON.stringify(MEMBERSHIP, null, 2))
  ]), publisher);
  const [registered] = eventsOf(events, 'cpt', 'CptRegistered');
  const id = registered.id.toNumber();

  const cpt = (await api.call.cptApi.cpt(id)).unwrap();
  step(`CPT ${id} version ${cpt.version}, schema hash ${cpt.schemaHash.toHex()}`);

  return {
    id,
    block: blockNumber,
    range: cpt.range.toString(),
    publisher: cpt.publisher.toString(),
    title: cpt.title.toUtf8(),
    version: cpt.version.toNumber(),
    schema: JSON.parse(cpt.schema.toUtf8()),
    canonical: cpt.schema.toUtf8(),
    deposit: cpt.deposit.toString()
  };
});
