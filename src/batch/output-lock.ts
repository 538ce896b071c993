/**
 * One writer per output: two runs appending to the same journal would each send the lines the
 * other has not finished yet, and both would write them. A lock file next to the output holds
 * the writer's pid; a lock whose process is gone (killed) is stale and taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { BatchError } from './batch-error.js';

/** Where the lock of the batch writing `output` lives. */
export function lockPathFor(output: string): string {
  return `${output}.lock`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holder(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock of `output`.
 * @returns a function that releases it (idempotent)
 * @throws BatchError `batch_conflict` when a live process (this one included) holds it
 */
export function lockOutput(output: string): () => void {
  const path = lockPathFor(output);
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = holder(path);
      if (pid !== undefined && isAlive(pid)) {
        throw new BatchError(
          'batch_conflict',
          `another batch (pid ${pid}) is writing ${output}; wait for it, or remove ${path} if ` +
            `that process is not a breakerbox batch`,
        );
      }
      // Stale: its process is gone (a kill never runs the release). Take it over.
      rmSync(path, { force: true });
      continue;
    }
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      rmSync(path, { force: true });
    };
  }
  throw new BatchError('batch_conflict', `could not take the lock ${path}`);
}
