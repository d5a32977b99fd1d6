// Read teeid's state through its runtime APIs: the calls a wallet, an explorer or a verifier
// makes, all described by the metadata (no custom types).
//
//   npm run example:read-state            (ACCOUNT=<ss58> to read another account's DID)
//
// Reads, for Alice (the dev chain's sudo key and the launch command's worker operator) unless
// ACCOUNT says otherwise: her DID, her CPT roles, the chain's TEE setup (network key, allowed
// code, simulation flag, current slot), her worker and the DIDs it signs for (read a page at a
// time), the system CPTs and the next free normal CPT id.

import { keyring, run, step } from './common.js';

/** Every DID worker `key` signs for, through the paged `signsFor` (a short page is the last). */
async function signsFor (api, key, limit = 256) {
  const dids = [];
  for (let startAfter = null; ;) {
    const page = await api.call.attestationApi.signsFor(key, startAfter, limit);
    dids.push(...page.map((account) => `did:teeid:${account}`));
    if (page.length < limit) return dids;
    startAfter = page[page.length - 1];
  }
}

run(async (api) => {
  const account = process.env.ACCOUNT || keyring().addFromUri('//Alice').address;
  const apis = Object.fromEntries(Object.entries(api.call)
    .filter(([section]) => ['didApi', 'cptApi', 'evidenceApi', 'attestationApi'].includes(section))
    .map(([section, methods]) => [section, Object.keys(methods)]));
  step(`teeid's runtime APIs: ${Object.entries(apis).map(([s, m]) => `${s} (${m.join(', ')})`).join('; ')}`);

  const did = await api.call.didApi.resolve(account);
  const network = await api.call.attestationApi.networkKey();
  const workerKey = await api.call.attestationApi.workerOf(account);
  const worker = workerKey.isSome ? await api.call.attestationApi.worker(workerKey.unwrap()) : null;
  const systemCpts = [];
  for (const id of [101, 103, 110]) {
    const cpt = await api.call.cptApi.cpt(id);
    if (cpt.isSome) systemCpts.push({ id, title: cpt.unwrap().title.toUtf8(), version: cpt.unwrap().version.toNumber() });
  }
  step(`DID ${did.isSome ? 'active' : 'missing'}; worker ${workerKey.isSome ? workerKey.unwrap().toHex() : 'none'}`);

  return {
    runtimeApis: apis,
    did: did.isSome
      ? {
          id: `did:teeid:${account}`,
          controller: did.unwrap().controller.toString(),
          keys: did.unwrap().keys_.map((k) => k.id.toUtf8()),
          deactivated: did.unwrap().deactivated.isTrue,
          historyHead: (await api.call.didApi.historyHead(account)).unwrap().toNumber()
        }
      : null,
    roles: (await api.call.cptApi.roleStatus(account)).toJSON(),
    tee: {
      networkKey: network.isSome ? network.unwrap().fingerprint.toHex() : null,
      allowedCode: (await api.call.attestationApi.allowedCode()).map((c) => ({
        measurement: c.measurement.toHex(), expires: c.expires.toNumber()
      })),
      simulationEnabled: (await api.call.attestationApi.simulationEnabled()).isTrue,
      currentSlot: (await api.call.attestationApi.currentSlot()).toNumber()
    },
    worker: worker?.isSome
      ? {
          key: workerKey.unwrap().toHex(),
          platform: worker.unwrap().info.platform.toString(),
          active: worker.unwrap().active.isTrue,
          lastReport: worker.unwrap().info.lastReport.toJSON(),
          signsFor: await signsFor(api, workerKey.unwrap())
        }
      : null,
    systemCpts,
    nextNormalCptId: (await api.call.cptApi.nextCptId('Normal')).toJSON()
  };
});
