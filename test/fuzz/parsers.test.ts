/**
 * Parsers against random and mutated input (fast-check, bounded runs): the SSE parser, the JSONL
 * line splitter, the config loader and the Retry-After parser never throw outside their documented
 * errors, never hang, and keep their invariants.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ConfigError } from '../../src/core/errors.js';
import { parseConfigText } from '../../src/config/index.js';
import { splitLines } from '../../src/batch/line-reader.js';
import { MAX_RETRY_AFTER_MS, parseRetryAfterMs } from '../../src/upstream/retry-after.js';
import { SseParser } from '../../src/upstream/sse.js';
import type { SseEvent } from '../../src/upstream/types.js';

const RUNS = 2000;

/** Cuts `bytes` into chunks at the given (sorted, deduplicated) offsets. */
function cut(bytes: Uint8Array, offsets: readonly number[]): Uint8Array[] {
  const points = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  return chunks;
}

function parseAll(chunks: readonly Uint8Array[]): SseEvent[] {
  const parser = new SseParser(1024 * 1024);
  const out: SseEvent[] = [];
  for (const c of chunks) parser.feed(c, out);
  parser.end();
  return out;
}

test('SSE: random bytes in random chunks never throw; the events do not depend on the chunking', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 2000 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      (bytes, offsets) => {
        const whole = parseAll([bytes]);
        const split = parseAll(cut(bytes, offsets));
        assert.deepEqual(split, whole);
      },
    ),
    { numRuns: RUNS },
  );
});

test('SSE: well-formed events survive any chunking, CRLF and comments included', () => {
  const event = fc.record({
    data: fc.string({ maxLength: 40 }).filter((s) => !/[\r\n]/.test(s)),
    event: fc.option(fc.constantFrom('message', 'response.created', 'error'), { nil: undefined }),
  });
  fc.assert(
    fc.property(
      fc.array(event, { maxLength: 10 }),
      fc.constantFrom('\n', '\r\n', '\r'),
      fc.array(fc.nat(), { maxLength: 12 }),
      (events, eol, offsets) => {
        const text = events
          .map(
            (e) =>
              `: keep-alive${eol}${e.event === undefined ? '' : `event: ${e.event}${eol}`}data: ${e.data}${eol}${eol}`,
          )
          .join('');
        const got = parseAll(cut(new TextEncoder().encode(text), offsets));
        assert.deepEqual(
          got.map((e) => [e.event, e.data]),
          events.map((e) => [e.event, e.data]),
        );
      },
    ),
    { numRuns: RUNS },
  );
});

async function* chunksOf(parts: readonly Uint8Array[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield Buffer.from(p);
}

test('JSONL lines: any bytes in any chunks give the same lines, numbered from 1, never throwing', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ maxLength: 2000 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      async (bytes, offsets) => {
        const read = async (parts: Uint8Array[]): Promise<(string | undefined)[]> => {
          const lines: (string | undefined)[] = [];
          let n = 0;
          for await (const line of splitLines(chunksOf(parts), { maxLineBytes: 300 })) {
            assert.equal(line.lineNo, ++n);
            lines.push(line.text);
          }
          return lines;
        };
        assert.deepEqual(await read(cut(bytes, offsets)), await read([bytes]));
      },
    ),
    { numRuns: 500 },
  );
});

test('config loader: random and mutated YAML either loads or fails with a ConfigError', () => {
  const valid = [
    'providers:',
    '  openai: { baseURL: "https://api.openai.com/v1", apiKey: "${OPENAI_API_KEY}" }',
    'models:',
    '  gpt-4.1: { deployments: [{ provider: openai }], fallbacks: [mini] }',
    '  mini: { deployments: [{ provider: openai, model: gpt-4.1-mini }] }',
    'breaker: { trip: { consecutive: 5 }, openMs: 30000 }',
    'state: { store: redis, keyPrefix: "bb:" }',
  ].join('\n');
  const mutated = fc
    .tuple(fc.nat(valid.length), fc.nat(20), fc.string({ maxLength: 12 }))
    .map(([at, drop, insert]) => valid.slice(0, at) + insert + valid.slice(at + drop));
  fc.assert(
    fc.property(fc.oneof(mutated, fc.string({ maxLength: 300 })), (yaml) => {
      try {
        parseConfigText(yaml, { env: { OPENAI_API_KEY: 'sk-fuzz' } });
      } catch (error) {
        assert.ok(error instanceof ConfigError, `threw ${String(error)}`);
        assert.ok(error.issues.length > 0);
        assert.doesNotMatch(error.message, /sk-fuzz/, 'a key never appears in an error');
      }
    }),
    { numRuns: RUNS },
  );
});

test('Retry-After: any header values give undefined or a delay within [0, 24 h]', () => {
  const value = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.double().map(String),
    fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()),
  );
  fc.assert(
    fc.property(
      fc.option(value, { nil: undefined }),
      fc.option(value, { nil: undefined }),
      (retryAfter, retryAfterMs) => {
        const ms = parseRetryAfterMs(
          { 'retry-after': retryAfter, 'retry-after-ms': retryAfterMs },
          Date.UTC(2026, 11, 3),
        );
        if (ms === undefined) return;
        assert.ok(Number.isFinite(ms) && ms >= 0 && ms <= MAX_RETRY_AFTER_MS, String(ms));
      },
    ),
    { numRuns: RUNS },
  );
});
