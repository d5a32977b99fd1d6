// Merkle batches as the chain checks them (`teeid_primitives::merkle`): a complete binary
// Merkle tree in `merkle-cbt`'s layout over 32-byte hashes, with leaves hashed as
// blake2_256(0x00 | hash) and inner nodes as blake2_256(0x01 | left | right).

import { u8aConcat } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';

const LEAF = new Uint8Array([0]);
const NODE = new Uint8Array([1]);

/** The tree node of a leaf hash. */
export function leafNode (hash) {
  return blake2AsU8a(u8aConcat(LEAF, hash), 256);
}

function merge (left, right) {
  return blake2AsU8a(u8aConcat(NODE, left, right), 256);
}

/**
 * The tree of `hashes` (Uint8Arrays of 32 bytes): `nodes[0]` is the root, leaf `i` is node
 * `n - 1 + i`, and node `i`'s children are `2i + 1` and `2i + 2`.
 */
export function buildTree (hashes) {
  const n = hashes.length;
  if (n === 0) throw new Error('a batch needs at least one hash');
  const nodes = new Array(2 * n - 1);
  hashes.forEach((hash, i) => { nodes[n - 1 + i] = leafNode(hash); });
  for (let i = n - 2; i >= 0; i--) nodes[i] = merge(nodes[2 * i + 1], nodes[2 * i + 2]);
  return { root: nodes[0], nodes, hashes };
}

/**
 * A combined proof for the leaves at `positions`, in the chain's `BatchProof` shape:
 * `{ leaves: [[position, hash]], lemmas }`, the lemmas in `merkle-cbt`'s order.
 */
export function prove ({ nodes, hashes }, positions) {
  const n = hashes.length;
  const queue = positions.map((p) => n - 1 + p).sort((a, b) => b - a);
  const lemmas = [];
  while (queue.length > 0) {
    const index = queue.shift();
    if (index === 0) break;
    const sibling = ((index + 1) ^ 1) - 1;
    if (queue[0] === sibling) queue.shift();
    else lemmas.push(nodes[sibling]);
    const parent = (index - 1) >> 1;
    if (parent !== 0) queue.push(parent);
  }
  return { leaves: positions.map((p) => [p, hashes[p]]), lemmas };
}
