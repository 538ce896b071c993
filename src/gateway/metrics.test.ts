import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Emitter } from '../core/index.js';
import { GatewayMetrics, fallbackReason, requestOutcome, retriesOf } from './metrics.js';
import type {
  MetricsAttempt,
  MetricsEvents,
  MetricsRequestEvent,
  MetricsTransition,
} from './metrics.js';

function fakeEngine() {
  const request = new Emitter<MetricsRequestEvent>();
  const attempt = new Emitter<MetricsAttempt>();
  const transition = new Emitter<MetricsTransition>();
  const events = {
    on(event: string, fn: (e: never) => void) {
      const e = { request, attempt, transition }[event] as Emitter<unknown>;
      return e.on(fn as (x: unknown) => void);
    },
  } as MetricsEvents;
  return { request, attempt, transition, events };
}

function event(
  over: Partial<MetricsRequestEvent['meta']> = {},
  rest: Partial<MetricsRequestEvent> = {},
): MetricsRequestEvent {
  return {
    meta: {
      requestId: 'req_test',
      costIfRequestedUsd: 0.002,
      durationMs: 5,
      requestedModel: 'gpt-4.1',
      model: 'gpt-4.1',
      deployment: 'sim/gpt-4.1',
      fallbackUsed: false,
      fallback: 'none',
      attempts: [],
      calls: 1,
      cached: false,
      costUsd: 0.002,
      ...over,
    },
    route: 'chat',
    ok: true,
    errorCode: undefined,
    promptTokens: 10,
    completionTokens: 5,
    ttftMs: undefined,
    ...rest,
  };
}

/** The value of one series in the exposition text, or undefined. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('request events feed requests, tokens, cost, fallbacks, retries and ttft', async () => {
  const f = fakeEngine();
  const states = new Map([
    ['sim/gpt-4.1', 'closed'],
    ['sim/mini', 'open'],
  ]);
  const m = new GatewayMetrics({ events: f.events, circuits: () => states });
  f.request.emit(event());
  f.request.emit(
    event(
      {
        model: 'mini',
        deployment: 'sim/mini',
        fallbackUsed: true,
        fallback: 'model',
        calls: 3,
        attempts: [
          { deployment: 'sim/gpt-4.1', model: 'gpt-4.1', result: 'failed', reason: 'server_error' },
          { deployment: 'sim/gpt-4.1', model: 'gpt-4.1', result: 'failed', reason: 'overloaded' },
        ],
      },
      { route: 'stream', ttftMs: 120 },
    ),
  );
  f.request.emit(
    event(
      { model: null, deployment: null, costUsd: 0 },
      { ok: false, errorCode: 'all_candidates_failed', promptTokens: 0, completionTokens: 0 },
    ),
  );
  const { text, contentType } = await m.scrape();
  assert.match(contentType, /^text\/plain/);
  assert.equal(
    value(
      text,
      'breakerbox_requests_total{model="gpt-4.1",deployment="sim/gpt-4.1",outcome="success"}',
    ),
    1,
  );
  assert.equal(
    value(
      text,
      'breakerbox_requests_total{model="gpt-4.1",deployment="sim/mini",outcome="fallback"}',
    ),
    1,
  );
  assert.equal(
    value(text, 'breakerbox_requests_total{model="gpt-4.1",deployment="none",outcome="error"}'),
    1,
  );
  assert.equal(
    value(text, 'breakerbox_fallbacks_total{from="gpt-4.1",to="mini",reason="overloaded"}'),
    1,
  );
  assert.equal(value(text, 'breakerbox_retries_total{model="gpt-4.1"}'), 1);
  assert.equal(value(text, 'breakerbox_tokens_total{model="gpt-4.1",type="prompt"}'), 10);
  assert.equal(value(text, 'breakerbox_tokens_total{model="mini",type="completion"}'), 5);
  assert.equal(value(text, 'breakerbox_cost_usd_total{model="gpt-4.1"}'), 0.002);
  assert.equal(value(text, 'breakerbox_time_to_first_token_seconds_count{model="gpt-4.1"}'), 1);
  assert.equal(value(text, 'breakerbox_circuit_state{deployment="sim/mini",state="open"}'), 1);
  assert.equal(value(text, 'breakerbox_circuit_state{deployment="sim/mini",state="closed"}'), 0);
  assert.equal(value(text, 'breakerbox_circuit_state{deployment="sim/gpt-4.1",state="closed"}'), 1);
  m.dispose();
});

test('circuit state is read at each scrape; transitions and rate limits are counted', async () => {
  const f = fakeEngine();
  const states = new Map([['d1', 'closed']]);
  const m = new GatewayMetrics({ events: f.events, circuits: () => states });
  f.transition.emit({ deployment: 'd1', from: 'closed', to: 'open', reason: 'failures' });
  states.set('d1', 'open');
  f.attempt.emit({ deployment: 'd1', model: 'x', result: 'skipped', reason: 'rate_limited' });
  f.attempt.emit({ deployment: 'd1', model: 'x', result: 'failed', reason: 'rate_limited' });
  f.attempt.emit({ deployment: 'd1', model: 'x', result: 'failed', reason: 'server_error' });
  m.clientRateLimited();
  m.errorAnswered('caller', 'invalid_request');
  m.errorAnswered('caller', 'invalid_request');
  const { text } = await m.scrape();
  assert.equal(
    value(text, 'breakerbox_circuit_transitions_total{deployment="d1",from="closed",to="open"}'),
    1,
  );
  assert.equal(value(text, 'breakerbox_circuit_state{deployment="d1",state="open"}'), 1);
  assert.equal(value(text, 'breakerbox_circuit_state{deployment="d1",state="closed"}'), 0);
  assert.equal(value(text, 'breakerbox_rate_limit_rejections_total{scope="deployment"}'), 1);
  assert.equal(value(text, 'breakerbox_rate_limit_rejections_total{scope="upstream"}'), 1);
  assert.equal(value(text, 'breakerbox_rate_limit_rejections_total{scope="client"}'), 1);
  assert.equal(
    value(text, 'breakerbox_errors_total{source="caller",code="invalid_request",model="none"}'),
    2,
  );
  m.dispose();
  f.transition.emit({ deployment: 'd1', from: 'open', to: 'half-open', reason: 'timer' });
  const after = await m.scrape();
  assert.equal(
    value(
      after.text,
      'breakerbox_circuit_transitions_total{deployment="d1",from="open",to="half-open"}',
    ),
    undefined,
    'disposed',
  );
});

test('in-flight gauge and duration histogram', async () => {
  const f = fakeEngine();
  const m = new GatewayMetrics({ events: f.events, circuits: () => [] });
  const done1 = m.requestStarted();
  const done2 = m.requestStarted();
  done1();
  done1();
  let text = (await m.scrape()).text;
  assert.equal(value(text, 'breakerbox_in_flight_requests'), 1, 'double done counts once');
  done2();
  m.observeDuration('gpt-4.1', 250);
  text = (await m.scrape()).text;
  assert.equal(value(text, 'breakerbox_in_flight_requests'), 0);
  assert.equal(value(text, 'breakerbox_request_duration_seconds_sum{model="gpt-4.1"}'), 0.25);
});

test('two gateways in one process do not share a registry', async () => {
  const a = new GatewayMetrics({ events: fakeEngine().events, circuits: () => [] });
  const b = new GatewayMetrics({ events: fakeEngine().events, circuits: () => [] });
  a.clientRateLimited();
  assert.equal(
    value((await b.scrape()).text, 'breakerbox_rate_limit_rejections_total{scope="client"}'),
    0,
  );
  // Process metrics are collected once per process (prom-client cannot stop its GC observer and
  // event-loop monitor), and each registry serves the same collectors.
  const cpu = 'process_cpu_seconds_total';
  assert.ok(a.registry.getSingleMetric(cpu) !== undefined);
  assert.equal(a.registry.getSingleMetric(cpu), b.registry.getSingleMetric(cpu));
  assert.match((await b.scrape()).text, /^nodejs_eventloop_lag_p99_seconds /m);
});

test('outcome, retries and fallback reason helpers', () => {
  assert.equal(requestOutcome(event()), 'success');
  assert.equal(
    requestOutcome(event({ cached: true, fallback: 'cache', fallbackUsed: true })),
    'cached',
  );
  assert.equal(requestOutcome(event({ fallback: 'static', fallbackUsed: true })), 'static');
  assert.equal(requestOutcome(event({}, { ok: false, errorCode: 'cancelled' })), 'cancelled');
  assert.equal(requestOutcome(event({}, { ok: false, errorCode: 'deadline_exceeded' })), 'error');
  const failedThenWon = event({
    attempts: [
      { deployment: 'sim/gpt-4.1', model: 'gpt-4.1', result: 'failed', reason: 'server_error' },
    ],
  });
  assert.equal(retriesOf(failedThenWon), 1, 'same deployment called again and won');
  assert.equal(
    retriesOf(
      event({
        attempts: [{ deployment: 'other', model: 'gpt-4.1', result: 'failed', reason: 'x' }],
      }),
    ),
    0,
  );
  assert.equal(fallbackReason(event({ fallback: 'budget', fallbackUsed: true })), 'budget');
  assert.equal(fallbackReason(event({ fallback: 'model', fallbackUsed: true })), 'model');
});
