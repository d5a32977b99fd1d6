// Bind a TEE worker as a signer of a DID: its TEE key becomes an `assertionMethod` key of the
// DID while the worker is active, so credentials it signs for the DID verify.
//
//   npm run example:bind-signer
//
// An issuer creates its DID and, as its controller, asks that the running worker at
// TEEID_WORKER_API (its key from the public `/health`) sign for it, holding a small deposit.
// The worker's operator answers for what its TEE signs, so the request binds nothing yet: the
// operator (TEEID_WORKER_OPERATOR, default `//Alice`, the launch command's worker's operator)
// accepts it. Only a controller that operates the worker itself binds it at once. The
// `AttestationApi` runtime API lists the DID's pending requests, then its signers; the worker's
// resolver shows the TEE key in the DID document.

import { UsageError, createDid, eventsOf, fundedAccounts, keyring, run, send, settings, step, worker } from './common.js';

run(async (api) => {
  const health = await worker('GET', '/health');
  step(`worker ${health.worker} (${health.platform}), registered: ${health.registered}`);
  const registered = await api.call.attestationApi.worker(health.worker);
  if (registered.isNone) throw new UsageError(`worker ${health.worker} is not registered on ${settings.ws}`);
  const operatorAddress = registered.unwrap().info.operator.toString();
  const operator = keyring().addFromUri(settings.workerOperator);
  if (operator.address !== operatorAddress) {
    throw new UsageError(`the worker's operator is ${operatorAddress}, not ${settings.workerOperator} ` +
      `(${operator.address}): set TEEID_WORKER_OPERATOR to its key`);
  }
  const { issuer } = await fundedAccounts(api, ['issuer']);
  const did = `did:teeid:${issuer.address}`;

  step(`creating ${did} and requesting the worker as its signer in one batch`);
  const requested = await send(api, api.tx.utility.batchAll([
    createDid(api, issuer),
    api.tx.attestation.bindSigner(issuer.address, health.worker)
  ]), issuer);
  if (eventsOf(requested.events, 'attestation', 'SignerRequested').length !== 1) {
    throw new Error('expected a binding request (is the issuer the worker\'s operator?)');
  }
  const pending = (await api.call.attestationApi.requestedSigners(issuer.address)).map((key) => key.toHex());
  step(`requested in block ${requested.blockNumber}; pending requests of the DID: ${pending.join(', ')}`);

  step(`the worker's operator ${operatorAddress} (${settings.workerOperator}) accepts the request`);
  const bound = await send(api, api.tx.attestation.acceptSigner(issuer.address, health.worker), operator);

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
    requested: { block: requested.blockNumber, pending },
    accepted: { block: bound.blockNumber, operator: operatorAddress },
    block: bound.blockNumber,
    signer,
    verificationMethod: method,
    assertionMethod: didDocument.assertionMethod
  };
});
