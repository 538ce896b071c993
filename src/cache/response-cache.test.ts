import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../core/fake-clock.js';
import { ConfigError } from '../core/index.js';
import { ResponseCache } from './index.js';

interface Completion {
  id: string;
  choices: { message: { content: string } }[];
}
const completion = (id: string, content = 'hi'): Completion => ({
  id,
  choices: [{ message: { content } }],
});
const bytesOf = (v: unknown): number => Buffer.byteLength(JSON.stringify(v), 'utf8');

test('a get marks the entry most recently used', () => {
  const cache = new ResponseCache<Completion>({ maxEntries: 2, clock: new FakeClock() });
  cache.set('a', completion('a'));
  cache.set('b', completion('b'));
  assert.equal(cache.get('a')?.value.id, 'a');
  cache.set('c', completion('c'));
  assert.equal(cache.get('b'), undefined, 'b was the least recently used');
  assert.equal(cache.get('a')?.value.id, 'a');
  assert.equal(cache.get('c')?.value.id, 'c');
  assert.equal(cache.size, 2);
  assert.equal(cache.stats().evictions, 1);
});

test('has() neither promotes nor counts', () => {
  const cache = new ResponseCache({ maxEntries: 2, clock: new FakeClock() });
  cache.set('a', 1);
  cache.set('b', 2);
  assert.equal(cache.has('a'), true);
  cache.set('c', 3);
  assert.equal(cache.has('a'), false);
  assert.deepEqual([cache.stats().hits, cache.stats().misses], [0, 0]);
});

test('the byte bound evicts least recently used entries until the total fits', () => {
  const one = bytesOf(completion('a', 'x'.repeat(100)));
  const cache = new ResponseCache<Completion>({
    maxEntries: 100,
    maxBytes: one * 3,
    clock: new FakeClock(),
  });
  for (const id of ['a', 'b', 'c']) cache.set(id, completion(id, 'x'.repeat(100)));
  assert.equal(cache.bytes, one * 3);
  cache.get('a');
  // Twice the size of one entry: b and c must both go, a (recently used) stays.
  const big = completion('d', 'y'.repeat(100 + one));
  assert.equal(cache.set('d', big), true);
  assert.deepEqual(
    ['a', 'b', 'c', 'd'].map((k) => cache.has(k)),
    [true, false, false, true],
  );
  assert.equal(cache.bytes, one + bytesOf(big));
  assert.ok(cache.bytes <= one * 3);
  assert.equal(cache.stats().evictions, 2);
});

test('size counts UTF-8 bytes, not UTF-16 units', () => {
  const cache = new ResponseCache({ clock: new FakeClock() });
  cache.set('k', 'é€😀');
  assert.equal(cache.bytes, 2 + 2 + 3 + 4);
});

test('an entry larger than maxBytes is not stored and replaces nothing', () => {
  const cache = new ResponseCache<Completion>({ maxBytes: 200, clock: new FakeClock() });
  assert.equal(cache.set('small', completion('s')), true);
  assert.equal(cache.set('k', completion('k')), true);
  assert.equal(cache.set('k', completion('k', 'z'.repeat(300))), false);
  assert.equal(cache.get('k'), undefined, 'the superseded entry is gone too');
  assert.equal(cache.get('small')?.value.id, 's', 'nothing was evicted for it');
  assert.equal(cache.bytes, bytesOf(completion('s')));
  assert.equal(cache.stats().rejected, 1);
});

test('a value with no JSON form is rejected', () => {
  const cache = new ResponseCache({ clock: new FakeClock() });
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.equal(cache.set('a', cyclic), false);
  assert.equal(cache.set('b', undefined), false);
  assert.equal(cache.size, 0);
  assert.equal(cache.stats().rejected, 2);
});

test('ttl: fresh, then stale (kept and marked), then dropped', () => {
  const clock = new FakeClock();
  const cache = new ResponseCache<Completion>({ ttlMs: 1_000, staleTtlMs: 5_000, clock });
  cache.set('k', completion('k'));
  clock.advance(999);
  assert.deepEqual((({ ageMs, fresh }) => ({ ageMs, fresh }))(cache.get('k')!), {
    ageMs: 999,
    fresh: true,
  });
  clock.advance(1);
  const stale = cache.get('k');
  assert.equal(stale?.fresh, false);
  assert.equal(stale.ageMs, 1_000);
  assert.equal(stale.value.id, 'k');
  clock.advance(3_999);
  assert.equal(cache.get('k')?.fresh, false);
  clock.advance(1);
  assert.equal(cache.get('k'), undefined);
  assert.equal(cache.size, 0);
  assert.deepEqual(
    (({ hits, staleHits, misses, expirations }) => ({ hits, staleHits, misses, expirations }))(
      cache.stats(),
    ),
    { hits: 1, staleHits: 2, misses: 1, expirations: 1 },
  );
});

test('without a stale window an entry is dropped at ttl; ttlMs 0 means stale-only', () => {
  const clock = new FakeClock();
  const plain = new ResponseCache({ ttlMs: 100, clock });
  plain.set('k', 1);
  clock.advance(100);
  assert.equal(plain.get('k'), undefined);
  const lastResort = new ResponseCache({ ttlMs: 0, staleTtlMs: 100, clock });
  lastResort.set('k', 1);
  assert.equal(lastResort.get('k')?.fresh, false);
});

test('re-setting a key restarts its age and keeps byte accounting exact', () => {
  const clock = new FakeClock();
  const cache = new ResponseCache<Completion>({ ttlMs: 100, clock });
  cache.set('k', completion('k', 'long text'));
  clock.advance(80);
  cache.set('k', completion('k', 'x'));
  clock.advance(80);
  assert.equal(cache.get('k')?.fresh, true);
  assert.equal(cache.size, 1);
  assert.equal(cache.bytes, bytesOf(completion('k', 'x')));
});

test('every hit gets its own copy; mutating it or the stored original changes nothing', () => {
  const cache = new ResponseCache<Completion>({ clock: new FakeClock() });
  const original = completion('k', 'answer');
  cache.set('k', original);
  original.choices[0]!.message.content = 'changed by the caller';
  const first = cache.get('k')!.value;
  first.choices[0]!.message.content = 'annotated';
  assert.equal(cache.get('k')?.value.choices[0]?.message.content, 'answer');
  const hit = cache.get('k')!;
  assert.equal(hit.value, hit.value, 'one hit parses once');
  assert.equal(hit.json, JSON.stringify(completion('k', 'answer')));
});

test('set accepts the JSON text the caller already has', () => {
  const cache = new ResponseCache<Completion>({ clock: new FakeClock() });
  const body = '{"id":"k","choices":[]}';
  cache.set('k', JSON.parse(body) as Completion, body);
  assert.equal(cache.get('k')?.json, body);
  assert.equal(cache.bytes, body.length);
});

test('prune drops expired entries; eviction of an expired LRU counts as expiration', () => {
  const clock = new FakeClock();
  const cache = new ResponseCache({ maxEntries: 3, ttlMs: 10, staleTtlMs: 20, clock });
  cache.set('old1', 1);
  cache.set('old2', 2);
  clock.advance(20);
  cache.set('new', 3);
  assert.equal(cache.prune(), 2);
  assert.equal(cache.size, 1);
  cache.set('a', 4);
  cache.set('b', 5);
  clock.advance(20);
  cache.set('c', 6);
  assert.deepEqual((({ evictions, expirations }) => ({ evictions, expirations }))(cache.stats()), {
    evictions: 0,
    expirations: 3,
  });
});

test('delete and clear', () => {
  const cache = new ResponseCache({ clock: new FakeClock() });
  cache.set('a', 1);
  cache.set('b', 2);
  cache.get('a');
  assert.equal(cache.delete('a'), true);
  assert.equal(cache.delete('a'), false);
  assert.equal(cache.bytes, 1);
  cache.clear();
  assert.deepEqual(cache.stats(), {
    hits: 0,
    staleHits: 0,
    misses: 0,
    evictions: 0,
    expirations: 0,
    rejected: 0,
    entries: 0,
    bytes: 0,
  });
});

test('bad options throw ConfigError naming each one', () => {
  assert.throws(
    () => new ResponseCache({ maxEntries: 0, maxBytes: Number.NaN, ttlMs: 10, staleTtlMs: 5 }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.issues.map((i) => i.path).join() === 'cache.maxEntries,cache.maxBytes,cache.staleTtlMs',
  );
  assert.throws(() => new ResponseCache({ ttlMs: -1 }), ConfigError);
});

test('the cache stays within both bounds under random use (model check)', () => {
  const clock = new FakeClock();
  const cache = new ResponseCache({ maxEntries: 8, maxBytes: 400, ttlMs: 50, clock });
  const model = new Map<string, { text: string; atMs: number }>();
  let seed = 42;
  const rand = (n: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % n;
  };
  for (let i = 0; i < 2_000; i++) {
    const key = `k${rand(20)}`;
    if (rand(3) === 0) {
      const value = 'v'.repeat(rand(120));
      if (cache.set(key, value)) model.set(key, { text: JSON.stringify(value), atMs: clock.now() });
    } else {
      const hit = cache.get(key);
      const expected = model.get(key);
      if (hit) assert.equal(hit.json, expected?.text);
    }
    clock.advance(rand(5));
    assert.ok(cache.size <= 8 && cache.bytes <= 400);
  }
});
