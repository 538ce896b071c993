/**
 * One fast pass over the input before the run: how many lines it has (for the progress total)
 * and a SHA-256 of its bytes (so a resume can prove it reads the same input: the journal keys
 * results by line number, which only means something for the same bytes).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** What identifies an input file's content. */
export interface InputFingerprint {
  readonly sizeBytes: number;
  /** Lines in the file: newlines, plus one when the last line has none. */
  readonly lineCount: number;
  /** Hex SHA-256 of the bytes. */
  readonly sha256: string;
}

/** Counts lines and hashes the bytes of `path` in one streamed pass. */
export async function scanInput(path: string, signal?: AbortSignal): Promise<InputFingerprint> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  let newlines = 0;
  let lastByte = -1;
  const stream = createReadStream(path, {
    highWaterMark: 1024 * 1024,
    ...(signal !== undefined && { signal }),
  });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    sizeBytes += chunk.length;
    let at = chunk.indexOf(0x0a);
    while (at !== -1) {
      newlines++;
      at = chunk.indexOf(0x0a, at + 1);
    }
    if (chunk.length > 0) lastByte = chunk[chunk.length - 1] as number;
  }
  const lineCount = newlines + (sizeBytes > 0 && lastByte !== 0x0a ? 1 : 0);
  return { sizeBytes, lineCount, sha256: hash.digest('hex') };
}
