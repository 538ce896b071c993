import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BreakerOpenError,
  BulkheadFullError,
  CancelledError,
  InvalidRequestError,
  ModelNotFoundError,
  TimeoutError,
  UpstreamError,
  isBreakerboxError,
} from '../errors.js';
import { FakeClock } from '../fake-clock.js';
import type { Policy, PolicyContext } from '../policy/policy.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { classifyError } from './classify.js';
import type { CircuitBreakerConfig, Rejection } from './state.js';

function setup(config?: CircuitBreakerConfig) {
  const clock = new FakeClock();
  const breaker = new CircuitBreaker(config, { clock, random: () => 0, name: 'sim/m' });
  return { clock, breaker };
}

// Throws whatever it is given (some tests throw non-Errors on purpose).
const boom = (error: unknown) => async (): Promise<never> => {
  await Promise.resolve();
  throw error;
};

async function trip(breaker: CircuitBreaker, times = 5): Promise<void> {
  for (let i = 0; i < times; i++) {
    await breaker.execute(boom(new Error('500'))).catch(() => undefined);
  }
}

test('a breaker is a Policy and passes the signal and deadline through', async () => {
  const { breaker } = setup();
  const policy: Policy = breaker;
  const controller = new AbortController();
  let seen: PolicyContext | undefined;
  const value = await policy.execute(
    (signal, context) => {
      assert.equal(signal, controller.signal);
      seen = context;
      return Promise.resolve(42);
    },
    { signal: controller.signal, deadlineMs: 5_000 },
  );
  assert.equal(value, 42);
  assert.equal(seen?.deadlineMs, 5_000);
  const plain = await breaker.execute((signal, context) => {
    assert.equal(signal.aborted, false);
    assert.equal(context.deadlineMs, undefined);
    return Promise.resolve('ok');
  });
  assert.equal(plain, 'ok');
  assert.equal(breaker.snapshot().totals.successes, 2);
});

test('an open breaker rejects with a stackless BreakerOpenError naming the breaker', async () => {
  const { breaker } = setup();
  await trip(breaker);
  let called = false;
  const error = await breaker
    .execute(() => {
      called = true;
      return Promise.resolve(1);
    })
    .catch((e: unknown) => e);
  assert.equal(called, false);
  assert.ok(error instanceof BreakerOpenError);
  assert.equal(error.code, 'breaker_open');
  assert.equal(error.retryAfterMs, 30_000);
  assert.equal(error.breaker, 'sim/m');
  assert.equal(error.stack?.split('\n').length, 1);
});

test('an unnamed breaker rejects without a name', async () => {
  const breaker = new CircuitBreaker({ trip: { consecutive: 1 } }, { clock: new FakeClock() });
  await trip(breaker, 1);
  const error = await breaker.execute(() => Promise.resolve(1)).catch((e: unknown) => e);
  assert.ok(error instanceof BreakerOpenError);
  assert.equal(error.breaker, undefined);
});

test('fallback: a refused call resolves to the fallback, with no error built', async () => {
  const { breaker } = setup();
  await trip(breaker);
  let seen: Rejection | undefined;
  const value = await breaker.execute(() => Promise.resolve('live'), {
    fallback: (rejection) => {
      seen = rejection;
      return 'cached';
    },
  });
  assert.equal(value, 'cached');
  assert.equal(seen?.state, 'open');
  assert.equal(seen.retryAfterMs, 30_000);
  const thrown = await breaker
    .execute(() => Promise.resolve('live'), {
      fallback: () => {
        throw new Error('fallback failed');
      },
    })
    .catch((e: unknown) => (e as Error).message);
  assert.equal(thrown, 'fallback failed');
});

test('classification: upstream failures count, with their kind and Retry-After', async () => {
  const { breaker } = setup();
  const error = new UpstreamError({
    kind: 'rate_limited',
    status: 429,
    retryAfterMs: 45_000,
    deploymentId: 'sim/m',
  });
  await assert.rejects(breaker.execute(boom(error)), (e) => e === error);
  assert.equal(breaker.state, 'open');
  assert.equal(breaker.snapshot().retryAfterMs, 45_000);
  const plain = setup().breaker;
  await plain
    .execute(boom(new UpstreamError({ kind: 'server_error', deploymentId: 'x' })))
    .catch(() => undefined);
  assert.equal(plain.snapshot().consecutiveFailures, 1);
});

test('classification: cancellation, caller errors and inner rejections count nothing', async () => {
  const { breaker } = setup({ trip: { consecutive: 1 } });
  const aborted = new AbortController();
  aborted.abort();
  const neutral: unknown[] = [
    new CancelledError(),
    new DOMException('gone', 'AbortError'),
    new InvalidRequestError('bad', 'messages'),
    new ModelNotFoundError('nope'),
    new BulkheadFullError(),
  ];
  for (const error of neutral) {
    await assert.rejects(breaker.execute(boom(error)), (e) => e === error);
  }
  // The caller's signal aborts mid-call: whatever the function throws is a cancellation.
  const controller = new AbortController();
  const running = breaker.execute(
    (signal) =>
      new Promise((_, reject) => {
        signal.addEventListener('abort', () => {
          reject(new Error('socket closed'));
        });
      }),
    { signal: controller.signal },
  );
  controller.abort();
  await assert.rejects(running, /socket closed/);
  assert.equal(breaker.state, 'closed');
  assert.equal(breaker.snapshot().totals.neutral, neutral.length + 1);
  await breaker.execute(boom(new TypeError('bug'))).catch(() => undefined);
  assert.equal(breaker.state, 'open');
});

test('a signal aborted before the call rejects with CancelledError and takes no permit', async () => {
  const { breaker } = setup();
  const controller = new AbortController();
  controller.abort(new Error('user left'));
  let called = false;
  const error = await breaker
    .execute(
      () => {
        called = true;
        return Promise.resolve(1);
      },
      { signal: controller.signal },
    )
    .catch((e: unknown) => e);
  assert.equal(called, false);
  assert.ok(error instanceof CancelledError);
  assert.equal((error.cause as Error).message, 'user left');
  assert.equal(breaker.snapshot().totals.neutral, 0);
});

test('isResultFailure and classify options', async () => {
  const { breaker } = setup({ trip: { consecutive: 2 } });
  const bad = { isResultFailure: (r: { ok: boolean }) => !r.ok };
  await breaker.execute(() => Promise.resolve({ ok: false }), bad);
  assert.equal(breaker.snapshot().consecutiveFailures, 1);
  await breaker.execute(() => Promise.resolve({ ok: true }), bad);
  assert.equal(breaker.snapshot().consecutiveFailures, 0);
  await breaker
    .execute(boom(new Error('teapot')), {
      classify: () => ({ type: 'neutral', reason: 'caller_error' }),
    })
    .catch(() => undefined);
  assert.equal(breaker.snapshot().totals.neutral, 1);
  // A classifier that throws still records the call (as a failure): no permit leaks.
  await breaker
    .execute(boom(new Error('x')), {
      classify: () => {
        throw new Error('classifier bug');
      },
    })
    .catch(() => undefined);
  assert.equal(breaker.snapshot().consecutiveFailures, 1);
  // A result check that throws records a success and rethrows.
  await assert.rejects(
    breaker.execute(() => Promise.resolve(1), {
      isResultFailure: () => {
        throw new Error('check bug');
      },
    }),
    /check bug/,
  );
  assert.equal(breaker.snapshot().consecutiveFailures, 0);
});

test('breaker-level classify and isResultFailure apply to every execute', async () => {
  const clock = new FakeClock();
  const breaker = new CircuitBreaker(
    { trip: { consecutive: 1 } },
    {
      clock,
      isResultFailure: (r) => r === 'error',
      classify: () => ({ type: 'neutral', reason: 'cancelled' }),
    },
  );
  await breaker.execute(boom(new Error('ignored'))).catch(() => undefined);
  assert.equal(breaker.state, 'closed');
  await breaker.execute(() => Promise.resolve('error'));
  assert.equal(breaker.state, 'open');
});

test('a function that throws synchronously is recorded', async () => {
  const { breaker } = setup({ trip: { consecutive: 1 } });
  await assert.rejects(
    breaker.execute(() => {
      throw new Error('sync');
    }),
    /sync/,
  );
  assert.equal(breaker.state, 'open');
});

test('1,000 concurrent calls on a half-open breaker: exactly `probes` reach the function', async () => {
  for (const probes of [1, 3]) {
    const { clock, breaker } = setup({ openMs: 100, halfOpen: { probes, successes: probes } });
    await trip(breaker);
    clock.advance(100);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let reached = 0;
    const calls = Array.from({ length: 1_000 }, () =>
      breaker.execute(async () => {
        reached++;
        await gate;
        return 'ok';
      }),
    );
    // Every call has started (execute admits or rejects synchronously) before any probe ends.
    assert.equal(reached, probes);
    release();
    const results = await Promise.allSettled(calls);
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const refused = results.filter(
      (r) =>
        r.status === 'rejected' && isBreakerboxError(r.reason) && r.reason.code === 'breaker_open',
    ).length;
    assert.equal(ok, probes);
    assert.equal(refused, 1_000 - probes);
    assert.equal(breaker.state, 'closed');
  }
});

test('the default classifier, directly', () => {
  assert.deepEqual(classifyError(new Error('x')), { type: 'failure', kind: 'error' });
  assert.deepEqual(classifyError('a string'), { type: 'failure', kind: 'error' });
  assert.deepEqual(classifyError(null), { type: 'failure', kind: 'error' });
  assert.deepEqual(
    classifyError(new UpstreamError({ kind: 'auth', status: 401, deploymentId: 'd' })),
    {
      type: 'failure',
      kind: 'auth',
    },
  );
  assert.deepEqual(classifyError(new TimeoutError('total', 1_000)), {
    type: 'failure',
    kind: 'error',
  });
  const aborted = AbortSignal.abort();
  assert.deepEqual(classifyError(new Error('x'), aborted), {
    type: 'neutral',
    reason: 'cancelled',
  });
});
