/**
 * The control routes, so another process (the CLI, a benchmark driver) can steer a running
 * simulator: `GET /sim/stats`, `POST /sim/faults` (`{model, faults}`), `POST /sim/reset` and
 * `POST /sim/scenario`. They need no key and are never counted as calls.
 */
import type { IncomingMessage } from 'node:http';
import type { Exchange } from './exchange.js';
import type { Faults, Scenario } from './types.js';
import { SimValidationError, parseFaults, parseScenario } from './validate.js';
import { invalidJson, sendError, sendJson } from './wire.js';

/** What the control routes act on. */
export interface ControlTarget {
  setFaults(model: string, faults: Faults | null): void;
  schedule(scenario: Scenario): unknown;
  /** Cancels pending scenario steps, clears every fault, zeroes the counters. */
  reset(): void;
  /** The `GET /sim/stats` body. */
  statsBody(): object;
}

function setFaults(target: ControlTarget, body: unknown): object {
  const { model, faults } = (body ?? {}) as { model?: unknown; faults?: unknown };
  if (typeof model !== 'string' || model === '') {
    throw new SimValidationError('model', 'must be a non-empty string');
  }
  target.setFaults(model, faults === null ? null : parseFaults(faults));
  return { ok: true, model };
}

/**
 * Answers a control route.
 * @returns the work under way, or undefined when `method` and `path` are not a control route
 */
export function routeControl(options: {
  target: ControlTarget;
  method: string;
  path: string;
  req: IncomingMessage;
  exchange: Exchange;
}): Promise<void> | undefined {
  const { target, method, path, req, exchange } = options;
  if (method === 'GET' && path === '/sim/stats') {
    sendJson(exchange, 200, JSON.stringify(target.statsBody()));
    return Promise.resolve();
  }
  if (method !== 'POST') return undefined;
  switch (path) {
    case '/sim/faults':
      return control(req, exchange, (body) => setFaults(target, body));
    case '/sim/reset':
      return control(req, exchange, () => {
        target.reset();
        return { ok: true };
      });
    case '/sim/scenario':
      return control(req, exchange, (body) => {
        const scenario = parseScenario(body);
        target.schedule(scenario);
        return { ok: true, steps: scenario.steps.length };
      });
    default:
      return undefined;
  }
}

async function control(
  req: IncomingMessage,
  exchange: Exchange,
  act: (body: unknown) => object,
): Promise<void> {
  let text = '';
  req.setEncoding('utf8');
  for await (const chunk of req) text += chunk as string;
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    sendError(exchange, invalidJson());
    return;
  }
  try {
    sendJson(exchange, 200, JSON.stringify(act(body)));
  } catch (error) {
    if (!(error instanceof SimValidationError)) throw error;
    sendError(exchange, {
      status: 400,
      message: error.message,
      type: 'invalid_request_error',
      param: error.path,
      code: 'invalid_value',
    });
  }
}
