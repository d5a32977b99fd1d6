// Evidence throughput on an instant-seal dev node: single-hash evidence extrinsics per second,
// Merkle-batch anchors per second (and what the runtime's block weight allows on the 6-second
// chain), and the latency of a batch proof check through the runtime API.
//
//   npm run bench:evidence -- [--count 1000] [--anchors 200] [--accounts 10] [--repeat 3]
//
// Throughput: the extrinsics are signed offline first (explicit nonces, immortal, so that
// none turns stale however many blocks the run takes), then all submitted with
// `author_submitExtrinsic` without waiting between them; the clock runs from the first send
// until the header of the block holding the last one reaches the client. An instant-seal node
// seals a block whenever a transaction enters the pool, so the figure is what the node can
// import, execute and seal, not what a 6-second Aura chain allows: the block-weight figures
// (`capacity`) give that.
//
// Prints one JSON object:
//   { evidence: { count, accounts, runs: [{ seconds, perSecond, blocks, perBlock }], perSecond: stats },
//     anchors: { count, leaves, runs: [...], perSecond: stats },
//     capacity: { blockSeconds, normalMaxTotal, baseExtrinsic, createEvidence: {...}, anchorBatch: {...},
//                 blockFill: { byWeight: {...}, byLength: {...} } },
//     proof: { leaves, position, lemmas, scaleBytes, latencyMs: stats } }

import { Keyring } from '@polkadot/api';
import { compactAddLength } from '@polkadot/util';
import { randomAsU8a } from '@polkadot/util-crypto';
import { connect, startNode, submitOk, tempDir } from '../lib/node-process.js';
import { keyOf } from '../lib/did.js';
import { signEvidence } from '../lib/evidence.js';
import { buildTree, prove } from '../lib/merkle.js';
import {
  fundedAccounts, onExit, options, positiveInteger, progress, removeDir, run, stats, timeRuns, watchBlocks
} from './common.js';

const USAGE = `usage: node bench/evidence.js [--count N] [--anchors M] [--accounts A] [--repeat R]
  --count N      createEvidence extrinsics per run (default 1000)
  --anchors M    anchorBatch extrinsics per run (default 200)
  --accounts A   funded accounts with DIDs that sign and send them (default 10)
  --repeat R     runs of each throughput measurement; medians are reported (default 3)
  --samples S    timed proof checks after 5 warm-ups (default 50)`;

/** Leaves declared by every anchored batch of the throughput run: 2^20. */
const LEAVES = 2 ** 20;
/** The real batch whose proof is checked. */
const PROOF_BATCH = 1024;

run(USAGE, async () => {
  const opts = options({
    count: { type: 'string', default: '1000' },
    anchors: { type: 'string', default: '200' },
    accounts: { type: 'string', default: '10' },
    repeat: { type: 'string', default: '3' },
    samples: { type: 'string', default: '50' }
  });
  const count = positiveInteger('count', opts.count);
  const anchorCount = positiveInteger('anchors', opts.anchors);
  const accountCount = positiveInteger('accounts', opts.accounts);
  const repeat = positiveInteger('repeat', opts.repeat);
  const samples = positiveInteger('samples', opts.samples);

  const dir = tempDir('teeid-bench-');
  onExit(() => removeDir(dir));
  progress('starting an instant-seal dev node');
  const node = await startNode(['--dev', '--sealing', 'instant', '--base-path', dir]);
  onExit(() => node.child.kill('SIGKILL'));
  const api = await connect(node.url);
  const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');

  progress(`funding ${accountCount} accounts and creating their DIDs`);
  const accounts = await fundedAccounts(api, alice, accountCount, 10_000);
  await Promise.all(accounts.map((pair) => submitOk(api, api.tx.did.create([keyOf('auth', pair)], null), pair)));

  const capacity = await blockCapacity(api, accounts[0]);
  progress(`block capacity: ${capacity.createEvidence.perBlock} createEvidence or ${capacity.anchorBatch.perBlock} anchorBatch`);

  const evidenceRuns = [];
  for (let r = 0; r < repeat; r++) {
    progress(`createEvidence run ${r + 1}/${repeat}: signing ${count} extrinsics`);
    const txs = [];
    const nonces = await nextNonces(api, accounts);
    for (let i = 0; i < count; i++) {
      const pair = accounts[i % accounts.length];
      const hash = randomAsU8a(32);
      // Each account's DID signs its own statement; all are anchored at the current best
      // block, which stays valid for `SignatureValidity` (an hour of blocks).
      const statement = await signEvidence(api, { hash, signer: pair.address, pair, keyId: 'auth' });
      txs.push(await signOffline(api.tx.evidence.createEvidence(hash, ...statement), pair, nonces));
    }
    const result = await sendAll(api, txs, (event) => api.events.evidence.EvidenceCreated.is(event));
    progress(`  ${result.perSecond} extrinsics/s over ${result.blocks} blocks`);
    evidenceRuns.push(result);
  }

  const anchorRuns = [];
  for (let r = 0; r < repeat; r++) {
    progress(`anchorBatch run ${r + 1}/${repeat}: signing ${anchorCount} extrinsics`);
    const txs = [];
    const nonces = await nextNonces(api, accounts);
    for (let i = 0; i < anchorCount; i++) {
      const pair = accounts[i % accounts.length];
      // A random root stands for a batch of 2^20 hashes: the pallet stores the root and the
      // leaf count and never sees the leaves, so the cost is the same as for a real tree.
      txs.push(await signOffline(api.tx.evidence.anchorBatch(randomAsU8a(32), LEAVES), pair, nonces));
    }
    const result = await sendAll(api, txs, (event) => api.events.evidence.BatchAnchored.is(event));
    progress(`  ${result.perSecond} anchors/s over ${result.blocks} blocks`);
    anchorRuns.push(result);
  }

  progress(`anchoring a real batch of ${PROOF_BATCH} hashes and timing a single-leaf proof check`);
  const hashes = Array.from({ length: PROOF_BATCH }, () => randomAsU8a(32));
  const tree = buildTree(hashes);
  const anchorer = accounts[0];
  await submitOk(api, api.tx.evidence.anchorBatch(tree.root, hashes.length), anchorer);
  const position = 517;
  const proof = prove(tree, [position]);
  const check = async () => {
    const result = await api.call.evidenceApi.verifyBatchProof(anchorer.address, tree.root, proof);
    if (!result.isOk) throw new Error(`the proof does not verify: ${result.toString()}`);
  };
  const proofTimes = await timeRuns(check, { samples, warmup: 5 });
  // The runtime API's own parameter type, so the size is what goes over the wire.
  const proofType = api.call.evidenceApi.verifyBatchProof.meta.params[2].type.toString();
  const scaleBytes = api.createType(proofType, proof).encodedLength;

  await api.disconnect();
  await node.stop();
  const perSecond = (runs) => stats(runs.map((r) => r.perSecond));
  return {
    evidence: { count, accounts: accountCount, runs: evidenceRuns, perSecond: perSecond(evidenceRuns) },
    anchors: { count: anchorCount, leaves: LEAVES, runs: anchorRuns, perSecond: perSecond(anchorRuns) },
    capacity,
    proof: {
      leaves: PROOF_BATCH,
      position,
      lemmas: proof.lemmas.length,
      scaleType: proofType,
      scaleBytes,
      latencyMs: stats(proofTimes, [90, 99])
    }
  };
});

/** Each account's next nonce, counting what is in the pool. */
async function nextNonces (api, accounts) {
  const entries = await Promise.all(accounts.map(async (pair) =>
    [pair.address, (await api.rpc.system.accountNextIndex(pair.address)).toNumber()]));
  return new Map(entries);
}

/**
 * Signs `tx` offline with `pair`'s next nonce from `nonces` (and counts it up). Immortal, so
 * that no header is fetched and the extrinsic cannot become stale while the run lasts.
 */
async function signOffline (tx, pair, nonces) {
  const nonce = nonces.get(pair.address);
  nonces.set(pair.address, nonce + 1);
  await tx.signAsync(pair, { nonce, era: 0 });
  return tx.toHex();
}

/**
 * Submits the signed extrinsics `txs` (hex) back to back, without waiting for one before
 * sending the next, and resolves when blocks hold as many events `matches` accepts as there
 * were extrinsics: `{ seconds, perSecond, blocks, perBlock, sendMs }`.
 */
async function sendAll (api, txs, matches) {
  const watcher = await watchBlocks(api, matches);
  try {
    const start = performance.now();
    const submitted = txs.map((hex) => api.rpc.author.submitExtrinsic(hex));
    const sent = performance.now();
    const refused = (await Promise.allSettled(submitted)).filter((s) => s.status === 'rejected');
    if (refused.length > 0) {
      throw new Error(`${refused.length} of ${txs.length} extrinsics refused by the pool: ${refused[0].reason.message}`);
    }
    const end = await watcher.until(txs.length);
    const used = watcher.blocks.filter((b) => b.count > 0);
    const failed = watcher.blocks.reduce((sum, b) => sum + b.failed, 0);
    if (failed > 0) throw new Error(`${failed} of ${txs.length} extrinsics failed, the first with ${watcher.firstError()}`);
    const seconds = (end - start) / 1000;
    return {
      seconds: round(seconds),
      perSecond: round(txs.length / seconds),
      blocks: used.length,
      perBlock: used.map((b) => b.count),
      sendMs: round(sent - start)
    };
  } finally {
    watcher.stop();
  }
}

/**
 * What one block of the 6-second chain can hold, from the runtime's limits: the normal class's
 * `maxTotal` weight divided by an extrinsic's weight (its dispatch weight from
 * `TransactionPaymentApi_query_info` plus `baseExtrinsic`, as `CheckWeight` counts it), in
 * both weight dimensions, and the normal class's block length divided by the encoded size.
 */
async function blockCapacity (api, pair) {
  const weights = api.consts.system.blockWeights;
  const normal = weights.perClass.normal;
  const maxTotal = normal.maxTotal.unwrap();
  const base = normal.baseExtrinsic;
  const maxLength = api.consts.system.blockLength.max.normal.toNumber();
  const blockSeconds = (await api.call.auraApi.slotDuration()).toNumber() / 1000;

  const fit = async (tx) => {
    // `paymentInfo` signs a throwaway copy (nonce from the chain) and asks the runtime.
    const info = await tx.paymentInfo(pair);
    await tx.signAsync(pair, { era: 0 });
    const length = tx.encodedLength;
    const refTime = info.weight.refTime.toBigInt() + base.refTime.toBigInt();
    const proofSize = info.weight.proofSize.toBigInt() + base.proofSize.toBigInt();
    const byRefTime = Number(maxTotal.refTime.toBigInt() / refTime);
    const byProofSize = proofSize === 0n ? Infinity : Number(maxTotal.proofSize.toBigInt() / proofSize);
    const byLength = Math.floor(maxLength / length);
    const perBlock = Math.min(byRefTime, byProofSize, byLength);
    return {
      weight: { refTime: info.weight.refTime.toString(), proofSize: info.weight.proofSize.toString() },
      encodedLength: length,
      perBlock,
      limitedBy: perBlock === byRefTime ? 'refTime' : perBlock === byProofSize ? 'proofSize' : 'length',
      byRefTime,
      byProofSize: Number.isFinite(byProofSize) ? byProofSize : null,
      byLength,
      perSecond: round(perBlock / blockSeconds)
    };
  };

  const hash = randomAsU8a(32);
  const statement = await signEvidence(api, { hash, signer: pair.address, pair, keyId: 'auth' });
  const createEvidence = await fit(api.tx.evidence.createEvidence(hash, ...statement));
  const anchorBatch = await fit(api.tx.evidence.anchorBatch(randomAsU8a(32), LEAVES));
  anchorBatch.leaves = LEAVES;
  anchorBatch.hashesPerSecond = Math.floor(anchorBatch.perBlock * LEAVES / blockSeconds);

  // What filling one block costs its filler, with the cheapest call there is, an empty
  // `system.remark`, as many as fit (by weight: each costs `baseExtrinsic` at least), and with
  // one remark as long as a block allows (by length): the length fee must make bytes at least
  // as dear as weight, or a full block would be nearly free to the filler and kept forever.
  const fee = async (tx) => (await tx.paymentInfo(pair)).partialFee.toBigInt();
  const remark = await fit(api.tx.system.remark('0x'));
  const byWeight = { call: 'system.remark(empty)', perBlock: remark.perBlock, limitedBy: remark.limitedBy };
  byWeight.fee = (BigInt(remark.perBlock) * await fee(api.tx.system.remark('0x'))).toString();
  // The remark's own bytes, less what signing adds (measured on the empty one).
  const payload = maxLength - remark.encodedLength - 8;
  // With its length prefix: polkadot.js reads a bare Uint8Array as already SCALE-encoded, and
  // zeros would decode as an empty remark.
  const longest = api.tx.system.remark(compactAddLength(new Uint8Array(payload)));
  const byLength = { call: `system.remark(${payload} bytes)`, perBlock: 1, encodedLength: payload + remark.encodedLength };
  byLength.fee = (await fee(longest)).toString();
  return {
    blockSeconds,
    normalMaxTotal: { refTime: maxTotal.refTime.toString(), proofSize: maxTotal.proofSize.toString() },
    baseExtrinsic: { refTime: base.refTime.toString(), proofSize: base.proofSize.toString() },
    normalMaxLength: maxLength,
    createEvidence,
    anchorBatch,
    blockFill: { byWeight, byLength, decimals: api.registry.chainDecimals[0], token: api.registry.chainTokens[0] }
  };
}

function round (x) {
  return Math.round(x * 1000) / 1000;
}
