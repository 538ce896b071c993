/**
 * The connector every provider's Agent uses: undici's own, with a connect timer that fires on
 * time.
 */
import { buildConnector, errors as undiciErrors } from 'undici';
import type { Clock } from '../core/index.js';
import { isTimerMs } from './attempt.js';

/** Longest timer undici and Node accept (2^31 - 1 ms); longer values would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * undici's connector with our own connect timer: undici's `connect.timeout` runs on its 500 ms
 * tick and fires up to a second late, so it is off (0) and the clock's timer destroys the socket
 * at `connectMs` instead, failing the connect with undici's own `ConnectTimeoutError`
 * (`UND_ERR_CONNECT_TIMEOUT`, classified `connect_timeout`).
 */
export function preciseConnector(
  connectMs: number,
  clock: Clock,
  base: buildConnector.connector = buildConnector({ timeout: 0 }),
): buildConnector.connector {
  if (!isTimerMs(connectMs)) return base;
  const ms = Math.min(connectMs, MAX_TIMER_MS);
  // undici's connector returns the socket it is connecting (its typings say void).
  const connect = base as unknown as (
    opts: buildConnector.Options,
    cb: buildConnector.Callback,
  ) => { destroy(): void } | undefined;
  return (opts, callback) => {
    let settled = false;
    const cancel = clock.setTimer(ms, () => {
      if (settled) return;
      settled = true;
      socket?.destroy();
      const where = `${opts.hostname}:${opts.port || (opts.protocol === 'https:' ? '443' : '80')}`;
      callback(
        new undiciErrors.ConnectTimeoutError(`connect to ${where} timed out after ${ms} ms`),
        null,
      );
    });
    const onConnect: buildConnector.Callback = (err, s) => {
      if (settled) {
        s?.destroy();
        return;
      }
      settled = true;
      cancel();
      if (err) callback(err, null);
      else callback(null, s);
    };
    const socket = connect(opts, onConnect);
  };
}
