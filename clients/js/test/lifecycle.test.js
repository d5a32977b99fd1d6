// Manual sealing, persistence across restarts with --base-path, and the standard subcommands.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Keyring } from '@polkadot/api';
import { cleanup, connect, runNodeCommand, startNode, tempDir, waitFor } from '../lib/node-process.js';

describe('teeid-node --sealing manual with a persistent --base-path', () => {
  let dir, bobAddress, transferred;

  before(() => { dir = tempDir(); });
  after(() => cleanup(dir));

  it('seals and finalizes blocks only when asked through engine_* RPCs', async () => {
    const node = await startNode(['--dev', '--sealing', 'manual', '--base-path', dir]);
    const api = await connect(node.url);
    try {
      const keyring = new Keyring({ type: 'sr25519' });
      const alice = keyring.addFromUri('//Alice');
      bobAddress = keyring.addFromUri('//Bob').address;

      assert.equal((await api.rpc.chain.getHeader()).number.toNumber(), 0);
      const before = (await api.query.system.account(bobAddress)).data.free.toBigInt();
      transferred = 5_000_000_000n;
      await api.tx.balances.transferKeepAlive(bobAddress, transferred).signAndSend(alice);
      await waitFor(async () => (await api.rpc.author.pendingExtrinsics()).length === 1,
        { what: 'the transfer in the pool' });

      // Nothing is sealed until asked.
      assert.equal((await api.rpc.chain.getHeader()).number.toNumber(), 0);

      const created = await api.rpc.engine.createBlock(true, false);
      // polkadot.js names the RPC's `hash` field `blockHash` (`hash` is every codec's own hash).
      const hash = created.blockHash;
      assert.equal((await api.rpc.chain.getHeader()).number.toNumber(), 1);
      assert.equal((await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber(), 0);

      assert.ok((await api.rpc.engine.finalizeBlock(hash)).isTrue);
      await waitFor(async () => (await api.rpc.chain.getFinalizedHead()).eq(hash),
        { what: 'block 1 finalized' });
      const after = (await api.query.system.account(bobAddress)).data.free.toBigInt();
      assert.equal(after - before, transferred);

      // Several blocks in a row land in successive Aura slots.
      for (let i = 0; i < 3; i++) await api.rpc.engine.createBlock(true, true);
      assert.equal((await api.rpc.chain.getHeader()).number.toNumber(), 4);
    } finally {
      await api.disconnect();
      assert.equal(await node.stop(), 0, 'a clean shutdown on SIGTERM');
    }
  });

  it('keeps the chain across a restart', async () => {
    const node = await startNode(['--dev', '--sealing', 'manual', '--base-path', dir]);
    const api = await connect(node.url);
    try {
      assert.equal((await api.rpc.chain.getHeader()).number.toNumber(), 4);
      const free = (await api.query.system.account(bobAddress)).data.free.toBigInt();
      assert.ok(free > transferred);
      // Archive state: the state of block 1 is still readable.
      const hash1 = await api.rpc.chain.getBlockHash(1);
      const at1 = await api.at(hash1);
      assert.ok((await at1.query.system.events()).length > 0);
      await api.rpc.engine.createBlock(true, true);
      assert.equal((await api.rpc.chain.getHeader()).number.toNumber(), 5);
    } finally {
      await api.disconnect();
      await node.stop();
    }
  });

  it('exports blocks and purges the chain with the standard subcommands', () => {
    const out = join(dir, 'blocks.json');
    const exported = runNodeCommand(['export-blocks', '--dev', '--base-path', dir, '--from', '1', '--to', '5', out]);
    assert.equal(exported.status, 0, exported.stderr);
    assert.ok(statSync(out).size > 0);
    // One JSON object per block, written back to back.
    const blocks = readFileSync(out, 'utf8').split(/(?<=\})(?=\{"block")/).map((b) => JSON.parse(b));
    assert.deepEqual(blocks.map((b) => parseInt(b.block.header.number, 16)), [1, 2, 3, 4, 5]);

    const chainDir = join(dir, 'chains', 'teeid_dev');
    assert.ok(existsSync(join(chainDir, 'paritydb')), `ParityDB database in ${readdirSync(chainDir)}`);
    const purged = runNodeCommand(['purge-chain', '--dev', '--base-path', dir, '-y']);
    assert.equal(purged.status, 0, purged.stderr);
    assert.ok(!existsSync(join(chainDir, 'paritydb')));
  });

  it('exports the chain specifications and generates keys', () => {
    for (const [chain, name] of [['dev', 'teeid Development'], ['local', 'teeid Local Testnet']]) {
      const spec = runNodeCommand(['export-chain-spec', '--chain', chain]);
      assert.equal(spec.status, 0, spec.stderr);
      const json = JSON.parse(spec.stdout);
      assert.equal(json.name, name);
      assert.equal(json.properties.tokenSymbol, 'TEEID');
    }
    const raw = runNodeCommand(['build-spec', '--chain', 'local', '--raw', '--disable-default-bootnode']);
    assert.equal(raw.status, 0, raw.stderr);
    assert.ok(JSON.parse(raw.stdout).genesis.raw.top);

    const key = runNodeCommand(['key', 'generate', '--output-type', 'json']);
    assert.equal(key.status, 0, key.stderr);
    assert.match(JSON.parse(key.stdout).ss58Address, /^5/);

    const unknown = runNodeCommand(['--chain', 'no-such-chain.json', '--tmp']);
    assert.notEqual(unknown.status, 0);
  });
});
