/**
 * A fleet spends one rate limit: three engines share a deployment's rpm through the real Redis.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Breakerbox } from '../../src/engine/index.js';
import { startSim } from '../support/start-sim.js';
import { Redis } from 'ioredis';
import {
  REDIS_URL,
  fleetEngine,
  freshPrefix,
  nextTransition,
  requireRedis,
  storeOf,
} from '../support/fleet.js';

const ask = { model: 'limited', messages: [{ role: 'user' as const, content: 'hi' }] };

/**
 * Sends `n` requests, `concurrency` at a time; counts those answered and those refused. Every
 * refusal must be the rate limit's: anything else (a timeout on a loaded host, a breaker it
 * opened) fails here with its reasons, not later as a short count.
 */
async function load(bb: Breakerbox, n: number, concurrency: number): Promise<[number, number]> {
  let ok = 0;
  let refused = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      next++;
      try {
        await bb.chat(ask);
        ok++;
      } catch (error) {
        const e = error as { code?: string; attempts?: readonly { reason: string }[] };
        assert.equal(e.code, 'all_candidates_failed');
        const reasons = (e.attempts ?? []).map((a) => a.reason);
        assert.deepEqual(
          reasons,
          ['rate_limited'],
          `refused for another reason: ${reasons.join(', ')}`,
        );
        refused++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return [ok, refused];
}

before(() => requireRedis());

describe('fleet: rate limits shared through Redis', () => {
  test('a 600 rpm limit holds across three replicas within 5%', async (t) => {
    const sim = await startSim(t);
    const prefix = freshPrefix();
    const fleet = ['a', 'b', 'c'].map((id) =>
      fleetEngine(t, { prefix, replicaId: id, sim, primaryRpm: 600 }),
    );
    await Promise.all(fleet.map((e) => storeOf(e).whenShared()));
    const started = Date.now();
    // 300 requests per replica, 900 in all: each replica alone would admit all of its 300.
    const results = await Promise.all(fleet.map((e) => load(e, 300, 10)));
    const seconds = (Date.now() - started) / 1000;
    const admitted = results.reduce((sum, [ok]) => sum + ok, 0);
    const refused = results.reduce((sum, [, no]) => sum + no, 0);
    assert.equal(admitted + refused, 900);
    // The bucket starts with 600 and refills 10 a second while the test runs.
    const allowed = 600 + 10 * seconds;
    assert.ok(admitted <= allowed * 1.05, `admitted ${admitted} > ${allowed.toFixed(0)} + 5%`);
    assert.ok(admitted >= 600 * 0.95, `admitted only ${admitted} of 600`);
    assert.equal(sim.calls('primary'), admitted);
  });

  test('with Redis unreachable each replica keeps its share of the limit and no request fails for it', async (t) => {
    const sim = await startSim(t);
    const bb = fleetEngine(t, {
      prefix: freshPrefix(),
      replicaId: 'alone',
      sim,
      primaryRpm: 60,
      url: 'redis://127.0.0.1:1',
    });
    const [ok, refused] = await load(bb, 80, 4);
    assert.equal(storeOf(bb).status().mode, 'local');
    // Alone (one replica counted), the replica holds the whole limit: a burst of 60.
    assert.ok(ok >= 60 && ok <= 62, `admitted ${ok}`);
    assert.equal(ok + refused, 80);
  });
});

describe('fleet: budgets shared through Redis', () => {
  test('a usdPerDay budget holds across three replicas, not three times over', async (t) => {
    const sim = await startSim(t);
    const prefix = freshPrefix();
    const fleet = ['a', 'b', 'c'].map((id) =>
      fleetEngine(t, { prefix, replicaId: id, sim, budgetUsdPerDay: 0.2 }),
    );
    await Promise.all(fleet.map((e) => storeOf(e).whenShared()));
    const ask = { model: 'budgeted', messages: [{ role: 'user' as const, content: 'hi' }] };
    let served = 0;
    let costOfOne = 0;
    for (let i = 0; i < 60; i++) {
      const bb = fleet[i % 3] as Breakerbox;
      try {
        const r = await bb.chat(ask);
        costOfOne = r.breakerbox.costUsd;
        served++;
      } catch (error) {
        assert.equal((error as { code?: string }).code, 'budget_exceeded');
      }
      // Each replica sees the others' spend within one sync: the documented bound.
      await Promise.all(fleet.map((e) => storeOf(e).synced()));
    }
    assert.ok(costOfOne > 0, 'the requests were priced');
    const spent = fleet.reduce((sum, e) => sum + e.ledger.snapshot().total.costUsd, 0);
    // One request may start while the total is just under the budget.
    assert.ok(spent <= 0.2 + costOfOne + 1e-9, `spent ${spent} of 0.2 (one call: ${costOfOne})`);
    assert.ok(spent >= 0.2, `spent only ${spent}`);
    // Every replica refuses now, whichever served the spend.
    for (const bb of fleet) {
      await assert.rejects(bb.chat(ask), { code: 'budget_exceeded' });
    }
    assert.ok(served < 2 * Math.ceil(0.2 / costOfOne), `served ${served}`);
  });
});

describe('fleet: Redis keys', () => {
  test('every key the fleet writes carries a TTL, so idle breakers, limits and totals expire', async (t) => {
    const sim = await startSim(t, { models: { primary: { faults: { down: true } } } });
    const prefix = freshPrefix();
    const bb = fleetEngine(t, { prefix, replicaId: 'a', sim, primaryRpm: 600, budgetUsdPerDay: 5 });
    await storeOf(bb).whenShared();
    // A trip (breaker and suspect keys), outcome batches (counts), a shared limit, spend.
    const tripped = nextTransition(bb, 'sim/primary', 'open');
    for (let i = 0; i < 3; i++) await bb.chat({ ...ask, model: 'm' });
    await tripped;
    sim.setFaults('primary', null);
    await bb.chat({ ...ask, model: 'budgeted' }).catch(() => undefined);
    await storeOf(bb).synced();
    const redis = new Redis(REDIS_URL);
    t.after(() => {
      redis.disconnect();
    });
    const keys = await redis.keys(`${prefix}*`);
    const kinds = new Set(keys.map((k) => k.slice(prefix.length).split(/[:{]/)[0]));
    for (const kind of ['br', 'rl', 'replicas'])
      assert.ok(kinds.has(kind), `no ${kind} key: ${keys.join(', ')}`);
    for (const key of keys) {
      const ttl = await redis.pttl(key);
      assert.ok(ttl > 0, `${key} has no TTL (${ttl})`);
    }
  });
});
