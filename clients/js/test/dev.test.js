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

    // Blocks are six seconds apart (the Aura slot) and carry Alice's seal.
    const number = (await api.rpc.chain.getHeader(blockHash)).number.toNumber();
    const at = async (n) => (await api.at(await api.rpc.chain.getBlockHash(n))).query.timestamp.now();
    if (number >= 2) {
      const gap = (await at(number)).toNumber() - (await at(number - 1)).toNumber();
      assert.equal(gap % 6000, 0, `block gap ${gap} ms`);
    }
    assert.equal((await api.call.auraApi.slotDuration()).toNumber(), 6000);
    const health = await api.rpc.system.health();
    assert.equal(health.isSyncing.isFalse, true);
  });
});
