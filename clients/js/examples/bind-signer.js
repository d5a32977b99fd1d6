// Bind a TEE worker as a signer of a DID: its TEE key becomes an `assertionMethod` key of the
// DID while the worker is active, so credentials it signs for the DID verify.
//
//   npm run example:bind-signer
//
// An issuer creates its DID and, as its controller, binds the running worker at
// TEEID_WORKER_API (its key from the public `/health`), holding a small deposit. The
// `AttestationApi` runtime API lists the DID's signers; the worker's resolver shows the TEE key
// in the DID document.

import { createDid, fundedAccounts, run, send, step, worker } from './common.js';

run(async (api) => {
  const health = await worker('GET', '/health');
  step(`worker ${health.worker} (${health.platform}), registered: ${health.registered}`);
  const { issuer } = await fundedAccounts(api, ['issuer']);
  const did = `did:teeid:${issuer.address}`;

  step(`creating ${did} and binding the worker as its signer in one batch`);
  const bound = await send(api, api.tx.utility.batchAll([
    createDid(api, issuer),
    api.tx.attestation.bindSigner(issuer.address, health.worker)
  ]), issuer);

  const signers = await api.call.attestationApi.signers(issuer.address);
  const [signer] = signers.map((s) => ({
    worker: s.worker.toHex(), keyId: s.keyId.toUtf8(), since: s.since.toNumber(), counts: s.counts.isTrue
  }));
  step(`bound in block ${bound.blockNumber} as key ${signer.keyId}`);

  const { didDocument } = await worker('GET', `/v1/dids/${did}`);
  const method = didDocument.verificationMethod.find((m) => m.id === `${did}#${signer.keyId}`);
  step(`the DID document lists ${method.id} (${method.type}) under assertionMethod`);

  return {
    did,
    block: bound.blockNumber,
    signer,
    verificationMethod: method,
    assertionMethod: didDocument.assertionMethod
  };
});
