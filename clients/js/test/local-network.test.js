// `--chain local`: Alice and Bob run two teeid-node processes on loopback, produce blocks with
// Aura and finalize them with GRANDPA together. The chain has no sudo: its committee (Alice, Bob
// and Charlie) governs by motions and votes. It lists no device certifier at genesis: no device
// joins until the committee lists the network's own. The validator set changes by the committee
// too: Charlie joins, and Bob's removal follows once Charlie is queued (about four minutes: a
// change takes effect two one-minute sessions after it is made). A DID then resolves through a
// light client (smoldot, in `teeid-resolve --light`) exactly as through a node's RPC.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Keyring } from '@polkadot/api';
import { u8aToHex } from '@polkadot/util';
import { cleanup, connect, explainError, rpcRequest, runNodeCommand, startNode, submitOk, tempDir, waitFor } from '../lib/node-process.js';
import { didOf, keyOf, resolveDid, resolveDidLight } from '../lib/did.js';
import { committeeOk } from '../lib/governance.js';
import {
  DeviceCertifier, deviceKey, finalizedAnchor, networkKeyFingerprint, TestTee
} from '../lib/attestation.js';

describe('teeid-node --chain local: two validators, a committee, no sudo', () => {
  let alice, bob, charlie, aliceApi, bobApi, charlieApi, dirs;

  before(async () => {
    dirs = [tempDir(), tempDir(), tempDir()];
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
    await charlieApi?.disconnect();
    await charlie?.stop();
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

  it('has no sudo: the committee allowlists code, lists a certifier and bootstraps a worker', async () => {
    const api = aliceApi;
    const keyring = new Keyring({ type: 'sr25519' });
    const [alice, bob, charlie] = ['//Alice', '//Bob', '//Charlie'].map((uri) => keyring.addFromUri(uri));
    assert.ok((await api.query.sudo.key()).isNone, 'no sudo key');
    assert.deepEqual((await api.query.committee.members()).map(String).sort(),
      [alice, bob, charlie].map((pair) => pair.address).sort());
    assert.equal((await api.call.attestationApi.deviceCertifiers()).length, 0);
    assert.ok((await api.call.attestationApi.simulationEnabled()).isFalse);
    // An OP-TEE device, certified by the network's provisioning authority, bootstrapped by the
    // committee as the chain's first worker.
    const measurement = new Uint8Array(32).fill(0xc0);
    const networkKey = new Uint8Array(32).fill(0x4e);
    const certifier = new DeviceCertifier(new Uint8Array(32).fill(0xce));
    const hardware = new TestTee(new Uint8Array(32).fill(1), deviceKey(2048), {
      platform: 'OpTee', measurement, networkKey: networkKeyFingerprint(networkKey), certifier
    });
    const report = hardware.report(api, alice.address, await finalizedAnchor(api));
    const bootstrap = api.tx.attestation.bootstrapWorker(report, hardware.signReport(report), networkKey);

    // One member alone cannot allow code: a motion of one aye executes with too few.
    await assert.rejects(committeeOk(api, api.tx.attestation.allowCode(measurement, 1_000_000), [alice], { threshold: 1 }),
      /BadOrigin/i);
    // Two of three allow the code; the bootstrap that follows is refused: nobody listed the
    // certifier.
    const events = await committeeOk(api, api.tx.utility.batch([api.tx.attestation.allowCode(measurement, 1_000_000), bootstrap]), [alice, bob]);
    const interrupted = events.find(({ event }) => api.events.utility.BatchInterrupted.is(event))?.event.data;
    assert.ok(interrupted, 'the batch stopped at the bootstrap');
    assert.deepEqual([interrupted.index.toNumber(), explainError(api, interrupted.error)], [1, 'attestation.UncertifiedDevice']);

    // Two of three (others this time) list it for OP-TEE devices, and the same device joins.
    await committeeOk(api, api.tx.utility.batchAll([api.tx.attestation.addDeviceCertifier(certifier.key, 'OpTee'), bootstrap]), [bob, charlie]);
    const worker = (await api.call.attestationApi.worker(hardware.key)).unwrap();
    assert.deepEqual([worker.active.isTrue, worker.certified.isTrue, worker.info.platform.toString()], [true, true, 'OpTee']);
    assert.equal(worker.info.certifier.toHex(), u8aToHex(certifier.key));
  });

  it('adds a third validator and removes one through the committee, and keeps finalizing', { timeout: 900_000 }, async () => {
    const api = aliceApi;
    const keyring = new Keyring({ type: 'sr25519' });
    const [aliceKey, bobKey, charlieKey] = ['//Alice', '//Bob', '//Charlie'].map((uri) => keyring.addFromUri(uri));
    const validators = async () => (await api.query.session.validators()).map(String).sort();
    assert.deepEqual(await validators(), [aliceKey.address, bobKey.address].sort());

    // Charlie runs a validator node whose session keys are new, made by the node itself, with a
    // proof that Charlie's account owns them.
    const peerId = (await api.rpc.system.localPeerId()).toString();
    charlie = await startNode(['--chain', 'local', '--validator', '--name', 'Charlie', '--base-path', dirs[2],
      '--node-key', (3).toString(16).padStart(64, '0'), '--bootnodes', `/ip4/127.0.0.1/tcp/${alice.p2pPort}/p2p/${peerId}`]);
    charlieApi = await connect(charlie.url);
    const { keys, proof } = await rpcRequest(charlie.url, 'author_rotateKeysWithOwner', [u8aToHex(charlieKey.publicKey)]);
    // Registered first (the runtime's tests check that an unregistered one is refused).
    await submitOk(api, api.tx.session.setKeys(keys, proof), charlieKey);
    await committeeOk(api, api.tx.collatorSelection.addInvulnerable(charlieKey.address), [aliceKey, bobKey]);
    assert.deepEqual((await api.query.collatorSelection.invulnerables()).map(String).sort(),
      [aliceKey.address, bobKey.address, charlieKey.address].sort());

    /**
     * Waits until the session's validators are `expected`, then until blocks since are
     * finalized from every one of them (at least three blocks); returns their authors.
     */
    const finalizedNumber = async () => (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
    const settles = async (expected, what) => {
      await waitFor(async () => JSON.stringify(await validators()) === JSON.stringify(expected.sort()),
        { timeoutMs: 300_000, everyMs: 2000, what });
      const from = (await api.rpc.chain.getHeader()).number.toNumber();
      const authors = new Set();
      await waitFor(async () => {
        const finalized = await finalizedNumber();
        for (let n = from + 1; n <= finalized; n++) {
          authors.add((await api.derive.chain.getHeader(await api.rpc.chain.getBlockHash(n))).author.toString());
        }
        return finalized >= from + 3 && expected.every((who) => authors.has(who));
      }, { timeoutMs: 300_000, everyMs: 2000, what: `blocks by each validator finalized after ${what}` });
      return authors;
    };
    // A change made during session n takes effect at the start of session n + 2 (queued at
    // n + 1). Bob's removal waits until Charlie is queued, so the three validate together for
    // a session, and costs no session of its own.
    await waitFor(async () => (await api.query.session.queuedKeys()).some(([who]) => who.toString() === charlieKey.address),
      { timeoutMs: 180_000, everyMs: 2000, what: 'Charlie queued as a validator' });
    await committeeOk(api, api.tx.collatorSelection.removeInvulnerable(bobKey.address), [aliceKey, charlieKey]);
    // The three produce blocks together, and GRANDPA finalizes them with all three votes.
    await settles([aliceKey.address, bobKey.address, charlieKey.address], 'Charlie in the validator set');

    // Bob leaves: Alice and Charlie go on producing and finalizing (two of two).
    const authors = await settles([aliceKey.address, charlieKey.address], 'Bob out of the validator set');
    assert.ok(!authors.has(bobKey.address), 'Bob authors nothing once out');
    assert.equal((await api.query.aura.authorities()).length, 2);
  });

  // The light client syncs from the three nodes with GRANDPA's warp proofs (across the
  // validator set changes above) and checks every storage value and runtime call it reads
  // against the finalized headers: the same documents and history as the node's RPC gives.
  it('resolves a DID through a light client, the same as through RPC', { timeout: 600_000 }, async () => {
    const api = aliceApi;
    const dave = new Keyring({ type: 'sr25519' }).addFromUri('//Dave');
    const did = didOf(dave.address);
    await submitOk(api, api.tx.did.create([keyOf('auth', dave)], null), dave);
    const { blockHash } = await submitOk(api, api.tx.did.setAttribute(dave.address, 'name', 'Dave', 1000), dave);
    const changed = (await api.rpc.chain.getHeader(blockHash)).number.toNumber();

    const built = runNodeCommand(['build-spec', '--chain', 'local', '--raw', '--disable-default-bootnode']);
    assert.equal(built.status, 0, built.stderr);
    const spec = JSON.parse(built.stdout);
    spec.bootNodes = await Promise.all([[alice, aliceApi], [bob, bobApi], [charlie, charlieApi]].map(async ([node, nodeApi]) =>
      `/ip4/127.0.0.1/tcp/${node.p2pPort}/p2p/${(await nodeApi.rpc.system.localPeerId()).toString()}`));
    const specPath = join(dirs[0], 'local-raw.json');
    writeFileSync(specPath, JSON.stringify(spec));

    // At the block of the last change (final), then the whole history: the node's answers.
    const at = ['--at', String(changed)];
    const light = resolveDidLight(specPath, [did, ...at]);
    assert.equal(light.status, 0, light.stderr);
    assert.deepEqual(light.json, resolveDid(alice.rpcPort, [did, ...at]).json);
    assert.deepEqual(light.json.didDocumentMetadata.attributes.map((a) => [a.name, a.value]), [['name', 'Dave']]);
    const history = resolveDidLight(specPath, [did, '--history']);
    assert.equal(history.status, 0, history.stderr);
    assert.deepEqual(history.json, resolveDid(alice.rpcPort, [did, '--history']).json);
    // Now: the light client resolves at the finalized head it synced to.
    const now = resolveDidLight(specPath, [did]);
    assert.equal(now.status, 0, now.stderr);
    const finalizedAt = now.json.didResolutionMetadata.resolvedAtBlock;
    assert.ok(finalizedAt >= changed, `resolved at ${finalizedAt}, the DID changed at ${changed}`);
    assert.deepEqual(now.json, resolveDid(alice.rpcPort, [did, '--at', String(finalizedAt)]).json);
    // A block it has not seen finalized is refused, not guessed.
    const future = resolveDidLight(specPath, [did, '--at', String(finalizedAt + 1_000)]);
    assert.notEqual(future.status, 0);
    assert.match(future.stderr, /past the light client's finalized head/);
  });
});
