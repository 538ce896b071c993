/**
 * A fleet trips together: three engines share breaker state through the real Redis on 127.0.0.1,
 * each with its own connections, against one simulator.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import type { Breakerbox } from '../../src/engine/index.js';
import { startSim } from '../support/start-sim.js';
import {
  fleetEngine,
  freePort,
  freshPrefix,
  nextTransition,
  REDIS_URL,
  requireRedis,
  startOwnRedis,
  storeOf,
} from '../support/fleet.js';

const PRIMARY = 'sim/primary';
const ask = { model: 'm', messages: [{ role: 'user' as const, content: 'hello' }] };

async function served(bb: Breakerbox, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await bb.chat(ask);
    out.push(r.breakerbox.deployment ?? '');
  }
  return out;
}

before(() => requireRedis());

describe('fleet: breaker state shared through Redis', () => {
  test('a primary failing behind replica A is seen open on B and C within 1 s, and B and C stop calling it', async (t) => {
    const sim = await startSim(t, { models: { primary: { faults: { down: true } } } });
    const prefix = freshPrefix();
    const [a, b, c] = ['a', 'b', 'c'].map((id) =>
      fleetEngine(t, { prefix, replicaId: id, sim }),
    ) as [Breakerbox, Breakerbox, Breakerbox];
    await Promise.all([a, b, c].map((e) => storeOf(e).whenShared()));
    const seenB = nextTransition(b, PRIMARY, 'open');
    const seenC = nextTransition(c, PRIMARY, 'open');
    const trippedA = nextTransition(a, PRIMARY, 'open');
    // Three 503s trip A's breaker; each request is answered by the fallback.
    assert.deepEqual(await served(a, 3), ['spare/backup', 'spare/backup', 'spare/backup']);
    const tripped = await trippedA;
    const [onB, onC] = await Promise.all([seenB, seenC]);
    assert.ok(
      onB.atEpochMs - tripped.atEpochMs < 1000,
      `B followed after ${onB.atEpochMs - tripped.atEpochMs} ms`,
    );
    assert.ok(
      onC.atEpochMs - tripped.atEpochMs < 1000,
      `C followed after ${onC.atEpochMs - tripped.atEpochMs} ms`,
    );
    assert.equal(onB.reason, 'consecutive_failures');
    const before = sim.calls('primary');
    assert.deepEqual(await served(b, 2), ['spare/backup', 'spare/backup']);
    assert.deepEqual(await served(c, 2), ['spare/backup', 'spare/backup']);
    assert.equal(sim.calls('primary'), before, 'B and C never called the open primary');
    assert.equal(b.breakers.get(PRIMARY).state, 'open');
    await storeOf(a).synced();
    const seen = storeOf(a).status().fleet;
    assert.deepEqual(seen.map((r) => [r.replicaId, r.inStep]).sort(), [
      ['a', true],
      ['b', true],
      ['c', true],
    ]);
  });

  test('the fleet trips on failures spread over replicas that none of them saw enough of alone', async (t) => {
    const sim = await startSim(t, { models: { primary: { faults: { down: true } } } });
    const prefix = freshPrefix();
    // Five in a row trip a breaker; each replica sees only two.
    const breaker = { trip: { consecutive: 5 } };
    const fleet = ['a', 'b', 'c'].map((id) =>
      fleetEngine(t, { prefix, replicaId: id, sim, breaker }),
    );
    await Promise.all(fleet.map((e) => storeOf(e).whenShared()));
    const opened = fleet.map((e) => nextTransition(e, PRIMARY, 'open'));
    for (const e of fleet) await served(e, 2);
    const [onA] = await Promise.all(opened);
    assert.equal(onA?.reason, 'consecutive_failures');
    const calls = sim.calls('primary');
    for (const e of fleet) assert.deepEqual(await served(e, 1), ['spare/backup']);
    assert.equal(sim.calls('primary'), calls);
  });

  test('with probes: 1, exactly one probe reaches the primary in the whole fleet', async (t) => {
    const sim = await startSim(t, { models: { primary: { faults: { down: true } } } });
    const prefix = freshPrefix();
    const breaker = { openMs: 400, halfOpen: { probes: 1, successes: 1 } };
    const fleet = ['a', 'b', 'c'].map((id) =>
      fleetEngine(t, { prefix, replicaId: id, sim, breaker }),
    );
    await Promise.all(fleet.map((e) => storeOf(e).whenShared()));
    const opened = fleet.map((e) => nextTransition(e, PRIMARY, 'open'));
    await served(fleet[0] as Breakerbox, 3);
    await Promise.all(opened);
    // The primary recovers but answers slowly: a probe stays out while the others arrive.
    sim.setFaults('primary', { latencyMs: 600 });
    await sleep(450); // the open period (400 ms, no jitter) passes
    const calls = sim.calls('primary');
    const leased = Promise.any(fleet.map((e) => nextTransition(e, PRIMARY, 'half-open')));
    // The first request on each replica asks the fleet for the probe lease (and falls back).
    await Promise.all(fleet.map((e) => e.chat(ask)));
    await leased;
    const burst = await Promise.all(
      fleet.flatMap((e) => Array.from({ length: 10 }, () => e.chat(ask))),
    );
    const onPrimary = burst.filter((r) => r.breakerbox.deployment === PRIMARY).length;
    assert.equal(onPrimary, 1, 'one probe in the fleet');
    assert.equal(sim.calls('primary') - calls, 1, 'the primary saw exactly one call');
  });

  test('operator actions apply fleet-wide: force-open on A opens B; reset on B closes A', async (t) => {
    const sim = await startSim(t);
    const prefix = freshPrefix();
    const [a, b] = ['a', 'b'].map((id) => fleetEngine(t, { prefix, replicaId: id, sim })) as [
      Breakerbox,
      Breakerbox,
    ];
    await Promise.all([a, b].map((e) => storeOf(e).whenShared()));
    const forced = nextTransition(b, PRIMARY, 'forced-open');
    a.breakers.get(PRIMARY).forceOpen();
    await forced;
    assert.deepEqual(await served(b, 1), ['spare/backup']);
    const reset = nextTransition(a, PRIMARY, 'closed');
    b.breakers.get(PRIMARY).reset();
    await reset;
    assert.deepEqual(await served(a, 1), [PRIMARY]);
  });

  test('a replica whose own network fails trips alone; a second replica seeing the same opens the fleet', async (t) => {
    const sim = await startSim(t);
    const prefix = freshPrefix();
    const refused = `http://127.0.0.1:${await freePort()}/v1`;
    const a = fleetEngine(t, { prefix, replicaId: 'a', sim, primaryURL: refused });
    const b = fleetEngine(t, { prefix, replicaId: 'b', sim, primaryURL: refused });
    const c = fleetEngine(t, { prefix, replicaId: 'c', sim });
    await Promise.all([a, b, c].map((e) => storeOf(e).whenShared()));
    // Let every replica count the others alive.
    await Promise.all([a, b, c].map((e) => storeOf(e).synced()));
    const keptLocal = new Promise<string>((resolve) => {
      storeOf(a).onVerdict((v) => {
        if (v.command === 'trip') resolve(v.verdict);
      });
    });
    await served(a, 3);
    // A's refused connections say nothing about the provider: the trip stays on A.
    assert.equal(await keptLocal, 'local');
    assert.equal(a.breakers.get(PRIMARY).state, 'open');
    await storeOf(c).synced();
    assert.equal(c.breakers.get(PRIMARY).state, 'closed');
    assert.deepEqual(await served(c, 1), [PRIMARY]);
    const cOpen = nextTransition(c, PRIMARY, 'open');
    await served(b, 3);
    await cOpen;
    assert.deepEqual(await served(c, 1), ['spare/backup']);
  });

  test('Redis stopped mid-run: no request fails, each replica runs alone, and they share again when it returns', async (t) => {
    const port = await freePort();
    let redis = await startOwnRedis(t, port);
    const url = `redis://127.0.0.1:${port}`;
    const sim = await startSim(t);
    const prefix = freshPrefix();
    const options = { prefix, sim, url, syncMs: 100 };
    const a = fleetEngine(t, { ...options, replicaId: 'a' });
    const b = fleetEngine(t, { ...options, replicaId: 'b' });
    await Promise.all([a, b].map((e) => storeOf(e).whenShared()));
    const gone = new Promise<void>((resolve) => {
      const sub = storeOf(a).onStatus((s) => {
        if (s.mode === 'local') {
          sub.dispose();
          resolve();
        }
      });
    });
    redis.kill('SIGKILL');
    await gone;
    // Requests keep succeeding while Redis is gone, and A's breaker works on its own.
    sim.setFaults('primary', { down: true });
    const results = await Promise.all(Array.from({ length: 20 }, () => a.chat(ask)));
    assert.equal(results.length, 20);
    assert.equal(a.breakers.get(PRIMARY).state, 'open');
    assert.equal(storeOf(a).status().mode, 'local');
    redis = await startOwnRedis(t, port);
    await Promise.all([a, b].map((e) => storeOf(e).whenShared(5000)));
    // A's trip while alone reaches the fleet when Redis returns.
    if (b.breakers.get(PRIMARY).state !== 'open') await nextTransition(b, PRIMARY, 'open');
    assert.equal(b.breakers.get(PRIMARY).state, 'open');
  });

  test("a breaker that recovered while Redis did not answer closes the fleet's when Redis answers again", async (t) => {
    const sim = await startSim(t, { models: { primary: { faults: { down: true } } } });
    const prefix = freshPrefix();
    const breaker = { openMs: 300, halfOpen: { probes: 1, successes: 1 } };
    const options = { prefix, sim, breaker, syncMs: 100, commandTimeoutMs: 100 };
    const a = fleetEngine(t, { ...options, replicaId: 'a' });
    const b = fleetEngine(t, { ...options, replicaId: 'b' });
    await Promise.all([a, b].map((e) => storeOf(e).whenShared()));
    const opened = [a, b].map((e) => nextTransition(e, PRIMARY, 'open'));
    await served(a, 3);
    await Promise.all(opened);
    // Redis stops answering (its data kept): A runs alone.
    const admin = new Redis(REDIS_URL);
    t.after(() => {
      admin.disconnect();
    });
    const alone = new Promise<void>((resolve) => {
      const sub = storeOf(a).onStatus((st) => {
        if (st.mode === 'local') {
          sub.dispose();
          resolve();
        }
      });
    });
    await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
    await alone;
    // The provider is back; A's open period ends and its own probe closes its breaker.
    sim.setFaults('primary', null);
    await sleep(350);
    assert.deepEqual(await served(a, 1), [PRIMARY]);
    assert.equal(a.breakers.get(PRIMARY).state, 'closed');
    // When Redis answers again, A's close reaches the fleet: B closes too, without probing.
    await nextTransition(b, PRIMARY, 'closed', 5000);
    assert.equal(a.breakers.get(PRIMARY).state, 'closed');
  });
});
