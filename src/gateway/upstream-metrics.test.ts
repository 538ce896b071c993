import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Emitter } from '../core/index.js';
import { GatewayMetrics } from './metrics.js';
import type { MetricsAttempt, MetricsEvents, MetricsRequestEvent } from './metrics.js';
import { attemptOutcome, winnerAttemptMs, winnerOutcome } from './metrics-labels.js';

const DEPLOYMENTS = [
  { id: 'sim/gpt-4.1', model: 'gpt-4.1' },
  { id: 'sim/mini', model: 'mini' },
];

function setup() {
  const request = new Emitter<MetricsRequestEvent>();
  const attempt = new Emitter<MetricsAttempt>();
  const events = {
    on(event: string, fn: (e: never) => void) {
      const e = { request, attempt, transition: new Emitter() }[event] as Emitter<unknown>;
      return e.on(fn as (x: unknown) => void);
    },
  } as MetricsEvents;
  const metrics = new GatewayMetrics({
    events,
    circuits: () => [],
    models: ['gpt-4.1', 'mini'],
    deployments: DEPLOYMENTS,
  });
  return { request, attempt, metrics };
}

function answered(
  meta: Partial<MetricsRequestEvent['meta']> = {},
  rest: Partial<MetricsRequestEvent> = {},
): MetricsRequestEvent {
  return {
    meta: {
      requestId: 'req_x',
      requestedModel: 'gpt-4.1',
      model: 'gpt-4.1',
      deployment: 'sim/gpt-4.1',
      fallbackUsed: false,
      fallback: 'none',
      attempts: [],
      calls: 1,
      cached: false,
      costUsd: 0,
      costIfRequestedUsd: 0,
      durationMs: 400,
      ...meta,
    },
    route: 'chat',
    ok: true,
    errorCode: undefined,
    promptTokens: 0,
    completionTokens: 0,
    ttftMs: undefined,
    ...rest,
  };
}

function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const attempts = (labels: string) => `breakerbox_upstream_attempts_total{${labels}}`;

test('configured series start at 0, before any traffic', async () => {
  const { metrics } = setup();
  const { text } = await metrics.scrape();
  for (const outcome of ['success', 'failure', 'neutral', 'skipped']) {
    assert.equal(
      value(text, attempts(`deployment="sim/mini",model="mini",outcome="${outcome}"`)),
      0,
    );
  }
  assert.equal(
    value(text, 'breakerbox_upstream_skips_total{deployment="sim/mini",reason="breaker_open"}'),
    0,
  );
  assert.equal(
    value(
      text,
      'breakerbox_upstream_attempt_duration_seconds_count{deployment="sim/gpt-4.1",model="gpt-4.1",outcome="success"}',
    ),
    0,
  );
  assert.equal(
    value(
      text,
      'breakerbox_requests_total{model="gpt-4.1",deployment="sim/gpt-4.1",outcome="success"}',
    ),
    0,
  );
  assert.equal(
    value(
      text,
      'breakerbox_errors_total{source="provider",code="all_candidates_failed",model="mini"}',
    ),
    0,
  );
  assert.equal(value(text, 'breakerbox_cost_usd_total{model="mini"}'), 0);
  assert.match(
    text,
    /^breakerbox_build_info\{version="\d+\.\d+\.\d+[^"]*",node="\d+\.\d+\.\d+"\} 1$/m,
  );
  assert.match(text, /^process_cpu_seconds_total /m, 'process metrics, standard names');
  assert.match(text, /^nodejs_heap_size_used_bytes /m);
  metrics.dispose();
});

test('attempt events and the answer feed per-deployment outcomes and durations', async () => {
  const { request, attempt, metrics } = setup();
  attempt.emit({
    deployment: 'sim/gpt-4.1',
    model: 'gpt-4.1',
    result: 'skipped',
    reason: 'breaker_open',
  });
  attempt.emit({
    deployment: 'sim/gpt-4.1',
    model: 'gpt-4.1',
    result: 'failed',
    reason: 'server_error',
    scope: 'deployment',
    durationMs: 2000,
  });
  attempt.emit({
    deployment: 'sim/mini',
    model: 'mini',
    result: 'failed',
    reason: 'caller_error',
    scope: 'request',
    durationMs: 30,
  });
  // The winner's own time, when the engine reports it, is what is observed.
  request.emit(answered({ deployment: 'sim/mini', model: 'mini' }, { attemptMs: 80 }));
  const { text } = await metrics.scrape();
  assert.equal(
    value(text, attempts('deployment="sim/gpt-4.1",model="gpt-4.1",outcome="skipped"')),
    1,
  );
  assert.equal(
    value(text, attempts('deployment="sim/gpt-4.1",model="gpt-4.1",outcome="failure"')),
    1,
  );
  assert.equal(value(text, attempts('deployment="sim/mini",model="mini",outcome="neutral"')), 1);
  assert.equal(value(text, attempts('deployment="sim/mini",model="mini",outcome="success"')), 1);
  assert.equal(
    value(text, 'breakerbox_upstream_skips_total{deployment="sim/gpt-4.1",reason="breaker_open"}'),
    1,
  );
  const dur = 'breakerbox_upstream_attempt_duration_seconds';
  assert.equal(
    value(text, `${dur}_sum{deployment="sim/gpt-4.1",model="gpt-4.1",outcome="failure"}`),
    2,
  );
  assert.equal(
    value(text, `${dur}_sum{deployment="sim/mini",model="mini",outcome="success"}`),
    0.08,
  );
  metrics.dispose();
});

test('unknown names are labelled other: the label sets stay bounded', async () => {
  const { request, attempt, metrics } = setup();
  for (let i = 0; i < 50; i++) {
    attempt.emit({ deployment: `x/${i}`, model: `m${i}`, result: 'skipped', reason: `why${i}` });
    request.emit(answered({ requestedModel: `m${i}`, model: `m${i}`, deployment: `x/${i}` }));
    metrics.errorAnswered('caller', 'model_not_found', `m${i}`);
  }
  const { text } = await metrics.scrape();
  assert.equal(value(text, attempts('deployment="other",model="other",outcome="skipped"')), 50);
  assert.equal(
    value(text, 'breakerbox_upstream_skips_total{deployment="other",reason="other"}'),
    50,
  );
  assert.equal(
    value(text, 'breakerbox_requests_total{model="other",deployment="other",outcome="success"}'),
    50,
  );
  assert.equal(
    value(text, 'breakerbox_errors_total{source="caller",code="model_not_found",model="other"}'),
    50,
  );
  assert.ok(!/m\d+|x\/\d+|why\d+/.test(text), 'no caller-sent name in any label');
  metrics.dispose();
});

test('attempt and winner labels; the winner is timed only by its own attempt', () => {
  assert.equal(
    attemptOutcome({ deployment: 'd', model: 'm', result: 'skipped', reason: 'x' }),
    'skipped',
  );
  assert.equal(
    attemptOutcome({
      deployment: 'd',
      model: 'm',
      result: 'failed',
      reason: 'x',
      scope: 'deployment',
    }),
    'failure',
  );
  assert.equal(winnerOutcome(answered()), 'success');
  assert.equal(winnerOutcome(answered({}, { ok: false, errorCode: 'cancelled' })), 'neutral');
  assert.equal(winnerOutcome(answered({}, { ok: false, errorCode: 'upstream_error' })), 'failure');
  assert.equal(winnerOutcome(answered({ deployment: null, cached: true })), undefined);
  assert.equal(winnerAttemptMs(answered({}, { attemptMs: 12 })), 12);
  assert.equal(winnerAttemptMs(answered()), 400, 'no call before it: the request time');
  assert.equal(winnerAttemptMs(answered({}, { route: 'stream', ttftMs: 90 })), 90);
  const afterFailure = answered({
    attempts: [{ deployment: 'd', model: 'm', result: 'failed', reason: 'server_error' }],
  });
  assert.equal(winnerAttemptMs(afterFailure), undefined, 'never charged with the failure');
  const afterSkip = answered({
    attempts: [{ deployment: 'd', model: 'm', result: 'skipped', reason: 'breaker_open' }],
  });
  assert.equal(winnerAttemptMs(afterSkip), 400);
});
