/**
 * One log line each time this replica falls out of step with the fleet's Redis, and one when it is
 * back: operators learn that limits and breakers ran locally, and for how long.
 */
import type { RedisBreakerStore } from '../state/index.js';
import type { GatewayLogger } from './log.js';

export function logStateStore(
  logger: GatewayLogger,
  store: RedisBreakerStore,
): { dispose(): void } {
  let lostAtMs: number | undefined;
  return store.onStatus((status) => {
    if (status.mode === 'local') {
      lostAtMs = Date.now();
      logger.warn(
        { event: 'state_store', mode: 'local', replica: status.replicaId, reason: status.reason },
        'Redis state store unreachable: breakers and limits run on this replica alone',
      );
      return;
    }
    logger.info(
      {
        event: 'state_store',
        mode: 'shared',
        replica: status.replicaId,
        replicas: status.replicas,
        ...(lostAtMs !== undefined && { localForMs: Date.now() - lostAtMs }),
      },
      'Redis state store in step: breakers and limits shared with the fleet',
    );
    lostAtMs = undefined;
  });
}
