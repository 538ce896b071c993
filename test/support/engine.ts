import assert from 'node:assert/strict';
import type { ConfigInput } from '../../src/index.js';
import type { TestContext } from 'node:test';
import OpenAI from 'openai';
import { systemClock } from '../../src/core/index.js';
import type { Clock } from '../../src/core/index.js';
import { createBreakerbox } from '../../src/engine/index.js';
import type { Breakerbox } from '../../src/engine/index.js';
import type { Simulator } from '../../src/sim/index.js';

/** Engine options tests usually want: fast timeouts, short open time, no retry delays. */
export interface TestEngineOptions {
  readonly models: Record<string, unknown>;
  readonly breaker?: Record<string, unknown>;
  readonly retry?: Record<string, unknown>;
  readonly deadlineMs?: number;
  readonly timeouts?: Record<string, number>;
  readonly cache?: Record<string, unknown>;
  /** The engine's clock (default: the system clock). */
  readonly clock?: Clock;
}

/**
 * The system clock with a forward offset the test controls: real timers and sockets, but time can
 * be moved on at once (`advance`) instead of slept through.
 */
export function skewedClock(): Clock & { advance(ms: number): void } {
  let skewMs = 0;
  return {
    now: () => systemClock.now() + skewMs,
    epochMs: () => systemClock.epochMs() + skewMs,
    sleep: (ms, signal) => systemClock.sleep(ms, signal),
    setTimer: (ms, fn) => systemClock.setTimer(ms, fn),
    advance: (ms) => {
      skewMs += ms;
    },
  };
}

/** An engine over one simulator provider named `sim`, closed when the test ends. */
export function startEngine(
  t: TestContext,
  sim: Simulator,
  options: TestEngineOptions,
): Breakerbox {
  const bb = createBreakerbox(
    {
      providers: {
        sim: {
          baseURL: sim.url,
          apiKey: 'sk-test-not-a-secret',
          timeouts: {
            connectMs: 1000,
            firstByteMs: 1000,
            idleMs: 1000,
            totalMs: 5000,
            ...options.timeouts,
          },
        },
      },
      models: options.models as ConfigInput['models'],
      breaker: { openMs: 5000, ...options.breaker },
      retry: { attempts: 0, ...options.retry },
      deadlineMs: options.deadlineMs ?? 10_000,
      ...(options.cache && { cache: options.cache }),
    },
    options.clock === undefined ? {} : { clock: options.clock },
  );
  t.after(() => bb.close());
  return bb;
}

/** The official SDK wired to the engine's fetch, with its own retries off. */
export function sdkFor(bb: Breakerbox): OpenAI {
  return new OpenAI({
    apiKey: 'unused',
    baseURL: 'http://breakerbox.local/v1',
    fetch: bb.fetch,
    maxRetries: 0,
  });
}

/**
 * Sends `count` concurrent requests through the SDK to a model whose only candidate is open and
 * asserts each is the immediate 503 `all_candidates_failed` with `Retry-After` in
 * [`openSeconds` - 1, `openSeconds`] and `x-should-retry: true`.
 */
export async function assertOpenBreakerAnswers503(
  openai: OpenAI,
  model: string,
  opts: { readonly count: number; readonly openSeconds: number },
): Promise<void> {
  const ask = { model, messages: [{ role: 'user' as const, content: 'hello there' }] };
  const errors = await Promise.all(
    Array.from({ length: opts.count }, () =>
      openai.chat.completions.create(ask).then(
        () => assert.fail('an open breaker answered'),
        (e: unknown) => e as { status?: number; code?: string; headers?: Headers },
      ),
    ),
  );
  for (const e of errors) {
    assert.equal(e.status, 503);
    assert.equal(e.code, 'all_candidates_failed');
    const seconds = Number(e.headers?.get('retry-after'));
    assert.ok(
      seconds >= opts.openSeconds - 1 && seconds <= opts.openSeconds,
      `retry-after ${seconds}`,
    );
    assert.equal(e.headers?.get('x-should-retry'), 'true');
  }
}
