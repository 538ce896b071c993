/**
 * The JSONL request log (`server.requestLog`): one line per model request (chat, embeddings),
 * for spend and incident review. It names the client key by its *name*, never the key; message
 * content is left out unless `content: true`.
 */
import type { RequestLogSettings } from '../config/index.js';
import { ConfigError } from '../core/index.js';
import type { Exchange } from './exchange.js';
import type { GatewayLogger } from './log.js';
import { RotatingFile } from './rotating-file.js';

/** What `content: true` adds to a line. */
export interface LoggedContent {
  /** The request's `messages` (chat) or `input` (embeddings). */
  readonly request?: unknown;
  /** The answer's message contents, one per choice (JSON chat answers only). */
  readonly response?: readonly unknown[];
}

/** The JSONL request log of one gateway. */
export class RequestLog {
  /** Whether lines carry message content. */
  readonly content: boolean;
  readonly #file: RotatingFile;

  /** @throws ConfigError at `server.requestLog.path` when the file cannot be opened */
  constructor(settings: RequestLogSettings, logger: GatewayLogger) {
    this.content = settings.content;
    try {
      this.#file = new RotatingFile({
        path: settings.path,
        maxBytes: settings.maxBytes,
        maxFiles: settings.maxFiles,
        onError: (error) => {
          logger.error(
            { event: 'request_log_failed', err: error },
            'request log: write failed; request logging stopped',
          );
        },
      });
    } catch (error) {
      throw new ConfigError([
        {
          path: 'server.requestLog.path',
          message: `cannot open ${settings.path}: ${(error as Error).message}`,
        },
      ]);
    }
  }

  /**
   * Logs a finished exchange if it was a model request (chat, embeddings); a stream's line waits
   * for its report (tokens, cost). `nowMs`: when it finished, on the exchange's clock.
   */
  record(ex: Exchange, nowMs: number): void {
    if (ex.route !== 'chat' && ex.route !== 'embeddings') return;
    if (ex.reportPending === undefined) this.#write(ex, nowMs);
    else
      void ex.reportPending.then(() => {
        this.#write(ex, nowMs);
      });
  }

  #write(ex: Exchange, nowMs: number): void {
    const line = ex.logLine(nowMs);
    const record = {
      time: new Date().toISOString(),
      ...line,
      ...(this.content && ex.content !== undefined && { content: ex.content }),
    };
    this.#file.writeLine(JSON.stringify(record));
  }

  /** Flushes and closes the file. */
  close(): Promise<void> {
    return this.#file.close();
  }
}

/** The request log `options.requestLog` (else the engine's `server.requestLog`) asks for, opened. */
export function openRequestLog(
  options: {
    readonly requestLog?: RequestLogSettings;
    readonly engine: { readonly config: { readonly server: { requestLog?: RequestLogSettings } } };
  },
  logger: GatewayLogger,
): RequestLog | undefined {
  const settings = options.requestLog ?? options.engine.config.server.requestLog;
  return settings === undefined ? undefined : new RequestLog(settings, logger);
}

/** The content of a request body worth logging: `messages` or `input`. */
export function requestContent(body: unknown): LoggedContent {
  const b = body as { messages?: unknown; input?: unknown } | null | undefined;
  if (b?.messages !== undefined) return { request: b.messages };
  if (b?.input !== undefined) return { request: b.input };
  return {};
}

/** Adds a JSON chat answer's message contents to `content`. */
export function withResponseContent(content: LoggedContent, answer: unknown): LoggedContent {
  const choices = (answer as { choices?: unknown } | null | undefined)?.choices;
  if (!Array.isArray(choices)) return content;
  return {
    ...content,
    response: choices.map(
      (c) => (c as { message?: { content?: unknown } } | null)?.message?.content ?? null,
    ),
  };
}
