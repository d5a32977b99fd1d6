// OpenID for Verifiable Credentials against one worker on the launch command's kind of chain
// (`teeid-node --dev`: Aura and GRANDPA, 6-second blocks, attestation slots of 10 blocks),
// with nothing of teeid's on the other side: every wallet and verifier step is the
// OpenWallet Foundation's or Digital Bazaar's code (lib/openid.js).
//
// A wallet made of @openid4vc/openid4vci receives, from the offer link alone, an SD-JWT VC and
// a W3C credential bound to a key of its own (one wallet with an EdDSA key, one with an ES256
// key, naming themselves by JWK, did:key and did:jwk); a replayed pre-authorized code, a used
// nonce and a made-up nonce are refused. @sd-jwt/sd-jwt-vc verifies the SD-JWT VC with the
// issuer's key from its DID document, and a presentation of two of its five claims with key
// binding, and refuses a tampered disclosure. The bitstring status list
// (@digitalbazaar/vc-bitstring-status-list) and the token status list (@owf/token-status-list,
// through @sd-jwt/sd-jwt-vc) say valid, then revoked within one slot of the issuer revoking on
// chain; every list version is anchored in a batch on chain. A presentation made by
// @openid4vc/openid4vp's client and @sd-jwt/sd-jwt-vc is accepted by the worker's verifier;
// one for another nonce, a second answer, and a revoked credential are refused. Last, the
// worker restarted with `--verify-light` verifies through a light client as through its node,
// and goes on verifying while its own node is frozen.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Keyring } from '@polkadot/api';
import { hexToU8a, u8aToHex } from '@polkadot/util';
import { cleanup, connect, retryOnNonceClash, rpcRequest, runNodeCommand, startNode, submitOk, tempDir, waitFor } from '../lib/node-process.js';
import { didOf, keyOf } from '../lib/did.js';
import { signEvidence } from '../lib/evidence.js';
import { call, startWorker, stopSimulation, workerCli } from '../lib/worker.js';
import { credentialHash, statusEntry, statusRecord, teeMethod } from '../lib/credential.js';
import {
  allowHttp, b64u, bitstringStatus, HolderKey, keyBinding, oauthError, presentTo, sdJwtVc, sha256, splitSdJwt,
  tokenStatus, verifyW3c, Wallet
} from '../lib/openid.js';

/** A CPT of five claims. */
const SCHEMA = JSON.stringify({
  type: 'object',
  required: ['name', 'degree'],
  properties: {
    name: { type: 'string' },
    degree: { type: 'string' },
    year: { type: 'integer' },
    university: { type: 'string' },
    honours: { type: 'boolean' }
  },
  additionalProperties: false
});
const CLAIMS = { name: 'Alice', degree: 'MSc', year: 2026, university: 'ETH Zurich', honours: true };

/**
 * How far a credential's `iat` may lie ahead of this clock: the worker dates a credential by its
 * own clock or, if later, by its block's time rounded up to the next whole second.
 */
const SKEW_SECONDS = 5;

allowHttp();

describe('OpenID4VCI, SD-JWT VCs, status lists and OpenID4VP with outside libraries', () => {
  let node, api, dir, alice, dave, worker, url, workerKey, token, cpt, slotMs;
  const issuer = () => didOf(dave.address);
  const sdJwtId = () => `cpt-${cpt}-sd-jwt`;
  const ldpVcId = () => `cpt-${cpt}-ldp-vc`;
  /** What each wallet received: `{ key, sdJwt, w3c }`. */
  const eddsa = {};
  const es256 = {};

  /** Alice's transactions: the worker, operated by Alice, sends its own at every slot. */
  const asAlice = (tx) => retryOnNonceClash(() => submitOk(api, tx, alice));

  before(async () => {
    dir = tempDir();
    node = await startNode(['--dev', '--base-path', join(dir, 'chain')]);
    api = await connect(node.url);
    // A slot is SlotLength blocks of one Aura slot each: what "within one slot" means here.
    slotMs = api.consts.attestation.slotLength.toNumber() * (await api.call.auraApi.slotDuration()).toNumber();
    const keyring = new Keyring({ type: 'sr25519' });
    [alice, dave] = ['//Alice', '//Dave'].map((uri) => keyring.addFromUri(uri));

    // The worker bootstraps the chain with root's help, operated by Alice.
    worker = await startWorker({ chain: node.url, operator: '//Alice', dataDir: join(dir, 'worker'), extra: ['--bootstrap'] });
    url = worker.url;
    workerKey = (await call(url, 'GET', '/health')).body.worker;

    // Dave, the issuer, creates his DID and a CPT, and binds the worker; Alice accepts.
    await submitOk(api, api.tx.did.create([keyOf('auth', dave)], null), dave);
    const { events } = await submitOk(api, api.tx.cpt.registerCpt('Normal', null, 'Degree', 'A degree', SCHEMA), dave);
    cpt = events.find(({ event }) => api.events.cpt.CptRegistered.is(event)).event.data.id.toNumber();
    await submitOk(api, api.tx.attestation.bindSigner(dave.address, workerKey), dave);
    await asAlice(api.tx.attestation.acceptSigner(dave.address, workerKey));
    const granted = workerCli(['token', 'grant', '--api', url, '--permission', 'sign,read', '--account', dave.address,
      '--label', 'issuer and verifier'], { operator: '//Alice' });
    assert.equal(granted.status, 0, granted.stderr);
    token = granted.json.token;
  });

  after(async () => {
    await worker?.stop();
    stopSimulation(join(dir, 'worker'));
    await api?.disconnect();
    await node?.stop();
    cleanup(dir);
  });

  /** A credential offer of Dave's CPT with `CLAIMS`, made by the issuer through the worker's API. */
  const offer = async (extra = {}) => {
    const { status, body } = await call(url, 'POST', '/v1/oid4vci/offers', {
      token, body: { issuer: issuer(), cpt, claims: CLAIMS, ...extra }
    });
    assert.equal(status, 201, JSON.stringify(body));
    assert.match(body.offerLink, /^openid-credential-offer:\/\/\?credential_offer_uri=/);
    assert.equal(new URL(body.offerLink).searchParams.get('credential_offer_uri'), body.credentialOfferUri);
    assert.ok(body.credentialOfferUri.startsWith(`${url}/v1/oid4vci/offers/`), body.credentialOfferUri);
    return body;
  };

  /** Checks an SD-JWT VC received by `key` under `binding`; returns its parts. */
  const checkSdJwt = (sdJwt, key, binding) => {
    const parts = splitSdJwt(sdJwt);
    assert.equal(parts.kb, undefined, 'issued without a key binding JWT');
    assert.deepEqual(parts.header, { alg: 'EdDSA', kid: teeMethod(issuer(), hexToU8a(workerKey)), typ: 'dc+sd-jwt' });
    const { payload } = parts;
    assert.equal(payload.iss, issuer());
    assert.equal(payload.vct, `urn:teeid:cpt:${cpt}`);
    assert.equal(payload.sub, key.holder(binding));
    assert.deepEqual(payload.cnf, { jwk: key.jwk });
    assert.equal(payload._sd_alg, 'sha-256');
    // Every claim is a disclosure whose digest `_sd` lists, and nothing else is.
    assert.deepEqual(Object.fromEntries(parts.disclosures.map(({ name, value }) => [name, value])), CLAIMS);
    assert.deepEqual(parts.disclosures.map(({ encoded }) => b64u(sha256(encoded))).sort(), [...payload._sd].sort());
    assert.equal(payload.teeid.statusEvidence, u8aToHex(statusRecord(api.genesisHash, payload.jti)));
    assert.equal(payload.teeid.platform, 'Simulated');
    assert.ok(payload.status.status_list.uri.startsWith(`${url}/v1/status-lists/`), JSON.stringify(payload.status));
    assert.ok(Number.isInteger(payload.status.status_list.idx));
    return parts;
  };

  /** Checks a W3C credential received by `key` under `binding`. */
  const checkW3c = (credential, key, binding) => {
    assert.equal(credential.issuer, issuer());
    assert.deepEqual(credential.credentialSubject, { id: key.holder(binding), ...CLAIMS });
    assert.equal(credential.credentialSchema.id, `urn:teeid:cpt:${cpt}`);
    // `credentialStatus`: the evidence record on chain, then the bitstring status list entry.
    const [evidence, bitstring] = credential.credentialStatus;
    const record = u8aToHex(statusRecord(api.genesisHash, credential.id));
    assert.deepEqual(evidence, {
      id: `urn:teeid:evidence:${record}`,
      type: 'TeeidEvidenceStatus2026',
      statusPurpose: 'revocation',
      chain: api.genesisHash.toHex(),
      evidence: record
    });
    assert.equal(bitstring.type, 'BitstringStatusListEntry');
    assert.equal(bitstring.statusPurpose, 'revocation');
    assert.ok(bitstring.statusListCredential.startsWith(`${url}/v1/status-lists/`), JSON.stringify(bitstring));
    assert.match(bitstring.statusListIndex, /^\d+$/);
    assert.equal(bitstring.id, `${bitstring.statusListCredential}#${bitstring.statusListIndex}`);
    assert.equal(credential.proof.verificationMethod, teeMethod(issuer(), hexToU8a(workerKey)));
  };

  it('gives a wallet of @openid4vc/openid4vci with an EdDSA key an SD-JWT VC and a W3C credential from the offer link alone', async () => {
    const offered = await offer({ txCode: true });
    assert.match(offered.txCode, /^\d{6}$/);
    const qr = await fetch(offered.qrCodeUri);
    assert.equal(qr.status, 200);
    assert.match(qr.headers.get('content-type'), /^image\/svg\+xml/);

    eddsa.key = await HolderKey.generate('EdDSA');
    const wallet = new Wallet(eddsa.key);
    // A wrong transaction code is refused, and leaves the offer to the right one.
    const wrong = String((Number(offered.txCode) + 1) % 1_000_000).padStart(6, '0');
    assert.equal(await oauthError(wallet.receive(offered.offerLink, wrong)), 'invalid_grant');
    const session = await wallet.receive(offered.offerLink, offered.txCode);

    // What the library read: the offer (with its transaction code prompt), the issuer's
    // metadata in OpenID4VCI 1.0 form with both configurations valid by its schemas, and a
    // token from the issuer's own authorization server.
    const { credentialOffer, issuerMetadata } = session;
    assert.equal(credentialOffer.credential_issuer, url);
    assert.deepEqual([...credentialOffer.credential_configuration_ids].sort(), [ldpVcId(), sdJwtId()]);
    const grant = credentialOffer.grants['urn:ietf:params:oauth:grant-type:pre-authorized_code'];
    assert.deepEqual([grant.tx_code.input_mode, grant.tx_code.length], ['numeric', 6]);
    assert.equal(issuerMetadata.originalDraftVersion, 'V1');
    assert.deepEqual(Object.keys(issuerMetadata.knownCredentialConfigurations).filter((id) => id.startsWith(`cpt-${cpt}-`)).sort(),
      [ldpVcId(), sdJwtId()]);
    assert.deepEqual(issuerMetadata.authorizationServers.map((server) => server.issuer), [url]);
    assert.equal(session.accessTokenResponse.token_type, 'Bearer');

    // The offer is gone once its code is redeemed, and the code redeems once.
    assert.equal((await fetch(offered.credentialOfferUri)).status, 404);
    assert.equal(await oauthError(session.redeemAgain(offered.txCode)), 'invalid_grant');

    // A nonce proves possession once: used again, or made up, it is refused.
    const nonce = await session.nonce();
    eddsa.sdJwt = await session.credential(sdJwtId(), { binding: 'jwk', nonce });
    assert.equal(await oauthError(session.credential(ldpVcId(), { binding: 'did:key', nonce })), 'invalid_nonce');
    const madeUp = b64u(randomBytes(40));
    assert.equal(await oauthError(session.credential(ldpVcId(), { binding: 'did:key', nonce: madeUp })), 'invalid_nonce');
    eddsa.w3c = await session.credential(ldpVcId(), { binding: 'did:key' });
    // Each credential of the offer is issued once.
    assert.equal(await oauthError(session.credential(ldpVcId(), { binding: 'did:key' })), 'invalid_credential_request');

    checkSdJwt(eddsa.sdJwt, eddsa.key, 'jwk');
    checkW3c(eddsa.w3c, eddsa.key, 'did:key');
  });

  it('gives a wallet with an ES256 key, named by did:key and did:jwk, both credentials from an offer without a transaction code', async () => {
    const offered = await offer();
    assert.equal(offered.txCode, null);
    es256.key = await HolderKey.generate('ES256');
    const session = await new Wallet(es256.key).receive(offered.offerLink);
    const grant = session.credentialOffer.grants['urn:ietf:params:oauth:grant-type:pre-authorized_code'];
    assert.equal(grant.tx_code, undefined);
    es256.sdJwt = await session.credential(sdJwtId(), { binding: 'did:key' });
    es256.w3c = await session.credential(ldpVcId(), { binding: 'did:jwk' });
    assert.match(es256.key.didKey, /^did:key:zDn/);
    checkSdJwt(es256.sdJwt, es256.key, 'did:key');
    checkW3c(es256.w3c, es256.key, 'did:jwk');
  });

  it('verifies the SD-JWT VC and a presentation of two of its five claims with @sd-jwt/sd-jwt-vc, and refuses a tampered disclosure', async () => {
    // The issuer's signature, by the key the header's kid names in the issuer's DID document,
    // and its token status list entry (valid).
    const verifier = sdJwtVc(url);
    for (const { sdJwt } of [eddsa, es256]) {
      const { header, payload } = await verifier.verify(sdJwt, { skewSeconds: SKEW_SECONDS });
      assert.equal(header.kid, teeMethod(issuer(), hexToU8a(workerKey)));
      for (const [name, value] of Object.entries(CLAIMS)) assert.deepEqual(payload[name], value);
    }

    // The holder discloses `name` and `degree`, bound to its key, for a verifier's nonce.
    for (const { key, sdJwt } of [eddsa, es256]) {
      const presentation = await sdJwtVc(url, { holder: key })
        .present(sdJwt, { name: true, degree: true }, { kb: keyBinding('https://verifier.example', 'n-0817') });
      const { disclosures, kb } = splitSdJwt(presentation);
      assert.deepEqual(disclosures.map(({ name }) => name).sort(), ['degree', 'name']);
      const { payload, kb: binding } = await verifier.verify(presentation, {
        keyBindingNonce: 'n-0817', requiredClaimKeys: ['name', 'degree'], skewSeconds: SKEW_SECONDS
      });
      assert.deepEqual([payload.name, payload.degree], [CLAIMS.name, CLAIMS.degree]);
      for (const hidden of ['year', 'university', 'honours']) assert.equal(payload[hidden], undefined, hidden);
      assert.deepEqual([binding.header.typ, binding.header.alg, binding.payload.aud], ['kb+jwt', key.alg, 'https://verifier.example']);
      assert.ok(kb);

      // Another verifier's nonce fails the key binding.
      await assert.rejects(verifier.verify(presentation, { keyBindingNonce: 'n-other', skewSeconds: SKEW_SECONDS }), /Invalid Nonce/);
      // A disclosure with its value changed matches no digest the issuer signed.
      const degree = disclosures.find(({ name }) => name === 'degree');
      const tampered = presentation.replace(degree.encoded, b64u(JSON.stringify([degree.salt, 'degree', 'PhD'])));
      await assert.rejects(verifier.verify(tampered, { keyBindingNonce: 'n-0817', skewSeconds: SKEW_SECONDS }),
        /Unreferenced disclosure/);
    }
  });

  it('verifies the W3C credentials with @digitalbazaar/vc, and @digitalbazaar/vc-bitstring-status-list finds them valid', async () => {
    for (const { w3c } of [eddsa, es256]) {
      const result = await verifyW3c(url, w3c);
      assert.ok(result.verified, JSON.stringify(result.error ?? result, null, 1));
      assert.deepEqual(result.statusResult.results.map(({ status }) => status), [false]);
      const status = await bitstringStatus(url, w3c);
      assert.ok(status.verified, JSON.stringify(status.error ?? status, null, 1));
      assert.equal(status.results[0].status, false);
    }
  });

  /**
   * Dave revokes the credential whose evidence record is `record` (`0x` hex) on chain:
   * evidence.create_evidence (add_signature if someone created the record already) and
   * evidence.set_revoked. Resolves when the revocation is final, with the time.
   */
  const revoke = async (record) => {
    const hash = hexToU8a(record);
    const args = await signEvidence(api, { hash, signer: dave.address, pair: dave, keyId: 'auth' });
    const exists = (await api.call.evidenceApi.evidence(hash)).isSome;
    await submitOk(api, exists ? api.tx.evidence.addSignature(hash, ...args) : api.tx.evidence.createEvidence(hash, ...args), dave);
    await submitOk(api, api.tx.evidence.setRevoked(hash, true), dave);
    return Date.now();
  };

  it('shows the W3C credential revoked in its bitstring status list within one slot of the issuer revoking on chain', { timeout: 600_000 }, async () => {
    const revokedAt = await revoke(statusEntry(es256.w3c).evidence);
    const status = await waitFor(async () => {
      const result = await bitstringStatus(url, es256.w3c);
      assert.ok(result.verified, JSON.stringify(result.error ?? result, null, 1));
      return result.results[0].status === true && result;
    }, { timeoutMs: slotMs, everyMs: 1000, what: 'the bit of the revoked W3C credential' });
    assert.ok(Date.now() - revokedAt <= slotMs, `revoked in the list ${Date.now() - revokedAt} ms after the chain, a slot is ${slotMs} ms`);
    assert.equal(status.results[0].credentialStatus.statusListIndex, statusEntry(es256.w3c, 'BitstringStatusListEntry').statusListIndex);
    // The other wallet's credential, in the same list, is still valid.
    assert.equal((await bitstringStatus(url, eddsa.w3c)).results[0].status, false);
  });

  it('shows the SD-JWT VC revoked in its token status list within one slot, for @owf/token-status-list and @sd-jwt/sd-jwt-vc', { timeout: 600_000 }, async () => {
    assert.equal(await tokenStatus(url, es256.sdJwt), 0);
    const revokedAt = await revoke(splitSdJwt(es256.sdJwt).payload.teeid.statusEvidence);
    await waitFor(async () => await tokenStatus(url, es256.sdJwt) === 1,
      { timeoutMs: slotMs, everyMs: 1000, what: 'the status of the revoked SD-JWT VC' });
    assert.ok(Date.now() - revokedAt <= slotMs, `revoked in the list ${Date.now() - revokedAt} ms after the chain, a slot is ${slotMs} ms`);
    const verifier = sdJwtVc(url);
    await assert.rejects(verifier.verify(es256.sdJwt, { skewSeconds: SKEW_SECONDS }), /Status is not valid/);
    assert.equal(await tokenStatus(url, eddsa.sdJwt), 0);
    await verifier.verify(eddsa.sdJwt, { skewSeconds: SKEW_SECONDS });
  });

  it('anchors the latest version of each status list in a batch on chain', { timeout: 900_000 }, async () => {
    const lists = [
      { uri: statusEntry(eddsa.w3c, 'BitstringStatusListEntry').statusListCredential, hash: async (response) => credentialHash(await response.json()) },
      { uri: splitSdJwt(eddsa.sdJwt).payload.status.status_list.uri, hash: async (response) => sha256(await response.text()) }
    ];
    for (const list of lists) {
      // 404 until the batch of the slot the version was published in is anchored in a final
      // block: the slot's end, then the worker's anchoring transaction and its finality.
      const anchor = await waitFor(async () => {
        const response = await fetch(`${list.uri}/anchor`);
        return response.status === 200 && await response.json();
      }, { timeoutMs: 3 * slotMs, everyMs: 2000, what: `the anchor of ${list.uri}` });
      // The hash is that of the version's exact bytes, served at its own URL.
      const version = await fetch(`${list.uri}/versions/${anchor.version}`);
      assert.equal(version.status, 200);
      assert.equal(anchor.hash, u8aToHex(await list.hash(version)));
      // The batch is on chain, anchored by the worker's operator, and the proof holds the hash.
      const anchorer = anchor.anchorer.replace('did:teeid:', '');
      assert.equal(anchorer, alice.address);
      const batch = await api.call.evidenceApi.batch(anchorer, anchor.root);
      assert.ok(batch.isSome, `the batch ${anchor.root} is on chain`);
      assert.ok((await api.call.evidenceApi.verifyBatchProof(anchorer, anchor.root, anchor.proof)).isOk);
      const proofType = api.call.evidenceApi.verifyBatchProof.meta.params.at(-1).type.toString();
      const { leaves } = api.createType(proofType, anchor.proof);
      assert.ok(leaves.some(([, leaf]) => leaf.toHex() === anchor.hash), `${anchor.hash} is a leaf of the proof`);
    }
  });

  /** A presentation request of the worker's verifier for `claims` of Dave's CPT. */
  const presentationRequest = async (claims = ['name', 'degree']) => {
    const { status, body } = await call(url, 'POST', '/v1/oid4vp/requests', { token, body: { cpt, claims } });
    assert.equal(status, 201, JSON.stringify(body));
    const request = body.authorizationRequest;
    assert.ok(request.response_uri.startsWith(`${url}/`), request.response_uri);
    assert.equal(request.client_id, `redirect_uri:${request.response_uri}`);
    assert.match(body.link, /^openid4vp:\/\/\?/);
    return body;
  };
  const requestState = async (id) => {
    const { status, body } = await call(url, 'GET', `/v1/oid4vp/requests/${id}`, { token });
    assert.equal(status, 200, JSON.stringify(body));
    return body;
  };

  it('accepts an OpenID4VP presentation made by @openid4vc/openid4vp and @sd-jwt/sd-jwt-vc, once, for its nonce only', async () => {
    const requested = await presentationRequest();
    assert.equal((await requestState(requested.requestId)).status, 'pending');
    const { resolved, presentation, response } = await presentTo(url, requested.link, { credential: eddsa.sdJwt, holder: eddsa.key });
    assert.equal(resolved.client.prefix, 'redirect_uri');
    assert.deepEqual(resolved.dcql.query, requested.authorizationRequest.dcql_query);
    assert.equal(response.status, 200, await response.clone().text());
    assert.deepEqual(await response.json(), {});
    assert.deepEqual(splitSdJwt(presentation).disclosures.map(({ name }) => name).sort(), ['degree', 'name']);
    const state = await requestState(requested.requestId);
    assert.equal(state.status, 'verified', JSON.stringify(state));
    assert.ok(state.verification.verified, JSON.stringify(state.verification));
    assert.deepEqual(state.claims, { name: CLAIMS.name, degree: CLAIMS.degree });
    assert.equal(state.issuer, issuer());
    assert.equal(state.holder, eddsa.key.didJwk);

    // The request takes one answer.
    const again = await presentTo(url, requested.link, { credential: eddsa.sdJwt, holder: eddsa.key });
    assert.equal(again.response.status, 400);
    assert.equal((await again.response.json()).error, 'invalid_request');

    // A key binding for another nonce is refused.
    const other = await presentationRequest();
    const replayed = await presentTo(url, other.link, { credential: eddsa.sdJwt, holder: eddsa.key, nonce: 'not-the-request-nonce' });
    assert.equal(replayed.response.status, 400);
    assert.ok(['access_denied', 'invalid_request'].includes((await replayed.response.json()).error));
    assert.equal((await requestState(other.requestId)).status, 'refused');

    // So is a credential the issuer revoked.
    const third = await presentationRequest();
    const revoked = await presentTo(url, third.link, { credential: es256.sdJwt, holder: es256.key });
    assert.equal(revoked.response.status, 400);
    const refused = await requestState(third.requestId);
    assert.equal(refused.status, 'refused');
    assert.equal(refused.verification.checks.find(({ check }) => check === 'revocation')?.ok, false, JSON.stringify(refused));
  });

  // The last test: it restarts the worker. Its verifier then reads the chain through a light
  // client (smoldot) that checks every value nodes serve against GRANDPA-finalized headers, and
  // judges every credential, check by check, as it did through the node. The worker's node is
  // now a second node the light client cannot reach (it takes the dev node as its only peer):
  // with that node frozen, verifications still answer, so none of their reads goes to it.
  it('verifies through a light client with --verify-light, check by check as through its node', { timeout: 600_000 }, async () => {
    const issued = [eddsa.w3c, eddsa.sdJwt, es256.w3c, es256.sdJwt];
    const verify = async (credential) => {
      const { status, body } = await call(url, 'POST', '/v1/verify/credential', { token, body: { credential } });
      assert.equal(status, 200, JSON.stringify(body));
      return body;
    };
    const outcomes = (credentials) => Promise.all(credentials.map(async (credential) =>
      (await verify(credential)).checks.map(({ check, ok }) => [check, ok])));
    const health = async () => (await call(url, 'GET', '/health')).body;
    const throughNode = await outcomes(issued);
    assert.equal((await health()).verifierReads, 'node');
    // The EdDSA wallet's credentials verify; the ES256 wallet's are revoked, and only that fails.
    for (const checks of throughNode.slice(0, 2)) assert.ok(checks.every(([, ok]) => ok), JSON.stringify(checks));
    for (const checks of throughNode.slice(2)) {
      assert.deepEqual(checks.filter(([, ok]) => !ok), [['revocation', false]], JSON.stringify(checks));
    }

    // The chain's raw specification, with the dev node as its boot node.
    const built = runNodeCommand(['build-spec', '--chain', 'dev', '--raw', '--disable-default-bootnode']);
    assert.equal(built.status, 0, built.stderr);
    const spec = JSON.parse(built.stdout);
    const devNode = `/ip4/127.0.0.1/tcp/${node.p2pPort}/p2p/${(await api.rpc.system.localPeerId()).toString()}`;
    spec.bootNodes = [devNode];
    const specPath = join(dir, 'dev-raw.json');
    writeFileSync(specPath, JSON.stringify(spec));
    const workerNode = await startNode(['--chain', specPath, '--base-path', join(dir, 'worker-node'),
      '--reserved-only', '--reserved-nodes', devNode]);
    try {
      const finalized = async (nodeUrl) =>
        parseInt((await rpcRequest(nodeUrl, 'chain_getHeader', [await rpcRequest(nodeUrl, 'chain_getFinalizedHead', [])])).number, 16);
      const target = await finalized(node.url);
      await waitFor(async () => await finalized(workerNode.url) >= target, { what: 'the second node to sync' });
      await worker.stop();
      worker = await startWorker({
        chain: workerNode.url, operator: '//Alice', dataDir: join(dir, 'worker'), port: worker.port,
        extra: ['--verify-light', specPath], readyTimeoutMs: 300_000
      });
      const started = await health();
      assert.equal(started.verifierReads, 'light client', JSON.stringify(started));
      assert.ok(started.lightFinalizedBlock >= target, JSON.stringify(started));
      assert.deepEqual(await outcomes(issued), throughNode);

      // A credential issued in a block past every head the light client had named: verified at
      // once (the verifier waits for the light client to prove the block final).
      const seen = (await health()).lightFinalizedBlock;
      await waitFor(async () => (await health()).finalizedBlock > seen + 1, { what: 'two more finalized blocks' });
      const fresh = await call(url, 'POST', '/v1/credentials', { token, body: { issuer: issuer(), holder: issuer(), cpt, claims: CLAIMS } });
      assert.equal(fresh.status, 201, JSON.stringify(fresh.body));
      const credential = fresh.body.credential;
      assert.ok(credential.evidence[0].blockNumber > seen + 1, `issued at ${credential.evidence[0].blockNumber}, the light client saw ${seen}`);
      const freshChecks = await verify(credential);
      assert.ok(freshChecks.verified, JSON.stringify(freshChecks));

      // OpenID4VP: a presentation accepted, one of the revoked credential refused.
      const requested = await presentationRequest();
      const { response } = await presentTo(url, requested.link, { credential: eddsa.sdJwt, holder: eddsa.key });
      assert.equal(response.status, 200, await response.clone().text());
      assert.equal((await requestState(requested.requestId)).status, 'verified');
      const other = await presentationRequest();
      const revoked = await presentTo(url, other.link, { credential: es256.sdJwt, holder: es256.key });
      assert.equal(revoked.response.status, 400);
      assert.equal((await requestState(other.requestId)).status, 'refused');

      // The worker's node frozen: verifications read nothing from it.
      workerNode.child.kill('SIGSTOP');
      try {
        assert.deepEqual(await outcomes([...issued, credential]),
          [...throughNode, freshChecks.checks.map(({ check, ok }) => [check, ok])]);
      } finally {
        workerNode.child.kill('SIGCONT');
      }
    } finally {
      await worker.stop();
      await workerNode.stop();
    }
  });
});
