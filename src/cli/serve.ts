/**
 * `breakerbox serve --config breakerbox.yaml`: the gateway. Loads and checks the config (every
 * problem listed with its file, line and path, exit 2), starts the engine and the gateway, and
 * drains on SIGTERM/SIGINT. It prints where it listens and which models it serves, never a key.
 */
import { loadConfigFile } from '../config/index.js';
import type { ResolvedConfig } from '../config/index.js';
import { ConfigError } from '../core/index.js';
import { Breakerbox } from '../engine/index.js';
import { BREAKERBOX_VERSION } from '../upstream/index.js';
import { installSignalHandlers, startGateway } from '../gateway/index.js';
import type { Gateway } from '../gateway/index.js';
import { paint, reportConfigError } from './format.js';
import { listenProblem } from './net.js';
import { TraceExportError, startTraceExport } from './otlp.js';
import type { Output } from './format.js';

/** Options of {@link runServe}. */
export interface ServeOptions {
  /** Path of the YAML configuration. */
  readonly config: string;
  /** Overrides `server.port`. */
  readonly port?: number;
  /** Overrides `server.host`. */
  readonly host?: string;
}

/** What the gateway serves, one line per model with its chain: `gpt-4.1 → claude → deepseek`. */
export function describeModels(config: ResolvedConfig): string[] {
  return Object.entries(config.models).map(([name, m]) => {
    const deployments = m.deployments.map((d) => d.id).join(', ');
    const chain = m.fallbacks.length > 0 ? `  then ${m.fallbacks.join(' → ')}` : '';
    return `  ${name} (${deployments})${chain}`;
  });
}

/**
 * Starts the gateway; resolves once it listens (the signal handlers then own the process).
 * @returns the exit code: 0 once listening, 2 for an invalid configuration
 */
export async function runServe(options: ServeOptions, output: Output): Promise<number> {
  let config: ResolvedConfig;
  try {
    config = await loadConfigFile(options.config);
  } catch (error) {
    return reportConfigError(error, output);
  }
  let traces;
  try {
    traces = await startTraceExport(config, { version: BREAKERBOX_VERSION });
  } catch (error) {
    if (!(error instanceof TraceExportError)) throw error;
    output.err(error.message);
    return 1;
  }
  // An OTLP endpoint (from the config or OTEL_EXPORTER_OTLP_*) turns tracing on.
  const engine = traces
    ? new Breakerbox(
        { ...config, telemetry: { ...config.telemetry, tracing: true } },
        { tracerProvider: traces.provider },
      )
    : new Breakerbox(config);
  let gateway;
  try {
    gateway = await startGateway({
      engine,
      reload: async () => engine.reload(await loadConfigFile(options.config)),
      ...(options.host !== undefined && { host: options.host }),
      ...(options.port !== undefined && { port: options.port }),
    });
  } catch (error) {
    await engine.close();
    await traces?.shutdown();
    // A refused bind (a public host with no client key) is a configuration problem too.
    if (error instanceof ConfigError) return reportConfigError(error, output);
    const problem = listenProblem(error);
    if (problem === undefined) throw error;
    output.err(problem);
    return 1;
  }
  installReloadSignal(gateway, options.config);
  installSignalHandlers(gateway, {
    graceMs: config.server.shutdownGraceMs,
    ...(traces && { afterDrain: () => traces.shutdown() }),
  });
  const c = output.color;
  output.err(
    `${paint(c, 'bold', 'breakerbox')} gateway listening on ${paint(c, 'cyan', `${gateway.url}/v1`)}`,
  );
  output.err(
    `  dashboard ${gateway.url}/dashboard · metrics ${gateway.url}/metrics · admin ${gateway.url}/admin/circuits`,
  );
  output.err(`  models:\n${describeModels(config).join('\n')}`);
  if (traces) output.err(`  traces exported to ${withoutCredentials(traces.endpoint)} (OTLP/HTTP)`);
  return 0;
}

/** A URL fit to print: no user, password or query (where a collector token might sit). */
function withoutCredentials(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  u.search = '';
  return u.toString();
}

/** SIGHUP re-reads the config file, as `POST /admin/reload` does; an invalid file changes nothing. */
function installReloadSignal(gateway: Gateway, file: string): void {
  process.on('SIGHUP', () => {
    loadConfigFile(file).then(
      (config) => {
        const report = gateway.engine.reload(config);
        gateway.logger.info(
          { event: 'reloaded', signal: 'SIGHUP', ...report },
          'configuration reloaded',
        );
      },
      (error: unknown) => {
        gateway.logger.error(
          { event: 'reload_rejected', signal: 'SIGHUP' },
          `configuration not reloaded, nothing changed: ${(error as Error).message}`,
        );
      },
    );
  });
}
