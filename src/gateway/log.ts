/**
 * Structured logs: pino JSON, one line per request and one per breaker transition. Lines are
 * built from plain fields (never from headers or bodies). pino's `redact` censors any key-like
 * field of every other line, as a second line of defence; the per-request line skips it: its
 * fields are fixed by {@link RequestLogLine}, none key-like (a test holds that), so censoring them
 * on every request would only cost CPU.
 */
import { tracingChannel } from 'node:diagnostics_channel';
import { pino } from 'pino';
import type { DestinationStream, Level, Logger } from 'pino';

/** The logger the gateway writes to: a pino logger (tests pass a silent or capturing one). */
export type GatewayLogger = Logger;

/** Fields whose values pino replaces with `[redacted]`, wherever they appear. */
export const REDACT_PATHS: readonly string[] = [
  'authorization',
  '["api-key"]',
  'apiKey',
  'adminKey',
  'key',
  'cookie',
  '*.authorization',
  '*["api-key"]',
  '*.apiKey',
  '*.adminKey',
  '*.key',
  '*.cookie',
  '*.headers.authorization',
  '*.headers["api-key"]',
  '*.headers.cookie',
  'req.headers.authorization',
  'req.headers["api-key"]',
  'req.headers.cookie',
];

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  /** @default 'info' */
  readonly level?: Level | 'silent';
  /**
   * Where lines go. @default stdout through pino's asynchronous destination, batched by
   * {@link BatchedDestination}: lines are written once 64 KiB are pending or at the latest
   * {@link LOG_FLUSH_MS} after the first pending one (a write per ~150 requests under load
   * instead of one each); what is pending is written on `logger.flush()` and on exit.
   */
  readonly destination?: DestinationStream;
}

/** Longest a log line waits in the default destination's buffer, ms. */
export const LOG_FLUSH_MS = 100;
/** A destination pino can flush (sonic-boom, as `pino.destination` makes it). */
type FlushableDestination = DestinationStream & {
  flush(cb?: (err?: Error) => void): void;
  flushSync(): void;
  /** sonic-boom's mode: true writes each chunk with `fs.writeSync`. */
  sync?: boolean;
};

/** A destination that takes Buffers (sonic-boom in `contentMode: 'buffer'`). */
interface BufferSink {
  write(chunk: Buffer): unknown;
}

/**
 * Characters the default destination gathers before it writes. Each write costs a thread-pool
 * round besides the copy: 64 KiB batches cost ~1 µs of CPU less per line than 16 KiB ones.
 */
const LOG_BATCH_CHARS = 65_536;

/**
 * Gathers lines in an array and hands them to pino's file destination (sonic-boom) joined, a
 * batch at a time. sonic-boom's own batching appends each line to a growing string and measures
 * its UTF-8 length, which copies the whole pending buffer on every line: ~10% of the bytes a
 * request allocated, at one log line per request. Lines are joined once here instead.
 *
 * With `buffers: true` each batch is handed over as a UTF-8 Buffer, for a sonic-boom in
 * `contentMode: 'buffer'` (the default destination): given a string, sonic-boom has it encoded
 * by `fs.write` and then copies it into a Buffer again once written.
 */
export class BatchedDestination {
  readonly #dest: FlushableDestination;
  readonly #batchChars: number;
  readonly #flushMs: number;
  readonly #buffers: boolean;
  #lines: string[] = [];
  #chars = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    dest: FlushableDestination,
    options: { batchChars?: number; flushMs?: number; buffers?: boolean } = {},
  ) {
    this.#dest = dest;
    this.#batchChars = options.batchChars ?? LOG_BATCH_CHARS;
    this.#flushMs = options.flushMs ?? LOG_FLUSH_MS;
    this.#buffers = options.buffers ?? false;
    watchExit(this);
  }

  /** Lines pending here, not yet handed to the destination. */
  get pendingLines(): number {
    return this.#lines.length;
  }

  write(line: string): boolean {
    this.#lines.push(line);
    this.#chars += line.length;
    if (this.#chars >= this.#batchChars) this.#handOver();
    else if (this.#timer === undefined) {
      this.#timer = setTimeout(this.#onTimer, this.#flushMs);
      this.#timer.unref();
    }
    return true;
  }

  /** Hands every pending line over and asks the destination to write them (pino's `flush`). */
  flush(cb?: (err?: Error) => void): void {
    this.#handOver();
    this.#dest.flush(cb);
  }

  /** Writes every pending line now, synchronously (pino's exit path). */
  flushSync(): void {
    // Handed over in the destination's async mode, the last batch would start an `fs.write`
    // that sonic-boom's flushSync leaves alone and a process exiting does not wait for: the
    // batch could be lost. Written synchronously instead.
    const dest = this.#dest;
    const wasSync = dest.sync;
    if (wasSync === false) dest.sync = true;
    try {
      this.#handOver();
      dest.flushSync();
    } finally {
      if (wasSync === false) dest.sync = false;
    }
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#handOver();
  };

  #handOver(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#lines.length === 0) return;
    const batch = this.#lines.length === 1 ? (this.#lines[0] as string) : this.#lines.join('');
    this.#lines = [];
    this.#chars = 0;
    if (this.#buffers) (this.#dest as unknown as BufferSink).write(Buffer.from(batch));
    else this.#dest.write(batch);
  }
}

/** Every batched destination still alive: flushed when the process exits. */
const live = new Set<WeakRef<BatchedDestination>>();
let exitWatched = false;

function watchExit(destination: BatchedDestination): void {
  if (live.size >= 64) {
    for (const ref of live) if (ref.deref() === undefined) live.delete(ref);
  }
  live.add(new WeakRef(destination));
  if (exitWatched) return;
  exitWatched = true;
  process.on('exit', () => {
    for (const ref of live) {
      try {
        ref.deref()?.flushSync();
      } catch {
        // A closed destination: nothing more can be written at exit.
      }
    }
  });
}

/** A pino logger with breakerbox's redaction rules. */
export function createLogger(options: CreateLoggerOptions = {}): GatewayLogger {
  const opts = {
    level: options.level ?? 'info',
    base: { service: 'breakerbox' },
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
  };
  const destination =
    options.destination ??
    new BatchedDestination(
      // Writes each batch as it comes (one `fs.write` in flight at a time); the batching is
      // BatchedDestination's.
      pino.destination({ dest: 1, sync: false, minLength: 0, contentMode: 'buffer' }),
      { buffers: true },
    );
  return pino(opts, destination);
}

/**
 * How request lines are written for one logger: through its child without redaction, and, when
 * that child is a plain pino logger (default log formatter, no mixin, hooks, message prefix,
 * nested key, serializers or stringifiers for a request line's keys), serialised here with
 * `JSON.stringify` and handed to its destination as the same bytes pino would write.
 */
interface RequestWriter {
  readonly child: GatewayLogger;
  /** The child's pino internals the direct path needs; undefined: write through pino. */
  readonly direct: DirectWrite | undefined;
}

interface DirectWrite {
  /** `{"level":N` at info and at warn, as pino caches them. */
  readonly infoPrefix: string;
  readonly warnPrefix: string;
  /** pino's `,"time":...` for now. */
  readonly time: () => string;
  /** The bindings (`,"pid":...,"service":...`), as pino serialised them once. */
  readonly bindings: string;
  /** `,"msg":"request"` and the line's end. */
  readonly tail: string;
  readonly stream: DestinationStream;
}

/** pino's internal keys (`pino.symbols`), typed for the reads below. */
const sym = pino.symbols as unknown as Record<string, symbol>;
/** pino traces its serialisation on this channel; with a subscriber, pino writes the line. */
const asJsonTrace = tracingChannel('pino_asJson');
/** Keys a request line (and an attempt entry) may have. */
const LINE_KEYS: readonly string[] = [
  'requestId',
  'method',
  'route',
  'status',
  'outcome',
  'durationMs',
  'model',
  'servedModel',
  'deployment',
  'fallback',
  'attempts',
  'attemptLog',
  'stream',
  'promptTokens',
  'completionTokens',
  'costUsd',
  'ttftMs',
  'errorCode',
  'errorDetail',
  'client',
];
/** pino's own methods, from a logger built with defaults: a logger with others writes itself. */
const reference = pino({ level: 'silent' }) as unknown as Record<symbol, unknown>;

/** What the direct path needs of `child`, or undefined when pino must write its lines. */
function directWrite(child: GatewayLogger): DirectWrite | undefined {
  const c = child as unknown as Record<symbol, unknown>;
  const formatters = c[sym.formattersSym as symbol] as { log?: unknown };
  const hooks = c[sym.hooksSym as symbol] as { logMethod?: unknown; streamWrite?: unknown };
  const serializers = c[sym.serializersSym as symbol] as Record<string, unknown>;
  const stringifiers = c[sym.stringifiersSym as symbol] as Record<string | symbol, unknown>;
  const stream = c[sym.streamSym as symbol] as Record<symbol, unknown> | undefined;
  const messageKey = c[sym.messageKeySym as symbol];
  const levelPrefix = c[sym.lsCacheSym as symbol] as Record<number, string> | undefined;
  const info = child.levels.values.info;
  const warn = child.levels.values.warn;
  const plain =
    formatters.log === undefined &&
    c[sym.mixinSym as symbol] === undefined &&
    hooks.logMethod === undefined &&
    hooks.streamWrite === undefined &&
    c[sym.msgPrefixSym as symbol] === undefined &&
    !c[sym.nestedKeySym as symbol] &&
    c[sym.asJsonSym as symbol] === reference[sym.asJsonSym as symbol] &&
    c[sym.writeSym as symbol] === reference[sym.writeSym as symbol] &&
    stringifiers[sym.wildcardFirstSym as symbol] === undefined &&
    typeof messageKey === 'string' &&
    !LINE_KEYS.includes(messageKey) &&
    !LINE_KEYS.includes(c[sym.errorKeySym as symbol] as string) &&
    LINE_KEYS.every((k) => serializers[k] === undefined && stringifiers[k] === undefined) &&
    typeof (stream as { write?: unknown } | undefined)?.write === 'function' &&
    stream !== undefined &&
    stream[sym.needsMetadataGsym as symbol] !== true &&
    info !== undefined &&
    warn !== undefined &&
    typeof levelPrefix?.[info] === 'string' &&
    typeof levelPrefix[warn] === 'string';
  if (!plain) return undefined;
  const time = c[sym.timeSym as symbol] as () => string;
  return {
    infoPrefix: levelPrefix[info] as string,
    warnPrefix: levelPrefix[warn] as string,
    time: () => time.call(child),
    bindings: c[sym.chindingsSym as symbol] as string,
    tail: `,"${messageKey}":"request"${c[sym.endSym as symbol] as string}`,
    stream: stream as unknown as DestinationStream,
  };
}

/** Per logger, how its request lines are written. */
const requestWriters = new WeakMap<GatewayLogger, RequestWriter>();

function requestWriter(logger: GatewayLogger): RequestWriter {
  let writer = requestWriters.get(logger);
  if (writer === undefined) {
    const child = logger.child({}, { redact: { paths: [] } });
    writer = { child, direct: directWrite(child) };
    requestWriters.set(logger, writer);
  }
  // A child keeps the level it was made with: follow the parent's if it changed since.
  if (writer.child.level !== logger.level) writer.child.level = logger.level;
  return writer;
}

/** A logger that writes nothing. */
export function silentLogger(): GatewayLogger {
  return pino({ level: 'silent' });
}

/** One candidate skipped or failed while serving a request, as logged. */
export interface AttemptLogEntry {
  readonly deployment: string;
  readonly result: 'skipped' | 'failed' | 'succeeded';
  /** An error code (`breaker_open`, ...) or a failure kind (`network`, `server_error`, ...). */
  readonly reason: string;
  readonly status?: number;
  /** For network failures: errno, `host:port` and TLS reason (`ECONNREFUSED 127.0.0.1:9`). */
  readonly detail?: string;
}

/**
 * One finished HTTP request, as logged. Every field is plain data without secrets. Tokens and
 * cost come from this request's own result (never from an event matched by request id).
 */
export interface RequestLogLine {
  readonly requestId: string;
  readonly method: string;
  readonly route: string;
  readonly status: number;
  /** `success`, `fallback`, `cached`, `static`, `error`, `cancelled`, or `ok` for non-model routes. */
  readonly outcome: string;
  readonly durationMs: number;
  readonly model?: string;
  readonly servedModel?: string | null;
  readonly deployment?: string | null;
  readonly fallback?: string;
  /** Upstream calls made. */
  readonly attempts?: number;
  /** Every candidate skipped or failed before the answer (or the error), in order. */
  readonly attemptLog?: readonly AttemptLogEntry[];
  readonly stream?: boolean;
  readonly promptTokens?: number;
  readonly completionTokens?: number;
  readonly costUsd?: number;
  readonly ttftMs?: number;
  readonly errorCode?: string;
  /** The network detail of a failed stream's error (errno, address, TLS reason), if any. */
  readonly errorDetail?: string;
  /** The client key's *name*. */
  readonly client?: string;
}

/**
 * Writes a request line at `info` (`warn` for 5xx). Its fields are {@link RequestLogLine}'s
 * plain data, so it skips the redaction pass (see the file's comment).
 */
export function logRequest(logger: GatewayLogger, line: RequestLogLine): void {
  const { child, direct } = requestWriter(logger);
  const warn = line.status >= 500;
  if (direct !== undefined && !asJsonTrace.hasSubscribers) {
    if (!child.isLevelEnabled(warn ? 'warn' : 'info')) return;
    // One flat string from JSON.stringify: cheaper to build, and to join into a batch, than the
    // rope pino concatenates field by field. Where it writes a `\u` escape (a control character,
    // a lone surrogate), pino may escape differently: such rare lines go through pino.
    const json = JSON.stringify(line);
    if (json.length > 2 && !json.includes('\\u')) {
      const prefix = warn ? direct.warnPrefix : direct.infoPrefix;
      direct.stream.write(
        prefix + direct.time() + direct.bindings + ',' + json.slice(1, -1) + direct.tail,
      );
      return;
    }
  }
  if (warn) child.warn(line, 'request');
  else child.info(line, 'request');
}

/** Writes a breaker transition at `warn` when it opens, `info` otherwise. */
export function logTransition(
  logger: GatewayLogger,
  t: { deployment: string; from: string; to: string; reason: string },
): void {
  const line = { event: 'transition', ...t };
  if (t.to === 'open' || t.to === 'forced-open') logger.warn(line, 'circuit transition');
  else logger.info(line, 'circuit transition');
}
