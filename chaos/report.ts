/**
 * RELIABILITY.md is written the way BENCHMARKS.md is: each run of `npm run chaos` or
 * `npm run soak` replaces its own section, marked `<!-- name:start -->` … `<!-- name:end -->`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export const RELIABILITY_FILE = 'RELIABILITY.md';

const HEADER = `# breakerbox reliability

Written by \`npm run chaos\` (the outage scenarios), \`npm run soak\` (the gateway under steady
load with faults switching) and \`npm run soak:batch\` (the batch runner killed and resumed). Every run uses the built-in simulator on
127.0.0.1 and the official \`openai\` SDK as the client; absolute times are from a noisy 2-core
machine.
`;

/** Replaces (or appends) the section `name` of `file`, creating the file when needed. */
export function writeSection(name: string, markdown: string, file = RELIABILITY_FILE): void {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : HEADER;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  text =
    i >= 0 && j > i
      ? text.slice(0, i) + block + text.slice(j + end.length)
      : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, text);
}

/** One acceptance check: a figure, its bound, and whether it holds. */
export interface Check {
  readonly name: string;
  readonly value: string;
  readonly bound: string;
  readonly pass: boolean;
}

/** The verdict line and the table of checks that decided it. */
export function verdictLines(pass: boolean, checks: readonly Check[]): string[] {
  return [
    `**Verdict: ${pass ? 'pass' : 'FAIL'}**`,
    '',
    '| check | measured | bound | |',
    '| --- | --- | --- | --- |',
    ...checks.map((c) => `| ${c.name} | ${c.value} | ${c.bound} | ${c.pass ? 'pass' : 'FAIL'} |`),
  ];
}
