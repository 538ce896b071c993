/**
 * The stream a caller gets once a stream has its first content: a `ChatStream` (chat, legacy
 * completions) or a `ResponsesStream`, whose end settles the winning attempt's permit and limits
 * and accounts for the request, once.
 */
import type { Clock, Outcome } from '../core/index.js';
import type { FailoverSuccess } from '../router/index.js';
import { describe } from './accounting.js';
import type { Accounting, Answer, RequestEvent } from './accounting.js';
import { ChatStream } from './chat-stream.js';
import type { StreamEnd } from './chat-stream.js';
import { ResponsesStream } from './responses-stream.js';
import type { StreamRoute } from './routes-body.js';
import type { OpenedStream } from './stream-call.js';

/** Options of {@link wrapStream}. */
export interface WrapStreamOptions {
  readonly kind: StreamRoute;
  readonly win: FailoverSuccess<OpenedStream>;
  /** The request as answered at the first content (its usage and outcome come at the end). */
  readonly answer: Omit<Answer, 'usage' | 'outcome' | 'win'>;
  /** Whether the caller asked for `stream_options.include_usage` itself. */
  readonly callerWantsUsage: boolean;
  readonly startedMs: number;
  readonly clock: Clock;
  readonly accounting: Accounting;
}

/** Wraps an opened stream for its caller. */
export function wrapStream(o: WrapStreamOptions): ChatStream | ResponsesStream {
  const { win, clock } = o;
  const answer = { ...o.answer, win };
  const onEnd = (end: StreamEnd): RequestEvent => {
    const usage = {
      promptTokens: end.promptTokens,
      completionTokens: end.completionTokens,
      ...(end.cachedPromptTokens > 0 && { cachedPromptTokens: end.cachedPromptTokens }),
    };
    const outcome: Outcome =
      end.outcome.type === 'success' ? { type: 'success', durationMs: win.attemptMs } : end.outcome;
    win.settle(outcome, usage.promptTokens + usage.completionTokens);
    return o.accounting.answered({
      ...answer,
      durationMs: clock.now() - o.startedMs,
      usage,
      outcome: end.outcome,
    });
  };
  const meta = describe(answer);
  if (o.kind === 'responses') {
    const deploymentId = win.candidate.deployment.id;
    return new ResponsesStream({ opened: win.value, meta, deploymentId, onEnd });
  }
  return new ChatStream({
    opened: win.value,
    meta,
    callerWantsUsage: o.callerWantsUsage,
    onEnd,
  });
}
