/**
 * Small terminal helpers shared by the commands: colours (off when the stream is not a TTY or
 * `NO_COLOR` is set), numbers with their units, relative bars, and the printing of config errors.
 */
import Table from 'cli-table3';
import { ConfigError } from '../core/index.js';

/** Where a command writes: stdout and stderr, or test doubles. */
export interface Output {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Colours on stdout. */
  readonly color: boolean;
}

/** stdout/stderr, with colours when stdout is a TTY and `NO_COLOR` is unset (no-color.org). */
export function processOutput(): Output {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    color: process.stdout.isTTY && (process.env.NO_COLOR ?? '') === '',
  };
}

const CODES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  grey: [90, 39],
} as const;

/** A colour (or style) name. */
export type Style = keyof typeof CODES;

/** Wraps `text` in the ANSI codes of `style` when `on`. */
export function paint(on: boolean, style: Style, text: string): string {
  if (!on) return text;
  const [open, close] = CODES[style];
  return `\u001b[${open}m${text}\u001b[${close}m`;
}

/** The colour of a breaker state: closed green, half-open yellow, open red, operator states blue. */
export function stateStyle(state: string): Style {
  switch (state) {
    case 'closed':
      return 'green';
    case 'half-open':
      return 'yellow';
    case 'open':
    case 'forced-open':
      return 'red';
    case 'disabled':
    case 'metrics-only':
      return 'blue';
    default:
      return 'grey';
  }
}

/** `0.9934` → `"99.34%"`; `null` → `"-"`. */
export function percent(ratio: number | null, digits = 2): string {
  return ratio === null ? '-' : `${(ratio * 100).toFixed(digits)}%`;
}

/** USD with enough digits to show small demo spends: `$0.001234`, `$12.35`. */
export function usd(amountUsd: number): string {
  if (amountUsd === 0) return '$0';
  if (Math.abs(amountUsd) >= 1) return `$${amountUsd.toFixed(2)}`;
  return `$${amountUsd.toPrecision(3)}`;
}

/** A duration in ms for humans: `850 ms`, `2.4 s`, `3 min 5 s`; `null` → `"-"`. */
export function duration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/**
 * A horizontal bar of `value / max` over `widthChars` characters, in eighths of a block, so
 * close values still differ. At least a sliver for any value above 0.
 */
export function bar(value: number, max: number, widthChars: number): string {
  if (!(max > 0) || !(value > 0)) return '';
  const eighths = Math.max(1, Math.round((Math.min(value, max) / max) * widthChars * 8));
  return '█'.repeat(Math.floor(eighths / 8)) + (EIGHTHS[eighths % 8] ?? '');
}

/**
 * Prints a configuration error with every issue (file, line, path, message) and returns the exit
 * code for it (2). Anything else is rethrown.
 * @throws whatever `error` is when it is not a ConfigError
 */
export function reportConfigError(error: unknown, output: Output): number {
  if (!(error instanceof ConfigError)) throw error;
  output.err(error.message);
  return 2;
}

/** A cli-table3 table with a header row, no lines between rows, and colours only when `color`. */
export function makeTable(
  head: readonly string[],
  align: readonly ('left' | 'right')[],
  color: boolean,
): InstanceType<typeof Table> {
  return new Table({
    head: [...head],
    colAligns: [...align],
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    style: color ? { head: ['cyan'], border: ['grey'] } : { head: [], border: [] },
  });
}
