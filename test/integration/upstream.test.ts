// The upstream client against a tiny node:http server on 127.0.0.1 (not the project's simulator):
// every scenario a real provider produces, over real sockets. Small timeouts, bounded waits,
// no timing assertions beyond "it fired".
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { getEventListeners, setMaxListeners } from 'node:events';
import { MockAgent } from 'undici';
import { CancelledError, UpstreamError, systemClock } from '../../src/core/index.js';
import type { Clock } from '../../src/core/index.js';
import { createUpstream } from '../../src/upstream/index.js';
import type {
  SseEvent,
  Upstream,
  UpstreamResult,
  UpstreamStreamResult,
} from '../../src/upstream/index.js';

const API_KEY = 'sk-test-integration-0123456789';
const CHUNK = (text: string): string =>
  `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: text } }] })}\n\n`;

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** Requests the server saw, with a promise per request that settles when its socket closes. */
interface Seen {
  headers: IncomingMessage['headers'];
  body: string;
  socket: Socket;
  closed: Promise<void>;
}
const seen: Seen[] = [];
const sockets = new Set<Socket>();

function json(res: ServerResponse, status: number, body: unknown, headers = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

function sseHead(res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'x-request-id': 'req_s',
  });
  res.flushHeaders();
}

const completion = { id: 'chatcmpl-1', object: 'chat.completion', choices: [] };
const envelope = (message: string, type: string, code: string, param: string | null = null) =>
  JSON.stringify({ error: { message, type, param, code } });

/** Scenarios that answer with one fixed response: [status, headers, body]. */
const FIXED: Record<string, [number, Record<string, string>, string]> = {
  models: [200, {}, '{"object":"list","data":[{"id":"m","object":"model"}]}'],
  rate: [429, { 'retry-after': '2' }, envelope('Rate limit', 'requests', 'rate_limit_exceeded')],
  e500: [500, { 'content-type': 'text/html' }, '<html><body>Internal Server Error</body></html>'],
  e503: [503, { 'retry-after-ms': '750' }, '{"object":"error","message":"Overloaded","code":503}'],
  flat: [
    400,
    {},
    '{"object":"error","message":"bad temperature","type":"BadRequestError","param":null,"code":400}',
  ],
  context: [
    400,
    {},
    envelope(
      "This model's maximum context length is 128000 tokens.",
      'invalid_request_error',
      'context_length_exceeded',
      'messages',
    ),
  ],
  truncated: [200, {}, '{"id":"chatcmpl-1","choi'],
  notsse: [200, {}, JSON.stringify(completion)],
};

const scenarios: Record<string, Handler> = {
  json: (req, res, body) => {
    const echo = JSON.parse(body) as unknown;
    json(res, 200, { ...completion, echo, path: req.url }, { 'x-request-id': 'req_up_1' });
  },
  sse: (_req, res) => {
    sseHead(res);
    res.write(': ping\n\n');
    res.write(CHUNK('Hel'));
    setTimeout(() => res.end(`${CHUNK('lo')}data: [DONE]\n\n`), 5);
  },
  hang: () => {
    // Never answers.
  },
  stall: (_req, res) => {
    sseHead(res);
    res.write(CHUNK('only'));
  },
  cut: (_req, res) => {
    sseHead(res);
    res.write(CHUNK('partial'));
    setTimeout(() => res.socket?.destroy(), 10);
  },
  errorevent: (_req, res) => {
    sseHead(res);
    res.write(CHUNK('a'));
    const error = envelope('The server had an error', 'server_error', 'x');
    res.end(`data: ${error}\n\ndata: [DONE]\n\n`);
  },
  trickle: (_req, res) => {
    sseHead(res);
    const t = setInterval(() => res.write(CHUNK('.')), 20);
    res.on('close', () => {
      clearInterval(t);
    });
  },
};

/** One promise per socket (keep-alive sockets serve many requests) that settles on 'close'. */
const closing = new WeakMap<Socket, Promise<void>>();
function closedOf(socket: Socket): Promise<void> {
  let p = closing.get(socket);
  if (!p) {
    p = new Promise((r) => {
      if (socket.destroyed) r();
      else
        socket.once('close', () => {
          r();
        });
    });
    closing.set(socket, p);
  }
  return p;
}

const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c: string) => (body += c));
  req.on('end', () => {
    const socket = req.socket;
    seen.push({
      headers: req.headers,
      body,
      socket,
      closed: closedOf(socket),
    });
    const name = req.url?.split('/')[1] ?? '';
    const fixed = FIXED[name];
    const handler = scenarios[name];
    if (fixed) json(res, fixed[0], fixed[2], fixed[1]);
    else if (handler) handler(req, res, body);
    else json(res, 404, { error: { message: `no scenario ${name}` } });
  });
});
server.on('connection', (s: Socket) => {
  sockets.add(s);
  s.on('close', () => sockets.delete(s));
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as AddressInfo).port;

const clients: Upstream[] = [];
function client(
  scenario: string,
  extra: { clock?: Clock; timeouts?: Record<string, number> } = {},
): Upstream {
  const c = createUpstream({
    name: 'local',
    baseURL: `http://127.0.0.1:${port}/${scenario}/v1`,
    apiKey: API_KEY,
    timeouts: {
      connectMs: 1000,
      firstByteMs: 2000,
      idleMs: 2000,
      totalMs: 5000,
      ...extra.timeouts,
    },
    ...(extra.clock ? { clock: extra.clock } : {}),
  });
  clients.push(c);
  return c;
}

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) =>
    server.close(() => {
      r();
    }),
  );
});

/** Rejects if `p` does not settle within `ms`: a bounded wait, not a timing assertion. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what}: not within ${ms} ms`));
    }, ms);
  });
  return Promise.race([p, limit]).finally(() => {
    clearTimeout(timer);
  });
}

const req = (extra = {}) => ({
  deploymentId: 'local/m',
  body: { model: 'm', messages: [{ role: 'user', content: 'hi' }] },
  ...extra,
});

function expectFailure(
  r: UpstreamResult | UpstreamStreamResult,
  kind: string,
): Extract<UpstreamResult, { type: 'failure' }> {
  assert.equal(r.type, 'failure', JSON.stringify(r));
  assert.equal(r.outcome.kind, kind);
  assert.equal(r.error.kind, kind);
  assert.equal(r.error.deploymentId, 'local/m');
  return r;
}

async function drain(
  events: AsyncIterable<SseEvent>,
): Promise<{ data: string[]; error?: unknown }> {
  const data: string[] = [];
  try {
    for await (const e of events) data.push(e.data);
  } catch (error) {
    return { data, error };
  }
  return { data };
}

test('chat: JSON success with request headers, x-request-id both ways, body sent once as given', async () => {
  const bodyText = '{"model":"m","messages":[],"extra":1}';
  const r = await client('json').chat(req({ bodyText, requestId: 'req_caller_1' }));
  assert.equal(r.type, 'success');
  assert.equal(r.status, 200);
  assert.equal(r.upstreamRequestId, 'req_up_1');
  assert.deepEqual((r.body as { echo: unknown }).echo, JSON.parse(bodyText));
  assert.equal((r.body as { path: string }).path, '/json/v1/chat/completions');
  assert.ok(r.bodyText.startsWith('{"id":"chatcmpl-1"'));
  const s = seen.at(-1)!;
  assert.equal(s.body, bodyText);
  assert.equal(s.headers.authorization, `Bearer ${API_KEY}`);
  assert.equal(s.headers['content-type'], 'application/json');
  assert.equal(s.headers['x-request-id'], 'req_caller_1');
  assert.match(s.headers['user-agent'] ?? '', /^breakerbox\/\d+\.\d+\.\d+/);
  assert.ok(!JSON.stringify(r).includes(API_KEY));
});

test('embeddings and listModels', async () => {
  const e = await client('json').embeddings(req({ body: { model: 'e', input: 'x' } }));
  assert.equal(e.type === 'success' && (e.body as { path: string }).path, '/json/v1/embeddings');
  const m = await client('models').listModels();
  assert.equal(m.type, 'success');
  assert.equal(seen.at(-1)!.body, '');
});

test('429 with Retry-After: rate_limited, retryAfterMs, envelope kept', async () => {
  const r = expectFailure(await client('rate').chat(req()), 'rate_limited');
  assert.equal(r.status, 429);
  assert.equal(r.outcome.retryAfterMs, 2000);
  assert.equal(r.error.retryAfterMs, 2000);
  assert.equal(r.body?.error.code, 'rate_limit_exceeded');
});

test('500 HTML: server_error with a status message; 503 flat: overloaded, rewrapped', async () => {
  const a = expectFailure(await client('e500').chat(req()), 'server_error');
  assert.equal(a.body?.error.message, 'Upstream returned HTTP 500 Internal Server Error');
  const b = expectFailure(await client('e503').chat(req()), 'overloaded');
  assert.equal(b.outcome.retryAfterMs, 750);
  assert.deepEqual(b.body?.error, {
    message: 'Overloaded',
    type: 'service_unavailable_error',
    param: null,
    code: '503',
  });
});

test('400 flat body: caller_error, rewrapped; 400 context_length_exceeded: context_length', async () => {
  const a = await client('flat').chat(req());
  assert.equal(a.type, 'caller_error');
  assert.equal(a.outcome.reason, 'caller_error');
  assert.deepEqual(a.body.error, {
    message: 'bad temperature',
    type: 'BadRequestError',
    param: null,
    code: '400',
  });
  const b = await client('context').chat(req());
  assert.ok(b.type === 'caller_error');
  assert.equal(b.outcome.reason, 'context_length');
  assert.equal(b.body.error.param, 'messages');
});

test('200 with truncated JSON: malformed_response', async () => {
  const r = expectFailure(await client('truncated').chat(req()), 'malformed_response');
  assert.equal(r.status, 200);
});

test('hang: the first-byte timeout fires and the socket is closed', async () => {
  const r = await within(
    client('hang', { timeouts: { firstByteMs: 100 } }).chat(req()),
    3000,
    'first byte',
  );
  expectFailure(r, 'first_byte_timeout');
  await within(seen.at(-1)!.closed, 2000, 'server socket close');
});

test('hang with a short totalMs: total_timeout', async () => {
  const r = await within(client('hang', { timeouts: { totalMs: 100 } }).chat(req()), 3000, 'total');
  expectFailure(r, 'total_timeout');
  await within(seen.at(-1)!.closed, 2000, 'server socket close');
});

test('connection refused: network, with the errno and host:port in the error', async () => {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const deadPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) =>
    probe.close(() => {
      r();
    }),
  );
  const c = createUpstream({ name: 'dead', baseURL: `http://127.0.0.1:${deadPort}/v1` });
  clients.push(c);
  const r = await within(c.chat(req()), 3000, 'refused');
  const failure = expectFailure(r, 'network');
  // Issue 8: the error names the errno and the peer, not only "network".
  assert.equal(failure.error.detail, `ECONNREFUSED 127.0.0.1:${deadPort}`);
  assert.equal(
    failure.error.message,
    `upstream local/m failed: network (ECONNREFUSED 127.0.0.1:${deadPort})`,
  );
  assert.equal(failure.error.toJSON().detail, `ECONNREFUSED 127.0.0.1:${deadPort}`);
});

test('chatStream: yields chunks (not comments, not [DONE]) and ends', async () => {
  const r = await client('sse').chatStream(req({ body: { model: 'm', stream: true } }));
  assert.equal(r.type, 'stream');
  assert.equal(r.upstreamRequestId, 'req_s');
  assert.ok(r.firstByteMs >= 0);
  assert.equal(seen.at(-1)!.headers.accept, 'text/event-stream');
  const { data, error } = await within(drain(r.events), 3000, 'stream');
  assert.equal(error, undefined);
  assert.equal(data.length, 2);
  assert.match(data[0]!, /"Hel"/);
});

test('after [DONE] the connection goes back to the pool: no new socket per stream', async () => {
  const c = client('sse');
  const N = 6;
  for (let i = 0; i < N; i++) {
    const r = await c.chatStream(req());
    assert.ok(r.type === 'stream');
    assert.equal((await drain(r.events)).error, undefined);
  }
  // undici alternates two sockets for back-to-back requests (it validates an idle socket for one
  // loop turn before reuse); destroying the socket at [DONE] would use N.
  const used = new Set(seen.slice(-N).map((s) => s.socket)).size;
  assert.ok(used <= 2, `${used} sockets for ${N} sequential streams`);
});

test('stream stall: idle_timeout after the first chunk', async () => {
  const r = await client('stall', { timeouts: { idleMs: 100 } }).chatStream(req());
  assert.ok(r.type === 'stream');
  const { data, error } = await within(drain(r.events), 3000, 'idle');
  assert.equal(data.length, 1);
  assert.ok(error instanceof UpstreamError);
  assert.equal(error.kind, 'idle_timeout');
  await within(seen.at(-1)!.closed, 2000, 'server socket close');
});

test('stream cut mid-way: the iterator throws stream_error', async () => {
  const r = await client('cut').chatStream(req());
  assert.ok(r.type === 'stream');
  const { data, error } = await within(drain(r.events), 3000, 'cut');
  assert.equal(data.length, 1);
  assert.ok(error instanceof UpstreamError);
  assert.equal(error.kind, 'stream_error');
  // The cut names undici's code and the peer (issue 8), e.g. `UND_ERR_SOCKET 127.0.0.1:40123`.
  assert.match(error.detail ?? '', /^UND_ERR_SOCKET 127\.0\.0\.1:\d+$/);
});

test('error event in the stream: stream_error with the upstream message', async () => {
  const r = await client('errorevent').chatStream(req());
  assert.ok(r.type === 'stream');
  const { data, error } = await within(drain(r.events), 3000, 'error event');
  assert.equal(data.length, 1);
  assert.ok(error instanceof UpstreamError);
  assert.equal(error.kind, 'stream_error');
  assert.equal(error.message, 'The server had an error');
});

test('a stream that keeps trickling past totalMs: total_timeout', async () => {
  const r = await client('trickle', { timeouts: { totalMs: 150, idleMs: 1000 } }).chatStream(req());
  assert.ok(r.type === 'stream');
  const { data, error } = await within(drain(r.events), 3000, 'total');
  assert.ok(data.length >= 1);
  assert.ok(error instanceof UpstreamError);
  assert.equal(error.kind, 'total_timeout');
  await within(seen.at(-1)!.closed, 2000, 'server socket close');
});

test('stream request answered with JSON: malformed_response', async () => {
  expectFailure(await client('notsse').chatStream(req()), 'malformed_response');
});

test('stream head errors are results, like chat', async () => {
  expectFailure(await client('rate').chatStream(req()), 'rate_limited');
  const r = await client('context').chatStream(req());
  assert.equal(r.type === 'caller_error' && r.outcome.reason, 'context_length');
});

test('caller abort mid-request: cancelled, and the server sees its socket closed', async () => {
  const ctl = new AbortController();
  const before = seen.length;
  const pending = client('hang').chat(req({ signal: ctl.signal }));
  await within(
    waitFor(() => seen.length > before),
    2000,
    'request reached server',
  );
  ctl.abort();
  const r = await within(pending, 2000, 'cancel');
  assert.equal(r.type, 'cancelled');
  await within(seen.at(-1)!.closed, 2000, 'server socket close');
});

test('caller abort mid-stream: CancelledError, and the server sees its socket closed', async () => {
  const ctl = new AbortController();
  const r = await client('stall').chatStream(req({ signal: ctl.signal }));
  assert.ok(r.type === 'stream');
  const first = await r.events.next();
  assert.equal(first.done, false);
  const pending = r.events.next();
  ctl.abort();
  await assert.rejects(within(pending, 2000, 'cancel'), CancelledError);
  await within(seen.at(-1)!.closed, 2000, 'server socket close');
});

test('abort() and break close the socket at once', async () => {
  const a = await client('stall').chatStream(req());
  assert.ok(a.type === 'stream');
  await a.events.next();
  a.abort();
  await within(seen.at(-1)!.closed, 2000, 'close after abort()');
  const b = await client('trickle').chatStream(req());
  assert.ok(b.type === 'stream');
  for await (const e of b.events) {
    assert.ok(e.data.length > 0);
    break;
  }
  await within(seen.at(-1)!.closed, 2000, 'close after break');
});

test('an already-aborted signal: cancelled without a request', async () => {
  const before = seen.length;
  const r = await client('json').chat(req({ signal: AbortSignal.abort() }));
  assert.equal(r.type, 'cancelled');
  assert.equal(seen.length, before);
});

test('an injected dispatcher (MockAgent) is used and left open by close()', async () => {
  const agent = new MockAgent();
  agent.disableNetConnect();
  agent
    .get('https://mock.example')
    .intercept({ path: '/v1/chat/completions', method: 'POST' })
    .reply(503, 'busy', { headers: { 'retry-after': '1' } })
    .times(2);
  const c = createUpstream({ name: 'mock', baseURL: 'https://mock.example/v1', dispatcher: agent });
  const r = expectFailure(await c.chat(req()), 'overloaded');
  assert.equal(r.outcome.retryAfterMs, 1000);
  await c.close();
  // Still usable: close() left the caller's dispatcher open.
  expectFailure(await c.chat(req()), 'overloaded');
  await agent.close();
});

/** A clock that counts the timers it has out, to prove none outlive their call. */
function countingClock(): Clock & { live: number } {
  const clock = {
    live: 0,
    now: () => systemClock.now(),
    epochMs: () => systemClock.epochMs(),
    sleep: (ms: number, signal?: AbortSignal) => systemClock.sleep(ms, signal),
    setTimer(ms: number, fn: () => void) {
      clock.live++;
      let done = false;
      const finish = (): void => {
        if (!done) {
          done = true;
          clock.live--;
        }
      };
      const cancel = systemClock.setTimer(ms, () => {
        finish();
        fn();
      });
      return () => {
        finish();
        cancel();
      };
    },
  };
  return clock;
}

async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
}

const N = 2000;
const CONCURRENCY = 20;

test('2,000 calls leave no timers and no listeners on the caller signal', async () => {
  const clock = countingClock();
  const ctl = new AbortController();
  // One signal shared by 20 concurrent attempts (as a batch runner's shutdown signal would be).
  setMaxListeners(CONCURRENCY + 1, ctl.signal);
  const ok = client('json', { clock });
  const bad = client('rate', { clock });
  const stream = client('sse', { clock });
  const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < N) {
      const i = next++;
      if (i % 10 === 0) {
        const r = await stream.chatStream(req({ signal: ctl.signal }));
        assert.ok(r.type === 'stream');
        assert.equal((await drain(r.events)).error, undefined);
      } else {
        const r = await (i % 3 === 0 ? bad : ok).chat(req({ signal: ctl.signal }));
        assert.notEqual(r.type, 'cancelled');
      }
    }
  };
  await within(Promise.all(Array.from({ length: CONCURRENCY }, worker)), 60_000, '2,000 calls');
  // Tails after [DONE] drain asynchronously; give them a bounded moment.
  await waitFor(() => clock.live === 0);
  assert.equal(clock.live, 0, 'every timer was cancelled or fired');
  assert.equal(getEventListeners(ctl.signal, 'abort').length, 0);
  const timersAfter = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  assert.ok(timersAfter <= timersBefore + 2, `timers ${timersBefore} -> ${timersAfter}`);
});
