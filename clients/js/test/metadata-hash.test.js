// The `CheckMetadataHash` extension as a wallet uses it (RFC 78, Ledger's generic app,
// polkadot.js `mode: 1`): the wallet merkleizes the chain's metadata V15 with the token symbol
// and decimals from the chain's `system_properties` and signs that digest. The runtime's build
// computed its own digest at compile time; this suite checks, with an independent
// implementation (`@polkadot-api/merkleize-metadata`) and nothing hard-coded, that the two
// agree, so that a transaction signed in mode 1 goes through and a wrong digest is refused.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/api';
import { u8aToHex } from '@polkadot/util';
import { merkleizeMetadata } from '@polkadot-api/merkleize-metadata';
import { cleanup, connect, startNode, tempDir } from '../lib/node-process.js';

describe('CheckMetadataHash on teeid-node --dev --sealing instant', () => {
  let node, api, dir, alice, eve, metadataV15, properties;

  before(async () => {
    dir = tempDir();
    node = await startNode(['--dev', '--sealing', 'instant', '--base-path', dir]);
    api = await connect(node.url);
    const keyring = new Keyring({ type: 'sr25519' });
    alice = keyring.addFromUri('//Alice');
    eve = keyring.addFromUri('//Eve');
    // What a wallet fetches: the metadata V15 (the version RFC 78 merkleizes, the one the
    // runtime's build hashed) and the chain's properties.
    metadataV15 = (await api.call.metadata.metadataAtVersion(15)).unwrap().toU8a(true);
    properties = await api.rpc.system.properties();
  });

  after(async () => {
    await api?.disconnect();
    await node?.stop();
    cleanup(dir);
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
