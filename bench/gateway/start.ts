/**
 * Starting the servers both gateway benches measure: the mock upstream (on the load core), the
 * bare undici proxy and `breakerbox serve` with its defaults (each on the server core), every one
 * on loopback and stopped by PID with `stopAll`.
 */
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Target } from './load.js';
import { firstLine, freePort, startNode, waitForHttp } from './procs.js';

/** The load generator and the mock upstream run here. */
export const LOAD_CORE = 0;
/** The server under test runs here (alone, on a machine with two cores or more). */
export const SERVER_CORE = cpus().length > 1 ? 1 : 0;
export const CHAT = '/v1/chat/completions';

const here = fileURLToPath(new URL('.', import.meta.url));
/** The package's root (this file runs from bench/.build/bench/gateway/). */
export const ROOT = join(here, '..', '..', '..', '..');
const SERVERS = join(here, 'servers.js');

/** A started server and its process. */
export type Started = Target & { readonly child: ChildProcess };

/** Starts the zero-latency mock upstream; resolves with its port. */
export function startUpstream(): Promise<number> {
  return firstLine(startNode(LOAD_CORE, [SERVERS, 'upstream']), 'mock upstream');
}

/** Starts the bare undici proxy (the floor) in front of `upstreamPort`. */
export async function startBare(upstreamPort: number, flags: string[] = []): Promise<Started> {
  const child = startNode(SERVER_CORE, [...flags, SERVERS, 'bare', String(upstreamPort)]);
  const port = await firstLine(child, 'bare proxy');
  return { name: 'bare', port, pid: child.pid as number, path: CHAT, headers: {}, child };
}

/**
 * Starts `breakerbox serve` with its defaults in front of `upstreamPort`: its config and its log
 * (an info line per request, to a file as an operator's would be, not /dev/null) go in `dir`.
 */
export async function startBreakerbox(
  upstreamPort: number,
  dir: string,
  flags: string[] = [],
): Promise<Started> {
  const config = join(dir, 'breakerbox.yaml');
  writeFileSync(
    config,
    [
      'providers:',
      '  up:',
      `    baseURL: http://127.0.0.1:${upstreamPort}/v1`,
      '    apiKey: bench-key',
      '    maxConcurrent: 256',
      'models:',
      "  'gpt-4.1':",
      '    deployments: [{ provider: up }]',
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const log = openSync(join(dir, 'breakerbox.log'), 'w');
  const args = [...flags, join(ROOT, 'bin', 'breakerbox.js'), 'serve', '--config', config];
  const child = startNode(SERVER_CORE, [...args, '--port', `${port}`], ['ignore', log, 'inherit']);
  closeSync(log);
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, child, 20_000);
  return { name: 'breakerbox', port, pid: child.pid as number, path: CHAT, headers: {}, child };
}
