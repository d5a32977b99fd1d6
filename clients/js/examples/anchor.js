// Anchor a Merkle batch of credential hashes in one extrinsic, and check proofs against it.
//
//   npm run example:anchor            (BATCH_SIZE=100000 for a larger batch)
//
// An anchorer creates its DID and anchors the root of a `merkle-cbt` tree over the hashes
// (leaf = blake2_256(0x00 | hash), node = blake2_256(0x01 | left | right)): one extrinsic and
// one storage item, however many hashes. Anyone holding a hash and its proof can then check
// it through the `EvidenceApi` runtime API; a hash that was not in the batch fails.

import { stringToU8a, u8aToHex } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';
import { buildTree, prove } from '../lib/merkle.js';
import { UsageError, createDid, fundedAccounts, run, send, step } from './common.js';

const size = Number(process.env.BATCH_SIZE || 1000);

run(async (api) => {
  if (!Number.isInteger(size) || size < 2 || size > 100_000) {
    throw new UsageError(`BATCH_SIZE must be a whole number from 2 to 100000, not ${process.env.BATCH_SIZE}`);
  }
  const { anchorer } = await fundedAccounts(api, ['anchorer']);
  const salt = Date.now();
  const hashes = Array.from({ length: size }, (_, i) => blake2AsU8a(stringToU8a(`credential ${i} of ${salt}`), 256));
  const tree = buildTree(hashes);
  step(`${size} hashes, root ${u8aToHex(tree.root)}`);

  step('creating the anchorer\'s DID and anchoring the root in one batch');
  const anchored = await send(api, api.tx.utility.batchAll([
    createDid(api, anchorer),
    api.tx.evidence.anchorBatch(tree.root, size)
  ]), anchorer);
  const batch = (await api.call.evidenceApi.batch(anchorer.address, tree.root)).unwrap();
  step(`anchored in block ${batch.anchored} with ${batch.leaves} leaves`);

  // A combined proof of three leaves, and the same proof with one hash swapped.
  const positions = [0, Math.floor(size / 2), size - 1];
  const proof = prove(tree, positions);
  const valid = await api.call.evidenceApi.verifyBatchProof(anchorer.address, tree.root, proof);
  const forged = prove(tree, [1]);
  forged.leaves[0][1] = blake2AsU8a(stringToU8a('never issued'), 256);
  const refused = await api.call.evidenceApi.verifyBatchProof(anchorer.address, tree.root, forged);
  step(`proof of leaves ${positions.join(', ')}: ${valid.isOk ? 'valid' : valid.toString()}; forged leaf: ${refused.toString()}`);

  return {
    anchorer: `did:teeid:${anchorer.address}`,
    root: u8aToHex(tree.root),
    leaves: batch.leaves.toNumber(),
    block: anchored.blockNumber,
    proof: { positions, lemmas: proof.lemmas.length, valid: valid.isOk },
    forged: { valid: refused.isOk, error: refused.isErr ? refused.asErr.toJSON() : null }
  };
});
