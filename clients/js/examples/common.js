// What every example shares: where the chain and the worker are, connecting polkadot.js with
// nothing but the chain's metadata, funded throwaway accounts, and the worker's API.
//
// Each example prints its progress on stderr and, on success, a JSON summary of what it did on
// stdout (the end-to-end suite checks it). Settings come from the environment:
//
// | variable                | default                 | what                                              |
// |-------------------------|-------------------------|---------------------------------------------------|
// | `TEEID_WS`              | `ws://127.0.0.1:9944`   | the node's RPC                                    |
// | `TEEID_WORKER_API`      | `http://127.0.0.1:8600` | a registered worker's API                         |
// | `TEEID_WORKER_TOKEN`    | none                    | an admin token of that worker (endorse tokens)    |
// | `TEEID_WORKER_OPERATOR` | `//Alice`               | that worker's operator key (accepting a binding)  |
// | `TEEID_FAUCET`          | `//Ferdie`              | the funded account that pays for the rest         |

import { ApiPromise, Keyring, WsProvider } from '@polkadot/api';
import { cryptoWaitReady, mnemonicGenerate } from '@polkadot/util-crypto';
import { keyOf } from '../lib/did.js';
import { submitOk } from '../lib/node-process.js';
import { call } from '../lib/worker.js';

/** The settings of this run. */
export const settings = {
  ws: process.env.TEEID_WS || 'ws://127.0.0.1:9944',
  workerApi: (process.env.TEEID_WORKER_API || 'http://127.0.0.1:8600').replace(/\/$/, ''),
  workerToken: process.env.TEEID_WORKER_TOKEN,
  workerOperator: process.env.TEEID_WORKER_OPERATOR || '//Alice',
  faucet: process.env.TEEID_FAUCET || '//Ferdie'
};

/** Prints a step of the example. */
export function step (message) {
  console.error(`- ${message}`);
}

/** A failure the user can act on: printed without a stack trace, exit code 2. */
export class UsageError extends Error {}

/**
 * Runs an example: connects to the node, calls `main(api)`, prints what it returns as JSON and
 * disconnects. Failures set a non-zero exit code.
 */
export async function run (main) {
  let api;
  try {
    await cryptoWaitReady();
    api = await connect();
    const summary = await main(api);
    console.log(JSON.stringify(summary, null, 2));
  } catch (error) {
    console.error(`error: ${error instanceof UsageError ? error.message : error.stack ?? error}`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  } finally {
    await api?.disconnect();
  }
}

/** Connects polkadot.js to the node, with no custom types. */
async function connect () {
  step(`connecting to ${settings.ws}`);
  const provider = new WsProvider(settings.ws);
  try {
    // No custom types: the runtime's metadata (V15/V16) describes every call, event, error,
    // storage item and runtime API.
    return await ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true });
  } catch (error) {
    await provider.disconnect();
    throw new UsageError(`no node answers at ${settings.ws} (set TEEID_WS): ${error.message}`);
  }
}

/** An sr25519 keyring. */
export const keyring = () => new Keyring({ type: 'sr25519' });

/** `n` whole tokens in the chain's smallest unit. */
export function tokens (api, n) {
  return BigInt(n) * 10n ** BigInt(api.registry.chainDecimals[0]);
}

/**
 * Signs `tx` with `signer`, submits it and waits until its block is finalized; throws with the
 * module error (`section.Name`) if it failed. Resolves with `{ blockHash, blockNumber, events }`.
 */
export async function send (api, tx, signer) {
  const { blockHash, events } = await submitOk(api, tx, signer);
  const blockNumber = (await api.rpc.chain.getHeader(blockHash)).number.toNumber();
  return { blockHash: blockHash.toHex(), blockNumber, events };
}

/**
 * Fresh sr25519 accounts (random mnemonics) named `names`, each given `amount` whole tokens by
 * the faucet in one batch, so every run of an example starts from new DIDs.
 */
export async function fundedAccounts (api, names, amount = 100) {
  const ring = keyring();
  const faucet = ring.addFromUri(settings.faucet);
  const accounts = Object.fromEntries(names.map((name) => [name, ring.addFromMnemonic(mnemonicGenerate(), { name })]));
  const transfers = Object.values(accounts)
    .map((pair) => api.tx.balances.transferKeepAlive(pair.address, tokens(api, amount)));
  step(`funding ${names.join(', ')} with ${amount} tokens each from ${settings.faucet}`);
  await send(api, api.tx.utility.batchAll(transfers), faucet);
  return accounts;
}

/** `did.create` for `pair`'s account with its own key as `key-1`, controlled by itself. */
export function createDid (api, pair) {
  return api.tx.did.create([keyOf('key-1', pair)], null);
}

/** The data of the `section.method` events among `events`. */
export function eventsOf (events, section, method) {
  return events
    .filter(({ event }) => event.section === section && event.method === method)
    .map(({ event }) => event.data);
}

/** Calls the worker's API; returns its JSON answer, or throws with its message unless 2xx. */
export async function worker (method, path, { token, body } = {}) {
  let answer;
  try {
    answer = await call(settings.workerApi, method, path, { token, body });
  } catch (error) {
    throw new UsageError(`no worker answers at ${settings.workerApi} (set TEEID_WORKER_API): ${error.cause?.message ?? error.message}`);
  }
  if (answer.status >= 300) {
    throw new Error(`${method} ${path}: ${answer.status} ${answer.body?.error}: ${answer.body?.message ?? answer.text}`);
  }
  return answer.body;
}
