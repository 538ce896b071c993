/**
 * A tiny OpenAI-compatible upstream on 127.0.0.1:0 for tests that need to see what breakerbox
 * sent (headers included): `/<provider>/v1/chat/completions` answers per provider, and every
 * request's path and headers are recorded.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';

/** How one provider prefix answers. */
export type MockBehaviour = 'ok' | 'fail';

/** One request the mock received. */
export interface MockCall {
  readonly provider: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
  /** The body exactly as it arrived. */
  readonly raw: string;
}

/** A running mock upstream. */
export interface MockUpstream {
  readonly url: string;
  readonly calls: MockCall[];
  /** How each provider prefix answers; change it between requests. */
  readonly behaviour: Record<string, MockBehaviour>;
}

function completion(model: string, stream: boolean): string {
  if (stream) {
    const chunk = (delta: object, extra: object = {}): string =>
      `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model, choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`;
    return (
      chunk({ role: 'assistant', content: 'hi' }) +
      `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model, choices: [], usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 } })}\n\n` +
      'data: [DONE]\n\n'
    );
  }
  return JSON.stringify({
    id: 'c1',
    object: 'chat.completion',
    created: 1,
    model: `${model}-2025-01-01`,
    choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
  });
}

/** Starts the mock; it is closed when the test ends. */
export async function startMockUpstream(
  t: TestContext,
  behaviour: Record<string, MockBehaviour>,
): Promise<MockUpstream> {
  const calls: MockCall[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const provider = (req.url ?? '').split('/')[1] ?? '';
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(raw || '{}') as Record<string, unknown>;
      calls.push({ provider, path: req.url ?? '', headers: req.headers, body, raw });
      if (behaviour[provider] !== 'ok') {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            error: { message: 'boom', type: 'server_error', param: null, code: null },
          }),
        );
        return;
      }
      const stream = body.stream === true;
      res.writeHead(200, {
        'content-type': stream ? 'text/event-stream' : 'application/json',
      });
      res.end(completion(String(body.model), stream));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  );
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, calls, behaviour };
}
