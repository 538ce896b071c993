/**
 * `breakerbox init [--force]`: writes a commented starter `breakerbox.yaml` (src/cli/init-template.ts)
 * into a directory, the current one by default, and says what to edit next.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { STARTER_CONFIG } from './init-template.js';
import type { Output } from './format.js';

/** The file `breakerbox init` writes. */
export const INIT_FILE = 'breakerbox.yaml';

/** Options of {@link runInit}. */
export interface InitOptions {
  /** Overwrite an existing file. @default false */
  readonly force?: boolean;
  /** The directory to write into. @default process.cwd() */
  readonly dir?: string;
}

const NEXT_STEPS = [
  'next:',
  '  1. edit the models (the names your clients send) and their fallbacks',
  '  2. export OPENAI_API_KEY=sk-...   (read when the gateway starts; keep it out of the file)',
  `  3. npx breakerbox serve --config ${INIT_FILE}`,
  '  4. give any OpenAI client the base URL http://127.0.0.1:8787/v1',
  'to try it with no key, against the simulator:',
  '  npx breakerbox sim &',
  `  OPENAI_BASE_URL=http://127.0.0.1:8788/v1 OPENAI_API_KEY=unused npx breakerbox serve --config ${INIT_FILE}`,
];

/**
 * Writes the starter configuration. Never overwrites an existing file without `force` (the
 * check and the write are one `open(…, 'wx')`, so there is no window between them).
 * @returns the exit code: 0 written, 1 the file exists (without `force`) or cannot be written
 */
export async function runInit(options: InitOptions, output: Output): Promise<number> {
  const path = join(options.dir ?? process.cwd(), INIT_FILE);
  try {
    await writeFile(path, STARTER_CONFIG, { flag: options.force === true ? 'w' : 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    output.err(
      code === 'EEXIST'
        ? `${INIT_FILE} already exists here: pass --force to overwrite it`
        : `cannot write ${INIT_FILE}: ${(error as Error).message}`,
    );
    return 1;
  }
  output.out(`wrote ${INIT_FILE}`);
  for (const line of NEXT_STEPS) output.out(line);
  return 0;
}
