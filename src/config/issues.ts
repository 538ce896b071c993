/**
 * Turning problems into {@link ConfigIssue}s: zod issues with messages that state the expected
 * type but never echo a value (values may be secrets), "did you mean" for unknown keys, and path
 * formatting (`models.gpt-4.1.fallbacks[0]`).
 */
import type { z } from 'zod';

/** A path into the configuration: object keys and array indexes. */
export type ConfigPath = readonly (string | number)[];

/** A problem before it is placed on a line. `at: 'key'` points at a key, not its value. */
export interface RawIssue {
  readonly path: ConfigPath;
  readonly message: string;
  readonly at?: 'key';
}

/** `['models', 'gpt-4.1', 'fallbacks', 0]` → `models.gpt-4.1.fallbacks[0]`. */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

/** The type of a value, as an error message may show it (never the value itself). */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return typeof value;
}

const TYPE_NAMES: Record<string, string> = {
  int: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'a boolean (true or false)',
  object: 'a mapping',
  array: 'a list',
  record: 'a mapping',
};

const quoteAll = (values: readonly unknown[]): string =>
  values.map((v) => JSON.stringify(v)).join(' | ');

/**
 * The per-parse zod error map. Messages name what was expected and the *type* received, never the
 * received value. Unknown keys get a JSON list of per-key messages that {@link fromZodIssues}
 * splits into one issue per key (the map sees the object's shape; the final issue does not).
 */
export const errorMap: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case 'invalid_type': {
      const type = iss.expected === 'number' && isIntegerSchema(iss.inst) ? 'int' : iss.expected;
      const expected = TYPE_NAMES[type] ?? type;
      if (iss.input === undefined) return `required (expected ${expected})`;
      return `expected ${expected}, got ${describeType(iss.input)}`;
    }
    case 'invalid_value':
      return `expected ${quoteAll(iss.values)}`;
    case 'too_small':
      return tooSmall(iss.origin, iss.minimum, iss.inclusive);
    case 'too_big':
      return iss.inclusive === false
        ? `must be less than ${String(iss.maximum)}`
        : `must be at most ${String(iss.maximum)}`;
    case 'unrecognized_keys': {
      const shape = (iss.inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def
        ?.shape;
      const known = shape ? Object.keys(shape) : [];
      return JSON.stringify(iss.keys.map((k) => unknownKeyMessage(k, known)));
    }
    case 'invalid_union':
      if (iss.discriminator !== undefined && Array.isArray(iss.options)) {
        return `expected ${quoteAll(iss.options as unknown[])}`;
      }
      return unionMessage(iss.errors);
    case 'invalid_key':
      return iss.issues[0]?.message ?? 'invalid key';
    case 'invalid_format':
      return iss.format === 'url' ? 'expected an http:// or https:// URL' : undefined;
    case 'not_multiple_of':
    case 'invalid_element':
    case 'custom':
      return undefined;
    default:
      return undefined;
  }
};

/**
 * Whether a number schema has an integer check. Zod reports `expected: 'number'` for a string
 * given to `z.number().int()`; the message should still say "an integer".
 */
function isIntegerSchema(inst: unknown): boolean {
  type Check = { _zod?: { def?: { format?: unknown } } };
  const checks = (inst as { _zod?: { def?: { checks?: Check[] } } } | undefined)?._zod?.def?.checks;
  return (checks ?? []).some((c) => String(c._zod?.def?.format).includes('int'));
}

function tooSmall(
  origin: string,
  minimum: number | bigint,
  inclusive: boolean | undefined,
): string {
  const n = Number(minimum);
  if (origin === 'array') return `needs at least ${n} item${n === 1 ? '' : 's'}`;
  if (origin === 'string') return n === 1 ? 'must not be empty' : `needs at least ${n} characters`;
  return inclusive === false ? `must be greater than ${n}` : `must be at least ${n}`;
}

/** `unknown key "opneMs" (did you mean "openMs"?)`. */
export function unknownKeyMessage(key: string, known: readonly string[]): string {
  const suggestion = closest(key, known);
  return `unknown key "${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`;
}

/** The closest candidate within a small edit distance (case ignored), or undefined. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  // Short words only match case-insensitively: "q" is one edit from every one-letter name.
  const limit = Math.min(3, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance with adjacent transpositions (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i, ...new Array<number>(b.length).fill(0)]);
  const row0 = rows[0] ?? [];
  for (let j = 0; j <= b.length; j++) row0[j] = j;
  const at = (i: number, j: number): number => rows[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] ?? [];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, at(i - 2, j - 2) + 1);
      }
      row[j] = d;
    }
  }
  return at(a.length, b.length);
}

/** Converts zod's issues (made with {@link errorMap}) into raw issues, one per unknown key. */
export function fromZodIssues(issues: readonly z.core.$ZodIssue[]): RawIssue[] {
  const out: RawIssue[] = [];
  for (const iss of issues) {
    const path = iss.path.filter((s): s is string | number => typeof s !== 'symbol');
    if (iss.code === 'unrecognized_keys') {
      const messages = parseMessages(iss.message, iss.keys);
      iss.keys.forEach((key, i) => {
        out.push({
          path: [...path, key],
          message: messages[i] ?? `unknown key "${key}"`,
          at: 'key',
        });
      });
    } else {
      out.push({ path, message: iss.message });
    }
  }
  return out;
}

function parseMessages(message: string, keys: readonly string[]): string[] {
  try {
    const parsed: unknown = JSON.parse(message);
    if (Array.isArray(parsed) && parsed.length === keys.length) return parsed.map(String);
  } catch {
    // A message not made by errorMap (a caller-supplied map): fall back to the plain wording.
  }
  return keys.map((k) => `unknown key "${k}"`);
}

function unionMessage(branches: readonly (readonly z.core.$ZodIssue[])[]): string {
  const expected = branches
    .map((b) => b[0])
    .filter((i): i is z.core.$ZodIssueInvalidType => i?.code === 'invalid_type')
    .map((i) => TYPE_NAMES[i.expected] ?? i.expected);
  return expected.length > 0
    ? `expected ${expected.join(' or ')}`
    : 'matches none of the allowed forms';
}

// Shorter values are not secrets worth the risk of mangling messages ("5" inside "at least 5").
const MIN_SCRUB_LENGTH = 6;

/**
 * Replaces every substituted environment value (6+ characters) in a message with `[redacted]`:
 * a belt over the braces of messages that never echo values, for the few that echo names.
 */
export function scrub(message: string, secrets: ReadonlySet<string>): string {
  let out = message;
  for (const s of secrets) if (s.length >= MIN_SCRUB_LENGTH) out = out.split(s).join('[redacted]');
  return out;
}
