// `breakerbox serve`'s OTLP/HTTP trace export (issue 13), against a loopback collector.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Breakerbox } from '../../src/engine/index.js';
import { parseConfig } from '../../src/config/index.js';
import { TraceExportError, otlpEndpoint, startTraceExport } from '../../src/cli/otlp.js';
import { startMockUpstream } from '../support/mock-upstream.js';

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

async function startCollector(t: TestContext): Promise<{
  url: string;
  received: Received[];
  next: () => Promise<Received>;
}> {
  const received: Received[] = [];
  const waiters: ((r: Received) => void)[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = {
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      received.push(r);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
      waiters.shift()?.(r);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    next: () =>
      new Promise<Received>((resolve) => {
        const ready = received.shift();
        if (ready) resolve(ready);
        else waiters.push(resolve);
      }),
  };
}

test('configured OTLP export sends the request and attempt spans to the collector', async (t) => {
  const up = await startMockUpstream(t, { a: 'fail', b: 'ok' });
  const collector = await startCollector(t);
  const config = parseConfig({
    providers: {
      a: { baseURL: `${up.url}/a/v1`, apiKey: 'sk-a-secret-value' },
      b: { baseURL: `${up.url}/b/v1`, apiKey: 'sk-b-secret-value' },
    },
    models: {
      primary: { deployments: [{ provider: 'a', model: 'gpt-a' }], fallbacks: ['backup'] },
      backup: { deployments: [{ provider: 'b', model: 'gpt-b' }] },
    },
    retry: { attempts: 0 },
    telemetry: {
      otlp: { endpoint: `${collector.url}/v1/traces`, headers: { 'x-collector-token': 'tok-1' } },
    },
  });
  assert.equal(config.telemetry.tracing, true, 'an otlp endpoint turns tracing on');
  const traces = await startTraceExport(config, { env: {}, version: '9.9.9' });
  assert.ok(traces);
  const bb = new Breakerbox(config, { tracerProvider: traces.provider });
  t.after(() => bb.close());
  await bb.chat({ model: 'primary', messages: [{ role: 'user', content: 'hi' }] });
  const sent = collector.next();
  await traces.shutdown();
  const r = await sent;
  assert.equal(r.path, '/v1/traces');
  assert.equal(r.headers['x-collector-token'], 'tok-1');
  assert.match(String(r.headers['content-type']), /json|protobuf/);
  const body = r.body;
  for (const name of ['chat primary', 'chat gpt-a', 'chat gpt-b']) {
    assert.ok(body.includes(`"${name}"`), `span ${name} exported`);
  }
  assert.ok(body.includes('"breakerbox"'), 'service.name breakerbox');
  assert.ok(body.includes('"9.9.9"'), 'service.version');
  assert.ok(!body.includes('sk-a-secret-value') && !body.includes('sk-b-secret-value'));
});

test('no endpoint: no export; the standard environment variables name one', () => {
  const config = parseConfig({
    providers: { a: { baseURL: 'http://127.0.0.1:9/v1' } },
    models: { m: { deployments: [{ provider: 'a' }] } },
  });
  assert.equal(otlpEndpoint(config, {}), undefined);
  assert.equal(
    otlpEndpoint(config, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }),
    'http://collector:4318/v1/traces',
  );
  assert.equal(
    otlpEndpoint(config, {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://other:4318/custom',
    }),
    'http://other:4318/custom',
  );
  assert.equal(
    otlpEndpoint(config, {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_SDK_DISABLED: 'true',
    }),
    undefined,
  );
});

test('a missing SDK package fails the start with what to install', async () => {
  const config = parseConfig({
    providers: { a: { baseURL: 'http://127.0.0.1:9/v1' } },
    models: { m: { deployments: [{ provider: 'a' }] } },
    telemetry: { otlp: { endpoint: 'http://127.0.0.1:4318/v1/traces' } },
  });
  const load = (name: string): Promise<unknown> => {
    const error = Object.assign(
      new Error(`Cannot find package '${name}' imported from /app/dist/src/cli/otlp.js`),
      { code: 'ERR_MODULE_NOT_FOUND' },
    );
    return Promise.reject(error);
  };
  await assert.rejects(startTraceExport(config, { env: {}, load }), (error: unknown) => {
    assert.ok(error instanceof TraceExportError);
    assert.match(error.message, /@opentelemetry\/sdk-trace-base is not installed/);
    assert.match(
      error.message,
      /npm install @opentelemetry\/sdk-trace-base @opentelemetry\/exporter-trace-otlp-http/,
    );
    return true;
  });
});

test('an invalid otlp endpoint is a config error with its path', () => {
  assert.throws(
    () =>
      parseConfig({
        providers: { a: { baseURL: 'http://127.0.0.1:9/v1' } },
        models: { m: { deployments: [{ provider: 'a' }] } },
        telemetry: { otlp: { endpoint: 'collector:4318' } },
      }),
    /telemetry\.otlp\.endpoint/,
  );
});
