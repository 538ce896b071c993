/**
 * One budget of request body bytes buffered across every request at once, so that many slow
 * clients each holding an unfinished large body cannot fill memory: a request reserves its
 * declared `Content-Length` before any byte is read (or grows chunk by chunk without one), is
 * refused with 503 `server_overloaded` when the budget cannot cover it, and gives its bytes back
 * when its exchange ends, aborted or not.
 */
import { HttpRefusedError } from '../core/index.js';
import { HttpError } from './http-error.js';

/** How long a refused client is told to wait, ms. */
const RETRY_AFTER_MS = 1_000;

/** The gateway-wide budget. */
export class BodyBudget {
  readonly limitBytes: number;
  #usedBytes = 0;

  constructor(limitBytes: number) {
    this.limitBytes = limitBytes;
  }

  /** Bytes reserved right now, across every request. */
  get usedBytes(): number {
    return this.#usedBytes;
  }

  /** A hold for one request, empty until it grows. */
  open(): BodyHold {
    return new BodyHold(this);
  }

  /** @internal Takes `bytes` if they fit. */
  take(bytes: number): boolean {
    if (this.#usedBytes + bytes > this.limitBytes) return false;
    this.#usedBytes += bytes;
    return true;
  }

  /** @internal Gives `bytes` back. */
  give(bytes: number): void {
    this.#usedBytes = Math.max(0, this.#usedBytes - bytes);
  }
}

/** One request's share of the {@link BodyBudget}. */
export class BodyHold {
  readonly #budget: BodyBudget;
  #heldBytes = 0;
  #released = false;

  constructor(budget: BodyBudget) {
    this.#budget = budget;
  }

  /** Bytes this request holds. */
  get heldBytes(): number {
    return this.#heldBytes;
  }

  /**
   * Makes sure the hold covers `totalBytes` in all.
   * @returns false when the budget cannot (answer with {@link overloadedError})
   */
  cover(totalBytes: number): boolean {
    const more = totalBytes - this.#heldBytes;
    if (!(more > 0)) return true; // NaN included: Node has already refused a bad length
    if (this.#released || !this.#budget.take(more)) return false;
    this.#heldBytes = totalBytes;
    return true;
  }

  /** Gives every byte back. Idempotent. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#budget.give(this.#heldBytes);
    this.#heldBytes = 0;
  }
}

/** 503 `server_overloaded`, with `connection: close`: the body is left unread. */
export function overloadedError(): HttpError {
  return new HttpError(
    503,
    new HttpRefusedError({
      code: 'server_overloaded',
      retryAfterMs: RETRY_AFTER_MS,
      message:
        'The gateway is buffering as many request bodies as it may (server.maxBufferedBodyBytes); retry shortly.',
    }),
    { connection: 'close' },
  );
}
