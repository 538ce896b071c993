import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { FakeClock, UpstreamError } from '../core/index.js';
import { Attempt } from './attempt.js';
import { SseEventStream, responsesEventType } from './stream.js';
import type { SseEvent } from './types.js';

function setup() {
  const clock = new FakeClock();
  const body = new PassThrough();
  const attempt = new Attempt(clock, { totalMs: 1000 }, undefined);
  const events = new SseEventStream({
    body,
    attempt,
    clock,
    idleMs: 100,
    deploymentId: 'p/m',
    protocol: 'responses',
  });
  return { body, events };
}

async function collect(
  events: AsyncIterable<SseEvent>,
): Promise<{ got: SseEvent[]; error?: unknown }> {
  const got: SseEvent[] = [];
  try {
    for await (const e of events) got.push(e);
  } catch (error) {
    return { got, error };
  }
  return { got };
}

const ev = (type: string, extra = ''): string =>
  `event: ${type}\ndata: {"type":"${type}"${extra}}\n\n`;

test('a Responses stream ends after response.completed, which is yielded (no [DONE])', async () => {
  const { body, events } = setup();
  body.write(ev('response.created') + ev('response.output_text.delta', ',"delta":"hi"'));
  body.write(ev('response.completed'));
  const { got, error } = await collect(events);
  assert.equal(error, undefined);
  assert.deepEqual(
    got.map((e) => e.event),
    ['response.created', 'response.output_text.delta', 'response.completed'],
  );
});

test('response.incomplete ends it too; a type only in the data is read', async () => {
  const { body, events } = setup();
  body.write(
    'data: {"type":"response.output_text.delta"}\n\ndata: {"type":"response.incomplete"}\n\n',
  );
  const { got, error } = await collect(events);
  assert.equal(error, undefined);
  assert.equal(got.length, 2);
  assert.equal(responsesEventType(got[1] as SseEvent), 'response.incomplete');
});

test('response.failed and error events are errors carrying the upstream message', async () => {
  const failed = setup();
  failed.body.write(ev('response.created'));
  failed.body.write(
    ev('response.failed', ',"response":{"error":{"code":"server_error","message":"boom"}}'),
  );
  const a = await collect(failed.events);
  assert.equal(a.got.length, 1);
  assert.ok(a.error instanceof UpstreamError);
  assert.equal(a.error.kind, 'stream_error');
  assert.match(a.error.message, /boom/);

  const errored = setup();
  errored.body.write(ev('error', ',"code":"server_is_overloaded","message":"overloaded now"'));
  const b = await collect(errored.events);
  assert.ok(b.error instanceof UpstreamError);
  assert.match(b.error.message, /overloaded now/);
});

test('a Responses stream that ends before response.completed is a stream error', async () => {
  const { body, events } = setup();
  body.end(ev('response.created'));
  const { got, error } = await collect(events);
  assert.equal(got.length, 1);
  assert.ok(error instanceof UpstreamError);
  assert.match(error.message, /without response\.completed/);
});
