import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../fake-clock.js';
import { failure } from '../outcome.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { BreakerRegistry } from './registry.js';
import type { RejectionEvent, TransitionEvent, WouldTripEvent } from './state.js';

function trip(breaker: CircuitBreaker): void {
  const p = breaker.acquire();
  assert.ok(p.admitted);
  breaker.record(p, failure('rate_limited', { retryAfterMs: 1_000 }));
  assert.equal(breaker.state, 'open');
}

test('get creates on demand, once per name, sharing the default config', () => {
  const registry = new BreakerRegistry({ clock: new FakeClock(), defaults: { openMs: 1_234 } });
  const a = registry.get('p/a');
  assert.equal(registry.get('p/a'), a);
  const b = registry.get('p/b');
  assert.equal(a.name, 'p/a');
  assert.equal(a.config, b.config);
  assert.equal(a.config.openMs, 1_234);
  const c = registry.get('p/c', { maxOpenMs: 9_999 });
  assert.equal(c.config.openMs, 1_234); // merged over the defaults
  assert.equal(c.config.maxOpenMs, 9_999);
  assert.equal(registry.get('p/c', { maxOpenMs: 1 }).config.maxOpenMs, 9_999); // creation only
  assert.equal(registry.size, 3);
  assert.ok(registry.has('p/b'));
  assert.deepEqual(
    [...registry.entries()].map(([name]) => name),
    ['p/a', 'p/b', 'p/c'],
  );
  assert.equal(registry.delete('p/b'), true);
  assert.equal(registry.delete('p/b'), false);
  assert.equal(registry.has('p/b'), false);
});

test('at capacity the least recently fetched closed breaker goes; open ones never do', () => {
  const registry = new BreakerRegistry({ clock: new FakeClock(), maxBreakers: 3 });
  const a = registry.get('a');
  registry.get('b');
  registry.get('c');
  registry.get('a'); // a is now the most recently fetched
  registry.get('d');
  assert.deepEqual([...registry.entries()].map(([n]) => n).sort(), ['a', 'c', 'd']);
  assert.equal(registry.get('a'), a);
  for (const name of ['a', 'c', 'd']) trip(registry.get(name));
  registry.get('e');
  registry.get('f');
  // Nothing closed to drop but the newcomers: the open breakers stay, the bound bends.
  assert.ok(['a', 'c', 'd'].every((n) => registry.has(n)));
  assert.equal(registry.size, 4);
});

test('idle closed breakers are evicted lazily; open, forced, disabled and metrics-only ones are kept', () => {
  const clock = new FakeClock();
  const registry = new BreakerRegistry({ clock, idleMs: 1_000, defaults: { openMs: 500 } });
  const idle = registry.get('idle');
  const busy = registry.get('busy');
  registry.get('forced').forceOpen();
  registry.get('disabled').disable();
  registry.get('shadow').metricsOnly();
  trip(registry.get('open')); // open for 1 s, then idle: never acquired again
  clock.advance(1_000);
  busy.acquire(); // used (acquire), though not fetched
  clock.advance(999);
  assert.equal(registry.size, 6); // nothing happens without a get
  registry.get('new');
  assert.equal(registry.has('idle'), false);
  assert.equal(registry.has('busy'), true);
  for (const n of ['forced', 'disabled', 'shadow', 'open']) assert.ok(registry.has(n), n);
  assert.notEqual(registry.get('idle'), idle); // a fresh one
});

test('one creating get inspects a bounded number of entries', () => {
  const clock = new FakeClock();
  const registry = new BreakerRegistry({ clock, idleMs: 10 });
  for (let i = 0; i < 20; i++) registry.get(`idle-${i}`);
  clock.advance(10);
  registry.get('a');
  assert.equal(registry.size, 20 - 8 + 1);
  assert.equal(registry.has('idle-7'), false);
  assert.equal(registry.has('idle-8'), true);
  registry.get('b');
  assert.equal(registry.size, 20 - 16 + 2);
});

test('the registry forwards every member event, with the member name', () => {
  const clock = new FakeClock();
  const registry = new BreakerRegistry({ clock, defaults: { trip: { consecutive: 1 } } });
  const transitions: TransitionEvent[] = [];
  const rejections: RejectionEvent[] = [];
  const wouldTrips: WouldTripEvent[] = [];
  const sub = registry.onTransition((e) => transitions.push(e));
  registry.onRejection((e) => rejections.push(e));
  registry.onWouldTrip((e) => wouldTrips.push(e));
  const a = registry.get('a');
  trip(a);
  a.acquire();
  const b = registry.get('b');
  b.metricsOnly();
  const p = b.acquire();
  assert.ok(p.admitted);
  b.record(p, failure('server_error'));
  assert.deepEqual(
    transitions.map((e) => [e.breaker, e.to, e.reason]),
    [
      ['a', 'open', 'retry_after'],
      ['b', 'metrics-only', 'metrics_only'],
    ],
  );
  assert.deepEqual(
    rejections.map((e) => [e.breaker, e.state]),
    [['a', 'open']],
  );
  assert.deepEqual(
    wouldTrips.map((e) => [e.breaker, e.reason]),
    [['b', 'consecutive_failures']],
  );
  sub.dispose();
  a.reset();
  assert.equal(transitions.length, 2);
});

test('a registry defaults sensibly', () => {
  const registry = new BreakerRegistry();
  const breaker = registry.get('x');
  assert.equal(breaker.config.consecutive, 5);
  assert.equal(breaker.state, 'closed');
});
