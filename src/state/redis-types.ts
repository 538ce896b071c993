/** Types and small helpers of the Redis state store. */
import type { FleetView } from './fleet-breaker.js';

export interface RedisStoreOptions {
  readonly url: string;
  /** Prefix of every key and of the pub/sub channel (one fleet per prefix). */
  readonly keyPrefix: string;
  /** This replica's name in the fleet. @default host:pid:random */
  readonly replicaId?: string;
  /** How often each replica re-reads the fleet's state and says it is alive. @default 1000 */
  readonly syncMs?: number;
  /** The longest any Redis command may take before the replica runs on its own. @default 250 */
  readonly commandTimeoutMs?: number;
  /** A closed breaker's key expires after this long without a transition. @default 3_600_000 */
  readonly idleTtlMs?: number;
}

/** Whether this replica is in step with the fleet. */
export interface StateStoreStatus {
  readonly store: 'redis';
  readonly replicaId: string;
  /** `shared`: transitions go through Redis; `local`: Redis is unreachable, breakers run alone. */
  readonly mode: 'shared' | 'local';
  /** Replicas that said they were alive within the last three syncs (this one included). */
  readonly replicas: number;
  /**
   * Every replica seen in the last minute, with how long ago it last synced (as of this replica's
   * last sync). One that has not synced for three `syncMs` is out of step: gone, or cut off from
   * Redis and running alone.
   */
  readonly fleet: readonly {
    readonly replicaId: string;
    readonly lastSeenMsAgo: number;
    readonly inStep: boolean;
  }[];
  /** Epoch ms of the last completed sync, or null before the first. */
  readonly lastSyncAtEpochMs: number | null;
  /** Why the replica runs on its own (a Redis error message, never the URL). */
  readonly reason: string | null;
}

/** What a script did for one of this replica's breakers. */
export interface FleetVerdict {
  readonly breaker: string;
  readonly command: 'trip' | 'claim' | 'close' | 'operate';
  /** `applied`: the fleet's state changed; `current`: it stood; `local`: the trip stayed here. */
  readonly verdict: 'applied' | 'current' | 'local';
  /** The fleet's state after the script. */
  readonly state: string;
}

export type Reply = [string, string, string, string, string, string, string, string];
export type ScriptCall = (...args: (string | number)[]) => Promise<Reply>;
export interface ScriptClient {
  bbOutcomes: ScriptCall;
  bbRate: (...args: (string | number)[]) => Promise<[number, number]>;
  bbTrip: ScriptCall;
  bbClaim: ScriptCall;
  bbClose: ScriptCall;
  bbOperate: ScriptCall;
  bbRead: ScriptCall;
}

/** How often a replica sends its breakers' recent outcomes to the fleet's counts. */
export const OUTCOMES_EVERY_MS = 50;

export const OPERATOR_STATES = new Set(['forced-open', 'disabled', 'metrics-only']);
/** Operator states outlive idle closed breakers: they hold until an operator lifts them. */
export const OPERATOR_TTL_MS = 30 * 24 * 3_600_000;

export const COMMANDS = {
  bbTrip: 'trip',
  bbClaim: 'claim',
  bbClose: 'close',
  bbOperate: 'operate',
  bbRead: 'operate',
} as const satisfies Record<
  Exclude<keyof ScriptClient, 'bbRate' | 'bbOutcomes'>,
  FleetVerdict['command']
>;

export const OPERATOR_REASON: Record<string, string> = {
  closed: 'reset',
  'forced-open': 'forced',
  disabled: 'disabled',
  'metrics-only': 'metrics_only',
};

export function parseReply(reply: Reply): FleetView {
  return {
    state: reply[0],
    generation: Number(reply[1]),
    untilMs: Number(reply[2]),
    opens: Number(reply[3]),
    reason: reply[4],
    holder: reply[5],
    nowMs: Number(reply[6]),
  };
}

export function passwordOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}
