/**
 * The fleet's failure counts in Redis start from zero after an operator action, as a local
 * breaker's do after `reset()`: failures from before a reset never trip the fleet after it.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Redis } from 'ioredis';
import { BreakerRegistry, failure, systemClock } from '../../src/core/index.js';
import { RedisBreakerStore } from '../../src/state/index.js';
import type { FleetBreaker } from '../../src/state/index.js';
import { freshPrefix, REDIS_URL, requireRedis } from '../support/fleet.js';

before(() => requireRedis());

/** Polls `read` every 5 ms until it returns a value (or fails after `ms`). */
async function until<T>(what: string, read: () => Promise<T | undefined>, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > end) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function fail(b: FleetBreaker): void {
  const permit = b.acquire();
  assert.ok(permit.admitted);
  b.record(permit, failure('server_error'));
}

test('a reset clears the fleet’s failure counts: one failure before and one after do not trip it', async (t) => {
  const prefix = freshPrefix();
  const redis = new Redis(REDIS_URL);
  const replicas = ['a', 'b'].map((id) => {
    const registry = new BreakerRegistry({
      defaults: { trip: { consecutive: 2 }, jitterRatio: 0 },
    });
    const store = new RedisBreakerStore(
      { url: REDIS_URL, keyPrefix: prefix, replicaId: id, syncMs: 50 },
      { clock: systemClock, registry },
    );
    return { store, breaker: store.wrap('p/m', registry.get('p/m')) };
  });
  t.after(async () => {
    await Promise.all(replicas.map((r) => r.store.close()));
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });
  const [a, b] = replicas as [(typeof replicas)[number], (typeof replicas)[number]];
  await Promise.all(replicas.map((r) => r.store.whenShared()));
  const hash = `${prefix}br:{p/m}`;
  const counts = `${prefix}bw:{p/m}`;

  fail(a.breaker);
  await until('a’s failure counted by the fleet', async () =>
    (await redis.hget(counts, 'cf')) === '1' ? true : undefined,
  );
  a.breaker.local.reset();
  await until('the reset applied in Redis', async () =>
    (await redis.hget(hash, 'r')) === 'reset' ? true : undefined,
  );
  assert.equal(await redis.exists(counts), 0, 'the reset cleared the fleet counts');

  fail(b.breaker);
  const seen = await until('b’s failure reached the fleet', async () => {
    const [cf, s] = await Promise.all([redis.hget(counts, 'cf'), redis.hget(hash, 's')]);
    return cf !== null || s !== 'closed' ? { cf, s } : undefined;
  });
  assert.deepEqual(seen, { cf: '1', s: 'closed' });
});
