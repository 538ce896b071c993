/**
 * The YAML front end: parse with line tracking, check with `parseConfig`'s rules, and give every
 * issue the line of the node its path points at (or of the nearest ancestor that exists).
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import { ConfigError } from '../core/index.js';
import type { ConfigIssue } from '../core/index.js';
import { formatPath } from './issues.js';
import type { RawIssue } from './issues.js';
import { collectConfig } from './parse.js';
import type { ParseConfigOptions, ResolvedConfig } from './types.js';

/** Aliases a document may expand: enough for shared settings, too few for a "billion laughs". */
const MAX_ALIAS_COUNT = 100;
/** Syntax errors reported at most. */
const MAX_SYNTAX_ERRORS = 5;

/**
 * Parses YAML configuration text.
 *
 * @throws {ConfigError} for a YAML syntax error or any configuration problem; each issue carries
 *   the line it was found at when it can be told.
 */
export function parseConfigText(yamlText: string, options?: ParseConfigOptions): ResolvedConfig {
  const lineCounter = new LineCounter();
  // prettyErrors would quote source lines into messages, and a source line may hold a key.
  const doc = parseDocument(yamlText, { lineCounter, prettyErrors: false, merge: true });
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  if (doc.errors.length > 0) {
    // One syntax slip makes the parser report every token after it; the first few tell the story.
    const issues = doc.errors.slice(0, MAX_SYNTAX_ERRORS).map((e): ConfigIssue => ({
      path: '',
      message: `YAML syntax: ${e.message}`,
      line: lineAt(e.pos[0]),
    }));
    throw new ConfigError(issues, options?.file);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    throw new ConfigError(
      [{ path: '', message: `YAML: ${(err as Error).message}` }],
      options?.file,
    );
  }
  if (data === null || data === undefined) {
    throw new ConfigError([{ path: '', message: 'the configuration is empty' }], options?.file);
  }
  const { config, issues } = collectConfig(data, options?.env ?? process.env);
  if (config) return config;
  const located = issues.map((i): ConfigIssue => {
    const line = lineOf(doc, i, lineAt);
    return line === undefined
      ? { path: formatPath(i.path), message: i.message }
      : { path: formatPath(i.path), message: i.message, line };
  });
  // Stable: issues on one line keep the order they were found in.
  located.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
  throw new ConfigError(located, options?.file);
}

/**
 * Reads and parses a YAML configuration file.
 *
 * @throws {ConfigError} when the file cannot be read, is not valid YAML, or is not a valid
 *   configuration; errors name the file and, where known, the line.
 */
export async function loadConfigFile(
  path: string,
  options?: ParseConfigOptions,
): Promise<ResolvedConfig> {
  const file = options?.file ?? path;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    throw new ConfigError([{ path: '', message: `cannot read the file (${code})` }], file);
  }
  return parseConfigText(text, { ...options, file });
}

/** The 1-based line of the node an issue's path points at, or of its nearest existing ancestor. */
function lineOf(
  doc: Document,
  issue: RawIssue,
  lineAt: (offset: number) => number,
): number | undefined {
  const start = (n: Node | null | undefined): number | undefined =>
    n?.range ? lineAt(n.range[0]) : undefined;
  let node: unknown = doc.contents;
  let line = start(doc.contents);
  for (const [i, seg] of issue.path.entries()) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      // A key's line, not its value's: a block mapping's value starts on the next line.
      line = isScalar(pair.key) ? (start(pair.key) ?? line) : line;
      if (i === issue.path.length - 1 && issue.at === 'key') break;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      if (!node) break;
      line = start(node as Node) ?? line;
    } else break;
  }
  return line;
}
