/**
 * OTLP/HTTP trace export for `breakerbox serve`. The OpenTelemetry SDK and exporter are optional
 * peer dependencies, imported only when an endpoint is configured (`telemetry.otlp.endpoint`, or
 * the standard `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` / `OTEL_EXPORTER_OTLP_ENDPOINT`).
 */
import type { TracerProvider } from '@opentelemetry/api';
import type { ResolvedConfig } from '../config/index.js';
import { isMissingPackage } from './missing-package.js';

/** The packages the export needs (optional peer dependencies of breakerbox). */
export const OTLP_PACKAGES = [
  '@opentelemetry/sdk-trace-base',
  '@opentelemetry/exporter-trace-otlp-http',
] as const;

/** A running export. */
export interface TraceExport {
  /** The collector's traces URL. */
  readonly endpoint: string;
  readonly provider: TracerProvider;
  /** Sends what is buffered and stops. */
  shutdown(): Promise<void>;
}

/** The export could not start; the message says why and what to do. */
export class TraceExportError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TraceExportError';
  }
}

/** Seams for tests. */
export interface TraceExportDeps {
  /** @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Imports a package by name. @default dynamic `import()` */
  readonly load?: (name: string) => Promise<unknown>;
  /** breakerbox's version, for `service.version`. */
  readonly version?: string;
}

/** Where traces go: the config's endpoint, else the standard environment variables. */
export function otlpEndpoint(
  config: ResolvedConfig,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  if (config.telemetry.otlp !== undefined) return config.telemetry.otlp.endpoint;
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return traces;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  // The spec's rule: the signal path is appended to the generic endpoint.
  if (base) return `${base.replace(/\/+$/, '')}/v1/traces`;
  return undefined;
}

interface SdkModule {
  BasicTracerProvider: new (config: object) => TracerProvider & { shutdown(): Promise<void> };
  BatchSpanProcessor: new (exporter: unknown) => unknown;
}
interface ExporterModule {
  OTLPTraceExporter: new (config: { url: string; headers?: Record<string, string> }) => unknown;
}
interface ResourcesModule {
  resourceFromAttributes: (attributes: Record<string, string>) => unknown;
}

async function loadPackage(
  load: (name: string) => Promise<unknown>,
  name: (typeof OTLP_PACKAGES)[number],
): Promise<unknown> {
  try {
    return await load(name);
  } catch (error) {
    if (!isMissingPackage(error, name)) throw error;
    throw new TraceExportError(
      `OTLP trace export is configured but ${name} is not installed; ` +
        `install it next to breakerbox: npm install ${OTLP_PACKAGES.join(' ')}`,
      { cause: error },
    );
  }
}

/**
 * Starts the export when an endpoint is configured; undefined otherwise.
 * @throws TraceExportError a package the export needs is not installed
 */
export async function startTraceExport(
  config: ResolvedConfig,
  deps: TraceExportDeps = {},
): Promise<TraceExport | undefined> {
  const env = deps.env ?? process.env;
  const endpoint = otlpEndpoint(config, env);
  if (endpoint === undefined) return undefined;
  const load = deps.load ?? ((name: string): Promise<unknown> => import(name));
  const sdk = (await loadPackage(load, '@opentelemetry/sdk-trace-base')) as SdkModule;
  const otlp = (await loadPackage(
    load,
    '@opentelemetry/exporter-trace-otlp-http',
  )) as ExporterModule;
  const exporter = new otlp.OTLPTraceExporter({
    url: endpoint,
    ...(config.telemetry.otlp !== undefined && { headers: { ...config.telemetry.otlp.headers } }),
  });
  const resource = await serviceResource(load, env, deps.version);
  const provider = new sdk.BasicTracerProvider({
    ...(resource !== undefined && { resource }),
    spanProcessors: [new sdk.BatchSpanProcessor(exporter)],
  });
  return { endpoint, provider, shutdown: () => provider.shutdown() };
}

/**
 * `service.name` (`OTEL_SERVICE_NAME`, else `breakerbox`) and `service.version`, through the
 * SDK's own `@opentelemetry/resources` (a dependency of the SDK); the SDK default when absent.
 */
async function serviceResource(
  load: (name: string) => Promise<unknown>,
  env: Readonly<Record<string, string | undefined>>,
  version: string | undefined,
): Promise<unknown> {
  let resources: ResourcesModule;
  try {
    resources = (await load('@opentelemetry/resources')) as ResourcesModule;
  } catch {
    return undefined;
  }
  return resources.resourceFromAttributes({
    'service.name': env.OTEL_SERVICE_NAME?.trim() || 'breakerbox',
    ...(version !== undefined && { 'service.version': version }),
  });
}
