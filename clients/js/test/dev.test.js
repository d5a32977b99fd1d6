// The launch configuration itself: `teeid-node --dev` produces a block every six seconds with
// Aura, finalizes it with GRANDPA, and a signed transfer is included and finalized.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/api';
import { connect, startNode, submitFinalized } from '../lib/node-process.js';

describe('teeid-node --dev (Aura + GRANDPA)', () => {
  let node, api;

  before(async () => {
    node = await startNode(['--dev']);
    api = await connect(node.url);
  });

  after(async () => {
    await api?.disconnect();
    await node?.stop();
  });

  it('includes and finalizes a signed transfer', async () => {
    const keyring = new Keyring({ type: 'sr25519' });
    const alice = keyring.addFromUri('//Alice');
    const dave = keyring.addFromUri('//Dave');
    const before = (await api.query.system.account(dave.address)).data.free.toBigInt();
    const { blockHash, dispatchError } = await submitFinalized(
      api, api.tx.balances.transferKeepAlive(dave.address, 10n ** 12n), alice);
    assert.equal(dispatchError, undefined);
    const after = (await api.query.system.account(dave.address)).data.free.toBigInt();
    assert.equal(after - before, 10n ** 12n);

    // Blocks are authored in distinct six-second Aura slots, and each block's timestamp lies
    // in its slot. (The timestamp is the author's clock when it builds, not the slot start, so
    // the gap between two blocks is about, not exactly, 6,000 ms.)
    const number = (await api.rpc.chain.getHeader(blockHash)).number.toNumber();
    const slotAndTime = async (n) => {
      const at = await api.at(await api.rpc.chain.getBlockHash(n));
      return [(await at.query.aura.currentSlot()).toNumber(), (await at.query.timestamp.now()).toNumber()];
    };
    if (number >= 2) {
      const [slot, now] = await slotAndTime(number);
      const [previousSlot] = await slotAndTime(number - 1);
      assert.ok(slot > previousSlot, `slot ${slot} after ${previousSlot}`);
      assert.equal(Math.floor(now / 6000), slot, `timestamp ${now} in slot ${slot}`);
    }
    assert.equal((await api.call.auraApi.slotDuration()).toNumber(), 6000);
    const health = await api.rpc.system.health();
    assert.equal(health.isSyncing.isFalse, true);
  });
});
