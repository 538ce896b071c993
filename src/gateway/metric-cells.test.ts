import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Counter, Histogram, Registry } from 'prom-client';
import { CellCounter, CellHistogram } from './metric-cells.js';

const BUCKETS = [0.025, 0.1, 1, 10];
const value = fc.constantFrom('a', 'b', 'other');
type Op =
  | { kind: 'zero'; labels: [string, string] }
  | { kind: 'inc'; labels: [string, string]; by: number }
  | { kind: 'observe'; labels: [string, string]; v: number };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('zero' as const), labels: fc.tuple(value, value) }),
  fc.record({
    kind: fc.constant('inc' as const),
    labels: fc.tuple(value, value),
    by: fc.oneof(fc.constant(1), fc.double({ min: 0, max: 1e6, noNaN: true })),
  }),
  fc.record({
    kind: fc.constant('observe' as const),
    labels: fc.tuple(value, value),
    v: fc.oneof(
      fc.constantFrom(0, 0.025, 0.1, 1, 10, 11),
      fc.double({ min: 0, max: 100, noNaN: true }),
    ),
  }),
);

/** The same operations on prom-client's own metrics and on cells: the same exposition text. */
test('cells scrape exactly as prom-client’s own counters and histograms', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
      const own = new Registry();
      const counter = new Counter({
        name: 'c_total',
        help: 'C.',
        labelNames: ['x', 'y'],
        registers: [own],
      });
      const histogram = new Histogram({
        name: 'h_seconds',
        help: 'H.',
        labelNames: ['x', 'y'],
        buckets: BUCKETS,
        registers: [own],
      });
      const cells = new Registry();
      const cellCounter = new CellCounter(cells, 'c_total', 'C.', ['x', 'y']);
      const cellHistogram = new CellHistogram(cells, 'h_seconds', 'H.', ['x', 'y'], BUCKETS);
      // prom-client's `zero` also resets a series already observed; a cell is only created at 0.
      const observed = new Set<string>();
      for (const o of ops) {
        const [x, y] = o.labels;
        if (o.kind === 'zero') {
          counter.inc({ x, y }, 0);
          if (!observed.has(`${x},${y}`)) histogram.zero({ x, y });
          cellCounter.cell(x, y);
          cellHistogram.cell(x, y);
        } else if (o.kind === 'inc') {
          counter.inc({ x, y }, o.by);
          cellCounter.inc(o.by, x, y);
        } else {
          histogram.observe({ x, y }, o.v);
          observed.add(`${x},${y}`);
          cellHistogram.observe(o.v, x, y);
        }
      }
      assert.equal(await cells.metrics(), await own.metrics());
      // A second scrape copies again from the cells, never doubling.
      assert.equal(await cells.metrics(), await own.metrics());
    }),
    { numRuns: 200 },
  );
});

test('a counter refuses negative and non-finite increments, a histogram non-finite values', () => {
  const registry = new Registry();
  const c = new CellCounter(registry, 'c_total', 'C.', ['x']);
  assert.throws(() => {
    c.inc(-1, 'a');
  }, RangeError);
  assert.throws(() => {
    c.inc(Number.NaN, 'a');
  }, RangeError);
  assert.throws(() => {
    c.inc(Number.POSITIVE_INFINITY, 'a');
  }, RangeError);
  const h = new CellHistogram(registry, 'h_seconds', 'H.', ['x'], BUCKETS);
  assert.throws(() => {
    h.observe(Number.NaN, 'a');
  }, TypeError);
});

test('three labels resolve to one cell per tuple, kept across lookups', () => {
  const c = new CellCounter(new Registry(), 'c_total', 'C.', ['x', 'y', 'z']);
  const cell = c.cell('a', 'b', 'c');
  c.inc(2, 'a', 'b', 'c');
  c.inc(1, 'a', 'b', 'd');
  assert.equal(c.cell('a', 'b', 'c'), cell);
  assert.equal(cell.value, 2);
  assert.deepEqual(cell.labels, { x: 'a', y: 'b', z: 'c' });
});
