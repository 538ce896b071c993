/**
 * Removes results from a journal file before their lines are sent again, crash-safely: the kept
 * lines are copied byte for byte to `<file>.rewrite.tmp`, synced, and renamed over the file
 * (then the directory is synced). A kill before the rename leaves the old file whole (the next
 * start does it again); after it, the removed lines are simply unfinished. Either way no input
 * line ever has two results.
 */
import { createReadStream } from 'node:fs';
import { closeSync, fdatasyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import type { LineSet } from './id-table.js';
import { syncDirectory } from './journal.js';

const NEWLINE = 0x0a;

function writeAll(fd: number, buf: Buffer): void {
  let at = 0;
  while (at < buf.length) at += writeSync(fd, buf, at, buf.length - at);
}

/**
 * Rewrites `path` without the lines numbered in `remove` (1-based). The file must end in `\n`
 * (scanJournal leaves it so). Constant memory: one read chunk; runs of kept lines are written
 * with one `write` each.
 */
export async function removeJournalLines(path: string, remove: LineSet): Promise<void> {
  if (remove.size === 0) return;
  const tmp = `${path}.rewrite.tmp`;
  try {
    await copyWithout(path, tmp, remove);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
  renameSync(tmp, path);
  syncDirectory(path);
}

async function copyWithout(path: string, tmp: string, remove: LineSet): Promise<void> {
  const fd = openSync(tmp, 'w');
  try {
    let lineNo = 1;
    for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) {
      const buf = chunk as Buffer;
      // [keptFrom, at) is a run of kept bytes not written yet.
      let keptFrom = 0;
      let at = 0;
      while (at < buf.length) {
        const nl = buf.indexOf(NEWLINE, at);
        const end = nl === -1 ? buf.length : nl + 1;
        if (remove.has(lineNo)) {
          if (at > keptFrom) writeAll(fd, buf.subarray(keptFrom, at));
          keptFrom = end;
        }
        at = end;
        // A line cut by the chunk's end goes on in the next chunk, under the same number.
        if (nl !== -1) lineNo++;
      }
      if (at > keptFrom) writeAll(fd, buf.subarray(keptFrom, at));
    }
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
