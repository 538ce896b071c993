/**
 * One `breakerbox serve` child per gateway: its YAML written to a scratch folder, a free port on
 * 127.0.0.1, its stdout read line by line (pino JSON: request lines and circuit transitions),
 * its stderr kept for the report. Every child is remembered by PID and stopped by PID.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (dist/chaos/ → ../..). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The `breakerbox` command. */
export const BIN = join(ROOT, 'bin', 'breakerbox.js');

/** A breaker transition from the gateway's log, `at` in ms since the epoch (pino's `time`). */
export interface Transition {
  readonly at: number;
  readonly deployment: string;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
}

/** A request line from the gateway's log (the fields the report reads). */
export interface RequestLine {
  readonly at: number;
  readonly status: number;
  readonly durationMs: number;
  readonly attempts: number;
  readonly deployment?: string;
}

/** How a child ended. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** ms since the epoch. */
  readonly at: number;
}

const BANNER =
  /^(breakerbox gateway listening on | {2}dashboard | {2}models:| {2}\S+ \(.*\)( {2}then .*)?$)/;

const running = new Set<ChildProcess>();

/** A free loopback port (the listener is closed again before it is returned). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => {
        resolve(port);
      });
    });
  });
}

/** A running `breakerbox serve`. */
export class GatewayProcess {
  readonly transitions: Transition[] = [];
  readonly requests: RequestLine[] = [];
  /** Lines of stdout that were not JSON, and all of stderr. */
  readonly noise: string[] = [];
  readonly exited: Promise<Exit>;
  #exit: Exit | undefined;
  #buffer = '';

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
    readonly port: number,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.#exit = { code, signal, at: Date.now() };
        running.delete(child);
        resolve(this.#exit);
      });
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      this.#read(chunk.toString());
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.noise.push(chunk.toString());
    });
  }

  /** Writes `config` (YAML) and starts `breakerbox serve` on it; resolves once /healthz answers. */
  static async start(name: string, config: string, port?: number): Promise<GatewayProcess> {
    const dir = mkdtempSync(join(tmpdir(), `breakerbox-chaos-${name}-`));
    const file = join(dir, 'breakerbox.yaml');
    writeFileSync(file, config);
    const listen = port ?? (await freePort());
    const child = spawn(
      process.execPath,
      [BIN, 'serve', '--config', file, '--host', '127.0.0.1', '--port', String(listen)],
      { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir },
    );
    running.add(child);
    child.once('exit', () => {
      rmSync(dir, { recursive: true, force: true });
    });
    const gateway = new GatewayProcess(child, `http://127.0.0.1:${listen}`, listen);
    await gateway.#waitHealthy(15_000);
    return gateway;
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** The exit, once the process has ended. */
  get exit(): Exit | undefined {
    return this.#exit;
  }

  /** Sends `signal` to the child, by PID. */
  signal(signal: NodeJS.Signals): void {
    if (this.#exit === undefined) process.kill(this.pid, signal);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit. */
  async stop(graceMs = 5_000): Promise<Exit> {
    if (this.#exit !== undefined) return this.#exit;
    this.signal('SIGTERM');
    const timer = setTimeout(() => {
      this.signal('SIGKILL');
    }, graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * stderr and the non-JSON stdout lines, plus any line logged at `error` or above; the start
   * banner (where it listens, its models) is not a problem.
   */
  problems(): string[] {
    return this.noise
      .join('\n')
      .split('\n')
      .filter((l) => l.trim() !== '' && !BANNER.test(l));
  }

  async #waitHealthy(ms: number): Promise<void> {
    const until = Date.now() + ms;
    for (;;) {
      if (this.#exit !== undefined) {
        throw new Error(`gateway exited (${this.#exit.code}) at start: ${this.noise.join('')}`);
      }
      try {
        const r = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(1_000) });
        await r.arrayBuffer();
        if (r.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > until) {
        await this.stop(1_000);
        throw new Error(`gateway not healthy within ${ms} ms: ${this.noise.join('')}`);
      }
      // A start-up poll (the child prints no readiness line we could wait on): ask again soon.
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  #read(text: string): void {
    this.#buffer += text;
    let nl = this.#buffer.indexOf('\n');
    while (nl >= 0) {
      const line = this.#buffer.slice(0, nl).trim();
      this.#buffer = this.#buffer.slice(nl + 1);
      if (line !== '') this.#line(line);
      nl = this.#buffer.indexOf('\n');
    }
  }

  #line(line: string): void {
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.noise.push(line);
      return;
    }
    const at = typeof o.time === 'number' ? o.time : Date.now();
    if (typeof o.level === 'number' && o.level >= 50) this.noise.push(line);
    if (o.event === 'transition') {
      this.transitions.push({
        at,
        deployment: String(o.deployment),
        from: String(o.from),
        to: String(o.to),
        reason: String(o.reason),
      });
    } else if (o.msg === 'request' && typeof o.status === 'number') {
      this.requests.push({
        at,
        status: o.status,
        durationMs: Number(o.durationMs),
        attempts: Number(o.attempts),
        ...(typeof o.deployment === 'string' && { deployment: o.deployment }),
      });
    }
  }
}

/** Kills (SIGKILL, by PID) every gateway child still running: the last line of defence. */
export function killAllGateways(): void {
  for (const child of running) {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  }
}
