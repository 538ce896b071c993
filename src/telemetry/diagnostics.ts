/**
 * `node:diagnostics_channel` events, for APM agents and other in-process observers that subscribe
 * by name without any configuration (as undici's `undici:request:create` and fastify's channels).
 * A message is built and published only while its channel has subscribers.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { Disposable } from '../core/index.js';

/** The channel names; stable, documented in docs/operations.md. */
export const DIAGNOSTICS_CHANNELS = {
  /** `{ requestId, route, model }` as a request starts (after validation). */
  requestStart: 'breakerbox:request:start',
  /** `{ requestId, route, ok, errorCode, event }` as a request ends (`event`: the `RequestEvent`). */
  requestEnd: 'breakerbox:request:end',
  /** `{ requestId, attempt }` for each candidate skipped and each upstream call that failed. */
  attempt: 'breakerbox:attempt',
  /** `{ deployment, from, to, reason, atMs }` for each breaker transition. */
  transition: 'breakerbox:circuit:transition',
} as const;

const requestStart = diagnosticsChannel.channel(DIAGNOSTICS_CHANNELS.requestStart);
const requestEnd = diagnosticsChannel.channel(DIAGNOSTICS_CHANNELS.requestEnd);
const attempt = diagnosticsChannel.channel(DIAGNOSTICS_CHANNELS.attempt);
const transition = diagnosticsChannel.channel(DIAGNOSTICS_CHANNELS.transition);

/** The message of `breakerbox:request:start`. */
export interface RequestStartMessage {
  readonly requestId: string;
  readonly route: 'chat' | 'stream' | 'embeddings' | 'responses' | 'completions';
  readonly model: string;
}

/** True while `breakerbox:request:start` has subscribers. */
export function hasRequestStartSubscribers(): boolean {
  return requestStart.hasSubscribers;
}

/** Publishes `breakerbox:request:start` (when subscribed). */
export function publishRequestStart(message: RequestStartMessage): void {
  if (requestStart.hasSubscribers) requestStart.publish(message);
}

interface Subscribable<E> {
  on(listener: (e: E) => void): Disposable;
}

/**
 * Relays an engine's request, attempt and transition events to the channels. The listeners check
 * `hasSubscribers` first, so an engine nobody observes pays one property read per event.
 */
export function wireDiagnostics(events: {
  readonly request: Subscribable<{
    readonly meta: { readonly requestId: string };
    readonly route: string;
    readonly ok: boolean;
    readonly errorCode: string | undefined;
  }>;
  readonly attempt: Subscribable<{ readonly requestId: string }>;
  readonly transition: Subscribable<object>;
}): Disposable[] {
  return [
    events.request.on((e) => {
      if (!requestEnd.hasSubscribers) return;
      const { meta, route, ok, errorCode } = e;
      requestEnd.publish({ requestId: meta.requestId, route, ok, errorCode, event: e });
    }),
    events.attempt.on((e) => {
      if (attempt.hasSubscribers) attempt.publish({ requestId: e.requestId, attempt: e });
    }),
    events.transition.on((e) => {
      if (transition.hasSubscribers) transition.publish(e);
    }),
  ];
}
