/**
 * breakerbox's version, for the `user-agent` header. Read once, from the package.json next to
 * the compiled (`dist/src/upstream/`) or source (`src/upstream/`) file.
 */
import { createRequire } from 'node:module';

function readVersion(): string {
  const require = createRequire(import.meta.url);
  for (const path of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = require(path) as { name?: unknown; version?: unknown };
      if (pkg.name === 'breakerbox' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // Not at this depth; try the next.
    }
  }
  return '0.0.0';
}

/** The package version, e.g. `0.1.0` (`0.0.0` when package.json cannot be found). */
export const BREAKERBOX_VERSION: string = readVersion();
