import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { rawBodyFor } from './raw-body.js';
import type { AnyBody } from './routes-body.js';

const body = (o: Record<string, unknown>): AnyBody => o as unknown as AnyBody;
const CHAT = '{"model":"m","messages":[]}';

test('rawBodyFor: JSON calls take text, Buffers and plain Uint8Arrays as they are', () => {
  assert.equal(rawBodyFor(body({ model: 'm' }), undefined), undefined);
  assert.deepEqual(rawBodyFor(body({ model: 'm' }), CHAT), { text: CHAT, model: 'm' });
  const bytes = new TextEncoder().encode(CHAT);
  const fromBytes = rawBodyFor(body({ model: 'm' }), bytes);
  assert.ok(Buffer.isBuffer(fromBytes?.text));
  assert.equal(fromBytes.text.toString(), CHAT);
});

test('rawBodyFor: bytes that are not UTF-8 are serialised again (what was checked was decoded)', () => {
  const bad = Buffer.concat([
    Buffer.from('{"model":"m","x":"'),
    Buffer.from([0xff]),
    Buffer.from('"}'),
  ]);
  assert.equal(rawBodyFor(body({ model: 'm' }), bad), undefined);
});

test('rawBodyFor: streams', () => {
  const stream = body({ model: 'm', stream: true });
  // The library's openStream sends stream: true itself: a body without it is serialised.
  assert.equal(rawBodyFor(body({ model: 'm' }), CHAT, 'chat'), undefined);
  assert.deepEqual(rawBodyFor(stream, '{"model":"m","stream":true}', 'responses'), {
    text: '{"model":"m","stream":true}',
    model: 'm',
  });
  const asked = '{"model":"m","stream":true,"stream_options":{"include_usage":true}}';
  const withUsage = body({ model: 'm', stream: true, stream_options: { include_usage: true } });
  assert.equal(rawBodyFor(withUsage, asked, 'chat')?.text, asked);
  const spliced = rawBodyFor(stream, Buffer.from('\n{"model":"m","stream":true}'), 'completions');
  assert.equal(
    spliced?.text.toString(),
    '\n{"stream_options":{"include_usage":true},"model":"m","stream":true}',
  );
  // Not an object after the whitespace: nothing to splice into.
  assert.equal(rawBodyFor(stream, ' x{"model":"m","stream":true}', 'chat'), undefined);
  assert.equal(rawBodyFor(stream, '   ', 'chat'), undefined);
});
