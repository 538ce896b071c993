/**
 * Where breaker state lives: each replica's memory (the default), or Redis, shared by a fleet.
 */
export { RedisBreakerStore } from './redis-store.js';
export type { FleetVerdict, RedisStoreOptions, StateStoreStatus } from './redis-store.js';
export { FleetBreaker } from './fleet-breaker.js';
export type { FleetView } from './fleet-breaker.js';
