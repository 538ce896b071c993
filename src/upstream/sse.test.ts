import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SseParser, completeUtf8Length } from './sse.js';
import type { SseEvent } from './types.js';

const enc = new TextEncoder();

function parseChunks(chunks: readonly Uint8Array[]): { events: SseEvent[]; unfinished: boolean } {
  const parser = new SseParser();
  const events: SseEvent[] = [];
  for (const c of chunks) assert.equal(parser.feed(c, events), true);
  return { events, unfinished: parser.end() };
}

function parseText(text: string): SseEvent[] {
  return parseChunks([enc.encode(text)]).events;
}

test('reads data, event, comments and both line ends; dispatches on blank lines', () => {
  const text =
    ': ping\n\n' +
    'data: {"a":1}\n\n' +
    'event: error\r\ndata: {"error":{}}\r\n\r\n' +
    'data: line1\ndata: line2\n\n' +
    'data:nospace\rid: 7\rretry: 10\r\r' +
    'data\n\n' +
    'data: [DONE]\n\n';
  assert.deepEqual(parseText(text), [
    { data: '{"a":1}' },
    { data: '{"error":{}}', event: 'error' },
    { data: 'line1\nline2' },
    { data: 'nospace' },
    { data: '' },
    { data: '[DONE]' },
  ]);
});

test('strips only one space after the colon and a leading BOM', () => {
  assert.deepEqual(parseText('\uFEFFdata:  two\n\n'), [{ data: ' two' }]);
});

test('an event without data is not dispatched; the event name does not leak to the next', () => {
  assert.deepEqual(parseText('event: x\n\ndata: y\n\n'), [{ data: 'y' }]);
});

test('an event cut before its blank line is discarded and reported as unfinished', () => {
  const { events, unfinished } = parseChunks([enc.encode('data: a\n\ndata: half')]);
  assert.deepEqual(events, [{ data: 'a' }]);
  assert.equal(unfinished, true);
  assert.equal(parseChunks([enc.encode('data: a\n\n')]).unfinished, false);
});

test('a line past the limit breaks the framing', () => {
  const parser = new SseParser(16);
  const out: SseEvent[] = [];
  assert.equal(parser.feed(enc.encode('data: 0123456789'), out), true);
  assert.equal(parser.feed(enc.encode('0123456789'), out), false);
  const joined = new SseParser(16);
  assert.equal(joined.feed(enc.encode('data: 0123456789\ndata: 0123456789\n'), out), false);
});

test('a \\r at the end of one chunk and \\n at the start of the next are one line end', () => {
  const { events } = parseChunks([
    enc.encode('data: a\r'),
    enc.encode('\ndata: b\r'),
    enc.encode('\r'),
  ]);
  assert.deepEqual(events, [{ data: 'a\nb' }]);
});

test('completeUtf8Length leaves a cut character for the next chunk', () => {
  const euro = enc.encode('€'); // 3 bytes
  const face = enc.encode('😀'); // 4 bytes
  assert.equal(completeUtf8Length(enc.encode('ab')), 2);
  assert.equal(completeUtf8Length(Uint8Array.of(0x61, ...euro.subarray(0, 1))), 1);
  assert.equal(completeUtf8Length(Uint8Array.of(0x61, ...euro.subarray(0, 2))), 1);
  assert.equal(completeUtf8Length(Uint8Array.of(0x61, ...euro)), 4);
  assert.equal(completeUtf8Length(face.subarray(0, 3)), 0);
  assert.equal(completeUtf8Length(face), 4);
  assert.equal(completeUtf8Length(Uint8Array.of(0x61, 0xff)), 2, 'an invalid byte is not carried');
  assert.equal(completeUtf8Length(new Uint8Array(0)), 0);
});

test('multi-byte text split at every byte decodes as a whole; a U+FEFF after the start stays', () => {
  const text = 'data: h€llo 😀 \uFEFF wörld\n\n';
  const bytes = enc.encode(text);
  for (let cut = 0; cut <= bytes.length; cut++) {
    const { events } = parseChunks([bytes.subarray(0, cut), bytes.subarray(cut)]);
    assert.deepEqual(events, [{ data: 'h€llo 😀 \uFEFF wörld' }], `cut at ${cut}`);
  }
  const bom = enc.encode('\uFEFF');
  const { events } = parseChunks([enc.encode('data: a'), bom, enc.encode('\n\n')]);
  assert.deepEqual(events, [{ data: 'a\uFEFF' }]);
});

test('an invalid or unfinished byte sequence becomes U+FFFD, never an exception', () => {
  const { events, unfinished } = parseChunks([
    Uint8Array.of(0x64, 0x61, 0x74, 0x61, 0x3a, 0x20, 0xff, 0x0a, 0x0a),
    enc.encode('data: x'),
    enc.encode('😀').subarray(0, 2),
  ]);
  assert.deepEqual(events, [{ data: '\uFFFD' }]);
  assert.equal(unfinished, true);
});

// ---- property: any split of a valid byte stream yields the same events ----

const lineText = fc
  .string({ unit: 'grapheme', maxLength: 12 })
  .filter((s) => !s.includes('\n') && !s.includes('\r'));
const eventName = fc.stringMatching(/^[a-z_]{1,8}$/);
const eol = fc.constantFrom('\n', '\r\n', '\r');
const sseEvent = fc.record({
  data: fc.array(lineText, { minLength: 1, maxLength: 3 }).map((lines) => lines.join('\n')),
  event: fc.option(eventName, { nil: undefined }),
  comment: fc.boolean(),
  noSpace: fc.boolean(),
  id: fc.boolean(),
});

function serialise(
  events: readonly {
    data: string;
    event: string | undefined;
    comment: boolean;
    noSpace: boolean;
    id: boolean;
  }[],
  eols: readonly string[],
): string {
  let i = 0;
  let last = '';
  const nl = (): string => {
    let next = eols[i++ % eols.length] as string;
    // `\r` then `\n...` would read as one CRLF: the serialiser, not the parser, must avoid it.
    if (last === '\r' && next.startsWith('\n')) next = '\r\n';
    last = next;
    return next;
  };
  let out = '';
  for (const e of events) {
    if (e.comment) out += `: keep-alive${nl()}`;
    if (e.id) out += `id: 42${nl()}`;
    if (e.event !== undefined) out += `event: ${e.event}${nl()}`;
    for (const line of e.data.split('\n')) {
      // `data:x` (no space) only when the value cannot lose a leading space to the strip rule.
      out += e.noSpace && !line.startsWith(' ') ? `data:${line}${nl()}` : `data: ${line}${nl()}`;
    }
    out += nl();
  }
  return out;
}

function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let last = 0;
  for (const p of points) {
    chunks.push(bytes.subarray(last, p));
    last = p;
  }
  chunks.push(bytes.subarray(last));
  return chunks;
}

test('property: any split of a valid byte stream into chunks yields the same events', () => {
  fc.assert(
    fc.property(
      fc.array(sseEvent, { maxLength: 8 }),
      fc.array(eol, { minLength: 1, maxLength: 4 }),
      fc.array(fc.nat(), { maxLength: 40 }),
      (events, eols, cuts) => {
        const bytes = enc.encode(serialise(events, eols));
        const expected = events.map((e) =>
          e.event === undefined ? { data: e.data } : { data: e.data, event: e.event },
        );
        const whole = parseChunks([bytes]);
        assert.deepEqual(whole.events, expected);
        const split = parseChunks(splitAt(bytes, cuts));
        assert.deepEqual(split.events, expected);
        assert.equal(split.unfinished, false);
      },
    ),
    { numRuns: 300 },
  );
});

test('property: byte-at-a-time feeding equals whole feeding', () => {
  fc.assert(
    fc.property(
      fc.array(sseEvent, { maxLength: 4 }),
      fc.array(eol, { minLength: 1 }),
      (ev, eols) => {
        const bytes = enc.encode(serialise(ev, eols));
        const single = [...bytes].map((b) => Uint8Array.of(b));
        assert.deepEqual(parseChunks(single).events, parseChunks([bytes]).events);
      },
    ),
    { numRuns: 100 },
  );
});
