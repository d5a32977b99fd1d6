// What a TEE signs to join teeid and to report work, built from the chain's metadata types so
// that the bytes are the ones the runtime checks (teeid_primitives::attestation): the payload
// types of the `SigningApi` runtime API (lib/signing.js). The TEE here is a test double: an
// Ed25519 key in this process and an RSA "device key" that signs evidence the way OP-TEE's
// attestation PTA does. It proves nothing about isolation; the simulated TA and the worker
// (tee-worker/) are the real thing. It stays a double because the chain's tests need what the
// TA would refuse to make: reports of chosen code and platform, endorsements by TEEs that are
// not registered, work reports for chosen slots.

import { createHash, constants, generateKeyPairSync, sign } from 'node:crypto';
import { stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsU8a, ed25519PairFromSeed, ed25519Sign } from '@polkadot/util-crypto';
import { payloadOf, signingBytes } from './signing.js';
const sha256 = (...parts) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
};

/** The fingerprint of a network public key, as reports carry it. */
export function networkKeyFingerprint (publicKey) {
  return blake2AsU8a(u8aConcat(stringToU8a('teeid/network-key'), publicKey), 256);
}

/** A device attestation key: RSA, PSS with SHA-256 and a 32-byte salt, as the PTA uses. */
export function deviceKey (modulusLength = 3072) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength });
  const jwk = publicKey.export({ format: 'jwk' });
  return {
    privateKey,
    exponent: new Uint8Array(Buffer.from(jwk.e, 'base64url')),
    modulus: new Uint8Array(Buffer.from(jwk.n, 'base64url'))
  };
}

/** A test TEE: a signing key from `seed` and a device key that signs its evidence. */
export class TestTee {
  constructor (seed, device, { platform = 'Simulated', measurement, networkKey }) {
    this.pair = ed25519PairFromSeed(seed);
    this.device = device;
    this.platform = platform;
    this.measurement = measurement;
    this.networkKey = networkKey;
  }

  /** The TEE's signing key: its worker identity on chain. */
  get key () {
    return this.pair.publicKey;
  }

  sign (bytes) {
    return ed25519Sign(bytes, this.pair);
  }

  /**
   * R for `operator`, anchored at block `anchor` ({ number, hash }), with evidence bound to it:
   * the device key signs SHA-256(nonce | measurement), nonce = SHA-256 of the payload's
   * signing bytes.
   */
  report (api, operator, anchor, { genesisHash = api.genesisHash } = {}) {
    const payload = {
      domain: 'WorkerReport',
      genesisHash,
      anchor: { Block: anchor },
      body: {
        platform: this.platform,
        signingKey: this.key,
        agreementKey: blake2AsU8a(this.key, 256),
        measurement: this.measurement,
        operator,
        networkKey: this.networkKey
      }
    };
    const nonce = sha256(signingBytes(api.registry, 'report_payload', payload));
    const signature = sign('sha256', u8aConcat(nonce, this.measurement), {
      key: this.device.privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 32
    });
    return payloadOf(api.registry, 'worker_report', {
      payload,
      evidence: {
        // Hex, not Uint8Array: polkadot.js reads a Uint8Array given for `Bytes` as SCALE,
        // length prefix included.
        deviceKey: { exponent: u8aToHex(this.device.exponent), modulus: u8aToHex(this.device.modulus) },
        measurement: this.measurement,
        nonce,
        signature: u8aToHex(signature)
      }
    });
  }

  /** Sig_M(R). */
  signReport (report) {
    return this.sign(reportSigningBytes(report));
  }

  /** Sig_V(R), this TEE being V. */
  endorse (report) {
    return this.sign(signingBytes(report.registry, 'endorsement', endorsementPayload(report, this.key)));
  }

  /** Sig_M(Sig_V(R)), this TEE being M. */
  countersign (report, endorser, endorsement) {
    return this.sign(signingBytes(report.registry, 'countersignature',
      countersignaturePayload(report, endorser, endorsement)));
  }

  /**
   * A work report on `slot` whose first block has hash `slotHash`: `[payload, signature]`,
   * the arguments of `attestation.submitWorkReport`.
   */
  workReport (api, { slot, slotStart, slotHash, credentialsRoot, credentialsCount = 0, issuedTotal = 0 }) {
    const report = payloadOf(api.registry, 'work_report', {
      domain: 'WorkReport',
      genesisHash: api.genesisHash,
      anchor: { Block: { number: slotStart, hash: slotHash } },
      body: {
        worker: this.key,
        slot,
        credentialsRoot: credentialsRoot ?? new Uint8Array(32),
        credentialsCount,
        issuedTotal
      }
    });
    return [report, this.sign(signingBytes(api.registry, 'work_report', report))];
  }
}

/** The bytes of Sig_M(R): the worker-report tag and R (with its evidence). */
export function reportSigningBytes (report) {
  return signingBytes(report.registry, 'worker_report', report);
}

/** The hash endorsements name: blake2-256 of R's signing bytes. */
export function reportHash (report) {
  return blake2AsU8a(reportSigningBytes(report), 256);
}

/** Sig_V(R)'s payload: the report's chain and anchor, and "endorser vouches for R". */
export function endorsementPayload (report, endorser) {
  const { genesisHash, anchor } = report.payload;
  return { domain: 'Endorsement', genesisHash, anchor, body: { report: reportHash(report), endorser } };
}

/** Sig_M(Sig_V(R))'s payload: the report's chain and anchor, and "M accepts V's endorsement". */
export function countersignaturePayload (report, endorser, endorsement) {
  const { genesisHash, anchor } = report.payload;
  return {
    domain: 'Countersignature',
    genesisHash,
    anchor,
    body: { report: reportHash(report), endorser, endorsement }
  };
}

/** The four parts of a quadruple, in `attestation.registerWorker`'s argument order. */
export function quadruple (joiner, endorser, report) {
  const endorsement = endorser.endorse(report);
  return [report, joiner.signReport(report), endorser.key, endorsement, joiner.countersign(report, endorser.key, endorsement)];
}

/** The best block as a report anchor. */
export async function bestAnchor (api) {
  const header = await api.rpc.chain.getHeader();
  return { number: header.number.toNumber(), hash: header.hash };
}
