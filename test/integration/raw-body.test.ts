// The caller's own request bytes go upstream unchanged when breakerbox has nothing to change in
// them (engine/raw-body.ts), through the gateway and `bb.fetch`; otherwise the request is
// serialised again. Against a recording upstream on 127.0.0.1.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createBreakerbox } from '../../src/engine/index.js';
import type { Breakerbox } from '../../src/engine/index.js';
import { silentLogger, startGateway } from '../../src/gateway/index.js';
import { startMockUpstream } from '../support/mock-upstream.js';
import type { MockUpstream } from '../support/mock-upstream.js';

async function stack(t: TestContext): Promise<{ up: MockUpstream; bb: Breakerbox; url: string }> {
  const up = await startMockUpstream(t, { a: 'ok' });
  const bb = createBreakerbox({
    providers: { a: { baseURL: `${up.url}/a/v1`, apiKey: 'sk-provider-0123456789' } },
    models: {
      same: { deployments: [{ provider: 'a', model: 'same' }] },
      renamed: { deployments: [{ provider: 'a', model: 'upstream-name' }] },
    },
    retry: { attempts: 0 },
  });
  t.after(() => bb.close());
  const gateway = await startGateway({ engine: bb, port: 0, logger: silentLogger() });
  t.after(() => gateway.close(0));
  return { up, bb, url: gateway.url };
}

async function send(url: string, raw: string): Promise<number> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: raw,
  });
  await res.text();
  return res.status;
}

// Spacing, key order and a 20-digit integer JSON.parse cannot hold: only the bytes keep them.
const EXACT =
  '{ "messages" : [{"role":"user","content":"hi \\u00e9"}], "seed": 12345678901234567890,\n "model": "same" }';

test('gateway: a JSON call sends the client bytes as they came', async (t) => {
  const { up, url } = await stack(t);
  assert.equal(await send(url, EXACT), 200);
  assert.equal(up.calls.at(-1)?.raw, EXACT);
});

test('bb.fetch: a JSON call sends the caller text as it came', async (t) => {
  const { up, bb } = await stack(t);
  const res = await bb.fetch('http://breakerbox.local/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: EXACT,
  });
  assert.equal(res.status, 200);
  await res.text();
  assert.equal(up.calls.at(-1)?.raw, EXACT);
});

test('gateway: a stream gets include_usage spliced into the client bytes, the rest unchanged', async (t) => {
  const { up, url } = await stack(t);
  const raw =
    ' {"model":"same","stream":true,"seed":12345678901234567890,"messages":[{"role":"user","content":"x"}]}';
  assert.equal(await send(url, raw), 200);
  const sent = up.calls.at(-1)?.raw ?? '';
  assert.equal(sent, ' {"stream_options":{"include_usage":true},' + raw.slice(2));
  assert.deepEqual(up.calls.at(-1)?.body.stream_options, { include_usage: true });
});

test('serialised again: a renamed model, a duplicate "model" or "stream", stream_options without usage', async (t) => {
  const { up, url } = await stack(t);
  const messages = '"messages":[{"role":"user","content":"x"}]';
  const cases: { raw: string; model: string; check?: (body: Record<string, unknown>) => void }[] = [
    { raw: `{"model":"renamed",${messages}}`, model: 'upstream-name' },
    // JSON.parse keeps the last "model"; the upstream must see only that one.
    { raw: `{"model":"renamed","model":"same",${messages}}`, model: 'same' },
    { raw: `{"model":"same","stream":true,"stream":false,${messages}}`, model: 'same' },
    {
      raw: `{"model":"same","stream":true,"stream_options":{},${messages}}`,
      model: 'same',
      check: (body) => {
        assert.deepEqual(body.stream_options, { include_usage: true });
      },
    },
  ];
  for (const c of cases) {
    assert.equal(await send(url, c.raw), 200, c.raw);
    const call = up.calls.at(-1);
    assert.ok(call, c.raw);
    assert.notEqual(call.raw, c.raw, `re-serialised: ${c.raw}`);
    assert.equal(call.raw.split('"model"').length - 1, 1, `one model key: ${call.raw}`);
    assert.equal(call.body.model, c.model, c.raw);
    c.check?.(call.body);
  }
});
