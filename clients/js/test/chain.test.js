// The chain foundation, driven through polkadot.js with no custom types: metadata decoding,
// a signed transfer, sudo, and utility batches on an instant-seal node.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/api';
import { cleanup, connect, startNode, submitFinalized, tempDir } from '../lib/node-process.js';

describe('teeid-node --dev --sealing instant', () => {
  let node, api, dir, alice, bob, charlie;

  before(async () => {
    dir = tempDir();
    node = await startNode(['--dev', '--sealing', 'instant', '--base-path', dir]);
    api = await connect(node.url);
    const keyring = new Keyring({ type: 'sr25519' });
    alice = keyring.addFromUri('//Alice');
    bob = keyring.addFromUri('//Bob');
    charlie = keyring.addFromUri('//Charlie');
  });

  after(async () => {
    await api?.disconnect();
    await node?.stop();
    cleanup(dir);
  });

  it('serves metadata v15 or newer that describes everything', async () => {
    assert.ok(api.runtimeMetadata.version >= 15, `metadata v${api.runtimeMetadata.version}`);
    assert.equal(api.runtimeVersion.specName.toString(), 'teeid');
    const pallets = api.runtimeMetadata.asLatest.pallets.map((p) => p.name.toString());
    for (const name of ['System', 'Timestamp', 'Aura', 'Grandpa', 'Balances', 'TransactionPayment', 'Sudo', 'Utility']) {
      assert.ok(pallets.includes(name), `pallet ${name} in ${pallets}`);
    }
    // The signed extensions, including CheckMetadataHash, come from metadata alone.
    assert.ok(api.registry.signedExtensions.includes('CheckMetadataHash'), api.registry.signedExtensions.join());
    // Runtime APIs are described in metadata too: polkadot.js builds `api.call` from them.
    const nonce = await api.call.accountNonceApi.accountNonce(alice.address);
    assert.equal(typeof nonce.toNumber(), 'number');
    const presets = await api.call.genesisBuilder.presetNames();
    assert.deepEqual(presets.map((p) => p.toString()).sort(), ['development', 'local_testnet']);
    // Errors, with their documentation, come from metadata.
    const requireSudo = api.errors.sudo.RequireSudo.meta;
    assert.equal(requireSudo.name.toString(), 'RequireSudo');
    assert.ok(requireSudo.docs.length > 0);
    // Chain properties for wallets.
    const props = await api.rpc.system.properties();
    assert.equal(props.tokenSymbol.unwrap()[0].toString(), 'TEEID');
    assert.equal(props.tokenDecimals.unwrap()[0].toNumber(), 12);
  });

  it('transfers from Alice to Bob, with the balance change and the events', async () => {
    const amount = 123_456_789_000n;
    const before = (await api.query.system.account(bob.address)).data.free.toBigInt();
    const { events, dispatchError, blockHash } = await submitFinalized(
      api, api.tx.balances.transferKeepAlive(bob.address, amount), alice);
    assert.equal(dispatchError, undefined);
    const after = (await api.query.system.account(bob.address)).data.free.toBigInt();
    assert.equal(after - before, amount);

    const transfer = events.find(({ event }) => api.events.balances.Transfer.is(event));
    assert.ok(transfer, 'a Balances.Transfer event');
    assert.equal(transfer.event.data.from.toString(), alice.address);
    assert.equal(transfer.event.data.to.toString(), bob.address);
    assert.equal(transfer.event.data.amount.toBigInt(), amount);
    assert.ok(events.some(({ event }) => api.events.transactionPayment.TransactionFeePaid.is(event)));
    assert.ok(events.some(({ event }) => api.events.system.ExtrinsicSuccess.is(event)));

    // The block is finalized and every event in it decodes.
    const finalized = await api.rpc.chain.getFinalizedHead();
    const finalizedNumber = (await api.rpc.chain.getHeader(finalized)).number.toNumber();
    const blockNumber = (await api.rpc.chain.getHeader(blockHash)).number.toNumber();
    assert.ok(finalizedNumber >= blockNumber);
    const all = await (await api.at(blockHash)).query.system.events();
    for (const { event } of all) assert.ok(event.section && event.method);
  });

  it('lets the sudo key act as root and refuses everyone else', async () => {
    const target = 77n * 10n ** 12n;
    const call = api.tx.balances.forceSetBalance(charlie.address, target);

    const ok = await submitFinalized(api, api.tx.sudo.sudo(call), alice);
    const sudid = ok.events.find(({ event }) => api.events.sudo.Sudid.is(event));
    assert.ok(sudid, 'a Sudo.Sudid event');
    assert.ok(sudid.event.data.sudoResult.isOk);
    const free = (await api.query.system.account(charlie.address)).data.free.toBigInt();
    assert.equal(free, target);

    const refused = await submitFinalized(api, api.tx.sudo.sudo(call), bob);
    assert.ok(refused.dispatchError?.isModule, 'a module error');
    const { section, name } = api.registry.findMetaError(refused.dispatchError.asModule);
    assert.equal(`${section}.${name}`, 'sudo.RequireSudo');
  });

  it('batches calls with Utility', async () => {
    const before = (await api.query.system.account(charlie.address)).data.free.toBigInt();
    const batch = api.tx.utility.batchAll([
      api.tx.balances.transferKeepAlive(charlie.address, 1_000_000_000n),
      api.tx.balances.transferKeepAlive(charlie.address, 2_000_000_000n)
    ]);
    const { events, dispatchError } = await submitFinalized(api, batch, alice);
    assert.equal(dispatchError, undefined);
    assert.ok(events.some(({ event }) => api.events.utility.BatchCompleted.is(event)));
    const after = (await api.query.system.account(charlie.address)).data.free.toBigInt();
    assert.equal(after - before, 3_000_000_000n);
  });
});
