/** Address helpers for the commands. */

import { isLoopbackHost } from '../gateway/index.js';

/** True for 127.0.0.0/8, ::1 and localhost: addresses only this machine reaches. */
export const isLoopback = isLoopbackHost;

/**
 * Parses a TCP port option.
 * @throws RangeError when `text` is not an integer in 0..65535
 */
export function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65_535) {
    throw new RangeError(`"${text}" is not a port (an integer from 0 to 65535)`);
  }
  return port;
}

/**
 * The message for a server that could not listen (the port is taken, or needs privileges), or
 * undefined for any other error.
 */
export function listenProblem(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== 'EADDRINUSE' && code !== 'EACCES' && code !== 'EADDRNOTAVAIL') return undefined;
  return `cannot listen: ${(error as Error).message}`;
}
