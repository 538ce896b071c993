// Issue: "Either the engine uses the policies it exports from `breakerbox/core` (retry, timeout,
// fallback), or they are documented as a standalone API (`docs/core.md`) with their own examples."
// Every example docs/core.md shows is a file under examples/core/, run here through its `main()`;
// every snippet docs/core.md attributes to an example is taken from that file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { main as breaker } from '../../examples/core/breaker.js';
import { main as bulkhead } from '../../examples/core/bulkhead.js';
import { main as compose } from '../../examples/core/compose.js';
import { main as operatorStates } from '../../examples/core/operator-states.js';
import { main as permits } from '../../examples/core/permits.js';
import { main as rateLimit } from '../../examples/core/rate-limit.js';
import { main as registry } from '../../examples/core/registry.js';
import { main as retry } from '../../examples/core/retry.js';
import { main as testing } from '../../examples/core/testing.js';
import { main as timeoutDeadline } from '../../examples/core/timeout-deadline.js';
import { main as tripPolicies } from '../../examples/core/trip-policies.js';

const root = new URL('../../../', import.meta.url);
const quiet = (): void => undefined;

test('breaker: three failures open it, it refuses or falls back, two probes close it', async () => {
  const r = await breaker(quiet);
  assert.deepEqual(r.transitions, [
    'closed -> open (consecutive_failures)',
    'open -> half-open (open_elapsed)',
    'half-open -> closed (probe_succeeded)',
  ]);
  assert.equal(r.retryAfterMs, 10_000);
  assert.equal(r.fallbackValue, 'cached invoice');
  assert.equal(r.state, 'closed');
  assert.equal(r.totals.failures, 3);
  assert.equal(r.totals.rejections, 2);
});

test('permits: a 429 opens for its Retry-After, a caller error counts nothing', () => {
  const r = permits(quiet);
  assert.deepEqual(r.results, [
    'HTTP 400',
    'HTTP 200',
    'HTTP 429',
    'skipped (open, retry in 60000 ms)',
    'skipped (open, retry in 1 ms)',
    'HTTP 200',
  ]);
  assert.equal(r.msUntilAdmission, 60_000);
  assert.equal(r.state, 'half-open');
  assert.equal(r.totals.neutral, 1);
  assert.equal(r.totals.failures, 1);
});

test('trip policies: failure rate after minCalls, slow-call rate, growing open periods', async () => {
  const r = await tripPolicies(quiet);
  assert.deepEqual(r.rate, { callsBeforeOpen: 10, reason: 'failure_rate' });
  assert.deepEqual(r.slow, { callsBeforeOpen: 4, reason: 'slow_rate' });
  assert.deepEqual(r.openPeriodsMs, [1_000, 2_000, 4_000, 5_000]);
});

test('operator states: forced-open rejects, disabled counts, metrics-only reports', async () => {
  const r = await operatorStates(quiet);
  assert.equal(r.isForcedMax, true);
  assert.deepEqual(r.wouldTrip, ['consecutive_failures']);
  assert.equal(r.failuresCounted, 7);
  assert.equal(r.state, 'closed');
  assert.deepEqual(r.restored, { name: 'search', state: 'closed' });
});

test('registry: one breaker per name, per-name config, one listener', async () => {
  const r = await registry(quiet);
  assert.deepEqual(r.opened, ['api.flaky.example']);
  assert.deepEqual(r.states, { 'api.flaky.example': 'open', 'api.good.example': 'closed' });
  assert.equal(r.size, 2);
});

test('retry: backoff raised to Retry-After; a budget caps retries at 20 % of requests', async () => {
  const r = await retry(quiet);
  assert.equal(r.value, '200 OK');
  assert.equal(r.attempts, 3);
  assert.deepEqual(r.delaysMs, [200, 3_000]);
  assert.equal(r.outageAttempts, 12);
  assert.deepEqual(r.errorCodes, Array<string>(10).fill('retry_budget_exceeded'));
});

test('timeout and deadline: the work is aborted; retries stop before the deadline', async () => {
  const r = await timeoutDeadline(quiet);
  assert.equal(r.timer, 'search');
  assert.equal(r.workAborted, true);
  assert.equal(r.attempts, 3);
  assert.equal(r.gaveUpAfterMs, 8_000);
});

test('bulkhead: two run, one waits, one is refused', async () => {
  const r = await bulkhead(quiet);
  assert.deepEqual(r.atStart, { active: 2, queued: 1 });
  assert.deepEqual(r.results, [
    'job 1 done at 1000 ms',
    'job 2 done at 1000 ms',
    'job 3 done at 2000 ms',
    'job 4: BulkheadFullError: bulkhead is full',
  ]);
});

test('rate limits: a burst then refusal; rpm/tpm taken together, settled', async () => {
  const r = await rateLimit(quiet);
  assert.deepEqual(r.burst, [true, true, true, true, true, false]);
  assert.equal(r.waitMs, 1_000);
  assert.equal(r.retryAfterMs, 1_000);
  assert.equal(r.first, true);
  assert.equal(r.second, false);
  assert.equal(r.tokensLeft, 7_500);
});

test('wrap: fallback over retry over breaker over timeout', async () => {
  const r = await compose(quiet);
  assert.equal(r.first, 'sunny (yesterday, cached)');
  assert.equal(r.callsFirst, 3);
  assert.equal(r.state, 'open');
  assert.equal(r.second, 'sunny (yesterday, cached)');
  assert.equal(r.callsSecond, 0);
});

test('FakeClock: the retry runs at exactly its backoff, no timer left', async () => {
  const r = await testing(quiet);
  assert.deepEqual(r, { callsAt249Ms: 1, callsAt250Ms: 2, value: 'ok', pendingTimers: 0 });
});

const docs = readFileSync(new URL('docs/core.md', root), 'utf8');

test('docs/core.md names only example files that exist, and every example', () => {
  const named = new Set([...docs.matchAll(/examples\/core\/([\w-]+\.ts)/g)].map((m) => m[1]));
  const missing = [...named].filter((f) => !existsSync(new URL(`examples/core/${f}`, root)));
  assert.deepEqual(missing, []);
  const files = readdirSync(new URL('examples/core/', root)).filter((f) => f.endsWith('.ts'));
  assert.deepEqual(
    files.filter((f) => !named.has(f)),
    [],
  );
});

/** Code lines of a doc snippet: imports (the doc's import from 'breakerbox/core'), `// ...` out. */
function codeLines(block: string): string[] {
  const lines: string[] = [];
  let inImport = false;
  for (const raw of block.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('import ')) inImport = true;
    if (inImport) {
      if (line.includes(" from '")) inImport = false;
      continue;
    }
    if (line !== '' && line !== '// ...') lines.push(line);
  }
  return lines;
}

test('every snippet headed `// examples/core/<file>` is taken from that file', () => {
  const blocks = [...docs.matchAll(/```ts\n\/\/ (examples\/core\/[\w-]+\.ts)\n([\s\S]*?)```/g)];
  assert.ok(blocks.length >= 10, `found ${blocks.length} example snippets`);
  for (const [, file, body] of blocks) {
    const source = readFileSync(new URL(file!, root), 'utf8');
    const sourceLines = new Set(source.split('\n').map((l) => l.trim()));
    const foreign = codeLines(body!).filter((l) => !sourceLines.has(l));
    assert.deepEqual(foreign, [], `${file!}: lines not in the example`);
  }
});
