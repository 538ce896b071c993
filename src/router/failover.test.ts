import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AllCandidatesFailedError,
  CancelledError,
  Deadline,
  FakeClock,
  flushMicrotasks,
  UpstreamError,
  UpstreamRejectedError,
} from '../core/index.js';
import type { Outcome } from '../core/index.js';
import type { Upstream } from '../upstream/index.js';
import { runFailover } from './failover.js';
import type { CallResult, RetryControl, RouterDeadline } from './failover.js';
import type { AdmissionLimit, Candidate, Deployment, ModelRoute, RouterPermit } from './types.js';

/** A breaker that admits while `openForMs` is 0 and remembers what it was told. */
class FakeBreaker {
  openForMs = 0;
  readonly recorded: Outcome['type'][] = [];
  acquire(): RouterPermit | { admitted: false; retryAfterMs: number } {
    return this.openForMs > 0
      ? { admitted: false, retryAfterMs: this.openForMs }
      : { admitted: true };
  }
  record(_permit: RouterPermit, outcome: Outcome): void {
    this.recorded.push(outcome.type);
  }
  msUntilAdmission(): number {
    return this.openForMs;
  }
}

function deployment(
  id: string,
  model: string,
  limits: AdmissionLimit[] = [],
): Deployment & { breaker: FakeBreaker } {
  return {
    id,
    model,
    provider: id.split('/')[0] ?? 'p',
    upstreamModel: model,
    weight: 1,
    upstream: {} as Upstream,
    breaker: new FakeBreaker(),
    limits,
    timeouts: { connectMs: 1000, firstByteMs: 1000, idleMs: 1000, totalMs: 1000 },
    attemptTimeoutMs: undefined,
    failoverOn: [],
    priceScore: 1,
    latencyEwmaMs: undefined,
  };
}

const route = (name: string, deployments: Deployment[]): ModelRoute => ({
  name,
  deployments,
  fallbacks: [],
  contextWindowFallbacks: [],
  strategy: 'priority',
  embeddingDimensions: undefined,
  retryAttempts: 0,
});

const ok = (value: string): CallResult<string> => ({ type: 'success', value, durationMs: 5 });
const fail = (
  d: Deployment,
  kind: 'server_error' | 'auth' = 'server_error',
): CallResult<string> => ({
  type: 'failure',
  outcome: { type: 'failure', kind },
  error: new UpstreamError({ kind, deploymentId: d.id, status: 500 }),
  status: 500,
  durationMs: 5,
});

function setup(
  opts: { budgetMs?: number; retry?: Partial<RetryControl>; signal?: AbortSignal } = {},
) {
  const clock = new FakeClock();
  const deadline = new Deadline({
    budgetMs: opts.budgetMs ?? 10_000,
    clock,
    ...(opts.signal && { signal: opts.signal }),
  });
  const routerDeadline = Object.assign(deadline, {
    budgetMs: opts.budgetMs ?? 10_000,
  }) as unknown as RouterDeadline;
  const retry: RetryControl = {
    attempts: 0,
    tryRetry: () => true,
    backoffMs: () => 100,
    ...opts.retry,
  };
  return { clock, deadline: routerDeadline, retry };
}

/** The fields every run shares: the first deployment's model, no context chain, the env's clock. */
function base(env: ReturnType<typeof setup>, candidates: Candidate[]) {
  const first = candidates[0]!.deployment;
  return {
    model: route(first.model, [first]),
    plan: candidates,
    contextPlan: [] as Candidate[],
    clock: env.clock,
    callerSignal: undefined as AbortSignal | undefined,
    deadline: env.deadline,
    estimatedTokens: 10,
    retry: env.retry,
  };
}

const plan = (...ds: Deployment[]): Candidate[] =>
  ds.map((deployment, i) => ({ deployment, role: i === 0 ? 'primary' : 'fallback' }));

test('the first healthy candidate answers; nothing else is called', async () => {
  const a = deployment('p/a', 'a');
  const b = deployment('p/b', 'b');
  const env = setup();
  const called: string[] = [];
  const win = await runFailover({
    ...base(env, plan(a, b)),
    call: async (d) => {
      called.push(d.id);
      return ok('hello');
    },
  });
  assert.equal(win.value, 'hello');
  assert.equal(win.calls, 1);
  assert.deepEqual(called, ['p/a']);
  assert.deepEqual(win.attempts, []);
  // The winner's permit is still held: the caller records it.
  assert.deepEqual(a.breaker.recorded, []);
});

test('a failed primary fails over to the fallback, and the failure is recorded', async () => {
  const a = deployment('p/a', 'a');
  const b = deployment('p/b', 'b');
  const env = setup();
  const win = await runFailover({
    ...base(env, plan(a, b)),
    call: async (d) => (d === a ? fail(a) : ok('from b')),
  });
  assert.equal(win.value, 'from b');
  assert.equal(win.candidate.deployment, b);
  assert.equal(win.calls, 2);
  assert.deepEqual(a.breaker.recorded, ['failure']);
  assert.equal(win.attempts.length, 1);
  assert.deepEqual(
    { result: win.attempts[0]?.result, reason: win.attempts[0]?.reason },
    { result: 'failed', reason: 'server_error' },
  );
});

test('an open breaker is skipped without a call, with its retry time', async () => {
  const a = deployment('p/a', 'a');
  const b = deployment('p/b', 'b');
  a.breaker.openForMs = 25_000;
  const env = setup();
  const called: string[] = [];
  const win = await runFailover({
    ...base(env, plan(a, b)),
    call: async (d) => {
      called.push(d.id);
      return ok('b');
    },
  });
  assert.deepEqual(called, ['p/b']);
  assert.deepEqual(win.attempts[0], {
    deployment: 'p/a',
    model: 'a',
    result: 'skipped',
    reason: 'breaker_open',
    retryAfterMs: 25_000,
  });
});

test("a caller's 400 returns at once, unchanged, with no failover and nothing counted", async () => {
  const a = deployment('p/a', 'a');
  const b = deployment('p/b', 'b');
  const env = setup();
  const body = {
    error: { message: 'bad', type: 'invalid_request_error', param: 'x', code: 'bad_x' },
  };
  let calls = 0;
  await assert.rejects(
    runFailover({
      ...base(env, plan(a, b)),
      call: async () => {
        calls++;
        return {
          type: 'caller_error',
          outcome: { type: 'neutral', reason: 'caller_error' },
          status: 400,
          body,
          durationMs: 1,
        };
      },
    }),
    (e: unknown) => e instanceof UpstreamRejectedError && e.status === 400 && e.body === body,
  );
  assert.equal(calls, 1);
  assert.deepEqual(a.breaker.recorded, ['neutral']);
});

test('a context-length refusal moves to the context-window chain', async () => {
  const a = deployment('p/a', 'a');
  const b = deployment('p/b', 'b');
  const big = deployment('p/big', 'big');
  const env = setup();
  const called: string[] = [];
  const win = await runFailover({
    ...base(env, plan(a, b)),
    contextPlan: [{ deployment: big, role: 'context' }],
    call: async (d) => {
      called.push(d.id);
      if (d === big) return ok('long answer');
      return {
        type: 'caller_error',
        outcome: { type: 'neutral', reason: 'context_length' },
        status: 400,
        body: {
          error: {
            message: 'too long',
            type: 'invalid_request_error',
            param: 'messages',
            code: 'context_length_exceeded',
          },
        },
        durationMs: 1,
      };
    },
  });
  assert.equal(win.value, 'long answer');
  assert.equal(win.candidate.role, 'context');
  assert.deepEqual(called, ['p/a', 'p/big']);
});

test('every candidate failing gives one error listing each, with bounded calls and retries', async () => {
  const a = deployment('p/a', 'a');
  const b = deployment('p/b', 'b');
  const env = setup({ retry: { attempts: 2 } });
  const { clock } = env;
  let calls = 0;
  const run = runFailover({
    ...base(env, plan(a, b)),
    call: async (d) => {
      calls++;
      return fail(d);
    },
  });
  const settled = run.then(
    () => undefined,
    (e: unknown) => e,
  );
  await clock.tick(1000);
  const error = await settled;
  assert.ok(error instanceof AllCandidatesFailedError);
  // One call per candidate plus the two retries the config allows: never more.
  assert.equal(calls, 4);
  assert.equal(error.attempts.length, 4);
});

test('a retry budget that says no stops retries at once', async () => {
  const a = deployment('p/a', 'a');
  const env = setup({ retry: { attempts: 3, tryRetry: () => false } });
  const { clock } = env;
  let calls = 0;
  const settled = runFailover({
    ...base(env, plan(a)),
    call: async (d) => {
      calls++;
      return fail(d);
    },
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  await clock.tick(500);
  const error = await settled;
  assert.ok(error instanceof AllCandidatesFailedError);
  assert.equal(calls, 1);
  assert.equal(error.attempts.at(-1)?.reason, 'retry_budget_exceeded');
  // The permit taken for the refused retry was handed back as neutral.
  assert.deepEqual(a.breaker.recorded, ['failure', 'neutral']);
});

test('an auth failure is not retried', async () => {
  const a = deployment('p/a', 'a');
  const env = setup({ retry: { attempts: 3 } });
  const { clock } = env;
  let calls = 0;
  const settled = runFailover({
    ...base(env, plan(a)),
    call: async (d) => {
      calls++;
      return fail(d, 'auth');
    },
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  await clock.tick(1000);
  assert.ok((await settled) instanceof AllCandidatesFailedError);
  assert.equal(calls, 1);
});

test('a retry whose wait would pass the deadline is not made', async () => {
  const a = deployment('p/a', 'a');
  const env = setup({
    budgetMs: 50,
    retry: { attempts: 3, backoffMs: () => 100 },
  });
  const { clock } = env;
  let calls = 0;
  const error = await runFailover({
    ...base(env, plan(a)),
    call: async (d) => {
      calls++;
      return fail(d);
    },
  }).catch((e: unknown) => e);
  assert.ok(error instanceof AllCandidatesFailedError);
  assert.equal(calls, 1);
  assert.equal(clock.now(), 0);
});

test('a rate-limited deployment is skipped and gives back what it took', async () => {
  let taken = 0;
  const limit: AdmissionLimit = {
    tryAdmit: () => ({ admitted: false, reason: 'rate_limited', retryAfterMs: 700 }),
  };
  const counting: AdmissionLimit = {
    tryAdmit: () => {
      taken++;
      return { admitted: true, refund: () => taken--, settle: () => undefined };
    },
  };
  const a = deployment('p/a', 'a', [counting, limit]);
  const b = deployment('p/b', 'b');
  const env = setup();
  const win = await runFailover({
    ...base(env, plan(a, b)),
    call: async () => ok('b'),
  });
  assert.equal(win.candidate.deployment, b);
  assert.equal(taken, 0);
  assert.deepEqual(a.breaker.recorded, ['neutral']);
  assert.equal(win.attempts[0]?.reason, 'rate_limited');
});

test('a caller abort stops the run with CancelledError and calls nothing more', async () => {
  const a = deployment('p/a', 'a');
  const b = deployment('p/b', 'b');
  const ac = new AbortController();
  const env = setup({ signal: ac.signal });
  const called: string[] = [];
  await assert.rejects(
    runFailover({
      ...base(env, plan(a, b)),
      callerSignal: ac.signal,
      call: async (d) => {
        called.push(d.id);
        ac.abort();
        return { type: 'cancelled', durationMs: 1 };
      },
    }),
    CancelledError,
  );
  assert.deepEqual(called, ['p/a']);
  assert.deepEqual(a.breaker.recorded, ['neutral']);
});

// Issue 8, outage 1: an open breaker made requests sleep until it admitted again.
test('every breaker open: the run ends at once, without sleeping, with the earliest admission', async () => {
  const a = deployment('p/a', 'a');
  const b = deployment('p/b', 'b');
  a.breaker.openForMs = 30_000;
  b.breaker.openForMs = 12_500;
  const env = setup({ budgetMs: 60_000, retry: { attempts: 2 } });
  let calls = 0;
  const run = runFailover({
    ...base(env, plan(a, b)),
    call: async () => {
      calls++;
      return ok('x');
    },
  }).catch((e: unknown) => e);
  // The clock never moves: a run that sleeps for a breaker stays pending here.
  const settled = await Promise.race([run, flushMicrotasks().then(() => 'still waiting')]);
  assert.ok(settled instanceof AllCandidatesFailedError, String(settled));
  assert.equal(settled.retryAfterMs, 12_500);
  assert.deepEqual(
    settled.attempts.map((x) => [x.deployment, x.result, x.reason]),
    [
      ['p/a', 'skipped', 'breaker_open'],
      ['p/b', 'skipped', 'breaker_open'],
    ],
  );
  assert.equal(calls, 0);
  assert.equal(env.clock.now(), 0);
});

test('a retry waits only for its backoff, never for a breaker that opened meanwhile', async () => {
  const a = deployment('p/a', 'a');
  const env = setup({ budgetMs: 60_000, retry: { attempts: 2, backoffMs: () => 100 } });
  let calls = 0;
  const run = runFailover({
    ...base(env, plan(a)),
    call: async (d) => {
      calls++;
      a.breaker.openForMs = 30_000; // the failure tripped it
      return fail(d);
    },
  }).catch((e: unknown) => e);
  await flushMicrotasks();
  await env.clock.tick(100); // the backoff, and nothing more
  const settled = await Promise.race([run, flushMicrotasks().then(() => 'still waiting')]);
  assert.ok(settled instanceof AllCandidatesFailedError, String(settled));
  assert.equal(calls, 1);
  assert.equal(settled.retryAfterMs, 30_000);
  assert.equal(env.clock.now(), 100);
});

test('a rate limit spent everywhere: no call, no sleep, the limit says when', async () => {
  const limit: AdmissionLimit = {
    tryAdmit: () => ({ admitted: false, reason: 'rate_limited', retryAfterMs: 1_700 }),
  };
  const a = deployment('p/a', 'a', [limit]);
  const env = setup({ retry: { attempts: 3 } });
  const run = runFailover({ ...base(env, plan(a)), call: async () => ok('x') }).catch(
    (e: unknown) => e,
  );
  const settled = await Promise.race([run, flushMicrotasks().then(() => 'still waiting')]);
  assert.ok(settled instanceof AllCandidatesFailedError, String(settled));
  assert.equal(settled.retryAfterMs, 1_700);
});

// Issue 8, outage 2: a hung primary took the whole deadline from its healthy fallback.
test('an attempt with an admissible candidate behind it gets half the remaining deadline', async () => {
  const a = deployment('p/a', 'a');
  const b = deployment('p/b', 'b');
  const c = deployment('p/c', 'c');
  const env = setup({ budgetMs: 10_000 });
  const caps: [string, number | undefined][] = [];
  await runFailover({
    ...base(env, plan(a, b, c)),
    call: async (d, attempt) => {
      caps.push([d.id, attempt.attemptMs]);
      await env.clock.tick(attempt.attemptMs ?? 0);
      return d === c ? ok('c') : fail(d);
    },
  });
  // a: half of 10 s; b: half of the 5 s left; c is last: the deadline alone bounds it.
  assert.deepEqual(caps, [
    ['p/a', 5_000],
    ['p/b', 2_500],
    ['p/c', undefined],
  ]);
});

test('open breakers behind do not count; attemptTimeoutMs overrides the half rule', async () => {
  const a = deployment('p/a', 'a');
  const b = deployment('p/b', 'b');
  b.breaker.openForMs = 1_000;
  const env = setup({ budgetMs: 10_000 });
  const caps: (number | undefined)[] = [];
  const call = async (_d: Deployment, attempt: { attemptMs: number | undefined }) => {
    caps.push(attempt.attemptMs);
    return ok('x');
  };
  await runFailover({ ...base(env, plan(a, b)), call });
  const own = { ...deployment('p/own', 'own'), attemptTimeoutMs: 800 };
  await runFailover({ ...base(env, plan(own)), call });
  assert.deepEqual(caps, [undefined, 800]);
});

// Issue 8, outage 3: the winner was charged the whole request's time.
test("the winner's settle times it from its own start and feeds the latency estimate", async () => {
  const a = deployment('p/a', 'a');
  const b = deployment('p/b', 'b');
  const durations: (number | undefined)[] = [];
  b.breaker.record = (_p, outcome) => {
    durations.push(outcome.type === 'success' ? outcome.durationMs : -1);
  };
  const env = setup({ budgetMs: 10_000 });
  const win = await runFailover({
    ...base(env, plan(a, b)),
    call: async (d, attempt) => {
      if (d === a) {
        await env.clock.tick(attempt.attemptMs ?? 0);
        return fail(d);
      }
      await env.clock.tick(20);
      return ok('b');
    },
  });
  assert.equal(env.clock.now(), 5_020);
  win.settle({ type: 'success' }, undefined);
  win.settle({ type: 'success' }, undefined); // idempotent
  assert.deepEqual(durations, [20]);
  assert.equal(b.latencyEwmaMs, 20);
});
