// The bytes teeid keys sign outside extrinsics, encoded with the chain's own types.
//
// Every such payload is a `SigningPayload` (teeid_primitives::signing): a domain, the genesis
// hash, an anchor and a body. The runtime API `SigningApi` takes each kind of payload as its
// parameter, so the metadata names every payload type; clients look the type up there and
// encode with `createType`, never byte by byte with enum indices of their own. The tests check
// these bytes against what `SigningApi` returns for the same payload.

import { stringToU8a, u8aConcat } from '@polkadot/util';

/**
 * The 16-byte tag that starts the signed bytes of each `SigningDomain`
 * (`SigningDomain::tag`): versioned protocol constants, written out in full in front of the
 * payload so that anyone can tell what a key was asked to sign.
 */
const TAGS = {
  DidOperation: 'teeid/did-op/v2\0',
  Evidence: 'teeid/evidence/1',
  WorkerReport: 'teeid/report/v1\0',
  Endorsement: 'teeid/endorse/v1',
  WorkReport: 'teeid/work/v1\0\0\0',
  Countersignature: 'teeid/counter/v1',
  DeviceCertificate: 'teeid/device/v1\0'
};

/** The tag of `domain` (a `SigningDomain` variant name). */
export function tag (domain) {
  const text = TAGS[domain];
  if (text === undefined) throw new Error(`no signing domain ${domain}`);
  return stringToU8a(text);
}

/** The lookup id of the payload type `SigningApi.<method>` takes. */
function payloadTypeId (registry, method) {
  const api = registry.metadata.apis.find((a) => a.name.toString() === 'SigningApi');
  if (!api) throw new Error('the chain\'s metadata has no SigningApi runtime API');
  const found = api.methods.find((m) => m.name.toString() === method);
  if (!found || found.inputs.length !== 1) throw new Error(`SigningApi has no method ${method} with one parameter`);
  return found.inputs[0].type;
}

/**
 * The metadata type of the payload `SigningApi.<method>` takes (`method` as the metadata
 * names it: `did_operation`, `evidence`, `report_payload`, `worker_report`, `endorsement`,
 * `countersignature`, `work_report`, `device_certificate`), as a lookup type name for
 * `createType`.
 */
export function payloadType (registry, method) {
  return registry.createLookupType(payloadTypeId(registry, method));
}

/**
 * The metadata type of a member of that payload type, down the struct fields `path` names as
 * the metadata does (`memberType(registry, 'worker_report', 'evidence', 'device_key')` is the
 * chain's `DeviceKey`): for the parts that are no payload of their own.
 */
export function memberType (registry, method, ...path) {
  let id = payloadTypeId(registry, method);
  for (const name of path) {
    const { def } = registry.lookup.getSiType(id);
    const field = def.isComposite && def.asComposite.fields.find((f) => f.name.unwrapOr('').toString() === name);
    if (!field) throw new Error(`the payload of SigningApi.${method} has no member ${path.join('.')}`);
    id = field.type;
  }
  return registry.createLookupType(id);
}

/** `value` as the payload type of `SigningApi.<method>`. */
export function payloadOf (registry, method, value) {
  return registry.createType(payloadType(registry, method), value);
}

/**
 * The bytes a key signs for `value`, a payload of `SigningApi.<method>`'s type (a plain object
 * or an instance): the tag of its domain, then its SCALE encoding. A worker report (R with its
 * evidence) signs under the worker-report tag, as its payload does.
 */
export function signingBytes (registry, method, value) {
  const payload = payloadOf(registry, method, value);
  const domain = (payload.domain ?? payload.payload.domain).type;
  return u8aConcat(tag(domain), payload.toU8a());
}

/**
 * What the chain answers for `value` through `SigningApi.<method>`: the bytes it would verify
 * a signature over. (Called through `state_call` and decoded here: `api.call` hands a `Vec<u8>`
 * answer over with its SCALE length prefix still in front.)
 */
export async function chainSigningBytes (api, method, value) {
  // Hex: polkadot.js reads a Uint8Array given for `Bytes` as SCALE, length prefix included.
  const input = payloadOf(api.registry, method, value).toHex();
  const answer = await api.rpc.state.call(`SigningApi_${method}`, input);
  return api.registry.createType('Bytes', answer.toU8a(true)).toU8a(true);
}
