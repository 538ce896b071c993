/** An error answered with a status the error catalogue does not give it. */
import type { BreakerboxError } from '../core/index.js';

/** A breakerbox error answered with a status of the gateway's choosing. */
export class HttpError extends Error {
  readonly status: number;
  readonly error: BreakerboxError;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, error: BreakerboxError, headers: Record<string, string> = {}) {
    super(error.message);
    this.name = 'HttpError';
    this.status = status;
    this.error = error;
    this.headers = headers;
  }
}
