/**
 * Writes SSE responses, with the stream faults: delays between events, a cut connection, a
 * stall. Every wait goes through the {@link Exchange}, so a client that goes away stops the
 * writer at its next step and leaves no timer behind.
 */
import type { StreamParts } from './chat-response.js';
import { SSE_CONTENT_TYPE, type Exchange } from './exchange.js';
import type { StreamFaults } from './fault-book.js';
import { OVERLOADED } from './wire.js';

function sendSseHead(exchange: Exchange): void {
  exchange.head(200, {
    'content-type': SSE_CONTENT_TYPE,
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
  });
}

/**
 * Ends the connection abruptly: no finish chunk, no `[DONE]`, no chunked terminator. `end()`
 * (not `destroy()`) so the events already written reach the client before the FIN; the client
 * then sees a body that stops mid-message (undici: `TypeError: terminated`).
 */
function cutConnection(exchange: Exchange): void {
  const { socket } = exchange.res;
  if (socket === null) exchange.destroy();
  else socket.end();
}

/**
 * Streams `parts`. Without delays or cut/stall faults it is one write (the benchmark path).
 * Otherwise each event is written on its own, `chunkDelayMs` apart, waiting for 'drain' when the
 * socket buffer is full; a cut or stall after N content chunks happens after
 * min(N, content chunks) of them, so the fault always shows.
 */
export async function writeStream(
  exchange: Exchange,
  parts: StreamParts,
  faults: StreamFaults,
): Promise<void> {
  if (exchange.isClosed) return;
  sendSseHead(exchange);
  const { chunkDelayMs, cutAfterChunks, stallAfterChunks } = faults;
  const { content } = parts;
  if (chunkDelayMs <= 0 && cutAfterChunks === undefined && stallAfterChunks === undefined) {
    exchange.res.end(parts.head.join('') + content.join('') + parts.tail.join(''));
    return;
  }
  let isFirst = true;
  const send = async (event: string): Promise<boolean> => {
    if (!isFirst && !(await exchange.sleep(chunkDelayMs))) return false;
    isFirst = false;
    return exchange.write(event);
  };
  for (const event of parts.head) if (!(await send(event))) return;
  const cutAt = cutAfterChunks === undefined ? Infinity : Math.min(cutAfterChunks, content.length);
  const stallAt =
    stallAfterChunks === undefined ? Infinity : Math.min(stallAfterChunks, content.length);
  for (let i = 0; i <= content.length; i++) {
    if (i === cutAt) {
      cutConnection(exchange);
      return;
    }
    // A stall leaves the response open; the exchange stays registered, so the client's
    // disconnect or the simulator's close() ends it.
    if (i === stallAt) return;
    const event = content[i];
    if (event !== undefined && !(await send(event))) return;
  }
  for (const event of parts.tail) if (!(await send(event))) return;
  exchange.res.end();
}

/** 200, then an overloaded error event before any content, then the end (no `[DONE]`). */
export function writeErrorEvent(
  exchange: Exchange,
  event = `data: ${JSON.stringify({ error: OVERLOADED })}\n\n`,
): void {
  if (exchange.isClosed) return;
  sendSseHead(exchange);
  exchange.res.end(event);
}

/** 200, then events of which the last is broken JSON, then the end. */
export function writeMalformedStream(exchange: Exchange, events: string[]): void {
  if (exchange.isClosed) return;
  sendSseHead(exchange);
  exchange.res.end(events.join(''));
}
