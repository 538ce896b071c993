// Issue 12: "Python users call gateways too: a test drives the gateway with Python's `httpx`
// (Debian package `python3-httpx`; skipped with a message where it cannot be installed): chat, a
// stream read line by line, embeddings, an error envelope."
// The gateway runs on 127.0.0.1 against the simulator; /usr/bin/python3 runs the client below and
// prints what it saw as one JSON line, which this test checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { CLIENT_KEY, startStack } from '../fixtures/gateway-harness.js';

const PYTHON = '/usr/bin/python3';

/** Why the test cannot run here, or undefined when python3 with httpx is available. */
function missingHttpx(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import httpx'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.error !== undefined) return `${PYTHON} cannot run (${probe.error.message})`;
  if (probe.status !== 0) {
    return `${PYTHON} -c "import httpx" failed: install the Debian package python3-httpx`;
  }
  return undefined;
}

/** The client: plain httpx, the way a Python service would call an OpenAI-compatible gateway. */
const CLIENT = String.raw`
import json, os, sys
import httpx

base = os.environ["BASE_URL"]
headers = {"authorization": "Bearer " + os.environ["CLIENT_KEY"]}
out = {}
with httpx.Client(base_url=base, headers=headers, timeout=10.0) as client:
    messages = [{"role": "user", "content": "hello from python"}]

    r = client.post("/v1/chat/completions", json={"model": "gpt-4.1", "messages": messages})
    body = r.json()
    out["chat"] = {
        "status": r.status_code,
        "contentType": r.headers.get("content-type"),
        "deployment": r.headers.get("x-breakerbox-deployment"),
        "object": body.get("object"),
        "content": body["choices"][0]["message"]["content"],
        "finishReason": body["choices"][0]["finish_reason"],
        "totalTokens": body["usage"]["total_tokens"],
    }

    lines = []
    with client.stream(
        "POST", "/v1/chat/completions",
        json={"model": "gpt-4.1", "messages": messages, "stream": True},
    ) as s:
        status, content_type = s.status_code, s.headers.get("content-type")
        # httpx before 0.24 keeps each line's ending; later versions strip it.
        for line in s.iter_lines():
            line = line.rstrip("\r\n")
            if line != "":
                lines.append(line)
    text = ""
    for line in lines:
        payload = line[len("data: "):]
        if line.startswith("data: ") and payload != "[DONE]":
            for choice in json.loads(payload)["choices"]:
                text += choice.get("delta", {}).get("content") or ""
    out["stream"] = {"status": status, "contentType": content_type, "lines": lines, "content": text}

    r = client.post(
        "/v1/embeddings",
        json={"model": "text-embedding-3-small", "input": ["one", "two"], "encoding_format": "float"},
    )
    body = r.json()
    out["embeddings"] = {
        "status": r.status_code,
        "count": len(body["data"]),
        "dimensions": [len(d["embedding"]) for d in body["data"]],
        "allFloats": all(isinstance(x, float) for d in body["data"] for x in d["embedding"]),
    }

    r = client.post("/v1/chat/completions", json={"model": "no-such-model", "messages": messages})
    out["error"] = {
        "status": r.status_code,
        "contentType": r.headers.get("content-type"),
        "requestId": r.headers.get("x-request-id"),
        "body": r.json(),
    }

sys.stdout.write(json.dumps(out) + "\n")
`;

interface PythonReport {
  chat: Record<string, unknown>;
  stream: { status: number; contentType: string; lines: string[]; content: string };
  embeddings: Record<string, unknown>;
  error: { status: number; contentType: string; requestId: string | null; body: unknown };
}

/** Runs the client to its end (at most 30 s) and parses its report. */
function runClient(baseUrl: string): Promise<PythonReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-c', CLIENT], {
      env: { PATH: process.env.PATH ?? '', BASE_URL: baseUrl, CLIENT_KEY },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new Error(`python client exited ${String(code ?? signal)}:\n${stderr}`));
        return;
      }
      resolve(JSON.parse(stdout) as PythonReport);
    });
  });
}

const skip = missingHttpx();
if (skip !== undefined) console.log(`# python-client.test: skipped: ${skip}`);

test(
  'a Python httpx client: chat, a stream line by line, embeddings, an error envelope',
  { skip },
  async (t) => {
    const stack = await startStack(t);
    const report = await runClient(stack.url);

    assert.deepEqual(report.chat, {
      status: 200,
      contentType: 'application/json',
      deployment: 'sim/gpt-4.1',
      object: 'chat.completion',
      content: report.chat.content,
      finishReason: 'stop',
      totalTokens: report.chat.totalTokens,
    });
    assert.match(String(report.chat.content), /^Simulated answer from gpt-4\.1: hello from python/);
    assert.ok(Number(report.chat.totalTokens) > 0);

    const { stream } = report;
    assert.equal(stream.status, 200);
    assert.match(stream.contentType, /^text\/event-stream/);
    assert.ok(stream.lines.length >= 3, `got ${stream.lines.length} lines`);
    for (const line of stream.lines) assert.match(line, /^data: /);
    assert.equal(stream.lines.at(-1), 'data: [DONE]');
    assert.equal(stream.lines.filter((l) => l === 'data: [DONE]').length, 1);
    assert.equal(stream.content, report.chat.content, 'the stream carries the same answer');

    assert.deepEqual(report.embeddings, {
      status: 200,
      count: 2,
      dimensions: [256, 256],
      allFloats: true,
    });

    assert.equal(report.error.status, 404);
    assert.equal(report.error.contentType, 'application/json');
    assert.match(report.error.requestId ?? '', /^req_/);
    const { error } = report.error.body as { error: Record<string, unknown> };
    assert.equal(error.code, 'model_not_found');
    assert.equal(typeof error.type, 'string');
    assert.equal(error.param, null);
    assert.match(String(error.message), /no-such-model/);
    assert.deepEqual(Object.keys(error).sort(), ['code', 'message', 'param', 'type']);
  },
);
