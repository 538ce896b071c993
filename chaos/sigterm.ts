/**
 * SIGTERM under load: JSON requests at the configured concurrency and 50 streams open at once,
 * half of them short enough to finish within the grace period, half too long for it. Once every
 * stream has delivered content, the gateway gets SIGTERM. Every stream must either complete or
 * end with an error event (never a silent cut), in-flight JSON requests must be answered, and
 * the process must exit 0 within its grace period (plus the 1 s it allows for the last bytes).
 */
import { startSimulator } from '../src/sim/index.js';
import { GatewayProcess } from './gateway-process.js';
import { client, request } from './measure.js';
import type { RequestResult } from './measure.js';
import { tally } from './row.js';
import type { Row } from './row.js';
import { HEALTHY, crashes } from './single.js';
import type { RunContext } from './single.js';

const STREAMS = 50;
const GRACE_MS = 4_000;

export async function runSigterm(ctx: RunContext): Promise<Row> {
  const began = performance.now();
  const sim = await startSimulator({
    models: {
      '*': { faults: HEALTHY },
      // 20 chunks 100 ms apart: done within the grace period. 100 chunks: 10 s, cut by it.
      short: { faults: { ...HEALTHY, chunkDelayMs: 100 }, chunkCount: 20 },
      long: { faults: { ...HEALTHY, chunkDelayMs: 100 }, chunkCount: 100 },
    },
  });
  let gateway: GatewayProcess | undefined;
  try {
    gateway = await GatewayProcess.start(
      'sigterm',
      `providers:
  sim: { baseURL: '${sim.url}', apiKey: sk-chaos }
models:
  gpt-4.1: { deployments: [{ provider: sim }] }
  short: { deployments: [{ provider: sim }] }
  long: { deployments: [{ provider: sim }] }
server: { shutdownGraceMs: ${GRACE_MS} }
`,
    );
    const sdk = client(gateway.url);
    let terminated = false;
    let sentJson = 0;
    const results: RequestResult[] = [];
    const jsonLoad = Array.from({ length: ctx.concurrency }, async () => {
      while (!terminated && sentJson < ctx.requests && performance.now() < ctx.stopAt) {
        sentJson++;
        results.push(await request(sdk, false));
      }
    });
    let withContent = 0;
    let allFlowing: () => void = () => undefined;
    const flowing = new Promise<void>((resolve) => (allFlowing = resolve));
    const streams = Array.from({ length: STREAMS }, async (_, i) => {
      const model = i % 2 === 0 ? 'short' : 'long';
      results.push(
        await request(sdk, true, model, () => {
          if (++withContent === STREAMS) allFlowing();
        }),
      );
    });
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, 15_000).unref());
    await Promise.race([flowing, timeout]);
    const notes: string[] = [];
    const failures: string[] = [];
    if (withContent < STREAMS) failures.push(`only ${withContent} streams had content`);
    const termAt = Date.now();
    terminated = true;
    gateway.signal('SIGTERM');
    const exit = await Promise.race([
      gateway.exited,
      new Promise<undefined>((resolve) =>
        setTimeout(() => {
          resolve(undefined);
        }, GRACE_MS + 5_000).unref(),
      ),
    ]);
    await Promise.all([...streams, ...jsonLoad]);
    if (exit === undefined) failures.push(`still running ${GRACE_MS + 5_000} ms after SIGTERM`);
    else {
      const took = exit.at - termAt;
      notes.push(`exited with code ${exit.code} ${took} ms after SIGTERM (grace ${GRACE_MS} ms)`);
      if (took > GRACE_MS + 1_500) failures.push(`exit took ${took} ms`);
    }
    const streamResults = results.filter((r) => r.stream);
    const completed = streamResults.filter((r) => r.outcome === 'ok').length;
    const errored = streamResults.filter((r) => r.outcome === 'cut-error').length;
    notes.push(
      `of ${STREAMS} open streams: ${completed} completed, ${errored} ended with an error event ` +
        `(shutting_down), ${STREAMS - completed - errored} otherwise; JSON requests stop at SIGTERM.`,
    );
    if (completed + errored !== STREAMS) {
      failures.push(`${STREAMS - completed - errored} streams neither completed nor told`);
    }
    const jsonFailed = results.filter((r) => !r.stream && r.outcome !== 'ok');
    if (jsonFailed.length > 0) {
      notes.push(`${jsonFailed.length} JSON requests failed: ${jsonFailed[0]?.error ?? ''}`);
    }
    return {
      name: 'SIGTERM with 50 open streams',
      ...tally(results),
      intoOpen: undefined,
      openMs: undefined,
      closeMs: undefined,
      noBreakerFault: true,
      recovers: false,
      fallback: false,
      crashes: exit === undefined ? [] : crashes(gateway, exit, termAt),
      failures,
      notes,
      durationMs: performance.now() - began,
    };
  } finally {
    await gateway?.stop(1_000);
    await sim.close();
  }
}
