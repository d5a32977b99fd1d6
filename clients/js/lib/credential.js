// Credentials as the TA makes them (ta/protocol/src/credential.rs, docs/credentials.md), seen
// from outside: their hash and status record, and credentials signed in this process by a TEE
// key a test plays (lib/attestation.js) with Digital Bazaar's eddsa-jcs-2022 suite. A played
// key signs whatever it is given, as a TA a host took over would: the tests of what verifiers
// refuse need credentials no honest TA makes.

import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { createSignCryptosuite } from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import { stringToU8a, u8aConcat, u8aToHex, u8aToU8a } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';

/** The hash batches and evidence records anchor: SHA-256 of the credential's JCS form. */
export function credentialHash (credential) {
  return new Uint8Array(createHash('sha256').update(canonicalize(credential)).digest());
}

/**
 * The evidence record that holds the status of credential `id` on the chain with genesis hash
 * `genesisHash` (`status_evidence`): blake2-256 of `teeid/credential-status/v1`, the genesis
 * hash and the id.
 */
export function statusRecord (genesisHash, id) {
  return blake2AsU8a(u8aConcat(stringToU8a('teeid/credential-status/v1'), u8aToU8a(genesisHash), stringToU8a(id)), 256);
}

/**
 * The `credentialStatus` of credential `id` on the chain with genesis hash `genesisHash` whose
 * bitstring status list entry is `statusList` (`{ uri, index }`): an array of two entries, the
 * evidence record on chain (`TeeidEvidenceStatus2026`) and the entry in the issuer's W3C
 * Bitstring Status List (`BitstringStatusListEntry`), in that order.
 */
export function credentialStatus (genesisHash, id, statusList) {
  const record = u8aToHex(statusRecord(genesisHash, id));
  return [{
    id: `urn:teeid:evidence:${record}`,
    type: 'TeeidEvidenceStatus2026',
    statusPurpose: 'revocation',
    chain: u8aToHex(u8aToU8a(genesisHash)),
    evidence: record
  }, bitstringEntry(statusList)];
}

/** The `BitstringStatusListEntry` of index `index` in the status list credential at `uri`. */
export function bitstringEntry ({ uri, index }) {
  return {
    id: `${uri}#${index}`,
    type: 'BitstringStatusListEntry',
    statusPurpose: 'revocation',
    statusListIndex: String(index),
    statusListCredential: uri
  };
}

/**
 * The entry of type `type` in a W3C credential's `credentialStatus` (an array, or a single
 * entry): `TeeidEvidenceStatus2026` (the default; its `evidence` is the record on chain that
 * revocation sets) or `BitstringStatusListEntry`. Throws if there is none.
 */
export function statusEntry (credential, type = 'TeeidEvidenceStatus2026') {
  const entries = [credential.credentialStatus ?? []].flat();
  const entry = entries.find((e) => e.type === type);
  if (!entry) throw new Error(`no ${type} in credentialStatus: ${JSON.stringify(credential.credentialStatus)}`);
  return entry;
}

/** The verification method of TEE key `key` in the document of `did`: `<did>#tee-<hex>`. */
export function teeMethod (did, key) {
  return `${did}#tee-${u8aToHex(key).slice(2)}`;
}

/** An RFC 3339 time in whole seconds (`YYYY-MM-DDThh:mm:ssZ`), as credentials carry them. */
export function wholeSeconds (ms) {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

/**
 * `credential` (without a proof) signed by TEE `tee` (a `TestTee`) for its issuer DID: an
 * eddsa-jcs-2022 `DataIntegrityProof` for `assertionMethod`, created at `created` (ms or a
 * date), its verification method the TEE key's in the issuer's document.
 */
export async function signAsTee (credential, tee, { created }) {
  const signer = {
    id: teeMethod(credential.issuer, tee.key),
    algorithm: 'Ed25519',
    sign: async ({ data }) => tee.sign(data)
  };
  const suite = new DataIntegrityProof({ signer, date: created, cryptosuite: createSignCryptosuite() });
  return vc.issue({ credential: structuredClone(credential), suite, documentLoader: vc.defaultDocumentLoader });
}
