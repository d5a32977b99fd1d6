// A worker through a finality stall, on a `--sealing manual` dev node where the test makes
// every block and decides which are finalized. The worker (bootstrapped by root) takes its slot
// from the best block, so while blocks keep coming and none is finalized for more than
// MissedSlots slots it goes on reporting and counting; a worker that misses that many slots all
// the same (its process paused) is marked inactive by the chain and made active again by its
// next report; once finality returns, the stalled blocks are final and later slots get
// reports.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cleanup, connect, sealEvery, startNode, tempDir, waitFor } from '../lib/node-process.js';
import { call, startWorker, stopSimulation } from '../lib/worker.js';

/** How often a block is made while the worker works: a slot of 10 blocks lasts 4 s. */
const BLOCK_MS = 400;

describe('a worker through a finality stall (manual seal)', () => {
  let node, api, dir, worker, key, slotLength, missedSlots, sealing;
  const workerDir = () => join(dir, 'worker');

  before(async () => {
    dir = tempDir();
    node = await startNode(['--dev', '--sealing', 'manual', '--base-path', join(dir, 'chain')]);
    api = await connect(node.url);
    slotLength = api.consts.attestation.slotLength.toNumber();
    missedSlots = api.consts.attestation.missedSlots.toNumber();
  });

  after(async () => {
    // Killed, not stopped: a clean stop unbinds, and that needs blocks nobody makes any more.
    await worker?.kill();
    stopSimulation(workerDir());
    await sealing?.stop().catch(() => {});
    await api?.disconnect();
    await node?.stop();
    cleanup(dir);
  });

  /** The worker as the chain sees it at `hash` (the best block if not given). */
  const view = async (hash) => {
    const at = hash ? await api.at(hash) : api;
    return (await at.call.attestationApi.worker(key)).unwrap();
  };
  const bestNumber = async () => (await api.rpc.chain.getHeader()).number.toNumber();
  const finalizedNumber = async () =>
    (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
  const slotOf = (number) => Math.floor(number / slotLength);
  const lastReport = (info) => info.info.lastReport.isSome ? info.info.lastReport.unwrap().toNumber() : -1;

  it('registers a worker on a node whose blocks the test makes', { timeout: 300_000 }, async () => {
    sealing = sealEvery(api, BLOCK_MS, { finalize: true });
    worker = await startWorker({ chain: node.url, operator: '//Alice', dataDir: workerDir(), extra: ['--bootstrap'] });
    key = (await call(worker.url, 'GET', '/health')).body.worker;
    // Its first slot reported, and final.
    await waitFor(async () => lastReport(await view(await api.rpc.chain.getFinalizedHead())) >= 0,
      { timeoutMs: 120_000, what: 'a finalized work report' });
  });

  it('keeps the worker counting while no block is finalized for more than MissedSlots slots', { timeout: 300_000 }, async () => {
    sealing.finalize = false;
    const stalledAt = await finalizedNumber();
    const stalledHash = await api.rpc.chain.getFinalizedHead();
    // Judged by the finalized block, the worker would have missed every slot after it: the
    // chain, which judges by the best block, would mark it inactive after MissedSlots of them.
    const beyond = slotOf(stalledAt) + missedSlots + 1;
    await waitFor(async () => {
      const info = await view();
      return slotOf(await bestNumber()) > beyond && info.active.isTrue && lastReport(info) >= beyond;
    }, { timeoutMs: 120_000, what: `work reports of slot ${beyond} and later while finality stalls` });
    assert.ok((await api.rpc.chain.getFinalizedHead()).eq(stalledHash), 'nothing was finalized meanwhile');
    assert.ok((await view()).info.status.isActive);
  });

  let reactivatedFrom;
  it('marks a worker that missed MissedSlots slots inactive, and active again once it reports', { timeout: 300_000 }, async () => {
    // The worker's host stops (its process paused) while finality still stalls: it reports
    // nothing until the chain passes its deadline.
    await sealing.stop();
    process.kill(worker.child.pid, 'SIGSTOP');
    let missed;
    try {
      // A report already in the pool may still land: blocks until the deadline after it.
      for (let made = 0; made <= (missedSlots + 2) * slotLength; made++) {
        missed = await view();
        if (missed.active.isFalse) break;
        await api.rpc.engine.createBlock(true, false);
      }
    } finally {
      process.kill(worker.child.pid, 'SIGCONT');
    }
    assert.ok(missed.active.isFalse, 'inactive once its deadline passed');
    const { since } = missed.info.status.asInactive;
    assert.equal(since.toNumber(), missed.info.deadline.toNumber());
    reactivatedFrom = await bestNumber();
    sealing = sealEvery(api, BLOCK_MS, { finalize: false });
    await waitFor(async () => (await view()).active.isTrue, { timeoutMs: 120_000, what: 'the worker active again' });

    // The chain says so: `WorkerReactivated` for the slot the worker reported.
    const found = [];
    for (let n = reactivatedFrom + 1; n <= await bestNumber(); n++) {
      const events = await (await api.at(await api.rpc.chain.getBlockHash(n))).query.system.events();
      for (const { event } of events) {
        if (api.events.attestation.WorkerReactivated.is(event) && event.data.worker.toHex() === key) found.push(event.data);
      }
    }
    assert.equal(found.length, 1, 'one reactivation');
    assert.ok(found[0].slot.toNumber() >= since.toNumber());
    assert.ok(lastReport(await view()) >= found[0].slot.toNumber());
  });

  it('counts the worker in finalized state once finality returns, and later slots get reports', { timeout: 300_000 }, async () => {
    const best = await api.rpc.chain.getBlockHash(await bestNumber());
    assert.ok((await api.rpc.engine.finalizeBlock(best)).isTrue);
    sealing.finalize = true;
    const from = slotOf(await bestNumber());
    await waitFor(async () => {
      const info = await view(await api.rpc.chain.getFinalizedHead());
      return info.active.isTrue && lastReport(info) > from;
    }, { timeoutMs: 120_000, what: `a finalized work report of a slot after ${from}` });
    assert.ok(await finalizedNumber() > reactivatedFrom);
  });
});
