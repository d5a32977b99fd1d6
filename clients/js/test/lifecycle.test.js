// Manual sealing, persistence across restarts with --base-path, and the standard subcommands.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Keyring } from '@polkadot/api';
import { encodeAddress } from '@polkadot/util-crypto';
import { cleanup, connect, runNodeCommand, startNode, submitOk, tempDir, waitFor } from '../lib/node-process.js';
import { simulatedCertifier } from '../lib/attestation.js';
import { provisionDevice, startWorker } from '../lib/worker.js';

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

  it('builds a production chain from a genesis patch, whose committee bootstraps a worker', { timeout: 600_000 }, async () => {
    const keyring = new Keyring({ type: 'sr25519' });
    const [dave, eve] = ['//Dave', '//Eve'].map((uri) => keyring.addFromUri(uri));
    const daveGrandpa = new Keyring({ type: 'ed25519' }).addFromUri('//Dave');
    const patch = join(dir, 'network.json');
    const network = {
      name: 'Consortium',
      id: 'consortium',
      collatorSelection: { invulnerables: [dave.address] },
      session: { keys: [[dave.address, dave.address, { aura: dave.address, grandpa: daveGrandpa.address }]] },
      committeeMembership: { members: [dave.address, eve.address] },
      balances: { balances: [[dave.address, 1e18], [eve.address, 1e18]] },
      // So that a simulated TA may be its first worker here; a real network lists its own
      // certifiers and leaves the simulation off.
      attestation: { simulation: true, deviceCertifiers: [[encodeAddress(simulatedCertifier.key), 'Simulated']] }
    };
    // Without validators or a committee there is no chain to build.
    for (const missing of ['collatorSelection', 'session', 'committeeMembership']) {
      writeFileSync(patch, JSON.stringify({ ...network, [missing]: undefined }));
      const refused = runNodeCommand(['build-spec', '--chain', `production:${patch}`]);
      assert.notEqual(refused.status, 0);
      assert.match(refused.stderr, /a production chain needs its/);
    }
    // Nor with a sudo key, or with no member able to pay for a motion.
    for (const [careless, message] of [
      [{ ...network, sudo: { key: dave.address } }, /has no sudo key/],
      [{ ...network, balances: { balances: [] } }, /needs a funded committee member/]
    ]) {
      writeFileSync(patch, JSON.stringify(careless));
      const refused = runNodeCommand(['build-spec', '--chain', `production:${patch}`]);
      assert.notEqual(refused.status, 0);
      assert.match(refused.stderr, message);
    }
    writeFileSync(patch, JSON.stringify(network));
    const built = runNodeCommand(['build-spec', '--chain', `production:${patch}`, '--raw', '--disable-default-bootnode']);
    assert.equal(built.status, 0, built.stderr);
    const spec = join(dir, 'consortium.json');
    writeFileSync(spec, built.stdout);
    assert.deepEqual([JSON.parse(built.stdout).id, JSON.parse(built.stdout).chainType], ['consortium', 'Live']);

    // Dave alone validates it: blocks are produced and finalized, and nobody holds sudo.
    const node = await startNode(['--chain', spec, '--dave', '--tmp', '--node-key', '3'.padStart(64, '0')]);
    const api = await connect(node.url);
    const workerDir = tempDir();
    let worker;
    try {
      await waitFor(async () => (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber() >= 1,
        { what: 'a finalized block of the production chain' });
      assert.ok((await api.query.sudo.key()).isNone);
      assert.deepEqual((await api.query.committee.members()).map(String).sort(), [dave.address, eve.address].sort());

      // Dave, a committee member, runs the first worker with --bootstrap: it proposes allowing
      // its code and bootstrapping it as one motion, votes aye, and waits; Eve votes aye, and
      // the worker closes the motion (two of two: a majority) and registers.
      provisionDevice(workerDir, api);
      const starting = startWorker({ chain: node.url, operator: '//Dave', dataDir: workerDir, extra: ['--bootstrap'] });
      starting.catch(() => {});
      const [hash] = await waitFor(async () => {
        const [proposal] = await api.query.committee.proposals();
        const voting = proposal && (await api.query.committee.voting(proposal)).unwrapOr(null);
        return voting?.ayes.length === 1 && [proposal, voting.index];
      }, { what: "the worker's motion with its own aye", timeoutMs: 180_000 });
      const { index } = (await api.query.committee.voting(hash)).unwrap();
      await submitOk(api, api.tx.committee.vote(hash, index, true), eve);
      worker = await starting;
      const health = await (await fetch(`${worker.url}/health`)).json();
      const registered = (await api.call.attestationApi.worker(health.worker)).unwrap();
      assert.deepEqual([registered.active.isTrue, registered.info.operator.toString()], [true, dave.address]);
      assert.ok(worker.logs.join('').includes('voted aye: waiting for the other members'));
    } finally {
      await worker?.stop();
      cleanup(workerDir);
      await api.disconnect();
      await node.stop();
    }
  });
});
