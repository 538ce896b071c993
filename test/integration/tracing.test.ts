// OpenTelemetry traces (issue 13): a failover's span tree, W3C trace context in from the
// gateway's client and out to the upstream, and nothing at all with tracing off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createBreakerbox } from '../../src/engine/index.js';
import type { ConfigInput } from '../../src/index.js';
import { silentLogger, startGateway } from '../../src/gateway/index.js';
import { startMockUpstream } from '../support/mock-upstream.js';
import type { MockUpstream } from '../support/mock-upstream.js';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

function tracer(): { provider: BasicTracerProvider; exporter: InMemorySpanExporter } {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { provider, exporter };
}

function config(up: MockUpstream, tracing: boolean): ConfigInput {
  return {
    providers: {
      a: { baseURL: `${up.url}/a/v1`, apiKey: 'sk-upstream-a-secret' },
      b: { baseURL: `${up.url}/b/v1`, apiKey: 'sk-upstream-b-secret' },
    },
    models: {
      primary: { deployments: [{ provider: 'a', model: 'gpt-a' }], fallbacks: ['backup'] },
      backup: { deployments: [{ provider: 'b', model: 'gpt-b' }] },
    },
    pricing: { 'gpt-b': { input: 1, output: 2 } },
    breaker: { trip: { consecutive: 2 } },
    retry: { attempts: 0 },
    ...(tracing && { telemetry: { tracing: true } }),
  };
}

const ask = { model: 'primary', messages: [{ role: 'user' as const, content: 'hello' }] };

function byName(spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((s) => s.name === name);
  assert.equal(found.length, 1, `one span named ${name}: ${spans.map((s) => s.name).join(', ')}`);
  return found[0] as ReadableSpan;
}

test('a failover is one request span with two attempt children, attributed and statused', async (t) => {
  const up = await startMockUpstream(t, { a: 'fail', b: 'ok' });
  const { provider, exporter } = tracer();
  const bb = createBreakerbox(config(up, true), { tracerProvider: provider });
  t.after(() => bb.close());
  const app = provider.getTracer('app');
  const result = await app.startActiveSpan('app work', async (parent) => {
    try {
      return await bb.chat(ask);
    } finally {
      parent.end();
    }
  });
  const spans = exporter.getFinishedSpans();
  assert.equal(spans.length, 4);
  const appSpan = byName(spans, 'app work');
  const request = byName(spans, 'chat primary');
  const failed = byName(spans, 'chat gpt-a');
  const won = byName(spans, 'chat gpt-b');
  const traceId = appSpan.spanContext().traceId;
  for (const s of [request, failed, won]) assert.equal(s.spanContext().traceId, traceId);
  assert.equal(request.parentSpanContext?.spanId, appSpan.spanContext().spanId);
  assert.equal(failed.parentSpanContext?.spanId, request.spanContext().spanId);
  assert.equal(won.parentSpanContext?.spanId, request.spanContext().spanId);
  assert.equal(request.kind, SpanKind.INTERNAL);
  assert.equal(failed.kind, SpanKind.CLIENT);

  assert.equal(request.status.code, SpanStatusCode.UNSET);
  assert.deepEqual(
    {
      op: request.attributes['gen_ai.operation.name'],
      requested: request.attributes['gen_ai.request.model'],
      response: request.attributes['gen_ai.response.model'],
      provider: request.attributes['gen_ai.provider.name'],
      system: request.attributes['gen_ai.system'],
      input: request.attributes['gen_ai.usage.input_tokens'],
      output: request.attributes['gen_ai.usage.output_tokens'],
      deployment: request.attributes['breakerbox.deployment'],
      fallback: request.attributes['breakerbox.fallback'],
      fallbackUsed: request.attributes['breakerbox.fallback_used'],
      calls: request.attributes['breakerbox.calls'],
      requestId: request.attributes['breakerbox.request_id'],
    },
    {
      op: 'chat',
      requested: 'primary',
      response: 'gpt-b-2025-01-01',
      provider: 'b',
      system: 'b',
      input: 7,
      output: 3,
      deployment: 'b/gpt-b',
      fallback: 'model',
      fallbackUsed: true,
      calls: 2,
      requestId: result.breakerbox.requestId,
    },
  );
  assert.ok(result.breakerbox.costUsd > 0);
  assert.equal(request.attributes['breakerbox.cost_usd'], result.breakerbox.costUsd);

  assert.equal(failed.status.code, SpanStatusCode.ERROR);
  assert.equal(failed.status.message, 'server_error');
  assert.equal(failed.attributes['error.type'], 'server_error');
  assert.equal(failed.attributes['http.response.status_code'], 500);
  assert.equal(failed.attributes['breakerbox.deployment'], 'a/gpt-a');
  assert.equal(failed.attributes['breakerbox.breaker.state'], 'closed');
  assert.equal(failed.attributes['breakerbox.attempt'], 1);
  assert.equal(failed.attributes['breakerbox.retry'], 0);
  assert.equal(failed.attributes['breakerbox.fallback_used'], false);
  assert.equal(failed.attributes['gen_ai.request.model'], 'gpt-a');

  assert.equal(won.status.code, SpanStatusCode.UNSET);
  assert.equal(won.attributes['breakerbox.attempt'], 2);
  assert.equal(won.attributes['breakerbox.fallback_used'], true);
  assert.equal(won.attributes['gen_ai.response.model'], 'gpt-b-2025-01-01');
  assert.equal(won.attributes['gen_ai.usage.output_tokens'], 3);

  // Each attempt forwarded its own span as the upstream's parent.
  assert.deepEqual(
    up.calls.map((c) => [c.provider, c.headers.traceparent]),
    [
      ['a', `00-${traceId}-${failed.spanContext().spanId}-01`],
      ['b', `00-${traceId}-${won.spanContext().spanId}-01`],
    ],
  );
});

test('an open breaker shows as a skip; every candidate failing sets the request span to error', async (t) => {
  const up = await startMockUpstream(t, { a: 'fail', b: 'fail' });
  const { provider, exporter } = tracer();
  const bb = createBreakerbox(config(up, true), { tracerProvider: provider });
  t.after(() => bb.close());
  // Two requests trip both breakers (consecutive: 2); the third finds both open.
  for (let i = 0; i < 3; i++) {
    await assert.rejects(bb.chat(ask), { code: 'all_candidates_failed' });
  }
  const requests = exporter.getFinishedSpans().filter((s) => s.name === 'chat primary');
  assert.equal(requests.length, 3);
  for (const r of requests) {
    assert.equal(r.status.code, SpanStatusCode.ERROR);
    assert.equal(r.attributes['error.type'], 'all_candidates_failed');
  }
  const last = requests[2] as ReadableSpan;
  assert.deepEqual(last.attributes['breakerbox.skip_reasons'], [
    'a/gpt-a=breaker_open',
    'b/gpt-b=breaker_open',
  ]);
  assert.deepEqual(
    last.events.map((e) => [e.name, e.attributes?.['breakerbox.deployment']]),
    [
      ['breakerbox.skip', 'a/gpt-a'],
      ['breakerbox.skip', 'b/gpt-b'],
      ['exception', undefined],
    ],
  );
  const children = exporter
    .getFinishedSpans()
    .filter((s) => s.parentSpanContext?.spanId === last.spanContext().spanId);
  assert.equal(children.length, 0, 'skipped candidates make no call and no attempt span');
  assert.equal(up.calls.length, 4);
});

test('the gateway continues the client traceparent and forwards it upstream', async (t) => {
  const up = await startMockUpstream(t, { a: 'fail', b: 'ok' });
  const { provider, exporter } = tracer();
  const bb = createBreakerbox(config(up, true), { tracerProvider: provider });
  t.after(() => bb.close());
  const gateway = await startGateway({ engine: bb, port: 0, logger: silentLogger() });
  t.after(() => gateway.close(0));
  const clientTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
  const clientSpan = '00f067aa0ba902b7';
  const res = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      traceparent: `00-${clientTrace}-${clientSpan}-01`,
      tracestate: 'vendor=abc',
    },
    body: JSON.stringify(ask),
  });
  assert.equal(res.status, 200);
  await res.text();
  const spans = exporter.getFinishedSpans();
  const request = byName(spans, 'chat primary');
  assert.equal(request.kind, SpanKind.SERVER);
  assert.equal(request.spanContext().traceId, clientTrace);
  assert.equal(request.parentSpanContext?.spanId, clientSpan);
  assert.equal(request.parentSpanContext.isRemote, true);
  const won = byName(spans, 'chat gpt-b');
  const forwarded = up.calls.find((c) => c.provider === 'b');
  assert.ok(forwarded);
  assert.equal(forwarded.headers.traceparent, `00-${clientTrace}-${won.spanContext().spanId}-01`);
  assert.equal(forwarded.headers.tracestate, 'vendor=abc');
});

test('a stream: the request span ends with the stream, with its usage', async (t) => {
  const up = await startMockUpstream(t, { a: 'fail', b: 'ok' });
  const { provider, exporter } = tracer();
  const bb = createBreakerbox(config(up, true), { tracerProvider: provider });
  t.after(() => bb.close());
  const stream = bb.stream({ ...ask, stream: true });
  let chunks = 0;
  for await (const chunk of stream) chunks += chunk.choices.length;
  assert.ok(chunks > 0);
  await stream.meta;
  const request = byName(exporter.getFinishedSpans(), 'chat primary');
  assert.equal(request.attributes['breakerbox.stream'], true);
  assert.equal(request.attributes['gen_ai.usage.output_tokens'], 3);
  assert.equal(request.attributes['gen_ai.response.model'], 'gpt-b');
  assert.equal(byName(exporter.getFinishedSpans(), 'chat gpt-a').status.code, SpanStatusCode.ERROR);
});

test('tracing off: no span, no traceparent upstream, even with a provider at hand', async (t) => {
  const up = await startMockUpstream(t, { a: 'fail', b: 'ok' });
  const { provider, exporter } = tracer();
  const bb = createBreakerbox(config(up, false), { tracerProvider: provider });
  t.after(() => bb.close());
  trace.setGlobalTracerProvider(provider);
  t.after(() => {
    trace.disable();
  });
  const result = await bb.chat(ask);
  assert.equal(result.breakerbox.deployment, 'b/gpt-b');
  assert.equal(exporter.getFinishedSpans().length, 0);
  assert.equal(up.calls.length, 2);
  for (const c of up.calls) assert.equal(c.headers.traceparent, undefined);
});
