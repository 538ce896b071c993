import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verdictOf } from './line-verdict.js';
import { failedMeta } from './target.js';
import type { LineOutcome } from './target.js';

const meta = failedMeta({ model: 'm' }, 1);

function http(statusCode: number, code: string | null, attempts?: unknown[]): LineOutcome {
  const body = { error: { message: 'x', type: 't', param: null, code, attempts } };
  return {
    type: 'http',
    statusCode,
    requestId: 'r',
    bodyText: undefined,
    body,
    errorCode: statusCode < 300 ? null : (code ?? `http_${statusCode}`),
    meta,
    admitAfterMs: undefined,
  };
}

const attempt = (result: string, reason: string, status?: number) => ({
  deployment: 'p/m',
  model: 'm',
  result,
  reason,
  ...(status !== undefined && { status }),
});

const kind = (o: LineOutcome) => verdictOf(o).kind;

test('2xx succeeded; a provider verdict on the request is final', () => {
  assert.equal(kind(http(200, null)), 'succeeded');
  // The provider's own 400/404/413/422, relayed as is; breakerbox's validation; unknown model.
  assert.equal(kind(http(400, 'context_length_exceeded')), 'final');
  assert.equal(kind(http(422, null)), 'final');
  assert.equal(kind(http(413, null)), 'final');
  assert.equal(kind(http(400, 'invalid_request')), 'final');
  assert.equal(kind(http(404, 'model_not_found')), 'final');
  // Every attempt a verdict on the request (context fallback chain included).
  const judged = [attempt('failed', 'context_length', 400), attempt('failed', 'caller_error', 400)];
  assert.equal(kind(http(503, 'all_candidates_failed', judged)), 'final');
});

test('no provider answer about the request: retryable', () => {
  const network = [attempt('failed', 'network'), attempt('failed', 'server_error', 500)];
  assert.equal(kind(http(503, 'all_candidates_failed', network)), 'retryable');
  const open = [attempt('skipped', 'breaker_open')];
  assert.equal(kind(http(503, 'all_candidates_failed', open)), 'retryable');
  // 401/403/404 failed over (the engine's coming behaviour), and today's auth failover.
  const auth = [attempt('failed', 'auth', 401), attempt('failed', 'auth', 404)];
  assert.equal(kind(http(503, 'all_candidates_failed', auth)), 'retryable');
  // A context-length answer, then a fallback that was never reached.
  const mixed = [attempt('failed', 'context_length', 400), attempt('failed', 'network')];
  assert.equal(kind(http(503, 'all_candidates_failed', mixed)), 'retryable');
  assert.equal(kind(http(503, 'all_candidates_failed', [])), 'retryable');
  for (const [status, code] of [
    [504, 'deadline_exceeded'],
    [502, 'upstream_error'],
    [429, 'rate_limited'],
    [429, 'budget_exceeded'],
    [499, 'cancelled'],
    [401, 'invalid_api_key'],
    [403, null],
    [500, 'internal_error'],
  ] as const) {
    assert.equal(kind(http(status, code)), 'retryable', `${status} ${code}`);
  }
  const unreachable: LineOutcome = {
    type: 'error',
    code: 'gateway_unreachable',
    message: 'ECONNREFUSED',
    meta,
    admitAfterMs: 1000,
  };
  assert.equal(kind(unreachable), 'retryable');
});

test('attempts are read defensively from the body', () => {
  const v = verdictOf(
    http(503, 'all_candidates_failed', [
      null,
      7,
      { deployment: 1 },
      attempt('failed', 'auth', 401),
    ]),
  );
  assert.ok(v.kind === 'retryable');
  assert.deepEqual(v.attempts, [
    { deployment: 'p/m', result: 'failed', reason: 'auth', status: 401 },
  ]);
});
