// `--chain local`: Alice and Bob run two teeid-node processes on loopback, produce blocks with
// Aura and finalize them with GRANDPA together.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, connect, startNode, tempDir, waitFor } from '../lib/node-process.js';

describe('teeid-node --chain local with two validators', () => {
  let alice, bob, aliceApi, bobApi, dirs;

  before(async () => {
    dirs = [tempDir(), tempDir()];
    // Validators of a non-development chain need a network key; fixed ones keep peer ids stable.
    const nodeKey = (n) => ['--node-key', n.toString(16).padStart(64, '0')];
    alice = await startNode(['--chain', 'local', '--alice', '--base-path', dirs[0], ...nodeKey(1)]);
    aliceApi = await connect(alice.url);
    const peerId = (await aliceApi.rpc.system.localPeerId()).toString();
    bob = await startNode(['--chain', 'local', '--bob', '--base-path', dirs[1], ...nodeKey(2),
      '--bootnodes', `/ip4/127.0.0.1/tcp/${alice.p2pPort}/p2p/${peerId}`]);
    bobApi = await connect(bob.url);
  });

  after(async () => {
    await aliceApi?.disconnect();
    await bobApi?.disconnect();
    await bob?.stop();
    await alice?.stop();
    dirs?.forEach(cleanup);
  });

  it('peers, produces blocks from both validators and finalizes them', async () => {
    await waitFor(async () => (await aliceApi.rpc.system.health()).peers.toNumber() === 1,
      { what: 'Alice and Bob to peer' });

    const finalizedOn = async (api) =>
      (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
    await waitFor(async () => (await finalizedOn(aliceApi)) >= 4 && (await finalizedOn(bobApi)) >= 4,
      { timeoutMs: 180_000, everyMs: 1000, what: 'block 4 finalized on both nodes' });

    // Both nodes agree on the finalized chain, and both validators authored blocks of it.
    const hash3 = await aliceApi.rpc.chain.getBlockHash(3);
    assert.equal((await bobApi.rpc.chain.getBlockHash(3)).toHex(), hash3.toHex());
    const authorities = (await aliceApi.query.aura.authorities()).map((a) => a.toString());
    assert.equal(authorities.length, 2);
    const authors = new Set();
    for (let n = 1; n <= 4; n++) {
      const header = await aliceApi.rpc.chain.getHeader(await aliceApi.rpc.chain.getBlockHash(n));
      const preRuntime = header.digest.logs.find((log) => log.isPreRuntime).asPreRuntime;
      const slot = aliceApi.createType('u64', preRuntime[1]).toNumber();
      authors.add(authorities[slot % authorities.length]);
    }
    assert.equal(authors.size, 2, 'Alice and Bob both authored');
  });
});
