// Issue 12: "`curl` examples in `docs/gateway.md` are executed by a test."
// Every ```sh block of the page's "Trying it with curl" section runs, in order, with the real curl
// against a gateway on 127.0.0.1 (the simulator behind it). The one substitution is mechanical and
// documented on the page: `http://127.0.0.1:8787` becomes the gateway's address, and
// BREAKERBOX_KEY / BREAKERBOX_ADMIN_KEY are set. Each answer must match the ```text block that
// follows its command: the status line, every header shown, and the body's shape (see matches()).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { createBreakerbox } from '../../src/engine/index.js';
import { silentLogger, startGateway } from '../../src/gateway/index.js';
import { startSim } from '../support/start-sim.js';

const CLIENT_KEY = 'sk-test-client-0123456789';
const ADMIN_KEY = 'sk-test-admin-9876543210';

const DOC_BASE = 'http://127.0.0.1:8787';
const page = readFileSync(new URL('../../../docs/gateway.md', import.meta.url), 'utf8');

interface Example {
  readonly command: string;
  readonly answer: string;
  /** 1-based line of the command in docs/gateway.md. */
  readonly line: number;
}

/** The section's (sh, text) block pairs, in page order. */
function examples(): Example[] {
  const start = page.indexOf('\n## Trying it with curl\n');
  assert.ok(start >= 0, 'docs/gateway.md has a "Trying it with curl" section');
  const end = page.indexOf('\n## ', start + 1);
  const section = page.slice(start, end === -1 ? undefined : end);
  const out: Example[] = [];
  for (const m of section.matchAll(/```sh\n([\s\S]*?)```\n\n```text\n([\s\S]*?)```/g)) {
    const line = page.slice(0, start + m.index).split('\n').length + 1;
    out.push({ command: m[1]!, answer: m[2]!, line });
  }
  const shBlocks = section.match(/```sh\n/g)?.length ?? 0;
  assert.equal(out.length, shBlocks, 'every sh block is followed by the answer it gets');
  return out;
}

/** `…` in a documented string stands for any text. */
function textMatches(doc: string, actual: string): boolean {
  const parts = doc.split('…').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('[\\s\\S]*')}$`).test(actual);
}

/**
 * The documented JSON is a sub-shape of the answer: every documented key is there with a value of
 * the same shape; strings equal (`…` matching any text), numbers and booleans of the same type,
 * null as null, a documented array's elements matching the answer's first elements.
 * @returns the path of the first difference, or undefined when they match
 */
function mismatch(doc: unknown, actual: unknown, path = '$'): string | undefined {
  if (typeof doc === 'string') {
    return typeof actual === 'string' && textMatches(doc, actual) ? undefined : path;
  }
  if (doc === null || typeof doc !== 'object') {
    return typeof doc === typeof actual && (doc !== null || actual === null) ? undefined : path;
  }
  if (Array.isArray(doc)) {
    if (!Array.isArray(actual) || actual.length < doc.length) return path;
    for (const [i, d] of doc.entries()) {
      const at = mismatch(d, actual[i], `${path}[${i}]`);
      if (at !== undefined) return at;
    }
    return undefined;
  }
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return path;
  for (const [key, d] of Object.entries(doc)) {
    if (!(key in actual)) return `${path}.${key} (missing)`;
    const at = mismatch(d, (actual as Record<string, unknown>)[key], `${path}.${key}`);
    if (at !== undefined) return at;
  }
  return undefined;
}

/** One SSE event or JSON body, documented vs received. */
function checkPayload(doc: string, actual: string, where: string): void {
  if (doc.startsWith('data: {') || doc.startsWith('{')) {
    const prefix = doc.startsWith('data: ') ? 'data: ' : '';
    assert.ok(actual.startsWith(prefix), `${where}: expected "${prefix}…", got ${actual}`);
    const got = JSON.parse(actual.slice(prefix.length)) as unknown;
    const at = mismatch(JSON.parse(doc.slice(prefix.length)), got);
    assert.equal(at, undefined, `${where}: body differs at ${at ?? ''}: ${actual.slice(0, 600)}`);
  } else {
    assert.ok(textMatches(doc, actual), `${where}: expected ${doc}, got ${actual}`);
  }
}

/** Checks a `curl -i` output against the documented answer. */
function checkAnswer(example: Example, output: string): void {
  const where = `docs/gateway.md:${example.line}`;
  const split = output.indexOf('\r\n\r\n');
  assert.ok(split > 0, `${where}: no HTTP head in curl's output: ${output.slice(0, 200)}`);
  const [statusLine, ...headerLines] = output.slice(0, split).split('\r\n');
  const headers = new Map(
    headerLines.map((h) => [h.slice(0, h.indexOf(':')).toLowerCase(), h.slice(h.indexOf(':') + 2)]),
  );
  const body = output.slice(split + 4);

  const [docHead = '', docBody = ''] = example.answer.split(/\n\n([\s\S]*)/);
  const [docStatus = '', ...docHeaders] = docHead.split('\n');
  assert.equal(statusLine, docStatus, `${where}: status line`);
  for (const h of docHeaders) {
    const name = h.slice(0, h.indexOf(':')).toLowerCase();
    const value = headers.get(name);
    assert.ok(
      value !== undefined && textMatches(h.slice(h.indexOf(':') + 2), value),
      `${where}: ${h} (got ${String(value)})`,
    );
  }

  if (!docBody.trim().startsWith('data: ')) {
    checkPayload(docBody.trim(), body.trim(), where);
    return;
  }
  // A stream: events separated by blank lines; a documented `…` stands for any number of events.
  const docEvents = docBody.trim().split(/\n\n/);
  const events = body.trim().split(/\n\n/);
  const gap = docEvents.indexOf('…');
  const head = gap === -1 ? docEvents : docEvents.slice(0, gap);
  const tail = gap === -1 ? [] : docEvents.slice(gap + 1);
  if (gap === -1) assert.equal(events.length, docEvents.length, `${where}: number of events`);
  assert.ok(events.length >= head.length + tail.length, `${where}: ${events.length} events`);
  head.forEach((d, i) => {
    checkPayload(d, events[i]!, `${where} event ${i + 1}`);
  });
  tail.forEach((d, i) => {
    const k = events.length - tail.length + i;
    checkPayload(d, events[k]!, `${where} event ${k + 1}`);
  });
}

/** Runs one documented command with sh (asynchronously: the gateway runs in this process). */
function run(command: string, baseUrl: string): Promise<string> {
  const script = command.replaceAll(DOC_BASE, baseUrl);
  return new Promise((resolve, reject) => {
    execFile(
      '/bin/sh',
      ['-c', script],
      {
        env: {
          PATH: process.env.PATH ?? '',
          BREAKERBOX_KEY: CLIENT_KEY,
          BREAKERBOX_ADMIN_KEY: ADMIN_KEY,
        },
        timeout: 15_000,
        maxBuffer: 4 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error !== null) reject(new Error(`${script}\nfailed: ${error.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

/** The gateway the section describes: provider `openai` (the simulator), both keys set. */
async function startGatewayForDocs(t: TestContext): Promise<string> {
  const sim = await startSim(t);
  const bb = createBreakerbox(
    {
      providers: { openai: { baseURL: sim.url, apiKey: 'sk-provider-secret-abcdef' } },
      models: {
        'gpt-4.1': { deployments: [{ provider: 'openai' }] },
        'text-embedding-3-small': {
          deployments: [{ provider: 'openai' }],
          embeddingDimensions: 256,
        },
      },
      retry: { attempts: 0 },
      server: { clientKeys: [CLIENT_KEY], adminKey: ADMIN_KEY },
    },
    { env: {} },
  );
  t.after(() => bb.close());
  const gateway = await startGateway({
    engine: bb,
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger(),
  });
  t.after(() => gateway.close(0));
  return gateway.url;
}

const hasCurl = spawnSync('curl', ['--version']).status === 0;
const skip = hasCurl ? undefined : 'curl is not installed';
if (skip !== undefined) console.log(`# docs-curl-examples.test: skipped: ${skip}`);

test('the section documents its commands and their answers', () => {
  const list = examples();
  assert.ok(list.length >= 8, `found ${list.length} examples`);
  for (const e of list) {
    assert.ok(e.command.includes(DOC_BASE), `docs/gateway.md:${e.line}: uses ${DOC_BASE}`);
  }
});

test('every curl example in docs/gateway.md answers as the page says', { skip }, async (t) => {
  const url = await startGatewayForDocs(t);
  for (const example of examples()) {
    const output = await run(example.command, url);
    checkAnswer(example, output);
  }
});
