// The chain foundation, driven through polkadot.js with no custom types: metadata decoding,
// a signed transfer, sudo, utility batches and `CheckMetadataHash` on an instant-seal node.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/api';
import { u8aToHex } from '@polkadot/util';
import { merkleizeMetadata } from '@polkadot-api/merkleize-metadata';
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
    for (const name of ['System', 'Timestamp', 'Aura', 'Grandpa', 'Balances', 'TransactionPayment', 'Sudo', 'Utility',
      'Committee', 'CommitteeMembership', 'Preimage', 'Whitelist', 'CollatorSelection', 'Session']) {
      assert.ok(pallets.includes(name), `pallet ${name} in ${pallets}`);
    }
    // The signed extensions, including CheckMetadataHash, come from metadata alone.
    assert.ok(api.registry.signedExtensions.includes('CheckMetadataHash'), api.registry.signedExtensions.join());
    // Runtime APIs are described in metadata too: polkadot.js builds `api.call` from them.
    const nonce = await api.call.accountNonceApi.accountNonce(alice.address);
    assert.equal(typeof nonce.toNumber(), 'number');
    const presets = await api.call.genesisBuilder.presetNames();
    assert.deepEqual(presets.map((p) => p.toString()).sort(), ['development', 'local_testnet', 'production']);
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

  // The `CheckMetadataHash` extension as a wallet uses it (RFC 78, Ledger's generic app,
  // polkadot.js `mode: 1`): the wallet merkleizes the chain's metadata V15 with the token symbol
  // and decimals from the chain's `system_properties` and signs that digest. The runtime's build
  // computed its own digest at compile time; this suite checks, with an independent
  // implementation (`@polkadot-api/merkleize-metadata`) and nothing hard-coded, that the two
  // agree, so that a transaction signed in mode 1 goes through and a wrong digest is refused.
  describe('CheckMetadataHash as a wallet uses it', () => {
    let eve, metadataV15, properties;

    before(async () => {
      eve = new Keyring({ type: 'sr25519' }).addFromUri('//Eve');
      // What a wallet fetches: the metadata V15 (the version RFC 78 merkleizes, the one the
      // runtime's build hashed) and the chain's properties.
      metadataV15 = (await api.call.metadata.metadataAtVersion(15)).unwrap().toU8a(true);
      properties = await api.rpc.system.properties();
    });

    /** The digest of the chain's metadata V15 with `extra` overriding the chain's own values. */
    function digest (extra = {}) {
      const merkleized = merkleizeMetadata(metadataV15, {
        tokenSymbol: properties.tokenSymbol.unwrap()[0].toString(),
        decimals: properties.tokenDecimals.unwrap()[0].toNumber(),
        // Hints: the library checks them against the metadata and throws on a mismatch, so the
        // properties' SS58 prefix and the runtime version agree with the metadata too.
        base58Prefix: properties.ss58Format.unwrap().toNumber(),
        specName: api.runtimeVersion.specName.toString(),
        specVersion: api.runtimeVersion.specVersion.toNumber(),
        ...extra
      });
      return u8aToHex(merkleized.digest());
    }

    /**
     * `submitFinalized` (lib/node-process.js) with signer options: signs `tx` with `options`
     * (here `mode` and `metadataHash`, which polkadot.js puts in the signed payload), submits it
     * and resolves once it is finalized; rejects if the node refuses it.
     */
    function signAndFinalize (tx, signer, options) {
      return new Promise((resolve, reject) => {
        let unsub;
        tx.signAndSend(signer, options, (result) => {
          const { status, events, dispatchError } = result;
          if (status.isInvalid || status.isDropped || status.isUsurped || status.isFinalityTimeout) {
            unsub?.();
            reject(new Error(`transaction ${status.type}`));
          } else if (status.isFinalized) {
            unsub?.();
            resolve({ blockHash: status.asFinalized, events, dispatchError });
          }
        }).then((u) => { unsub = u; }, reject);
      });
    }

    const freeOf = async (address) => (await api.query.system.account(address)).data.free.toBigInt();

    it('includes a transfer signed in mode 1 with the digest of the chain\'s own properties', async (t) => {
      const metadataHash = digest();
      t.diagnostic(`metadata digest (${properties.tokenSymbol.unwrap()[0]}, ${properties.tokenDecimals.unwrap()[0]} decimals): ${metadataHash}`);

      const amount = 987_654_321n;
      const before = await freeOf(eve.address);
      const tx = api.tx.balances.transferKeepAlive(eve.address, amount);
      const { blockHash, events, dispatchError } = await signAndFinalize(tx, alice, { mode: 1, metadataHash });
      assert.equal(dispatchError, undefined);
      assert.ok(events.some(({ event }) => api.events.system.ExtrinsicSuccess.is(event)));
      assert.equal(await freeOf(eve.address) - before, amount);

      // The block holds it as sent: the extension in mode 1 (the digest itself is signed, not sent).
      const { block } = await api.rpc.chain.getBlock(blockHash);
      const included = block.extrinsics.find((extrinsic) => extrinsic.hash.eq(tx.hash));
      assert.ok(included, 'the transfer in its block');
      assert.equal(included.mode.toNumber(), 1);
    });

    it('refuses a transfer signed in mode 1 with a wrong digest', async (t) => {
      // The digest a wallet gets with another token symbol (the runtime's build once hashed
      // "UNIT" while the chain advertised its real symbol): the runtime checks the signature
      // against its own digest, so it does not verify.
      const wrong = digest({ tokenSymbol: 'UNIT' });
      assert.notEqual(wrong, digest());
      t.diagnostic(`wrong digest (UNIT): ${wrong}`);

      const before = await freeOf(eve.address);
      const nonce = await api.call.accountNonceApi.accountNonce(alice.address);
      await assert.rejects(
        signAndFinalize(api.tx.balances.transferKeepAlive(eve.address, 1_000n), alice, { mode: 1, metadataHash: wrong }),
        /bad signature/
      );
      assert.equal(await freeOf(eve.address), before);
      assert.ok((await api.call.accountNonceApi.accountNonce(alice.address)).eq(nonce));
    });
  });
});
