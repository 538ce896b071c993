import type { IncomingMessage } from 'node:http';
import { authError, type ApiError } from './wire.js';

/**
 * Checks the request's key against `apiKey`: `Authorization: Bearer <key>`, or the Azure-style
 * `api-key` header. The key is never echoed in the error.
 * @returns the 401 to send, or undefined when the key is right
 */
export function checkApiKey(req: IncomingMessage, apiKey: string): ApiError | undefined {
  const header = req.headers.authorization;
  const key =
    header?.startsWith('Bearer ') === true ? header.slice(7).trim() : req.headers['api-key'];
  if (key === apiKey) return undefined;
  return authError(key !== undefined && key !== '');
}
