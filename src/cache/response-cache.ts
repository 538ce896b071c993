/**
 * An in-memory, exact-match response cache: LRU, bounded by entry count and by bytes, with a
 * fresh window and a longer stale window, read through an injected clock (no timers).
 *
 * Values are stored as their JSON text, not as the object handed to {@link ResponseCache.set}:
 * the stored size is exactly the bytes held, and every hit parses its own copy, so a caller that
 * annotates or trims the completion it got back can never corrupt what the next caller gets.
 */
import { ConfigError, systemClock } from '../core/index.js';
import type { Clock } from '../core/index.js';

/** Options of {@link ResponseCache}. */
export interface ResponseCacheOptions {
  /** Most entries held at once; the least recently used goes first. @default 1000 */
  readonly maxEntries?: number;
  /**
   * Most bytes of stored JSON held at once (UTF-8 length of each entry's text; keys and per-entry
   * bookkeeping, about 200 bytes each, are bounded by `maxEntries` instead). An entry larger than
   * this is never stored. @default 33_554_432 (32 MiB)
   */
  readonly maxBytes?: number;
  /**
   * How long after it was stored an entry is fresh, in ms. `0` makes every entry stale at once:
   * a cache used only as a last resort when every candidate is unavailable. @default 300_000
   */
  readonly ttlMs?: number;
  /**
   * How long after it was stored an entry is kept at all, in ms (measured from storage, like
   * `ttlMs`, not from the end of it). Between `ttlMs` and this, {@link ResponseCache.get} returns
   * it with `fresh: false`, to be served, marked, when every candidate is unavailable. Must be at
   * least `ttlMs`. @default ttlMs (no stale window)
   */
  readonly staleTtlMs?: number;
  /** Time source; only `now()` is used. @default systemClock */
  readonly clock?: Clock;
}

/** What {@link ResponseCache.get} found. */
export interface CacheHit<T> {
  /** A private copy of the stored value, parsed from {@link CacheHit.json} on first access. */
  readonly value: T;
  /** The stored JSON text, e.g. to write as a response body without re-serialising. */
  readonly json: string;
  /** Time since the entry was stored, in ms. */
  readonly ageMs: number;
  /** `ageMs < ttlMs`. A stale hit (`false`) should be served only as a marked last resort. */
  readonly fresh: boolean;
}

/** Counters since construction (or the last {@link ResponseCache.clear}). */
export interface ResponseCacheStats {
  /** Fresh hits. */
  readonly hits: number;
  /** Hits past `ttlMs` but within `staleTtlMs` (whether or not the caller served them). */
  readonly staleHits: number;
  /** Lookups that found nothing, including entries just dropped as expired. */
  readonly misses: number;
  /** Entries removed to make room (count or byte bound). */
  readonly evictions: number;
  /** Entries dropped because they were past `staleTtlMs`. */
  readonly expirations: number;
  /** Values not stored: larger than `maxBytes`, or with no JSON form. */
  readonly rejected: number;
  readonly entries: number;
  readonly bytes: number;
}

interface Entry {
  readonly json: string;
  readonly sizeBytes: number;
  readonly storedAtMs: number;
}

class Hit<T> implements CacheHit<T> {
  readonly json: string;
  readonly ageMs: number;
  readonly fresh: boolean;
  #value: T | undefined;
  #parsed = false;

  constructor(json: string, ageMs: number, fresh: boolean) {
    this.json = json;
    this.ageMs = ageMs;
    this.fresh = fresh;
  }

  get value(): T {
    if (!this.#parsed) {
      this.#value = JSON.parse(this.json) as T;
      this.#parsed = true;
    }
    return this.#value as T;
  }
}

/**
 * Exact-match response cache. Every operation is O(1) (amortised for `set`, which may evict):
 * a `Map` keeps insertion order, and a hit re-inserts its entry, so the first key is always the
 * least recently used.
 *
 * @typeParam T the value type, e.g. a `ChatCompletion`.
 * @throws ConfigError from the constructor when an option is out of range.
 */
export class ResponseCache<T = unknown> {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  readonly #ttlMs: number;
  readonly #staleTtlMs: number;
  readonly #clock: Clock;
  #bytes = 0;
  #hits = 0;
  #staleHits = 0;
  #misses = 0;
  #evictions = 0;
  #expirations = 0;
  #rejected = 0;

  constructor(options: ResponseCacheOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 1000;
    this.#maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
    this.#ttlMs = options.ttlMs ?? 300_000;
    this.#staleTtlMs = options.staleTtlMs ?? this.#ttlMs;
    this.#clock = options.clock ?? systemClock;
    validate({
      maxEntries: this.#maxEntries,
      maxBytes: this.#maxBytes,
      ttlMs: this.#ttlMs,
      staleTtlMs: this.#staleTtlMs,
    });
  }

  /** Number of entries held (expired ones not yet dropped included). */
  get size(): number {
    return this.#entries.size;
  }

  /** Total bytes of stored JSON text. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Looks `key` up and marks it most recently used. An entry past `staleTtlMs` is dropped and
   * reported as a miss.
   */
  get(key: string): CacheHit<T> | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) {
      this.#misses++;
      return undefined;
    }
    const ageMs = Math.max(0, this.#clock.now() - entry.storedAtMs);
    if (ageMs >= this.#staleTtlMs) {
      this.#remove(key, entry);
      this.#expirations++;
      this.#misses++;
      return undefined;
    }
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    const fresh = ageMs < this.#ttlMs;
    if (fresh) this.#hits++;
    else this.#staleHits++;
    return new Hit<T>(entry.json, ageMs, fresh);
  }

  /**
   * Whether `key` holds an entry still within `staleTtlMs`. Changes neither the LRU order nor
   * the counters.
   */
  has(key: string): boolean {
    const entry = this.#entries.get(key);
    return entry !== undefined && this.#clock.now() - entry.storedAtMs < this.#staleTtlMs;
  }

  /**
   * Stores `value` under `key` as most recently used, replacing any entry there, then evicts
   * least recently used entries until both bounds hold.
   *
   * @param json `value`'s JSON text when the caller already has it (e.g. the upstream response
   *   body), to skip serialising again. It must parse to `value`.
   * @returns `false`, storing nothing and removing any previous entry under `key`, when the
   *   text is larger than `maxBytes` or `value` has no JSON form.
   */
  set(key: string, value: T, json?: string): boolean {
    const text = json ?? toJson(value);
    const previous = this.#entries.get(key);
    if (previous !== undefined) this.#remove(key, previous);
    if (text === undefined) {
      this.#rejected++;
      return false;
    }
    const sizeBytes = Buffer.byteLength(text, 'utf8');
    if (sizeBytes > this.#maxBytes) {
      this.#rejected++;
      return false;
    }
    this.#entries.set(key, { json: text, sizeBytes, storedAtMs: this.#clock.now() });
    this.#bytes += sizeBytes;
    this.#evictOverflow();
    return true;
  }

  /** Removes `key`. @returns whether it was there. */
  delete(key: string): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#remove(key, entry);
    return true;
  }

  /** Removes every entry and resets the counters. */
  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
    this.#hits = this.#staleHits = this.#misses = 0;
    this.#evictions = this.#expirations = this.#rejected = 0;
  }

  /**
   * Drops every entry past `staleTtlMs`. Expired entries are otherwise dropped lazily (on `get`,
   * or when they reach the LRU end), which the count and byte bounds make safe; call this from a
   * periodic job to return their memory sooner. O(entries).
   *
   * @returns how many entries were dropped.
   */
  prune(): number {
    const nowMs = this.#clock.now();
    let dropped = 0;
    for (const [key, entry] of this.#entries) {
      if (nowMs - entry.storedAtMs >= this.#staleTtlMs) {
        this.#remove(key, entry);
        dropped++;
      }
    }
    this.#expirations += dropped;
    return dropped;
  }

  /** Counters and current occupancy. */
  stats(): ResponseCacheStats {
    return {
      hits: this.#hits,
      staleHits: this.#staleHits,
      misses: this.#misses,
      evictions: this.#evictions,
      expirations: this.#expirations,
      rejected: this.#rejected,
      entries: this.#entries.size,
      bytes: this.#bytes,
    };
  }

  #evictOverflow(): void {
    const nowMs = this.#clock.now();
    while (this.#entries.size > this.#maxEntries || this.#bytes > this.#maxBytes) {
      // Map iteration order is insertion order and hits re-insert: the first key is the LRU.
      const first = this.#entries.entries().next();
      if (first.done === true) return;
      const [key, entry] = first.value;
      this.#remove(key, entry);
      if (nowMs - entry.storedAtMs >= this.#staleTtlMs) this.#expirations++;
      else this.#evictions++;
    }
  }

  #remove(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#bytes -= entry.sizeBytes;
  }
}

function toJson(value: unknown): string | undefined {
  try {
    // undefined, functions and symbols stringify to undefined: nothing to store.
    return JSON.stringify(value);
  } catch {
    // Cycles and bigints: not a response body.
    return undefined;
  }
}

function validate(o: {
  maxEntries: number;
  maxBytes: number;
  ttlMs: number;
  staleTtlMs: number;
}): void {
  const { maxEntries, maxBytes, ttlMs, staleTtlMs } = o;
  const issues: { path: string; message: string }[] = [];
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    issues.push({ path: 'cache.maxEntries', message: 'must be an integer >= 1' });
  }
  if (Number.isNaN(maxBytes) || maxBytes < 1) {
    issues.push({ path: 'cache.maxBytes', message: 'must be >= 1' });
  }
  if (Number.isNaN(ttlMs) || ttlMs < 0) {
    issues.push({ path: 'cache.ttlMs', message: 'must be >= 0' });
  }
  if (Number.isNaN(staleTtlMs) || staleTtlMs < ttlMs) {
    issues.push({ path: 'cache.staleTtlMs', message: 'must be >= ttlMs' });
  }
  if (issues.length > 0) throw new ConfigError(issues);
}
