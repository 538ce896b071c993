/**
 * The processes `npm run bench:gateway` measures against, one per process, each printing its
 * port on stdout once it listens (loopback only):
 *
 *   node servers.js upstream          # zero-latency mock OpenAI upstream (JSON, or SSE of 20 chunks)
 *   node servers.js bare <upstream>   # the floor: a bare undici@7 pass-through proxy
 *
 * The bare proxy reads the request body, forwards it with an undici Pool and writes the
 * upstream's body chunks straight to the client with backpressure (no `stream.pipeline`, which
 * cost it ~40 % of its throughput): what any gateway must do at the least.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Pool } from 'undici';

/** Chunks of content in a streamed answer (then a finish chunk and `[DONE]`). */
export const STREAM_CHUNKS = 20;

const COMPLETION = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-4.1',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'The quick brown fox jumps over the lazy dog.' },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: { prompt_tokens: 12, completion_tokens: 10, total_tokens: 22 },
});

function chunk(delta: object, finish: string | null, usage?: object): string {
  const c = {
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'gpt-4.1',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(usage !== undefined && { usage }),
  };
  return `data: ${JSON.stringify(c)}\n\n`;
}

/** The SSE body of a streamed answer: role, 20 content chunks, finish with usage, `[DONE]`. */
const STREAM_BODY: readonly string[] = [
  chunk({ role: 'assistant', content: '' }, null),
  ...Array.from({ length: STREAM_CHUNKS }, (_, i) => chunk({ content: `tok${i} ` }, null)),
  chunk({}, 'stop', { prompt_tokens: 12, completion_tokens: STREAM_CHUNKS, total_tokens: 32 }),
  'data: [DONE]\n\n',
];

function listening(server: Server): Promise<number> {
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve((server.address() as { port: number }).port);
    });
  });
}

function readBody(req: IncomingMessage, done: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    done(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
  });
}

/** The mock upstream: answers at once; a body with `"stream":true` gets the SSE answer. */
export function upstream(): Promise<number> {
  const server = createServer((req, res) => {
    readBody(req, (body) => {
      if (/"stream"\s*:\s*true/.test(body.toString('latin1'))) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        for (const line of STREAM_BODY) res.write(line);
        res.end();
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(COMPLETION);
      }
    });
  });
  return listening(server);
}

function relay(res: ServerResponse, body: NodeJS.ReadableStream): void {
  body.on('data', (c: Buffer) => {
    if (!res.write(c)) {
      body.pause();
      res.once('drain', () => body.resume());
    }
  });
  body.on('end', () => res.end());
  body.on('error', () => res.destroy());
}

/** The floor: forwards the body, relays status, content type and body chunks. */
export function bare(upstreamPort: number): Promise<number> {
  const pool = new Pool(`http://127.0.0.1:${upstreamPort}`, { connections: 128 });
  const server = createServer((req, res) => {
    readBody(req, (body) => {
      pool
        .request({
          path: req.url ?? '/v1/chat/completions',
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        })
        .then(
          (r) => {
            const type = r.headers['content-type'];
            res.writeHead(r.statusCode, {
              'content-type': typeof type === 'string' ? type : 'application/json',
            });
            relay(res, r.body);
          },
          () => res.writeHead(502).end(),
        );
    });
  });
  return listening(server);
}

/**
 * A `--require` preload for Portkey, which has no host option and listens on every interface:
 * every `listen` binds 127.0.0.1 instead.
 */
export const LOOPBACK_PRELOAD = `'use strict';
const net = require('node:net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number') args.splice(1, typeof args[1] === 'string' ? 1 : 0, '127.0.0.1');
  else if (args[0] && typeof args[0] === 'object' && args[0].path === undefined) args[0] = { ...args[0], host: '127.0.0.1' };
  return listen.apply(this, args);
};
`;

const [mode, arg] = process.argv.slice(2);
// Run as a server: exit normally on SIGTERM, so a `--cpu-prof` run writes its profile.
if (mode === 'upstream' || mode === 'bare') process.once('SIGTERM', () => process.exit(0));
if (mode === 'upstream') console.log(await upstream());
else if (mode === 'bare') console.log(await bare(Number(arg)));
