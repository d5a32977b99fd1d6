// OpenID for Verifiable Credentials from outside the worker (docs/wallets.md): a wallet made of
// the OpenWallet Foundation's libraries (@openid4vc/openid4vci to receive, @sd-jwt/sd-jwt-vc
// and @openid4vc/openid4vp to present) holding keys of its own (jose), and verifiers that check
// what the worker's TA issued with nothing but public documents: the issuer's DID document
// through the worker's resolver route, the token status list of an SD-JWT VC (through
// @sd-jwt/sd-jwt-vc, which reads it with @owf/token-status-list) and the bitstring status list
// of a W3C credential (@digitalbazaar/vc-bitstring-status-list). Nothing here knows the worker
// beyond the URLs its documents hand out: a library that disagrees with the worker fails here.

import { createHash, randomBytes, webcrypto } from 'node:crypto';
import canonicalize from 'canonicalize';
import { CompactSign, exportJWK, generateKeyPair, importJWK } from 'jose';
import { base58Decode, base58Encode } from '@polkadot/util-crypto';
import { setGlobalConfig } from '@openid4vc/utils';
import { clientAuthenticationAnonymous, Oauth2ClientErrorResponseError } from '@openid4vc/oauth2';
import { Openid4vciClient, Openid4vciRetrieveCredentialsError } from '@openid4vc/openid4vci';
import { Openid4vpClient } from '@openid4vc/openid4vp';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { getListFromStatusListJWT } from '@owf/token-status-list';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { createVerifyCryptosuite } from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import { checkStatus } from '@digitalbazaar/vc-bitstring-status-list';

/**
 * Lets the @openid4vc libraries talk to a worker at an `http://` URL (a development worker):
 * they accept only `https://` URLs otherwise. The setting is process-wide.
 */
export function allowHttp () {
  setGlobalConfig({ allowInsecureUrls: true });
}

/** `bytes` (or a string, as UTF-8) in unpadded base64url. */
export function b64u (bytes) {
  return Buffer.from(bytes).toString('base64url');
}

/** The bytes of unpadded base64url `text`. */
export function fromB64u (text) {
  return new Uint8Array(Buffer.from(text, 'base64url'));
}

/** SHA-256 of `data` (bytes, an ArrayBuffer, or a string as UTF-8). */
export function sha256 (data) {
  const input = typeof data === 'string' || ArrayBuffer.isView(data) ? data : new Uint8Array(data);
  return new Uint8Array(createHash('sha256').update(input).digest());
}

/** The header and payload of compact JWT `jwt`, not verified. */
export function decodeJwt (jwt) {
  const [header, payload] = jwt.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
  };
}

/**
 * The parts of an SD-JWT (`<jwt>~<disclosure>~…~[<kb-jwt>]`): the issuer-signed JWT, its header
 * and payload, the disclosures (each `{ encoded, salt, name, value }`) and the KB-JWT if any.
 */
export function splitSdJwt (sdJwt) {
  const [jwt, ...rest] = sdJwt.split('~');
  const kb = rest.pop();
  const disclosures = rest.map((encoded) => {
    const [salt, name, value] = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    return { encoded, salt, name, value };
  });
  return { jwt, ...decodeJwt(jwt), disclosures, kb: kb || undefined };
}

/** The parameters of WebCrypto for JOSE algorithm `alg`. */
function webcryptoAlgorithm (alg) {
  if (alg === 'EdDSA' || alg === 'Ed25519') return { name: 'Ed25519' };
  if (alg === 'ES256') return { name: 'ECDSA', hash: 'SHA-256' };
  throw new Error(`unsupported JOSE algorithm ${alg}`);
}

/** Whether `signature` (base64url, raw as JWS has it) by public key `jwk` holds over `data`. */
export async function verifyJws (jwk, alg, data, signature) {
  const key = await importJWK(jwk, alg);
  return webcrypto.subtle.verify(webcryptoAlgorithm(alg), key, fromB64u(signature), new TextEncoder().encode(data));
}

/**
 * The JWK of a `Multikey` verification method's `publicKeyMultibase`: `z` and base58btc of a
 * multicodec-prefixed key. Only Ed25519 (`0xed 0x01`) is a JOSE key among the keys a did:teeid
 * document carries (TEE keys are Ed25519; sr25519 and secp256k1 DID keys are not JOSE keys).
 */
export function multikeyJwk (publicKeyMultibase) {
  if (!publicKeyMultibase?.startsWith('z')) throw new Error(`not a base58btc multibase key: ${publicKeyMultibase}`);
  const bytes = base58Decode(publicKeyMultibase.slice(1));
  if (bytes[0] === 0xed && bytes[1] === 0x01 && bytes.length === 34) {
    return { kty: 'OKP', crv: 'Ed25519', x: b64u(bytes.slice(2)) };
  }
  throw new Error(`${publicKeyMultibase} is not an Ed25519 key`);
}

/**
 * Resolves DID URLs through the worker at `worker` (its Universal Resolver route, `GET
 * /1.0/identifiers/{did}`, no token): `resolve(didUrl, relationship)` gives the verification
 * method's public JWK (from `publicKeyJwk`, or from `publicKeyMultibase`), and throws unless
 * the DID document lists the method under `relationship`.
 */
export function didResolver (worker) {
  return async function resolve (didUrl, relationship = 'assertionMethod') {
    const [did] = didUrl.split('#');
    const response = await fetch(`${worker}/1.0/identifiers/${did}`);
    if (!response.ok) throw new Error(`resolving ${did}: HTTP ${response.status} ${await response.text()}`);
    const document = (await response.json()).didDocument;
    const method = document.verificationMethod?.find((m) => m.id === didUrl);
    if (!method) throw new Error(`${didUrl} is not a verification method of ${did}`);
    const listed = (document[relationship] ?? []).some((entry) => (entry.id ?? entry) === didUrl);
    if (!listed) throw new Error(`${didUrl} is not an ${relationship} method of ${did}`);
    return method.publicKeyJwk ?? multikeyJwk(method.publicKeyMultibase);
  };
}

/**
 * A holder's key pair, made with jose: `EdDSA` (Ed25519) or `ES256` (P-256). It names itself as
 * a bare JWK, as `did:key` or as `did:jwk`, the bindings OpenID4VCI proofs can use.
 */
export class HolderKey {
  /** A fresh key pair for JOSE algorithm `alg`. */
  static async generate (alg) {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const { kty, crv, x, y } = await exportJWK(publicKey);
    return new HolderKey(alg, privateKey, y === undefined ? { kty, crv, x } : { kty, crv, x, y });
  }

  constructor (alg, privateKey, jwk) {
    this.alg = alg;
    this.privateKey = privateKey;
    /** The public key as a JWK: public members only. */
    this.jwk = jwk;
  }

  /**
   * The key as `did:key`: `z` and base58btc of the multicodec key, `ed25519-pub` (0xed 0x01) and
   * the 32 bytes, or `p256-pub` (0x80 0x24) and the compressed point.
   */
  get didKey () {
    const x = fromB64u(this.jwk.x);
    const key = this.alg === 'EdDSA'
      ? [0xed, 0x01, ...x]
      : [0x80, 0x24, fromB64u(this.jwk.y)[31] & 1 ? 0x03 : 0x02, ...x];
    return `did:key:z${base58Encode(new Uint8Array(key))}`;
  }

  /** The key as `did:jwk`: base64url of its JWK in canonical JSON (RFC 8785). */
  get didJwk () {
    return `did:jwk:${b64u(canonicalize(this.jwk))}`;
  }

  /** The DID a credential bound with `binding` (`jwk`, `did:key` or `did:jwk`) names as holder. */
  holder (binding) {
    return binding === 'did:key' ? this.didKey : this.didJwk;
  }

  /**
   * The @openid4vc `JwtSigner` for `binding`: the key itself in the JWT header (`jwk`), or the
   * DID URL of the key (`kid`): `did:key:z…#z…`, or `did:jwk:…#0`.
   */
  jwtSigner (binding) {
    if (binding === 'jwk') return { method: 'jwk', alg: this.alg, publicJwk: this.jwk };
    const didUrl = binding === 'did:key'
      ? `${this.didKey}#${this.didKey.slice('did:key:'.length)}`
      : `${this.didJwk}#0`;
    return { method: 'did', alg: this.alg, didUrl };
  }

  /** A compact JWS of `payload` (an object) under `header` (`alg` is added). */
  async signJwt (header, payload) {
    return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ ...header, alg: this.alg })
      .sign(this.privateKey);
  }

  /** The raw signature (base64url, as in a JWS) of `data` (a string). */
  async sign (data) {
    const signature = await webcrypto.subtle.sign(webcryptoAlgorithm(this.alg), this.privateKey,
      new TextEncoder().encode(data));
    return b64u(new Uint8Array(signature));
  }
}

/** The callbacks the @openid4vc clients need, for a wallet holding `key`. */
export function walletCallbacks (key) {
  return {
    hash: (data) => sha256(data),
    generateRandom: (length) => new Uint8Array(randomBytes(length)),
    // The worker's authorization server takes the pre-authorized code without client
    // authentication (`pre-authorized_grant_anonymous_access_supported`).
    clientAuthentication: clientAuthenticationAnonymous(),
    signJwt: async (signer, { header, payload }) => ({ jwt: await key.signJwt(header, payload), signerJwk: key.jwk })
  };
}

/**
 * The OAuth error code (`invalid_grant`, `invalid_nonce`, …) `promise` is refused with by an
 * @openid4vc client; throws if it is not refused that way.
 */
export async function oauthError (promise) {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Oauth2ClientErrorResponseError) return error.errorResponse.error;
    if (error instanceof Openid4vciRetrieveCredentialsError) {
      const refused = error.response.credentialErrorResponseResult;
      if (refused?.success) return refused.data.error;
    }
    throw error;
  }
  throw new Error('the request succeeded');
}

/**
 * A wallet of the @openid4vc/openid4vci client with one key. `receive(offerLink, txCode)`
 * resolves the offer and the issuer's metadata and redeems the pre-authorized code; the
 * session it returns requests nonces and credentials.
 */
export class Wallet {
  constructor (key) {
    this.key = key;
    this.client = new Openid4vciClient({ callbacks: walletCallbacks(key) });
  }

  async receive (offerLink, txCode) {
    const credentialOffer = await this.client.resolveCredentialOffer(offerLink);
    const issuerMetadata = await this.client.resolveIssuerMetadata(credentialOffer.credential_issuer);
    const token = await this.client.retrievePreAuthorizedCodeAccessTokenFromOffer({
      credentialOffer, issuerMetadata, txCode
    });
    return new IssuanceSession(this, credentialOffer, issuerMetadata, token.accessTokenResponse);
  }
}

/** What a wallet holds while it receives the credentials of one offer. */
export class IssuanceSession {
  constructor (wallet, credentialOffer, issuerMetadata, accessTokenResponse) {
    this.wallet = wallet;
    this.credentialOffer = credentialOffer;
    this.issuerMetadata = issuerMetadata;
    this.accessTokenResponse = accessTokenResponse;
  }

  /** A fresh `c_nonce` from the issuer's nonce endpoint. */
  async nonce () {
    return (await this.wallet.client.requestNonce({ issuerMetadata: this.issuerMetadata })).c_nonce;
  }

  /** Redeems the pre-authorized code of the offer again (a replay). */
  redeemAgain (txCode) {
    return this.wallet.client.retrievePreAuthorizedCodeAccessTokenFromOffer({
      credentialOffer: this.credentialOffer, issuerMetadata: this.issuerMetadata, txCode
    });
  }

  /**
   * The credential of configuration `id`, its proof of possession signed with the wallet's key
   * under `binding` (`jwk`, `did:key`, `did:jwk`) for `nonce` (a fresh one if not given): an
   * SD-JWT string or a W3C credential object.
   */
  async credential (id, { binding = 'jwk', nonce } = {}) {
    const { client, key } = this.wallet;
    const { jwt } = await client.createCredentialRequestJwtProof({
      issuerMetadata: this.issuerMetadata,
      credentialConfigurationId: id,
      signer: key.jwtSigner(binding),
      nonce: nonce ?? await this.nonce()
    });
    const { credentialResponse } = await client.retrieveCredentials({
      issuerMetadata: this.issuerMetadata,
      accessToken: this.accessTokenResponse.access_token,
      credentialConfigurationId: id,
      proofs: { jwt: [jwt] }
    });
    return credentialResponse.credentials[0].credential;
  }
}

/**
 * @sd-jwt/sd-jwt-vc set up to verify SD-JWT VCs of the worker at `worker` (and, with `holder`,
 * a HolderKey, to present them): the issuer's signature and the status list token's are checked
 * with the key their header's `kid` names in the issuer's DID document (an `assertionMethod`,
 * whose DID is the JWT's `iss`), a key binding JWT with the holder's `cnf.jwk`. The status list
 * is fetched and read by the library itself (`statusListFetcher`: GET of `status.status_list.uri`
 * with `Accept: application/statuslist+jwt`, then @owf/token-status-list).
 */
export function sdJwtVc (worker, { holder } = {}) {
  const resolve = didResolver(worker);
  const issuerVerifier = async (data, signature) => {
    const [header, payload] = data.split('.').map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')));
    if (header.alg !== 'EdDSA' || typeof header.kid !== 'string') return false;
    if (header.kid.split('#')[0] !== payload.iss) return false;
    return verifyJws(await resolve(header.kid), 'EdDSA', data, signature);
  };
  return new SDJwtVcInstance({
    hasher: (data) => sha256(data),
    hashAlg: 'sha-256',
    saltGenerator: (length) => b64u(randomBytes(length)),
    verifier: issuerVerifier,
    statusVerifier: issuerVerifier,
    kbVerifier: async (data, signature, payload) => {
      const { alg } = JSON.parse(Buffer.from(data.split('.')[0], 'base64url').toString('utf8'));
      const jwk = payload?.cnf?.jwk;
      return jwk !== undefined && verifyJws(jwk, alg, data, signature);
    },
    kbSigner: holder && ((data) => holder.sign(data)),
    kbSignAlg: holder?.alg
  });
}

/**
 * A key binding JWT payload for a presentation to `aud` with `nonce`, issued now (the library
 * adds `sd_hash`).
 */
export function keyBinding (aud, nonce) {
  return { payload: { iat: Math.floor(Date.now() / 1000), aud, nonce } };
}

/**
 * The status of an SD-JWT VC in its token status list, read with @owf/token-status-list after
 * checking the list token: fetched from `status.status_list.uri` as
 * `application/statuslist+jwt`, `typ` `statuslist+jwt`, `sub` the URI, `iss` the credential's
 * issuer, signed by the key its `kid` names in the issuer's DID document. 0 is valid, 1 revoked.
 */
export async function tokenStatus (worker, sdJwt) {
  const { payload } = splitSdJwt(sdJwt);
  const { uri, idx } = payload.status.status_list;
  const response = await fetch(uri, { headers: { accept: 'application/statuslist+jwt' } });
  if (!response.ok) throw new Error(`GET ${uri}: HTTP ${response.status}`);
  const type = response.headers.get('content-type');
  if (!type?.startsWith('application/statuslist+jwt')) throw new Error(`GET ${uri}: content type ${type}`);
  const list = await response.text();
  const { header, payload: claims } = decodeJwt(list);
  if (header.typ !== 'statuslist+jwt' || claims.sub !== uri || claims.iss !== payload.iss) {
    throw new Error(`not the status list token of ${uri}: ${JSON.stringify({ header, claims })}`);
  }
  const [signingInput, signature] = [list.slice(0, list.lastIndexOf('.')), list.split('.')[2]];
  if (!await verifyJws(await didResolver(worker)(header.kid), header.alg, signingInput, signature)) {
    throw new Error(`the status list token of ${uri} is not signed by ${header.kid}`);
  }
  return getListFromStatusListJWT(list).getStatus(idx);
}

/**
 * A JSON-LD document loader for Digital Bazaar's libraries: did:teeid DIDs and their key URLs
 * through the worker's resolver route, the contexts from the library's own loader, and any
 * other URL (a bitstring status list credential) fetched as JSON.
 */
export function documentLoader (worker) {
  return async (url) => {
    if (url.startsWith('did:teeid:')) {
      const [did, fragment] = url.split('#');
      const response = await fetch(`${worker}/1.0/identifiers/${did}`);
      if (!response.ok) throw new Error(`resolving ${did}: HTTP ${response.status}`);
      const document = (await response.json()).didDocument;
      if (!fragment) return { contextUrl: null, documentUrl: url, document };
      const method = document.verificationMethod.find((m) => m.id === url);
      if (!method) throw new Error(`${url} is not in the DID document`);
      return {
        contextUrl: null,
        documentUrl: url,
        document: { '@context': 'https://w3id.org/security/multikey/v1', ...method }
      };
    }
    try {
      return await vc.defaultDocumentLoader(url);
    } catch {
      const response = await fetch(url, { headers: { accept: 'application/json' } });
      if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
      return { contextUrl: null, documentUrl: url, document: await response.json() };
    }
  };
}

/**
 * The bitstring status of W3C credential `credential` by @digitalbazaar/vc-bitstring-status-list
 * (`checkStatus`): it loads the `BitstringStatusListCredential` its `BitstringStatusListEntry`
 * names, verifies its eddsa-jcs-2022 proof and that its issuer is the credential's, and reads
 * the bit. `{ verified, results: [{ status }] }`: `status` false is valid, true revoked.
 */
export function bitstringStatus (worker, credential) {
  return checkStatus({
    credential,
    documentLoader: documentLoader(worker),
    suite: new DataIntegrityProof({ cryptosuite: createVerifyCryptosuite() })
  });
}

/**
 * Verifies W3C credential `credential` with @digitalbazaar/vc: its proof, by the key its
 * issuer's DID document gives, and its bitstring status list entry (`statusResult`).
 */
export function verifyW3c (worker, credential) {
  return vc.verifyCredential({
    credential,
    suite: new DataIntegrityProof({ cryptosuite: createVerifyCryptosuite() }),
    documentLoader: documentLoader(worker),
    checkStatus: (options) => checkStatus(options)
  });
}

/**
 * Answers the OpenID4VP authorization request of `link` (`openid4vp://?…`) with the
 * @openid4vc/openid4vp client: resolves the request, presents SD-JWT VC `credential` with the
 * claims its DCQL query asks for and a key binding JWT by `holder` for the request's `client_id`
 * and `nonce` (`nonce` replaces it), and posts the answer (`direct_post`) to its `response_uri`.
 * Returns `{ request, presentation, response }`, `response` the verifier's HTTP answer.
 */
export async function presentTo (worker, link, { credential, holder, nonce }) {
  const client = new Openid4vpClient({ callbacks: walletCallbacks(holder) });
  const { params } = client.parseOpenid4vpAuthorizationRequest({ authorizationRequest: link });
  const resolved = await client.resolveOpenId4vpAuthorizationRequest({ authorizationRequestPayload: params });
  const request = resolved.authorizationRequestPayload;
  const [query] = resolved.dcql.query.credentials;
  const frame = Object.fromEntries(query.claims.map(({ path }) => [path[0], true]));
  const presentation = await sdJwtVc(worker, { holder })
    .present(credential, frame, { kb: keyBinding(request.client_id, nonce ?? request.nonce) });
  const { authorizationResponsePayload } = await client.createOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request,
    authorizationResponsePayload: { vp_token: { [query.id]: [presentation] } }
  });
  const { response } = await client.submitOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request, authorizationResponsePayload
  });
  return { resolved, request, presentation, response };
}
