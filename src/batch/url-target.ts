/**
 * Runs lines against a breakerbox gateway (or any OpenAI-compatible endpoint) over HTTP with
 * undici: `POST {baseURL}/chat/completions` or `/embeddings`. What breakerbox did is read back
 * from the `x-breakerbox-*` headers, tokens from the body's `usage`, cost from a price table.
 */
import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';
import type { Clock } from '../core/index.js';
import { DEFAULT_PRICES, costUsd, priceFor } from '../cost/index.js';
import type { PriceTable } from '../cost/index.js';
import { admitAfterSkips, failedMeta, requestedModelOf, usageOf } from './target.js';
import type { LineExecutor, LineOutcome, LineRequest } from './target.js';

/** A gateway target. */
export interface UrlTargetOptions {
  /** Including `/v1`, e.g. `http://127.0.0.1:8080/v1`. */
  readonly baseURL: string;
  /** Sent as `Authorization: Bearer …`; never logged. */
  readonly apiKey?: string;
  /** @default an undici Agent with `concurrency` connections */
  readonly dispatcher?: Dispatcher;
  /** Prices for the cost figures. @default DEFAULT_PRICES */
  readonly prices?: PriceTable;
}

/** Socket errors meaning the gateway is not there (yet): wait and try the line again. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);
const UNREACHABLE_WAIT_MS = 1000;

type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function retryAfterMs(headers: Headers): number | undefined {
  const ms = Number(header(headers, 'retry-after-ms'));
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const s = Number(header(headers, 'retry-after'));
  return Number.isFinite(s) && s >= 0 ? s * 1000 : undefined;
}

interface Answer {
  readonly statusCode: number;
  readonly headers: Headers;
  readonly text: string;
}

function outcomeOf(
  answer: Answer,
  req: LineRequest,
  prices: PriceTable,
  durationMs: number,
): LineOutcome {
  const { statusCode, headers, text } = answer;
  const body = parse(text);
  const ok = statusCode >= 200 && statusCode < 300;
  const requestedModel = requestedModelOf(req.body);
  const error = (body as { error?: { code?: unknown; attempts?: unknown } } | null)?.error;
  const code = typeof error?.code === 'string' ? error.code : null;
  const fallback = header(headers, 'x-breakerbox-fallback');
  const servedModel = ok
    ? (header(headers, 'x-breakerbox-model') ?? (body as { model?: string }).model ?? null)
    : null;
  const usage = usageOf(body);
  const price = (model: string | null | undefined) =>
    model === null || model === undefined ? undefined : priceFor(model, prices);
  const attempts = Number(header(headers, 'x-breakerbox-attempts'));
  return {
    type: 'http',
    statusCode,
    requestId: header(headers, 'x-request-id') ?? req.requestId,
    bodyText: typeof body === 'string' ? undefined : text,
    body,
    errorCode: ok ? null : (code ?? `http_${statusCode}`),
    meta: {
      requestedModel,
      servedModel,
      deployment: ok ? (header(headers, 'x-breakerbox-deployment') ?? null) : null,
      fallbackUsed: fallback !== undefined && fallback !== 'none',
      calls: Number.isFinite(attempts) ? attempts : 1,
      ...usage,
      costUsd: costUsd(usage, price(servedModel)),
      costIfRequestedUsd: costUsd(usage, price(requestedModel)),
      durationMs,
    },
    admitAfterMs:
      statusCode === 429 || statusCode === 503
        ? admitAfterSkips(error?.attempts, retryAfterMs(headers))
        : undefined,
  };
}

async function send(
  url: string,
  req: LineRequest,
  opts: { dispatcher: Dispatcher; apiKey: string | undefined },
): Promise<Answer> {
  const res = await request(url, {
    method: 'POST',
    dispatcher: opts.dispatcher,
    signal: req.signal,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      'x-request-id': req.requestId,
      ...(opts.apiKey !== undefined && { authorization: `Bearer ${opts.apiKey}` }),
    },
    body: JSON.stringify(req.body),
  });
  return { statusCode: res.statusCode, headers: res.headers, text: await res.body.text() };
}

/** An executor over a gateway URL. */
export function urlExecutor(
  options: UrlTargetOptions,
  concurrency: number,
  clock: Clock,
): LineExecutor {
  const dispatcher = options.dispatcher ?? new Agent({ connections: concurrency });
  const owned = options.dispatcher === undefined ? dispatcher : undefined;
  const base = options.baseURL.replace(/\/+$/, '');
  const prices = options.prices ?? DEFAULT_PRICES;
  return {
    async execute(req) {
      const url = `${base}/${req.route === 'chat' ? 'chat/completions' : 'embeddings'}`;
      const startedMs = clock.now();
      try {
        const answer = await send(url, req, { dispatcher, apiKey: options.apiKey });
        return outcomeOf(answer, req, prices, clock.now() - startedMs);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        const reason = typeof code === 'string' ? code : 'request failed';
        return {
          type: 'error',
          code: 'gateway_unreachable',
          message: `POST ${url}: ${reason}`,
          meta: failedMeta(req.body, clock.now() - startedMs),
          admitAfterMs:
            typeof code === 'string' && UNREACHABLE.has(code) ? UNREACHABLE_WAIT_MS : undefined,
        };
      }
    },
    close: () => owned?.close() ?? Promise.resolve(),
  };
}
