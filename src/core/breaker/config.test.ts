import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { BREAKER_DEFAULTS, resolveBreakerConfig } from './config.js';
import type { CircuitBreakerConfig } from './state.js';

function issues(config: unknown): string[] {
  try {
    resolveBreakerConfig(config as CircuitBreakerConfig);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.issues.map((i) => i.path);
  }
  return [];
}

test('every invalid field is reported with its path', () => {
  assert.deepEqual(
    issues({
      trip: {
        consecutive: 0,
        rate: { window: { type: 'count', size: 0 }, minCalls: 0, failureRate: 0, slowRate: 2 },
      },
      openMs: -1,
      backoffMultiplier: 0.5,
      jitterRatio: 2,
      slowCallMs: 0,
      halfOpen: { probes: 1.5, successes: 0, permitTimeoutMs: 0 },
    }).sort(),
    [
      'backoffMultiplier',
      'halfOpen.permitTimeoutMs',
      'halfOpen.probes',
      'halfOpen.successes',
      'jitterRatio',
      'openMs',
      'slowCallMs',
      'trip.consecutive',
      'trip.rate.failureRate',
      'trip.rate.minCalls',
      'trip.rate.slowRate',
      'trip.rate.window.size',
    ],
  );
  assert.deepEqual(issues({ openMs: 10_000, maxOpenMs: 5_000 }), ['maxOpenMs']);
  assert.deepEqual(
    issues({
      trip: {
        rate: { window: { type: 'time', sizeMs: 0, buckets: 0 }, minCalls: 1, failureRate: 1 },
      },
    }),
    ['trip.rate.window.sizeMs', 'trip.rate.window.buckets'],
  );
  assert.deepEqual(
    issues({ trip: { rate: { window: { type: 'ring' }, minCalls: 1, failureRate: 1 } } }),
    ['trip.rate.window.type'],
  );
  assert.deepEqual(issues({ trip: { rate: { minCalls: 1, failureRate: 1 } } }), [
    'trip.rate.window',
  ]);
  assert.deepEqual(
    issues({
      trip: {
        rate: { window: { type: 'count', size: 5 }, minCalls: 1, failureRate: 1, slowRate: 0.5 },
      },
    }),
    ['trip.rate.slowRate'],
  );
  assert.throws(() => new CircuitBreaker({ openMs: Number.NaN }), ConfigError);
});

test('the same input object resolves once, to a frozen object breakers share', () => {
  const input: CircuitBreakerConfig = { openMs: 5_000 };
  const a = resolveBreakerConfig(input);
  assert.equal(resolveBreakerConfig(input), a);
  assert.equal(resolveBreakerConfig(a), a);
  assert.ok(Object.isFrozen(a));
  assert.equal(new CircuitBreaker(input).config, new CircuitBreaker(input).config);
  assert.equal(a.openMs, 5_000);
  assert.equal(a.consecutive, BREAKER_DEFAULTS.consecutive);
});

test('a given trip replaces the default whole; fields merge over a base', () => {
  const rateOnly = resolveBreakerConfig({
    trip: { rate: { window: { type: 'count', size: 10 }, minCalls: 5, failureRate: 0.5 } },
  });
  assert.equal(rateOnly.consecutive, Infinity);
  assert.equal(rateOnly.rate?.slowRate, 2); // unreachable: no slow trip
  assert.equal(rateOnly.successNeedsClock, true);
  const base = resolveBreakerConfig({ openMs: 1_000, halfOpen: { probes: 3 } });
  const merged = resolveBreakerConfig({ maxOpenMs: 9_000 }, base);
  assert.equal(merged.openMs, 1_000);
  assert.equal(merged.probes, 3);
  assert.equal(merged.maxOpenMs, 9_000);
  const none = resolveBreakerConfig({ trip: {} });
  assert.equal(none.consecutive, Infinity);
  assert.equal(none.rate, null);
});
