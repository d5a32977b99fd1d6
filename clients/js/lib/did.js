// Helpers for the did:teeid registry from polkadot.js: DID identifiers, keys in the shapes the
// chain's metadata describes, and DID-signed operations for `did.submitDidCall`.

import { spawnSync } from 'node:child_process';
import { u8aConcat } from '@polkadot/util';
import { base58Encode } from '@polkadot/util-crypto';
import { releaseBinary } from './node-process.js';
import { signingBytes } from './signing.js';

/** The DID of an account: `did:teeid:<ss58>`. */
export function didOf (address) {
  return `did:teeid:${address}`;
}

/** Every relationship a signing key can have. */
export const SIGNING = {
  authentication: true,
  assertionMethod: true,
  keyAgreement: false,
  capabilityDelegation: true,
  capabilityInvocation: true
};

/** The chain's name for the signature scheme of a keyring pair. */
function schemeOf (pair) {
  return { sr25519: 'Sr25519', ed25519: 'Ed25519', ecdsa: 'EcdsaSecp256k1' }[pair.type];
}

/** A verification key for `did.create` / `did.addKey` / `did.rotateKey` from a keyring pair. */
export function keyOf (id, pair, relationships = SIGNING, expires = null) {
  return { id, public: { [schemeOf(pair)]: pair.publicKey }, relationships, expires };
}

/** A `DidSignature`: `pair`, holding the DID key `keyId`, signs `bytes`. */
export function didSignature (pair, keyId, bytes) {
  return { keyId, signature: { [schemeOf(pair)]: pair.sign(bytes) } };
}

/** The `publicKeyMultibase` a resolver shows for a keyring pair's key. */
export function multibaseOf (pair) {
  const prefix = { sr25519: [0xef, 0x01], ed25519: [0xed, 0x01], ecdsa: [0xe7, 0x01] }[pair.type];
  return `z${base58Encode(u8aConcat(new Uint8Array(prefix), pair.publicKey))}`;
}

/**
 * Builds and signs a DID operation: `call` (a submittable or a call) dispatched as `did`,
 * relayed by `submitter`, signed by `signer` (a keyring pair holding the DID key `keyId`), for
 * the runtime's current transaction version (`transactionVersion` overrides it). Returns the
 * arguments of `api.tx.did.submitDidCall`.
 */
export function signDidOperation (api, { signer, keyId, ...fields }) {
  const payload = didOperationPayload(api, fields);
  const { did, call, expires, submitter, transactionVersion } = payload.body;
  const operation = {
    did, nonce: fields.nonce, call, expires, submitter, genesisHash: payload.genesisHash, transactionVersion
  };
  // Encoded as the payload type `SigningApi.did_operation` takes, from the metadata.
  return [operation, didSignature(signer, keyId, signingBytes(api.registry, 'did_operation', payload))];
}

/**
 * The signing payload of a DID operation (a plain object of the chain's `DidOperationPayload`):
 * the operation domain, this chain's genesis hash, the nonce as anchor, and the body.
 */
export function didOperationPayload (api, {
  did, nonce, call, expires, submitter,
  transactionVersion = api.runtimeVersion.transactionVersion.toNumber()
}) {
  return {
    domain: 'DidOperation',
    genesisHash: api.genesisHash,
    anchor: { Nonce: nonce },
    body: { did, call: call.method ?? call, expires, submitter, transactionVersion }
  };
}

/** The `teeid-resolve` binary next to `teeid-node`. */
export function resolverBinary () {
  return releaseBinary('teeid-resolve', 'TEEID_RESOLVE_BIN');
}

/** Runs `teeid-resolve` with `args`; returns `{ status, json, stderr }`. */
function runResolver (args, timeout) {
  const result = spawnSync(resolverBinary(), args, { encoding: 'utf8', timeout });
  let json = null;
  try { json = JSON.parse(result.stdout); } catch { /* left null: the test reports stderr */ }
  return { status: result.status, json, stderr: result.stderr };
}

/** Runs `teeid-resolve` against the node at `rpcPort`; returns `{ status, json, stderr }`. */
export function resolveDid (rpcPort, args) {
  return runResolver(['--url', `http://127.0.0.1:${rpcPort}`, ...args], 60_000);
}

/**
 * Runs `teeid-resolve --light` with the raw chain specification at `chainSpec` (whose
 * `bootNodes` name the nodes to sync from); returns `{ status, json, stderr }`.
 */
export function resolveDidLight (chainSpec, args) {
  return runResolver(['--light', chainSpec, ...args], 180_000);
}
