// What a TEE signs to join teeid and to report work, built from the chain's metadata types so
// that the bytes are the ones the runtime checks (teeid_primitives::attestation): the payload
// types of the `SigningApi` runtime API (lib/signing.js). The TEE here is a test double: an
// Ed25519 key in this process and an RSA "device key" that signs evidence the way OP-TEE's
// attestation PTA does, certified by a device certifier (an Ed25519 key here too) as the
// network's provisioning authority certifies a real device. It proves nothing about isolation;
// the simulated TA and the worker (tee-worker/) are the real thing. It stays a double because
// the chain's tests need what the TA would refuse to make: reports of chosen code and platform,
// devices with certificates that do not fit them, endorsements by TEEs that are not
// registered, work reports for chosen slots, credentials naming code they do not run.

import { createHash, constants, generateKeyPairSync, sign } from 'node:crypto';
import { stringToU8a, u8aConcat, u8aToBigInt, u8aToHex, u8aToU8a } from '@polkadot/util';
import { blake2AsU8a, ed25519PairFromSeed, ed25519Sign, randomAsU8a } from '@polkadot/util-crypto';
import { memberType, payloadOf, signingBytes } from './signing.js';

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

/**
 * A device key's public part (`{ exponent, modulus }`, bytes or `0x` hex, as `deviceKey` makes
 * it or `teeid-worker device key` prints it) as the chain's `DeviceKey`.
 */
export function deviceKeyOf (registry, { exponent, modulus }) {
  // Hex, not Uint8Array: polkadot.js reads a Uint8Array given for `Bytes` as SCALE, length
  // prefix included.
  return registry.createType(memberType(registry, 'worker_report', 'evidence', 'device_key'), {
    exponent: u8aToHex(u8aToU8a(exponent)),
    modulus: u8aToHex(u8aToU8a(modulus))
  });
}

/**
 * The fingerprint device certificates name (`DeviceKey::fingerprint`): blake2-256 of
 * `teeid/device-key` and the SCALE encoding of the device key.
 */
export function deviceKeyFingerprint (registry, device) {
  return blake2AsU8a(u8aConcat(stringToU8a('teeid/device-key'), deviceKeyOf(registry, device).toU8a()), 256);
}

/** `value` as the chain's `DeviceCertificate`, the type of a worker report's `certificate`. */
export function certificateOf (registry, value) {
  return registry.createType(memberType(registry, 'worker_report', 'certificate'), value);
}

/**
 * A device certifier: the Ed25519 key of a network's provisioning authority, which certifies
 * that a device's attestation key is a genuine device of a platform, for one chain.
 */
export class DeviceCertifier {
  constructor (seed) {
    this.pair = ed25519PairFromSeed(seed);
  }

  /** The certifier's public key, as the chain lists it. */
  get key () {
    return this.pair.publicKey;
  }

  /**
   * Its certificate of `device` (`{ exponent, modulus }`) as a `platform` device of the chain
   * with genesis hash `genesisHash`, with serial number `serial` (random unless given): a
   * `DeviceCertificate` of the chain's metadata.
   */
  certify (registry, { device, platform, genesisHash, serial = u8aToBigInt(randomAsU8a(8)) }) {
    const payload = payloadOf(registry, 'device_certificate', {
      domain: 'DeviceCertificate',
      genesisHash,
      anchor: { Nonce: serial },
      body: { platform, deviceKey: deviceKeyFingerprint(registry, device) }
    });
    return certificateOf(registry, { payload, certifier: this.key, signature: this.sign(payload) });
  }

  /** Its signature of a certificate payload (a `SigningApi.device_certificate` payload). */
  sign (payload) {
    return ed25519Sign(signingBytes(payload.registry, 'device_certificate', payload), this.pair);
  }
}

/**
 * The secret seed of the simulated device certifier (`SIMULATED_CERTIFIER_SEED`): public on
 * purpose, so its certificates prove nothing and certify `Simulated` devices only. Dev chains
 * list it; the simulated TA accepts nothing else.
 */
export const SIMULATED_CERTIFIER_SEED = stringToU8a('teeid simulated device certifier');

/** The simulated device certifier. */
export const simulatedCertifier = new DeviceCertifier(SIMULATED_CERTIFIER_SEED);

/**
 * A test TEE: a signing key from `seed` and a device key that signs its evidence, certified by
 * `certifier` as a `platform` device (a `Simulated` device by the simulated certifier unless
 * told otherwise; an `OpTee` one needs a certifier the test lists on chain).
 */
export class TestTee {
  constructor (seed, device, { platform = 'Simulated', measurement, networkKey, certifier = simulatedCertifier }) {
    this.pair = ed25519PairFromSeed(seed);
    this.device = device;
    this.platform = platform;
    this.measurement = measurement;
    this.networkKey = networkKey;
    this.certifier = certifier;
  }

  /** The TEE's signing key: its worker identity on chain. */
  get key () {
    return this.pair.publicKey;
  }

  sign (bytes) {
    return ed25519Sign(bytes, this.pair);
  }

  /** Its device's certificate by its certifier, for the chain with genesis hash `genesisHash`. */
  certificate (registry, genesisHash) {
    return this.certifier.certify(registry, { device: this.device, platform: this.platform, genesisHash });
  }

  /**
   * R for `operator`, anchored at block `anchor` ({ number, hash }), with evidence bound to it
   * (the device key signs SHA-256(nonce | measurement), nonce = SHA-256 of the payload's
   * signing bytes) and the device's certificate for R's chain (`certificate` replaces it).
   */
  report (api, operator, anchor, { genesisHash = api.genesisHash, certificate } = {}) {
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
      },
      certificate: certificate ?? this.certificate(api.registry, genesisHash)
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

/** The finalized head as a report anchor: on a chain with real finality, one no fork drops. */
export async function finalizedAnchor (api) {
  const hash = await api.rpc.chain.getFinalizedHead();
  return { number: (await api.rpc.chain.getHeader(hash)).number.toNumber(), hash };
}
