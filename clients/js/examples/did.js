// Create a DID and rotate its key, then walk the DID's history back through linked events.
//
//   npm run example:did
//
// A new account creates `did:teeid:<its address>` with an Ed25519 key `key-1`, rotates it to a
// new Ed25519 key `key-2`, reads the current state through the `DidApi` runtime API, and
// follows each event's `previous` block back to the creation.

import { u8aToHex } from '@polkadot/util';
import { mnemonicGenerate } from '@polkadot/util-crypto';
import { keyOf } from '../lib/did.js';
import { eventsOf, fundedAccounts, keyring, run, send, step } from './common.js';

run(async (api) => {
  const { holder } = await fundedAccounts(api, ['holder']);
  const did = `did:teeid:${holder.address}`;
  const ring = keyring();
  // DID keys are keys of their own, not the account's (which only pays and controls).
  const [first, second] = [1, 2].map(() => ring.addFromMnemonic(mnemonicGenerate(), {}, 'ed25519'));

  step(`creating ${did} with key-1 = ${u8aToHex(first.publicKey)}`);
  // The DID's controller is its account unless another is named.
  const created = await send(api, api.tx.did.create([keyOf('key-1', first)], null), holder);

  step(`rotating key-1 to key-2 = ${u8aToHex(second.publicKey)}`);
  const rotated = await send(api, api.tx.did.rotateKey(holder.address, 'key-1', keyOf('key-2', second)), holder);

  const state = (await api.call.didApi.resolve(holder.address)).unwrap();
  // polkadot.js renames struct fields that clash with its own members: `keys` is `keys_`.
  const keys = state.keys_.map((key) => ({ id: key.id.toUtf8(), public: key.public.toJSON() }));
  step(`the DID now has ${keys.map((k) => k.id).join(', ')}; its last change is block ${state.changed}`);

  // The history: every event of this DID names the block of the DID's previous change.
  const history = [];
  let block = state.changed.toNumber();
  while (block) {
    const at = await api.at(await api.rpc.chain.getBlockHash(block));
    const mine = (await at.query.system.events())
      .filter(({ event }) => event.section === 'did' && event.data.did?.toString() === holder.address);
    history.push(...mine.map(({ event }) => ({ block, event: event.method })));
    const previous = mine[0]?.event.data.previous;
    block = previous?.isSome ? previous.unwrap().toNumber() : 0;
  }
  step(`history, newest first: ${history.map((h) => `${h.event} @ ${h.block}`).join(' <- ')}`);

  return {
    did,
    controller: state.controller.toString(),
    created: { block: created.blockNumber, events: eventsOf(created.events, 'did', 'DidCreated').length },
    rotated: { block: rotated.blockNumber, events: eventsOf(rotated.events, 'did', 'KeyRotated').map((e) => e.toHuman()) },
    keys,
    history
  };
});
