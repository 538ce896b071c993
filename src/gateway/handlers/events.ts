/**
 * Writes a Responses stream as server-sent events, straight to the socket, with the same rules
 * as a chat stream (`stream.ts`): one `res.write` per batch of ready events, awaiting `'drain'`
 * when the socket buffer is full. The Responses API has no `[DONE]`: the response ends after the upstream's
 * `response.completed`; a failure after content ends it with a Responses `error` event instead.
 */
import type { ServerResponse } from 'node:http';
import { responsesSse } from '../../engine/index.js';
import type { ResponsesStream } from '../../engine/index.js';
import { pump } from './stream.js';
import type { StreamEnd } from './stream.js';

/** Sends the Responses stream to `res`. Never throws. */
export function pumpEvents(stream: ResponsesStream, res: ServerResponse): Promise<StreamEnd> {
  return pump(stream, res, responsesSse(stream));
}
