import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tracingChannel } from 'node:diagnostics_channel';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { pino } from 'pino';
import {
  BatchedDestination,
  REDACT_PATHS,
  createLogger,
  logRequest,
  logTransition,
} from './log.js';
import type { AttemptLogEntry, RequestLogLine } from './log.js';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(
        ...chunk
          .toString()
          .split('\n')
          .filter((l) => l.length > 0),
      );
      cb();
    },
  });
  return { lines, stream };
}

test('request and transition lines are JSON with the documented fields', () => {
  const { lines, stream } = capture();
  const logger = createLogger({ destination: stream });
  logRequest(logger, {
    requestId: 'req_1',
    method: 'POST',
    route: 'chat',
    status: 200,
    outcome: 'success',
    durationMs: 12,
    model: 'gpt-4.1',
    deployment: 'sim/gpt-4.1',
    fallback: 'none',
    attempts: 1,
    promptTokens: 3,
    completionTokens: 4,
    costUsd: 0.001,
  });
  logRequest(logger, {
    requestId: 'req_2',
    method: 'POST',
    route: 'chat',
    status: 503,
    outcome: 'error',
    durationMs: 1,
  });
  logTransition(logger, {
    deployment: 'sim/gpt-4.1',
    from: 'closed',
    to: 'open',
    reason: 'failures',
  });
  assert.equal(lines.length, 3);
  type Line = Record<string, unknown>;
  const [a, b, c] = lines.map((l) => JSON.parse(l) as Line) as [Line, Line, Line];
  assert.equal(a.msg, 'request');
  assert.equal(a.level, 30);
  assert.equal(a.deployment, 'sim/gpt-4.1');
  assert.equal(a.promptTokens, 3);
  assert.equal(b.level, 40, '5xx at warn');
  assert.equal(c.to, 'open');
  assert.equal(c.level, 40);
});

test('redaction: key-like fields never reach the output', () => {
  const { lines, stream } = capture();
  const logger = createLogger({ destination: stream });
  logger.info(
    {
      authorization: 'Bearer sk-secret-1',
      req: {
        headers: {
          authorization: 'Bearer sk-secret-2',
          'api-key': 'sk-secret-3',
          cookie: 'c=sk-secret-4',
        },
      },
      config: { apiKey: 'sk-secret-5', adminKey: 'sk-secret-6', key: 'sk-secret-7' },
    },
    'careless',
  );
  assert.equal(lines.length, 1);
  assert.ok(!lines[0]!.includes('sk-secret'), lines[0]);
  assert.ok(lines[0]!.includes('[redacted]'));
});

test('request lines skip redaction: none of their fields is key-like, and they follow the level', () => {
  // Compile-time: a key-like field added to a request line's types fails the build here.
  type KeyLike = 'authorization' | 'api-key' | 'apiKey' | 'adminKey' | 'key' | 'cookie' | 'headers';
  type Leak = Extract<keyof RequestLogLine | keyof AttemptLogEntry, KeyLike>;
  const noLeak: [Leak] extends [never] ? true : false = true;
  assert.equal(noLeak, true);

  const { lines, stream } = capture();
  const logger = createLogger({ destination: stream });
  const line: RequestLogLine = {
    requestId: 'req_1',
    method: 'POST',
    route: 'chat',
    status: 502,
    outcome: 'error',
    durationMs: 3,
    attemptLog: [
      {
        deployment: 'a/m',
        result: 'failed',
        reason: 'network',
        detail: 'ECONNREFUSED 127.0.0.1:9',
      },
    ],
  };
  logRequest(logger, line);
  logger.level = 'error';
  logRequest(logger, line);
  logger.level = 'info';
  logRequest(logger, { ...line, status: 200, outcome: 'success' });
  assert.equal(lines.length, 2, 'the warn line at level error is dropped');
  const first = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(first.level, 40);
  assert.equal(first.service, 'breakerbox');
  assert.deepEqual(first.attemptLog, line.attemptLog);
  assert.equal((JSON.parse(lines[1]!) as Record<string, unknown>).level, 30);
});

function fakeDestination(): {
  writes: string[];
  syncFlushes: number;
  dest: ConstructorParameters<typeof BatchedDestination>[0];
} {
  const out = { writes: [] as string[], syncFlushes: 0 };
  return Object.assign(out, {
    dest: {
      write(s: string) {
        out.writes.push(s);
      },
      flush(cb?: (err?: Error) => void) {
        cb?.();
      },
      flushSync() {
        out.syncFlushes++;
      },
    },
  });
}

test('the batched destination hands lines over joined, in order, once a batch is full', () => {
  const fake = fakeDestination();
  const batched = new BatchedDestination(fake.dest, { batchChars: 10, flushMs: 60_000 });
  batched.write('abcd\n');
  assert.deepEqual(fake.writes, [], 'under the batch size: held');
  assert.equal(batched.pendingLines, 1);
  batched.write('efgh\n');
  assert.deepEqual(fake.writes, ['abcd\nefgh\n']);
  assert.equal(batched.pendingLines, 0);
  batched.write('ij\n');
  batched.flushSync();
  assert.deepEqual(fake.writes, ['abcd\nefgh\n', 'ij\n']);
  assert.equal(fake.syncFlushes, 1);
});

test('the batched destination writes a partial batch after its flush interval', async () => {
  const fake = fakeDestination();
  const batched = new BatchedDestination(fake.dest, { batchChars: 1_000, flushMs: 5 });
  batched.write('one\n');
  batched.write('two\n');
  const deadline = Date.now() + 2_000;
  while (fake.writes.length === 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.deepEqual(fake.writes, ['one\ntwo\n']);
});

test('logger.flush() hands pending lines to the destination', async () => {
  const fake = fakeDestination();
  const logger = createLogger({
    destination: new BatchedDestination(fake.dest, { batchChars: 1_000, flushMs: 60_000 }),
  });
  logRequest(logger, {
    requestId: 'req_b',
    method: 'POST',
    route: 'chat',
    status: 200,
    outcome: 'success',
    durationMs: 1,
  });
  assert.equal(fake.writes.length, 0, 'held until the flush');
  await new Promise<void>((resolve) => {
    logger.flush(() => {
      resolve();
    });
  });
  assert.equal(fake.writes.length, 1);
  const line = JSON.parse(fake.writes[0] as string) as Record<string, unknown>;
  assert.equal(line.requestId, 'req_b');
  assert.equal(line.msg, 'request');
});

/** A string as a request line may carry one: any UTF-16, lone surrogates and controls included. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 120 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
  fc.constantFrom('gpt-4.1', 'a"b\\c', '\ud800', 'x\n', '\u2028', 'x'.repeat(101) + '\ud800'),
);
const anyNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, NaN, Infinity, 0.1 + 0.2),
);

const attemptArb: fc.Arbitrary<AttemptLogEntry> = fc.record(
  {
    deployment: anyText,
    result: fc.constantFrom('skipped', 'failed', 'succeeded'),
    reason: anyText,
    status: fc.integer({ min: 100, max: 599 }),
    detail: anyText,
  },
  { requiredKeys: ['deployment', 'result', 'reason'] },
);

const lineArb: fc.Arbitrary<RequestLogLine> = fc.record(
  {
    requestId: anyText,
    method: anyText,
    route: anyText,
    status: fc.oneof(fc.integer({ min: 100, max: 599 }), anyNumber),
    outcome: anyText,
    durationMs: anyNumber,
    model: anyText,
    servedModel: fc.option(anyText),
    deployment: fc.option(anyText),
    fallback: anyText,
    attempts: anyNumber,
    attemptLog: fc.array(attemptArb, { maxLength: 3 }),
    stream: fc.boolean(),
    promptTokens: anyNumber,
    completionTokens: anyNumber,
    costUsd: anyNumber,
    ttftMs: fc.option(anyNumber, { nil: undefined }),
    errorCode: anyText,
    errorDetail: anyText,
    client: anyText,
  },
  { requiredKeys: ['requestId', 'method', 'route', 'status', 'outcome', 'durationMs'] },
);

/** A logger as createLogger makes it, with a fixed clock, writing to `out`. */
function fixedClockLogger(out: string[], options: pino.LoggerOptions = {}): pino.Logger {
  return pino(
    {
      level: 'info',
      base: { service: 'breakerbox' },
      redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
      timestamp: () => ',"time":1764000000000',
      ...options,
    },
    { write: (s: string) => void out.push(s) },
  );
}

/** What pino itself writes for a request line (the line's old path: a child without redaction). */
function pinoLine(line: RequestLogLine, options: pino.LoggerOptions = {}): string[] {
  const out: string[] = [];
  const child = fixedClockLogger(out, options).child({}, { redact: { paths: [] } });
  if (line.status >= 500) child.warn(line, 'request');
  else child.info(line, 'request');
  return out;
}

test('a request line is byte for byte what pino writes for it', () => {
  fc.assert(
    fc.property(lineArb, (line) => {
      const out: string[] = [];
      logRequest(fixedClockLogger(out), line);
      assert.deepEqual(out, pinoLine(line));
    }),
    { numRuns: 2_000 },
  );
});

test('request lines equal pino output with pino base fields, another message key, crlf', () => {
  const variants: pino.LoggerOptions[] = [
    { base: undefined },
    { messageKey: 'message' },
    { crlf: true },
    { base: { service: 'breakerbox', 'we"ird': 'a\\b' } },
  ];
  for (const options of variants) {
    fc.assert(
      fc.property(lineArb, (line) => {
        const out: string[] = [];
        logRequest(fixedClockLogger(out, options), line);
        assert.deepEqual(out, pinoLine(line, options));
      }),
      { numRuns: 200 },
    );
  }
});

test('a logger pino must format itself (log formatter, mixin, hooks, serializers) still gets its lines', () => {
  const variants: pino.LoggerOptions[] = [
    { formatters: { log: (o) => ({ ...o, extra: 1 }) } },
    { formatters: { level: (label) => ({ severity: label.toUpperCase() }) } },
    { mixin: () => ({ mixed: true }) },
    { msgPrefix: '[gw] ' },
    { nestedKey: 'payload' },
    { serializers: { route: (r: string) => r.toUpperCase() } },
    { redact: ['model'] },
    { redact: ['*.deployment'] },
    { hooks: { streamWrite: (s) => s.replace('request', 'REQUEST') } },
    {
      hooks: {
        logMethod(args, method) {
          method.apply(this, [args[0], 'hooked']);
        },
      },
    },
  ];
  const line: RequestLogLine = {
    requestId: 'req_1',
    method: 'POST',
    route: 'chat',
    status: 502,
    outcome: 'error',
    durationMs: 1.5,
    model: 'gpt-4.1',
    deployment: 'a/m',
    attemptLog: [{ deployment: 'a/m', result: 'failed', reason: 'network' }],
  };
  for (const options of variants) {
    const out: string[] = [];
    logRequest(fixedClockLogger(out, options), line);
    assert.deepEqual(out, pinoLine(line, options), JSON.stringify(Object.keys(options)));
    assert.equal(out.length, 1);
  }
});

test('the direct request line follows level changes, and pino tracing sees every line', () => {
  const out: string[] = [];
  const logger = fixedClockLogger(out);
  const ok: RequestLogLine = {
    requestId: 'r',
    method: 'GET',
    route: 'models',
    status: 200,
    outcome: 'ok',
    durationMs: 1,
  };
  logger.level = 'warn';
  logRequest(logger, ok);
  logRequest(logger, { ...ok, status: 503, outcome: 'error' });
  assert.equal(out.length, 1, 'at warn: the 5xx line only');
  logger.level = 'info';
  const traced: unknown[] = [];
  const channel = tracingChannel('pino_asJson');
  const handlers = {
    start: (m: unknown) => void traced.push(m),
    end: () => undefined,
    asyncStart: () => undefined,
    asyncEnd: () => undefined,
    error: () => undefined,
  };
  channel.subscribe(handlers);
  try {
    logRequest(logger, ok);
  } finally {
    channel.unsubscribe(handlers);
  }
  assert.equal(traced.length, 1, 'pino serialised the line while traced');
  assert.equal(out.length, 2);
  assert.deepEqual(out[1], pinoLine(ok)[0]);
});

test('with buffers: true, batches are handed over as UTF-8 Buffers of the joined lines', () => {
  const writes: unknown[] = [];
  const batched = new BatchedDestination(
    {
      write(s: string) {
        writes.push(s);
      },
      flush(cb?: (err?: Error) => void) {
        cb?.();
      },
      flushSync() {},
    },
    { batchChars: 12, flushMs: 60_000, buffers: true },
  );
  batched.write('héllo\n');
  batched.write('wörld\n');
  batched.write('€\n');
  batched.flushSync();
  assert.equal(writes.length, 2);
  assert.ok(writes.every((w) => Buffer.isBuffer(w)));
  assert.deepEqual(
    writes.map((w) => w.toString('utf8')),
    ['héllo\nwörld\n', '€\n'],
  );
});

test('the default destination writes every request line to stdout, in order, by exit', async () => {
  const { spawnSync } = await import('node:child_process');
  const script = `
    const { createLogger, logRequest } = await import(${JSON.stringify(import.meta.resolve('./log.js'))});
    const logger = createLogger();
    for (let i = 0; i < 3000; i++) {
      logRequest(logger, { requestId: 'r' + i, method: 'POST', route: 'chat', status: i % 7 === 0 ? 502 : 200, outcome: 'ok', durationMs: i / 7, model: 'm€' });
    }
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.split('\n').filter((l) => l.length > 0);
  assert.equal(lines.length, 3000);
  lines.forEach((l, i) => {
    const parsed = JSON.parse(l) as Record<string, unknown>;
    assert.equal(parsed.requestId, `r${i}`);
    assert.equal(parsed.model, 'm€');
    assert.equal(parsed.level, i % 7 === 0 ? 40 : 30);
    assert.equal(parsed.msg, 'request');
  });
});
