// The committee, through polkadot.js: a member proposes a call, members vote, and the motion is
// closed once enough voted aye, which dispatches the call with the committee's origin
// (docs/operations.md, "Running a production network"). A majority (more than half) does what
// the teeid pallets accept from governance; calls that need root itself (a runtime upgrade)
// go through the whitelist, with two thirds.

import { explainError, retryOnNonceClash, submitOk } from './node-process.js';

/** More than half of `members`: the smallest majority. */
export function majority (members) {
  return Math.floor(members / 2) + 1;
}

/** At least two thirds of `members`. */
export function twoThirds (members) {
  return Math.ceil(members * 2 / 3);
}

/**
 * `call` wrapped so that a committee motion dispatches it as root: the motion whitelists the
 * call's hash and dispatches it with its preimage, in one `utility.batchAll`.
 */
export function asRoot (api, call) {
  return api.tx.utility.batchAll([
    api.tx.whitelist.whitelistCall(call.method.hash),
    api.tx.whitelist.dispatchWhitelistedCallWithPreimage(call)
  ]);
}

/**
 * Runs a committee motion of `call`: `voters[0]` proposes it with `threshold` ayes needed (by
 * default a majority of the current members), every voter votes aye (each a keyring pair,
 * all members), and `voters[0]` closes it. Returns the events of the block the motion executed
 * in; throws unless it executed and the call itself succeeded (for a call dispatched `asRoot`,
 * the whitelisted call too). Members may be workers' operators, whose workers send transactions
 * of their own meanwhile: each step is signed again after a nonce clash.
 */
export async function committeeOk (api, call, voters, { threshold } = {}) {
  const members = (await api.query.committee.members()).length;
  threshold ??= majority(members);
  const lengthBound = call.method.encodedLength;
  const [proposer] = voters;
  const submit = (tx, signer) => retryOnNonceClash(() => submitOk(api, tx, signer));
  const { events: proposed } = await submit(api.tx.committee.propose(threshold, call, lengthBound), proposer);
  let events = proposed;
  if (threshold > 1) {
    const { proposalIndex, proposalHash } = proposed.find(({ event }) => api.events.committee.Proposed.is(event)).event.data;
    await Promise.all(voters.map((voter) => submit(api.tx.committee.vote(proposalHash, proposalIndex, true), voter)));
    const { weight } = await call.paymentInfo(proposer.address);
    ({ events } = await submit(api.tx.committee.close(proposalHash, proposalIndex, weight, lengthBound), proposer));
  }
  const executed = events.find(({ event }) => api.events.committee.Executed.is(event))?.event.data;
  if (!executed) throw new Error('the motion did not execute (not enough ayes)');
  if (executed.result.isErr) throw new Error(`the committee's call failed: ${explainError(api, executed.result.asErr)}`);
  const dispatched = events.find(({ event }) => api.events.whitelist.WhitelistedCallDispatched.is(event))?.event.data;
  if (dispatched?.result.isErr) {
    throw new Error(`the whitelisted call failed: ${explainError(api, dispatched.result.asErr.error)}`);
  }
  return events;
}
