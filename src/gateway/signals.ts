/**
 * SIGTERM / SIGINT handling for a gateway process: drain, close the engine, exit 0. A second
 * signal during the drain exits at once with 1 (the operator insists).
 */
import type { Gateway } from './server.js';
import type { GatewayLogger } from './log.js';

/** Options of {@link installSignalHandlers}. */
export interface SignalHandlerOptions {
  /** Grace period of the drain, ms. @default the gateway's configured shutdownGraceMs */
  readonly graceMs?: number;
  /** @default the gateway's logger */
  readonly logger?: GatewayLogger;
  /** @default ['SIGTERM', 'SIGINT'] */
  readonly signals?: readonly NodeJS.Signals[];
  /** Also close the engine (its upstream pools) after the drain. @default true */
  readonly closeEngine?: boolean;
  /** Runs after the drain (and the engine's close), before exiting: flush exporters, logs. */
  readonly afterDrain?: () => Promise<void>;
  /** How to leave. @default process.exit */
  readonly exit?: (code: number) => void;
}

/**
 * Installs the handlers. @returns a function that removes them.
 */
export function installSignalHandlers(
  gateway: Gateway,
  options: SignalHandlerOptions = {},
): () => void {
  const logger = options.logger ?? gateway.logger;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ event: 'signal', signal }, 'second signal during drain: exiting now');
      exit(1);
      return;
    }
    stopping = true;
    logger.info({ event: 'signal', signal }, `${signal}: draining`);
    const run = async (): Promise<void> => {
      await gateway.close(options.graceMs);
      if (options.closeEngine ?? true) await gateway.engine.close();
      await options.afterDrain?.();
    };
    run().then(
      () => {
        logger.info({ event: 'exit', code: 0 }, 'drained; exiting');
        logger.flush();
        exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'drain failed; exiting');
        logger.flush();
        exit(1);
      },
    );
  };
  for (const s of signals) process.on(s, onSignal);
  return () => {
    for (const s of signals) process.off(s, onSignal);
  };
}
