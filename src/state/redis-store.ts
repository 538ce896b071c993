/**
 * Breaker state shared by a fleet of replicas through Redis (docs/scaling.md).
 *
 * - The hot path stays local: each replica's breakers decide every call from memory.
 * - Transitions go through Redis: a replica whose breaker opens runs the TRIP script, and every
 *   replica takes the new state over from pub/sub within milliseconds (and from a periodic sync,
 *   should a message be lost). When an open period ends, the replicas race for one probe lease:
 *   exactly one replica probes, the others keep refusing until it decides.
 * - Operator actions (force open, disable, reset) are transitions like any other: fleet-wide.
 * - When Redis is unreachable or slow, every replica runs on its own breakers (a bounded command
 *   timeout, no offline queue: no request ever waits for Redis), says so, and reconciles when Redis
 *   answers again.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { BreakerRegistry, Clock, Disposable, TransitionEvent } from '../core/index.js';
import { Emitter } from '../core/index.js';
import { FleetBreaker } from './fleet-breaker.js';
import type { FleetLink } from './fleet-breaker.js';
import { outcomeBatch } from './outcomes.js';
import { CLAIM, CLOSE, OPERATE, OUTCOMES, RATE, READ, TRIP } from './scripts.js';
import { SharedRateLimit } from './shared-rate-limit.js';
import { FleetSpend } from './shared-spend.js';
import type { RateLink } from './shared-rate-limit.js';

/** How to reach Redis and how the fleet behaves. */
import {
  COMMANDS,
  OPERATOR_REASON,
  OPERATOR_STATES,
  OPERATOR_TTL_MS,
  OUTCOMES_EVERY_MS,
  parseReply,
  passwordOf,
} from './redis-types.js';
import type {
  FleetVerdict,
  RedisStoreOptions,
  Reply,
  ScriptClient,
  StateStoreStatus,
} from './redis-types.js';

export type { FleetVerdict, RedisStoreOptions, StateStoreStatus } from './redis-types.js';

export class RedisBreakerStore implements FleetLink, RateLink {
  readonly replicaId: string;
  /** Today's spend per model and client key, summed over the fleet (budgets hold fleet-wide). */
  readonly spend: FleetSpend;
  readonly #opts: Required<Omit<RedisStoreOptions, 'replicaId'>>;
  readonly #clock: Clock;
  readonly #registry: BreakerRegistry;
  readonly #client: Redis;
  readonly #sub: Redis;
  readonly #breakers = new Map<string, FleetBreaker>();
  readonly #channel: string;
  readonly #replicasKey: string;
  readonly #statusEvents = new Emitter<StateStoreStatus>();
  readonly #verdicts = new Emitter<FleetVerdict>();
  #syncWaiters: (() => void)[] = [];
  readonly #subscription: Disposable;
  #adopting = false;
  #timer: NodeJS.Timeout | undefined;
  #outcomesTimer: NodeJS.Timeout | undefined;
  #sendingOutcomes = false;
  #syncing = false;
  #replicas = 1;
  #fleet: StateStoreStatus['fleet'] = [];
  #lastSyncAtEpochMs: number | null = null;
  #reason: string | null = 'connecting';
  #mode: 'shared' | 'local' = 'local';
  #closed = false;
  /** The URL's password, kept out of every reason this store reports. */
  readonly #secret: string;

  constructor(options: RedisStoreOptions, deps: { clock: Clock; registry: BreakerRegistry }) {
    this.#opts = {
      url: options.url,
      keyPrefix: options.keyPrefix,
      syncMs: options.syncMs ?? 1000,
      commandTimeoutMs: options.commandTimeoutMs ?? 250,
      idleTtlMs: options.idleTtlMs ?? 3_600_000,
    };
    this.replicaId =
      options.replicaId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.#secret = passwordOf(options.url);
    this.#clock = deps.clock;
    this.#registry = deps.registry;
    this.#channel = `${options.keyPrefix}transitions`;
    this.#replicasKey = `${options.keyPrefix}replicas`;
    const common = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: this.#opts.commandTimeoutMs,
      connectTimeout: Math.max(1000, this.#opts.commandTimeoutMs),
      // Keep trying, never faster than every 100 ms nor slower than every 2 s.
      retryStrategy: (times: number) => Math.min(100 * times, 2000),
      lazyConnect: false,
    };
    this.#client = new Redis(this.#opts.url, common);
    this.#sub = new Redis(this.#opts.url, { ...common, commandTimeout: undefined });
    this.spend = new FleetSpend(this.#client, options.keyPrefix);
    for (const [name, lua, keys] of [
      ['bbTrip', TRIP, 3],
      ['bbClaim', CLAIM, 1],
      ['bbClose', CLOSE, 1],
      ['bbOperate', OPERATE, 2],
      ['bbRead', READ, 1],
      ['bbRate', RATE, 1],
      ['bbOutcomes', OUTCOMES, 2],
    ] as const) {
      // ioredis runs EVALSHA and falls back to EVAL (loading the script) on NOSCRIPT.
      this.#client.defineCommand(name, { numberOfKeys: keys, lua });
    }
    this.#client.on('ready', () => {
      void this.#sync();
    });
    this.#client.on('error', (error: Error) => {
      this.#goLocal(error.message);
    });
    this.#client.on('close', () => {
      this.#goLocal('connection to Redis closed');
    });
    this.#sub.on('ready', () => {
      this.#sub.subscribe(this.#channel).catch(() => undefined);
    });
    this.#sub.on('error', () => undefined);
    this.#sub.on('message', (_channel: string, message: string) => {
      this.#onMessage(message);
    });
    this.#subscription = this.#registry.onTransition((event) => {
      if (!this.#adopting) this.#onLocalTransition(event);
    });
    this.#timer = setInterval(() => void this.#sync(), this.#opts.syncMs);
    this.#timer.unref();
    this.#outcomesTimer = setInterval(() => void this.#sendOutcomes(), OUTCOMES_EVERY_MS);
    this.#outcomesTimer.unref();
  }

  /**
   * Wraps a deployment's local breaker so the fleet decides its transitions. One wrapper per
   * breaker: models that share a deployment share its breaker, and so its wrapper.
   */
  wrap(name: string, local: FleetBreaker['local']): FleetBreaker {
    let breaker = this.#breakers.get(name);
    if (breaker?.local !== local) {
      breaker = new FleetBreaker(name, local, this);
      this.#breakers.set(name, breaker);
    }
    return breaker;
  }

  /**
   * A requests/tokens-per-minute limit the whole fleet spends together. `name` identifies it
   * across replicas (`provider:openai`, `deployment:openai/gpt-4.1`).
   */
  rateLimit(name: string, limits: { rpm?: number; tpm?: number }): SharedRateLimit {
    return new SharedRateLimit(this, {
      key: `${this.#opts.keyPrefix}rl:{${name}}`,
      ...limits,
      clock: this.#clock,
    });
  }

  replicas(): number {
    return this.#replicas;
  }

  async rate(
    key: string,
    rpm: number,
    tpm: number,
    requests: number,
    tokens: number,
    mode: 'try' | 'charge',
  ): Promise<[number, number]> {
    try {
      const [admitted, waitMs] = await (this.#client as unknown as ScriptClient).bbRate(
        key,
        rpm,
        tpm,
        requests,
        tokens,
        mode,
      );
      return [admitted, waitMs];
    } catch (error) {
      this.#goLocal((error as Error).message);
      throw error;
    }
  }

  /** Whether this replica is in step with the fleet. */
  status(): StateStoreStatus {
    return {
      store: 'redis',
      replicaId: this.replicaId,
      mode: this.#mode,
      replicas: this.#replicas,
      fleet: this.#fleet,
      lastSyncAtEpochMs: this.#lastSyncAtEpochMs,
      reason: this.#reason,
    };
  }

  /** Listens to mode changes (shared ⇄ local). */
  onStatus(listener: (status: StateStoreStatus) => void): Disposable {
    return this.#statusEvents.on(listener);
  }

  /** Listens to the answer of every script this replica runs (a trip kept local, a lost race...). */
  onVerdict(listener: (verdict: FleetVerdict) => void): Disposable {
    return this.#verdicts.on(listener);
  }

  /** Resolves after the next completed sync with Redis. */
  synced(): Promise<void> {
    return new Promise((resolve) => this.#syncWaiters.push(resolve));
  }

  /** Resolves once the replica is in step with the fleet (or rejects after `timeoutMs`). */
  async whenShared(timeoutMs = 5000): Promise<void> {
    if (this.#mode === 'shared') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        sub.dispose();
        reject(new Error(`not in step with Redis after ${timeoutMs} ms: ${this.#reason ?? ''}`));
      }, timeoutMs);
      const sub = this.onStatus((s) => {
        if (s.mode !== 'shared') return;
        clearTimeout(timer);
        sub.dispose();
        resolve();
      });
    });
  }

  shared(): boolean {
    return this.#mode === 'shared';
  }

  nowMs(): number {
    return this.#clock.now();
  }

  adopting(fn: () => void): void {
    this.#adopting = true;
    try {
      fn();
    } finally {
      this.#adopting = false;
    }
  }

  claim(breaker: FleetBreaker): void {
    if (breaker.claiming) return;
    breaker.claiming = true;
    const lease = breaker.local.config.permitTimeoutMs;
    void this.#run(breaker, 'bbClaim', [
      this.#key(breaker.name),
      this.replicaId,
      lease,
      this.#channel,
      this.#opts.idleTtlMs,
      breaker.name,
    ]).finally(() => {
      breaker.claiming = false;
    });
  }

  /** Stops syncing and closes both Redis connections. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    clearInterval(this.#outcomesTimer);
    this.#subscription.dispose();
    await Promise.allSettled([this.#client.quit(), this.#sub.quit()]);
    this.#client.disconnect();
    this.#sub.disconnect();
  }

  #key(name: string): string {
    return `${this.#opts.keyPrefix}br:{${name}}`;
  }

  #onLocalTransition(event: TransitionEvent): void {
    const breaker = this.#breakers.get(event.breaker);
    if (breaker === undefined) return;
    if (event.to === 'open') {
      breaker.pending = 'trip';
      breaker.tripReason = event.reason;
      breaker.tripAnswered = breaker.answered > 0 || event.reason === 'retry_after';
    } else if (event.to === 'closed' && event.reason === 'probe_succeeded') {
      breaker.pending = 'close';
      breaker.closedAlone = this.#mode !== 'shared';
    } else if (event.to === 'closed' || OPERATOR_STATES.has(event.to)) breaker.pending = 'operate';
    else return; // open → half-open happens only while running alone: nothing to tell.
    breaker.newPeriod();
    if (this.#mode === 'shared') void this.#flush(breaker);
  }

  /** Sends a breaker's unacknowledged local transition; on failure the next sync sends it again. */
  async #flush(breaker: FleetBreaker): Promise<void> {
    const pending = breaker.pending;
    if (pending === null) return;
    const local = breaker.local;
    const name = breaker.name;
    const key = this.#key(name);
    let ok: boolean;
    if (pending === 'trip') {
      const snap = local.snapshot();
      ok = await this.#run(breaker, 'bbTrip', [
        key,
        `${this.#opts.keyPrefix}sus:{${name}}`,
        `${this.#opts.keyPrefix}bw:{${name}}`,
        this.replicaId,
        Math.max(1, Math.round(local.msUntilAdmission())),
        snap.consecutiveOpens,
        breaker.tripReason,
        breaker.tripAnswered ? 1 : 0,
        this.#replicas,
        this.#channel,
        this.#opts.idleTtlMs,
        name,
        Math.max(30_000, local.config.openMs),
      ]);
    } else if (pending === 'close') {
      ok = await this.#run(breaker, 'bbClose', [
        key,
        this.replicaId,
        'probe_succeeded',
        this.#channel,
        this.#opts.idleTtlMs,
        name,
        breaker.closedAlone ? 1 : 0,
      ]);
    } else {
      const state = local.state;
      ok = await this.#run(breaker, 'bbOperate', [
        key,
        `${this.#opts.keyPrefix}bw:{${name}}`,
        this.replicaId,
        state,
        OPERATOR_REASON[state] ?? 'reset',
        this.#channel,
        OPERATOR_STATES.has(state) ? OPERATOR_TTL_MS : this.#opts.idleTtlMs,
        name,
      ]);
    }
    if (ok && breaker.pending === pending) breaker.pending = null;
  }

  /** Runs one script for `breaker` and takes its answer over. False when Redis did not answer. */
  async #run(
    breaker: FleetBreaker,
    command: Exclude<keyof ScriptClient, 'bbRate' | 'bbOutcomes'>,
    args: (string | number)[],
  ): Promise<boolean> {
    try {
      const reply = await (this.#client as unknown as ScriptClient)[command](...args);
      const verdict = reply[7] as FleetVerdict['verdict'];
      // A trip kept on this replica (the sick-replica rule) leaves the fleet's state alone.
      if (verdict !== 'local') breaker.apply(parseReply(reply), true);
      this.#verdicts.emit({
        breaker: breaker.name,
        command: COMMANDS[command],
        verdict,
        state: reply[0],
      });
      return true;
    } catch (error) {
      this.#goLocal((error as Error).message);
      return false;
    }
  }

  /**
   * Sends every breaker's recent outcomes in one pipeline (one round trip per batch, not per
   * request). The fleet's counts then trip the fleet's breaker when, together, the replicas'
   * failures reach a threshold none of them reached alone.
   */
  async #sendOutcomes(): Promise<void> {
    if (this.#sendingOutcomes || this.#mode !== 'shared') return;
    const batch = [...this.#breakers.values()].filter((b) => b.hasUnsent);
    if (batch.length === 0) return;
    this.#sendingOutcomes = true;
    const pipe = this.#client.pipeline();
    const prefix = this.#opts.keyPrefix;
    for (const args of outcomeBatch(batch, prefix, this.replicaId, this.#channel, this.#opts)) {
      (pipe as unknown as Record<string, (...a: (string | number)[]) => void>).bbOutcomes?.(
        ...args,
      );
    }
    try {
      const results = (await pipe.exec()) ?? [];
      results.forEach(([error, reply], i) => {
        const breaker = batch[i];
        const r = reply as Reply;
        if (!error && breaker !== undefined && r[7] === 'applied')
          breaker.apply(parseReply(r), true);
      });
    } catch (error) {
      // Lost outcomes only delay a fleet-wide trip: every replica still trips on its own.
      this.#goLocal((error as Error).message);
    } finally {
      this.#sendingOutcomes = false;
    }
  }

  #onMessage(message: string): void {
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(message) as Record<string, unknown>;
    } catch {
      return;
    }
    const breaker = typeof m.name === 'string' ? this.#breakers.get(m.name) : undefined;
    if (breaker === undefined) return;
    breaker.apply(
      {
        state: String(m.s),
        generation: Number(m.g),
        untilMs: Number(m.u),
        opens: Number(m.o),
        reason: String(m.r),
        holder: String(m.h),
        nowMs: Number(m.now),
      },
      false,
    );
  }

  /**
   * The periodic sync: says this replica is alive, counts the live ones, sends transitions Redis
   * missed, and takes over any newer fleet state (a lost pub/sub message costs at most one sync).
   */
  async #sync(): Promise<void> {
    if (this.#syncing || this.#closed) return;
    this.#syncing = true;
    try {
      const nowEpoch = this.#clock.epochMs();
      const forgetBefore = nowEpoch - 3 * this.#opts.syncMs - 60_000;
      const pipe = this.#client.pipeline();
      pipe.zadd(this.#replicasKey, nowEpoch, this.replicaId);
      pipe.zremrangebyscore(this.#replicasKey, '-inf', forgetBefore);
      pipe.zrange(this.#replicasKey, 0, -1, 'WITHSCORES');
      pipe.pexpire(this.#replicasKey, 10 * this.#opts.syncMs + 60_000);
      const names = [...this.#breakers.keys()];
      for (const name of names) {
        (pipe as unknown as Record<string, (...a: string[]) => void>).bbRead?.(this.#key(name));
      }
      const results = await pipe.exec();
      if (results === null) throw new Error('Redis pipeline aborted');
      for (const [error] of results) if (error) throw error;
      const seen = (results[2]?.[1] ?? []) as string[];
      const fleet: { replicaId: string; lastSeenMsAgo: number; inStep: boolean }[] = [];
      for (let i = 0; i + 1 < seen.length; i += 2) {
        const lastSeenMsAgo = Math.max(0, nowEpoch - Number(seen[i + 1]));
        fleet.push({
          replicaId: seen[i] as string,
          lastSeenMsAgo,
          inStep: lastSeenMsAgo <= 3 * this.#opts.syncMs,
        });
      }
      this.#fleet = fleet;
      this.#replicas = Math.max(1, fleet.filter((r) => r.inStep).length);
      await this.spend.sync(new Date(nowEpoch).toISOString().slice(0, 10));
      this.#lastSyncAtEpochMs = nowEpoch;
      this.#goShared();
      const waiters = this.#syncWaiters;
      this.#syncWaiters = [];
      names.forEach((name, i) => {
        const breaker = this.#breakers.get(name);
        const reply = results[4 + i]?.[1] as Reply | undefined;
        if (breaker === undefined || reply === undefined) return;
        if (breaker.pending !== null) void this.#flush(breaker);
        else breaker.apply(parseReply(reply), false);
      });
      for (const w of waiters) w();
    } catch (error) {
      this.#goLocal((error as Error).message);
    } finally {
      this.#syncing = false;
    }
  }

  #goShared(): void {
    if (this.#mode === 'shared') return;
    this.#mode = 'shared';
    this.#reason = null;
    this.#statusEvents.emit(this.status());
  }

  #goLocal(reason: string): void {
    this.#reason = this.#secret === '' ? reason : reason.split(this.#secret).join('[redacted]');
    if (this.#mode === 'local') return;
    this.#mode = 'local';
    this.#statusEvents.emit(this.status());
  }
}
