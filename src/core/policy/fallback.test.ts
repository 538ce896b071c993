import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../fake-clock.js';
import { CancelledError, DeadlineExceededError, UpstreamError } from '../errors.js';
import { fallback } from './fallback.js';
import type { PolicyContext } from './policy.js';

const failing = (): Promise<string> =>
  Promise.reject(new UpstreamError({ kind: 'server_error', deploymentId: 'd', status: 500 }));

test('a success passes through untouched', async () => {
  assert.equal(await fallback('cached').execute(() => Promise.resolve('fresh')), 'fresh');
});

test('a failure is answered with the fallback value', async () => {
  assert.equal(await fallback('cached').execute(failing), 'cached');
});

test('a fallback function gets the error and the context, and may be async', async () => {
  let seen: unknown;
  let context: PolicyContext | undefined;
  const policy = fallback(async (error: unknown, ctx: PolicyContext) => {
    seen = error;
    context = ctx;
    await Promise.resolve();
    return 'computed';
  });
  assert.equal(await policy.execute(failing, { deadlineMs: 42 }), 'computed');
  assert.ok(seen instanceof UpstreamError);
  assert.equal(context?.deadlineMs, 42);
  assert.equal(context.signal.aborted, false);
});

test('a function can itself be the fallback value when returned from one', async () => {
  const handler = (): string => 'handler';
  const policy = fallback(() => handler);
  const result = await policy.execute<() => string>(() => Promise.reject(new Error('x')));
  assert.equal(result, handler);
});

test('when decides which errors get the fallback', async () => {
  const policy = fallback('cached', { when: (error) => error instanceof UpstreamError });
  assert.equal(await policy.execute(failing), 'cached');
  await assert.rejects(
    policy.execute(() => Promise.reject(new TypeError('bug'))),
    TypeError,
  );
});

test("a caller's cancellation is never replaced, even by an accept-all when", async () => {
  const policy = fallback('cached', { when: () => true });
  await assert.rejects(
    policy.execute(() => Promise.reject(new CancelledError())),
    CancelledError,
  );
  await assert.rejects(
    policy.execute(() => Promise.reject(new DOMException('aborted', 'AbortError'))),
    { name: 'AbortError' },
  );
  const caller = new AbortController();
  caller.abort(new Error('tab closed'));
  await assert.rejects(
    policy.execute(() => Promise.reject(new Error('socket closed')), { signal: caller.signal }),
    /socket closed/,
  );
});

test('a passed deadline is not a cancellation: the fallback answers', async () => {
  const clock = new FakeClock();
  const expired = new AbortController();
  expired.abort(new DeadlineExceededError(1_000));
  const policy = fallback('cached');
  const result = await policy.execute((signal) => clock.sleep(10, signal).then(() => 'late'), {
    signal: expired.signal,
  });
  assert.equal(result, 'cached');
});

test('a throwing fallback function rejects with its own error', async () => {
  const policy = fallback(() => {
    throw new Error('no cache either');
  });
  await assert.rejects(policy.execute(failing), /no cache either/);
});
