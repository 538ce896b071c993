import type { ConfigPath, RawIssue } from './issues.js';
import { isPlainObject } from './plain.js';

/** Result of {@link interpolateEnv}. */
export interface Interpolated {
  /** A copy of the input with every `${VAR}` in a string value replaced. */
  readonly value: unknown;
  readonly issues: RawIssue[];
  /** Every value taken from the environment: scrubbed from error messages, never printed. */
  readonly substituted: ReadonlySet<string>;
  /** Paths (JSON) of strings that were exactly one reference (`port: ${PORT}`). */
  readonly wholeReferences: ReadonlySet<string>;
}

// `$${` is an escaped, literal `${`. A reference is `${NAME}` or `${NAME:-default}`; the default
// is literal text (no nesting) and is used when NAME is unset or empty, as in POSIX sh.
const REFERENCE = /\$\$\{|\$\{([^}]*)\}/g;
const INNER = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string value (never in keys) of a plain-data
 * tree. A missing variable is an issue at its path; the input is not modified.
 */
export function interpolateEnv(
  input: unknown,
  env: Readonly<Record<string, string | undefined>>,
): Interpolated {
  const issues: RawIssue[] = [];
  const substituted = new Set<string>();
  const wholeReferences = new Set<string>();

  const replaceIn = (text: string, path: ConfigPath): string => {
    if (!text.includes('${')) return text;
    return text.replace(REFERENCE, (match, inner: string | undefined) => {
      if (inner === undefined) return '${';
      const parsed = INNER.exec(inner);
      if (!parsed) {
        issues.push({
          path,
          message: `invalid variable reference "${match}": expected \${NAME} or \${NAME:-default}`,
        });
        return '';
      }
      const varName = parsed[1] ?? '';
      const fallback = parsed[2];
      const fromEnv = Object.hasOwn(env, varName) ? env[varName] : undefined;
      if (fallback !== undefined && (fromEnv === undefined || fromEnv === '')) return fallback;
      if (fromEnv === undefined) {
        issues.push({ path, message: `environment variable ${varName} is not set` });
        return '';
      }
      if (fromEnv !== '') substituted.add(fromEnv);
      return fromEnv;
    });
  };

  const walk = (node: unknown, path: ConfigPath): unknown => {
    if (typeof node === 'string') {
      if (/^\$\{[^}]*\}$/.test(node)) wholeReferences.add(JSON.stringify(path));
      return replaceIn(node, path);
    }
    if (Array.isArray(node)) return node.map((item: unknown, i) => walk(item, [...path, i]));
    if (isPlainObject(node)) {
      // fromEntries defines own properties, so a key named "__proto__" stays data.
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, [...path, k])]));
    }
    return node;
  };

  return { value: walk(input, []), issues, substituted, wholeReferences };
}
