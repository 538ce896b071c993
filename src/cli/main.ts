/**
 * The `breakerbox` command. Each subcommand lives in its own module, loaded only when it runs, so
 * `breakerbox status` does not load the engine and `--help` stays instant.
 *
 * Exit codes: 0 success; 1 the command failed (the demo below its success rate, a gateway not
 * reachable); 2 invalid usage, options or configuration; 130 interrupted (the demo).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { processOutput } from './format.js';
import type { Output } from './format.js';
import type { BatchCommandOptions } from './batch.js';
import { DEMO_DEFAULTS } from './demo-config.js';
import { parsePort } from './net.js';
import { isMissingPackage } from './missing-package.js';
import type { runDemo } from './demo.js';

/** Exit code of invalid usage, options or configuration. */
export const USAGE_EXIT_CODE = 2;

function version(): string {
  try {
    const pkg = JSON.parse(
      readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
    ) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function port(text: string): number {
  try {
    return parsePort(text);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function integer(text: string): number {
  const n = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError(`"${text}" is not an integer`);
  }
  return n;
}

function positive(text: string): number {
  const n = integer(text);
  if (n < 1) throw new InvalidArgumentError(`"${text}" is not a positive integer`);
  return n;
}

function nonNegative(text: string): number {
  const n = integer(text);
  if (n < 0) throw new InvalidArgumentError(`"${text}" is not a non-negative integer`);
  return n;
}

function seconds(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError(`"${text}" is not a positive number of seconds`);
  }
  return n;
}

/** Sets the exit code a command's action resolved with. */
type Exit = (code: number) => void;

function addServe(program: Command, output: Output, exit: Exit): void {
  program
    .command('serve')
    .description('run the OpenAI-compatible gateway from a YAML config')
    .requiredOption('-c, --config <file>', 'the YAML configuration (see docs/configuration.md)')
    .option('-p, --port <port>', "listen on this port (overrides the config's server.port)", port)
    .option('-H, --host <host>', "listen on this interface (overrides the config's server.host)")
    .action(async (opts: { config: string; port?: number; host?: string }) => {
      const { runServe } = await import('./serve.js');
      exit(await runServe(opts, output));
    });
}

function addInit(program: Command, output: Output, exit: Exit): void {
  program
    .command('init')
    .description('write a commented starter breakerbox.yaml into the current directory')
    .option('-f, --force', 'overwrite an existing breakerbox.yaml')
    .action(async (opts: { force?: boolean }) => {
      const { runInit } = await import('./init.js');
      exit(await runInit({ force: opts.force === true }, output));
    });
}

function addSim(program: Command, output: Output, exit: Exit): void {
  program
    .command('sim')
    .description('run the fault-injecting simulator of an OpenAI-compatible provider')
    .option('-p, --port <port>', 'listen on this port (0 picks a free one)', port, 8788)
    .option('-H, --host <host>', 'listen on this interface', '127.0.0.1')
    .option(
      '--scenario <file>',
      'a JSON or YAML scenario { steps: [{ atMs, model, faults }] } to start at once',
    )
    .option('--seed <n>', 'seed of the fault PRNG', integer, 1)
    .action(async (opts: { port: number; host: string; scenario?: string; seed: number }) => {
      const { runSim } = await import('./sim.js');
      exit(await runSim(opts, output));
    });
}

function addStatus(program: Command, output: Output, exit: Exit): void {
  program
    .command('status')
    .description("show a running gateway's circuits (GET /admin/circuits)")
    .option('-u, --url <url>', "the gateway's URL", 'http://127.0.0.1:8787')
    .addOption(new Option('-k, --admin-key <key>', 'the admin key').env('BREAKERBOX_ADMIN_KEY'))
    .option('--json', 'print the circuits as JSON')
    .action(async (opts: { url: string; adminKey?: string; json?: boolean }) => {
      const { runStatus } = await import('./status.js');
      exit(await runStatus(opts, output));
    });
}

function addPricing(program: Command, output: Output, exit: Exit): void {
  program
    .command('pricing')
    .description('compare model prices: the built-in table merged with a config’s pricing')
    .option(
      '-c, --config <file>',
      'a YAML configuration whose pricing overrides the built-in prices',
    )
    .option('--json', 'print the prices as JSON')
    .action(async (opts: { config?: string; json?: boolean }) => {
      const { runPricing } = await import('./pricing.js');
      exit(await runPricing(opts, output));
    });
}

/**
 * Loads the demo, which drives its traffic with the official `openai` SDK: an optional peer
 * dependency (a clone's `npm ci` installs it; a project that installed breakerbox may not have
 * it). Says what to do and returns undefined when it is missing.
 */
async function loadDemo(output: Output): Promise<typeof runDemo | undefined> {
  try {
    return (await import('./demo.js')).runDemo;
  } catch (error) {
    if (!isMissingPackage(error, 'openai')) throw error;
    output.err(
      'breakerbox demo drives its traffic with the official openai SDK (an optional peer ' +
        'dependency), which is not installed here: run `npm install openai` and try again.',
    );
    return undefined;
  }
}

function addDemo(program: Command, output: Output, exit: Exit): void {
  program
    .command('demo')
    .description(
      'watch breakerbox ride out an incident: simulator + gateway + openai SDK clients, no API key',
    )
    .option(
      '-d, --duration <seconds>',
      'seconds of traffic (5 to 3600)',
      seconds,
      DEMO_DEFAULTS.durationS,
    )
    .option(
      '--no-live',
      'print plain lines instead of a live table (the default when stdout is not a terminal)',
    )
    .option(
      '--concurrency <n>',
      'clients calling at once (1 to 256)',
      integer,
      DEMO_DEFAULTS.concurrency,
    )
    .option('--seed <n>', 'seed of the faults and the request mix', integer, DEMO_DEFAULTS.seed)
    .option(
      '--fleet <n>',
      'run n gateways (2 to 5) sharing breaker state through Redis (127.0.0.1:6379, or a redis-server started for the demo)',
      integer,
      1,
    )
    .action(
      async (opts: {
        duration: number;
        live: boolean;
        concurrency: number;
        seed: number;
        fleet: number;
      }) => {
        const runDemo = await loadDemo(output);
        if (runDemo === undefined) {
          exit(1);
          return;
        }
        const options = {
          durationS: opts.duration,
          live: opts.live,
          concurrency: opts.concurrency,
          seed: opts.seed,
          fleet: opts.fleet,
        };
        const code = await runDemo(options, output);
        exit(code);
        // The demo closes everything it opened, so the process should now exit by itself. If a
        // handle leaked, say so and leave anyway: a demo must never hang (the timer is unref'd,
        // so it never keeps a clean process alive).
        setTimeout(() => {
          output.err('warning: the demo left a handle open; exiting anyway');
          process.exit(code);
        }, 3000).unref();
      },
    );
}

function addBatch(program: Command, output: Output, exit: Exit): void {
  program
    .command('batch')
    .description('run an OpenAI batch JSONL file through breakerbox, resumable (docs/batch.md)')
    .argument('<input>', 'the OpenAI batch input file (JSONL)')
    .requiredOption('-o, --output <file>', '2xx results (and every result without --errors)')
    .option('-e, --errors <file>', 'non-2xx results, failures and invalid lines')
    .option('-c, --config <file>', 'run an engine in this process with this YAML configuration')
    .option('-u, --url <url>', 'or send each line to a breakerbox gateway (its URL with /v1)')
    .addOption(
      new Option('-k, --api-key <key>', "the gateway's client key (with --url)").env(
        'BREAKERBOX_API_KEY',
      ),
    )
    .option('--concurrency <n>', 'lines in flight at once', positive, 20)
    .option('--report <file>', 'write a JSON summary at the end (also when interrupted)')
    .option('--restart', 'discard an existing output, error file and state, and start over')
    .option(
      '--retry-failed',
      'send every failed line of earlier runs again, final ones too (successes are kept)',
    )
    .option(
      '--stop-after-auth-failures <n>',
      'stop when every provider answers 401/403 for n lines in a row (0: never)',
      nonNegative,
      20,
    )
    .action(async (input: string, opts: Omit<BatchCommandOptions, 'input'>) => {
      const { runBatchCommand } = await import('./batch.js');
      exit(await runBatchCommand({ ...opts, input }, output));
    });
}

/** The program, writing through `output`; `exit` receives each action's exit code. */
export function buildProgram(output: Output, exit: Exit): Command {
  const program = new Command('breakerbox')
    .description(
      'Keeps apps that call LLM APIs alive: circuit breakers, failover, retries, deadlines, cost.',
    )
    .version(version(), '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => {
        output.out(s.replace(/\n$/, ''));
      },
      writeErr: (s) => {
        output.err(s.replace(/\n$/, ''));
      },
    })
    .exitOverride();
  addDemo(program, output, exit);
  addInit(program, output, exit);
  addServe(program, output, exit);
  addStatus(program, output, exit);
  addPricing(program, output, exit);
  addSim(program, output, exit);
  addBatch(program, output, exit);
  return program;
}

/**
 * Runs the command line `argv` (as `process.argv`: node, script, args...).
 * @returns the exit code
 */
export async function main(
  argv: readonly string[],
  output: Output = processOutput(),
): Promise<number> {
  let code = 0;
  const program = buildProgram(output, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version "fail" with exit code 0; every usage error is exit code 2.
      return error.exitCode === 0 ? 0 : USAGE_EXIT_CODE;
    }
    throw error;
  }
  return code;
}
