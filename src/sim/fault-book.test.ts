import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FaultBook, type CallFacts } from './fault-book.js';
import type { Faults } from './types.js';

const FACTS: CallFacts = { model: 'm', isStream: true, promptTokens: 10, contextWindowTokens: 100 };

test('decisions follow the documented order: the first fault that fires wins', () => {
  const book = new FaultBook(1);
  const steps: [Faults, string][] = [
    [
      {
        rateLimit: {},
        down: true,
        errorRate: 1,
        hangRate: 1,
        contextLengthError: true,
        malformedRate: 1,
      },
      'rate_limited',
    ],
    [{ down: true, errorRate: 1, hangRate: 1, contextLengthError: true, malformedRate: 1 }, 'down'],
    [{ errorRate: 1, hangRate: 1, contextLengthError: true, malformedRate: 1 }, 'error'],
    [{ hangRate: 1, contextLengthError: true, malformedRate: 1 }, 'hang'],
    [{ contextLengthError: true, malformedRate: 1 }, 'context_length'],
    [{ malformedRate: 1 }, 'malformed'],
    [{}, 'ok'],
  ];
  for (const [faults, kind] of steps) {
    book.set('m', faults);
    assert.equal(book.decide(FACTS).kind, kind);
  }
});

test('the context window applies with or without faults', () => {
  const book = new FaultBook(1);
  assert.equal(book.decide({ ...FACTS, promptTokens: 101 }).kind, 'context_length');
  book.set('m', { latencyMs: 5 });
  assert.equal(book.decide({ ...FACTS, promptTokens: 101 }).kind, 'context_length');
  assert.deepEqual(book.decide(FACTS), {
    kind: 'ok',
    latencyMs: 5,
    stream: {
      chunkDelayMs: 0,
      cutAfterChunks: undefined,
      stallAfterChunks: undefined,
      isErrorEvent: false,
    },
  });
});

test('rate limits: Retry-After defaults to 1 s, or rounds retryAfterMs up', () => {
  const book = new FaultBook(1);
  book.set('m', { rateLimit: {} });
  assert.deepEqual(book.decide(FACTS), {
    kind: 'rate_limited',
    retryAfterS: 1,
    retryAfterMs: undefined,
  });
  book.set('m', { rateLimit: { retryAfterMs: 1200 } });
  assert.deepEqual(book.decide(FACTS), {
    kind: 'rate_limited',
    retryAfterS: 2,
    retryAfterMs: 1200,
  });
  book.set('m', { rateLimit: { rate: 0 } });
  assert.equal(book.decide(FACTS).kind, 'ok');
});

test('draws are reproducible per seed and per model; latency ranges stay in bounds', () => {
  const run = (seed: number, model: string): string[] => {
    const book = new FaultBook(seed);
    book.set('*', { errorRate: 0.5, latencyMs: { minMs: 10, maxMs: 20 } });
    return Array.from({ length: 32 }, () => {
      const decision = book.decide({ ...FACTS, model });
      if (decision.kind === 'ok') assert.ok(decision.latencyMs >= 10 && decision.latencyMs <= 20);
      return decision.kind;
    });
  };
  assert.deepEqual(run(3, 'a'), run(3, 'a'));
  assert.notDeepEqual(run(3, 'a'), run(4, 'a'));
  assert.notDeepEqual(run(3, 'a'), run(3, 'b'));
  assert.ok(run(3, 'a').includes('error') && run(3, 'a').includes('ok'));
});

test("stream faults only for streams; '*' is the default; clear() removes all", () => {
  const book = new FaultBook(1);
  book.set('*', { streamCutAfterChunks: 2, errorEventBeforeContentRate: 1 });
  const stream = book.decide(FACTS);
  assert.ok(
    stream.kind === 'ok' && stream.stream.cutAfterChunks === 2 && stream.stream.isErrorEvent,
  );
  const json = book.decide({ ...FACTS, isStream: false });
  assert.ok(
    json.kind === 'ok' && json.stream.cutAfterChunks === undefined && !json.stream.isErrorEvent,
  );
  book.set('own', { down: true });
  assert.equal(book.decide({ ...FACTS, model: 'own' }).kind, 'down');
  book.clear();
  assert.equal(book.get('own'), undefined);
  assert.equal(book.get('m'), undefined);
});

test('slow: that fraction of successful answers takes slow.ms, the others latencyMs', () => {
  const book = new FaultBook(7);
  book.set('m', { latencyMs: 5, slow: { rate: 0.1, ms: 20_000 } });
  const delays = Array.from({ length: 2_000 }, () => {
    const d = book.decide(FACTS);
    assert.ok(d.kind === 'ok', d.kind);
    return d.latencyMs;
  });
  const slow = delays.filter((ms) => ms === 20_000).length;
  assert.deepEqual([...new Set(delays)].sort(), [20_000, 5]);
  assert.ok(slow > 120 && slow < 280, `${slow} slow of 2000 at rate 0.1`);
  book.set('m', { slow: { rate: 1, ms: 300 }, errorRate: 1 });
  assert.equal(book.decide(FACTS).kind, 'error', 'errors still answer at once');
});
