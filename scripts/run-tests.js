#!/usr/bin/env node
// Runs the compiled test files with node:test. Node 20 runs every file under a `test/` folder
// when handed a folder, so the files are listed explicitly.
//   node scripts/run-tests.js unit         src/**/*.test.js (pure, fast)
//   node scripts/run-tests.js integration  test/**/*.test.js (sockets, processes)
//   node scripts/run-tests.js all          both
// With `--coverage` (or BREAKERBOX_COVERAGE=1) every process the tests start, children included,
// writes V8 coverage to coverage/tmp; `node scripts/coverage-gate.js` reports and gates it.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';

const which = process.argv[2] ?? 'all';
const roots = { unit: ['dist/src'], integration: ['dist/test'], all: ['dist/src', 'dist/test'] }[
  which
];
if (!roots) {
  console.error(`unknown test set "${which}": expected unit, integration or all`);
  process.exit(2);
}

function walk(dir, out) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

// A test deleted from the sources leaves its compiled `.test.js` in dist/: never run it again.
const stale = (file) => !existsSync(file.replace(/^dist[\\/]/, '').replace(/\.js$/, '.ts'));
const compiled = roots.flatMap((r) => walk(r, []));
for (const file of compiled.filter(stale)) {
  console.error(`removing ${file}: its source is gone`);
  rmSync(file, { force: true });
}
const files = compiled.filter((f) => !stale(f)).sort();
if (files.length === 0) {
  console.error('no test files found: run `npm run build` first');
  process.exit(1);
}
const extra = process.argv.slice(3).filter((a) => a !== '--coverage');
const env = { ...process.env };
if (process.argv.includes('--coverage') || process.env.BREAKERBOX_COVERAGE === '1') {
  // Node writes one JSON file per process into NODE_V8_COVERAGE as it exits; children inherit it.
  const dir = resolve('coverage/tmp');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  env.NODE_V8_COVERAGE = dir;
}
const r = spawnSync(process.execPath, ['--test', ...extra, ...files], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
