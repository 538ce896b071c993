/**
 * A requests-and-tokens-per-minute limit spent by the whole fleet: every admission is checked
 * against one pair of buckets in Redis (one round trip, atomic), so three replicas under a 600 rpm
 * limit admit 600 requests a minute between them, not 1,800. When Redis does not answer in time,
 * the replica falls back to a local limiter holding its share (the limit divided by the replicas
 * last seen alive): no request fails because Redis did, and the fleet still stays near its limit.
 */
import { RateLimiter } from '../core/index.js';
import type { Clock } from '../core/index.js';

/** The router's admission answers, structurally (state/ does not import the router). */
interface Denied {
  readonly admitted: false;
  readonly reason: 'rate_limited';
  readonly retryAfterMs: number;
}
interface Granted {
  readonly admitted: true;
  refund(): void;
  settle(actualTokens: number | undefined): void;
}

/** What a shared limit needs from the store. */
export interface RateLink {
  shared(): boolean;
  /** Live replicas last counted (at least 1). */
  replicas(): number;
  /** Runs the RATE script; rejects when Redis does not answer. */
  rate(
    key: string,
    rpm: number,
    tpm: number,
    requests: number,
    tokens: number,
    mode: 'try' | 'charge',
  ): Promise<[number, number]>;
}

export interface SharedRateLimitOptions {
  /** The limit's Redis key (hash-tagged by the store). */
  readonly key: string;
  readonly rpm?: number;
  readonly tpm?: number;
  readonly clock: Clock;
}

export class SharedRateLimit {
  readonly #link: RateLink;
  readonly #key: string;
  readonly #rpm: number;
  readonly #tpm: number;
  readonly #clock: Clock;
  #local: RateLimiter;
  #localShare: number;

  constructor(link: RateLink, options: SharedRateLimitOptions) {
    this.#link = link;
    this.#key = options.key;
    this.#rpm = options.rpm ?? 0;
    this.#tpm = options.tpm ?? 0;
    this.#clock = options.clock;
    this.#localShare = 1;
    this.#local = this.#localLimiter(1);
  }

  tryAdmit(estimatedTokens: number): Denied | Granted | Promise<Denied | Granted> {
    if (!this.#link.shared()) return this.#admitLocally(estimatedTokens);
    return this.#link.rate(this.#key, this.#rpm, this.#tpm, 1, estimatedTokens, 'try').then(
      ([admitted, waitMs]): Denied | Granted =>
        admitted === 1
          ? this.#sharedGrant(estimatedTokens)
          : { admitted: false, reason: 'rate_limited', retryAfterMs: waitMs },
      () => this.#admitLocally(estimatedTokens),
    );
  }

  #sharedGrant(estimatedTokens: number): Granted {
    const correct = (requests: number, tokens: number): void => {
      // Best effort: a correction Redis misses only makes the shared bucket a little stricter.
      this.#link.rate(this.#key, this.#rpm, this.#tpm, requests, tokens, 'charge').catch(() => {
        /* Redis gone: nothing to correct against */
      });
    };
    return {
      admitted: true,
      refund: () => {
        correct(-1, -estimatedTokens);
      },
      settle: (actual) => {
        if (actual !== undefined && actual !== estimatedTokens && this.#tpm > 0) {
          correct(0, actual - estimatedTokens);
        }
      },
    };
  }

  #admitLocally(estimatedTokens: number): Denied | Granted {
    const share = this.#link.replicas();
    if (share !== this.#localShare) {
      this.#localShare = share;
      this.#local = this.#localLimiter(share);
    }
    const local = this.#local;
    if (!local.tryAcquire(estimatedTokens)) {
      return {
        admitted: false,
        reason: 'rate_limited',
        retryAfterMs: local.msUntil(estimatedTokens),
      };
    }
    return {
      admitted: true,
      refund: () => {
        local.refund(estimatedTokens);
      },
      settle: (actual) => {
        if (actual !== undefined) local.settle(estimatedTokens, actual);
      },
    };
  }

  #localLimiter(share: number): RateLimiter {
    return new RateLimiter({
      ...(this.#rpm > 0 && { rpm: this.#rpm / share }),
      ...(this.#tpm > 0 && { tpm: this.#tpm / share }),
      clock: this.#clock,
    });
  }
}
