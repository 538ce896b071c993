import type { ChildProcessWithoutNullStreams } from 'node:child_process';

/** Resolves once `pattern` has appeared in everything the child wrote to `stream`. */
export function waitFor(
  child: ChildProcessWithoutNullStreams,
  stream: 'stdout' | 'stderr',
  pattern: RegExp,
  timeoutMs = 10_000,
): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => {
      reject(new Error(`no ${String(pattern)} within ${timeoutMs} ms in ${stream}: ${seen}`));
    }, timeoutMs);
    const onData = (d: Buffer): void => {
      seen += d.toString();
      const m = seen.match(pattern);
      if (m) {
        clearTimeout(timer);
        child[stream].off('data', onData);
        resolve(m);
      }
    };
    child[stream].on('data', onData);
  });
}
