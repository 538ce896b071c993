import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthWatch } from './auth-watch.js';
import type { AttemptView, LineVerdict } from './line-verdict.js';

const failed = (deployment: string, status: number | undefined, reason = 'auth'): AttemptView => ({
  deployment,
  result: 'failed',
  reason,
  status,
});
const skipped = (deployment: string): AttemptView => ({
  deployment,
  result: 'skipped',
  reason: 'breaker_open',
  status: undefined,
});
const retryable = (attempts: AttemptView[], status?: number): LineVerdict => ({
  kind: 'retryable',
  attempts,
  status,
});

/** Feeds one line; returns the stop, if it came. */
function line(w: AuthWatch, v: LineVerdict, servedBy: string | null = null) {
  return w.count(v, w.refused(v, servedBy));
}

test('stops on the Nth line in a row whose every candidate answered 401/403', () => {
  const w = new AuthWatch(3);
  const both = retryable([failed('openai/gpt-4.1', 401), failed('anthropic/claude', 403)]);
  assert.equal(line(w, both), undefined);
  assert.equal(line(w, both), undefined);
  const stop = line(w, both);
  assert.deepEqual(stop && { ...stop, message: undefined }, {
    reason: 'auth_failures',
    lines: 3,
    refusedBy: 'providers',
    providers: ['anthropic', 'openai'],
    deployments: ['anthropic/claude', 'openai/gpt-4.1'],
    statuses: [401, 403],
    message: undefined,
  });
  assert.match(stop?.message ?? '', /every provider answered 401\/403 for 3 lines in a row/);
  assert.match(stop?.message ?? '', /check the API key of providers anthropic, openai/);
});

test('a candidate that did not refuse, a success or a final failure breaks the streak', () => {
  const w = new AuthWatch(2);
  const refused = retryable([failed('p/a', 401)]);
  assert.equal(
    line(w, retryable([failed('p/a', 401), failed('q/b', undefined, 'network')])),
    undefined,
  );
  assert.equal(line(w, refused), undefined);
  assert.equal(line(w, { kind: 'succeeded' }, 'q/b'), undefined);
  assert.equal(line(w, refused), undefined);
  assert.equal(line(w, { kind: 'final' }), undefined);
  assert.equal(line(w, refused), undefined);
  assert.notEqual(line(w, refused), undefined);
});

test('a breaker opened by refusals counts as a refusal; a later success clears it', () => {
  const w = new AuthWatch(10);
  // Not known yet: an open breaker says nothing.
  assert.equal(w.refused(retryable([skipped('p/a')]), null), false);
  w.refused(retryable([failed('p/a', 401)]), null);
  assert.equal(w.refused(retryable([skipped('p/a')]), null), true);
  assert.equal(w.refused(retryable([skipped('p/a'), skipped('p/b')]), null), false);
  // In one line: skipped first, then called and refused.
  assert.equal(w.refused(retryable([skipped('p/b'), failed('p/b', 403)]), null), true);
  w.refused({ kind: 'succeeded' }, 'p/a');
  assert.equal(w.refused(retryable([skipped('p/a')]), null), false);
});

test("the target's own 401 (a gateway refusing the batch's key) counts, named as such", () => {
  const w = new AuthWatch(2);
  line(w, retryable([], 401));
  const stop = line(w, retryable([], 401));
  assert.ok(stop);
  assert.equal(stop.refusedBy, 'gateway');
  assert.match(stop.message, /answered 401 to 2 lines in a row: check the API key the batch sends/);
  assert.equal(new AuthWatch(2).refused(retryable([], 503), null), false);
});

test('0 never stops', () => {
  const w = new AuthWatch(0);
  assert.equal(w.enabled, false);
  for (let i = 0; i < 50; i++) assert.equal(line(w, retryable([failed('p/a', 401)])), undefined);
});
