// Create evidence for a document, sign it by two DIDs, append logs, and revoke it.
//
//   npm run example:evidence
//
// An issuer and a witness create their DIDs. The issuer signs the statement "issuer vouches for
// this hash" with its DID key and creates the evidence; the witness signs the same statement
// for itself and the issuer relays its signature (a signature, not the sender, says who
// signed). Each appends a log entry; the issuer revokes. The `EvidenceApi` runtime API counts the
// signers and reads each signer's record, with its log count and its own revocation status, in
// one call however many DIDs signed (`signers` lists them a page at a time).

import { stringToU8a, u8aToHex } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';
import { signEvidence } from '../lib/evidence.js';
import { createDid, fundedAccounts, run, send, step } from './common.js';

run(async (api) => {
  const { issuer, witness } = await fundedAccounts(api, ['issuer', 'witness']);
  step('creating the issuer\'s and the witness\'s DIDs');
  await Promise.all([send(api, createDid(api, issuer), issuer), send(api, createDid(api, witness), witness)]);

  const document = `{"degree":"MSc","holder":"${issuer.address}","nonce":"${Date.now()}"}`;
  const hash = blake2AsU8a(stringToU8a(document), 256);
  step(`hash of the document: ${u8aToHex(hash)}`);

  // The statement is signed over the chain's genesis hash and a recent block, behind the
  // evidence domain tag: it cannot be replayed on another chain or long after.
  const byIssuer = await signEvidence(api, { hash, signer: issuer.address, pair: issuer, keyId: 'key-1' });
  const created = await send(api, api.tx.evidence.createEvidence(hash, ...byIssuer), issuer);
  step(`created in block ${created.blockNumber}`);

  const byWitness = await signEvidence(api, { hash, signer: witness.address, pair: witness, keyId: 'key-1' });
  await send(api, api.tx.evidence.addSignature(hash, ...byWitness), issuer);
  step('the witness\'s signature added (relayed by the issuer)');

  await Promise.all([
    send(api, api.tx.evidence.addLog(hash, 'issued to the holder'), issuer),
    send(api, api.tx.evidence.addLog(hash, 'checked by the registrar'), witness)
  ]);
  step('each appended a log entry');
  const revoked = await send(api, api.tx.evidence.setRevoked(hash, true), issuer);
  step(`the issuer revoked in block ${revoked.blockNumber}`);

  const evidence = (await api.call.evidenceApi.evidence(hash)).unwrap();
  const signers = await Promise.all([issuer, witness].map(async (pair) =>
    (await api.call.evidenceApi.signer(hash, pair.address)).unwrap()));
  return {
    hash: u8aToHex(hash),
    created: evidence.created.toNumber(),
    changed: evidence.changed.toNumber(),
    creator: `did:teeid:${evidence.creator}`,
    signerCount: evidence.signers.toNumber(),
    signers: signers.map((signer) => ({
      did: `did:teeid:${signer.did}`,
      logs: signer.logs.toNumber(),
      revoked: signer.revoked.isTrue
    }))
  };
});
