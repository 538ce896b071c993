/**
 * Progress displays. The runner calls a {@link BatchProgress} sink every `intervalMs` with a
 * snapshot; a TTY gets a `cli-progress` bar, anything else a plain line every ~2 s (logs, CI),
 * and tests inject their own sink.
 */
import { Presets, SingleBar } from 'cli-progress';
import type { ProgressSnapshot } from './batch-stats.js';

/** Receives progress. */
export interface BatchProgress {
  /** How often the runner calls {@link update}, ms. */
  readonly intervalMs: number;
  start(snapshot: ProgressSnapshot): void;
  update(snapshot: ProgressSnapshot): void;
  /** The final snapshot; the display is finished after this. */
  stop(snapshot: ProgressSnapshot): void;
}

/** A sink that shows nothing. */
export const silentProgress: BatchProgress = {
  intervalMs: 60_000,
  start: () => undefined,
  update: () => undefined,
  stop: () => undefined,
};

function formatUsd(usd: number): string {
  return `$${usd < 1 ? usd.toFixed(4) : usd.toFixed(2)}`;
}

function formatEta(s: ProgressSnapshot): string {
  if (s.total === undefined || s.ratePerSec <= 0) return '?';
  const secs = Math.max(0, Math.round((s.total - s.done) / s.ratePerSec));
  if (secs < 60) return `${secs}s`;
  if (secs < 3600) return `${Math.floor(secs / 60)}m${String(secs % 60).padStart(2, '0')}s`;
  return `${Math.floor(secs / 3600)}h${String(Math.floor(secs / 60) % 60).padStart(2, '0')}m`;
}

/** One plain progress line: `batch 1200/5000 (24%) 250.0/s eta 15s ok 1190 ...`. */
export function formatProgressLine(s: ProgressSnapshot): string {
  const of =
    s.total === undefined
      ? `${s.done}`
      : `${s.done}/${s.total} (${s.total === 0 ? 100 : Math.floor((s.done / s.total) * 100)}%)`;
  const resumed = s.skippedDone > 0 ? ` resumed ${s.skippedDone}` : '';
  return (
    `batch ${of} ${s.ratePerSec.toFixed(1)}/s eta ${formatEta(s)} ok ${s.succeeded} ` +
    `fallback ${s.fallbacks} failed ${s.failed} invalid ${s.invalid}${resumed} ` +
    `in-flight ${s.inFlight} spend ${formatUsd(s.costUsd)}`
  );
}

/**
 * Plain lines, for logs and pipes.
 * @param write receives each line without a newline
 * @param intervalMs between lines. @default 2000
 */
export function lineProgress(write: (line: string) => void, intervalMs = 2000): BatchProgress {
  return {
    intervalMs,
    start: (s) => {
      write(formatProgressLine(s));
    },
    update: (s) => {
      write(formatProgressLine(s));
    },
    stop: (s) => {
      write(formatProgressLine(s));
    },
  };
}

/** A `cli-progress` bar with done/total, rate, ETA, successes, fallbacks, failures and spend. */
export function barProgress(stream: NodeJS.WritableStream): BatchProgress {
  const bar = new SingleBar(
    {
      stream,
      format:
        '{bar} {percentage}% {value}/{total} | {rate}/s | eta {etaText} | ok {ok} ' +
        'fallback {fallbacks} failed {failed} invalid {invalid} | {spend}',
      hideCursor: true,
      fps: 5,
    },
    Presets.shades_classic,
  );
  const payload = (s: ProgressSnapshot): Record<string, string | number> => ({
    rate: s.ratePerSec.toFixed(1),
    etaText: formatEta(s),
    ok: s.succeeded,
    fallbacks: s.fallbacks,
    failed: s.failed,
    invalid: s.invalid,
    spend: formatUsd(s.costUsd),
  });
  return {
    intervalMs: 200,
    start: (s) => {
      bar.start(s.total ?? 0, s.done, payload(s));
    },
    update: (s) => {
      bar.update(s.done, payload(s));
    },
    stop: (s) => {
      bar.update(s.done, payload(s));
      bar.stop();
    },
  };
}

/** A bar when `stream` is a TTY, plain lines every ~2 s otherwise. */
export function progressFor(stream: NodeJS.WriteStream): BatchProgress {
  if (stream.isTTY) return barProgress(stream);
  return lineProgress((line) => {
    stream.write(`${line}\n`);
  });
}
