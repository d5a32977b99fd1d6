// Evidence signatures from polkadot.js: the statement "`signer` vouches for `hash`" that a DID
// key signs for `evidence.createEvidence` / `evidence.addSignature`.

import { didSignature } from './did.js';
import { signingBytes } from './signing.js';

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
  // The payload type `SigningApi.evidence` takes, from the metadata.
  const bytes = signingBytes(api.registry, 'evidence', evidencePayload({ hash, signer, number, blockHash, genesisHash }));
  return [signer, number, blockHash, didSignature(pair, keyId, bytes)];
}

/** The evidence statement "`signer` vouches for `hash`" in its signing envelope, as a plain object. */
export function evidencePayload ({ hash, signer, number, blockHash, genesisHash }) {
  return {
    domain: 'Evidence',
    genesisHash,
    anchor: { Block: { number, hash: blockHash } },
    body: { hash, signer }
  };
}
