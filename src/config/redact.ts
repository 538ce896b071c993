import { deepFreeze } from './plain.js';
import type { ResolvedConfig } from './types.js';

const REDACTED = '[redacted]';

/** Header names whose values are credentials. */
const SECRET_HEADER = /auth|key|token|secret|cookie|password/i;

/**
 * A copy of a resolved configuration that is safe to print or log: provider API keys, credential
 * headers, client keys and the admin key replaced with `'[redacted]'`.
 */
export function redactConfig(config: ResolvedConfig): ResolvedConfig {
  const providers = Object.fromEntries(
    Object.entries(config.providers).map(([name, p]) => [
      name,
      {
        ...p,
        ...(p.apiKey === undefined ? {} : { apiKey: REDACTED }),
        headers: Object.fromEntries(
          Object.entries(p.headers).map(([h, v]) => [h, SECRET_HEADER.test(h) ? REDACTED : v]),
        ),
      },
    ]),
  );
  const { adminKey, clientKeys } = config.server;
  const server = {
    ...config.server,
    clientKeys: clientKeys.map((k) => ({ ...k, key: REDACTED })),
    ...(adminKey === undefined ? {} : { adminKey: REDACTED }),
  };
  const { otlp } = config.telemetry;
  const telemetry =
    otlp === undefined
      ? config.telemetry
      : {
          ...config.telemetry,
          otlp: {
            ...otlp,
            headers: Object.fromEntries(
              Object.entries(otlp.headers).map(([h, v]) => [
                h,
                SECRET_HEADER.test(h) ? REDACTED : v,
              ]),
            ),
          },
        };
  const state = { ...config.state, url: redactUrl(config.state.url) };
  return deepFreeze({ ...config, providers, server, telemetry, state });
}

/** A URL with its password (and user) replaced, for logs and status pages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password === '' && u.username === '') return url;
    if (u.password !== '') u.password = REDACTED;
    else u.username = REDACTED;
    return u.toString();
  } catch {
    return REDACTED;
  }
}
