/**
 * Labelled counters and histograms whose series live in breakerbox's own cells and are copied
 * into prom-client when scraped (its `collect` hook), so a request does no label hashing: a cell
 * is found through nested maps keyed by the label values (or resolved once and kept), and an
 * increment is an addition. `/metrics` shows the same names, HELP, labels, values and series
 * order as prom-client's own `inc`/`observe` would: cells are copied in creation order, and a
 * series exists from its first increment or from `zero`, as with prom-client.
 */
import { Counter, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

/** One series of a counter: its labels, in label-name order, and its value. */
export interface CounterCell {
  readonly labels: Readonly<Record<string, string>>;
  value: number;
}

/** One series of a histogram: per-bucket (not cumulative) counts, as prom-client keeps them. */
export interface HistogramCell {
  readonly labels: Readonly<Record<string, string>>;
  readonly buckets: number[];
  sum: number;
  count: number;
}

type Tree<C> = Map<string, Tree<C> | C>;

/** The cells of one metric, found by label values through nested maps (one level a label). */
class Cells<C> {
  readonly all: C[] = [];
  readonly #root: Tree<C> = new Map();
  readonly #names: readonly string[];
  readonly #create: (labels: Record<string, string>) => C;

  constructor(names: readonly string[], create: (labels: Record<string, string>) => C) {
    this.#names = names;
    this.#create = create;
  }

  /** The cell of these label values (as many as label names), created on first use. */
  at(a: string, b?: string, c?: string): C {
    const last = this.#names.length - 1;
    let node = this.#root;
    for (let i = 0; i < last; i++) {
      const key = (i === 0 ? a : i === 1 ? b : c) as string;
      let next = node.get(key) as Tree<C> | undefined;
      if (next === undefined) {
        next = new Map();
        node.set(key, next);
      }
      node = next;
    }
    const key = (last === 0 ? a : last === 1 ? b : c) as string;
    let cell = node.get(key) as C | undefined;
    if (cell === undefined) {
      const labels: Record<string, string> = {};
      const values = [a, b, c];
      this.#names.forEach((name, i) => (labels[name] = values[i] as string));
      cell = this.#create(labels);
      node.set(key, cell);
      this.all.push(cell);
    }
    return cell;
  }
}

/** A labelled counter (at most three labels) kept in cells. */
export class CellCounter {
  readonly #cells: Cells<CounterCell>;

  constructor(registry: Registry, name: string, help: string, labelNames: readonly string[]) {
    if (labelNames.length < 1 || labelNames.length > 3) throw new RangeError('1 to 3 labels');
    const cells = new Cells<CounterCell>(labelNames, (labels) => ({ labels, value: 0 }));
    this.#cells = cells;
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect(this: Counter) {
        this.reset();
        for (const c of cells.all) this.inc(c.labels, c.value);
      },
    });
  }

  /** The series of these label values (in label-name order); keep it to skip the lookup. */
  cell(a: string, b?: string, c?: string): CounterCell {
    return this.#cells.at(a, b, c);
  }

  /** Adds `by` (default 1) to the series of these label values. */
  inc(by: number, a: string, b?: string, c?: string): void {
    if (!(by >= 0) || !Number.isFinite(by)) throw new RangeError(`bad counter increment ${by}`);
    this.#cells.at(a, b, c).value += by;
  }
}

/** The prom-client entry a histogram keeps per series (not part of its typed API). */
interface PromHistogramEntry {
  bucketValues: Record<number, number>;
  sum: number;
  count: number;
}

/** A labelled histogram (at most three labels) kept in cells. */
export class CellHistogram {
  readonly #cells: Cells<HistogramCell>;
  readonly #bounds: readonly number[];

  constructor(
    registry: Registry,
    name: string,
    help: string,
    labelNames: readonly string[],
    buckets: readonly number[],
  ) {
    if (labelNames.length < 1 || labelNames.length > 3) throw new RangeError('1 to 3 labels');
    const bounds = [...buckets].sort((x, y) => x - y);
    this.#bounds = bounds;
    const cells = new Cells<HistogramCell>(labelNames, (labels) => ({
      labels,
      buckets: bounds.map(() => 0),
      sum: 0,
      count: 0,
    }));
    this.#cells = cells;
    new Histogram({
      name,
      help,
      labelNames,
      buckets: bounds,
      registers: [registry],
      collect(this: Histogram) {
        this.reset();
        for (const c of cells.all) this.zero(c.labels);
        // `zero` made one entry per cell, in the same order (label hashes are never integer-like).
        const entries = Object.values(
          (this as unknown as { hashMap: Record<string, PromHistogramEntry> }).hashMap,
        );
        cells.all.forEach((c, i) => {
          const entry = entries[i] as PromHistogramEntry;
          entry.sum = c.sum;
          entry.count = c.count;
          bounds.forEach((b, j) => (entry.bucketValues[b] = c.buckets[j] as number));
        });
      },
    });
  }

  /** The series of these label values (in label-name order), created at 0 if new. */
  cell(a: string, b?: string, c?: string): HistogramCell {
    return this.#cells.at(a, b, c);
  }

  /** Observes `value` in the series of these label values. */
  observe(value: number, a: string, b?: string, c?: string): void {
    if (!Number.isFinite(value)) throw new TypeError(`bad histogram value ${value}`);
    const cell = this.#cells.at(a, b, c);
    cell.sum += value;
    cell.count += 1;
    const bounds = this.#bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= (bounds[i] as number)) {
        cell.buckets[i] = (cell.buckets[i] as number) + 1;
        return;
      }
    }
  }
}
