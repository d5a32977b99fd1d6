// Evidence signatures from polkadot.js: the statement "`signer` vouches for `hash`" that a DID
// key signs for `evidence.createEvidence` / `evidence.addSignature`.

import { stringToU8a, u8aConcat } from '@polkadot/util';
import { decodeAddress } from '@polkadot/util-crypto';
import { didSignature } from './did.js';

/** The domain tag of evidence signatures (16 bytes). */
const EVIDENCE_TAG = stringToU8a('teeid/evidence/1');

/**
 * Signs the evidence statement for `hash` by DID `signer` (an address) with `pair` (a keyring
 * pair holding the DID key `keyId`), anchored at the chain's best block. Returns the arguments
 * after `hash` of `createEvidence` / `addSignature`: `[signer, anchorNumber, anchorHash,
 * signature]`.
 */
export async function signEvidence (api, { hash, signer, pair, keyId, genesisHash = api.genesisHash }) {
  const header = await api.rpc.chain.getHeader();
  const number = header.number.toNumber();
  const blockHash = header.hash;
  // SigningPayload { domain: Evidence (1), genesis_hash, anchor: Block (1) { number (u32),
  // hash }, body: EvidenceStatement { hash, signer } }, behind the domain tag.
  const bytes = u8aConcat(
    EVIDENCE_TAG,
    new Uint8Array([1]),
    genesisHash.toU8a(),
    new Uint8Array([1]),
    api.createType('u32', number).toU8a(),
    blockHash.toU8a(),
    hash,
    decodeAddress(signer)
  );
  return [signer, number, blockHash, didSignature(pair, keyId, bytes)];
}
