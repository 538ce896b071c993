/**
 * The fleet's breaker against the rules of docs/scaling.md, under random interleavings: three
 * replicas (each a RedisBreakerStore with its own registry, fake clock and Redis connections)
 * share one breaker through the real Redis on 127.0.0.1 under a fresh key prefix. Each step is one
 * of: acquire, record a success or a failure, advance one replica's clock, let real time pass (the
 * Redis scripts read Redis TIME, so the fleet's open periods are short real ones), force open,
 * disable or reset. After every step the replicas are let settle (two syncs each) and checked
 * against the fleet's hash in Redis.
 *
 * Invariants (whatever the clocks say):
 * - agreement: once settled, every replica holds the fleet's generation and the state it implies
 *   (half-open only on the probe lease holder, open on the others);
 * - no admission against a known open: a replica that has taken over an open (or forced-open)
 *   generation admits nothing, whatever its own clock; in half-open only the holder admits, and
 *   at most `halfOpen.probes` probes are out at once fleet-wide;
 * - closed, disabled and metrics-only admit;
 * - an operator action sets the fleet's state, on every replica;
 * - a closed fleet opens only after `trip.consecutive` failures of calls admitted in that closed
 *   period (calls that straddled a transition, or came before a reset, count for nothing).
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { before, test } from 'node:test';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { BreakerRegistry, FakeClock, SUCCESS, failure } from '../../src/core/index.js';
import type { Permit } from '../../src/core/index.js';
import { RedisBreakerStore } from '../../src/state/index.js';
import { freshPrefix, REDIS_URL, requireRedis } from '../support/fleet.js';

const NAME = 'p/m';
const THRESHOLD = 2;

type Step =
  | { readonly op: 'acquire'; readonly r: number }
  | { readonly op: 'call'; readonly r: number; readonly ok: boolean }
  | { readonly op: 'record'; readonly r: number; readonly i: number; readonly ok: boolean }
  | { readonly op: 'advance'; readonly r: number; readonly ms: number }
  | { readonly op: 'wait'; readonly ms: number }
  | { readonly op: 'forceOpen' | 'disable' | 'reset'; readonly r: number };

const replica = fc.integer({ min: 0, max: 2 });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant('acquire' as const), r: replica }) },
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant('call' as const), r: replica, ok: fc.boolean() }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('record' as const),
      r: replica,
      i: fc.nat(3),
      ok: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('advance' as const),
      r: replica,
      ms: fc.integer({ min: 1, max: 5_000 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('wait' as const),
      ms: fc.integer({ min: 10, max: 80 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constantFrom(
        'forceOpen' as const,
        'disable' as const,
        'reset' as const,
        'reset' as const,
      ),
      r: replica,
    }),
  },
);
const params = fc.record({
  openMs: fc.integer({ min: 20, max: 80 }),
  probes: fc.integer({ min: 1, max: 2 }),
  successes: fc.integer({ min: 1, max: 2 }),
});

interface Fleet {
  readonly s: string;
  readonly g: number;
  readonly h: string;
}

interface Held {
  readonly permit: Permit;
  /** The fleet generation and state the replica held when it admitted the call. */
  readonly generation: number;
  readonly closed: boolean;
}

before(() => requireRedis());

test('fleet breakers over Redis keep the documented rules under random interleavings', async () => {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    await fc.assert(
      fc.asyncProperty(
        params,
        fc.array(step, { minLength: 4, maxLength: 14 }),
        async (p, steps) => {
          const prefix = freshPrefix();
          const key = `${prefix}br:{${NAME}}`;
          const ids = ['a', 'b', 'c'];
          const clocks = ids.map(() => new FakeClock(0, Date.now()));
          const stores = ids.map((id, i) => {
            const registry = new BreakerRegistry({
              clock: clocks[i],
              defaults: {
                trip: { consecutive: THRESHOLD },
                openMs: p.openMs,
                maxOpenMs: 2 * p.openMs,
                jitterRatio: 0,
                halfOpen: { probes: p.probes, successes: p.successes, permitTimeoutMs: 600_000 },
              },
            });
            const store = new RedisBreakerStore(
              {
                url: REDIS_URL,
                keyPrefix: prefix,
                replicaId: id,
                syncMs: 15,
                commandTimeoutMs: 2000,
              },
              { clock: clocks[i] as FakeClock, registry },
            );
            return { id, store, breaker: store.wrap(NAME, registry.get(NAME)) };
          });
          const held: Held[][] = ids.map(() => []);
          /** Failures recorded per fleet generation, of calls admitted while the fleet was closed. */
          const failures = new Map<number, number>();
          const readFleet = async (): Promise<Fleet> => {
            const [s, g, h] = await redis.hmget(key, 's', 'g', 'h');
            return { s: s ?? 'closed', g: Number(g ?? 0), h: h ?? '' };
          };
          const settle = async (): Promise<void> => {
            for (let k = 0; k < 2; k++) await Promise.all(stores.map((x) => x.store.synced()));
          };
          const implied = (fleet: Fleet, id: string): string =>
            fleet.s === 'half-open' ? (fleet.h === id ? 'half-open' : 'open') : fleet.s;
          /** Settles, then checks every replica against the fleet (a late outcome batch: again). */
          const agreed = async (): Promise<Fleet> => {
            for (let attempt = 0; ; attempt++) {
              await settle();
              const fleet = await readFleet();
              const off = stores.filter(
                (x) =>
                  x.breaker.local.state !== implied(fleet, x.id) ||
                  (fleet.g > 0 && x.breaker.generation !== fleet.g),
              );
              if (off.length === 0) return fleet;
              if (attempt < 3 && (await readFleet()).g !== fleet.g) continue;
              assert.fail(
                `replicas out of step with the fleet ${JSON.stringify(fleet)}: ${off
                  .map((x) => `${x.id}=${x.breaker.local.state}@${x.breaker.generation}`)
                  .join(', ')}`,
              );
            }
          };
          /** Acquires on replica `r`, checked against the fleet as last settled; keeps a permit. */
          const acquire = (r: number, fleet: Fleet): Held | undefined => {
            const { id, breaker: b } = stores[r] as (typeof stores)[number];
            const known = b.generation >= fleet.g;
            const result = b.acquire();
            const state = implied(fleet, id);
            if (known && (state === 'open' || state === 'forced-open')) {
              assert.equal(result.admitted, false, `${id} admitted while ${state}`);
            }
            if (known && ['closed', 'disabled', 'metrics-only'].includes(state)) {
              assert.equal(result.admitted, true, `${id} refused while ${state}`);
            }
            if (!result.admitted) return undefined;
            const h = {
              permit: result,
              generation: b.generation,
              closed: b.local.state === 'closed',
            };
            held[r]?.push(h);
            if (known && state === 'half-open') {
              const out = held.flat().filter((o) => o.permit.isProbe && o.generation === fleet.g);
              assert.ok(out.length <= p.probes, `${out.length} probes out (limit ${p.probes})`);
            }
            return h;
          };
          const record = (r: number, h: Held, ok: boolean): void => {
            const mine = held[r] as Held[];
            if (mine.includes(h)) mine.splice(mine.indexOf(h), 1);
            stores[r]?.breaker.record(h.permit, ok ? SUCCESS : failure('server_error'));
            if (!ok && h.closed) failures.set(h.generation, (failures.get(h.generation) ?? 0) + 1);
          };
          try {
            await Promise.all(stores.map((x) => x.store.whenShared()));
            let fleet = await agreed();
            for (const s of steps) {
              const before = fleet;
              const x = 'r' in s ? stores[s.r] : undefined;
              switch (s.op) {
                case 'acquire':
                  acquire(s.r, before);
                  break;
                case 'call': {
                  const h = acquire(s.r, before);
                  if (h !== undefined) record(s.r, h, s.ok);
                  break;
                }
                case 'record': {
                  const mine = held[s.r] as Held[];
                  const h = mine.splice(s.i % Math.max(1, mine.length), 1)[0];
                  if (h !== undefined) record(s.r, h, s.ok);
                  break;
                }
                case 'advance':
                  clocks[s.r]?.advance(s.ms);
                  break;
                case 'wait':
                  await sleep(s.ms); // time passing is the input here: the fleet's periods are real
                  break;
                case 'forceOpen':
                case 'disable':
                case 'reset':
                  x?.breaker.local[s.op]();
              }
              fleet = await agreed();
              if (s.op === 'forceOpen' || s.op === 'disable' || s.op === 'reset') {
                const want = { forceOpen: 'forced-open', disable: 'disabled', reset: 'closed' }[
                  s.op
                ];
                assert.equal(fleet.s, want, `after ${s.op} on ${x?.id}`);
              }
              if (before.s === 'closed' && fleet.s === 'open') {
                // The closed period may have been several generations (a reset while closed).
                const since = [...failures]
                  .filter(([g]) => g >= before.g)
                  .reduce((n, [, k]) => n + k, 0);
                assert.ok(
                  since >= THRESHOLD,
                  `the fleet opened after ${since} failure(s) admitted in its closed period (step ${JSON.stringify(s)})`,
                );
              }
            }
          } finally {
            await Promise.all(stores.map((x) => x.store.close()));
            const keys = await redis.keys(`${prefix}*`);
            if (keys.length > 0) await redis.del(...keys);
          }
        },
      ),
      { numRuns: 30, endOnFailure: false, interruptAfterTimeLimit: 60_000 },
    );
  } finally {
    redis.disconnect();
  }
});
