import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import {
  extractTraceContext,
  formatTraceparent,
  injectTraceContext,
  parseTraceparent,
} from './trace-context.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

test('parseTraceparent reads a version 00 header and keeps only the sampled flag', () => {
  assert.deepEqual(parseTraceparent(`00-${TRACE}-${SPAN}-01`), {
    traceId: TRACE,
    spanId: SPAN,
    traceFlags: 1,
    isRemote: true,
  });
  assert.equal(parseTraceparent(`00-${TRACE}-${SPAN}-00`)?.traceFlags, 0);
  assert.equal(parseTraceparent(`00-${TRACE}-${SPAN}-ff`)?.traceFlags, 1);
});

test('parseTraceparent rejects what the W3C spec calls invalid', () => {
  for (const bad of [
    '',
    'garbage',
    `ff-${TRACE}-${SPAN}-01`, // version ff is invalid
    `00-${TRACE}-${SPAN}-01-extra`, // version 00 has exactly four fields
    `00-${'0'.repeat(32)}-${SPAN}-01`, // all-zero trace id
    `00-${TRACE}-${'0'.repeat(16)}-01`, // all-zero parent id
    `00-${TRACE.toUpperCase()}-${SPAN}-01`, // upper-case hex
    `00-${TRACE.slice(1)}-${SPAN}-01`, // short trace id
  ]) {
    assert.equal(parseTraceparent(bad), undefined, bad);
  }
  // A later version may carry more fields: they are ignored.
  assert.equal(parseTraceparent(`01-${TRACE}-${SPAN}-01-more`)?.spanId, SPAN);
});

test('formatTraceparent writes version 00', () => {
  assert.equal(
    formatTraceparent({ traceId: TRACE, spanId: SPAN, traceFlags: 1 }),
    `00-${TRACE}-${SPAN}-01`,
  );
});

test('extract without a registered propagator: our own reading, tracestate kept', () => {
  const ctx = extractTraceContext({
    traceparent: `00-${TRACE}-${SPAN}-01`,
    tracestate: 'a=1,b=2',
  });
  assert.ok(ctx);
  const sc = trace.getSpanContext(ctx);
  assert.equal(sc?.traceId, TRACE);
  assert.equal(sc.isRemote, true);
  assert.equal(sc.traceState?.get('b'), '2');
  assert.equal(extractTraceContext({ traceparent: 'nonsense' }), undefined);
  assert.equal(extractTraceContext({}), undefined);
});

test('inject writes traceparent and tracestate for a span context', () => {
  const ctx = extractTraceContext({ traceparent: `00-${TRACE}-${SPAN}-00`, tracestate: 'x=y' });
  assert.ok(ctx);
  assert.deepEqual(injectTraceContext(ctx), {
    traceparent: `00-${TRACE}-${SPAN}-00`,
    tracestate: 'x=y',
  });
  assert.deepEqual(injectTraceContext(ROOT_CONTEXT), {});
});
