/**
 * Portkey, installed on demand into a scratch folder outside the package (never into the
 * package's or the bench's node_modules): `@portkey-ai/gateway` pinned, with `@hono/node-server`
 * pinned to 1.13.8 through `overrides` (with a newer one every streamed request is a 500).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PORTKEY_VERSION = '1.15.2';
const HONO_NODE_SERVER = '1.13.8';
const INSTALL_TIMEOUT_MS = 5 * 60_000;

/** Where Portkey's start script is, or why it could not be installed. */
export async function installPortkey(
  peersDir: string,
): Promise<{ entry: string; version: string } | string> {
  const dir = join(peersDir, `portkey-${PORTKEY_VERSION}`);
  const entry = join(dir, 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js');
  if (!existsSync(entry)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'package.json'),
      `${JSON.stringify(
        {
          name: 'breakerbox-bench-portkey',
          private: true,
          dependencies: { '@portkey-ai/gateway': PORTKEY_VERSION },
          overrides: { '@hono/node-server': HONO_NODE_SERVER },
        },
        null,
        2,
      )}\n`,
    );
    console.error(`installing @portkey-ai/gateway@${PORTKEY_VERSION} into ${dir}`);
    const code = await new Promise<number | null>((resolve) => {
      const npm = spawn('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
        cwd: dir,
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      const timer = setTimeout(() => npm.kill('SIGTERM'), INSTALL_TIMEOUT_MS);
      npm.once('error', () => {
        resolve(-1);
      });
      npm.once('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    if (code !== 0 || !existsSync(entry)) return `\`npm install\` in ${dir} failed (${code}).`;
  }
  const hono = join(dir, 'node_modules', '@hono', 'node-server', 'package.json');
  const honoVersion = existsSync(hono)
    ? (JSON.parse(readFileSync(hono, 'utf8')) as { version: string }).version
    : 'missing';
  if (honoVersion !== HONO_NODE_SERVER) {
    return `@hono/node-server is ${honoVersion} in ${dir}, not ${HONO_NODE_SERVER} (streams would fail).`;
  }
  return { entry, version: PORTKEY_VERSION };
}
